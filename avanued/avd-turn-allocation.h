/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* TURN allocations (RFC 8656 §2.2, §9, §12) as one worker holds them: the
 * 5-tuple, the relayed transport addresses, permissions and channels, the
 * bandwidth bucket and the byte counters.  Plain structs, no GObject, no
 * locks: an allocation lives and dies in the worker that created it.
 *
 * Permissions and channels are small arrays searched linearly: a WebRTC
 * allocation has one to a handful, and a scan of a few cache lines beats a
 * hash on the data path.  Their count is bounded (508 beyond). */
#pragma once

#include <glib.h>

#include "avd-turn-addr.h"
#include "avd-turn-shared.h"

G_BEGIN_DECLS

/* Channel numbers: RFC 8656 narrowed them to 0x4000–0x4FFF, RFC 5766
 * allowed up to 0x7FFF and coturn-era clients still use that range
 * (turnutils_uclient binds 0x5422): accepted, ChannelData is recognised
 * by its first two bits (01) either way. */
#define AVD_TURN_MIN_CHANNEL 0x4000
#define AVD_TURN_MAX_CHANNEL 0x7FFF
#define AVD_TURN_MAX_PERMISSIONS 128
#define AVD_TURN_MAX_CHANNELS 128
/* RFC 8656 §12: a channel and its peer stay reserved 5 minutes after the
 * binding expires. */
#define AVD_TURN_CHANNEL_COOLDOWN_S 300

typedef struct {
  AvdTurnAddr peer; /* the port is ignored */
  gint64 expires;   /* worker clock, seconds */
} AvdTurnPermission;

typedef struct {
  AvdTurnAddr peer;
  gint64 expires;
  guint16 number;
} AvdTurnChannel;

typedef struct _AvdTurnAllocation AvdTurnAllocation;

struct _AvdTurnAllocation
{
  AvdTurnAllocation *hash_next;
  AvdTurnAllocation *prev;
  AvdTurnAllocation *next;
  gboolean dead;        /* destroyed; freed at the end of the epoll round */
  gboolean quota_taken; /* counted in AvdTurnShared's quotas */

  /* the 5-tuple: (listener or connection, client address) */
  AvdTurnTransport transport;
  int listener;  /* UDP: index of the listening socket */
  gpointer conn; /* TCP/TLS: the AvdTurnConn */
  AvdTurnAddr client;
  AvdTurnAddr local; /* the server address the client reached */

  /* relayed transport addresses, per family ([0] IPv4, [1] IPv6) */
  int relay_fd[2];
  AvdTurnAddr relay_addr[2];   /* bound */
  AvdTurnAddr relay_public[2]; /* announced in XOR-RELAYED-ADDRESS */
  gboolean has_relay[2];
  gboolean port_taken[2];

  gint64 expires;
  guint8 transaction_id[12]; /* of the Allocate, to answer retransmissions */
  char *username;

  AvdTurnPermission *permissions;
  guint16 n_permissions;
  guint16 cap_permissions;
  AvdTurnChannel *channels;
  guint16 n_channels;
  guint16 cap_channels;

  /* bandwidth (bytes); unused when max-bps is 0 */
  gint64 tokens;
  gint64 tokens_updated_us;

  /* accounting, payload bytes */
  guint64 bytes_relayed;
  guint64 bytes_reported;
};

typedef enum {
  AVD_TURN_BIND_OK,
  AVD_TURN_BIND_CONFLICT, /* number or peer bound otherwise: 400 */
  AVD_TURN_BIND_FULL,     /* 508 */
} AvdTurnBindResult;

AvdTurnAllocation *avd_turn_allocation_new  (void);
void               avd_turn_allocation_free (AvdTurnAllocation *self);

gboolean           avd_turn_allocation_has_permission (const AvdTurnAllocation *self,
                                                       const AvdTurnAddr       *peer,
                                                       gint64                   now);
gboolean           avd_turn_allocation_add_permission (AvdTurnAllocation *self,
                                                       const AvdTurnAddr *peer,
                                                       gint64             expires);
const AvdTurnChannel *avd_turn_allocation_channel_by_number (const AvdTurnAllocation *self,
                                                             guint16                  number,
                                                             gint64                   now);
const AvdTurnChannel *avd_turn_allocation_channel_by_peer   (const AvdTurnAllocation *self,
                                                             const AvdTurnAddr       *peer,
                                                             gint64                   now);
AvdTurnBindResult  avd_turn_allocation_bind_channel (AvdTurnAllocation *self,
                                                     guint16            number,
                                                     const AvdTurnAddr *peer,
                                                     gint64             now,
                                                     gint64             expires);
void               avd_turn_allocation_prune        (AvdTurnAllocation *self,
                                                     gint64             now);
gboolean           avd_turn_allocation_take_tokens  (AvdTurnAllocation *self,
                                                     guint64            max_bps,
                                                     gsize              bytes,
                                                     gint64             now_us);

/* UDP allocations by (listener, client address): chained hashing over a
 * power-of-two bucket array, intrusive (no allocation per entry). */
typedef struct {
  AvdTurnAllocation **buckets;
  guint n_buckets;
  guint n_entries;
  guint32 seed;
} AvdTurnAllocationTable;

void               avd_turn_allocation_table_init   (AvdTurnAllocationTable *table);
void               avd_turn_allocation_table_clear  (AvdTurnAllocationTable *table);
AvdTurnAllocation *avd_turn_allocation_table_lookup (AvdTurnAllocationTable *table,
                                                     int                     listener,
                                                     const AvdTurnAddr      *client);
void               avd_turn_allocation_table_insert (AvdTurnAllocationTable *table,
                                                     AvdTurnAllocation      *allocation);
void               avd_turn_allocation_table_remove (AvdTurnAllocationTable *table,
                                                     AvdTurnAllocation      *allocation);

G_END_DECLS
