/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Two AvanuePeerConnections in two processes: avanue-share (tools/) run
 * twice against a real avanued, one creating the session and the other
 * joining it, sending 10 MiB of random data over a data channel; the file
 * that arrives must have the same SHA-256.
 *
 *   /avanue/peer/share/host    over host candidates (a free session)
 *   /avanue/peer/share/relay   with the relay-only ICE policy on both
 *                              sides, through a TURN relay: avanued's own
 *                              when it runs one (`--turn-port 0` gives a
 *                              port and a pro session carries TURN
 *                              credentials), otherwise coturn's turnserver,
 *                              which avanued then hands out through
 *                              [ice] turn-servers with a shared secret.
 *                              Both sides must report a relayed pair.
 *   /avanue/peer/share/relay-coturn  the same through coturn, always: a
 *                              relay nobody here wrote
 *   /avanue/peer/share/ice-servers-url  relay-only in a free session,
 *                              with relays from GET /v1/ice-servers
 *   /avanue/peer/share/echo    --echo as the browser test drives it */
#include "config.h"

#include <signal.h>
#include <string.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif

#include <glib/gstdio.h>

#include "avanue.h"
#include "avd-test-daemon.h"

#define WAIT_TIMEOUT_MS 60000
#define FILE_SIZE (10 * 1024 * 1024)
#define TURN_SECRET "peer-test-shared-secret"

static gboolean
timed_out_cb (gpointer data)
{
  *(gboolean *) data = TRUE;
  return G_SOURCE_REMOVE;
}

#define WAIT_FOR(cond)                                                        \
  G_STMT_START {                                                              \
    gboolean timed_out_ = FALSE;                                              \
    guint timeout_id_ = g_timeout_add (WAIT_TIMEOUT_MS, timed_out_cb, &timed_out_); \
    while (!(cond) && !timed_out_)                                            \
      g_main_context_iteration (NULL, TRUE);                                  \
    if (!timed_out_)                                                          \
      g_source_remove (timeout_id_);                                          \
    if (!(cond))                                                              \
      g_error ("timed out waiting for %s", #cond);                            \
  } G_STMT_END

static void
store_result_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  *(GAsyncResult **) user_data = g_object_ref (result);
}

static void
die_with_parent (gpointer data)
{
#ifdef __linux__
  prctl (PR_SET_PDEATHSIG, SIGKILL);
#endif
}

/* ------------------------------------------------------------------------
 * A child process and the lines it prints
 * ------------------------------------------------------------------------ */

typedef struct {
  char *name;
  GSubprocess *process;
  GDataInputStream *out;
  GPtrArray *lines;
  gboolean eof;
  gboolean exited;
} Child;

static void read_next (Child *child);

static void
line_cb (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  Child *child = user_data;
  g_autofree char *line = g_data_input_stream_read_line_finish_utf8 (G_DATA_INPUT_STREAM (source), result, NULL,
                                                                     NULL);

  if (line == NULL)
    {
      child->eof = TRUE;
      return;
    }
  if (!g_str_has_prefix (line, "progress "))
    g_test_message ("%s: %s", child->name, line);
  g_ptr_array_add (child->lines, g_steal_pointer (&line));
  read_next (child);
}

static void
read_next (Child *child)
{
  g_data_input_stream_read_line_async (child->out, G_PRIORITY_DEFAULT, NULL, line_cb, child);
}

static void
exited_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  Child *child = user_data;

  g_subprocess_wait_finish (G_SUBPROCESS (source), result, NULL);
  child->exited = TRUE;
}

static Child *
child_spawn (const char         *name,
             const char * const *argv)
{
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE);
  g_autoptr(GError) error = NULL;
  g_autoptr(GString) command = g_string_new (NULL);
  Child *child = g_new0 (Child, 1);

  /* the command line, with the licence key left out */
  for (guint i = 0; argv[i] != NULL; i++)
    g_string_append_printf (command, "%s%s", i > 0 ? " " : "",
                            i > 0 && (g_str_equal (argv[i - 1], "--license") ||
                                      g_str_equal (argv[i - 1], "--ice-servers-token")) ? "…" : argv[i]);
  g_test_message ("%s: %s", name, command->str);
  g_subprocess_launcher_set_child_setup (launcher, die_with_parent, NULL, NULL);
  child->name = g_strdup (name);
  child->lines = g_ptr_array_new_with_free_func (g_free);
  child->process = g_subprocess_launcher_spawnv (launcher, argv, &error);
  g_assert_no_error (error);
  child->out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (child->process));
  read_next (child);
  g_subprocess_wait_async (child->process, NULL, exited_cb, child);
  return child;
}

static void
child_free (Child *child)
{
  if (!child->exited)
    {
      g_subprocess_force_exit (child->process);
      while (!child->exited)
        g_main_context_iteration (NULL, TRUE);
    }
  while (!child->eof)
    g_main_context_iteration (NULL, TRUE);
  g_object_unref (child->out);
  g_object_unref (child->process);
  g_ptr_array_unref (child->lines);
  g_free (child->name);
  g_free (child);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Child, child_free)

/* The rest of the first line that starts with @prefix, or NULL */
static const char *
child_line (Child      *child,
            const char *prefix)
{
  for (guint i = 0; i < child->lines->len; i++)
    {
      const char *line = g_ptr_array_index (child->lines, i);

      if (g_str_has_prefix (line, prefix))
        return line + strlen (prefix);
    }
  return NULL;
}

static int
child_status (Child *child)
{
  g_assert_true (child->exited);
  if (g_subprocess_get_if_signaled (child->process))
    return -g_subprocess_get_term_sig (child->process);
  return g_subprocess_get_exit_status (child->process);
}

/* ------------------------------------------------------------------------
 * Files
 * ------------------------------------------------------------------------ */

static char *
sha256_of_file (const char *path)
{
  g_autoptr(GMappedFile) file = NULL;
  g_autoptr(GError) error = NULL;

  file = g_mapped_file_new (path, FALSE, &error);
  g_assert_no_error (error);
  return g_compute_checksum_for_data (G_CHECKSUM_SHA256, (const guint8 *) g_mapped_file_get_contents (file),
                                      g_mapped_file_get_length (file));
}

static char *
random_file (const char *dir)
{
  char *path = g_build_filename (dir, "in.bin", NULL);
  g_autofree guint32 *data = g_new (guint32, FILE_SIZE / 4);
  g_autoptr(GError) error = NULL;

  for (gsize i = 0; i < FILE_SIZE / 4; i++)
    data[i] = g_random_int ();
  g_file_set_contents (path, (const char *) data, FILE_SIZE, &error);
  g_assert_no_error (error);
  return path;
}

/* ------------------------------------------------------------------------
 * One transfer
 * ------------------------------------------------------------------------ */

static void
transfer_full (AvdTestDaemon *daemon,
               const char    *license,
               gboolean       relay,
               const char    *ice_servers_token,
               const char    *expected_type)
{
  g_autofree char *share = g_strdup (g_getenv ("AVANUE_SHARE"));
  g_autofree char *url = avd_test_daemon_ws_url (daemon);
  g_autofree char *ice_servers_url = avd_test_daemon_url (daemon, "/v1/ice-servers");
  g_autofree char *dir = NULL;
  g_autofree char *in = NULL;
  g_autofree char *out = NULL;
  g_autofree char *expected = NULL;
  g_autofree char *got = NULL;
  g_autofree char *code = NULL;
  g_autofree char *sent_line = NULL;
  g_autoptr(GPtrArray) a_argv = g_ptr_array_new ();
  g_autoptr(GPtrArray) b_argv = g_ptr_array_new ();
  g_autoptr(Child) a = NULL;
  g_autoptr(Child) b = NULL;
  g_autoptr(GError) error = NULL;
  const char *invite;

  g_assert_nonnull (share);
  dir = g_dir_make_tmp ("avanue-share-test-XXXXXX", &error);
  g_assert_no_error (error);
  in = random_file (dir);
  out = g_build_filename (dir, "out.bin", NULL);
  expected = sha256_of_file (in);

  g_ptr_array_add (a_argv, share);
  g_ptr_array_add (a_argv, (char *) "--server");
  g_ptr_array_add (a_argv, url);
  g_ptr_array_add (a_argv, (char *) "--create");
  if (license != NULL)
    {
      g_ptr_array_add (a_argv, (char *) "--license");
      g_ptr_array_add (a_argv, (char *) license);
    }
  g_ptr_array_add (a_argv, (char *) "--send");
  g_ptr_array_add (a_argv, in);
  if (relay)
    g_ptr_array_add (a_argv, (char *) "--relay");
  if (ice_servers_token != NULL)
    {
      g_ptr_array_add (a_argv, (char *) "--ice-servers-url");
      g_ptr_array_add (a_argv, ice_servers_url);
      g_ptr_array_add (a_argv, (char *) "--ice-servers-token");
      g_ptr_array_add (a_argv, (char *) ice_servers_token);
    }
  g_ptr_array_add (a_argv, (char *) "--timeout=50");
  g_ptr_array_add (a_argv, NULL);
  a = child_spawn ("sender", (const char * const *) a_argv->pdata);

  WAIT_FOR (child_line (a, "invite ") != NULL || a->exited);
  invite = child_line (a, "invite ");
  g_assert_nonnull (invite);
  g_assert_true (avanue_invite_code_is_valid (invite));
  code = g_strdup (invite);

  g_ptr_array_add (b_argv, share);
  g_ptr_array_add (b_argv, (char *) "--server");
  g_ptr_array_add (b_argv, url);
  g_ptr_array_add (b_argv, (char *) "--join");
  g_ptr_array_add (b_argv, code);
  g_ptr_array_add (b_argv, (char *) "--receive");
  g_ptr_array_add (b_argv, out);
  if (relay)
    g_ptr_array_add (b_argv, (char *) "--relay");
  if (ice_servers_token != NULL)
    {
      g_ptr_array_add (b_argv, (char *) "--ice-servers-url");
      g_ptr_array_add (b_argv, ice_servers_url);
      g_ptr_array_add (b_argv, (char *) "--ice-servers-token");
      g_ptr_array_add (b_argv, (char *) ice_servers_token);
    }
  g_ptr_array_add (b_argv, (char *) "--timeout=50");
  g_ptr_array_add (b_argv, NULL);
  b = child_spawn ("receiver", (const char * const *) b_argv->pdata);

  WAIT_FOR (a->exited && b->exited && a->eof && b->eof);
  g_assert_cmpint (child_status (a), ==, 0);
  g_assert_cmpint (child_status (b), ==, 0);

  /* the same bytes arrived */
  got = sha256_of_file (out);
  g_assert_cmpstr (got, ==, expected);
  sent_line = g_strdup_printf ("%d sha256 %s", FILE_SIZE, expected);
  g_assert_cmpstr (child_line (a, "sent "), ==, sent_line);
  g_assert_cmpstr (child_line (b, "received "), ==, sent_line);
  g_assert_cmpstr (child_line (a, "channel open "), ==, "file");
  g_assert_cmpstr (child_line (b, "channel open "), ==, "file");
  g_assert_nonnull (child_line (b, "progress 10485760/10485760"));

  /* the kind of link each side ended up with */
  g_assert_nonnull (child_line (a, "connected "));
  g_assert_nonnull (child_line (b, "connected "));
  if (expected_type != NULL)
    {
      g_assert_cmpstr (child_line (a, "connected "), ==, expected_type);
      g_assert_cmpstr (child_line (b, "connected "), ==, expected_type);
    }
  else
    {
      g_assert_cmpstr (child_line (a, "connected "), !=, "relay");
      g_assert_cmpstr (child_line (b, "connected "), !=, "relay");
    }

  g_unlink (in);
  g_unlink (out);
  g_rmdir (dir);
}

static void
transfer (AvdTestDaemon *daemon,
          const char    *license,
          gboolean       relay,
          const char    *expected_type)
{
  transfer_full (daemon, license, relay, NULL, expected_type);
}

static void
test_host (void)
{
  g_autoptr(AvdTestDaemon) daemon = avd_test_daemon_start_full ("[dbus]\nbus=none\n", NULL, AVD_TEST_DAEMON_FLAG_NONE);

  transfer (daemon, NULL, FALSE, NULL);
}

/* ------------------------------------------------------------------------
 * TURN
 * ------------------------------------------------------------------------ */

/* Does a pro session of this daemon come with TURN credentials for a
 * turn: URL? */
static gboolean
daemon_hands_out_turn (AvdTestDaemon *daemon,
                       const char    *license)
{
  g_autofree char *url = avd_test_daemon_ws_url (daemon);
  g_autoptr(AvanueIdentity) identity = avanue_identity_new (NULL);
  g_autoptr(AvanueSignalingClient) client = avanue_signaling_client_new (url, identity);
  g_autoptr(AvanueSession) session = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  AvanueTurnCredentials *credentials;
  const char * const *urls;
  gboolean found = FALSE;

  avanue_signaling_client_connect_async (client, NULL, store_result_cb, &result);
  WAIT_FOR (result != NULL);
  g_assert_true (avanue_signaling_client_connect_finish (client, result, &error));
  g_clear_object (&result);
  avanue_signaling_client_create_session_async (client, license, "FILE_TRANSFER", NULL, NULL, store_result_cb,
                                                &result);
  WAIT_FOR (result != NULL);
  session = avanue_signaling_client_create_session_finish (client, result, &error);
  g_assert_no_error (error);
  credentials = avanue_session_get_turn_credentials (session);
  urls = credentials != NULL ? avanue_turn_credentials_get_urls (credentials) : NULL;
  for (guint i = 0; urls != NULL && urls[i] != NULL; i++)
    found |= g_str_has_prefix (urls[i], "turn:");
  avanue_signaling_client_disconnect (client);
  return found;
}

static guint16
free_udp_tcp_port (void)
{
  for (guint attempt = 0; attempt < 50; attempt++)
    {
      g_autoptr(GSocket) udp = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_DATAGRAM, G_SOCKET_PROTOCOL_UDP, NULL);
      g_autoptr(GSocket) tcp = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, NULL);
      g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
      g_autoptr(GSocketAddress) any = g_inet_socket_address_new (loopback, 0);
      g_autoptr(GSocketAddress) bound = NULL;
      g_autoptr(GSocketAddress) same = NULL;
      guint16 port;

      if (!g_socket_bind (udp, any, FALSE, NULL))
        continue;
      bound = g_socket_get_local_address (udp, NULL);
      port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
      same = g_inet_socket_address_new (loopback, port);
      if (g_socket_bind (tcp, same, FALSE, NULL))
        return port;
    }
  g_error ("no free port");
}

/* A STUN Binding request until the server answers (RFC 8489 §5) */
static gboolean
stun_answers (guint16 port)
{
  g_autoptr(GSocket) sock = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_DATAGRAM, G_SOCKET_PROTOCOL_UDP, NULL);
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) server = g_inet_socket_address_new (loopback, port);
  guint8 request[20] = { 0x00, 0x01, 0x00, 0x00, 0x21, 0x12, 0xa4, 0x42 };
  guint8 reply[1500];

  for (guint i = 8; i < 20; i++)
    request[i] = (guint8) g_random_int ();
  g_socket_set_timeout (sock, 1);
  for (guint attempt = 0; attempt < 50; attempt++)
    {
      gssize n;

      g_socket_send_to (sock, server, (const char *) request, sizeof request, NULL, NULL);
      n = g_socket_receive (sock, (char *) reply, sizeof reply, NULL, NULL);
      if (n >= 20 && reply[0] == 0x01 && reply[1] == 0x01 && memcmp (reply + 8, request + 8, 12) == 0)
        return TRUE;
      g_usleep (100 * 1000);
    }
  return FALSE;
}

static GSubprocess *
start_coturn (const char *dir,
              guint16    *out_port)
{
  g_autofree char *turnserver = g_find_program_in_path ("turnserver");
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *port_arg = NULL;
  g_autofree char *log = g_build_filename (dir, "coturn.log", NULL);
  g_autofree char *pid = g_build_filename (dir, "coturn.pid", NULL);
  g_autofree char *db = g_build_filename (dir, "coturn.db", NULL);
  GSubprocess *process;
  guint16 port;

  if (turnserver == NULL)
    return NULL;
  port = free_udp_tcp_port ();
  port_arg = g_strdup_printf ("%u", port);
  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE | G_SUBPROCESS_FLAGS_STDERR_SILENCE);
  g_subprocess_launcher_set_child_setup (launcher, die_with_parent, NULL, NULL);
  process = g_subprocess_launcher_spawn (launcher, &error, turnserver, "-n", "--no-cli", "--use-auth-secret",
                                         "--static-auth-secret=" TURN_SECRET, "--realm=avanue.test",
                                         "-L", "127.0.0.1", "--relay-ip=127.0.0.1", "-p", port_arg,
                                         "--allow-loopback-peers", "--no-tls", "--no-dtls", "--no-rfc5780",
                                         "--no-software-attribute", "--simple-log", "--no-stdout-log",
                                         "--log-file", log, "--pidfile", pid, "-b", db,
                                         "--min-port", "49152", "--max-port", "65535", NULL);
  g_assert_no_error (error);
  if (!stun_answers (port))
    g_error ("coturn did not answer on 127.0.0.1:%u", port);
  *out_port = port;
  return process;
}

/* Through coturn, which avanued hands out through [ice] turn-servers
 * with the shared secret */
static AvdTestDaemon *
start_with_coturn (const char   *dir,
                   GSubprocess **out_coturn)
{
  g_autofree char *config = NULL;
  guint16 port = 0;

  *out_coturn = start_coturn (dir, &port);
  if (*out_coturn == NULL)
    return NULL;
  /* avanued's own relay off: coturn is the only one in the credentials */
  config = g_strdup_printf ("[dbus]\nbus=none\n[turn]\nenabled=false\nsecrets=%s\n"
                            "[ice]\nturn-servers=turn:127.0.0.1:%u?transport=udp\n",
                            TURN_SECRET, port);
  return avd_test_daemon_start_full (config, NULL, AVD_TEST_DAEMON_FLAG_NONE);
}

static void
remove_dir (const char *dir)
{
  g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
  const char *name;

  while (d != NULL && (name = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *path = g_build_filename (dir, name, NULL);

      g_unlink (path);
    }
  g_rmdir (dir);
}

static void
relay_test (gboolean force_coturn)
{
  g_autoptr(AvdTestDaemon) daemon = NULL;
  g_autoptr(GSubprocess) coturn = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *license = NULL;
  g_autofree char *dir = g_dir_make_tmp ("avanue-coturn-XXXXXX", &error);

  g_assert_no_error (error);
  if (!force_coturn)
    {
      /* avanued's own relay, if it runs one and hands out credentials */
      daemon = avd_test_daemon_start_full ("[dbus]\nbus=none\n"
                                           "[turn]\nsecrets=" TURN_SECRET "\nallow-loopback-peers=true\n",
                                           NULL, AVD_TEST_DAEMON_FLAG_NONE);
      license = avd_test_daemon_issue_license (daemon, "pro", "peer-test");
      if (daemon->turn_port != 0 && daemon_hands_out_turn (daemon, license))
        {
          g_test_message ("relay: avanued's own, port %u", daemon->turn_port);
        }
      else
        {
          g_test_message ("relay: avanued has none (turn port %u); coturn instead", daemon->turn_port);
          g_clear_pointer (&daemon, avd_test_daemon_free);
          g_clear_pointer (&license, g_free);
        }
    }
  if (daemon == NULL)
    {
      daemon = start_with_coturn (dir, &coturn);
      if (daemon == NULL)
        {
          remove_dir (dir);
          g_test_skip ("coturn's turnserver is not installed (Debian package coturn)");
          return;
        }
      g_test_message ("relay: coturn");
      license = avd_test_daemon_issue_license (daemon, "pro", "peer-test");
      g_assert_true (daemon_hands_out_turn (daemon, license));
    }

  transfer (daemon, license, TRUE, "relay");

  if (coturn != NULL)
    {
      g_subprocess_force_exit (coturn);
      g_subprocess_wait (coturn, NULL, NULL);
    }
  remove_dir (dir);
}

static void
test_relay (void)
{
  relay_test (FALSE);
}

/* A free session carries no TURN credentials and may not ask for any:
 * the relays come from GET /v1/ice-servers, with a pro licence as the
 * bearer token, or the relay-only connection could not work */
static void
test_ice_servers_url (void)
{
  g_autoptr(AvdTestDaemon) daemon = avd_test_daemon_start_full ("[dbus]\nbus=none\n"
                                                                "[turn]\nsecrets=" TURN_SECRET
                                                                "\nallow-loopback-peers=true\n",
                                                                NULL, AVD_TEST_DAEMON_FLAG_NONE);
  g_autofree char *license = avd_test_daemon_issue_license (daemon, "pro", "peer-test");

  if (daemon->turn_port == 0 || !daemon_hands_out_turn (daemon, license))
    {
      g_test_skip ("avanued runs no TURN relay to list in /v1/ice-servers");
      return;
    }
  transfer_full (daemon, NULL, TRUE, license, "relay");
}

static void
test_relay_coturn (void)
{
  relay_test (TRUE);
}

/* ------------------------------------------------------------------------
 * --echo, as the browser interoperability test drives it
 * ------------------------------------------------------------------------ */

typedef struct {
  AvanueDataChannel *channel;
  GPtrArray *texts;
  GPtrArray *binaries;
} EchoPeer;

static void
echo_message_cb (AvanueDataChannel *channel,
                 GBytes            *data,
                 gboolean           is_text,
                 EchoPeer          *peer)
{
  if (is_text)
    g_ptr_array_add (peer->texts, g_strndup (g_bytes_get_size (data) > 0 ? g_bytes_get_data (data, NULL) : "",
                                             g_bytes_get_size (data)));
  else
    g_ptr_array_add (peer->binaries, g_bytes_ref (data));
}

static void
echo_data_channel_cb (AvanuePeerConnection *pc,
                      AvanueDataChannel    *channel,
                      EchoPeer             *peer)
{
  g_assert_null (peer->channel);
  peer->channel = g_object_ref (channel);
  g_signal_connect (channel, "message", G_CALLBACK (echo_message_cb), peer);
}

static void
test_echo (void)
{
  g_autoptr(AvdTestDaemon) daemon = avd_test_daemon_start_full ("[dbus]\nbus=none\n", NULL, AVD_TEST_DAEMON_FLAG_NONE);
  g_autofree char *share = g_strdup (g_getenv ("AVANUE_SHARE"));
  g_autofree char *url = avd_test_daemon_ws_url (daemon);
  const char *argv[] = { share, "--server", url, "--create", "--echo", "--timeout=50", NULL };
  g_autoptr(Child) echo = child_spawn ("echo", argv);
  g_autoptr(AvanueIdentity) identity = avanue_identity_new (NULL);
  g_autoptr(AvanueSignalingClient) client = avanue_signaling_client_new (url, identity);
  g_autoptr(AvanueSession) session = NULL;
  g_autoptr(AvanuePeerConnection) pc = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) binary = g_bytes_new_static ("\x00\x01\x02\xff", 4);
  EchoPeer peer = { NULL, g_ptr_array_new_with_free_func (g_free),
                    g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref) };
  AvanueParticipant *host;

  WAIT_FOR (child_line (echo, "invite ") != NULL || echo->exited);
  g_assert_nonnull (child_line (echo, "invite "));

  /* this side joins and answers; avanue-share offers and opens "echo" */
  avanue_signaling_client_connect_async (client, NULL, store_result_cb, &result);
  WAIT_FOR (result != NULL);
  g_assert_true (avanue_signaling_client_connect_finish (client, result, &error));
  g_clear_object (&result);
  avanue_signaling_client_join_session_async (client, child_line (echo, "invite "), NULL, NULL, store_result_cb,
                                              &result);
  WAIT_FOR (result != NULL);
  session = avanue_signaling_client_join_session_finish (client, result, &error);
  g_assert_no_error (error);
  host = avanue_session_get_local_participant (session);
  for (guint i = 0; i < g_list_model_get_n_items (avanue_session_get_participants (session)); i++)
    {
      g_autoptr(AvanueParticipant) p = g_list_model_get_item (avanue_session_get_participants (session), i);

      if (p != avanue_session_get_local_participant (session))
        {
          pc = avanue_peer_connection_new (client, session, avanue_participant_get_fingerprint (p));
          host = p;
        }
    }
  g_assert_nonnull (pc);
  g_assert_true (host != avanue_session_get_local_participant (session));
  g_signal_connect (pc, "data-channel", G_CALLBACK (echo_data_channel_cb), &peer);

  /* it says hello first, then sends back what it gets, as it came */
  WAIT_FOR (peer.texts->len == 1);
  g_assert_cmpstr (avanue_data_channel_get_label (peer.channel), ==, "echo");
  g_assert_cmpstr (g_ptr_array_index (peer.texts, 0), ==, "hello from avanue");
  WAIT_FOR (child_line (echo, "channel open ") != NULL);
  g_assert_cmpstr (child_line (echo, "channel open "), ==, "echo");
  g_assert_nonnull (child_line (echo, "connected "));
  g_assert_true (avanue_data_channel_send_text (peer.channel, "ping ✓", &error));
  g_assert_true (avanue_data_channel_send_bytes (peer.channel, binary, &error));
  g_assert_no_error (error);
  WAIT_FOR (peer.texts->len == 2 && peer.binaries->len == 1);
  g_assert_cmpstr (g_ptr_array_index (peer.texts, 1), ==, "ping ✓");
  g_assert_true (g_bytes_equal (g_ptr_array_index (peer.binaries, 0), binary));

  /* when this side goes, it is done, successfully */
  avanue_peer_connection_close (pc);
  WAIT_FOR (echo->exited && echo->eof);
  g_assert_cmpint (child_status (echo), ==, 0);

  avanue_signaling_client_disconnect (client);
  g_clear_object (&peer.channel);
  g_ptr_array_unref (peer.texts);
  g_ptr_array_unref (peer.binaries);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/avanue/peer/share/host", test_host);
  g_test_add_func ("/avanue/peer/share/relay", test_relay);
  g_test_add_func ("/avanue/peer/share/relay-coturn", test_relay_coturn);
  g_test_add_func ("/avanue/peer/share/ice-servers-url", test_ice_servers_url);
  g_test_add_func ("/avanue/peer/share/echo", test_echo);

  return g_test_run ();
}
