/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "AvdTurn"

#include "config.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/udp.h>

#include "avd-turn-txq.h"

/* Datagrams larger than this are sent plain: a GSO send fails outright
 * when a segment does not fit the route's MTU, a plain one fragments. */
#define GSO_MAX_SEGMENT_SIZE 1400
#define GSO_MAX_SEGMENTS 64
#define GSO_MAX_BYTES 60000

static int gso_disabled; /* atomic; set when the kernel refuses UDP_SEGMENT */

void
avd_turn_txq_disable_gso (void)
{
  if (!g_atomic_int_get (&gso_disabled))
    {
      g_atomic_int_set (&gso_disabled, 1);
      g_debug ("UDP GSO is not available; sending datagrams one by one");
    }
}

void
avd_turn_txq_push (AvdTurnTxQueue *q,
                   int fd,
                   const AvdTurnAddr *to,
                   const AvdTurnAddr *from,
                   const guint8 *data,
                   gsize len)
{
  AvdTurnTxEntry *e;

  g_assert (q->n < AVD_TURN_TXQ_SIZE);
  e = &q->entries[q->n++];
  e->fd = fd;
  e->data = data;
  e->len = len;
  e->to = *to;
  e->has_from = from != NULL;
  if (from != NULL)
    e->from = *from;
}

static gsize
put_cmsg (guint8 *ctrl, gsize offset, int level, int type, const void *data, gsize len)
{
  struct cmsghdr c = { .cmsg_len = CMSG_LEN (len), .cmsg_level = level, .cmsg_type = type };

  memset (ctrl + offset, 0, CMSG_SPACE (len));
  memcpy (ctrl + offset, &c, sizeof (c));
  memcpy (ctrl + offset + CMSG_LEN (0), data, len);
  return offset + CMSG_SPACE (len);
}

/* Appends an IP_PKTINFO / IPV6_PKTINFO control message that makes a
 * datagram leave a wildcard socket from @from; returns the new length. */
gsize
avd_turn_write_pktinfo (struct msghdr *mh, guint8 *ctrl, gsize offset, const AvdTurnAddr *from)
{
  if (from->sa.sa_family == AF_INET6)
    {
      struct in6_pktinfo info = { .ipi6_addr = from->in6.sin6_addr };

      offset = put_cmsg (ctrl, offset, IPPROTO_IPV6, IPV6_PKTINFO, &info, sizeof (info));
    }
  else
    {
      struct in_pktinfo info = { .ipi_spec_dst = from->in.sin_addr };

      offset = put_cmsg (ctrl, offset, IPPROTO_IP, IP_PKTINFO, &info, sizeof (info));
    }
  mh->msg_control = ctrl;
  mh->msg_controllen = offset;
  return offset;
}

static inline gboolean
same_flow (const AvdTurnTxEntry *a, const AvdTurnTxEntry *b)
{
  return a->fd == b->fd && avd_turn_addr_equal (&a->to, &b->to) && a->has_from == b->has_from &&
         (!a->has_from || avd_turn_addr_ip_equal (&a->from, &b->from));
}

/* Sends @m, a GSO message the kernel refused, one datagram at a time. */
static void
send_segments (int fd, struct mmsghdr *m, AvdTurnTxResult *result)
{
  struct msghdr *mh = &m->msg_hdr;
  struct iovec *iov = mh->msg_iov;
  gsize n = mh->msg_iovlen;

  for (gsize i = 0; i < n; i++)
    {
      struct msghdr single = *mh;

      single.msg_iov = &iov[i];
      single.msg_iovlen = 1;
      /* Keep only the PKTINFO message, which comes first. */
      if (single.msg_controllen > 0)
        {
          struct cmsghdr *c = CMSG_FIRSTHDR (&single);

          single.msg_controllen = c != NULL && c->cmsg_level != SOL_UDP ? CMSG_SPACE (c->cmsg_len - CMSG_LEN (0)) : 0;
          if (single.msg_controllen == 0)
            single.msg_control = NULL;
        }
      result->calls++;
      if (sendmsg (fd, &single, MSG_DONTWAIT) < 0)
        result->dropped++;
    }
}

void
avd_turn_txq_flush (AvdTurnTxQueue *q, AvdTurnTxResult *result)
{
  gboolean used[AVD_TURN_TXQ_SIZE] = { FALSE };
  gboolean sent[AVD_TURN_TXQ_SIZE] = { FALSE };
  gboolean gso = !g_atomic_int_get (&gso_disabled);
  guint n_msgs = 0;
  guint n_iov = 0;

  if (q->n == 0)
    return;

  /* Build the messages: per flow, in order, same-size runs coalesced. */
  for (guint i = 0; i < q->n; i++)
    {
      const AvdTurnTxEntry *e = &q->entries[i];
      struct mmsghdr *m = &q->msgs[n_msgs];
      guint8 *ctrl = (guint8 *) q->ctrl[n_msgs];
      guint first_iov = n_iov;
      gsize segment = e->len;
      gsize total = e->len;
      guint n_segments = 1;
      gsize ctrl_len = 0;

      if (used[i])
        continue;
      used[i] = TRUE;
      q->iov[n_iov].iov_base = (void *) e->data;
      q->iov[n_iov].iov_len = e->len;
      n_iov++;

      if (gso && segment > 0 && segment <= GSO_MAX_SEGMENT_SIZE)
        {
          for (guint j = i + 1; j < q->n; j++)
            {
              const AvdTurnTxEntry *f = &q->entries[j];

              if (used[j] || !same_flow (e, f))
                continue;
              /* The flow's next datagram: take it if it fits the run,
               * else stop here so that the flow keeps its order. */
              if (f->len > segment || f->len == 0 || n_segments == GSO_MAX_SEGMENTS ||
                  total + f->len > GSO_MAX_BYTES)
                break;
              used[j] = TRUE;
              q->iov[n_iov].iov_base = (void *) f->data;
              q->iov[n_iov].iov_len = f->len;
              n_iov++;
              n_segments++;
              total += f->len;
              if (f->len < segment)
                break; /* a shorter datagram ends a GSO run */
            }
        }

      memset (m, 0, sizeof (*m));
      m->msg_hdr.msg_name = (void *) &e->to;
      m->msg_hdr.msg_namelen = avd_turn_addr_len (&e->to);
      m->msg_hdr.msg_iov = &q->iov[first_iov];
      m->msg_hdr.msg_iovlen = n_segments;
      if (e->has_from)
        ctrl_len = avd_turn_write_pktinfo (&m->msg_hdr, ctrl, ctrl_len, &e->from);
      if (n_segments > 1)
        {
          guint16 size = segment;

          ctrl_len = put_cmsg (ctrl, ctrl_len, SOL_UDP, UDP_SEGMENT, &size, sizeof (size));
          m->msg_hdr.msg_control = ctrl;
          m->msg_hdr.msg_controllen = ctrl_len;
        }
      q->msg_fd[n_msgs] = e->fd;
      q->msg_segments[n_msgs] = n_segments;
      n_msgs++;
    }

  /* One sendmmsg per socket, messages in their order. */
  for (guint i = 0; i < n_msgs; i++)
    {
      int fd = q->msg_fd[i];
      guint n_sorted = 0;
      guint k = 0;

      if (sent[i])
        continue;
      for (guint j = i; j < n_msgs; j++)
        {
          if (!sent[j] && q->msg_fd[j] == fd)
            {
              sent[j] = TRUE;
              q->sorted[n_sorted] = q->msgs[j];
              q->sorted_from[n_sorted] = j;
              n_sorted++;
            }
        }
      while (k < n_sorted)
        {
          int done = sendmmsg (fd, q->sorted + k, n_sorted - k, MSG_DONTWAIT);
          guint segments = q->msg_segments[q->sorted_from[k]];

          result->calls++;
          if (done > 0)
            {
              k += done;
              continue;
            }
          if (done < 0 && errno == EINTR)
            continue;
          if (done < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOBUFS))
            {
              for (; k < n_sorted; k++)
                result->dropped += q->msg_segments[q->sorted_from[k]];
              break;
            }
          if (segments > 1 && (errno == EINVAL || errno == EIO || errno == ENOPROTOOPT || errno == EOPNOTSUPP))
            {
              /* No GSO here (old kernel, device, MTU): send it plainly. */
              avd_turn_txq_disable_gso ();
              send_segments (fd, &q->sorted[k], result);
            }
          else
            result->dropped += segments;
          k++;
        }
    }
  q->n = 0;
}
