/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#if !defined(__AVANUE_H_INSIDE__) && !defined(AVANUE_COMPILATION)
#error "Only <avanue.h> can be included directly."
#endif

#include <gio/gio.h>
#include "avanue-version.h"

G_BEGIN_DECLS

/**
 * AVANUE_STUN_HEADER_SIZE:
 *
 * The size in bytes of the fixed STUN message header (RFC 8489 §5).
 */
#define AVANUE_STUN_HEADER_SIZE 20

/**
 * AVANUE_STUN_MAGIC_COOKIE:
 *
 * The magic cookie every RFC 5389/8489 STUN message carries in bytes 4–7.
 */
#define AVANUE_STUN_MAGIC_COOKIE 0x2112A442

/**
 * AVANUE_STUN_TRANSACTION_ID_SIZE:
 *
 * The size in bytes of a STUN transaction ID.
 */
#define AVANUE_STUN_TRANSACTION_ID_SIZE 12

/**
 * AVANUE_STUN_MAX_MESSAGE_SIZE:
 *
 * The largest input [method@Avanue.StunMessage.parse] accepts by default:
 * the header plus the largest length its 16-bit length field can express.
 */
#define AVANUE_STUN_MAX_MESSAGE_SIZE (AVANUE_STUN_HEADER_SIZE + 65535)

/**
 * AVANUE_STUN_MAX_ATTRIBUTES:
 *
 * How many attributes one [class@Avanue.StunMessage] indexes; a message with
 * more is refused with %AVANUE_STUN_ERROR_TOO_MANY_ATTRIBUTES.
 */
#define AVANUE_STUN_MAX_ATTRIBUTES 64

/**
 * AVANUE_STUN_LONG_TERM_KEY_SIZE:
 *
 * The size in bytes of a long-term credential key (an MD5 digest).
 */
#define AVANUE_STUN_LONG_TERM_KEY_SIZE 16

/**
 * AvanueStunError:
 * @AVANUE_STUN_ERROR_FAILED: a failure not covered by another code
 * @AVANUE_STUN_ERROR_TRUNCATED: the input is shorter than its header says
 *   (or shorter than a header)
 * @AVANUE_STUN_ERROR_TOO_LARGE: the input, or a message being built, is
 *   larger than the configured maximum
 * @AVANUE_STUN_ERROR_NOT_STUN: the first two bits are not zero: not a STUN
 *   message (or, for ChannelData, the channel number is out of range)
 * @AVANUE_STUN_ERROR_BAD_MAGIC_COOKIE: the magic cookie is not 0x2112A442
 * @AVANUE_STUN_ERROR_BAD_LENGTH: the length field is not a multiple of 4
 *   or does not match the size of the input
 * @AVANUE_STUN_ERROR_BAD_ATTRIBUTE: an attribute overruns the message, or a
 *   known attribute has a malformed value (wrong length, bad address family,
 *   error code out of range, invalid UTF-8…), or an attribute was added out
 *   of order
 * @AVANUE_STUN_ERROR_TOO_MANY_ATTRIBUTES: more than
 *   %AVANUE_STUN_MAX_ATTRIBUTES attributes
 * @AVANUE_STUN_ERROR_NOT_FOUND: the attribute asked for is absent
 * @AVANUE_STUN_ERROR_BAD_INTEGRITY: MESSAGE-INTEGRITY or
 *   MESSAGE-INTEGRITY-SHA256 does not match the key
 * @AVANUE_STUN_ERROR_BAD_FINGERPRINT: FINGERPRINT does not match the message
 *
 * Errors of the %AVANUE_STUN_ERROR domain.
 */
typedef enum {
  AVANUE_STUN_ERROR_FAILED,
  AVANUE_STUN_ERROR_TRUNCATED,
  AVANUE_STUN_ERROR_TOO_LARGE,
  AVANUE_STUN_ERROR_NOT_STUN,
  AVANUE_STUN_ERROR_BAD_MAGIC_COOKIE,
  AVANUE_STUN_ERROR_BAD_LENGTH,
  AVANUE_STUN_ERROR_BAD_ATTRIBUTE,
  AVANUE_STUN_ERROR_TOO_MANY_ATTRIBUTES,
  AVANUE_STUN_ERROR_NOT_FOUND,
  AVANUE_STUN_ERROR_BAD_INTEGRITY,
  AVANUE_STUN_ERROR_BAD_FINGERPRINT,
} AvanueStunError;

/**
 * AVANUE_STUN_ERROR:
 *
 * The error domain of the STUN codec; codes are [enum@Avanue.StunError].
 */
#define AVANUE_STUN_ERROR (avanue_stun_error_quark ())
AVANUE_AVAILABLE_IN_ALL
GQuark avanue_stun_error_quark (void);

/**
 * AvanueStunClass:
 * @AVANUE_STUN_CLASS_REQUEST: a request
 * @AVANUE_STUN_CLASS_INDICATION: an indication
 * @AVANUE_STUN_CLASS_SUCCESS_RESPONSE: a success response
 * @AVANUE_STUN_CLASS_ERROR_RESPONSE: an error response
 *
 * The class of a STUN message (RFC 8489 §5), encoded in bits C1 and C0 of
 * the message type.
 */
typedef enum {
  AVANUE_STUN_CLASS_REQUEST = 0,
  AVANUE_STUN_CLASS_INDICATION = 1,
  AVANUE_STUN_CLASS_SUCCESS_RESPONSE = 2,
  AVANUE_STUN_CLASS_ERROR_RESPONSE = 3,
} AvanueStunClass;

/**
 * AvanueStunMethod:
 * @AVANUE_STUN_METHOD_BINDING: Binding (RFC 8489)
 * @AVANUE_STUN_METHOD_ALLOCATE: Allocate (RFC 8656)
 * @AVANUE_STUN_METHOD_REFRESH: Refresh (RFC 8656)
 * @AVANUE_STUN_METHOD_SEND: Send, an indication (RFC 8656)
 * @AVANUE_STUN_METHOD_DATA: Data, an indication (RFC 8656)
 * @AVANUE_STUN_METHOD_CREATE_PERMISSION: CreatePermission (RFC 8656)
 * @AVANUE_STUN_METHOD_CHANNEL_BIND: ChannelBind (RFC 8656)
 *
 * The STUN methods Avanue knows by name. Methods are 12-bit numbers; the
 * API takes and returns them as plain integers so that any method can be
 * parsed and built.
 */
typedef enum {
  AVANUE_STUN_METHOD_BINDING = 0x001,
  AVANUE_STUN_METHOD_ALLOCATE = 0x003,
  AVANUE_STUN_METHOD_REFRESH = 0x004,
  AVANUE_STUN_METHOD_SEND = 0x006,
  AVANUE_STUN_METHOD_DATA = 0x007,
  AVANUE_STUN_METHOD_CREATE_PERMISSION = 0x008,
  AVANUE_STUN_METHOD_CHANNEL_BIND = 0x009,
} AvanueStunMethod;

/**
 * AvanueStunAttributeType:
 * @AVANUE_STUN_ATTRIBUTE_MAPPED_ADDRESS: MAPPED-ADDRESS (RFC 8489)
 * @AVANUE_STUN_ATTRIBUTE_USERNAME: USERNAME (RFC 8489)
 * @AVANUE_STUN_ATTRIBUTE_MESSAGE_INTEGRITY: MESSAGE-INTEGRITY, HMAC-SHA1 (RFC 8489)
 * @AVANUE_STUN_ATTRIBUTE_ERROR_CODE: ERROR-CODE (RFC 8489)
 * @AVANUE_STUN_ATTRIBUTE_UNKNOWN_ATTRIBUTES: UNKNOWN-ATTRIBUTES (RFC 8489)
 * @AVANUE_STUN_ATTRIBUTE_CHANNEL_NUMBER: CHANNEL-NUMBER (RFC 8656)
 * @AVANUE_STUN_ATTRIBUTE_LIFETIME: LIFETIME (RFC 8656)
 * @AVANUE_STUN_ATTRIBUTE_XOR_PEER_ADDRESS: XOR-PEER-ADDRESS (RFC 8656)
 * @AVANUE_STUN_ATTRIBUTE_DATA: DATA (RFC 8656)
 * @AVANUE_STUN_ATTRIBUTE_REALM: REALM (RFC 8489)
 * @AVANUE_STUN_ATTRIBUTE_NONCE: NONCE (RFC 8489)
 * @AVANUE_STUN_ATTRIBUTE_XOR_RELAYED_ADDRESS: XOR-RELAYED-ADDRESS (RFC 8656)
 * @AVANUE_STUN_ATTRIBUTE_REQUESTED_ADDRESS_FAMILY: REQUESTED-ADDRESS-FAMILY (RFC 8656)
 * @AVANUE_STUN_ATTRIBUTE_EVEN_PORT: EVEN-PORT (RFC 8656)
 * @AVANUE_STUN_ATTRIBUTE_REQUESTED_TRANSPORT: REQUESTED-TRANSPORT (RFC 8656)
 * @AVANUE_STUN_ATTRIBUTE_DONT_FRAGMENT: DONT-FRAGMENT (RFC 8656)
 * @AVANUE_STUN_ATTRIBUTE_MESSAGE_INTEGRITY_SHA256: MESSAGE-INTEGRITY-SHA256 (RFC 8489)
 * @AVANUE_STUN_ATTRIBUTE_PASSWORD_ALGORITHM: PASSWORD-ALGORITHM (RFC 8489)
 * @AVANUE_STUN_ATTRIBUTE_USERHASH: USERHASH (RFC 8489)
 * @AVANUE_STUN_ATTRIBUTE_XOR_MAPPED_ADDRESS: XOR-MAPPED-ADDRESS (RFC 8489)
 * @AVANUE_STUN_ATTRIBUTE_RESERVATION_TOKEN: RESERVATION-TOKEN (RFC 8656)
 * @AVANUE_STUN_ATTRIBUTE_PRIORITY: PRIORITY (RFC 8445)
 * @AVANUE_STUN_ATTRIBUTE_USE_CANDIDATE: USE-CANDIDATE (RFC 8445)
 * @AVANUE_STUN_ATTRIBUTE_ADDITIONAL_ADDRESS_FAMILY: ADDITIONAL-ADDRESS-FAMILY (RFC 8656)
 * @AVANUE_STUN_ATTRIBUTE_ADDRESS_ERROR_CODE: ADDRESS-ERROR-CODE (RFC 8656)
 * @AVANUE_STUN_ATTRIBUTE_PASSWORD_ALGORITHMS: PASSWORD-ALGORITHMS (RFC 8489)
 * @AVANUE_STUN_ATTRIBUTE_ALTERNATE_DOMAIN: ALTERNATE-DOMAIN (RFC 8489)
 * @AVANUE_STUN_ATTRIBUTE_ICMP: ICMP (RFC 8656)
 * @AVANUE_STUN_ATTRIBUTE_SOFTWARE: SOFTWARE (RFC 8489)
 * @AVANUE_STUN_ATTRIBUTE_ALTERNATE_SERVER: ALTERNATE-SERVER (RFC 8489)
 * @AVANUE_STUN_ATTRIBUTE_FINGERPRINT: FINGERPRINT (RFC 8489)
 * @AVANUE_STUN_ATTRIBUTE_ICE_CONTROLLED: ICE-CONTROLLED (RFC 8445)
 * @AVANUE_STUN_ATTRIBUTE_ICE_CONTROLLING: ICE-CONTROLLING (RFC 8445)
 *
 * The attribute types the codec understands. Types below 0x8000 are
 * comprehension-required: a parsed message lists the ones not in this
 * table in [method@Avanue.StunMessage.get_unknown_attributes]. The API
 * takes attribute types as plain integers, so any type can be read or
 * written.
 */
typedef enum {
  AVANUE_STUN_ATTRIBUTE_MAPPED_ADDRESS = 0x0001,
  AVANUE_STUN_ATTRIBUTE_USERNAME = 0x0006,
  AVANUE_STUN_ATTRIBUTE_MESSAGE_INTEGRITY = 0x0008,
  AVANUE_STUN_ATTRIBUTE_ERROR_CODE = 0x0009,
  AVANUE_STUN_ATTRIBUTE_UNKNOWN_ATTRIBUTES = 0x000A,
  AVANUE_STUN_ATTRIBUTE_CHANNEL_NUMBER = 0x000C,
  AVANUE_STUN_ATTRIBUTE_LIFETIME = 0x000D,
  AVANUE_STUN_ATTRIBUTE_XOR_PEER_ADDRESS = 0x0012,
  AVANUE_STUN_ATTRIBUTE_DATA = 0x0013,
  AVANUE_STUN_ATTRIBUTE_REALM = 0x0014,
  AVANUE_STUN_ATTRIBUTE_NONCE = 0x0015,
  AVANUE_STUN_ATTRIBUTE_XOR_RELAYED_ADDRESS = 0x0016,
  AVANUE_STUN_ATTRIBUTE_REQUESTED_ADDRESS_FAMILY = 0x0017,
  AVANUE_STUN_ATTRIBUTE_EVEN_PORT = 0x0018,
  AVANUE_STUN_ATTRIBUTE_REQUESTED_TRANSPORT = 0x0019,
  AVANUE_STUN_ATTRIBUTE_DONT_FRAGMENT = 0x001A,
  AVANUE_STUN_ATTRIBUTE_MESSAGE_INTEGRITY_SHA256 = 0x001C,
  AVANUE_STUN_ATTRIBUTE_PASSWORD_ALGORITHM = 0x001D,
  AVANUE_STUN_ATTRIBUTE_USERHASH = 0x001E,
  AVANUE_STUN_ATTRIBUTE_XOR_MAPPED_ADDRESS = 0x0020,
  AVANUE_STUN_ATTRIBUTE_RESERVATION_TOKEN = 0x0022,
  AVANUE_STUN_ATTRIBUTE_PRIORITY = 0x0024,
  AVANUE_STUN_ATTRIBUTE_USE_CANDIDATE = 0x0025,
  AVANUE_STUN_ATTRIBUTE_ADDITIONAL_ADDRESS_FAMILY = 0x8000,
  AVANUE_STUN_ATTRIBUTE_ADDRESS_ERROR_CODE = 0x8001,
  AVANUE_STUN_ATTRIBUTE_PASSWORD_ALGORITHMS = 0x8002,
  AVANUE_STUN_ATTRIBUTE_ALTERNATE_DOMAIN = 0x8003,
  AVANUE_STUN_ATTRIBUTE_ICMP = 0x8004,
  AVANUE_STUN_ATTRIBUTE_SOFTWARE = 0x8022,
  AVANUE_STUN_ATTRIBUTE_ALTERNATE_SERVER = 0x8023,
  AVANUE_STUN_ATTRIBUTE_FINGERPRINT = 0x8028,
  AVANUE_STUN_ATTRIBUTE_ICE_CONTROLLED = 0x8029,
  AVANUE_STUN_ATTRIBUTE_ICE_CONTROLLING = 0x802A,
} AvanueStunAttributeType;

/**
 * AvanueStunPacketType:
 * @AVANUE_STUN_PACKET_UNKNOWN: neither STUN nor ChannelData
 * @AVANUE_STUN_PACKET_STUN: a STUN message (first two bits 0b00, magic
 *   cookie present)
 * @AVANUE_STUN_PACKET_CHANNEL_DATA: a TURN ChannelData message (channel
 *   number 0x4000–0x4FFF)
 *
 * What [func@Avanue.stun_classify] saw in the first bytes of a packet.
 */
typedef enum {
  AVANUE_STUN_PACKET_UNKNOWN,
  AVANUE_STUN_PACKET_STUN,
  AVANUE_STUN_PACKET_CHANNEL_DATA,
} AvanueStunPacketType;

#define AVANUE_TYPE_STUN_MESSAGE (avanue_stun_message_get_type ())
AVANUE_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (AvanueStunMessage, avanue_stun_message, AVANUE, STUN_MESSAGE, GObject)

AVANUE_AVAILABLE_IN_ALL
AvanueStunMessage *avanue_stun_message_new (void);

AVANUE_AVAILABLE_IN_ALL
guint avanue_stun_message_get_max_size (AvanueStunMessage *self);
AVANUE_AVAILABLE_IN_ALL
void avanue_stun_message_set_max_size (AvanueStunMessage *self,
                                       guint              max_size);
AVANUE_AVAILABLE_IN_ALL
guint8 avanue_stun_message_get_padding_byte (AvanueStunMessage *self);
AVANUE_AVAILABLE_IN_ALL
void avanue_stun_message_set_padding_byte (AvanueStunMessage *self,
                                           guint8             padding_byte);

/* Parsing */
AVANUE_AVAILABLE_IN_ALL
gboolean avanue_stun_message_parse (AvanueStunMessage *self,
                                    const guint8      *data,
                                    gsize              len,
                                    GError           **error);
AVANUE_AVAILABLE_IN_ALL
gboolean avanue_stun_message_parse_bytes (AvanueStunMessage *self,
                                          GBytes            *bytes,
                                          GError           **error);
AVANUE_AVAILABLE_IN_ALL
gboolean avanue_stun_message_is_valid (AvanueStunMessage *self);

/* Header */
AVANUE_AVAILABLE_IN_ALL
guint avanue_stun_message_get_method (AvanueStunMessage *self);
AVANUE_AVAILABLE_IN_ALL
AvanueStunClass avanue_stun_message_get_message_class (AvanueStunMessage *self);
AVANUE_AVAILABLE_IN_ALL
const guint8 *avanue_stun_message_get_transaction_id (AvanueStunMessage *self);

/* Attributes */
AVANUE_AVAILABLE_IN_ALL
guint avanue_stun_message_get_n_attributes (AvanueStunMessage *self);
AVANUE_AVAILABLE_IN_ALL
guint avanue_stun_message_get_attribute_type (AvanueStunMessage *self,
                                              guint              index);
AVANUE_AVAILABLE_IN_ALL
const guint8 *avanue_stun_message_get_attribute_at (AvanueStunMessage *self,
                                                    guint              index,
                                                    gsize             *out_len);
AVANUE_AVAILABLE_IN_ALL
gboolean avanue_stun_message_has_attribute (AvanueStunMessage *self,
                                            guint              type);
AVANUE_AVAILABLE_IN_ALL
const guint8 *avanue_stun_message_get_attribute (AvanueStunMessage *self,
                                                 guint              type,
                                                 gsize             *out_len);
AVANUE_AVAILABLE_IN_ALL
gboolean avanue_stun_message_get_uint32 (AvanueStunMessage *self,
                                         guint              type,
                                         guint32           *out_value,
                                         GError           **error);
AVANUE_AVAILABLE_IN_ALL
gboolean avanue_stun_message_get_uint64 (AvanueStunMessage *self,
                                         guint              type,
                                         guint64           *out_value,
                                         GError           **error);
AVANUE_AVAILABLE_IN_ALL
char *avanue_stun_message_get_string (AvanueStunMessage *self,
                                      guint              type,
                                      GError           **error);
AVANUE_AVAILABLE_IN_ALL
gboolean avanue_stun_message_get_error_code (AvanueStunMessage *self,
                                             guint             *out_code,
                                             char             **out_reason,
                                             GError           **error);
AVANUE_AVAILABLE_IN_ALL
GInetSocketAddress *avanue_stun_message_get_address (AvanueStunMessage *self,
                                                     guint              type,
                                                     GError           **error);
AVANUE_AVAILABLE_IN_ALL
GInetSocketAddress *avanue_stun_message_get_xor_address (AvanueStunMessage *self,
                                                         guint              type,
                                                         GError           **error);
AVANUE_AVAILABLE_IN_ALL
const guint16 *avanue_stun_message_get_unknown_attributes (AvanueStunMessage *self,
                                                           gsize             *n_types);

/* Authentication */
AVANUE_AVAILABLE_IN_ALL
gboolean avanue_stun_message_check_integrity (AvanueStunMessage *self,
                                              const guint8      *key,
                                              gsize              key_len,
                                              GError           **error);
AVANUE_AVAILABLE_IN_ALL
gboolean avanue_stun_message_check_integrity_sha256 (AvanueStunMessage *self,
                                                     const guint8      *key,
                                                     gsize              key_len,
                                                     GError           **error);
AVANUE_AVAILABLE_IN_ALL
gboolean avanue_stun_message_check_fingerprint (AvanueStunMessage *self,
                                                GError           **error);
AVANUE_AVAILABLE_IN_ALL
GBytes *avanue_stun_compute_long_term_key (const char *username,
                                           const char *realm,
                                           const char *password);

/* Building */
AVANUE_AVAILABLE_IN_ALL
void avanue_stun_message_start (AvanueStunMessage *self,
                                guint              method,
                                AvanueStunClass    message_class,
                                const guint8      *transaction_id);
AVANUE_AVAILABLE_IN_ALL
gboolean avanue_stun_message_start_response (AvanueStunMessage *self,
                                             AvanueStunMessage *request,
                                             gboolean           success,
                                             GError           **error);
AVANUE_AVAILABLE_IN_ALL
gboolean avanue_stun_message_add_attribute (AvanueStunMessage *self,
                                            guint              type,
                                            const guint8      *value,
                                            gsize              value_len,
                                            GError           **error);
AVANUE_AVAILABLE_IN_ALL
gboolean avanue_stun_message_add_uint32 (AvanueStunMessage *self,
                                         guint              type,
                                         guint32            value,
                                         GError           **error);
AVANUE_AVAILABLE_IN_ALL
gboolean avanue_stun_message_add_uint64 (AvanueStunMessage *self,
                                         guint              type,
                                         guint64            value,
                                         GError           **error);
AVANUE_AVAILABLE_IN_ALL
gboolean avanue_stun_message_add_string (AvanueStunMessage *self,
                                         guint              type,
                                         const char        *value,
                                         GError           **error);
AVANUE_AVAILABLE_IN_ALL
gboolean avanue_stun_message_add_error_code (AvanueStunMessage *self,
                                             guint              code,
                                             const char        *reason,
                                             GError           **error);
AVANUE_AVAILABLE_IN_ALL
gboolean avanue_stun_message_add_unknown_attributes (AvanueStunMessage *self,
                                                     const guint16     *types,
                                                     gsize              n_types,
                                                     GError           **error);
AVANUE_AVAILABLE_IN_ALL
gboolean avanue_stun_message_add_address (AvanueStunMessage  *self,
                                          guint               type,
                                          GInetSocketAddress *address,
                                          GError            **error);
AVANUE_AVAILABLE_IN_ALL
gboolean avanue_stun_message_add_xor_address (AvanueStunMessage  *self,
                                              guint               type,
                                              GInetSocketAddress *address,
                                              GError            **error);
AVANUE_AVAILABLE_IN_ALL
gboolean avanue_stun_message_add_message_integrity (AvanueStunMessage *self,
                                                    const guint8      *key,
                                                    gsize              key_len,
                                                    GError           **error);
AVANUE_AVAILABLE_IN_ALL
gboolean avanue_stun_message_add_message_integrity_sha256 (AvanueStunMessage *self,
                                                           const guint8      *key,
                                                           gsize              key_len,
                                                           GError           **error);
AVANUE_AVAILABLE_IN_ALL
gboolean avanue_stun_message_add_fingerprint (AvanueStunMessage *self,
                                              GError           **error);

/* Output */
AVANUE_AVAILABLE_IN_ALL
const guint8 *avanue_stun_message_get_data (AvanueStunMessage *self,
                                            gsize             *out_len);
AVANUE_AVAILABLE_IN_ALL
GBytes *avanue_stun_message_to_bytes (AvanueStunMessage *self);

/* Demultiplexing (TURN) */
AVANUE_AVAILABLE_IN_ALL
AvanueStunPacketType avanue_stun_classify (const guint8 *data,
                                           gsize         len);
AVANUE_AVAILABLE_IN_ALL
gboolean avanue_stun_parse_channel_data (const guint8 *data,
                                         gsize         len,
                                         guint16      *out_channel,
                                         gsize        *out_payload_len,
                                         GError      **error);
AVANUE_AVAILABLE_IN_ALL
gboolean avanue_stun_peek_frame_length (const guint8 *data,
                                        gsize         len,
                                        gsize        *out_frame_len,
                                        GError      **error);

G_END_DECLS
