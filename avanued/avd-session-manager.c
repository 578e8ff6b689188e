/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* AvdSessionManager: sessions, their participants and everything that
 * happens in them (DESIGN §5, §6).
 *
 * - A host creates a session (licensed, or anonymous on the free tier);
 *   guests join with the invite code; the host's tier bounds the session.
 * - SDP, ICE candidates and app messages are relayed to members only, with
 *   fromFingerprint set here.
 * - A disconnected participant is offline for a grace period: events for it
 *   are queued (bounded; candidates expire after 30 s) and handed over in
 *   SESSION_REJOINED; after the grace period it has left (DISCONNECT).
 * - The hub is re-elected whenever participation or capabilities change.
 * - Sessions end when the host leaves (HOST_LEFT), at the tier's duration
 *   limit (TIMEOUT), when the host ends it or the last one leaves
 *   (COMPLETED), or when the licence stops being valid (LICENSE_EXPIRED).
 * - On graceful shutdown live sessions are saved to the store; at start they
 *   are restored with everyone offline, grace counting from the restart.
 *
 * Nothing here logs SDP, candidates or payloads. */
#define G_LOG_DOMAIN "AvdSessions"

#include "config.h"

#include <string.h>

#include "avd-error.h"
#include "avd-hub-election.h"
#include "avd-session.h"
#include "avd-session-manager.h"

#define CANDIDATE_TTL_US (30 * G_USEC_PER_SEC)
/* What SESSION_REJOINED may carry in missed events: the same hard cap the
 * server puts on what it accepts. */
#define MISSED_BYTES_MAX (1024 * 1024)
#define RECENTLY_ENDED_MAX 4096
#define INVITE_TTL_SECONDS (24 * 3600)

struct _AvdSessionManager
{
  GObject parent_instance;

  AvdStore *store;
  AvdStateBackend *state;
  AvdLicenseService *licenses;
  AvdIce *ice;
  AvdRateLimiter *limiter;

  GHashTable *sessions;         /* id → AvdSession */
  GHashTable *invites;          /* invite code → session id (owned) */
  GHashTable *memberships;      /* fingerprint → set of session ids */
  GHashTable *recently_ended;   /* session id → ended at (monotonic) */

  guint grace_seconds;
  guint missed_max;
  double hysteresis_percent;
};

G_DEFINE_FINAL_TYPE (AvdSessionManager, avd_session_manager, G_TYPE_OBJECT)

enum {
  SIGNAL_SESSION_CREATED,
  SIGNAL_SESSION_ENDED,
  SIGNAL_PARTICIPANT_JOINED,
  SIGNAL_PARTICIPANT_LEFT,
  SIGNAL_HUB_ELECTED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static gint64
now_ms (void)
{
  return g_get_real_time () / 1000;
}

static void
avd_session_manager_dispose (GObject *object)
{
  AvdSessionManager *self = AVD_SESSION_MANAGER (object);

  g_clear_pointer (&self->sessions, g_hash_table_unref);
  g_clear_object (&self->store);
  g_clear_object (&self->state);
  g_clear_object (&self->licenses);
  g_clear_object (&self->ice);
  g_clear_object (&self->limiter);

  G_OBJECT_CLASS (avd_session_manager_parent_class)->dispose (object);
}

static void
avd_session_manager_finalize (GObject *object)
{
  AvdSessionManager *self = AVD_SESSION_MANAGER (object);

  g_hash_table_unref (self->invites);
  g_hash_table_unref (self->memberships);
  g_hash_table_unref (self->recently_ended);

  G_OBJECT_CLASS (avd_session_manager_parent_class)->finalize (object);
}

static void
avd_session_manager_class_init (AvdSessionManagerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = avd_session_manager_dispose;
  object_class->finalize = avd_session_manager_finalize;

  /**
   * AvdSessionManager::session-created:
   * @self: the session manager
   * @session_id: the new session's id
   * @tier: its tier's name
   * @host: the host's fingerprint
   *
   * A session was created; emitted before its host is added as a member.
   */
  signals[SIGNAL_SESSION_CREATED] =
    g_signal_new ("session-created", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 3, G_TYPE_STRING, G_TYPE_STRING, G_TYPE_STRING);

  /**
   * AvdSessionManager::session-ended:
   * @self: the session manager
   * @session_id: the session's id
   * @reason: COMPLETED, HOST_LEFT, TIMEOUT, LICENSE_EXPIRED, ADMIN or ERROR
   *
   * A session ended; emitted once it is gone.
   */
  signals[SIGNAL_SESSION_ENDED] =
    g_signal_new ("session-ended", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 2, G_TYPE_STRING, G_TYPE_STRING);

  /**
   * AvdSessionManager::participant-joined:
   * @self: the session manager
   * @session_id: the session's id
   * @fingerprint: the new member
   *
   * A device became a member of a session (a rejoin is not a new
   * membership).
   */
  signals[SIGNAL_PARTICIPANT_JOINED] =
    g_signal_new ("participant-joined", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 2, G_TYPE_STRING, G_TYPE_STRING);

  /**
   * AvdSessionManager::participant-left:
   * @self: the session manager
   * @session_id: the session's id
   * @fingerprint: the former member
   * @reason: LEFT, DISCONNECT or KICKED
   *
   * A member left a session that goes on (or that ends because of it:
   * session-ended follows).  Not emitted for the members of a session
   * that ends.
   */
  signals[SIGNAL_PARTICIPANT_LEFT] =
    g_signal_new ("participant-left", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 3, G_TYPE_STRING, G_TYPE_STRING, G_TYPE_STRING);

  /**
   * AvdSessionManager::hub-elected:
   * @self: the session manager
   * @session_id: the session's id
   * @fingerprint: the new hub
   * @reason: INITIAL, DISCONNECT, BATTERY_LOW or CAPABILITY_CHANGE
   */
  signals[SIGNAL_HUB_ELECTED] =
    g_signal_new ("hub-elected", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 3, G_TYPE_STRING, G_TYPE_STRING, G_TYPE_STRING);
}

static void
avd_session_manager_init (AvdSessionManager *self)
{
  self->sessions = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, (GDestroyNotify) avd_session_free);
  self->invites = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  self->memberships = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                             (GDestroyNotify) g_hash_table_unref);
  self->recently_ended = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
}

AvdSessionManager *
avd_session_manager_new (AvdConfig         *config,
                         AvdStore          *store,
                         AvdStateBackend   *state,
                         AvdLicenseService *licenses,
                         AvdIce            *ice,
                         AvdRateLimiter    *limiter)
{
  AvdSessionManager *self = g_object_new (AVD_TYPE_SESSION_MANAGER, NULL);

  self->store = g_object_ref (store);
  self->state = g_object_ref (state);
  self->licenses = g_object_ref (licenses);
  self->ice = g_object_ref (ice);
  self->limiter = g_object_ref (limiter);
  self->grace_seconds = MAX (avd_config_get_int (config, "limits", "grace-seconds"), 0);
  self->missed_max = MAX (avd_config_get_int (config, "limits", "missed-events-max"), 1);
  self->hysteresis_percent = MAX (avd_config_get_int (config, "limits", "hub-hysteresis-percent"), 0);
  return self;
}

guint
avd_session_manager_get_n_sessions (AvdSessionManager *self)
{
  return g_hash_table_size (self->sessions);
}

/* ---- membership index -------------------------------------------- */

static void
membership_add (AvdSessionManager *self,
                const char        *fingerprint,
                const char        *session_id)
{
  GHashTable *set = g_hash_table_lookup (self->memberships, fingerprint);

  if (set == NULL)
    {
      set = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
      g_hash_table_insert (self->memberships, g_strdup (fingerprint), set);
    }
  g_hash_table_add (set, g_strdup (session_id));
}

static void
membership_remove (AvdSessionManager *self,
                   const char        *fingerprint,
                   const char        *session_id)
{
  GHashTable *set = g_hash_table_lookup (self->memberships, fingerprint);

  if (set == NULL)
    return;
  g_hash_table_remove (set, session_id);
  if (g_hash_table_size (set) == 0)
    g_hash_table_remove (self->memberships, fingerprint);
}

/* ---- sending ----------------------------------------------------- */

static void
queue_missed (AvdSessionManager *self,
              AvdParticipant    *p,
              JsonObject        *event,
              gboolean           is_candidate)
{
  g_autofree char *text = avanue_protocol_to_text (event);
  AvdMissedEvent *missed;

  missed = g_new0 (AvdMissedEvent, 1);
  missed->event = json_object_ref (event);
  missed->size = strlen (text);
  missed->expires_us = is_candidate ? g_get_monotonic_time () + CANDIDATE_TTL_US : 0;
  g_queue_push_tail (&p->missed, missed);
  p->missed_bytes += missed->size;

  /* Bounded in count and bytes: the oldest go first. */
  while (g_queue_get_length (&p->missed) > self->missed_max ||
         (p->missed_bytes > MISSED_BYTES_MAX && g_queue_get_length (&p->missed) > 1))
    {
      AvdMissedEvent *oldest = g_queue_pop_head (&p->missed);

      p->missed_bytes -= oldest->size;
      json_object_unref (oldest->event);
      g_free (oldest);
    }
}

/* Delivers @event to @p now, or keeps it for its rejoin while it is offline
 * within its grace period. */
static void
send_event (AvdSessionManager *self,
            AvdParticipant    *p,
            JsonObject        *event,
            gboolean           is_candidate)
{
  if (p->online && p->connection != NULL)
    avd_connection_send (p->connection, event);
  else
    queue_missed (self, p, event, is_candidate);
}

static void
broadcast (AvdSessionManager *self,
           AvdSession        *session,
           JsonObject        *event,
           const char        *except)
{
  for (guint i = 0; i < session->participants->len; i++)
    {
      AvdParticipant *p = g_ptr_array_index (session->participants, i);

      if (g_strcmp0 (p->fingerprint, except) != 0)
        send_event (self, p, event, FALSE);
    }
}

static void
send_error (AvdConnection       *connection,
            AvanueProtocolError  code,
            const char          *message,
            const char          *re)
{
  avd_connection_send_error (connection, code, message, re);
}

/* ---- election ---------------------------------------------------- */

static void
run_election (AvdSessionManager *self,
              AvdSession        *session)
{
  g_autofree AvdHubCandidate *candidates = g_new0 (AvdHubCandidate, MAX (session->participants->len, 1));
  g_autofree char *old_hub = g_strdup (session->hub_fingerprint);
  const char *new_hub = NULL;
  AvdHubReason reason;

  for (guint i = 0; i < session->participants->len; i++)
    {
      AvdParticipant *p = g_ptr_array_index (session->participants, i);

      candidates[i].fingerprint = p->fingerprint;
      candidates[i].score = avd_participant_get_score (p);
      candidates[i].online = p->online;
      candidates[i].battery_percent = p->capabilities ? avanue_capabilities_get_battery_percent (p->capabilities) : -1;
      candidates[i].is_charging = p->capabilities ? avanue_capabilities_get_is_charging (p->capabilities) : FALSE;
      candidates[i].joined_at = p->order;
    }

  reason = avd_hub_elect (candidates, session->participants->len, session->hub_fingerprint,
                          self->hysteresis_percent, &new_hub);
  if (reason == AVD_HUB_REASON_NONE || g_strcmp0 (new_hub, old_hub) == 0)
    return;

  g_free (session->hub_fingerprint);
  session->hub_fingerprint = g_strdup (new_hub);
  if (new_hub == NULL)
    return;                     /* nobody online to lead or to tell */
  if (old_hub != NULL)
    session->hub_migrations++;

  g_info ("session %s: hub changed (%s)", session->id, avd_hub_reason_to_string (reason));
  {
    g_autoptr(JsonObject) elected = avanue_protocol_build_hub_elected (session->id, new_hub,
                                                                       avd_hub_reason_to_string (reason));
    broadcast (self, session, elected, NULL);
  }
  if (old_hub != NULL && avd_session_lookup (session, old_hub) != NULL)
    {
      g_autoptr(JsonObject) demoted = avanue_protocol_build_role_changed (session->id, old_hub, "HUB", "SPOKE");
      broadcast (self, session, demoted, NULL);
    }
  {
    g_autoptr(JsonObject) promoted = avanue_protocol_build_role_changed (session->id, new_hub, "SPOKE", "HUB");
    broadcast (self, session, promoted, NULL);
  }
  g_signal_emit (self, signals[SIGNAL_HUB_ELECTED], 0, session->id, new_hub,
                 avd_hub_reason_to_string (reason));
}

/* ---- ending and leaving ------------------------------------------ */

static void
remember_ended (AvdSessionManager *self,
                const char        *session_id)
{
  if (g_hash_table_size (self->recently_ended) >= RECENTLY_ENDED_MAX)
    g_hash_table_remove_all (self->recently_ended);
  g_hash_table_insert (self->recently_ended, g_strdup (session_id), NULL);
}

static void
release_invite (AvdSessionManager *self,
                AvdSession        *session)
{
  g_autofree char *key = g_strconcat ("signaling:invite:", session->invite_code, NULL);

  avd_state_backend_delete (self->state, key, NULL);
  g_hash_table_remove (self->invites, session->invite_code);
}

/* Ends @session for everyone and frees it.  @re_connection gets @re on its
 * SESSION_ENDED (the host's END_SESSION). */
static void
end_session (AvdSessionManager *self,
             AvdSession        *session,
             const char        *reason,
             AvdConnection     *re_connection,
             const char        *re)
{
  gint64 ended = now_ms ();
  g_autofree char *session_id = g_strdup (session->id);

  g_message ("session %s ended: %s", session->id, reason);
  for (guint i = 0; i < session->participants->len; i++)
    {
      AvdParticipant *p = g_ptr_array_index (session->participants, i);

      if (p->online && p->connection != NULL)
        {
          g_autoptr(JsonObject) event =
            avanue_protocol_build_session_ended (p->connection == re_connection ? re : NULL,
                                                 session->id, reason);
          avd_connection_send (p->connection, event);
        }
      membership_remove (self, p->fingerprint, session->id);
    }

  avd_store_submit_session_ended (self->store, session->id, ended / 1000, reason,
                                  session->max_participants_seen, session->hub_migrations,
                                  (ended - session->created_at_ms) / 1000);
  release_invite (self, session);
  remember_ended (self, session->id);
  g_hash_table_remove (self->sessions, session->id);
  g_signal_emit (self, signals[SIGNAL_SESSION_ENDED], 0, session_id, reason);
}

/* Removes @p from @session and tells the others; ends the session when the
 * host or the last participant leaves. */
static void
participant_left (AvdSessionManager *self,
                  AvdSession        *session,
                  AvdParticipant    *p,
                  const char        *reason)
{
  g_autofree char *fingerprint = g_strdup (p->fingerprint);
  gboolean was_host = p->is_host;
  gboolean was_hub = g_strcmp0 (session->hub_fingerprint, fingerprint) == 0;

  membership_remove (self, fingerprint, session->id);
  avd_session_remove (session, fingerprint);
  avd_store_submit_participant_left (self->store, session->id, fingerprint, now_ms () / 1000, reason);

  {
    g_autoptr(JsonObject) event = avanue_protocol_build_participant_left (session->id, fingerprint, reason);
    broadcast (self, session, event, NULL);
  }
  g_signal_emit (self, signals[SIGNAL_PARTICIPANT_LEFT], 0, session->id, fingerprint, reason);

  if (was_host)
    end_session (self, session, "HOST_LEFT", NULL, NULL);
  else if (session->participants->len == 0)
    end_session (self, session, "COMPLETED", NULL, NULL);
  else if (was_hub)
    /* The hub is still named but no longer a candidate: DISCONNECT. */
    run_election (self, session);
}

/* ---- timers ------------------------------------------------------ */

typedef struct {
  AvdSessionManager *self;
  char *session_id;
  char *fingerprint;
} TimerData;

static void
timer_data_free (gpointer data)
{
  TimerData *t = data;

  g_free (t->session_id);
  g_free (t->fingerprint);
  g_free (t);
}

static TimerData *
timer_data_new (AvdSessionManager *self,
                const char        *session_id,
                const char        *fingerprint)
{
  TimerData *t = g_new0 (TimerData, 1);

  t->self = self;
  t->session_id = g_strdup (session_id);
  t->fingerprint = g_strdup (fingerprint);
  return t;
}

static gboolean
grace_expired_cb (gpointer user_data)
{
  TimerData *t = user_data;
  AvdSession *session = g_hash_table_lookup (t->self->sessions, t->session_id);
  AvdParticipant *p = session != NULL ? avd_session_lookup (session, t->fingerprint) : NULL;

  if (p == NULL)
    return G_SOURCE_REMOVE;
  p->grace_id = 0;              /* this source is ending */
  if (!p->online)
    participant_left (t->self, session, p, "DISCONNECT");
  return G_SOURCE_REMOVE;
}

static void
start_grace (AvdSessionManager *self,
             AvdSession        *session,
             AvdParticipant    *p)
{
  g_clear_handle_id (&p->grace_id, g_source_remove);
  p->grace_id = g_timeout_add_seconds_full (G_PRIORITY_DEFAULT, self->grace_seconds, grace_expired_cb,
                                            timer_data_new (self, session->id, p->fingerprint),
                                            timer_data_free);
}

static gboolean
timeout_cb (gpointer user_data)
{
  TimerData *t = user_data;
  AvdSession *session = g_hash_table_lookup (t->self->sessions, t->session_id);

  if (session != NULL)
    {
      session->timeout_id = 0;
      end_session (t->self, session, "TIMEOUT", NULL, NULL);
    }
  return G_SOURCE_REMOVE;
}

static gboolean
license_check_cb (gpointer user_data)
{
  TimerData *t = user_data;
  AvdSession *session = g_hash_table_lookup (t->self->sessions, t->session_id);
  g_autoptr(AvdLicense) license = NULL;
  g_autoptr(GError) error = NULL;

  if (session == NULL || session->license_hash == NULL)
    return G_SOURCE_REMOVE;
  license = avd_license_service_revalidate (t->self->licenses, session->license_hash, &error);
  if (license != NULL)
    return G_SOURCE_CONTINUE;
  if (g_error_matches (error, AVANUE_PROTOCOL_ERROR, AVANUE_PROTOCOL_ERROR_INTERNAL))
    {
      g_warning ("session %s: licence check failed, trying again later", session->id);
      return G_SOURCE_CONTINUE;
    }
  session->license_check_id = 0;
  end_session (t->self, session, "LICENSE_EXPIRED", NULL, NULL);
  return G_SOURCE_REMOVE;
}

static void
start_session_timers (AvdSessionManager *self,
                      AvdSession        *session)
{
  if (session->expires_at_ms > 0)
    {
      gint64 remaining = MAX (session->expires_at_ms - now_ms (), 0);

      session->timeout_id = g_timeout_add_full (G_PRIORITY_DEFAULT, (guint) MIN (remaining, G_MAXUINT),
                                                timeout_cb, timer_data_new (self, session->id, NULL),
                                                timer_data_free);
    }
  if (session->license_hash != NULL)
    session->license_check_id =
      g_timeout_add_seconds_full (G_PRIORITY_DEFAULT, avd_license_service_get_cache_seconds (self->licenses),
                                  license_check_cb, timer_data_new (self, session->id, NULL),
                                  timer_data_free);
}

/* ---- request helpers --------------------------------------------- */

static AvanueCapabilities *
read_capabilities (JsonObject *message)
{
  JsonNode *node = json_object_get_member (message, "capabilities");

  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    return NULL;
  /* Already validated by AvanueProtocol. */
  return avanue_capabilities_new_from_json (json_node_get_object (node), NULL);
}

static const char *
string_member (JsonObject *message,
               const char *name)
{
  JsonNode *node = json_object_get_member (message, name);

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;
  return json_node_get_string (node);
}

/* The session named by the message's sessionId, with the sender as an
 * online member; answers the error itself and returns NULL otherwise. */
static AvdSession *
lookup_membership (AvdSessionManager  *self,
                   AvdConnection      *connection,
                   JsonObject         *message,
                   const char         *re,
                   AvdParticipant    **out_participant)
{
  const char *session_id = string_member (message, "sessionId");
  AvdSession *session = session_id != NULL ? g_hash_table_lookup (self->sessions, session_id) : NULL;
  AvdParticipant *p;

  if (session == NULL)
    {
      if (session_id != NULL && g_hash_table_contains (self->recently_ended, session_id))
        send_error (connection, AVANUE_PROTOCOL_ERROR_SESSION_ENDED, "The session has ended", re);
      else
        send_error (connection, AVANUE_PROTOCOL_ERROR_SESSION_NOT_FOUND, "No such session", re);
      return NULL;
    }
  p = avd_session_lookup (session, avd_connection_get_fingerprint (connection));
  if (p == NULL || !p->online || p->connection != connection)
    {
      send_error (connection, AVANUE_PROTOCOL_ERROR_NOT_IN_SESSION,
                  p == NULL ? "Not a member of this session" : "Rejoin the session first", re);
      return NULL;
    }
  *out_participant = p;
  return session;
}

static AvdParticipant *
participant_for_connection (AvdSession         *session,
                            AvdConnection      *connection,
                            AvanueCapabilities *capabilities)
{
  AvdParticipant *p = avd_participant_new (avd_connection_get_fingerprint (connection));

  p->device_name = g_strdup (avd_connection_get_device_name (connection));
  p->platform = g_strdup (avd_connection_get_platform (connection));
  p->device_type = g_strdup (avd_connection_get_device_type (connection));
  p->capabilities = capabilities != NULL ? g_object_ref (capabilities) : NULL;
  p->joined_at_ms = now_ms ();
  p->order = session->next_order++;
  p->online = TRUE;
  p->connection = connection;
  return p;
}

static void
add_participant (AvdSessionManager *self,
                 AvdSession        *session,
                 AvdParticipant    *p)
{
  g_ptr_array_add (session->participants, p);
  session->max_participants_seen = MAX (session->max_participants_seen, session->participants->len);
  membership_add (self, p->fingerprint, session->id);
  avd_store_submit_participant_joined (self->store, session->id, p->fingerprint,
                                       p->is_host ? "HOST" : "GUEST", p->is_licensed,
                                       (int) avd_participant_get_score (p), p->joined_at_ms / 1000);
  g_signal_emit (self, signals[SIGNAL_PARTICIPANT_JOINED], 0, session->id, p->fingerprint);
}

/* Whether members of @session can have a relay: their tier allows it and
 * there is one to offer (a TURN_CREDENTIALS without URLs is useless, and
 * its schema requires at least one). */
static gboolean
turn_available (AvdSessionManager *self,
                AvdSession        *session)
{
  return session->tier->turn && avd_ice_get_turn_urls (self->ice)[0] != NULL;
}

static JsonObject *
turn_credentials_for (AvdSessionManager *self,
                      AvdSession        *session,
                      const char        *fingerprint)
{
  g_autofree char *rest = NULL;

  if (!turn_available (self, session))
    return NULL;
  rest = g_strconcat (session->id, ":", fingerprint, NULL);
  return avd_ice_credentials_json (self->ice, rest, NULL);
}

static gboolean
claim_invite (AvdSessionManager *self,
              AvdSession        *session)
{
  guint ttl = session->tier->max_duration_seconds > 0 ? session->tier->max_duration_seconds : INVITE_TTL_SECONDS;

  for (int attempt = 0; attempt < 16; attempt++)
    {
      g_autoptr(AvanueInviteCode) code = avanue_invite_code_generate ();
      g_autofree char *key = g_strconcat ("signaling:invite:", avanue_invite_code_get_code (code), NULL);
      gboolean stored = FALSE;
      g_autoptr(GError) error = NULL;

      if (!avd_state_backend_set_nx (self->state, key, session->id, ttl, &stored, &error))
        {
          g_warning ("cannot claim an invite code: %s", error->message);
          return FALSE;
        }
      if (stored)
        {
          session->invite_code = g_strdup (avanue_invite_code_get_code (code));
          g_hash_table_insert (self->invites, g_strdup (session->invite_code), g_strdup (session->id));
          return TRUE;
        }
    }
  return FALSE;
}

/* ---- requests ---------------------------------------------------- */

static void
handle_create (AvdSessionManager *self,
               AvdConnection     *connection,
               JsonObject        *message,
               const char        *re)
{
  const char *token = string_member (message, "licenseToken");
  g_autoptr(AvdLicense) license = NULL;
  g_autoptr(AvanueCapabilities) caps = read_capabilities (message);
  g_autoptr(AvdSession) session = NULL;
  g_autoptr(JsonObject) limits = NULL;
  g_autoptr(JsonObject) turn = NULL;
  g_autoptr(JsonObject) reply = NULL;
  AvdParticipant *host;
  AvdSession *s;

  if (token != NULL && *token != '\0')
    {
      g_autoptr(GError) error = NULL;

      license = avd_license_service_validate (self->licenses, token, &error);
      if (license == NULL)
        {
          avd_connection_send (connection, reply = avanue_protocol_build_error_from_gerror (error, re));
          return;
        }
    }
  else if (!avd_license_service_allow_anonymous (self->licenses))
    {
      send_error (connection, AVANUE_PROTOCOL_ERROR_LICENSE_REQUIRED,
                  "This server needs a licence key to create sessions", re);
      return;
    }

  session = avd_session_new ();
  session->id = g_uuid_string_random ();
  session->session_type = g_strdup (string_member (message, "sessionType"));
  session->host_fingerprint = g_strdup (avd_connection_get_fingerprint (connection));
  session->tier = license != NULL ? license->tier : avd_license_service_get_tier (self->licenses, "free");
  if (license != NULL)
    {
      session->license_id = g_strdup (license->id);
      session->license_hash = g_strdup (license->key_hash);
    }
  session->created_at_ms = now_ms ();
  if (session->tier->max_duration_seconds > 0)
    session->expires_at_ms = session->created_at_ms + (gint64) session->tier->max_duration_seconds * 1000;
  if (!claim_invite (self, session))
    {
      send_error (connection, AVANUE_PROTOCOL_ERROR_INTERNAL, "No invite code available", re);
      return;
    }

  s = g_steal_pointer (&session);
  g_hash_table_insert (self->sessions, s->id, s);
  avd_store_submit_session_created (self->store, s->id, s->session_type, s->host_fingerprint,
                                    s->license_id, s->tier->name, s->created_at_ms / 1000);
  g_signal_emit (self, signals[SIGNAL_SESSION_CREATED], 0, s->id, s->tier->name, s->host_fingerprint);
  host = participant_for_connection (s, connection, caps);
  host->is_host = TRUE;
  host->is_licensed = license != NULL;
  add_participant (self, s, host);
  start_session_timers (self, s);
  g_message ("session %s created on the %s tier", s->id, s->tier->name);

  limits = avd_session_limits_json (s);
  turn = turn_credentials_for (self, s, host->fingerprint);
  reply = avanue_protocol_build_session_created (re, s->id, s->invite_code, s->session_type,
                                                 host->fingerprint, limits, turn);
  avd_connection_send (connection, reply);
  run_election (self, s);
}

/* Puts @p back online on @connection: the others hear PARTICIPANT_JOINED
 * (they offer to it), and it gets back what it missed. */
static JsonArray *
bring_online (AvdSessionManager  *self,
              AvdSession         *session,
              AvdParticipant     *p,
              AvdConnection      *connection,
              AvanueCapabilities *caps)
{
  JsonArray *missed = json_array_new ();
  gint64 now = g_get_monotonic_time ();
  AvdMissedEvent *event;

  g_clear_handle_id (&p->grace_id, g_source_remove);
  p->online = TRUE;
  p->connection = connection;
  if (caps != NULL)
    g_set_object (&p->capabilities, caps);
  while ((event = g_queue_pop_head (&p->missed)) != NULL)
    {
      if (event->expires_us == 0 || event->expires_us > now)
        json_array_add_object_element (missed, json_object_ref (event->event));
      json_object_unref (event->event);
      g_free (event);
    }
  p->missed_bytes = 0;
  return missed;
}

static void
announce (AvdSessionManager *self,
          AvdSession        *session,
          AvdParticipant    *p)
{
  g_autoptr(JsonObject) participant = avd_participant_to_json (p, session);
  g_autoptr(JsonObject) event = avanue_protocol_build_participant_joined (session->id, participant);

  broadcast (self, session, event, p->fingerprint);
}

static void
handle_join (AvdSessionManager *self,
             AvdConnection     *connection,
             JsonObject        *message,
             const char        *re)
{
  const char *ip = avd_connection_get_ip (connection);
  g_autofree char *client_key = g_strconcat ("client:", avd_connection_get_client_id (connection), NULL);
  gint64 now = g_get_monotonic_time ();
  g_autofree char *code = NULL;
  g_autoptr(AvanueCapabilities) caps = read_capabilities (message);
  g_autoptr(JsonObject) limits = NULL;
  g_autoptr(JsonObject) turn = NULL;
  g_autoptr(JsonArray) participants = NULL;
  g_autoptr(JsonObject) reply = NULL;
  const char *session_id = NULL;
  AvdSession *session = NULL;
  AvdParticipant *p;

  if (!avd_rate_limiter_join_allowed (self->limiter, ip, now) ||
      !avd_rate_limiter_join_allowed (self->limiter, client_key, now))
    {
      send_error (connection, AVANUE_PROTOCOL_ERROR_RATE_LIMITED,
                  "Too many failed joins; wait a minute", re);
      return;
    }

  code = avanue_invite_code_normalize (string_member (message, "inviteCode"), NULL);
  if (code != NULL)
    session_id = g_hash_table_lookup (self->invites, code);
  if (session_id != NULL)
    session = g_hash_table_lookup (self->sessions, session_id);
  if (session == NULL)
    {
      avd_rate_limiter_join_failed (self->limiter, ip, now);
      avd_rate_limiter_join_failed (self->limiter, client_key, now);
      send_error (connection, AVANUE_PROTOCOL_ERROR_SESSION_NOT_FOUND, "No session has this invite code", re);
      return;
    }

  p = avd_session_lookup (session, avd_connection_get_fingerprint (connection));
  if (p != NULL)
    {
      /* Joining again (a second device tab, a lost answer): same as a rejoin
       * without missed events. */
      json_array_unref (bring_online (self, session, p, connection, caps));
    }
  else
    {
      if (session->tier->max_peers > 0 && session->participants->len >= session->tier->max_peers)
        {
          send_error (connection, AVANUE_PROTOCOL_ERROR_SESSION_FULL, "The session is full", re);
          return;
        }
      p = participant_for_connection (session, connection, caps);
      add_participant (self, session, p);
    }

  limits = avd_session_limits_json (session);
  turn = turn_credentials_for (self, session, p->fingerprint);
  participants = avd_session_participants_json (session);
  reply = avanue_protocol_build_session_joined (re, session->id, session->session_type, participants,
                                                session->hub_fingerprint, limits, turn);
  avd_connection_send (connection, reply);
  announce (self, session, p);
  run_election (self, session);
}

static void
handle_rejoin (AvdSessionManager *self,
               AvdConnection     *connection,
               JsonObject        *message,
               const char        *re)
{
  const char *session_id = string_member (message, "sessionId");
  AvdSession *session = session_id != NULL ? g_hash_table_lookup (self->sessions, session_id) : NULL;
  g_autoptr(AvanueCapabilities) caps = read_capabilities (message);
  g_autoptr(JsonArray) missed = NULL;
  g_autoptr(JsonObject) limits = NULL;
  g_autoptr(JsonObject) turn = NULL;
  g_autoptr(JsonArray) participants = NULL;
  g_autoptr(JsonObject) reply = NULL;
  AvdParticipant *p;

  if (session == NULL)
    {
      if (session_id != NULL && g_hash_table_contains (self->recently_ended, session_id))
        send_error (connection, AVANUE_PROTOCOL_ERROR_SESSION_ENDED, "The session has ended", re);
      else
        send_error (connection, AVANUE_PROTOCOL_ERROR_SESSION_NOT_FOUND, "No such session", re);
      return;
    }
  p = avd_session_lookup (session, avd_connection_get_fingerprint (connection));
  if (p == NULL)
    {
      send_error (connection, AVANUE_PROTOCOL_ERROR_NOT_IN_SESSION, "Not a member of this session", re);
      return;
    }

  missed = bring_online (self, session, p, connection, caps);
  limits = avd_session_limits_json (session);
  turn = turn_credentials_for (self, session, p->fingerprint);
  participants = avd_session_participants_json (session);
  reply = avanue_protocol_build_session_rejoined (re, session->id, session->session_type, participants,
                                                  session->hub_fingerprint, limits, turn, missed);
  avd_connection_send (connection, reply);
  announce (self, session, p);
  run_election (self, session);
}

static void
handle_leave (AvdSessionManager *self,
              AvdConnection     *connection,
              JsonObject        *message,
              const char        *re)
{
  AvdParticipant *p;
  AvdSession *session = lookup_membership (self, connection, message, re, &p);
  g_autoptr(JsonObject) reply = NULL;

  if (session == NULL)
    return;
  reply = avanue_protocol_build_session_left (re, session->id);
  avd_connection_send (connection, reply);
  participant_left (self, session, p, "LEFT");
}

static void
handle_end (AvdSessionManager *self,
            AvdConnection     *connection,
            JsonObject        *message,
            const char        *re)
{
  AvdParticipant *p;
  AvdSession *session = lookup_membership (self, connection, message, re, &p);

  if (session == NULL)
    return;
  if (!p->is_host)
    {
      send_error (connection, AVANUE_PROTOCOL_ERROR_FORBIDDEN, "Only the host can end the session", re);
      return;
    }
  end_session (self, session, "COMPLETED", connection, re);
}

static void
handle_relay (AvdSessionManager *self,
              AvdConnection     *connection,
              AvanueMessageType  type,
              JsonObject        *message,
              const char        *re)
{
  AvdParticipant *from;
  AvdSession *session = lookup_membership (self, connection, message, re, &from);
  const char *to = string_member (message, "toFingerprint");
  g_autoptr(JsonObject) forward = NULL;

  if (session == NULL)
    return;

  forward = avanue_protocol_build_forward (message, from->fingerprint, now_ms ());
  if (to == NULL && type == AVANUE_MESSAGE_TYPE_APP_MESSAGE)
    {
      broadcast (self, session, forward, from->fingerprint);
      return;
    }

  {
    AvdParticipant *target = to != NULL ? avd_session_lookup (session, to) : NULL;

    if (target == NULL || target == from)
      {
        send_error (connection, AVANUE_PROTOCOL_ERROR_PEER_NOT_FOUND, "No such peer in this session", re);
        return;
      }
    send_event (self, target, forward, type == AVANUE_MESSAGE_TYPE_ICE_CANDIDATE);
  }
}

static void
handle_capability_update (AvdSessionManager *self,
                          AvdConnection     *connection,
                          JsonObject        *message,
                          const char        *re)
{
  AvdParticipant *p;
  AvdSession *session = lookup_membership (self, connection, message, re, &p);
  g_autoptr(AvanueCapabilities) caps = read_capabilities (message);

  if (session == NULL || caps == NULL)
    return;
  g_set_object (&p->capabilities, caps);
  {
    g_autofree char *json = avanue_capabilities_to_json_string (caps);

    avd_store_submit_set_device_capabilities (self->store, p->fingerprint, json);
  }
  run_election (self, session);
}

static void
handle_request_turn (AvdSessionManager *self,
                     AvdConnection     *connection,
                     JsonObject        *message,
                     const char        *re)
{
  AvdParticipant *p;
  AvdSession *session = lookup_membership (self, connection, message, re, &p);
  g_autofree char *rest = NULL;
  g_autoptr(JsonObject) reply = NULL;

  if (session == NULL)
    return;
  if (!session->tier->turn)
    {
      send_error (connection, AVANUE_PROTOCOL_ERROR_TURN_UNAVAILABLE,
                  "This session's tier has no relay", re);
      return;
    }
  if (!turn_available (self, session))
    {
      send_error (connection, AVANUE_PROTOCOL_ERROR_TURN_UNAVAILABLE,
                  "This server has no relay configured", re);
      return;
    }
  rest = g_strconcat (session->id, ":", p->fingerprint, NULL);
  reply = avd_ice_credentials_json (self->ice, rest, re);
  avd_connection_send (connection, reply);
}

static void
handle_report_stats (AvdSessionManager *self,
                     AvdConnection     *connection,
                     JsonObject        *message,
                     const char        *re)
{
  AvdParticipant *p;
  AvdSession *session = lookup_membership (self, connection, message, re, &p);
  const char *nat_type = string_member (message, "natType");

  if (session == NULL)
    return;
  avd_store_submit_session_stats (self->store, session->id, p->fingerprint,
                                  json_object_get_double_member_with_default (message, "avgLatencyMs", -1),
                                  json_object_get_double_member_with_default (message, "avgPacketLossPercent", -1),
                                  nat_type, string_member (message, "candidateType"));
  if (nat_type != NULL)
    avd_store_submit_set_device_nat_type (self->store, p->fingerprint, nat_type);
}

void
avd_session_manager_handle (AvdSessionManager *self,
                            AvdConnection     *connection,
                            AvanueMessageType  type,
                            JsonObject        *message,
                            const char        *id)
{
  g_return_if_fail (AVD_IS_SESSION_MANAGER (self));

  switch (type)
    {
    case AVANUE_MESSAGE_TYPE_CREATE_SESSION:
      handle_create (self, connection, message, id);
      break;
    case AVANUE_MESSAGE_TYPE_JOIN_SESSION:
      handle_join (self, connection, message, id);
      break;
    case AVANUE_MESSAGE_TYPE_REJOIN_SESSION:
      handle_rejoin (self, connection, message, id);
      break;
    case AVANUE_MESSAGE_TYPE_LEAVE_SESSION:
      handle_leave (self, connection, message, id);
      break;
    case AVANUE_MESSAGE_TYPE_END_SESSION:
      handle_end (self, connection, message, id);
      break;
    case AVANUE_MESSAGE_TYPE_SDP_OFFER:
    case AVANUE_MESSAGE_TYPE_SDP_ANSWER:
    case AVANUE_MESSAGE_TYPE_ICE_CANDIDATE:
    case AVANUE_MESSAGE_TYPE_APP_MESSAGE:
      handle_relay (self, connection, type, message, id);
      break;
    case AVANUE_MESSAGE_TYPE_CAPABILITY_UPDATE:
      handle_capability_update (self, connection, message, id);
      break;
    case AVANUE_MESSAGE_TYPE_REQUEST_TURN:
      handle_request_turn (self, connection, message, id);
      break;
    case AVANUE_MESSAGE_TYPE_REPORT_STATS:
      handle_report_stats (self, connection, message, id);
      break;
    default:
      send_error (connection, AVANUE_PROTOCOL_ERROR_UNSUPPORTED_TYPE,
                  "This server does not handle that message type yet", id);
      break;
    }
}

/* A connection closed: its device goes offline in every session it was in
 * through that connection. */
void
avd_session_manager_connection_closed (AvdSessionManager *self,
                                       AvdConnection     *connection)
{
  const char *fingerprint = avd_connection_get_fingerprint (connection);
  GHashTable *set;
  g_autoptr(GPtrArray) ids = NULL;

  if (fingerprint == NULL || self->sessions == NULL)
    return;
  set = g_hash_table_lookup (self->memberships, fingerprint);
  if (set == NULL)
    return;

  /* A copy: leaving and ending sessions edits the set. */
  ids = g_ptr_array_new_with_free_func (g_free);
  {
    GHashTableIter iter;
    const char *id;

    g_hash_table_iter_init (&iter, set);
    while (g_hash_table_iter_next (&iter, (gpointer *) &id, NULL))
      g_ptr_array_add (ids, g_strdup (id));
  }

  for (guint i = 0; i < ids->len; i++)
    {
      AvdSession *session = g_hash_table_lookup (self->sessions, g_ptr_array_index (ids, i));
      AvdParticipant *p = session != NULL ? avd_session_lookup (session, fingerprint) : NULL;

      if (p == NULL || p->connection != connection)
        continue;
      p->online = FALSE;
      p->connection = NULL;
      {
        g_autoptr(JsonObject) event = avanue_protocol_build_participant_offline (session->id, fingerprint);
        broadcast (self, session, event, fingerprint);
      }
      start_grace (self, session, p);
      if (g_strcmp0 (session->hub_fingerprint, fingerprint) == 0)
        run_election (self, session);
    }
}

/* ---- restart ----------------------------------------------------- */

void
avd_session_manager_save (AvdSessionManager *self)
{
  g_autoptr(GPtrArray) records = g_ptr_array_new_with_free_func ((GDestroyNotify) avd_live_session_record_free);
  g_autoptr(GError) error = NULL;
  GHashTableIter iter;
  AvdSession *session;

  g_hash_table_iter_init (&iter, self->sessions);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &session))
    {
      g_autofree char *json = avd_session_serialize (session);

      g_ptr_array_add (records, avd_live_session_record_new (session->id, json));
    }
  if (!avd_store_save_live_sessions (self->store, records, &error))
    g_warning ("cannot save live sessions: %s", error->message);
  else if (records->len > 0)
    g_message ("saved %u live sessions for the next start", records->len);
}

void
avd_session_manager_restore (AvdSessionManager *self)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) records = avd_store_load_live_sessions (self->store, &error);

  if (records == NULL)
    {
      if (error != NULL)
        g_warning ("cannot load live sessions: %s", error->message);
      return;
    }
  for (guint i = 0; i < records->len; i++)
    {
      AvdLiveSessionRecord *record = g_ptr_array_index (records, i);
      g_autoptr(GError) local_error = NULL;
      AvdSession *session = avd_session_deserialize (record->json, self->licenses, &local_error);
      g_autofree char *key = NULL;

      if (session == NULL)
        {
          g_warning ("dropping an unreadable saved session: %s", local_error->message);
          continue;
        }
      key = g_strconcat ("signaling:invite:", session->invite_code, NULL);
      avd_state_backend_set (self->state, key, session->id, INVITE_TTL_SECONDS, NULL);
      g_hash_table_insert (self->invites, g_strdup (session->invite_code), g_strdup (session->id));
      g_hash_table_insert (self->sessions, session->id, session);
      for (guint j = 0; j < session->participants->len; j++)
        {
          AvdParticipant *p = g_ptr_array_index (session->participants, j);

          membership_add (self, p->fingerprint, session->id);
          start_grace (self, session, p);
        }
      start_session_timers (self, session);
    }
  if (records->len > 0)
    g_message ("restored %u live sessions; their members have %u s to rejoin",
               records->len, self->grace_seconds);
  if (!avd_store_clear_live_sessions (self->store, &error))
    g_warning ("cannot clear saved sessions: %s", error->message);
}

/* ---- administration (D-Bus) --------------------------------------- */

static GVariant *
describe_participant (AvdSession     *session,
                      AvdParticipant *p)
{
  g_auto(GVariantBuilder) b = G_VARIANT_BUILDER_INIT (G_VARIANT_TYPE_VARDICT);

  g_variant_builder_add (&b, "{sv}", "fingerprint", g_variant_new_string (p->fingerprint));
  g_variant_builder_add (&b, "{sv}", "deviceName", g_variant_new_string (p->device_name != NULL ? p->device_name : ""));
  g_variant_builder_add (&b, "{sv}", "platform", g_variant_new_string (p->platform != NULL ? p->platform : ""));
  g_variant_builder_add (&b, "{sv}", "deviceType", g_variant_new_string (p->device_type != NULL ? p->device_type : ""));
  g_variant_builder_add (&b, "{sv}", "role", g_variant_new_string (p->is_host ? "HOST" : "GUEST"));
  g_variant_builder_add (&b, "{sv}", "topologyRole",
                         g_variant_new_string (g_strcmp0 (session->hub_fingerprint, p->fingerprint) == 0 ? "HUB" : "SPOKE"));
  g_variant_builder_add (&b, "{sv}", "isLicensed", g_variant_new_boolean (p->is_licensed));
  g_variant_builder_add (&b, "{sv}", "online", g_variant_new_boolean (p->online));
  g_variant_builder_add (&b, "{sv}", "score", g_variant_new_double (avd_participant_get_score (p)));
  g_variant_builder_add (&b, "{sv}", "joinedAt", g_variant_new_int64 (p->joined_at_ms / 1000));
  return g_variant_builder_end (&b);
}

static GVariant *
describe_session (AvdSession *session)
{
  g_auto(GVariantBuilder) b = G_VARIANT_BUILDER_INIT (G_VARIANT_TYPE_VARDICT);
  g_auto(GVariantBuilder) participants = G_VARIANT_BUILDER_INIT (G_VARIANT_TYPE ("aa{sv}"));

  for (guint i = 0; i < session->participants->len; i++)
    g_variant_builder_add_value (&participants,
                                 describe_participant (session, g_ptr_array_index (session->participants, i)));

  g_variant_builder_add (&b, "{sv}", "id", g_variant_new_string (session->id));
  g_variant_builder_add (&b, "{sv}", "inviteCode", g_variant_new_string (session->invite_code != NULL ? session->invite_code : ""));
  g_variant_builder_add (&b, "{sv}", "sessionType", g_variant_new_string (session->session_type != NULL ? session->session_type : ""));
  g_variant_builder_add (&b, "{sv}", "tier", g_variant_new_string (session->tier->name));
  g_variant_builder_add (&b, "{sv}", "licenseId", g_variant_new_string (session->license_id != NULL ? session->license_id : ""));
  g_variant_builder_add (&b, "{sv}", "host", g_variant_new_string (session->host_fingerprint != NULL ? session->host_fingerprint : ""));
  g_variant_builder_add (&b, "{sv}", "hub", g_variant_new_string (session->hub_fingerprint != NULL ? session->hub_fingerprint : ""));
  g_variant_builder_add (&b, "{sv}", "createdAt", g_variant_new_int64 (session->created_at_ms / 1000));
  g_variant_builder_add (&b, "{sv}", "expiresAt", g_variant_new_int64 (session->expires_at_ms / 1000));
  g_variant_builder_add (&b, "{sv}", "maxPeers", g_variant_new_uint32 (session->tier->max_peers));
  g_variant_builder_add (&b, "{sv}", "turnAllowed", g_variant_new_boolean (session->tier->turn));
  g_variant_builder_add (&b, "{sv}", "participantCount", g_variant_new_uint32 (session->participants->len));
  g_variant_builder_add (&b, "{sv}", "onlineCount", g_variant_new_uint32 (avd_session_count_online (session)));
  g_variant_builder_add (&b, "{sv}", "participants", g_variant_builder_end (&participants));
  return g_variant_builder_end (&b);
}

static AvdSession *
lookup_session_or_error (AvdSessionManager  *self,
                         const char         *session_id,
                         GError            **error)
{
  AvdSession *session = session_id != NULL ? g_hash_table_lookup (self->sessions, session_id) : NULL;

  if (session == NULL)
    g_set_error (error, AVD_ERROR, AVD_ERROR_SESSION_NOT_FOUND,
                 "No live session has the id ‘%s’", session_id != NULL ? session_id : "");
  return session;
}

/**
 * avd_session_manager_describe:
 * @self: the session manager
 * @session_id: a live session's id
 * @error: return location for an error
 *
 * Describes a live session for the administration API: id, inviteCode,
 * sessionType, tier, licenseId, host, hub, createdAt, expiresAt (unix
 * seconds), maxPeers, turnAllowed, participantCount, onlineCount and
 * participants (aa{sv}: fingerprint, deviceName, platform, deviceType, role,
 * topologyRole, isLicensed, online, score, joinedAt).
 *
 * Returns: (transfer full): an a{sv} (not floating), or NULL with
 *   %AVD_ERROR_SESSION_NOT_FOUND
 */
GVariant *
avd_session_manager_describe (AvdSessionManager  *self,
                              const char         *session_id,
                              GError            **error)
{
  AvdSession *session;

  g_return_val_if_fail (AVD_IS_SESSION_MANAGER (self), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  session = lookup_session_or_error (self, session_id, error);
  if (session == NULL)
    return NULL;
  return g_variant_ref_sink (describe_session (session));
}

static int
compare_sessions (gconstpointer a,
                  gconstpointer b)
{
  const AvdSession *sa = *(AvdSession * const *) a;
  const AvdSession *sb = *(AvdSession * const *) b;

  if (sa->created_at_ms != sb->created_at_ms)
    return sa->created_at_ms < sb->created_at_ms ? -1 : 1;
  return g_strcmp0 (sa->id, sb->id);
}

/**
 * avd_session_manager_list:
 * @self: the session manager
 *
 * Every live session as avd_session_manager_describe() gives it, oldest
 * first.
 *
 * Returns: (transfer full): an aa{sv}
 */
GVariant *
avd_session_manager_list (AvdSessionManager *self)
{
  g_auto(GVariantBuilder) b = G_VARIANT_BUILDER_INIT (G_VARIANT_TYPE ("aa{sv}"));
  g_autoptr(GPtrArray) sorted = g_ptr_array_new ();
  GHashTableIter iter;
  AvdSession *session;

  g_return_val_if_fail (AVD_IS_SESSION_MANAGER (self), NULL);

  g_hash_table_iter_init (&iter, self->sessions);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &session))
    g_ptr_array_add (sorted, session);
  g_ptr_array_sort (sorted, compare_sessions);
  for (guint i = 0; i < sorted->len; i++)
    g_variant_builder_add_value (&b, describe_session (g_ptr_array_index (sorted, i)));
  return g_variant_ref_sink (g_variant_builder_end (&b));
}

/**
 * avd_session_manager_get_n_participants:
 * @self: the session manager
 * @out_online: (out) (optional): how many of them are online
 *
 * Returns: the members of every live session, counted once per session
 */
guint
avd_session_manager_get_n_participants (AvdSessionManager *self,
                                        guint             *out_online)
{
  GHashTableIter iter;
  AvdSession *session;
  guint n = 0;
  guint online = 0;

  g_return_val_if_fail (AVD_IS_SESSION_MANAGER (self), 0);

  g_hash_table_iter_init (&iter, self->sessions);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &session))
    {
      n += session->participants->len;
      online += avd_session_count_online (session);
    }
  if (out_online != NULL)
    *out_online = online;
  return n;
}

/**
 * avd_session_manager_end_session_admin:
 * @self: the session manager
 * @session_id: a live session's id
 * @error: return location for an error
 *
 * Ends the session by an operator's decision: its online members get
 * SESSION_ENDED with reason ADMIN.
 *
 * Returns: TRUE, or FALSE with %AVD_ERROR_SESSION_NOT_FOUND
 */
gboolean
avd_session_manager_end_session_admin (AvdSessionManager  *self,
                                       const char         *session_id,
                                       GError            **error)
{
  AvdSession *session;

  g_return_val_if_fail (AVD_IS_SESSION_MANAGER (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  session = lookup_session_or_error (self, session_id, error);
  if (session == NULL)
    return FALSE;
  end_session (self, session, "ADMIN", NULL, NULL);
  return TRUE;
}

/**
 * avd_session_manager_kick:
 * @self: the session manager
 * @session_id: a live session's id
 * @fingerprint: a member of it
 * @error: return location for an error
 *
 * Removes @fingerprint from the session: it and every other member get
 * PARTICIPANT_LEFT with reason KICKED, and its membership is gone (its
 * relays get NOT_IN_SESSION).  Kicking the host ends the session
 * (HOST_LEFT), as the host leaving does.
 *
 * Returns: TRUE, or FALSE with %AVD_ERROR_SESSION_NOT_FOUND or
 *   %AVD_ERROR_DEVICE_NOT_FOUND (not a member)
 */
gboolean
avd_session_manager_kick (AvdSessionManager  *self,
                          const char         *session_id,
                          const char         *fingerprint,
                          GError            **error)
{
  AvdSession *session;
  AvdParticipant *p;

  g_return_val_if_fail (AVD_IS_SESSION_MANAGER (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  session = lookup_session_or_error (self, session_id, error);
  if (session == NULL)
    return FALSE;
  p = fingerprint != NULL ? avd_session_lookup (session, fingerprint) : NULL;
  if (p == NULL)
    {
      g_set_error (error, AVD_ERROR, AVD_ERROR_DEVICE_NOT_FOUND,
                   "The device ‘%s’ is not a member of session %s",
                   fingerprint != NULL ? fingerprint : "", session->id);
      return FALSE;
    }

  g_message ("session %s: a participant was kicked", session->id);
  /* The kicked device hears it too, before it is gone from the session
   * (participant_left() only tells the ones who stay). */
  if (p->online && p->connection != NULL)
    {
      g_autoptr(JsonObject) event = avanue_protocol_build_participant_left (session->id, p->fingerprint, "KICKED");

      avd_connection_send (p->connection, event);
    }
  participant_left (self, session, p, "KICKED");
  return TRUE;
}

/**
 * avd_session_manager_end_sessions_for_license:
 * @self: the session manager
 * @license_id: a licence's id
 *
 * Ends at once, with LICENSE_EXPIRED, every live session carried by the
 * licence (after it was revoked: the periodic re-validation would end them
 * only after the cache period).
 *
 * Returns: how many sessions ended
 */
guint
avd_session_manager_end_sessions_for_license (AvdSessionManager *self,
                                              const char        *license_id)
{
  g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func (g_free);
  GHashTableIter iter;
  AvdSession *session;
  guint n = 0;

  g_return_val_if_fail (AVD_IS_SESSION_MANAGER (self), 0);
  g_return_val_if_fail (license_id != NULL, 0);

  g_hash_table_iter_init (&iter, self->sessions);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &session))
    if (g_strcmp0 (session->license_id, license_id) == 0)
      g_ptr_array_add (ids, g_strdup (session->id));

  for (guint i = 0; i < ids->len; i++)
    {
      session = g_hash_table_lookup (self->sessions, g_ptr_array_index (ids, i));
      if (session == NULL)
        continue;
      end_session (self, session, "LICENSE_EXPIRED", NULL, NULL);
      n++;
    }
  return n;
}

/**
 * avd_session_manager_reload_config:
 * @self: the session manager
 * @config: the configuration, just re-read
 *
 * Applies [limits] grace-seconds, missed-events-max and
 * hub-hysteresis-percent from now on (a grace period already running keeps
 * its length).
 */
void
avd_session_manager_reload_config (AvdSessionManager *self,
                                   AvdConfig         *config)
{
  g_return_if_fail (AVD_IS_SESSION_MANAGER (self));

  self->grace_seconds = MAX (avd_config_get_int (config, "limits", "grace-seconds"), 0);
  self->missed_max = MAX (avd_config_get_int (config, "limits", "missed-events-max"), 1);
  self->hysteresis_percent = MAX (avd_config_get_int (config, "limits", "hub-hysteresis-percent"), 0);
}
