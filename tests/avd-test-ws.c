/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A raw signaling client for integration tests (see avd-test-ws.h). */
#include "config.h"

#include <string.h>

#include "avd-test-ws.h"

struct _AvdTestWs
{
  SoupSession *session;
  SoupWebsocketConnection *conn;
  AvanueProtocol *protocol;
  GQueue queue;                 /* JsonObject, oldest first */
  JsonObject *connected;
  AvanueIdentity *identity;
  char *label;
  guint next_id;
  gboolean closed;
};

static guint n_clients;

static void
drop_log (const char     *domain,
          GLogLevelFlags  level,
          const char     *message,
          gpointer        user_data)
{
}

/* GTest prints every debug message in --tap mode; libsoup's and GIO's
 * drown the test's own.  G_MESSAGES_DEBUG brings them back. */
void
avd_test_silence_debug (void)
{
  if (g_getenv ("G_MESSAGES_DEBUG") != NULL)
    return;
  g_log_set_handler ("libsoup", G_LOG_LEVEL_DEBUG, drop_log, NULL);
  g_log_set_handler ("GLib-GIO", G_LOG_LEVEL_DEBUG, drop_log, NULL);
  g_log_set_handler ("GLib", G_LOG_LEVEL_DEBUG, drop_log, NULL);
  g_log_set_handler ("Json", G_LOG_LEVEL_DEBUG, drop_log, NULL);
}

/* A session for talking to the daemon on 127.0.0.1: never through a
 * proxy (which also keeps libproxy, whose C++ exceptions ASan cannot
 * intercept in a C program, out of the test). */
SoupSession *
avd_test_soup_session_new (void)
{
  return soup_session_new_with_options ("proxy-resolver", NULL, NULL);
}

const char *
avd_test_json_string (JsonObject *object,
                      const char *member)
{
  JsonNode *node = json_object_get_member (object, member);

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;
  return json_node_get_string (node);
}

static char *
to_text (JsonObject *object)
{
  g_autoptr(JsonNode) node = json_node_new (JSON_NODE_OBJECT);

  json_node_set_object (node, object);
  return json_to_string (node, FALSE);
}

/* @text must be one JSON object. */
JsonObject *
avd_test_json_parse (const char *text)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) root = json_from_string (text, &error);

  g_assert_no_error (error);
  g_assert_nonnull (root);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (root));
  return json_object_ref (json_node_get_object (root));
}

JsonObject *
avd_test_json_printf (const char *format,
                      ...)
{
  g_autofree char *text = NULL;
  va_list args;

  va_start (args, format);
  text = g_strdup_vprintf (format, args);
  va_end (args);
  return avd_test_json_parse (text);
}

/* Capabilities as JSON whose score (DESIGN §6) is, by hand:
 * cpu_cores×10 + ⌊ram_mb/100⌋ + (is_charging ? 200 : battery_percent×2);
 * every other term is 0 (PHONE, WIFI, no bandwidth, screen or codecs). */
char *
avd_test_caps_text (guint    cpu_cores,
                    guint    ram_mb,
                    gboolean is_charging,
                    int      battery_percent)
{
  return g_strdup_printf ("{\"cpuCores\":%u,\"ramMb\":%u,\"batteryPercent\":%d,"
                          "\"isCharging\":%s,\"networkType\":\"WIFI\",\"bandwidthMbps\":0,"
                          "\"deviceType\":\"PHONE\",\"platform\":\"ANDROID\",\"screenWidth\":0,"
                          "\"supportedCodecs\":[],\"modules\":[]}",
                          cpu_cores, ram_mb, battery_percent, is_charging ? "true" : "false");
}

static void
on_message (SoupWebsocketConnection *conn,
            int                      type,
            GBytes                  *bytes,
            gpointer                 user_data)
{
  AvdTestWs *ws = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(JsonObject) checked = NULL;
  gsize len;
  const char *text = g_bytes_get_data (bytes, &len);
  g_autofree char *copy = g_strndup (text, len);

  if (type != SOUP_WEBSOCKET_DATA_TEXT)
    {
      g_test_fail_printf ("%s: the server sent a binary frame", ws->label);
      return;
    }
  /* What the server sends must pass the protocol's own schema. */
  checked = avanue_protocol_parse_server_message (ws->protocol, text, (gssize) len, NULL, NULL, &error);
  if (checked == NULL)
    g_test_fail_printf ("%s: the server sent an invalid message (%s): %s", ws->label, error->message, copy);

  root = json_from_string (copy, NULL);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    {
      g_test_fail_printf ("%s: the server sent a frame that is not a JSON object: %s", ws->label, copy);
      return;
    }
  g_queue_push_tail (&ws->queue, json_object_ref (json_node_get_object (root)));
}

static void
on_closed (SoupWebsocketConnection *conn,
           gpointer                 user_data)
{
  AvdTestWs *ws = user_data;

  ws->closed = TRUE;
}

static gboolean
flag_cb (gpointer user_data)
{
  gboolean *flag = user_data;

  *flag = TRUE;
  return G_SOURCE_REMOVE;
}

static void
connect_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  GAsyncResult **out = user_data;

  *out = g_object_ref (result);
}

/* Runs the WebSocket handshake; returns the connection or NULL with the
 * HTTP status in @out_status. */
static SoupWebsocketConnection *
handshake (SoupSession   *session,
           AvdTestDaemon *daemon,
           const char    *origin,
           guint         *out_status,
           GError       **error)
{
  g_autofree char *url = avd_test_daemon_url (daemon, "/v1/signal");
  g_autoptr(SoupMessage) msg = soup_message_new ("GET", url);
  g_autoptr(GAsyncResult) result = NULL;
  SoupWebsocketConnection *conn;
  gboolean timed_out = FALSE;
  guint timeout_id = g_timeout_add (AVD_TEST_WS_TIMEOUT_MS, flag_cb, &timed_out);

  soup_session_websocket_connect_async (session, msg, origin, NULL, G_PRIORITY_DEFAULT, NULL,
                                        connect_cb, &result);
  while (result == NULL && !timed_out)
    g_main_context_iteration (NULL, TRUE);
  if (timed_out)
    g_error ("the WebSocket handshake with %s timed out", url);
  g_source_remove (timeout_id);
  conn = soup_session_websocket_connect_finish (session, result, error);
  *out_status = soup_message_get_status (msg);
  return conn;
}

/* Opens /v1/signal (with an Origin header when @origin is not NULL) and
 * reads CONNECTED. */
AvdTestWs *
avd_test_ws_connect (AvdTestDaemon *daemon,
                     const char    *origin)
{
  AvdTestWs *ws = avd_test_ws_open (daemon, origin);

  ws->connected = avd_test_ws_expect (ws, "CONNECTED");
  return ws;
}

/* Opens /v1/signal: just the handshake, CONNECTED not read. */
AvdTestWs *
avd_test_ws_open (AvdTestDaemon *daemon,
                  const char    *origin)
{
  g_autoptr(AvdTestWs) ws = g_new0 (AvdTestWs, 1);
  g_autoptr(GError) error = NULL;
  guint status = 0;

  g_queue_init (&ws->queue);
  ws->label = g_strdup_printf ("client %u", ++n_clients);
  ws->protocol = avanue_protocol_new ();
  ws->session = avd_test_soup_session_new ();
  ws->conn = handshake (ws->session, daemon, origin, &status, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (status, ==, SOUP_STATUS_SWITCHING_PROTOCOLS);
  soup_websocket_connection_set_max_incoming_payload_size (ws->conn, 4 * 1024 * 1024);
  soup_websocket_connection_set_keepalive_interval (ws->conn, 0);
  g_signal_connect (ws->conn, "message", G_CALLBACK (on_message), ws);
  g_signal_connect (ws->conn, "closed", G_CALLBACK (on_closed), ws);
  return g_steal_pointer (&ws);
}

/* Tries to open /v1/signal and expects the server to refuse the upgrade;
 * returns the HTTP status it answered with. */
guint
avd_test_ws_connect_refused (AvdTestDaemon *daemon,
                             const char    *origin)
{
  g_autoptr(SoupSession) session = avd_test_soup_session_new ();
  g_autoptr(SoupWebsocketConnection) conn = NULL;
  g_autoptr(GError) error = NULL;
  guint status = 0;

  conn = handshake (session, daemon, origin, &status, &error);
  g_assert_null (conn);
  g_assert_nonnull (error);
  return status;
}

void
avd_test_ws_free (AvdTestWs *ws)
{
  if (ws->conn != NULL)
    {
      g_signal_handlers_disconnect_by_data (ws->conn, ws);
      if (soup_websocket_connection_get_state (ws->conn) == SOUP_WEBSOCKET_STATE_OPEN)
        soup_websocket_connection_close (ws->conn, SOUP_WEBSOCKET_CLOSE_NORMAL, NULL);
      g_object_unref (ws->conn);
    }
  g_queue_clear_full (&ws->queue, (GDestroyNotify) json_object_unref);
  g_clear_pointer (&ws->connected, json_object_unref);
  g_clear_object (&ws->identity);
  g_clear_object (&ws->protocol);
  g_clear_object (&ws->session);
  g_free (ws->label);
  g_free (ws);
}

JsonObject *
avd_test_ws_get_connected (AvdTestWs *ws)
{
  return ws->connected;
}

const char *
avd_test_ws_get_nonce (AvdTestWs *ws)
{
  return avd_test_json_string (ws->connected, "nonce");
}

const char *
avd_test_ws_get_fingerprint (AvdTestWs *ws)
{
  g_assert_nonnull (ws->identity);
  return avanue_identity_get_fingerprint (ws->identity);
}

AvanueIdentity *
avd_test_ws_get_identity (AvdTestWs *ws)
{
  return ws->identity;
}

char *
avd_test_ws_next_id (AvdTestWs *ws)
{
  return g_strdup_printf ("q%u", ++ws->next_id);
}

/* REGISTER_DEVICE as @identity (a fresh one if NULL), signing this
 * connection's nonce; expects DEVICE_REGISTERED.  Returns the identity,
 * owned by @ws. */
AvanueIdentity *
avd_test_ws_register (AvdTestWs      *ws,
                      AvanueIdentity *identity,
                      const char     *device_name)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *signed_text = g_strconcat ("AVANUE1 REGISTER ", avd_test_ws_get_nonce (ws), NULL);
  g_autofree char *signature = NULL;
  g_autofree char *id = avd_test_ws_next_id (ws);
  g_autoptr(JsonObject) request = NULL;
  g_autoptr(JsonObject) reply = NULL;

  if (identity != NULL)
    g_set_object (&ws->identity, identity);
  else
    {
      g_clear_object (&ws->identity);
      ws->identity = avanue_identity_new (&error);
      g_assert_no_error (error);
    }
  g_free (ws->label);
  ws->label = g_strdup (device_name);

  signature = avanue_identity_sign_base64 (ws->identity, signed_text, &error);
  g_assert_no_error (error);
  request = avanue_protocol_build_register_device (id, avanue_identity_get_fingerprint (ws->identity),
                                                   avanue_identity_get_public_key_base64 (ws->identity),
                                                   signature, device_name,
                                                   AVANUE_PLATFORM_DESKTOP, AVANUE_DEVICE_TYPE_DESKTOP);
  avd_test_ws_send (ws, request);
  reply = avd_test_ws_expect_re (ws, "DEVICE_REGISTERED", id);
  g_assert_cmpstr (avd_test_json_string (reply, "fingerprint"), ==,
                   avanue_identity_get_fingerprint (ws->identity));
  g_assert_nonnull (avd_test_json_string (reply, "deviceId"));
  g_assert_cmpint (json_object_get_int_member (reply, "pendingMessages"), ==, 0);
  return ws->identity;
}

void
avd_test_ws_send_text (AvdTestWs  *ws,
                       const char *text)
{
  g_assert_cmpint (soup_websocket_connection_get_state (ws->conn), ==, SOUP_WEBSOCKET_STATE_OPEN);
  soup_websocket_connection_send_text (ws->conn, text);
}

void
avd_test_ws_send (AvdTestWs  *ws,
                  JsonObject *message)
{
  g_autofree char *text = to_text (message);

  avd_test_ws_send_text (ws, text);
}

void
avd_test_ws_send_binary (AvdTestWs  *ws,
                         const void *data,
                         gsize       len)
{
  g_assert_cmpint (soup_websocket_connection_get_state (ws->conn), ==, SOUP_WEBSOCKET_STATE_OPEN);
  soup_websocket_connection_send_binary (ws->conn, data, len);
}

/* The oldest queued message, waiting up to @timeout_ms for one; NULL on
 * timeout or when the connection closed with nothing queued. */
static JsonObject *
pop (AvdTestWs *ws,
     guint      timeout_ms)
{
  gboolean timed_out = FALSE;
  guint timeout_id = g_timeout_add (timeout_ms, flag_cb, &timed_out);

  while (g_queue_is_empty (&ws->queue) && !ws->closed && !timed_out)
    g_main_context_iteration (NULL, TRUE);
  if (!timed_out)
    g_source_remove (timeout_id);
  return g_queue_pop_head (&ws->queue);
}

static const char *
message_type (JsonObject *message)
{
  const char *type = avd_test_json_string (message, "type");

  return type != NULL ? type : "(no type)";
}

/* The next message, which must be of @type. */
JsonObject *
avd_test_ws_expect (AvdTestWs  *ws,
                    const char *type)
{
  JsonObject *message = pop (ws, AVD_TEST_WS_TIMEOUT_MS);

  if (message == NULL)
    g_error ("%s: expected %s, got %s", ws->label, type,
             ws->closed ? "the connection closed" : "nothing (timed out)");
  if (g_strcmp0 (message_type (message), type) != 0)
    {
      g_autofree char *text = to_text (message);

      g_error ("%s: expected %s, got %s", ws->label, type, text);
    }
  return message;
}

/* The next message, which must be of @type and answer @re. */
JsonObject *
avd_test_ws_expect_re (AvdTestWs  *ws,
                       const char *type,
                       const char *re)
{
  JsonObject *message = avd_test_ws_expect (ws, type);

  if (g_strcmp0 (avd_test_json_string (message, "re"), re) != 0)
    {
      g_autofree char *text = to_text (message);

      g_error ("%s: expected %s with re=%s, got %s", ws->label, type, re, text);
    }
  return message;
}

/* The next message, which must be ERROR @code; its `re` must be @re unless
 * @re is NULL. */
JsonObject *
avd_test_ws_expect_error (AvdTestWs  *ws,
                          const char *code,
                          const char *re)
{
  JsonObject *message = pop (ws, AVD_TEST_WS_TIMEOUT_MS);
  g_autofree char *text = NULL;

  if (message == NULL)
    g_error ("%s: expected ERROR %s, got %s", ws->label, code,
             ws->closed ? "the connection closed" : "nothing (timed out)");
  text = to_text (message);
  if (g_strcmp0 (message_type (message), "ERROR") != 0 ||
      g_strcmp0 (avd_test_json_string (message, "code"), code) != 0)
    g_error ("%s: expected ERROR %s, got %s", ws->label, code, text);
  if (re != NULL && g_strcmp0 (avd_test_json_string (message, "re"), re) != 0)
    g_error ("%s: expected ERROR %s with re=%s, got %s", ws->label, code, re, text);
  return message;
}

/* The first message of @type, queued or arriving, leaving the others
 * queued in their order. */
JsonObject *
avd_test_ws_find (AvdTestWs  *ws,
                  const char *type)
{
  gboolean timed_out = FALSE;
  guint timeout_id = g_timeout_add (AVD_TEST_WS_TIMEOUT_MS, flag_cb, &timed_out);

  for (;;)
    {
      for (GList *l = ws->queue.head; l != NULL; l = l->next)
        if (g_strcmp0 (message_type (l->data), type) == 0)
          {
            JsonObject *message = l->data;

            g_queue_delete_link (&ws->queue, l);
            if (!timed_out)
              g_source_remove (timeout_id);
            return message;
          }
      if (ws->closed || timed_out)
        break;
      g_main_context_iteration (NULL, TRUE);
    }
  if (!timed_out)
    g_source_remove (timeout_id);
  g_error ("%s: no %s arrived (%s, %u other messages queued)", ws->label, type,
           ws->closed ? "the connection closed" : "timed out", g_queue_get_length (&ws->queue));
  return NULL;
}

/* Sends @message with a fresh `id` (unless it has one) and expects
 * @reply_type answering it as the next message. */
JsonObject *
avd_test_ws_request (AvdTestWs  *ws,
                     JsonObject *message,
                     const char *reply_type)
{
  g_autofree char *id = NULL;

  if (avd_test_json_string (message, "id") != NULL)
    id = g_strdup (avd_test_json_string (message, "id"));
  else
    {
      id = avd_test_ws_next_id (ws);
      json_object_set_string_member (message, "id", id);
    }
  avd_test_ws_send (ws, message);
  return avd_test_ws_expect_re (ws, reply_type, id);
}

/* A barrier: PING and expect its PONG as the very next message.  The
 * server handles messages in order on one thread, so anything it meant to
 * send this client before handling the PING has arrived by then; nothing
 * may be queued. */
void
avd_test_ws_sync (AvdTestWs *ws)
{
  g_autofree char *id = avd_test_ws_next_id (ws);
  g_autoptr(JsonObject) ping = avanue_protocol_build_ping (id);
  g_autoptr(JsonObject) pong = NULL;

  avd_test_ws_send (ws, ping);
  pong = avd_test_ws_expect_re (ws, "PONG", id);
}

/* Like avd_test_ws_sync(), but drops whatever arrives before the PONG. */
void
avd_test_ws_drain (AvdTestWs *ws)
{
  g_autofree char *id = avd_test_ws_next_id (ws);
  g_autoptr(JsonObject) ping = avanue_protocol_build_ping (id);

  avd_test_ws_send (ws, ping);
  for (;;)
    {
      g_autoptr(JsonObject) message = pop (ws, AVD_TEST_WS_TIMEOUT_MS);

      if (message == NULL)
        g_error ("%s: no PONG to drain up to", ws->label);
      if (g_strcmp0 (message_type (message), "PONG") == 0 &&
          g_strcmp0 (avd_test_json_string (message, "re"), id) == 0)
        return;
    }
}

/* Nothing arrives for @window_ms (for connections that cannot PING). */
void
avd_test_ws_expect_nothing (AvdTestWs *ws,
                            guint      window_ms)
{
  gboolean done = FALSE;
  guint timeout_id = g_timeout_add (window_ms, flag_cb, &done);

  while (!done && g_queue_is_empty (&ws->queue))
    g_main_context_iteration (NULL, TRUE);
  if (!done)
    g_source_remove (timeout_id);
  if (!g_queue_is_empty (&ws->queue))
    {
      g_autofree char *text = to_text (g_queue_peek_head (&ws->queue));

      g_error ("%s: expected nothing, got %s", ws->label, text);
    }
}

/* The next message, or NULL when none comes within @timeout_ms or the
 * connection closed; does not fail the test. */
JsonObject *
avd_test_ws_next (AvdTestWs *ws,
                  guint      timeout_ms)
{
  return pop (ws, timeout_ms);
}

guint
avd_test_ws_n_queued (AvdTestWs *ws)
{
  return g_queue_get_length (&ws->queue);
}

gboolean
avd_test_ws_is_open (AvdTestWs *ws)
{
  return !ws->closed && soup_websocket_connection_get_state (ws->conn) == SOUP_WEBSOCKET_STATE_OPEN;
}

/* Waits for the server to close the connection; returns its close code
 * (queued messages stay queued). */
gushort
avd_test_ws_wait_closed (AvdTestWs *ws)
{
  gboolean timed_out = FALSE;
  guint timeout_id = g_timeout_add (AVD_TEST_WS_TIMEOUT_MS, flag_cb, &timed_out);

  while (!ws->closed && !timed_out)
    g_main_context_iteration (NULL, TRUE);
  if (timed_out)
    g_error ("%s: the server did not close the connection", ws->label);
  g_source_remove (timeout_id);
  return soup_websocket_connection_get_close_code (ws->conn);
}

/* Closes from this side (1000) and waits for the closing handshake. */
void
avd_test_ws_close (AvdTestWs *ws)
{
  gboolean timed_out = FALSE;
  guint timeout_id;

  if (ws->closed)
    return;
  soup_websocket_connection_close (ws->conn, SOUP_WEBSOCKET_CLOSE_NORMAL, NULL);
  timeout_id = g_timeout_add (AVD_TEST_WS_TIMEOUT_MS, flag_cb, &timed_out);
  while (!ws->closed && !timed_out)
    g_main_context_iteration (NULL, TRUE);
  if (timed_out)
    g_error ("%s: the closing handshake did not finish", ws->label);
  g_source_remove (timeout_id);
}

/* ---- a hand-written client for what libsoup will not send ---------- */

static void
read_exactly (GInputStream *in,
              void         *buffer,
              gsize         len)
{
  g_autoptr(GError) error = NULL;
  gsize n = 0;

  g_input_stream_read_all (in, buffer, len, &n, NULL, &error);
  g_assert_no_error (error);
  if (n != len)
    g_error ("raw WebSocket: the server closed the socket early");
}

/* Reads one frame; returns its opcode and (transfer full) payload. */
static guint8
read_frame (GInputStream  *in,
            GBytes       **out_payload)
{
  guint8 head[2];
  guint64 len;
  guint8 *payload;

  read_exactly (in, head, 2);
  len = head[1] & 0x7f;
  g_assert_false (head[1] & 0x80);      /* the server never masks */
  if (len == 126)
    {
      guint8 ext[2];

      read_exactly (in, ext, 2);
      len = ((guint64) ext[0] << 8) | ext[1];
    }
  else if (len == 127)
    {
      guint8 ext[8];

      read_exactly (in, ext, 8);
      len = 0;
      for (int i = 0; i < 8; i++)
        len = (len << 8) | ext[i];
    }
  g_assert_cmpuint (len, <, 1024 * 1024);
  payload = g_malloc (MAX (len, 1));
  read_exactly (in, payload, len);
  *out_payload = g_bytes_new_take (payload, len);
  return head[0] & 0x0f;
}

/* Opens /v1/signal over a plain socket with a hand-written handshake,
 * reads CONNECTED, sends one masked frame of @opcode with @payload as it
 * is (libsoup refuses to send invalid UTF-8 as text), and returns the close
 * code the server answers with. */
gushort
avd_test_ws_raw_close_code (AvdTestDaemon *daemon,
                            guint8         opcode,
                            const void    *payload,
                            gsize          len)
{
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  g_autoptr(GSocketConnection) connection = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GString) response = g_string_new (NULL);
  g_autoptr(GByteArray) frame = g_byte_array_new ();
  g_autofree char *request = NULL;
  GInputStream *in;
  GOutputStream *out;
  const guint8 mask[4] = { 0x37, 0xfa, 0x21, 0x3d };

  g_socket_client_set_timeout (client, 10);
  g_socket_client_set_enable_proxy (client, FALSE);
  connection = g_socket_client_connect_to_host (client, "127.0.0.1", (guint16) daemon->http_port, NULL, &error);
  g_assert_no_error (error);
  in = g_io_stream_get_input_stream (G_IO_STREAM (connection));
  out = g_io_stream_get_output_stream (G_IO_STREAM (connection));

  request = g_strdup_printf ("GET /v1/signal HTTP/1.1\r\n"
                             "Host: 127.0.0.1:%u\r\n"
                             "Upgrade: websocket\r\n"
                             "Connection: Upgrade\r\n"
                             "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                             "Sec-WebSocket-Version: 13\r\n"
                             "\r\n", daemon->http_port);
  g_output_stream_write_all (out, request, strlen (request), NULL, NULL, &error);
  g_assert_no_error (error);

  while (!g_str_has_suffix (response->str, "\r\n\r\n"))
    {
      char c;

      read_exactly (in, &c, 1);
      g_string_append_c (response, c);
      g_assert_cmpuint (response->len, <, 8192);
    }
  g_assert_true (g_str_has_prefix (response->str, "HTTP/1.1 101"));
  /* RFC 6455 §1.3: the accept value for this key. */
  g_assert_nonnull (strstr (response->str, "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="));

  {
    g_autoptr(GBytes) connected = NULL;

    g_assert_cmpuint (read_frame (in, &connected), ==, 0x1);
  }

  g_byte_array_append (frame, (const guint8[]) { 0x80 | opcode }, 1);
  if (len < 126)
    g_byte_array_append (frame, (const guint8[]) { 0x80 | (guint8) len }, 1);
  else if (len < 65536)
    g_byte_array_append (frame, (const guint8[]) { 0x80 | 126, (guint8) (len >> 8), (guint8) len }, 3);
  else
    {
      g_byte_array_append (frame, (const guint8[]) { 0x80 | 127 }, 1);
      for (int i = 7; i >= 0; i--)
        g_byte_array_append (frame, (const guint8[]) { (guint8) (len >> (8 * i)) }, 1);
    }
  g_byte_array_append (frame, mask, 4);
  for (gsize i = 0; i < len; i++)
    g_byte_array_append (frame, (const guint8[]) { ((const guint8 *) payload)[i] ^ mask[i % 4] }, 1);
  g_output_stream_write_all (out, frame->data, frame->len, NULL, NULL, &error);
  g_assert_no_error (error);

  for (;;)
    {
      g_autoptr(GBytes) data = NULL;
      guint8 op = read_frame (in, &data);
      gsize n;
      const guint8 *p = g_bytes_get_data (data, &n);

      if (op == 0x8)
        return n >= 2 ? (gushort) ((p[0] << 8) | p[1]) : 1005;
      /* anything else (an ERROR, a ping) is not what we wait for */
    }
}

/* ---- TURN ------------------------------------------------------ */

/* One UDP exchange with the relay; returns the parsed answer. */
static AvanueStunMessage *
turn_exchange (GSocket           *socket,
               GSocketAddress    *relay,
               AvanueStunMessage *request)
{
  AvanueStunMessage *answer = avanue_stun_message_new ();
  g_autoptr(GError) error = NULL;
  guint8 buffer[2048];
  gsize len = 0;
  const guint8 *data = avanue_stun_message_get_data (request, &len);
  gssize got;

  g_assert_cmpint (g_socket_send_to (socket, relay, (const char *) data, len, NULL, &error), ==, (gssize) len);
  g_assert_no_error (error);
  g_socket_set_timeout (socket, 5);
  got = g_socket_receive (socket, (char *) buffer, sizeof buffer, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (avanue_stun_message_parse (answer, buffer, got, &error));
  g_assert_no_error (error);
  return answer;
}

/* Allocate with long-term credentials: the 401 round gives realm and
 * nonce.  Returns the final answer's class and, for errors, its code. */
AvanueStunClass
avd_test_turn_allocate (GSocket        *socket,
                        GSocketAddress *relay,
                        const char     *username,
                        const char     *password,
                        guint          *out_code)
{
  g_autoptr(AvanueStunMessage) request = avanue_stun_message_new ();
  g_autoptr(AvanueStunMessage) challenge = NULL;
  g_autoptr(AvanueStunMessage) answer = NULL;
  g_autoptr(GBytes) key = NULL;
  g_autofree char *realm = NULL;
  g_autofree char *nonce = NULL;
  guint code = 0;

  avanue_stun_message_start (request, AVANUE_STUN_METHOD_ALLOCATE, AVANUE_STUN_CLASS_REQUEST, NULL);
  avanue_stun_message_add_uint32 (request, AVANUE_STUN_ATTRIBUTE_REQUESTED_TRANSPORT, 17u << 24, NULL);
  challenge = turn_exchange (socket, relay, request);
  g_assert_cmpint (avanue_stun_message_get_message_class (challenge), ==, AVANUE_STUN_CLASS_ERROR_RESPONSE);
  g_assert_true (avanue_stun_message_get_error_code (challenge, &code, NULL, NULL));
  g_assert_cmpuint (code, ==, 401);
  realm = avanue_stun_message_get_string (challenge, AVANUE_STUN_ATTRIBUTE_REALM, NULL);
  nonce = avanue_stun_message_get_string (challenge, AVANUE_STUN_ATTRIBUTE_NONCE, NULL);
  g_assert_nonnull (realm);
  g_assert_nonnull (nonce);

  key = avanue_stun_compute_long_term_key (username, realm, password);
  avanue_stun_message_start (request, AVANUE_STUN_METHOD_ALLOCATE, AVANUE_STUN_CLASS_REQUEST, NULL);
  avanue_stun_message_add_uint32 (request, AVANUE_STUN_ATTRIBUTE_REQUESTED_TRANSPORT, 17u << 24, NULL);
  avanue_stun_message_add_string (request, AVANUE_STUN_ATTRIBUTE_USERNAME, username, NULL);
  avanue_stun_message_add_string (request, AVANUE_STUN_ATTRIBUTE_REALM, realm, NULL);
  avanue_stun_message_add_string (request, AVANUE_STUN_ATTRIBUTE_NONCE, nonce, NULL);
  g_assert_true (avanue_stun_message_add_message_integrity (request, g_bytes_get_data (key, NULL),
                                                            g_bytes_get_size (key), NULL));
  answer = turn_exchange (socket, relay, request);
  if (avanue_stun_message_get_message_class (answer) == AVANUE_STUN_CLASS_ERROR_RESPONSE)
    g_assert_true (avanue_stun_message_get_error_code (answer, out_code, NULL, NULL));
  else
    g_assert_true (avanue_stun_message_has_attribute (answer, AVANUE_STUN_ATTRIBUTE_XOR_RELAYED_ADDRESS));
  return avanue_stun_message_get_message_class (answer);
}

