/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Fuzz target for AvanueStunMessage: parses arbitrary bytes as STUN (and
 * as ChannelData), and when a message parses, reads every attribute with
 * every getter, checks integrity and fingerprint, builds the message again
 * from its parts and checks that the copy parses to the same thing. */
#include "config.h"

#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "avanue.h"
#include "avanue-stun-message-private.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

#define FUZZ_CHECK(cond) \
  do \
    { \
      if (!(cond)) \
        { \
          g_printerr ("%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
          abort (); \
        } \
    } \
  while (0)

static const guint8 fuzz_key[] = "fuzz-password";

static void
exercise_getters (AvanueStunMessage *msg)
{
  guint n = avanue_stun_message_get_n_attributes (msg);
  gsize n_unknown = 0;
  const guint16 *unknown;
  gsize len = 0;
  const guint8 *tid;

  FUZZ_CHECK (n <= AVANUE_STUN_MAX_ATTRIBUTES);
  tid = avanue_stun_message_get_transaction_id (msg);
  FUZZ_CHECK (tid != NULL);
  FUZZ_CHECK (avanue_stun_message_get_method (msg) <= 0xFFF);
  FUZZ_CHECK (avanue_stun_message_get_message_class (msg) <= AVANUE_STUN_CLASS_ERROR_RESPONSE);

  unknown = avanue_stun_message_get_unknown_attributes (msg, &n_unknown);
  FUZZ_CHECK (n_unknown <= n);
  for (gsize i = 0; i < n_unknown; i++)
    FUZZ_CHECK (unknown[i] < 0x8000 && avanue_stun_message_has_attribute (msg, unknown[i]));

  for (guint i = 0; i < n; i++)
    {
      guint type = avanue_stun_message_get_attribute_type (msg, i);
      const guint8 *value = avanue_stun_message_get_attribute_at (msg, i, &len);
      g_autoptr(GInetSocketAddress) address = NULL;
      g_autoptr(GInetSocketAddress) xor_address = NULL;
      g_autofree char *text = NULL;
      g_autofree char *reason = NULL;
      struct sockaddr_storage ss;
      socklen_t ss_len = 0;
      guint32 v32;
      guint64 v64;
      guint code = 0;
      volatile guint8 sink = 0;

      FUZZ_CHECK (value != NULL);
      /* Touch every byte, so that ASan sees any bad offset. */
      for (gsize j = 0; j < len; j++)
        sink ^= value[j];
      (void) sink;
      FUZZ_CHECK (avanue_stun_message_has_attribute (msg, type));

      text = avanue_stun_message_get_string (msg, type, NULL);
      if (text != NULL)
        FUZZ_CHECK (g_utf8_validate (text, -1, NULL));
      avanue_stun_message_get_uint32 (msg, type, &v32, NULL);
      avanue_stun_message_get_uint64 (msg, type, &v64, NULL);

      address = avanue_stun_message_get_address (msg, type, NULL);
      xor_address = avanue_stun_message_get_xor_address (msg, type, NULL);
      FUZZ_CHECK ((address == NULL) == (xor_address == NULL));
      if (avanue_stun_message_get_sockaddr (msg, type, TRUE, &ss, &ss_len, NULL))
        {
          FUZZ_CHECK (xor_address != NULL);
          FUZZ_CHECK (ss.ss_family == AF_INET || ss.ss_family == AF_INET6);
          FUZZ_CHECK (g_inet_socket_address_get_port (xor_address) ==
                      g_ntohs (((struct sockaddr_in *) &ss)->sin_port));
        }

      if (type == AVANUE_STUN_ATTRIBUTE_ERROR_CODE)
        {
          FUZZ_CHECK (avanue_stun_message_get_error_code (msg, &code, &reason, NULL));
          FUZZ_CHECK (code >= 300 && code <= 699);
          FUZZ_CHECK (reason != NULL && g_utf8_validate (reason, -1, NULL));
        }
    }
}

static void
exercise_checks (AvanueStunMessage *msg)
{
  const guint8 *username;
  const guint8 *realm;
  gsize username_len = 0;
  gsize realm_len = 0;
  guint8 key[AVANUE_STUN_LONG_TERM_KEY_SIZE];

  avanue_stun_message_check_integrity (msg, fuzz_key, sizeof (fuzz_key) - 1, NULL);
  avanue_stun_message_check_integrity_sha256 (msg, fuzz_key, sizeof (fuzz_key) - 1, NULL);
  avanue_stun_message_check_fingerprint (msg, NULL);

  username = avanue_stun_message_get_attribute (msg, AVANUE_STUN_ATTRIBUTE_USERNAME, &username_len);
  realm = avanue_stun_message_get_attribute (msg, AVANUE_STUN_ATTRIBUTE_REALM, &realm_len);
  if (username != NULL && realm != NULL)
    {
      avanue_stun_compute_long_term_key_raw (username, username_len, realm, realm_len,
                                             fuzz_key, sizeof (fuzz_key) - 1, key);
      avanue_stun_message_check_integrity (msg, key, sizeof (key), NULL);
    }
}

/* Builds @msg again into @built, then parses that into @reparsed and
 * compares. */
static void
exercise_reencode (AvanueStunMessage *msg, AvanueStunMessage *built, AvanueStunMessage *reparsed, guint8 padding)
{
  guint n = avanue_stun_message_get_n_attributes (msg);
  gboolean has_integrity = avanue_stun_message_has_attribute (msg, AVANUE_STUN_ATTRIBUTE_MESSAGE_INTEGRITY);
  gboolean has_integrity_sha256 = avanue_stun_message_has_attribute (msg, AVANUE_STUN_ATTRIBUTE_MESSAGE_INTEGRITY_SHA256);
  gboolean has_fingerprint = avanue_stun_message_has_attribute (msg, AVANUE_STUN_ATTRIBUTE_FINGERPRINT);
  gboolean sealed_ok = TRUE;
  const guint16 *unknown_a;
  const guint16 *unknown_b;
  gsize n_unknown_a = 0;
  gsize n_unknown_b = 0;
  const guint8 *out;
  gsize out_len = 0;
  guint n_copied = 0;
  guint j = 0;

  avanue_stun_message_set_padding_byte (built, padding);
  avanue_stun_message_start (built, avanue_stun_message_get_method (msg),
                             avanue_stun_message_get_message_class (msg),
                             avanue_stun_message_get_transaction_id (msg));
  for (guint i = 0; i < n; i++)
    {
      guint type = avanue_stun_message_get_attribute_type (msg, i);
      gsize len = 0;
      const guint8 *value = avanue_stun_message_get_attribute_at (msg, i, &len);
      g_autoptr(GError) error = NULL;

      if (type == AVANUE_STUN_ATTRIBUTE_MESSAGE_INTEGRITY ||
          type == AVANUE_STUN_ATTRIBUTE_MESSAGE_INTEGRITY_SHA256 ||
          type == AVANUE_STUN_ATTRIBUTE_FINGERPRINT)
        continue;
      /* What parsed must be accepted by the builder: same size or less. */
      if (!avanue_stun_message_add_attribute (built, type, value, len, &error))
        {
          g_printerr ("re-encoding attribute 0x%04x failed: %s\n", type, error->message);
          abort ();
        }
      n_copied++;
    }
  if (has_integrity)
    sealed_ok = sealed_ok && avanue_stun_message_add_message_integrity (built, fuzz_key, sizeof (fuzz_key) - 1, NULL);
  /* A 16-byte MESSAGE-INTEGRITY-SHA256 comes back as 32 bytes and may no
   * longer fit; anything else fits. */
  if (has_integrity_sha256 && sealed_ok)
    sealed_ok = avanue_stun_message_add_message_integrity_sha256 (built, fuzz_key, sizeof (fuzz_key) - 1, NULL);
  if (has_fingerprint && sealed_ok)
    sealed_ok = avanue_stun_message_add_fingerprint (built, NULL);
  FUZZ_CHECK (sealed_ok || has_integrity_sha256);

  out = avanue_stun_message_get_data (built, &out_len);
  FUZZ_CHECK (out != NULL && out_len >= AVANUE_STUN_HEADER_SIZE && out_len % 4 == 0);
  FUZZ_CHECK (avanue_stun_message_parse (reparsed, out, out_len, NULL));
  FUZZ_CHECK (avanue_stun_message_get_method (reparsed) == avanue_stun_message_get_method (msg));
  FUZZ_CHECK (avanue_stun_message_get_message_class (reparsed) == avanue_stun_message_get_message_class (msg));
  FUZZ_CHECK (memcmp (avanue_stun_message_get_transaction_id (reparsed),
                      avanue_stun_message_get_transaction_id (msg), AVANUE_STUN_TRANSACTION_ID_SIZE) == 0);

  /* The copied attributes, in order, with the same values. */
  for (guint i = 0; i < n; i++)
    {
      guint type = avanue_stun_message_get_attribute_type (msg, i);
      gsize len_a = 0;
      gsize len_b = 0;
      const guint8 *a;
      const guint8 *b;

      if (type == AVANUE_STUN_ATTRIBUTE_MESSAGE_INTEGRITY ||
          type == AVANUE_STUN_ATTRIBUTE_MESSAGE_INTEGRITY_SHA256 ||
          type == AVANUE_STUN_ATTRIBUTE_FINGERPRINT)
        continue;
      FUZZ_CHECK (j < avanue_stun_message_get_n_attributes (reparsed));
      FUZZ_CHECK (avanue_stun_message_get_attribute_type (reparsed, j) == type);
      a = avanue_stun_message_get_attribute_at (msg, i, &len_a);
      b = avanue_stun_message_get_attribute_at (reparsed, j, &len_b);
      FUZZ_CHECK (len_a == len_b && memcmp (a, b, len_a) == 0);
      j++;
    }
  FUZZ_CHECK (j == n_copied);

  unknown_a = avanue_stun_message_get_unknown_attributes (msg, &n_unknown_a);
  unknown_b = avanue_stun_message_get_unknown_attributes (reparsed, &n_unknown_b);
  FUZZ_CHECK (n_unknown_a == n_unknown_b);
  FUZZ_CHECK (n_unknown_a == 0 || memcmp (unknown_a, unknown_b, n_unknown_a * sizeof (guint16)) == 0);

  if (sealed_ok)
    {
      if (has_integrity)
        FUZZ_CHECK (avanue_stun_message_check_integrity (reparsed, fuzz_key, sizeof (fuzz_key) - 1, NULL));
      if (has_integrity_sha256)
        FUZZ_CHECK (avanue_stun_message_check_integrity_sha256 (reparsed, fuzz_key, sizeof (fuzz_key) - 1, NULL));
      if (has_fingerprint)
        FUZZ_CHECK (avanue_stun_message_check_fingerprint (reparsed, NULL));
    }
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  static AvanueStunMessage *msg;
  static AvanueStunMessage *copy;
  static AvanueStunMessage *built;
  static AvanueStunMessage *reparsed;
  g_autoptr(GBytes) bytes = NULL;
  guint16 channel = 0;
  gsize payload_len = 0;
  gsize frame_len = 0;

  if (msg == NULL)
    {
      msg = avanue_stun_message_new ();
      copy = avanue_stun_message_new ();
      built = avanue_stun_message_new ();
      reparsed = avanue_stun_message_new ();
    }

  /* The demultiplexing helpers. */
  switch (avanue_stun_classify (data, size))
    {
    case AVANUE_STUN_PACKET_CHANNEL_DATA:
      if (avanue_stun_parse_channel_data (data, size, &channel, &payload_len, NULL))
        FUZZ_CHECK (channel >= 0x4000 && channel <= 0x4FFF && 4 + payload_len <= size);
      FUZZ_CHECK (avanue_stun_peek_frame_length (data, size, &frame_len, NULL));
      break;
    case AVANUE_STUN_PACKET_STUN:
      FUZZ_CHECK (!avanue_stun_parse_channel_data (data, size, NULL, NULL, NULL));
      break;
    case AVANUE_STUN_PACKET_UNKNOWN:
    default:
      FUZZ_CHECK (!avanue_stun_parse_channel_data (data, size, NULL, NULL, NULL));
      break;
    }
  avanue_stun_peek_frame_length (data, size, &frame_len, NULL);

  if (!avanue_stun_message_parse_borrowed (msg, data, size, NULL))
    {
      FUZZ_CHECK (!avanue_stun_message_is_valid (msg));
      FUZZ_CHECK (avanue_stun_message_get_n_attributes (msg) == 0);
      /* A sound header with bad attributes can still be answered. */
      if (avanue_stun_message_get_transaction_id (msg) != NULL &&
          avanue_stun_message_get_message_class (msg) == AVANUE_STUN_CLASS_REQUEST)
        {
          FUZZ_CHECK (avanue_stun_message_start_response (built, msg, FALSE, NULL));
          FUZZ_CHECK (avanue_stun_message_add_error_code (built, 400, "Bad Request", NULL));
          FUZZ_CHECK (avanue_stun_message_add_fingerprint (built, NULL));
        }
      FUZZ_CHECK (!avanue_stun_message_parse (copy, data, size, NULL));
      return 0;
    }

  FUZZ_CHECK (avanue_stun_classify (data, size) == AVANUE_STUN_PACKET_STUN);
  FUZZ_CHECK (avanue_stun_peek_frame_length (data, size, &frame_len, NULL) && frame_len == size);

  /* The copying and GBytes paths agree with the borrowed one. */
  FUZZ_CHECK (avanue_stun_message_parse (copy, data, size, NULL));
  FUZZ_CHECK (avanue_stun_message_get_n_attributes (copy) == avanue_stun_message_get_n_attributes (msg));
  bytes = g_bytes_new (data, size);
  FUZZ_CHECK (avanue_stun_message_parse_bytes (copy, bytes, NULL));

  exercise_getters (msg);
  exercise_checks (msg);
  exercise_reencode (msg, built, reparsed, size > 0 ? data[size - 1] : 0);

  return 0;
}
