/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#if !defined(__AVANUE_H_INSIDE__) && !defined(AVANUE_COMPILATION)
#error "Only <avanue.h> can be included directly."
#endif

#include <glib-object.h>
#include <json-glib/json-glib.h>
#include "avanue-version.h"
#include "avanue-capabilities.h"

G_BEGIN_DECLS

/**
 * AVANUE_PROTOCOL_VERSION:
 *
 * The version of the signaling protocol this library speaks; the server
 * announces it in the `protocol` field of `CONNECTED`.
 *
 * Since: 0.1
 */
#define AVANUE_PROTOCOL_VERSION 1

/**
 * AVANUE_PROTOCOL_MAX_ID_LENGTH:
 *
 * The longest `id` (and `re`) a message may carry, in characters.
 *
 * Since: 0.1
 */
#define AVANUE_PROTOCOL_MAX_ID_LENGTH 64

/**
 * AVANUE_PROTOCOL_MAX_DEPTH:
 *
 * How deeply objects and arrays may nest in one message (the top-level
 * object counts as one).
 *
 * Since: 0.1
 */
#define AVANUE_PROTOCOL_MAX_DEPTH 32

/**
 * AVANUE_PROTOCOL_ERROR:
 *
 * The error domain of the signaling protocol; its codes are
 * [enum@Avanue.ProtocolError].
 *
 * Since: 0.1
 */
#define AVANUE_PROTOCOL_ERROR (avanue_protocol_error_quark ())
AVANUE_AVAILABLE_IN_ALL
GQuark avanue_protocol_error_quark (void);

/**
 * AvanueProtocolError:
 * @AVANUE_PROTOCOL_ERROR_BAD_REQUEST: the message is malformed: invalid JSON,
 *   a missing field, a field of the wrong type or value
 * @AVANUE_PROTOCOL_ERROR_UNSUPPORTED_TYPE: the message type is unknown, or not
 *   one this side accepts
 * @AVANUE_PROTOCOL_ERROR_TOO_LARGE: the frame, an `sdp`, a `candidate` or a
 *   `payload` is over its limit
 * @AVANUE_PROTOCOL_ERROR_RATE_LIMITED: too many messages
 * @AVANUE_PROTOCOL_ERROR_NOT_REGISTERED: the first message must be
 *   `REGISTER_DEVICE`
 * @AVANUE_PROTOCOL_ERROR_BAD_SIGNATURE: the registration signature does not
 *   verify
 * @AVANUE_PROTOCOL_ERROR_DEVICE_BLOCKED: the device is blocked
 * @AVANUE_PROTOCOL_ERROR_LICENSE_REQUIRED: creating a session needs a licence
 * @AVANUE_PROTOCOL_ERROR_LICENSE_EXPIRED: the licence expired or was revoked
 * @AVANUE_PROTOCOL_ERROR_SESSION_NOT_FOUND: no such session or invite code
 * @AVANUE_PROTOCOL_ERROR_SESSION_FULL: the session has its maximum of peers
 * @AVANUE_PROTOCOL_ERROR_SESSION_ENDED: the session has ended
 * @AVANUE_PROTOCOL_ERROR_NOT_IN_SESSION: the sender is not in the session
 * @AVANUE_PROTOCOL_ERROR_PEER_NOT_FOUND: the target is not in the session
 * @AVANUE_PROTOCOL_ERROR_FORBIDDEN: only the host may do this
 * @AVANUE_PROTOCOL_ERROR_TURN_UNAVAILABLE: the session's tier has no relay
 * @AVANUE_PROTOCOL_ERROR_INTERNAL: the server failed
 *
 * The error codes of the signaling protocol (DESIGN §5). On the wire they
 * are the `code` of an `ERROR` message, spelled as the names above without
 * the prefix (`"BAD_REQUEST"`); see [func@Avanue.ProtocolError.to_string].
 *
 * Since: 0.1
 */
typedef enum {
  AVANUE_PROTOCOL_ERROR_BAD_REQUEST,
  AVANUE_PROTOCOL_ERROR_UNSUPPORTED_TYPE,
  AVANUE_PROTOCOL_ERROR_TOO_LARGE,
  AVANUE_PROTOCOL_ERROR_RATE_LIMITED,
  AVANUE_PROTOCOL_ERROR_NOT_REGISTERED,
  AVANUE_PROTOCOL_ERROR_BAD_SIGNATURE,
  AVANUE_PROTOCOL_ERROR_DEVICE_BLOCKED,
  AVANUE_PROTOCOL_ERROR_LICENSE_REQUIRED,
  AVANUE_PROTOCOL_ERROR_LICENSE_EXPIRED,
  AVANUE_PROTOCOL_ERROR_SESSION_NOT_FOUND,
  AVANUE_PROTOCOL_ERROR_SESSION_FULL,
  AVANUE_PROTOCOL_ERROR_SESSION_ENDED,
  AVANUE_PROTOCOL_ERROR_NOT_IN_SESSION,
  AVANUE_PROTOCOL_ERROR_PEER_NOT_FOUND,
  AVANUE_PROTOCOL_ERROR_FORBIDDEN,
  AVANUE_PROTOCOL_ERROR_TURN_UNAVAILABLE,
  AVANUE_PROTOCOL_ERROR_INTERNAL,
} AvanueProtocolError;

AVANUE_AVAILABLE_IN_ALL
const char *avanue_protocol_error_to_string     (AvanueProtocolError   code);
AVANUE_AVAILABLE_IN_ALL
gboolean    avanue_protocol_error_from_string   (const char           *str,
                                                 AvanueProtocolError  *out_code);
AVANUE_AVAILABLE_IN_ALL
GError     *avanue_protocol_error_from_message  (JsonObject           *message);

/**
 * AvanueMessageDirection:
 * @AVANUE_MESSAGE_DIRECTION_CLIENT_TO_SERVER: sent by a client to avanued
 * @AVANUE_MESSAGE_DIRECTION_SERVER_TO_CLIENT: sent by avanued to a client
 *
 * Which way a message travels. A few types (`SDP_OFFER`, `SDP_ANSWER`,
 * `ICE_CANDIDATE`, `APP_MESSAGE`, `ENCRYPTED_MESSAGE`) travel both ways:
 * a client sends them with `toFingerprint`, the server forwards them with
 * `fromFingerprint`; each direction has its own schema.
 *
 * [func@Avanue.MessageType.get_directions] returns both flags for those;
 * functions that validate a message take exactly one.
 *
 * Since: 0.1
 */
typedef enum {
  AVANUE_MESSAGE_DIRECTION_CLIENT_TO_SERVER = 1 << 0,
  AVANUE_MESSAGE_DIRECTION_SERVER_TO_CLIENT = 1 << 1,
} AvanueMessageDirection;

/**
 * AvanueMessageType:
 * @AVANUE_MESSAGE_TYPE_UNKNOWN: not a type of the protocol
 * @AVANUE_MESSAGE_TYPE_REGISTER_DEVICE: client → server
 * @AVANUE_MESSAGE_TYPE_PING: client → server
 * @AVANUE_MESSAGE_TYPE_CREATE_SESSION: client → server
 * @AVANUE_MESSAGE_TYPE_JOIN_SESSION: client → server
 * @AVANUE_MESSAGE_TYPE_REJOIN_SESSION: client → server
 * @AVANUE_MESSAGE_TYPE_LEAVE_SESSION: client → server
 * @AVANUE_MESSAGE_TYPE_END_SESSION: client → server
 * @AVANUE_MESSAGE_TYPE_SDP_OFFER: both ways (forwarded)
 * @AVANUE_MESSAGE_TYPE_SDP_ANSWER: both ways (forwarded)
 * @AVANUE_MESSAGE_TYPE_ICE_CANDIDATE: both ways (forwarded)
 * @AVANUE_MESSAGE_TYPE_APP_MESSAGE: both ways (forwarded)
 * @AVANUE_MESSAGE_TYPE_CAPABILITY_UPDATE: client → server
 * @AVANUE_MESSAGE_TYPE_REQUEST_TURN: client → server
 * @AVANUE_MESSAGE_TYPE_REPORT_STATS: client → server
 * @AVANUE_MESSAGE_TYPE_PAIR_REQUEST: client → server
 * @AVANUE_MESSAGE_TYPE_PAIR_ACCEPT: client → server
 * @AVANUE_MESSAGE_TYPE_PAIR_REJECT: client → server
 * @AVANUE_MESSAGE_TYPE_REGISTER_PUSH: client → server
 * @AVANUE_MESSAGE_TYPE_PUBLISH_KEYS: client → server
 * @AVANUE_MESSAGE_TYPE_FETCH_KEYS: client → server
 * @AVANUE_MESSAGE_TYPE_ENCRYPTED_MESSAGE: both ways (stored and delivered)
 * @AVANUE_MESSAGE_TYPE_MESSAGE_ACK: client → server
 * @AVANUE_MESSAGE_TYPE_CONNECTED: server → client
 * @AVANUE_MESSAGE_TYPE_PONG: server → client
 * @AVANUE_MESSAGE_TYPE_DEVICE_REGISTERED: server → client
 * @AVANUE_MESSAGE_TYPE_SESSION_CREATED: server → client
 * @AVANUE_MESSAGE_TYPE_SESSION_JOINED: server → client
 * @AVANUE_MESSAGE_TYPE_SESSION_REJOINED: server → client
 * @AVANUE_MESSAGE_TYPE_SESSION_LEFT: server → client
 * @AVANUE_MESSAGE_TYPE_SESSION_ENDED: server → client
 * @AVANUE_MESSAGE_TYPE_PARTICIPANT_JOINED: server → client
 * @AVANUE_MESSAGE_TYPE_PARTICIPANT_OFFLINE: server → client
 * @AVANUE_MESSAGE_TYPE_PARTICIPANT_LEFT: server → client
 * @AVANUE_MESSAGE_TYPE_HUB_ELECTED: server → client
 * @AVANUE_MESSAGE_TYPE_ROLE_CHANGED: server → client
 * @AVANUE_MESSAGE_TYPE_TURN_CREDENTIALS: server → client
 * @AVANUE_MESSAGE_TYPE_PAIR_REQUESTED: server → client
 * @AVANUE_MESSAGE_TYPE_PAIR_ESTABLISHED: server → client
 * @AVANUE_MESSAGE_TYPE_PAIR_REJECTED: server → client
 * @AVANUE_MESSAGE_TYPE_PUSH_REGISTERED: server → client
 * @AVANUE_MESSAGE_TYPE_KEYS_PUBLISHED: server → client
 * @AVANUE_MESSAGE_TYPE_KEY_BUNDLE: server → client
 * @AVANUE_MESSAGE_TYPE_MESSAGE_ACCEPTED: server → client
 * @AVANUE_MESSAGE_TYPE_ERROR: server → client
 *
 * Every message type of the signaling protocol (DESIGN §5). The wire name
 * is the name above without the prefix; see
 * [func@Avanue.MessageType.to_string] and
 * [func@Avanue.MessageType.get_directions].
 *
 * Since: 0.1
 */
typedef enum {
  AVANUE_MESSAGE_TYPE_UNKNOWN = 0,
  /* client → server (some also forwarded server → client) */
  AVANUE_MESSAGE_TYPE_REGISTER_DEVICE,
  AVANUE_MESSAGE_TYPE_PING,
  AVANUE_MESSAGE_TYPE_CREATE_SESSION,
  AVANUE_MESSAGE_TYPE_JOIN_SESSION,
  AVANUE_MESSAGE_TYPE_REJOIN_SESSION,
  AVANUE_MESSAGE_TYPE_LEAVE_SESSION,
  AVANUE_MESSAGE_TYPE_END_SESSION,
  AVANUE_MESSAGE_TYPE_SDP_OFFER,
  AVANUE_MESSAGE_TYPE_SDP_ANSWER,
  AVANUE_MESSAGE_TYPE_ICE_CANDIDATE,
  AVANUE_MESSAGE_TYPE_APP_MESSAGE,
  AVANUE_MESSAGE_TYPE_CAPABILITY_UPDATE,
  AVANUE_MESSAGE_TYPE_REQUEST_TURN,
  AVANUE_MESSAGE_TYPE_REPORT_STATS,
  AVANUE_MESSAGE_TYPE_PAIR_REQUEST,
  AVANUE_MESSAGE_TYPE_PAIR_ACCEPT,
  AVANUE_MESSAGE_TYPE_PAIR_REJECT,
  AVANUE_MESSAGE_TYPE_REGISTER_PUSH,
  AVANUE_MESSAGE_TYPE_PUBLISH_KEYS,
  AVANUE_MESSAGE_TYPE_FETCH_KEYS,
  AVANUE_MESSAGE_TYPE_ENCRYPTED_MESSAGE,
  AVANUE_MESSAGE_TYPE_MESSAGE_ACK,
  /* server → client */
  AVANUE_MESSAGE_TYPE_CONNECTED,
  AVANUE_MESSAGE_TYPE_PONG,
  AVANUE_MESSAGE_TYPE_DEVICE_REGISTERED,
  AVANUE_MESSAGE_TYPE_SESSION_CREATED,
  AVANUE_MESSAGE_TYPE_SESSION_JOINED,
  AVANUE_MESSAGE_TYPE_SESSION_REJOINED,
  AVANUE_MESSAGE_TYPE_SESSION_LEFT,
  AVANUE_MESSAGE_TYPE_SESSION_ENDED,
  AVANUE_MESSAGE_TYPE_PARTICIPANT_JOINED,
  AVANUE_MESSAGE_TYPE_PARTICIPANT_OFFLINE,
  AVANUE_MESSAGE_TYPE_PARTICIPANT_LEFT,
  AVANUE_MESSAGE_TYPE_HUB_ELECTED,
  AVANUE_MESSAGE_TYPE_ROLE_CHANGED,
  AVANUE_MESSAGE_TYPE_TURN_CREDENTIALS,
  AVANUE_MESSAGE_TYPE_PAIR_REQUESTED,
  AVANUE_MESSAGE_TYPE_PAIR_ESTABLISHED,
  AVANUE_MESSAGE_TYPE_PAIR_REJECTED,
  AVANUE_MESSAGE_TYPE_PUSH_REGISTERED,
  AVANUE_MESSAGE_TYPE_KEYS_PUBLISHED,
  AVANUE_MESSAGE_TYPE_KEY_BUNDLE,
  AVANUE_MESSAGE_TYPE_MESSAGE_ACCEPTED,
  AVANUE_MESSAGE_TYPE_ERROR,
} AvanueMessageType;

AVANUE_AVAILABLE_IN_ALL
const char            *avanue_message_type_to_string      (AvanueMessageType type);
AVANUE_AVAILABLE_IN_ALL
AvanueMessageType      avanue_message_type_from_string    (const char       *str);
AVANUE_AVAILABLE_IN_ALL
AvanueMessageDirection avanue_message_type_get_directions (AvanueMessageType type);

#define AVANUE_TYPE_PROTOCOL (avanue_protocol_get_type ())
AVANUE_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (AvanueProtocol, avanue_protocol, AVANUE, PROTOCOL, GObject)

AVANUE_AVAILABLE_IN_ALL
AvanueProtocol *avanue_protocol_new (void);

AVANUE_AVAILABLE_IN_ALL
guint    avanue_protocol_get_max_frame_bytes     (AvanueProtocol *self);
AVANUE_AVAILABLE_IN_ALL
void     avanue_protocol_set_max_frame_bytes     (AvanueProtocol *self,
                                                  guint           max_frame_bytes);
AVANUE_AVAILABLE_IN_ALL
guint    avanue_protocol_get_max_sdp_bytes       (AvanueProtocol *self);
AVANUE_AVAILABLE_IN_ALL
void     avanue_protocol_set_max_sdp_bytes       (AvanueProtocol *self,
                                                  guint           max_sdp_bytes);
AVANUE_AVAILABLE_IN_ALL
guint    avanue_protocol_get_max_candidate_bytes (AvanueProtocol *self);
AVANUE_AVAILABLE_IN_ALL
void     avanue_protocol_set_max_candidate_bytes (AvanueProtocol *self,
                                                  guint           max_candidate_bytes);
AVANUE_AVAILABLE_IN_ALL
guint    avanue_protocol_get_max_payload_bytes   (AvanueProtocol *self);
AVANUE_AVAILABLE_IN_ALL
void     avanue_protocol_set_max_payload_bytes   (AvanueProtocol *self,
                                                  guint           max_payload_bytes);

/* Validation */
AVANUE_AVAILABLE_IN_ALL
JsonObject *avanue_protocol_parse                 (AvanueProtocol         *self,
                                                   const char             *text,
                                                   gssize                  length,
                                                   AvanueMessageType      *out_type,
                                                   char                  **out_id,
                                                   GError                **error);
AVANUE_AVAILABLE_IN_ALL
JsonObject *avanue_protocol_parse_server_message  (AvanueProtocol         *self,
                                                   const char             *text,
                                                   gssize                  length,
                                                   AvanueMessageType      *out_type,
                                                   char                  **out_re,
                                                   GError                **error);
AVANUE_AVAILABLE_IN_ALL
JsonObject *avanue_protocol_parse_message         (AvanueProtocol         *self,
                                                   const char             *text,
                                                   gssize                  length,
                                                   AvanueMessageDirection  direction,
                                                   AvanueMessageType      *out_type,
                                                   char                  **out_ref,
                                                   GError                **error);
AVANUE_AVAILABLE_IN_ALL
gboolean    avanue_protocol_validate              (AvanueProtocol         *self,
                                                   JsonObject             *message,
                                                   AvanueMessageDirection  direction,
                                                   AvanueMessageType      *out_type,
                                                   GError                **error);
AVANUE_AVAILABLE_IN_ALL
gboolean    avanue_protocol_is_valid_fingerprint  (const char             *fingerprint);

/* Serialisation */
AVANUE_AVAILABLE_IN_ALL
char       *avanue_protocol_to_text               (JsonObject             *message);

/* Builders: generic */
AVANUE_AVAILABLE_IN_ALL
JsonObject *avanue_protocol_build                 (AvanueMessageType       type,
                                                   const char             *id);
AVANUE_AVAILABLE_IN_ALL
JsonObject *avanue_protocol_build_forward         (JsonObject             *request,
                                                   const char             *from_fingerprint,
                                                   gint64                  timestamp_ms);

/* Builders: parts of messages */
AVANUE_AVAILABLE_IN_ALL
JsonObject *avanue_protocol_build_participant     (const char             *fingerprint,
                                                   const char             *device_name,
                                                   AvanuePlatform          platform,
                                                   AvanueDeviceType        device_type,
                                                   const char             *role,
                                                   const char             *topology_role,
                                                   gboolean                is_licensed,
                                                   double                  capability_score,
                                                   gboolean                online,
                                                   gint64                  joined_at_ms);
AVANUE_AVAILABLE_IN_ALL
JsonObject *avanue_protocol_build_limits          (const char             *tier,
                                                   guint                   max_peers,
                                                   guint                   max_duration_seconds,
                                                   gboolean                turn_allowed,
                                                   gint64                  expires_at_ms);
AVANUE_AVAILABLE_IN_ALL
JsonObject *avanue_protocol_build_turn_credentials_object (const char        *username,
                                                   const char             *password,
                                                   const char * const     *urls,
                                                   guint                   ttl_seconds);
AVANUE_AVAILABLE_IN_ALL
JsonObject *avanue_protocol_build_one_time_pre_key (guint32                key_id,
                                                   const char             *public_key);

/* Builders: client → server */
AVANUE_AVAILABLE_IN_ALL
JsonObject *avanue_protocol_build_register_device (const char             *id,
                                                   const char             *fingerprint,
                                                   const char             *public_key,
                                                   const char             *signature,
                                                   const char             *device_name,
                                                   AvanuePlatform          platform,
                                                   AvanueDeviceType        device_type);
AVANUE_AVAILABLE_IN_ALL
JsonObject *avanue_protocol_build_ping            (const char             *id);
AVANUE_AVAILABLE_IN_ALL
JsonObject *avanue_protocol_build_create_session  (const char             *id,
                                                   const char             *license_token,
                                                   const char             *session_type,
                                                   AvanueCapabilities     *capabilities);
AVANUE_AVAILABLE_IN_ALL
JsonObject *avanue_protocol_build_join_session    (const char             *id,
                                                   const char             *invite_code,
                                                   AvanueCapabilities     *capabilities);
AVANUE_AVAILABLE_IN_ALL
JsonObject *avanue_protocol_build_rejoin_session  (const char             *id,
                                                   const char             *session_id,
                                                   AvanueCapabilities     *capabilities);
AVANUE_AVAILABLE_IN_ALL
JsonObject *avanue_protocol_build_leave_session   (const char             *id,
                                                   const char             *session_id);
AVANUE_AVAILABLE_IN_ALL
JsonObject *avanue_protocol_build_end_session     (const char             *id,
                                                   const char             *session_id);
AVANUE_AVAILABLE_IN_ALL
JsonObject *avanue_protocol_build_sdp_offer       (const char             *id,
                                                   const char             *session_id,
                                                   const char             *to_fingerprint,
                                                   const char             *sdp);
AVANUE_AVAILABLE_IN_ALL
JsonObject *avanue_protocol_build_sdp_answer      (const char             *id,
                                                   const char             *session_id,
                                                   const char             *to_fingerprint,
                                                   const char             *sdp);
AVANUE_AVAILABLE_IN_ALL
JsonObject *avanue_protocol_build_ice_candidate   (const char             *id,
                                                   const char             *session_id,
                                                   const char             *to_fingerprint,
                                                   const char             *candidate,
                                                   const char             *sdp_mid,
                                                   int                     sdp_mline_index);
AVANUE_AVAILABLE_IN_ALL
JsonObject *avanue_protocol_build_app_message     (const char             *id,
                                                   const char             *session_id,
                                                   const char             *to_fingerprint,
                                                   JsonObject             *payload);
AVANUE_AVAILABLE_IN_ALL
JsonObject *avanue_protocol_build_capability_update (const char           *id,
                                                   const char             *session_id,
                                                   AvanueCapabilities     *capabilities);
AVANUE_AVAILABLE_IN_ALL
JsonObject *avanue_protocol_build_request_turn    (const char             *id,
                                                   const char             *session_id);
AVANUE_AVAILABLE_IN_ALL
JsonObject *avanue_protocol_build_report_stats    (const char             *id,
                                                   const char             *session_id,
                                                   double                  avg_latency_ms,
                                                   double                  avg_packet_loss_percent,
                                                   const char             *nat_type,
                                                   const char             *candidate_type);
AVANUE_AVAILABLE_IN_ALL
JsonObject *avanue_protocol_build_pair_request    (const char             *id,
                                                   const char             *target_fingerprint);
AVANUE_AVAILABLE_IN_ALL
JsonObject *avanue_protocol_build_pair_accept     (const char             *id,
                                                   const char             *request_id);
AVANUE_AVAILABLE_IN_ALL
JsonObject *avanue_protocol_build_pair_reject     (const char             *id,
                                                   const char             *request_id);
AVANUE_AVAILABLE_IN_ALL
JsonObject *avanue_protocol_build_register_push   (const char             *id,
                                                   AvanuePlatform          platform,
                                                   const char             *token,
                                                   const char             *endpoint);
AVANUE_AVAILABLE_IN_ALL
JsonObject *avanue_protocol_build_publish_keys    (const char             *id,
                                                   const char             *identity_key,
                                                   const char             *signed_pre_key,
                                                   const char             *pre_key_signature,
                                                   JsonArray              *one_time_pre_keys);
AVANUE_AVAILABLE_IN_ALL
JsonObject *avanue_protocol_build_fetch_keys      (const char             *id,
                                                   const char             *fingerprint);
AVANUE_AVAILABLE_IN_ALL
JsonObject *avanue_protocol_build_encrypted_message (const char           *id,
                                                   const char             *to_fingerprint,
                                                   const char             *message_id,
                                                   const char             *payload);
AVANUE_AVAILABLE_IN_ALL
JsonObject *avanue_protocol_build_message_ack     (const char             *id,
                                                   const char             *message_id);

/* Builders: server → client */
AVANUE_AVAILABLE_IN_ALL
JsonObject *avanue_protocol_build_connected       (const char             *client_id,
                                                   const char             *server,
                                                   const char             *nonce,
                                                   guint                   heartbeat_seconds);
AVANUE_AVAILABLE_IN_ALL
JsonObject *avanue_protocol_build_pong            (const char             *re,
                                                   gint64                  timestamp_ms);
AVANUE_AVAILABLE_IN_ALL
JsonObject *avanue_protocol_build_device_registered (const char           *re,
                                                   const char             *device_id,
                                                   const char             *fingerprint,
                                                   guint                   pending_messages);
AVANUE_AVAILABLE_IN_ALL
JsonObject *avanue_protocol_build_session_created (const char             *re,
                                                   const char             *session_id,
                                                   const char             *invite_code,
                                                   const char             *session_type,
                                                   const char             *hub_fingerprint,
                                                   JsonObject             *limits,
                                                   JsonObject             *turn_credentials);
AVANUE_AVAILABLE_IN_ALL
JsonObject *avanue_protocol_build_session_joined  (const char             *re,
                                                   const char             *session_id,
                                                   const char             *session_type,
                                                   JsonArray              *participants,
                                                   const char             *hub_fingerprint,
                                                   JsonObject             *limits,
                                                   JsonObject             *turn_credentials);
AVANUE_AVAILABLE_IN_ALL
JsonObject *avanue_protocol_build_session_rejoined (const char            *re,
                                                   const char             *session_id,
                                                   const char             *session_type,
                                                   JsonArray              *participants,
                                                   const char             *hub_fingerprint,
                                                   JsonObject             *limits,
                                                   JsonObject             *turn_credentials,
                                                   JsonArray              *missed_events);
AVANUE_AVAILABLE_IN_ALL
JsonObject *avanue_protocol_build_session_left    (const char             *re,
                                                   const char             *session_id);
AVANUE_AVAILABLE_IN_ALL
JsonObject *avanue_protocol_build_session_ended   (const char             *re,
                                                   const char             *session_id,
                                                   const char             *reason);
AVANUE_AVAILABLE_IN_ALL
JsonObject *avanue_protocol_build_participant_joined (const char          *session_id,
                                                   JsonObject             *participant);
AVANUE_AVAILABLE_IN_ALL
JsonObject *avanue_protocol_build_participant_offline (const char         *session_id,
                                                   const char             *fingerprint);
AVANUE_AVAILABLE_IN_ALL
JsonObject *avanue_protocol_build_participant_left (const char            *session_id,
                                                   const char             *fingerprint,
                                                   const char             *reason);
AVANUE_AVAILABLE_IN_ALL
JsonObject *avanue_protocol_build_hub_elected     (const char             *session_id,
                                                   const char             *hub_fingerprint,
                                                   const char             *reason);
AVANUE_AVAILABLE_IN_ALL
JsonObject *avanue_protocol_build_role_changed    (const char             *session_id,
                                                   const char             *fingerprint,
                                                   const char             *old_role,
                                                   const char             *new_role);
AVANUE_AVAILABLE_IN_ALL
JsonObject *avanue_protocol_build_turn_credentials (const char            *re,
                                                   const char             *username,
                                                   const char             *password,
                                                   const char * const     *urls,
                                                   guint                   ttl_seconds);
AVANUE_AVAILABLE_IN_ALL
JsonObject *avanue_protocol_build_pair_requested  (const char             *from_fingerprint,
                                                   const char             *from_device_name,
                                                   const char             *request_id);
AVANUE_AVAILABLE_IN_ALL
JsonObject *avanue_protocol_build_pair_established (const char            *re,
                                                   const char             *pairing_id,
                                                   const char             *peer_fingerprint,
                                                   const char             *secret);
AVANUE_AVAILABLE_IN_ALL
JsonObject *avanue_protocol_build_pair_rejected   (const char             *request_id);
AVANUE_AVAILABLE_IN_ALL
JsonObject *avanue_protocol_build_push_registered (const char             *re);
AVANUE_AVAILABLE_IN_ALL
JsonObject *avanue_protocol_build_keys_published  (const char             *re,
                                                   guint                   one_time_pre_keys_available);
AVANUE_AVAILABLE_IN_ALL
JsonObject *avanue_protocol_build_key_bundle      (const char             *re,
                                                   const char             *fingerprint,
                                                   const char             *identity_key,
                                                   const char             *signed_pre_key,
                                                   const char             *pre_key_signature,
                                                   JsonObject             *one_time_pre_key);
AVANUE_AVAILABLE_IN_ALL
JsonObject *avanue_protocol_build_message_accepted (const char            *re,
                                                   const char             *message_id,
                                                   gboolean                stored);
AVANUE_AVAILABLE_IN_ALL
JsonObject *avanue_protocol_build_encrypted_message_delivery (const char  *from_fingerprint,
                                                   const char             *message_id,
                                                   const char             *payload,
                                                   gint64                  timestamp_ms);
AVANUE_AVAILABLE_IN_ALL
JsonObject *avanue_protocol_build_error           (AvanueProtocolError     code,
                                                   const char             *message,
                                                   const char             *re);
AVANUE_AVAILABLE_IN_ALL
JsonObject *avanue_protocol_build_error_from_gerror (const GError         *error,
                                                   const char             *re);

G_END_DECLS
