/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* avanued's signaling protocol over real WebSockets (DESIGN §5, §8, §11):
 * CONNECTED and REGISTER_DEVICE, framing limits, a table of malformed and
 * hostile messages, rate limits, the HTTP endpoints with CORS, and that
 * nothing a client relays ends up in the daemon's log. */
#include "config.h"

#include <signal.h>
#include <string.h>

#include <glib/gstdio.h>

#include "avd-test-daemon.h"
#include "avd-test-ws.h"

/* Generous message budgets, for tests that are not about rate limits. */
#define RELAXED_LIMITS \
  "[limits]\n" \
  "messages-per-second=1000\n" \
  "message-burst=1000\n" \
  "ip-messages-per-second=10000\n" \
  "ip-message-burst=10000\n"

static JsonObject *
create_session (AvdTestWs  *host,
                const char *license)
{
  g_autofree char *caps = avd_test_caps_text (4, 4000, TRUE, 100);
  g_autoptr(JsonObject) request = avd_test_json_printf ("{\"type\":\"CREATE_SESSION\",\"sessionType\":\"CALL\","
                                                        "\"capabilities\":%s}", caps);

  if (license != NULL)
    json_object_set_string_member (request, "licenseToken", license);
  return avd_test_ws_request (host, request, "SESSION_CREATED");
}

static JsonObject *
join_session (AvdTestWs  *guest,
              const char *code)
{
  g_autofree char *caps = avd_test_caps_text (2, 2000, TRUE, 100);
  g_autoptr(JsonObject) request = avd_test_json_printf ("{\"type\":\"JOIN_SESSION\",\"inviteCode\":\"%s\","
                                                        "\"capabilities\":%s}", code, caps);

  return avd_test_ws_request (guest, request, "SESSION_JOINED");
}

/* ---- CONNECTED and registration ---------------------------------- */

static void
test_connected (void)
{
  g_autoptr(AvdTestDaemon) daemon = avd_test_daemon_start (NULL);
  g_autoptr(AvdTestWs) a = avd_test_ws_connect (daemon, NULL);
  g_autoptr(AvdTestWs) b = avd_test_ws_connect (daemon, NULL);
  JsonObject *connected = avd_test_ws_get_connected (a);
  g_autofree guint8 *nonce = NULL;
  gsize nonce_len = 0;

  g_assert_true (g_uuid_string_is_valid (avd_test_json_string (connected, "clientId")));
  g_assert_cmpstr (avd_test_json_string (connected, "server"), ==, "avanued/" PACKAGE_VERSION);
  g_assert_cmpint (json_object_get_int_member (connected, "protocol"), ==, 1);
  g_assert_cmpint (json_object_get_int_member (connected, "heartbeatSeconds"), ==, 25);
  nonce = g_base64_decode (avd_test_ws_get_nonce (a), &nonce_len);
  g_assert_cmpuint (nonce_len, ==, 32);
  /* fresh per connection */
  g_assert_cmpstr (avd_test_ws_get_nonce (a), !=, avd_test_ws_get_nonce (b));
  g_assert_cmpstr (avd_test_json_string (connected, "clientId"), !=,
                   avd_test_json_string (avd_test_ws_get_connected (b), "clientId"));

  avd_test_ws_close (a);
  avd_test_ws_close (b);
  g_assert_cmpint (avd_test_daemon_stop (daemon), ==, 0);
}

static void
test_register (void)
{
  g_autoptr(AvdTestDaemon) daemon = avd_test_daemon_start (NULL);
  g_autoptr(AvdTestWs) ws = avd_test_ws_connect (daemon, NULL);
  g_autoptr(AvdTestWs) again = NULL;
  g_autoptr(JsonObject) request = NULL;
  g_autoptr(JsonObject) error = NULL;
  g_autofree char *caps = avd_test_caps_text (1, 0, TRUE, 100);
  AvanueIdentity *identity;

  /* Before REGISTER_DEVICE: PING is answered, anything else is not. */
  avd_test_ws_sync (ws);
  request = avd_test_json_printf ("{\"type\":\"CREATE_SESSION\",\"id\":\"c1\",\"sessionType\":\"CALL\","
                                  "\"capabilities\":%s}", caps);
  avd_test_ws_send (ws, request);
  error = avd_test_ws_expect_error (ws, "NOT_REGISTERED", "c1");
  avd_test_ws_sync (ws);

  identity = avd_test_ws_register (ws, NULL, "desk");
  g_assert_nonnull (identity);

  /* Registering twice on one connection is a bad request. */
  {
    g_autofree char *text = g_strconcat ("AVANUE1 REGISTER ", avd_test_ws_get_nonce (ws), NULL);
    g_autofree char *signature = avanue_identity_sign_base64 (identity, text, NULL);
    g_autoptr(JsonObject) twice =
      avanue_protocol_build_register_device ("r2", avanue_identity_get_fingerprint (identity),
                                             avanue_identity_get_public_key_base64 (identity),
                                             signature, "desk", AVANUE_PLATFORM_DESKTOP,
                                             AVANUE_DEVICE_TYPE_DESKTOP);
    g_autoptr(JsonObject) reply = NULL;

    avd_test_ws_send (ws, twice);
    reply = avd_test_ws_expect_error (ws, "BAD_REQUEST", "r2");
  }
  avd_test_ws_sync (ws);

  /* The same device on a new connection replaces the old one. */
  again = avd_test_ws_connect (daemon, NULL);
  avd_test_ws_register (again, identity, "desk");
  avd_test_ws_wait_closed (ws);
  avd_test_ws_sync (again);

  avd_test_ws_close (again);
  g_assert_cmpint (avd_test_daemon_stop (daemon), ==, 0);
}

static JsonObject *
register_request (const char     *id,
                  AvanueIdentity *key_owner,
                  AvanueIdentity *signer,
                  const char     *fingerprint,
                  const char     *signed_text)
{
  g_autofree char *signature = avanue_identity_sign_base64 (signer, signed_text, NULL);

  return avanue_protocol_build_register_device (id, fingerprint, avanue_identity_get_public_key_base64 (key_owner),
                                                signature, "mallory", AVANUE_PLATFORM_DESKTOP,
                                                AVANUE_DEVICE_TYPE_DESKTOP);
}

static void
test_register_bad_signature (void)
{
  g_autoptr(AvdTestDaemon) daemon = avd_test_daemon_start (NULL);
  g_autoptr(AvdTestWs) ws = avd_test_ws_connect (daemon, NULL);
  g_autoptr(AvdTestWs) other = avd_test_ws_connect (daemon, NULL);
  g_autoptr(AvdTestWs) retry = NULL;
  g_autoptr(AvanueIdentity) me = avanue_identity_new (NULL);
  g_autoptr(AvanueIdentity) you = avanue_identity_new (NULL);
  g_autofree char *right = g_strconcat ("AVANUE1 REGISTER ", avd_test_ws_get_nonce (ws), NULL);
  g_autofree char *replayed = g_strconcat ("AVANUE1 REGISTER ", avd_test_ws_get_nonce (other), NULL);
  g_autofree char *no_prefix = g_strdup (avd_test_ws_get_nonce (ws));

  /* 1: a signature over another connection's nonce (a replay) */
  {
    g_autoptr(JsonObject) request = register_request ("b1", me, me, avanue_identity_get_fingerprint (me), replayed);
    g_autoptr(JsonObject) reply = NULL;

    avd_test_ws_send (ws, request);
    reply = avd_test_ws_expect_error (ws, "BAD_SIGNATURE", "b1");
    avd_test_ws_sync (ws);
  }
  /* 2: a fingerprint that is not the key's */
  {
    g_autoptr(JsonObject) request = register_request ("b2", me, me, avanue_identity_get_fingerprint (you), right);
    g_autoptr(JsonObject) reply = NULL;

    avd_test_ws_send (ws, request);
    reply = avd_test_ws_expect_error (ws, "BAD_SIGNATURE", "b2");
    avd_test_ws_sync (ws);
  }
  /* 3: signed by another key: refused, and the connection is closed */
  {
    g_autoptr(JsonObject) request = register_request ("b3", me, you, avanue_identity_get_fingerprint (me), right);
    g_autoptr(JsonObject) reply = NULL;

    avd_test_ws_send (ws, request);
    reply = avd_test_ws_expect_error (ws, "BAD_SIGNATURE", "b3");
    g_assert_cmpuint (avd_test_ws_wait_closed (ws), ==, SOUP_WEBSOCKET_CLOSE_POLICY_VIOLATION);
  }

  /* Two failures may be followed by a good registration. */
  retry = avd_test_ws_connect (daemon, NULL);
  {
    g_autofree char *text = g_strconcat ("AVANUE1 REGISTER ", avd_test_ws_get_nonce (retry), NULL);
    g_autoptr(JsonObject) r1 = register_request ("x1", me, me, avanue_identity_get_fingerprint (me), no_prefix);
    g_autoptr(JsonObject) r2 = register_request ("x2", you, me, avanue_identity_get_fingerprint (you), text);
    g_autoptr(JsonObject) e1 = NULL;
    g_autoptr(JsonObject) e2 = NULL;

    avd_test_ws_send (retry, r1);
    e1 = avd_test_ws_expect_error (retry, "BAD_SIGNATURE", "x1");
    avd_test_ws_send (retry, r2);
    e2 = avd_test_ws_expect_error (retry, "BAD_SIGNATURE", "x2");
    avd_test_ws_register (retry, me, "me");
    avd_test_ws_sync (retry);
  }

  avd_test_ws_close (retry);
  avd_test_ws_close (other);
  g_assert_cmpint (avd_test_daemon_stop (daemon), ==, 0);
}

/* ---- the hostile table --------------------------------------------- */

typedef enum {
  FROM_HOST,
  FROM_GUEST,
  FROM_OUTSIDER,
  FROM_UNREGISTERED,
} Sender;

typedef struct {
  const char *name;
  Sender from;
  gboolean binary;
  const char *text;             /* with %PLACEHOLDERS% */
  const char *code;
  const char *re;               /* the expected `re`; NULL: must be absent */
  gboolean re_unchecked;        /* the id may or may not be readable */
} HostileCase;

#define SDP_TO_GUEST "{\"type\":\"SDP_OFFER\",\"sessionId\":\"%SESSION%\",\"toFingerprint\":\"%GUEST%\""

static const HostileCase hostile_cases[] = {
  { "invalid JSON", FROM_HOST, FALSE, "{\"type\":\"PING\",", "BAD_REQUEST", NULL },
  { "not JSON at all", FROM_HOST, FALSE, "hello avanued", "BAD_REQUEST", NULL },
  { "empty frame", FROM_HOST, FALSE, "", "BAD_REQUEST", NULL },
  { "top-level array", FROM_HOST, FALSE, "[{\"type\":\"PING\",\"id\":\"a1\"}]", "BAD_REQUEST", NULL },
  { "top-level string", FROM_HOST, FALSE, "\"PING\"", "BAD_REQUEST", NULL },
  { "two JSON values", FROM_HOST, FALSE, "{\"type\":\"PING\",\"id\":\"t1\"} {\"type\":\"PING\",\"id\":\"t2\"}",
    "BAD_REQUEST", NULL, TRUE },
  { "duplicate keys", FROM_HOST, FALSE, "{\"type\":\"PING\",\"id\":\"d1\",\"x\":1,\"x\":2}", "BAD_REQUEST", "d1" },
  { "duplicate type", FROM_HOST, FALSE, "{\"type\":\"PING\",\"id\":\"d2\",\"type\":\"END_SESSION\"}",
    "BAD_REQUEST", "d2" },
  { "NaN", FROM_HOST, FALSE, "{\"type\":\"PING\",\"id\":\"n1\",\"x\":NaN}", "BAD_REQUEST", NULL, TRUE },
  { "Infinity", FROM_HOST, FALSE, "{\"type\":\"PING\",\"id\":\"n2\",\"x\":-Infinity}", "BAD_REQUEST", NULL, TRUE },
  { "number overflowing to infinity", FROM_HOST, FALSE, "{\"type\":\"PING\",\"id\":\"n3\",\"x\":1e400}",
    "BAD_REQUEST", "n3" },
  { "string with \\u0000", FROM_HOST, FALSE, "{\"type\":\"PING\",\"id\":\"z1\",\"x\":\"a\\u0000b\"}",
    "BAD_REQUEST", "z1" },
  { "invalid escape", FROM_HOST, FALSE, "{\"type\":\"PING\",\"id\":\"z2\",\"x\":\"\\q\"}", "BAD_REQUEST", NULL, TRUE },
  { "lone surrogate", FROM_HOST, FALSE, "{\"type\":\"PING\",\"id\":\"z3\",\"x\":\"\\ud800\"}",
    "BAD_REQUEST", NULL, TRUE },
  { "trailing comma", FROM_HOST, FALSE, "{\"type\":\"PING\",\"id\":\"z4\",}", "BAD_REQUEST", NULL, TRUE },
  { "nested 40 deep", FROM_HOST, FALSE, "{\"type\":\"PING\",\"id\":\"z5\",\"x\":%DEEP%}", "BAD_REQUEST", NULL, TRUE },
  { "binary frame", FROM_HOST, TRUE, "{\"type\":\"PING\",\"id\":\"bin\"}", "BAD_REQUEST", NULL },
  { "frame over max-frame-bytes", FROM_HOST, FALSE, "{\"type\":\"PING\",\"id\":\"f1\",\"pad\":\"%PAD70K%\"}",
    "TOO_LARGE", NULL, TRUE },
  { "unknown type", FROM_HOST, FALSE, "{\"type\":\"TELEPORT\",\"id\":\"u1\"}", "UNSUPPORTED_TYPE", "u1" },
  { "lower-case type", FROM_HOST, FALSE, "{\"type\":\"ping\",\"id\":\"u2\"}", "UNSUPPORTED_TYPE", "u2" },
  { "server-only SESSION_CREATED", FROM_HOST, FALSE,
    "{\"type\":\"SESSION_CREATED\",\"id\":\"u3\",\"sessionId\":\"%SESSION%\"}", "UNSUPPORTED_TYPE", "u3" },
  { "server-only PONG", FROM_HOST, FALSE, "{\"type\":\"PONG\",\"id\":\"u4\",\"timestamp\":1}",
    "UNSUPPORTED_TYPE", "u4" },
  { "server-only ERROR", FROM_HOST, FALSE, "{\"type\":\"ERROR\",\"id\":\"u5\",\"code\":\"INTERNAL\",\"message\":\"x\"}",
    "UNSUPPORTED_TYPE", "u5" },
  { "missing type", FROM_HOST, FALSE, "{\"id\":\"m1\",\"sessionId\":\"%SESSION%\"}", "BAD_REQUEST", "m1" },
  { "type not a string", FROM_HOST, FALSE, "{\"type\":7,\"id\":\"m2\"}", "BAD_REQUEST", "m2" },
  { "missing sdp", FROM_HOST, FALSE, SDP_TO_GUEST ",\"id\":\"m3\"}", "BAD_REQUEST", "m3" },
  { "missing sessionId", FROM_HOST, FALSE, "{\"type\":\"LEAVE_SESSION\",\"id\":\"m4\"}", "BAD_REQUEST", "m4" },
  { "missing capabilities", FROM_HOST, FALSE, "{\"type\":\"CREATE_SESSION\",\"id\":\"m5\",\"sessionType\":\"CALL\"}",
    "BAD_REQUEST", "m5" },
  { "sdp is a number", FROM_HOST, FALSE, SDP_TO_GUEST ",\"id\":\"w1\",\"sdp\":42}", "BAD_REQUEST", "w1" },
  { "inviteCode is an array", FROM_HOST, FALSE,
    "{\"type\":\"JOIN_SESSION\",\"id\":\"w2\",\"inviteCode\":[\"AVNE\"],\"capabilities\":%CAPS%}", "BAD_REQUEST", "w2" },
  { "capabilities is a string", FROM_HOST, FALSE,
    "{\"type\":\"CREATE_SESSION\",\"id\":\"w3\",\"sessionType\":\"CALL\",\"capabilities\":\"fast\"}",
    "BAD_REQUEST", "w3" },
  { "unknown sessionType", FROM_HOST, FALSE,
    "{\"type\":\"CREATE_SESSION\",\"id\":\"w4\",\"sessionType\":\"PARTY\",\"capabilities\":%CAPS%}",
    "BAD_REQUEST", "w4" },
  { "sessionId is an object", FROM_HOST, FALSE, "{\"type\":\"LEAVE_SESSION\",\"id\":\"w5\",\"sessionId\":{}}",
    "BAD_REQUEST", "w5" },
  { "batteryPercent 150", FROM_HOST, FALSE,
    "{\"type\":\"CAPABILITY_UPDATE\",\"id\":\"w6\",\"sessionId\":\"%SESSION%\",\"capabilities\":%CAPS150%}",
    "BAD_REQUEST", "w6" },
  { "unknown natType", FROM_HOST, FALSE,
    "{\"type\":\"REPORT_STATS\",\"id\":\"w7\",\"sessionId\":\"%SESSION%\",\"avgLatencyMs\":1,"
    "\"avgPacketLossPercent\":0,\"natType\":\"weird\",\"candidateType\":\"host\"}", "BAD_REQUEST", "w7" },
  { "payload is a string", FROM_HOST, FALSE,
    "{\"type\":\"APP_MESSAGE\",\"id\":\"w8\",\"sessionId\":\"%SESSION%\",\"payload\":\"mute\"}", "BAD_REQUEST", "w8" },
  { "candidate object without candidate", FROM_HOST, FALSE,
    "{\"type\":\"ICE_CANDIDATE\",\"id\":\"w9\",\"sessionId\":\"%SESSION%\",\"toFingerprint\":\"%GUEST%\","
    "\"candidate\":{\"sdpMid\":\"0\"}}", "BAD_REQUEST", "w9" },
  { "upper-case fingerprint", FROM_HOST, FALSE,
    "{\"type\":\"SDP_OFFER\",\"id\":\"b1\",\"sessionId\":\"%SESSION%\",\"toFingerprint\":\"%GUESTUPPER%\","
    "\"sdp\":\"v=0\"}", "BAD_REQUEST", "b1" },
  { "63-character fingerprint", FROM_HOST, FALSE,
    "{\"type\":\"SDP_OFFER\",\"id\":\"b2\",\"sessionId\":\"%SESSION%\",\"toFingerprint\":\"%GUEST63%\","
    "\"sdp\":\"v=0\"}", "BAD_REQUEST", "b2" },
  { "non-hex fingerprint", FROM_HOST, FALSE,
    "{\"type\":\"SDP_OFFER\",\"id\":\"b3\",\"sessionId\":\"%SESSION%\",\"toFingerprint\":\"%GUESTG%\","
    "\"sdp\":\"v=0\"}", "BAD_REQUEST", "b3" },
  { "sdp over 32 KiB", FROM_HOST, FALSE, SDP_TO_GUEST ",\"id\":\"o1\",\"sdp\":\"%PAD33K%\"}", "TOO_LARGE", "o1" },
  { "candidate over 2 KiB", FROM_HOST, FALSE,
    "{\"type\":\"ICE_CANDIDATE\",\"id\":\"o2\",\"sessionId\":\"%SESSION%\",\"toFingerprint\":\"%GUEST%\","
    "\"candidate\":\"%PAD3K%\"}", "TOO_LARGE", "o2" },
  { "payload over 48 KiB", FROM_HOST, FALSE,
    "{\"type\":\"APP_MESSAGE\",\"id\":\"o3\",\"sessionId\":\"%SESSION%\",\"payload\":{\"blob\":\"%PAD50K%\"}}",
    "TOO_LARGE", "o3" },
  { "id of 65 characters", FROM_HOST, FALSE, "{\"type\":\"PING\",\"id\":\"%ID65%\"}", "BAD_REQUEST", NULL },
  { "id is a number", FROM_HOST, FALSE, "{\"type\":\"PING\",\"id\":42}", "BAD_REQUEST", NULL },
  { "E2EE PUBLISH_KEYS", FROM_HOST, FALSE,
    "{\"type\":\"PUBLISH_KEYS\",\"id\":\"e1\",\"identityKey\":\"%KEY32%\",\"signedPreKey\":\"%KEY32%\","
    "\"preKeySignature\":\"%SIG64%\",\"oneTimePreKeys\":[{\"keyId\":1,\"publicKey\":\"%KEY32%\"}]}",
    "UNSUPPORTED_TYPE", "e1" },
  { "E2EE FETCH_KEYS", FROM_HOST, FALSE, "{\"type\":\"FETCH_KEYS\",\"id\":\"e2\",\"fingerprint\":\"%GUEST%\"}",
    "UNSUPPORTED_TYPE", "e2" },
  { "E2EE ENCRYPTED_MESSAGE", FROM_HOST, FALSE,
    "{\"type\":\"ENCRYPTED_MESSAGE\",\"id\":\"e3\",\"toFingerprint\":\"%GUEST%\",\"messageId\":\"%UUID%\","
    "\"payload\":\"%KEY32%\"}", "UNSUPPORTED_TYPE", "e3" },
  { "E2EE MESSAGE_ACK", FROM_HOST, FALSE, "{\"type\":\"MESSAGE_ACK\",\"id\":\"e4\",\"messageId\":\"%UUID%\"}",
    "UNSUPPORTED_TYPE", "e4" },
  { "PAIR_REQUEST (not yet offered)", FROM_HOST, FALSE,
    "{\"type\":\"PAIR_REQUEST\",\"id\":\"e5\",\"targetFingerprint\":\"%GUEST%\"}", "UNSUPPORTED_TYPE", "e5" },
  { "REGISTER_PUSH (not yet offered)", FROM_HOST, FALSE,
    "{\"type\":\"REGISTER_PUSH\",\"id\":\"e6\",\"platform\":\"ANDROID\",\"token\":\"tok\"}", "UNSUPPORTED_TYPE", "e6" },
  { "REGISTER_DEVICE when registered", FROM_HOST, FALSE,
    "{\"type\":\"REGISTER_DEVICE\",\"id\":\"x1\",\"fingerprint\":\"%HOST%\",\"publicKey\":\"%HOSTKEY%\","
    "\"signature\":\"%SIG64%\",\"deviceName\":\"again\",\"platform\":\"DESKTOP\",\"deviceType\":\"DESKTOP\"}",
    "BAD_REQUEST", "x1" },
  { "END_SESSION by a guest", FROM_GUEST, FALSE, "{\"type\":\"END_SESSION\",\"id\":\"g1\",\"sessionId\":\"%SESSION%\"}",
    "FORBIDDEN", "g1" },
  { "REQUEST_TURN on the free tier", FROM_HOST, FALSE,
    "{\"type\":\"REQUEST_TURN\",\"id\":\"g2\",\"sessionId\":\"%SESSION%\"}", "TURN_UNAVAILABLE", "g2" },
  { "CREATE_SESSION before registration", FROM_UNREGISTERED, FALSE,
    "{\"type\":\"CREATE_SESSION\",\"id\":\"r1\",\"sessionType\":\"CALL\",\"capabilities\":%CAPS%}",
    "NOT_REGISTERED", "r1" },
  { "JOIN_SESSION before registration", FROM_UNREGISTERED, FALSE,
    "{\"type\":\"JOIN_SESSION\",\"id\":\"r2\",\"inviteCode\":\"%CODE%\",\"capabilities\":%CAPS%}",
    "NOT_REGISTERED", "r2" },
  { "SDP_OFFER before registration", FROM_UNREGISTERED, FALSE, SDP_TO_GUEST ",\"id\":\"r3\",\"sdp\":\"v=0\"}",
    "NOT_REGISTERED", "r3" },
  { "relay from a non-member", FROM_OUTSIDER, FALSE, SDP_TO_GUEST ",\"id\":\"s1\",\"sdp\":\"v=0\"}",
    "NOT_IN_SESSION", "s1" },
  { "LEAVE_SESSION by a non-member", FROM_OUTSIDER, FALSE,
    "{\"type\":\"LEAVE_SESSION\",\"id\":\"s2\",\"sessionId\":\"%SESSION%\"}", "NOT_IN_SESSION", "s2" },
  { "REJOIN_SESSION by a non-member", FROM_OUTSIDER, FALSE,
    "{\"type\":\"REJOIN_SESSION\",\"id\":\"s3\",\"sessionId\":\"%SESSION%\",\"capabilities\":%CAPS%}",
    "NOT_IN_SESSION", "s3" },
  { "relay to a non-member", FROM_HOST, FALSE,
    "{\"type\":\"SDP_OFFER\",\"id\":\"p1\",\"sessionId\":\"%SESSION%\",\"toFingerprint\":\"%OUTSIDER%\","
    "\"sdp\":\"v=0\"}", "PEER_NOT_FOUND", "p1" },
  { "relay to oneself", FROM_HOST, FALSE,
    "{\"type\":\"ICE_CANDIDATE\",\"id\":\"p2\",\"sessionId\":\"%SESSION%\",\"toFingerprint\":\"%HOST%\","
    "\"candidate\":\"candidate:1 1 udp 1 127.0.0.1 9 typ host\"}", "PEER_NOT_FOUND", "p2" },
  { "unknown session", FROM_HOST, FALSE, "{\"type\":\"LEAVE_SESSION\",\"id\":\"k1\",\"sessionId\":\"%UUID%\"}",
    "SESSION_NOT_FOUND", "k1" },
  { "relay in an unknown session", FROM_HOST, FALSE,
    "{\"type\":\"APP_MESSAGE\",\"id\":\"k2\",\"sessionId\":\"%UUID%\",\"payload\":{}}", "SESSION_NOT_FOUND", "k2" },
};

static char *
replace_all (const char *text,
             const char *placeholder,
             const char *value)
{
  g_auto(GStrv) parts = g_strsplit (text, placeholder, -1);

  return g_strjoinv (value, parts);
}

static char *
nested (guint depth)
{
  GString *s = g_string_new (NULL);

  for (guint i = 0; i < depth; i++)
    g_string_append_c (s, '[');
  for (guint i = 0; i < depth; i++)
    g_string_append_c (s, ']');
  return g_string_free (s, FALSE);
}

static void
test_hostile_table (void)
{
  g_autoptr(AvdTestDaemon) daemon = avd_test_daemon_start_full (RELAXED_LIMITS, NULL, AVD_TEST_DAEMON_FLAG_NONE);
  g_autoptr(AvdTestWs) host = avd_test_ws_connect (daemon, NULL);
  g_autoptr(AvdTestWs) guest = avd_test_ws_connect (daemon, NULL);
  g_autoptr(AvdTestWs) outsider = avd_test_ws_connect (daemon, NULL);
  g_autoptr(AvdTestWs) stranger = avd_test_ws_connect (daemon, NULL);
  g_autoptr(JsonObject) created = NULL;
  g_autoptr(JsonObject) joined = NULL;
  g_autofree char *caps = avd_test_caps_text (1, 100, TRUE, 100);
  g_autofree char *caps150 = avd_test_caps_text (1, 100, FALSE, 150);
  g_autofree char *guest_upper = NULL;
  g_autofree char *guest63 = NULL;
  g_autofree char *guest_g = NULL;
  g_autofree char *pad70k = g_strnfill (70000, 'x');
  g_autofree char *pad33k = g_strnfill (33000, 's');
  g_autofree char *pad3k = g_strnfill (3000, 'c');
  g_autofree char *pad50k = g_strnfill (50000, 'p');
  g_autofree char *id65 = g_strnfill (65, 'i');
  g_autofree char *deep = nested (40);
  g_autofree char *uuid = g_uuid_string_random ();
  g_autofree char *key32 = NULL;
  g_autofree char *sig64 = NULL;
  guint8 zeros[64] = { 0 };
  const char *session_id;

  g_assert_cmpuint (G_N_ELEMENTS (hostile_cases), >=, 25);

  avd_test_ws_register (host, NULL, "host");
  avd_test_ws_register (guest, NULL, "guest");
  avd_test_ws_register (outsider, NULL, "outsider");
  created = create_session (host, NULL);
  session_id = avd_test_json_string (created, "sessionId");
  joined = join_session (guest, avd_test_json_string (created, "inviteCode"));
  /* the election and join events are not what this test is about */
  avd_test_ws_drain (host);
  avd_test_ws_drain (guest);

  guest_upper = g_ascii_strup (avd_test_ws_get_fingerprint (guest), -1);
  guest63 = g_strndup (avd_test_ws_get_fingerprint (guest), 63);
  guest_g = g_strdup (avd_test_ws_get_fingerprint (guest));
  guest_g[10] = 'g';
  key32 = g_base64_encode (zeros, 32);
  sig64 = g_base64_encode (zeros, 64);

  for (gsize i = 0; i < G_N_ELEMENTS (hostile_cases); i++)
    {
      const HostileCase *c = &hostile_cases[i];
      AvdTestWs *ws = c->from == FROM_HOST ? host : c->from == FROM_GUEST ? guest :
                      c->from == FROM_OUTSIDER ? outsider : stranger;
      const struct { const char *key; const char *value; } subs[] = {
        { "%SESSION%", session_id },
        { "%CODE%", avd_test_json_string (created, "inviteCode") },
        { "%HOSTKEY%", avanue_identity_get_public_key_base64 (avd_test_ws_get_identity (host)) },
        { "%HOST%", avd_test_ws_get_fingerprint (host) },
        { "%GUESTUPPER%", guest_upper },
        { "%GUEST63%", guest63 },
        { "%GUESTG%", guest_g },
        { "%GUEST%", avd_test_ws_get_fingerprint (guest) },
        { "%OUTSIDER%", avd_test_ws_get_fingerprint (outsider) },
        { "%CAPS150%", caps150 },
        { "%CAPS%", caps },
        { "%PAD70K%", pad70k },
        { "%PAD33K%", pad33k },
        { "%PAD3K%", pad3k },
        { "%PAD50K%", pad50k },
        { "%ID65%", id65 },
        { "%DEEP%", deep },
        { "%UUID%", uuid },
        { "%KEY32%", key32 },
        { "%SIG64%", sig64 },
      };
      g_autofree char *text = g_strdup (c->text);
      g_autoptr(JsonObject) error = NULL;
      const char *re;

      g_test_message ("hostile case %zu: %s", i, c->name);
      for (gsize j = 0; j < G_N_ELEMENTS (subs); j++)
        {
          char *next = replace_all (text, subs[j].key, subs[j].value);

          g_free (text);
          text = next;
        }
      g_assert_null (strstr (text, "%"));

      if (c->binary)
        avd_test_ws_send_binary (ws, text, strlen (text));
      else
        avd_test_ws_send_text (ws, text);
      error = avd_test_ws_expect_error (ws, c->code, c->re);
      re = avd_test_json_string (error, "re");
      if (c->re == NULL && !c->re_unchecked && re != NULL)
        g_error ("hostile case ‘%s’: the answer carries re=%s, but no id was readable", c->name, re);
      g_assert_nonnull (avd_test_json_string (error, "message"));

      /* the connection keeps working */
      g_assert_true (avd_test_ws_is_open (ws));
      avd_test_ws_sync (ws);
    }

  /* Nothing leaked to anyone: every relay above was refused. */
  avd_test_ws_sync (host);
  avd_test_ws_sync (guest);
  avd_test_ws_sync (outsider);
  avd_test_ws_sync (stranger);

  avd_test_ws_close (stranger);
  avd_test_ws_close (outsider);
  avd_test_ws_close (guest);
  avd_test_ws_close (host);
  g_assert_cmpint (avd_test_daemon_stop (daemon), ==, 0);
}

/* ---- framing ------------------------------------------------------- */

static void
test_frame_limits (void)
{
  g_autoptr(AvdTestDaemon) daemon = avd_test_daemon_start_full (RELAXED_LIMITS, NULL, AVD_TEST_DAEMON_FLAG_NONE);
  g_autoptr(AvdTestWs) ws = avd_test_ws_connect (daemon, NULL);
  g_autofree char *half_mib = g_strnfill (512 * 1024, 'a');
  g_autofree char *over_mib = g_strnfill (1024 * 1024 + 1, 'b');
  g_autoptr(JsonObject) error = NULL;

  avd_test_ws_register (ws, NULL, "big");
  /* over max-frame-bytes but under the hard cap: an answer, and it stays */
  avd_test_ws_send_text (ws, half_mib);
  error = avd_test_ws_expect_error (ws, "TOO_LARGE", NULL);
  avd_test_ws_sync (ws);

  /* over 1 MiB: closed with 1009 */
  avd_test_ws_send_text (ws, over_mib);
  g_assert_cmpuint (avd_test_ws_wait_closed (ws), ==, SOUP_WEBSOCKET_CLOSE_TOO_BIG);

  g_assert_cmpint (avd_test_daemon_stop (daemon), ==, 0);
}

static void
test_invalid_utf8 (void)
{
  g_autoptr(AvdTestDaemon) daemon = avd_test_daemon_start (NULL);
  const char bad[] = "{\"type\":\"PING\",\"id\":\"\xc3\x28\"}";

  g_autofree char *long_bad = g_strdup_printf ("{\"type\":\"PING\",\"pad\":\"%0200d\x80\"}", 0);

  g_assert_cmpuint (avd_test_ws_raw_close_code (daemon, 0x1, bad, strlen (bad)), ==,
                    SOUP_WEBSOCKET_CLOSE_BAD_DATA);
  /* a lone continuation byte, in a frame with a 16-bit length */
  g_assert_cmpuint (avd_test_ws_raw_close_code (daemon, 0x1, long_bad, strlen (long_bad)), ==,
                    SOUP_WEBSOCKET_CLOSE_BAD_DATA);
  /* the hand-written framing itself is right: a close frame of our own is
   * answered with our own code */
  g_assert_cmpuint (avd_test_ws_raw_close_code (daemon, 0x8, "\x03\xe8", 2), ==, SOUP_WEBSOCKET_CLOSE_NORMAL);

  g_assert_cmpint (avd_test_daemon_stop (daemon), ==, 0);
}

/* ---- rate limits --------------------------------------------------- */

static void
test_rate_limit (void)
{
  g_autoptr(AvdTestDaemon) daemon =
    avd_test_daemon_start_full ("[limits]\nmessages-per-second=1\nmessage-burst=3\nrate-limit-strikes=2\n",
                                NULL, AVD_TEST_DAEMON_FLAG_NONE);
  g_autoptr(AvdTestWs) ws = avd_test_ws_connect (daemon, NULL);
  g_autoptr(AvdTestWs) calm = NULL;
  gint64 deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;
  guint pongs = 0;
  guint limited = 0;
  guint replies = 0;

  /* The burst is answered, the rest is RATE_LIMITED; a violation in a
   * second second is the second strike, which closes the connection. */
  while (avd_test_ws_is_open (ws) && g_get_monotonic_time () < deadline)
    {
      guint sent = 0;

      for (; sent < 5 && avd_test_ws_is_open (ws); sent++)
        {
          g_autofree char *id = g_strdup_printf ("flood-%u", replies + sent);
          g_autoptr(JsonObject) ping = avanue_protocol_build_ping (id);

          avd_test_ws_send (ws, ping);
        }
      for (guint i = 0; i < sent; i++)
        {
          g_autoptr(JsonObject) reply = avd_test_ws_next (ws, AVD_TEST_WS_TIMEOUT_MS);
          const char *type;

          if (reply == NULL)
            break;
          type = avd_test_json_string (reply, "type");
          replies++;
          if (g_strcmp0 (type, "PONG") == 0)
            pongs++;
          else if (g_strcmp0 (type, "ERROR") == 0 &&
                   g_strcmp0 (avd_test_json_string (reply, "code"), "RATE_LIMITED") == 0)
            {
              /* a dropped message is still answered with its id */
              g_assert_true (g_str_has_prefix (avd_test_json_string (reply, "re"), "flood-"));
              limited++;
            }
          else
            g_error ("unexpected answer to a flood: %s", type);
          /* exactly the burst goes through first */
          if (replies <= 3)
            g_assert_cmpuint (pongs, ==, replies);
          else if (replies == 4)
            g_assert_cmpuint (limited, ==, 1);
        }
    }
  g_assert_cmpuint (avd_test_ws_wait_closed (ws), ==, SOUP_WEBSOCKET_CLOSE_POLICY_VIOLATION);
  g_assert_cmpuint (pongs, >=, 3);
  g_assert_cmpuint (limited, >=, 2);
  g_test_message ("flood: %u answered, %u rate-limited before the close", pongs, limited);

  /* Another connection from the same address is not punished. */
  calm = avd_test_ws_connect (daemon, NULL);
  avd_test_ws_sync (calm);
  avd_test_ws_close (calm);
  g_assert_cmpint (avd_test_daemon_stop (daemon), ==, 0);
}

static void
test_connection_limit (void)
{
  g_autoptr(AvdTestDaemon) daemon =
    avd_test_daemon_start_full ("[limits]\nip-max-connections=3\n", NULL, AVD_TEST_DAEMON_FLAG_NONE);
  g_autoptr(AvdTestWs) a = avd_test_ws_connect (daemon, NULL);
  g_autoptr(AvdTestWs) b = avd_test_ws_connect (daemon, NULL);
  g_autoptr(AvdTestWs) c = avd_test_ws_connect (daemon, NULL);
  g_autoptr(AvdTestWs) refused = NULL;
  g_autoptr(AvdTestWs) d = NULL;

  /* The fourth from one address is closed at once, without CONNECTED. */
  refused = avd_test_ws_open (daemon, NULL);
  g_assert_cmpuint (avd_test_ws_wait_closed (refused), ==, SOUP_WEBSOCKET_CLOSE_POLICY_VIOLATION);
  g_assert_cmpuint (avd_test_ws_n_queued (refused), ==, 0);

  /* Those open keep working; when one closes, there is room again. */
  avd_test_ws_sync (a);
  avd_test_ws_close (a);
  /* The server forgets a's connection as its closing handshake ends,
   * which may be a moment after a has seen it end: allow a few tries. */
  for (guint attempt = 0; d == NULL; attempt++)
    {
      g_autoptr(AvdTestWs) ws = avd_test_ws_open (daemon, NULL);
      g_autoptr(JsonObject) connected = avd_test_ws_next (ws, AVD_TEST_WS_TIMEOUT_MS);

      if (connected != NULL)
        {
          g_assert_cmpstr (avd_test_json_string (connected, "type"), ==, "CONNECTED");
          d = g_steal_pointer (&ws);
        }
      else
        {
          g_assert_cmpuint (attempt, <, 10);
          avd_test_ws_sync (b);
        }
    }
  avd_test_ws_sync (d);

  avd_test_ws_close (b);
  avd_test_ws_close (c);
  avd_test_ws_close (d);
  g_assert_cmpint (avd_test_daemon_stop (daemon), ==, 0);
}

/* ---- HTTP ---------------------------------------------------------- */

#define ICE_CONFIG \
  "[ice]\n" \
  "stun-urls=stun:127.0.0.1:3478\n" \
  "turn-servers=turn:127.0.0.1:3478?transport=udp\n" \
  "[turn]\n" \
  "secrets=sigtest-secret-one,sigtest-secret-two\n" \
  "credential-ttl-seconds=600\n"

/* One HTTP request; returns the JSON body (NULL when empty) and the status
 * and response headers. */
static JsonObject *
http (AvdTestDaemon       *daemon,
      const char          *method,
      const char          *path,
      const char          *authorization,
      const char          *origin,
      guint               *out_status,
      SoupMessageHeaders **out_headers)
{
  g_autoptr(SoupSession) session = avd_test_soup_session_new ();
  g_autofree char *url = avd_test_daemon_url (daemon, path);
  g_autoptr(SoupMessage) msg = soup_message_new (method, url);
  SoupMessageHeaders *request = soup_message_get_request_headers (msg);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) body = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  const char *content_type;
  JsonNode *root;

  if (authorization != NULL)
    soup_message_headers_replace (request, "Authorization", authorization);
  if (origin != NULL)
    soup_message_headers_replace (request, "Origin", origin);
  if (g_str_equal (method, "OPTIONS"))
    {
      soup_message_headers_replace (request, "Access-Control-Request-Method", "GET");
      soup_message_headers_replace (request, "Access-Control-Request-Headers", "authorization");
    }
  if (g_str_equal (method, "POST"))
    {
      g_autoptr(GBytes) empty = g_bytes_new_static ("{}", 2);

      soup_message_set_request_body_from_bytes (msg, "application/json", empty);
    }
  body = soup_session_send_and_read (session, msg, NULL, &error);
  g_assert_no_error (error);
  *out_status = soup_message_get_status (msg);
  if (out_headers != NULL)
    *out_headers = g_boxed_copy (SOUP_TYPE_MESSAGE_HEADERS, soup_message_get_response_headers (msg));
  if (g_bytes_get_size (body) == 0)
    return NULL;
  content_type = soup_message_headers_get_content_type (soup_message_get_response_headers (msg), NULL);
  g_assert_cmpstr (content_type, ==, "application/json");
  json_parser_load_from_data (parser, g_bytes_get_data (body, NULL), g_bytes_get_size (body), &error);
  g_assert_no_error (error);
  root = json_parser_get_root (parser);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (root));
  return json_object_ref (json_node_get_object (root));
}

static gboolean
strv_json_contains (JsonArray  *array,
                    const char *value)
{
  for (guint i = 0; i < json_array_get_length (array); i++)
    if (g_strcmp0 (json_array_get_string_element (array, i), value) == 0)
      return TRUE;
  return FALSE;
}

/* base64(HMAC-SHA1(secret, username)), computed here with GLib. */
static char *
expected_password (const char *secret,
                   const char *username)
{
  g_autoptr(GHmac) hmac = g_hmac_new (G_CHECKSUM_SHA1, (const guchar *) secret, strlen (secret));
  guint8 digest[20];
  gsize len = sizeof digest;

  g_hmac_update (hmac, (const guchar *) username, -1);
  g_hmac_get_digest (hmac, digest, &len);
  g_assert_cmpuint (len, ==, 20);
  return g_base64_encode (digest, len);
}

/* Checks an ICE-servers answer (DESIGN §8) against ICE_CONFIG: STUN
 * always, TURN with REST-API credentials only when @want_turn. */
static void
check_ice_servers (JsonObject *body,
                   gboolean    want_turn)
{
  JsonArray *servers = json_object_get_array_member (body, "iceServers");
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;
  gboolean saw_stun = FALSE;
  gboolean saw_turn = FALSE;

  g_assert_nonnull (servers);
  g_assert_cmpint (json_object_get_int_member (body, "ttl"), ==, 600);
  for (guint i = 0; i < json_array_get_length (servers); i++)
    {
      JsonObject *server = json_array_get_object_element (servers, i);
      JsonArray *urls = json_object_get_array_member (server, "urls");

      g_assert_nonnull (urls);
      if (strv_json_contains (urls, "stun:127.0.0.1:3478"))
        {
          saw_stun = TRUE;
          g_assert_false (json_object_has_member (server, "credential"));
        }
      for (guint j = 0; j < json_array_get_length (urls); j++)
        if (g_str_has_prefix (json_array_get_string_element (urls, j), "turn"))
          {
            const char *username = avd_test_json_string (server, "username");
            const char *credential = avd_test_json_string (server, "credential");
            g_autofree char *password = NULL;
            gint64 expiry;

            g_assert_true (want_turn);
            g_assert_true (strv_json_contains (urls, "turn:127.0.0.1:3478?transport=udp"));
            g_assert_nonnull (username);
            g_assert_nonnull (credential);
            /* `<expiry>:<rest>`, expiring one ttl from now */
            g_assert_nonnull (strchr (username, ':'));
            expiry = g_ascii_strtoll (username, NULL, 10);
            g_assert_cmpint (expiry, >=, now + 600 - 30);
            g_assert_cmpint (expiry, <=, now + 600 + 30);
            /* signed with the first of [turn] secrets */
            password = expected_password ("sigtest-secret-one", username);
            g_assert_cmpstr (credential, ==, password);
            saw_turn = TRUE;
            break;
          }
    }
  g_assert_true (saw_stun);
  g_assert_true (saw_turn == want_turn);
}

static void
test_http_health (void)
{
  g_autoptr(AvdTestDaemon) daemon = avd_test_daemon_start (NULL);
  g_autoptr(JsonObject) health = NULL;
  JsonObject *checks;
  guint status = 0;

  health = http (daemon, "GET", "/health", NULL, NULL, &status, NULL);
  g_assert_cmpuint (status, ==, 200);
  g_assert_cmpstr (avd_test_json_string (health, "status"), ==, "ok");
  g_assert_cmpstr (avd_test_json_string (health, "version"), ==, PACKAGE_VERSION);
  g_assert_nonnull (avd_test_json_string (health, "timestamp"));
  g_assert_cmpint (json_object_get_int_member (health, "uptimeSeconds"), >=, 0);
  checks = json_object_get_object_member (health, "checks");
  g_assert_nonnull (checks);
  g_assert_cmpstr (avd_test_json_string (checks, "store"), ==, "ok");
  g_assert_cmpstr (avd_test_json_string (checks, "state"), ==, "ok");
  g_assert_nonnull (avd_test_json_string (checks, "turn"));

  g_assert_cmpint (avd_test_daemon_stop (daemon), ==, 0);
}

static void
test_http_ice_servers (void)
{
  g_autoptr(AvdTestDaemon) daemon = avd_test_daemon_start_full (ICE_CONFIG, NULL, AVD_TEST_DAEMON_FLAG_NONE);
  g_autofree char *key = avd_test_daemon_issue_license (daemon, "pro", "u");
  g_autofree char *bearer = g_strconcat ("Bearer ", key, NULL);
  g_autofree char *unknown = g_strconcat ("Bearer avl_", "abcdefghijklmnopqrstuvwxyz234567abcdefgh", NULL);
  guint status = 0;

  /* anonymous: the free tier, STUN only */
  {
    g_autoptr(JsonObject) body = http (daemon, "GET", "/v1/ice-servers", NULL, NULL, &status, NULL);

    g_assert_cmpuint (status, ==, 200);
    check_ice_servers (body, FALSE);
  }
  /* a pro licence: STUN and TURN, on every alias */
  {
    g_autoptr(JsonObject) body = http (daemon, "GET", "/v1/ice-servers", bearer, NULL, &status, NULL);

    g_assert_cmpuint (status, ==, 200);
    check_ice_servers (body, TRUE);
  }
  {
    g_autoptr(JsonObject) body = http (daemon, "GET", "/webrtc/ice-servers", bearer, NULL, &status, NULL);

    g_assert_cmpuint (status, ==, 200);
    check_ice_servers (body, TRUE);
  }
  {
    g_autoptr(JsonObject) body = http (daemon, "POST", "/turn/credentials", bearer, NULL, &status, NULL);

    g_assert_cmpuint (status, ==, 200);
    check_ice_servers (body, TRUE);
  }
  {
    g_autoptr(JsonObject) body = http (daemon, "GET", "/webrtc/ice-servers", NULL, NULL, &status, NULL);

    g_assert_cmpuint (status, ==, 200);
    check_ice_servers (body, FALSE);
  }
  /* the wrong method on each */
  {
    g_autoptr(JsonObject) body = http (daemon, "GET", "/turn/credentials", bearer, NULL, &status, NULL);

    g_assert_cmpuint (status, ==, 405);
    g_assert_cmpstr (avd_test_json_string (body, "error"), ==, "METHOD_NOT_ALLOWED");
  }
  {
    g_autoptr(JsonObject) body = http (daemon, "POST", "/v1/ice-servers", bearer, NULL, &status, NULL);

    g_assert_cmpuint (status, ==, 405);
    g_assert_cmpstr (avd_test_json_string (body, "error"), ==, "METHOD_NOT_ALLOWED");
  }
  /* bad bearers: 401 with a JSON body */
  {
    const char *bad[] = { unknown, "Bearer not-a-token", "Bearer ", "Basic dTpw", NULL };

    for (gsize i = 0; bad[i] != NULL; i++)
      {
        g_autoptr(SoupMessageHeaders) headers = NULL;
        g_autoptr(JsonObject) body = http (daemon, "GET", "/v1/ice-servers", bad[i], NULL, &status, &headers);

        g_test_message ("Authorization: %s", bad[i]);
        g_assert_cmpuint (status, ==, 401);
        g_assert_nonnull (body);
        g_assert_cmpstr (avd_test_json_string (body, "error"), ==, "UNAUTHORIZED");
        g_assert_false (json_object_has_member (body, "iceServers"));
      }
  }
  /* a revoked licence is a bad bearer too */
  avd_test_daemon_revoke_license (daemon, key);
  {
    g_autoptr(JsonObject) body = NULL;

    /* validations are cached for license-cache-seconds (300 by default):
     * a fresh daemon on the same store sees it at once */
    avd_test_daemon_restart (daemon);
    body = http (daemon, "GET", "/v1/ice-servers", bearer, NULL, &status, NULL);
    g_assert_cmpuint (status, ==, 401);
  }

  g_assert_cmpint (avd_test_daemon_stop (daemon), ==, 0);
}

static void
test_anonymous_disabled (void)
{
  g_autoptr(AvdTestDaemon) daemon =
    avd_test_daemon_start_full (ICE_CONFIG "[licensing]\nallow-anonymous-free=false\n", NULL,
                                AVD_TEST_DAEMON_FLAG_NONE);
  g_autoptr(AvdTestWs) ws = avd_test_ws_connect (daemon, NULL);
  g_autofree char *caps = avd_test_caps_text (1, 0, TRUE, 100);
  g_autoptr(JsonObject) request = avd_test_json_printf ("{\"type\":\"CREATE_SESSION\",\"id\":\"c1\","
                                                        "\"sessionType\":\"CALL\",\"capabilities\":%s}", caps);
  g_autoptr(JsonObject) error = NULL;
  g_autoptr(JsonObject) body = NULL;
  guint status = 0;

  body = http (daemon, "GET", "/v1/ice-servers", NULL, NULL, &status, NULL);
  g_assert_cmpuint (status, ==, 401);
  g_assert_cmpstr (avd_test_json_string (body, "error"), ==, "UNAUTHORIZED");

  avd_test_ws_register (ws, NULL, "anon");
  avd_test_ws_send (ws, request);
  error = avd_test_ws_expect_error (ws, "LICENSE_REQUIRED", "c1");
  avd_test_ws_close (ws);
  g_assert_cmpint (avd_test_daemon_stop (daemon), ==, 0);
}

static void
test_cors (void)
{
  g_autoptr(AvdTestDaemon) daemon =
    avd_test_daemon_start_full (ICE_CONFIG "[server]\nallowed-origins=https://app.example, https://other.example\n",
                                NULL, AVD_TEST_DAEMON_FLAG_NONE);
  g_autoptr(AvdTestDaemon) closed_daemon = avd_test_daemon_start (NULL);
  g_autofree char *self_origin = NULL;
  guint status = 0;

  /* WebSocket upgrade: a foreign origin is refused, listed ones and the
   * server's own origin are fine, as are clients that send no Origin. */
  g_assert_cmpuint (avd_test_ws_connect_refused (daemon, "https://evil.example"), ==, 403);
  g_assert_cmpuint (avd_test_ws_connect_refused (daemon, "https://app.example.evil.example"), ==, 403);
  {
    g_autoptr(AvdTestWs) ws = avd_test_ws_connect (daemon, "https://app.example");
    g_autoptr(AvdTestWs) other = avd_test_ws_connect (daemon, "https://other.example");

    avd_test_ws_register (ws, NULL, "browser");
    avd_test_ws_close (ws);
    avd_test_ws_close (other);
  }
  self_origin = g_strdup_printf ("http://127.0.0.1:%u", daemon->http_port);
  {
    g_autoptr(AvdTestWs) ws = avd_test_ws_connect (daemon, self_origin);

    avd_test_ws_close (ws);
  }
  /* with no allow-list only the same origin may */
  g_assert_cmpuint (avd_test_ws_connect_refused (closed_daemon, "https://app.example"), ==, 403);

  /* HTTP: refused for a foreign origin, allowed with ACAO for a listed one */
  {
    g_autoptr(SoupMessageHeaders) headers = NULL;
    g_autoptr(JsonObject) body = http (daemon, "GET", "/v1/ice-servers", NULL, "https://evil.example",
                                       &status, &headers);

    g_assert_cmpuint (status, ==, 403);
    g_assert_nonnull (avd_test_json_string (body, "error"));
    g_assert_null (soup_message_headers_get_one (headers, "Access-Control-Allow-Origin"));
  }
  {
    g_autoptr(SoupMessageHeaders) headers = NULL;
    g_autoptr(JsonObject) body = http (daemon, "GET", "/v1/ice-servers", NULL, "https://app.example",
                                       &status, &headers);

    g_assert_cmpuint (status, ==, 200);
    check_ice_servers (body, FALSE);
    g_assert_cmpstr (soup_message_headers_get_one (headers, "Access-Control-Allow-Origin"), ==,
                     "https://app.example");
    g_assert_true (soup_message_headers_header_contains (headers, "Vary", "Origin"));
  }
  /* preflight */
  {
    g_autoptr(SoupMessageHeaders) headers = NULL;
    g_autoptr(JsonObject) body = http (daemon, "OPTIONS", "/v1/ice-servers", NULL, "https://other.example",
                                       &status, &headers);

    g_assert_null (body);
    g_assert_cmpuint (status, >=, 200);
    g_assert_cmpuint (status, <, 300);
    g_assert_cmpstr (soup_message_headers_get_one (headers, "Access-Control-Allow-Origin"), ==,
                     "https://other.example");
    g_assert_cmpstr (soup_message_headers_get_one (headers, "Access-Control-Allow-Methods"), ==,
                     "GET, POST, OPTIONS");
    g_assert_cmpstr (soup_message_headers_get_one (headers, "Access-Control-Allow-Headers"), ==,
                     "Authorization, Content-Type");
  }
  {
    g_autoptr(SoupMessageHeaders) headers = NULL;
    g_autoptr(JsonObject) body = http (daemon, "OPTIONS", "/turn/credentials", NULL, "https://app.example",
                                       &status, &headers);

    g_assert_null (body);
    g_assert_cmpuint (status, >=, 200);
    g_assert_cmpuint (status, <, 300);
    g_assert_cmpstr (soup_message_headers_get_one (headers, "Access-Control-Allow-Methods"), ==,
                     "GET, POST, OPTIONS");
  }
  {
    g_autoptr(SoupMessageHeaders) headers = NULL;
    g_autoptr(JsonObject) body = http (daemon, "OPTIONS", "/v1/ice-servers", NULL, "https://evil.example",
                                       &status, &headers);

    g_assert_cmpuint (status, ==, 403);
    g_assert_cmpstr (avd_test_json_string (body, "error"), ==, "ORIGIN_NOT_ALLOWED");
    g_assert_null (soup_message_headers_get_one (headers, "Access-Control-Allow-Origin"));
    g_assert_null (soup_message_headers_get_one (headers, "Access-Control-Allow-Methods"));
  }

  g_assert_cmpint (avd_test_daemon_stop (closed_daemon), ==, 0);
  g_assert_cmpint (avd_test_daemon_stop (daemon), ==, 0);
}

/* ---- privacy ------------------------------------------------------- */

static void
test_privacy (void)
{
  g_autoptr(AvdTestDaemon) daemon =
    avd_test_daemon_start_full (RELAXED_LIMITS ICE_CONFIG, NULL,
                                AVD_TEST_DAEMON_FLAG_VERBOSE | AVD_TEST_DAEMON_FLAG_CAPTURE_LOG);
  g_autoptr(AvdTestWs) host = avd_test_ws_connect (daemon, NULL);
  g_autoptr(AvdTestWs) guest = avd_test_ws_connect (daemon, NULL);
  g_autofree char *key = avd_test_daemon_issue_license (daemon, "pro", "privacy-user");
  g_autofree char *marker = NULL;
  g_autofree char *log = NULL;
  g_autofree char *turn_password = NULL;
  g_autoptr(JsonObject) created = NULL;
  g_autoptr(JsonObject) joined = NULL;
  const char *session_id;
  const char *h;
  const char *g;

  {
    g_autofree char *uuid = g_uuid_string_random ();

    marker = g_strconcat ("AVANUE-SDP-MARKER-", uuid, NULL);
  }

  avd_test_ws_register (host, NULL, "host");
  avd_test_ws_register (guest, NULL, "guest");
  h = avd_test_ws_get_fingerprint (host);
  g = avd_test_ws_get_fingerprint (guest);
  created = create_session (host, key);
  session_id = avd_test_json_string (created, "sessionId");
  joined = join_session (guest, avd_test_json_string (created, "inviteCode"));
  avd_test_ws_drain (host);
  avd_test_ws_drain (guest);

  /* SDP, candidates in both forms and app payloads, each with the marker,
   * relayed and received */
  {
    g_autoptr(JsonObject) offer = avd_test_json_printf ("{\"type\":\"SDP_OFFER\",\"sessionId\":\"%s\",\"toFingerprint\":\"%s\","
                                                        "\"sdp\":\"v=0\\r\\no=- 1 1 IN IP4 127.0.0.1\\r\\ns=%s\\r\\n\"}",
                                                        session_id, g, marker);
    g_autoptr(JsonObject) answer = avd_test_json_printf ("{\"type\":\"SDP_ANSWER\",\"sessionId\":\"%s\",\"toFingerprint\":\"%s\","
                                                         "\"sdp\":\"v=0\\r\\ns=%s\\r\\n\"}", session_id, h, marker);
    g_autoptr(JsonObject) candidate = avd_test_json_printf ("{\"type\":\"ICE_CANDIDATE\",\"sessionId\":\"%s\",\"toFingerprint\":\"%s\","
                                                            "\"candidate\":\"candidate:%s 1 udp 1 127.0.0.1 9 typ host\"}",
                                                            session_id, g, marker);
    g_autoptr(JsonObject) candidate_object = avd_test_json_printf ("{\"type\":\"ICE_CANDIDATE\",\"sessionId\":\"%s\","
                                                                   "\"toFingerprint\":\"%s\",\"candidate\":{\"candidate\":"
                                                                   "\"candidate:%s 1 udp 1 10.0.0.1 9 typ host\",\"sdpMid\":\"0\","
                                                                   "\"sdpMLineIndex\":0}}", session_id, h, marker);
    g_autoptr(JsonObject) app = avd_test_json_printf ("{\"type\":\"APP_MESSAGE\",\"sessionId\":\"%s\","
                                                      "\"payload\":{\"chat\":\"%s\"}}", session_id, marker);
    g_autoptr(JsonObject) got_offer = NULL;
    g_autoptr(JsonObject) got_answer = NULL;
    g_autoptr(JsonObject) got_candidate = NULL;
    g_autoptr(JsonObject) got_candidate_object = NULL;
    g_autoptr(JsonObject) got_app = NULL;

    avd_test_ws_send (host, offer);
    got_offer = avd_test_ws_expect (guest, "SDP_OFFER");
    g_assert_nonnull (strstr (avd_test_json_string (got_offer, "sdp"), marker));
    avd_test_ws_send (guest, answer);
    got_answer = avd_test_ws_expect (host, "SDP_ANSWER");
    avd_test_ws_send (host, candidate);
    got_candidate = avd_test_ws_expect (guest, "ICE_CANDIDATE");
    avd_test_ws_send (guest, candidate_object);
    got_candidate_object = avd_test_ws_expect (host, "ICE_CANDIDATE");
    avd_test_ws_send (host, app);
    got_app = avd_test_ws_expect (guest, "APP_MESSAGE");
  }
  /* and refused ones: too large, malformed */
  {
    g_autofree char *big = g_strnfill (33000, 'x');
    g_autofree char *broken = g_strdup_printf ("{\"type\":\"SDP_OFFER\",\"sdp\":\"%s\",", marker);
    g_autoptr(JsonObject) oversize = avd_test_json_printf ("{\"type\":\"SDP_OFFER\",\"sessionId\":\"%s\",\"toFingerprint\":\"%s\","
                                                           "\"sdp\":\"%s%s\"}", session_id, g, marker, big);
    g_autoptr(JsonObject) e1 = NULL;
    g_autoptr(JsonObject) e2 = NULL;

    avd_test_ws_send (host, oversize);
    e1 = avd_test_ws_expect_error (host, "TOO_LARGE", NULL);
    avd_test_ws_send_text (host, broken);
    e2 = avd_test_ws_expect_error (host, "BAD_REQUEST", NULL);
  }
  /* a TURN password must not be logged either */
  {
    g_autoptr(JsonObject) request = avd_test_json_printf ("{\"type\":\"REQUEST_TURN\",\"sessionId\":\"%s\"}", session_id);
    g_autoptr(JsonObject) creds = avd_test_ws_request (host, request, "TURN_CREDENTIALS");

    turn_password = g_strdup (avd_test_json_string (creds, "password"));
    g_assert_nonnull (turn_password);
  }

  avd_test_ws_close (guest);
  avd_test_ws_close (host);
  g_assert_cmpint (avd_test_daemon_stop (daemon), ==, 0);

  log = avd_test_daemon_read_log (daemon);
  /* the capture works: --verbose logged what happened */
  g_assert_nonnull (strstr (log, "device registered"));
  g_assert_nonnull (strstr (log, session_id));
  /* and none of what was relayed, nor keys and secrets */
  g_assert_null (strstr (log, marker));
  g_assert_null (strstr (log, "AVANUE-SDP-MARKER"));
  g_assert_null (strstr (log, key));
  g_assert_null (strstr (log, key + 4));
  g_assert_null (strstr (log, turn_password));
  g_assert_null (strstr (log, "sigtest-secret"));
}

/* With --verbose, stdout still carries only what scripts read from it:
 * the listening line, or the key of --issue-license. */
static void
test_verbose_stdout (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *state_dir = g_dir_make_tmp ("avanued-verbose-XXXXXX", &error);
  g_autofree char *path = avd_test_daemon_path ();
  g_autofree char *state_arg = g_strdup_printf ("--state-dir=%s", state_dir);

  g_assert_no_error (error);
  {
    const char *argv[] = { path, state_arg, "--verbose", "--issue-license=pro", "--license-user=v", NULL };
    g_autoptr(GSubprocess) proc = g_subprocess_newv (argv, G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                                                     G_SUBPROCESS_FLAGS_STDERR_SILENCE, &error);
    g_autofree char *out = NULL;

    g_assert_no_error (error);
    g_subprocess_communicate_utf8 (proc, NULL, NULL, &out, NULL, &error);
    g_assert_no_error (error);
    g_assert_true (g_subprocess_get_if_exited (proc));
    g_assert_cmpint (g_subprocess_get_exit_status (proc), ==, 0);
    g_assert_true (g_str_has_prefix (out, "avl_"));
    g_assert_cmpuint (strlen (out), ==, 45);
    g_assert_cmpint (out[44], ==, '\n');
  }
  {
    const char *argv[] = { path, state_arg, "--verbose", "--port=0", "--turn-port=0", NULL };
    g_autoptr(GSubprocess) proc = g_subprocess_newv (argv, G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                                                     G_SUBPROCESS_FLAGS_STDERR_SILENCE, &error);
    g_autoptr(GDataInputStream) out = NULL;
    g_autofree char *line = NULL;

    g_assert_no_error (error);
    out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (proc));
    line = g_data_input_stream_read_line_utf8 (out, NULL, NULL, &error);
    g_assert_no_error (error);
    g_assert_nonnull (line);
    g_assert_true (g_str_has_prefix (line, "listening http="));
    g_subprocess_send_signal (proc, SIGTERM);
    g_subprocess_wait (proc, NULL, &error);
    g_assert_no_error (error);
    g_assert_true (g_subprocess_get_if_exited (proc));      /* not killed by the signal */
    g_assert_cmpint (g_subprocess_get_exit_status (proc), ==, 0);
  }
  {
    g_autoptr(GDir) dir = g_dir_open (state_dir, 0, NULL);
    const char *name;

    while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
      {
        g_autofree char *child = g_build_filename (state_dir, name, NULL);

        g_unlink (child);
      }
    g_rmdir (state_dir);
  }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  avd_test_silence_debug ();

  g_test_add_func ("/avanued/signaling/connected", test_connected);
  g_test_add_func ("/avanued/signaling/register", test_register);
  g_test_add_func ("/avanued/signaling/register/bad-signature", test_register_bad_signature);
  g_test_add_func ("/avanued/signaling/hostile-messages", test_hostile_table);
  g_test_add_func ("/avanued/signaling/frame-limits", test_frame_limits);
  g_test_add_func ("/avanued/signaling/invalid-utf8", test_invalid_utf8);
  g_test_add_func ("/avanued/signaling/rate-limit", test_rate_limit);
  g_test_add_func ("/avanued/signaling/connection-limit", test_connection_limit);
  g_test_add_func ("/avanued/signaling/http/health", test_http_health);
  g_test_add_func ("/avanued/signaling/http/ice-servers", test_http_ice_servers);
  g_test_add_func ("/avanued/signaling/http/anonymous-disabled", test_anonymous_disabled);
  g_test_add_func ("/avanued/signaling/http/cors", test_cors);
  g_test_add_func ("/avanued/signaling/privacy", test_privacy);
  g_test_add_func ("/avanued/signaling/verbose-stdout", test_verbose_stdout);

  return g_test_run ();
}
