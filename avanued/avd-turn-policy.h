/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* AvdTurnPolicy: which peer addresses the relay may talk to (DESIGN §7,
 * RFC 8656 §21.2 "Security Considerations: Permissions").  Immutable once
 * built, reference counted, shared read-only by the worker threads. */
#pragma once

#include <glib.h>

#include "avd-turn-addr.h"

G_BEGIN_DECLS

typedef struct _AvdTurnPolicy AvdTurnPolicy;

typedef struct {
  guint8 family; /* AF_INET or AF_INET6 */
  guint8 prefix_len;
  guint8 bytes[16];
} AvdTurnCidr;

gboolean       avd_turn_cidr_parse        (const char        *text,
                                           AvdTurnCidr       *out_cidr);
gboolean       avd_turn_cidr_contains     (const AvdTurnCidr *cidr,
                                           const AvdTurnAddr *addr);

AvdTurnPolicy *avd_turn_policy_new        (gboolean            allow_loopback,
                                           const char * const *allowed,
                                           const char * const *denied,
                                           GError            **error);
AvdTurnPolicy *avd_turn_policy_ref        (AvdTurnPolicy      *self);
void           avd_turn_policy_unref      (AvdTurnPolicy      *self);
gboolean       avd_turn_policy_allows     (const AvdTurnPolicy *self,
                                           const AvdTurnAddr   *peer);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (AvdTurnPolicy, avd_turn_policy_unref)

G_END_DECLS
