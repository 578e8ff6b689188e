/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#if !defined(__AVANUE_H_INSIDE__) && !defined(AVANUE_COMPILATION)
#error "Only <avanue.h> can be included directly."
#endif

#include <glib-object.h>
#include <json-glib/json-glib.h>
#include "avanue-version.h"
#include "avanue-capabilities.h"

G_BEGIN_DECLS

/**
 * AvanueParticipantRole:
 * @AVANUE_PARTICIPANT_ROLE_GUEST: joined with an invite code
 * @AVANUE_PARTICIPANT_ROLE_HOST: created the session; the only one who may
 *   end it
 *
 * A participant's role in a session (`role` on the wire: `HOST` or
 * `GUEST`).
 *
 * Since: 0.1
 */
typedef enum {
  AVANUE_PARTICIPANT_ROLE_GUEST,
  AVANUE_PARTICIPANT_ROLE_HOST,
} AvanueParticipantRole;

/**
 * AvanueTopologyRole:
 * @AVANUE_TOPOLOGY_ROLE_SPOKE: connects to the hub (everyone starts as a
 *   spoke)
 * @AVANUE_TOPOLOGY_ROLE_HUB: the elected hub that spokes connect to in a
 *   star
 *
 * A participant's place in the session's topology (`topologyRole` on the
 * wire: `HUB` or `SPOKE`).
 *
 * Since: 0.1
 */
typedef enum {
  AVANUE_TOPOLOGY_ROLE_SPOKE,
  AVANUE_TOPOLOGY_ROLE_HUB,
} AvanueTopologyRole;

AVANUE_AVAILABLE_IN_ALL
const char *avanue_participant_role_to_string   (AvanueParticipantRole  role);
AVANUE_AVAILABLE_IN_ALL
gboolean    avanue_participant_role_from_string (const char            *str,
                                                 AvanueParticipantRole *out_role);
AVANUE_AVAILABLE_IN_ALL
const char *avanue_topology_role_to_string      (AvanueTopologyRole     role);
AVANUE_AVAILABLE_IN_ALL
gboolean    avanue_topology_role_from_string    (const char            *str,
                                                 AvanueTopologyRole    *out_role);

#define AVANUE_TYPE_PARTICIPANT (avanue_participant_get_type ())
AVANUE_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (AvanueParticipant, avanue_participant, AVANUE, PARTICIPANT, GObject)

AVANUE_AVAILABLE_IN_ALL
AvanueParticipant    *avanue_participant_new_from_json       (JsonObject        *object,
                                                              GError           **error);
AVANUE_AVAILABLE_IN_ALL
JsonObject           *avanue_participant_to_json             (AvanueParticipant *self);

AVANUE_AVAILABLE_IN_ALL
const char           *avanue_participant_get_fingerprint     (AvanueParticipant *self);
AVANUE_AVAILABLE_IN_ALL
const char           *avanue_participant_get_device_name     (AvanueParticipant *self);
AVANUE_AVAILABLE_IN_ALL
AvanuePlatform        avanue_participant_get_platform        (AvanueParticipant *self);
AVANUE_AVAILABLE_IN_ALL
AvanueDeviceType      avanue_participant_get_device_type     (AvanueParticipant *self);
AVANUE_AVAILABLE_IN_ALL
AvanueParticipantRole avanue_participant_get_role            (AvanueParticipant *self);
AVANUE_AVAILABLE_IN_ALL
AvanueTopologyRole    avanue_participant_get_topology_role   (AvanueParticipant *self);
AVANUE_AVAILABLE_IN_ALL
gboolean              avanue_participant_get_is_licensed     (AvanueParticipant *self);
AVANUE_AVAILABLE_IN_ALL
double                avanue_participant_get_capability_score (AvanueParticipant *self);
AVANUE_AVAILABLE_IN_ALL
gboolean              avanue_participant_get_online          (AvanueParticipant *self);
AVANUE_AVAILABLE_IN_ALL
gint64                avanue_participant_get_joined_at       (AvanueParticipant *self);

G_END_DECLS
