/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Nonces: base64 (timestamp[8] || HMAC-SHA256 (server key, timestamp ||
 * client IP)[0..16]).  Any worker (and, with the same key, any node) can
 * check one without state; it is bound to the client's IP address (not the
 * port, so that a TCP reconnection keeps it) and goes stale after the
 * configured lifetime, which earns the client a 438 and a fresh nonce.
 *
 * Keys: the REST-API password of a username is base64 (HMAC-SHA1 (secret,
 * username)) and the MESSAGE-INTEGRITY key is MD5 (username ":" realm ":"
 * password).  With several secrets (rotation) a username has one candidate
 * key per secret; a worker caches them so that a busy client costs one
 * HMAC per request, not three. */
#include "config.h"

#include <string.h>

#include "avanue-stun-message-private.h"
#include "avanue-turn-credentials.h"
#include "avd-turn-auth.h"

#define NONCE_MAC_SIZE 16
#define NONCE_RAW_SIZE (8 + NONCE_MAC_SIZE)
/* A nonce minted a little in the future (clock step between workers or
 * nodes) is still accepted. */
#define NONCE_FUTURE_SLACK_S 60

static void
nonce_mac (const guint8 key[AVD_TURN_NONCE_KEY_SIZE],
           const guint8 ts[8],
           const AvdTurnAddr *client,
           guint8 out[NONCE_MAC_SIZE])
{
  g_autoptr(GHmac) hmac = g_hmac_new (G_CHECKSUM_SHA256, key, AVD_TURN_NONCE_KEY_SIZE);
  guint8 digest[32];
  gsize digest_len = sizeof (digest);
  guint8 family = client->sa.sa_family == AF_INET6 ? 6 : 4;

  g_hmac_update (hmac, ts, 8);
  g_hmac_update (hmac, &family, 1);
  if (client->sa.sa_family == AF_INET6)
    g_hmac_update (hmac, (const guint8 *) &client->in6.sin6_addr, 16);
  else
    g_hmac_update (hmac, (const guint8 *) &client->in.sin_addr, 4);
  g_hmac_get_digest (hmac, digest, &digest_len);
  memcpy (out, digest, NONCE_MAC_SIZE);
}

void
avd_turn_nonce_make (const guint8 key[AVD_TURN_NONCE_KEY_SIZE],
                     gint64 now_unix,
                     const AvdTurnAddr *client,
                     char out[AVD_TURN_NONCE_LEN + 1])
{
  guint8 raw[NONCE_RAW_SIZE];
  guint64 ts = (guint64) MAX (now_unix, 0);
  int state = 0;
  int save = 0;
  gsize n;

  for (int i = 0; i < 8; i++)
    raw[i] = ts >> (56 - 8 * i);
  nonce_mac (key, raw, client, raw + 8);

  n = g_base64_encode_step (raw, sizeof (raw), FALSE, out, &state, &save);
  n += g_base64_encode_close (FALSE, out + n, &state, &save);
  g_assert (n == AVD_TURN_NONCE_LEN);
  out[n] = '\0';
}

AvdTurnNonceStatus
avd_turn_nonce_check (const guint8 key[AVD_TURN_NONCE_KEY_SIZE],
                      const guint8 *nonce,
                      gsize nonce_len,
                      gint64 now_unix,
                      guint lifetime_s,
                      const AvdTurnAddr *client)
{
  guint8 raw[NONCE_RAW_SIZE + 3];
  guint8 expected[NONCE_MAC_SIZE];
  guint8 diff = 0;
  guint64 ts = 0;
  int state = 0;
  guint save = 0;
  gsize n;

  if (nonce == NULL || nonce_len != AVD_TURN_NONCE_LEN)
    return AVD_TURN_NONCE_INVALID;
  for (gsize i = 0; i < nonce_len; i++)
    {
      if (!g_ascii_isalnum (nonce[i]) && nonce[i] != '+' && nonce[i] != '/')
        return AVD_TURN_NONCE_INVALID;
    }
  n = g_base64_decode_step ((const char *) nonce, nonce_len, raw, &state, &save);
  if (n != NONCE_RAW_SIZE)
    return AVD_TURN_NONCE_INVALID;

  nonce_mac (key, raw, client, expected);
  for (gsize i = 0; i < NONCE_MAC_SIZE; i++)
    diff |= expected[i] ^ raw[8 + i];
  if (diff != 0)
    return AVD_TURN_NONCE_INVALID;

  for (int i = 0; i < 8; i++)
    ts = (ts << 8) | raw[i];
  if (ts > G_MAXINT64)
    return AVD_TURN_NONCE_INVALID;
  if ((gint64) ts > now_unix + NONCE_FUTURE_SLACK_S)
    return AVD_TURN_NONCE_INVALID;
  if (now_unix - (gint64) ts >= (gint64) lifetime_s)
    return AVD_TURN_NONCE_STALE;
  return AVD_TURN_NONCE_VALID;
}

/* The leading `<expiry>` of a REST username (`<expiry>` or
 * `<expiry>:<rest>`), as AvanueTurnCredentials reads it. */
gboolean
avd_turn_username_get_expiry (const guint8 *username, gsize len, gint64 *out_expiry)
{
  guint64 value = 0;
  gsize n = 0;

  while (n < len && g_ascii_isdigit (username[n]))
    {
      if (n == 18)
        return FALSE; /* 19 digits could overflow; no real expiry has them */
      value = value * 10 + (username[n] - '0');
      n++;
    }
  if (n == 0 || (n < len && username[n] != ':'))
    return FALSE;
  *out_expiry = (gint64) value;
  return TRUE;
}

/* The session part of `<expiry>:<session>:<fingerprint>` (or the user of
 * `<expiry>:<user>`), for the quota block list. */
gboolean
avd_turn_username_get_session (const char *username, const char **out_session, gsize *out_len)
{
  const char *start = strchr (username, ':');
  const char *end;

  if (start == NULL || start[1] == '\0')
    return FALSE;
  start++;
  end = strrchr (start, ':');
  if (end == NULL)
    end = start + strlen (start);
  *out_session = start;
  *out_len = end - start;
  return end > start;
}

guint
avd_turn_derive_keys (const char * const *secrets,
                      const char *username,
                      const guint8 *realm,
                      gsize realm_len,
                      guint8 out_keys[AVD_TURN_MAX_SECRETS][AVD_TURN_KEY_SIZE])
{
  gsize username_len = strlen (username);
  guint n = 0;

  for (gsize i = 0; secrets != NULL && secrets[i] != NULL && n < AVD_TURN_MAX_SECRETS; i++)
    {
      g_autofree char *password = NULL;

      if (secrets[i][0] == '\0')
        continue;
      password = avanue_turn_credentials_compute_password (secrets[i], username);
      avanue_stun_compute_long_term_key_raw ((const guint8 *) username, username_len,
                                             realm, realm_len,
                                             (const guint8 *) password, strlen (password),
                                             out_keys[n]);
      memset (password, 0, strlen (password));
      n++;
    }
  return n;
}

typedef struct {
  guint n_keys;
  guint8 keys[AVD_TURN_MAX_SECRETS][AVD_TURN_KEY_SIZE];
} KeyEntry;

struct _AvdTurnKeyCache
{
  GHashTable *entries; /* char *username → KeyEntry */
  guint max_entries;
};

static void
key_entry_free (gpointer data)
{
  KeyEntry *entry = data;

  memset (entry, 0, sizeof (*entry));
  g_free (entry);
}

AvdTurnKeyCache *
avd_turn_key_cache_new (guint max_entries)
{
  AvdTurnKeyCache *self = g_new0 (AvdTurnKeyCache, 1);

  self->entries = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, key_entry_free);
  self->max_entries = MAX (max_entries, 1);
  return self;
}

void
avd_turn_key_cache_free (AvdTurnKeyCache *self)
{
  if (self == NULL)
    return;
  g_hash_table_unref (self->entries);
  g_free (self);
}

void
avd_turn_key_cache_clear (AvdTurnKeyCache *self)
{
  g_hash_table_remove_all (self->entries);
}

guint
avd_turn_key_cache_size (AvdTurnKeyCache *self)
{
  return g_hash_table_size (self->entries);
}

/* Returns the candidate keys of @username (n_keys × AVD_TURN_KEY_SIZE
 * bytes), computing them on a miss; NULL when there is no secret.  The
 * pointer stays valid until the next lookup or clear. */
const guint8 *
avd_turn_key_cache_lookup (AvdTurnKeyCache *self,
                           const char * const *secrets,
                           const guint8 *realm,
                           gsize realm_len,
                           const char *username,
                           guint *out_n_keys)
{
  KeyEntry *entry = g_hash_table_lookup (self->entries, username);

  if (entry == NULL)
    {
      entry = g_new0 (KeyEntry, 1);
      entry->n_keys = avd_turn_derive_keys (secrets, username, realm, realm_len, entry->keys);
      if (g_hash_table_size (self->entries) >= self->max_entries)
        g_hash_table_remove_all (self->entries);
      g_hash_table_insert (self->entries, g_strdup (username), entry);
    }
  *out_n_keys = entry->n_keys;
  return entry->n_keys > 0 ? &entry->keys[0][0] : NULL;
}
