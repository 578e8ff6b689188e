/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif

#include <glib/gstdio.h>

#include "avd-test-daemon.h"

#define LISTEN_TIMEOUT_S 30

/* The daemon's stdout, read by a thread: the listening line gives the
 * ports; everything else (with --verbose, GLib writes info and debug
 * messages to stdout) goes to the log file or to the test's stderr, so
 * that the pipe never fills up and blocks the daemon. */
struct _AvdTestDaemonOutput
{
  GMutex lock;
  GCond cond;
  gboolean listening;
  gboolean eof;
  guint http_port;
  guint turn_port;
  GInputStream *pipe;
  int log_fd;                   /* -1: the test's stderr */
  GThread *thread;
};

char *
avd_test_daemon_path (void)
{
  const char *env = g_getenv ("AVANUED");

  if (env != NULL)
    return g_strdup (env);
  return g_test_build_filename (G_TEST_BUILT, "..", "avanued", "avanued", NULL);
}

static void
write_all (int         fd,
           const char *data,
           gsize       len)
{
  while (len > 0)
    {
      gssize n = write (fd, data, len);

      if (n < 0)
        return;
      data += n;
      len -= (gsize) n;
    }
}

static gpointer
output_thread (gpointer user_data)
{
  AvdTestDaemonOutput *output = user_data;
  g_autoptr(GDataInputStream) in = g_data_input_stream_new (output->pipe);

  for (;;)
    {
      g_autofree char *line = g_data_input_stream_read_line (in, NULL, NULL, NULL);
      guint http_port, turn_port;

      if (line == NULL)
        break;
      g_mutex_lock (&output->lock);
      if (!output->listening &&
          sscanf (line, "listening http=%u turn=%u", &http_port, &turn_port) == 2)
        {
          output->http_port = http_port;
          output->turn_port = turn_port;
          output->listening = TRUE;
          g_cond_broadcast (&output->cond);
          g_mutex_unlock (&output->lock);
          continue;
        }
      g_mutex_unlock (&output->lock);
      write_all (output->log_fd >= 0 ? output->log_fd : STDERR_FILENO, line, strlen (line));
      write_all (output->log_fd >= 0 ? output->log_fd : STDERR_FILENO, "\n", 1);
    }

  g_mutex_lock (&output->lock);
  output->eof = TRUE;
  g_cond_broadcast (&output->cond);
  g_mutex_unlock (&output->lock);
  return NULL;
}

static void
output_free (AvdTestDaemonOutput *output)
{
  if (output == NULL)
    return;
  if (output->thread != NULL)
    g_thread_join (output->thread);
  g_clear_object (&output->pipe);
  if (output->log_fd >= 0)
    close (output->log_fd);
  g_mutex_clear (&output->lock);
  g_cond_clear (&output->cond);
  g_free (output);
}

static void
child_setup (gpointer user_data)
{
#ifdef __linux__
  /* Die with the test, even when a failed assertion aborts it. */
  prctl (PR_SET_PDEATHSIG, SIGKILL);
#endif
}

static int
open_log (AvdTestDaemon *daemon)
{
  int fd = open (daemon->log_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);

  if (fd < 0)
    g_error ("cannot open %s: %s", daemon->log_path, g_strerror (errno));
  return fd;
}

/* Starts the process for @daemon (first start or restart) and waits for its
 * listening line. */
static void
spawn (AvdTestDaemon *daemon)
{
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE);
  g_autoptr(GPtrArray) argv = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GError) error = NULL;
  AvdTestDaemonOutput *output;
  gint64 deadline;

  g_ptr_array_add (argv, avd_test_daemon_path ());
  g_ptr_array_add (argv, g_strdup ("--port=0"));
  g_ptr_array_add (argv, g_strdup ("--turn-port=0"));
  g_ptr_array_add (argv, g_strdup_printf ("--state-dir=%s", daemon->state_dir));
  if (daemon->config_path != NULL)
    g_ptr_array_add (argv, g_strdup_printf ("--config=%s", daemon->config_path));
  if (daemon->flags & AVD_TEST_DAEMON_FLAG_VERBOSE)
    g_ptr_array_add (argv, g_strdup ("--verbose"));
  for (gsize i = 0; daemon->extra_args != NULL && daemon->extra_args[i] != NULL; i++)
    g_ptr_array_add (argv, g_strdup (daemon->extra_args[i]));
  g_ptr_array_add (argv, NULL);

  g_subprocess_launcher_set_child_setup (launcher, child_setup, NULL, NULL);
  if (daemon->log_path != NULL)
    g_subprocess_launcher_take_stderr_fd (launcher, open_log (daemon));

  daemon->process = g_subprocess_launcher_spawnv (launcher, (const char * const *) argv->pdata, &error);
  g_assert_no_error (error);

  output = g_new0 (AvdTestDaemonOutput, 1);
  g_mutex_init (&output->lock);
  g_cond_init (&output->cond);
  output->pipe = g_object_ref (g_subprocess_get_stdout_pipe (daemon->process));
  output->log_fd = daemon->log_path != NULL ? open_log (daemon) : -1;
  output->thread = g_thread_new ("avanued-stdout", output_thread, output);
  daemon->output = output;

  deadline = g_get_monotonic_time () + LISTEN_TIMEOUT_S * G_USEC_PER_SEC;
  g_mutex_lock (&output->lock);
  while (!output->listening && !output->eof)
    if (!g_cond_wait_until (&output->cond, &output->lock, deadline))
      break;
  daemon->http_port = output->http_port;
  daemon->turn_port = output->turn_port;
  if (!output->listening)
    {
      g_mutex_unlock (&output->lock);
      g_error ("avanued did not print its listening line (%s)",
               output->eof ? "it exited" : "timed out");
    }
  g_mutex_unlock (&output->lock);
  g_assert_cmpuint (daemon->http_port, >, 0);
}

/* Starts avanued with @config_text (if not NULL) as its --config file and
 * waits (up to 30 s) for its listening line.  Fails the test if it exits
 * or never says where it listens. */
AvdTestDaemon *
avd_test_daemon_start_full (const char         *config_text,
                            const char * const *extra_args,
                            AvdTestDaemonFlags  flags)
{
  g_autoptr(AvdTestDaemon) daemon = g_new0 (AvdTestDaemon, 1);
  g_autoptr(GError) error = NULL;

  daemon->state_dir = g_dir_make_tmp ("avanued-test-XXXXXX", &error);
  g_assert_no_error (error);
  daemon->flags = flags;
  daemon->extra_args = g_strdupv ((char **) extra_args);
  if (config_text != NULL)
    {
      daemon->config_path = g_build_filename (daemon->state_dir, "avanued-test.conf", NULL);
      g_file_set_contents (daemon->config_path, config_text, -1, &error);
      g_assert_no_error (error);
    }
  if (flags & AVD_TEST_DAEMON_FLAG_CAPTURE_LOG)
    daemon->log_path = g_build_filename (daemon->state_dir, "avanued-test.log", NULL);

  spawn (daemon);
  return g_steal_pointer (&daemon);
}

AvdTestDaemon *
avd_test_daemon_start (const char * const *extra_args)
{
  return avd_test_daemon_start_full (NULL, extra_args, AVD_TEST_DAEMON_FLAG_NONE);
}

static void
wait_cb (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  GAsyncResult **out = user_data;

  *out = g_object_ref (result);
}

/* SIGTERM, then the exit status (or -signal if it died of one).  When the
 * log is captured and the daemon failed, the log goes to the test's
 * stderr so that a sanitizer report is not lost. */
int
avd_test_daemon_stop (AvdTestDaemon *daemon)
{
  g_autoptr(GError) error = NULL;
  int status;

  g_autoptr(GAsyncResult) result = NULL;

  if (daemon->process == NULL)
    return -1;
  g_subprocess_send_signal (daemon->process, SIGTERM);
  /* Keep the main loop running meanwhile: the test's WebSocket clients
   * answer the daemon's closing handshakes (1001) while it shuts down. */
  g_subprocess_wait_async (daemon->process, NULL, wait_cb, &result);
  while (result == NULL)
    g_main_context_iteration (NULL, TRUE);
  g_subprocess_wait_finish (daemon->process, result, &error);
  g_assert_no_error (error);
  g_clear_pointer (&daemon->output, output_free);
  if (g_subprocess_get_if_signaled (daemon->process))
    status = -g_subprocess_get_term_sig (daemon->process);
  else
    status = g_subprocess_get_exit_status (daemon->process);
  if (status != 0 && daemon->log_path != NULL)
    {
      g_autofree char *log = avd_test_daemon_read_log (daemon);

      g_printerr ("avanued exited with %d; its log:\n%s\n", status, log);
    }
  return status;
}

/* Stops the daemon (it must exit cleanly) and starts it again on the same
 * state directory and configuration.  The port may change. */
void
avd_test_daemon_restart (AvdTestDaemon *daemon)
{
  g_assert_cmpint (avd_test_daemon_stop (daemon), ==, 0);
  g_clear_object (&daemon->process);
  daemon->http_port = daemon->turn_port = 0;
  spawn (daemon);
}

static void
rm_rf (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, name, NULL);

      if (g_file_test (child, G_FILE_TEST_IS_DIR) && !g_file_test (child, G_FILE_TEST_IS_SYMLINK))
        rm_rf (child);
      else
        g_unlink (child);
    }
  g_rmdir (path);
}

void
avd_test_daemon_free (AvdTestDaemon *daemon)
{
  if (daemon->process != NULL)
    {
      g_subprocess_force_exit (daemon->process);
      g_subprocess_wait (daemon->process, NULL, NULL);
      g_object_unref (daemon->process);
    }
  g_clear_pointer (&daemon->output, output_free);
  if (daemon->state_dir != NULL)
    rm_rf (daemon->state_dir);
  g_free (daemon->state_dir);
  g_free (daemon->config_path);
  g_free (daemon->log_path);
  g_strfreev (daemon->extra_args);
  g_free (daemon);
}

char *
avd_test_daemon_url (AvdTestDaemon *daemon,
                     const char    *path)
{
  return g_strdup_printf ("http://127.0.0.1:%u%s", daemon->http_port, path);
}

char *
avd_test_daemon_ws_url (AvdTestDaemon *daemon)
{
  return g_strdup_printf ("ws://127.0.0.1:%u/v1/signal", daemon->http_port);
}

/* Everything the daemon printed so far (needs AVD_TEST_DAEMON_FLAG_CAPTURE_LOG).
 * Stop the daemon first to be sure everything is written. */
char *
avd_test_daemon_read_log (AvdTestDaemon *daemon)
{
  g_autoptr(GError) error = NULL;
  char *contents = NULL;

  g_assert_nonnull (daemon->log_path);
  g_file_get_contents (daemon->log_path, &contents, NULL, &error);
  g_assert_no_error (error);
  return contents;
}

/* Runs a one-shot licence command of avanued on the daemon's state
 * directory and configuration; returns its stdout. */
static char *
license_command (AvdTestDaemon *daemon,
                 const char    *arg1,
                 const char    *arg2,
                 const char    *arg3)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GSubprocess) proc = NULL;
  g_autoptr(GError) error = NULL;
  char *out = NULL;

  g_ptr_array_add (argv, avd_test_daemon_path ());
  g_ptr_array_add (argv, g_strdup_printf ("--state-dir=%s", daemon->state_dir));
  if (daemon->config_path != NULL)
    g_ptr_array_add (argv, g_strdup_printf ("--config=%s", daemon->config_path));
  g_ptr_array_add (argv, g_strdup (arg1));
  if (arg2 != NULL)
    g_ptr_array_add (argv, g_strdup (arg2));
  if (arg3 != NULL)
    g_ptr_array_add (argv, g_strdup (arg3));
  g_ptr_array_add (argv, NULL);

  proc = g_subprocess_newv ((const char * const *) argv->pdata, G_SUBPROCESS_FLAGS_STDOUT_PIPE, &error);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (proc, NULL, NULL, &out, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_if_exited (proc));
  g_assert_cmpint (g_subprocess_get_exit_status (proc), ==, 0);
  return out;
}

/* `avanued --issue-license TIER --license-user USER [--license-expires
 * DATE]`: the new key. */
char *
avd_test_daemon_issue_license_full (AvdTestDaemon *daemon,
                                    const char    *tier,
                                    const char    *user,
                                    const char    *expires)
{
  g_autofree char *tier_arg = g_strdup_printf ("--issue-license=%s", tier);
  g_autofree char *user_arg = g_strdup_printf ("--license-user=%s", user);
  g_autofree char *expires_arg = expires != NULL ? g_strdup_printf ("--license-expires=%s", expires) : NULL;
  char *key = license_command (daemon, tier_arg, user_arg, expires_arg);

  g_strstrip (key);
  g_assert_true (g_str_has_prefix (key, "avl_"));
  g_assert_cmpuint (strlen (key), ==, 44);
  return key;
}

char *
avd_test_daemon_issue_license (AvdTestDaemon *daemon,
                               const char    *tier,
                               const char    *user)
{
  return avd_test_daemon_issue_license_full (daemon, tier, user, NULL);
}

/* `avanued --revoke-license KEY`. */
void
avd_test_daemon_revoke_license (AvdTestDaemon *daemon,
                                const char    *key)
{
  g_autofree char *arg = g_strdup_printf ("--revoke-license=%s", key);

  g_free (license_command (daemon, arg, NULL, NULL));
}
