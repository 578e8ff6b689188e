/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* AvdSignalingServer: the WebSocket at /v1/signal and the ICE-server
 * endpoints, on the daemon's SoupServer.
 *
 * It owns the connections: sends CONNECTED with a fresh nonce, checks
 * REGISTER_DEVICE (the Ed25519 signature over "AVANUE1 REGISTER " + nonce,
 * and that the fingerprint is the key's), answers PING, enforces rate and
 * size limits, validates every frame with AvanueProtocol, and hands session
 * messages to AvdSessionManager.  A malformed message gets ERROR and the
 * connection stays open; only abuse closes it. */
#define G_LOG_DOMAIN "AvdSignaling"

#include "config.h"

#include <string.h>

#include "avd-connection.h"
#include "avd-error.h"
#include "avd-http-server.h"
#include "avd-jwt.h"
#include "avd-signaling-server.h"

#define HARD_FRAME_LIMIT (1024 * 1024)
#define REGISTER_ATTEMPTS 3

struct _AvdSignalingServer
{
  GObject parent_instance;

  SoupServer *soup;
  AvdStore *store;
  AvdLicenseService *licenses;
  AvdSessionManager *sessions;
  AvdIce *ice;
  AvdRateLimiter *limiter;
  AvanueProtocol *protocol;

  GHashTable *connections;      /* AvdConnection → itself (owned) */
  GHashTable *devices;          /* fingerprint → AvdConnection (not owned) */
  GStrv allowed_origins;
  char *jwt_secret;
  char *jwt_public_key;
  double rate;
  double burst;
  guint strike_limit;
  guint heartbeat_seconds;
  guint expire_id;
};

G_DEFINE_FINAL_TYPE (AvdSignalingServer, avd_signaling_server, G_TYPE_OBJECT)

enum {
  SIGNAL_DEVICE_BLOCKED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void on_closed (SoupWebsocketConnection *ws, gpointer user_data);

static void
disconnect_connection (gpointer key,
                       gpointer value,
                       gpointer user_data)
{
  AvdConnection *connection = key;

  g_signal_handlers_disconnect_by_data (avd_connection_get_websocket (connection), connection);
}

static void
avd_signaling_server_dispose (GObject *object)
{
  AvdSignalingServer *self = AVD_SIGNALING_SERVER (object);

  g_clear_handle_id (&self->expire_id, g_source_remove);
  if (self->connections != NULL)
    g_hash_table_foreach (self->connections, disconnect_connection, self);
  g_clear_pointer (&self->devices, g_hash_table_unref);
  g_clear_pointer (&self->connections, g_hash_table_unref);
  g_clear_object (&self->soup);
  g_clear_object (&self->store);
  g_clear_object (&self->licenses);
  g_clear_object (&self->sessions);
  g_clear_object (&self->ice);
  g_clear_object (&self->limiter);
  g_clear_object (&self->protocol);

  G_OBJECT_CLASS (avd_signaling_server_parent_class)->dispose (object);
}

static void
avd_signaling_server_finalize (GObject *object)
{
  AvdSignalingServer *self = AVD_SIGNALING_SERVER (object);

  g_strfreev (self->allowed_origins);
  g_free (self->jwt_secret);
  g_free (self->jwt_public_key);

  G_OBJECT_CLASS (avd_signaling_server_parent_class)->finalize (object);
}

static void
avd_signaling_server_class_init (AvdSignalingServerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = avd_signaling_server_dispose;
  object_class->finalize = avd_signaling_server_finalize;

  /**
   * AvdSignalingServer::device-blocked:
   * @self: the signaling server
   * @fingerprint: the device
   * @blocked: TRUE when it was blocked, FALSE when unblocked
   *
   * An operator blocked or unblocked a device.
   */
  signals[SIGNAL_DEVICE_BLOCKED] =
    g_signal_new ("device-blocked", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 2, G_TYPE_STRING, G_TYPE_BOOLEAN);
}

static void
avd_signaling_server_init (AvdSignalingServer *self)
{
  self->connections = g_hash_table_new_full (g_direct_hash, g_direct_equal, g_object_unref, NULL);
  self->devices = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
}

guint
avd_signaling_server_get_n_connections (AvdSignalingServer *self)
{
  return g_hash_table_size (self->connections);
}

/* Devices with a registered connection (one connection per device). */
guint
avd_signaling_server_get_n_devices (AvdSignalingServer *self)
{
  g_return_val_if_fail (AVD_IS_SIGNALING_SERVER (self), 0);

  return g_hash_table_size (self->devices);
}

/* Whether @fingerprint has a registered connection now. */
gboolean
avd_signaling_server_is_device_connected (AvdSignalingServer *self,
                                          const char         *fingerprint)
{
  g_return_val_if_fail (AVD_IS_SIGNALING_SERVER (self), FALSE);

  return fingerprint != NULL && g_hash_table_contains (self->devices, fingerprint);
}

/* ---- origins ----------------------------------------------------- */

/* Requests without Origin come from non-browser clients and are fine.  A
 * browser's Origin must be on the allow-list, or be this server itself. */
gboolean
avd_signaling_server_origin_allowed (AvdSignalingServer *self,
                                     SoupServerMessage  *msg)
{
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (msg);
  const char *origin = soup_message_headers_get_one (headers, "Origin");
  const char *host = soup_message_headers_get_one (headers, "Host");

  if (origin == NULL)
    return TRUE;
  for (gsize i = 0; self->allowed_origins[i] != NULL; i++)
    if (g_str_equal (self->allowed_origins[i], "*") ||
        g_ascii_strcasecmp (self->allowed_origins[i], origin) == 0)
      return TRUE;
  if (host != NULL)
    {
      const char *sep = strstr (origin, "://");

      if (sep != NULL && g_ascii_strcasecmp (sep + 3, host) == 0)
        return TRUE;
    }
  return FALSE;
}

/* ---- messages ---------------------------------------------------- */

static void
send_pong (AvdConnection *connection,
           const char    *re)
{
  g_autoptr(JsonObject) pong = avanue_protocol_build_pong (re, g_get_real_time () / 1000);

  avd_connection_send (connection, pong);
}

static const char *
member (JsonObject *o,
        const char *name)
{
  return json_object_get_string_member_with_default (o, name, NULL);
}

static void
register_failed (AvdConnection       *connection,
                 AvanueProtocolError  code,
                 const char          *message,
                 const char          *re)
{
  avd_connection_send_error (connection, code, message, re);
  if (avd_connection_register_failed (connection) >= REGISTER_ATTEMPTS)
    avd_connection_close (connection, SOUP_WEBSOCKET_CLOSE_POLICY_VIOLATION, "registration failed");
}

static void
handle_register (AvdSignalingServer *self,
                 AvdConnection      *connection,
                 JsonObject         *message,
                 const char         *re)
{
  const char *fingerprint = member (message, "fingerprint");
  const char *public_key = member (message, "publicKey");
  const char *signature = member (message, "signature");
  g_autofree char *signed_text = g_strconcat ("AVANUE1 REGISTER ", avd_connection_get_nonce (connection), NULL);
  g_autofree char *key_fingerprint = avanue_identity_fingerprint_for_public_key (public_key, NULL);
  g_autoptr(AvdDeviceRecord) device = NULL;
  g_autoptr(AvdDeviceRecord) record = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) reply = NULL;
  AvdConnection *previous;

  if (avd_connection_get_fingerprint (connection) != NULL)
    {
      avd_connection_send_error (connection, AVANUE_PROTOCOL_ERROR_BAD_REQUEST,
                                 "This connection is already registered", re);
      return;
    }
  if (key_fingerprint == NULL || g_strcmp0 (key_fingerprint, fingerprint) != 0)
    {
      register_failed (connection, AVANUE_PROTOCOL_ERROR_BAD_SIGNATURE,
                       "The fingerprint is not the SHA-256 of this public key", re);
      return;
    }
  if (!avanue_identity_verify_base64_with_public_key (public_key, signed_text, signature, NULL))
    {
      register_failed (connection, AVANUE_PROTOCOL_ERROR_BAD_SIGNATURE,
                       "The signature does not verify over this connection's nonce", re);
      return;
    }

  device = avd_store_get_device (self->store, fingerprint, &error);
  if (error != NULL)
    {
      g_warning ("device lookup failed: %s", error->message);
      avd_connection_send_error (connection, AVANUE_PROTOCOL_ERROR_INTERNAL, "Try again later", re);
      return;
    }
  if (device != NULL && device->blocked)
    {
      avd_connection_send_error (connection, AVANUE_PROTOCOL_ERROR_DEVICE_BLOCKED, "This device is blocked", re);
      avd_connection_close (connection, SOUP_WEBSOCKET_CLOSE_POLICY_VIOLATION, "device blocked");
      return;
    }

  record = avd_device_record_new ();
  record->fingerprint = g_strdup (fingerprint);
  record->public_key = g_strdup (public_key);
  record->device_name = g_strdup (member (message, "deviceName"));
  record->platform = g_strdup (member (message, "platform"));
  record->device_type = g_strdup (member (message, "deviceType"));
  if (!avd_store_upsert_device (self->store, record, &error))
    {
      g_warning ("device registration failed: %s", error->message);
      avd_connection_send_error (connection, AVANUE_PROTOCOL_ERROR_INTERNAL, "Try again later", re);
      return;
    }
  g_clear_pointer (&device, avd_device_record_free);
  device = avd_store_get_device (self->store, fingerprint, NULL);

  /* One live connection per device: a newer one replaces the older. */
  previous = g_hash_table_lookup (self->devices, fingerprint);
  if (previous != NULL && previous != connection)
    avd_connection_close (previous, SOUP_WEBSOCKET_CLOSE_NORMAL, "replaced by a newer connection");
  avd_connection_set_device (connection, fingerprint, record->device_name, record->platform, record->device_type);
  g_hash_table_replace (self->devices, g_strdup (fingerprint), connection);
  g_info ("device registered from %s", avd_connection_get_ip (connection));

  reply = avanue_protocol_build_device_registered (re, device != NULL ? device->id : fingerprint, fingerprint, 0);
  avd_connection_send (connection, reply);
}

static gboolean
is_later_feature (AvanueMessageType type)
{
  switch (type)
    {
    case AVANUE_MESSAGE_TYPE_PUBLISH_KEYS:
    case AVANUE_MESSAGE_TYPE_FETCH_KEYS:
    case AVANUE_MESSAGE_TYPE_ENCRYPTED_MESSAGE:
    case AVANUE_MESSAGE_TYPE_MESSAGE_ACK:
    case AVANUE_MESSAGE_TYPE_PAIR_REQUEST:
    case AVANUE_MESSAGE_TYPE_PAIR_ACCEPT:
    case AVANUE_MESSAGE_TYPE_PAIR_REJECT:
    case AVANUE_MESSAGE_TYPE_REGISTER_PUSH:
      return TRUE;
    default:
      return FALSE;
    }
}

static void
on_message (SoupWebsocketConnection *ws,
            int                      frame_type,
            GBytes                  *data,
            gpointer                 user_data)
{
  AvdConnection *connection = user_data;
  AvdSignalingServer *self = g_object_get_data (G_OBJECT (connection), "avd-server");
  gint64 now = g_get_monotonic_time ();
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) message = NULL;
  g_autofree char *id = NULL;
  AvanueMessageType type = AVANUE_MESSAGE_TYPE_UNKNOWN;
  gsize len;
  const char *text = g_bytes_get_data (data, &len);

  if (!avd_connection_take_token (connection, now) ||
      !avd_rate_limiter_take_message (self->limiter, avd_connection_get_ip (connection), now))
    {
      /* Dropped, but answered with re when the id can be read. */
      if (frame_type == SOUP_WEBSOCKET_DATA_TEXT)
        message = avanue_protocol_parse (self->protocol, text, len, NULL, &id, NULL);
      avd_connection_send_error (connection, AVANUE_PROTOCOL_ERROR_RATE_LIMITED, "Slow down", id);
      if (avd_connection_strike (connection, now) >= self->strike_limit)
        {
          g_message ("closing a connection from %s for exceeding its rate limit",
                     avd_connection_get_ip (connection));
          avd_connection_close (connection, SOUP_WEBSOCKET_CLOSE_POLICY_VIOLATION, "rate limit exceeded");
        }
      return;
    }

  if (frame_type != SOUP_WEBSOCKET_DATA_TEXT)
    {
      avd_connection_send_error (connection, AVANUE_PROTOCOL_ERROR_BAD_REQUEST,
                                 "Messages are JSON text frames", NULL);
      return;
    }

  message = avanue_protocol_parse (self->protocol, text, len, &type, &id, &error);
  if (message == NULL)
    {
      g_autoptr(JsonObject) reply = avanue_protocol_build_error_from_gerror (error, id);

      avd_connection_send (connection, reply);
      return;
    }

  if (type == AVANUE_MESSAGE_TYPE_PING)
    {
      send_pong (connection, id);
      return;
    }
  if (type == AVANUE_MESSAGE_TYPE_REGISTER_DEVICE)
    {
      handle_register (self, connection, message, id);
      return;
    }
  if (avd_connection_get_fingerprint (connection) == NULL)
    {
      avd_connection_send_error (connection, AVANUE_PROTOCOL_ERROR_NOT_REGISTERED,
                                 "Send REGISTER_DEVICE first", id);
      return;
    }
  if (is_later_feature (type))
    {
      avd_connection_send_error (connection, AVANUE_PROTOCOL_ERROR_UNSUPPORTED_TYPE,
                                 "This server does not offer that feature yet", id);
      return;
    }
  avd_session_manager_handle (self->sessions, connection, type, message, id);
}

static void
forget_connection (AvdSignalingServer *self,
                   AvdConnection      *connection)
{
  const char *fingerprint = avd_connection_get_fingerprint (connection);

  if (fingerprint != NULL && g_hash_table_lookup (self->devices, fingerprint) == connection)
    g_hash_table_remove (self->devices, fingerprint);
  avd_rate_limiter_connection_close (self->limiter, avd_connection_get_ip (connection));
  avd_session_manager_connection_closed (self->sessions, connection);
  g_signal_handlers_disconnect_by_data (avd_connection_get_websocket (connection), connection);
  g_hash_table_remove (self->connections, connection);
}

/* libsoup drops the socket without a closing handshake when a frame is
 * over its max-incoming-payload-size (it says so only through this
 * signal); send the 1009 that DESIGN §5 promises first.  The close frame
 * is written at once, before libsoup closes the stream. */
static void
on_error (SoupWebsocketConnection *ws,
          GError                  *error,
          gpointer                 user_data)
{
  AvdConnection *connection = user_data;

  if (g_error_matches (error, SOUP_WEBSOCKET_ERROR, SOUP_WEBSOCKET_CLOSE_TOO_BIG))
    avd_connection_close (connection, SOUP_WEBSOCKET_CLOSE_TOO_BIG, "frame too large");
}

static void
on_closed (SoupWebsocketConnection *ws,
           gpointer                 user_data)
{
  AvdConnection *connection = user_data;
  AvdSignalingServer *self = g_object_get_data (G_OBJECT (connection), "avd-server");

  forget_connection (self, connection);
}

static void
websocket_cb (SoupServer              *server,
              SoupServerMessage       *msg,
              const char              *path,
              SoupWebsocketConnection *ws,
              gpointer                 user_data)
{
  AvdSignalingServer *self = user_data;
  const char *ip = soup_server_message_get_remote_host (msg);
  g_autoptr(JsonObject) connected = NULL;
  AvdConnection *connection;

  if (ip == NULL)
    ip = "unknown";
  if (!avd_rate_limiter_connection_open (self->limiter, ip))
    {
      g_message ("refusing a connection from %s: too many from this address", ip);
      soup_websocket_connection_close (ws, SOUP_WEBSOCKET_CLOSE_POLICY_VIOLATION, "too many connections");
      return;
    }

  connection = avd_connection_new (ws, ip, self->rate, self->burst);
  g_object_set_data (G_OBJECT (connection), "avd-server", self);
  g_hash_table_add (self->connections, connection);

  /* Above this libsoup drops the connection (on_error() says 1009 first);
   * below it, oversized frames get ERROR TOO_LARGE from AvanueProtocol and
   * the connection stays. */
  soup_websocket_connection_set_max_incoming_payload_size (ws, HARD_FRAME_LIMIT);
  soup_websocket_connection_set_keepalive_interval (ws, self->heartbeat_seconds * 2);
  g_signal_connect (ws, "message", G_CALLBACK (on_message), connection);
  g_signal_connect (ws, "error", G_CALLBACK (on_error), connection);
  g_signal_connect (ws, "closed", G_CALLBACK (on_closed), connection);

  connected = avanue_protocol_build_connected (avd_connection_get_client_id (connection),
                                               "avanued/" PACKAGE_VERSION,
                                               avd_connection_get_nonce (connection),
                                               self->heartbeat_seconds);
  avd_connection_send (connection, connected);
}

/* Browsers must not open /v1/signal from a page of a foreign origin:
 * refuse the upgrade with 403 before libsoup accepts it. */
static void
signal_early_cb (SoupServer        *server,
                 SoupServerMessage *msg,
                 const char        *path,
                 GHashTable        *query,
                 gpointer           user_data)
{
  AvdSignalingServer *self = user_data;

  if (!avd_signaling_server_origin_allowed (self, msg))
    avd_http_server_send_error (msg, SOUP_STATUS_FORBIDDEN, "ORIGIN_NOT_ALLOWED",
                                "This origin may not use this server");
}

/* ---- ICE servers over HTTP --------------------------------------- */

static gboolean
cors (AvdSignalingServer *self,
      SoupServerMessage  *msg,
      const char         *methods)
{
  SoupMessageHeaders *request = soup_server_message_get_request_headers (msg);
  SoupMessageHeaders *response = soup_server_message_get_response_headers (msg);
  const char *origin = soup_message_headers_get_one (request, "Origin");

  if (origin == NULL)
    return TRUE;
  if (!avd_signaling_server_origin_allowed (self, msg))
    {
      avd_http_server_send_error (msg, SOUP_STATUS_FORBIDDEN, "ORIGIN_NOT_ALLOWED",
                                  "This origin may not use this server");
      return FALSE;
    }
  soup_message_headers_replace (response, "Access-Control-Allow-Origin", origin);
  soup_message_headers_append (response, "Vary", "Origin");
  if (g_str_equal (soup_server_message_get_method (msg), "OPTIONS"))
    {
      soup_message_headers_replace (response, "Access-Control-Allow-Methods", methods);
      soup_message_headers_replace (response, "Access-Control-Allow-Headers", "Authorization, Content-Type");
      soup_message_headers_replace (response, "Access-Control-Max-Age", "600");
    }
  return TRUE;
}

/* The tier a bearer token grants: a licence key, or a JWT whose `tier`
 * claim names one (default pro).  No token: the free tier, if allowed. */
static const AvdTier *
authorize (AvdSignalingServer  *self,
           SoupServerMessage   *msg,
           char               **out_account,
           GError             **error)
{
  const char *auth = soup_message_headers_get_one (soup_server_message_get_request_headers (msg),
                                                   "Authorization");
  const char *token;

  if (auth == NULL)
    {
      if (!avd_license_service_allow_anonymous (self->licenses))
        {
          g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED, "A bearer token is required");
          return NULL;
        }
      *out_account = g_strdup ("anonymous");
      return avd_license_service_get_tier (self->licenses, "free");
    }
  if (g_ascii_strncasecmp (auth, "Bearer ", 7) != 0)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED, "Use Authorization: Bearer");
      return NULL;
    }
  token = auth + 7;
  while (*token == ' ')
    token++;

  if (g_str_has_prefix (token, "avl_"))
    {
      g_autoptr(AvdLicense) license = avd_license_service_validate (self->licenses, token, error);

      if (license == NULL)
        return NULL;
      *out_account = g_strconcat ("license-", license->id, NULL);
      return license->tier;
    }
  else
    {
      g_autoptr(JsonObject) claims = avd_jwt_verify (token, self->jwt_secret, self->jwt_public_key,
                                                     g_get_real_time () / G_USEC_PER_SEC, error);
      const char *tier_name;
      const AvdTier *tier;

      if (claims == NULL)
        return NULL;
      tier_name = json_object_get_string_member_with_default (claims, "tier", "pro");
      tier = avd_license_service_get_tier (self->licenses, tier_name);
      if (tier == NULL)
        {
          g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED, "Unknown tier in token");
          return NULL;
        }
      *out_account = g_strconcat ("jwt-", json_object_get_string_member_with_default (claims, "sub", "user"), NULL);
      return tier;
    }
}

static void
ice_servers_cb (SoupServer        *server,
                SoupServerMessage *msg,
                const char        *path,
                GHashTable        *query,
                gpointer           user_data)
{
  AvdSignalingServer *self = user_data;
  const char *method = soup_server_message_get_method (msg);
  gboolean post_path = g_str_equal (path, "/turn/credentials");
  const char *allowed = post_path ? "POST, OPTIONS" : "GET, OPTIONS";
  g_autoptr(JsonBuilder) builder = NULL;
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *account = NULL;
  const char * const *stun;
  const char * const *turn;
  const AvdTier *tier;

  if (!cors (self, msg, "GET, POST, OPTIONS"))
    return;
  if (g_str_equal (method, "OPTIONS"))
    {
      soup_server_message_set_status (msg, SOUP_STATUS_NO_CONTENT, NULL);
      return;
    }
  if (!g_str_equal (method, post_path ? "POST" : "GET"))
    {
      soup_message_headers_replace (soup_server_message_get_response_headers (msg), "Allow", allowed);
      avd_http_server_send_error (msg, SOUP_STATUS_METHOD_NOT_ALLOWED, "METHOD_NOT_ALLOWED",
                                  post_path ? "Use POST" : "Use GET");
      return;
    }
  if (!avd_rate_limiter_take_message (self->limiter, soup_server_message_get_remote_host (msg),
                                      g_get_monotonic_time ()))
    {
      avd_http_server_send_error (msg, 429 /* Too Many Requests */, "RATE_LIMITED", "Slow down");
      return;
    }
  tier = authorize (self, msg, &account, &error);
  if (tier == NULL)
    {
      soup_message_headers_replace (soup_server_message_get_response_headers (msg),
                                    "WWW-Authenticate", "Bearer");
      avd_http_server_send_error (msg, SOUP_STATUS_UNAUTHORIZED, "UNAUTHORIZED", error->message);
      return;
    }

  stun = avd_ice_get_stun_urls (self->ice);
  turn = avd_ice_get_turn_urls (self->ice);
  builder = json_builder_new ();
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "iceServers");
  json_builder_begin_array (builder);
  if (stun[0] != NULL)
    {
      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "urls");
      json_builder_begin_array (builder);
      for (gsize i = 0; stun[i] != NULL; i++)
        json_builder_add_string_value (builder, stun[i]);
      json_builder_end_array (builder);
      json_builder_end_object (builder);
    }
  if (tier->turn && turn[0] != NULL)
    {
      g_autoptr(AvanueTurnCredentials) creds = avd_ice_issue (self->ice, account);

      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "urls");
      json_builder_begin_array (builder);
      for (gsize i = 0; turn[i] != NULL; i++)
        json_builder_add_string_value (builder, turn[i]);
      json_builder_end_array (builder);
      json_builder_set_member_name (builder, "username");
      json_builder_add_string_value (builder, avanue_turn_credentials_get_username (creds));
      json_builder_set_member_name (builder, "credential");
      json_builder_add_string_value (builder, avanue_turn_credentials_get_password (creds));
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);
  json_builder_set_member_name (builder, "ttl");
  json_builder_add_int_value (builder, avd_ice_get_ttl_seconds (self->ice));
  json_builder_set_member_name (builder, "tier");
  json_builder_add_string_value (builder, tier->name);
  json_builder_end_object (builder);
  root = json_builder_get_root (builder);
  avd_http_server_send_json (msg, SOUP_STATUS_OK, root);
}

static gboolean
expire_cb (gpointer user_data)
{
  AvdSignalingServer *self = user_data;

  avd_rate_limiter_expire (self->limiter, g_get_monotonic_time ());
  return G_SOURCE_CONTINUE;
}

AvdSignalingServer *
avd_signaling_server_new (AvdConfig         *config,
                          SoupServer        *soup,
                          AvdStore          *store,
                          AvdLicenseService *licenses,
                          AvdSessionManager *sessions,
                          AvdIce            *ice,
                          AvdRateLimiter    *limiter)
{
  AvdSignalingServer *self = g_object_new (AVD_TYPE_SIGNALING_SERVER, NULL);
  int max_frame = avd_config_get_int (config, "limits", "max-frame-bytes");

  self->soup = g_object_ref (soup);
  self->store = g_object_ref (store);
  self->licenses = g_object_ref (licenses);
  self->sessions = g_object_ref (sessions);
  self->ice = g_object_ref (ice);
  self->limiter = g_object_ref (limiter);
  self->allowed_origins = avd_config_get_list (config, "server", "allowed-origins");
  self->jwt_secret = avd_config_get_string (config, "licensing", "jwt-hs256-secret");
  self->jwt_public_key = avd_config_get_string (config, "licensing", "jwt-ed25519-public-key");
  self->rate = avd_config_get_int (config, "limits", "messages-per-second");
  self->burst = avd_config_get_int (config, "limits", "message-burst");
  self->strike_limit = MAX (avd_config_get_int (config, "limits", "rate-limit-strikes"), 1);
  self->heartbeat_seconds = 25;

  self->protocol = avanue_protocol_new ();
  avanue_protocol_set_max_frame_bytes (self->protocol, CLAMP (max_frame, 1024, HARD_FRAME_LIMIT));
  avanue_protocol_set_max_sdp_bytes (self->protocol, avd_config_get_int (config, "limits", "max-sdp-bytes"));
  avanue_protocol_set_max_candidate_bytes (self->protocol,
                                           avd_config_get_int (config, "limits", "max-candidate-bytes"));
  avanue_protocol_set_max_payload_bytes (self->protocol,
                                         avd_config_get_int (config, "limits", "max-payload-bytes"));

  soup_server_add_early_handler (soup, "/v1/signal", signal_early_cb, self, NULL);
  soup_server_add_websocket_handler (soup, "/v1/signal", NULL, NULL, websocket_cb, self, NULL);
  soup_server_add_handler (soup, "/v1/ice-servers", ice_servers_cb, self, NULL);
  soup_server_add_handler (soup, "/webrtc/ice-servers", ice_servers_cb, self, NULL);
  soup_server_add_handler (soup, "/turn/credentials", ice_servers_cb, self, NULL);
  self->expire_id = g_timeout_add_seconds (60, expire_cb, self);
  return self;
}

/* Graceful shutdown: every client hears 1001 "going away" and will rejoin
 * (here after the restart, or on another node).  Sessions are not ended.
 * Connections are forgotten as their closing handshakes complete; the
 * engine keeps the loop running briefly for that. */
void
avd_signaling_server_shutdown (AvdSignalingServer *self)
{
  GHashTableIter iter;
  AvdConnection *connection;

  soup_server_remove_handler (self->soup, "/v1/signal");
  g_hash_table_iter_init (&iter, self->connections);
  while (g_hash_table_iter_next (&iter, (gpointer *) &connection, NULL))
    avd_connection_close (connection, SOUP_WEBSOCKET_CLOSE_GOING_AWAY, "server restarting");
}

/* ---- administration (D-Bus) --------------------------------------- */

static gboolean
set_blocked (AvdSignalingServer  *self,
             const char          *fingerprint,
             gboolean             blocked,
             GError             **error)
{
  g_autoptr(GError) local_error = NULL;

  if (fingerprint == NULL || !avanue_protocol_is_valid_fingerprint (fingerprint))
    {
      g_set_error_literal (error, AVD_ERROR, AVD_ERROR_INVALID_ARGUMENT,
                           "A fingerprint is 64 lowercase hexadecimal characters");
      return FALSE;
    }
  if (!avd_store_set_device_blocked (self->store, fingerprint, blocked, &local_error))
    {
      if (g_error_matches (local_error, AVD_STORE_ERROR, AVD_STORE_ERROR_NOT_FOUND))
        g_set_error (error, AVD_ERROR, AVD_ERROR_DEVICE_NOT_FOUND,
                     "No device with the fingerprint %s ever registered", fingerprint);
      else
        g_set_error (error, AVD_ERROR, AVD_ERROR_FAILED, "The store failed: %s", local_error->message);
      return FALSE;
    }
  return TRUE;
}

/**
 * avd_signaling_server_block_device:
 * @self: the signaling server
 * @fingerprint: a registered device's fingerprint
 * @error: return location for an error
 *
 * Blocks the device in the store; if it is connected, it gets ERROR
 * DEVICE_BLOCKED and its connection is closed with 1008.  REGISTER_DEVICE
 * refuses it until avd_signaling_server_unblock_device().  Emits
 * AvdSignalingServer::device-blocked.
 *
 * Returns: TRUE, or FALSE with %AVD_ERROR_INVALID_ARGUMENT,
 *   %AVD_ERROR_DEVICE_NOT_FOUND or %AVD_ERROR_FAILED
 */
gboolean
avd_signaling_server_block_device (AvdSignalingServer  *self,
                                   const char          *fingerprint,
                                   GError             **error)
{
  AvdConnection *connection;

  g_return_val_if_fail (AVD_IS_SIGNALING_SERVER (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!set_blocked (self, fingerprint, TRUE, error))
    return FALSE;
  g_message ("a device was blocked");
  connection = g_hash_table_lookup (self->devices, fingerprint);
  if (connection != NULL)
    {
      avd_connection_send_error (connection, AVANUE_PROTOCOL_ERROR_DEVICE_BLOCKED, "This device is blocked", NULL);
      avd_connection_close (connection, SOUP_WEBSOCKET_CLOSE_POLICY_VIOLATION, "device blocked");
    }
  g_signal_emit (self, signals[SIGNAL_DEVICE_BLOCKED], 0, fingerprint, TRUE);
  return TRUE;
}

/**
 * avd_signaling_server_unblock_device:
 * @self: the signaling server
 * @fingerprint: a registered device's fingerprint
 * @error: return location for an error
 *
 * Lets a blocked device register again.  Emits
 * AvdSignalingServer::device-blocked with @blocked FALSE.
 *
 * Returns: TRUE, or FALSE as avd_signaling_server_block_device()
 */
gboolean
avd_signaling_server_unblock_device (AvdSignalingServer  *self,
                                     const char          *fingerprint,
                                     GError             **error)
{
  g_return_val_if_fail (AVD_IS_SIGNALING_SERVER (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!set_blocked (self, fingerprint, FALSE, error))
    return FALSE;
  g_message ("a device was unblocked");
  g_signal_emit (self, signals[SIGNAL_DEVICE_BLOCKED], 0, fingerprint, FALSE);
  return TRUE;
}

/**
 * avd_signaling_server_reload_config:
 * @self: the signaling server
 * @config: the configuration, just re-read
 *
 * Applies from now on: [server] allowed-origins, the [licensing] JWT keys,
 * [limits] messages-per-second, message-burst and rate-limit-strikes (for
 * new connections) and the size limits (for every message).
 */
void
avd_signaling_server_reload_config (AvdSignalingServer *self,
                                    AvdConfig          *config)
{
  int max_frame = avd_config_get_int (config, "limits", "max-frame-bytes");

  g_return_if_fail (AVD_IS_SIGNALING_SERVER (self));

  g_strfreev (self->allowed_origins);
  self->allowed_origins = avd_config_get_list (config, "server", "allowed-origins");
  g_free (self->jwt_secret);
  self->jwt_secret = avd_config_get_string (config, "licensing", "jwt-hs256-secret");
  g_free (self->jwt_public_key);
  self->jwt_public_key = avd_config_get_string (config, "licensing", "jwt-ed25519-public-key");
  self->rate = avd_config_get_int (config, "limits", "messages-per-second");
  self->burst = avd_config_get_int (config, "limits", "message-burst");
  self->strike_limit = MAX (avd_config_get_int (config, "limits", "rate-limit-strikes"), 1);
  avanue_protocol_set_max_frame_bytes (self->protocol, CLAMP (max_frame, 1024, HARD_FRAME_LIMIT));
  avanue_protocol_set_max_sdp_bytes (self->protocol, avd_config_get_int (config, "limits", "max-sdp-bytes"));
  avanue_protocol_set_max_candidate_bytes (self->protocol,
                                           avd_config_get_int (config, "limits", "max-candidate-bytes"));
  avanue_protocol_set_max_payload_bytes (self->protocol,
                                         avd_config_get_int (config, "limits", "max-payload-bytes"));
}
