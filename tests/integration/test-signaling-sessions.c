/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* avanued's sessions over real WebSockets (DESIGN §5, §6): create with and
 * without a licence, join by invite code, capacity and guessing limits,
 * relay, hub election, grace and rejoin, every way a session ends, and a
 * restart that keeps sessions alive. */
#include "config.h"

#include <sqlite3.h>

#include <string.h>

#include "avd-test-daemon.h"
#include "avd-test-ws.h"

#define RELAXED_LIMITS \
  "[limits]\n" \
  "messages-per-second=1000\n" \
  "message-burst=1000\n" \
  "ip-messages-per-second=10000\n" \
  "ip-message-burst=10000\n"

#define ICE_CONFIG \
  "[ice]\n" \
  "stun-urls=stun:127.0.0.1:3478\n" \
  "turn-servers=turn:127.0.0.1:3478?transport=udp\n" \
  "[turn]\n" \
  "secrets=sigtest-secret\n" \
  "credential-ttl-seconds=600\n"

#define INVITE_ALPHABET "23456789ABCDEFGHJKMNPQRSTUVWXYZ"

/* Capabilities exercising every term of the score (DESIGN §6):
 * 4×10 + ⌊8000/100⌋ + 50×2 + 100×5 + 100 (DESKTOP) + 50 (ETHERNET)
 * + ⌊1920/10⌋ + 15×3 = 1107 */
#define FULL_CAPS \
  "{\"cpuCores\":4,\"ramMb\":8000,\"batteryPercent\":50,\"isCharging\":false," \
  "\"networkType\":\"ETHERNET\",\"bandwidthMbps\":100,\"deviceType\":\"DESKTOP\"," \
  "\"platform\":\"DESKTOP\",\"screenWidth\":1920,\"supportedCodecs\":[\"VP8\",\"H264\",\"OPUS\"]," \
  "\"modules\":[\"chat\"]}"
#define FULL_CAPS_SCORE 1107

/* ---- helpers ------------------------------------------------------- */

static AvdTestWs *
client (AvdTestDaemon *daemon,
        const char    *name)
{
  AvdTestWs *ws = avd_test_ws_connect (daemon, NULL);

  avd_test_ws_register (ws, NULL, name);
  return ws;
}

/* A new connection for a device that had one (after a disconnect or a
 * restart). */
static AvdTestWs *
reconnect (AvdTestDaemon *daemon,
           AvdTestWs     *old,
           const char    *name)
{
  AvdTestWs *ws = avd_test_ws_connect (daemon, NULL);

  avd_test_ws_register (ws, avd_test_ws_get_identity (old), name);
  return ws;
}

static JsonObject *
create_with_caps (AvdTestWs  *host,
                  const char *license,
                  const char *caps)
{
  g_autoptr(JsonObject) request = avd_test_json_printf ("{\"type\":\"CREATE_SESSION\",\"sessionType\":\"CALL\","
                                                        "\"capabilities\":%s}", caps);

  if (license != NULL)
    json_object_set_string_member (request, "licenseToken", license);
  return avd_test_ws_request (host, request, "SESSION_CREATED");
}

/* Creates a session (score 280) and consumes the initial election. */
static JsonObject *
create (AvdTestWs  *host,
        const char *license)
{
  g_autofree char *caps = avd_test_caps_text (4, 4000, TRUE, 100);
  JsonObject *created = create_with_caps (host, license, caps);
  g_autoptr(JsonObject) elected = avd_test_ws_expect (host, "HUB_ELECTED");
  json_object_unref (avd_test_ws_expect (host, "ROLE_CHANGED"));

  g_assert_cmpstr (avd_test_json_string (elected, "hubFingerprint"), ==, avd_test_ws_get_fingerprint (host));
  return created;
}

static JsonObject *
join_with_caps (AvdTestWs  *guest,
                const char *code,
                const char *caps)
{
  g_autoptr(JsonObject) request = avd_test_json_printf ("{\"type\":\"JOIN_SESSION\",\"inviteCode\":\"%s\","
                                                        "\"capabilities\":%s}", code, caps);

  return avd_test_ws_request (guest, request, "SESSION_JOINED");
}

/* Joins with a score (240) below the host's, so that no election follows. */
static JsonObject *
join (AvdTestWs  *guest,
      const char *code)
{
  g_autofree char *caps = avd_test_caps_text (2, 2000, TRUE, 100);

  return join_with_caps (guest, code, caps);
}

static void
expect_join_error (AvdTestWs  *ws,
                   const char *code,
                   const char *error_code)
{
  g_autofree char *caps = avd_test_caps_text (1, 0, TRUE, 100);
  g_autoptr(JsonObject) request = avd_test_json_printf ("{\"type\":\"JOIN_SESSION\",\"id\":\"bad-join\","
                                                        "\"inviteCode\":\"%s\",\"capabilities\":%s}", code, caps);
  g_autoptr(JsonObject) error = NULL;

  avd_test_ws_send (ws, request);
  error = avd_test_ws_expect_error (ws, error_code, "bad-join");
}

static JsonObject *
find_participant (JsonObject *message,
                  const char *fingerprint)
{
  JsonArray *participants = json_object_get_array_member (message, "participants");

  g_assert_nonnull (participants);
  for (guint i = 0; i < json_array_get_length (participants); i++)
    {
      JsonObject *p = json_array_get_object_element (participants, i);

      if (g_strcmp0 (avd_test_json_string (p, "fingerprint"), fingerprint) == 0)
        return p;
    }
  g_error ("no participant %s", fingerprint);
  return NULL;
}

static void
send_caps_update (AvdTestWs  *ws,
                  const char *session_id,
                  const char *caps)
{
  g_autoptr(JsonObject) update = avd_test_json_printf ("{\"type\":\"CAPABILITY_UPDATE\",\"sessionId\":\"%s\","
                                                       "\"capabilities\":%s}", session_id, caps);

  avd_test_ws_send (ws, update);
}

/* HUB_ELECTED then ROLE_CHANGED for the old hub (HUB→SPOKE, when there
 * was one) and the new one (SPOKE→HUB), as the next messages of @ws. */
static void
expect_hub_change (AvdTestWs  *ws,
                   const char *session_id,
                   const char *new_hub,
                   const char *old_hub,
                   const char *reason)
{
  g_autoptr(JsonObject) elected = avd_test_ws_expect (ws, "HUB_ELECTED");
  gboolean saw_old = FALSE;
  gboolean saw_new = FALSE;

  g_assert_cmpstr (avd_test_json_string (elected, "sessionId"), ==, session_id);
  g_assert_cmpstr (avd_test_json_string (elected, "hubFingerprint"), ==, new_hub);
  g_assert_cmpstr (avd_test_json_string (elected, "reason"), ==, reason);
  for (guint i = 0; i < (old_hub != NULL ? 2 : 1); i++)
    {
      g_autoptr(JsonObject) role = avd_test_ws_expect (ws, "ROLE_CHANGED");
      const char *fingerprint = avd_test_json_string (role, "fingerprint");

      g_assert_cmpstr (avd_test_json_string (role, "sessionId"), ==, session_id);
      if (g_strcmp0 (fingerprint, new_hub) == 0)
        {
          g_assert_cmpstr (avd_test_json_string (role, "oldRole"), ==, "SPOKE");
          g_assert_cmpstr (avd_test_json_string (role, "newRole"), ==, "HUB");
          saw_new = TRUE;
        }
      else
        {
          g_assert_cmpstr (fingerprint, ==, old_hub);
          g_assert_cmpstr (avd_test_json_string (role, "oldRole"), ==, "HUB");
          g_assert_cmpstr (avd_test_json_string (role, "newRole"), ==, "SPOKE");
          saw_old = TRUE;
        }
    }
  g_assert_true (saw_new);
  g_assert_true (saw_old == (old_hub != NULL));
}

static void
check_invite_code (const char *code)
{
  g_assert_cmpuint (strlen (code), ==, 14);
  g_assert_true (g_str_has_prefix (code, "AVNE-"));
  g_assert_cmpint (code[9], ==, '-');
  for (int i = 5; i < 14; i++)
    if (i != 9)
      g_assert_nonnull (strchr (INVITE_ALPHABET, code[i]));
}

/* TURN credentials for a session member (DESIGN §3): username
 * `<expiry>:<session>:<fingerprint>`, password base64(HMAC-SHA1(secret,
 * username)) with ICE_CONFIG's secret, computed here with GLib. */
static void
check_turn_credentials (JsonObject *creds,
                        const char *session_id,
                        const char *fingerprint)
{
  const char *username = avd_test_json_string (creds, "username");
  g_autofree char *rest = g_strdup_printf (":%s:%s", session_id, fingerprint);
  g_autoptr(GHmac) hmac = g_hmac_new (G_CHECKSUM_SHA1, (const guchar *) "sigtest-secret", 14);
  g_autofree char *password = NULL;
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;
  gint64 expiry;
  guint8 digest[20];
  gsize len = sizeof digest;
  JsonArray *urls = json_object_get_array_member (creds, "urls");

  g_assert_nonnull (username);
  g_assert_true (g_str_has_suffix (username, rest));
  expiry = g_ascii_strtoll (username, NULL, 10);
  g_assert_cmpint (expiry, >=, now + 600 - 30);
  g_assert_cmpint (expiry, <=, now + 600 + 30);
  g_hmac_update (hmac, (const guchar *) username, -1);
  g_hmac_get_digest (hmac, digest, &len);
  password = g_base64_encode (digest, len);
  g_assert_cmpstr (avd_test_json_string (creds, "password"), ==, password);
  g_assert_cmpint (json_object_get_int_member (creds, "ttlSeconds"), ==, 600);
  /* avanued's own relay (UDP and TCP) first, then the configured one */
  g_assert_nonnull (urls);
  g_assert_cmpuint (json_array_get_length (urls), ==, 3);
  g_assert_true (g_str_has_prefix (json_array_get_string_element (urls, 0), "turn:127.0.0.1:"));
  g_assert_true (g_str_has_suffix (json_array_get_string_element (urls, 0), "?transport=udp"));
  g_assert_true (g_str_has_suffix (json_array_get_string_element (urls, 1), "?transport=tcp"));
  g_assert_cmpstr (json_array_get_string_element (urls, 2), ==, "turn:127.0.0.1:3478?transport=udp");
}

/* "AVNE-ABCD-EFGH" → "avneabcdefgh" */
static char *
sloppy_code (const char *code)
{
  g_autofree char *lower = g_ascii_strdown (code, -1);
  g_auto(GStrv) parts = g_strsplit (lower, "-", -1);

  return g_strjoinv ("", parts);
}

/* ---- create and join ----------------------------------------------- */

static void
test_create_join (void)
{
  g_autoptr(AvdTestDaemon) daemon = avd_test_daemon_start_full (RELAXED_LIMITS ICE_CONFIG, NULL,
                                                                AVD_TEST_DAEMON_FLAG_NONE);
  g_autofree char *key = avd_test_daemon_issue_license (daemon, "pro", "u");
  g_autoptr(AvdTestWs) host = client (daemon, "host");
  g_autoptr(AvdTestWs) g1 = client (daemon, "guest one");
  g_autoptr(AvdTestWs) g2 = client (daemon, "guest two");
  g_autoptr(AvdTestWs) host2 = client (daemon, "free host");
  g_autoptr(AvdTestWs) g3 = client (daemon, "guest three");
  g_autoptr(AvdTestWs) g4 = client (daemon, "guest four");
  g_autoptr(JsonObject) created = NULL;
  g_autoptr(JsonObject) joined = NULL;
  g_autoptr(JsonObject) free_created = NULL;
  const char *session_id;
  const char *code;
  JsonObject *limits;
  JsonObject *turn;

  /* a licensed (pro) session */
  created = create_with_caps (host, key, FULL_CAPS);
  session_id = avd_test_json_string (created, "sessionId");
  code = avd_test_json_string (created, "inviteCode");
  g_assert_nonnull (session_id);
  check_invite_code (code);
  {
    g_autofree char *url = g_strconcat ("avanues://join/", code, NULL);

    g_assert_cmpstr (avd_test_json_string (created, "joinUrl"), ==, url);
  }
  g_assert_cmpstr (avd_test_json_string (created, "sessionType"), ==, "CALL");
  limits = json_object_get_object_member (created, "limits");
  g_assert_cmpstr (avd_test_json_string (limits, "tier"), ==, "pro");
  g_assert_cmpint (json_object_get_int_member (limits, "maxPeers"), ==, 10);
  g_assert_cmpint (json_object_get_int_member (limits, "maxDurationSeconds"), ==, 0);
  g_assert_true (json_object_get_boolean_member (limits, "turnAllowed"));
  turn = json_object_get_object_member (created, "turnCredentials");
  g_assert_nonnull (turn);
  check_turn_credentials (turn, session_id, avd_test_ws_get_fingerprint (host));
  {
    g_autoptr(JsonObject) elected = avd_test_ws_expect (host, "HUB_ELECTED");
    g_autoptr(JsonObject) role = avd_test_ws_expect (host, "ROLE_CHANGED");

    g_assert_cmpstr (avd_test_json_string (elected, "hubFingerprint"), ==, avd_test_ws_get_fingerprint (host));
    g_assert_cmpstr (avd_test_json_string (elected, "reason"), ==, "INITIAL");
    g_assert_cmpstr (avd_test_json_string (role, "fingerprint"), ==, avd_test_ws_get_fingerprint (host));
    g_assert_cmpstr (avd_test_json_string (role, "oldRole"), ==, "SPOKE");
    g_assert_cmpstr (avd_test_json_string (role, "newRole"), ==, "HUB");
  }

  /* a guest joins with the code in lower case and without dashes */
  {
    g_autofree char *sloppy = sloppy_code (code);
    g_autoptr(JsonObject) announced = NULL;
    JsonObject *p;

    joined = join (g1, sloppy);
    g_assert_cmpstr (avd_test_json_string (joined, "sessionId"), ==, session_id);
    g_assert_cmpstr (avd_test_json_string (joined, "sessionType"), ==, "CALL");
    g_assert_cmpstr (avd_test_json_string (joined, "hubFingerprint"), ==, avd_test_ws_get_fingerprint (host));
    g_assert_cmpuint (json_array_get_length (json_object_get_array_member (joined, "participants")), ==, 2);
    g_assert_cmpstr (avd_test_json_string (json_object_get_object_member (joined, "limits"), "tier"), ==, "pro");
    check_turn_credentials (json_object_get_object_member (joined, "turnCredentials"), session_id,
                            avd_test_ws_get_fingerprint (g1));
    p = find_participant (joined, avd_test_ws_get_fingerprint (host));
    g_assert_cmpstr (avd_test_json_string (p, "role"), ==, "HOST");
    g_assert_cmpstr (avd_test_json_string (p, "topologyRole"), ==, "HUB");
    g_assert_true (json_object_get_boolean_member (p, "isLicensed"));
    g_assert_true (json_object_get_boolean_member (p, "online"));
    g_assert_cmpstr (avd_test_json_string (p, "deviceName"), ==, "host");
    g_assert_cmpfloat (json_object_get_double_member (p, "capabilityScore"), ==, FULL_CAPS_SCORE);
    p = find_participant (joined, avd_test_ws_get_fingerprint (g1));
    g_assert_cmpstr (avd_test_json_string (p, "role"), ==, "GUEST");
    g_assert_cmpstr (avd_test_json_string (p, "topologyRole"), ==, "SPOKE");
    g_assert_false (json_object_get_boolean_member (p, "isLicensed"));
    g_assert_cmpfloat (json_object_get_double_member (p, "capabilityScore"), ==, 240);

    announced = avd_test_ws_expect (host, "PARTICIPANT_JOINED");
    g_assert_cmpstr (avd_test_json_string (announced, "sessionId"), ==, session_id);
    p = json_object_get_object_member (announced, "participant");
    g_assert_cmpstr (avd_test_json_string (p, "fingerprint"), ==, avd_test_ws_get_fingerprint (g1));
    g_assert_cmpstr (avd_test_json_string (p, "deviceName"), ==, "guest one");
    g_assert_cmpstr (avd_test_json_string (p, "role"), ==, "GUEST");
    /* a weaker guest changes nothing */
    avd_test_ws_sync (host);
    avd_test_ws_sync (g1);
  }
  /* a guest of a licensed session gets a relay too */
  {
    g_autoptr(JsonObject) request = avd_test_json_printf ("{\"type\":\"REQUEST_TURN\",\"sessionId\":\"%s\"}",
                                                          session_id);
    g_autoptr(JsonObject) creds = avd_test_ws_request (g1, request, "TURN_CREDENTIALS");

    check_turn_credentials (creds, session_id, avd_test_ws_get_fingerprint (g1));
  }
  /* and one with spaces for dashes */
  {
    g_autofree char *lower = g_ascii_strdown (code, -1);
    g_autofree char *spaced = g_strdelimit (g_strdup (lower), "-", ' ');
    g_autoptr(JsonObject) joined2 = join (g2, spaced);
    json_object_unref (avd_test_ws_expect (host, "PARTICIPANT_JOINED"));
    json_object_unref (avd_test_ws_expect (g1, "PARTICIPANT_JOINED"));

    g_assert_cmpuint (json_array_get_length (json_object_get_array_member (joined2, "participants")), ==, 3);
  }

  /* wrong codes and wrong keys */
  expect_join_error (g4, "AVNE-2345-6789", "SESSION_NOT_FOUND");
  expect_join_error (g4, "not a code", "SESSION_NOT_FOUND");
  {
    g_autofree char *caps = avd_test_caps_text (1, 0, TRUE, 100);
    g_autoptr(JsonObject) request = avd_test_json_printf ("{\"type\":\"CREATE_SESSION\",\"id\":\"k1\",\"sessionType\":\"CALL\","
                                                          "\"licenseToken\":\"avl_%s\",\"capabilities\":%s}",
                                                          "abcdefghijklmnopqrstuvwxyz234567abcdefgh", caps);
    g_autoptr(JsonObject) error = NULL;

    avd_test_ws_send (host2, request);
    error = avd_test_ws_expect_error (host2, "LICENSE_REQUIRED", "k1");
  }

  /* an anonymous session is on the free tier: 2 peers, STUN only, 40 min */
  {
    gint64 now_ms = g_get_real_time () / 1000;
    g_autoptr(JsonObject) joined3 = NULL;
    g_autoptr(JsonObject) leave = NULL;
    g_autoptr(JsonObject) told = NULL;
    const char *free_code;

    free_created = create (host2, NULL);
    free_code = avd_test_json_string (free_created, "inviteCode");
    check_invite_code (free_code);
    g_assert_cmpstr (free_code, !=, code);
    limits = json_object_get_object_member (free_created, "limits");
    g_assert_cmpstr (avd_test_json_string (limits, "tier"), ==, "free");
    g_assert_cmpint (json_object_get_int_member (limits, "maxPeers"), ==, 2);
    g_assert_cmpint (json_object_get_int_member (limits, "maxDurationSeconds"), ==, 2400);
    g_assert_false (json_object_get_boolean_member (limits, "turnAllowed"));
    g_assert_cmpint (json_object_get_int_member (limits, "expiresAt"), >=, now_ms + 2400 * 1000 - 60000);
    g_assert_cmpint (json_object_get_int_member (limits, "expiresAt"), <=, now_ms + 2400 * 1000 + 60000);
    g_assert_false (json_object_has_member (free_created, "turnCredentials"));

    joined3 = join (g3, free_code);
    g_assert_false (json_object_has_member (joined3, "turnCredentials"));
    g_assert_false (json_object_get_boolean_member (find_participant (joined3, avd_test_ws_get_fingerprint (host2)),
                                                    "isLicensed"));
    json_object_unref (avd_test_ws_expect (host2, "PARTICIPANT_JOINED"));

    /* the third is one too many */
    expect_join_error (g4, free_code, "SESSION_FULL");
    avd_test_ws_sync (host2);
    avd_test_ws_sync (g3);

    /* when someone leaves, there is room again */
    leave = avd_test_json_printf ("{\"type\":\"LEAVE_SESSION\",\"sessionId\":\"%s\"}",
                                  avd_test_json_string (free_created, "sessionId"));
    json_object_unref (avd_test_ws_request (g3, leave, "SESSION_LEFT"));
    told = avd_test_ws_expect (host2, "PARTICIPANT_LEFT");
    g_assert_cmpstr (avd_test_json_string (told, "fingerprint"), ==, avd_test_ws_get_fingerprint (g3));
    g_assert_cmpstr (avd_test_json_string (told, "reason"), ==, "LEFT");
    json_object_unref (join (g4, free_code));
    json_object_unref (avd_test_ws_expect (host2, "PARTICIPANT_JOINED"));
  }

  avd_test_ws_sync (host);
  avd_test_ws_sync (g1);
  avd_test_ws_sync (g2);
  avd_test_ws_sync (host2);
  avd_test_ws_sync (g3);
  avd_test_ws_sync (g4);
  g_assert_cmpint (avd_test_daemon_stop (daemon), ==, 0);
}

static void
test_join_rate_limit (void)
{
  g_autoptr(AvdTestDaemon) daemon = avd_test_daemon_start_full (RELAXED_LIMITS, NULL, AVD_TEST_DAEMON_FLAG_NONE);
  g_autoptr(AvdTestWs) host = client (daemon, "host");
  g_autoptr(AvdTestWs) guesser = client (daemon, "guesser");
  g_autoptr(AvdTestWs) accomplice = NULL;
  g_autoptr(JsonObject) created = create (host, NULL);
  const char *code = avd_test_json_string (created, "inviteCode");
  const char *guesses[] = { "AVNE-2222-2222", "AVNE-3333-3333", "AVNE-4444-4444", "AVNE-5555-5555",
                            "AVNE-6666-6666", "AVNE-7777-7777", NULL };

  /* join-failures-per-minute = 5 */
  for (guint i = 0; i < 5; i++)
    expect_join_error (guesser, guesses[i], "SESSION_NOT_FOUND");
  expect_join_error (guesser, guesses[5], "RATE_LIMITED");
  /* a lucky guess does not get through either: the guessing stops */
  expect_join_error (guesser, code, "RATE_LIMITED");
  /* nor from a new connection of the same address */
  accomplice = client (daemon, "accomplice");
  expect_join_error (accomplice, guesses[0], "RATE_LIMITED");
  /* everything else still works */
  avd_test_ws_sync (guesser);
  avd_test_ws_sync (host);

  g_assert_cmpint (avd_test_daemon_stop (daemon), ==, 0);
}

/* ---- relay --------------------------------------------------------- */

static void
check_forward (JsonObject *event,
               const char *session_id,
               const char *from)
{
  g_assert_cmpstr (avd_test_json_string (event, "sessionId"), ==, session_id);
  g_assert_cmpstr (avd_test_json_string (event, "fromFingerprint"), ==, from);
  g_assert_false (json_object_has_member (event, "re"));
}

static void
test_relay (void)
{
  g_autoptr(AvdTestDaemon) daemon =
    avd_test_daemon_start_full (RELAXED_LIMITS "[tier.free]\nmax-peers=5\n", NULL, AVD_TEST_DAEMON_FLAG_NONE);
  g_autoptr(AvdTestWs) host = client (daemon, "host");
  g_autoptr(AvdTestWs) g1 = client (daemon, "g1");
  g_autoptr(AvdTestWs) g2 = client (daemon, "g2");
  g_autoptr(AvdTestWs) outsider = client (daemon, "outsider");
  g_autoptr(JsonObject) created = create (host, NULL);
  const char *sid = avd_test_json_string (created, "sessionId");
  const char *h = avd_test_ws_get_fingerprint (host);
  const char *f1 = avd_test_ws_get_fingerprint (g1);
  const char *f2 = avd_test_ws_get_fingerprint (g2);

  json_object_unref (join (g1, avd_test_json_string (created, "inviteCode")));
  json_object_unref (join (g2, avd_test_json_string (created, "inviteCode")));
  avd_test_ws_drain (host);
  avd_test_ws_drain (g1);
  avd_test_ws_drain (g2);

  /* an offer with a forged sender reaches only its target, from the host */
  {
    g_autoptr(JsonObject) offer = avd_test_json_printf ("{\"type\":\"SDP_OFFER\",\"id\":\"o1\",\"sessionId\":\"%s\","
                                                        "\"toFingerprint\":\"%s\",\"fromFingerprint\":\"%s\","
                                                        "\"sdp\":\"v=0\\r\\no=- 42 2 IN IP4 127.0.0.1\\r\\n\","
                                                        "\"extra\":1}", sid, f1, f2);
    g_autoptr(JsonObject) got = NULL;

    avd_test_ws_send (host, offer);
    got = avd_test_ws_expect (g1, "SDP_OFFER");
    check_forward (got, sid, h);
    g_assert_cmpstr (avd_test_json_string (got, "sdp"), ==, "v=0\r\no=- 42 2 IN IP4 127.0.0.1\r\n");
    avd_test_ws_sync (host);    /* no answer to the sender */
    avd_test_ws_sync (g2);      /* nothing for the others */
  }
  /* the answer goes back */
  {
    g_autoptr(JsonObject) answer = avd_test_json_printf ("{\"type\":\"SDP_ANSWER\",\"sessionId\":\"%s\","
                                                         "\"toFingerprint\":\"%s\",\"sdp\":\"v=0 answer\"}", sid, h);
    g_autoptr(JsonObject) got = NULL;

    avd_test_ws_send (g1, answer);
    got = avd_test_ws_expect (host, "SDP_ANSWER");
    check_forward (got, sid, f1);
    g_assert_cmpstr (avd_test_json_string (got, "sdp"), ==, "v=0 answer");
    avd_test_ws_sync (g2);
  }
  /* candidates: as a string, as an object, and the end-of-candidates "" */
  {
    g_autoptr(JsonObject) c1 = avd_test_json_printf ("{\"type\":\"ICE_CANDIDATE\",\"sessionId\":\"%s\",\"toFingerprint\":\"%s\","
                                                     "\"fromFingerprint\":\"%s\","
                                                     "\"candidate\":\"candidate:1 1 udp 2130706431 127.0.0.1 5000 typ host\"}",
                                                     sid, h, f1);
    g_autoptr(JsonObject) c2 = avd_test_json_printf ("{\"type\":\"ICE_CANDIDATE\",\"sessionId\":\"%s\",\"toFingerprint\":\"%s\","
                                                     "\"candidate\":{\"candidate\":\"candidate:2 1 udp 1 10.0.0.2 6000 typ host\","
                                                     "\"sdpMid\":\"0\",\"sdpMLineIndex\":0}}", sid, f2);
    g_autoptr(JsonObject) c3 = avd_test_json_printf ("{\"type\":\"ICE_CANDIDATE\",\"sessionId\":\"%s\",\"toFingerprint\":\"%s\","
                                                     "\"candidate\":\"\"}", sid, f2);
    g_autoptr(JsonObject) got1 = NULL;
    g_autoptr(JsonObject) got2 = NULL;
    g_autoptr(JsonObject) got3 = NULL;
    JsonObject *candidate;

    avd_test_ws_send (g2, c1);
    got1 = avd_test_ws_expect (host, "ICE_CANDIDATE");
    check_forward (got1, sid, f2);
    g_assert_cmpstr (avd_test_json_string (got1, "candidate"), ==,
                     "candidate:1 1 udp 2130706431 127.0.0.1 5000 typ host");
    avd_test_ws_send (host, c2);
    got2 = avd_test_ws_expect (g2, "ICE_CANDIDATE");
    check_forward (got2, sid, h);
    candidate = json_object_get_object_member (got2, "candidate");
    g_assert_nonnull (candidate);
    g_assert_cmpstr (avd_test_json_string (candidate, "candidate"), ==, "candidate:2 1 udp 1 10.0.0.2 6000 typ host");
    g_assert_cmpstr (avd_test_json_string (candidate, "sdpMid"), ==, "0");
    g_assert_cmpint (json_object_get_int_member (candidate, "sdpMLineIndex"), ==, 0);
    avd_test_ws_send (host, c3);
    got3 = avd_test_ws_expect (g2, "ICE_CANDIDATE");
    g_assert_cmpstr (avd_test_json_string (got3, "candidate"), ==, "");
    avd_test_ws_sync (g1);
  }
  /* app messages: to one peer, and to everyone else */
  {
    g_autoptr(JsonObject) direct = avd_test_json_printf ("{\"type\":\"APP_MESSAGE\",\"sessionId\":\"%s\",\"toFingerprint\":\"%s\","
                                                         "\"payload\":{\"action\":\"mute\",\"n\":1}}", sid, f2);
    g_autoptr(JsonObject) everyone = avd_test_json_printf ("{\"type\":\"APP_MESSAGE\",\"sessionId\":\"%s\","
                                                           "\"payload\":{\"action\":\"reject\"}}", sid);
    g_autoptr(JsonObject) got = NULL;
    g_autoptr(JsonObject) got_h = NULL;
    g_autoptr(JsonObject) got_1 = NULL;
    JsonObject *payload;

    avd_test_ws_send (g1, direct);
    got = avd_test_ws_expect (g2, "APP_MESSAGE");
    check_forward (got, sid, f1);
    payload = json_object_get_object_member (got, "payload");
    g_assert_cmpstr (avd_test_json_string (payload, "action"), ==, "mute");
    g_assert_cmpint (json_object_get_int_member (payload, "n"), ==, 1);
    avd_test_ws_sync (host);

    avd_test_ws_send (g2, everyone);
    got_h = avd_test_ws_expect (host, "APP_MESSAGE");
    got_1 = avd_test_ws_expect (g1, "APP_MESSAGE");
    check_forward (got_h, sid, f2);
    check_forward (got_1, sid, f2);
    avd_test_ws_sync (g2);      /* not to the sender */
  }
  /* to a non-member, to a stranger, and from a non-member */
  {
    g_autoptr(JsonObject) to_outsider = avd_test_json_printf ("{\"type\":\"SDP_OFFER\",\"id\":\"p1\",\"sessionId\":\"%s\","
                                                              "\"toFingerprint\":\"%s\",\"sdp\":\"v=0\"}",
                                                              sid, avd_test_ws_get_fingerprint (outsider));
    g_autoptr(JsonObject) to_nobody = avd_test_json_printf ("{\"type\":\"ICE_CANDIDATE\",\"id\":\"p2\",\"sessionId\":\"%s\","
                                                            "\"toFingerprint\":\"%064d\",\"candidate\":\"x\"}", sid, 7);
    g_autoptr(JsonObject) from_outsider = avd_test_json_printf ("{\"type\":\"SDP_OFFER\",\"id\":\"n1\",\"sessionId\":\"%s\","
                                                                "\"toFingerprint\":\"%s\",\"sdp\":\"v=0\"}", sid, h);
    g_autoptr(JsonObject) broadcast = avd_test_json_printf ("{\"type\":\"APP_MESSAGE\",\"id\":\"n2\",\"sessionId\":\"%s\","
                                                            "\"payload\":{}}", sid);
    g_autoptr(JsonObject) e1 = NULL;
    g_autoptr(JsonObject) e2 = NULL;
    g_autoptr(JsonObject) e3 = NULL;
    g_autoptr(JsonObject) e4 = NULL;

    avd_test_ws_send (host, to_outsider);
    e1 = avd_test_ws_expect_error (host, "PEER_NOT_FOUND", "p1");
    avd_test_ws_send (host, to_nobody);
    e2 = avd_test_ws_expect_error (host, "PEER_NOT_FOUND", "p2");
    avd_test_ws_send (outsider, from_outsider);
    e3 = avd_test_ws_expect_error (outsider, "NOT_IN_SESSION", "n1");
    avd_test_ws_send (outsider, broadcast);
    e4 = avd_test_ws_expect_error (outsider, "NOT_IN_SESSION", "n2");
  }

  avd_test_ws_sync (host);
  avd_test_ws_sync (g1);
  avd_test_ws_sync (g2);
  avd_test_ws_sync (outsider);
  g_assert_cmpint (avd_test_daemon_stop (daemon), ==, 0);
}

/* ---- election ------------------------------------------------------ */

static void
test_election_hysteresis (void)
{
  g_autoptr(AvdTestDaemon) daemon =
    avd_test_daemon_start_full (RELAXED_LIMITS "[tier.free]\nmax-peers=5\n", NULL, AVD_TEST_DAEMON_FLAG_NONE);
  g_autoptr(AvdTestWs) host = client (daemon, "host");
  g_autoptr(AvdTestWs) a = client (daemon, "a");
  g_autoptr(AvdTestWs) b = client (daemon, "b");
  g_autofree char *caps_1000 = avd_test_caps_text (80, 0, TRUE, 100);     /* 800 + 200 */
  g_autofree char *caps_1100 = avd_test_caps_text (89, 1000, TRUE, 100);  /* 890 + 10 + 200 */
  g_autofree char *caps_1101 = avd_test_caps_text (90, 100, TRUE, 100);   /* 900 + 1 + 200 */
  g_autofree char *caps_1211 = avd_test_caps_text (101, 100, TRUE, 100);  /* 1010 + 1 + 200 */
  g_autofree char *caps_1212 = avd_test_caps_text (101, 200, TRUE, 100);  /* 1010 + 2 + 200 */
  g_autoptr(JsonObject) created = NULL;
  g_autoptr(JsonObject) ja = NULL;
  g_autoptr(JsonObject) jb = NULL;
  const char *sid;
  const char *h = avd_test_ws_get_fingerprint (host);
  const char *fa = avd_test_ws_get_fingerprint (a);
  const char *fb = avd_test_ws_get_fingerprint (b);

  created = create_with_caps (host, NULL, caps_1000);
  sid = avd_test_json_string (created, "sessionId");
  expect_hub_change (host, sid, h, NULL, "INITIAL");

  /* 1100 = 1000 × 1.1 does not exceed it: the host stays hub */
  ja = join_with_caps (a, avd_test_json_string (created, "inviteCode"), caps_1100);
  g_assert_cmpstr (avd_test_json_string (ja, "hubFingerprint"), ==, h);
  g_assert_cmpfloat (json_object_get_double_member (find_participant (ja, fa), "capabilityScore"), ==, 1100);
  g_assert_cmpstr (avd_test_json_string (find_participant (ja, fa), "topologyRole"), ==, "SPOKE");
  {
    json_object_unref (avd_test_ws_expect (host, "PARTICIPANT_JOINED"));
  }
  avd_test_ws_sync (host);
  avd_test_ws_sync (a);

  /* 1101 > 1100: the newcomer takes the hub, and hears it like everyone */
  jb = join_with_caps (b, avd_test_json_string (created, "inviteCode"), caps_1101);
  g_assert_cmpstr (avd_test_json_string (jb, "hubFingerprint"), ==, h);
  g_assert_cmpstr (avd_test_json_string (find_participant (jb, fb), "topologyRole"), ==, "SPOKE");
  expect_hub_change (b, sid, fb, h, "CAPABILITY_CHANGE");
  {
    json_object_unref (avd_test_ws_expect (host, "PARTICIPANT_JOINED"));
    json_object_unref (avd_test_ws_expect (a, "PARTICIPANT_JOINED"));
  }
  expect_hub_change (host, sid, fb, h, "CAPABILITY_CHANGE");
  expect_hub_change (a, sid, fb, h, "CAPABILITY_CHANGE");
  avd_test_ws_sync (host);
  avd_test_ws_sync (a);
  avd_test_ws_sync (b);

  /* the same rule for updates: 1211 ≤ 1101 × 1.1 = 1211.1 stays ... */
  send_caps_update (a, sid, caps_1211);
  avd_test_ws_sync (a);
  avd_test_ws_sync (host);
  avd_test_ws_sync (b);
  /* ... 1212 takes over */
  send_caps_update (a, sid, caps_1212);
  expect_hub_change (a, sid, fa, fb, "CAPABILITY_CHANGE");
  expect_hub_change (host, sid, fa, fb, "CAPABILITY_CHANGE");
  expect_hub_change (b, sid, fa, fb, "CAPABILITY_CHANGE");
  avd_test_ws_sync (host);
  avd_test_ws_sync (a);
  avd_test_ws_sync (b);

  g_assert_cmpint (avd_test_daemon_stop (daemon), ==, 0);
}

static void
test_election_battery_disconnect (void)
{
  g_autoptr(AvdTestDaemon) daemon = avd_test_daemon_start_full (RELAXED_LIMITS, NULL, AVD_TEST_DAEMON_FLAG_NONE);
  g_autoptr(AvdTestWs) host = client (daemon, "host");
  g_autoptr(AvdTestWs) b = client (daemon, "b");
  g_autofree char *caps_host = avd_test_caps_text (80, 0, TRUE, 100);      /* 1000 */
  g_autofree char *caps_b = avd_test_caps_text (300, 0, FALSE, 100);       /* 3200, on battery */
  g_autofree char *caps_b15 = avd_test_caps_text (300, 0, FALSE, 15);
  g_autofree char *caps_b14 = avd_test_caps_text (300, 0, FALSE, 14);
  g_autofree char *caps_b14_charging = avd_test_caps_text (300, 0, TRUE, 14);
  g_autoptr(JsonObject) created = NULL;
  g_autoptr(JsonObject) jb = NULL;
  const char *sid;
  const char *h = avd_test_ws_get_fingerprint (host);
  const char *fb = avd_test_ws_get_fingerprint (b);

  created = create_with_caps (host, NULL, caps_host);
  sid = avd_test_json_string (created, "sessionId");
  expect_hub_change (host, sid, h, NULL, "INITIAL");
  jb = join_with_caps (b, avd_test_json_string (created, "inviteCode"), caps_b);
  expect_hub_change (b, sid, fb, h, "CAPABILITY_CHANGE");
  {
    json_object_unref (avd_test_ws_expect (host, "PARTICIPANT_JOINED"));
  }
  expect_hub_change (host, sid, fb, h, "CAPABILITY_CHANGE");

  /* 15 % is not below 15 %: nothing changes */
  send_caps_update (b, sid, caps_b15);
  avd_test_ws_sync (b);
  avd_test_ws_sync (host);
  /* 14 % and not charging: the hub moves although b still scores higher */
  send_caps_update (b, sid, caps_b14);
  expect_hub_change (b, sid, h, fb, "BATTERY_LOW");
  expect_hub_change (host, sid, h, fb, "BATTERY_LOW");
  avd_test_ws_sync (b);
  avd_test_ws_sync (host);
  /* plugged in again: eligible, and far stronger */
  send_caps_update (b, sid, caps_b14_charging);
  expect_hub_change (b, sid, fb, h, "CAPABILITY_CHANGE");
  expect_hub_change (host, sid, fb, h, "CAPABILITY_CHANGE");
  avd_test_ws_sync (host);

  /* the hub disconnects: re-elected at once */
  avd_test_ws_close (b);
  {
    g_autoptr(JsonObject) offline = avd_test_ws_expect (host, "PARTICIPANT_OFFLINE");

    g_assert_cmpstr (avd_test_json_string (offline, "fingerprint"), ==, fb);
    g_assert_cmpstr (avd_test_json_string (offline, "sessionId"), ==, sid);
  }
  expect_hub_change (host, sid, h, fb, "DISCONNECT");
  avd_test_ws_sync (host);

  g_assert_cmpint (avd_test_daemon_stop (daemon), ==, 0);
}

/* ---- grace and rejoin ---------------------------------------------- */

static void
test_grace_rejoin (void)
{
  g_autoptr(AvdTestDaemon) daemon =
    avd_test_daemon_start_full (RELAXED_LIMITS "grace-seconds=2\n", NULL, AVD_TEST_DAEMON_FLAG_NONE);
  g_autoptr(AvdTestWs) host = client (daemon, "host");
  g_autoptr(AvdTestWs) guest = client (daemon, "guest");
  g_autoptr(AvdTestWs) back = NULL;
  g_autoptr(AvdTestWs) late = NULL;
  g_autoptr(JsonObject) created = create (host, NULL);
  const char *sid = avd_test_json_string (created, "sessionId");
  const char *h = avd_test_ws_get_fingerprint (host);
  g_autofree char *g = g_strdup (avd_test_ws_get_fingerprint (guest));
  g_autofree char *caps = avd_test_caps_text (2, 2000, TRUE, 100);
  gint64 offline_at;

  json_object_unref (join (guest, avd_test_json_string (created, "inviteCode")));
  avd_test_ws_drain (host);

  /* the guest drops: the host hears it at once */
  avd_test_ws_close (guest);
  {
    g_autoptr(JsonObject) offline = avd_test_ws_expect (host, "PARTICIPANT_OFFLINE");

    g_assert_cmpstr (avd_test_json_string (offline, "fingerprint"), ==, g);
  }
  /* events for it are kept, not refused */
  {
    g_autoptr(JsonObject) offer = avd_test_json_printf ("{\"type\":\"SDP_OFFER\",\"sessionId\":\"%s\",\"toFingerprint\":\"%s\","
                                                        "\"sdp\":\"v=0 missed offer\"}", sid, g);
    g_autoptr(JsonObject) candidate = avd_test_json_printf ("{\"type\":\"ICE_CANDIDATE\",\"sessionId\":\"%s\",\"toFingerprint\":\"%s\","
                                                            "\"candidate\":\"candidate:9 1 udp 1 127.0.0.1 9 typ host\"}", sid, g);
    g_autoptr(JsonObject) app = avd_test_json_printf ("{\"type\":\"APP_MESSAGE\",\"sessionId\":\"%s\","
                                                      "\"payload\":{\"missed\":true}}", sid);

    avd_test_ws_send (host, offer);
    avd_test_ws_send (host, candidate);
    avd_test_ws_send (host, app);
    avd_test_ws_sync (host);
  }

  /* it comes back within the grace period and gets them */
  back = reconnect (daemon, guest, "guest");
  {
    g_autoptr(JsonObject) request = avd_test_json_printf ("{\"type\":\"REJOIN_SESSION\",\"sessionId\":\"%s\","
                                                          "\"capabilities\":%s}", sid, caps);
    g_autoptr(JsonObject) rejoined = avd_test_ws_request (back, request, "SESSION_REJOINED");
    g_autoptr(JsonObject) announced = NULL;
    JsonArray *missed = json_object_get_array_member (rejoined, "missedEvents");
    JsonObject *e;

    g_assert_cmpstr (avd_test_json_string (rejoined, "sessionId"), ==, sid);
    g_assert_true (json_object_get_boolean_member (find_participant (rejoined, g), "online"));
    g_assert_true (json_object_get_boolean_member (find_participant (rejoined, h), "online"));
    g_assert_nonnull (missed);
    g_assert_cmpuint (json_array_get_length (missed), ==, 3);
    e = json_array_get_object_element (missed, 0);
    g_assert_cmpstr (avd_test_json_string (e, "type"), ==, "SDP_OFFER");
    g_assert_cmpstr (avd_test_json_string (e, "fromFingerprint"), ==, h);
    g_assert_cmpstr (avd_test_json_string (e, "sdp"), ==, "v=0 missed offer");
    e = json_array_get_object_element (missed, 1);
    g_assert_cmpstr (avd_test_json_string (e, "type"), ==, "ICE_CANDIDATE");
    g_assert_cmpstr (avd_test_json_string (e, "fromFingerprint"), ==, h);
    e = json_array_get_object_element (missed, 2);
    g_assert_cmpstr (avd_test_json_string (e, "type"), ==, "APP_MESSAGE");
    g_assert_true (json_object_get_boolean_member (json_object_get_object_member (e, "payload"), "missed"));

    announced = avd_test_ws_expect (host, "PARTICIPANT_JOINED");
    g_assert_cmpstr (avd_test_json_string (json_object_get_object_member (announced, "participant"), "fingerprint"),
                     ==, g);
    g_assert_true (json_object_get_boolean_member (json_object_get_object_member (announced, "participant"), "online"));
  }
  /* the grace timer was cancelled: no PARTICIPANT_LEFT when it would
   * have run out */
  avd_test_ws_expect_nothing (host, 3000);
  avd_test_ws_sync (back);

  /* gone for good: PARTICIPANT_LEFT (DISCONNECT) once the grace ends */
  avd_test_ws_close (back);
  {
    g_autoptr(JsonObject) offline = avd_test_ws_expect (host, "PARTICIPANT_OFFLINE");
    g_autoptr(JsonObject) left = NULL;
    gint64 waited_ms;

    offline_at = g_get_monotonic_time ();
    g_assert_cmpstr (avd_test_json_string (offline, "fingerprint"), ==, g);
    left = avd_test_ws_expect (host, "PARTICIPANT_LEFT");
    waited_ms = (g_get_monotonic_time () - offline_at) / 1000;
    g_test_message ("PARTICIPANT_LEFT %" G_GINT64_FORMAT " ms after PARTICIPANT_OFFLINE", waited_ms);
    g_assert_cmpstr (avd_test_json_string (left, "fingerprint"), ==, g);
    g_assert_cmpstr (avd_test_json_string (left, "reason"), ==, "DISCONNECT");
    /* grace-seconds=2, with the second-granular timers of GLib */
    g_assert_cmpint (waited_ms, >=, 900);
  }
  /* and it is no longer a member */
  late = reconnect (daemon, guest, "guest");
  {
    g_autoptr(JsonObject) request = avd_test_json_printf ("{\"type\":\"REJOIN_SESSION\",\"id\":\"late\",\"sessionId\":\"%s\","
                                                          "\"capabilities\":%s}", sid, caps);
    g_autoptr(JsonObject) error = NULL;

    avd_test_ws_send (late, request);
    error = avd_test_ws_expect_error (late, "NOT_IN_SESSION", "late");
  }
  avd_test_ws_sync (host);
  g_assert_cmpint (avd_test_daemon_stop (daemon), ==, 0);
}

/* ---- endings ------------------------------------------------------- */

static void
test_host_leaves (void)
{
  g_autoptr(AvdTestDaemon) daemon =
    avd_test_daemon_start_full (RELAXED_LIMITS "[tier.free]\nmax-peers=3\n", NULL, AVD_TEST_DAEMON_FLAG_NONE);
  g_autoptr(AvdTestWs) host = client (daemon, "host");
  g_autoptr(AvdTestWs) guest = client (daemon, "guest");
  g_autoptr(AvdTestWs) guest2 = client (daemon, "guest2");
  g_autoptr(AvdTestWs) latecomer = client (daemon, "latecomer");
  g_autoptr(JsonObject) created = create (host, NULL);
  const char *sid = avd_test_json_string (created, "sessionId");
  g_autofree char *caps = avd_test_caps_text (2, 2000, TRUE, 100);

  json_object_unref (join (guest, avd_test_json_string (created, "inviteCode")));
  json_object_unref (join (guest2, avd_test_json_string (created, "inviteCode")));
  avd_test_ws_drain (host);
  avd_test_ws_drain (guest);
  {
    g_autoptr(JsonObject) leave = avd_test_json_printf ("{\"type\":\"LEAVE_SESSION\",\"sessionId\":\"%s\"}", sid);
    g_autoptr(JsonObject) left = avd_test_ws_request (host, leave, "SESSION_LEFT");

    g_assert_cmpstr (avd_test_json_string (left, "sessionId"), ==, sid);
    /* everyone else hears that the host left, and that it is over */
    for (AvdTestWs **ws = (AvdTestWs *[]) { guest, guest2, NULL }; *ws != NULL; ws++)
      {
        g_autoptr(JsonObject) told = avd_test_ws_expect (*ws, "PARTICIPANT_LEFT");
        g_autoptr(JsonObject) ended = avd_test_ws_expect (*ws, "SESSION_ENDED");

        g_assert_cmpstr (avd_test_json_string (told, "fingerprint"), ==, avd_test_ws_get_fingerprint (host));
        g_assert_cmpstr (avd_test_json_string (told, "reason"), ==, "LEFT");
        g_assert_cmpstr (avd_test_json_string (ended, "sessionId"), ==, sid);
        g_assert_cmpstr (avd_test_json_string (ended, "reason"), ==, "HOST_LEFT");
        g_assert_false (json_object_has_member (ended, "re"));
      }
  }
  avd_test_ws_sync (host);
  avd_test_ws_sync (guest2);
  /* the session is over for everything */
  {
    g_autoptr(JsonObject) app = avd_test_json_printf ("{\"type\":\"APP_MESSAGE\",\"id\":\"a1\",\"sessionId\":\"%s\","
                                                      "\"payload\":{}}", sid);
    g_autoptr(JsonObject) rejoin = avd_test_json_printf ("{\"type\":\"REJOIN_SESSION\",\"id\":\"a2\",\"sessionId\":\"%s\","
                                                         "\"capabilities\":%s}", sid, caps);
    g_autoptr(JsonObject) e1 = NULL;
    g_autoptr(JsonObject) e2 = NULL;

    avd_test_ws_send (guest, app);
    e1 = avd_test_ws_expect_error (guest, "SESSION_ENDED", "a1");
    avd_test_ws_send (guest, rejoin);
    e2 = avd_test_ws_expect_error (guest, "SESSION_ENDED", "a2");
    expect_join_error (latecomer, avd_test_json_string (created, "inviteCode"), "SESSION_NOT_FOUND");
  }
  g_assert_cmpint (avd_test_daemon_stop (daemon), ==, 0);
}

static void
test_end_session (void)
{
  g_autoptr(AvdTestDaemon) daemon = avd_test_daemon_start_full (RELAXED_LIMITS, NULL, AVD_TEST_DAEMON_FLAG_NONE);
  g_autoptr(AvdTestWs) host = client (daemon, "host");
  g_autoptr(AvdTestWs) guest = client (daemon, "guest");
  g_autoptr(JsonObject) created = create (host, NULL);
  const char *sid = avd_test_json_string (created, "sessionId");

  json_object_unref (join (guest, avd_test_json_string (created, "inviteCode")));
  avd_test_ws_drain (host);
  {
    g_autoptr(JsonObject) end = avd_test_json_printf ("{\"type\":\"END_SESSION\",\"sessionId\":\"%s\"}", sid);
    g_autoptr(JsonObject) ended_host = avd_test_ws_request (host, end, "SESSION_ENDED");
    g_autoptr(JsonObject) ended_guest = avd_test_ws_expect (guest, "SESSION_ENDED");

    g_assert_cmpstr (avd_test_json_string (ended_host, "reason"), ==, "COMPLETED");
    g_assert_cmpstr (avd_test_json_string (ended_guest, "reason"), ==, "COMPLETED");
    g_assert_cmpstr (avd_test_json_string (ended_guest, "sessionId"), ==, sid);
  }
  avd_test_ws_sync (host);
  avd_test_ws_sync (guest);
  g_assert_cmpint (avd_test_daemon_stop (daemon), ==, 0);
}

static void
test_host_disconnects (void)
{
  g_autoptr(AvdTestDaemon) daemon =
    avd_test_daemon_start_full (RELAXED_LIMITS "grace-seconds=1\n", NULL, AVD_TEST_DAEMON_FLAG_NONE);
  g_autoptr(AvdTestWs) host = client (daemon, "host");
  g_autoptr(AvdTestWs) guest = client (daemon, "guest");
  g_autoptr(JsonObject) created = create (host, NULL);
  const char *sid = avd_test_json_string (created, "sessionId");
  g_autofree char *h = g_strdup (avd_test_ws_get_fingerprint (host));

  json_object_unref (join (guest, avd_test_json_string (created, "inviteCode")));
  avd_test_ws_drain (host);
  avd_test_ws_close (host);
  {
    g_autoptr(JsonObject) offline = avd_test_ws_expect (guest, "PARTICIPANT_OFFLINE");

    g_assert_cmpstr (avd_test_json_string (offline, "fingerprint"), ==, h);
  }
  /* the host was the hub */
  expect_hub_change (guest, sid, avd_test_ws_get_fingerprint (guest), h, "DISCONNECT");
  {
    g_autoptr(JsonObject) left = avd_test_ws_expect (guest, "PARTICIPANT_LEFT");
    g_autoptr(JsonObject) ended = avd_test_ws_expect (guest, "SESSION_ENDED");

    g_assert_cmpstr (avd_test_json_string (left, "fingerprint"), ==, h);
    g_assert_cmpstr (avd_test_json_string (left, "reason"), ==, "DISCONNECT");
    g_assert_cmpstr (avd_test_json_string (ended, "reason"), ==, "HOST_LEFT");
  }
  avd_test_ws_sync (guest);
  g_assert_cmpint (avd_test_daemon_stop (daemon), ==, 0);
}

static void
test_timeout (void)
{
  g_autoptr(AvdTestDaemon) daemon =
    avd_test_daemon_start_full (RELAXED_LIMITS "[tier.free]\nmax-duration-seconds=2\n", NULL,
                                AVD_TEST_DAEMON_FLAG_NONE);
  g_autoptr(AvdTestWs) host = client (daemon, "host");
  g_autoptr(AvdTestWs) guest = client (daemon, "guest");
  g_autoptr(AvdTestWs) latecomer = client (daemon, "latecomer");
  gint64 created_at = g_get_real_time () / 1000;
  gint64 started = g_get_monotonic_time ();
  g_autoptr(JsonObject) created = create (host, NULL);
  JsonObject *limits = json_object_get_object_member (created, "limits");
  gint64 elapsed_ms;

  json_object_unref (join (guest, avd_test_json_string (created, "inviteCode")));
  g_assert_cmpint (json_object_get_int_member (limits, "maxDurationSeconds"), ==, 2);
  g_assert_cmpint (json_object_get_int_member (limits, "expiresAt"), >=, created_at + 2000 - 1000);
  g_assert_cmpint (json_object_get_int_member (limits, "expiresAt"), <=, created_at + 2000 + 1000);
  avd_test_ws_drain (host);
  {
    g_autoptr(JsonObject) ended_guest = avd_test_ws_expect (guest, "SESSION_ENDED");
    g_autoptr(JsonObject) ended_host = avd_test_ws_expect (host, "SESSION_ENDED");

    elapsed_ms = (g_get_monotonic_time () - started) / 1000;
    g_test_message ("TIMEOUT after %" G_GINT64_FORMAT " ms", elapsed_ms);
    g_assert_cmpstr (avd_test_json_string (ended_guest, "reason"), ==, "TIMEOUT");
    g_assert_cmpstr (avd_test_json_string (ended_host, "reason"), ==, "TIMEOUT");
    g_assert_cmpint (elapsed_ms, >=, 1500);
  }
  expect_join_error (latecomer, avd_test_json_string (created, "inviteCode"), "SESSION_NOT_FOUND");
  g_assert_cmpint (avd_test_daemon_stop (daemon), ==, 0);
}

static void
test_license_revoked (void)
{
  g_autoptr(AvdTestDaemon) daemon =
    avd_test_daemon_start_full (RELAXED_LIMITS "license-cache-seconds=1\n[turn]\nenabled=false\n", NULL,
                                AVD_TEST_DAEMON_FLAG_NONE);
  g_autofree char *key = avd_test_daemon_issue_license (daemon, "pro", "revokee");
  g_autofree char *expired = avd_test_daemon_issue_license_full (daemon, "business", "lapsed", "2001-01-01");
  g_autoptr(AvdTestWs) host = client (daemon, "host");
  g_autoptr(AvdTestWs) guest = client (daemon, "guest");
  g_autoptr(JsonObject) created = create (host, key);
  g_autoptr(JsonObject) joined = join (guest, avd_test_json_string (created, "inviteCode"));
  g_autofree char *caps = avd_test_caps_text (1, 0, TRUE, 100);
  gint64 revoked_at;

  g_assert_cmpstr (avd_test_json_string (json_object_get_object_member (created, "limits"), "tier"), ==, "pro");
  avd_test_ws_drain (host);

  /* pro allows a relay, but this server has none to offer (no [ice]
   * turn-servers, embedded relay off): no credentials without URLs */
  g_assert_true (json_object_get_boolean_member (json_object_get_object_member (created, "limits"), "turnAllowed"));
  g_assert_false (json_object_has_member (created, "turnCredentials"));
  g_assert_false (json_object_has_member (joined, "turnCredentials"));
  {
    g_autoptr(JsonObject) request = avd_test_json_printf ("{\"type\":\"REQUEST_TURN\",\"id\":\"t1\",\"sessionId\":\"%s\"}",
                                                          avd_test_json_string (created, "sessionId"));
    g_autoptr(JsonObject) error = NULL;

    avd_test_ws_send (host, request);
    error = avd_test_ws_expect_error (host, "TURN_UNAVAILABLE", "t1");
  }

  /* a licence that ran out cannot create */
  {
    g_autoptr(JsonObject) request = avd_test_json_printf ("{\"type\":\"CREATE_SESSION\",\"id\":\"x1\",\"sessionType\":\"CALL\","
                                                          "\"licenseToken\":\"%s\",\"capabilities\":%s}", expired, caps);
    g_autoptr(JsonObject) error = NULL;

    avd_test_ws_send (guest, request);
    error = avd_test_ws_expect_error (guest, "LICENSE_EXPIRED", "x1");
  }

  /* revoking ends the live session within license-cache-seconds or so */
  avd_test_daemon_revoke_license (daemon, key);
  revoked_at = g_get_monotonic_time ();
  {
    g_autoptr(JsonObject) ended_host = avd_test_ws_expect (host, "SESSION_ENDED");
    g_autoptr(JsonObject) ended_guest = avd_test_ws_expect (guest, "SESSION_ENDED");

    g_test_message ("LICENSE_EXPIRED %" G_GINT64_FORMAT " ms after the revocation",
                    (g_get_monotonic_time () - revoked_at) / 1000);
    g_assert_cmpstr (avd_test_json_string (ended_host, "reason"), ==, "LICENSE_EXPIRED");
    g_assert_cmpstr (avd_test_json_string (ended_guest, "reason"), ==, "LICENSE_EXPIRED");
  }
  /* and the key no longer creates sessions */
  {
    g_autoptr(JsonObject) request = avd_test_json_printf ("{\"type\":\"CREATE_SESSION\",\"id\":\"x2\",\"sessionType\":\"CALL\","
                                                          "\"licenseToken\":\"%s\",\"capabilities\":%s}", key, caps);
    g_autoptr(JsonObject) error = NULL;

    avd_test_ws_send (host, request);
    error = avd_test_ws_expect_error (host, "LICENSE_EXPIRED", "x2");
  }
  g_assert_cmpint (avd_test_daemon_stop (daemon), ==, 0);
}

/* ---- restart ------------------------------------------------------- */

static void
test_restart (void)
{
  g_autoptr(AvdTestDaemon) daemon =
    avd_test_daemon_start_full (RELAXED_LIMITS "grace-seconds=4\n[tier.free]\nmax-peers=3\n", NULL,
                                AVD_TEST_DAEMON_FLAG_NONE);
  g_autoptr(AvdTestWs) host = client (daemon, "host");
  g_autoptr(AvdTestWs) guest = client (daemon, "guest");
  g_autoptr(AvdTestWs) gone = client (daemon, "gone");
  g_autoptr(AvdTestWs) host2 = NULL;
  g_autoptr(AvdTestWs) guest2 = NULL;
  g_autoptr(AvdTestWs) newcomer = NULL;
  g_autoptr(JsonObject) created = create (host, NULL);
  const char *sid = avd_test_json_string (created, "sessionId");
  g_autofree char *caps = avd_test_caps_text (4, 4000, TRUE, 100);
  g_autofree char *g = g_strdup (avd_test_ws_get_fingerprint (guest));
  g_autofree char *gone_fp = g_strdup (avd_test_ws_get_fingerprint (gone));
  gint64 restarted;

  json_object_unref (join (guest, avd_test_json_string (created, "inviteCode")));
  json_object_unref (join (gone, avd_test_json_string (created, "inviteCode")));
  avd_test_ws_drain (host);
  avd_test_ws_drain (guest);

  /* SIGTERM: everyone hears 1001 (going away); the daemon exits cleanly */
  avd_test_daemon_restart (daemon);
  restarted = g_get_monotonic_time ();
  g_assert_cmpuint (avd_test_ws_wait_closed (host), ==, SOUP_WEBSOCKET_CLOSE_GOING_AWAY);
  g_assert_cmpuint (avd_test_ws_wait_closed (guest), ==, SOUP_WEBSOCKET_CLOSE_GOING_AWAY);
  g_assert_cmpuint (avd_test_ws_wait_closed (gone), ==, SOUP_WEBSOCKET_CLOSE_GOING_AWAY);

  /* the session survived: its members rejoin */
  host2 = reconnect (daemon, host, "host");
  {
    g_autoptr(JsonObject) request = avd_test_json_printf ("{\"type\":\"REJOIN_SESSION\",\"sessionId\":\"%s\","
                                                          "\"capabilities\":%s}", sid, caps);
    g_autoptr(JsonObject) rejoined = avd_test_ws_request (host2, request, "SESSION_REJOINED");

    g_assert_cmpuint (json_array_get_length (json_object_get_array_member (rejoined, "participants")), ==, 3);
    g_assert_true (json_object_get_boolean_member (find_participant (rejoined, avd_test_ws_get_fingerprint (host)),
                                                   "online"));
    g_assert_cmpstr (avd_test_json_string (find_participant (rejoined, avd_test_ws_get_fingerprint (host)), "role"),
                     ==, "HOST");
    g_assert_false (json_object_get_boolean_member (find_participant (rejoined, g), "online"));
    g_assert_false (json_object_get_boolean_member (find_participant (rejoined, gone_fp), "online"));
  }
  guest2 = reconnect (daemon, guest, "guest");
  {
    g_autoptr(JsonObject) request = avd_test_json_printf ("{\"type\":\"REJOIN_SESSION\",\"sessionId\":\"%s\","
                                                          "\"capabilities\":%s}", sid, caps);
    g_autoptr(JsonObject) rejoined = avd_test_ws_request (guest2, request, "SESSION_REJOINED");
    g_autoptr(JsonObject) announced = avd_test_ws_find (host2, "PARTICIPANT_JOINED");

    g_assert_cmpstr (avd_test_json_string (rejoined, "sessionId"), ==, sid);
    g_assert_cmpstr (avd_test_json_string (json_object_get_object_member (announced, "participant"), "fingerprint"),
                     ==, g);
  }
  avd_test_ws_drain (host2);
  avd_test_ws_drain (guest2);

  /* and relay again */
  {
    g_autoptr(JsonObject) offer = avd_test_json_printf ("{\"type\":\"SDP_OFFER\",\"sessionId\":\"%s\",\"toFingerprint\":\"%s\","
                                                        "\"sdp\":\"v=0 after restart\"}", sid, g);
    g_autoptr(JsonObject) got = NULL;

    avd_test_ws_send (host2, offer);
    got = avd_test_ws_expect (guest2, "SDP_OFFER");
    g_assert_cmpstr (avd_test_json_string (got, "fromFingerprint"), ==, avd_test_ws_get_fingerprint (host));
    g_assert_cmpstr (avd_test_json_string (got, "sdp"), ==, "v=0 after restart");
  }
  /* the invite code and the tier's limit came back too (3 members) */
  newcomer = client (daemon, "newcomer");
  expect_join_error (newcomer, avd_test_json_string (created, "inviteCode"), "SESSION_FULL");

  /* the one that does not come back leaves when the grace that started
   * with the restart runs out */
  {
    g_autoptr(JsonObject) left = avd_test_ws_find (host2, "PARTICIPANT_LEFT");
    gint64 waited_ms = (g_get_monotonic_time () - restarted) / 1000;

    g_test_message ("PARTICIPANT_LEFT %" G_GINT64_FORMAT " ms after the restart", waited_ms);
    g_assert_cmpstr (avd_test_json_string (left, "fingerprint"), ==, gone_fp);
    g_assert_cmpstr (avd_test_json_string (left, "reason"), ==, "DISCONNECT");
    g_assert_cmpint (waited_ms, >=, 2500);
  }
  g_assert_cmpint (avd_test_daemon_stop (daemon), ==, 0);
}

/* Session history is durable: after a session, its row and its
 * participants' rows in the SQLite store hold what happened. */
static void
test_history (void)
{
  g_autoptr(AvdTestDaemon) daemon = avd_test_daemon_start_full (RELAXED_LIMITS, NULL, AVD_TEST_DAEMON_FLAG_NONE);
  g_autoptr(AvdTestWs) host = client (daemon, "host");
  g_autoptr(AvdTestWs) guest = client (daemon, "guest");
  g_autoptr(JsonObject) created = create (host, NULL);
  g_autofree char *sid = g_strdup (avd_test_json_string (created, "sessionId"));
  g_autofree char *db_path = g_build_filename (daemon->state_dir, "avanue.db", NULL);
  sqlite3 *db = NULL;
  sqlite3_stmt *stmt = NULL;

  json_object_unref (join (guest, avd_test_json_string (created, "inviteCode")));
  avd_test_ws_drain (host);
  avd_test_ws_drain (guest);
  {
    g_autoptr(JsonObject) h = avd_test_json_printf (
      "{\"type\":\"REPORT_STATS\",\"sessionId\":\"%s\",\"avgLatencyMs\":20,"
      "\"avgPacketLossPercent\":1,\"natType\":\"full-cone\",\"candidateType\":\"host\"}", sid);
    g_autoptr(JsonObject) g = avd_test_json_printf (
      "{\"type\":\"REPORT_STATS\",\"sessionId\":\"%s\",\"avgLatencyMs\":40,"
      "\"avgPacketLossPercent\":3,\"natType\":\"symmetric\",\"candidateType\":\"relay\"}", sid);

    avd_test_ws_send (host, h);
    avd_test_ws_send (guest, g);
  }
  avd_test_ws_sync (host);
  avd_test_ws_sync (guest);
  {
    g_autoptr(JsonObject) leave = avd_test_json_printf ("{\"type\":\"LEAVE_SESSION\",\"sessionId\":\"%s\"}", sid);
    json_object_unref (avd_test_ws_request (guest, leave, "SESSION_LEFT"));
    json_object_unref (avd_test_ws_expect (host, "PARTICIPANT_LEFT"));
  }
  {
    g_autoptr(JsonObject) end = avd_test_json_printf ("{\"type\":\"END_SESSION\",\"sessionId\":\"%s\"}", sid);

    json_object_unref (avd_test_ws_request (host, end, "SESSION_ENDED"));
  }
  /* The store writes on its own thread; stopping the daemon drains it. */
  g_assert_cmpint (avd_test_daemon_stop (daemon), ==, 0);

  g_assert_cmpint (sqlite3_open_v2 (db_path, &db, SQLITE_OPEN_READONLY, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_prepare_v2 (db,
                                       "SELECT session_type, host_fingerprint, license_tier, end_reason,"
                                       " participant_count, hub_migration_count, avg_latency_ms,"
                                       " avg_packet_loss_percent, started_at, ended_at, duration_seconds"
                                       " FROM session_history WHERE id = ?", -1, &stmt, NULL), ==, SQLITE_OK);
  sqlite3_bind_text (stmt, 1, sid, -1, SQLITE_STATIC);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  g_assert_cmpstr ((const char *) sqlite3_column_text (stmt, 0), ==, "CALL");
  g_assert_cmpstr ((const char *) sqlite3_column_text (stmt, 1), ==, avd_test_ws_get_fingerprint (host));
  g_assert_cmpstr ((const char *) sqlite3_column_text (stmt, 2), ==, "free");
  g_assert_cmpstr ((const char *) sqlite3_column_text (stmt, 3), ==, "COMPLETED");
  g_assert_cmpint (sqlite3_column_int (stmt, 4), ==, 2);
  g_assert_cmpint (sqlite3_column_int (stmt, 5), ==, 0);
  g_assert_cmpfloat (sqlite3_column_double (stmt, 6), ==, 30);
  g_assert_cmpfloat (sqlite3_column_double (stmt, 7), ==, 2);
  g_assert_cmpint (sqlite3_column_int64 (stmt, 9), >=, sqlite3_column_int64 (stmt, 8));
  g_assert_cmpint (sqlite3_column_int64 (stmt, 10), >=, 0);
  sqlite3_finalize (stmt);

  g_assert_cmpint (sqlite3_prepare_v2 (db,
                                       "SELECT role, leave_reason, nat_type, candidate_type, left_at"
                                       " FROM session_participants WHERE session_id = ? AND fingerprint = ?",
                                       -1, &stmt, NULL), ==, SQLITE_OK);
  sqlite3_bind_text (stmt, 1, sid, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 2, avd_test_ws_get_fingerprint (guest), -1, SQLITE_STATIC);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  g_assert_cmpstr ((const char *) sqlite3_column_text (stmt, 0), ==, "GUEST");
  g_assert_cmpstr ((const char *) sqlite3_column_text (stmt, 1), ==, "LEFT");
  g_assert_cmpstr ((const char *) sqlite3_column_text (stmt, 2), ==, "symmetric");
  g_assert_cmpstr ((const char *) sqlite3_column_text (stmt, 3), ==, "relay");
  g_assert_cmpint (sqlite3_column_int64 (stmt, 4), >, 0);
  sqlite3_finalize (stmt);

  /* The device registry keeps the NAT type reported last. */
  g_assert_cmpint (sqlite3_prepare_v2 (db, "SELECT nat_type FROM device_fingerprints WHERE fingerprint = ?",
                                       -1, &stmt, NULL), ==, SQLITE_OK);
  sqlite3_bind_text (stmt, 1, avd_test_ws_get_fingerprint (host), -1, SQLITE_STATIC);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  g_assert_cmpstr ((const char *) sqlite3_column_text (stmt, 0), ==, "full-cone");
  sqlite3_finalize (stmt);
  sqlite3_close (db);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  avd_test_silence_debug ();

  g_test_add_func ("/avanued/signaling/sessions/create-join", test_create_join);
  g_test_add_func ("/avanued/signaling/sessions/join-rate-limit", test_join_rate_limit);
  g_test_add_func ("/avanued/signaling/sessions/relay", test_relay);
  g_test_add_func ("/avanued/signaling/sessions/election/hysteresis", test_election_hysteresis);
  g_test_add_func ("/avanued/signaling/sessions/election/battery-disconnect", test_election_battery_disconnect);
  g_test_add_func ("/avanued/signaling/sessions/grace-rejoin", test_grace_rejoin);
  g_test_add_func ("/avanued/signaling/sessions/end/host-leaves", test_host_leaves);
  g_test_add_func ("/avanued/signaling/sessions/end/completed", test_end_session);
  g_test_add_func ("/avanued/signaling/sessions/end/host-disconnects", test_host_disconnects);
  g_test_add_func ("/avanued/signaling/sessions/end/timeout", test_timeout);
  g_test_add_func ("/avanued/signaling/sessions/end/license-revoked", test_license_revoked);
  g_test_add_func ("/avanued/signaling/sessions/restart", test_restart);
  g_test_add_func ("/avanued/signaling/sessions/history", test_history);

  return g_test_run ();
}
