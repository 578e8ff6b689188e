/* SPDX-License-Identifier: LGPL-2.1-or-later */
/**
 * AvanueSignalingClient:
 *
 * A client of avanued's signaling protocol (DESIGN §5): a WebSocket
 * (libsoup) to `ws://host:port/v1/signal` or `wss://…`, on which the
 * device registers with its [class@Avanue.Identity], creates, joins and
 * rejoins sessions, and relays SDP, ICE candidates and application
 * messages to the other participants.
 *
 * ## Connecting
 *
 * [method@Avanue.SignalingClient.connect_async] opens the WebSocket, waits
 * for the server's `CONNECTED`, and answers with `REGISTER_DEVICE`, signed
 * with the device's Ed25519 key over `"AVANUE1 REGISTER " + nonce`. It
 * finishes when the server answers `DEVICE_REGISTERED`, or fails with the
 * server's `ERROR` as an [error@Avanue.ProtocolError], or with a
 * [error@Gio.IOErrorEnum] when the connection fails or no answer comes in
 * time ([property@Avanue.SignalingClient:request-timeout]). The first
 * connection is not retried: the caller sees why it failed.
 *
 * Once registered the client sends `PING` every `heartbeatSeconds` (from
 * `CONNECTED`); a heartbeat that gets no `PONG` in time counts as a lost
 * connection.
 *
 * ## Reconnecting
 *
 * When a registered connection is lost without
 * [method@Avanue.SignalingClient.disconnect] — the network went away, a
 * heartbeat went unanswered, or the server closed it, for instance with
 * 1001 "going away" as avanued does when it restarts — and
 * [property@Avanue.SignalingClient:auto-reconnect] is set, the state goes
 * back to %AVANUE_SIGNALING_STATE_CONNECTING and the client tries again
 * after 250 ms, doubling the delay up to 30 s, each delay with random
 * jitter (half to all of it). After registering again it rejoins the
 * session it was in (`REJOIN_SESSION`): the session is updated from
 * `SESSION_REJOINED`, the events it missed (`missedEvents`) are emitted
 * through the usual signals in order, and then
 * [signal@Avanue.SignalingClient::rejoined]. If the server says the
 * session is gone (`SESSION_NOT_FOUND`, `SESSION_ENDED`, `NOT_IN_SESSION`,
 * `FORBIDDEN`), the client emits
 * [signal@Avanue.SignalingClient::session-ended] with that code as the
 * reason and forgets the session. A registration refused with
 * `BAD_SIGNATURE` or `DEVICE_BLOCKED` stops reconnecting.
 *
 * ## Requests and events
 *
 * Requests carry an `id` unique on the connection; the answer that carries
 * the same `re` completes them, an `ERROR` answer as an
 * [error@Avanue.ProtocolError] with the server's code and message. A
 * request whose connection is lost fails with
 * %G_IO_ERROR_CONNECTION_CLOSED; one that gets no answer within the
 * request timeout with %G_IO_ERROR_TIMED_OUT. Relayed messages (SDP, ICE
 * candidates, application messages, capability updates, statistics) are
 * sent without waiting: their functions fail only for local reasons (not
 * registered, not in that session, a message the protocol would refuse);
 * an `ERROR` the server sends about them, like any `ERROR` that answers
 * no pending request, is emitted as
 * [signal@Avanue.SignalingClient::server-error].
 *
 * Every valid message from the server is emitted as
 * [signal@Avanue.SignalingClient::message] (detailed with its type, such
 * as `message::SDP_OFFER`), and each event also through its own signal.
 * Messages that fail validation are dropped (and fail the request they
 * answer, if any). Events for a session other than the current one are
 * dropped after [signal@Avanue.SignalingClient::message].
 *
 * Incoming frames may be up to 8 MiB (a `SESSION_REJOINED` carries the
 * missed events); the other limits are those of
 * [property@Avanue.SignalingClient:protocol], which also checks outgoing
 * messages before they are sent.
 *
 * The client logs message types at debug level, never their contents.
 * Use it from the thread whose thread-default main context was current
 * when it was created; its callbacks and signals run there.
 *
 * Since: 0.1
 */
#include "config.h"

#include <libsoup/soup.h>

#include "avanue-enum-types.h"
#include "avanue-participant-private.h"
#include "avanue-session-private.h"
#include "avanue-signaling-client-private.h"

#define DEFAULT_REQUEST_TIMEOUT_SECONDS 15
#define DEFAULT_HEARTBEAT_SECONDS 25
#define DEFAULT_RECONNECT_MIN_MS 250
#define DEFAULT_RECONNECT_MAX_MS 30000
#define MAX_INCOMING_FRAME_BYTES (8 * 1024 * 1024)
#define MAX_DEVICE_NAME_CHARS 100

typedef struct _PendingRequest PendingRequest;

struct _AvanueSignalingClient
{
  GObject parent_instance;

  /* configuration */
  char *uri;
  AvanueIdentity *identity;
  char *device_name;
  AvanuePlatform platform;
  AvanueDeviceType device_type;
  gboolean auto_reconnect;
  guint request_timeout;
  guint reconnect_min_ms;
  guint reconnect_max_ms;

  /* state */
  AvanueSignalingState state;
  char *client_id;
  AvanueSession *session;
  AvanueProtocol *protocol;
  AvanueCapabilities *capabilities;     /* last sent, for REJOIN_SESSION */

  /* the connection */
  SoupSession *soup;
  SoupWebsocketConnection *ws;
  GCancellable *attempt_cancellable;
  guint attempt_timeout_id;
  char *register_id;                    /* while waiting for DEVICE_REGISTERED */
  gboolean registered;
  GTask *connect_task;                  /* the caller's connect_async */
  gulong connect_cancelled_id;
  guint heartbeat_seconds;
  guint heartbeat_id;
  guint reconnect_id;
  guint reconnect_attempt;
  gboolean stop_reconnecting;

  guint64 next_request;
  GHashTable *pending;                  /* id → PendingRequest */
};

struct _PendingRequest
{
  AvanueSignalingClient *client;        /* not a reference: the client owns us */
  char *id;
  AvanueMessageType type;
  GTask *task;                          /* NULL for the client's own requests */
  GCancellable *cancellable;
  gulong cancelled_id;
  guint timeout_id;
  char *session_id;                     /* LEAVE, END, REJOIN, REQUEST_TURN */
  char *invite_code;                    /* JOIN */
  AvanueCapabilities *capabilities;     /* CREATE, JOIN, REJOIN */
  gboolean licensed;                    /* CREATE */
};

G_DEFINE_FINAL_TYPE (AvanueSignalingClient, avanue_signaling_client, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_URI,
  PROP_IDENTITY,
  PROP_DEVICE_NAME,
  PROP_PLATFORM,
  PROP_DEVICE_TYPE,
  PROP_AUTO_RECONNECT,
  PROP_REQUEST_TIMEOUT,
  PROP_STATE,
  PROP_CLIENT_ID,
  PROP_SESSION,
  PROP_PROTOCOL,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

enum {
  SIGNAL_MESSAGE,
  SIGNAL_SESSION_ENDED,
  SIGNAL_PARTICIPANT_JOINED,
  SIGNAL_PARTICIPANT_OFFLINE,
  SIGNAL_PARTICIPANT_LEFT,
  SIGNAL_HUB_ELECTED,
  SIGNAL_ROLE_CHANGED,
  SIGNAL_SDP_OFFER,
  SIGNAL_SDP_ANSWER,
  SIGNAL_ICE_CANDIDATE,
  SIGNAL_APP_MESSAGE,
  SIGNAL_TURN_CREDENTIALS,
  SIGNAL_SERVER_ERROR,
  SIGNAL_REJOINED,
  SIGNAL_ACCEPT_CERTIFICATE,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void start_attempt (AvanueSignalingClient *self);
static void connection_failed (AvanueSignalingClient *self,
                               const GError          *error);
static void dispatch_event (AvanueSignalingClient *self,
                            AvanueMessageType      type,
                            JsonObject            *message);

/* ------------------------------------------------------------------------
 * Small helpers
 * ------------------------------------------------------------------------ */

static const char *
get_string (JsonObject *object,
            const char *name)
{
  JsonNode *node = json_object_get_member (object, name);

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;
  return json_node_get_string (node);
}

static gint64
get_int (JsonObject *object,
         const char *name,
         gint64      fallback)
{
  JsonNode *node = json_object_get_member (object, name);

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_INT64)
    return fallback;
  return json_node_get_int (node);
}

static const char *
state_name (AvanueSignalingState state)
{
  g_autoptr(GEnumClass) klass = g_type_class_ref (AVANUE_TYPE_SIGNALING_STATE);
  GEnumValue *value = g_enum_get_value (klass, state);

  return value != NULL ? value->value_nick : "?";
}

static void
set_state (AvanueSignalingClient *self,
           AvanueSignalingState   state)
{
  if (self->state == state)
    return;
  g_debug ("signaling state: %s -> %s", state_name (self->state), state_name (state));
  self->state = state;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE]);
}

static void
set_client_id (AvanueSignalingClient *self,
               const char            *client_id)
{
  if (g_strcmp0 (self->client_id, client_id) == 0)
    return;
  g_free (self->client_id);
  self->client_id = g_strdup (client_id);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CLIENT_ID]);
}

static void
set_session (AvanueSignalingClient *self,
             AvanueSession         *session)
{
  if (g_set_object (&self->session, session))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SESSION]);
}

/* The current session if @message is about it; NULL (and a debug line)
 * otherwise. */
static AvanueSession *
session_for (AvanueSignalingClient *self,
             AvanueMessageType      type,
             JsonObject            *message)
{
  const char *session_id = get_string (message, "sessionId");

  if (self->session != NULL && g_strcmp0 (session_id, avanue_session_get_session_id (self->session)) == 0)
    return self->session;
  g_debug ("dropping %s: not for the current session", avanue_message_type_to_string (type));
  return NULL;
}

static AvanueCapabilities *
default_capabilities (AvanueSignalingClient *self)
{
  AvanueCapabilities *capabilities;

  if (self->capabilities != NULL)
    return g_object_ref (self->capabilities);
  capabilities = avanue_capabilities_new ();
  avanue_capabilities_set_platform (capabilities, self->platform);
  avanue_capabilities_set_device_type (capabilities, self->device_type);
  return capabilities;
}

/* @text cut to MAX_DEVICE_NAME_CHARS characters. */
static char *
cut_device_name (const char *text)
{
  return g_utf8_substring (text, 0, MIN (g_utf8_strlen (text, -1), MAX_DEVICE_NAME_CHARS));
}

static char *
default_device_name (void)
{
  const char *host = g_get_host_name ();

  if (host == NULL || *host == '\0' || !g_utf8_validate (host, -1, NULL))
    return g_strdup ("Linux device");
  return cut_device_name (host);
}

/* ------------------------------------------------------------------------
 * Sending
 * ------------------------------------------------------------------------ */

static gboolean
check_registered (AvanueSignalingClient  *self,
                  GError                **error)
{
  if (self->state != AVANUE_SIGNALING_STATE_REGISTERED || self->ws == NULL ||
      soup_websocket_connection_get_state (self->ws) != SOUP_WEBSOCKET_STATE_OPEN)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_CONNECTED,
                           "not connected to the signaling server");
      return FALSE;
    }
  return TRUE;
}

/* Validates @message as the server will and sends it. */
static gboolean
send_message (AvanueSignalingClient  *self,
              JsonObject             *message,
              GError                **error)
{
  g_autofree char *text = NULL;
  AvanueMessageType type;

  if (self->ws == NULL || soup_websocket_connection_get_state (self->ws) != SOUP_WEBSOCKET_STATE_OPEN)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_CONNECTED,
                           "not connected to the signaling server");
      return FALSE;
    }
  if (!avanue_protocol_validate (self->protocol, message, AVANUE_MESSAGE_DIRECTION_CLIENT_TO_SERVER,
                                 &type, error))
    return FALSE;

  text = avanue_protocol_to_text (message);
  g_debug ("sending %s", avanue_message_type_to_string (type));
  soup_websocket_connection_send_text (self->ws, text);
  return TRUE;
}

/* ------------------------------------------------------------------------
 * Pending requests
 * ------------------------------------------------------------------------ */

static void
pending_request_free (PendingRequest *pending)
{
  g_clear_handle_id (&pending->timeout_id, g_source_remove);
  if (pending->cancelled_id != 0)
    g_cancellable_disconnect (pending->cancellable, pending->cancelled_id);
  g_clear_object (&pending->cancellable);
  g_clear_object (&pending->task);
  g_clear_object (&pending->capabilities);
  g_free (pending->id);
  g_free (pending->session_id);
  g_free (pending->invite_code);
  g_free (pending);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PendingRequest, pending_request_free)

/* Takes @id out of the table: the caller completes and frees it. */
static PendingRequest *
take_pending (AvanueSignalingClient *self,
              const char            *id)
{
  PendingRequest *pending = NULL;

  if (id == NULL || !g_hash_table_steal_extended (self->pending, id, NULL, (gpointer *) &pending))
    return NULL;
  g_clear_handle_id (&pending->timeout_id, g_source_remove);
  return pending;
}

static PendingRequest *
find_pending (AvanueSignalingClient *self,
              AvanueMessageType      type,
              const char            *session_id)
{
  GHashTableIter iter;
  PendingRequest *pending;

  g_hash_table_iter_init (&iter, self->pending);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &pending))
    {
      if (pending->type == type && g_strcmp0 (pending->session_id, session_id) == 0)
        return pending;
    }
  return NULL;
}

static gboolean
is_session_gone (const GError *error)
{
  return g_error_matches (error, AVANUE_PROTOCOL_ERROR, AVANUE_PROTOCOL_ERROR_SESSION_NOT_FOUND) ||
         g_error_matches (error, AVANUE_PROTOCOL_ERROR, AVANUE_PROTOCOL_ERROR_SESSION_ENDED) ||
         g_error_matches (error, AVANUE_PROTOCOL_ERROR, AVANUE_PROTOCOL_ERROR_NOT_IN_SESSION) ||
         g_error_matches (error, AVANUE_PROTOCOL_ERROR, AVANUE_PROTOCOL_ERROR_FORBIDDEN);
}

/* The session was found gone: end it locally. */
static void
end_session_locally (AvanueSignalingClient *self,
                     AvanueSession         *session,
                     const char            *reason)
{
  /* set_session() may drop the last other reference */
  g_autoptr(AvanueSession) ended = g_object_ref (session);

  avanue_session_mark_ended (ended, reason);
  if (self->session == ended)
    set_session (self, NULL);
  g_signal_emit (self, signals[SIGNAL_SESSION_ENDED], 0, avanue_session_get_session_id (ended), reason);
}

/* Completes @pending (already taken out of the table) with @error. */
static void
fail_pending (AvanueSignalingClient *self,
              PendingRequest        *pending,
              const GError          *error)
{
  if (pending->type == AVANUE_MESSAGE_TYPE_REJOIN_SESSION &&
      error->domain == AVANUE_PROTOCOL_ERROR &&
      self->session != NULL &&
      g_strcmp0 (avanue_session_get_session_id (self->session), pending->session_id) == 0)
    {
      if (is_session_gone (error))
        end_session_locally (self, self->session,
                             avanue_protocol_error_to_string ((AvanueProtocolError) error->code));
      else if (pending->task == NULL)
        g_signal_emit (self, signals[SIGNAL_SERVER_ERROR], 0, error->code, error->message);
    }

  if (pending->task != NULL)
    {
      g_task_return_error (pending->task, g_error_copy (error));
    }
  else if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT) && self->registered)
    {
      /* The client's own request (heartbeat, automatic rejoin) got no
       * answer: the connection is not working; start over. */
      g_debug ("%s timed out: reconnecting", avanue_message_type_to_string (pending->type));
      connection_failed (self, error);
    }
  pending_request_free (pending);
}

static gboolean
on_request_timeout (gpointer user_data)
{
  PendingRequest *pending = user_data;
  AvanueSignalingClient *self = pending->client;
  g_autoptr(GError) error = NULL;

  pending->timeout_id = 0;
  pending = take_pending (self, pending->id);
  g_assert (pending != NULL);
  error = g_error_new (G_IO_ERROR, G_IO_ERROR_TIMED_OUT,
                       "no answer to %s within %u s",
                       avanue_message_type_to_string (pending->type), self->request_timeout);
  fail_pending (self, pending, error);
  return G_SOURCE_REMOVE;
}

typedef struct
{
  GTask *task;
  char *id;
} CancelData;

static void
cancel_data_free (gpointer data)
{
  CancelData *cancel = data;

  g_object_unref (cancel->task);
  g_free (cancel->id);
  g_free (cancel);
}

static gboolean
cancel_idle_cb (gpointer user_data)
{
  CancelData *cancel = user_data;
  AvanueSignalingClient *self = g_task_get_source_object (cancel->task);
  PendingRequest *pending = g_hash_table_lookup (self->pending, cancel->id);
  g_autoptr(GError) error = NULL;

  if (pending == NULL || pending->task != cancel->task)
    return G_SOURCE_REMOVE;
  pending = take_pending (self, cancel->id);
  g_set_error_literal (&error, G_IO_ERROR, G_IO_ERROR_CANCELLED, "the request was cancelled");
  fail_pending (self, pending, error);
  return G_SOURCE_REMOVE;
}

/* May run in any thread: completes the request in its task's context. */
static void
on_request_cancelled (GCancellable *cancellable,
                      gpointer      user_data)
{
  PendingRequest *pending = user_data;
  CancelData *cancel = g_new0 (CancelData, 1);
  g_autoptr(GSource) source = g_idle_source_new ();

  cancel->task = g_object_ref (pending->task);
  cancel->id = g_strdup (pending->id);
  g_source_set_priority (source, G_PRIORITY_DEFAULT);
  g_source_set_callback (source, cancel_idle_cb, cancel, cancel_data_free);
  g_source_attach (source, g_task_get_context (pending->task));
}

static char *
new_request_id (AvanueSignalingClient *self)
{
  return g_strdup_printf ("r%" G_GUINT64_FORMAT, ++self->next_request);
}

/* Sends @message (which carries @pending's id) and remembers @pending
 * until the answer comes. On failure @pending is completed with the
 * error. */
static void
send_request (AvanueSignalingClient *self,
              PendingRequest        *pending,
              JsonObject            *message)
{
  g_autoptr(GError) error = NULL;

  pending->client = self;
  if (!send_message (self, message, &error))
    {
      fail_pending (self, pending, error);
      return;
    }
  pending->timeout_id = g_timeout_add_seconds (self->request_timeout, on_request_timeout, pending);
  g_hash_table_insert (self->pending, pending->id, pending);
  if (pending->task != NULL && g_task_get_cancellable (pending->task) != NULL)
    {
      pending->cancellable = g_object_ref (g_task_get_cancellable (pending->task));
      pending->cancelled_id = g_cancellable_connect (pending->cancellable,
                                                     G_CALLBACK (on_request_cancelled),
                                                     pending, NULL);
    }
}

static PendingRequest *
pending_request_new (AvanueSignalingClient *self,
                     AvanueMessageType      type,
                     GTask                 *task)
{
  PendingRequest *pending = g_new0 (PendingRequest, 1);

  pending->client = self;
  pending->id = new_request_id (self);
  pending->type = type;
  pending->task = task != NULL ? g_object_ref (task) : NULL;
  return pending;
}

/* Fails every pending request: the connection they were sent on is gone. */
static void
fail_all_pending (AvanueSignalingClient *self,
                  const GError          *error)
{
  g_autoptr(GPtrArray) all = g_ptr_array_new ();
  GHashTableIter iter;
  PendingRequest *pending;

  g_hash_table_iter_init (&iter, self->pending);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &pending))
    {
      g_hash_table_iter_steal (&iter);
      g_clear_handle_id (&pending->timeout_id, g_source_remove);
      g_ptr_array_add (all, pending);
    }
  for (guint i = 0; i < all->len; i++)
    {
      g_autoptr(PendingRequest) owned = g_ptr_array_index (all, i);

      if (owned->task != NULL)
        g_task_return_error (owned->task, g_error_copy (error));
    }
}

/* ------------------------------------------------------------------------
 * The connection
 * ------------------------------------------------------------------------ */

static void
stop_heartbeat (AvanueSignalingClient *self)
{
  g_clear_handle_id (&self->heartbeat_id, g_source_remove);
}

static gboolean
unref_idle_cb (gpointer data)
{
  g_object_unref (data);
  return G_SOURCE_REMOVE;
}

/* Drops our reference to @object from the main loop: we may be inside one
 * of its signal emissions, and libsoup may still use it when it returns. */
static void
unref_later (gpointer object)
{
  g_idle_add_full (G_PRIORITY_DEFAULT_IDLE, unref_idle_cb, object, NULL);
}

/* Forgets the WebSocket (closing it with @close_code if it is open) and
 * everything tied to it. Pending requests are not touched. */
static void
drop_websocket (AvanueSignalingClient *self,
                gushort                close_code)
{
  g_clear_handle_id (&self->attempt_timeout_id, g_source_remove);
  stop_heartbeat (self);
  if (self->attempt_cancellable != NULL)
    {
      g_cancellable_cancel (self->attempt_cancellable);
      g_clear_object (&self->attempt_cancellable);
    }
  g_clear_pointer (&self->register_id, g_free);
  self->registered = FALSE;

  if (self->ws != NULL)
    {
      SoupWebsocketConnection *ws = g_steal_pointer (&self->ws);

      g_signal_handlers_disconnect_by_data (ws, self);
      if (soup_websocket_connection_get_state (ws) == SOUP_WEBSOCKET_STATE_OPEN)
        {
          /* Let the close handshake finish on its own; libsoup gives up
           * on an unresponsive peer after a few seconds. */
          g_signal_connect (ws, "closed", G_CALLBACK (unref_later), NULL);
          soup_websocket_connection_close (ws, close_code, NULL);
        }
      else
        {
          unref_later (ws);
        }
    }
}

static void
clear_connect_task (AvanueSignalingClient *self)
{
  if (self->connect_cancelled_id != 0)
    {
      g_cancellable_disconnect (g_task_get_cancellable (self->connect_task), self->connect_cancelled_id);
      self->connect_cancelled_id = 0;
    }
}

static void complete_connect_task (AvanueSignalingClient *self,
                                   const GError          *error);

/* The caller cancelled connect_async: give up on this connection. */
static void
cancel_connect (AvanueSignalingClient *self)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GError) closed = NULL;

  g_set_error_literal (&error, G_IO_ERROR, G_IO_ERROR_CANCELLED, "connecting was cancelled");
  drop_websocket (self, SOUP_WEBSOCKET_CLOSE_NORMAL);
  set_state (self, AVANUE_SIGNALING_STATE_DISCONNECTED);
  complete_connect_task (self, error);
  closed = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CONNECTION_CLOSED, "connecting was cancelled");
  fail_all_pending (self, closed);
}

static void
complete_connect_task (AvanueSignalingClient *self,
                       const GError          *error)
{
  g_autoptr(GTask) task = NULL;

  if (self->connect_task == NULL)
    return;
  /* registered, but the caller no longer wants it */
  if (error == NULL && g_cancellable_is_cancelled (g_task_get_cancellable (self->connect_task)))
    {
      cancel_connect (self);
      return;
    }
  clear_connect_task (self);
  task = g_steal_pointer (&self->connect_task);
  if (error != NULL)
    g_task_return_error (task, g_error_copy (error));
  else
    g_task_return_boolean (task, TRUE);
}

guint
avanue_signaling_client_get_reconnect_delay (AvanueSignalingClient *self,
                                             guint                  attempt)
{
  guint64 delay = self->reconnect_min_ms;

  for (guint i = 0; i < attempt && delay < self->reconnect_max_ms; i++)
    delay *= 2;
  delay = MIN (delay, self->reconnect_max_ms);
  /* jitter: between half of the delay and all of it */
  return (guint) (delay / 2 + (guint64) g_random_int_range (0, (gint32) (delay / 2) + 1));
}

static gboolean
on_reconnect_timeout (gpointer user_data)
{
  AvanueSignalingClient *self = user_data;

  self->reconnect_id = 0;
  start_attempt (self);
  return G_SOURCE_REMOVE;
}

static void
schedule_reconnect (AvanueSignalingClient *self)
{
  guint delay = avanue_signaling_client_get_reconnect_delay (self, self->reconnect_attempt);

  if (self->reconnect_attempt < G_MAXUINT)
    self->reconnect_attempt++;
  g_debug ("reconnecting in %u ms (attempt %u)", delay, self->reconnect_attempt);
  g_clear_handle_id (&self->reconnect_id, g_source_remove);
  self->reconnect_id = g_timeout_add (delay, on_reconnect_timeout, self);
  set_state (self, AVANUE_SIGNALING_STATE_CONNECTING);
}

/* The connection (or the attempt to make one) failed. The caller's
 * connect_async fails; an established client reconnects if it may. */
static void
connection_failed (AvanueSignalingClient *self,
                   const GError          *error)
{
  g_autoptr(GError) closed = NULL;

  /* a handler of what follows may drop the last other reference */
  g_object_ref (self);
  g_debug ("signaling connection failed: %s", error->message);
  drop_websocket (self, SOUP_WEBSOCKET_CLOSE_NORMAL);

  if (self->connect_task != NULL)
    {
      set_state (self, AVANUE_SIGNALING_STATE_DISCONNECTED);
      complete_connect_task (self, error);
    }
  else if (self->auto_reconnect && !self->stop_reconnecting &&
           self->state != AVANUE_SIGNALING_STATE_DISCONNECTED)
    {
      schedule_reconnect (self);
    }
  else
    {
      set_state (self, AVANUE_SIGNALING_STATE_DISCONNECTED);
    }

  closed = g_error_new (G_IO_ERROR, G_IO_ERROR_CONNECTION_CLOSED,
                        "the connection to the signaling server was lost: %s", error->message);
  fail_all_pending (self, closed);
  g_object_unref (self);
}

static gboolean
on_heartbeat (gpointer user_data)
{
  AvanueSignalingClient *self = user_data;
  g_autoptr(JsonObject) message = NULL;
  PendingRequest *pending;

  /* the previous one is still waiting: its timeout will tell */
  if (find_pending (self, AVANUE_MESSAGE_TYPE_PING, NULL) != NULL)
    return G_SOURCE_CONTINUE;

  pending = pending_request_new (self, AVANUE_MESSAGE_TYPE_PING, NULL);
  message = avanue_protocol_build_ping (pending->id);
  send_request (self, pending, message);
  return G_SOURCE_CONTINUE;
}

static void
send_rejoin (AvanueSignalingClient *self,
             GTask                 *task,
             const char            *session_id,
             AvanueCapabilities    *capabilities)
{
  PendingRequest *pending = pending_request_new (self, AVANUE_MESSAGE_TYPE_REJOIN_SESSION, task);
  g_autoptr(JsonObject) message = NULL;

  pending->session_id = g_strdup (session_id);
  pending->capabilities = g_object_ref (capabilities);
  message = avanue_protocol_build_rejoin_session (pending->id, session_id, capabilities);
  send_request (self, pending, message);
}

static void
on_registered (AvanueSignalingClient *self,
               JsonObject            *message)
{
  g_debug ("registered (%u pending messages)", (guint) get_int (message, "pendingMessages", 0));

  g_clear_handle_id (&self->attempt_timeout_id, g_source_remove);
  g_clear_pointer (&self->register_id, g_free);
  self->registered = TRUE;
  self->reconnect_attempt = 0;

  stop_heartbeat (self);
  self->heartbeat_id = g_timeout_add_seconds (self->heartbeat_seconds, on_heartbeat, self);

  /* Back in the session before anyone hears that we are registered. */
  if (self->session != NULL && !avanue_session_get_ended (self->session))
    {
      g_autoptr(AvanueCapabilities) capabilities = default_capabilities (self);

      send_rejoin (self, NULL, avanue_session_get_session_id (self->session), capabilities);
    }

  set_state (self, AVANUE_SIGNALING_STATE_REGISTERED);
  complete_connect_task (self, NULL);
}

/* Builds REGISTER_DEVICE for @nonce (the `nonce` of CONNECTED, exactly as
 * received): the signature covers the UTF-8 bytes of "AVANUE1 REGISTER "
 * followed by @nonce. */
JsonObject *
avanue_signaling_client_build_register (AvanueSignalingClient  *self,
                                        const char             *id,
                                        const char             *nonce,
                                        GError                **error)
{
  g_autofree char *signed_text = NULL;
  g_autofree char *signature = NULL;

  g_return_val_if_fail (AVANUE_IS_SIGNALING_CLIENT (self), NULL);
  g_return_val_if_fail (nonce != NULL, NULL);

  if (avanue_platform_to_string (self->platform) == NULL ||
      avanue_device_type_to_string (self->device_type) == NULL)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                           "the platform and the device type must be set");
      return NULL;
    }

  signed_text = g_strconcat (AVANUE_SIGNALING_REGISTER_PREFIX, nonce, NULL);
  signature = avanue_identity_sign_base64 (self->identity, signed_text, error);
  if (signature == NULL)
    return NULL;

  return avanue_protocol_build_register_device (id,
                                                avanue_identity_get_fingerprint (self->identity),
                                                avanue_identity_get_public_key_base64 (self->identity),
                                                signature,
                                                self->device_name,
                                                self->platform,
                                                self->device_type);
}

static void
on_connected_message (AvanueSignalingClient *self,
                      JsonObject            *message)
{
  g_autoptr(JsonObject) reg = NULL;
  g_autoptr(GError) error = NULL;
  gint64 protocol = get_int (message, "protocol", 0);

  if (self->register_id != NULL)
    {
      g_debug ("ignoring a second CONNECTED");
      return;
    }
  if (protocol != AVANUE_PROTOCOL_VERSION)
    g_debug ("the server speaks protocol %" G_GINT64_FORMAT ", this client %d",
             protocol, AVANUE_PROTOCOL_VERSION);

  set_client_id (self, get_string (message, "clientId"));
  self->heartbeat_seconds = (guint) CLAMP (get_int (message, "heartbeatSeconds", DEFAULT_HEARTBEAT_SECONDS),
                                           1, 86400);

  self->register_id = new_request_id (self);
  reg = avanue_signaling_client_build_register (self, self->register_id,
                                                get_string (message, "nonce"), &error);
  if (reg == NULL || !send_message (self, reg, &error))
    {
      g_prefix_error (&error, "cannot register: ");
      connection_failed (self, error);
    }
}

/* A message while connecting: CONNECTED, then the answer to
 * REGISTER_DEVICE. */
static void
handle_registration_message (AvanueSignalingClient *self,
                             AvanueMessageType      type,
                             JsonObject            *message,
                             const char            *re)
{
  switch (type)
    {
    case AVANUE_MESSAGE_TYPE_CONNECTED:
      on_connected_message (self, message);
      break;

    case AVANUE_MESSAGE_TYPE_DEVICE_REGISTERED:
      if (self->register_id != NULL && (re == NULL || g_str_equal (re, self->register_id)))
        on_registered (self, message);
      break;

    case AVANUE_MESSAGE_TYPE_ERROR:
      if (self->register_id != NULL && (re == NULL || g_str_equal (re, self->register_id)))
        {
          g_autoptr(GError) error = avanue_protocol_error_from_message (message);

          g_prefix_error (&error, "registration refused: ");
          if (g_error_matches (error, AVANUE_PROTOCOL_ERROR, AVANUE_PROTOCOL_ERROR_BAD_SIGNATURE) ||
              g_error_matches (error, AVANUE_PROTOCOL_ERROR, AVANUE_PROTOCOL_ERROR_DEVICE_BLOCKED))
            {
              if (self->connect_task == NULL)
                {
                  self->stop_reconnecting = TRUE;
                  g_signal_emit (self, signals[SIGNAL_SERVER_ERROR], 0, error->code, error->message);
                }
            }
          connection_failed (self, error);
        }
      break;

    default:
      g_debug ("ignoring %s before registration", avanue_message_type_to_string (type));
      break;
    }
}

/* ------------------------------------------------------------------------
 * Answers and events
 * ------------------------------------------------------------------------ */

static AvanueMessageType
expected_answer (AvanueMessageType request)
{
  switch (request)
    {
    case AVANUE_MESSAGE_TYPE_PING:
      return AVANUE_MESSAGE_TYPE_PONG;
    case AVANUE_MESSAGE_TYPE_CREATE_SESSION:
      return AVANUE_MESSAGE_TYPE_SESSION_CREATED;
    case AVANUE_MESSAGE_TYPE_JOIN_SESSION:
      return AVANUE_MESSAGE_TYPE_SESSION_JOINED;
    case AVANUE_MESSAGE_TYPE_REJOIN_SESSION:
      return AVANUE_MESSAGE_TYPE_SESSION_REJOINED;
    case AVANUE_MESSAGE_TYPE_LEAVE_SESSION:
      return AVANUE_MESSAGE_TYPE_SESSION_LEFT;
    case AVANUE_MESSAGE_TYPE_END_SESSION:
      return AVANUE_MESSAGE_TYPE_SESSION_ENDED;
    case AVANUE_MESSAGE_TYPE_REQUEST_TURN:
      return AVANUE_MESSAGE_TYPE_TURN_CREDENTIALS;
    default:
      return AVANUE_MESSAGE_TYPE_UNKNOWN;
    }
}

/* Adds this device to @session's participants when the server's answer
 * did not list it (SESSION_CREATED never does). */
static void
ensure_local_participant (AvanueSignalingClient *self,
                          AvanueSession         *session,
                          AvanueParticipantRole  role,
                          gboolean               licensed,
                          AvanueCapabilities    *capabilities)
{
  const char *fingerprint = avanue_identity_get_fingerprint (self->identity);
  g_autoptr(JsonObject) participant = NULL;
  g_autoptr(JsonObject) event = NULL;
  g_autoptr(GError) error = NULL;
  gboolean is_hub;

  if (avanue_session_get_local_participant (session) != NULL)
    return;
  if (avanue_platform_to_string (self->platform) == NULL ||
      avanue_device_type_to_string (self->device_type) == NULL)
    return;

  is_hub = g_strcmp0 (avanue_session_get_hub_fingerprint (session), fingerprint) == 0;
  participant = avanue_protocol_build_participant (fingerprint, self->device_name,
                                                   self->platform, self->device_type,
                                                   avanue_participant_role_to_string (role),
                                                   is_hub ? "HUB" : "SPOKE",
                                                   licensed,
                                                   capabilities != NULL ? avanue_capabilities_score (capabilities) : 0,
                                                   TRUE,
                                                   g_get_real_time () / 1000);
  event = avanue_protocol_build_participant_joined (avanue_session_get_session_id (session), participant);
  if (!avanue_session_apply_event (session, event, &error))
    g_debug ("cannot add the local participant: %s", error->message);
}

static void
replay_missed_events (AvanueSignalingClient *self,
                      JsonObject            *message)
{
  JsonNode *node = json_object_get_member (message, "missedEvents");
  g_autoptr(JsonArray) events = NULL;

  if (node == NULL || !JSON_NODE_HOLDS_ARRAY (node))
    return;
  events = json_array_ref (json_node_get_array (node));
  for (guint i = 0; i < json_array_get_length (events); i++)
    {
      JsonNode *element = json_array_get_element (events, i);
      g_autoptr(JsonObject) event = NULL;
      AvanueMessageType type;

      if (!JSON_NODE_HOLDS_OBJECT (element))
        continue;
      event = json_object_ref (json_node_get_object (element));
      type = avanue_message_type_from_string (get_string (event, "type"));
      if (type == AVANUE_MESSAGE_TYPE_UNKNOWN)
        continue;
      g_debug ("replaying missed %s", avanue_message_type_to_string (type));
      g_signal_emit (self, signals[SIGNAL_MESSAGE],
                     g_quark_from_static_string (avanue_message_type_to_string (type)),
                     avanue_message_type_to_string (type), event);
      dispatch_event (self, type, event);
    }
}

/* SESSION_CREATED, SESSION_JOINED or SESSION_REJOINED answering @pending. */
static void
handle_session_answer (AvanueSignalingClient *self,
                       PendingRequest        *pending,
                       AvanueMessageType      type,
                       JsonObject            *message)
{
  g_autoptr(PendingRequest) owned = pending;
  g_autoptr(AvanueSession) session = NULL;
  g_autoptr(GError) error = NULL;
  const char *session_id = get_string (message, "sessionId");
  const char *local = avanue_identity_get_fingerprint (self->identity);

  if (type == AVANUE_MESSAGE_TYPE_SESSION_REJOINED && self->session != NULL &&
      g_strcmp0 (avanue_session_get_session_id (self->session), session_id) == 0)
    {
      session = g_object_ref (self->session);
      if (!avanue_session_apply_event (session, message, &error))
        g_clear_object (&session);
    }
  else
    {
      session = avanue_session_new_from_message (message, local, &error);
    }
  if (session == NULL)
    {
      fail_pending (self, g_steal_pointer (&owned), error);
      return;
    }

  switch (type)
    {
    case AVANUE_MESSAGE_TYPE_SESSION_CREATED:
      avanue_session_set_local_role (session, AVANUE_PARTICIPANT_ROLE_HOST);
      ensure_local_participant (self, session, AVANUE_PARTICIPANT_ROLE_HOST,
                                pending->licensed, pending->capabilities);
      break;
    case AVANUE_MESSAGE_TYPE_SESSION_JOINED:
      if (pending->invite_code != NULL && avanue_session_get_invite_code (session) == NULL)
        avanue_session_set_invite_code (session, pending->invite_code);
      ensure_local_participant (self, session, avanue_session_get_local_role (session),
                                FALSE, pending->capabilities);
      break;
    default:
      ensure_local_participant (self, session, avanue_session_get_local_role (session),
                                FALSE, pending->capabilities);
      break;
    }

  if (pending->capabilities != NULL)
    g_set_object (&self->capabilities, pending->capabilities);
  set_session (self, session);

  if (type == AVANUE_MESSAGE_TYPE_SESSION_REJOINED)
    {
      replay_missed_events (self, message);
      g_signal_emit (self, signals[SIGNAL_REJOINED], 0, session);
    }

  if (pending->task != NULL)
    g_task_return_pointer (pending->task, g_object_ref (session), g_object_unref);
}

static AvanueTurnCredentials *
handle_turn_credentials (AvanueSignalingClient *self,
                         JsonObject            *message)
{
  g_autoptr(AvanueTurnCredentials) credentials = NULL;
  g_autoptr(GError) error = NULL;

  credentials = avanue_session_turn_credentials_from_json (message, &error);
  if (credentials == NULL)
    {
      g_debug ("dropping TURN_CREDENTIALS: %s", error->message);
      return NULL;
    }
  if (self->session != NULL)
    avanue_session_set_turn_credentials (self->session, credentials);
  g_signal_emit (self, signals[SIGNAL_TURN_CREDENTIALS], 0, credentials);
  return g_steal_pointer (&credentials);
}

/* Applies @message to the current session; FALSE if it is not for it or
 * does not apply. */
static gboolean
apply_to_session (AvanueSignalingClient *self,
                  AvanueMessageType      type,
                  JsonObject            *message,
                  AvanueSession        **out_session)
{
  AvanueSession *session = session_for (self, type, message);
  g_autoptr(GError) error = NULL;

  if (session == NULL)
    return FALSE;
  if (!avanue_session_apply_event (session, message, &error))
    {
      g_debug ("dropping %s: %s", avanue_message_type_to_string (type), error->message);
      return FALSE;
    }
  *out_session = g_object_ref (session);
  return TRUE;
}

static void
emit_ice_candidate (AvanueSignalingClient *self,
                    JsonObject            *message)
{
  JsonNode *node = json_object_get_member (message, "candidate");
  const char *candidate = NULL;
  const char *sdp_mid = NULL;
  int sdp_mline_index = -1;

  if (node != NULL && JSON_NODE_HOLDS_OBJECT (node))
    {
      JsonObject *inner = json_node_get_object (node);

      candidate = get_string (inner, "candidate");
      sdp_mid = get_string (inner, "sdpMid");
      sdp_mline_index = (int) CLAMP (get_int (inner, "sdpMLineIndex", -1), -1, G_MAXINT);
    }
  else
    {
      candidate = get_string (message, "candidate");
    }
  if (candidate == NULL)
    return;
  g_signal_emit (self, signals[SIGNAL_ICE_CANDIDATE], 0,
                 get_string (message, "fromFingerprint"), candidate, sdp_mid, sdp_mline_index);
}

/* One event, from the wire or replayed from missedEvents. */
static void
dispatch_event (AvanueSignalingClient *self,
                AvanueMessageType      type,
                JsonObject            *message)
{
  g_autoptr(AvanueSession) session = NULL;
  const char *local = avanue_identity_get_fingerprint (self->identity);

  switch (type)
    {
    case AVANUE_MESSAGE_TYPE_SESSION_ENDED:
      if (apply_to_session (self, type, message, &session))
        {
          if (self->session == session)
            set_session (self, NULL);
          g_signal_emit (self, signals[SIGNAL_SESSION_ENDED], 0,
                         avanue_session_get_session_id (session), get_string (message, "reason"));
        }
      break;

    case AVANUE_MESSAGE_TYPE_SESSION_LEFT:
      if (session_for (self, type, message) != NULL)
        set_session (self, NULL);
      break;

    case AVANUE_MESSAGE_TYPE_PARTICIPANT_JOINED:
      if (apply_to_session (self, type, message, &session))
        {
          JsonObject *object = json_object_get_object_member (message, "participant");
          AvanueParticipant *participant =
            avanue_session_lookup_participant (session, get_string (object, "fingerprint"));

          if (participant != NULL)
            g_signal_emit (self, signals[SIGNAL_PARTICIPANT_JOINED], 0, participant);
        }
      break;

    case AVANUE_MESSAGE_TYPE_PARTICIPANT_OFFLINE:
      if (apply_to_session (self, type, message, &session))
        g_signal_emit (self, signals[SIGNAL_PARTICIPANT_OFFLINE], 0,
                       get_string (message, "fingerprint"));
      break;

    case AVANUE_MESSAGE_TYPE_PARTICIPANT_LEFT:
      if (apply_to_session (self, type, message, &session))
        {
          const char *fingerprint = get_string (message, "fingerprint");

          g_signal_emit (self, signals[SIGNAL_PARTICIPANT_LEFT], 0,
                         fingerprint, get_string (message, "reason"));
          /* removed from the session (kicked, or gone past the grace) */
          if (g_strcmp0 (fingerprint, local) == 0 && self->session == session)
            set_session (self, NULL);
        }
      break;

    case AVANUE_MESSAGE_TYPE_HUB_ELECTED:
      if (apply_to_session (self, type, message, &session))
        g_signal_emit (self, signals[SIGNAL_HUB_ELECTED], 0,
                       get_string (message, "hubFingerprint"), get_string (message, "reason"));
      break;

    case AVANUE_MESSAGE_TYPE_ROLE_CHANGED:
      if (apply_to_session (self, type, message, &session))
        {
          AvanueTopologyRole old_role = AVANUE_TOPOLOGY_ROLE_SPOKE;
          AvanueTopologyRole new_role = AVANUE_TOPOLOGY_ROLE_SPOKE;

          avanue_topology_role_from_string (get_string (message, "oldRole"), &old_role);
          avanue_topology_role_from_string (get_string (message, "newRole"), &new_role);
          g_signal_emit (self, signals[SIGNAL_ROLE_CHANGED], 0,
                         get_string (message, "fingerprint"), old_role, new_role);
        }
      break;

    case AVANUE_MESSAGE_TYPE_TURN_CREDENTIALS:
      {
        AvanueTurnCredentials *credentials = handle_turn_credentials (self, message);

        g_clear_object (&credentials);
      }
      break;

    case AVANUE_MESSAGE_TYPE_SDP_OFFER:
    case AVANUE_MESSAGE_TYPE_SDP_ANSWER:
      if (session_for (self, type, message) != NULL)
        g_signal_emit (self,
                       signals[type == AVANUE_MESSAGE_TYPE_SDP_OFFER ? SIGNAL_SDP_OFFER : SIGNAL_SDP_ANSWER], 0,
                       get_string (message, "fromFingerprint"), get_string (message, "sdp"));
      break;

    case AVANUE_MESSAGE_TYPE_ICE_CANDIDATE:
      if (session_for (self, type, message) != NULL)
        emit_ice_candidate (self, message);
      break;

    case AVANUE_MESSAGE_TYPE_APP_MESSAGE:
      if (session_for (self, type, message) != NULL)
        g_signal_emit (self, signals[SIGNAL_APP_MESSAGE], 0,
                       get_string (message, "fromFingerprint"),
                       json_object_get_object_member (message, "payload"));
      break;

    case AVANUE_MESSAGE_TYPE_ERROR:
      {
        g_autoptr(GError) error = avanue_protocol_error_from_message (message);

        g_signal_emit (self, signals[SIGNAL_SERVER_ERROR], 0, error->code, error->message);
      }
      break;

    default:
      break;
    }
}

/* A message on a registered connection. */
static void
handle_registered_message (AvanueSignalingClient *self,
                           AvanueMessageType      type,
                           JsonObject            *message,
                           const char            *re)
{
  PendingRequest *pending = take_pending (self, re);

  /* The host's END_SESSION is answered by the SESSION_ENDED that goes to
   * everyone; accept it whether or not it names the request. */
  if (pending == NULL && type == AVANUE_MESSAGE_TYPE_SESSION_ENDED)
    {
      PendingRequest *end = find_pending (self, AVANUE_MESSAGE_TYPE_END_SESSION,
                                          get_string (message, "sessionId"));
      if (end != NULL)
        pending = take_pending (self, end->id);
    }

  if (pending != NULL && type != AVANUE_MESSAGE_TYPE_ERROR && type != expected_answer (pending->type))
    {
      g_autoptr(GError) error = NULL;

      error = g_error_new (G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                           "the server answered %s with %s",
                           avanue_message_type_to_string (pending->type),
                           avanue_message_type_to_string (type));
      fail_pending (self, pending, error);
      pending = NULL;
    }

  switch (type)
    {
    case AVANUE_MESSAGE_TYPE_ERROR:
      if (pending != NULL)
        {
          g_autoptr(GError) error = avanue_protocol_error_from_message (message);

          fail_pending (self, pending, error);
        }
      else
        {
          dispatch_event (self, type, message);
        }
      return;

    case AVANUE_MESSAGE_TYPE_PONG:
      if (pending != NULL)
        {
          g_autoptr(PendingRequest) owned = pending;

          if (owned->task != NULL)
            {
              gint64 *timestamp = g_new (gint64, 1);

              *timestamp = get_int (message, "timestamp", 0);
              g_task_return_pointer (owned->task, timestamp, g_free);
            }
        }
      return;

    case AVANUE_MESSAGE_TYPE_SESSION_CREATED:
    case AVANUE_MESSAGE_TYPE_SESSION_JOINED:
    case AVANUE_MESSAGE_TYPE_SESSION_REJOINED:
      if (pending != NULL)
        handle_session_answer (self, pending, type, message);
      else
        g_debug ("ignoring %s that answers nothing", avanue_message_type_to_string (type));
      return;

    case AVANUE_MESSAGE_TYPE_TURN_CREDENTIALS:
      {
        g_autoptr(PendingRequest) owned = pending;
        g_autoptr(AvanueTurnCredentials) credentials = handle_turn_credentials (self, message);

        if (owned != NULL && owned->task != NULL)
          {
            if (credentials != NULL)
              g_task_return_pointer (owned->task, g_steal_pointer (&credentials), g_object_unref);
            else
              g_task_return_new_error (owned->task, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                                       "invalid TURN credentials");
          }
      }
      return;

    default:
      break;
    }

  /* SESSION_LEFT, SESSION_ENDED: the session is forgotten here too */
  dispatch_event (self, type, message);

  if (pending != NULL)
    {
      g_autoptr(PendingRequest) owned = pending;

      if (owned->task != NULL)
        g_task_return_boolean (owned->task, TRUE);
    }
}

static void
handle_frame (AvanueSignalingClient *self,
              const char            *text,
              gsize                  length)
{
  g_autoptr(JsonObject) message = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *re = NULL;
  AvanueMessageType type = AVANUE_MESSAGE_TYPE_UNKNOWN;
  const char *type_name;

  message = avanue_protocol_parse_server_message (self->protocol, text, (gssize) length,
                                                  &type, &re, &error);
  if (message == NULL)
    {
      PendingRequest *pending = self->registered ? take_pending (self, re) : NULL;

      g_debug ("dropping an invalid %s from the server: %s",
               type != AVANUE_MESSAGE_TYPE_UNKNOWN ? avanue_message_type_to_string (type) : "message",
               error->message);
      g_prefix_error (&error, "invalid answer from the server: ");
      if (pending != NULL)
        fail_pending (self, pending, error);
      else if (!self->registered &&
               ((self->register_id != NULL && g_strcmp0 (re, self->register_id) == 0) ||
                (self->register_id == NULL && type == AVANUE_MESSAGE_TYPE_CONNECTED)))
        connection_failed (self, error);
      return;
    }

  type_name = avanue_message_type_to_string (type);
  g_debug ("received %s", type_name);
  g_signal_emit (self, signals[SIGNAL_MESSAGE], g_quark_from_static_string (type_name), type_name, message);

  /* a handler may have disconnected */
  if (self->ws == NULL)
    return;

  if (!self->registered)
    handle_registration_message (self, type, message, re);
  else
    handle_registered_message (self, type, message, re);
}

static void
on_ws_message (SoupWebsocketConnection *ws,
               int                      data_type,
               GBytes                  *bytes,
               gpointer                 user_data)
{
  AvanueSignalingClient *self = user_data;
  gsize length;
  const char *text = g_bytes_get_data (bytes, &length);

  if (data_type != SOUP_WEBSOCKET_DATA_TEXT)
    {
      g_debug ("ignoring a binary frame from the server");
      return;
    }
  /* a signal handler may drop the last other reference */
  g_object_ref (self);
  handle_frame (self, text, length);
  g_object_unref (self);
}

static void
on_ws_error (SoupWebsocketConnection *ws,
             GError                  *error,
             gpointer                 user_data)
{
  g_debug ("signaling WebSocket error: %s", error->message);
}

static void
on_ws_closed (SoupWebsocketConnection *ws,
              gpointer                 user_data)
{
  AvanueSignalingClient *self = user_data;
  g_autoptr(GError) error = NULL;
  gushort code = soup_websocket_connection_get_close_code (ws);
  const char *data = soup_websocket_connection_get_close_data (ws);

  error = g_error_new (G_IO_ERROR, G_IO_ERROR_CONNECTION_CLOSED,
                       "the server closed the connection (%u%s%s)",
                       code, data != NULL && *data != '\0' ? " " : "", data != NULL ? data : "");
  connection_failed (self, error);
}

/* The state of one connection attempt, for libsoup's callback: the client
 * may be gone or have moved on by then. */
typedef struct
{
  GWeakRef client;
  GCancellable *cancellable;
} AttemptData;

static void
attempt_data_free (AttemptData *data)
{
  g_weak_ref_clear (&data->client);
  g_clear_object (&data->cancellable);
  g_free (data);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (AttemptData, attempt_data_free)

static void
on_ws_connected (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(AttemptData) data = user_data;
  g_autoptr(AvanueSignalingClient) self = g_weak_ref_get (&data->client);
  g_autoptr(SoupWebsocketConnection) ws = NULL;
  g_autoptr(GError) error = NULL;

  ws = soup_session_websocket_connect_finish (SOUP_SESSION (source), result, &error);
  if (self == NULL || g_cancellable_is_cancelled (data->cancellable))
    {
      if (ws != NULL && soup_websocket_connection_get_state (ws) == SOUP_WEBSOCKET_STATE_OPEN)
        soup_websocket_connection_close (ws, SOUP_WEBSOCKET_CLOSE_GOING_AWAY, NULL);
      return;
    }
  if (ws == NULL)
    {
      g_prefix_error (&error, "cannot connect to %s: ", self->uri);
      connection_failed (self, error);
      return;
    }

  g_debug ("WebSocket open; waiting for CONNECTED");
  self->ws = g_steal_pointer (&ws);
  soup_websocket_connection_set_max_incoming_payload_size (self->ws, MAX_INCOMING_FRAME_BYTES);
  g_signal_connect (self->ws, "message", G_CALLBACK (on_ws_message), self);
  g_signal_connect (self->ws, "error", G_CALLBACK (on_ws_error), self);
  g_signal_connect (self->ws, "closed", G_CALLBACK (on_ws_closed), self);
}

static gboolean
on_attempt_timeout (gpointer user_data)
{
  AvanueSignalingClient *self = user_data;
  g_autoptr(GError) error = NULL;

  self->attempt_timeout_id = 0;
  error = g_error_new (G_IO_ERROR, G_IO_ERROR_TIMED_OUT,
                       "not registered with %s within %u s", self->uri, self->request_timeout);
  connection_failed (self, error);
  return G_SOURCE_REMOVE;
}

static gboolean
on_accept_certificate (SoupMessage          *msg,
                       GTlsCertificate      *certificate,
                       GTlsCertificateFlags  errors,
                       gpointer              user_data)
{
  AvanueSignalingClient *self = user_data;
  gboolean accept = FALSE;

  g_signal_emit (self, signals[SIGNAL_ACCEPT_CERTIFICATE], 0, certificate, errors, &accept);
  return accept;
}

/* ws://… and wss://… as the http://… and https://… that libsoup opens a
 * WebSocket on. */
static GUri *
websocket_http_uri (const char  *text,
                    GError     **error)
{
  g_autoptr(GUri) uri = g_uri_parse (text, SOUP_HTTP_URI_FLAGS, NULL);
  const char *scheme = uri != NULL ? g_uri_get_scheme (uri) : NULL;
  const char *http_scheme = NULL;

  if (g_strcmp0 (scheme, "ws") == 0 || g_strcmp0 (scheme, "http") == 0)
    http_scheme = "http";
  else if (g_strcmp0 (scheme, "wss") == 0 || g_strcmp0 (scheme, "https") == 0)
    http_scheme = "https";
  if (http_scheme == NULL || g_uri_get_host (uri) == NULL || *g_uri_get_host (uri) == '\0')
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   "not a ws:// or wss:// URI: %s", text);
      return NULL;
    }
  return g_uri_build (g_uri_get_flags (uri), http_scheme, NULL,
                      g_uri_get_host (uri), g_uri_get_port (uri),
                      g_uri_get_path (uri), g_uri_get_query (uri), NULL);
}

static void
start_attempt (AvanueSignalingClient *self)
{
  g_autoptr(SoupMessage) msg = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GUri) uri = NULL;
  AttemptData *data;

  drop_websocket (self, SOUP_WEBSOCKET_CLOSE_NORMAL);
  set_state (self, AVANUE_SIGNALING_STATE_CONNECTING);

  uri = websocket_http_uri (self->uri, &error);
  if (uri == NULL)
    {
      connection_failed (self, error);
      return;
    }
  msg = soup_message_new_from_uri (SOUP_METHOD_GET, uri);

  g_signal_connect_object (msg, "accept-certificate", G_CALLBACK (on_accept_certificate), self, 0);

  self->attempt_cancellable = g_cancellable_new ();
  data = g_new0 (AttemptData, 1);
  g_weak_ref_init (&data->client, self);
  data->cancellable = g_object_ref (self->attempt_cancellable);
  self->attempt_timeout_id = g_timeout_add_seconds (self->request_timeout, on_attempt_timeout, self);

  g_debug ("connecting to the signaling server");
  soup_session_websocket_connect_async (self->soup, msg, NULL, NULL, G_PRIORITY_DEFAULT,
                                        self->attempt_cancellable, on_ws_connected, data);
}

/* ------------------------------------------------------------------------
 * GObject
 * ------------------------------------------------------------------------ */

static void
avanue_signaling_client_dispose (GObject *object)
{
  AvanueSignalingClient *self = AVANUE_SIGNALING_CLIENT (object);

  g_clear_handle_id (&self->reconnect_id, g_source_remove);
  drop_websocket (self, SOUP_WEBSOCKET_CLOSE_GOING_AWAY);
  if (self->pending != NULL && g_hash_table_size (self->pending) > 0)
    {
      g_autoptr(GError) error = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CLOSED,
                                                     "the signaling client was destroyed");
      fail_all_pending (self, error);
    }
  g_clear_object (&self->session);
  g_clear_object (&self->soup);

  G_OBJECT_CLASS (avanue_signaling_client_parent_class)->dispose (object);
}

static void
avanue_signaling_client_finalize (GObject *object)
{
  AvanueSignalingClient *self = AVANUE_SIGNALING_CLIENT (object);

  g_clear_pointer (&self->pending, g_hash_table_unref);
  g_clear_object (&self->identity);
  g_clear_object (&self->protocol);
  g_clear_object (&self->capabilities);
  g_clear_pointer (&self->uri, g_free);
  g_clear_pointer (&self->device_name, g_free);
  g_clear_pointer (&self->client_id, g_free);

  G_OBJECT_CLASS (avanue_signaling_client_parent_class)->finalize (object);
}

static void
avanue_signaling_client_get_property (GObject    *object,
                                      guint       prop_id,
                                      GValue     *value,
                                      GParamSpec *pspec)
{
  AvanueSignalingClient *self = AVANUE_SIGNALING_CLIENT (object);

  switch (prop_id)
    {
    case PROP_URI:
      g_value_set_string (value, self->uri);
      break;
    case PROP_IDENTITY:
      g_value_set_object (value, self->identity);
      break;
    case PROP_DEVICE_NAME:
      g_value_set_string (value, self->device_name);
      break;
    case PROP_PLATFORM:
      g_value_set_enum (value, self->platform);
      break;
    case PROP_DEVICE_TYPE:
      g_value_set_enum (value, self->device_type);
      break;
    case PROP_AUTO_RECONNECT:
      g_value_set_boolean (value, self->auto_reconnect);
      break;
    case PROP_REQUEST_TIMEOUT:
      g_value_set_uint (value, self->request_timeout);
      break;
    case PROP_STATE:
      g_value_set_enum (value, self->state);
      break;
    case PROP_CLIENT_ID:
      g_value_set_string (value, self->client_id);
      break;
    case PROP_SESSION:
      g_value_set_object (value, self->session);
      break;
    case PROP_PROTOCOL:
      g_value_set_object (value, self->protocol);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
avanue_signaling_client_set_property (GObject      *object,
                                      guint         prop_id,
                                      const GValue *value,
                                      GParamSpec   *pspec)
{
  AvanueSignalingClient *self = AVANUE_SIGNALING_CLIENT (object);

  switch (prop_id)
    {
    case PROP_URI:
      self->uri = g_value_dup_string (value);
      break;
    case PROP_IDENTITY:
      self->identity = g_value_dup_object (value);
      break;
    case PROP_DEVICE_NAME:
      avanue_signaling_client_set_device_name (self, g_value_get_string (value));
      break;
    case PROP_PLATFORM:
      avanue_signaling_client_set_platform (self, g_value_get_enum (value));
      break;
    case PROP_DEVICE_TYPE:
      avanue_signaling_client_set_device_type (self, g_value_get_enum (value));
      break;
    case PROP_AUTO_RECONNECT:
      avanue_signaling_client_set_auto_reconnect (self, g_value_get_boolean (value));
      break;
    case PROP_REQUEST_TIMEOUT:
      avanue_signaling_client_set_request_timeout (self, g_value_get_uint (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
avanue_signaling_client_class_init (AvanueSignalingClientClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags rw = G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY;
  GParamFlags ro = G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY;

  object_class->dispose = avanue_signaling_client_dispose;
  object_class->finalize = avanue_signaling_client_finalize;
  object_class->get_property = avanue_signaling_client_get_property;
  object_class->set_property = avanue_signaling_client_set_property;

  /**
   * AvanueSignalingClient:uri: (getter get_uri)
   *
   * The signaling endpoint, such as `ws://127.0.0.1:8443/v1/signal` or
   * `wss://avanue.example.org/v1/signal`.
   *
   * Since: 0.1
   */
  properties[PROP_URI] =
    g_param_spec_string ("uri", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);

  /**
   * AvanueSignalingClient:identity: (getter get_identity)
   *
   * The device's key pair, which it registers with.
   *
   * Since: 0.1
   */
  properties[PROP_IDENTITY] =
    g_param_spec_object ("identity", NULL, NULL, AVANUE_TYPE_IDENTITY,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);

  /**
   * AvanueSignalingClient:device-name: (getter get_device_name) (setter set_device_name)
   *
   * The name the device registers with (at most 100 characters; longer
   * names are cut). Defaults to the host name. A change takes effect at
   * the next registration.
   *
   * Since: 0.1
   */
  properties[PROP_DEVICE_NAME] =
    g_param_spec_string ("device-name", NULL, NULL, NULL, rw);

  /**
   * AvanueSignalingClient:platform: (getter get_platform) (setter set_platform)
   *
   * The platform the device registers with; %AVANUE_PLATFORM_DESKTOP by
   * default. It must not be %AVANUE_PLATFORM_UNKNOWN when connecting.
   *
   * Since: 0.1
   */
  properties[PROP_PLATFORM] =
    g_param_spec_enum ("platform", NULL, NULL,
                       AVANUE_TYPE_PLATFORM, AVANUE_PLATFORM_DESKTOP, rw);

  /**
   * AvanueSignalingClient:device-type: (getter get_device_type) (setter set_device_type)
   *
   * The device type the device registers with;
   * %AVANUE_DEVICE_TYPE_DESKTOP by default. It must not be
   * %AVANUE_DEVICE_TYPE_UNKNOWN when connecting.
   *
   * Since: 0.1
   */
  properties[PROP_DEVICE_TYPE] =
    g_param_spec_enum ("device-type", NULL, NULL,
                       AVANUE_TYPE_DEVICE_TYPE, AVANUE_DEVICE_TYPE_DESKTOP, rw);

  /**
   * AvanueSignalingClient:auto-reconnect: (getter get_auto_reconnect) (setter set_auto_reconnect)
   *
   * Whether to reconnect, with backoff, and rejoin the session when a
   * registered connection is lost.
   *
   * Since: 0.1
   */
  properties[PROP_AUTO_RECONNECT] =
    g_param_spec_boolean ("auto-reconnect", NULL, NULL, TRUE, rw);

  /**
   * AvanueSignalingClient:request-timeout: (getter get_request_timeout) (setter set_request_timeout)
   *
   * How long to wait for the server's answer to a request, and for a
   * connection attempt to reach registration, in seconds.
   *
   * Since: 0.1
   */
  properties[PROP_REQUEST_TIMEOUT] =
    g_param_spec_uint ("request-timeout", NULL, NULL,
                       1, 3600, DEFAULT_REQUEST_TIMEOUT_SECONDS, rw);

  /**
   * AvanueSignalingClient:state: (getter get_state)
   *
   * The state of the connection.
   *
   * Since: 0.1
   */
  properties[PROP_STATE] =
    g_param_spec_enum ("state", NULL, NULL,
                       AVANUE_TYPE_SIGNALING_STATE, AVANUE_SIGNALING_STATE_DISCONNECTED, ro);

  /**
   * AvanueSignalingClient:client-id: (getter get_client_id)
   *
   * The server's identifier of the current connection (`clientId` of
   * `CONNECTED`), or %NULL.
   *
   * Since: 0.1
   */
  properties[PROP_CLIENT_ID] =
    g_param_spec_string ("client-id", NULL, NULL, NULL, ro);

  /**
   * AvanueSignalingClient:session: (getter get_session)
   *
   * The session the device is in, or %NULL. It is set when a create,
   * join or rejoin succeeds and cleared when the device leaves, the
   * session ends, or [method@Avanue.SignalingClient.disconnect] is called.
   * It survives a lost connection: the client rejoins it.
   *
   * Since: 0.1
   */
  properties[PROP_SESSION] =
    g_param_spec_object ("session", NULL, NULL, AVANUE_TYPE_SESSION, ro);

  /**
   * AvanueSignalingClient:protocol: (getter get_protocol)
   *
   * The schema incoming messages are validated with and outgoing ones
   * checked against; its limits may be changed.
   *
   * Since: 0.1
   */
  properties[PROP_PROTOCOL] =
    g_param_spec_object ("protocol", NULL, NULL, AVANUE_TYPE_PROTOCOL, ro);

  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * AvanueSignalingClient::message:
   * @self: the client
   * @type: the message type, such as `"SDP_OFFER"`
   * @message: the message
   *
   * Emitted for every valid message from the server, before the client
   * acts on it, and for each event replayed from `missedEvents`. The
   * detail is the type: connect to `message::PARTICIPANT_JOINED` to hear
   * only those. Do not modify @message.
   *
   * Since: 0.1
   */
  signals[SIGNAL_MESSAGE] =
    g_signal_new ("message", G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST | G_SIGNAL_DETAILED, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 2, G_TYPE_STRING, JSON_TYPE_OBJECT);

  /**
   * AvanueSignalingClient::session-ended:
   * @self: the client
   * @session_id: the session
   * @reason: `COMPLETED`, `HOST_LEFT`, `TIMEOUT`, `LICENSE_EXPIRED`,
   *   `ADMIN` or `ERROR`; or the error code with which a rejoin found the
   *   session gone, such as `SESSION_NOT_FOUND`
   *
   * The current session ended. [property@Avanue.SignalingClient:session]
   * is already %NULL; the session object has
   * [property@Avanue.Session:ended] set.
   *
   * Since: 0.1
   */
  signals[SIGNAL_SESSION_ENDED] =
    g_signal_new ("session-ended", G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 2, G_TYPE_STRING, G_TYPE_STRING);

  /**
   * AvanueSignalingClient::participant-joined:
   * @self: the client
   * @participant: the participant, as it now is in the session's list
   *
   * A device joined the session, or came back into it.
   *
   * Since: 0.1
   */
  signals[SIGNAL_PARTICIPANT_JOINED] =
    g_signal_new ("participant-joined", G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, AVANUE_TYPE_PARTICIPANT);

  /**
   * AvanueSignalingClient::participant-offline:
   * @self: the client
   * @fingerprint: the participant
   *
   * A participant disconnected; it stays in the session, offline, for the
   * grace period in which it may rejoin.
   *
   * Since: 0.1
   */
  signals[SIGNAL_PARTICIPANT_OFFLINE] =
    g_signal_new ("participant-offline", G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, G_TYPE_STRING);

  /**
   * AvanueSignalingClient::participant-left:
   * @self: the client
   * @fingerprint: the participant
   * @reason: `LEFT`, `DISCONNECT` (the grace period ran out) or `KICKED`
   *
   * A participant left the session and was removed from its list. When
   * @fingerprint is this device's, the client forgets the session.
   *
   * Since: 0.1
   */
  signals[SIGNAL_PARTICIPANT_LEFT] =
    g_signal_new ("participant-left", G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 2, G_TYPE_STRING, G_TYPE_STRING);

  /**
   * AvanueSignalingClient::hub-elected:
   * @self: the client
   * @hub_fingerprint: the new hub
   * @reason: `INITIAL`, `DISCONNECT`, `BATTERY_LOW` or
   *   `CAPABILITY_CHANGE`
   *
   * The session has a new hub; [property@Avanue.Session:hub-fingerprint]
   * already says so.
   *
   * Since: 0.1
   */
  signals[SIGNAL_HUB_ELECTED] =
    g_signal_new ("hub-elected", G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 2, G_TYPE_STRING, G_TYPE_STRING);

  /**
   * AvanueSignalingClient::role-changed:
   * @self: the client
   * @fingerprint: the participant
   * @old_role: its previous topology role
   * @new_role: its topology role now
   *
   * A participant's topology role changed.
   *
   * Since: 0.1
   */
  signals[SIGNAL_ROLE_CHANGED] =
    g_signal_new ("role-changed", G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 3, G_TYPE_STRING, AVANUE_TYPE_TOPOLOGY_ROLE, AVANUE_TYPE_TOPOLOGY_ROLE);

  /**
   * AvanueSignalingClient::sdp-offer:
   * @self: the client
   * @from_fingerprint: the participant that sent it
   * @sdp: the offer
   *
   * A participant sent this device an SDP offer.
   *
   * Since: 0.1
   */
  signals[SIGNAL_SDP_OFFER] =
    g_signal_new ("sdp-offer", G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 2, G_TYPE_STRING, G_TYPE_STRING);

  /**
   * AvanueSignalingClient::sdp-answer:
   * @self: the client
   * @from_fingerprint: the participant that sent it
   * @sdp: the answer
   *
   * A participant answered this device's SDP offer.
   *
   * Since: 0.1
   */
  signals[SIGNAL_SDP_ANSWER] =
    g_signal_new ("sdp-answer", G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 2, G_TYPE_STRING, G_TYPE_STRING);

  /**
   * AvanueSignalingClient::ice-candidate:
   * @self: the client
   * @from_fingerprint: the participant that sent it
   * @candidate: the candidate line; empty for the end of candidates
   * @sdp_mid: (nullable): the media stream identification tag, if given
   * @sdp_mline_index: the index of the media description, or -1 if not
   *   given
   *
   * A participant sent this device an ICE candidate.
   *
   * Since: 0.1
   */
  signals[SIGNAL_ICE_CANDIDATE] =
    g_signal_new ("ice-candidate", G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 4, G_TYPE_STRING, G_TYPE_STRING, G_TYPE_STRING, G_TYPE_INT);

  /**
   * AvanueSignalingClient::app-message:
   * @self: the client
   * @from_fingerprint: the participant that sent it
   * @payload: the application's object; do not modify it
   *
   * A participant sent an application message to this device (or to
   * everyone).
   *
   * Since: 0.1
   */
  signals[SIGNAL_APP_MESSAGE] =
    g_signal_new ("app-message", G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 2, G_TYPE_STRING, JSON_TYPE_OBJECT);

  /**
   * AvanueSignalingClient::turn-credentials:
   * @self: the client
   * @credentials: the credentials
   *
   * The server sent TURN credentials, whether asked for with
   * [method@Avanue.SignalingClient.request_turn_async] or not. They are
   * also the current session's [property@Avanue.Session:turn-credentials].
   *
   * Since: 0.1
   */
  signals[SIGNAL_TURN_CREDENTIALS] =
    g_signal_new ("turn-credentials", G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, AVANUE_TYPE_TURN_CREDENTIALS);

  /**
   * AvanueSignalingClient::server-error:
   * @self: the client
   * @code: the error code
   * @message: the server's explanation
   *
   * The server sent an `ERROR` that answers no pending request: about a
   * relayed message, for instance, or a failed automatic rejoin.
   *
   * Since: 0.1
   */
  signals[SIGNAL_SERVER_ERROR] =
    g_signal_new ("server-error", G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 2, AVANUE_TYPE_PROTOCOL_ERROR, G_TYPE_STRING);

  /**
   * AvanueSignalingClient::rejoined:
   * @self: the client
   * @session: the session, updated
   *
   * The device is back in @session after `REJOIN_SESSION`, automatic or
   * not; the events it missed have been emitted just before.
   *
   * Since: 0.1
   */
  signals[SIGNAL_REJOINED] =
    g_signal_new ("rejoined", G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, AVANUE_TYPE_SESSION);

  /**
   * AvanueSignalingClient::accept-certificate:
   * @self: the client
   * @certificate: the server's TLS certificate
   * @errors: what is wrong with it
   *
   * A `wss://` server's certificate does not verify against the system's
   * trust store. Return %TRUE to accept it anyway (for a self-signed
   * certificate the user has pinned, for instance); by default it is
   * refused.
   *
   * Returns: %TRUE to accept the certificate
   *
   * Since: 0.1
   */
  signals[SIGNAL_ACCEPT_CERTIFICATE] =
    g_signal_new ("accept-certificate", G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST, 0, g_signal_accumulator_true_handled, NULL, NULL,
                  G_TYPE_BOOLEAN, 2, G_TYPE_TLS_CERTIFICATE, G_TYPE_TLS_CERTIFICATE_FLAGS);
}

static void
avanue_signaling_client_init (AvanueSignalingClient *self)
{
  self->device_name = default_device_name ();
  self->platform = AVANUE_PLATFORM_DESKTOP;
  self->device_type = AVANUE_DEVICE_TYPE_DESKTOP;
  self->auto_reconnect = TRUE;
  self->request_timeout = DEFAULT_REQUEST_TIMEOUT_SECONDS;
  self->reconnect_min_ms = DEFAULT_RECONNECT_MIN_MS;
  self->reconnect_max_ms = DEFAULT_RECONNECT_MAX_MS;
  self->heartbeat_seconds = DEFAULT_HEARTBEAT_SECONDS;
  self->protocol = avanue_protocol_new ();
  avanue_protocol_set_max_frame_bytes (self->protocol, MAX_INCOMING_FRAME_BYTES);
  self->soup = soup_session_new_with_options ("user-agent", "avanue/" PACKAGE_VERSION " ", NULL);
  self->pending = g_hash_table_new_full (g_str_hash, g_str_equal, NULL,
                                         (GDestroyNotify) pending_request_free);
}

/* ------------------------------------------------------------------------
 * Public API: construction and properties
 * ------------------------------------------------------------------------ */

/**
 * avanue_signaling_client_new:
 * @uri: the signaling endpoint, such as `ws://127.0.0.1:8443/v1/signal`
 * @identity: the device's identity
 *
 * Creates a client; it does not connect until
 * [method@Avanue.SignalingClient.connect_async].
 *
 * Returns: (transfer full): a new client
 *
 * Since: 0.1
 */
AvanueSignalingClient *
avanue_signaling_client_new (const char     *uri,
                             AvanueIdentity *identity)
{
  g_return_val_if_fail (uri != NULL, NULL);
  g_return_val_if_fail (AVANUE_IS_IDENTITY (identity), NULL);

  return g_object_new (AVANUE_TYPE_SIGNALING_CLIENT,
                       "uri", uri,
                       "identity", identity,
                       NULL);
}

/**
 * avanue_signaling_client_get_uri:
 * @self: a client
 *
 * Returns: the signaling endpoint
 *
 * Since: 0.1
 */
const char *
avanue_signaling_client_get_uri (AvanueSignalingClient *self)
{
  g_return_val_if_fail (AVANUE_IS_SIGNALING_CLIENT (self), NULL);
  return self->uri;
}

/**
 * avanue_signaling_client_get_identity:
 * @self: a client
 *
 * Returns: (transfer none): the device's identity
 *
 * Since: 0.1
 */
AvanueIdentity *
avanue_signaling_client_get_identity (AvanueSignalingClient *self)
{
  g_return_val_if_fail (AVANUE_IS_SIGNALING_CLIENT (self), NULL);
  return self->identity;
}

/**
 * avanue_signaling_client_get_device_name:
 * @self: a client
 *
 * Returns: the name the device registers with
 *
 * Since: 0.1
 */
const char *
avanue_signaling_client_get_device_name (AvanueSignalingClient *self)
{
  g_return_val_if_fail (AVANUE_IS_SIGNALING_CLIENT (self), NULL);
  return self->device_name;
}

/**
 * avanue_signaling_client_set_device_name:
 * @self: a client
 * @device_name: (nullable): the name to register with, or %NULL (or
 *   empty) for the host name
 *
 * Sets [property@Avanue.SignalingClient:device-name].
 *
 * Since: 0.1
 */
void
avanue_signaling_client_set_device_name (AvanueSignalingClient *self,
                                         const char            *device_name)
{
  g_autofree char *name = NULL;

  g_return_if_fail (AVANUE_IS_SIGNALING_CLIENT (self));
  g_return_if_fail (device_name == NULL || g_utf8_validate (device_name, -1, NULL));

  if (device_name == NULL || *device_name == '\0')
    name = default_device_name ();
  else
    name = cut_device_name (device_name);
  if (g_strcmp0 (name, self->device_name) == 0)
    return;
  g_free (self->device_name);
  self->device_name = g_steal_pointer (&name);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_DEVICE_NAME]);
}

/**
 * avanue_signaling_client_get_platform:
 * @self: a client
 *
 * Returns: the platform the device registers with
 *
 * Since: 0.1
 */
AvanuePlatform
avanue_signaling_client_get_platform (AvanueSignalingClient *self)
{
  g_return_val_if_fail (AVANUE_IS_SIGNALING_CLIENT (self), AVANUE_PLATFORM_UNKNOWN);
  return self->platform;
}

/**
 * avanue_signaling_client_set_platform:
 * @self: a client
 * @platform: the platform to register with
 *
 * Sets [property@Avanue.SignalingClient:platform].
 *
 * Since: 0.1
 */
void
avanue_signaling_client_set_platform (AvanueSignalingClient *self,
                                      AvanuePlatform         platform)
{
  g_return_if_fail (AVANUE_IS_SIGNALING_CLIENT (self));

  if (self->platform == platform)
    return;
  self->platform = platform;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PLATFORM]);
}

/**
 * avanue_signaling_client_get_device_type:
 * @self: a client
 *
 * Returns: the device type the device registers with
 *
 * Since: 0.1
 */
AvanueDeviceType
avanue_signaling_client_get_device_type (AvanueSignalingClient *self)
{
  g_return_val_if_fail (AVANUE_IS_SIGNALING_CLIENT (self), AVANUE_DEVICE_TYPE_UNKNOWN);
  return self->device_type;
}

/**
 * avanue_signaling_client_set_device_type:
 * @self: a client
 * @device_type: the device type to register with
 *
 * Sets [property@Avanue.SignalingClient:device-type].
 *
 * Since: 0.1
 */
void
avanue_signaling_client_set_device_type (AvanueSignalingClient *self,
                                         AvanueDeviceType       device_type)
{
  g_return_if_fail (AVANUE_IS_SIGNALING_CLIENT (self));

  if (self->device_type == device_type)
    return;
  self->device_type = device_type;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_DEVICE_TYPE]);
}

/**
 * avanue_signaling_client_get_auto_reconnect:
 * @self: a client
 *
 * Returns: whether the client reconnects after losing the connection
 *
 * Since: 0.1
 */
gboolean
avanue_signaling_client_get_auto_reconnect (AvanueSignalingClient *self)
{
  g_return_val_if_fail (AVANUE_IS_SIGNALING_CLIENT (self), FALSE);
  return self->auto_reconnect;
}

/**
 * avanue_signaling_client_set_auto_reconnect:
 * @self: a client
 * @auto_reconnect: whether to reconnect after losing the connection
 *
 * Sets [property@Avanue.SignalingClient:auto-reconnect]. Turning it off
 * while the client waits to reconnect stops it
 * (%AVANUE_SIGNALING_STATE_DISCONNECTED).
 *
 * Since: 0.1
 */
void
avanue_signaling_client_set_auto_reconnect (AvanueSignalingClient *self,
                                            gboolean               auto_reconnect)
{
  g_return_if_fail (AVANUE_IS_SIGNALING_CLIENT (self));

  auto_reconnect = !!auto_reconnect;
  if (self->auto_reconnect == auto_reconnect)
    return;
  self->auto_reconnect = auto_reconnect;
  if (!auto_reconnect && self->reconnect_id != 0)
    {
      g_clear_handle_id (&self->reconnect_id, g_source_remove);
      set_state (self, AVANUE_SIGNALING_STATE_DISCONNECTED);
    }
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_AUTO_RECONNECT]);
}

/**
 * avanue_signaling_client_get_request_timeout:
 * @self: a client
 *
 * Returns: how long requests wait for an answer, in seconds
 *
 * Since: 0.1
 */
guint
avanue_signaling_client_get_request_timeout (AvanueSignalingClient *self)
{
  g_return_val_if_fail (AVANUE_IS_SIGNALING_CLIENT (self), 0);
  return self->request_timeout;
}

/**
 * avanue_signaling_client_set_request_timeout:
 * @self: a client
 * @seconds: how long requests wait for an answer (1 to 3600)
 *
 * Sets [property@Avanue.SignalingClient:request-timeout], for requests
 * sent from now on.
 *
 * Since: 0.1
 */
void
avanue_signaling_client_set_request_timeout (AvanueSignalingClient *self,
                                             guint                  seconds)
{
  g_return_if_fail (AVANUE_IS_SIGNALING_CLIENT (self));
  g_return_if_fail (seconds >= 1 && seconds <= 3600);

  if (self->request_timeout == seconds)
    return;
  self->request_timeout = seconds;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_REQUEST_TIMEOUT]);
}

/**
 * avanue_signaling_client_get_state:
 * @self: a client
 *
 * Returns: the state of the connection
 *
 * Since: 0.1
 */
AvanueSignalingState
avanue_signaling_client_get_state (AvanueSignalingClient *self)
{
  g_return_val_if_fail (AVANUE_IS_SIGNALING_CLIENT (self), AVANUE_SIGNALING_STATE_DISCONNECTED);
  return self->state;
}

/**
 * avanue_signaling_client_get_client_id:
 * @self: a client
 *
 * Returns: (nullable): the server's identifier of the current connection
 *
 * Since: 0.1
 */
const char *
avanue_signaling_client_get_client_id (AvanueSignalingClient *self)
{
  g_return_val_if_fail (AVANUE_IS_SIGNALING_CLIENT (self), NULL);
  return self->client_id;
}

/**
 * avanue_signaling_client_get_session:
 * @self: a client
 *
 * Returns: (transfer none) (nullable): the current session
 *
 * Since: 0.1
 */
AvanueSession *
avanue_signaling_client_get_session (AvanueSignalingClient *self)
{
  g_return_val_if_fail (AVANUE_IS_SIGNALING_CLIENT (self), NULL);
  return self->session;
}

/**
 * avanue_signaling_client_get_protocol:
 * @self: a client
 *
 * Returns: (transfer none): the protocol schema the client validates with
 *
 * Since: 0.1
 */
AvanueProtocol *
avanue_signaling_client_get_protocol (AvanueSignalingClient *self)
{
  g_return_val_if_fail (AVANUE_IS_SIGNALING_CLIENT (self), NULL);
  return self->protocol;
}

void
avanue_signaling_client_set_reconnect_delays (AvanueSignalingClient *self,
                                              guint                  min_ms,
                                              guint                  max_ms)
{
  g_return_if_fail (AVANUE_IS_SIGNALING_CLIENT (self));
  g_return_if_fail (min_ms >= 1 && min_ms <= max_ms);

  self->reconnect_min_ms = min_ms;
  self->reconnect_max_ms = max_ms;
}

/* ------------------------------------------------------------------------
 * Public API: connection
 * ------------------------------------------------------------------------ */

static gboolean
connect_cancel_idle_cb (gpointer user_data)
{
  GTask *task = user_data;
  AvanueSignalingClient *self = g_task_get_source_object (task);

  if (self->connect_task == task)
    cancel_connect (self);
  return G_SOURCE_REMOVE;
}

static void
on_connect_cancelled (GCancellable *cancellable,
                      gpointer      user_data)
{
  GTask *task = user_data;
  g_autoptr(GSource) source = g_idle_source_new ();

  g_source_set_priority (source, G_PRIORITY_DEFAULT);
  g_source_set_callback (source, connect_cancel_idle_cb, g_object_ref (task), g_object_unref);
  g_source_attach (source, g_task_get_context (task));
}

/**
 * avanue_signaling_client_connect_async:
 * @self: a client
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called when the device is registered, or
 *   connecting failed
 * @user_data: data for @callback
 *
 * Connects to the server and registers the device (see the class
 * description). If the client holds a session (the connection was lost
 * while [property@Avanue.SignalingClient:auto-reconnect] was off), it
 * rejoins it once registered.
 *
 * Connecting a client that is already registered succeeds at once; one
 * that is connecting fails with %G_IO_ERROR_PENDING.
 *
 * Since: 0.1
 */
void
avanue_signaling_client_connect_async (AvanueSignalingClient *self,
                                       GCancellable          *cancellable,
                                       GAsyncReadyCallback    callback,
                                       gpointer               user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (AVANUE_IS_SIGNALING_CLIENT (self));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, avanue_signaling_client_connect_async);

  if (g_task_return_error_if_cancelled (task))
    return;
  if (self->state == AVANUE_SIGNALING_STATE_REGISTERED)
    {
      g_task_return_boolean (task, TRUE);
      return;
    }
  if (self->state == AVANUE_SIGNALING_STATE_CONNECTING)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_PENDING,
                               "already connecting to the signaling server");
      return;
    }
  if (avanue_platform_to_string (self->platform) == NULL ||
      avanue_device_type_to_string (self->device_type) == NULL)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                               "the platform and the device type must be set");
      return;
    }

  self->stop_reconnecting = FALSE;
  self->reconnect_attempt = 0;
  self->connect_task = g_object_ref (task);
  if (cancellable != NULL)
    self->connect_cancelled_id = g_cancellable_connect (cancellable, G_CALLBACK (on_connect_cancelled),
                                                        task, NULL);
  start_attempt (self);
}

/**
 * avanue_signaling_client_connect_finish:
 * @self: a client
 * @result: the result passed to the callback
 * @error: return location for a #GError
 *
 * Finishes [method@Avanue.SignalingClient.connect_async].
 *
 * Returns: %TRUE if the device is registered
 *
 * Since: 0.1
 */
gboolean
avanue_signaling_client_connect_finish (AvanueSignalingClient  *self,
                                        GAsyncResult           *result,
                                        GError                **error)
{
  g_return_val_if_fail (AVANUE_IS_SIGNALING_CLIENT (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/**
 * avanue_signaling_client_disconnect:
 * @self: a client
 *
 * Closes the connection (normally: code 1000), stops reconnecting and
 * forgets the session; the state becomes
 * %AVANUE_SIGNALING_STATE_DISCONNECTED at once. A pending
 * [method@Avanue.SignalingClient.connect_async] fails with
 * %G_IO_ERROR_CANCELLED, pending requests with
 * %G_IO_ERROR_CONNECTION_CLOSED.
 *
 * Leaving the session first ([method@Avanue.SignalingClient.leave_session_async])
 * tells the others at once; otherwise the server marks this device
 * offline and removes it after the grace period.
 *
 * Since: 0.1
 */
void
avanue_signaling_client_disconnect (AvanueSignalingClient *self)
{
  g_autoptr(AvanueSignalingClient) keep = NULL;
  g_autoptr(GError) cancelled = NULL;
  g_autoptr(GError) closed = NULL;

  g_return_if_fail (AVANUE_IS_SIGNALING_CLIENT (self));

  keep = g_object_ref (self);
  g_clear_handle_id (&self->reconnect_id, g_source_remove);
  drop_websocket (self, SOUP_WEBSOCKET_CLOSE_NORMAL);
  set_client_id (self, NULL);
  set_session (self, NULL);
  set_state (self, AVANUE_SIGNALING_STATE_DISCONNECTED);

  cancelled = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED, "disconnected");
  complete_connect_task (self, cancelled);
  closed = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CONNECTION_CLOSED, "disconnected");
  fail_all_pending (self, closed);
}

/* ------------------------------------------------------------------------
 * Public API: requests
 * ------------------------------------------------------------------------ */

/* Starts a request; on a local failure @task is completed at once. */
static void
start_request (AvanueSignalingClient *self,
               GTask                 *task,
               PendingRequest        *pending,
               JsonObject            *message)
{
  g_autoptr(GError) error = NULL;

  if (!check_registered (self, &error))
    {
      pending_request_free (pending);
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  send_request (self, pending, message);
}

/**
 * avanue_signaling_client_ping_async:
 * @self: a client
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called with the server's `PONG`
 * @user_data: data for @callback
 *
 * Sends `PING`. The client already sends one every `heartbeatSeconds`;
 * this is for measuring or checking the connection on demand.
 *
 * Since: 0.1
 */
void
avanue_signaling_client_ping_async (AvanueSignalingClient *self,
                                    GCancellable          *cancellable,
                                    GAsyncReadyCallback    callback,
                                    gpointer               user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(JsonObject) message = NULL;
  PendingRequest *pending;

  g_return_if_fail (AVANUE_IS_SIGNALING_CLIENT (self));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, avanue_signaling_client_ping_async);
  if (g_task_return_error_if_cancelled (task))
    return;

  pending = pending_request_new (self, AVANUE_MESSAGE_TYPE_PING, task);
  message = avanue_protocol_build_ping (pending->id);
  start_request (self, task, pending, message);
}

/**
 * avanue_signaling_client_ping_finish:
 * @self: a client
 * @result: the result passed to the callback
 * @out_server_time_ms: (out) (optional): the server's clock in `PONG`, in
 *   milliseconds since the Unix epoch
 * @error: return location for a #GError
 *
 * Finishes [method@Avanue.SignalingClient.ping_async].
 *
 * Returns: %TRUE if the server answered
 *
 * Since: 0.1
 */
gboolean
avanue_signaling_client_ping_finish (AvanueSignalingClient  *self,
                                     GAsyncResult           *result,
                                     gint64                 *out_server_time_ms,
                                     GError                **error)
{
  g_autofree gint64 *timestamp = NULL;

  g_return_val_if_fail (AVANUE_IS_SIGNALING_CLIENT (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  timestamp = g_task_propagate_pointer (G_TASK (result), error);
  if (timestamp == NULL)
    return FALSE;
  if (out_server_time_ms != NULL)
    *out_server_time_ms = *timestamp;
  return TRUE;
}

/**
 * avanue_signaling_client_create_session_async:
 * @self: a client
 * @license_token: (nullable): a licence key (`avl_…`), or %NULL for the
 *   free tier if the server allows it
 * @session_type: `"CALL"`, `"CAST"`, `"SCREEN_SHARE"` or
 *   `"FILE_TRANSFER"`
 * @capabilities: (nullable): the device's capabilities, or %NULL for the
 *   last ones sent (or bare ones with the platform and device type)
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called with the new session
 * @user_data: data for @callback
 *
 * Creates a session with this device as its host (`CREATE_SESSION`).
 * On success the session becomes [property@Avanue.SignalingClient:session].
 *
 * Since: 0.1
 */
void
avanue_signaling_client_create_session_async (AvanueSignalingClient *self,
                                              const char            *license_token,
                                              const char            *session_type,
                                              AvanueCapabilities    *capabilities,
                                              GCancellable          *cancellable,
                                              GAsyncReadyCallback    callback,
                                              gpointer               user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(JsonObject) message = NULL;
  PendingRequest *pending;

  g_return_if_fail (AVANUE_IS_SIGNALING_CLIENT (self));
  g_return_if_fail (session_type != NULL);
  g_return_if_fail (capabilities == NULL || AVANUE_IS_CAPABILITIES (capabilities));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, avanue_signaling_client_create_session_async);
  if (g_task_return_error_if_cancelled (task))
    return;

  pending = pending_request_new (self, AVANUE_MESSAGE_TYPE_CREATE_SESSION, task);
  pending->capabilities = capabilities != NULL ? g_object_ref (capabilities) : default_capabilities (self);
  pending->licensed = license_token != NULL;
  message = avanue_protocol_build_create_session (pending->id, license_token, session_type,
                                                  pending->capabilities);
  start_request (self, task, pending, message);
}

/**
 * avanue_signaling_client_create_session_finish:
 * @self: a client
 * @result: the result passed to the callback
 * @error: return location for a #GError
 *
 * Finishes [method@Avanue.SignalingClient.create_session_async].
 *
 * Returns: (transfer full): the new session, or %NULL with @error set
 *   (for instance %AVANUE_PROTOCOL_ERROR_LICENSE_REQUIRED)
 *
 * Since: 0.1
 */
AvanueSession *
avanue_signaling_client_create_session_finish (AvanueSignalingClient  *self,
                                               GAsyncResult           *result,
                                               GError                **error)
{
  g_return_val_if_fail (AVANUE_IS_SIGNALING_CLIENT (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/**
 * avanue_signaling_client_join_session_async:
 * @self: a client
 * @invite_code: the invite code, as the user typed it (the server
 *   normalises case, spaces and dashes)
 * @capabilities: (nullable): the device's capabilities, or %NULL for the
 *   last ones sent
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called with the session
 * @user_data: data for @callback
 *
 * Joins a session as a guest (`JOIN_SESSION`). On success the session
 * becomes [property@Avanue.SignalingClient:session].
 *
 * Since: 0.1
 */
void
avanue_signaling_client_join_session_async (AvanueSignalingClient *self,
                                            const char            *invite_code,
                                            AvanueCapabilities    *capabilities,
                                            GCancellable          *cancellable,
                                            GAsyncReadyCallback    callback,
                                            gpointer               user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(JsonObject) message = NULL;
  PendingRequest *pending;

  g_return_if_fail (AVANUE_IS_SIGNALING_CLIENT (self));
  g_return_if_fail (invite_code != NULL);
  g_return_if_fail (capabilities == NULL || AVANUE_IS_CAPABILITIES (capabilities));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, avanue_signaling_client_join_session_async);
  if (g_task_return_error_if_cancelled (task))
    return;

  pending = pending_request_new (self, AVANUE_MESSAGE_TYPE_JOIN_SESSION, task);
  pending->capabilities = capabilities != NULL ? g_object_ref (capabilities) : default_capabilities (self);
  pending->invite_code = g_strdup (invite_code);
  message = avanue_protocol_build_join_session (pending->id, invite_code, pending->capabilities);
  start_request (self, task, pending, message);
}

/**
 * avanue_signaling_client_join_session_finish:
 * @self: a client
 * @result: the result passed to the callback
 * @error: return location for a #GError
 *
 * Finishes [method@Avanue.SignalingClient.join_session_async].
 *
 * Returns: (transfer full): the session, or %NULL with @error set (for
 *   instance %AVANUE_PROTOCOL_ERROR_SESSION_NOT_FOUND or
 *   %AVANUE_PROTOCOL_ERROR_SESSION_FULL)
 *
 * Since: 0.1
 */
AvanueSession *
avanue_signaling_client_join_session_finish (AvanueSignalingClient  *self,
                                             GAsyncResult           *result,
                                             GError                **error)
{
  g_return_val_if_fail (AVANUE_IS_SIGNALING_CLIENT (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/**
 * avanue_signaling_client_rejoin_session_async:
 * @self: a client
 * @session_id: the session to rejoin
 * @capabilities: (nullable): the device's capabilities, or %NULL for the
 *   last ones sent
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called with the session
 * @user_data: data for @callback
 *
 * Rejoins a session this device was in (`REJOIN_SESSION`), for instance
 * after the application restarted within the grace period. The client
 * does this by itself after reconnecting. On success the session becomes
 * [property@Avanue.SignalingClient:session] (updated in place if it
 * already was), the missed events are emitted, then
 * [signal@Avanue.SignalingClient::rejoined].
 *
 * Since: 0.1
 */
void
avanue_signaling_client_rejoin_session_async (AvanueSignalingClient *self,
                                              const char            *session_id,
                                              AvanueCapabilities    *capabilities,
                                              GCancellable          *cancellable,
                                              GAsyncReadyCallback    callback,
                                              gpointer               user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(AvanueCapabilities) caps = NULL;

  g_return_if_fail (AVANUE_IS_SIGNALING_CLIENT (self));
  g_return_if_fail (session_id != NULL);
  g_return_if_fail (capabilities == NULL || AVANUE_IS_CAPABILITIES (capabilities));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, avanue_signaling_client_rejoin_session_async);
  if (g_task_return_error_if_cancelled (task))
    return;
  if (!check_registered (self, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  caps = capabilities != NULL ? g_object_ref (capabilities) : default_capabilities (self);
  send_rejoin (self, task, session_id, caps);
}

/**
 * avanue_signaling_client_rejoin_session_finish:
 * @self: a client
 * @result: the result passed to the callback
 * @error: return location for a #GError
 *
 * Finishes [method@Avanue.SignalingClient.rejoin_session_async].
 *
 * Returns: (transfer full): the session, or %NULL with @error set (for
 *   instance %AVANUE_PROTOCOL_ERROR_SESSION_NOT_FOUND)
 *
 * Since: 0.1
 */
AvanueSession *
avanue_signaling_client_rejoin_session_finish (AvanueSignalingClient  *self,
                                               GAsyncResult           *result,
                                               GError                **error)
{
  g_return_val_if_fail (AVANUE_IS_SIGNALING_CLIENT (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
session_request_async (AvanueSignalingClient *self,
                       AvanueMessageType      type,
                       const char            *session_id,
                       gpointer               source_tag,
                       GCancellable          *cancellable,
                       GAsyncReadyCallback    callback,
                       gpointer               user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(JsonObject) message = NULL;
  PendingRequest *pending;

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, source_tag);
  if (g_task_return_error_if_cancelled (task))
    return;

  pending = pending_request_new (self, type, task);
  pending->session_id = g_strdup (session_id);
  switch (type)
    {
    case AVANUE_MESSAGE_TYPE_LEAVE_SESSION:
      message = avanue_protocol_build_leave_session (pending->id, session_id);
      break;
    case AVANUE_MESSAGE_TYPE_END_SESSION:
      message = avanue_protocol_build_end_session (pending->id, session_id);
      break;
    case AVANUE_MESSAGE_TYPE_REQUEST_TURN:
      message = avanue_protocol_build_request_turn (pending->id, session_id);
      break;
    default:
      g_assert_not_reached ();
    }
  start_request (self, task, pending, message);
}

/**
 * avanue_signaling_client_leave_session_async:
 * @self: a client
 * @session_id: the session to leave
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called when the server confirms
 * @user_data: data for @callback
 *
 * Leaves a session (`LEAVE_SESSION`); the others get
 * `PARTICIPANT_LEFT`. When the host leaves, the session ends
 * (`HOST_LEFT`). [property@Avanue.SignalingClient:session] becomes %NULL.
 *
 * Since: 0.1
 */
void
avanue_signaling_client_leave_session_async (AvanueSignalingClient *self,
                                             const char            *session_id,
                                             GCancellable          *cancellable,
                                             GAsyncReadyCallback    callback,
                                             gpointer               user_data)
{
  g_return_if_fail (AVANUE_IS_SIGNALING_CLIENT (self));
  g_return_if_fail (session_id != NULL);
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  session_request_async (self, AVANUE_MESSAGE_TYPE_LEAVE_SESSION, session_id,
                         avanue_signaling_client_leave_session_async,
                         cancellable, callback, user_data);
}

/**
 * avanue_signaling_client_leave_session_finish:
 * @self: a client
 * @result: the result passed to the callback
 * @error: return location for a #GError
 *
 * Finishes [method@Avanue.SignalingClient.leave_session_async].
 *
 * Returns: %TRUE if the device left the session
 *
 * Since: 0.1
 */
gboolean
avanue_signaling_client_leave_session_finish (AvanueSignalingClient  *self,
                                              GAsyncResult           *result,
                                              GError                **error)
{
  g_return_val_if_fail (AVANUE_IS_SIGNALING_CLIENT (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/**
 * avanue_signaling_client_end_session_async:
 * @self: a client
 * @session_id: the session to end
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called when the session has ended
 * @user_data: data for @callback
 *
 * Ends a session for everyone (`END_SESSION`; host only, others get
 * %AVANUE_PROTOCOL_ERROR_FORBIDDEN). Everyone, this device included,
 * gets `SESSION_ENDED` with reason `COMPLETED`, so
 * [signal@Avanue.SignalingClient::session-ended] is emitted before the
 * callback runs.
 *
 * Since: 0.1
 */
void
avanue_signaling_client_end_session_async (AvanueSignalingClient *self,
                                           const char            *session_id,
                                           GCancellable          *cancellable,
                                           GAsyncReadyCallback    callback,
                                           gpointer               user_data)
{
  g_return_if_fail (AVANUE_IS_SIGNALING_CLIENT (self));
  g_return_if_fail (session_id != NULL);
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  session_request_async (self, AVANUE_MESSAGE_TYPE_END_SESSION, session_id,
                         avanue_signaling_client_end_session_async,
                         cancellable, callback, user_data);
}

/**
 * avanue_signaling_client_end_session_finish:
 * @self: a client
 * @result: the result passed to the callback
 * @error: return location for a #GError
 *
 * Finishes [method@Avanue.SignalingClient.end_session_async].
 *
 * Returns: %TRUE if the session ended
 *
 * Since: 0.1
 */
gboolean
avanue_signaling_client_end_session_finish (AvanueSignalingClient  *self,
                                            GAsyncResult           *result,
                                            GError                **error)
{
  g_return_val_if_fail (AVANUE_IS_SIGNALING_CLIENT (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/**
 * avanue_signaling_client_request_turn_async:
 * @self: a client
 * @session_id: the session the credentials are for
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called with the credentials
 * @user_data: data for @callback
 *
 * Asks for TURN credentials (`REQUEST_TURN`). A session whose tier has no
 * relay gets %AVANUE_PROTOCOL_ERROR_TURN_UNAVAILABLE.
 *
 * Since: 0.1
 */
void
avanue_signaling_client_request_turn_async (AvanueSignalingClient *self,
                                            const char            *session_id,
                                            GCancellable          *cancellable,
                                            GAsyncReadyCallback    callback,
                                            gpointer               user_data)
{
  g_return_if_fail (AVANUE_IS_SIGNALING_CLIENT (self));
  g_return_if_fail (session_id != NULL);
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  session_request_async (self, AVANUE_MESSAGE_TYPE_REQUEST_TURN, session_id,
                         avanue_signaling_client_request_turn_async,
                         cancellable, callback, user_data);
}

/**
 * avanue_signaling_client_request_turn_finish:
 * @self: a client
 * @result: the result passed to the callback
 * @error: return location for a #GError
 *
 * Finishes [method@Avanue.SignalingClient.request_turn_async].
 *
 * Returns: (transfer full): the credentials, or %NULL with @error set
 *
 * Since: 0.1
 */
AvanueTurnCredentials *
avanue_signaling_client_request_turn_finish (AvanueSignalingClient  *self,
                                             GAsyncResult           *result,
                                             GError                **error)
{
  g_return_val_if_fail (AVANUE_IS_SIGNALING_CLIENT (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/* ------------------------------------------------------------------------
 * Public API: fire and forget
 * ------------------------------------------------------------------------ */

static gboolean
check_in_session (AvanueSignalingClient  *self,
                  const char             *session_id,
                  GError                **error)
{
  if (!check_registered (self, error))
    return FALSE;
  if (self->session == NULL || g_strcmp0 (avanue_session_get_session_id (self->session), session_id) != 0)
    {
      g_set_error_literal (error, AVANUE_PROTOCOL_ERROR, AVANUE_PROTOCOL_ERROR_NOT_IN_SESSION,
                           "the device is not in that session");
      return FALSE;
    }
  return TRUE;
}

static gboolean
send_in_session (AvanueSignalingClient  *self,
                 const char             *session_id,
                 JsonObject             *message,
                 GError                **error)
{
  if (!check_in_session (self, session_id, error))
    return FALSE;
  return send_message (self, message, error);
}

/**
 * avanue_signaling_client_send_sdp_offer:
 * @self: a client
 * @session_id: the current session
 * @to_fingerprint: the participant to send it to
 * @sdp: the offer
 * @error: return location for a #GError
 *
 * Sends an SDP offer to a participant (`SDP_OFFER`), without waiting.
 *
 * Returns: %TRUE if it was sent; %FALSE with %G_IO_ERROR_NOT_CONNECTED,
 *   %AVANUE_PROTOCOL_ERROR_NOT_IN_SESSION, or the error the server would
 *   give (%AVANUE_PROTOCOL_ERROR_BAD_REQUEST,
 *   %AVANUE_PROTOCOL_ERROR_TOO_LARGE)
 *
 * Since: 0.1
 */
gboolean
avanue_signaling_client_send_sdp_offer (AvanueSignalingClient  *self,
                                        const char             *session_id,
                                        const char             *to_fingerprint,
                                        const char             *sdp,
                                        GError                **error)
{
  g_autoptr(JsonObject) message = NULL;

  g_return_val_if_fail (AVANUE_IS_SIGNALING_CLIENT (self), FALSE);
  g_return_val_if_fail (session_id != NULL, FALSE);
  g_return_val_if_fail (to_fingerprint != NULL, FALSE);
  g_return_val_if_fail (sdp != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  message = avanue_protocol_build_sdp_offer (NULL, session_id, to_fingerprint, sdp);
  return send_in_session (self, session_id, message, error);
}

/**
 * avanue_signaling_client_send_sdp_answer:
 * @self: a client
 * @session_id: the current session
 * @to_fingerprint: the participant whose offer this answers
 * @sdp: the answer
 * @error: return location for a #GError
 *
 * Sends an SDP answer to a participant (`SDP_ANSWER`), without waiting.
 *
 * Returns: %TRUE if it was sent; see
 *   [method@Avanue.SignalingClient.send_sdp_offer] for the errors
 *
 * Since: 0.1
 */
gboolean
avanue_signaling_client_send_sdp_answer (AvanueSignalingClient  *self,
                                         const char             *session_id,
                                         const char             *to_fingerprint,
                                         const char             *sdp,
                                         GError                **error)
{
  g_autoptr(JsonObject) message = NULL;

  g_return_val_if_fail (AVANUE_IS_SIGNALING_CLIENT (self), FALSE);
  g_return_val_if_fail (session_id != NULL, FALSE);
  g_return_val_if_fail (to_fingerprint != NULL, FALSE);
  g_return_val_if_fail (sdp != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  message = avanue_protocol_build_sdp_answer (NULL, session_id, to_fingerprint, sdp);
  return send_in_session (self, session_id, message, error);
}

/**
 * avanue_signaling_client_send_ice_candidate:
 * @self: a client
 * @session_id: the current session
 * @to_fingerprint: the participant to send it to
 * @candidate: the candidate line, or `""` for the end of candidates
 * @sdp_mid: (nullable): the media stream identification tag
 * @sdp_mline_index: the index of the media description, or -1
 * @error: return location for a #GError
 *
 * Sends an ICE candidate to a participant (`ICE_CANDIDATE`), without
 * waiting. With @sdp_mid or @sdp_mline_index the candidate goes as an
 * object `{candidate, sdpMid, sdpMLineIndex}`, as browsers expect;
 * otherwise as a plain string.
 *
 * Returns: %TRUE if it was sent; see
 *   [method@Avanue.SignalingClient.send_sdp_offer] for the errors
 *
 * Since: 0.1
 */
gboolean
avanue_signaling_client_send_ice_candidate (AvanueSignalingClient  *self,
                                            const char             *session_id,
                                            const char             *to_fingerprint,
                                            const char             *candidate,
                                            const char             *sdp_mid,
                                            int                     sdp_mline_index,
                                            GError                **error)
{
  g_autoptr(JsonObject) message = NULL;

  g_return_val_if_fail (AVANUE_IS_SIGNALING_CLIENT (self), FALSE);
  g_return_val_if_fail (session_id != NULL, FALSE);
  g_return_val_if_fail (to_fingerprint != NULL, FALSE);
  g_return_val_if_fail (candidate != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  message = avanue_protocol_build_ice_candidate (NULL, session_id, to_fingerprint, candidate,
                                                 sdp_mid, sdp_mline_index);
  return send_in_session (self, session_id, message, error);
}

/**
 * avanue_signaling_client_send_app_message:
 * @self: a client
 * @session_id: the current session
 * @to_fingerprint: (nullable): the participant to send it to, or %NULL
 *   for everyone else in the session
 * @payload: the application's object (at most 48 KiB serialised by
 *   default)
 * @error: return location for a #GError
 *
 * Sends an application-defined message (`APP_MESSAGE`), such as a call
 * rejection or a mute, without waiting.
 *
 * Returns: %TRUE if it was sent; see
 *   [method@Avanue.SignalingClient.send_sdp_offer] for the errors
 *
 * Since: 0.1
 */
gboolean
avanue_signaling_client_send_app_message (AvanueSignalingClient  *self,
                                          const char             *session_id,
                                          const char             *to_fingerprint,
                                          JsonObject             *payload,
                                          GError                **error)
{
  g_autoptr(JsonObject) message = NULL;

  g_return_val_if_fail (AVANUE_IS_SIGNALING_CLIENT (self), FALSE);
  g_return_val_if_fail (session_id != NULL, FALSE);
  g_return_val_if_fail (payload != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  message = avanue_protocol_build_app_message (NULL, session_id, to_fingerprint, payload);
  return send_in_session (self, session_id, message, error);
}

/**
 * avanue_signaling_client_update_capabilities:
 * @self: a client
 * @session_id: the current session
 * @capabilities: the device's capabilities now
 * @error: return location for a #GError
 *
 * Tells the server the device's capabilities changed
 * (`CAPABILITY_UPDATE`), which may elect another hub. They are also the
 * capabilities the client rejoins with.
 *
 * Returns: %TRUE if it was sent; see
 *   [method@Avanue.SignalingClient.send_sdp_offer] for the errors
 *
 * Since: 0.1
 */
gboolean
avanue_signaling_client_update_capabilities (AvanueSignalingClient  *self,
                                             const char             *session_id,
                                             AvanueCapabilities     *capabilities,
                                             GError                **error)
{
  g_autoptr(JsonObject) message = NULL;

  g_return_val_if_fail (AVANUE_IS_SIGNALING_CLIENT (self), FALSE);
  g_return_val_if_fail (session_id != NULL, FALSE);
  g_return_val_if_fail (AVANUE_IS_CAPABILITIES (capabilities), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  message = avanue_protocol_build_capability_update (NULL, session_id, capabilities);
  if (!send_in_session (self, session_id, message, error))
    return FALSE;
  g_set_object (&self->capabilities, capabilities);
  return TRUE;
}

/**
 * avanue_signaling_client_report_stats:
 * @self: a client
 * @session_id: the current session
 * @avg_latency_ms: the average round-trip time, in milliseconds
 * @avg_packet_loss_percent: the average packet loss, 0 to 100
 * @nat_type: `"open"`, `"full-cone"`, `"restricted"`,
 *   `"port-restricted"`, `"symmetric"` or `"unknown"`
 * @candidate_type: the type of the selected local candidate: `"host"`,
 *   `"srflx"`, `"prflx"` or `"relay"`
 * @error: return location for a #GError
 *
 * Reports connection statistics for the session's history
 * (`REPORT_STATS`), without waiting.
 *
 * Returns: %TRUE if it was sent; see
 *   [method@Avanue.SignalingClient.send_sdp_offer] for the errors
 *
 * Since: 0.1
 */
gboolean
avanue_signaling_client_report_stats (AvanueSignalingClient  *self,
                                      const char             *session_id,
                                      double                  avg_latency_ms,
                                      double                  avg_packet_loss_percent,
                                      const char             *nat_type,
                                      const char             *candidate_type,
                                      GError                **error)
{
  g_autoptr(JsonObject) message = NULL;

  g_return_val_if_fail (AVANUE_IS_SIGNALING_CLIENT (self), FALSE);
  g_return_val_if_fail (session_id != NULL, FALSE);
  g_return_val_if_fail (nat_type != NULL, FALSE);
  g_return_val_if_fail (candidate_type != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  message = avanue_protocol_build_report_stats (NULL, session_id, avg_latency_ms,
                                                avg_packet_loss_percent, nat_type, candidate_type);
  return send_in_session (self, session_id, message, error);
}
