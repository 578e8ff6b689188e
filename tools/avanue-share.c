/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* avanue-share: send a file to another device over a WebRTC data channel,
 * through an avanued signaling server.
 *
 *   avanue-share --server ws://HOST:PORT/v1/signal [--identity PATH]
 *                (--create [--license KEY] | --join CODE)
 *                (--send FILE | --receive FILE | --echo)
 *                [--relay] [--ice-servers-url URL [--ice-servers-token TOKEN]]
 *                [--timeout SECONDS]
 *
 * One side creates a session and prints its invite code; the other joins
 * with the code. The side that was there first (the creator) offers the
 * peer connection, as the signaling protocol says. The sender opens a
 * channel labelled "file" and streams the file in 64 KiB messages with
 * flow control (it waits for buffered-amount-low instead of queueing
 * without end); the receiver writes it out and answers with the size and
 * SHA-256 it got, which the sender checks.
 *
 * --echo is for interoperability tests: every channel (the creator opens
 * one labelled "echo") says "hello from avanue" when it opens, then sends
 * every message back as it came (text as text, binary as binary).
 *
 * Lines on stdout, each flushed, for scripts:
 *   invite CODE              the session exists (--create)
 *   connected TYPE           the link is up; TYPE is the local candidate
 *                            type of the selected pair (host, srflx,
 *                            prflx, relay)
 *   channel open LABEL
 *   progress DONE/TOTAL      about every 10 %
 *   sent N sha256 HEX / received N sha256 HEX
 * Errors go to stderr. Exit status 0 on success, 1 on failure, 2 for bad
 * usage. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>

#include <glib/gstdio.h>

#include "avanue.h"

#define CHUNK_SIZE (64 * 1024)
#define HIGH_WATER (1024 * 1024)
#define LOW_WATER (256 * 1024)
#define HELLO "hello from avanue"

typedef enum {
  MODE_SEND,
  MODE_RECEIVE,
  MODE_ECHO,
} Mode;

typedef struct {
  /* options */
  char *server;
  char *identity_path;
  gboolean create;
  char *license;
  char *join_code;
  char *send_path;
  char *receive_path;
  gboolean echo;
  gboolean relay;
  char *ice_servers_url;
  char *ice_servers_token;
  int timeout;
  Mode mode;

  GMainLoop *loop;
  int status;
  AvanueIdentity *identity;
  AvanueSignalingClient *client;
  AvanueSession *session;
  AvanuePeerConnection *pc;
  gboolean offerer;
  gboolean connected;
  GPtrArray *channels;

  /* sending */
  AvanueDataChannel *file_channel;
  GFileInputStream *input;
  guint64 total;
  guint64 done;
  guint last_percent;
  GChecksum *checksum;
  gboolean input_finished;

  /* an offer that came before we were in the session */
  char *early_offer_from;
  char *early_offer;

  /* receiving */
  GFileOutputStream *output;
  guint64 expected;
  gboolean received_all;
} Share;

static void
quit (Share *share,
      int    status)
{
  if (share->status < 0)
    share->status = status;
  g_main_loop_quit (share->loop);
}

static void
say (const char *format,
     ...) G_GNUC_PRINTF (1, 2);

static void
say (const char *format,
     ...)
{
  va_list args;

  va_start (args, format);
  vprintf (format, args);
  va_end (args);
  putchar ('\n');
  fflush (stdout);
}

static void
fail (Share      *share,
      const char *format,
      ...) G_GNUC_PRINTF (2, 3);

static void
fail (Share      *share,
      const char *format,
      ...)
{
  g_autofree char *message = NULL;
  va_list args;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  g_printerr ("avanue-share: %s\n", message);
  quit (share, 1);
}

static void
progress (Share   *share,
          guint64  done,
          guint64  total)
{
  guint percent = total > 0 ? (guint) (done * 100 / total) : 100;

  if (percent / 10 == share->last_percent / 10 && done != total)
    return;
  share->last_percent = percent;
  say ("progress %" G_GUINT64_FORMAT "/%" G_GUINT64_FORMAT, done, total);
}

/* ------------------------------------------------------------------------
 * Sending a file
 * ------------------------------------------------------------------------ */

static void
pump (Share *share)
{
  AvanueDataChannel *channel = share->file_channel;
  g_autoptr(GError) error = NULL;

  while (!share->input_finished &&
         avanue_data_channel_get_ready_state (channel) == AVANUE_DATA_CHANNEL_STATE_OPEN &&
         avanue_data_channel_get_buffered_amount (channel) < HIGH_WATER)
    {
      g_autoptr(GBytes) chunk = g_input_stream_read_bytes (G_INPUT_STREAM (share->input),
                                                           MIN (CHUNK_SIZE, avanue_data_channel_get_max_message_size (channel)),
                                                           NULL, &error);
      gsize size;

      if (chunk == NULL)
        {
          fail (share, "reading %s: %s", share->send_path, error->message);
          return;
        }
      size = g_bytes_get_size (chunk);
      if (size == 0)
        {
          g_autofree char *end = g_strdup_printf ("{\"type\":\"end\",\"size\":%" G_GUINT64_FORMAT ",\"sha256\":\"%s\"}",
                                                  share->done, g_checksum_get_string (share->checksum));

          share->input_finished = TRUE;
          if (!avanue_data_channel_send_text (channel, end, &error))
            fail (share, "sending: %s", error->message);
          return;
        }
      if (!avanue_data_channel_send_bytes (channel, chunk, &error))
        {
          /* not expected below the high-water mark, but the cap is real */
          if (g_error_matches (error, AVANUE_DATA_CHANNEL_ERROR, AVANUE_DATA_CHANNEL_ERROR_BUFFER_FULL))
            fail (share, "sending: %s (the channel's buffer is full)", error->message);
          else
            fail (share, "sending: %s", error->message);
          return;
        }
      g_checksum_update (share->checksum, g_bytes_get_data (chunk, NULL), size);
      share->done += size;
      progress (share, share->done, share->total);
    }
}

static void
buffered_amount_low_cb (AvanueDataChannel *channel,
                        Share             *share)
{
  pump (share);
}

static void
start_sending (Share             *share,
               AvanueDataChannel *channel)
{
  g_autoptr(GFile) file = g_file_new_for_commandline_arg (share->send_path);
  g_autoptr(GFileInfo) info = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *name = g_file_get_basename (file);
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *header = NULL;

  info = g_file_query_info (file, G_FILE_ATTRIBUTE_STANDARD_SIZE, G_FILE_QUERY_INFO_NONE, NULL, &error);
  if (info != NULL)
    share->input = g_file_read (file, NULL, &error);
  if (share->input == NULL)
    {
      fail (share, "%s: %s", share->send_path, error->message);
      return;
    }
  share->total = (guint64) g_file_info_get_size (info);
  share->checksum = g_checksum_new (G_CHECKSUM_SHA256);

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "type");
  json_builder_add_string_value (builder, "file");
  json_builder_set_member_name (builder, "name");
  json_builder_add_string_value (builder, name);
  json_builder_set_member_name (builder, "size");
  json_builder_add_int_value (builder, (gint64) share->total);
  json_builder_end_object (builder);
  root = json_builder_get_root (builder);
  header = json_to_string (root, FALSE);
  if (!avanue_data_channel_send_text (channel, header, &error))
    {
      fail (share, "sending: %s", error->message);
      return;
    }
  avanue_data_channel_set_buffered_amount_low_threshold (channel, LOW_WATER);
  g_signal_connect (channel, "buffered-amount-low", G_CALLBACK (buffered_amount_low_cb), share);
  pump (share);
}

/* ------------------------------------------------------------------------
 * Messages
 * ------------------------------------------------------------------------ */

static JsonObject *
parse_control (GBytes *data)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonNode *root;

  if (!json_parser_load_from_data (parser, g_bytes_get_data (data, NULL), (gssize) g_bytes_get_size (data), NULL))
    return NULL;
  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    return NULL;
  return json_object_ref (json_node_get_object (root));
}

static void
receive_control (Share             *share,
                 AvanueDataChannel *channel,
                 GBytes            *data)
{
  g_autoptr(JsonObject) message = parse_control (data);
  g_autoptr(GError) error = NULL;
  const char *type = message != NULL ? json_object_get_string_member_with_default (message, "type", "") : "";

  if (g_str_equal (type, "file") && share->mode == MODE_RECEIVE && share->output == NULL)
    {
      g_autoptr(GFile) file = g_file_new_for_commandline_arg (share->receive_path);

      share->expected = (guint64) MAX (json_object_get_int_member_with_default (message, "size", 0), 0);
      share->output = g_file_replace (file, NULL, FALSE, G_FILE_CREATE_NONE, NULL, &error);
      share->checksum = g_checksum_new (G_CHECKSUM_SHA256);
      if (share->output == NULL)
        fail (share, "%s: %s", share->receive_path, error->message);
      else if (share->expected == 0)
        progress (share, 0, 0);
    }
  else if (g_str_equal (type, "end") && share->mode == MODE_RECEIVE && share->output != NULL)
    {
      const char *sha256 = json_object_get_string_member_with_default (message, "sha256", "");
      const char *ours = g_checksum_get_string (share->checksum);
      g_autofree char *ack = NULL;

      if (!g_output_stream_close (G_OUTPUT_STREAM (share->output), NULL, &error))
        {
          fail (share, "%s: %s", share->receive_path, error->message);
          return;
        }
      if (share->done != share->expected || !g_str_equal (sha256, ours))
        {
          fail (share, "the file arrived damaged: %" G_GUINT64_FORMAT " of %" G_GUINT64_FORMAT " bytes",
                share->done, share->expected);
          return;
        }
      ack = g_strdup_printf ("{\"type\":\"ack\",\"size\":%" G_GUINT64_FORMAT ",\"sha256\":\"%s\"}", share->done, ours);
      if (!avanue_data_channel_send_text (channel, ack, &error))
        {
          fail (share, "sending: %s", error->message);
          return;
        }
      share->received_all = TRUE;
      say ("received %" G_GUINT64_FORMAT " sha256 %s", share->done, ours);
      /* the sender closes the connection when it has the ack */
    }
  else if (g_str_equal (type, "ack") && share->mode == MODE_SEND && share->input_finished)
    {
      const char *sha256 = json_object_get_string_member_with_default (message, "sha256", "");
      gint64 size = json_object_get_int_member_with_default (message, "size", -1);

      if (size < 0 || (guint64) size != share->done || !g_str_equal (sha256, g_checksum_get_string (share->checksum)))
        {
          fail (share, "the receiver got something else than was sent");
          return;
        }
      say ("sent %" G_GUINT64_FORMAT " sha256 %s", share->done, sha256);
      avanue_data_channel_close (channel);
      quit (share, 0);
    }
}

static void
message_cb (AvanueDataChannel *channel,
            GBytes            *data,
            gboolean           is_text,
            Share             *share)
{
  g_autoptr(GError) error = NULL;

  if (share->mode == MODE_ECHO)
    {
      g_autofree char *text = NULL;
      gboolean ok;

      if (is_text)
        text = g_bytes_get_size (data) > 0 ? g_strndup (g_bytes_get_data (data, NULL), g_bytes_get_size (data))
                                           : g_strdup ("");
      ok = is_text ? avanue_data_channel_send_text (channel, text, &error)
                   : avanue_data_channel_send_bytes (channel, data, &error);

      if (!ok)
        g_printerr ("avanue-share: echo: %s\n", error->message);
      return;
    }
  if (is_text)
    {
      receive_control (share, channel, data);
      return;
    }
  if (share->mode == MODE_RECEIVE && share->output != NULL && !share->received_all)
    {
      gsize size;
      const guint8 *bytes = g_bytes_get_data (data, &size);

      if (!g_output_stream_write_all (G_OUTPUT_STREAM (share->output), bytes, size, NULL, NULL, &error))
        {
          fail (share, "%s: %s", share->receive_path, error->message);
          return;
        }
      g_checksum_update (share->checksum, bytes, size);
      share->done += size;
      progress (share, share->done, share->expected);
    }
}

static void
open_cb (AvanueDataChannel *channel,
         Share             *share)
{
  g_autoptr(GError) error = NULL;

  say ("channel open %s", avanue_data_channel_get_label (channel));
  if (share->mode == MODE_ECHO)
    {
      if (!avanue_data_channel_send_text (channel, HELLO, &error))
        g_printerr ("avanue-share: hello: %s\n", error->message);
    }
  else if (share->mode == MODE_SEND && channel == share->file_channel)
    {
      start_sending (share, channel);
    }
}

static void
closed_cb (AvanueDataChannel *channel,
           Share             *share)
{
  if (share->mode == MODE_RECEIVE && share->received_all)
    quit (share, 0);
}

static void
channel_error_cb (AvanueDataChannel *channel,
                  const GError      *error,
                  Share             *share)
{
  g_printerr ("avanue-share: channel %s: %s\n", avanue_data_channel_get_label (channel), error->message);
}

static void
watch_channel (Share             *share,
               AvanueDataChannel *channel)
{
  g_ptr_array_add (share->channels, g_object_ref (channel));
  g_signal_connect (channel, "open", G_CALLBACK (open_cb), share);
  g_signal_connect (channel, "message", G_CALLBACK (message_cb), share);
  g_signal_connect (channel, "closed", G_CALLBACK (closed_cb), share);
  g_signal_connect (channel, "error", G_CALLBACK (channel_error_cb), share);
}

static void
data_channel_cb (AvanuePeerConnection *pc,
                 AvanueDataChannel    *channel,
                 Share                *share)
{
  watch_channel (share, channel);
}

/* ------------------------------------------------------------------------
 * The peer connection
 * ------------------------------------------------------------------------ */

static void
state_cb (AvanuePeerConnection *pc,
          GParamSpec           *pspec,
          Share                *share)
{
  const GError *error = avanue_peer_connection_get_error (pc);

  switch (avanue_peer_connection_get_connection_state (pc))
    {
    case AVANUE_PEER_CONNECTION_STATE_CONNECTED:
      if (!share->connected)
        {
          share->connected = TRUE;
          say ("connected %s", avanue_peer_connection_get_local_candidate_type (pc));
        }
      break;

    case AVANUE_PEER_CONNECTION_STATE_FAILED:
      fail (share, "the connection failed: %s", error != NULL ? error->message : "unknown error");
      break;

    case AVANUE_PEER_CONNECTION_STATE_DISCONNECTED:
    case AVANUE_PEER_CONNECTION_STATE_CLOSED:
      /* the receiver is done once it has everything; the echo peer is
       * done when the other side goes */
      if (share->mode == MODE_ECHO || (share->mode == MODE_RECEIVE && share->received_all))
        quit (share, 0);
      else if (avanue_peer_connection_get_connection_state (pc) == AVANUE_PEER_CONNECTION_STATE_DISCONNECTED)
        fail (share, "the connection was lost: %s", error != NULL ? error->message : "unknown error");
      break;

    case AVANUE_PEER_CONNECTION_STATE_NEW:
    case AVANUE_PEER_CONNECTION_STATE_CONNECTING:
    default:
      break;
    }
}

static void
begin (Share *share)
{
  g_autoptr(GError) error = NULL;

  if (share->offerer && !avanue_peer_connection_start (share->pc, &error))
    {
      fail (share, "%s", error->message);
      return;
    }
  if (share->mode == MODE_SEND)
    {
      share->file_channel = avanue_peer_connection_create_data_channel (share->pc, "file", NULL, &error);
      if (share->file_channel == NULL)
        {
          fail (share, "%s", error->message);
          return;
        }
      watch_channel (share, share->file_channel);
    }
  else if (share->mode == MODE_ECHO && share->offerer)
    {
      g_autoptr(AvanueDataChannel) channel = avanue_peer_connection_create_data_channel (share->pc, "echo", NULL,
                                                                                         &error);

      if (channel == NULL)
        {
          fail (share, "%s", error->message);
          return;
        }
      watch_channel (share, channel);
    }
}

static void
fetched_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  Share *share = user_data;
  g_autoptr(GError) error = NULL;

  if (!avanue_peer_connection_fetch_ice_servers_finish (AVANUE_PEER_CONNECTION (source), result, &error))
    {
      fail (share, "ICE servers: %s", error->message);
      return;
    }
  begin (share);
}

/* One peer is enough for a file: the first participant to show up */
static gboolean
make_peer_connection (Share      *share,
                      const char *fingerprint,
                      gboolean    offerer)
{
  if (share->pc != NULL)
    return FALSE;
  share->offerer = offerer;
  share->pc = avanue_peer_connection_new (share->client, share->session, fingerprint);
  if (share->relay)
    avanue_peer_connection_set_ice_transport_policy (share->pc, AVANUE_ICE_TRANSPORT_POLICY_RELAY);
  g_signal_connect (share->pc, "notify::connection-state", G_CALLBACK (state_cb), share);
  g_signal_connect (share->pc, "data-channel", G_CALLBACK (data_channel_cb), share);
  if (share->ice_servers_url != NULL)
    avanue_peer_connection_fetch_ice_servers_async (share->pc, share->ice_servers_url,
                                                    share->ice_servers_token != NULL ? share->ice_servers_token
                                                                                     : share->license,
                                                    NULL, fetched_cb, share);
  else
    begin (share);
  return TRUE;
}

/* ------------------------------------------------------------------------
 * Signaling
 * ------------------------------------------------------------------------ */

static void
participant_joined_cb (AvanueSignalingClient *client,
                       AvanueParticipant     *participant,
                       Share                 *share)
{
  /* we were first: we offer */
  if (share->create)
    make_peer_connection (share, avanue_participant_get_fingerprint (participant), TRUE);
}

static void
participant_left_cb (AvanueSignalingClient *client,
                     const char            *fingerprint,
                     const char            *reason,
                     Share                 *share)
{
  if (share->pc == NULL || g_strcmp0 (fingerprint, avanue_peer_connection_get_remote_fingerprint (share->pc)) != 0)
    return;
  if (share->mode == MODE_ECHO || (share->mode == MODE_RECEIVE && share->received_all))
    quit (share, 0);
}

static void
sdp_offer_cb (AvanueSignalingClient *client,
              const char            *from,
              const char            *sdp,
              Share                 *share)
{
  g_autoptr(GError) error = NULL;

  /* an offer from someone we have no connection to yet */
  if (share->pc != NULL)
    return;
  if (share->session == NULL)
    {
      g_free (share->early_offer_from);
      share->early_offer_from = g_strdup (from);
      g_free (share->early_offer);
      share->early_offer = g_strdup (sdp);
      return;
    }
  if (make_peer_connection (share, from, FALSE) && !avanue_peer_connection_accept_offer (share->pc, sdp, &error))
    fail (share, "%s", error->message);
}

static void
session_ended_cb (AvanueSignalingClient *client,
                  const char            *session_id,
                  const char            *reason,
                  Share                 *share)
{
  if (share->mode == MODE_ECHO || (share->mode == MODE_RECEIVE && share->received_all))
    quit (share, 0);
  else
    fail (share, "the session ended (%s)", reason);
}

static void
session_ready (Share         *share,
               AvanueSession *session)
{
  GListModel *participants = avanue_session_get_participants (session);
  const char *me = avanue_identity_get_fingerprint (share->identity);

  share->session = g_object_ref (session);
  if (share->create)
    {
      say ("invite %s", avanue_session_get_invite_code (session));
      return;
    }
  if (share->early_offer != NULL)
    {
      g_autoptr(GError) error = NULL;

      if (make_peer_connection (share, share->early_offer_from, FALSE) &&
          !avanue_peer_connection_accept_offer (share->pc, share->early_offer, &error))
        fail (share, "%s", error->message);
      return;
    }
  /* the newcomer answers whoever was there first */
  for (guint i = 0; i < g_list_model_get_n_items (participants); i++)
    {
      g_autoptr(AvanueParticipant) participant = g_list_model_get_item (participants, i);
      const char *fingerprint = avanue_participant_get_fingerprint (participant);

      if (!g_str_equal (fingerprint, me))
        {
          make_peer_connection (share, fingerprint, FALSE);
          break;
        }
    }
}

static void
created_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  Share *share = user_data;
  g_autoptr(AvanueSession) session = NULL;
  g_autoptr(GError) error = NULL;

  session = avanue_signaling_client_create_session_finish (AVANUE_SIGNALING_CLIENT (source), result, &error);
  if (session == NULL)
    fail (share, "could not create a session: %s", error->message);
  else
    session_ready (share, session);
}

static void
joined_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  Share *share = user_data;
  g_autoptr(AvanueSession) session = NULL;
  g_autoptr(GError) error = NULL;

  session = avanue_signaling_client_join_session_finish (AVANUE_SIGNALING_CLIENT (source), result, &error);
  if (session == NULL)
    fail (share, "could not join %s: %s", share->join_code, error->message);
  else
    session_ready (share, session);
}

static void
connected_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  Share *share = user_data;
  g_autoptr(GError) error = NULL;

  if (!avanue_signaling_client_connect_finish (AVANUE_SIGNALING_CLIENT (source), result, &error))
    {
      fail (share, "could not connect to %s: %s", share->server, error->message);
      return;
    }
  if (share->create)
    avanue_signaling_client_create_session_async (share->client, share->license, "FILE_TRANSFER", NULL, NULL,
                                                  created_cb, share);
  else
    avanue_signaling_client_join_session_async (share->client, share->join_code, NULL, NULL, joined_cb, share);
}

static gboolean
timeout_cb (gpointer user_data)
{
  Share *share = user_data;

  fail (share, "timed out");
  return G_SOURCE_REMOVE;
}

static void
share_clear (Share *share)
{
  if (share->pc != NULL)
    avanue_peer_connection_close (share->pc);
  g_clear_object (&share->pc);
  g_clear_pointer (&share->channels, g_ptr_array_unref);
  g_clear_object (&share->file_channel);
  if (share->client != NULL)
    avanue_signaling_client_disconnect (share->client);
  g_clear_object (&share->client);
  g_clear_object (&share->session);
  g_clear_object (&share->identity);
  g_clear_object (&share->input);
  g_clear_object (&share->output);
  g_clear_pointer (&share->checksum, g_checksum_free);
  g_clear_pointer (&share->loop, g_main_loop_unref);
  g_free (share->server);
  g_free (share->identity_path);
  g_free (share->license);
  g_free (share->join_code);
  g_free (share->send_path);
  g_free (share->receive_path);
  g_free (share->ice_servers_url);
  g_free (share->ice_servers_token);
  g_free (share->early_offer_from);
  g_free (share->early_offer);
}

int
main (int    argc,
      char **argv)
{
  Share share = { .status = -1, .timeout = 0 };
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  const GOptionEntry entries[] = {
    { "server", 0, 0, G_OPTION_ARG_STRING, &share.server, "Signaling server", "ws://HOST:PORT/v1/signal" },
    { "identity", 0, 0, G_OPTION_ARG_FILENAME, &share.identity_path, "Device key (created if missing; default: a new key for this run)", "PATH" },
    { "create", 0, 0, G_OPTION_ARG_NONE, &share.create, "Create a session and print its invite code", NULL },
    { "license", 0, 0, G_OPTION_ARG_STRING, &share.license, "Licence key for the new session", "KEY" },
    { "join", 0, 0, G_OPTION_ARG_STRING, &share.join_code, "Join the session with this invite code", "CODE" },
    { "send", 0, 0, G_OPTION_ARG_FILENAME, &share.send_path, "Send this file", "FILE" },
    { "receive", 0, 0, G_OPTION_ARG_FILENAME, &share.receive_path, "Receive a file into this path", "FILE" },
    { "echo", 0, 0, G_OPTION_ARG_NONE, &share.echo, "Say hello on every channel and echo every message", NULL },
    { "relay", 0, 0, G_OPTION_ARG_NONE, &share.relay, "Use only TURN relays (ICE transport policy relay)", NULL },
    { "ice-servers-url", 0, 0, G_OPTION_ARG_STRING, &share.ice_servers_url, "Fetch STUN/TURN servers from this URL (/v1/ice-servers)", "URL" },
    { "ice-servers-token", 0, 0, G_OPTION_ARG_STRING, &share.ice_servers_token, "Bearer token for --ice-servers-url (default: the licence key)", "TOKEN" },
    { "timeout", 0, 0, G_OPTION_ARG_INT, &share.timeout, "Give up after this many seconds (default: never)", "SECONDS" },
    G_OPTION_ENTRY_NULL
  };
  int status;

  context = g_option_context_new ("- send a file over a WebRTC data channel");
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("avanue-share: %s\n", error->message);
      share_clear (&share);
      return 2;
    }
  if (share.server == NULL || share.create == (share.join_code != NULL) ||
      (share.send_path != NULL) + (share.receive_path != NULL) + !!share.echo != 1 || share.timeout < 0)
    {
      g_autofree char *help = g_option_context_get_help (context, TRUE, NULL);

      g_printerr ("avanue-share: give --server, one of --create and --join, and one of --send, --receive and --echo\n\n%s",
                  help);
      share_clear (&share);
      return 2;
    }
  share.mode = share.send_path != NULL ? MODE_SEND : share.receive_path != NULL ? MODE_RECEIVE : MODE_ECHO;

  share.identity = share.identity_path != NULL ? avanue_identity_load_or_create (share.identity_path, &error)
                                               : avanue_identity_new (&error);
  if (share.identity == NULL)
    {
      g_printerr ("avanue-share: identity: %s\n", error->message);
      share_clear (&share);
      return 1;
    }

  share.loop = g_main_loop_new (NULL, FALSE);
  share.channels = g_ptr_array_new_with_free_func (g_object_unref);
  share.client = avanue_signaling_client_new (share.server, share.identity);
  avanue_signaling_client_set_device_name (share.client, "avanue-share");
  g_signal_connect (share.client, "participant-joined", G_CALLBACK (participant_joined_cb), &share);
  g_signal_connect (share.client, "participant-left", G_CALLBACK (participant_left_cb), &share);
  g_signal_connect (share.client, "sdp-offer", G_CALLBACK (sdp_offer_cb), &share);
  g_signal_connect (share.client, "session-ended", G_CALLBACK (session_ended_cb), &share);
  avanue_signaling_client_connect_async (share.client, NULL, connected_cb, &share);
  if (share.timeout > 0)
    g_timeout_add_seconds ((guint) share.timeout, timeout_cb, &share);

  g_main_loop_run (share.loop);

  status = share.status < 0 ? 1 : share.status;
  share_clear (&share);
  return status;
}
