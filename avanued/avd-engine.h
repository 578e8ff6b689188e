/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "avd-config.h"
#include "avd-ice.h"
#include "avd-license-service.h"
#include "avd-session-manager.h"
#include "avd-signaling-server.h"
#include "avd-store.h"

G_BEGIN_DECLS

#define AVD_TYPE_ENGINE (avd_engine_get_type ())
G_DECLARE_FINAL_TYPE (AvdEngine, avd_engine, AVD, ENGINE, GObject)

AvdEngine *avd_engine_new            (AvdConfig   *config,
                                      const char  *state_dir);
gboolean   avd_engine_start          (AvdEngine   *self,
                                      GError     **error);
void       avd_engine_stop           (AvdEngine   *self);
guint      avd_engine_get_http_port  (AvdEngine   *self);
guint      avd_engine_get_turn_port  (AvdEngine   *self);

AvdStore  *avd_engine_open_store     (AvdConfig   *config,
                                      const char  *state_dir,
                                      GError     **error);

/* for the administration API (AvdDbusService); errors in AVD_ERROR */
AvdConfig          *avd_engine_get_config           (AvdEngine   *self);
AvdStore           *avd_engine_get_store            (AvdEngine   *self);
AvdSessionManager  *avd_engine_get_session_manager  (AvdEngine   *self);
AvdSignalingServer *avd_engine_get_signaling_server (AvdEngine   *self);
AvdLicenseService  *avd_engine_get_license_service  (AvdEngine   *self);
AvdIce             *avd_engine_get_ice              (AvdEngine   *self);
gint64              avd_engine_get_uptime_seconds   (AvdEngine   *self);
void                avd_engine_get_turn_stats       (AvdEngine   *self,
                                                     guint       *out_allocations,
                                                     guint64     *out_bytes_relayed);
guint               avd_engine_revoke_turn_username (AvdEngine   *self,
                                                     const char  *username);
char               *avd_engine_issue_license        (AvdEngine   *self,
                                                     const char  *tier,
                                                     const char  *user,
                                                     gint64       expires_at,
                                                     AvdLicenseRecord **out_record,
                                                     GError     **error);
gboolean            avd_engine_revoke_license       (AvdEngine   *self,
                                                     const char  *key_or_id,
                                                     guint       *out_sessions_ended,
                                                     GError     **error);
gboolean            avd_engine_reload               (AvdEngine   *self,
                                                     GStrv       *out_restart_needed,
                                                     GError     **error);

G_END_DECLS
