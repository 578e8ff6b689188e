/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* AvdRateLimiter: per-IP abuse limits (DESIGN §11).
 *
 * Many devices share an address behind NAT, so the per-IP limits are far
 * looser than the per-connection bucket each connection keeps for itself.
 * Entries for addresses with no connection and a full bucket are dropped by
 * avd_rate_limiter_expire(), which the server calls periodically. */
#define G_LOG_DOMAIN "AvdRateLimiter"

#include "config.h"

#include "avd-rate-limiter.h"

#define JOIN_WINDOW_US (60 * G_USEC_PER_SEC)

void
avd_token_bucket_init (AvdTokenBucket *bucket,
                       double          rate,
                       double          burst,
                       gint64          now_us)
{
  bucket->rate = rate;
  bucket->burst = MAX (burst, 1);
  bucket->tokens = bucket->burst;
  bucket->last_us = now_us;
}

static void
token_bucket_refill (AvdTokenBucket *bucket,
                     gint64          now_us)
{
  if (now_us > bucket->last_us)
    {
      bucket->tokens = MIN (bucket->burst,
                            bucket->tokens + bucket->rate * (now_us - bucket->last_us) / G_USEC_PER_SEC);
      bucket->last_us = now_us;
    }
}

/* Takes one token; FALSE if the bucket is empty.  A rate of 0 or less
 * means no limit. */
gboolean
avd_token_bucket_take (AvdTokenBucket *bucket,
                       gint64          now_us)
{
  if (bucket->rate <= 0)
    return TRUE;
  token_bucket_refill (bucket, now_us);
  if (bucket->tokens < 1)
    return FALSE;
  bucket->tokens -= 1;
  return TRUE;
}

typedef struct {
  AvdTokenBucket messages;
  guint connections;
  /* failed joins in the current window */
  gint64 join_window_start_us;
  guint join_failures;
} AvdIpEntry;

struct _AvdRateLimiter
{
  GObject parent_instance;

  double ip_rate;
  double ip_burst;
  guint max_connections;
  guint join_failures_per_minute;
  GHashTable *entries;          /* ip → AvdIpEntry */
};

G_DEFINE_FINAL_TYPE (AvdRateLimiter, avd_rate_limiter, G_TYPE_OBJECT)

static void
avd_rate_limiter_finalize (GObject *object)
{
  AvdRateLimiter *self = AVD_RATE_LIMITER (object);

  g_hash_table_unref (self->entries);

  G_OBJECT_CLASS (avd_rate_limiter_parent_class)->finalize (object);
}

static void
avd_rate_limiter_class_init (AvdRateLimiterClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = avd_rate_limiter_finalize;
}

static void
avd_rate_limiter_init (AvdRateLimiter *self)
{
  self->entries = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
}

AvdRateLimiter *
avd_rate_limiter_new (double ip_rate,
                      double ip_burst,
                      guint  max_connections,
                      guint  join_failures_per_minute)
{
  AvdRateLimiter *self = g_object_new (AVD_TYPE_RATE_LIMITER, NULL);

  self->ip_rate = ip_rate;
  self->ip_burst = ip_burst;
  self->max_connections = max_connections;
  self->join_failures_per_minute = join_failures_per_minute;
  return self;
}

static AvdIpEntry *
lookup (AvdRateLimiter *self,
        const char     *ip,
        gint64          now_us)
{
  AvdIpEntry *entry = g_hash_table_lookup (self->entries, ip);

  if (entry == NULL)
    {
      entry = g_new0 (AvdIpEntry, 1);
      avd_token_bucket_init (&entry->messages, self->ip_rate, self->ip_burst, now_us);
      entry->join_window_start_us = now_us;
      g_hash_table_insert (self->entries, g_strdup (ip), entry);
    }
  return entry;
}

/* FALSE if @ip already has the maximum number of connections open. */
gboolean
avd_rate_limiter_connection_open (AvdRateLimiter *self,
                                  const char     *ip)
{
  AvdIpEntry *entry = lookup (self, ip, g_get_monotonic_time ());

  if (self->max_connections > 0 && entry->connections >= self->max_connections)
    return FALSE;
  entry->connections++;
  return TRUE;
}

void
avd_rate_limiter_connection_close (AvdRateLimiter *self,
                                   const char     *ip)
{
  AvdIpEntry *entry = g_hash_table_lookup (self->entries, ip);

  if (entry != NULL && entry->connections > 0)
    entry->connections--;
}

gboolean
avd_rate_limiter_take_message (AvdRateLimiter *self,
                               const char     *ip,
                               gint64          now_us)
{
  return avd_token_bucket_take (&lookup (self, ip, now_us)->messages, now_us);
}

static void
roll_join_window (AvdIpEntry *entry,
                  gint64      now_us)
{
  if (now_us - entry->join_window_start_us >= JOIN_WINDOW_US)
    {
      entry->join_window_start_us = now_us;
      entry->join_failures = 0;
    }
}

/* FALSE once @ip has failed join_failures_per_minute joins in the last
 * minute: invite codes must not be guessable by brute force. */
gboolean
avd_rate_limiter_join_allowed (AvdRateLimiter *self,
                               const char     *ip,
                               gint64          now_us)
{
  AvdIpEntry *entry = lookup (self, ip, now_us);

  roll_join_window (entry, now_us);
  return self->join_failures_per_minute == 0 ||
         entry->join_failures < self->join_failures_per_minute;
}

void
avd_rate_limiter_join_failed (AvdRateLimiter *self,
                              const char     *ip,
                              gint64          now_us)
{
  AvdIpEntry *entry = lookup (self, ip, now_us);

  roll_join_window (entry, now_us);
  entry->join_failures++;
}

guint
avd_rate_limiter_get_n_addresses (AvdRateLimiter *self)
{
  return g_hash_table_size (self->entries);
}

/* Forgets addresses that have nothing left to remember. */
void
avd_rate_limiter_expire (AvdRateLimiter *self,
                         gint64          now_us)
{
  GHashTableIter iter;
  AvdIpEntry *entry;

  g_hash_table_iter_init (&iter, self->entries);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &entry))
    {
      token_bucket_refill (&entry->messages, now_us);
      roll_join_window (entry, now_us);
      if (entry->connections == 0 && entry->join_failures == 0 &&
          (entry->messages.rate <= 0 || entry->messages.tokens >= entry->messages.burst))
        g_hash_table_iter_remove (&iter);
    }
}

/* New per-address limits (a configuration reload): they apply at once,
 * to addresses already known too. */
void
avd_rate_limiter_set_limits (AvdRateLimiter *self,
                             double          ip_rate,
                             double          ip_burst,
                             guint           max_connections,
                             guint           join_failures_per_minute)
{
  GHashTableIter iter;
  AvdIpEntry *entry;

  g_return_if_fail (AVD_IS_RATE_LIMITER (self));

  self->ip_rate = ip_rate;
  self->ip_burst = ip_burst;
  self->max_connections = max_connections;
  self->join_failures_per_minute = join_failures_per_minute;
  g_hash_table_iter_init (&iter, self->entries);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &entry))
    {
      entry->messages.rate = ip_rate;
      entry->messages.burst = MAX (ip_burst, 1);
      entry->messages.tokens = MIN (entry->messages.tokens, entry->messages.burst);
    }
}
