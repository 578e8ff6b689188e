/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* SCTP over DTLS (RFC 8261) with usrsctp, for WebRTC data channels
 * (RFC 8831): one association per peer connection on an AF_CONN socket
 * whose lower layer is an AvanueDtlsTransport.
 *
 * Threads: usrsctp is a process-wide stack with its own timer thread.
 * Its output callback (a packet to send) comes on that thread or on
 * whichever thread called into usrsctp, and goes straight to
 * avanue_dtls_transport_send(), which is thread-safe.  Its socket upcall
 * (something to read, room to write) only schedules an idle source on the
 * owner's GMainContext; reading, notifications and every callback below
 * happen there, on the owner's thread.  Everything else in this API is
 * called on the owner's thread, never from inside a usrsctp callback. */

#include <glib.h>

#include "avanue-dtls-transport-private.h"

G_BEGIN_DECLS

/* Payload protocol identifiers (RFC 8831 §8, RFC 8832 §8.1) */
#define AVANUE_SCTP_PPID_DCEP         50
#define AVANUE_SCTP_PPID_STRING       51
#define AVANUE_SCTP_PPID_BINARY       53
#define AVANUE_SCTP_PPID_STRING_EMPTY 56
#define AVANUE_SCTP_PPID_BINARY_EMPTY 57

/* Streams we offer and accept (as browsers do) */
#define AVANUE_SCTP_MAX_STREAMS 1024

typedef struct _AvanueSctpTransport AvanueSctpTransport;

typedef struct {
  /* the association is up, with this many streams each way */
  void (*connected)    (gpointer      user_data,
                        guint16       n_outbound,
                        guint16       n_inbound);
  /* it could not be established, or is gone (aborted, shut down) */
  void (*disconnected) (gpointer      user_data,
                        gboolean      was_connected,
                        const char   *reason);
  void (*message)      (gpointer      user_data,
                        guint16       stream,
                        guint32       ppid,
                        GBytes       *data);
  /* @incoming: the peer reset its outgoing stream (it closed the channel);
   * otherwise our outgoing reset of @stream went through */
  void (*stream_reset) (gpointer      user_data,
                        guint16       stream,
                        gboolean      incoming);
  /* there may be room in the send buffer again */
  void (*writable)     (gpointer      user_data);
} AvanueSctpCallbacks;

typedef enum {
  AVANUE_SCTP_SEND_OK,
  AVANUE_SCTP_SEND_WOULD_BLOCK,
  AVANUE_SCTP_SEND_ERROR,
} AvanueSctpSendResult;

AvanueSctpTransport *avanue_sctp_transport_new          (AvanueDtlsTransport       *dtls,
                                                         guint16                    local_port,
                                                         guint16                    remote_port,
                                                         const AvanueSctpCallbacks *callbacks,
                                                         gpointer                   user_data,
                                                         GError                   **error);
void                 avanue_sctp_transport_input        (AvanueSctpTransport       *self,
                                                         GBytes                    *packet);
AvanueSctpSendResult avanue_sctp_transport_send         (AvanueSctpTransport       *self,
                                                         guint16                    stream,
                                                         guint32                    ppid,
                                                         gboolean                   unordered,
                                                         int                        max_retransmits,
                                                         int                        max_packet_life_time,
                                                         const guint8              *data,
                                                         gsize                      len,
                                                         GError                   **error);
gboolean             avanue_sctp_transport_reset_stream (AvanueSctpTransport       *self,
                                                         guint16                    stream);
/* Aborts the association (the peer sees it at once), stops every callback
 * and drops the reference the caller got from _new(). */
void                 avanue_sctp_transport_close        (AvanueSctpTransport       *self);

/* For tests: how many transports are registered with usrsctp now */
guint                avanue_sctp_transport_count_live   (void);

G_END_DECLS
