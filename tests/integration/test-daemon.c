/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* avanued as a process: starts on free ports, answers GET /health as
 * DESIGN §8 says, gives JSON errors, and exits cleanly on SIGTERM. */
#include "config.h"

#include <glib/gstdio.h>
#include <string.h>
#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

#include "avanue.h"
#include "avd-test-daemon.h"

static JsonObject *
fetch_json (AvdTestDaemon *daemon,
            const char    *method,
            const char    *path,
            guint          expected_status)
{
  g_autoptr(SoupSession) session = soup_session_new ();
  g_autofree char *url = avd_test_daemon_url (daemon, path);
  g_autoptr(SoupMessage) msg = soup_message_new (method, url);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) body = soup_session_send_and_read (session, msg, NULL, &error);
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonNode *root;

  g_assert_no_error (error);
  g_assert_cmpuint (soup_message_get_status (msg), ==, expected_status);
  g_assert_cmpstr (soup_message_headers_get_content_type (soup_message_get_response_headers (msg), NULL),
                   ==, "application/json");
  json_parser_load_from_data (parser, g_bytes_get_data (body, NULL), g_bytes_get_size (body), &error);
  g_assert_no_error (error);
  root = json_parser_get_root (parser);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (root));
  return json_object_ref (json_node_get_object (root));
}

static void
test_health (void)
{
  g_autoptr(AvdTestDaemon) daemon = avd_test_daemon_start (NULL);
  g_autoptr(JsonObject) health = fetch_json (daemon, "GET", "/health", 200);
  g_autoptr(GDateTime) ts = NULL;
  JsonObject *checks;

  g_assert_cmpstr (json_object_get_string_member (health, "status"), ==, "ok");
  g_assert_cmpstr (json_object_get_string_member (health, "version"), ==, PACKAGE_VERSION);
  g_assert_cmpint (json_object_get_int_member (health, "uptimeSeconds"), >=, 0);
  ts = g_date_time_new_from_iso8601 (json_object_get_string_member (health, "timestamp"), NULL);
  g_assert_nonnull (ts);
  checks = json_object_get_object_member (health, "checks");
  g_assert_nonnull (checks);
  g_assert_true (json_object_has_member (checks, "store"));
  g_assert_true (json_object_has_member (checks, "state"));
  g_assert_true (json_object_has_member (checks, "turn"));

  g_assert_cmpint (avd_test_daemon_stop (daemon), ==, 0);
}

static void
test_json_errors (void)
{
  g_autoptr(AvdTestDaemon) daemon = avd_test_daemon_start (NULL);
  g_autoptr(JsonObject) not_found = fetch_json (daemon, "GET", "/no/such/thing", 404);
  g_autoptr(JsonObject) bad_method = fetch_json (daemon, "DELETE", "/health", 405);

  g_assert_cmpstr (json_object_get_string_member (not_found, "error"), ==, "NOT_FOUND");
  g_assert_cmpstr (json_object_get_string_member (bad_method, "error"), ==, "METHOD_NOT_ALLOWED");
  g_assert_cmpint (avd_test_daemon_stop (daemon), ==, 0);
}

static void
test_config_file (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("avanued-conf-XXXXXX", &error);
  g_autofree char *path = g_build_filename (dir, "avanued.conf", NULL);
  g_autofree char *arg = g_strdup_printf ("--config=%s", path);
  const char *args[] = { arg, NULL };
  g_autoptr(AvdTestDaemon) daemon = NULL;
  g_autoptr(JsonObject) health = NULL;

  g_assert_no_error (error);
  /* listen on both loopbacks; --port 0 from the fixture overrides port= */
  g_file_set_contents (path, "[server]\nlisten=127.0.0.1, ::1\nport=1\n", -1, &error);
  g_assert_no_error (error);
  daemon = avd_test_daemon_start (args);
  health = fetch_json (daemon, "GET", "/health", 200);
  g_assert_cmpstr (json_object_get_string_member (health, "status"), ==, "ok");
  g_assert_cmpint (avd_test_daemon_stop (daemon), ==, 0);
  g_unlink (path);
  g_rmdir (dir);
}

static void
test_bad_config (void)
{
  const char *argv[] = { NULL, "--config=/nonexistent/avanued.conf", "--port=0", NULL };
  g_autofree char *path = avd_test_daemon_path ();
  g_autoptr(GSubprocess) proc = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *err = NULL;

  argv[0] = path;
  proc = g_subprocess_newv (argv, G_SUBPROCESS_FLAGS_STDERR_PIPE | G_SUBPROCESS_FLAGS_STDOUT_SILENCE, &error);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (proc, NULL, NULL, NULL, &err, &error);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_if_exited (proc));
  g_assert_cmpint (g_subprocess_get_exit_status (proc), ==, 1);
  g_assert_nonnull (strstr (err, "/nonexistent/avanued.conf"));
}

static gboolean
accept_any_certificate (SoupMessage          *msg,
                        GTlsCertificate      *certificate,
                        GTlsCertificateFlags  errors,
                        gpointer              user_data)
{
  /* Self-signed on purpose; check it is the one we made. */
  GTlsCertificate *expected = user_data;

  return g_tls_certificate_is_same (certificate, expected);
}

/* [server] tls-certificate/tls-key: the same port then speaks HTTPS. */
static void
test_tls (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("avanued-tls-XXXXXX", &error);
  g_autofree char *cert = g_build_filename (dir, "cert.pem", NULL);
  g_autofree char *key = g_build_filename (dir, "key.pem", NULL);
  g_autofree char *conf = g_build_filename (dir, "avanued.conf", NULL);
  g_autofree char *conf_text = NULL;
  g_autofree char *arg = g_strdup_printf ("--config=%s", conf);
  const char *args[] = { arg, NULL };
  const char *openssl[] = { "openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
                            "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1",
                            "-keyout", key, "-out", cert, NULL };
  g_autoptr(AvdTestDaemon) daemon = NULL;
  g_autoptr(GTlsCertificate) expected = NULL;
  g_autoptr(SoupSession) session = soup_session_new ();
  g_autoptr(SoupMessage) msg = NULL;
  g_autoptr(GBytes) body = NULL;
  g_autofree char *url = NULL;
  int status = 0;

  g_assert_no_error (error);
  if (!g_spawn_sync (NULL, (char **) openssl, NULL, G_SPAWN_SEARCH_PATH | G_SPAWN_STDOUT_TO_DEV_NULL |
                     G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL, NULL, NULL, &status, NULL) || status != 0)
    {
      g_test_skip ("openssl is not available to make a test certificate");
      return;
    }
  expected = g_tls_certificate_new_from_file (cert, &error);
  g_assert_no_error (error);
  conf_text = g_strdup_printf ("[server]\ntls-certificate=%s\ntls-key=%s\n", cert, key);
  g_file_set_contents (conf, conf_text, -1, &error);
  g_assert_no_error (error);

  daemon = avd_test_daemon_start (args);
  url = g_strdup_printf ("https://127.0.0.1:%u/health", daemon->http_port);
  msg = soup_message_new ("GET", url);
  g_signal_connect (msg, "accept-certificate", G_CALLBACK (accept_any_certificate), expected);
  body = soup_session_send_and_read (session, msg, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (soup_message_get_status (msg), ==, 200);
  g_assert_nonnull (g_strstr_len (g_bytes_get_data (body, NULL), g_bytes_get_size (body), "\"status\":\"ok\""));

  /* Plain HTTP on the TLS port gets no answer. */
  {
    g_autofree char *plain_url = g_strdup_printf ("http://127.0.0.1:%u/health", daemon->http_port);
    g_autoptr(SoupMessage) plain = soup_message_new ("GET", plain_url);
    g_autoptr(GError) plain_error = NULL;
    g_autoptr(GBytes) plain_body = soup_session_send_and_read (session, plain, NULL, &plain_error);

    g_assert_true (plain_body == NULL || plain_error == NULL);
    g_assert_true (plain_error != NULL || soup_message_get_status (plain) != 200);
  }

  g_assert_cmpint (avd_test_daemon_stop (daemon), ==, 0);
  g_unlink (cert);
  g_unlink (key);
  g_unlink (conf);
  g_rmdir (dir);
}

static char *
fetch_text (AvdTestDaemon *daemon,
            const char    *path,
            guint          expected_status)
{
  g_autoptr(SoupSession) session = soup_session_new ();
  g_autofree char *url = avd_test_daemon_url (daemon, path);
  g_autoptr(SoupMessage) msg = soup_message_new ("GET", url);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) body = soup_session_send_and_read (session, msg, NULL, &error);

  g_assert_no_error (error);
  g_assert_cmpuint (soup_message_get_status (msg), ==, expected_status);
  return g_strndup (g_bytes_get_data (body, NULL), g_bytes_get_size (body));
}

/* GET /metrics: Prometheus text with the relay's counters; an unauthenticated
 * Allocate shows up as one 401. */
static void
test_metrics (void)
{
  g_autoptr(AvdTestDaemon) daemon = avd_test_daemon_start (NULL);
  g_autoptr(AvanueStunMessage) request = avanue_stun_message_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GSocket) socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_DATAGRAM,
                                            G_SOCKET_PROTOCOL_UDP, &error);
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) relay = g_inet_socket_address_new (loopback, daemon->turn_port);
  g_autofree char *before = fetch_text (daemon, "/metrics", 200);
  g_autofree char *after = NULL;
  const guint8 *data;
  gsize len;
  char answer[1024];

  g_assert_no_error (error);
  g_assert_nonnull (strstr (before, "# TYPE avanue_sessions gauge\navanue_sessions 0\n"));
  g_assert_nonnull (strstr (before, "avanue_turn_allocations 0\n"));
  g_assert_nonnull (strstr (before, "avanue_turn_errors_total{code=\"401\"} 0\n"));

  avanue_stun_message_start (request, AVANUE_STUN_METHOD_ALLOCATE, AVANUE_STUN_CLASS_REQUEST, NULL);
  avanue_stun_message_add_uint32 (request, AVANUE_STUN_ATTRIBUTE_REQUESTED_TRANSPORT, 17u << 24, NULL);
  data = avanue_stun_message_get_data (request, &len);
  g_socket_send_to (socket, relay, (const char *) data, len, NULL, &error);
  g_assert_no_error (error);
  g_socket_set_timeout (socket, 5);
  g_assert_cmpint (g_socket_receive (socket, answer, sizeof answer, NULL, &error), >, 0);
  g_assert_no_error (error);

  after = fetch_text (daemon, "/metrics", 200);
  g_assert_nonnull (strstr (after, "avanue_turn_errors_total{code=\"401\"} 1\n"));
  g_assert_cmpint (avd_test_daemon_stop (daemon), ==, 0);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/avanued/health", test_health);
  g_test_add_func ("/avanued/json-errors", test_json_errors);
  g_test_add_func ("/avanued/config-file", test_config_file);
  g_test_add_func ("/avanued/bad-config", test_bad_config);
  g_test_add_func ("/avanued/tls", test_tls);
  g_test_add_func ("/avanued/metrics", test_metrics);

  return g_test_run ();
}
