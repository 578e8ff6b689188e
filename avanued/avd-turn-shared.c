/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <gnutls/crypto.h>

#include "avd-turn-shared.h"

static const guint error_codes[AVD_TURN_N_ERROR_CODES] = {
  400, 401, 403, 420, 437, 438, 440, 441, 442, 443, 486, 500, 508,
};

guint
avd_turn_error_code_at (guint index)
{
  return index < AVD_TURN_N_ERROR_CODES ? error_codes[index] : 0;
}

int
avd_turn_error_index_of (guint code)
{
  for (guint i = 0; i < AVD_TURN_N_ERROR_CODES; i++)
    if (error_codes[i] == code)
      return i;
  return -1;
}

/* ---- AvdTurnSettings ----------------------------------------------------- */

static void
settings_clear (AvdTurnSettings *self)
{
  g_free (self->realm);
  if (self->secrets != NULL)
    {
      for (gsize i = 0; self->secrets[i] != NULL; i++)
        memset (self->secrets[i], 0, strlen (self->secrets[i]));
    }
  g_strfreev (self->secrets);
  g_clear_pointer (&self->policy, avd_turn_policy_unref);
  g_clear_pointer (&self->revoked, g_hash_table_unref);
  g_clear_pointer (&self->blocked, g_hash_table_unref);
}

AvdTurnSettings *
avd_turn_settings_new (void)
{
  AvdTurnSettings *self = g_atomic_rc_box_new0 (AvdTurnSettings);

  self->realm = g_strdup ("avanue.local");
  self->realm_len = strlen (self->realm);
  self->secrets = g_new0 (char *, 1);
  self->nonce_lifetime_s = 600;
  self->policy = avd_turn_policy_new (FALSE, NULL, NULL, NULL);
  self->revoked = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->blocked = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->user_quota = 10;
  self->allocation_lifetime_s = 600;
  self->allocation_max_lifetime_s = 3600;
  self->permission_lifetime_s = 300;
  self->channel_lifetime_s = 600;
  return self;
}

static GHashTable *
copy_set (GHashTable *set)
{
  GHashTable *copy = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  GHashTableIter iter;
  gpointer key;

  g_hash_table_iter_init (&iter, set);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    g_hash_table_add (copy, g_strdup (key));
  return copy;
}

/* A deep copy with the next generation number, for the control thread to
 * change before publishing it. */
AvdTurnSettings *
avd_turn_settings_copy (const AvdTurnSettings *self)
{
  AvdTurnSettings *copy = g_atomic_rc_box_new0 (AvdTurnSettings);

  *copy = *self;
  copy->generation = self->generation + 1;
  copy->realm = g_strdup (self->realm);
  copy->secrets = g_strdupv (self->secrets);
  copy->policy = avd_turn_policy_ref (self->policy);
  copy->revoked = copy_set (self->revoked);
  copy->blocked = copy_set (self->blocked);
  return copy;
}

AvdTurnSettings *
avd_turn_settings_ref (AvdTurnSettings *self)
{
  return g_atomic_rc_box_acquire (self);
}

void
avd_turn_settings_unref (AvdTurnSettings *self)
{
  g_atomic_rc_box_release_full (self, (GDestroyNotify) settings_clear);
}

void
avd_turn_settings_set_secrets (AvdTurnSettings *self, const char * const *secrets)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();

  for (gsize i = 0; secrets != NULL && secrets[i] != NULL; i++)
    {
      if (secrets[i][0] != '\0')
        g_strv_builder_add (builder, secrets[i]);
    }
  g_strfreev (self->secrets);
  self->secrets = g_strv_builder_end (builder);
}

/* ---- AvdTurnShared ------------------------------------------------------- */

static void
usage_value_free (gpointer data)
{
  g_free (data);
}

AvdTurnShared *
avd_turn_shared_new (void)
{
  AvdTurnShared *self = g_new0 (AvdTurnShared, 1);

  pthread_mutex_init (&self->quota_lock, NULL);
  pthread_mutex_init (&self->usage_lock, NULL);
  self->user_allocations = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->pending_usage = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, usage_value_free);
  pthread_mutex_init (&self->reservation_lock, NULL);
  self->reservations = g_hash_table_new_full (g_int64_hash, g_int64_equal, NULL, g_free);
  self->min_port = 49152;
  self->max_port = 65535;
  self->software = g_strdup ("avanued/" PACKAGE_VERSION);
  return self;
}

void
avd_turn_shared_free (AvdTurnShared *self)
{
  if (self == NULL)
    return;
  if (self->tls_credentials != NULL)
    gnutls_certificate_free_credentials (self->tls_credentials);
  if (self->tls_priority != NULL)
    gnutls_priority_deinit (self->tls_priority);
  g_hash_table_unref (self->reservations);
  pthread_mutex_destroy (&self->reservation_lock);
  g_hash_table_unref (self->user_allocations);
  g_hash_table_unref (self->pending_usage);
  pthread_mutex_destroy (&self->quota_lock);
  pthread_mutex_destroy (&self->usage_lock);
  g_free (self->software);
  memset (self->nonce_key, 0, sizeof (self->nonce_key));
  g_free (self);
}

/* Counts a new allocation for @username if neither its quota nor the
 * total is reached. */
gboolean
avd_turn_shared_quota_take (AvdTurnShared *self, const AvdTurnSettings *settings, const char *username)
{
  guint count;

  pthread_mutex_lock (&self->quota_lock);
  count = GPOINTER_TO_UINT (g_hash_table_lookup (self->user_allocations, username));
  if ((settings->user_quota > 0 && count >= settings->user_quota) ||
      (settings->total_quota > 0 && (guint) g_atomic_int_get (&self->n_allocations) >= settings->total_quota))
    {
      pthread_mutex_unlock (&self->quota_lock);
      return FALSE;
    }
  g_hash_table_replace (self->user_allocations, g_strdup (username), GUINT_TO_POINTER (count + 1));
  g_atomic_int_inc (&self->n_allocations);
  pthread_mutex_unlock (&self->quota_lock);
  return TRUE;
}

void
avd_turn_shared_quota_release (AvdTurnShared *self, const char *username)
{
  guint count;

  pthread_mutex_lock (&self->quota_lock);
  count = GPOINTER_TO_UINT (g_hash_table_lookup (self->user_allocations, username));
  if (count <= 1)
    g_hash_table_remove (self->user_allocations, username);
  else
    g_hash_table_replace (self->user_allocations, g_strdup (username), GUINT_TO_POINTER (count - 1));
  if (count > 0)
    g_atomic_int_dec_and_test (&self->n_allocations);
  pthread_mutex_unlock (&self->quota_lock);
}

guint
avd_turn_shared_get_n_allocations (AvdTurnShared *self)
{
  return MAX (g_atomic_int_get (&self->n_allocations), 0);
}

/* Reserves a relay port of the range for @family_index, or returns -1 when
 * every port is held.  The caller binds it, and releases it if the bind
 * fails (another program holds it) or when the allocation ends. */
int
avd_turn_shared_port_take (AvdTurnShared *self, guint family_index, gboolean even)
{
  guint range = (guint) self->max_port - self->min_port + 1;
  guint start = g_atomic_int_add (&self->next_port, 1);

  for (guint i = 0; i < range; i++)
    {
      guint port = self->min_port + (start + i) % range;
      guint64 bit = G_GUINT64_CONSTANT (1) << (port % 64);
      guint64 old;

      if (even && port % 2 != 0)
        continue;
      old = __atomic_fetch_or (&self->ports_in_use[family_index][port / 64], bit, __ATOMIC_ACQ_REL);
      if ((old & bit) == 0)
        {
          /* Spread the next search; roughly one step per allocation. */
          if (i > 0)
            g_atomic_int_add (&self->next_port, i);
          return port;
        }
    }
  return -1;
}

void
avd_turn_shared_port_release (AvdTurnShared *self, guint family_index, guint16 port)
{
  guint64 bit = G_GUINT64_CONSTANT (1) << (port % 64);

  __atomic_fetch_and (&self->ports_in_use[family_index][port / 64], ~bit, __ATOMIC_ACQ_REL);
}

/* An even port whose odd neighbour is also free, both taken; -1 if none
 * was found. */
int
avd_turn_shared_port_take_pair (AvdTurnShared *self, guint family_index)
{
  for (int tries = 0; tries < 64; tries++)
    {
      int port = avd_turn_shared_port_take (self, family_index, TRUE);
      guint next;
      guint64 bit, old;

      if (port < 0)
        return -1;
      next = (guint) port + 1;
      if (next > self->max_port)
        {
          avd_turn_shared_port_release (self, family_index, port);
          continue;
        }
      bit = G_GUINT64_CONSTANT (1) << (next % 64);
      old = __atomic_fetch_or (&self->ports_in_use[family_index][next / 64], bit, __ATOMIC_ACQ_REL);
      if ((old & bit) == 0)
        return port;
      avd_turn_shared_port_release (self, family_index, port);
    }
  return -1;
}

/* Drops reservations nobody claimed in time; under reservation_lock. */
static void
sweep_reservations (AvdTurnShared *self, gint64 now_us)
{
  GHashTableIter iter;
  gpointer value;

  g_hash_table_iter_init (&iter, self->reservations);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      AvdTurnReservation *r = value;

      if (r->expires_us <= now_us)
        {
          avd_turn_shared_port_release (self, r->family_index, r->port);
          g_hash_table_iter_remove (&iter);
        }
    }
}

/* Holds @port (already taken) for a later Allocate with the returned
 * RESERVATION-TOKEN, on any worker. */
guint64
avd_turn_shared_reserve (AvdTurnShared *self, guint family_index, guint16 port)
{
  AvdTurnReservation *r = g_new0 (AvdTurnReservation, 1);
  gint64 now_us = g_get_monotonic_time ();

  guint64 token;

  r->family_index = family_index;
  r->port = port;
  r->expires_us = now_us + AVD_TURN_RESERVATION_US;

  pthread_mutex_lock (&self->reservation_lock);
  sweep_reservations (self, now_us);
  do
    {
      if (gnutls_rnd (GNUTLS_RND_NONCE, &r->token, sizeof (r->token)) < 0)
        r->token = ((guint64) g_random_int () << 32) | g_random_int ();
    }
  while (r->token == 0 || g_hash_table_contains (self->reservations, &r->token));
  token = r->token;
  g_hash_table_insert (self->reservations, &r->token, r);
  pthread_mutex_unlock (&self->reservation_lock);
  return token;
}

/* Takes the reserved port of @token; the caller owns the port then. */
gboolean
avd_turn_shared_claim (AvdTurnShared *self, guint64 token, guint *out_family_index, guint16 *out_port)
{
  AvdTurnReservation *r;
  gboolean found = FALSE;

  pthread_mutex_lock (&self->reservation_lock);
  sweep_reservations (self, g_get_monotonic_time ());
  r = g_hash_table_lookup (self->reservations, &token);
  if (r != NULL)
    {
      *out_family_index = r->family_index;
      *out_port = r->port;
      g_hash_table_remove (self->reservations, &token);
      found = TRUE;
    }
  pthread_mutex_unlock (&self->reservation_lock);
  return found;
}

/* Adds bytes relayed for @username to what the control thread reports
 * next; with @notify, asks it to report soon (a deallocation). */
void
avd_turn_shared_add_usage (AvdTurnShared *self, const char *username, guint64 bytes, gboolean notify)
{
  if (bytes > 0)
    {
      guint64 *total;

      pthread_mutex_lock (&self->usage_lock);
      total = g_hash_table_lookup (self->pending_usage, username);
      if (total == NULL)
        {
          total = g_new0 (guint64, 1);
          g_hash_table_insert (self->pending_usage, g_strdup (username), total);
        }
      *total += bytes;
      pthread_mutex_unlock (&self->usage_lock);
    }
  if (notify && self->usage_notify != NULL)
    self->usage_notify (self->usage_notify_data);
}

/* Takes what is pending: username → guint64 *. */
GHashTable *
avd_turn_shared_steal_usage (AvdTurnShared *self)
{
  GHashTable *pending;

  pthread_mutex_lock (&self->usage_lock);
  pending = self->pending_usage;
  self->pending_usage = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, usage_value_free);
  pthread_mutex_unlock (&self->usage_lock);
  return pending;
}
