/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The SDP of data-only WebRTC sessions: see avanue-sdp-private.h.
 *
 * The writer produces what Chromium and Firefox produce for a peer
 * connection with only data channels, candidates trickled separately:
 *
 *   v=0
 *   o=- 4611731400430051336 2 IN IP4 127.0.0.1
 *   s=-
 *   t=0 0
 *   a=group:BUNDLE 0
 *   m=application 9 UDP/DTLS/SCTP webrtc-datachannel
 *   c=IN IP4 0.0.0.0
 *   a=ice-ufrag:…
 *   a=ice-pwd:…
 *   a=ice-options:trickle
 *   a=fingerprint:sha-256 AB:CD:…
 *   a=setup:actpass
 *   a=mid:0
 *   a=sctp-port:5000
 *   a=max-message-size:262144
 *
 * The parser accepts what those browsers send, with session-level or
 * media-level ICE and DTLS attributes, CRLF or LF line ends, candidates
 * inside the SDP, other media sections (remembered so that an answer can
 * reject them) and the legacy `DTLS/SCTP 5000` + `a=sctpmap` form. */
#include "config.h"

#include <errno.h>
#include <string.h>

#include "avanue-peer-connection.h"
#include "avanue-sdp-private.h"

/* Nothing legitimate comes near this; it bounds the work on hostile input */
#define MAX_SDP_LINES 4096

static void
other_media_free (gpointer data)
{
  AvanueSdpOtherMedia *media = data;

  if (media == NULL)
    return;
  g_free (media->media);
  g_free (media->proto);
  g_free (media->formats);
  g_free (media->mid);
  g_free (media);
}

AvanueSdp *
avanue_sdp_new (void)
{
  AvanueSdp *sdp = g_new0 (AvanueSdp, 1);

  sdp->sctp_port = AVANUE_SDP_DEFAULT_SCTP_PORT;
  sdp->max_message_size = AVANUE_SDP_DEFAULT_MAX_MESSAGE_SIZE;
  sdp->candidates = g_ptr_array_new_with_free_func (g_free);
  sdp->other_media = g_ptr_array_new_with_free_func (other_media_free);
  return sdp;
}

void
avanue_sdp_free (AvanueSdp *sdp)
{
  if (sdp == NULL)
    return;
  g_free (sdp->mid);
  g_free (sdp->ice_ufrag);
  g_free (sdp->ice_pwd);
  g_free (sdp->fingerprint_algorithm);
  g_free (sdp->fingerprint);
  g_ptr_array_unref (sdp->candidates);
  g_ptr_array_unref (sdp->other_media);
  g_free (sdp);
}

const char *
avanue_sdp_setup_to_string (AvanueSdpSetup setup)
{
  switch (setup)
    {
    case AVANUE_SDP_SETUP_ACTPASS:
      return "actpass";
    case AVANUE_SDP_SETUP_ACTIVE:
      return "active";
    case AVANUE_SDP_SETUP_PASSIVE:
      return "passive";
    case AVANUE_SDP_SETUP_NONE:
    default:
      return NULL;
    }
}

/* ------------------------------------------------------------------------
 * Fingerprints (RFC 8122 §5)
 * ------------------------------------------------------------------------ */

gsize
avanue_sdp_fingerprint_length (const char *algorithm)
{
  static const struct {
    const char *name;
    gsize len;
  } algorithms[] = {
    { "sha-1", 20 },
    { "sha-224", 28 },
    { "sha-256", 32 },
    { "sha-384", 48 },
    { "sha-512", 64 },
  };

  if (algorithm == NULL)
    return 0;
  for (gsize i = 0; i < G_N_ELEMENTS (algorithms); i++)
    {
      if (g_ascii_strcasecmp (algorithm, algorithms[i].name) == 0)
        return algorithms[i].len;
    }
  return 0;
}

char *
avanue_sdp_format_fingerprint (const guint8 *digest,
                               gsize         digest_len)
{
  static const char hex[] = "0123456789ABCDEF";
  GString *out;

  g_return_val_if_fail (digest != NULL || digest_len == 0, NULL);

  out = g_string_sized_new (digest_len * 3);
  for (gsize i = 0; i < digest_len; i++)
    {
      if (i > 0)
        g_string_append_c (out, ':');
      g_string_append_c (out, hex[digest[i] >> 4]);
      g_string_append_c (out, hex[digest[i] & 0xf]);
    }
  return g_string_free (out, FALSE);
}

/* "AB:CD:…" (either case) → the digest; its length must suit @algorithm */
GBytes *
avanue_sdp_parse_fingerprint (const char  *algorithm,
                              const char  *fingerprint,
                              GError     **error)
{
  gsize expected = avanue_sdp_fingerprint_length (algorithm);
  g_autoptr(GByteArray) digest = NULL;
  const char *p = fingerprint;

  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (expected == 0)
    {
      g_set_error (error, AVANUE_PEER_CONNECTION_ERROR, AVANUE_PEER_CONNECTION_ERROR_BAD_SDP,
                   "Unsupported fingerprint hash function");
      return NULL;
    }
  if (fingerprint == NULL)
    {
      g_set_error (error, AVANUE_PEER_CONNECTION_ERROR, AVANUE_PEER_CONNECTION_ERROR_BAD_SDP,
                   "Missing fingerprint");
      return NULL;
    }

  digest = g_byte_array_sized_new (expected);
  for (;;)
    {
      int hi, lo;
      guint8 byte;

      hi = g_ascii_xdigit_value (p[0]);
      lo = hi < 0 ? -1 : g_ascii_xdigit_value (p[1]);
      if (hi < 0 || lo < 0 || digest->len >= expected)
        break;
      byte = (guint8) ((hi << 4) | lo);
      g_byte_array_append (digest, &byte, 1);
      p += 2;
      if (*p != ':')
        break;
      p++;
    }
  if (*p != '\0' || digest->len != expected)
    {
      g_set_error (error, AVANUE_PEER_CONNECTION_ERROR, AVANUE_PEER_CONNECTION_ERROR_BAD_SDP,
                   "Malformed %s fingerprint", algorithm);
      return NULL;
    }
  return g_byte_array_free_to_bytes (g_steal_pointer (&digest));
}

/* ------------------------------------------------------------------------
 * Candidates (RFC 8839 §5.1): "candidate:" foundation component transport
 * priority address port "typ" type [extensions as name value pairs]
 * ------------------------------------------------------------------------ */

gboolean
avanue_sdp_candidate_is_valid (const char *candidate)
{
  g_auto(GStrv) tokens = NULL;
  guint n;

  if (candidate == NULL || !g_str_has_prefix (candidate, "candidate:"))
    return FALSE;
  if (strchr (candidate, '\r') != NULL || strchr (candidate, '\n') != NULL)
    return FALSE;
  tokens = g_strsplit (candidate + strlen ("candidate:"), " ", 64);
  n = g_strv_length (tokens);
  if (n < 8 || !g_str_equal (tokens[6], "typ"))
    return FALSE;
  for (guint i = 0; i < n; i++)
    {
      if (tokens[i][0] == '\0')
        return FALSE;
    }
  return TRUE;
}

/* The "ufrag" extension browsers add (their ICE generation), or NULL */
char *
avanue_sdp_candidate_get_ufrag (const char *candidate)
{
  g_auto(GStrv) tokens = NULL;

  if (!avanue_sdp_candidate_is_valid (candidate))
    return NULL;
  tokens = g_strsplit (candidate + strlen ("candidate:"), " ", 64);
  for (guint i = 8; tokens[i] != NULL && tokens[i + 1] != NULL; i += 2)
    {
      if (g_str_equal (tokens[i], "ufrag"))
        return g_strdup (tokens[i + 1]);
    }
  return NULL;
}

/* ------------------------------------------------------------------------
 * Parser
 * ------------------------------------------------------------------------ */

/* ice-char = ALPHA / DIGIT / "+" / "/" (RFC 8839 §5.4) */
static gboolean
is_ice_chars (const char *s,
              gsize       min_len,
              gsize       max_len)
{
  gsize len = 0;

  for (; *s != '\0'; s++, len++)
    {
      if (!g_ascii_isalnum (*s) && *s != '+' && *s != '/')
        return FALSE;
    }
  return len >= min_len && len <= max_len;
}

static gboolean
parse_uint64 (const char *s,
              guint64     max,
              guint64    *out)
{
  char *end = NULL;
  guint64 value;

  if (s == NULL || !g_ascii_isdigit (*s))
    return FALSE;
  errno = 0;
  value = g_ascii_strtoull (s, &end, 10);
  if (errno != 0 || end == s || *end != '\0' || value > max)
    return FALSE;
  *out = value;
  return TRUE;
}

/* ICE and DTLS attributes, which may appear at session or media level */
typedef struct {
  char *ice_ufrag;
  char *ice_pwd;
  gboolean ice_trickle;
  gboolean ice_lite;
  char *fingerprint_algorithm;
  char *fingerprint;
  AvanueSdpSetup setup;
} TransportAttrs;

static void
transport_attrs_clear (TransportAttrs *attrs)
{
  g_clear_pointer (&attrs->ice_ufrag, g_free);
  g_clear_pointer (&attrs->ice_pwd, g_free);
  g_clear_pointer (&attrs->fingerprint_algorithm, g_free);
  g_clear_pointer (&attrs->fingerprint, g_free);
}

static gboolean
bad_sdp (GError    **error,
         guint       line,
         const char *what)
{
  g_set_error (error, AVANUE_PEER_CONNECTION_ERROR, AVANUE_PEER_CONNECTION_ERROR_BAD_SDP,
               "SDP line %u: %s", line, what);
  return FALSE;
}

/* Reads one ICE/DTLS attribute into @attrs; FALSE with @error if it is
 * malformed, FALSE without if @name is not one of them. */
static gboolean
parse_transport_attr (TransportAttrs *attrs,
                      const char     *name,
                      const char     *value,
                      guint           line,
                      gboolean       *handled,
                      GError        **error)
{
  *handled = TRUE;
  if (g_str_equal (name, "ice-ufrag"))
    {
      if (value == NULL || !is_ice_chars (value, 4, 256))
        return bad_sdp (error, line, "bad a=ice-ufrag");
      g_free (attrs->ice_ufrag);
      attrs->ice_ufrag = g_strdup (value);
    }
  else if (g_str_equal (name, "ice-pwd"))
    {
      if (value == NULL || !is_ice_chars (value, 22, 256))
        return bad_sdp (error, line, "bad a=ice-pwd");
      g_free (attrs->ice_pwd);
      attrs->ice_pwd = g_strdup (value);
    }
  else if (g_str_equal (name, "ice-options"))
    {
      g_auto(GStrv) options = g_strsplit (value != NULL ? value : "", " ", 32);

      for (guint i = 0; options[i] != NULL; i++)
        {
          if (g_str_equal (options[i], "trickle"))
            attrs->ice_trickle = TRUE;
        }
    }
  else if (g_str_equal (name, "ice-lite"))
    {
      attrs->ice_lite = TRUE;
    }
  else if (g_str_equal (name, "fingerprint"))
    {
      const char *space = value != NULL ? strchr (value, ' ') : NULL;
      g_autofree char *algorithm = NULL;
      g_autoptr(GBytes) digest = NULL;
      g_autoptr(GError) local_error = NULL;

      if (space == NULL)
        return bad_sdp (error, line, "bad a=fingerprint");
      algorithm = g_ascii_strdown (value, space - value);
      /* Several may be given; keep sha-256 if it is among them, else the
       * first one whose hash function we know (RFC 8122 §5). */
      if (avanue_sdp_fingerprint_length (algorithm) == 0)
        return TRUE;
      digest = avanue_sdp_parse_fingerprint (algorithm, space + 1, &local_error);
      if (digest == NULL)
        return bad_sdp (error, line, local_error->message);
      if (attrs->fingerprint != NULL &&
          (g_str_equal (attrs->fingerprint_algorithm, "sha-256") || !g_str_equal (algorithm, "sha-256")))
        return TRUE;
      g_free (attrs->fingerprint_algorithm);
      attrs->fingerprint_algorithm = g_steal_pointer (&algorithm);
      g_free (attrs->fingerprint);
      attrs->fingerprint = avanue_sdp_format_fingerprint (g_bytes_get_data (digest, NULL),
                                                          g_bytes_get_size (digest));
    }
  else if (g_str_equal (name, "setup"))
    {
      if (g_strcmp0 (value, "actpass") == 0)
        attrs->setup = AVANUE_SDP_SETUP_ACTPASS;
      else if (g_strcmp0 (value, "active") == 0)
        attrs->setup = AVANUE_SDP_SETUP_ACTIVE;
      else if (g_strcmp0 (value, "passive") == 0)
        attrs->setup = AVANUE_SDP_SETUP_PASSIVE;
      else
        return bad_sdp (error, line, "bad a=setup");
    }
  else
    {
      *handled = FALSE;
    }
  return TRUE;
}

typedef enum {
  SECTION_SESSION,
  SECTION_DATA,
  SECTION_OTHER,
} Section;

static gboolean
parse_data_attr (AvanueSdp  *sdp,
                 const char *name,
                 const char *value,
                 guint       line,
                 GError    **error)
{
  guint64 number;

  if (g_str_equal (name, "mid"))
    {
      if (value == NULL || *value == '\0' || strlen (value) > 32 || strchr (value, ' ') != NULL)
        return bad_sdp (error, line, "bad a=mid");
      g_free (sdp->mid);
      sdp->mid = g_strdup (value);
    }
  else if (g_str_equal (name, "sctp-port"))
    {
      if (!parse_uint64 (value, G_MAXUINT16, &number) || number == 0)
        return bad_sdp (error, line, "bad a=sctp-port");
      sdp->sctp_port = (guint16) number;
    }
  else if (g_str_equal (name, "sctpmap"))
    {
      /* legacy: a=sctpmap:5000 webrtc-datachannel 1024 */
      g_auto(GStrv) tokens = g_strsplit (value != NULL ? value : "", " ", 3);

      if (tokens[0] == NULL || !parse_uint64 (tokens[0], G_MAXUINT16, &number) || number == 0)
        return bad_sdp (error, line, "bad a=sctpmap");
      sdp->sctp_port = (guint16) number;
    }
  else if (g_str_equal (name, "max-message-size"))
    {
      if (!parse_uint64 (value, G_MAXUINT64, &number))
        return bad_sdp (error, line, "bad a=max-message-size");
      sdp->max_message_size = number;
    }
  else if (g_str_equal (name, "candidate"))
    {
      g_autofree char *candidate = g_strconcat ("candidate:", value != NULL ? value : "", NULL);

      if (!avanue_sdp_candidate_is_valid (candidate))
        return bad_sdp (error, line, "bad a=candidate");
      if (sdp->candidates->len < 256)
        g_ptr_array_add (sdp->candidates, g_steal_pointer (&candidate));
    }
  else if (g_str_equal (name, "end-of-candidates"))
    {
      sdp->end_of_candidates = TRUE;
    }
  return TRUE;
}

/* m=<media> <port> <proto> <fmt> … */
static gboolean
parse_media_line (AvanueSdp  *sdp,
                  const char *value,
                  guint       line,
                  guint       index,
                  Section    *section,
                  GError    **error)
{
  g_auto(GStrv) tokens = g_strsplit (value, " ", 4);
  AvanueSdpOtherMedia *other;
  g_autofree char *port_text = NULL;
  guint64 port;

  if (g_strv_length (tokens) < 4)
    return bad_sdp (error, line, "bad m= line");
  /* port may be "9/2" */
  port_text = g_strndup (tokens[1], strcspn (tokens[1], "/"));
  if (!parse_uint64 (port_text, G_MAXUINT16, &port))
    return bad_sdp (error, line, "bad m= port");

  if (*section != SECTION_DATA && sdp->data_mline_index == G_MAXUINT &&
      g_str_equal (tokens[0], "application") && port != 0 &&
      g_str_has_suffix (tokens[2], "DTLS/SCTP"))
    {
      if (g_str_equal (tokens[2], "DTLS/SCTP"))
        {
          /* legacy: m=application 9 DTLS/SCTP 5000 */
          guint64 sctp_port;

          if (!parse_uint64 (tokens[3], G_MAXUINT16, &sctp_port) || sctp_port == 0)
            return bad_sdp (error, line, "bad legacy SCTP port");
          sdp->sctp_port = (guint16) sctp_port;
        }
      else if (!g_str_equal (tokens[3], "webrtc-datachannel"))
        {
          return bad_sdp (error, line, "unknown data format");
        }
      sdp->data_mline_index = index;
      g_ptr_array_add (sdp->other_media, NULL);
      *section = SECTION_DATA;
      return TRUE;
    }

  other = g_new0 (AvanueSdpOtherMedia, 1);
  other->media = g_strdup (tokens[0]);
  other->proto = g_strdup (tokens[2]);
  other->formats = g_strdup (tokens[3]);
  g_ptr_array_add (sdp->other_media, other);
  *section = SECTION_OTHER;
  return TRUE;
}

static gboolean
parse_origin (AvanueSdp  *sdp,
              const char *value,
              guint       line,
              GError    **error)
{
  g_auto(GStrv) tokens = g_strsplit (value, " ", 7);

  if (g_strv_length (tokens) != 6 ||
      !parse_uint64 (tokens[1], G_MAXUINT64, &sdp->origin_session_id) ||
      !parse_uint64 (tokens[2], G_MAXUINT64, &sdp->origin_version))
    return bad_sdp (error, line, "bad o= line");
  return TRUE;
}

static gboolean
parse_lines (AvanueSdp       *sdp,
             char           **lines,
             TransportAttrs  *session_attrs,
             TransportAttrs  *media_attrs,
             GError         **error)
{
  Section section = SECTION_SESSION;
  guint mline = 0;
  guint n = 0;

  for (guint i = 0; lines[i] != NULL; i++)
    {
      char *text = lines[i];
      gsize len = strlen (text);
      char *colon;
      const char *name, *value;
      gboolean handled = FALSE;

      if (len > 0 && text[len - 1] == '\r')
        text[--len] = '\0';
      if (len == 0)
        {
          /* only a trailing empty line is allowed */
          if (lines[i + 1] == NULL || (lines[i + 2] == NULL && lines[i + 1][0] == '\0'))
            continue;
          return bad_sdp (error, i + 1, "empty line");
        }
      if (++n > MAX_SDP_LINES)
        return bad_sdp (error, i + 1, "too many lines");
      if (len < 2 || !g_ascii_islower (text[0]) || text[1] != '=')
        return bad_sdp (error, i + 1, "not a type=value line");
      if (!g_utf8_validate (text, len, NULL))
        return bad_sdp (error, i + 1, "not UTF-8");

      if (i == 0)
        {
          if (!g_str_equal (text, "v=0"))
            return bad_sdp (error, 1, "the first line must be v=0");
          continue;
        }

      switch (text[0])
        {
        case 'o':
          if (section == SECTION_SESSION && !parse_origin (sdp, text + 2, i + 1, error))
            return FALSE;
          break;

        case 'm':
          if (!parse_media_line (sdp, text + 2, i + 1, mline++, &section, error))
            return FALSE;
          break;

        case 'a':
          colon = strchr (text + 2, ':');
          if (colon != NULL)
            *colon = '\0';
          name = text + 2;
          value = colon != NULL ? colon + 1 : NULL;

          if (section == SECTION_SESSION)
            {
              if (!parse_transport_attr (session_attrs, name, value, i + 1, &handled, error))
                return FALSE;
            }
          else if (section == SECTION_DATA)
            {
              if (!parse_transport_attr (media_attrs, name, value, i + 1, &handled, error))
                return FALSE;
              if (!handled && !parse_data_attr (sdp, name, value, i + 1, error))
                return FALSE;
            }
          else if (g_str_equal (name, "mid") && value != NULL && *value != '\0')
            {
              AvanueSdpOtherMedia *other = g_ptr_array_index (sdp->other_media, sdp->other_media->len - 1);

              g_free (other->mid);
              other->mid = g_strndup (value, 32);
            }
          break;

        default:
          break;
        }
    }
  return TRUE;
}

static char *
take_either (char **media_level,
             char **session_level)
{
  return *media_level != NULL ? g_steal_pointer (media_level) : g_steal_pointer (session_level);
}

AvanueSdp *
avanue_sdp_parse (const char  *text,
                  GError     **error)
{
  g_autoptr(AvanueSdp) sdp = avanue_sdp_new ();
  g_auto(GStrv) lines = NULL;
  TransportAttrs session_attrs = { 0, };
  TransportAttrs media_attrs = { 0, };
  gboolean ok;

  g_return_val_if_fail (text != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  sdp->data_mline_index = G_MAXUINT;
  lines = g_strsplit (text, "\n", MAX_SDP_LINES + 2);
  ok = parse_lines (sdp, lines, &session_attrs, &media_attrs, error);
  if (ok)
    {
      sdp->ice_ufrag = take_either (&media_attrs.ice_ufrag, &session_attrs.ice_ufrag);
      sdp->ice_pwd = take_either (&media_attrs.ice_pwd, &session_attrs.ice_pwd);
      sdp->ice_trickle = media_attrs.ice_trickle || session_attrs.ice_trickle;
      sdp->ice_lite = session_attrs.ice_lite || media_attrs.ice_lite;
      if (media_attrs.fingerprint != NULL)
        {
          sdp->fingerprint = g_steal_pointer (&media_attrs.fingerprint);
          sdp->fingerprint_algorithm = g_steal_pointer (&media_attrs.fingerprint_algorithm);
        }
      else
        {
          sdp->fingerprint = g_steal_pointer (&session_attrs.fingerprint);
          sdp->fingerprint_algorithm = g_steal_pointer (&session_attrs.fingerprint_algorithm);
        }
      sdp->setup = media_attrs.setup != AVANUE_SDP_SETUP_NONE ? media_attrs.setup : session_attrs.setup;
    }
  transport_attrs_clear (&session_attrs);
  transport_attrs_clear (&media_attrs);
  if (!ok)
    return NULL;

  if (sdp->data_mline_index == G_MAXUINT)
    {
      g_set_error_literal (error, AVANUE_PEER_CONNECTION_ERROR, AVANUE_PEER_CONNECTION_ERROR_BAD_SDP,
                           "The SDP has no data channel section (m=application … UDP/DTLS/SCTP webrtc-datachannel)");
      return NULL;
    }
  if (sdp->ice_ufrag == NULL || sdp->ice_pwd == NULL)
    {
      g_set_error_literal (error, AVANUE_PEER_CONNECTION_ERROR, AVANUE_PEER_CONNECTION_ERROR_BAD_SDP,
                           "The SDP has no ICE credentials (a=ice-ufrag, a=ice-pwd)");
      return NULL;
    }
  if (sdp->fingerprint == NULL)
    {
      g_set_error_literal (error, AVANUE_PEER_CONNECTION_ERROR, AVANUE_PEER_CONNECTION_ERROR_BAD_SDP,
                           "The SDP has no usable DTLS fingerprint (a=fingerprint)");
      return NULL;
    }
  return g_steal_pointer (&sdp);
}

/* ------------------------------------------------------------------------
 * Writer
 * ------------------------------------------------------------------------ */

static void
write_data_section (const AvanueSdp *sdp,
                    GString         *out)
{
  const char *setup = avanue_sdp_setup_to_string (sdp->setup);

  g_string_append (out, "m=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\n");
  g_string_append (out, "c=IN IP4 0.0.0.0\r\n");
  g_string_append_printf (out, "a=ice-ufrag:%s\r\n", sdp->ice_ufrag);
  g_string_append_printf (out, "a=ice-pwd:%s\r\n", sdp->ice_pwd);
  if (sdp->ice_trickle)
    g_string_append (out, "a=ice-options:trickle\r\n");
  g_string_append_printf (out, "a=fingerprint:%s %s\r\n",
                          sdp->fingerprint_algorithm != NULL ? sdp->fingerprint_algorithm : "sha-256",
                          sdp->fingerprint);
  if (setup != NULL)
    g_string_append_printf (out, "a=setup:%s\r\n", setup);
  if (sdp->mid != NULL)
    g_string_append_printf (out, "a=mid:%s\r\n", sdp->mid);
  g_string_append_printf (out, "a=sctp-port:%u\r\n", sdp->sctp_port);
  g_string_append_printf (out, "a=max-message-size:%" G_GUINT64_FORMAT "\r\n", sdp->max_message_size);
  for (guint i = 0; i < sdp->candidates->len; i++)
    g_string_append_printf (out, "a=%s\r\n", (const char *) g_ptr_array_index (sdp->candidates, i));
  if (sdp->end_of_candidates)
    g_string_append (out, "a=end-of-candidates\r\n");
}

char *
avanue_sdp_to_string (const AvanueSdp *sdp)
{
  GString *out;
  guint n_sections;

  g_return_val_if_fail (sdp != NULL, NULL);
  g_return_val_if_fail (sdp->ice_ufrag != NULL && sdp->ice_pwd != NULL, NULL);
  g_return_val_if_fail (sdp->fingerprint != NULL, NULL);

  out = g_string_new ("v=0\r\n");
  g_string_append_printf (out, "o=- %" G_GUINT64_FORMAT " %" G_GUINT64_FORMAT " IN IP4 127.0.0.1\r\n",
                          sdp->origin_session_id, sdp->origin_version);
  g_string_append (out, "s=-\r\nt=0 0\r\n");
  if (sdp->mid != NULL)
    g_string_append_printf (out, "a=group:BUNDLE %s\r\n", sdp->mid);
  g_string_append (out, "a=msid-semantic: WMS\r\n");

  /* the other sections, rejected in place (RFC 8843 §7.3.3), and ours */
  n_sections = MAX (sdp->other_media->len, 1);
  for (guint i = 0; i < n_sections; i++)
    {
      const AvanueSdpOtherMedia *other =
        i < sdp->other_media->len ? g_ptr_array_index (sdp->other_media, i) : NULL;

      if (other == NULL)
        {
          write_data_section (sdp, out);
          continue;
        }
      g_string_append_printf (out, "m=%s 0 %s %s\r\n", other->media, other->proto, other->formats);
      g_string_append (out, "c=IN IP4 0.0.0.0\r\n");
      if (other->mid != NULL)
        g_string_append_printf (out, "a=mid:%s\r\n", other->mid);
      g_string_append (out, "a=inactive\r\n");
    }
  return g_string_free (out, FALSE);
}
