/* SPDX-License-Identifier: LGPL-2.1-or-later */
/**
 * AvanueProtocol:
 *
 * The schema of the signaling protocol (DESIGN §5), shared by avanued and
 * the client library so that both enforce exactly the same rules.
 *
 * An `AvanueProtocol` holds the size limits (see
 * [property@Avanue.Protocol:max-frame-bytes] and its siblings) and
 * validates text frames with [method@Avanue.Protocol.parse] (messages a
 * client sends, as the server checks them) and
 * [method@Avanue.Protocol.parse_server_message] (messages the server sends,
 * as a client checks them). Failures are [error@Avanue.ProtocolError]s
 * whose code is what the server answers in `ERROR`: `BAD_REQUEST`,
 * `TOO_LARGE` or `UNSUPPORTED_TYPE`.
 *
 * The `avanue_protocol_build_*()` functions build every message; their
 * output passes the validator when their arguments are valid (they do not
 * check them beyond %NULL). [func@Avanue.Protocol.to_text] serialises a
 * message compactly.
 *
 * Conventions this implementation settles where DESIGN §5 is silent:
 *
 * - Timestamps (`timestamp`, `joinedAt`, `expiresAt`) are integers, in
 *   milliseconds since the Unix epoch (what JavaScript's `Date.now()`
 *   gives); every integer must stay within ±(2⁵³ − 1).
 * - For an optional field, `null` is the same as leaving it out. A few
 *   fields are required but may be `null`: `hubFingerprint` of the
 *   `SESSION_*` answers (no hub elected yet), `expiresAt` of `limits` (no
 *   end), `oneTimePreKey` of `KEY_BUNDLE` (none left).
 * - `id` and `re` are strings of at most %AVANUE_PROTOCOL_MAX_ID_LENGTH
 *   characters; server messages may carry `re`.
 * - Identifiers chosen by the server (`sessionId`, `deviceId`, `requestId`,
 *   `pairingId`) are non-empty strings of at most 64 characters;
 *   `clientId` and `messageId` are UUIDs.
 * - `ENCRYPTED_MESSAGE` payloads are base64 text of at most
 *   [property@Avanue.Protocol:max-payload-bytes] characters;
 *   `APP_MESSAGE` payloads are objects whose compact serialisation is at
 *   most that many bytes.
 * - `REPORT_STATS`: `natType` is one of `open`, `full-cone`, `restricted`,
 *   `port-restricted`, `symmetric`, `unknown` (seed 001);
 *   `candidateType` one of `host`, `srflx`, `prflx`, `relay` (WebRTC
 *   statistics).
 * - `REGISTER_PUSH` carries exactly one of `token` and `endpoint` (an
 *   `http` or `https` URL, for UnifiedPush); `platform` is a device
 *   platform.
 * - `PUBLISH_KEYS`: keys decode to 32 or 33 bytes (raw, or with the
 *   one-byte type prefix of the Signal protocol), `preKeySignature` to 64
 *   bytes, at most 1000 one-time pre-keys of `{keyId, publicKey}`.
 * - `KEY_BUNDLE` may name the `fingerprint` it belongs to.
 * - `ERROR` codes must be ones of [enum@Avanue.ProtocolError]; a new code
 *   needs a new protocol version.
 * - A frame over the frame limit is not parsed at all, so its `id` is not
 *   reported.
 *
 * Since: 0.1
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include "avanue-protocol.h"

#define DEFAULT_MAX_FRAME_BYTES     65536
#define DEFAULT_MAX_SDP_BYTES       32768
#define DEFAULT_MAX_CANDIDATE_BYTES 2048
#define DEFAULT_MAX_PAYLOAD_BYTES   49152

/* JavaScript's Number.MAX_SAFE_INTEGER: integers beyond it do not survive
 * a round trip through a browser client. */
#define MAX_SAFE_INTEGER G_GINT64_CONSTANT (9007199254740991)

#define C2S AVANUE_MESSAGE_DIRECTION_CLIENT_TO_SERVER
#define S2C AVANUE_MESSAGE_DIRECTION_SERVER_TO_CLIENT
#define BOTH_DIRECTIONS (C2S | S2C)

struct _AvanueProtocol
{
  GObject parent_instance;

  guint max_frame_bytes;
  guint max_sdp_bytes;
  guint max_candidate_bytes;
  guint max_payload_bytes;
};

G_DEFINE_FINAL_TYPE (AvanueProtocol, avanue_protocol, G_TYPE_OBJECT)
G_DEFINE_QUARK (avanue-protocol-error-quark, avanue_protocol_error)

enum {
  PROP_0,
  PROP_MAX_FRAME_BYTES,
  PROP_MAX_SDP_BYTES,
  PROP_MAX_CANDIDATE_BYTES,
  PROP_MAX_PAYLOAD_BYTES,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* ------------------------------------------------------------------------
 * Names
 * ------------------------------------------------------------------------ */

static const char * const error_names[] = {
  [AVANUE_PROTOCOL_ERROR_BAD_REQUEST] = "BAD_REQUEST",
  [AVANUE_PROTOCOL_ERROR_UNSUPPORTED_TYPE] = "UNSUPPORTED_TYPE",
  [AVANUE_PROTOCOL_ERROR_TOO_LARGE] = "TOO_LARGE",
  [AVANUE_PROTOCOL_ERROR_RATE_LIMITED] = "RATE_LIMITED",
  [AVANUE_PROTOCOL_ERROR_NOT_REGISTERED] = "NOT_REGISTERED",
  [AVANUE_PROTOCOL_ERROR_BAD_SIGNATURE] = "BAD_SIGNATURE",
  [AVANUE_PROTOCOL_ERROR_DEVICE_BLOCKED] = "DEVICE_BLOCKED",
  [AVANUE_PROTOCOL_ERROR_LICENSE_REQUIRED] = "LICENSE_REQUIRED",
  [AVANUE_PROTOCOL_ERROR_LICENSE_EXPIRED] = "LICENSE_EXPIRED",
  [AVANUE_PROTOCOL_ERROR_SESSION_NOT_FOUND] = "SESSION_NOT_FOUND",
  [AVANUE_PROTOCOL_ERROR_SESSION_FULL] = "SESSION_FULL",
  [AVANUE_PROTOCOL_ERROR_SESSION_ENDED] = "SESSION_ENDED",
  [AVANUE_PROTOCOL_ERROR_NOT_IN_SESSION] = "NOT_IN_SESSION",
  [AVANUE_PROTOCOL_ERROR_PEER_NOT_FOUND] = "PEER_NOT_FOUND",
  [AVANUE_PROTOCOL_ERROR_FORBIDDEN] = "FORBIDDEN",
  [AVANUE_PROTOCOL_ERROR_TURN_UNAVAILABLE] = "TURN_UNAVAILABLE",
  [AVANUE_PROTOCOL_ERROR_INTERNAL] = "INTERNAL",
};

static const char * const type_names[] = {
  [AVANUE_MESSAGE_TYPE_UNKNOWN] = NULL,
  [AVANUE_MESSAGE_TYPE_REGISTER_DEVICE] = "REGISTER_DEVICE",
  [AVANUE_MESSAGE_TYPE_PING] = "PING",
  [AVANUE_MESSAGE_TYPE_CREATE_SESSION] = "CREATE_SESSION",
  [AVANUE_MESSAGE_TYPE_JOIN_SESSION] = "JOIN_SESSION",
  [AVANUE_MESSAGE_TYPE_REJOIN_SESSION] = "REJOIN_SESSION",
  [AVANUE_MESSAGE_TYPE_LEAVE_SESSION] = "LEAVE_SESSION",
  [AVANUE_MESSAGE_TYPE_END_SESSION] = "END_SESSION",
  [AVANUE_MESSAGE_TYPE_SDP_OFFER] = "SDP_OFFER",
  [AVANUE_MESSAGE_TYPE_SDP_ANSWER] = "SDP_ANSWER",
  [AVANUE_MESSAGE_TYPE_ICE_CANDIDATE] = "ICE_CANDIDATE",
  [AVANUE_MESSAGE_TYPE_APP_MESSAGE] = "APP_MESSAGE",
  [AVANUE_MESSAGE_TYPE_CAPABILITY_UPDATE] = "CAPABILITY_UPDATE",
  [AVANUE_MESSAGE_TYPE_REQUEST_TURN] = "REQUEST_TURN",
  [AVANUE_MESSAGE_TYPE_REPORT_STATS] = "REPORT_STATS",
  [AVANUE_MESSAGE_TYPE_PAIR_REQUEST] = "PAIR_REQUEST",
  [AVANUE_MESSAGE_TYPE_PAIR_ACCEPT] = "PAIR_ACCEPT",
  [AVANUE_MESSAGE_TYPE_PAIR_REJECT] = "PAIR_REJECT",
  [AVANUE_MESSAGE_TYPE_REGISTER_PUSH] = "REGISTER_PUSH",
  [AVANUE_MESSAGE_TYPE_PUBLISH_KEYS] = "PUBLISH_KEYS",
  [AVANUE_MESSAGE_TYPE_FETCH_KEYS] = "FETCH_KEYS",
  [AVANUE_MESSAGE_TYPE_ENCRYPTED_MESSAGE] = "ENCRYPTED_MESSAGE",
  [AVANUE_MESSAGE_TYPE_MESSAGE_ACK] = "MESSAGE_ACK",
  [AVANUE_MESSAGE_TYPE_CONNECTED] = "CONNECTED",
  [AVANUE_MESSAGE_TYPE_PONG] = "PONG",
  [AVANUE_MESSAGE_TYPE_DEVICE_REGISTERED] = "DEVICE_REGISTERED",
  [AVANUE_MESSAGE_TYPE_SESSION_CREATED] = "SESSION_CREATED",
  [AVANUE_MESSAGE_TYPE_SESSION_JOINED] = "SESSION_JOINED",
  [AVANUE_MESSAGE_TYPE_SESSION_REJOINED] = "SESSION_REJOINED",
  [AVANUE_MESSAGE_TYPE_SESSION_LEFT] = "SESSION_LEFT",
  [AVANUE_MESSAGE_TYPE_SESSION_ENDED] = "SESSION_ENDED",
  [AVANUE_MESSAGE_TYPE_PARTICIPANT_JOINED] = "PARTICIPANT_JOINED",
  [AVANUE_MESSAGE_TYPE_PARTICIPANT_OFFLINE] = "PARTICIPANT_OFFLINE",
  [AVANUE_MESSAGE_TYPE_PARTICIPANT_LEFT] = "PARTICIPANT_LEFT",
  [AVANUE_MESSAGE_TYPE_HUB_ELECTED] = "HUB_ELECTED",
  [AVANUE_MESSAGE_TYPE_ROLE_CHANGED] = "ROLE_CHANGED",
  [AVANUE_MESSAGE_TYPE_TURN_CREDENTIALS] = "TURN_CREDENTIALS",
  [AVANUE_MESSAGE_TYPE_PAIR_REQUESTED] = "PAIR_REQUESTED",
  [AVANUE_MESSAGE_TYPE_PAIR_ESTABLISHED] = "PAIR_ESTABLISHED",
  [AVANUE_MESSAGE_TYPE_PAIR_REJECTED] = "PAIR_REJECTED",
  [AVANUE_MESSAGE_TYPE_PUSH_REGISTERED] = "PUSH_REGISTERED",
  [AVANUE_MESSAGE_TYPE_KEYS_PUBLISHED] = "KEYS_PUBLISHED",
  [AVANUE_MESSAGE_TYPE_KEY_BUNDLE] = "KEY_BUNDLE",
  [AVANUE_MESSAGE_TYPE_MESSAGE_ACCEPTED] = "MESSAGE_ACCEPTED",
  [AVANUE_MESSAGE_TYPE_ERROR] = "ERROR",
};

G_STATIC_ASSERT (G_N_ELEMENTS (error_names) == AVANUE_PROTOCOL_ERROR_INTERNAL + 1);
G_STATIC_ASSERT (G_N_ELEMENTS (type_names) == AVANUE_MESSAGE_TYPE_ERROR + 1);

/**
 * avanue_protocol_error_to_string:
 * @code: an error code
 *
 * Returns: (nullable): the wire name of @code, such as `"BAD_REQUEST"`, or
 *   %NULL if @code is not a protocol error code
 *
 * Since: 0.1
 */
const char *
avanue_protocol_error_to_string (AvanueProtocolError code)
{
  if ((guint) code >= G_N_ELEMENTS (error_names))
    return NULL;
  return error_names[code];
}

/**
 * avanue_protocol_error_from_string:
 * @str: a wire name such as `"SESSION_FULL"`
 * @out_code: (out) (optional): the error code
 *
 * Reads the `code` of an `ERROR` message. Names are case-sensitive.
 *
 * Returns: %TRUE if @str names an error code
 *
 * Since: 0.1
 */
gboolean
avanue_protocol_error_from_string (const char          *str,
                                   AvanueProtocolError *out_code)
{
  if (str == NULL)
    return FALSE;
  for (guint i = 0; i < G_N_ELEMENTS (error_names); i++)
    {
      if (g_str_equal (error_names[i], str))
        {
          if (out_code != NULL)
            *out_code = (AvanueProtocolError) i;
          return TRUE;
        }
    }
  return FALSE;
}

/**
 * avanue_message_type_to_string:
 * @type: a message type
 *
 * Returns: (nullable): the wire name of @type, such as `"SDP_OFFER"`, or
 *   %NULL for %AVANUE_MESSAGE_TYPE_UNKNOWN and values out of range
 *
 * Since: 0.1
 */
const char *
avanue_message_type_to_string (AvanueMessageType type)
{
  if ((guint) type >= G_N_ELEMENTS (type_names))
    return NULL;
  return type_names[type];
}

/**
 * avanue_message_type_from_string:
 * @str: (nullable): a wire name such as `"PING"`
 *
 * Names are case-sensitive, as on the wire.
 *
 * Returns: the message type, or %AVANUE_MESSAGE_TYPE_UNKNOWN
 *
 * Since: 0.1
 */
AvanueMessageType
avanue_message_type_from_string (const char *str)
{
  if (str == NULL)
    return AVANUE_MESSAGE_TYPE_UNKNOWN;
  for (guint i = 1; i < G_N_ELEMENTS (type_names); i++)
    {
      if (g_str_equal (type_names[i], str))
        return (AvanueMessageType) i;
    }
  return AVANUE_MESSAGE_TYPE_UNKNOWN;
}

/* ------------------------------------------------------------------------
 * The schema
 *
 * One FieldSpec table per message type and direction; the kind of a field
 * fixes its JSON type and what is checked beyond it.
 * ------------------------------------------------------------------------ */

typedef enum {
  FIELD_STRING,            /* string of min..max characters; `check` if set */
  FIELD_ENUM,              /* string from `values`, or accepted by `check` */
  FIELD_FINGERPRINT,       /* 64 lowercase hex characters */
  FIELD_UUID,              /* a UUID string */
  FIELD_BASE64,            /* standard base64 decoding to min..max bytes */
  FIELD_INT,               /* integral number in min..max */
  FIELD_NUMBER,            /* finite number in min..max */
  FIELD_BOOLEAN,
  FIELD_OBJECT,            /* object checked against `sub` (any if NULL) */
  FIELD_OBJECT_ARRAY,      /* array of min..max objects checked against `sub` */
  FIELD_STRING_ARRAY,      /* array of min..max non-empty strings */
  FIELD_CAPABILITIES,      /* AvanueCapabilities in its JSON form */
  FIELD_SDP,               /* non-empty string within max-sdp-bytes */
  FIELD_CANDIDATE,         /* string, or object `candidate_fields` */
  FIELD_CANDIDATE_TEXT,    /* string (may be empty) within max-candidate-bytes */
  FIELD_APP_PAYLOAD,       /* object serialised within max-payload-bytes */
  FIELD_ENCRYPTED_PAYLOAD, /* base64 within max-payload-bytes */
  FIELD_ERROR_CODE,        /* a name of AvanueProtocolError */
  FIELD_EVENTS,            /* array of server → client messages */
} FieldKind;

typedef enum {
  FIELD_OPTIONAL = 0,
  FIELD_REQUIRED = 1 << 0,
  FIELD_NULLABLE = 1 << 1,      /* required, but may be null */
} FieldFlags;

typedef struct _FieldSpec FieldSpec;
struct _FieldSpec
{
  const char *name;
  FieldKind kind;
  FieldFlags flags;
  gint64 min;
  gint64 max;
  const char * const *values;
  gboolean (*check) (const char *value);
  const char *what;             /* what `check` accepts, for the error */
  const FieldSpec *sub;
};

typedef struct
{
  AvanueMessageType type;
  AvanueMessageDirection direction;
  const FieldSpec *fields;
  gboolean (*check) (JsonObject *message, GError **error);
} MessageSchema;

#define REQ FIELD_REQUIRED
#define OPT FIELD_OPTIONAL
#define NULLABLE (FIELD_REQUIRED | FIELD_NULLABLE)

#define ID_FIELD(n, flags) { n, FIELD_STRING, flags, 1, 64 }
#define KEY_FIELD(n, flags) { n, FIELD_BASE64, flags, 32, 33 }
#define MS_FIELD(n, flags) { n, FIELD_INT, flags, 0, MAX_SAFE_INTEGER }
#define COUNT_FIELD(n, flags) { n, FIELD_INT, flags, 0, G_MAXINT32 }

static const char * const session_type_values[] = {
  "CALL", "CAST", "SCREEN_SHARE", "FILE_TRANSFER", NULL };
static const char * const end_reason_values[] = {
  "COMPLETED", "HOST_LEFT", "TIMEOUT", "LICENSE_EXPIRED", "ADMIN", "ERROR", NULL };
static const char * const left_reason_values[] = {
  "LEFT", "DISCONNECT", "KICKED", NULL };
static const char * const hub_reason_values[] = {
  "INITIAL", "DISCONNECT", "BATTERY_LOW", "CAPABILITY_CHANGE", NULL };
static const char * const role_values[] = { "HOST", "GUEST", NULL };
static const char * const topology_role_values[] = { "HUB", "SPOKE", NULL };
static const char * const tier_values[] = {
  "free", "pro", "business", "enterprise", NULL };
static const char * const nat_type_values[] = {
  "open", "full-cone", "restricted", "port-restricted", "symmetric", "unknown", NULL };
static const char * const candidate_type_values[] = {
  "host", "srflx", "prflx", "relay", NULL };

static gboolean
is_platform (const char *value)
{
  return avanue_platform_from_string (value, NULL);
}

static gboolean
is_device_type (const char *value)
{
  return avanue_device_type_from_string (value, NULL);
}

static gboolean
is_http_url (const char *value)
{
  g_autoptr(GUri) uri = g_uri_parse (value, G_URI_FLAGS_NONE, NULL);

  return uri != NULL &&
         (g_strcmp0 (g_uri_get_scheme (uri), "https") == 0 ||
          g_strcmp0 (g_uri_get_scheme (uri), "http") == 0) &&
         g_uri_get_host (uri) != NULL && *g_uri_get_host (uri) != '\0';
}

#define PLATFORM_FIELD(n) { n, FIELD_ENUM, REQ, .check = is_platform, .what = "a platform" }
#define DEVICE_TYPE_FIELD(n) { n, FIELD_ENUM, REQ, .check = is_device_type, .what = "a device type" }

/* Parts of messages */

static const FieldSpec candidate_fields[] = {
  { "candidate", FIELD_CANDIDATE_TEXT, REQ },
  { "sdpMid", FIELD_STRING, OPT, 0, 64 },
  { "sdpMLineIndex", FIELD_INT, OPT, 0, 65535 },
  { "usernameFragment", FIELD_STRING, OPT, 0, 256 },
  { NULL }
};

static const FieldSpec participant_fields[] = {
  { "fingerprint", FIELD_FINGERPRINT, REQ },
  { "deviceName", FIELD_STRING, REQ, 1, 100 },
  PLATFORM_FIELD ("platform"),
  DEVICE_TYPE_FIELD ("deviceType"),
  { "role", FIELD_ENUM, REQ, .values = role_values },
  { "topologyRole", FIELD_ENUM, REQ, .values = topology_role_values },
  { "isLicensed", FIELD_BOOLEAN, REQ },
  { "capabilityScore", FIELD_NUMBER, REQ, 0, G_MAXINT32 },
  { "online", FIELD_BOOLEAN, REQ },
  MS_FIELD ("joinedAt", REQ),
  { NULL }
};

static const FieldSpec limits_fields[] = {
  { "tier", FIELD_ENUM, REQ, .values = tier_values },
  COUNT_FIELD ("maxPeers", REQ),
  COUNT_FIELD ("maxDurationSeconds", REQ),
  { "turnAllowed", FIELD_BOOLEAN, REQ },
  MS_FIELD ("expiresAt", NULLABLE),
  { NULL }
};

static const FieldSpec turn_credentials_fields[] = {
  { "username", FIELD_STRING, REQ, 1, 512 },
  { "password", FIELD_STRING, REQ, 1, 512 },
  { "urls", FIELD_STRING_ARRAY, REQ, 1, 32 },
  COUNT_FIELD ("ttlSeconds", REQ),
  { NULL }
};

static const FieldSpec one_time_pre_key_fields[] = {
  { "keyId", FIELD_INT, REQ, 0, G_MAXUINT32 },
  KEY_FIELD ("publicKey", REQ),
  { NULL }
};

/* Client → server */

static const FieldSpec no_fields[] = {
  { NULL }
};

static const FieldSpec register_device_fields[] = {
  { "fingerprint", FIELD_FINGERPRINT, REQ },
  { "publicKey", FIELD_BASE64, REQ, 32, 32 },
  { "signature", FIELD_BASE64, REQ, 64, 64 },
  { "deviceName", FIELD_STRING, REQ, 1, 100 },
  PLATFORM_FIELD ("platform"),
  DEVICE_TYPE_FIELD ("deviceType"),
  { NULL }
};

static const FieldSpec create_session_fields[] = {
  { "licenseToken", FIELD_STRING, OPT, 1, 256 },
  { "sessionType", FIELD_ENUM, REQ, .values = session_type_values },
  { "capabilities", FIELD_CAPABILITIES, REQ },
  { NULL }
};

static const FieldSpec join_session_fields[] = {
  { "inviteCode", FIELD_STRING, REQ, 1, 32 },
  { "capabilities", FIELD_CAPABILITIES, REQ },
  { NULL }
};

static const FieldSpec rejoin_session_fields[] = {
  ID_FIELD ("sessionId", REQ),
  { "capabilities", FIELD_CAPABILITIES, REQ },
  { NULL }
};

static const FieldSpec session_id_fields[] = {
  ID_FIELD ("sessionId", REQ),
  { NULL }
};

static const FieldSpec sdp_request_fields[] = {
  ID_FIELD ("sessionId", REQ),
  { "toFingerprint", FIELD_FINGERPRINT, REQ },
  { "sdp", FIELD_SDP, REQ },
  { NULL }
};

static const FieldSpec ice_request_fields[] = {
  ID_FIELD ("sessionId", REQ),
  { "toFingerprint", FIELD_FINGERPRINT, REQ },
  { "candidate", FIELD_CANDIDATE, REQ },
  { NULL }
};

static const FieldSpec app_request_fields[] = {
  ID_FIELD ("sessionId", REQ),
  { "toFingerprint", FIELD_FINGERPRINT, OPT },
  { "payload", FIELD_APP_PAYLOAD, REQ },
  { NULL }
};

static const FieldSpec capability_update_fields[] = {
  ID_FIELD ("sessionId", REQ),
  { "capabilities", FIELD_CAPABILITIES, REQ },
  { NULL }
};

static const FieldSpec report_stats_fields[] = {
  ID_FIELD ("sessionId", REQ),
  { "avgLatencyMs", FIELD_NUMBER, REQ, 0, 3600000 },
  { "avgPacketLossPercent", FIELD_NUMBER, REQ, 0, 100 },
  { "natType", FIELD_ENUM, REQ, .values = nat_type_values },
  { "candidateType", FIELD_ENUM, REQ, .values = candidate_type_values },
  { NULL }
};

static const FieldSpec pair_request_fields[] = {
  { "targetFingerprint", FIELD_FINGERPRINT, REQ },
  { NULL }
};

static const FieldSpec request_id_fields[] = {
  ID_FIELD ("requestId", REQ),
  { NULL }
};

static const FieldSpec register_push_fields[] = {
  PLATFORM_FIELD ("platform"),
  { "token", FIELD_STRING, OPT, 1, 4096 },
  { "endpoint", FIELD_STRING, OPT, 1, 2048, .check = is_http_url, .what = "an http or https URL" },
  { NULL }
};

static const FieldSpec publish_keys_fields[] = {
  KEY_FIELD ("identityKey", REQ),
  KEY_FIELD ("signedPreKey", REQ),
  { "preKeySignature", FIELD_BASE64, REQ, 64, 64 },
  { "oneTimePreKeys", FIELD_OBJECT_ARRAY, REQ, 0, 1000, .sub = one_time_pre_key_fields },
  { NULL }
};

static const FieldSpec fingerprint_fields[] = {
  { "fingerprint", FIELD_FINGERPRINT, REQ },
  { NULL }
};

static const FieldSpec encrypted_request_fields[] = {
  { "toFingerprint", FIELD_FINGERPRINT, REQ },
  { "messageId", FIELD_UUID, REQ },
  { "payload", FIELD_ENCRYPTED_PAYLOAD, REQ },
  { NULL }
};

static const FieldSpec message_id_fields[] = {
  { "messageId", FIELD_UUID, REQ },
  { NULL }
};

/* Server → client */

static const FieldSpec connected_fields[] = {
  { "clientId", FIELD_UUID, REQ },
  { "server", FIELD_STRING, REQ, 1, 128 },
  { "protocol", FIELD_INT, REQ, 1, G_MAXINT32 },
  { "nonce", FIELD_BASE64, REQ, 32, 32 },
  { "heartbeatSeconds", FIELD_INT, REQ, 1, 86400 },
  { NULL }
};

static const FieldSpec pong_fields[] = {
  MS_FIELD ("timestamp", REQ),
  { NULL }
};

static const FieldSpec device_registered_fields[] = {
  ID_FIELD ("deviceId", REQ),
  { "fingerprint", FIELD_FINGERPRINT, REQ },
  COUNT_FIELD ("pendingMessages", REQ),
  { NULL }
};

static const FieldSpec session_created_fields[] = {
  ID_FIELD ("sessionId", REQ),
  { "inviteCode", FIELD_STRING, REQ, 1, 32 },
  { "joinUrl", FIELD_STRING, REQ, 1, 256 },
  { "sessionType", FIELD_ENUM, REQ, .values = session_type_values },
  { "hubFingerprint", FIELD_FINGERPRINT, NULLABLE },
  { "limits", FIELD_OBJECT, REQ, .sub = limits_fields },
  { "turnCredentials", FIELD_OBJECT, OPT, .sub = turn_credentials_fields },
  { NULL }
};

static const FieldSpec session_joined_fields[] = {
  ID_FIELD ("sessionId", REQ),
  { "sessionType", FIELD_ENUM, REQ, .values = session_type_values },
  { "participants", FIELD_OBJECT_ARRAY, REQ, 0, 100000, .sub = participant_fields },
  { "hubFingerprint", FIELD_FINGERPRINT, NULLABLE },
  { "limits", FIELD_OBJECT, REQ, .sub = limits_fields },
  { "turnCredentials", FIELD_OBJECT, OPT, .sub = turn_credentials_fields },
  { NULL }
};

static const FieldSpec session_rejoined_fields[] = {
  ID_FIELD ("sessionId", REQ),
  { "sessionType", FIELD_ENUM, REQ, .values = session_type_values },
  { "participants", FIELD_OBJECT_ARRAY, REQ, 0, 100000, .sub = participant_fields },
  { "hubFingerprint", FIELD_FINGERPRINT, NULLABLE },
  { "limits", FIELD_OBJECT, REQ, .sub = limits_fields },
  { "turnCredentials", FIELD_OBJECT, OPT, .sub = turn_credentials_fields },
  { "missedEvents", FIELD_EVENTS, REQ, 0, 100000 },
  { NULL }
};

static const FieldSpec session_ended_fields[] = {
  ID_FIELD ("sessionId", REQ),
  { "reason", FIELD_ENUM, REQ, .values = end_reason_values },
  { NULL }
};

static const FieldSpec participant_joined_fields[] = {
  ID_FIELD ("sessionId", REQ),
  { "participant", FIELD_OBJECT, REQ, .sub = participant_fields },
  { NULL }
};

static const FieldSpec participant_offline_fields[] = {
  ID_FIELD ("sessionId", REQ),
  { "fingerprint", FIELD_FINGERPRINT, REQ },
  { NULL }
};

static const FieldSpec participant_left_fields[] = {
  ID_FIELD ("sessionId", REQ),
  { "fingerprint", FIELD_FINGERPRINT, REQ },
  { "reason", FIELD_ENUM, REQ, .values = left_reason_values },
  { NULL }
};

static const FieldSpec hub_elected_fields[] = {
  ID_FIELD ("sessionId", REQ),
  { "hubFingerprint", FIELD_FINGERPRINT, REQ },
  { "reason", FIELD_ENUM, REQ, .values = hub_reason_values },
  { NULL }
};

static const FieldSpec role_changed_fields[] = {
  ID_FIELD ("sessionId", REQ),
  { "fingerprint", FIELD_FINGERPRINT, REQ },
  { "oldRole", FIELD_ENUM, REQ, .values = topology_role_values },
  { "newRole", FIELD_ENUM, REQ, .values = topology_role_values },
  { NULL }
};

static const FieldSpec pair_requested_fields[] = {
  { "fromFingerprint", FIELD_FINGERPRINT, REQ },
  { "fromDeviceName", FIELD_STRING, REQ, 1, 100 },
  ID_FIELD ("requestId", REQ),
  { NULL }
};

static const FieldSpec pair_established_fields[] = {
  ID_FIELD ("pairingId", REQ),
  { "peerFingerprint", FIELD_FINGERPRINT, REQ },
  { "secret", FIELD_STRING, REQ, 1, 256 },
  { NULL }
};

static const FieldSpec keys_published_fields[] = {
  COUNT_FIELD ("oneTimePreKeysAvailable", REQ),
  { NULL }
};

static const FieldSpec key_bundle_fields[] = {
  { "fingerprint", FIELD_FINGERPRINT, OPT },
  KEY_FIELD ("identityKey", REQ),
  KEY_FIELD ("signedPreKey", REQ),
  { "preKeySignature", FIELD_BASE64, REQ, 64, 64 },
  { "oneTimePreKey", FIELD_OBJECT, NULLABLE, .sub = one_time_pre_key_fields },
  { NULL }
};

static const FieldSpec message_accepted_fields[] = {
  { "messageId", FIELD_UUID, REQ },
  { "stored", FIELD_BOOLEAN, REQ },
  { NULL }
};

static const FieldSpec sdp_event_fields[] = {
  ID_FIELD ("sessionId", REQ),
  { "fromFingerprint", FIELD_FINGERPRINT, REQ },
  { "sdp", FIELD_SDP, REQ },
  { NULL }
};

static const FieldSpec ice_event_fields[] = {
  ID_FIELD ("sessionId", REQ),
  { "fromFingerprint", FIELD_FINGERPRINT, REQ },
  { "candidate", FIELD_CANDIDATE, REQ },
  { NULL }
};

static const FieldSpec app_event_fields[] = {
  ID_FIELD ("sessionId", REQ),
  { "fromFingerprint", FIELD_FINGERPRINT, REQ },
  { "payload", FIELD_APP_PAYLOAD, REQ },
  { NULL }
};

static const FieldSpec encrypted_event_fields[] = {
  { "fromFingerprint", FIELD_FINGERPRINT, REQ },
  { "messageId", FIELD_UUID, REQ },
  { "payload", FIELD_ENCRYPTED_PAYLOAD, REQ },
  MS_FIELD ("timestamp", REQ),
  { NULL }
};

static const FieldSpec error_fields[] = {
  { "code", FIELD_ERROR_CODE, REQ },
  { "message", FIELD_STRING, REQ, 0, 1024 },
  { NULL }
};

static gboolean
check_register_push (JsonObject  *message,
                     GError     **error)
{
  JsonNode *token = json_object_get_member (message, "token");
  JsonNode *endpoint = json_object_get_member (message, "endpoint");
  gboolean has_token = token != NULL && !JSON_NODE_HOLDS_NULL (token);
  gboolean has_endpoint = endpoint != NULL && !JSON_NODE_HOLDS_NULL (endpoint);

  if (has_token == has_endpoint)
    {
      g_set_error_literal (error, AVANUE_PROTOCOL_ERROR, AVANUE_PROTOCOL_ERROR_BAD_REQUEST,
                           "exactly one of token and endpoint is required");
      return FALSE;
    }
  return TRUE;
}

static const MessageSchema message_schemas[] = {
  /* client → server */
  { AVANUE_MESSAGE_TYPE_REGISTER_DEVICE, C2S, register_device_fields },
  { AVANUE_MESSAGE_TYPE_PING, C2S, no_fields },
  { AVANUE_MESSAGE_TYPE_CREATE_SESSION, C2S, create_session_fields },
  { AVANUE_MESSAGE_TYPE_JOIN_SESSION, C2S, join_session_fields },
  { AVANUE_MESSAGE_TYPE_REJOIN_SESSION, C2S, rejoin_session_fields },
  { AVANUE_MESSAGE_TYPE_LEAVE_SESSION, C2S, session_id_fields },
  { AVANUE_MESSAGE_TYPE_END_SESSION, C2S, session_id_fields },
  { AVANUE_MESSAGE_TYPE_SDP_OFFER, C2S, sdp_request_fields },
  { AVANUE_MESSAGE_TYPE_SDP_ANSWER, C2S, sdp_request_fields },
  { AVANUE_MESSAGE_TYPE_ICE_CANDIDATE, C2S, ice_request_fields },
  { AVANUE_MESSAGE_TYPE_APP_MESSAGE, C2S, app_request_fields },
  { AVANUE_MESSAGE_TYPE_CAPABILITY_UPDATE, C2S, capability_update_fields },
  { AVANUE_MESSAGE_TYPE_REQUEST_TURN, C2S, session_id_fields },
  { AVANUE_MESSAGE_TYPE_REPORT_STATS, C2S, report_stats_fields },
  { AVANUE_MESSAGE_TYPE_PAIR_REQUEST, C2S, pair_request_fields },
  { AVANUE_MESSAGE_TYPE_PAIR_ACCEPT, C2S, request_id_fields },
  { AVANUE_MESSAGE_TYPE_PAIR_REJECT, C2S, request_id_fields },
  { AVANUE_MESSAGE_TYPE_REGISTER_PUSH, C2S, register_push_fields, check_register_push },
  { AVANUE_MESSAGE_TYPE_PUBLISH_KEYS, C2S, publish_keys_fields },
  { AVANUE_MESSAGE_TYPE_FETCH_KEYS, C2S, fingerprint_fields },
  { AVANUE_MESSAGE_TYPE_ENCRYPTED_MESSAGE, C2S, encrypted_request_fields },
  { AVANUE_MESSAGE_TYPE_MESSAGE_ACK, C2S, message_id_fields },
  /* server → client */
  { AVANUE_MESSAGE_TYPE_CONNECTED, S2C, connected_fields },
  { AVANUE_MESSAGE_TYPE_PONG, S2C, pong_fields },
  { AVANUE_MESSAGE_TYPE_DEVICE_REGISTERED, S2C, device_registered_fields },
  { AVANUE_MESSAGE_TYPE_SESSION_CREATED, S2C, session_created_fields },
  { AVANUE_MESSAGE_TYPE_SESSION_JOINED, S2C, session_joined_fields },
  { AVANUE_MESSAGE_TYPE_SESSION_REJOINED, S2C, session_rejoined_fields },
  { AVANUE_MESSAGE_TYPE_SESSION_LEFT, S2C, session_id_fields },
  { AVANUE_MESSAGE_TYPE_SESSION_ENDED, S2C, session_ended_fields },
  { AVANUE_MESSAGE_TYPE_PARTICIPANT_JOINED, S2C, participant_joined_fields },
  { AVANUE_MESSAGE_TYPE_PARTICIPANT_OFFLINE, S2C, participant_offline_fields },
  { AVANUE_MESSAGE_TYPE_PARTICIPANT_LEFT, S2C, participant_left_fields },
  { AVANUE_MESSAGE_TYPE_HUB_ELECTED, S2C, hub_elected_fields },
  { AVANUE_MESSAGE_TYPE_ROLE_CHANGED, S2C, role_changed_fields },
  { AVANUE_MESSAGE_TYPE_TURN_CREDENTIALS, S2C, turn_credentials_fields },
  { AVANUE_MESSAGE_TYPE_PAIR_REQUESTED, S2C, pair_requested_fields },
  { AVANUE_MESSAGE_TYPE_PAIR_ESTABLISHED, S2C, pair_established_fields },
  { AVANUE_MESSAGE_TYPE_PAIR_REJECTED, S2C, request_id_fields },
  { AVANUE_MESSAGE_TYPE_PUSH_REGISTERED, S2C, no_fields },
  { AVANUE_MESSAGE_TYPE_KEYS_PUBLISHED, S2C, keys_published_fields },
  { AVANUE_MESSAGE_TYPE_KEY_BUNDLE, S2C, key_bundle_fields },
  { AVANUE_MESSAGE_TYPE_MESSAGE_ACCEPTED, S2C, message_accepted_fields },
  { AVANUE_MESSAGE_TYPE_SDP_OFFER, S2C, sdp_event_fields },
  { AVANUE_MESSAGE_TYPE_SDP_ANSWER, S2C, sdp_event_fields },
  { AVANUE_MESSAGE_TYPE_ICE_CANDIDATE, S2C, ice_event_fields },
  { AVANUE_MESSAGE_TYPE_APP_MESSAGE, S2C, app_event_fields },
  { AVANUE_MESSAGE_TYPE_ENCRYPTED_MESSAGE, S2C, encrypted_event_fields },
  { AVANUE_MESSAGE_TYPE_ERROR, S2C, error_fields },
};

static const MessageSchema *
find_schema (AvanueMessageType      type,
             AvanueMessageDirection direction)
{
  for (gsize i = 0; i < G_N_ELEMENTS (message_schemas); i++)
    {
      if (message_schemas[i].type == type && message_schemas[i].direction == direction)
        return &message_schemas[i];
    }
  return NULL;
}

/**
 * avanue_message_type_get_directions:
 * @type: a message type
 *
 * Which ways @type travels: both flags for the types a client sends and
 * the server forwards (`SDP_OFFER`, `SDP_ANSWER`, `ICE_CANDIDATE`,
 * `APP_MESSAGE`, `ENCRYPTED_MESSAGE`), one for the others, none for
 * %AVANUE_MESSAGE_TYPE_UNKNOWN.
 *
 * Returns: the directions of @type
 *
 * Since: 0.1
 */
AvanueMessageDirection
avanue_message_type_get_directions (AvanueMessageType type)
{
  AvanueMessageDirection directions = 0;

  for (gsize i = 0; i < G_N_ELEMENTS (message_schemas); i++)
    {
      if (message_schemas[i].type == type)
        directions |= message_schemas[i].direction;
    }
  return directions;
}

/* ------------------------------------------------------------------------
 * Strict reading of the raw text
 *
 * json-glib 1.6 accepts more than RFC 8259 (single quotes, comments, hex
 * numbers, a second value after the first), keeps only the last of
 * duplicate keys, truncates strings at \u0000, turns out-of-range integers
 * into garbage and recurses without limit. So the frame is first checked
 * here, strictly and with bounded nesting, and only then given to json-glib.
 * ------------------------------------------------------------------------ */

typedef struct
{
  const char *start;
  const char *p;
  const char *end;
  const char *ref_name;     /* "id" or "re": the member the caller wants */
  GString *key;             /* scratch for decoding keys */
  gboolean has_nul;         /* some string or key holds U+0000 */
  gboolean has_duplicate;   /* some object repeats a key */
  gboolean ref_unreadable;  /* the top-level ref is repeated or holds U+0000 */
} Scanner;

static gboolean scan_value (Scanner *s, guint depth, GError **error);

static gboolean
scan_fail (Scanner     *s,
           const char  *what,
           GError     **error)
{
  g_set_error (error, AVANUE_PROTOCOL_ERROR, AVANUE_PROTOCOL_ERROR_BAD_REQUEST,
               "invalid JSON at byte %" G_GSIZE_FORMAT ": %s",
               (gsize) (s->p - s->start), what);
  return FALSE;
}

static void
scan_whitespace (Scanner *s)
{
  while (s->p < s->end && (*s->p == ' ' || *s->p == '\t' || *s->p == '\n' || *s->p == '\r'))
    s->p++;
}

static int
hex_value (char c)
{
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

static gboolean
scan_hex4 (Scanner  *s,
           gunichar *out)
{
  gunichar value = 0;

  if (s->end - s->p < 4)
    return FALSE;
  for (int i = 0; i < 4; i++)
    {
      int v = hex_value (s->p[i]);
      if (v < 0)
        return FALSE;
      value = (value << 4) | (gunichar) v;
    }
  s->p += 4;
  *out = value;
  return TRUE;
}

/* At an opening quote. Decodes into @decoded when it is not NULL; sets
 * @out_nul when the string holds U+0000. The text is valid UTF-8 already. */
static gboolean
scan_string (Scanner   *s,
             GString   *decoded,
             gboolean  *out_nul,
             GError   **error)
{
  gboolean nul = FALSE;

  s->p++;
  for (;;)
    {
      const char *run = s->p;
      guchar c;

      while (s->p < s->end && *s->p != '"' && *s->p != '\\' && (guchar) *s->p >= 0x20)
        s->p++;
      if (decoded != NULL)
        g_string_append_len (decoded, run, s->p - run);
      if (s->p >= s->end)
        return scan_fail (s, "unterminated string", error);

      c = (guchar) *s->p;
      if (c == '"')
        {
          s->p++;
          break;
        }
      if (c < 0x20)
        return scan_fail (s, "control character in a string", error);

      /* an escape */
      s->p++;
      if (s->p >= s->end)
        return scan_fail (s, "unterminated string", error);
      c = (guchar) *s->p++;
      switch (c)
        {
        case '"': case '\\': case '/':
          if (decoded != NULL)
            g_string_append_c (decoded, (char) c);
          break;
        case 'b':
          if (decoded != NULL)
            g_string_append_c (decoded, '\b');
          break;
        case 'f':
          if (decoded != NULL)
            g_string_append_c (decoded, '\f');
          break;
        case 'n':
          if (decoded != NULL)
            g_string_append_c (decoded, '\n');
          break;
        case 'r':
          if (decoded != NULL)
            g_string_append_c (decoded, '\r');
          break;
        case 't':
          if (decoded != NULL)
            g_string_append_c (decoded, '\t');
          break;
        case 'u':
          {
            gunichar u;

            if (!scan_hex4 (s, &u))
              return scan_fail (s, "bad \\u escape", error);
            if (u >= 0xDC00 && u <= 0xDFFF)
              return scan_fail (s, "unpaired surrogate", error);
            if (u >= 0xD800 && u <= 0xDBFF)
              {
                gunichar low;

                if (s->end - s->p < 2 || s->p[0] != '\\' || s->p[1] != 'u')
                  return scan_fail (s, "unpaired surrogate", error);
                s->p += 2;
                if (!scan_hex4 (s, &low) || low < 0xDC00 || low > 0xDFFF)
                  return scan_fail (s, "unpaired surrogate", error);
                u = 0x10000 + ((u - 0xD800) << 10) + (low - 0xDC00);
              }
            if (u == 0)
              nul = TRUE;
            if (decoded != NULL)
              g_string_append_unichar (decoded, u);
          }
          break;
        default:
          return scan_fail (s, "unknown escape", error);
        }
    }

  if (nul)
    s->has_nul = TRUE;
  if (out_nul != NULL)
    *out_nul = nul;
  return TRUE;
}

static gboolean
scan_digits (Scanner *s)
{
  const char *begin = s->p;

  while (s->p < s->end && g_ascii_isdigit (*s->p))
    s->p++;
  return s->p > begin;
}

static gboolean
scan_number (Scanner  *s,
             GError  **error)
{
  static const char int64_max[] = "9223372036854775807";
  gboolean negative = FALSE;
  gboolean integral = TRUE;
  const char *digits;
  gsize n_digits;

  if (*s->p == '-')
    {
      negative = TRUE;
      s->p++;
    }
  digits = s->p;
  if (s->p < s->end && *s->p == '0')
    s->p++;
  else if (!scan_digits (s))
    return scan_fail (s, "bad number", error);
  n_digits = (gsize) (s->p - digits);

  if (s->p < s->end && *s->p == '.')
    {
      integral = FALSE;
      s->p++;
      if (!scan_digits (s))
        return scan_fail (s, "bad number", error);
    }
  if (s->p < s->end && (*s->p == 'e' || *s->p == 'E'))
    {
      integral = FALSE;
      s->p++;
      if (s->p < s->end && (*s->p == '+' || *s->p == '-'))
        s->p++;
      if (!scan_digits (s))
        return scan_fail (s, "bad number", error);
    }

  /* json-glib reads integers as gint64 and does not report overflow. */
  if (integral)
    {
      if (n_digits > sizeof (int64_max) - 1)
        return scan_fail (s, "integer out of range", error);
      if (n_digits == sizeof (int64_max) - 1)
        {
          /* G_MININT64 has one more than G_MAXINT64 */
          if (memcmp (digits, int64_max, n_digits) > 0 &&
              !(negative && memcmp (digits, "9223372036854775808", n_digits) == 0))
            return scan_fail (s, "integer out of range", error);
        }
    }
  return TRUE;
}

static gboolean
scan_literal (Scanner     *s,
              const char  *literal,
              GError     **error)
{
  gsize len = strlen (literal);

  if ((gsize) (s->end - s->p) < len || memcmp (s->p, literal, len) != 0)
    return scan_fail (s, "unexpected character", error);
  s->p += len;
  return TRUE;
}

static gboolean
scan_object (Scanner  *s,
             guint     depth,
             GError  **error)
{
  g_autoptr(GHashTable) keys = NULL;

  if (depth > AVANUE_PROTOCOL_MAX_DEPTH)
    return scan_fail (s, "nested too deeply", error);

  s->p++;
  scan_whitespace (s);
  if (s->p < s->end && *s->p == '}')
    {
      s->p++;
      return TRUE;
    }

  for (;;)
    {
      gboolean is_ref;

      scan_whitespace (s);
      if (s->p >= s->end || *s->p != '"')
        return scan_fail (s, "expected a key", error);
      g_string_truncate (s->key, 0);
      if (!scan_string (s, s->key, NULL, error))
        return FALSE;

      is_ref = depth == 1 && g_str_equal (s->key->str, s->ref_name);
      /* "id\u0000…": json-glib truncates the key to "id" */
      if (is_ref && s->key->len != strlen (s->ref_name))
        s->ref_unreadable = TRUE;
      if (keys == NULL)
        keys = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
      if (!g_hash_table_add (keys, g_strndup (s->key->str, s->key->len)))
        {
          s->has_duplicate = TRUE;
          /* which of the values json-glib keeps is not ours to guess */
          if (is_ref)
            s->ref_unreadable = TRUE;
        }

      scan_whitespace (s);
      if (s->p >= s->end || *s->p != ':')
        return scan_fail (s, "expected ':'", error);
      s->p++;
      scan_whitespace (s);

      if (is_ref && s->p < s->end && *s->p == '"')
        {
          gboolean nul = FALSE;

          if (!scan_string (s, NULL, &nul, error))
            return FALSE;
          if (nul)
            s->ref_unreadable = TRUE;
        }
      else if (!scan_value (s, depth, error))
        return FALSE;

      scan_whitespace (s);
      if (s->p >= s->end)
        return scan_fail (s, "unterminated object", error);
      if (*s->p == '}')
        {
          s->p++;
          return TRUE;
        }
      if (*s->p != ',')
        return scan_fail (s, "expected ',' or '}'", error);
      s->p++;
    }
}

static gboolean
scan_array (Scanner  *s,
            guint     depth,
            GError  **error)
{
  if (depth > AVANUE_PROTOCOL_MAX_DEPTH)
    return scan_fail (s, "nested too deeply", error);

  s->p++;
  scan_whitespace (s);
  if (s->p < s->end && *s->p == ']')
    {
      s->p++;
      return TRUE;
    }

  for (;;)
    {
      scan_whitespace (s);
      if (!scan_value (s, depth, error))
        return FALSE;
      scan_whitespace (s);
      if (s->p >= s->end)
        return scan_fail (s, "unterminated array", error);
      if (*s->p == ']')
        {
          s->p++;
          return TRUE;
        }
      if (*s->p != ',')
        return scan_fail (s, "expected ',' or ']'", error);
      s->p++;
    }
}

/* @depth: the nesting depth of the container holding this value */
static gboolean
scan_value (Scanner  *s,
            guint     depth,
            GError  **error)
{
  if (s->p >= s->end)
    return scan_fail (s, "expected a value", error);

  switch (*s->p)
    {
    case '{':
      return scan_object (s, depth + 1, error);
    case '[':
      return scan_array (s, depth + 1, error);
    case '"':
      return scan_string (s, NULL, NULL, error);
    case 't':
      return scan_literal (s, "true", error);
    case 'f':
      return scan_literal (s, "false", error);
    case 'n':
      return scan_literal (s, "null", error);
    case '-':
    case '0': case '1': case '2': case '3': case '4':
    case '5': case '6': case '7': case '8': case '9':
      return scan_number (s, error);
    default:
      return scan_fail (s, "expected a value", error);
    }
}

/* ------------------------------------------------------------------------
 * Writing
 *
 * json-glib 1.6's generator writes some doubles as invalid JSON
 * ("1e+100.0") and control characters other than \b \f \n \r \t raw, so
 * messages are written here: compact, members in insertion order.
 * ------------------------------------------------------------------------ */

static void
append_string (GString    *out,
               const char *str)
{
  g_autofree char *valid = NULL;

  if (!g_utf8_validate (str, -1, NULL))
    str = valid = g_utf8_make_valid (str, -1);

  g_string_append_c (out, '"');
  for (const char *p = str; *p != '\0'; p++)
    {
      guchar c = (guchar) *p;

      switch (c)
        {
        case '"':
          g_string_append (out, "\\\"");
          break;
        case '\\':
          g_string_append (out, "\\\\");
          break;
        case '\b':
          g_string_append (out, "\\b");
          break;
        case '\f':
          g_string_append (out, "\\f");
          break;
        case '\n':
          g_string_append (out, "\\n");
          break;
        case '\r':
          g_string_append (out, "\\r");
          break;
        case '\t':
          g_string_append (out, "\\t");
          break;
        default:
          if (c < 0x20)
            g_string_append_printf (out, "\\u%04x", c);
          else
            g_string_append_c (out, (char) c);
        }
    }
  g_string_append_c (out, '"');
}

static void
append_node (GString  *out,
             JsonNode *node)
{
  switch (JSON_NODE_TYPE (node))
    {
    case JSON_NODE_OBJECT:
      {
        JsonObjectIter iter;
        const char *name;
        JsonNode *member;
        gboolean first = TRUE;

        g_string_append_c (out, '{');
        json_object_iter_init_ordered (&iter, json_node_get_object (node));
        while (json_object_iter_next_ordered (&iter, &name, &member))
          {
            if (!first)
              g_string_append_c (out, ',');
            first = FALSE;
            append_string (out, name);
            g_string_append_c (out, ':');
            append_node (out, member);
          }
        g_string_append_c (out, '}');
      }
      break;

    case JSON_NODE_ARRAY:
      {
        JsonArray *array = json_node_get_array (node);
        guint n = json_array_get_length (array);

        g_string_append_c (out, '[');
        for (guint i = 0; i < n; i++)
          {
            if (i > 0)
              g_string_append_c (out, ',');
            append_node (out, json_array_get_element (array, i));
          }
        g_string_append_c (out, ']');
      }
      break;

    case JSON_NODE_VALUE:
      switch (json_node_get_value_type (node))
        {
        case G_TYPE_INT64:
          g_string_append_printf (out, "%" G_GINT64_FORMAT, json_node_get_int (node));
          break;
        case G_TYPE_DOUBLE:
          {
            char buf[G_ASCII_DTOSTR_BUF_SIZE];
            double value = json_node_get_double (node);

            if (!isfinite (value))
              {
                g_string_append (out, "null");
                break;
              }
            g_ascii_dtostr (buf, sizeof buf, value);
            g_string_append (out, buf);
            /* keep it a double when read back */
            if (strpbrk (buf, ".eE") == NULL)
              g_string_append (out, ".0");
          }
          break;
        case G_TYPE_BOOLEAN:
          g_string_append (out, json_node_get_boolean (node) ? "true" : "false");
          break;
        case G_TYPE_STRING:
          append_string (out, json_node_get_string (node));
          break;
        default:
          g_string_append (out, "null");
        }
      break;

    case JSON_NODE_NULL:
    default:
      g_string_append (out, "null");
    }
}

/* ------------------------------------------------------------------------
 * Validation
 * ------------------------------------------------------------------------ */

static gboolean
set_bad_request (GError     **error,
                 const char  *field,
                 const char  *problem)
{
  g_set_error (error, AVANUE_PROTOCOL_ERROR, AVANUE_PROTOCOL_ERROR_BAD_REQUEST,
               "%s: %s", field, problem);
  return FALSE;
}

static gboolean
node_is_string (JsonNode *node)
{
  return JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING;
}

static gboolean
node_is_boolean (JsonNode *node)
{
  return JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_BOOLEAN;
}

static gboolean
node_is_number (JsonNode *node)
{
  GType type;

  if (!JSON_NODE_HOLDS_VALUE (node))
    return FALSE;
  type = json_node_get_value_type (node);
  return type == G_TYPE_INT64 || type == G_TYPE_DOUBLE;
}

/* Checks numbers are finite and nesting is bounded, over the whole tree. */
static gboolean
check_tree (JsonNode  *node,
            guint      depth,
            GError   **error)
{
  switch (JSON_NODE_TYPE (node))
    {
    case JSON_NODE_OBJECT:
      {
        JsonObjectIter iter;
        JsonNode *member;

        if (depth + 1 > AVANUE_PROTOCOL_MAX_DEPTH)
          return set_bad_request (error, "message", "nested too deeply");
        json_object_iter_init (&iter, json_node_get_object (node));
        while (json_object_iter_next (&iter, NULL, &member))
          {
            if (!check_tree (member, depth + 1, error))
              return FALSE;
          }
      }
      return TRUE;
    case JSON_NODE_ARRAY:
      {
        JsonArray *array = json_node_get_array (node);
        guint n = json_array_get_length (array);

        if (depth + 1 > AVANUE_PROTOCOL_MAX_DEPTH)
          return set_bad_request (error, "message", "nested too deeply");
        for (guint i = 0; i < n; i++)
          {
            if (!check_tree (json_array_get_element (array, i), depth + 1, error))
              return FALSE;
          }
      }
      return TRUE;
    case JSON_NODE_VALUE:
      if (json_node_get_value_type (node) == G_TYPE_DOUBLE && !isfinite (json_node_get_double (node)))
        return set_bad_request (error, "message", "numbers must be finite");
      return TRUE;
    case JSON_NODE_NULL:
    default:
      return TRUE;
    }
}

/* Strict standard base64 (RFC 4648 §4, with padding); the decoded length. */
static gboolean
base64_decoded_length (const char *text,
                       gsize       len,
                       gsize      *out_decoded)
{
  gsize padding = 0;

  if (len % 4 != 0)
    return FALSE;
  for (gsize i = 0; i < len; i++)
    {
      char c = text[i];

      if (c == '=')
        {
          if (i < len - 2)
            return FALSE;
          padding++;
        }
      else if (padding > 0)
        return FALSE;
      else if (!g_ascii_isalnum (c) && c != '+' && c != '/')
        return FALSE;
    }
  *out_decoded = len / 4 * 3 - padding;
  return TRUE;
}

/**
 * avanue_protocol_is_valid_fingerprint:
 * @fingerprint: (nullable): a string
 *
 * Checks the form of a device fingerprint: exactly 64 lowercase hexadecimal
 * characters (a SHA-256 digest).
 *
 * Returns: %TRUE if @fingerprint has that form
 *
 * Since: 0.1
 */
gboolean
avanue_protocol_is_valid_fingerprint (const char *fingerprint)
{
  gsize i;

  if (fingerprint == NULL)
    return FALSE;
  for (i = 0; fingerprint[i] != '\0'; i++)
    {
      char c = fingerprint[i];

      if (i >= 64 || !((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
        return FALSE;
    }
  return i == 64;
}

static gboolean validate_fields (AvanueProtocol   *self,
                                 JsonObject       *object,
                                 const FieldSpec  *fields,
                                 guint             depth,
                                 GError          **error);
static gboolean validate_message (AvanueProtocol          *self,
                                  JsonObject              *object,
                                  AvanueMessageDirection   direction,
                                  guint                    depth,
                                  AvanueMessageType       *out_type,
                                  GError                 **error);

static gboolean
check_length (const FieldSpec  *spec,
              const char       *value,
              GError          **error)
{
  glong chars = g_utf8_strlen (value, -1);

  if (chars < spec->min)
    return set_bad_request (error, spec->name, spec->min == 1 ? "must not be empty" : "too short");
  if (chars > spec->max)
    {
      g_set_error (error, AVANUE_PROTOCOL_ERROR, AVANUE_PROTOCOL_ERROR_BAD_REQUEST,
                   "%s: longer than %" G_GINT64_FORMAT " characters", spec->name, spec->max);
      return FALSE;
    }
  return TRUE;
}

static gboolean
check_size_limit (const char  *name,
                  gsize        size,
                  guint        limit,
                  GError     **error)
{
  if (size > limit)
    {
      g_set_error (error, AVANUE_PROTOCOL_ERROR, AVANUE_PROTOCOL_ERROR_TOO_LARGE,
                   "%s: larger than %u bytes", name, limit);
      return FALSE;
    }
  return TRUE;
}

static gboolean
validate_field (AvanueProtocol   *self,
                const FieldSpec  *spec,
                JsonNode         *node,
                guint             depth,
                GError          **error)
{
  switch (spec->kind)
    {
    case FIELD_STRING:
      if (!node_is_string (node))
        return set_bad_request (error, spec->name, "must be a string");
      if (!check_length (spec, json_node_get_string (node), error))
        return FALSE;
      if (spec->check != NULL && !spec->check (json_node_get_string (node)))
        {
          g_set_error (error, AVANUE_PROTOCOL_ERROR, AVANUE_PROTOCOL_ERROR_BAD_REQUEST,
                       "%s: must be %s", spec->name, spec->what);
          return FALSE;
        }
      return TRUE;

    case FIELD_ENUM:
      {
        const char *value;
        gboolean found = FALSE;

        if (!node_is_string (node))
          return set_bad_request (error, spec->name, "must be a string");
        value = json_node_get_string (node);
        if (spec->values != NULL)
          found = g_strv_contains (spec->values, value);
        else if (spec->check != NULL)
          found = spec->check (value);
        if (!found)
          return set_bad_request (error, spec->name, "not an allowed value");
        return TRUE;
      }

    case FIELD_FINGERPRINT:
      if (!node_is_string (node))
        return set_bad_request (error, spec->name, "must be a string");
      if (!avanue_protocol_is_valid_fingerprint (json_node_get_string (node)))
        return set_bad_request (error, spec->name, "must be 64 lowercase hex characters");
      return TRUE;

    case FIELD_UUID:
      if (!node_is_string (node))
        return set_bad_request (error, spec->name, "must be a string");
      if (!g_uuid_string_is_valid (json_node_get_string (node)))
        return set_bad_request (error, spec->name, "must be a UUID");
      return TRUE;

    case FIELD_BASE64:
      {
        const char *value;
        gsize decoded = 0;

        if (!node_is_string (node))
          return set_bad_request (error, spec->name, "must be a string");
        value = json_node_get_string (node);
        if (!base64_decoded_length (value, strlen (value), &decoded))
          return set_bad_request (error, spec->name, "must be base64");
        if ((gint64) decoded < spec->min || (gint64) decoded > spec->max)
          {
            if (spec->min == spec->max)
              g_set_error (error, AVANUE_PROTOCOL_ERROR, AVANUE_PROTOCOL_ERROR_BAD_REQUEST,
                           "%s: must decode to %" G_GINT64_FORMAT " bytes", spec->name, spec->min);
            else
              g_set_error (error, AVANUE_PROTOCOL_ERROR, AVANUE_PROTOCOL_ERROR_BAD_REQUEST,
                           "%s: must decode to %" G_GINT64_FORMAT " to %" G_GINT64_FORMAT " bytes",
                           spec->name, spec->min, spec->max);
            return FALSE;
          }
        return TRUE;
      }

    case FIELD_INT:
    case FIELD_NUMBER:
      {
        double value;

        if (!node_is_number (node))
          return set_bad_request (error, spec->name, "must be a number");
        if (json_node_get_value_type (node) == G_TYPE_INT64)
          {
            gint64 v = json_node_get_int (node);
            if (v < spec->min || v > spec->max)
              return set_bad_request (error, spec->name, "out of range");
            return TRUE;
          }
        value = json_node_get_double (node);
        if (!isfinite (value))
          return set_bad_request (error, spec->name, "must be finite");
        if (spec->kind == FIELD_INT && value != floor (value))
          return set_bad_request (error, spec->name, "must be a whole number");
        if (value < (double) spec->min || value > (double) spec->max)
          return set_bad_request (error, spec->name, "out of range");
        return TRUE;
      }

    case FIELD_BOOLEAN:
      if (!node_is_boolean (node))
        return set_bad_request (error, spec->name, "must be a boolean");
      return TRUE;

    case FIELD_OBJECT:
      if (!JSON_NODE_HOLDS_OBJECT (node))
        return set_bad_request (error, spec->name, "must be an object");
      if (spec->sub != NULL &&
          !validate_fields (self, json_node_get_object (node), spec->sub, depth + 1, error))
        {
          g_prefix_error (error, "%s.", spec->name);
          return FALSE;
        }
      return TRUE;

    case FIELD_OBJECT_ARRAY:
    case FIELD_STRING_ARRAY:
    case FIELD_EVENTS:
      {
        JsonArray *array;
        guint n;

        if (!JSON_NODE_HOLDS_ARRAY (node))
          return set_bad_request (error, spec->name, "must be an array");
        array = json_node_get_array (node);
        n = json_array_get_length (array);
        if ((gint64) n < spec->min || (gint64) n > spec->max)
          return set_bad_request (error, spec->name, "wrong number of elements");
        for (guint i = 0; i < n; i++)
          {
            JsonNode *element = json_array_get_element (array, i);
            gboolean ok;

            if (spec->kind == FIELD_STRING_ARRAY)
              {
                if (!node_is_string (element) || *json_node_get_string (element) == '\0')
                  {
                    g_set_error (error, AVANUE_PROTOCOL_ERROR, AVANUE_PROTOCOL_ERROR_BAD_REQUEST,
                                 "%s[%u]: must be a non-empty string", spec->name, i);
                    return FALSE;
                  }
                continue;
              }
            if (!JSON_NODE_HOLDS_OBJECT (element))
              {
                g_set_error (error, AVANUE_PROTOCOL_ERROR, AVANUE_PROTOCOL_ERROR_BAD_REQUEST,
                             "%s[%u]: must be an object", spec->name, i);
                return FALSE;
              }
            if (spec->kind == FIELD_EVENTS)
              ok = validate_message (self, json_node_get_object (element), S2C, depth + 1, NULL, error);
            else
              ok = validate_fields (self, json_node_get_object (element), spec->sub, depth + 1, error);
            if (!ok)
              {
                /* a wrong event makes the message that carries it malformed */
                if (g_error_matches (*error, AVANUE_PROTOCOL_ERROR, AVANUE_PROTOCOL_ERROR_UNSUPPORTED_TYPE))
                  (*error)->code = AVANUE_PROTOCOL_ERROR_BAD_REQUEST;
                g_prefix_error (error, "%s[%u].", spec->name, i);
                return FALSE;
              }
          }
        return TRUE;
      }

    case FIELD_CAPABILITIES:
      {
        g_autoptr(AvanueCapabilities) capabilities = NULL;
        g_autoptr(GError) local_error = NULL;

        if (!JSON_NODE_HOLDS_OBJECT (node))
          return set_bad_request (error, spec->name, "must be an object");
        capabilities = avanue_capabilities_new_from_json (json_node_get_object (node), &local_error);
        if (capabilities == NULL)
          return set_bad_request (error, spec->name, local_error->message);
        return TRUE;
      }

    case FIELD_SDP:
      {
        const char *value;
        gsize len;

        if (!node_is_string (node))
          return set_bad_request (error, spec->name, "must be a string");
        value = json_node_get_string (node);
        len = strlen (value);
        if (len == 0)
          return set_bad_request (error, spec->name, "must not be empty");
        return check_size_limit (spec->name, len, self->max_sdp_bytes, error);
      }

    case FIELD_CANDIDATE:
      if (JSON_NODE_HOLDS_OBJECT (node))
        {
          if (!validate_fields (self, json_node_get_object (node), candidate_fields, depth + 1, error))
            {
              g_prefix_error (error, "%s.", spec->name);
              return FALSE;
            }
          return TRUE;
        }
      if (!node_is_string (node))
        return set_bad_request (error, spec->name, "must be a string or an object");
      return check_size_limit (spec->name, strlen (json_node_get_string (node)),
                               self->max_candidate_bytes, error);

    case FIELD_CANDIDATE_TEXT:
      if (!node_is_string (node))
        return set_bad_request (error, spec->name, "must be a string");
      return check_size_limit (spec->name, strlen (json_node_get_string (node)),
                               self->max_candidate_bytes, error);

    case FIELD_APP_PAYLOAD:
      {
        g_autoptr(GString) text = NULL;

        if (!JSON_NODE_HOLDS_OBJECT (node))
          return set_bad_request (error, spec->name, "must be an object");
        text = g_string_new (NULL);
        append_node (text, node);
        return check_size_limit (spec->name, text->len, self->max_payload_bytes, error);
      }

    case FIELD_ENCRYPTED_PAYLOAD:
      {
        const char *value;
        gsize len, decoded = 0;

        if (!node_is_string (node))
          return set_bad_request (error, spec->name, "must be a string");
        value = json_node_get_string (node);
        len = strlen (value);
        if (!check_size_limit (spec->name, len, self->max_payload_bytes, error))
          return FALSE;
        if (!base64_decoded_length (value, len, &decoded))
          return set_bad_request (error, spec->name, "must be base64");
        if (decoded == 0)
          return set_bad_request (error, spec->name, "must not be empty");
        return TRUE;
      }

    case FIELD_ERROR_CODE:
      if (!node_is_string (node))
        return set_bad_request (error, spec->name, "must be a string");
      if (!avanue_protocol_error_from_string (json_node_get_string (node), NULL))
        return set_bad_request (error, spec->name, "not an error code of the protocol");
      return TRUE;

    default:
      g_assert_not_reached ();
    }
}

static gboolean
validate_fields (AvanueProtocol   *self,
                 JsonObject       *object,
                 const FieldSpec  *fields,
                 guint             depth,
                 GError          **error)
{
  for (const FieldSpec *spec = fields; spec->name != NULL; spec++)
    {
      JsonNode *node = json_object_get_member (object, spec->name);

      if (node == NULL || JSON_NODE_HOLDS_NULL (node))
        {
          if (node == NULL && (spec->flags & FIELD_REQUIRED) != 0)
            return set_bad_request (error, spec->name, "missing");
          if (node != NULL && (spec->flags & FIELD_REQUIRED) != 0 && (spec->flags & FIELD_NULLABLE) == 0)
            return set_bad_request (error, spec->name, "must not be null");
          continue;
        }
      if (!validate_field (self, spec, node, depth, error))
        return FALSE;
    }
  return TRUE;
}

/* The member that pairs a request with its answer: `id` on what a client
 * sends, `re` on what the server sends. */
static const char *
ref_name_for (AvanueMessageDirection direction)
{
  return direction == S2C ? "re" : "id";
}

static gboolean
validate_message (AvanueProtocol          *self,
                  JsonObject              *object,
                  AvanueMessageDirection   direction,
                  guint                    depth,
                  AvanueMessageType       *out_type,
                  GError                 **error)
{
  const MessageSchema *schema;
  AvanueMessageType type;
  JsonNode *node;
  const char *ref_name = ref_name_for (direction);

  node = json_object_get_member (object, "type");
  if (node == NULL)
    return set_bad_request (error, "type", "missing");
  if (!node_is_string (node))
    return set_bad_request (error, "type", "must be a string");
  type = avanue_message_type_from_string (json_node_get_string (node));
  if (type == AVANUE_MESSAGE_TYPE_UNKNOWN)
    {
      g_set_error_literal (error, AVANUE_PROTOCOL_ERROR, AVANUE_PROTOCOL_ERROR_UNSUPPORTED_TYPE,
                           "unknown message type");
      return FALSE;
    }
  if (out_type != NULL)
    *out_type = type;
  schema = find_schema (type, direction);
  if (schema == NULL)
    {
      g_set_error (error, AVANUE_PROTOCOL_ERROR, AVANUE_PROTOCOL_ERROR_UNSUPPORTED_TYPE,
                   "%s is not a %s message", type_names[type],
                   direction == C2S ? "client → server" : "server → client");
      return FALSE;
    }

  node = json_object_get_member (object, ref_name);
  if (node != NULL && !JSON_NODE_HOLDS_NULL (node))
    {
      if (!node_is_string (node))
        return set_bad_request (error, ref_name, "must be a string");
      if (g_utf8_strlen (json_node_get_string (node), -1) > AVANUE_PROTOCOL_MAX_ID_LENGTH)
        return set_bad_request (error, ref_name, "longer than 64 characters");
    }

  if (!validate_fields (self, object, schema->fields, depth, error))
    return FALSE;
  if (schema->check != NULL && !schema->check (object, error))
    return FALSE;
  return TRUE;
}

/* ------------------------------------------------------------------------
 * The object
 * ------------------------------------------------------------------------ */

static void
avanue_protocol_get_property (GObject    *object,
                              guint       prop_id,
                              GValue     *value,
                              GParamSpec *pspec)
{
  AvanueProtocol *self = AVANUE_PROTOCOL (object);

  switch (prop_id)
    {
    case PROP_MAX_FRAME_BYTES:
      g_value_set_uint (value, self->max_frame_bytes);
      break;
    case PROP_MAX_SDP_BYTES:
      g_value_set_uint (value, self->max_sdp_bytes);
      break;
    case PROP_MAX_CANDIDATE_BYTES:
      g_value_set_uint (value, self->max_candidate_bytes);
      break;
    case PROP_MAX_PAYLOAD_BYTES:
      g_value_set_uint (value, self->max_payload_bytes);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
avanue_protocol_set_property (GObject      *object,
                              guint         prop_id,
                              const GValue *value,
                              GParamSpec   *pspec)
{
  AvanueProtocol *self = AVANUE_PROTOCOL (object);

  switch (prop_id)
    {
    case PROP_MAX_FRAME_BYTES:
      avanue_protocol_set_max_frame_bytes (self, g_value_get_uint (value));
      break;
    case PROP_MAX_SDP_BYTES:
      avanue_protocol_set_max_sdp_bytes (self, g_value_get_uint (value));
      break;
    case PROP_MAX_CANDIDATE_BYTES:
      avanue_protocol_set_max_candidate_bytes (self, g_value_get_uint (value));
      break;
    case PROP_MAX_PAYLOAD_BYTES:
      avanue_protocol_set_max_payload_bytes (self, g_value_get_uint (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
avanue_protocol_class_init (AvanueProtocolClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->get_property = avanue_protocol_get_property;
  object_class->set_property = avanue_protocol_set_property;

  /**
   * AvanueProtocol:max-frame-bytes:
   *
   * The largest text frame accepted, in bytes; a larger one is
   * %AVANUE_PROTOCOL_ERROR_TOO_LARGE (`[limits] max-frame-bytes`).
   *
   * Since: 0.1
   */
  properties[PROP_MAX_FRAME_BYTES] =
    g_param_spec_uint ("max-frame-bytes", NULL, NULL,
                       1, G_MAXINT32, DEFAULT_MAX_FRAME_BYTES,
                       G_PARAM_READWRITE | G_PARAM_CONSTRUCT | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  /**
   * AvanueProtocol:max-sdp-bytes:
   *
   * The largest `sdp` accepted, in bytes (UTF-8).
   *
   * Since: 0.1
   */
  properties[PROP_MAX_SDP_BYTES] =
    g_param_spec_uint ("max-sdp-bytes", NULL, NULL,
                       1, G_MAXINT32, DEFAULT_MAX_SDP_BYTES,
                       G_PARAM_READWRITE | G_PARAM_CONSTRUCT | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  /**
   * AvanueProtocol:max-candidate-bytes:
   *
   * The largest ICE `candidate` line accepted, in bytes (UTF-8).
   *
   * Since: 0.1
   */
  properties[PROP_MAX_CANDIDATE_BYTES] =
    g_param_spec_uint ("max-candidate-bytes", NULL, NULL,
                       1, G_MAXINT32, DEFAULT_MAX_CANDIDATE_BYTES,
                       G_PARAM_READWRITE | G_PARAM_CONSTRUCT | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  /**
   * AvanueProtocol:max-payload-bytes:
   *
   * The largest `payload` accepted, in bytes: the compact serialisation of
   * an `APP_MESSAGE` payload object, or the base64 text of an
   * `ENCRYPTED_MESSAGE` payload.
   *
   * Since: 0.1
   */
  properties[PROP_MAX_PAYLOAD_BYTES] =
    g_param_spec_uint ("max-payload-bytes", NULL, NULL,
                       1, G_MAXINT32, DEFAULT_MAX_PAYLOAD_BYTES,
                       G_PARAM_READWRITE | G_PARAM_CONSTRUCT | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
avanue_protocol_init (AvanueProtocol *self)
{
  self->max_frame_bytes = DEFAULT_MAX_FRAME_BYTES;
  self->max_sdp_bytes = DEFAULT_MAX_SDP_BYTES;
  self->max_candidate_bytes = DEFAULT_MAX_CANDIDATE_BYTES;
  self->max_payload_bytes = DEFAULT_MAX_PAYLOAD_BYTES;
}

/**
 * avanue_protocol_new:
 *
 * Creates a validator with the default limits of DESIGN §5: frames of
 * 64 KiB, `sdp` of 32 KiB, `candidate` of 2 KiB, `payload` of 48 KiB.
 *
 * Returns: (transfer full): a new #AvanueProtocol
 *
 * Since: 0.1
 */
AvanueProtocol *
avanue_protocol_new (void)
{
  return g_object_new (AVANUE_TYPE_PROTOCOL, NULL);
}

#define DEFINE_LIMIT_ACCESSORS(field, prop)                                    \
guint                                                                          \
avanue_protocol_get_##field (AvanueProtocol *self)                             \
{                                                                              \
  g_return_val_if_fail (AVANUE_IS_PROTOCOL (self), 0);                         \
  return self->field;                                                          \
}                                                                              \
                                                                               \
void                                                                           \
avanue_protocol_set_##field (AvanueProtocol *self,                             \
                             guint           value)                            \
{                                                                              \
  g_return_if_fail (AVANUE_IS_PROTOCOL (self));                                \
  g_return_if_fail (value > 0);                                                \
                                                                               \
  if (self->field == value)                                                    \
    return;                                                                    \
  self->field = value;                                                         \
  g_object_notify_by_pspec (G_OBJECT (self), properties[prop]);                \
}

/**
 * avanue_protocol_get_max_frame_bytes:
 * @self: an #AvanueProtocol
 *
 * Returns: the value of [property@Avanue.Protocol:max-frame-bytes]
 *
 * Since: 0.1
 */
/**
 * avanue_protocol_set_max_frame_bytes:
 * @self: an #AvanueProtocol
 * @max_frame_bytes: the largest frame, in bytes (at least 1)
 *
 * Sets [property@Avanue.Protocol:max-frame-bytes].
 *
 * Since: 0.1
 */
DEFINE_LIMIT_ACCESSORS (max_frame_bytes, PROP_MAX_FRAME_BYTES)

/**
 * avanue_protocol_get_max_sdp_bytes:
 * @self: an #AvanueProtocol
 *
 * Returns: the value of [property@Avanue.Protocol:max-sdp-bytes]
 *
 * Since: 0.1
 */
/**
 * avanue_protocol_set_max_sdp_bytes:
 * @self: an #AvanueProtocol
 * @max_sdp_bytes: the largest `sdp`, in bytes (at least 1)
 *
 * Sets [property@Avanue.Protocol:max-sdp-bytes].
 *
 * Since: 0.1
 */
DEFINE_LIMIT_ACCESSORS (max_sdp_bytes, PROP_MAX_SDP_BYTES)

/**
 * avanue_protocol_get_max_candidate_bytes:
 * @self: an #AvanueProtocol
 *
 * Returns: the value of [property@Avanue.Protocol:max-candidate-bytes]
 *
 * Since: 0.1
 */
/**
 * avanue_protocol_set_max_candidate_bytes:
 * @self: an #AvanueProtocol
 * @max_candidate_bytes: the largest `candidate`, in bytes (at least 1)
 *
 * Sets [property@Avanue.Protocol:max-candidate-bytes].
 *
 * Since: 0.1
 */
DEFINE_LIMIT_ACCESSORS (max_candidate_bytes, PROP_MAX_CANDIDATE_BYTES)

/**
 * avanue_protocol_get_max_payload_bytes:
 * @self: an #AvanueProtocol
 *
 * Returns: the value of [property@Avanue.Protocol:max-payload-bytes]
 *
 * Since: 0.1
 */
/**
 * avanue_protocol_set_max_payload_bytes:
 * @self: an #AvanueProtocol
 * @max_payload_bytes: the largest `payload`, in bytes (at least 1)
 *
 * Sets [property@Avanue.Protocol:max-payload-bytes].
 *
 * Since: 0.1
 */
DEFINE_LIMIT_ACCESSORS (max_payload_bytes, PROP_MAX_PAYLOAD_BYTES)

/* ------------------------------------------------------------------------
 * Parsing
 * ------------------------------------------------------------------------ */

static gboolean
direction_is_single (AvanueMessageDirection direction)
{
  return direction == C2S || direction == S2C;
}

/**
 * avanue_protocol_parse_message:
 * @self: an #AvanueProtocol
 * @text: a text frame (UTF-8); it
 *   need not be nul-terminated when @length is given
 * @length: the length of @text in bytes, or -1 if it is nul-terminated
 * @direction: which way the frame travels: exactly one of the flags
 * @out_type: (out) (optional): the message type, set whenever it could be
 *   read and is known (also on most errors), %AVANUE_MESSAGE_TYPE_UNKNOWN
 *   otherwise
 * @out_ref: (out) (optional) (nullable) (transfer full): the `id` (from a
 *   client) or `re` (from the server) whenever it could be read, also when
 *   the error is about something else; %NULL otherwise
 * @error: return location for a #GError
 *
 * Parses one text frame and validates it against the schema of its type
 * for @direction.
 *
 * Frame rules, in order: a frame over
 * [property@Avanue.Protocol:max-frame-bytes] is
 * %AVANUE_PROTOCOL_ERROR_TOO_LARGE (and is not read further); invalid UTF-8,
 * anything but strict RFC 8259 JSON, a top level that is not an object, a
 * second value after it, nesting deeper than %AVANUE_PROTOCOL_MAX_DEPTH,
 * integers beyond 64 bits, strings holding U+0000, duplicate keys in any
 * object and non-finite numbers are %AVANUE_PROTOCOL_ERROR_BAD_REQUEST.
 *
 * Then the message: a missing or non-string `type` is
 * %AVANUE_PROTOCOL_ERROR_BAD_REQUEST; an unknown type, or a known one that
 * does not travel in @direction, is
 * %AVANUE_PROTOCOL_ERROR_UNSUPPORTED_TYPE; `id`/`re` must be a string of
 * at most %AVANUE_PROTOCOL_MAX_ID_LENGTH characters; a missing required
 * field, a field of the wrong JSON type or an invalid value (fingerprint,
 * base64, enum, range, capabilities) is
 * %AVANUE_PROTOCOL_ERROR_BAD_REQUEST; an `sdp`, `candidate` or `payload`
 * over its limit is %AVANUE_PROTOCOL_ERROR_TOO_LARGE. Unknown fields are
 * ignored and kept in the returned object.
 *
 * Returns: (transfer full) (nullable): the message, or %NULL with @error set
 *
 * Since: 0.1
 */
JsonObject *
avanue_protocol_parse_message (AvanueProtocol          *self,
                               const char              *text,
                               gssize                   length,
                               AvanueMessageDirection   direction,
                               AvanueMessageType       *out_type,
                               char                   **out_ref,
                               GError                 **error)
{
  g_autoptr(JsonParser) parser = NULL;
  g_autoptr(JsonObject) object = NULL;
  g_autoptr(GString) key = NULL;
  g_autoptr(GError) json_error = NULL;
  const char *ref_name = ref_name_for (direction);
  Scanner scanner = { 0 };
  JsonNode *node;
  gsize len;

  if (out_type != NULL)
    *out_type = AVANUE_MESSAGE_TYPE_UNKNOWN;
  if (out_ref != NULL)
    *out_ref = NULL;

  g_return_val_if_fail (AVANUE_IS_PROTOCOL (self), NULL);
  g_return_val_if_fail (text != NULL || length == 0, NULL);
  g_return_val_if_fail (direction_is_single (direction), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  len = length < 0 ? strlen (text) : (gsize) length;
  if (len > self->max_frame_bytes)
    {
      g_set_error (error, AVANUE_PROTOCOL_ERROR, AVANUE_PROTOCOL_ERROR_TOO_LARGE,
                   "frame larger than %u bytes", self->max_frame_bytes);
      return NULL;
    }
  if (len == 0)
    {
      g_set_error_literal (error, AVANUE_PROTOCOL_ERROR, AVANUE_PROTOCOL_ERROR_BAD_REQUEST,
                           "empty frame");
      return NULL;
    }
  if (!g_utf8_validate_len (text, len, NULL))
    {
      g_set_error_literal (error, AVANUE_PROTOCOL_ERROR, AVANUE_PROTOCOL_ERROR_BAD_REQUEST,
                           "the frame is not valid UTF-8");
      return NULL;
    }

  key = g_string_new (NULL);
  scanner.start = scanner.p = text;
  scanner.end = text + len;
  scanner.ref_name = ref_name;
  scanner.key = key;
  scan_whitespace (&scanner);
  if (scanner.p >= scanner.end || *scanner.p != '{')
    {
      g_set_error_literal (error, AVANUE_PROTOCOL_ERROR, AVANUE_PROTOCOL_ERROR_BAD_REQUEST,
                           "a frame must hold one JSON object");
      return NULL;
    }
  if (!scan_object (&scanner, 1, error))
    return NULL;
  scan_whitespace (&scanner);
  if (scanner.p != scanner.end)
    {
      g_set_error_literal (error, AVANUE_PROTOCOL_ERROR, AVANUE_PROTOCOL_ERROR_BAD_REQUEST,
                           "a frame must hold exactly one JSON value");
      return NULL;
    }

  parser = json_parser_new ();
  if (!json_parser_load_from_data (parser, text, (gssize) len, &json_error))
    {
      g_set_error (error, AVANUE_PROTOCOL_ERROR, AVANUE_PROTOCOL_ERROR_BAD_REQUEST,
                   "invalid JSON: %s", json_error->message);
      return NULL;
    }
  node = json_parser_get_root (parser);
  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    {
      g_set_error_literal (error, AVANUE_PROTOCOL_ERROR, AVANUE_PROTOCOL_ERROR_BAD_REQUEST,
                           "a frame must hold one JSON object");
      return NULL;
    }
  object = json_node_dup_object (node);

  /* Report the id before anything else can fail, so that the answer
   * carries `re` even when the error is about another field. */
  node = json_object_get_member (object, ref_name);
  if (out_ref != NULL && node != NULL && node_is_string (node) && !scanner.ref_unreadable &&
      g_utf8_strlen (json_node_get_string (node), -1) <= AVANUE_PROTOCOL_MAX_ID_LENGTH)
    *out_ref = g_strdup (json_node_get_string (node));

  if (scanner.has_nul)
    {
      g_set_error_literal (error, AVANUE_PROTOCOL_ERROR, AVANUE_PROTOCOL_ERROR_BAD_REQUEST,
                           "strings must not contain U+0000");
      return NULL;
    }
  if (scanner.has_duplicate)
    {
      g_set_error_literal (error, AVANUE_PROTOCOL_ERROR, AVANUE_PROTOCOL_ERROR_BAD_REQUEST,
                           "an object repeats a key");
      return NULL;
    }

  node = json_parser_get_root (parser);
  if (!check_tree (node, 0, error))
    return NULL;
  if (!validate_message (self, object, direction, 0, out_type, error))
    return NULL;
  return g_steal_pointer (&object);
}

/**
 * avanue_protocol_parse:
 * @self: an #AvanueProtocol
 * @text: a text frame (UTF-8)
 * @length: the length of @text in bytes, or -1 if it is nul-terminated
 * @out_type: (out) (optional): the message type, see
 *   [method@Avanue.Protocol.parse_message]
 * @out_id: (out) (optional) (nullable) (transfer full): the request's `id`
 *   whenever it could be read, even on error, for the `re` of the answer
 * @error: return location for a #GError
 *
 * Parses and validates a frame a client sent, as the server does: like
 * [method@Avanue.Protocol.parse_message] for
 * %AVANUE_MESSAGE_DIRECTION_CLIENT_TO_SERVER.
 *
 * Returns: (transfer full) (nullable): the message, or %NULL with @error set
 *
 * Since: 0.1
 */
JsonObject *
avanue_protocol_parse (AvanueProtocol     *self,
                       const char         *text,
                       gssize              length,
                       AvanueMessageType  *out_type,
                       char              **out_id,
                       GError            **error)
{
  return avanue_protocol_parse_message (self, text, length, C2S, out_type, out_id, error);
}

/**
 * avanue_protocol_parse_server_message:
 * @self: an #AvanueProtocol
 * @text: a text frame (UTF-8)
 * @length: the length of @text in bytes, or -1 if it is nul-terminated
 * @out_type: (out) (optional): the message type, see
 *   [method@Avanue.Protocol.parse_message]
 * @out_re: (out) (optional) (nullable) (transfer full): the message's `re`
 *   whenever it could be read, even on error
 * @error: return location for a #GError
 *
 * Parses and validates a frame the server sent, as a client does: like
 * [method@Avanue.Protocol.parse_message] for
 * %AVANUE_MESSAGE_DIRECTION_SERVER_TO_CLIENT.
 *
 * Returns: (transfer full) (nullable): the message, or %NULL with @error set
 *
 * Since: 0.1
 */
JsonObject *
avanue_protocol_parse_server_message (AvanueProtocol     *self,
                                      const char         *text,
                                      gssize              length,
                                      AvanueMessageType  *out_type,
                                      char              **out_re,
                                      GError            **error)
{
  return avanue_protocol_parse_message (self, text, length, S2C, out_type, out_re, error);
}

/**
 * avanue_protocol_validate:
 * @self: an #AvanueProtocol
 * @message: a message as a JSON object
 * @direction: which way it travels: exactly one of the flags
 * @out_type: (out) (optional): the message type, set whenever it is known
 * @error: return location for a #GError
 *
 * Validates a message that is already an object, such as the output of a
 * builder, with the rules of [method@Avanue.Protocol.parse_message] that
 * apply to a tree (the frame size and text rules do not).
 *
 * Returns: %TRUE if @message is valid
 *
 * Since: 0.1
 */
gboolean
avanue_protocol_validate (AvanueProtocol          *self,
                          JsonObject              *message,
                          AvanueMessageDirection   direction,
                          AvanueMessageType       *out_type,
                          GError                 **error)
{
  g_autoptr(JsonNode) root = NULL;

  if (out_type != NULL)
    *out_type = AVANUE_MESSAGE_TYPE_UNKNOWN;

  g_return_val_if_fail (AVANUE_IS_PROTOCOL (self), FALSE);
  g_return_val_if_fail (message != NULL, FALSE);
  g_return_val_if_fail (direction_is_single (direction), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  root = json_node_init_object (json_node_alloc (), message);
  if (!check_tree (root, 0, error))
    return FALSE;
  return validate_message (self, message, direction, 0, out_type, error);
}

/**
 * avanue_protocol_to_text:
 * @message: a message as a JSON object
 *
 * Serialises @message compactly, as it goes into a text frame: members in
 * the order they were added, no whitespace, control characters escaped,
 * doubles written so that they read back as the same double (and as a
 * double). A non-finite number, which a valid message never holds, is
 * written as `null`.
 *
 * Returns: (transfer full): the JSON text
 *
 * Since: 0.1
 */
char *
avanue_protocol_to_text (JsonObject *message)
{
  g_autoptr(JsonNode) root = NULL;
  GString *out;

  g_return_val_if_fail (message != NULL, NULL);

  root = json_node_init_object (json_node_alloc (), message);
  out = g_string_new (NULL);
  append_node (out, root);
  return g_string_free (out, FALSE);
}

/* ------------------------------------------------------------------------
 * Builders
 * ------------------------------------------------------------------------ */

static JsonObject *
new_message (AvanueMessageType  type,
             const char        *ref_name,
             const char        *ref)
{
  JsonObject *object = json_object_new ();

  json_object_set_string_member (object, "type", type_names[type]);
  if (ref != NULL)
    json_object_set_string_member (object, ref_name, ref);
  return object;
}

static JsonObject *
new_request (AvanueMessageType  type,
             const char        *id)
{
  return new_message (type, "id", id);
}

static JsonObject *
new_answer (AvanueMessageType  type,
            const char        *re)
{
  return new_message (type, "re", re);
}

static void
set_object_member (JsonObject *object,
                   const char *name,
                   JsonObject *value)
{
  if (value != NULL)
    json_object_set_object_member (object, name, json_object_ref (value));
  else
    json_object_set_null_member (object, name);
}

static void
set_capabilities_member (JsonObject         *object,
                         AvanueCapabilities *capabilities)
{
  json_object_set_object_member (object, "capabilities", avanue_capabilities_to_json (capabilities));
}

/**
 * avanue_protocol_build:
 * @type: a message type
 * @id: (nullable): the `id` (for a type a client sends) or `re` (for a type
 *   only the server sends)
 *
 * Starts a message of any type: an object with `type` and, when @id is
 * given, `id` or `re`. Add the fields of the type before sending it; the
 * `avanue_protocol_build_*()` functions do that for each type.
 *
 * Returns: (transfer full): a new message
 *
 * Since: 0.1
 */
JsonObject *
avanue_protocol_build (AvanueMessageType  type,
                       const char        *id)
{
  AvanueMessageDirection directions = avanue_message_type_get_directions (type);

  g_return_val_if_fail (directions != 0, NULL);

  return new_message (type, (directions & C2S) != 0 ? "id" : "re", id);
}

/**
 * avanue_protocol_build_forward:
 * @request: a valid client message of a type the server forwards
 *   (`SDP_OFFER`, `SDP_ANSWER`, `ICE_CANDIDATE`, `APP_MESSAGE`,
 *   `ENCRYPTED_MESSAGE`)
 * @from_fingerprint: the sender's fingerprint, as the server knows it
 * @timestamp_ms: when the server accepted it, in milliseconds since the
 *   Unix epoch (only `ENCRYPTED_MESSAGE` carries it)
 *
 * Builds what the server delivers for @request: the fields of the
 * server → client schema of its type, copied from @request, with
 * `fromFingerprint` set by the server. Anything else in @request (`id`,
 * `toFingerprint`, unknown fields, a client-supplied `fromFingerprint`) is
 * left out.
 *
 * Returns: (transfer full): the message to deliver
 *
 * Since: 0.1
 */
JsonObject *
avanue_protocol_build_forward (JsonObject *request,
                               const char *from_fingerprint,
                               gint64      timestamp_ms)
{
  const MessageSchema *schema;
  AvanueMessageType type;
  JsonObject *object;

  g_return_val_if_fail (request != NULL, NULL);
  g_return_val_if_fail (from_fingerprint != NULL, NULL);

  type = avanue_message_type_from_string (json_object_get_string_member_with_default (request, "type", NULL));
  g_return_val_if_fail (avanue_message_type_get_directions (type) == BOTH_DIRECTIONS, NULL);
  schema = find_schema (type, S2C);
  g_return_val_if_fail (schema != NULL, NULL);

  object = new_message (type, "re", NULL);
  for (const FieldSpec *spec = schema->fields; spec->name != NULL; spec++)
    {
      JsonNode *node;

      if (g_str_equal (spec->name, "fromFingerprint"))
        json_object_set_string_member (object, spec->name, from_fingerprint);
      else if (g_str_equal (spec->name, "timestamp"))
        json_object_set_int_member (object, spec->name, timestamp_ms);
      else if ((node = json_object_get_member (request, spec->name)) != NULL)
        json_object_set_member (object, spec->name, json_node_copy (node));
    }
  return object;
}

/**
 * avanue_protocol_build_participant:
 * @fingerprint: the device's fingerprint
 * @device_name: its name
 * @platform: its platform (not %AVANUE_PLATFORM_UNKNOWN)
 * @device_type: its device type (not %AVANUE_DEVICE_TYPE_UNKNOWN)
 * @role: `"HOST"` or `"GUEST"`
 * @topology_role: `"HUB"` or `"SPOKE"`
 * @is_licensed: whether the device holds a licence
 * @capability_score: its capability score
 * @online: whether it is connected
 * @joined_at_ms: when it joined, in milliseconds since the Unix epoch
 *
 * Builds a participant, as listed in `SESSION_JOINED` and sent in
 * `PARTICIPANT_JOINED`.
 *
 * Returns: (transfer full): a new participant object
 *
 * Since: 0.1
 */
JsonObject *
avanue_protocol_build_participant (const char       *fingerprint,
                                   const char       *device_name,
                                   AvanuePlatform    platform,
                                   AvanueDeviceType  device_type,
                                   const char       *role,
                                   const char       *topology_role,
                                   gboolean          is_licensed,
                                   double            capability_score,
                                   gboolean          online,
                                   gint64            joined_at_ms)
{
  JsonObject *object;

  g_return_val_if_fail (fingerprint != NULL, NULL);
  g_return_val_if_fail (device_name != NULL, NULL);
  g_return_val_if_fail (avanue_platform_to_string (platform) != NULL, NULL);
  g_return_val_if_fail (avanue_device_type_to_string (device_type) != NULL, NULL);
  g_return_val_if_fail (role != NULL, NULL);
  g_return_val_if_fail (topology_role != NULL, NULL);

  object = json_object_new ();
  json_object_set_string_member (object, "fingerprint", fingerprint);
  json_object_set_string_member (object, "deviceName", device_name);
  json_object_set_string_member (object, "platform", avanue_platform_to_string (platform));
  json_object_set_string_member (object, "deviceType", avanue_device_type_to_string (device_type));
  json_object_set_string_member (object, "role", role);
  json_object_set_string_member (object, "topologyRole", topology_role);
  json_object_set_boolean_member (object, "isLicensed", is_licensed);
  json_object_set_double_member (object, "capabilityScore", capability_score);
  json_object_set_boolean_member (object, "online", online);
  json_object_set_int_member (object, "joinedAt", joined_at_ms);
  return object;
}

/**
 * avanue_protocol_build_limits:
 * @tier: the tier name in lower case (`"free"`, `"pro"`, `"business"`,
 *   `"enterprise"`)
 * @max_peers: the most participants, host included (0 = unlimited)
 * @max_duration_seconds: the longest duration (0 = unlimited)
 * @turn_allowed: whether the session may use the relay
 * @expires_at_ms: when the session ends at the latest, in milliseconds
 *   since the Unix epoch, or 0 or less for no end (`null`)
 *
 * Builds the `limits` of the `SESSION_*` answers.
 *
 * Returns: (transfer full): a new limits object
 *
 * Since: 0.1
 */
JsonObject *
avanue_protocol_build_limits (const char *tier,
                              guint       max_peers,
                              guint       max_duration_seconds,
                              gboolean    turn_allowed,
                              gint64      expires_at_ms)
{
  JsonObject *object;

  g_return_val_if_fail (tier != NULL, NULL);

  object = json_object_new ();
  json_object_set_string_member (object, "tier", tier);
  json_object_set_int_member (object, "maxPeers", max_peers);
  json_object_set_int_member (object, "maxDurationSeconds", max_duration_seconds);
  json_object_set_boolean_member (object, "turnAllowed", turn_allowed);
  if (expires_at_ms > 0)
    json_object_set_int_member (object, "expiresAt", expires_at_ms);
  else
    json_object_set_null_member (object, "expiresAt");
  return object;
}

static JsonObject *
fill_turn_credentials (JsonObject         *object,
                       const char         *username,
                       const char         *password,
                       const char * const *urls,
                       guint               ttl_seconds)
{
  JsonArray *array = json_array_new ();

  for (gsize i = 0; urls != NULL && urls[i] != NULL; i++)
    json_array_add_string_element (array, urls[i]);
  json_object_set_string_member (object, "username", username);
  json_object_set_string_member (object, "password", password);
  json_object_set_array_member (object, "urls", array);
  json_object_set_int_member (object, "ttlSeconds", ttl_seconds);
  return object;
}

/**
 * avanue_protocol_build_turn_credentials_object:
 * @username: the TURN username
 * @password: the TURN password
 * @urls: (array zero-terminated=1): the `stun:`/`turn:`/`turns:` URLs
 * @ttl_seconds: how long the credentials stay valid
 *
 * Builds the `turnCredentials` member of `SESSION_CREATED` and
 * `SESSION_JOINED`.
 *
 * Returns: (transfer full): a new object
 *
 * Since: 0.1
 */
JsonObject *
avanue_protocol_build_turn_credentials_object (const char         *username,
                                               const char         *password,
                                               const char * const *urls,
                                               guint               ttl_seconds)
{
  g_return_val_if_fail (username != NULL, NULL);
  g_return_val_if_fail (password != NULL, NULL);
  g_return_val_if_fail (urls != NULL, NULL);

  return fill_turn_credentials (json_object_new (), username, password, urls, ttl_seconds);
}

/**
 * avanue_protocol_build_one_time_pre_key:
 * @key_id: the key's identifier
 * @public_key: the public key, base64
 *
 * Builds a one-time pre-key, as listed in `PUBLISH_KEYS` and handed out in
 * `KEY_BUNDLE`.
 *
 * Returns: (transfer full): a new object
 *
 * Since: 0.1
 */
JsonObject *
avanue_protocol_build_one_time_pre_key (guint32     key_id,
                                        const char *public_key)
{
  JsonObject *object;

  g_return_val_if_fail (public_key != NULL, NULL);

  object = json_object_new ();
  json_object_set_int_member (object, "keyId", key_id);
  json_object_set_string_member (object, "publicKey", public_key);
  return object;
}

/**
 * avanue_protocol_build_register_device:
 * @id: (nullable): the request id
 * @fingerprint: the device's fingerprint
 * @public_key: its raw Ed25519 public key, base64
 * @signature: base64 Ed25519 signature over `"AVANUE1 REGISTER " + nonce`
 * @device_name: the device's name
 * @platform: its platform (not %AVANUE_PLATFORM_UNKNOWN)
 * @device_type: its device type (not %AVANUE_DEVICE_TYPE_UNKNOWN)
 *
 * Builds `REGISTER_DEVICE`, the first message of every connection.
 *
 * Returns: (transfer full): a new message
 *
 * Since: 0.1
 */
JsonObject *
avanue_protocol_build_register_device (const char       *id,
                                       const char       *fingerprint,
                                       const char       *public_key,
                                       const char       *signature,
                                       const char       *device_name,
                                       AvanuePlatform    platform,
                                       AvanueDeviceType  device_type)
{
  JsonObject *object;

  g_return_val_if_fail (fingerprint != NULL, NULL);
  g_return_val_if_fail (public_key != NULL, NULL);
  g_return_val_if_fail (signature != NULL, NULL);
  g_return_val_if_fail (device_name != NULL, NULL);
  g_return_val_if_fail (avanue_platform_to_string (platform) != NULL, NULL);
  g_return_val_if_fail (avanue_device_type_to_string (device_type) != NULL, NULL);

  object = new_request (AVANUE_MESSAGE_TYPE_REGISTER_DEVICE, id);
  json_object_set_string_member (object, "fingerprint", fingerprint);
  json_object_set_string_member (object, "publicKey", public_key);
  json_object_set_string_member (object, "signature", signature);
  json_object_set_string_member (object, "deviceName", device_name);
  json_object_set_string_member (object, "platform", avanue_platform_to_string (platform));
  json_object_set_string_member (object, "deviceType", avanue_device_type_to_string (device_type));
  return object;
}

/**
 * avanue_protocol_build_ping:
 * @id: (nullable): the request id
 *
 * Builds `PING` (the heartbeat; answered with `PONG`).
 *
 * Returns: (transfer full): a new message
 *
 * Since: 0.1
 */
JsonObject *
avanue_protocol_build_ping (const char *id)
{
  return new_request (AVANUE_MESSAGE_TYPE_PING, id);
}

/**
 * avanue_protocol_build_create_session:
 * @id: (nullable): the request id
 * @license_token: (nullable): a licence key, or %NULL for the free tier
 * @session_type: `"CALL"`, `"CAST"`, `"SCREEN_SHARE"` or `"FILE_TRANSFER"`
 * @capabilities: the device's capabilities
 *
 * Builds `CREATE_SESSION`.
 *
 * Returns: (transfer full): a new message
 *
 * Since: 0.1
 */
JsonObject *
avanue_protocol_build_create_session (const char         *id,
                                      const char         *license_token,
                                      const char         *session_type,
                                      AvanueCapabilities *capabilities)
{
  JsonObject *object;

  g_return_val_if_fail (session_type != NULL, NULL);
  g_return_val_if_fail (AVANUE_IS_CAPABILITIES (capabilities), NULL);

  object = new_request (AVANUE_MESSAGE_TYPE_CREATE_SESSION, id);
  if (license_token != NULL)
    json_object_set_string_member (object, "licenseToken", license_token);
  json_object_set_string_member (object, "sessionType", session_type);
  set_capabilities_member (object, capabilities);
  return object;
}

/**
 * avanue_protocol_build_join_session:
 * @id: (nullable): the request id
 * @invite_code: the invite code as the user typed it (the server
 *   normalises it)
 * @capabilities: the device's capabilities
 *
 * Builds `JOIN_SESSION`.
 *
 * Returns: (transfer full): a new message
 *
 * Since: 0.1
 */
JsonObject *
avanue_protocol_build_join_session (const char         *id,
                                    const char         *invite_code,
                                    AvanueCapabilities *capabilities)
{
  JsonObject *object;

  g_return_val_if_fail (invite_code != NULL, NULL);
  g_return_val_if_fail (AVANUE_IS_CAPABILITIES (capabilities), NULL);

  object = new_request (AVANUE_MESSAGE_TYPE_JOIN_SESSION, id);
  json_object_set_string_member (object, "inviteCode", invite_code);
  set_capabilities_member (object, capabilities);
  return object;
}

/**
 * avanue_protocol_build_rejoin_session:
 * @id: (nullable): the request id
 * @session_id: the session to rejoin
 * @capabilities: the device's capabilities
 *
 * Builds `REJOIN_SESSION`.
 *
 * Returns: (transfer full): a new message
 *
 * Since: 0.1
 */
JsonObject *
avanue_protocol_build_rejoin_session (const char         *id,
                                      const char         *session_id,
                                      AvanueCapabilities *capabilities)
{
  JsonObject *object;

  g_return_val_if_fail (session_id != NULL, NULL);
  g_return_val_if_fail (AVANUE_IS_CAPABILITIES (capabilities), NULL);

  object = new_request (AVANUE_MESSAGE_TYPE_REJOIN_SESSION, id);
  json_object_set_string_member (object, "sessionId", session_id);
  set_capabilities_member (object, capabilities);
  return object;
}

static JsonObject *
build_session_request (AvanueMessageType  type,
                       const char        *id,
                       const char        *session_id)
{
  JsonObject *object = new_request (type, id);

  json_object_set_string_member (object, "sessionId", session_id);
  return object;
}

/**
 * avanue_protocol_build_leave_session:
 * @id: (nullable): the request id
 * @session_id: the session to leave
 *
 * Builds `LEAVE_SESSION`.
 *
 * Returns: (transfer full): a new message
 *
 * Since: 0.1
 */
JsonObject *
avanue_protocol_build_leave_session (const char *id,
                                     const char *session_id)
{
  g_return_val_if_fail (session_id != NULL, NULL);

  return build_session_request (AVANUE_MESSAGE_TYPE_LEAVE_SESSION, id, session_id);
}

/**
 * avanue_protocol_build_end_session:
 * @id: (nullable): the request id
 * @session_id: the session to end (host only)
 *
 * Builds `END_SESSION`.
 *
 * Returns: (transfer full): a new message
 *
 * Since: 0.1
 */
JsonObject *
avanue_protocol_build_end_session (const char *id,
                                   const char *session_id)
{
  g_return_val_if_fail (session_id != NULL, NULL);

  return build_session_request (AVANUE_MESSAGE_TYPE_END_SESSION, id, session_id);
}

static JsonObject *
build_sdp (AvanueMessageType  type,
           const char        *id,
           const char        *session_id,
           const char        *to_fingerprint,
           const char        *sdp)
{
  JsonObject *object = build_session_request (type, id, session_id);

  json_object_set_string_member (object, "toFingerprint", to_fingerprint);
  json_object_set_string_member (object, "sdp", sdp);
  return object;
}

/**
 * avanue_protocol_build_sdp_offer:
 * @id: (nullable): the request id
 * @session_id: the session
 * @to_fingerprint: the peer the offer is for
 * @sdp: the session description
 *
 * Builds `SDP_OFFER` as a client sends it.
 *
 * Returns: (transfer full): a new message
 *
 * Since: 0.1
 */
JsonObject *
avanue_protocol_build_sdp_offer (const char *id,
                                 const char *session_id,
                                 const char *to_fingerprint,
                                 const char *sdp)
{
  g_return_val_if_fail (session_id != NULL, NULL);
  g_return_val_if_fail (to_fingerprint != NULL, NULL);
  g_return_val_if_fail (sdp != NULL, NULL);

  return build_sdp (AVANUE_MESSAGE_TYPE_SDP_OFFER, id, session_id, to_fingerprint, sdp);
}

/**
 * avanue_protocol_build_sdp_answer:
 * @id: (nullable): the request id
 * @session_id: the session
 * @to_fingerprint: the peer the answer is for
 * @sdp: the session description
 *
 * Builds `SDP_ANSWER` as a client sends it.
 *
 * Returns: (transfer full): a new message
 *
 * Since: 0.1
 */
JsonObject *
avanue_protocol_build_sdp_answer (const char *id,
                                  const char *session_id,
                                  const char *to_fingerprint,
                                  const char *sdp)
{
  g_return_val_if_fail (session_id != NULL, NULL);
  g_return_val_if_fail (to_fingerprint != NULL, NULL);
  g_return_val_if_fail (sdp != NULL, NULL);

  return build_sdp (AVANUE_MESSAGE_TYPE_SDP_ANSWER, id, session_id, to_fingerprint, sdp);
}

/**
 * avanue_protocol_build_ice_candidate:
 * @id: (nullable): the request id
 * @session_id: the session
 * @to_fingerprint: the peer the candidate is for
 * @candidate: the candidate line, or `""` for end of candidates
 * @sdp_mid: (nullable): the media stream identification tag
 * @sdp_mline_index: the index of the media description, or -1
 *
 * Builds `ICE_CANDIDATE` as a client sends it. With neither @sdp_mid nor
 * @sdp_mline_index the candidate is a plain string; otherwise it is an
 * object `{candidate, sdpMid, sdpMLineIndex}` as browsers make it.
 *
 * Returns: (transfer full): a new message
 *
 * Since: 0.1
 */
JsonObject *
avanue_protocol_build_ice_candidate (const char *id,
                                     const char *session_id,
                                     const char *to_fingerprint,
                                     const char *candidate,
                                     const char *sdp_mid,
                                     int         sdp_mline_index)
{
  JsonObject *object;

  g_return_val_if_fail (session_id != NULL, NULL);
  g_return_val_if_fail (to_fingerprint != NULL, NULL);
  g_return_val_if_fail (candidate != NULL, NULL);

  object = build_session_request (AVANUE_MESSAGE_TYPE_ICE_CANDIDATE, id, session_id);
  json_object_set_string_member (object, "toFingerprint", to_fingerprint);
  if (sdp_mid == NULL && sdp_mline_index < 0)
    {
      json_object_set_string_member (object, "candidate", candidate);
    }
  else
    {
      JsonObject *inner = json_object_new ();

      json_object_set_string_member (inner, "candidate", candidate);
      if (sdp_mid != NULL)
        json_object_set_string_member (inner, "sdpMid", sdp_mid);
      if (sdp_mline_index >= 0)
        json_object_set_int_member (inner, "sdpMLineIndex", sdp_mline_index);
      json_object_set_object_member (object, "candidate", inner);
    }
  return object;
}

/**
 * avanue_protocol_build_app_message:
 * @id: (nullable): the request id
 * @session_id: the session
 * @to_fingerprint: (nullable): the peer, or %NULL for everyone else
 * @payload: the application's object (not modified; referenced)
 *
 * Builds `APP_MESSAGE` as a client sends it.
 *
 * Returns: (transfer full): a new message
 *
 * Since: 0.1
 */
JsonObject *
avanue_protocol_build_app_message (const char *id,
                                   const char *session_id,
                                   const char *to_fingerprint,
                                   JsonObject *payload)
{
  JsonObject *object;

  g_return_val_if_fail (session_id != NULL, NULL);
  g_return_val_if_fail (payload != NULL, NULL);

  object = build_session_request (AVANUE_MESSAGE_TYPE_APP_MESSAGE, id, session_id);
  if (to_fingerprint != NULL)
    json_object_set_string_member (object, "toFingerprint", to_fingerprint);
  set_object_member (object, "payload", payload);
  return object;
}

/**
 * avanue_protocol_build_capability_update:
 * @id: (nullable): the request id
 * @session_id: the session
 * @capabilities: the device's current capabilities
 *
 * Builds `CAPABILITY_UPDATE`.
 *
 * Returns: (transfer full): a new message
 *
 * Since: 0.1
 */
JsonObject *
avanue_protocol_build_capability_update (const char         *id,
                                         const char         *session_id,
                                         AvanueCapabilities *capabilities)
{
  JsonObject *object;

  g_return_val_if_fail (session_id != NULL, NULL);
  g_return_val_if_fail (AVANUE_IS_CAPABILITIES (capabilities), NULL);

  object = build_session_request (AVANUE_MESSAGE_TYPE_CAPABILITY_UPDATE, id, session_id);
  set_capabilities_member (object, capabilities);
  return object;
}

/**
 * avanue_protocol_build_request_turn:
 * @id: (nullable): the request id
 * @session_id: the session
 *
 * Builds `REQUEST_TURN`.
 *
 * Returns: (transfer full): a new message
 *
 * Since: 0.1
 */
JsonObject *
avanue_protocol_build_request_turn (const char *id,
                                    const char *session_id)
{
  g_return_val_if_fail (session_id != NULL, NULL);

  return build_session_request (AVANUE_MESSAGE_TYPE_REQUEST_TURN, id, session_id);
}

/**
 * avanue_protocol_build_report_stats:
 * @id: (nullable): the request id
 * @session_id: the session
 * @avg_latency_ms: the average round-trip latency, in milliseconds
 * @avg_packet_loss_percent: the average packet loss, 0 to 100
 * @nat_type: `"open"`, `"full-cone"`, `"restricted"`, `"port-restricted"`,
 *   `"symmetric"` or `"unknown"`
 * @candidate_type: the type of the selected local candidate: `"host"`,
 *   `"srflx"`, `"prflx"` or `"relay"`
 *
 * Builds `REPORT_STATS`.
 *
 * Returns: (transfer full): a new message
 *
 * Since: 0.1
 */
JsonObject *
avanue_protocol_build_report_stats (const char *id,
                                    const char *session_id,
                                    double      avg_latency_ms,
                                    double      avg_packet_loss_percent,
                                    const char *nat_type,
                                    const char *candidate_type)
{
  JsonObject *object;

  g_return_val_if_fail (session_id != NULL, NULL);
  g_return_val_if_fail (nat_type != NULL, NULL);
  g_return_val_if_fail (candidate_type != NULL, NULL);

  object = build_session_request (AVANUE_MESSAGE_TYPE_REPORT_STATS, id, session_id);
  json_object_set_double_member (object, "avgLatencyMs", avg_latency_ms);
  json_object_set_double_member (object, "avgPacketLossPercent", avg_packet_loss_percent);
  json_object_set_string_member (object, "natType", nat_type);
  json_object_set_string_member (object, "candidateType", candidate_type);
  return object;
}

/**
 * avanue_protocol_build_pair_request:
 * @id: (nullable): the request id
 * @target_fingerprint: the device to pair with
 *
 * Builds `PAIR_REQUEST`.
 *
 * Returns: (transfer full): a new message
 *
 * Since: 0.1
 */
JsonObject *
avanue_protocol_build_pair_request (const char *id,
                                    const char *target_fingerprint)
{
  JsonObject *object;

  g_return_val_if_fail (target_fingerprint != NULL, NULL);

  object = new_request (AVANUE_MESSAGE_TYPE_PAIR_REQUEST, id);
  json_object_set_string_member (object, "targetFingerprint", target_fingerprint);
  return object;
}

static JsonObject *
build_with_request_id (AvanueMessageType  type,
                       const char        *ref_name,
                       const char        *ref,
                       const char        *request_id)
{
  JsonObject *object = new_message (type, ref_name, ref);

  json_object_set_string_member (object, "requestId", request_id);
  return object;
}

/**
 * avanue_protocol_build_pair_accept:
 * @id: (nullable): the request id
 * @request_id: the `requestId` of `PAIR_REQUESTED`
 *
 * Builds `PAIR_ACCEPT`.
 *
 * Returns: (transfer full): a new message
 *
 * Since: 0.1
 */
JsonObject *
avanue_protocol_build_pair_accept (const char *id,
                                   const char *request_id)
{
  g_return_val_if_fail (request_id != NULL, NULL);

  return build_with_request_id (AVANUE_MESSAGE_TYPE_PAIR_ACCEPT, "id", id, request_id);
}

/**
 * avanue_protocol_build_pair_reject:
 * @id: (nullable): the request id
 * @request_id: the `requestId` of `PAIR_REQUESTED`
 *
 * Builds `PAIR_REJECT`.
 *
 * Returns: (transfer full): a new message
 *
 * Since: 0.1
 */
JsonObject *
avanue_protocol_build_pair_reject (const char *id,
                                   const char *request_id)
{
  g_return_val_if_fail (request_id != NULL, NULL);

  return build_with_request_id (AVANUE_MESSAGE_TYPE_PAIR_REJECT, "id", id, request_id);
}

/**
 * avanue_protocol_build_register_push:
 * @id: (nullable): the request id
 * @platform: the device's platform (not %AVANUE_PLATFORM_UNKNOWN)
 * @token: (nullable): a push token (FCM, APNs, …)
 * @endpoint: (nullable): a UnifiedPush endpoint URL
 *
 * Builds `REGISTER_PUSH`; give exactly one of @token and @endpoint.
 *
 * Returns: (transfer full): a new message
 *
 * Since: 0.1
 */
JsonObject *
avanue_protocol_build_register_push (const char     *id,
                                     AvanuePlatform  platform,
                                     const char     *token,
                                     const char     *endpoint)
{
  JsonObject *object;

  g_return_val_if_fail (avanue_platform_to_string (platform) != NULL, NULL);
  g_return_val_if_fail ((token == NULL) != (endpoint == NULL), NULL);

  object = new_request (AVANUE_MESSAGE_TYPE_REGISTER_PUSH, id);
  json_object_set_string_member (object, "platform", avanue_platform_to_string (platform));
  if (token != NULL)
    json_object_set_string_member (object, "token", token);
  if (endpoint != NULL)
    json_object_set_string_member (object, "endpoint", endpoint);
  return object;
}

/**
 * avanue_protocol_build_publish_keys:
 * @id: (nullable): the request id
 * @identity_key: the identity public key, base64
 * @signed_pre_key: the signed pre-key, base64
 * @pre_key_signature: the signature of @signed_pre_key, base64
 * @one_time_pre_keys: one-time pre-keys, as made by
 *   [func@Avanue.Protocol.build_one_time_pre_key] (referenced)
 *
 * Builds `PUBLISH_KEYS`.
 *
 * Returns: (transfer full): a new message
 *
 * Since: 0.1
 */
JsonObject *
avanue_protocol_build_publish_keys (const char *id,
                                    const char *identity_key,
                                    const char *signed_pre_key,
                                    const char *pre_key_signature,
                                    JsonArray  *one_time_pre_keys)
{
  JsonObject *object;

  g_return_val_if_fail (identity_key != NULL, NULL);
  g_return_val_if_fail (signed_pre_key != NULL, NULL);
  g_return_val_if_fail (pre_key_signature != NULL, NULL);
  g_return_val_if_fail (one_time_pre_keys != NULL, NULL);

  object = new_request (AVANUE_MESSAGE_TYPE_PUBLISH_KEYS, id);
  json_object_set_string_member (object, "identityKey", identity_key);
  json_object_set_string_member (object, "signedPreKey", signed_pre_key);
  json_object_set_string_member (object, "preKeySignature", pre_key_signature);
  json_object_set_array_member (object, "oneTimePreKeys", json_array_ref (one_time_pre_keys));
  return object;
}

/**
 * avanue_protocol_build_fetch_keys:
 * @id: (nullable): the request id
 * @fingerprint: the device whose key bundle is wanted
 *
 * Builds `FETCH_KEYS`.
 *
 * Returns: (transfer full): a new message
 *
 * Since: 0.1
 */
JsonObject *
avanue_protocol_build_fetch_keys (const char *id,
                                  const char *fingerprint)
{
  JsonObject *object;

  g_return_val_if_fail (fingerprint != NULL, NULL);

  object = new_request (AVANUE_MESSAGE_TYPE_FETCH_KEYS, id);
  json_object_set_string_member (object, "fingerprint", fingerprint);
  return object;
}

/**
 * avanue_protocol_build_encrypted_message:
 * @id: (nullable): the request id
 * @to_fingerprint: the recipient
 * @message_id: a UUID the client chose for the message
 * @payload: the encrypted message, base64 (opaque to the server)
 *
 * Builds `ENCRYPTED_MESSAGE` as a client sends it.
 *
 * Returns: (transfer full): a new message
 *
 * Since: 0.1
 */
JsonObject *
avanue_protocol_build_encrypted_message (const char *id,
                                         const char *to_fingerprint,
                                         const char *message_id,
                                         const char *payload)
{
  JsonObject *object;

  g_return_val_if_fail (to_fingerprint != NULL, NULL);
  g_return_val_if_fail (message_id != NULL, NULL);
  g_return_val_if_fail (payload != NULL, NULL);

  object = new_request (AVANUE_MESSAGE_TYPE_ENCRYPTED_MESSAGE, id);
  json_object_set_string_member (object, "toFingerprint", to_fingerprint);
  json_object_set_string_member (object, "messageId", message_id);
  json_object_set_string_member (object, "payload", payload);
  return object;
}

/**
 * avanue_protocol_build_message_ack:
 * @id: (nullable): the request id
 * @message_id: the `messageId` of a delivered `ENCRYPTED_MESSAGE`
 *
 * Builds `MESSAGE_ACK`.
 *
 * Returns: (transfer full): a new message
 *
 * Since: 0.1
 */
JsonObject *
avanue_protocol_build_message_ack (const char *id,
                                   const char *message_id)
{
  JsonObject *object;

  g_return_val_if_fail (message_id != NULL, NULL);

  object = new_request (AVANUE_MESSAGE_TYPE_MESSAGE_ACK, id);
  json_object_set_string_member (object, "messageId", message_id);
  return object;
}

/**
 * avanue_protocol_build_connected:
 * @client_id: a UUID for the connection
 * @server: the server's name and version, `"avanued/VERSION"`
 * @nonce: base64 of 32 random bytes, to be signed in `REGISTER_DEVICE`
 * @heartbeat_seconds: how often the client should `PING`
 *
 * Builds `CONNECTED`, the first message of every connection, with
 * `protocol` %AVANUE_PROTOCOL_VERSION.
 *
 * Returns: (transfer full): a new message
 *
 * Since: 0.1
 */
JsonObject *
avanue_protocol_build_connected (const char *client_id,
                                 const char *server,
                                 const char *nonce,
                                 guint       heartbeat_seconds)
{
  JsonObject *object;

  g_return_val_if_fail (client_id != NULL, NULL);
  g_return_val_if_fail (server != NULL, NULL);
  g_return_val_if_fail (nonce != NULL, NULL);

  object = new_answer (AVANUE_MESSAGE_TYPE_CONNECTED, NULL);
  json_object_set_string_member (object, "clientId", client_id);
  json_object_set_string_member (object, "server", server);
  json_object_set_int_member (object, "protocol", AVANUE_PROTOCOL_VERSION);
  json_object_set_string_member (object, "nonce", nonce);
  json_object_set_int_member (object, "heartbeatSeconds", heartbeat_seconds);
  return object;
}

/**
 * avanue_protocol_build_pong:
 * @re: (nullable): the `id` of the `PING`
 * @timestamp_ms: the server's time, in milliseconds since the Unix epoch
 *
 * Builds `PONG`.
 *
 * Returns: (transfer full): a new message
 *
 * Since: 0.1
 */
JsonObject *
avanue_protocol_build_pong (const char *re,
                            gint64      timestamp_ms)
{
  JsonObject *object = new_answer (AVANUE_MESSAGE_TYPE_PONG, re);

  json_object_set_int_member (object, "timestamp", timestamp_ms);
  return object;
}

/**
 * avanue_protocol_build_device_registered:
 * @re: (nullable): the `id` of the `REGISTER_DEVICE`
 * @device_id: the server's identifier for the device
 * @fingerprint: the device's fingerprint
 * @pending_messages: how many stored `ENCRYPTED_MESSAGE`s follow
 *
 * Builds `DEVICE_REGISTERED`.
 *
 * Returns: (transfer full): a new message
 *
 * Since: 0.1
 */
JsonObject *
avanue_protocol_build_device_registered (const char *re,
                                         const char *device_id,
                                         const char *fingerprint,
                                         guint       pending_messages)
{
  JsonObject *object;

  g_return_val_if_fail (device_id != NULL, NULL);
  g_return_val_if_fail (fingerprint != NULL, NULL);

  object = new_answer (AVANUE_MESSAGE_TYPE_DEVICE_REGISTERED, re);
  json_object_set_string_member (object, "deviceId", device_id);
  json_object_set_string_member (object, "fingerprint", fingerprint);
  json_object_set_int_member (object, "pendingMessages", pending_messages);
  return object;
}

static void
set_fingerprint_or_null (JsonObject *object,
                         const char *name,
                         const char *fingerprint)
{
  if (fingerprint != NULL)
    json_object_set_string_member (object, name, fingerprint);
  else
    json_object_set_null_member (object, name);
}

/**
 * avanue_protocol_build_session_created:
 * @re: (nullable): the `id` of the `CREATE_SESSION`
 * @session_id: the new session
 * @invite_code: its invite code, `AVNE-XXXX-XXXX`
 * @session_type: its type, as requested
 * @hub_fingerprint: (nullable): the hub, or %NULL if none is elected
 * @limits: the session's limits (see
 *   [func@Avanue.Protocol.build_limits]; referenced)
 * @turn_credentials: (nullable): TURN credentials when the tier allows
 *   the relay (see [func@Avanue.Protocol.build_turn_credentials_object];
 *   referenced)
 *
 * Builds `SESSION_CREATED`; `joinUrl` is `avanues://join/` followed by
 * @invite_code.
 *
 * Returns: (transfer full): a new message
 *
 * Since: 0.1
 */
JsonObject *
avanue_protocol_build_session_created (const char *re,
                                       const char *session_id,
                                       const char *invite_code,
                                       const char *session_type,
                                       const char *hub_fingerprint,
                                       JsonObject *limits,
                                       JsonObject *turn_credentials)
{
  g_autofree char *join_url = NULL;
  JsonObject *object;

  g_return_val_if_fail (session_id != NULL, NULL);
  g_return_val_if_fail (invite_code != NULL, NULL);
  g_return_val_if_fail (session_type != NULL, NULL);
  g_return_val_if_fail (limits != NULL, NULL);

  join_url = g_strconcat ("avanues://join/", invite_code, NULL);
  object = new_answer (AVANUE_MESSAGE_TYPE_SESSION_CREATED, re);
  json_object_set_string_member (object, "sessionId", session_id);
  json_object_set_string_member (object, "inviteCode", invite_code);
  json_object_set_string_member (object, "joinUrl", join_url);
  json_object_set_string_member (object, "sessionType", session_type);
  set_fingerprint_or_null (object, "hubFingerprint", hub_fingerprint);
  set_object_member (object, "limits", limits);
  if (turn_credentials != NULL)
    set_object_member (object, "turnCredentials", turn_credentials);
  return object;
}

static JsonObject *
build_session_joined (AvanueMessageType  type,
                      const char        *re,
                      const char        *session_id,
                      const char        *session_type,
                      JsonArray         *participants,
                      const char        *hub_fingerprint,
                      JsonObject        *limits,
                      JsonObject        *turn_credentials)
{
  JsonObject *object = new_answer (type, re);

  json_object_set_string_member (object, "sessionId", session_id);
  json_object_set_string_member (object, "sessionType", session_type);
  json_object_set_array_member (object, "participants", json_array_ref (participants));
  set_fingerprint_or_null (object, "hubFingerprint", hub_fingerprint);
  set_object_member (object, "limits", limits);
  if (turn_credentials != NULL)
    set_object_member (object, "turnCredentials", turn_credentials);
  return object;
}

/**
 * avanue_protocol_build_session_joined:
 * @re: (nullable): the `id` of the `JOIN_SESSION`
 * @session_id: the session
 * @session_type: its type
 * @participants: everyone in the session, newcomer included, as made by
 *   [func@Avanue.Protocol.build_participant] (referenced)
 * @hub_fingerprint: (nullable): the hub, or %NULL if none is elected
 * @limits: the session's limits (referenced)
 * @turn_credentials: (nullable): TURN credentials when the tier allows
 *   the relay (referenced)
 *
 * Builds `SESSION_JOINED`.
 *
 * Returns: (transfer full): a new message
 *
 * Since: 0.1
 */
JsonObject *
avanue_protocol_build_session_joined (const char *re,
                                      const char *session_id,
                                      const char *session_type,
                                      JsonArray  *participants,
                                      const char *hub_fingerprint,
                                      JsonObject *limits,
                                      JsonObject *turn_credentials)
{
  g_return_val_if_fail (session_id != NULL, NULL);
  g_return_val_if_fail (session_type != NULL, NULL);
  g_return_val_if_fail (participants != NULL, NULL);
  g_return_val_if_fail (limits != NULL, NULL);

  return build_session_joined (AVANUE_MESSAGE_TYPE_SESSION_JOINED, re, session_id, session_type,
                               participants, hub_fingerprint, limits, turn_credentials);
}

/**
 * avanue_protocol_build_session_rejoined:
 * @re: (nullable): the `id` of the `REJOIN_SESSION`
 * @session_id: the session
 * @session_type: its type
 * @participants: everyone in the session (referenced)
 * @hub_fingerprint: (nullable): the hub, or %NULL if none is elected
 * @limits: the session's limits (referenced)
 * @turn_credentials: (nullable): TURN credentials when the tier allows
 *   the relay (referenced)
 * @missed_events: the server → client messages queued while the device
 *   was offline, oldest first (referenced)
 *
 * Builds `SESSION_REJOINED`.
 *
 * Returns: (transfer full): a new message
 *
 * Since: 0.1
 */
JsonObject *
avanue_protocol_build_session_rejoined (const char *re,
                                        const char *session_id,
                                        const char *session_type,
                                        JsonArray  *participants,
                                        const char *hub_fingerprint,
                                        JsonObject *limits,
                                        JsonObject *turn_credentials,
                                        JsonArray  *missed_events)
{
  JsonObject *object;

  g_return_val_if_fail (session_id != NULL, NULL);
  g_return_val_if_fail (session_type != NULL, NULL);
  g_return_val_if_fail (participants != NULL, NULL);
  g_return_val_if_fail (limits != NULL, NULL);
  g_return_val_if_fail (missed_events != NULL, NULL);

  object = build_session_joined (AVANUE_MESSAGE_TYPE_SESSION_REJOINED, re, session_id, session_type,
                                 participants, hub_fingerprint, limits, turn_credentials);
  json_object_set_array_member (object, "missedEvents", json_array_ref (missed_events));
  return object;
}

/**
 * avanue_protocol_build_session_left:
 * @re: (nullable): the `id` of the `LEAVE_SESSION`
 * @session_id: the session left
 *
 * Builds `SESSION_LEFT`.
 *
 * Returns: (transfer full): a new message
 *
 * Since: 0.1
 */
JsonObject *
avanue_protocol_build_session_left (const char *re,
                                    const char *session_id)
{
  JsonObject *object;

  g_return_val_if_fail (session_id != NULL, NULL);

  object = new_answer (AVANUE_MESSAGE_TYPE_SESSION_LEFT, re);
  json_object_set_string_member (object, "sessionId", session_id);
  return object;
}

/**
 * avanue_protocol_build_session_ended:
 * @re: (nullable): the `id` of the `END_SESSION`, for the host that ended it
 * @session_id: the session
 * @reason: `"COMPLETED"`, `"HOST_LEFT"`, `"TIMEOUT"`, `"LICENSE_EXPIRED"`,
 *   `"ADMIN"` or `"ERROR"`
 *
 * Builds `SESSION_ENDED`.
 *
 * Returns: (transfer full): a new message
 *
 * Since: 0.1
 */
JsonObject *
avanue_protocol_build_session_ended (const char *re,
                                     const char *session_id,
                                     const char *reason)
{
  JsonObject *object;

  g_return_val_if_fail (session_id != NULL, NULL);
  g_return_val_if_fail (reason != NULL, NULL);

  object = new_answer (AVANUE_MESSAGE_TYPE_SESSION_ENDED, re);
  json_object_set_string_member (object, "sessionId", session_id);
  json_object_set_string_member (object, "reason", reason);
  return object;
}

/**
 * avanue_protocol_build_participant_joined:
 * @session_id: the session
 * @participant: the newcomer (see [func@Avanue.Protocol.build_participant];
 *   referenced)
 *
 * Builds `PARTICIPANT_JOINED`.
 *
 * Returns: (transfer full): a new message
 *
 * Since: 0.1
 */
JsonObject *
avanue_protocol_build_participant_joined (const char *session_id,
                                          JsonObject *participant)
{
  JsonObject *object;

  g_return_val_if_fail (session_id != NULL, NULL);
  g_return_val_if_fail (participant != NULL, NULL);

  object = new_answer (AVANUE_MESSAGE_TYPE_PARTICIPANT_JOINED, NULL);
  json_object_set_string_member (object, "sessionId", session_id);
  set_object_member (object, "participant", participant);
  return object;
}

/**
 * avanue_protocol_build_participant_offline:
 * @session_id: the session
 * @fingerprint: the participant that disconnected (now in its grace period)
 *
 * Builds `PARTICIPANT_OFFLINE`.
 *
 * Returns: (transfer full): a new message
 *
 * Since: 0.1
 */
JsonObject *
avanue_protocol_build_participant_offline (const char *session_id,
                                           const char *fingerprint)
{
  JsonObject *object;

  g_return_val_if_fail (session_id != NULL, NULL);
  g_return_val_if_fail (fingerprint != NULL, NULL);

  object = new_answer (AVANUE_MESSAGE_TYPE_PARTICIPANT_OFFLINE, NULL);
  json_object_set_string_member (object, "sessionId", session_id);
  json_object_set_string_member (object, "fingerprint", fingerprint);
  return object;
}

/**
 * avanue_protocol_build_participant_left:
 * @session_id: the session
 * @fingerprint: the participant that left
 * @reason: `"LEFT"`, `"DISCONNECT"` or `"KICKED"`
 *
 * Builds `PARTICIPANT_LEFT`.
 *
 * Returns: (transfer full): a new message
 *
 * Since: 0.1
 */
JsonObject *
avanue_protocol_build_participant_left (const char *session_id,
                                        const char *fingerprint,
                                        const char *reason)
{
  JsonObject *object;

  g_return_val_if_fail (session_id != NULL, NULL);
  g_return_val_if_fail (fingerprint != NULL, NULL);
  g_return_val_if_fail (reason != NULL, NULL);

  object = new_answer (AVANUE_MESSAGE_TYPE_PARTICIPANT_LEFT, NULL);
  json_object_set_string_member (object, "sessionId", session_id);
  json_object_set_string_member (object, "fingerprint", fingerprint);
  json_object_set_string_member (object, "reason", reason);
  return object;
}

/**
 * avanue_protocol_build_hub_elected:
 * @session_id: the session
 * @hub_fingerprint: the new hub
 * @reason: `"INITIAL"`, `"DISCONNECT"`, `"BATTERY_LOW"` or
 *   `"CAPABILITY_CHANGE"`
 *
 * Builds `HUB_ELECTED`.
 *
 * Returns: (transfer full): a new message
 *
 * Since: 0.1
 */
JsonObject *
avanue_protocol_build_hub_elected (const char *session_id,
                                   const char *hub_fingerprint,
                                   const char *reason)
{
  JsonObject *object;

  g_return_val_if_fail (session_id != NULL, NULL);
  g_return_val_if_fail (hub_fingerprint != NULL, NULL);
  g_return_val_if_fail (reason != NULL, NULL);

  object = new_answer (AVANUE_MESSAGE_TYPE_HUB_ELECTED, NULL);
  json_object_set_string_member (object, "sessionId", session_id);
  json_object_set_string_member (object, "hubFingerprint", hub_fingerprint);
  json_object_set_string_member (object, "reason", reason);
  return object;
}

/**
 * avanue_protocol_build_role_changed:
 * @session_id: the session
 * @fingerprint: the participant whose role changed
 * @old_role: `"HUB"` or `"SPOKE"`
 * @new_role: `"HUB"` or `"SPOKE"`
 *
 * Builds `ROLE_CHANGED` (topology roles).
 *
 * Returns: (transfer full): a new message
 *
 * Since: 0.1
 */
JsonObject *
avanue_protocol_build_role_changed (const char *session_id,
                                    const char *fingerprint,
                                    const char *old_role,
                                    const char *new_role)
{
  JsonObject *object;

  g_return_val_if_fail (session_id != NULL, NULL);
  g_return_val_if_fail (fingerprint != NULL, NULL);
  g_return_val_if_fail (old_role != NULL, NULL);
  g_return_val_if_fail (new_role != NULL, NULL);

  object = new_answer (AVANUE_MESSAGE_TYPE_ROLE_CHANGED, NULL);
  json_object_set_string_member (object, "sessionId", session_id);
  json_object_set_string_member (object, "fingerprint", fingerprint);
  json_object_set_string_member (object, "oldRole", old_role);
  json_object_set_string_member (object, "newRole", new_role);
  return object;
}

/**
 * avanue_protocol_build_turn_credentials:
 * @re: (nullable): the `id` of the `REQUEST_TURN`
 * @username: the TURN username
 * @password: the TURN password
 * @urls: (array zero-terminated=1): the `stun:`/`turn:`/`turns:` URLs
 * @ttl_seconds: how long the credentials stay valid
 *
 * Builds `TURN_CREDENTIALS`.
 *
 * Returns: (transfer full): a new message
 *
 * Since: 0.1
 */
JsonObject *
avanue_protocol_build_turn_credentials (const char         *re,
                                        const char         *username,
                                        const char         *password,
                                        const char * const *urls,
                                        guint               ttl_seconds)
{
  g_return_val_if_fail (username != NULL, NULL);
  g_return_val_if_fail (password != NULL, NULL);
  g_return_val_if_fail (urls != NULL, NULL);

  return fill_turn_credentials (new_answer (AVANUE_MESSAGE_TYPE_TURN_CREDENTIALS, re),
                                username, password, urls, ttl_seconds);
}

/**
 * avanue_protocol_build_pair_requested:
 * @from_fingerprint: the device asking to pair
 * @from_device_name: its name
 * @request_id: the identifier to accept or reject with
 *
 * Builds `PAIR_REQUESTED`, sent to the target of a `PAIR_REQUEST`.
 *
 * Returns: (transfer full): a new message
 *
 * Since: 0.1
 */
JsonObject *
avanue_protocol_build_pair_requested (const char *from_fingerprint,
                                      const char *from_device_name,
                                      const char *request_id)
{
  JsonObject *object;

  g_return_val_if_fail (from_fingerprint != NULL, NULL);
  g_return_val_if_fail (from_device_name != NULL, NULL);
  g_return_val_if_fail (request_id != NULL, NULL);

  object = new_answer (AVANUE_MESSAGE_TYPE_PAIR_REQUESTED, NULL);
  json_object_set_string_member (object, "fromFingerprint", from_fingerprint);
  json_object_set_string_member (object, "fromDeviceName", from_device_name);
  json_object_set_string_member (object, "requestId", request_id);
  return object;
}

/**
 * avanue_protocol_build_pair_established:
 * @re: (nullable): the `id` of the `PAIR_ACCEPT`, for the device that
 *   accepted
 * @pairing_id: the pairing's identifier
 * @peer_fingerprint: the other device
 * @secret: the pairing secret shared by both devices
 *
 * Builds `PAIR_ESTABLISHED`.
 *
 * Returns: (transfer full): a new message
 *
 * Since: 0.1
 */
JsonObject *
avanue_protocol_build_pair_established (const char *re,
                                        const char *pairing_id,
                                        const char *peer_fingerprint,
                                        const char *secret)
{
  JsonObject *object;

  g_return_val_if_fail (pairing_id != NULL, NULL);
  g_return_val_if_fail (peer_fingerprint != NULL, NULL);
  g_return_val_if_fail (secret != NULL, NULL);

  object = new_answer (AVANUE_MESSAGE_TYPE_PAIR_ESTABLISHED, re);
  json_object_set_string_member (object, "pairingId", pairing_id);
  json_object_set_string_member (object, "peerFingerprint", peer_fingerprint);
  json_object_set_string_member (object, "secret", secret);
  return object;
}

/**
 * avanue_protocol_build_pair_rejected:
 * @request_id: the `requestId` that was rejected
 *
 * Builds `PAIR_REJECTED`, sent to the device that asked.
 *
 * Returns: (transfer full): a new message
 *
 * Since: 0.1
 */
JsonObject *
avanue_protocol_build_pair_rejected (const char *request_id)
{
  g_return_val_if_fail (request_id != NULL, NULL);

  return build_with_request_id (AVANUE_MESSAGE_TYPE_PAIR_REJECTED, "re", NULL, request_id);
}

/**
 * avanue_protocol_build_push_registered:
 * @re: (nullable): the `id` of the `REGISTER_PUSH`
 *
 * Builds `PUSH_REGISTERED`.
 *
 * Returns: (transfer full): a new message
 *
 * Since: 0.1
 */
JsonObject *
avanue_protocol_build_push_registered (const char *re)
{
  return new_answer (AVANUE_MESSAGE_TYPE_PUSH_REGISTERED, re);
}

/**
 * avanue_protocol_build_keys_published:
 * @re: (nullable): the `id` of the `PUBLISH_KEYS`
 * @one_time_pre_keys_available: how many one-time pre-keys the server holds
 *
 * Builds `KEYS_PUBLISHED`.
 *
 * Returns: (transfer full): a new message
 *
 * Since: 0.1
 */
JsonObject *
avanue_protocol_build_keys_published (const char *re,
                                      guint       one_time_pre_keys_available)
{
  JsonObject *object = new_answer (AVANUE_MESSAGE_TYPE_KEYS_PUBLISHED, re);

  json_object_set_int_member (object, "oneTimePreKeysAvailable", one_time_pre_keys_available);
  return object;
}

/**
 * avanue_protocol_build_key_bundle:
 * @re: (nullable): the `id` of the `FETCH_KEYS`
 * @fingerprint: (nullable): the device the bundle belongs to
 * @identity_key: its identity public key, base64
 * @signed_pre_key: its signed pre-key, base64
 * @pre_key_signature: the signature of @signed_pre_key, base64
 * @one_time_pre_key: (nullable): a one-time pre-key handed out now, or
 *   %NULL when none is left (`null`; referenced)
 *
 * Builds `KEY_BUNDLE`.
 *
 * Returns: (transfer full): a new message
 *
 * Since: 0.1
 */
JsonObject *
avanue_protocol_build_key_bundle (const char *re,
                                  const char *fingerprint,
                                  const char *identity_key,
                                  const char *signed_pre_key,
                                  const char *pre_key_signature,
                                  JsonObject *one_time_pre_key)
{
  JsonObject *object;

  g_return_val_if_fail (identity_key != NULL, NULL);
  g_return_val_if_fail (signed_pre_key != NULL, NULL);
  g_return_val_if_fail (pre_key_signature != NULL, NULL);

  object = new_answer (AVANUE_MESSAGE_TYPE_KEY_BUNDLE, re);
  if (fingerprint != NULL)
    json_object_set_string_member (object, "fingerprint", fingerprint);
  json_object_set_string_member (object, "identityKey", identity_key);
  json_object_set_string_member (object, "signedPreKey", signed_pre_key);
  json_object_set_string_member (object, "preKeySignature", pre_key_signature);
  set_object_member (object, "oneTimePreKey", one_time_pre_key);
  return object;
}

/**
 * avanue_protocol_build_message_accepted:
 * @re: (nullable): the `id` of the `ENCRYPTED_MESSAGE`
 * @message_id: its `messageId`
 * @stored: %TRUE if it was stored for later delivery, %FALSE if delivered
 *
 * Builds `MESSAGE_ACCEPTED`.
 *
 * Returns: (transfer full): a new message
 *
 * Since: 0.1
 */
JsonObject *
avanue_protocol_build_message_accepted (const char *re,
                                        const char *message_id,
                                        gboolean    stored)
{
  JsonObject *object;

  g_return_val_if_fail (message_id != NULL, NULL);

  object = new_answer (AVANUE_MESSAGE_TYPE_MESSAGE_ACCEPTED, re);
  json_object_set_string_member (object, "messageId", message_id);
  json_object_set_boolean_member (object, "stored", stored);
  return object;
}

/**
 * avanue_protocol_build_encrypted_message_delivery:
 * @from_fingerprint: the sender
 * @message_id: the sender's `messageId`
 * @payload: the encrypted message, base64, as the sender sent it
 * @timestamp_ms: when the server accepted it, in milliseconds since the
 *   Unix epoch
 *
 * Builds `ENCRYPTED_MESSAGE` as the server delivers it.
 *
 * Returns: (transfer full): a new message
 *
 * Since: 0.1
 */
JsonObject *
avanue_protocol_build_encrypted_message_delivery (const char *from_fingerprint,
                                                  const char *message_id,
                                                  const char *payload,
                                                  gint64      timestamp_ms)
{
  JsonObject *object;

  g_return_val_if_fail (from_fingerprint != NULL, NULL);
  g_return_val_if_fail (message_id != NULL, NULL);
  g_return_val_if_fail (payload != NULL, NULL);

  object = new_answer (AVANUE_MESSAGE_TYPE_ENCRYPTED_MESSAGE, NULL);
  json_object_set_string_member (object, "fromFingerprint", from_fingerprint);
  json_object_set_string_member (object, "messageId", message_id);
  json_object_set_string_member (object, "payload", payload);
  json_object_set_int_member (object, "timestamp", timestamp_ms);
  return object;
}

/**
 * avanue_protocol_build_error:
 * @code: the error code
 * @message: (nullable): a human-readable explanation (never a payload,
 *   key or secret); %NULL for none
 * @re: (nullable): the `id` of the request, whenever it could be read
 *
 * Builds `ERROR`.
 *
 * Returns: (transfer full): a new message
 *
 * Since: 0.1
 */
JsonObject *
avanue_protocol_build_error (AvanueProtocolError  code,
                             const char          *message,
                             const char          *re)
{
  JsonObject *object;

  g_return_val_if_fail (avanue_protocol_error_to_string (code) != NULL, NULL);

  object = new_answer (AVANUE_MESSAGE_TYPE_ERROR, re);
  json_object_set_string_member (object, "code", avanue_protocol_error_to_string (code));
  json_object_set_string_member (object, "message", message != NULL ? message : "");
  return object;
}

/**
 * avanue_protocol_build_error_from_gerror:
 * @error: an error
 * @re: (nullable): the `id` of the request, whenever it could be read
 *
 * Builds `ERROR` for @error. An %AVANUE_PROTOCOL_ERROR keeps its code and
 * message; any other error becomes %AVANUE_PROTOCOL_ERROR_INTERNAL with a
 * generic message, so that internal details do not reach clients.
 *
 * Returns: (transfer full): a new message
 *
 * Since: 0.1
 */
JsonObject *
avanue_protocol_build_error_from_gerror (const GError *error,
                                         const char   *re)
{
  g_return_val_if_fail (error != NULL, NULL);

  if (error->domain == AVANUE_PROTOCOL_ERROR &&
      avanue_protocol_error_to_string ((AvanueProtocolError) error->code) != NULL)
    {
      g_autofree char *message = g_utf8_make_valid (error->message, -1);

      if (g_utf8_strlen (message, -1) > 1024)
        *g_utf8_offset_to_pointer (message, 1024) = '\0';
      return avanue_protocol_build_error ((AvanueProtocolError) error->code, message, re);
    }
  return avanue_protocol_build_error (AVANUE_PROTOCOL_ERROR_INTERNAL, "internal error", re);
}

/**
 * avanue_protocol_error_from_message:
 * @message: a message from the server
 *
 * Turns an `ERROR` message into a #GError in %AVANUE_PROTOCOL_ERROR with
 * the message's code and text. A code this library does not know becomes
 * %AVANUE_PROTOCOL_ERROR_INTERNAL.
 *
 * Returns: (transfer full) (nullable): the error, or %NULL if @message is
 *   not an `ERROR`
 *
 * Since: 0.1
 */
GError *
avanue_protocol_error_from_message (JsonObject *message)
{
  AvanueProtocolError code = AVANUE_PROTOCOL_ERROR_INTERNAL;
  JsonNode *node;
  const char *text = NULL;

  g_return_val_if_fail (message != NULL, NULL);

  node = json_object_get_member (message, "type");
  if (node == NULL || !node_is_string (node) || !g_str_equal (json_node_get_string (node), "ERROR"))
    return NULL;
  node = json_object_get_member (message, "code");
  if (node != NULL && node_is_string (node))
    avanue_protocol_error_from_string (json_node_get_string (node), &code);
  node = json_object_get_member (message, "message");
  if (node != NULL && node_is_string (node))
    text = json_node_get_string (node);
  if (text == NULL || *text == '\0')
    text = avanue_protocol_error_to_string (code);
  return g_error_new_literal (AVANUE_PROTOCOL_ERROR, code, text);
}
