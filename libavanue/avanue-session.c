/* SPDX-License-Identifier: LGPL-2.1-or-later */
/**
 * AvanueSession:
 *
 * A signaling session as this device sees it: its identifiers, its limits,
 * the elected hub, and the participants.
 *
 * An [class@Avanue.SignalingClient] creates the session when the server
 * answers `CREATE_SESSION`, `JOIN_SESSION` or `REJOIN_SESSION`, and keeps
 * it up to date from the server's events: `PARTICIPANT_JOINED`,
 * `PARTICIPANT_OFFLINE`, `PARTICIPANT_LEFT`, `HUB_ELECTED`,
 * `ROLE_CHANGED`, `TURN_CREDENTIALS`, `SESSION_REJOINED` and
 * `SESSION_ENDED` (DESIGN §5). Applications read it; every property
 * notifies when it changes.
 *
 * [method@Avanue.Session.get_participants] is a [iface@Gio.ListModel] of
 * [class@Avanue.Participant] in join order: a participant is appended when
 * it joins, updated in place (its properties notify) when it goes offline,
 * comes back or changes role, and removed when it leaves. The local device
 * is always in the list: when the server's answer does not name it (as
 * `SESSION_CREATED` does not), the client adds it from its own
 * registration.
 *
 * `HUB_ELECTED` updates [property@Avanue.Session:hub-fingerprint] and
 * also the topology roles (the new hub becomes
 * %AVANUE_TOPOLOGY_ROLE_HUB, a previous hub %AVANUE_TOPOLOGY_ROLE_SPOKE),
 * so the model is consistent whichever of `HUB_ELECTED` and the
 * `ROLE_CHANGED`s that go with it comes first.
 *
 * Since: 0.1
 */
#include "config.h"

#include "avanue-enum-types.h"
#include "avanue-invite-code.h"
#include "avanue-participant-private.h"
#include "avanue-protocol.h"
#include "avanue-session-private.h"

struct _AvanueSession
{
  GObject parent_instance;

  char *session_id;
  char *invite_code;
  char *join_url;
  char *session_type;
  char *hub_fingerprint;
  char *tier;
  guint max_peers;
  guint max_duration_seconds;
  gboolean turn_allowed;
  gint64 expires_at;
  AvanueTurnCredentials *turn_credentials;
  char *local_fingerprint;
  AvanueParticipantRole local_role;
  gboolean ended;
  char *end_reason;

  GListStore *participants;
};

G_DEFINE_FINAL_TYPE (AvanueSession, avanue_session, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_SESSION_ID,
  PROP_INVITE_CODE,
  PROP_JOIN_URL,
  PROP_SESSION_TYPE,
  PROP_HUB_FINGERPRINT,
  PROP_TIER,
  PROP_MAX_PEERS,
  PROP_MAX_DURATION_SECONDS,
  PROP_TURN_ALLOWED,
  PROP_EXPIRES_AT,
  PROP_TURN_CREDENTIALS,
  PROP_LOCAL_FINGERPRINT,
  PROP_LOCAL_ROLE,
  PROP_ENDED,
  PROP_END_REASON,
  PROP_PARTICIPANTS,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* ------------------------------------------------------------------------
 * Reading JSON defensively: the client validates every message with
 * AvanueProtocol first, but the model must not crash on anything.
 * ------------------------------------------------------------------------ */

static gboolean
bad_event (GError     **error,
           const char  *name,
           const char  *what)
{
  g_set_error (error, AVANUE_PROTOCOL_ERROR, AVANUE_PROTOCOL_ERROR_BAD_REQUEST,
               "%s: %s", name, what);
  return FALSE;
}

static gboolean
node_is_type (JsonNode *node,
              GType     type)
{
  return node != NULL && JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == type;
}

/* A string member, or NULL when it is missing, null or not a string. */
static const char *
get_string (JsonObject *object,
            const char *name)
{
  JsonNode *node = json_object_get_member (object, name);

  return node_is_type (node, G_TYPE_STRING) ? json_node_get_string (node) : NULL;
}

static gboolean
require_string (JsonObject  *object,
                const char  *name,
                const char **out_value,
                GError     **error)
{
  *out_value = get_string (object, name);
  if (*out_value == NULL || **out_value == '\0')
    return bad_event (error, name, "must be a non-empty string");
  return TRUE;
}

static gboolean
require_fingerprint (JsonObject  *object,
                     const char  *name,
                     const char **out_value,
                     GError     **error)
{
  *out_value = get_string (object, name);
  if (!avanue_protocol_is_valid_fingerprint (*out_value))
    return bad_event (error, name, "must be a fingerprint");
  return TRUE;
}

static JsonObject *
get_object (JsonObject *object,
            const char *name)
{
  JsonNode *node = json_object_get_member (object, name);

  return node != NULL && JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
}

static gboolean
read_count (JsonObject  *object,
            const char  *name,
            guint       *out_value,
            GError     **error)
{
  JsonNode *node = json_object_get_member (object, name);
  gint64 value;

  if (!node_is_type (node, G_TYPE_INT64))
    return bad_event (error, name, "must be an integer");
  value = json_node_get_int (node);
  if (value < 0 || value > G_MAXUINT)
    return bad_event (error, name, "out of range");
  *out_value = (guint) value;
  return TRUE;
}

/*
 * avanue_session_turn_credentials_from_json:
 * @object: `{username, password, urls[], ttlSeconds}`
 * @error: return location for a #GError
 *
 * Reads the TURN credentials of a `TURN_CREDENTIALS` message or of a
 * `turnCredentials` member.
 *
 * Returns: (transfer full) (nullable): the credentials
 */
AvanueTurnCredentials *
avanue_session_turn_credentials_from_json (JsonObject  *object,
                                           GError     **error)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  g_auto(GStrv) urls = NULL;
  const char *username;
  const char *password;
  guint ttl_seconds;
  JsonNode *node;

  g_return_val_if_fail (object != NULL, NULL);

  if (!require_string (object, "username", &username, error) ||
      !require_string (object, "password", &password, error) ||
      !read_count (object, "ttlSeconds", &ttl_seconds, error))
    {
      g_prefix_error (error, "turn credentials: ");
      return NULL;
    }

  node = json_object_get_member (object, "urls");
  if (node != NULL && !JSON_NODE_HOLDS_NULL (node))
    {
      JsonArray *array;

      if (!JSON_NODE_HOLDS_ARRAY (node))
        {
          bad_event (error, "turn credentials: urls", "must be an array");
          return NULL;
        }
      array = json_node_get_array (node);
      for (guint i = 0; i < json_array_get_length (array); i++)
        {
          JsonNode *element = json_array_get_element (array, i);

          if (!node_is_type (element, G_TYPE_STRING))
            {
              bad_event (error, "turn credentials: urls", "must hold strings");
              return NULL;
            }
          g_strv_builder_add (builder, json_node_get_string (element));
        }
    }
  urls = g_strv_builder_end (builder);

  return g_object_new (AVANUE_TYPE_TURN_CREDENTIALS,
                       "username", username,
                       "password", password,
                       "ttl-seconds", ttl_seconds,
                       "urls", urls,
                       NULL);
}

/* ------------------------------------------------------------------------
 * Setters (notify on change only)
 * ------------------------------------------------------------------------ */

static void
set_string_prop (AvanueSession  *self,
                 char          **field,
                 const char     *value,
                 guint           prop)
{
  if (g_strcmp0 (*field, value) == 0)
    return;
  g_free (*field);
  *field = g_strdup (value);
  g_object_notify_by_pspec (G_OBJECT (self), properties[prop]);
}

#define SET_SCALAR(self, field, value, PROP)                                  \
  G_STMT_START {                                                              \
    if ((self)->field != (value))                                             \
      {                                                                       \
        (self)->field = (value);                                              \
        g_object_notify_by_pspec (G_OBJECT (self), properties[PROP]);         \
      }                                                                       \
  } G_STMT_END

/* ------------------------------------------------------------------------
 * Participants
 * ------------------------------------------------------------------------ */

static AvanueParticipant *
find_participant (AvanueSession *self,
                  const char    *fingerprint,
                  guint         *out_position)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->participants));

  if (fingerprint == NULL)
    return NULL;
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(AvanueParticipant) participant = g_list_model_get_item (G_LIST_MODEL (self->participants), i);

      if (g_str_equal (avanue_participant_get_fingerprint (participant), fingerprint))
        {
          if (out_position != NULL)
            *out_position = i;
          /* the store holds a reference */
          return participant;
        }
    }
  return NULL;
}

static void
sync_local_role (AvanueSession *self)
{
  AvanueParticipant *local = find_participant (self, self->local_fingerprint, NULL);

  if (local != NULL)
    avanue_session_set_local_role (self, avanue_participant_get_role (local));
}

/* Makes the model's topology roles agree with @hub_fingerprint. */
static void
apply_hub (AvanueSession *self,
           const char    *hub_fingerprint)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->participants));

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(AvanueParticipant) participant = g_list_model_get_item (G_LIST_MODEL (self->participants), i);
      gboolean is_hub = g_strcmp0 (avanue_participant_get_fingerprint (participant), hub_fingerprint) == 0;

      if (is_hub)
        avanue_participant_set_topology_role (participant, AVANUE_TOPOLOGY_ROLE_HUB);
      else if (avanue_participant_get_topology_role (participant) == AVANUE_TOPOLOGY_ROLE_HUB)
        avanue_participant_set_topology_role (participant, AVANUE_TOPOLOGY_ROLE_SPOKE);
    }
}

/* Adds or updates one participant from its JSON object. */
static gboolean
upsert_participant (AvanueSession  *self,
                    JsonObject     *object,
                    GError        **error)
{
  g_autoptr(AvanueParticipant) fresh = avanue_participant_new_from_json (object, error);
  AvanueParticipant *existing;

  if (fresh == NULL)
    return FALSE;
  existing = find_participant (self, avanue_participant_get_fingerprint (fresh), NULL);
  if (existing != NULL)
    {
      if (!avanue_participant_update_from_json (existing, object, error))
        return FALSE;
    }
  else
    {
      g_list_store_append (self->participants, fresh);
    }
  sync_local_role (self);
  return TRUE;
}

/* Makes the list match @array (a full participants list): existing
 * participants are updated in place and keep their position, those no
 * longer listed are removed (except the local device), new ones are
 * appended in the array's order. Nothing changes if an element is
 * invalid. */
static gboolean
reconcile_participants (AvanueSession  *self,
                        JsonArray      *array,
                        GError        **error)
{
  g_autoptr(GPtrArray) parsed = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GPtrArray) added = g_ptr_array_new ();
  g_autoptr(GHashTable) listed = g_hash_table_new (g_str_hash, g_str_equal);
  guint n_array = json_array_get_length (array);
  guint n;

  /* Check everything before changing anything. */
  for (guint i = 0; i < n_array; i++)
    {
      JsonNode *node = json_array_get_element (array, i);
      AvanueParticipant *participant;

      if (!JSON_NODE_HOLDS_OBJECT (node))
        return bad_event (error, "participants", "must hold objects");
      participant = avanue_participant_new_from_json (json_node_get_object (node), error);
      if (participant == NULL)
        {
          g_prefix_error (error, "participants[%u]: ", i);
          return FALSE;
        }
      g_ptr_array_add (parsed, participant);
    }

  for (guint i = 0; i < parsed->len; i++)
    {
      AvanueParticipant *participant = g_ptr_array_index (parsed, i);
      const char *fingerprint = avanue_participant_get_fingerprint (participant);
      AvanueParticipant *existing;

      if (!g_hash_table_add (listed, (gpointer) fingerprint))
        continue;                       /* listed twice: the first wins */
      existing = find_participant (self, fingerprint, NULL);
      if (existing != NULL)
        {
          JsonObject *object = json_array_get_object_element (array, i);

          /* cannot fail: the same object parsed above */
          avanue_participant_update_from_json (existing, object, NULL);
        }
      else
        {
          g_ptr_array_add (added, participant);
        }
    }

  n = g_list_model_get_n_items (G_LIST_MODEL (self->participants));
  for (guint i = n; i > 0; i--)
    {
      g_autoptr(AvanueParticipant) participant = g_list_model_get_item (G_LIST_MODEL (self->participants), i - 1);
      const char *fingerprint = avanue_participant_get_fingerprint (participant);

      if (!g_hash_table_contains (listed, fingerprint) &&
          g_strcmp0 (fingerprint, self->local_fingerprint) != 0)
        g_list_store_remove (self->participants, i - 1);
    }

  if (added->len > 0)
    {
      n = g_list_model_get_n_items (G_LIST_MODEL (self->participants));
      g_list_store_splice (self->participants, n, 0, added->pdata, added->len);
    }

  sync_local_role (self);
  return TRUE;
}

/* ------------------------------------------------------------------------
 * Events
 * ------------------------------------------------------------------------ */

/* SESSION_CREATED, SESSION_JOINED, SESSION_REJOINED: the whole state. */
static gboolean
apply_session_state (AvanueSession  *self,
                     JsonObject     *event,
                     GError        **error)
{
  g_autoptr(AvanueTurnCredentials) credentials = NULL;
  const char *session_type = get_string (event, "sessionType");
  const char *invite_code = get_string (event, "inviteCode");
  const char *join_url = get_string (event, "joinUrl");
  JsonNode *hub = json_object_get_member (event, "hubFingerprint");
  JsonObject *limits = get_object (event, "limits");
  JsonObject *turn = get_object (event, "turnCredentials");
  JsonNode *participants = json_object_get_member (event, "participants");
  const char *tier = NULL;
  guint max_peers = 0;
  guint max_duration = 0;
  gboolean turn_allowed = FALSE;
  gint64 expires_at = 0;

  if (session_type == NULL)
    return bad_event (error, "sessionType", "must be a string");
  if (hub != NULL && !JSON_NODE_HOLDS_NULL (hub) &&
      !avanue_protocol_is_valid_fingerprint (get_string (event, "hubFingerprint")))
    return bad_event (error, "hubFingerprint", "must be a fingerprint or null");
  if (participants != NULL && !JSON_NODE_HOLDS_ARRAY (participants))
    return bad_event (error, "participants", "must be an array");

  if (limits != NULL)
    {
      JsonNode *node;

      if (!require_string (limits, "tier", &tier, error) ||
          !read_count (limits, "maxPeers", &max_peers, error) ||
          !read_count (limits, "maxDurationSeconds", &max_duration, error))
        {
          g_prefix_error (error, "limits.");
          return FALSE;
        }
      node = json_object_get_member (limits, "turnAllowed");
      if (!node_is_type (node, G_TYPE_BOOLEAN))
        return bad_event (error, "limits.turnAllowed", "must be a boolean");
      turn_allowed = json_node_get_boolean (node);
      node = json_object_get_member (limits, "expiresAt");
      if (node != NULL && !JSON_NODE_HOLDS_NULL (node))
        {
          if (!node_is_type (node, G_TYPE_INT64) || json_node_get_int (node) < 0)
            return bad_event (error, "limits.expiresAt", "must be a time in ms or null");
          expires_at = json_node_get_int (node);
        }
    }

  if (turn != NULL)
    {
      credentials = avanue_session_turn_credentials_from_json (turn, error);
      if (credentials == NULL)
        return FALSE;
    }

  g_object_freeze_notify (G_OBJECT (self));

  if (participants != NULL && !reconcile_participants (self, json_node_get_array (participants), error))
    {
      g_object_thaw_notify (G_OBJECT (self));
      return FALSE;
    }

  set_string_prop (self, &self->session_type, session_type, PROP_SESSION_TYPE);
  if (invite_code != NULL)
    set_string_prop (self, &self->invite_code, invite_code, PROP_INVITE_CODE);
  if (join_url != NULL)
    set_string_prop (self, &self->join_url, join_url, PROP_JOIN_URL);
  if (hub != NULL)
    set_string_prop (self, &self->hub_fingerprint, get_string (event, "hubFingerprint"),
                     PROP_HUB_FINGERPRINT);
  if (limits != NULL)
    {
      set_string_prop (self, &self->tier, tier, PROP_TIER);
      SET_SCALAR (self, max_peers, max_peers, PROP_MAX_PEERS);
      SET_SCALAR (self, max_duration_seconds, max_duration, PROP_MAX_DURATION_SECONDS);
      SET_SCALAR (self, turn_allowed, turn_allowed, PROP_TURN_ALLOWED);
      SET_SCALAR (self, expires_at, expires_at, PROP_EXPIRES_AT);
    }
  if (credentials != NULL)
    avanue_session_set_turn_credentials (self, credentials);

  g_object_thaw_notify (G_OBJECT (self));
  return TRUE;
}

/*
 * avanue_session_apply_event:
 * @self: an #AvanueSession
 * @event: a server → client message
 * @error: return location for a #GError
 *
 * Applies one event of the server to the model. Events that do not
 * concern the model (relayed SDP, for instance) are accepted and change
 * nothing; an event that names another session, or that is malformed, is
 * an error (%AVANUE_PROTOCOL_ERROR_BAD_REQUEST) and changes nothing.
 *
 * Returns: %TRUE if @event was applied
 */
gboolean
avanue_session_apply_event (AvanueSession  *self,
                            JsonObject     *event,
                            GError        **error)
{
  const char *type_name;
  const char *session_id;
  const char *fingerprint;
  const char *value;
  AvanueParticipant *participant;
  AvanueMessageType type;
  guint position;

  g_return_val_if_fail (AVANUE_IS_SESSION (self), FALSE);
  g_return_val_if_fail (event != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  type_name = get_string (event, "type");
  type = avanue_message_type_from_string (type_name);
  if (type == AVANUE_MESSAGE_TYPE_UNKNOWN)
    return bad_event (error, "type", "not a message type");

  session_id = get_string (event, "sessionId");
  if (json_object_has_member (event, "sessionId") &&
      g_strcmp0 (session_id, self->session_id) != 0)
    {
      g_set_error (error, AVANUE_PROTOCOL_ERROR, AVANUE_PROTOCOL_ERROR_BAD_REQUEST,
                   "%s is for another session", type_name);
      return FALSE;
    }

  switch (type)
    {
    case AVANUE_MESSAGE_TYPE_SESSION_CREATED:
    case AVANUE_MESSAGE_TYPE_SESSION_JOINED:
    case AVANUE_MESSAGE_TYPE_SESSION_REJOINED:
      return apply_session_state (self, event, error);

    case AVANUE_MESSAGE_TYPE_SESSION_ENDED:
      if (!require_string (event, "reason", &value, error))
        return FALSE;
      avanue_session_mark_ended (self, value);
      return TRUE;

    case AVANUE_MESSAGE_TYPE_PARTICIPANT_JOINED:
      {
        JsonObject *object = get_object (event, "participant");

        if (object == NULL)
          return bad_event (error, "participant", "must be an object");
        return upsert_participant (self, object, error);
      }

    case AVANUE_MESSAGE_TYPE_PARTICIPANT_OFFLINE:
      if (!require_fingerprint (event, "fingerprint", &fingerprint, error))
        return FALSE;
      participant = find_participant (self, fingerprint, NULL);
      if (participant != NULL)
        avanue_participant_set_online (participant, FALSE);
      return TRUE;

    case AVANUE_MESSAGE_TYPE_PARTICIPANT_LEFT:
      if (!require_fingerprint (event, "fingerprint", &fingerprint, error))
        return FALSE;
      if (find_participant (self, fingerprint, &position) != NULL)
        g_list_store_remove (self->participants, position);
      return TRUE;

    case AVANUE_MESSAGE_TYPE_HUB_ELECTED:
      if (!require_fingerprint (event, "hubFingerprint", &fingerprint, error))
        return FALSE;
      g_object_freeze_notify (G_OBJECT (self));
      set_string_prop (self, &self->hub_fingerprint, fingerprint, PROP_HUB_FINGERPRINT);
      apply_hub (self, fingerprint);
      g_object_thaw_notify (G_OBJECT (self));
      return TRUE;

    case AVANUE_MESSAGE_TYPE_ROLE_CHANGED:
      {
        AvanueTopologyRole role;

        if (!require_fingerprint (event, "fingerprint", &fingerprint, error))
          return FALSE;
        if (!avanue_topology_role_from_string (get_string (event, "newRole"), &role))
          return bad_event (error, "newRole", "must be HUB or SPOKE");
        participant = find_participant (self, fingerprint, NULL);
        if (participant != NULL)
          avanue_participant_set_topology_role (participant, role);
        return TRUE;
      }

    case AVANUE_MESSAGE_TYPE_TURN_CREDENTIALS:
      {
        g_autoptr(AvanueTurnCredentials) credentials = NULL;

        credentials = avanue_session_turn_credentials_from_json (event, error);
        if (credentials == NULL)
          return FALSE;
        avanue_session_set_turn_credentials (self, credentials);
        return TRUE;
      }

    case AVANUE_MESSAGE_TYPE_UNKNOWN:
    case AVANUE_MESSAGE_TYPE_REGISTER_DEVICE:
    case AVANUE_MESSAGE_TYPE_PING:
    case AVANUE_MESSAGE_TYPE_CREATE_SESSION:
    case AVANUE_MESSAGE_TYPE_JOIN_SESSION:
    case AVANUE_MESSAGE_TYPE_REJOIN_SESSION:
    case AVANUE_MESSAGE_TYPE_LEAVE_SESSION:
    case AVANUE_MESSAGE_TYPE_END_SESSION:
    case AVANUE_MESSAGE_TYPE_SDP_OFFER:
    case AVANUE_MESSAGE_TYPE_SDP_ANSWER:
    case AVANUE_MESSAGE_TYPE_ICE_CANDIDATE:
    case AVANUE_MESSAGE_TYPE_APP_MESSAGE:
    case AVANUE_MESSAGE_TYPE_CAPABILITY_UPDATE:
    case AVANUE_MESSAGE_TYPE_REQUEST_TURN:
    case AVANUE_MESSAGE_TYPE_REPORT_STATS:
    case AVANUE_MESSAGE_TYPE_PAIR_REQUEST:
    case AVANUE_MESSAGE_TYPE_PAIR_ACCEPT:
    case AVANUE_MESSAGE_TYPE_PAIR_REJECT:
    case AVANUE_MESSAGE_TYPE_REGISTER_PUSH:
    case AVANUE_MESSAGE_TYPE_PUBLISH_KEYS:
    case AVANUE_MESSAGE_TYPE_FETCH_KEYS:
    case AVANUE_MESSAGE_TYPE_ENCRYPTED_MESSAGE:
    case AVANUE_MESSAGE_TYPE_MESSAGE_ACK:
    case AVANUE_MESSAGE_TYPE_CONNECTED:
    case AVANUE_MESSAGE_TYPE_PONG:
    case AVANUE_MESSAGE_TYPE_DEVICE_REGISTERED:
    case AVANUE_MESSAGE_TYPE_SESSION_LEFT:
    case AVANUE_MESSAGE_TYPE_PAIR_REQUESTED:
    case AVANUE_MESSAGE_TYPE_PAIR_ESTABLISHED:
    case AVANUE_MESSAGE_TYPE_PAIR_REJECTED:
    case AVANUE_MESSAGE_TYPE_PUSH_REGISTERED:
    case AVANUE_MESSAGE_TYPE_KEYS_PUBLISHED:
    case AVANUE_MESSAGE_TYPE_KEY_BUNDLE:
    case AVANUE_MESSAGE_TYPE_MESSAGE_ACCEPTED:
    case AVANUE_MESSAGE_TYPE_ERROR:
    default:
      return TRUE;
    }
}

/*
 * avanue_session_new_from_message:
 * @message: `SESSION_CREATED`, `SESSION_JOINED` or `SESSION_REJOINED`
 * @local_fingerprint: this device's fingerprint
 * @error: return location for a #GError
 *
 * Returns: (transfer full) (nullable): a new session
 */
AvanueSession *
avanue_session_new_from_message (JsonObject  *message,
                                 const char  *local_fingerprint,
                                 GError     **error)
{
  g_autoptr(AvanueSession) self = NULL;
  const char *session_id;

  g_return_val_if_fail (message != NULL, NULL);
  g_return_val_if_fail (local_fingerprint != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  switch (avanue_message_type_from_string (get_string (message, "type")))
    {
    case AVANUE_MESSAGE_TYPE_SESSION_CREATED:
    case AVANUE_MESSAGE_TYPE_SESSION_JOINED:
    case AVANUE_MESSAGE_TYPE_SESSION_REJOINED:
      break;
    default:
      bad_event (error, "type", "not SESSION_CREATED, SESSION_JOINED or SESSION_REJOINED");
      return NULL;
    }
  if (!require_string (message, "sessionId", &session_id, error))
    return NULL;

  self = g_object_new (AVANUE_TYPE_SESSION, NULL);
  self->session_id = g_strdup (session_id);
  self->local_fingerprint = g_strdup (local_fingerprint);
  if (!avanue_session_apply_event (self, message, error))
    return NULL;
  return g_steal_pointer (&self);
}

/* Sets the code a guest joined with, normalised, and the join URL made
 * from it; a code that does not normalise is dropped. */
void
avanue_session_set_invite_code (AvanueSession *self,
                                const char    *invite_code)
{
  g_autoptr(AvanueInviteCode) code = NULL;
  g_autofree char *url = NULL;

  g_return_if_fail (AVANUE_IS_SESSION (self));

  if (invite_code != NULL)
    code = avanue_invite_code_new_from_string (invite_code, NULL);
  if (code != NULL)
    url = avanue_invite_code_get_join_url (code);

  g_object_freeze_notify (G_OBJECT (self));
  set_string_prop (self, &self->invite_code, code != NULL ? avanue_invite_code_get_code (code) : NULL,
                   PROP_INVITE_CODE);
  set_string_prop (self, &self->join_url, url, PROP_JOIN_URL);
  g_object_thaw_notify (G_OBJECT (self));
}

void
avanue_session_set_local_role (AvanueSession         *self,
                               AvanueParticipantRole  role)
{
  g_return_if_fail (AVANUE_IS_SESSION (self));
  SET_SCALAR (self, local_role, role, PROP_LOCAL_ROLE);
}

void
avanue_session_set_turn_credentials (AvanueSession         *self,
                                     AvanueTurnCredentials *credentials)
{
  g_return_if_fail (AVANUE_IS_SESSION (self));
  g_return_if_fail (credentials == NULL || AVANUE_IS_TURN_CREDENTIALS (credentials));

  if (g_set_object (&self->turn_credentials, credentials))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TURN_CREDENTIALS]);
}

void
avanue_session_mark_ended (AvanueSession *self,
                           const char    *reason)
{
  g_return_if_fail (AVANUE_IS_SESSION (self));

  g_object_freeze_notify (G_OBJECT (self));
  set_string_prop (self, &self->end_reason, reason, PROP_END_REASON);
  SET_SCALAR (self, ended, TRUE, PROP_ENDED);
  g_object_thaw_notify (G_OBJECT (self));
}

/* ------------------------------------------------------------------------
 * GObject
 * ------------------------------------------------------------------------ */

static void
avanue_session_dispose (GObject *object)
{
  AvanueSession *self = AVANUE_SESSION (object);

  g_clear_object (&self->turn_credentials);

  G_OBJECT_CLASS (avanue_session_parent_class)->dispose (object);
}

static void
avanue_session_finalize (GObject *object)
{
  AvanueSession *self = AVANUE_SESSION (object);

  g_clear_object (&self->participants);
  g_clear_pointer (&self->session_id, g_free);
  g_clear_pointer (&self->invite_code, g_free);
  g_clear_pointer (&self->join_url, g_free);
  g_clear_pointer (&self->session_type, g_free);
  g_clear_pointer (&self->hub_fingerprint, g_free);
  g_clear_pointer (&self->tier, g_free);
  g_clear_pointer (&self->local_fingerprint, g_free);
  g_clear_pointer (&self->end_reason, g_free);

  G_OBJECT_CLASS (avanue_session_parent_class)->finalize (object);
}

static void
avanue_session_get_property (GObject    *object,
                             guint       prop_id,
                             GValue     *value,
                             GParamSpec *pspec)
{
  AvanueSession *self = AVANUE_SESSION (object);

  switch (prop_id)
    {
    case PROP_SESSION_ID:
      g_value_set_string (value, self->session_id);
      break;
    case PROP_INVITE_CODE:
      g_value_set_string (value, self->invite_code);
      break;
    case PROP_JOIN_URL:
      g_value_set_string (value, self->join_url);
      break;
    case PROP_SESSION_TYPE:
      g_value_set_string (value, self->session_type);
      break;
    case PROP_HUB_FINGERPRINT:
      g_value_set_string (value, self->hub_fingerprint);
      break;
    case PROP_TIER:
      g_value_set_string (value, self->tier);
      break;
    case PROP_MAX_PEERS:
      g_value_set_uint (value, self->max_peers);
      break;
    case PROP_MAX_DURATION_SECONDS:
      g_value_set_uint (value, self->max_duration_seconds);
      break;
    case PROP_TURN_ALLOWED:
      g_value_set_boolean (value, self->turn_allowed);
      break;
    case PROP_EXPIRES_AT:
      g_value_set_int64 (value, self->expires_at);
      break;
    case PROP_TURN_CREDENTIALS:
      g_value_set_object (value, self->turn_credentials);
      break;
    case PROP_LOCAL_FINGERPRINT:
      g_value_set_string (value, self->local_fingerprint);
      break;
    case PROP_LOCAL_ROLE:
      g_value_set_enum (value, self->local_role);
      break;
    case PROP_ENDED:
      g_value_set_boolean (value, self->ended);
      break;
    case PROP_END_REASON:
      g_value_set_string (value, self->end_reason);
      break;
    case PROP_PARTICIPANTS:
      g_value_set_object (value, self->participants);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
avanue_session_class_init (AvanueSessionClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags flags = G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY;

  object_class->dispose = avanue_session_dispose;
  object_class->finalize = avanue_session_finalize;
  object_class->get_property = avanue_session_get_property;

  /**
   * AvanueSession:session-id: (getter get_session_id)
   *
   * The server's identifier of the session.
   *
   * Since: 0.1
   */
  properties[PROP_SESSION_ID] =
    g_param_spec_string ("session-id", NULL, NULL, NULL, flags);

  /**
   * AvanueSession:invite-code: (getter get_invite_code)
   *
   * The invite code (`AVNE-XXXX-XXXX`) others join with: from the server
   * for the host, the code it joined with for a guest; %NULL when not
   * known (a session rejoined after a restart of the application).
   *
   * Since: 0.1
   */
  properties[PROP_INVITE_CODE] =
    g_param_spec_string ("invite-code", NULL, NULL, NULL, flags);

  /**
   * AvanueSession:join-url: (getter get_join_url)
   *
   * The invite as a link, `avanues://join/CODE`; %NULL when the invite
   * code is not known.
   *
   * Since: 0.1
   */
  properties[PROP_JOIN_URL] =
    g_param_spec_string ("join-url", NULL, NULL, NULL, flags);

  /**
   * AvanueSession:session-type: (getter get_session_type)
   *
   * `CALL`, `CAST`, `SCREEN_SHARE` or `FILE_TRANSFER`.
   *
   * Since: 0.1
   */
  properties[PROP_SESSION_TYPE] =
    g_param_spec_string ("session-type", NULL, NULL, NULL, flags);

  /**
   * AvanueSession:hub-fingerprint: (getter get_hub_fingerprint)
   *
   * The fingerprint of the elected hub, or %NULL while there is none.
   *
   * Since: 0.1
   */
  properties[PROP_HUB_FINGERPRINT] =
    g_param_spec_string ("hub-fingerprint", NULL, NULL, NULL, flags);

  /**
   * AvanueSession:tier: (getter get_tier)
   *
   * The tier of the host's licence that bounds the session: `free`,
   * `pro`, `business` or `enterprise`.
   *
   * Since: 0.1
   */
  properties[PROP_TIER] =
    g_param_spec_string ("tier", NULL, NULL, NULL, flags);

  /**
   * AvanueSession:max-peers: (getter get_max_peers)
   *
   * How many devices may be in the session, the host included; 0 means
   * no limit.
   *
   * Since: 0.1
   */
  properties[PROP_MAX_PEERS] =
    g_param_spec_uint ("max-peers", NULL, NULL, 0, G_MAXUINT, 0, flags);

  /**
   * AvanueSession:max-duration-seconds: (getter get_max_duration_seconds)
   *
   * How long the session may last, in seconds; 0 means no limit.
   *
   * Since: 0.1
   */
  properties[PROP_MAX_DURATION_SECONDS] =
    g_param_spec_uint ("max-duration-seconds", NULL, NULL, 0, G_MAXUINT, 0, flags);

  /**
   * AvanueSession:turn-allowed: (getter get_turn_allowed)
   *
   * Whether the session's tier may use the TURN relay.
   *
   * Since: 0.1
   */
  properties[PROP_TURN_ALLOWED] =
    g_param_spec_boolean ("turn-allowed", NULL, NULL, FALSE, flags);

  /**
   * AvanueSession:expires-at: (getter get_expires_at)
   *
   * When the session ends at the latest, in milliseconds since the Unix
   * epoch; 0 if it has no end.
   *
   * Since: 0.1
   */
  properties[PROP_EXPIRES_AT] =
    g_param_spec_int64 ("expires-at", NULL, NULL, 0, G_MAXINT64, 0, flags);

  /**
   * AvanueSession:turn-credentials: (getter get_turn_credentials)
   *
   * The latest TURN credentials the server gave for this session, or
   * %NULL.
   *
   * Since: 0.1
   */
  properties[PROP_TURN_CREDENTIALS] =
    g_param_spec_object ("turn-credentials", NULL, NULL,
                         AVANUE_TYPE_TURN_CREDENTIALS, flags);

  /**
   * AvanueSession:local-fingerprint: (getter get_local_fingerprint)
   *
   * This device's fingerprint.
   *
   * Since: 0.1
   */
  properties[PROP_LOCAL_FINGERPRINT] =
    g_param_spec_string ("local-fingerprint", NULL, NULL, NULL, flags);

  /**
   * AvanueSession:local-role: (getter get_local_role)
   *
   * Whether this device is the session's host or a guest.
   *
   * Since: 0.1
   */
  properties[PROP_LOCAL_ROLE] =
    g_param_spec_enum ("local-role", NULL, NULL,
                       AVANUE_TYPE_PARTICIPANT_ROLE, AVANUE_PARTICIPANT_ROLE_GUEST, flags);

  /**
   * AvanueSession:ended: (getter get_ended)
   *
   * Whether the session has ended; see
   * [property@Avanue.Session:end-reason].
   *
   * Since: 0.1
   */
  properties[PROP_ENDED] =
    g_param_spec_boolean ("ended", NULL, NULL, FALSE, flags);

  /**
   * AvanueSession:end-reason: (getter get_end_reason)
   *
   * Why the session ended: `COMPLETED`, `HOST_LEFT`, `TIMEOUT`,
   * `LICENSE_EXPIRED`, `ADMIN` or `ERROR` as the server said, or the
   * error code (`SESSION_NOT_FOUND`, `SESSION_ENDED`, …) of a rejoin that
   * found it gone; %NULL while it has not ended.
   *
   * Since: 0.1
   */
  properties[PROP_END_REASON] =
    g_param_spec_string ("end-reason", NULL, NULL, NULL, flags);

  /**
   * AvanueSession:participants: (getter get_participants)
   *
   * The participants, a [iface@Gio.ListModel] of
   * [class@Avanue.Participant] in join order.
   *
   * Since: 0.1
   */
  properties[PROP_PARTICIPANTS] =
    g_param_spec_object ("participants", NULL, NULL,
                         G_TYPE_LIST_MODEL, flags);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
avanue_session_init (AvanueSession *self)
{
  self->participants = g_list_store_new (AVANUE_TYPE_PARTICIPANT);
}

/* ------------------------------------------------------------------------
 * Public API
 * ------------------------------------------------------------------------ */

/**
 * avanue_session_get_session_id:
 * @self: an #AvanueSession
 *
 * Returns: the session's identifier
 *
 * Since: 0.1
 */
const char *
avanue_session_get_session_id (AvanueSession *self)
{
  g_return_val_if_fail (AVANUE_IS_SESSION (self), NULL);
  return self->session_id;
}

/**
 * avanue_session_get_invite_code:
 * @self: an #AvanueSession
 *
 * Returns: (nullable): the invite code, or %NULL if not known
 *
 * Since: 0.1
 */
const char *
avanue_session_get_invite_code (AvanueSession *self)
{
  g_return_val_if_fail (AVANUE_IS_SESSION (self), NULL);
  return self->invite_code;
}

/**
 * avanue_session_get_join_url:
 * @self: an #AvanueSession
 *
 * Returns: (nullable): the join URL, or %NULL if not known
 *
 * Since: 0.1
 */
const char *
avanue_session_get_join_url (AvanueSession *self)
{
  g_return_val_if_fail (AVANUE_IS_SESSION (self), NULL);
  return self->join_url;
}

/**
 * avanue_session_get_session_type:
 * @self: an #AvanueSession
 *
 * Returns: the session type, such as `"CALL"`
 *
 * Since: 0.1
 */
const char *
avanue_session_get_session_type (AvanueSession *self)
{
  g_return_val_if_fail (AVANUE_IS_SESSION (self), NULL);
  return self->session_type;
}

/**
 * avanue_session_get_hub_fingerprint:
 * @self: an #AvanueSession
 *
 * Returns: (nullable): the hub's fingerprint, or %NULL while there is none
 *
 * Since: 0.1
 */
const char *
avanue_session_get_hub_fingerprint (AvanueSession *self)
{
  g_return_val_if_fail (AVANUE_IS_SESSION (self), NULL);
  return self->hub_fingerprint;
}

/**
 * avanue_session_get_tier:
 * @self: an #AvanueSession
 *
 * Returns: (nullable): the tier, such as `"free"`, or %NULL if the server
 *   did not say
 *
 * Since: 0.1
 */
const char *
avanue_session_get_tier (AvanueSession *self)
{
  g_return_val_if_fail (AVANUE_IS_SESSION (self), NULL);
  return self->tier;
}

/**
 * avanue_session_get_max_peers:
 * @self: an #AvanueSession
 *
 * Returns: the most devices the session may hold; 0 for no limit
 *
 * Since: 0.1
 */
guint
avanue_session_get_max_peers (AvanueSession *self)
{
  g_return_val_if_fail (AVANUE_IS_SESSION (self), 0);
  return self->max_peers;
}

/**
 * avanue_session_get_max_duration_seconds:
 * @self: an #AvanueSession
 *
 * Returns: the longest the session may last, in seconds; 0 for no limit
 *
 * Since: 0.1
 */
guint
avanue_session_get_max_duration_seconds (AvanueSession *self)
{
  g_return_val_if_fail (AVANUE_IS_SESSION (self), 0);
  return self->max_duration_seconds;
}

/**
 * avanue_session_get_turn_allowed:
 * @self: an #AvanueSession
 *
 * Returns: whether the session may use the TURN relay
 *
 * Since: 0.1
 */
gboolean
avanue_session_get_turn_allowed (AvanueSession *self)
{
  g_return_val_if_fail (AVANUE_IS_SESSION (self), FALSE);
  return self->turn_allowed;
}

/**
 * avanue_session_get_expires_at:
 * @self: an #AvanueSession
 *
 * Returns: when the session ends at the latest, in milliseconds since the
 *   Unix epoch; 0 if it has no end
 *
 * Since: 0.1
 */
gint64
avanue_session_get_expires_at (AvanueSession *self)
{
  g_return_val_if_fail (AVANUE_IS_SESSION (self), 0);
  return self->expires_at;
}

/**
 * avanue_session_get_turn_credentials:
 * @self: an #AvanueSession
 *
 * Returns: (transfer none) (nullable): the latest TURN credentials, or
 *   %NULL
 *
 * Since: 0.1
 */
AvanueTurnCredentials *
avanue_session_get_turn_credentials (AvanueSession *self)
{
  g_return_val_if_fail (AVANUE_IS_SESSION (self), NULL);
  return self->turn_credentials;
}

/**
 * avanue_session_get_local_fingerprint:
 * @self: an #AvanueSession
 *
 * Returns: this device's fingerprint
 *
 * Since: 0.1
 */
const char *
avanue_session_get_local_fingerprint (AvanueSession *self)
{
  g_return_val_if_fail (AVANUE_IS_SESSION (self), NULL);
  return self->local_fingerprint;
}

/**
 * avanue_session_get_local_role:
 * @self: an #AvanueSession
 *
 * Returns: whether this device is the host or a guest
 *
 * Since: 0.1
 */
AvanueParticipantRole
avanue_session_get_local_role (AvanueSession *self)
{
  g_return_val_if_fail (AVANUE_IS_SESSION (self), AVANUE_PARTICIPANT_ROLE_GUEST);
  return self->local_role;
}

/**
 * avanue_session_get_ended:
 * @self: an #AvanueSession
 *
 * Returns: whether the session has ended
 *
 * Since: 0.1
 */
gboolean
avanue_session_get_ended (AvanueSession *self)
{
  g_return_val_if_fail (AVANUE_IS_SESSION (self), FALSE);
  return self->ended;
}

/**
 * avanue_session_get_end_reason:
 * @self: an #AvanueSession
 *
 * Returns: (nullable): why the session ended, or %NULL while it has not
 *
 * Since: 0.1
 */
const char *
avanue_session_get_end_reason (AvanueSession *self)
{
  g_return_val_if_fail (AVANUE_IS_SESSION (self), NULL);
  return self->end_reason;
}

/**
 * avanue_session_get_participants:
 * @self: an #AvanueSession
 *
 * The participants in join order, this device included. The model
 * changes as participants join and leave; each participant's properties
 * change as it goes offline, comes back or changes role.
 *
 * Returns: (transfer none): a list model of [class@Avanue.Participant]
 *
 * Since: 0.1
 */
GListModel *
avanue_session_get_participants (AvanueSession *self)
{
  g_return_val_if_fail (AVANUE_IS_SESSION (self), NULL);
  return G_LIST_MODEL (self->participants);
}

/**
 * avanue_session_lookup_participant:
 * @self: an #AvanueSession
 * @fingerprint: a device's fingerprint
 *
 * Returns: (transfer none) (nullable): the participant with @fingerprint,
 *   or %NULL if it is not in the session
 *
 * Since: 0.1
 */
AvanueParticipant *
avanue_session_lookup_participant (AvanueSession *self,
                                   const char    *fingerprint)
{
  g_return_val_if_fail (AVANUE_IS_SESSION (self), NULL);
  g_return_val_if_fail (fingerprint != NULL, NULL);
  return find_participant (self, fingerprint, NULL);
}

/**
 * avanue_session_get_local_participant:
 * @self: an #AvanueSession
 *
 * Returns: (transfer none) (nullable): this device as a participant
 *
 * Since: 0.1
 */
AvanueParticipant *
avanue_session_get_local_participant (AvanueSession *self)
{
  g_return_val_if_fail (AVANUE_IS_SESSION (self), NULL);
  return find_participant (self, self->local_fingerprint, NULL);
}
