/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "avanue-signaling-client.h"

G_BEGIN_DECLS

/* The text REGISTER_DEVICE signs: "AVANUE1 REGISTER " + the nonce exactly
 * as the server sent it. */
#define AVANUE_SIGNALING_REGISTER_PREFIX "AVANUE1 REGISTER "

JsonObject *avanue_signaling_client_build_register     (AvanueSignalingClient  *self,
                                                        const char             *id,
                                                        const char             *nonce,
                                                        GError                **error);
void        avanue_signaling_client_set_reconnect_delays (AvanueSignalingClient *self,
                                                        guint                   min_ms,
                                                        guint                   max_ms);
guint       avanue_signaling_client_get_reconnect_delay  (AvanueSignalingClient *self,
                                                        guint                   attempt);

G_END_DECLS
