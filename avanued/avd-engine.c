/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* AvdEngine: owns every part of the daemon and starts and stops them in
 * order (DESIGN §4): the durable store, the ephemeral state, licences, ICE
 * servers, sessions, the HTTP + WebSocket server, and last the D-Bus
 * administration API (AvdDbusService), for which it also offers the
 * admin hooks at the end of this file.  The TURN relay joins it as it
 * lands. */
#define G_LOG_DOMAIN "AvdEngine"

#include "config.h"

#include <errno.h>
#include <string.h>
#include <glib/gstdio.h>

#include "avd-dbus-service.h"
#include "avd-engine.h"
#include "avd-error.h"
#include "avd-http-server.h"
#include "avd-ice.h"
#include "avd-license-service.h"
#include "avd-rate-limiter.h"
#include "avd-session-manager.h"
#include "avd-signaling-server.h"
#include "avd-state-backend.h"
#include "avd-store.h"
#include "avd-turn-server.h"
#include "avd-turn-shared.h"

#define SHUTDOWN_DRAIN_US (2 * G_USEC_PER_SEC)

struct _AvdEngine
{
  GObject parent_instance;

  AvdConfig *config;
  char *state_dir;
  AvdStore *store;
  AvdStateBackend *state;
  AvdLicenseService *licenses;
  AvdIce *ice;
  AvdRateLimiter *limiter;
  AvdSessionManager *sessions;
  AvdHttpServer *http;
  AvdSignalingServer *signaling;
  AvdTurnServer *turn;          /* NULL with [turn] enabled=false */
  AvdDbusService *dbus;         /* NULL with [dbus] bus=none or no bus */
  gint64 started_us;            /* monotonic */
};

G_DEFINE_FINAL_TYPE (AvdEngine, avd_engine, G_TYPE_OBJECT)

static void
avd_engine_dispose (GObject *object)
{
  AvdEngine *self = AVD_ENGINE (object);

  if (self->dbus != NULL)
    avd_dbus_service_stop (self->dbus);
  g_clear_object (&self->dbus);
  if (self->turn != NULL)
    g_signal_handlers_disconnect_by_data (self->turn, self);
  g_clear_object (&self->turn);
  g_clear_object (&self->signaling);
  g_clear_object (&self->http);
  g_clear_object (&self->sessions);
  g_clear_object (&self->limiter);
  g_clear_object (&self->ice);
  g_clear_object (&self->licenses);
  g_clear_object (&self->state);
  g_clear_object (&self->store);
  g_clear_object (&self->config);

  G_OBJECT_CLASS (avd_engine_parent_class)->dispose (object);
}

static void
avd_engine_finalize (GObject *object)
{
  AvdEngine *self = AVD_ENGINE (object);

  g_free (self->state_dir);

  G_OBJECT_CLASS (avd_engine_parent_class)->finalize (object);
}

static void
avd_engine_class_init (AvdEngineClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = avd_engine_dispose;
  object_class->finalize = avd_engine_finalize;
}

static void
avd_engine_init (AvdEngine *self)
{
}

AvdEngine *
avd_engine_new (AvdConfig  *config,
                const char *state_dir)
{
  AvdEngine *self = g_object_new (AVD_TYPE_ENGINE, NULL);

  self->config = g_object_ref (config);
  self->state_dir = g_strdup (state_dir);
  return self;
}

static gboolean
ensure_state_dir (const char  *state_dir,
                  GError     **error)
{
  if (g_mkdir_with_parents (state_dir, 0700) != 0)
    {
      int saved = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                   "Cannot create the state directory %s: %s", state_dir, g_strerror (saved));
      return FALSE;
    }
  return TRUE;
}

/* Opens the configured durable store; used by the daemon and by the
 * one-shot licence commands alike. */
AvdStore *
avd_engine_open_store (AvdConfig   *config,
                       const char  *state_dir,
                       GError     **error)
{
  g_autoptr(AvdStore) store = NULL;

  if (!ensure_state_dir (state_dir, error))
    return NULL;
  store = avd_store_new_for_config (config, state_dir, error);
  if (store == NULL || !avd_store_open (store, error))
    return NULL;
  return g_steal_pointer (&store);
}

static char *
check_store (gpointer user_data)
{
  AvdEngine *self = user_data;
  g_autoptr(GError) error = NULL;

  if (avd_store_check (self->store, &error))
    return g_strdup ("ok");
  g_warning ("store check failed: %s", error->message);
  return g_strdup ("failing");
}

static char *
check_state (gpointer user_data)
{
  AvdEngine *self = user_data;

  return g_strdup (avd_state_backend_check (self->state, NULL) ? "ok" : "failing");
}

/* The administration API on [dbus] bus (system, session or none).  A bus
 * that cannot be reached leaves the daemon running without it (logged);
 * the name being owned already (another avanued) is an error. */
static gboolean
start_dbus (AvdEngine  *self,
            GError    **error)
{
  g_autofree char *bus = avd_config_get_string (self->config, "dbus", "bus");
  g_autoptr(GError) local_error = NULL;
  GBusType bus_type;

  if (g_str_equal (bus, "none"))
    return TRUE;
  if (g_str_equal (bus, "system"))
    bus_type = G_BUS_TYPE_SYSTEM;
  else if (g_str_equal (bus, "session"))
    bus_type = G_BUS_TYPE_SESSION;
  else
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   "[dbus] bus=%s: use system, session or none", bus);
      return FALSE;
    }

  self->dbus = avd_dbus_service_new (self);
  if (!avd_dbus_service_start (self->dbus, bus_type, &local_error))
    {
      g_clear_object (&self->dbus);
      if (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_EXISTS))
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return FALSE;
        }
      /* Not fatal: signaling and the relay do not need it. */
      g_message ("no D-Bus administration API: %s", local_error->message);
    }
  return TRUE;
}

/* ---- GET /metrics -------------------------------------------------- */

static gboolean
metrics_allowed (AvdEngine         *self,
                 SoupServerMessage *msg)
{
  GSocketAddress *remote = soup_server_message_get_remote_address (msg);
  g_autofree char *token = avd_config_get_string (self->config, "server", "metrics-token");
  const char *auth;

  if (G_IS_INET_SOCKET_ADDRESS (remote) &&
      g_inet_address_get_is_loopback (g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (remote))))
    return TRUE;
  auth = soup_message_headers_get_one (soup_server_message_get_request_headers (msg), "Authorization");
  return *token != '\0' && auth != NULL && g_ascii_strncasecmp (auth, "Bearer ", 7) == 0 &&
         g_str_equal (auth + 7, token);
}

/* Prometheus text (DESIGN §8).  Labels are bounded: error codes, never
 * usernames, sessions or addresses. */
static void
metrics_cb (SoupServer        *server,
            SoupServerMessage *msg,
            const char        *path,
            GHashTable        *query,
            gpointer           user_data)
{
  AvdEngine *self = user_data;
  GString *out;
  AvdTurnStats turn = { 0 };

  if (!g_str_equal (soup_server_message_get_method (msg), "GET"))
    {
      avd_http_server_send_error (msg, SOUP_STATUS_METHOD_NOT_ALLOWED, "METHOD_NOT_ALLOWED", "Use GET");
      return;
    }
  if (!metrics_allowed (self, msg))
    {
      avd_http_server_send_error (msg, SOUP_STATUS_UNAUTHORIZED, "UNAUTHORIZED",
                                  "Metrics are for loopback or the metrics token");
      return;
    }
  if (self->turn != NULL)
    avd_turn_server_get_stats (self->turn, &turn);

  out = g_string_new (NULL);
  g_string_append_printf (out,
                          "# HELP avanue_sessions Live sessions.\n"
                          "# TYPE avanue_sessions gauge\n"
                          "avanue_sessions %u\n"
                          "# HELP avanue_connections Open signaling WebSockets.\n"
                          "# TYPE avanue_connections gauge\n"
                          "avanue_connections %u\n"
                          "# HELP avanue_devices Registered devices connected now.\n"
                          "# TYPE avanue_devices gauge\n"
                          "avanue_devices %u\n"
                          "# HELP avanue_turn_allocations Open TURN allocations.\n"
                          "# TYPE avanue_turn_allocations gauge\n"
                          "avanue_turn_allocations %u\n"
                          "# HELP avanue_turn_allocations_created_total TURN allocations made.\n"
                          "# TYPE avanue_turn_allocations_created_total counter\n"
                          "avanue_turn_allocations_created_total %" G_GUINT64_FORMAT "\n"
                          "# HELP avanue_turn_packets_relayed_total Packets relayed, both directions.\n"
                          "# TYPE avanue_turn_packets_relayed_total counter\n"
                          "avanue_turn_packets_relayed_total %" G_GUINT64_FORMAT "\n"
                          "# HELP avanue_turn_bytes_relayed_total Payload bytes relayed, both directions.\n"
                          "# TYPE avanue_turn_bytes_relayed_total counter\n"
                          "avanue_turn_bytes_relayed_total %" G_GUINT64_FORMAT "\n"
                          "# HELP avanue_turn_packets_dropped_total Packets dropped (no permission, over budget).\n"
                          "# TYPE avanue_turn_packets_dropped_total counter\n"
                          "avanue_turn_packets_dropped_total %" G_GUINT64_FORMAT "\n"
                          "# HELP avanue_turn_errors_total TURN error responses by code.\n"
                          "# TYPE avanue_turn_errors_total counter\n",
                          self->sessions != NULL ? avd_session_manager_get_n_sessions (self->sessions) : 0,
                          self->signaling != NULL ? avd_signaling_server_get_n_connections (self->signaling) : 0,
                          self->signaling != NULL ? avd_signaling_server_get_n_devices (self->signaling) : 0,
                          turn.allocations, turn.allocations_created, turn.packets_relayed,
                          turn.bytes_relayed, turn.packets_dropped);
  for (guint i = 0; i < AVD_TURN_N_ERROR_CODES; i++)
    g_string_append_printf (out, "avanue_turn_errors_total{code=\"%u\"} %" G_GUINT64_FORMAT "\n",
                            avd_turn_error_code_at (i), turn.errors[i]);

  {
    gsize len = out->len;
    char *text = g_string_free (out, FALSE);

    soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
    soup_server_message_set_response (msg, "text/plain; version=0.0.4", SOUP_MEMORY_TAKE, text, len);
  }
}

/* ---- the embedded relay ------------------------------------------ */

static char *
check_turn (gpointer user_data)
{
  AvdEngine *self = user_data;

  return g_strdup (avd_turn_server_is_running (self->turn) ? "ok" : "failing");
}

/* Bytes relayed for a TURN username: to its session's history row and to
 * its licence's usage for the month.  A licence over its tier's monthly
 * quota gets no new allocations for that session (486). */
static void
turn_usage_cb (AvdTurnServer *turn,
               const char    *username,
               guint64        bytes,
               gpointer       user_data)
{
  AvdEngine *self = user_data;
  g_autofree char *rest = NULL;
  g_autofree char *fingerprint = NULL;
  g_autofree char *license_id = NULL;
  g_autofree char *tier_name = NULL;
  g_autofree char *month = avd_store_month_for_time (0);
  const char *session_id = NULL;
  const AvdTier *tier;
  guint64 used = 0;
  gint64 expiry;

  if (bytes == 0 || !avanue_turn_credentials_parse_username (username, &expiry, &rest, &fingerprint, NULL) ||
      rest == NULL)
    return;

  if (g_str_has_prefix (rest, "license-"))
    license_id = g_strdup (rest + strlen ("license-"));
  else if (fingerprint != NULL)
    {
      g_autoptr(AvdSessionHistoryRecord) history = avd_store_get_session_history (self->store, rest, NULL);

      if (history == NULL)
        return;                 /* not one of our sessions */
      session_id = rest;
      license_id = g_strdup (history->license_id);
      tier_name = g_strdup (history->tier);
      avd_store_submit_add_session_bytes (self->store, session_id, bytes);
    }
  if (license_id == NULL)
    return;
  avd_store_submit_add_license_usage (self->store, license_id, month, bytes, 0);

  /* The bytes just submitted may still be queued: count them in. */
  tier = avd_license_service_get_tier (self->licenses, tier_name);
  if (session_id == NULL || tier == NULL || tier->turn_quota_bytes == 0 ||
      !avd_store_get_license_usage (self->store, license_id, month, &used, NULL, NULL))
    return;
  if (used + bytes > (guint64) tier->turn_quota_bytes)
    {
      g_message ("session %s: its licence is over its monthly relay quota", session_id);
      avd_turn_server_block_session (turn, session_id);
    }
}

/* stun:/turn:/turns: URLs for the embedded relay, on [ice] public-host or
 * the first [turn] listen address. */
static void
publish_relay_urls (AvdEngine *self)
{
  g_autofree char *public_host = avd_config_get_string (self->config, "ice", "public-host");
  g_auto(GStrv) listen = avd_config_get_list (self->config, "turn", "listen");
  g_autoptr(GPtrArray) stun = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) turn = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *host = NULL;
  const char *name = *public_host != '\0' ? public_host : (listen[0] != NULL ? listen[0] : "127.0.0.1");
  guint port = avd_turn_server_get_port (self->turn);
  guint tls_port = avd_turn_server_get_tls_port (self->turn);

  /* An IPv6 literal goes in brackets (RFC 7064/7065). */
  host = strchr (name, ':') != NULL ? g_strdup_printf ("[%s]", name) : g_strdup (name);
  g_ptr_array_add (stun, g_strdup_printf ("stun:%s:%u", host, port));
  g_ptr_array_add (turn, g_strdup_printf ("turn:%s:%u?transport=udp", host, port));
  g_ptr_array_add (turn, g_strdup_printf ("turn:%s:%u?transport=tcp", host, port));
  if (tls_port != 0)
    g_ptr_array_add (turn, g_strdup_printf ("turns:%s:%u?transport=tcp", host, tls_port));
  g_ptr_array_add (stun, NULL);
  g_ptr_array_add (turn, NULL);
  avd_ice_add_relay_urls (self->ice, (const char * const *) stun->pdata, (const char * const *) turn->pdata);
}

static gboolean
start_turn (AvdEngine  *self,
            GError    **error)
{
  if (!avd_config_get_boolean (self->config, "turn", "enabled"))
    return TRUE;
  self->turn = avd_turn_server_new (self->config);
  /* One secret for both: credentials the signaling hands out verify here. */
  avd_turn_server_set_secrets (self->turn, avd_ice_get_secrets (self->ice));
  avd_turn_server_set_nonce_lifetime (self->turn,
                                      CLAMP (avd_config_get_int (self->config, "turn", "nonce-lifetime-seconds"),
                                             1, 24 * 3600));
  g_signal_connect (self->turn, "usage", G_CALLBACK (turn_usage_cb), self);
  if (!avd_turn_server_start (self->turn, error))
    {
      g_prefix_error (error, "Cannot start the TURN relay: ");
      return FALSE;
    }
  publish_relay_urls (self);
  avd_http_server_add_check (self->http, "turn", check_turn, self);
  return TRUE;
}

gboolean
avd_engine_start (AvdEngine  *self,
                  GError    **error)
{
  g_autofree char *state_backend = NULL;

  g_return_val_if_fail (AVD_IS_ENGINE (self), FALSE);

  self->store = avd_engine_open_store (self->config, self->state_dir, error);
  if (self->store == NULL)
    return FALSE;

  state_backend = avd_config_get_string (self->config, "state", "backend");
  if (!g_str_equal (state_backend, "local"))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                   "[state] backend=%s is not available in this build (use local)", state_backend);
      return FALSE;
    }
  self->state = avd_state_local_new ();

  self->ice = avd_ice_new (self->config, self->state_dir, error);
  if (self->ice == NULL)
    return FALSE;
  self->licenses = avd_license_service_new (self->config, self->store, self->state);
  self->limiter = avd_rate_limiter_new (avd_config_get_int (self->config, "limits", "ip-messages-per-second"),
                                        avd_config_get_int (self->config, "limits", "ip-message-burst"),
                                        MAX (avd_config_get_int (self->config, "limits", "ip-max-connections"), 0),
                                        MAX (avd_config_get_int (self->config, "limits", "join-failures-per-minute"), 0));
  self->sessions = avd_session_manager_new (self->config, self->store, self->state,
                                            self->licenses, self->ice, self->limiter);

  self->http = avd_http_server_new (self->config);
  avd_http_server_add_check (self->http, "store", check_store, self);
  avd_http_server_add_check (self->http, "state", check_state, self);
  soup_server_add_handler (avd_http_server_get_soup (self->http), "/metrics", metrics_cb, self, NULL);
  self->signaling = avd_signaling_server_new (self->config, avd_http_server_get_soup (self->http),
                                              self->store, self->licenses, self->sessions,
                                              self->ice, self->limiter);

  if (!start_turn (self, error))
    return FALSE;

  avd_session_manager_restore (self->sessions);

  if (!avd_http_server_start (self->http, error))
    return FALSE;
  self->started_us = g_get_monotonic_time ();

  /* Keep this last: with Type=dbus, systemd takes the bus name as the
   * sign that every socket is bound and the daemon is ready. */
  if (!start_dbus (self, error))
    return FALSE;

  g_info ("state directory %s", self->state_dir);
  return TRUE;
}

/* Graceful stop: save live sessions, tell every client to come back
 * (1001), give the closing handshakes a moment, close the store. */
void
avd_engine_stop (AvdEngine *self)
{
  gint64 deadline = g_get_monotonic_time () + SHUTDOWN_DRAIN_US;

  g_return_if_fail (AVD_IS_ENGINE (self));

  /* The name goes first: nobody should administer a daemon that stops. */
  if (self->dbus != NULL)
    avd_dbus_service_stop (self->dbus);
  if (self->sessions != NULL && self->store != NULL)
    avd_session_manager_save (self->sessions);
  if (self->signaling != NULL)
    {
      avd_signaling_server_shutdown (self->signaling);
      while (avd_signaling_server_get_n_connections (self->signaling) > 0 &&
             g_get_monotonic_time () < deadline)
        {
          if (!g_main_context_iteration (NULL, FALSE))
            g_usleep (1000);
        }
    }
  if (self->http != NULL)
    avd_http_server_stop (self->http);
  /* Its last usage figures reach the store before the store closes. */
  if (self->turn != NULL)
    avd_turn_server_stop (self->turn);
  if (self->store != NULL)
    avd_store_close (self->store);
}

guint
avd_engine_get_http_port (AvdEngine *self)
{
  return self->http != NULL ? avd_http_server_get_port (self->http) : 0;
}

/* 0 when the relay is disabled. */
guint
avd_engine_get_turn_port (AvdEngine *self)
{
  return self->turn != NULL ? avd_turn_server_get_port (self->turn) : 0;
}

/* ---- for the administration API (AvdDbusService) ------------------ */

AvdConfig *
avd_engine_get_config (AvdEngine *self)
{
  g_return_val_if_fail (AVD_IS_ENGINE (self), NULL);
  return self->config;
}

AvdStore *
avd_engine_get_store (AvdEngine *self)
{
  g_return_val_if_fail (AVD_IS_ENGINE (self), NULL);
  return self->store;
}

AvdSessionManager *
avd_engine_get_session_manager (AvdEngine *self)
{
  g_return_val_if_fail (AVD_IS_ENGINE (self), NULL);
  return self->sessions;
}

AvdSignalingServer *
avd_engine_get_signaling_server (AvdEngine *self)
{
  g_return_val_if_fail (AVD_IS_ENGINE (self), NULL);
  return self->signaling;
}

AvdLicenseService *
avd_engine_get_license_service (AvdEngine *self)
{
  g_return_val_if_fail (AVD_IS_ENGINE (self), NULL);
  return self->licenses;
}

AvdIce *
avd_engine_get_ice (AvdEngine *self)
{
  g_return_val_if_fail (AVD_IS_ENGINE (self), NULL);
  return self->ice;
}

/* Seconds since the HTTP listener started. */
gint64
avd_engine_get_uptime_seconds (AvdEngine *self)
{
  g_return_val_if_fail (AVD_IS_ENGINE (self), 0);
  if (self->started_us == 0)
    return 0;
  return (g_get_monotonic_time () - self->started_us) / G_USEC_PER_SEC;
}

/* The embedded relay's figures: open allocations and bytes relayed since
 * the start (0 when the relay is disabled). */
void
avd_engine_get_turn_stats (AvdEngine *self,
                           guint     *out_allocations,
                           guint64   *out_bytes_relayed)
{
  AvdTurnStats stats = { 0 };

  g_return_if_fail (AVD_IS_ENGINE (self));

  if (self->turn != NULL)
    avd_turn_server_get_stats (self->turn, &stats);
  if (out_allocations != NULL)
    *out_allocations = stats.allocations;
  if (out_bytes_relayed != NULL)
    *out_bytes_relayed = stats.bytes_relayed;
}

/* Makes the embedded relay refuse @username (`<expiry>:<rest>`) and tear
 * down its allocations.  The workers apply it within milliseconds; this
 * waits for them (at most 250 ms) and returns how many allocations closed
 * meanwhile, which is exact unless other allocations end at the same time. */
guint
avd_engine_revoke_turn_username (AvdEngine  *self,
                                 const char *username)
{
  g_return_val_if_fail (AVD_IS_ENGINE (self), 0);
  g_return_val_if_fail (username != NULL, 0);

  g_message ("a TURN username was revoked");
  if (self->turn == NULL)
    return 0;
  {
    AvdTurnStats before = { 0 };
    AvdTurnStats after = { 0 };
    gint64 deadline = g_get_monotonic_time () + 250 * 1000;
    guint settled = 0;

    avd_turn_server_get_stats (self->turn, &before);
    avd_turn_server_revoke_username (self->turn, username);
    /* Settled once the count holds still for a few polls. */
    after = before;
    while (g_get_monotonic_time () < deadline && settled < 5)
      {
        guint last = after.allocations;

        g_usleep (10 * 1000);
        avd_turn_server_get_stats (self->turn, &after);
        settled = after.allocations == last ? settled + 1 : 0;
      }
    return before.allocations > after.allocations ? before.allocations - after.allocations : 0;
  }
}

/* Issues a licence (the key is returned and kept nowhere); @out_record
 * gets what was stored.  Errors in AVD_ERROR. */
char *
avd_engine_issue_license (AvdEngine         *self,
                          const char        *tier,
                          const char        *user,
                          gint64             expires_at,
                          AvdLicenseRecord **out_record,
                          GError           **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autofree char *key = NULL;
  g_autofree char *hash = NULL;

  g_return_val_if_fail (AVD_IS_ENGINE (self), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (expires_at < 0 || (expires_at > 0 && expires_at <= g_get_real_time () / G_USEC_PER_SEC))
    {
      g_set_error_literal (error, AVD_ERROR, AVD_ERROR_INVALID_ARGUMENT,
                           "The expiry must be in the future (or 0 for never)");
      return NULL;
    }
  key = avd_license_service_issue (self->licenses, tier, user, expires_at, &local_error);
  if (key == NULL)
    {
      g_set_error_literal (error, AVD_ERROR,
                           g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT)
                             ? AVD_ERROR_INVALID_ARGUMENT : AVD_ERROR_FAILED,
                           local_error->message);
      return NULL;
    }
  if (out_record != NULL)
    {
      hash = avd_license_hash_key (key);
      *out_record = avd_store_lookup_license_by_hash (self->store, hash, &local_error);
      if (*out_record == NULL)
        {
          g_set_error (error, AVD_ERROR, AVD_ERROR_FAILED, "The licence was issued but cannot be read back: %s",
                       local_error != NULL ? local_error->message : "not found");
          return NULL;
        }
    }
  return g_steal_pointer (&key);
}

/* The licence a key, key hash or id names. */
static AvdLicenseRecord *
find_license (AvdEngine   *self,
              const char  *key_or_id,
              GError     **error)
{
  g_autoptr(GError) local_error = NULL;
  AvdLicenseRecord *record = avd_license_service_find (self->licenses, key_or_id, &local_error);

  if (record != NULL)
    return record;
  if (local_error != NULL)
    g_set_error (error, AVD_ERROR, AVD_ERROR_FAILED, "The store failed: %s", local_error->message);
  else
    g_set_error_literal (error, AVD_ERROR, AVD_ERROR_LICENSE_NOT_FOUND, "No licence has this key or id");
  return NULL;
}

/* Revokes a licence by key or id and ends its live sessions at once
 * (LICENSE_EXPIRED) rather than at their next periodic check.  Errors in
 * AVD_ERROR. */
gboolean
avd_engine_revoke_license (AvdEngine   *self,
                           const char  *key_or_id,
                           guint       *out_sessions_ended,
                           GError     **error)
{
  g_autoptr(AvdLicenseRecord) record = NULL;
  g_autoptr(GError) local_error = NULL;
  guint ended;

  g_return_val_if_fail (AVD_IS_ENGINE (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (key_or_id == NULL || *key_or_id == '\0')
    {
      g_set_error_literal (error, AVD_ERROR, AVD_ERROR_INVALID_ARGUMENT, "Name a licence by its key or id");
      return FALSE;
    }
  record = find_license (self, key_or_id, error);
  if (record == NULL)
    return FALSE;
  if (!avd_license_service_revoke (self->licenses, record->id, &local_error))
    {
      g_set_error (error, AVD_ERROR, AVD_ERROR_FAILED, "Cannot revoke the licence: %s", local_error->message);
      return FALSE;
    }
  ended = avd_session_manager_end_sessions_for_license (self->sessions, record->id);
  if (out_sessions_ended != NULL)
    *out_sessions_ended = ended;
  return TRUE;
}

/* Keys whose value only a restart applies. */
static const char * const restart_keys[][2] = {
  { "server", "listen" },
  { "server", "port" },
  { "store", "backend" },
  { "store", "path" },
  { "store", "postgres-uri" },
  { "state", "backend" },
  { "state", "redis-uri" },
  { "turn", "enabled" },
  { "turn", "listen" },
  { "turn", "port" },
  { "turn", "tls-port" },
  { "turn", "min-port" },
  { "turn", "max-port" },
  { "turn", "workers" },
  { "turn", "external-ip" },
  { "ice", "public-host" },
  { "dbus", "bus" },
};

/* Re-reads the configuration file (the same path; command-line flags
 * still override it) and the TLS certificate, without dropping any
 * connection, and applies what can change live:
 *   [server] tls-certificate/tls-key (new handshakes) and allowed-origins;
 *   [licensing]; [limits] (new connections, new sessions; per-IP limits at
 *   once); [tier.*] (new sessions; live ones keep their limits);
 *   [ice] stun-urls/turn-servers, [turn] secrets and credential-ttl-seconds.
 * The rest (addresses, ports, stores, [dbus], turning TLS on or off) needs
 * a restart: those keys, when changed, are listed in @out_restart_needed
 * as "group.key".  On failure nothing is changed (the file could not be
 * read) or only the certificate kept its old value (it could not be
 * loaded; the rest is applied).  SIGHUP and D-Bus Reload() call this. */
gboolean
avd_engine_reload (AvdEngine   *self,
                   GStrv       *out_restart_needed,
                   GError     **error)
{
  const char *path;
  g_autoptr(GStrvBuilder) restart = g_strv_builder_new ();
  g_autoptr(GPtrArray) before = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GError) tls_error = NULL;
  gboolean tls_restart = FALSE;

  g_return_val_if_fail (AVD_IS_ENGINE (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (self->http == NULL)
    {
      g_set_error_literal (error, AVD_ERROR, AVD_ERROR_FAILED, "The daemon is not running");
      return FALSE;
    }

  for (gsize i = 0; i < G_N_ELEMENTS (restart_keys); i++)
    g_ptr_array_add (before, avd_config_get_string (self->config, restart_keys[i][0], restart_keys[i][1]));

  path = avd_config_get_path (self->config);
  if (path != NULL)
    {
      g_autofree char *copy = g_strdup (path);
      g_autoptr(GError) local_error = NULL;

      if (!avd_config_load_file (self->config, copy, &local_error))
        {
          g_set_error (error, AVD_ERROR, AVD_ERROR_FAILED, "Cannot reload the configuration: %s",
                       local_error->message);
          return FALSE;
        }
    }

  for (gsize i = 0; i < G_N_ELEMENTS (restart_keys); i++)
    {
      g_autofree char *now = avd_config_get_string (self->config, restart_keys[i][0], restart_keys[i][1]);

      if (!g_str_equal (now, g_ptr_array_index (before, i)))
        {
          g_autofree char *name = g_strdup_printf ("%s.%s", restart_keys[i][0], restart_keys[i][1]);

          g_message ("configuration reload: %s changed; it takes effect at the next start", name);
          g_strv_builder_add (restart, name);
        }
    }

  avd_signaling_server_reload_config (self->signaling, self->config);
  avd_session_manager_reload_config (self->sessions, self->config);
  avd_license_service_reload_config (self->licenses, self->config);
  avd_rate_limiter_set_limits (self->limiter,
                               avd_config_get_int (self->config, "limits", "ip-messages-per-second"),
                               avd_config_get_int (self->config, "limits", "ip-message-burst"),
                               MAX (avd_config_get_int (self->config, "limits", "ip-max-connections"), 0),
                               MAX (avd_config_get_int (self->config, "limits", "join-failures-per-minute"), 0));
  {
    g_autoptr(GError) ice_error = NULL;

    if (!avd_ice_reload_config (self->ice, self->config, &ice_error))
      g_warning ("configuration reload: keeping the TURN secrets: %s", ice_error->message);
  }
  if (self->turn != NULL)
    {
      g_autoptr(GError) turn_error = NULL;

      avd_turn_server_set_secrets (self->turn, avd_ice_get_secrets (self->ice));
      if (!avd_turn_server_reload (self->turn, &turn_error))
        g_warning ("configuration reload: the relay keeps its settings: %s", turn_error->message);
    }

  if (!avd_http_server_reload_tls (self->http, &tls_restart, &tls_error))
    {
      g_set_error (error, AVD_ERROR, AVD_ERROR_FAILED, "%s (the rest of the configuration was applied)",
                   tls_error->message);
      return FALSE;
    }
  if (tls_restart)
    {
      g_message ("configuration reload: turning TLS on or off takes effect at the next start");
      g_strv_builder_add (restart, "server.tls-certificate");
    }

  g_message ("configuration reloaded");
  if (out_restart_needed != NULL)
    *out_restart_needed = g_strv_builder_end (restart);
  return TRUE;
}
