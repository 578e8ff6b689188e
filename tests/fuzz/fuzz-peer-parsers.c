/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The parsers of a peer connection that read what another peer sent: the
 * remote SDP (arrives through signaling), ICE candidate strings, SDP
 * fingerprints and DCEP messages (arrive over SCTP).  The first byte picks
 * the parser; the rest is its input.  Whatever parses must re-encode and
 * parse again. */
#include "config.h"

#include <stdint.h>
#include <string.h>

#include "avanue.h"
#include "avanue-data-channel-private.h"
#include "avanue-sdp-private.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static void
fuzz_sdp (const char *text)
{
  g_autoptr(AvanueSdp) sdp = avanue_sdp_parse (text, NULL);
  g_autofree char *again_text = NULL;
  g_autoptr(AvanueSdp) again = NULL;

  if (sdp == NULL)
    return;
  again_text = avanue_sdp_to_string (sdp);
  again = avanue_sdp_parse (again_text, NULL);
  g_assert_nonnull (again);
}

static void
fuzz_dcep (const guint8 *data,
           gsize         len)
{
  AvanueDcepOpen open = { 0 };
  AvanueDcepOpen again = { 0 };
  g_autoptr(GBytes) built = NULL;

  (void) avanue_dcep_is_ack (data, len);
  if (!avanue_dcep_parse_open (data, len, &open, NULL))
    return;
  built = avanue_dcep_build_open (&open);
  g_assert_true (avanue_dcep_parse_open (g_bytes_get_data (built, NULL), g_bytes_get_size (built), &again, NULL));
  g_assert_cmpstr (open.label, ==, again.label);
  g_assert_cmpstr (open.protocol, ==, again.protocol);
  avanue_dcep_open_clear (&open);
  avanue_dcep_open_clear (&again);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autofree char *text = NULL;

  if (size < 1)
    return 0;
  /* text parsers take NUL-terminated strings */
  text = g_strndup ((const char *) data + 1, size - 1);

  switch (data[0])
    {
    case 's':
      fuzz_sdp (text);
      break;
    case 'c':
      if (avanue_sdp_candidate_is_valid (text))
        g_free (avanue_sdp_candidate_get_ufrag (text));
      break;
    case 'f':
      {
        g_autoptr(GBytes) fp = avanue_sdp_parse_fingerprint ("sha-256", text, NULL);

        if (fp != NULL)
          g_free (avanue_sdp_format_fingerprint (g_bytes_get_data (fp, NULL), g_bytes_get_size (fp)));
      }
      break;
    case 'd':
      {
        /* an exact-size copy so that over-reads are seen */
        g_autofree guint8 *copy = g_memdup2 (data + 1, size - 1);

        fuzz_dcep (copy, size - 1);
      }
      break;
    default:
      break;
    }
  return 0;
}
