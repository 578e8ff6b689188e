/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#if !defined(__AVANUE_H_INSIDE__) && !defined(AVANUE_COMPILATION)
#error "Only <avanue.h> can be included directly."
#endif

#include <glib-object.h>
#include <json-glib/json-glib.h>
#include "avanue-version.h"

G_BEGIN_DECLS

/**
 * AvanuePlatform:
 * @AVANUE_PLATFORM_UNKNOWN: not reported
 * @AVANUE_PLATFORM_ANDROID: Android
 * @AVANUE_PLATFORM_IOS: iOS
 * @AVANUE_PLATFORM_DESKTOP: a desktop operating system (Linux, …)
 * @AVANUE_PLATFORM_WEB: a browser
 * @AVANUE_PLATFORM_GLASSES: smart glasses
 * @AVANUE_PLATFORM_TV: a television
 *
 * The software platform a device runs; `platform` in the protocol.
 *
 * Since: 0.1
 */
typedef enum {
  AVANUE_PLATFORM_UNKNOWN,
  AVANUE_PLATFORM_ANDROID,
  AVANUE_PLATFORM_IOS,
  AVANUE_PLATFORM_DESKTOP,
  AVANUE_PLATFORM_WEB,
  AVANUE_PLATFORM_GLASSES,
  AVANUE_PLATFORM_TV,
} AvanuePlatform;

/**
 * AvanueDeviceType:
 * @AVANUE_DEVICE_TYPE_UNKNOWN: not reported
 * @AVANUE_DEVICE_TYPE_PHONE: a phone
 * @AVANUE_DEVICE_TYPE_TABLET: a tablet
 * @AVANUE_DEVICE_TYPE_DESKTOP: a desktop or laptop computer
 * @AVANUE_DEVICE_TYPE_GLASSES: smart glasses
 * @AVANUE_DEVICE_TYPE_TV: a television
 *
 * The kind of hardware; `deviceType` in the protocol.
 *
 * Since: 0.1
 */
typedef enum {
  AVANUE_DEVICE_TYPE_UNKNOWN,
  AVANUE_DEVICE_TYPE_PHONE,
  AVANUE_DEVICE_TYPE_TABLET,
  AVANUE_DEVICE_TYPE_DESKTOP,
  AVANUE_DEVICE_TYPE_GLASSES,
  AVANUE_DEVICE_TYPE_TV,
} AvanueDeviceType;

/**
 * AvanueNetworkType:
 * @AVANUE_NETWORK_TYPE_UNKNOWN: not reported
 * @AVANUE_NETWORK_TYPE_WIFI: Wi-Fi
 * @AVANUE_NETWORK_TYPE_ETHERNET: wired Ethernet
 * @AVANUE_NETWORK_TYPE_CELLULAR: a mobile network
 * @AVANUE_NETWORK_TYPE_OTHER: anything else
 *
 * The network a device is on; `networkType` in the protocol.
 *
 * Since: 0.1
 */
typedef enum {
  AVANUE_NETWORK_TYPE_UNKNOWN,
  AVANUE_NETWORK_TYPE_WIFI,
  AVANUE_NETWORK_TYPE_ETHERNET,
  AVANUE_NETWORK_TYPE_CELLULAR,
  AVANUE_NETWORK_TYPE_OTHER,
} AvanueNetworkType;

/**
 * AvanueCapabilitiesError:
 * @AVANUE_CAPABILITIES_ERROR_INVALID: a field has the wrong JSON type or an
 *   impossible value
 *
 * Errors from parsing capabilities.
 *
 * Since: 0.1
 */
typedef enum {
  AVANUE_CAPABILITIES_ERROR_INVALID,
} AvanueCapabilitiesError;

#define AVANUE_CAPABILITIES_ERROR (avanue_capabilities_error_quark ())
AVANUE_AVAILABLE_IN_ALL
GQuark avanue_capabilities_error_quark (void);

#define AVANUE_TYPE_CAPABILITIES (avanue_capabilities_get_type ())
AVANUE_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (AvanueCapabilities, avanue_capabilities, AVANUE, CAPABILITIES, GObject)

AVANUE_AVAILABLE_IN_ALL
AvanueCapabilities *avanue_capabilities_new                  (void);
AVANUE_AVAILABLE_IN_ALL
AvanueCapabilities *avanue_capabilities_new_from_json        (JsonObject          *object,
                                                              GError             **error);
AVANUE_AVAILABLE_IN_ALL
AvanueCapabilities *avanue_capabilities_new_from_json_string (const char          *json,
                                                              GError             **error);
AVANUE_AVAILABLE_IN_ALL
JsonObject         *avanue_capabilities_to_json              (AvanueCapabilities  *self);
AVANUE_AVAILABLE_IN_ALL
char               *avanue_capabilities_to_json_string       (AvanueCapabilities  *self);
AVANUE_AVAILABLE_IN_ALL
double              avanue_capabilities_score                (AvanueCapabilities  *self);

AVANUE_AVAILABLE_IN_ALL
guint               avanue_capabilities_get_cpu_cores        (AvanueCapabilities  *self);
AVANUE_AVAILABLE_IN_ALL
void                avanue_capabilities_set_cpu_cores        (AvanueCapabilities  *self,
                                                              guint                cpu_cores);
AVANUE_AVAILABLE_IN_ALL
guint               avanue_capabilities_get_ram_mb           (AvanueCapabilities  *self);
AVANUE_AVAILABLE_IN_ALL
void                avanue_capabilities_set_ram_mb           (AvanueCapabilities  *self,
                                                              guint                ram_mb);
AVANUE_AVAILABLE_IN_ALL
int                 avanue_capabilities_get_battery_percent  (AvanueCapabilities  *self);
AVANUE_AVAILABLE_IN_ALL
void                avanue_capabilities_set_battery_percent  (AvanueCapabilities  *self,
                                                              int                  battery_percent);
AVANUE_AVAILABLE_IN_ALL
gboolean            avanue_capabilities_get_is_charging      (AvanueCapabilities  *self);
AVANUE_AVAILABLE_IN_ALL
void                avanue_capabilities_set_is_charging      (AvanueCapabilities  *self,
                                                              gboolean             is_charging);
AVANUE_AVAILABLE_IN_ALL
AvanueNetworkType   avanue_capabilities_get_network_type     (AvanueCapabilities  *self);
AVANUE_AVAILABLE_IN_ALL
void                avanue_capabilities_set_network_type     (AvanueCapabilities  *self,
                                                              AvanueNetworkType    network_type);
AVANUE_AVAILABLE_IN_ALL
double              avanue_capabilities_get_bandwidth_mbps   (AvanueCapabilities  *self);
AVANUE_AVAILABLE_IN_ALL
void                avanue_capabilities_set_bandwidth_mbps   (AvanueCapabilities  *self,
                                                              double               bandwidth_mbps);
AVANUE_AVAILABLE_IN_ALL
AvanueDeviceType    avanue_capabilities_get_device_type      (AvanueCapabilities  *self);
AVANUE_AVAILABLE_IN_ALL
void                avanue_capabilities_set_device_type      (AvanueCapabilities  *self,
                                                              AvanueDeviceType     device_type);
AVANUE_AVAILABLE_IN_ALL
AvanuePlatform      avanue_capabilities_get_platform         (AvanueCapabilities  *self);
AVANUE_AVAILABLE_IN_ALL
void                avanue_capabilities_set_platform         (AvanueCapabilities  *self,
                                                              AvanuePlatform       platform);
AVANUE_AVAILABLE_IN_ALL
guint               avanue_capabilities_get_screen_width     (AvanueCapabilities  *self);
AVANUE_AVAILABLE_IN_ALL
void                avanue_capabilities_set_screen_width     (AvanueCapabilities  *self,
                                                              guint                screen_width);
AVANUE_AVAILABLE_IN_ALL
const char * const *avanue_capabilities_get_supported_codecs (AvanueCapabilities  *self);
AVANUE_AVAILABLE_IN_ALL
void                avanue_capabilities_set_supported_codecs (AvanueCapabilities  *self,
                                                              const char * const  *codecs);
AVANUE_AVAILABLE_IN_ALL
const char * const *avanue_capabilities_get_modules          (AvanueCapabilities  *self);
AVANUE_AVAILABLE_IN_ALL
void                avanue_capabilities_set_modules          (AvanueCapabilities  *self,
                                                              const char * const  *modules);

AVANUE_AVAILABLE_IN_ALL
const char         *avanue_platform_to_string                (AvanuePlatform       platform);
AVANUE_AVAILABLE_IN_ALL
gboolean            avanue_platform_from_string              (const char          *str,
                                                              AvanuePlatform      *out_platform);
AVANUE_AVAILABLE_IN_ALL
const char         *avanue_device_type_to_string             (AvanueDeviceType     device_type);
AVANUE_AVAILABLE_IN_ALL
gboolean            avanue_device_type_from_string           (const char          *str,
                                                              AvanueDeviceType    *out_device_type);
AVANUE_AVAILABLE_IN_ALL
const char         *avanue_network_type_to_string            (AvanueNetworkType    network_type);
AVANUE_AVAILABLE_IN_ALL
gboolean            avanue_network_type_from_string          (const char          *str,
                                                              AvanueNetworkType   *out_network_type);

G_END_DECLS
