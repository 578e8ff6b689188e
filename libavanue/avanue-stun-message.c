/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <gnutls/crypto.h>
#include <netinet/in.h>
#include <string.h>

#include "avanue-stun-message-private.h"
#include "avanue-stun-message.h"

/**
 * AvanueStunMessage:
 *
 * A STUN/TURN message (RFC 8489, RFC 8656, and the ICE attributes of RFC
 * 8445): a parser and a builder in one reusable object.
 *
 * ## Parsing
 *
 * [method@Avanue.StunMessage.parse] checks the header (first two bits zero,
 * magic cookie, length a multiple of 4 and equal to the size of the input,
 * input no larger than [property@Avanue.StunMessage:max-size]) and walks the
 * attributes once, indexing up to %AVANUE_STUN_MAX_ATTRIBUTES of them by
 * offset and length inside the object: parsing allocates nothing per
 * attribute, and the same object can parse packet after packet. Known
 * attributes with a fixed layout (addresses, integers, MESSAGE-INTEGRITY,
 * FINGERPRINT, ERROR-CODE…) are checked as they are indexed, so a message
 * that parses can be read without further length checks. Padding bytes are
 * ignored, whatever their value.
 *
 * As RFC 8489 §14.5–§14.7 say, attributes that follow MESSAGE-INTEGRITY are
 * ignored except MESSAGE-INTEGRITY-SHA256 and FINGERPRINT, attributes that
 * follow MESSAGE-INTEGRITY-SHA256 are ignored except FINGERPRINT, and
 * attributes that follow FINGERPRINT are ignored. Comprehension-required
 * attributes (type below 0x8000) that the codec does not know are listed by
 * [method@Avanue.StunMessage.get_unknown_attributes], so that a server can
 * answer 420 with UNKNOWN-ATTRIBUTES.
 *
 * When the header is sound but an attribute is not (the error is then
 * %AVANUE_STUN_ERROR_BAD_ATTRIBUTE or %AVANUE_STUN_ERROR_TOO_MANY_ATTRIBUTES),
 * the method, class and transaction ID stay readable so that a server can
 * answer 400; no attribute is.
 *
 * [method@Avanue.StunMessage.parse] copies the packet into a buffer the
 * object owns and reuses; [method@Avanue.StunMessage.parse_bytes] keeps a
 * reference on the bytes instead. Pointers the getters return stay valid
 * until the next parse, the next [method@Avanue.StunMessage.start] or the
 * object is finalized.
 *
 * ## Building
 *
 * [method@Avanue.StunMessage.start] turns the object into a new, empty
 * message; the `add_` methods append attributes (padded with
 * [property@Avanue.StunMessage:padding-byte]); then
 * [method@Avanue.StunMessage.add_message_integrity],
 * [method@Avanue.StunMessage.add_message_integrity_sha256] and
 * [method@Avanue.StunMessage.add_fingerprint] seal it, each computed over
 * the message so far with the length field already counting itself.
 * [method@Avanue.StunMessage.get_data] or
 * [method@Avanue.StunMessage.to_bytes] give the wire bytes. A message being
 * built can be read with the same getters as a parsed one.
 *
 * ## Credentials
 *
 * The key of MESSAGE-INTEGRITY is the password for short-term credentials
 * and [func@Avanue.stun_compute_long_term_key] (MD5 of
 * `username ":" realm ":" password`) for long-term ones. Strings are used
 * as given: callers that accept non-ASCII passwords must prepare them
 * (OpaqueString, RFC 8265) first.
 *
 * An AvanueStunMessage is not thread-safe; the TURN relay keeps one per
 * worker thread.
 *
 * Since: 0.1
 */

#define STUN_INITIAL_BUFFER_SIZE 512
/* The largest message length that is a multiple of 4. */
#define STUN_MAX_BODY_LENGTH 0xFFFC
#define STUN_FINGERPRINT_XOR 0x5354554eU

typedef struct
{
  guint32 offset; /* of the value, from the start of the message */
  guint16 type;
  guint16 len;
} StunAttribute;

struct _AvanueStunMessage
{
  GObject parent_instance;

  /* The message: points into buf, into bytes or into a borrowed buffer. */
  const guint8 *data;
  gsize len;

  /* Storage owned by the object, grown when needed and reused. */
  guint8 *buf;
  gsize buf_size;
  GBytes *bytes;

  guint max_size;
  guint8 padding_byte;

  gboolean header_valid;
  gboolean valid;
  gboolean building;

  int integrity_index;
  int integrity_sha256_index;
  int fingerprint_index;

  guint n_attributes;
  guint n_unknown;
  StunAttribute attributes[AVANUE_STUN_MAX_ATTRIBUTES];
  guint16 unknown[AVANUE_STUN_MAX_ATTRIBUTES];
};

G_DEFINE_FINAL_TYPE (AvanueStunMessage, avanue_stun_message, G_TYPE_OBJECT)

G_DEFINE_QUARK (avanue-stun-error-quark, avanue_stun_error)

enum {
  PROP_0,
  PROP_MAX_SIZE,
  PROP_PADDING_BYTE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* CRC-32 (ISO 3309 / ITU-T V.42, reflected polynomial 0xEDB88320), as
 * FINGERPRINT uses it. */
static const guint32 stun_crc32_table[256] = {
  0x00000000, 0x77073096, 0xee0e612c, 0x990951ba,
  0x076dc419, 0x706af48f, 0xe963a535, 0x9e6495a3,
  0x0edb8832, 0x79dcb8a4, 0xe0d5e91e, 0x97d2d988,
  0x09b64c2b, 0x7eb17cbd, 0xe7b82d07, 0x90bf1d91,
  0x1db71064, 0x6ab020f2, 0xf3b97148, 0x84be41de,
  0x1adad47d, 0x6ddde4eb, 0xf4d4b551, 0x83d385c7,
  0x136c9856, 0x646ba8c0, 0xfd62f97a, 0x8a65c9ec,
  0x14015c4f, 0x63066cd9, 0xfa0f3d63, 0x8d080df5,
  0x3b6e20c8, 0x4c69105e, 0xd56041e4, 0xa2677172,
  0x3c03e4d1, 0x4b04d447, 0xd20d85fd, 0xa50ab56b,
  0x35b5a8fa, 0x42b2986c, 0xdbbbc9d6, 0xacbcf940,
  0x32d86ce3, 0x45df5c75, 0xdcd60dcf, 0xabd13d59,
  0x26d930ac, 0x51de003a, 0xc8d75180, 0xbfd06116,
  0x21b4f4b5, 0x56b3c423, 0xcfba9599, 0xb8bda50f,
  0x2802b89e, 0x5f058808, 0xc60cd9b2, 0xb10be924,
  0x2f6f7c87, 0x58684c11, 0xc1611dab, 0xb6662d3d,
  0x76dc4190, 0x01db7106, 0x98d220bc, 0xefd5102a,
  0x71b18589, 0x06b6b51f, 0x9fbfe4a5, 0xe8b8d433,
  0x7807c9a2, 0x0f00f934, 0x9609a88e, 0xe10e9818,
  0x7f6a0dbb, 0x086d3d2d, 0x91646c97, 0xe6635c01,
  0x6b6b51f4, 0x1c6c6162, 0x856530d8, 0xf262004e,
  0x6c0695ed, 0x1b01a57b, 0x8208f4c1, 0xf50fc457,
  0x65b0d9c6, 0x12b7e950, 0x8bbeb8ea, 0xfcb9887c,
  0x62dd1ddf, 0x15da2d49, 0x8cd37cf3, 0xfbd44c65,
  0x4db26158, 0x3ab551ce, 0xa3bc0074, 0xd4bb30e2,
  0x4adfa541, 0x3dd895d7, 0xa4d1c46d, 0xd3d6f4fb,
  0x4369e96a, 0x346ed9fc, 0xad678846, 0xda60b8d0,
  0x44042d73, 0x33031de5, 0xaa0a4c5f, 0xdd0d7cc9,
  0x5005713c, 0x270241aa, 0xbe0b1010, 0xc90c2086,
  0x5768b525, 0x206f85b3, 0xb966d409, 0xce61e49f,
  0x5edef90e, 0x29d9c998, 0xb0d09822, 0xc7d7a8b4,
  0x59b33d17, 0x2eb40d81, 0xb7bd5c3b, 0xc0ba6cad,
  0xedb88320, 0x9abfb3b6, 0x03b6e20c, 0x74b1d29a,
  0xead54739, 0x9dd277af, 0x04db2615, 0x73dc1683,
  0xe3630b12, 0x94643b84, 0x0d6d6a3e, 0x7a6a5aa8,
  0xe40ecf0b, 0x9309ff9d, 0x0a00ae27, 0x7d079eb1,
  0xf00f9344, 0x8708a3d2, 0x1e01f268, 0x6906c2fe,
  0xf762575d, 0x806567cb, 0x196c3671, 0x6e6b06e7,
  0xfed41b76, 0x89d32be0, 0x10da7a5a, 0x67dd4acc,
  0xf9b9df6f, 0x8ebeeff9, 0x17b7be43, 0x60b08ed5,
  0xd6d6a3e8, 0xa1d1937e, 0x38d8c2c4, 0x4fdff252,
  0xd1bb67f1, 0xa6bc5767, 0x3fb506dd, 0x48b2364b,
  0xd80d2bda, 0xaf0a1b4c, 0x36034af6, 0x41047a60,
  0xdf60efc3, 0xa867df55, 0x316e8eef, 0x4669be79,
  0xcb61b38c, 0xbc66831a, 0x256fd2a0, 0x5268e236,
  0xcc0c7795, 0xbb0b4703, 0x220216b9, 0x5505262f,
  0xc5ba3bbe, 0xb2bd0b28, 0x2bb45a92, 0x5cb36a04,
  0xc2d7ffa7, 0xb5d0cf31, 0x2cd99e8b, 0x5bdeae1d,
  0x9b64c2b0, 0xec63f226, 0x756aa39c, 0x026d930a,
  0x9c0906a9, 0xeb0e363f, 0x72076785, 0x05005713,
  0x95bf4a82, 0xe2b87a14, 0x7bb12bae, 0x0cb61b38,
  0x92d28e9b, 0xe5d5be0d, 0x7cdcefb7, 0x0bdbdf21,
  0x86d3d2d4, 0xf1d4e242, 0x68ddb3f8, 0x1fda836e,
  0x81be16cd, 0xf6b9265b, 0x6fb077e1, 0x18b74777,
  0x88085ae6, 0xff0f6a70, 0x66063bca, 0x11010b5c,
  0x8f659eff, 0xf862ae69, 0x616bffd3, 0x166ccf45,
  0xa00ae278, 0xd70dd2ee, 0x4e048354, 0x3903b3c2,
  0xa7672661, 0xd06016f7, 0x4969474d, 0x3e6e77db,
  0xaed16a4a, 0xd9d65adc, 0x40df0b66, 0x37d83bf0,
  0xa9bcae53, 0xdebb9ec5, 0x47b2cf7f, 0x30b5ffe9,
  0xbdbdf21c, 0xcabac28a, 0x53b39330, 0x24b4a3a6,
  0xbad03605, 0xcdd70693, 0x54de5729, 0x23d967bf,
  0xb3667a2e, 0xc4614ab8, 0x5d681b02, 0x2a6f2b94,
  0xb40bbe37, 0xc30c8ea1, 0x5a05df1b, 0x2d02ef8d,
};

static inline guint16
stun_read16 (const guint8 *p)
{
  return (guint16) ((p[0] << 8) | p[1]);
}

static inline guint32
stun_read32 (const guint8 *p)
{
  return ((guint32) p[0] << 24) | ((guint32) p[1] << 16) | ((guint32) p[2] << 8) | p[3];
}

static inline void
stun_write16 (guint8 *p, guint16 v)
{
  p[0] = v >> 8;
  p[1] = v & 0xff;
}

static inline void
stun_write32 (guint8 *p, guint32 v)
{
  p[0] = v >> 24;
  p[1] = (v >> 16) & 0xff;
  p[2] = (v >> 8) & 0xff;
  p[3] = v & 0xff;
}

static inline gsize
stun_pad4 (gsize len)
{
  return (len + 3) & ~(gsize) 3;
}

static guint32
stun_crc32_update (guint32 crc, const guint8 *p, gsize len)
{
  for (gsize i = 0; i < len; i++)
    crc = stun_crc32_table[(crc ^ p[i]) & 0xff] ^ (crc >> 8);
  return crc;
}

static gboolean
stun_equal_const_time (const guint8 *a, const guint8 *b, gsize len)
{
  guint8 diff = 0;

  for (gsize i = 0; i < len; i++)
    diff |= a[i] ^ b[i];
  return diff == 0;
}

static guint16
stun_message_type (guint method, AvanueStunClass message_class)
{
  return (guint16) ((method & 0x000F) | ((method & 0x0070) << 1) | ((method & 0x0F80) << 2) |
                    ((message_class & 1) << 4) | ((message_class & 2) << 7));
}

static gboolean
stun_attribute_is_known (guint type)
{
  switch (type)
    {
    case AVANUE_STUN_ATTRIBUTE_MAPPED_ADDRESS:
    case AVANUE_STUN_ATTRIBUTE_USERNAME:
    case AVANUE_STUN_ATTRIBUTE_MESSAGE_INTEGRITY:
    case AVANUE_STUN_ATTRIBUTE_ERROR_CODE:
    case AVANUE_STUN_ATTRIBUTE_UNKNOWN_ATTRIBUTES:
    case AVANUE_STUN_ATTRIBUTE_CHANNEL_NUMBER:
    case AVANUE_STUN_ATTRIBUTE_LIFETIME:
    case AVANUE_STUN_ATTRIBUTE_XOR_PEER_ADDRESS:
    case AVANUE_STUN_ATTRIBUTE_DATA:
    case AVANUE_STUN_ATTRIBUTE_REALM:
    case AVANUE_STUN_ATTRIBUTE_NONCE:
    case AVANUE_STUN_ATTRIBUTE_XOR_RELAYED_ADDRESS:
    case AVANUE_STUN_ATTRIBUTE_REQUESTED_ADDRESS_FAMILY:
    case AVANUE_STUN_ATTRIBUTE_EVEN_PORT:
    case AVANUE_STUN_ATTRIBUTE_REQUESTED_TRANSPORT:
    case AVANUE_STUN_ATTRIBUTE_DONT_FRAGMENT:
    case AVANUE_STUN_ATTRIBUTE_MESSAGE_INTEGRITY_SHA256:
    case AVANUE_STUN_ATTRIBUTE_PASSWORD_ALGORITHM:
    case AVANUE_STUN_ATTRIBUTE_USERHASH:
    case AVANUE_STUN_ATTRIBUTE_XOR_MAPPED_ADDRESS:
    case AVANUE_STUN_ATTRIBUTE_RESERVATION_TOKEN:
    case AVANUE_STUN_ATTRIBUTE_PRIORITY:
    case AVANUE_STUN_ATTRIBUTE_USE_CANDIDATE:
    case AVANUE_STUN_ATTRIBUTE_ADDITIONAL_ADDRESS_FAMILY:
    case AVANUE_STUN_ATTRIBUTE_ADDRESS_ERROR_CODE:
    case AVANUE_STUN_ATTRIBUTE_PASSWORD_ALGORITHMS:
    case AVANUE_STUN_ATTRIBUTE_ALTERNATE_DOMAIN:
    case AVANUE_STUN_ATTRIBUTE_ICMP:
    case AVANUE_STUN_ATTRIBUTE_SOFTWARE:
    case AVANUE_STUN_ATTRIBUTE_ALTERNATE_SERVER:
    case AVANUE_STUN_ATTRIBUTE_FINGERPRINT:
    case AVANUE_STUN_ATTRIBUTE_ICE_CONTROLLED:
    case AVANUE_STUN_ATTRIBUTE_ICE_CONTROLLING:
      return TRUE;
    default:
      return FALSE;
    }
}

/* Checks the layout of the known attributes whose getters rely on it. */
static gboolean
stun_attribute_validate (guint type, const guint8 *value, gsize len, GError **error)
{
  gboolean ok = TRUE;

  switch (type)
    {
    case AVANUE_STUN_ATTRIBUTE_MAPPED_ADDRESS:
    case AVANUE_STUN_ATTRIBUTE_ALTERNATE_SERVER:
    case AVANUE_STUN_ATTRIBUTE_XOR_MAPPED_ADDRESS:
    case AVANUE_STUN_ATTRIBUTE_XOR_PEER_ADDRESS:
    case AVANUE_STUN_ATTRIBUTE_XOR_RELAYED_ADDRESS:
      ok = (len == 8 && value[1] == 0x01) || (len == 20 && value[1] == 0x02);
      break;
    case AVANUE_STUN_ATTRIBUTE_MESSAGE_INTEGRITY:
      ok = len == 20;
      break;
    case AVANUE_STUN_ATTRIBUTE_MESSAGE_INTEGRITY_SHA256:
      ok = len >= 16 && len <= 32 && len % 4 == 0;
      break;
    case AVANUE_STUN_ATTRIBUTE_FINGERPRINT:
    case AVANUE_STUN_ATTRIBUTE_CHANNEL_NUMBER:
    case AVANUE_STUN_ATTRIBUTE_LIFETIME:
    case AVANUE_STUN_ATTRIBUTE_REQUESTED_ADDRESS_FAMILY:
    case AVANUE_STUN_ATTRIBUTE_REQUESTED_TRANSPORT:
    case AVANUE_STUN_ATTRIBUTE_PRIORITY:
    case AVANUE_STUN_ATTRIBUTE_ADDITIONAL_ADDRESS_FAMILY:
      ok = len == 4;
      break;
    case AVANUE_STUN_ATTRIBUTE_RESERVATION_TOKEN:
    case AVANUE_STUN_ATTRIBUTE_ICE_CONTROLLED:
    case AVANUE_STUN_ATTRIBUTE_ICE_CONTROLLING:
    case AVANUE_STUN_ATTRIBUTE_ICMP:
      ok = len == 8;
      break;
    case AVANUE_STUN_ATTRIBUTE_USERHASH:
      ok = len == 32;
      break;
    case AVANUE_STUN_ATTRIBUTE_EVEN_PORT:
      ok = len >= 1;
      break;
    case AVANUE_STUN_ATTRIBUTE_UNKNOWN_ATTRIBUTES:
      ok = len % 2 == 0;
      break;
    case AVANUE_STUN_ATTRIBUTE_ERROR_CODE:
      /* The hundreds digit must be 3–6, the rest 0–99. */
      ok = len >= 4 && (value[2] & 0x07) >= 3 && (value[2] & 0x07) <= 6 && value[3] <= 99;
      break;
    case AVANUE_STUN_ATTRIBUTE_ADDRESS_ERROR_CODE:
      ok = len >= 4;
      break;
    case AVANUE_STUN_ATTRIBUTE_PASSWORD_ALGORITHM:
      ok = len >= 4 && 4 + (gsize) stun_read16 (value + 2) <= len;
      break;
    default:
      break;
    }

  if (!ok)
    {
      g_set_error (error, AVANUE_STUN_ERROR, AVANUE_STUN_ERROR_BAD_ATTRIBUTE,
                   "Malformed value of attribute 0x%04x (%" G_GSIZE_FORMAT " bytes)",
                   type, len);
      return FALSE;
    }
  return TRUE;
}

static void
stun_message_reset (AvanueStunMessage *self)
{
  g_clear_pointer (&self->bytes, g_bytes_unref);
  self->data = NULL;
  self->len = 0;
  self->header_valid = FALSE;
  self->valid = FALSE;
  self->building = FALSE;
  self->integrity_index = -1;
  self->integrity_sha256_index = -1;
  self->fingerprint_index = -1;
  self->n_attributes = 0;
  self->n_unknown = 0;
}

static void
stun_message_clear_attributes (AvanueStunMessage *self)
{
  self->integrity_index = -1;
  self->integrity_sha256_index = -1;
  self->fingerprint_index = -1;
  self->n_attributes = 0;
  self->n_unknown = 0;
}

static void
stun_message_ensure_capacity (AvanueStunMessage *self, gsize size)
{
  gsize new_size;

  if (self->buf_size >= size)
    return;
  /* Doubling, but never past the largest message unless asked to. */
  new_size = MAX (self->buf_size * 2, STUN_INITIAL_BUFFER_SIZE);
  new_size = MIN (new_size, AVANUE_STUN_MAX_MESSAGE_SIZE);
  new_size = MAX (new_size, size);
  self->buf = g_realloc (self->buf, new_size);
  self->buf_size = new_size;
  if (self->building)
    self->data = self->buf;
}

/* Records an attribute whose value starts at @offset. */
static void
stun_message_index_attribute (AvanueStunMessage *self, guint type, gsize offset, gsize len)
{
  guint i = self->n_attributes++;

  self->attributes[i].type = type;
  self->attributes[i].offset = offset;
  self->attributes[i].len = len;

  if (type == AVANUE_STUN_ATTRIBUTE_MESSAGE_INTEGRITY && self->integrity_index < 0)
    self->integrity_index = i;
  else if (type == AVANUE_STUN_ATTRIBUTE_MESSAGE_INTEGRITY_SHA256 && self->integrity_sha256_index < 0)
    self->integrity_sha256_index = i;
  else if (type == AVANUE_STUN_ATTRIBUTE_FINGERPRINT && self->fingerprint_index < 0)
    self->fingerprint_index = i;
}

static void
stun_message_note_unknown (AvanueStunMessage *self, guint type)
{
  for (guint i = 0; i < self->n_unknown; i++)
    if (self->unknown[i] == type)
      return;
  self->unknown[self->n_unknown++] = type;
}

/* Whether an attribute of @type at this point of the message is taken into
 * account (RFC 8489 §14.5, §14.6, §14.7). */
static gboolean
stun_message_accepts (AvanueStunMessage *self, guint type)
{
  if (self->fingerprint_index >= 0)
    return FALSE;
  if (self->integrity_sha256_index >= 0)
    return type == AVANUE_STUN_ATTRIBUTE_FINGERPRINT;
  if (self->integrity_index >= 0)
    return type == AVANUE_STUN_ATTRIBUTE_MESSAGE_INTEGRITY_SHA256 ||
           type == AVANUE_STUN_ATTRIBUTE_FINGERPRINT;
  return TRUE;
}

/* Validates self->data / self->len and indexes the attributes. */
static gboolean
stun_message_index (AvanueStunMessage *self, GError **error)
{
  const guint8 *data = self->data;
  gsize len = self->len;
  gsize body_len;
  gsize offset;

  if (len > self->max_size)
    {
      g_set_error (error, AVANUE_STUN_ERROR, AVANUE_STUN_ERROR_TOO_LARGE,
                   "STUN message of %" G_GSIZE_FORMAT " bytes is larger than the maximum of %u",
                   len, self->max_size);
      return FALSE;
    }
  if (len < AVANUE_STUN_HEADER_SIZE)
    {
      g_set_error (error, AVANUE_STUN_ERROR, AVANUE_STUN_ERROR_TRUNCATED,
                   "STUN message of %" G_GSIZE_FORMAT " bytes is shorter than a header", len);
      return FALSE;
    }
  if ((data[0] & 0xC0) != 0)
    {
      g_set_error_literal (error, AVANUE_STUN_ERROR, AVANUE_STUN_ERROR_NOT_STUN,
                           "The first two bits of a STUN message must be zero");
      return FALSE;
    }
  if (stun_read32 (data + 4) != AVANUE_STUN_MAGIC_COOKIE)
    {
      g_set_error_literal (error, AVANUE_STUN_ERROR, AVANUE_STUN_ERROR_BAD_MAGIC_COOKIE,
                           "The STUN magic cookie is missing");
      return FALSE;
    }
  body_len = stun_read16 (data + 2);
  if (body_len % 4 != 0)
    {
      g_set_error (error, AVANUE_STUN_ERROR, AVANUE_STUN_ERROR_BAD_LENGTH,
                   "STUN message length %" G_GSIZE_FORMAT " is not a multiple of 4", body_len);
      return FALSE;
    }
  if (AVANUE_STUN_HEADER_SIZE + body_len > len)
    {
      g_set_error (error, AVANUE_STUN_ERROR, AVANUE_STUN_ERROR_TRUNCATED,
                   "STUN message truncated: %" G_GSIZE_FORMAT " bytes of %" G_GSIZE_FORMAT,
                   len, AVANUE_STUN_HEADER_SIZE + body_len);
      return FALSE;
    }
  if (AVANUE_STUN_HEADER_SIZE + body_len < len)
    {
      g_set_error (error, AVANUE_STUN_ERROR, AVANUE_STUN_ERROR_BAD_LENGTH,
                   "STUN message length %" G_GSIZE_FORMAT " does not match the %" G_GSIZE_FORMAT
                   " bytes received",
                   body_len, len);
      return FALSE;
    }

  self->header_valid = TRUE;

  for (offset = AVANUE_STUN_HEADER_SIZE; offset < len;)
    {
      guint type;
      gsize attr_len;

      /* Both len and offset are multiples of 4 here: a header fits. */
      type = stun_read16 (data + offset);
      attr_len = stun_read16 (data + offset + 2);
      if (stun_pad4 (attr_len) > len - offset - 4)
        {
          g_set_error (error, AVANUE_STUN_ERROR, AVANUE_STUN_ERROR_BAD_ATTRIBUTE,
                       "Attribute 0x%04x of %" G_GSIZE_FORMAT " bytes overruns the message",
                       type, attr_len);
          stun_message_clear_attributes (self);
          return FALSE;
        }

      if (stun_message_accepts (self, type))
        {
          if (!stun_attribute_validate (type, data + offset + 4, attr_len, error))
            {
              stun_message_clear_attributes (self);
              return FALSE;
            }
          if (self->n_attributes == AVANUE_STUN_MAX_ATTRIBUTES)
            {
              g_set_error (error, AVANUE_STUN_ERROR, AVANUE_STUN_ERROR_TOO_MANY_ATTRIBUTES,
                           "STUN message has more than %d attributes",
                           AVANUE_STUN_MAX_ATTRIBUTES);
              stun_message_clear_attributes (self);
              return FALSE;
            }
          stun_message_index_attribute (self, type, offset + 4, attr_len);
          if (type < 0x8000 && !stun_attribute_is_known (type))
            stun_message_note_unknown (self, type);
        }

      offset += 4 + stun_pad4 (attr_len);
    }

  self->valid = TRUE;
  return TRUE;
}

static const StunAttribute *
stun_message_find (AvanueStunMessage *self, guint type)
{
  for (guint i = 0; i < self->n_attributes; i++)
    if (self->attributes[i].type == type)
      return &self->attributes[i];
  return NULL;
}

static const StunAttribute *
stun_message_lookup (AvanueStunMessage *self, guint type, GError **error)
{
  const StunAttribute *attr = stun_message_find (self, type);

  if (attr == NULL)
    g_set_error (error, AVANUE_STUN_ERROR, AVANUE_STUN_ERROR_NOT_FOUND,
                 "The STUN message has no attribute 0x%04x", type);
  return attr;
}

/* HMAC over the first @prefix_len bytes of the message, with the length
 * field replaced by @length_field (RFC 8489 §14.5, §14.6). */
static void
stun_message_hmac (const guint8 *data,
                   gsize prefix_len,
                   guint16 length_field,
                   GChecksumType digest_type,
                   const guint8 *key,
                   gsize key_len,
                   guint8 *digest,
                   gsize *digest_len)
{
  static const guint8 empty_key[1] = { 0 };
  g_autoptr(GHmac) hmac = NULL;
  guint8 length_be[2];

  stun_write16 (length_be, length_field);
  hmac = g_hmac_new (digest_type, key_len > 0 ? key : empty_key, key_len);
  g_hmac_update (hmac, data, 2);
  g_hmac_update (hmac, length_be, 2);
  g_hmac_update (hmac, data + 4, prefix_len - 4);
  g_hmac_get_digest (hmac, digest, digest_len);
}

/* FINGERPRINT over the first @prefix_len bytes, with the length field
 * replaced by @length_field (RFC 8489 §14.7). */
static guint32
stun_message_crc (const guint8 *data, gsize prefix_len, guint16 length_field)
{
  guint32 crc = 0xFFFFFFFFU;
  guint8 length_be[2];

  stun_write16 (length_be, length_field);
  crc = stun_crc32_update (crc, data, 2);
  crc = stun_crc32_update (crc, length_be, 2);
  crc = stun_crc32_update (crc, data + 4, prefix_len - 4);
  return (crc ^ 0xFFFFFFFFU) ^ STUN_FINGERPRINT_XOR;
}

/* Decodes an address attribute; the layout was checked when indexed. */
static gboolean
stun_message_decode_address (AvanueStunMessage *self,
                             guint type,
                             gboolean xor_encoded,
                             int *out_family,
                             guint16 *out_port,
                             guint8 out_addr[16],
                             GError **error)
{
  const StunAttribute *attr = stun_message_lookup (self, type, error);
  const guint8 *value;
  gsize addr_len;

  if (attr == NULL)
    return FALSE;
  value = self->data + attr->offset;
  if (!((attr->len == 8 && value[1] == 0x01) || (attr->len == 20 && value[1] == 0x02)))
    {
      g_set_error (error, AVANUE_STUN_ERROR, AVANUE_STUN_ERROR_BAD_ATTRIBUTE,
                   "Attribute 0x%04x is not an address", type);
      return FALSE;
    }

  addr_len = attr->len - 4;
  *out_family = value[1];
  *out_port = stun_read16 (value + 2);
  memcpy (out_addr, value + 4, addr_len);
  if (xor_encoded)
    {
      /* The magic cookie, then the transaction ID: bytes 4–19 of the header. */
      const guint8 *mask = self->data + 4;

      *out_port ^= AVANUE_STUN_MAGIC_COOKIE >> 16;
      for (gsize i = 0; i < addr_len; i++)
        out_addr[i] ^= mask[i];
    }
  return TRUE;
}

static gboolean
stun_message_check_order (AvanueStunMessage *self, guint type, GError **error)
{
  if (stun_message_accepts (self, type))
    return TRUE;
  g_set_error (error, AVANUE_STUN_ERROR, AVANUE_STUN_ERROR_BAD_ATTRIBUTE,
               "Attribute 0x%04x cannot follow %s", type,
               self->fingerprint_index >= 0          ? "FINGERPRINT"
               : self->integrity_sha256_index >= 0 ? "MESSAGE-INTEGRITY-SHA256"
                                                   : "MESSAGE-INTEGRITY");
  return FALSE;
}

/* Appends an attribute header and room for its padded value, updates the
 * length field and the index; returns where the value goes. */
static guint8 *
stun_message_append (AvanueStunMessage *self, guint type, gsize value_len, GError **error)
{
  gsize padded = stun_pad4 (value_len);
  gsize new_len;
  guint8 *p;

  if (!stun_message_check_order (self, type, error))
    return NULL;
  if (self->n_attributes == AVANUE_STUN_MAX_ATTRIBUTES)
    {
      g_set_error (error, AVANUE_STUN_ERROR, AVANUE_STUN_ERROR_TOO_MANY_ATTRIBUTES,
                   "A STUN message holds at most %d attributes", AVANUE_STUN_MAX_ATTRIBUTES);
      return NULL;
    }
  if (value_len > G_MAXUINT16 ||
      self->len - AVANUE_STUN_HEADER_SIZE + 4 + padded > STUN_MAX_BODY_LENGTH ||
      self->len + 4 + padded > self->max_size)
    {
      g_set_error (error, AVANUE_STUN_ERROR, AVANUE_STUN_ERROR_TOO_LARGE,
                   "Attribute 0x%04x of %" G_GSIZE_FORMAT " bytes does not fit in the message",
                   type, value_len);
      return NULL;
    }

  new_len = self->len + 4 + padded;
  stun_message_ensure_capacity (self, new_len);
  p = self->buf + self->len;
  stun_write16 (p, type);
  stun_write16 (p + 2, value_len);
  memset (p + 4 + value_len, self->padding_byte, padded - value_len);
  stun_message_index_attribute (self, type, self->len + 4, value_len);
  self->len = new_len;
  stun_write16 (self->buf + 2, new_len - AVANUE_STUN_HEADER_SIZE);
  return p + 4;
}

static gboolean
stun_address_from_inet (GInetSocketAddress *address,
                        int *out_family,
                        guint16 *out_port,
                        guint8 out_addr[16],
                        GError **error)
{
  GInetAddress *inet = g_inet_socket_address_get_address (address);
  gsize size = g_inet_address_get_native_size (inet);

  if (size != 4 && size != 16)
    {
      g_set_error_literal (error, AVANUE_STUN_ERROR, AVANUE_STUN_ERROR_BAD_ATTRIBUTE,
                           "Only IPv4 and IPv6 addresses can be encoded");
      return FALSE;
    }
  *out_family = size == 4 ? 0x01 : 0x02;
  *out_port = g_inet_socket_address_get_port (address);
  memcpy (out_addr, g_inet_address_to_bytes (inet), size);
  return TRUE;
}

static gboolean
stun_message_append_address (AvanueStunMessage *self,
                             guint type,
                             gboolean xor_encoded,
                             int family,
                             guint16 port,
                             const guint8 *addr,
                             GError **error)
{
  gsize addr_len = family == 0x01 ? 4 : 16;
  guint8 *value = stun_message_append (self, type, 4 + addr_len, error);

  if (value == NULL)
    return FALSE;
  value[0] = 0;
  value[1] = family;
  memcpy (value + 4, addr, addr_len);
  if (xor_encoded)
    {
      const guint8 *mask = self->data + 4;

      port ^= AVANUE_STUN_MAGIC_COOKIE >> 16;
      for (gsize i = 0; i < addr_len; i++)
        value[4 + i] ^= mask[i];
    }
  stun_write16 (value + 2, port);
  return TRUE;
}

static void
avanue_stun_message_finalize (GObject *object)
{
  AvanueStunMessage *self = AVANUE_STUN_MESSAGE (object);

  g_clear_pointer (&self->bytes, g_bytes_unref);
  g_clear_pointer (&self->buf, g_free);

  G_OBJECT_CLASS (avanue_stun_message_parent_class)->finalize (object);
}

static void
avanue_stun_message_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  AvanueStunMessage *self = AVANUE_STUN_MESSAGE (object);

  switch (prop_id)
    {
    case PROP_MAX_SIZE:
      g_value_set_uint (value, self->max_size);
      break;
    case PROP_PADDING_BYTE:
      g_value_set_uchar (value, self->padding_byte);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
avanue_stun_message_set_property (GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec)
{
  AvanueStunMessage *self = AVANUE_STUN_MESSAGE (object);

  switch (prop_id)
    {
    case PROP_MAX_SIZE:
      avanue_stun_message_set_max_size (self, g_value_get_uint (value));
      break;
    case PROP_PADDING_BYTE:
      avanue_stun_message_set_padding_byte (self, g_value_get_uchar (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
avanue_stun_message_class_init (AvanueStunMessageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = avanue_stun_message_finalize;
  object_class->get_property = avanue_stun_message_get_property;
  object_class->set_property = avanue_stun_message_set_property;

  /**
   * AvanueStunMessage:max-size:
   *
   * The largest message, header included, that parsing accepts and
   * building produces; larger ones fail with %AVANUE_STUN_ERROR_TOO_LARGE.
   *
   * Since: 0.1
   */
  properties[PROP_MAX_SIZE] =
    g_param_spec_uint ("max-size", NULL, NULL,
                       AVANUE_STUN_HEADER_SIZE, AVANUE_STUN_MAX_MESSAGE_SIZE,
                       AVANUE_STUN_MAX_MESSAGE_SIZE,
                       G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  /**
   * AvanueStunMessage:padding-byte:
   *
   * The byte that pads attribute values to a multiple of 4 when building.
   * RFC 8489 leaves its value free and receivers ignore it; zero is usual,
   * the RFC 5769 test vectors use 0x20.
   *
   * Since: 0.1
   */
  properties[PROP_PADDING_BYTE] =
    g_param_spec_uchar ("padding-byte", NULL, NULL,
                        0, G_MAXUINT8, 0,
                        G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
avanue_stun_message_init (AvanueStunMessage *self)
{
  self->max_size = AVANUE_STUN_MAX_MESSAGE_SIZE;
  stun_message_reset (self);
}

/**
 * avanue_stun_message_new:
 *
 * Creates an empty message, ready to parse or to build.
 *
 * Returns: (transfer full): a new #AvanueStunMessage
 *
 * Since: 0.1
 */
AvanueStunMessage *
avanue_stun_message_new (void)
{
  return g_object_new (AVANUE_TYPE_STUN_MESSAGE, NULL);
}

/**
 * avanue_stun_message_get_max_size:
 * @self: a #AvanueStunMessage
 *
 * Gets [property@Avanue.StunMessage:max-size].
 *
 * Returns: the largest message size accepted, in bytes
 *
 * Since: 0.1
 */
guint
avanue_stun_message_get_max_size (AvanueStunMessage *self)
{
  g_return_val_if_fail (AVANUE_IS_STUN_MESSAGE (self), 0);
  return self->max_size;
}

/**
 * avanue_stun_message_set_max_size:
 * @self: a #AvanueStunMessage
 * @max_size: the largest message size, between %AVANUE_STUN_HEADER_SIZE and
 *   %AVANUE_STUN_MAX_MESSAGE_SIZE
 *
 * Sets [property@Avanue.StunMessage:max-size]; it applies from the next
 * parse or the next attribute added.
 *
 * Since: 0.1
 */
void
avanue_stun_message_set_max_size (AvanueStunMessage *self, guint max_size)
{
  g_return_if_fail (AVANUE_IS_STUN_MESSAGE (self));
  g_return_if_fail (max_size >= AVANUE_STUN_HEADER_SIZE && max_size <= AVANUE_STUN_MAX_MESSAGE_SIZE);

  if (self->max_size == max_size)
    return;
  self->max_size = max_size;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_MAX_SIZE]);
}

/**
 * avanue_stun_message_get_padding_byte:
 * @self: a #AvanueStunMessage
 *
 * Gets [property@Avanue.StunMessage:padding-byte].
 *
 * Returns: the byte attribute values are padded with when building
 *
 * Since: 0.1
 */
guint8
avanue_stun_message_get_padding_byte (AvanueStunMessage *self)
{
  g_return_val_if_fail (AVANUE_IS_STUN_MESSAGE (self), 0);
  return self->padding_byte;
}

/**
 * avanue_stun_message_set_padding_byte:
 * @self: a #AvanueStunMessage
 * @padding_byte: the byte to pad attribute values with
 *
 * Sets [property@Avanue.StunMessage:padding-byte]; it applies to the
 * attributes added from now on.
 *
 * Since: 0.1
 */
void
avanue_stun_message_set_padding_byte (AvanueStunMessage *self, guint8 padding_byte)
{
  g_return_if_fail (AVANUE_IS_STUN_MESSAGE (self));

  if (self->padding_byte == padding_byte)
    return;
  self->padding_byte = padding_byte;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PADDING_BYTE]);
}

/**
 * avanue_stun_message_parse:
 * @self: a #AvanueStunMessage
 * @data: (array length=len): one STUN message, exactly (a UDP datagram or a
 *   frame cut with [func@Avanue.stun_peek_frame_length])
 * @len: the length of @data
 * @error: return location for a #GError
 *
 * Replaces the contents of @self with the message in @data, which is copied
 * into a buffer @self owns and reuses, so @data need not outlive the call.
 * See the class description for what is checked.
 *
 * Returns: %TRUE if @data holds a well-formed STUN message
 *
 * Since: 0.1
 */
gboolean
avanue_stun_message_parse (AvanueStunMessage *self, const guint8 *data, gsize len, GError **error)
{
  g_return_val_if_fail (AVANUE_IS_STUN_MESSAGE (self), FALSE);
  g_return_val_if_fail (data != NULL || len == 0, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  stun_message_reset (self);
  if (len > self->max_size)
    {
      g_set_error (error, AVANUE_STUN_ERROR, AVANUE_STUN_ERROR_TOO_LARGE,
                   "STUN message of %" G_GSIZE_FORMAT " bytes is larger than the maximum of %u",
                   len, self->max_size);
      return FALSE;
    }
  if (len > 0)
    {
      stun_message_ensure_capacity (self, len);
      memcpy (self->buf, data, len);
    }
  self->data = self->buf;
  self->len = len;
  return stun_message_index (self, error);
}

/**
 * avanue_stun_message_parse_bytes:
 * @self: a #AvanueStunMessage
 * @bytes: one STUN message, exactly
 * @error: return location for a #GError
 *
 * Like [method@Avanue.StunMessage.parse], but without a copy: @self keeps a
 * reference on @bytes until the next parse or build.
 *
 * Returns: %TRUE if @bytes holds a well-formed STUN message
 *
 * Since: 0.1
 */
gboolean
avanue_stun_message_parse_bytes (AvanueStunMessage *self, GBytes *bytes, GError **error)
{
  g_return_val_if_fail (AVANUE_IS_STUN_MESSAGE (self), FALSE);
  g_return_val_if_fail (bytes != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  stun_message_reset (self);
  self->bytes = g_bytes_ref (bytes);
  self->data = g_bytes_get_data (bytes, &self->len);
  return stun_message_index (self, error);
}

/*
 * avanue_stun_message_parse_borrowed:
 *
 * Like avanue_stun_message_parse(), but neither copies @data nor keeps a
 * reference: @data must stay valid and unchanged for as long as anything is
 * read from @self (until the next parse or build). For the relay's receive
 * buffers.
 */
gboolean
avanue_stun_message_parse_borrowed (AvanueStunMessage *self,
                                    const guint8 *data,
                                    gsize len,
                                    GError **error)
{
  g_return_val_if_fail (AVANUE_IS_STUN_MESSAGE (self), FALSE);
  g_return_val_if_fail (data != NULL || len == 0, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  stun_message_reset (self);
  self->data = data;
  self->len = len;
  return stun_message_index (self, error);
}

/**
 * avanue_stun_message_is_valid:
 * @self: a #AvanueStunMessage
 *
 * Whether @self holds a message: the last parse succeeded, or a message is
 * being built.
 *
 * Returns: %TRUE if @self holds a well-formed message
 *
 * Since: 0.1
 */
gboolean
avanue_stun_message_is_valid (AvanueStunMessage *self)
{
  g_return_val_if_fail (AVANUE_IS_STUN_MESSAGE (self), FALSE);
  return self->valid;
}

/**
 * avanue_stun_message_get_method:
 * @self: a #AvanueStunMessage
 *
 * Gets the 12-bit method of the message, such as
 * %AVANUE_STUN_METHOD_BINDING. Also available after a parse that failed
 * on an attribute (see the class description).
 *
 * Returns: the method, or 0 when @self holds no message
 *
 * Since: 0.1
 */
guint
avanue_stun_message_get_method (AvanueStunMessage *self)
{
  guint type;

  g_return_val_if_fail (AVANUE_IS_STUN_MESSAGE (self), 0);

  if (!self->header_valid)
    return 0;
  type = stun_read16 (self->data);
  return (type & 0x000F) | ((type & 0x00E0) >> 1) | ((type & 0x3E00) >> 2);
}

/**
 * avanue_stun_message_get_message_class:
 * @self: a #AvanueStunMessage
 *
 * Gets the class of the message: request, indication, success or error
 * response. Also available after a parse that failed on an attribute.
 *
 * Returns: the class, or %AVANUE_STUN_CLASS_REQUEST when @self holds no
 *   message
 *
 * Since: 0.1
 */
AvanueStunClass
avanue_stun_message_get_message_class (AvanueStunMessage *self)
{
  guint type;

  g_return_val_if_fail (AVANUE_IS_STUN_MESSAGE (self), AVANUE_STUN_CLASS_REQUEST);

  if (!self->header_valid)
    return AVANUE_STUN_CLASS_REQUEST;
  type = stun_read16 (self->data);
  return ((type >> 4) & 0x1) | ((type >> 7) & 0x2);
}

/**
 * avanue_stun_message_get_transaction_id:
 * @self: a #AvanueStunMessage
 *
 * Gets the 96-bit transaction ID. Also available after a parse that failed
 * on an attribute.
 *
 * Returns: (transfer none) (array fixed-size=12) (nullable): the
 *   transaction ID, or %NULL when @self holds no message
 *
 * Since: 0.1
 */
const guint8 *
avanue_stun_message_get_transaction_id (AvanueStunMessage *self)
{
  g_return_val_if_fail (AVANUE_IS_STUN_MESSAGE (self), NULL);

  if (!self->header_valid)
    return NULL;
  return self->data + 8;
}

/**
 * avanue_stun_message_get_n_attributes:
 * @self: a #AvanueStunMessage
 *
 * Gets how many attributes the message holds, not counting those ignored
 * because they follow MESSAGE-INTEGRITY, MESSAGE-INTEGRITY-SHA256 or
 * FINGERPRINT.
 *
 * Returns: the number of attributes
 *
 * Since: 0.1
 */
guint
avanue_stun_message_get_n_attributes (AvanueStunMessage *self)
{
  g_return_val_if_fail (AVANUE_IS_STUN_MESSAGE (self), 0);
  return self->n_attributes;
}

/**
 * avanue_stun_message_get_attribute_type:
 * @self: a #AvanueStunMessage
 * @index: an index below [method@Avanue.StunMessage.get_n_attributes]
 *
 * Gets the type of the attribute at @index, in message order.
 *
 * Returns: the attribute type
 *
 * Since: 0.1
 */
guint
avanue_stun_message_get_attribute_type (AvanueStunMessage *self, guint index)
{
  g_return_val_if_fail (AVANUE_IS_STUN_MESSAGE (self), 0);
  g_return_val_if_fail (index < self->n_attributes, 0);
  return self->attributes[index].type;
}

/**
 * avanue_stun_message_get_attribute_at:
 * @self: a #AvanueStunMessage
 * @index: an index below [method@Avanue.StunMessage.get_n_attributes]
 * @out_len: (out): the length of the value, padding excluded
 *
 * Gets the value of the attribute at @index, in message order.
 *
 * Returns: (transfer none) (array length=out_len): the value, pointing into
 *   the message
 *
 * Since: 0.1
 */
const guint8 *
avanue_stun_message_get_attribute_at (AvanueStunMessage *self, guint index, gsize *out_len)
{
  g_return_val_if_fail (AVANUE_IS_STUN_MESSAGE (self), NULL);
  g_return_val_if_fail (out_len != NULL, NULL);
  g_return_val_if_fail (index < self->n_attributes, NULL);

  *out_len = self->attributes[index].len;
  return self->data + self->attributes[index].offset;
}

/**
 * avanue_stun_message_has_attribute:
 * @self: a #AvanueStunMessage
 * @type: an attribute type, such as %AVANUE_STUN_ATTRIBUTE_USE_CANDIDATE
 *
 * Whether the message holds an attribute of @type.
 *
 * Returns: %TRUE if present
 *
 * Since: 0.1
 */
gboolean
avanue_stun_message_has_attribute (AvanueStunMessage *self, guint type)
{
  g_return_val_if_fail (AVANUE_IS_STUN_MESSAGE (self), FALSE);
  return stun_message_find (self, type) != NULL;
}

/**
 * avanue_stun_message_get_attribute:
 * @self: a #AvanueStunMessage
 * @type: an attribute type
 * @out_len: (out): the length of the value, padding excluded
 *
 * Gets the value of the first attribute of @type, as raw bytes.
 *
 * Returns: (transfer none) (array length=out_len) (nullable): the value,
 *   pointing into the message, or %NULL if absent (an empty attribute gives
 *   a non-%NULL pointer and a length of 0)
 *
 * Since: 0.1
 */
const guint8 *
avanue_stun_message_get_attribute (AvanueStunMessage *self, guint type, gsize *out_len)
{
  const StunAttribute *attr;

  g_return_val_if_fail (AVANUE_IS_STUN_MESSAGE (self), NULL);
  g_return_val_if_fail (out_len != NULL, NULL);

  attr = stun_message_find (self, type);
  if (attr == NULL)
    {
      *out_len = 0;
      return NULL;
    }
  *out_len = attr->len;
  return self->data + attr->offset;
}

/**
 * avanue_stun_message_get_uint32:
 * @self: a #AvanueStunMessage
 * @type: the type of a 4-byte attribute, such as
 *   %AVANUE_STUN_ATTRIBUTE_LIFETIME or %AVANUE_STUN_ATTRIBUTE_PRIORITY
 * @out_value: (out) (optional): the value, in host order
 * @error: return location for a #GError
 *
 * Reads a 4-byte attribute as a big-endian integer. For
 * CHANNEL-NUMBER the channel is the upper 16 bits; for REQUESTED-TRANSPORT
 * and the address-family attributes the protocol or family is the upper 8.
 *
 * Returns: %TRUE on success, %FALSE if absent or not 4 bytes long
 *
 * Since: 0.1
 */
gboolean
avanue_stun_message_get_uint32 (AvanueStunMessage *self, guint type, guint32 *out_value, GError **error)
{
  const StunAttribute *attr;

  g_return_val_if_fail (AVANUE_IS_STUN_MESSAGE (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  attr = stun_message_lookup (self, type, error);
  if (attr == NULL)
    return FALSE;
  if (attr->len != 4)
    {
      g_set_error (error, AVANUE_STUN_ERROR, AVANUE_STUN_ERROR_BAD_ATTRIBUTE,
                   "Attribute 0x%04x is not 4 bytes long", type);
      return FALSE;
    }
  if (out_value != NULL)
    *out_value = stun_read32 (self->data + attr->offset);
  return TRUE;
}

/**
 * avanue_stun_message_get_uint64:
 * @self: a #AvanueStunMessage
 * @type: the type of an 8-byte attribute, such as
 *   %AVANUE_STUN_ATTRIBUTE_ICE_CONTROLLING or
 *   %AVANUE_STUN_ATTRIBUTE_RESERVATION_TOKEN
 * @out_value: (out) (optional): the value, in host order
 * @error: return location for a #GError
 *
 * Reads an 8-byte attribute as a big-endian integer.
 *
 * Returns: %TRUE on success, %FALSE if absent or not 8 bytes long
 *
 * Since: 0.1
 */
gboolean
avanue_stun_message_get_uint64 (AvanueStunMessage *self, guint type, guint64 *out_value, GError **error)
{
  const StunAttribute *attr;

  g_return_val_if_fail (AVANUE_IS_STUN_MESSAGE (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  attr = stun_message_lookup (self, type, error);
  if (attr == NULL)
    return FALSE;
  if (attr->len != 8)
    {
      g_set_error (error, AVANUE_STUN_ERROR, AVANUE_STUN_ERROR_BAD_ATTRIBUTE,
                   "Attribute 0x%04x is not 8 bytes long", type);
      return FALSE;
    }
  if (out_value != NULL)
    {
      const guint8 *p = self->data + attr->offset;

      *out_value = ((guint64) stun_read32 (p) << 32) | stun_read32 (p + 4);
    }
  return TRUE;
}

/**
 * avanue_stun_message_get_string:
 * @self: a #AvanueStunMessage
 * @type: the type of a text attribute: %AVANUE_STUN_ATTRIBUTE_USERNAME,
 *   %AVANUE_STUN_ATTRIBUTE_REALM, %AVANUE_STUN_ATTRIBUTE_NONCE,
 *   %AVANUE_STUN_ATTRIBUTE_SOFTWARE…
 * @error: return location for a #GError
 *
 * Reads a text attribute as a string. Use
 * [method@Avanue.StunMessage.get_attribute] for the raw bytes (HMAC keys
 * are computed over those).
 *
 * Returns: (transfer full) (nullable): the value, or %NULL if absent or not
 *   valid UTF-8 (a NUL byte counts as invalid)
 *
 * Since: 0.1
 */
char *
avanue_stun_message_get_string (AvanueStunMessage *self, guint type, GError **error)
{
  const StunAttribute *attr;
  const char *value;

  g_return_val_if_fail (AVANUE_IS_STUN_MESSAGE (self), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  attr = stun_message_lookup (self, type, error);
  if (attr == NULL)
    return NULL;
  value = (const char *) self->data + attr->offset;
  if (!g_utf8_validate_len (value, attr->len, NULL))
    {
      g_set_error (error, AVANUE_STUN_ERROR, AVANUE_STUN_ERROR_BAD_ATTRIBUTE,
                   "Attribute 0x%04x is not valid UTF-8", type);
      return NULL;
    }
  return g_strndup (value, attr->len);
}

/**
 * avanue_stun_message_get_error_code:
 * @self: a #AvanueStunMessage
 * @out_code: (out) (optional): the error code, 300–699
 * @out_reason: (out) (optional) (transfer full): the reason phrase, with
 *   invalid UTF-8 replaced
 * @error: return location for a #GError
 *
 * Reads ERROR-CODE.
 *
 * Returns: %TRUE on success, %FALSE if the message has no ERROR-CODE
 *
 * Since: 0.1
 */
gboolean
avanue_stun_message_get_error_code (AvanueStunMessage *self,
                                    guint *out_code,
                                    char **out_reason,
                                    GError **error)
{
  const StunAttribute *attr;
  const guint8 *value;

  g_return_val_if_fail (AVANUE_IS_STUN_MESSAGE (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  attr = stun_message_lookup (self, AVANUE_STUN_ATTRIBUTE_ERROR_CODE, error);
  if (attr == NULL)
    return FALSE;
  /* Layout checked when indexed: at least 4 bytes. */
  value = self->data + attr->offset;
  if (out_code != NULL)
    *out_code = (value[2] & 0x07) * 100 + value[3];
  if (out_reason != NULL)
    *out_reason = g_utf8_make_valid ((const char *) value + 4, attr->len - 4);
  return TRUE;
}

/**
 * avanue_stun_message_get_address:
 * @self: a #AvanueStunMessage
 * @type: the type of a plain address attribute, such as
 *   %AVANUE_STUN_ATTRIBUTE_MAPPED_ADDRESS or
 *   %AVANUE_STUN_ATTRIBUTE_ALTERNATE_SERVER
 * @error: return location for a #GError
 *
 * Reads an address attribute that is not XOR-encoded.
 *
 * Returns: (transfer full) (nullable): the address, or %NULL if absent or
 *   malformed
 *
 * Since: 0.1
 */
GInetSocketAddress *
avanue_stun_message_get_address (AvanueStunMessage *self, guint type, GError **error)
{
  g_autoptr(GInetAddress) inet = NULL;
  guint8 addr[16];
  guint16 port;
  int family;

  g_return_val_if_fail (AVANUE_IS_STUN_MESSAGE (self), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!stun_message_decode_address (self, type, FALSE, &family, &port, addr, error))
    return NULL;
  inet = g_inet_address_new_from_bytes (addr, family == 0x01 ? G_SOCKET_FAMILY_IPV4 : G_SOCKET_FAMILY_IPV6);
  return G_INET_SOCKET_ADDRESS (g_inet_socket_address_new (inet, port));
}

/**
 * avanue_stun_message_get_xor_address:
 * @self: a #AvanueStunMessage
 * @type: the type of an XOR-encoded address attribute:
 *   %AVANUE_STUN_ATTRIBUTE_XOR_MAPPED_ADDRESS,
 *   %AVANUE_STUN_ATTRIBUTE_XOR_PEER_ADDRESS or
 *   %AVANUE_STUN_ATTRIBUTE_XOR_RELAYED_ADDRESS
 * @error: return location for a #GError
 *
 * Reads an XOR-encoded address attribute (RFC 8489 §14.2): the port is
 * XORed with the upper half of the magic cookie, an IPv4 address with the
 * magic cookie, an IPv6 address with the magic cookie followed by the
 * transaction ID.
 *
 * Returns: (transfer full) (nullable): the address, or %NULL if absent or
 *   malformed
 *
 * Since: 0.1
 */
GInetSocketAddress *
avanue_stun_message_get_xor_address (AvanueStunMessage *self, guint type, GError **error)
{
  g_autoptr(GInetAddress) inet = NULL;
  guint8 addr[16];
  guint16 port;
  int family;

  g_return_val_if_fail (AVANUE_IS_STUN_MESSAGE (self), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!stun_message_decode_address (self, type, TRUE, &family, &port, addr, error))
    return NULL;
  inet = g_inet_address_new_from_bytes (addr, family == 0x01 ? G_SOCKET_FAMILY_IPV4 : G_SOCKET_FAMILY_IPV6);
  return G_INET_SOCKET_ADDRESS (g_inet_socket_address_new (inet, port));
}

/*
 * avanue_stun_message_get_sockaddr:
 *
 * Reads an address attribute (XOR-encoded if @xor_encoded) into
 * @out_addr, a sockaddr_in or sockaddr_in6 whose size goes to
 * @out_addr_len. Allocates nothing.
 */
gboolean
avanue_stun_message_get_sockaddr (AvanueStunMessage *self,
                                  guint type,
                                  gboolean xor_encoded,
                                  struct sockaddr_storage *out_addr,
                                  socklen_t *out_addr_len,
                                  GError **error)
{
  guint8 addr[16];
  guint16 port;
  int family;

  g_return_val_if_fail (AVANUE_IS_STUN_MESSAGE (self), FALSE);
  g_return_val_if_fail (out_addr != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!stun_message_decode_address (self, type, xor_encoded, &family, &port, addr, error))
    return FALSE;

  memset (out_addr, 0, sizeof (*out_addr));
  if (family == 0x01)
    {
      struct sockaddr_in *sin = (struct sockaddr_in *) out_addr;

      sin->sin_family = AF_INET;
      sin->sin_port = g_htons (port);
      memcpy (&sin->sin_addr, addr, 4);
      if (out_addr_len != NULL)
        *out_addr_len = sizeof (struct sockaddr_in);
    }
  else
    {
      struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *) out_addr;

      sin6->sin6_family = AF_INET6;
      sin6->sin6_port = g_htons (port);
      memcpy (&sin6->sin6_addr, addr, 16);
      if (out_addr_len != NULL)
        *out_addr_len = sizeof (struct sockaddr_in6);
    }
  return TRUE;
}

/**
 * avanue_stun_message_get_unknown_attributes:
 * @self: a #AvanueStunMessage
 * @n_types: (out): the number of types returned
 *
 * Gets the comprehension-required attribute types (below 0x8000) of the
 * parsed message that the codec does not know, each once, in message
 * order: what a server puts in UNKNOWN-ATTRIBUTES when it answers 420.
 * Unknown comprehension-optional attributes are not listed.
 *
 * Returns: (transfer none) (array length=n_types): the unknown types
 *
 * Since: 0.1
 */
const guint16 *
avanue_stun_message_get_unknown_attributes (AvanueStunMessage *self, gsize *n_types)
{
  g_return_val_if_fail (AVANUE_IS_STUN_MESSAGE (self), NULL);
  g_return_val_if_fail (n_types != NULL, NULL);

  *n_types = self->n_unknown;
  return self->unknown;
}

/**
 * avanue_stun_message_check_integrity:
 * @self: a #AvanueStunMessage
 * @key: (array length=key_len): the key: the password for short-term
 *   credentials, [func@Avanue.stun_compute_long_term_key] for long-term ones
 * @key_len: the length of @key
 * @error: return location for a #GError
 *
 * Checks MESSAGE-INTEGRITY, an HMAC-SHA1 over the message up to the
 * attribute, with the length field counting up to its end (RFC 8489
 * §14.5). The comparison takes constant time.
 *
 * Returns: %TRUE if the message has a MESSAGE-INTEGRITY that matches @key;
 *   otherwise %FALSE with %AVANUE_STUN_ERROR_NOT_FOUND or
 *   %AVANUE_STUN_ERROR_BAD_INTEGRITY
 *
 * Since: 0.1
 */
gboolean
avanue_stun_message_check_integrity (AvanueStunMessage *self,
                                     const guint8 *key,
                                     gsize key_len,
                                     GError **error)
{
  const StunAttribute *attr;
  guint8 digest[20];
  gsize digest_len = sizeof (digest);
  gsize prefix_len;

  g_return_val_if_fail (AVANUE_IS_STUN_MESSAGE (self), FALSE);
  g_return_val_if_fail (key != NULL || key_len == 0, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (self->integrity_index < 0)
    {
      g_set_error_literal (error, AVANUE_STUN_ERROR, AVANUE_STUN_ERROR_NOT_FOUND,
                           "The STUN message has no MESSAGE-INTEGRITY");
      return FALSE;
    }
  attr = &self->attributes[self->integrity_index];
  prefix_len = attr->offset - 4;
  stun_message_hmac (self->data, prefix_len, prefix_len + 4 + 20 - AVANUE_STUN_HEADER_SIZE,
                     G_CHECKSUM_SHA1, key, key_len, digest, &digest_len);
  if (!stun_equal_const_time (digest, self->data + attr->offset, 20))
    {
      g_set_error_literal (error, AVANUE_STUN_ERROR, AVANUE_STUN_ERROR_BAD_INTEGRITY,
                           "MESSAGE-INTEGRITY does not match");
      return FALSE;
    }
  return TRUE;
}

/**
 * avanue_stun_message_check_integrity_sha256:
 * @self: a #AvanueStunMessage
 * @key: (array length=key_len): the key, as for
 *   [method@Avanue.StunMessage.check_integrity]
 * @key_len: the length of @key
 * @error: return location for a #GError
 *
 * Checks MESSAGE-INTEGRITY-SHA256, an HMAC-SHA256 possibly truncated to 16
 * to 32 bytes (RFC 8489 §14.6). The comparison takes constant time.
 *
 * Returns: %TRUE if the message has a MESSAGE-INTEGRITY-SHA256 that matches
 *   @key; otherwise %FALSE with %AVANUE_STUN_ERROR_NOT_FOUND or
 *   %AVANUE_STUN_ERROR_BAD_INTEGRITY
 *
 * Since: 0.1
 */
gboolean
avanue_stun_message_check_integrity_sha256 (AvanueStunMessage *self,
                                            const guint8 *key,
                                            gsize key_len,
                                            GError **error)
{
  const StunAttribute *attr;
  guint8 digest[32];
  gsize digest_len = sizeof (digest);
  gsize prefix_len;

  g_return_val_if_fail (AVANUE_IS_STUN_MESSAGE (self), FALSE);
  g_return_val_if_fail (key != NULL || key_len == 0, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (self->integrity_sha256_index < 0)
    {
      g_set_error_literal (error, AVANUE_STUN_ERROR, AVANUE_STUN_ERROR_NOT_FOUND,
                           "The STUN message has no MESSAGE-INTEGRITY-SHA256");
      return FALSE;
    }
  attr = &self->attributes[self->integrity_sha256_index];
  prefix_len = attr->offset - 4;
  stun_message_hmac (self->data, prefix_len, prefix_len + 4 + attr->len - AVANUE_STUN_HEADER_SIZE,
                     G_CHECKSUM_SHA256, key, key_len, digest, &digest_len);
  if (!stun_equal_const_time (digest, self->data + attr->offset, attr->len))
    {
      g_set_error_literal (error, AVANUE_STUN_ERROR, AVANUE_STUN_ERROR_BAD_INTEGRITY,
                           "MESSAGE-INTEGRITY-SHA256 does not match");
      return FALSE;
    }
  return TRUE;
}

/**
 * avanue_stun_message_check_fingerprint:
 * @self: a #AvanueStunMessage
 * @error: return location for a #GError
 *
 * Checks FINGERPRINT: the CRC-32 of the message up to the attribute, with
 * the length field counting up to its end, XORed with 0x5354554e (RFC 8489
 * §14.7).
 *
 * Returns: %TRUE if the message has a FINGERPRINT that matches; otherwise
 *   %FALSE with %AVANUE_STUN_ERROR_NOT_FOUND or
 *   %AVANUE_STUN_ERROR_BAD_FINGERPRINT
 *
 * Since: 0.1
 */
gboolean
avanue_stun_message_check_fingerprint (AvanueStunMessage *self, GError **error)
{
  const StunAttribute *attr;
  gsize prefix_len;

  g_return_val_if_fail (AVANUE_IS_STUN_MESSAGE (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (self->fingerprint_index < 0)
    {
      g_set_error_literal (error, AVANUE_STUN_ERROR, AVANUE_STUN_ERROR_NOT_FOUND,
                           "The STUN message has no FINGERPRINT");
      return FALSE;
    }
  attr = &self->attributes[self->fingerprint_index];
  prefix_len = attr->offset - 4;
  if (stun_message_crc (self->data, prefix_len, prefix_len + 8 - AVANUE_STUN_HEADER_SIZE) !=
      stun_read32 (self->data + attr->offset))
    {
      g_set_error_literal (error, AVANUE_STUN_ERROR, AVANUE_STUN_ERROR_BAD_FINGERPRINT,
                           "FINGERPRINT does not match");
      return FALSE;
    }
  return TRUE;
}

/*
 * avanue_stun_compute_long_term_key_raw:
 *
 * MD5 (username ":" realm ":" password) into @out_key, from raw bytes (such
 * as the values of USERNAME and REALM in a request).
 */
void
avanue_stun_compute_long_term_key_raw (const guint8 *username,
                                       gsize username_len,
                                       const guint8 *realm,
                                       gsize realm_len,
                                       const guint8 *password,
                                       gsize password_len,
                                       guint8 out_key[AVANUE_STUN_LONG_TERM_KEY_SIZE])
{
  g_autoptr(GChecksum) md5 = g_checksum_new (G_CHECKSUM_MD5);
  gsize len = AVANUE_STUN_LONG_TERM_KEY_SIZE;

  g_return_if_fail (username != NULL || username_len == 0);
  g_return_if_fail (realm != NULL || realm_len == 0);
  g_return_if_fail (password != NULL || password_len == 0);
  g_return_if_fail (out_key != NULL);

  if (username_len > 0)
    g_checksum_update (md5, username, username_len);
  g_checksum_update (md5, (const guint8 *) ":", 1);
  if (realm_len > 0)
    g_checksum_update (md5, realm, realm_len);
  g_checksum_update (md5, (const guint8 *) ":", 1);
  if (password_len > 0)
    g_checksum_update (md5, password, password_len);
  g_checksum_get_digest (md5, out_key, &len);
}

/**
 * avanue_stun_compute_long_term_key:
 * @username: the user name, as in USERNAME
 * @realm: the realm, as in REALM
 * @password: the password
 *
 * Computes the key of long-term credentials, MD5 (username ":" realm ":"
 * password) (RFC 8489 §9.2.2), for
 * [method@Avanue.StunMessage.check_integrity] and
 * [method@Avanue.StunMessage.add_message_integrity]. The strings are used
 * as given, without SASLprep or OpaqueString processing.
 *
 * Returns: (transfer full): the 16-byte key
 *
 * Since: 0.1
 */
GBytes *
avanue_stun_compute_long_term_key (const char *username, const char *realm, const char *password)
{
  guint8 key[AVANUE_STUN_LONG_TERM_KEY_SIZE];

  g_return_val_if_fail (username != NULL, NULL);
  g_return_val_if_fail (realm != NULL, NULL);
  g_return_val_if_fail (password != NULL, NULL);

  avanue_stun_compute_long_term_key_raw ((const guint8 *) username, strlen (username),
                                         (const guint8 *) realm, strlen (realm),
                                         (const guint8 *) password, strlen (password),
                                         key);
  return g_bytes_new (key, sizeof (key));
}

/**
 * avanue_stun_message_start:
 * @self: a #AvanueStunMessage
 * @method: the 12-bit method, such as %AVANUE_STUN_METHOD_ALLOCATE
 * @message_class: the class
 * @transaction_id: (array fixed-size=12) (nullable): the transaction ID, or
 *   %NULL for a new cryptographically random one
 *
 * Replaces the contents of @self with a new message holding only a header,
 * to which attributes are then added.
 *
 * Since: 0.1
 */
void
avanue_stun_message_start (AvanueStunMessage *self,
                           guint method,
                           AvanueStunClass message_class,
                           const guint8 *transaction_id)
{
  guint8 tid[AVANUE_STUN_TRANSACTION_ID_SIZE];

  g_return_if_fail (AVANUE_IS_STUN_MESSAGE (self));
  g_return_if_fail (method <= 0xFFF);
  g_return_if_fail (message_class <= AVANUE_STUN_CLASS_ERROR_RESPONSE);

  /* Copied first: it may point into the message being replaced. */
  if (transaction_id != NULL)
    memcpy (tid, transaction_id, sizeof (tid));
  else if (gnutls_rnd (GNUTLS_RND_NONCE, tid, sizeof (tid)) < 0)
    {
      g_warning ("gnutls_rnd() failed; using a non-cryptographic transaction ID");
      for (gsize i = 0; i < sizeof (tid); i++)
        tid[i] = g_random_int_range (0, 256);
    }

  stun_message_reset (self);
  self->building = TRUE;
  stun_message_ensure_capacity (self, STUN_INITIAL_BUFFER_SIZE);
  self->data = self->buf;
  stun_write16 (self->buf, stun_message_type (method, message_class));
  stun_write16 (self->buf + 2, 0);
  stun_write32 (self->buf + 4, AVANUE_STUN_MAGIC_COOKIE);
  memcpy (self->buf + 8, tid, sizeof (tid));
  self->len = AVANUE_STUN_HEADER_SIZE;
  self->header_valid = TRUE;
  self->valid = TRUE;
}

/**
 * avanue_stun_message_start_response:
 * @self: a #AvanueStunMessage
 * @request: a parsed request (it may be @self, or a request whose
 *   attributes failed to parse)
 * @success: %TRUE for a success response, %FALSE for an error response
 * @error: return location for a #GError
 *
 * Like [method@Avanue.StunMessage.start], with the method and transaction
 * ID of @request.
 *
 * Returns: %TRUE on success, %FALSE if @request holds no request
 *
 * Since: 0.1
 */
gboolean
avanue_stun_message_start_response (AvanueStunMessage *self,
                                    AvanueStunMessage *request,
                                    gboolean success,
                                    GError **error)
{
  g_return_val_if_fail (AVANUE_IS_STUN_MESSAGE (self), FALSE);
  g_return_val_if_fail (AVANUE_IS_STUN_MESSAGE (request), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!request->header_valid ||
      avanue_stun_message_get_message_class (request) != AVANUE_STUN_CLASS_REQUEST)
    {
      g_set_error_literal (error, AVANUE_STUN_ERROR, AVANUE_STUN_ERROR_FAILED,
                           "Only a request can be answered");
      return FALSE;
    }
  avanue_stun_message_start (self, avanue_stun_message_get_method (request),
                             success ? AVANUE_STUN_CLASS_SUCCESS_RESPONSE : AVANUE_STUN_CLASS_ERROR_RESPONSE,
                             avanue_stun_message_get_transaction_id (request));
  return TRUE;
}

/**
 * avanue_stun_message_add_attribute:
 * @self: a #AvanueStunMessage being built
 * @type: the attribute type
 * @value: (array length=value_len) (nullable): the value; it must not point
 *   into @self
 * @value_len: the length of @value, at most 65535
 * @error: return location for a #GError
 *
 * Appends an attribute with a raw value, padded with
 * [property@Avanue.StunMessage:padding-byte]. Known attributes are checked
 * as when parsing. MESSAGE-INTEGRITY, MESSAGE-INTEGRITY-SHA256 and
 * FINGERPRINT have their own methods and are refused here.
 *
 * Returns: %TRUE on success; %FALSE if the value is malformed, the message
 *   would grow too large or hold too many attributes, or the message is
 *   already sealed by an integrity attribute or FINGERPRINT
 *
 * Since: 0.1
 */
gboolean
avanue_stun_message_add_attribute (AvanueStunMessage *self,
                                   guint type,
                                   const guint8 *value,
                                   gsize value_len,
                                   GError **error)
{
  guint8 *p;

  g_return_val_if_fail (AVANUE_IS_STUN_MESSAGE (self), FALSE);
  g_return_val_if_fail (self->building, FALSE);
  g_return_val_if_fail (type <= G_MAXUINT16, FALSE);
  g_return_val_if_fail (value != NULL || value_len == 0, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (type == AVANUE_STUN_ATTRIBUTE_MESSAGE_INTEGRITY ||
      type == AVANUE_STUN_ATTRIBUTE_MESSAGE_INTEGRITY_SHA256 ||
      type == AVANUE_STUN_ATTRIBUTE_FINGERPRINT)
    {
      g_set_error (error, AVANUE_STUN_ERROR, AVANUE_STUN_ERROR_BAD_ATTRIBUTE,
                   "Attribute 0x%04x is computed, not added raw", type);
      return FALSE;
    }
  if (!stun_attribute_validate (type, value, value_len, error))
    return FALSE;
  p = stun_message_append (self, type, value_len, error);
  if (p == NULL)
    return FALSE;
  if (value_len > 0)
    memcpy (p, value, value_len);
  return TRUE;
}

/**
 * avanue_stun_message_add_uint32:
 * @self: a #AvanueStunMessage being built
 * @type: the attribute type, such as %AVANUE_STUN_ATTRIBUTE_LIFETIME
 * @value: the value, in host order
 * @error: return location for a #GError
 *
 * Appends a 4-byte attribute holding @value in network order. For
 * REQUESTED-TRANSPORT pass the protocol shifted left by 24 (UDP: 17 << 24),
 * for CHANNEL-NUMBER the channel shifted left by 16.
 *
 * Returns: %TRUE on success
 *
 * Since: 0.1
 */
gboolean
avanue_stun_message_add_uint32 (AvanueStunMessage *self, guint type, guint32 value, GError **error)
{
  guint8 bytes[4];

  stun_write32 (bytes, value);
  return avanue_stun_message_add_attribute (self, type, bytes, sizeof (bytes), error);
}

/**
 * avanue_stun_message_add_uint64:
 * @self: a #AvanueStunMessage being built
 * @type: the attribute type, such as %AVANUE_STUN_ATTRIBUTE_ICE_CONTROLLING
 * @value: the value, in host order
 * @error: return location for a #GError
 *
 * Appends an 8-byte attribute holding @value in network order.
 *
 * Returns: %TRUE on success
 *
 * Since: 0.1
 */
gboolean
avanue_stun_message_add_uint64 (AvanueStunMessage *self, guint type, guint64 value, GError **error)
{
  guint8 bytes[8];

  stun_write32 (bytes, value >> 32);
  stun_write32 (bytes + 4, value & 0xFFFFFFFFU);
  return avanue_stun_message_add_attribute (self, type, bytes, sizeof (bytes), error);
}

/**
 * avanue_stun_message_add_string:
 * @self: a #AvanueStunMessage being built
 * @type: the attribute type, such as %AVANUE_STUN_ATTRIBUTE_SOFTWARE
 * @value: a UTF-8 string
 * @error: return location for a #GError
 *
 * Appends a text attribute, without a terminating NUL.
 *
 * Returns: %TRUE on success
 *
 * Since: 0.1
 */
gboolean
avanue_stun_message_add_string (AvanueStunMessage *self, guint type, const char *value, GError **error)
{
  g_return_val_if_fail (value != NULL, FALSE);

  if (!g_utf8_validate (value, -1, NULL))
    {
      g_set_error (error, AVANUE_STUN_ERROR, AVANUE_STUN_ERROR_BAD_ATTRIBUTE,
                   "Attribute 0x%04x must be valid UTF-8", type);
      return FALSE;
    }
  return avanue_stun_message_add_attribute (self, type, (const guint8 *) value, strlen (value), error);
}

/**
 * avanue_stun_message_add_error_code:
 * @self: a #AvanueStunMessage being built
 * @code: the error code, 300–699 (such as 401, 420, 438)
 * @reason: (nullable): a UTF-8 reason phrase
 * @error: return location for a #GError
 *
 * Appends ERROR-CODE.
 *
 * Returns: %TRUE on success, %FALSE if @code is out of range or the
 *   attribute does not fit
 *
 * Since: 0.1
 */
gboolean
avanue_stun_message_add_error_code (AvanueStunMessage *self,
                                    guint code,
                                    const char *reason,
                                    GError **error)
{
  gsize reason_len = reason != NULL ? strlen (reason) : 0;
  guint8 *p;

  g_return_val_if_fail (AVANUE_IS_STUN_MESSAGE (self), FALSE);
  g_return_val_if_fail (self->building, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (code < 300 || code > 699)
    {
      g_set_error (error, AVANUE_STUN_ERROR, AVANUE_STUN_ERROR_BAD_ATTRIBUTE,
                   "STUN error code %u is not within 300–699", code);
      return FALSE;
    }
  if (reason != NULL && !g_utf8_validate (reason, -1, NULL))
    {
      g_set_error_literal (error, AVANUE_STUN_ERROR, AVANUE_STUN_ERROR_BAD_ATTRIBUTE,
                           "The reason phrase must be valid UTF-8");
      return FALSE;
    }
  if (reason_len > G_MAXUINT16 - 4)
    {
      g_set_error_literal (error, AVANUE_STUN_ERROR, AVANUE_STUN_ERROR_TOO_LARGE,
                           "The reason phrase is too long");
      return FALSE;
    }
  p = stun_message_append (self, AVANUE_STUN_ATTRIBUTE_ERROR_CODE, 4 + reason_len, error);
  if (p == NULL)
    return FALSE;
  p[0] = 0;
  p[1] = 0;
  p[2] = code / 100;
  p[3] = code % 100;
  if (reason_len > 0)
    memcpy (p + 4, reason, reason_len);
  return TRUE;
}

/**
 * avanue_stun_message_add_unknown_attributes:
 * @self: a #AvanueStunMessage being built
 * @types: (array length=n_types): attribute types, such as those of
 *   [method@Avanue.StunMessage.get_unknown_attributes]
 * @n_types: the number of types
 * @error: return location for a #GError
 *
 * Appends UNKNOWN-ATTRIBUTES, for a 420 response.
 *
 * Returns: %TRUE on success
 *
 * Since: 0.1
 */
gboolean
avanue_stun_message_add_unknown_attributes (AvanueStunMessage *self,
                                            const guint16 *types,
                                            gsize n_types,
                                            GError **error)
{
  guint8 *p;

  g_return_val_if_fail (AVANUE_IS_STUN_MESSAGE (self), FALSE);
  g_return_val_if_fail (self->building, FALSE);
  g_return_val_if_fail (types != NULL || n_types == 0, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (n_types > G_MAXUINT16 / 2)
    {
      g_set_error_literal (error, AVANUE_STUN_ERROR, AVANUE_STUN_ERROR_TOO_LARGE,
                           "Too many unknown attribute types");
      return FALSE;
    }
  p = stun_message_append (self, AVANUE_STUN_ATTRIBUTE_UNKNOWN_ATTRIBUTES, n_types * 2, error);
  if (p == NULL)
    return FALSE;
  for (gsize i = 0; i < n_types; i++)
    stun_write16 (p + 2 * i, types[i]);
  return TRUE;
}

/**
 * avanue_stun_message_add_address:
 * @self: a #AvanueStunMessage being built
 * @type: the type of a plain address attribute, such as
 *   %AVANUE_STUN_ATTRIBUTE_ALTERNATE_SERVER
 * @address: an IPv4 or IPv6 address and port
 * @error: return location for a #GError
 *
 * Appends an address attribute that is not XOR-encoded.
 *
 * Returns: %TRUE on success
 *
 * Since: 0.1
 */
gboolean
avanue_stun_message_add_address (AvanueStunMessage *self,
                                 guint type,
                                 GInetSocketAddress *address,
                                 GError **error)
{
  guint8 addr[16];
  guint16 port;
  int family;

  g_return_val_if_fail (AVANUE_IS_STUN_MESSAGE (self), FALSE);
  g_return_val_if_fail (self->building, FALSE);
  g_return_val_if_fail (G_IS_INET_SOCKET_ADDRESS (address), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!stun_address_from_inet (address, &family, &port, addr, error))
    return FALSE;
  return stun_message_append_address (self, type, FALSE, family, port, addr, error);
}

/**
 * avanue_stun_message_add_xor_address:
 * @self: a #AvanueStunMessage being built
 * @type: the type of an XOR-encoded address attribute, such as
 *   %AVANUE_STUN_ATTRIBUTE_XOR_MAPPED_ADDRESS
 * @address: an IPv4 or IPv6 address and port
 * @error: return location for a #GError
 *
 * Appends an XOR-encoded address attribute (see
 * [method@Avanue.StunMessage.get_xor_address]), using the transaction ID
 * of @self.
 *
 * Returns: %TRUE on success
 *
 * Since: 0.1
 */
gboolean
avanue_stun_message_add_xor_address (AvanueStunMessage *self,
                                     guint type,
                                     GInetSocketAddress *address,
                                     GError **error)
{
  guint8 addr[16];
  guint16 port;
  int family;

  g_return_val_if_fail (AVANUE_IS_STUN_MESSAGE (self), FALSE);
  g_return_val_if_fail (self->building, FALSE);
  g_return_val_if_fail (G_IS_INET_SOCKET_ADDRESS (address), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!stun_address_from_inet (address, &family, &port, addr, error))
    return FALSE;
  return stun_message_append_address (self, type, TRUE, family, port, addr, error);
}

/*
 * avanue_stun_message_add_sockaddr:
 *
 * Appends an address attribute (XOR-encoded if @xor_encoded) from a
 * sockaddr_in or sockaddr_in6. Allocates nothing once the buffer of @self
 * has grown.
 */
gboolean
avanue_stun_message_add_sockaddr (AvanueStunMessage *self,
                                  guint type,
                                  gboolean xor_encoded,
                                  const struct sockaddr *addr,
                                  socklen_t addr_len,
                                  GError **error)
{
  g_return_val_if_fail (AVANUE_IS_STUN_MESSAGE (self), FALSE);
  g_return_val_if_fail (self->building, FALSE);
  g_return_val_if_fail (addr != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (addr->sa_family == AF_INET && addr_len >= sizeof (struct sockaddr_in))
    {
      const struct sockaddr_in *sin = (const struct sockaddr_in *) addr;

      return stun_message_append_address (self, type, xor_encoded, 0x01, g_ntohs (sin->sin_port),
                                          (const guint8 *) &sin->sin_addr, error);
    }
  if (addr->sa_family == AF_INET6 && addr_len >= sizeof (struct sockaddr_in6))
    {
      const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *) addr;

      return stun_message_append_address (self, type, xor_encoded, 0x02, g_ntohs (sin6->sin6_port),
                                          (const guint8 *) &sin6->sin6_addr, error);
    }
  g_set_error_literal (error, AVANUE_STUN_ERROR, AVANUE_STUN_ERROR_BAD_ATTRIBUTE,
                       "Only IPv4 and IPv6 socket addresses can be encoded");
  return FALSE;
}

/* Appends MESSAGE-INTEGRITY or MESSAGE-INTEGRITY-SHA256: an HMAC over the
 * message so far, with the length field already counting the new
 * attribute (RFC 8489 §14.5, §14.6). */
static gboolean
stun_message_add_integrity (AvanueStunMessage *self,
                            guint              type,
                            GChecksumType      checksum,
                            gsize              digest_len,
                            const guint8      *key,
                            gsize              key_len,
                            GError           **error)
{
  gsize prefix_len = self->len;
  guint8 *p = stun_message_append (self, type, digest_len, error);

  if (p == NULL)
    return FALSE;
  stun_message_hmac (self->buf, prefix_len, stun_read16 (self->buf + 2), checksum,
                     key, key_len, p, &digest_len);
  return TRUE;
}

/**
 * avanue_stun_message_add_message_integrity:
 * @self: a #AvanueStunMessage being built
 * @key: (array length=key_len): the key: the password for short-term
 *   credentials, [func@Avanue.stun_compute_long_term_key] for long-term ones
 * @key_len: the length of @key
 * @error: return location for a #GError
 *
 * Appends MESSAGE-INTEGRITY (HMAC-SHA1, RFC 8489 §14.5). Afterwards only
 * MESSAGE-INTEGRITY-SHA256 and FINGERPRINT can be added.
 *
 * Returns: %TRUE on success
 *
 * Since: 0.1
 */
gboolean
avanue_stun_message_add_message_integrity (AvanueStunMessage *self,
                                           const guint8 *key,
                                           gsize key_len,
                                           GError **error)
{
  g_return_val_if_fail (AVANUE_IS_STUN_MESSAGE (self), FALSE);
  g_return_val_if_fail (self->building, FALSE);
  g_return_val_if_fail (key != NULL || key_len == 0, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  return stun_message_add_integrity (self, AVANUE_STUN_ATTRIBUTE_MESSAGE_INTEGRITY, G_CHECKSUM_SHA1, 20,
                                     key, key_len, error);
}

/**
 * avanue_stun_message_add_message_integrity_sha256:
 * @self: a #AvanueStunMessage being built
 * @key: (array length=key_len): the key, as for
 *   [method@Avanue.StunMessage.add_message_integrity]
 * @key_len: the length of @key
 * @error: return location for a #GError
 *
 * Appends MESSAGE-INTEGRITY-SHA256 (HMAC-SHA256, 32 bytes, RFC 8489 §14.6).
 * Afterwards only FINGERPRINT can be added.
 *
 * Returns: %TRUE on success
 *
 * Since: 0.1
 */
gboolean
avanue_stun_message_add_message_integrity_sha256 (AvanueStunMessage *self,
                                                  const guint8 *key,
                                                  gsize key_len,
                                                  GError **error)
{
  g_return_val_if_fail (AVANUE_IS_STUN_MESSAGE (self), FALSE);
  g_return_val_if_fail (self->building, FALSE);
  g_return_val_if_fail (key != NULL || key_len == 0, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  return stun_message_add_integrity (self, AVANUE_STUN_ATTRIBUTE_MESSAGE_INTEGRITY_SHA256, G_CHECKSUM_SHA256, 32,
                                     key, key_len, error);
}

/**
 * avanue_stun_message_add_fingerprint:
 * @self: a #AvanueStunMessage being built
 * @error: return location for a #GError
 *
 * Appends FINGERPRINT (RFC 8489 §14.7), which must come last.
 *
 * Returns: %TRUE on success
 *
 * Since: 0.1
 */
gboolean
avanue_stun_message_add_fingerprint (AvanueStunMessage *self, GError **error)
{
  gsize prefix_len;
  guint8 *p;

  g_return_val_if_fail (AVANUE_IS_STUN_MESSAGE (self), FALSE);
  g_return_val_if_fail (self->building, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  prefix_len = self->len;
  p = stun_message_append (self, AVANUE_STUN_ATTRIBUTE_FINGERPRINT, 4, error);
  if (p == NULL)
    return FALSE;
  stun_write32 (p, stun_message_crc (self->buf, prefix_len, stun_read16 (self->buf + 2)));
  return TRUE;
}

/**
 * avanue_stun_message_get_data:
 * @self: a #AvanueStunMessage
 * @out_len: (out): the length of the message
 *
 * Gets the wire bytes of the message, parsed or being built.
 *
 * Returns: (transfer none) (array length=out_len) (nullable): the message,
 *   or %NULL when @self holds none
 *
 * Since: 0.1
 */
const guint8 *
avanue_stun_message_get_data (AvanueStunMessage *self, gsize *out_len)
{
  g_return_val_if_fail (AVANUE_IS_STUN_MESSAGE (self), NULL);
  g_return_val_if_fail (out_len != NULL, NULL);

  if (!self->valid)
    {
      *out_len = 0;
      return NULL;
    }
  *out_len = self->len;
  return self->data;
}

/**
 * avanue_stun_message_to_bytes:
 * @self: a #AvanueStunMessage
 *
 * Copies the wire bytes of the message, parsed or being built.
 *
 * Returns: (transfer full) (nullable): the message, or %NULL when @self
 *   holds none
 *
 * Since: 0.1
 */
GBytes *
avanue_stun_message_to_bytes (AvanueStunMessage *self)
{
  g_return_val_if_fail (AVANUE_IS_STUN_MESSAGE (self), NULL);

  if (!self->valid)
    return NULL;
  return g_bytes_new (self->data, self->len);
}

/**
 * avanue_stun_classify:
 * @data: (array length=len): the first bytes of a packet
 * @len: the length of @data
 *
 * Tells a STUN message from a TURN ChannelData message by their first bytes
 * (RFC 8656 §12): STUN starts with two zero bits and carries the magic
 * cookie, ChannelData starts with a channel number in 0x4000–0x4FFF. Only
 * the headers are looked at; parse to validate.
 *
 * Returns: the kind of packet
 *
 * Since: 0.1
 */
AvanueStunPacketType
avanue_stun_classify (const guint8 *data, gsize len)
{
  g_return_val_if_fail (data != NULL || len == 0, AVANUE_STUN_PACKET_UNKNOWN);

  if (len >= AVANUE_STUN_HEADER_SIZE && (data[0] & 0xC0) == 0 &&
      stun_read32 (data + 4) == AVANUE_STUN_MAGIC_COOKIE)
    return AVANUE_STUN_PACKET_STUN;
  if (len >= 4 && data[0] >= 0x40 && data[0] <= 0x4F)
    return AVANUE_STUN_PACKET_CHANNEL_DATA;
  return AVANUE_STUN_PACKET_UNKNOWN;
}

/**
 * avanue_stun_parse_channel_data:
 * @data: (array length=len): a ChannelData message
 * @len: the length of @data
 * @out_channel: (out) (optional): the channel number
 * @out_payload_len: (out) (optional): the length of the application data,
 *   which starts 4 bytes into @data
 * @error: return location for a #GError
 *
 * Reads the 4-byte header of a TURN ChannelData message (RFC 8656 §12.4).
 * @data may be longer than the header says (UDP datagrams may carry
 * padding), not shorter.
 *
 * Returns: %TRUE on success; %FALSE with %AVANUE_STUN_ERROR_NOT_STUN if the
 *   channel number is outside 0x4000–0x4FFF, %AVANUE_STUN_ERROR_TRUNCATED
 *   if @data is shorter than the header says
 *
 * Since: 0.1
 */
gboolean
avanue_stun_parse_channel_data (const guint8 *data,
                                gsize len,
                                guint16 *out_channel,
                                gsize *out_payload_len,
                                GError **error)
{
  guint16 channel;
  gsize payload_len;

  g_return_val_if_fail (data != NULL || len == 0, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (len < 4)
    {
      g_set_error (error, AVANUE_STUN_ERROR, AVANUE_STUN_ERROR_TRUNCATED,
                   "ChannelData message of %" G_GSIZE_FORMAT " bytes is shorter than a header", len);
      return FALSE;
    }
  channel = stun_read16 (data);
  if (channel < 0x4000 || channel > 0x4FFF)
    {
      g_set_error (error, AVANUE_STUN_ERROR, AVANUE_STUN_ERROR_NOT_STUN,
                   "0x%04x is not a TURN channel number", channel);
      return FALSE;
    }
  payload_len = stun_read16 (data + 2);
  if (4 + payload_len > len)
    {
      g_set_error (error, AVANUE_STUN_ERROR, AVANUE_STUN_ERROR_TRUNCATED,
                   "ChannelData message truncated: %" G_GSIZE_FORMAT " bytes of %" G_GSIZE_FORMAT,
                   len, 4 + payload_len);
      return FALSE;
    }
  if (out_channel != NULL)
    *out_channel = channel;
  if (out_payload_len != NULL)
    *out_payload_len = payload_len;
  return TRUE;
}

/**
 * avanue_stun_peek_frame_length:
 * @data: (array length=len): the start of a frame in a stream (TURN over
 *   TCP or TLS)
 * @len: the number of bytes available, at least 4 for an answer
 * @out_frame_len: (out) (optional): the length of the whole frame
 * @error: return location for a #GError
 *
 * Works out how long the STUN message or ChannelData message starting at
 * @data is, to cut a stream into frames: 20 plus the length field for
 * STUN, 4 plus the length field rounded up to a multiple of 4 for
 * ChannelData (padding is mandatory over streams, RFC 8656 §12.5).
 *
 * Returns: %TRUE on success; %FALSE with %AVANUE_STUN_ERROR_TRUNCATED if
 *   fewer than 4 bytes are available (wait for more), or another code if
 *   the stream holds neither kind of frame (close it)
 *
 * Since: 0.1
 */
gboolean
avanue_stun_peek_frame_length (const guint8 *data, gsize len, gsize *out_frame_len, GError **error)
{
  gsize frame_len;

  g_return_val_if_fail (data != NULL || len == 0, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (len < 4)
    {
      g_set_error_literal (error, AVANUE_STUN_ERROR, AVANUE_STUN_ERROR_TRUNCATED,
                           "A frame header needs 4 bytes");
      return FALSE;
    }
  if ((data[0] & 0xC0) == 0)
    {
      gsize body_len = stun_read16 (data + 2);

      if (body_len % 4 != 0)
        {
          g_set_error (error, AVANUE_STUN_ERROR, AVANUE_STUN_ERROR_BAD_LENGTH,
                       "STUN message length %" G_GSIZE_FORMAT " is not a multiple of 4", body_len);
          return FALSE;
        }
      if (len >= 8 && stun_read32 (data + 4) != AVANUE_STUN_MAGIC_COOKIE)
        {
          g_set_error_literal (error, AVANUE_STUN_ERROR, AVANUE_STUN_ERROR_BAD_MAGIC_COOKIE,
                               "The STUN magic cookie is missing");
          return FALSE;
        }
      frame_len = AVANUE_STUN_HEADER_SIZE + body_len;
    }
  else if (data[0] >= 0x40 && data[0] <= 0x4F)
    {
      frame_len = 4 + stun_pad4 (stun_read16 (data + 2));
    }
  else
    {
      g_set_error_literal (error, AVANUE_STUN_ERROR, AVANUE_STUN_ERROR_NOT_STUN,
                           "Neither a STUN nor a ChannelData message");
      return FALSE;
    }
  if (out_frame_len != NULL)
    *out_frame_len = frame_len;
  return TRUE;
}

/*
 * avanue_stun_write_channel_data_header:
 *
 * Writes the 4-byte ChannelData header; the caller appends the payload
 * (and, over streams, the padding).
 */
void
avanue_stun_write_channel_data_header (guint8 out[4], guint16 channel, guint16 payload_len)
{
  stun_write16 (out, channel);
  stun_write16 (out + 2, payload_len);
}
