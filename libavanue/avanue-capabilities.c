/* SPDX-License-Identifier: LGPL-2.1-or-later */
/**
 * AvanueCapabilities:
 *
 * What a device can do, as it reports it when it creates, joins or updates a
 * session: CPU, memory, power, network, screen and codecs.
 *
 * The server ranks the devices of a session by [method@Avanue.Capabilities.score]
 * and makes the best one the hub.  In JSON the fields use the protocol's
 * camelCase names (`cpuCores`, `ramMb`, `batteryPercent`, `isCharging`,
 * `networkType`, `bandwidthMbps`, `deviceType`, `platform`, `screenWidth`,
 * `supportedCodecs`, `modules`); every field is optional and a missing one
 * counts as zero (or "unknown") in the score.
 *
 * Since: 0.1
 */
#include "config.h"

#include <math.h>

#include "avanue-capabilities.h"
#include "avanue-enum-types.h"
#include "avanue-protocol.h"

struct _AvanueCapabilities
{
  GObject parent_instance;

  guint cpu_cores;
  guint ram_mb;
  int battery_percent;          /* -1: not reported */
  gboolean is_charging;
  AvanueNetworkType network_type;
  double bandwidth_mbps;
  AvanueDeviceType device_type;
  AvanuePlatform platform;
  guint screen_width;
  GStrv supported_codecs;
  GStrv modules;
};

G_DEFINE_FINAL_TYPE (AvanueCapabilities, avanue_capabilities, G_TYPE_OBJECT)
G_DEFINE_QUARK (avanue-capabilities-error-quark, avanue_capabilities_error)

enum {
  PROP_0,
  PROP_CPU_CORES,
  PROP_RAM_MB,
  PROP_BATTERY_PERCENT,
  PROP_IS_CHARGING,
  PROP_NETWORK_TYPE,
  PROP_BANDWIDTH_MBPS,
  PROP_DEVICE_TYPE,
  PROP_PLATFORM,
  PROP_SCREEN_WIDTH,
  PROP_SUPPORTED_CODECS,
  PROP_MODULES,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* Wire names, indexed by enum value; index 0 (UNKNOWN) has none. */
static const char * const platform_names[] = {
  NULL, "ANDROID", "IOS", "DESKTOP", "WEB", "GLASSES", "TV",
};
static const char * const device_type_names[] = {
  NULL, "PHONE", "TABLET", "DESKTOP", "GLASSES", "TV",
};
static const char * const network_type_names[] = {
  NULL, "WIFI", "ETHERNET", "CELLULAR", "OTHER",
};

static int
name_to_index (const char * const *names,
               gsize               n_names,
               const char         *str)
{
  for (gsize i = 1; i < n_names && str != NULL; i++)
    if (g_str_equal (names[i], str))
      return (int) i;
  return -1;
}

/**
 * avanue_platform_to_string:
 * @platform: a platform
 *
 * Returns: (nullable): the protocol name, such as `"ANDROID"`, or %NULL for
 *   %AVANUE_PLATFORM_UNKNOWN
 *
 * Since: 0.1
 */
const char *
avanue_platform_to_string (AvanuePlatform platform)
{
  if ((gsize) platform >= G_N_ELEMENTS (platform_names))
    return NULL;
  return platform_names[platform];
}

/**
 * avanue_platform_from_string:
 * @str: a protocol name such as `"ANDROID"`
 * @out_platform: (out) (optional): the platform
 *
 * Returns: %TRUE if @str names a platform
 *
 * Since: 0.1
 */
gboolean
avanue_platform_from_string (const char     *str,
                             AvanuePlatform *out_platform)
{
  int i = name_to_index (platform_names, G_N_ELEMENTS (platform_names), str);

  if (i < 0)
    return FALSE;
  if (out_platform != NULL)
    *out_platform = (AvanuePlatform) i;
  return TRUE;
}

/**
 * avanue_device_type_to_string:
 * @device_type: a device type
 *
 * Returns: (nullable): the protocol name, such as `"PHONE"`, or %NULL for
 *   %AVANUE_DEVICE_TYPE_UNKNOWN
 *
 * Since: 0.1
 */
const char *
avanue_device_type_to_string (AvanueDeviceType device_type)
{
  if ((gsize) device_type >= G_N_ELEMENTS (device_type_names))
    return NULL;
  return device_type_names[device_type];
}

/**
 * avanue_device_type_from_string:
 * @str: a protocol name such as `"PHONE"`
 * @out_device_type: (out) (optional): the device type
 *
 * Returns: %TRUE if @str names a device type
 *
 * Since: 0.1
 */
gboolean
avanue_device_type_from_string (const char       *str,
                                AvanueDeviceType *out_device_type)
{
  int i = name_to_index (device_type_names, G_N_ELEMENTS (device_type_names), str);

  if (i < 0)
    return FALSE;
  if (out_device_type != NULL)
    *out_device_type = (AvanueDeviceType) i;
  return TRUE;
}

/**
 * avanue_network_type_to_string:
 * @network_type: a network type
 *
 * Returns: (nullable): the protocol name, such as `"WIFI"`, or %NULL for
 *   %AVANUE_NETWORK_TYPE_UNKNOWN
 *
 * Since: 0.1
 */
const char *
avanue_network_type_to_string (AvanueNetworkType network_type)
{
  if ((gsize) network_type >= G_N_ELEMENTS (network_type_names))
    return NULL;
  return network_type_names[network_type];
}

/**
 * avanue_network_type_from_string:
 * @str: a protocol name such as `"WIFI"`
 * @out_network_type: (out) (optional): the network type
 *
 * Returns: %TRUE if @str names a network type
 *
 * Since: 0.1
 */
gboolean
avanue_network_type_from_string (const char        *str,
                                 AvanueNetworkType *out_network_type)
{
  int i = name_to_index (network_type_names, G_N_ELEMENTS (network_type_names), str);

  if (i < 0)
    return FALSE;
  if (out_network_type != NULL)
    *out_network_type = (AvanueNetworkType) i;
  return TRUE;
}

static void
avanue_capabilities_finalize (GObject *object)
{
  AvanueCapabilities *self = AVANUE_CAPABILITIES (object);

  g_strfreev (self->supported_codecs);
  g_strfreev (self->modules);

  G_OBJECT_CLASS (avanue_capabilities_parent_class)->finalize (object);
}

static void
avanue_capabilities_get_property (GObject    *object,
                                  guint       prop_id,
                                  GValue     *value,
                                  GParamSpec *pspec)
{
  AvanueCapabilities *self = AVANUE_CAPABILITIES (object);

  switch (prop_id)
    {
    case PROP_CPU_CORES:
      g_value_set_uint (value, self->cpu_cores);
      break;
    case PROP_RAM_MB:
      g_value_set_uint (value, self->ram_mb);
      break;
    case PROP_BATTERY_PERCENT:
      g_value_set_int (value, self->battery_percent);
      break;
    case PROP_IS_CHARGING:
      g_value_set_boolean (value, self->is_charging);
      break;
    case PROP_NETWORK_TYPE:
      g_value_set_enum (value, self->network_type);
      break;
    case PROP_BANDWIDTH_MBPS:
      g_value_set_double (value, self->bandwidth_mbps);
      break;
    case PROP_DEVICE_TYPE:
      g_value_set_enum (value, self->device_type);
      break;
    case PROP_PLATFORM:
      g_value_set_enum (value, self->platform);
      break;
    case PROP_SCREEN_WIDTH:
      g_value_set_uint (value, self->screen_width);
      break;
    case PROP_SUPPORTED_CODECS:
      g_value_set_boxed (value, self->supported_codecs);
      break;
    case PROP_MODULES:
      g_value_set_boxed (value, self->modules);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
avanue_capabilities_set_property (GObject      *object,
                                  guint         prop_id,
                                  const GValue *value,
                                  GParamSpec   *pspec)
{
  AvanueCapabilities *self = AVANUE_CAPABILITIES (object);

  switch (prop_id)
    {
    case PROP_CPU_CORES:
      avanue_capabilities_set_cpu_cores (self, g_value_get_uint (value));
      break;
    case PROP_RAM_MB:
      avanue_capabilities_set_ram_mb (self, g_value_get_uint (value));
      break;
    case PROP_BATTERY_PERCENT:
      avanue_capabilities_set_battery_percent (self, g_value_get_int (value));
      break;
    case PROP_IS_CHARGING:
      avanue_capabilities_set_is_charging (self, g_value_get_boolean (value));
      break;
    case PROP_NETWORK_TYPE:
      avanue_capabilities_set_network_type (self, g_value_get_enum (value));
      break;
    case PROP_BANDWIDTH_MBPS:
      avanue_capabilities_set_bandwidth_mbps (self, g_value_get_double (value));
      break;
    case PROP_DEVICE_TYPE:
      avanue_capabilities_set_device_type (self, g_value_get_enum (value));
      break;
    case PROP_PLATFORM:
      avanue_capabilities_set_platform (self, g_value_get_enum (value));
      break;
    case PROP_SCREEN_WIDTH:
      avanue_capabilities_set_screen_width (self, g_value_get_uint (value));
      break;
    case PROP_SUPPORTED_CODECS:
      avanue_capabilities_set_supported_codecs (self, g_value_get_boxed (value));
      break;
    case PROP_MODULES:
      avanue_capabilities_set_modules (self, g_value_get_boxed (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
avanue_capabilities_class_init (AvanueCapabilitiesClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  const GParamFlags flags = G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY;

  object_class->finalize = avanue_capabilities_finalize;
  object_class->get_property = avanue_capabilities_get_property;
  object_class->set_property = avanue_capabilities_set_property;

  /**
   * AvanueCapabilities:cpu-cores:
   *
   * Number of CPU cores (`cpuCores`).
   */
  properties[PROP_CPU_CORES] =
    g_param_spec_uint ("cpu-cores", NULL, NULL, 0, G_MAXUINT16, 0, flags);
  /**
   * AvanueCapabilities:ram-mb:
   *
   * Memory in MiB (`ramMb`).
   */
  properties[PROP_RAM_MB] =
    g_param_spec_uint ("ram-mb", NULL, NULL, 0, G_MAXINT32, 0, flags);
  /**
   * AvanueCapabilities:battery-percent:
   *
   * Battery charge 0–100 (`batteryPercent`), or -1 when the device did not
   * report one.
   */
  properties[PROP_BATTERY_PERCENT] =
    g_param_spec_int ("battery-percent", NULL, NULL, -1, 100, -1, flags);
  /**
   * AvanueCapabilities:is-charging:
   *
   * Whether the device is on external power (`isCharging`).  A device on
   * mains power without a battery reports %TRUE.
   */
  properties[PROP_IS_CHARGING] =
    g_param_spec_boolean ("is-charging", NULL, NULL, FALSE, flags);
  /**
   * AvanueCapabilities:network-type:
   *
   * The network the device is on (`networkType`).
   */
  properties[PROP_NETWORK_TYPE] =
    g_param_spec_enum ("network-type", NULL, NULL, AVANUE_TYPE_NETWORK_TYPE,
                       AVANUE_NETWORK_TYPE_UNKNOWN, flags);
  /**
   * AvanueCapabilities:bandwidth-mbps:
   *
   * Estimated bandwidth in Mbit/s (`bandwidthMbps`).
   */
  properties[PROP_BANDWIDTH_MBPS] =
    g_param_spec_double ("bandwidth-mbps", NULL, NULL, 0, 1e6, 0, flags);
  /**
   * AvanueCapabilities:device-type:
   *
   * The kind of hardware (`deviceType`).
   */
  properties[PROP_DEVICE_TYPE] =
    g_param_spec_enum ("device-type", NULL, NULL, AVANUE_TYPE_DEVICE_TYPE,
                       AVANUE_DEVICE_TYPE_UNKNOWN, flags);
  /**
   * AvanueCapabilities:platform:
   *
   * The software platform (`platform`).
   */
  properties[PROP_PLATFORM] =
    g_param_spec_enum ("platform", NULL, NULL, AVANUE_TYPE_PLATFORM,
                       AVANUE_PLATFORM_UNKNOWN, flags);
  /**
   * AvanueCapabilities:screen-width:
   *
   * Screen width in pixels, 0 when headless (`screenWidth`).
   */
  properties[PROP_SCREEN_WIDTH] =
    g_param_spec_uint ("screen-width", NULL, NULL, 0, G_MAXUINT16, 0, flags);
  /**
   * AvanueCapabilities:supported-codecs:
   *
   * Media codecs the device can handle (`supportedCodecs`).
   */
  properties[PROP_SUPPORTED_CODECS] =
    g_param_spec_boxed ("supported-codecs", NULL, NULL, G_TYPE_STRV, flags);
  /**
   * AvanueCapabilities:modules:
   *
   * Application modules the device offers (`modules`).
   */
  properties[PROP_MODULES] =
    g_param_spec_boxed ("modules", NULL, NULL, G_TYPE_STRV, flags);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
avanue_capabilities_init (AvanueCapabilities *self)
{
  self->battery_percent = -1;
  self->supported_codecs = g_new0 (char *, 1);
  self->modules = g_new0 (char *, 1);
}

/**
 * avanue_capabilities_new:
 *
 * Creates capabilities with nothing reported.
 *
 * Returns: (transfer full): a new #AvanueCapabilities
 *
 * Since: 0.1
 */
AvanueCapabilities *
avanue_capabilities_new (void)
{
  return g_object_new (AVANUE_TYPE_CAPABILITIES, NULL);
}

/* A JSON number that is finite, not negative and, if @integral, whole. */
static gboolean
read_number (JsonObject  *object,
             const char  *name,
             gboolean     integral,
             double       max,
             double      *out,
             GError     **error)
{
  JsonNode *node = json_object_get_member (object, name);
  GType value_type;
  double v;

  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return TRUE;

  value_type = JSON_NODE_HOLDS_VALUE (node) ? json_node_get_value_type (node) : G_TYPE_INVALID;
  if (value_type != G_TYPE_INT64 && value_type != G_TYPE_DOUBLE)
    {
      g_set_error (error, AVANUE_CAPABILITIES_ERROR, AVANUE_CAPABILITIES_ERROR_INVALID,
                   "%s must be a number", name);
      return FALSE;
    }
  v = json_node_get_double (node);
  if (!isfinite (v) || v < 0 || v > max || (integral && floor (v) != v))
    {
      g_set_error (error, AVANUE_CAPABILITIES_ERROR, AVANUE_CAPABILITIES_ERROR_INVALID,
                   "%s must be a%s number between 0 and %.0f", name,
                   integral ? " whole" : "", max);
      return FALSE;
    }
  *out = v;
  return TRUE;
}

/* An enum field by its wire name; absent or null leaves *out alone. */
static gboolean
read_enum (JsonObject         *object,
           const char         *name,
           const char * const *names,
           gsize               n_names,
           int                *out,
           GError            **error)
{
  JsonNode *node = json_object_get_member (object, name);
  int i = -1;

  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return TRUE;
  if (JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING)
    i = name_to_index (names, n_names, json_node_get_string (node));
  if (i < 0)
    {
      g_set_error (error, AVANUE_CAPABILITIES_ERROR, AVANUE_CAPABILITIES_ERROR_INVALID,
                   "%s is not a known value", name);
      return FALSE;
    }
  *out = i;
  return TRUE;
}

static GStrv
read_strv (JsonObject  *object,
           const char  *name,
           GError     **error)
{
  JsonNode *node = json_object_get_member (object, name);
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  JsonArray *array;

  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return g_strv_builder_end (builder);
  if (!JSON_NODE_HOLDS_ARRAY (node))
    {
      g_set_error (error, AVANUE_CAPABILITIES_ERROR, AVANUE_CAPABILITIES_ERROR_INVALID,
                   "%s must be an array of strings", name);
      return NULL;
    }
  array = json_node_get_array (node);
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonNode *element = json_array_get_element (array, i);

      if (!JSON_NODE_HOLDS_VALUE (element) || json_node_get_value_type (element) != G_TYPE_STRING)
        {
          g_set_error (error, AVANUE_CAPABILITIES_ERROR, AVANUE_CAPABILITIES_ERROR_INVALID,
                       "%s must be an array of strings", name);
          return NULL;
        }
      g_strv_builder_add (builder, json_node_get_string (element));
    }
  return g_strv_builder_end (builder);
}

/**
 * avanue_capabilities_new_from_json:
 * @object: a JSON object with the protocol's camelCase fields
 * @error: return location for a #GError
 *
 * Reads capabilities from their protocol form.  Missing fields keep their
 * defaults; a field of the wrong type, a negative, fractional (where a whole
 * number is expected) or non-finite number, or an unknown enum name is an
 * %AVANUE_CAPABILITIES_ERROR_INVALID error.  Unknown fields are ignored.
 *
 * Returns: (transfer full): new capabilities, or %NULL on error
 *
 * Since: 0.1
 */
AvanueCapabilities *
avanue_capabilities_new_from_json (JsonObject  *object,
                                   GError     **error)
{
  g_autoptr(AvanueCapabilities) self = avanue_capabilities_new ();
  double cpu = 0, ram = 0, battery = -1, bandwidth = 0, screen = 0;
  int network = AVANUE_NETWORK_TYPE_UNKNOWN;
  int device = AVANUE_DEVICE_TYPE_UNKNOWN;
  int platform = AVANUE_PLATFORM_UNKNOWN;
  JsonNode *charging;
  GStrv codecs, modules;

  g_return_val_if_fail (object != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!read_number (object, "cpuCores", TRUE, G_MAXUINT16, &cpu, error) ||
      !read_number (object, "ramMb", TRUE, G_MAXINT32, &ram, error) ||
      !read_number (object, "batteryPercent", FALSE, 100, &battery, error) ||
      !read_number (object, "bandwidthMbps", FALSE, 1e6, &bandwidth, error) ||
      !read_number (object, "screenWidth", TRUE, G_MAXUINT16, &screen, error) ||
      !read_enum (object, "networkType", network_type_names,
                  G_N_ELEMENTS (network_type_names), &network, error) ||
      !read_enum (object, "deviceType", device_type_names,
                  G_N_ELEMENTS (device_type_names), &device, error) ||
      !read_enum (object, "platform", platform_names,
                  G_N_ELEMENTS (platform_names), &platform, error))
    return NULL;

  charging = json_object_get_member (object, "isCharging");
  if (charging != NULL && !JSON_NODE_HOLDS_NULL (charging))
    {
      if (!JSON_NODE_HOLDS_VALUE (charging) || json_node_get_value_type (charging) != G_TYPE_BOOLEAN)
        {
          g_set_error (error, AVANUE_CAPABILITIES_ERROR, AVANUE_CAPABILITIES_ERROR_INVALID,
                       "isCharging must be a boolean");
          return NULL;
        }
      self->is_charging = json_node_get_boolean (charging);
    }

  codecs = read_strv (object, "supportedCodecs", error);
  if (codecs == NULL)
    return NULL;
  modules = read_strv (object, "modules", error);
  if (modules == NULL)
    {
      g_strfreev (codecs);
      return NULL;
    }
  g_strfreev (self->supported_codecs);
  self->supported_codecs = codecs;
  g_strfreev (self->modules);
  self->modules = modules;

  self->cpu_cores = (guint) cpu;
  self->ram_mb = (guint) ram;
  /* Battery may be reported with decimals; the score uses the whole percent. */
  self->battery_percent = (int) floor (battery);
  self->bandwidth_mbps = bandwidth;
  self->screen_width = (guint) screen;
  self->network_type = (AvanueNetworkType) network;
  self->device_type = (AvanueDeviceType) device;
  self->platform = (AvanuePlatform) platform;

  return g_steal_pointer (&self);
}

/**
 * avanue_capabilities_new_from_json_string:
 * @json: a JSON object as text
 * @error: return location for a #GError
 *
 * Like [ctor@Avanue.Capabilities.new_from_json], from text.
 *
 * Returns: (transfer full): new capabilities, or %NULL on error
 *
 * Since: 0.1
 */
AvanueCapabilities *
avanue_capabilities_new_from_json_string (const char  *json,
                                          GError     **error)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonNode *root;

  g_return_val_if_fail (json != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!json_parser_load_from_data (parser, json, -1, error))
    return NULL;
  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    {
      g_set_error (error, AVANUE_CAPABILITIES_ERROR, AVANUE_CAPABILITIES_ERROR_INVALID,
                   "capabilities must be a JSON object");
      return NULL;
    }
  return avanue_capabilities_new_from_json (json_node_get_object (root), error);
}

static JsonArray *
strv_to_array (const char * const *strv)
{
  JsonArray *array = json_array_new ();

  for (gsize i = 0; strv != NULL && strv[i] != NULL; i++)
    json_array_add_string_element (array, strv[i]);
  return array;
}

/**
 * avanue_capabilities_to_json:
 * @self: an #AvanueCapabilities
 *
 * Writes the capabilities in their protocol form.  Enum fields that are
 * unknown and a battery that was not reported are left out.
 *
 * Returns: (transfer full): a new JSON object
 *
 * Since: 0.1
 */
JsonObject *
avanue_capabilities_to_json (AvanueCapabilities *self)
{
  JsonObject *object;

  g_return_val_if_fail (AVANUE_IS_CAPABILITIES (self), NULL);

  object = json_object_new ();
  json_object_set_int_member (object, "cpuCores", self->cpu_cores);
  json_object_set_int_member (object, "ramMb", self->ram_mb);
  if (self->battery_percent >= 0)
    json_object_set_int_member (object, "batteryPercent", self->battery_percent);
  json_object_set_boolean_member (object, "isCharging", self->is_charging);
  if (self->network_type != AVANUE_NETWORK_TYPE_UNKNOWN)
    json_object_set_string_member (object, "networkType",
                                   avanue_network_type_to_string (self->network_type));
  json_object_set_double_member (object, "bandwidthMbps", self->bandwidth_mbps);
  if (self->device_type != AVANUE_DEVICE_TYPE_UNKNOWN)
    json_object_set_string_member (object, "deviceType",
                                   avanue_device_type_to_string (self->device_type));
  if (self->platform != AVANUE_PLATFORM_UNKNOWN)
    json_object_set_string_member (object, "platform",
                                   avanue_platform_to_string (self->platform));
  json_object_set_int_member (object, "screenWidth", self->screen_width);
  json_object_set_array_member (object, "supportedCodecs",
                                strv_to_array ((const char * const *) self->supported_codecs));
  json_object_set_array_member (object, "modules",
                                strv_to_array ((const char * const *) self->modules));
  return object;
}

/**
 * avanue_capabilities_to_json_string:
 * @self: an #AvanueCapabilities
 *
 * Like [method@Avanue.Capabilities.to_json], as compact text.
 *
 * Returns: (transfer full): the JSON text
 *
 * Since: 0.1
 */
char *
avanue_capabilities_to_json_string (AvanueCapabilities *self)
{
  g_autoptr(JsonObject) object = NULL;

  g_return_val_if_fail (AVANUE_IS_CAPABILITIES (self), NULL);

  /* The protocol's strict writer: json-glib's can emit invalid JSON. */
  object = avanue_capabilities_to_json (self);
  return avanue_protocol_to_text (object);
}

/**
 * avanue_capabilities_score:
 * @self: an #AvanueCapabilities
 *
 * The capability score that hub election ranks devices by, exactly as the
 * protocol defines it:
 *
 * |[
 * cpuCores×10 + ⌊ramMb/100⌋ + (isCharging ? 200 : batteryPercent×2)
 *   + bandwidthMbps×5 + (deviceType = DESKTOP ? 100 : 0)
 *   + (networkType = ETHERNET ? 50 : 0) + ⌊screenWidth/10⌋
 *   + 15×len(supportedCodecs)
 * ]|
 *
 * A field that was not reported counts as zero.
 *
 * Returns: the score
 *
 * Since: 0.1
 */
double
avanue_capabilities_score (AvanueCapabilities *self)
{
  double score = 0;

  g_return_val_if_fail (AVANUE_IS_CAPABILITIES (self), 0);

  score += self->cpu_cores * 10.0;
  score += self->ram_mb / 100;
  score += self->is_charging ? 200.0 : MAX (self->battery_percent, 0) * 2.0;
  score += self->bandwidth_mbps * 5.0;
  score += self->device_type == AVANUE_DEVICE_TYPE_DESKTOP ? 100.0 : 0.0;
  score += self->network_type == AVANUE_NETWORK_TYPE_ETHERNET ? 50.0 : 0.0;
  score += self->screen_width / 10;
  score += 15.0 * g_strv_length (self->supported_codecs);
  return score;
}

/* Accessors.  Each setter notifies only on a real change. */
#define DEFINE_ACCESSORS(type, field, PROP)                                   \
  type                                                                        \
  avanue_capabilities_get_##field (AvanueCapabilities *self)                  \
  {                                                                           \
    g_return_val_if_fail (AVANUE_IS_CAPABILITIES (self), (type) 0);           \
    return self->field;                                                       \
  }                                                                           \
  void                                                                        \
  avanue_capabilities_set_##field (AvanueCapabilities *self,                  \
                                   type                value)                 \
  {                                                                           \
    g_return_if_fail (AVANUE_IS_CAPABILITIES (self));                         \
    if (self->field == value)                                                 \
      return;                                                                 \
    self->field = value;                                                      \
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP]);             \
  }

/**
 * avanue_capabilities_get_cpu_cores:
 * @self: an #AvanueCapabilities
 *
 * Returns: the value of [property@Avanue.Capabilities:cpu-cores]
 */
/**
 * avanue_capabilities_set_cpu_cores:
 * @self: an #AvanueCapabilities
 * @cpu_cores: number of CPU cores
 *
 * Sets [property@Avanue.Capabilities:cpu-cores].
 */
DEFINE_ACCESSORS (guint, cpu_cores, PROP_CPU_CORES)
/**
 * avanue_capabilities_get_ram_mb:
 * @self: an #AvanueCapabilities
 *
 * Returns: the value of [property@Avanue.Capabilities:ram-mb]
 */
/**
 * avanue_capabilities_set_ram_mb:
 * @self: an #AvanueCapabilities
 * @ram_mb: memory in MiB
 *
 * Sets [property@Avanue.Capabilities:ram-mb].
 */
DEFINE_ACCESSORS (guint, ram_mb, PROP_RAM_MB)
/**
 * avanue_capabilities_get_battery_percent:
 * @self: an #AvanueCapabilities
 *
 * Returns: the value of [property@Avanue.Capabilities:battery-percent]
 */
/**
 * avanue_capabilities_set_battery_percent:
 * @self: an #AvanueCapabilities
 * @battery_percent: 0–100, or -1 for none
 *
 * Sets [property@Avanue.Capabilities:battery-percent].
 */
DEFINE_ACCESSORS (int, battery_percent, PROP_BATTERY_PERCENT)
/**
 * avanue_capabilities_get_is_charging:
 * @self: an #AvanueCapabilities
 *
 * Returns: the value of [property@Avanue.Capabilities:is-charging]
 */
/**
 * avanue_capabilities_set_is_charging:
 * @self: an #AvanueCapabilities
 * @is_charging: whether on external power
 *
 * Sets [property@Avanue.Capabilities:is-charging].
 */
DEFINE_ACCESSORS (gboolean, is_charging, PROP_IS_CHARGING)
/**
 * avanue_capabilities_get_network_type:
 * @self: an #AvanueCapabilities
 *
 * Returns: the value of [property@Avanue.Capabilities:network-type]
 */
/**
 * avanue_capabilities_set_network_type:
 * @self: an #AvanueCapabilities
 * @network_type: the network
 *
 * Sets [property@Avanue.Capabilities:network-type].
 */
DEFINE_ACCESSORS (AvanueNetworkType, network_type, PROP_NETWORK_TYPE)
/**
 * avanue_capabilities_get_bandwidth_mbps:
 * @self: an #AvanueCapabilities
 *
 * Returns: the value of [property@Avanue.Capabilities:bandwidth-mbps]
 */
/**
 * avanue_capabilities_set_bandwidth_mbps:
 * @self: an #AvanueCapabilities
 * @bandwidth_mbps: bandwidth in Mbit/s
 *
 * Sets [property@Avanue.Capabilities:bandwidth-mbps].
 */
DEFINE_ACCESSORS (double, bandwidth_mbps, PROP_BANDWIDTH_MBPS)
/**
 * avanue_capabilities_get_device_type:
 * @self: an #AvanueCapabilities
 *
 * Returns: the value of [property@Avanue.Capabilities:device-type]
 */
/**
 * avanue_capabilities_set_device_type:
 * @self: an #AvanueCapabilities
 * @device_type: the kind of hardware
 *
 * Sets [property@Avanue.Capabilities:device-type].
 */
DEFINE_ACCESSORS (AvanueDeviceType, device_type, PROP_DEVICE_TYPE)
/**
 * avanue_capabilities_get_platform:
 * @self: an #AvanueCapabilities
 *
 * Returns: the value of [property@Avanue.Capabilities:platform]
 */
/**
 * avanue_capabilities_set_platform:
 * @self: an #AvanueCapabilities
 * @platform: the software platform
 *
 * Sets [property@Avanue.Capabilities:platform].
 */
DEFINE_ACCESSORS (AvanuePlatform, platform, PROP_PLATFORM)
/**
 * avanue_capabilities_get_screen_width:
 * @self: an #AvanueCapabilities
 *
 * Returns: the value of [property@Avanue.Capabilities:screen-width]
 */
/**
 * avanue_capabilities_set_screen_width:
 * @self: an #AvanueCapabilities
 * @screen_width: width in pixels
 *
 * Sets [property@Avanue.Capabilities:screen-width].
 */
DEFINE_ACCESSORS (guint, screen_width, PROP_SCREEN_WIDTH)

static void
replace_strv (AvanueCapabilities  *self,
              GStrv               *field,
              const char * const  *value,
              int                  prop)
{
  const char * const empty[] = { NULL };

  if (value == NULL)
    value = empty;
  if (g_strv_equal ((const char * const *) *field, value))
    return;
  g_strfreev (*field);
  *field = g_strdupv ((char **) value);
  g_object_notify_by_pspec (G_OBJECT (self), properties[prop]);
}

/**
 * avanue_capabilities_get_supported_codecs:
 * @self: an #AvanueCapabilities
 *
 * Returns: (transfer none) (array zero-terminated=1): the value of
 *   [property@Avanue.Capabilities:supported-codecs]
 */
const char * const *
avanue_capabilities_get_supported_codecs (AvanueCapabilities *self)
{
  g_return_val_if_fail (AVANUE_IS_CAPABILITIES (self), NULL);
  return (const char * const *) self->supported_codecs;
}

/**
 * avanue_capabilities_set_supported_codecs:
 * @self: an #AvanueCapabilities
 * @codecs: (nullable) (array zero-terminated=1): codec names
 *
 * Sets [property@Avanue.Capabilities:supported-codecs].
 */
void
avanue_capabilities_set_supported_codecs (AvanueCapabilities *self,
                                          const char * const *codecs)
{
  g_return_if_fail (AVANUE_IS_CAPABILITIES (self));
  replace_strv (self, &self->supported_codecs, codecs, PROP_SUPPORTED_CODECS);
}

/**
 * avanue_capabilities_get_modules:
 * @self: an #AvanueCapabilities
 *
 * Returns: (transfer none) (array zero-terminated=1): the value of
 *   [property@Avanue.Capabilities:modules]
 */
const char * const *
avanue_capabilities_get_modules (AvanueCapabilities *self)
{
  g_return_val_if_fail (AVANUE_IS_CAPABILITIES (self), NULL);
  return (const char * const *) self->modules;
}

/**
 * avanue_capabilities_set_modules:
 * @self: an #AvanueCapabilities
 * @modules: (nullable) (array zero-terminated=1): module names
 *
 * Sets [property@Avanue.Capabilities:modules].
 */
void
avanue_capabilities_set_modules (AvanueCapabilities *self,
                                 const char * const *modules)
{
  g_return_if_fail (AVANUE_IS_CAPABILITIES (self));
  replace_strv (self, &self->modules, modules, PROP_MODULES);
}
