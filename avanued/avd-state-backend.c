/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* AvdStateBackend and its in-process implementation, AvdStateLocal.
 *
 * Calls are synchronous: the local backend answers from a hash table, and
 * a network backend answers a loopback or LAN round trip, which the seed's
 * design also awaited per message.  Values are opaque strings (JSON where
 * structured); nothing here logs them. */
#define G_LOG_DOMAIN "AvdState"

#include "config.h"

#include <gio/gio.h>

#include "avd-state-backend.h"

G_DEFINE_ABSTRACT_TYPE (AvdStateBackend, avd_state_backend, G_TYPE_OBJECT)

static void
avd_state_backend_class_init (AvdStateBackendClass *klass)
{
}

static void
avd_state_backend_init (AvdStateBackend *self)
{
}

gboolean
avd_state_backend_set (AvdStateBackend  *self,
                       const char       *key,
                       const char       *value,
                       guint             ttl_seconds,
                       GError          **error)
{
  g_return_val_if_fail (AVD_IS_STATE_BACKEND (self), FALSE);
  return AVD_STATE_BACKEND_GET_CLASS (self)->set (self, key, value, ttl_seconds, FALSE, error);
}

/* Stores @value only if @key is absent (Redis SET NX): the way invite codes
 * are claimed uniquely.  *out_stored tells whether it was. */
gboolean
avd_state_backend_set_nx (AvdStateBackend  *self,
                          const char       *key,
                          const char       *value,
                          guint             ttl_seconds,
                          gboolean         *out_stored,
                          GError          **error)
{
  g_autoptr(GError) local_error = NULL;
  gboolean stored;

  g_return_val_if_fail (AVD_IS_STATE_BACKEND (self), FALSE);

  stored = AVD_STATE_BACKEND_GET_CLASS (self)->set (self, key, value, ttl_seconds, TRUE, &local_error);
  if (local_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  *out_stored = stored;
  return TRUE;
}

/* NULL with no error when the key is absent or expired. */
char *
avd_state_backend_get (AvdStateBackend  *self,
                       const char       *key,
                       GError          **error)
{
  g_return_val_if_fail (AVD_IS_STATE_BACKEND (self), NULL);
  return AVD_STATE_BACKEND_GET_CLASS (self)->get (self, key, error);
}

gboolean
avd_state_backend_delete (AvdStateBackend  *self,
                          const char       *key,
                          GError          **error)
{
  g_return_val_if_fail (AVD_IS_STATE_BACKEND (self), FALSE);
  return AVD_STATE_BACKEND_GET_CLASS (self)->delete (self, key, error);
}

/* Adds @delta to the integer at @key (absent = 0) and returns the result;
 * a new key gets @ttl_seconds.  Used for atomic counters such as admission. */
gint64
avd_state_backend_incr (AvdStateBackend  *self,
                        const char       *key,
                        gint64            delta,
                        guint             ttl_seconds,
                        GError          **error)
{
  g_return_val_if_fail (AVD_IS_STATE_BACKEND (self), 0);
  return AVD_STATE_BACKEND_GET_CLASS (self)->incr (self, key, delta, ttl_seconds, error);
}

gboolean
avd_state_backend_check (AvdStateBackend  *self,
                         GError          **error)
{
  g_return_val_if_fail (AVD_IS_STATE_BACKEND (self), FALSE);
  return AVD_STATE_BACKEND_GET_CLASS (self)->check (self, error);
}

const char *
avd_state_backend_get_name (AvdStateBackend *self)
{
  g_return_val_if_fail (AVD_IS_STATE_BACKEND (self), NULL);
  return AVD_STATE_BACKEND_GET_CLASS (self)->get_name (self);
}

/* ------------------------------------------------------------------ */

typedef struct {
  char *value;
  gint64 expires_us;            /* 0 = never */
} LocalEntry;

struct _AvdStateLocal
{
  AvdStateBackend parent_instance;

  GHashTable *entries;          /* key → LocalEntry */
  guint sweep_id;
};

G_DEFINE_FINAL_TYPE (AvdStateLocal, avd_state_local, AVD_TYPE_STATE_BACKEND)

static void
local_entry_free (gpointer data)
{
  LocalEntry *entry = data;

  g_free (entry->value);
  g_free (entry);
}

static gboolean
expired (LocalEntry *entry,
         gint64      now_us)
{
  return entry->expires_us != 0 && entry->expires_us <= now_us;
}

static LocalEntry *
local_lookup (AvdStateLocal *self,
              const char    *key)
{
  LocalEntry *entry = g_hash_table_lookup (self->entries, key);

  if (entry != NULL && expired (entry, g_get_monotonic_time ()))
    {
      g_hash_table_remove (self->entries, key);
      return NULL;
    }
  return entry;
}

static gint64
deadline (guint ttl_seconds)
{
  return ttl_seconds == 0 ? 0 : g_get_monotonic_time () + (gint64) ttl_seconds * G_USEC_PER_SEC;
}

static gboolean
local_set (AvdStateBackend  *backend,
           const char       *key,
           const char       *value,
           guint             ttl_seconds,
           gboolean          only_if_absent,
           GError          **error)
{
  AvdStateLocal *self = AVD_STATE_LOCAL (backend);
  LocalEntry *entry;

  if (only_if_absent && local_lookup (self, key) != NULL)
    return FALSE;
  entry = g_new0 (LocalEntry, 1);
  entry->value = g_strdup (value);
  entry->expires_us = deadline (ttl_seconds);
  g_hash_table_replace (self->entries, g_strdup (key), entry);
  return TRUE;
}

static char *
local_get (AvdStateBackend  *backend,
           const char       *key,
           GError          **error)
{
  LocalEntry *entry = local_lookup (AVD_STATE_LOCAL (backend), key);

  return entry != NULL ? g_strdup (entry->value) : NULL;
}

static gboolean
local_delete (AvdStateBackend  *backend,
              const char       *key,
              GError          **error)
{
  g_hash_table_remove (AVD_STATE_LOCAL (backend)->entries, key);
  return TRUE;
}

static gint64
local_incr (AvdStateBackend  *backend,
            const char       *key,
            gint64            delta,
            guint             ttl_seconds,
            GError          **error)
{
  AvdStateLocal *self = AVD_STATE_LOCAL (backend);
  LocalEntry *entry = local_lookup (self, key);
  gint64 value = 0;

  if (entry != NULL && !g_ascii_string_to_signed (entry->value, 10, G_MININT64, G_MAXINT64, &value, NULL))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "value at %s is not an integer", key);
      return 0;
    }
  value += delta;
  if (entry == NULL)
    {
      entry = g_new0 (LocalEntry, 1);
      entry->expires_us = deadline (ttl_seconds);
      g_hash_table_replace (self->entries, g_strdup (key), entry);
    }
  g_free (entry->value);
  entry->value = g_strdup_printf ("%" G_GINT64_FORMAT, value);
  return value;
}

static gboolean
local_check (AvdStateBackend  *backend,
             GError          **error)
{
  return TRUE;
}

static const char *
local_get_name (AvdStateBackend *backend)
{
  return "local";
}

static gboolean
local_sweep_cb (gpointer user_data)
{
  AvdStateLocal *self = user_data;
  gint64 now = g_get_monotonic_time ();
  GHashTableIter iter;
  LocalEntry *entry;

  g_hash_table_iter_init (&iter, self->entries);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &entry))
    if (expired (entry, now))
      g_hash_table_iter_remove (&iter);
  return G_SOURCE_CONTINUE;
}

static void
avd_state_local_finalize (GObject *object)
{
  AvdStateLocal *self = AVD_STATE_LOCAL (object);

  g_clear_handle_id (&self->sweep_id, g_source_remove);
  g_hash_table_unref (self->entries);

  G_OBJECT_CLASS (avd_state_local_parent_class)->finalize (object);
}

static void
avd_state_local_class_init (AvdStateLocalClass *klass)
{
  AvdStateBackendClass *backend_class = AVD_STATE_BACKEND_CLASS (klass);

  G_OBJECT_CLASS (klass)->finalize = avd_state_local_finalize;
  backend_class->set = local_set;
  backend_class->get = local_get;
  backend_class->delete = local_delete;
  backend_class->incr = local_incr;
  backend_class->check = local_check;
  backend_class->get_name = local_get_name;
}

static void
avd_state_local_init (AvdStateLocal *self)
{
  self->entries = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, local_entry_free);
  self->sweep_id = g_timeout_add_seconds (30, local_sweep_cb, self);
}

AvdStateBackend *
avd_state_local_new (void)
{
  return g_object_new (AVD_TYPE_STATE_LOCAL, NULL);
}
