/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* org.avanue.Avanued1 on a private bus (DESIGN §9): a real avanued with
 * --session-bus, real signaling clients over WebSocket, and every method,
 * property, signal and error name of data/org.avanue.Avanued1.xml checked
 * against what the clients see.  The calls are made with plain GDBus (not
 * the generated code the daemon uses), so the wire contract is what is
 * tested. */
#include "config.h"

#include <pwd.h>
#include <grp.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "avd-dbus-service.h"
#include "dbus-test-common.h"

#define SIGNAL_TIMEOUT_MS 8000

static DbusTestBus *test_bus;

typedef struct {
  char *member;
  GVariant *params;
} Signal;

typedef struct {
  GVariant *changed;
  gint64 time_us;
} PropsChange;

typedef struct {
  AvdTestDaemon *daemon;
  GDBusConnection *conn;
  GQueue signals;               /* Signal */
  GQueue props;                 /* PropsChange */
  guint signals_id;
  guint props_id;
  guint filter_id;
  GMutex lock;
  GArray *props_arrivals;       /* gint64, monotonic; under lock */
} Fixture;

static void
signal_free (Signal *s)
{
  g_free (s->member);
  g_variant_unref (s->params);
  g_free (s);
}

static void
props_change_free (PropsChange *p)
{
  g_variant_unref (p->changed);
  g_free (p);
}

static void
on_signal (GDBusConnection *connection,
           const char      *sender,
           const char      *path,
           const char      *interface,
           const char      *member,
           GVariant        *params,
           gpointer         user_data)
{
  Fixture *f = user_data;
  Signal *s = g_new0 (Signal, 1);

  s->member = g_strdup (member);
  s->params = g_variant_ref (params);
  g_queue_push_tail (&f->signals, s);
}

static void
on_props_changed (GDBusConnection *connection,
                  const char      *sender,
                  const char      *path,
                  const char      *interface,
                  const char      *member,
                  GVariant        *params,
                  gpointer         user_data)
{
  Fixture *f = user_data;
  const char *iface;
  g_autoptr(GVariant) changed = NULL;
  PropsChange *p;

  g_variant_get (params, "(&s@a{sv}@as)", &iface, &changed, NULL);
  if (!g_str_equal (iface, AVD_DBUS_IFACE))
    return;
  p = g_new0 (PropsChange, 1);
  p->changed = g_steal_pointer (&changed);
  p->time_us = g_get_monotonic_time ();
  g_queue_push_tail (&f->props, p);
}

/* Runs in GDBus's worker thread as each message is read: arrival times of
 * PropertiesChanged that do not depend on how busy the test's main loop
 * is. */
static GDBusMessage *
arrival_filter (GDBusConnection *connection,
                GDBusMessage    *message,
                gboolean         incoming,
                gpointer         user_data)
{
  Fixture *f = user_data;

  if (incoming && g_dbus_message_get_message_type (message) == G_DBUS_MESSAGE_TYPE_SIGNAL &&
      g_strcmp0 (g_dbus_message_get_member (message), "PropertiesChanged") == 0 &&
      g_strcmp0 (g_dbus_message_get_path (message), AVD_DBUS_PATH) == 0)
    {
      gint64 now = g_get_monotonic_time ();

      g_mutex_lock (&f->lock);
      g_array_append_val (f->props_arrivals, now);
      g_mutex_unlock (&f->lock);
    }
  return message;
}

static void
fixture_start_daemon (Fixture    *f,
                      const char *extra_config)
{
  f->daemon = dbus_test_daemon_start (extra_config);
}

/* Everything but the daemon (a test that configures it starts it). */
static void
setup_bus_only (Fixture       *f,
                gconstpointer  data)
{
  g_queue_init (&f->signals);
  g_queue_init (&f->props);
  g_mutex_init (&f->lock);
  f->props_arrivals = g_array_new (FALSE, FALSE, sizeof (gint64));
  f->conn = dbus_test_bus_connect (test_bus);
  f->filter_id = g_dbus_connection_add_filter (f->conn, arrival_filter, f, NULL);
  f->signals_id = g_dbus_connection_signal_subscribe (f->conn, NULL, AVD_DBUS_IFACE, NULL, AVD_DBUS_PATH, NULL,
                                                      G_DBUS_SIGNAL_FLAGS_NONE, on_signal, f, NULL);
  f->props_id = g_dbus_connection_signal_subscribe (f->conn, NULL, "org.freedesktop.DBus.Properties",
                                                    "PropertiesChanged", AVD_DBUS_PATH, NULL,
                                                    G_DBUS_SIGNAL_FLAGS_NONE, on_props_changed, f, NULL);
}

static void
setup (Fixture       *f,
       gconstpointer  data)
{
  setup_bus_only (f, data);
  fixture_start_daemon (f, (const char *) data);
}

static void
teardown (Fixture       *f,
          gconstpointer  data)
{
  g_dbus_connection_signal_unsubscribe (f->conn, f->signals_id);
  g_dbus_connection_signal_unsubscribe (f->conn, f->props_id);
  g_dbus_connection_remove_filter (f->conn, f->filter_id);
  /* A graceful stop must be clean (and, under the sanitizers, leak-free). */
  if (f->daemon != NULL && f->daemon->process != NULL)
    g_assert_cmpint (avd_test_daemon_stop (f->daemon), ==, 0);
  g_clear_pointer (&f->daemon, avd_test_daemon_free);
  /* The next test's daemon must find the name free. */
  dbus_test_wait_name (f->conn, FALSE);
  g_queue_clear_full (&f->signals, (GDestroyNotify) signal_free);
  g_queue_clear_full (&f->props, (GDestroyNotify) props_change_free);
  g_dbus_connection_close_sync (f->conn, NULL, NULL);
  g_clear_object (&f->conn);
  g_array_unref (f->props_arrivals);
  g_mutex_clear (&f->lock);
}

/* ---- calls ----------------------------------------------------------- */

static GVariant *
call_full (Fixture     *f,
           const char  *method,
           GVariant    *params,
           const char  *reply_type,
           GError     **error)
{
  return g_dbus_connection_call_sync (f->conn, AVD_DBUS_NAME, AVD_DBUS_PATH, AVD_DBUS_IFACE, method, params,
                                      reply_type != NULL ? G_VARIANT_TYPE (reply_type) : NULL,
                                      G_DBUS_CALL_FLAGS_NONE, 10000, NULL, error);
}

static GVariant *
call (Fixture    *f,
      const char *method,
      GVariant   *params,
      const char *reply_type)
{
  g_autoptr(GError) error = NULL;
  GVariant *reply = call_full (f, method, params, reply_type, &error);

  g_assert_no_error (error);
  return reply;
}

/* @method fails with org.avanue.Avanued1.Error.@name. */
static void
call_expect_error (Fixture    *f,
                   const char *method,
                   GVariant   *params,
                   const char *name)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = call_full (f, method, params, NULL, &error);
  g_autofree char *remote = NULL;
  g_autofree char *expected = g_strconcat (AVD_DBUS_ERROR_PREFIX, name, NULL);

  g_assert_null (reply);
  g_assert_nonnull (error);
  g_assert_true (g_dbus_error_is_remote_error (error));
  remote = g_dbus_error_get_remote_error (error);
  g_assert_cmpstr (remote, ==, expected);
}

static GVariant *
get_property (Fixture    *f,
              const char *name)
{
  g_autoptr(GVariant) reply = NULL;
  GVariant *value;

  reply = g_dbus_connection_call_sync (f->conn, AVD_DBUS_NAME, AVD_DBUS_PATH, "org.freedesktop.DBus.Properties",
                                       "Get", g_variant_new ("(ss)", AVD_DBUS_IFACE, name), G_VARIANT_TYPE ("(v)"),
                                       G_DBUS_CALL_FLAGS_NONE, 10000, NULL, NULL);
  g_assert_nonnull (reply);
  g_variant_get (reply, "(v)", &value);
  return value;
}

static guint32
dict_uint (GVariant   *dict,
           const char *key)
{
  guint32 value = G_MAXUINT32;

  g_assert_true (g_variant_lookup (dict, key, "u", &value));
  return value;
}

static const char *
dict_string (GVariant   *dict,
             const char *key)
{
  const char *value = NULL;

  g_assert_true (g_variant_lookup (dict, key, "&s", &value));
  return value;
}

static gboolean
dict_bool (GVariant   *dict,
           const char *key)
{
  gboolean value = FALSE;

  g_assert_true (g_variant_lookup (dict, key, "b", &value));
  return value;
}

static gint64
dict_int64 (GVariant   *dict,
            const char *key)
{
  gint64 value = -1;

  g_assert_true (g_variant_lookup (dict, key, "x", &value));
  return value;
}

static gboolean
flag_cb (gpointer user_data)
{
  *(gboolean *) user_data = TRUE;
  return G_SOURCE_REMOVE;
}

static void
pump_for (guint ms)
{
  gboolean done = FALSE;

  g_timeout_add (ms, flag_cb, &done);
  while (!done)
    g_main_context_iteration (NULL, TRUE);
}

/* The first queued or arriving signal @member; others stay queued. */
static GVariant *
expect_signal (Fixture    *f,
               const char *member)
{
  gboolean timed_out = FALSE;
  guint timeout_id = g_timeout_add (SIGNAL_TIMEOUT_MS, flag_cb, &timed_out);

  for (;;)
    {
      for (GList *l = f->signals.head; l != NULL; l = l->next)
        {
          Signal *s = l->data;

          if (g_str_equal (s->member, member))
            {
              GVariant *params = g_variant_ref (s->params);

              g_queue_delete_link (&f->signals, l);
              signal_free (s);
              if (!timed_out)
                g_source_remove (timeout_id);
              return params;
            }
        }
      if (timed_out)
        g_error ("no %s signal arrived", member);
      g_main_context_iteration (NULL, TRUE);
    }
}

static void
drop_signals (Fixture *f)
{
  g_queue_clear_full (&f->signals, (GDestroyNotify) signal_free);
  g_queue_init (&f->signals);
}

/* Waits for a PropertiesChanged that sets @name to @value. */
static void
wait_property (Fixture    *f,
               const char *name,
               GVariant   *value)
{
  g_autoptr(GVariant) expected = g_variant_ref_sink (value);
  gint64 deadline = g_get_monotonic_time () + SIGNAL_TIMEOUT_MS * 1000;

  while (g_get_monotonic_time () < deadline)
    {
      for (GList *l = f->props.head; l != NULL; l = l->next)
        {
          PropsChange *p = l->data;
          g_autoptr(GVariant) got = g_variant_lookup_value (p->changed, name, NULL);

          if (got != NULL && g_variant_equal (got, expected))
            return;
        }
      pump_for (20);
    }
  {
    g_autofree char *text = g_variant_print (expected, TRUE);

    g_error ("no PropertiesChanged set %s to %s", name, text);
  }
}

/* Reads @name until it is @value (the property lags by up to a second). */
static void
poll_property (Fixture    *f,
               const char *name,
               GVariant   *value)
{
  g_autoptr(GVariant) expected = g_variant_ref_sink (value);
  gint64 deadline = g_get_monotonic_time () + SIGNAL_TIMEOUT_MS * 1000;

  while (g_get_monotonic_time () < deadline)
    {
      g_autoptr(GVariant) got = get_property (f, name);

      if (g_variant_equal (got, expected))
        return;
      pump_for (50);
    }
  g_error ("%s never took the expected value", name);
}

static GVariant *
find_participant (GVariant   *session,
                  const char *fingerprint)
{
  g_autoptr(GVariant) participants = g_variant_lookup_value (session, "participants", G_VARIANT_TYPE ("aa{sv}"));
  GVariantIter iter;
  GVariant *p;

  g_assert_nonnull (participants);
  g_variant_iter_init (&iter, participants);
  while ((p = g_variant_iter_next_value (&iter)) != NULL)
    {
      if (g_strcmp0 (dict_string (p, "fingerprint"), fingerprint) == 0)
        return p;
      g_variant_unref (p);
    }
  return NULL;
}

static GVariant *
get_session (Fixture    *f,
             const char *session_id)
{
  g_autoptr(GVariant) reply = call (f, "GetSession", g_variant_new ("(s)", session_id), "(a{sv})");
  GVariant *session;

  g_variant_get (reply, "(@a{sv})", &session);
  return session;
}

/* ---- properties ------------------------------------------------------ */

/* Version, ConnectedDevices, ActiveSessions, TurnAllocations and
 * BytesRelayed, their PropertiesChanged (at most once a second), and
 * GetStats, against what the clients did. */
static void
test_properties (Fixture       *f,
                 gconstpointer  data)
{
  g_autoptr(GVariant) version = get_property (f, "Version");
  g_autoptr(GVariant) devices = get_property (f, "ConnectedDevices");
  g_autoptr(GVariant) sessions = get_property (f, "ActiveSessions");
  g_autoptr(GVariant) allocations = get_property (f, "TurnAllocations");
  g_autoptr(GVariant) bytes = get_property (f, "BytesRelayed");
  g_autoptr(GPtrArray) clients = g_ptr_array_new_with_free_func ((GDestroyNotify) avd_test_ws_free);
  g_autoptr(JsonObject) created = NULL;
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GVariant) stats = NULL;
  gint64 churn_start;
  guint n_changes;

  g_assert_cmpstr (g_variant_get_string (version, NULL), ==, PACKAGE_VERSION);
  g_assert_cmpuint (g_variant_get_uint32 (devices), ==, 0);
  g_assert_cmpuint (g_variant_get_uint32 (sessions), ==, 0);
  g_assert_cmpuint (g_variant_get_uint32 (allocations), ==, 0);
  g_assert_cmpuint (g_variant_get_uint64 (bytes), ==, 0);

  /* Two devices and a session. */
  g_ptr_array_add (clients, dbus_test_client (f->daemon, "one"));
  g_ptr_array_add (clients, dbus_test_client (f->daemon, "two"));
  created = dbus_test_create (g_ptr_array_index (clients, 0), NULL);
  wait_property (f, "ConnectedDevices", g_variant_new_uint32 (2));
  wait_property (f, "ActiveSessions", g_variant_new_uint32 (1));

  /* An unregistered connection counts as a connection, not a device. */
  g_ptr_array_add (clients, avd_test_ws_connect (f->daemon, NULL));
  reply = call (f, "GetStats", NULL, "(a{sv})");
  g_variant_get (reply, "(@a{sv})", &stats);
  g_assert_cmpstr (dict_string (stats, "version"), ==, PACKAGE_VERSION);
  g_assert_cmpuint (dict_uint (stats, "connections"), ==, 3);
  g_assert_cmpuint (dict_uint (stats, "connectedDevices"), ==, 2);
  g_assert_cmpuint (dict_uint (stats, "activeSessions"), ==, 1);
  g_assert_cmpuint (dict_uint (stats, "participants"), ==, 1);
  g_assert_cmpuint (dict_uint (stats, "onlineParticipants"), ==, 1);
  g_assert_cmpuint (dict_uint (stats, "turnAllocations"), ==, 0);
  g_assert_cmpuint (dict_uint (stats, "httpPort"), ==, f->daemon->http_port);
  g_assert_cmpuint (dict_uint (stats, "turnPort"), ==, f->daemon->turn_port);
  g_assert_cmpint (dict_int64 (stats, "uptimeSeconds"), >=, 0);
  g_assert_cmpint (dict_int64 (stats, "uptimeSeconds"), <, 60);
  {
    guint64 relayed = G_MAXUINT64;

    g_assert_true (g_variant_lookup (stats, "bytesRelayed", "t", &relayed));
    g_assert_cmpuint (relayed, ==, 0);
  }

  /* A device arrives every 100 ms for 2.5 s: ConnectedDevices changes all
   * the time, PropertiesChanged goes out at most once a second. */
  g_queue_clear_full (&f->props, (GDestroyNotify) props_change_free);
  g_queue_init (&f->props);
  g_mutex_lock (&f->lock);
  g_array_set_size (f->props_arrivals, 0);
  g_mutex_unlock (&f->lock);
  churn_start = g_get_monotonic_time ();
  while (g_get_monotonic_time () - churn_start < 2500 * 1000)
    {
      g_autofree char *name = g_strdup_printf ("churn %u", clients->len);

      g_ptr_array_add (clients, dbus_test_client (f->daemon, name));
      pump_for (100);
    }
  pump_for (1200);
  g_mutex_lock (&f->lock);
  n_changes = f->props_arrivals->len;
  for (guint i = 1; i < n_changes; i++)
    {
      gint64 gap = g_array_index (f->props_arrivals, gint64, i) - g_array_index (f->props_arrivals, gint64, i - 1);

      /* once a second, less what the bus and scheduling may shave off */
      g_assert_cmpint (gap, >=, 950 * 1000);
    }
  g_mutex_unlock (&f->lock);
  g_assert_cmpuint (n_changes, >=, 2);
  g_assert_cmpuint (n_changes, <=, 5);
  /* and the last one is right */
  wait_property (f, "ConnectedDevices", g_variant_new_uint32 (clients->len - 1));
}

/* ---- sessions and their signals --------------------------------------- */

/* ListSessions / GetSession describe what the clients did, and
 * SessionCreated, ParticipantJoined, HubElected, ParticipantLeft and
 * SessionEnded follow it. */
static void
test_sessions (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(AvdTestWs) host = dbus_test_client (f->daemon, "host");
  g_autoptr(AvdTestWs) guest = dbus_test_client (f->daemon, "guest");
  g_autoptr(JsonObject) created = dbus_test_create (host, NULL);
  const char *session_id = avd_test_json_string (created, "sessionId");
  const char *code = avd_test_json_string (created, "inviteCode");
  const char *host_fp = avd_test_ws_get_fingerprint (host);
  const char *guest_fp = avd_test_ws_get_fingerprint (guest);
  g_autoptr(JsonObject) joined = NULL;
  g_autoptr(GVariant) s = NULL;
  g_autoptr(GVariant) list = NULL;
  g_autoptr(GVariant) sessions = NULL;
  g_autoptr(GVariant) p_host = NULL;
  g_autoptr(GVariant) p_guest = NULL;

  {
    g_autoptr(GVariant) sig = expect_signal (f, "SessionCreated");
    const char *id, *tier, *host_arg;

    g_variant_get (sig, "(&s&s&s)", &id, &tier, &host_arg);
    g_assert_cmpstr (id, ==, session_id);
    g_assert_cmpstr (tier, ==, "free");
    g_assert_cmpstr (host_arg, ==, host_fp);
  }
  {
    g_autoptr(GVariant) sig = expect_signal (f, "ParticipantJoined");

    g_assert_true (g_variant_equal (sig, g_variant_new ("(ss)", session_id, host_fp)));
  }
  {
    g_autoptr(GVariant) sig = expect_signal (f, "HubElected");

    g_assert_true (g_variant_equal (sig, g_variant_new ("(sss)", session_id, host_fp, "INITIAL")));
  }

  joined = dbus_test_join (guest, code);
  {
    g_autoptr(GVariant) sig = expect_signal (f, "ParticipantJoined");

    g_assert_true (g_variant_equal (sig, g_variant_new ("(ss)", session_id, guest_fp)));
  }

  s = get_session (f, session_id);
  g_assert_cmpstr (dict_string (s, "id"), ==, session_id);
  /* root is privileged: the invite code is there */
  g_assert_cmpstr (dict_string (s, "inviteCode"), ==, code);
  g_assert_cmpstr (dict_string (s, "sessionType"), ==, "CALL");
  g_assert_cmpstr (dict_string (s, "tier"), ==, "free");
  g_assert_cmpstr (dict_string (s, "licenseId"), ==, "");
  g_assert_cmpstr (dict_string (s, "host"), ==, host_fp);
  g_assert_cmpstr (dict_string (s, "hub"), ==, host_fp);
  g_assert_cmpuint (dict_uint (s, "maxPeers"), ==, 2);
  g_assert_false (dict_bool (s, "turnAllowed"));
  g_assert_cmpuint (dict_uint (s, "participantCount"), ==, 2);
  g_assert_cmpuint (dict_uint (s, "onlineCount"), ==, 2);
  g_assert_cmpint (ABS (dict_int64 (s, "createdAt") - g_get_real_time () / G_USEC_PER_SEC), <, 30);
  /* the free tier's 40 minutes */
  g_assert_cmpint (dict_int64 (s, "expiresAt") - dict_int64 (s, "createdAt"), ==, 2400);

  p_host = find_participant (s, host_fp);
  p_guest = find_participant (s, guest_fp);
  g_assert_nonnull (p_host);
  g_assert_nonnull (p_guest);
  g_assert_cmpstr (dict_string (p_host, "role"), ==, "HOST");
  g_assert_cmpstr (dict_string (p_host, "topologyRole"), ==, "HUB");
  g_assert_cmpstr (dict_string (p_host, "deviceName"), ==, "host");
  g_assert_cmpstr (dict_string (p_host, "platform"), ==, "DESKTOP");
  g_assert_true (dict_bool (p_host, "online"));
  g_assert_false (dict_bool (p_host, "isLicensed"));
  g_assert_cmpstr (dict_string (p_guest, "role"), ==, "GUEST");
  g_assert_cmpstr (dict_string (p_guest, "topologyRole"), ==, "SPOKE");
  {
    double score = 0;

    /* 4×10 + 4000/100 + 200 (charging) and 2×10 + 2000/100 + 200 */
    g_assert_true (g_variant_lookup (p_host, "score", "d", &score));
    g_assert_cmpfloat (score, ==, 280);
    g_assert_true (g_variant_lookup (p_guest, "score", "d", &score));
    g_assert_cmpfloat (score, ==, 240);
  }

  list = call (f, "ListSessions", NULL, "(aa{sv})");
  g_variant_get (list, "(@aa{sv})", &sessions);
  g_assert_cmpuint (g_variant_n_children (sessions), ==, 1);
  {
    g_autoptr(GVariant) first = g_variant_get_child_value (sessions, 0);

    g_assert_true (g_variant_equal (first, s));
  }

  /* the guest leaves, the host ends it */
  {
    g_autoptr(JsonObject) leave = avd_test_json_printf ("{\"type\":\"LEAVE_SESSION\",\"sessionId\":\"%s\"}", session_id);
    g_autoptr(JsonObject) left = avd_test_ws_request (guest, leave, "SESSION_LEFT");
    g_autoptr(GVariant) sig = expect_signal (f, "ParticipantLeft");

    g_assert_cmpstr (avd_test_json_string (left, "sessionId"), ==, session_id);

    g_assert_true (g_variant_equal (sig, g_variant_new ("(sss)", session_id, guest_fp, "LEFT")));
  }
  {
    g_autoptr(JsonObject) end = avd_test_json_printf ("{\"type\":\"END_SESSION\",\"sessionId\":\"%s\"}", session_id);
    g_autoptr(JsonObject) ended = NULL;
    g_autoptr(GVariant) sig = NULL;

    avd_test_ws_send (host, end);
    ended = avd_test_ws_find (host, "SESSION_ENDED");
    sig = expect_signal (f, "SessionEnded");
    g_assert_true (g_variant_equal (sig, g_variant_new ("(ss)", session_id, "COMPLETED")));
  }
  call_expect_error (f, "GetSession", g_variant_new ("(s)", session_id), "SessionNotFound");
  call_expect_error (f, "GetSession", g_variant_new ("(s)", "not-a-session"), "SessionNotFound");
  {
    g_autoptr(GVariant) empty = call (f, "ListSessions", NULL, "(aa{sv})");
    g_autoptr(GVariant) none = NULL;

    g_variant_get (empty, "(@aa{sv})", &none);
    g_assert_cmpuint (g_variant_n_children (none), ==, 0);
  }
}

/* EndSession: every member hears SESSION_ENDED with reason ADMIN. */
static void
test_end_session (Fixture       *f,
                  gconstpointer  data)
{
  g_autoptr(AvdTestWs) host = dbus_test_client (f->daemon, "host");
  g_autoptr(AvdTestWs) guest = dbus_test_client (f->daemon, "guest");
  g_autoptr(JsonObject) created = dbus_test_create (host, NULL);
  const char *session_id = avd_test_json_string (created, "sessionId");
  g_autoptr(JsonObject) joined = dbus_test_join (guest, avd_test_json_string (created, "inviteCode"));
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GVariant) sig = NULL;
  g_autoptr(JsonObject) host_ended = NULL;
  g_autoptr(JsonObject) guest_ended = NULL;

  g_assert_cmpstr (avd_test_json_string (joined, "sessionId"), ==, avd_test_json_string (created, "sessionId"));
  call_expect_error (f, "EndSession", g_variant_new ("(s)", "no-such-session"), "SessionNotFound");

  reply = call (f, "EndSession", g_variant_new ("(s)", session_id), "()");
  host_ended = avd_test_ws_find (host, "SESSION_ENDED");
  guest_ended = avd_test_ws_find (guest, "SESSION_ENDED");
  g_assert_cmpstr (avd_test_json_string (host_ended, "sessionId"), ==, session_id);
  g_assert_cmpstr (avd_test_json_string (host_ended, "reason"), ==, "ADMIN");
  g_assert_cmpstr (avd_test_json_string (guest_ended, "reason"), ==, "ADMIN");
  sig = expect_signal (f, "SessionEnded");
  g_assert_true (g_variant_equal (sig, g_variant_new ("(ss)", session_id, "ADMIN")));

  /* gone: a rejoin hears SESSION_ENDED, D-Bus says SessionNotFound */
  {
    g_autofree char *caps = avd_test_caps_text (2, 2000, TRUE, 100);
    g_autoptr(JsonObject) rejoin = avd_test_json_printf ("{\"type\":\"REJOIN_SESSION\",\"id\":\"rj\",\"sessionId\":\"%s\","
                                                         "\"capabilities\":%s}", session_id, caps);
    g_autoptr(JsonObject) error = NULL;

    avd_test_ws_drain (guest);
    avd_test_ws_send (guest, rejoin);
    error = avd_test_ws_expect_error (guest, "SESSION_ENDED", "rj");
  }
  call_expect_error (f, "EndSession", g_variant_new ("(s)", session_id), "SessionNotFound");
  call_expect_error (f, "GetSession", g_variant_new ("(s)", session_id), "SessionNotFound");
  poll_property (f, "ActiveSessions", g_variant_new_uint32 (0));
}

/* KickParticipant: PARTICIPANT_LEFT KICKED to everyone, the kicked device
 * included, and its membership is gone. */
static void
test_kick (Fixture       *f,
           gconstpointer  data)
{
  g_autoptr(AvdTestWs) host = dbus_test_client (f->daemon, "host");
  g_autoptr(AvdTestWs) guest = dbus_test_client (f->daemon, "guest");
  g_autoptr(AvdTestWs) outsider = dbus_test_client (f->daemon, "outsider");
  g_autoptr(JsonObject) created = dbus_test_create (host, NULL);
  const char *session_id = avd_test_json_string (created, "sessionId");
  g_autoptr(JsonObject) joined = dbus_test_join (guest, avd_test_json_string (created, "inviteCode"));
  const char *host_fp = avd_test_ws_get_fingerprint (host);
  const char *guest_fp = avd_test_ws_get_fingerprint (guest);
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GVariant) sig = NULL;
  g_autoptr(GVariant) s = NULL;
  g_autoptr(GVariant) still = NULL;

  g_assert_cmpstr (avd_test_json_string (joined, "sessionId"), ==, avd_test_json_string (created, "sessionId"));
  avd_test_ws_drain (host);
  /* the errors first */
  call_expect_error (f, "KickParticipant", g_variant_new ("(ss)", "no-such-session", guest_fp), "SessionNotFound");
  call_expect_error (f, "KickParticipant", g_variant_new ("(ss)", session_id, "not-a-fingerprint"), "InvalidArgument");
  call_expect_error (f, "KickParticipant",
                     g_variant_new ("(ss)", session_id, avd_test_ws_get_fingerprint (outsider)), "DeviceNotFound");

  drop_signals (f);
  reply = call (f, "KickParticipant", g_variant_new ("(ss)", session_id, guest_fp), "()");
  {
    g_autoptr(JsonObject) to_guest = avd_test_ws_expect (guest, "PARTICIPANT_LEFT");
    g_autoptr(JsonObject) to_host = avd_test_ws_expect (host, "PARTICIPANT_LEFT");

    g_assert_cmpstr (avd_test_json_string (to_guest, "sessionId"), ==, session_id);
    g_assert_cmpstr (avd_test_json_string (to_guest, "fingerprint"), ==, guest_fp);
    g_assert_cmpstr (avd_test_json_string (to_guest, "reason"), ==, "KICKED");
    g_assert_cmpstr (avd_test_json_string (to_host, "fingerprint"), ==, guest_fp);
    g_assert_cmpstr (avd_test_json_string (to_host, "reason"), ==, "KICKED");
  }
  sig = expect_signal (f, "ParticipantLeft");
  g_assert_true (g_variant_equal (sig, g_variant_new ("(sss)", session_id, guest_fp, "KICKED")));

  /* no longer a member: its relays are refused, the others hear nothing */
  dbus_test_expect_not_in_session (guest, session_id, host_fp);
  avd_test_ws_sync (host);
  s = get_session (f, session_id);
  still = find_participant (s, guest_fp);
  g_assert_null (still);
  g_assert_cmpuint (dict_uint (s, "participantCount"), ==, 1);
  call_expect_error (f, "KickParticipant", g_variant_new ("(ss)", session_id, guest_fp), "DeviceNotFound");

  /* kicking the host ends the session, as the host leaving does */
  {
    g_autoptr(GVariant) r2 = call (f, "KickParticipant", g_variant_new ("(ss)", session_id, host_fp), "()");
    g_autoptr(JsonObject) left = avd_test_ws_expect (host, "PARTICIPANT_LEFT");
    g_autoptr(GVariant) ended = expect_signal (f, "SessionEnded");

    g_assert_true (g_variant_is_of_type (r2, G_VARIANT_TYPE_UNIT));
    g_assert_cmpstr (avd_test_json_string (left, "reason"), ==, "KICKED");
    g_assert_true (g_variant_equal (ended, g_variant_new ("(ss)", session_id, "HOST_LEFT")));
    call_expect_error (f, "GetSession", g_variant_new ("(s)", session_id), "SessionNotFound");
  }
}

/* ---- devices --------------------------------------------------------- */

static GVariant *
find_device (Fixture    *f,
             const char *fingerprint)
{
  g_autoptr(GVariant) reply = call (f, "ListDevices", NULL, "(aa{sv})");
  g_autoptr(GVariant) devices = NULL;
  GVariantIter iter;
  GVariant *d;

  g_variant_get (reply, "(@aa{sv})", &devices);
  g_variant_iter_init (&iter, devices);
  while ((d = g_variant_iter_next_value (&iter)) != NULL)
    {
      if (g_strcmp0 (dict_string (d, "fingerprint"), fingerprint) == 0)
        return d;
      g_variant_unref (d);
    }
  return NULL;
}

/* ListDevices until @fingerprint's "connected" is @connected. */
static GVariant *
wait_device_connected (Fixture    *f,
                       const char *fingerprint,
                       gboolean    connected)
{
  gint64 deadline = g_get_monotonic_time () + SIGNAL_TIMEOUT_MS * 1000;

  while (g_get_monotonic_time () < deadline)
    {
      GVariant *d = find_device (f, fingerprint);

      g_assert_nonnull (d);
      if (dict_bool (d, "connected") == connected)
        return d;
      g_variant_unref (d);
      pump_for (20);
    }
  g_error ("device never became %s", connected ? "connected" : "disconnected");
  return NULL;
}

/* BlockDevice disconnects the device (DEVICE_BLOCKED, 1008) and refuses it
 * until UnblockDevice; ListDevices and DeviceBlocked say so. */
static void
test_block (Fixture       *f,
            gconstpointer  data)
{
  g_autoptr(AvdTestWs) host = dbus_test_client (f->daemon, "host");
  g_autoptr(AvdTestWs) guest = dbus_test_client (f->daemon, "blocked guest");
  g_autoptr(JsonObject) created = dbus_test_create (host, NULL);
  const char *session_id = avd_test_json_string (created, "sessionId");
  g_autoptr(JsonObject) joined = dbus_test_join (guest, avd_test_json_string (created, "inviteCode"));
  g_autofree char *guest_fp = g_strdup (avd_test_ws_get_fingerprint (guest));
  g_autoptr(GVariant) device = NULL;
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GVariant) sig = NULL;

  g_assert_cmpstr (avd_test_json_string (joined, "sessionId"), ==, avd_test_json_string (created, "sessionId"));
  device = wait_device_connected (f, guest_fp, TRUE);
  g_assert_cmpstr (dict_string (device, "deviceName"), ==, "blocked guest");
  g_assert_cmpstr (dict_string (device, "platform"), ==, "DESKTOP");
  g_assert_cmpstr (dict_string (device, "deviceType"), ==, "DESKTOP");
  g_assert_true (strlen (dict_string (device, "deviceId")) > 0);
  g_assert_false (dict_bool (device, "blocked"));
  g_assert_cmpint (dict_int64 (device, "lastSeen"), >, 0);
  g_clear_pointer (&device, g_variant_unref);

  call_expect_error (f, "BlockDevice", g_variant_new ("(s)", "XYZ"), "InvalidArgument");
  call_expect_error (f, "BlockDevice", g_variant_new ("(s)", "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"),
                     "DeviceNotFound");
  call_expect_error (f, "UnblockDevice", g_variant_new ("(s)", "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"),
                     "DeviceNotFound");

  avd_test_ws_drain (host);
  reply = call (f, "BlockDevice", g_variant_new ("(s)", guest_fp), "()");
  {
    g_autoptr(JsonObject) error = avd_test_ws_expect_error (guest, "DEVICE_BLOCKED", NULL);

    g_assert_null (avd_test_json_string (error, "re"));
    g_assert_cmpuint (avd_test_ws_wait_closed (guest), ==, SOUP_WEBSOCKET_CLOSE_POLICY_VIOLATION);
  }
  sig = expect_signal (f, "DeviceBlocked");
  g_assert_true (g_variant_equal (sig, g_variant_new ("(sb)", guest_fp, TRUE)));
  {
    g_autoptr(JsonObject) offline = avd_test_ws_expect (host, "PARTICIPANT_OFFLINE");

    g_assert_cmpstr (avd_test_json_string (offline, "fingerprint"), ==, guest_fp);
  }
  device = wait_device_connected (f, guest_fp, FALSE);
  g_assert_true (dict_bool (device, "blocked"));
  g_clear_pointer (&device, g_variant_unref);

  /* refused on reconnect, as often as it tries */
  for (int attempt = 0; attempt < 2; attempt++)
    {
      g_autoptr(AvdTestWs) again = avd_test_ws_connect (f->daemon, NULL);
      g_autoptr(JsonObject) refused = dbus_test_register_refused (again, avd_test_ws_get_identity (guest),
                                                                  "blocked guest");

      g_assert_cmpstr (avd_test_json_string (refused, "code"), ==, "DEVICE_BLOCKED");
    }

  /* until unblocked */
  g_clear_pointer (&sig, g_variant_unref);
  g_clear_pointer (&reply, g_variant_unref);
  reply = call (f, "UnblockDevice", g_variant_new ("(s)", guest_fp), "()");
  sig = expect_signal (f, "DeviceBlocked");
  g_assert_true (g_variant_equal (sig, g_variant_new ("(sb)", guest_fp, FALSE)));
  {
    g_autoptr(AvdTestWs) back = dbus_test_reconnect (f->daemon, guest, "blocked guest");
    g_autofree char *caps = avd_test_caps_text (2, 2000, TRUE, 100);
    g_autoptr(JsonObject) rejoin = avd_test_json_printf ("{\"type\":\"REJOIN_SESSION\",\"sessionId\":\"%s\","
                                                         "\"capabilities\":%s}", session_id, caps);
    g_autoptr(JsonObject) rejoined = avd_test_ws_request (back, rejoin, "SESSION_REJOINED");

    g_assert_cmpstr (avd_test_json_string (rejoined, "sessionId"), ==, session_id);
    device = wait_device_connected (f, guest_fp, TRUE);
    g_assert_false (dict_bool (device, "blocked"));
  }
}

/* ---- licences -------------------------------------------------------- */

static GVariant *
find_license (Fixture    *f,
              const char *id)
{
  g_autoptr(GVariant) reply = call (f, "ListLicenses", NULL, "(aa{sv})");
  g_autoptr(GVariant) licenses = NULL;
  GVariantIter iter;
  GVariant *l;

  g_variant_get (reply, "(@aa{sv})", &licenses);
  g_variant_iter_init (&iter, licenses);
  while ((l = g_variant_iter_next_value (&iter)) != NULL)
    {
      if (g_strcmp0 (dict_string (l, "id"), id) == 0)
        return l;
      g_variant_unref (l);
    }
  return NULL;
}

/* IssueLicense, ListLicenses, RevokeLicense: a revoked licence's live
 * session ends at once with LICENSE_EXPIRED (the cache period is 300 s). */
static void
test_licenses (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(GVariant) issued = NULL;
  g_autoptr(GVariant) license = NULL;
  g_autoptr(GVariant) listed = NULL;
  const char *key;
  g_autofree char *license_id = NULL;
  gint64 expires = g_get_real_time () / G_USEC_PER_SEC + 86400;

  call_expect_error (f, "IssueLicense", g_variant_new ("(ssx)", "gold", "alice", (gint64) 0), "InvalidArgument");
  call_expect_error (f, "IssueLicense", g_variant_new ("(ssx)", "pro", "", (gint64) 0), "InvalidArgument");
  call_expect_error (f, "IssueLicense", g_variant_new ("(ssx)", "pro", "alice", (gint64) 1000), "InvalidArgument");

  issued = call (f, "IssueLicense", g_variant_new ("(ssx)", "pro", "alice@example.com", expires), "(sa{sv})");
  g_variant_get (issued, "(&s@a{sv})", &key, &license);
  g_assert_true (g_str_has_prefix (key, "avl_"));
  g_assert_cmpuint (strlen (key), ==, 44);
  license_id = g_strdup (dict_string (license, "id"));
  g_assert_cmpstr (dict_string (license, "user"), ==, "alice@example.com");
  g_assert_cmpstr (dict_string (license, "tier"), ==, "pro");
  g_assert_cmpint (dict_int64 (license, "expiresAt"), ==, expires);
  g_assert_false (dict_bool (license, "revoked"));
  g_assert_true (dict_bool (license, "valid"));

  listed = find_license (f, license_id);
  g_assert_nonnull (listed);
  g_assert_true (g_variant_equal (listed, license));

  /* a pro session on it */
  {
    g_autoptr(AvdTestWs) host = dbus_test_client (f->daemon, "licensed host");
    g_autoptr(AvdTestWs) guest = dbus_test_client (f->daemon, "guest");
    g_autoptr(JsonObject) created = dbus_test_create (host, key);
    const char *session_id = avd_test_json_string (created, "sessionId");
    g_autoptr(JsonObject) joined = dbus_test_join (guest, avd_test_json_string (created, "inviteCode"));
    g_autoptr(GVariant) s = get_session (f, session_id);
    g_autoptr(GVariant) revoked = NULL;
    g_autoptr(GVariant) sig = NULL;
    guint32 ended = 0;

    g_assert_cmpstr (avd_test_json_string (joined, "sessionId"), ==, avd_test_json_string (created, "sessionId"));
    g_assert_cmpstr (dict_string (s, "tier"), ==, "pro");
    g_assert_cmpstr (dict_string (s, "licenseId"), ==, license_id);

    call_expect_error (f, "RevokeLicense", g_variant_new ("(s)", "no-such-licence"), "LicenseNotFound");
    call_expect_error (f, "RevokeLicense", g_variant_new ("(s)", "avl_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"),
                       "LicenseNotFound");

    drop_signals (f);
    revoked = call (f, "RevokeLicense", g_variant_new ("(s)", key), "(u)");
    g_variant_get (revoked, "(u)", &ended);
    g_assert_cmpuint (ended, ==, 1);
    {
      g_autoptr(JsonObject) host_ended = avd_test_ws_find (host, "SESSION_ENDED");
      g_autoptr(JsonObject) guest_ended = avd_test_ws_find (guest, "SESSION_ENDED");

      g_assert_cmpstr (avd_test_json_string (host_ended, "sessionId"), ==, session_id);
      g_assert_cmpstr (avd_test_json_string (host_ended, "reason"), ==, "LICENSE_EXPIRED");
      g_assert_cmpstr (avd_test_json_string (guest_ended, "reason"), ==, "LICENSE_EXPIRED");
    }
    sig = expect_signal (f, "SessionEnded");
    g_assert_true (g_variant_equal (sig, g_variant_new ("(ss)", session_id, "LICENSE_EXPIRED")));

    /* and the key no longer opens sessions */
    {
      g_autofree char *caps = avd_test_caps_text (1, 0, TRUE, 100);
      g_autoptr(JsonObject) request = avd_test_json_printf ("{\"type\":\"CREATE_SESSION\",\"id\":\"c2\","
                                                            "\"sessionType\":\"CALL\",\"licenseToken\":\"%s\","
                                                            "\"capabilities\":%s}", key, caps);
      g_autoptr(JsonObject) error = NULL;

      avd_test_ws_drain (host);
      avd_test_ws_send (host, request);
      error = avd_test_ws_expect_error (host, "LICENSE_EXPIRED", "c2");
    }
  }
  g_clear_pointer (&listed, g_variant_unref);
  listed = find_license (f, license_id);
  g_assert_true (dict_bool (listed, "revoked"));
  g_assert_false (dict_bool (listed, "valid"));
  g_assert_cmpint (dict_int64 (listed, "revokedAt"), >, 0);

  /* by id, with no live session */
  {
    g_autoptr(GVariant) second = call (f, "IssueLicense", g_variant_new ("(ssx)", "business", "bob", (gint64) 0),
                                       "(sa{sv})");
    g_autoptr(GVariant) second_license = NULL;
    g_autoptr(GVariant) revoked = NULL;
    g_autoptr(GVariant) after = NULL;
    guint32 ended = 99;

    g_variant_get (second, "(&s@a{sv})", NULL, &second_license);
    g_assert_cmpint (dict_int64 (second_license, "expiresAt"), ==, 0);
    revoked = call (f, "RevokeLicense", g_variant_new ("(s)", dict_string (second_license, "id")), "(u)");
    g_variant_get (revoked, "(u)", &ended);
    g_assert_cmpuint (ended, ==, 0);
    after = find_license (f, dict_string (second_license, "id"));
    g_assert_true (dict_bool (after, "revoked"));
  }
}

/* ---- TURN credentials ------------------------------------------------ */

static void
test_turn_credentials (Fixture       *f,
                       gconstpointer  data)
{
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GVariant) creds = NULL;
  g_autofree const char **urls = NULL;
  const char *username;
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;
  g_autofree char *expected_user = NULL;
  guint32 closed = 99;

  reply = call (f, "IssueTurnCredentials", g_variant_new ("(su)", "carol", 120), "(a{sv})");
  g_variant_get (reply, "(@a{sv})", &creds);
  username = dict_string (creds, "username");
  /* <expiry>:<user>, expiry = now + ttl */
  g_assert_true (g_str_has_suffix (username, ":carol"));
  g_assert_cmpint (ABS (g_ascii_strtoll (username, NULL, 10) - (now + 120)), <=, 5);
  g_assert_cmpint (dict_int64 (creds, "expiresAt"), ==, g_ascii_strtoll (username, NULL, 10));
  g_assert_cmpuint (dict_uint (creds, "ttlSeconds"), ==, 120);
  /* the password is the REST-API HMAC with the configured secret */
  g_assert_true (dbus_test_turn_password_ok (username, dict_string (creds, "password")));
  g_assert_true (g_variant_lookup (creds, "urls", "^a&s", &urls));
  g_assert_cmpuint (g_strv_length ((char **) urls), ==, 1);
  g_assert_cmpstr (urls[0], ==, "turn:127.0.0.1:3478?transport=udp");

  /* defaults: user "admin", the configured lifetime */
  g_clear_pointer (&reply, g_variant_unref);
  g_clear_pointer (&creds, g_variant_unref);
  reply = call (f, "IssueTurnCredentials", g_variant_new ("(su)", "", 0), "(a{sv})");
  g_variant_get (reply, "(@a{sv})", &creds);
  g_assert_true (g_str_has_suffix (dict_string (creds, "username"), ":admin"));
  g_assert_cmpuint (dict_uint (creds, "ttlSeconds"), ==, 600);
  g_assert_true (dbus_test_turn_password_ok (dict_string (creds, "username"), dict_string (creds, "password")));

  call_expect_error (f, "IssueTurnCredentials", g_variant_new ("(su)", "bad:user", 60), "InvalidArgument");
  call_expect_error (f, "IssueTurnCredentials", g_variant_new ("(su)", "carol", 8 * 24 * 3600), "InvalidArgument");

  /* revocation: nothing is allocated on a relay here, so nothing closes */
  expected_user = g_strdup (dict_string (creds, "username"));
  g_clear_pointer (&reply, g_variant_unref);
  reply = call (f, "RevokeTurnCredentials", g_variant_new ("(s)", expected_user), "(u)");
  g_variant_get (reply, "(u)", &closed);
  g_assert_cmpuint (closed, ==, 0);
  call_expect_error (f, "RevokeTurnCredentials", g_variant_new ("(s)", "no-expiry"), "InvalidArgument");
  call_expect_error (f, "RevokeTurnCredentials", g_variant_new ("(s)", "12x:abc"), "InvalidArgument");
}

/* ---- reload ---------------------------------------------------------- */

static void
write_config (AvdTestDaemon *daemon,
              const char    *extra)
{
  g_autofree char *text = g_strconcat (DBUS_TEST_CONFIG, extra, NULL);
  g_autoptr(GError) error = NULL;

  g_file_set_contents (daemon->config_path, text, -1, &error);
  g_assert_no_error (error);
}

static char *
first_turn_url (Fixture *f,
                guint    index)
{
  g_autoptr(GVariant) reply = call (f, "IssueTurnCredentials", g_variant_new ("(su)", "x", 60), "(a{sv})");
  g_autoptr(GVariant) creds = NULL;
  g_autofree const char **urls = NULL;

  g_variant_get (reply, "(@a{sv})", &creds);
  g_assert_true (g_variant_lookup (creds, "urls", "^a&s", &urls));
  if (g_strv_length ((char **) urls) <= index)
    return NULL;
  return g_strdup (urls[index]);
}

/* Reload applies the new file without dropping a connection; keys that
 * need a restart are named; a broken file changes nothing (Failed).
 * SIGHUP does the same. */
static void
test_reload (Fixture       *f,
             gconstpointer  data)
{
  g_autoptr(AvdTestWs) host = dbus_test_client (f->daemon, "host");
  g_autoptr(AvdTestWs) guest = dbus_test_client (f->daemon, "guest");
  g_autoptr(JsonObject) created = dbus_test_create (host, NULL);
  g_autoptr(JsonObject) joined = dbus_test_join (guest, avd_test_json_string (created, "inviteCode"));
  g_autoptr(GVariant) reply = NULL;
  g_autofree const char **restart = NULL;
  g_autofree char *url = NULL;

  g_assert_cmpstr (avd_test_json_string (joined, "sessionId"), ==, avd_test_json_string (created, "sessionId"));
  /* before: a foreign origin is refused, one TURN URL */
  g_assert_cmpuint (avd_test_ws_connect_refused (f->daemon, "https://allowed.example"), ==, 403);
  url = first_turn_url (f, 1);
  g_assert_null (url);

  write_config (f->daemon,
                "[server]\nallowed-origins=https://allowed.example\n"
                "[ice]\nturn-servers=turn:127.0.0.1:3478?transport=udp,turns:relay.example:5349\n"
                "[turn]\nworkers=3\n"
                "[store]\npath=/nonexistent/elsewhere.db\n");
  reply = call (f, "Reload", NULL, "(as)");
  g_variant_get (reply, "(^a&s)", &restart);
  g_assert_cmpuint (g_strv_length ((char **) restart), ==, 2);
  g_assert_true (g_strv_contains (restart, "store.path"));
  g_assert_true (g_strv_contains (restart, "turn.workers"));

  /* the connections are still there and work */
  g_assert_true (avd_test_ws_is_open (host));
  g_assert_true (avd_test_ws_is_open (guest));
  avd_test_ws_drain (host);
  avd_test_ws_sync (guest);
  {
    g_autoptr(JsonObject) app = avd_test_json_printf ("{\"type\":\"APP_MESSAGE\",\"sessionId\":\"%s\",\"payload\":{\"n\":1}}",
                                                      avd_test_json_string (created, "sessionId"));
    g_autoptr(JsonObject) got = NULL;

    avd_test_ws_send (host, app);
    got = avd_test_ws_expect (guest, "APP_MESSAGE");
  }
  /* and the new values apply */
  {
    g_autoptr(AvdTestWs) browser = avd_test_ws_connect (f->daemon, "https://allowed.example");

    g_assert_true (avd_test_ws_is_open (browser));
  }
  g_clear_pointer (&url, g_free);
  url = first_turn_url (f, 1);
  g_assert_cmpstr (url, ==, "turns:relay.example:5349");

  /* a broken file: Failed, and nothing changed */
  {
    g_autoptr(GError) error = NULL;

    g_file_set_contents (f->daemon->config_path, "[server\nthis is not a key file\n", -1, &error);
    g_assert_no_error (error);
  }
  call_expect_error (f, "Reload", NULL, "Failed");
  {
    g_autoptr(AvdTestWs) browser = avd_test_ws_connect (f->daemon, "https://allowed.example");

    g_assert_true (avd_test_ws_is_open (browser));
  }

  /* SIGHUP */
  write_config (f->daemon, "[server]\nallowed-origins=https://second.example\n");
  g_subprocess_send_signal (f->daemon->process, SIGHUP);
  {
    gint64 deadline = g_get_monotonic_time () + 5 * G_USEC_PER_SEC;
    g_autofree char *now_url = NULL;

    while (g_get_monotonic_time () < deadline)
      {
        g_clear_pointer (&now_url, g_free);
        now_url = first_turn_url (f, 1);
        if (now_url == NULL)
          break;
        pump_for (20);
      }
    g_assert_null (now_url);
  }
  g_assert_cmpuint (avd_test_ws_connect_refused (f->daemon, "https://allowed.example"), ==, 403);
  {
    g_autoptr(AvdTestWs) browser = avd_test_ws_connect (f->daemon, "https://second.example");

    g_assert_true (avd_test_ws_is_open (browser));
  }
  g_assert_true (avd_test_ws_is_open (host));
  avd_test_ws_drain (host);
}

/* ---- reload: TLS certificates ----------------------------------------- */

static gboolean
make_certificate (const char  *dir,
                  const char  *name,
                  char       **out_cert,
                  char       **out_key)
{
  g_autofree char *openssl = g_find_program_in_path ("openssl");
  g_autofree char *subject = g_strdup_printf ("/CN=%s", name);
  g_autoptr(GSubprocess) proc = NULL;
  g_autoptr(GError) error = NULL;

  if (openssl == NULL)
    return FALSE;
  *out_cert = g_strdup_printf ("%s/%s.pem", dir, name);
  *out_key = g_strdup_printf ("%s/%s.key", dir, name);
  proc = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE | G_SUBPROCESS_FLAGS_STDERR_SILENCE, &error,
                           openssl, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
                           "-nodes", "-days", "2", "-subj", subject, "-keyout", *out_key, "-out", *out_cert, NULL);
  g_assert_no_error (error);
  g_subprocess_wait_check (proc, NULL, &error);
  g_assert_no_error (error);
  return TRUE;
}

static gboolean
accept_any (GTlsConnection       *conn,
            GTlsCertificate      *peer,
            GTlsCertificateFlags  errors,
            gpointer              user_data)
{
  return TRUE;
}

/* A TLS connection to the daemon's port, handshaken. */
static GIOStream *
tls_connect (guint port)
{
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  g_autoptr(GSocketConnection) tcp = NULL;
  g_autoptr(GError) error = NULL;
  GIOStream *tls;

  g_socket_client_set_enable_proxy (client, FALSE);
  tcp = g_socket_client_connect_to_host (client, "127.0.0.1", (guint16) port, NULL, &error);
  g_assert_no_error (error);
  tls = g_tls_client_connection_new (G_IO_STREAM (tcp), NULL, &error);
  g_assert_no_error (error);
  g_signal_connect (tls, "accept-certificate", G_CALLBACK (accept_any), NULL);
  g_tls_connection_handshake (G_TLS_CONNECTION (tls), NULL, &error);
  g_assert_no_error (error);
  return tls;
}

static void
assert_peer_is (GIOStream  *tls,
                const char *cert_path)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GTlsCertificate) expected = g_tls_certificate_new_from_file (cert_path, &error);

  g_assert_no_error (error);
  g_assert_true (g_tls_certificate_is_same (g_tls_connection_get_peer_certificate (G_TLS_CONNECTION (tls)),
                                            expected));
}

/* An HTTP request over an open TLS connection still works. */
static void
assert_health_over (GIOStream *tls)
{
  const char *request = "GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
  g_autoptr(GError) error = NULL;
  char buffer[64] = { 0 };
  gsize n = 0;

  g_output_stream_write_all (g_io_stream_get_output_stream (tls), request, strlen (request), NULL, NULL, &error);
  g_assert_no_error (error);
  g_input_stream_read_all (g_io_stream_get_input_stream (tls), buffer, 12, &n, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (n, ==, 12);
  g_assert_true (g_str_has_prefix (buffer, "HTTP/1.1 200"));
}

/* Reload reads the TLS certificate and key again: new handshakes get the
 * new certificate, an open TLS connection stays and works. */
static void
test_reload_tls (Fixture       *f,
                 gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("avd-dbus-tls-XXXXXX", &error);
  g_autofree char *cert_a = NULL, *key_a = NULL, *cert_b = NULL, *key_b = NULL;
  g_autofree char *cert = NULL, *key = NULL, *config = NULL;
  g_autofree char *contents = NULL;
  g_autoptr(GIOStream) first = NULL;
  g_autoptr(GIOStream) second = NULL;
  g_autoptr(GVariant) reply = NULL;

  g_assert_no_error (error);
  if (!make_certificate (dir, "first", &cert_a, &key_a) || !make_certificate (dir, "second", &cert_b, &key_b))
    {
      g_test_skip ("openssl is not installed: cannot make test certificates");
      return;
    }
  cert = g_build_filename (dir, "server.pem", NULL);
  key = g_build_filename (dir, "server.key", NULL);
  g_file_get_contents (cert_a, &contents, NULL, &error);
  g_file_set_contents (cert, contents, -1, &error);
  g_clear_pointer (&contents, g_free);
  g_file_get_contents (key_a, &contents, NULL, &error);
  g_file_set_contents (key, contents, -1, &error);
  g_clear_pointer (&contents, g_free);
  g_assert_no_error (error);

  config = g_strdup_printf ("[server]\ntls-certificate=%s\ntls-key=%s\n", cert, key);
  fixture_start_daemon (f, config);

  first = tls_connect (f->daemon->http_port);
  assert_peer_is (first, cert_a);

  /* renewed files */
  g_file_get_contents (cert_b, &contents, NULL, &error);
  g_file_set_contents (cert, contents, -1, &error);
  g_clear_pointer (&contents, g_free);
  g_file_get_contents (key_b, &contents, NULL, &error);
  g_file_set_contents (key, contents, -1, &error);
  g_clear_pointer (&contents, g_free);
  g_assert_no_error (error);

  reply = call (f, "Reload", NULL, "(as)");
  second = tls_connect (f->daemon->http_port);
  assert_peer_is (second, cert_b);
  assert_health_over (second);
  /* the connection made before the reload is still there */
  assert_health_over (first);

  /* a certificate that cannot be loaded: Failed, the old one stays */
  g_file_set_contents (cert, "not a certificate", -1, &error);
  g_assert_no_error (error);
  call_expect_error (f, "Reload", NULL, "Failed");
  g_clear_object (&second);
  second = tls_connect (f->daemon->http_port);
  assert_peer_is (second, cert_b);

  g_io_stream_close (first, NULL, NULL);
  g_io_stream_close (second, NULL, NULL);
  for (const char * const *p = (const char * const[]) { cert, key, cert_a, key_a, cert_b, key_b, NULL }; *p; p++)
    g_unlink (*p);
  g_rmdir (dir);
}

/* ---- the name ---------------------------------------------------------- */

/* A second avanued on the same bus refuses to start (exit 1, a clear
 * message); the first one goes on.  Without any bus, avanued runs without
 * the API. */
static void
test_name_taken (Fixture       *f,
                 gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *state_dir = g_dir_make_tmp ("avd-dbus-second-XXXXXX", &error);
  g_autofree char *path = avd_test_daemon_path ();
  g_autofree char *state_arg = g_strdup_printf ("--state-dir=%s", state_dir);
  g_autoptr(GSubprocess) second = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autoptr(GVariant) stats = NULL;

  second = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE, &error,
                             path, "--session-bus", "--port=0", "--turn-port=0", state_arg, NULL);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (second, NULL, NULL, &out, &err, &error);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_if_exited (second));
  g_assert_cmpint (g_subprocess_get_exit_status (second), ==, 1);
  g_assert_nonnull (strstr (err, "org.avanue.Avanued1 is already owned on the session bus"));
  g_assert_null (strstr (out, "listening"));

  stats = call (f, "GetStats", NULL, "(a{sv})");

  /* no bus at all: a warning, and the daemon serves */
  {
    g_autofree char *saved = g_strdup (g_getenv ("DBUS_SESSION_BUS_ADDRESS"));
    g_autoptr(AvdTestDaemon) lonely = NULL;
    g_autofree char *log = NULL;
    g_autofree char *config = g_strdup (DBUS_TEST_CONFIG);
    const char * const args[] = { "--session-bus", NULL };

    g_setenv ("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/avanue-test-bus", TRUE);
    lonely = avd_test_daemon_start_full (config, args, AVD_TEST_DAEMON_FLAG_CAPTURE_LOG);
    g_setenv ("DBUS_SESSION_BUS_ADDRESS", saved, TRUE);
    {
      g_autoptr(AvdTestWs) ws = dbus_test_client (lonely, "still works");

      avd_test_ws_sync (ws);
    }
    g_assert_cmpint (avd_test_daemon_stop (lonely), ==, 0);
    log = avd_test_daemon_read_log (lonely);
    g_assert_nonnull (strstr (log, "no D-Bus administration API"));
  }
  dbus_test_rm_dir (state_dir);
}

/* ---- who may call what -------------------------------------------------- */

/* The daemon's own check, unit by unit: root, its own uid, avanue-admin
 * members. */
static void
test_authorization_uid (void)
{
  struct passwd *nobody = getpwnam ("nobody");

  g_assert_true (avd_dbus_caller_is_authorized (0, 1234, AVD_DBUS_ADMIN_GROUP));
  g_assert_true (avd_dbus_caller_is_authorized (0, 1234, NULL));
  g_assert_true (avd_dbus_caller_is_authorized (1234, 1234, NULL));
  g_assert_false (avd_dbus_caller_is_authorized (1234, 0, NULL));
  g_assert_false (avd_dbus_caller_is_authorized (1234, 0, ""));
  /* a uid nobody has, and a group nobody has */
  g_assert_false (avd_dbus_caller_is_authorized (3999999, 0, "root"));
  g_assert_false (avd_dbus_caller_is_authorized (1234, 0, "avanue-admin-no-such-group"));

  if (nobody == NULL)
    {
      g_test_skip ("no user nobody to check group membership with");
      return;
    }
  {
    uid_t uid = nobody->pw_uid;
    gid_t gid = nobody->pw_gid;
    struct group *primary = getgrgid (gid);
    g_autofree char *primary_name = primary != NULL ? g_strdup (primary->gr_name) : NULL;

    /* not root, not the daemon, not in the group */
    g_assert_false (avd_dbus_caller_is_authorized (uid, 0, "root"));
    g_assert_false (avd_dbus_caller_is_authorized (uid, 0, AVD_DBUS_ADMIN_GROUP));
    /* a member through the primary group */
    if (primary_name != NULL && gid != 0)
      g_assert_true (avd_dbus_caller_is_authorized (uid, 0, primary_name));
  }
  /* a member through a supplementary group: any group listing a member
   * whose primary group it is not */
  {
    struct group *gr;
    gboolean checked = FALSE;

    setgrent ();
    while (!checked && (gr = getgrent ()) != NULL)
      {
        for (char **m = gr->gr_mem; *m != NULL && !checked; m++)
          {
            struct passwd *pw = getpwnam (*m);

            if (pw != NULL && pw->pw_uid != 0 && pw->pw_gid != gr->gr_gid)
              {
                g_autofree char *group_name = g_strdup (gr->gr_name);
                uid_t member = pw->pw_uid;

                g_assert_true (avd_dbus_caller_is_authorized (member, 0, group_name));
                checked = TRUE;
              }
          }
      }
    endgrent ();
    if (!checked)
      g_test_message ("no supplementary group membership on this system to check");
  }
}

/* Runs `gdbus call` as nobody; returns its exit status. */
static int
gdbus_as_nobody (const char  *method,
                 const char  *arg1,
                 const char  *arg2,
                 const char  *arg3,
                 char       **out_stdout,
                 char       **out_stderr)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GSubprocess) proc = NULL;
  g_autoptr(GError) error = NULL;

  g_ptr_array_add (argv, g_strdup ("runuser"));
  g_ptr_array_add (argv, g_strdup ("-u"));
  g_ptr_array_add (argv, g_strdup ("nobody"));
  g_ptr_array_add (argv, g_strdup ("--"));
  g_ptr_array_add (argv, g_strdup ("gdbus"));
  g_ptr_array_add (argv, g_strdup ("call"));
  g_ptr_array_add (argv, g_strdup_printf ("--address=%s", test_bus->address));
  g_ptr_array_add (argv, g_strdup ("--dest=" AVD_DBUS_NAME));
  g_ptr_array_add (argv, g_strdup ("--object-path=" AVD_DBUS_PATH));
  g_ptr_array_add (argv, g_strdup_printf ("--method=%s", method));
  if (arg1 != NULL)
    g_ptr_array_add (argv, g_strdup (arg1));
  if (arg2 != NULL)
    g_ptr_array_add (argv, g_strdup (arg2));
  if (arg3 != NULL)
    g_ptr_array_add (argv, g_strdup (arg3));
  g_ptr_array_add (argv, NULL);

  proc = g_subprocess_newv ((const char * const *) argv->pdata,
                            G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE, &error);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (proc, NULL, NULL, out_stdout, out_stderr, &error);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_if_exited (proc));
  return g_subprocess_get_exit_status (proc);
}

/* On a bus without the policy file, the daemon itself refuses every
 * mutating method to an unprivileged caller (PermissionDenied), lets it
 * read, and hides invite codes from it. */
static void
test_unprivileged_caller (Fixture       *f,
                          gconstpointer  data)
{
  g_autofree char *reason = NULL;
  g_autoptr(AvdTestWs) host = NULL;
  g_autoptr(JsonObject) created = NULL;
  const char *session_id;
  const char *fp;
  const struct {
    const char *method;
    const char *args[3];
  } mutating[] = {
    { "EndSession", { NULL } },
    { "KickParticipant", { NULL, NULL } },
    { "BlockDevice", { NULL } },
    { "UnblockDevice", { NULL } },
    { "IssueLicense", { "pro", "mallory", "0" } },
    { "RevokeLicense", { "no-such-licence" } },
    { "IssueTurnCredentials", { "mallory", "60" } },
    { "RevokeTurnCredentials", { "1:mallory" } },
    { "Reload", { NULL } },
  };

  if (!dbus_test_can_run_as_nobody (&reason))
    {
      g_test_skip (reason);
      return;
    }
  host = dbus_test_client (f->daemon, "host");
  created = dbus_test_create (host, NULL);
  session_id = avd_test_json_string (created, "sessionId");
  fp = avd_test_ws_get_fingerprint (host);

  for (gsize i = 0; i < G_N_ELEMENTS (mutating); i++)
    {
      g_autofree char *out = NULL;
      g_autofree char *err = NULL;
      g_autofree char *method = g_strconcat (AVD_DBUS_IFACE ".", mutating[i].method, NULL);
      const char *a1 = mutating[i].args[0], *a2 = mutating[i].args[1], *a3 = mutating[i].args[2];
      int status;

      if (g_str_equal (mutating[i].method, "EndSession"))
        a1 = session_id;
      else if (g_str_equal (mutating[i].method, "KickParticipant"))
        a1 = session_id, a2 = fp;
      else if (g_str_equal (mutating[i].method, "BlockDevice") || g_str_equal (mutating[i].method, "UnblockDevice"))
        a1 = fp;

      status = gdbus_as_nobody (method, a1, a2, a3, &out, &err);
      g_test_message ("%s as nobody: %d %s", mutating[i].method, status, g_strstrip (err));
      g_assert_cmpint (status, !=, 0);
      g_assert_nonnull (strstr (err, AVD_DBUS_ERROR_PREFIX "PermissionDenied"));
    }
  /* nothing happened */
  avd_test_ws_sync (host);
  {
    g_autoptr(GVariant) s = get_session (f, session_id);
    g_autoptr(GVariant) device = find_device (f, fp);

    g_assert_cmpuint (dict_uint (s, "participantCount"), ==, 1);
    g_assert_false (dict_bool (device, "blocked"));
  }
  {
    g_autoptr(GVariant) licenses = call (f, "ListLicenses", NULL, "(aa{sv})");
    g_autoptr(GVariant) list = NULL;

    g_variant_get (licenses, "(@aa{sv})", &list);
    g_assert_cmpuint (g_variant_n_children (list), ==, 0);
  }

  /* reading is fine, without invite codes */
  {
    g_autofree char *out = NULL;
    g_autofree char *err = NULL;

    g_assert_cmpint (gdbus_as_nobody (AVD_DBUS_IFACE ".GetSession", session_id, NULL, NULL, &out, &err), ==, 0);
    g_assert_nonnull (strstr (out, session_id));
    g_assert_nonnull (strstr (out, "'host'"));
    g_assert_null (strstr (out, "inviteCode"));
    g_assert_null (strstr (out, avd_test_json_string (created, "inviteCode")));
    g_clear_pointer (&out, g_free);
    g_clear_pointer (&err, g_free);
    g_assert_cmpint (gdbus_as_nobody (AVD_DBUS_IFACE ".ListSessions", NULL, NULL, NULL, &out, &err), ==, 0);
    g_assert_nonnull (strstr (out, session_id));
    g_assert_null (strstr (out, "inviteCode"));
    g_clear_pointer (&out, g_free);
    g_clear_pointer (&err, g_free);
    g_assert_cmpint (gdbus_as_nobody (AVD_DBUS_IFACE ".GetStats", NULL, NULL, NULL, &out, &err), ==, 0);
    g_assert_nonnull (strstr (out, "'activeSessions': <uint32 1>"));
    g_clear_pointer (&out, g_free);
    g_clear_pointer (&err, g_free);
    g_assert_cmpint (gdbus_as_nobody (AVD_DBUS_IFACE ".ListDevices", NULL, NULL, NULL, &out, &err), ==, 0);
    g_assert_nonnull (strstr (out, fp));
    g_clear_pointer (&out, g_free);
    g_clear_pointer (&err, g_free);
    poll_property (f, "ActiveSessions", g_variant_new_uint32 (1));
    g_assert_cmpint (gdbus_as_nobody ("org.freedesktop.DBus.Properties.Get", AVD_DBUS_IFACE, "ActiveSessions", NULL,
                                      &out, &err), ==, 0);
    g_assert_nonnull (strstr (out, "<uint32 1>"));
  }
}

/* ---- the embedded relay's figures and revocation --------------------- */

static guint
wait_allocations (Fixture *f,
                  guint    expected)
{
  gint64 deadline = g_get_monotonic_time () + 5 * G_USEC_PER_SEC;
  guint n = G_MAXUINT;

  while (g_get_monotonic_time () < deadline)
    {
      g_autoptr(GVariant) value = get_property (f, "TurnAllocations");

      n = g_variant_get_uint32 (value);
      if (n == expected)
        break;
      g_usleep (50 * 1000);
    }
  return n;
}

/* TurnAllocations counts a real allocation on avanued's relay, and
 * RevokeTurnCredentials closes it and refuses the username from then on. */
static void
test_turn_relay (Fixture       *f,
                 gconstpointer  data)
{
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GVariant) creds = NULL;
  g_autoptr(GVariant) revoked = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GSocket) socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_DATAGRAM,
                                            G_SOCKET_PROTOCOL_UDP, &error);
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) any = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocketAddress) relay = NULL;
  g_autofree char *username = NULL;
  g_autofree char *password = NULL;
  guint32 closed = 0;
  guint code = 0;

  g_assert_no_error (error);
  g_assert_cmpuint (f->daemon->turn_port, >, 0);
  relay = g_inet_socket_address_new (loopback, f->daemon->turn_port);
  g_socket_bind (socket, any, TRUE, &error);
  g_assert_no_error (error);

  reply = call (f, "IssueTurnCredentials", g_variant_new ("(su)", "dave", 300), "(a{sv})");
  g_variant_get (reply, "(@a{sv})", &creds);
  username = g_strdup (dict_string (creds, "username"));
  password = g_strdup (dict_string (creds, "password"));

  g_assert_cmpuint (wait_allocations (f, 0), ==, 0);
  g_assert_cmpint (avd_test_turn_allocate (socket, relay, username, password, &code), ==,
                   AVANUE_STUN_CLASS_SUCCESS_RESPONSE);
  g_assert_cmpuint (wait_allocations (f, 1), ==, 1);

  revoked = call (f, "RevokeTurnCredentials", g_variant_new ("(s)", username), "(u)");
  g_variant_get (revoked, "(u)", &closed);
  g_assert_cmpuint (closed, ==, 1);
  g_assert_cmpuint (wait_allocations (f, 0), ==, 0);

  /* refused from now on, from a fresh client address */
  {
    g_autoptr(GSocket) other = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_DATAGRAM,
                                             G_SOCKET_PROTOCOL_UDP, &error);

    g_assert_no_error (error);
    g_socket_bind (other, any, TRUE, &error);
    g_assert_no_error (error);
    g_assert_cmpint (avd_test_turn_allocate (other, relay, username, password, &code), ==,
                     AVANUE_STUN_CLASS_ERROR_RESPONSE);
    g_assert_cmpuint (code, ==, 403);
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

  g_test_add_func ("/avanue/dbus/authorization-uid", test_authorization_uid);
  g_test_add ("/avanue/dbus/properties", Fixture, NULL, setup, test_properties, teardown);
  g_test_add ("/avanue/dbus/sessions", Fixture, NULL, setup, test_sessions, teardown);
  g_test_add ("/avanue/dbus/end-session", Fixture, NULL, setup, test_end_session, teardown);
  g_test_add ("/avanue/dbus/kick", Fixture, NULL, setup, test_kick, teardown);
  g_test_add ("/avanue/dbus/block", Fixture, NULL, setup, test_block, teardown);
  g_test_add ("/avanue/dbus/licenses", Fixture, NULL, setup, test_licenses, teardown);
  g_test_add ("/avanue/dbus/turn-credentials", Fixture, NULL, setup, test_turn_credentials, teardown);
  g_test_add ("/avanue/dbus/turn-relay", Fixture, "[turn]\nenabled=true\n", setup, test_turn_relay, teardown);
  g_test_add ("/avanue/dbus/reload", Fixture, NULL, setup, test_reload, teardown);
  g_test_add ("/avanue/dbus/reload-tls", Fixture, NULL, setup_bus_only, test_reload_tls, teardown);
  g_test_add ("/avanue/dbus/name-taken", Fixture, NULL, setup, test_name_taken, teardown);
  g_test_add ("/avanue/dbus/unprivileged-caller", Fixture, NULL, setup, test_unprivileged_caller, teardown);

  status = g_test_run ();
  g_clear_pointer (&test_bus, dbus_test_bus_free);
  return status;
}
