/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "avd-config.h"
#include "avd-connection.h"
#include "avd-ice.h"
#include "avd-license-service.h"
#include "avd-rate-limiter.h"
#include "avd-state-backend.h"
#include "avd-store.h"

G_BEGIN_DECLS

#define AVD_TYPE_SESSION_MANAGER (avd_session_manager_get_type ())
G_DECLARE_FINAL_TYPE (AvdSessionManager, avd_session_manager, AVD, SESSION_MANAGER, GObject)

AvdSessionManager *avd_session_manager_new        (AvdConfig          *config,
                                                   AvdStore           *store,
                                                   AvdStateBackend    *state,
                                                   AvdLicenseService  *licenses,
                                                   AvdIce             *ice,
                                                   AvdRateLimiter     *limiter);
void               avd_session_manager_handle     (AvdSessionManager  *self,
                                                   AvdConnection      *connection,
                                                   AvanueMessageType   type,
                                                   JsonObject         *message,
                                                   const char         *id);
void               avd_session_manager_connection_closed (AvdSessionManager *self,
                                                   AvdConnection      *connection);
guint              avd_session_manager_get_n_sessions (AvdSessionManager *self);
void               avd_session_manager_save       (AvdSessionManager  *self);
void               avd_session_manager_restore    (AvdSessionManager  *self);

/* administration (D-Bus); errors in AVD_ERROR */
GVariant          *avd_session_manager_describe   (AvdSessionManager  *self,
                                                   const char         *session_id,
                                                   GError            **error);
GVariant          *avd_session_manager_list       (AvdSessionManager  *self);
guint              avd_session_manager_get_n_participants (AvdSessionManager *self,
                                                   guint              *out_online);
gboolean           avd_session_manager_end_session_admin (AvdSessionManager *self,
                                                   const char         *session_id,
                                                   GError            **error);
gboolean           avd_session_manager_kick       (AvdSessionManager  *self,
                                                   const char         *session_id,
                                                   const char         *fingerprint,
                                                   GError            **error);
guint              avd_session_manager_end_sessions_for_license (AvdSessionManager *self,
                                                   const char         *license_id);
void               avd_session_manager_reload_config (AvdSessionManager *self,
                                                   AvdConfig          *config);

G_END_DECLS
