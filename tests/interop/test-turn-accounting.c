/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Interop: bytes relayed by avanued's TURN relay for a session's members
 * end up in the session's history row (session_history.total_bytes_relayed)
 * and in its licence's monthly usage (license_usage.bytes_relayed).
 *
 * A pro session is created over WebSocket; the host and a guest each get
 * turnCredentials in SESSION_CREATED / SESSION_JOINED and hand them to
 * coturn's turnutils_uclient (long-term credentials, -u/-w), which relays
 * a known number of fixed-size messages to turnutils_peer and back.  After
 * the session ends and the daemon stops (which flushes accounting), the
 * SQLite store must hold at least the payload relayed both ways. */
#include "config.h"

#include <sqlite3.h>
#include <gio/gio.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <unistd.h>

#include "avanue.h"
#include "avd-test-daemon.h"
#include "avd-test-ws.h"

#define MESSAGE_SIZE 200
#define HOST_MESSAGES 30
#define GUEST_MESSAGES 20

#define CONFIG \
  "[limits]\n" \
  "messages-per-second=1000\n" \
  "message-burst=1000\n" \
  "ip-messages-per-second=10000\n" \
  "ip-message-burst=10000\n" \
  "[dbus]\n" \
  "bus=none\n" \
  "[turn]\n" \
  "secrets=accounting-secret\n" \
  "allow-loopback-peers=true\n" \
  "credential-ttl-seconds=600\n"

#define CAPS \
  "{\"cpuCores\":4,\"ramMb\":4000,\"batteryPercent\":100,\"isCharging\":true," \
  "\"networkType\":\"ETHERNET\",\"bandwidthMbps\":100,\"deviceType\":\"DESKTOP\"," \
  "\"platform\":\"DESKTOP\",\"screenWidth\":1920,\"supportedCodecs\":[\"OPUS\"],\"modules\":[]}"

static guint
free_udp_port (void)
{
  struct sockaddr_in addr = { .sin_family = AF_INET, .sin_addr.s_addr = htonl (INADDR_LOOPBACK) };
  socklen_t len = sizeof addr;
  int fd = socket (AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  guint port;

  g_assert_cmpint (fd, >=, 0);
  g_assert_cmpint (bind (fd, (struct sockaddr *) &addr, sizeof addr), ==, 0);
  g_assert_cmpint (getsockname (fd, (struct sockaddr *) &addr, &len), ==, 0);
  port = ntohs (addr.sin_port);
  close (fd);
  return port;
}

static void
child_setup (gpointer user_data)
{
  /* Gone with the test, even when a failed assertion aborts it. */
  prctl (PR_SET_PDEATHSIG, SIGKILL);
}

static GSubprocess *
spawn (GSubprocessFlags     flags,
       const char * const  *argv)
{
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (flags);
  g_autoptr(GError) error = NULL;
  GSubprocess *process;

  g_subprocess_launcher_set_child_setup (launcher, child_setup, NULL, NULL);
  process = g_subprocess_launcher_spawnv (launcher, argv, &error);
  g_assert_no_error (error);
  return process;
}

/* turnutils_peer on 127.0.0.1:@port, once it echoes. */
static GSubprocess *
start_peer (guint port)
{
  g_autofree char *port_text = g_strdup_printf ("%u", port);
  g_autoptr(GError) error = NULL;
  g_autoptr(GSocket) sock = NULL;
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) peer = g_inet_socket_address_new (loopback, port);
  const char *argv[] = { "turnutils_peer", "-L", "127.0.0.1", "-p", port_text, NULL };
  GSubprocess *process;

  process = spawn (G_SUBPROCESS_FLAGS_STDOUT_SILENCE | G_SUBPROCESS_FLAGS_STDERR_SILENCE, argv);
  sock = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_DATAGRAM, G_SOCKET_PROTOCOL_UDP, &error);
  g_assert_no_error (error);
  g_socket_set_timeout (sock, 1);
  for (int i = 0; i < 50; i++)
    {
      char buf[16];

      g_socket_send_to (sock, peer, "echo?", 5, NULL, NULL);
      if (g_socket_condition_timed_wait (sock, G_IO_IN, 100000, NULL, NULL) &&
          g_socket_receive (sock, buf, sizeof buf, NULL, NULL) == 5)
        return process;
    }
  g_subprocess_force_exit (process);
  g_error ("turnutils_peer does not echo on 127.0.0.1:%u", port);
  return NULL;
}

/* Relays @n messages of MESSAGE_SIZE bytes with @creds (long-term
 * credentials, one allocation: -c, Send/Data indications: -s, so that the
 * payload is exactly what uclient reports) and checks that every one came
 * back. */
static void
relay_with (AvdTestDaemon *daemon,
            JsonObject    *creds,
            guint          peer_port,
            guint          n)
{
  const char *username = avd_test_json_string (creds, "username");
  const char *password = avd_test_json_string (creds, "password");
  g_autofree char *peer_port_text = g_strdup_printf ("%u", peer_port);
  g_autofree char *turn_port_text = g_strdup_printf ("%u", daemon->turn_port);
  g_autofree char *n_text = g_strdup_printf ("%u", n);
  g_autofree char *size_text = g_strdup_printf ("%u", MESSAGE_SIZE);
  g_autofree char *expected = g_strdup_printf ("start_mclient: tot_send_msgs=%u, tot_recv_msgs=%u\n", n, n);
  g_autoptr(GSubprocess) uclient = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *out = NULL;
  const char *argv[] = { "turnutils_uclient", "-u", username, "-w", password,
                         "-e", "127.0.0.1", "-r", peer_port_text, "-p", turn_port_text,
                         "-n", n_text, "-l", size_text, "-m", "1", "-c", "-s", "-z", "5",
                         "127.0.0.1", NULL };

  g_assert_nonnull (username);
  g_assert_nonnull (password);
  uclient = spawn (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_MERGE, argv);
  g_subprocess_communicate_utf8 (uclient, NULL, NULL, &out, NULL, &error);
  g_assert_no_error (error);
  if (strstr (out, expected) == NULL || g_subprocess_get_exit_status (uclient) != 0)
    g_test_message ("turnutils_uclient output:\n%s", out);
  g_assert_cmpint (g_subprocess_get_exit_status (uclient), ==, 0);
  g_assert_nonnull (strstr (out, expected));
  g_assert_nonnull (strstr (out, "Total lost packets 0 "));
}

static gint64
query_int (sqlite3    *db,
           const char *sql,
           const char *arg)
{
  sqlite3_stmt *stmt = NULL;
  gint64 value;

  g_assert_cmpint (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL), ==, SQLITE_OK);
  if (arg != NULL)
    sqlite3_bind_text (stmt, 1, arg, -1, SQLITE_STATIC);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  value = sqlite3_column_int64 (stmt, 0);
  sqlite3_finalize (stmt);
  return value;
}

static void
test_session_bytes (void)
{
  g_autoptr(AvdTestDaemon) daemon = NULL;
  g_autoptr(AvdTestWs) host = NULL;
  g_autoptr(AvdTestWs) guest = NULL;
  g_autoptr(JsonObject) created = NULL;
  g_autoptr(JsonObject) joined = NULL;
  g_autoptr(GSubprocess) peer = NULL;
  g_autofree char *key = NULL;
  g_autofree char *sid = NULL;
  g_autofree char *db_path = NULL;
  g_autofree char *uclient = g_find_program_in_path ("turnutils_uclient");
  g_autofree char *peer_program = g_find_program_in_path ("turnutils_peer");
  sqlite3 *db = NULL;
  guint peer_port;
  guint64 payload = (guint64) (HOST_MESSAGES + GUEST_MESSAGES) * MESSAGE_SIZE * 2;
  gint64 session_bytes;
  gint64 license_bytes;

  if (uclient == NULL || peer_program == NULL)
    {
      g_test_skip ("coturn's turnutils_uclient and turnutils_peer are not installed (Debian package coturn)");
      return;
    }

  daemon = avd_test_daemon_start_full (CONFIG, NULL, AVD_TEST_DAEMON_FLAG_CAPTURE_LOG);
  if (daemon->turn_port == 0)
    {
      g_test_skip ("avanued does not serve TURN yet: it printed turn=0 for --turn-port 0");
      return;
    }
  key = avd_test_daemon_issue_license (daemon, "pro", "accounting-user");

  host = avd_test_ws_connect (daemon, NULL);
  avd_test_ws_register (host, NULL, "host");
  {
    g_autoptr(JsonObject) request =
      avd_test_json_printf ("{\"type\":\"CREATE_SESSION\",\"sessionType\":\"CALL\",\"capabilities\":%s}", CAPS);

    json_object_set_string_member (request, "licenseToken", key);
    created = avd_test_ws_request (host, request, "SESSION_CREATED");
  }
  sid = g_strdup (avd_test_json_string (created, "sessionId"));
  g_assert_nonnull (sid);
  g_assert_true (json_object_has_member (created, "turnCredentials"));

  guest = avd_test_ws_connect (daemon, NULL);
  avd_test_ws_register (guest, NULL, "guest");
  {
    g_autoptr(JsonObject) request =
      avd_test_json_printf ("{\"type\":\"JOIN_SESSION\",\"inviteCode\":\"%s\",\"capabilities\":%s}",
                            avd_test_json_string (created, "inviteCode"), CAPS);

    joined = avd_test_ws_request (guest, request, "SESSION_JOINED");
  }
  g_assert_true (json_object_has_member (joined, "turnCredentials"));

  peer_port = free_udp_port ();
  peer = start_peer (peer_port);
  relay_with (daemon, json_object_get_object_member (created, "turnCredentials"), peer_port, HOST_MESSAGES);
  relay_with (daemon, json_object_get_object_member (joined, "turnCredentials"), peer_port, GUEST_MESSAGES);
  g_subprocess_force_exit (peer);

  avd_test_ws_drain (host);
  {
    g_autoptr(JsonObject) end = avd_test_json_printf ("{\"type\":\"END_SESSION\",\"sessionId\":\"%s\"}", sid);

    json_object_unref (avd_test_ws_request (host, end, "SESSION_ENDED"));
  }
  /* A graceful stop flushes what the relay has not reported yet. */
  g_assert_cmpint (avd_test_daemon_stop (daemon), ==, 0);

  db_path = g_build_filename (daemon->state_dir, "avanue.db", NULL);
  g_assert_cmpint (sqlite3_open_v2 (db_path, &db, SQLITE_OPEN_READONLY, NULL), ==, SQLITE_OK);
  session_bytes = query_int (db, "SELECT total_bytes_relayed FROM session_history WHERE id = ?", sid);
  license_bytes = query_int (db, "SELECT COALESCE (SUM (u.bytes_relayed), 0) FROM license_usage u "
                                 "JOIN session_history s ON s.license_id = u.license_id WHERE s.id = ?", sid);
  sqlite3_close (db);
  g_test_message ("payload relayed both ways: %" G_GUINT64_FORMAT " bytes; session_history: %" G_GINT64_FORMAT
                  "; license_usage: %" G_GINT64_FORMAT, payload, session_bytes, license_bytes);

  /* Every payload byte was relayed twice (to the peer and back); headers
   * may or may not be counted, but not more than the payload again. */
  g_assert_cmpint (session_bytes, >=, (gint64) payload);
  g_assert_cmpint (session_bytes, <=, (gint64) payload * 2);
  g_assert_cmpint (license_bytes, >=, session_bytes);
}

/* A licence over its tier's monthly relay quota: once the relay has
 * reported the bytes (every 2 s), new allocations of that session get 486. */
static void
test_quota (void)
{
  g_autoptr(AvdTestDaemon) daemon = NULL;
  g_autoptr(AvdTestWs) host = NULL;
  g_autoptr(JsonObject) created = NULL;
  g_autoptr(GSubprocess) peer = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) any = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocketAddress) relay = NULL;
  g_autofree char *key = NULL;
  g_autofree char *uclient = g_find_program_in_path ("turnutils_uclient");
  g_autofree char *peer_program = g_find_program_in_path ("turnutils_peer");
  JsonObject *creds;
  gint64 deadline;
  guint code = 0;
  AvanueStunClass answer = AVANUE_STUN_CLASS_SUCCESS_RESPONSE;
  guint peer_port;

  if (uclient == NULL || peer_program == NULL)
    {
      g_test_skip ("coturn's turnutils_uclient and turnutils_peer are not installed (Debian package coturn)");
      return;
    }

  /* 1000 bytes a month: the first relay run is well over it */
  daemon = avd_test_daemon_start_full (CONFIG "[tier.pro]\nturn-quota-bytes=1000\n", NULL,
                                       AVD_TEST_DAEMON_FLAG_NONE);
  g_assert_cmpuint (daemon->turn_port, >, 0);
  relay = g_inet_socket_address_new (loopback, daemon->turn_port);
  key = avd_test_daemon_issue_license (daemon, "pro", "quota-user");
  host = avd_test_ws_connect (daemon, NULL);
  avd_test_ws_register (host, NULL, "host");
  {
    g_autoptr(JsonObject) request =
      avd_test_json_printf ("{\"type\":\"CREATE_SESSION\",\"sessionType\":\"CALL\",\"capabilities\":%s}", CAPS);

    json_object_set_string_member (request, "licenseToken", key);
    created = avd_test_ws_request (host, request, "SESSION_CREATED");
  }
  creds = json_object_get_object_member (created, "turnCredentials");
  g_assert_nonnull (creds);

  peer_port = free_udp_port ();
  peer = start_peer (peer_port);
  relay_with (daemon, creds, peer_port, HOST_MESSAGES);
  g_subprocess_force_exit (peer);

  /* Each try is a fresh client address, so a successful one is a new
   * allocation; the usage report reaches the daemon within seconds. */
  deadline = g_get_monotonic_time () + 15 * G_USEC_PER_SEC;
  while (g_get_monotonic_time () < deadline)
    {
      g_autoptr(GSocket) socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_DATAGRAM,
                                                G_SOCKET_PROTOCOL_UDP, &error);

      g_assert_no_error (error);
      g_socket_bind (socket, any, TRUE, &error);
      g_assert_no_error (error);
      answer = avd_test_turn_allocate (socket, relay, avd_test_json_string (creds, "username"),
                                       avd_test_json_string (creds, "password"), &code);
      if (answer == AVANUE_STUN_CLASS_ERROR_RESPONSE)
        break;
      g_usleep (500 * 1000);
    }
  g_assert_cmpint (answer, ==, AVANUE_STUN_CLASS_ERROR_RESPONSE);
  g_assert_cmpuint (code, ==, 486);
  g_assert_cmpint (avd_test_daemon_stop (daemon), ==, 0);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  avd_test_silence_debug ();

  g_test_add_func ("/avanue/interop/turn-accounting", test_session_bytes);
  g_test_add_func ("/avanue/interop/turn-quota", test_quota);

  return g_test_run ();
}
