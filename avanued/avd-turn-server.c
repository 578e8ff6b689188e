/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* AvdTurnServer: avanued's STUN/TURN relay (DESIGN §7), its control plane.
 *
 * The object lives on the GLib main loop of the thread that starts it (the
 * control thread).  It reads [turn] from AvdConfig, binds the listening
 * sockets, starts one AvdTurnWorker thread per core ([turn] workers) and
 * from then on only talks to them through immutable settings snapshots and
 * commands (see avd-turn-worker.h).
 *
 * Ports: [turn] port serves UDP and TCP; with port 0 one free number is
 * chosen for both (bind UDP to 0, then TCP to the same number, again if
 * that is taken).  [turn] tls-port serves TLS when a certificate and key
 * are configured: [turn] tls-certificate / tls-key, else [server]'s.
 *
 * Accounting: bytes relayed (payload, both directions) are reported per
 * username with the #AvdTurnServer::usage signal, on the control thread,
 * every USAGE_INTERVAL_S seconds for live allocations and promptly when an
 * allocation ends.  The username carries `<expiry>:<session>:<fingerprint>`
 * for avanued's own credentials, which is what the control plane keys its
 * monthly quotas on; avd_turn_server_block_session() then refuses new
 * allocations of a session (486). */
#define G_LOG_DOMAIN "AvdTurn"

#include "config.h"

#include <gnutls/crypto.h>
#include <pthread.h>
#include <unistd.h>

#include "avd-turn-server.h"
#include "avd-turn-shared.h"

#define USAGE_INTERVAL_S 2
#define MAX_WORKERS 64
#define PORT_TRIES 32

struct _AvdTurnServer
{
  GObject parent_instance;

  AvdConfig *config;
  AvdTurnSettings *settings; /* the current snapshot; workers hold refs */
  AvdTurnShared *shared;
  GPtrArray *workers; /* AvdTurnWorker * */
  gboolean running;
  gboolean detached;
  guint n_workers;

  GMainContext *context;
  GSource *usage_timer;
  pthread_mutex_t flush_lock; /* not GMutex: ThreadSanitizer sees it */
  GSource *flush_source;      /* scheduled by workers; under flush_lock */
};

enum {
  SIGNAL_USAGE,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (AvdTurnServer, avd_turn_server, G_TYPE_OBJECT)

/* ---- settings ------------------------------------------------------------ */

static void
publish_settings (AvdTurnServer *self, AvdTurnSettings *settings)
{
  g_clear_pointer (&self->settings, avd_turn_settings_unref);
  self->settings = settings;
  if (self->workers != NULL)
    {
      for (guint i = 0; i < self->workers->len; i++)
        avd_turn_worker_push_settings (g_ptr_array_index (self->workers, i), settings);
    }
}

/* The snapshot's reloadable part from [turn]. */
static gboolean
settings_load (AvdTurnSettings *settings, AvdConfig *config, GError **error)
{
  g_auto(GStrv) secrets = avd_config_get_list (config, "turn", "secrets");
  g_auto(GStrv) allowed = avd_config_get_list (config, "turn", "allowed-peers");
  g_auto(GStrv) denied = avd_config_get_list (config, "turn", "denied-peers");
  g_autofree char *realm = avd_config_get_string (config, "turn", "realm");
  AvdTurnPolicy *policy;

  policy = avd_turn_policy_new (avd_config_get_boolean (config, "turn", "allow-loopback-peers"),
                                (const char * const *) allowed, (const char * const *) denied, error);
  if (policy == NULL)
    return FALSE;
  g_clear_pointer (&settings->policy, avd_turn_policy_unref);
  settings->policy = policy;

  if (realm[0] == '\0' || !g_utf8_validate (realm, -1, NULL) || strlen (realm) > 763)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                           "[turn] realm must be non-empty UTF-8 shorter than 764 bytes");
      return FALSE;
    }
  g_free (settings->realm);
  settings->realm = g_steal_pointer (&realm);
  settings->realm_len = strlen (settings->realm);

  /* Empty: keep what avd_turn_server_set_secrets() gave (the engine's
   * generated secret). */
  if (secrets[0] != NULL)
    avd_turn_settings_set_secrets (settings, (const char * const *) secrets);

  settings->user_quota = CLAMP (avd_config_get_int64 (config, "turn", "user-quota"), 0, G_MAXINT);
  settings->total_quota = CLAMP (avd_config_get_int64 (config, "turn", "total-quota"), 0, G_MAXINT);
  settings->max_bps = MAX (avd_config_get_int64 (config, "turn", "max-bps"), 0);
  return TRUE;
}

/* ---- usage --------------------------------------------------------------- */

static void
emit_usage (AvdTurnServer *self)
{
  g_autoptr(GHashTable) pending = NULL;
  GHashTableIter iter;
  gpointer key, value;

  if (self->shared == NULL)
    return;
  pending = avd_turn_shared_steal_usage (self->shared);
  g_hash_table_iter_init (&iter, pending);
  while (g_hash_table_iter_next (&iter, &key, &value))
    g_signal_emit (self, signals[SIGNAL_USAGE], 0, (const char *) key, *(guint64 *) value);
}

static gboolean
flush_idle_cb (gpointer data)
{
  AvdTurnServer *self = data;

  pthread_mutex_lock (&self->flush_lock);
  g_clear_pointer (&self->flush_source, g_source_unref);
  pthread_mutex_unlock (&self->flush_lock);
  emit_usage (self);
  return G_SOURCE_REMOVE;
}

/* Called by workers (any thread) when an allocation ended. */
static void
usage_notify (gpointer data)
{
  AvdTurnServer *self = data;

  pthread_mutex_lock (&self->flush_lock);
  if (self->flush_source == NULL && self->context != NULL)
    {
      self->flush_source = g_idle_source_new ();
      g_source_set_callback (self->flush_source, flush_idle_cb, self, NULL);
      g_source_set_static_name (self->flush_source, "[avanued] TURN usage");
      g_source_attach (self->flush_source, self->context);
    }
  pthread_mutex_unlock (&self->flush_lock);
}

static gboolean
usage_timer_cb (gpointer data)
{
  emit_usage (data);
  return G_SOURCE_CONTINUE;
}

/* ---- configuration ------------------------------------------------------- */

/* [turn] tls-certificate / tls-key, or [server]'s when empty. */
static char *
turn_tls_path (AvdConfig *config, const char *key)
{
  g_autofree char *value = avd_config_get_string (config, "turn", key);

  if (value[0] == '\0')
    {
      g_free (value);
      value = avd_config_get_string (config, "server", key);
    }
  return g_steal_pointer (&value);
}

static gboolean
config_port (AvdConfig *config, const char *key, guint16 *out_port, GError **error)
{
  gint64 port = avd_config_get_int64 (config, "turn", key);

  if (port < 0 || port > 65535)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   "[turn] %s: %" G_GINT64_FORMAT " is not a port number", key, port);
      return FALSE;
    }
  *out_port = port;
  return TRUE;
}

/* Everything fixed from start to stop. */
static AvdTurnShared *
shared_load (AvdTurnServer *self, GError **error)
{
  g_autoptr(AvdTurnShared) shared = avd_turn_shared_new ();
  g_auto(GStrv) listen = avd_config_get_list (self->config, "turn", "listen");
  g_auto(GStrv) external = avd_config_get_list (self->config, "turn", "external-ip");
  guint16 min_port, max_port;

  if (gnutls_rnd (GNUTLS_RND_KEY, shared->nonce_key, sizeof (shared->nonce_key)) < 0)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_FAILED, "Cannot make the TURN nonce key");
      return NULL;
    }

  for (gsize i = 0; listen[i] != NULL; i++)
    {
      AvdTurnAddr addr;

      if (shared->n_listen == AVD_TURN_MAX_LISTEN)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                       "[turn] listen: at most %d addresses", AVD_TURN_MAX_LISTEN);
          return NULL;
        }
      if (!avd_turn_addr_parse (listen[i], 0, &addr))
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                       "[turn] listen: ‘%s’ is not an IP address", listen[i]);
          return NULL;
        }
      shared->listen[shared->n_listen++] = addr;
      if (!avd_turn_addr_is_wildcard (&addr))
        {
          AvdTurnRelayFamily *rf = &shared->relay[avd_turn_family_index (addr.sa.sa_family)];

          if (!rf->has_default)
            {
              rf->has_default = TRUE;
              rf->default_addr = addr;
            }
        }
    }
  if (shared->n_listen == 0)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, "[turn] listen is empty");
      return NULL;
    }

  for (gsize i = 0; external[i] != NULL; i++)
    {
      g_auto(GStrv) parts = g_strsplit (external[i], "/", 2);
      AvdTurnAddr public_addr, private_addr;
      AvdTurnRelayFamily *rf;

      if (!avd_turn_addr_parse (g_strstrip (parts[0]), 0, &public_addr) ||
          avd_turn_addr_is_wildcard (&public_addr) ||
          (parts[1] != NULL &&
           (!avd_turn_addr_parse (g_strstrip (parts[1]), 0, &private_addr) ||
            private_addr.sa.sa_family != public_addr.sa.sa_family)))
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                       "[turn] external-ip: ‘%s’ is not public[/private] addresses of one family",
                       external[i]);
          return NULL;
        }
      rf = &shared->relay[avd_turn_family_index (public_addr.sa.sa_family)];
      rf->has_public = TRUE;
      rf->public_addr = public_addr;
      rf->has_private = parts[1] != NULL;
      if (rf->has_private)
        rf->private_addr = private_addr;
    }

  if (!config_port (self->config, "min-port", &min_port, error) ||
      !config_port (self->config, "max-port", &max_port, error))
    return NULL;
  if (min_port == 0 || min_port > max_port)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   "[turn] min-port %u and max-port %u are not a range", min_port, max_port);
      return NULL;
    }
  shared->min_port = min_port;
  shared->max_port = max_port;
  shared->next_port = g_random_int_range (0, (int) max_port - min_port + 1);

  if (!config_port (self->config, "port", &shared->port, error) ||
      !config_port (self->config, "tls-port", &shared->tls_port, error))
    return NULL;

  shared->usage_notify = usage_notify;
  shared->usage_notify_data = self;
  return g_steal_pointer (&shared);
}

static gboolean
tls_load (AvdTurnShared *shared, AvdConfig *config, GError **error)
{
  g_autofree char *certificate = turn_tls_path (config, "tls-certificate");
  g_autofree char *key = turn_tls_path (config, "tls-key");
  int r;

  if (certificate[0] == '\0' || key[0] == '\0')
    return TRUE;
  if ((r = gnutls_certificate_allocate_credentials (&shared->tls_credentials)) < 0 ||
      (r = gnutls_certificate_set_x509_key_file (shared->tls_credentials, certificate, key,
                                                 GNUTLS_X509_FMT_PEM)) < 0 ||
      (r = gnutls_priority_init (&shared->tls_priority, "NORMAL:%SERVER_PRECEDENCE", NULL)) < 0)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                   "Cannot load the TURN TLS certificate %s: %s", certificate, gnutls_strerror (r));
      return FALSE;
    }
  return TRUE;
}

/* ---- sockets ------------------------------------------------------------- */

typedef struct {
  int fd;
  AvdTurnTransport transport;
  AvdTurnAddr addr;
} BoundSocket;

static void
bound_sockets_close (GArray *sockets)
{
  for (guint i = 0; i < sockets->len; i++)
    close (g_array_index (sockets, BoundSocket, i).fd);
  g_array_set_size (sockets, 0);
}

/* Binds @transports on every listen address at *@port; when *@port is 0,
 * picks one number free for all of them. */
static gboolean
bind_port (AvdTurnShared *shared,
           guint16 *port,
           const AvdTurnTransport *transports,
           guint n_transports,
           GArray *out_sockets,
           GError **error)
{
  gboolean pick = *port == 0;

  for (int attempt = 0; attempt < (pick ? PORT_TRIES : 1); attempt++)
    {
      g_autoptr(GError) local_error = NULL;
      guint16 chosen = pick ? 0 : *port;
      gboolean ok = TRUE;

      for (guint i = 0; i < shared->n_listen && ok; i++)
        {
          for (guint t = 0; t < n_transports && ok; t++)
            {
              BoundSocket s = { .transport = transports[t] };
              AvdTurnAddr addr = shared->listen[i];

              avd_turn_addr_set_port (&addr, chosen);
              s.fd = avd_turn_open_socket (&addr, transports[t] == AVD_TURN_TRANSPORT_UDP ? SOCK_DGRAM : SOCK_STREAM,
                                           TRUE, &s.addr, &local_error);
              if (s.fd < 0)
                {
                  ok = FALSE;
                  break;
                }
              chosen = avd_turn_addr_get_port (&s.addr);
              g_array_append_val (out_sockets, s);
            }
        }
      if (ok)
        {
          *port = chosen;
          return TRUE;
        }
      bound_sockets_close (out_sockets);
      if (!pick || !g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_ADDRESS_IN_USE))
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return FALSE;
        }
    }
  g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_ADDRESS_IN_USE,
                       "Cannot find a port free for TURN over both UDP and TCP");
  return FALSE;
}

/* Gives @worker its own sockets: those in @first for worker 0, new
 * SO_REUSEPORT sockets on the same addresses for the others. */
static gboolean
worker_listen (AvdTurnWorker *worker, guint index, GArray *first, GError **error)
{
  for (guint i = 0; i < first->len; i++)
    {
      BoundSocket *s = &g_array_index (first, BoundSocket, i);
      int fd = s->fd;

      if (index > 0)
        {
          fd = avd_turn_open_socket (&s->addr, s->transport == AVD_TURN_TRANSPORT_UDP ? SOCK_DGRAM : SOCK_STREAM,
                                     TRUE, NULL, error);
          if (fd < 0)
            return FALSE;
        }
      if (!avd_turn_worker_add_listener (worker, fd, s->transport, &s->addr, error))
        return FALSE;
      if (index == 0)
        s->fd = -1; /* the worker owns it now */
    }
  return TRUE;
}

/* ---- GObject ------------------------------------------------------------- */

static void
avd_turn_server_dispose (GObject *object)
{
  AvdTurnServer *self = AVD_TURN_SERVER (object);

  avd_turn_server_stop (self);
  G_OBJECT_CLASS (avd_turn_server_parent_class)->dispose (object);
}

static void
avd_turn_server_finalize (GObject *object)
{
  AvdTurnServer *self = AVD_TURN_SERVER (object);

  if (self->flush_source != NULL)
    {
      g_source_destroy (self->flush_source);
      g_source_unref (self->flush_source);
    }
  g_clear_pointer (&self->shared, avd_turn_shared_free);
  g_clear_pointer (&self->settings, avd_turn_settings_unref);
  g_clear_pointer (&self->context, g_main_context_unref);
  g_clear_object (&self->config);
  pthread_mutex_destroy (&self->flush_lock);

  G_OBJECT_CLASS (avd_turn_server_parent_class)->finalize (object);
}

static void
avd_turn_server_class_init (AvdTurnServerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = avd_turn_server_dispose;
  object_class->finalize = avd_turn_server_finalize;

  /**
   * AvdTurnServer::usage:
   * @self: the server
   * @username: the TURN username (`<expiry>:<session>:<fingerprint>` for
   *   avanued's credentials)
   * @bytes: payload bytes relayed for @username, both directions, since
   *   the last emission for it
   *
   * Emitted on the control thread every few seconds for allocations that
   * relayed something, soon after an allocation ends, and when the server
   * stops.
   */
  signals[SIGNAL_USAGE] =
    g_signal_new ("usage", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 2, G_TYPE_STRING, G_TYPE_UINT64);
}

static void
avd_turn_server_init (AvdTurnServer *self)
{
  pthread_mutex_init (&self->flush_lock, NULL);
  self->settings = avd_turn_settings_new ();
}

AvdTurnServer *
avd_turn_server_new (AvdConfig *config)
{
  AvdTurnServer *self;

  g_return_val_if_fail (AVD_IS_CONFIG (config), NULL);

  self = g_object_new (AVD_TYPE_TURN_SERVER, NULL);
  self->config = g_object_ref (config);
  return self;
}

/* ---- start and stop ------------------------------------------------------ */

static gboolean
server_prepare (AvdTurnServer *self, GError **error)
{
  g_autoptr(AvdTurnSettings) settings = avd_turn_settings_copy (self->settings);
  g_autoptr(AvdTurnShared) shared = NULL;

  if (!settings_load (settings, self->config, error))
    return FALSE;
  shared = shared_load (self, error);
  if (shared == NULL || !tls_load (shared, self->config, error))
    return FALSE;

  g_clear_pointer (&self->shared, avd_turn_shared_free);
  self->shared = g_steal_pointer (&shared);
  g_clear_pointer (&self->settings, avd_turn_settings_unref);
  self->settings = g_steal_pointer (&settings);
  if (self->context == NULL)
    self->context = g_main_context_ref_thread_default ();
  return TRUE;
}

gboolean
avd_turn_server_start (AvdTurnServer *self, GError **error)
{
  static const AvdTurnTransport plain[] = { AVD_TURN_TRANSPORT_UDP, AVD_TURN_TRANSPORT_TCP };
  static const AvdTurnTransport tls[] = { AVD_TURN_TRANSPORT_TLS };
  g_autoptr(GArray) sockets = g_array_new (FALSE, FALSE, sizeof (BoundSocket));
  g_autoptr(GArray) tls_sockets = g_array_new (FALSE, FALSE, sizeof (BoundSocket));
  g_autoptr(GPtrArray) workers = NULL;
  int n_workers;
  gboolean ok = TRUE;

  g_return_val_if_fail (AVD_IS_TURN_SERVER (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (self->running)
    return TRUE;
  if (self->detached)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_FAILED, "This TURN server drives a detached worker");
      return FALSE;
    }
  if (!server_prepare (self, error))
    return FALSE;

  n_workers = avd_config_get_int (self->config, "turn", "workers");
  if (n_workers <= 0)
    n_workers = g_get_num_processors ();
  n_workers = CLAMP (n_workers, 1, MAX_WORKERS);

  if (!bind_port (self->shared, &self->shared->port, plain, G_N_ELEMENTS (plain), sockets, error))
    return FALSE;
  if (self->shared->tls_credentials != NULL &&
      !bind_port (self->shared, &self->shared->tls_port, tls, 1, tls_sockets, error))
    {
      bound_sockets_close (sockets);
      return FALSE;
    }
  if (self->shared->tls_credentials == NULL)
    self->shared->tls_port = 0;
  g_array_append_vals (sockets, tls_sockets->data, tls_sockets->len);
  g_array_set_size (tls_sockets, 0);

  workers = g_ptr_array_new_with_free_func ((GDestroyNotify) avd_turn_worker_free);
  for (int i = 0; i < n_workers && ok; i++)
    {
      AvdTurnWorker *worker = avd_turn_worker_new (self->shared, self->settings, i, error);

      ok = worker != NULL;
      if (ok)
        {
          g_ptr_array_add (workers, worker);
          ok = worker_listen (worker, i, sockets, error);
        }
    }
  for (guint i = 0; i < sockets->len; i++)
    {
      if (g_array_index (sockets, BoundSocket, i).fd >= 0)
        close (g_array_index (sockets, BoundSocket, i).fd);
    }
  for (guint i = 0; i < workers->len && ok; i++)
    ok = avd_turn_worker_start (g_ptr_array_index (workers, i), error);
  if (!ok)
    {
      for (guint i = 0; i < workers->len; i++)
        avd_turn_worker_stop (g_ptr_array_index (workers, i));
      return FALSE;
    }

  self->workers = g_steal_pointer (&workers);
  self->n_workers = n_workers;
  self->running = TRUE;
  self->usage_timer = g_timeout_source_new_seconds (USAGE_INTERVAL_S);
  g_source_set_callback (self->usage_timer, usage_timer_cb, self, NULL);
  g_source_set_static_name (self->usage_timer, "[avanued] TURN usage timer");
  g_source_attach (self->usage_timer, self->context);

  g_info ("TURN relay on port %u (UDP, TCP)%s, %u workers", self->shared->port,
          self->shared->tls_port != 0 ? ", TLS" : "", n_workers);
  return TRUE;
}

/* Stops the workers (allocations end, their usage is reported now) and
 * closes every socket.  The server can be started again. */
void
avd_turn_server_stop (AvdTurnServer *self)
{
  g_return_if_fail (AVD_IS_TURN_SERVER (self));

  if (!self->running)
    return;
  for (guint i = 0; i < self->workers->len; i++)
    avd_turn_worker_stop (g_ptr_array_index (self->workers, i));
  g_clear_pointer (&self->workers, g_ptr_array_unref);

  if (self->usage_timer != NULL)
    {
      g_source_destroy (self->usage_timer);
      g_clear_pointer (&self->usage_timer, g_source_unref);
    }
  pthread_mutex_lock (&self->flush_lock);
  if (self->flush_source != NULL)
    {
      g_source_destroy (self->flush_source);
      g_clear_pointer (&self->flush_source, g_source_unref);
    }
  pthread_mutex_unlock (&self->flush_lock);
  self->running = FALSE;
  emit_usage (self);
}

gboolean
avd_turn_server_is_running (AvdTurnServer *self)
{
  g_return_val_if_fail (AVD_IS_TURN_SERVER (self), FALSE);
  return self->running;
}

guint
avd_turn_server_get_port (AvdTurnServer *self)
{
  g_return_val_if_fail (AVD_IS_TURN_SERVER (self), 0);
  return self->running ? self->shared->port : 0;
}

guint
avd_turn_server_get_tls_port (AvdTurnServer *self)
{
  g_return_val_if_fail (AVD_IS_TURN_SERVER (self), 0);
  return self->running ? self->shared->tls_port : 0;
}

guint
avd_turn_server_get_n_workers (AvdTurnServer *self)
{
  g_return_val_if_fail (AVD_IS_TURN_SERVER (self), 0);
  return self->running ? self->n_workers : 0;
}

void
avd_turn_server_get_stats (AvdTurnServer *self, AvdTurnStats *out)
{
  g_return_if_fail (AVD_IS_TURN_SERVER (self));
  g_return_if_fail (out != NULL);

  memset (out, 0, sizeof (*out));
  if (self->shared != NULL)
    out->allocations = avd_turn_shared_get_n_allocations (self->shared);
  for (guint i = 0; self->workers != NULL && i < self->workers->len; i++)
    {
      AvdTurnWorkerStats ws;

      avd_turn_worker_read_stats (g_ptr_array_index (self->workers, i), &ws);
      out->allocations_created += ws.allocations_created;
      out->packets_relayed += ws.packets_relayed;
      out->bytes_relayed += ws.bytes_relayed;
      out->packets_dropped += ws.packets_dropped;
      out->requests += ws.requests;
      out->connections += ws.connections;
      out->wakeups += ws.wakeups;
      out->recv_calls += ws.recv_calls;
      out->send_calls += ws.send_calls;
      for (guint j = 0; j < AVD_TURN_N_ERROR_CODES; j++)
        out->errors[j] += ws.errors[j];
    }
}

/* ---- control ------------------------------------------------------------- */

/* Re-reads the reloadable part of [turn]: realm, secrets, peer policy,
 * quotas, max-bps.  Listen addresses, ports, external-ip, workers and TLS
 * keep their values until a restart.  Allocations are kept. */
gboolean
avd_turn_server_reload (AvdTurnServer *self, GError **error)
{
  g_autoptr(AvdTurnSettings) settings = NULL;

  g_return_val_if_fail (AVD_IS_TURN_SERVER (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  settings = avd_turn_settings_copy (self->settings);
  if (!settings_load (settings, self->config, error))
    return FALSE;
  publish_settings (self, g_steal_pointer (&settings));
  return TRUE;
}

/**
 * avd_turn_server_set_secrets:
 *
 * Replaces the REST-API secrets, newest (signing) first; credentials made
 * with any of them are accepted.  Empty strings are ignored.  Takes effect
 * for the next request of every worker; allocations are kept.
 */
void
avd_turn_server_set_secrets (AvdTurnServer *self, const char * const *secrets)
{
  AvdTurnSettings *settings;

  g_return_if_fail (AVD_IS_TURN_SERVER (self));

  settings = avd_turn_settings_copy (self->settings);
  avd_turn_settings_set_secrets (settings, secrets);
  publish_settings (self, settings);
}

/* Drops revoked usernames that expired a while ago: nobody can use them. */
static void
prune_revoked (GHashTable *revoked)
{
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;
  GHashTableIter iter;
  gpointer key;

  g_hash_table_iter_init (&iter, revoked);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    {
      const char *username = key;
      gint64 expiry;

      if (avd_turn_username_get_expiry ((const guint8 *) username, strlen (username), &expiry) &&
          expiry < now - 60)
        g_hash_table_iter_remove (&iter);
    }
}

/**
 * avd_turn_server_revoke_username:
 *
 * Refuses @username from now on (403) and ends its allocations.
 */
void
avd_turn_server_revoke_username (AvdTurnServer *self, const char *username)
{
  AvdTurnSettings *settings;

  g_return_if_fail (AVD_IS_TURN_SERVER (self));
  g_return_if_fail (username != NULL);

  settings = avd_turn_settings_copy (self->settings);
  prune_revoked (settings->revoked);
  g_hash_table_add (settings->revoked, g_strdup (username));
  publish_settings (self, settings);
  for (guint i = 0; self->workers != NULL && i < self->workers->len; i++)
    avd_turn_worker_push_revoke (g_ptr_array_index (self->workers, i), username);
}

/**
 * avd_turn_server_block_session:
 *
 * Refuses new allocations (486) to usernames `<expiry>:@session_id:…` (or
 * `<expiry>:@session_id`), e.g. a licence over its monthly relay quota.
 * Existing allocations are kept.
 */
void
avd_turn_server_block_session (AvdTurnServer *self, const char *session_id)
{
  AvdTurnSettings *settings;

  g_return_if_fail (AVD_IS_TURN_SERVER (self));
  g_return_if_fail (session_id != NULL);

  settings = avd_turn_settings_copy (self->settings);
  g_hash_table_add (settings->blocked, g_strdup (session_id));
  publish_settings (self, settings);
}

void
avd_turn_server_unblock_session (AvdTurnServer *self, const char *session_id)
{
  AvdTurnSettings *settings;

  g_return_if_fail (AVD_IS_TURN_SERVER (self));
  g_return_if_fail (session_id != NULL);

  if (!g_hash_table_contains (self->settings->blocked, session_id))
    return;
  settings = avd_turn_settings_copy (self->settings);
  g_hash_table_remove (settings->blocked, session_id);
  publish_settings (self, settings);
}

/* Emits #AvdTurnServer::usage now for what the workers have reported so
 * far (they report live allocations every two seconds). */
void
avd_turn_server_flush_usage (AvdTurnServer *self)
{
  g_return_if_fail (AVD_IS_TURN_SERVER (self));
  emit_usage (self);
}

void
avd_turn_server_set_nonce_lifetime (AvdTurnServer *self, guint seconds)
{
  AvdTurnSettings *settings;

  g_return_if_fail (AVD_IS_TURN_SERVER (self));
  g_return_if_fail (seconds > 0);

  settings = avd_turn_settings_copy (self->settings);
  settings->nonce_lifetime_s = seconds;
  publish_settings (self, settings);
}

void
avd_turn_server_set_lifetimes (AvdTurnServer *self,
                               guint allocation_default_s,
                               guint allocation_max_s,
                               guint permission_s,
                               guint channel_s)
{
  AvdTurnSettings *settings;

  g_return_if_fail (AVD_IS_TURN_SERVER (self));
  g_return_if_fail (allocation_default_s > 0 && allocation_default_s <= allocation_max_s);
  g_return_if_fail (permission_s > 0 && channel_s > 0);

  settings = avd_turn_settings_copy (self->settings);
  settings->allocation_lifetime_s = allocation_default_s;
  settings->allocation_max_lifetime_s = allocation_max_s;
  settings->permission_lifetime_s = permission_s;
  settings->channel_lifetime_s = channel_s;
  publish_settings (self, settings);
}

AvdTurnWorker *
avd_turn_server_new_detached_worker (AvdTurnServer *self,
                                     AvdTurnOutputFunc output,
                                     gpointer user_data,
                                     GError **error)
{
  g_return_val_if_fail (AVD_IS_TURN_SERVER (self), NULL);
  g_return_val_if_fail (output != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (self->running)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_BUSY, "The TURN server is running");
      return NULL;
    }
  if (self->shared == NULL && !server_prepare (self, error))
    return NULL;
  self->detached = TRUE;
  if (self->shared->port == 0)
    self->shared->port = 3478;
  return avd_turn_worker_new_detached (self->shared, self->settings, output, user_data);
}

/* The current settings snapshot (transfer none). */
AvdTurnSettings *
avd_turn_server_get_settings (AvdTurnServer *self)
{
  g_return_val_if_fail (AVD_IS_TURN_SERVER (self), NULL);
  return self->settings;
}
