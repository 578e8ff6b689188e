/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "avanue-participant.h"

G_BEGIN_DECLS

gboolean avanue_participant_update_from_json  (AvanueParticipant  *self,
                                               JsonObject         *object,
                                               GError            **error);
void     avanue_participant_set_online        (AvanueParticipant  *self,
                                               gboolean            online);
void     avanue_participant_set_topology_role (AvanueParticipant  *self,
                                               AvanueTopologyRole  role);

G_END_DECLS
