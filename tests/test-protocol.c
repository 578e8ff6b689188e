/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Tests for AvanueProtocol: the schema of every signaling message (DESIGN §5). */
#include "config.h"

#include <math.h>
#include <string.h>

#include "avanue.h"

#define C2S AVANUE_MESSAGE_DIRECTION_CLIENT_TO_SERVER
#define S2C AVANUE_MESSAGE_DIRECTION_SERVER_TO_CLIENT

/* Test data. The JSON below is written with ' for " (see unquote()). */
#define FP_A "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
#define FP_B "60303ae22b998861bce3b28f33eec1be758a213c86c93c076dbe9f558c11c752"
/* base64 of bytes 0..31 and 0..63 */
#define B64_32 "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="
#define B64_64 "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIjJCUmJygpKissLS4vMDEyMzQ1Njc4OTo7PD0+Pw=="
/* base64 of bytes 0..30 (31 bytes) and 0..62 (63 bytes) */
#define B64_31 "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHg=="
#define B64_63 "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIjJCUmJygpKissLS4vMDEyMzQ1Njc4OTo7PD0+"
#define UUID_1 "3f2504e0-4f89-11d3-9a0c-0305e82c3301"
#define UUID_2 "c9bf9e57-1685-4c89-bafb-ff5af830be8a"
#define SDP "v=0\\r\\no=- 4611731400430051336 2 IN IP4 127.0.0.1\\r\\ns=-\\r\\nt=0 0\\r\\n"
#define CAND "candidate:842163049 1 udp 1677729535 203.0.113.50 41234 typ srflx raddr 192.168.1.5 rport 54321"
#define CAPS "{'cpuCores':8,'ramMb':16384,'batteryPercent':80,'isCharging':false,'networkType':'WIFI'," \
             "'bandwidthMbps':100,'deviceType':'DESKTOP','platform':'DESKTOP','screenWidth':1920," \
             "'supportedCodecs':['VP8','H264'],'modules':['chat']}"
#define PARTICIPANT_A "{'fingerprint':'" FP_A "','deviceName':'Laptop','platform':'DESKTOP','deviceType':'DESKTOP'," \
                      "'role':'HOST','topologyRole':'HUB','isLicensed':true,'capabilityScore':512.5," \
                      "'online':true,'joinedAt':1767225600000}"
#define PARTICIPANT_B "{'fingerprint':'" FP_B "','deviceName':'Glasses','platform':'GLASSES','deviceType':'GLASSES'," \
                      "'role':'GUEST','topologyRole':'SPOKE','isLicensed':false,'capabilityScore':120," \
                      "'online':false,'joinedAt':1767225660000}"
#define LIMITS "{'tier':'pro','maxPeers':10,'maxDurationSeconds':0,'turnAllowed':true,'expiresAt':null}"
#define TURN "{'username':'1767229200:s1:" FP_A "','password':'c2VjcmV0cGFzc3dvcmQ='," \
             "'urls':['turn:127.0.0.1:3478?transport=udp','stun:127.0.0.1:3478'],'ttlSeconds':3600}"

/* Turns the ' of the test data into ". */
static char *
unquote (const char *quoted)
{
  char *text = g_strdup (quoted);

  for (char *p = text; *p != '\0'; p++)
    {
      if (*p == '\'')
        *p = '"';
    }
  return text;
}

static JsonObject *
object_from_quoted (const char *quoted)
{
  g_autofree char *text = unquote (quoted);
  g_autoptr(JsonNode) node = json_from_string (text, NULL);

  g_assert_nonnull (node);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (node));
  return json_node_dup_object (node);
}

static char *
object_to_text (JsonObject *object)
{
  g_autoptr(JsonNode) node = json_node_init_object (json_node_alloc (), object);

  return json_to_string (node, FALSE);
}

static const char *
direction_name (AvanueMessageDirection direction)
{
  return direction == C2S ? "client→server" : "server→client";
}

/* Parses @text (of @length bytes) and checks it passes as @expected_type. */
static JsonObject *
parse_valid (AvanueProtocol         *protocol,
                  AvanueMessageDirection  direction,
                  const char             *text,
                  gssize                  length,
                  AvanueMessageType       expected_type,
                  const char             *expected_ref)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *ref = NULL;
  AvanueMessageType type = AVANUE_MESSAGE_TYPE_UNKNOWN;
  JsonObject *object;

  object = avanue_protocol_parse_message (protocol, text, length, direction, &type, &ref, &error);
  if (error != NULL)
    g_test_message ("%s %.200s: %s", direction_name (direction), text, error->message);
  g_assert_no_error (error);
  g_assert_nonnull (object);
  g_assert_cmpint (type, ==, expected_type);
  g_assert_cmpstr (ref, ==, expected_ref);
  return object;
}

static void
assert_valid_len (AvanueProtocol         *protocol,
                  AvanueMessageDirection  direction,
                  const char             *text,
                  gssize                  length,
                  AvanueMessageType       expected_type,
                  const char             *expected_ref)
{
  json_object_unref (parse_valid (protocol, direction, text, length, expected_type, expected_ref));
}

static void
assert_valid (AvanueProtocol         *protocol,
              AvanueMessageDirection  direction,
              const char             *text,
              AvanueMessageType       expected_type,
              const char             *expected_ref)
{
  assert_valid_len (protocol, direction, text, -1, expected_type, expected_ref);
}

/* Parses @text and checks it fails with @code, reporting @expected_ref. */
static void
assert_invalid_len (AvanueProtocol         *protocol,
                    AvanueMessageDirection  direction,
                    const char             *text,
                    gssize                  length,
                    int                     code,
                    const char             *expected_ref)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) object = NULL;
  g_autofree char *ref = NULL;

  object = avanue_protocol_parse_message (protocol, text, length, direction, NULL, &ref, &error);
  if (object != NULL)
    g_test_message ("%s accepted: %.300s", direction_name (direction), text);
  else if (!g_error_matches (error, AVANUE_PROTOCOL_ERROR, code))
    g_test_message ("%s %.300s: wrong error %s", direction_name (direction), text, error->message);
  g_assert_null (object);
  g_assert_error (error, AVANUE_PROTOCOL_ERROR, code);
  g_assert_nonnull (error->message);
  g_assert_cmpstr (ref, ==, expected_ref);
}

static void
assert_invalid (AvanueProtocol         *protocol,
                AvanueMessageDirection  direction,
                const char             *text,
                int                     code,
                const char             *expected_ref)
{
  assert_invalid_len (protocol, direction, text, -1, code, expected_ref);
}

/* ---------------------------------------------------------------------- */
/* Names                                                                   */

static const char * const expected_error_names[] = {
  "BAD_REQUEST", "UNSUPPORTED_TYPE", "TOO_LARGE", "RATE_LIMITED", "NOT_REGISTERED",
  "BAD_SIGNATURE", "DEVICE_BLOCKED", "LICENSE_REQUIRED", "LICENSE_EXPIRED",
  "SESSION_NOT_FOUND", "SESSION_FULL", "SESSION_ENDED", "NOT_IN_SESSION",
  "PEER_NOT_FOUND", "FORBIDDEN", "TURN_UNAVAILABLE", "INTERNAL",
};

static void
test_error_codes (void)
{
  g_autoptr(GEnumClass) enum_class = g_type_class_ref (AVANUE_TYPE_PROTOCOL_ERROR);
  AvanueProtocolError code;

  /* every code of §5, no more */
  g_assert_cmpuint (enum_class->n_values, ==, G_N_ELEMENTS (expected_error_names));
  for (guint i = 0; i < G_N_ELEMENTS (expected_error_names); i++)
    {
      GEnumValue *value = g_enum_get_value (enum_class, (int) i);
      g_autofree char *nick = NULL;

      g_assert_nonnull (value);
      nick = g_ascii_strup (value->value_nick, -1);
      g_strdelimit (nick, "-", '_');
      g_assert_cmpstr (nick, ==, expected_error_names[i]);

      g_assert_cmpstr (avanue_protocol_error_to_string ((AvanueProtocolError) i), ==, expected_error_names[i]);
      code = (AvanueProtocolError) 99;
      g_assert_true (avanue_protocol_error_from_string (expected_error_names[i], &code));
      g_assert_cmpint (code, ==, (int) i);
    }
  g_assert_cmpint (AVANUE_PROTOCOL_ERROR_BAD_REQUEST, ==, 0);
  g_assert_cmpstr (avanue_protocol_error_to_string (AVANUE_PROTOCOL_ERROR_TURN_UNAVAILABLE), ==, "TURN_UNAVAILABLE");
  g_assert_null (avanue_protocol_error_to_string ((AvanueProtocolError) 17));
  g_assert_null (avanue_protocol_error_to_string ((AvanueProtocolError) -1));
  g_assert_false (avanue_protocol_error_from_string ("bad_request", NULL));
  g_assert_false (avanue_protocol_error_from_string ("", NULL));
  g_assert_false (avanue_protocol_error_from_string (NULL, NULL));
  g_assert_false (avanue_protocol_error_from_string ("BAD_REQUEST ", NULL));
  g_assert_true (avanue_protocol_error_from_string ("INTERNAL", NULL));
  g_assert_cmpstr (g_quark_to_string (AVANUE_PROTOCOL_ERROR), ==, "avanue-protocol-error-quark");
}

static const char * const client_only_types[] = {
  "REGISTER_DEVICE", "PING", "CREATE_SESSION", "JOIN_SESSION", "REJOIN_SESSION",
  "LEAVE_SESSION", "END_SESSION", "CAPABILITY_UPDATE", "REQUEST_TURN", "REPORT_STATS",
  "PAIR_REQUEST", "PAIR_ACCEPT", "PAIR_REJECT", "REGISTER_PUSH", "PUBLISH_KEYS",
  "FETCH_KEYS", "MESSAGE_ACK",
};
static const char * const both_ways_types[] = {
  "SDP_OFFER", "SDP_ANSWER", "ICE_CANDIDATE", "APP_MESSAGE", "ENCRYPTED_MESSAGE",
};
static const char * const server_only_types[] = {
  "CONNECTED", "PONG", "DEVICE_REGISTERED", "SESSION_CREATED", "SESSION_JOINED",
  "SESSION_REJOINED", "SESSION_LEFT", "SESSION_ENDED", "PARTICIPANT_JOINED",
  "PARTICIPANT_OFFLINE", "PARTICIPANT_LEFT", "HUB_ELECTED", "ROLE_CHANGED",
  "TURN_CREDENTIALS", "PAIR_REQUESTED", "PAIR_ESTABLISHED", "PAIR_REJECTED",
  "PUSH_REGISTERED", "KEYS_PUBLISHED", "KEY_BUNDLE", "MESSAGE_ACCEPTED", "ERROR",
};

static void
check_types (const char * const     *names,
             gsize                   n_names,
             AvanueMessageDirection  expected_directions,
             GHashTable             *seen)
{
  for (gsize i = 0; i < n_names; i++)
    {
      AvanueMessageType type = avanue_message_type_from_string (names[i]);

      g_assert_cmpint (type, !=, AVANUE_MESSAGE_TYPE_UNKNOWN);
      g_assert_cmpstr (avanue_message_type_to_string (type), ==, names[i]);
      g_assert_cmpint (avanue_message_type_get_directions (type), ==, expected_directions);
      g_assert_true (g_hash_table_add (seen, GINT_TO_POINTER (type)));
    }
}

static void
test_message_types (void)
{
  g_autoptr(GEnumClass) enum_class = g_type_class_ref (AVANUE_TYPE_MESSAGE_TYPE);
  g_autoptr(GHashTable) seen = g_hash_table_new (NULL, NULL);
  g_autoptr(GFlagsClass) flags_class = g_type_class_ref (AVANUE_TYPE_MESSAGE_DIRECTION);

  check_types (client_only_types, G_N_ELEMENTS (client_only_types), C2S, seen);
  check_types (both_ways_types, G_N_ELEMENTS (both_ways_types), C2S | S2C, seen);
  check_types (server_only_types, G_N_ELEMENTS (server_only_types), S2C, seen);

  /* the enum holds exactly these, plus UNKNOWN */
  g_assert_cmpuint (enum_class->n_values, ==, g_hash_table_size (seen) + 1);
  g_assert_cmpuint (g_hash_table_size (seen), ==, 44);
  g_assert_cmpuint (flags_class->n_values, ==, 2);

  g_assert_cmpint (avanue_message_type_from_string ("ping"), ==, AVANUE_MESSAGE_TYPE_UNKNOWN);
  g_assert_cmpint (avanue_message_type_from_string ("HELLO"), ==, AVANUE_MESSAGE_TYPE_UNKNOWN);
  g_assert_cmpint (avanue_message_type_from_string (""), ==, AVANUE_MESSAGE_TYPE_UNKNOWN);
  g_assert_cmpint (avanue_message_type_from_string (NULL), ==, AVANUE_MESSAGE_TYPE_UNKNOWN);
  g_assert_null (avanue_message_type_to_string (AVANUE_MESSAGE_TYPE_UNKNOWN));
  g_assert_null (avanue_message_type_to_string ((AvanueMessageType) 1000));
  g_assert_cmpint (avanue_message_type_get_directions (AVANUE_MESSAGE_TYPE_UNKNOWN), ==, 0);
  g_assert_cmpint (avanue_message_type_get_directions ((AvanueMessageType) 1000), ==, 0);
  g_assert_cmpint (avanue_message_type_from_string ("ENCRYPTED_MESSAGE"), ==, AVANUE_MESSAGE_TYPE_ENCRYPTED_MESSAGE);
  g_assert_cmpint (avanue_message_type_from_string ("KEY_BUNDLE"), ==, AVANUE_MESSAGE_TYPE_KEY_BUNDLE);
}

static void
test_fingerprint (void)
{
  static const struct {
    const char *text;
    gboolean valid;
  } cases[] = {
    { FP_A, TRUE },
    { FP_B, TRUE },
    { "0000000000000000000000000000000000000000000000000000000000000000", TRUE },
    { "9F86D081884C7D659A2FEAA0C55AD015A3BF4F1B2B0B822CD15D6C15B0F00A08", FALSE },
    { "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00A08", FALSE },
    { "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a0", FALSE },
    { "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a088", FALSE },
    { "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a0g", FALSE },
    { "9f86d081884c7d659a2feaa0c55ad015 3bf4f1b2b0b822cd15d6c15b0f00a08", FALSE },
    { "", FALSE },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    g_assert_cmpint (avanue_protocol_is_valid_fingerprint (cases[i].text), ==, cases[i].valid);
  g_assert_false (avanue_protocol_is_valid_fingerprint (NULL));
}

static void
notify_count_cb (GObject    *object,
                 GParamSpec *pspec,
                 gpointer    user_data)
{
  (*(guint *) user_data)++;
}

static void
test_properties (void)
{
  g_autoptr(AvanueProtocol) protocol = avanue_protocol_new ();
  guint frame = 0, sdp = 0, candidate = 0, payload = 0, notified = 0;

  g_object_get (protocol,
                "max-frame-bytes", &frame,
                "max-sdp-bytes", &sdp,
                "max-candidate-bytes", &candidate,
                "max-payload-bytes", &payload,
                NULL);
  g_assert_cmpuint (frame, ==, 65536);
  g_assert_cmpuint (sdp, ==, 32768);
  g_assert_cmpuint (candidate, ==, 2048);
  g_assert_cmpuint (payload, ==, 49152);

  g_signal_connect (protocol, "notify", G_CALLBACK (notify_count_cb), &notified);
  avanue_protocol_set_max_frame_bytes (protocol, 1000);
  avanue_protocol_set_max_frame_bytes (protocol, 1000);
  g_assert_cmpuint (notified, ==, 1);
  g_object_set (protocol, "max-sdp-bytes", 100, "max-candidate-bytes", 50, "max-payload-bytes", 200, NULL);
  g_assert_cmpuint (notified, ==, 4);
  g_assert_cmpuint (avanue_protocol_get_max_frame_bytes (protocol), ==, 1000);
  g_assert_cmpuint (avanue_protocol_get_max_sdp_bytes (protocol), ==, 100);
  g_assert_cmpuint (avanue_protocol_get_max_candidate_bytes (protocol), ==, 50);
  g_assert_cmpuint (avanue_protocol_get_max_payload_bytes (protocol), ==, 200);
}

/* ---------------------------------------------------------------------- */
/* One valid example for every type and direction                         */

typedef struct
{
  AvanueMessageDirection direction;
  AvanueMessageType type;
  const char *json;       /* quoted form; carries id/re "r1" unless noted */
  const char *required;   /* the members that must be there, space-separated */
} Example;

static const Example examples[] = {
  /* client → server */
  { C2S, AVANUE_MESSAGE_TYPE_REGISTER_DEVICE,
    "{'type':'REGISTER_DEVICE','id':'r1','fingerprint':'" FP_A "','publicKey':'" B64_32 "',"
    "'signature':'" B64_64 "','deviceName':'Pixel 8','platform':'ANDROID','deviceType':'PHONE'}",
    "fingerprint publicKey signature deviceName platform deviceType" },
  { C2S, AVANUE_MESSAGE_TYPE_PING, "{'type':'PING','id':'r1'}", "" },
  { C2S, AVANUE_MESSAGE_TYPE_CREATE_SESSION,
    "{'type':'CREATE_SESSION','id':'r1','licenseToken':'avl_abcdefghijklmnopqrstuvwxyz234567abcdefgh',"
    "'sessionType':'CALL','capabilities':" CAPS "}",
    "sessionType capabilities" },
  { C2S, AVANUE_MESSAGE_TYPE_CREATE_SESSION,
    "{'type':'CREATE_SESSION','id':'r1','sessionType':'FILE_TRANSFER','capabilities':{}}",
    "sessionType capabilities" },
  { C2S, AVANUE_MESSAGE_TYPE_JOIN_SESSION,
    "{'type':'JOIN_SESSION','id':'r1','inviteCode':'avne 7k3m-q9zx','capabilities':" CAPS "}",
    "inviteCode capabilities" },
  { C2S, AVANUE_MESSAGE_TYPE_REJOIN_SESSION,
    "{'type':'REJOIN_SESSION','id':'r1','sessionId':'s1','capabilities':" CAPS "}",
    "sessionId capabilities" },
  { C2S, AVANUE_MESSAGE_TYPE_LEAVE_SESSION, "{'type':'LEAVE_SESSION','id':'r1','sessionId':'s1'}", "sessionId" },
  { C2S, AVANUE_MESSAGE_TYPE_END_SESSION, "{'type':'END_SESSION','id':'r1','sessionId':'s1'}", "sessionId" },
  { C2S, AVANUE_MESSAGE_TYPE_SDP_OFFER,
    "{'type':'SDP_OFFER','id':'r1','sessionId':'s1','toFingerprint':'" FP_B "','sdp':'" SDP "'}",
    "sessionId toFingerprint sdp" },
  { C2S, AVANUE_MESSAGE_TYPE_SDP_ANSWER,
    "{'type':'SDP_ANSWER','id':'r1','sessionId':'s1','toFingerprint':'" FP_B "','sdp':'" SDP "'}",
    "sessionId toFingerprint sdp" },
  { C2S, AVANUE_MESSAGE_TYPE_ICE_CANDIDATE,
    "{'type':'ICE_CANDIDATE','id':'r1','sessionId':'s1','toFingerprint':'" FP_B "','candidate':'" CAND "'}",
    "sessionId toFingerprint candidate" },
  { C2S, AVANUE_MESSAGE_TYPE_ICE_CANDIDATE,
    "{'type':'ICE_CANDIDATE','id':'r1','sessionId':'s1','toFingerprint':'" FP_B "',"
    "'candidate':{'candidate':'" CAND "','sdpMid':'0','sdpMLineIndex':0,'usernameFragment':'abcd'}}",
    "sessionId toFingerprint candidate" },
  { C2S, AVANUE_MESSAGE_TYPE_ICE_CANDIDATE,
    "{'type':'ICE_CANDIDATE','id':'r1','sessionId':'s1','toFingerprint':'" FP_B "','candidate':''}",
    "sessionId toFingerprint candidate" },
  { C2S, AVANUE_MESSAGE_TYPE_APP_MESSAGE,
    "{'type':'APP_MESSAGE','id':'r1','sessionId':'s1','toFingerprint':'" FP_B "',"
    "'payload':{'kind':'mute','audio':false,'n':[1,2.5,null]}}",
    "sessionId payload" },
  { C2S, AVANUE_MESSAGE_TYPE_CAPABILITY_UPDATE,
    "{'type':'CAPABILITY_UPDATE','id':'r1','sessionId':'s1','capabilities':" CAPS "}",
    "sessionId capabilities" },
  { C2S, AVANUE_MESSAGE_TYPE_REQUEST_TURN, "{'type':'REQUEST_TURN','id':'r1','sessionId':'s1'}", "sessionId" },
  { C2S, AVANUE_MESSAGE_TYPE_REPORT_STATS,
    "{'type':'REPORT_STATS','id':'r1','sessionId':'s1','avgLatencyMs':42.5,'avgPacketLossPercent':0.2,"
    "'natType':'port-restricted','candidateType':'srflx'}",
    "sessionId avgLatencyMs avgPacketLossPercent natType candidateType" },
  { C2S, AVANUE_MESSAGE_TYPE_PAIR_REQUEST,
    "{'type':'PAIR_REQUEST','id':'r1','targetFingerprint':'" FP_B "'}", "targetFingerprint" },
  { C2S, AVANUE_MESSAGE_TYPE_PAIR_ACCEPT, "{'type':'PAIR_ACCEPT','id':'r1','requestId':'pr1'}", "requestId" },
  { C2S, AVANUE_MESSAGE_TYPE_PAIR_REJECT, "{'type':'PAIR_REJECT','id':'r1','requestId':'pr1'}", "requestId" },
  /* one of token and endpoint is needed, so the one present is required */
  { C2S, AVANUE_MESSAGE_TYPE_REGISTER_PUSH,
    "{'type':'REGISTER_PUSH','id':'r1','platform':'ANDROID','token':'fcm:abcdef0123'}", "platform token" },
  { C2S, AVANUE_MESSAGE_TYPE_REGISTER_PUSH,
    "{'type':'REGISTER_PUSH','id':'r1','platform':'DESKTOP','endpoint':'https://push.example.org/up/abc'}",
    "platform endpoint" },
  { C2S, AVANUE_MESSAGE_TYPE_PUBLISH_KEYS,
    "{'type':'PUBLISH_KEYS','id':'r1','identityKey':'" B64_32 "','signedPreKey':'" B64_32 "',"
    "'preKeySignature':'" B64_64 "','oneTimePreKeys':[{'keyId':1,'publicKey':'" B64_32 "'},"
    "{'keyId':2,'publicKey':'" B64_32 "'}]}",
    "identityKey signedPreKey preKeySignature oneTimePreKeys" },
  { C2S, AVANUE_MESSAGE_TYPE_FETCH_KEYS, "{'type':'FETCH_KEYS','id':'r1','fingerprint':'" FP_B "'}", "fingerprint" },
  { C2S, AVANUE_MESSAGE_TYPE_ENCRYPTED_MESSAGE,
    "{'type':'ENCRYPTED_MESSAGE','id':'r1','toFingerprint':'" FP_B "','messageId':'" UUID_1 "',"
    "'payload':'aGVsbG8gZW5jcnlwdGVkIHdvcmxk'}",
    "toFingerprint messageId payload" },
  { C2S, AVANUE_MESSAGE_TYPE_MESSAGE_ACK, "{'type':'MESSAGE_ACK','id':'r1','messageId':'" UUID_1 "'}", "messageId" },

  /* server → client */
  { S2C, AVANUE_MESSAGE_TYPE_CONNECTED,
    "{'type':'CONNECTED','re':'r1','clientId':'" UUID_2 "','server':'avanued/0.1.0','protocol':1,"
    "'nonce':'" B64_32 "','heartbeatSeconds':25}",
    "clientId server protocol nonce heartbeatSeconds" },
  { S2C, AVANUE_MESSAGE_TYPE_PONG, "{'type':'PONG','re':'r1','timestamp':1767225600123}", "timestamp" },
  { S2C, AVANUE_MESSAGE_TYPE_DEVICE_REGISTERED,
    "{'type':'DEVICE_REGISTERED','re':'r1','deviceId':'d1','fingerprint':'" FP_A "','pendingMessages':3}",
    "deviceId fingerprint pendingMessages" },
  { S2C, AVANUE_MESSAGE_TYPE_SESSION_CREATED,
    "{'type':'SESSION_CREATED','re':'r1','sessionId':'s1','inviteCode':'AVNE-7K3M-Q9ZX',"
    "'joinUrl':'avanues://join/AVNE-7K3M-Q9ZX','sessionType':'CALL','hubFingerprint':'" FP_A "',"
    "'limits':" LIMITS ",'turnCredentials':" TURN "}",
    "sessionId inviteCode joinUrl sessionType hubFingerprint limits" },
  { S2C, AVANUE_MESSAGE_TYPE_SESSION_JOINED,
    "{'type':'SESSION_JOINED','re':'r1','sessionId':'s1','sessionType':'CAST',"
    "'participants':[" PARTICIPANT_A "," PARTICIPANT_B "],'hubFingerprint':'" FP_A "',"
    "'limits':{'tier':'free','maxPeers':2,'maxDurationSeconds':2400,'turnAllowed':false,'expiresAt':1767228000000}}",
    "sessionId sessionType participants hubFingerprint limits" },
  { S2C, AVANUE_MESSAGE_TYPE_SESSION_REJOINED,
    "{'type':'SESSION_REJOINED','re':'r1','sessionId':'s1','sessionType':'SCREEN_SHARE',"
    "'participants':[" PARTICIPANT_A "],'hubFingerprint':null,'limits':" LIMITS ",'turnCredentials':" TURN ","
    "'missedEvents':[{'type':'SDP_OFFER','sessionId':'s1','fromFingerprint':'" FP_B "','sdp':'" SDP "'},"
    "{'type':'ICE_CANDIDATE','sessionId':'s1','fromFingerprint':'" FP_B "','candidate':'" CAND "'}]}",
    "sessionId sessionType participants hubFingerprint limits missedEvents" },
  { S2C, AVANUE_MESSAGE_TYPE_SESSION_LEFT, "{'type':'SESSION_LEFT','re':'r1','sessionId':'s1'}", "sessionId" },
  { S2C, AVANUE_MESSAGE_TYPE_SESSION_ENDED,
    "{'type':'SESSION_ENDED','re':'r1','sessionId':'s1','reason':'COMPLETED'}", "sessionId reason" },
  { S2C, AVANUE_MESSAGE_TYPE_PARTICIPANT_JOINED,
    "{'type':'PARTICIPANT_JOINED','re':'r1','sessionId':'s1','participant':" PARTICIPANT_B "}",
    "sessionId participant" },
  { S2C, AVANUE_MESSAGE_TYPE_PARTICIPANT_OFFLINE,
    "{'type':'PARTICIPANT_OFFLINE','re':'r1','sessionId':'s1','fingerprint':'" FP_B "'}", "sessionId fingerprint" },
  { S2C, AVANUE_MESSAGE_TYPE_PARTICIPANT_LEFT,
    "{'type':'PARTICIPANT_LEFT','re':'r1','sessionId':'s1','fingerprint':'" FP_B "','reason':'KICKED'}",
    "sessionId fingerprint reason" },
  { S2C, AVANUE_MESSAGE_TYPE_HUB_ELECTED,
    "{'type':'HUB_ELECTED','re':'r1','sessionId':'s1','hubFingerprint':'" FP_B "','reason':'BATTERY_LOW'}",
    "sessionId hubFingerprint reason" },
  { S2C, AVANUE_MESSAGE_TYPE_ROLE_CHANGED,
    "{'type':'ROLE_CHANGED','re':'r1','sessionId':'s1','fingerprint':'" FP_B "','oldRole':'SPOKE','newRole':'HUB'}",
    "sessionId fingerprint oldRole newRole" },
  { S2C, AVANUE_MESSAGE_TYPE_TURN_CREDENTIALS,
    "{'type':'TURN_CREDENTIALS','re':'r1','username':'1767229200:s1:" FP_A "','password':'c2VjcmV0',"
    "'urls':['turn:127.0.0.1:3478'],'ttlSeconds':3600}",
    "username password urls ttlSeconds" },
  { S2C, AVANUE_MESSAGE_TYPE_PAIR_REQUESTED,
    "{'type':'PAIR_REQUESTED','re':'r1','fromFingerprint':'" FP_A "','fromDeviceName':'Laptop','requestId':'pr1'}",
    "fromFingerprint fromDeviceName requestId" },
  { S2C, AVANUE_MESSAGE_TYPE_PAIR_ESTABLISHED,
    "{'type':'PAIR_ESTABLISHED','re':'r1','pairingId':'pa1','peerFingerprint':'" FP_B "','secret':'" B64_32 "'}",
    "pairingId peerFingerprint secret" },
  { S2C, AVANUE_MESSAGE_TYPE_PAIR_REJECTED, "{'type':'PAIR_REJECTED','re':'r1','requestId':'pr1'}", "requestId" },
  { S2C, AVANUE_MESSAGE_TYPE_PUSH_REGISTERED, "{'type':'PUSH_REGISTERED','re':'r1'}", "" },
  { S2C, AVANUE_MESSAGE_TYPE_KEYS_PUBLISHED,
    "{'type':'KEYS_PUBLISHED','re':'r1','oneTimePreKeysAvailable':100}", "oneTimePreKeysAvailable" },
  { S2C, AVANUE_MESSAGE_TYPE_KEY_BUNDLE,
    "{'type':'KEY_BUNDLE','re':'r1','fingerprint':'" FP_B "','identityKey':'" B64_32 "','signedPreKey':'" B64_32 "',"
    "'preKeySignature':'" B64_64 "','oneTimePreKey':{'keyId':7,'publicKey':'" B64_32 "'}}",
    "identityKey signedPreKey preKeySignature oneTimePreKey" },
  { S2C, AVANUE_MESSAGE_TYPE_KEY_BUNDLE,
    "{'type':'KEY_BUNDLE','re':'r1','identityKey':'" B64_32 "','signedPreKey':'" B64_32 "',"
    "'preKeySignature':'" B64_64 "','oneTimePreKey':null}",
    "identityKey signedPreKey preKeySignature oneTimePreKey" },
  { S2C, AVANUE_MESSAGE_TYPE_MESSAGE_ACCEPTED,
    "{'type':'MESSAGE_ACCEPTED','re':'r1','messageId':'" UUID_1 "','stored':true}", "messageId stored" },
  { S2C, AVANUE_MESSAGE_TYPE_SDP_OFFER,
    "{'type':'SDP_OFFER','re':'r1','sessionId':'s1','fromFingerprint':'" FP_A "','sdp':'" SDP "'}",
    "sessionId fromFingerprint sdp" },
  { S2C, AVANUE_MESSAGE_TYPE_SDP_ANSWER,
    "{'type':'SDP_ANSWER','re':'r1','sessionId':'s1','fromFingerprint':'" FP_A "','sdp':'" SDP "'}",
    "sessionId fromFingerprint sdp" },
  { S2C, AVANUE_MESSAGE_TYPE_ICE_CANDIDATE,
    "{'type':'ICE_CANDIDATE','re':'r1','sessionId':'s1','fromFingerprint':'" FP_A "',"
    "'candidate':{'candidate':'" CAND "','sdpMid':null,'sdpMLineIndex':1}}",
    "sessionId fromFingerprint candidate" },
  { S2C, AVANUE_MESSAGE_TYPE_APP_MESSAGE,
    "{'type':'APP_MESSAGE','re':'r1','sessionId':'s1','fromFingerprint':'" FP_A "','payload':{'kind':'reject'}}",
    "sessionId fromFingerprint payload" },
  { S2C, AVANUE_MESSAGE_TYPE_ENCRYPTED_MESSAGE,
    "{'type':'ENCRYPTED_MESSAGE','re':'r1','fromFingerprint':'" FP_A "','messageId':'" UUID_1 "',"
    "'payload':'aGVsbG8gZW5jcnlwdGVkIHdvcmxk','timestamp':1767225600123}",
    "fromFingerprint messageId payload timestamp" },
  { S2C, AVANUE_MESSAGE_TYPE_ERROR,
    "{'type':'ERROR','re':'r1','code':'SESSION_FULL','message':'the session is full'}", "code message" },
};

static const char *
ref_name (AvanueMessageDirection direction)
{
  return direction == C2S ? "id" : "re";
}

static void
test_valid_examples (void)
{
  g_autoptr(AvanueProtocol) protocol = avanue_protocol_new ();
  g_autoptr(GHashTable) covered = g_hash_table_new (NULL, NULL);

  for (gsize i = 0; i < G_N_ELEMENTS (examples); i++)
    {
      const Example *e = &examples[i];
      g_autofree char *text = unquote (e->json);
      g_autoptr(JsonObject) object = parse_valid (protocol, e->direction, text, -1, e->type, "r1");
      g_autoptr(GError) error = NULL;
      AvanueMessageType type = AVANUE_MESSAGE_TYPE_UNKNOWN;

      g_assert_cmpstr (json_object_get_string_member (object, "type"), ==, avanue_message_type_to_string (e->type));

      /* the object-level validator agrees */
      g_assert_true (avanue_protocol_validate (protocol, object, e->direction, &type, &error));
      g_assert_no_error (error);
      g_assert_cmpint (type, ==, e->type);

      /* the direction-specific entry points agree */
      if (e->direction == C2S)
        {
          g_autoptr(JsonObject) again = avanue_protocol_parse (protocol, text, -1, NULL, NULL, &error);
          g_assert_no_error (error);
          g_assert_nonnull (again);
        }
      else
        {
          g_autoptr(JsonObject) again = avanue_protocol_parse_server_message (protocol, text, -1, NULL, NULL, &error);
          g_assert_no_error (error);
          g_assert_nonnull (again);
        }

      g_hash_table_add (covered, GINT_TO_POINTER (e->type * 4 + e->direction));
    }

  /* every type of §5, in each of its directions, has an example */
  for (int t = AVANUE_MESSAGE_TYPE_REGISTER_DEVICE; t <= AVANUE_MESSAGE_TYPE_ERROR; t++)
    {
      AvanueMessageDirection directions = avanue_message_type_get_directions ((AvanueMessageType) t);

      g_assert_cmpint (directions, !=, 0);
      if (directions & C2S)
        g_assert_true (g_hash_table_contains (covered, GINT_TO_POINTER (t * 4 + C2S)));
      if (directions & S2C)
        g_assert_true (g_hash_table_contains (covered, GINT_TO_POINTER (t * 4 + S2C)));
    }
}

/* Without `id`/`re` a message is still valid and none is reported. */
static void
test_valid_without_ref (void)
{
  g_autoptr(AvanueProtocol) protocol = avanue_protocol_new ();

  for (gsize i = 0; i < G_N_ELEMENTS (examples); i++)
    {
      g_autoptr(JsonObject) object = object_from_quoted (examples[i].json);
      g_autofree char *text = NULL;

      g_assert_true (json_object_has_member (object, ref_name (examples[i].direction)));
      json_object_remove_member (object, ref_name (examples[i].direction));
      text = object_to_text (object);
      assert_valid (protocol, examples[i].direction, text, examples[i].type, NULL);
    }
}

/* Removing any required member is BAD_REQUEST (with the id reported);
 * removing an optional one is fine. */
static void
test_missing_fields (void)
{
  g_autoptr(AvanueProtocol) protocol = avanue_protocol_new ();
  guint n_required = 0;

  for (gsize i = 0; i < G_N_ELEMENTS (examples); i++)
    {
      const Example *e = &examples[i];
      g_autoptr(JsonObject) original = object_from_quoted (e->json);
      g_auto(GStrv) required = g_strsplit (e->required, " ", -1);
      g_autoptr(GList) members = json_object_get_members (original);

      /* every listed field is in the example */
      for (guint r = 0; required[r] != NULL; r++)
        {
          if (*required[r] != '\0')
            g_assert_true (json_object_has_member (original, required[r]));
        }

      for (GList *l = members; l != NULL; l = l->next)
        {
          const char *name = l->data;
          g_autoptr(JsonObject) object = object_from_quoted (e->json);
          g_autofree char *text = NULL;

          if (g_str_equal (name, "type"))
            continue;
          json_object_remove_member (object, name);
          text = object_to_text (object);
          g_test_message ("%s without %s", avanue_message_type_to_string (e->type), name);
          if (g_strv_contains ((const char * const *) required, name))
            {
              assert_invalid (protocol, e->direction, text, AVANUE_PROTOCOL_ERROR_BAD_REQUEST, "r1");
              n_required++;
            }
          else
            {
              assert_valid (protocol, e->direction, text, e->type,
                            g_str_equal (name, ref_name (e->direction)) ? NULL : "r1");
            }
        }
    }
  g_assert_cmpuint (n_required, >, 100);
}

/* A value of another JSON type than the field's. */
static JsonNode *
wrong_type_for (JsonNode *node)
{
  switch (JSON_NODE_TYPE (node))
    {
    case JSON_NODE_OBJECT:
      return json_node_init_array (json_node_alloc (), json_array_new ());
    case JSON_NODE_ARRAY:
      return json_node_init_object (json_node_alloc (), json_object_new ());
    case JSON_NODE_NULL:
      return json_node_init_array (json_node_alloc (), json_array_new ());
    case JSON_NODE_VALUE:
    default:
      if (json_node_get_value_type (node) == G_TYPE_STRING)
        return json_node_init_int (json_node_alloc (), 7);
      if (json_node_get_value_type (node) == G_TYPE_BOOLEAN)
        return json_node_init_string (json_node_alloc (), "true");
      return json_node_init_string (json_node_alloc (), "7");
    }
}

/* Any member, required or optional, of the wrong JSON type is BAD_REQUEST. */
static void
test_wrong_types (void)
{
  g_autoptr(AvanueProtocol) protocol = avanue_protocol_new ();

  for (gsize i = 0; i < G_N_ELEMENTS (examples); i++)
    {
      const Example *e = &examples[i];
      g_autoptr(JsonObject) original = object_from_quoted (e->json);
      g_autoptr(GList) members = json_object_get_members (original);

      for (GList *l = members; l != NULL; l = l->next)
        {
          const char *name = l->data;
          g_autoptr(JsonObject) object = object_from_quoted (e->json);
          g_autofree char *text = NULL;
          gboolean is_ref = g_str_equal (name, ref_name (e->direction));

          json_object_set_member (object, name, wrong_type_for (json_object_get_member (object, name)));
          text = object_to_text (object);
          g_test_message ("%s with a wrong %s", avanue_message_type_to_string (e->type), name);
          assert_invalid (protocol, e->direction, text, AVANUE_PROTOCOL_ERROR_BAD_REQUEST,
                          is_ref ? NULL : "r1");
        }
    }
}

/* Unknown members are ignored, in every type. */
static void
test_unknown_fields (void)
{
  g_autoptr(AvanueProtocol) protocol = avanue_protocol_new ();

  for (gsize i = 0; i < G_N_ELEMENTS (examples); i++)
    {
      g_autoptr(JsonObject) object = object_from_quoted (examples[i].json);
      g_autoptr(JsonObject) parsed = NULL;
      g_autoptr(JsonObject) extra = object_from_quoted ("{'nested':[1,{'deep':true}],'s':'x'}");
      g_autofree char *text = NULL;

      json_object_set_object_member (object, "zzExtension", g_steal_pointer (&extra));
      json_object_set_string_member (object, "version", "2");
      text = object_to_text (object);
      parsed = parse_valid (protocol, examples[i].direction, text, -1, examples[i].type, "r1");
      /* kept in the returned object */
      g_assert_true (json_object_has_member (parsed, "zzExtension"));
    }
}

/* ---------------------------------------------------------------------- */
/* Specific invalid values                                                  */

typedef struct
{
  AvanueMessageDirection direction;
  const char *json;    /* quoted form */
  int code;
  const char *ref;     /* expected out_ref */
} InvalidCase;

#define REG_PREFIX "{'type':'REGISTER_DEVICE','id':'r1',"
#define REG_REST_AFTER_FP "'publicKey':'" B64_32 "','signature':'" B64_64 "','deviceName':'Pixel','platform':'ANDROID','deviceType':'PHONE'}"
#define REG_WITH_FP(fp) REG_PREFIX "'fingerprint':'" fp "'," REG_REST_AFTER_FP
#define REG_WITH(pk, sig, name, platform, type) \
  REG_PREFIX "'fingerprint':'" FP_A "','publicKey':" pk ",'signature':" sig ",'deviceName':" name \
  ",'platform':" platform ",'deviceType':" type "}"
#define REG_OK_PK "'" B64_32 "'"
#define REG_OK_SIG "'" B64_64 "'"
#define CREATE_WITH(session_type, caps) \
  "{'type':'CREATE_SESSION','id':'r1','sessionType':" session_type ",'capabilities':" caps "}"
#define JOINED_WITH(participants, limits) \
  "{'type':'SESSION_JOINED','re':'r1','sessionId':'s1','sessionType':'CALL','participants':" participants \
  ",'hubFingerprint':'" FP_A "','limits':" limits "}"
#define REJOINED_WITH(events) \
  "{'type':'SESSION_REJOINED','re':'r1','sessionId':'s1','sessionType':'CALL','participants':[]," \
  "'hubFingerprint':'" FP_A "','limits':" LIMITS ",'missedEvents':" events "}"
#define ICE_WITH(candidate) \
  "{'type':'ICE_CANDIDATE','id':'r1','sessionId':'s1','toFingerprint':'" FP_B "','candidate':" candidate "}"
#define STATS_WITH(latency, loss, nat, cand) \
  "{'type':'REPORT_STATS','id':'r1','sessionId':'s1','avgLatencyMs':" latency ",'avgPacketLossPercent':" loss \
  ",'natType':" nat ",'candidateType':" cand "}"
#define CONNECTED_WITH(client, protocol, nonce, heartbeat) \
  "{'type':'CONNECTED','clientId':" client ",'server':'avanued/0.1.0','protocol':" protocol \
  ",'nonce':" nonce ",'heartbeatSeconds':" heartbeat "}"
#define PUBLISH_WITH(ik, sig, otpks) \
  "{'type':'PUBLISH_KEYS','id':'r1','identityKey':" ik ",'signedPreKey':'" B64_32 "','preKeySignature':" sig \
  ",'oneTimePreKeys':" otpks "}"

#define BAD AVANUE_PROTOCOL_ERROR_BAD_REQUEST
#define UNSUPPORTED AVANUE_PROTOCOL_ERROR_UNSUPPORTED_TYPE

static const InvalidCase invalid_cases[] = {
  /* fingerprints */
  { C2S, REG_WITH_FP ("9F86D081884C7D659A2FEAA0C55AD015A3BF4F1B2B0B822CD15D6C15B0F00A08"), BAD, "r1" },
  { C2S, REG_WITH_FP ("9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a0"), BAD, "r1" },
  { C2S, REG_WITH_FP ("9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a0888"), BAD, "r1" },
  { C2S, REG_WITH_FP ("9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a0z"), BAD, "r1" },
  { C2S, REG_WITH_FP (""), BAD, "r1" },
  { C2S, "{'type':'SDP_OFFER','id':'r1','sessionId':'s1','toFingerprint':'abc','sdp':'" SDP "'}", BAD, "r1" },
  { C2S, "{'type':'APP_MESSAGE','id':'r1','sessionId':'s1','toFingerprint':'ABC','payload':{}}", BAD, "r1" },
  { C2S, "{'type':'PAIR_REQUEST','id':'r1','targetFingerprint':'" FP_A " '}", BAD, "r1" },
  { C2S, "{'type':'FETCH_KEYS','id':'r1','fingerprint':'sha256:" FP_A "'}", BAD, "r1" },
  { S2C, "{'type':'HUB_ELECTED','sessionId':'s1','hubFingerprint':null,'reason':'INITIAL'}", BAD, NULL },
  { S2C, "{'type':'HUB_ELECTED','re':'r1','sessionId':'s1','hubFingerprint':'x','reason':'INITIAL'}", BAD, "r1" },
  { S2C, JOINED_WITH ("[{'fingerprint':'nope','deviceName':'A','platform':'WEB','deviceType':'PHONE','role':'HOST',"
                      "'topologyRole':'HUB','isLicensed':true,'capabilityScore':1,'online':true,'joinedAt':1}]",
                      LIMITS), BAD, "r1" },
  /* base64 */
  { C2S, REG_WITH ("'" B64_31 "'", REG_OK_SIG, "'Pixel'", "'ANDROID'", "'PHONE'"), BAD, "r1" },
  { C2S, REG_WITH ("'" B64_64 "'", REG_OK_SIG, "'Pixel'", "'ANDROID'", "'PHONE'"), BAD, "r1" },
  { C2S, REG_WITH ("'AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8'", REG_OK_SIG, "'Pixel'", "'ANDROID'", "'PHONE'"), BAD, "r1" },
  { C2S, REG_WITH ("'AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdH!8='", REG_OK_SIG, "'Pixel'", "'ANDROID'", "'PHONE'"), BAD, "r1" },
  { C2S, REG_WITH ("'AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwd=h8='", REG_OK_SIG, "'Pixel'", "'ANDROID'", "'PHONE'"), BAD, "r1" },
  { C2S, REG_WITH ("'AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\\n'", REG_OK_SIG, "'Pixel'", "'ANDROID'", "'PHONE'"), BAD, "r1" },
  { C2S, REG_WITH ("'AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh_='", REG_OK_SIG, "'Pixel'", "'ANDROID'", "'PHONE'"), BAD, "r1" },
  { C2S, REG_WITH ("''", REG_OK_SIG, "'Pixel'", "'ANDROID'", "'PHONE'"), BAD, "r1" },
  { C2S, REG_WITH (REG_OK_PK, "'" B64_63 "'", "'Pixel'", "'ANDROID'", "'PHONE'"), BAD, "r1" },
  { C2S, REG_WITH (REG_OK_PK, "'" B64_32 "'", "'Pixel'", "'ANDROID'", "'PHONE'"), BAD, "r1" },
  { C2S, REG_WITH (REG_OK_PK, "'not base64 at all'", "'Pixel'", "'ANDROID'", "'PHONE'"), BAD, "r1" },
  { S2C, CONNECTED_WITH ("'" UUID_2 "'", "1", "'AAECAwQFBgcICQoLDA0ODw=='", "25"), BAD, NULL },
  { C2S, PUBLISH_WITH ("'" B64_31 "'", "'" B64_64 "'", "[]"), BAD, "r1" },
  { C2S, PUBLISH_WITH ("'" B64_32 "'", "'" B64_32 "'", "[]"), BAD, "r1" },
  { C2S, PUBLISH_WITH ("'" B64_32 "'", "'" B64_64 "'", "[{'keyId':1,'publicKey':'@@@@'}]"), BAD, "r1" },
  { C2S, PUBLISH_WITH ("'" B64_32 "'", "'" B64_64 "'", "[{'keyId':-1,'publicKey':'" B64_32 "'}]"), BAD, "r1" },
  { C2S, PUBLISH_WITH ("'" B64_32 "'", "'" B64_64 "'", "[{'keyId':1}]"), BAD, "r1" },
  { C2S, PUBLISH_WITH ("'" B64_32 "'", "'" B64_64 "'", "['" B64_32 "']"), BAD, "r1" },
  { C2S, "{'type':'ENCRYPTED_MESSAGE','id':'r1','toFingerprint':'" FP_B "','messageId':'" UUID_1 "','payload':'abc'}", BAD, "r1" },
  { C2S, "{'type':'ENCRYPTED_MESSAGE','id':'r1','toFingerprint':'" FP_B "','messageId':'" UUID_1 "','payload':''}", BAD, "r1" },
  /* strings */
  { C2S, REG_WITH (REG_OK_PK, REG_OK_SIG, "''", "'ANDROID'", "'PHONE'"), BAD, "r1" },
  { C2S, REG_WITH (REG_OK_PK, REG_OK_SIG, "'0123456789012345678901234567890123456789012345678901234567890123456789"
                                         "0123456789012345678901234567890'", "'ANDROID'", "'PHONE'"), BAD, "r1" },
  { C2S, "{'type':'LEAVE_SESSION','id':'r1','sessionId':''}", BAD, "r1" },
  { C2S, "{'type':'LEAVE_SESSION','id':'r1','sessionId':null}", BAD, "r1" },
  { C2S, "{'type':'LEAVE_SESSION','id':'r1','sessionId':'0123456789012345678901234567890123456789012345678901234567890123X'}", BAD, "r1" },
  { C2S, "{'type':'MESSAGE_ACK','id':'r1','messageId':'not-a-uuid'}", BAD, "r1" },
  { C2S, "{'type':'SDP_OFFER','id':'r1','sessionId':'s1','toFingerprint':'" FP_B "','sdp':''}", BAD, "r1" },
  { S2C, "{'type':'CONNECTED','clientId':'c1','server':'avanued/0.1.0','protocol':1,'nonce':'" B64_32 "','heartbeatSeconds':25}", BAD, NULL },
  { S2C, "{'type':'TURN_CREDENTIALS','username':'u','password':'p','urls':[],'ttlSeconds':60}", BAD, NULL },
  { S2C, "{'type':'TURN_CREDENTIALS','username':'u','password':'p','urls':[''],'ttlSeconds':60}", BAD, NULL },
  { S2C, "{'type':'TURN_CREDENTIALS','username':'u','password':'p','urls':[5],'ttlSeconds':60}", BAD, NULL },
  { S2C, "{'type':'TURN_CREDENTIALS','username':'','password':'p','urls':['turn:x'],'ttlSeconds':60}", BAD, NULL },
  /* enums */
  { C2S, REG_WITH (REG_OK_PK, REG_OK_SIG, "'Pixel'", "'LINUX'", "'PHONE'"), BAD, "r1" },
  { C2S, REG_WITH (REG_OK_PK, REG_OK_SIG, "'Pixel'", "'android'", "'PHONE'"), BAD, "r1" },
  { C2S, REG_WITH (REG_OK_PK, REG_OK_SIG, "'Pixel'", "'ANDROID'", "'phone'"), BAD, "r1" },
  { C2S, REG_WITH (REG_OK_PK, REG_OK_SIG, "'Pixel'", "'ANDROID'", "'WATCH'"), BAD, "r1" },
  { C2S, REG_WITH (REG_OK_PK, REG_OK_SIG, "'Pixel'", "'ANDROID'", "''"), BAD, "r1" },
  { C2S, CREATE_WITH ("'MEETING'", "{}"), BAD, "r1" },
  { C2S, CREATE_WITH ("'call'", "{}"), BAD, "r1" },
  { C2S, CREATE_WITH ("'CALL'", "{'networkType':'5G'}"), BAD, "r1" },
  { C2S, CREATE_WITH ("'CALL'", "{'deviceType':'LAPTOP'}"), BAD, "r1" },
  { C2S, CREATE_WITH ("'CALL'", "{'platform':'LINUX'}"), BAD, "r1" },
  { C2S, CREATE_WITH ("'CALL'", "{'cpuCores':-1}"), BAD, "r1" },
  { C2S, CREATE_WITH ("'CALL'", "{'cpuCores':'eight'}"), BAD, "r1" },
  { C2S, CREATE_WITH ("'CALL'", "{'isCharging':'yes'}"), BAD, "r1" },
  { C2S, CREATE_WITH ("'CALL'", "{'supportedCodecs':'VP8'}"), BAD, "r1" },
  { C2S, CREATE_WITH ("'CALL'", "{'batteryPercent':101}"), BAD, "r1" },
  { C2S, STATS_WITH ("10", "0", "'symmetric'", "'relayed'"), BAD, "r1" },
  { C2S, STATS_WITH ("10", "0", "'SYMMETRIC'", "'relay'"), BAD, "r1" },
  { C2S, STATS_WITH ("10", "101", "'symmetric'", "'relay'"), BAD, "r1" },
  { C2S, STATS_WITH ("-1", "0", "'symmetric'", "'relay'"), BAD, "r1" },
  { C2S, "{'type':'REGISTER_PUSH','id':'r1','platform':'PHONE','token':'t'}", BAD, "r1" },
  { S2C, "{'type':'SESSION_ENDED','sessionId':'s1','reason':'BORED'}", BAD, NULL },
  { S2C, "{'type':'PARTICIPANT_LEFT','sessionId':'s1','fingerprint':'" FP_B "','reason':'COMPLETED'}", BAD, NULL },
  { S2C, "{'type':'HUB_ELECTED','sessionId':'s1','hubFingerprint':'" FP_B "','reason':'LEFT'}", BAD, NULL },
  { S2C, "{'type':'ROLE_CHANGED','sessionId':'s1','fingerprint':'" FP_B "','oldRole':'HOST','newRole':'HUB'}", BAD, NULL },
  { S2C, "{'type':'ERROR','re':'r1','code':'NOPE','message':'x'}", BAD, "r1" },
  { S2C, "{'type':'ERROR','re':'r1','code':'bad_request','message':'x'}", BAD, "r1" },
  { S2C, JOINED_WITH ("[]", "{'tier':'gold','maxPeers':2,'maxDurationSeconds':0,'turnAllowed':false,'expiresAt':null}"), BAD, "r1" },
  { S2C, JOINED_WITH ("[]", "{'tier':'FREE','maxPeers':2,'maxDurationSeconds':0,'turnAllowed':false,'expiresAt':null}"), BAD, "r1" },
  { S2C, JOINED_WITH ("[]", "{'tier':'free','maxPeers':2,'maxDurationSeconds':0,'turnAllowed':false}"), BAD, "r1" },
  { S2C, JOINED_WITH ("[]", "{'tier':'free','maxPeers':-2,'maxDurationSeconds':0,'turnAllowed':false,'expiresAt':null}"), BAD, "r1" },
  { S2C, JOINED_WITH ("[]", "{'tier':'free','maxPeers':2,'maxDurationSeconds':0,'turnAllowed':'no','expiresAt':null}"), BAD, "r1" },
  { S2C, JOINED_WITH ("[{'fingerprint':'" FP_A "','deviceName':'A','platform':'WEB','deviceType':'PHONE','role':'HUB',"
                      "'topologyRole':'HUB','isLicensed':true,'capabilityScore':1,'online':true,'joinedAt':1}]",
                      LIMITS), BAD, "r1" },
  { S2C, JOINED_WITH ("[{'fingerprint':'" FP_A "','deviceName':'A','platform':'WEB','deviceType':'PHONE','role':'HOST',"
                      "'topologyRole':'HUB','isLicensed':true,'capabilityScore':1,'online':true}]",
                      LIMITS), BAD, "r1" },
  { S2C, JOINED_WITH ("[" PARTICIPANT_A ",7]", LIMITS), BAD, "r1" },
  { S2C, JOINED_WITH ("{}", LIMITS), BAD, "r1" },
  /* candidates */
  { C2S, ICE_WITH ("{'sdpMid':'0','sdpMLineIndex':0}"), BAD, "r1" },
  { C2S, ICE_WITH ("{'candidate':7}"), BAD, "r1" },
  { C2S, ICE_WITH ("{'candidate':'" CAND "','sdpMLineIndex':-1}"), BAD, "r1" },
  { C2S, ICE_WITH ("{'candidate':'" CAND "','sdpMLineIndex':'0'}"), BAD, "r1" },
  { C2S, ICE_WITH ("{'candidate':'" CAND "','sdpMid':0}"), BAD, "r1" },
  { C2S, ICE_WITH ("null"), BAD, "r1" },
  { C2S, ICE_WITH ("['" CAND "']"), BAD, "r1" },
  /* numbers */
  { S2C, "{'type':'DEVICE_REGISTERED','deviceId':'d1','fingerprint':'" FP_A "','pendingMessages':-1}", BAD, NULL },
  { S2C, "{'type':'DEVICE_REGISTERED','deviceId':'d1','fingerprint':'" FP_A "','pendingMessages':1.5}", BAD, NULL },
  { S2C, "{'type':'DEVICE_REGISTERED','deviceId':'d1','fingerprint':'" FP_A "','pendingMessages':'3'}", BAD, NULL },
  { S2C, "{'type':'PONG','timestamp':9007199254740992}", BAD, NULL },
  { S2C, "{'type':'PONG','timestamp':-1}", BAD, NULL },
  { S2C, CONNECTED_WITH ("'" UUID_2 "'", "0", "'" B64_32 "'", "25"), BAD, NULL },
  { S2C, CONNECTED_WITH ("'" UUID_2 "'", "1.5", "'" B64_32 "'", "25"), BAD, NULL },
  { S2C, CONNECTED_WITH ("'" UUID_2 "'", "1", "'" B64_32 "'", "0"), BAD, NULL },
  { S2C, "{'type':'MESSAGE_ACCEPTED','messageId':'" UUID_1 "','stored':1}", BAD, NULL },
  /* cross-field rule of REGISTER_PUSH */
  { C2S, "{'type':'REGISTER_PUSH','id':'r1','platform':'ANDROID'}", BAD, "r1" },
  { C2S, "{'type':'REGISTER_PUSH','id':'r1','platform':'ANDROID','token':'t','endpoint':'https://push.example.org/x'}", BAD, "r1" },
  { C2S, "{'type':'REGISTER_PUSH','id':'r1','platform':'ANDROID','endpoint':'ftp://push.example.org/x'}", BAD, "r1" },
  { C2S, "{'type':'REGISTER_PUSH','id':'r1','platform':'ANDROID','endpoint':'not a url'}", BAD, "r1" },
  /* nested events */
  { S2C, REJOINED_WITH ("[{'type':'REGISTER_DEVICE'}]"), BAD, "r1" },
  { S2C, REJOINED_WITH ("[{'type':'WHATEVER'}]"), BAD, "r1" },
  { S2C, REJOINED_WITH ("[{'type':'SDP_OFFER','sessionId':'s1','fromFingerprint':'" FP_B "'}]"), BAD, "r1" },
  { S2C, REJOINED_WITH ("[{'sessionId':'s1'}]"), BAD, "r1" },
  { S2C, REJOINED_WITH ("['SDP_OFFER']"), BAD, "r1" },
  { S2C, REJOINED_WITH ("{}"), BAD, "r1" },
  { S2C, "{'type':'KEY_BUNDLE','re':'r1','identityKey':'" B64_32 "','signedPreKey':'" B64_32 "','preKeySignature':'" B64_64 "'}", BAD, "r1" },
  { S2C, "{'type':'KEY_BUNDLE','re':'r1','identityKey':'" B64_32 "','signedPreKey':'" B64_32 "','preKeySignature':'" B64_64 "','oneTimePreKey':{'keyId':1}}", BAD, "r1" },
  /* types */
  { C2S, "{'type':'HELLO','id':'r1'}", UNSUPPORTED, "r1" },
  { C2S, "{'type':'ping','id':'r1'}", UNSUPPORTED, "r1" },
  { C2S, "{'type':'','id':'r1'}", UNSUPPORTED, "r1" },
  { C2S, "{'type':'join_room','id':'r1','room':'x'}", UNSUPPORTED, "r1" },
  { C2S, "{'type':'CONNECTED','id':'r1','clientId':'" UUID_2 "','server':'x','protocol':1,'nonce':'" B64_32 "','heartbeatSeconds':25}", UNSUPPORTED, "r1" },
  { C2S, "{'type':'PONG','id':'r1','timestamp':1}", UNSUPPORTED, "r1" },
  { C2S, "{'type':'ERROR','id':'r1','code':'INTERNAL','message':''}", UNSUPPORTED, "r1" },
  { C2S, "{'type':'SESSION_CREATED','id':'r1'}", UNSUPPORTED, "r1" },
  { S2C, "{'type':'REGISTER_DEVICE','re':'r1'}", UNSUPPORTED, "r1" },
  { S2C, "{'type':'PING','re':'r1'}", UNSUPPORTED, "r1" },
  { S2C, "{'type':'MESSAGE_ACK','re':'r1','messageId':'" UUID_1 "'}", UNSUPPORTED, "r1" },
  { S2C, "{'type':'NEW_EVENT_V2','re':'r1'}", UNSUPPORTED, "r1" },
  { C2S, "{'id':'r1','sessionId':'s1'}", BAD, "r1" },
  { C2S, "{'type':5,'id':'r1'}", BAD, "r1" },
  { C2S, "{'type':null,'id':'r1'}", BAD, "r1" },
  { C2S, "{'type':['PING'],'id':'r1'}", BAD, "r1" },
  /* the id itself */
  { C2S, "{'type':'PING','id':5}", BAD, NULL },
  { C2S, "{'type':'PING','id':true}", BAD, NULL },
  { C2S, "{'type':'PING','id':{'x':1}}", BAD, NULL },
  { C2S, "{'type':'PING','id':'0123456789012345678901234567890123456789012345678901234567890123X'}", BAD, NULL },
  { S2C, "{'type':'PONG','re':7,'timestamp':1}", BAD, NULL },
  /* a client `re` / server `id` are unknown fields: ignored, not reported */
  { C2S, "{'type':'PING','re':'x','id':'r1','sessionId':5,'zz':[]}", -1, "r1" },
};

static void
test_invalid_values (void)
{
  g_autoptr(AvanueProtocol) protocol = avanue_protocol_new ();

  for (gsize i = 0; i < G_N_ELEMENTS (invalid_cases); i++)
    {
      const InvalidCase *c = &invalid_cases[i];
      g_autofree char *text = unquote (c->json);

      if (c->code < 0)
        {
          g_autoptr(JsonObject) object = NULL;
          g_autofree char *ref = NULL;

          object = avanue_protocol_parse_message (protocol, text, -1, c->direction, NULL, &ref, NULL);
          g_assert_nonnull (object);
          g_assert_cmpstr (ref, ==, c->ref);
          continue;
        }
      assert_invalid (protocol, c->direction, text, c->code, c->ref);
    }
}

/* Values at the edge of what is allowed. */
static void
test_edge_values (void)
{
  g_autoptr(AvanueProtocol) protocol = avanue_protocol_new ();
  static const struct {
    AvanueMessageDirection direction;
    AvanueMessageType type;
    const char *json;
  } cases[] = {
    /* optional fields given as null are absent */
    { C2S, AVANUE_MESSAGE_TYPE_APP_MESSAGE, "{'type':'APP_MESSAGE','id':'r1','sessionId':'s1','toFingerprint':null,'payload':{}}" },
    { C2S, AVANUE_MESSAGE_TYPE_CREATE_SESSION, "{'type':'CREATE_SESSION','id':'r1','licenseToken':null,'sessionType':'CAST','capabilities':{}}" },
    { C2S, AVANUE_MESSAGE_TYPE_PING, "{'type':'PING','id':null}" },
    /* id of 64 characters, some of them not ASCII */
    { C2S, AVANUE_MESSAGE_TYPE_PING, "{'type':'PING','id':'0123456789012345678901234567890123456789012345678901234567890123'}" },
    { C2S, AVANUE_MESSAGE_TYPE_PING, "{'type':'PING','id':'ééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééé\\u00e9'}" },
    /* deviceName of 100 characters, with escapes and a surrogate pair */
    { C2S, AVANUE_MESSAGE_TYPE_REGISTER_DEVICE,
      REG_WITH (REG_OK_PK, REG_OK_SIG, "'0123456789012345678901234567890123456789012345678901234567890123456789"
                                      "012345678901234567890123456\\ud83d\\ude00\\/'", "'TV'", "'TV'") },
    /* whole numbers written as doubles, integral bounds */
    { S2C, AVANUE_MESSAGE_TYPE_PONG, "{'type':'PONG','timestamp':9007199254740991}" },
    { S2C, AVANUE_MESSAGE_TYPE_PONG, "{'type':'PONG','timestamp':0}" },
    { S2C, AVANUE_MESSAGE_TYPE_PONG, "{'type':'PONG','timestamp':1.7672256e12}" },
    { S2C, AVANUE_MESSAGE_TYPE_DEVICE_REGISTERED, "{'type':'DEVICE_REGISTERED','deviceId':'d','fingerprint':'" FP_A "','pendingMessages':3.0}" },
    { C2S, AVANUE_MESSAGE_TYPE_REPORT_STATS, "{'type':'REPORT_STATS','sessionId':'s1','avgLatencyMs':0,'avgPacketLossPercent':100,'natType':'unknown','candidateType':'relay'}" },
    { C2S, AVANUE_MESSAGE_TYPE_REPORT_STATS, "{'type':'REPORT_STATS','sessionId':'s1','avgLatencyMs':1e2,'avgPacketLossPercent':-0,'natType':'open','candidateType':'host'}" },
    /* keys of 33 bytes (type prefix), no one-time pre-keys */
    { C2S, AVANUE_MESSAGE_TYPE_PUBLISH_KEYS,
      PUBLISH_WITH ("'BQABAgMEBQYHCAkKCwwNDg8QERITFBUWFxgZGhscHR4f'", "'" B64_64 "'", "[]") },
    /* a participant list may be empty; limits may have an end */
    { S2C, AVANUE_MESSAGE_TYPE_SESSION_JOINED, JOINED_WITH ("[]", LIMITS) },
    /* every server → client type may be a missed event */
    { S2C, AVANUE_MESSAGE_TYPE_SESSION_REJOINED,
      REJOINED_WITH ("[{'type':'PARTICIPANT_OFFLINE','sessionId':'s1','fingerprint':'" FP_B "'},"
                     "{'type':'APP_MESSAGE','sessionId':'s1','fromFingerprint':'" FP_B "','payload':{'a':1}},"
                     "{'type':'HUB_ELECTED','sessionId':'s1','hubFingerprint':'" FP_B "','reason':'DISCONNECT'}]") },
    { S2C, AVANUE_MESSAGE_TYPE_ERROR, "{'type':'ERROR','code':'INTERNAL','message':''}" },
    /* json whitespace anywhere */
    { C2S, AVANUE_MESSAGE_TYPE_LEAVE_SESSION, " \t\r\n{ 'type' : 'LEAVE_SESSION' ,\n 'sessionId' : 's1' } \n" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *text = unquote (cases[i].json);
      g_autoptr(JsonObject) object = NULL;
      g_autoptr(GError) error = NULL;
      AvanueMessageType type;

      object = avanue_protocol_parse_message (protocol, text, -1, cases[i].direction, &type, NULL, &error);
      if (error != NULL)
        g_test_message ("%s: %s", text, error->message);
      g_assert_no_error (error);
      g_assert_cmpint (type, ==, cases[i].type);
    }

  /* the escapes decode */
  {
    g_autofree char *text = unquote (REG_WITH (REG_OK_PK, REG_OK_SIG, "'a\\/b\\u00e9\\ud83d\\ude00\\t'", "'TV'", "'TV'"));
    g_autoptr(JsonObject) object = parse_valid (protocol, C2S, text, -1,
                                                AVANUE_MESSAGE_TYPE_REGISTER_DEVICE, "r1");

    g_assert_cmpstr (json_object_get_string_member (object, "deviceName"), ==, "a/b\xc3\xa9\xf0\x9f\x98\x80\t");
  }
}

/* ---------------------------------------------------------------------- */
/* Frame rules                                                             */

typedef struct
{
  const char *text;    /* raw JSON, not quoted */
  gssize length;       /* -1: nul-terminated */
  int code;
  const char *ref;
} FrameCase;

#define PING_ID "\"type\":\"PING\",\"id\":\"r1\""
/* a literal and its length, which may cover nul bytes */
#define LIT(s) s, (gssize) sizeof (s) - 1
#define REG_RAW(name) \
  "{\"type\":\"REGISTER_DEVICE\",\"id\":\"r1\",\"fingerprint\":\"" FP_A "\",\"publicKey\":\"" B64_32 "\"," \
  "\"signature\":\"" B64_64 "\",\"deviceName\":\"" name "\",\"platform\":\"ANDROID\",\"deviceType\":\"PHONE\"}"
#define STATS_RAW(latency) \
  "{\"type\":\"REPORT_STATS\",\"id\":\"r1\",\"sessionId\":\"s1\",\"avgLatencyMs\":" latency "," \
  "\"avgPacketLossPercent\":0,\"natType\":\"open\",\"candidateType\":\"host\"}"

static const FrameCase frame_cases[] = {
  /* U+0000 in a string: json-glib would truncate it */
  { REG_RAW ("Pix\\u0000el"), -1, BAD, "r1" },
  { REG_RAW ("\\u0000"), -1, BAD, "r1" },
  { "{" PING_ID ",\"x\":{\"k\\u0000\":1}}", -1, BAD, "r1" },
  { "{\"type\":\"PING\",\"id\":\"r\\u00001\"}", -1, BAD, NULL },
  { "{\"type\":\"PING\",\"id\\u0000x\":\"r1\"}", -1, BAD, NULL },
  { "{\"type\":\"PING\",\"id\":\"r1\",\"id\\u0000x\":\"r2\"}", -1, BAD, NULL },
  { "{\"type\":\"PI\\u0000NG\",\"id\":\"r1\"}", -1, BAD, "r1" },
  /* a raw NUL byte inside the frame */
  { LIT ("{" PING_ID ",\"x\":\"a\0b\"}"), BAD, NULL },
  { LIT ("{" PING_ID "}\0"), BAD, NULL },
  { LIT ("{" PING_ID "}\0 "), BAD, NULL },
  /* duplicate keys, in any object, also spelled differently */
  { "{" PING_ID ",\"type\":\"PING\"}", -1, BAD, "r1" },
  { "{\"type\":\"PING\",\"id\":\"r1\",\"id\":\"r2\"}", -1, BAD, NULL },
  { "{\"type\":\"PING\",\"id\":\"r1\",\"\\u0069d\":\"r2\"}", -1, BAD, NULL },
  { "{" PING_ID ",\"x\":{\"a\":1,\"a\":1}}", -1, BAD, "r1" },
  { "{" PING_ID ",\"x\":[{\"a\":1},{\"b\":1,\"b\":2}]}", -1, BAD, "r1" },
  { "{\"type\":\"CREATE_SESSION\",\"id\":\"r1\",\"sessionType\":\"CALL\",\"capabilities\":{\"cpuCores\":8,\"cpuCores\":2}}", -1, BAD, "r1" },
  /* non-finite numbers */
  { STATS_RAW ("NaN"), -1, BAD, NULL },
  { STATS_RAW ("Infinity"), -1, BAD, NULL },
  { STATS_RAW ("-Infinity"), -1, BAD, NULL },
  { STATS_RAW ("nan"), -1, BAD, NULL },
  { STATS_RAW ("1e999"), -1, BAD, "r1" },
  { STATS_RAW ("-1e400"), -1, BAD, "r1" },
  { "{" PING_ID ",\"x\":[1e309]}", -1, BAD, "r1" },
  /* more than one value per frame */
  { "{" PING_ID "} {" PING_ID "}", -1, BAD, NULL },
  { "{" PING_ID "}{}", -1, BAD, NULL },
  { "{" PING_ID "}\n\"x\"", -1, BAD, NULL },
  { "{" PING_ID "}x", -1, BAD, NULL },
  { "{" PING_ID "},", -1, BAD, NULL },
  /* not an object */
  { "[{" PING_ID "}]", -1, BAD, NULL },
  { "\"PING\"", -1, BAD, NULL },
  { "42", -1, BAD, NULL },
  { "null", -1, BAD, NULL },
  { "true", -1, BAD, NULL },
  { "", -1, BAD, NULL },
  { "   \n ", -1, BAD, NULL },
  /* not JSON, or not strict JSON (json-glib takes some of these) */
  { "{'type':'PING'}", -1, BAD, NULL },
  { "{type:\"PING\"}", -1, BAD, NULL },
  { "{/* c */" PING_ID "}", -1, BAD, NULL },
  { "{" PING_ID " // c\n}", -1, BAD, NULL },
  { "{" PING_ID ",\"x\":0x10}", -1, BAD, NULL },
  { "{" PING_ID ",\"x\":01}", -1, BAD, NULL },
  { "{" PING_ID ",\"x\":.5}", -1, BAD, NULL },
  { "{" PING_ID ",\"x\":+1}", -1, BAD, NULL },
  { "{" PING_ID ",\"x\":1.}", -1, BAD, NULL },
  { "{" PING_ID ",\"x\":1e}", -1, BAD, NULL },
  { "{" PING_ID ",\"x\":-}", -1, BAD, NULL },
  { "{" PING_ID ",}", -1, BAD, NULL },
  { "{" PING_ID ",\"x\":[1,]}", -1, BAD, NULL },
  { "{" PING_ID ",\"x\":[1 2]}", -1, BAD, NULL },
  { "{" PING_ID ",\"x\" 1}", -1, BAD, NULL },
  { "{" PING_ID ",\"x\":tru}", -1, BAD, NULL },
  { "{" PING_ID ",\"x\":True}", -1, BAD, NULL },
  { "{" PING_ID ",\"x\":undefined}", -1, BAD, NULL },
  { "{" PING_ID, -1, BAD, NULL },
  { "{\"type\":\"PING", -1, BAD, NULL },
  { "{" PING_ID ",\"x\":\"\\x41\"}", -1, BAD, NULL },
  { "{" PING_ID ",\"x\":\"\\u12\"}", -1, BAD, NULL },
  { "{" PING_ID ",\"x\":\"\\uzzzz\"}", -1, BAD, NULL },
  { "{" PING_ID ",\"x\":\"a\tb\"}", -1, BAD, NULL },
  { "{" PING_ID ",\"x\":\"a\nb\"}", -1, BAD, NULL },
  { "{" PING_ID ",\"x\":\"\\ud800\"}", -1, BAD, NULL },
  { "{" PING_ID ",\"x\":\"\\udc00\\ud800\"}", -1, BAD, NULL },
  { "{" PING_ID ",\"x\":\"\\ud800\\u0041\"}", -1, BAD, NULL },
  /* not UTF-8 */
  { "{" PING_ID ",\"x\":\"\xff\"}", -1, BAD, NULL },
  { "{" PING_ID ",\"x\":\"\xc3\"}", -1, BAD, NULL },
  { "{" PING_ID ",\"x\":\"\xed\xa0\x80\"}", -1, BAD, NULL },
  /* integers json-glib would wrap around */
  { "{" PING_ID ",\"x\":99999999999999999999}", -1, BAD, NULL },
  { "{" PING_ID ",\"x\":9223372036854775808}", -1, BAD, NULL },
  { "{" PING_ID ",\"x\":-9223372036854775809}", -1, BAD, NULL },
  /* ... but not those that fit */
  { "{" PING_ID ",\"x\":9223372036854775807,\"y\":-9223372036854775808,\"z\":-0,\"w\":1E+2,\"v\":[true,false,null]}", -1, -1, "r1" },
  /* only `length` bytes count */
  { "{" PING_ID "}garbage", (gssize) sizeof ("{" PING_ID "}") - 1, -1, "r1" },
  { "{" PING_ID "}", (gssize) sizeof ("{" PING_ID "}") - 2, BAD, NULL },
};

static void
test_frame_rules (void)
{
  g_autoptr(AvanueProtocol) protocol = avanue_protocol_new ();

  for (gsize i = 0; i < G_N_ELEMENTS (frame_cases); i++)
    {
      const FrameCase *c = &frame_cases[i];

      g_test_message ("frame case %" G_GSIZE_FORMAT, i);
      if (c->code < 0)
        {
          assert_valid_len (protocol, C2S, c->text, c->length, AVANUE_MESSAGE_TYPE_PING, c->ref);
          continue;
        }
      assert_invalid_len (protocol, C2S, c->text, c->length, c->code, c->ref);
      /* the server side reads frames by the same rules */
      if (c->ref == NULL)
        assert_invalid_len (protocol, S2C, c->text, c->length, c->code, NULL);
    }
}

/* A PING whose `x` is @depth nested arrays. */
static char *
nested (guint depth)
{
  GString *s = g_string_new ("{" PING_ID ",\"x\":");

  for (guint i = 0; i < depth; i++)
    g_string_append_c (s, '[');
  for (guint i = 0; i < depth; i++)
    g_string_append_c (s, ']');
  g_string_append_c (s, '}');
  return g_string_free (s, FALSE);
}

static void
test_nesting (void)
{
  g_autoptr(AvanueProtocol) protocol = avanue_protocol_new ();
  /* the top-level object is depth 1: 31 arrays inside it reach 32 */
  g_autofree char *ok = nested (31);
  g_autofree char *deep = nested (32);
  g_autofree char *very_deep = nested (20000);
  g_autoptr(GString) objects = g_string_new ("{" PING_ID ",\"x\":");

  assert_valid (protocol, C2S, ok, AVANUE_MESSAGE_TYPE_PING, "r1");
  assert_invalid (protocol, C2S, deep, BAD, NULL);
  assert_invalid (protocol, C2S, very_deep, BAD, NULL);

  for (int i = 0; i < 40; i++)
    g_string_append (objects, "{\"a\":");
  g_string_append (objects, "1");
  for (int i = 0; i < 40; i++)
    g_string_append_c (objects, '}');
  g_string_append_c (objects, '}');
  assert_invalid (protocol, C2S, objects->str, BAD, NULL);

  /* a built object that nests too deeply */
  {
    g_autoptr(JsonObject) message = avanue_protocol_build_app_message ("r1", "s1", NULL, json_object_new ());
    JsonObject *inner = json_object_get_object_member (message, "payload");
    g_autoptr(GError) error = NULL;

    for (int i = 0; i < 40; i++)
      {
        JsonObject *next = json_object_new ();

        json_object_set_object_member (inner, "a", next);
        inner = next;
      }
    g_assert_false (avanue_protocol_validate (protocol, message, C2S, NULL, &error));
    g_assert_error (error, AVANUE_PROTOCOL_ERROR, AVANUE_PROTOCOL_ERROR_BAD_REQUEST);
  }
}

static char *
ping_of_size (gsize size)
{
  /* {"type":"PING","id":"r1","pad":"…"} */
  const char *head = "{" PING_ID ",\"pad\":\"";
  gsize fixed = strlen (head) + 2;
  g_autofree char *pad = NULL;

  g_assert_cmpuint (size, >=, fixed);
  pad = g_strnfill (size - fixed, 'p');
  return g_strconcat (head, pad, "\"}", NULL);
}

static void
test_frame_size (void)
{
  g_autoptr(AvanueProtocol) protocol = avanue_protocol_new ();
  g_autofree char *at_limit = ping_of_size (65536);
  g_autofree char *over = ping_of_size (65537);
  g_autofree char *huge = ping_of_size (2 * 1024 * 1024);
  g_autofree char *small_ok = ping_of_size (100);
  g_autofree char *small_over = ping_of_size (101);

  g_assert_cmpuint (strlen (at_limit), ==, 65536);
  assert_valid (protocol, C2S, at_limit, AVANUE_MESSAGE_TYPE_PING, "r1");
  /* oversized frames are not read: no id */
  assert_invalid (protocol, C2S, over, AVANUE_PROTOCOL_ERROR_TOO_LARGE, NULL);
  assert_invalid (protocol, C2S, huge, AVANUE_PROTOCOL_ERROR_TOO_LARGE, NULL);
  assert_invalid (protocol, S2C, over, AVANUE_PROTOCOL_ERROR_TOO_LARGE, NULL);

  avanue_protocol_set_max_frame_bytes (protocol, 100);
  assert_valid (protocol, C2S, small_ok, AVANUE_MESSAGE_TYPE_PING, "r1");
  assert_invalid (protocol, C2S, small_over, AVANUE_PROTOCOL_ERROR_TOO_LARGE, NULL);
  /* the limit counts the bytes given, not up to a nul */
  assert_invalid_len (protocol, C2S, at_limit, 101, AVANUE_PROTOCOL_ERROR_TOO_LARGE, NULL);
}

/* sdp, candidate and payload limits: at the limit passes, one over is TOO_LARGE */
typedef enum {
  LIMIT_SDP,
  LIMIT_CANDIDATE,
  LIMIT_CANDIDATE_OBJECT,
  LIMIT_APP_PAYLOAD,
  LIMIT_ENCRYPTED_PAYLOAD,
} LimitKind;

static char *
message_with_size (AvanueMessageDirection direction,
                   LimitKind              kind,
                   gsize                  size)
{
  const char *peer = direction == C2S ? "\"toFingerprint\":\"" FP_B "\"" : "\"fromFingerprint\":\"" FP_A "\"";
  g_autofree char *fill = NULL;

  switch (kind)
    {
    case LIMIT_SDP:
      fill = g_strnfill (size - 4, 'a');
      return g_strdup_printf ("{\"type\":\"SDP_OFFER\",\"id\":\"r1\",\"re\":\"r1\",\"sessionId\":\"s1\",%s,"
                              "\"sdp\":\"v=0\\n%s\"}", peer, fill);
    case LIMIT_CANDIDATE:
      fill = g_strnfill (size, 'c');
      return g_strdup_printf ("{\"type\":\"ICE_CANDIDATE\",\"id\":\"r1\",\"re\":\"r1\",\"sessionId\":\"s1\",%s,"
                              "\"candidate\":\"%s\"}", peer, fill);
    case LIMIT_CANDIDATE_OBJECT:
      /* é is 2 bytes: the limit is in bytes */
      {
        GString *s = g_string_new (NULL);

        for (gsize i = 0; i < size / 2; i++)
          g_string_append (s, "\xc3\xa9");
        if (size % 2)
          g_string_append_c (s, 'c');
        fill = g_string_free (s, FALSE);
      }
      return g_strdup_printf ("{\"type\":\"ICE_CANDIDATE\",\"id\":\"r1\",\"re\":\"r1\",\"sessionId\":\"s1\",%s,"
                              "\"candidate\":{\"candidate\":\"%s\",\"sdpMid\":\"0\"}}", peer, fill);
    case LIMIT_APP_PAYLOAD:
      /* {"d":"…"} serialises to 8 bytes plus the string */
      fill = g_strnfill (size - 8, 'd');
      return g_strdup_printf ("{\"type\":\"APP_MESSAGE\",\"id\":\"r1\",\"re\":\"r1\",\"sessionId\":\"s1\",%s,"
                              "\"payload\": { \"d\" : \"%s\" } }", peer, fill);
    case LIMIT_ENCRYPTED_PAYLOAD:
      g_assert_cmpuint (size % 4, ==, 0);
      fill = g_strnfill (size, 'A');
      if (direction == C2S)
        return g_strdup_printf ("{\"type\":\"ENCRYPTED_MESSAGE\",\"id\":\"r1\",\"toFingerprint\":\"" FP_B "\","
                                "\"messageId\":\"" UUID_1 "\",\"payload\":\"%s\"}", fill);
      return g_strdup_printf ("{\"type\":\"ENCRYPTED_MESSAGE\",\"re\":\"r1\",\"fromFingerprint\":\"" FP_A "\","
                              "\"messageId\":\"" UUID_1 "\",\"payload\":\"%s\",\"timestamp\":1}", fill);
    default:
      g_assert_not_reached ();
    }
}

static void
test_field_limits (void)
{
  static const struct {
    LimitKind kind;
    const char *property;
    guint default_limit;
    guint small_limit;
    AvanueMessageType type;
  } cases[] = {
    { LIMIT_SDP, "max-sdp-bytes", 32768, 100, AVANUE_MESSAGE_TYPE_SDP_OFFER },
    { LIMIT_CANDIDATE, "max-candidate-bytes", 2048, 64, AVANUE_MESSAGE_TYPE_ICE_CANDIDATE },
    { LIMIT_CANDIDATE_OBJECT, "max-candidate-bytes", 2048, 64, AVANUE_MESSAGE_TYPE_ICE_CANDIDATE },
    { LIMIT_APP_PAYLOAD, "max-payload-bytes", 49152, 100, AVANUE_MESSAGE_TYPE_APP_MESSAGE },
    { LIMIT_ENCRYPTED_PAYLOAD, "max-payload-bytes", 49152, 100, AVANUE_MESSAGE_TYPE_ENCRYPTED_MESSAGE },
  };
  static const AvanueMessageDirection directions[] = { C2S, S2C };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      for (gsize d = 0; d < G_N_ELEMENTS (directions); d++)
        {
          g_autoptr(AvanueProtocol) protocol = avanue_protocol_new ();
          guint limit = cases[i].default_limit;
          guint step = cases[i].kind == LIMIT_ENCRYPTED_PAYLOAD ? 4 : 1;

          for (int round = 0; round < 2; round++)
            {
              g_autofree char *at = message_with_size (directions[d], cases[i].kind, limit);
              g_autofree char *over = message_with_size (directions[d], cases[i].kind, limit + step);

              g_test_message ("%s at %u", cases[i].property, limit);
              assert_valid (protocol, directions[d], at, cases[i].type, "r1");
              assert_invalid (protocol, directions[d], over, AVANUE_PROTOCOL_ERROR_TOO_LARGE, "r1");

              /* the limits are configurable */
              limit = cases[i].small_limit;
              g_object_set (protocol, cases[i].property, limit, NULL);
            }
        }
    }

  /* the empty candidate is end-of-candidates, in both forms */
  {
    g_autoptr(AvanueProtocol) protocol = avanue_protocol_new ();
    g_autofree char *text = unquote (ICE_WITH ("{'candidate':'','sdpMid':'0','sdpMLineIndex':0}"));

    assert_valid (protocol, C2S, text, AVANUE_MESSAGE_TYPE_ICE_CANDIDATE, "r1");
  }
}

/* ---------------------------------------------------------------------- */
/* Builders                                                                */

static AvanueCapabilities *
sample_capabilities (void)
{
  AvanueCapabilities *capabilities = avanue_capabilities_new ();
  const char *codecs[] = { "VP8", "OPUS", NULL };

  avanue_capabilities_set_cpu_cores (capabilities, 8);
  avanue_capabilities_set_ram_mb (capabilities, 16384);
  avanue_capabilities_set_battery_percent (capabilities, 55);
  avanue_capabilities_set_network_type (capabilities, AVANUE_NETWORK_TYPE_ETHERNET);
  avanue_capabilities_set_bandwidth_mbps (capabilities, 250.5);
  avanue_capabilities_set_device_type (capabilities, AVANUE_DEVICE_TYPE_DESKTOP);
  avanue_capabilities_set_platform (capabilities, AVANUE_PLATFORM_DESKTOP);
  avanue_capabilities_set_supported_codecs (capabilities, codecs);
  return capabilities;
}

typedef struct
{
  AvanueMessageDirection direction;
  JsonObject *message;
  const char *ref;
} Built;

static void
built_clear (gpointer data)
{
  Built *b = data;

  json_object_unref (b->message);
}

static void
add_built (GArray                 *built,
           AvanueMessageDirection  direction,
           JsonObject             *message,
           const char             *ref)
{
  Built b = { direction, message, ref };

  g_assert_nonnull (message);
  g_array_append_val (built, b);
}

static void
test_builders (void)
{
  g_autoptr(AvanueProtocol) protocol = avanue_protocol_new ();
  g_autoptr(AvanueCapabilities) caps = sample_capabilities ();
  g_autoptr(GArray) built = g_array_new (FALSE, FALSE, sizeof (Built));
  g_autoptr(GHashTable) covered = g_hash_table_new (NULL, NULL);
  g_autoptr(JsonObject) limits = avanue_protocol_build_limits ("pro", 10, 0, TRUE, 0);
  g_autoptr(JsonObject) free_limits = avanue_protocol_build_limits ("free", 2, 2400, FALSE, 1767228000000);
  const char *urls[] = { "turn:127.0.0.1:3478?transport=udp", "turn:127.0.0.1:3478?transport=tcp", NULL };
  g_autoptr(JsonObject) turn = avanue_protocol_build_turn_credentials_object ("1767229200:s1:" FP_A, "c2VjcmV0", urls, 3600);
  g_autoptr(JsonObject) participant_a = avanue_protocol_build_participant (FP_A, "Laptop", AVANUE_PLATFORM_DESKTOP,
                                                                           AVANUE_DEVICE_TYPE_DESKTOP, "HOST", "HUB",
                                                                           TRUE, 512.5, TRUE, 1767225600000);
  g_autoptr(JsonObject) participant_b = avanue_protocol_build_participant (FP_B, "Glasses", AVANUE_PLATFORM_GLASSES,
                                                                           AVANUE_DEVICE_TYPE_GLASSES, "GUEST", "SPOKE",
                                                                           FALSE, 120, FALSE, 1767225660000);
  g_autoptr(JsonArray) participants = json_array_new ();
  g_autoptr(JsonArray) missed = json_array_new ();
  g_autoptr(JsonArray) pre_keys = json_array_new ();
  g_autoptr(JsonObject) payload = object_from_quoted ("{'kind':'mute','audio':false,'level':0.5,'big':1e100,'ctl':'\\u001f'}");
  g_autoptr(GError) gerror = g_error_new_literal (AVANUE_PROTOCOL_ERROR, AVANUE_PROTOCOL_ERROR_SESSION_FULL, "the session is full");
  g_autoptr(GError) other_error = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_FAILED, "disk /var/lib/x failed");
  const char *sdp = "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n";

  json_array_add_object_element (participants, json_object_ref (participant_a));
  json_array_add_object_element (participants, json_object_ref (participant_b));
  json_array_add_object_element (missed, avanue_protocol_build_participant_offline ("s1", FP_B));
  json_array_add_object_element (pre_keys, avanue_protocol_build_one_time_pre_key (1, B64_32));
  json_array_add_object_element (pre_keys, avanue_protocol_build_one_time_pre_key (G_MAXUINT32, B64_32));
  g_array_set_clear_func (built, built_clear);

  /* client → server */
  add_built (built, C2S, avanue_protocol_build_register_device ("r1", FP_A, B64_32, B64_64, "Pixel 8",
                                                                AVANUE_PLATFORM_ANDROID, AVANUE_DEVICE_TYPE_PHONE), "r1");
  add_built (built, C2S, avanue_protocol_build_ping ("r2"), "r2");
  add_built (built, C2S, avanue_protocol_build_ping (NULL), NULL);
  add_built (built, C2S, avanue_protocol_build_create_session ("r1", "avl_abcdefghijklmnopqrstuvwxyz234567abcdefgh", "CALL", caps), "r1");
  add_built (built, C2S, avanue_protocol_build_create_session (NULL, NULL, "SCREEN_SHARE", caps), NULL);
  add_built (built, C2S, avanue_protocol_build_join_session ("r1", "AVNE-7K3M-Q9ZX", caps), "r1");
  add_built (built, C2S, avanue_protocol_build_rejoin_session ("r1", "s1", caps), "r1");
  add_built (built, C2S, avanue_protocol_build_leave_session ("r1", "s1"), "r1");
  add_built (built, C2S, avanue_protocol_build_end_session ("r1", "s1"), "r1");
  add_built (built, C2S, avanue_protocol_build_sdp_offer ("r1", "s1", FP_B, sdp), "r1");
  add_built (built, C2S, avanue_protocol_build_sdp_answer ("r1", "s1", FP_B, sdp), "r1");
  add_built (built, C2S, avanue_protocol_build_ice_candidate ("r1", "s1", FP_B, CAND, NULL, -1), "r1");
  add_built (built, C2S, avanue_protocol_build_ice_candidate ("r1", "s1", FP_B, CAND, "0", 0), "r1");
  add_built (built, C2S, avanue_protocol_build_ice_candidate (NULL, "s1", FP_B, "", NULL, 3), NULL);
  add_built (built, C2S, avanue_protocol_build_app_message ("r1", "s1", FP_B, payload), "r1");
  add_built (built, C2S, avanue_protocol_build_app_message ("r1", "s1", NULL, payload), "r1");
  add_built (built, C2S, avanue_protocol_build_capability_update ("r1", "s1", caps), "r1");
  add_built (built, C2S, avanue_protocol_build_request_turn ("r1", "s1"), "r1");
  add_built (built, C2S, avanue_protocol_build_report_stats ("r1", "s1", 12.25, 0.5, "symmetric", "relay"), "r1");
  add_built (built, C2S, avanue_protocol_build_pair_request ("r1", FP_B), "r1");
  add_built (built, C2S, avanue_protocol_build_pair_accept ("r1", "pr1"), "r1");
  add_built (built, C2S, avanue_protocol_build_pair_reject ("r1", "pr1"), "r1");
  add_built (built, C2S, avanue_protocol_build_register_push ("r1", AVANUE_PLATFORM_IOS, "apns:0123", NULL), "r1");
  add_built (built, C2S, avanue_protocol_build_register_push ("r1", AVANUE_PLATFORM_DESKTOP, NULL, "https://ntfy.example.org/up1"), "r1");
  add_built (built, C2S, avanue_protocol_build_publish_keys ("r1", B64_32, B64_32, B64_64, pre_keys), "r1");
  add_built (built, C2S, avanue_protocol_build_fetch_keys ("r1", FP_B), "r1");
  add_built (built, C2S, avanue_protocol_build_encrypted_message ("r1", FP_B, UUID_1, "aGVsbG8="), "r1");
  add_built (built, C2S, avanue_protocol_build_message_ack ("r1", UUID_1), "r1");

  /* server → client */
  add_built (built, S2C, avanue_protocol_build_connected (UUID_2, "avanued/" PACKAGE_VERSION, B64_32, 25), NULL);
  add_built (built, S2C, avanue_protocol_build_pong ("r1", 1767225600123), "r1");
  add_built (built, S2C, avanue_protocol_build_device_registered ("r1", "d1", FP_A, 0), "r1");
  add_built (built, S2C, avanue_protocol_build_session_created ("r1", "s1", "AVNE-7K3M-Q9ZX", "CALL", FP_A, limits, turn), "r1");
  add_built (built, S2C, avanue_protocol_build_session_created ("r1", "s1", "AVNE-7K3M-Q9ZX", "CAST", NULL, free_limits, NULL), "r1");
  add_built (built, S2C, avanue_protocol_build_session_joined ("r1", "s1", "CALL", participants, FP_A, limits, turn), "r1");
  add_built (built, S2C, avanue_protocol_build_session_rejoined ("r1", "s1", "CALL", participants, NULL, free_limits, NULL, missed), "r1");
  add_built (built, S2C, avanue_protocol_build_session_left ("r1", "s1"), "r1");
  add_built (built, S2C, avanue_protocol_build_session_ended (NULL, "s1", "HOST_LEFT"), NULL);
  add_built (built, S2C, avanue_protocol_build_participant_joined ("s1", participant_b), NULL);
  add_built (built, S2C, avanue_protocol_build_participant_offline ("s1", FP_B), NULL);
  add_built (built, S2C, avanue_protocol_build_participant_left ("s1", FP_B, "DISCONNECT"), NULL);
  add_built (built, S2C, avanue_protocol_build_hub_elected ("s1", FP_B, "CAPABILITY_CHANGE"), NULL);
  add_built (built, S2C, avanue_protocol_build_role_changed ("s1", FP_B, "SPOKE", "HUB"), NULL);
  add_built (built, S2C, avanue_protocol_build_turn_credentials ("r1", "u", "p", urls, 600), "r1");
  add_built (built, S2C, avanue_protocol_build_pair_requested (FP_A, "Laptop", "pr1"), NULL);
  add_built (built, S2C, avanue_protocol_build_pair_established ("r1", "pa1", FP_A, B64_32), "r1");
  add_built (built, S2C, avanue_protocol_build_pair_rejected ("pr1"), NULL);
  add_built (built, S2C, avanue_protocol_build_push_registered ("r1"), "r1");
  add_built (built, S2C, avanue_protocol_build_keys_published ("r1", 99), "r1");
  add_built (built, S2C, avanue_protocol_build_key_bundle ("r1", FP_B, B64_32, B64_32, B64_64,
                                                           json_array_get_object_element (pre_keys, 0)), "r1");
  add_built (built, S2C, avanue_protocol_build_key_bundle ("r1", NULL, B64_32, B64_32, B64_64, NULL), "r1");
  add_built (built, S2C, avanue_protocol_build_message_accepted ("r1", UUID_1, TRUE), "r1");
  add_built (built, S2C, avanue_protocol_build_encrypted_message_delivery (FP_A, UUID_1, "aGVsbG8=", 1767225600123), NULL);
  add_built (built, S2C, avanue_protocol_build_error (AVANUE_PROTOCOL_ERROR_TURN_UNAVAILABLE, "no relay on this tier", "r1"), "r1");
  add_built (built, S2C, avanue_protocol_build_error (AVANUE_PROTOCOL_ERROR_INTERNAL, NULL, NULL), NULL);
  add_built (built, S2C, avanue_protocol_build_error_from_gerror (gerror, "r1"), "r1");
  add_built (built, S2C, avanue_protocol_build_error_from_gerror (other_error, NULL), NULL);
  {
    g_autoptr(JsonObject) offer = avanue_protocol_build_sdp_offer ("r1", "s1", FP_B, sdp);
    g_autoptr(JsonObject) answer = avanue_protocol_build_sdp_answer ("r1", "s1", FP_B, sdp);
    g_autoptr(JsonObject) ice = avanue_protocol_build_ice_candidate ("r1", "s1", FP_B, CAND, "0", 0);
    g_autoptr(JsonObject) app = avanue_protocol_build_app_message ("r1", "s1", NULL, payload);
    g_autoptr(JsonObject) encrypted = avanue_protocol_build_encrypted_message ("r1", FP_B, UUID_1, "aGVsbG8=");

    add_built (built, S2C, avanue_protocol_build_forward (offer, FP_A, 0), NULL);
    add_built (built, S2C, avanue_protocol_build_forward (answer, FP_A, 0), NULL);
    add_built (built, S2C, avanue_protocol_build_forward (ice, FP_A, 0), NULL);
    add_built (built, S2C, avanue_protocol_build_forward (app, FP_A, 0), NULL);
    add_built (built, S2C, avanue_protocol_build_forward (encrypted, FP_A, 1767225600123), NULL);
  }

  for (guint i = 0; i < built->len; i++)
    {
      Built *b = &g_array_index (built, Built, i);
      g_autoptr(GError) error = NULL;
      g_autofree char *text = avanue_protocol_to_text (b->message);
      g_autoptr(JsonObject) parsed = NULL;
      g_autofree char *again = NULL;
      AvanueMessageType type = AVANUE_MESSAGE_TYPE_UNKNOWN;
      AvanueMessageType parsed_type;

      g_test_message ("built: %s", text);
      g_assert_true (avanue_protocol_validate (protocol, b->message, b->direction, &type, &error));
      g_assert_no_error (error);
      g_assert_cmpstr (avanue_message_type_to_string (type), ==, json_object_get_string_member (b->message, "type"));

      /* compact, and the text passes the strict frame validator */
      g_assert_null (strchr (text, '\n'));
      g_assert_null (strstr (text, ": "));
      parsed_type = type;
      parsed = parse_valid (protocol, b->direction, text, -1, parsed_type, b->ref);

      /* serialising is stable */
      again = avanue_protocol_to_text (parsed);
      g_assert_cmpstr (again, ==, text);

      g_hash_table_add (covered, GINT_TO_POINTER (type * 4 + b->direction));
    }

  for (int t = AVANUE_MESSAGE_TYPE_REGISTER_DEVICE; t <= AVANUE_MESSAGE_TYPE_ERROR; t++)
    {
      AvanueMessageDirection directions = avanue_message_type_get_directions ((AvanueMessageType) t);

      if (directions & C2S)
        g_assert_true (g_hash_table_contains (covered, GINT_TO_POINTER (t * 4 + C2S)));
      if (directions & S2C)
        g_assert_true (g_hash_table_contains (covered, GINT_TO_POINTER (t * 4 + S2C)));
    }
}

/* Exact output of a few builders, against text written by hand. */
static void
test_builder_output (void)
{
  g_autoptr(AvanueCapabilities) caps = avanue_capabilities_new ();
  static const char *urls[] = { "turn:h:3478", NULL };
  g_autoptr(JsonObject) limits = avanue_protocol_build_limits ("free", 2, 2400, FALSE, 0);
  struct {
    JsonObject *message;
    const char *expected;
  } cases[] = {
    { avanue_protocol_build_ping ("p1"), "{'type':'PING','id':'p1'}" },
    { avanue_protocol_build_ping (NULL), "{'type':'PING'}" },
    { avanue_protocol_build (AVANUE_MESSAGE_TYPE_PUSH_REGISTERED, "x"), "{'type':'PUSH_REGISTERED','re':'x'}" },
    { avanue_protocol_build (AVANUE_MESSAGE_TYPE_SDP_OFFER, "x"), "{'type':'SDP_OFFER','id':'x'}" },
    { avanue_protocol_build (AVANUE_MESSAGE_TYPE_PING, NULL), "{'type':'PING'}" },
    { avanue_protocol_build_connected (UUID_2, "avanued/0.1.0", B64_32, 25),
      "{'type':'CONNECTED','clientId':'" UUID_2 "','server':'avanued/0.1.0','protocol':1,'nonce':'" B64_32 "','heartbeatSeconds':25}" },
    { avanue_protocol_build_error (AVANUE_PROTOCOL_ERROR_BAD_REQUEST, "sdp: must be a string", "r9"),
      "{'type':'ERROR','re':'r9','code':'BAD_REQUEST','message':'sdp: must be a string'}" },
    { avanue_protocol_build_ice_candidate ("i", "s", FP_B, "", "0", 1),
      "{'type':'ICE_CANDIDATE','id':'i','sessionId':'s','toFingerprint':'" FP_B "','candidate':{'candidate':'','sdpMid':'0','sdpMLineIndex':1}}" },
    { avanue_protocol_build_report_stats (NULL, "s", 12, 0.5, "open", "host"),
      "{'type':'REPORT_STATS','sessionId':'s','avgLatencyMs':12.0,'avgPacketLossPercent':0.5,'natType':'open','candidateType':'host'}" },
    { avanue_protocol_build_session_created ("r", "s", "AVNE-2345-6789", "CALL", NULL, limits, NULL),
      "{'type':'SESSION_CREATED','re':'r','sessionId':'s','inviteCode':'AVNE-2345-6789','joinUrl':'avanues://join/AVNE-2345-6789',"
      "'sessionType':'CALL','hubFingerprint':null,'limits':{'tier':'free','maxPeers':2,'maxDurationSeconds':2400,'turnAllowed':false,'expiresAt':null}}" },
    { avanue_protocol_build_turn_credentials (NULL, "u", "p", urls, 60),
      "{'type':'TURN_CREDENTIALS','username':'u','password':'p','urls':['turn:h:3478'],'ttlSeconds':60}" },
    { avanue_protocol_build_join_session ("j", "AVNE-2345-6789", caps),
      "{'type':'JOIN_SESSION','id':'j','inviteCode':'AVNE-2345-6789','capabilities':{'cpuCores':0,'ramMb':0,'isCharging':false,"
      "'bandwidthMbps':0.0,'screenWidth':0,'supportedCodecs':[],'modules':[]}}" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *text = avanue_protocol_to_text (cases[i].message);
      g_autofree char *expected = unquote (cases[i].expected);

      g_assert_cmpstr (text, ==, expected);
      json_object_unref (cases[i].message);
    }
}

static void
test_to_text (void)
{
  g_autoptr(AvanueProtocol) protocol = avanue_protocol_new ();
  g_autoptr(JsonObject) message = avanue_protocol_build_app_message ("r1", "s1", NULL, json_object_new ());
  JsonObject *payload = json_object_get_object_member (message, "payload");
  g_autoptr(JsonArray) numbers = json_array_new ();
  g_autofree char *text = NULL;
  g_autoptr(JsonObject) parsed = NULL;
  JsonArray *parsed_numbers;
  const double doubles[] = { 1e100, 1e21, 0.1, -0.0, 5e-324, 1.7976931348623157e308, 100.0, -2.5e-7 };

  for (gsize i = 0; i < G_N_ELEMENTS (doubles); i++)
    json_array_add_double_element (numbers, doubles[i]);
  json_array_add_int_element (numbers, G_MININT64);
  json_array_add_int_element (numbers, 42);
  json_object_set_array_member (payload, "n", json_array_ref (numbers));
  json_object_set_string_member (payload, "s", "q\"b\\s/\x01\x1f\x7f\b\f\n\r\t\xc3\xa9");
  json_object_set_string_member (payload, "k\"ey", "v");

  text = avanue_protocol_to_text (message);
  g_assert_nonnull (strstr (text, "\"s\":\"q\\\"b\\\\s/\\u0001\\u001f\x7f\\b\\f\\n\\r\\t\xc3\xa9\""));
  g_assert_nonnull (strstr (text, "\"k\\\"ey\":\"v\""));
  g_assert_null (strstr (text, "e+100.0"));
  parsed = parse_valid (protocol, C2S, text, -1, AVANUE_MESSAGE_TYPE_APP_MESSAGE, "r1");

  /* numbers read back exactly, doubles as doubles */
  parsed_numbers = json_object_get_array_member (json_object_get_object_member (parsed, "payload"), "n");
  for (gsize i = 0; i < G_N_ELEMENTS (doubles); i++)
    {
      JsonNode *node = json_array_get_element (parsed_numbers, (guint) i);

      g_assert_cmpint (json_node_get_value_type (node), ==, G_TYPE_DOUBLE);
      g_assert_true (json_node_get_double (node) == doubles[i]);
    }
  g_assert_cmpint (json_array_get_int_element (parsed_numbers, G_N_ELEMENTS (doubles)), ==, G_MININT64);
  g_assert_cmpint (json_array_get_int_element (parsed_numbers, G_N_ELEMENTS (doubles) + 1), ==, 42);
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (parsed, "payload"), "s"), ==,
                   "q\"b\\s/\x01\x1f\x7f\b\f\n\r\t\xc3\xa9");
}

static void
test_non_finite_built (void)
{
  g_autoptr(AvanueProtocol) protocol = avanue_protocol_new ();
  g_autoptr(JsonObject) stats = avanue_protocol_build_report_stats ("r1", "s1", NAN, 0, "open", "host");
  g_autoptr(JsonObject) payload = json_object_new ();
  g_autoptr(JsonObject) app = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_false (avanue_protocol_validate (protocol, stats, C2S, NULL, &error));
  g_assert_error (error, AVANUE_PROTOCOL_ERROR, AVANUE_PROTOCOL_ERROR_BAD_REQUEST);
  g_clear_error (&error);

  /* also deep inside a payload nobody else looks at */
  json_object_set_double_member (payload, "x", INFINITY);
  app = avanue_protocol_build_app_message ("r1", "s1", NULL, payload);
  g_assert_false (avanue_protocol_validate (protocol, app, C2S, NULL, &error));
  g_assert_error (error, AVANUE_PROTOCOL_ERROR, AVANUE_PROTOCOL_ERROR_BAD_REQUEST);
  g_clear_error (&error);

  /* the wrong direction */
  g_assert_false (avanue_protocol_validate (protocol, app, S2C, NULL, &error));
  g_assert_error (error, AVANUE_PROTOCOL_ERROR, AVANUE_PROTOCOL_ERROR_BAD_REQUEST);
  g_clear_error (&error);
  {
    g_autoptr(JsonObject) ping = avanue_protocol_build_ping ("r1");
    AvanueMessageType type = AVANUE_MESSAGE_TYPE_UNKNOWN;

    g_assert_false (avanue_protocol_validate (protocol, ping, S2C, &type, &error));
    g_assert_error (error, AVANUE_PROTOCOL_ERROR, AVANUE_PROTOCOL_ERROR_UNSUPPORTED_TYPE);
    g_assert_cmpint (type, ==, AVANUE_MESSAGE_TYPE_PING);
  }
}

static void
test_forward (void)
{
  g_autoptr(AvanueProtocol) protocol = avanue_protocol_new ();
  g_autofree char *text = unquote ("{'type':'SDP_OFFER','id':'r1','sessionId':'s1','toFingerprint':'" FP_B "',"
                                   "'fromFingerprint':'" FP_B "','sdp':'" SDP "','smuggled':{'x':1}}");
  g_autoptr(JsonObject) request = parse_valid (protocol, C2S, text, -1, AVANUE_MESSAGE_TYPE_SDP_OFFER, "r1");
  g_autoptr(JsonObject) forward = avanue_protocol_build_forward (request, FP_A, 5);
  g_autoptr(JsonObject) encrypted = avanue_protocol_build_encrypted_message ("r2", FP_B, UUID_1, "aGVsbG8=");
  g_autoptr(JsonObject) delivered = avanue_protocol_build_forward (encrypted, FP_A, 1767225600123);
  g_autoptr(GError) error = NULL;

  /* the server's fromFingerprint wins; the request's extras are gone */
  g_assert_cmpstr (json_object_get_string_member (forward, "type"), ==, "SDP_OFFER");
  g_assert_cmpstr (json_object_get_string_member (forward, "fromFingerprint"), ==, FP_A);
  g_assert_cmpstr (json_object_get_string_member (forward, "sessionId"), ==, "s1");
  g_assert_cmpstr (json_object_get_string_member (forward, "sdp"), ==, json_object_get_string_member (request, "sdp"));
  g_assert_false (json_object_has_member (forward, "id"));
  g_assert_false (json_object_has_member (forward, "toFingerprint"));
  g_assert_false (json_object_has_member (forward, "smuggled"));
  g_assert_false (json_object_has_member (forward, "timestamp"));
  g_assert_true (avanue_protocol_validate (protocol, forward, S2C, NULL, &error));
  g_assert_no_error (error);

  g_assert_cmpstr (json_object_get_string_member (delivered, "messageId"), ==, UUID_1);
  g_assert_cmpstr (json_object_get_string_member (delivered, "payload"), ==, "aGVsbG8=");
  g_assert_cmpint (json_object_get_int_member (delivered, "timestamp"), ==, 1767225600123);
  g_assert_true (avanue_protocol_validate (protocol, delivered, S2C, NULL, &error));
  g_assert_no_error (error);
}

static void
test_errors_as_messages (void)
{
  g_autoptr(AvanueProtocol) protocol = avanue_protocol_new ();
  g_autoptr(GError) parse_error = NULL;
  g_autofree char *id = NULL;
  g_autoptr(JsonObject) parsed = NULL;
  g_autoptr(JsonObject) answer = NULL;
  g_autoptr(GError) back = NULL;
  g_autoptr(GError) internal = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_FAILED, "disk /var/lib/secret failed");
  g_autoptr(JsonObject) internal_answer = avanue_protocol_build_error_from_gerror (internal, "q");
  g_autoptr(JsonObject) ping = avanue_protocol_build_ping (NULL);
  g_autoptr(JsonObject) unknown = object_from_quoted ("{'type':'ERROR','code':'NEW_CODE','message':'m'}");
  g_autoptr(GError) unknown_error = avanue_protocol_error_from_message (unknown);
  g_autoptr(JsonObject) no_message = avanue_protocol_build_error (AVANUE_PROTOCOL_ERROR_FORBIDDEN, NULL, NULL);
  g_autoptr(GError) no_message_error = avanue_protocol_error_from_message (no_message);
  g_autofree char *text = unquote ("{'type':'SDP_OFFER','id':'abc','sessionId':'s1','toFingerprint':'" FP_B "','sdp':7}");
  g_autofree char *answer_text = NULL;

  /* what the server does with a bad request */
  parsed = avanue_protocol_parse (protocol, text, -1, NULL, &id, &parse_error);
  g_assert_null (parsed);
  g_assert_error (parse_error, AVANUE_PROTOCOL_ERROR, AVANUE_PROTOCOL_ERROR_BAD_REQUEST);
  g_assert_cmpstr (id, ==, "abc");
  g_assert_nonnull (strstr (parse_error->message, "sdp"));
  answer = avanue_protocol_build_error_from_gerror (parse_error, id);
  g_assert_cmpstr (json_object_get_string_member (answer, "code"), ==, "BAD_REQUEST");
  g_assert_cmpstr (json_object_get_string_member (answer, "re"), ==, "abc");
  g_assert_cmpstr (json_object_get_string_member (answer, "message"), ==, parse_error->message);

  /* and what the client makes of the answer */
  answer_text = avanue_protocol_to_text (answer);
  {
    g_autoptr(JsonObject) received = NULL;
    g_autofree char *re = NULL;
    AvanueMessageType type;

    received = avanue_protocol_parse_server_message (protocol, answer_text, -1, &type, &re, NULL);
    g_assert_nonnull (received);
    g_assert_cmpint (type, ==, AVANUE_MESSAGE_TYPE_ERROR);
    g_assert_cmpstr (re, ==, "abc");
    back = avanue_protocol_error_from_message (received);
  }
  g_assert_error (back, AVANUE_PROTOCOL_ERROR, AVANUE_PROTOCOL_ERROR_BAD_REQUEST);
  g_assert_cmpstr (back->message, ==, parse_error->message);

  /* internal details stay inside */
  g_assert_cmpstr (json_object_get_string_member (internal_answer, "code"), ==, "INTERNAL");
  g_assert_null (strstr (json_object_get_string_member (internal_answer, "message"), "secret"));

  g_assert_null (avanue_protocol_error_from_message (ping));
  g_assert_error (unknown_error, AVANUE_PROTOCOL_ERROR, AVANUE_PROTOCOL_ERROR_INTERNAL);
  g_assert_cmpstr (unknown_error->message, ==, "m");
  g_assert_error (no_message_error, AVANUE_PROTOCOL_ERROR, AVANUE_PROTOCOL_ERROR_FORBIDDEN);
  g_assert_cmpstr (no_message_error->message, ==, "FORBIDDEN");
}

/* The type is reported whenever it could be read, even on errors. */
static void
test_out_type (void)
{
  g_autoptr(AvanueProtocol) protocol = avanue_protocol_new ();
  static const struct {
    AvanueMessageDirection direction;
    const char *json;
    AvanueMessageType type;
  } cases[] = {
    { C2S, "{'type':'SDP_OFFER','id':'r1'}", AVANUE_MESSAGE_TYPE_SDP_OFFER },
    { C2S, "{'type':'CONNECTED','id':'r1'}", AVANUE_MESSAGE_TYPE_CONNECTED },
    { C2S, "{'type':'NOPE','id':'r1'}", AVANUE_MESSAGE_TYPE_UNKNOWN },
    { C2S, "{'type':7,'id':'r1'}", AVANUE_MESSAGE_TYPE_UNKNOWN },
    { C2S, "not json", AVANUE_MESSAGE_TYPE_UNKNOWN },
    { S2C, "{'type':'PONG','timestamp':'x'}", AVANUE_MESSAGE_TYPE_PONG },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *text = unquote (cases[i].json);
      g_autoptr(JsonObject) object = NULL;
      AvanueMessageType type = (AvanueMessageType) 12345;

      object = avanue_protocol_parse_message (protocol, text, -1, cases[i].direction, &type, NULL, NULL);
      g_assert_null (object);
      g_assert_cmpint (type, ==, cases[i].type);
    }
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/avanue/protocol/error-codes", test_error_codes);
  g_test_add_func ("/avanue/protocol/message-types", test_message_types);
  g_test_add_func ("/avanue/protocol/fingerprint", test_fingerprint);
  g_test_add_func ("/avanue/protocol/properties", test_properties);
  g_test_add_func ("/avanue/protocol/valid-examples", test_valid_examples);
  g_test_add_func ("/avanue/protocol/valid-without-ref", test_valid_without_ref);
  g_test_add_func ("/avanue/protocol/missing-fields", test_missing_fields);
  g_test_add_func ("/avanue/protocol/wrong-types", test_wrong_types);
  g_test_add_func ("/avanue/protocol/unknown-fields", test_unknown_fields);
  g_test_add_func ("/avanue/protocol/invalid-values", test_invalid_values);
  g_test_add_func ("/avanue/protocol/edge-values", test_edge_values);
  g_test_add_func ("/avanue/protocol/frame-rules", test_frame_rules);
  g_test_add_func ("/avanue/protocol/nesting", test_nesting);
  g_test_add_func ("/avanue/protocol/frame-size", test_frame_size);
  g_test_add_func ("/avanue/protocol/field-limits", test_field_limits);
  g_test_add_func ("/avanue/protocol/out-type", test_out_type);
  g_test_add_func ("/avanue/protocol/builders", test_builders);
  g_test_add_func ("/avanue/protocol/builder-output", test_builder_output);
  g_test_add_func ("/avanue/protocol/to-text", test_to_text);
  g_test_add_func ("/avanue/protocol/non-finite-built", test_non_finite_built);
  g_test_add_func ("/avanue/protocol/forward", test_forward);
  g_test_add_func ("/avanue/protocol/errors-as-messages", test_errors_as_messages);

  return g_test_run ();
}
