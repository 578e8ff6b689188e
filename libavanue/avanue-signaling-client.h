/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#if !defined(__AVANUE_H_INSIDE__) && !defined(AVANUE_COMPILATION)
#error "Only <avanue.h> can be included directly."
#endif

#include <gio/gio.h>
#include <json-glib/json-glib.h>
#include "avanue-version.h"
#include "avanue-capabilities.h"
#include "avanue-identity.h"
#include "avanue-protocol.h"
#include "avanue-session.h"
#include "avanue-turn-credentials.h"

G_BEGIN_DECLS

/**
 * AvanueSignalingState:
 * @AVANUE_SIGNALING_STATE_DISCONNECTED: not connected, and not trying to
 * @AVANUE_SIGNALING_STATE_CONNECTING: opening the WebSocket and
 *   registering, or waiting to try again after the connection was lost
 * @AVANUE_SIGNALING_STATE_REGISTERED: connected and registered: requests
 *   can be sent
 *
 * The state of an [class@Avanue.SignalingClient]'s connection.
 *
 * Since: 0.1
 */
typedef enum {
  AVANUE_SIGNALING_STATE_DISCONNECTED,
  AVANUE_SIGNALING_STATE_CONNECTING,
  AVANUE_SIGNALING_STATE_REGISTERED,
} AvanueSignalingState;

#define AVANUE_TYPE_SIGNALING_CLIENT (avanue_signaling_client_get_type ())
AVANUE_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (AvanueSignalingClient, avanue_signaling_client, AVANUE, SIGNALING_CLIENT, GObject)

AVANUE_AVAILABLE_IN_ALL
AvanueSignalingClient *avanue_signaling_client_new                (const char             *uri,
                                                                   AvanueIdentity         *identity);

AVANUE_AVAILABLE_IN_ALL
const char            *avanue_signaling_client_get_uri            (AvanueSignalingClient  *self);
AVANUE_AVAILABLE_IN_ALL
AvanueIdentity        *avanue_signaling_client_get_identity       (AvanueSignalingClient  *self);
AVANUE_AVAILABLE_IN_ALL
const char            *avanue_signaling_client_get_device_name    (AvanueSignalingClient  *self);
AVANUE_AVAILABLE_IN_ALL
void                   avanue_signaling_client_set_device_name    (AvanueSignalingClient  *self,
                                                                   const char             *device_name);
AVANUE_AVAILABLE_IN_ALL
AvanuePlatform         avanue_signaling_client_get_platform       (AvanueSignalingClient  *self);
AVANUE_AVAILABLE_IN_ALL
void                   avanue_signaling_client_set_platform       (AvanueSignalingClient  *self,
                                                                   AvanuePlatform          platform);
AVANUE_AVAILABLE_IN_ALL
AvanueDeviceType       avanue_signaling_client_get_device_type    (AvanueSignalingClient  *self);
AVANUE_AVAILABLE_IN_ALL
void                   avanue_signaling_client_set_device_type    (AvanueSignalingClient  *self,
                                                                   AvanueDeviceType        device_type);
AVANUE_AVAILABLE_IN_ALL
gboolean               avanue_signaling_client_get_auto_reconnect (AvanueSignalingClient  *self);
AVANUE_AVAILABLE_IN_ALL
void                   avanue_signaling_client_set_auto_reconnect (AvanueSignalingClient  *self,
                                                                   gboolean                auto_reconnect);
AVANUE_AVAILABLE_IN_ALL
guint                  avanue_signaling_client_get_request_timeout (AvanueSignalingClient *self);
AVANUE_AVAILABLE_IN_ALL
void                   avanue_signaling_client_set_request_timeout (AvanueSignalingClient *self,
                                                                    guint                  seconds);
AVANUE_AVAILABLE_IN_ALL
AvanueSignalingState   avanue_signaling_client_get_state          (AvanueSignalingClient  *self);
AVANUE_AVAILABLE_IN_ALL
const char            *avanue_signaling_client_get_client_id      (AvanueSignalingClient  *self);
AVANUE_AVAILABLE_IN_ALL
AvanueSession         *avanue_signaling_client_get_session        (AvanueSignalingClient  *self);
AVANUE_AVAILABLE_IN_ALL
AvanueProtocol        *avanue_signaling_client_get_protocol       (AvanueSignalingClient  *self);

/* Connection */
AVANUE_AVAILABLE_IN_ALL
void                   avanue_signaling_client_connect_async      (AvanueSignalingClient  *self,
                                                                   GCancellable           *cancellable,
                                                                   GAsyncReadyCallback     callback,
                                                                   gpointer                user_data);
AVANUE_AVAILABLE_IN_ALL
gboolean               avanue_signaling_client_connect_finish     (AvanueSignalingClient  *self,
                                                                   GAsyncResult           *result,
                                                                   GError                **error);
AVANUE_AVAILABLE_IN_ALL
void                   avanue_signaling_client_disconnect         (AvanueSignalingClient  *self);

/* Requests */
AVANUE_AVAILABLE_IN_ALL
void                   avanue_signaling_client_ping_async         (AvanueSignalingClient  *self,
                                                                   GCancellable           *cancellable,
                                                                   GAsyncReadyCallback     callback,
                                                                   gpointer                user_data);
AVANUE_AVAILABLE_IN_ALL
gboolean               avanue_signaling_client_ping_finish        (AvanueSignalingClient  *self,
                                                                   GAsyncResult           *result,
                                                                   gint64                 *out_server_time_ms,
                                                                   GError                **error);
AVANUE_AVAILABLE_IN_ALL
void                   avanue_signaling_client_create_session_async (AvanueSignalingClient *self,
                                                                   const char             *license_token,
                                                                   const char             *session_type,
                                                                   AvanueCapabilities     *capabilities,
                                                                   GCancellable           *cancellable,
                                                                   GAsyncReadyCallback     callback,
                                                                   gpointer                user_data);
AVANUE_AVAILABLE_IN_ALL
AvanueSession         *avanue_signaling_client_create_session_finish (AvanueSignalingClient *self,
                                                                   GAsyncResult           *result,
                                                                   GError                **error);
AVANUE_AVAILABLE_IN_ALL
void                   avanue_signaling_client_join_session_async (AvanueSignalingClient  *self,
                                                                   const char             *invite_code,
                                                                   AvanueCapabilities     *capabilities,
                                                                   GCancellable           *cancellable,
                                                                   GAsyncReadyCallback     callback,
                                                                   gpointer                user_data);
AVANUE_AVAILABLE_IN_ALL
AvanueSession         *avanue_signaling_client_join_session_finish (AvanueSignalingClient *self,
                                                                   GAsyncResult           *result,
                                                                   GError                **error);
AVANUE_AVAILABLE_IN_ALL
void                   avanue_signaling_client_rejoin_session_async (AvanueSignalingClient *self,
                                                                   const char             *session_id,
                                                                   AvanueCapabilities     *capabilities,
                                                                   GCancellable           *cancellable,
                                                                   GAsyncReadyCallback     callback,
                                                                   gpointer                user_data);
AVANUE_AVAILABLE_IN_ALL
AvanueSession         *avanue_signaling_client_rejoin_session_finish (AvanueSignalingClient *self,
                                                                   GAsyncResult           *result,
                                                                   GError                **error);
AVANUE_AVAILABLE_IN_ALL
void                   avanue_signaling_client_leave_session_async (AvanueSignalingClient *self,
                                                                   const char             *session_id,
                                                                   GCancellable           *cancellable,
                                                                   GAsyncReadyCallback     callback,
                                                                   gpointer                user_data);
AVANUE_AVAILABLE_IN_ALL
gboolean               avanue_signaling_client_leave_session_finish (AvanueSignalingClient *self,
                                                                   GAsyncResult           *result,
                                                                   GError                **error);
AVANUE_AVAILABLE_IN_ALL
void                   avanue_signaling_client_end_session_async  (AvanueSignalingClient  *self,
                                                                   const char             *session_id,
                                                                   GCancellable           *cancellable,
                                                                   GAsyncReadyCallback     callback,
                                                                   gpointer                user_data);
AVANUE_AVAILABLE_IN_ALL
gboolean               avanue_signaling_client_end_session_finish (AvanueSignalingClient  *self,
                                                                   GAsyncResult           *result,
                                                                   GError                **error);
AVANUE_AVAILABLE_IN_ALL
void                   avanue_signaling_client_request_turn_async (AvanueSignalingClient  *self,
                                                                   const char             *session_id,
                                                                   GCancellable           *cancellable,
                                                                   GAsyncReadyCallback     callback,
                                                                   gpointer                user_data);
AVANUE_AVAILABLE_IN_ALL
AvanueTurnCredentials *avanue_signaling_client_request_turn_finish (AvanueSignalingClient *self,
                                                                   GAsyncResult           *result,
                                                                   GError                **error);

/* Fire and forget */
AVANUE_AVAILABLE_IN_ALL
gboolean               avanue_signaling_client_send_sdp_offer     (AvanueSignalingClient  *self,
                                                                   const char             *session_id,
                                                                   const char             *to_fingerprint,
                                                                   const char             *sdp,
                                                                   GError                **error);
AVANUE_AVAILABLE_IN_ALL
gboolean               avanue_signaling_client_send_sdp_answer    (AvanueSignalingClient  *self,
                                                                   const char             *session_id,
                                                                   const char             *to_fingerprint,
                                                                   const char             *sdp,
                                                                   GError                **error);
AVANUE_AVAILABLE_IN_ALL
gboolean               avanue_signaling_client_send_ice_candidate (AvanueSignalingClient  *self,
                                                                   const char             *session_id,
                                                                   const char             *to_fingerprint,
                                                                   const char             *candidate,
                                                                   const char             *sdp_mid,
                                                                   int                     sdp_mline_index,
                                                                   GError                **error);
AVANUE_AVAILABLE_IN_ALL
gboolean               avanue_signaling_client_send_app_message   (AvanueSignalingClient  *self,
                                                                   const char             *session_id,
                                                                   const char             *to_fingerprint,
                                                                   JsonObject             *payload,
                                                                   GError                **error);
AVANUE_AVAILABLE_IN_ALL
gboolean               avanue_signaling_client_update_capabilities (AvanueSignalingClient *self,
                                                                   const char             *session_id,
                                                                   AvanueCapabilities     *capabilities,
                                                                   GError                **error);
AVANUE_AVAILABLE_IN_ALL
gboolean               avanue_signaling_client_report_stats       (AvanueSignalingClient  *self,
                                                                   const char             *session_id,
                                                                   double                  avg_latency_ms,
                                                                   double                  avg_packet_loss_percent,
                                                                   const char             *nat_type,
                                                                   const char             *candidate_type,
                                                                   GError                **error);

G_END_DECLS
