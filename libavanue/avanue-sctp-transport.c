/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* SCTP over DTLS with usrsctp: see avanue-sctp-transport-private.h.
 *
 * The stack: usrsctp_init() runs once per process, on first use, and the
 * stack stays up after the last transport is gone: usrsctp cannot be
 * initialised again after usrsctp_finish() (its locks would be
 * initialised twice; sctplab/usrsctp#713), and libavanue may be used
 * again later in the same process.  A count of the transports alive is
 * kept for the tests.
 *
 * Each transport is registered with usrsctp as an AF_CONN address (its
 * own pointer).  usrsctp calls conn_output() with that address for every
 * packet; conn_output() looks the transport up in a registry under a
 * process-wide mutex and takes a reference on its DTLS transport before
 * letting go of the mutex, so a transport that is being closed on the
 * owner's thread is never used after it has left the registry.  The
 * socket upcall goes through the same registry.
 *
 * Settings follow what browsers and other WebRTC stacks use: 1 MiB
 * buffers, a path MTU of 1200 without PMTU discovery (there is no ICMP
 * under DTLS), no ECN, partial reliability and stream reconfiguration on,
 * RTOs of 200 ms to 10 s, SACKs after 20 ms at most. */
#include "config.h"

#include <errno.h>
#include <string.h>

#include <usrsctp.h>

#include "avanue-peer-connection.h"
#include "avanue-sctp-transport-private.h"

#define SCTP_BUFFER_SIZE (1024 * 1024)
#define SCTP_PATH_MTU 1200
#define RECV_CHUNK_SIZE (64 * 1024)
/* A reassembled message bigger than this is dropped: we advertise
 * a=max-message-size:262144, like Chromium */
#define MAX_RECEIVED_MESSAGE (256 * 1024)

struct _AvanueSctpTransport
{
  gatomicrefcount ref_count;
  AvanueDtlsTransport *dtls;
  GMainContext *context;
  struct socket *sock;
  int scheduled;                        /* atomic: an idle source is pending */

  /* on the owner's thread */
  gboolean closed;
  gboolean connected;
  AvanueSctpCallbacks callbacks;
  gpointer user_data;

  /* a message that usrsctp hands over in pieces */
  GByteArray *partial;
  gboolean partial_is_notification;
  guint16 partial_stream;
  guint32 partial_ppid;
  gboolean partial_too_big;
};

static GMutex registry_lock;
static GHashTable *registry;            /* AvanueSctpTransport *, not owned */
static gboolean stack_ready;

static AvanueSctpTransport *
transport_ref (AvanueSctpTransport *self)
{
  g_atomic_ref_count_inc (&self->ref_count);
  return self;
}

static void
transport_unref (gpointer data)
{
  AvanueSctpTransport *self = data;

  if (!g_atomic_ref_count_dec (&self->ref_count))
    return;
  avanue_dtls_transport_unref (self->dtls);
  g_main_context_unref (self->context);
  g_byte_array_unref (self->partial);
  g_free (self);
}

/* ------------------------------------------------------------------------
 * usrsctp's callbacks: any thread, with usrsctp's locks held
 * ------------------------------------------------------------------------ */

static int
conn_output_cb (void    *addr,
                void    *buffer,
                size_t   length,
                uint8_t  tos,
                uint8_t  set_df)
{
  AvanueDtlsTransport *dtls = NULL;

  g_mutex_lock (&registry_lock);
  if (registry != NULL && g_hash_table_contains (registry, addr))
    dtls = avanue_dtls_transport_ref (((AvanueSctpTransport *) addr)->dtls);
  g_mutex_unlock (&registry_lock);

  if (dtls == NULL)
    return 0;
  avanue_dtls_transport_send (dtls, buffer, length);
  avanue_dtls_transport_unref (dtls);
  return 0;
}

static gboolean process_socket_cb (gpointer user_data);

static void
upcall_cb (struct socket *sock,
           void          *arg,
           int            flags)
{
  AvanueSctpTransport *self = arg;

  g_mutex_lock (&registry_lock);
  if (registry != NULL && g_hash_table_contains (registry, self) &&
      g_atomic_int_compare_and_exchange (&self->scheduled, 0, 1))
    {
      /* never g_main_context_invoke(): on the owner's thread it would run
       * the callback here, inside usrsctp */
      GSource *source = g_idle_source_new ();

      g_source_set_priority (source, G_PRIORITY_DEFAULT);
      g_source_set_callback (source, process_socket_cb, transport_ref (self), transport_unref);
      g_source_set_static_name (source, "[avanue] SCTP socket");
      g_source_attach (source, self->context);
      g_source_unref (source);
    }
  g_mutex_unlock (&registry_lock);
}

static void
stack_acquire (void)
{
  g_mutex_lock (&registry_lock);
  if (!stack_ready)
    {
      usrsctp_init (0, conn_output_cb, NULL);
      usrsctp_sysctl_set_sctp_ecn_enable (0);
      usrsctp_sysctl_set_sctp_pr_enable (1);
      usrsctp_sysctl_set_sctp_reconfig_enable (1);
      usrsctp_sysctl_set_sctp_recvspace (SCTP_BUFFER_SIZE);
      usrsctp_sysctl_set_sctp_sendspace (SCTP_BUFFER_SIZE);
      usrsctp_sysctl_set_sctp_max_chunks_on_queue (10 * 1024);
      usrsctp_sysctl_set_sctp_initial_cwnd (10);
      usrsctp_sysctl_set_sctp_max_burst_default (10);
      usrsctp_sysctl_set_sctp_delayed_sack_time_default (20);
      usrsctp_sysctl_set_sctp_rto_min_default (200);
      usrsctp_sysctl_set_sctp_rto_max_default (10000);
      usrsctp_sysctl_set_sctp_init_rto_max_default (10000);
      usrsctp_sysctl_set_sctp_rto_initial_default (1000);
      usrsctp_sysctl_set_sctp_init_rtx_max_default (5);
      usrsctp_sysctl_set_sctp_assoc_rtx_max_default (5);
      usrsctp_sysctl_set_sctp_path_rtx_max_default (5);
      usrsctp_sysctl_set_sctp_heartbeat_interval_default (10000);
      registry = g_hash_table_new (NULL, NULL);
      stack_ready = TRUE;
    }
  g_mutex_unlock (&registry_lock);
}

guint
avanue_sctp_transport_count_live (void)
{
  guint n;

  g_mutex_lock (&registry_lock);
  n = registry != NULL ? g_hash_table_size (registry) : 0;
  g_mutex_unlock (&registry_lock);
  return n;
}

/* ------------------------------------------------------------------------
 * Setup
 * ------------------------------------------------------------------------ */

static gboolean
set_option (struct socket *sock,
            int            level,
            int            name,
            const void    *value,
            socklen_t      len,
            const char    *what,
            GError       **error)
{
  if (usrsctp_setsockopt (sock, level, name, value, len) == 0)
    return TRUE;
  g_set_error (error, AVANUE_PEER_CONNECTION_ERROR, AVANUE_PEER_CONNECTION_ERROR_SCTP_FAILED,
               "SCTP socket option %s: %s", what, g_strerror (errno));
  return FALSE;
}

static gboolean
configure_socket (AvanueSctpTransport *self,
                  GError             **error)
{
  struct linger linger = { .l_onoff = 1, .l_linger = 0 };
  struct sctp_assoc_value reset = { .assoc_id = SCTP_ALL_ASSOC, .assoc_value = SCTP_ENABLE_RESET_STREAM_REQ };
  struct sctp_initmsg init = {
    .sinit_num_ostreams = AVANUE_SCTP_MAX_STREAMS,
    .sinit_max_instreams = AVANUE_SCTP_MAX_STREAMS,
  };
  struct sctp_paddrparams params;
  static const guint16 events[] = {
    SCTP_ASSOC_CHANGE, SCTP_REMOTE_ERROR, SCTP_SHUTDOWN_EVENT, SCTP_SEND_FAILED_EVENT,
    SCTP_STREAM_RESET_EVENT, SCTP_STREAM_CHANGE_EVENT,
  };
  int on = 1;

  /* closing aborts: the lower layer goes away right after */
  if (!set_option (self->sock, SOL_SOCKET, SO_LINGER, &linger, sizeof linger, "SO_LINGER", error) ||
      !set_option (self->sock, IPPROTO_SCTP, SCTP_ENABLE_STREAM_RESET, &reset, sizeof reset,
                   "SCTP_ENABLE_STREAM_RESET", error) ||
      !set_option (self->sock, IPPROTO_SCTP, SCTP_RECVRCVINFO, &on, sizeof on, "SCTP_RECVRCVINFO", error) ||
      !set_option (self->sock, IPPROTO_SCTP, SCTP_NODELAY, &on, sizeof on, "SCTP_NODELAY", error) ||
      !set_option (self->sock, IPPROTO_SCTP, SCTP_INITMSG, &init, sizeof init, "SCTP_INITMSG", error))
    return FALSE;

  for (gsize i = 0; i < G_N_ELEMENTS (events); i++)
    {
      struct sctp_event event = { .se_assoc_id = SCTP_ALL_ASSOC, .se_type = events[i], .se_on = 1 };

      if (!set_option (self->sock, IPPROTO_SCTP, SCTP_EVENT, &event, sizeof event, "SCTP_EVENT", error))
        return FALSE;
    }

  memset (&params, 0, sizeof params);
  params.spp_assoc_id = SCTP_FUTURE_ASSOC;
  params.spp_flags = SPP_PMTUD_DISABLE;
  params.spp_pathmtu = SCTP_PATH_MTU;
  return set_option (self->sock, IPPROTO_SCTP, SCTP_PEER_ADDR_PARAMS, &params, sizeof params,
                     "SCTP_PEER_ADDR_PARAMS", error);
}

static void
sconn_init (AvanueSctpTransport *self,
            struct sockaddr_conn *sconn,
            guint16              port)
{
  memset (sconn, 0, sizeof *sconn);
  sconn->sconn_family = AF_CONN;
  sconn->sconn_port = g_htons (port);
  sconn->sconn_addr = self;
}

/* Drops the socket and leaves the registry; no callback after this */
static void
teardown (AvanueSctpTransport *self)
{
  if (self->sock != NULL)
    {
      usrsctp_set_upcall (self->sock, NULL, NULL);
      /* with SO_LINGER 0 this sends ABORT, through conn_output(): the
       * transport is still registered */
      usrsctp_close (self->sock);
      self->sock = NULL;
    }
  g_mutex_lock (&registry_lock);
  g_hash_table_remove (registry, self);
  g_mutex_unlock (&registry_lock);
  usrsctp_deregister_address (self);
}

AvanueSctpTransport *
avanue_sctp_transport_new (AvanueDtlsTransport       *dtls,
                           guint16                    local_port,
                           guint16                    remote_port,
                           const AvanueSctpCallbacks *callbacks,
                           gpointer                   user_data,
                           GError                   **error)
{
  AvanueSctpTransport *self;
  struct sockaddr_conn local, remote;

  g_return_val_if_fail (dtls != NULL, NULL);
  g_return_val_if_fail (callbacks != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  stack_acquire ();

  self = g_new0 (AvanueSctpTransport, 1);
  g_atomic_ref_count_init (&self->ref_count);
  self->dtls = avanue_dtls_transport_ref (dtls);
  self->context = g_main_context_ref_thread_default ();
  self->callbacks = *callbacks;
  self->user_data = user_data;
  self->partial = g_byte_array_new ();

  usrsctp_register_address (self);
  g_mutex_lock (&registry_lock);
  g_hash_table_add (registry, self);
  g_mutex_unlock (&registry_lock);

  self->sock = usrsctp_socket (AF_CONN, SOCK_STREAM, IPPROTO_SCTP, NULL, NULL, 0, NULL);
  if (self->sock == NULL)
    {
      g_set_error (error, AVANUE_PEER_CONNECTION_ERROR, AVANUE_PEER_CONNECTION_ERROR_SCTP_FAILED,
                   "Could not create an SCTP socket: %s", g_strerror (errno));
      teardown (self);
      transport_unref (self);
      return NULL;
    }
  usrsctp_set_upcall (self->sock, upcall_cb, self);
  if (usrsctp_set_non_blocking (self->sock, 1) != 0 || !configure_socket (self, error))
    {
      if (error != NULL && *error == NULL)
        g_set_error_literal (error, AVANUE_PEER_CONNECTION_ERROR, AVANUE_PEER_CONNECTION_ERROR_SCTP_FAILED,
                             "Could not configure the SCTP socket");
      teardown (self);
      transport_unref (self);
      return NULL;
    }

  sconn_init (self, &local, local_port);
  if (usrsctp_bind (self->sock, (struct sockaddr *) &local, sizeof local) != 0)
    {
      g_set_error (error, AVANUE_PEER_CONNECTION_ERROR, AVANUE_PEER_CONNECTION_ERROR_SCTP_FAILED,
                   "Could not bind the SCTP socket: %s", g_strerror (errno));
      teardown (self);
      transport_unref (self);
      return NULL;
    }
  /* both ends connect (RFC 8841 §10.2): SCTP resolves the INIT collision */
  sconn_init (self, &remote, remote_port);
  if (usrsctp_connect (self->sock, (struct sockaddr *) &remote, sizeof remote) != 0 && errno != EINPROGRESS)
    {
      g_set_error (error, AVANUE_PEER_CONNECTION_ERROR, AVANUE_PEER_CONNECTION_ERROR_SCTP_FAILED,
                   "Could not start the SCTP association: %s", g_strerror (errno));
      teardown (self);
      transport_unref (self);
      return NULL;
    }
  return self;
}

void
avanue_sctp_transport_close (AvanueSctpTransport *self)
{
  if (self == NULL)
    return;
  self->closed = TRUE;
  memset (&self->callbacks, 0, sizeof self->callbacks);
  self->user_data = NULL;
  teardown (self);
  transport_unref (self);
}

/* ------------------------------------------------------------------------
 * Input, on the owner's thread
 * ------------------------------------------------------------------------ */

void
avanue_sctp_transport_input (AvanueSctpTransport *self,
                             GBytes              *packet)
{
  gsize len;
  const guint8 *data = g_bytes_get_data (packet, &len);

  if (self->closed || len == 0)
    return;
  /* may call conn_output() and upcall_cb() on this thread, before it
   * returns */
  usrsctp_conninput (self, data, len, 0);
}

static void
handle_assoc_change (AvanueSctpTransport            *self,
                     const struct sctp_assoc_change *change)
{
  switch (change->sac_state)
    {
    case SCTP_COMM_UP:
      if (!self->connected)
        {
          self->connected = TRUE;
          if (self->callbacks.connected != NULL)
            self->callbacks.connected (self->user_data, change->sac_outbound_streams,
                                       change->sac_inbound_streams);
        }
      break;

    case SCTP_COMM_LOST:
    case SCTP_SHUTDOWN_COMP:
    case SCTP_CANT_STR_ASSOC:
      if (self->callbacks.disconnected != NULL)
        self->callbacks.disconnected (self->user_data, self->connected,
                                      change->sac_state == SCTP_CANT_STR_ASSOC ? "could not associate" :
                                      change->sac_state == SCTP_SHUTDOWN_COMP ? "shut down" : "association lost");
      break;

    case SCTP_RESTART:
    default:
      break;
    }
}

static void
handle_stream_reset (AvanueSctpTransport                  *self,
                     const struct sctp_stream_reset_event *event,
                     gsize                                 len)
{
  gsize n;

  if (len < sizeof *event)
    return;
  if (event->strreset_flags & (SCTP_STREAM_RESET_DENIED | SCTP_STREAM_RESET_FAILED))
    return;
  n = MIN ((gsize) event->strreset_length, len);
  n = n > sizeof *event ? (n - sizeof *event) / sizeof (uint16_t) : 0;
  for (gsize i = 0; i < n && !self->closed; i++)
    {
      guint16 stream = event->strreset_stream_list[i];

      if ((event->strreset_flags & SCTP_STREAM_RESET_INCOMING_SSN) && self->callbacks.stream_reset != NULL)
        self->callbacks.stream_reset (self->user_data, stream, TRUE);
      if ((event->strreset_flags & SCTP_STREAM_RESET_OUTGOING_SSN) && self->callbacks.stream_reset != NULL)
        self->callbacks.stream_reset (self->user_data, stream, FALSE);
    }
}

static void
handle_notification (AvanueSctpTransport *self,
                     const guint8        *data,
                     gsize                len)
{
  const union sctp_notification *notification = (const union sctp_notification *) data;

  if (len < sizeof (struct sctp_tlv))
    return;
  switch (notification->sn_header.sn_type)
    {
    case SCTP_ASSOC_CHANGE:
      if (len >= sizeof (struct sctp_assoc_change))
        handle_assoc_change (self, &notification->sn_assoc_change);
      break;

    case SCTP_STREAM_RESET_EVENT:
      handle_stream_reset (self, &notification->sn_strreset_event, len);
      break;

    case SCTP_SHUTDOWN_EVENT:
      g_debug ("SCTP: the peer shuts the association down");
      break;

    case SCTP_SEND_FAILED_EVENT:
      /* an unreliable message expired, or the association is going */
      break;

    case SCTP_REMOTE_ERROR:
      g_debug ("SCTP: the peer reported an error");
      break;

    default:
      break;
    }
}

static void
deliver (AvanueSctpTransport *self,
         gboolean             is_notification,
         guint16              stream,
         guint32              ppid,
         const guint8        *data,
         gsize                len)
{
  if (is_notification)
    {
      handle_notification (self, data, len);
    }
  else if (self->callbacks.message != NULL)
    {
      g_autoptr(GBytes) bytes = g_bytes_new (data, len);

      self->callbacks.message (self->user_data, stream, ppid, bytes);
    }
}

/* One recvv() result: a whole message, or a piece of one */
static void
handle_received (AvanueSctpTransport       *self,
                 const guint8              *data,
                 gsize                      len,
                 int                        flags,
                 const struct sctp_rcvinfo *info,
                 gboolean                   have_info)
{
  gboolean is_notification = (flags & MSG_NOTIFICATION) != 0;
  guint16 stream = have_info ? info->rcv_sid : 0;
  guint32 ppid = have_info ? g_ntohl (info->rcv_ppid) : 0;

  if (!(flags & MSG_EOR))
    {
      if (self->partial->len == 0 && !self->partial_too_big)
        {
          self->partial_is_notification = is_notification;
          self->partial_stream = stream;
          self->partial_ppid = ppid;
        }
      if (self->partial->len + len > MAX_RECEIVED_MESSAGE)
        {
          self->partial_too_big = TRUE;
          g_byte_array_set_size (self->partial, 0);
        }
      if (!self->partial_too_big)
        g_byte_array_append (self->partial, data, len);
      return;
    }

  if (self->partial->len > 0 || self->partial_too_big)
    {
      gboolean too_big = self->partial_too_big || self->partial->len + len > MAX_RECEIVED_MESSAGE;

      self->partial_too_big = FALSE;
      if (too_big)
        {
          g_debug ("SCTP: dropping a message larger than %u bytes on stream %u",
                   MAX_RECEIVED_MESSAGE, self->partial_stream);
          g_byte_array_set_size (self->partial, 0);
          return;
        }
      g_byte_array_append (self->partial, data, len);
      {
        g_autoptr(GByteArray) whole = g_steal_pointer (&self->partial);

        self->partial = g_byte_array_new ();
        deliver (self, self->partial_is_notification, self->partial_stream, self->partial_ppid,
                 whole->data, whole->len);
      }
      return;
    }
  deliver (self, is_notification, stream, ppid, data, len);
}

static gboolean
process_socket_cb (gpointer user_data)
{
  AvanueSctpTransport *self = user_data;
  g_autofree guint8 *buffer = NULL;

  g_atomic_int_set (&self->scheduled, 0);
  if (self->closed || self->sock == NULL)
    return G_SOURCE_REMOVE;

  buffer = g_malloc (RECV_CHUNK_SIZE);
  while (!self->closed)
    {
      struct sctp_rcvinfo info;
      struct sockaddr_conn from;
      socklen_t from_len = sizeof from;
      socklen_t info_len = sizeof info;
      unsigned int info_type = SCTP_RECVV_NOINFO;
      int flags = 0;
      ssize_t n;

      memset (&info, 0, sizeof info);
      n = usrsctp_recvv (self->sock, buffer, RECV_CHUNK_SIZE, (struct sockaddr *) &from, &from_len,
                         &info, &info_len, &info_type, &flags);
      if (n < 0)
        {
          if (errno != EAGAIN && errno != EWOULDBLOCK && errno != ENOTCONN)
            g_debug ("SCTP: recvv: %s", g_strerror (errno));
          break;
        }
      if (n == 0)
        break;
      handle_received (self, buffer, (gsize) n, flags, &info,
                       info_type == SCTP_RECVV_RCVINFO && info_len >= sizeof info);
    }

  if (!self->closed && self->connected && self->callbacks.writable != NULL)
    self->callbacks.writable (self->user_data);
  return G_SOURCE_REMOVE;
}

/* ------------------------------------------------------------------------
 * Output, on the owner's thread
 * ------------------------------------------------------------------------ */

AvanueSctpSendResult
avanue_sctp_transport_send (AvanueSctpTransport *self,
                            guint16              stream,
                            guint32              ppid,
                            gboolean             unordered,
                            int                  max_retransmits,
                            int                  max_packet_life_time,
                            const guint8        *data,
                            gsize                len,
                            GError             **error)
{
  struct sctp_sendv_spa spa;
  ssize_t n;

  if (self->closed || !self->connected)
    {
      g_set_error_literal (error, AVANUE_DATA_CHANNEL_ERROR, AVANUE_DATA_CHANNEL_ERROR_NOT_OPEN,
                           "The SCTP association is not up");
      return AVANUE_SCTP_SEND_ERROR;
    }

  memset (&spa, 0, sizeof spa);
  spa.sendv_flags = SCTP_SEND_SNDINFO_VALID;
  spa.sendv_sndinfo.snd_sid = stream;
  spa.sendv_sndinfo.snd_ppid = g_htonl (ppid);
  spa.sendv_sndinfo.snd_flags = SCTP_EOR | (unordered ? SCTP_UNORDERED : 0);
  if (max_retransmits >= 0)
    {
      spa.sendv_flags |= SCTP_SEND_PRINFO_VALID;
      spa.sendv_prinfo.pr_policy = SCTP_PR_SCTP_RTX;
      spa.sendv_prinfo.pr_value = (uint32_t) max_retransmits;
    }
  else if (max_packet_life_time >= 0)
    {
      spa.sendv_flags |= SCTP_SEND_PRINFO_VALID;
      spa.sendv_prinfo.pr_policy = SCTP_PR_SCTP_TTL;
      spa.sendv_prinfo.pr_value = (uint32_t) max_packet_life_time;
    }

  n = usrsctp_sendv (self->sock, data, len, NULL, 0, &spa, sizeof spa, SCTP_SENDV_SPA, 0);
  if (n >= 0)
    return AVANUE_SCTP_SEND_OK;
  if (errno == EWOULDBLOCK || errno == EAGAIN || errno == ENOBUFS)
    return AVANUE_SCTP_SEND_WOULD_BLOCK;
  g_set_error (error, AVANUE_DATA_CHANNEL_ERROR, AVANUE_DATA_CHANNEL_ERROR_FAILED,
               "SCTP could not send on stream %u: %s", stream, g_strerror (errno));
  return AVANUE_SCTP_SEND_ERROR;
}

gboolean
avanue_sctp_transport_reset_stream (AvanueSctpTransport *self,
                                    guint16              stream)
{
  gsize size = sizeof (struct sctp_reset_streams) + sizeof (uint16_t);
  g_autofree struct sctp_reset_streams *reset = g_malloc0 (size);

  if (self->closed || !self->connected)
    return FALSE;
  reset->srs_assoc_id = SCTP_ALL_ASSOC;
  reset->srs_flags = SCTP_STREAM_RESET_OUTGOING;
  reset->srs_number_streams = 1;
  reset->srs_stream_list[0] = stream;
  if (usrsctp_setsockopt (self->sock, IPPROTO_SCTP, SCTP_RESET_STREAMS, reset, (socklen_t) size) != 0)
    {
      g_debug ("SCTP: could not reset stream %u: %s", stream, g_strerror (errno));
      return FALSE;
    }
  return TRUE;
}
