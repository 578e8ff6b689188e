/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

/* A token bucket: @rate tokens a second, holding at most @burst. */
typedef struct {
  double rate;
  double burst;
  double tokens;
  gint64 last_us;
} AvdTokenBucket;

void     avd_token_bucket_init (AvdTokenBucket *bucket,
                                double          rate,
                                double          burst,
                                gint64          now_us);
gboolean avd_token_bucket_take (AvdTokenBucket *bucket,
                                gint64          now_us);

#define AVD_TYPE_RATE_LIMITER (avd_rate_limiter_get_type ())
G_DECLARE_FINAL_TYPE (AvdRateLimiter, avd_rate_limiter, AVD, RATE_LIMITER, GObject)

/* Limits shared by everything that comes from one IP address: messages
 * (a token bucket), open connections, and failed invite-code joins (a
 * sliding minute). */
AvdRateLimiter *avd_rate_limiter_new              (double          ip_rate,
                                                   double          ip_burst,
                                                   guint           max_connections,
                                                   guint           join_failures_per_minute);
gboolean        avd_rate_limiter_connection_open  (AvdRateLimiter *self,
                                                   const char     *ip);
void            avd_rate_limiter_connection_close (AvdRateLimiter *self,
                                                   const char     *ip);
gboolean        avd_rate_limiter_take_message     (AvdRateLimiter *self,
                                                   const char     *ip,
                                                   gint64          now_us);
gboolean        avd_rate_limiter_join_allowed     (AvdRateLimiter *self,
                                                   const char     *ip,
                                                   gint64          now_us);
void            avd_rate_limiter_join_failed      (AvdRateLimiter *self,
                                                   const char     *ip,
                                                   gint64          now_us);
guint           avd_rate_limiter_get_n_addresses  (AvdRateLimiter *self);
void            avd_rate_limiter_expire           (AvdRateLimiter *self,
                                                   gint64          now_us);
void            avd_rate_limiter_set_limits       (AvdRateLimiter *self,
                                                   double          ip_rate,
                                                   double          ip_burst,
                                                   guint           max_connections,
                                                   guint           join_failures_per_minute);

G_END_DECLS
