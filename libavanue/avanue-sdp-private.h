/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The SDP of a data-only WebRTC session (RFC 8866, 8839, 8841, 8842,
 * 8843), as browsers write and read it: one `m=application … UDP/DTLS/SCTP
 * webrtc-datachannel` section, bundled, with trickle ICE.  Internal to
 * libavanue; AvanuePeerConnection writes offers and answers with it and
 * reads the remote side's. */

#include <glib.h>

G_BEGIN_DECLS

#define AVANUE_SDP_DEFAULT_SCTP_PORT 5000
/* RFC 8841 §6.1: without a=max-message-size the peer takes 64 KiB */
#define AVANUE_SDP_DEFAULT_MAX_MESSAGE_SIZE 65536
/* What we advertise: the same as Chromium */
#define AVANUE_SDP_LOCAL_MAX_MESSAGE_SIZE 262144

typedef enum {
  AVANUE_SDP_SETUP_NONE,
  AVANUE_SDP_SETUP_ACTPASS,
  AVANUE_SDP_SETUP_ACTIVE,
  AVANUE_SDP_SETUP_PASSIVE,
} AvanueSdpSetup;

/* A media section that is not ours (audio, video, a second data
 * section): kept so that an answer can reject it in place (port 0). */
typedef struct {
  char *media;                  /* "audio" */
  char *proto;                  /* "UDP/TLS/RTP/SAVPF" */
  char *formats;                /* "111 0" */
  char *mid;                    /* nullable */
} AvanueSdpOtherMedia;

typedef struct {
  guint64 origin_session_id;
  guint64 origin_version;

  /* the data section */
  guint data_mline_index;       /* its position among the m= lines */
  char *mid;                    /* nullable: no a=mid */
  char *ice_ufrag;
  char *ice_pwd;
  gboolean ice_trickle;
  gboolean ice_lite;
  char *fingerprint_algorithm;  /* lower case, "sha-256" */
  char *fingerprint;            /* upper-case hex pairs joined by ':' */
  AvanueSdpSetup setup;
  guint16 sctp_port;
  guint64 max_message_size;     /* 0: no limit (RFC 8841 §6) */
  GPtrArray *candidates;        /* "candidate:…" strings, without "a=" */
  gboolean end_of_candidates;

  /* every m= line in order; the data section is NULL at its index */
  GPtrArray *other_media;       /* AvanueSdpOtherMedia or NULL */
} AvanueSdp;

AvanueSdp  *avanue_sdp_new                 (void);
void        avanue_sdp_free                (AvanueSdp        *sdp);
AvanueSdp  *avanue_sdp_parse               (const char       *text,
                                            GError          **error);
char       *avanue_sdp_to_string           (const AvanueSdp  *sdp);

const char *avanue_sdp_setup_to_string     (AvanueSdpSetup    setup);

char       *avanue_sdp_format_fingerprint  (const guint8     *digest,
                                            gsize             digest_len);
GBytes     *avanue_sdp_parse_fingerprint   (const char       *algorithm,
                                            const char       *fingerprint,
                                            GError          **error);
gsize       avanue_sdp_fingerprint_length  (const char       *algorithm);

gboolean    avanue_sdp_candidate_is_valid  (const char       *candidate);
char       *avanue_sdp_candidate_get_ufrag (const char       *candidate);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (AvanueSdp, avanue_sdp_free)

G_END_DECLS
