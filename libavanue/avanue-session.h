/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#if !defined(__AVANUE_H_INSIDE__) && !defined(AVANUE_COMPILATION)
#error "Only <avanue.h> can be included directly."
#endif

#include <gio/gio.h>
#include "avanue-version.h"
#include "avanue-participant.h"
#include "avanue-turn-credentials.h"

G_BEGIN_DECLS

#define AVANUE_TYPE_SESSION (avanue_session_get_type ())
AVANUE_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (AvanueSession, avanue_session, AVANUE, SESSION, GObject)

AVANUE_AVAILABLE_IN_ALL
const char            *avanue_session_get_session_id           (AvanueSession *self);
AVANUE_AVAILABLE_IN_ALL
const char            *avanue_session_get_invite_code          (AvanueSession *self);
AVANUE_AVAILABLE_IN_ALL
const char            *avanue_session_get_join_url             (AvanueSession *self);
AVANUE_AVAILABLE_IN_ALL
const char            *avanue_session_get_session_type         (AvanueSession *self);
AVANUE_AVAILABLE_IN_ALL
const char            *avanue_session_get_hub_fingerprint      (AvanueSession *self);
AVANUE_AVAILABLE_IN_ALL
const char            *avanue_session_get_tier                 (AvanueSession *self);
AVANUE_AVAILABLE_IN_ALL
guint                  avanue_session_get_max_peers            (AvanueSession *self);
AVANUE_AVAILABLE_IN_ALL
guint                  avanue_session_get_max_duration_seconds (AvanueSession *self);
AVANUE_AVAILABLE_IN_ALL
gboolean               avanue_session_get_turn_allowed         (AvanueSession *self);
AVANUE_AVAILABLE_IN_ALL
gint64                 avanue_session_get_expires_at           (AvanueSession *self);
AVANUE_AVAILABLE_IN_ALL
AvanueTurnCredentials *avanue_session_get_turn_credentials     (AvanueSession *self);
AVANUE_AVAILABLE_IN_ALL
const char            *avanue_session_get_local_fingerprint    (AvanueSession *self);
AVANUE_AVAILABLE_IN_ALL
AvanueParticipantRole  avanue_session_get_local_role           (AvanueSession *self);
AVANUE_AVAILABLE_IN_ALL
gboolean               avanue_session_get_ended                (AvanueSession *self);
AVANUE_AVAILABLE_IN_ALL
const char            *avanue_session_get_end_reason           (AvanueSession *self);

AVANUE_AVAILABLE_IN_ALL
GListModel            *avanue_session_get_participants         (AvanueSession *self);
AVANUE_AVAILABLE_IN_ALL
AvanueParticipant     *avanue_session_lookup_participant       (AvanueSession *self,
                                                                const char    *fingerprint);
AVANUE_AVAILABLE_IN_ALL
AvanueParticipant     *avanue_session_get_local_participant    (AvanueSession *self);

G_END_DECLS
