/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libavanue's AvanueSignalingClient against a real avanued: sessions from
 * creation to end, relayed SDP, candidates and application messages, the
 * server's errors as GErrors, a dropped network (through a TCP proxy the
 * test can cut) with the missed events replayed on rejoin, and a daemon
 * restart that every client survives by reconnecting and rejoining. */
#include "config.h"

#include <string.h>

#include "avanue.h"
#include "avd-test-daemon.h"

#define WAIT_TIMEOUT_MS 20000

static gboolean
timed_out_cb (gpointer data)
{
  *(gboolean *) data = TRUE;
  return G_SOURCE_REMOVE;
}

#define WAIT_FOR(cond)                                                        \
  G_STMT_START {                                                              \
    gboolean timed_out_ = FALSE;                                              \
    guint timeout_id_ = g_timeout_add (WAIT_TIMEOUT_MS, timed_out_cb, &timed_out_); \
    while (!(cond) && !timed_out_)                                            \
      g_main_context_iteration (NULL, TRUE);                                  \
    if (!timed_out_)                                                          \
      g_source_remove (timeout_id_);                                          \
    if (!(cond))                                                              \
      g_error ("timed out waiting for %s", #cond);                            \
  } G_STMT_END

static void
spin (guint ms)
{
  gboolean done = FALSE;

  g_timeout_add (ms, timed_out_cb, &done);
  while (!done)
    g_main_context_iteration (NULL, TRUE);
}

static void
store_result_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  *(GAsyncResult **) user_data = g_object_ref (result);
}

/* ------------------------------------------------------------------------
 * A device: a client and what it heard
 * ------------------------------------------------------------------------ */

typedef struct
{
  AvanueIdentity *identity;
  AvanueSignalingClient *client;
  GPtrArray *log;
  char *name;
} Peer;

static void
peer_log (Peer       *peer,
          const char *format,
          ...) G_GNUC_PRINTF (2, 3);

static void
peer_log (Peer       *peer,
          const char *format,
          ...)
{
  va_list args;
  char *entry;

  va_start (args, format);
  entry = g_strdup_vprintf (format, args);
  va_end (args);
  g_ptr_array_add (peer->log, entry);
}

/* The position of @entry in @peer's log, or -1. */
static int
peer_find (Peer       *peer,
           const char *entry)
{
  for (guint i = 0; i < peer->log->len; i++)
    {
      if (g_str_equal (g_ptr_array_index (peer->log, i), entry))
        return (int) i;
    }
  return -1;
}

static gboolean
peer_saw (Peer       *peer,
          const char *format,
          ...) G_GNUC_PRINTF (2, 3);

static gboolean
peer_saw (Peer       *peer,
          const char *format,
          ...)
{
  g_autofree char *entry = NULL;
  va_list args;

  va_start (args, format);
  entry = g_strdup_vprintf (format, args);
  va_end (args);
  return peer_find (peer, entry) >= 0;
}

static void
on_session_ended (AvanueSignalingClient *c, const char *id, const char *reason, Peer *peer)
{
  peer_log (peer, "session-ended %s", reason);
}

static void
on_participant_joined (AvanueSignalingClient *c, AvanueParticipant *p, Peer *peer)
{
  peer_log (peer, "participant-joined %s", avanue_participant_get_fingerprint (p));
}

static void
on_participant_offline (AvanueSignalingClient *c, const char *fingerprint, Peer *peer)
{
  peer_log (peer, "participant-offline %s", fingerprint);
}

static void
on_participant_left (AvanueSignalingClient *c, const char *fingerprint, const char *reason, Peer *peer)
{
  peer_log (peer, "participant-left %s %s", fingerprint, reason);
}

static void
on_hub_elected (AvanueSignalingClient *c, const char *fingerprint, const char *reason, Peer *peer)
{
  peer_log (peer, "hub-elected %s %s", fingerprint, reason);
}

static void
on_sdp_offer (AvanueSignalingClient *c, const char *from, const char *sdp, Peer *peer)
{
  peer_log (peer, "sdp-offer %s %s", from, sdp);
}

static void
on_sdp_answer (AvanueSignalingClient *c, const char *from, const char *sdp, Peer *peer)
{
  peer_log (peer, "sdp-answer %s %s", from, sdp);
}

static void
on_ice_candidate (AvanueSignalingClient *c, const char *from, const char *candidate,
                  const char *sdp_mid, int index, Peer *peer)
{
  peer_log (peer, "ice-candidate %s [%s] %s %d", from, candidate, sdp_mid ? sdp_mid : "(null)", index);
}

static void
on_app_message (AvanueSignalingClient *c, const char *from, JsonObject *payload, Peer *peer)
{
  peer_log (peer, "app-message %s %s", from, json_object_get_string_member (payload, "action"));
}

static void
on_server_error (AvanueSignalingClient *c, AvanueProtocolError code, const char *message, Peer *peer)
{
  peer_log (peer, "server-error %s", avanue_protocol_error_to_string (code));
}

static void
on_rejoined (AvanueSignalingClient *c, AvanueSession *session, Peer *peer)
{
  peer_log (peer, "rejoined %s", avanue_session_get_session_id (session));
}

static Peer *
peer_new (const char *uri,
          const char *name)
{
  Peer *peer = g_new0 (Peer, 1);
  g_autoptr(GError) error = NULL;

  peer->name = g_strdup (name);
  peer->identity = avanue_identity_new (&error);
  g_assert_no_error (error);
  peer->client = avanue_signaling_client_new (uri, peer->identity);
  avanue_signaling_client_set_device_name (peer->client, name);
  peer->log = g_ptr_array_new_with_free_func (g_free);

  g_signal_connect (peer->client, "session-ended", G_CALLBACK (on_session_ended), peer);
  g_signal_connect (peer->client, "participant-joined", G_CALLBACK (on_participant_joined), peer);
  g_signal_connect (peer->client, "participant-offline", G_CALLBACK (on_participant_offline), peer);
  g_signal_connect (peer->client, "participant-left", G_CALLBACK (on_participant_left), peer);
  g_signal_connect (peer->client, "hub-elected", G_CALLBACK (on_hub_elected), peer);
  g_signal_connect (peer->client, "sdp-offer", G_CALLBACK (on_sdp_offer), peer);
  g_signal_connect (peer->client, "sdp-answer", G_CALLBACK (on_sdp_answer), peer);
  g_signal_connect (peer->client, "ice-candidate", G_CALLBACK (on_ice_candidate), peer);
  g_signal_connect (peer->client, "app-message", G_CALLBACK (on_app_message), peer);
  g_signal_connect (peer->client, "server-error", G_CALLBACK (on_server_error), peer);
  g_signal_connect (peer->client, "rejoined", G_CALLBACK (on_rejoined), peer);
  return peer;
}

static void
peer_free (Peer *peer)
{
  avanue_signaling_client_disconnect (peer->client);
  g_clear_object (&peer->client);
  g_clear_object (&peer->identity);
  g_ptr_array_unref (peer->log);
  g_free (peer->name);
  g_free (peer);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Peer, peer_free)

static const char *
peer_fp (Peer *peer)
{
  return avanue_identity_get_fingerprint (peer->identity);
}

static AvanueSession *
peer_session (Peer *peer)
{
  return avanue_signaling_client_get_session (peer->client);
}

static void
peer_connect (Peer *peer)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;

  avanue_signaling_client_connect_async (peer->client, NULL, store_result_cb, &result);
  WAIT_FOR (result != NULL);
  g_assert_true (avanue_signaling_client_connect_finish (peer->client, result, &error));
  g_assert_no_error (error);
  g_assert_cmpint (avanue_signaling_client_get_state (peer->client), ==, AVANUE_SIGNALING_STATE_REGISTERED);
}

static AvanueCapabilities *
caps_new (guint cpu_cores)
{
  AvanueCapabilities *caps = avanue_capabilities_new ();

  avanue_capabilities_set_cpu_cores (caps, cpu_cores);
  avanue_capabilities_set_ram_mb (caps, 4096);
  avanue_capabilities_set_is_charging (caps, TRUE);
  avanue_capabilities_set_network_type (caps, AVANUE_NETWORK_TYPE_ETHERNET);
  avanue_capabilities_set_device_type (caps, AVANUE_DEVICE_TYPE_DESKTOP);
  avanue_capabilities_set_platform (caps, AVANUE_PLATFORM_DESKTOP);
  return caps;
}

static AvanueSession *
peer_create (Peer *peer)
{
  g_autoptr(AvanueCapabilities) caps = caps_new (8);
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  AvanueSession *session;

  avanue_signaling_client_create_session_async (peer->client, NULL, "CALL", caps, NULL,
                                                store_result_cb, &result);
  WAIT_FOR (result != NULL);
  session = avanue_signaling_client_create_session_finish (peer->client, result, &error);
  g_assert_no_error (error);
  g_assert_nonnull (session);
  return session;
}

static AvanueSession *
peer_join (Peer       *peer,
           const char *code,
           GError    **error)
{
  g_autoptr(AvanueCapabilities) caps = caps_new (2);
  g_autoptr(GAsyncResult) result = NULL;

  avanue_signaling_client_join_session_async (peer->client, code, caps, NULL, store_result_cb, &result);
  WAIT_FOR (result != NULL);
  return avanue_signaling_client_join_session_finish (peer->client, result, error);
}

/* ------------------------------------------------------------------------
 * A TCP proxy the test can cut, to drop a client's network
 * ------------------------------------------------------------------------ */

typedef struct
{
  GSocketService *service;
  guint port;
  guint target_port;
  gboolean refusing;
  GPtrArray *sockets;         /* GSocketConnection: both ends of each pair */
  guint accepted;
} Proxy;

static void
splice_done_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_io_stream_splice_finish (result, NULL);
}

static gboolean
proxy_incoming_cb (GSocketService    *service,
                   GSocketConnection *downstream,
                   GObject           *source,
                   Proxy             *proxy)
{
  g_autoptr(GSocketClient) socket_client = NULL;
  g_autoptr(GSocketConnection) upstream = NULL;
  g_autoptr(GError) error = NULL;

  if (proxy->refusing)
    {
      g_socket_shutdown (g_socket_connection_get_socket (downstream), TRUE, TRUE, NULL);
      return TRUE;
    }
  proxy->accepted++;
  socket_client = g_socket_client_new ();
  upstream = g_socket_client_connect_to_host (socket_client, "127.0.0.1", proxy->target_port, NULL, &error);
  g_assert_no_error (error);
  g_ptr_array_add (proxy->sockets, g_object_ref (downstream));
  g_ptr_array_add (proxy->sockets, g_object_ref (upstream));
  g_io_stream_splice_async (G_IO_STREAM (downstream), G_IO_STREAM (upstream),
                            G_IO_STREAM_SPLICE_CLOSE_STREAM1 | G_IO_STREAM_SPLICE_CLOSE_STREAM2,
                            G_PRIORITY_DEFAULT, NULL, splice_done_cb, NULL);
  return TRUE;
}

static Proxy *
proxy_new (guint target_port)
{
  Proxy *proxy = g_new0 (Proxy, 1);
  g_autoptr(GError) error = NULL;
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocketAddress) bound = NULL;

  proxy->target_port = target_port;
  proxy->sockets = g_ptr_array_new_with_free_func (g_object_unref);
  proxy->service = g_socket_service_new ();
  g_socket_listener_add_address (G_SOCKET_LISTENER (proxy->service), address, G_SOCKET_TYPE_STREAM,
                                 G_SOCKET_PROTOCOL_TCP, NULL, &bound, &error);
  g_assert_no_error (error);
  proxy->port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
  g_signal_connect (proxy->service, "incoming", G_CALLBACK (proxy_incoming_cb), proxy);
  g_socket_service_start (proxy->service);
  return proxy;
}

/* Drops every connection through the proxy, as a network failure would:
 * both ends see the TCP stream end, without a WebSocket close. */
static void
proxy_cut (Proxy *proxy)
{
  for (guint i = 0; i < proxy->sockets->len; i++)
    g_socket_shutdown (g_socket_connection_get_socket (g_ptr_array_index (proxy->sockets, i)),
                       TRUE, TRUE, NULL);
}

static void
proxy_free (Proxy *proxy)
{
  proxy_cut (proxy);
  g_socket_service_stop (proxy->service);
  g_socket_listener_close (G_SOCKET_LISTENER (proxy->service));
  spin (50);
  g_clear_object (&proxy->service);
  g_ptr_array_unref (proxy->sockets);
  g_free (proxy);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Proxy, proxy_free)

/* ------------------------------------------------------------------------
 * Tests
 * ------------------------------------------------------------------------ */

static void
test_session_lifecycle (void)
{
  g_autoptr(AvdTestDaemon) daemon = avd_test_daemon_start (NULL);
  g_autofree char *uri = avd_test_daemon_ws_url (daemon);
  g_autoptr(Peer) host = peer_new (uri, "Host laptop");
  g_autoptr(Peer) guest = peer_new (uri, "Guest phone");
  g_autoptr(Peer) third = peer_new (uri, "Third tablet");
  g_autoptr(AvanueSession) hs = NULL;
  g_autoptr(AvanueSession) gs = NULL;
  g_autoptr(AvanueSession) nope = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) payload = json_object_new ();
  g_autofree char *messy_code = NULL;
  AvanueParticipant *p;
  gint64 server_time = 0;

  peer_connect (host);
  peer_connect (guest);
  peer_connect (third);
  g_assert_true (g_uuid_string_is_valid (avanue_signaling_client_get_client_id (host->client)));

  /* create: the free tier, anonymously */
  hs = peer_create (host);
  g_assert_true (avanue_invite_code_is_valid (avanue_session_get_invite_code (hs)));
  g_assert_true (g_str_has_prefix (avanue_session_get_join_url (hs), "avanues://join/AVNE-"));
  g_assert_cmpstr (avanue_session_get_session_type (hs), ==, "CALL");
  g_assert_cmpstr (avanue_session_get_tier (hs), ==, "free");
  g_assert_cmpuint (avanue_session_get_max_peers (hs), ==, 2);
  g_assert_false (avanue_session_get_turn_allowed (hs));
  g_assert_cmpint (avanue_session_get_local_role (hs), ==, AVANUE_PARTICIPANT_ROLE_HOST);
  g_assert_cmpuint (g_list_model_get_n_items (avanue_session_get_participants (hs)), ==, 1);

  /* join, with the code as a person might type it */
  messy_code = g_ascii_strdown (avanue_session_get_invite_code (hs), -1);
  messy_code[4] = ' ';
  gs = peer_join (guest, messy_code, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (avanue_session_get_session_id (gs), ==, avanue_session_get_session_id (hs));
  g_assert_cmpstr (avanue_session_get_invite_code (gs), ==, avanue_session_get_invite_code (hs));
  g_assert_cmpint (avanue_session_get_local_role (gs), ==, AVANUE_PARTICIPANT_ROLE_GUEST);
  g_assert_cmpuint (g_list_model_get_n_items (avanue_session_get_participants (gs)), ==, 2);
  p = avanue_session_lookup_participant (gs, peer_fp (host));
  g_assert_nonnull (p);
  g_assert_cmpstr (avanue_participant_get_device_name (p), ==, "Host laptop");
  g_assert_cmpint (avanue_participant_get_role (p), ==, AVANUE_PARTICIPANT_ROLE_HOST);
  g_assert_cmpstr (avanue_participant_get_device_name (avanue_session_get_local_participant (gs)), ==,
                   "Guest phone");

  /* the host hears the guest join; the list models agree */
  WAIT_FOR (peer_saw (host, "participant-joined %s", peer_fp (guest)));
  g_assert_cmpuint (g_list_model_get_n_items (avanue_session_get_participants (hs)), ==, 2);
  p = avanue_session_lookup_participant (hs, peer_fp (guest));
  g_assert_nonnull (p);
  g_assert_true (avanue_participant_get_online (p));
  g_assert_cmpint (avanue_participant_get_role (p), ==, AVANUE_PARTICIPANT_ROLE_GUEST);

  /* a hub, the same one on both sides, and exactly one HUB in each model */
  WAIT_FOR (avanue_session_get_hub_fingerprint (hs) != NULL && avanue_session_get_hub_fingerprint (gs) != NULL &&
            g_str_equal (avanue_session_get_hub_fingerprint (hs), avanue_session_get_hub_fingerprint (gs)));
  {
    const char *hub = avanue_session_get_hub_fingerprint (hs);

    g_assert_cmpint (avanue_participant_get_topology_role (avanue_session_lookup_participant (hs, hub)),
                     ==, AVANUE_TOPOLOGY_ROLE_HUB);
    WAIT_FOR (avanue_participant_get_topology_role (avanue_session_lookup_participant (gs, hub)) ==
              AVANUE_TOPOLOGY_ROLE_HUB);
  }

  /* relay: offer, answer, candidates, an application message */
  g_assert_true (avanue_signaling_client_send_sdp_offer (host->client, avanue_session_get_session_id (hs),
                                                         peer_fp (guest), "v=0\r\no=host offer", &error));
  g_assert_no_error (error);
  WAIT_FOR (peer_saw (guest, "sdp-offer %s v=0\r\no=host offer", peer_fp (host)));
  g_assert_true (avanue_signaling_client_send_sdp_answer (guest->client, avanue_session_get_session_id (gs),
                                                          peer_fp (host), "v=0\r\no=guest answer", &error));
  WAIT_FOR (peer_saw (host, "sdp-answer %s v=0\r\no=guest answer", peer_fp (guest)));
  g_assert_true (avanue_signaling_client_send_ice_candidate (host->client, avanue_session_get_session_id (hs),
                                                             peer_fp (guest),
                                                             "candidate:1 1 udp 2122260223 192.0.2.1 50000 typ host",
                                                             "0", 0, &error));
  g_assert_true (avanue_signaling_client_send_ice_candidate (host->client, avanue_session_get_session_id (hs),
                                                             peer_fp (guest), "", NULL, -1, &error));
  WAIT_FOR (peer_saw (guest, "ice-candidate %s [] (null) -1", peer_fp (host)));
  g_assert_true (peer_saw (guest, "ice-candidate %s [candidate:1 1 udp 2122260223 192.0.2.1 50000 typ host] 0 0",
                           peer_fp (host)));
  json_object_set_string_member (payload, "action", "mute");
  g_assert_true (avanue_signaling_client_send_app_message (guest->client, avanue_session_get_session_id (gs),
                                                           NULL, payload, &error));
  WAIT_FOR (peer_saw (host, "app-message %s mute", peer_fp (guest)));
  g_assert_no_error (error);

  /* statistics and capability updates are accepted silently */
  g_assert_true (avanue_signaling_client_report_stats (guest->client, avanue_session_get_session_id (gs),
                                                       12.5, 0.5, "port-restricted", "srflx", &error));
  {
    g_autoptr(AvanueCapabilities) caps = caps_new (4);

    g_assert_true (avanue_signaling_client_update_capabilities (guest->client, avanue_session_get_session_id (gs),
                                                                caps, &error));
  }
  g_assert_no_error (error);

  /* the server's errors, as GErrors matched to their requests */
  nope = peer_join (third, avanue_session_get_invite_code (hs), &error);
  g_assert_null (nope);
  g_assert_error (error, AVANUE_PROTOCOL_ERROR, AVANUE_PROTOCOL_ERROR_SESSION_FULL);
  g_clear_error (&error);
  nope = peer_join (third, "AVNE-2222-2222", &error);
  g_assert_null (nope);
  g_assert_error (error, AVANUE_PROTOCOL_ERROR, AVANUE_PROTOCOL_ERROR_SESSION_NOT_FOUND);
  g_clear_error (&error);

  avanue_signaling_client_end_session_async (guest->client, avanue_session_get_session_id (gs), NULL,
                                             store_result_cb, &result);
  WAIT_FOR (result != NULL);
  g_assert_false (avanue_signaling_client_end_session_finish (guest->client, result, &error));
  g_assert_error (error, AVANUE_PROTOCOL_ERROR, AVANUE_PROTOCOL_ERROR_FORBIDDEN);
  g_clear_error (&error);
  g_clear_object (&result);

  avanue_signaling_client_request_turn_async (host->client, avanue_session_get_session_id (hs), NULL,
                                              store_result_cb, &result);
  WAIT_FOR (result != NULL);
  g_assert_null (avanue_signaling_client_request_turn_finish (host->client, result, &error));
  g_assert_error (error, AVANUE_PROTOCOL_ERROR, AVANUE_PROTOCOL_ERROR_TURN_UNAVAILABLE);
  g_clear_error (&error);
  g_clear_object (&result);

  avanue_signaling_client_ping_async (host->client, NULL, store_result_cb, &result);
  WAIT_FOR (result != NULL);
  g_assert_true (avanue_signaling_client_ping_finish (host->client, result, &server_time, &error));
  g_assert_no_error (error);
  g_assert_cmpint (ABS (server_time - g_get_real_time () / 1000), <, 60000);
  g_clear_object (&result);

  /* a relay to nobody: an ERROR that answers no request */
  g_assert_true (avanue_signaling_client_send_sdp_offer (host->client, avanue_session_get_session_id (hs),
                                                         peer_fp (third), "v=0", &error));
  WAIT_FOR (peer_saw (host, "server-error PEER_NOT_FOUND"));

  /* the guest leaves; the host sees it go */
  avanue_signaling_client_leave_session_async (guest->client, avanue_session_get_session_id (gs), NULL,
                                               store_result_cb, &result);
  WAIT_FOR (result != NULL);
  g_assert_true (avanue_signaling_client_leave_session_finish (guest->client, result, &error));
  g_assert_no_error (error);
  g_clear_object (&result);
  g_assert_null (peer_session (guest));
  WAIT_FOR (peer_saw (host, "participant-left %s LEFT", peer_fp (guest)));
  g_assert_null (avanue_session_lookup_participant (hs, peer_fp (guest)));

  /* the host ends it */
  avanue_signaling_client_end_session_async (host->client, avanue_session_get_session_id (hs), NULL,
                                             store_result_cb, &result);
  WAIT_FOR (result != NULL);
  g_assert_true (avanue_signaling_client_end_session_finish (host->client, result, &error));
  g_assert_no_error (error);
  g_assert_true (peer_saw (host, "session-ended COMPLETED"));
  g_assert_true (avanue_session_get_ended (hs));
  g_assert_null (peer_session (host));

  /* nothing the clients sent was refused by the daemon's schema */
  g_assert_false (peer_saw (host, "server-error BAD_REQUEST"));
  g_assert_false (peer_saw (guest, "server-error BAD_REQUEST"));
}

static void
test_network_drop_rejoin (void)
{
  g_autoptr(AvdTestDaemon) daemon = avd_test_daemon_start (NULL);
  g_autofree char *uri = avd_test_daemon_ws_url (daemon);
  g_autoptr(Proxy) proxy = proxy_new (daemon->http_port);
  g_autofree char *proxied = g_strdup_printf ("ws://127.0.0.1:%u/v1/signal", proxy->port);
  g_autoptr(Peer) host = peer_new (uri, "Host");
  g_autoptr(Peer) guest = peer_new (proxied, "Guest behind a flaky link");
  g_autoptr(AvanueSession) hs = NULL;
  g_autoptr(AvanueSession) gs = NULL;
  g_autoptr(JsonObject) payload = json_object_new ();
  g_autoptr(GError) error = NULL;
  AvanueParticipant *guest_in_host;
  int offer_at, app_at, rejoined_at;
  g_autofree char *rejoined = NULL;

  peer_connect (host);
  peer_connect (guest);
  hs = peer_create (host);
  gs = peer_join (guest, avanue_session_get_invite_code (hs), &error);
  g_assert_no_error (error);
  WAIT_FOR (peer_saw (host, "participant-joined %s", peer_fp (guest)));
  guest_in_host = avanue_session_lookup_participant (hs, peer_fp (guest));

  /* the guest's network goes away, and stays away for now */
  proxy->refusing = TRUE;
  proxy_cut (proxy);
  WAIT_FOR (peer_saw (host, "participant-offline %s", peer_fp (guest)));
  g_assert_false (avanue_participant_get_online (guest_in_host));
  WAIT_FOR (avanue_signaling_client_get_state (guest->client) == AVANUE_SIGNALING_STATE_CONNECTING);
  /* still in the session, as far as the guest knows */
  g_assert_true (peer_session (guest) == gs);

  /* meanwhile the host talks to it: the server keeps that for the guest */
  g_assert_true (avanue_signaling_client_send_sdp_offer (host->client, avanue_session_get_session_id (hs),
                                                         peer_fp (guest), "v=0\r\no=while you were away", &error));
  json_object_set_string_member (payload, "action", "ring");
  g_assert_true (avanue_signaling_client_send_app_message (host->client, avanue_session_get_session_id (hs),
                                                           peer_fp (guest), payload, &error));
  g_assert_no_error (error);
  spin (300);

  /* the network comes back: the guest reconnects on its own and rejoins */
  proxy->refusing = FALSE;
  rejoined = g_strdup_printf ("rejoined %s", avanue_session_get_session_id (gs));
  WAIT_FOR (peer_find (guest, rejoined) >= 0);
  g_assert_cmpint (avanue_signaling_client_get_state (guest->client), ==, AVANUE_SIGNALING_STATE_REGISTERED);
  g_assert_true (peer_session (guest) == gs);

  /* the missed events came through the usual signals, in order, before
   * rejoined */
  {
    g_autofree char *offer = g_strdup_printf ("sdp-offer %s v=0\r\no=while you were away", peer_fp (host));
    g_autofree char *app = g_strdup_printf ("app-message %s ring", peer_fp (host));

    offer_at = peer_find (guest, offer);
    app_at = peer_find (guest, app);
    rejoined_at = peer_find (guest, rejoined);
  }
  g_assert_cmpint (offer_at, >=, 0);
  g_assert_cmpint (app_at, >, offer_at);
  g_assert_cmpint (rejoined_at, >, app_at);

  /* the host sees the guest back online, in the same row */
  WAIT_FOR (avanue_participant_get_online (guest_in_host));
  g_assert_true (avanue_session_lookup_participant (hs, peer_fp (guest)) == guest_in_host);
  g_assert_cmpuint (g_list_model_get_n_items (avanue_session_get_participants (hs)), ==, 2);
  g_assert_cmpuint (g_list_model_get_n_items (avanue_session_get_participants (gs)), ==, 2);

  /* and relaying works again */
  g_assert_true (avanue_signaling_client_send_sdp_answer (guest->client, avanue_session_get_session_id (gs),
                                                          peer_fp (host), "v=0\r\no=back", &error));
  WAIT_FOR (peer_saw (host, "sdp-answer %s v=0\r\no=back", peer_fp (guest)));
  g_assert_cmpuint (proxy->accepted, >=, 2);
}

static guint
free_tcp_port (void)
{
  g_autoptr(GSocket) socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM,
                                            G_SOCKET_PROTOCOL_TCP, NULL);
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocketAddress) bound = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_nonnull (socket);
  g_socket_bind (socket, address, TRUE, &error);
  g_assert_no_error (error);
  bound = g_socket_get_local_address (socket, &error);
  g_assert_no_error (error);
  return g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
}

static void
test_daemon_restart (void)
{
  g_autofree char *port_arg = g_strdup_printf ("--port=%u", free_tcp_port ());
  const char *args[] = { port_arg, NULL };
  g_autoptr(AvdTestDaemon) daemon = avd_test_daemon_start (args);
  g_autofree char *uri = avd_test_daemon_ws_url (daemon);
  g_autoptr(Peer) host = peer_new (uri, "Host");
  g_autoptr(Peer) guest = peer_new (uri, "Guest");
  g_autoptr(AvanueSession) hs = NULL;
  g_autoptr(AvanueSession) gs = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *rejoined = NULL;
  guint port = daemon->http_port;

  peer_connect (host);
  peer_connect (guest);
  hs = peer_create (host);
  gs = peer_join (guest, avanue_session_get_invite_code (hs), &error);
  g_assert_no_error (error);
  WAIT_FOR (peer_saw (host, "participant-joined %s", peer_fp (guest)));
  rejoined = g_strdup_printf ("rejoined %s", avanue_session_get_session_id (hs));

  /* avanued restarts (1001 "going away"); the sessions survive it */
  avd_test_daemon_restart (daemon);
  g_assert_cmpuint (daemon->http_port, ==, port);

  WAIT_FOR (peer_find (host, rejoined) >= 0 && peer_find (guest, rejoined) >= 0);
  g_assert_cmpint (avanue_signaling_client_get_state (host->client), ==, AVANUE_SIGNALING_STATE_REGISTERED);
  g_assert_cmpint (avanue_signaling_client_get_state (guest->client), ==, AVANUE_SIGNALING_STATE_REGISTERED);
  g_assert_true (peer_session (host) == hs);
  g_assert_true (peer_session (guest) == gs);
  g_assert_false (avanue_session_get_ended (hs));
  g_assert_cmpint (avanue_session_get_local_role (hs), ==, AVANUE_PARTICIPANT_ROLE_HOST);
  g_assert_cmpuint (g_list_model_get_n_items (avanue_session_get_participants (hs)), ==, 2);

  /* both are back online in each other's model */
  WAIT_FOR (avanue_participant_get_online (avanue_session_lookup_participant (hs, peer_fp (guest))) &&
            avanue_participant_get_online (avanue_session_lookup_participant (gs, peer_fp (host))));

  /* and they can talk again */
  g_assert_true (avanue_signaling_client_send_sdp_offer (host->client, avanue_session_get_session_id (hs),
                                                         peer_fp (guest), "v=0\r\no=after restart", &error));
  g_assert_no_error (error);
  WAIT_FOR (peer_saw (guest, "sdp-offer %s v=0\r\no=after restart", peer_fp (host)));
}

int
main (int argc, char **argv)
{
  /* Everything here is on loopback: no system proxy (and no libproxy,
   * whose C++ exceptions AddressSanitizer cannot follow). */
  g_setenv ("GIO_USE_PROXY_RESOLVER", "dummy", TRUE);
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/avanue/integration/signaling-client/session-lifecycle", test_session_lifecycle);
  g_test_add_func ("/avanue/integration/signaling-client/network-drop-rejoin", test_network_drop_rejoin);
  g_test_add_func ("/avanue/integration/signaling-client/daemon-restart", test_daemon_restart);

  return g_test_run ();
}
