/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The parts of AvanuePeerConnection that need no network: the SDP writer
 * and parser against what Chromium and Firefox send, DTLS fingerprints,
 * DCEP messages byte by byte (RFC 8832), and two DTLS transports shaking
 * hands through memory, with the right and with a wrong fingerprint. */
#include "config.h"

#include <string.h>

#include "avanue.h"
#include "avanue-data-channel-private.h"
#include "avanue-dtls-transport-private.h"
#include "avanue-sdp-private.h"

/* A data-only offer as Chromium writes it (candidates trickled) */
static const char chrome_offer[] =
  "v=0\r\n"
  "o=- 4358086040513399813 2 IN IP4 127.0.0.1\r\n"
  "s=-\r\n"
  "t=0 0\r\n"
  "a=group:BUNDLE 0\r\n"
  "a=extmap-allow-mixed\r\n"
  "a=msid-semantic: WMS\r\n"
  "m=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\n"
  "c=IN IP4 0.0.0.0\r\n"
  "a=ice-ufrag:EsAw\r\n"
  "a=ice-pwd:bP+XJMM09aR8AiX1jdukzR6Y\r\n"
  "a=ice-options:trickle\r\n"
  "a=fingerprint:sha-256 DA:39:A3:EE:5E:6B:4B:0D:32:55:BF:EF:95:60:18:90:AF:D8:07:09:DA:39:A3:EE:5E:6B:4B:0D:32:55:BF:EF\r\n"
  "a=setup:actpass\r\n"
  "a=mid:0\r\n"
  "a=sctp-port:5000\r\n"
  "a=max-message-size:262144\r\n";

/* Firefox puts the fingerprint and ICE options at session level, writes
 * lower-case hex, and sends a candidate and end-of-candidates inside */
static const char firefox_answer[] =
  "v=0\n"
  "o=mozilla...THIS_IS_SDPARTA-99.0 7157457381373227029 0 IN IP4 0.0.0.0\n"
  "s=-\n"
  "t=0 0\n"
  "a=fingerprint:sha-256 2a:5f:81:0b:9c:11:d6:4e:73:00:ff:10:20:30:40:50:60:70:80:90:a0:b0:c0:d0:e0:f0:01:02:03:04:05:06\n"
  "a=group:BUNDLE data\n"
  "a=ice-options:trickle\n"
  "a=msid-semantic:WMS *\n"
  "m=application 9 UDP/DTLS/SCTP webrtc-datachannel\n"
  "c=IN IP4 0.0.0.0\n"
  "a=sendrecv\n"
  "a=candidate:0 1 UDP 2122252543 192.0.2.7 49203 typ host\n"
  "a=end-of-candidates\n"
  "a=ice-pwd:0ee1e6f5a1a0d4c0bd4da1c0b30b0c11\n"
  "a=ice-ufrag:6dd1e5e0\n"
  "a=mid:data\n"
  "a=setup:active\n"
  "a=sctp-port:5000\n"
  "a=max-message-size:1073741823\n";

static void
test_parse_chrome_offer (void)
{
  g_autoptr(AvanueSdp) sdp = NULL;
  g_autoptr(GError) error = NULL;

  sdp = avanue_sdp_parse (chrome_offer, &error);
  g_assert_no_error (error);
  g_assert_nonnull (sdp);
  g_assert_cmpuint (sdp->origin_session_id, ==, G_GUINT64_CONSTANT (4358086040513399813));
  g_assert_cmpuint (sdp->origin_version, ==, 2);
  g_assert_cmpstr (sdp->mid, ==, "0");
  g_assert_cmpuint (sdp->data_mline_index, ==, 0);
  g_assert_cmpstr (sdp->ice_ufrag, ==, "EsAw");
  g_assert_cmpstr (sdp->ice_pwd, ==, "bP+XJMM09aR8AiX1jdukzR6Y");
  g_assert_true (sdp->ice_trickle);
  g_assert_false (sdp->ice_lite);
  g_assert_cmpstr (sdp->fingerprint_algorithm, ==, "sha-256");
  g_assert_cmpstr (sdp->fingerprint, ==,
                   "DA:39:A3:EE:5E:6B:4B:0D:32:55:BF:EF:95:60:18:90:AF:D8:07:09:DA:39:A3:EE:5E:6B:4B:0D:32:55:BF:EF");
  g_assert_cmpint (sdp->setup, ==, AVANUE_SDP_SETUP_ACTPASS);
  g_assert_cmpuint (sdp->sctp_port, ==, 5000);
  g_assert_cmpuint (sdp->max_message_size, ==, 262144);
  g_assert_cmpuint (sdp->candidates->len, ==, 0);
  g_assert_false (sdp->end_of_candidates);
  g_assert_cmpuint (sdp->other_media->len, ==, 1);
  g_assert_null (g_ptr_array_index (sdp->other_media, 0));
}

static void
test_parse_firefox_answer (void)
{
  g_autoptr(AvanueSdp) sdp = NULL;
  g_autoptr(GError) error = NULL;

  sdp = avanue_sdp_parse (firefox_answer, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (sdp->mid, ==, "data");
  g_assert_cmpstr (sdp->ice_ufrag, ==, "6dd1e5e0");
  g_assert_cmpstr (sdp->ice_pwd, ==, "0ee1e6f5a1a0d4c0bd4da1c0b30b0c11");
  g_assert_true (sdp->ice_trickle);
  /* session-level, normalised to upper case */
  g_assert_cmpstr (sdp->fingerprint, ==,
                   "2A:5F:81:0B:9C:11:D6:4E:73:00:FF:10:20:30:40:50:60:70:80:90:A0:B0:C0:D0:E0:F0:01:02:03:04:05:06");
  g_assert_cmpint (sdp->setup, ==, AVANUE_SDP_SETUP_ACTIVE);
  g_assert_cmpuint (sdp->max_message_size, ==, 1073741823);
  g_assert_cmpuint (sdp->candidates->len, ==, 1);
  g_assert_cmpstr (g_ptr_array_index (sdp->candidates, 0), ==,
                   "candidate:0 1 UDP 2122252543 192.0.2.7 49203 typ host");
  g_assert_true (sdp->end_of_candidates);
}

static void
test_write_offer (void)
{
  g_autoptr(AvanueSdp) sdp = avanue_sdp_new ();
  g_autoptr(AvanueSdp) back = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;
  static const char expected[] =
    "v=0\r\n"
    "o=- 1234567890123 2 IN IP4 127.0.0.1\r\n"
    "s=-\r\n"
    "t=0 0\r\n"
    "a=group:BUNDLE 0\r\n"
    "a=msid-semantic: WMS\r\n"
    "m=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\n"
    "c=IN IP4 0.0.0.0\r\n"
    "a=ice-ufrag:ab12\r\n"
    "a=ice-pwd:0123456789abcdefghijkl\r\n"
    "a=ice-options:trickle\r\n"
    "a=fingerprint:sha-256 00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF\r\n"
    "a=setup:actpass\r\n"
    "a=mid:0\r\n"
    "a=sctp-port:5000\r\n"
    "a=max-message-size:262144\r\n";

  sdp->origin_session_id = 1234567890123;
  sdp->origin_version = 2;
  sdp->mid = g_strdup ("0");
  sdp->ice_ufrag = g_strdup ("ab12");
  sdp->ice_pwd = g_strdup ("0123456789abcdefghijkl");
  sdp->ice_trickle = TRUE;
  sdp->fingerprint_algorithm = g_strdup ("sha-256");
  sdp->fingerprint = g_strdup ("00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF");
  sdp->setup = AVANUE_SDP_SETUP_ACTPASS;
  sdp->sctp_port = 5000;
  sdp->max_message_size = AVANUE_SDP_LOCAL_MAX_MESSAGE_SIZE;
  text = avanue_sdp_to_string (sdp);
  g_assert_cmpstr (text, ==, expected);

  /* and it reads back the same */
  back = avanue_sdp_parse (text, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (back->ice_ufrag, ==, sdp->ice_ufrag);
  g_assert_cmpstr (back->ice_pwd, ==, sdp->ice_pwd);
  g_assert_cmpstr (back->fingerprint, ==, sdp->fingerprint);
  g_assert_cmpint (back->setup, ==, sdp->setup);
  g_assert_cmpuint (back->max_message_size, ==, sdp->max_message_size);
  g_assert_cmpuint (back->origin_session_id, ==, sdp->origin_session_id);
}

/* An offer with audio and video before the data section: the answer
 * keeps the order and rejects them with port 0 */
static void
test_answer_rejects_other_media (void)
{
  static const char offer_text[] =
    "v=0\r\n"
    "o=- 1 1 IN IP4 127.0.0.1\r\n"
    "s=-\r\n"
    "t=0 0\r\n"
    "a=group:BUNDLE a v d\r\n"
    "a=ice-ufrag:uFrA\r\n"
    "a=ice-pwd:pwdpwdpwdpwdpwdpwdpwdpwd\r\n"
    "a=fingerprint:sha-256 00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF\r\n"
    "a=setup:passive\r\n"
    "m=audio 9 UDP/TLS/RTP/SAVPF 111 0\r\n"
    "c=IN IP4 0.0.0.0\r\n"
    "a=mid:a\r\n"
    "a=rtpmap:111 opus/48000/2\r\n"
    "m=video 9 UDP/TLS/RTP/SAVPF 96\r\n"
    "c=IN IP4 0.0.0.0\r\n"
    "a=mid:v\r\n"
    "m=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\n"
    "c=IN IP4 0.0.0.0\r\n"
    "a=mid:d\r\n"
    "a=sctp-port:5001\r\n";
  g_autoptr(AvanueSdp) offer = NULL;
  g_autoptr(AvanueSdp) answer = avanue_sdp_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;
  const char *audio, *video, *data;

  offer = avanue_sdp_parse (offer_text, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (offer->data_mline_index, ==, 2);
  g_assert_cmpstr (offer->mid, ==, "d");
  g_assert_cmpuint (offer->sctp_port, ==, 5001);
  g_assert_cmpint (offer->setup, ==, AVANUE_SDP_SETUP_PASSIVE);
  /* RFC 8841 §6.1: absent, it is 64 KiB */
  g_assert_cmpuint (offer->max_message_size, ==, 65536);
  g_assert_cmpstr (offer->ice_ufrag, ==, "uFrA");
  g_assert_cmpuint (offer->other_media->len, ==, 3);
  g_assert_cmpstr (((AvanueSdpOtherMedia *) g_ptr_array_index (offer->other_media, 0))->mid, ==, "a");
  g_assert_cmpstr (((AvanueSdpOtherMedia *) g_ptr_array_index (offer->other_media, 1))->media, ==, "video");

  answer->mid = g_strdup (offer->mid);
  answer->ice_ufrag = g_strdup ("ANSW");
  answer->ice_pwd = g_strdup ("answeransweransweranswer");
  answer->fingerprint = g_strdup (offer->fingerprint);
  answer->setup = AVANUE_SDP_SETUP_ACTIVE;
  for (guint i = 0; i < offer->other_media->len; i++)
    {
      AvanueSdpOtherMedia *other = g_ptr_array_index (offer->other_media, i);
      AvanueSdpOtherMedia *copy = NULL;

      if (other != NULL)
        {
          copy = g_new0 (AvanueSdpOtherMedia, 1);
          copy->media = g_strdup (other->media);
          copy->proto = g_strdup (other->proto);
          copy->formats = g_strdup (other->formats);
          copy->mid = g_strdup (other->mid);
        }
      g_ptr_array_add (answer->other_media, copy);
    }
  text = avanue_sdp_to_string (answer);
  audio = strstr (text, "m=audio 0 UDP/TLS/RTP/SAVPF 111 0\r\nc=IN IP4 0.0.0.0\r\na=mid:a\r\n");
  video = strstr (text, "m=video 0 UDP/TLS/RTP/SAVPF 96\r\n");
  data = strstr (text, "m=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\n");
  g_assert_nonnull (audio);
  g_assert_nonnull (video);
  g_assert_nonnull (data);
  g_assert_true (audio < video && video < data);
  g_assert_nonnull (strstr (text, "a=group:BUNDLE d\r\n"));
  g_assert_nonnull (strstr (text, "a=setup:active\r\n"));
}

static void
test_legacy_sctpmap (void)
{
  static const char text[] =
    "v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\n"
    "m=application 9 DTLS/SCTP 5002\r\n"
    "c=IN IP4 0.0.0.0\r\n"
    "a=ice-ufrag:abcd\r\n"
    "a=ice-pwd:abcdefghijklmnopqrstuvwx\r\n"
    "a=fingerprint:sha-1 00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33\r\n"
    "a=sctpmap:5002 webrtc-datachannel 1024\r\n";
  g_autoptr(AvanueSdp) sdp = NULL;
  g_autoptr(GError) error = NULL;

  sdp = avanue_sdp_parse (text, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (sdp->sctp_port, ==, 5002);
  g_assert_cmpstr (sdp->fingerprint_algorithm, ==, "sha-1");
  g_assert_null (sdp->mid);
  g_assert_cmpint (sdp->setup, ==, AVANUE_SDP_SETUP_NONE);
}

static void
test_prefers_sha256 (void)
{
  static const char text[] =
    "v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\n"
    "m=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\n"
    "a=ice-ufrag:abcd\r\n"
    "a=ice-pwd:abcdefghijklmnopqrstuvwx\r\n"
    "a=fingerprint:md5 00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF\r\n"
    "a=fingerprint:sha-1 00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33\r\n"
    "a=fingerprint:sha-256 FF:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF\r\n"
    "a=fingerprint:sha-512 00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:"
    "00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF\r\n";
  g_autoptr(AvanueSdp) sdp = NULL;
  g_autoptr(GError) error = NULL;

  sdp = avanue_sdp_parse (text, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (sdp->fingerprint_algorithm, ==, "sha-256");
  g_assert_true (g_str_has_prefix (sdp->fingerprint, "FF:11:"));
}

static void
test_bad_sdp (void)
{
  static const struct {
    const char *what;
    const char *text;
  } cases[] = {
    { "empty", "" },
    { "not v=0 first", "o=- 1 1 IN IP4 0.0.0.0\r\nv=0\r\n" },
    { "no data section",
      "v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\nm=audio 9 RTP/AVP 0\r\n"
      "a=ice-ufrag:abcd\r\na=ice-pwd:abcdefghijklmnopqrstuvwx\r\n" },
    { "rejected data section",
      "v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\nm=application 0 UDP/DTLS/SCTP webrtc-datachannel\r\n"
      "a=ice-ufrag:abcd\r\na=ice-pwd:abcdefghijklmnopqrstuvwx\r\n"
      "a=fingerprint:sha-1 00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33\r\n" },
    { "no ufrag",
      "v=0\r\nm=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\na=ice-pwd:abcdefghijklmnopqrstuvwx\r\n"
      "a=fingerprint:sha-1 00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33\r\n" },
    { "short pwd",
      "v=0\r\nm=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\na=ice-ufrag:abcd\r\na=ice-pwd:short\r\n" },
    { "no fingerprint",
      "v=0\r\nm=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\na=ice-ufrag:abcd\r\n"
      "a=ice-pwd:abcdefghijklmnopqrstuvwx\r\n" },
    { "fingerprint too short",
      "v=0\r\nm=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\na=ice-ufrag:abcd\r\n"
      "a=ice-pwd:abcdefghijklmnopqrstuvwx\r\na=fingerprint:sha-256 00:11:22\r\n" },
    { "fingerprint not hex",
      "v=0\r\nm=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\na=ice-ufrag:abcd\r\n"
      "a=ice-pwd:abcdefghijklmnopqrstuvwx\r\n"
      "a=fingerprint:sha-1 00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:GG\r\n" },
    { "bad setup",
      "v=0\r\nm=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\na=setup:sideways\r\n" },
    { "bad sctp-port",
      "v=0\r\nm=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\na=sctp-port:70000\r\n" },
    { "bad max-message-size",
      "v=0\r\nm=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\na=max-message-size:-1\r\n" },
    { "bad candidate",
      "v=0\r\nm=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\na=candidate:1 1 udp\r\n" },
    { "not type=value", "v=0\r\nhello\r\n" },
    { "empty line in the middle", "v=0\r\n\r\ns=-\r\n" },
    { "bad m= line", "v=0\r\nm=application\r\n" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(AvanueSdp) sdp = NULL;
      g_autoptr(GError) error = NULL;

      g_test_message ("%s", cases[i].what);
      sdp = avanue_sdp_parse (cases[i].text, &error);
      g_assert_null (sdp);
      g_assert_error (error, AVANUE_PEER_CONNECTION_ERROR, AVANUE_PEER_CONNECTION_ERROR_BAD_SDP);
    }
}

static void
test_candidates (void)
{
  g_autofree char *ufrag = NULL;

  g_assert_true (avanue_sdp_candidate_is_valid ("candidate:1 1 udp 2122260223 192.0.2.2 54321 typ host"));
  g_assert_true (avanue_sdp_candidate_is_valid (
    "candidate:842163049 1 udp 1677729535 203.0.113.9 61000 typ srflx raddr 0.0.0.0 rport 0 "
    "generation 0 ufrag EsAw network-cost 999"));
  g_assert_false (avanue_sdp_candidate_is_valid ("a=candidate:1 1 udp 1 192.0.2.2 1 typ host"));
  g_assert_false (avanue_sdp_candidate_is_valid ("candidate:1 1 udp 1 192.0.2.2 1 host"));
  g_assert_false (avanue_sdp_candidate_is_valid ("candidate:1 1 udp 1 192.0.2.2 1 typ host\r\na=x"));
  g_assert_false (avanue_sdp_candidate_is_valid (""));

  ufrag = avanue_sdp_candidate_get_ufrag (
    "candidate:842163049 1 udp 1677729535 203.0.113.9 61000 typ srflx raddr 0.0.0.0 rport 0 "
    "generation 0 ufrag EsAw network-cost 999");
  g_assert_cmpstr (ufrag, ==, "EsAw");
  g_assert_null (avanue_sdp_candidate_get_ufrag ("candidate:1 1 udp 2122260223 192.0.2.2 54321 typ host"));
}

/* ------------------------------------------------------------------------
 * Fingerprints
 * ------------------------------------------------------------------------ */

static void
test_fingerprint_format (void)
{
  static const guint8 digest[] = { 0x00, 0x0f, 0xa0, 0xff, 0x12 };
  g_autofree char *text = avanue_sdp_format_fingerprint (digest, sizeof digest);
  g_autofree char *empty = avanue_sdp_format_fingerprint (NULL, 0);
  g_autoptr(GBytes) parsed = NULL;
  g_autoptr(GBytes) lower = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *sha1 = NULL;
  guint8 twenty[20];

  g_assert_cmpstr (text, ==, "00:0F:A0:FF:12");
  g_assert_cmpstr (empty, ==, "");

  for (guint i = 0; i < sizeof twenty; i++)
    twenty[i] = (guint8) (i * 13);
  sha1 = avanue_sdp_format_fingerprint (twenty, sizeof twenty);
  parsed = avanue_sdp_parse_fingerprint ("sha-1", sha1, &error);
  g_assert_no_error (error);
  g_assert_cmpmem (g_bytes_get_data (parsed, NULL), g_bytes_get_size (parsed), twenty, sizeof twenty);
  {
    g_autofree char *down = g_ascii_strdown (sha1, -1);

    lower = avanue_sdp_parse_fingerprint ("SHA-1", down, &error);
    g_assert_no_error (error);
    g_assert_true (g_bytes_equal (parsed, lower));
  }

  g_assert_cmpuint (avanue_sdp_fingerprint_length ("sha-256"), ==, 32);
  g_assert_cmpuint (avanue_sdp_fingerprint_length ("sha-512"), ==, 64);
  g_assert_cmpuint (avanue_sdp_fingerprint_length ("md5"), ==, 0);
  g_assert_null (avanue_sdp_parse_fingerprint ("sha-1", "00:11", &error));
  g_assert_error (error, AVANUE_PEER_CONNECTION_ERROR, AVANUE_PEER_CONNECTION_ERROR_BAD_SDP);
  g_clear_error (&error);
  g_assert_null (avanue_sdp_parse_fingerprint ("sha-1", "0011223344556677889900112233445566778899", &error));
  g_assert_error (error, AVANUE_PEER_CONNECTION_ERROR, AVANUE_PEER_CONNECTION_ERROR_BAD_SDP);
  g_clear_error (&error);
  g_assert_null (avanue_sdp_parse_fingerprint ("md5", "00", &error));
  g_assert_error (error, AVANUE_PEER_CONNECTION_ERROR, AVANUE_PEER_CONNECTION_ERROR_BAD_SDP);
}

/* The certificate's fingerprint is SHA-256 over its DER encoding,
 * computed here with GLib, independently of GnuTLS */
static void
test_certificate (void)
{
  g_autoptr(AvanueDtlsCertificate) a = NULL;
  g_autoptr(AvanueDtlsCertificate) b = NULL;
  g_autoptr(GBytes) der = NULL;
  g_autoptr(GChecksum) checksum = g_checksum_new (G_CHECKSUM_SHA256);
  g_autoptr(GError) error = NULL;
  g_autofree char *expected = NULL;
  guint8 digest[32];
  gsize digest_len = sizeof digest;

  a = avanue_dtls_certificate_new (&error);
  g_assert_no_error (error);
  b = avanue_dtls_certificate_new (&error);
  g_assert_no_error (error);
  der = avanue_dtls_certificate_get_der (a);
  g_assert_nonnull (der);
  /* an X.509 certificate is a DER SEQUENCE */
  g_assert_cmpuint (((const guint8 *) g_bytes_get_data (der, NULL))[0], ==, 0x30);
  g_checksum_update (checksum, g_bytes_get_data (der, NULL), g_bytes_get_size (der));
  g_checksum_get_digest (checksum, digest, &digest_len);
  expected = avanue_sdp_format_fingerprint (digest, digest_len);
  g_assert_cmpstr (avanue_dtls_certificate_get_fingerprint (a), ==, expected);
  g_assert_cmpuint (strlen (expected), ==, 32 * 3 - 1);
  /* one per connection */
  g_assert_cmpstr (avanue_dtls_certificate_get_fingerprint (a), !=, avanue_dtls_certificate_get_fingerprint (b));
}

/* ------------------------------------------------------------------------
 * DCEP (RFC 8832)
 * ------------------------------------------------------------------------ */

static void
test_dcep_open_encoding (void)
{
  AvanueDcepOpen open = {
    .ordered = FALSE,
    .max_retransmits = 3,
    .max_packet_life_time = -1,
    .priority = 256,
    .label = (char *) "chat",
    .protocol = (char *) "xmpp",
  };
  /* type 0x03, channel type PARTIAL_RELIABLE_REXMIT_UNORDERED 0x81,
   * priority 0x0100, reliability 3, label length 4, protocol length 4 */
  static const guint8 expected[] = {
    0x03, 0x81, 0x01, 0x00, 0x00, 0x00, 0x00, 0x03, 0x00, 0x04, 0x00, 0x04,
    'c', 'h', 'a', 't', 'x', 'm', 'p', 'p',
  };
  static const guint8 reliable[] = {
    0x03, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 'h', 'i',
  };
  static const guint8 timed[] = {
    0x03, 0x02, 0x00, 0x80, 0x00, 0x00, 0x05, 0xdc, 0x00, 0x00, 0x00, 0x00,
  };
  g_autoptr(GBytes) bytes = avanue_dcep_build_open (&open);
  g_autoptr(GBytes) ack = avanue_dcep_build_ack ();
  AvanueDcepOpen parsed;
  g_autoptr(GError) error = NULL;

  g_assert_cmpmem (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes), expected, sizeof expected);
  g_assert_true (avanue_dcep_parse_open (expected, sizeof expected, &parsed, &error));
  g_assert_no_error (error);
  g_assert_false (parsed.ordered);
  g_assert_cmpint (parsed.max_retransmits, ==, 3);
  g_assert_cmpint (parsed.max_packet_life_time, ==, -1);
  g_assert_cmpuint (parsed.priority, ==, 256);
  g_assert_cmpstr (parsed.label, ==, "chat");
  g_assert_cmpstr (parsed.protocol, ==, "xmpp");
  avanue_dcep_open_clear (&parsed);

  {
    AvanueDcepOpen r = { .ordered = TRUE, .max_retransmits = -1, .max_packet_life_time = -1, .priority = 256,
                         .label = (char *) "hi", .protocol = NULL };
    g_autoptr(GBytes) encoded = avanue_dcep_build_open (&r);

    g_assert_cmpmem (g_bytes_get_data (encoded, NULL), g_bytes_get_size (encoded), reliable, sizeof reliable);
  }

  g_assert_true (avanue_dcep_parse_open (timed, sizeof timed, &parsed, &error));
  g_assert_true (parsed.ordered);
  g_assert_cmpint (parsed.max_packet_life_time, ==, 1500);
  g_assert_cmpint (parsed.max_retransmits, ==, -1);
  g_assert_cmpuint (parsed.priority, ==, 128);
  g_assert_cmpstr (parsed.label, ==, "");
  g_assert_cmpstr (parsed.protocol, ==, "");
  avanue_dcep_open_clear (&parsed);

  g_assert_cmpuint (g_bytes_get_size (ack), ==, 1);
  g_assert_cmpuint (((const guint8 *) g_bytes_get_data (ack, NULL))[0], ==, 0x02);
  g_assert_true (avanue_dcep_is_ack (g_bytes_get_data (ack, NULL), 1));
  g_assert_false (avanue_dcep_is_ack (expected, sizeof expected));
  g_assert_false (avanue_dcep_is_ack (NULL, 0));
}

static void
test_dcep_bad (void)
{
  static const guint8 too_short[] = { 0x03, 0x00, 0x00 };
  static const guint8 lengths[] = { 0x03, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x05, 0x00, 0x00, 'a' };
  static const guint8 kind[] = { 0x03, 0x07, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00 };
  static const guint8 not_utf8[] = { 0x03, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0xff };
  static const guint8 nul[] = { 0x03, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00 };
  static const guint8 ack[] = { 0x02 };
  static const struct {
    const guint8 *data;
    gsize len;
  } cases[] = {
    { too_short, sizeof too_short },
    { lengths, sizeof lengths },
    { kind, sizeof kind },
    { not_utf8, sizeof not_utf8 },
    { nul, sizeof nul },
    { ack, sizeof ack },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      AvanueDcepOpen open;
      g_autoptr(GError) error = NULL;

      g_assert_false (avanue_dcep_parse_open (cases[i].data, cases[i].len, &open, &error));
      g_assert_error (error, AVANUE_DATA_CHANNEL_ERROR, AVANUE_DATA_CHANNEL_ERROR_INVALID_ARGUMENT);
      g_assert_null (open.label);
    }
}

/* ------------------------------------------------------------------------
 * DTLS through memory
 * ------------------------------------------------------------------------ */

typedef struct {
  GQueue to_client;
  GQueue to_server;
} Wire;

static void
to_client_send (const guint8 *data,
                gsize         len,
                gpointer      user_data)
{
  g_queue_push_tail (&((Wire *) user_data)->to_client, g_bytes_new (data, len));
}

static void
to_server_send (const guint8 *data,
                gsize         len,
                gpointer      user_data)
{
  g_queue_push_tail (&((Wire *) user_data)->to_server, g_bytes_new (data, len));
}

static GBytes *
fingerprint_of (AvanueDtlsCertificate *cert)
{
  g_autoptr(GError) error = NULL;
  GBytes *bytes = avanue_sdp_parse_fingerprint ("sha-256", avanue_dtls_certificate_get_fingerprint (cert), &error);

  g_assert_no_error (error);
  return bytes;
}

/* Delivers what is in flight until both sides settle; returns the
 * statuses and collects the application records */
static void
pump_wire (Wire                *wire,
           AvanueDtlsTransport *client,
           AvanueDtlsTransport *server,
           AvanueDtlsStatus    *client_status,
           AvanueDtlsStatus    *server_status,
           GPtrArray           *client_records,
           GPtrArray           *server_records,
           GError             **client_error,
           GError             **server_error)
{
  for (guint rounds = 0; rounds < 100; rounds++)
    {
      GBytes *datagram;
      gboolean moved = FALSE;

      while ((datagram = g_queue_pop_head (&wire->to_server)) != NULL)
        {
          AvanueDtlsStatus s = avanue_dtls_transport_handle (server, g_bytes_get_data (datagram, NULL),
                                                             g_bytes_get_size (datagram), server_records, NULL,
                                                             *server_error == NULL ? server_error : NULL);
          if (s != AVANUE_DTLS_STATUS_CONNECTED || *server_status != AVANUE_DTLS_STATUS_CONNECTED_NOW)
            *server_status = s;
          g_bytes_unref (datagram);
          moved = TRUE;
        }
      while ((datagram = g_queue_pop_head (&wire->to_client)) != NULL)
        {
          AvanueDtlsStatus s = avanue_dtls_transport_handle (client, g_bytes_get_data (datagram, NULL),
                                                             g_bytes_get_size (datagram), client_records, NULL,
                                                             *client_error == NULL ? client_error : NULL);
          if (s != AVANUE_DTLS_STATUS_CONNECTED || *client_status != AVANUE_DTLS_STATUS_CONNECTED_NOW)
            *client_status = s;
          g_bytes_unref (datagram);
          moved = TRUE;
        }
      if (!moved)
        return;
    }
  g_assert_not_reached ();
}

static void
wire_clear (Wire *wire)
{
  g_queue_clear_full (&wire->to_client, (GDestroyNotify) g_bytes_unref);
  g_queue_clear_full (&wire->to_server, (GDestroyNotify) g_bytes_unref);
}

static void
dtls_pair (gboolean                 corrupt,
           Wire                    *wire,
           AvanueDtlsTransport    **out_client,
           AvanueDtlsTransport    **out_server)
{
  g_autoptr(AvanueDtlsCertificate) client_cert = avanue_dtls_certificate_new (NULL);
  g_autoptr(AvanueDtlsCertificate) server_cert = avanue_dtls_certificate_new (NULL);
  g_autoptr(GBytes) client_fp = fingerprint_of (client_cert);
  g_autoptr(GBytes) server_fp = fingerprint_of (server_cert);
  g_autoptr(GError) error = NULL;
  AvanueDtlsTransport *client, *server;

  client = avanue_dtls_transport_new (client_cert, to_server_send, wire, NULL);
  server = avanue_dtls_transport_new (server_cert, to_client_send, wire, NULL);
  if (corrupt)
    {
      guint8 bad[32];

      memcpy (bad, g_bytes_get_data (client_fp, NULL), sizeof bad);
      bad[31] ^= 0x01;
      g_bytes_unref (client_fp);
      client_fp = g_bytes_new (bad, sizeof bad);
    }
  g_assert_true (avanue_dtls_transport_start (client, TRUE, "sha-256", server_fp, &error));
  g_assert_no_error (error);
  g_assert_true (avanue_dtls_transport_start (server, FALSE, "sha-256", client_fp, &error));
  g_assert_no_error (error);
  g_assert_true (avanue_dtls_transport_is_client (client));
  g_assert_false (avanue_dtls_transport_is_client (server));
  *out_client = client;
  *out_server = server;
}

static void
test_dtls_handshake (void)
{
  Wire wire = { G_QUEUE_INIT, G_QUEUE_INIT };
  g_autoptr(AvanueDtlsTransport) client = NULL;
  g_autoptr(AvanueDtlsTransport) server = NULL;
  g_autoptr(GPtrArray) client_records = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  g_autoptr(GPtrArray) server_records = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  g_autoptr(GError) client_error = NULL;
  g_autoptr(GError) server_error = NULL;
  AvanueDtlsStatus cs, ss = AVANUE_DTLS_STATUS_HANDSHAKING;
  guint timeout_ms = 0;
  static const char hello[] = "SCTP would go here";

  dtls_pair (FALSE, &wire, &client, &server);
  g_assert_false (avanue_dtls_transport_send (client, (const guint8 *) hello, sizeof hello));

  /* the client speaks first */
  cs = avanue_dtls_transport_handle (client, NULL, 0, NULL, &timeout_ms, &client_error);
  g_assert_no_error (client_error);
  g_assert_cmpint (cs, ==, AVANUE_DTLS_STATUS_HANDSHAKING);
  g_assert_cmpuint (timeout_ms, >, 0);
  g_assert_cmpuint (g_queue_get_length (&wire.to_server), >, 0);

  pump_wire (&wire, client, server, &cs, &ss, client_records, server_records, &client_error, &server_error);
  g_assert_no_error (client_error);
  g_assert_no_error (server_error);
  g_assert_cmpint (cs, ==, AVANUE_DTLS_STATUS_CONNECTED_NOW);
  g_assert_cmpint (ss, ==, AVANUE_DTLS_STATUS_CONNECTED_NOW);

  /* records both ways, one datagram each */
  g_assert_true (avanue_dtls_transport_send (client, (const guint8 *) hello, sizeof hello));
  g_assert_true (avanue_dtls_transport_send (server, (const guint8 *) "back", 4));
  g_assert_cmpuint (g_queue_get_length (&wire.to_server), ==, 1);
  /* not plaintext on the wire */
  g_assert_null (memmem (g_bytes_get_data (g_queue_peek_head (&wire.to_server), NULL),
                         g_bytes_get_size (g_queue_peek_head (&wire.to_server)), hello, sizeof hello - 1));
  cs = ss = AVANUE_DTLS_STATUS_CONNECTED;
  pump_wire (&wire, client, server, &cs, &ss, client_records, server_records, &client_error, &server_error);
  g_assert_cmpuint (server_records->len, ==, 1);
  g_assert_cmpmem (g_bytes_get_data (server_records->pdata[0], NULL), g_bytes_get_size (server_records->pdata[0]),
                   hello, sizeof hello);
  g_assert_cmpuint (client_records->len, ==, 1);
  g_assert_cmpmem (g_bytes_get_data (client_records->pdata[0], NULL), g_bytes_get_size (client_records->pdata[0]),
                   "back", 4);

  /* close_notify */
  avanue_dtls_transport_close (client);
  pump_wire (&wire, client, server, &cs, &ss, client_records, server_records, &client_error, &server_error);
  g_assert_cmpint (ss, ==, AVANUE_DTLS_STATUS_CLOSED);
  g_assert_false (avanue_dtls_transport_send (server, (const guint8 *) "late", 4));
  wire_clear (&wire);
}

static void
test_dtls_fingerprint_mismatch (void)
{
  Wire wire = { G_QUEUE_INIT, G_QUEUE_INIT };
  g_autoptr(AvanueDtlsTransport) client = NULL;
  g_autoptr(AvanueDtlsTransport) server = NULL;
  g_autoptr(GError) client_error = NULL;
  g_autoptr(GError) server_error = NULL;
  AvanueDtlsStatus cs, ss = AVANUE_DTLS_STATUS_HANDSHAKING;

  /* the server expects another client certificate than it gets */
  dtls_pair (TRUE, &wire, &client, &server);
  cs = avanue_dtls_transport_handle (client, NULL, 0, NULL, NULL, &client_error);
  pump_wire (&wire, client, server, &cs, &ss, NULL, NULL, &client_error, &server_error);
  g_assert_cmpint (ss, ==, AVANUE_DTLS_STATUS_FAILED);
  g_assert_error (server_error, AVANUE_PEER_CONNECTION_ERROR, AVANUE_PEER_CONNECTION_ERROR_FINGERPRINT_MISMATCH);
  /* the client hears the alert and fails too, never connected */
  g_assert_cmpint (cs, ==, AVANUE_DTLS_STATUS_FAILED);
  g_assert_error (client_error, AVANUE_PEER_CONNECTION_ERROR, AVANUE_PEER_CONNECTION_ERROR_DTLS_FAILED);
  g_assert_false (avanue_dtls_transport_send (client, (const guint8 *) "x", 1));
  wire_clear (&wire);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/avanue/peer/sdp/parse-chrome-offer", test_parse_chrome_offer);
  g_test_add_func ("/avanue/peer/sdp/parse-firefox-answer", test_parse_firefox_answer);
  g_test_add_func ("/avanue/peer/sdp/write-offer", test_write_offer);
  g_test_add_func ("/avanue/peer/sdp/answer-rejects-other-media", test_answer_rejects_other_media);
  g_test_add_func ("/avanue/peer/sdp/legacy-sctpmap", test_legacy_sctpmap);
  g_test_add_func ("/avanue/peer/sdp/prefers-sha-256", test_prefers_sha256);
  g_test_add_func ("/avanue/peer/sdp/bad", test_bad_sdp);
  g_test_add_func ("/avanue/peer/sdp/candidates", test_candidates);
  g_test_add_func ("/avanue/peer/fingerprint/format", test_fingerprint_format);
  g_test_add_func ("/avanue/peer/fingerprint/certificate", test_certificate);
  g_test_add_func ("/avanue/peer/dcep/open-encoding", test_dcep_open_encoding);
  g_test_add_func ("/avanue/peer/dcep/bad", test_dcep_bad);
  g_test_add_func ("/avanue/peer/dtls/handshake", test_dtls_handshake);
  g_test_add_func ("/avanue/peer/dtls/fingerprint-mismatch", test_dtls_fingerprint_mismatch);

  return g_test_run ();
}
