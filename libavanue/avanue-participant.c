/* SPDX-License-Identifier: LGPL-2.1-or-later */
/**
 * AvanueParticipant:
 *
 * One device in a session, as the signaling server describes it: its
 * fingerprint, name, platform and device type, whether it is the host,
 * whether it is the hub of the topology, its capability score, and whether
 * it is online right now.
 *
 * Participants live in the list model of an [class@Avanue.Session]
 * ([method@Avanue.Session.get_participants]); the session keeps them up to
 * date from the server's events, and every property notifies when it
 * changes, so a UI can bind to them. Applications only read them.
 *
 * On the wire a participant is the object
 * `{fingerprint, deviceName, platform, deviceType, role, topologyRole,
 * isLicensed, capabilityScore, online, joinedAt}` (DESIGN §5);
 * [ctor@Avanue.Participant.new_from_json] reads it and
 * [method@Avanue.Participant.to_json] writes it.
 *
 * Since: 0.1
 */
#include "config.h"

#include <math.h>

#include "avanue-enum-types.h"
#include "avanue-participant-private.h"
#include "avanue-protocol.h"

struct _AvanueParticipant
{
  GObject parent_instance;

  char *fingerprint;
  char *device_name;
  AvanuePlatform platform;
  AvanueDeviceType device_type;
  AvanueParticipantRole role;
  AvanueTopologyRole topology_role;
  gboolean is_licensed;
  double capability_score;
  gboolean online;
  gint64 joined_at;
};

G_DEFINE_FINAL_TYPE (AvanueParticipant, avanue_participant, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_FINGERPRINT,
  PROP_DEVICE_NAME,
  PROP_PLATFORM,
  PROP_DEVICE_TYPE,
  PROP_ROLE,
  PROP_TOPOLOGY_ROLE,
  PROP_IS_LICENSED,
  PROP_CAPABILITY_SCORE,
  PROP_ONLINE,
  PROP_JOINED_AT,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static const char * const participant_role_names[] = {
  [AVANUE_PARTICIPANT_ROLE_GUEST] = "GUEST",
  [AVANUE_PARTICIPANT_ROLE_HOST] = "HOST",
};

static const char * const topology_role_names[] = {
  [AVANUE_TOPOLOGY_ROLE_SPOKE] = "SPOKE",
  [AVANUE_TOPOLOGY_ROLE_HUB] = "HUB",
};

/**
 * avanue_participant_role_to_string:
 * @role: a participant role
 *
 * Returns: (nullable): the wire name of @role (`"HOST"` or `"GUEST"`), or
 *   %NULL if @role is not a role
 *
 * Since: 0.1
 */
const char *
avanue_participant_role_to_string (AvanueParticipantRole role)
{
  if ((guint) role >= G_N_ELEMENTS (participant_role_names))
    return NULL;
  return participant_role_names[role];
}

/**
 * avanue_participant_role_from_string:
 * @str: (nullable): a wire name such as `"HOST"`
 * @out_role: (out) (optional): the role
 *
 * Returns: %TRUE if @str names a participant role
 *
 * Since: 0.1
 */
gboolean
avanue_participant_role_from_string (const char            *str,
                                     AvanueParticipantRole *out_role)
{
  for (guint i = 0; str != NULL && i < G_N_ELEMENTS (participant_role_names); i++)
    {
      if (g_str_equal (str, participant_role_names[i]))
        {
          if (out_role != NULL)
            *out_role = (AvanueParticipantRole) i;
          return TRUE;
        }
    }
  return FALSE;
}

/**
 * avanue_topology_role_to_string:
 * @role: a topology role
 *
 * Returns: (nullable): the wire name of @role (`"HUB"` or `"SPOKE"`), or
 *   %NULL if @role is not a topology role
 *
 * Since: 0.1
 */
const char *
avanue_topology_role_to_string (AvanueTopologyRole role)
{
  if ((guint) role >= G_N_ELEMENTS (topology_role_names))
    return NULL;
  return topology_role_names[role];
}

/**
 * avanue_topology_role_from_string:
 * @str: (nullable): a wire name such as `"HUB"`
 * @out_role: (out) (optional): the topology role
 *
 * Returns: %TRUE if @str names a topology role
 *
 * Since: 0.1
 */
gboolean
avanue_topology_role_from_string (const char         *str,
                                  AvanueTopologyRole *out_role)
{
  for (guint i = 0; str != NULL && i < G_N_ELEMENTS (topology_role_names); i++)
    {
      if (g_str_equal (str, topology_role_names[i]))
        {
          if (out_role != NULL)
            *out_role = (AvanueTopologyRole) i;
          return TRUE;
        }
    }
  return FALSE;
}

/* ------------------------------------------------------------------------
 * Reading the wire form
 * ------------------------------------------------------------------------ */

/* A participant object as read from JSON: each field with whether it was
 * there. */
typedef struct
{
  const char *fingerprint;
  const char *device_name;
  gboolean has_platform;
  AvanuePlatform platform;
  gboolean has_device_type;
  AvanueDeviceType device_type;
  gboolean has_role;
  AvanueParticipantRole role;
  gboolean has_topology_role;
  AvanueTopologyRole topology_role;
  gboolean has_is_licensed;
  gboolean is_licensed;
  gboolean has_capability_score;
  double capability_score;
  gboolean has_online;
  gboolean online;
  gboolean has_joined_at;
  gint64 joined_at;
} ParticipantFields;

static gboolean
bad_field (GError     **error,
           const char  *name,
           const char  *what)
{
  g_set_error (error, AVANUE_PROTOCOL_ERROR, AVANUE_PROTOCOL_ERROR_BAD_REQUEST,
               "participant.%s: %s", name, what);
  return FALSE;
}

/* Returns the member @name if it is there and not null. */
static JsonNode *
get_member (JsonObject *object,
            const char *name)
{
  JsonNode *node = json_object_get_member (object, name);

  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return NULL;
  return node;
}

static gboolean
node_is_type (JsonNode *node,
              GType     type)
{
  return JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == type;
}

static gboolean
read_string (JsonObject  *object,
             const char  *name,
             const char **out_value,
             GError     **error)
{
  JsonNode *node = get_member (object, name);

  *out_value = NULL;
  if (node == NULL)
    return TRUE;
  if (!node_is_type (node, G_TYPE_STRING))
    return bad_field (error, name, "must be a string");
  *out_value = json_node_get_string (node);
  return TRUE;
}

static gboolean
read_boolean (JsonObject  *object,
              const char  *name,
              gboolean    *out_present,
              gboolean    *out_value,
              GError     **error)
{
  JsonNode *node = get_member (object, name);

  *out_present = FALSE;
  if (node == NULL)
    return TRUE;
  if (!node_is_type (node, G_TYPE_BOOLEAN))
    return bad_field (error, name, "must be a boolean");
  *out_present = TRUE;
  *out_value = json_node_get_boolean (node);
  return TRUE;
}

static gboolean
parse_fields (JsonObject         *object,
              ParticipantFields  *fields,
              GError            **error)
{
  const char *str;
  JsonNode *node;

  *fields = (ParticipantFields) { 0 };

  if (!read_string (object, "fingerprint", &fields->fingerprint, error))
    return FALSE;
  if (fields->fingerprint == NULL)
    return bad_field (error, "fingerprint", "missing");
  if (!avanue_protocol_is_valid_fingerprint (fields->fingerprint))
    return bad_field (error, "fingerprint", "must be 64 lowercase hex digits");

  if (!read_string (object, "deviceName", &fields->device_name, error))
    return FALSE;

  if (!read_string (object, "platform", &str, error))
    return FALSE;
  if (str != NULL)
    {
      if (!avanue_platform_from_string (str, &fields->platform))
        return bad_field (error, "platform", "unknown platform");
      fields->has_platform = TRUE;
    }

  if (!read_string (object, "deviceType", &str, error))
    return FALSE;
  if (str != NULL)
    {
      if (!avanue_device_type_from_string (str, &fields->device_type))
        return bad_field (error, "deviceType", "unknown device type");
      fields->has_device_type = TRUE;
    }

  if (!read_string (object, "role", &str, error))
    return FALSE;
  if (str != NULL)
    {
      if (!avanue_participant_role_from_string (str, &fields->role))
        return bad_field (error, "role", "must be HOST or GUEST");
      fields->has_role = TRUE;
    }

  if (!read_string (object, "topologyRole", &str, error))
    return FALSE;
  if (str != NULL)
    {
      if (!avanue_topology_role_from_string (str, &fields->topology_role))
        return bad_field (error, "topologyRole", "must be HUB or SPOKE");
      fields->has_topology_role = TRUE;
    }

  if (!read_boolean (object, "isLicensed", &fields->has_is_licensed, &fields->is_licensed, error))
    return FALSE;
  if (!read_boolean (object, "online", &fields->has_online, &fields->online, error))
    return FALSE;

  node = get_member (object, "capabilityScore");
  if (node != NULL)
    {
      if (!node_is_type (node, G_TYPE_DOUBLE) && !node_is_type (node, G_TYPE_INT64))
        return bad_field (error, "capabilityScore", "must be a number");
      fields->capability_score = json_node_get_double (node);
      if (!isfinite (fields->capability_score) || fields->capability_score < 0)
        return bad_field (error, "capabilityScore", "must be a finite number ≥ 0");
      fields->has_capability_score = TRUE;
    }

  node = get_member (object, "joinedAt");
  if (node != NULL)
    {
      if (!node_is_type (node, G_TYPE_INT64))
        return bad_field (error, "joinedAt", "must be an integer (ms since the epoch)");
      fields->joined_at = json_node_get_int (node);
      if (fields->joined_at < 0)
        return bad_field (error, "joinedAt", "must not be negative");
      fields->has_joined_at = TRUE;
    }

  return TRUE;
}

/* ------------------------------------------------------------------------
 * Setters (notify on change only)
 * ------------------------------------------------------------------------ */

static void
set_device_name (AvanueParticipant *self,
                 const char        *device_name)
{
  if (g_strcmp0 (self->device_name, device_name) == 0)
    return;
  g_free (self->device_name);
  self->device_name = g_strdup (device_name);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_DEVICE_NAME]);
}

#define DEFINE_SETTER(field, PROP, type)                                      \
static void                                                                   \
set_##field (AvanueParticipant *self,                                         \
             type               value)                                        \
{                                                                             \
  if (self->field == value)                                                   \
    return;                                                                   \
  self->field = value;                                                        \
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP]);               \
}

DEFINE_SETTER (platform, PROP_PLATFORM, AvanuePlatform)
DEFINE_SETTER (device_type, PROP_DEVICE_TYPE, AvanueDeviceType)
DEFINE_SETTER (role, PROP_ROLE, AvanueParticipantRole)
DEFINE_SETTER (topology_role, PROP_TOPOLOGY_ROLE, AvanueTopologyRole)
DEFINE_SETTER (is_licensed, PROP_IS_LICENSED, gboolean)
DEFINE_SETTER (capability_score, PROP_CAPABILITY_SCORE, double)
DEFINE_SETTER (online, PROP_ONLINE, gboolean)
DEFINE_SETTER (joined_at, PROP_JOINED_AT, gint64)

#undef DEFINE_SETTER

static void
apply_fields (AvanueParticipant       *self,
              const ParticipantFields *fields)
{
  g_object_freeze_notify (G_OBJECT (self));
  if (fields->device_name != NULL)
    set_device_name (self, fields->device_name);
  if (fields->has_platform)
    set_platform (self, fields->platform);
  if (fields->has_device_type)
    set_device_type (self, fields->device_type);
  if (fields->has_role)
    set_role (self, fields->role);
  if (fields->has_topology_role)
    set_topology_role (self, fields->topology_role);
  if (fields->has_is_licensed)
    set_is_licensed (self, fields->is_licensed);
  if (fields->has_capability_score)
    set_capability_score (self, fields->capability_score);
  if (fields->has_online)
    set_online (self, fields->online);
  if (fields->has_joined_at)
    set_joined_at (self, fields->joined_at);
  g_object_thaw_notify (G_OBJECT (self));
}

/* ------------------------------------------------------------------------
 * GObject
 * ------------------------------------------------------------------------ */

static void
avanue_participant_finalize (GObject *object)
{
  AvanueParticipant *self = AVANUE_PARTICIPANT (object);

  g_clear_pointer (&self->fingerprint, g_free);
  g_clear_pointer (&self->device_name, g_free);

  G_OBJECT_CLASS (avanue_participant_parent_class)->finalize (object);
}

static void
avanue_participant_get_property (GObject    *object,
                                 guint       prop_id,
                                 GValue     *value,
                                 GParamSpec *pspec)
{
  AvanueParticipant *self = AVANUE_PARTICIPANT (object);

  switch (prop_id)
    {
    case PROP_FINGERPRINT:
      g_value_set_string (value, self->fingerprint);
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
    case PROP_ROLE:
      g_value_set_enum (value, self->role);
      break;
    case PROP_TOPOLOGY_ROLE:
      g_value_set_enum (value, self->topology_role);
      break;
    case PROP_IS_LICENSED:
      g_value_set_boolean (value, self->is_licensed);
      break;
    case PROP_CAPABILITY_SCORE:
      g_value_set_double (value, self->capability_score);
      break;
    case PROP_ONLINE:
      g_value_set_boolean (value, self->online);
      break;
    case PROP_JOINED_AT:
      g_value_set_int64 (value, self->joined_at);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
avanue_participant_class_init (AvanueParticipantClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags flags = G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY;

  object_class->finalize = avanue_participant_finalize;
  object_class->get_property = avanue_participant_get_property;

  /**
   * AvanueParticipant:fingerprint: (getter get_fingerprint)
   *
   * The device's identity: lowercase hex SHA-256 of its Ed25519 public
   * key. It never changes.
   *
   * Since: 0.1
   */
  properties[PROP_FINGERPRINT] =
    g_param_spec_string ("fingerprint", NULL, NULL, NULL, flags);

  /**
   * AvanueParticipant:device-name: (getter get_device_name)
   *
   * The name the device registered with, for display.
   *
   * Since: 0.1
   */
  properties[PROP_DEVICE_NAME] =
    g_param_spec_string ("device-name", NULL, NULL, NULL, flags);

  /**
   * AvanueParticipant:platform: (getter get_platform)
   *
   * The device's platform.
   *
   * Since: 0.1
   */
  properties[PROP_PLATFORM] =
    g_param_spec_enum ("platform", NULL, NULL,
                       AVANUE_TYPE_PLATFORM, AVANUE_PLATFORM_UNKNOWN, flags);

  /**
   * AvanueParticipant:device-type: (getter get_device_type)
   *
   * The kind of device.
   *
   * Since: 0.1
   */
  properties[PROP_DEVICE_TYPE] =
    g_param_spec_enum ("device-type", NULL, NULL,
                       AVANUE_TYPE_DEVICE_TYPE, AVANUE_DEVICE_TYPE_UNKNOWN, flags);

  /**
   * AvanueParticipant:role: (getter get_role)
   *
   * Whether the device created the session (host) or joined it (guest).
   *
   * Since: 0.1
   */
  properties[PROP_ROLE] =
    g_param_spec_enum ("role", NULL, NULL,
                       AVANUE_TYPE_PARTICIPANT_ROLE, AVANUE_PARTICIPANT_ROLE_GUEST, flags);

  /**
   * AvanueParticipant:topology-role: (getter get_topology_role)
   *
   * Whether the device is the session's elected hub or a spoke.
   *
   * Since: 0.1
   */
  properties[PROP_TOPOLOGY_ROLE] =
    g_param_spec_enum ("topology-role", NULL, NULL,
                       AVANUE_TYPE_TOPOLOGY_ROLE, AVANUE_TOPOLOGY_ROLE_SPOKE, flags);

  /**
   * AvanueParticipant:is-licensed: (getter get_is_licensed)
   *
   * Whether the device brought a licence (the host's licence sets the
   * session's tier).
   *
   * Since: 0.1
   */
  properties[PROP_IS_LICENSED] =
    g_param_spec_boolean ("is-licensed", NULL, NULL, FALSE, flags);

  /**
   * AvanueParticipant:capability-score: (getter get_capability_score)
   *
   * The device's capability score (see [method@Avanue.Capabilities.score]),
   * which hub election ranks devices by.
   *
   * Since: 0.1
   */
  properties[PROP_CAPABILITY_SCORE] =
    g_param_spec_double ("capability-score", NULL, NULL,
                         0, G_MAXDOUBLE, 0, flags);

  /**
   * AvanueParticipant:online: (getter get_online)
   *
   * Whether the device is connected. A device that disconnects stays in
   * the session, offline, for a grace period in which it may rejoin.
   *
   * Since: 0.1
   */
  properties[PROP_ONLINE] =
    g_param_spec_boolean ("online", NULL, NULL, FALSE, flags);

  /**
   * AvanueParticipant:joined-at: (getter get_joined_at)
   *
   * When the device joined the session, in milliseconds since the Unix
   * epoch; 0 if unknown.
   *
   * Since: 0.1
   */
  properties[PROP_JOINED_AT] =
    g_param_spec_int64 ("joined-at", NULL, NULL,
                        0, G_MAXINT64, 0, flags);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
avanue_participant_init (AvanueParticipant *self)
{
  self->online = TRUE;
}

/* ------------------------------------------------------------------------
 * Public API
 * ------------------------------------------------------------------------ */

/**
 * avanue_participant_new_from_json:
 * @object: a participant object as the protocol sends it
 * @error: return location for a #GError
 *
 * Reads a participant object (DESIGN §5). `fingerprint` is required and
 * must be a valid fingerprint; the other fields are read when they are
 * there (a field that is missing or `null` keeps its default: no name,
 * unknown platform and device type, guest, spoke, unlicensed, score 0,
 * online, joined at 0) and must have the right type and value when they
 * are. Unknown members are ignored.
 *
 * Returns: (transfer full) (nullable): a new participant, or %NULL with
 *   @error set (%AVANUE_PROTOCOL_ERROR_BAD_REQUEST)
 *
 * Since: 0.1
 */
AvanueParticipant *
avanue_participant_new_from_json (JsonObject  *object,
                                  GError     **error)
{
  ParticipantFields fields;
  AvanueParticipant *self;

  g_return_val_if_fail (object != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!parse_fields (object, &fields, error))
    return NULL;

  self = g_object_new (AVANUE_TYPE_PARTICIPANT, NULL);
  self->fingerprint = g_strdup (fields.fingerprint);
  /* Nobody can be watching yet: set fields without notifying. */
  self->device_name = g_strdup (fields.device_name);
  if (fields.has_platform)
    self->platform = fields.platform;
  if (fields.has_device_type)
    self->device_type = fields.device_type;
  if (fields.has_role)
    self->role = fields.role;
  if (fields.has_topology_role)
    self->topology_role = fields.topology_role;
  if (fields.has_is_licensed)
    self->is_licensed = fields.is_licensed;
  if (fields.has_capability_score)
    self->capability_score = fields.capability_score;
  if (fields.has_online)
    self->online = fields.online;
  if (fields.has_joined_at)
    self->joined_at = fields.joined_at;
  return self;
}

/**
 * avanue_participant_to_json:
 * @self: an #AvanueParticipant
 *
 * Writes the participant in its protocol form. A platform or device type
 * that is unknown and a missing device name are left out.
 *
 * Returns: (transfer full): a new JSON object
 *
 * Since: 0.1
 */
JsonObject *
avanue_participant_to_json (AvanueParticipant *self)
{
  JsonObject *object;

  g_return_val_if_fail (AVANUE_IS_PARTICIPANT (self), NULL);

  object = json_object_new ();
  json_object_set_string_member (object, "fingerprint", self->fingerprint);
  if (self->device_name != NULL)
    json_object_set_string_member (object, "deviceName", self->device_name);
  if (avanue_platform_to_string (self->platform) != NULL)
    json_object_set_string_member (object, "platform", avanue_platform_to_string (self->platform));
  if (avanue_device_type_to_string (self->device_type) != NULL)
    json_object_set_string_member (object, "deviceType",
                                   avanue_device_type_to_string (self->device_type));
  json_object_set_string_member (object, "role", avanue_participant_role_to_string (self->role));
  json_object_set_string_member (object, "topologyRole",
                                 avanue_topology_role_to_string (self->topology_role));
  json_object_set_boolean_member (object, "isLicensed", self->is_licensed);
  json_object_set_double_member (object, "capabilityScore", self->capability_score);
  json_object_set_boolean_member (object, "online", self->online);
  json_object_set_int_member (object, "joinedAt", self->joined_at);
  return object;
}

/**
 * avanue_participant_get_fingerprint:
 * @self: an #AvanueParticipant
 *
 * Returns: the device's fingerprint
 *
 * Since: 0.1
 */
const char *
avanue_participant_get_fingerprint (AvanueParticipant *self)
{
  g_return_val_if_fail (AVANUE_IS_PARTICIPANT (self), NULL);
  return self->fingerprint;
}

/**
 * avanue_participant_get_device_name:
 * @self: an #AvanueParticipant
 *
 * Returns: (nullable): the device's name, or %NULL if the server did not
 *   say
 *
 * Since: 0.1
 */
const char *
avanue_participant_get_device_name (AvanueParticipant *self)
{
  g_return_val_if_fail (AVANUE_IS_PARTICIPANT (self), NULL);
  return self->device_name;
}

/**
 * avanue_participant_get_platform:
 * @self: an #AvanueParticipant
 *
 * Returns: the device's platform
 *
 * Since: 0.1
 */
AvanuePlatform
avanue_participant_get_platform (AvanueParticipant *self)
{
  g_return_val_if_fail (AVANUE_IS_PARTICIPANT (self), AVANUE_PLATFORM_UNKNOWN);
  return self->platform;
}

/**
 * avanue_participant_get_device_type:
 * @self: an #AvanueParticipant
 *
 * Returns: the device's type
 *
 * Since: 0.1
 */
AvanueDeviceType
avanue_participant_get_device_type (AvanueParticipant *self)
{
  g_return_val_if_fail (AVANUE_IS_PARTICIPANT (self), AVANUE_DEVICE_TYPE_UNKNOWN);
  return self->device_type;
}

/**
 * avanue_participant_get_role:
 * @self: an #AvanueParticipant
 *
 * Returns: whether the device is the session's host or a guest
 *
 * Since: 0.1
 */
AvanueParticipantRole
avanue_participant_get_role (AvanueParticipant *self)
{
  g_return_val_if_fail (AVANUE_IS_PARTICIPANT (self), AVANUE_PARTICIPANT_ROLE_GUEST);
  return self->role;
}

/**
 * avanue_participant_get_topology_role:
 * @self: an #AvanueParticipant
 *
 * Returns: whether the device is the hub or a spoke
 *
 * Since: 0.1
 */
AvanueTopologyRole
avanue_participant_get_topology_role (AvanueParticipant *self)
{
  g_return_val_if_fail (AVANUE_IS_PARTICIPANT (self), AVANUE_TOPOLOGY_ROLE_SPOKE);
  return self->topology_role;
}

/**
 * avanue_participant_get_is_licensed:
 * @self: an #AvanueParticipant
 *
 * Returns: whether the device brought a licence
 *
 * Since: 0.1
 */
gboolean
avanue_participant_get_is_licensed (AvanueParticipant *self)
{
  g_return_val_if_fail (AVANUE_IS_PARTICIPANT (self), FALSE);
  return self->is_licensed;
}

/**
 * avanue_participant_get_capability_score:
 * @self: an #AvanueParticipant
 *
 * Returns: the device's capability score
 *
 * Since: 0.1
 */
double
avanue_participant_get_capability_score (AvanueParticipant *self)
{
  g_return_val_if_fail (AVANUE_IS_PARTICIPANT (self), 0);
  return self->capability_score;
}

/**
 * avanue_participant_get_online:
 * @self: an #AvanueParticipant
 *
 * Returns: whether the device is connected
 *
 * Since: 0.1
 */
gboolean
avanue_participant_get_online (AvanueParticipant *self)
{
  g_return_val_if_fail (AVANUE_IS_PARTICIPANT (self), FALSE);
  return self->online;
}

/**
 * avanue_participant_get_joined_at:
 * @self: an #AvanueParticipant
 *
 * Returns: when the device joined, in milliseconds since the Unix epoch
 *
 * Since: 0.1
 */
gint64
avanue_participant_get_joined_at (AvanueParticipant *self)
{
  g_return_val_if_fail (AVANUE_IS_PARTICIPANT (self), 0);
  return self->joined_at;
}

/* ------------------------------------------------------------------------
 * Private API (avanue-participant-private.h)
 * ------------------------------------------------------------------------ */

/* Updates @self from a participant object of the same fingerprint; fields
 * that are missing keep their values. Properties notify once each, after
 * all of them are set. */
gboolean
avanue_participant_update_from_json (AvanueParticipant  *self,
                                     JsonObject         *object,
                                     GError            **error)
{
  ParticipantFields fields;

  g_return_val_if_fail (AVANUE_IS_PARTICIPANT (self), FALSE);
  g_return_val_if_fail (object != NULL, FALSE);

  if (!parse_fields (object, &fields, error))
    return FALSE;
  if (!g_str_equal (fields.fingerprint, self->fingerprint))
    return bad_field (error, "fingerprint", "is another participant's");
  apply_fields (self, &fields);
  return TRUE;
}

void
avanue_participant_set_online (AvanueParticipant *self,
                               gboolean           online)
{
  g_return_if_fail (AVANUE_IS_PARTICIPANT (self));
  set_online (self, !!online);
}

void
avanue_participant_set_topology_role (AvanueParticipant  *self,
                                      AvanueTopologyRole  role)
{
  g_return_if_fail (AVANUE_IS_PARTICIPANT (self));
  set_topology_role (self, role);
}
