/* SPDX-License-Identifier: LGPL-2.1-or-later */
/**
 * AvanuePeerConnection:
 *
 * One WebRTC link between this device and another participant of an
 * [class@Avanue.Session], for [class@Avanue.DataChannel]s, compatible with
 * browsers' `RTCPeerConnection`.
 *
 * ## Layers
 *
 * - ICE (RFC 8445, 8838) with libnice: host, server-reflexive and relayed
 *   candidates (STUN and TURN servers from the session or from
 *   [method@Avanue.PeerConnection.add_ice_server]), trickled to the peer
 *   as `ICE_CANDIDATE` messages as soon as they are found; an empty
 *   candidate string is the end of candidates, both ways. With
 *   [property@Avanue.PeerConnection:ice-transport-policy] set to
 *   %AVANUE_ICE_TRANSPORT_POLICY_RELAY only relayed candidates are used.
 * - DTLS 1.2 with GnuTLS: a fresh self-signed ECDSA P-256 certificate per
 *   connection; the peer's certificate must match the `a=fingerprint` of
 *   its session description, or the connection fails with
 *   %AVANUE_PEER_CONNECTION_ERROR_FINGERPRINT_MISMATCH.
 * - SCTP over DTLS (RFC 8261) with usrsctp, port 5000, and data channels
 *   on top (RFC 8831, DCEP RFC 8832).
 *
 * ## Negotiation
 *
 * Session descriptions are those of a data-only browser session (one
 * `m=application 9 UDP/DTLS/SCTP webrtc-datachannel` section, bundled,
 * `a=setup:actpass` in offers, `active` or `passive` in answers,
 * `a=max-message-size:262144`) and travel as `SDP_OFFER` and `SDP_ANSWER`
 * through the [class@Avanue.SignalingClient].
 *
 * Who offers (DESIGN §5): the participant that was in the session first
 * offers to the newcomer: it creates a connection when it hears
 * [signal@Avanue.SignalingClient::participant-joined] and calls
 * [method@Avanue.PeerConnection.start]. The newcomer creates a
 * connection for each participant already there and waits: a connection
 * answers an `SDP_OFFER` from its remote participant by itself. An offer
 * that came before the connection existed can be handed over with
 * [method@Avanue.PeerConnection.accept_offer]. When both sides offer at
 * once (glare), the offer of the lexicographically smaller identity
 * fingerprint wins and the other side drops its own offer and answers.
 *
 * ## ICE restarts
 *
 * [method@Avanue.PeerConnection.restart_ice] gathers candidates anew with
 * new ICE credentials and offers them, while the DTLS and SCTP
 * association carry on: data channels survive. A connection restarts by
 * itself when its remote participant comes back into the session (a
 * rejoin: [signal@Avanue.SignalingClient::participant-joined] for a peer
 * it had negotiated with), and when the machine's network addresses
 * change.
 *
 * ## Threads
 *
 * Create and use a connection on one thread; its signals and those of
 * its channels are emitted in the thread-default main context that was
 * current when it was created. libnice runs in that context. usrsctp runs
 * timers on a thread of its own: what it sends goes straight to DTLS and
 * libnice (both thread-safe), and what it receives is handed back to the
 * connection's context before anything else happens.
 *
 * Since: 0.1
 */
#include "config.h"

#include <string.h>

#include <libsoup/soup.h>
#include <nice/agent.h>
#include <nice/interfaces.h>

#include "avanue-data-channel-private.h"
#include "avanue-dtls-transport-private.h"
#include "avanue-enum-types.h"
#include "avanue-peer-connection-private.h"
#include "avanue-sctp-transport-private.h"
#include "avanue-sdp-private.h"

#define COMPONENT_ID 1
#define LOCAL_SCTP_PORT 5000
#define MAX_PENDING_REMOTE_CANDIDATES 128
/* a single message is at most the SCTP send buffer (non-blocking usrsctp
 * sends a message whole or not at all) */
#define MAX_SEND_MESSAGE_SIZE (1024 * 1024)
#define NETWORK_CHANGE_DELAY_MS 1500

typedef enum {
  SIGNALING_STABLE,
  SIGNALING_HAVE_LOCAL_OFFER,
} SignalingState;

typedef struct {
  NiceRelayType relay_type;
  gboolean is_turn;
  char *host;
  guint16 port;
  char *username;
  char *credential;
  char *address;                        /* resolved */
} IceServer;

/* What the DTLS layer sends through: libnice's agent and the stream in
 * use, shared with the thread usrsctp sends from. */
typedef struct {
  NiceAgent *agent;
  int stream_id;                        /* atomic */
} IceLink;

struct _AvanuePeerConnection
{
  GObject parent_instance;

  AvanueSignalingClient *client;
  AvanueSession *session;
  char *session_id;
  char *local_fingerprint;
  char *remote_fingerprint;
  GMainContext *context;
  AvanuePeerConnectionTestFlags test_flags;

  AvanuePeerConnectionState state;
  GError *error;
  gboolean was_connected;
  gboolean torn_down;
  char *local_candidate_type;
  char *remote_candidate_type;

  /* ICE servers */
  AvanueIceTransportPolicy policy;
  GPtrArray *ice_servers;               /* IceServer */
  gboolean ice_servers_explicit;
  guint fetching;                       /* fetch_ice_servers_async() in flight */
  gboolean ice_preparing;
  gboolean ice_ready;
  guint resolving;
  GCancellable *cancellable;
  gboolean want_offer;                  /* start() waits for the servers */
  char *waiting_offer;                  /* a remote offer waits for them */

  /* ICE */
  NiceAgent *agent;
  IceLink *link;
  guint stream_id;
  guint old_stream_id;                  /* kept until a restarted stream connects */
  gboolean gathering;
  gboolean gathering_done;
  gboolean ice_connected;
  gboolean description_sent;            /* candidates may go to the peer */
  GPtrArray *local_candidates_pending;  /* before the description went */
  gboolean remote_description;          /* remote credentials set on this stream */
  char *remote_ufrag;
  char *remote_pwd;
  GPtrArray *remote_candidates_pending; /* before the remote description */
  gboolean remote_gathering_done_pending;
  GStrv local_ips;                      /* at gathering, to see network changes */
  char *local_ufrag;                    /* for tests */

  /* negotiation */
  SignalingState signaling;
  gboolean negotiated;                  /* an offer/answer exchange completed */
  guint64 sdp_session_id;
  guint64 sdp_version;
  char *mid;
  guint mline_index;
  guint16 remote_sctp_port;
  guint64 remote_max_message_size;
  char *remote_fingerprint_algorithm;
  GBytes *remote_certificate_fingerprint;
  gboolean dtls_role_known;
  gboolean dtls_client;

  /* DTLS and SCTP */
  AvanueDtlsCertificate *certificate;
  char *local_certificate_fingerprint;
  AvanueDtlsTransport *dtls;
  GSource *dtls_timer;
  AvanueSctpTransport *sctp;
  gboolean sctp_connected;
  guint16 n_outbound;

  /* channels */
  GHashTable *channels;                 /* stream id → AvanueDataChannel (owned) */
  GPtrArray *pending_channels;          /* before SCTP is up (owned) */
  gboolean flushing;

  GNetworkMonitor *monitor;
  GSource *network_timer;
};

G_DEFINE_FINAL_TYPE (AvanuePeerConnection, avanue_peer_connection, G_TYPE_OBJECT)

G_DEFINE_QUARK (avanue-peer-connection-error-quark, avanue_peer_connection_error)

enum {
  PROP_0,
  PROP_SIGNALING_CLIENT,
  PROP_SESSION,
  PROP_REMOTE_FINGERPRINT,
  PROP_CONNECTION_STATE,
  PROP_ICE_TRANSPORT_POLICY,
  PROP_LOCAL_CANDIDATE_TYPE,
  PROP_REMOTE_CANDIDATE_TYPE,
  PROP_LOCAL_CERTIFICATE_FINGERPRINT,
  PROP_MAX_MESSAGE_SIZE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

enum {
  SIGNAL_DATA_CHANNEL,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void prepare_ice (AvanuePeerConnection *self);
static void send_offer (AvanuePeerConnection *self);
static void handle_remote_offer (AvanuePeerConnection *self,
                                 const char           *sdp);
static void dtls_drive (AvanuePeerConnection *self,
                        const guint8         *data,
                        gsize                 len);
static void open_pending_channels (AvanuePeerConnection *self);
static gboolean restart_ice (AvanuePeerConnection *self,
                             GError              **error);

/* ------------------------------------------------------------------------
 * Small helpers
 * ------------------------------------------------------------------------ */

static void
ice_server_free (gpointer data)
{
  IceServer *server = data;

  g_free (server->host);
  g_free (server->username);
  g_free (server->credential);
  g_free (server->address);
  g_free (server);
}

static IceLink *
ice_link_new (NiceAgent *agent)
{
  IceLink *link = g_atomic_rc_box_new0 (IceLink);

  link->agent = g_object_ref (agent);
  return link;
}

static void
ice_link_clear (gpointer data)
{
  IceLink *link = data;

  g_object_unref (link->agent);
}

static void
ice_link_unref (gpointer data)
{
  g_atomic_rc_box_release_full (data, ice_link_clear);
}

/* Any thread: under the DTLS transport's mutex */
static void
ice_link_send (const guint8 *data,
               gsize         len,
               gpointer      user_data)
{
  IceLink *link = user_data;
  guint stream_id = (guint) g_atomic_int_get (&link->stream_id);

  if (stream_id != 0)
    nice_agent_send (link->agent, stream_id, COMPONENT_ID, (guint) len, (const char *) data);
}

typedef struct {
  NiceAgent *agent;
  guint stream_id;
} StreamRemoval;

static gboolean
remove_stream_cb (gpointer user_data)
{
  StreamRemoval *removal = user_data;

  nice_agent_remove_stream (removal->agent, removal->stream_id);
  return G_SOURCE_REMOVE;
}

static void
stream_removal_free (gpointer data)
{
  StreamRemoval *removal = data;

  g_object_unref (removal->agent);
  g_free (removal);
}

/* Stops delivery now and removes the stream from the main loop: libnice
 * may be emitting a signal for it right now */
static void
remove_stream_later (NiceAgent    *agent,
                     GMainContext *context,
                     guint         stream_id)
{
  StreamRemoval *removal = g_new0 (StreamRemoval, 1);
  GSource *source = g_idle_source_new ();

  nice_agent_attach_recv (agent, stream_id, COMPONENT_ID, context, NULL, NULL);
  removal->agent = g_object_ref (agent);
  removal->stream_id = stream_id;
  g_source_set_callback (source, remove_stream_cb, removal, stream_removal_free);
  g_source_set_static_name (source, "[avanue] remove ICE stream");
  g_source_attach (source, context);
  g_source_unref (source);
}

static GSource *
attach_timeout (AvanuePeerConnection *self,
                guint                 ms,
                GSourceFunc           func,
                const char           *name)
{
  GSource *source = g_timeout_source_new (ms);

  g_source_set_callback (source, func, self, NULL);
  g_source_set_static_name (source, name);
  g_source_attach (source, self->context);
  return source;
}

static void
clear_source (GSource **source)
{
  if (*source == NULL)
    return;
  g_source_destroy (*source);
  g_clear_pointer (source, g_source_unref);
}

static const char *
candidate_type_name (NiceCandidateType type)
{
  switch (type)
    {
    case NICE_CANDIDATE_TYPE_HOST:
      return "host";
    case NICE_CANDIDATE_TYPE_SERVER_REFLEXIVE:
      return "srflx";
    case NICE_CANDIDATE_TYPE_PEER_REFLEXIVE:
      return "prflx";
    case NICE_CANDIDATE_TYPE_RELAYED:
      return "relay";
    default:
      return NULL;
    }
}

static GStrv
local_ips_snapshot (void)
{
  GList *ips = nice_interfaces_get_local_ips (FALSE);
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  GStrv result;

  for (GList *l = ips; l != NULL; l = l->next)
    g_strv_builder_add (builder, l->data);
  g_list_free_full (ips, g_free);
  result = g_strv_builder_end (builder);
  /* order does not matter */
  qsort (result, g_strv_length (result), sizeof (char *), (GCompareFunc) g_strcmp0);
  return result;
}

/* ------------------------------------------------------------------------
 * State
 * ------------------------------------------------------------------------ */

static const char *
state_name (AvanuePeerConnectionState state)
{
  static const char * const names[] = {
    [AVANUE_PEER_CONNECTION_STATE_NEW] = "new",
    [AVANUE_PEER_CONNECTION_STATE_CONNECTING] = "connecting",
    [AVANUE_PEER_CONNECTION_STATE_CONNECTED] = "connected",
    [AVANUE_PEER_CONNECTION_STATE_DISCONNECTED] = "disconnected",
    [AVANUE_PEER_CONNECTION_STATE_FAILED] = "failed",
    [AVANUE_PEER_CONNECTION_STATE_CLOSED] = "closed",
  };

  return (guint) state < G_N_ELEMENTS (names) ? names[state] : "?";
}

static void
set_state (AvanuePeerConnection      *self,
           AvanuePeerConnectionState  state)
{
  if (self->state == state)
    return;
  g_debug ("peer connection %p: %s → %s", self, state_name (self->state), state_name (state));
  self->state = state;
  if (state == AVANUE_PEER_CONNECTION_STATE_CONNECTED)
    self->was_connected = TRUE;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CONNECTION_STATE]);
}

static gboolean
is_finished (AvanuePeerConnection *self)
{
  return self->state == AVANUE_PEER_CONNECTION_STATE_CLOSED ||
         self->state == AVANUE_PEER_CONNECTION_STATE_FAILED || self->torn_down;
}

static void
close_channels (AvanuePeerConnection *self)
{
  g_autoptr(GPtrArray) all = g_ptr_array_new_with_free_func (g_object_unref);
  GHashTableIter iter;
  gpointer value;

  g_hash_table_iter_init (&iter, self->channels);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    g_ptr_array_add (all, g_object_ref (value));
  for (guint i = 0; i < self->pending_channels->len; i++)
    g_ptr_array_add (all, g_object_ref (g_ptr_array_index (self->pending_channels, i)));
  g_hash_table_remove_all (self->channels);
  g_ptr_array_set_size (self->pending_channels, 0);
  for (guint i = 0; i < all->len; i++)
    avanue_data_channel_detach (g_ptr_array_index (all, i));
}

/* Stops DTLS and SCTP (the peer sees an ABORT and a close_notify) and
 * ICE; the channels close. */
static void
tear_down (AvanuePeerConnection *self)
{
  self->torn_down = TRUE;
  clear_source (&self->dtls_timer);
  clear_source (&self->network_timer);
  g_cancellable_cancel (self->cancellable);
  if (self->sctp != NULL)
    {
      avanue_sctp_transport_close (self->sctp);
      self->sctp = NULL;
    }
  self->sctp_connected = FALSE;
  if (self->dtls != NULL)
    {
      avanue_dtls_transport_close (self->dtls);
      g_clear_pointer (&self->dtls, avanue_dtls_transport_unref);
    }
  if (self->agent != NULL)
    {
      if (self->old_stream_id != 0)
        remove_stream_later (self->agent, self->context, self->old_stream_id);
      if (self->stream_id != 0)
        remove_stream_later (self->agent, self->context, self->stream_id);
      self->old_stream_id = 0;
      self->stream_id = 0;
    }
  if (self->link != NULL)
    g_atomic_int_set (&self->link->stream_id, 0);
  close_channels (self);
}

/* The link could not be established (→ FAILED), or was lost after it was
 * (→ DISCONNECTED) */
static void
fail (AvanuePeerConnection *self,
      GError               *error)
{
  g_autoptr(GError) owned = error;

  if (is_finished (self))
    return;
  g_debug ("peer connection %p: %s", self, owned->message);
  if (self->error == NULL)
    self->error = g_steal_pointer (&owned);
  g_object_ref (self);
  tear_down (self);
  /* a ::closed handler may have closed the connection meanwhile */
  if (self->state != AVANUE_PEER_CONNECTION_STATE_CLOSED)
    set_state (self, self->was_connected ? AVANUE_PEER_CONNECTION_STATE_DISCONNECTED
                                         : AVANUE_PEER_CONNECTION_STATE_FAILED);
  g_object_unref (self);
}

static void
fail_literal (AvanuePeerConnection *self,
              int                   code,
              const char           *message)
{
  fail (self, g_error_new_literal (AVANUE_PEER_CONNECTION_ERROR, code, message));
}

/* ------------------------------------------------------------------------
 * ICE servers
 * ------------------------------------------------------------------------ */

/* stun:host[:port], turn:host[:port][?transport=udp|tcp],
 * turns:host[:port][?transport=tcp] (RFC 7064, 7065) */
static IceServer *
parse_ice_url (const char  *url,
               GError     **error)
{
  g_autoptr(GUri) uri = NULL;
  g_autofree char *with_slashes = NULL;
  const char *scheme_end = url != NULL ? strchr (url, ':') : NULL;
  g_autofree char *scheme = NULL;
  const char *query;
  IceServer *server;
  int port;

  if (scheme_end == NULL)
    {
      g_set_error (error, AVANUE_PEER_CONNECTION_ERROR, AVANUE_PEER_CONNECTION_ERROR_BAD_ICE_SERVER,
                   "Not an ICE server URL: “%s”", url != NULL ? url : "");
      return NULL;
    }
  scheme = g_ascii_strdown (url, scheme_end - url);
  if (!g_str_equal (scheme, "stun") && !g_str_equal (scheme, "turn") && !g_str_equal (scheme, "turns"))
    {
      g_set_error (error, AVANUE_PEER_CONNECTION_ERROR, AVANUE_PEER_CONNECTION_ERROR_BAD_ICE_SERVER,
                   "Unsupported ICE server scheme “%s”", scheme);
      return NULL;
    }
  /* parse "scheme://host:port?query" with GUri */
  with_slashes = g_strconcat (scheme, "://", scheme_end + 1, NULL);
  uri = g_uri_parse (with_slashes, G_URI_FLAGS_NONE, NULL);
  if (uri == NULL || g_uri_get_host (uri) == NULL || *g_uri_get_host (uri) == '\0' ||
      g_uri_get_userinfo (uri) != NULL || (*g_uri_get_path (uri) != '\0'))
    {
      g_set_error (error, AVANUE_PEER_CONNECTION_ERROR, AVANUE_PEER_CONNECTION_ERROR_BAD_ICE_SERVER,
                   "Malformed ICE server URL “%s”", url);
      return NULL;
    }

  server = g_new0 (IceServer, 1);
  server->is_turn = !g_str_equal (scheme, "stun");
  server->host = g_strdup (g_uri_get_host (uri));
  port = g_uri_get_port (uri);
  server->port = (guint16) (port > 0 && port <= G_MAXUINT16 ? port : g_str_equal (scheme, "turns") ? 5349 : 3478);
  server->relay_type = g_str_equal (scheme, "turns") ? NICE_RELAY_TYPE_TURN_TLS : NICE_RELAY_TYPE_TURN_UDP;
  query = g_uri_get_query (uri);
  if (query != NULL)
    {
      if (g_str_equal (query, "transport=tcp") && server->is_turn)
        {
          if (server->relay_type == NICE_RELAY_TYPE_TURN_UDP)
            server->relay_type = NICE_RELAY_TYPE_TURN_TCP;
        }
      else if (!g_str_equal (query, "transport=udp") || server->relay_type == NICE_RELAY_TYPE_TURN_TLS)
        {
          g_set_error (error, AVANUE_PEER_CONNECTION_ERROR, AVANUE_PEER_CONNECTION_ERROR_BAD_ICE_SERVER,
                       "Unsupported ICE server URL parameters in “%s”", url);
          ice_server_free (server);
          return NULL;
        }
    }
  if (g_hostname_is_ip_address (server->host))
    server->address = g_strdup (server->host);
  return server;
}

static gboolean
add_ice_server (AvanuePeerConnection  *self,
                const char            *url,
                const char            *username,
                const char            *credential,
                GError               **error)
{
  IceServer *server = parse_ice_url (url, error);

  if (server == NULL)
    return FALSE;
  if (server->is_turn && (username == NULL || credential == NULL))
    {
      g_set_error (error, AVANUE_PEER_CONNECTION_ERROR, AVANUE_PEER_CONNECTION_ERROR_BAD_ICE_SERVER,
                   "The TURN server “%s” needs a username and a credential", url);
      ice_server_free (server);
      return FALSE;
    }
  server->username = g_strdup (username);
  server->credential = g_strdup (credential);
  g_ptr_array_add (self->ice_servers, server);
  return TRUE;
}

static void
add_turn_credentials (AvanuePeerConnection  *self,
                      AvanueTurnCredentials *credentials)
{
  const char * const *urls = avanue_turn_credentials_get_urls (credentials);

  for (guint i = 0; urls != NULL && urls[i] != NULL; i++)
    {
      g_autoptr(GError) error = NULL;

      if (!add_ice_server (self, urls[i], avanue_turn_credentials_get_username (credentials),
                           avanue_turn_credentials_get_password (credentials), &error))
        g_debug ("peer connection %p: skipping an ICE server: %s", self, error->message);
    }
}

static void
ice_ready (AvanuePeerConnection *self)
{
  if (self->resolving > 0 || self->ice_ready)
    return;
  self->ice_ready = TRUE;
  self->ice_preparing = FALSE;
  if (is_finished (self))
    return;

  /* a remote offer wins over our own start(): nothing of ours went out */
  if (self->waiting_offer != NULL)
    {
      g_autofree char *sdp = g_steal_pointer (&self->waiting_offer);

      self->want_offer = FALSE;
      handle_remote_offer (self, sdp);
    }
  else if (self->want_offer)
    {
      self->want_offer = FALSE;
      send_offer (self);
    }
}

static void
store_address (IceServer *server,
               GList     *addresses)
{
  /* IPv4 first: relays usually listen there */
  for (GList *l = addresses; l != NULL; l = l->next)
    {
      if (g_inet_address_get_family (l->data) == G_SOCKET_FAMILY_IPV4)
        {
          server->address = g_inet_address_to_string (l->data);
          return;
        }
    }
  if (addresses != NULL)
    server->address = g_inet_address_to_string (addresses->data);
}

typedef struct {
  AvanuePeerConnection *self;
  IceServer *server;
} ResolveData;

static void
resolve_done_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  ResolveData *data = user_data;
  g_autoptr(AvanuePeerConnection) self = data->self;
  g_autoptr(GError) error = NULL;
  GList *addresses;

  addresses = g_resolver_lookup_by_name_finish (G_RESOLVER (source), result, &error);
  if (addresses != NULL)
    store_address (data->server, addresses);
  else if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    g_debug ("peer connection %p: ICE server %s: %s", self, data->server->host, error->message);
  g_resolver_free_addresses (addresses);
  g_free (data);
  if (g_cancellable_is_cancelled (self->cancellable))
    return;
  self->resolving--;
  ice_ready (self);
}

static void
resolve_ice_servers (AvanuePeerConnection *self)
{
  g_autoptr(GResolver) resolver = g_resolver_get_default ();

  self->resolving++;
  for (guint i = 0; i < self->ice_servers->len; i++)
    {
      IceServer *server = g_ptr_array_index (self->ice_servers, i);
      ResolveData *data;

      if (server->address != NULL)
        continue;
      data = g_new0 (ResolveData, 1);
      data->self = g_object_ref (self);
      data->server = server;
      self->resolving++;
      g_resolver_lookup_by_name_async (resolver, server->host, self->cancellable, resolve_done_cb, data);
    }
  self->resolving--;
  ice_ready (self);
}

static void
request_turn_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(AvanuePeerConnection) self = user_data;
  g_autoptr(AvanueTurnCredentials) credentials = NULL;
  g_autoptr(GError) error = NULL;

  credentials = avanue_signaling_client_request_turn_finish (AVANUE_SIGNALING_CLIENT (source), result, &error);
  if (g_cancellable_is_cancelled (self->cancellable))
    return;
  if (credentials != NULL)
    add_turn_credentials (self, credentials);
  else
    g_debug ("peer connection %p: no TURN credentials: %s", self, error->message);
  resolve_ice_servers (self);
}

/* ICE servers: those added, or else the session's TURN credentials, or
 * else whatever REQUEST_TURN gives on a tier with relays; then their
 * host names resolved. Offers and answers wait for this. */
static void
prepare_ice (AvanuePeerConnection *self)
{
  AvanueTurnCredentials *credentials;

  if (self->ice_ready || self->ice_preparing || self->fetching > 0)
    return;
  self->ice_preparing = TRUE;

  if (self->ice_servers_explicit || self->ice_servers->len > 0)
    {
      resolve_ice_servers (self);
      return;
    }
  credentials = avanue_session_get_turn_credentials (self->session);
  if (credentials != NULL)
    {
      add_turn_credentials (self, credentials);
      resolve_ice_servers (self);
      return;
    }
  if (avanue_session_get_turn_allowed (self->session) &&
      avanue_signaling_client_get_state (self->client) == AVANUE_SIGNALING_STATE_REGISTERED)
    {
      avanue_signaling_client_request_turn_async (self->client, self->session_id, self->cancellable,
                                                  request_turn_cb, g_object_ref (self));
      return;
    }
  resolve_ice_servers (self);
}

/* ------------------------------------------------------------------------
 * Signaling out
 * ------------------------------------------------------------------------ */

static void
send_candidate (AvanuePeerConnection *self,
                const char           *candidate)
{
  g_autoptr(GError) error = NULL;

  if (!avanue_signaling_client_send_ice_candidate (self->client, self->session_id, self->remote_fingerprint,
                                                   candidate, self->mid, (int) self->mline_index, &error))
    g_debug ("peer connection %p: could not send a candidate: %s", self, error->message);
}

/* After our description went out, candidates follow it */
static void
description_sent (AvanuePeerConnection *self)
{
  self->description_sent = TRUE;
  for (guint i = 0; i < self->local_candidates_pending->len; i++)
    send_candidate (self, g_ptr_array_index (self->local_candidates_pending, i));
  g_ptr_array_set_size (self->local_candidates_pending, 0);
  if (self->gathering_done)
    send_candidate (self, "");
}

static void
local_candidate (AvanuePeerConnection *self,
                 const char           *candidate)
{
  if (self->description_sent)
    send_candidate (self, candidate);
  else
    g_ptr_array_add (self->local_candidates_pending, g_strdup (candidate));
}

static char *
local_description (AvanuePeerConnection *self,
                   AvanueSdpSetup        setup,
                   const AvanueSdp      *offer)
{
  g_autoptr(AvanueSdp) sdp = avanue_sdp_new ();
  g_autofree char *ufrag = NULL;
  g_autofree char *pwd = NULL;

  nice_agent_get_local_credentials (self->agent, self->stream_id, &ufrag, &pwd);
  sdp->origin_session_id = self->sdp_session_id;
  sdp->origin_version = ++self->sdp_version;
  sdp->ice_ufrag = g_steal_pointer (&ufrag);
  sdp->ice_pwd = g_steal_pointer (&pwd);
  sdp->ice_trickle = TRUE;
  sdp->fingerprint_algorithm = g_strdup ("sha-256");
  sdp->fingerprint = g_strdup (self->local_certificate_fingerprint);
  if (self->test_flags & AVANUE_PEER_CONNECTION_TEST_CORRUPT_FINGERPRINT)
    sdp->fingerprint[0] = sdp->fingerprint[0] == 'A' ? 'B' : 'A';
  sdp->setup = setup;
  sdp->sctp_port = LOCAL_SCTP_PORT;
  sdp->max_message_size = AVANUE_SDP_LOCAL_MAX_MESSAGE_SIZE;
  sdp->mid = g_strdup (self->mid);
  if (offer != NULL)
    {
      /* the answer mirrors the offer's sections, the others rejected */
      for (guint i = 0; i < offer->other_media->len; i++)
        {
          const AvanueSdpOtherMedia *other = g_ptr_array_index (offer->other_media, i);
          AvanueSdpOtherMedia *copy = NULL;

          if (other != NULL)
            {
              copy = g_new0 (AvanueSdpOtherMedia, 1);
              copy->media = g_strdup (other->media);
              copy->proto = g_strdup (other->proto);
              copy->formats = g_strdup (other->formats);
              copy->mid = g_strdup (other->mid);
            }
          g_ptr_array_add (sdp->other_media, copy);
        }
    }
  return avanue_sdp_to_string (sdp);
}

/* ------------------------------------------------------------------------
 * ICE (libnice), in the connection's main context
 * ------------------------------------------------------------------------ */

static void
recv_cb (NiceAgent *agent,
         guint      stream_id,
         guint      component_id,
         guint      len,
         char      *buf,
         gpointer   user_data)
{
  AvanuePeerConnection *self = user_data;

  if (stream_id != self->stream_id && stream_id != self->old_stream_id)
    return;
  dtls_drive (self, (const guint8 *) buf, len);
}

static void
new_candidate_cb (NiceAgent     *agent,
                  NiceCandidate *candidate,
                  gpointer       user_data)
{
  AvanuePeerConnection *self = user_data;
  g_autofree char *line = NULL;
  g_autofree char *ufrag = NULL;
  g_autofree char *pwd = NULL;
  g_autofree char *with_ufrag = NULL;

  if (candidate->stream_id != self->stream_id || candidate->component_id != COMPONENT_ID)
    return;
  line = nice_agent_generate_local_candidate_sdp (agent, candidate);
  if (line == NULL || !g_str_has_prefix (line, "a=candidate:"))
    return;
  /* "candidate:…" as browsers write it, with the ufrag of its generation */
  nice_agent_get_local_credentials (agent, self->stream_id, &ufrag, &pwd);
  with_ufrag = g_strdup_printf ("%s generation 0 ufrag %s", line + 2, ufrag);
  local_candidate (self, with_ufrag);
}

static void
gathering_done_cb (NiceAgent *agent,
                   guint      stream_id,
                   gpointer   user_data)
{
  AvanuePeerConnection *self = user_data;

  if (stream_id != self->stream_id || self->gathering_done)
    return;
  self->gathering_done = TRUE;
  if (self->description_sent)
    send_candidate (self, "");
}

static void
drop_old_stream (AvanuePeerConnection *self)
{
  if (self->old_stream_id == 0)
    return;
  remove_stream_later (self->agent, self->context, self->old_stream_id);
  self->old_stream_id = 0;
}

static void
maybe_start_dtls (AvanuePeerConnection *self)
{
  g_autoptr(GError) error = NULL;

  if (self->dtls == NULL || !self->ice_connected || !self->dtls_role_known ||
      self->remote_certificate_fingerprint == NULL || avanue_dtls_transport_is_started (self->dtls))
    return;
  if (!avanue_dtls_transport_start (self->dtls, self->dtls_client, self->remote_fingerprint_algorithm,
                                    self->remote_certificate_fingerprint, &error))
    {
      fail (self, g_steal_pointer (&error));
      return;
    }
  g_debug ("peer connection %p: DTLS handshake as %s", self, self->dtls_client ? "client" : "server");
  dtls_drive (self, NULL, 0);
}

static void
component_state_cb (NiceAgent *agent,
                    guint      stream_id,
                    guint      component_id,
                    guint      state,
                    gpointer   user_data)
{
  AvanuePeerConnection *self = user_data;

  if (stream_id != self->stream_id || component_id != COMPONENT_ID || is_finished (self))
    return;
  g_debug ("peer connection %p: ICE %s", self, nice_component_state_to_string (state));

  switch (state)
    {
    case NICE_COMPONENT_STATE_CONNECTED:
    case NICE_COMPONENT_STATE_READY:
      self->ice_connected = TRUE;
      /* make-before-break after a restart */
      g_atomic_int_set (&self->link->stream_id, (int) self->stream_id);
      drop_old_stream (self);
      if (self->sctp_connected && self->state == AVANUE_PEER_CONNECTION_STATE_DISCONNECTED)
        set_state (self, AVANUE_PEER_CONNECTION_STATE_CONNECTED);
      maybe_start_dtls (self);
      break;

    case NICE_COMPONENT_STATE_FAILED:
      /* a restarted stream that fails: the old one still carries */
      if (self->old_stream_id != 0 && self->was_connected)
        break;
      self->ice_connected = FALSE;
      if (self->was_connected)
        {
          /* DTLS and SCTP are kept: an ICE restart may bring them back */
          if (self->state == AVANUE_PEER_CONNECTION_STATE_CONNECTED)
            set_state (self, AVANUE_PEER_CONNECTION_STATE_DISCONNECTED);
        }
      else if (self->old_stream_id == 0)
        {
          fail_literal (self, AVANUE_PEER_CONNECTION_ERROR_ICE_FAILED,
                        self->policy == AVANUE_ICE_TRANSPORT_POLICY_RELAY
                          ? "ICE failed: no relayed candidate pair works"
                          : "ICE failed: no candidate pair works");
        }
      break;

    default:
      break;
    }
}

static void
selected_pair_cb (NiceAgent     *agent,
                  guint          stream_id,
                  guint          component_id,
                  NiceCandidate *local,
                  NiceCandidate *remote,
                  gpointer       user_data)
{
  AvanuePeerConnection *self = user_data;
  const char *local_type, *remote_type;

  if (stream_id != self->stream_id || component_id != COMPONENT_ID)
    return;
  local_type = candidate_type_name (local->type);
  remote_type = candidate_type_name (remote->type);
  if (g_strcmp0 (local_type, self->local_candidate_type) != 0)
    {
      g_free (self->local_candidate_type);
      self->local_candidate_type = g_strdup (local_type);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LOCAL_CANDIDATE_TYPE]);
    }
  if (g_strcmp0 (remote_type, self->remote_candidate_type) != 0)
    {
      g_free (self->remote_candidate_type);
      self->remote_candidate_type = g_strdup (remote_type);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_REMOTE_CANDIDATE_TYPE]);
    }
}

static gboolean
has_loopback_server (AvanuePeerConnection *self)
{
  for (guint i = 0; i < self->ice_servers->len; i++)
    {
      IceServer *server = g_ptr_array_index (self->ice_servers, i);
      g_autoptr(GInetAddress) address = NULL;

      if (server->address != NULL)
        address = g_inet_address_new_from_string (server->address);
      if (address != NULL && g_inet_address_get_is_loopback (address))
        return TRUE;
    }
  return FALSE;
}

static void
add_local_address (NiceAgent  *agent,
                   const char *ip)
{
  NiceAddress address;

  nice_address_init (&address);
  if (nice_address_set_from_string (&address, ip))
    nice_agent_add_local_address (agent, &address);
}

static gboolean
ensure_agent (AvanuePeerConnection *self)
{
  if (self->agent != NULL)
    return TRUE;
  self->agent = nice_agent_new_full (self->context, NICE_COMPATIBILITY_RFC5245,
                                     NICE_AGENT_OPTION_ICE_TRICKLE | NICE_AGENT_OPTION_REGULAR_NOMINATION |
                                     NICE_AGENT_OPTION_CONSENT_FRESHNESS);
  if (self->agent == NULL)
    {
      fail_literal (self, AVANUE_PEER_CONNECTION_ERROR_FAILED, "Could not create the ICE agent");
      return FALSE;
    }
  g_object_set (self->agent, "upnp", FALSE, NULL);
  if (self->policy == AVANUE_ICE_TRANSPORT_POLICY_RELAY)
    g_object_set (self->agent, "force-relay", TRUE, NULL);
  for (guint i = 0; i < self->ice_servers->len; i++)
    {
      IceServer *server = g_ptr_array_index (self->ice_servers, i);

      if (!server->is_turn && server->address != NULL)
        {
          g_object_set (self->agent, "stun-server", server->address, "stun-server-port", (guint) server->port, NULL);
          break;
        }
    }
  g_signal_connect (self->agent, "new-candidate-full", G_CALLBACK (new_candidate_cb), self);
  g_signal_connect (self->agent, "candidate-gathering-done", G_CALLBACK (gathering_done_cb), self);
  g_signal_connect (self->agent, "component-state-changed", G_CALLBACK (component_state_cb), self);
  g_signal_connect (self->agent, "new-selected-pair-full", G_CALLBACK (selected_pair_cb), self);

  /* libnice leaves loopback out, and ties each socket to its interface
   * (IP_UNICAST_IF): a STUN/TURN server on 127.0.0.1 (a test or a
   * single-machine setup) is out of reach from the others. So gather on
   * loopback too when a server is there, or when there is nothing else
   * (a bare network namespace). */
  self->local_ips = local_ips_snapshot ();
  if (self->local_ips[0] == NULL || has_loopback_server (self))
    {
      for (guint i = 0; self->local_ips[i] != NULL; i++)
        add_local_address (self->agent, self->local_ips[i]);
      add_local_address (self->agent, "127.0.0.1");
    }

  self->link = ice_link_new (self->agent);
  self->dtls = avanue_dtls_transport_new (self->certificate, ice_link_send,
                                          g_atomic_rc_box_acquire (self->link), ice_link_unref);
  return TRUE;
}

/* A new stream: new ICE credentials, nothing gathered yet */
static gboolean
create_stream (AvanuePeerConnection *self,
               gboolean              controlling)
{
  guint stream_id;

  if (!ensure_agent (self))
    return FALSE;
  if (self->stream_id != 0)
    {
      drop_old_stream (self);
      self->old_stream_id = self->stream_id;
    }
  stream_id = nice_agent_add_stream (self->agent, 1);
  if (stream_id == 0)
    {
      fail_literal (self, AVANUE_PEER_CONNECTION_ERROR_FAILED, "Could not create an ICE stream");
      return FALSE;
    }
  nice_agent_set_stream_name (self->agent, stream_id, "application");
  for (guint i = 0; i < self->ice_servers->len; i++)
    {
      IceServer *server = g_ptr_array_index (self->ice_servers, i);

      if (server->is_turn && server->address != NULL)
        nice_agent_set_relay_info (self->agent, stream_id, COMPONENT_ID, server->address, server->port,
                                   server->username, server->credential, server->relay_type);
    }
  nice_agent_attach_recv (self->agent, stream_id, COMPONENT_ID, self->context, recv_cb, self);

  g_object_set (self->agent, "controlling-mode", controlling, NULL);
  self->stream_id = stream_id;
  if (self->old_stream_id == 0)
    g_atomic_int_set (&self->link->stream_id, (int) stream_id);
  self->gathering = FALSE;
  self->gathering_done = FALSE;
  self->ice_connected = self->old_stream_id != 0 && self->ice_connected;
  self->description_sent = FALSE;
  g_ptr_array_set_size (self->local_candidates_pending, 0);
  self->remote_description = FALSE;
  self->remote_gathering_done_pending = FALSE;
  g_clear_pointer (&self->remote_ufrag, g_free);
  g_clear_pointer (&self->remote_pwd, g_free);
  return TRUE;
}

static gboolean
has_relay (AvanuePeerConnection *self)
{
  for (guint i = 0; i < self->ice_servers->len; i++)
    {
      IceServer *server = g_ptr_array_index (self->ice_servers, i);

      if (server->is_turn && server->address != NULL)
        return TRUE;
    }
  return FALSE;
}

static void
gather (AvanuePeerConnection *self)
{
  if (self->gathering || is_finished (self))
    return;
  if (self->policy == AVANUE_ICE_TRANSPORT_POLICY_RELAY && !has_relay (self))
    {
      fail_literal (self, AVANUE_PEER_CONNECTION_ERROR_ICE_FAILED,
                    "The ICE transport policy is relay, and there is no usable TURN server");
      return;
    }
  self->gathering = TRUE;
  g_strfreev (self->local_ips);
  self->local_ips = local_ips_snapshot ();
  if (!nice_agent_gather_candidates (self->agent, self->stream_id))
    fail_literal (self, AVANUE_PEER_CONNECTION_ERROR_FAILED, "Could not gather ICE candidates");
}

static void
add_remote_candidate (AvanuePeerConnection *self,
                      const char           *candidate)
{
  g_autofree char *ufrag = avanue_sdp_candidate_get_ufrag (candidate);
  g_autofree char *line = NULL;
  NiceCandidate *parsed;
  GSList *list;

  /* one from before an ICE restart */
  if (ufrag != NULL && self->remote_ufrag != NULL && !g_str_equal (ufrag, self->remote_ufrag))
    return;
  line = g_strconcat ("a=", candidate, NULL);
  parsed = nice_agent_parse_remote_candidate_sdp (self->agent, self->stream_id, line);
  if (parsed == NULL)
    {
      /* an mDNS name, an unknown transport: nothing we can check */
      g_debug ("peer connection %p: ignoring a remote candidate libnice cannot use", self);
      return;
    }
  list = g_slist_prepend (NULL, parsed);
  nice_agent_set_remote_candidates (self->agent, self->stream_id, COMPONENT_ID, list);
  g_slist_free_full (list, (GDestroyNotify) nice_candidate_free);
}

static void
remote_candidates_done (AvanuePeerConnection *self)
{
  nice_agent_peer_candidate_gathering_done (self->agent, self->stream_id);
}

/* The remote description's ICE part, and what was trickled before it */
static void
apply_remote_ice (AvanuePeerConnection *self,
                  const AvanueSdp      *sdp)
{
  g_autoptr(GPtrArray) pending = g_steal_pointer (&self->remote_candidates_pending);

  self->remote_candidates_pending = g_ptr_array_new_with_free_func (g_free);
  g_free (self->remote_ufrag);
  self->remote_ufrag = g_strdup (sdp->ice_ufrag);
  g_free (self->remote_pwd);
  self->remote_pwd = g_strdup (sdp->ice_pwd);
  nice_agent_set_remote_credentials (self->agent, self->stream_id, sdp->ice_ufrag, sdp->ice_pwd);
  self->remote_description = TRUE;

  for (guint i = 0; i < sdp->candidates->len; i++)
    add_remote_candidate (self, g_ptr_array_index (sdp->candidates, i));
  for (guint i = 0; i < pending->len; i++)
    add_remote_candidate (self, g_ptr_array_index (pending, i));
  if (sdp->end_of_candidates || self->remote_gathering_done_pending)
    remote_candidates_done (self);
  self->remote_gathering_done_pending = FALSE;
}

/* The rest of the remote description: DTLS and SCTP parameters */
static gboolean
apply_remote_transport (AvanuePeerConnection *self,
                        const AvanueSdp      *sdp)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) fingerprint = NULL;

  if (self->remote_certificate_fingerprint == NULL)
    {
      fingerprint = avanue_sdp_parse_fingerprint (sdp->fingerprint_algorithm, sdp->fingerprint, &error);
      if (fingerprint == NULL)
        {
          fail (self, g_steal_pointer (&error));
          return FALSE;
        }
      self->remote_fingerprint_algorithm = g_strdup (sdp->fingerprint_algorithm);
      self->remote_certificate_fingerprint = g_steal_pointer (&fingerprint);
      self->remote_sctp_port = sdp->sctp_port;
    }
  /* a later offer cannot change the certificate of a running DTLS */

  if (self->remote_max_message_size != sdp->max_message_size || !self->negotiated)
    {
      self->remote_max_message_size = sdp->max_message_size;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_MAX_MESSAGE_SIZE]);
    }
  return TRUE;
}

/* ------------------------------------------------------------------------
 * Offer / answer
 * ------------------------------------------------------------------------ */

static void
send_offer (AvanuePeerConnection *self)
{
  g_autofree char *sdp = NULL;
  g_autoptr(GError) error = NULL;

  if (is_finished (self))
    return;
  if (self->stream_id == 0 || self->remote_description || self->negotiated)
    {
      /* the first offer, or a restart: a fresh stream */
      if (!create_stream (self, TRUE))
        return;
    }
  g_free (self->mid);
  self->mid = g_strdup ("0");
  self->mline_index = 0;

  sdp = local_description (self, AVANUE_SDP_SETUP_ACTPASS, NULL);
  if (!avanue_signaling_client_send_sdp_offer (self->client, self->session_id, self->remote_fingerprint, sdp,
                                               &error))
    {
      g_prefix_error (&error, "Could not send the offer: ");
      fail (self, g_steal_pointer (&error));
      return;
    }
  self->signaling = SIGNALING_HAVE_LOCAL_OFFER;
  description_sent (self);
  gather (self);
}

static void
handle_remote_offer (AvanuePeerConnection *self,
                     const char           *text)
{
  g_autoptr(AvanueSdp) offer = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *answer = NULL;
  AvanueSdpSetup setup;
  gboolean restart;

  if (is_finished (self))
    return;
  if (!self->ice_ready)
    {
      /* wait for the ICE servers; a newer offer replaces an older one */
      g_free (self->waiting_offer);
      self->waiting_offer = g_strdup (text);
      if (self->state == AVANUE_PEER_CONNECTION_STATE_NEW)
        set_state (self, AVANUE_PEER_CONNECTION_STATE_CONNECTING);
      prepare_ice (self);
      return;
    }

  offer = avanue_sdp_parse (text, &error);
  if (offer == NULL)
    {
      if (!self->negotiated)
        fail (self, g_steal_pointer (&error));
      else
        g_debug ("peer connection %p: ignoring an offer: %s", self, error->message);
      return;
    }

  if (self->signaling == SIGNALING_HAVE_LOCAL_OFFER)
    {
      /* glare: the smaller identity fingerprint's offer wins */
      if (g_strcmp0 (self->local_fingerprint, self->remote_fingerprint) < 0)
        {
          g_debug ("peer connection %p: glare, keeping our offer", self);
          return;
        }
      g_debug ("peer connection %p: glare, rolling back our offer", self);
      self->signaling = SIGNALING_STABLE;
      /* our stream has no remote side yet: it becomes the answer's */
      g_object_set (self->agent, "controlling-mode", FALSE, NULL);
    }

  if (self->state == AVANUE_PEER_CONNECTION_STATE_NEW)
    set_state (self, AVANUE_PEER_CONNECTION_STATE_CONNECTING);

  restart = self->remote_description &&
            (g_strcmp0 (offer->ice_ufrag, self->remote_ufrag) != 0 ||
             g_strcmp0 (offer->ice_pwd, self->remote_pwd) != 0);
  if (self->stream_id == 0 || restart)
    {
      if (!create_stream (self, FALSE))
        return;
    }

  if (!apply_remote_transport (self, offer))
    return;
  if (!self->remote_description)
    apply_remote_ice (self, offer);

  /* DTLS roles are chosen once: the answerer is active (the DTLS client),
   * as browsers are, unless the offerer insists on being active */
  if (!self->dtls_role_known)
    {
      self->dtls_client = offer->setup != AVANUE_SDP_SETUP_ACTIVE;
      self->dtls_role_known = TRUE;
    }
  setup = self->dtls_client ? AVANUE_SDP_SETUP_ACTIVE : AVANUE_SDP_SETUP_PASSIVE;

  g_free (self->mid);
  self->mid = g_strdup (offer->mid);
  self->mline_index = offer->data_mline_index;
  answer = local_description (self, setup, offer);
  if (!avanue_signaling_client_send_sdp_answer (self->client, self->session_id, self->remote_fingerprint, answer,
                                                &error))
    {
      g_prefix_error (&error, "Could not send the answer: ");
      fail (self, g_steal_pointer (&error));
      return;
    }
  self->negotiated = TRUE;
  description_sent (self);
  gather (self);
  maybe_start_dtls (self);
}

static void
handle_remote_answer (AvanuePeerConnection *self,
                      const char           *text)
{
  g_autoptr(AvanueSdp) answer = NULL;
  g_autoptr(GError) error = NULL;

  if (is_finished (self) || self->signaling != SIGNALING_HAVE_LOCAL_OFFER)
    return;
  answer = avanue_sdp_parse (text, &error);
  if (answer == NULL)
    {
      fail (self, g_steal_pointer (&error));
      return;
    }
  if (answer->setup == AVANUE_SDP_SETUP_ACTPASS)
    {
      fail_literal (self, AVANUE_PEER_CONNECTION_ERROR_BAD_SDP, "An answer cannot say a=setup:actpass");
      return;
    }
  self->signaling = SIGNALING_STABLE;
  if (!apply_remote_transport (self, answer))
    return;
  apply_remote_ice (self, answer);
  if (!self->dtls_role_known)
    {
      /* the answerer is active (the DTLS client) unless it says passive */
      self->dtls_client = answer->setup == AVANUE_SDP_SETUP_PASSIVE;
      self->dtls_role_known = TRUE;
    }
  self->negotiated = TRUE;
  maybe_start_dtls (self);
}

static void
handle_remote_candidate (AvanuePeerConnection *self,
                         const char           *candidate)
{
  if (is_finished (self) || self->agent == NULL)
    {
      if (!is_finished (self) && self->remote_candidates_pending->len < MAX_PENDING_REMOTE_CANDIDATES)
        {
          if (*candidate == '\0')
            self->remote_gathering_done_pending = TRUE;
          else
            g_ptr_array_add (self->remote_candidates_pending, g_strdup (candidate));
        }
      return;
    }
  if (*candidate == '\0')
    {
      if (self->remote_description)
        remote_candidates_done (self);
      else
        self->remote_gathering_done_pending = TRUE;
      return;
    }
  if (!avanue_sdp_candidate_is_valid (candidate))
    {
      g_debug ("peer connection %p: ignoring a malformed candidate", self);
      return;
    }
  if (!self->remote_description)
    {
      if (self->remote_candidates_pending->len < MAX_PENDING_REMOTE_CANDIDATES)
        g_ptr_array_add (self->remote_candidates_pending, g_strdup (candidate));
      return;
    }
  add_remote_candidate (self, candidate);
}

/* ------------------------------------------------------------------------
 * The signaling client's events
 * ------------------------------------------------------------------------ */

static void
sdp_offer_cb (AvanueSignalingClient *client,
              const char            *from,
              const char            *sdp,
              gpointer               user_data)
{
  AvanuePeerConnection *self = user_data;

  if (g_strcmp0 (from, self->remote_fingerprint) == 0 && sdp != NULL)
    handle_remote_offer (self, sdp);
}

static void
sdp_answer_cb (AvanueSignalingClient *client,
               const char            *from,
               const char            *sdp,
               gpointer               user_data)
{
  AvanuePeerConnection *self = user_data;

  if (g_strcmp0 (from, self->remote_fingerprint) == 0 && sdp != NULL)
    handle_remote_answer (self, sdp);
}

static void
ice_candidate_cb (AvanueSignalingClient *client,
                  const char            *from,
                  const char            *candidate,
                  const char            *sdp_mid,
                  int                    sdp_mline_index,
                  gpointer               user_data)
{
  AvanuePeerConnection *self = user_data;

  if (g_strcmp0 (from, self->remote_fingerprint) == 0 && candidate != NULL)
    handle_remote_candidate (self, candidate);
}

static void
participant_joined_cb (AvanueSignalingClient *client,
                       AvanueParticipant     *participant,
                       gpointer               user_data)
{
  AvanuePeerConnection *self = user_data;
  g_autoptr(GError) error = NULL;

  /* the peer came back (a rejoin): we were here first, so we re-offer,
   * with new ICE credentials */
  if (g_strcmp0 (avanue_participant_get_fingerprint (participant), self->remote_fingerprint) != 0 ||
      !self->negotiated || is_finished (self))
    return;
  if (!restart_ice (self, &error))
    g_debug ("peer connection %p: no ICE restart on rejoin: %s", self, error->message);
}

static void
participant_left_cb (AvanueSignalingClient *client,
                     const char            *fingerprint,
                     const char            *reason,
                     gpointer               user_data)
{
  AvanuePeerConnection *self = user_data;

  if (g_strcmp0 (fingerprint, self->remote_fingerprint) == 0)
    fail_literal (self, AVANUE_PEER_CONNECTION_ERROR_FAILED, "The peer left the session");
}

static void
session_ended_cb (AvanueSignalingClient *client,
                  const char            *session_id,
                  const char            *reason,
                  gpointer               user_data)
{
  AvanuePeerConnection *self = user_data;

  if (g_strcmp0 (session_id, self->session_id) == 0)
    avanue_peer_connection_close (self);
}

static gboolean
network_changed_timeout_cb (gpointer user_data)
{
  AvanuePeerConnection *self = user_data;
  g_auto(GStrv) ips = local_ips_snapshot ();
  g_autoptr(GError) error = NULL;

  g_clear_pointer (&self->network_timer, g_source_unref);
  if (!self->negotiated || is_finished (self) || self->local_ips == NULL ||
      g_strv_equal ((const char * const *) ips, (const char * const *) self->local_ips))
    return G_SOURCE_REMOVE;
  g_debug ("peer connection %p: the local addresses changed: ICE restart", self);
  if (!restart_ice (self, &error))
    g_debug ("peer connection %p: no ICE restart: %s", self, error->message);
  return G_SOURCE_REMOVE;
}

static void
network_changed_cb (GNetworkMonitor *monitor,
                    gboolean         available,
                    gpointer         user_data)
{
  AvanuePeerConnection *self = user_data;

  if (!self->negotiated || is_finished (self))
    return;
  clear_source (&self->network_timer);
  self->network_timer = attach_timeout (self, NETWORK_CHANGE_DELAY_MS, network_changed_timeout_cb,
                                        "[avanue] network change");
}

/* ------------------------------------------------------------------------
 * DTLS
 * ------------------------------------------------------------------------ */

static void sctp_connected_cb (gpointer user_data,
                               guint16  n_outbound,
                               guint16  n_inbound);
static void sctp_disconnected_cb (gpointer    user_data,
                                  gboolean    was_connected,
                                  const char *reason);
static void sctp_message_cb (gpointer user_data,
                             guint16  stream,
                             guint32  ppid,
                             GBytes  *data);
static void sctp_stream_reset_cb (gpointer user_data,
                                  guint16  stream,
                                  gboolean incoming);
static void sctp_writable_cb (gpointer user_data);

static const AvanueSctpCallbacks sctp_callbacks = {
  .connected = sctp_connected_cb,
  .disconnected = sctp_disconnected_cb,
  .message = sctp_message_cb,
  .stream_reset = sctp_stream_reset_cb,
  .writable = sctp_writable_cb,
};

static gboolean
dtls_timer_cb (gpointer user_data)
{
  AvanuePeerConnection *self = user_data;

  g_clear_pointer (&self->dtls_timer, g_source_unref);
  dtls_drive (self, NULL, 0);
  return G_SOURCE_REMOVE;
}

static void
dtls_drive (AvanuePeerConnection *self,
            const guint8         *data,
            gsize                 len)
{
  g_autoptr(GPtrArray) records = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  g_autoptr(GError) error = NULL;
  AvanueDtlsStatus status;
  guint timeout_ms = 0;

  if (self->dtls == NULL || is_finished (self))
    return;
  status = avanue_dtls_transport_handle (self->dtls, data, len, records, &timeout_ms, &error);
  switch (status)
    {
    case AVANUE_DTLS_STATUS_NEW:
      return;

    case AVANUE_DTLS_STATUS_HANDSHAKING:
      clear_source (&self->dtls_timer);
      self->dtls_timer = attach_timeout (self, timeout_ms, dtls_timer_cb, "[avanue] DTLS retransmission");
      return;

    case AVANUE_DTLS_STATUS_CONNECTED_NOW:
      clear_source (&self->dtls_timer);
      g_debug ("peer connection %p: DTLS up", self);
      /* the socket must exist before the first SCTP packet goes in */
      self->sctp = avanue_sctp_transport_new (self->dtls, LOCAL_SCTP_PORT,
                                              self->remote_sctp_port != 0 ? self->remote_sctp_port
                                                                          : AVANUE_SDP_DEFAULT_SCTP_PORT,
                                              &sctp_callbacks, self, &error);
      if (self->sctp == NULL)
        {
          fail (self, g_steal_pointer (&error));
          return;
        }
      break;

    case AVANUE_DTLS_STATUS_CONNECTED:
      break;

    case AVANUE_DTLS_STATUS_CLOSED:
      fail_literal (self, self->was_connected ? AVANUE_PEER_CONNECTION_ERROR_FAILED
                                              : AVANUE_PEER_CONNECTION_ERROR_DTLS_FAILED,
                    "The peer closed DTLS");
      return;

    case AVANUE_DTLS_STATUS_FAILED:
    default:
      fail (self, g_steal_pointer (&error));
      return;
    }

  for (guint i = 0; i < records->len && self->sctp != NULL; i++)
    avanue_sctp_transport_input (self->sctp, g_ptr_array_index (records, i));
}

/* ------------------------------------------------------------------------
 * SCTP and channels
 * ------------------------------------------------------------------------ */

static void
open_channel_now (AvanueDataChannel *channel)
{
  if (avanue_data_channel_get_ready_state (channel) == AVANUE_DATA_CHANNEL_STATE_CONNECTING)
    avanue_data_channel_set_ready_state (channel, AVANUE_DATA_CHANNEL_STATE_OPEN);
}

static gboolean
open_channel_cb (gpointer user_data)
{
  open_channel_now (user_data);
  return G_SOURCE_REMOVE;
}

/* Opens a negotiated channel from the main loop: the caller of
 * create_data_channel() connects to ::open first */
static void
schedule_open (AvanuePeerConnection *self,
               AvanueDataChannel    *channel)
{
  GSource *source = g_idle_source_new ();

  g_source_set_callback (source, open_channel_cb, g_object_ref (channel), g_object_unref);
  g_source_set_static_name (source, "[avanue] open negotiated channel");
  g_source_attach (source, self->context);
  g_source_unref (source);
}

static int
allocate_stream (AvanuePeerConnection *self)
{
  guint limit = MIN (self->n_outbound, AVANUE_SCTP_MAX_STREAMS);

  for (guint id = self->dtls_client ? 0 : 1; id < limit; id += 2)
    {
      if (!g_hash_table_contains (self->channels, GUINT_TO_POINTER (id)))
        return (int) id;
    }
  return -1;
}

static void
open_pending_channels (AvanuePeerConnection *self)
{
  g_autoptr(GPtrArray) pending = g_steal_pointer (&self->pending_channels);

  self->pending_channels = g_ptr_array_new_with_free_func (g_object_unref);
  for (guint i = 0; i < pending->len; i++)
    {
      AvanueDataChannel *channel = g_ptr_array_index (pending, i);
      AvanueDcepOpen open = { 0, };
      g_autoptr(GBytes) message = NULL;
      int id = allocate_stream (self);

      if (avanue_data_channel_get_ready_state (channel) != AVANUE_DATA_CHANNEL_STATE_CONNECTING)
        continue;
      if (id < 0)
        {
          g_autoptr(GError) error = g_error_new_literal (AVANUE_DATA_CHANNEL_ERROR,
                                                         AVANUE_DATA_CHANNEL_ERROR_NO_STREAMS,
                                                         "Every SCTP stream is in use");

          avanue_data_channel_emit_error (channel, error);
          avanue_data_channel_detach (channel);
          continue;
        }
      avanue_data_channel_set_id (channel, id);
      g_hash_table_insert (self->channels, GUINT_TO_POINTER (id), g_object_ref (channel));
      open.ordered = avanue_data_channel_get_ordered (channel);
      open.max_retransmits = avanue_data_channel_get_max_retransmits (channel);
      open.max_packet_life_time = avanue_data_channel_get_max_packet_life_time (channel);
      open.priority = AVANUE_DCEP_DEFAULT_PRIORITY;
      open.label = (char *) avanue_data_channel_get_label (channel);
      open.protocol = (char *) avanue_data_channel_get_protocol (channel);
      message = avanue_dcep_build_open (&open);
      avanue_data_channel_queue_control (channel, message);
    }
  avanue_peer_connection_flush_channels (self);
}

static void
sctp_connected_cb (gpointer user_data,
                   guint16  n_outbound,
                   guint16  n_inbound)
{
  AvanuePeerConnection *self = user_data;
  g_autoptr(GPtrArray) negotiated = g_ptr_array_new_with_free_func (g_object_unref);
  GHashTableIter iter;
  gpointer value;

  g_debug ("peer connection %p: SCTP up, %u/%u streams", self, n_outbound, n_inbound);
  self->sctp_connected = TRUE;
  self->n_outbound = n_outbound;
  set_state (self, AVANUE_PEER_CONNECTION_STATE_CONNECTED);
  if (is_finished (self))
    return;

  /* negotiated channels open at once; the others send DCEP OPEN */
  g_hash_table_iter_init (&iter, self->channels);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    g_ptr_array_add (negotiated, g_object_ref (value));
  for (guint i = 0; i < negotiated->len; i++)
    open_channel_now (g_ptr_array_index (negotiated, i));
  if (!is_finished (self))
    open_pending_channels (self);
}

static void
sctp_disconnected_cb (gpointer    user_data,
                      gboolean    was_connected,
                      const char *reason)
{
  AvanuePeerConnection *self = user_data;
  g_autofree char *message = g_strdup_printf ("SCTP: %s", reason);

  fail_literal (self, AVANUE_PEER_CONNECTION_ERROR_SCTP_FAILED, message);
}

static void
handle_dcep (AvanuePeerConnection *self,
             guint16               stream,
             GBytes               *data)
{
  gsize len;
  const guint8 *bytes = g_bytes_get_data (data, &len);
  AvanueDataChannel *existing = g_hash_table_lookup (self->channels, GUINT_TO_POINTER (stream));
  g_autoptr(AvanueDataChannel) channel = NULL;
  g_autoptr(GBytes) ack = NULL;
  g_autoptr(GError) error = NULL;
  AvanueDcepOpen open;

  if (avanue_dcep_is_ack (bytes, len))
    {
      if (existing != NULL && avanue_data_channel_is_local (existing))
        open_channel_now (existing);
      return;
    }
  if (!avanue_dcep_parse_open (bytes, len, &open, &error))
    {
      g_debug ("peer connection %p: stream %u: %s", self, stream, error->message);
      return;
    }
  if (existing != NULL || (stream % 2 == 0) == self->dtls_client)
    {
      /* a stream of ours, or one in use */
      g_debug ("peer connection %p: ignoring DATA_CHANNEL_OPEN on stream %u", self, stream);
      avanue_dcep_open_clear (&open);
      return;
    }

  channel = avanue_data_channel_new_internal (self, open.label, open.protocol, open.ordered, open.max_retransmits,
                                              open.max_packet_life_time, FALSE, stream);
  avanue_dcep_open_clear (&open);
  g_hash_table_insert (self->channels, GUINT_TO_POINTER (stream), g_object_ref (channel));
  ack = avanue_dcep_build_ack ();
  avanue_data_channel_queue_control (channel, ack);
  g_signal_emit (self, signals[SIGNAL_DATA_CHANNEL], 0, channel);
  if (is_finished (self))
    return;
  open_channel_now (channel);
  avanue_peer_connection_flush_channels (self);
}

static void
sctp_message_cb (gpointer user_data,
                 guint16  stream,
                 guint32  ppid,
                 GBytes  *data)
{
  AvanuePeerConnection *self = user_data;
  AvanueDataChannel *channel;
  AvanueDataChannelState state;

  if (ppid == AVANUE_SCTP_PPID_DCEP)
    {
      handle_dcep (self, stream, data);
      return;
    }
  channel = g_hash_table_lookup (self->channels, GUINT_TO_POINTER (stream));
  if (channel == NULL)
    return;
  state = avanue_data_channel_get_ready_state (channel);
  /* RFC 8832 §6: data before the ACK acknowledges the channel */
  if (state == AVANUE_DATA_CHANNEL_STATE_CONNECTING && avanue_data_channel_is_local (channel))
    {
      open_channel_now (channel);
      state = avanue_data_channel_get_ready_state (channel);
    }
  if (state == AVANUE_DATA_CHANNEL_STATE_OPEN || state == AVANUE_DATA_CHANNEL_STATE_CLOSING)
    {
      g_autoptr(AvanueDataChannel) hold = g_object_ref (channel);

      avanue_data_channel_receive (hold, ppid, data);
    }
}

static void
finish_close (AvanuePeerConnection *self,
              AvanueDataChannel    *channel)
{
  g_autoptr(AvanueDataChannel) hold = g_object_ref (channel);
  int id = avanue_data_channel_get_id (channel);

  if (id >= 0 && g_hash_table_lookup (self->channels, GINT_TO_POINTER (id)) == channel)
    g_hash_table_remove (self->channels, GINT_TO_POINTER (id));
  g_ptr_array_remove (self->pending_channels, channel);
  avanue_data_channel_set_ready_state (hold, AVANUE_DATA_CHANNEL_STATE_CLOSED);
}

static void
sctp_stream_reset_cb (gpointer user_data,
                      guint16  stream,
                      gboolean incoming)
{
  AvanuePeerConnection *self = user_data;
  AvanueDataChannel *channel = g_hash_table_lookup (self->channels, GUINT_TO_POINTER (stream));

  if (channel == NULL)
    return;
  if (incoming)
    {
      avanue_data_channel_set_incoming_reset (channel);
      if (!avanue_data_channel_get_reset_sent (channel))
        {
          /* the peer closed it: close our side too, dropping what waits */
          avanue_data_channel_clear_queue (channel);
          if (avanue_data_channel_get_ready_state (channel) != AVANUE_DATA_CHANNEL_STATE_CLOSING)
            avanue_data_channel_set_ready_state (channel, AVANUE_DATA_CHANNEL_STATE_CLOSING);
          avanue_data_channel_set_reset_sent (channel);
          if (!avanue_sctp_transport_reset_stream (self->sctp, stream))
            avanue_data_channel_set_outgoing_reset (channel);
        }
    }
  else
    {
      avanue_data_channel_set_outgoing_reset (channel);
    }
  if (avanue_data_channel_get_incoming_reset (channel) && avanue_data_channel_get_outgoing_reset (channel))
    finish_close (self, channel);
}

static void
sctp_writable_cb (gpointer user_data)
{
  avanue_peer_connection_flush_channels (user_data);
}

/* Hands queued messages to SCTP, one per channel in turn, until they are
 * all gone or SCTP's send buffer is full; then resets the streams of
 * channels that are closing and have nothing left to send. */
void
avanue_peer_connection_flush_channels (AvanuePeerConnection *self)
{
  g_autoptr(GPtrArray) active = NULL;
  gboolean blocked = FALSE;
  gboolean progress = TRUE;
  GHashTableIter iter;
  gpointer value;

  if (self->flushing || !self->sctp_connected || self->sctp == NULL || is_finished (self))
    return;
  self->flushing = TRUE;
  g_object_ref (self);

  active = g_ptr_array_new_with_free_func (g_object_unref);
  g_hash_table_iter_init (&iter, self->channels);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    g_ptr_array_add (active, g_object_ref (value));

  while (progress && !blocked && self->sctp != NULL)
    {
      progress = FALSE;
      for (guint i = 0; i < active->len && !blocked && self->sctp != NULL; i++)
        {
          AvanueDataChannel *channel = g_ptr_array_index (active, i);
          AvanueDataChannelMessage *message = avanue_data_channel_peek_message (channel);
          g_autoptr(GError) error = NULL;
          gsize size;
          const guint8 *data;

          if (message == NULL)
            continue;
          data = g_bytes_get_data (message->data, &size);
          switch (avanue_sctp_transport_send (self->sctp, (guint16) avanue_data_channel_get_id (channel),
                                              message->ppid,
                                              !message->control && !avanue_data_channel_get_ordered (channel),
                                              message->control ? -1 : avanue_data_channel_get_max_retransmits (channel),
                                              message->control ? -1 : avanue_data_channel_get_max_packet_life_time (channel),
                                              data, size, &error))
            {
            case AVANUE_SCTP_SEND_OK:
              avanue_data_channel_pop_message (channel);
              progress = TRUE;
              break;
            case AVANUE_SCTP_SEND_WOULD_BLOCK:
              blocked = TRUE;
              break;
            case AVANUE_SCTP_SEND_ERROR:
            default:
              avanue_data_channel_pop_message (channel);
              avanue_data_channel_emit_error (channel, error);
              progress = TRUE;
              break;
            }
        }
    }

  /* closing channels whose queue is empty: reset their outgoing stream */
  for (guint i = 0; i < active->len && self->sctp != NULL; i++)
    {
      AvanueDataChannel *channel = g_ptr_array_index (active, i);

      if (avanue_data_channel_get_close_requested (channel) && !avanue_data_channel_get_reset_sent (channel) &&
          !avanue_data_channel_has_queue (channel))
        {
          avanue_data_channel_set_reset_sent (channel);
          if (!avanue_sctp_transport_reset_stream (self->sctp, (guint16) avanue_data_channel_get_id (channel)))
            finish_close (self, channel);
        }
    }

  self->flushing = FALSE;
  g_object_unref (self);
}

void
avanue_peer_connection_channel_closing (AvanuePeerConnection *self,
                                        AvanueDataChannel    *channel)
{
  if (avanue_data_channel_get_id (channel) < 0 || !self->sctp_connected ||
      g_ptr_array_find (self->pending_channels, channel, NULL))
    {
      finish_close (self, channel);
      return;
    }
  avanue_peer_connection_flush_channels (self);
}

/* ------------------------------------------------------------------------
 * ICE restart
 * ------------------------------------------------------------------------ */

static gboolean
restart_ice (AvanuePeerConnection  *self,
             GError               **error)
{
  if (is_finished (self))
    {
      g_set_error_literal (error, AVANUE_PEER_CONNECTION_ERROR, AVANUE_PEER_CONNECTION_ERROR_INVALID_STATE,
                           "The connection is closed");
      return FALSE;
    }
  if (!self->negotiated)
    {
      g_set_error_literal (error, AVANUE_PEER_CONNECTION_ERROR, AVANUE_PEER_CONNECTION_ERROR_INVALID_STATE,
                           "Nothing was negotiated yet");
      return FALSE;
    }
  if (self->signaling == SIGNALING_HAVE_LOCAL_OFFER)
    {
      g_set_error_literal (error, AVANUE_PEER_CONNECTION_ERROR, AVANUE_PEER_CONNECTION_ERROR_INVALID_STATE,
                           "An offer is already waiting for its answer");
      return FALSE;
    }
  send_offer (self);
  return !is_finished (self);
}

/* ------------------------------------------------------------------------
 * GObject
 * ------------------------------------------------------------------------ */

static void
disconnect_client (AvanuePeerConnection *self)
{
  if (self->client != NULL)
    g_signal_handlers_disconnect_by_data (self->client, self);
  if (self->monitor != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->monitor, self);
      g_clear_object (&self->monitor);
    }
}

static void
release_agent (AvanuePeerConnection *self)
{
  if (self->agent == NULL)
    return;
  g_signal_handlers_disconnect_by_data (self->agent, self);
  /* frees TURN allocations on the servers, then lets go of the agent */
  nice_agent_close_async (self->agent, NULL, NULL);
  g_clear_object (&self->agent);
}

static void
avanue_peer_connection_constructed (GObject *object)
{
  AvanuePeerConnection *self = AVANUE_PEER_CONNECTION (object);
  g_autoptr(GError) error = NULL;

  G_OBJECT_CLASS (avanue_peer_connection_parent_class)->constructed (object);

  g_return_if_fail (self->client != NULL && self->session != NULL && self->remote_fingerprint != NULL);

  self->session_id = g_strdup (avanue_session_get_session_id (self->session));
  self->local_fingerprint = g_strdup (avanue_identity_get_fingerprint (avanue_signaling_client_get_identity (self->client)));

  self->certificate = avanue_dtls_certificate_new (&error);
  if (self->certificate == NULL)
    {
      fail (self, g_steal_pointer (&error));
      return;
    }
  self->local_certificate_fingerprint = g_strdup (avanue_dtls_certificate_get_fingerprint (self->certificate));

  g_signal_connect (self->client, "sdp-offer", G_CALLBACK (sdp_offer_cb), self);
  g_signal_connect (self->client, "sdp-answer", G_CALLBACK (sdp_answer_cb), self);
  g_signal_connect (self->client, "ice-candidate", G_CALLBACK (ice_candidate_cb), self);
  g_signal_connect (self->client, "participant-joined", G_CALLBACK (participant_joined_cb), self);
  g_signal_connect (self->client, "participant-left", G_CALLBACK (participant_left_cb), self);
  g_signal_connect (self->client, "session-ended", G_CALLBACK (session_ended_cb), self);

  self->monitor = g_object_ref (g_network_monitor_get_default ());
  g_signal_connect (self->monitor, "network-changed", G_CALLBACK (network_changed_cb), self);
}

static void
avanue_peer_connection_dispose (GObject *object)
{
  AvanuePeerConnection *self = AVANUE_PEER_CONNECTION (object);

  disconnect_client (self);
  if (!self->torn_down)
    tear_down (self);
  if (self->state != AVANUE_PEER_CONNECTION_STATE_FAILED)
    self->state = AVANUE_PEER_CONNECTION_STATE_CLOSED;
  g_clear_pointer (&self->link, ice_link_unref);
  release_agent (self);
  g_clear_object (&self->client);
  g_clear_object (&self->session);
  G_OBJECT_CLASS (avanue_peer_connection_parent_class)->dispose (object);
}

static void
avanue_peer_connection_finalize (GObject *object)
{
  AvanuePeerConnection *self = AVANUE_PEER_CONNECTION (object);

  g_free (self->session_id);
  g_free (self->local_fingerprint);
  g_free (self->remote_fingerprint);
  g_main_context_unref (self->context);
  g_clear_error (&self->error);
  g_free (self->local_candidate_type);
  g_free (self->remote_candidate_type);
  g_ptr_array_unref (self->ice_servers);
  g_clear_object (&self->cancellable);
  g_free (self->waiting_offer);
  g_ptr_array_unref (self->local_candidates_pending);
  g_free (self->remote_ufrag);
  g_free (self->remote_pwd);
  g_ptr_array_unref (self->remote_candidates_pending);
  g_strfreev (self->local_ips);
  g_free (self->local_ufrag);
  g_free (self->mid);
  g_free (self->remote_fingerprint_algorithm);
  g_clear_pointer (&self->remote_certificate_fingerprint, g_bytes_unref);
  g_clear_pointer (&self->certificate, avanue_dtls_certificate_unref);
  g_free (self->local_certificate_fingerprint);
  g_hash_table_unref (self->channels);
  g_ptr_array_unref (self->pending_channels);
  G_OBJECT_CLASS (avanue_peer_connection_parent_class)->finalize (object);
}

static void
avanue_peer_connection_get_property (GObject    *object,
                                     guint       prop_id,
                                     GValue     *value,
                                     GParamSpec *pspec)
{
  AvanuePeerConnection *self = AVANUE_PEER_CONNECTION (object);

  switch (prop_id)
    {
    case PROP_SIGNALING_CLIENT:
      g_value_set_object (value, self->client);
      break;
    case PROP_SESSION:
      g_value_set_object (value, self->session);
      break;
    case PROP_REMOTE_FINGERPRINT:
      g_value_set_string (value, self->remote_fingerprint);
      break;
    case PROP_CONNECTION_STATE:
      g_value_set_enum (value, self->state);
      break;
    case PROP_ICE_TRANSPORT_POLICY:
      g_value_set_enum (value, self->policy);
      break;
    case PROP_LOCAL_CANDIDATE_TYPE:
      g_value_set_string (value, self->local_candidate_type);
      break;
    case PROP_REMOTE_CANDIDATE_TYPE:
      g_value_set_string (value, self->remote_candidate_type);
      break;
    case PROP_LOCAL_CERTIFICATE_FINGERPRINT:
      g_value_set_string (value, self->local_certificate_fingerprint);
      break;
    case PROP_MAX_MESSAGE_SIZE:
      g_value_set_uint64 (value, avanue_peer_connection_get_max_message_size (self));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
avanue_peer_connection_set_property (GObject      *object,
                                     guint         prop_id,
                                     const GValue *value,
                                     GParamSpec   *pspec)
{
  AvanuePeerConnection *self = AVANUE_PEER_CONNECTION (object);

  switch (prop_id)
    {
    case PROP_SIGNALING_CLIENT:
      self->client = g_value_dup_object (value);
      break;
    case PROP_SESSION:
      self->session = g_value_dup_object (value);
      break;
    case PROP_REMOTE_FINGERPRINT:
      self->remote_fingerprint = g_value_dup_string (value);
      break;
    case PROP_ICE_TRANSPORT_POLICY:
      avanue_peer_connection_set_ice_transport_policy (self, g_value_get_enum (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
avanue_peer_connection_class_init (AvanuePeerConnectionClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags ro = G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY;
  GParamFlags construct = G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS;

  object_class->constructed = avanue_peer_connection_constructed;
  object_class->dispose = avanue_peer_connection_dispose;
  object_class->finalize = avanue_peer_connection_finalize;
  object_class->get_property = avanue_peer_connection_get_property;
  object_class->set_property = avanue_peer_connection_set_property;

  /**
   * AvanuePeerConnection:signaling-client:
   *
   * The client through which offers, answers and candidates travel.
   *
   * Since: 0.1
   */
  properties[PROP_SIGNALING_CLIENT] =
    g_param_spec_object ("signaling-client", NULL, NULL, AVANUE_TYPE_SIGNALING_CLIENT, construct);

  /**
   * AvanuePeerConnection:session:
   *
   * The session both participants are in.
   *
   * Since: 0.1
   */
  properties[PROP_SESSION] = g_param_spec_object ("session", NULL, NULL, AVANUE_TYPE_SESSION, construct);

  /**
   * AvanuePeerConnection:remote-fingerprint:
   *
   * The identity fingerprint of the participant at the other end.
   *
   * Since: 0.1
   */
  properties[PROP_REMOTE_FINGERPRINT] =
    g_param_spec_string ("remote-fingerprint", NULL, NULL, NULL, construct);

  /**
   * AvanuePeerConnection:connection-state:
   *
   * Where the connection is: new, connecting, connected, disconnected,
   * failed or closed.
   *
   * Since: 0.1
   */
  properties[PROP_CONNECTION_STATE] =
    g_param_spec_enum ("connection-state", NULL, NULL, AVANUE_TYPE_PEER_CONNECTION_STATE,
                       AVANUE_PEER_CONNECTION_STATE_NEW, ro);

  /**
   * AvanuePeerConnection:ice-transport-policy:
   *
   * Which local candidates may be used. Set it before the connection
   * starts negotiating.
   *
   * Since: 0.1
   */
  properties[PROP_ICE_TRANSPORT_POLICY] =
    g_param_spec_enum ("ice-transport-policy", NULL, NULL, AVANUE_TYPE_ICE_TRANSPORT_POLICY,
                       AVANUE_ICE_TRANSPORT_POLICY_ALL,
                       G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  /**
   * AvanuePeerConnection:local-candidate-type:
   *
   * The type of the local candidate of the selected pair: `host`,
   * `srflx`, `prflx` or `relay` (a relayed link goes through a TURN
   * server); %NULL until ICE selects a pair.
   *
   * Since: 0.1
   */
  properties[PROP_LOCAL_CANDIDATE_TYPE] =
    g_param_spec_string ("local-candidate-type", NULL, NULL, NULL, ro);

  /**
   * AvanuePeerConnection:remote-candidate-type:
   *
   * The type of the remote candidate of the selected pair, like
   * [property@Avanue.PeerConnection:local-candidate-type].
   *
   * Since: 0.1
   */
  properties[PROP_REMOTE_CANDIDATE_TYPE] =
    g_param_spec_string ("remote-candidate-type", NULL, NULL, NULL, ro);

  /**
   * AvanuePeerConnection:local-certificate-fingerprint:
   *
   * The SHA-256 fingerprint of this side's DTLS certificate, as in its
   * session descriptions: upper-case hex pairs joined by colons.
   *
   * Since: 0.1
   */
  properties[PROP_LOCAL_CERTIFICATE_FINGERPRINT] =
    g_param_spec_string ("local-certificate-fingerprint", NULL, NULL, NULL, ro);

  /**
   * AvanuePeerConnection:max-message-size:
   *
   * The largest data channel message the peer accepts: its
   * `a=max-message-size` (65536 when it gives none; at most 1 MiB, the
   * size of the SCTP send buffer). 0 until the peer's session
   * description arrived.
   *
   * Since: 0.1
   */
  properties[PROP_MAX_MESSAGE_SIZE] =
    g_param_spec_uint64 ("max-message-size", NULL, NULL, 0, G_MAXUINT64, 0, ro);

  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * AvanuePeerConnection::data-channel:
   * @self: the connection
   * @channel: the channel the peer opened
   *
   * The peer opened a data channel. It becomes open right after this
   * signal: connect to its signals in the handler, and take a reference
   * to keep using it.
   *
   * Since: 0.1
   */
  signals[SIGNAL_DATA_CHANNEL] =
    g_signal_new ("data-channel", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, AVANUE_TYPE_DATA_CHANNEL);
}

static void
avanue_peer_connection_init (AvanuePeerConnection *self)
{
  self->context = g_main_context_ref_thread_default ();
  self->cancellable = g_cancellable_new ();
  self->ice_servers = g_ptr_array_new_with_free_func (ice_server_free);
  self->local_candidates_pending = g_ptr_array_new_with_free_func (g_free);
  self->remote_candidates_pending = g_ptr_array_new_with_free_func (g_free);
  self->channels = g_hash_table_new_full (NULL, NULL, NULL, g_object_unref);
  self->pending_channels = g_ptr_array_new_with_free_func (g_object_unref);
  self->sdp_session_id = g_random_int () | ((guint64) (g_random_int () & 0x3fffffff) << 32);
  self->sdp_version = 1;
}

/* ------------------------------------------------------------------------
 * Private API (tests, channels)
 * ------------------------------------------------------------------------ */

void
avanue_peer_connection_set_test_flags (AvanuePeerConnection          *self,
                                       AvanuePeerConnectionTestFlags  flags)
{
  self->test_flags = flags;
}

const char *
avanue_peer_connection_get_local_ice_ufrag (AvanuePeerConnection *self)
{
  g_autofree char *pwd = NULL;

  g_clear_pointer (&self->local_ufrag, g_free);
  if (self->agent == NULL || self->stream_id == 0 ||
      !nice_agent_get_local_credentials (self->agent, self->stream_id, &self->local_ufrag, &pwd))
    return NULL;
  return self->local_ufrag;
}

gboolean
avanue_peer_connection_get_was_connected (AvanuePeerConnection *self)
{
  return self->was_connected;
}

guint
avanue_peer_connection_get_n_channels (AvanuePeerConnection *self)
{
  return g_hash_table_size (self->channels) + self->pending_channels->len;
}

/* ------------------------------------------------------------------------
 * Public API
 * ------------------------------------------------------------------------ */

/**
 * avanue_peer_connection_new:
 * @client: a registered signaling client
 * @session: the session @client is in
 * @remote_fingerprint: the identity fingerprint of the other participant
 *
 * Creates a connection to another participant of @session. It does
 * nothing until [method@Avanue.PeerConnection.start] is called or the
 * participant sends an offer, which it then answers.
 *
 * Returns: (transfer full): a new connection
 *
 * Since: 0.1
 */
AvanuePeerConnection *
avanue_peer_connection_new (AvanueSignalingClient *client,
                            AvanueSession         *session,
                            const char            *remote_fingerprint)
{
  g_return_val_if_fail (AVANUE_IS_SIGNALING_CLIENT (client), NULL);
  g_return_val_if_fail (AVANUE_IS_SESSION (session), NULL);
  g_return_val_if_fail (remote_fingerprint != NULL, NULL);

  return g_object_new (AVANUE_TYPE_PEER_CONNECTION,
                       "signaling-client", client,
                       "session", session,
                       "remote-fingerprint", remote_fingerprint,
                       NULL);
}

/**
 * avanue_peer_connection_get_signaling_client:
 * @self: a connection
 *
 * Gets the signaling client the connection negotiates through.
 *
 * Returns: (transfer none): the client
 *
 * Since: 0.1
 */
AvanueSignalingClient *
avanue_peer_connection_get_signaling_client (AvanuePeerConnection *self)
{
  g_return_val_if_fail (AVANUE_IS_PEER_CONNECTION (self), NULL);
  return self->client;
}

/**
 * avanue_peer_connection_get_session:
 * @self: a connection
 *
 * Gets the session of the connection.
 *
 * Returns: (transfer none): the session
 *
 * Since: 0.1
 */
AvanueSession *
avanue_peer_connection_get_session (AvanuePeerConnection *self)
{
  g_return_val_if_fail (AVANUE_IS_PEER_CONNECTION (self), NULL);
  return self->session;
}

/**
 * avanue_peer_connection_get_remote_fingerprint:
 * @self: a connection
 *
 * Gets the identity fingerprint of the participant at the other end.
 *
 * Returns: the fingerprint
 *
 * Since: 0.1
 */
const char *
avanue_peer_connection_get_remote_fingerprint (AvanuePeerConnection *self)
{
  g_return_val_if_fail (AVANUE_IS_PEER_CONNECTION (self), NULL);
  return self->remote_fingerprint;
}

/**
 * avanue_peer_connection_get_connection_state:
 * @self: a connection
 *
 * Gets the state of the connection.
 *
 * Returns: the state
 *
 * Since: 0.1
 */
AvanuePeerConnectionState
avanue_peer_connection_get_connection_state (AvanuePeerConnection *self)
{
  g_return_val_if_fail (AVANUE_IS_PEER_CONNECTION (self), AVANUE_PEER_CONNECTION_STATE_CLOSED);
  return self->state;
}

/**
 * avanue_peer_connection_get_error:
 * @self: a connection
 *
 * Gets why the connection failed or was lost.
 *
 * Returns: (nullable) (transfer none): the error, or %NULL if nothing
 *   went wrong
 *
 * Since: 0.1
 */
const GError *
avanue_peer_connection_get_error (AvanuePeerConnection *self)
{
  g_return_val_if_fail (AVANUE_IS_PEER_CONNECTION (self), NULL);
  return self->error;
}

/**
 * avanue_peer_connection_get_ice_transport_policy:
 * @self: a connection
 *
 * Gets which local candidates the connection may use.
 *
 * Returns: the policy
 *
 * Since: 0.1
 */
AvanueIceTransportPolicy
avanue_peer_connection_get_ice_transport_policy (AvanuePeerConnection *self)
{
  g_return_val_if_fail (AVANUE_IS_PEER_CONNECTION (self), AVANUE_ICE_TRANSPORT_POLICY_ALL);
  return self->policy;
}

/**
 * avanue_peer_connection_set_ice_transport_policy:
 * @self: a connection
 * @policy: the policy
 *
 * Sets which local candidates the connection may use:
 * %AVANUE_ICE_TRANSPORT_POLICY_RELAY keeps every packet on a TURN relay.
 * Only before the connection starts negotiating; later it is ignored.
 *
 * Since: 0.1
 */
void
avanue_peer_connection_set_ice_transport_policy (AvanuePeerConnection     *self,
                                                 AvanueIceTransportPolicy  policy)
{
  g_return_if_fail (AVANUE_IS_PEER_CONNECTION (self));
  g_return_if_fail (policy == AVANUE_ICE_TRANSPORT_POLICY_ALL || policy == AVANUE_ICE_TRANSPORT_POLICY_RELAY);

  if (self->policy == policy || self->agent != NULL)
    return;
  self->policy = policy;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ICE_TRANSPORT_POLICY]);
}

/**
 * avanue_peer_connection_get_local_candidate_type:
 * @self: a connection
 *
 * Gets the type of the local candidate ICE selected.
 *
 * Returns: (nullable): `host`, `srflx`, `prflx` or `relay`, or %NULL
 *   while no pair is selected
 *
 * Since: 0.1
 */
const char *
avanue_peer_connection_get_local_candidate_type (AvanuePeerConnection *self)
{
  g_return_val_if_fail (AVANUE_IS_PEER_CONNECTION (self), NULL);
  return self->local_candidate_type;
}

/**
 * avanue_peer_connection_get_remote_candidate_type:
 * @self: a connection
 *
 * Gets the type of the remote candidate ICE selected.
 *
 * Returns: (nullable): `host`, `srflx`, `prflx` or `relay`, or %NULL
 *   while no pair is selected
 *
 * Since: 0.1
 */
const char *
avanue_peer_connection_get_remote_candidate_type (AvanuePeerConnection *self)
{
  g_return_val_if_fail (AVANUE_IS_PEER_CONNECTION (self), NULL);
  return self->remote_candidate_type;
}

/**
 * avanue_peer_connection_get_local_certificate_fingerprint:
 * @self: a connection
 *
 * Gets the SHA-256 fingerprint of this side's DTLS certificate.
 *
 * Returns: (nullable): the fingerprint, upper-case hex pairs joined by
 *   colons, or %NULL if no certificate could be made
 *
 * Since: 0.1
 */
const char *
avanue_peer_connection_get_local_certificate_fingerprint (AvanuePeerConnection *self)
{
  g_return_val_if_fail (AVANUE_IS_PEER_CONNECTION (self), NULL);
  return self->local_certificate_fingerprint;
}

/**
 * avanue_peer_connection_get_max_message_size:
 * @self: a connection
 *
 * Gets the largest data channel message the peer accepts.
 *
 * Returns: the size in bytes, or 0 before the peer's session description
 *   arrived
 *
 * Since: 0.1
 */
guint64
avanue_peer_connection_get_max_message_size (AvanuePeerConnection *self)
{
  g_return_val_if_fail (AVANUE_IS_PEER_CONNECTION (self), 0);

  if (self->remote_certificate_fingerprint == NULL)
    return 0;
  /* 0 in the SDP: no limit but ours */
  if (self->remote_max_message_size == 0)
    return MAX_SEND_MESSAGE_SIZE;
  return MIN (self->remote_max_message_size, MAX_SEND_MESSAGE_SIZE);
}

/**
 * avanue_peer_connection_add_ice_server:
 * @self: a connection
 * @url: a `stun:`, `turn:` or `turns:` URL (RFC 7064, 7065), such as
 *   `turn:relay.example.org:3478?transport=udp`
 * @username: (nullable): the TURN username
 * @credential: (nullable): the TURN password
 *
 * Adds a STUN or TURN server. Without any, the connection uses the
 * session's TURN credentials ([property@Avanue.Session:turn-credentials])
 * or asks the server for some on a tier that has relays. Add servers
 * before the connection starts negotiating. Only the first STUN server
 * is used.
 *
 * Returns: %TRUE if the server was added; %FALSE with
 *   %AVANUE_PEER_CONNECTION_ERROR_BAD_ICE_SERVER if the URL is malformed
 *   or a TURN URL comes without credentials
 *
 * Since: 0.1
 */
gboolean
avanue_peer_connection_add_ice_server (AvanuePeerConnection  *self,
                                       const char            *url,
                                       const char            *username,
                                       const char            *credential,
                                       GError               **error)
{
  g_return_val_if_fail (AVANUE_IS_PEER_CONNECTION (self), FALSE);
  g_return_val_if_fail (url != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (self->ice_ready || self->ice_preparing)
    {
      g_set_error_literal (error, AVANUE_PEER_CONNECTION_ERROR, AVANUE_PEER_CONNECTION_ERROR_INVALID_STATE,
                           "ICE servers must be added before the connection negotiates");
      return FALSE;
    }
  if (!add_ice_server (self, url, username, credential, error))
    return FALSE;
  self->ice_servers_explicit = TRUE;
  return TRUE;
}

static const char *
string_member (JsonObject *object,
               const char *name)
{
  JsonNode *node = json_object_get_member (object, name);

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;
  return json_node_get_string (node);
}

/* {"iceServers": [{"urls": "…" or ["…"], "username", "credential"}]} */
static gboolean
read_ice_servers (AvanuePeerConnection  *self,
                  GBytes                *body,
                  GError               **error)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonNode *root;
  JsonNode *list;
  JsonArray *servers;
  guint added = 0;

  if (!json_parser_load_from_data (parser, g_bytes_get_data (body, NULL), (gssize) g_bytes_get_size (body), error))
    return FALSE;
  root = json_parser_get_root (parser);
  list = root != NULL && JSON_NODE_HOLDS_OBJECT (root)
           ? json_object_get_member (json_node_get_object (root), "iceServers") : NULL;
  if (list == NULL || !JSON_NODE_HOLDS_ARRAY (list))
    {
      g_set_error_literal (error, AVANUE_PEER_CONNECTION_ERROR, AVANUE_PEER_CONNECTION_ERROR_BAD_ICE_SERVER,
                           "The ICE server list has no iceServers array");
      return FALSE;
    }
  servers = json_node_get_array (list);
  for (guint i = 0; i < json_array_get_length (servers); i++)
    {
      JsonNode *node = json_array_get_element (servers, i);
      JsonObject *server;
      JsonNode *urls;
      const char *username, *credential;

      if (!JSON_NODE_HOLDS_OBJECT (node))
        continue;
      server = json_node_get_object (node);
      username = string_member (server, "username");
      credential = string_member (server, "credential");
      urls = json_object_get_member (server, "urls");
      if (urls != NULL && JSON_NODE_HOLDS_VALUE (urls) && json_node_get_value_type (urls) == G_TYPE_STRING)
        {
          if (add_ice_server (self, json_node_get_string (urls), username, credential, NULL))
            added++;
        }
      else if (urls != NULL && JSON_NODE_HOLDS_ARRAY (urls))
        {
          JsonArray *array = json_node_get_array (urls);

          for (guint j = 0; j < json_array_get_length (array); j++)
            {
              JsonNode *url = json_array_get_element (array, j);

              if (JSON_NODE_HOLDS_VALUE (url) && json_node_get_value_type (url) == G_TYPE_STRING &&
                  add_ice_server (self, json_node_get_string (url), username, credential, NULL))
                added++;
            }
        }
    }
  if (added > 0)
    self->ice_servers_explicit = TRUE;
  return TRUE;
}

static void
fetch_ice_servers_cb (GObject      *source,
                      GAsyncResult *result,
                      gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  AvanuePeerConnection *self = g_task_get_source_object (task);
  SoupMessage *message = g_task_get_task_data (task);
  g_autoptr(GBytes) body = NULL;
  g_autoptr(GError) error = NULL;

  self->fetching--;
  body = soup_session_send_and_read_finish (SOUP_SESSION (source), result, &error);
  if (body != NULL && soup_message_get_status (message) != SOUP_STATUS_OK)
    g_set_error (&error, AVANUE_PEER_CONNECTION_ERROR, AVANUE_PEER_CONNECTION_ERROR_BAD_ICE_SERVER,
                 "The ICE server list could not be fetched: HTTP %u", soup_message_get_status (message));
  if (error == NULL)
    read_ice_servers (self, body, &error);

  /* an offer may have waited for the list */
  if ((self->want_offer || self->waiting_offer != NULL) && self->fetching == 0)
    prepare_ice (self);

  if (error != NULL)
    g_task_return_error (task, g_steal_pointer (&error));
  else
    g_task_return_boolean (task, TRUE);
}

/**
 * avanue_peer_connection_fetch_ice_servers_async:
 * @self: a connection
 * @url: the ICE server endpoint, such as
 *   `http://avanue.example.org:8080/v1/ice-servers`
 * @bearer_token: (nullable): a licence key or JWT for the
 *   `Authorization: Bearer` header
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called when the list is in
 * @user_data: data for @callback
 *
 * Fetches STUN and TURN servers from avanued's `GET /v1/ice-servers`
 * (or any endpoint answering `{"iceServers": [{"urls", "username",
 * "credential"}]}`) and adds them as with
 * [method@Avanue.PeerConnection.add_ice_server]. Negotiation waits for
 * the list; start it before the connection negotiates.
 *
 * Since: 0.1
 */
void
avanue_peer_connection_fetch_ice_servers_async (AvanuePeerConnection *self,
                                                const char           *url,
                                                const char           *bearer_token,
                                                GCancellable         *cancellable,
                                                GAsyncReadyCallback   callback,
                                                gpointer              user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(SoupSession) soup = NULL;
  SoupMessage *message;

  g_return_if_fail (AVANUE_IS_PEER_CONNECTION (self));
  g_return_if_fail (url != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, avanue_peer_connection_fetch_ice_servers_async);
  if (self->ice_ready || self->ice_preparing)
    {
      g_task_return_new_error (task, AVANUE_PEER_CONNECTION_ERROR, AVANUE_PEER_CONNECTION_ERROR_INVALID_STATE,
                               "ICE servers must be fetched before the connection negotiates");
      return;
    }
  message = soup_message_new (SOUP_METHOD_GET, url);
  if (message == NULL)
    {
      g_task_return_new_error (task, AVANUE_PEER_CONNECTION_ERROR, AVANUE_PEER_CONNECTION_ERROR_BAD_ICE_SERVER,
                               "Not a valid URL: “%s”", url);
      return;
    }
  if (bearer_token != NULL)
    {
      g_autofree char *header = g_strconcat ("Bearer ", bearer_token, NULL);

      soup_message_headers_replace (soup_message_get_request_headers (message), "Authorization", header);
    }
  g_task_set_task_data (task, message, g_object_unref);
  soup = soup_session_new_with_options ("timeout", 15, NULL);
  self->fetching++;
  soup_session_send_and_read_async (soup, message, G_PRIORITY_DEFAULT, cancellable, fetch_ice_servers_cb,
                                    g_steal_pointer (&task));
}

/**
 * avanue_peer_connection_fetch_ice_servers_finish:
 * @self: a connection
 * @result: the result passed to the callback
 * @error: return location for a #GError, or %NULL
 *
 * Finishes [method@Avanue.PeerConnection.fetch_ice_servers_async].
 *
 * Returns: %TRUE if the list was fetched and read
 *
 * Since: 0.1
 */
gboolean
avanue_peer_connection_fetch_ice_servers_finish (AvanuePeerConnection  *self,
                                                 GAsyncResult          *result,
                                                 GError               **error)
{
  g_return_val_if_fail (AVANUE_IS_PEER_CONNECTION (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/**
 * avanue_peer_connection_start:
 * @self: a new connection
 * @error: return location for a #GError, or %NULL
 *
 * Makes this side the offerer: gathers candidates and sends an offer to
 * the remote participant (once the ICE servers are known, which may take
 * a moment). Call it on the side that was in the session first.
 *
 * Returns: %TRUE if negotiation started; %FALSE with
 *   %AVANUE_PEER_CONNECTION_ERROR_INVALID_STATE if it had already started
 *   or the connection is closed
 *
 * Since: 0.1
 */
gboolean
avanue_peer_connection_start (AvanuePeerConnection  *self,
                              GError               **error)
{
  g_return_val_if_fail (AVANUE_IS_PEER_CONNECTION (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (self->state != AVANUE_PEER_CONNECTION_STATE_NEW || self->want_offer)
    {
      g_set_error_literal (error, AVANUE_PEER_CONNECTION_ERROR, AVANUE_PEER_CONNECTION_ERROR_INVALID_STATE,
                           "The connection has already started negotiating");
      return FALSE;
    }
  set_state (self, AVANUE_PEER_CONNECTION_STATE_CONNECTING);
  if (self->ice_ready)
    {
      send_offer (self);
      return TRUE;
    }
  self->want_offer = TRUE;
  prepare_ice (self);
  return TRUE;
}

/**
 * avanue_peer_connection_accept_offer:
 * @self: a connection
 * @sdp: an offer the remote participant sent
 * @error: return location for a #GError, or %NULL
 *
 * Answers an offer that arrived before the connection existed (offers
 * that arrive later are answered without this): an application that
 * creates connections when [signal@Avanue.SignalingClient::sdp-offer]
 * comes from an unknown participant hands the offer over here.
 *
 * Returns: %TRUE if the offer was taken; %FALSE with
 *   %AVANUE_PEER_CONNECTION_ERROR_INVALID_STATE if the connection is
 *   closed
 *
 * Since: 0.1
 */
gboolean
avanue_peer_connection_accept_offer (AvanuePeerConnection  *self,
                                     const char            *sdp,
                                     GError               **error)
{
  g_return_val_if_fail (AVANUE_IS_PEER_CONNECTION (self), FALSE);
  g_return_val_if_fail (sdp != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (is_finished (self))
    {
      g_set_error_literal (error, AVANUE_PEER_CONNECTION_ERROR, AVANUE_PEER_CONNECTION_ERROR_INVALID_STATE,
                           "The connection is closed");
      return FALSE;
    }
  handle_remote_offer (self, sdp);
  return TRUE;
}

/**
 * avanue_peer_connection_restart_ice:
 * @self: a connection that has negotiated
 * @error: return location for a #GError, or %NULL
 *
 * Restarts ICE: new credentials, candidates gathered anew, and a new
 * offer to the peer. DTLS, SCTP and the data channels carry on over the
 * new candidate pair. The connection does this by itself when the peer
 * rejoins the session and when the local network addresses change.
 *
 * Returns: %TRUE if a new offer went out; %FALSE with
 *   %AVANUE_PEER_CONNECTION_ERROR_INVALID_STATE if nothing was
 *   negotiated yet, an offer is pending, or the connection is closed
 *
 * Since: 0.1
 */
gboolean
avanue_peer_connection_restart_ice (AvanuePeerConnection  *self,
                                    GError               **error)
{
  g_return_val_if_fail (AVANUE_IS_PEER_CONNECTION (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  return restart_ice (self, error);
}

/**
 * avanue_peer_connection_create_data_channel:
 * @self: a connection
 * @label: the channel's label; may be empty
 * @options: (nullable): how to open it; %NULL for a reliable, ordered
 *   channel
 * @error: return location for a #GError, or %NULL
 *
 * Creates a data channel. It opens when the connection is up and the peer
 * has acknowledged it ([signal@Avanue.DataChannel::open]); the peer sees
 * [signal@Avanue.PeerConnection::data-channel]. A channel with a
 * negotiated id opens as soon as the connection is up, on both sides,
 * without telling the peer.
 *
 * Returns: (transfer full): the channel; %NULL with
 *   %AVANUE_DATA_CHANNEL_ERROR_INVALID_ARGUMENT for options that do not go
 *   together, or %AVANUE_PEER_CONNECTION_ERROR_INVALID_STATE if the
 *   connection is closed or failed
 *
 * Since: 0.1
 */
AvanueDataChannel *
avanue_peer_connection_create_data_channel (AvanuePeerConnection      *self,
                                            const char                *label,
                                            AvanueDataChannelOptions  *options,
                                            GError                   **error)
{
  g_autoptr(AvanueDataChannelOptions) defaults = NULL;
  AvanueDataChannel *channel;
  const char *protocol;
  int negotiated_id;

  g_return_val_if_fail (AVANUE_IS_PEER_CONNECTION (self), NULL);
  g_return_val_if_fail (label != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (is_finished (self))
    {
      g_set_error_literal (error, AVANUE_PEER_CONNECTION_ERROR, AVANUE_PEER_CONNECTION_ERROR_INVALID_STATE,
                           "The connection is closed");
      return NULL;
    }
  if (options == NULL)
    options = defaults = avanue_data_channel_options_new ();
  protocol = avanue_data_channel_options_get_protocol (options);
  negotiated_id = avanue_data_channel_options_get_negotiated_id (options);

  if (strlen (label) > G_MAXUINT16 || (protocol != NULL && strlen (protocol) > G_MAXUINT16) ||
      !g_utf8_validate (label, -1, NULL) || (protocol != NULL && !g_utf8_validate (protocol, -1, NULL)))
    {
      g_set_error_literal (error, AVANUE_DATA_CHANNEL_ERROR, AVANUE_DATA_CHANNEL_ERROR_INVALID_ARGUMENT,
                           "The label and protocol must be UTF-8 of at most 65535 bytes");
      return NULL;
    }
  if (avanue_data_channel_options_get_max_retransmits (options) >= 0 &&
      avanue_data_channel_options_get_max_packet_life_time (options) >= 0)
    {
      g_set_error_literal (error, AVANUE_DATA_CHANNEL_ERROR, AVANUE_DATA_CHANNEL_ERROR_INVALID_ARGUMENT,
                           "max-retransmits and max-packet-life-time cannot both be set");
      return NULL;
    }
  if (negotiated_id >= AVANUE_SCTP_MAX_STREAMS ||
      (negotiated_id >= 0 && g_hash_table_contains (self->channels, GINT_TO_POINTER (negotiated_id))))
    {
      g_set_error (error, AVANUE_DATA_CHANNEL_ERROR, AVANUE_DATA_CHANNEL_ERROR_INVALID_ARGUMENT,
                   "The stream id %d is out of range or taken", negotiated_id);
      return NULL;
    }

  channel = avanue_data_channel_new_internal (self, label, protocol,
                                              avanue_data_channel_options_get_ordered (options),
                                              avanue_data_channel_options_get_max_retransmits (options),
                                              avanue_data_channel_options_get_max_packet_life_time (options),
                                              negotiated_id >= 0, negotiated_id);
  avanue_data_channel_set_local (channel, TRUE);
  if (negotiated_id >= 0)
    {
      g_hash_table_insert (self->channels, GINT_TO_POINTER (negotiated_id), g_object_ref (channel));
      if (self->sctp_connected)
        schedule_open (self, channel);
    }
  else
    {
      g_ptr_array_add (self->pending_channels, g_object_ref (channel));
      if (self->sctp_connected)
        open_pending_channels (self);
    }
  return channel;
}

/**
 * avanue_peer_connection_close:
 * @self: a connection
 *
 * Closes the connection: the data channels close, the SCTP association
 * is aborted and DTLS closed (the peer sees the connection go), and ICE
 * stops. The state becomes %AVANUE_PEER_CONNECTION_STATE_CLOSED.
 * Closing twice does nothing.
 *
 * Since: 0.1
 */
void
avanue_peer_connection_close (AvanuePeerConnection *self)
{
  g_return_if_fail (AVANUE_IS_PEER_CONNECTION (self));

  if (self->state == AVANUE_PEER_CONNECTION_STATE_CLOSED)
    return;
  g_object_ref (self);
  disconnect_client (self);
  if (!self->torn_down)
    tear_down (self);
  set_state (self, AVANUE_PEER_CONNECTION_STATE_CLOSED);
  g_object_unref (self);
}
