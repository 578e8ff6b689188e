/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* avanued: the Avanue daemon.  Parses options, loads the configuration,
 * builds the engine and runs the main loop until SIGTERM or SIGINT; SIGHUP
 * reloads the configuration and certificates. */
#define G_LOG_DOMAIN "Avanued"

#include "config.h"

#include <glib-unix.h>
#include <glib/gi18n.h>
#include <locale.h>
#include <stdio.h>

#include "avd-config.h"
#include "avd-engine.h"
#include "avd-license-service.h"

/* YYYY-MM-DD → the end of that day (UTC), as unix seconds. */
static gboolean
parse_expiry (const char *text,
              gint64     *out)
{
  g_autofree char *iso = g_strdup_printf ("%sT23:59:59Z", text);
  g_autoptr(GDateTime) when = g_date_time_new_from_iso8601 (iso, NULL);

  if (when == NULL)
    return FALSE;
  *out = g_date_time_to_unix (when);
  return TRUE;
}

/* --issue-license / --revoke-license: one-shot commands on the store,
 * safe while the daemon runs on the same state directory.  Kept for
 * scripts and tests; `avanuectl license issue` / `license revoke` are the
 * way for operators (over D-Bus, and a revocation there also ends the
 * licence's live sessions at once). */
static int
license_command (AvdConfig  *config,
                 const char *state_dir,
                 const char *issue_tier,
                 const char *user,
                 const char *expires,
                 const char *revoke)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(AvdStore) store = avd_engine_open_store (config, state_dir, &error);
  g_autoptr(AvdLicenseService) licenses = NULL;
  gint64 expires_at = 0;

  if (store == NULL)
    {
      g_printerr (_("Cannot open the store: %s\n"), error->message);
      return 1;
    }
  licenses = avd_license_service_new (config, store, NULL);

  if (revoke != NULL)
    {
      if (!avd_license_service_revoke (licenses, revoke, &error))
        {
          g_printerr (_("Cannot revoke: %s\n"), error->message);
          return 1;
        }
      avd_store_close (store);
      return 0;
    }

  if (user == NULL)
    {
      g_printerr (_("--issue-license needs --license-user\n"));
      return 2;
    }
  if (expires != NULL && !parse_expiry (expires, &expires_at))
    {
      g_printerr (_("--license-expires takes a date as YYYY-MM-DD\n"));
      return 2;
    }
  {
    g_autofree char *key = avd_license_service_issue (licenses, issue_tier, user, expires_at, &error);

    if (key == NULL)
      {
        g_printerr (_("Cannot issue the licence: %s\n"), error->message);
        return 1;
      }
    g_print ("%s\n", key);
  }
  avd_store_close (store);
  return 0;
}

static gboolean
reload_cb (gpointer user_data)
{
  AvdEngine *engine = user_data;
  g_autoptr(GError) error = NULL;

  g_message ("SIGHUP: reloading the configuration");
  if (!avd_engine_reload (engine, NULL, &error))
    g_warning ("reload failed: %s", error->message);
  return G_SOURCE_CONTINUE;
}

static gboolean
quit_cb (gpointer user_data)
{
  GMainLoop *loop = user_data;

  g_message ("shutting down");
  g_main_loop_quit (loop);
  return G_SOURCE_REMOVE;
}

int
main (int argc, char **argv)
{
  g_autofree char *config_path = NULL;
  g_autofree char *state_dir = NULL;
  g_autofree char *listen = NULL;
  int port = -1;
  int turn_port = -1;
  gboolean verbose = FALSE;
  gboolean version = FALSE;
  gboolean session_bus = FALSE;
  g_autofree char *issue_tier = NULL;
  g_autofree char *license_user = NULL;
  g_autofree char *license_expires = NULL;
  g_autofree char *revoke = NULL;
  const GOptionEntry entries[] = {
    { "config", 'c', 0, G_OPTION_ARG_FILENAME, &config_path, N_("Configuration file"), N_("FILE") },
    { "state-dir", 0, 0, G_OPTION_ARG_FILENAME, &state_dir, N_("Directory for the database and keys"), N_("DIR") },
    { "listen", 0, 0, G_OPTION_ARG_STRING, &listen, N_("Addresses for HTTP and WebSocket, comma-separated"), N_("ADDR") },
    { "port", 'p', 0, G_OPTION_ARG_INT, &port, N_("HTTP and WebSocket port (0 picks a free one)"), N_("N") },
    { "turn-port", 0, 0, G_OPTION_ARG_INT, &turn_port, N_("STUN/TURN port (0 picks a free one)"), N_("N") },
    { "session-bus", 0, 0, G_OPTION_ARG_NONE, &session_bus, N_("Offer the D-Bus API on the session bus, not the system bus"), NULL },
    { "verbose", 'v', 0, G_OPTION_ARG_NONE, &verbose, N_("Log informational messages"), NULL },
    { "version", 0, 0, G_OPTION_ARG_NONE, &version, N_("Print the version and exit"), NULL },
    { "issue-license", 0, 0, G_OPTION_ARG_STRING, &issue_tier, N_("Issue a licence of this tier, print its key and exit"), N_("TIER") },
    { "license-user", 0, 0, G_OPTION_ARG_STRING, &license_user, N_("The user the licence is for"), N_("USER") },
    { "license-expires", 0, 0, G_OPTION_ARG_STRING, &license_expires, N_("Last day the licence is valid"), N_("YYYY-MM-DD") },
    { "revoke-license", 0, 0, G_OPTION_ARG_STRING, &revoke, N_("Revoke a licence by key or id and exit"), N_("KEY") },
    { NULL }
  };
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(AvdConfig) config = NULL;
  g_autoptr(AvdEngine) engine = NULL;
  g_autoptr(GMainLoop) loop = NULL;

  /* Logs go to stderr whatever their level: stdout is for what scripts
   * read (the listening line, an issued key), even with --verbose. */
  g_log_writer_default_set_use_stderr (TRUE);
  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  context = g_option_context_new (NULL);
  g_option_context_set_summary (context, _("Avanue daemon: signaling, device registry and STUN/TURN relay"));
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("%s\n", error->message);
      return 2;
    }
  if (version)
    {
      g_print ("avanued %s\n", PACKAGE_VERSION);
      return 0;
    }
  if (verbose)
    g_setenv ("G_MESSAGES_DEBUG", "all", TRUE);

  config = avd_config_new ();
  if (config_path != NULL && !avd_config_load_file (config, config_path, &error))
    {
      g_printerr (_("Cannot read the configuration: %s\n"), error->message);
      return 1;
    }
  /* Flags override the file. */
  if (listen != NULL)
    avd_config_set_string (config, "server", "listen", listen);
  if (port >= 0)
    avd_config_set_int (config, "server", "port", port);
  if (turn_port >= 0)
    avd_config_set_int (config, "turn", "port", turn_port);
  if (session_bus)
    avd_config_set_string (config, "dbus", "bus", "session");
  if (state_dir == NULL)
    state_dir = g_build_filename (g_get_user_state_dir (), "avanue", NULL);

  if (issue_tier != NULL || revoke != NULL)
    return license_command (config, state_dir, issue_tier, license_user, license_expires, revoke);

  engine = avd_engine_new (config, state_dir);
  if (!avd_engine_start (engine, &error))
    {
      g_printerr (_("Cannot start: %s\n"), error->message);
      return 1;
    }

  /* Before the listening line: a script may SIGTERM as soon as it has
   * read it, and that must be a graceful stop. */
  loop = g_main_loop_new (NULL, FALSE);
  g_unix_signal_add (SIGTERM, quit_cb, loop);
  g_unix_signal_add (SIGINT, quit_cb, loop);
  g_unix_signal_add (SIGHUP, reload_cb, engine);

  /* Scripts and tests read this line to find the ports. */
  g_print ("listening http=%u turn=%u\n",
           avd_engine_get_http_port (engine), avd_engine_get_turn_port (engine));
  fflush (stdout);

  g_main_loop_run (loop);

  avd_engine_stop (engine);
  return 0;
}
