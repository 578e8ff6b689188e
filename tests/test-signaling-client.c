/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Tests of AvanueSignalingClient, AvanueSession and AvanueParticipant.
 *
 * The session and participant models are fed event JSON written out by
 * hand, as the protocol (DESIGN §5) spells it, and checked property by
 * property, with notify and items-changed counts.
 *
 * The client is driven against a scripted server in this process: a
 * libsoup WebSocket server that speaks the protocol, validates every
 * client message with the shared schema (AvanueProtocol, client → server)
 * and verifies the registration signature itself. The test against the
 * real avanued is tests/integration/test-signaling.c. */
#include "config.h"

#include <string.h>
#include <libsoup/soup.h>

#include "avanue.h"
#include "avanue-participant-private.h"
#include "avanue-session-private.h"
#include "avanue-signaling-client-private.h"

#define FP_A "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define FP_B "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
#define FP_C "cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc"
#define FP_D "dddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddd"

#define PARTICIPANT(fp, name, role, topo, online, joined) \
  "{\"fingerprint\":\"" fp "\",\"deviceName\":\"" name "\",\"platform\":\"DESKTOP\"," \
  "\"deviceType\":\"DESKTOP\",\"role\":\"" role "\",\"topologyRole\":\"" topo "\"," \
  "\"isLicensed\":false,\"capabilityScore\":412.5,\"online\":" online ",\"joinedAt\":" joined "}"

#define LIMITS_FREE \
  "{\"tier\":\"free\",\"maxPeers\":2,\"maxDurationSeconds\":2400,\"turnAllowed\":false," \
  "\"expiresAt\":1700002400000}"

/* ------------------------------------------------------------------------
 * Helpers
 * ------------------------------------------------------------------------ */

static JsonObject *
parse_object (const char *json)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = json_from_string (json, &error);

  g_assert_no_error (error);
  g_assert_nonnull (node);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (node));
  return json_object_ref (json_node_get_object (node));
}

static void
count_cb (gpointer object,
          gpointer pspec_or_arg,
          guint   *counter)
{
  (*counter)++;
}

static void
count_notify (gpointer    object,
              const char *property,
              guint      *counter)
{
  g_autofree char *detailed = g_strdup_printf ("notify::%s", property);

  g_signal_connect (object, detailed, G_CALLBACK (count_cb), counter);
}

typedef struct
{
  guint count;
  guint position;
  guint removed;
  guint added;
} ItemsChanged;

static void
items_changed_cb (GListModel   *model,
                  guint         position,
                  guint         removed,
                  guint         added,
                  ItemsChanged *record)
{
  record->count++;
  record->position = position;
  record->removed = removed;
  record->added = added;
}

static AvanueParticipant *
nth_participant (AvanueSession *session,
                 guint          n)
{
  GListModel *model = avanue_session_get_participants (session);
  g_autoptr(AvanueParticipant) participant = g_list_model_get_item (model, n);

  g_assert_nonnull (participant);
  return participant;           /* the store keeps it alive */
}

static void
apply (AvanueSession *session,
       const char    *json)
{
  g_autoptr(JsonObject) event = parse_object (json);
  g_autoptr(GError) error = NULL;

  g_assert_true (avanue_session_apply_event (session, event, &error));
  g_assert_no_error (error);
}

static gboolean
timed_out_cb (gpointer data)
{
  *(gboolean *) data = TRUE;
  return G_SOURCE_REMOVE;
}

/* Runs the main loop until @cond holds, failing after 10 s. */
#define WAIT_FOR(cond)                                                        \
  G_STMT_START {                                                              \
    gboolean timed_out_ = FALSE;                                              \
    guint timeout_id_ = g_timeout_add (10000, timed_out_cb, &timed_out_);     \
    while (!(cond) && !timed_out_)                                            \
      g_main_context_iteration (NULL, TRUE);                                  \
    if (!timed_out_)                                                          \
      g_source_remove (timeout_id_);                                          \
    if (!(cond))                                                              \
      g_error ("timed out waiting for %s", #cond);                            \
  } G_STMT_END

/* Runs the main loop for @ms milliseconds. */
static void
spin (guint ms)
{
  gboolean done = FALSE;

  g_timeout_add (ms, timed_out_cb, &done);
  while (!done)
    g_main_context_iteration (NULL, TRUE);
}

static void
store_result_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  GAsyncResult **out = user_data;

  *out = g_object_ref (result);
}

/* ------------------------------------------------------------------------
 * AvanueParticipant
 * ------------------------------------------------------------------------ */

static void
test_participant_from_json (void)
{
  g_autoptr(JsonObject) object = parse_object (
    "{\"fingerprint\":\"" FP_A "\",\"deviceName\":\"Kitchen tablet\",\"platform\":\"ANDROID\","
    "\"deviceType\":\"TABLET\",\"role\":\"HOST\",\"topologyRole\":\"HUB\",\"isLicensed\":true,"
    "\"capabilityScore\":530.25,\"online\":false,\"joinedAt\":1700000000123,\"extra\":[1,2]}");
  g_autoptr(AvanueParticipant) participant = NULL;
  g_autoptr(JsonObject) back = NULL;
  g_autoptr(AvanueParticipant) again = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *name = NULL;
  AvanueTopologyRole topology_role;

  participant = avanue_participant_new_from_json (object, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (avanue_participant_get_fingerprint (participant), ==, FP_A);
  g_assert_cmpstr (avanue_participant_get_device_name (participant), ==, "Kitchen tablet");
  g_assert_cmpint (avanue_participant_get_platform (participant), ==, AVANUE_PLATFORM_ANDROID);
  g_assert_cmpint (avanue_participant_get_device_type (participant), ==, AVANUE_DEVICE_TYPE_TABLET);
  g_assert_cmpint (avanue_participant_get_role (participant), ==, AVANUE_PARTICIPANT_ROLE_HOST);
  g_assert_cmpint (avanue_participant_get_topology_role (participant), ==, AVANUE_TOPOLOGY_ROLE_HUB);
  g_assert_true (avanue_participant_get_is_licensed (participant));
  g_assert_cmpfloat (avanue_participant_get_capability_score (participant), ==, 530.25);
  g_assert_false (avanue_participant_get_online (participant));
  g_assert_cmpint (avanue_participant_get_joined_at (participant), ==, G_GINT64_CONSTANT (1700000000123));

  /* the same through GObject properties */
  g_object_get (participant, "device-name", &name, "topology-role", &topology_role, NULL);
  g_assert_cmpstr (name, ==, "Kitchen tablet");
  g_assert_cmpint (topology_role, ==, AVANUE_TOPOLOGY_ROLE_HUB);

  /* to_json writes the wire names back */
  back = avanue_participant_to_json (participant);
  g_assert_cmpstr (json_object_get_string_member (back, "platform"), ==, "ANDROID");
  g_assert_cmpstr (json_object_get_string_member (back, "deviceType"), ==, "TABLET");
  g_assert_cmpstr (json_object_get_string_member (back, "role"), ==, "HOST");
  g_assert_cmpstr (json_object_get_string_member (back, "topologyRole"), ==, "HUB");
  g_assert_cmpint (json_object_get_int_member (back, "joinedAt"), ==, G_GINT64_CONSTANT (1700000000123));
  again = avanue_participant_new_from_json (back, &error);
  g_assert_no_error (error);
  g_assert_cmpfloat (avanue_participant_get_capability_score (again), ==, 530.25);

  /* the wire names of the enums */
  g_assert_cmpstr (avanue_participant_role_to_string (AVANUE_PARTICIPANT_ROLE_GUEST), ==, "GUEST");
  g_assert_cmpstr (avanue_topology_role_to_string (AVANUE_TOPOLOGY_ROLE_SPOKE), ==, "SPOKE");
  g_assert_null (avanue_topology_role_to_string ((AvanueTopologyRole) 7));
  g_assert_false (avanue_topology_role_from_string ("hub", NULL));
}

static void
test_participant_defaults_and_errors (void)
{
  const char *bad[] = {
    "{}",
    "{\"fingerprint\":\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\"}",
    "{\"fingerprint\":\"" FP_A "0\"}",
    "{\"fingerprint\":42}",
    "{\"fingerprint\":\"" FP_A "\",\"platform\":\"AMIGA\"}",
    "{\"fingerprint\":\"" FP_A "\",\"role\":\"OWNER\"}",
    "{\"fingerprint\":\"" FP_A "\",\"topologyRole\":\"hub\"}",
    "{\"fingerprint\":\"" FP_A "\",\"online\":\"yes\"}",
    "{\"fingerprint\":\"" FP_A "\",\"capabilityScore\":\"9\"}",
    "{\"fingerprint\":\"" FP_A "\",\"capabilityScore\":-1}",
    "{\"fingerprint\":\"" FP_A "\",\"joinedAt\":1.5}",
    "{\"fingerprint\":\"" FP_A "\",\"deviceName\":[]}",
  };
  g_autoptr(JsonObject) minimal = parse_object ("{\"fingerprint\":\"" FP_B "\",\"deviceName\":null}");
  g_autoptr(AvanueParticipant) participant = NULL;
  g_autoptr(GError) error = NULL;

  participant = avanue_participant_new_from_json (minimal, &error);
  g_assert_no_error (error);
  g_assert_null (avanue_participant_get_device_name (participant));
  g_assert_cmpint (avanue_participant_get_platform (participant), ==, AVANUE_PLATFORM_UNKNOWN);
  g_assert_cmpint (avanue_participant_get_role (participant), ==, AVANUE_PARTICIPANT_ROLE_GUEST);
  g_assert_cmpint (avanue_participant_get_topology_role (participant), ==, AVANUE_TOPOLOGY_ROLE_SPOKE);
  g_assert_true (avanue_participant_get_online (participant));
  g_assert_cmpint (avanue_participant_get_joined_at (participant), ==, 0);

  for (gsize i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(JsonObject) object = parse_object (bad[i]);
      g_autoptr(AvanueParticipant) nope = NULL;

      g_clear_error (&error);
      nope = avanue_participant_new_from_json (object, &error);
      g_assert_null (nope);
      g_assert_error (error, AVANUE_PROTOCOL_ERROR, AVANUE_PROTOCOL_ERROR_BAD_REQUEST);
    }
}

static void
test_participant_update_notifies (void)
{
  g_autoptr(JsonObject) object = parse_object (PARTICIPANT (FP_A, "Laptop", "GUEST", "SPOKE", "true", "1000"));
  g_autoptr(JsonObject) same = parse_object (PARTICIPANT (FP_A, "Laptop", "GUEST", "SPOKE", "true", "1000"));
  g_autoptr(JsonObject) changed = parse_object (PARTICIPANT (FP_A, "Laptop 2", "GUEST", "HUB", "false", "1000"));
  g_autoptr(JsonObject) other = parse_object (PARTICIPANT (FP_B, "Phone", "GUEST", "SPOKE", "true", "1000"));
  g_autoptr(AvanueParticipant) participant = avanue_participant_new_from_json (object, NULL);
  g_autoptr(GError) error = NULL;
  guint any = 0, name = 0, topo = 0, online = 0, score = 0;

  g_signal_connect (participant, "notify", G_CALLBACK (count_cb), &any);
  count_notify (participant, "device-name", &name);
  count_notify (participant, "topology-role", &topo);
  count_notify (participant, "online", &online);
  count_notify (participant, "capability-score", &score);

  g_assert_true (avanue_participant_update_from_json (participant, same, &error));
  g_assert_cmpuint (any, ==, 0);

  g_assert_true (avanue_participant_update_from_json (participant, changed, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (name, ==, 1);
  g_assert_cmpuint (topo, ==, 1);
  g_assert_cmpuint (online, ==, 1);
  g_assert_cmpuint (score, ==, 0);
  g_assert_cmpuint (any, ==, 3);

  /* another device's object is refused and changes nothing */
  g_assert_false (avanue_participant_update_from_json (participant, other, &error));
  g_assert_error (error, AVANUE_PROTOCOL_ERROR, AVANUE_PROTOCOL_ERROR_BAD_REQUEST);
  g_assert_cmpstr (avanue_participant_get_device_name (participant), ==, "Laptop 2");
  g_assert_cmpuint (any, ==, 3);
}

/* ------------------------------------------------------------------------
 * AvanueSession: the model fed with events
 * ------------------------------------------------------------------------ */

static AvanueSession *
joined_session (void)
{
  g_autoptr(JsonObject) joined = parse_object (
    "{\"type\":\"SESSION_JOINED\",\"re\":\"r2\",\"sessionId\":\"s-1\",\"sessionType\":\"CALL\","
    "\"participants\":[" PARTICIPANT (FP_A, "Host laptop", "HOST", "HUB", "true", "1000") ","
                         PARTICIPANT (FP_B, "My phone", "GUEST", "SPOKE", "true", "2000") "],"
    "\"hubFingerprint\":\"" FP_A "\",\"limits\":" LIMITS_FREE "}");
  g_autoptr(GError) error = NULL;
  AvanueSession *session = avanue_session_new_from_message (joined, FP_B, &error);

  g_assert_no_error (error);
  g_assert_nonnull (session);
  return session;
}

static void
test_session_joined (void)
{
  g_autoptr(AvanueSession) session = joined_session ();
  GListModel *participants = avanue_session_get_participants (session);
  g_autoptr(GListModel) from_property = NULL;

  g_assert_cmpstr (avanue_session_get_session_id (session), ==, "s-1");
  g_assert_cmpstr (avanue_session_get_session_type (session), ==, "CALL");
  g_assert_cmpstr (avanue_session_get_hub_fingerprint (session), ==, FP_A);
  g_assert_cmpstr (avanue_session_get_tier (session), ==, "free");
  g_assert_cmpuint (avanue_session_get_max_peers (session), ==, 2);
  g_assert_cmpuint (avanue_session_get_max_duration_seconds (session), ==, 2400);
  g_assert_false (avanue_session_get_turn_allowed (session));
  g_assert_cmpint (avanue_session_get_expires_at (session), ==, G_GINT64_CONSTANT (1700002400000));
  g_assert_null (avanue_session_get_turn_credentials (session));
  g_assert_null (avanue_session_get_invite_code (session));
  g_assert_cmpstr (avanue_session_get_local_fingerprint (session), ==, FP_B);
  g_assert_cmpint (avanue_session_get_local_role (session), ==, AVANUE_PARTICIPANT_ROLE_GUEST);
  g_assert_false (avanue_session_get_ended (session));
  g_assert_null (avanue_session_get_end_reason (session));

  g_assert_true (g_list_model_get_item_type (participants) == AVANUE_TYPE_PARTICIPANT);
  g_assert_cmpuint (g_list_model_get_n_items (participants), ==, 2);
  g_assert_cmpstr (avanue_participant_get_fingerprint (nth_participant (session, 0)), ==, FP_A);
  g_assert_cmpstr (avanue_participant_get_fingerprint (nth_participant (session, 1)), ==, FP_B);
  g_assert_true (avanue_session_get_local_participant (session) == nth_participant (session, 1));
  g_assert_true (avanue_session_lookup_participant (session, FP_A) == nth_participant (session, 0));
  g_assert_null (avanue_session_lookup_participant (session, FP_C));

  g_object_get (session, "participants", &from_property, NULL);
  g_assert_true (from_property == participants);

  /* a guest's invite code is normalised, with its join URL */
  avanue_session_set_invite_code (session, "avne 2345 6789");
  g_assert_cmpstr (avanue_session_get_invite_code (session), ==, "AVNE-2345-6789");
  g_assert_cmpstr (avanue_session_get_join_url (session), ==, "avanues://join/AVNE-2345-6789");
}

static void
test_session_created (void)
{
  g_autoptr(JsonObject) created = parse_object (
    "{\"type\":\"SESSION_CREATED\",\"re\":\"r1\",\"sessionId\":\"s-9\",\"inviteCode\":\"AVNE-ABCD-EFGH\","
    "\"joinUrl\":\"avanues://join/AVNE-ABCD-EFGH\",\"sessionType\":\"FILE_TRANSFER\",\"hubFingerprint\":null,"
    "\"limits\":{\"tier\":\"pro\",\"maxPeers\":10,\"maxDurationSeconds\":0,\"turnAllowed\":true,\"expiresAt\":null},"
    "\"turnCredentials\":{\"username\":\"1700003600:s-9:" FP_A "\",\"password\":\"cGFzc3dvcmQ=\","
    "\"urls\":[\"turn:127.0.0.1:3478\",\"turn:127.0.0.1:3478?transport=tcp\"],\"ttlSeconds\":3600}}");
  g_autoptr(AvanueSession) session = NULL;
  g_autoptr(GError) error = NULL;
  AvanueTurnCredentials *credentials;
  const char * const *urls;

  session = avanue_session_new_from_message (created, FP_A, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (avanue_session_get_invite_code (session), ==, "AVNE-ABCD-EFGH");
  g_assert_cmpstr (avanue_session_get_join_url (session), ==, "avanues://join/AVNE-ABCD-EFGH");
  g_assert_cmpstr (avanue_session_get_session_type (session), ==, "FILE_TRANSFER");
  g_assert_null (avanue_session_get_hub_fingerprint (session));
  g_assert_cmpstr (avanue_session_get_tier (session), ==, "pro");
  g_assert_cmpuint (avanue_session_get_max_peers (session), ==, 10);
  g_assert_cmpuint (avanue_session_get_max_duration_seconds (session), ==, 0);
  g_assert_true (avanue_session_get_turn_allowed (session));
  g_assert_cmpint (avanue_session_get_expires_at (session), ==, 0);
  g_assert_cmpuint (g_list_model_get_n_items (avanue_session_get_participants (session)), ==, 0);

  credentials = avanue_session_get_turn_credentials (session);
  g_assert_nonnull (credentials);
  g_assert_cmpstr (avanue_turn_credentials_get_username (credentials), ==, "1700003600:s-9:" FP_A);
  g_assert_cmpstr (avanue_turn_credentials_get_password (credentials), ==, "cGFzc3dvcmQ=");
  g_assert_cmpuint (avanue_turn_credentials_get_ttl_seconds (credentials), ==, 3600);
  g_assert_cmpint (avanue_turn_credentials_get_expires_at (credentials), ==, 1700003600);
  urls = avanue_turn_credentials_get_urls (credentials);
  g_assert_nonnull (urls);
  g_assert_cmpuint (g_strv_length ((char **) urls), ==, 2);
  g_assert_cmpstr (urls[1], ==, "turn:127.0.0.1:3478?transport=tcp");

  /* only the three session answers make a session */
  {
    g_autoptr(JsonObject) pong = parse_object ("{\"type\":\"PONG\",\"timestamp\":1}");
    g_autoptr(AvanueSession) nope = avanue_session_new_from_message (pong, FP_A, &error);

    g_assert_null (nope);
    g_assert_error (error, AVANUE_PROTOCOL_ERROR, AVANUE_PROTOCOL_ERROR_BAD_REQUEST);
  }
}

static void
test_session_events (void)
{
  g_autoptr(AvanueSession) session = joined_session ();
  GListModel *participants = avanue_session_get_participants (session);
  ItemsChanged changes = { 0 };
  AvanueParticipant *host = nth_participant (session, 0);
  AvanueParticipant *me = nth_participant (session, 1);
  AvanueParticipant *carol;
  guint hub_notify = 0, any_session_notify = 0;
  guint carol_online = 0, carol_topo = 0, carol_any = 0;
  guint host_topo = 0, me_any = 0;
  guint ended_notify = 0, reason_notify = 0;

  g_signal_connect (participants, "items-changed", G_CALLBACK (items_changed_cb), &changes);
  g_signal_connect (session, "notify", G_CALLBACK (count_cb), &any_session_notify);
  count_notify (session, "hub-fingerprint", &hub_notify);
  count_notify (session, "ended", &ended_notify);
  count_notify (session, "end-reason", &reason_notify);
  count_notify (host, "topology-role", &host_topo);
  g_signal_connect (me, "notify", G_CALLBACK (count_cb), &me_any);

  /* PARTICIPANT_JOINED appends */
  apply (session, "{\"type\":\"PARTICIPANT_JOINED\",\"sessionId\":\"s-1\",\"participant\":"
                  PARTICIPANT (FP_C, "Carol's glasses", "GUEST", "SPOKE", "true", "3000") "}");
  g_assert_cmpuint (changes.count, ==, 1);
  g_assert_cmpuint (changes.position, ==, 2);
  g_assert_cmpuint (changes.removed, ==, 0);
  g_assert_cmpuint (changes.added, ==, 1);
  g_assert_cmpuint (g_list_model_get_n_items (participants), ==, 3);
  carol = nth_participant (session, 2);
  g_assert_cmpstr (avanue_participant_get_fingerprint (carol), ==, FP_C);
  g_assert_cmpstr (avanue_participant_get_device_name (carol), ==, "Carol's glasses");
  count_notify (carol, "online", &carol_online);
  count_notify (carol, "topology-role", &carol_topo);
  g_signal_connect (carol, "notify", G_CALLBACK (count_cb), &carol_any);

  /* PARTICIPANT_OFFLINE updates in place */
  apply (session, "{\"type\":\"PARTICIPANT_OFFLINE\",\"sessionId\":\"s-1\",\"fingerprint\":\"" FP_C "\"}");
  g_assert_false (avanue_participant_get_online (carol));
  g_assert_cmpuint (carol_online, ==, 1);
  g_assert_cmpuint (changes.count, ==, 1);
  /* twice is no change */
  apply (session, "{\"type\":\"PARTICIPANT_OFFLINE\",\"sessionId\":\"s-1\",\"fingerprint\":\"" FP_C "\"}");
  g_assert_cmpuint (carol_online, ==, 1);

  /* Carol comes back: the same object, updated, not a second row */
  apply (session, "{\"type\":\"PARTICIPANT_JOINED\",\"sessionId\":\"s-1\",\"participant\":"
                  PARTICIPANT (FP_C, "Carol's glasses", "GUEST", "SPOKE", "true", "3000") "}");
  g_assert_true (nth_participant (session, 2) == carol);
  g_assert_true (avanue_participant_get_online (carol));
  g_assert_cmpuint (carol_online, ==, 2);
  g_assert_cmpuint (changes.count, ==, 1);
  g_assert_cmpuint (g_list_model_get_n_items (participants), ==, 3);

  /* HUB_ELECTED: the hub and both topology roles */
  apply (session, "{\"type\":\"HUB_ELECTED\",\"sessionId\":\"s-1\",\"hubFingerprint\":\"" FP_C "\","
                  "\"reason\":\"CAPABILITY_CHANGE\"}");
  g_assert_cmpstr (avanue_session_get_hub_fingerprint (session), ==, FP_C);
  g_assert_cmpuint (hub_notify, ==, 1);
  g_assert_cmpint (avanue_participant_get_topology_role (carol), ==, AVANUE_TOPOLOGY_ROLE_HUB);
  g_assert_cmpint (avanue_participant_get_topology_role (host), ==, AVANUE_TOPOLOGY_ROLE_SPOKE);
  g_assert_cmpuint (carol_topo, ==, 1);
  g_assert_cmpuint (host_topo, ==, 1);

  /* the ROLE_CHANGED that go with it agree: nothing more changes */
  apply (session, "{\"type\":\"ROLE_CHANGED\",\"sessionId\":\"s-1\",\"fingerprint\":\"" FP_A "\","
                  "\"oldRole\":\"HUB\",\"newRole\":\"SPOKE\"}");
  apply (session, "{\"type\":\"ROLE_CHANGED\",\"sessionId\":\"s-1\",\"fingerprint\":\"" FP_C "\","
                  "\"oldRole\":\"SPOKE\",\"newRole\":\"HUB\"}");
  g_assert_cmpuint (carol_topo, ==, 1);
  g_assert_cmpuint (host_topo, ==, 1);

  /* ROLE_CHANGED on its own */
  apply (session, "{\"type\":\"ROLE_CHANGED\",\"sessionId\":\"s-1\",\"fingerprint\":\"" FP_B "\","
                  "\"oldRole\":\"SPOKE\",\"newRole\":\"HUB\"}");
  g_assert_cmpint (avanue_participant_get_topology_role (me), ==, AVANUE_TOPOLOGY_ROLE_HUB);
  g_assert_cmpuint (me_any, ==, 1);
  g_assert_cmpuint (hub_notify, ==, 1);

  /* events about strangers change nothing */
  apply (session, "{\"type\":\"PARTICIPANT_OFFLINE\",\"sessionId\":\"s-1\",\"fingerprint\":\"" FP_D "\"}");
  apply (session, "{\"type\":\"PARTICIPANT_LEFT\",\"sessionId\":\"s-1\",\"fingerprint\":\"" FP_D "\","
                  "\"reason\":\"LEFT\"}");
  g_assert_cmpuint (changes.count, ==, 1);

  /* an event for another session is refused */
  {
    g_autoptr(JsonObject) event = parse_object ("{\"type\":\"PARTICIPANT_LEFT\",\"sessionId\":\"s-2\","
                                                "\"fingerprint\":\"" FP_C "\",\"reason\":\"LEFT\"}");
    g_autoptr(GError) error = NULL;

    g_assert_false (avanue_session_apply_event (session, event, &error));
    g_assert_error (error, AVANUE_PROTOCOL_ERROR, AVANUE_PROTOCOL_ERROR_BAD_REQUEST);
    g_assert_cmpuint (g_list_model_get_n_items (participants), ==, 3);
  }

  /* PARTICIPANT_LEFT removes */
  apply (session, "{\"type\":\"PARTICIPANT_LEFT\",\"sessionId\":\"s-1\",\"fingerprint\":\"" FP_C "\","
                  "\"reason\":\"DISCONNECT\"}");
  g_assert_cmpuint (changes.count, ==, 2);
  g_assert_cmpuint (changes.position, ==, 2);
  g_assert_cmpuint (changes.removed, ==, 1);
  g_assert_cmpuint (changes.added, ==, 0);
  g_assert_null (avanue_session_lookup_participant (session, FP_C));

  /* relayed messages are not the model's business */
  apply (session, "{\"type\":\"SDP_OFFER\",\"sessionId\":\"s-1\",\"fromFingerprint\":\"" FP_A "\",\"sdp\":\"v=0\"}");

  /* TURN_CREDENTIALS */
  apply (session, "{\"type\":\"TURN_CREDENTIALS\",\"username\":\"1:s-1:" FP_B "\",\"password\":\"eA==\","
                  "\"urls\":[\"turn:example.org\"],\"ttlSeconds\":600}");
  g_assert_cmpstr (avanue_turn_credentials_get_password (avanue_session_get_turn_credentials (session)), ==, "eA==");

  /* SESSION_ENDED */
  g_assert_cmpuint (ended_notify, ==, 0);
  apply (session, "{\"type\":\"SESSION_ENDED\",\"sessionId\":\"s-1\",\"reason\":\"HOST_LEFT\"}");
  g_assert_true (avanue_session_get_ended (session));
  g_assert_cmpstr (avanue_session_get_end_reason (session), ==, "HOST_LEFT");
  g_assert_cmpuint (ended_notify, ==, 1);
  g_assert_cmpuint (reason_notify, ==, 1);
}

static void
test_session_rejoined (void)
{
  g_autoptr(AvanueSession) session = joined_session ();
  GListModel *participants = avanue_session_get_participants (session);
  AvanueParticipant *host = nth_participant (session, 0);
  AvanueParticipant *me = nth_participant (session, 1);
  ItemsChanged changes = { 0 };
  guint host_name = 0, host_online = 0, host_any = 0, me_any = 0;
  guint hub_notify = 0, tier_notify = 0, turn_notify = 0;

  apply (session, "{\"type\":\"PARTICIPANT_JOINED\",\"sessionId\":\"s-1\",\"participant\":"
                  PARTICIPANT (FP_C, "Carol", "GUEST", "SPOKE", "true", "3000") "}");
  g_assert_cmpuint (g_list_model_get_n_items (participants), ==, 3);

  g_signal_connect (participants, "items-changed", G_CALLBACK (items_changed_cb), &changes);
  count_notify (host, "device-name", &host_name);
  count_notify (host, "online", &host_online);
  g_signal_connect (host, "notify", G_CALLBACK (count_cb), &host_any);
  g_signal_connect (me, "notify", G_CALLBACK (count_cb), &me_any);
  count_notify (session, "hub-fingerprint", &hub_notify);
  count_notify (session, "tier", &tier_notify);
  count_notify (session, "turn-credentials", &turn_notify);

  /* While this device was away, Carol left, Dave joined, the host went
   * offline and renamed itself, and Dave became the hub. The local device
   * is not in the list: it stays in the model anyway. */
  apply (session,
         "{\"type\":\"SESSION_REJOINED\",\"re\":\"r7\",\"sessionId\":\"s-1\",\"sessionType\":\"CALL\","
         "\"participants\":[" PARTICIPANT (FP_A, "Host laptop (2)", "HOST", "SPOKE", "false", "1000") ","
                              PARTICIPANT (FP_D, "Dave", "GUEST", "HUB", "true", "4000") "],"
         "\"hubFingerprint\":\"" FP_D "\","
         "\"limits\":{\"tier\":\"pro\",\"maxPeers\":10,\"maxDurationSeconds\":0,\"turnAllowed\":true,\"expiresAt\":null},"
         "\"turnCredentials\":{\"username\":\"u\",\"password\":\"p\",\"urls\":[\"turn:x\"],\"ttlSeconds\":60},"
         "\"missedEvents\":[]}");

  /* Carol removed, Dave appended */
  g_assert_cmpuint (changes.count, ==, 2);
  g_assert_cmpuint (changes.position, ==, 2);
  g_assert_cmpuint (changes.removed, ==, 0);
  g_assert_cmpuint (changes.added, ==, 1);
  g_assert_cmpuint (g_list_model_get_n_items (participants), ==, 3);
  g_assert_true (nth_participant (session, 0) == host);
  g_assert_true (nth_participant (session, 1) == me);
  g_assert_cmpstr (avanue_participant_get_fingerprint (nth_participant (session, 2)), ==, FP_D);
  g_assert_null (avanue_session_lookup_participant (session, FP_C));

  /* the host updated in place: each changed property notified once */
  g_assert_cmpstr (avanue_participant_get_device_name (host), ==, "Host laptop (2)");
  g_assert_false (avanue_participant_get_online (host));
  g_assert_cmpint (avanue_participant_get_topology_role (host), ==, AVANUE_TOPOLOGY_ROLE_SPOKE);
  g_assert_cmpuint (host_name, ==, 1);
  g_assert_cmpuint (host_online, ==, 1);
  g_assert_cmpuint (host_any, ==, 3);   /* name, online, topology role */
  g_assert_cmpuint (me_any, ==, 0);

  g_assert_cmpstr (avanue_session_get_hub_fingerprint (session), ==, FP_D);
  g_assert_cmpuint (hub_notify, ==, 1);
  g_assert_cmpstr (avanue_session_get_tier (session), ==, "pro");
  g_assert_cmpuint (tier_notify, ==, 1);
  g_assert_cmpuint (avanue_session_get_max_peers (session), ==, 10);
  g_assert_cmpint (avanue_session_get_expires_at (session), ==, 0);
  g_assert_cmpuint (turn_notify, ==, 1);
  g_assert_cmpstr (avanue_turn_credentials_get_username (avanue_session_get_turn_credentials (session)), ==, "u");
}

static void
test_session_bad_events (void)
{
  const char *bad[] = {
    "{}",
    "{\"type\":\"NOPE\"}",
    "{\"type\":\"PARTICIPANT_JOINED\",\"sessionId\":\"s-1\"}",
    "{\"type\":\"PARTICIPANT_JOINED\",\"sessionId\":\"s-1\",\"participant\":{\"fingerprint\":\"x\"}}",
    "{\"type\":\"PARTICIPANT_OFFLINE\",\"sessionId\":\"s-1\",\"fingerprint\":7}",
    "{\"type\":\"HUB_ELECTED\",\"sessionId\":\"s-1\",\"hubFingerprint\":null}",
    "{\"type\":\"ROLE_CHANGED\",\"sessionId\":\"s-1\",\"fingerprint\":\"" FP_A "\",\"newRole\":\"KING\"}",
    "{\"type\":\"SESSION_ENDED\",\"sessionId\":\"s-1\"}",
    "{\"type\":\"SESSION_REJOINED\",\"sessionId\":\"s-1\",\"sessionType\":\"CALL\",\"participants\":{}}",
    ("{\"type\":\"SESSION_REJOINED\",\"sessionId\":\"s-1\",\"sessionType\":\"CALL\","
       "\"participants\":[" PARTICIPANT (FP_D, "Dave", "GUEST", "HUB", "true", "4000") ",17]}"),
    ("{\"type\":\"SESSION_REJOINED\",\"sessionId\":\"s-1\",\"sessionType\":\"CALL\","
       "\"limits\":{\"tier\":\"free\",\"maxPeers\":-2,\"maxDurationSeconds\":0,\"turnAllowed\":true}}"),
    "{\"type\":\"TURN_CREDENTIALS\",\"username\":\"u\",\"password\":\"p\",\"urls\":[1],\"ttlSeconds\":1}",
    "{\"type\":\"TURN_CREDENTIALS\",\"username\":\"u\",\"ttlSeconds\":1}",
  };
  g_autoptr(AvanueSession) session = joined_session ();
  ItemsChanged changes = { 0 };
  guint any = 0;

  g_signal_connect (avanue_session_get_participants (session), "items-changed",
                    G_CALLBACK (items_changed_cb), &changes);
  g_signal_connect (session, "notify", G_CALLBACK (count_cb), &any);

  for (gsize i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(JsonObject) event = parse_object (bad[i]);
      g_autoptr(GError) error = NULL;

      g_assert_false (avanue_session_apply_event (session, event, &error));
      g_assert_error (error, AVANUE_PROTOCOL_ERROR, AVANUE_PROTOCOL_ERROR_BAD_REQUEST);
    }
  /* nothing changed, not even partly */
  g_assert_cmpuint (changes.count, ==, 0);
  g_assert_cmpuint (any, ==, 0);
  g_assert_cmpuint (g_list_model_get_n_items (avanue_session_get_participants (session)), ==, 2);
}

/* ------------------------------------------------------------------------
 * REGISTER_DEVICE and its signature
 * ------------------------------------------------------------------------ */

static void
test_register_signature (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(AvanueIdentity) identity = avanue_identity_new (&error);
  g_autoptr(AvanueSignalingClient) client = NULL;
  g_autoptr(AvanueProtocol) protocol = avanue_protocol_new ();
  g_autoptr(JsonObject) message = NULL;
  /* a nonce as avanued sends it: base64 of 32 bytes */
  const char *nonce = "q83vEjRWeJq83vEjRWeJq83vEjRWeJq83vEjRWeJq80=";
  const char *signature;
  const char *public_key;
  AvanueMessageType type;

  g_assert_no_error (error);
  client = avanue_signaling_client_new ("ws://127.0.0.1:1/v1/signal", identity);
  avanue_signaling_client_set_device_name (client, "Test bench");
  avanue_signaling_client_set_platform (client, AVANUE_PLATFORM_TV);
  avanue_signaling_client_set_device_type (client, AVANUE_DEVICE_TYPE_TV);

  message = avanue_signaling_client_build_register (client, "r1", nonce, &error);
  g_assert_no_error (error);
  g_assert_true (avanue_protocol_validate (protocol, message, AVANUE_MESSAGE_DIRECTION_CLIENT_TO_SERVER,
                                           &type, &error));
  g_assert_no_error (error);
  g_assert_cmpint (type, ==, AVANUE_MESSAGE_TYPE_REGISTER_DEVICE);
  g_assert_cmpstr (json_object_get_string_member (message, "id"), ==, "r1");
  g_assert_cmpstr (json_object_get_string_member (message, "fingerprint"), ==,
                   avanue_identity_get_fingerprint (identity));
  g_assert_cmpstr (json_object_get_string_member (message, "deviceName"), ==, "Test bench");
  g_assert_cmpstr (json_object_get_string_member (message, "platform"), ==, "TV");
  g_assert_cmpstr (json_object_get_string_member (message, "deviceType"), ==, "TV");

  public_key = json_object_get_string_member (message, "publicKey");
  signature = json_object_get_string_member (message, "signature");
  g_assert_cmpstr (public_key, ==, avanue_identity_get_public_key_base64 (identity));

  /* exactly "AVANUE1 REGISTER " + the nonce text */
  g_assert_true (avanue_identity_verify_base64_with_public_key (
    public_key, "AVANUE1 REGISTER q83vEjRWeJq83vEjRWeJq83vEjRWeJq83vEjRWeJq80=", signature, &error));
  g_assert_no_error (error);

  /* and nothing else: not the nonce alone, not its decoded bytes, not
   * another prefix, not another nonce */
  g_assert_false (avanue_identity_verify_base64_with_public_key (public_key, nonce, signature, NULL));
  g_assert_false (avanue_identity_verify_base64_with_public_key (
    public_key, "AVANUE1 REGISTER", signature, NULL));
  g_assert_false (avanue_identity_verify_base64_with_public_key (
    public_key, "AVANUE1 REGISTER  q83vEjRWeJq83vEjRWeJq83vEjRWeJq83vEjRWeJq80=", signature, NULL));
  g_assert_false (avanue_identity_verify_base64_with_public_key (
    public_key, "AVANUE1 REGISTER q83vEjRWeJq83vEjRWeJq83vEjRWeJq83vEjRWeJq81=", signature, NULL));
  g_assert_false (avanue_identity_verify_base64_with_public_key (
    public_key, "avanue1 register q83vEjRWeJq83vEjRWeJq83vEjRWeJq83vEjRWeJq80=", signature, NULL));

  /* Ed25519 is deterministic: the same nonce gives the same signature */
  {
    g_autoptr(JsonObject) again = avanue_signaling_client_build_register (client, NULL, nonce, &error);

    g_assert_no_error (error);
    g_assert_cmpstr (json_object_get_string_member (again, "signature"), ==, signature);
    g_assert_false (json_object_has_member (again, "id"));
  }

  /* an unknown platform cannot register */
  avanue_signaling_client_set_platform (client, AVANUE_PLATFORM_UNKNOWN);
  {
    g_autoptr(JsonObject) nope = avanue_signaling_client_build_register (client, "r2", nonce, &error);

    g_assert_null (nope);
    g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
  }
}

static void
test_reconnect_delays (void)
{
  g_autoptr(AvanueIdentity) identity = avanue_identity_new (NULL);
  g_autoptr(AvanueSignalingClient) client = avanue_signaling_client_new ("ws://127.0.0.1:1/v1/signal", identity);

  for (guint i = 0; i < 200; i++)
    {
      guint d0 = avanue_signaling_client_get_reconnect_delay (client, 0);
      guint d1 = avanue_signaling_client_get_reconnect_delay (client, 1);
      guint d3 = avanue_signaling_client_get_reconnect_delay (client, 3);
      guint d30 = avanue_signaling_client_get_reconnect_delay (client, 30);
      guint dmax = avanue_signaling_client_get_reconnect_delay (client, G_MAXUINT);

      g_assert_cmpuint (d0, >=, 125);
      g_assert_cmpuint (d0, <=, 250);
      g_assert_cmpuint (d1, >=, 250);
      g_assert_cmpuint (d1, <=, 500);
      g_assert_cmpuint (d3, >=, 1000);
      g_assert_cmpuint (d3, <=, 2000);
      g_assert_cmpuint (d30, >=, 15000);
      g_assert_cmpuint (d30, <=, 30000);
      g_assert_cmpuint (dmax, <=, 30000);
    }
}

static void
test_defaults (void)
{
  g_autoptr(AvanueIdentity) identity = avanue_identity_new (NULL);
  g_autoptr(AvanueSignalingClient) client = avanue_signaling_client_new ("ws://127.0.0.1:1/v1/signal", identity);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) payload = json_object_new ();

  g_assert_cmpint (avanue_signaling_client_get_state (client), ==, AVANUE_SIGNALING_STATE_DISCONNECTED);
  g_assert_true (avanue_signaling_client_get_auto_reconnect (client));
  g_assert_cmpuint (avanue_signaling_client_get_request_timeout (client), ==, 15);
  g_assert_cmpint (avanue_signaling_client_get_platform (client), ==, AVANUE_PLATFORM_DESKTOP);
  g_assert_cmpint (avanue_signaling_client_get_device_type (client), ==, AVANUE_DEVICE_TYPE_DESKTOP);
  g_assert_nonnull (avanue_signaling_client_get_device_name (client));
  g_assert_cmpuint (g_utf8_strlen (avanue_signaling_client_get_device_name (client), -1), >=, 1);
  g_assert_null (avanue_signaling_client_get_session (client));
  g_assert_null (avanue_signaling_client_get_client_id (client));
  g_assert_true (AVANUE_IS_PROTOCOL (avanue_signaling_client_get_protocol (client)));
  g_assert_true (avanue_signaling_client_get_identity (client) == identity);

  /* long names are cut to 100 characters, on a character boundary */
  {
    g_autoptr(GString) name = g_string_new (NULL);

    for (guint i = 0; i < 120; i++)
      g_string_append (name, "é");
    avanue_signaling_client_set_device_name (client, name->str);
    g_assert_cmpuint (g_utf8_strlen (avanue_signaling_client_get_device_name (client), -1), ==, 100);
  }

  /* fire-and-forget sends need a connection */
  g_assert_false (avanue_signaling_client_send_sdp_offer (client, "s-1", FP_A, "v=0", &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_CONNECTED);
  g_clear_error (&error);
  g_assert_false (avanue_signaling_client_send_app_message (client, "s-1", NULL, payload, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_CONNECTED);
}

/* ------------------------------------------------------------------------
 * A scripted signaling server
 * ------------------------------------------------------------------------ */

#define TEST_SESSION_ID "sess-1"
#define TEST_INVITE "AVNE-2345-6789"

typedef struct
{
  SoupServer *server;
  char *uri;
  AvanueProtocol *protocol;
  GPtrArray *connections;      /* open SoupWebsocketConnections */
  GPtrArray *dead;             /* closed ones */
  GPtrArray *received;         /* JsonObject: every valid client message */
  guint invalid;               /* client messages that failed the schema */
  guint registrations;
  guint connects;
  guint closed;
  gushort last_close_code;     /* as the client sent it */

  /* the script */
  guint heartbeat_seconds;
  gboolean refuse_registration;
  gboolean answer_pings;
  gboolean hold_pings;         /* keep PINGs to answer later, out of order */
  GPtrArray *held;             /* JsonObject: held PINGs */
  AvanueProtocolError rejoin_error;   /* or -1 */
  JsonArray *missed_events;    /* for SESSION_REJOINED */
  char *host_fingerprint;
} FakeServer;

static void
fake_send (SoupWebsocketConnection *ws,
           JsonObject              *message)
{
  g_autofree char *text = avanue_protocol_to_text (message);

  soup_websocket_connection_send_text (ws, text);
}

/* Sends @message to every open connection. */
static void
fake_broadcast (FakeServer *fake,
                JsonObject *message)
{
  for (guint i = 0; i < fake->connections->len; i++)
    fake_send (g_ptr_array_index (fake->connections, i), message);
}

static JsonObject *
fake_limits (void)
{
  return avanue_protocol_build_limits ("free", 2, 2400, FALSE, 0);
}

static JsonArray *
fake_participants (const char *local_fingerprint)
{
  JsonArray *array = json_array_new ();

  json_array_add_object_element (array,
    avanue_protocol_build_participant (FP_A, "Host", AVANUE_PLATFORM_DESKTOP, AVANUE_DEVICE_TYPE_DESKTOP,
                                       "HOST", "HUB", TRUE, 600, TRUE, 1000));
  json_array_add_object_element (array,
    avanue_protocol_build_participant (local_fingerprint, "Me", AVANUE_PLATFORM_DESKTOP,
                                       AVANUE_DEVICE_TYPE_DESKTOP, "GUEST", "SPOKE", FALSE, 300, TRUE, 2000));
  return array;
}

static void
fake_answer (FakeServer              *fake,
             SoupWebsocketConnection *ws,
             AvanueMessageType        type,
             JsonObject              *message,
             const char              *id)
{
  const char *fingerprint = g_object_get_data (G_OBJECT (ws), "fingerprint");
  g_autoptr(JsonObject) answer = NULL;

  switch (type)
    {
    case AVANUE_MESSAGE_TYPE_REGISTER_DEVICE:
      {
        const char *nonce = g_object_get_data (G_OBJECT (ws), "nonce");
        g_autofree char *signed_text = g_strconcat ("AVANUE1 REGISTER ", nonce, NULL);
        g_autofree char *expected_fp = NULL;
        const char *public_key = json_object_get_string_member (message, "publicKey");
        gboolean ok;

        ok = avanue_identity_verify_base64_with_public_key (public_key, signed_text,
                                                            json_object_get_string_member (message, "signature"),
                                                            NULL);
        expected_fp = avanue_identity_fingerprint_for_public_key (public_key, NULL);
        ok = ok && g_strcmp0 (expected_fp, json_object_get_string_member (message, "fingerprint")) == 0;
        if (!ok || fake->refuse_registration)
          {
            answer = avanue_protocol_build_error (AVANUE_PROTOCOL_ERROR_BAD_SIGNATURE, "bad signature", id);
            break;
          }
        g_object_set_data_full (G_OBJECT (ws), "fingerprint",
                                g_strdup (json_object_get_string_member (message, "fingerprint")), g_free);
        fake->registrations++;
        answer = avanue_protocol_build_device_registered (id, "dev-1",
                                                          json_object_get_string_member (message, "fingerprint"), 0);
      }
      break;

    case AVANUE_MESSAGE_TYPE_PING:
      if (fake->hold_pings)
        {
          g_ptr_array_add (fake->held, json_object_ref (message));
          return;
        }
      if (fake->answer_pings)
        answer = avanue_protocol_build_pong (id, 1700000000000 + fake->received->len);
      break;

    case AVANUE_MESSAGE_TYPE_CREATE_SESSION:
      {
        g_autoptr(JsonObject) limits = fake_limits ();

        g_free (fake->host_fingerprint);
        fake->host_fingerprint = g_strdup (fingerprint);
        answer = avanue_protocol_build_session_created (id, TEST_SESSION_ID, TEST_INVITE,
                                                        json_object_get_string_member (message, "sessionType"),
                                                        NULL, limits, NULL);
      }
      break;

    case AVANUE_MESSAGE_TYPE_JOIN_SESSION:
      {
        g_autoptr(JsonObject) limits = fake_limits ();
        g_autoptr(JsonArray) participants = fake_participants (fingerprint);

        if (g_strcmp0 (json_object_get_string_member (message, "inviteCode"), TEST_INVITE) != 0)
          answer = avanue_protocol_build_error (AVANUE_PROTOCOL_ERROR_SESSION_NOT_FOUND, "no such session", id);
        else
          answer = avanue_protocol_build_session_joined (id, TEST_SESSION_ID, "CALL", participants, FP_A,
                                                         limits, NULL);
      }
      break;

    case AVANUE_MESSAGE_TYPE_REJOIN_SESSION:
      {
        g_autoptr(JsonObject) limits = fake_limits ();
        g_autoptr(JsonArray) participants = fake_participants (fingerprint);
        g_autoptr(JsonArray) none = json_array_new ();

        if ((int) fake->rejoin_error >= 0)
          answer = avanue_protocol_build_error (fake->rejoin_error, "gone", id);
        else
          answer = avanue_protocol_build_session_rejoined (id, TEST_SESSION_ID, "CALL", participants, FP_A,
                                                           limits, NULL,
                                                           fake->missed_events != NULL ? fake->missed_events : none);
      }
      break;

    case AVANUE_MESSAGE_TYPE_LEAVE_SESSION:
      answer = avanue_protocol_build_session_left (id, json_object_get_string_member (message, "sessionId"));
      break;

    case AVANUE_MESSAGE_TYPE_END_SESSION:
      {
        /* to everyone, without `re` */
        g_autoptr(JsonObject) ended =
          avanue_protocol_build_session_ended (NULL, json_object_get_string_member (message, "sessionId"),
                                               "COMPLETED");
        fake_broadcast (fake, ended);
      }
      return;

    case AVANUE_MESSAGE_TYPE_REQUEST_TURN:
      {
        const char *urls[] = { "turn:127.0.0.1:3478", NULL };

        answer = avanue_protocol_build_turn_credentials (id, "1700003600:" TEST_SESSION_ID ":x", "c2VjcmV0",
                                                         urls, 3600);
      }
      break;

    default:
      return;
    }

  if (answer != NULL)
    fake_send (ws, answer);
}

static void
fake_on_message (SoupWebsocketConnection *ws,
                 int                      data_type,
                 GBytes                  *bytes,
                 FakeServer              *fake)
{
  g_autoptr(JsonObject) message = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *id = NULL;
  AvanueMessageType type;
  gsize length;
  const char *text = g_bytes_get_data (bytes, &length);

  message = avanue_protocol_parse (fake->protocol, text, (gssize) length, &type, &id, &error);
  if (message == NULL)
    {
      g_autoptr(JsonObject) answer = avanue_protocol_build_error_from_gerror (error, id);

      g_test_message ("the client sent an invalid message: %s", error->message);
      fake->invalid++;
      fake_send (ws, answer);
      return;
    }
  g_ptr_array_add (fake->received, json_object_ref (message));
  fake_answer (fake, ws, type, message, id);
}

static void
fake_on_closed (SoupWebsocketConnection *ws,
                FakeServer              *fake)
{
  fake->closed++;
  fake->last_close_code = soup_websocket_connection_get_close_code (ws);
  g_signal_handlers_disconnect_by_data (ws, fake);
  /* not freed inside its own signal: libsoup still uses it on return */
  g_ptr_array_add (fake->dead, g_object_ref (ws));
  g_ptr_array_remove (fake->connections, ws);
}

static void
fake_on_websocket (SoupServer              *server,
                   SoupServerMessage       *msg,
                   const char              *path,
                   SoupWebsocketConnection *ws,
                   gpointer                 user_data)
{
  FakeServer *fake = user_data;
  g_autoptr(JsonObject) connected = NULL;
  g_autofree char *nonce = NULL;
  g_autofree char *client_id = g_uuid_string_random ();
  guint8 raw[32];

  for (guint i = 0; i < sizeof raw; i++)
    raw[i] = (guint8) g_random_int_range (0, 256);
  nonce = g_base64_encode (raw, sizeof raw);

  fake->connects++;
  g_ptr_array_add (fake->connections, g_object_ref (ws));
  g_object_set_data_full (G_OBJECT (ws), "nonce", g_strdup (nonce), g_free);
  g_signal_connect (ws, "message", G_CALLBACK (fake_on_message), fake);
  g_signal_connect (ws, "closed", G_CALLBACK (fake_on_closed), fake);

  connected = avanue_protocol_build_connected (client_id, "avanued/test", nonce, fake->heartbeat_seconds);
  fake_send (ws, connected);
}

static FakeServer *
fake_server_new (void)
{
  FakeServer *fake = g_new0 (FakeServer, 1);
  g_autoptr(GError) error = NULL;
  g_autoptr(GSList) uris = NULL;
  GUri *uri;

  fake->protocol = avanue_protocol_new ();
  fake->connections = g_ptr_array_new_with_free_func (g_object_unref);
  fake->dead = g_ptr_array_new_with_free_func (g_object_unref);
  fake->received = g_ptr_array_new_with_free_func ((GDestroyNotify) json_object_unref);
  fake->held = g_ptr_array_new_with_free_func ((GDestroyNotify) json_object_unref);
  fake->heartbeat_seconds = 25;
  fake->answer_pings = TRUE;
  fake->rejoin_error = -1;

  fake->server = soup_server_new ("server-header", "avanued/test ", NULL);
  soup_server_add_websocket_handler (fake->server, "/v1/signal", NULL, NULL,
                                     fake_on_websocket, fake, NULL);
  soup_server_listen_local (fake->server, 0, SOUP_SERVER_LISTEN_IPV4_ONLY, &error);
  g_assert_no_error (error);
  uris = soup_server_get_uris (fake->server);
  g_assert_nonnull (uris);
  uri = uris->data;
  fake->uri = g_strdup_printf ("ws://127.0.0.1:%d/v1/signal", g_uri_get_port (uri));
  g_slist_free_full (g_steal_pointer (&uris), (GDestroyNotify) g_uri_unref);
  return fake;
}

static void
fake_server_free (FakeServer *fake)
{
  for (guint i = 0; i < fake->connections->len; i++)
    {
      SoupWebsocketConnection *ws = g_ptr_array_index (fake->connections, i);

      g_signal_handlers_disconnect_by_data (ws, fake);
      if (soup_websocket_connection_get_state (ws) == SOUP_WEBSOCKET_STATE_OPEN)
        soup_websocket_connection_close (ws, SOUP_WEBSOCKET_CLOSE_GOING_AWAY, NULL);
    }
  g_ptr_array_set_size (fake->connections, 0);
  soup_server_disconnect (fake->server);
  /* let both ends finish closing */
  spin (50);
  g_clear_object (&fake->server);
  g_clear_object (&fake->protocol);
  g_clear_pointer (&fake->connections, g_ptr_array_unref);
  g_clear_pointer (&fake->dead, g_ptr_array_unref);
  g_clear_pointer (&fake->received, g_ptr_array_unref);
  g_clear_pointer (&fake->held, g_ptr_array_unref);
  g_clear_pointer (&fake->missed_events, json_array_unref);
  g_free (fake->host_fingerprint);
  g_free (fake->uri);
  g_free (fake);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (FakeServer, fake_server_free)

/* The last message of @type the server received, or NULL. */
static JsonObject *
fake_last (FakeServer *fake,
           const char *type)
{
  for (guint i = fake->received->len; i > 0; i--)
    {
      JsonObject *message = g_ptr_array_index (fake->received, i - 1);

      if (g_strcmp0 (json_object_get_string_member (message, "type"), type) == 0)
        return message;
    }
  return NULL;
}

static guint
fake_count (FakeServer *fake,
            const char *type)
{
  guint n = 0;

  for (guint i = 0; i < fake->received->len; i++)
    {
      JsonObject *message = g_ptr_array_index (fake->received, i);

      if (g_strcmp0 (json_object_get_string_member (message, "type"), type) == 0)
        n++;
    }
  return n;
}

/* ------------------------------------------------------------------------
 * The client against the scripted server
 * ------------------------------------------------------------------------ */

typedef struct
{
  FakeServer *fake;
  AvanueIdentity *identity;
  AvanueSignalingClient *client;
  GPtrArray *log;             /* char *: signals in order, with arguments */
  GPtrArray *states;          /* GINT_TO_POINTER: state changes */
} Fixture;

static void
log_add (Fixture    *fixture,
         const char *format,
         ...) G_GNUC_PRINTF (2, 3);

static void
log_add (Fixture    *fixture,
         const char *format,
         ...)
{
  va_list args;

  va_start (args, format);
  g_ptr_array_add (fixture->log, g_strdup_vprintf (format, args));
  va_end (args);
}

static gboolean
log_contains (Fixture    *fixture,
              const char *entry)
{
  for (guint i = 0; i < fixture->log->len; i++)
    {
      if (g_str_equal (g_ptr_array_index (fixture->log, i), entry))
        return TRUE;
    }
  return FALSE;
}

static void
on_state (AvanueSignalingClient *client,
          GParamSpec            *pspec,
          Fixture               *fixture)
{
  g_ptr_array_add (fixture->states, GINT_TO_POINTER (avanue_signaling_client_get_state (client)));
}

static void
on_session_ended (AvanueSignalingClient *client, const char *session_id, const char *reason, Fixture *fixture)
{
  g_assert_null (avanue_signaling_client_get_session (client));
  log_add (fixture, "session-ended %s %s", session_id, reason);
}

static void
on_participant_joined (AvanueSignalingClient *client, AvanueParticipant *participant, Fixture *fixture)
{
  log_add (fixture, "participant-joined %.4s", avanue_participant_get_fingerprint (participant));
}

static void
on_participant_offline (AvanueSignalingClient *client, const char *fingerprint, Fixture *fixture)
{
  log_add (fixture, "participant-offline %.4s", fingerprint);
}

static void
on_participant_left (AvanueSignalingClient *client, const char *fingerprint, const char *reason, Fixture *fixture)
{
  log_add (fixture, "participant-left %.4s %s", fingerprint, reason);
}

static void
on_hub_elected (AvanueSignalingClient *client, const char *fingerprint, const char *reason, Fixture *fixture)
{
  log_add (fixture, "hub-elected %.4s %s", fingerprint, reason);
}

static void
on_role_changed (AvanueSignalingClient *client, const char *fingerprint,
                 AvanueTopologyRole old_role, AvanueTopologyRole new_role, Fixture *fixture)
{
  log_add (fixture, "role-changed %.4s %s %s", fingerprint,
           avanue_topology_role_to_string (old_role), avanue_topology_role_to_string (new_role));
}

static void
on_sdp_offer (AvanueSignalingClient *client, const char *from, const char *sdp, Fixture *fixture)
{
  log_add (fixture, "sdp-offer %.4s %s", from, sdp);
}

static void
on_sdp_answer (AvanueSignalingClient *client, const char *from, const char *sdp, Fixture *fixture)
{
  log_add (fixture, "sdp-answer %.4s %s", from, sdp);
}

static void
on_ice_candidate (AvanueSignalingClient *client, const char *from, const char *candidate,
                  const char *sdp_mid, int sdp_mline_index, Fixture *fixture)
{
  log_add (fixture, "ice-candidate %.4s [%s] %s %d", from, candidate,
           sdp_mid != NULL ? sdp_mid : "(null)", sdp_mline_index);
}

static void
on_app_message (AvanueSignalingClient *client, const char *from, JsonObject *payload, Fixture *fixture)
{
  log_add (fixture, "app-message %.4s %s", from, json_object_get_string_member (payload, "action"));
}

static void
on_turn_credentials (AvanueSignalingClient *client, AvanueTurnCredentials *credentials, Fixture *fixture)
{
  log_add (fixture, "turn-credentials %s", avanue_turn_credentials_get_password (credentials));
}

static void
on_server_error (AvanueSignalingClient *client, AvanueProtocolError code, const char *message, Fixture *fixture)
{
  log_add (fixture, "server-error %s", avanue_protocol_error_to_string (code));
}

static void
on_rejoined (AvanueSignalingClient *client, AvanueSession *session, Fixture *fixture)
{
  g_assert_true (avanue_signaling_client_get_session (client) == session);
  log_add (fixture, "rejoined %s", avanue_session_get_session_id (session));
}

static void
on_message (AvanueSignalingClient *client, const char *type, JsonObject *message, Fixture *fixture)
{
  g_assert_cmpstr (json_object_get_string_member (message, "type"), ==, type);
  log_add (fixture, "message %s", type);
}

static void
fixture_setup (Fixture       *fixture,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  fixture->fake = fake_server_new ();
  fixture->identity = avanue_identity_new (&error);
  g_assert_no_error (error);
  fixture->client = avanue_signaling_client_new (fixture->fake->uri, fixture->identity);
  avanue_signaling_client_set_request_timeout (fixture->client, 2);
  avanue_signaling_client_set_reconnect_delays (fixture->client, 20, 200);
  fixture->log = g_ptr_array_new_with_free_func (g_free);
  fixture->states = g_ptr_array_new ();

  g_signal_connect (fixture->client, "notify::state", G_CALLBACK (on_state), fixture);
  g_signal_connect (fixture->client, "session-ended", G_CALLBACK (on_session_ended), fixture);
  g_signal_connect (fixture->client, "participant-joined", G_CALLBACK (on_participant_joined), fixture);
  g_signal_connect (fixture->client, "participant-offline", G_CALLBACK (on_participant_offline), fixture);
  g_signal_connect (fixture->client, "participant-left", G_CALLBACK (on_participant_left), fixture);
  g_signal_connect (fixture->client, "hub-elected", G_CALLBACK (on_hub_elected), fixture);
  g_signal_connect (fixture->client, "role-changed", G_CALLBACK (on_role_changed), fixture);
  g_signal_connect (fixture->client, "sdp-offer", G_CALLBACK (on_sdp_offer), fixture);
  g_signal_connect (fixture->client, "sdp-answer", G_CALLBACK (on_sdp_answer), fixture);
  g_signal_connect (fixture->client, "ice-candidate", G_CALLBACK (on_ice_candidate), fixture);
  g_signal_connect (fixture->client, "app-message", G_CALLBACK (on_app_message), fixture);
  g_signal_connect (fixture->client, "turn-credentials", G_CALLBACK (on_turn_credentials), fixture);
  g_signal_connect (fixture->client, "server-error", G_CALLBACK (on_server_error), fixture);
  g_signal_connect (fixture->client, "rejoined", G_CALLBACK (on_rejoined), fixture);
  g_signal_connect (fixture->client, "message::SDP_OFFER", G_CALLBACK (on_message), fixture);
}

static void
fixture_teardown (Fixture       *fixture,
                  gconstpointer  data)
{
  avanue_signaling_client_disconnect (fixture->client);
  g_clear_object (&fixture->client);
  g_clear_pointer (&fixture->fake, fake_server_free);
  g_clear_object (&fixture->identity);
  g_clear_pointer (&fixture->log, g_ptr_array_unref);
  g_clear_pointer (&fixture->states, g_ptr_array_unref);
}

static void
connect_client (Fixture *fixture)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;

  avanue_signaling_client_connect_async (fixture->client, NULL, store_result_cb, &result);
  WAIT_FOR (result != NULL);
  g_assert_true (avanue_signaling_client_connect_finish (fixture->client, result, &error));
  g_assert_no_error (error);
  g_assert_cmpint (avanue_signaling_client_get_state (fixture->client), ==, AVANUE_SIGNALING_STATE_REGISTERED);
}

static AvanueSession *
create_session (Fixture *fixture)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  AvanueSession *session;

  avanue_signaling_client_create_session_async (fixture->client, NULL, "CALL", NULL, NULL,
                                                store_result_cb, &result);
  WAIT_FOR (result != NULL);
  session = avanue_signaling_client_create_session_finish (fixture->client, result, &error);
  g_assert_no_error (error);
  g_assert_nonnull (session);
  return session;
}

static AvanueSession *
join_session (Fixture *fixture)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  AvanueSession *session;

  avanue_signaling_client_join_session_async (fixture->client, TEST_INVITE, NULL, NULL,
                                              store_result_cb, &result);
  WAIT_FOR (result != NULL);
  session = avanue_signaling_client_join_session_finish (fixture->client, result, &error);
  g_assert_no_error (error);
  g_assert_nonnull (session);
  return session;
}

static void
test_client_connect (Fixture       *fixture,
                     gconstpointer  data)
{
  JsonObject *reg;

  avanue_signaling_client_set_device_name (fixture->client, "Bench PC");
  connect_client (fixture);

  /* the server verified the signature over its own nonce */
  g_assert_cmpuint (fixture->fake->registrations, ==, 1);
  g_assert_cmpuint (fixture->fake->invalid, ==, 0);
  reg = fake_last (fixture->fake, "REGISTER_DEVICE");
  g_assert_nonnull (reg);
  g_assert_cmpstr (json_object_get_string_member (reg, "deviceName"), ==, "Bench PC");
  g_assert_cmpstr (json_object_get_string_member (reg, "platform"), ==, "DESKTOP");
  g_assert_true (json_object_has_member (reg, "id"));

  g_assert_true (g_uuid_string_is_valid (avanue_signaling_client_get_client_id (fixture->client)));
  g_assert_cmpuint (fixture->states->len, ==, 2);
  g_assert_cmpint (GPOINTER_TO_INT (fixture->states->pdata[0]), ==, AVANUE_SIGNALING_STATE_CONNECTING);
  g_assert_cmpint (GPOINTER_TO_INT (fixture->states->pdata[1]), ==, AVANUE_SIGNALING_STATE_REGISTERED);

  /* connecting again when registered is a no-op */
  connect_client (fixture);
  g_assert_cmpuint (fixture->fake->connects, ==, 1);

  /* disconnect closes normally and does not come back */
  avanue_signaling_client_disconnect (fixture->client);
  g_assert_cmpint (avanue_signaling_client_get_state (fixture->client), ==, AVANUE_SIGNALING_STATE_DISCONNECTED);
  g_assert_null (avanue_signaling_client_get_client_id (fixture->client));
  WAIT_FOR (fixture->fake->closed == 1);
  g_assert_cmpuint (fixture->fake->last_close_code, ==, SOUP_WEBSOCKET_CLOSE_NORMAL);
  spin (300);
  g_assert_cmpuint (fixture->fake->connects, ==, 1);
}

static void
test_client_register_refused (Fixture       *fixture,
                              gconstpointer  data)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;

  fixture->fake->refuse_registration = TRUE;
  avanue_signaling_client_connect_async (fixture->client, NULL, store_result_cb, &result);
  WAIT_FOR (result != NULL);
  g_assert_false (avanue_signaling_client_connect_finish (fixture->client, result, &error));
  g_assert_error (error, AVANUE_PROTOCOL_ERROR, AVANUE_PROTOCOL_ERROR_BAD_SIGNATURE);
  g_assert_cmpint (avanue_signaling_client_get_state (fixture->client), ==, AVANUE_SIGNALING_STATE_DISCONNECTED);
  /* the first connection is not retried */
  spin (300);
  g_assert_cmpuint (fixture->fake->connects, ==, 1);
}

static void
test_client_connect_fails (Fixture       *fixture,
                           gconstpointer  data)
{
  g_autoptr(GSocket) socket = NULL;
  g_autoptr(GSocketAddress) address = NULL;
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) bound = NULL;
  g_autoptr(AvanueSignalingClient) client = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GAsyncResult) result2 = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *uri = NULL;

  /* a port nobody listens on: bound, never listening */
  socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, &error);
  g_assert_no_error (error);
  address = g_inet_socket_address_new (loopback, 0);
  g_assert_true (g_socket_bind (socket, address, FALSE, &error));
  bound = g_socket_get_local_address (socket, &error);
  g_assert_no_error (error);
  uri = g_strdup_printf ("ws://127.0.0.1:%u/v1/signal",
                         g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound)));

  client = avanue_signaling_client_new (uri, fixture->identity);
  avanue_signaling_client_connect_async (client, NULL, store_result_cb, &result);
  /* a second connect while the first is under way */
  avanue_signaling_client_connect_async (client, NULL, store_result_cb, &result2);
  WAIT_FOR (result != NULL && result2 != NULL);
  g_assert_false (avanue_signaling_client_connect_finish (client, result2, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_PENDING);
  g_clear_error (&error);
  g_assert_false (avanue_signaling_client_connect_finish (client, result, &error));
  g_assert_nonnull (error);
  g_assert_cmpint (avanue_signaling_client_get_state (client), ==, AVANUE_SIGNALING_STATE_DISCONNECTED);

  /* not a WebSocket URI */
  {
    g_autoptr(AvanueSignalingClient) bad = avanue_signaling_client_new ("ftp://127.0.0.1/v1/signal", fixture->identity);
    g_autoptr(GAsyncResult) result3 = NULL;

    g_clear_error (&error);
    avanue_signaling_client_connect_async (bad, NULL, store_result_cb, &result3);
    WAIT_FOR (result3 != NULL);
    g_assert_false (avanue_signaling_client_connect_finish (bad, result3, &error));
    g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
  }
}

static void
test_client_connect_cancel (Fixture       *fixture,
                            gconstpointer  data)
{
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;

  avanue_signaling_client_connect_async (fixture->client, cancellable, store_result_cb, &result);
  g_cancellable_cancel (cancellable);
  WAIT_FOR (result != NULL);
  g_assert_false (avanue_signaling_client_connect_finish (fixture->client, result, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_cmpint (avanue_signaling_client_get_state (fixture->client), ==, AVANUE_SIGNALING_STATE_DISCONNECTED);

  /* and it can connect afterwards */
  connect_client (fixture);
}

static void
test_client_create_join (Fixture       *fixture,
                         gconstpointer  data)
{
  g_autoptr(AvanueSession) session = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(AvanueCapabilities) capabilities = avanue_capabilities_new ();
  const char *me = avanue_identity_get_fingerprint (fixture->identity);
  AvanueParticipant *local;
  JsonObject *request;
  guint session_notify = 0;

  count_notify (fixture->client, "session", &session_notify);
  connect_client (fixture);

  /* requests before a session */
  avanue_capabilities_set_cpu_cores (capabilities, 8);
  avanue_capabilities_set_is_charging (capabilities, TRUE);
  avanue_capabilities_set_device_type (capabilities, AVANUE_DEVICE_TYPE_DESKTOP);
  avanue_signaling_client_create_session_async (fixture->client, "avl_abc", "SCREEN_SHARE", capabilities,
                                                NULL, store_result_cb, &result);
  WAIT_FOR (result != NULL);
  session = avanue_signaling_client_create_session_finish (fixture->client, result, &error);
  g_assert_no_error (error);
  g_assert_true (avanue_signaling_client_get_session (fixture->client) == session);
  g_assert_cmpuint (session_notify, ==, 1);

  request = fake_last (fixture->fake, "CREATE_SESSION");
  g_assert_cmpstr (json_object_get_string_member (request, "licenseToken"), ==, "avl_abc");
  g_assert_cmpstr (json_object_get_string_member (request, "sessionType"), ==, "SCREEN_SHARE");
  g_assert_cmpint (json_object_get_int_member (json_object_get_object_member (request, "capabilities"), "cpuCores"),
                   ==, 8);

  g_assert_cmpstr (avanue_session_get_session_id (session), ==, TEST_SESSION_ID);
  g_assert_cmpstr (avanue_session_get_invite_code (session), ==, TEST_INVITE);
  g_assert_cmpstr (avanue_session_get_join_url (session), ==, "avanues://join/" TEST_INVITE);
  g_assert_cmpint (avanue_session_get_local_role (session), ==, AVANUE_PARTICIPANT_ROLE_HOST);
  /* SESSION_CREATED lists nobody: the client adds itself */
  g_assert_cmpuint (g_list_model_get_n_items (avanue_session_get_participants (session)), ==, 1);
  local = avanue_session_get_local_participant (session);
  g_assert_nonnull (local);
  g_assert_cmpstr (avanue_participant_get_fingerprint (local), ==, me);
  g_assert_cmpint (avanue_participant_get_role (local), ==, AVANUE_PARTICIPANT_ROLE_HOST);
  g_assert_true (avanue_participant_get_is_licensed (local));
  g_assert_true (avanue_participant_get_online (local));
  g_assert_cmpfloat (avanue_participant_get_capability_score (local), ==, avanue_capabilities_score (capabilities));

  /* a wrong invite code: the ERROR answering the request */
  g_clear_object (&result);
  avanue_signaling_client_join_session_async (fixture->client, "AVNE-ZZZZ-ZZZZ", NULL, NULL,
                                              store_result_cb, &result);
  WAIT_FOR (result != NULL);
  g_assert_null (avanue_signaling_client_join_session_finish (fixture->client, result, &error));
  g_assert_error (error, AVANUE_PROTOCOL_ERROR, AVANUE_PROTOCOL_ERROR_SESSION_NOT_FOUND);
  g_assert_cmpstr (error->message, ==, "no such session");
  g_clear_error (&error);
  /* it was not a server-error: it answered a request */
  g_assert_false (log_contains (fixture, "server-error SESSION_NOT_FOUND"));
  /* JOIN reused the last capabilities */
  request = fake_last (fixture->fake, "JOIN_SESSION");
  g_assert_cmpint (json_object_get_int_member (json_object_get_object_member (request, "capabilities"), "cpuCores"),
                   ==, 8);

  /* leave */
  g_clear_object (&result);
  avanue_signaling_client_leave_session_async (fixture->client, TEST_SESSION_ID, NULL, store_result_cb, &result);
  WAIT_FOR (result != NULL);
  g_assert_true (avanue_signaling_client_leave_session_finish (fixture->client, result, &error));
  g_assert_no_error (error);
  g_assert_null (avanue_signaling_client_get_session (fixture->client));

  /* join */
  g_clear_object (&session);
  session = join_session (fixture);
  g_assert_cmpint (avanue_session_get_local_role (session), ==, AVANUE_PARTICIPANT_ROLE_GUEST);
  g_assert_cmpstr (avanue_session_get_invite_code (session), ==, TEST_INVITE);
  g_assert_cmpstr (avanue_session_get_hub_fingerprint (session), ==, FP_A);
  g_assert_cmpuint (g_list_model_get_n_items (avanue_session_get_participants (session)), ==, 2);
  g_assert_cmpstr (avanue_participant_get_device_name (avanue_session_get_local_participant (session)), ==, "Me");
  g_assert_cmpuint (session_notify, ==, 3);
  g_assert_cmpuint (fixture->fake->invalid, ==, 0);

  /* the counter lives on this stack frame */
  g_signal_handlers_disconnect_by_data (fixture->client, &session_notify);
}

static void
test_client_requests (Fixture       *fixture,
                      gconstpointer  data)
{
  g_autoptr(AvanueSession) session = NULL;
  g_autoptr(GAsyncResult) r1 = NULL;
  g_autoptr(GAsyncResult) r2 = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(AvanueTurnCredentials) credentials = NULL;
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  JsonObject *first;
  JsonObject *second;
  gint64 t1 = 0, t2 = 0;

  connect_client (fixture);
  session = create_session (fixture);

  /* two PINGs answered in the opposite order: each gets its own PONG */
  fixture->fake->hold_pings = TRUE;
  avanue_signaling_client_ping_async (fixture->client, NULL, store_result_cb, &r1);
  avanue_signaling_client_ping_async (fixture->client, NULL, store_result_cb, &r2);
  WAIT_FOR (fixture->fake->held->len == 2);
  first = g_ptr_array_index (fixture->fake->held, 0);
  second = g_ptr_array_index (fixture->fake->held, 1);
  g_assert_cmpstr (json_object_get_string_member (first, "id"), !=, json_object_get_string_member (second, "id"));
  {
    g_autoptr(JsonObject) pong2 = avanue_protocol_build_pong (json_object_get_string_member (second, "id"), 2222);
    g_autoptr(JsonObject) pong1 = avanue_protocol_build_pong (json_object_get_string_member (first, "id"), 1111);

    fake_broadcast (fixture->fake, pong2);
    fake_broadcast (fixture->fake, pong1);
  }
  WAIT_FOR (r1 != NULL && r2 != NULL);
  g_assert_true (avanue_signaling_client_ping_finish (fixture->client, r1, &t1, &error));
  g_assert_true (avanue_signaling_client_ping_finish (fixture->client, r2, &t2, &error));
  g_assert_no_error (error);
  g_assert_cmpint (t1, ==, 1111);
  g_assert_cmpint (t2, ==, 2222);

  /* an unanswered request times out (request-timeout is 2 s here) */
  g_clear_object (&r1);
  avanue_signaling_client_ping_async (fixture->client, NULL, store_result_cb, &r1);
  WAIT_FOR (r1 != NULL);
  g_assert_false (avanue_signaling_client_ping_finish (fixture->client, r1, NULL, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT);
  g_clear_error (&error);
  /* a late answer to it is harmless */
  {
    JsonObject *late = g_ptr_array_index (fixture->fake->held, fixture->fake->held->len - 1);
    g_autoptr(JsonObject) pong = avanue_protocol_build_pong (json_object_get_string_member (late, "id"), 3);

    fake_broadcast (fixture->fake, pong);
  }

  /* a cancelled request */
  g_clear_object (&r1);
  avanue_signaling_client_ping_async (fixture->client, cancellable, store_result_cb, &r1);
  g_cancellable_cancel (cancellable);
  WAIT_FOR (r1 != NULL);
  g_assert_false (avanue_signaling_client_ping_finish (fixture->client, r1, NULL, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&error);
  fixture->fake->hold_pings = FALSE;

  /* TURN credentials: the result, the signal and the session agree */
  avanue_signaling_client_request_turn_async (fixture->client, TEST_SESSION_ID, NULL, store_result_cb, &result);
  WAIT_FOR (result != NULL);
  credentials = avanue_signaling_client_request_turn_finish (fixture->client, result, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (avanue_turn_credentials_get_password (credentials), ==, "c2VjcmV0");
  g_assert_cmpuint (avanue_turn_credentials_get_ttl_seconds (credentials), ==, 3600);
  g_assert_true (avanue_session_get_turn_credentials (session) == credentials);
  g_assert_true (log_contains (fixture, "turn-credentials c2VjcmV0"));

  /* END_SESSION, answered by the SESSION_ENDED everyone gets */
  g_clear_object (&result);
  avanue_signaling_client_end_session_async (fixture->client, TEST_SESSION_ID, NULL, store_result_cb, &result);
  WAIT_FOR (result != NULL);
  g_assert_true (avanue_signaling_client_end_session_finish (fixture->client, result, &error));
  g_assert_no_error (error);
  g_assert_true (log_contains (fixture, "session-ended " TEST_SESSION_ID " COMPLETED"));
  g_assert_true (avanue_session_get_ended (session));
  g_assert_cmpstr (avanue_session_get_end_reason (session), ==, "COMPLETED");
  g_assert_null (avanue_signaling_client_get_session (fixture->client));
  g_assert_cmpuint (fixture->fake->invalid, ==, 0);
}

static void
test_client_events (Fixture       *fixture,
                    gconstpointer  data)
{
  g_autoptr(AvanueSession) session = NULL;
  const char *me;
  const char *events[] = {
    ("{\"type\":\"PARTICIPANT_JOINED\",\"sessionId\":\"" TEST_SESSION_ID "\",\"participant\":"
       PARTICIPANT (FP_C, "Carol", "GUEST", "SPOKE", "true", "3000") "}"),
    "{\"type\":\"SDP_OFFER\",\"sessionId\":\"" TEST_SESSION_ID "\",\"fromFingerprint\":\"" FP_C "\",\"sdp\":\"v=0 offer\"}",
    "{\"type\":\"SDP_ANSWER\",\"sessionId\":\"" TEST_SESSION_ID "\",\"fromFingerprint\":\"" FP_A "\",\"sdp\":\"v=0 answer\"}",
    ("{\"type\":\"ICE_CANDIDATE\",\"sessionId\":\"" TEST_SESSION_ID "\",\"fromFingerprint\":\"" FP_C "\","
       "\"candidate\":{\"candidate\":\"candidate:1 1 udp 2122260223 10.0.0.2 54321 typ host\","
       "\"sdpMid\":\"0\",\"sdpMLineIndex\":0}}"),
    ("{\"type\":\"ICE_CANDIDATE\",\"sessionId\":\"" TEST_SESSION_ID "\",\"fromFingerprint\":\"" FP_C "\","
       "\"candidate\":\"\"}"),
    ("{\"type\":\"APP_MESSAGE\",\"sessionId\":\"" TEST_SESSION_ID "\",\"fromFingerprint\":\"" FP_A "\","
       "\"payload\":{\"action\":\"mute\"}}"),
    ("{\"type\":\"HUB_ELECTED\",\"sessionId\":\"" TEST_SESSION_ID "\",\"hubFingerprint\":\"" FP_C "\","
       "\"reason\":\"CAPABILITY_CHANGE\"}"),
    ("{\"type\":\"ROLE_CHANGED\",\"sessionId\":\"" TEST_SESSION_ID "\",\"fingerprint\":\"" FP_C "\","
       "\"oldRole\":\"SPOKE\",\"newRole\":\"HUB\"}"),
    "{\"type\":\"PARTICIPANT_OFFLINE\",\"sessionId\":\"" TEST_SESSION_ID "\",\"fingerprint\":\"" FP_C "\"}",
    /* for another session: dropped */
    "{\"type\":\"SDP_OFFER\",\"sessionId\":\"other\",\"fromFingerprint\":\"" FP_C "\",\"sdp\":\"v=0 stray\"}",
    /* invalid: dropped */
    "{\"type\":\"SDP_OFFER\",\"sessionId\":\"" TEST_SESSION_ID "\",\"fromFingerprint\":\"nope\",\"sdp\":\"v=0 bad\"}",
    "{\"type\":\"ERROR\",\"code\":\"PEER_NOT_FOUND\",\"message\":\"no such peer\"}",
    ("{\"type\":\"PARTICIPANT_LEFT\",\"sessionId\":\"" TEST_SESSION_ID "\",\"fingerprint\":\"" FP_C "\","
       "\"reason\":\"LEFT\"}"),
  };
  const char *expected[] = {
    "participant-joined cccc",
    "message SDP_OFFER",
    "sdp-offer cccc v=0 offer",
    "sdp-answer aaaa v=0 answer",
    "ice-candidate cccc [candidate:1 1 udp 2122260223 10.0.0.2 54321 typ host] 0 0",
    "ice-candidate cccc [] (null) -1",
    "app-message aaaa mute",
    "hub-elected cccc CAPABILITY_CHANGE",
    "role-changed cccc SPOKE HUB",
    "participant-offline cccc",
    "message SDP_OFFER",
    "server-error PEER_NOT_FOUND",
    "participant-left cccc LEFT",
  };

  connect_client (fixture);
  session = join_session (fixture);
  me = avanue_identity_get_fingerprint (fixture->identity);
  g_assert_nonnull (me);

  for (gsize i = 0; i < G_N_ELEMENTS (events); i++)
    {
      g_autoptr(JsonObject) event = parse_object (events[i]);

      fake_broadcast (fixture->fake, event);
    }
  WAIT_FOR (fixture->log->len >= G_N_ELEMENTS (expected));
  spin (50);
  for (gsize i = 0; i < G_N_ELEMENTS (expected); i++)
    g_assert_cmpstr (g_ptr_array_index (fixture->log, i), ==, expected[i]);
  g_assert_cmpuint (fixture->log->len, ==, G_N_ELEMENTS (expected));

  /* the model followed */
  g_assert_cmpstr (avanue_session_get_hub_fingerprint (session), ==, FP_C);
  g_assert_null (avanue_session_lookup_participant (session, FP_C));
  g_assert_cmpint (avanue_participant_get_topology_role (avanue_session_lookup_participant (session, FP_A)),
                   ==, AVANUE_TOPOLOGY_ROLE_SPOKE);
  g_assert_true (avanue_signaling_client_get_session (fixture->client) == session);
}

static void
test_client_send (Fixture       *fixture,
                  gconstpointer  data)
{
  g_autoptr(AvanueSession) session = NULL;
  g_autoptr(JsonObject) payload = parse_object ("{\"action\":\"reject\",\"why\":\"busy\"}");
  g_autoptr(AvanueCapabilities) capabilities = avanue_capabilities_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GString) huge = g_string_new ("v=0\r\n");
  JsonObject *message;
  JsonObject *candidate;

  connect_client (fixture);
  session = join_session (fixture);

  g_assert_true (avanue_signaling_client_send_sdp_offer (fixture->client, TEST_SESSION_ID, FP_A, "v=0 o", &error));
  g_assert_true (avanue_signaling_client_send_sdp_answer (fixture->client, TEST_SESSION_ID, FP_A, "v=0 a", &error));
  g_assert_true (avanue_signaling_client_send_ice_candidate (fixture->client, TEST_SESSION_ID, FP_A,
                                                             "candidate:1 1 udp 1 10.0.0.1 9 typ host",
                                                             "0", 0, &error));
  g_assert_true (avanue_signaling_client_send_ice_candidate (fixture->client, TEST_SESSION_ID, FP_A,
                                                             "", NULL, -1, &error));
  g_assert_true (avanue_signaling_client_send_app_message (fixture->client, TEST_SESSION_ID, NULL, payload, &error));
  avanue_capabilities_set_battery_percent (capabilities, 12);
  g_assert_true (avanue_signaling_client_update_capabilities (fixture->client, TEST_SESSION_ID, capabilities, &error));
  g_assert_true (avanue_signaling_client_report_stats (fixture->client, TEST_SESSION_ID, 23.5, 0.25,
                                                       "port-restricted", "srflx", &error));
  g_assert_no_error (error);

  WAIT_FOR (fake_last (fixture->fake, "REPORT_STATS") != NULL);
  g_assert_cmpuint (fixture->fake->invalid, ==, 0);

  message = fake_last (fixture->fake, "SDP_OFFER");
  g_assert_cmpstr (json_object_get_string_member (message, "sessionId"), ==, TEST_SESSION_ID);
  g_assert_cmpstr (json_object_get_string_member (message, "toFingerprint"), ==, FP_A);
  g_assert_cmpstr (json_object_get_string_member (message, "sdp"), ==, "v=0 o");
  g_assert_cmpstr (json_object_get_string_member (fake_last (fixture->fake, "SDP_ANSWER"), "sdp"), ==, "v=0 a");

  g_assert_cmpuint (fake_count (fixture->fake, "ICE_CANDIDATE"), ==, 2);
  message = g_ptr_array_index (fixture->fake->received, fixture->fake->received->len - 5);
  g_assert_cmpstr (json_object_get_string_member (message, "type"), ==, "ICE_CANDIDATE");
  candidate = json_object_get_object_member (message, "candidate");
  g_assert_cmpstr (json_object_get_string_member (candidate, "sdpMid"), ==, "0");
  g_assert_cmpint (json_object_get_int_member (candidate, "sdpMLineIndex"), ==, 0);
  message = fake_last (fixture->fake, "ICE_CANDIDATE");
  g_assert_cmpstr (json_object_get_string_member (message, "candidate"), ==, "");

  message = fake_last (fixture->fake, "APP_MESSAGE");
  g_assert_false (json_object_has_member (message, "toFingerprint"));
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (message, "payload"), "why"),
                   ==, "busy");
  message = fake_last (fixture->fake, "CAPABILITY_UPDATE");
  g_assert_cmpint (json_object_get_int_member (json_object_get_object_member (message, "capabilities"),
                                               "batteryPercent"), ==, 12);
  message = fake_last (fixture->fake, "REPORT_STATS");
  g_assert_cmpfloat (json_object_get_double_member (message, "avgLatencyMs"), ==, 23.5);
  g_assert_cmpstr (json_object_get_string_member (message, "natType"), ==, "port-restricted");

  /* local failures */
  g_assert_false (avanue_signaling_client_send_sdp_offer (fixture->client, "another", FP_A, "v=0", &error));
  g_assert_error (error, AVANUE_PROTOCOL_ERROR, AVANUE_PROTOCOL_ERROR_NOT_IN_SESSION);
  g_clear_error (&error);
  g_assert_false (avanue_signaling_client_send_sdp_offer (fixture->client, TEST_SESSION_ID, "not-a-fingerprint",
                                                          "v=0", &error));
  g_assert_error (error, AVANUE_PROTOCOL_ERROR, AVANUE_PROTOCOL_ERROR_BAD_REQUEST);
  g_clear_error (&error);
  while (huge->len <= 32768)
    g_string_append (huge, "a=candidate:padding padding padding padding\r\n");
  g_assert_false (avanue_signaling_client_send_sdp_offer (fixture->client, TEST_SESSION_ID, FP_A, huge->str, &error));
  g_assert_error (error, AVANUE_PROTOCOL_ERROR, AVANUE_PROTOCOL_ERROR_TOO_LARGE);
  g_clear_error (&error);
  g_assert_false (avanue_signaling_client_report_stats (fixture->client, TEST_SESSION_ID, 1, 0, "weird", "host",
                                                        &error));
  g_assert_error (error, AVANUE_PROTOCOL_ERROR, AVANUE_PROTOCOL_ERROR_BAD_REQUEST);
  g_clear_error (&error);
}

static void
test_client_reconnect_rejoin (Fixture       *fixture,
                              gconstpointer  data)
{
  g_autoptr(AvanueSession) session = NULL;
  const char *me = avanue_identity_get_fingerprint (fixture->identity);
  JsonObject *rejoin;
  guint n_log;
  const char *expected[] = {
    "message SDP_OFFER",
    "sdp-offer aaaa v=0 missed",
    "participant-joined cccc",
    "participant-left cccc DISCONNECT",
    "hub-elected aaaa DISCONNECT",
    ("rejoined " TEST_SESSION_ID),
  };
  const char *missed[] = {
    "{\"type\":\"SDP_OFFER\",\"sessionId\":\"" TEST_SESSION_ID "\",\"fromFingerprint\":\"" FP_A "\",\"sdp\":\"v=0 missed\"}",
    ("{\"type\":\"PARTICIPANT_JOINED\",\"sessionId\":\"" TEST_SESSION_ID "\",\"participant\":"
       PARTICIPANT (FP_C, "Carol", "GUEST", "SPOKE", "true", "3000") "}"),
    ("{\"type\":\"PARTICIPANT_LEFT\",\"sessionId\":\"" TEST_SESSION_ID "\",\"fingerprint\":\"" FP_C "\","
       "\"reason\":\"DISCONNECT\"}"),
    ("{\"type\":\"HUB_ELECTED\",\"sessionId\":\"" TEST_SESSION_ID "\",\"hubFingerprint\":\"" FP_A "\","
       "\"reason\":\"DISCONNECT\"}"),
  };
  AvanueParticipant *local_before;

  connect_client (fixture);
  session = join_session (fixture);
  local_before = avanue_session_get_local_participant (session);
  g_ptr_array_set_size (fixture->states, 0);

  fixture->fake->missed_events = json_array_new ();
  for (gsize i = 0; i < G_N_ELEMENTS (missed); i++)
    json_array_add_object_element (fixture->fake->missed_events, parse_object (missed[i]));

  /* the daemon restarts: 1001 going away */
  n_log = fixture->log->len;
  soup_websocket_connection_close (g_ptr_array_index (fixture->fake->connections, 0),
                                   SOUP_WEBSOCKET_CLOSE_GOING_AWAY, "restarting");
  WAIT_FOR (fixture->fake->registrations == 2);
  WAIT_FOR (log_contains (fixture, "rejoined " TEST_SESSION_ID));

  /* CONNECTING while away, then REGISTERED */
  g_assert_cmpuint (fixture->states->len, >=, 2);
  g_assert_cmpint (GPOINTER_TO_INT (fixture->states->pdata[0]), ==, AVANUE_SIGNALING_STATE_CONNECTING);
  g_assert_cmpint (GPOINTER_TO_INT (fixture->states->pdata[fixture->states->len - 1]), ==,
                   AVANUE_SIGNALING_STATE_REGISTERED);

  /* REJOIN_SESSION with the session and capabilities */
  rejoin = fake_last (fixture->fake, "REJOIN_SESSION");
  g_assert_nonnull (rejoin);
  g_assert_cmpstr (json_object_get_string_member (rejoin, "sessionId"), ==, TEST_SESSION_ID);
  g_assert_true (json_object_has_member (rejoin, "capabilities"));

  /* the missed events, in order, through the usual signals, then rejoined */
  g_assert_cmpuint (fixture->log->len - n_log, ==, G_N_ELEMENTS (expected));
  for (gsize i = 0; i < G_N_ELEMENTS (expected); i++)
    g_assert_cmpstr (g_ptr_array_index (fixture->log, n_log + i), ==, expected[i]);

  /* the same session object, updated */
  g_assert_true (avanue_signaling_client_get_session (fixture->client) == session);
  g_assert_true (avanue_session_get_local_participant (session) == local_before);
  g_assert_cmpstr (avanue_participant_get_fingerprint (local_before), ==, me);
  g_assert_cmpuint (g_list_model_get_n_items (avanue_session_get_participants (session)), ==, 2);
  g_assert_cmpuint (fixture->fake->invalid, ==, 0);
}

static void
test_client_rejoin_gone (Fixture       *fixture,
                         gconstpointer  data)
{
  g_autoptr(AvanueSession) session = NULL;

  connect_client (fixture);
  session = create_session (fixture);

  fixture->fake->rejoin_error = AVANUE_PROTOCOL_ERROR_SESSION_NOT_FOUND;
  soup_websocket_connection_close (g_ptr_array_index (fixture->fake->connections, 0),
                                   SOUP_WEBSOCKET_CLOSE_GOING_AWAY, NULL);
  WAIT_FOR (log_contains (fixture, "session-ended " TEST_SESSION_ID " SESSION_NOT_FOUND"));
  g_assert_null (avanue_signaling_client_get_session (fixture->client));
  g_assert_true (avanue_session_get_ended (session));
  g_assert_cmpstr (avanue_session_get_end_reason (session), ==, "SESSION_NOT_FOUND");
  g_assert_cmpint (avanue_signaling_client_get_state (fixture->client), ==, AVANUE_SIGNALING_STATE_REGISTERED);
  g_assert_false (log_contains (fixture, "rejoined " TEST_SESSION_ID));
}

static void
test_client_heartbeat (Fixture       *fixture,
                       gconstpointer  data)
{
  fixture->fake->heartbeat_seconds = 1;
  connect_client (fixture);

  /* PING every heartbeatSeconds */
  WAIT_FOR (fake_count (fixture->fake, "PING") >= 2);
  g_assert_cmpuint (fixture->fake->connects, ==, 1);

  /* a server that stops answering counts as a lost connection */
  fixture->fake->answer_pings = FALSE;
  WAIT_FOR (fixture->fake->connects == 2);
  fixture->fake->answer_pings = TRUE;
  WAIT_FOR (fixture->fake->registrations == 2 &&
            avanue_signaling_client_get_state (fixture->client) == AVANUE_SIGNALING_STATE_REGISTERED);
}

static void
test_client_no_auto_reconnect (Fixture       *fixture,
                               gconstpointer  data)
{
  g_autoptr(AvanueSession) session = NULL;

  avanue_signaling_client_set_auto_reconnect (fixture->client, FALSE);
  connect_client (fixture);
  session = create_session (fixture);

  soup_websocket_connection_close (g_ptr_array_index (fixture->fake->connections, 0),
                                   SOUP_WEBSOCKET_CLOSE_GOING_AWAY, NULL);
  WAIT_FOR (avanue_signaling_client_get_state (fixture->client) == AVANUE_SIGNALING_STATE_DISCONNECTED);
  spin (300);
  g_assert_cmpuint (fixture->fake->connects, ==, 1);
  /* the session is kept, and connecting again rejoins it */
  g_assert_true (avanue_signaling_client_get_session (fixture->client) == session);
  connect_client (fixture);
  WAIT_FOR (log_contains (fixture, "rejoined " TEST_SESSION_ID));
  g_assert_true (avanue_signaling_client_get_session (fixture->client) == session);
}

static void
test_client_disconnect_pending (Fixture       *fixture,
                                gconstpointer  data)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;

  connect_client (fixture);
  fixture->fake->hold_pings = TRUE;
  avanue_signaling_client_ping_async (fixture->client, NULL, store_result_cb, &result);
  WAIT_FOR (fixture->fake->held->len == 1);
  avanue_signaling_client_disconnect (fixture->client);
  WAIT_FOR (result != NULL);
  g_assert_false (avanue_signaling_client_ping_finish (fixture->client, result, NULL, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_CLOSED);
  g_clear_error (&error);

  /* requests need a connection */
  g_clear_object (&result);
  avanue_signaling_client_ping_async (fixture->client, NULL, store_result_cb, &result);
  WAIT_FOR (result != NULL);
  g_assert_false (avanue_signaling_client_ping_finish (fixture->client, result, NULL, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_CONNECTED);
}

#define ADD_CLIENT_TEST(path, func) \
  g_test_add (path, Fixture, NULL, fixture_setup, func, fixture_teardown)

int
main (int argc, char **argv)
{
  /* Everything here is on loopback: no system proxy (and no libproxy,
   * whose C++ exceptions AddressSanitizer cannot follow). */
  g_setenv ("GIO_USE_PROXY_RESOLVER", "dummy", TRUE);
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/avanue/participant/from-json", test_participant_from_json);
  g_test_add_func ("/avanue/participant/defaults-and-errors", test_participant_defaults_and_errors);
  g_test_add_func ("/avanue/participant/update-notifies", test_participant_update_notifies);
  g_test_add_func ("/avanue/session/joined", test_session_joined);
  g_test_add_func ("/avanue/session/created", test_session_created);
  g_test_add_func ("/avanue/session/events", test_session_events);
  g_test_add_func ("/avanue/session/rejoined", test_session_rejoined);
  g_test_add_func ("/avanue/session/bad-events", test_session_bad_events);
  g_test_add_func ("/avanue/signaling-client/register-signature", test_register_signature);
  g_test_add_func ("/avanue/signaling-client/reconnect-delays", test_reconnect_delays);
  g_test_add_func ("/avanue/signaling-client/defaults", test_defaults);
  ADD_CLIENT_TEST ("/avanue/signaling-client/connect", test_client_connect);
  ADD_CLIENT_TEST ("/avanue/signaling-client/register-refused", test_client_register_refused);
  ADD_CLIENT_TEST ("/avanue/signaling-client/connect-fails", test_client_connect_fails);
  ADD_CLIENT_TEST ("/avanue/signaling-client/connect-cancel", test_client_connect_cancel);
  ADD_CLIENT_TEST ("/avanue/signaling-client/create-join-leave", test_client_create_join);
  ADD_CLIENT_TEST ("/avanue/signaling-client/requests", test_client_requests);
  ADD_CLIENT_TEST ("/avanue/signaling-client/events", test_client_events);
  ADD_CLIENT_TEST ("/avanue/signaling-client/send", test_client_send);
  ADD_CLIENT_TEST ("/avanue/signaling-client/reconnect-rejoin", test_client_reconnect_rejoin);
  ADD_CLIENT_TEST ("/avanue/signaling-client/rejoin-gone", test_client_rejoin_gone);
  ADD_CLIENT_TEST ("/avanue/signaling-client/heartbeat", test_client_heartbeat);
  ADD_CLIENT_TEST ("/avanue/signaling-client/no-auto-reconnect", test_client_no_auto_reconnect);
  ADD_CLIENT_TEST ("/avanue/signaling-client/disconnect-pending", test_client_disconnect_pending);

  return g_test_run ();
}
