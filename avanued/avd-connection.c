/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* AvdConnection: one client's WebSocket on /v1/signal, with what the server
 * knows about it: its client id and nonce, its address, the device it
 * registered as, and its own message budget. */
#define G_LOG_DOMAIN "AvdConnection"

#include "config.h"

#include <gnutls/crypto.h>

#include "avd-connection.h"

struct _AvdConnection
{
  GObject parent_instance;

  SoupWebsocketConnection *ws;
  char *client_id;
  char *ip;
  char *nonce;
  char *fingerprint;
  char *device_name;
  char *platform;
  char *device_type;
  guint register_failures;
  AvdTokenBucket bucket;
  guint strikes;
  gint64 strike_second;
  gint64 first_strike_us;
};

G_DEFINE_FINAL_TYPE (AvdConnection, avd_connection, G_TYPE_OBJECT)

static void
avd_connection_dispose (GObject *object)
{
  AvdConnection *self = AVD_CONNECTION (object);

  g_clear_object (&self->ws);

  G_OBJECT_CLASS (avd_connection_parent_class)->dispose (object);
}

static void
avd_connection_finalize (GObject *object)
{
  AvdConnection *self = AVD_CONNECTION (object);

  g_free (self->client_id);
  g_free (self->ip);
  g_free (self->nonce);
  g_free (self->fingerprint);
  g_free (self->device_name);
  g_free (self->platform);
  g_free (self->device_type);

  G_OBJECT_CLASS (avd_connection_parent_class)->finalize (object);
}

static void
avd_connection_class_init (AvdConnectionClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = avd_connection_dispose;
  object_class->finalize = avd_connection_finalize;
}

static void
avd_connection_init (AvdConnection *self)
{
}

AvdConnection *
avd_connection_new (SoupWebsocketConnection *ws,
                    const char              *ip,
                    double                   rate,
                    double                   burst)
{
  AvdConnection *self = g_object_new (AVD_TYPE_CONNECTION, NULL);
  guint8 nonce[32];

  self->ws = g_object_ref (ws);
  self->ip = g_strdup (ip);
  self->client_id = g_uuid_string_random ();
  if (gnutls_rnd (GNUTLS_RND_NONCE, nonce, sizeof nonce) != 0)
    g_error ("the system random number generator failed");
  self->nonce = g_base64_encode (nonce, sizeof nonce);
  avd_token_bucket_init (&self->bucket, rate, burst, g_get_monotonic_time ());
  return self;
}

const char *
avd_connection_get_client_id (AvdConnection *self)
{
  return self->client_id;
}

const char *
avd_connection_get_ip (AvdConnection *self)
{
  return self->ip;
}

const char *
avd_connection_get_nonce (AvdConnection *self)
{
  return self->nonce;
}

SoupWebsocketConnection *
avd_connection_get_websocket (AvdConnection *self)
{
  return self->ws;
}

const char *
avd_connection_get_fingerprint (AvdConnection *self)
{
  return self->fingerprint;
}

const char *
avd_connection_get_device_name (AvdConnection *self)
{
  return self->device_name;
}

const char *
avd_connection_get_platform (AvdConnection *self)
{
  return self->platform;
}

const char *
avd_connection_get_device_type (AvdConnection *self)
{
  return self->device_type;
}

void
avd_connection_set_device (AvdConnection *self,
                           const char    *fingerprint,
                           const char    *device_name,
                           const char    *platform,
                           const char    *device_type)
{
  g_free (self->fingerprint);
  self->fingerprint = g_strdup (fingerprint);
  g_free (self->device_name);
  self->device_name = g_strdup (device_name);
  g_free (self->platform);
  self->platform = g_strdup (platform);
  g_free (self->device_type);
  self->device_type = g_strdup (device_type);
}

/* Counts a failed REGISTER_DEVICE; returns how many there were. */
guint
avd_connection_register_failed (AvdConnection *self)
{
  return ++self->register_failures;
}

gboolean
avd_connection_take_token (AvdConnection *self,
                           gint64         now_us)
{
  return avd_token_bucket_take (&self->bucket, now_us);
}

/* Records a rate-limit violation.  Violations are counted once per second,
 * within a minute; returns the count, which the server compares with its
 * limit before closing the connection. */
guint
avd_connection_strike (AvdConnection *self,
                       gint64         now_us)
{
  gint64 second = now_us / G_USEC_PER_SEC;

  if (self->strikes == 0 || now_us - self->first_strike_us > 60 * G_USEC_PER_SEC)
    {
      self->strikes = 0;
      self->first_strike_us = now_us;
      self->strike_second = -1;
    }
  if (second != self->strike_second)
    {
      self->strike_second = second;
      self->strikes++;
    }
  return self->strikes;
}

gboolean
avd_connection_is_open (AvdConnection *self)
{
  return self->ws != NULL &&
         soup_websocket_connection_get_state (self->ws) == SOUP_WEBSOCKET_STATE_OPEN;
}

void
avd_connection_send (AvdConnection *self,
                     JsonObject    *message)
{
  g_autofree char *text = NULL;

  if (!avd_connection_is_open (self))
    return;
  text = avanue_protocol_to_text (message);
  soup_websocket_connection_send_text (self->ws, text);
}

void
avd_connection_send_error (AvdConnection       *self,
                           AvanueProtocolError  code,
                           const char          *message,
                           const char          *re)
{
  g_autoptr(JsonObject) error = avanue_protocol_build_error (code, message, re);

  avd_connection_send (self, error);
}

void
avd_connection_close (AvdConnection *self,
                      gushort        code,
                      const char    *reason)
{
  if (avd_connection_is_open (self))
    soup_websocket_connection_close (self->ws, code, reason);
}
