/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <arpa/inet.h>
#include <stdio.h>

#include "avd-turn-addr.h"

gboolean
avd_turn_addr_is_wildcard (const AvdTurnAddr *addr)
{
  if (addr->sa.sa_family == AF_INET)
    return addr->in.sin_addr.s_addr == htonl (INADDR_ANY);
  if (addr->sa.sa_family == AF_INET6)
    return IN6_IS_ADDR_UNSPECIFIED (&addr->in6.sin6_addr);
  return FALSE;
}

/* Parses an IPv4 or IPv6 literal (brackets allowed around IPv6); no host
 * names, no ports. */
gboolean
avd_turn_addr_parse (const char *text, guint16 port, AvdTurnAddr *out_addr)
{
  char buf[INET6_ADDRSTRLEN + 2];
  gsize len;

  memset (out_addr, 0, sizeof (*out_addr));
  if (text == NULL)
    return FALSE;
  len = strlen (text);
  if (len >= 2 && text[0] == '[' && text[len - 1] == ']')
    {
      text++;
      len -= 2;
    }
  if (len == 0 || len >= sizeof (buf))
    return FALSE;
  memcpy (buf, text, len);
  buf[len] = '\0';

  if (inet_pton (AF_INET, buf, &out_addr->in.sin_addr) == 1)
    {
      out_addr->in.sin_family = AF_INET;
      out_addr->in.sin_port = g_htons (port);
      return TRUE;
    }
  if (inet_pton (AF_INET6, buf, &out_addr->in6.sin6_addr) == 1)
    {
      out_addr->in6.sin6_family = AF_INET6;
      out_addr->in6.sin6_port = g_htons (port);
      return TRUE;
    }
  return FALSE;
}

/* Copies an IPv4 or IPv6 socket address; @sa may be @out_addr itself. */
gboolean
avd_turn_addr_from_sockaddr (const struct sockaddr *sa, socklen_t len, AvdTurnAddr *out_addr)
{
  AvdTurnAddr copy;

  memset (&copy, 0, sizeof (copy));
  if (sa != NULL && sa->sa_family == AF_INET && len >= sizeof (struct sockaddr_in))
    memcpy (&copy.in, sa, sizeof (struct sockaddr_in));
  else if (sa != NULL && sa->sa_family == AF_INET6 && len >= sizeof (struct sockaddr_in6))
    {
      memcpy (&copy.in6, sa, sizeof (struct sockaddr_in6));
      copy.in6.sin6_flowinfo = 0;
    }
  *out_addr = copy;
  return copy.sa.sa_family != 0;
}

const char *
avd_turn_addr_to_string (const AvdTurnAddr *addr, char buf[AVD_TURN_ADDR_STRLEN])
{
  char ip[INET6_ADDRSTRLEN];

  if (addr->sa.sa_family == AF_INET)
    {
      inet_ntop (AF_INET, &addr->in.sin_addr, ip, sizeof (ip));
      g_snprintf (buf, AVD_TURN_ADDR_STRLEN, "%s:%u", ip, avd_turn_addr_get_port (addr));
    }
  else if (addr->sa.sa_family == AF_INET6)
    {
      inet_ntop (AF_INET6, &addr->in6.sin6_addr, ip, sizeof (ip));
      g_snprintf (buf, AVD_TURN_ADDR_STRLEN, "[%s]:%u", ip, avd_turn_addr_get_port (addr));
    }
  else
    {
      g_strlcpy (buf, "(none)", AVD_TURN_ADDR_STRLEN);
    }
  return buf;
}
