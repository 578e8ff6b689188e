/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* AvdTurnWorker: the thread, its epoll set, UDP batching and relay
 * sockets.  See avd-turn-worker.h for the threading model.
 *
 * One epoll round: epoll_wait; for each ready socket, drain up to a few
 * batches of datagrams with recvmmsg; client → peer datagrams are queued
 * while a batch is handled and leave with sendmmsg at its end; peer →
 * client datagrams are received into a pool of buffers, framed in place
 * (ChannelData or Data indication headers go into the headroom in front of
 * the payload) and leave with one sendmmsg per listening socket at the end
 * of the round.  Objects destroyed during a round are freed after it, so
 * that an event already returned by epoll_wait never points at freed
 * memory. */
#define G_LOG_DOMAIN "AvdTurn"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "avd-turn-worker-private.h"

#define EPOLL_MAX_EVENTS 128
/* Batches read from one socket per readiness, for fairness. */
#define MAX_ROUNDS 4
#define TICK_US (G_USEC_PER_SEC / 2)
#define USAGE_FLUSH_US (2 * G_USEC_PER_SEC)
#define STREAM_BUF_SIZE (64 * 1024)
#define KEY_CACHE_SIZE 4096
/* Ports tried when the one picked is taken by another program. */
#define MAX_BIND_TRIES 32

static void worker_flush_to_clients (AvdTurnWorker *self);

static void
worker_update_clock (AvdTurnWorker *self)
{
  self->now_us = g_get_monotonic_time () + self->clock_offset_us;
  self->now_s = self->now_us / G_USEC_PER_SEC;
}

static void
epoll_add (AvdTurnWorker *self, int fd, guint32 events, guint64 data)
{
  struct epoll_event ev = { .events = events, .data.u64 = data };

  if (epoll_ctl (self->epfd, EPOLL_CTL_ADD, fd, &ev) < 0)
    g_warning ("epoll_ctl(ADD) failed: %s", g_strerror (errno));
}

static inline guint64
tag_pointer (gconstpointer ptr, guint tag)
{
  g_assert (((guintptr) ptr & 7) == 0);
  return (guint64) (guintptr) ptr | tag;
}

/* ---- construction -------------------------------------------------------- */

static AvdTurnWorker *
worker_alloc (AvdTurnShared *shared, AvdTurnSettings *settings, guint n_buffers)
{
  AvdTurnWorker *self = g_new0 (AvdTurnWorker, 1);

  self->shared = shared;
  self->settings = avd_turn_settings_ref (settings);
  self->epfd = -1;
  self->evfd = -1;
  pthread_mutex_init (&self->commands_lock, NULL);
  g_queue_init (&self->commands);
  avd_turn_allocation_table_init (&self->table);
  self->graveyard_allocations = g_ptr_array_new_with_free_func ((GDestroyNotify) avd_turn_allocation_free);
  self->graveyard_conns = g_ptr_array_new_with_free_func ((GDestroyNotify) avd_turn_stream_free);
  self->msg = avanue_stun_message_new ();
  self->reply = avanue_stun_message_new ();
  self->keys = avd_turn_key_cache_new (KEY_CACHE_SIZE);
  self->rng = ((guint64) g_random_int () << 32) | g_random_int () | 1;

  /* Untouched pages of the pool cost no memory. */
  self->buffers = g_malloc (2 * n_buffers * AVD_TURN_BUF_SIZE);
  for (guint i = 0; i < n_buffers; i++)
    {
      self->rx_buf[i] = self->buffers + i * AVD_TURN_BUF_SIZE;
      self->relay_buf[i] = self->buffers + (n_buffers + i) * AVD_TURN_BUF_SIZE;

      self->rx_iov[i].iov_base = self->rx_buf[i] + AVD_TURN_HEADROOM;
      self->rx_iov[i].iov_len = AVD_TURN_MAX_DATAGRAM;
      self->rx_msg[i].msg_hdr.msg_name = &self->rx_from[i];
      self->rx_msg[i].msg_hdr.msg_iov = &self->rx_iov[i];
      self->rx_msg[i].msg_hdr.msg_iovlen = 1;

      self->relay_iov[i].iov_base = self->relay_buf[i] + AVD_TURN_HEADROOM;
      self->relay_iov[i].iov_len = AVD_TURN_MAX_DATAGRAM;
      self->relay_msg[i].msg_hdr.msg_name = &self->relay_from[i];
      self->relay_msg[i].msg_hdr.msg_iov = &self->relay_iov[i];
      self->relay_msg[i].msg_hdr.msg_iovlen = 1;
    }
  self->stream_buf = g_malloc (STREAM_BUF_SIZE);
  worker_update_clock (self);
  self->next_tick_us = self->now_us + TICK_US;
  self->next_flush_us = self->now_us + USAGE_FLUSH_US;
  return self;
}

AvdTurnWorker *
avd_turn_worker_new (AvdTurnShared *shared, AvdTurnSettings *settings, guint index, GError **error)
{
  g_autofree AvdTurnWorker *self = worker_alloc (shared, settings, AVD_TURN_BATCH);

  self->index = index;
  self->epfd = epoll_create1 (EPOLL_CLOEXEC);
  self->evfd = eventfd (0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (self->epfd < 0 || self->evfd < 0)
    {
      int saved = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                   "Cannot create the TURN worker's event loop: %s", g_strerror (saved));
      avd_turn_worker_free (g_steal_pointer (&self));
      return NULL;
    }
  epoll_add (self, self->evfd, EPOLLIN, AVD_TURN_TAG_COMMAND);
  return g_steal_pointer (&self);
}

AvdTurnWorker *
avd_turn_worker_new_detached (AvdTurnShared *shared,
                              AvdTurnSettings *settings,
                              AvdTurnOutputFunc output,
                              gpointer user_data)
{
  AvdTurnWorker *self = worker_alloc (shared, settings, 1);

  self->detached = TRUE;
  self->output = output;
  self->output_data = user_data;
  for (guint i = 0; i < shared->n_listen && self->n_listeners < AVD_TURN_MAX_LISTENERS; i++)
    {
      AvdTurnListener *l = &self->listeners[self->n_listeners++];

      l->fd = -1;
      l->transport = AVD_TURN_TRANSPORT_UDP;
      l->addr = shared->listen[i];
      avd_turn_addr_set_port (&l->addr, shared->port);
    }
  return self;
}

static void
worker_end_round (AvdTurnWorker *self)
{
  worker_flush_to_clients (self);
  if (self->n_corked > 0)
    avd_turn_stream_uncork_all (self);
  if (self->graveyard_allocations->len > 0)
    g_ptr_array_set_size (self->graveyard_allocations, 0);
  if (self->graveyard_conns->len > 0)
    g_ptr_array_set_size (self->graveyard_conns, 0);
}

/* Ends every allocation and connection; the worker's thread (or, detached,
 * the owner) calls it once. */
static void
worker_teardown (AvdTurnWorker *self)
{
  while (self->conns != NULL)
    avd_turn_stream_close (self, self->conns);
  while (self->allocations != NULL)
    avd_turn_worker_destroy_allocation (self, self->allocations);
  worker_end_round (self);
}

void
avd_turn_worker_free (AvdTurnWorker *self)
{
  AvdTurnCommand *cmd;

  if (self == NULL)
    return;
  g_return_if_fail (self->thread == NULL);

  worker_teardown (self);
  for (guint i = 0; i < self->n_listeners; i++)
    {
      if (self->listeners[i].fd >= 0)
        close (self->listeners[i].fd);
    }
  if (self->evfd >= 0)
    close (self->evfd);
  if (self->epfd >= 0)
    close (self->epfd);
  while ((cmd = g_queue_pop_head (&self->commands)) != NULL)
    {
      g_clear_pointer (&cmd->settings, avd_turn_settings_unref);
      g_free (cmd->username);
      g_free (cmd);
    }
  pthread_mutex_destroy (&self->commands_lock);
  g_ptr_array_unref (self->graveyard_allocations);
  g_ptr_array_unref (self->graveyard_conns);
  avd_turn_allocation_table_clear (&self->table);
  g_clear_object (&self->msg);
  g_clear_object (&self->reply);
  avd_turn_key_cache_free (self->keys);
  avd_turn_settings_unref (self->settings);
  g_free (self->buffers);
  g_free (self->stream_buf);
  g_free (self);
}

/* ---- sockets ------------------------------------------------------------- */

/* Opens a non-blocking socket bound to @addr (port 0: any): UDP with
 * PKTINFO when @addr is a wildcard, TCP listening.  IPv6 sockets are
 * IPv6-only, so that 0.0.0.0 and :: can both be listened on. */
int
avd_turn_open_socket (const AvdTurnAddr *addr,
                      int type,
                      gboolean reuseport,
                      AvdTurnAddr *out_bound,
                      GError **error)
{
  char text[AVD_TURN_ADDR_STRLEN];
  int one = 1;
  int fd;
  int saved;
  AvdTurnAddr bound;
  socklen_t bound_len = sizeof (bound);

  fd = socket (addr->sa.sa_family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0)
    {
      saved = errno;
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                   "Cannot create a socket: %s", g_strerror (saved));
      return -1;
    }
  if (reuseport)
    setsockopt (fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof (one));
  if (type == SOCK_STREAM)
    setsockopt (fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof (one));
  if (addr->sa.sa_family == AF_INET6)
    setsockopt (fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof (one));
  if (type == SOCK_DGRAM && avd_turn_addr_is_wildcard (addr))
    {
      if (addr->sa.sa_family == AF_INET6)
        setsockopt (fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, &one, sizeof (one));
      else
        setsockopt (fd, IPPROTO_IP, IP_PKTINFO, &one, sizeof (one));
    }

  if (bind (fd, &addr->sa, avd_turn_addr_len (addr)) < 0 ||
      (type == SOCK_STREAM && listen (fd, SOMAXCONN) < 0) ||
      getsockname (fd, &bound.sa, &bound_len) < 0)
    {
      saved = errno;
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                   "Cannot listen on %s/%s: %s", avd_turn_addr_to_string (addr, text),
                   type == SOCK_STREAM ? "tcp" : "udp", g_strerror (saved));
      close (fd);
      return -1;
    }
  if (out_bound != NULL)
    avd_turn_addr_from_sockaddr (&bound.sa, bound_len, out_bound);
  return fd;
}

/* Takes ownership of @fd, a socket from avd_turn_open_socket(). */
gboolean
avd_turn_worker_add_listener (AvdTurnWorker *self,
                              int fd,
                              AvdTurnTransport transport,
                              const AvdTurnAddr *addr,
                              GError **error)
{
  AvdTurnListener *l;
  guint index;

  if (self->n_listeners == AVD_TURN_MAX_LISTENERS)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_FAILED, "Too many TURN listening sockets");
      close (fd);
      return FALSE;
    }
  index = self->n_listeners++;
  l = &self->listeners[index];
  l->fd = fd;
  l->transport = transport;
  l->addr = *addr;
  l->wildcard = avd_turn_addr_is_wildcard (addr);
  if (self->epfd >= 0)
    epoll_add (self, fd, EPOLLIN,
               ((guint64) index << 3) |
                 (transport == AVD_TURN_TRANSPORT_UDP ? AVD_TURN_TAG_LISTEN_UDP : AVD_TURN_TAG_LISTEN_STREAM));
  return TRUE;
}

/* The destination address of a datagram received on a wildcard socket. */
static gboolean
read_pktinfo (struct msghdr *mh, guint16 port, AvdTurnAddr *out_local)
{
  for (struct cmsghdr *c = CMSG_FIRSTHDR (mh); c != NULL; c = CMSG_NXTHDR (mh, c))
    {
      if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO)
        {
          struct in_pktinfo info;

          memcpy (&info, CMSG_DATA (c), sizeof (info));
          memset (out_local, 0, sizeof (*out_local));
          out_local->in.sin_family = AF_INET;
          out_local->in.sin_addr = info.ipi_addr;
          out_local->in.sin_port = g_htons (port);
          return TRUE;
        }
      if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_PKTINFO)
        {
          struct in6_pktinfo info;

          memcpy (&info, CMSG_DATA (c), sizeof (info));
          memset (out_local, 0, sizeof (*out_local));
          out_local->in6.sin6_family = AF_INET6;
          out_local->in6.sin6_addr = info.ipi6_addr;
          out_local->in6.sin6_port = g_htons (port);
          return TRUE;
        }
    }
  return FALSE;
}

/* ---- output -------------------------------------------------------------- */

/* Sends one datagram or frame to a client now: STUN responses. */
void
avd_turn_worker_send_to_client (AvdTurnWorker *self, const AvdTurnOrigin *origin, const guint8 *data, gsize len)
{
  AvdTurnListener *l;
  struct iovec iov = { (void *) data, len };
  struct msghdr mh = { 0 };
  guint64 ctrl[AVD_TURN_TXQ_CTRL_SIZE / 8];

  if (origin->conn != NULL)
    {
      avd_turn_stream_send (self, origin->conn, data, len, FALSE);
      return;
    }
  if (self->detached)
    {
      self->output (AVD_TURN_OUTPUT_TO_CLIENT, &origin->client, data, len, self->output_data);
      return;
    }
  l = &self->listeners[origin->listener];
  mh.msg_name = (void *) &origin->client;
  mh.msg_namelen = avd_turn_addr_len (&origin->client);
  mh.msg_iov = &iov;
  mh.msg_iovlen = 1;
  if (l->wildcard)
    avd_turn_write_pktinfo (&mh, (guint8 *) ctrl, 0, &origin->local);
  avd_turn_stat_add (&self->stats.send_calls, 1);
  if (sendmsg (l->fd, &mh, MSG_DONTWAIT) < 0)
    avd_turn_stat_add (&self->stats.packets_dropped, 1);
}

static void
flush_queue (AvdTurnWorker *self, AvdTurnTxQueue *q)
{
  AvdTurnTxResult result = { 0 };

  avd_turn_txq_flush (q, &result);
  avd_turn_stat_add (&self->stats.send_calls, result.calls);
  if (result.dropped > 0)
    avd_turn_stat_add (&self->stats.packets_dropped, result.dropped);
}

void
avd_turn_worker_flush_to_peers (AvdTurnWorker *self)
{
  if (self->to_peers.n > 0)
    flush_queue (self, &self->to_peers);
}

static void
worker_flush_to_clients (AvdTurnWorker *self)
{
  if (self->to_clients.n > 0)
    flush_queue (self, &self->to_clients);
  self->relay_used = 0;
}

void
avd_turn_worker_relay_to_peer (AvdTurnWorker *self,
                               AvdTurnAllocation *allocation,
                               guint family_index,
                               const AvdTurnAddr *peer,
                               const guint8 *data,
                               gsize len)
{
  int fd = allocation->relay_fd[family_index];

  if (self->detached)
    {
      self->output (AVD_TURN_OUTPUT_TO_PEER, peer, data, len, self->output_data);
      return;
    }
  if (!self->batching)
    {
      avd_turn_stat_add (&self->stats.send_calls, 1);
      if (sendto (fd, data, len, MSG_DONTWAIT, &peer->sa, avd_turn_addr_len (peer)) < 0)
        avd_turn_stat_add (&self->stats.packets_dropped, 1);
      return;
    }
  if (avd_turn_txq_is_full (&self->to_peers))
    avd_turn_worker_flush_to_peers (self);
  avd_turn_txq_push (&self->to_peers, fd, peer, NULL, data, len);
}

/* @frame points into a relay buffer, which stays put until the round ends
 * or the pool is flushed. */
void
avd_turn_worker_relay_to_client (AvdTurnWorker *self,
                                 AvdTurnAllocation *allocation,
                                 const guint8 *frame,
                                 gsize len)
{
  AvdTurnListener *l;

  if (allocation->conn != NULL)
    {
      avd_turn_stream_send (self, allocation->conn, frame, len, TRUE);
      return;
    }
  if (self->detached)
    {
      self->output (AVD_TURN_OUTPUT_TO_CLIENT, &allocation->client, frame, len, self->output_data);
      return;
    }
  l = &self->listeners[allocation->listener];
  /* As many queue slots as relay buffers: never full here. */
  g_assert (!avd_turn_txq_is_full (&self->to_clients));
  avd_turn_txq_push (&self->to_clients, l->fd, &allocation->client, l->wildcard ? &allocation->local : NULL,
                     frame, len);
}

/* ---- receiving ----------------------------------------------------------- */

static void
worker_udp_readable (AvdTurnWorker *self, guint index)
{
  AvdTurnListener *l = &self->listeners[index];
  guint16 port = avd_turn_addr_get_port (&l->addr);
  AvdTurnOrigin origin = { .transport = AVD_TURN_TRANSPORT_UDP, .listener = index };

  for (int round = 0; round < MAX_ROUNDS; round++)
    {
      int n;

      if (g_atomic_int_get (&self->commands_pending))
        avd_turn_worker_run_commands (self);
      for (guint i = 0; i < AVD_TURN_BATCH; i++)
        {
          struct msghdr *mh = &self->rx_msg[i].msg_hdr;

          mh->msg_namelen = sizeof (AvdTurnAddr);
          mh->msg_control = l->wildcard ? self->rx_ctrl[i] : NULL;
          mh->msg_controllen = l->wildcard ? AVD_TURN_CTRL_SIZE : 0;
          mh->msg_flags = 0;
        }
      n = recvmmsg (l->fd, self->rx_msg, AVD_TURN_BATCH, MSG_DONTWAIT, NULL);
      avd_turn_stat_add (&self->stats.recv_calls, 1);
      if (n <= 0)
        return;

      self->batching = TRUE;
      for (int i = 0; i < n; i++)
        {
          struct msghdr *mh = &self->rx_msg[i].msg_hdr;

          if ((mh->msg_flags & (MSG_TRUNC | MSG_CTRUNC)) != 0 ||
              !avd_turn_addr_from_sockaddr (&self->rx_from[i].sa, mh->msg_namelen, &origin.client))
            {
              avd_turn_stat_add (&self->stats.packets_dropped, 1);
              continue;
            }
          if (!l->wildcard || !read_pktinfo (mh, port, &origin.local))
            origin.local = l->addr;
          avd_turn_handle_client_packet (self, &origin, self->rx_buf[i] + AVD_TURN_HEADROOM,
                                         self->rx_msg[i].msg_len);
        }
      avd_turn_worker_flush_to_peers (self);
      self->batching = FALSE;
      if (n < AVD_TURN_BATCH)
        return;
    }
}

static void
worker_relay_readable (AvdTurnWorker *self, AvdTurnAllocation *allocation, guint family_index)
{
  int fd = allocation->relay_fd[family_index];

  for (int round = 0; round < MAX_ROUNDS && !allocation->dead; round++)
    {
      guint first;
      guint avail;
      int n;

      if (self->relay_used == AVD_TURN_BATCH)
        worker_flush_to_clients (self);
      first = self->relay_used;
      avail = AVD_TURN_BATCH - first;
      for (guint i = first; i < AVD_TURN_BATCH; i++)
        {
          self->relay_msg[i].msg_hdr.msg_namelen = sizeof (AvdTurnAddr);
          self->relay_msg[i].msg_hdr.msg_flags = 0;
        }
      n = recvmmsg (fd, &self->relay_msg[first], avail, MSG_DONTWAIT, NULL);
      avd_turn_stat_add (&self->stats.recv_calls, 1);
      if (n <= 0)
        return;
      self->relay_used += n;

      for (guint i = first; i < first + (guint) n && !allocation->dead; i++)
        {
          struct msghdr *mh = &self->relay_msg[i].msg_hdr;
          AvdTurnAddr from;

          if ((mh->msg_flags & MSG_TRUNC) != 0 ||
              !avd_turn_addr_from_sockaddr (&self->relay_from[i].sa, mh->msg_namelen, &from))
            {
              avd_turn_stat_add (&self->stats.packets_dropped, 1);
              continue;
            }
          avd_turn_handle_peer_packet (self, allocation, family_index, &from,
                                       self->relay_buf[i] + AVD_TURN_HEADROOM,
                                       self->relay_msg[i].msg_len);
        }
      if ((guint) n < avail)
        return;
    }
}

/* ---- relays -------------------------------------------------------------- */

/* Opens the relayed transport address of @family_index for @allocation
 * (whose local address is set): bound to [turn] external-ip's private
 * address, or to the address the client reached, or to a listen address
 * of that family; announced as external-ip's public address or as bound.
 * On failure *out_error_code is 440 (no address of that family) or 508
 * (no port). */
gboolean
avd_turn_worker_open_relay (AvdTurnWorker *self,
                            AvdTurnAllocation *allocation,
                            guint family_index,
                            AvdTurnPortMode mode,
                            guint16 fixed_port,
                            gboolean dont_fragment,
                            guint64 *out_token,
                            guint *out_error_code)
{
  AvdTurnRelayFamily *rf = &self->shared->relay[family_index];
  int family = family_index == 1 ? AF_INET6 : AF_INET;
  AvdTurnAddr bind_addr;
  AvdTurnAddr public_addr;
  int fd = -1;
  int port = -1;

  if (rf->has_private)
    bind_addr = rf->private_addr;
  else if (allocation->local.sa.sa_family == family && !avd_turn_addr_is_wildcard (&allocation->local))
    bind_addr = allocation->local;
  else if (rf->has_default)
    bind_addr = rf->default_addr;
  else if (rf->has_public)
    {
      memset (&bind_addr, 0, sizeof (bind_addr));
      bind_addr.sa.sa_family = family;
    }
  else
    {
      *out_error_code = 440;
      return FALSE;
    }
  public_addr = rf->has_public ? rf->public_addr : bind_addr;
  if (avd_turn_addr_is_wildcard (&public_addr))
    {
      if (mode == AVD_TURN_PORT_FIXED)
        avd_turn_shared_port_release (self->shared, family_index, fixed_port);
      *out_error_code = 440;
      return FALSE;
    }

  if (!self->detached)
    {
      fd = socket (family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
      if (fd < 0)
        {
          if (mode == AVD_TURN_PORT_FIXED)
            avd_turn_shared_port_release (self->shared, family_index, fixed_port);
          *out_error_code = 508;
          return FALSE;
        }
      if (family == AF_INET6)
        {
          int one = 1;

          setsockopt (fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof (one));
          if (dont_fragment)
            setsockopt (fd, IPPROTO_IPV6, IPV6_DONTFRAG, &one, sizeof (one));
        }
      else if (dont_fragment)
        {
          int pmtu = IP_PMTUDISC_DO;

          setsockopt (fd, IPPROTO_IP, IP_MTU_DISCOVER, &pmtu, sizeof (pmtu));
        }
    }

  for (int tries = 0; tries < MAX_BIND_TRIES; tries++)
    {
      switch (mode)
        {
        case AVD_TURN_PORT_FIXED:
          port = fixed_port;
          break;
        case AVD_TURN_PORT_EVEN_RESERVE_NEXT:
          port = avd_turn_shared_port_take_pair (self->shared, family_index);
          break;
        case AVD_TURN_PORT_EVEN:
        case AVD_TURN_PORT_ANY:
        default:
          port = avd_turn_shared_port_take (self->shared, family_index, mode == AVD_TURN_PORT_EVEN);
          break;
        }
      if (port < 0)
        break;
      avd_turn_addr_set_port (&bind_addr, port);
      if (fd < 0 || bind (fd, &bind_addr.sa, avd_turn_addr_len (&bind_addr)) == 0)
        break;
      avd_turn_shared_port_release (self->shared, family_index, port);
      if (mode == AVD_TURN_PORT_EVEN_RESERVE_NEXT)
        avd_turn_shared_port_release (self->shared, family_index, port + 1);
      port = -1;
      if (mode == AVD_TURN_PORT_FIXED || (errno != EADDRINUSE && errno != EACCES))
        break;
    }
  if (port < 0)
    {
      if (fd >= 0)
        close (fd);
      *out_error_code = 508;
      return FALSE;
    }

  if (mode == AVD_TURN_PORT_EVEN_RESERVE_NEXT)
    *out_token = avd_turn_shared_reserve (self->shared, family_index, port + 1);
  allocation->relay_fd[family_index] = fd;
  allocation->relay_addr[family_index] = bind_addr;
  allocation->relay_public[family_index] = public_addr;
  avd_turn_addr_set_port (&allocation->relay_public[family_index], port);
  allocation->has_relay[family_index] = TRUE;
  allocation->port_taken[family_index] = TRUE;
  if (fd >= 0)
    epoll_add (self, fd, EPOLLIN,
               tag_pointer (allocation, family_index == 1 ? AVD_TURN_TAG_RELAY6 : AVD_TURN_TAG_RELAY4));
  return TRUE;
}

void
avd_turn_worker_add_allocation (AvdTurnWorker *self, AvdTurnAllocation *allocation)
{
  if (allocation->conn != NULL)
    ((AvdTurnConn *) allocation->conn)->allocation = allocation;
  else
    avd_turn_allocation_table_insert (&self->table, allocation);
  allocation->prev = NULL;
  allocation->next = self->allocations;
  if (self->allocations != NULL)
    self->allocations->prev = allocation;
  self->allocations = allocation;
  self->n_allocations++;
  avd_turn_stat_add (&self->stats.allocations_created, 1);
}

/* Ends @allocation now: its relay sockets close, its ports, quota and
 * unreported bytes go back to the shared state; the memory is freed at the
 * end of the round.  Also for an allocation that was never added. */
void
avd_turn_worker_destroy_allocation (AvdTurnWorker *self, AvdTurnAllocation *allocation)
{
  gboolean listed = allocation->prev != NULL || self->allocations == allocation;

  if (allocation->dead)
    return;
  /* Queued datagrams may leave through its relay sockets. */
  avd_turn_worker_flush_to_peers (self);
  allocation->dead = TRUE;

  if (listed)
    {
      if (allocation->conn != NULL)
        ((AvdTurnConn *) allocation->conn)->allocation = NULL;
      else
        avd_turn_allocation_table_remove (&self->table, allocation);
      if (allocation->prev != NULL)
        allocation->prev->next = allocation->next;
      else
        self->allocations = allocation->next;
      if (allocation->next != NULL)
        allocation->next->prev = allocation->prev;
      allocation->prev = allocation->next = NULL;
      self->n_allocations--;
    }

  for (guint i = 0; i < 2; i++)
    {
      if (allocation->relay_fd[i] >= 0)
        {
          epoll_ctl (self->epfd, EPOLL_CTL_DEL, allocation->relay_fd[i], NULL);
          close (allocation->relay_fd[i]);
          allocation->relay_fd[i] = -1;
        }
      if (allocation->port_taken[i])
        {
          avd_turn_shared_port_release (self->shared, i, avd_turn_addr_get_port (&allocation->relay_addr[i]));
          allocation->port_taken[i] = FALSE;
        }
    }
  if (allocation->username != NULL)
    {
      avd_turn_shared_add_usage (self->shared, allocation->username,
                                 allocation->bytes_relayed - allocation->bytes_reported, listed);
      allocation->bytes_reported = allocation->bytes_relayed;
      if (allocation->quota_taken)
        avd_turn_shared_quota_release (self->shared, allocation->username);
      allocation->quota_taken = FALSE;
    }
  g_ptr_array_add (self->graveyard_allocations, allocation);
}

/* ---- timers and commands ------------------------------------------------- */

static void
worker_flush_usage (AvdTurnWorker *self)
{
  for (AvdTurnAllocation *a = self->allocations; a != NULL; a = a->next)
    {
      guint64 delta = a->bytes_relayed - a->bytes_reported;

      if (delta > 0)
        {
          avd_turn_shared_add_usage (self->shared, a->username, delta, FALSE);
          a->bytes_reported = a->bytes_relayed;
        }
    }
}

static void
worker_tick (AvdTurnWorker *self)
{
  AvdTurnAllocation *next;

  for (AvdTurnAllocation *a = self->allocations; a != NULL; a = next)
    {
      next = a->next;
      if (a->expires <= self->now_s)
        avd_turn_worker_destroy_allocation (self, a);
      else
        avd_turn_allocation_prune (a, self->now_s);
    }
  avd_turn_stream_tick (self);
  if (self->now_us >= self->next_flush_us)
    {
      worker_flush_usage (self);
      self->next_flush_us = self->now_us + USAGE_FLUSH_US;
    }
  self->next_tick_us = self->now_us + TICK_US;
}

static void
command_free (AvdTurnCommand *cmd)
{
  g_clear_pointer (&cmd->settings, avd_turn_settings_unref);
  g_free (cmd->username);
  g_free (cmd);
}

/* Applies what the control thread sent; safe in the middle of a round. */
void
avd_turn_worker_run_commands (AvdTurnWorker *self)
{
  AvdTurnCommand *cmd;

  g_atomic_int_set (&self->commands_pending, 0);
  for (;;)
    {
      pthread_mutex_lock (&self->commands_lock);
      cmd = g_queue_pop_head (&self->commands);
      pthread_mutex_unlock (&self->commands_lock);
      if (cmd == NULL)
        break;
      switch (cmd->type)
        {
        case CMD_SETTINGS:
          avd_turn_settings_unref (self->settings);
          self->settings = g_steal_pointer (&cmd->settings);
          /* Secrets or realm may have changed. */
          avd_turn_key_cache_clear (self->keys);
          break;
        case CMD_REVOKE:
          {
            AvdTurnAllocation *next;

            for (AvdTurnAllocation *a = self->allocations; a != NULL; a = next)
              {
                next = a->next;
                if (g_str_equal (a->username, cmd->username))
                  avd_turn_worker_destroy_allocation (self, a);
              }
          }
          break;
        case CMD_STOP:
          self->stopping = TRUE;
          break;
        default:
          g_assert_not_reached ();
        }
      command_free (cmd);
    }
}

void
avd_turn_worker_apply_commands (AvdTurnWorker *self)
{
  avd_turn_worker_run_commands (self);
  if (self->detached)
    worker_end_round (self);
}

static void
push_command (AvdTurnWorker *self, AvdTurnCommand *cmd)
{
  guint64 one = 1;

  pthread_mutex_lock (&self->commands_lock);
  g_queue_push_tail (&self->commands, cmd);
  pthread_mutex_unlock (&self->commands_lock);
  g_atomic_int_set (&self->commands_pending, 1);
  if (self->evfd >= 0 && write (self->evfd, &one, sizeof (one)) < 0 && errno != EAGAIN)
    g_warning ("Cannot wake TURN worker %u: %s", self->index, g_strerror (errno));
}

void
avd_turn_worker_push_settings (AvdTurnWorker *self, AvdTurnSettings *settings)
{
  AvdTurnCommand *cmd = g_new0 (AvdTurnCommand, 1);

  cmd->type = CMD_SETTINGS;
  cmd->settings = avd_turn_settings_ref (settings);
  push_command (self, cmd);
}

void
avd_turn_worker_push_revoke (AvdTurnWorker *self, const char *username)
{
  AvdTurnCommand *cmd = g_new0 (AvdTurnCommand, 1);

  cmd->type = CMD_REVOKE;
  cmd->username = g_strdup (username);
  push_command (self, cmd);
}

void
avd_turn_worker_read_stats (AvdTurnWorker *self, AvdTurnWorkerStats *out)
{
  const AvdTurnWorkerStats *s = &self->stats;

  out->packets_relayed = avd_turn_stat_get (&s->packets_relayed);
  out->bytes_relayed = avd_turn_stat_get (&s->bytes_relayed);
  out->packets_dropped = avd_turn_stat_get (&s->packets_dropped);
  out->allocations_created = avd_turn_stat_get (&s->allocations_created);
  out->requests = avd_turn_stat_get (&s->requests);
  out->connections = avd_turn_stat_get (&s->connections);
  out->wakeups = avd_turn_stat_get (&s->wakeups);
  out->recv_calls = avd_turn_stat_get (&s->recv_calls);
  out->send_calls = avd_turn_stat_get (&s->send_calls);
  for (guint i = 0; i < AVD_TURN_N_ERROR_CODES; i++)
    out->errors[i] = avd_turn_stat_get (&s->errors[i]);
}

/* ---- the thread ---------------------------------------------------------- */

static gpointer
worker_thread (gpointer data)
{
  AvdTurnWorker *self = data;
  struct epoll_event events[EPOLL_MAX_EVENTS];

  worker_update_clock (self);
  self->next_tick_us = self->now_us + TICK_US;
  self->next_flush_us = self->now_us + USAGE_FLUSH_US;

  while (!self->stopping)
    {
      gint64 wait_us = self->next_tick_us - self->now_us;
      int timeout_ms = wait_us <= 0 ? 0 : (int) (wait_us / 1000) + 1;
      int n = epoll_wait (self->epfd, events, EPOLL_MAX_EVENTS, timeout_ms);

      if (n < 0 && errno != EINTR)
        {
          g_warning ("TURN worker %u: epoll_wait failed: %s", self->index, g_strerror (errno));
          break;
        }
      worker_update_clock (self);
      avd_turn_stat_add (&self->stats.wakeups, 1);
      /* What the control thread sent before these packets arrived applies
       * to them (a revocation, new secrets). */
      if (g_atomic_int_get (&self->commands_pending))
        avd_turn_worker_run_commands (self);

      for (int i = 0; i < n; i++)
        {
          guint64 u = events[i].data.u64;
          gpointer ptr = (gpointer) (guintptr) (u & ~G_GUINT64_CONSTANT (7));

          switch (u & 7)
            {
            case AVD_TURN_TAG_LISTEN_UDP:
              worker_udp_readable (self, u >> 3);
              break;
            case AVD_TURN_TAG_LISTEN_STREAM:
              avd_turn_stream_accept (self, u >> 3);
              break;
            case AVD_TURN_TAG_CONN:
              if (!((AvdTurnConn *) ptr)->dead)
                avd_turn_stream_event (self, ptr, events[i].events);
              break;
            case AVD_TURN_TAG_RELAY4:
            case AVD_TURN_TAG_RELAY6:
              if (!((AvdTurnAllocation *) ptr)->dead)
                worker_relay_readable (self, ptr, (u & 7) == AVD_TURN_TAG_RELAY6 ? 1 : 0);
              break;
            case AVD_TURN_TAG_COMMAND:
              {
                guint64 count;

                if (read (self->evfd, &count, sizeof (count)) < 0 && errno != EAGAIN)
                  g_warning ("TURN worker %u: cannot read its eventfd: %s", self->index, g_strerror (errno));
                avd_turn_worker_run_commands (self);
              }
              break;
            default:
              g_assert_not_reached ();
            }
        }
      worker_end_round (self);
      if (self->now_us >= self->next_tick_us)
        {
          worker_tick (self);
          worker_end_round (self);
        }
    }

  worker_teardown (self);
  return NULL;
}

gboolean
avd_turn_worker_start (AvdTurnWorker *self, GError **error)
{
  g_autofree char *name = g_strdup_printf ("turn-worker-%u", self->index);

  g_return_val_if_fail (!self->detached, FALSE);
  g_return_val_if_fail (self->thread == NULL, FALSE);

  self->thread = g_thread_try_new (name, worker_thread, self, error);
  return self->thread != NULL;
}

void
avd_turn_worker_stop (AvdTurnWorker *self)
{
  AvdTurnCommand *cmd;

  if (self->thread == NULL)
    return;
  cmd = g_new0 (AvdTurnCommand, 1);
  cmd->type = CMD_STOP;
  push_command (self, cmd);
  g_thread_join (g_steal_pointer (&self->thread));
}

/* ---- detached workers ---------------------------------------------------- */

void
avd_turn_worker_inject_datagram (AvdTurnWorker *self,
                                 guint listener,
                                 const AvdTurnAddr *from,
                                 const guint8 *data,
                                 gsize len)
{
  AvdTurnOrigin origin = { .transport = AVD_TURN_TRANSPORT_UDP };

  g_return_if_fail (self->detached);

  if (self->n_listeners == 0)
    return;
  len = MIN (len, AVD_TURN_MAX_DATAGRAM);
  worker_update_clock (self);
  origin.listener = listener % self->n_listeners;
  origin.client = *from;
  origin.local = self->listeners[origin.listener].addr;
  memcpy (self->rx_buf[0] + AVD_TURN_HEADROOM, data, len);
  avd_turn_handle_client_packet (self, &origin, self->rx_buf[0] + AVD_TURN_HEADROOM, len);
  worker_end_round (self);
}

void
avd_turn_worker_inject_peer (AvdTurnWorker *self,
                             guint nth_allocation,
                             const AvdTurnAddr *from,
                             const guint8 *data,
                             gsize len)
{
  AvdTurnAllocation *a = self->allocations;
  guint family_index = avd_turn_family_index (from->sa.sa_family);

  g_return_if_fail (self->detached);

  if (self->n_allocations == 0)
    return;
  for (guint i = 0; i < nth_allocation % self->n_allocations; i++)
    a = a->next;
  if (!a->has_relay[family_index])
    return;
  len = MIN (len, AVD_TURN_MAX_DATAGRAM);
  worker_update_clock (self);
  memcpy (self->relay_buf[0] + AVD_TURN_HEADROOM, data, len);
  avd_turn_handle_peer_packet (self, a, family_index, from, self->relay_buf[0] + AVD_TURN_HEADROOM, len);
  worker_end_round (self);
}

void
avd_turn_worker_inject_stream (AvdTurnWorker *self,
                               guint nth_connection,
                               const AvdTurnAddr *from,
                               const guint8 *data,
                               gsize len)
{
  AvdTurnConn *conn;

  g_return_if_fail (self->detached);

  worker_update_clock (self);
  if (self->n_conns < 4 && nth_connection >= self->n_conns)
    {
      AvdTurnAddr local = self->n_listeners > 0 ? self->listeners[0].addr : *from;

      conn = avd_turn_stream_add_conn (self, -1, AVD_TURN_TRANSPORT_TCP, from, &local);
    }
  else
    {
      if (self->n_conns == 0)
        return;
      conn = self->conns;
      for (guint i = 0; i < nth_connection % self->n_conns; i++)
        conn = conn->next;
    }
  avd_turn_stream_feed (self, conn, data, len);
  worker_end_round (self);
}

void
avd_turn_worker_advance_clock (AvdTurnWorker *self, gint64 us)
{
  g_return_if_fail (self->detached);

  self->clock_offset_us += MAX (us, 0);
  worker_update_clock (self);
  worker_tick (self);
  worker_end_round (self);
}

guint
avd_turn_worker_get_n_allocations (AvdTurnWorker *self)
{
  return self->n_allocations;
}
