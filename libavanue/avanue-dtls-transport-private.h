/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* DTLS 1.2 (GnuTLS) over an unreliable datagram link, for WebRTC data
 * channels (RFC 8827, 8842): a self-signed ECDSA P-256 certificate per
 * connection, both sides present theirs, and each checks the other's
 * against the fingerprint from the session description instead of a CA.
 *
 * Threads: avanue_dtls_transport_handle() and _close() run on the owner's
 * thread; avanue_dtls_transport_send() may be called from any thread (the
 * SCTP stack's timer thread sends retransmissions through it).  Every
 * GnuTLS call is made under the transport's mutex, and so is every call
 * of the lower layer's send function. */

#include <glib.h>

G_BEGIN_DECLS

typedef struct _AvanueDtlsCertificate AvanueDtlsCertificate;
typedef struct _AvanueDtlsTransport AvanueDtlsTransport;

/* Sends one datagram on the lower layer; called with the transport's
 * mutex held, from any thread. */
typedef void (*AvanueDtlsLowerSend) (const guint8 *data,
                                     gsize         len,
                                     gpointer      user_data);

typedef enum {
  AVANUE_DTLS_STATUS_NEW,             /* not started: datagrams are queued */
  AVANUE_DTLS_STATUS_HANDSHAKING,
  AVANUE_DTLS_STATUS_CONNECTED_NOW,   /* the handshake has just completed */
  AVANUE_DTLS_STATUS_CONNECTED,
  AVANUE_DTLS_STATUS_CLOSED,          /* close_notify received, or closed here */
  AVANUE_DTLS_STATUS_FAILED,
} AvanueDtlsStatus;

AvanueDtlsCertificate *avanue_dtls_certificate_new             (GError                **error);
AvanueDtlsCertificate *avanue_dtls_certificate_ref             (AvanueDtlsCertificate  *cert);
void                   avanue_dtls_certificate_unref           (AvanueDtlsCertificate  *cert);
/* "sha-256" and upper-case hex pairs joined by ':' */
const char            *avanue_dtls_certificate_get_fingerprint (AvanueDtlsCertificate  *cert);
/* the certificate, DER-encoded */
GBytes                *avanue_dtls_certificate_get_der         (AvanueDtlsCertificate  *cert);

AvanueDtlsTransport   *avanue_dtls_transport_new               (AvanueDtlsCertificate  *cert,
                                                                AvanueDtlsLowerSend     send,
                                                                gpointer                user_data,
                                                                GDestroyNotify          destroy);
AvanueDtlsTransport   *avanue_dtls_transport_ref               (AvanueDtlsTransport    *self);
void                   avanue_dtls_transport_unref             (AvanueDtlsTransport    *self);

gboolean               avanue_dtls_transport_start             (AvanueDtlsTransport    *self,
                                                                gboolean                is_client,
                                                                const char             *fingerprint_algorithm,
                                                                GBytes                 *fingerprint,
                                                                GError                **error);
gboolean               avanue_dtls_transport_is_started        (AvanueDtlsTransport    *self);
gboolean               avanue_dtls_transport_is_client         (AvanueDtlsTransport    *self);
AvanueDtlsStatus       avanue_dtls_transport_handle            (AvanueDtlsTransport    *self,
                                                                const guint8           *data,
                                                                gsize                   len,
                                                                GPtrArray              *records,
                                                                guint                  *timeout_ms,
                                                                GError                **error);
gboolean               avanue_dtls_transport_send              (AvanueDtlsTransport    *self,
                                                                const guint8           *data,
                                                                gsize                   len);
void                   avanue_dtls_transport_close             (AvanueDtlsTransport    *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (AvanueDtlsCertificate, avanue_dtls_certificate_unref)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (AvanueDtlsTransport, avanue_dtls_transport_unref)

G_END_DECLS
