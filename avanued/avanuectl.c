/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* avanuectl: the command-line face of avanued's D-Bus API
 * (org.avanue.Avanued1, data/org.avanue.Avanued1.xml).
 *
 * Tables for people by default, JSON with --json for scripts.  Exit
 * status: 0 done; 1 the daemon (or the bus, e.g. a policy refusal) said no
 * and the message names the D-Bus error; 2 usage; 3 the daemon cannot be
 * reached (no bus, not running and not activatable). */
#define G_LOG_DOMAIN "avanuectl"

#include "config.h"

#include <glib-unix.h>
#include <glib/gi18n.h>
#include <json-glib/json-glib.h>
#include <locale.h>
#include <stdio.h>
#include <string.h>

#include "avd-dbus-generated.h"
#include "avd-error.h"

#define AVD_DBUS_NAME "org.avanue.Avanued1"
#define AVD_DBUS_PATH "/org/avanue/Avanued1"

enum {
  EXIT_OK = 0,
  EXIT_DAEMON_ERROR = 1,
  EXIT_USAGE = 2,
  EXIT_UNREACHABLE = 3,
};

typedef struct {
  GBusType bus_type;
  gboolean json;
  char *tier;
  char *user;
  char *expires;
  int ttl;
  AvdDbusAvanued1 *proxy;
} Ctl;

static void
ctl_clear (Ctl *ctl)
{
  g_clear_object (&ctl->proxy);
  g_free (ctl->tier);
  g_free (ctl->user);
  g_free (ctl->expires);
}

static const char *
bus_name (GBusType bus_type)
{
  return bus_type == G_BUS_TYPE_SESSION ? "session" : "system";
}

/* ---- errors ---------------------------------------------------------- */

static gboolean
is_unreachable (const GError *error)
{
  static const GDBusError unreachable[] = {
    G_DBUS_ERROR_SERVICE_UNKNOWN, G_DBUS_ERROR_NAME_HAS_NO_OWNER, G_DBUS_ERROR_NO_REPLY,
    G_DBUS_ERROR_TIMEOUT, G_DBUS_ERROR_TIMED_OUT, G_DBUS_ERROR_DISCONNECTED, G_DBUS_ERROR_NO_SERVER,
    G_DBUS_ERROR_SPAWN_EXEC_FAILED, G_DBUS_ERROR_SPAWN_FORK_FAILED, G_DBUS_ERROR_SPAWN_CHILD_EXITED,
    G_DBUS_ERROR_SPAWN_CHILD_SIGNALED, G_DBUS_ERROR_SPAWN_FAILED, G_DBUS_ERROR_SPAWN_SETUP_FAILED,
    G_DBUS_ERROR_SPAWN_CONFIG_INVALID, G_DBUS_ERROR_SPAWN_SERVICE_INVALID,
    G_DBUS_ERROR_SPAWN_SERVICE_NOT_FOUND, G_DBUS_ERROR_SPAWN_PERMISSIONS_INVALID,
    G_DBUS_ERROR_SPAWN_FILE_INVALID, G_DBUS_ERROR_SPAWN_NO_MEMORY,
  };

  if (error->domain != G_DBUS_ERROR)
    return FALSE;
  for (gsize i = 0; i < G_N_ELEMENTS (unreachable); i++)
    if (error->code == (int) unreachable[i])
      return TRUE;
  return FALSE;
}

/* Prints the error with its D-Bus name; returns the exit status. */
static int
report_error (Ctl          *ctl,
              const GError *error)
{
  g_autofree char *name = g_dbus_error_encode_gerror (error);
  g_autoptr(GError) copy = g_error_copy (error);

  g_dbus_error_strip_remote_error (copy);
  if (error->domain == G_IO_ERROR && error->code != G_IO_ERROR_DBUS_ERROR)
    {
      /* No bus at all: the GIO message says why. */
      g_printerr (_("avanuectl: avanued is not reachable: no %s bus (%s)\n"),
                  bus_name (ctl->bus_type), copy->message);
      return EXIT_UNREACHABLE;
    }
  if (is_unreachable (error) || g_str_has_prefix (name, "org.freedesktop.DBus.Error.Spawn."))
    {
      g_printerr (_("avanuectl: avanued is not reachable on the %s bus (%s: %s)\n"),
                  bus_name (ctl->bus_type), name, copy->message);
      return EXIT_UNREACHABLE;
    }
  g_printerr ("avanuectl: %s: %s\n", name, copy->message);
  return EXIT_DAEMON_ERROR;
}

static int
usage_error (const char *format,
             ...) G_GNUC_PRINTF (1, 2);

static int
usage_error (const char *format,
             ...)
{
  g_autofree char *text = NULL;
  va_list args;

  va_start (args, format);
  text = g_strdup_vprintf (format, args);
  va_end (args);
  g_printerr ("avanuectl: %s\n", text);
  g_printerr (_("Try “avanuectl --help”.\n"));
  return EXIT_USAGE;
}

/* ---- output ---------------------------------------------------------- */

static void
print_json_node (JsonNode *node,
                 gboolean  pretty)
{
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autofree char *text = NULL;

  json_generator_set_pretty (generator, pretty);
  json_generator_set_root (generator, node);
  text = json_generator_to_data (generator, NULL);
  g_print ("%s\n", text);
}

static void
print_json_variant (GVariant *value)
{
  g_autoptr(JsonNode) node = json_gvariant_serialize (value);

  print_json_node (node, TRUE);
}

/* {"ok": true} for commands that return nothing. */
static void
print_json_ok (void)
{
  g_autoptr(GVariant) ok = NULL;
  g_auto(GVariantBuilder) b = G_VARIANT_BUILDER_INIT (G_VARIANT_TYPE_VARDICT);

  g_variant_builder_add (&b, "{sv}", "ok", g_variant_new_boolean (TRUE));
  ok = g_variant_ref_sink (g_variant_builder_end (&b));
  print_json_variant (ok);
}

static const char *
dict_string (GVariant   *dict,
             const char *key)
{
  const char *value = NULL;

  if (!g_variant_lookup (dict, key, "&s", &value))
    return "";
  return value;
}

static gint64
dict_int64 (GVariant   *dict,
            const char *key)
{
  gint64 value = 0;

  g_variant_lookup (dict, key, "x", &value);
  return value;
}

static guint32
dict_uint (GVariant   *dict,
           const char *key)
{
  guint32 value = 0;

  g_variant_lookup (dict, key, "u", &value);
  return value;
}

static gboolean
dict_bool (GVariant   *dict,
           const char *key)
{
  gboolean value = FALSE;

  g_variant_lookup (dict, key, "b", &value);
  return value;
}

static char *
format_time (gint64 unix_seconds)
{
  g_autoptr(GDateTime) when = NULL;

  if (unix_seconds <= 0)
    return g_strdup ("-");
  when = g_date_time_new_from_unix_local (unix_seconds);
  return when != NULL ? g_date_time_format (when, "%Y-%m-%d %H:%M") : g_strdup ("?");
}

static char *
short_fingerprint (const char *fingerprint)
{
  if (fingerprint == NULL || *fingerprint == '\0')
    return g_strdup ("-");
  if (strlen (fingerprint) <= 16)
    return g_strdup (fingerprint);
  return g_strdup_printf ("%.16s…", fingerprint);
}

/* A table: rows of strings, the first row the header.  The first column
 * holds the full id (for copying and for shell completion). */
typedef struct {
  GPtrArray *rows;              /* GStrv */
  guint columns;
} Table;

static Table *
table_new (const char * const *header)
{
  Table *t = g_new0 (Table, 1);

  t->rows = g_ptr_array_new_with_free_func ((GDestroyNotify) g_strfreev);
  t->columns = g_strv_length ((char **) header);
  g_ptr_array_add (t->rows, g_strdupv ((char **) header));
  return t;
}

static void
table_add (Table *t,
           ...)
{
  GStrv row = g_new0 (char *, t->columns + 1);
  va_list args;

  va_start (args, t);
  for (guint i = 0; i < t->columns; i++)
    row[i] = g_strdup (va_arg (args, const char *));
  va_end (args);
  g_ptr_array_add (t->rows, row);
}

static void
table_print_and_free (Table *t)
{
  g_autofree gsize *widths = g_new0 (gsize, t->columns);

  for (guint r = 0; r < t->rows->len; r++)
    {
      GStrv row = g_ptr_array_index (t->rows, r);

      for (guint c = 0; c < t->columns; c++)
        widths[c] = MAX (widths[c], (gsize) g_utf8_strlen (row[c] != NULL ? row[c] : "", -1));
    }
  for (guint r = 0; r < t->rows->len; r++)
    {
      GStrv row = g_ptr_array_index (t->rows, r);
      g_autoptr(GString) line = g_string_new (NULL);

      for (guint c = 0; c < t->columns; c++)
        {
          const char *cell = row[c] != NULL ? row[c] : "";

          g_string_append (line, cell);
          if (c + 1 < t->columns)
            for (gsize pad = g_utf8_strlen (cell, -1); pad < widths[c] + 2; pad++)
              g_string_append_c (line, ' ');
        }
      g_print ("%s\n", line->str);
    }
  g_ptr_array_unref (t->rows);
  g_free (t);
}

/* ---- commands -------------------------------------------------------- */

static int
cmd_status (Ctl *ctl)
{
  g_autoptr(GVariant) stats = NULL;
  g_autoptr(GError) error = NULL;

  if (!avd_dbus_avanued1_call_get_stats_sync (ctl->proxy, &stats, NULL, &error))
    return report_error (ctl, error);
  if (ctl->json)
    {
      print_json_variant (stats);
      return EXIT_OK;
    }
  g_print (_("avanued %s on the %s bus, up %" G_GINT64_FORMAT " s\n"), dict_string (stats, "version"),
           bus_name (ctl->bus_type), dict_int64 (stats, "uptimeSeconds"));
  g_print (_("HTTP port:          %u\n"), dict_uint (stats, "httpPort"));
  g_print (_("TURN port:          %u\n"), dict_uint (stats, "turnPort"));
  g_print (_("Connections:        %u\n"), dict_uint (stats, "connections"));
  g_print (_("Connected devices:  %u\n"), dict_uint (stats, "connectedDevices"));
  g_print (_("Active sessions:    %u\n"), dict_uint (stats, "activeSessions"));
  g_print (_("Participants:       %u (%u online)\n"), dict_uint (stats, "participants"),
           dict_uint (stats, "onlineParticipants"));
  g_print (_("TURN allocations:   %u\n"), dict_uint (stats, "turnAllocations"));
  {
    guint64 bytes = 0;
    g_autofree char *size = NULL;

    g_variant_lookup (stats, "bytesRelayed", "t", &bytes);
    size = g_format_size (bytes);
    g_print (_("Bytes relayed:      %s\n"), size);
  }
  return EXIT_OK;
}

static int
cmd_sessions (Ctl *ctl)
{
  g_autoptr(GVariant) sessions = NULL;
  g_autoptr(GError) error = NULL;
  GVariantIter iter;
  GVariant *s;
  Table *t;

  if (!avd_dbus_avanued1_call_list_sessions_sync (ctl->proxy, &sessions, NULL, &error))
    return report_error (ctl, error);
  if (ctl->json)
    {
      print_json_variant (sessions);
      return EXIT_OK;
    }
  t = table_new ((const char *[]) { _("ID"), _("TIER"), _("TYPE"), _("MEMBERS"), _("ONLINE"), _("HUB"),
                                    _("CREATED"), NULL });
  g_variant_iter_init (&iter, sessions);
  while ((s = g_variant_iter_next_value (&iter)) != NULL)
    {
      g_autofree char *members = g_strdup_printf ("%u", dict_uint (s, "participantCount"));
      g_autofree char *online = g_strdup_printf ("%u", dict_uint (s, "onlineCount"));
      g_autofree char *hub = short_fingerprint (dict_string (s, "hub"));
      g_autofree char *created = format_time (dict_int64 (s, "createdAt"));

      table_add (t, dict_string (s, "id"), dict_string (s, "tier"), dict_string (s, "sessionType"),
                 members, online, hub, created);
      g_variant_unref (s);
    }
  table_print_and_free (t);
  return EXIT_OK;
}

static int
cmd_session (Ctl        *ctl,
             const char *id)
{
  g_autoptr(GVariant) s = NULL;
  g_autoptr(GVariant) participants = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *created = NULL;
  g_autofree char *expires = NULL;
  GVariantIter iter;
  GVariant *p;
  Table *t;

  if (!avd_dbus_avanued1_call_get_session_sync (ctl->proxy, id, &s, NULL, &error))
    return report_error (ctl, error);
  if (ctl->json)
    {
      print_json_variant (s);
      return EXIT_OK;
    }
  created = format_time (dict_int64 (s, "createdAt"));
  expires = format_time (dict_int64 (s, "expiresAt"));
  g_print (_("Session:      %s\n"), dict_string (s, "id"));
  if (g_variant_lookup (s, "inviteCode", "&s", NULL))
    g_print (_("Invite code:  %s\n"), dict_string (s, "inviteCode"));
  g_print (_("Type:         %s\n"), dict_string (s, "sessionType"));
  g_print (_("Tier:         %s%s%s\n"), dict_string (s, "tier"),
           *dict_string (s, "licenseId") != '\0' ? _(", licence ") : "", dict_string (s, "licenseId"));
  g_print (_("Host:         %s\n"), dict_string (s, "host"));
  g_print (_("Hub:          %s\n"), *dict_string (s, "hub") != '\0' ? dict_string (s, "hub") : "-");
  g_print (_("Created:      %s\n"), created);
  g_print (_("Expires:      %s\n"), expires);
  g_print ("\n");

  t = table_new ((const char *[]) { _("FINGERPRINT"), _("NAME"), _("ROLE"), _("TOPOLOGY"), _("ONLINE"),
                                    _("SCORE"), NULL });
  participants = g_variant_lookup_value (s, "participants", G_VARIANT_TYPE ("aa{sv}"));
  if (participants != NULL)
    {
      g_variant_iter_init (&iter, participants);
      while ((p = g_variant_iter_next_value (&iter)) != NULL)
        {
          double score = 0;
          g_autofree char *score_text = NULL;

          g_variant_lookup (p, "score", "d", &score);
          score_text = g_strdup_printf ("%.0f", score);
          table_add (t, dict_string (p, "fingerprint"), dict_string (p, "deviceName"), dict_string (p, "role"),
                     dict_string (p, "topologyRole"), dict_bool (p, "online") ? _("yes") : _("no"), score_text);
          g_variant_unref (p);
        }
    }
  table_print_and_free (t);
  return EXIT_OK;
}

static int
cmd_end (Ctl        *ctl,
         const char *id)
{
  g_autoptr(GError) error = NULL;

  if (!avd_dbus_avanued1_call_end_session_sync (ctl->proxy, id, NULL, &error))
    return report_error (ctl, error);
  if (ctl->json)
    print_json_ok ();
  else
    g_print (_("Session %s ended.\n"), id);
  return EXIT_OK;
}

static int
cmd_kick (Ctl        *ctl,
          const char *id,
          const char *fingerprint)
{
  g_autoptr(GError) error = NULL;

  if (!avd_dbus_avanued1_call_kick_participant_sync (ctl->proxy, id, fingerprint, NULL, &error))
    return report_error (ctl, error);
  if (ctl->json)
    print_json_ok ();
  else
    g_print (_("Kicked %s from session %s.\n"), fingerprint, id);
  return EXIT_OK;
}

static int
cmd_devices (Ctl *ctl)
{
  g_autoptr(GVariant) devices = NULL;
  g_autoptr(GError) error = NULL;
  GVariantIter iter;
  GVariant *d;
  Table *t;

  if (!avd_dbus_avanued1_call_list_devices_sync (ctl->proxy, &devices, NULL, &error))
    return report_error (ctl, error);
  if (ctl->json)
    {
      print_json_variant (devices);
      return EXIT_OK;
    }
  t = table_new ((const char *[]) { _("FINGERPRINT"), _("NAME"), _("PLATFORM"), _("CONNECTED"), _("BLOCKED"),
                                    _("LAST SEEN"), NULL });
  g_variant_iter_init (&iter, devices);
  while ((d = g_variant_iter_next_value (&iter)) != NULL)
    {
      g_autofree char *seen = format_time (dict_int64 (d, "lastSeen"));

      table_add (t, dict_string (d, "fingerprint"), dict_string (d, "deviceName"), dict_string (d, "platform"),
                 dict_bool (d, "connected") ? _("yes") : _("no"), dict_bool (d, "blocked") ? _("yes") : _("no"),
                 seen);
      g_variant_unref (d);
    }
  table_print_and_free (t);
  return EXIT_OK;
}

static int
cmd_block (Ctl        *ctl,
           const char *fingerprint,
           gboolean    block)
{
  g_autoptr(GError) error = NULL;
  gboolean ok;

  if (block)
    ok = avd_dbus_avanued1_call_block_device_sync (ctl->proxy, fingerprint, NULL, &error);
  else
    ok = avd_dbus_avanued1_call_unblock_device_sync (ctl->proxy, fingerprint, NULL, &error);
  if (!ok)
    return report_error (ctl, error);
  if (ctl->json)
    print_json_ok ();
  else
    g_print (block ? _("Blocked %s.\n") : _("Unblocked %s.\n"), fingerprint);
  return EXIT_OK;
}

/* YYYY-MM-DD → the end of that day (UTC), as unix seconds, like
 * avanued --license-expires. */
static gboolean
parse_expiry (const char *text,
              gint64     *out)
{
  g_autofree char *iso = g_strdup_printf ("%sT23:59:59Z", text);
  g_autoptr(GDateTime) when = NULL;

  if (strlen (text) != 10)
    return FALSE;
  when = g_date_time_new_from_iso8601 (iso, NULL);
  if (when == NULL)
    return FALSE;
  *out = g_date_time_to_unix (when);
  return TRUE;
}

static int
cmd_license_issue (Ctl *ctl)
{
  g_autoptr(GVariant) license = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *key = NULL;
  gint64 expires_at = 0;

  if (ctl->tier == NULL || ctl->user == NULL)
    return usage_error (_("license issue needs --tier TIER and --user USER"));
  if (ctl->expires != NULL && !parse_expiry (ctl->expires, &expires_at))
    return usage_error (_("--expires takes a date as YYYY-MM-DD"));
  if (!avd_dbus_avanued1_call_issue_license_sync (ctl->proxy, ctl->tier, ctl->user, expires_at,
                                                  &key, &license, NULL, &error))
    return report_error (ctl, error);
  if (ctl->json)
    {
      g_auto(GVariantBuilder) b = G_VARIANT_BUILDER_INIT (G_VARIANT_TYPE_VARDICT);
      g_autoptr(GVariant) result = NULL;

      g_variant_builder_add (&b, "{sv}", "key", g_variant_new_string (key));
      g_variant_builder_add (&b, "{sv}", "license", license);
      result = g_variant_ref_sink (g_variant_builder_end (&b));
      print_json_variant (result);
      return EXIT_OK;
    }
  /* The key alone on stdout, for `KEY=$(avanuectl license issue …)`. */
  g_print ("%s\n", key);
  g_printerr (_("Licence %s (%s, for %s). The key is shown only now: only its hash is kept.\n"),
              dict_string (license, "id"), dict_string (license, "tier"), dict_string (license, "user"));
  return EXIT_OK;
}

static int
cmd_license_revoke (Ctl        *ctl,
                    const char *key_or_id)
{
  g_autoptr(GError) error = NULL;
  guint ended = 0;

  if (!avd_dbus_avanued1_call_revoke_license_sync (ctl->proxy, key_or_id, &ended, NULL, &error))
    return report_error (ctl, error);
  if (ctl->json)
    {
      g_autoptr(JsonBuilder) b = json_builder_new ();
      g_autoptr(JsonNode) root = NULL;

      json_builder_begin_object (b);
      json_builder_set_member_name (b, "sessionsEnded");
      json_builder_add_int_value (b, ended);
      json_builder_end_object (b);
      root = json_builder_get_root (b);
      print_json_node (root, TRUE);
    }
  else
    g_print (g_dngettext (GETTEXT_PACKAGE, "Revoked; %u live session ended.\n",
                          "Revoked; %u live sessions ended.\n", ended), ended);
  return EXIT_OK;
}

static int
cmd_licenses (Ctl *ctl)
{
  g_autoptr(GVariant) licenses = NULL;
  g_autoptr(GError) error = NULL;
  GVariantIter iter;
  GVariant *l;
  Table *t;

  if (!avd_dbus_avanued1_call_list_licenses_sync (ctl->proxy, &licenses, NULL, &error))
    return report_error (ctl, error);
  if (ctl->json)
    {
      print_json_variant (licenses);
      return EXIT_OK;
    }
  t = table_new ((const char *[]) { _("ID"), _("USER"), _("TIER"), _("CREATED"), _("EXPIRES"), _("STATE"), NULL });
  g_variant_iter_init (&iter, licenses);
  while ((l = g_variant_iter_next_value (&iter)) != NULL)
    {
      g_autofree char *created = format_time (dict_int64 (l, "createdAt"));
      g_autofree char *expires = dict_int64 (l, "expiresAt") > 0 ? format_time (dict_int64 (l, "expiresAt"))
                                                                 : g_strdup (_("never"));
      const char *state = dict_bool (l, "revoked") ? _("revoked")
                          : dict_bool (l, "valid") ? _("valid") : _("expired");

      table_add (t, dict_string (l, "id"), dict_string (l, "user"), dict_string (l, "tier"), created, expires,
                 state);
      g_variant_unref (l);
    }
  table_print_and_free (t);
  return EXIT_OK;
}

static int
cmd_turn_credentials (Ctl *ctl)
{
  g_autoptr(GVariant) creds = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree const char **urls = NULL;

  if (ctl->ttl < 0)
    return usage_error (_("--ttl takes a number of seconds"));
  if (!avd_dbus_avanued1_call_issue_turn_credentials_sync (ctl->proxy, ctl->user != NULL ? ctl->user : "",
                                                           (guint) ctl->ttl, &creds, NULL, &error))
    return report_error (ctl, error);
  if (ctl->json)
    {
      print_json_variant (creds);
      return EXIT_OK;
    }
  g_print (_("Username:  %s\n"), dict_string (creds, "username"));
  g_print (_("Password:  %s\n"), dict_string (creds, "password"));
  g_print (_("Lifetime:  %u s\n"), dict_uint (creds, "ttlSeconds"));
  if (g_variant_lookup (creds, "urls", "^a&s", &urls))
    for (gsize i = 0; urls[i] != NULL; i++)
      g_print (_("URL:       %s\n"), urls[i]);
  return EXIT_OK;
}

static int
cmd_reload (Ctl *ctl)
{
  g_auto(GStrv) restart_needed = NULL;
  g_autoptr(GError) error = NULL;

  if (!avd_dbus_avanued1_call_reload_sync (ctl->proxy, &restart_needed, NULL, &error))
    return report_error (ctl, error);
  if (ctl->json)
    {
      g_autoptr(JsonBuilder) b = json_builder_new ();
      g_autoptr(JsonNode) root = NULL;

      json_builder_begin_object (b);
      json_builder_set_member_name (b, "restartNeeded");
      json_builder_begin_array (b);
      for (gsize i = 0; restart_needed[i] != NULL; i++)
        json_builder_add_string_value (b, restart_needed[i]);
      json_builder_end_array (b);
      json_builder_end_object (b);
      root = json_builder_get_root (b);
      print_json_node (root, TRUE);
      return EXIT_OK;
    }
  g_print (_("Reloaded the configuration and certificates.\n"));
  if (restart_needed[0] != NULL)
    {
      g_autofree char *keys = g_strjoinv (", ", restart_needed);

      g_print (_("These changes take effect at the next restart: %s\n"), keys);
    }
  return EXIT_OK;
}

/* ---- monitor --------------------------------------------------------- */

/* One line per event: "Name key=value …", or a JSON object with "signal"
 * and the arguments. */
static void
print_event (Ctl        *ctl,
             const char *signal,
             ...) G_GNUC_NULL_TERMINATED;

static void
print_event (Ctl        *ctl,
             const char *signal,
             ...)
{
  va_list args;
  const char *key;

  va_start (args, signal);
  if (ctl->json)
    {
      g_autoptr(JsonBuilder) b = json_builder_new ();
      g_autoptr(JsonNode) root = NULL;

      json_builder_begin_object (b);
      json_builder_set_member_name (b, "signal");
      json_builder_add_string_value (b, signal);
      while ((key = va_arg (args, const char *)) != NULL)
        {
          json_builder_set_member_name (b, key);
          json_builder_add_string_value (b, va_arg (args, const char *));
        }
      json_builder_end_object (b);
      root = json_builder_get_root (b);
      print_json_node (root, FALSE);
    }
  else
    {
      g_autoptr(GString) line = g_string_new (signal);

      while ((key = va_arg (args, const char *)) != NULL)
        g_string_append_printf (line, " %s=%s", key, va_arg (args, const char *));
      g_print ("%s\n", line->str);
    }
  va_end (args);
  fflush (stdout);
}

static void
on_session_created (AvdDbusAvanued1 *proxy,
                    const char      *session_id,
                    const char      *tier,
                    const char      *host,
                    Ctl             *ctl)
{
  print_event (ctl, "SessionCreated", "sessionId", session_id, "tier", tier, "host", host, NULL);
}

static void
on_session_ended (AvdDbusAvanued1 *proxy,
                  const char      *session_id,
                  const char      *reason,
                  Ctl             *ctl)
{
  print_event (ctl, "SessionEnded", "sessionId", session_id, "reason", reason, NULL);
}

static void
on_participant_joined (AvdDbusAvanued1 *proxy,
                       const char      *session_id,
                       const char      *fingerprint,
                       Ctl             *ctl)
{
  print_event (ctl, "ParticipantJoined", "sessionId", session_id, "fingerprint", fingerprint, NULL);
}

static void
on_participant_left (AvdDbusAvanued1 *proxy,
                     const char      *session_id,
                     const char      *fingerprint,
                     const char      *reason,
                     Ctl             *ctl)
{
  print_event (ctl, "ParticipantLeft", "sessionId", session_id, "fingerprint", fingerprint,
               "reason", reason, NULL);
}

static void
on_hub_elected (AvdDbusAvanued1 *proxy,
                const char      *session_id,
                const char      *fingerprint,
                const char      *reason,
                Ctl             *ctl)
{
  print_event (ctl, "HubElected", "sessionId", session_id, "fingerprint", fingerprint, "reason", reason, NULL);
}

static void
on_device_blocked (AvdDbusAvanued1 *proxy,
                   const char      *fingerprint,
                   gboolean         blocked,
                   Ctl             *ctl)
{
  print_event (ctl, "DeviceBlocked", "fingerprint", fingerprint, "blocked", blocked ? "true" : "false", NULL);
}

static void
on_properties_changed (GDBusProxy *proxy,
                       GVariant   *changed,
                       GStrv       invalidated,
                       Ctl        *ctl)
{
  if (ctl->json)
    {
      g_autoptr(JsonBuilder) b = json_builder_new ();
      g_autoptr(JsonNode) root = NULL;

      json_builder_begin_object (b);
      json_builder_set_member_name (b, "signal");
      json_builder_add_string_value (b, "PropertiesChanged");
      json_builder_set_member_name (b, "properties");
      json_builder_add_value (b, json_gvariant_serialize (changed));
      json_builder_end_object (b);
      root = json_builder_get_root (b);
      print_json_node (root, FALSE);
    }
  else
    {
      g_autoptr(GString) line = g_string_new ("PropertiesChanged");
      GVariantIter iter;
      const char *key;
      GVariant *value;

      g_variant_iter_init (&iter, changed);
      while (g_variant_iter_next (&iter, "{&sv}", &key, &value))
        {
          g_autofree char *text = g_variant_print (value, FALSE);

          g_string_append_printf (line, " %s=%s", key, text);
          g_variant_unref (value);
        }
      g_print ("%s\n", line->str);
    }
  fflush (stdout);
}

static gboolean
stop_monitor_cb (gpointer user_data)
{
  g_main_loop_quit (user_data);
  return G_SOURCE_REMOVE;
}

static int
cmd_monitor (Ctl *ctl)
{
  g_autoptr(GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  g_autoptr(GVariant) stats = NULL;
  g_autoptr(GError) error = NULL;

  g_signal_connect (ctl->proxy, "session-created", G_CALLBACK (on_session_created), ctl);
  g_signal_connect (ctl->proxy, "session-ended", G_CALLBACK (on_session_ended), ctl);
  g_signal_connect (ctl->proxy, "participant-joined", G_CALLBACK (on_participant_joined), ctl);
  g_signal_connect (ctl->proxy, "participant-left", G_CALLBACK (on_participant_left), ctl);
  g_signal_connect (ctl->proxy, "hub-elected", G_CALLBACK (on_hub_elected), ctl);
  g_signal_connect (ctl->proxy, "device-blocked", G_CALLBACK (on_device_blocked), ctl);
  g_signal_connect (ctl->proxy, "g-properties-changed", G_CALLBACK (on_properties_changed), ctl);

  /* A round trip: the daemon is there, and the bus has our match rules
   * (sent before this call) when it answers. */
  if (!avd_dbus_avanued1_call_get_stats_sync (ctl->proxy, &stats, NULL, &error))
    return report_error (ctl, error);
  g_printerr (_("Monitoring %s on the %s bus; Ctrl-C stops.\n"), AVD_DBUS_NAME, bus_name (ctl->bus_type));

  g_unix_signal_add (SIGINT, stop_monitor_cb, loop);
  g_unix_signal_add (SIGTERM, stop_monitor_cb, loop);
  g_main_loop_run (loop);
  return EXIT_OK;
}

/* ---- main ------------------------------------------------------------ */

static const char *
summary_text (void)
{
  return _("Commands:\n"
           "  status                          The daemon's figures\n"
           "  sessions                        Live sessions\n"
           "  session ID                      One session and its participants\n"
           "  end ID                          End a session (its members hear ADMIN)\n"
           "  kick ID FINGERPRINT             Remove a participant from a session\n"
           "  devices                         Registered devices\n"
           "  block FINGERPRINT               Disconnect a device and refuse it\n"
           "  unblock FINGERPRINT             Let a blocked device back\n"
           "  license issue --tier T --user U [--expires YYYY-MM-DD]\n"
           "                                  Issue a licence; prints its key\n"
           "  license revoke KEY|ID           Revoke a licence; its sessions end\n"
           "  licenses                        Issued licences\n"
           "  turn-credentials [--user U] [--ttl SECONDS]\n"
           "                                  TURN REST-API credentials\n"
           "  reload                          Re-read the configuration and certificates\n"
           "  monitor                         Print events as they happen\n"
           "\n"
           "Exit status: 0 success; 1 the daemon refused or failed (the message\n"
           "names the D-Bus error, e.g. org.avanue.Avanued1.Error.SessionNotFound);\n"
           "2 wrong usage; 3 avanued cannot be reached on the bus.");
}

static gboolean
want_args (GStrv        args,
           guint        n,
           const char  *command,
           int         *out_status)
{
  if (g_strv_length (args) - 1 == n)
    return TRUE;
  if (n == 0)
    *out_status = usage_error (_("%s takes no argument"), command);
  else
    *out_status = usage_error (g_dngettext (GETTEXT_PACKAGE, "%s takes %u argument", "%s takes %u arguments", n),
                               command, n);
  return FALSE;
}

static int
run (Ctl   *ctl,
     GStrv  args)
{
  const char *command = args[0];
  g_autoptr(GError) error = NULL;
  GDBusProxyFlags flags = G_DBUS_PROXY_FLAGS_DO_NOT_LOAD_PROPERTIES | G_DBUS_PROXY_FLAGS_DO_NOT_CONNECT_SIGNALS;
  int status = EXIT_OK;
  static const char * const commands[] = {
    "status", "sessions", "session", "end", "kick", "devices", "block", "unblock", "license",
    "licenses", "turn-credentials", "reload", "monitor", NULL
  };

  if (!g_strv_contains (commands, command))
    return usage_error (_("unknown command “%s”"), command);
  if ((ctl->tier != NULL || ctl->expires != NULL) &&
      !(g_str_equal (command, "license") && args[1] != NULL && g_str_equal (args[1], "issue")))
    return usage_error (_("--tier and --expires go with “license issue”"));
  if (ctl->user != NULL && !g_str_equal (command, "turn-credentials") &&
      !(g_str_equal (command, "license") && args[1] != NULL && g_str_equal (args[1], "issue")))
    return usage_error (_("--user goes with “license issue” and “turn-credentials”"));
  if (ctl->ttl != 0 && !g_str_equal (command, "turn-credentials"))
    return usage_error (_("--ttl goes with “turn-credentials”"));

  /* Check the arguments before talking to anyone. */
  if (g_str_equal (command, "session") || g_str_equal (command, "end") ||
      g_str_equal (command, "block") || g_str_equal (command, "unblock"))
    {
      if (!want_args (args, 1, command, &status))
        return status;
    }
  else if (g_str_equal (command, "kick"))
    {
      if (!want_args (args, 2, command, &status))
        return status;
    }
  else if (g_str_equal (command, "license"))
    {
      if (args[1] == NULL || (!g_str_equal (args[1], "issue") && !g_str_equal (args[1], "revoke")))
        return usage_error (_("license takes “issue” or “revoke”"));
      if (g_str_equal (args[1], "issue") && args[2] != NULL)
        return usage_error (_("license issue takes options only: --tier TIER --user USER [--expires DATE]"));
      if (g_str_equal (args[1], "revoke") && (args[2] == NULL || args[3] != NULL))
        return usage_error (_("license revoke takes one licence key or id"));
    }
  else if (!want_args (args, 0, command, &status))
    return status;

  if (g_str_equal (command, "monitor"))
    flags = G_DBUS_PROXY_FLAGS_NONE;
  ctl->proxy = avd_dbus_avanued1_proxy_new_for_bus_sync (ctl->bus_type, flags, AVD_DBUS_NAME, AVD_DBUS_PATH,
                                                          NULL, &error);
  if (ctl->proxy == NULL)
    return report_error (ctl, error);

  if (g_str_equal (command, "status"))
    return cmd_status (ctl);
  if (g_str_equal (command, "sessions"))
    return cmd_sessions (ctl);
  if (g_str_equal (command, "session"))
    return cmd_session (ctl, args[1]);
  if (g_str_equal (command, "end"))
    return cmd_end (ctl, args[1]);
  if (g_str_equal (command, "kick"))
    return cmd_kick (ctl, args[1], args[2]);
  if (g_str_equal (command, "devices"))
    return cmd_devices (ctl);
  if (g_str_equal (command, "block"))
    return cmd_block (ctl, args[1], TRUE);
  if (g_str_equal (command, "unblock"))
    return cmd_block (ctl, args[1], FALSE);
  if (g_str_equal (command, "license"))
    return g_str_equal (args[1], "issue") ? cmd_license_issue (ctl) : cmd_license_revoke (ctl, args[2]);
  if (g_str_equal (command, "licenses"))
    return cmd_licenses (ctl);
  if (g_str_equal (command, "turn-credentials"))
    return cmd_turn_credentials (ctl);
  if (g_str_equal (command, "reload"))
    return cmd_reload (ctl);
  return cmd_monitor (ctl);
}

int
main (int argc, char **argv)
{
  Ctl ctl = { .bus_type = G_BUS_TYPE_SYSTEM };
  gboolean system_bus = FALSE;
  gboolean session_bus = FALSE;
  gboolean version = FALSE;
  g_auto(GStrv) args = NULL;
  const GOptionEntry entries[] = {
    { "system", 0, 0, G_OPTION_ARG_NONE, &system_bus, N_("Talk to avanued on the system bus (the default)"), NULL },
    { "session", 0, 0, G_OPTION_ARG_NONE, &session_bus, N_("Talk to avanued on the session bus"), NULL },
    { "json", 'j', 0, G_OPTION_ARG_NONE, &ctl.json, N_("Print JSON instead of tables"), NULL },
    { "tier", 0, 0, G_OPTION_ARG_STRING, &ctl.tier, N_("license issue: free, pro, business or enterprise"), N_("TIER") },
    { "user", 0, 0, G_OPTION_ARG_STRING, &ctl.user, N_("license issue, turn-credentials: the user"), N_("USER") },
    { "expires", 0, 0, G_OPTION_ARG_STRING, &ctl.expires, N_("license issue: last valid day"), N_("YYYY-MM-DD") },
    { "ttl", 0, 0, G_OPTION_ARG_INT, &ctl.ttl, N_("turn-credentials: lifetime in seconds"), N_("SECONDS") },
    { "version", 0, 0, G_OPTION_ARG_NONE, &version, N_("Print the version and exit"), NULL },
    { G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_STRING_ARRAY, &args, NULL, N_("COMMAND [ARGUMENT…]") },
    { NULL }
  };
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  int status;

  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);
  /* Errors come back as org.avanue.Avanued1.Error.* names. */
  (void) avd_error_quark ();

  context = g_option_context_new (NULL);
  g_option_context_set_summary (context, _("Administer avanued over D-Bus (org.avanue.Avanued1)."));
  g_option_context_set_description (context, summary_text ());
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      status = usage_error ("%s", error->message);
      ctl_clear (&ctl);
      return status;
    }
  if (version)
    {
      g_print ("avanuectl %s\n", PACKAGE_VERSION);
      ctl_clear (&ctl);
      return EXIT_OK;
    }
  if (system_bus && session_bus)
    {
      ctl_clear (&ctl);
      return usage_error (_("--system and --session exclude each other"));
    }
  if (session_bus)
    ctl.bus_type = G_BUS_TYPE_SESSION;
  if (args == NULL || args[0] == NULL)
    {
      ctl_clear (&ctl);
      return usage_error (_("no command given"));
    }

  status = run (&ctl, args);
  ctl_clear (&ctl);
  return status;
}
