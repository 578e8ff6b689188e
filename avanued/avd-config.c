/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* AvdConfig: avanued's configuration, a GKeyFile over embedded defaults.
 *
 * Every key is optional: a value missing from the file (or the file itself)
 * falls back to the default table below, which is the single place defaults
 * live.  data/avanued.conf documents the same keys for operators.  Asking for
 * a key that has no default is a programming error and logged as critical. */
#define G_LOG_DOMAIN "AvdConfig"

#include "config.h"

#include "avd-config.h"

struct _AvdConfig
{
  GObject parent_instance;

  GKeyFile *file;      /* what the operator wrote */
  GKeyFile *overrides; /* command-line flags */
  char *path;
};

G_DEFINE_FINAL_TYPE (AvdConfig, avd_config, G_TYPE_OBJECT)

typedef struct {
  const char *group;
  const char *key;
  const char *value;
} AvdConfigDefault;

/* DESIGN §15: the contract operators and scripts rely on.  data/avanued.conf
 * documents each key; keep the two in step. */
static const AvdConfigDefault defaults[] = {
  { "server", "listen", "127.0.0.1" },
  { "server", "port", "8080" },
  { "server", "tls-certificate", "" },
  { "server", "tls-key", "" },
  { "server", "allowed-origins", "" },
  { "server", "metrics-token", "" },

  { "limits", "messages-per-second", "10" },
  { "limits", "message-burst", "40" },
  { "limits", "ip-messages-per-second", "200" },
  { "limits", "ip-message-burst", "800" },
  { "limits", "ip-max-connections", "500" },
  { "limits", "max-frame-bytes", "65536" },
  { "limits", "max-sdp-bytes", "32768" },
  { "limits", "max-candidate-bytes", "2048" },
  { "limits", "max-payload-bytes", "49152" },
  { "limits", "grace-seconds", "30" },
  { "limits", "license-cache-seconds", "300" },
  { "limits", "join-failures-per-minute", "5" },
  { "limits", "hub-hysteresis-percent", "10" },
  { "limits", "missed-events-max", "200" },
  { "limits", "rate-limit-strikes", "3" },

  { "licensing", "allow-anonymous-free", "true" },
  { "licensing", "jwt-hs256-secret", "" },
  { "licensing", "jwt-ed25519-public-key", "" },

  { "tier.free", "max-peers", "2" },
  { "tier.free", "turn", "false" },
  { "tier.free", "max-duration-seconds", "2400" },
  { "tier.free", "turn-quota-bytes", "0" },
  { "tier.pro", "max-peers", "10" },
  { "tier.pro", "turn", "true" },
  { "tier.pro", "max-duration-seconds", "0" },
  { "tier.pro", "turn-quota-bytes", "5368709120" },
  { "tier.business", "max-peers", "50" },
  { "tier.business", "turn", "true" },
  { "tier.business", "max-duration-seconds", "0" },
  { "tier.business", "turn-quota-bytes", "53687091200" },
  { "tier.enterprise", "max-peers", "0" },
  { "tier.enterprise", "turn", "true" },
  { "tier.enterprise", "max-duration-seconds", "0" },
  { "tier.enterprise", "turn-quota-bytes", "0" },

  { "store", "backend", "sqlite" },
  { "store", "path", "" },
  { "store", "postgres-uri", "" },

  { "state", "backend", "local" },
  { "state", "redis-uri", "" },

  { "turn", "enabled", "true" },
  { "turn", "listen", "127.0.0.1" },
  { "turn", "port", "3478" },
  { "turn", "tls-port", "5349" },
  { "turn", "tls-certificate", "" },   /* empty: [server]'s */
  { "turn", "tls-key", "" },
  { "turn", "realm", "avanue.local" },
  { "turn", "nonce-lifetime-seconds", "600" },
  { "turn", "secrets", "" },
  { "turn", "credential-ttl-seconds", "3600" },
  { "turn", "min-port", "49152" },
  { "turn", "max-port", "65535" },
  { "turn", "external-ip", "" },
  { "turn", "allow-loopback-peers", "false" },
  { "turn", "allowed-peers", "" },
  { "turn", "denied-peers", "" },
  { "turn", "user-quota", "10" },
  { "turn", "total-quota", "0" },
  { "turn", "max-bps", "0" },
  { "turn", "workers", "0" },

  { "ice", "public-host", "" },
  { "ice", "stun-urls", "" },
  { "ice", "turn-servers", "" },

  { "dbus", "bus", "system" },
};

static const char *
lookup_default (const char *group,
                const char *key)
{
  for (gsize i = 0; i < G_N_ELEMENTS (defaults); i++)
    if (g_str_equal (defaults[i].group, group) && g_str_equal (defaults[i].key, key))
      return defaults[i].value;
  g_critical ("configuration key [%s] %s has no default", group, key);
  return "";
}

static void
avd_config_finalize (GObject *object)
{
  AvdConfig *self = AVD_CONFIG (object);

  g_key_file_unref (self->file);
  g_key_file_unref (self->overrides);
  g_free (self->path);

  G_OBJECT_CLASS (avd_config_parent_class)->finalize (object);
}

static void
avd_config_class_init (AvdConfigClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = avd_config_finalize;
}

static void
avd_config_init (AvdConfig *self)
{
  self->file = g_key_file_new ();
  self->overrides = g_key_file_new ();
}

AvdConfig *
avd_config_new (void)
{
  return g_object_new (AVD_TYPE_CONFIG, NULL);
}

gboolean
avd_config_load_file (AvdConfig   *self,
                      const char  *path,
                      GError     **error)
{
  g_autoptr(GKeyFile) file = g_key_file_new ();

  g_return_val_if_fail (AVD_IS_CONFIG (self), FALSE);

  if (!g_key_file_load_from_file (file, path, G_KEY_FILE_NONE, error))
    {
      g_prefix_error (error, "%s: ", path);
      return FALSE;
    }
  g_key_file_unref (self->file);
  self->file = g_steal_pointer (&file);
  g_free (self->path);
  self->path = g_strdup (path);
  return TRUE;
}

const char *
avd_config_get_path (AvdConfig *self)
{
  return self->path;
}

char *
avd_config_get_string (AvdConfig  *self,
                       const char *group,
                       const char *key)
{
  char *value;

  value = g_key_file_get_string (self->overrides, group, key, NULL);
  if (value == NULL)
    value = g_key_file_get_string (self->file, group, key, NULL);
  if (value == NULL)
    value = g_strdup (lookup_default (group, key));
  return g_strstrip (value);
}

gint64
avd_config_get_int64 (AvdConfig  *self,
                      const char *group,
                      const char *key)
{
  g_autofree char *text = avd_config_get_string (self, group, key);
  gint64 v;

  if (!g_ascii_string_to_signed (text, 10, G_MININT64, G_MAXINT64, &v, NULL))
    {
      g_warning ("[%s] %s: ‘%s’ is not a number; using the default", group, key, text);
      g_ascii_string_to_signed (lookup_default (group, key), 10, G_MININT64, G_MAXINT64, &v, NULL);
    }
  return v;
}

/* Values that do not fit an int are clamped; every int key is small. */
int
avd_config_get_int (AvdConfig  *self,
                    const char *group,
                    const char *key)
{
  return (int) CLAMP (avd_config_get_int64 (self, group, key), G_MININT, G_MAXINT);
}

gboolean
avd_config_get_boolean (AvdConfig  *self,
                        const char *group,
                        const char *key)
{
  g_autofree char *text = avd_config_get_string (self, group, key);

  if (g_ascii_strcasecmp (text, "true") == 0 || g_str_equal (text, "1"))
    return TRUE;
  if (g_ascii_strcasecmp (text, "false") == 0 || g_str_equal (text, "0"))
    return FALSE;
  g_warning ("[%s] %s: ‘%s’ is not true or false; using the default", group, key, text);
  return g_str_equal (lookup_default (group, key), "true");
}

/* A comma-separated list, blanks dropped. */
GStrv
avd_config_get_list (AvdConfig  *self,
                     const char *group,
                     const char *key)
{
  g_autofree char *text = avd_config_get_string (self, group, key);
  g_auto(GStrv) parts = g_strsplit (text, ",", -1);
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();

  for (gsize i = 0; parts[i] != NULL; i++)
    {
      g_strstrip (parts[i]);
      if (parts[i][0] != '\0')
        g_strv_builder_add (builder, parts[i]);
    }
  return g_strv_builder_end (builder);
}

void
avd_config_set_string (AvdConfig  *self,
                       const char *group,
                       const char *key,
                       const char *value)
{
  g_key_file_set_string (self->overrides, group, key, value);
}

void
avd_config_set_int (AvdConfig  *self,
                    const char *group,
                    const char *key,
                    int         value)
{
  g_key_file_set_integer (self->overrides, group, key, value);
}
