/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* AvanueStunMessage: the STUN/TURN codec, against the RFC 5769 test vectors
 * and hand-computed encodings. */
#include "config.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>

#include "avanue.h"
#include "avanue-stun-message-private.h"

/* RFC 5769 test vectors (Copyright (c) 2010 IETF Trust and the persons
 * identified as the document authors; Simplified BSD License). Their
 * MESSAGE-INTEGRITY and FINGERPRINT values vouch for the transcription.
 * §2.1–§2.3 pad with 0x20, §2.4 with 0x00. */

/* §2.1 Sample Request: SOFTWARE, PRIORITY, ICE-CONTROLLED, USERNAME,
 * MESSAGE-INTEGRITY (short-term, password below), FINGERPRINT. */
static const guint8 rfc5769_request[] = {
  0x00, 0x01, 0x00, 0x58, 0x21, 0x12, 0xa4, 0x42, 0xb7, 0xe7, 0xa7, 0x01,
  0xbc, 0x34, 0xd6, 0x86, 0xfa, 0x87, 0xdf, 0xae, 0x80, 0x22, 0x00, 0x10,
  0x53, 0x54, 0x55, 0x4e, 0x20, 0x74, 0x65, 0x73, 0x74, 0x20, 0x63, 0x6c,
  0x69, 0x65, 0x6e, 0x74, 0x00, 0x24, 0x00, 0x04, 0x6e, 0x00, 0x01, 0xff,
  0x80, 0x29, 0x00, 0x08, 0x93, 0x2f, 0xf9, 0xb1, 0x51, 0x26, 0x3b, 0x36,
  0x00, 0x06, 0x00, 0x09, 0x65, 0x76, 0x74, 0x6a, 0x3a, 0x68, 0x36, 0x76,
  0x59, 0x20, 0x20, 0x20, 0x00, 0x08, 0x00, 0x14, 0x9a, 0xea, 0xa7, 0x0c,
  0xbf, 0xd8, 0xcb, 0x56, 0x78, 0x1e, 0xf2, 0xb5, 0xb2, 0xd3, 0xf2, 0x49,
  0xc1, 0xb5, 0x71, 0xa2, 0x80, 0x28, 0x00, 0x04, 0xe5, 0x7a, 0x3b, 0xcf,
};

/* §2.2 Sample IPv4 Response: XOR-MAPPED-ADDRESS 192.0.2.1:32853. */
static const guint8 rfc5769_ipv4_response[] = {
  0x01, 0x01, 0x00, 0x3c, 0x21, 0x12, 0xa4, 0x42, 0xb7, 0xe7, 0xa7, 0x01,
  0xbc, 0x34, 0xd6, 0x86, 0xfa, 0x87, 0xdf, 0xae, 0x80, 0x22, 0x00, 0x0b,
  0x74, 0x65, 0x73, 0x74, 0x20, 0x76, 0x65, 0x63, 0x74, 0x6f, 0x72, 0x20,
  0x00, 0x20, 0x00, 0x08, 0x00, 0x01, 0xa1, 0x47, 0xe1, 0x12, 0xa6, 0x43,
  0x00, 0x08, 0x00, 0x14, 0x2b, 0x91, 0xf5, 0x99, 0xfd, 0x9e, 0x90, 0xc3,
  0x8c, 0x74, 0x89, 0xf9, 0x2a, 0xf9, 0xba, 0x53, 0xf0, 0x6b, 0xe7, 0xd7,
  0x80, 0x28, 0x00, 0x04, 0xc0, 0x7d, 0x4c, 0x96,
};

/* §2.3 Sample IPv6 Response: XOR-MAPPED-ADDRESS
 * [2001:db8:1234:5678:11:2233:4455:6677]:32853. */
static const guint8 rfc5769_ipv6_response[] = {
  0x01, 0x01, 0x00, 0x48, 0x21, 0x12, 0xa4, 0x42, 0xb7, 0xe7, 0xa7, 0x01,
  0xbc, 0x34, 0xd6, 0x86, 0xfa, 0x87, 0xdf, 0xae, 0x80, 0x22, 0x00, 0x0b,
  0x74, 0x65, 0x73, 0x74, 0x20, 0x76, 0x65, 0x63, 0x74, 0x6f, 0x72, 0x20,
  0x00, 0x20, 0x00, 0x14, 0x00, 0x02, 0xa1, 0x47, 0x01, 0x13, 0xa9, 0xfa,
  0xa5, 0xd3, 0xf1, 0x79, 0xbc, 0x25, 0xf4, 0xb5, 0xbe, 0xd2, 0xb9, 0xd9,
  0x00, 0x08, 0x00, 0x14, 0xa3, 0x82, 0x95, 0x4e, 0x4b, 0xe6, 0x7b, 0xf1,
  0x17, 0x84, 0xc9, 0x7c, 0x82, 0x92, 0xc2, 0x75, 0xbf, 0xe3, 0xed, 0x41,
  0x80, 0x28, 0x00, 0x04, 0xc8, 0xfb, 0x0b, 0x4c,
};

/* §2.4 Sample Request with Long-Term Authentication: USERNAME, NONCE,
 * REALM, MESSAGE-INTEGRITY; no FINGERPRINT. */
static const guint8 rfc5769_long_term[] = {
  0x00, 0x01, 0x00, 0x60, 0x21, 0x12, 0xa4, 0x42, 0x78, 0xad, 0x34, 0x33,
  0xc6, 0xad, 0x72, 0xc0, 0x29, 0xda, 0x41, 0x2e, 0x00, 0x06, 0x00, 0x12,
  0xe3, 0x83, 0x9e, 0xe3, 0x83, 0x88, 0xe3, 0x83, 0xaa, 0xe3, 0x83, 0x83,
  0xe3, 0x82, 0xaf, 0xe3, 0x82, 0xb9, 0x00, 0x00, 0x00, 0x15, 0x00, 0x1c,
  0x66, 0x2f, 0x2f, 0x34, 0x39, 0x39, 0x6b, 0x39, 0x35, 0x34, 0x64, 0x36,
  0x4f, 0x4c, 0x33, 0x34, 0x6f, 0x4c, 0x39, 0x46, 0x53, 0x54, 0x76, 0x79,
  0x36, 0x34, 0x73, 0x41, 0x00, 0x14, 0x00, 0x0b, 0x65, 0x78, 0x61, 0x6d,
  0x70, 0x6c, 0x65, 0x2e, 0x6f, 0x72, 0x67, 0x00, 0x00, 0x08, 0x00, 0x14,
  0xf6, 0x70, 0x24, 0x65, 0x6d, 0xd6, 0x4a, 0x3e, 0x02, 0xb8, 0xe0, 0x71,
  0x2e, 0x85, 0xc9, 0xa2, 0x8c, 0xa8, 0x96, 0x66,
};

static const guint8 rfc5769_tid[] = {
  0xb7, 0xe7, 0xa7, 0x01, 0xbc, 0x34, 0xd6, 0x86, 0xfa, 0x87, 0xdf, 0xae,
};

static const guint8 rfc5769_long_term_tid[] = {
  0x78, 0xad, 0x34, 0x33, 0xc6, 0xad, 0x72, 0xc0, 0x29, 0xda, 0x41, 0x2e,
};

#define RFC5769_PASSWORD "VOkJxbRl1RmTxUk/WvJxBt"
/* U+30DE U+30C8 U+30EA U+30C3 U+30AF U+30B9, "matorikkusu", in UTF-8. */
#define RFC5769_USERNAME "\xe3\x83\x9e\xe3\x83\x88\xe3\x83\xaa\xe3\x83\x83\xe3\x82\xaf\xe3\x82\xb9"
#define RFC5769_NONCE "f//499k954d6OL34oL9FSTvy64sA"
#define RFC5769_REALM "example.org"
/* The password after SASLprep, as §2.4 gives it. */
#define RFC5769_LONG_TERM_PASSWORD "TheMatrIX"

/* Computed independently (Python's hmac and binascii.crc32): a Binding
 * request, transaction ID 01..0c, USERNAME "alice", MESSAGE-INTEGRITY-SHA256
 * with the key "secret" (32 bytes, then truncated to 16), FINGERPRINT. */
static const guint8 sha256_request[] = {
  0x00, 0x01, 0x00, 0x38, 0x21, 0x12, 0xa4, 0x42, 0x01, 0x02, 0x03, 0x04,
  0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x00, 0x06, 0x00, 0x05,
  0x61, 0x6c, 0x69, 0x63, 0x65, 0x00, 0x00, 0x00, 0x00, 0x1c, 0x00, 0x20,
  0x90, 0xb2, 0x1d, 0x47, 0x16, 0x14, 0xd3, 0x67, 0xc2, 0x74, 0x27, 0xca,
  0xa2, 0x42, 0xdd, 0xf1, 0x52, 0xd3, 0x15, 0x3e, 0x05, 0x11, 0xd7, 0xce,
  0xd2, 0xae, 0x7b, 0xe1, 0xcb, 0xd6, 0xe5, 0xdb, 0x80, 0x28, 0x00, 0x04,
  0x88, 0xb4, 0x04, 0x4f,
};

static const guint8 sha256_truncated_request[] = {
  0x00, 0x01, 0x00, 0x28, 0x21, 0x12, 0xa4, 0x42, 0x01, 0x02, 0x03, 0x04,
  0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x00, 0x06, 0x00, 0x05,
  0x61, 0x6c, 0x69, 0x63, 0x65, 0x00, 0x00, 0x00, 0x00, 0x1c, 0x00, 0x10,
  0x9d, 0x68, 0xa5, 0xec, 0x94, 0x82, 0xb9, 0xdc, 0x85, 0x5b, 0x72, 0xdd,
  0xdd, 0x16, 0x7f, 0x98, 0x80, 0x28, 0x00, 0x04, 0x80, 0x5f, 0x34, 0x5e,
};

static const guint8 tid_1_to_12[] = {
  0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c,
};

/* Parses @data three ways (copy, GBytes, borrowed) and returns the copy. */
static AvanueStunMessage *
parse_ok (const guint8 *data, gsize len)
{
  g_autoptr(AvanueStunMessage) msg = avanue_stun_message_new ();
  g_autoptr(AvanueStunMessage) other = avanue_stun_message_new ();
  g_autoptr(GBytes) bytes = g_bytes_new (data, len);
  g_autoptr(GError) error = NULL;
  g_autofree guint8 *exact = g_memdup2 (data, len);

  g_assert_true (avanue_stun_message_parse_bytes (other, bytes, &error));
  g_assert_no_error (error);
  g_assert_true (avanue_stun_message_parse_borrowed (other, exact, len, &error));
  g_assert_no_error (error);
  g_assert_true (avanue_stun_message_parse (msg, data, len, &error));
  g_assert_no_error (error);
  g_assert_true (avanue_stun_message_is_valid (msg));
  return g_steal_pointer (&msg);
}

/* Asserts that every way to parse @data fails with @code. */
static void
assert_parse_fails (const guint8 *data, gsize len, AvanueStunError code)
{
  g_autoptr(AvanueStunMessage) msg = avanue_stun_message_new ();
  g_autoptr(GBytes) bytes = g_bytes_new (data, len);
  g_autofree guint8 *exact = g_memdup2 (data, len);
  g_autoptr(GError) error = NULL;
  gsize out_len = 1;

  g_assert_false (avanue_stun_message_parse (msg, data, len, &error));
  g_assert_error (error, AVANUE_STUN_ERROR, (int) code);
  g_assert_false (avanue_stun_message_is_valid (msg));
  g_assert_cmpuint (avanue_stun_message_get_n_attributes (msg), ==, 0);
  g_assert_null (avanue_stun_message_get_data (msg, &out_len));
  g_assert_cmpuint (out_len, ==, 0);
  g_clear_error (&error);

  g_assert_false (avanue_stun_message_parse_bytes (msg, bytes, &error));
  g_assert_error (error, AVANUE_STUN_ERROR, (int) code);
  g_clear_error (&error);

  /* Exactly len bytes on the heap, so that ASan sees any over-read. */
  g_assert_false (avanue_stun_message_parse_borrowed (msg, exact, len, &error));
  g_assert_error (error, AVANUE_STUN_ERROR, (int) code);
  g_assert_null (avanue_stun_message_get_attribute (msg, AVANUE_STUN_ATTRIBUTE_SOFTWARE, &out_len));
}

static void
assert_string_attribute (AvanueStunMessage *msg, guint type, const char *expected)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *value = avanue_stun_message_get_string (msg, type, &error);

  g_assert_no_error (error);
  g_assert_cmpstr (value, ==, expected);
}

static void
assert_message_bytes (AvanueStunMessage *msg, const guint8 *expected, gsize expected_len)
{
  gsize len = 0;
  const guint8 *data = avanue_stun_message_get_data (msg, &len);
  g_autoptr(GBytes) bytes = avanue_stun_message_to_bytes (msg);
  g_autoptr(GBytes) expected_bytes = g_bytes_new_static (expected, expected_len);

  g_assert_nonnull (data);
  g_assert_cmpmem (data, len, expected, expected_len);
  g_assert_true (g_bytes_equal (bytes, expected_bytes));
}

static void
assert_xor_mapped (AvanueStunMessage *msg, const char *address, guint16 port)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GInetSocketAddress) mapped = NULL;
  g_autofree char *text = NULL;

  mapped = avanue_stun_message_get_xor_address (msg, AVANUE_STUN_ATTRIBUTE_XOR_MAPPED_ADDRESS, &error);
  g_assert_no_error (error);
  g_assert_nonnull (mapped);
  text = g_inet_address_to_string (g_inet_socket_address_get_address (mapped));
  g_assert_cmpstr (text, ==, address);
  g_assert_cmpuint (g_inet_socket_address_get_port (mapped), ==, port);
}

static void
test_rfc5769_request (void)
{
  g_autoptr(AvanueStunMessage) msg = parse_ok (rfc5769_request, sizeof (rfc5769_request));
  g_autoptr(AvanueStunMessage) built = avanue_stun_message_new ();
  g_autoptr(GError) error = NULL;
  const guint8 *value;
  gsize len = 0;
  gsize n_unknown = 1;
  guint32 priority = 0;
  guint64 tie_breaker = 0;

  g_assert_cmpuint (avanue_stun_message_get_method (msg), ==, AVANUE_STUN_METHOD_BINDING);
  g_assert_cmpint (avanue_stun_message_get_message_class (msg), ==, AVANUE_STUN_CLASS_REQUEST);
  g_assert_cmpmem (avanue_stun_message_get_transaction_id (msg), 12, rfc5769_tid, 12);
  g_assert_cmpuint (avanue_stun_message_get_n_attributes (msg), ==, 6);
  g_assert_cmpuint (avanue_stun_message_get_attribute_type (msg, 0), ==, AVANUE_STUN_ATTRIBUTE_SOFTWARE);
  g_assert_cmpuint (avanue_stun_message_get_attribute_type (msg, 5), ==, AVANUE_STUN_ATTRIBUTE_FINGERPRINT);

  assert_string_attribute (msg, AVANUE_STUN_ATTRIBUTE_SOFTWARE, "STUN test client");
  assert_string_attribute (msg, AVANUE_STUN_ATTRIBUTE_USERNAME, "evtj:h6vY");
  /* The raw value stops before the 0x20 padding. */
  value = avanue_stun_message_get_attribute (msg, AVANUE_STUN_ATTRIBUTE_USERNAME, &len);
  g_assert_cmpmem (value, len, "evtj:h6vY", 9);

  g_assert_true (avanue_stun_message_get_uint32 (msg, AVANUE_STUN_ATTRIBUTE_PRIORITY, &priority, &error));
  g_assert_no_error (error);
  g_assert_cmphex (priority, ==, 0x6e0001ff);
  g_assert_true (avanue_stun_message_get_uint64 (msg, AVANUE_STUN_ATTRIBUTE_ICE_CONTROLLED, &tie_breaker, &error));
  g_assert_no_error (error);
  g_assert_cmphex (tie_breaker, ==, G_GUINT64_CONSTANT (0x932ff9b151263b36));
  g_assert_false (avanue_stun_message_has_attribute (msg, AVANUE_STUN_ATTRIBUTE_ICE_CONTROLLING));
  avanue_stun_message_get_unknown_attributes (msg, &n_unknown);
  g_assert_cmpuint (n_unknown, ==, 0);

  g_assert_true (avanue_stun_message_check_integrity (msg, (const guint8 *) RFC5769_PASSWORD,
                                                      strlen (RFC5769_PASSWORD), &error));
  g_assert_no_error (error);
  g_assert_false (avanue_stun_message_check_integrity (msg, (const guint8 *) "VOkJxbRl1RmTxUk/WvJxBu",
                                                       strlen (RFC5769_PASSWORD), &error));
  g_assert_error (error, AVANUE_STUN_ERROR, AVANUE_STUN_ERROR_BAD_INTEGRITY);
  g_clear_error (&error);
  g_assert_true (avanue_stun_message_check_fingerprint (msg, &error));
  g_assert_no_error (error);
  g_assert_false (avanue_stun_message_check_integrity_sha256 (msg, (const guint8 *) "x", 1, &error));
  g_assert_error (error, AVANUE_STUN_ERROR, AVANUE_STUN_ERROR_NOT_FOUND);
  g_clear_error (&error);

  /* Built again from its parts, byte for byte. */
  avanue_stun_message_set_padding_byte (built, 0x20);
  avanue_stun_message_start (built, AVANUE_STUN_METHOD_BINDING, AVANUE_STUN_CLASS_REQUEST, rfc5769_tid);
  g_assert_true (avanue_stun_message_add_string (built, AVANUE_STUN_ATTRIBUTE_SOFTWARE, "STUN test client", &error));
  g_assert_true (avanue_stun_message_add_uint32 (built, AVANUE_STUN_ATTRIBUTE_PRIORITY, 0x6e0001ff, &error));
  g_assert_true (avanue_stun_message_add_uint64 (built, AVANUE_STUN_ATTRIBUTE_ICE_CONTROLLED,
                                                 G_GUINT64_CONSTANT (0x932ff9b151263b36), &error));
  g_assert_true (avanue_stun_message_add_string (built, AVANUE_STUN_ATTRIBUTE_USERNAME, "evtj:h6vY", &error));
  g_assert_true (avanue_stun_message_add_message_integrity (built, (const guint8 *) RFC5769_PASSWORD,
                                                            strlen (RFC5769_PASSWORD), &error));
  g_assert_true (avanue_stun_message_add_fingerprint (built, &error));
  g_assert_no_error (error);
  assert_message_bytes (built, rfc5769_request, sizeof (rfc5769_request));

  /* A message being built reads like a parsed one. */
  assert_string_attribute (built, AVANUE_STUN_ATTRIBUTE_USERNAME, "evtj:h6vY");
  g_assert_true (avanue_stun_message_check_fingerprint (built, NULL));
  g_assert_true (avanue_stun_message_check_integrity (built, (const guint8 *) RFC5769_PASSWORD,
                                                      strlen (RFC5769_PASSWORD), NULL));
}

static void
test_rfc5769_ipv4_response (void)
{
  g_autoptr(AvanueStunMessage) msg = parse_ok (rfc5769_ipv4_response, sizeof (rfc5769_ipv4_response));
  g_autoptr(AvanueStunMessage) built = avanue_stun_message_new ();
  g_autoptr(GInetSocketAddress) address = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_cmpuint (avanue_stun_message_get_method (msg), ==, AVANUE_STUN_METHOD_BINDING);
  g_assert_cmpint (avanue_stun_message_get_message_class (msg), ==, AVANUE_STUN_CLASS_SUCCESS_RESPONSE);
  g_assert_cmpmem (avanue_stun_message_get_transaction_id (msg), 12, rfc5769_tid, 12);
  g_assert_cmpuint (avanue_stun_message_get_n_attributes (msg), ==, 4);
  assert_string_attribute (msg, AVANUE_STUN_ATTRIBUTE_SOFTWARE, "test vector");
  assert_xor_mapped (msg, "192.0.2.1", 32853);
  g_assert_true (avanue_stun_message_check_integrity (msg, (const guint8 *) RFC5769_PASSWORD,
                                                      strlen (RFC5769_PASSWORD), &error));
  g_assert_no_error (error);
  g_assert_true (avanue_stun_message_check_fingerprint (msg, &error));
  g_assert_no_error (error);

  address = G_INET_SOCKET_ADDRESS (g_inet_socket_address_new_from_string ("192.0.2.1", 32853));
  avanue_stun_message_set_padding_byte (built, 0x20);
  avanue_stun_message_start (built, AVANUE_STUN_METHOD_BINDING, AVANUE_STUN_CLASS_SUCCESS_RESPONSE, rfc5769_tid);
  g_assert_true (avanue_stun_message_add_string (built, AVANUE_STUN_ATTRIBUTE_SOFTWARE, "test vector", &error));
  g_assert_true (avanue_stun_message_add_xor_address (built, AVANUE_STUN_ATTRIBUTE_XOR_MAPPED_ADDRESS, address, &error));
  g_assert_true (avanue_stun_message_add_message_integrity (built, (const guint8 *) RFC5769_PASSWORD,
                                                            strlen (RFC5769_PASSWORD), &error));
  g_assert_true (avanue_stun_message_add_fingerprint (built, &error));
  g_assert_no_error (error);
  assert_message_bytes (built, rfc5769_ipv4_response, sizeof (rfc5769_ipv4_response));
}

static void
test_rfc5769_ipv6_response (void)
{
  g_autoptr(AvanueStunMessage) msg = parse_ok (rfc5769_ipv6_response, sizeof (rfc5769_ipv6_response));
  g_autoptr(AvanueStunMessage) built = avanue_stun_message_new ();
  g_autoptr(GInetSocketAddress) address = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_cmpuint (avanue_stun_message_get_method (msg), ==, AVANUE_STUN_METHOD_BINDING);
  g_assert_cmpint (avanue_stun_message_get_message_class (msg), ==, AVANUE_STUN_CLASS_SUCCESS_RESPONSE);
  g_assert_cmpmem (avanue_stun_message_get_transaction_id (msg), 12, rfc5769_tid, 12);
  assert_string_attribute (msg, AVANUE_STUN_ATTRIBUTE_SOFTWARE, "test vector");
  assert_xor_mapped (msg, "2001:db8:1234:5678:11:2233:4455:6677", 32853);
  g_assert_true (avanue_stun_message_check_integrity (msg, (const guint8 *) RFC5769_PASSWORD,
                                                      strlen (RFC5769_PASSWORD), &error));
  g_assert_no_error (error);
  g_assert_true (avanue_stun_message_check_fingerprint (msg, &error));
  g_assert_no_error (error);

  address = G_INET_SOCKET_ADDRESS (g_inet_socket_address_new_from_string ("2001:db8:1234:5678:11:2233:4455:6677", 32853));
  avanue_stun_message_set_padding_byte (built, 0x20);
  avanue_stun_message_start (built, AVANUE_STUN_METHOD_BINDING, AVANUE_STUN_CLASS_SUCCESS_RESPONSE, rfc5769_tid);
  g_assert_true (avanue_stun_message_add_string (built, AVANUE_STUN_ATTRIBUTE_SOFTWARE, "test vector", &error));
  g_assert_true (avanue_stun_message_add_xor_address (built, AVANUE_STUN_ATTRIBUTE_XOR_MAPPED_ADDRESS, address, &error));
  g_assert_true (avanue_stun_message_add_message_integrity (built, (const guint8 *) RFC5769_PASSWORD,
                                                            strlen (RFC5769_PASSWORD), &error));
  g_assert_true (avanue_stun_message_add_fingerprint (built, &error));
  g_assert_no_error (error);
  assert_message_bytes (built, rfc5769_ipv6_response, sizeof (rfc5769_ipv6_response));
}

static void
test_rfc5769_long_term (void)
{
  g_autoptr(AvanueStunMessage) msg = parse_ok (rfc5769_long_term, sizeof (rfc5769_long_term));
  g_autoptr(AvanueStunMessage) built = avanue_stun_message_new ();
  g_autoptr(GBytes) key = NULL;
  g_autoptr(GBytes) wrong_key = NULL;
  g_autoptr(GError) error = NULL;
  guint8 raw_key[AVANUE_STUN_LONG_TERM_KEY_SIZE];
  const guint8 *username;
  const guint8 *realm;
  gsize username_len = 0;
  gsize realm_len = 0;

  g_assert_cmpuint (avanue_stun_message_get_method (msg), ==, AVANUE_STUN_METHOD_BINDING);
  g_assert_cmpint (avanue_stun_message_get_message_class (msg), ==, AVANUE_STUN_CLASS_REQUEST);
  g_assert_cmpmem (avanue_stun_message_get_transaction_id (msg), 12, rfc5769_long_term_tid, 12);
  g_assert_cmpuint (avanue_stun_message_get_n_attributes (msg), ==, 4);
  assert_string_attribute (msg, AVANUE_STUN_ATTRIBUTE_USERNAME, RFC5769_USERNAME);
  assert_string_attribute (msg, AVANUE_STUN_ATTRIBUTE_NONCE, RFC5769_NONCE);
  assert_string_attribute (msg, AVANUE_STUN_ATTRIBUTE_REALM, RFC5769_REALM);

  key = avanue_stun_compute_long_term_key (RFC5769_USERNAME, RFC5769_REALM, RFC5769_LONG_TERM_PASSWORD);
  g_assert_cmpuint (g_bytes_get_size (key), ==, 16);
  g_assert_true (avanue_stun_message_check_integrity (msg, g_bytes_get_data (key, NULL), 16, &error));
  g_assert_no_error (error);
  wrong_key = avanue_stun_compute_long_term_key (RFC5769_USERNAME, RFC5769_REALM, "thematrix");
  g_assert_false (avanue_stun_message_check_integrity (msg, g_bytes_get_data (wrong_key, NULL), 16, &error));
  g_assert_error (error, AVANUE_STUN_ERROR, AVANUE_STUN_ERROR_BAD_INTEGRITY);
  g_clear_error (&error);
  g_assert_false (avanue_stun_message_check_fingerprint (msg, &error));
  g_assert_error (error, AVANUE_STUN_ERROR, AVANUE_STUN_ERROR_NOT_FOUND);
  g_clear_error (&error);

  /* The key from the raw attribute values, as a server computes it. */
  username = avanue_stun_message_get_attribute (msg, AVANUE_STUN_ATTRIBUTE_USERNAME, &username_len);
  realm = avanue_stun_message_get_attribute (msg, AVANUE_STUN_ATTRIBUTE_REALM, &realm_len);
  avanue_stun_compute_long_term_key_raw (username, username_len, realm, realm_len,
                                         (const guint8 *) RFC5769_LONG_TERM_PASSWORD,
                                         strlen (RFC5769_LONG_TERM_PASSWORD), raw_key);
  g_assert_cmpmem (raw_key, sizeof (raw_key), g_bytes_get_data (key, NULL), 16);

  avanue_stun_message_start (built, AVANUE_STUN_METHOD_BINDING, AVANUE_STUN_CLASS_REQUEST, rfc5769_long_term_tid);
  g_assert_true (avanue_stun_message_add_string (built, AVANUE_STUN_ATTRIBUTE_USERNAME, RFC5769_USERNAME, &error));
  g_assert_true (avanue_stun_message_add_string (built, AVANUE_STUN_ATTRIBUTE_NONCE, RFC5769_NONCE, &error));
  g_assert_true (avanue_stun_message_add_string (built, AVANUE_STUN_ATTRIBUTE_REALM, RFC5769_REALM, &error));
  g_assert_true (avanue_stun_message_add_message_integrity (built, g_bytes_get_data (key, NULL), 16, &error));
  g_assert_no_error (error);
  assert_message_bytes (built, rfc5769_long_term, sizeof (rfc5769_long_term));
}

static void
test_long_term_key (void)
{
  /* MD5 ("user:realm:pass"), computed with Python's hashlib. */
  static const guint8 expected[] = {
    0x84, 0x93, 0xfb, 0xc5, 0x3b, 0xa5, 0x82, 0xfb,
    0x4c, 0x04, 0x4c, 0x45, 0x6b, 0xdc, 0x40, 0xeb,
  };
  g_autoptr(GBytes) key = avanue_stun_compute_long_term_key ("user", "realm", "pass");
  guint8 raw[AVANUE_STUN_LONG_TERM_KEY_SIZE];

  g_assert_cmpmem (g_bytes_get_data (key, NULL), g_bytes_get_size (key), expected, sizeof (expected));
  avanue_stun_compute_long_term_key_raw ((const guint8 *) "user", 4, (const guint8 *) "realm", 5,
                                         (const guint8 *) "pass", 4, raw);
  g_assert_cmpmem (raw, sizeof (raw), expected, sizeof (expected));
}

static void
test_method_class (void)
{
  static const struct
  {
    guint method;
    AvanueStunClass message_class;
    guint16 type;
  } table[] = {
    { AVANUE_STUN_METHOD_BINDING, AVANUE_STUN_CLASS_REQUEST, 0x0001 },
    { AVANUE_STUN_METHOD_BINDING, AVANUE_STUN_CLASS_INDICATION, 0x0011 },
    { AVANUE_STUN_METHOD_BINDING, AVANUE_STUN_CLASS_SUCCESS_RESPONSE, 0x0101 },
    { AVANUE_STUN_METHOD_BINDING, AVANUE_STUN_CLASS_ERROR_RESPONSE, 0x0111 },
    { AVANUE_STUN_METHOD_ALLOCATE, AVANUE_STUN_CLASS_REQUEST, 0x0003 },
    { AVANUE_STUN_METHOD_ALLOCATE, AVANUE_STUN_CLASS_SUCCESS_RESPONSE, 0x0103 },
    { AVANUE_STUN_METHOD_ALLOCATE, AVANUE_STUN_CLASS_ERROR_RESPONSE, 0x0113 },
    { AVANUE_STUN_METHOD_REFRESH, AVANUE_STUN_CLASS_REQUEST, 0x0004 },
    { AVANUE_STUN_METHOD_SEND, AVANUE_STUN_CLASS_INDICATION, 0x0016 },
    { AVANUE_STUN_METHOD_DATA, AVANUE_STUN_CLASS_INDICATION, 0x0017 },
    { AVANUE_STUN_METHOD_CREATE_PERMISSION, AVANUE_STUN_CLASS_REQUEST, 0x0008 },
    { AVANUE_STUN_METHOD_CHANNEL_BIND, AVANUE_STUN_CLASS_REQUEST, 0x0009 },
    { AVANUE_STUN_METHOD_CHANNEL_BIND, AVANUE_STUN_CLASS_SUCCESS_RESPONSE, 0x0109 },
    /* M4..M6 sit above C0, M7..M11 above C1. */
    { 0x010, AVANUE_STUN_CLASS_REQUEST, 0x0020 },
    { 0x080, AVANUE_STUN_CLASS_REQUEST, 0x0200 },
    { 0xFFF, AVANUE_STUN_CLASS_REQUEST, 0x3EEF },
    { 0xFFF, AVANUE_STUN_CLASS_ERROR_RESPONSE, 0x3FFF },
  };
  g_autoptr(AvanueStunMessage) msg = avanue_stun_message_new ();
  g_autoptr(AvanueStunMessage) parsed = avanue_stun_message_new ();

  for (gsize i = 0; i < G_N_ELEMENTS (table); i++)
    {
      const guint8 *data;
      gsize len = 0;

      avanue_stun_message_start (msg, table[i].method, table[i].message_class, tid_1_to_12);
      data = avanue_stun_message_get_data (msg, &len);
      g_assert_cmpuint (len, ==, 20);
      g_assert_cmphex ((data[0] << 8) | data[1], ==, table[i].type);
    }

  /* Every method and class survives a round trip. */
  for (guint method = 0; method <= 0xFFF; method++)
    {
      for (int c = 0; c < 4; c++)
        {
          const guint8 *data;
          gsize len = 0;

          avanue_stun_message_start (msg, method, c, tid_1_to_12);
          data = avanue_stun_message_get_data (msg, &len);
          g_assert_true (avanue_stun_message_parse (parsed, data, len, NULL));
          g_assert_cmpuint (avanue_stun_message_get_method (parsed), ==, method);
          g_assert_cmpint (avanue_stun_message_get_message_class (parsed), ==, c);
          g_assert_cmpint (avanue_stun_classify (data, len), ==, AVANUE_STUN_PACKET_STUN);
        }
    }
}

static void
test_xor_address_ipv4 (void)
{
  /* 10.0.0.1:3478: port 0x0d96 ^ 0x2112 = 0x2c84; address
   * 0a.00.00.01 ^ 21.12.a4.42 = 2b.12.a4.43. */
  static const guint8 expected_xor[] = { 0x00, 0x01, 0x2c, 0x84, 0x2b, 0x12, 0xa4, 0x43 };
  static const guint8 expected_plain[] = { 0x00, 0x01, 0x0d, 0x96, 0x0a, 0x00, 0x00, 0x01 };
  g_autoptr(AvanueStunMessage) msg = avanue_stun_message_new ();
  g_autoptr(AvanueStunMessage) parsed = NULL;
  g_autoptr(GInetSocketAddress) address = NULL;
  g_autoptr(GInetSocketAddress) decoded = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;
  struct sockaddr_storage ss;
  struct sockaddr_in sin;
  socklen_t ss_len = 0;
  const guint8 *value;
  const guint8 *data;
  gsize len = 0;

  address = G_INET_SOCKET_ADDRESS (g_inet_socket_address_new_from_string ("10.0.0.1", 3478));
  avanue_stun_message_start (msg, AVANUE_STUN_METHOD_ALLOCATE, AVANUE_STUN_CLASS_SUCCESS_RESPONSE, tid_1_to_12);
  g_assert_true (avanue_stun_message_add_xor_address (msg, AVANUE_STUN_ATTRIBUTE_XOR_RELAYED_ADDRESS, address, &error));
  g_assert_true (avanue_stun_message_add_address (msg, AVANUE_STUN_ATTRIBUTE_MAPPED_ADDRESS, address, &error));
  g_assert_no_error (error);

  data = avanue_stun_message_get_data (msg, &len);
  parsed = parse_ok (data, len);
  value = avanue_stun_message_get_attribute (parsed, AVANUE_STUN_ATTRIBUTE_XOR_RELAYED_ADDRESS, &len);
  g_assert_cmpmem (value, len, expected_xor, sizeof (expected_xor));
  value = avanue_stun_message_get_attribute (parsed, AVANUE_STUN_ATTRIBUTE_MAPPED_ADDRESS, &len);
  g_assert_cmpmem (value, len, expected_plain, sizeof (expected_plain));

  decoded = avanue_stun_message_get_xor_address (parsed, AVANUE_STUN_ATTRIBUTE_XOR_RELAYED_ADDRESS, &error);
  g_assert_no_error (error);
  text = g_inet_address_to_string (g_inet_socket_address_get_address (decoded));
  g_assert_cmpstr (text, ==, "10.0.0.1");
  g_assert_cmpuint (g_inet_socket_address_get_port (decoded), ==, 3478);
  g_clear_object (&decoded);
  g_clear_pointer (&text, g_free);
  decoded = avanue_stun_message_get_address (parsed, AVANUE_STUN_ATTRIBUTE_MAPPED_ADDRESS, &error);
  g_assert_no_error (error);
  text = g_inet_address_to_string (g_inet_socket_address_get_address (decoded));
  g_assert_cmpstr (text, ==, "10.0.0.1");
  g_assert_cmpuint (g_inet_socket_address_get_port (decoded), ==, 3478);

  /* The sockaddr variants, as the relay uses them. */
  g_assert_true (avanue_stun_message_get_sockaddr (parsed, AVANUE_STUN_ATTRIBUTE_XOR_RELAYED_ADDRESS, TRUE,
                                                   &ss, &ss_len, &error));
  g_assert_no_error (error);
  g_assert_cmpint (ss.ss_family, ==, AF_INET);
  g_assert_cmpuint (ss_len, ==, sizeof (struct sockaddr_in));
  g_assert_cmpuint (g_ntohs (((struct sockaddr_in *) &ss)->sin_port), ==, 3478);
  g_assert_cmphex (g_ntohl (((struct sockaddr_in *) &ss)->sin_addr.s_addr), ==, 0x0a000001);

  memset (&sin, 0, sizeof (sin));
  sin.sin_family = AF_INET;
  sin.sin_port = g_htons (3478);
  sin.sin_addr.s_addr = g_htonl (0x0a000001);
  avanue_stun_message_start (msg, AVANUE_STUN_METHOD_DATA, AVANUE_STUN_CLASS_INDICATION, tid_1_to_12);
  g_assert_true (avanue_stun_message_add_sockaddr (msg, AVANUE_STUN_ATTRIBUTE_XOR_PEER_ADDRESS, TRUE,
                                                   (struct sockaddr *) &sin, sizeof (sin), &error));
  g_assert_no_error (error);
  value = avanue_stun_message_get_attribute (msg, AVANUE_STUN_ATTRIBUTE_XOR_PEER_ADDRESS, &len);
  g_assert_cmpmem (value, len, expected_xor, sizeof (expected_xor));

  /* An XOR attribute read as plain, or a plain one as XOR, gives another
   * address: the encodings differ. */
  g_clear_object (&decoded);
  decoded = avanue_stun_message_get_address (msg, AVANUE_STUN_ATTRIBUTE_XOR_PEER_ADDRESS, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_inet_socket_address_get_port (decoded), ==, 0x2c84);

  /* Absent. */
  g_clear_object (&decoded);
  decoded = avanue_stun_message_get_xor_address (msg, AVANUE_STUN_ATTRIBUTE_XOR_MAPPED_ADDRESS, &error);
  g_assert_error (error, AVANUE_STUN_ERROR, AVANUE_STUN_ERROR_NOT_FOUND);
  g_assert_null (decoded);
}

static void
test_xor_address_ipv6 (void)
{
  /* [::1]:1 with transaction ID 01..0c: port 0x0001 ^ 0x2112 = 0x2113;
   * address ::1 ^ 2112a442 0102030405060708090a0b0c: the same bytes, the
   * last one 0x01 ^ 0x0c = 0x0d. */
  static const guint8 expected_xor[] = {
    0x00, 0x02, 0x21, 0x13, 0x21, 0x12, 0xa4, 0x42, 0x01, 0x02,
    0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0d,
  };
  g_autoptr(AvanueStunMessage) msg = avanue_stun_message_new ();
  g_autoptr(AvanueStunMessage) parsed = NULL;
  g_autoptr(GInetSocketAddress) address = NULL;
  g_autoptr(GInetSocketAddress) decoded = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;
  struct sockaddr_storage ss;
  struct sockaddr_in6 sin6;
  socklen_t ss_len = 0;
  const guint8 *value;
  const guint8 *data;
  gsize len = 0;

  address = G_INET_SOCKET_ADDRESS (g_inet_socket_address_new_from_string ("::1", 1));
  avanue_stun_message_start (msg, AVANUE_STUN_METHOD_SEND, AVANUE_STUN_CLASS_INDICATION, tid_1_to_12);
  g_assert_true (avanue_stun_message_add_xor_address (msg, AVANUE_STUN_ATTRIBUTE_XOR_PEER_ADDRESS, address, &error));
  g_assert_true (avanue_stun_message_add_attribute (msg, AVANUE_STUN_ATTRIBUTE_DATA, (const guint8 *) "hello", 5, &error));
  g_assert_no_error (error);

  data = avanue_stun_message_get_data (msg, &len);
  g_assert_cmpuint (len, ==, 20 + 24 + 12);
  parsed = parse_ok (data, len);
  value = avanue_stun_message_get_attribute (parsed, AVANUE_STUN_ATTRIBUTE_XOR_PEER_ADDRESS, &len);
  g_assert_cmpmem (value, len, expected_xor, sizeof (expected_xor));
  value = avanue_stun_message_get_attribute (parsed, AVANUE_STUN_ATTRIBUTE_DATA, &len);
  g_assert_cmpmem (value, len, "hello", 5);

  decoded = avanue_stun_message_get_xor_address (parsed, AVANUE_STUN_ATTRIBUTE_XOR_PEER_ADDRESS, &error);
  g_assert_no_error (error);
  text = g_inet_address_to_string (g_inet_socket_address_get_address (decoded));
  g_assert_cmpstr (text, ==, "::1");
  g_assert_cmpuint (g_inet_socket_address_get_port (decoded), ==, 1);

  g_assert_true (avanue_stun_message_get_sockaddr (parsed, AVANUE_STUN_ATTRIBUTE_XOR_PEER_ADDRESS, TRUE,
                                                   &ss, &ss_len, &error));
  g_assert_no_error (error);
  g_assert_cmpint (ss.ss_family, ==, AF_INET6);
  g_assert_cmpuint (ss_len, ==, sizeof (struct sockaddr_in6));
  g_assert_cmpuint (g_ntohs (((struct sockaddr_in6 *) &ss)->sin6_port), ==, 1);
  g_assert_true (IN6_IS_ADDR_LOOPBACK (&((struct sockaddr_in6 *) &ss)->sin6_addr));

  /* The RFC 5769 §2.3 address from a sockaddr_in6 gives the vector's bytes. */
  memset (&sin6, 0, sizeof (sin6));
  sin6.sin6_family = AF_INET6;
  sin6.sin6_port = g_htons (32853);
  g_assert_cmpint (inet_pton (AF_INET6, "2001:db8:1234:5678:11:2233:4455:6677", &sin6.sin6_addr), ==, 1);
  avanue_stun_message_start (msg, AVANUE_STUN_METHOD_BINDING, AVANUE_STUN_CLASS_SUCCESS_RESPONSE, rfc5769_tid);
  g_assert_true (avanue_stun_message_add_sockaddr (msg, AVANUE_STUN_ATTRIBUTE_XOR_MAPPED_ADDRESS, TRUE,
                                                   (struct sockaddr *) &sin6, sizeof (sin6), &error));
  g_assert_no_error (error);
  value = avanue_stun_message_get_attribute (msg, AVANUE_STUN_ATTRIBUTE_XOR_MAPPED_ADDRESS, &len);
  g_assert_cmpmem (value, len, rfc5769_ipv6_response + 40, 20);
}

static void
test_integrity_sha1 (void)
{
  g_autoptr(AvanueStunMessage) msg = avanue_stun_message_new ();
  g_autoptr(AvanueStunMessage) parsed = avanue_stun_message_new ();
  g_autoptr(GBytes) key = avanue_stun_compute_long_term_key ("1700000000:session:abcd", "avanue", "c2VjcmV0");
  g_autoptr(GError) error = NULL;
  g_autofree guint8 *copy = NULL;
  const guint8 *data;
  gsize integrity_end;
  gsize len = 0;
  guint n_checked = 0;

  avanue_stun_message_start (msg, AVANUE_STUN_METHOD_ALLOCATE, AVANUE_STUN_CLASS_REQUEST, tid_1_to_12);
  g_assert_true (avanue_stun_message_add_uint32 (msg, AVANUE_STUN_ATTRIBUTE_REQUESTED_TRANSPORT, 17 << 24, &error));
  g_assert_true (avanue_stun_message_add_string (msg, AVANUE_STUN_ATTRIBUTE_USERNAME, "1700000000:session:abcd", &error));
  g_assert_true (avanue_stun_message_add_string (msg, AVANUE_STUN_ATTRIBUTE_REALM, "avanue", &error));
  g_assert_true (avanue_stun_message_add_string (msg, AVANUE_STUN_ATTRIBUTE_NONCE, "nonce-123", &error));
  g_assert_false (avanue_stun_message_check_integrity (msg, g_bytes_get_data (key, NULL), 16, &error));
  g_assert_error (error, AVANUE_STUN_ERROR, AVANUE_STUN_ERROR_NOT_FOUND);
  g_clear_error (&error);
  g_assert_true (avanue_stun_message_add_message_integrity (msg, g_bytes_get_data (key, NULL), 16, &error));
  g_assert_no_error (error);
  avanue_stun_message_get_data (msg, &len);
  integrity_end = len;
  g_assert_true (avanue_stun_message_add_fingerprint (msg, &error));
  g_assert_no_error (error);

  data = avanue_stun_message_get_data (msg, &len);
  g_assert_true (avanue_stun_message_parse (parsed, data, len, &error));
  g_assert_no_error (error);
  g_assert_true (avanue_stun_message_check_integrity (parsed, g_bytes_get_data (key, NULL), 16, &error));
  g_assert_no_error (error);
  g_assert_true (avanue_stun_message_check_fingerprint (parsed, &error));
  g_assert_no_error (error);
  g_assert_false (avanue_stun_message_check_integrity (parsed, (const guint8 *) "c2VjcmV0", 8, &error));
  g_assert_error (error, AVANUE_STUN_ERROR, AVANUE_STUN_ERROR_BAD_INTEGRITY);
  g_clear_error (&error);

  /* Flipping any bit before the end of MESSAGE-INTEGRITY (but the length
   * field) breaks either the parse or the integrity, and the fingerprint. */
  copy = g_memdup2 (data, len);
  for (gsize i = 0; i < integrity_end; i++)
    {
      if (i == 2 || i == 3)
        continue;
      for (guint bit = 0; bit < 8; bit++)
        {
          copy[i] ^= 1 << bit;
          if (avanue_stun_message_parse_borrowed (parsed, copy, len, NULL))
            {
              g_assert_false (avanue_stun_message_check_integrity (parsed, g_bytes_get_data (key, NULL), 16, &error));
              g_assert_true (error->code == AVANUE_STUN_ERROR_BAD_INTEGRITY ||
                             error->code == AVANUE_STUN_ERROR_NOT_FOUND);
              g_clear_error (&error);
              g_assert_false (avanue_stun_message_check_fingerprint (parsed, NULL));
              n_checked++;
            }
          copy[i] ^= 1 << bit;
        }
    }
  /* Most flips leave a parseable message: the loop did check something. */
  g_assert_cmpuint (n_checked, >, integrity_end);
}

static void
test_integrity_sha256 (void)
{
  g_autoptr(AvanueStunMessage) msg = parse_ok (sha256_request, sizeof (sha256_request));
  g_autoptr(AvanueStunMessage) truncated = parse_ok (sha256_truncated_request, sizeof (sha256_truncated_request));
  g_autoptr(AvanueStunMessage) built = avanue_stun_message_new ();
  g_autoptr(GError) error = NULL;
  g_autofree guint8 *copy = NULL;

  assert_string_attribute (msg, AVANUE_STUN_ATTRIBUTE_USERNAME, "alice");
  g_assert_true (avanue_stun_message_check_integrity_sha256 (msg, (const guint8 *) "secret", 6, &error));
  g_assert_no_error (error);
  g_assert_true (avanue_stun_message_check_fingerprint (msg, &error));
  g_assert_no_error (error);
  g_assert_false (avanue_stun_message_check_integrity_sha256 (msg, (const guint8 *) "Secret", 6, &error));
  g_assert_error (error, AVANUE_STUN_ERROR, AVANUE_STUN_ERROR_BAD_INTEGRITY);
  g_clear_error (&error);
  g_assert_false (avanue_stun_message_check_integrity (msg, (const guint8 *) "secret", 6, &error));
  g_assert_error (error, AVANUE_STUN_ERROR, AVANUE_STUN_ERROR_NOT_FOUND);
  g_clear_error (&error);

  /* Truncated to 16 bytes (RFC 8489 §14.6). */
  g_assert_true (avanue_stun_message_check_integrity_sha256 (truncated, (const guint8 *) "secret", 6, &error));
  g_assert_no_error (error);
  g_assert_true (avanue_stun_message_check_fingerprint (truncated, &error));
  g_assert_no_error (error);

  /* Built again, byte for byte. */
  avanue_stun_message_start (built, AVANUE_STUN_METHOD_BINDING, AVANUE_STUN_CLASS_REQUEST, tid_1_to_12);
  g_assert_true (avanue_stun_message_add_string (built, AVANUE_STUN_ATTRIBUTE_USERNAME, "alice", &error));
  g_assert_true (avanue_stun_message_add_message_integrity_sha256 (built, (const guint8 *) "secret", 6, &error));
  g_assert_true (avanue_stun_message_add_fingerprint (built, &error));
  g_assert_no_error (error);
  assert_message_bytes (built, sha256_request, sizeof (sha256_request));

  /* A tampered USERNAME. */
  copy = g_memdup2 (sha256_request, sizeof (sha256_request));
  copy[24] = 'A';
  g_assert_true (avanue_stun_message_parse_borrowed (msg, copy, sizeof (sha256_request), &error));
  g_assert_false (avanue_stun_message_check_integrity_sha256 (msg, (const guint8 *) "secret", 6, &error));
  g_assert_error (error, AVANUE_STUN_ERROR, AVANUE_STUN_ERROR_BAD_INTEGRITY);
  g_clear_error (&error);
  copy[24] = 'a';

  /* The last byte of the HMAC counts too. */
  copy[67] ^= 0x01;
  g_assert_true (avanue_stun_message_parse_borrowed (msg, copy, sizeof (sha256_request), &error));
  g_assert_false (avanue_stun_message_check_integrity_sha256 (msg, (const guint8 *) "secret", 6, &error));
  g_assert_error (error, AVANUE_STUN_ERROR, AVANUE_STUN_ERROR_BAD_INTEGRITY);
  g_clear_error (&error);
  copy[67] ^= 0x01;
  g_assert_true (avanue_stun_message_parse_borrowed (msg, copy, sizeof (sha256_request), &error));
  g_assert_true (avanue_stun_message_check_integrity_sha256 (msg, (const guint8 *) "secret", 6, &error));
  g_assert_no_error (error);

  /* Both integrity attributes, then FINGERPRINT. */
  avanue_stun_message_start (built, AVANUE_STUN_METHOD_BINDING, AVANUE_STUN_CLASS_REQUEST, NULL);
  g_assert_true (avanue_stun_message_add_string (built, AVANUE_STUN_ATTRIBUTE_USERNAME, "bob", &error));
  g_assert_true (avanue_stun_message_add_message_integrity (built, (const guint8 *) "pw", 2, &error));
  g_assert_true (avanue_stun_message_add_message_integrity_sha256 (built, (const guint8 *) "pw", 2, &error));
  g_assert_true (avanue_stun_message_add_fingerprint (built, &error));
  g_assert_no_error (error);
  {
    gsize len = 0;
    const guint8 *data = avanue_stun_message_get_data (built, &len);

    g_assert_true (avanue_stun_message_parse (msg, data, len, &error));
    g_assert_no_error (error);
  }
  g_assert_true (avanue_stun_message_check_integrity (msg, (const guint8 *) "pw", 2, NULL));
  g_assert_true (avanue_stun_message_check_integrity_sha256 (msg, (const guint8 *) "pw", 2, NULL));
  g_assert_true (avanue_stun_message_check_fingerprint (msg, NULL));
  g_assert_false (avanue_stun_message_check_integrity_sha256 (msg, (const guint8 *) "pW", 2, NULL));
}

static void
test_fingerprint (void)
{
  g_autoptr(AvanueStunMessage) msg = avanue_stun_message_new ();
  g_autoptr(GError) error = NULL;
  g_autofree guint8 *copy = g_memdup2 (rfc5769_ipv4_response, sizeof (rfc5769_ipv4_response));
  gsize len = sizeof (rfc5769_ipv4_response);

  /* A byte of SOFTWARE. */
  copy[24] ^= 0x01;
  g_assert_true (avanue_stun_message_parse_borrowed (msg, copy, len, &error));
  g_assert_no_error (error);
  g_assert_false (avanue_stun_message_check_fingerprint (msg, &error));
  g_assert_error (error, AVANUE_STUN_ERROR, AVANUE_STUN_ERROR_BAD_FINGERPRINT);
  g_clear_error (&error);
  copy[24] ^= 0x01;

  /* The fingerprint itself. */
  copy[len - 1] ^= 0x80;
  g_assert_true (avanue_stun_message_parse_borrowed (msg, copy, len, &error));
  g_assert_false (avanue_stun_message_check_fingerprint (msg, &error));
  g_assert_error (error, AVANUE_STUN_ERROR, AVANUE_STUN_ERROR_BAD_FINGERPRINT);
  g_clear_error (&error);
  /* MESSAGE-INTEGRITY does not cover FINGERPRINT. */
  g_assert_true (avanue_stun_message_check_integrity (msg, (const guint8 *) RFC5769_PASSWORD,
                                                      strlen (RFC5769_PASSWORD), NULL));
  copy[len - 1] ^= 0x80;

  g_assert_true (avanue_stun_message_parse_borrowed (msg, copy, len, &error));
  g_assert_true (avanue_stun_message_check_fingerprint (msg, &error));
  g_assert_no_error (error);

  /* No FINGERPRINT at all. */
  avanue_stun_message_start (msg, AVANUE_STUN_METHOD_BINDING, AVANUE_STUN_CLASS_REQUEST, NULL);
  g_assert_false (avanue_stun_message_check_fingerprint (msg, &error));
  g_assert_error (error, AVANUE_STUN_ERROR, AVANUE_STUN_ERROR_NOT_FOUND);
}

/* Appends a raw attribute to a serialized message and fixes its length. */
static void
append_raw_attribute (GByteArray *array, guint16 type, const guint8 *value, guint16 len, guint8 pad)
{
  guint8 header[4] = { type >> 8, type & 0xff, len >> 8, len & 0xff };
  gsize body_len;

  g_byte_array_append (array, header, 4);
  if (len > 0)
    g_byte_array_append (array, value, len);
  while (array->len % 4 != 0)
    g_byte_array_append (array, &pad, 1);
  body_len = array->len - 20;
  array->data[2] = body_len >> 8;
  array->data[3] = body_len & 0xff;
}

static GByteArray *
new_header (guint16 type)
{
  GByteArray *array = g_byte_array_new ();
  guint8 header[8] = { type >> 8, type & 0xff, 0x00, 0x00, 0x21, 0x12, 0xa4, 0x42 };

  g_byte_array_append (array, header, 8);
  g_byte_array_append (array, tid_1_to_12, 12);
  return array;
}

static void
test_unknown_attributes (void)
{
  static const guint8 two[] = { 0xaa, 0xbb };
  static const guint8 four[] = { 1, 2, 3, 4 };
  g_autoptr(GByteArray) array = new_header (0x0003);
  g_autoptr(AvanueStunMessage) msg = NULL;
  g_autoptr(AvanueStunMessage) response = avanue_stun_message_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *reason = NULL;
  const guint16 *unknown;
  const guint8 *value;
  gsize n_unknown = 0;
  gsize len = 0;
  guint code = 0;

  append_raw_attribute (array, 0x7FFF, two, 2, 0);
  append_raw_attribute (array, 0xC001, four, 4, 0);
  append_raw_attribute (array, 0x7FFF, two, 2, 0);
  append_raw_attribute (array, 0x0030, NULL, 0, 0);
  append_raw_attribute (array, AVANUE_STUN_ATTRIBUTE_LIFETIME, (const guint8 *) "\0\0\x02\x58", 4, 0);

  msg = parse_ok (array->data, array->len);
  g_assert_cmpuint (avanue_stun_message_get_n_attributes (msg), ==, 5);
  unknown = avanue_stun_message_get_unknown_attributes (msg, &n_unknown);
  /* Each comprehension-required unknown type once; 0xC001 is optional. */
  g_assert_cmpuint (n_unknown, ==, 2);
  g_assert_cmphex (unknown[0], ==, 0x7FFF);
  g_assert_cmphex (unknown[1], ==, 0x0030);
  /* Unknown attributes can still be read. */
  value = avanue_stun_message_get_attribute (msg, 0xC001, &len);
  g_assert_cmpmem (value, len, four, 4);
  value = avanue_stun_message_get_attribute (msg, 0x0030, &len);
  g_assert_nonnull (value);
  g_assert_cmpuint (len, ==, 0);
  g_assert_true (avanue_stun_message_has_attribute (msg, 0x0030));

  /* The 420 answer. */
  g_assert_true (avanue_stun_message_start_response (response, msg, FALSE, &error));
  g_assert_no_error (error);
  g_assert_true (avanue_stun_message_add_error_code (response, 420, "Unknown Attribute", &error));
  g_assert_true (avanue_stun_message_add_unknown_attributes (response, unknown, n_unknown, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (avanue_stun_message_get_method (response), ==, AVANUE_STUN_METHOD_ALLOCATE);
  g_assert_cmpint (avanue_stun_message_get_message_class (response), ==, AVANUE_STUN_CLASS_ERROR_RESPONSE);
  g_assert_cmpmem (avanue_stun_message_get_transaction_id (response), 12, tid_1_to_12, 12);
  value = avanue_stun_message_get_attribute (response, AVANUE_STUN_ATTRIBUTE_UNKNOWN_ATTRIBUTES, &len);
  g_assert_cmpmem (value, len, "\x7f\xff\x00\x30", 4);
  g_assert_true (avanue_stun_message_get_error_code (response, &code, &reason, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (code, ==, 420);
  g_assert_cmpstr (reason, ==, "Unknown Attribute");
}

static void
test_ignored_after_integrity (void)
{
  g_autoptr(AvanueStunMessage) msg = avanue_stun_message_new ();
  g_autoptr(AvanueStunMessage) parsed = NULL;
  g_autoptr(GByteArray) array = g_byte_array_new ();
  g_autoptr(GError) error = NULL;
  const guint16 *unknown;
  const guint8 *data;
  gsize n_unknown = 0;
  gsize len = 0;

  avanue_stun_message_start (msg, AVANUE_STUN_METHOD_REFRESH, AVANUE_STUN_CLASS_REQUEST, tid_1_to_12);
  g_assert_true (avanue_stun_message_add_uint32 (msg, AVANUE_STUN_ATTRIBUTE_LIFETIME, 0, &error));
  g_assert_true (avanue_stun_message_add_message_integrity (msg, (const guint8 *) "key", 3, &error));
  g_assert_no_error (error);
  data = avanue_stun_message_get_data (msg, &len);
  g_byte_array_append (array, data, len);

  /* Appended after MESSAGE-INTEGRITY: ignored, and not reported unknown,
   * even when malformed as a known type. */
  append_raw_attribute (array, 0x0031, NULL, 0, 0);
  append_raw_attribute (array, AVANUE_STUN_ATTRIBUTE_LIFETIME, (const guint8 *) "\1", 1, 0);
  append_raw_attribute (array, AVANUE_STUN_ATTRIBUTE_DATA, (const guint8 *) "x", 1, 0);
  parsed = parse_ok (array->data, array->len);
  g_assert_cmpuint (avanue_stun_message_get_n_attributes (parsed), ==, 2);
  g_assert_false (avanue_stun_message_has_attribute (parsed, AVANUE_STUN_ATTRIBUTE_DATA));
  unknown = avanue_stun_message_get_unknown_attributes (parsed, &n_unknown);
  g_assert_nonnull (unknown);
  g_assert_cmpuint (n_unknown, ==, 0);
  /* The integrity covers what precedes it, whatever the length field now says. */
  g_assert_true (avanue_stun_message_check_integrity (parsed, (const guint8 *) "key", 3, &error));
  g_assert_no_error (error);

  /* After FINGERPRINT, everything is ignored. */
  avanue_stun_message_start (msg, AVANUE_STUN_METHOD_BINDING, AVANUE_STUN_CLASS_REQUEST, tid_1_to_12);
  g_assert_true (avanue_stun_message_add_fingerprint (msg, &error));
  g_assert_no_error (error);
  data = avanue_stun_message_get_data (msg, &len);
  g_byte_array_set_size (array, 0);
  g_byte_array_append (array, data, len);
  append_raw_attribute (array, AVANUE_STUN_ATTRIBUTE_FINGERPRINT, (const guint8 *) "\0\0\0\0", 4, 0);
  append_raw_attribute (array, AVANUE_STUN_ATTRIBUTE_MESSAGE_INTEGRITY, NULL, 0, 0);
  g_clear_object (&parsed);
  parsed = parse_ok (array->data, array->len);
  g_assert_cmpuint (avanue_stun_message_get_n_attributes (parsed), ==, 1);
  g_assert_true (avanue_stun_message_check_fingerprint (parsed, &error));
  g_assert_no_error (error);
}

static void
test_truncated (void)
{
  static const struct
  {
    const guint8 *data;
    gsize len;
  } vectors[] = {
    { rfc5769_request, sizeof (rfc5769_request) },
    { rfc5769_ipv4_response, sizeof (rfc5769_ipv4_response) },
    { rfc5769_ipv6_response, sizeof (rfc5769_ipv6_response) },
    { rfc5769_long_term, sizeof (rfc5769_long_term) },
    { sha256_request, sizeof (sha256_request) },
  };

  for (gsize v = 0; v < G_N_ELEMENTS (vectors); v++)
    {
      for (gsize n = 0; n < vectors[v].len; n++)
        assert_parse_fails (vectors[v].data, n, AVANUE_STUN_ERROR_TRUNCATED);
    }
}

static void
test_bad_length (void)
{
  g_autofree guint8 *copy = g_memdup2 (rfc5769_ipv4_response, sizeof (rfc5769_ipv4_response));
  g_autoptr(GByteArray) longer = g_byte_array_new ();
  gsize len = sizeof (rfc5769_ipv4_response);

  /* Length field not a multiple of 4. */
  copy[3] = 0x3d;
  assert_parse_fails (copy, len, AVANUE_STUN_ERROR_BAD_LENGTH);
  copy[3] = 0x3c;

  /* Bytes after the message. */
  g_byte_array_append (longer, rfc5769_ipv4_response, len);
  g_byte_array_append (longer, (const guint8 *) "\0\0\0\0", 4);
  assert_parse_fails (longer->data, longer->len, AVANUE_STUN_ERROR_BAD_LENGTH);

  /* The length field says less than there is. */
  copy[3] = 0x38;
  assert_parse_fails (copy, len, AVANUE_STUN_ERROR_BAD_LENGTH);
  copy[3] = 0x3c;

  /* SOFTWARE claims more bytes than the message holds. */
  copy[23] = 0x40;
  assert_parse_fails (copy, len, AVANUE_STUN_ERROR_BAD_ATTRIBUTE);
  copy[22] = 0xff;
  copy[23] = 0xff;
  assert_parse_fails (copy, len, AVANUE_STUN_ERROR_BAD_ATTRIBUTE);
  copy[22] = 0x00;
  copy[23] = 0x0b;

  /* The last attribute (FINGERPRINT, 4 bytes) claims 5: its padding would
   * overrun the message. */
  copy[len - 5] = 0x05;
  assert_parse_fails (copy, len, AVANUE_STUN_ERROR_BAD_ATTRIBUTE);
  copy[len - 5] = 0x04;

  /* A header length that cuts an attribute in two. */
  {
    g_autoptr(GByteArray) cut = g_byte_array_new ();

    g_byte_array_append (cut, rfc5769_ipv4_response, 28);
    cut->data[2] = 0;
    cut->data[3] = 8;
    assert_parse_fails (cut->data, cut->len, AVANUE_STUN_ERROR_BAD_ATTRIBUTE);
  }

  /* Intact, it parses. */
  {
    g_autoptr(AvanueStunMessage) msg = parse_ok (copy, len);

    g_assert_cmpuint (avanue_stun_message_get_n_attributes (msg), ==, 4);
  }
}

static void
test_oversized (void)
{
  gsize big_len = AVANUE_STUN_MAX_MESSAGE_SIZE + 1;
  g_autofree guint8 *big = g_malloc0 (big_len);
  g_autofree guint8 *largest = NULL;
  g_autoptr(AvanueStunMessage) msg = avanue_stun_message_new ();
  g_autoptr(GError) error = NULL;
  g_autofree guint8 *value = g_malloc0 (G_MAXUINT16 + 1);

  memcpy (big, rfc5769_request, 20);
  big[2] = 0xff;
  big[3] = 0xfc;
  assert_parse_fails (big, big_len, AVANUE_STUN_ERROR_TOO_LARGE);

  /* The largest possible message: 0xfffc bytes of attributes. */
  largest = g_malloc0 (20 + 0xfffc);
  memcpy (largest, big, 20);
  largest[20] = 0x80; /* 0x8010: unknown, comprehension-optional */
  largest[21] = 0x10;
  largest[22] = 0xff;
  largest[23] = 0xf8;
  g_assert_true (avanue_stun_message_parse (msg, largest, 20 + 0xfffc, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (avanue_stun_message_get_n_attributes (msg), ==, 1);

  /* A configured cap. */
  avanue_stun_message_set_max_size (msg, sizeof (rfc5769_request) - 1);
  g_assert_cmpuint (avanue_stun_message_get_max_size (msg), ==, sizeof (rfc5769_request) - 1);
  g_assert_false (avanue_stun_message_parse (msg, rfc5769_request, sizeof (rfc5769_request), &error));
  g_assert_error (error, AVANUE_STUN_ERROR, AVANUE_STUN_ERROR_TOO_LARGE);
  g_clear_error (&error);
  g_object_set (msg, "max-size", (guint) sizeof (rfc5769_request), NULL);
  g_assert_true (avanue_stun_message_parse (msg, rfc5769_request, sizeof (rfc5769_request), &error));
  g_assert_no_error (error);

  /* The cap applies to building too, and a refused attribute changes
   * nothing. */
  avanue_stun_message_set_max_size (msg, 64);
  avanue_stun_message_start (msg, AVANUE_STUN_METHOD_SEND, AVANUE_STUN_CLASS_INDICATION, NULL);
  g_assert_true (avanue_stun_message_add_attribute (msg, AVANUE_STUN_ATTRIBUTE_DATA, value, 40, &error));
  g_assert_no_error (error);
  g_assert_false (avanue_stun_message_add_attribute (msg, AVANUE_STUN_ATTRIBUTE_DATA, value, 1, &error));
  g_assert_error (error, AVANUE_STUN_ERROR, AVANUE_STUN_ERROR_TOO_LARGE);
  g_clear_error (&error);
  g_assert_cmpuint (avanue_stun_message_get_n_attributes (msg), ==, 1);
  {
    gsize len = 0;
    const guint8 *data = avanue_stun_message_get_data (msg, &len);

    g_assert_cmpuint (len, ==, 64);
    g_assert_cmpuint ((data[2] << 8) | data[3], ==, 44);
  }

  /* No attribute value beyond 65535 bytes, nor a message beyond 0xfffc. */
  avanue_stun_message_set_max_size (msg, AVANUE_STUN_MAX_MESSAGE_SIZE);
  avanue_stun_message_start (msg, AVANUE_STUN_METHOD_SEND, AVANUE_STUN_CLASS_INDICATION, NULL);
  g_assert_false (avanue_stun_message_add_attribute (msg, AVANUE_STUN_ATTRIBUTE_DATA, value, G_MAXUINT16 + 1, &error));
  g_assert_error (error, AVANUE_STUN_ERROR, AVANUE_STUN_ERROR_TOO_LARGE);
  g_clear_error (&error);
  g_assert_false (avanue_stun_message_add_attribute (msg, AVANUE_STUN_ATTRIBUTE_DATA, value, 0xfffc - 3, &error));
  g_assert_error (error, AVANUE_STUN_ERROR, AVANUE_STUN_ERROR_TOO_LARGE);
  g_clear_error (&error);
  g_assert_true (avanue_stun_message_add_attribute (msg, AVANUE_STUN_ATTRIBUTE_DATA, value, 0xfffc - 4, &error));
  g_assert_no_error (error);
  g_assert_false (avanue_stun_message_add_fingerprint (msg, &error));
  g_assert_error (error, AVANUE_STUN_ERROR, AVANUE_STUN_ERROR_TOO_LARGE);
}

static void
test_not_stun (void)
{
  g_autofree guint8 *copy = g_memdup2 (rfc5769_request, sizeof (rfc5769_request));
  gsize len = sizeof (rfc5769_request);

  copy[0] |= 0x80;
  assert_parse_fails (copy, len, AVANUE_STUN_ERROR_NOT_STUN);
  copy[0] = 0x40;
  assert_parse_fails (copy, len, AVANUE_STUN_ERROR_NOT_STUN);
  copy[0] = 0x00;

  copy[7] ^= 0x01;
  assert_parse_fails (copy, len, AVANUE_STUN_ERROR_BAD_MAGIC_COOKIE);
}

static void
assert_malformed (guint16 type, const guint8 *value, guint16 len)
{
  g_autoptr(GByteArray) array = new_header (0x0001);
  g_autoptr(AvanueStunMessage) msg = avanue_stun_message_new ();
  g_autoptr(AvanueStunMessage) builder = avanue_stun_message_new ();
  g_autoptr(GError) error = NULL;

  append_raw_attribute (array, AVANUE_STUN_ATTRIBUTE_SOFTWARE, (const guint8 *) "ok", 2, 0);
  append_raw_attribute (array, type, value, len, 0);
  assert_parse_fails (array->data, array->len, AVANUE_STUN_ERROR_BAD_ATTRIBUTE);

  /* The header stays readable so that a server can answer 400. */
  g_assert_false (avanue_stun_message_parse (msg, array->data, array->len, &error));
  g_assert_error (error, AVANUE_STUN_ERROR, AVANUE_STUN_ERROR_BAD_ATTRIBUTE);
  g_clear_error (&error);
  g_assert_cmpuint (avanue_stun_message_get_method (msg), ==, AVANUE_STUN_METHOD_BINDING);
  g_assert_cmpmem (avanue_stun_message_get_transaction_id (msg), 12, tid_1_to_12, 12);
  g_assert_false (avanue_stun_message_has_attribute (msg, AVANUE_STUN_ATTRIBUTE_SOFTWARE));
  g_assert_true (avanue_stun_message_start_response (builder, msg, FALSE, &error));
  g_assert_no_error (error);
  g_assert_cmpmem (avanue_stun_message_get_transaction_id (builder), 12, tid_1_to_12, 12);

  /* The builder refuses the same value. */
  if (type != AVANUE_STUN_ATTRIBUTE_MESSAGE_INTEGRITY && type != AVANUE_STUN_ATTRIBUTE_FINGERPRINT &&
      type != AVANUE_STUN_ATTRIBUTE_MESSAGE_INTEGRITY_SHA256)
    {
      g_assert_false (avanue_stun_message_add_attribute (builder, type, value, len, &error));
      g_assert_error (error, AVANUE_STUN_ERROR, AVANUE_STUN_ERROR_BAD_ATTRIBUTE);
    }
}

static void
test_malformed_attributes (void)
{
  static const guint8 zeros[32] = { 0 };
  static const guint8 family3[] = { 0x00, 0x03, 0x12, 0x34, 1, 2, 3, 4 };
  static const guint8 family1_long[20] = { 0x00, 0x01 };
  static const guint8 family2_short[] = { 0x00, 0x02, 0x12, 0x34, 1, 2, 3, 4 };
  static const guint8 error_class7[] = { 0, 0, 7, 0 };
  static const guint8 error_class2[] = { 0, 0, 2, 0 };
  static const guint8 error_number100[] = { 0, 0, 4, 100 };
  static const guint8 password_algorithm[] = { 0, 1, 0, 8, 1, 2, 3, 4 };

  assert_malformed (AVANUE_STUN_ATTRIBUTE_XOR_MAPPED_ADDRESS, family3, sizeof (family3));
  assert_malformed (AVANUE_STUN_ATTRIBUTE_XOR_PEER_ADDRESS, family1_long, sizeof (family1_long));
  assert_malformed (AVANUE_STUN_ATTRIBUTE_MAPPED_ADDRESS, family2_short, sizeof (family2_short));
  assert_malformed (AVANUE_STUN_ATTRIBUTE_ALTERNATE_SERVER, family3, 1);
  assert_malformed (AVANUE_STUN_ATTRIBUTE_XOR_RELAYED_ADDRESS, NULL, 0);
  assert_malformed (AVANUE_STUN_ATTRIBUTE_FINGERPRINT, zeros, 3);
  assert_malformed (AVANUE_STUN_ATTRIBUTE_MESSAGE_INTEGRITY, zeros, 19);
  assert_malformed (AVANUE_STUN_ATTRIBUTE_MESSAGE_INTEGRITY_SHA256, zeros, 12);
  assert_malformed (AVANUE_STUN_ATTRIBUTE_MESSAGE_INTEGRITY_SHA256, zeros, 18);
  assert_malformed (AVANUE_STUN_ATTRIBUTE_ERROR_CODE, error_class7, 4);
  assert_malformed (AVANUE_STUN_ATTRIBUTE_ERROR_CODE, error_class2, 4);
  assert_malformed (AVANUE_STUN_ATTRIBUTE_ERROR_CODE, error_number100, 4);
  assert_malformed (AVANUE_STUN_ATTRIBUTE_ERROR_CODE, error_class7, 3);
  assert_malformed (AVANUE_STUN_ATTRIBUTE_LIFETIME, zeros, 2);
  assert_malformed (AVANUE_STUN_ATTRIBUTE_PRIORITY, zeros, 8);
  assert_malformed (AVANUE_STUN_ATTRIBUTE_CHANNEL_NUMBER, zeros, 0);
  assert_malformed (AVANUE_STUN_ATTRIBUTE_ICE_CONTROLLING, zeros, 4);
  assert_malformed (AVANUE_STUN_ATTRIBUTE_USERHASH, zeros, 20);
  assert_malformed (AVANUE_STUN_ATTRIBUTE_UNKNOWN_ATTRIBUTES, zeros, 3);
  assert_malformed (AVANUE_STUN_ATTRIBUTE_EVEN_PORT, NULL, 0);
  assert_malformed (AVANUE_STUN_ATTRIBUTE_PASSWORD_ALGORITHM, password_algorithm, sizeof (password_algorithm));
}

static void
test_too_many_attributes (void)
{
  g_autoptr(GByteArray) array = new_header (0x0001);
  g_autoptr(AvanueStunMessage) msg = avanue_stun_message_new ();
  g_autoptr(GError) error = NULL;

  for (int i = 0; i < AVANUE_STUN_MAX_ATTRIBUTES; i++)
    append_raw_attribute (array, AVANUE_STUN_ATTRIBUTE_SOFTWARE, NULL, 0, 0);
  g_assert_true (avanue_stun_message_parse (msg, array->data, array->len, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (avanue_stun_message_get_n_attributes (msg), ==, AVANUE_STUN_MAX_ATTRIBUTES);

  append_raw_attribute (array, AVANUE_STUN_ATTRIBUTE_SOFTWARE, NULL, 0, 0);
  assert_parse_fails (array->data, array->len, AVANUE_STUN_ERROR_TOO_MANY_ATTRIBUTES);

  avanue_stun_message_start (msg, AVANUE_STUN_METHOD_BINDING, AVANUE_STUN_CLASS_REQUEST, NULL);
  for (int i = 0; i < AVANUE_STUN_MAX_ATTRIBUTES; i++)
    {
      g_assert_true (avanue_stun_message_add_string (msg, AVANUE_STUN_ATTRIBUTE_SOFTWARE, "", &error));
      g_assert_no_error (error);
    }
  g_assert_false (avanue_stun_message_add_fingerprint (msg, &error));
  g_assert_error (error, AVANUE_STUN_ERROR, AVANUE_STUN_ERROR_TOO_MANY_ATTRIBUTES);
}

static void
test_error_code (void)
{
  /* ERROR-CODE 438 "Stale Nonce": class 4, number 38, 11 bytes of reason,
   * length 15, one byte of padding. */
  static const guint8 expected[] = {
    0x00, 0x09, 0x00, 0x0f, 0x00, 0x00, 0x04, 0x26, 'S', 't', 'a', 'l',
    'e', ' ', 'N', 'o', 'n', 'c', 'e', 0x00,
  };
  g_autoptr(AvanueStunMessage) msg = avanue_stun_message_new ();
  g_autoptr(AvanueStunMessage) parsed = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *reason = NULL;
  const guint8 *data;
  gsize len = 0;
  guint code = 0;

  avanue_stun_message_start (msg, AVANUE_STUN_METHOD_ALLOCATE, AVANUE_STUN_CLASS_ERROR_RESPONSE, tid_1_to_12);
  g_assert_true (avanue_stun_message_add_error_code (msg, 438, "Stale Nonce", &error));
  g_assert_true (avanue_stun_message_add_string (msg, AVANUE_STUN_ATTRIBUTE_NONCE, "n2", &error));
  g_assert_no_error (error);
  data = avanue_stun_message_get_data (msg, &len);
  g_assert_cmpmem (data + 20, sizeof (expected), expected, sizeof (expected));

  parsed = parse_ok (data, len);
  g_assert_cmpint (avanue_stun_message_get_message_class (parsed), ==, AVANUE_STUN_CLASS_ERROR_RESPONSE);
  g_assert_true (avanue_stun_message_get_error_code (parsed, &code, &reason, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (code, ==, 438);
  g_assert_cmpstr (reason, ==, "Stale Nonce");

  /* Without a reason. */
  avanue_stun_message_start (msg, AVANUE_STUN_METHOD_ALLOCATE, AVANUE_STUN_CLASS_ERROR_RESPONSE, NULL);
  g_assert_true (avanue_stun_message_add_error_code (msg, 508, NULL, &error));
  g_assert_no_error (error);
  g_clear_pointer (&reason, g_free);
  g_assert_true (avanue_stun_message_get_error_code (msg, &code, &reason, &error));
  g_assert_cmpuint (code, ==, 508);
  g_assert_cmpstr (reason, ==, "");

  g_assert_false (avanue_stun_message_add_error_code (msg, 200, NULL, &error));
  g_assert_error (error, AVANUE_STUN_ERROR, AVANUE_STUN_ERROR_BAD_ATTRIBUTE);
  g_clear_error (&error);
  g_assert_false (avanue_stun_message_add_error_code (msg, 700, NULL, &error));
  g_assert_error (error, AVANUE_STUN_ERROR, AVANUE_STUN_ERROR_BAD_ATTRIBUTE);
  g_clear_error (&error);

  avanue_stun_message_start (msg, AVANUE_STUN_METHOD_ALLOCATE, AVANUE_STUN_CLASS_SUCCESS_RESPONSE, NULL);
  g_assert_false (avanue_stun_message_get_error_code (msg, &code, NULL, &error));
  g_assert_error (error, AVANUE_STUN_ERROR, AVANUE_STUN_ERROR_NOT_FOUND);
}

static void
test_values (void)
{
  g_autoptr(GByteArray) array = new_header (0x0103);
  g_autoptr(AvanueStunMessage) msg = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;
  guint32 value32 = 0;
  guint64 value64 = 0;

  append_raw_attribute (array, AVANUE_STUN_ATTRIBUTE_LIFETIME, (const guint8 *) "\x00\x00\x02\x58", 4, 0);
  append_raw_attribute (array, AVANUE_STUN_ATTRIBUTE_RESERVATION_TOKEN, (const guint8 *) "\x01\x02\x03\x04\x05\x06\x07\x08", 8, 0);
  append_raw_attribute (array, AVANUE_STUN_ATTRIBUTE_SOFTWARE, (const guint8 *) "\xff\xfe", 2, 0);
  append_raw_attribute (array, AVANUE_STUN_ATTRIBUTE_REALM, (const guint8 *) "a\0b", 3, 0);
  append_raw_attribute (array, AVANUE_STUN_ATTRIBUTE_NONCE, (const guint8 *) "caf\xc3\xa9", 5, 0xee);
  append_raw_attribute (array, 0x8123, (const guint8 *) "\x00\x00\x00\x07", 4, 0);
  msg = parse_ok (array->data, array->len);

  g_assert_true (avanue_stun_message_get_uint32 (msg, AVANUE_STUN_ATTRIBUTE_LIFETIME, &value32, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (value32, ==, 600);
  g_assert_true (avanue_stun_message_get_uint32 (msg, 0x8123, &value32, &error));
  g_assert_cmpuint (value32, ==, 7);
  g_assert_true (avanue_stun_message_get_uint64 (msg, AVANUE_STUN_ATTRIBUTE_RESERVATION_TOKEN, &value64, &error));
  g_assert_no_error (error);
  g_assert_cmphex (value64, ==, G_GUINT64_CONSTANT (0x0102030405060708));

  g_assert_false (avanue_stun_message_get_uint32 (msg, AVANUE_STUN_ATTRIBUTE_RESERVATION_TOKEN, &value32, &error));
  g_assert_error (error, AVANUE_STUN_ERROR, AVANUE_STUN_ERROR_BAD_ATTRIBUTE);
  g_clear_error (&error);
  g_assert_false (avanue_stun_message_get_uint64 (msg, AVANUE_STUN_ATTRIBUTE_LIFETIME, &value64, &error));
  g_assert_error (error, AVANUE_STUN_ERROR, AVANUE_STUN_ERROR_BAD_ATTRIBUTE);
  g_clear_error (&error);
  g_assert_false (avanue_stun_message_get_uint32 (msg, AVANUE_STUN_ATTRIBUTE_PRIORITY, &value32, &error));
  g_assert_error (error, AVANUE_STUN_ERROR, AVANUE_STUN_ERROR_NOT_FOUND);
  g_clear_error (&error);

  text = avanue_stun_message_get_string (msg, AVANUE_STUN_ATTRIBUTE_SOFTWARE, &error);
  g_assert_error (error, AVANUE_STUN_ERROR, AVANUE_STUN_ERROR_BAD_ATTRIBUTE);
  g_assert_null (text);
  g_clear_error (&error);
  text = avanue_stun_message_get_string (msg, AVANUE_STUN_ATTRIBUTE_REALM, &error);
  g_assert_error (error, AVANUE_STUN_ERROR, AVANUE_STUN_ERROR_BAD_ATTRIBUTE);
  g_assert_null (text);
  g_clear_error (&error);
  text = avanue_stun_message_get_string (msg, AVANUE_STUN_ATTRIBUTE_USERNAME, &error);
  g_assert_error (error, AVANUE_STUN_ERROR, AVANUE_STUN_ERROR_NOT_FOUND);
  g_assert_null (text);
  g_clear_error (&error);
  /* Padding (here 0xee) is not part of the value. */
  assert_string_attribute (msg, AVANUE_STUN_ATTRIBUTE_NONCE, "caf\xc3\xa9");
}

static void
test_builder_rules (void)
{
  g_autoptr(AvanueStunMessage) msg = avanue_stun_message_new ();
  g_autoptr(AvanueStunMessage) other = avanue_stun_message_new ();
  g_autoptr(GError) error = NULL;
  guint8 tid[12];

  g_assert_false (avanue_stun_message_is_valid (msg));
  g_assert_null (avanue_stun_message_get_transaction_id (msg));

  /* Computed attributes are not added raw. */
  avanue_stun_message_start (msg, AVANUE_STUN_METHOD_BINDING, AVANUE_STUN_CLASS_REQUEST, NULL);
  g_assert_true (avanue_stun_message_is_valid (msg));
  g_assert_false (avanue_stun_message_add_attribute (msg, AVANUE_STUN_ATTRIBUTE_FINGERPRINT,
                                                     (const guint8 *) "\0\0\0\0", 4, &error));
  g_assert_error (error, AVANUE_STUN_ERROR, AVANUE_STUN_ERROR_BAD_ATTRIBUTE);
  g_clear_error (&error);
  g_assert_false (avanue_stun_message_add_string (msg, AVANUE_STUN_ATTRIBUTE_SOFTWARE, "\xff", &error));
  g_assert_error (error, AVANUE_STUN_ERROR, AVANUE_STUN_ERROR_BAD_ATTRIBUTE);
  g_clear_error (&error);

  /* After MESSAGE-INTEGRITY only MESSAGE-INTEGRITY-SHA256 and FINGERPRINT;
   * after MESSAGE-INTEGRITY-SHA256 only FINGERPRINT; after FINGERPRINT
   * nothing. */
  g_assert_true (avanue_stun_message_add_message_integrity (msg, (const guint8 *) "k", 1, &error));
  g_assert_no_error (error);
  g_assert_false (avanue_stun_message_add_string (msg, AVANUE_STUN_ATTRIBUTE_SOFTWARE, "late", &error));
  g_assert_error (error, AVANUE_STUN_ERROR, AVANUE_STUN_ERROR_BAD_ATTRIBUTE);
  g_clear_error (&error);
  g_assert_false (avanue_stun_message_add_message_integrity (msg, (const guint8 *) "k", 1, &error));
  g_assert_error (error, AVANUE_STUN_ERROR, AVANUE_STUN_ERROR_BAD_ATTRIBUTE);
  g_clear_error (&error);
  g_assert_true (avanue_stun_message_add_message_integrity_sha256 (msg, (const guint8 *) "k", 1, &error));
  g_assert_no_error (error);
  g_assert_false (avanue_stun_message_add_message_integrity_sha256 (msg, (const guint8 *) "k", 1, &error));
  g_assert_error (error, AVANUE_STUN_ERROR, AVANUE_STUN_ERROR_BAD_ATTRIBUTE);
  g_clear_error (&error);
  g_assert_true (avanue_stun_message_add_fingerprint (msg, &error));
  g_assert_no_error (error);
  g_assert_false (avanue_stun_message_add_fingerprint (msg, &error));
  g_assert_error (error, AVANUE_STUN_ERROR, AVANUE_STUN_ERROR_BAD_ATTRIBUTE);
  g_clear_error (&error);
  g_assert_cmpuint (avanue_stun_message_get_n_attributes (msg), ==, 3);

  /* Random transaction IDs differ. */
  memcpy (tid, avanue_stun_message_get_transaction_id (msg), 12);
  avanue_stun_message_start (other, AVANUE_STUN_METHOD_BINDING, AVANUE_STUN_CLASS_REQUEST, NULL);
  g_assert_true (memcmp (tid, avanue_stun_message_get_transaction_id (other), 12) != 0);

  /* Only requests are answered; a message can answer itself. */
  avanue_stun_message_start (other, AVANUE_STUN_METHOD_SEND, AVANUE_STUN_CLASS_INDICATION, NULL);
  g_assert_false (avanue_stun_message_start_response (msg, other, TRUE, &error));
  g_assert_error (error, AVANUE_STUN_ERROR, AVANUE_STUN_ERROR_FAILED);
  g_clear_error (&error);
  g_assert_true (avanue_stun_message_parse (msg, rfc5769_request, sizeof (rfc5769_request), &error));
  g_assert_true (avanue_stun_message_start_response (msg, msg, TRUE, &error));
  g_assert_no_error (error);
  g_assert_cmpint (avanue_stun_message_get_message_class (msg), ==, AVANUE_STUN_CLASS_SUCCESS_RESPONSE);
  g_assert_cmpmem (avanue_stun_message_get_transaction_id (msg), 12, rfc5769_tid, 12);
  g_assert_cmpuint (avanue_stun_message_get_n_attributes (msg), ==, 0);

  /* Properties. */
  g_object_set (msg, "padding-byte", (guchar) 0x20, NULL);
  g_assert_cmpuint (avanue_stun_message_get_padding_byte (msg), ==, 0x20);
  g_assert_true (avanue_stun_message_add_string (msg, AVANUE_STUN_ATTRIBUTE_SOFTWARE, "a", &error));
  {
    gsize len = 0;
    const guint8 *data = avanue_stun_message_get_data (msg, &len);

    g_assert_cmpmem (data + 24, 4, "a   ", 4);
  }
}

static void
test_reuse (void)
{
  g_autoptr(AvanueStunMessage) msg = avanue_stun_message_new ();
  g_autoptr(GBytes) bytes = g_bytes_new (rfc5769_ipv6_response, sizeof (rfc5769_ipv6_response));
  g_autoptr(GError) error = NULL;
  static const guint8 garbage[] = { 0x17, 0x03, 0x03, 0x00, 0x10, 0x00, 0x00, 0x00, 0x00, 0x00,
                                    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00 };

  g_assert_true (avanue_stun_message_parse (msg, rfc5769_ipv4_response, sizeof (rfc5769_ipv4_response), &error));
  g_assert_no_error (error);
  assert_xor_mapped (msg, "192.0.2.1", 32853);

  g_assert_true (avanue_stun_message_parse (msg, rfc5769_long_term, sizeof (rfc5769_long_term), &error));
  g_assert_no_error (error);
  g_assert_false (avanue_stun_message_has_attribute (msg, AVANUE_STUN_ATTRIBUTE_XOR_MAPPED_ADDRESS));
  assert_string_attribute (msg, AVANUE_STUN_ATTRIBUTE_REALM, RFC5769_REALM);

  g_assert_false (avanue_stun_message_parse (msg, garbage, sizeof (garbage), &error));
  g_assert_error (error, AVANUE_STUN_ERROR, AVANUE_STUN_ERROR_BAD_MAGIC_COOKIE);
  g_clear_error (&error);
  g_assert_false (avanue_stun_message_is_valid (msg));
  g_assert_null (avanue_stun_message_get_transaction_id (msg));
  g_assert_cmpuint (avanue_stun_message_get_method (msg), ==, 0);
  g_assert_false (avanue_stun_message_has_attribute (msg, AVANUE_STUN_ATTRIBUTE_REALM));
  g_assert_false (avanue_stun_message_check_integrity (msg, (const guint8 *) "x", 1, &error));
  g_assert_error (error, AVANUE_STUN_ERROR, AVANUE_STUN_ERROR_NOT_FOUND);
  g_clear_error (&error);

  g_assert_true (avanue_stun_message_parse_bytes (msg, bytes, &error));
  g_assert_no_error (error);
  assert_xor_mapped (msg, "2001:db8:1234:5678:11:2233:4455:6677", 32853);
  assert_message_bytes (msg, rfc5769_ipv6_response, sizeof (rfc5769_ipv6_response));

  avanue_stun_message_start (msg, AVANUE_STUN_METHOD_REFRESH, AVANUE_STUN_CLASS_REQUEST, tid_1_to_12);
  g_assert_cmpuint (avanue_stun_message_get_n_attributes (msg), ==, 0);
  g_assert_false (avanue_stun_message_has_attribute (msg, AVANUE_STUN_ATTRIBUTE_SOFTWARE));

  g_assert_true (avanue_stun_message_parse (msg, rfc5769_request, sizeof (rfc5769_request), &error));
  g_assert_no_error (error);
  g_assert_true (avanue_stun_message_check_fingerprint (msg, NULL));
}

static void
test_channel_data (void)
{
  static const guint8 frame[] = { 0x40, 0x01, 0x00, 0x05, 'h', 'e', 'l', 'l', 'o', 0, 0, 0 };
  static const guint8 last_channel[] = { 0x4f, 0xff, 0x00, 0x00 };
  static const guint8 reserved[] = { 0x50, 0x00, 0x00, 0x00 };
  static const guint8 below[] = { 0x3f, 0xff, 0x00, 0x00 };
  static const guint8 rtp[] = { 0x80, 0x60, 0x00, 0x01, 0, 0, 0, 0, 0, 0, 0, 0 };
  static const guint8 dtls[] = { 0x16, 0xfe, 0xfd, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
                                 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00 };
  static const guint8 stun_bad_length[] = { 0x00, 0x01, 0x00, 0x05, 0x21, 0x12, 0xa4, 0x42 };
  static const guint8 stun_bad_cookie[] = { 0x00, 0x01, 0x00, 0x04, 0x21, 0x12, 0xa4, 0x43 };
  g_autoptr(GError) error = NULL;
  guint8 header[4];
  guint16 channel = 0;
  gsize payload_len = 0;
  gsize frame_len = 0;

  g_assert_cmpint (avanue_stun_classify (rfc5769_request, sizeof (rfc5769_request)), ==, AVANUE_STUN_PACKET_STUN);
  g_assert_cmpint (avanue_stun_classify (frame, sizeof (frame)), ==, AVANUE_STUN_PACKET_CHANNEL_DATA);
  g_assert_cmpint (avanue_stun_classify (last_channel, sizeof (last_channel)), ==, AVANUE_STUN_PACKET_CHANNEL_DATA);
  g_assert_cmpint (avanue_stun_classify (reserved, sizeof (reserved)), ==, AVANUE_STUN_PACKET_UNKNOWN);
  g_assert_cmpint (avanue_stun_classify (below, sizeof (below)), ==, AVANUE_STUN_PACKET_UNKNOWN);
  g_assert_cmpint (avanue_stun_classify (rtp, sizeof (rtp)), ==, AVANUE_STUN_PACKET_UNKNOWN);
  g_assert_cmpint (avanue_stun_classify (dtls, sizeof (dtls)), ==, AVANUE_STUN_PACKET_UNKNOWN);
  g_assert_cmpint (avanue_stun_classify (frame, 3), ==, AVANUE_STUN_PACKET_UNKNOWN);
  g_assert_cmpint (avanue_stun_classify (rfc5769_request, 19), ==, AVANUE_STUN_PACKET_UNKNOWN);
  g_assert_cmpint (avanue_stun_classify (NULL, 0), ==, AVANUE_STUN_PACKET_UNKNOWN);

  /* With and without the padding. */
  g_assert_true (avanue_stun_parse_channel_data (frame, sizeof (frame), &channel, &payload_len, &error));
  g_assert_no_error (error);
  g_assert_cmphex (channel, ==, 0x4001);
  g_assert_cmpuint (payload_len, ==, 5);
  g_assert_true (avanue_stun_parse_channel_data (frame, 9, &channel, &payload_len, &error));
  g_assert_no_error (error);
  g_assert_cmpmem (frame + 4, payload_len, "hello", 5);
  g_assert_true (avanue_stun_parse_channel_data (last_channel, 4, &channel, &payload_len, &error));
  g_assert_cmphex (channel, ==, 0x4fff);
  g_assert_cmpuint (payload_len, ==, 0);

  g_assert_false (avanue_stun_parse_channel_data (frame, 8, &channel, &payload_len, &error));
  g_assert_error (error, AVANUE_STUN_ERROR, AVANUE_STUN_ERROR_TRUNCATED);
  g_clear_error (&error);
  g_assert_false (avanue_stun_parse_channel_data (frame, 3, NULL, NULL, &error));
  g_assert_error (error, AVANUE_STUN_ERROR, AVANUE_STUN_ERROR_TRUNCATED);
  g_clear_error (&error);
  g_assert_false (avanue_stun_parse_channel_data (reserved, 4, NULL, NULL, &error));
  g_assert_error (error, AVANUE_STUN_ERROR, AVANUE_STUN_ERROR_NOT_STUN);
  g_clear_error (&error);
  g_assert_false (avanue_stun_parse_channel_data (below, 4, NULL, NULL, &error));
  g_assert_error (error, AVANUE_STUN_ERROR, AVANUE_STUN_ERROR_NOT_STUN);
  g_clear_error (&error);

  avanue_stun_write_channel_data_header (header, 0x4001, 5);
  g_assert_cmpmem (header, 4, frame, 4);

  /* Cutting a stream into frames. */
  g_assert_true (avanue_stun_peek_frame_length (rfc5769_request, 4, &frame_len, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (frame_len, ==, sizeof (rfc5769_request));
  g_assert_true (avanue_stun_peek_frame_length (frame, 4, &frame_len, &error));
  g_assert_cmpuint (frame_len, ==, 12);
  g_assert_true (avanue_stun_peek_frame_length (last_channel, 4, &frame_len, &error));
  g_assert_cmpuint (frame_len, ==, 4);
  g_assert_false (avanue_stun_peek_frame_length (frame, 3, &frame_len, &error));
  g_assert_error (error, AVANUE_STUN_ERROR, AVANUE_STUN_ERROR_TRUNCATED);
  g_clear_error (&error);
  g_assert_false (avanue_stun_peek_frame_length (rtp, sizeof (rtp), &frame_len, &error));
  g_assert_error (error, AVANUE_STUN_ERROR, AVANUE_STUN_ERROR_NOT_STUN);
  g_clear_error (&error);
  g_assert_false (avanue_stun_peek_frame_length (reserved, sizeof (reserved), &frame_len, &error));
  g_assert_error (error, AVANUE_STUN_ERROR, AVANUE_STUN_ERROR_NOT_STUN);
  g_clear_error (&error);
  g_assert_false (avanue_stun_peek_frame_length (stun_bad_length, sizeof (stun_bad_length), &frame_len, &error));
  g_assert_error (error, AVANUE_STUN_ERROR, AVANUE_STUN_ERROR_BAD_LENGTH);
  g_clear_error (&error);
  g_assert_false (avanue_stun_peek_frame_length (stun_bad_cookie, sizeof (stun_bad_cookie), &frame_len, &error));
  g_assert_error (error, AVANUE_STUN_ERROR, AVANUE_STUN_ERROR_BAD_MAGIC_COOKIE);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/avanue/stun/rfc5769-vectors/request", test_rfc5769_request);
  g_test_add_func ("/avanue/stun/rfc5769-vectors/ipv4-response", test_rfc5769_ipv4_response);
  g_test_add_func ("/avanue/stun/rfc5769-vectors/ipv6-response", test_rfc5769_ipv6_response);
  g_test_add_func ("/avanue/stun/rfc5769-vectors/long-term", test_rfc5769_long_term);
  g_test_add_func ("/avanue/stun/long-term-key", test_long_term_key);
  g_test_add_func ("/avanue/stun/method-class", test_method_class);
  g_test_add_func ("/avanue/stun/xor-address/ipv4", test_xor_address_ipv4);
  g_test_add_func ("/avanue/stun/xor-address/ipv6", test_xor_address_ipv6);
  g_test_add_func ("/avanue/stun/integrity/sha1", test_integrity_sha1);
  g_test_add_func ("/avanue/stun/integrity/sha256", test_integrity_sha256);
  g_test_add_func ("/avanue/stun/fingerprint", test_fingerprint);
  g_test_add_func ("/avanue/stun/unknown-attributes", test_unknown_attributes);
  g_test_add_func ("/avanue/stun/ignored-after-integrity", test_ignored_after_integrity);
  g_test_add_func ("/avanue/stun/parse/truncated", test_truncated);
  g_test_add_func ("/avanue/stun/parse/bad-length", test_bad_length);
  g_test_add_func ("/avanue/stun/parse/oversized", test_oversized);
  g_test_add_func ("/avanue/stun/parse/not-stun", test_not_stun);
  g_test_add_func ("/avanue/stun/parse/malformed-attributes", test_malformed_attributes);
  g_test_add_func ("/avanue/stun/parse/too-many-attributes", test_too_many_attributes);
  g_test_add_func ("/avanue/stun/error-code", test_error_code);
  g_test_add_func ("/avanue/stun/values", test_values);
  g_test_add_func ("/avanue/stun/builder-rules", test_builder_rules);
  g_test_add_func ("/avanue/stun/reuse", test_reuse);
  g_test_add_func ("/avanue/stun/channel-data", test_channel_data);

  return g_test_run ();
}
