/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The inside of AvdTurnWorker, shared by its three source files:
 *   avd-turn-worker.c   the thread, epoll, UDP batching, relay sockets,
 *                       commands, timers
 *   avd-turn-stream.c   TCP and TLS connections: accept, framing, output
 *   avd-turn-handler.c  the protocol: STUN requests, indications,
 *                       ChannelData, relaying between clients and peers */
#pragma once

#include <gnutls/gnutls.h>
#include <pthread.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include "avanue-stun-message-private.h"
#include "avd-turn-allocation.h"
#include "avd-turn-auth.h"
#include "avd-turn-txq.h"
#include "avd-turn-worker.h"

G_BEGIN_DECLS

#define AVD_TURN_BATCH AVD_TURN_TXQ_SIZE
/* Room before a received payload for the header the relay prepends:
 * ChannelData (4) or a Data indication (20 + 24 + 4 for IPv6). */
#define AVD_TURN_HEADROOM 64
#define AVD_TURN_MAX_DATAGRAM 65536
/* headroom, payload, and padding to a multiple of 4 after it */
#define AVD_TURN_BUF_SIZE (AVD_TURN_HEADROOM + AVD_TURN_MAX_DATAGRAM + 8)
#define AVD_TURN_CTRL_SIZE 64
#define AVD_TURN_MAX_LISTENERS (3 * AVD_TURN_MAX_LISTEN)

/* epoll tags, in the low 3 bits of epoll_event.data.u64 */
enum {
  AVD_TURN_TAG_LISTEN_UDP = 1,
  AVD_TURN_TAG_LISTEN_STREAM = 2,
  AVD_TURN_TAG_CONN = 3,
  AVD_TURN_TAG_RELAY4 = 4,
  AVD_TURN_TAG_RELAY6 = 5,
  AVD_TURN_TAG_COMMAND = 6,
};

typedef struct {
  int fd;
  AvdTurnTransport transport;
  AvdTurnAddr addr;
  gboolean wildcard; /* bound to 0.0.0.0 or ::: uses PKTINFO */
} AvdTurnListener;

typedef struct _AvdTurnConn AvdTurnConn;

struct _AvdTurnConn
{
  AvdTurnConn *prev;
  AvdTurnConn *next;
  AvdTurnWorker *worker;
  int fd;
  AvdTurnTransport transport;
  gnutls_session_t tls;
  gboolean handshaking;
  gboolean dead;
  gboolean want_write;
  gboolean corked; /* relayed frames held until the end of the round */
  AvdTurnAddr client;
  AvdTurnAddr local;
  AvdTurnAllocation *allocation;
  gint64 created_s;
  gint64 last_active_s;

  /* a partial frame, kept between reads */
  guint8 *in_buf;
  gsize in_len;
  gsize in_cap;

  /* bytes the socket did not take yet */
  guint8 *out_buf;
  gsize out_off;
  gsize out_len;
  gsize out_cap;
};

/* Where a client message came from and where its answer goes. */
typedef struct {
  AvdTurnTransport transport;
  int listener;      /* UDP */
  AvdTurnConn *conn; /* TCP/TLS */
  AvdTurnAddr client;
  AvdTurnAddr local;
} AvdTurnOrigin;

typedef struct {
  enum { CMD_SETTINGS, CMD_REVOKE, CMD_STOP } type;
  AvdTurnSettings *settings;
  char *username;
} AvdTurnCommand;

struct _AvdTurnWorker
{
  AvdTurnShared *shared;
  AvdTurnSettings *settings; /* this worker's reference */
  guint index;
  gboolean detached;
  AvdTurnOutputFunc output;
  gpointer output_data;

  GThread *thread;
  int epfd;
  int evfd;
  pthread_mutex_t commands_lock; /* not GMutex: ThreadSanitizer sees it */
  GQueue commands;               /* AvdTurnCommand *, under commands_lock */
  int commands_pending;          /* atomic: checked at the start of every round */
  gboolean stopping;

  AvdTurnListener listeners[AVD_TURN_MAX_LISTENERS];
  guint n_listeners;

  AvdTurnAllocationTable table; /* UDP allocations */
  AvdTurnAllocation *allocations; /* every allocation, a list */
  guint n_allocations;
  AvdTurnConn *conns;
  guint n_conns;
  GPtrArray *graveyard_allocations; /* freed after the current epoll round */
  GPtrArray *graveyard_conns;

  AvanueStunMessage *msg;
  AvanueStunMessage *reply;
  AvdTurnKeyCache *keys;
  guint64 rng;

  gint64 now_us; /* monotonic, per wake-up */
  gint64 now_s;
  gint64 clock_offset_us; /* detached workers: advance_clock */
  gint64 next_tick_us;
  gint64 next_flush_us;

  /* datagrams from clients, received in a batch */
  guint8 *rx_buf[AVD_TURN_BATCH];
  struct iovec rx_iov[AVD_TURN_BATCH];
  struct mmsghdr rx_msg[AVD_TURN_BATCH];
  AvdTurnAddr rx_from[AVD_TURN_BATCH];
  guint64 rx_ctrl[AVD_TURN_BATCH][AVD_TURN_CTRL_SIZE / 8]; /* aligned for cmsghdr */
  gboolean batching; /* the rx buffers stay put until flush_to_peers */

  /* client → peer datagrams waiting for the flush (point into rx_buf) */
  AvdTurnTxQueue to_peers;

  /* datagrams from peers, received into a pool of buffers */
  guint8 *relay_buf[AVD_TURN_BATCH];
  struct iovec relay_iov[AVD_TURN_BATCH];
  struct mmsghdr relay_msg[AVD_TURN_BATCH];
  AvdTurnAddr relay_from[AVD_TURN_BATCH];
  guint relay_used;

  /* peer → client datagrams waiting for the flush (point into relay_buf) */
  AvdTurnTxQueue to_clients;

  /* connections holding relayed frames until the end of the round */
  AvdTurnConn *corked[AVD_TURN_BATCH];
  guint n_corked;

  guint8 *buffers; /* the storage behind rx_buf and relay_buf */
  guint8 *stream_buf; /* one read from a TCP/TLS connection */

  AvdTurnWorkerStats stats;
};

/* Counters: written by the worker only, read by the control thread. */
static inline void
avd_turn_stat_add (guint64 *counter, guint64 n)
{
  __atomic_store_n (counter, __atomic_load_n (counter, __ATOMIC_RELAXED) + n, __ATOMIC_RELAXED);
}

static inline guint64
avd_turn_stat_get (const guint64 *counter)
{
  return __atomic_load_n (counter, __ATOMIC_RELAXED);
}

/* avd-turn-worker.c */
void     avd_turn_worker_send_to_client  (AvdTurnWorker       *self,
                                          const AvdTurnOrigin *origin,
                                          const guint8        *data,
                                          gsize                len);
void     avd_turn_worker_relay_to_peer   (AvdTurnWorker       *self,
                                          AvdTurnAllocation   *allocation,
                                          guint                family_index,
                                          const AvdTurnAddr   *peer,
                                          const guint8        *data,
                                          gsize                len);
void     avd_turn_worker_relay_to_client (AvdTurnWorker       *self,
                                          AvdTurnAllocation   *allocation,
                                          const guint8        *frame,
                                          gsize                len);
typedef enum {
  AVD_TURN_PORT_ANY,
  AVD_TURN_PORT_EVEN,
  AVD_TURN_PORT_EVEN_RESERVE_NEXT, /* EVEN-PORT with R: reserve port + 1 */
  AVD_TURN_PORT_FIXED,             /* a port claimed by RESERVATION-TOKEN */
} AvdTurnPortMode;

gboolean avd_turn_worker_open_relay      (AvdTurnWorker       *self,
                                          AvdTurnAllocation   *allocation,
                                          guint                family_index,
                                          AvdTurnPortMode      mode,
                                          guint16              fixed_port,
                                          gboolean             dont_fragment,
                                          guint64             *out_token,
                                          guint               *out_error_code);
void     avd_turn_worker_add_allocation  (AvdTurnWorker       *self,
                                          AvdTurnAllocation   *allocation);
void     avd_turn_worker_destroy_allocation (AvdTurnWorker     *self,
                                             AvdTurnAllocation *allocation);
void     avd_turn_worker_flush_to_peers  (AvdTurnWorker       *self);
void     avd_turn_worker_run_commands    (AvdTurnWorker       *self);

/* avd-turn-stream.c */
void     avd_turn_stream_accept          (AvdTurnWorker       *self,
                                          guint                listener);
AvdTurnConn *avd_turn_stream_add_conn    (AvdTurnWorker       *self,
                                          int                  fd,
                                          AvdTurnTransport     transport,
                                          const AvdTurnAddr   *client,
                                          const AvdTurnAddr   *local);
void     avd_turn_stream_event           (AvdTurnWorker       *self,
                                          AvdTurnConn         *conn,
                                          guint32              events);
void     avd_turn_stream_feed            (AvdTurnWorker       *self,
                                          AvdTurnConn         *conn,
                                          const guint8        *data,
                                          gsize                len);
gboolean avd_turn_stream_send            (AvdTurnWorker       *self,
                                          AvdTurnConn         *conn,
                                          const guint8        *data,
                                          gsize                len,
                                          gboolean             droppable);
void     avd_turn_stream_close           (AvdTurnWorker       *self,
                                          AvdTurnConn         *conn);
void     avd_turn_stream_free            (AvdTurnConn         *conn);
void     avd_turn_stream_tick            (AvdTurnWorker       *self);
void     avd_turn_stream_uncork_all      (AvdTurnWorker       *self);

/* avd-turn-handler.c */
void     avd_turn_handle_client_packet   (AvdTurnWorker       *self,
                                          const AvdTurnOrigin *origin,
                                          const guint8        *data,
                                          gsize                len);
void     avd_turn_handle_peer_packet     (AvdTurnWorker       *self,
                                          AvdTurnAllocation   *allocation,
                                          guint                family_index,
                                          const AvdTurnAddr   *from,
                                          guint8              *payload,
                                          gsize                len);

G_END_DECLS
