/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Helpers shared by the D-Bus tests (see dbus-test-common.h). */
#include "config.h"

#include <pwd.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif

#include <glib/gstdio.h>

#include "dbus-test-common.h"

#define BUS_TIMEOUT_S 20

char *
dbus_test_source_path (const char *relative)
{
  const char *data_dir = g_getenv ("AVD_DATA_DIR");

  if (data_dir != NULL)
    return g_build_filename (data_dir, relative, NULL);
  return g_test_build_filename (G_TEST_DIST, "..", "data", relative, NULL);
}

static void
child_setup (gpointer user_data)
{
#ifdef __linux__
  prctl (PR_SET_PDEATHSIG, SIGKILL);
#endif
}

/* A bus every user may connect to and use freely, unless @include_files
 * (bus policy files) restrict it. */
DbusTestBus *
dbus_test_bus_start (const char * const *include_files)
{
  g_autoptr(DbusTestBus) bus = g_new0 (DbusTestBus, 1);
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE);
  g_autoptr(GString) config = g_string_new (NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(GDataInputStream) in = NULL;
  g_autofree char *config_path = NULL;
  g_autofree char *config_arg = NULL;
  g_autofree char *line = NULL;

  bus->dir = g_dir_make_tmp ("avd-dbus-test-XXXXXX", &error);
  g_assert_no_error (error);
  /* `nobody` must reach the socket. */
  g_assert_cmpint (g_chmod (bus->dir, 0755), ==, 0);

  g_string_append_printf (config,
                          "<!DOCTYPE busconfig PUBLIC \"-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN\"\n"
                          " \"http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd\">\n"
                          "<busconfig>\n"
                          "  <type>session</type>\n"
                          "  <listen>unix:path=%s/bus</listen>\n"
                          "  <auth>EXTERNAL</auth>\n"
                          "  <policy context=\"default\">\n"
                          "    <allow user=\"*\"/>\n"
                          "    <allow send_destination=\"*\" eavesdrop=\"true\"/>\n"
                          "    <allow eavesdrop=\"true\"/>\n"
                          "    <allow own=\"*\"/>\n"
                          "  </policy>\n",
                          bus->dir);
  for (gsize i = 0; include_files != NULL && include_files[i] != NULL; i++)
    g_string_append_printf (config, "  <include>%s</include>\n", include_files[i]);
  g_string_append (config, "</busconfig>\n");
  config_path = g_build_filename (bus->dir, "bus.conf", NULL);
  g_file_set_contents (config_path, config->str, -1, &error);
  g_assert_no_error (error);

  config_arg = g_strdup_printf ("--config-file=%s", config_path);
  g_subprocess_launcher_set_child_setup (launcher, child_setup, NULL, NULL);
  bus->process = g_subprocess_launcher_spawn (launcher, &error, "dbus-daemon", config_arg,
                                              "--nofork", "--print-address=1", NULL);
  g_assert_no_error (error);

  in = g_data_input_stream_new (g_subprocess_get_stdout_pipe (bus->process));
  line = g_data_input_stream_read_line (in, NULL, NULL, &error);
  g_assert_no_error (error);
  if (line == NULL)
    g_error ("dbus-daemon did not start with %s", config_path);
  bus->address = g_strdup (g_strstrip (line));
  {
    g_autofree char *socket = g_build_filename (bus->dir, "bus", NULL);

    g_assert_cmpint (g_chmod (socket, 0777), ==, 0);
  }
  g_setenv ("DBUS_SESSION_BUS_ADDRESS", bus->address, TRUE);
  return g_steal_pointer (&bus);
}

void
dbus_test_bus_free (DbusTestBus *bus)
{
  if (bus->process != NULL)
    {
      g_subprocess_force_exit (bus->process);
      g_subprocess_wait (bus->process, NULL, NULL);
      g_object_unref (bus->process);
    }
  if (bus->dir != NULL)
    {
      g_autofree char *socket = g_build_filename (bus->dir, "bus", NULL);
      g_autofree char *config = g_build_filename (bus->dir, "bus.conf", NULL);

      g_unlink (socket);
      g_unlink (config);
      g_rmdir (bus->dir);
    }
  g_free (bus->dir);
  g_free (bus->address);
  g_free (bus);
}

GDBusConnection *
dbus_test_bus_connect (DbusTestBus *bus)
{
  g_autoptr(GError) error = NULL;
  GDBusConnection *connection;

  connection = g_dbus_connection_new_for_address_sync (bus->address,
                                                       G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT |
                                                       G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
                                                       NULL, NULL, &error);
  g_assert_no_error (error);
  g_dbus_connection_set_exit_on_close (connection, FALSE);
  return connection;
}

/* Waits until org.avanue.Avanued1 is owned (or has no owner). */
void
dbus_test_wait_name (GDBusConnection *connection,
                     gboolean         owned)
{
  gint64 deadline = g_get_monotonic_time () + BUS_TIMEOUT_S * G_USEC_PER_SEC;

  while (g_get_monotonic_time () < deadline)
    {
      g_autoptr(GVariant) reply = NULL;
      gboolean has_owner = FALSE;

      reply = g_dbus_connection_call_sync (connection, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                                           "org.freedesktop.DBus", "NameHasOwner",
                                           g_variant_new ("(s)", AVD_DBUS_NAME), G_VARIANT_TYPE ("(b)"),
                                           G_DBUS_CALL_FLAGS_NONE, -1, NULL, NULL);
      if (reply != NULL)
        g_variant_get (reply, "(b)", &has_owner);
      if (has_owner == owned)
        return;
      g_usleep (10 * 1000);
    }
  g_error ("%s was still %s after %d s", AVD_DBUS_NAME, owned ? "not owned" : "owned", BUS_TIMEOUT_S);
}

AvdTestDaemon *
dbus_test_daemon_start (const char *extra_config)
{
  g_autofree char *config = g_strconcat (DBUS_TEST_CONFIG, extra_config, NULL);
  const char * const args[] = { "--session-bus", NULL };

  return avd_test_daemon_start_full (config, args, AVD_TEST_DAEMON_FLAG_NONE);
}

AvdTestWs *
dbus_test_client (AvdTestDaemon *daemon,
                  const char    *name)
{
  AvdTestWs *ws = avd_test_ws_connect (daemon, NULL);

  avd_test_ws_register (ws, NULL, name);
  return ws;
}

AvdTestWs *
dbus_test_reconnect (AvdTestDaemon *daemon,
                     AvdTestWs     *old,
                     const char    *name)
{
  AvdTestWs *ws = avd_test_ws_connect (daemon, NULL);

  avd_test_ws_register (ws, avd_test_ws_get_identity (old), name);
  return ws;
}

/* REGISTER_DEVICE as @identity, expecting ERROR DEVICE_BLOCKED (returned)
 * and the connection closed with 1008. */
JsonObject *
dbus_test_register_refused (AvdTestWs      *ws,
                            AvanueIdentity *identity,
                            const char     *device_name)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *signed_text = g_strconcat ("AVANUE1 REGISTER ", avd_test_ws_get_nonce (ws), NULL);
  g_autofree char *signature = avanue_identity_sign_base64 (identity, signed_text, &error);
  g_autofree char *id = avd_test_ws_next_id (ws);
  g_autoptr(JsonObject) request = NULL;
  JsonObject *reply;

  g_assert_no_error (error);
  request = avanue_protocol_build_register_device (id, avanue_identity_get_fingerprint (identity),
                                                   avanue_identity_get_public_key_base64 (identity),
                                                   signature, device_name,
                                                   AVANUE_PLATFORM_DESKTOP, AVANUE_DEVICE_TYPE_DESKTOP);
  avd_test_ws_send (ws, request);
  reply = avd_test_ws_expect_error (ws, "DEVICE_BLOCKED", id);
  g_assert_cmpuint (avd_test_ws_wait_closed (ws), ==, SOUP_WEBSOCKET_CLOSE_POLICY_VIOLATION);
  return reply;
}

/* CREATE_SESSION (score 280) and the initial election the host hears. */
JsonObject *
dbus_test_create (AvdTestWs  *host,
                  const char *license)
{
  g_autofree char *caps = avd_test_caps_text (4, 4000, TRUE, 100);
  g_autoptr(JsonObject) request = avd_test_json_printf ("{\"type\":\"CREATE_SESSION\",\"sessionType\":\"CALL\","
                                                        "\"capabilities\":%s}", caps);
  JsonObject *created;

  if (license != NULL)
    json_object_set_string_member (request, "licenseToken", license);
  created = avd_test_ws_request (host, request, "SESSION_CREATED");
  json_object_unref (avd_test_ws_expect (host, "HUB_ELECTED"));
  json_object_unref (avd_test_ws_expect (host, "ROLE_CHANGED"));
  return created;
}

/* JOIN_SESSION with a score (240) below the host's: no election follows. */
JsonObject *
dbus_test_join (AvdTestWs  *guest,
                const char *code)
{
  g_autofree char *caps = avd_test_caps_text (2, 2000, TRUE, 100);
  g_autoptr(JsonObject) request = avd_test_json_printf ("{\"type\":\"JOIN_SESSION\",\"inviteCode\":\"%s\","
                                                        "\"capabilities\":%s}", code, caps);

  return avd_test_ws_request (guest, request, "SESSION_JOINED");
}

/* A relay from @ws in @session_id to @to is refused: NOT_IN_SESSION. */
void
dbus_test_expect_not_in_session (AvdTestWs  *ws,
                                 const char *session_id,
                                 const char *to)
{
  g_autoptr(JsonObject) offer = avd_test_json_printf ("{\"type\":\"SDP_OFFER\",\"id\":\"not-member\","
                                                      "\"sessionId\":\"%s\",\"toFingerprint\":\"%s\","
                                                      "\"sdp\":\"v=0\"}", session_id, to);
  g_autoptr(JsonObject) app = avd_test_json_printf ("{\"type\":\"APP_MESSAGE\",\"id\":\"not-member-2\","
                                                    "\"sessionId\":\"%s\",\"payload\":{\"k\":1}}", session_id);
  g_autoptr(JsonObject) e1 = NULL;
  g_autoptr(JsonObject) e2 = NULL;

  avd_test_ws_send (ws, offer);
  e1 = avd_test_ws_expect_error (ws, "NOT_IN_SESSION", "not-member");
  avd_test_ws_send (ws, app);
  e2 = avd_test_ws_expect_error (ws, "NOT_IN_SESSION", "not-member-2");
}

gboolean
dbus_test_turn_password_ok (const char *username,
                            const char *password)
{
  g_autoptr(GHmac) hmac = g_hmac_new (G_CHECKSUM_SHA1, (const guchar *) DBUS_TEST_SECRET,
                                      strlen (DBUS_TEST_SECRET));
  guint8 digest[20];
  gsize len = sizeof digest;
  g_autofree char *expected = NULL;

  g_hmac_update (hmac, (const guchar *) username, strlen (username));
  g_hmac_get_digest (hmac, digest, &len);
  expected = g_base64_encode (digest, len);
  return g_strcmp0 (expected, password) == 0;
}

/* Calls as `nobody` need gdbus, root (runuser) and the user to exist. */
gboolean
dbus_test_can_run_as_nobody (char **out_reason)
{
  g_autofree char *runuser = g_find_program_in_path ("runuser");
  g_autofree char *gdbus = g_find_program_in_path ("gdbus");

  if (gdbus == NULL)
    {
      *out_reason = g_strdup ("gdbus (Debian: libglib2.0-bin) is not installed");
      return FALSE;
    }
  if (geteuid () != 0)
    {
      *out_reason = g_strdup ("calling as another user needs root");
      return FALSE;
    }
  if (runuser == NULL)
    {
      *out_reason = g_strdup ("runuser (util-linux) is not installed");
      return FALSE;
    }
  if (getpwnam ("nobody") == NULL)
    {
      *out_reason = g_strdup ("there is no user nobody");
      return FALSE;
    }
  return TRUE;
}

/* TAP for "the whole program skips": dbus-daemon is needed for a bus. */
gboolean
dbus_test_skip_without_bus (void)
{
  g_autofree char *daemon = g_find_program_in_path ("dbus-daemon");

  if (daemon != NULL)
    return FALSE;
  g_print ("1..0 # SKIP dbus-daemon (Debian: dbus-daemon) is not installed\n");
  return TRUE;
}

/* Removes a test's temporary directory and what is in it (one level). */
void
dbus_test_rm_dir (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, name, NULL);

      g_unlink (child);
    }
  g_rmdir (path);
}
