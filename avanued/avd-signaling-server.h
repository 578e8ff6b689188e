/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <libsoup/soup.h>

#include "avd-config.h"
#include "avd-ice.h"
#include "avd-license-service.h"
#include "avd-rate-limiter.h"
#include "avd-session-manager.h"
#include "avd-store.h"

G_BEGIN_DECLS

#define AVD_TYPE_SIGNALING_SERVER (avd_signaling_server_get_type ())
G_DECLARE_FINAL_TYPE (AvdSignalingServer, avd_signaling_server, AVD, SIGNALING_SERVER, GObject)

AvdSignalingServer *avd_signaling_server_new      (AvdConfig          *config,
                                                   SoupServer         *soup,
                                                   AvdStore           *store,
                                                   AvdLicenseService  *licenses,
                                                   AvdSessionManager  *sessions,
                                                   AvdIce             *ice,
                                                   AvdRateLimiter     *limiter);
guint               avd_signaling_server_get_n_connections (AvdSignalingServer *self);
void                avd_signaling_server_shutdown (AvdSignalingServer *self);

gboolean            avd_signaling_server_origin_allowed (AvdSignalingServer *self,
                                                   SoupServerMessage  *msg);

/* administration (D-Bus); errors in AVD_ERROR */
guint               avd_signaling_server_get_n_devices (AvdSignalingServer *self);
gboolean            avd_signaling_server_is_device_connected (AvdSignalingServer *self,
                                                   const char         *fingerprint);
gboolean            avd_signaling_server_block_device (AvdSignalingServer *self,
                                                   const char         *fingerprint,
                                                   GError            **error);
gboolean            avd_signaling_server_unblock_device (AvdSignalingServer *self,
                                                   const char         *fingerprint,
                                                   GError            **error);
void                avd_signaling_server_reload_config (AvdSignalingServer *self,
                                                   AvdConfig          *config);

G_END_DECLS
