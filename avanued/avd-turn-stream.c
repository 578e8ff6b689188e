/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* TURN over TCP and TLS (RFC 8656 §3.1, RFC 8489 §6.2.2): connections
 * accepted by the worker whose SO_REUSEPORT listening socket the kernel
 * chose, and kept there.
 *
 * Input is cut into frames with avanue_stun_peek_frame_length(): STUN
 * messages and ChannelData messages padded to a multiple of 4.  Frames are
 * handled where they lie in the read buffer; only a frame split across
 * reads is copied, into a per-connection buffer that exists only while it
 * is needed.
 *
 * Output goes straight to the socket; what the socket does not take waits
 * in a per-connection queue (EPOLLOUT).  Relayed data is dropped, a whole
 * frame at a time, while that queue is over a limit: a slow client must
 * not make the relay buffer without bound.  Relayed frames are corked: a
 * connection collects those of one epoll round and writes them with one
 * system call at its end (gnutls_record_cork() for TLS).  Datagrams a
 * read produces for peers leave in one batch before the next read.
 *
 * TLS is GnuTLS in non-blocking mode over the same functions: its push
 * function writes into the queue logic above, so a record is never half
 * sent from GnuTLS's point of view. */
#define G_LOG_DOMAIN "AvdTurn"

#include "config.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "avd-turn-worker-private.h"

#define READS_PER_EVENT 16
#define OUT_QUEUE_LIMIT (512 * 1024)
#define IDLE_TIMEOUT_S 120   /* a connection without allocation */
#define HANDSHAKE_TIMEOUT_S 10
#define MAX_CONNS_PER_WORKER 65536
/* The largest frame: a STUN message with a 65532-byte body, or ChannelData
 * of 65535 bytes padded to 65536. */
#define MAX_FRAME (4 + 65536)
#define SMALL_BUFFER 4096

static void
conn_set_want_write (AvdTurnWorker *self, AvdTurnConn *conn, gboolean want)
{
  struct epoll_event ev;

  if (conn->want_write == want || conn->fd < 0)
    return;
  conn->want_write = want;
  ev.events = EPOLLIN | (want ? EPOLLOUT : 0);
  ev.data.u64 = (guint64) (guintptr) conn | AVD_TURN_TAG_CONN;
  epoll_ctl (self->epfd, EPOLL_CTL_MOD, conn->fd, &ev);
}

AvdTurnConn *
avd_turn_stream_add_conn (AvdTurnWorker *self,
                          int fd,
                          AvdTurnTransport transport,
                          const AvdTurnAddr *client,
                          const AvdTurnAddr *local)
{
  AvdTurnConn *conn = g_new0 (AvdTurnConn, 1);

  g_assert (((guintptr) conn & 7) == 0);
  conn->worker = self;
  conn->fd = fd;
  conn->transport = transport;
  conn->client = *client;
  conn->local = *local;
  conn->created_s = self->now_s;
  conn->last_active_s = self->now_s;
  conn->next = self->conns;
  if (self->conns != NULL)
    self->conns->prev = conn;
  self->conns = conn;
  self->n_conns++;
  avd_turn_stat_add (&self->stats.connections, 1);
  if (fd >= 0)
    {
      struct epoll_event ev = { .events = EPOLLIN, .data.u64 = (guint64) (guintptr) conn | AVD_TURN_TAG_CONN };

      epoll_ctl (self->epfd, EPOLL_CTL_ADD, fd, &ev);
    }
  return conn;
}

void
avd_turn_stream_free (AvdTurnConn *conn)
{
  if (conn->tls != NULL)
    gnutls_deinit (conn->tls);
  g_free (conn->in_buf);
  g_free (conn->out_buf);
  g_free (conn);
}

void
avd_turn_stream_close (AvdTurnWorker *self, AvdTurnConn *conn)
{
  if (conn->dead)
    return;
  conn->dead = TRUE;
  /* RFC 8656 §3.1: the allocation goes with its connection. */
  if (conn->allocation != NULL)
    avd_turn_worker_destroy_allocation (self, conn->allocation);
  if (conn->fd >= 0)
    {
      epoll_ctl (self->epfd, EPOLL_CTL_DEL, conn->fd, NULL);
      close (conn->fd);
      conn->fd = -1;
    }
  if (conn->prev != NULL)
    conn->prev->next = conn->next;
  else
    self->conns = conn->next;
  if (conn->next != NULL)
    conn->next->prev = conn->prev;
  conn->prev = conn->next = NULL;
  self->n_conns--;
  g_ptr_array_add (self->graveyard_conns, conn);
}

/* Appends to the output queue, compacting what was already sent. */
static void
conn_queue (AvdTurnConn *conn, const guint8 *data, gsize len)
{
  if (conn->out_off > 0)
    {
      memmove (conn->out_buf, conn->out_buf + conn->out_off, conn->out_len);
      conn->out_off = 0;
    }
  if (conn->out_len + len > conn->out_cap)
    {
      conn->out_cap = MAX (conn->out_len + len, MAX (conn->out_cap * 2, SMALL_BUFFER));
      conn->out_buf = g_realloc (conn->out_buf, conn->out_cap);
    }
  memcpy (conn->out_buf + conn->out_len, data, len);
  conn->out_len += len;
}

/* Writes @data to the socket, queueing what it does not take (or all of
 * it while the connection is corked or already waiting).  FALSE when the
 * connection is broken. */
static gboolean
conn_write_raw (AvdTurnWorker *self, AvdTurnConn *conn, const guint8 *data, gsize len)
{
  gsize written = 0;

  if (conn->fd < 0)
    {
      if (self->detached && !conn->dead)
        self->output (AVD_TURN_OUTPUT_TO_CLIENT, &conn->client, data, len, self->output_data);
      return !conn->dead;
    }
  if (conn->out_len == 0 && !conn->corked)
    {
      while (written < len)
        {
          ssize_t n = send (conn->fd, data + written, len - written, MSG_DONTWAIT | MSG_NOSIGNAL);

          if (n > 0)
            written += n;
          else if (n < 0 && errno == EINTR)
            continue;
          else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            break;
          else
            return FALSE;
        }
      if (written == len)
        return TRUE;
    }

  conn_queue (conn, data + written, len - written);
  if (!conn->corked)
    conn_set_want_write (self, conn, TRUE);
  return TRUE;
}

static void
conn_flush (AvdTurnWorker *self, AvdTurnConn *conn)
{
  while (conn->out_len > 0)
    {
      ssize_t n = send (conn->fd, conn->out_buf + conn->out_off, conn->out_len, MSG_DONTWAIT | MSG_NOSIGNAL);

      if (n > 0)
        {
          conn->out_off += n;
          conn->out_len -= n;
        }
      else if (n < 0 && errno == EINTR)
        continue;
      else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
        {
          conn_set_want_write (self, conn, TRUE);
          return;
        }
      else
        {
          avd_turn_stream_close (self, conn);
          return;
        }
    }
  conn->out_off = 0;
  if (conn->out_cap > SMALL_BUFFER)
    {
      g_clear_pointer (&conn->out_buf, g_free);
      conn->out_cap = 0;
    }
  conn_set_want_write (self, conn, FALSE);
}

static ssize_t
tls_push (gnutls_transport_ptr_t ptr, const void *data, size_t len)
{
  AvdTurnConn *conn = ptr;

  if (!conn_write_raw (conn->worker, conn, data, len))
    {
      gnutls_transport_set_errno (conn->tls, EPIPE);
      return -1;
    }
  return len;
}

static ssize_t
tls_pull (gnutls_transport_ptr_t ptr, void *data, size_t len)
{
  AvdTurnConn *conn = ptr;
  ssize_t n = recv (conn->fd, data, len, 0);

  if (n < 0)
    gnutls_transport_set_errno (conn->tls, errno);
  return n;
}

/* Sends one frame to the client.  @droppable frames (relayed data) are
 * dropped when the output queue is over its limit. */
gboolean
avd_turn_stream_send (AvdTurnWorker *self, AvdTurnConn *conn, const guint8 *data, gsize len, gboolean droppable)
{
  gsize sent = 0;

  if (conn->dead)
    return FALSE;
  if (droppable && (conn->out_len > OUT_QUEUE_LIMIT || conn->handshaking))
    {
      avd_turn_stat_add (&self->stats.packets_dropped, 1);
      return FALSE;
    }
  if (droppable && conn->fd >= 0 && !conn->corked)
    {
      if (self->n_corked == AVD_TURN_BATCH)
        avd_turn_stream_uncork_all (self);
      conn->corked = TRUE;
      self->corked[self->n_corked++] = conn;
      if (conn->tls != NULL)
        gnutls_record_cork (conn->tls);
    }
  if (conn->corked && conn->tls == NULL)
    {
      /* Held in the output queue until the end of the round. */
      conn_queue (conn, data, len);
      return TRUE;
    }
  if (conn->tls == NULL)
    {
      if (!conn_write_raw (self, conn, data, len))
        {
          avd_turn_stream_close (self, conn);
          return FALSE;
        }
      return TRUE;
    }
  while (sent < len)
    {
      ssize_t n = gnutls_record_send (conn->tls, data + sent, len - sent);

      if (n > 0)
        sent += n;
      else if (n == GNUTLS_E_INTERRUPTED || n == GNUTLS_E_AGAIN)
        continue;
      else
        {
          avd_turn_stream_close (self, conn);
          return FALSE;
        }
    }
  return TRUE;
}

/* Reads the length of the frame at @data (at least 4 bytes).  FALSE when
 * the stream holds neither STUN nor ChannelData, or ChannelData before any
 * allocation (an HTTP request looks like channel 0x4745): close it. */
static gboolean
frame_acceptable (AvdTurnConn *conn, const guint8 *data, gsize len, gsize *out_frame_len)
{
  if ((data[0] & 0xC0) == 0x40)
    {
      /* ChannelData, channels 0x4000–0x7FFF (see AVD_TURN_MAX_CHANNEL),
       * padded to 4 on streams. */
      if (conn->allocation == NULL)
        return FALSE;
      *out_frame_len = 4 + ((((gsize) data[2] << 8 | data[3]) + 3) & ~(gsize) 3);
      return TRUE;
    }
  return avanue_stun_peek_frame_length (data, len, out_frame_len, NULL) && *out_frame_len <= MAX_FRAME;
}

/* Cuts @data into frames and handles them; keeps a trailing partial frame. */
void
avd_turn_stream_feed (AvdTurnWorker *self, AvdTurnConn *conn, const guint8 *data, gsize len)
{
  AvdTurnOrigin origin = {
    .transport = conn->transport,
    .listener = -1,
    .conn = conn,
    .client = conn->client,
    .local = conn->local,
  };

  while (len > 0 && !conn->dead)
    {
      gsize frame_len = 0;

      if (conn->in_len > 0)
        {
          gsize take;

          /* Complete the header first, then the frame. */
          if (conn->in_len < 4)
            {
              take = MIN (4 - conn->in_len, len);
              memcpy (conn->in_buf + conn->in_len, data, take);
              conn->in_len += take;
              data += take;
              len -= take;
              if (conn->in_len < 4)
                return;
            }
          if (!frame_acceptable (conn, conn->in_buf, conn->in_len, &frame_len))
            {
              avd_turn_stream_close (self, conn);
              return;
            }
          if (conn->in_cap < frame_len)
            {
              conn->in_buf = g_realloc (conn->in_buf, frame_len);
              conn->in_cap = frame_len;
            }
          take = MIN (frame_len - conn->in_len, len);
          memcpy (conn->in_buf + conn->in_len, data, take);
          conn->in_len += take;
          data += take;
          len -= take;
          if (conn->in_len < frame_len)
            return;
          conn->in_len = 0;
          avd_turn_handle_client_packet (self, &origin, conn->in_buf, frame_len);
          /* in_buf is written into again next: what points into it goes. */
          avd_turn_worker_flush_to_peers (self);
          if (!conn->dead && conn->in_cap > SMALL_BUFFER)
            {
              g_clear_pointer (&conn->in_buf, g_free);
              conn->in_cap = 0;
            }
          continue;
        }

      if (len >= 4)
        {
          if (!frame_acceptable (conn, data, len, &frame_len))
            {
              avd_turn_stream_close (self, conn);
              return;
            }
          if (frame_len <= len)
            {
              avd_turn_handle_client_packet (self, &origin, data, frame_len);
              data += frame_len;
              len -= frame_len;
              continue;
            }
        }

      /* A partial frame: keep it for the next read. */
      if (conn->in_cap < MAX (len, 4))
        {
          conn->in_cap = MAX (MAX (len, 4), MIN (frame_len, MAX_FRAME));
          conn->in_buf = g_realloc (conn->in_buf, conn->in_cap);
        }
      memcpy (conn->in_buf, data, len);
      conn->in_len = len;
      return;
    }
}

static void
conn_read (AvdTurnWorker *self, AvdTurnConn *conn)
{
  if (conn->handshaking)
    {
      int r = gnutls_handshake (conn->tls);

      if (r == GNUTLS_E_AGAIN || r == GNUTLS_E_INTERRUPTED)
        return;
      if (r < 0)
        {
          if (gnutls_error_is_fatal (r))
            avd_turn_stream_close (self, conn);
          return;
        }
      conn->handshaking = FALSE;
    }

  for (int i = 0; i < READS_PER_EVENT && !conn->dead; i++)
    {
      ssize_t n;

      if (conn->tls != NULL)
        {
          n = gnutls_record_recv (conn->tls, self->stream_buf, 64 * 1024);
          if (n == GNUTLS_E_AGAIN)
            return;
          if (n == GNUTLS_E_INTERRUPTED || (n < 0 && !gnutls_error_is_fatal (n)))
            continue;
        }
      else
        {
          n = recv (conn->fd, self->stream_buf, 64 * 1024, 0);
          if (n < 0 && errno == EINTR)
            continue;
          if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            return;
        }
      if (n <= 0)
        {
          avd_turn_stream_close (self, conn);
          return;
        }
      conn->last_active_s = self->now_s;
      /* Datagrams for peers point into stream_buf: out before it is
       * read into again. */
      self->batching = TRUE;
      avd_turn_stream_feed (self, conn, self->stream_buf, n);
      avd_turn_worker_flush_to_peers (self);
      self->batching = FALSE;
    }
}

void
avd_turn_stream_event (AvdTurnWorker *self, AvdTurnConn *conn, guint32 events)
{
  if ((events & EPOLLERR) != 0)
    {
      avd_turn_stream_close (self, conn);
      return;
    }
  if ((events & EPOLLOUT) != 0)
    conn_flush (self, conn);
  if (!conn->dead && (events & (EPOLLIN | EPOLLHUP)) != 0)
    conn_read (self, conn);
}

void
avd_turn_stream_accept (AvdTurnWorker *self, guint index)
{
  AvdTurnListener *l = &self->listeners[index];

  for (int i = 0; i < 64; i++)
    {
      AvdTurnAddr client_raw, local_raw;
      AvdTurnAddr client, local;
      socklen_t client_len = sizeof (client_raw);
      socklen_t local_len = sizeof (local_raw);
      AvdTurnConn *conn;
      int one = 1;
      int fd;

      fd = accept4 (l->fd, &client_raw.sa, &client_len, SOCK_NONBLOCK | SOCK_CLOEXEC);
      if (fd < 0)
        {
          if (errno == EINTR || errno == ECONNABORTED)
            continue;
          if (errno == EMFILE || errno == ENFILE)
            g_warning ("TURN worker %u cannot accept: %s", self->index, g_strerror (errno));
          return;
        }
      if (self->n_conns >= MAX_CONNS_PER_WORKER ||
          getsockname (fd, &local_raw.sa, &local_len) < 0 ||
          !avd_turn_addr_from_sockaddr (&client_raw.sa, client_len, &client) ||
          !avd_turn_addr_from_sockaddr (&local_raw.sa, local_len, &local))
        {
          close (fd);
          continue;
        }
      setsockopt (fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof (one));

      conn = avd_turn_stream_add_conn (self, fd, l->transport, &client, &local);
      if (l->transport == AVD_TURN_TRANSPORT_TLS)
        {
          if (gnutls_init (&conn->tls, GNUTLS_SERVER | GNUTLS_NONBLOCK | GNUTLS_NO_SIGNAL) < 0 ||
              gnutls_priority_set (conn->tls, self->shared->tls_priority) < 0 ||
              gnutls_credentials_set (conn->tls, GNUTLS_CRD_CERTIFICATE, self->shared->tls_credentials) < 0)
            {
              avd_turn_stream_close (self, conn);
              continue;
            }
          gnutls_certificate_server_set_request (conn->tls, GNUTLS_CERT_IGNORE);
          gnutls_transport_set_ptr (conn->tls, conn);
          gnutls_transport_set_push_function (conn->tls, tls_push);
          gnutls_transport_set_pull_function (conn->tls, tls_pull);
          conn->handshaking = TRUE;
        }
    }
}

/* Writes what the corked connections collected during the round. */
void
avd_turn_stream_uncork_all (AvdTurnWorker *self)
{
  for (guint i = 0; i < self->n_corked; i++)
    {
      AvdTurnConn *conn = self->corked[i];

      conn->corked = FALSE;
      if (conn->dead)
        continue;
      if (conn->tls != NULL)
        {
          int r;

          do
            r = gnutls_record_uncork (conn->tls, 0);
          while (r == GNUTLS_E_AGAIN || r == GNUTLS_E_INTERRUPTED);
          if (r < 0)
            {
              avd_turn_stream_close (self, conn);
              continue;
            }
        }
      if (conn->out_len > 0 && !conn->want_write)
        conn_flush (self, conn);
    }
  self->n_corked = 0;
}

/* Closes connections that have been idle without an allocation, or stuck
 * in a TLS handshake. */
void
avd_turn_stream_tick (AvdTurnWorker *self)
{
  AvdTurnConn *next;

  for (AvdTurnConn *conn = self->conns; conn != NULL; conn = next)
    {
      next = conn->next;
      if ((conn->handshaking && self->now_s - conn->created_s >= HANDSHAKE_TIMEOUT_S) ||
          (conn->allocation == NULL && self->now_s - conn->last_active_s >= IDLE_TIMEOUT_S))
        avd_turn_stream_close (self, conn);
    }
}
