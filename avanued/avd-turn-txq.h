/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* AvdTurnTxQueue: datagrams a worker is about to send, sent together.
 *
 * The queue holds up to AVD_TURN_TXQ_SIZE datagrams (pointers into the
 * worker's receive buffers, which stay put until the flush).  A flush
 * groups them per flow (socket and destination), keeping each flow's
 * order; consecutive datagrams of a flow with the same size (the last may
 * be shorter) become one UDP GSO send (UDP_SEGMENT), so that the kernel
 * builds, routes and queues one buffer instead of many; then one sendmmsg
 * per socket sends everything.  Where the kernel refuses GSO the queue
 * falls back to plain datagrams for good. */
#pragma once

#include <glib.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include "avd-turn-addr.h"

G_BEGIN_DECLS

#define AVD_TURN_TXQ_SIZE 64
#define AVD_TURN_TXQ_CTRL_SIZE 64

typedef struct {
  int fd;
  const guint8 *data;
  gsize len;
  AvdTurnAddr to;
  AvdTurnAddr from; /* source address (IP_PKTINFO) when has_from */
  gboolean has_from;
} AvdTurnTxEntry;

typedef struct {
  AvdTurnTxEntry entries[AVD_TURN_TXQ_SIZE];
  guint n;

  /* flush scratch */
  struct mmsghdr msgs[AVD_TURN_TXQ_SIZE];
  struct mmsghdr sorted[AVD_TURN_TXQ_SIZE];
  struct iovec iov[AVD_TURN_TXQ_SIZE];
  guint64 ctrl[AVD_TURN_TXQ_SIZE][AVD_TURN_TXQ_CTRL_SIZE / 8]; /* aligned for cmsghdr */
  int msg_fd[AVD_TURN_TXQ_SIZE];
  guint msg_segments[AVD_TURN_TXQ_SIZE];
  guint sorted_from[AVD_TURN_TXQ_SIZE];
} AvdTurnTxQueue;

typedef struct {
  guint64 calls;   /* system calls made */
  guint64 dropped; /* datagrams the kernel refused */
} AvdTurnTxResult;

static inline gboolean
avd_turn_txq_is_full (const AvdTurnTxQueue *q)
{
  return q->n == AVD_TURN_TXQ_SIZE;
}

void avd_turn_txq_push  (AvdTurnTxQueue    *q,
                         int                fd,
                         const AvdTurnAddr *to,
                         const AvdTurnAddr *from,
                         const guint8      *data,
                         gsize              len);
void avd_turn_txq_flush (AvdTurnTxQueue    *q,
                         AvdTurnTxResult   *result);
gsize avd_turn_write_pktinfo (struct msghdr     *mh,
                              guint8            *ctrl,
                              gsize              offset,
                              const AvdTurnAddr *from);
void avd_turn_txq_disable_gso (void);

G_END_DECLS
