/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Tests of AvdTurnServer, the STUN/TURN relay, driven over real loopback
 * sockets: the test is the TURN client (UDP, TCP, TLS) and the peer, and
 * builds and checks every message with AvanueStunMessage.  Expected values
 * come from the RFCs (error codes, attribute layouts) and from what the
 * test itself sent, never from the relay's own helpers.  The relay runs
 * with two worker threads, so that SO_REUSEPORT spreading is exercised.
 *
 * Also unit tests of the pieces that need no socket: peer policy, nonces,
 * REST usernames, allocations' permissions, channels and bandwidth. */
#include "config.h"

#include <errno.h>
#include <gnutls/gnutls.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>
#include <glib/gstdio.h>

#include "avanue.h"
#include "avanue-stun-message-private.h"
#include "avd-config.h"
#include "avd-turn-allocation.h"
#include "avd-turn-auth.h"
#include "avd-turn-policy.h"
#include "avd-turn-server.h"

#define SECRET "test-secret-one"
#define OLD_SECRET "test-secret-old"
#define REALM "test.realm"
#define TIMEOUT_MS 2000
#define SHORT_MS 300

/* ---- helpers: addresses -------------------------------------------------- */

static AvdTurnAddr
addr_of (const char *ip, guint16 port)
{
  AvdTurnAddr addr;

  g_assert_true (avd_turn_addr_parse (ip, port, &addr));
  return addr;
}

static gboolean
have_ipv6_loopback (void)
{
  AvdTurnAddr addr = addr_of ("::1", 0);
  int fd = socket (AF_INET6, SOCK_DGRAM, 0);
  gboolean ok = fd >= 0 && bind (fd, &addr.sa, sizeof (addr.in6)) == 0;

  if (fd >= 0)
    close (fd);
  return ok;
}

/* XOR-decodes attribute number @index of @msg (RFC 8489 §14.2), written
 * here independently of the relay's decoder. */
static AvdTurnAddr
xor_address_at (AvanueStunMessage *msg, guint index)
{
  const guint8 *tid = avanue_stun_message_get_transaction_id (msg);
  guint8 mask[16] = { 0x21, 0x12, 0xA4, 0x42 };
  gsize len = 0;
  const guint8 *v = avanue_stun_message_get_attribute_at (msg, index, &len);
  AvdTurnAddr addr = { 0 };
  guint16 port;

  memcpy (mask + 4, tid, 12);
  g_assert_nonnull (v);
  port = ((v[2] << 8) | v[3]) ^ 0x2112;
  if (v[1] == 0x01)
    {
      g_assert_cmpuint (len, ==, 8);
      addr.in.sin_family = AF_INET;
      addr.in.sin_port = g_htons (port);
      for (int i = 0; i < 4; i++)
        ((guint8 *) &addr.in.sin_addr)[i] = v[4 + i] ^ mask[i];
    }
  else
    {
      g_assert_cmpuint (v[1], ==, 0x02);
      g_assert_cmpuint (len, ==, 20);
      addr.in6.sin6_family = AF_INET6;
      addr.in6.sin6_port = g_htons (port);
      for (int i = 0; i < 16; i++)
        addr.in6.sin6_addr.s6_addr[i] = v[4 + i] ^ mask[i];
    }
  return addr;
}

static AvdTurnAddr
xor_address (AvanueStunMessage *msg, guint type)
{
  guint n = avanue_stun_message_get_n_attributes (msg);

  for (guint i = 0; i < n; i++)
    {
      if (avanue_stun_message_get_attribute_type (msg, i) == type)
        return xor_address_at (msg, i);
    }
  g_assert_not_reached ();
}

static guint
count_attributes (AvanueStunMessage *msg, guint type)
{
  guint n = avanue_stun_message_get_n_attributes (msg);
  guint count = 0;

  for (guint i = 0; i < n; i++)
    count += avanue_stun_message_get_attribute_type (msg, i) == type;
  return count;
}

/* ---- helpers: the relay -------------------------------------------------- */

typedef struct {
  AvdConfig *config;
  AvdTurnServer *server;
  char *tmpdir;
} Relay;

static void
relay_config (Relay *relay, const char *group, const char *key, const char *value)
{
  avd_config_set_string (relay->config, group, key, value);
}

static Relay *
relay_new (void)
{
  Relay *relay = g_new0 (Relay, 1);

  relay->config = avd_config_new ();
  relay_config (relay, "turn", "listen", "127.0.0.1");
  relay_config (relay, "turn", "port", "0");
  relay_config (relay, "turn", "tls-port", "0");
  relay_config (relay, "turn", "realm", REALM);
  relay_config (relay, "turn", "secrets", SECRET "," OLD_SECRET);
  relay_config (relay, "turn", "allow-loopback-peers", "true");
  relay_config (relay, "turn", "workers", "2");
  relay_config (relay, "turn", "min-port", "40000");
  relay_config (relay, "turn", "max-port", "40999");
  return relay;
}

static void
relay_start (Relay *relay)
{
  g_autoptr(GError) error = NULL;

  relay->server = avd_turn_server_new (relay->config);
  g_assert_true (avd_turn_server_start (relay->server, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (avd_turn_server_get_port (relay->server), >, 0);
  g_assert_cmpuint (avd_turn_server_get_n_workers (relay->server), ==, 2);
}

static void
relay_free (Relay *relay)
{
  if (relay->server != NULL)
    {
      avd_turn_server_stop (relay->server);
      g_object_unref (relay->server);
    }
  g_object_unref (relay->config);
  if (relay->tmpdir != NULL)
    {
      g_autofree char *cert = g_build_filename (relay->tmpdir, "cert.pem", NULL);
      g_autofree char *key = g_build_filename (relay->tmpdir, "key.pem", NULL);
      g_autofree char *conf = g_build_filename (relay->tmpdir, "avanued.conf", NULL);

      g_unlink (cert);
      g_unlink (key);
      g_unlink (conf);
      g_rmdir (relay->tmpdir);
      g_free (relay->tmpdir);
    }
  g_free (relay);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Relay, relay_free)

static AvdTurnStats
relay_stats (Relay *relay)
{
  AvdTurnStats stats;

  avd_turn_server_get_stats (relay->server, &stats);
  return stats;
}

static guint64
relay_errors (Relay *relay, guint code)
{
  AvdTurnStats stats = relay_stats (relay);

  for (guint i = 0; i < AVD_TURN_N_ERROR_CODES; i++)
    {
      if (avd_turn_error_code_at (i) == code)
        return stats.errors[i];
    }
  g_assert_not_reached ();
}

/* Waits (the workers are other threads) until @cond holds. */
#define WAIT_UNTIL(cond) \
  G_STMT_START \
  { \
    gint64 _deadline = g_get_monotonic_time () + TIMEOUT_MS * 1000; \
    while (!(cond) && g_get_monotonic_time () < _deadline) \
      { \
        g_main_context_iteration (NULL, FALSE); \
        g_usleep (2000); \
      } \
    g_assert_true (cond); \
  } \
  G_STMT_END

/* ---- helpers: a TURN client ---------------------------------------------- */

typedef enum { OVER_UDP, OVER_TCP, OVER_TLS } Over;

typedef struct {
  Over over;
  int fd;
  gnutls_session_t tls;
  gnutls_certificate_credentials_t tls_creds;
  AvdTurnAddr server;
  AvdTurnAddr local;
  char *username;
  char *password;
  guint8 key[16];
  char *realm;
  char *nonce;
  guint8 in[70000];
  gsize in_len;
} Client;

static char *
make_username (gint64 expiry, const char *session)
{
  return g_strdup_printf ("%" G_GINT64_FORMAT ":%s:%s", expiry, session,
                          "abababababababababababababababababababababababababababababababab");
}

static void
client_set_credentials (Client *c, const char *username, const char *secret)
{
  g_autoptr(GBytes) key = NULL;

  g_free (c->username);
  g_free (c->password);
  c->username = g_strdup (username);
  c->password = avanue_turn_credentials_compute_password (secret, username);
  key = avanue_stun_compute_long_term_key (c->username, REALM, c->password);
  memcpy (c->key, g_bytes_get_data (key, NULL), 16);
}

static Client *
client_new_full (Relay *relay, Over over, const char *server_ip, const char *session)
{
  Client *c = g_new0 (Client, 1);
  guint port = over == OVER_TLS ? avd_turn_server_get_tls_port (relay->server)
                                : avd_turn_server_get_port (relay->server);
  g_autofree char *username = make_username (g_get_real_time () / G_USEC_PER_SEC + 3600, session);
  socklen_t len = sizeof (c->local);

  c->over = over;
  c->server = addr_of (server_ip, port);
  c->fd = socket (c->server.sa.sa_family, over == OVER_UDP ? SOCK_DGRAM : SOCK_STREAM, 0);
  g_assert_cmpint (c->fd, >=, 0);
  g_assert_cmpint (connect (c->fd, &c->server.sa, avd_turn_addr_len (&c->server)), ==, 0);
  g_assert_cmpint (getsockname (c->fd, &c->local.sa, &len), ==, 0);
  client_set_credentials (c, username, SECRET);

  if (over == OVER_TLS)
    {
      g_assert_cmpint (gnutls_certificate_allocate_credentials (&c->tls_creds), ==, 0);
      g_assert_cmpint (gnutls_init (&c->tls, GNUTLS_CLIENT), ==, 0);
      g_assert_cmpint (gnutls_set_default_priority (c->tls), ==, 0);
      g_assert_cmpint (gnutls_credentials_set (c->tls, GNUTLS_CRD_CERTIFICATE, c->tls_creds), ==, 0);
      gnutls_transport_set_int (c->tls, c->fd);
      gnutls_handshake_set_timeout (c->tls, TIMEOUT_MS);
      g_assert_cmpint (gnutls_handshake (c->tls), ==, 0);
    }
  return c;
}

static Client *
client_new (Relay *relay, Over over)
{
  return client_new_full (relay, over, "127.0.0.1", "session-1");
}

static void
client_free (Client *c)
{
  if (c->tls != NULL)
    gnutls_deinit (c->tls);
  if (c->tls_creds != NULL)
    gnutls_certificate_free_credentials (c->tls_creds);
  close (c->fd);
  g_free (c->username);
  g_free (c->password);
  g_free (c->realm);
  g_free (c->nonce);
  g_free (c);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Client, client_free)

static void
client_send (Client *c, const guint8 *data, gsize len)
{
  if (c->tls != NULL)
    g_assert_cmpint (gnutls_record_send (c->tls, data, len), ==, (ssize_t) len);
  else
    g_assert_cmpint (send (c->fd, data, len, 0), ==, (ssize_t) len);
}

static gboolean
wait_readable (int fd, int timeout_ms)
{
  struct pollfd pfd = { .fd = fd, .events = POLLIN };

  return poll (&pfd, 1, timeout_ms) == 1;
}

/* The next datagram, or the next frame of the stream; NULL on timeout. */
static GBytes *
client_recv (Client *c, int timeout_ms)
{
  if (c->over == OVER_UDP)
    {
      guint8 buf[70000];
      ssize_t n;

      if (!wait_readable (c->fd, timeout_ms))
        return NULL;
      n = recv (c->fd, buf, sizeof (buf), 0);
      g_assert_cmpint (n, >, 0);
      return g_bytes_new (buf, n);
    }

  for (;;)
    {
      gsize frame_len = 0;
      ssize_t n;

      if (c->in_len >= 4)
        {
          g_assert_true (avanue_stun_peek_frame_length (c->in, c->in_len, &frame_len, NULL));
          if (frame_len <= c->in_len)
            {
              GBytes *frame = g_bytes_new (c->in, frame_len);

              memmove (c->in, c->in + frame_len, c->in_len - frame_len);
              c->in_len -= frame_len;
              return frame;
            }
        }
      if ((c->tls == NULL || gnutls_record_check_pending (c->tls) == 0) && !wait_readable (c->fd, timeout_ms))
        return NULL;
      if (c->tls != NULL)
        n = gnutls_record_recv (c->tls, c->in + c->in_len, sizeof (c->in) - c->in_len);
      else
        n = recv (c->fd, c->in + c->in_len, sizeof (c->in) - c->in_len, 0);
      if (n <= 0)
        return NULL;
      c->in_len += n;
    }
}

static AvanueStunMessage *
request_new (guint method)
{
  AvanueStunMessage *req = avanue_stun_message_new ();

  avanue_stun_message_start (req, method, AVANUE_STUN_CLASS_REQUEST, NULL);
  return req;
}

static void
add_peer (AvanueStunMessage *msg, const AvdTurnAddr *peer)
{
  g_assert_true (avanue_stun_message_add_sockaddr (msg, AVANUE_STUN_ATTRIBUTE_XOR_PEER_ADDRESS, TRUE,
                                                   &peer->sa, avd_turn_addr_len (peer), NULL));
}

static void
add_credentials (Client *c, AvanueStunMessage *req)
{
  g_assert_nonnull (c->nonce);
  g_assert_true (avanue_stun_message_add_string (req, AVANUE_STUN_ATTRIBUTE_USERNAME, c->username, NULL));
  g_assert_true (avanue_stun_message_add_string (req, AVANUE_STUN_ATTRIBUTE_REALM, c->realm, NULL));
  g_assert_true (avanue_stun_message_add_string (req, AVANUE_STUN_ATTRIBUTE_NONCE, c->nonce, NULL));
  g_assert_true (avanue_stun_message_add_message_integrity (req, c->key, 16, NULL));
}

/* Sends @req (adding credentials when @auth, and FINGERPRINT) and returns
 * the response with its transaction ID.  Checks FINGERPRINT and SOFTWARE
 * on every response, and MESSAGE-INTEGRITY on every response to an
 * authenticated request except 401 and 438. */
static AvanueStunMessage *
client_transact (Client *c, AvanueStunMessage *req, gboolean auth)
{
  guint8 tid[12];
  const guint8 *data;
  gsize len;

  if (auth)
    add_credentials (c, req);
  g_assert_true (avanue_stun_message_add_fingerprint (req, NULL));
  memcpy (tid, avanue_stun_message_get_transaction_id (req), 12);
  data = avanue_stun_message_get_data (req, &len);
  client_send (c, data, len);

  for (;;)
    {
      g_autoptr(GBytes) bytes = client_recv (c, TIMEOUT_MS);
      g_autoptr(AvanueStunMessage) resp = avanue_stun_message_new ();
      guint code = 0;

      g_assert_nonnull (bytes);
      if (!avanue_stun_message_parse_bytes (resp, bytes, NULL) ||
          memcmp (avanue_stun_message_get_transaction_id (resp), tid, 12) != 0)
        continue;
      g_assert_true (avanue_stun_message_check_fingerprint (resp, NULL));
      g_assert_true (avanue_stun_message_has_attribute (resp, AVANUE_STUN_ATTRIBUTE_SOFTWARE));
      avanue_stun_message_get_error_code (resp, &code, NULL, NULL);
      if (auth && code != 401 && code != 438)
        g_assert_true (avanue_stun_message_check_integrity (resp, c->key, 16, NULL));
      if (code == 401 || code == 438)
        {
          g_free (c->realm);
          g_free (c->nonce);
          c->realm = avanue_stun_message_get_string (resp, AVANUE_STUN_ATTRIBUTE_REALM, NULL);
          c->nonce = avanue_stun_message_get_string (resp, AVANUE_STUN_ATTRIBUTE_NONCE, NULL);
          g_assert_cmpstr (c->realm, ==, REALM);
          g_assert_nonnull (c->nonce);
          g_assert_false (avanue_stun_message_has_attribute (resp, AVANUE_STUN_ATTRIBUTE_MESSAGE_INTEGRITY));
        }
      return g_steal_pointer (&resp);
    }
}

static guint
error_code (AvanueStunMessage *resp)
{
  guint code = 0;

  if (avanue_stun_message_get_message_class (resp) == AVANUE_STUN_CLASS_SUCCESS_RESPONSE)
    return 0;
  g_assert_true (avanue_stun_message_get_error_code (resp, &code, NULL, NULL));
  return code;
}

/* An unauthenticated request gets 401 with REALM and NONCE. */
static void
client_get_nonce (Client *c)
{
  g_autoptr(AvanueStunMessage) req = request_new (AVANUE_STUN_METHOD_ALLOCATE);
  g_autoptr(AvanueStunMessage) resp = NULL;

  avanue_stun_message_add_uint32 (req, AVANUE_STUN_ATTRIBUTE_REQUESTED_TRANSPORT, 17 << 24, NULL);
  resp = client_transact (c, req, FALSE);
  g_assert_cmpuint (error_code (resp), ==, 401);
}

static AvanueStunMessage *
allocate_request (void)
{
  AvanueStunMessage *req = request_new (AVANUE_STUN_METHOD_ALLOCATE);

  avanue_stun_message_add_uint32 (req, AVANUE_STUN_ATTRIBUTE_REQUESTED_TRANSPORT, 17 << 24, NULL);
  return req;
}

/* 401, then an Allocate that must succeed; returns the relayed address. */
static AvdTurnAddr
client_allocate (Client *c)
{
  g_autoptr(AvanueStunMessage) req = allocate_request ();
  g_autoptr(AvanueStunMessage) resp = NULL;

  if (c->nonce == NULL)
    client_get_nonce (c);
  resp = client_transact (c, req, TRUE);
  g_assert_cmpuint (error_code (resp), ==, 0);
  return xor_address (resp, AVANUE_STUN_ATTRIBUTE_XOR_RELAYED_ADDRESS);
}

static guint
client_simple (Client *c, guint method, const AvdTurnAddr *peer, guint channel)
{
  g_autoptr(AvanueStunMessage) req = request_new (method);
  g_autoptr(AvanueStunMessage) resp = NULL;

  if (channel != 0)
    avanue_stun_message_add_uint32 (req, AVANUE_STUN_ATTRIBUTE_CHANNEL_NUMBER, (guint32) channel << 16, NULL);
  if (peer != NULL)
    add_peer (req, peer);
  resp = client_transact (c, req, TRUE);
  return error_code (resp);
}

static guint
client_create_permission (Client *c, const AvdTurnAddr *peer)
{
  return client_simple (c, AVANUE_STUN_METHOD_CREATE_PERMISSION, peer, 0);
}

static guint
client_channel_bind (Client *c, guint channel, const AvdTurnAddr *peer)
{
  return client_simple (c, AVANUE_STUN_METHOD_CHANNEL_BIND, peer, channel);
}

static guint
client_refresh (Client *c, guint32 lifetime, guint32 *out_lifetime)
{
  g_autoptr(AvanueStunMessage) req = request_new (AVANUE_STUN_METHOD_REFRESH);
  g_autoptr(AvanueStunMessage) resp = NULL;

  avanue_stun_message_add_uint32 (req, AVANUE_STUN_ATTRIBUTE_LIFETIME, lifetime, NULL);
  resp = client_transact (c, req, TRUE);
  if (out_lifetime != NULL)
    g_assert_true (avanue_stun_message_get_uint32 (resp, AVANUE_STUN_ATTRIBUTE_LIFETIME, out_lifetime, NULL));
  return error_code (resp);
}

static void
client_send_indication (Client *c, const AvdTurnAddr *peer, const guint8 *data, gsize len)
{
  g_autoptr(AvanueStunMessage) msg = avanue_stun_message_new ();
  const guint8 *wire;
  gsize wire_len;

  avanue_stun_message_start (msg, AVANUE_STUN_METHOD_SEND, AVANUE_STUN_CLASS_INDICATION, NULL);
  add_peer (msg, peer);
  avanue_stun_message_add_attribute (msg, AVANUE_STUN_ATTRIBUTE_DATA, data, len, NULL);
  wire = avanue_stun_message_get_data (msg, &wire_len);
  client_send (c, wire, wire_len);
}

/* ChannelData, padded to 4 over streams as RFC 8656 §12.5 requires. */
static GBytes *
channel_data (guint16 channel, const guint8 *data, gsize len, gboolean pad)
{
  gsize total = 4 + (pad ? (len + 3) & ~3 : len);
  guint8 *buf = g_malloc0 (total);

  buf[0] = channel >> 8;
  buf[1] = channel;
  buf[2] = len >> 8;
  buf[3] = len;
  memcpy (buf + 4, data, len);
  return g_bytes_new_take (buf, total);
}

static void
client_send_channel_data (Client *c, guint16 channel, const guint8 *data, gsize len)
{
  g_autoptr(GBytes) bytes = channel_data (channel, data, len, c->over != OVER_UDP);
  gsize n;
  const guint8 *p = g_bytes_get_data (bytes, &n);

  client_send (c, p, n);
}

/* ---- helpers: a peer ----------------------------------------------------- */

typedef struct {
  int fd;
  AvdTurnAddr addr;
} Peer;

static Peer *
peer_new (const char *ip)
{
  Peer *p = g_new0 (Peer, 1);
  AvdTurnAddr addr = addr_of (ip, 0);
  socklen_t len = sizeof (p->addr);

  p->fd = socket (addr.sa.sa_family, SOCK_DGRAM, 0);
  g_assert_cmpint (bind (p->fd, &addr.sa, avd_turn_addr_len (&addr)), ==, 0);
  g_assert_cmpint (getsockname (p->fd, &p->addr.sa, &len), ==, 0);
  return p;
}

static void
peer_free (Peer *p)
{
  close (p->fd);
  g_free (p);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Peer, peer_free)

static GBytes *
peer_recv (Peer *p, AvdTurnAddr *out_from, int timeout_ms)
{
  guint8 buf[70000];
  AvdTurnAddr from;
  socklen_t from_len = sizeof (from);
  ssize_t n;

  if (!wait_readable (p->fd, timeout_ms))
    return NULL;
  n = recvfrom (p->fd, buf, sizeof (buf), 0, &from.sa, &from_len);
  g_assert_cmpint (n, >=, 0);
  if (out_from != NULL)
    avd_turn_addr_from_sockaddr (&from.sa, from_len, out_from);
  return g_bytes_new (buf, n);
}

static void
peer_send (Peer *p, const AvdTurnAddr *to, const guint8 *data, gsize len)
{
  g_assert_cmpint (sendto (p->fd, data, len, 0, &to->sa, avd_turn_addr_len (to)), ==, (ssize_t) len);
}

static void
assert_bytes (GBytes *bytes, const guint8 *data, gsize len)
{
  gsize n = 0;
  const guint8 *p;

  g_assert_nonnull (bytes);
  p = g_bytes_get_data (bytes, &n);
  g_assert_cmpmem (p, n, data, len);
}

static void
assert_addr_equal (const AvdTurnAddr *a, const AvdTurnAddr *b)
{
  char sa[AVD_TURN_ADDR_STRLEN], sb[AVD_TURN_ADDR_STRLEN];

  g_assert_cmpstr (avd_turn_addr_to_string (a, sa), ==, avd_turn_addr_to_string (b, sb));
}

/* ---- unit tests without sockets ------------------------------------------ */

static gboolean
policy_allows (AvdTurnPolicy *policy, const char *ip)
{
  AvdTurnAddr addr = addr_of (ip, 9);

  return avd_turn_policy_allows (policy, &addr);
}

static void
test_policy (void)
{
  const char *allowed[] = { "10.1.0.0/16", "fd00::1", NULL };
  const char *denied[] = { "8.8.8.0/24", "2001:db8::/32", NULL };
  const char *bad[] = { "10.0.0.0/33", NULL };
  g_autoptr(AvdTurnPolicy) strict = avd_turn_policy_new (FALSE, NULL, NULL, NULL);
  g_autoptr(AvdTurnPolicy) loopback = avd_turn_policy_new (TRUE, NULL, NULL, NULL);
  g_autoptr(AvdTurnPolicy) lists = avd_turn_policy_new (FALSE, allowed, denied, NULL);
  g_autoptr(GError) error = NULL;
  AvdTurnCidr cidr;

  /* Built-in deny list, both families. */
  for (const char * const *ip = (const char *[]) { "127.0.0.1", "127.255.0.9", "10.0.0.1", "172.16.5.4",
                                                   "172.31.255.255", "192.168.1.1", "169.254.1.1",
                                                   "224.0.0.1", "239.1.1.1", "255.255.255.255",
                                                   "0.0.0.0", "100.64.0.1", "::", "::1", "fe80::1",
                                                   "fc00::1", "fd12:3456::1", "ff02::1",
                                                   "::ffff:10.0.0.1", "::ffff:127.0.0.1",
                                                   "64:ff9b::a00:1", NULL };
       *ip != NULL; ip++)
    g_assert_false (policy_allows (strict, *ip));
  for (const char * const *ip = (const char *[]) { "8.8.8.8", "172.32.0.1", "192.169.0.1", "1.1.1.1",
                                                   "2001:4860::8888", "::ffff:8.8.8.8", NULL };
       *ip != NULL; ip++)
    g_assert_true (policy_allows (strict, *ip));

  /* allow-loopback-peers opens loopback only. */
  g_assert_true (policy_allows (loopback, "127.0.0.1"));
  g_assert_true (policy_allows (loopback, "::1"));
  g_assert_true (policy_allows (loopback, "::ffff:127.0.0.1"));
  g_assert_false (policy_allows (loopback, "10.0.0.1"));
  g_assert_false (policy_allows (loopback, "fe80::1"));

  /* allowed-peers before denied-peers before the built-in list. */
  g_assert_true (policy_allows (lists, "10.1.2.3"));
  g_assert_false (policy_allows (lists, "10.2.0.1"));
  g_assert_true (policy_allows (lists, "fd00::1"));
  g_assert_false (policy_allows (lists, "fd00::2"));
  g_assert_false (policy_allows (lists, "8.8.8.8"));
  g_assert_true (policy_allows (lists, "8.8.9.1"));
  g_assert_false (policy_allows (lists, "2001:db8:1::1"));

  g_assert_null (avd_turn_policy_new (FALSE, bad, NULL, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);

  /* Host bits are cleared. */
  g_assert_true (avd_turn_cidr_parse ("10.1.2.3/8", &cidr));
  g_assert_cmpuint (cidr.prefix_len, ==, 8);
  g_assert_cmpuint (cidr.bytes[0], ==, 10);
  g_assert_cmpuint (cidr.bytes[1], ==, 0);
  g_assert_false (avd_turn_cidr_parse ("nonsense", &cidr));
  g_assert_false (avd_turn_cidr_parse ("1.2.3.4/x", &cidr));
}

static void
test_nonce (void)
{
  guint8 key[AVD_TURN_NONCE_KEY_SIZE] = { 1, 2, 3 };
  guint8 other_key[AVD_TURN_NONCE_KEY_SIZE] = { 9 };
  AvdTurnAddr client = addr_of ("192.0.2.1", 5000);
  AvdTurnAddr same_ip = addr_of ("192.0.2.1", 6000);
  AvdTurnAddr other = addr_of ("192.0.2.2", 5000);
  char nonce[AVD_TURN_NONCE_LEN + 1];
  gint64 now = 1700000000;
  const guint8 *n = (const guint8 *) nonce;

  avd_turn_nonce_make (key, now, &client, nonce);
  g_assert_cmpuint (strlen (nonce), ==, AVD_TURN_NONCE_LEN);
  g_assert_cmpint (avd_turn_nonce_check (key, n, strlen (nonce), now, 600, &client), ==, AVD_TURN_NONCE_VALID);
  g_assert_cmpint (avd_turn_nonce_check (key, n, strlen (nonce), now + 599, 600, &client), ==, AVD_TURN_NONCE_VALID);
  g_assert_cmpint (avd_turn_nonce_check (key, n, strlen (nonce), now + 600, 600, &client), ==, AVD_TURN_NONCE_STALE);
  /* Bound to the IP address, not the port. */
  g_assert_cmpint (avd_turn_nonce_check (key, n, strlen (nonce), now, 600, &same_ip), ==, AVD_TURN_NONCE_VALID);
  g_assert_cmpint (avd_turn_nonce_check (key, n, strlen (nonce), now, 600, &other), ==, AVD_TURN_NONCE_INVALID);
  g_assert_cmpint (avd_turn_nonce_check (other_key, n, strlen (nonce), now, 600, &client), ==, AVD_TURN_NONCE_INVALID);
  /* Minted far in the future: forged. */
  g_assert_cmpint (avd_turn_nonce_check (key, n, strlen (nonce), now - 3600, 600, &client), ==, AVD_TURN_NONCE_INVALID);
  g_assert_cmpint (avd_turn_nonce_check (key, n, 10, now, 600, &client), ==, AVD_TURN_NONCE_INVALID);
  nonce[3] = nonce[3] == 'A' ? 'B' : 'A';
  g_assert_cmpint (avd_turn_nonce_check (key, n, strlen (nonce), now, 600, &client), ==, AVD_TURN_NONCE_INVALID);
  nonce[3] = '"';
  g_assert_cmpint (avd_turn_nonce_check (key, n, strlen (nonce), now, 600, &client), ==, AVD_TURN_NONCE_INVALID);
}

static void
test_username (void)
{
  gint64 expiry = 0;
  const char *session;
  gsize len;
  const char *u = "1700000000:sess-1:abcd";

  g_assert_true (avd_turn_username_get_expiry ((const guint8 *) u, strlen (u), &expiry));
  g_assert_cmpint (expiry, ==, 1700000000);
  g_assert_true (avd_turn_username_get_expiry ((const guint8 *) "42", 2, &expiry));
  g_assert_cmpint (expiry, ==, 42);
  g_assert_false (avd_turn_username_get_expiry ((const guint8 *) "abc:1", 5, &expiry));
  g_assert_false (avd_turn_username_get_expiry ((const guint8 *) "12x", 3, &expiry));
  g_assert_false (avd_turn_username_get_expiry ((const guint8 *) "", 0, &expiry));
  g_assert_false (avd_turn_username_get_expiry ((const guint8 *) "12345678901234567890", 20, &expiry));

  g_assert_true (avd_turn_username_get_session (u, &session, &len));
  g_assert_cmpmem (session, len, "sess-1", 6);
  g_assert_true (avd_turn_username_get_session ("17:alice", &session, &len));
  g_assert_cmpmem (session, len, "alice", 5);
  g_assert_false (avd_turn_username_get_session ("17", &session, &len));
  g_assert_false (avd_turn_username_get_session ("17:", &session, &len));
}

static void
test_keys (void)
{
  const char *secrets[] = { "s1", "", "s2", NULL };
  guint8 keys[AVD_TURN_MAX_SECRETS][AVD_TURN_KEY_SIZE];
  g_autoptr(AvdTurnKeyCache) cache = avd_turn_key_cache_new (2);
  g_autofree char *password = avanue_turn_credentials_compute_password ("s2", "99:u");
  g_autoptr(GBytes) expected = avanue_stun_compute_long_term_key ("99:u", "r", password);
  const guint8 *cached;
  guint n = 0;

  /* Empty secrets are skipped: two keys, the second from "s2". */
  g_assert_cmpuint (avd_turn_derive_keys (secrets, "99:u", (const guint8 *) "r", 1, keys), ==, 2);
  g_assert_cmpmem (keys[1], 16, g_bytes_get_data (expected, NULL), 16);

  cached = avd_turn_key_cache_lookup (cache, secrets, (const guint8 *) "r", 1, "99:u", &n);
  g_assert_cmpuint (n, ==, 2);
  g_assert_cmpmem (cached + 16, 16, g_bytes_get_data (expected, NULL), 16);
  avd_turn_key_cache_lookup (cache, secrets, (const guint8 *) "r", 1, "98:v", &n);
  g_assert_cmpuint (avd_turn_key_cache_size (cache), ==, 2);
  /* Bounded: a third entry starts over. */
  avd_turn_key_cache_lookup (cache, secrets, (const guint8 *) "r", 1, "97:w", &n);
  g_assert_cmpuint (avd_turn_key_cache_size (cache), ==, 1);
  g_assert_null (avd_turn_key_cache_lookup (cache, NULL, (const guint8 *) "r", 1, "96:x", &n));
  g_assert_cmpuint (n, ==, 0);
}

static void
test_allocation (void)
{
  AvdTurnAllocation *a = avd_turn_allocation_new ();
  AvdTurnAddr p1 = addr_of ("198.51.100.1", 1000);
  AvdTurnAddr p1_other_port = addr_of ("198.51.100.1", 2000);
  AvdTurnAddr p2 = addr_of ("198.51.100.2", 1000);
  AvdTurnAllocationTable table;
  AvdTurnAllocation *many[200];

  /* Permissions are per IP address and expire. */
  g_assert_false (avd_turn_allocation_has_permission (a, &p1, 0));
  g_assert_true (avd_turn_allocation_add_permission (a, &p1, 300));
  g_assert_true (avd_turn_allocation_has_permission (a, &p1_other_port, 299));
  g_assert_false (avd_turn_allocation_has_permission (a, &p1, 300));
  g_assert_false (avd_turn_allocation_has_permission (a, &p2, 0));

  /* Channels: number ↔ transport address, both ways unique, with the
   * 5-minute cool-down after expiry. */
  g_assert_cmpint (avd_turn_allocation_bind_channel (a, 0x4000, &p1, 0, 600), ==, AVD_TURN_BIND_OK);
  g_assert_cmpint (avd_turn_allocation_bind_channel (a, 0x4000, &p1, 10, 610), ==, AVD_TURN_BIND_OK);
  g_assert_cmpint (avd_turn_allocation_bind_channel (a, 0x4000, &p2, 10, 610), ==, AVD_TURN_BIND_CONFLICT);
  g_assert_cmpint (avd_turn_allocation_bind_channel (a, 0x4001, &p1, 10, 610), ==, AVD_TURN_BIND_CONFLICT);
  g_assert_cmpint (avd_turn_allocation_bind_channel (a, 0x4001, &p1_other_port, 10, 610), ==, AVD_TURN_BIND_OK);
  g_assert_nonnull (avd_turn_allocation_channel_by_number (a, 0x4000, 609));
  g_assert_null (avd_turn_allocation_channel_by_number (a, 0x4000, 610));
  g_assert_nonnull (avd_turn_allocation_channel_by_peer (a, &p1_other_port, 0));
  g_assert_null (avd_turn_allocation_channel_by_peer (a, &p2, 0));
  avd_turn_allocation_prune (a, 700);
  g_assert_cmpuint (a->n_permissions, ==, 0);
  g_assert_cmpuint (a->n_channels, ==, 2);
  g_assert_cmpint (avd_turn_allocation_bind_channel (a, 0x4000, &p2, 700, 1300), ==, AVD_TURN_BIND_CONFLICT);
  avd_turn_allocation_prune (a, 910);
  g_assert_cmpuint (a->n_channels, ==, 0);
  g_assert_cmpint (avd_turn_allocation_bind_channel (a, 0x4000, &p2, 910, 1500), ==, AVD_TURN_BIND_OK);

  /* Bandwidth: 8000 bit/s is 1000 bytes a second, 1500 of burst. */
  g_assert_true (avd_turn_allocation_take_tokens (a, 0, 1 << 20, 0));
  g_assert_true (avd_turn_allocation_take_tokens (a, 8000, 1000, 1000000));
  g_assert_true (avd_turn_allocation_take_tokens (a, 8000, 500, 1000000));
  g_assert_false (avd_turn_allocation_take_tokens (a, 8000, 1, 1000000));
  g_assert_false (avd_turn_allocation_take_tokens (a, 8000, 200, 1100000));
  g_assert_true (avd_turn_allocation_take_tokens (a, 8000, 100, 1100000));
  avd_turn_allocation_free (a);

  /* The table grows and shrinks and finds every entry. */
  avd_turn_allocation_table_init (&table);
  for (guint i = 0; i < G_N_ELEMENTS (many); i++)
    {
      many[i] = avd_turn_allocation_new ();
      many[i]->listener = i % 3;
      many[i]->client = addr_of (i % 2 ? "203.0.113.7" : "2001:db8::7", 1000 + i);
      avd_turn_allocation_table_insert (&table, many[i]);
    }
  for (guint i = 0; i < G_N_ELEMENTS (many); i++)
    g_assert_true (avd_turn_allocation_table_lookup (&table, i % 3, &many[i]->client) == many[i]);
  g_assert_null (avd_turn_allocation_table_lookup (&table, 1, &many[0]->client));
  for (guint i = 0; i < G_N_ELEMENTS (many); i++)
    {
      avd_turn_allocation_table_remove (&table, many[i]);
      g_assert_null (avd_turn_allocation_table_lookup (&table, i % 3, &many[i]->client));
      avd_turn_allocation_free (many[i]);
    }
  g_assert_cmpuint (table.n_entries, ==, 0);
  avd_turn_allocation_table_clear (&table);
}

/* ---- the relay over sockets ---------------------------------------------- */

static void
test_binding (void)
{
  g_autoptr(Relay) relay = relay_new ();
  g_autoptr(Client) c = NULL;
  g_autoptr(Client) t = NULL;
  g_autoptr(AvanueStunMessage) req = request_new (AVANUE_STUN_METHOD_BINDING);
  g_autoptr(AvanueStunMessage) req2 = request_new (AVANUE_STUN_METHOD_BINDING);
  g_autoptr(AvanueStunMessage) resp = NULL;
  g_autoptr(AvanueStunMessage) resp2 = NULL;
  AvdTurnAddr mapped;

  relay_start (relay);
  c = client_new (relay, OVER_UDP);
  resp = client_transact (c, req, FALSE);
  g_assert_cmpint (avanue_stun_message_get_message_class (resp), ==, AVANUE_STUN_CLASS_SUCCESS_RESPONSE);
  g_assert_cmpuint (avanue_stun_message_get_method (resp), ==, AVANUE_STUN_METHOD_BINDING);
  mapped = xor_address (resp, AVANUE_STUN_ATTRIBUTE_XOR_MAPPED_ADDRESS);
  assert_addr_equal (&mapped, &c->local);

  /* The same port number serves TCP (DESIGN §7). */
  t = client_new (relay, OVER_TCP);
  resp2 = client_transact (t, req2, FALSE);
  mapped = xor_address (resp2, AVANUE_STUN_ATTRIBUTE_XOR_MAPPED_ADDRESS);
  assert_addr_equal (&mapped, &t->local);
  g_assert_cmpuint (relay_stats (relay).requests, ==, 2);
}

static void
test_allocate (void)
{
  g_autoptr(Relay) relay = relay_new ();
  g_autoptr(Client) c = NULL;
  g_autoptr(AvanueStunMessage) req = allocate_request ();
  g_autoptr(AvanueStunMessage) resp = NULL;
  g_autoptr(AvanueStunMessage) again = NULL;
  g_autoptr(AvanueStunMessage) other = allocate_request ();
  g_autoptr(AvanueStunMessage) other_resp = NULL;
  g_autoptr(AvanueStunMessage) no_transport = request_new (AVANUE_STUN_METHOD_ALLOCATE);
  g_autoptr(AvanueStunMessage) tcp_transport = request_new (AVANUE_STUN_METHOD_ALLOCATE);
  g_autoptr(AvanueStunMessage) resp_nt = NULL;
  g_autoptr(AvanueStunMessage) resp_tcp = NULL;
  g_autoptr(Client) c2 = NULL;
  AvdTurnAddr relayed, mapped;
  guint32 lifetime = 0;
  const guint8 *data;
  gsize len;

  relay_start (relay);
  c = client_new (relay, OVER_UDP);

  /* Without credentials: 401 with REALM and NONCE, no MESSAGE-INTEGRITY. */
  client_get_nonce (c);
  g_assert_cmpuint (relay_errors (relay, 401), ==, 1);

  /* With them: relayed and mapped addresses, the default lifetime. */
  resp = client_transact (c, req, TRUE);
  g_assert_cmpuint (error_code (resp), ==, 0);
  g_assert_cmpuint (count_attributes (resp, AVANUE_STUN_ATTRIBUTE_XOR_RELAYED_ADDRESS), ==, 1);
  relayed = xor_address (resp, AVANUE_STUN_ATTRIBUTE_XOR_RELAYED_ADDRESS);
  g_assert_cmpint (relayed.sa.sa_family, ==, AF_INET);
  g_assert_cmpuint (g_ntohl (relayed.in.sin_addr.s_addr), ==, 0x7F000001);
  g_assert_cmpuint (avd_turn_addr_get_port (&relayed), >=, 40000);
  g_assert_cmpuint (avd_turn_addr_get_port (&relayed), <=, 40999);
  mapped = xor_address (resp, AVANUE_STUN_ATTRIBUTE_XOR_MAPPED_ADDRESS);
  assert_addr_equal (&mapped, &c->local);
  g_assert_true (avanue_stun_message_get_uint32 (resp, AVANUE_STUN_ATTRIBUTE_LIFETIME, &lifetime, NULL));
  g_assert_cmpuint (lifetime, ==, 600);
  WAIT_UNTIL (relay_stats (relay).allocations == 1);

  /* A retransmission (same transaction) gets the same answer. */
  data = avanue_stun_message_get_data (req, &len);
  client_send (c, data, len);
  {
    g_autoptr(GBytes) bytes = client_recv (c, TIMEOUT_MS);

    again = avanue_stun_message_new ();
    g_assert_true (avanue_stun_message_parse_bytes (again, bytes, NULL));
    g_assert_cmpuint (error_code (again), ==, 0);
    mapped = xor_address (again, AVANUE_STUN_ATTRIBUTE_XOR_RELAYED_ADDRESS);
    assert_addr_equal (&mapped, &relayed);
  }
  /* A new Allocate on the same 5-tuple: 437. */
  other_resp = client_transact (c, other, TRUE);
  g_assert_cmpuint (error_code (other_resp), ==, 437);
  g_assert_cmpuint (relay_stats (relay).allocations, ==, 1);

  /* No REQUESTED-TRANSPORT: 400; TCP (6): 442. */
  c2 = client_new (relay, OVER_UDP);
  client_get_nonce (c2);
  resp_nt = client_transact (c2, no_transport, TRUE);
  g_assert_cmpuint (error_code (resp_nt), ==, 400);
  avanue_stun_message_add_uint32 (tcp_transport, AVANUE_STUN_ATTRIBUTE_REQUESTED_TRANSPORT, 6 << 24, NULL);
  resp_tcp = client_transact (c2, tcp_transport, TRUE);
  g_assert_cmpuint (error_code (resp_tcp), ==, 442);

  /* Refresh: longer up to the maximum. */
  g_assert_cmpuint (client_refresh (c, 100000, &lifetime), ==, 0);
  g_assert_cmpuint (lifetime, ==, 3600);
  g_assert_cmpuint (client_refresh (c, 1200, &lifetime), ==, 0);
  g_assert_cmpuint (lifetime, ==, 1200);
  /* Lifetime 0 deletes; then the 5-tuple has no allocation: 437. */
  g_assert_cmpuint (client_refresh (c, 0, &lifetime), ==, 0);
  g_assert_cmpuint (lifetime, ==, 0);
  WAIT_UNTIL (relay_stats (relay).allocations == 0);
  g_assert_cmpuint (client_refresh (c, 600, NULL), ==, 437);
  g_assert_cmpuint (client_create_permission (c, &relayed), ==, 437);
  g_assert_cmpuint (client_channel_bind (c, 0x4000, &relayed), ==, 437);
  g_assert_cmpuint (relay_errors (relay, 437), ==, 4);
  g_assert_cmpuint (relay_stats (relay).allocations_created, ==, 1);

  /* The relay port is free again: a new allocation works. */
  client_allocate (c);
  WAIT_UNTIL (relay_stats (relay).allocations == 1);
}

static void
test_credentials (void)
{
  g_autoptr(Relay) relay = relay_new ();
  g_autoptr(Client) c = NULL;
  g_autofree char *expired = make_username (g_get_real_time () / G_USEC_PER_SEC - 10, "s");
  g_autofree char *far = make_username (g_get_real_time () / G_USEC_PER_SEC + 86400 * 400, "s");
  g_autofree char *good_realm = NULL;
  g_autoptr(AvanueStunMessage) missing = allocate_request ();
  g_autoptr(AvanueStunMessage) missing_resp = NULL;
  g_autofree char *username = NULL;

  relay_start (relay);
  c = client_new (relay, OVER_UDP);
  client_get_nonce (c);
  username = g_strdup (c->username);

  /* Wrong password (another secret). */
  client_set_credentials (c, username, "not-the-secret");
  {
    g_autoptr(AvanueStunMessage) req = allocate_request ();
    g_autoptr(AvanueStunMessage) resp = client_transact (c, req, TRUE);

    g_assert_cmpuint (error_code (resp), ==, 401);
  }
  /* Expired username. */
  client_set_credentials (c, expired, SECRET);
  {
    g_autoptr(AvanueStunMessage) req = allocate_request ();
    g_autoptr(AvanueStunMessage) resp = client_transact (c, req, TRUE);

    g_assert_cmpuint (error_code (resp), ==, 401);
  }
  /* Wrong realm. */
  client_set_credentials (c, username, SECRET);
  good_realm = g_steal_pointer (&c->realm);
  c->realm = g_strdup ("other.realm");
  {
    g_autoptr(AvanueStunMessage) req = allocate_request ();
    g_autoptr(AvanueStunMessage) resp = client_transact (c, req, TRUE);

    g_assert_cmpuint (error_code (resp), ==, 401);
  }
  /* MESSAGE-INTEGRITY without NONCE: 400. */
  avanue_stun_message_add_string (missing, AVANUE_STUN_ATTRIBUTE_USERNAME, username, NULL);
  avanue_stun_message_add_string (missing, AVANUE_STUN_ATTRIBUTE_REALM, REALM, NULL);
  avanue_stun_message_add_message_integrity (missing, c->key, 16, NULL);
  missing_resp = client_transact (c, missing, FALSE);
  g_assert_cmpuint (error_code (missing_resp), ==, 400);
  g_assert_cmpuint (relay_errors (relay, 401), ==, 4);

  /* The rotated-out secret still works, and an expiry a year ahead too. */
  g_free (c->realm);
  c->realm = g_strdup (REALM);
  client_set_credentials (c, far, OLD_SECRET);
  client_allocate (c);

  /* A second username on the same 5-tuple: 441. */
  client_set_credentials (c, username, SECRET);
  g_assert_cmpuint (client_refresh (c, 600, NULL), ==, 441);
  client_set_credentials (c, far, OLD_SECRET);
  g_assert_cmpuint (client_refresh (c, 600, NULL), ==, 0);
}

static void
test_stale_nonce (void)
{
  g_autoptr(Relay) relay = relay_new ();
  g_autoptr(Client) c = NULL;
  g_autoptr(AvanueStunMessage) req = allocate_request ();
  g_autoptr(AvanueStunMessage) resp = NULL;
  g_autoptr(AvanueStunMessage) forged = allocate_request ();
  g_autoptr(AvanueStunMessage) forged_resp = NULL;
  g_autofree char *old_nonce = NULL;

  relay_start (relay);
  avd_turn_server_set_nonce_lifetime (relay->server, 1);
  c = client_new (relay, OVER_UDP);
  client_get_nonce (c);
  old_nonce = g_strdup (c->nonce);
  g_usleep (2100 * 1000);

  /* 438 with REALM and a fresh NONCE, then success with it. */
  resp = client_transact (c, req, TRUE);
  g_assert_cmpuint (error_code (resp), ==, 438);
  g_assert_cmpstr (c->nonce, !=, old_nonce);
  client_allocate (c);

  /* A nonce the relay never made: 438 too. */
  g_free (c->nonce);
  c->nonce = g_strdup ("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
  forged_resp = client_transact (c, forged, TRUE);
  g_assert_cmpuint (error_code (forged_resp), ==, 438);
  g_assert_cmpuint (relay_errors (relay, 438), ==, 2);
}

static void
test_send_data (void)
{
  g_autoptr(Relay) relay = relay_new ();
  g_autoptr(Client) c = NULL;
  g_autoptr(Peer) peer = peer_new ("127.0.0.1");
  g_autoptr(GBytes) nothing = NULL;
  g_autoptr(GBytes) got = NULL;
  g_autoptr(GBytes) data_ind = NULL;
  g_autoptr(AvanueStunMessage) ind = avanue_stun_message_new ();
  static const guint8 hello[] = "hello, peer";
  static const guint8 reply[] = "hi client!";
  AvdTurnAddr relayed, from, xor_peer;
  const guint8 *payload;
  gsize payload_len = 0;

  relay_start (relay);
  c = client_new (relay, OVER_UDP);
  relayed = client_allocate (c);

  /* No permission yet: dropped, both ways. */
  client_send_indication (c, &peer->addr, hello, sizeof (hello));
  nothing = peer_recv (peer, NULL, SHORT_MS);
  g_assert_null (nothing);
  peer_send (peer, &relayed, reply, sizeof (reply));
  g_assert_null (client_recv (c, SHORT_MS));

  g_assert_cmpuint (client_create_permission (c, &peer->addr), ==, 0);
  client_send_indication (c, &peer->addr, hello, sizeof (hello));
  got = peer_recv (peer, &from, TIMEOUT_MS);
  assert_bytes (got, hello, sizeof (hello));
  assert_addr_equal (&from, &relayed);

  /* The peer answers: a Data indication with its address. */
  peer_send (peer, &relayed, reply, sizeof (reply));
  data_ind = client_recv (c, TIMEOUT_MS);
  g_assert_nonnull (data_ind);
  g_assert_true (avanue_stun_message_parse_bytes (ind, data_ind, NULL));
  g_assert_cmpint (avanue_stun_message_get_message_class (ind), ==, AVANUE_STUN_CLASS_INDICATION);
  g_assert_cmpuint (avanue_stun_message_get_method (ind), ==, AVANUE_STUN_METHOD_DATA);
  xor_peer = xor_address (ind, AVANUE_STUN_ATTRIBUTE_XOR_PEER_ADDRESS);
  assert_addr_equal (&xor_peer, &peer->addr);
  payload = avanue_stun_message_get_attribute (ind, AVANUE_STUN_ATTRIBUTE_DATA, &payload_len);
  g_assert_cmpmem (payload, payload_len, reply, sizeof (reply));

  /* The permission is per IP address: another port of the peer's host
   * passes too. */
  {
    g_autoptr(Peer) peer2 = peer_new ("127.0.0.1");
    g_autoptr(GBytes) got2 = NULL;

    client_send_indication (c, &peer2->addr, hello, 3);
    got2 = peer_recv (peer2, NULL, TIMEOUT_MS);
    assert_bytes (got2, hello, 3);
  }
  WAIT_UNTIL (relay_stats (relay).packets_relayed == 3);
  g_assert_cmpuint (relay_stats (relay).bytes_relayed, ==, sizeof (hello) + sizeof (reply) + 3);
}

static void
test_channels (void)
{
  g_autoptr(Relay) relay = relay_new ();
  g_autoptr(Client) c = NULL;
  g_autoptr(Peer) peer = peer_new ("127.0.0.1");
  g_autoptr(Peer) peer2 = peer_new ("127.0.0.1");
  g_autoptr(GBytes) got = NULL;
  g_autoptr(GBytes) frame = NULL;
  g_autoptr(GBytes) expected = NULL;
  static const guint8 up[] = { 1, 2, 3, 4, 5, 6, 7 };
  static const guint8 down[] = { 9, 8, 7 };
  AvdTurnAddr relayed, from;

  relay_start (relay);
  c = client_new (relay, OVER_UDP);
  relayed = client_allocate (c);

  /* Out-of-range channel numbers: 400. */
  g_assert_cmpuint (client_channel_bind (c, 0x3FFF, &peer->addr), ==, 400);
  g_assert_cmpuint (client_channel_bind (c, 0x8000, &peer->addr), ==, 400);
  g_assert_cmpuint (client_channel_bind (c, 0x4001, &peer->addr), ==, 0);
  /* Refreshing the same binding is fine; rebinding the number or the
   * peer elsewhere is not. */
  g_assert_cmpuint (client_channel_bind (c, 0x4001, &peer->addr), ==, 0);
  g_assert_cmpuint (client_channel_bind (c, 0x4001, &peer2->addr), ==, 400);
  g_assert_cmpuint (client_channel_bind (c, 0x4002, &peer->addr), ==, 400);

  /* Client → peer: the payload only, from the relayed address. */
  client_send_channel_data (c, 0x4001, up, sizeof (up));
  got = peer_recv (peer, &from, TIMEOUT_MS);
  assert_bytes (got, up, sizeof (up));
  assert_addr_equal (&from, &relayed);

  /* Peer → client: ChannelData (the binding made a permission). */
  peer_send (peer, &relayed, down, sizeof (down));
  frame = client_recv (c, TIMEOUT_MS);
  expected = channel_data (0x4001, down, sizeof (down), FALSE);
  g_assert_true (g_bytes_equal (frame, expected));

  /* Unbound channel, short ChannelData: dropped. */
  client_send_channel_data (c, 0x4005, up, sizeof (up));
  client_send (c, (const guint8 *) "\x40\x01\x00\x10\x01", 5);
  g_assert_null (peer_recv (peer, NULL, SHORT_MS));

  /* Many round trips, as a call would. */
  for (int i = 0; i < 200; i++)
    {
      guint8 payload[160];
      g_autoptr(GBytes) a = NULL;
      g_autoptr(GBytes) b = NULL;
      g_autoptr(GBytes) eb = NULL;

      memset (payload, i, sizeof (payload));
      client_send_channel_data (c, 0x4001, payload, sizeof (payload));
      a = peer_recv (peer, NULL, TIMEOUT_MS);
      assert_bytes (a, payload, sizeof (payload));
      peer_send (peer, &relayed, payload, sizeof (payload) - 1);
      b = client_recv (c, TIMEOUT_MS);
      eb = channel_data (0x4001, payload, sizeof (payload) - 1, FALSE);
      g_assert_true (g_bytes_equal (b, eb));
    }
  WAIT_UNTIL (relay_stats (relay).packets_relayed == 402);
}

static void
test_even_port (void)
{
  g_autoptr(Relay) relay = relay_new ();
  g_autoptr(Client) rtp = NULL;
  g_autoptr(Client) rtcp = NULL;
  g_autoptr(Client) plain = NULL;
  g_autoptr(AvanueStunMessage) req = allocate_request ();
  g_autoptr(AvanueStunMessage) resp = NULL;
  g_autoptr(AvanueStunMessage) req2 = allocate_request ();
  g_autoptr(AvanueStunMessage) resp2 = NULL;
  g_autoptr(AvanueStunMessage) again = allocate_request ();
  g_autoptr(AvanueStunMessage) again_resp = NULL;
  g_autoptr(AvanueStunMessage) req3 = allocate_request ();
  g_autoptr(AvanueStunMessage) resp3 = NULL;
  static const guint8 r_bit = 0x80, no_r = 0x00;
  AvdTurnAddr first, second, third;
  guint64 token = 0;

  relay_start (relay);
  rtp = client_new (relay, OVER_UDP);
  client_get_nonce (rtp);
  avanue_stun_message_add_attribute (req, AVANUE_STUN_ATTRIBUTE_EVEN_PORT, &r_bit, 1, NULL);
  resp = client_transact (rtp, req, TRUE);
  g_assert_cmpuint (error_code (resp), ==, 0);
  first = xor_address (resp, AVANUE_STUN_ATTRIBUTE_XOR_RELAYED_ADDRESS);
  g_assert_cmpuint (avd_turn_addr_get_port (&first) % 2, ==, 0);
  g_assert_true (avanue_stun_message_get_uint64 (resp, AVANUE_STUN_ATTRIBUTE_RESERVATION_TOKEN, &token, NULL));

  /* Another client (maybe another worker) claims the next port. */
  rtcp = client_new (relay, OVER_UDP);
  client_get_nonce (rtcp);
  avanue_stun_message_add_uint64 (req2, AVANUE_STUN_ATTRIBUTE_RESERVATION_TOKEN, token, NULL);
  resp2 = client_transact (rtcp, req2, TRUE);
  g_assert_cmpuint (error_code (resp2), ==, 0);
  second = xor_address (resp2, AVANUE_STUN_ATTRIBUTE_XOR_RELAYED_ADDRESS);
  g_assert_cmpuint (avd_turn_addr_get_port (&second), ==, avd_turn_addr_get_port (&first) + 1);

  /* A token works once. */
  plain = client_new (relay, OVER_UDP);
  client_get_nonce (plain);
  avanue_stun_message_add_uint64 (again, AVANUE_STUN_ATTRIBUTE_RESERVATION_TOKEN, token, NULL);
  again_resp = client_transact (plain, again, TRUE);
  g_assert_cmpuint (error_code (again_resp), ==, 508);

  /* EVEN-PORT without R: an even port, no token. */
  avanue_stun_message_add_attribute (req3, AVANUE_STUN_ATTRIBUTE_EVEN_PORT, &no_r, 1, NULL);
  resp3 = client_transact (plain, req3, TRUE);
  g_assert_cmpuint (error_code (resp3), ==, 0);
  third = xor_address (resp3, AVANUE_STUN_ATTRIBUTE_XOR_RELAYED_ADDRESS);
  g_assert_cmpuint (avd_turn_addr_get_port (&third) % 2, ==, 0);
  g_assert_false (avanue_stun_message_has_attribute (resp3, AVANUE_STUN_ATTRIBUTE_RESERVATION_TOKEN));
}

static void
test_denied_peers (void)
{
  g_autoptr(Relay) relay = relay_new ();
  g_autoptr(Client) c = NULL;
  AvdTurnAddr loopback = addr_of ("127.0.0.1", 9999);
  AvdTurnAddr private = addr_of ("10.0.0.1", 9999);
  AvdTurnAddr allowed_private = addr_of ("10.1.2.3", 9999);
  AvdTurnAddr public = addr_of ("8.8.4.4", 9999);
  AvdTurnAddr denied_public = addr_of ("8.8.8.8", 9999);
  AvdTurnAddr v6 = addr_of ("2001:db8::1", 9999);
  AvdTurnAddr mapped = addr_of ("::ffff:10.0.0.1", 9999);

  relay_config (relay, "turn", "allow-loopback-peers", "false");
  relay_config (relay, "turn", "allowed-peers", "10.1.0.0/16");
  relay_config (relay, "turn", "denied-peers", "8.8.8.0/24");
  relay_start (relay);
  c = client_new (relay, OVER_UDP);
  client_allocate (c);

  /* No datagram is sent to any of these: permissions only. */
  g_assert_cmpuint (client_create_permission (c, &loopback), ==, 403);
  g_assert_cmpuint (client_create_permission (c, &private), ==, 403);
  g_assert_cmpuint (client_channel_bind (c, 0x4000, &private), ==, 403);
  g_assert_cmpuint (client_create_permission (c, &denied_public), ==, 403);
  g_assert_cmpuint (client_create_permission (c, &allowed_private), ==, 0);
  g_assert_cmpuint (client_create_permission (c, &public), ==, 0);
  /* An IPv6 peer on an IPv4 allocation: 443. */
  g_assert_cmpuint (client_create_permission (c, &v6), ==, 443);
  g_assert_cmpuint (client_create_permission (c, &mapped), ==, 443);
  g_assert_cmpuint (relay_errors (relay, 403), ==, 4);

  /* All or nothing: one bad peer fails the whole request. */
  {
    g_autoptr(AvanueStunMessage) req = request_new (AVANUE_STUN_METHOD_CREATE_PERMISSION);
    g_autoptr(AvanueStunMessage) resp = NULL;

    add_peer (req, &public);
    add_peer (req, &private);
    resp = client_transact (c, req, TRUE);
    g_assert_cmpuint (error_code (resp), ==, 403);
  }
}

static void
test_quota (void)
{
  g_autoptr(Relay) relay = relay_new ();
  g_autoptr(Client) a = NULL;
  g_autoptr(Client) b = NULL;
  g_autoptr(Client) c = NULL;
  g_autoptr(Client) d = NULL;
  g_autoptr(AvanueStunMessage) req = allocate_request ();
  g_autoptr(AvanueStunMessage) resp = NULL;

  relay_config (relay, "turn", "user-quota", "2");
  relay_config (relay, "turn", "total-quota", "3");
  relay_start (relay);
  a = client_new_full (relay, OVER_UDP, "127.0.0.1", "s1");
  b = client_new_full (relay, OVER_UDP, "127.0.0.1", "s1");
  c = client_new_full (relay, OVER_UDP, "127.0.0.1", "s1");
  client_set_credentials (b, a->username, SECRET);
  client_set_credentials (c, a->username, SECRET);

  client_allocate (a);
  client_allocate (b);
  client_get_nonce (c);
  resp = client_transact (c, req, TRUE);
  g_assert_cmpuint (error_code (resp), ==, 486);

  /* Another user still gets one: the total quota is 3… */
  d = client_new_full (relay, OVER_UDP, "127.0.0.1", "s2");
  client_allocate (d);
  WAIT_UNTIL (relay_stats (relay).allocations == 3);
  /* …and then it is reached. */
  client_set_credentials (c, d->username, SECRET);
  {
    g_autoptr(AvanueStunMessage) req2 = allocate_request ();
    g_autoptr(AvanueStunMessage) resp2 = client_transact (c, req2, TRUE);

    g_assert_cmpuint (error_code (resp2), ==, 486);
  }
  /* A deallocation frees quota. */
  g_assert_cmpuint (client_refresh (a, 0, NULL), ==, 0);
  WAIT_UNTIL (relay_stats (relay).allocations == 2);
  client_set_credentials (c, a->username, SECRET);
  client_allocate (c);
  g_assert_cmpuint (relay_errors (relay, 486), ==, 2);
}

static void
test_blocked_session (void)
{
  g_autoptr(Relay) relay = relay_new ();
  g_autoptr(Client) c = NULL;
  g_autoptr(AvanueStunMessage) req = allocate_request ();
  g_autoptr(AvanueStunMessage) resp = NULL;

  relay_start (relay);
  avd_turn_server_block_session (relay->server, "over-quota");
  c = client_new_full (relay, OVER_UDP, "127.0.0.1", "over-quota");
  client_get_nonce (c);
  resp = client_transact (c, req, TRUE);
  g_assert_cmpuint (error_code (resp), ==, 486);
  avd_turn_server_unblock_session (relay->server, "over-quota");
  /* The workers apply it before any later packet. */
  client_allocate (c);
}

typedef struct {
  GHashTable *bytes; /* username → total */
  guint emissions;
} Usage;

static void
usage_cb (AvdTurnServer *server, const char *username, guint64 bytes, Usage *usage)
{
  guint64 total = GPOINTER_TO_SIZE (g_hash_table_lookup (usage->bytes, username));

  g_assert_true (g_main_context_is_owner (g_main_context_default ()));
  g_hash_table_replace (usage->bytes, g_strdup (username), GSIZE_TO_POINTER (total + bytes));
  usage->emissions++;
}

static void
test_usage_and_revoke (void)
{
  g_autoptr(Relay) relay = relay_new ();
  g_autoptr(Client) c = NULL;
  g_autoptr(Client) other = NULL;
  g_autoptr(Peer) peer = peer_new ("127.0.0.1");
  g_autoptr(AvanueStunMessage) req = allocate_request ();
  g_autoptr(AvanueStunMessage) resp = NULL;
  Usage usage = { g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL), 0 };
  AvdTurnAddr relayed;
  guint8 payload[100] = { 0 };

  relay_start (relay);
  g_signal_connect (relay->server, "usage", G_CALLBACK (usage_cb), &usage);
  c = client_new (relay, OVER_UDP);
  relayed = client_allocate (c);
  g_assert_cmpuint (client_channel_bind (c, 0x4000, &peer->addr), ==, 0);
  for (int i = 0; i < 5; i++)
    {
      g_autoptr(GBytes) up = NULL;
      g_autoptr(GBytes) down = NULL;

      client_send_channel_data (c, 0x4000, payload, sizeof (payload));
      up = peer_recv (peer, NULL, TIMEOUT_MS);
      g_assert_nonnull (up);
      peer_send (peer, &relayed, payload, 50);
      down = client_recv (c, TIMEOUT_MS);
      g_assert_nonnull (down);
    }

  /* Revoked: the allocation ends (its usage is reported, on the main
   * thread), requests get 403, data no longer flows. */
  avd_turn_server_revoke_username (relay->server, c->username);
  WAIT_UNTIL (relay_stats (relay).allocations == 0);
  WAIT_UNTIL (GPOINTER_TO_SIZE (g_hash_table_lookup (usage.bytes, c->username)) == 5 * 150);
  peer_send (peer, &relayed, payload, 50);
  g_assert_null (client_recv (c, SHORT_MS));
  resp = client_transact (c, req, TRUE);
  g_assert_cmpuint (error_code (resp), ==, 403);

  /* Others are not affected. */
  other = client_new_full (relay, OVER_UDP, "127.0.0.1", "other");
  client_allocate (other);
  g_assert_cmpuint (g_hash_table_size (usage.bytes), ==, 1);
  g_hash_table_unref (usage.bytes);
}

static void
test_periodic_usage (void)
{
  g_autoptr(Relay) relay = relay_new ();
  g_autoptr(Client) c = NULL;
  g_autoptr(Peer) peer = peer_new ("127.0.0.1");
  Usage usage = { g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL), 0 };
  guint8 payload[64] = { 0 };
  g_autoptr(GBytes) up = NULL;
  gint64 deadline;

  relay_start (relay);
  g_signal_connect (relay->server, "usage", G_CALLBACK (usage_cb), &usage);
  c = client_new (relay, OVER_UDP);
  client_allocate (c);
  g_assert_cmpuint (client_create_permission (c, &peer->addr), ==, 0);
  client_send_indication (c, &peer->addr, payload, sizeof (payload));
  up = peer_recv (peer, NULL, TIMEOUT_MS);
  g_assert_nonnull (up);

  /* Reported while the allocation lives, within a few seconds. */
  deadline = g_get_monotonic_time () + 6 * G_USEC_PER_SEC;
  while (GPOINTER_TO_SIZE (g_hash_table_lookup (usage.bytes, c->username)) != 64 &&
         g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpuint (GPOINTER_TO_SIZE (g_hash_table_lookup (usage.bytes, c->username)), ==, 64);
  g_assert_cmpuint (relay_stats (relay).allocations, ==, 1);
  g_hash_table_unref (usage.bytes);
}

static void
test_expiry (void)
{
  g_autoptr(Relay) relay = relay_new ();
  g_autoptr(Client) c = NULL;
  g_autoptr(Peer) peer = peer_new ("127.0.0.1");
  guint8 byte = 7;
  AvdTurnAddr relayed;

  relay_start (relay);
  avd_turn_server_set_lifetimes (relay->server, 2, 10, 1, 1);
  c = client_new (relay, OVER_UDP);
  relayed = client_allocate (c);
  g_assert_cmpuint (client_create_permission (c, &peer->addr), ==, 0);
  /* The permission lasts a second, the allocation two. */
  g_usleep (1500 * 1000);
  peer_send (peer, &relayed, &byte, 1);
  g_assert_null (client_recv (c, SHORT_MS));
  WAIT_UNTIL (relay_stats (relay).allocations == 0);
}

static void
test_bandwidth (void)
{
  g_autoptr(Relay) relay = relay_new ();
  g_autoptr(Client) c = NULL;
  g_autoptr(Peer) peer = peer_new ("127.0.0.1");
  guint8 payload[500] = { 0 };
  guint received = 0;

  /* 800 bit/s: a burst of 1500 bytes (three datagrams), then 100 bytes a
   * second, so that a slow machine does not earn a fourth in time. */
  relay_config (relay, "turn", "max-bps", "800");
  relay_start (relay);
  c = client_new (relay, OVER_UDP);
  client_allocate (c);
  g_assert_cmpuint (client_channel_bind (c, 0x4000, &peer->addr), ==, 0);
  for (int i = 0; i < 20; i++)
    client_send_channel_data (c, 0x4000, payload, sizeof (payload));
  for (;;)
    {
      g_autoptr(GBytes) got = peer_recv (peer, NULL, SHORT_MS);

      if (got == NULL)
        break;
      received++;
    }
  g_assert_cmpuint (received, ==, 3);
  g_assert_cmpuint (relay_stats (relay).packets_dropped, >=, 16);
}

static void
test_malformed (void)
{
  g_autoptr(Relay) relay = relay_new ();
  g_autoptr(Client) c = NULL;
  g_autoptr(AvanueStunMessage) unknown = request_new (AVANUE_STUN_METHOD_BINDING);
  g_autoptr(AvanueStunMessage) unknown_resp = NULL;
  g_autoptr(AvanueStunMessage) method = request_new (0x0ABC);
  g_autoptr(AvanueStunMessage) method_resp = NULL;
  g_autoptr(AvanueStunMessage) binding = request_new (AVANUE_STUN_METHOD_BINDING);
  g_autoptr(AvanueStunMessage) binding_resp = NULL;
  g_autoptr(AvanueStunMessage) bad_attr = avanue_stun_message_new ();
  static const guint8 garbage[] = { 0xde, 0xad, 0xbe, 0xef, 0x00, 0x01 };
  /* A Binding request whose XOR-MAPPED-ADDRESS is 5 bytes long. */
  guint8 broken[] = {
    0x00, 0x01, 0x00, 0x0c, 0x21, 0x12, 0xa4, 0x42, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12,
    0x00, 0x20, 0x00, 0x05, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
  };
  g_autoptr(GBytes) answer = NULL;
  gsize n_unknown = 0;
  const guint16 *types;
  guint8 bad_fp[64];
  const guint8 *wire;
  gsize wire_len;

  relay_start (relay);
  c = client_new (relay, OVER_UDP);

  /* Not STUN, truncated STUN, a response: silence. */
  client_send (c, garbage, sizeof (garbage));
  client_send (c, (const guint8 *) "\x00\x01\x00\x08\x21\x12\xa4\x42", 8);
  client_send (c, broken, 19);
  g_assert_null (client_recv (c, SHORT_MS));

  /* A sound header with a bad attribute: 400. */
  client_send (c, broken, sizeof (broken));
  answer = client_recv (c, TIMEOUT_MS);
  g_assert_nonnull (answer);
  g_assert_true (avanue_stun_message_parse_bytes (bad_attr, answer, NULL));
  g_assert_cmpuint (error_code (bad_attr), ==, 400);
  g_assert_cmpmem (avanue_stun_message_get_transaction_id (bad_attr), 12, broken + 8, 12);

  /* An unknown comprehension-required attribute: 420 listing it. */
  avanue_stun_message_add_uint32 (unknown, 0x0042, 1, NULL);
  unknown_resp = client_transact (c, unknown, FALSE);
  g_assert_cmpuint (error_code (unknown_resp), ==, 420);
  types = (const guint16 *) avanue_stun_message_get_attribute (unknown_resp, AVANUE_STUN_ATTRIBUTE_UNKNOWN_ATTRIBUTES,
                                                               &n_unknown);
  g_assert_cmpuint (n_unknown, ==, 2);
  g_assert_cmpuint (((const guint8 *) types)[0], ==, 0x00);
  g_assert_cmpuint (((const guint8 *) types)[1], ==, 0x42);

  /* An unknown method: 400. */
  method_resp = client_transact (c, method, FALSE);
  g_assert_cmpuint (error_code (method_resp), ==, 400);

  /* A wrong FINGERPRINT: not STUN, silence. */
  avanue_stun_message_add_fingerprint (binding, NULL);
  wire = avanue_stun_message_get_data (binding, &wire_len);
  memcpy (bad_fp, wire, wire_len);
  bad_fp[wire_len - 1] ^= 1;
  client_send (c, bad_fp, wire_len);
  g_assert_null (client_recv (c, SHORT_MS));

  /* Still alive. */
  {
    g_autoptr(AvanueStunMessage) ok = request_new (AVANUE_STUN_METHOD_BINDING);

    binding_resp = client_transact (c, ok, FALSE);
    g_assert_cmpuint (error_code (binding_resp), ==, 0);
  }
  g_assert_cmpuint (relay_errors (relay, 400), ==, 2);
  g_assert_cmpuint (relay_errors (relay, 420), ==, 1);
}

static void
test_ipv6 (void)
{
  g_autoptr(Relay) relay = NULL;
  g_autoptr(Client) c6 = NULL;
  g_autoptr(Client) c4 = NULL;
  g_autoptr(Peer) peer = NULL;
  g_autoptr(GBytes) got = NULL;
  g_autoptr(GBytes) back = NULL;
  g_autoptr(GBytes) expected = NULL;
  g_autoptr(AvanueStunMessage) req6 = allocate_request ();
  g_autoptr(AvanueStunMessage) resp6 = NULL;
  g_autoptr(AvanueStunMessage) dual = allocate_request ();
  g_autoptr(AvanueStunMessage) dual_resp = NULL;
  g_autoptr(AvanueStunMessage) bad = allocate_request ();
  g_autoptr(AvanueStunMessage) bad_resp = NULL;
  static const guint8 ping[] = "ping over IPv6";
  AvdTurnAddr relayed, mapped, first, second;

  if (!have_ipv6_loopback ())
    {
      g_test_skip ("no IPv6 loopback");
      return;
    }
  relay = relay_new ();
  relay_config (relay, "turn", "listen", "127.0.0.1, ::1");
  relay_start (relay);
  peer = peer_new ("::1");

  /* Over IPv6, REQUESTED-ADDRESS-FAMILY IPv6. */
  c6 = client_new_full (relay, OVER_UDP, "::1", "v6");
  client_get_nonce (c6);
  avanue_stun_message_add_uint32 (req6, AVANUE_STUN_ATTRIBUTE_REQUESTED_ADDRESS_FAMILY, 0x02 << 24, NULL);
  resp6 = client_transact (c6, req6, TRUE);
  g_assert_cmpuint (error_code (resp6), ==, 0);
  relayed = xor_address (resp6, AVANUE_STUN_ATTRIBUTE_XOR_RELAYED_ADDRESS);
  g_assert_cmpint (relayed.sa.sa_family, ==, AF_INET6);
  g_assert_true (IN6_IS_ADDR_LOOPBACK (&relayed.in6.sin6_addr));
  mapped = xor_address (resp6, AVANUE_STUN_ATTRIBUTE_XOR_MAPPED_ADDRESS);
  assert_addr_equal (&mapped, &c6->local);

  g_assert_cmpuint (client_channel_bind (c6, 0x4abc, &peer->addr), ==, 0);
  client_send_channel_data (c6, 0x4abc, ping, sizeof (ping));
  got = peer_recv (peer, NULL, TIMEOUT_MS);
  assert_bytes (got, ping, sizeof (ping));
  peer_send (peer, &relayed, ping, 4);
  back = client_recv (c6, TIMEOUT_MS);
  expected = channel_data (0x4abc, ping, 4, FALSE);
  g_assert_true (g_bytes_equal (back, expected));

  /* Over IPv4, a dual allocation: an IPv4 and an IPv6 relayed address. */
  c4 = client_new_full (relay, OVER_UDP, "127.0.0.1", "dual");
  client_get_nonce (c4);
  avanue_stun_message_add_uint32 (dual, AVANUE_STUN_ATTRIBUTE_ADDITIONAL_ADDRESS_FAMILY, 0x02 << 24, NULL);
  dual_resp = client_transact (c4, dual, TRUE);
  g_assert_cmpuint (error_code (dual_resp), ==, 0);
  g_assert_cmpuint (count_attributes (dual_resp, AVANUE_STUN_ATTRIBUTE_XOR_RELAYED_ADDRESS), ==, 2);
  first = xor_address_at (dual_resp, 0);
  second = xor_address_at (dual_resp, 1);
  g_assert_cmpint (first.sa.sa_family, ==, AF_INET);
  g_assert_cmpint (second.sa.sa_family, ==, AF_INET6);
  /* Now IPv6 peers are fine on it. */
  g_assert_cmpuint (client_create_permission (c4, &peer->addr), ==, 0);
  /* Refresh for a family the allocation has: fine. */
  {
    g_autoptr(AvanueStunMessage) r = request_new (AVANUE_STUN_METHOD_REFRESH);
    g_autoptr(AvanueStunMessage) rr = NULL;

    avanue_stun_message_add_uint32 (r, AVANUE_STUN_ATTRIBUTE_REQUESTED_ADDRESS_FAMILY, 0x02 << 24, NULL);
    rr = client_transact (c4, r, TRUE);
    g_assert_cmpuint (error_code (rr), ==, 0);
  }

  /* Both families at once: 400; an unknown family: 440. */
  avanue_stun_message_add_uint32 (bad, AVANUE_STUN_ATTRIBUTE_REQUESTED_ADDRESS_FAMILY, 0x03 << 24, NULL);
  {
    g_autoptr(Client) c = client_new_full (relay, OVER_UDP, "127.0.0.1", "bad");

    client_get_nonce (c);
    bad_resp = client_transact (c, bad, TRUE);
    g_assert_cmpuint (error_code (bad_resp), ==, 440);
  }
}

static void
test_ipv6_unavailable (void)
{
  g_autoptr(Relay) relay = relay_new ();
  g_autoptr(Client) c = NULL;
  g_autoptr(AvanueStunMessage) req = allocate_request ();
  g_autoptr(AvanueStunMessage) resp = NULL;
  g_autoptr(AvanueStunMessage) dual = allocate_request ();
  g_autoptr(AvanueStunMessage) dual_resp = NULL;
  g_autoptr(Client) c2 = NULL;
  gsize len = 0;
  const guint8 *aec;

  /* Only an IPv4 listen address: no IPv6 relay. */
  relay_start (relay);
  c = client_new (relay, OVER_UDP);
  client_get_nonce (c);
  avanue_stun_message_add_uint32 (req, AVANUE_STUN_ATTRIBUTE_REQUESTED_ADDRESS_FAMILY, 0x02 << 24, NULL);
  resp = client_transact (c, req, TRUE);
  g_assert_cmpuint (error_code (resp), ==, 440);

  /* A dual request gets its IPv4 relay and ADDRESS-ERROR-CODE 440. */
  c2 = client_new_full (relay, OVER_UDP, "127.0.0.1", "dual");
  client_get_nonce (c2);
  avanue_stun_message_add_uint32 (dual, AVANUE_STUN_ATTRIBUTE_ADDITIONAL_ADDRESS_FAMILY, 0x02 << 24, NULL);
  dual_resp = client_transact (c2, dual, TRUE);
  g_assert_cmpuint (error_code (dual_resp), ==, 0);
  g_assert_cmpuint (count_attributes (dual_resp, AVANUE_STUN_ATTRIBUTE_XOR_RELAYED_ADDRESS), ==, 1);
  aec = avanue_stun_message_get_attribute (dual_resp, AVANUE_STUN_ATTRIBUTE_ADDRESS_ERROR_CODE, &len);
  g_assert_nonnull (aec);
  g_assert_cmpuint (aec[0], ==, 0x02);
  g_assert_cmpuint (aec[2] * 100 + aec[3], ==, 440);
}

static void
test_wildcard (void)
{
  g_autoptr(Relay) relay = relay_new ();
  g_autoptr(Client) c = NULL;
  g_autoptr(Client) t = NULL;
  g_autoptr(Peer) peer = peer_new ("127.0.0.1");
  g_autoptr(GBytes) got = NULL;
  g_autoptr(GBytes) expected = NULL;
  static const guint8 data[] = "via 0.0.0.0";
  AvdTurnAddr relayed, from;

  /* Bound to 0.0.0.0: answers leave from the address the client used
   * (IP_PKTINFO), and the relay binds to it too. */
  relay_config (relay, "turn", "listen", "0.0.0.0");
  relay_start (relay);
  c = client_new (relay, OVER_UDP);
  relayed = client_allocate (c);
  g_assert_cmpuint (g_ntohl (relayed.in.sin_addr.s_addr), ==, 0x7F000001);
  g_assert_cmpuint (client_channel_bind (c, 0x4000, &peer->addr), ==, 0);
  client_send_channel_data (c, 0x4000, data, sizeof (data));
  got = peer_recv (peer, &from, TIMEOUT_MS);
  assert_bytes (got, data, sizeof (data));
  assert_addr_equal (&from, &relayed);
  expected = channel_data (0x4000, data, sizeof (data), FALSE);
  for (int i = 0; i < 3; i++)
    {
      g_autoptr(GBytes) frame = NULL;

      peer_send (peer, &relayed, data, sizeof (data));
      frame = client_recv (c, TIMEOUT_MS);
      g_assert_true (g_bytes_equal (frame, expected));
    }
  /* TCP on the wildcard: the accepted socket knows its address. */
  t = client_new (relay, OVER_TCP);
  relayed = client_allocate (t);
  g_assert_cmpuint (g_ntohl (relayed.in.sin_addr.s_addr), ==, 0x7F000001);
}

static void
test_external_ip (void)
{
  g_autoptr(Relay) relay = relay_new ();
  g_autoptr(Client) c = NULL;
  AvdTurnAddr relayed;

  /* Bound on 127.0.0.1, announced as 203.0.113.9. */
  relay_config (relay, "turn", "external-ip", "203.0.113.9/127.0.0.1");
  relay_start (relay);
  c = client_new (relay, OVER_UDP);
  relayed = client_allocate (c);
  g_assert_cmpint (relayed.sa.sa_family, ==, AF_INET);
  g_assert_cmpuint (g_ntohl (relayed.in.sin_addr.s_addr), ==, 0xCB007109);
}

static void
test_tcp (void)
{
  g_autoptr(Relay) relay = relay_new ();
  g_autoptr(Client) c = NULL;
  g_autoptr(Peer) peer = peer_new ("127.0.0.1");
  g_autoptr(GBytes) got = NULL;
  g_autoptr(GBytes) frame = NULL;
  g_autoptr(GBytes) expected = NULL;
  g_autoptr(GBytes) one = NULL;
  g_autoptr(GBytes) two = NULL;
  g_autoptr(AvanueStunMessage) ind = avanue_stun_message_new ();
  static const guint8 odd[] = { 'a', 'b', 'c', 'd', 'e' };
  AvdTurnAddr relayed;

  relay_start (relay);
  c = client_new (relay, OVER_TCP);
  relayed = client_allocate (c);
  g_assert_cmpuint (client_channel_bind (c, 0x4100, &peer->addr), ==, 0);

  /* A padded ChannelData frame, written one byte at a time. */
  one = channel_data (0x4100, odd, sizeof (odd), TRUE);
  g_assert_cmpuint (g_bytes_get_size (one), ==, 12);
  for (gsize i = 0; i < 12; i++)
    {
      client_send (c, (const guint8 *) g_bytes_get_data (one, NULL) + i, 1);
      g_usleep (1000);
    }
  got = peer_recv (peer, NULL, TIMEOUT_MS);
  assert_bytes (got, odd, sizeof (odd));

  /* Two frames in one write. */
  {
    guint8 both[24];

    memcpy (both, g_bytes_get_data (one, NULL), 12);
    memcpy (both + 12, g_bytes_get_data (one, NULL), 12);
    client_send (c, both, sizeof (both));
    for (int i = 0; i < 2; i++)
      {
        g_autoptr(GBytes) g = peer_recv (peer, NULL, TIMEOUT_MS);

        assert_bytes (g, odd, sizeof (odd));
      }
  }

  /* Peer → client over TCP: ChannelData padded to 4. */
  peer_send (peer, &relayed, odd, sizeof (odd));
  frame = client_recv (c, TIMEOUT_MS);
  expected = channel_data (0x4100, odd, sizeof (odd), TRUE);
  g_assert_true (g_bytes_equal (frame, expected));

  /* Send/Data indications over TCP too. */
  {
    g_autoptr(Peer) peer2 = peer_new ("127.0.0.1");
    g_autoptr(GBytes) g = NULL;
    gsize len = 0;
    const guint8 *data;

    g_assert_cmpuint (client_create_permission (c, &peer2->addr), ==, 0);
    client_send_indication (c, &peer2->addr, odd, 3);
    g = peer_recv (peer2, NULL, TIMEOUT_MS);
    assert_bytes (g, odd, 3);
    peer_send (peer2, &relayed, odd, 3);
    two = client_recv (c, TIMEOUT_MS);
    g_assert_true (avanue_stun_message_parse_bytes (ind, two, NULL));
    g_assert_cmpuint (avanue_stun_message_get_method (ind), ==, AVANUE_STUN_METHOD_DATA);
    data = avanue_stun_message_get_attribute (ind, AVANUE_STUN_ATTRIBUTE_DATA, &len);
    g_assert_cmpmem (data, len, odd, 3);
  }

  /* A channel of RFC 5766's wider range (coturn's clients use them), with
   * a frame split where the length field is. */
  {
    g_autoptr(Peer) peer3 = peer_new ("127.0.0.1");
    g_autoptr(GBytes) wide = channel_data (0x5422, odd, 3, TRUE);
    g_autoptr(GBytes) g = NULL;
    const guint8 *w = g_bytes_get_data (wide, NULL);

    g_assert_cmpuint (client_channel_bind (c, 0x5422, &peer3->addr), ==, 0);
    client_send (c, w, 3);
    g_usleep (2000);
    client_send (c, w + 3, g_bytes_get_size (wide) - 3);
    g = peer_recv (peer3, NULL, TIMEOUT_MS);
    assert_bytes (g, odd, 3);
  }

  /* Closing the connection ends the allocation. */
  WAIT_UNTIL (relay_stats (relay).allocations == 1);
  g_clear_pointer (&c, client_free);
  WAIT_UNTIL (relay_stats (relay).allocations == 0);

  /* A stream that is neither STUN nor ChannelData is closed. */
  {
    g_autoptr(Client) junk = client_new (relay, OVER_TCP);
    guint8 buf[16];

    client_send (junk, (const guint8 *) "GET / HTTP/1.1\r\n\r\n", 18);
    g_assert_true (wait_readable (junk->fd, TIMEOUT_MS));
    g_assert_cmpint (recv (junk->fd, buf, sizeof (buf), 0), <=, 0);
  }
}

static gboolean
make_certificate (const char *dir, char **out_cert, char **out_key)
{
  g_autofree char *cert = g_build_filename (dir, "cert.pem", NULL);
  g_autofree char *key = g_build_filename (dir, "key.pem", NULL);
  const char *argv[] = {
    "openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
    "-nodes", "-keyout", key, "-out", cert, "-days", "1", "-subj", "/CN=localhost", NULL,
  };
  int status = 0;

  if (!g_spawn_sync (NULL, (char **) argv, NULL,
                     G_SPAWN_SEARCH_PATH | G_SPAWN_STDOUT_TO_DEV_NULL | G_SPAWN_STDERR_TO_DEV_NULL,
                     NULL, NULL, NULL, NULL, &status, NULL) ||
      !g_spawn_check_wait_status (status, NULL))
    return FALSE;
  *out_cert = g_steal_pointer (&cert);
  *out_key = g_steal_pointer (&key);
  return TRUE;
}

static void
test_tls (void)
{
  g_autoptr(Relay) relay = relay_new ();
  g_autoptr(Client) c = NULL;
  g_autoptr(Peer) peer = peer_new ("127.0.0.1");
  g_autoptr(GBytes) got = NULL;
  g_autoptr(GBytes) frame = NULL;
  g_autoptr(GBytes) expected = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *cert = NULL;
  g_autofree char *key = NULL;
  g_autofree char *conf = NULL;
  g_autofree char *text = NULL;
  guint8 big[3000];
  AvdTurnAddr relayed;

  relay->tmpdir = g_dir_make_tmp ("turn-tls-XXXXXX", &error);
  g_assert_no_error (error);
  if (!make_certificate (relay->tmpdir, &cert, &key))
    {
      g_test_skip ("openssl cannot make a certificate here");
      return;
    }
  /* [turn] tls-certificate/tls-key in the configuration file. */
  conf = g_build_filename (relay->tmpdir, "avanued.conf", NULL);
  text = g_strdup_printf ("[turn]\ntls-certificate=%s\ntls-key=%s\n", cert, key);
  g_assert_true (g_file_set_contents (conf, text, -1, NULL));
  g_assert_true (avd_config_load_file (relay->config, conf, &error));
  g_assert_no_error (error);
  relay_start (relay);
  g_assert_cmpuint (avd_turn_server_get_tls_port (relay->server), >, 0);
  g_assert_cmpuint (avd_turn_server_get_tls_port (relay->server), !=, avd_turn_server_get_port (relay->server));

  c = client_new (relay, OVER_TLS);
  relayed = client_allocate (c);
  g_assert_cmpuint (client_channel_bind (c, 0x4FFF, &peer->addr), ==, 0);
  for (gsize i = 0; i < sizeof (big); i++)
    big[i] = i * 7;
  client_send_channel_data (c, 0x4FFF, big, sizeof (big));
  got = peer_recv (peer, NULL, TIMEOUT_MS);
  assert_bytes (got, big, sizeof (big));
  peer_send (peer, &relayed, big, 1001);
  frame = client_recv (c, TIMEOUT_MS);
  expected = channel_data (0x4FFF, big, 1001, TRUE);
  g_assert_true (g_bytes_equal (frame, expected));
  g_assert_cmpuint (relay_stats (relay).connections, ==, 1);
}

static void
test_tls_bad_certificate (void)
{
  g_autoptr(Relay) relay = relay_new ();
  g_autoptr(AvdTurnServer) server = NULL;
  g_autoptr(GError) error = NULL;

  relay_config (relay, "server", "tls-certificate", "/nonexistent/cert.pem");
  relay_config (relay, "server", "tls-key", "/nonexistent/key.pem");
  server = avd_turn_server_new (relay->config);
  g_assert_false (avd_turn_server_start (server, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_FAILED);
  g_assert_false (avd_turn_server_is_running (server));
}

static void
test_bad_config (void)
{
  static const char *cases[][3] = {
    { "turn", "listen", "not-an-address" },
    { "turn", "listen", "" },
    { "turn", "min-port", "60000" },
    { "turn", "max-port", "70000" },
    { "turn", "external-ip", "203.0.113.1/::1" },
    { "turn", "denied-peers", "10.0.0.0/99" },
    { "turn", "realm", "" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(Relay) relay = relay_new ();
      g_autoptr(AvdTurnServer) server = NULL;
      g_autoptr(GError) error = NULL;

      if (g_str_equal (cases[i][1], "min-port"))
        relay_config (relay, "turn", "max-port", "50000");
      relay_config (relay, cases[i][0], cases[i][1], cases[i][2]);
      server = avd_turn_server_new (relay->config);
      g_assert_false (avd_turn_server_start (server, &error));
      g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
    }
}

static void
test_secret_rotation (void)
{
  g_autoptr(Relay) relay = relay_new ();
  g_autoptr(Client) c = NULL;
  const char *only_new[] = { "brand-new", NULL };
  g_autofree char *username = NULL;

  relay_start (relay);
  c = client_new (relay, OVER_UDP);
  client_allocate (c);
  /* Rotated out: the allocation stays, new requests with it fail. */
  avd_turn_server_set_secrets (relay->server, only_new);
  g_assert_cmpuint (client_refresh (c, 600, NULL), ==, 401);
  g_assert_cmpuint (relay_stats (relay).allocations, ==, 1);
  username = g_strdup (c->username);
  client_set_credentials (c, username, "brand-new");
  g_assert_cmpuint (client_refresh (c, 600, NULL), ==, 0);
}

static void
test_restart (void)
{
  g_autoptr(Relay) relay = relay_new ();
  g_autoptr(GError) error = NULL;

  relay_start (relay);
  {
    g_autoptr(Client) c = client_new (relay, OVER_UDP);

    client_allocate (c);
  }
  avd_turn_server_stop (relay->server);
  g_assert_false (avd_turn_server_is_running (relay->server));
  g_assert_cmpuint (avd_turn_server_get_port (relay->server), ==, 0);
  g_assert_true (avd_turn_server_start (relay->server, &error));
  g_assert_no_error (error);
  {
    g_autoptr(Client) c = client_new (relay, OVER_UDP);

    client_allocate (c);
  }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/avd/turn/policy", test_policy);
  g_test_add_func ("/avd/turn/nonce", test_nonce);
  g_test_add_func ("/avd/turn/username", test_username);
  g_test_add_func ("/avd/turn/keys", test_keys);
  g_test_add_func ("/avd/turn/allocation", test_allocation);
  g_test_add_func ("/avd/turn/binding", test_binding);
  g_test_add_func ("/avd/turn/allocate", test_allocate);
  g_test_add_func ("/avd/turn/credentials", test_credentials);
  g_test_add_func ("/avd/turn/stale-nonce", test_stale_nonce);
  g_test_add_func ("/avd/turn/send-data", test_send_data);
  g_test_add_func ("/avd/turn/channels", test_channels);
  g_test_add_func ("/avd/turn/even-port", test_even_port);
  g_test_add_func ("/avd/turn/denied-peers", test_denied_peers);
  g_test_add_func ("/avd/turn/quota", test_quota);
  g_test_add_func ("/avd/turn/blocked-session", test_blocked_session);
  g_test_add_func ("/avd/turn/usage-and-revoke", test_usage_and_revoke);
  g_test_add_func ("/avd/turn/periodic-usage", test_periodic_usage);
  g_test_add_func ("/avd/turn/expiry", test_expiry);
  g_test_add_func ("/avd/turn/bandwidth", test_bandwidth);
  g_test_add_func ("/avd/turn/malformed", test_malformed);
  g_test_add_func ("/avd/turn/ipv6", test_ipv6);
  g_test_add_func ("/avd/turn/ipv6-unavailable", test_ipv6_unavailable);
  g_test_add_func ("/avd/turn/wildcard", test_wildcard);
  g_test_add_func ("/avd/turn/external-ip", test_external_ip);
  g_test_add_func ("/avd/turn/tcp", test_tcp);
  g_test_add_func ("/avd/turn/tls", test_tls);
  g_test_add_func ("/avd/turn/tls-bad-certificate", test_tls_bad_certificate);
  g_test_add_func ("/avd/turn/bad-config", test_bad_config);
  g_test_add_func ("/avd/turn/secret-rotation", test_secret_rotation);
  g_test_add_func ("/avd/turn/restart", test_restart);

  return g_test_run ();
}
