/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Hub election (DESIGN §6), as a pure function so that every rule can be
 * tested without a server.
 *
 * Among online participants the highest score (0 for a device that sent no
 * capabilities)
 * wins, except that a device below 15 % battery and not charging is not
 * eligible while any other online participant is.  The current hub keeps the
 * role unless it went offline (DISCONNECT), its battery dropped low
 * (BATTERY_LOW), or a challenger's score exceeds the hub's by more than the
 * hysteresis (CAPABILITY_CHANGE).  Ties go to the current hub, then to the
 * earliest joined. */
#include "config.h"

#include "avd-hub-election.h"

const char *
avd_hub_reason_to_string (AvdHubReason reason)
{
  switch (reason)
    {
    case AVD_HUB_REASON_INITIAL:
      return "INITIAL";
    case AVD_HUB_REASON_DISCONNECT:
      return "DISCONNECT";
    case AVD_HUB_REASON_BATTERY_LOW:
      return "BATTERY_LOW";
    case AVD_HUB_REASON_CAPABILITY_CHANGE:
      return "CAPABILITY_CHANGE";
    case AVD_HUB_REASON_NONE:
    default:
      return NULL;
    }
}

static gboolean
battery_low (const AvdHubCandidate *c)
{
  return !c->is_charging && c->battery_percent >= 0 &&
         c->battery_percent < AVD_HUB_BATTERY_LOW_PERCENT;
}

static gboolean
better (const AvdHubCandidate *a,
        const AvdHubCandidate *b,
        const char            *current_hub)
{
  if (b == NULL)
    return TRUE;
  if (a->score != b->score)
    return a->score > b->score;
  if (current_hub != NULL && g_strcmp0 (a->fingerprint, current_hub) == 0)
    return TRUE;
  if (current_hub != NULL && g_strcmp0 (b->fingerprint, current_hub) == 0)
    return FALSE;
  if (a->joined_at != b->joined_at)
    return a->joined_at < b->joined_at;
  return g_strcmp0 (a->fingerprint, b->fingerprint) < 0;
}

/* The best eligible candidate; low-battery devices only if nobody else
 * is online. */
static const AvdHubCandidate *
best_candidate (const AvdHubCandidate *candidates,
                gsize                  n,
                const char            *current_hub)
{
  const AvdHubCandidate *best = NULL;
  const AvdHubCandidate *best_low = NULL;

  for (gsize i = 0; i < n; i++)
    {
      const AvdHubCandidate *c = &candidates[i];

      if (!c->online)
        continue;
      if (battery_low (c))
        {
          if (better (c, best_low, current_hub))
            best_low = c;
        }
      else if (better (c, best, current_hub))
        best = c;
    }
  return best != NULL ? best : best_low;
}

/* Returns why the hub changes (and sets *out_hub to the new one), or
 * AVD_HUB_REASON_NONE with *out_hub = the hub that stays (NULL if none). */
AvdHubReason
avd_hub_elect (const AvdHubCandidate *candidates,
               gsize                  n_candidates,
               const char            *current_hub,
               double                 hysteresis_percent,
               const char           **out_hub)
{
  const AvdHubCandidate *hub = NULL;
  const AvdHubCandidate *best;
  AvdHubReason reason = AVD_HUB_REASON_NONE;

  for (gsize i = 0; current_hub != NULL && i < n_candidates; i++)
    if (g_strcmp0 (candidates[i].fingerprint, current_hub) == 0)
      hub = &candidates[i];

  best = best_candidate (candidates, n_candidates, current_hub);

  if (hub == NULL)
    reason = current_hub == NULL ? AVD_HUB_REASON_INITIAL : AVD_HUB_REASON_DISCONNECT;
  else if (!hub->online)
    reason = AVD_HUB_REASON_DISCONNECT;
  else if (battery_low (hub) && best != NULL && !battery_low (best))
    reason = AVD_HUB_REASON_BATTERY_LOW;
  else if (best != NULL && best != hub &&
           best->score > hub->score * (1.0 + hysteresis_percent / 100.0))
    reason = AVD_HUB_REASON_CAPABILITY_CHANGE;

  if (reason == AVD_HUB_REASON_NONE)
    {
      *out_hub = hub != NULL ? hub->fingerprint : NULL;
      return AVD_HUB_REASON_NONE;
    }

  /* The hub left or lost eligibility, but nobody can take over: with no
   * online participant there is no hub; otherwise keep a still-online hub. */
  if (best == NULL || best == hub)
    {
      *out_hub = (hub != NULL && hub->online) ? hub->fingerprint : NULL;
      if (*out_hub == NULL && current_hub != NULL)
        return AVD_HUB_REASON_DISCONNECT; /* hub gone, none elected */
      return AVD_HUB_REASON_NONE;
    }

  *out_hub = best->fingerprint;
  return reason;
}
