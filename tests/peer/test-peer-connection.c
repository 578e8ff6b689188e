/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Two AvanuePeerConnections in one process, each with its own signaling
 * client, through a real avanued: ICE over host candidates, DTLS, SCTP
 * and data channels of every kind (reliable, unordered without
 * retransmissions, timed with a protocol, negotiated out of band, opened
 * by either side), text, binary and empty messages, the largest message
 * the peer accepts, closing from either side, closing the connection,
 * flow control with its hard cap on a 100 MiB stream, a DTLS certificate
 * that does not match the SDP, glare, an ICE restart (asked for, and by
 * itself when the peer rejoins the session), and bad input. */
#include "config.h"

#include <string.h>

#include "avanue.h"
#include "avanue-peer-connection-private.h"
#include "avd-test-daemon.h"

#define WAIT_TIMEOUT_MS 30000

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
 * What a channel saw
 * ------------------------------------------------------------------------ */

typedef struct {
  GBytes *data;
  gboolean is_text;
} Message;

typedef struct {
  guint opened;
  guint closed;
  guint low;
  gboolean echo;
  gboolean count_only;
  guint64 bytes;
  GPtrArray *messages;                  /* Message */
  GPtrArray *errors;                    /* GError */
} Recorder;

static void
message_free (gpointer data)
{
  Message *message = data;

  g_bytes_unref (message->data);
  g_free (message);
}

static void
recorder_free (gpointer data)
{
  Recorder *recorder = data;

  g_ptr_array_unref (recorder->messages);
  g_ptr_array_unref (recorder->errors);
  g_free (recorder);
}

static void
on_open (AvanueDataChannel *channel,
         Recorder          *recorder)
{
  recorder->opened++;
}

static void
on_closed (AvanueDataChannel *channel,
           Recorder          *recorder)
{
  recorder->closed++;
}

static void
on_low (AvanueDataChannel *channel,
        Recorder          *recorder)
{
  recorder->low++;
}

static void
on_error (AvanueDataChannel *channel,
          const GError      *error,
          Recorder          *recorder)
{
  g_ptr_array_add (recorder->errors, g_error_copy (error));
}

static void
on_message (AvanueDataChannel *channel,
            GBytes            *data,
            gboolean           is_text,
            Recorder          *recorder)
{
  g_autoptr(GError) error = NULL;

  recorder->bytes += g_bytes_get_size (data);
  if (recorder->count_only)
    return;
  if (recorder->echo)
    {
      if (is_text)
        {
          g_autofree char *text = g_strndup (g_bytes_get_size (data) > 0 ? g_bytes_get_data (data, NULL) : "",
                                             g_bytes_get_size (data));

          g_assert_true (avanue_data_channel_send_text (channel, text, &error));
        }
      else
        {
          g_assert_true (avanue_data_channel_send_bytes (channel, data, &error));
        }
      g_assert_no_error (error);
    }
  {
    Message *message = g_new0 (Message, 1);

    message->data = g_bytes_ref (data);
    message->is_text = is_text;
    g_ptr_array_add (recorder->messages, message);
  }
}

static Recorder *
watch (AvanueDataChannel *channel,
       gboolean           echo)
{
  Recorder *recorder = g_new0 (Recorder, 1);

  recorder->echo = echo;
  recorder->messages = g_ptr_array_new_with_free_func (message_free);
  recorder->errors = g_ptr_array_new_with_free_func ((GDestroyNotify) g_error_free);
  g_object_set_data_full (G_OBJECT (channel), "recorder", recorder, recorder_free);
  g_signal_connect (channel, "open", G_CALLBACK (on_open), recorder);
  g_signal_connect (channel, "closed", G_CALLBACK (on_closed), recorder);
  g_signal_connect (channel, "buffered-amount-low", G_CALLBACK (on_low), recorder);
  g_signal_connect (channel, "error", G_CALLBACK (on_error), recorder);
  g_signal_connect (channel, "message", G_CALLBACK (on_message), recorder);
  return recorder;
}

static Recorder *
rec (AvanueDataChannel *channel)
{
  return g_object_get_data (G_OBJECT (channel), "recorder");
}

/* ------------------------------------------------------------------------
 * A device: a client, its session, its connection to the other
 * ------------------------------------------------------------------------ */

typedef struct {
  AvanueIdentity *identity;
  AvanueSignalingClient *client;
  AvanueSession *session;
  AvanuePeerConnection *pc;
  GPtrArray *remote_channels;           /* opened by the other side */
  gboolean echo_remote;
  guint joined;
  gboolean ever_connected;
} Peer;

static void
on_participant_joined (AvanueSignalingClient *client,
                       AvanueParticipant     *participant,
                       Peer                  *peer)
{
  peer->joined++;
}

static Peer *
peer_new (const char *uri,
          const char *name)
{
  Peer *peer = g_new0 (Peer, 1);
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;

  peer->identity = avanue_identity_new (&error);
  g_assert_no_error (error);
  peer->client = avanue_signaling_client_new (uri, peer->identity);
  avanue_signaling_client_set_device_name (peer->client, name);
  peer->remote_channels = g_ptr_array_new_with_free_func (g_object_unref);
  peer->echo_remote = TRUE;
  g_signal_connect (peer->client, "participant-joined", G_CALLBACK (on_participant_joined), peer);

  avanue_signaling_client_connect_async (peer->client, NULL, store_result_cb, &result);
  WAIT_FOR (result != NULL);
  g_assert_true (avanue_signaling_client_connect_finish (peer->client, result, &error));
  g_assert_no_error (error);
  return peer;
}

static void
peer_free (Peer *peer)
{
  if (peer->pc != NULL)
    avanue_peer_connection_close (peer->pc);
  g_clear_object (&peer->pc);
  g_ptr_array_unref (peer->remote_channels);
  avanue_signaling_client_disconnect (peer->client);
  g_clear_object (&peer->client);
  g_clear_object (&peer->session);
  g_clear_object (&peer->identity);
  g_free (peer);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Peer, peer_free)

static const char *
fp (Peer *peer)
{
  return avanue_identity_get_fingerprint (peer->identity);
}

static void
on_data_channel (AvanuePeerConnection *pc,
                 AvanueDataChannel    *channel,
                 Peer                 *peer)
{
  /* the channel is not open yet: it opens right after this signal */
  g_assert_cmpint (avanue_data_channel_get_ready_state (channel), ==, AVANUE_DATA_CHANNEL_STATE_CONNECTING);
  watch (channel, peer->echo_remote);
  g_ptr_array_add (peer->remote_channels, g_object_ref (channel));
}

static void
on_state (AvanuePeerConnection *pc,
          GParamSpec           *pspec,
          Peer                 *peer)
{
  if (avanue_peer_connection_get_connection_state (pc) == AVANUE_PEER_CONNECTION_STATE_CONNECTED)
    peer->ever_connected = TRUE;
}

static AvanuePeerConnection *
peer_connect_to (Peer *peer,
                 Peer *other)
{
  peer->pc = avanue_peer_connection_new (peer->client, peer->session, fp (other));
  g_signal_connect (peer->pc, "data-channel", G_CALLBACK (on_data_channel), peer);
  g_signal_connect (peer->pc, "notify::connection-state", G_CALLBACK (on_state), peer);
  return peer->pc;
}

static AvanueDataChannel *
remote_channel (Peer       *peer,
                const char *label)
{
  for (guint i = 0; i < peer->remote_channels->len; i++)
    {
      AvanueDataChannel *channel = g_ptr_array_index (peer->remote_channels, i);

      if (g_str_equal (avanue_data_channel_get_label (channel), label))
        return channel;
    }
  return NULL;
}

static AvanuePeerConnectionState
state (Peer *peer)
{
  return avanue_peer_connection_get_connection_state (peer->pc);
}

/* A host in a new session and a guest in it; each has a connection to
 * the other, nothing started */
static void
pair_new (AvdTestDaemon *daemon,
          Peer         **out_host,
          Peer         **out_guest)
{
  g_autofree char *uri = avd_test_daemon_ws_url (daemon);
  Peer *host = peer_new (uri, "host");
  Peer *guest = peer_new (uri, "guest");
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;

  avanue_signaling_client_create_session_async (host->client, NULL, "FILE_TRANSFER", NULL, NULL,
                                                store_result_cb, &result);
  WAIT_FOR (result != NULL);
  host->session = avanue_signaling_client_create_session_finish (host->client, result, &error);
  g_assert_no_error (error);
  g_clear_object (&result);

  avanue_signaling_client_join_session_async (guest->client, avanue_session_get_invite_code (host->session), NULL,
                                              NULL, store_result_cb, &result);
  WAIT_FOR (result != NULL);
  guest->session = avanue_signaling_client_join_session_finish (guest->client, result, &error);
  g_assert_no_error (error);
  WAIT_FOR (host->joined > 0);

  peer_connect_to (host, guest);
  peer_connect_to (guest, host);
  *out_host = host;
  *out_guest = guest;
}

static GBytes *
pattern (gsize size,
         guint seed)
{
  guint8 *data = g_malloc (size);

  for (gsize i = 0; i < size; i++)
    data[i] = (guint8) ((i * 31 + seed) ^ (i >> 8));
  return g_bytes_new_take (data, size);
}

static gboolean
message_is (Message    *message,
            const char *text)
{
  gsize len = strlen (text);

  return message->is_text && g_bytes_get_size (message->data) == len &&
         (len == 0 || memcmp (g_bytes_get_data (message->data, NULL), text, len) == 0);
}

/* ------------------------------------------------------------------------
 * Tests
 * ------------------------------------------------------------------------ */

static AvdTestDaemon *daemon_;

static void
test_channels (void)
{
  g_autoptr(Peer) host = NULL;
  g_autoptr(Peer) guest = NULL;
  g_autoptr(AvanueDataChannel) reliable = NULL;
  g_autoptr(AvanueDataChannel) unordered = NULL;
  g_autoptr(AvanueDataChannel) timed = NULL;
  g_autoptr(AvanueDataChannel) negotiated_host = NULL;
  g_autoptr(AvanueDataChannel) negotiated_guest = NULL;
  g_autoptr(AvanueDataChannel) from_guest = NULL;
  g_autoptr(AvanueDataChannelOptions) unordered_options = avanue_data_channel_options_new ();
  g_autoptr(AvanueDataChannelOptions) timed_options = avanue_data_channel_options_new ();
  g_autoptr(AvanueDataChannelOptions) negotiated_options = avanue_data_channel_options_new ();
  g_autoptr(GBytes) binary = pattern (1000, 7);
  g_autoptr(GBytes) largest = pattern (262144, 11);
  g_autoptr(GBytes) too_large = pattern (262145, 13);
  g_autoptr(GBytes) empty = g_bytes_new (NULL, 0);
  g_autoptr(GError) error = NULL;
  g_autoptr(GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  AvanueDataChannel *host_channels[4];
  AvanueDataChannel *guest_reliable, *guest_unordered, *guest_timed;

  pair_new (daemon_, &host, &guest);

  /* created before the connection is up: they open once it is */
  reliable = avanue_peer_connection_create_data_channel (host->pc, "reliable", NULL, &error);
  g_assert_no_error (error);
  avanue_data_channel_options_set_ordered (unordered_options, FALSE);
  avanue_data_channel_options_set_max_retransmits (unordered_options, 0);
  unordered = avanue_peer_connection_create_data_channel (host->pc, "unordered", unordered_options, &error);
  g_assert_no_error (error);
  avanue_data_channel_options_set_max_packet_life_time (timed_options, 3000);
  avanue_data_channel_options_set_protocol (timed_options, "proto/1");
  timed = avanue_peer_connection_create_data_channel (host->pc, "timed", timed_options, &error);
  g_assert_no_error (error);
  avanue_data_channel_options_set_negotiated_id (negotiated_options, 10);
  negotiated_host = avanue_peer_connection_create_data_channel (host->pc, "neg", negotiated_options, &error);
  g_assert_no_error (error);
  negotiated_guest = avanue_peer_connection_create_data_channel (guest->pc, "neg", negotiated_options, &error);
  g_assert_no_error (error);
  host_channels[0] = reliable;
  host_channels[1] = unordered;
  host_channels[2] = timed;
  host_channels[3] = negotiated_host;
  for (guint i = 0; i < G_N_ELEMENTS (host_channels); i++)
    {
      watch (host_channels[i], FALSE);
      g_assert_cmpint (avanue_data_channel_get_ready_state (host_channels[i]), ==,
                       AVANUE_DATA_CHANNEL_STATE_CONNECTING);
    }
  watch (negotiated_guest, TRUE);
  g_assert_cmpint (avanue_data_channel_get_id (reliable), ==, -1);
  g_assert_cmpint (avanue_data_channel_get_id (negotiated_host), ==, 10);
  g_assert_false (avanue_data_channel_send_text (reliable, "too early", &error));
  g_assert_error (error, AVANUE_DATA_CHANNEL_ERROR, AVANUE_DATA_CHANNEL_ERROR_NOT_OPEN);
  g_clear_error (&error);

  g_assert_cmpint (state (host), ==, AVANUE_PEER_CONNECTION_STATE_NEW);
  g_assert_true (avanue_peer_connection_start (host->pc, &error));
  g_assert_no_error (error);
  g_assert_cmpint (state (host), ==, AVANUE_PEER_CONNECTION_STATE_CONNECTING);
  g_assert_false (avanue_peer_connection_start (host->pc, &error));
  g_assert_error (error, AVANUE_PEER_CONNECTION_ERROR, AVANUE_PEER_CONNECTION_ERROR_INVALID_STATE);
  g_clear_error (&error);

  WAIT_FOR (state (host) == AVANUE_PEER_CONNECTION_STATE_CONNECTED &&
            state (guest) == AVANUE_PEER_CONNECTION_STATE_CONNECTED);
  g_assert_null (avanue_peer_connection_get_error (host->pc));
  /* on one machine, without relays: a direct pair */
  g_assert_nonnull (avanue_peer_connection_get_local_candidate_type (host->pc));
  g_assert_cmpstr (avanue_peer_connection_get_local_candidate_type (host->pc), !=, "relay");
  g_assert_cmpstr (avanue_peer_connection_get_remote_candidate_type (guest->pc), !=, "relay");
  /* both said a=max-message-size:262144 */
  g_assert_cmpuint (avanue_peer_connection_get_max_message_size (host->pc), ==, 262144);
  g_assert_cmpuint (avanue_data_channel_get_max_message_size (reliable), ==, 262144);
  g_assert_cmpstr (avanue_peer_connection_get_local_certificate_fingerprint (host->pc), !=,
                   avanue_peer_connection_get_local_certificate_fingerprint (guest->pc));

  WAIT_FOR (guest->remote_channels->len == 3);
  for (guint i = 0; i < G_N_ELEMENTS (host_channels); i++)
    WAIT_FOR (rec (host_channels[i])->opened == 1);
  WAIT_FOR (rec (negotiated_guest)->opened == 1);

  guest_reliable = remote_channel (guest, "reliable");
  guest_unordered = remote_channel (guest, "unordered");
  guest_timed = remote_channel (guest, "timed");
  g_assert_nonnull (guest_reliable);
  g_assert_nonnull (guest_unordered);
  g_assert_nonnull (guest_timed);
  g_assert_true (avanue_data_channel_get_ordered (guest_reliable));
  g_assert_cmpint (avanue_data_channel_get_max_retransmits (guest_reliable), ==, -1);
  g_assert_false (avanue_data_channel_get_ordered (guest_unordered));
  g_assert_cmpint (avanue_data_channel_get_max_retransmits (guest_unordered), ==, 0);
  g_assert_true (avanue_data_channel_get_ordered (guest_timed));
  g_assert_cmpint (avanue_data_channel_get_max_packet_life_time (guest_timed), ==, 3000);
  g_assert_cmpstr (avanue_data_channel_get_protocol (guest_timed), ==, "proto/1");
  g_assert_false (avanue_data_channel_get_negotiated (guest_timed));
  g_assert_true (avanue_data_channel_get_negotiated (negotiated_guest));
  /* the offerer is the DTLS server (the answerer is active, as browsers
   * are): its streams are odd, the same ids on both sides */
  for (guint i = 0; i < 3; i++)
    {
      int id = avanue_data_channel_get_id (host_channels[i]);

      g_assert_cmpint (id % 2, ==, 1);
      g_assert_nonnull (remote_channel (guest, avanue_data_channel_get_label (host_channels[i])));
      g_assert_cmpint (avanue_data_channel_get_id (remote_channel (guest, avanue_data_channel_get_label (host_channels[i]))),
                       ==, id);
    }
  for (guint i = 0; i < guest->remote_channels->len; i++)
    WAIT_FOR (rec (g_ptr_array_index (guest->remote_channels, i))->opened == 1);

  /* text, binary, empty text, empty binary: each comes back as it went */
  for (guint i = 0; i < G_N_ELEMENTS (host_channels); i++)
    {
      AvanueDataChannel *channel = host_channels[i];
      g_autofree char *text = g_strdup_printf ("ping %s ✓", avanue_data_channel_get_label (channel));
      GPtrArray *got = rec (channel)->messages;

      g_assert_true (avanue_data_channel_send_text (channel, text, &error));
      g_assert_no_error (error);
      g_assert_true (avanue_data_channel_send_bytes (channel, binary, &error));
      g_assert_true (avanue_data_channel_send_text (channel, "", &error));
      g_assert_true (avanue_data_channel_send_bytes (channel, empty, &error));
      g_assert_no_error (error);
      WAIT_FOR (got->len == 4);
      if (avanue_data_channel_get_ordered (channel))
        {
          g_assert_true (message_is (got->pdata[0], text));
          g_assert_false (((Message *) got->pdata[1])->is_text);
          g_assert_true (g_bytes_equal (((Message *) got->pdata[1])->data, binary));
          g_assert_true (message_is (got->pdata[2], ""));
          g_assert_false (((Message *) got->pdata[3])->is_text);
          g_assert_cmpuint (g_bytes_get_size (((Message *) got->pdata[3])->data), ==, 0);
        }
      g_ptr_array_set_size (got, 0);
    }

  /* the largest message the peer takes, and one byte more */
  g_assert_true (avanue_data_channel_send_bytes (reliable, largest, &error));
  g_assert_no_error (error);
  WAIT_FOR (rec (reliable)->messages->len == 1);
  g_assert_true (g_bytes_equal (((Message *) rec (reliable)->messages->pdata[0])->data, largest));
  g_ptr_array_set_size (rec (reliable)->messages, 0);
  g_assert_false (avanue_data_channel_send_bytes (reliable, too_large, &error));
  g_assert_error (error, AVANUE_DATA_CHANNEL_ERROR, AVANUE_DATA_CHANNEL_ERROR_TOO_LARGE);
  g_clear_error (&error);

  /* unordered, no retransmissions: what is lost stays lost, so send in
   * bursts small enough for the UDP buffers (both peers share this
   * thread); on loopback then all of it arrives, in any order */
  for (guint burst = 0; burst < 20; burst++)
    {
      for (guint i = burst * 10; i < burst * 10 + 10; i++)
        {
          g_autofree char *text = g_strdup_printf ("u%u", i);

          g_assert_true (avanue_data_channel_send_text (unordered, text, &error));
          g_assert_no_error (error);
        }
      WAIT_FOR (rec (unordered)->messages->len == burst * 10 + 10);
    }
  for (guint i = 0; i < 200; i++)
    {
      Message *message = rec (unordered)->messages->pdata[i];

      g_hash_table_add (seen, g_strndup (g_bytes_get_data (message->data, NULL), g_bytes_get_size (message->data)));
      g_assert_true (message->is_text);
    }
  for (guint i = 0; i < 200; i++)
    {
      g_autofree char *text = g_strdup_printf ("u%u", i);

      g_assert_true (g_hash_table_contains (seen, text));
    }

  /* the answerer opens one: an even stream */
  guest->echo_remote = FALSE;
  host->echo_remote = TRUE;
  from_guest = avanue_peer_connection_create_data_channel (guest->pc, "from-guest", NULL, &error);
  g_assert_no_error (error);
  watch (from_guest, FALSE);
  WAIT_FOR (rec (from_guest)->opened == 1);
  g_assert_cmpint (avanue_data_channel_get_id (from_guest) % 2, ==, 0);
  g_assert_nonnull (remote_channel (host, "from-guest"));
  g_assert_true (avanue_data_channel_send_text (from_guest, "hi host", &error));
  WAIT_FOR (rec (from_guest)->messages->len == 1);
  g_assert_true (message_is (rec (from_guest)->messages->pdata[0], "hi host"));

  /* closing: the other side sees it (SCTP stream reset) */
  avanue_data_channel_close (reliable);
  g_assert_cmpint (avanue_data_channel_get_ready_state (reliable), ==, AVANUE_DATA_CHANNEL_STATE_CLOSING);
  WAIT_FOR (rec (reliable)->closed == 1 && rec (guest_reliable)->closed == 1);
  g_assert_cmpint (avanue_data_channel_get_ready_state (reliable), ==, AVANUE_DATA_CHANNEL_STATE_CLOSED);
  g_assert_cmpint (avanue_data_channel_get_ready_state (guest_reliable), ==, AVANUE_DATA_CHANNEL_STATE_CLOSED);
  g_assert_false (avanue_data_channel_send_text (reliable, "gone", &error));
  g_assert_error (error, AVANUE_DATA_CHANNEL_ERROR, AVANUE_DATA_CHANNEL_ERROR_NOT_OPEN);
  g_clear_error (&error);
  /* from the side that did not open it */
  avanue_data_channel_close (guest_timed);
  WAIT_FOR (rec (timed)->closed == 1 && rec (guest_timed)->closed == 1);
  /* the others carry on */
  g_assert_true (avanue_data_channel_send_text (negotiated_host, "still here", &error));
  WAIT_FOR (rec (negotiated_host)->messages->len == 1);
  g_assert_true (message_is (rec (negotiated_host)->messages->pdata[0], "still here"));
  g_assert_cmpuint (avanue_peer_connection_get_n_channels (host->pc), ==, 3);

  /* closing the connection: the peer loses it, every channel closes */
  avanue_peer_connection_close (host->pc);
  g_assert_cmpint (state (host), ==, AVANUE_PEER_CONNECTION_STATE_CLOSED);
  g_assert_cmpuint (rec (unordered)->closed, ==, 1);
  g_assert_cmpuint (rec (negotiated_host)->closed, ==, 1);
  WAIT_FOR (state (guest) == AVANUE_PEER_CONNECTION_STATE_DISCONNECTED);
  g_assert_cmpuint (rec (guest_unordered)->closed, ==, 1);
  g_assert_cmpuint (rec (negotiated_guest)->closed, ==, 1);
  g_assert_cmpuint (rec (from_guest)->closed, ==, 1);
  g_assert_nonnull (avanue_peer_connection_get_error (guest->pc));
  g_assert_null (avanue_peer_connection_create_data_channel (host->pc, "late", NULL, &error));
  g_assert_error (error, AVANUE_PEER_CONNECTION_ERROR, AVANUE_PEER_CONNECTION_ERROR_INVALID_STATE);
}

/* A 100 MiB stream in 64 KiB messages, sent as fast as flow control
 * allows: the buffered amount stays bounded, every byte arrives. Then the
 * hard cap: sending without waiting fails with BUFFER_FULL instead of
 * queueing without end. */
#define STREAM_TOTAL (100 * 1024 * 1024)
#define STREAM_CHUNK (64 * 1024)
#define HIGH_WATER (1024 * 1024)

typedef struct {
  AvanueDataChannel *channel;
  GBytes *chunk;
  guint64 sent;
  guint64 max_buffered;
} Stream;

static void
stream_pump (Stream *stream)
{
  g_autoptr(GError) error = NULL;

  while (stream->sent < STREAM_TOTAL && avanue_data_channel_get_buffered_amount (stream->channel) < HIGH_WATER)
    {
      g_assert_true (avanue_data_channel_send_bytes (stream->channel, stream->chunk, &error));
      g_assert_no_error (error);
      stream->sent += g_bytes_get_size (stream->chunk);
      stream->max_buffered = MAX (stream->max_buffered, avanue_data_channel_get_buffered_amount (stream->channel));
    }
}

static void
on_stream_low (AvanueDataChannel *channel,
               Stream            *stream)
{
  stream_pump (stream);
}

static void
test_flow_control (void)
{
  g_autoptr(Peer) host = NULL;
  g_autoptr(Peer) guest = NULL;
  g_autoptr(AvanueDataChannel) bulk = NULL;
  g_autoptr(GBytes) big = pattern (256 * 1024, 3);
  g_autoptr(GError) error = NULL;
  AvanueDataChannel *remote;
  Stream stream = { 0, };
  guint64 accepted = 0;
  guint sends = 0;
  gint64 started;

  pair_new (daemon_, &host, &guest);
  guest->echo_remote = FALSE;
  bulk = avanue_peer_connection_create_data_channel (host->pc, "bulk", NULL, &error);
  g_assert_no_error (error);
  watch (bulk, FALSE);
  g_assert_true (avanue_peer_connection_start (host->pc, &error));
  WAIT_FOR (rec (bulk)->opened == 1 && guest->remote_channels->len == 1);
  remote = g_ptr_array_index (guest->remote_channels, 0);
  rec (remote)->count_only = TRUE;

  /* back-pressure */
  started = g_get_monotonic_time ();
  stream.channel = bulk;
  stream.chunk = pattern (STREAM_CHUNK, 5);
  avanue_data_channel_set_buffered_amount_low_threshold (bulk, 256 * 1024);
  g_assert_cmpuint (avanue_data_channel_get_buffered_amount_low_threshold (bulk), ==, 256 * 1024);
  g_signal_connect (bulk, "buffered-amount-low", G_CALLBACK (on_stream_low), &stream);
  stream_pump (&stream);
  WAIT_FOR (rec (remote)->bytes == STREAM_TOTAL);
  g_assert_cmpuint (stream.sent, ==, STREAM_TOTAL);
  g_assert_cmpuint (stream.max_buffered, <=, HIGH_WATER + STREAM_CHUNK);
  g_assert_cmpuint (rec (bulk)->low, >, 0);
  g_test_message ("100 MiB in %.1f s, at most %" G_GUINT64_FORMAT " bytes buffered",
                  (g_get_monotonic_time () - started) / 1e6, stream.max_buffered);
  g_signal_handlers_disconnect_by_data (bulk, &stream);
  g_bytes_unref (stream.chunk);
  rec (remote)->bytes = 0;

  /* no waiting: the cap stops it */
  for (sends = 0; sends < 1000; sends++)
    {
      if (!avanue_data_channel_send_bytes (bulk, big, &error))
        break;
      accepted += g_bytes_get_size (big);
    }
  g_assert_error (error, AVANUE_DATA_CHANNEL_ERROR, AVANUE_DATA_CHANNEL_ERROR_BUFFER_FULL);
  g_clear_error (&error);
  g_assert_cmpuint (sends, <, 1000);
  g_assert_cmpuint (avanue_data_channel_get_buffered_amount (bulk), <=, AVANUE_DATA_CHANNEL_MAX_BUFFERED_AMOUNT);
  g_assert_cmpuint (avanue_data_channel_get_buffered_amount (bulk) + g_bytes_get_size (big), >,
                    AVANUE_DATA_CHANNEL_MAX_BUFFERED_AMOUNT);
  /* what was taken is delivered, and the buffer drains */
  rec (bulk)->low = 0;
  WAIT_FOR (rec (remote)->bytes == accepted);
  WAIT_FOR (rec (bulk)->low > 0);
  g_assert_cmpuint (avanue_data_channel_get_buffered_amount (bulk), ==, 0);
  g_assert_true (avanue_data_channel_send_bytes (bulk, big, &error));
  g_assert_no_error (error);
}

static void
test_fingerprint_mismatch (void)
{
  g_autoptr(Peer) host = NULL;
  g_autoptr(Peer) guest = NULL;
  g_autoptr(AvanueDataChannel) channel = NULL;
  g_autoptr(GError) error = NULL;
  const GError *failure;

  pair_new (daemon_, &host, &guest);
  /* the host's SDP lies about its certificate */
  avanue_peer_connection_set_test_flags (host->pc, AVANUE_PEER_CONNECTION_TEST_CORRUPT_FINGERPRINT);
  channel = avanue_peer_connection_create_data_channel (host->pc, "never", NULL, &error);
  g_assert_no_error (error);
  watch (channel, FALSE);
  g_assert_true (avanue_peer_connection_start (host->pc, &error));

  WAIT_FOR (state (host) == AVANUE_PEER_CONNECTION_STATE_FAILED &&
            state (guest) == AVANUE_PEER_CONNECTION_STATE_FAILED);
  failure = avanue_peer_connection_get_error (guest->pc);
  g_assert_nonnull (failure);
  g_assert_error ((GError *) failure, AVANUE_PEER_CONNECTION_ERROR, AVANUE_PEER_CONNECTION_ERROR_FINGERPRINT_MISMATCH);
  g_assert_error ((GError *) avanue_peer_connection_get_error (host->pc), AVANUE_PEER_CONNECTION_ERROR,
                  AVANUE_PEER_CONNECTION_ERROR_DTLS_FAILED);
  g_assert_false (host->ever_connected);
  g_assert_false (guest->ever_connected);
  g_assert_false (avanue_peer_connection_get_was_connected (guest->pc));
  g_assert_cmpuint (guest->remote_channels->len, ==, 0);
  g_assert_cmpuint (rec (channel)->opened, ==, 0);
  g_assert_cmpuint (rec (channel)->closed, ==, 1);
}

static void
test_glare (void)
{
  g_autoptr(Peer) host = NULL;
  g_autoptr(Peer) guest = NULL;
  g_autoptr(AvanueDataChannel) a = NULL;
  g_autoptr(AvanueDataChannel) b = NULL;
  g_autoptr(GError) error = NULL;

  pair_new (daemon_, &host, &guest);
  a = avanue_peer_connection_create_data_channel (host->pc, "a", NULL, &error);
  b = avanue_peer_connection_create_data_channel (guest->pc, "b", NULL, &error);
  watch (a, FALSE);
  watch (b, FALSE);
  /* both offer at once; the smaller fingerprint's offer wins */
  g_assert_true (avanue_peer_connection_start (host->pc, &error));
  g_assert_true (avanue_peer_connection_start (guest->pc, &error));
  g_assert_no_error (error);
  WAIT_FOR (state (host) == AVANUE_PEER_CONNECTION_STATE_CONNECTED &&
            state (guest) == AVANUE_PEER_CONNECTION_STATE_CONNECTED);
  WAIT_FOR (rec (a)->opened == 1 && rec (b)->opened == 1);
  /* the winner offered, so it is the DTLS server and its streams are odd */
  if (strcmp (fp (host), fp (guest)) < 0)
    {
      g_assert_cmpint (avanue_data_channel_get_id (a) % 2, ==, 1);
      g_assert_cmpint (avanue_data_channel_get_id (b) % 2, ==, 0);
    }
  else
    {
      g_assert_cmpint (avanue_data_channel_get_id (a) % 2, ==, 0);
      g_assert_cmpint (avanue_data_channel_get_id (b) % 2, ==, 1);
    }
  g_assert_true (avanue_data_channel_send_text (a, "from a", &error));
  g_assert_true (avanue_data_channel_send_text (b, "from b", &error));
  WAIT_FOR (rec (a)->messages->len == 1 && rec (b)->messages->len == 1);
}

static void
test_ice_restart (void)
{
  g_autoptr(Peer) host = NULL;
  g_autoptr(Peer) guest = NULL;
  g_autoptr(AvanueDataChannel) channel = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *host_ufrag = NULL;
  g_autofree char *guest_ufrag = NULL;

  pair_new (daemon_, &host, &guest);
  g_assert_false (avanue_peer_connection_restart_ice (host->pc, &error));
  g_assert_error (error, AVANUE_PEER_CONNECTION_ERROR, AVANUE_PEER_CONNECTION_ERROR_INVALID_STATE);
  g_clear_error (&error);

  channel = avanue_peer_connection_create_data_channel (host->pc, "survivor", NULL, &error);
  watch (channel, FALSE);
  g_assert_true (avanue_peer_connection_start (host->pc, &error));
  WAIT_FOR (rec (channel)->opened == 1);
  host_ufrag = g_strdup (avanue_peer_connection_get_local_ice_ufrag (host->pc));
  guest_ufrag = g_strdup (avanue_peer_connection_get_local_ice_ufrag (guest->pc));

  g_assert_true (avanue_peer_connection_restart_ice (host->pc, &error));
  g_assert_no_error (error);
  /* new credentials both sides, the same DTLS and SCTP underneath */
  g_assert_cmpstr (avanue_peer_connection_get_local_ice_ufrag (host->pc), !=, host_ufrag);
  WAIT_FOR (g_strcmp0 (avanue_peer_connection_get_local_ice_ufrag (guest->pc), guest_ufrag) != 0);
  /* the old streams go once the new pair works */
  spin (1500);
  g_assert_cmpint (state (host), ==, AVANUE_PEER_CONNECTION_STATE_CONNECTED);
  g_assert_cmpint (state (guest), ==, AVANUE_PEER_CONNECTION_STATE_CONNECTED);
  for (guint i = 0; i < 20; i++)
    {
      g_autofree char *text = g_strdup_printf ("after restart %u", i);

      g_assert_true (avanue_data_channel_send_text (channel, text, &error));
      g_assert_no_error (error);
    }
  WAIT_FOR (rec (channel)->messages->len == 20);
  g_assert_true (message_is (rec (channel)->messages->pdata[19], "after restart 19"));
  g_assert_cmpuint (rec (channel)->closed, ==, 0);
}

/* The guest drops off signaling and rejoins: the host, which was there
 * first, restarts ICE by itself and re-offers; the channel carries on */
static void
test_rejoin_restarts_ice (void)
{
  g_autoptr(Peer) host = NULL;
  g_autoptr(Peer) guest = NULL;
  g_autoptr(AvanueDataChannel) channel = NULL;
  g_autoptr(AvanueSession) rejoined = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *host_ufrag = NULL;
  g_autofree char *session_id = NULL;
  guint joined;

  pair_new (daemon_, &host, &guest);
  channel = avanue_peer_connection_create_data_channel (host->pc, "survivor", NULL, &error);
  watch (channel, FALSE);
  g_assert_true (avanue_peer_connection_start (host->pc, &error));
  WAIT_FOR (rec (channel)->opened == 1);
  host_ufrag = g_strdup (avanue_peer_connection_get_local_ice_ufrag (host->pc));
  session_id = g_strdup (avanue_session_get_session_id (guest->session));
  joined = host->joined;

  avanue_signaling_client_disconnect (guest->client);
  avanue_signaling_client_connect_async (guest->client, NULL, store_result_cb, &result);
  WAIT_FOR (result != NULL);
  g_assert_true (avanue_signaling_client_connect_finish (guest->client, result, &error));
  g_assert_no_error (error);
  g_clear_object (&result);
  avanue_signaling_client_rejoin_session_async (guest->client, session_id, NULL, NULL, store_result_cb, &result);
  WAIT_FOR (result != NULL);
  rejoined = avanue_signaling_client_rejoin_session_finish (guest->client, result, &error);
  g_assert_no_error (error);

  WAIT_FOR (host->joined > joined);
  WAIT_FOR (g_strcmp0 (avanue_peer_connection_get_local_ice_ufrag (host->pc), host_ufrag) != 0);
  g_assert_true (avanue_data_channel_send_text (channel, "after rejoin", &error));
  WAIT_FOR (rec (channel)->messages->len == 1);
  g_assert_true (message_is (rec (channel)->messages->pdata[0], "after rejoin"));
  g_assert_cmpint (state (host), ==, AVANUE_PEER_CONNECTION_STATE_CONNECTED);
  g_assert_cmpint (state (guest), ==, AVANUE_PEER_CONNECTION_STATE_CONNECTED);
}

static void
test_bad_input (void)
{
  g_autoptr(Peer) host = NULL;
  g_autoptr(Peer) guest = NULL;
  g_autoptr(AvanueDataChannelOptions) both = avanue_data_channel_options_new ();
  g_autoptr(AvanueDataChannelOptions) far = avanue_data_channel_options_new ();
  g_autoptr(AvanueDataChannel) channel = NULL;
  g_autoptr(GError) error = NULL;
  static const char *bad_urls[] = {
    "http://example.org", "turn:", "stun:host:port:x", "turn:example.org?transport=sctp", "stuns:example.org",
    "turns:example.org?transport=udp", "no scheme",
  };

  pair_new (daemon_, &host, &guest);
  for (guint i = 0; i < G_N_ELEMENTS (bad_urls); i++)
    {
      g_test_message ("%s", bad_urls[i]);
      g_assert_false (avanue_peer_connection_add_ice_server (host->pc, bad_urls[i], "u", "p", &error));
      g_assert_error (error, AVANUE_PEER_CONNECTION_ERROR, AVANUE_PEER_CONNECTION_ERROR_BAD_ICE_SERVER);
      g_clear_error (&error);
    }
  g_assert_false (avanue_peer_connection_add_ice_server (host->pc, "turn:192.0.2.1:3478", NULL, NULL, &error));
  g_assert_error (error, AVANUE_PEER_CONNECTION_ERROR, AVANUE_PEER_CONNECTION_ERROR_BAD_ICE_SERVER);
  g_clear_error (&error);
  g_assert_true (avanue_peer_connection_add_ice_server (host->pc, "stun:127.0.0.1:3478", NULL, NULL, &error));
  g_assert_true (avanue_peer_connection_add_ice_server (host->pc, "turns:[::1]:5349?transport=tcp", "u", "p", &error));
  g_assert_no_error (error);

  avanue_data_channel_options_set_max_retransmits (both, 1);
  avanue_data_channel_options_set_max_packet_life_time (both, 1);
  g_assert_null (avanue_peer_connection_create_data_channel (host->pc, "x", both, &error));
  g_assert_error (error, AVANUE_DATA_CHANNEL_ERROR, AVANUE_DATA_CHANNEL_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  avanue_data_channel_options_set_negotiated_id (far, 5000);
  g_assert_null (avanue_peer_connection_create_data_channel (host->pc, "x", far, &error));
  g_assert_error (error, AVANUE_DATA_CHANNEL_ERROR, AVANUE_DATA_CHANNEL_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  avanue_data_channel_options_set_negotiated_id (far, 4);
  channel = avanue_peer_connection_create_data_channel (host->pc, "x", far, &error);
  g_assert_no_error (error);
  g_assert_null (avanue_peer_connection_create_data_channel (host->pc, "y", far, &error));
  g_assert_error (error, AVANUE_DATA_CHANNEL_ERROR, AVANUE_DATA_CHANNEL_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);

  /* an offer that is not SDP fails the connection that gets it */
  g_assert_true (avanue_peer_connection_accept_offer (guest->pc, "v=0\r\nthis is not SDP\r\n", &error));
  g_assert_no_error (error);
  WAIT_FOR (state (guest) == AVANUE_PEER_CONNECTION_STATE_FAILED);
  g_assert_error ((GError *) avanue_peer_connection_get_error (guest->pc), AVANUE_PEER_CONNECTION_ERROR,
                  AVANUE_PEER_CONNECTION_ERROR_BAD_SDP);
  g_assert_false (avanue_peer_connection_accept_offer (guest->pc, "v=0\r\n", &error));
  g_assert_error (error, AVANUE_PEER_CONNECTION_ERROR, AVANUE_PEER_CONNECTION_ERROR_INVALID_STATE);
  g_clear_error (&error);

  /* relay-only without a relay fails at once, and says why */
  avanue_peer_connection_close (host->pc);
  g_clear_object (&host->pc);
  peer_connect_to (host, guest);
  avanue_peer_connection_set_ice_transport_policy (host->pc, AVANUE_ICE_TRANSPORT_POLICY_RELAY);
  g_assert_cmpint (avanue_peer_connection_get_ice_transport_policy (host->pc), ==, AVANUE_ICE_TRANSPORT_POLICY_RELAY);
  g_assert_true (avanue_peer_connection_start (host->pc, &error));
  WAIT_FOR (state (host) == AVANUE_PEER_CONNECTION_STATE_FAILED);
  g_assert_error ((GError *) avanue_peer_connection_get_error (host->pc), AVANUE_PEER_CONNECTION_ERROR,
                  AVANUE_PEER_CONNECTION_ERROR_ICE_FAILED);
}

int
main (int    argc,
      char **argv)
{
  int status;

  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/avanue/peer/connection/channels", test_channels);
  g_test_add_func ("/avanue/peer/connection/flow-control", test_flow_control);
  g_test_add_func ("/avanue/peer/connection/fingerprint-mismatch", test_fingerprint_mismatch);
  g_test_add_func ("/avanue/peer/connection/glare", test_glare);
  g_test_add_func ("/avanue/peer/connection/ice-restart", test_ice_restart);
  g_test_add_func ("/avanue/peer/connection/rejoin-restarts-ice", test_rejoin_restarts_ice);
  g_test_add_func ("/avanue/peer/connection/bad-input", test_bad_input);

  daemon_ = avd_test_daemon_start_full ("[dbus]\nbus=none\n[limits]\nmessages-per-second=200\nmessage-burst=400\n",
                                        NULL, AVD_TEST_DAEMON_FLAG_NONE);
  status = g_test_run ();
  /* let libnice free its agents (nice_agent_close_async) */
  spin (200);
  g_clear_pointer (&daemon_, avd_test_daemon_free);
  return status;
}
