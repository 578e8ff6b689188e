/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* One participant as the election sees it. */
typedef struct {
  const char *fingerprint;
  double score;
  gboolean online;
  int battery_percent;          /* -1: none reported */
  gboolean is_charging;
  gint64 joined_at;             /* ordering for ties: earlier wins */
} AvdHubCandidate;

typedef enum {
  AVD_HUB_REASON_NONE,          /* no change */
  AVD_HUB_REASON_INITIAL,
  AVD_HUB_REASON_DISCONNECT,
  AVD_HUB_REASON_BATTERY_LOW,
  AVD_HUB_REASON_CAPABILITY_CHANGE,
} AvdHubReason;

#define AVD_HUB_BATTERY_LOW_PERCENT 15

const char  *avd_hub_reason_to_string (AvdHubReason           reason);
AvdHubReason avd_hub_elect            (const AvdHubCandidate *candidates,
                                       gsize                  n_candidates,
                                       const char            *current_hub,
                                       double                 hysteresis_percent,
                                       const char           **out_hub);

G_END_DECLS
