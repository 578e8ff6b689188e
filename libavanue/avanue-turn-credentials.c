/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <string.h>

#include "avanue-turn-credentials.h"

/**
 * AvanueTurnCredentials:
 *
 * Time-limited TURN credentials in the REST-API scheme that coturn
 * implements as `use-auth-secret`: any TURN server that knows the shared
 * secret can check them without a database.
 *
 * The username is `<expiry>:<session>:<fingerprint>`, where `<expiry>` is
 * the Unix time (seconds) after which the credentials are refused, and the
 * password is the standard base64 of HMAC-SHA1(secret, username). A plain
 * user name can stand in for `<session>:<fingerprint>`
 * ([ctor@Avanue.TurnCredentials.new_for_user]).
 *
 * [func@Avanue.TurnCredentials.verify] checks a username and password
 * against a list of secrets, so that a secret can be rotated: sign with the
 * new one, keep accepting the old one until the credentials it signed have
 * expired. Any username `<expiry>` or `<expiry>:<rest>` is accepted while
 * its expiry is in the future, however far ahead it lies (coturn's clients
 * choose their own expiry, e.g. `turnutils_uclient -W` asks for a day).
 *
 * The object also carries the ICE server URLs the credentials are for and
 * the time to live the server announced, which is how a client holds a
 * `TURN_CREDENTIALS` answer. The password is a secret: it is never logged.
 */

/* An expiry is a non-negative gint64 in decimal: at most 19 digits. */
#define MAX_EXPIRY_DIGITS 19

struct _AvanueTurnCredentials
{
  GObject parent_instance;

  char *username;
  char *password;
  gint64 expires_at;
  guint ttl_seconds;
  GStrv urls;
};

enum {
  PROP_0,
  PROP_USERNAME,
  PROP_PASSWORD,
  PROP_EXPIRES_AT,
  PROP_TTL_SECONDS,
  PROP_URLS,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

G_DEFINE_FINAL_TYPE (AvanueTurnCredentials, avanue_turn_credentials, G_TYPE_OBJECT)

G_DEFINE_QUARK (avanue-turn-credentials-error-quark, avanue_turn_credentials_error)

static gint64
get_now_unix (void)
{
  return g_get_real_time () / G_USEC_PER_SEC;
}

/* Reads the leading `<expiry>` of @username; on success *@rest points at
 * what follows it: "" or ":…". */
static gboolean
parse_expiry (const char  *username,
              gint64      *out_expiry,
              const char **rest)
{
  g_autofree char *digits = NULL;
  guint64 value = 0;
  gsize n = 0;

  while (g_ascii_isdigit (username[n]))
    n++;
  if (n == 0 || n > MAX_EXPIRY_DIGITS)
    return FALSE;
  if (username[n] != '\0' && username[n] != ':')
    return FALSE;

  digits = g_strndup (username, n);
  if (!g_ascii_string_to_unsigned (digits, 10, 0, G_MAXINT64, &value, NULL))
    return FALSE;

  *out_expiry = (gint64) value;
  *rest = username + n;
  return TRUE;
}

/* Compares two strings in time that depends only on the length of
 * @expected, never on where they differ. */
static gboolean
str_equal_constant_time (const char *expected,
                         const char *given)
{
  gsize expected_len = strlen (expected);
  gsize given_len = strlen (given);
  guint8 diff = expected_len != given_len;

  for (gsize i = 0; i < expected_len; i++)
    {
      guint8 g = i < given_len ? (guint8) given[i] : 0;
      diff |= (guint8) expected[i] ^ g;
    }

  return diff == 0;
}

static void
avanue_turn_credentials_constructed (GObject *object)
{
  AvanueTurnCredentials *self = AVANUE_TURN_CREDENTIALS (object);
  gint64 now = get_now_unix ();

  G_OBJECT_CLASS (avanue_turn_credentials_parent_class)->constructed (object);

  /* Built from a server's answer (username, password, ttl): the username
   * says when the credentials expire; failing that, the ttl does. */
  if (self->expires_at == 0)
    {
      const char *rest = NULL;
      gint64 expiry = 0;

      if (self->username != NULL && parse_expiry (self->username, &expiry, &rest))
        self->expires_at = expiry;
      else if (self->ttl_seconds > 0)
        self->expires_at = now + self->ttl_seconds;
    }

  if (self->ttl_seconds == 0 && self->expires_at > now)
    self->ttl_seconds = (guint) MIN (self->expires_at - now, (gint64) G_MAXUINT);
}

static void
avanue_turn_credentials_finalize (GObject *object)
{
  AvanueTurnCredentials *self = AVANUE_TURN_CREDENTIALS (object);

  g_clear_pointer (&self->username, g_free);
  g_clear_pointer (&self->password, g_free);
  g_clear_pointer (&self->urls, g_strfreev);

  G_OBJECT_CLASS (avanue_turn_credentials_parent_class)->finalize (object);
}

static void
avanue_turn_credentials_get_property (GObject    *object,
                                      guint       prop_id,
                                      GValue     *value,
                                      GParamSpec *pspec)
{
  AvanueTurnCredentials *self = AVANUE_TURN_CREDENTIALS (object);

  switch (prop_id)
    {
    case PROP_USERNAME:
      g_value_set_string (value, self->username);
      break;
    case PROP_PASSWORD:
      g_value_set_string (value, self->password);
      break;
    case PROP_EXPIRES_AT:
      g_value_set_int64 (value, self->expires_at);
      break;
    case PROP_TTL_SECONDS:
      g_value_set_uint (value, self->ttl_seconds);
      break;
    case PROP_URLS:
      g_value_set_boxed (value, self->urls);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
avanue_turn_credentials_set_property (GObject      *object,
                                      guint         prop_id,
                                      const GValue *value,
                                      GParamSpec   *pspec)
{
  AvanueTurnCredentials *self = AVANUE_TURN_CREDENTIALS (object);

  switch (prop_id)
    {
    case PROP_USERNAME:
      g_free (self->username);
      self->username = g_value_dup_string (value);
      break;
    case PROP_PASSWORD:
      g_free (self->password);
      self->password = g_value_dup_string (value);
      break;
    case PROP_EXPIRES_AT:
      self->expires_at = g_value_get_int64 (value);
      break;
    case PROP_TTL_SECONDS:
      self->ttl_seconds = g_value_get_uint (value);
      break;
    case PROP_URLS:
      avanue_turn_credentials_set_urls (self, g_value_get_boxed (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
avanue_turn_credentials_class_init (AvanueTurnCredentialsClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->constructed = avanue_turn_credentials_constructed;
  object_class->finalize = avanue_turn_credentials_finalize;
  object_class->get_property = avanue_turn_credentials_get_property;
  object_class->set_property = avanue_turn_credentials_set_property;

  /**
   * AvanueTurnCredentials:username: (getter get_username)
   *
   * The TURN username: `<expiry>:<session>:<fingerprint>` (or
   * `<expiry>:<user>`).
   */
  properties[PROP_USERNAME] =
    g_param_spec_string ("username", NULL, NULL,
                         NULL,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY |
                         G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  /**
   * AvanueTurnCredentials:password: (getter get_password)
   *
   * The TURN password: standard base64 of HMAC-SHA1(secret, username).
   */
  properties[PROP_PASSWORD] =
    g_param_spec_string ("password", NULL, NULL,
                         NULL,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY |
                         G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  /**
   * AvanueTurnCredentials:expires-at: (getter get_expires_at)
   *
   * When the credentials expire, in Unix seconds. When constructed without
   * it, it is read from the username, or else computed from
   * [property@Avanue.TurnCredentials:ttl-seconds]; 0 if neither says.
   */
  properties[PROP_EXPIRES_AT] =
    g_param_spec_int64 ("expires-at", NULL, NULL,
                        0, G_MAXINT64, 0,
                        G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY |
                        G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  /**
   * AvanueTurnCredentials:ttl-seconds: (getter get_ttl_seconds)
   *
   * How long the credentials were valid for when they were issued, in
   * seconds: the `ttlSeconds` of a TURN_CREDENTIALS message. When
   * constructed without it, it is computed from
   * [property@Avanue.TurnCredentials:expires-at].
   */
  properties[PROP_TTL_SECONDS] =
    g_param_spec_uint ("ttl-seconds", NULL, NULL,
                       0, G_MAXUINT, 0,
                       G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY |
                       G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  /**
   * AvanueTurnCredentials:urls: (getter get_urls) (setter set_urls)
   *
   * The `turn:`/`turns:` (and `stun:`) URLs of the servers these
   * credentials are for, or %NULL if none were set.
   */
  properties[PROP_URLS] =
    g_param_spec_boxed ("urls", NULL, NULL,
                        G_TYPE_STRV,
                        G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
avanue_turn_credentials_init (AvanueTurnCredentials *self)
{
}

/**
 * avanue_turn_credentials_new_full:
 * @secret: the shared secret; not empty
 * @expiry_unix: when the credentials expire, in Unix seconds
 * @session_id: the session the credentials are for
 * @fingerprint: the fingerprint of the device they are for; without `:`
 *
 * Issues credentials with username `<expiry_unix>:<session_id>:<fingerprint>`.
 * [property@Avanue.TurnCredentials:ttl-seconds] is the time left until
 * @expiry_unix (0 if it is already past).
 *
 * Returns: (transfer full): new credentials
 */
AvanueTurnCredentials *
avanue_turn_credentials_new_full (const char *secret,
                                  gint64      expiry_unix,
                                  const char *session_id,
                                  const char *fingerprint)
{
  g_autofree char *username = NULL;
  g_autofree char *password = NULL;

  g_return_val_if_fail (secret != NULL && *secret != '\0', NULL);
  g_return_val_if_fail (expiry_unix >= 0, NULL);
  g_return_val_if_fail (session_id != NULL, NULL);
  g_return_val_if_fail (fingerprint != NULL, NULL);
  g_return_val_if_fail (strchr (fingerprint, ':') == NULL, NULL);

  username = g_strdup_printf ("%" G_GINT64_FORMAT ":%s:%s", expiry_unix, session_id, fingerprint);
  password = avanue_turn_credentials_compute_password (secret, username);

  return g_object_new (AVANUE_TYPE_TURN_CREDENTIALS,
                       "username", username,
                       "password", password,
                       "expires-at", expiry_unix,
                       NULL);
}

/**
 * avanue_turn_credentials_new:
 * @secret: the shared secret; not empty
 * @session_id: the session the credentials are for
 * @fingerprint: the fingerprint of the device they are for; without `:`
 * @ttl_seconds: how long the credentials stay valid, from now
 *
 * Issues credentials that expire @ttl_seconds from now, with username
 * `<expiry>:<session_id>:<fingerprint>`.
 *
 * Returns: (transfer full): new credentials
 */
AvanueTurnCredentials *
avanue_turn_credentials_new (const char *secret,
                             const char *session_id,
                             const char *fingerprint,
                             guint       ttl_seconds)
{
  g_autoptr(AvanueTurnCredentials) self = NULL;

  g_return_val_if_fail (secret != NULL && *secret != '\0', NULL);
  g_return_val_if_fail (session_id != NULL, NULL);
  g_return_val_if_fail (fingerprint != NULL, NULL);

  self = avanue_turn_credentials_new_full (secret, get_now_unix () + ttl_seconds,
                                           session_id, fingerprint);
  if (self != NULL)
    self->ttl_seconds = ttl_seconds;

  return g_steal_pointer (&self);
}

/**
 * avanue_turn_credentials_new_for_user:
 * @secret: the shared secret; not empty
 * @expiry_unix: when the credentials expire, in Unix seconds
 * @user: (nullable): a user name
 *
 * Issues credentials for a plain user name rather than a session and a
 * device: the username is `<expiry_unix>:<user>`, or just `<expiry_unix>`
 * when @user is %NULL (both as coturn expects them).
 *
 * Returns: (transfer full): new credentials
 */
AvanueTurnCredentials *
avanue_turn_credentials_new_for_user (const char *secret,
                                      gint64      expiry_unix,
                                      const char *user)
{
  g_autofree char *username = NULL;
  g_autofree char *password = NULL;

  g_return_val_if_fail (secret != NULL && *secret != '\0', NULL);
  g_return_val_if_fail (expiry_unix >= 0, NULL);

  if (user != NULL)
    username = g_strdup_printf ("%" G_GINT64_FORMAT ":%s", expiry_unix, user);
  else
    username = g_strdup_printf ("%" G_GINT64_FORMAT, expiry_unix);
  password = avanue_turn_credentials_compute_password (secret, username);

  return g_object_new (AVANUE_TYPE_TURN_CREDENTIALS,
                       "username", username,
                       "password", password,
                       "expires-at", expiry_unix,
                       NULL);
}

/**
 * avanue_turn_credentials_get_username: (get-property username)
 * @self: credentials
 *
 * Gets the TURN username.
 *
 * Returns: (nullable): the username, %NULL only for an object constructed
 *   without one
 */
const char *
avanue_turn_credentials_get_username (AvanueTurnCredentials *self)
{
  g_return_val_if_fail (AVANUE_IS_TURN_CREDENTIALS (self), NULL);

  return self->username;
}

/**
 * avanue_turn_credentials_get_password: (get-property password)
 * @self: credentials
 *
 * Gets the TURN password.
 *
 * Returns: (nullable): the password, %NULL only for an object constructed
 *   without one
 */
const char *
avanue_turn_credentials_get_password (AvanueTurnCredentials *self)
{
  g_return_val_if_fail (AVANUE_IS_TURN_CREDENTIALS (self), NULL);

  return self->password;
}

/**
 * avanue_turn_credentials_get_expires_at: (get-property expires-at)
 * @self: credentials
 *
 * Gets when the credentials expire.
 *
 * Returns: the expiry in Unix seconds, or 0 if unknown
 */
gint64
avanue_turn_credentials_get_expires_at (AvanueTurnCredentials *self)
{
  g_return_val_if_fail (AVANUE_IS_TURN_CREDENTIALS (self), 0);

  return self->expires_at;
}

/**
 * avanue_turn_credentials_get_ttl_seconds: (get-property ttl-seconds)
 * @self: credentials
 *
 * Gets how long the credentials were valid for when issued.
 *
 * Returns: the time to live in seconds
 */
guint
avanue_turn_credentials_get_ttl_seconds (AvanueTurnCredentials *self)
{
  g_return_val_if_fail (AVANUE_IS_TURN_CREDENTIALS (self), 0);

  return self->ttl_seconds;
}

/**
 * avanue_turn_credentials_get_urls: (get-property urls)
 * @self: credentials
 *
 * Gets the URLs of the servers the credentials are for.
 *
 * Returns: (transfer none) (nullable) (array zero-terminated=1): the URLs,
 *   or %NULL if none were set
 */
const char * const *
avanue_turn_credentials_get_urls (AvanueTurnCredentials *self)
{
  g_return_val_if_fail (AVANUE_IS_TURN_CREDENTIALS (self), NULL);

  return (const char * const *) self->urls;
}

/**
 * avanue_turn_credentials_set_urls: (set-property urls)
 * @self: credentials
 * @urls: (nullable) (array zero-terminated=1): the URLs, or %NULL
 *
 * Sets the URLs of the servers the credentials are for.
 */
void
avanue_turn_credentials_set_urls (AvanueTurnCredentials *self,
                                  const char * const    *urls)
{
  g_return_if_fail (AVANUE_IS_TURN_CREDENTIALS (self));

  if (self->urls == NULL && urls == NULL)
    return;
  if (self->urls != NULL && urls != NULL &&
      g_strv_equal ((const char * const *) self->urls, urls))
    return;

  g_strfreev (self->urls);
  self->urls = g_strdupv ((char **) urls);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_URLS]);
}

/**
 * avanue_turn_credentials_compute_password:
 * @secret: the shared secret
 * @username: the TURN username
 *
 * Computes the REST-API password of @username: the standard padded base64
 * of HMAC-SHA1 keyed with the bytes of @secret over the bytes of @username.
 *
 * Returns: (transfer full): the password (28 characters)
 */
char *
avanue_turn_credentials_compute_password (const char *secret,
                                          const char *username)
{
  g_autoptr(GHmac) hmac = NULL;
  guint8 digest[20];
  gsize digest_len = sizeof digest;
  char *password;

  g_return_val_if_fail (secret != NULL, NULL);
  g_return_val_if_fail (username != NULL, NULL);

  hmac = g_hmac_new (G_CHECKSUM_SHA1, (const guchar *) secret, strlen (secret));
  g_hmac_update (hmac, (const guchar *) username, -1);
  g_hmac_get_digest (hmac, digest, &digest_len);
  password = g_base64_encode (digest, digest_len);
  memset (digest, 0, sizeof digest);

  return password;
}

/**
 * avanue_turn_credentials_find_secret:
 * @secrets: (nullable) (array zero-terminated=1): the secrets, newest first
 * @username: the TURN username
 * @password: the password to check
 *
 * Finds which of @secrets made @password for @username, comparing in
 * constant time. Empty secrets are skipped: they never match. The expiry
 * in @username is not looked at; see [func@Avanue.TurnCredentials.verify].
 *
 * Returns: the index in @secrets of the first secret that matches, or -1
 */
int
avanue_turn_credentials_find_secret (const char * const *secrets,
                                     const char         *username,
                                     const char         *password)
{
  int found = -1;

  g_return_val_if_fail (username != NULL, -1);
  g_return_val_if_fail (password != NULL, -1);

  if (secrets == NULL)
    return -1;

  /* Every secret is tried, so the time taken does not say which matched. */
  for (int i = 0; secrets[i] != NULL; i++)
    {
      g_autofree char *expected = NULL;

      if (secrets[i][0] == '\0')
        continue;
      expected = avanue_turn_credentials_compute_password (secrets[i], username);
      if (str_equal_constant_time (expected, password) && found < 0)
        found = i;
    }

  return found;
}

/**
 * avanue_turn_credentials_verify:
 * @secrets: (nullable) (array zero-terminated=1): the accepted secrets
 * @username: the TURN username
 * @password: the password to check
 * @now_unix: the current time in Unix seconds
 * @error: return location for a #GError
 *
 * Checks REST-API credentials: @username must be `<expiry>` or
 * `<expiry>:<rest>` with a decimal `<expiry>` not before @now_unix (there
 * is no limit on how far ahead), and @password must have been computed from
 * @username with one of @secrets. Several secrets allow rotation.
 *
 * Returns: %TRUE if the credentials are valid; %FALSE with
 *   %AVANUE_TURN_CREDENTIALS_ERROR_BAD_USERNAME,
 *   %AVANUE_TURN_CREDENTIALS_ERROR_EXPIRED,
 *   %AVANUE_TURN_CREDENTIALS_ERROR_NO_SECRETS or
 *   %AVANUE_TURN_CREDENTIALS_ERROR_BAD_PASSWORD otherwise
 */
gboolean
avanue_turn_credentials_verify (const char * const  *secrets,
                                const char          *username,
                                const char          *password,
                                gint64               now_unix,
                                GError             **error)
{
  const char *rest = NULL;
  gint64 expiry = 0;
  gboolean have_secret = FALSE;

  g_return_val_if_fail (username != NULL, FALSE);
  g_return_val_if_fail (password != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!parse_expiry (username, &expiry, &rest))
    {
      g_set_error_literal (error, AVANUE_TURN_CREDENTIALS_ERROR,
                           AVANUE_TURN_CREDENTIALS_ERROR_BAD_USERNAME,
                           "The TURN username does not start with a decimal expiry time");
      return FALSE;
    }
  if (expiry < now_unix)
    {
      g_set_error (error, AVANUE_TURN_CREDENTIALS_ERROR,
                   AVANUE_TURN_CREDENTIALS_ERROR_EXPIRED,
                   "The TURN credentials expired %" G_GINT64_FORMAT " s ago",
                   now_unix - expiry);
      return FALSE;
    }

  for (gsize i = 0; secrets != NULL && secrets[i] != NULL; i++)
    have_secret |= secrets[i][0] != '\0';
  if (!have_secret)
    {
      g_set_error_literal (error, AVANUE_TURN_CREDENTIALS_ERROR,
                           AVANUE_TURN_CREDENTIALS_ERROR_NO_SECRETS,
                           "No TURN secret is configured");
      return FALSE;
    }

  if (avanue_turn_credentials_find_secret (secrets, username, password) < 0)
    {
      g_set_error_literal (error, AVANUE_TURN_CREDENTIALS_ERROR,
                           AVANUE_TURN_CREDENTIALS_ERROR_BAD_PASSWORD,
                           "The TURN password does not match the username");
      return FALSE;
    }

  return TRUE;
}

/**
 * avanue_turn_credentials_parse_username:
 * @username: a TURN username
 * @out_expiry: (out) (optional): return location for the expiry, in Unix seconds
 * @out_session: (out) (optional) (nullable) (transfer full): return location
 *   for the session
 * @out_fingerprint: (out) (optional) (nullable) (transfer full): return
 *   location for the fingerprint
 * @error: return location for a #GError
 *
 * Splits a REST-API username for accounting. `<expiry>:<session>:<fingerprint>`
 * gives all three (the fingerprint is what follows the last `:`);
 * `<expiry>:<user>` gives @user as the session and no fingerprint;
 * `<expiry>` alone gives neither. The expiry is not compared with the
 * current time.
 *
 * Returns: %TRUE on success; %FALSE with
 *   %AVANUE_TURN_CREDENTIALS_ERROR_BAD_USERNAME when @username does not
 *   start with a decimal expiry followed by `:` or its end
 */
gboolean
avanue_turn_credentials_parse_username (const char  *username,
                                        gint64      *out_expiry,
                                        char       **out_session,
                                        char       **out_fingerprint,
                                        GError     **error)
{
  const char *rest = NULL;
  const char *last_colon;
  gint64 expiry = 0;
  g_autofree char *session = NULL;
  g_autofree char *fingerprint = NULL;

  g_return_val_if_fail (username != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (out_expiry != NULL)
    *out_expiry = 0;
  if (out_session != NULL)
    *out_session = NULL;
  if (out_fingerprint != NULL)
    *out_fingerprint = NULL;

  if (!parse_expiry (username, &expiry, &rest))
    {
      g_set_error_literal (error, AVANUE_TURN_CREDENTIALS_ERROR,
                           AVANUE_TURN_CREDENTIALS_ERROR_BAD_USERNAME,
                           "The TURN username does not start with a decimal expiry time");
      return FALSE;
    }

  if (*rest == ':')
    {
      rest++;
      last_colon = strrchr (rest, ':');
      if (last_colon != NULL)
        {
          session = g_strndup (rest, (gsize) (last_colon - rest));
          fingerprint = g_strdup (last_colon + 1);
        }
      else
        {
          session = g_strdup (rest);
        }
    }

  if (out_expiry != NULL)
    *out_expiry = expiry;
  if (out_session != NULL)
    *out_session = g_steal_pointer (&session);
  if (out_fingerprint != NULL)
    *out_fingerprint = g_steal_pointer (&fingerprint);

  return TRUE;
}
