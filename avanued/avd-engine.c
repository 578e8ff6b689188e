/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* AvdEngine: owns every part of the daemon and starts and stops them in
 * order.  Today that is the HTTP server; the signaling service, stores, TURN
 * relay and D-Bus service join it as they land (DESIGN §4). */
#define G_LOG_DOMAIN "AvdEngine"

#include "config.h"

#include <glib/gstdio.h>

#include "avd-engine.h"
#include "avd-http-server.h"

struct _AvdEngine
{
  GObject parent_instance;

  AvdConfig *config;
  char *state_dir;
  AvdHttpServer *http;
};

G_DEFINE_FINAL_TYPE (AvdEngine, avd_engine, G_TYPE_OBJECT)

static void
avd_engine_dispose (GObject *object)
{
  AvdEngine *self = AVD_ENGINE (object);

  g_clear_object (&self->http);
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

gboolean
avd_engine_start (AvdEngine  *self,
                  GError    **error)
{
  g_return_val_if_fail (AVD_IS_ENGINE (self), FALSE);

  if (g_mkdir_with_parents (self->state_dir, 0700) != 0)
    {
      int saved = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                   "Cannot create the state directory %s: %s",
                   self->state_dir, g_strerror (saved));
      return FALSE;
    }

  self->http = avd_http_server_new (self->config);
  if (!avd_http_server_start (self->http, error))
    return FALSE;

  g_info ("state directory %s", self->state_dir);
  return TRUE;
}

void
avd_engine_stop (AvdEngine *self)
{
  g_return_if_fail (AVD_IS_ENGINE (self));

  if (self->http != NULL)
    avd_http_server_stop (self->http);
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
