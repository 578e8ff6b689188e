/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The server's model of a live session and its participants: plain
 * structures owned by AvdSessionManager, with their wire form (participant
 * objects, limits) and their saved form (restored after a restart). */
#define G_LOG_DOMAIN "AvdSession"

#include "config.h"

#include "avd-session.h"

AvdParticipant *
avd_participant_new (const char *fingerprint)
{
  AvdParticipant *p = g_new0 (AvdParticipant, 1);

  p->fingerprint = g_strdup (fingerprint);
  g_queue_init (&p->missed);
  return p;
}

static void
missed_event_free (gpointer data)
{
  AvdMissedEvent *missed = data;

  json_object_unref (missed->event);
  g_free (missed);
}

void
avd_participant_clear_missed (AvdParticipant *p)
{
  g_queue_clear_full (&p->missed, missed_event_free);
  p->missed_bytes = 0;
}

void
avd_participant_free (AvdParticipant *p)
{
  if (p == NULL)
    return;
  g_clear_handle_id (&p->grace_id, g_source_remove);
  avd_participant_clear_missed (p);
  g_clear_object (&p->capabilities);
  g_free (p->fingerprint);
  g_free (p->device_name);
  g_free (p->platform);
  g_free (p->device_type);
  g_free (p);
}

double
avd_participant_get_score (AvdParticipant *p)
{
  return p->capabilities != NULL ? avanue_capabilities_score (p->capabilities) : 0;
}

JsonObject *
avd_participant_to_json (AvdParticipant *p,
                         AvdSession     *session)
{
  AvanuePlatform platform = AVANUE_PLATFORM_UNKNOWN;
  AvanueDeviceType device_type = AVANUE_DEVICE_TYPE_UNKNOWN;

  avanue_platform_from_string (p->platform, &platform);
  avanue_device_type_from_string (p->device_type, &device_type);
  return avanue_protocol_build_participant (p->fingerprint, p->device_name, platform, device_type,
                                            p->is_host ? "HOST" : "GUEST",
                                            g_strcmp0 (session->hub_fingerprint, p->fingerprint) == 0 ? "HUB" : "SPOKE",
                                            p->is_licensed, avd_participant_get_score (p),
                                            p->online, p->joined_at_ms);
}

AvdSession *
avd_session_new (void)
{
  AvdSession *s = g_new0 (AvdSession, 1);

  s->participants = g_ptr_array_new_with_free_func ((GDestroyNotify) avd_participant_free);
  return s;
}

void
avd_session_free (AvdSession *s)
{
  if (s == NULL)
    return;
  g_clear_handle_id (&s->timeout_id, g_source_remove);
  g_clear_handle_id (&s->license_check_id, g_source_remove);
  g_ptr_array_unref (s->participants);
  g_free (s->id);
  g_free (s->invite_code);
  g_free (s->session_type);
  g_free (s->host_fingerprint);
  g_free (s->hub_fingerprint);
  g_free (s->license_id);
  g_free (s->license_hash);
  g_free (s);
}

AvdParticipant *
avd_session_lookup (AvdSession *s,
                    const char *fingerprint)
{
  for (guint i = 0; i < s->participants->len; i++)
    {
      AvdParticipant *p = g_ptr_array_index (s->participants, i);

      if (g_strcmp0 (p->fingerprint, fingerprint) == 0)
        return p;
    }
  return NULL;
}

gboolean
avd_session_remove (AvdSession *s,
                    const char *fingerprint)
{
  for (guint i = 0; i < s->participants->len; i++)
    {
      AvdParticipant *p = g_ptr_array_index (s->participants, i);

      if (g_strcmp0 (p->fingerprint, fingerprint) == 0)
        {
          g_ptr_array_remove_index (s->participants, i);
          return TRUE;
        }
    }
  return FALSE;
}

JsonArray *
avd_session_participants_json (AvdSession *s)
{
  JsonArray *array = json_array_new ();

  for (guint i = 0; i < s->participants->len; i++)
    json_array_add_object_element (array, avd_participant_to_json (g_ptr_array_index (s->participants, i), s));
  return array;
}

JsonObject *
avd_session_limits_json (AvdSession *s)
{
  return avanue_protocol_build_limits (s->tier->name, s->tier->max_peers,
                                       s->tier->max_duration_seconds, s->tier->turn,
                                       s->expires_at_ms);
}

guint
avd_session_count_online (AvdSession *s)
{
  guint n = 0;

  for (guint i = 0; i < s->participants->len; i++)
    n += ((AvdParticipant *) g_ptr_array_index (s->participants, i))->online ? 1 : 0;
  return n;
}

/* The saved form: everything needed to resume, nothing about connections
 * or timers (they are rebuilt at restore). */
char *
avd_session_serialize (AvdSession *s)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();
  g_autoptr(JsonNode) root = NULL;

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "id");
  json_builder_add_string_value (b, s->id);
  json_builder_set_member_name (b, "inviteCode");
  json_builder_add_string_value (b, s->invite_code);
  json_builder_set_member_name (b, "sessionType");
  json_builder_add_string_value (b, s->session_type);
  json_builder_set_member_name (b, "host");
  json_builder_add_string_value (b, s->host_fingerprint);
  json_builder_set_member_name (b, "hub");
  json_builder_add_string_value (b, s->hub_fingerprint);
  json_builder_set_member_name (b, "tier");
  json_builder_add_string_value (b, s->tier->name);
  json_builder_set_member_name (b, "licenseId");
  json_builder_add_string_value (b, s->license_id);
  json_builder_set_member_name (b, "licenseHash");
  json_builder_add_string_value (b, s->license_hash);
  json_builder_set_member_name (b, "createdAt");
  json_builder_add_int_value (b, s->created_at_ms);
  json_builder_set_member_name (b, "expiresAt");
  json_builder_add_int_value (b, s->expires_at_ms);
  json_builder_set_member_name (b, "hubMigrations");
  json_builder_add_int_value (b, s->hub_migrations);
  json_builder_set_member_name (b, "maxParticipants");
  json_builder_add_int_value (b, s->max_participants_seen);
  json_builder_set_member_name (b, "participants");
  json_builder_begin_array (b);
  for (guint i = 0; i < s->participants->len; i++)
    {
      AvdParticipant *p = g_ptr_array_index (s->participants, i);

      json_builder_begin_object (b);
      json_builder_set_member_name (b, "fingerprint");
      json_builder_add_string_value (b, p->fingerprint);
      json_builder_set_member_name (b, "deviceName");
      json_builder_add_string_value (b, p->device_name);
      json_builder_set_member_name (b, "platform");
      json_builder_add_string_value (b, p->platform);
      json_builder_set_member_name (b, "deviceType");
      json_builder_add_string_value (b, p->device_type);
      json_builder_set_member_name (b, "host");
      json_builder_add_boolean_value (b, p->is_host);
      json_builder_set_member_name (b, "licensed");
      json_builder_add_boolean_value (b, p->is_licensed);
      json_builder_set_member_name (b, "joinedAt");
      json_builder_add_int_value (b, p->joined_at_ms);
      if (p->capabilities != NULL)
        {
          JsonNode *caps = json_node_new (JSON_NODE_OBJECT);

          json_node_take_object (caps, avanue_capabilities_to_json (p->capabilities));
          json_builder_set_member_name (b, "capabilities");
          json_builder_add_value (b, caps);
        }
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
  json_builder_end_object (b);
  root = json_builder_get_root (b);
  return json_to_string (root, FALSE);
}

static char *
dup_member (JsonObject *o,
            const char *name)
{
  JsonNode *node = json_object_get_member (o, name);

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;
  return g_strdup (json_node_get_string (node));
}

AvdSession *
avd_session_deserialize (const char         *json,
                         AvdLicenseService  *licenses,
                         GError            **error)
{
  g_autoptr(JsonNode) root = json_from_string (json, error);
  g_autoptr(AvdSession) s = NULL;
  g_autofree char *tier = NULL;
  JsonObject *o;
  JsonArray *participants;

  if (root == NULL)
    return NULL;
  if (!JSON_NODE_HOLDS_OBJECT (root))
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "not a saved session");
      return NULL;
    }
  o = json_node_get_object (root);
  s = avd_session_new ();
  s->id = dup_member (o, "id");
  s->invite_code = dup_member (o, "inviteCode");
  s->session_type = dup_member (o, "sessionType");
  s->host_fingerprint = dup_member (o, "host");
  s->hub_fingerprint = dup_member (o, "hub");
  s->license_id = dup_member (o, "licenseId");
  s->license_hash = dup_member (o, "licenseHash");
  tier = dup_member (o, "tier");
  s->tier = avd_license_service_get_tier (licenses, tier);
  s->created_at_ms = json_object_get_int_member_with_default (o, "createdAt", 0);
  s->expires_at_ms = json_object_get_int_member_with_default (o, "expiresAt", 0);
  s->hub_migrations = json_object_get_int_member_with_default (o, "hubMigrations", 0);
  s->max_participants_seen = json_object_get_int_member_with_default (o, "maxParticipants", 0);
  if (s->id == NULL || s->invite_code == NULL || s->session_type == NULL ||
      s->host_fingerprint == NULL || s->tier == NULL)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "incomplete saved session");
      return NULL;
    }

  participants = json_object_has_member (o, "participants") ?
    json_object_get_array_member (o, "participants") : NULL;
  for (guint i = 0; participants != NULL && i < json_array_get_length (participants); i++)
    {
      JsonObject *po = json_array_get_object_element (participants, i);
      AvdParticipant *p;
      g_autofree char *fp = NULL;

      if (po == NULL || (fp = dup_member (po, "fingerprint")) == NULL)
        continue;
      p = avd_participant_new (fp);
      p->device_name = dup_member (po, "deviceName");
      p->platform = dup_member (po, "platform");
      p->device_type = dup_member (po, "deviceType");
      p->is_host = json_object_get_boolean_member_with_default (po, "host", FALSE);
      p->is_licensed = json_object_get_boolean_member_with_default (po, "licensed", FALSE);
      p->joined_at_ms = json_object_get_int_member_with_default (po, "joinedAt", 0);
      p->order = s->next_order++;
      if (json_object_has_member (po, "capabilities"))
        p->capabilities = avanue_capabilities_new_from_json (json_object_get_object_member (po, "capabilities"), NULL);
      p->online = FALSE;
      g_ptr_array_add (s->participants, p);
    }
  return g_steal_pointer (&s);
}
