/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "avanue-session.h"

G_BEGIN_DECLS

/* The one place where the session events of the protocol are read into
 * the model (DESIGN §5). */
AvanueSession         *avanue_session_new_from_message           (JsonObject             *message,
                                                                  const char             *local_fingerprint,
                                                                  GError                **error);
gboolean               avanue_session_apply_event                (AvanueSession          *self,
                                                                  JsonObject             *event,
                                                                  GError                **error);

void                   avanue_session_set_invite_code            (AvanueSession          *self,
                                                                  const char             *invite_code);
void                   avanue_session_set_local_role             (AvanueSession          *self,
                                                                  AvanueParticipantRole   role);
void                   avanue_session_set_turn_credentials       (AvanueSession          *self,
                                                                  AvanueTurnCredentials  *credentials);
void                   avanue_session_mark_ended                 (AvanueSession          *self,
                                                                  const char             *reason);

AvanueTurnCredentials *avanue_session_turn_credentials_from_json (JsonObject             *object,
                                                                  GError                **error);

G_END_DECLS
