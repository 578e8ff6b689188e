/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The TURN protocol as a worker speaks it (RFC 8489, RFC 8656, RFC 6156's
 * address families as RFC 8656 folds them in).
 *
 * Data path: ChannelData is recognised by its first byte and relayed
 * without any STUN parsing; Send indications are parsed in place (no copy,
 * no allocation).  Peer datagrams get their ChannelData or Data indication
 * header written in the headroom in front of the payload.
 *
 * Control path: Binding needs no credentials.  Allocate, Refresh,
 * CreatePermission and ChannelBind need long-term credentials (REST-API
 * usernames, several secrets, stateless nonces); every response carries
 * SOFTWARE and FINGERPRINT, and MESSAGE-INTEGRITY (or -SHA256, as the
 * request did) once the request was authenticated. */
#define G_LOG_DOMAIN "AvdTurn"

#include "config.h"

#include "avd-turn-worker-private.h"

#define STUN_COOKIE 0x2112A442U
#define TYPE_DATA_INDICATION 0x0017
#define UDP_PROTOCOL 17

typedef struct {
  guint8 key[AVD_TURN_KEY_SIZE];
  gboolean sha256;
  char username[AVD_TURN_MAX_USERNAME + 1];
} AuthResult;

static inline void
put16 (guint8 *p, guint16 v)
{
  p[0] = v >> 8;
  p[1] = v;
}

static inline void
put32 (guint8 *p, guint32 v)
{
  p[0] = v >> 24;
  p[1] = v >> 16;
  p[2] = v >> 8;
  p[3] = v;
}

static inline guint16
get16 (const guint8 *p)
{
  return (guint16) (p[0] << 8 | p[1]);
}

static const char *
reason_phrase (guint code)
{
  switch (code)
    {
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 420: return "Unknown Attribute";
    case 437: return "Allocation Mismatch";
    case 438: return "Stale Nonce";
    case 440: return "Address Family not Supported";
    case 441: return "Wrong Credentials";
    case 442: return "Unsupported Transport Protocol";
    case 443: return "Peer Address Family Mismatch";
    case 486: return "Allocation Quota Reached";
    case 508: return "Insufficient Capacity";
    default: return "Server Error";
    }
}

static inline gint64
now_unix (AvdTurnWorker *self)
{
  return (g_get_real_time () + self->clock_offset_us) / G_USEC_PER_SEC;
}

static AvdTurnAllocation *
find_allocation (AvdTurnWorker *self, const AvdTurnOrigin *origin)
{
  if (origin->conn != NULL)
    return origin->conn->allocation;
  return avd_turn_allocation_table_lookup (&self->table, origin->listener, &origin->client);
}

static void
account (AvdTurnWorker *self, AvdTurnAllocation *allocation, gsize len)
{
  allocation->bytes_relayed += len;
  avd_turn_stat_add (&self->stats.packets_relayed, 1);
  avd_turn_stat_add (&self->stats.bytes_relayed, len);
}

static void
drop (AvdTurnWorker *self)
{
  avd_turn_stat_add (&self->stats.packets_dropped, 1);
}

/* ---- responses ----------------------------------------------------------- */

static void
reply_start (AvdTurnWorker *self, gboolean success)
{
  avanue_stun_message_start_response (self->reply, self->msg, success, NULL);
}

static void
reply_send (AvdTurnWorker *self, const AvdTurnOrigin *origin, const AuthResult *auth)
{
  AvanueStunMessage *reply = self->reply;
  const guint8 *data;
  gsize len;

  avanue_stun_message_add_string (reply, AVANUE_STUN_ATTRIBUTE_SOFTWARE, self->shared->software, NULL);
  if (auth != NULL && auth->sha256)
    avanue_stun_message_add_message_integrity_sha256 (reply, auth->key, AVD_TURN_KEY_SIZE, NULL);
  else if (auth != NULL)
    avanue_stun_message_add_message_integrity (reply, auth->key, AVD_TURN_KEY_SIZE, NULL);
  avanue_stun_message_add_fingerprint (reply, NULL);
  data = avanue_stun_message_get_data (reply, &len);
  if (data != NULL)
    avd_turn_worker_send_to_client (self, origin, data, len);
}

/* An error response; 401 and 438 carry REALM and a fresh NONCE, 420 the
 * unknown attributes. */
static void
reply_error (AvdTurnWorker *self, const AvdTurnOrigin *origin, guint code, const AuthResult *auth)
{
  AvanueStunMessage *reply = self->reply;
  int index = avd_turn_error_index_of (code);

  if (index >= 0)
    avd_turn_stat_add (&self->stats.errors[index], 1);
  reply_start (self, FALSE);
  avanue_stun_message_add_error_code (reply, code, reason_phrase (code), NULL);
  if (code == 401 || code == 438)
    {
      char nonce[AVD_TURN_NONCE_LEN + 1];

      avd_turn_nonce_make (self->shared->nonce_key, now_unix (self), &origin->client, nonce);
      avanue_stun_message_add_attribute (reply, AVANUE_STUN_ATTRIBUTE_REALM,
                                         (const guint8 *) self->settings->realm, self->settings->realm_len, NULL);
      avanue_stun_message_add_attribute (reply, AVANUE_STUN_ATTRIBUTE_NONCE,
                                         (const guint8 *) nonce, AVD_TURN_NONCE_LEN, NULL);
    }
  else if (code == 420)
    {
      gsize n_types = 0;
      const guint16 *types = avanue_stun_message_get_unknown_attributes (self->msg, &n_types);

      avanue_stun_message_add_unknown_attributes (reply, types, n_types, NULL);
    }
  reply_send (self, origin, auth);
}

static void
add_address (AvdTurnWorker *self, guint type, const AvdTurnAddr *addr)
{
  avanue_stun_message_add_sockaddr (self->reply, type, TRUE, &addr->sa, avd_turn_addr_len (addr), NULL);
}

/* Decodes an XOR-encoded address attribute value, whose layout the codec
 * checked: 8 bytes for IPv4, 20 for IPv6. */
static gboolean
decode_xor_address (AvdTurnWorker *self, const guint8 *value, gsize len, AvdTurnAddr *out)
{
  const guint8 *tid = avanue_stun_message_get_transaction_id (self->msg);
  guint8 mask[16];
  guint16 port = get16 (value + 2) ^ (STUN_COOKIE >> 16);

  put32 (mask, STUN_COOKIE);
  memcpy (mask + 4, tid, 12);
  memset (out, 0, sizeof (*out));
  if (len == 8 && value[1] == 0x01)
    {
      guint8 *ip = (guint8 *) &out->in.sin_addr;

      out->in.sin_family = AF_INET;
      out->in.sin_port = g_htons (port);
      for (int i = 0; i < 4; i++)
        ip[i] = value[4 + i] ^ mask[i];
      return TRUE;
    }
  if (len == 20 && value[1] == 0x02)
    {
      guint8 *ip = out->in6.sin6_addr.s6_addr;

      out->in6.sin6_family = AF_INET6;
      out->in6.sin6_port = g_htons (port);
      for (int i = 0; i < 16; i++)
        ip[i] = value[4 + i] ^ mask[i];
      return TRUE;
    }
  return FALSE;
}

static gboolean
get_xor_peer (AvdTurnWorker *self, AvdTurnAddr *out)
{
  gsize len = 0;
  const guint8 *value = avanue_stun_message_get_attribute (self->msg, AVANUE_STUN_ATTRIBUTE_XOR_PEER_ADDRESS, &len);

  return value != NULL && decode_xor_address (self, value, len, out);
}

/* ---- authentication ------------------------------------------------------ */

/* RFC 8489 §9.2.4.  On failure the error response has been sent. */
static gboolean
authenticate (AvdTurnWorker *self, const AvdTurnOrigin *origin, AuthResult *auth)
{
  AvanueStunMessage *msg = self->msg;
  AvdTurnSettings *settings = self->settings;
  gboolean has_mi = avanue_stun_message_has_attribute (msg, AVANUE_STUN_ATTRIBUTE_MESSAGE_INTEGRITY);
  gboolean has_mi256 = avanue_stun_message_has_attribute (msg, AVANUE_STUN_ATTRIBUTE_MESSAGE_INTEGRITY_SHA256);
  const guint8 *username, *realm, *nonce;
  gsize username_len = 0, realm_len = 0, nonce_len = 0;
  const guint8 *keys;
  guint n_keys = 0;
  gint64 expiry = 0;
  gint64 now = now_unix (self);

  if (!has_mi && !has_mi256)
    {
      reply_error (self, origin, 401, NULL);
      return FALSE;
    }
  username = avanue_stun_message_get_attribute (msg, AVANUE_STUN_ATTRIBUTE_USERNAME, &username_len);
  realm = avanue_stun_message_get_attribute (msg, AVANUE_STUN_ATTRIBUTE_REALM, &realm_len);
  nonce = avanue_stun_message_get_attribute (msg, AVANUE_STUN_ATTRIBUTE_NONCE, &nonce_len);
  if (username == NULL || realm == NULL || nonce == NULL)
    {
      /* USERHASH instead of USERNAME: we never offer it. */
      reply_error (self, origin, username == NULL &&
                   avanue_stun_message_has_attribute (msg, AVANUE_STUN_ATTRIBUTE_USERHASH) ? 401 : 400, NULL);
      return FALSE;
    }
  if (avd_turn_nonce_check (self->shared->nonce_key, nonce, nonce_len, now,
                            settings->nonce_lifetime_s, &origin->client) != AVD_TURN_NONCE_VALID)
    {
      reply_error (self, origin, 438, NULL);
      return FALSE;
    }
  if (realm_len != settings->realm_len || memcmp (realm, settings->realm, realm_len) != 0 ||
      username_len == 0 || username_len > AVD_TURN_MAX_USERNAME ||
      memchr (username, '\0', username_len) != NULL ||
      !avd_turn_username_get_expiry (username, username_len, &expiry) || expiry < now)
    {
      reply_error (self, origin, 401, NULL);
      return FALSE;
    }
  memcpy (auth->username, username, username_len);
  auth->username[username_len] = '\0';

  keys = avd_turn_key_cache_lookup (self->keys, (const char * const *) settings->secrets,
                                    (const guint8 *) settings->realm, settings->realm_len,
                                    auth->username, &n_keys);
  for (guint i = 0; i < n_keys; i++)
    {
      const guint8 *key = keys + i * AVD_TURN_KEY_SIZE;
      gboolean ok = has_mi256
                      ? avanue_stun_message_check_integrity_sha256 (msg, key, AVD_TURN_KEY_SIZE, NULL)
                      : avanue_stun_message_check_integrity (msg, key, AVD_TURN_KEY_SIZE, NULL);

      if (ok)
        {
          memcpy (auth->key, key, AVD_TURN_KEY_SIZE);
          auth->sha256 = has_mi256;
          if (g_hash_table_contains (settings->revoked, auth->username))
            {
              reply_error (self, origin, 403, auth);
              return FALSE;
            }
          return TRUE;
        }
    }
  reply_error (self, origin, 401, NULL);
  return FALSE;
}

/* ---- lifetimes ----------------------------------------------------------- */

/* RFC 8656 §7.2, §7.3: min (requested, maximum), but not below the default;
 * 0 stays 0 (a Refresh that deletes). */
static guint
desired_lifetime (AvdTurnWorker *self, gboolean *out_zero)
{
  AvdTurnSettings *s = self->settings;
  guint32 requested;

  *out_zero = FALSE;
  if (!avanue_stun_message_get_uint32 (self->msg, AVANUE_STUN_ATTRIBUTE_LIFETIME, &requested, NULL))
    return s->allocation_lifetime_s;
  if (requested == 0)
    {
      *out_zero = TRUE;
      return 0;
    }
  return MAX (MIN (requested, s->allocation_max_lifetime_s), s->allocation_lifetime_s);
}

/* ---- Allocate ------------------------------------------------------------ */

static void
reply_allocate_success (AvdTurnWorker *self,
                        const AvdTurnOrigin *origin,
                        AvdTurnAllocation *a,
                        const AuthResult *auth,
                        guint address_error,
                        guint64 token)
{
  reply_start (self, TRUE);
  for (guint i = 0; i < 2; i++)
    {
      if (a->has_relay[i])
        add_address (self, AVANUE_STUN_ATTRIBUTE_XOR_RELAYED_ADDRESS, &a->relay_public[i]);
    }
  if (address_error != 0)
    {
      const char *reason = reason_phrase (address_error);
      gsize reason_len = strlen (reason);
      guint8 value[64];

      /* RFC 8656 §18.12: family, reserved, class, number, reason. */
      value[0] = 0x02;
      value[1] = 0;
      value[2] = address_error / 100;
      value[3] = address_error % 100;
      memcpy (value + 4, reason, reason_len);
      avanue_stun_message_add_attribute (self->reply, AVANUE_STUN_ATTRIBUTE_ADDRESS_ERROR_CODE,
                                         value, 4 + reason_len, NULL);
    }
  if (token != 0)
    avanue_stun_message_add_uint64 (self->reply, AVANUE_STUN_ATTRIBUTE_RESERVATION_TOKEN, token, NULL);
  avanue_stun_message_add_uint32 (self->reply, AVANUE_STUN_ATTRIBUTE_LIFETIME,
                                  (guint32) MAX (a->expires - self->now_s, 0), NULL);
  add_address (self, AVANUE_STUN_ATTRIBUTE_XOR_MAPPED_ADDRESS, &origin->client);
  reply_send (self, origin, auth);
}

static gboolean
session_is_blocked (AvdTurnWorker *self, const char *username)
{
  GHashTable *blocked = self->settings->blocked;
  const char *session;
  gsize len;
  char buf[AVD_TURN_MAX_USERNAME + 1];

  if (g_hash_table_size (blocked) == 0 || !avd_turn_username_get_session (username, &session, &len))
    return FALSE;
  memcpy (buf, session, len);
  buf[len] = '\0';
  return g_hash_table_contains (blocked, buf);
}

static void
handle_allocate (AvdTurnWorker *self, const AvdTurnOrigin *origin, const AuthResult *auth)
{
  AvanueStunMessage *msg = self->msg;
  const guint8 *tid = avanue_stun_message_get_transaction_id (msg);
  AvdTurnAllocation *a = find_allocation (self, origin);
  guint32 transport, raf = 0, aaf = 0;
  gboolean has_raf, has_aaf, has_token, even = FALSE, dual = FALSE, zero;
  guint family_index = 0;
  AvdTurnPortMode port_mode = AVD_TURN_PORT_ANY;
  guint16 fixed_port = 0;
  guint64 token = 0;
  guint code = 0;
  guint address_error = 0;
  const guint8 *even_value;
  gsize even_len = 0;
  guint lifetime;

  if (a != NULL)
    {
      /* A retransmission of the request that made it gets the same answer. */
      if (memcmp (a->transaction_id, tid, 12) == 0 && g_str_equal (a->username, auth->username))
        reply_allocate_success (self, origin, a, auth, 0, 0);
      else
        reply_error (self, origin, 437, auth);
      return;
    }

  if (!avanue_stun_message_get_uint32 (msg, AVANUE_STUN_ATTRIBUTE_REQUESTED_TRANSPORT, &transport, NULL))
    {
      reply_error (self, origin, 400, auth);
      return;
    }
  if ((transport >> 24) != UDP_PROTOCOL)
    {
      reply_error (self, origin, 442, auth);
      return;
    }

  has_raf = avanue_stun_message_get_uint32 (msg, AVANUE_STUN_ATTRIBUTE_REQUESTED_ADDRESS_FAMILY, &raf, NULL);
  has_aaf = avanue_stun_message_get_uint32 (msg, AVANUE_STUN_ATTRIBUTE_ADDITIONAL_ADDRESS_FAMILY, &aaf, NULL);
  has_token = avanue_stun_message_has_attribute (msg, AVANUE_STUN_ATTRIBUTE_RESERVATION_TOKEN);
  even_value = avanue_stun_message_get_attribute (msg, AVANUE_STUN_ATTRIBUTE_EVEN_PORT, &even_len);
  even = even_value != NULL;
  if ((has_token && (even || has_raf || has_aaf)) || (has_raf && has_aaf))
    {
      reply_error (self, origin, 400, auth);
      return;
    }
  if (has_token)
    {
      /* The port an earlier EVEN-PORT with R reserved, on any worker. */
      guint64 wanted = 0;

      avanue_stun_message_get_uint64 (msg, AVANUE_STUN_ATTRIBUTE_RESERVATION_TOKEN, &wanted, NULL);
      if (!avd_turn_shared_claim (self->shared, wanted, &family_index, &fixed_port))
        {
          reply_error (self, origin, 508, auth);
          return;
        }
      port_mode = AVD_TURN_PORT_FIXED;
    }
  else if (even)
    port_mode = (even_value[0] & 0x80) != 0 ? AVD_TURN_PORT_EVEN_RESERVE_NEXT : AVD_TURN_PORT_EVEN;
  if (has_raf)
    {
      if ((raf >> 24) == 0x01)
        family_index = 0;
      else if ((raf >> 24) == 0x02)
        family_index = 1;
      else
        {
          reply_error (self, origin, 440, auth);
          return;
        }
    }
  if (has_aaf)
    {
      if ((aaf >> 24) != 0x02)
        {
          reply_error (self, origin, 400, auth);
          return;
        }
      dual = TRUE;
    }
  if (session_is_blocked (self, auth->username) ||
      !avd_turn_shared_quota_take (self->shared, self->settings, auth->username))
    {
      if (port_mode == AVD_TURN_PORT_FIXED)
        avd_turn_shared_port_release (self->shared, family_index, fixed_port);
      reply_error (self, origin, 486, auth);
      return;
    }

  a = avd_turn_allocation_new ();
  a->quota_taken = TRUE;
  a->username = g_strdup (auth->username);
  a->transport = origin->transport;
  a->listener = origin->conn != NULL ? -1 : origin->listener;
  a->conn = origin->conn;
  a->client = origin->client;
  a->local = origin->local;
  memcpy (a->transaction_id, tid, 12);

  if (!avd_turn_worker_open_relay (self, a, family_index, port_mode, fixed_port,
                                   avanue_stun_message_has_attribute (msg, AVANUE_STUN_ATTRIBUTE_DONT_FRAGMENT),
                                   &token, &code))
    {
      avd_turn_worker_destroy_allocation (self, a);
      reply_error (self, origin, code, auth);
      return;
    }
  if (dual && !avd_turn_worker_open_relay (self, a, 1, even ? AVD_TURN_PORT_EVEN : AVD_TURN_PORT_ANY, 0,
                                           FALSE, NULL, &address_error))
    {
      int index = avd_turn_error_index_of (address_error);

      if (index >= 0)
        avd_turn_stat_add (&self->stats.errors[index], 1);
    }

  lifetime = desired_lifetime (self, &zero);
  if (zero)
    lifetime = self->settings->allocation_lifetime_s;
  a->expires = self->now_s + lifetime;
  avd_turn_worker_add_allocation (self, a);
  g_debug ("allocation %u s for a client of worker %u", lifetime, self->index);
  reply_allocate_success (self, origin, a, auth, address_error, token);
}

/* ---- Refresh, CreatePermission, ChannelBind ------------------------------ */

/* The allocation of this 5-tuple, made with these credentials; else the
 * 437 or 441 has been sent. */
static AvdTurnAllocation *
own_allocation (AvdTurnWorker *self, const AvdTurnOrigin *origin, const AuthResult *auth)
{
  AvdTurnAllocation *a = find_allocation (self, origin);

  if (a == NULL)
    {
      reply_error (self, origin, 437, auth);
      return NULL;
    }
  if (!g_str_equal (a->username, auth->username))
    {
      reply_error (self, origin, 441, auth);
      return NULL;
    }
  return a;
}

static void
handle_refresh (AvdTurnWorker *self, const AvdTurnOrigin *origin, const AuthResult *auth)
{
  AvdTurnAllocation *a = own_allocation (self, origin, auth);
  guint32 raf;
  gboolean zero;
  guint lifetime;

  if (a == NULL)
    return;
  if (avanue_stun_message_get_uint32 (self->msg, AVANUE_STUN_ATTRIBUTE_REQUESTED_ADDRESS_FAMILY, &raf, NULL))
    {
      guint family = raf >> 24;

      if (family != 0x01 && family != 0x02)
        {
          reply_error (self, origin, 440, auth);
          return;
        }
      if (!a->has_relay[family == 0x02 ? 1 : 0])
        {
          reply_error (self, origin, 443, auth);
          return;
        }
    }

  lifetime = desired_lifetime (self, &zero);
  if (zero)
    avd_turn_worker_destroy_allocation (self, a);
  else
    a->expires = self->now_s + lifetime;

  reply_start (self, TRUE);
  avanue_stun_message_add_uint32 (self->reply, AVANUE_STUN_ATTRIBUTE_LIFETIME, lifetime, NULL);
  reply_send (self, origin, auth);
}

/* 0 if @peer may get a permission on @a, else the error code. */
static guint
check_peer (AvdTurnWorker *self, AvdTurnAllocation *a, const AvdTurnAddr *peer)
{
  if (!a->has_relay[avd_turn_family_index (peer->sa.sa_family)])
    return 443;
  if (!avd_turn_policy_allows (self->settings->policy, peer))
    return 403;
  return 0;
}

static void
handle_create_permission (AvdTurnWorker *self, const AvdTurnOrigin *origin, const AuthResult *auth)
{
  AvanueStunMessage *msg = self->msg;
  AvdTurnAllocation *a = own_allocation (self, origin, auth);
  AvdTurnAddr peers[AVANUE_STUN_MAX_ATTRIBUTES];
  guint n_peers = 0;
  guint n_attributes;
  guint n_new = 0;

  if (a == NULL)
    return;
  n_attributes = avanue_stun_message_get_n_attributes (msg);
  for (guint i = 0; i < n_attributes; i++)
    {
      const guint8 *value;
      gsize len = 0;

      if (avanue_stun_message_get_attribute_type (msg, i) != AVANUE_STUN_ATTRIBUTE_XOR_PEER_ADDRESS)
        continue;
      value = avanue_stun_message_get_attribute_at (msg, i, &len);
      if (value != NULL && decode_xor_address (self, value, len, &peers[n_peers]))
        n_peers++;
    }
  if (n_peers == 0)
    {
      reply_error (self, origin, 400, auth);
      return;
    }
  /* All or nothing (RFC 8656 §10.2). */
  for (guint i = 0; i < n_peers; i++)
    {
      guint code = check_peer (self, a, &peers[i]);

      if (code != 0)
        {
          reply_error (self, origin, code, auth);
          return;
        }
      if (!avd_turn_allocation_has_permission (a, &peers[i], G_MININT64))
        n_new++;
    }
  if (a->n_permissions + n_new > AVD_TURN_MAX_PERMISSIONS)
    {
      reply_error (self, origin, 508, auth);
      return;
    }
  for (guint i = 0; i < n_peers; i++)
    avd_turn_allocation_add_permission (a, &peers[i], self->now_s + self->settings->permission_lifetime_s);

  reply_start (self, TRUE);
  reply_send (self, origin, auth);
}

static void
handle_channel_bind (AvdTurnWorker *self, const AvdTurnOrigin *origin, const AuthResult *auth)
{
  AvdTurnAllocation *a = own_allocation (self, origin, auth);
  AvdTurnAddr peer;
  guint32 value;
  guint16 number;
  guint code;

  if (a == NULL)
    return;
  if (!avanue_stun_message_get_uint32 (self->msg, AVANUE_STUN_ATTRIBUTE_CHANNEL_NUMBER, &value, NULL) ||
      !get_xor_peer (self, &peer))
    {
      reply_error (self, origin, 400, auth);
      return;
    }
  number = value >> 16;
  if (number < AVD_TURN_MIN_CHANNEL || number > AVD_TURN_MAX_CHANNEL)
    {
      reply_error (self, origin, 400, auth);
      return;
    }
  code = check_peer (self, a, &peer);
  if (code != 0)
    {
      reply_error (self, origin, code, auth);
      return;
    }
  switch (avd_turn_allocation_bind_channel (a, number, &peer, self->now_s,
                                            self->now_s + self->settings->channel_lifetime_s))
    {
    case AVD_TURN_BIND_OK:
      break;
    case AVD_TURN_BIND_CONFLICT:
      reply_error (self, origin, 400, auth);
      return;
    case AVD_TURN_BIND_FULL:
    default:
      reply_error (self, origin, 508, auth);
      return;
    }
  /* A channel binding installs or refreshes the permission (§12.2). */
  if (!avd_turn_allocation_add_permission (a, &peer, self->now_s + self->settings->permission_lifetime_s))
    {
      reply_error (self, origin, 508, auth);
      return;
    }
  reply_start (self, TRUE);
  reply_send (self, origin, auth);
}

/* ---- Binding and Send ---------------------------------------------------- */

static void
handle_binding (AvdTurnWorker *self, const AvdTurnOrigin *origin)
{
  reply_start (self, TRUE);
  add_address (self, AVANUE_STUN_ATTRIBUTE_XOR_MAPPED_ADDRESS, &origin->client);
  reply_send (self, origin, NULL);
}

static void
handle_send (AvdTurnWorker *self, const AvdTurnOrigin *origin)
{
  AvdTurnAllocation *a = find_allocation (self, origin);
  const guint8 *data;
  gsize len = 0;
  AvdTurnAddr peer;
  guint family_index;

  if (a == NULL || !get_xor_peer (self, &peer))
    {
      drop (self);
      return;
    }
  data = avanue_stun_message_get_attribute (self->msg, AVANUE_STUN_ATTRIBUTE_DATA, &len);
  family_index = avd_turn_family_index (peer.sa.sa_family);
  if (data == NULL || !a->has_relay[family_index] ||
      !avd_turn_allocation_has_permission (a, &peer, self->now_s) ||
      !avd_turn_allocation_take_tokens (a, self->settings->max_bps, len, self->now_us))
    {
      drop (self);
      return;
    }
  account (self, a, len);
  avd_turn_worker_relay_to_peer (self, a, family_index, &peer, data, len);
}

/* ---- entry points -------------------------------------------------------- */

static void
handle_channel_data (AvdTurnWorker *self, const AvdTurnOrigin *origin, const guint8 *data, gsize len)
{
  guint16 number = get16 (data);
  gsize payload_len = get16 (data + 2);
  AvdTurnAllocation *a;
  const AvdTurnChannel *channel;
  guint family_index;

  /* Over UDP the datagram may be longer (padding); never shorter. */
  if (4 + payload_len > len)
    {
      drop (self);
      return;
    }
  a = find_allocation (self, origin);
  if (a == NULL)
    {
      drop (self);
      return;
    }
  channel = avd_turn_allocation_channel_by_number (a, number, self->now_s);
  if (channel == NULL)
    {
      drop (self);
      return;
    }
  family_index = avd_turn_family_index (channel->peer.sa.sa_family);
  if (!avd_turn_allocation_take_tokens (a, self->settings->max_bps, payload_len, self->now_us))
    {
      drop (self);
      return;
    }
  account (self, a, payload_len);
  avd_turn_worker_relay_to_peer (self, a, family_index, &channel->peer, data + 4, payload_len);
}

static void
handle_stun (AvdTurnWorker *self, const AvdTurnOrigin *origin, const guint8 *data, gsize len)
{
  AvanueStunMessage *msg = self->msg;
  AuthResult auth;
  guint method;
  gsize n_unknown = 0;

  if (!avanue_stun_message_parse_borrowed (msg, data, len, NULL))
    {
      /* Header sound, an attribute not: a request gets 400. */
      if (avanue_stun_message_get_method (msg) != 0 &&
          avanue_stun_message_get_message_class (msg) == AVANUE_STUN_CLASS_REQUEST)
        {
          avd_turn_stat_add (&self->stats.requests, 1);
          reply_error (self, origin, 400, NULL);
        }
      else
        drop (self);
      return;
    }
  if (avanue_stun_message_has_attribute (msg, AVANUE_STUN_ATTRIBUTE_FINGERPRINT) &&
      !avanue_stun_message_check_fingerprint (msg, NULL))
    {
      drop (self);
      return;
    }

  method = avanue_stun_message_get_method (msg);
  switch (avanue_stun_message_get_message_class (msg))
    {
    case AVANUE_STUN_CLASS_INDICATION:
      avanue_stun_message_get_unknown_attributes (msg, &n_unknown);
      if (method == AVANUE_STUN_METHOD_SEND && n_unknown == 0)
        handle_send (self, origin);
      else
        drop (self);
      return;
    case AVANUE_STUN_CLASS_REQUEST:
      break;
    case AVANUE_STUN_CLASS_SUCCESS_RESPONSE:
    case AVANUE_STUN_CLASS_ERROR_RESPONSE:
    default:
      drop (self);
      return;
    }

  avd_turn_stat_add (&self->stats.requests, 1);
  /* A revocation or new secrets sent before this request apply to it. */
  if (g_atomic_int_get (&self->commands_pending))
    avd_turn_worker_run_commands (self);
  switch (method)
    {
    case AVANUE_STUN_METHOD_BINDING:
      avanue_stun_message_get_unknown_attributes (msg, &n_unknown);
      if (n_unknown > 0)
        reply_error (self, origin, 420, NULL);
      else
        handle_binding (self, origin);
      return;
    case AVANUE_STUN_METHOD_ALLOCATE:
    case AVANUE_STUN_METHOD_REFRESH:
    case AVANUE_STUN_METHOD_CREATE_PERMISSION:
    case AVANUE_STUN_METHOD_CHANNEL_BIND:
      break;
    default:
      reply_error (self, origin, 400, NULL);
      return;
    }

  if (!authenticate (self, origin, &auth))
    return;
  avanue_stun_message_get_unknown_attributes (msg, &n_unknown);
  if (n_unknown > 0)
    {
      reply_error (self, origin, 420, &auth);
      return;
    }
  switch (method)
    {
    case AVANUE_STUN_METHOD_ALLOCATE:
      handle_allocate (self, origin, &auth);
      break;
    case AVANUE_STUN_METHOD_REFRESH:
      handle_refresh (self, origin, &auth);
      break;
    case AVANUE_STUN_METHOD_CREATE_PERMISSION:
      handle_create_permission (self, origin, &auth);
      break;
    case AVANUE_STUN_METHOD_CHANNEL_BIND:
      handle_channel_bind (self, origin, &auth);
      break;
    default:
      g_assert_not_reached ();
    }
}

/* A datagram (UDP) or a frame (TCP/TLS) from a client. */
void
avd_turn_handle_client_packet (AvdTurnWorker *self, const AvdTurnOrigin *origin, const guint8 *data, gsize len)
{
  if (len >= 4 && (data[0] & 0xC0) == 0x40)
    handle_channel_data (self, origin, data, len);
  else if (avanue_stun_classify (data, len) == AVANUE_STUN_PACKET_STUN)
    handle_stun (self, origin, data, len);
  else
    drop (self);
}

/* A datagram from a peer to a relayed address.  @payload has
 * AVD_TURN_HEADROOM bytes before it and 8 after it that can be written. */
void
avd_turn_handle_peer_packet (AvdTurnWorker *self,
                             AvdTurnAllocation *a,
                             guint family_index,
                             const AvdTurnAddr *from,
                             guint8 *payload,
                             gsize len)
{
  const AvdTurnChannel *channel;
  gboolean stream = a->conn != NULL;
  guint8 *frame;
  gsize frame_len;
  gsize padded = (len + 3) & ~(gsize) 3;

  if (!avd_turn_allocation_has_permission (a, from, self->now_s) ||
      !avd_turn_allocation_take_tokens (a, self->settings->max_bps, len, self->now_us))
    {
      drop (self);
      return;
    }

  channel = a->n_channels > 0 ? avd_turn_allocation_channel_by_peer (a, from, self->now_s) : NULL;
  if (channel != NULL && len <= G_MAXUINT16)
    {
      frame = payload - 4;
      put16 (frame, channel->number);
      put16 (frame + 2, len);
      frame_len = 4 + len;
      if (stream)
        {
          /* Padding is mandatory over streams (RFC 8656 §12.5). */
          memset (payload + len, 0, padded - len);
          frame_len = 4 + padded;
        }
    }
  else
    {
      gsize addr_len = family_index == 1 ? 16 : 4;
      gsize header_len = AVANUE_STUN_HEADER_SIZE + 4 + 4 + addr_len + 4;
      gsize body_len = 4 + 4 + addr_len + 4 + padded;
      guint8 *p;
      guint8 mask[16];
      const guint8 *ip;

      if (body_len > 0xFFFC)
        {
          drop (self);
          return;
        }
      frame = payload - header_len;
      /* Header: Data indication, a fresh transaction ID. */
      put16 (frame, TYPE_DATA_INDICATION);
      put16 (frame + 2, body_len);
      put32 (frame + 4, STUN_COOKIE);
      for (int i = 0; i < 12; i += 4)
        {
          self->rng ^= self->rng << 13;
          self->rng ^= self->rng >> 7;
          self->rng ^= self->rng << 17;
          put32 (frame + 8 + i, (guint32) self->rng);
        }
      memcpy (mask, frame + 4, 16);
      /* XOR-PEER-ADDRESS */
      p = frame + AVANUE_STUN_HEADER_SIZE;
      put16 (p, AVANUE_STUN_ATTRIBUTE_XOR_PEER_ADDRESS);
      put16 (p + 2, 4 + addr_len);
      p[4] = 0;
      p[5] = family_index == 1 ? 0x02 : 0x01;
      put16 (p + 6, avd_turn_addr_get_port (from) ^ (STUN_COOKIE >> 16));
      ip = family_index == 1 ? from->in6.sin6_addr.s6_addr : (const guint8 *) &from->in.sin_addr;
      for (gsize i = 0; i < addr_len; i++)
        p[8 + i] = ip[i] ^ mask[i];
      /* DATA */
      p += 8 + addr_len;
      put16 (p, AVANUE_STUN_ATTRIBUTE_DATA);
      put16 (p + 2, len);
      memset (payload + len, 0, padded - len);
      frame_len = header_len + padded;
    }

  account (self, a, len);
  avd_turn_worker_relay_to_client (self, a, frame, frame_len);
}
