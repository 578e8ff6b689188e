/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "avanue.h"

static AvanueCapabilities *
caps_from_json (const char *json)
{
  g_autoptr(GError) error = NULL;
  AvanueCapabilities *caps = avanue_capabilities_new_from_json_string (json, &error);

  g_assert_no_error (error);
  g_assert_nonnull (caps);
  return caps;
}

/* Scores worked out by hand from the formula in DESIGN §6:
 * cpuCores×10 + ⌊ramMb/100⌋ + (isCharging ? 200 : batteryPercent×2)
 * + bandwidthMbps×5 + DESKTOP 100 + ETHERNET 50 + ⌊screenWidth/10⌋ + 15×codecs */
static void
test_score_phone (void)
{
  g_autoptr(AvanueCapabilities) caps = caps_from_json (
    "{\"cpuCores\":8,\"ramMb\":12288,\"batteryPercent\":85,\"isCharging\":false,"
    "\"networkType\":\"WIFI\",\"bandwidthMbps\":50,\"deviceType\":\"PHONE\","
    "\"platform\":\"ANDROID\",\"screenWidth\":1080,"
    "\"supportedCodecs\":[\"H264\",\"VP8\",\"OPUS\"],\"modules\":[\"RemoteCast\"]}");

  /* 80 + 122 + 170 + 250 + 0 + 0 + 108 + 45 */
  g_assert_cmpfloat (avanue_capabilities_score (caps), ==, 775);
  g_assert_cmpint (avanue_capabilities_get_platform (caps), ==, AVANUE_PLATFORM_ANDROID);
  g_assert_cmpint (avanue_capabilities_get_device_type (caps), ==, AVANUE_DEVICE_TYPE_PHONE);
  g_assert_cmpstr (avanue_capabilities_get_modules (caps)[0], ==, "RemoteCast");
}

static void
test_score_desktop_mains (void)
{
  /* A desktop without battery reports isCharging=true. */
  g_autoptr(AvanueCapabilities) caps = caps_from_json (
    "{\"cpuCores\":16,\"ramMb\":32768,\"isCharging\":true,"
    "\"networkType\":\"ETHERNET\",\"bandwidthMbps\":940,\"deviceType\":\"DESKTOP\","
    "\"platform\":\"DESKTOP\",\"screenWidth\":2560,"
    "\"supportedCodecs\":[\"H264\",\"VP8\",\"VP9\",\"AV1\",\"OPUS\"]}");

  /* 160 + 327 + 200 + 4700 + 100 + 50 + 256 + 75 */
  g_assert_cmpfloat (avanue_capabilities_score (caps), ==, 5868);
}

static void
test_score_glasses (void)
{
  g_autoptr(AvanueCapabilities) caps = caps_from_json (
    "{\"cpuCores\":4,\"ramMb\":2048,\"batteryPercent\":40,\"isCharging\":false,"
    "\"networkType\":\"WIFI\",\"bandwidthMbps\":20.5,\"deviceType\":\"GLASSES\","
    "\"platform\":\"GLASSES\",\"screenWidth\":640,\"supportedCodecs\":[\"H264\"]}");

  /* 40 + 20 + 80 + 102.5 + 0 + 0 + 64 + 15 */
  g_assert_cmpfloat (avanue_capabilities_score (caps), ==, 321.5);
}

static void
test_score_missing_fields (void)
{
  g_autoptr(AvanueCapabilities) empty = caps_from_json ("{}");
  g_autoptr(AvanueCapabilities) cpu_only = caps_from_json ("{\"cpuCores\":2}");
  g_autoptr(AvanueCapabilities) charging = caps_from_json ("{\"isCharging\":true,\"batteryPercent\":5}");
  g_autoptr(AvanueCapabilities) nulls = caps_from_json (
    "{\"ramMb\":null,\"batteryPercent\":null,\"networkType\":null,\"supportedCodecs\":null,"
    "\"unknownField\":{\"x\":1}}");
  g_autoptr(AvanueCapabilities) fresh = avanue_capabilities_new ();

  g_assert_cmpfloat (avanue_capabilities_score (empty), ==, 0);
  g_assert_cmpint (avanue_capabilities_get_battery_percent (empty), ==, -1);
  g_assert_cmpfloat (avanue_capabilities_score (cpu_only), ==, 20);
  /* Charging counts 200 whatever the battery says. */
  g_assert_cmpfloat (avanue_capabilities_score (charging), ==, 200);
  g_assert_cmpfloat (avanue_capabilities_score (nulls), ==, 0);
  g_assert_cmpfloat (avanue_capabilities_score (fresh), ==, 0);
}

static void
test_score_floors (void)
{
  g_autoptr(AvanueCapabilities) caps = avanue_capabilities_new ();

  /* ⌊199/100⌋ = 1 and ⌊19/10⌋ = 1, not 1.99 and 1.9 */
  avanue_capabilities_set_ram_mb (caps, 199);
  avanue_capabilities_set_screen_width (caps, 19);
  g_assert_cmpfloat (avanue_capabilities_score (caps), ==, 2);
  avanue_capabilities_set_battery_percent (caps, 14);
  g_assert_cmpfloat (avanue_capabilities_score (caps), ==, 30);
}

static void
test_json_round_trip (void)
{
  g_autoptr(AvanueCapabilities) caps = avanue_capabilities_new ();
  g_autoptr(AvanueCapabilities) back = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;
  const char *codecs[] = { "OPUS", "VP9", NULL };

  g_object_set (caps,
                "cpu-cores", 6, "ram-mb", 8000, "battery-percent", 77,
                "network-type", AVANUE_NETWORK_TYPE_CELLULAR, "bandwidth-mbps", 12.25,
                "device-type", AVANUE_DEVICE_TYPE_TABLET, "platform", AVANUE_PLATFORM_IOS,
                "screen-width", 1668, "supported-codecs", codecs, NULL);
  text = avanue_capabilities_to_json_string (caps);
  g_assert_nonnull (strstr (text, "\"networkType\":\"CELLULAR\""));
  g_assert_nonnull (strstr (text, "\"platform\":\"IOS\""));

  back = avanue_capabilities_new_from_json_string (text, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (avanue_capabilities_get_cpu_cores (back), ==, 6);
  g_assert_cmpuint (avanue_capabilities_get_ram_mb (back), ==, 8000);
  g_assert_cmpint (avanue_capabilities_get_battery_percent (back), ==, 77);
  g_assert_false (avanue_capabilities_get_is_charging (back));
  g_assert_cmpint (avanue_capabilities_get_network_type (back), ==, AVANUE_NETWORK_TYPE_CELLULAR);
  g_assert_cmpfloat (avanue_capabilities_get_bandwidth_mbps (back), ==, 12.25);
  g_assert_cmpint (avanue_capabilities_get_device_type (back), ==, AVANUE_DEVICE_TYPE_TABLET);
  g_assert_cmpint (avanue_capabilities_get_platform (back), ==, AVANUE_PLATFORM_IOS);
  g_assert_cmpuint (avanue_capabilities_get_screen_width (back), ==, 1668);
  g_assert_true (g_strv_equal (avanue_capabilities_get_supported_codecs (back), codecs));
  g_assert_cmpuint (g_strv_length ((char **) avanue_capabilities_get_modules (back)), ==, 0);
  g_assert_cmpfloat (avanue_capabilities_score (back), ==, avanue_capabilities_score (caps));
}

static void
test_json_invalid (void)
{
  const char *bad[] = {
    "{\"cpuCores\":\"8\"}",
    "{\"cpuCores\":-1}",
    "{\"cpuCores\":2.5}",
    "{\"ramMb\":true}",
    "{\"batteryPercent\":101}",
    "{\"batteryPercent\":-3}",
    "{\"isCharging\":\"yes\"}",
    "{\"isCharging\":1}",
    "{\"networkType\":\"WIRED\"}",
    "{\"networkType\":\"wifi\"}",
    "{\"deviceType\":7}",
    "{\"platform\":\"WINDOWS\"}",
    "{\"bandwidthMbps\":[1]}",
    "{\"screenWidth\":1e12}",
    "{\"supportedCodecs\":\"H264\"}",
    "{\"supportedCodecs\":[\"H264\",1]}",
    "{\"modules\":{}}",
  };

  for (gsize i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(AvanueCapabilities) caps = avanue_capabilities_new_from_json_string (bad[i], &error);

      g_test_message ("input: %s", bad[i]);
      g_assert_null (caps);
      g_assert_error (error, AVANUE_CAPABILITIES_ERROR, AVANUE_CAPABILITIES_ERROR_INVALID);
    }

  {
    g_autoptr(GError) error = NULL;
    g_autoptr(AvanueCapabilities) caps = avanue_capabilities_new_from_json_string ("[1,2]", &error);

    g_assert_null (caps);
    g_assert_error (error, AVANUE_CAPABILITIES_ERROR, AVANUE_CAPABILITIES_ERROR_INVALID);
  }
}

static void
count_notify (GObject    *object,
              GParamSpec *pspec,
              gpointer    user_data)
{
  (*(guint *) user_data)++;
}

static void
test_notify (void)
{
  g_autoptr(AvanueCapabilities) caps = avanue_capabilities_new ();
  const char *mods[] = { "NoteAvanue", NULL };
  guint n = 0;

  g_signal_connect (caps, "notify", G_CALLBACK (count_notify), &n);
  avanue_capabilities_set_battery_percent (caps, 50);
  avanue_capabilities_set_battery_percent (caps, 50);
  avanue_capabilities_set_is_charging (caps, TRUE);
  avanue_capabilities_set_modules (caps, mods);
  avanue_capabilities_set_modules (caps, mods);
  g_assert_cmpuint (n, ==, 3);
}

static void
test_enum_names (void)
{
  AvanuePlatform p;
  AvanueDeviceType d;
  AvanueNetworkType t;

  g_assert_true (avanue_platform_from_string ("GLASSES", &p));
  g_assert_cmpint (p, ==, AVANUE_PLATFORM_GLASSES);
  g_assert_cmpstr (avanue_platform_to_string (AVANUE_PLATFORM_WEB), ==, "WEB");
  g_assert_null (avanue_platform_to_string (AVANUE_PLATFORM_UNKNOWN));
  g_assert_false (avanue_platform_from_string ("glasses", NULL));
  g_assert_true (avanue_device_type_from_string ("TV", &d));
  g_assert_cmpint (d, ==, AVANUE_DEVICE_TYPE_TV);
  g_assert_true (avanue_network_type_from_string ("ETHERNET", &t));
  g_assert_cmpint (t, ==, AVANUE_NETWORK_TYPE_ETHERNET);
  g_assert_false (avanue_network_type_from_string (NULL, NULL));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/avanue/capabilities/score/phone", test_score_phone);
  g_test_add_func ("/avanue/capabilities/score/desktop-mains", test_score_desktop_mains);
  g_test_add_func ("/avanue/capabilities/score/glasses", test_score_glasses);
  g_test_add_func ("/avanue/capabilities/score/missing-fields", test_score_missing_fields);
  g_test_add_func ("/avanue/capabilities/score/floors", test_score_floors);
  g_test_add_func ("/avanue/capabilities/json/round-trip", test_json_round_trip);
  g_test_add_func ("/avanue/capabilities/json/invalid", test_json_invalid);
  g_test_add_func ("/avanue/capabilities/notify", test_notify);
  g_test_add_func ("/avanue/capabilities/enum-names", test_enum_names);

  return g_test_run ();
}
