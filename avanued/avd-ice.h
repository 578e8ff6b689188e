/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "avanue.h"
#include "avd-config.h"

G_BEGIN_DECLS

#define AVD_TYPE_ICE (avd_ice_get_type ())
G_DECLARE_FINAL_TYPE (AvdIce, avd_ice, AVD, ICE, GObject)

AvdIce                *avd_ice_new                 (AvdConfig   *config,
                                                    const char  *state_dir,
                                                    GError     **error);
const char * const    *avd_ice_get_stun_urls       (AvdIce      *self);
const char * const    *avd_ice_get_turn_urls       (AvdIce      *self);
const char * const    *avd_ice_get_secrets         (AvdIce      *self);
guint                  avd_ice_get_ttl_seconds     (AvdIce      *self);
void                   avd_ice_add_relay_urls      (AvdIce      *self,
                                                    const char * const *stun_urls,
                                                    const char * const *turn_urls);
AvanueTurnCredentials *avd_ice_issue               (AvdIce      *self,
                                                    const char  *rest);
AvanueTurnCredentials *avd_ice_issue_with_ttl      (AvdIce      *self,
                                                    const char  *rest,
                                                    guint        ttl_seconds);
gboolean               avd_ice_reload_config       (AvdIce      *self,
                                                    AvdConfig   *config,
                                                    GError     **error);
JsonObject            *avd_ice_credentials_json    (AvdIce      *self,
                                                    const char  *rest,
                                                    const char  *re);

G_END_DECLS
