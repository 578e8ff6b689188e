/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* AvdEngine: owns every part of the daemon and starts and stops them in
 * order (DESIGN §4): the durable store, the ephemeral state, licences, ICE
 * servers, sessions, and the HTTP + WebSocket server.  The TURN relay and
 * the D-Bus service join it as they land. */
#define G_LOG_DOMAIN "AvdEngine"

#include "config.h"

#include <errno.h>
#include <glib/gstdio.h>

#include "avd-engine.h"
#include "avd-http-server.h"
#include "avd-ice.h"
#include "avd-license-service.h"
#include "avd-rate-limiter.h"
#include "avd-session-manager.h"
#include "avd-signaling-server.h"
#include "avd-state-backend.h"
#include "avd-store.h"

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
};

G_DEFINE_FINAL_TYPE (AvdEngine, avd_engine, G_TYPE_OBJECT)

static void
avd_engine_dispose (GObject *object)
{
  AvdEngine *self = AVD_ENGINE (object);

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
  self->signaling = avd_signaling_server_new (self->config, avd_http_server_get_soup (self->http),
                                              self->store, self->licenses, self->sessions,
                                              self->ice, self->limiter);

  avd_session_manager_restore (self->sessions);

  if (!avd_http_server_start (self->http, error))
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
  if (self->store != NULL)
    avd_store_close (self->store);
}

guint
avd_engine_get_http_port (AvdEngine *self)
{
  return self->http != NULL ? avd_http_server_get_port (self->http) : 0;
}

/* 0 until the relay lands (issue: avanued's STUN/TURN relay). */
guint
avd_engine_get_turn_port (AvdEngine *self)
{
  return 0;
}
