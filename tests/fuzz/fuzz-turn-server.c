/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Fuzz target for the TURN relay's protocol engine: a detached
 * AvdTurnWorker (no thread, no socket) gets a sequence of operations
 * decoded from the input, each `op:1 len:2 bytes:len`:
 *
 *   op % 8 == 0  a datagram from client A (IPv4) or, with bit 4, B (IPv6)
 *   op % 8 == 1  the bytes as a STUN request, re-signed: the harness keeps
 *                method, transaction ID and attributes, and adds valid
 *                USERNAME, REALM, NONCE (from the relay's last 401/438),
 *                MESSAGE-INTEGRITY and FINGERPRINT, so that fuzzing
 *                reaches Allocate, Refresh, CreatePermission, ChannelBind
 *   op % 8 == 2  a datagram from a peer to the relayed address of
 *                allocation number bytes[0]
 *   op % 8 == 3  bytes on TCP connection number op >> 4 (framing)
 *   op % 8 == 4  a re-signed request (as 1) over TCP connection 0
 *   op % 8 == 5  the clock moves bytes[0] × 10 seconds (expiry, nonces)
 *   op % 8 == 6  the settings change: revoke, block, rotate (control)
 *   op % 8 == 7  ChannelData from client A on channel 0x4000 + bytes[0]
 *
 * Everything the relay sends to a client must parse as STUN (with a
 * valid FINGERPRINT) or as ChannelData; the sanitizers do the rest. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "avanue.h"
#include "avanue-stun-message-private.h"
#include "avd-config.h"
#include "avd-turn-server.h"
#include "avd-turn-worker.h"

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

#define SECRET "fuzz-secret"
#define REALM "fuzz.realm"
#define USERNAME "4102444800:fuzz-session:fuzzfp" /* 2100-01-01 */
#define MAX_OPS 64

typedef struct {
  AvanueStunMessage *parser;
  char *nonce;
  guint8 key[16];
  guint n_client_outputs;
  guint n_peer_outputs;
} Harness;

static void
output_cb (AvdTurnOutputKind kind, const AvdTurnAddr *destination, const guint8 *data, gsize len, gpointer user_data)
{
  Harness *h = user_data;
  guint code = 0;

  FUZZ_CHECK (destination->sa.sa_family == AF_INET || destination->sa.sa_family == AF_INET6);
  if (kind == AVD_TURN_OUTPUT_TO_PEER)
    {
      h->n_peer_outputs++;
      return;
    }
  h->n_client_outputs++;
  if (len >= 4 && (data[0] & 0xC0) == 0x40)
    {
      /* ChannelData (0x4000–0x7FFF): the length fits, padded to 4 at most. */
      gsize payload = (gsize) data[2] << 8 | data[3];

      FUZZ_CHECK (4 + payload <= len && len <= 4 + ((payload + 3) & ~(gsize) 3));
      return;
    }
  switch (avanue_stun_classify (data, len))
    {
    case AVANUE_STUN_PACKET_STUN:
      FUZZ_CHECK (avanue_stun_message_parse (h->parser, data, len, NULL));
      if (avanue_stun_message_get_method (h->parser) == AVANUE_STUN_METHOD_DATA)
        return;
      FUZZ_CHECK (avanue_stun_message_check_fingerprint (h->parser, NULL));
      if (avanue_stun_message_get_error_code (h->parser, &code, NULL, NULL) && (code == 401 || code == 438))
        {
          g_free (h->nonce);
          h->nonce = avanue_stun_message_get_string (h->parser, AVANUE_STUN_ATTRIBUTE_NONCE, NULL);
          FUZZ_CHECK (h->nonce != NULL);
        }
      return;
    case AVANUE_STUN_PACKET_CHANNEL_DATA:
    case AVANUE_STUN_PACKET_UNKNOWN:
    default:
      FUZZ_CHECK (!"the relay sent neither STUN nor ChannelData");
    }
}

/* Re-signs @data as a request with valid credentials; NULL if it is not
 * a STUN request the codec can read. */
static GBytes *
resign (Harness *h, const guint8 *data, gsize len)
{
  g_autoptr(AvanueStunMessage) in = avanue_stun_message_new ();
  g_autoptr(AvanueStunMessage) out = avanue_stun_message_new ();
  guint n;

  if (h->nonce == NULL || !avanue_stun_message_parse (in, data, len, NULL))
    return NULL;
  avanue_stun_message_start (out, avanue_stun_message_get_method (in), AVANUE_STUN_CLASS_REQUEST,
                             avanue_stun_message_get_transaction_id (in));
  n = avanue_stun_message_get_n_attributes (in);
  for (guint i = 0; i < n; i++)
    {
      guint type = avanue_stun_message_get_attribute_type (in, i);
      gsize value_len = 0;
      const guint8 *value = avanue_stun_message_get_attribute_at (in, i, &value_len);

      if (type == AVANUE_STUN_ATTRIBUTE_USERNAME || type == AVANUE_STUN_ATTRIBUTE_REALM ||
          type == AVANUE_STUN_ATTRIBUTE_NONCE)
        continue;
      /* MESSAGE-INTEGRITY(-SHA256) and FINGERPRINT are refused here. */
      avanue_stun_message_add_attribute (out, type, value, value_len, NULL);
    }
  if (!avanue_stun_message_add_string (out, AVANUE_STUN_ATTRIBUTE_USERNAME, USERNAME, NULL) ||
      !avanue_stun_message_add_string (out, AVANUE_STUN_ATTRIBUTE_REALM, REALM, NULL) ||
      !avanue_stun_message_add_string (out, AVANUE_STUN_ATTRIBUTE_NONCE, h->nonce, NULL) ||
      !avanue_stun_message_add_message_integrity (out, h->key, sizeof (h->key), NULL) ||
      !avanue_stun_message_add_fingerprint (out, NULL))
    return NULL;
  return avanue_stun_message_to_bytes (out);
}

static AvdTurnAddr
make_addr (const char *ip, guint16 port)
{
  AvdTurnAddr addr;

  FUZZ_CHECK (avd_turn_addr_parse (ip, port, &addr));
  return addr;
}

/* An unauthenticated Allocate from @client, to be told a nonce. */
static void
ask_nonce (AvdTurnWorker *worker, const AvdTurnAddr *client)
{
  static const guint8 allocate[] = {
    0x00, 0x03, 0x00, 0x08, 0x21, 0x12, 0xa4, 0x42, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12,
    0x00, 0x19, 0x00, 0x04, 0x11, 0x00, 0x00, 0x00,
  };

  avd_turn_worker_inject_datagram (worker, 0, client, allocate, sizeof (allocate));
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autoptr(AvdConfig) config = avd_config_new ();
  g_autoptr(AvdTurnServer) server = NULL;
  g_autofree char *password = NULL;
  g_autoptr(GBytes) key = NULL;
  AvdTurnWorker *worker;
  Harness h = { 0 };
  AvdTurnAddr client_a = make_addr ("198.51.100.7", 40000);
  AvdTurnAddr client_b = make_addr ("2001:db8::7", 40001);
  AvdTurnAddr peer4 = make_addr ("127.0.0.1", 5000);
  AvdTurnAddr peer6 = make_addr ("::1", 5001);
  gsize offset = 0;

  avd_config_set_string (config, "turn", "listen", "127.0.0.1,::1");
  avd_config_set_string (config, "turn", "realm", REALM);
  avd_config_set_string (config, "turn", "secrets", SECRET);
  avd_config_set_string (config, "turn", "allow-loopback-peers", "true");
  avd_config_set_string (config, "turn", "user-quota", "3");
  avd_config_set_string (config, "turn", "max-bps", size % 2 ? "0" : "64000");
  server = avd_turn_server_new (config);
  worker = avd_turn_server_new_detached_worker (server, output_cb, &h, NULL);
  FUZZ_CHECK (worker != NULL);

  h.parser = avanue_stun_message_new ();
  password = avanue_turn_credentials_compute_password (SECRET, USERNAME);
  key = avanue_stun_compute_long_term_key (USERNAME, REALM, password);
  memcpy (h.key, g_bytes_get_data (key, NULL), sizeof (h.key));
  ask_nonce (worker, &client_a);
  FUZZ_CHECK (h.nonce != NULL);

  for (int n_ops = 0; n_ops < MAX_OPS && offset + 3 <= size; n_ops++)
    {
      guint8 op = data[offset];
      gsize len = MIN ((gsize) (data[offset + 1] << 8 | data[offset + 2]), size - offset - 3);
      const guint8 *bytes = data + offset + 3;
      const AvdTurnAddr *client = (op & 0x10) ? &client_b : &client_a;

      offset += 3 + len;
      switch (op % 8)
        {
        case 0:
          avd_turn_worker_inject_datagram (worker, 0, client, bytes, len);
          break;
        case 1:
        case 4:
          {
            g_autoptr(GBytes) signed_request = NULL;
            gsize signed_len = 0;
            const guint8 *p;

            if (client == &client_b && op % 8 == 1)
              ask_nonce (worker, client);
            signed_request = resign (&h, bytes, len);
            if (signed_request == NULL)
              break;
            p = g_bytes_get_data (signed_request, &signed_len);
            if (op % 8 == 1)
              avd_turn_worker_inject_datagram (worker, 0, client, p, signed_len);
            else
              avd_turn_worker_inject_stream (worker, 0, &client_a, p, signed_len);
          }
          break;
        case 2:
          avd_turn_worker_inject_peer (worker, len > 0 ? bytes[0] : 0, (op & 0x10) ? &peer6 : &peer4,
                                       len > 0 ? bytes + 1 : bytes, len > 0 ? len - 1 : 0);
          break;
        case 3:
          avd_turn_worker_inject_stream (worker, op >> 4, client, bytes, len);
          break;
        case 5:
          avd_turn_worker_advance_clock (worker, (gint64) (len > 0 ? bytes[0] : 1) * 10 * G_USEC_PER_SEC);
          break;
        case 6:
          {
            guint8 what = len > 0 ? bytes[0] % 3 : 0;
            const char *secrets[] = { "other", SECRET, NULL };

            if (what == 0)
              avd_turn_server_revoke_username (server, USERNAME);
            else if (what == 1)
              avd_turn_server_block_session (server, "fuzz-session");
            else
              avd_turn_server_set_secrets (server, secrets);
            /* A detached worker is not among the server's workers: tell
             * it the way the server tells its threads. */
            avd_turn_worker_push_settings (worker, avd_turn_server_get_settings (server));
            if (what == 0)
              avd_turn_worker_push_revoke (worker, USERNAME);
            avd_turn_worker_apply_commands (worker);
          }
          break;
        case 7:
          {
            guint8 frame[4 + 512];
            gsize payload = MIN (len > 0 ? len - 1 : 0, 512);

            frame[0] = 0x40;
            frame[1] = len > 0 ? bytes[0] : 0;
            frame[2] = payload >> 8;
            frame[3] = payload;
            if (payload > 0)
              memcpy (frame + 4, bytes + 1, payload);
            avd_turn_worker_inject_datagram (worker, 0, client, frame, 4 + payload);
          }
          break;
        default:
          break;
        }
    }

  avd_turn_worker_free (worker);
  g_clear_object (&h.parser);
  g_free (h.nonce);
  return 0;
}
