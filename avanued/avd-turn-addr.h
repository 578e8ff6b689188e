/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Socket addresses as the TURN relay handles them: one union big enough for
 * IPv4 and IPv6, compared, hashed and printed without allocating. */
#pragma once

#include <glib.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>

G_BEGIN_DECLS

typedef union {
  struct sockaddr sa;
  struct sockaddr_in in;
  struct sockaddr_in6 in6;
} AvdTurnAddr;

/* "[ffff:…]:65535" plus NUL */
#define AVD_TURN_ADDR_STRLEN 64

static inline socklen_t
avd_turn_addr_len (const AvdTurnAddr *addr)
{
  return addr->sa.sa_family == AF_INET6 ? sizeof (struct sockaddr_in6) : sizeof (struct sockaddr_in);
}

static inline guint16
avd_turn_addr_get_port (const AvdTurnAddr *addr)
{
  return g_ntohs (addr->sa.sa_family == AF_INET6 ? addr->in6.sin6_port : addr->in.sin_port);
}

static inline void
avd_turn_addr_set_port (AvdTurnAddr *addr, guint16 port)
{
  if (addr->sa.sa_family == AF_INET6)
    addr->in6.sin6_port = g_htons (port);
  else
    addr->in.sin_port = g_htons (port);
}

/* Same family and IP address; the port is not compared. */
static inline gboolean
avd_turn_addr_ip_equal (const AvdTurnAddr *a, const AvdTurnAddr *b)
{
  if (a->sa.sa_family != b->sa.sa_family)
    return FALSE;
  if (a->sa.sa_family == AF_INET)
    return a->in.sin_addr.s_addr == b->in.sin_addr.s_addr;
  return memcmp (&a->in6.sin6_addr, &b->in6.sin6_addr, 16) == 0;
}

/* Same family, IP address and port. */
static inline gboolean
avd_turn_addr_equal (const AvdTurnAddr *a, const AvdTurnAddr *b)
{
  if (a->sa.sa_family != b->sa.sa_family)
    return FALSE;
  if (a->sa.sa_family == AF_INET)
    return a->in.sin_port == b->in.sin_port && a->in.sin_addr.s_addr == b->in.sin_addr.s_addr;
  return a->in6.sin6_port == b->in6.sin6_port &&
         memcmp (&a->in6.sin6_addr, &b->in6.sin6_addr, 16) == 0;
}

static inline guint32
avd_turn_mix32 (guint32 h)
{
  h ^= h >> 16;
  h *= 0x7feb352dU;
  h ^= h >> 15;
  h *= 0x846ca68bU;
  h ^= h >> 16;
  return h;
}

/* A hash of the IP address and port, mixed with @seed. */
static inline guint32
avd_turn_addr_hash (const AvdTurnAddr *addr, guint32 seed)
{
  guint32 h = seed;

  if (addr->sa.sa_family == AF_INET)
    {
      h ^= addr->in.sin_addr.s_addr;
      h = avd_turn_mix32 (h ^ addr->in.sin_port);
    }
  else
    {
      guint32 words[4];

      memcpy (words, &addr->in6.sin6_addr, 16);
      h = avd_turn_mix32 (h ^ words[0]);
      h = avd_turn_mix32 (h ^ words[1]);
      h = avd_turn_mix32 (h ^ words[2]);
      h = avd_turn_mix32 (h ^ words[3] ^ ((guint32) addr->in6.sin6_port << 16));
    }
  return h;
}

gboolean     avd_turn_addr_is_wildcard   (const AvdTurnAddr *addr);
gboolean     avd_turn_addr_parse         (const char        *text,
                                          guint16            port,
                                          AvdTurnAddr       *out_addr);
gboolean     avd_turn_addr_from_sockaddr (const struct sockaddr *sa,
                                          socklen_t              len,
                                          AvdTurnAddr           *out_addr);
const char  *avd_turn_addr_to_string     (const AvdTurnAddr *addr,
                                          char               buf[AVD_TURN_ADDR_STRLEN]);

G_END_DECLS
