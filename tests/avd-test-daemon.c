/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <signal.h>
#include <sys/wait.h>

#include <glib/gstdio.h>

#include "avd-test-daemon.h"

char *
avd_test_daemon_path (void)
{
  const char *env = g_getenv ("AVANUED");

  if (env != NULL)
    return g_strdup (env);
  return g_test_build_filename (G_TEST_BUILT, "..", "avanued", "avanued", NULL);
}

/* Starts avanued and waits (up to 20 s) for its listening line.  Fails the
 * test if it exits or never says where it listens. */
AvdTestDaemon *
avd_test_daemon_start (const char * const *extra_args)
{
  g_autoptr(AvdTestDaemon) daemon = g_new0 (AvdTestDaemon, 1);
  g_autoptr(GPtrArray) argv = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GError) error = NULL;
  g_autoptr(GDataInputStream) out = NULL;
  g_autofree char *line = NULL;

  daemon->state_dir = g_dir_make_tmp ("avanued-test-XXXXXX", &error);
  g_assert_no_error (error);

  g_ptr_array_add (argv, avd_test_daemon_path ());
  g_ptr_array_add (argv, g_strdup ("--port=0"));
  g_ptr_array_add (argv, g_strdup ("--turn-port=0"));
  g_ptr_array_add (argv, g_strdup_printf ("--state-dir=%s", daemon->state_dir));
  for (gsize i = 0; extra_args != NULL && extra_args[i] != NULL; i++)
    g_ptr_array_add (argv, g_strdup (extra_args[i]));
  g_ptr_array_add (argv, NULL);

  daemon->process = g_subprocess_newv ((const char * const *) argv->pdata,
                                       G_SUBPROCESS_FLAGS_STDOUT_PIPE, &error);
  g_assert_no_error (error);

  out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (daemon->process));
  line = g_data_input_stream_read_line_utf8 (out, NULL, NULL, &error);
  g_assert_no_error (error);
  if (line == NULL || sscanf (line, "listening http=%u turn=%u",
                              &daemon->http_port, &daemon->turn_port) != 2)
    g_error ("avanued did not print its listening line (got ‘%s’)", line ? line : "EOF");
  g_assert_cmpuint (daemon->http_port, >, 0);

  return g_steal_pointer (&daemon);
}

/* SIGTERM, then the exit status (or -signal if it died of one). */
int
avd_test_daemon_stop (AvdTestDaemon *daemon)
{
  g_autoptr(GError) error = NULL;

  if (daemon->process == NULL)
    return -1;
  g_subprocess_send_signal (daemon->process, SIGTERM);
  g_subprocess_wait (daemon->process, NULL, &error);
  g_assert_no_error (error);
  if (g_subprocess_get_if_signaled (daemon->process))
    return -g_subprocess_get_term_sig (daemon->process);
  return g_subprocess_get_exit_status (daemon->process);
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
  if (daemon->state_dir != NULL)
    rm_rf (daemon->state_dir);
  g_free (daemon->state_dir);
  g_free (daemon);
}

char *
avd_test_daemon_url (AvdTestDaemon *daemon,
                     const char    *path)
{
  return g_strdup_printf ("http://127.0.0.1:%u%s", daemon->http_port, path);
}
