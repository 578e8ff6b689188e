/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* AvdLicenseService: licence tiers, keys and their validation (DESIGN §6).
 *
 * Keys are `avl_` + 40 lowercase base32 characters (200 random bits).  Only
 * their SHA-256 is stored.  A validation result is cached in the state
 * backend (`signaling:license:{hash}:cache`) for license-cache-seconds;
 * running sessions re-validate on the same period, so a revoked or expired
 * licence ends its sessions within one period.  Revoking through this
 * service drops the cached entry at once.  Errors are AVANUE_PROTOCOL_ERROR
 * codes so that callers can answer the client directly. */
#define G_LOG_DOMAIN "AvdLicense"

#include "config.h"

#include <gnutls/crypto.h>
#include <string.h>

#include "avanue.h"
#include "avd-license-service.h"

#define KEY_PREFIX "avl_"
#define KEY_CHARS 40
#define BASE32 "abcdefghijklmnopqrstuvwxyz234567"

static const char * const tier_names[] = { "free", "pro", "business", "enterprise" };

struct _AvdLicenseService
{
  GObject parent_instance;

  AvdStore *store;
  AvdStateBackend *state;
  AvdTier *tiers;               /* G_N_ELEMENTS (tier_names) */
  GPtrArray *retired_tiers;     /* earlier tiers, which live sessions may still point to */
  guint cache_seconds;
  gboolean allow_anonymous;
};

G_DEFINE_FINAL_TYPE (AvdLicenseService, avd_license_service, G_TYPE_OBJECT)

void
avd_license_free (AvdLicense *license)
{
  if (license == NULL)
    return;
  g_free (license->id);
  g_free (license->key_hash);
  g_free (license->user);
  g_free (license);
}

static void
avd_license_service_dispose (GObject *object)
{
  AvdLicenseService *self = AVD_LICENSE_SERVICE (object);

  g_clear_object (&self->store);
  g_clear_object (&self->state);

  G_OBJECT_CLASS (avd_license_service_parent_class)->dispose (object);
}

static void
avd_license_service_finalize (GObject *object)
{
  AvdLicenseService *self = AVD_LICENSE_SERVICE (object);

  g_free (self->tiers);
  g_ptr_array_unref (self->retired_tiers);

  G_OBJECT_CLASS (avd_license_service_parent_class)->finalize (object);
}

static void
avd_license_service_class_init (AvdLicenseServiceClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = avd_license_service_dispose;
  G_OBJECT_CLASS (klass)->finalize = avd_license_service_finalize;
}

static void
avd_license_service_init (AvdLicenseService *self)
{
  self->retired_tiers = g_ptr_array_new_with_free_func (g_free);
}

static void
read_config (AvdLicenseService *self,
             AvdConfig         *config)
{
  AvdTier *tiers = g_new0 (AvdTier, G_N_ELEMENTS (tier_names));

  self->cache_seconds = MAX (avd_config_get_int (config, "limits", "license-cache-seconds"), 1);
  self->allow_anonymous = avd_config_get_boolean (config, "licensing", "allow-anonymous-free");

  for (gsize i = 0; i < G_N_ELEMENTS (tier_names); i++)
    {
      g_autofree char *group = g_strconcat ("tier.", tier_names[i], NULL);
      AvdTier *tier = &tiers[i];

      tier->name = tier_names[i];
      tier->max_peers = MAX (avd_config_get_int (config, group, "max-peers"), 0);
      tier->turn = avd_config_get_boolean (config, group, "turn");
      tier->max_duration_seconds = MAX (avd_config_get_int (config, group, "max-duration-seconds"), 0);
      tier->turn_quota_bytes = MAX (avd_config_get_int64 (config, group, "turn-quota-bytes"), 0);
    }
  /* Live sessions keep pointing at the tiers they started with. */
  if (self->tiers != NULL)
    g_ptr_array_add (self->retired_tiers, self->tiers);
  self->tiers = tiers;
}

AvdLicenseService *
avd_license_service_new (AvdConfig       *config,
                         AvdStore        *store,
                         AvdStateBackend *state)
{
  AvdLicenseService *self = g_object_new (AVD_TYPE_LICENSE_SERVICE, NULL);

  self->store = g_object_ref (store);
  self->state = state != NULL ? g_object_ref (state) : NULL;
  read_config (self, config);
  return self;
}

/* Applies [tier.*] to sessions created from now on (live sessions keep
 * their limits), and [licensing] allow-anonymous-free and [limits]
 * license-cache-seconds. */
void
avd_license_service_reload_config (AvdLicenseService *self,
                                   AvdConfig         *config)
{
  g_return_if_fail (AVD_IS_LICENSE_SERVICE (self));

  read_config (self, config);
}

const AvdTier *
avd_license_service_get_tier (AvdLicenseService *self,
                              const char        *name)
{
  for (gsize i = 0; i < G_N_ELEMENTS (tier_names); i++)
    if (g_strcmp0 (self->tiers[i].name, name) == 0)
      return &self->tiers[i];
  return NULL;
}

gboolean
avd_license_service_allow_anonymous (AvdLicenseService *self)
{
  return self->allow_anonymous;
}

guint
avd_license_service_get_cache_seconds (AvdLicenseService *self)
{
  return self->cache_seconds;
}

char *
avd_license_hash_key (const char *key)
{
  return g_compute_checksum_for_string (G_CHECKSUM_SHA256, key, -1);
}

gboolean
avd_license_key_is_well_formed (const char *key)
{
  if (key == NULL || strlen (key) != strlen (KEY_PREFIX) + KEY_CHARS ||
      !g_str_has_prefix (key, KEY_PREFIX))
    return FALSE;
  for (const char *p = key + strlen (KEY_PREFIX); *p != '\0'; p++)
    if (strchr (BASE32, *p) == NULL)
      return FALSE;
  return TRUE;
}

/* Issues a licence: returns the key, which exists nowhere else afterwards
 * (only its hash is stored).  @expires_at is unix seconds, 0 for never. */
char *
avd_license_service_issue (AvdLicenseService  *self,
                           const char         *tier,
                           const char         *user,
                           gint64              expires_at,
                           GError            **error)
{
  g_autoptr(AvdLicenseRecord) record = avd_license_record_new ();
  GString *key = g_string_new (KEY_PREFIX);
  guint8 random[25];            /* 200 bits = 40 base32 characters */
  guint64 acc = 0;
  int bits = 0;

  if (avd_license_service_get_tier (self, tier) == NULL)
    {
      g_string_free (key, TRUE);
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   "Unknown tier ‘%s’ (free, pro, business or enterprise)", tier);
      return NULL;
    }
  if (user == NULL || *user == '\0')
    {
      g_string_free (key, TRUE);
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                           "A licence needs a user");
      return NULL;
    }
  if (gnutls_rnd (GNUTLS_RND_KEY, random, sizeof random) != 0)
    {
      g_string_free (key, TRUE);
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_FAILED, "No random numbers");
      return NULL;
    }
  for (gsize i = 0; i < sizeof random; i++)
    {
      acc = (acc << 8) | random[i];
      bits += 8;
      while (bits >= 5)
        {
          g_string_append_c (key, BASE32[(acc >> (bits - 5)) & 31]);
          bits -= 5;
        }
    }
  gnutls_memset (random, 0, sizeof random);

  record->key_hash = avd_license_hash_key (key->str);
  record->user = g_strdup (user);
  record->tier = g_strdup (tier);
  record->created_at = g_get_real_time () / G_USEC_PER_SEC;
  record->expires_at = expires_at;
  if (!avd_store_insert_license (self->store, record, error))
    {
      g_string_free (key, TRUE);
      return NULL;
    }
  g_message ("issued a %s licence for user %s", tier, user);
  return g_string_free (key, FALSE);
}

static char *
cache_key (const char *hash)
{
  return g_strdup_printf ("signaling:license:%s:cache", hash);
}

static AvdLicense *
license_from_record (AvdLicenseService  *self,
                     AvdLicenseRecord   *record,
                     GError            **error)
{
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;
  AvdLicense *license;
  const AvdTier *tier;

  if (record->revoked)
    {
      g_set_error_literal (error, AVANUE_PROTOCOL_ERROR, AVANUE_PROTOCOL_ERROR_LICENSE_EXPIRED,
                           "The licence has been revoked");
      return NULL;
    }
  if (record->expires_at != 0 && record->expires_at <= now)
    {
      g_set_error_literal (error, AVANUE_PROTOCOL_ERROR, AVANUE_PROTOCOL_ERROR_LICENSE_EXPIRED,
                           "The licence has expired");
      return NULL;
    }
  tier = avd_license_service_get_tier (self, record->tier);
  if (tier == NULL)
    {
      g_set_error_literal (error, AVANUE_PROTOCOL_ERROR, AVANUE_PROTOCOL_ERROR_INTERNAL,
                           "The licence names an unknown tier");
      return NULL;
    }
  license = g_new0 (AvdLicense, 1);
  license->id = g_strdup (record->id);
  license->key_hash = g_strdup (record->key_hash);
  license->user = g_strdup (record->user);
  license->tier = tier;
  license->expires_at = record->expires_at;
  return license;
}

static char *
record_to_cache (AvdLicenseRecord *record)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) root = NULL;

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "id");
  json_builder_add_string_value (builder, record->id);
  json_builder_set_member_name (builder, "user");
  json_builder_add_string_value (builder, record->user);
  json_builder_set_member_name (builder, "tier");
  json_builder_add_string_value (builder, record->tier);
  json_builder_set_member_name (builder, "expiresAt");
  json_builder_add_int_value (builder, record->expires_at);
  json_builder_set_member_name (builder, "revoked");
  json_builder_add_boolean_value (builder, record->revoked);
  json_builder_end_object (builder);
  root = json_builder_get_root (builder);
  return json_to_string (root, FALSE);
}

static AvdLicenseRecord *
record_from_cache (const char *hash,
                   const char *text)
{
  g_autoptr(JsonNode) root = json_from_string (text, NULL);
  AvdLicenseRecord *record;
  JsonObject *o;

  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    return NULL;
  o = json_node_get_object (root);
  record = avd_license_record_new ();
  record->id = g_strdup (json_object_get_string_member_with_default (o, "id", ""));
  record->key_hash = g_strdup (hash);
  record->user = g_strdup (json_object_get_string_member_with_default (o, "user", ""));
  record->tier = g_strdup (json_object_get_string_member_with_default (o, "tier", ""));
  record->expires_at = json_object_get_int_member_with_default (o, "expiresAt", 0);
  record->revoked = json_object_get_boolean_member_with_default (o, "revoked", FALSE);
  return record;
}

static AvdLicense *
validate_hash (AvdLicenseService  *self,
               const char         *hash,
               gboolean            use_cache,
               GError            **error)
{
  g_autofree char *ckey = cache_key (hash);
  g_autoptr(AvdLicenseRecord) record = NULL;
  g_autoptr(GError) local_error = NULL;

  if (use_cache && self->state != NULL)
    {
      g_autofree char *cached = avd_state_backend_get (self->state, ckey, NULL);

      if (cached != NULL)
        record = record_from_cache (hash, cached);
    }
  if (record == NULL)
    {
      record = avd_store_lookup_license_by_hash (self->store, hash, &local_error);
      if (local_error != NULL)
        {
          g_warning ("licence lookup failed: %s", local_error->message);
          g_set_error_literal (error, AVANUE_PROTOCOL_ERROR, AVANUE_PROTOCOL_ERROR_INTERNAL,
                               "The licence could not be checked");
          return NULL;
        }
      if (record == NULL)
        {
          g_set_error_literal (error, AVANUE_PROTOCOL_ERROR, AVANUE_PROTOCOL_ERROR_LICENSE_REQUIRED,
                               "Unknown licence key");
          return NULL;
        }
      if (self->state != NULL)
        {
          g_autofree char *text = record_to_cache (record);

          avd_state_backend_set (self->state, ckey, text, self->cache_seconds, NULL);
        }
    }
  return license_from_record (self, record, error);
}

/* Checks a licence key as a client presented it. */
AvdLicense *
avd_license_service_validate (AvdLicenseService  *self,
                              const char         *key,
                              GError            **error)
{
  g_autofree char *hash = NULL;

  if (!avd_license_key_is_well_formed (key))
    {
      g_set_error_literal (error, AVANUE_PROTOCOL_ERROR, AVANUE_PROTOCOL_ERROR_LICENSE_REQUIRED,
                           "Not a licence key");
      return NULL;
    }
  hash = avd_license_hash_key (key);
  return validate_hash (self, hash, TRUE, error);
}

/* The periodic check of a running session: the cache is as old as one
 * period at most, so the store's word is at most one period late. */
AvdLicense *
avd_license_service_revalidate (AvdLicenseService  *self,
                                const char         *key_hash,
                                GError            **error)
{
  return validate_hash (self, key_hash, TRUE, error);
}

static gboolean
looks_like_hash (const char *text)
{
  gsize i;

  for (i = 0; text[i] != '\0'; i++)
    if (!g_ascii_isxdigit (text[i]))
      return FALSE;
  return i == 64;
}

/* The licence a key, key hash or licence id names; NULL with @error unset
 * when none does. */
AvdLicenseRecord *
avd_license_service_find (AvdLicenseService  *self,
                          const char         *key_or_id,
                          GError            **error)
{
  g_autofree char *hash = NULL;
  g_autoptr(GPtrArray) all = NULL;
  GError *local_error = NULL;

  if (avd_license_key_is_well_formed (key_or_id))
    hash = avd_license_hash_key (key_or_id);
  else if (looks_like_hash (key_or_id))
    hash = g_strdup (key_or_id);
  if (hash != NULL)
    {
      AvdLicenseRecord *record = avd_store_lookup_license_by_hash (self->store, hash, &local_error);

      if (record != NULL || local_error != NULL || avd_license_key_is_well_formed (key_or_id))
        {
          if (local_error != NULL)
            g_propagate_error (error, local_error);
          return record;
        }
    }

  /* by id: the store has no lookup by id, so through the list */
  all = avd_store_list_licenses (self->store, error);
  for (guint i = 0; all != NULL && i < all->len; i++)
    {
      AvdLicenseRecord *r = g_ptr_array_index (all, i);

      if (g_strcmp0 (r->id, key_or_id) == 0)
        return avd_license_record_copy (r);
    }
  return NULL;
}

/* Revokes by key, key hash or licence id; drops the cached validation. */
gboolean
avd_license_service_revoke (AvdLicenseService  *self,
                            const char         *key_or_id,
                            GError            **error)
{
  g_autofree char *hash = NULL;
  const char *target = key_or_id;

  if (avd_license_key_is_well_formed (key_or_id))
    target = hash = avd_license_hash_key (key_or_id);
  if (!avd_store_revoke_license (self->store, target, error))
    return FALSE;
  if (self->state != NULL)
    {
      g_autoptr(AvdLicenseRecord) record = hash == NULL ? avd_license_service_find (self, key_or_id, NULL) : NULL;
      const char *key_hash = hash != NULL ? hash : (record != NULL ? record->key_hash : NULL);

      if (key_hash != NULL)
        {
          g_autofree char *ckey = cache_key (key_hash);

          avd_state_backend_delete (self->state, ckey, NULL);
        }
    }
  g_message ("revoked a licence");
  return TRUE;
}
