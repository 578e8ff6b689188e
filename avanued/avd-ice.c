/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* AvdIce: the ICE servers avanued hands out, and TURN credentials for them.
 *
 * STUN and TURN URLs come from [ice] stun-urls and turn-servers (external
 * relays sharing our secret) and, once it runs, from the embedded relay.
 * Credentials use the REST-API scheme with the first of [turn] secrets; when
 * none is configured a random secret is generated once and kept in
 * STATE_DIR/turn-secret (0600), so that credentials survive restarts. */
#define G_LOG_DOMAIN "AvdIce"

#include "config.h"

#include <errno.h>
#include <gnutls/crypto.h>
#include <glib/gstdio.h>

#include "avd-ice.h"

struct _AvdIce
{
  GObject parent_instance;

  GStrv stun_urls;
  GStrv turn_urls;
  GStrv secrets;
  guint ttl_seconds;
  char *state_dir;
  GStrv relay_stun_urls;        /* what avd_ice_add_relay_urls() added, kept for a reload */
  GStrv relay_turn_urls;
};

G_DEFINE_FINAL_TYPE (AvdIce, avd_ice, G_TYPE_OBJECT)

static void
clear_secrets (GStrv secrets)
{
  if (secrets != NULL)
    for (gsize i = 0; secrets[i] != NULL; i++)
      gnutls_memset (secrets[i], 0, strlen (secrets[i]));
  g_strfreev (secrets);
}

static void
avd_ice_finalize (GObject *object)
{
  AvdIce *self = AVD_ICE (object);

  g_strfreev (self->stun_urls);
  g_strfreev (self->turn_urls);
  clear_secrets (self->secrets);
  g_free (self->state_dir);
  g_strfreev (self->relay_stun_urls);
  g_strfreev (self->relay_turn_urls);

  G_OBJECT_CLASS (avd_ice_parent_class)->finalize (object);
}

static void
avd_ice_class_init (AvdIceClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = avd_ice_finalize;
}

static void
avd_ice_init (AvdIce *self)
{
}

static char *
load_or_create_secret (const char  *state_dir,
                       GError     **error)
{
  g_autofree char *path = g_build_filename (state_dir, "turn-secret", NULL);
  g_autofree char *contents = NULL;
  guint8 random[32];

  if (g_file_get_contents (path, &contents, NULL, NULL))
    {
      g_strstrip (contents);
      if (contents[0] != '\0')
        return g_steal_pointer (&contents);
    }
  if (gnutls_rnd (GNUTLS_RND_KEY, random, sizeof random) != 0)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_FAILED, "No random numbers for the TURN secret");
      return NULL;
    }
  contents = g_base64_encode (random, sizeof random);
  gnutls_memset (random, 0, sizeof random);
  if (!g_file_set_contents_full (path, contents, -1, G_FILE_SET_CONTENTS_CONSISTENT, 0600, error))
    return NULL;
  return g_steal_pointer (&contents);
}

static GStrv
strv_concat (const char * const *first,
             const char * const *second)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();

  if (first != NULL)
    g_strv_builder_addv (builder, (const char **) first);
  if (second != NULL)
    g_strv_builder_addv (builder, (const char **) second);
  return g_strv_builder_end (builder);
}

/* Reads [ice] and [turn] into @self; on failure @self is unchanged. */
static gboolean
read_config (AvdIce     *self,
             AvdConfig  *config,
             GError    **error)
{
  g_auto(GStrv) stun = avd_config_get_list (config, "ice", "stun-urls");
  g_auto(GStrv) turn = avd_config_get_list (config, "ice", "turn-servers");
  GStrv secrets = avd_config_get_list (config, "turn", "secrets");

  if (secrets[0] == NULL)
    {
      char *secret = load_or_create_secret (self->state_dir, error);

      if (secret == NULL)
        {
          g_strfreev (secrets);
          return FALSE;
        }
      g_strfreev (secrets);
      secrets = g_new0 (char *, 2);
      secrets[0] = secret;
    }
  clear_secrets (self->secrets);
  self->secrets = secrets;
  g_strfreev (self->stun_urls);
  self->stun_urls = strv_concat ((const char * const *) self->relay_stun_urls, (const char * const *) stun);
  g_strfreev (self->turn_urls);
  self->turn_urls = strv_concat ((const char * const *) self->relay_turn_urls, (const char * const *) turn);
  self->ttl_seconds = MAX (avd_config_get_int (config, "turn", "credential-ttl-seconds"), 60);
  return TRUE;
}

AvdIce *
avd_ice_new (AvdConfig   *config,
             const char  *state_dir,
             GError     **error)
{
  g_autoptr(AvdIce) self = g_object_new (AVD_TYPE_ICE, NULL);

  self->state_dir = g_strdup (state_dir);
  if (!read_config (self, config, error))
    return NULL;
  return g_steal_pointer (&self);
}

/* Re-reads [ice] stun-urls and turn-servers (after the embedded relay's
 * own URLs, which stay), [turn] secrets and credential-ttl-seconds.  On
 * failure nothing changes. */
gboolean
avd_ice_reload_config (AvdIce     *self,
                       AvdConfig  *config,
                       GError    **error)
{
  g_return_val_if_fail (AVD_IS_ICE (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  return read_config (self, config, error);
}

const char * const *
avd_ice_get_stun_urls (AvdIce *self)
{
  return (const char * const *) self->stun_urls;
}

const char * const *
avd_ice_get_turn_urls (AvdIce *self)
{
  return (const char * const *) self->turn_urls;
}

const char * const *
avd_ice_get_secrets (AvdIce *self)
{
  return (const char * const *) self->secrets;
}

guint
avd_ice_get_ttl_seconds (AvdIce *self)
{
  return self->ttl_seconds;
}

static GStrv
strv_prepend (GStrv               old,
              const char * const *add)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();

  if (add != NULL)
    g_strv_builder_addv (builder, (const char **) add);
  g_strv_builder_addv (builder, (const char **) old);
  g_strfreev (old);
  return g_strv_builder_end (builder);
}

/* The embedded relay's own URLs go first. */
void
avd_ice_add_relay_urls (AvdIce             *self,
                        const char * const *stun_urls,
                        const char * const *turn_urls)
{
  GStrv relay_stun = strv_concat (stun_urls, (const char * const *) self->relay_stun_urls);
  GStrv relay_turn = strv_concat (turn_urls, (const char * const *) self->relay_turn_urls);

  g_strfreev (self->relay_stun_urls);
  self->relay_stun_urls = relay_stun;
  g_strfreev (self->relay_turn_urls);
  self->relay_turn_urls = relay_turn;
  self->stun_urls = strv_prepend (self->stun_urls, stun_urls);
  self->turn_urls = strv_prepend (self->turn_urls, turn_urls);
}

/* Credentials for `<expiry>:<rest>`; @rest is `<session>:<fingerprint>` for
 * session members. */
AvanueTurnCredentials *
avd_ice_issue (AvdIce     *self,
               const char *rest)
{
  return avd_ice_issue_with_ttl (self, rest, 0);
}

/* Like avd_ice_issue(), valid for @ttl_seconds (0: the configured
 * lifetime). */
AvanueTurnCredentials *
avd_ice_issue_with_ttl (AvdIce     *self,
                        const char *rest,
                        guint       ttl_seconds)
{
  gint64 expiry = g_get_real_time () / G_USEC_PER_SEC + (ttl_seconds > 0 ? ttl_seconds : self->ttl_seconds);
  AvanueTurnCredentials *creds = avanue_turn_credentials_new_for_user (self->secrets[0], expiry, rest);

  avanue_turn_credentials_set_urls (creds, (const char * const *) self->turn_urls);
  return creds;
}

/* A TURN_CREDENTIALS message (or, with @re NULL, the turnCredentials
 * object) for @rest. */
JsonObject *
avd_ice_credentials_json (AvdIce     *self,
                          const char *rest,
                          const char *re)
{
  g_autoptr(AvanueTurnCredentials) creds = avd_ice_issue (self, rest);

  if (re == NULL)
    return avanue_protocol_build_turn_credentials_object (avanue_turn_credentials_get_username (creds),
                                                         avanue_turn_credentials_get_password (creds),
                                                         (const char * const *) self->turn_urls,
                                                         self->ttl_seconds);
  return avanue_protocol_build_turn_credentials (re,
                                                 avanue_turn_credentials_get_username (creds),
                                                 avanue_turn_credentials_get_password (creds),
                                                 (const char * const *) self->turn_urls,
                                                 self->ttl_seconds);
}
