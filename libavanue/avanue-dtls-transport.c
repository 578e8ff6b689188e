/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* DTLS 1.2 for WebRTC data channels, with GnuTLS: see
 * avanue-dtls-transport-private.h.
 *
 * The session is non-blocking and has no socket: GnuTLS pushes datagrams
 * through the lower layer's send function (libnice's nice_agent_send())
 * and pulls them from a queue that avanue_dtls_transport_handle() fills
 * with what libnice received.  During the handshake the caller drives
 * retransmissions: it calls _handle() again (without data) after the
 * timeout that _handle() returns.
 *
 * The peer's certificate is checked in GnuTLS's verify callback, during
 * the handshake: its digest must equal the fingerprint of the remote
 * session description, or the handshake fails with a bad_certificate
 * alert and the transport reports AVANUE_PEER_CONNECTION_ERROR_FINGERPRINT_MISMATCH. */
#include "config.h"

#include <errno.h>
#include <string.h>

#include <gnutls/gnutls.h>
#include <gnutls/crypto.h>
#include <gnutls/dtls.h>
#include <gnutls/x509.h>

#include "avanue-dtls-transport-private.h"
#include "avanue-peer-connection.h"
#include "avanue-sdp-private.h"

/* Handshake datagrams are fragmented to this; it leaves room for SCTP
 * packets of 1200 bytes plus the DTLS record overhead (37 bytes with
 * AES-GCM) in one record. */
#define DTLS_MTU 1400
#define DTLS_RETRANSMIT_MS 400
#define DTLS_HANDSHAKE_TIMEOUT_MS 30000
/* Datagrams queued before the handshake starts, or between two calls */
#define MAX_QUEUED_DATAGRAMS 256
#define RECORD_BUFFER_SIZE (16384 + 2048)

struct _AvanueDtlsCertificate
{
  gnutls_x509_crt_t crt;
  gnutls_x509_privkey_t key;
  gnutls_certificate_credentials_t credentials;
  char *fingerprint;
};

struct _AvanueDtlsTransport
{
  gatomicrefcount ref_count;
  GMutex lock;

  AvanueDtlsCertificate *cert;
  AvanueDtlsLowerSend send;
  gpointer send_data;
  GDestroyNotify send_destroy;

  gnutls_session_t session;
  gboolean is_client;
  AvanueDtlsStatus status;
  GQueue incoming;                      /* GBytes */

  gnutls_digest_algorithm_t expected_algorithm;
  GBytes *expected_fingerprint;
  gboolean fingerprint_mismatch;
};

/* ------------------------------------------------------------------------
 * Certificates
 * ------------------------------------------------------------------------ */

static gboolean
gnutls_failed (int         ret,
               const char *what,
               GError    **error)
{
  if (ret >= 0)
    return FALSE;
  g_set_error (error, AVANUE_PEER_CONNECTION_ERROR, AVANUE_PEER_CONNECTION_ERROR_FAILED,
               "%s: %s", what, gnutls_strerror (ret));
  return TRUE;
}

static void
certificate_free (gpointer data)
{
  AvanueDtlsCertificate *cert = data;

  if (cert->credentials != NULL)
    gnutls_certificate_free_credentials (cert->credentials);
  if (cert->crt != NULL)
    gnutls_x509_crt_deinit (cert->crt);
  if (cert->key != NULL)
    gnutls_x509_privkey_deinit (cert->key);
  g_free (cert->fingerprint);
}

AvanueDtlsCertificate *
avanue_dtls_certificate_ref (AvanueDtlsCertificate *cert)
{
  return g_atomic_rc_box_acquire (cert);
}

void
avanue_dtls_certificate_unref (AvanueDtlsCertificate *cert)
{
  g_atomic_rc_box_release_full (cert, certificate_free);
}

/* A self-signed ECDSA P-256 certificate, valid from yesterday for 30 days
 * (clocks differ), as browsers make for each RTCPeerConnection. */
AvanueDtlsCertificate *
avanue_dtls_certificate_new (GError **error)
{
  g_autoptr(AvanueDtlsCertificate) cert = g_atomic_rc_box_new0 (AvanueDtlsCertificate);
  guint8 serial[16];
  guint8 digest[32];
  size_t digest_size = sizeof digest;
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;
  static const char common_name[] = "avanue";

  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (gnutls_failed (gnutls_x509_privkey_init (&cert->key), "Key", error) ||
      gnutls_failed (gnutls_x509_privkey_generate (cert->key, GNUTLS_PK_ECDSA,
                                                   GNUTLS_CURVE_TO_BITS (GNUTLS_ECC_CURVE_SECP256R1), 0),
                     "Generating the DTLS key", error))
    return NULL;

  if (gnutls_failed (gnutls_rnd (GNUTLS_RND_NONCE, serial, sizeof serial), "Serial", error))
    return NULL;
  serial[0] &= 0x7f;                    /* a positive INTEGER */
  serial[0] |= 0x01;                    /* without a leading zero byte */

  if (gnutls_failed (gnutls_x509_crt_init (&cert->crt), "Certificate", error) ||
      gnutls_failed (gnutls_x509_crt_set_version (cert->crt, 3), "Certificate version", error) ||
      gnutls_failed (gnutls_x509_crt_set_serial (cert->crt, serial, sizeof serial), "Certificate serial", error) ||
      gnutls_failed (gnutls_x509_crt_set_activation_time (cert->crt, (time_t) (now - 86400)), "Certificate time", error) ||
      gnutls_failed (gnutls_x509_crt_set_expiration_time (cert->crt, (time_t) (now + 30 * 86400)), "Certificate time", error) ||
      gnutls_failed (gnutls_x509_crt_set_dn_by_oid (cert->crt, GNUTLS_OID_X520_COMMON_NAME, 0,
                                                    common_name, strlen (common_name)),
                     "Certificate name", error) ||
      gnutls_failed (gnutls_x509_crt_set_key (cert->crt, cert->key), "Certificate key", error) ||
      gnutls_failed (gnutls_x509_crt_sign2 (cert->crt, cert->crt, cert->key, GNUTLS_DIG_SHA256, 0),
                     "Signing the DTLS certificate", error))
    return NULL;

  if (gnutls_failed (gnutls_certificate_allocate_credentials (&cert->credentials), "Credentials", error) ||
      gnutls_failed (gnutls_certificate_set_x509_key (cert->credentials, &cert->crt, 1, cert->key),
                     "Credentials", error))
    return NULL;

  if (gnutls_failed (gnutls_x509_crt_get_fingerprint (cert->crt, GNUTLS_DIG_SHA256, digest, &digest_size),
                     "Fingerprint", error))
    return NULL;
  cert->fingerprint = avanue_sdp_format_fingerprint (digest, digest_size);
  return g_steal_pointer (&cert);
}

const char *
avanue_dtls_certificate_get_fingerprint (AvanueDtlsCertificate *cert)
{
  g_return_val_if_fail (cert != NULL, NULL);
  return cert->fingerprint;
}

GBytes *
avanue_dtls_certificate_get_der (AvanueDtlsCertificate *cert)
{
  gnutls_datum_t der = { NULL, 0 };
  GBytes *bytes;

  g_return_val_if_fail (cert != NULL, NULL);
  if (gnutls_x509_crt_export2 (cert->crt, GNUTLS_X509_FMT_DER, &der) < 0)
    return NULL;
  bytes = g_bytes_new (der.data, der.size);
  gnutls_free (der.data);
  return bytes;
}

/* ------------------------------------------------------------------------
 * The session's transport: GnuTLS calls these under self->lock
 * ------------------------------------------------------------------------ */

static ssize_t
push_cb (gnutls_transport_ptr_t ptr,
         const void            *data,
         size_t                 len)
{
  AvanueDtlsTransport *self = ptr;

  if (self->send != NULL)
    self->send (data, len, self->send_data);
  /* a datagram link: what is lost is lost, and DTLS copes */
  return (ssize_t) len;
}

static ssize_t
pull_cb (gnutls_transport_ptr_t ptr,
         void                  *data,
         size_t                 len)
{
  AvanueDtlsTransport *self = ptr;
  g_autoptr(GBytes) datagram = g_queue_pop_head (&self->incoming);
  gsize size;
  const guint8 *bytes;

  if (datagram == NULL)
    {
      gnutls_transport_set_errno (self->session, EAGAIN);
      return -1;
    }
  bytes = g_bytes_get_data (datagram, &size);
  size = MIN (size, len);
  memcpy (data, bytes, size);
  return (ssize_t) size;
}

static int
pull_timeout_cb (gnutls_transport_ptr_t ptr,
                 unsigned int           ms)
{
  AvanueDtlsTransport *self = ptr;

  /* non-blocking: never wait */
  return g_queue_is_empty (&self->incoming) ? 0 : 1;
}

static int
verify_cb (gnutls_session_t session)
{
  AvanueDtlsTransport *self = gnutls_session_get_ptr (session);
  const gnutls_datum_t *certs;
  unsigned int n_certs = 0;
  guint8 digest[64];
  gsize expected_len;
  const guint8 *expected;

  certs = gnutls_certificate_get_peers (session, &n_certs);
  if (certs == NULL || n_certs == 0)
    {
      self->fingerprint_mismatch = TRUE;
      return GNUTLS_E_CERTIFICATE_ERROR;
    }
  expected = g_bytes_get_data (self->expected_fingerprint, &expected_len);
  if (expected_len > sizeof digest ||
      expected_len != gnutls_hash_get_len (self->expected_algorithm) ||
      gnutls_hash_fast (self->expected_algorithm, certs[0].data, certs[0].size, digest) < 0 ||
      memcmp (digest, expected, expected_len) != 0)
    {
      self->fingerprint_mismatch = TRUE;
      return GNUTLS_E_CERTIFICATE_ERROR;
    }
  return 0;
}

/* ------------------------------------------------------------------------
 * Transport
 * ------------------------------------------------------------------------ */

AvanueDtlsTransport *
avanue_dtls_transport_new (AvanueDtlsCertificate *cert,
                           AvanueDtlsLowerSend    send,
                           gpointer               user_data,
                           GDestroyNotify         destroy)
{
  AvanueDtlsTransport *self = g_new0 (AvanueDtlsTransport, 1);

  g_return_val_if_fail (cert != NULL, NULL);

  g_atomic_ref_count_init (&self->ref_count);
  g_mutex_init (&self->lock);
  self->cert = avanue_dtls_certificate_ref (cert);
  self->send = send;
  self->send_data = user_data;
  self->send_destroy = destroy;
  self->status = AVANUE_DTLS_STATUS_NEW;
  g_queue_init (&self->incoming);
  return self;
}

AvanueDtlsTransport *
avanue_dtls_transport_ref (AvanueDtlsTransport *self)
{
  g_atomic_ref_count_inc (&self->ref_count);
  return self;
}

static void
release_lower (AvanueDtlsTransport *self)
{
  GDestroyNotify destroy = self->send_destroy;
  gpointer data = self->send_data;

  self->send = NULL;
  self->send_data = NULL;
  self->send_destroy = NULL;
  if (destroy != NULL)
    destroy (data);
}

void
avanue_dtls_transport_unref (AvanueDtlsTransport *self)
{
  if (!g_atomic_ref_count_dec (&self->ref_count))
    return;
  if (self->session != NULL)
    gnutls_deinit (self->session);
  release_lower (self);
  g_queue_clear_full (&self->incoming, (GDestroyNotify) g_bytes_unref);
  g_clear_pointer (&self->expected_fingerprint, g_bytes_unref);
  avanue_dtls_certificate_unref (self->cert);
  g_mutex_clear (&self->lock);
  g_free (self);
}

static gnutls_digest_algorithm_t
digest_for_name (const char *name)
{
  if (g_ascii_strcasecmp (name, "sha-1") == 0)
    return GNUTLS_DIG_SHA1;
  if (g_ascii_strcasecmp (name, "sha-224") == 0)
    return GNUTLS_DIG_SHA224;
  if (g_ascii_strcasecmp (name, "sha-256") == 0)
    return GNUTLS_DIG_SHA256;
  if (g_ascii_strcasecmp (name, "sha-384") == 0)
    return GNUTLS_DIG_SHA384;
  if (g_ascii_strcasecmp (name, "sha-512") == 0)
    return GNUTLS_DIG_SHA512;
  return GNUTLS_DIG_UNKNOWN;
}

gboolean
avanue_dtls_transport_start (AvanueDtlsTransport *self,
                             gboolean             is_client,
                             const char          *fingerprint_algorithm,
                             GBytes              *fingerprint,
                             GError             **error)
{
  g_autoptr(GMutexLocker) locker G_GNUC_UNUSED = g_mutex_locker_new (&self->lock);
  gnutls_digest_algorithm_t algorithm = digest_for_name (fingerprint_algorithm);
  gnutls_session_t session = NULL;
  const char *err_pos = NULL;
  int ret;

  g_return_val_if_fail (fingerprint != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (self->status != AVANUE_DTLS_STATUS_NEW)
    {
      g_set_error_literal (error, AVANUE_PEER_CONNECTION_ERROR, AVANUE_PEER_CONNECTION_ERROR_INVALID_STATE,
                           "DTLS has already started");
      return FALSE;
    }
  if (algorithm == GNUTLS_DIG_UNKNOWN || g_bytes_get_size (fingerprint) != gnutls_hash_get_len (algorithm))
    {
      g_set_error_literal (error, AVANUE_PEER_CONNECTION_ERROR, AVANUE_PEER_CONNECTION_ERROR_BAD_SDP,
                           "Unsupported DTLS fingerprint");
      return FALSE;
    }

  ret = gnutls_init (&session, (is_client ? GNUTLS_CLIENT : GNUTLS_SERVER) | GNUTLS_DATAGRAM | GNUTLS_NONBLOCK);
  if (gnutls_failed (ret, "DTLS session", error))
    return FALSE;
  self->session = session;
  /* DTLS 1.2 only, GnuTLS's default cipher suites (ECDHE with AES-GCM
   * and ChaCha20 first, as browsers offer) */
  ret = gnutls_priority_set_direct (session, "NORMAL:-VERS-ALL:+VERS-DTLS1.2", &err_pos);
  if (gnutls_failed (ret, "DTLS priorities", error) ||
      gnutls_failed (gnutls_credentials_set (session, GNUTLS_CRD_CERTIFICATE, self->cert->credentials),
                     "DTLS credentials", error))
    return FALSE;
  if (!is_client)
    gnutls_certificate_server_set_request (session, GNUTLS_CERT_REQUIRE);
  gnutls_session_set_ptr (session, self);
  gnutls_session_set_verify_function (session, verify_cb);
  gnutls_transport_set_ptr (session, self);
  gnutls_transport_set_push_function (session, push_cb);
  gnutls_transport_set_pull_function (session, pull_cb);
  gnutls_transport_set_pull_timeout_function (session, pull_timeout_cb);
  gnutls_dtls_set_mtu (session, DTLS_MTU);
  gnutls_dtls_set_timeouts (session, DTLS_RETRANSMIT_MS, DTLS_HANDSHAKE_TIMEOUT_MS);

  self->is_client = is_client;
  self->expected_algorithm = algorithm;
  self->expected_fingerprint = g_bytes_ref (fingerprint);
  self->status = AVANUE_DTLS_STATUS_HANDSHAKING;
  return TRUE;
}

gboolean
avanue_dtls_transport_is_started (AvanueDtlsTransport *self)
{
  g_autoptr(GMutexLocker) locker G_GNUC_UNUSED = g_mutex_locker_new (&self->lock);

  return self->status != AVANUE_DTLS_STATUS_NEW;
}

gboolean
avanue_dtls_transport_is_client (AvanueDtlsTransport *self)
{
  g_autoptr(GMutexLocker) locker G_GNUC_UNUSED = g_mutex_locker_new (&self->lock);

  return self->is_client;
}

static AvanueDtlsStatus
fail_locked (AvanueDtlsTransport *self,
             int                  ret,
             GError             **error)
{
  self->status = AVANUE_DTLS_STATUS_FAILED;
  if (self->fingerprint_mismatch)
    g_set_error_literal (error, AVANUE_PEER_CONNECTION_ERROR, AVANUE_PEER_CONNECTION_ERROR_FINGERPRINT_MISMATCH,
                         "The peer's DTLS certificate does not match the fingerprint in its session description");
  else
    g_set_error (error, AVANUE_PEER_CONNECTION_ERROR, AVANUE_PEER_CONNECTION_ERROR_DTLS_FAILED,
                 "DTLS: %s", gnutls_strerror (ret));
  /* the peer learns why, if it still listens */
  if (ret != GNUTLS_E_TIMEDOUT && self->session != NULL)
    gnutls_alert_send_appropriate (self->session, ret);
  return AVANUE_DTLS_STATUS_FAILED;
}

/* Reads every complete record out of the queue */
static AvanueDtlsStatus
read_records_locked (AvanueDtlsTransport *self,
                     GPtrArray           *records,
                     GError             **error)
{
  g_autofree guint8 *buffer = g_malloc (RECORD_BUFFER_SIZE);

  for (guint attempts = 0; attempts < 4 * MAX_QUEUED_DATAGRAMS; attempts++)
    {
      ssize_t n = gnutls_record_recv (self->session, buffer, RECORD_BUFFER_SIZE);

      if (n > 0)
        {
          if (records != NULL)
            g_ptr_array_add (records, g_bytes_new (buffer, (gsize) n));
          continue;
        }
      if (n == 0)
        {
          self->status = AVANUE_DTLS_STATUS_CLOSED;
          return AVANUE_DTLS_STATUS_CLOSED;
        }
      if (n == GNUTLS_E_AGAIN || n == GNUTLS_E_INTERRUPTED)
        break;
      if (gnutls_error_is_fatal ((int) n))
        return fail_locked (self, (int) n, error);
      /* a warning alert, a rehandshake request (refused), a record that
       * does not decrypt: drop it and go on */
    }
  return AVANUE_DTLS_STATUS_CONNECTED;
}

AvanueDtlsStatus
avanue_dtls_transport_handle (AvanueDtlsTransport *self,
                              const guint8        *data,
                              gsize                len,
                              GPtrArray           *records,
                              guint               *timeout_ms,
                              GError             **error)
{
  g_autoptr(GMutexLocker) locker G_GNUC_UNUSED = g_mutex_locker_new (&self->lock);
  AvanueDtlsStatus status;

  g_return_val_if_fail (error == NULL || *error == NULL, AVANUE_DTLS_STATUS_FAILED);

  if (timeout_ms != NULL)
    *timeout_ms = 0;
  /* DTLS records start with a content type in 20..63 (RFC 7983) */
  if (data != NULL && len > 0 && data[0] >= 20 && data[0] <= 63 &&
      (self->status == AVANUE_DTLS_STATUS_NEW || self->status == AVANUE_DTLS_STATUS_HANDSHAKING ||
       self->status == AVANUE_DTLS_STATUS_CONNECTED))
    {
      if (g_queue_get_length (&self->incoming) >= MAX_QUEUED_DATAGRAMS)
        g_bytes_unref (g_queue_pop_head (&self->incoming));
      g_queue_push_tail (&self->incoming, g_bytes_new (data, len));
    }

  switch (self->status)
    {
    case AVANUE_DTLS_STATUS_HANDSHAKING:
      for (guint attempts = 0;; attempts++)
        {
          int ret = gnutls_handshake (self->session);

          if (ret == GNUTLS_E_SUCCESS)
            break;
          if (ret == GNUTLS_E_AGAIN || ret == GNUTLS_E_INTERRUPTED)
            {
              if (timeout_ms != NULL)
                *timeout_ms = MAX (gnutls_dtls_get_timeout (self->session), 1);
              return AVANUE_DTLS_STATUS_HANDSHAKING;
            }
          if (gnutls_error_is_fatal (ret) || attempts >= 16)
            return fail_locked (self, ret, error);
        }
      self->status = AVANUE_DTLS_STATUS_CONNECTED;
      status = read_records_locked (self, records, error);
      return status == AVANUE_DTLS_STATUS_CONNECTED ? AVANUE_DTLS_STATUS_CONNECTED_NOW : status;

    case AVANUE_DTLS_STATUS_CONNECTED:
      return read_records_locked (self, records, error);

    case AVANUE_DTLS_STATUS_NEW:
    case AVANUE_DTLS_STATUS_CLOSED:
    case AVANUE_DTLS_STATUS_FAILED:
    case AVANUE_DTLS_STATUS_CONNECTED_NOW:
    default:
      return self->status;
    }
}

gboolean
avanue_dtls_transport_send (AvanueDtlsTransport *self,
                            const guint8        *data,
                            gsize                len)
{
  g_autoptr(GMutexLocker) locker G_GNUC_UNUSED = g_mutex_locker_new (&self->lock);
  ssize_t n;

  if (self->status != AVANUE_DTLS_STATUS_CONNECTED)
    return FALSE;
  n = gnutls_record_send (self->session, data, len);
  if (n < 0)
    {
      g_debug ("DTLS: dropping a %" G_GSIZE_FORMAT "-byte record: %s", len, gnutls_strerror ((int) n));
      return FALSE;
    }
  return TRUE;
}

/* Sends close_notify if the session is up; nothing is sent or received
 * after this, and the lower layer is released (on this thread). */
void
avanue_dtls_transport_close (AvanueDtlsTransport *self)
{
  g_autoptr(GMutexLocker) locker G_GNUC_UNUSED = g_mutex_locker_new (&self->lock);

  if (self->status == AVANUE_DTLS_STATUS_CONNECTED)
    gnutls_bye (self->session, GNUTLS_SHUT_WR);
  if (self->status != AVANUE_DTLS_STATUS_FAILED)
    self->status = AVANUE_DTLS_STATUS_CLOSED;
  g_queue_clear_full (&self->incoming, (GDestroyNotify) g_bytes_unref);
  release_lower (self);
}
