/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* avanuectl against a real avanued on a private bus: every sub-command's
 * --json output parsed and checked against what the signaling clients
 * see, the tables, `monitor`, and the exit codes scripts rely on (0 ok,
 * 1 the daemon's error with its D-Bus name, 2 usage, 3 not reachable). */
#include "config.h"

#include <signal.h>
#include <string.h>

#include "dbus-test-common.h"

#define LINE_TIMEOUT_MS 8000

static DbusTestBus *test_bus;

typedef struct {
  AvdTestDaemon *daemon;
  GDBusConnection *conn;
} Fixture;

static void
setup (Fixture       *f,
       gconstpointer  data)
{
  f->conn = dbus_test_bus_connect (test_bus);
  f->daemon = dbus_test_daemon_start (NULL);
}

static void
teardown (Fixture       *f,
          gconstpointer  data)
{
  /* A graceful stop must be clean (and, under the sanitizers, leak-free). */
  if (f->daemon != NULL && f->daemon->process != NULL)
    g_assert_cmpint (avd_test_daemon_stop (f->daemon), ==, 0);
  g_clear_pointer (&f->daemon, avd_test_daemon_free);
  dbus_test_wait_name (f->conn, FALSE);
  g_dbus_connection_close_sync (f->conn, NULL, NULL);
  g_clear_object (&f->conn);
}

static char *
avanuectl_path (void)
{
  const char *env = g_getenv ("AVANUECTL");

  if (env != NULL)
    return g_strdup (env);
  return g_test_build_filename (G_TEST_BUILT, "..", "..", "avanued", "avanuectl", NULL);
}

/* Runs `avanuectl --session ARGS…`; returns its exit status, with its
 * stdout and stderr. */
static int
run_ctl (GPtrArray  *args,
         char      **out_stdout,
         char      **out_stderr)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GSubprocess) proc = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;

  g_ptr_array_add (argv, avanuectl_path ());
  g_ptr_array_add (argv, g_strdup ("--session"));
  for (guint i = 0; i < args->len; i++)
    g_ptr_array_add (argv, g_strdup (g_ptr_array_index (args, i)));
  g_ptr_array_add (argv, NULL);

  proc = g_subprocess_newv ((const char * const *) argv->pdata,
                            G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE, &error);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (proc, NULL, NULL, &out, &err, &error);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_if_exited (proc));
  if (out_stdout != NULL)
    *out_stdout = g_steal_pointer (&out);
  if (out_stderr != NULL)
    *out_stderr = g_steal_pointer (&err);
  return g_subprocess_get_exit_status (proc);
}

static GPtrArray *
collect_args (const char *first,
              va_list     args)
{
  GPtrArray *array = g_ptr_array_new ();

  for (const char *a = first; a != NULL; a = va_arg (args, const char *))
    g_ptr_array_add (array, (gpointer) a);
  return array;
}

static int
ctl (char       **out_stdout,
     char       **out_stderr,
     const char  *first,
     ...) G_GNUC_NULL_TERMINATED;

static int
ctl (char       **out_stdout,
     char       **out_stderr,
     const char  *first,
     ...)
{
  g_autoptr(GPtrArray) args = NULL;
  va_list ap;

  va_start (ap, first);
  args = collect_args (first, ap);
  va_end (ap);
  return run_ctl (args, out_stdout, out_stderr);
}

static JsonNode *
parse_json (const char *text)
{
  g_autoptr(GError) error = NULL;
  JsonNode *node = json_from_string (text, &error);

  g_assert_no_error (error);
  g_assert_nonnull (node);
  return node;
}

/* `avanuectl --session --json ARGS…` must succeed; its output parsed. */
static JsonNode *
ctl_json (const char *first,
          ...) G_GNUC_NULL_TERMINATED;

static JsonNode *
ctl_json (const char *first,
          ...)
{
  g_autoptr(GPtrArray) args = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  va_list ap;
  int status;

  va_start (ap, first);
  args = collect_args (first, ap);
  va_end (ap);
  g_ptr_array_insert (args, 0, (gpointer) "--json");
  status = run_ctl (args, &out, &err);
  if (status != 0)
    g_error ("avanuectl --json %s exited with %d: %s", first, status, err);
  return parse_json (out);
}

/* `avanuectl --session ARGS…` fails with @status; its stderr names @name
 * (an org.avanue.Avanued1.Error name when @status is 1). */
static void
ctl_expect_failure (int         expected_status,
                    const char *name,
                    const char *first,
                    ...) G_GNUC_NULL_TERMINATED;

static void
ctl_expect_failure (int         expected_status,
                    const char *name,
                    const char *first,
                    ...)
{
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autoptr(GPtrArray) argv = NULL;
  va_list args;
  int status;

  va_start (args, first);
  argv = collect_args (first, args);
  va_end (args);
  status = run_ctl (argv, &out, &err);
  g_test_message ("avanuectl %s: %d %s", first, status, g_strstrip (err));
  g_assert_cmpint (status, ==, expected_status);
  g_assert_cmpstr (out, ==, "");
  if (name != NULL)
    g_assert_nonnull (strstr (err, name));
}

static const char *
member_string (JsonObject *o,
               const char *name)
{
  return json_object_get_string_member_with_default (o, name, NULL);
}

static JsonObject *
find_in_array (JsonArray  *array,
               const char *key,
               const char *value)
{
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonObject *o = json_array_get_object_element (array, i);

      if (g_strcmp0 (member_string (o, key), value) == 0)
        return o;
    }
  return NULL;
}

/* ---- tests ------------------------------------------------------------ */

/* status, sessions, session, end: the clients hear ADMIN. */
static void
test_sessions (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(AvdTestWs) host = dbus_test_client (f->daemon, "host");
  g_autoptr(AvdTestWs) guest = dbus_test_client (f->daemon, "guest");
  g_autoptr(JsonObject) created = dbus_test_create (host, NULL);
  const char *session_id = avd_test_json_string (created, "sessionId");
  g_autoptr(JsonObject) joined = dbus_test_join (guest, avd_test_json_string (created, "inviteCode"));
  g_autoptr(JsonNode) status = NULL;
  g_autoptr(JsonNode) sessions = NULL;
  g_autoptr(JsonNode) session = NULL;
  g_autoptr(JsonNode) ended = NULL;
  JsonObject *s;
  JsonArray *participants;
  g_autofree char *table = NULL;

  g_assert_cmpstr (avd_test_json_string (joined, "sessionId"), ==, avd_test_json_string (created, "sessionId"));
  status = ctl_json ("status", NULL);
  g_assert_cmpstr (member_string (json_node_get_object (status), "version"), ==, PACKAGE_VERSION);
  g_assert_cmpint (json_object_get_int_member (json_node_get_object (status), "connectedDevices"), ==, 2);
  g_assert_cmpint (json_object_get_int_member (json_node_get_object (status), "activeSessions"), ==, 1);
  g_assert_cmpint (json_object_get_int_member (json_node_get_object (status), "participants"), ==, 2);
  g_assert_cmpint (json_object_get_int_member (json_node_get_object (status), "httpPort"), ==,
                   f->daemon->http_port);

  sessions = ctl_json ("sessions", NULL);
  g_assert_true (JSON_NODE_HOLDS_ARRAY (sessions));
  g_assert_cmpuint (json_array_get_length (json_node_get_array (sessions)), ==, 1);
  s = json_array_get_object_element (json_node_get_array (sessions), 0);
  g_assert_cmpstr (member_string (s, "id"), ==, session_id);
  g_assert_cmpstr (member_string (s, "inviteCode"), ==, avd_test_json_string (created, "inviteCode"));

  session = ctl_json ("session", session_id, NULL);
  s = json_node_get_object (session);
  g_assert_cmpstr (member_string (s, "host"), ==, avd_test_ws_get_fingerprint (host));
  g_assert_cmpstr (member_string (s, "hub"), ==, avd_test_ws_get_fingerprint (host));
  g_assert_cmpstr (member_string (s, "tier"), ==, "free");
  participants = json_object_get_array_member (s, "participants");
  g_assert_cmpuint (json_array_get_length (participants), ==, 2);
  {
    JsonObject *g = find_in_array (participants, "fingerprint", avd_test_ws_get_fingerprint (guest));

    g_assert_nonnull (g);
    g_assert_cmpstr (member_string (g, "role"), ==, "GUEST");
    g_assert_cmpstr (member_string (g, "deviceName"), ==, "guest");
    g_assert_true (json_object_get_boolean_member (g, "online"));
    g_assert_cmpfloat (json_object_get_double_member (g, "score"), ==, 240);
  }

  /* the tables carry the same */
  g_assert_cmpint (ctl (&table, NULL, "sessions", NULL), ==, 0);
  g_assert_true (g_str_has_prefix (table, "ID"));
  g_assert_nonnull (strstr (table, session_id));
  g_clear_pointer (&table, g_free);
  g_assert_cmpint (ctl (&table, NULL, "session", session_id, NULL), ==, 0);
  g_assert_nonnull (strstr (table, avd_test_ws_get_fingerprint (guest)));
  g_assert_nonnull (strstr (table, "GUEST"));
  g_clear_pointer (&table, g_free);
  g_assert_cmpint (ctl (&table, NULL, "status", NULL), ==, 0);
  g_assert_nonnull (strstr (table, "Active sessions:    1"));

  ended = ctl_json ("end", session_id, NULL);
  g_assert_true (json_object_get_boolean_member (json_node_get_object (ended), "ok"));
  {
    g_autoptr(JsonObject) to_host = avd_test_ws_find (host, "SESSION_ENDED");
    g_autoptr(JsonObject) to_guest = avd_test_ws_find (guest, "SESSION_ENDED");

    g_assert_cmpstr (avd_test_json_string (to_host, "reason"), ==, "ADMIN");
    g_assert_cmpstr (avd_test_json_string (to_guest, "reason"), ==, "ADMIN");
  }
  ctl_expect_failure (1, "org.avanue.Avanued1.Error.SessionNotFound", "end", session_id, NULL);
  ctl_expect_failure (1, "org.avanue.Avanued1.Error.SessionNotFound", "--json", "session", session_id, NULL);
}

/* kick: PARTICIPANT_LEFT KICKED, and the membership is gone. */
static void
test_kick (Fixture       *f,
           gconstpointer  data)
{
  g_autoptr(AvdTestWs) host = dbus_test_client (f->daemon, "host");
  g_autoptr(AvdTestWs) guest = dbus_test_client (f->daemon, "guest");
  g_autoptr(JsonObject) created = dbus_test_create (host, NULL);
  const char *session_id = avd_test_json_string (created, "sessionId");
  g_autoptr(JsonObject) joined = dbus_test_join (guest, avd_test_json_string (created, "inviteCode"));
  const char *guest_fp = avd_test_ws_get_fingerprint (guest);
  g_autoptr(JsonNode) kicked = NULL;
  g_autoptr(JsonNode) session = NULL;

  g_assert_cmpstr (avd_test_json_string (joined, "sessionId"), ==, avd_test_json_string (created, "sessionId"));
  avd_test_ws_drain (host);
  kicked = ctl_json ("kick", session_id, guest_fp, NULL);
  g_assert_true (json_object_get_boolean_member (json_node_get_object (kicked), "ok"));
  {
    g_autoptr(JsonObject) to_guest = avd_test_ws_expect (guest, "PARTICIPANT_LEFT");
    g_autoptr(JsonObject) to_host = avd_test_ws_expect (host, "PARTICIPANT_LEFT");

    g_assert_cmpstr (avd_test_json_string (to_guest, "reason"), ==, "KICKED");
    g_assert_cmpstr (avd_test_json_string (to_host, "fingerprint"), ==, guest_fp);
    g_assert_cmpstr (avd_test_json_string (to_host, "reason"), ==, "KICKED");
  }
  dbus_test_expect_not_in_session (guest, session_id, avd_test_ws_get_fingerprint (host));
  session = ctl_json ("session", session_id, NULL);
  g_assert_null (find_in_array (json_object_get_array_member (json_node_get_object (session), "participants"),
                                "fingerprint", guest_fp));
  ctl_expect_failure (1, "org.avanue.Avanued1.Error.DeviceNotFound", "kick", session_id, guest_fp, NULL);
  ctl_expect_failure (1, "org.avanue.Avanued1.Error.InvalidArgument", "kick", session_id, "bad", NULL);
}

/* devices, block, unblock. */
static void
test_devices (Fixture       *f,
              gconstpointer  data)
{
  g_autoptr(AvdTestWs) device = dbus_test_client (f->daemon, "phone");
  g_autofree char *fp = g_strdup (avd_test_ws_get_fingerprint (device));
  g_autoptr(JsonNode) devices = NULL;
  g_autoptr(JsonNode) blocked = NULL;
  g_autoptr(JsonNode) unblocked = NULL;
  g_autofree char *table = NULL;
  JsonObject *d;

  devices = ctl_json ("devices", NULL);
  d = find_in_array (json_node_get_array (devices), "fingerprint", fp);
  g_assert_nonnull (d);
  g_assert_cmpstr (member_string (d, "deviceName"), ==, "phone");
  g_assert_true (json_object_get_boolean_member (d, "connected"));
  g_assert_false (json_object_get_boolean_member (d, "blocked"));
  g_assert_cmpint (ctl (&table, NULL, "devices", NULL), ==, 0);
  g_assert_nonnull (strstr (table, fp));

  blocked = ctl_json ("block", fp, NULL);
  g_assert_true (json_object_get_boolean_member (json_node_get_object (blocked), "ok"));
  {
    g_autoptr(JsonObject) error = avd_test_ws_expect_error (device, "DEVICE_BLOCKED", NULL);

    g_assert_null (avd_test_json_string (error, "re"));
    g_assert_cmpuint (avd_test_ws_wait_closed (device), ==, SOUP_WEBSOCKET_CLOSE_POLICY_VIOLATION);
  }
  {
    g_autoptr(AvdTestWs) again = avd_test_ws_connect (f->daemon, NULL);
    g_autoptr(JsonObject) refused = dbus_test_register_refused (again, avd_test_ws_get_identity (device), "phone");

    g_assert_cmpstr (avd_test_json_string (refused, "code"), ==, "DEVICE_BLOCKED");
  }
  g_clear_pointer (&devices, json_node_unref);
  devices = ctl_json ("devices", NULL);
  d = find_in_array (json_node_get_array (devices), "fingerprint", fp);
  g_assert_true (json_object_get_boolean_member (d, "blocked"));

  unblocked = ctl_json ("unblock", fp, NULL);
  g_assert_true (json_object_get_boolean_member (json_node_get_object (unblocked), "ok"));
  {
    g_autoptr(AvdTestWs) back = dbus_test_reconnect (f->daemon, device, "phone");

    avd_test_ws_sync (back);
  }
  ctl_expect_failure (1, "org.avanue.Avanued1.Error.DeviceNotFound", "block",
                      "fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210", NULL);
  ctl_expect_failure (1, "org.avanue.Avanued1.Error.InvalidArgument", "unblock", "nope", NULL);
}

/* license issue / licenses / license revoke: the key works, revoking it
 * ends its session with LICENSE_EXPIRED. */
static void
test_licenses (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(JsonNode) issued = NULL;
  g_autoptr(JsonNode) licenses = NULL;
  g_autoptr(JsonNode) revoked = NULL;
  g_autofree char *plain_key = NULL;
  g_autofree char *plain_err = NULL;
  const char *key;
  const char *id;
  JsonObject *license;

  issued = ctl_json ("license", "issue", "--tier", "business", "--user", "carol", NULL);
  key = member_string (json_node_get_object (issued), "key");
  g_assert_true (g_str_has_prefix (key, "avl_"));
  g_assert_cmpuint (strlen (key), ==, 44);
  license = json_object_get_object_member (json_node_get_object (issued), "license");
  id = member_string (license, "id");
  g_assert_cmpstr (member_string (license, "tier"), ==, "business");
  g_assert_cmpstr (member_string (license, "user"), ==, "carol");
  g_assert_cmpint (json_object_get_int_member (license, "expiresAt"), ==, 0);

  /* --expires: the end of that day, UTC */
  {
    g_autoptr(JsonNode) dated = ctl_json ("license", "issue", "--tier", "pro", "--user", "dan",
                                          "--expires", "2099-12-31", NULL);
    JsonObject *l = json_object_get_object_member (json_node_get_object (dated), "license");

    g_assert_cmpint (json_object_get_int_member (l, "expiresAt"), ==, G_GINT64_CONSTANT (4102444799));
  }
  /* without --json, the key alone on stdout */
  g_assert_cmpint (ctl (&plain_key, &plain_err, "license", "issue", "--tier", "pro", "--user", "erin", NULL), ==, 0);
  g_strchomp (plain_key);
  g_assert_true (g_str_has_prefix (plain_key, "avl_"));
  g_assert_cmpuint (strlen (plain_key), ==, 44);

  licenses = ctl_json ("licenses", NULL);
  g_assert_cmpuint (json_array_get_length (json_node_get_array (licenses)), ==, 3);
  g_assert_true (json_object_get_boolean_member (find_in_array (json_node_get_array (licenses), "id", id), "valid"));

  {
    g_autoptr(AvdTestWs) host = dbus_test_client (f->daemon, "licensed host");
    g_autoptr(JsonObject) created = dbus_test_create (host, key);
    g_autoptr(JsonNode) session = ctl_json ("session", avd_test_json_string (created, "sessionId"), NULL);

    g_assert_cmpstr (member_string (json_node_get_object (session), "tier"), ==, "business");
    revoked = ctl_json ("license", "revoke", key, NULL);
    g_assert_cmpint (json_object_get_int_member (json_node_get_object (revoked), "sessionsEnded"), ==, 1);
    {
      g_autoptr(JsonObject) ended = avd_test_ws_find (host, "SESSION_ENDED");

      g_assert_cmpstr (avd_test_json_string (ended, "reason"), ==, "LICENSE_EXPIRED");
    }
  }
  g_clear_pointer (&licenses, json_node_unref);
  licenses = ctl_json ("licenses", NULL);
  g_assert_true (json_object_get_boolean_member (find_in_array (json_node_get_array (licenses), "id", id), "revoked"));

  ctl_expect_failure (1, "org.avanue.Avanued1.Error.LicenseNotFound", "license", "revoke", "no-such-licence", NULL);
  ctl_expect_failure (1, "org.avanue.Avanued1.Error.InvalidArgument",
                      "license", "issue", "--tier", "gold", "--user", "x", NULL);
  ctl_expect_failure (1, "org.avanue.Avanued1.Error.InvalidArgument",
                      "license", "issue", "--tier", "pro", "--user", "x", "--expires", "2001-01-01", NULL);
  ctl_expect_failure (2, "--user", "license", "issue", "--tier", "pro", NULL);
  ctl_expect_failure (2, "YYYY-MM-DD", "license", "issue", "--tier", "pro", "--user", "x", "--expires", "soon", NULL);
  ctl_expect_failure (2, NULL, "license", "revoke", NULL);
  ctl_expect_failure (2, NULL, "license", "renew", "x", NULL);
}

/* turn-credentials and reload. */
static void
test_turn_and_reload (Fixture       *f,
                      gconstpointer  data)
{
  g_autoptr(JsonNode) creds = ctl_json ("turn-credentials", "--user", "frank", "--ttl", "300", NULL);
  g_autoptr(JsonNode) defaults = ctl_json ("turn-credentials", NULL);
  g_autoptr(JsonNode) reloaded = NULL;
  JsonObject *c = json_node_get_object (creds);
  const char *username = member_string (c, "username");
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;
  g_autofree char *plain = NULL;

  g_assert_true (g_str_has_suffix (username, ":frank"));
  g_assert_cmpint (ABS (g_ascii_strtoll (username, NULL, 10) - (now + 300)), <=, 5);
  g_assert_cmpint (json_object_get_int_member (c, "ttlSeconds"), ==, 300);
  g_assert_true (dbus_test_turn_password_ok (username, member_string (c, "password")));
  g_assert_cmpstr (json_array_get_string_element (json_object_get_array_member (c, "urls"), 0), ==,
                   "turn:127.0.0.1:3478?transport=udp");
  g_assert_true (g_str_has_suffix (member_string (json_node_get_object (defaults), "username"), ":admin"));
  g_assert_cmpint (json_object_get_int_member (json_node_get_object (defaults), "ttlSeconds"), ==, 600);

  g_assert_cmpint (ctl (&plain, NULL, "turn-credentials", "--user", "gina", NULL), ==, 0);
  g_assert_nonnull (strstr (plain, ":gina"));
  ctl_expect_failure (1, "org.avanue.Avanued1.Error.InvalidArgument", "turn-credentials", "--user", "a:b", NULL);
  ctl_expect_failure (1, "org.avanue.Avanued1.Error.InvalidArgument", "turn-credentials", "--ttl", "9999999", NULL);
  ctl_expect_failure (2, "--ttl", "turn-credentials", "--ttl", "-5", NULL);

  {
    g_autoptr(AvdTestWs) ws = dbus_test_client (f->daemon, "stays");

    reloaded = ctl_json ("reload", NULL);
    g_assert_cmpuint (json_array_get_length (json_object_get_array_member (json_node_get_object (reloaded),
                                                                          "restartNeeded")), ==, 0);
    avd_test_ws_sync (ws);
  }
}

/* monitor: one JSON line per event, as it happens. */
typedef struct {
  GDataInputStream *in;
  char *line;
  gboolean done;
} LineReader;

static void
line_cb (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  LineReader *r = user_data;

  r->line = g_data_input_stream_read_line_finish_utf8 (G_DATA_INPUT_STREAM (source), result, NULL, NULL);
  r->done = TRUE;
}

static gboolean
timeout_cb (gpointer user_data)
{
  *(gboolean *) user_data = TRUE;
  return G_SOURCE_REMOVE;
}

/* The next line, pumping the main loop meanwhile (the WebSocket clients
 * live there). */
static char *
read_line (GDataInputStream *in)
{
  LineReader r = { .in = in };
  gboolean timed_out = FALSE;
  guint id = g_timeout_add (LINE_TIMEOUT_MS, timeout_cb, &timed_out);

  g_data_input_stream_read_line_async (in, G_PRIORITY_DEFAULT, NULL, line_cb, &r);
  while (!r.done && !timed_out)
    g_main_context_iteration (NULL, TRUE);
  if (timed_out)
    g_error ("avanuectl monitor printed nothing");
  g_source_remove (id);
  return r.line;
}

/* The next monitor line that is not PropertiesChanged, parsed. */
static JsonObject *
next_event (GDataInputStream *in)
{
  for (;;)
    {
      g_autofree char *line = read_line (in);
      g_autoptr(JsonNode) node = NULL;
      JsonObject *o;

      g_assert_nonnull (line);
      node = parse_json (line);
      o = json_node_get_object (node);
      if (g_strcmp0 (member_string (o, "signal"), "PropertiesChanged") != 0)
        return json_object_ref (o);
    }
}

static void
test_monitor (Fixture       *f,
              gconstpointer  data)
{
  g_autofree char *path = avanuectl_path ();
  g_autoptr(GSubprocess) monitor = NULL;
  g_autoptr(GDataInputStream) out = NULL;
  g_autoptr(GDataInputStream) err = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *ready = NULL;
  g_autoptr(AvdTestWs) host = NULL;
  g_autoptr(AvdTestWs) guest = NULL;
  g_autoptr(JsonObject) created = NULL;
  g_autoptr(JsonObject) joined = NULL;
  const char *session_id;
  gboolean saw_properties = FALSE;

  monitor = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE, &error,
                              path, "--session", "--json", "monitor", NULL);
  g_assert_no_error (error);
  out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (monitor));
  err = g_data_input_stream_new (g_subprocess_get_stderr_pipe (monitor));
  ready = read_line (err);
  g_assert_nonnull (ready);
  g_assert_nonnull (strstr (ready, "Monitoring org.avanue.Avanued1"));

  host = dbus_test_client (f->daemon, "host");
  guest = dbus_test_client (f->daemon, "guest");
  created = dbus_test_create (host, NULL);
  session_id = avd_test_json_string (created, "sessionId");
  {
    g_autoptr(JsonObject) e = next_event (out);

    g_assert_cmpstr (member_string (e, "signal"), ==, "SessionCreated");
    g_assert_cmpstr (member_string (e, "sessionId"), ==, session_id);
    g_assert_cmpstr (member_string (e, "tier"), ==, "free");
    g_assert_cmpstr (member_string (e, "host"), ==, avd_test_ws_get_fingerprint (host));
  }
  {
    g_autoptr(JsonObject) e = next_event (out);

    g_assert_cmpstr (member_string (e, "signal"), ==, "ParticipantJoined");
    g_assert_cmpstr (member_string (e, "fingerprint"), ==, avd_test_ws_get_fingerprint (host));
  }
  {
    g_autoptr(JsonObject) e = next_event (out);

    g_assert_cmpstr (member_string (e, "signal"), ==, "HubElected");
    g_assert_cmpstr (member_string (e, "reason"), ==, "INITIAL");
  }
  joined = dbus_test_join (guest, avd_test_json_string (created, "inviteCode"));
  {
    g_autoptr(JsonObject) e = next_event (out);

    g_assert_cmpstr (member_string (e, "signal"), ==, "ParticipantJoined");
    g_assert_cmpstr (member_string (e, "fingerprint"), ==, avd_test_ws_get_fingerprint (guest));
  }
  g_assert_cmpint (ctl (NULL, NULL, "kick", session_id, avd_test_ws_get_fingerprint (guest), NULL), ==, 0);
  {
    g_autoptr(JsonObject) e = next_event (out);

    g_assert_cmpstr (member_string (e, "signal"), ==, "ParticipantLeft");
    g_assert_cmpstr (member_string (e, "reason"), ==, "KICKED");
  }
  g_assert_cmpint (ctl (NULL, NULL, "block", avd_test_ws_get_fingerprint (guest), NULL), ==, 0);
  {
    g_autoptr(JsonObject) e = next_event (out);

    g_assert_cmpstr (member_string (e, "signal"), ==, "DeviceBlocked");
    g_assert_cmpstr (member_string (e, "fingerprint"), ==, avd_test_ws_get_fingerprint (guest));
    g_assert_cmpstr (member_string (e, "blocked"), ==, "true");
  }
  g_assert_cmpint (ctl (NULL, NULL, "end", session_id, NULL), ==, 0);
  {
    g_autoptr(JsonObject) e = next_event (out);

    g_assert_cmpstr (member_string (e, "signal"), ==, "SessionEnded");
    g_assert_cmpstr (member_string (e, "reason"), ==, "ADMIN");
  }
  /* property changes come through as well */
  while (!saw_properties)
    {
      g_autofree char *line = read_line (out);
      g_autoptr(JsonNode) node = parse_json (line);
      JsonObject *o = json_node_get_object (node);

      if (g_strcmp0 (member_string (o, "signal"), "PropertiesChanged") == 0)
        {
          g_assert_true (json_object_has_member (o, "properties"));
          saw_properties = TRUE;
        }
    }

  g_subprocess_send_signal (monitor, SIGTERM);
  g_subprocess_wait (monitor, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_if_exited (monitor));
  g_assert_cmpint (g_subprocess_get_exit_status (monitor), ==, 0);
}

/* Usage errors are 2, an absent daemon or bus 3. */
static void
test_exit_codes (Fixture       *f,
                 gconstpointer  data)
{
  ctl_expect_failure (2, "no command", "--json", NULL);
  ctl_expect_failure (2, "unknown command", "frobnicate", NULL);
  ctl_expect_failure (2, NULL, "kick", "only-one", NULL);
  ctl_expect_failure (2, NULL, "status", "extra", NULL);
  ctl_expect_failure (2, NULL, "--system", "status", NULL);   /* with --session: both */
  ctl_expect_failure (2, "--tier", "status", "--tier", "pro", NULL);
  ctl_expect_failure (2, NULL, "--no-such-option", "status", NULL);

  /* the daemon gone: the bus says nobody owns the name */
  g_clear_pointer (&f->daemon, avd_test_daemon_free);
  dbus_test_wait_name (f->conn, FALSE);
  ctl_expect_failure (3, "not reachable", "status", NULL);
  ctl_expect_failure (3, "org.freedesktop.DBus.Error.ServiceUnknown", "--json", "sessions", NULL);

  /* no bus at all */
  {
    g_autofree char *saved = g_strdup (g_getenv ("DBUS_SESSION_BUS_ADDRESS"));

    g_setenv ("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/avanue-test-bus", TRUE);
    ctl_expect_failure (3, "not reachable", "status", NULL);
    g_setenv ("DBUS_SESSION_BUS_ADDRESS", saved, TRUE);
  }
}

int
main (int argc, char **argv)
{
  int status;

  g_test_init (&argc, &argv, NULL);
  avd_test_silence_debug ();
  if (dbus_test_skip_without_bus ())
    return 0;

  test_bus = dbus_test_bus_start (NULL);

  g_test_add ("/avanue/avanuectl/sessions", Fixture, NULL, setup, test_sessions, teardown);
  g_test_add ("/avanue/avanuectl/kick", Fixture, NULL, setup, test_kick, teardown);
  g_test_add ("/avanue/avanuectl/devices", Fixture, NULL, setup, test_devices, teardown);
  g_test_add ("/avanue/avanuectl/licenses", Fixture, NULL, setup, test_licenses, teardown);
  g_test_add ("/avanue/avanuectl/turn-and-reload", Fixture, NULL, setup, test_turn_and_reload, teardown);
  g_test_add ("/avanue/avanuectl/monitor", Fixture, NULL, setup, test_monitor, teardown);
  g_test_add ("/avanue/avanuectl/exit-codes", Fixture, NULL, setup, test_exit_codes, teardown);

  status = g_test_run ();
  g_clear_pointer (&test_bus, dbus_test_bus_free);
  return status;
}
