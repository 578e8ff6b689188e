/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* AvdTurnWorker: one data-plane thread of the TURN relay.
 *
 * Each worker owns an epoll set, its own SO_REUSEPORT listening sockets
 * (UDP, TCP, TLS) on the relay's port, the relay sockets of the allocations
 * it created, and its TCP/TLS connections.  The kernel hashes a client's
 * 5-tuple to one worker's socket, so an allocation lives entirely in one
 * thread: no lock, no allocation and no GLib dispatch per packet.
 *
 * The control thread talks to a worker only through its command queue
 * (woken by an eventfd): a new settings snapshot, a revoked username,
 * stop.  The worker reports back through AvdTurnShared (quota counts,
 * usage) and through its counters, which the control thread reads with
 * relaxed atomic loads.
 *
 * A "detached" worker has no thread and no sockets: packets are injected
 * by the caller and what the relay would send goes to an output function.
 * The fuzz target drives the full protocol that way. */
#pragma once

#include <glib.h>

#include "avd-turn-addr.h"
#include "avd-turn-shared.h"

G_BEGIN_DECLS

typedef struct _AvdTurnWorker AvdTurnWorker;

typedef struct {
  guint64 packets_relayed;
  guint64 bytes_relayed;
  guint64 packets_dropped;
  guint64 allocations_created;
  guint64 requests;
  guint64 connections;
  guint64 wakeups;    /* epoll_wait returns */
  guint64 recv_calls; /* recvmmsg */
  guint64 send_calls; /* sendmmsg, sendmsg, sendto */
  guint64 errors[AVD_TURN_N_ERROR_CODES];
} AvdTurnWorkerStats;

typedef enum {
  AVD_TURN_OUTPUT_TO_CLIENT,
  AVD_TURN_OUTPUT_TO_PEER,
} AvdTurnOutputKind;

typedef void (*AvdTurnOutputFunc) (AvdTurnOutputKind  kind,
                                   const AvdTurnAddr *destination,
                                   const guint8      *data,
                                   gsize              len,
                                   gpointer           user_data);

AvdTurnWorker *avd_turn_worker_new            (AvdTurnShared     *shared,
                                               AvdTurnSettings   *settings,
                                               guint              index,
                                               GError           **error);
AvdTurnWorker *avd_turn_worker_new_detached   (AvdTurnShared     *shared,
                                               AvdTurnSettings   *settings,
                                               AvdTurnOutputFunc  output,
                                               gpointer           user_data);
void           avd_turn_worker_free           (AvdTurnWorker     *self);

int            avd_turn_open_socket           (const AvdTurnAddr *addr,
                                               int                type,
                                               gboolean           reuseport,
                                               AvdTurnAddr       *out_bound,
                                               GError           **error);
gboolean       avd_turn_worker_add_listener   (AvdTurnWorker     *self,
                                               int                fd,
                                               AvdTurnTransport   transport,
                                               const AvdTurnAddr *addr,
                                               GError           **error);
gboolean       avd_turn_worker_start          (AvdTurnWorker     *self,
                                               GError           **error);
void           avd_turn_worker_stop           (AvdTurnWorker     *self);

/* control thread → worker */
void           avd_turn_worker_push_settings  (AvdTurnWorker     *self,
                                               AvdTurnSettings   *settings);
void           avd_turn_worker_push_revoke    (AvdTurnWorker     *self,
                                               const char        *username);
void           avd_turn_worker_read_stats     (AvdTurnWorker      *self,
                                               AvdTurnWorkerStats *out);

/* detached workers (tests, fuzzing) */
void           avd_turn_worker_inject_datagram (AvdTurnWorker     *self,
                                                guint              listener,
                                                const AvdTurnAddr *from,
                                                const guint8      *data,
                                                gsize              len);
void           avd_turn_worker_inject_peer     (AvdTurnWorker     *self,
                                                guint              nth_allocation,
                                                const AvdTurnAddr *from,
                                                const guint8      *data,
                                                gsize              len);
void           avd_turn_worker_inject_stream   (AvdTurnWorker     *self,
                                                guint              nth_connection,
                                                const AvdTurnAddr *from,
                                                const guint8      *data,
                                                gsize              len);
void           avd_turn_worker_advance_clock   (AvdTurnWorker     *self,
                                                gint64             us);
void           avd_turn_worker_apply_commands  (AvdTurnWorker     *self);
guint          avd_turn_worker_get_n_allocations (AvdTurnWorker   *self);

G_END_DECLS
