/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* AvdStore: avanued's durable store, an abstract base class.
 *
 * Backends (AvdStoreSqlite, later AvdStorePostgres) implement simple
 * synchronous vfuncs.  The base class checks arguments and adds ordered
 * asynchronous execution: every job given to avd_store_run_async() or
 * avd_store_submit() runs on one worker thread per store, in submission
 * order, so the daemon's main loop never waits for the database and a read
 * queued after writes sees them.  avd_store_close() (and disposing the store)
 * waits for the queue to drain, so accounting submitted before shutdown is
 * not lost.
 *
 * Every queued job holds a reference on the store.  If the last reference
 * goes away on the worker thread itself, dispose stops the pool without
 * waiting for it (the pool then frees itself when the job returns).
 *
 * Nothing here logs keys, key hashes or payload JSON: warnings carry the
 * operation's name and the error message, and backends keep values out of
 * their error messages. */
#define G_LOG_DOMAIN "AvdStore"

#include "config.h"

#include <math.h>
#include <string.h>

#include "avd-sql-resources.h"
#include "avd-store.h"
#include "avd-store-sqlite.h"

G_DEFINE_QUARK (avd-store-error-quark, avd_store_error)

typedef struct
{
  GMutex pool_lock;     /* guards pool */
  GThreadPool *pool;    /* the worker: max 1 exclusive thread; lazily made */
  GThread *worker;      /* atomic: the pool's thread, once it ran a job */
  int is_open;          /* atomic */
} AvdStorePrivate;

G_DEFINE_ABSTRACT_TYPE_WITH_PRIVATE (AvdStore, avd_store, G_TYPE_OBJECT)

typedef struct
{
  AvdStore *self;          /* strong */
  GTask *task;             /* NULL for submitted (fire-and-forget) jobs */
  AvdStoreJob job;
  gpointer data;           /* submitted jobs only; a task keeps its data */
  GDestroyNotify destroy;
  const char *what;        /* static; names the job in warnings */
} AvdStoreQueueItem;

/* ---- records ------------------------------------------------------------- */

/**
 * avd_device_record_new:
 *
 * Returns: (transfer full): an empty record
 */
AvdDeviceRecord *
avd_device_record_new (void)
{
  return g_new0 (AvdDeviceRecord, 1);
}

/**
 * avd_device_record_copy:
 * @record: a record
 *
 * Returns: (transfer full): a deep copy of @record
 */
AvdDeviceRecord *
avd_device_record_copy (const AvdDeviceRecord *record)
{
  AvdDeviceRecord *copy;

  g_return_val_if_fail (record != NULL, NULL);

  copy = g_memdup2 (record, sizeof *record);
  copy->id = g_strdup (record->id);
  copy->fingerprint = g_strdup (record->fingerprint);
  copy->public_key = g_strdup (record->public_key);
  copy->device_name = g_strdup (record->device_name);
  copy->platform = g_strdup (record->platform);
  copy->device_type = g_strdup (record->device_type);
  copy->last_capabilities = g_strdup (record->last_capabilities);
  copy->nat_type = g_strdup (record->nat_type);
  return copy;
}

void
avd_device_record_free (AvdDeviceRecord *record)
{
  if (record == NULL)
    return;
  g_free (record->id);
  g_free (record->fingerprint);
  g_free (record->public_key);
  g_free (record->device_name);
  g_free (record->platform);
  g_free (record->device_type);
  g_free (record->last_capabilities);
  g_free (record->nat_type);
  g_free (record);
}

/**
 * avd_license_record_new:
 *
 * Returns: (transfer full): an empty record
 */
AvdLicenseRecord *
avd_license_record_new (void)
{
  return g_new0 (AvdLicenseRecord, 1);
}

/**
 * avd_license_record_copy:
 * @record: a record
 *
 * Returns: (transfer full): a deep copy of @record
 */
AvdLicenseRecord *
avd_license_record_copy (const AvdLicenseRecord *record)
{
  AvdLicenseRecord *copy;

  g_return_val_if_fail (record != NULL, NULL);

  copy = g_memdup2 (record, sizeof *record);
  copy->id = g_strdup (record->id);
  copy->key_hash = g_strdup (record->key_hash);
  copy->user = g_strdup (record->user);
  copy->tier = g_strdup (record->tier);
  return copy;
}

void
avd_license_record_free (AvdLicenseRecord *record)
{
  if (record == NULL)
    return;
  g_free (record->id);
  g_free (record->key_hash);
  g_free (record->user);
  g_free (record->tier);
  g_free (record);
}

/**
 * avd_session_history_record_new:
 *
 * Returns: (transfer full): an empty record, averages set to "nothing measured"
 */
AvdSessionHistoryRecord *
avd_session_history_record_new (void)
{
  AvdSessionHistoryRecord *record = g_new0 (AvdSessionHistoryRecord, 1);

  record->avg_latency_ms = -1.0;
  record->avg_packet_loss_percent = -1.0;
  return record;
}

void
avd_session_history_record_free (AvdSessionHistoryRecord *record)
{
  if (record == NULL)
    return;
  g_free (record->id);
  g_free (record->session_type);
  g_free (record->host_fingerprint);
  g_free (record->license_id);
  g_free (record->tier);
  g_free (record->end_reason);
  g_free (record);
}

/**
 * avd_session_participant_record_new:
 *
 * Returns: (transfer full): an empty record, unknowns set to -1
 */
AvdSessionParticipantRecord *
avd_session_participant_record_new (void)
{
  AvdSessionParticipantRecord *record = g_new0 (AvdSessionParticipantRecord, 1);

  record->capability_score = -1;
  record->avg_latency_ms = -1.0;
  record->avg_packet_loss_percent = -1.0;
  return record;
}

void
avd_session_participant_record_free (AvdSessionParticipantRecord *record)
{
  if (record == NULL)
    return;
  g_free (record->session_id);
  g_free (record->fingerprint);
  g_free (record->role);
  g_free (record->leave_reason);
  g_free (record->nat_type);
  g_free (record->candidate_type);
  g_free (record);
}

/**
 * avd_live_session_record_new:
 * @id: the session id
 * @json: the session manager's serialisation of the session
 *
 * Returns: (transfer full): a record holding copies of @id and @json
 */
AvdLiveSessionRecord *
avd_live_session_record_new (const char *id,
                             const char *json)
{
  AvdLiveSessionRecord *record = g_new0 (AvdLiveSessionRecord, 1);

  record->id = g_strdup (id);
  record->json = g_strdup (json);
  return record;
}

void
avd_live_session_record_free (AvdLiveSessionRecord *record)
{
  if (record == NULL)
    return;
  g_free (record->id);
  g_free (record->json);
  g_free (record);
}

void
avd_store_migration_free (AvdStoreMigration *migration)
{
  if (migration == NULL)
    return;
  g_free (migration->name);
  g_clear_pointer (&migration->sql, g_bytes_unref);
  g_free (migration);
}

/* ---- helpers ------------------------------------------------------------- */

static gint64
now_seconds (void)
{
  return g_get_real_time () / G_USEC_PER_SEC;
}

static gint64
or_now (gint64 t)
{
  return t != 0 ? t : now_seconds ();
}

static gboolean
ensure_open (AvdStore  *self,
             GError   **error)
{
  AvdStorePrivate *priv = avd_store_get_instance_private (self);

  if (!g_atomic_int_get (&priv->is_open))
    {
      g_set_error_literal (error, AVD_STORE_ERROR, AVD_STORE_ERROR_FAILED,
                           "The store is not open");
      return FALSE;
    }
  return TRUE;
}

static gboolean
not_supported (GError     **error,
               const char  *what)
{
  g_set_error (error, AVD_STORE_ERROR, AVD_STORE_ERROR_FAILED,
               "This store backend cannot %s", what);
  return FALSE;
}

/* Declares `klass`, and returns @fail with @error set unless the store is
 * open and the backend implements @name. */
#define STORE_VFUNC(self, name, error, fail)                              \
  AvdStoreClass *klass = AVD_STORE_GET_CLASS (self);                      \
  if (!ensure_open ((self), (error)))                                     \
    return (fail);                                                        \
  if (klass->name == NULL)                                                \
    {                                                                     \
      not_supported ((error), #name);                                     \
      return (fail);                                                      \
    }

static gboolean
month_is_valid (const char *month)
{
  int m;

  /* YYYY-MM, 01..12 */
  if (strlen (month) != 7 || month[4] != '-')
    return FALSE;
  for (int i = 0; i < 7; i++)
    if (i != 4 && !g_ascii_isdigit (month[i]))
      return FALSE;
  m = (month[5] - '0') * 10 + (month[6] - '0');
  return m >= 1 && m <= 12;
}

/* ---- GObject ------------------------------------------------------------- */

static void
avd_store_dispose (GObject *object)
{
  AvdStore *self = AVD_STORE (object);
  AvdStorePrivate *priv = avd_store_get_instance_private (self);
  GThreadPool *pool;

  g_mutex_lock (&priv->pool_lock);
  pool = g_steal_pointer (&priv->pool);
  g_mutex_unlock (&priv->pool_lock);

  /* Jobs hold references, so nothing is queued if we get here; but when the
   * last reference was the running job's, we are on the worker thread and
   * must not wait for ourselves. */
  if (pool != NULL)
    g_thread_pool_free (pool, FALSE,
                        g_atomic_pointer_get (&priv->worker) != g_thread_self ());

  if (g_atomic_int_compare_and_exchange (&priv->is_open, TRUE, FALSE) &&
      AVD_STORE_GET_CLASS (self)->close != NULL)
    AVD_STORE_GET_CLASS (self)->close (self);

  G_OBJECT_CLASS (avd_store_parent_class)->dispose (object);
}

static void
avd_store_finalize (GObject *object)
{
  AvdStore *self = AVD_STORE (object);
  AvdStorePrivate *priv = avd_store_get_instance_private (self);

  g_mutex_clear (&priv->pool_lock);

  G_OBJECT_CLASS (avd_store_parent_class)->finalize (object);
}

static void
avd_store_class_init (AvdStoreClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = avd_store_dispose;
  object_class->finalize = avd_store_finalize;
}

static void
avd_store_init (AvdStore *self)
{
  AvdStorePrivate *priv = avd_store_get_instance_private (self);

  g_mutex_init (&priv->pool_lock);
}

/* ---- construction and lifecycle ------------------------------------------ */

/**
 * avd_store_new_for_config:
 * @config: the daemon's configuration
 * @state_dir: the state directory, for the default SQLite path
 * @error: return location for an error
 *
 * Builds the backend named by `[store] backend` (DESIGN §15); it is not
 * opened yet.  SQLite's file is `[store] path`, or `STATE_DIR/avanue.db`.
 *
 * Returns: (transfer full): a store, or NULL for an unknown backend
 */
AvdStore *
avd_store_new_for_config (AvdConfig   *config,
                          const char  *state_dir,
                          GError     **error)
{
  g_autofree char *backend = NULL;

  g_return_val_if_fail (AVD_IS_CONFIG (config), NULL);
  g_return_val_if_fail (state_dir != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  backend = avd_config_get_string (config, "store", "backend");
  if (g_str_equal (backend, "sqlite"))
    {
      g_autofree char *path = avd_config_get_string (config, "store", "path");

      if (path[0] == '\0')
        {
          g_free (path);
          path = g_build_filename (state_dir, "avanue.db", NULL);
        }
      return avd_store_sqlite_new (path);
    }

  g_set_error (error, AVD_STORE_ERROR, AVD_STORE_ERROR_FAILED,
               "Unsupported store backend “%s” (this build has: sqlite)", backend);
  return NULL;
}

/**
 * avd_store_open:
 * @self: a store
 * @error: return location for an error
 *
 * Connects and applies the pending migrations.  Opening an open store does
 * nothing.
 *
 * Returns: TRUE on success
 */
gboolean
avd_store_open (AvdStore  *self,
                GError   **error)
{
  AvdStorePrivate *priv;

  g_return_val_if_fail (AVD_IS_STORE (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  priv = avd_store_get_instance_private (self);
  if (g_atomic_int_get (&priv->is_open))
    return TRUE;
  if (!AVD_STORE_GET_CLASS (self)->open (self, error))
    return FALSE;
  g_atomic_int_set (&priv->is_open, TRUE);
  return TRUE;
}

/**
 * avd_store_close:
 * @self: a store
 *
 * Waits for every queued job to finish, then disconnects.  Call it from the
 * owner's thread, never from a job.  Closing a closed store does nothing.
 */
void
avd_store_close (AvdStore *self)
{
  AvdStorePrivate *priv;
  GThreadPool *pool;

  g_return_if_fail (AVD_IS_STORE (self));

  priv = avd_store_get_instance_private (self);
  g_return_if_fail (g_atomic_pointer_get (&priv->worker) != g_thread_self ());

  g_mutex_lock (&priv->pool_lock);
  pool = g_steal_pointer (&priv->pool);
  g_mutex_unlock (&priv->pool_lock);
  if (pool != NULL)
    g_thread_pool_free (pool, FALSE, TRUE);
  /* That thread is gone; a later job starts another. */
  g_atomic_pointer_set (&priv->worker, NULL);

  if (g_atomic_int_compare_and_exchange (&priv->is_open, TRUE, FALSE) &&
      AVD_STORE_GET_CLASS (self)->close != NULL)
    AVD_STORE_GET_CLASS (self)->close (self);
}

gboolean
avd_store_is_open (AvdStore *self)
{
  AvdStorePrivate *priv;

  g_return_val_if_fail (AVD_IS_STORE (self), FALSE);

  priv = avd_store_get_instance_private (self);
  return g_atomic_int_get (&priv->is_open);
}

/**
 * avd_store_check:
 * @self: a store
 * @error: return location for an error
 *
 * A cheap round trip to the database, for `/health`.
 *
 * Returns: TRUE when the database answers
 */
gboolean
avd_store_check (AvdStore  *self,
                 GError   **error)
{
  g_return_val_if_fail (AVD_IS_STORE (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  STORE_VFUNC (self, check, error, FALSE);
  return klass->check (self, error);
}

/* ---- the worker ---------------------------------------------------------- */

static void
queue_item_run (gpointer item_ptr,
                gpointer pool_data)
{
  AvdStoreQueueItem *item = item_ptr;
  AvdStore *self = item->self;
  AvdStorePrivate *priv = avd_store_get_instance_private (self);
  g_autoptr(GError) error = NULL;

  g_atomic_pointer_set (&priv->worker, g_thread_self ());

  if (item->task != NULL)
    {
      GTask *task = item->task;

      if (!g_task_return_error_if_cancelled (task))
        {
          if (item->job (self, g_task_get_task_data (task),
                         g_task_get_cancellable (task), &error))
            g_task_return_boolean (task, TRUE);
          else
            g_task_return_error (task, g_steal_pointer (&error));
        }
      g_object_unref (task);
    }
  else
    {
      if (!item->job (self, item->data, NULL, &error))
        g_warning ("Store %s failed: %s", item->what, error->message);
      if (item->destroy != NULL)
        item->destroy (item->data);
    }

  /* May be the last reference: nothing touches self or priv after this. */
  g_object_unref (item->self);
  g_free (item);
}

/* Queues @item; on failure returns FALSE with @error set and leaves @item
 * to the caller. */
static gboolean
queue_item_push (AvdStore           *self,
                 AvdStoreQueueItem  *item,
                 GError            **error)
{
  AvdStorePrivate *priv = avd_store_get_instance_private (self);
  g_autoptr(GMutexLocker) locker G_GNUC_UNUSED = g_mutex_locker_new (&priv->pool_lock);

  if (priv->pool == NULL)
    {
      priv->pool = g_thread_pool_new (queue_item_run, NULL, 1, TRUE, error);
      if (priv->pool == NULL)
        {
          g_prefix_error (error, "Cannot start the store's worker thread: ");
          return FALSE;
        }
    }
  return g_thread_pool_push (priv->pool, item, error);
}

/**
 * avd_store_run_async:
 * @self: a store
 * @job: the work
 * @data: (nullable): passed to @job; kept alive until the result is freed
 * @destroy: (nullable): frees @data
 * @cancellable: (nullable): checked before @job starts, and passed to it
 * @callback: called on the caller's thread-default main context
 * @user_data: for @callback
 *
 * Runs @job on the store's worker thread after every job queued before it.
 * A job that computes something leaves it in @data; the callback reads it
 * with avd_store_run_get_data().
 */
void
avd_store_run_async (AvdStore            *self,
                     AvdStoreJob          job,
                     gpointer             data,
                     GDestroyNotify       destroy,
                     GCancellable        *cancellable,
                     GAsyncReadyCallback  callback,
                     gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GError) error = NULL;
  AvdStoreQueueItem *item;

  g_return_if_fail (AVD_IS_STORE (self));
  g_return_if_fail (job != NULL);
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, avd_store_run_async);
  g_task_set_task_data (task, data, destroy);
  /* Once a job ran, its result is what happened, even if cancelled since. */
  g_task_set_check_cancellable (task, FALSE);

  item = g_new0 (AvdStoreQueueItem, 1);
  item->self = g_object_ref (self);
  item->task = g_object_ref (task);
  item->job = job;
  item->what = "job";
  if (!queue_item_push (self, item, &error))
    {
      g_object_unref (item->task);
      g_object_unref (item->self);
      g_free (item);
      g_task_return_error (task, g_steal_pointer (&error));
    }
}

/**
 * avd_store_run_finish:
 * @self: a store
 * @result: the result given to the callback
 * @error: return location for an error
 *
 * Returns: TRUE when the job succeeded
 */
gboolean
avd_store_run_finish (AvdStore      *self,
                      GAsyncResult  *result,
                      GError       **error)
{
  g_return_val_if_fail (AVD_IS_STORE (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/**
 * avd_store_run_get_data:
 * @result: a result of avd_store_run_async()
 *
 * Returns: (transfer none) (nullable): the data the job was given
 */
gpointer
avd_store_run_get_data (GAsyncResult *result)
{
  g_return_val_if_fail (G_IS_TASK (result), NULL);

  return g_task_get_task_data (G_TASK (result));
}

static void
submit_full (AvdStore       *self,
             const char     *what,
             AvdStoreJob     job,
             gpointer        data,
             GDestroyNotify  destroy)
{
  g_autoptr(GError) error = NULL;
  AvdStoreQueueItem *item = g_new0 (AvdStoreQueueItem, 1);

  item->self = g_object_ref (self);
  item->job = job;
  item->data = data;
  item->destroy = destroy;
  item->what = what;
  if (!queue_item_push (self, item, &error))
    {
      g_warning ("Store %s dropped: %s", what, error->message);
      if (destroy != NULL)
        destroy (data);
      g_object_unref (item->self);
      g_free (item);
    }
}

/**
 * avd_store_submit:
 * @self: a store
 * @job: the work
 * @data: (nullable): passed to @job
 * @destroy: (nullable): frees @data once @job ran
 *
 * Queues @job like avd_store_run_async() but without a result: a failure is
 * logged with g_warning.  For writes nobody waits for.
 */
void
avd_store_submit (AvdStore       *self,
                  AvdStoreJob     job,
                  gpointer        data,
                  GDestroyNotify  destroy)
{
  g_return_if_fail (AVD_IS_STORE (self));
  g_return_if_fail (job != NULL);

  submit_full (self, "job", job, data, destroy);
}

/* ---- devices ------------------------------------------------------------- */

/**
 * avd_store_upsert_device:
 * @self: a store
 * @device: the device; `fingerprint` is the key
 * @error: return location for an error
 *
 * Inserts @device, or updates the known device's public key, name, platform,
 * type and last-seen time (and capabilities and NAT type when @device has
 * them).  `id` (NULL: a new uuid), `created_at`, `blocked` are used only on
 * insert.  `created_at` and `last_seen` of 0 mean now.
 *
 * Returns: TRUE on success
 */
gboolean
avd_store_upsert_device (AvdStore               *self,
                         const AvdDeviceRecord  *device,
                         GError                **error)
{
  g_autoptr(AvdDeviceRecord) copy = NULL;

  g_return_val_if_fail (AVD_IS_STORE (self), FALSE);
  g_return_val_if_fail (device != NULL && device->fingerprint != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  STORE_VFUNC (self, upsert_device, error, FALSE);

  copy = avd_device_record_copy (device);
  if (copy->id == NULL)
    copy->id = g_uuid_string_random ();
  copy->created_at = or_now (copy->created_at);
  copy->last_seen = or_now (copy->last_seen);
  return klass->upsert_device (self, copy, error);
}

/**
 * avd_store_get_device:
 * @self: a store
 * @fingerprint: the device's fingerprint
 * @error: return location for an error
 *
 * Returns: (transfer full) (nullable): the device, or NULL without an
 *   error when it is unknown
 */
AvdDeviceRecord *
avd_store_get_device (AvdStore    *self,
                      const char  *fingerprint,
                      GError     **error)
{
  g_return_val_if_fail (AVD_IS_STORE (self), NULL);
  g_return_val_if_fail (fingerprint != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  STORE_VFUNC (self, get_device, error, NULL);
  return klass->get_device (self, fingerprint, error);
}

typedef struct
{
  char *key;
  gpointer result;
  GDestroyNotify result_free;
} LookupData;

static void
lookup_data_free (gpointer ptr)
{
  LookupData *data = ptr;

  g_free (data->key);
  if (data->result != NULL)
    data->result_free (data->result);
  g_free (data);
}

static LookupData *
lookup_data_new (const char     *key,
                 GDestroyNotify  result_free)
{
  LookupData *data = g_new0 (LookupData, 1);

  data->key = g_strdup (key);
  data->result_free = result_free;
  return data;
}

static gboolean
get_device_job (AvdStore      *self,
                gpointer       ptr,
                GCancellable  *cancellable,
                GError       **error)
{
  LookupData *data = ptr;
  g_autoptr(GError) local_error = NULL;

  data->result = avd_store_get_device (self, data->key, &local_error);
  if (local_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  return TRUE;
}

/**
 * avd_store_get_device_async:
 * @self: a store
 * @fingerprint: the device's fingerprint
 * @cancellable: (nullable): a cancellable
 * @callback: called when done
 * @user_data: for @callback
 *
 * avd_store_get_device() on the worker thread, after every queued write.
 */
void
avd_store_get_device_async (AvdStore            *self,
                            const char          *fingerprint,
                            GCancellable        *cancellable,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data)
{
  g_return_if_fail (AVD_IS_STORE (self));
  g_return_if_fail (fingerprint != NULL);

  avd_store_run_async (self, get_device_job,
                       lookup_data_new (fingerprint, (GDestroyNotify) avd_device_record_free),
                       lookup_data_free, cancellable, callback, user_data);
}

static gpointer
lookup_finish (AvdStore      *self,
               GAsyncResult  *result,
               GError       **error)
{
  LookupData *data;

  if (!avd_store_run_finish (self, result, error))
    return NULL;
  data = avd_store_run_get_data (result);
  return g_steal_pointer (&data->result);
}

/**
 * avd_store_get_device_finish:
 * @self: a store
 * @result: the result given to the callback
 * @error: return location for an error
 *
 * Returns: (transfer full) (nullable): the device, or NULL without an
 *   error when it is unknown
 */
AvdDeviceRecord *
avd_store_get_device_finish (AvdStore      *self,
                             GAsyncResult  *result,
                             GError       **error)
{
  g_return_val_if_fail (AVD_IS_STORE (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  return lookup_finish (self, result, error);
}

/**
 * avd_store_list_devices:
 * @self: a store
 * @error: return location for an error
 *
 * Returns: (transfer container) (element-type AvdDeviceRecord): every device,
 *   oldest first; the array frees its records
 */
GPtrArray *
avd_store_list_devices (AvdStore  *self,
                        GError   **error)
{
  g_return_val_if_fail (AVD_IS_STORE (self), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  STORE_VFUNC (self, list_devices, error, NULL);
  return klass->list_devices (self, error);
}

/**
 * avd_store_set_device_blocked:
 * @self: a store
 * @fingerprint: the device's fingerprint
 * @blocked: whether the device is refused
 * @error: return location for an error
 *
 * Returns: TRUE on success; %AVD_STORE_ERROR_NOT_FOUND for an unknown device
 */
gboolean
avd_store_set_device_blocked (AvdStore    *self,
                              const char  *fingerprint,
                              gboolean     blocked,
                              GError     **error)
{
  g_return_val_if_fail (AVD_IS_STORE (self), FALSE);
  g_return_val_if_fail (fingerprint != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  STORE_VFUNC (self, set_device_blocked, error, FALSE);
  return klass->set_device_blocked (self, fingerprint, !!blocked, error);
}

/**
 * avd_store_set_device_capabilities:
 * @self: a store
 * @fingerprint: the device's fingerprint
 * @json: (nullable): the capabilities as JSON text
 * @error: return location for an error
 *
 * Returns: TRUE on success; %AVD_STORE_ERROR_NOT_FOUND for an unknown device
 */
gboolean
avd_store_set_device_capabilities (AvdStore    *self,
                                   const char  *fingerprint,
                                   const char  *json,
                                   GError     **error)
{
  g_return_val_if_fail (AVD_IS_STORE (self), FALSE);
  g_return_val_if_fail (fingerprint != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  STORE_VFUNC (self, set_device_capabilities, error, FALSE);
  return klass->set_device_capabilities (self, fingerprint, json, error);
}

/**
 * avd_store_set_device_nat_type:
 * @self: a store
 * @fingerprint: the device's fingerprint
 * @nat_type: (nullable): the NAT type last observed
 * @error: return location for an error
 *
 * Returns: TRUE on success; %AVD_STORE_ERROR_NOT_FOUND for an unknown device
 */
gboolean
avd_store_set_device_nat_type (AvdStore    *self,
                               const char  *fingerprint,
                               const char  *nat_type,
                               GError     **error)
{
  g_return_val_if_fail (AVD_IS_STORE (self), FALSE);
  g_return_val_if_fail (fingerprint != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  STORE_VFUNC (self, set_device_nat_type, error, FALSE);
  return klass->set_device_nat_type (self, fingerprint, nat_type, error);
}

/* ---- licences ------------------------------------------------------------ */

/**
 * avd_store_insert_license:
 * @self: a store
 * @license: the licence; `id` (NULL: a new uuid) and `created_at` (0: now)
 *   are filled in
 * @error: return location for an error
 *
 * Returns: TRUE on success; %AVD_STORE_ERROR_CONSTRAINT for a duplicate
 */
gboolean
avd_store_insert_license (AvdStore          *self,
                          AvdLicenseRecord  *license,
                          GError           **error)
{
  g_return_val_if_fail (AVD_IS_STORE (self), FALSE);
  g_return_val_if_fail (license != NULL, FALSE);
  g_return_val_if_fail (license->key_hash != NULL, FALSE);
  g_return_val_if_fail (license->tier != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  STORE_VFUNC (self, insert_license, error, FALSE);

  if (license->id == NULL)
    license->id = g_uuid_string_random ();
  license->created_at = or_now (license->created_at);
  if (license->revoked && license->revoked_at == 0)
    license->revoked_at = license->created_at;
  return klass->insert_license (self, license, error);
}

/**
 * avd_store_lookup_license_by_hash:
 * @self: a store
 * @key_hash: lowercase hex SHA-256 of the key
 * @error: return location for an error
 *
 * Revoked and expired licences are returned too: the caller decides.
 *
 * Returns: (transfer full) (nullable): the licence, or NULL without an
 *   error when no licence has that hash
 */
AvdLicenseRecord *
avd_store_lookup_license_by_hash (AvdStore    *self,
                                  const char  *key_hash,
                                  GError     **error)
{
  g_return_val_if_fail (AVD_IS_STORE (self), NULL);
  g_return_val_if_fail (key_hash != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  STORE_VFUNC (self, lookup_license_by_hash, error, NULL);
  return klass->lookup_license_by_hash (self, key_hash, error);
}

static gboolean
lookup_license_job (AvdStore      *self,
                    gpointer       ptr,
                    GCancellable  *cancellable,
                    GError       **error)
{
  LookupData *data = ptr;
  g_autoptr(GError) local_error = NULL;

  data->result = avd_store_lookup_license_by_hash (self, data->key, &local_error);
  if (local_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  return TRUE;
}

/**
 * avd_store_lookup_license_async:
 * @self: a store
 * @key_hash: lowercase hex SHA-256 of the key
 * @cancellable: (nullable): a cancellable
 * @callback: called when done
 * @user_data: for @callback
 *
 * avd_store_lookup_license_by_hash() on the worker thread.
 */
void
avd_store_lookup_license_async (AvdStore            *self,
                                const char          *key_hash,
                                GCancellable        *cancellable,
                                GAsyncReadyCallback  callback,
                                gpointer             user_data)
{
  g_return_if_fail (AVD_IS_STORE (self));
  g_return_if_fail (key_hash != NULL);

  avd_store_run_async (self, lookup_license_job,
                       lookup_data_new (key_hash, (GDestroyNotify) avd_license_record_free),
                       lookup_data_free, cancellable, callback, user_data);
}

/**
 * avd_store_lookup_license_finish:
 * @self: a store
 * @result: the result given to the callback
 * @error: return location for an error
 *
 * Returns: (transfer full) (nullable): the licence, or NULL without an
 *   error when no licence has that hash
 */
AvdLicenseRecord *
avd_store_lookup_license_finish (AvdStore      *self,
                                 GAsyncResult  *result,
                                 GError       **error)
{
  g_return_val_if_fail (AVD_IS_STORE (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  return lookup_finish (self, result, error);
}

/**
 * avd_store_list_licenses:
 * @self: a store
 * @error: return location for an error
 *
 * Returns: (transfer container) (element-type AvdLicenseRecord): every
 *   licence, oldest first; the array frees its records
 */
GPtrArray *
avd_store_list_licenses (AvdStore  *self,
                         GError   **error)
{
  g_return_val_if_fail (AVD_IS_STORE (self), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  STORE_VFUNC (self, list_licenses, error, NULL);
  return klass->list_licenses (self, error);
}

/**
 * avd_store_revoke_license:
 * @self: a store
 * @id_or_hash: the licence's id or key hash
 * @error: return location for an error
 *
 * Marks the licence revoked now.  Revoking twice keeps the first time.
 *
 * Returns: TRUE on success; %AVD_STORE_ERROR_NOT_FOUND for an unknown licence
 */
gboolean
avd_store_revoke_license (AvdStore    *self,
                          const char  *id_or_hash,
                          GError     **error)
{
  g_return_val_if_fail (AVD_IS_STORE (self), FALSE);
  g_return_val_if_fail (id_or_hash != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  STORE_VFUNC (self, revoke_license, error, FALSE);
  return klass->revoke_license (self, id_or_hash, now_seconds (), error);
}

/**
 * avd_store_add_license_usage:
 * @self: a store
 * @license_id: the licence's id
 * @month: the month, `YYYY-MM` (see avd_store_month_for_time())
 * @bytes: bytes relayed to add
 * @sessions: sessions to add
 * @error: return location for an error
 *
 * Adds to the licence's usage of @month, creating the row if needed.
 *
 * Returns: TRUE on success; %AVD_STORE_ERROR_NOT_FOUND for an unknown licence,
 *   %AVD_STORE_ERROR_CONSTRAINT for a malformed month
 */
gboolean
avd_store_add_license_usage (AvdStore    *self,
                             const char  *license_id,
                             const char  *month,
                             guint64      bytes,
                             guint        sessions,
                             GError     **error)
{
  g_return_val_if_fail (AVD_IS_STORE (self), FALSE);
  g_return_val_if_fail (license_id != NULL, FALSE);
  g_return_val_if_fail (month != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  STORE_VFUNC (self, add_license_usage, error, FALSE);

  if (!month_is_valid (month))
    {
      g_set_error_literal (error, AVD_STORE_ERROR, AVD_STORE_ERROR_CONSTRAINT,
                           "Usage month must be YYYY-MM");
      return FALSE;
    }
  return klass->add_license_usage (self, license_id, month,
                                   MIN (bytes, (guint64) G_MAXINT64), sessions, error);
}

/**
 * avd_store_get_license_usage:
 * @self: a store
 * @license_id: the licence's id
 * @month: the month, `YYYY-MM`
 * @bytes: (out) (optional): bytes relayed in @month
 * @sessions: (out) (optional): sessions in @month
 * @error: return location for an error
 *
 * A month without usage reads as zeros.
 *
 * Returns: TRUE on success
 */
gboolean
avd_store_get_license_usage (AvdStore    *self,
                             const char  *license_id,
                             const char  *month,
                             guint64     *bytes,
                             guint       *sessions,
                             GError     **error)
{
  guint64 b = 0;
  guint s = 0;

  g_return_val_if_fail (AVD_IS_STORE (self), FALSE);
  g_return_val_if_fail (license_id != NULL, FALSE);
  g_return_val_if_fail (month != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  STORE_VFUNC (self, get_license_usage, error, FALSE);

  if (!klass->get_license_usage (self, license_id, month, &b, &s, error))
    return FALSE;
  if (bytes != NULL)
    *bytes = b;
  if (sessions != NULL)
    *sessions = s;
  return TRUE;
}

/**
 * avd_store_month_for_time:
 * @unix_seconds: a time; 0 means now
 *
 * Returns: (transfer full): the UTC month of @unix_seconds as `YYYY-MM`
 */
char *
avd_store_month_for_time (gint64 unix_seconds)
{
  g_autoptr(GDateTime) dt = g_date_time_new_from_unix_utc (or_now (unix_seconds));

  if (dt == NULL)
    dt = g_date_time_new_from_unix_utc (0);
  return g_date_time_format (dt, "%Y-%m");
}

/* ---- session history ----------------------------------------------------- */

/**
 * avd_store_session_created:
 * @self: a store
 * @id: the session's uuid
 * @session_type: the session type
 * @host_fingerprint: the host's fingerprint
 * @license_id: (nullable): the host's licence
 * @tier: the tier that bounds the session
 * @started_at: creation time, 0 for now
 * @error: return location for an error
 *
 * Returns: TRUE on success; %AVD_STORE_ERROR_CONSTRAINT if @id exists,
 *   %AVD_STORE_ERROR_NOT_FOUND for an unknown licence
 */
gboolean
avd_store_session_created (AvdStore    *self,
                           const char  *id,
                           const char  *session_type,
                           const char  *host_fingerprint,
                           const char  *license_id,
                           const char  *tier,
                           gint64       started_at,
                           GError     **error)
{
  g_return_val_if_fail (AVD_IS_STORE (self), FALSE);
  g_return_val_if_fail (id != NULL, FALSE);
  g_return_val_if_fail (session_type != NULL, FALSE);
  g_return_val_if_fail (host_fingerprint != NULL, FALSE);
  g_return_val_if_fail (tier != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  STORE_VFUNC (self, session_created, error, FALSE);
  return klass->session_created (self, id, session_type, host_fingerprint,
                                 license_id, tier, or_now (started_at), error);
}

/**
 * avd_store_participant_joined:
 * @self: a store
 * @session_id: the session
 * @fingerprint: the device
 * @role: "HOST" or "GUEST"
 * @is_licensed: whether the device brought the licence
 * @capability_score: the device's score, < 0 if unknown
 * @joined_at: join time, 0 for now
 * @error: return location for an error
 *
 * Records the device as present.  Joining again while present updates the
 * role and score of that stay instead of starting another.
 *
 * Returns: TRUE on success; %AVD_STORE_ERROR_NOT_FOUND for an unknown session
 */
gboolean
avd_store_participant_joined (AvdStore    *self,
                              const char  *session_id,
                              const char  *fingerprint,
                              const char  *role,
                              gboolean     is_licensed,
                              int          capability_score,
                              gint64       joined_at,
                              GError     **error)
{
  g_return_val_if_fail (AVD_IS_STORE (self), FALSE);
  g_return_val_if_fail (session_id != NULL, FALSE);
  g_return_val_if_fail (fingerprint != NULL, FALSE);
  g_return_val_if_fail (role != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  STORE_VFUNC (self, participant_joined, error, FALSE);
  return klass->participant_joined (self, session_id, fingerprint, role, !!is_licensed,
                                    capability_score, or_now (joined_at), error);
}

/**
 * avd_store_participant_left:
 * @self: a store
 * @session_id: the session
 * @fingerprint: the device
 * @left_at: leave time, 0 for now
 * @reason: (nullable): why, e.g. "LEFT", "DISCONNECT"
 * @error: return location for an error
 *
 * Returns: TRUE on success; %AVD_STORE_ERROR_NOT_FOUND unless the device is
 *   present in the session
 */
gboolean
avd_store_participant_left (AvdStore    *self,
                            const char  *session_id,
                            const char  *fingerprint,
                            gint64       left_at,
                            const char  *reason,
                            GError     **error)
{
  g_return_val_if_fail (AVD_IS_STORE (self), FALSE);
  g_return_val_if_fail (session_id != NULL, FALSE);
  g_return_val_if_fail (fingerprint != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  STORE_VFUNC (self, participant_left, error, FALSE);
  return klass->participant_left (self, session_id, fingerprint, or_now (left_at),
                                  reason, error);
}

/**
 * avd_store_session_stats:
 * @self: a store
 * @session_id: the session
 * @fingerprint: the device reporting
 * @avg_latency_ms: its average round-trip time; < 0 keeps the previous value
 * @avg_packet_loss_percent: its average loss; < 0 keeps the previous value
 * @nat_type: (nullable): its NAT type; NULL keeps the previous value
 * @candidate_type: (nullable): the ICE candidate type in use; NULL keeps
 * @error: return location for an error
 *
 * Stores the device's connection statistics on its latest stay and sets the
 * session's averages to the mean over its participants.
 *
 * Returns: TRUE on success; %AVD_STORE_ERROR_NOT_FOUND if the device never
 *   joined the session
 */
gboolean
avd_store_session_stats (AvdStore    *self,
                         const char  *session_id,
                         const char  *fingerprint,
                         double       avg_latency_ms,
                         double       avg_packet_loss_percent,
                         const char  *nat_type,
                         const char  *candidate_type,
                         GError     **error)
{
  g_return_val_if_fail (AVD_IS_STORE (self), FALSE);
  g_return_val_if_fail (session_id != NULL, FALSE);
  g_return_val_if_fail (fingerprint != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  STORE_VFUNC (self, session_stats, error, FALSE);

  /* NaN and infinities are "unknown" too. */
  if (!isfinite (avg_latency_ms))
    avg_latency_ms = -1.0;
  if (!isfinite (avg_packet_loss_percent))
    avg_packet_loss_percent = -1.0;
  return klass->session_stats (self, session_id, fingerprint, avg_latency_ms,
                               avg_packet_loss_percent, nat_type, candidate_type, error);
}

/**
 * avd_store_session_ended:
 * @self: a store
 * @id: the session
 * @ended_at: end time, 0 for now
 * @end_reason: HOST_LEFT, TIMEOUT, COMPLETED, ADMIN, …
 * @participant_count: how many devices took part
 * @hub_migration_count: how many times the hub changed
 * @duration_seconds: the duration; < 0 computes it from the start time
 * @error: return location for an error
 *
 * Closes the session's record; devices still present are marked as having
 * left at @ended_at with @end_reason.
 *
 * Returns: TRUE on success; %AVD_STORE_ERROR_NOT_FOUND for an unknown session
 */
gboolean
avd_store_session_ended (AvdStore    *self,
                         const char  *id,
                         gint64       ended_at,
                         const char  *end_reason,
                         guint        participant_count,
                         guint        hub_migration_count,
                         gint64       duration_seconds,
                         GError     **error)
{
  g_return_val_if_fail (AVD_IS_STORE (self), FALSE);
  g_return_val_if_fail (id != NULL, FALSE);
  g_return_val_if_fail (end_reason != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  STORE_VFUNC (self, session_ended, error, FALSE);
  return klass->session_ended (self, id, or_now (ended_at), end_reason, participant_count,
                               hub_migration_count, duration_seconds, error);
}

/**
 * avd_store_add_session_bytes:
 * @self: a store
 * @id: the session
 * @bytes: bytes relayed to add to the session's total
 * @error: return location for an error
 *
 * Returns: TRUE on success; %AVD_STORE_ERROR_NOT_FOUND for an unknown session
 */
gboolean
avd_store_add_session_bytes (AvdStore    *self,
                             const char  *id,
                             guint64      bytes,
                             GError     **error)
{
  g_return_val_if_fail (AVD_IS_STORE (self), FALSE);
  g_return_val_if_fail (id != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  STORE_VFUNC (self, add_session_bytes, error, FALSE);
  return klass->add_session_bytes (self, id, MIN (bytes, (guint64) G_MAXINT64), error);
}

/**
 * avd_store_get_session_history:
 * @self: a store
 * @id: the session
 * @error: return location for an error
 *
 * Returns: (transfer full) (nullable): the session's record, or NULL without
 *   an error when unknown
 */
AvdSessionHistoryRecord *
avd_store_get_session_history (AvdStore    *self,
                               const char  *id,
                               GError     **error)
{
  g_return_val_if_fail (AVD_IS_STORE (self), NULL);
  g_return_val_if_fail (id != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  STORE_VFUNC (self, get_session_history, error, NULL);
  return klass->get_session_history (self, id, error);
}

/**
 * avd_store_list_session_participants:
 * @self: a store
 * @session_id: the session
 * @error: return location for an error
 *
 * Returns: (transfer container) (element-type AvdSessionParticipantRecord):
 *   the session's stays in join order (empty for an unknown session)
 */
GPtrArray *
avd_store_list_session_participants (AvdStore    *self,
                                     const char  *session_id,
                                     GError     **error)
{
  g_return_val_if_fail (AVD_IS_STORE (self), NULL);
  g_return_val_if_fail (session_id != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  STORE_VFUNC (self, list_session_participants, error, NULL);
  return klass->list_session_participants (self, session_id, error);
}

/* ---- live sessions ------------------------------------------------------- */

/**
 * avd_store_save_live_sessions:
 * @self: a store
 * @sessions: (element-type AvdLiveSessionRecord): the sessions to keep
 * @error: return location for an error
 *
 * Replaces every saved live session with @sessions, atomically: on failure
 * the previous contents stay.
 *
 * Returns: TRUE on success; %AVD_STORE_ERROR_CONSTRAINT for a repeated id
 */
gboolean
avd_store_save_live_sessions (AvdStore   *self,
                              GPtrArray  *sessions,
                              GError    **error)
{
  g_return_val_if_fail (AVD_IS_STORE (self), FALSE);
  g_return_val_if_fail (sessions != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);
  for (guint i = 0; i < sessions->len; i++)
    {
      AvdLiveSessionRecord *record = g_ptr_array_index (sessions, i);

      g_return_val_if_fail (record != NULL && record->id != NULL && record->json != NULL, FALSE);
    }

  STORE_VFUNC (self, save_live_sessions, error, FALSE);
  return klass->save_live_sessions (self, sessions, error);
}

/**
 * avd_store_load_live_sessions:
 * @self: a store
 * @error: return location for an error
 *
 * Returns: (transfer container) (element-type AvdLiveSessionRecord): the
 *   saved sessions in the order saved
 */
GPtrArray *
avd_store_load_live_sessions (AvdStore  *self,
                              GError   **error)
{
  g_return_val_if_fail (AVD_IS_STORE (self), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  STORE_VFUNC (self, load_live_sessions, error, NULL);
  return klass->load_live_sessions (self, error);
}

/**
 * avd_store_clear_live_sessions:
 * @self: a store
 * @error: return location for an error
 *
 * Forgets the saved live sessions (once they are restored).
 *
 * Returns: TRUE on success
 */
gboolean
avd_store_clear_live_sessions (AvdStore  *self,
                               GError   **error)
{
  g_return_val_if_fail (AVD_IS_STORE (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  STORE_VFUNC (self, clear_live_sessions, error, FALSE);
  return klass->clear_live_sessions (self, error);
}

/* ---- fire-and-forget writes ---------------------------------------------- */

typedef enum {
  WRITE_UPSERT_DEVICE,
  WRITE_DEVICE_CAPABILITIES,
  WRITE_DEVICE_NAT_TYPE,
  WRITE_LICENSE_USAGE,
  WRITE_SESSION_CREATED,
  WRITE_PARTICIPANT_JOINED,
  WRITE_PARTICIPANT_LEFT,
  WRITE_SESSION_STATS,
  WRITE_SESSION_ENDED,
  WRITE_SESSION_BYTES,
} WriteOp;

static const char *const write_names[] = {
  [WRITE_UPSERT_DEVICE] = "upsert_device",
  [WRITE_DEVICE_CAPABILITIES] = "set_device_capabilities",
  [WRITE_DEVICE_NAT_TYPE] = "set_device_nat_type",
  [WRITE_LICENSE_USAGE] = "add_license_usage",
  [WRITE_SESSION_CREATED] = "session_created",
  [WRITE_PARTICIPANT_JOINED] = "participant_joined",
  [WRITE_PARTICIPANT_LEFT] = "participant_left",
  [WRITE_SESSION_STATS] = "session_stats",
  [WRITE_SESSION_ENDED] = "session_ended",
  [WRITE_SESSION_BYTES] = "add_session_bytes",
};

/* The arguments of one queued write: strings s[], integers n[], doubles d[]
 * in the order of the sync call's parameters. */
typedef struct
{
  WriteOp op;
  AvdDeviceRecord *device;
  char *s[5];
  gint64 n[4];
  double d[2];
} WriteArgs;

static void
write_args_free (gpointer ptr)
{
  WriteArgs *args = ptr;

  avd_device_record_free (args->device);
  for (guint i = 0; i < G_N_ELEMENTS (args->s); i++)
    g_free (args->s[i]);
  g_free (args);
}

static gboolean
write_job (AvdStore      *self,
           gpointer       ptr,
           GCancellable  *cancellable,
           GError       **error)
{
  WriteArgs *a = ptr;

  switch (a->op)
    {
    case WRITE_UPSERT_DEVICE:
      return avd_store_upsert_device (self, a->device, error);
    case WRITE_DEVICE_CAPABILITIES:
      return avd_store_set_device_capabilities (self, a->s[0], a->s[1], error);
    case WRITE_DEVICE_NAT_TYPE:
      return avd_store_set_device_nat_type (self, a->s[0], a->s[1], error);
    case WRITE_LICENSE_USAGE:
      return avd_store_add_license_usage (self, a->s[0], a->s[1], (guint64) a->n[0],
                                          (guint) a->n[1], error);
    case WRITE_SESSION_CREATED:
      return avd_store_session_created (self, a->s[0], a->s[1], a->s[2], a->s[3], a->s[4],
                                        a->n[0], error);
    case WRITE_PARTICIPANT_JOINED:
      return avd_store_participant_joined (self, a->s[0], a->s[1], a->s[2], (gboolean) a->n[0],
                                           (int) a->n[1], a->n[2], error);
    case WRITE_PARTICIPANT_LEFT:
      return avd_store_participant_left (self, a->s[0], a->s[1], a->n[0], a->s[2], error);
    case WRITE_SESSION_STATS:
      return avd_store_session_stats (self, a->s[0], a->s[1], a->d[0], a->d[1], a->s[2],
                                      a->s[3], error);
    case WRITE_SESSION_ENDED:
      return avd_store_session_ended (self, a->s[0], a->n[0], a->s[1], (guint) a->n[1],
                                      (guint) a->n[2], a->n[3], error);
    case WRITE_SESSION_BYTES:
      return avd_store_add_session_bytes (self, a->s[0], (guint64) a->n[0], error);
    default:
      g_assert_not_reached ();
    }
  return FALSE;
}

static WriteArgs *
write_args_new (WriteOp op)
{
  WriteArgs *args = g_new0 (WriteArgs, 1);

  args->op = op;
  return args;
}

static void
submit_write (AvdStore  *self,
              WriteArgs *args)
{
  submit_full (self, write_names[args->op], write_job, args, write_args_free);
}

/**
 * avd_store_submit_upsert_device:
 * @self: a store
 * @device: the device (copied)
 *
 * Queues avd_store_upsert_device().
 */
void
avd_store_submit_upsert_device (AvdStore              *self,
                                const AvdDeviceRecord *device)
{
  WriteArgs *args;

  g_return_if_fail (AVD_IS_STORE (self));
  g_return_if_fail (device != NULL && device->fingerprint != NULL);

  args = write_args_new (WRITE_UPSERT_DEVICE);
  args->device = avd_device_record_copy (device);
  /* "now" is when the event happened, not when the queue gets to it. */
  args->device->last_seen = or_now (args->device->last_seen);
  submit_write (self, args);
}

/**
 * avd_store_submit_set_device_capabilities:
 * @self: a store
 * @fingerprint: the device
 * @json: (nullable): the capabilities as JSON text
 *
 * Queues avd_store_set_device_capabilities().
 */
void
avd_store_submit_set_device_capabilities (AvdStore   *self,
                                          const char *fingerprint,
                                          const char *json)
{
  WriteArgs *args;

  g_return_if_fail (AVD_IS_STORE (self));
  g_return_if_fail (fingerprint != NULL);

  args = write_args_new (WRITE_DEVICE_CAPABILITIES);
  args->s[0] = g_strdup (fingerprint);
  args->s[1] = g_strdup (json);
  submit_write (self, args);
}

/**
 * avd_store_submit_set_device_nat_type:
 * @self: a store
 * @fingerprint: the device
 * @nat_type: (nullable): the NAT type
 *
 * Queues avd_store_set_device_nat_type().
 */
void
avd_store_submit_set_device_nat_type (AvdStore   *self,
                                      const char *fingerprint,
                                      const char *nat_type)
{
  WriteArgs *args;

  g_return_if_fail (AVD_IS_STORE (self));
  g_return_if_fail (fingerprint != NULL);

  args = write_args_new (WRITE_DEVICE_NAT_TYPE);
  args->s[0] = g_strdup (fingerprint);
  args->s[1] = g_strdup (nat_type);
  submit_write (self, args);
}

/**
 * avd_store_submit_add_license_usage:
 * @self: a store
 * @license_id: the licence
 * @month: `YYYY-MM`
 * @bytes: bytes to add
 * @sessions: sessions to add
 *
 * Queues avd_store_add_license_usage().
 */
void
avd_store_submit_add_license_usage (AvdStore   *self,
                                    const char *license_id,
                                    const char *month,
                                    guint64     bytes,
                                    guint       sessions)
{
  WriteArgs *args;

  g_return_if_fail (AVD_IS_STORE (self));
  g_return_if_fail (license_id != NULL);
  g_return_if_fail (month != NULL);

  args = write_args_new (WRITE_LICENSE_USAGE);
  args->s[0] = g_strdup (license_id);
  args->s[1] = g_strdup (month);
  args->n[0] = (gint64) MIN (bytes, (guint64) G_MAXINT64);
  args->n[1] = sessions;
  submit_write (self, args);
}

/**
 * avd_store_submit_session_created:
 * @self: a store
 * @id: the session
 * @session_type: the session type
 * @host_fingerprint: the host
 * @license_id: (nullable): the licence
 * @tier: the tier
 * @started_at: creation time, 0 for now (taken when queued)
 *
 * Queues avd_store_session_created().
 */
void
avd_store_submit_session_created (AvdStore   *self,
                                  const char *id,
                                  const char *session_type,
                                  const char *host_fingerprint,
                                  const char *license_id,
                                  const char *tier,
                                  gint64      started_at)
{
  WriteArgs *args;

  g_return_if_fail (AVD_IS_STORE (self));
  g_return_if_fail (id != NULL && session_type != NULL);
  g_return_if_fail (host_fingerprint != NULL && tier != NULL);

  args = write_args_new (WRITE_SESSION_CREATED);
  args->s[0] = g_strdup (id);
  args->s[1] = g_strdup (session_type);
  args->s[2] = g_strdup (host_fingerprint);
  args->s[3] = g_strdup (license_id);
  args->s[4] = g_strdup (tier);
  args->n[0] = or_now (started_at);
  submit_write (self, args);
}

/**
 * avd_store_submit_participant_joined:
 * @self: a store
 * @session_id: the session
 * @fingerprint: the device
 * @role: "HOST" or "GUEST"
 * @is_licensed: whether the device brought the licence
 * @capability_score: its score, < 0 if unknown
 * @joined_at: join time, 0 for now (taken when queued)
 *
 * Queues avd_store_participant_joined().
 */
void
avd_store_submit_participant_joined (AvdStore   *self,
                                     const char *session_id,
                                     const char *fingerprint,
                                     const char *role,
                                     gboolean    is_licensed,
                                     int         capability_score,
                                     gint64      joined_at)
{
  WriteArgs *args;

  g_return_if_fail (AVD_IS_STORE (self));
  g_return_if_fail (session_id != NULL && fingerprint != NULL && role != NULL);

  args = write_args_new (WRITE_PARTICIPANT_JOINED);
  args->s[0] = g_strdup (session_id);
  args->s[1] = g_strdup (fingerprint);
  args->s[2] = g_strdup (role);
  args->n[0] = !!is_licensed;
  args->n[1] = capability_score;
  args->n[2] = or_now (joined_at);
  submit_write (self, args);
}

/**
 * avd_store_submit_participant_left:
 * @self: a store
 * @session_id: the session
 * @fingerprint: the device
 * @left_at: leave time, 0 for now (taken when queued)
 * @reason: (nullable): why
 *
 * Queues avd_store_participant_left().
 */
void
avd_store_submit_participant_left (AvdStore   *self,
                                   const char *session_id,
                                   const char *fingerprint,
                                   gint64      left_at,
                                   const char *reason)
{
  WriteArgs *args;

  g_return_if_fail (AVD_IS_STORE (self));
  g_return_if_fail (session_id != NULL && fingerprint != NULL);

  args = write_args_new (WRITE_PARTICIPANT_LEFT);
  args->s[0] = g_strdup (session_id);
  args->s[1] = g_strdup (fingerprint);
  args->s[2] = g_strdup (reason);
  args->n[0] = or_now (left_at);
  submit_write (self, args);
}

/**
 * avd_store_submit_session_stats:
 * @self: a store
 * @session_id: the session
 * @fingerprint: the device reporting
 * @avg_latency_ms: average round-trip time, < 0 if unknown
 * @avg_packet_loss_percent: average loss, < 0 if unknown
 * @nat_type: (nullable): NAT type
 * @candidate_type: (nullable): ICE candidate type
 *
 * Queues avd_store_session_stats().
 */
void
avd_store_submit_session_stats (AvdStore   *self,
                                const char *session_id,
                                const char *fingerprint,
                                double      avg_latency_ms,
                                double      avg_packet_loss_percent,
                                const char *nat_type,
                                const char *candidate_type)
{
  WriteArgs *args;

  g_return_if_fail (AVD_IS_STORE (self));
  g_return_if_fail (session_id != NULL && fingerprint != NULL);

  args = write_args_new (WRITE_SESSION_STATS);
  args->s[0] = g_strdup (session_id);
  args->s[1] = g_strdup (fingerprint);
  args->s[2] = g_strdup (nat_type);
  args->s[3] = g_strdup (candidate_type);
  args->d[0] = avg_latency_ms;
  args->d[1] = avg_packet_loss_percent;
  submit_write (self, args);
}

/**
 * avd_store_submit_session_ended:
 * @self: a store
 * @id: the session
 * @ended_at: end time, 0 for now (taken when queued)
 * @end_reason: why
 * @participant_count: devices that took part
 * @hub_migration_count: hub changes
 * @duration_seconds: duration, < 0 to compute it
 *
 * Queues avd_store_session_ended().
 */
void
avd_store_submit_session_ended (AvdStore   *self,
                                const char *id,
                                gint64      ended_at,
                                const char *end_reason,
                                guint       participant_count,
                                guint       hub_migration_count,
                                gint64      duration_seconds)
{
  WriteArgs *args;

  g_return_if_fail (AVD_IS_STORE (self));
  g_return_if_fail (id != NULL && end_reason != NULL);

  args = write_args_new (WRITE_SESSION_ENDED);
  args->s[0] = g_strdup (id);
  args->s[1] = g_strdup (end_reason);
  args->n[0] = or_now (ended_at);
  args->n[1] = participant_count;
  args->n[2] = hub_migration_count;
  args->n[3] = duration_seconds;
  submit_write (self, args);
}

/**
 * avd_store_submit_add_session_bytes:
 * @self: a store
 * @id: the session
 * @bytes: bytes to add
 *
 * Queues avd_store_add_session_bytes().
 */
void
avd_store_submit_add_session_bytes (AvdStore   *self,
                                    const char *id,
                                    guint64     bytes)
{
  WriteArgs *args;

  g_return_if_fail (AVD_IS_STORE (self));
  g_return_if_fail (id != NULL);

  args = write_args_new (WRITE_SESSION_BYTES);
  args->s[0] = g_strdup (id);
  args->n[0] = (gint64) MIN (bytes, (guint64) G_MAXINT64);
  submit_write (self, args);
}

/* ---- migrations ---------------------------------------------------------- */

static int
migration_compare (gconstpointer a,
                   gconstpointer b)
{
  const AvdStoreMigration *ma = *(const AvdStoreMigration *const *) a;
  const AvdStoreMigration *mb = *(const AvdStoreMigration *const *) b;

  return (ma->version > mb->version) - (ma->version < mb->version);
}

/**
 * avd_store_load_migrations:
 * @engine: "sqlite" or "postgres": the folder under data/sql/
 * @error: return location for an error
 *
 * Reads the migrations compiled into the daemon (data/sql/ENGINE/NNNN_name.sql,
 * listed in data/sql/avanue-sql.gresource.xml).  The version is the file
 * name's leading number.
 *
 * Returns: (transfer container) (element-type AvdStoreMigration): the
 *   migrations by ascending version
 */
GPtrArray *
avd_store_load_migrations (const char  *engine,
                           GError     **error)
{
  g_autofree char *dir = NULL;
  g_auto(GStrv) names = NULL;
  g_autoptr(GPtrArray) migrations = NULL;
  GResource *resource = avd_sql_get_resource ();

  g_return_val_if_fail (engine != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  dir = g_strdup_printf ("/org/avanue/avanued/sql/%s/", engine);
  names = g_resource_enumerate_children (resource, dir, G_RESOURCE_LOOKUP_FLAGS_NONE, error);
  if (names == NULL)
    {
      g_prefix_error (error, "No migrations for %s: ", engine);
      return NULL;
    }

  migrations = g_ptr_array_new_with_free_func ((GDestroyNotify) avd_store_migration_free);
  for (guint i = 0; names[i] != NULL; i++)
    {
      g_autoptr(AvdStoreMigration) migration = NULL;
      g_autofree char *path = NULL;
      char *end = NULL;
      guint64 version;

      if (!g_str_has_suffix (names[i], ".sql"))
        continue;
      version = g_ascii_strtoull (names[i], &end, 10);
      if (end == names[i] || *end != '_' || version == 0 || version > G_MAXINT)
        {
          g_set_error (error, AVD_STORE_ERROR, AVD_STORE_ERROR_FAILED,
                       "Migration %s%s is not named NNNN_name.sql", dir, names[i]);
          return NULL;
        }

      path = g_strconcat (dir, names[i], NULL);
      migration = g_new0 (AvdStoreMigration, 1);
      migration->version = (guint) version;
      migration->name = g_strdup (names[i]);
      migration->sql = g_resource_lookup_data (resource, path, G_RESOURCE_LOOKUP_FLAGS_NONE, error);
      if (migration->sql == NULL)
        return NULL;
      g_ptr_array_add (migrations, g_steal_pointer (&migration));
    }

  g_ptr_array_sort (migrations, migration_compare);
  for (guint i = 1; i < migrations->len; i++)
    {
      AvdStoreMigration *prev = g_ptr_array_index (migrations, i - 1);
      AvdStoreMigration *cur = g_ptr_array_index (migrations, i);

      if (prev->version == cur->version)
        {
          g_set_error (error, AVD_STORE_ERROR, AVD_STORE_ERROR_FAILED,
                       "Migrations %s and %s have the same version", prev->name, cur->name);
          return NULL;
        }
    }
  return g_steal_pointer (&migrations);
}
