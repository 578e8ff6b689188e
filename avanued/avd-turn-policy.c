/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Peer address policy.  The order of the checks is the contract of
 * [turn] allowed-peers / denied-peers / allow-loopback-peers:
 *
 *   1. an address in allowed-peers is allowed;
 *   2. an address in denied-peers is denied;
 *   3. loopback (127.0.0.0/8, ::1) is allowed iff allow-loopback-peers;
 *   4. the built-in deny list (unspecified, "this network", private,
 *      shared CGN space, link-local, IETF protocol assignments, multicast,
 *      reserved and broadcast; IPv6 unspecified, site-local, unique-local,
 *      link-local, multicast and discard-only) denies;
 *   5. anything else is allowed.
 *
 * IPv6 addresses that embed an IPv4 address (IPv4-mapped ::ffff:0:0/96,
 * IPv4-compatible ::/96 and NAT64 64:ff9b::/96) are judged by the IPv4
 * address they carry, so that ::ffff:10.0.0.1 is as private as 10.0.0.1.
 * Rules 1 and 2 look at both forms. */
#include "config.h"

#include <arpa/inet.h>
#include <gio/gio.h>

#include "avd-turn-policy.h"

struct _AvdTurnPolicy
{
  gboolean allow_loopback;
  AvdTurnCidr *allowed;
  gsize n_allowed;
  AvdTurnCidr *denied;
  gsize n_denied;
};

typedef struct {
  const char *cidr;
  gboolean loopback;
} BuiltinRange;

static const BuiltinRange builtin_ranges[] = {
  { "0.0.0.0/8", FALSE },
  { "10.0.0.0/8", FALSE },
  { "100.64.0.0/10", FALSE },
  { "127.0.0.0/8", TRUE },
  { "169.254.0.0/16", FALSE },
  { "172.16.0.0/12", FALSE },
  { "192.0.0.0/24", FALSE },
  { "192.168.0.0/16", FALSE },
  { "224.0.0.0/4", FALSE },
  { "240.0.0.0/4", FALSE },
  { "::/128", FALSE },
  { "::1/128", TRUE },
  { "100::/64", FALSE },
  { "fc00::/7", FALSE },
  { "fe80::/10", FALSE },
  { "fec0::/10", FALSE },
  { "ff00::/8", FALSE },
};

static AvdTurnCidr builtin_cidrs[G_N_ELEMENTS (builtin_ranges)];

static void
ensure_builtins (void)
{
  static gsize initialized = 0;

  if (g_once_init_enter (&initialized))
    {
      for (gsize i = 0; i < G_N_ELEMENTS (builtin_ranges); i++)
        {
          gboolean ok = avd_turn_cidr_parse (builtin_ranges[i].cidr, &builtin_cidrs[i]);

          g_assert (ok);
        }
      g_once_init_leave (&initialized, 1);
    }
}

/* "10.0.0.0/8", "2001:db8::/32", or a bare address (a /32 or /128). */
gboolean
avd_turn_cidr_parse (const char *text, AvdTurnCidr *out_cidr)
{
  g_autofree char *copy = NULL;
  char *slash;
  AvdTurnAddr addr;
  guint max_len;
  guint64 prefix_len;

  memset (out_cidr, 0, sizeof (*out_cidr));
  if (text == NULL)
    return FALSE;
  copy = g_strstrip (g_strdup (text));
  slash = strchr (copy, '/');
  if (slash != NULL)
    *slash = '\0';
  if (!avd_turn_addr_parse (copy, 0, &addr))
    return FALSE;

  max_len = addr.sa.sa_family == AF_INET ? 32 : 128;
  prefix_len = max_len;
  if (slash != NULL &&
      !g_ascii_string_to_unsigned (slash + 1, 10, 0, max_len, &prefix_len, NULL))
    return FALSE;

  out_cidr->family = addr.sa.sa_family;
  out_cidr->prefix_len = prefix_len;
  if (addr.sa.sa_family == AF_INET)
    memcpy (out_cidr->bytes, &addr.in.sin_addr, 4);
  else
    memcpy (out_cidr->bytes, &addr.in6.sin6_addr, 16);

  /* Clear the host bits, so that "10.1.2.3/8" means 10.0.0.0/8. */
  for (guint bit = prefix_len; bit < max_len; bit++)
    out_cidr->bytes[bit / 8] &= ~(0x80 >> (bit % 8));
  return TRUE;
}

static gboolean
prefix_matches (const guint8 *bytes, const AvdTurnCidr *cidr)
{
  guint full = cidr->prefix_len / 8;
  guint rest = cidr->prefix_len % 8;

  if (memcmp (bytes, cidr->bytes, full) != 0)
    return FALSE;
  if (rest == 0)
    return TRUE;
  return (bytes[full] & (guint8) (0xFF << (8 - rest))) == cidr->bytes[full];
}

gboolean
avd_turn_cidr_contains (const AvdTurnCidr *cidr, const AvdTurnAddr *addr)
{
  if (cidr->family != addr->sa.sa_family)
    return FALSE;
  if (addr->sa.sa_family == AF_INET)
    return prefix_matches ((const guint8 *) &addr->in.sin_addr, cidr);
  return prefix_matches ((const guint8 *) &addr->in6.sin6_addr, cidr);
}

/* If @addr is an IPv6 address that carries an IPv4 one, writes that to
 * @out_v4. */
static gboolean
embedded_ipv4 (const AvdTurnAddr *addr, AvdTurnAddr *out_v4)
{
  static const guint8 nat64[12] = { 0x00, 0x64, 0xff, 0x9b, 0, 0, 0, 0, 0, 0, 0, 0 };
  const struct in6_addr *a6;

  if (addr->sa.sa_family != AF_INET6)
    return FALSE;
  a6 = &addr->in6.sin6_addr;
  if (!IN6_IS_ADDR_V4MAPPED (a6) && !IN6_IS_ADDR_V4COMPAT (a6) && memcmp (a6->s6_addr, nat64, 12) != 0)
    return FALSE;
  memset (out_v4, 0, sizeof (*out_v4));
  out_v4->in.sin_family = AF_INET;
  out_v4->in.sin_port = addr->in6.sin6_port;
  memcpy (&out_v4->in.sin_addr, a6->s6_addr + 12, 4);
  return TRUE;
}

static gboolean
list_contains (const AvdTurnCidr *list, gsize n, const AvdTurnAddr *addr, const AvdTurnAddr *v4)
{
  for (gsize i = 0; i < n; i++)
    if (avd_turn_cidr_contains (&list[i], addr) || (v4 != NULL && avd_turn_cidr_contains (&list[i], v4)))
      return TRUE;
  return FALSE;
}

static gboolean
parse_list (const char * const *texts, AvdTurnCidr **out_list, gsize *out_n, const char *what, GError **error)
{
  gsize n = texts != NULL ? g_strv_length ((char **) texts) : 0;
  g_autofree AvdTurnCidr *list = g_new0 (AvdTurnCidr, MAX (n, 1));

  for (gsize i = 0; i < n; i++)
    {
      if (!avd_turn_cidr_parse (texts[i], &list[i]))
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                       "[turn] %s: ‘%s’ is not an IP address or CIDR range", what, texts[i]);
          return FALSE;
        }
    }
  *out_list = g_steal_pointer (&list);
  *out_n = n;
  return TRUE;
}

static void
policy_clear (AvdTurnPolicy *self)
{
  g_free (self->allowed);
  g_free (self->denied);
}

AvdTurnPolicy *
avd_turn_policy_new (gboolean            allow_loopback,
                     const char * const *allowed,
                     const char * const *denied,
                     GError            **error)
{
  AvdTurnPolicy *self;

  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  ensure_builtins ();
  self = g_atomic_rc_box_new0 (AvdTurnPolicy);
  self->allow_loopback = allow_loopback;
  if (!parse_list (allowed, &self->allowed, &self->n_allowed, "allowed-peers", error) ||
      !parse_list (denied, &self->denied, &self->n_denied, "denied-peers", error))
    {
      avd_turn_policy_unref (self);
      return NULL;
    }
  return self;
}

AvdTurnPolicy *
avd_turn_policy_ref (AvdTurnPolicy *self)
{
  return g_atomic_rc_box_acquire (self);
}

void
avd_turn_policy_unref (AvdTurnPolicy *self)
{
  g_atomic_rc_box_release_full (self, (GDestroyNotify) policy_clear);
}

gboolean
avd_turn_policy_allows (const AvdTurnPolicy *self, const AvdTurnAddr *peer)
{
  AvdTurnAddr v4_storage;
  const AvdTurnAddr *v4 = NULL;
  const AvdTurnAddr *judged = peer;

  if (peer->sa.sa_family != AF_INET && peer->sa.sa_family != AF_INET6)
    return FALSE;
  if (embedded_ipv4 (peer, &v4_storage))
    {
      v4 = &v4_storage;
      judged = v4;
    }

  if (list_contains (self->allowed, self->n_allowed, peer, v4))
    return TRUE;
  if (list_contains (self->denied, self->n_denied, peer, v4))
    return FALSE;
  for (gsize i = 0; i < G_N_ELEMENTS (builtin_cidrs); i++)
    {
      if (avd_turn_cidr_contains (&builtin_cidrs[i], judged))
        return builtin_ranges[i].loopback && self->allow_loopback;
    }
  return TRUE;
}
