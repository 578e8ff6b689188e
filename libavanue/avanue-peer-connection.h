/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#if !defined(__AVANUE_H_INSIDE__) && !defined(AVANUE_COMPILATION)
#error "Only <avanue.h> can be included directly."
#endif

#include <gio/gio.h>
#include "avanue-version.h"
#include "avanue-data-channel.h"
#include "avanue-session.h"
#include "avanue-signaling-client.h"

G_BEGIN_DECLS

/**
 * AVANUE_PEER_CONNECTION_ERROR:
 *
 * The error domain of [class@Avanue.PeerConnection]; errors are values of
 * [enum@Avanue.PeerConnectionError].
 */
#define AVANUE_PEER_CONNECTION_ERROR (avanue_peer_connection_error_quark ())

/**
 * AvanuePeerConnectionError:
 * @AVANUE_PEER_CONNECTION_ERROR_FAILED: something failed that is not
 *   listed here (creating the ICE agent, a certificate, an SCTP socket)
 * @AVANUE_PEER_CONNECTION_ERROR_INVALID_STATE: the call does not fit the
 *   connection's state (an offer while one is being answered, anything
 *   after [method@Avanue.PeerConnection.close])
 * @AVANUE_PEER_CONNECTION_ERROR_BAD_SDP: a session description could not
 *   be read, or describes no data channel section
 * @AVANUE_PEER_CONNECTION_ERROR_BAD_ICE_SERVER: an ICE server URL is
 *   malformed, or its host name could not be resolved
 * @AVANUE_PEER_CONNECTION_ERROR_ICE_FAILED: ICE found no working candidate
 *   pair
 * @AVANUE_PEER_CONNECTION_ERROR_DTLS_FAILED: the DTLS handshake failed or
 *   timed out
 * @AVANUE_PEER_CONNECTION_ERROR_FINGERPRINT_MISMATCH: the peer's DTLS
 *   certificate does not match the fingerprint in its session description
 * @AVANUE_PEER_CONNECTION_ERROR_SCTP_FAILED: the SCTP association could
 *   not be established, or was lost
 *
 * Errors in the [error@Avanue.PeerConnectionError] domain.
 *
 * Since: 0.1
 */
typedef enum
{
  AVANUE_PEER_CONNECTION_ERROR_FAILED,
  AVANUE_PEER_CONNECTION_ERROR_INVALID_STATE,
  AVANUE_PEER_CONNECTION_ERROR_BAD_SDP,
  AVANUE_PEER_CONNECTION_ERROR_BAD_ICE_SERVER,
  AVANUE_PEER_CONNECTION_ERROR_ICE_FAILED,
  AVANUE_PEER_CONNECTION_ERROR_DTLS_FAILED,
  AVANUE_PEER_CONNECTION_ERROR_FINGERPRINT_MISMATCH,
  AVANUE_PEER_CONNECTION_ERROR_SCTP_FAILED,
} AvanuePeerConnectionError;

AVANUE_AVAILABLE_IN_ALL
GQuark avanue_peer_connection_error_quark (void);

/**
 * AvanuePeerConnectionState:
 * @AVANUE_PEER_CONNECTION_STATE_NEW: nothing has been negotiated yet
 * @AVANUE_PEER_CONNECTION_STATE_CONNECTING: offer and answer, ICE checks,
 *   the DTLS handshake and the SCTP association are under way
 * @AVANUE_PEER_CONNECTION_STATE_CONNECTED: ICE, DTLS and SCTP are up: data
 *   channels can open
 * @AVANUE_PEER_CONNECTION_STATE_DISCONNECTED: the link was up and is lost:
 *   ICE lost its pair (it may come back after an ICE restart), or the peer
 *   closed DTLS or SCTP, or left the session
 * @AVANUE_PEER_CONNECTION_STATE_FAILED: the link could not be established;
 *   [method@Avanue.PeerConnection.get_error] says why
 * @AVANUE_PEER_CONNECTION_STATE_CLOSED: [method@Avanue.PeerConnection.close]
 *   was called, or the session ended
 *
 * The state of an [class@Avanue.PeerConnection], like the W3C
 * `RTCPeerConnection.connectionState`.
 *
 * Since: 0.1
 */
typedef enum
{
  AVANUE_PEER_CONNECTION_STATE_NEW,
  AVANUE_PEER_CONNECTION_STATE_CONNECTING,
  AVANUE_PEER_CONNECTION_STATE_CONNECTED,
  AVANUE_PEER_CONNECTION_STATE_DISCONNECTED,
  AVANUE_PEER_CONNECTION_STATE_FAILED,
  AVANUE_PEER_CONNECTION_STATE_CLOSED,
} AvanuePeerConnectionState;

/**
 * AvanueIceTransportPolicy:
 * @AVANUE_ICE_TRANSPORT_POLICY_ALL: use every kind of candidate: host,
 *   server reflexive and relayed
 * @AVANUE_ICE_TRANSPORT_POLICY_RELAY: use only relayed candidates, through
 *   a TURN server: the peer never learns this device's addresses
 *
 * Which local ICE candidates a [class@Avanue.PeerConnection] may use, the
 * W3C `iceTransportPolicy`.
 *
 * Since: 0.1
 */
typedef enum
{
  AVANUE_ICE_TRANSPORT_POLICY_ALL,
  AVANUE_ICE_TRANSPORT_POLICY_RELAY,
} AvanueIceTransportPolicy;

#define AVANUE_TYPE_PEER_CONNECTION (avanue_peer_connection_get_type ())
AVANUE_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (AvanuePeerConnection, avanue_peer_connection, AVANUE, PEER_CONNECTION, GObject)

AVANUE_AVAILABLE_IN_ALL
AvanuePeerConnection     *avanue_peer_connection_new                 (AvanueSignalingClient    *client,
                                                                      AvanueSession            *session,
                                                                      const char               *remote_fingerprint);

AVANUE_AVAILABLE_IN_ALL
AvanueSignalingClient    *avanue_peer_connection_get_signaling_client (AvanuePeerConnection    *self);
AVANUE_AVAILABLE_IN_ALL
AvanueSession            *avanue_peer_connection_get_session         (AvanuePeerConnection     *self);
AVANUE_AVAILABLE_IN_ALL
const char               *avanue_peer_connection_get_remote_fingerprint (AvanuePeerConnection  *self);
AVANUE_AVAILABLE_IN_ALL
AvanuePeerConnectionState avanue_peer_connection_get_connection_state (AvanuePeerConnection    *self);
AVANUE_AVAILABLE_IN_ALL
const GError             *avanue_peer_connection_get_error           (AvanuePeerConnection     *self);
AVANUE_AVAILABLE_IN_ALL
AvanueIceTransportPolicy  avanue_peer_connection_get_ice_transport_policy (AvanuePeerConnection *self);
AVANUE_AVAILABLE_IN_ALL
void                      avanue_peer_connection_set_ice_transport_policy (AvanuePeerConnection *self,
                                                                           AvanueIceTransportPolicy policy);
AVANUE_AVAILABLE_IN_ALL
const char               *avanue_peer_connection_get_local_candidate_type (AvanuePeerConnection *self);
AVANUE_AVAILABLE_IN_ALL
const char               *avanue_peer_connection_get_remote_candidate_type (AvanuePeerConnection *self);
AVANUE_AVAILABLE_IN_ALL
const char               *avanue_peer_connection_get_local_certificate_fingerprint (AvanuePeerConnection *self);
AVANUE_AVAILABLE_IN_ALL
guint64                   avanue_peer_connection_get_max_message_size (AvanuePeerConnection    *self);

AVANUE_AVAILABLE_IN_ALL
gboolean                  avanue_peer_connection_add_ice_server      (AvanuePeerConnection     *self,
                                                                      const char               *url,
                                                                      const char               *username,
                                                                      const char               *credential,
                                                                      GError                  **error);
AVANUE_AVAILABLE_IN_ALL
void                      avanue_peer_connection_fetch_ice_servers_async (AvanuePeerConnection *self,
                                                                          const char           *url,
                                                                          const char           *bearer_token,
                                                                          GCancellable         *cancellable,
                                                                          GAsyncReadyCallback   callback,
                                                                          gpointer              user_data);
AVANUE_AVAILABLE_IN_ALL
gboolean                  avanue_peer_connection_fetch_ice_servers_finish (AvanuePeerConnection *self,
                                                                           GAsyncResult         *result,
                                                                           GError              **error);

AVANUE_AVAILABLE_IN_ALL
gboolean                  avanue_peer_connection_start               (AvanuePeerConnection     *self,
                                                                      GError                  **error);
AVANUE_AVAILABLE_IN_ALL
gboolean                  avanue_peer_connection_accept_offer        (AvanuePeerConnection     *self,
                                                                      const char               *sdp,
                                                                      GError                  **error);
AVANUE_AVAILABLE_IN_ALL
gboolean                  avanue_peer_connection_restart_ice         (AvanuePeerConnection     *self,
                                                                      GError                  **error);
AVANUE_AVAILABLE_IN_ALL
AvanueDataChannel        *avanue_peer_connection_create_data_channel (AvanuePeerConnection     *self,
                                                                      const char               *label,
                                                                      AvanueDataChannelOptions *options,
                                                                      GError                  **error);
AVANUE_AVAILABLE_IN_ALL
void                      avanue_peer_connection_close               (AvanuePeerConnection     *self);

G_END_DECLS
