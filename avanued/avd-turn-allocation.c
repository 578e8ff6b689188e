/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "avd-turn-allocation.h"

/* Bandwidth bucket depth: this many seconds of max-bps, so that a burst
 * (a key frame) passes while the average stays bounded. */
#define BUCKET_SECONDS 1

AvdTurnAllocation *
avd_turn_allocation_new (void)
{
  AvdTurnAllocation *self = g_new0 (AvdTurnAllocation, 1);

  self->relay_fd[0] = -1;
  self->relay_fd[1] = -1;
  self->listener = -1;
  return self;
}

void
avd_turn_allocation_free (AvdTurnAllocation *self)
{
  if (self == NULL)
    return;
  g_free (self->username);
  g_free (self->permissions);
  g_free (self->channels);
  g_free (self);
}

gboolean
avd_turn_allocation_has_permission (const AvdTurnAllocation *self, const AvdTurnAddr *peer, gint64 now)
{
  for (guint i = 0; i < self->n_permissions; i++)
    {
      const AvdTurnPermission *p = &self->permissions[i];

      if (avd_turn_addr_ip_equal (&p->peer, peer))
        return p->expires > now;
    }
  return FALSE;
}

/* Installs or refreshes the permission for the IP address of @peer;
 * FALSE when the allocation already has as many as it may. */
gboolean
avd_turn_allocation_add_permission (AvdTurnAllocation *self, const AvdTurnAddr *peer, gint64 expires)
{
  AvdTurnPermission *p;

  for (guint i = 0; i < self->n_permissions; i++)
    {
      p = &self->permissions[i];
      if (avd_turn_addr_ip_equal (&p->peer, peer))
        {
          p->expires = MAX (p->expires, expires);
          return TRUE;
        }
    }
  if (self->n_permissions >= AVD_TURN_MAX_PERMISSIONS)
    return FALSE;
  if (self->n_permissions == self->cap_permissions)
    {
      self->cap_permissions = self->cap_permissions == 0 ? 2 : self->cap_permissions * 2;
      self->permissions = g_renew (AvdTurnPermission, self->permissions, self->cap_permissions);
    }
  p = &self->permissions[self->n_permissions++];
  p->peer = *peer;
  avd_turn_addr_set_port (&p->peer, 0);
  p->expires = expires;
  return TRUE;
}

const AvdTurnChannel *
avd_turn_allocation_channel_by_number (const AvdTurnAllocation *self, guint16 number, gint64 now)
{
  for (guint i = 0; i < self->n_channels; i++)
    {
      const AvdTurnChannel *c = &self->channels[i];

      if (c->number == number)
        return c->expires > now ? c : NULL;
    }
  return NULL;
}

const AvdTurnChannel *
avd_turn_allocation_channel_by_peer (const AvdTurnAllocation *self, const AvdTurnAddr *peer, gint64 now)
{
  for (guint i = 0; i < self->n_channels; i++)
    {
      const AvdTurnChannel *c = &self->channels[i];

      if (avd_turn_addr_equal (&c->peer, peer))
        return c->expires > now ? c : NULL;
    }
  return NULL;
}

/* RFC 8656 §12.2: binds @number to @peer or refreshes that binding.  A
 * number bound to another peer, or a peer bound to another number, is a
 * conflict, also during the 5 minutes after such a binding expired. */
AvdTurnBindResult
avd_turn_allocation_bind_channel (AvdTurnAllocation *self,
                                  guint16 number,
                                  const AvdTurnAddr *peer,
                                  gint64 now,
                                  gint64 expires)
{
  AvdTurnChannel *c;

  for (guint i = 0; i < self->n_channels; i++)
    {
      c = &self->channels[i];
      if (c->number == number && avd_turn_addr_equal (&c->peer, peer))
        {
          c->expires = MAX (c->expires, expires);
          return AVD_TURN_BIND_OK;
        }
      if (c->number == number || avd_turn_addr_equal (&c->peer, peer))
        return AVD_TURN_BIND_CONFLICT;
    }
  if (self->n_channels >= AVD_TURN_MAX_CHANNELS)
    return AVD_TURN_BIND_FULL;
  if (self->n_channels == self->cap_channels)
    {
      self->cap_channels = self->cap_channels == 0 ? 1 : self->cap_channels * 2;
      self->channels = g_renew (AvdTurnChannel, self->channels, self->cap_channels);
    }
  c = &self->channels[self->n_channels++];
  c->number = number;
  c->peer = *peer;
  c->expires = expires;
  return AVD_TURN_BIND_OK;
}

/* Drops expired permissions, and channels past their cool-down. */
void
avd_turn_allocation_prune (AvdTurnAllocation *self, gint64 now)
{
  guint j = 0;

  for (guint i = 0; i < self->n_permissions; i++)
    {
      if (self->permissions[i].expires > now)
        self->permissions[j++] = self->permissions[i];
    }
  self->n_permissions = j;

  j = 0;
  for (guint i = 0; i < self->n_channels; i++)
    {
      if (self->channels[i].expires + AVD_TURN_CHANNEL_COOLDOWN_S > now)
        self->channels[j++] = self->channels[i];
    }
  self->n_channels = j;

  if (self->n_permissions == 0 && self->cap_permissions > 0)
    {
      g_clear_pointer (&self->permissions, g_free);
      self->cap_permissions = 0;
    }
  if (self->n_channels == 0 && self->cap_channels > 0)
    {
      g_clear_pointer (&self->channels, g_free);
      self->cap_channels = 0;
    }
}

/* Token bucket in bytes: @max_bps bits a second, one second deep.  FALSE
 * means drop the packet. */
gboolean
avd_turn_allocation_take_tokens (AvdTurnAllocation *self, guint64 max_bps, gsize bytes, gint64 now_us)
{
  gint64 rate = (gint64) MIN (max_bps / 8, (guint64) G_MAXINT32);
  gint64 depth = MAX (rate * BUCKET_SECONDS, 1500);
  gint64 elapsed;

  if (max_bps == 0)
    return TRUE;
  elapsed = now_us - self->tokens_updated_us;
  if (self->tokens_updated_us == 0 || elapsed >= G_USEC_PER_SEC * BUCKET_SECONDS)
    {
      self->tokens = depth;
      self->tokens_updated_us = now_us;
    }
  else if (elapsed > 0)
    {
      gint64 add = rate * elapsed / G_USEC_PER_SEC;

      /* Keep the remainder of a partial token for the next refill. */
      if (add > 0)
        {
          self->tokens = MIN (self->tokens + add, depth);
          self->tokens_updated_us += add * G_USEC_PER_SEC / MAX (rate, 1);
        }
    }
  if (self->tokens < (gint64) bytes)
    return FALSE;
  self->tokens -= bytes;
  return TRUE;
}

/* ---- the table ----------------------------------------------------------- */

#define TABLE_MIN_BUCKETS 64

void
avd_turn_allocation_table_init (AvdTurnAllocationTable *table)
{
  table->n_buckets = TABLE_MIN_BUCKETS;
  table->buckets = g_new0 (AvdTurnAllocation *, table->n_buckets);
  table->n_entries = 0;
  table->seed = g_random_int ();
}

void
avd_turn_allocation_table_clear (AvdTurnAllocationTable *table)
{
  g_clear_pointer (&table->buckets, g_free);
  table->n_buckets = 0;
  table->n_entries = 0;
}

static inline guint
table_index (const AvdTurnAllocationTable *table, int listener, const AvdTurnAddr *client)
{
  return avd_turn_addr_hash (client, table->seed ^ (guint32) listener) & (table->n_buckets - 1);
}

AvdTurnAllocation *
avd_turn_allocation_table_lookup (AvdTurnAllocationTable *table, int listener, const AvdTurnAddr *client)
{
  AvdTurnAllocation *a;

  for (a = table->buckets[table_index (table, listener, client)]; a != NULL; a = a->hash_next)
    {
      if (a->listener == listener && avd_turn_addr_equal (&a->client, client))
        return a;
    }
  return NULL;
}

static void
table_resize (AvdTurnAllocationTable *table, guint n_buckets)
{
  AvdTurnAllocation **old = table->buckets;
  guint old_n = table->n_buckets;

  table->buckets = g_new0 (AvdTurnAllocation *, n_buckets);
  table->n_buckets = n_buckets;
  for (guint i = 0; i < old_n; i++)
    {
      AvdTurnAllocation *a = old[i];

      while (a != NULL)
        {
          AvdTurnAllocation *next = a->hash_next;
          guint index = table_index (table, a->listener, &a->client);

          a->hash_next = table->buckets[index];
          table->buckets[index] = a;
          a = next;
        }
    }
  g_free (old);
}

void
avd_turn_allocation_table_insert (AvdTurnAllocationTable *table, AvdTurnAllocation *allocation)
{
  guint index;

  if (table->n_entries >= table->n_buckets)
    table_resize (table, table->n_buckets * 2);
  index = table_index (table, allocation->listener, &allocation->client);
  allocation->hash_next = table->buckets[index];
  table->buckets[index] = allocation;
  table->n_entries++;
}

void
avd_turn_allocation_table_remove (AvdTurnAllocationTable *table, AvdTurnAllocation *allocation)
{
  AvdTurnAllocation **link = &table->buckets[table_index (table, allocation->listener, &allocation->client)];

  while (*link != NULL)
    {
      if (*link == allocation)
        {
          *link = allocation->hash_next;
          allocation->hash_next = NULL;
          table->n_entries--;
          if (table->n_buckets > TABLE_MIN_BUCKETS && table->n_entries < table->n_buckets / 8)
            table_resize (table, table->n_buckets / 2);
          return;
        }
      link = &(*link)->hash_next;
    }
}
