/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* AvdStoreSqlite: the default durable store, one SQLite file.
 *
 * The file is created 0600 and used in WAL mode with a busy timeout, so that
 * another process (`avanued --issue-license`) can write to it while the
 * daemon runs; foreign keys are on.  One connection per store, guarded by a
 * mutex: the store's worker thread and the owner's thread may both call in.
 * Statements are prepared once and kept until close.  Writes of more than one
 * statement run in BEGIN IMMEDIATE transactions, which take the write lock
 * up front (waiting up to the busy timeout) instead of failing half-way.
 *
 * Migrations are data/sql/sqlite/NNNN_name.sql, compiled into the binary,
 * applied in version order, each in its own transaction and recorded in
 * schema_migrations; two processes opening a new file at once apply each
 * migration once.
 *
 * Error messages come from SQLite (they name tables and columns, never
 * values) prefixed with the operation. */
#define G_LOG_DOMAIN "AvdStoreSqlite"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>
#include <glib/gstdio.h>

#include "avd-store-sqlite.h"

/* How long a statement waits for another connection's write lock. */
#define BUSY_TIMEOUT_MS 10000

struct _AvdStoreSqlite
{
  AvdStore parent_instance;

  char *path;

  GMutex lock;         /* guards db and stmts */
  sqlite3 *db;
  GHashTable *stmts;   /* SQL text (static) → sqlite3_stmt, prepared once */
};

G_DEFINE_FINAL_TYPE (AvdStoreSqlite, avd_store_sqlite, AVD_TYPE_STORE)

enum {
  PROP_0,
  PROP_PATH,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* A cached statement borrowed for one use: the cleanup resets it, keeping
 * it prepared.  Declare it after the GMutexLocker so that it is released
 * while the lock is still held. */
typedef sqlite3_stmt AvdSqliteStmt;

static void
stmt_release (AvdSqliteStmt *stmt)
{
  sqlite3_reset (stmt);
  sqlite3_clear_bindings (stmt);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (AvdSqliteStmt, stmt_release)

static void
stmt_finalize (gpointer stmt)
{
  sqlite3_finalize (stmt);
}

/* ---- helpers (called with the lock held) --------------------------------- */

static void
set_sqlite_error (AvdStoreSqlite  *self,
                  GError         **error,
                  int              rc,
                  const char      *what)
{
  int code;
  const char *message;

  switch (rc & 0xff)
    {
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
      code = AVD_STORE_ERROR_CORRUPT;
      break;
    case SQLITE_CONSTRAINT:
      /* A reference to a row that does not exist. */
      code = rc == SQLITE_CONSTRAINT_FOREIGNKEY ? AVD_STORE_ERROR_NOT_FOUND
                                                : AVD_STORE_ERROR_CONSTRAINT;
      break;
    default:
      code = AVD_STORE_ERROR_FAILED;
      break;
    }

  if (self->db != NULL && sqlite3_extended_errcode (self->db) == rc)
    message = sqlite3_errmsg (self->db);
  else
    message = sqlite3_errstr (rc);
  g_set_error (error, AVD_STORE_ERROR, code, "%s: %s", what, message);
}

static AvdSqliteStmt *
get_stmt (AvdStoreSqlite  *self,
          const char      *sql,
          GError         **error)
{
  sqlite3_stmt *stmt;
  int rc;

  if (self->db == NULL)
    {
      g_set_error_literal (error, AVD_STORE_ERROR, AVD_STORE_ERROR_FAILED,
                           "The store is not open");
      return NULL;
    }

  stmt = g_hash_table_lookup (self->stmts, sql);
  if (stmt != NULL)
    return stmt;

  rc = sqlite3_prepare_v3 (self->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt, NULL);
  if (rc != SQLITE_OK)
    {
      set_sqlite_error (self, error, rc, "Cannot query the database");
      return NULL;
    }
  g_hash_table_insert (self->stmts, (gpointer) sql, stmt);
  return stmt;
}

static void
bind_text (sqlite3_stmt *stmt,
           int           index,
           const char   *value)
{
  if (value != NULL)
    sqlite3_bind_text (stmt, index, value, -1, SQLITE_TRANSIENT);
  else
    sqlite3_bind_null (stmt, index);
}

/* Negative means "unknown": NULL. */
static void
bind_measure (sqlite3_stmt *stmt,
              int           index,
              double        value)
{
  if (value >= 0)
    sqlite3_bind_double (stmt, index, value);
  else
    sqlite3_bind_null (stmt, index);
}

static char *
column_text (sqlite3_stmt *stmt,
             int           index)
{
  const unsigned char *text = sqlite3_column_text (stmt, index);

  return text != NULL ? g_strdup ((const char *) text) : NULL;
}

static double
column_measure (sqlite3_stmt *stmt,
                int           index)
{
  if (sqlite3_column_type (stmt, index) == SQLITE_NULL)
    return -1.0;
  return sqlite3_column_double (stmt, index);
}

/* Steps a statement that changes rows (or a PRAGMA answering one row). */
static gboolean
step_done (AvdStoreSqlite  *self,
           sqlite3_stmt    *stmt,
           const char      *what,
           GError         **error)
{
  int rc = sqlite3_step (stmt);

  if (rc == SQLITE_DONE || rc == SQLITE_ROW)
    return TRUE;
  set_sqlite_error (self, error, rc, what);
  return FALSE;
}

/* Steps a query: TRUE with *has_row. */
static gboolean
step_row (AvdStoreSqlite  *self,
          sqlite3_stmt    *stmt,
          gboolean        *has_row,
          const char      *what,
          GError         **error)
{
  int rc = sqlite3_step (stmt);

  *has_row = rc == SQLITE_ROW;
  if (rc == SQLITE_ROW || rc == SQLITE_DONE)
    return TRUE;
  set_sqlite_error (self, error, rc, what);
  return FALSE;
}

static gboolean
exec_simple (AvdStoreSqlite  *self,
             const char      *sql,
             const char      *what,
             GError         **error)
{
  g_autoptr(AvdSqliteStmt) stmt = get_stmt (self, sql, error);

  if (stmt == NULL)
    return FALSE;
  return step_done (self, stmt, what, error);
}

/* Steps an UPDATE that must hit a row. */
static gboolean
update_one (AvdStoreSqlite  *self,
            sqlite3_stmt    *stmt,
            const char      *what,
            const char      *not_found,
            GError         **error)
{
  if (!step_done (self, stmt, what, error))
    return FALSE;
  if (sqlite3_changes (self->db) == 0)
    {
      g_set_error_literal (error, AVD_STORE_ERROR, AVD_STORE_ERROR_NOT_FOUND, not_found);
      return FALSE;
    }
  return TRUE;
}

static gboolean
tx_begin (AvdStoreSqlite  *self,
          GError         **error)
{
  return exec_simple (self, "BEGIN IMMEDIATE", "Cannot start a transaction", error);
}

static void
tx_rollback (AvdStoreSqlite *self)
{
  if (self->db != NULL && !sqlite3_get_autocommit (self->db))
    exec_simple (self, "ROLLBACK", "Cannot roll back", NULL);
}

static gboolean
tx_commit (AvdStoreSqlite  *self,
           GError         **error)
{
  if (exec_simple (self, "COMMIT", "Cannot commit", error))
    return TRUE;
  tx_rollback (self);
  return FALSE;
}

/* Ends a transaction: commits when @ok, rolls back otherwise. */
static gboolean
tx_end (AvdStoreSqlite  *self,
        gboolean         ok,
        GError         **error)
{
  if (!ok)
    {
      tx_rollback (self);
      return FALSE;
    }
  return tx_commit (self, error);
}

/* ---- open, migrate, close ------------------------------------------------ */

/* Creates the file 0600 (whatever the umask) before SQLite opens it; SQLite
 * gives its -wal and -shm files the same mode. */
static gboolean
ensure_file (const char  *path,
             GError     **error)
{
  g_autofree char *dir = g_path_get_dirname (path);
  struct stat st;
  int fd;

  if (g_mkdir_with_parents (dir, 0700) != 0)
    {
      int saved = errno;

      g_set_error (error, AVD_STORE_ERROR, AVD_STORE_ERROR_FAILED,
                   "Cannot create %s: %s", dir, g_strerror (saved));
      return FALSE;
    }

  fd = g_open (path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOCTTY, 0600);
  if (fd < 0)
    {
      int saved = errno;

      g_set_error (error, AVD_STORE_ERROR, AVD_STORE_ERROR_FAILED,
                   "Cannot open %s: %s", path, g_strerror (saved));
      return FALSE;
    }
  if (fstat (fd, &st) != 0 || !S_ISREG (st.st_mode))
    {
      g_set_error (error, AVD_STORE_ERROR, AVD_STORE_ERROR_FAILED,
                   "%s is not a regular file", path);
      close (fd);
      return FALSE;
    }
  /* It holds key hashes and device keys: nobody else reads it. */
  if ((st.st_mode & 077) != 0 && st.st_uid == geteuid ())
    {
      if (fchmod (fd, 0600) == 0)
        g_message ("Made %s readable by its owner only", path);
    }
  close (fd);
  return TRUE;
}

static gboolean
configure_locked (AvdStoreSqlite  *self,
                  GError         **error)
{
  g_autoptr(AvdSqliteStmt) stmt = NULL;
  const char *mode;
  gboolean has_row;

  sqlite3_extended_result_codes (self->db, 1);
  sqlite3_busy_timeout (self->db, BUSY_TIMEOUT_MS);

  /* The first statement to read the file: a file that is not a database
   * fails here. */
  stmt = get_stmt (self, "PRAGMA journal_mode = WAL", error);
  if (stmt == NULL)
    return FALSE;
  if (!step_row (self, stmt, &has_row, "Cannot switch to WAL", error))
    return FALSE;
  mode = has_row ? (const char *) sqlite3_column_text (stmt, 0) : NULL;
  if (mode == NULL || g_ascii_strcasecmp (mode, "wal") != 0)
    {
      g_set_error (error, AVD_STORE_ERROR, AVD_STORE_ERROR_FAILED,
                   "Cannot switch to WAL (journal mode is %s)", mode ? mode : "unknown");
      return FALSE;
    }

  return exec_simple (self, "PRAGMA foreign_keys = ON", "Cannot enable foreign keys", error) &&
         exec_simple (self, "PRAGMA synchronous = NORMAL", "Cannot set synchronous", error);
}

static gboolean
schema_version_locked (AvdStoreSqlite  *self,
                       gint64          *version,
                       GError         **error)
{
  g_autoptr(AvdSqliteStmt) stmt = NULL;
  gboolean has_row;

  stmt = get_stmt (self, "SELECT coalesce (max (version), 0) FROM schema_migrations", error);
  if (stmt == NULL)
    return FALSE;
  if (!step_row (self, stmt, &has_row, "Cannot read the schema version", error))
    return FALSE;
  *version = has_row ? sqlite3_column_int64 (stmt, 0) : 0;
  return TRUE;
}

/* Inside the migration's transaction: another process may have applied it
 * since we looked. */
static gboolean
migration_applied_locked (AvdStoreSqlite     *self,
                          AvdStoreMigration  *migration,
                          gboolean           *applied,
                          GError            **error)
{
  g_autoptr(AvdSqliteStmt) stmt = NULL;

  stmt = get_stmt (self, "SELECT 1 FROM schema_migrations WHERE version = ?1", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, migration->version);
  return step_row (self, stmt, applied, "Cannot read schema_migrations", error);
}

static gboolean
apply_migration_locked (AvdStoreSqlite     *self,
                        AvdStoreMigration  *migration,
                        GError            **error)
{
  g_autofree char *sql = NULL;
  gboolean applied = FALSE;
  gsize len;
  const char *data;
  int rc;

  if (!tx_begin (self, error))
    return FALSE;
  if (!migration_applied_locked (self, migration, &applied, error))
    return tx_end (self, FALSE, error);
  if (applied)
    return tx_end (self, TRUE, error);

  data = g_bytes_get_data (migration->sql, &len);
  sql = g_strndup (data, len);
  rc = sqlite3_exec (self->db, sql, NULL, NULL, NULL);
  if (rc != SQLITE_OK)
    {
      set_sqlite_error (self, error, rc, "Migration failed");
      g_prefix_error (error, "%s: ", migration->name);
      return tx_end (self, FALSE, error);
    }

  {
    g_autoptr(AvdSqliteStmt) stmt = NULL;

    stmt = get_stmt (self,
                     "INSERT INTO schema_migrations (version, name, applied_at) "
                     "VALUES (?1, ?2, ?3)", error);
    if (stmt == NULL)
      return tx_end (self, FALSE, error);
    sqlite3_bind_int64 (stmt, 1, migration->version);
    bind_text (stmt, 2, migration->name);
    sqlite3_bind_int64 (stmt, 3, g_get_real_time () / G_USEC_PER_SEC);
    if (!step_done (self, stmt, "Cannot record the migration", error))
      return tx_end (self, FALSE, error);
  }

  if (!tx_end (self, TRUE, error))
    return FALSE;
  g_info ("Applied migration %s", migration->name);
  return TRUE;
}

static gboolean
migrate_locked (AvdStoreSqlite  *self,
                GError         **error)
{
  g_autoptr(GPtrArray) migrations = NULL;
  AvdStoreMigration *last;
  gint64 current = 0;

  migrations = avd_store_load_migrations ("sqlite", error);
  if (migrations == NULL)
    return FALSE;
  if (migrations->len == 0)
    {
      g_set_error_literal (error, AVD_STORE_ERROR, AVD_STORE_ERROR_FAILED,
                           "No SQLite migrations were built in");
      return FALSE;
    }
  last = g_ptr_array_index (migrations, migrations->len - 1);

  if (!exec_simple (self,
                    "CREATE TABLE IF NOT EXISTS schema_migrations ("
                    "version INTEGER PRIMARY KEY, "
                    "name TEXT NOT NULL, "
                    "applied_at INTEGER NOT NULL)",
                    "Cannot create schema_migrations", error))
    return FALSE;
  if (!schema_version_locked (self, &current, error))
    return FALSE;
  if (current > last->version)
    {
      g_set_error (error, AVD_STORE_ERROR, AVD_STORE_ERROR_FAILED,
                   "The database's schema version %" G_GINT64_FORMAT " is newer than "
                   "this avanued knows (%u)", current, last->version);
      return FALSE;
    }

  for (guint i = 0; i < migrations->len; i++)
    {
      AvdStoreMigration *migration = g_ptr_array_index (migrations, i);

      if (migration->version <= current)
        continue;
      if (!apply_migration_locked (self, migration, error))
        return FALSE;
    }
  return TRUE;
}

static void
close_locked (AvdStoreSqlite *self)
{
  g_clear_pointer (&self->stmts, g_hash_table_unref);
  if (self->db != NULL)
    {
      int rc = sqlite3_close (self->db);

      if (rc != SQLITE_OK)
        {
          g_warning ("Closing %s: %s", self->path, sqlite3_errstr (rc));
          sqlite3_close_v2 (self->db);
        }
      self->db = NULL;
    }
}

static gboolean
avd_store_sqlite_open (AvdStore  *store,
                       GError   **error)
{
  AvdStoreSqlite *self = AVD_STORE_SQLITE (store);
  g_autoptr(GMutexLocker) locker G_GNUC_UNUSED = g_mutex_locker_new (&self->lock);
  int rc;

  if (self->path == NULL || self->path[0] == '\0')
    {
      g_set_error_literal (error, AVD_STORE_ERROR, AVD_STORE_ERROR_FAILED,
                           "No database path");
      return FALSE;
    }
  if (self->db != NULL)
    return TRUE;
  if (!ensure_file (self->path, error))
    return FALSE;

  rc = sqlite3_open_v2 (self->path, &self->db,
                        SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL);
  self->stmts = g_hash_table_new_full (g_str_hash, g_str_equal, NULL,
                                       stmt_finalize);
  if (rc != SQLITE_OK)
    {
      set_sqlite_error (self, error, rc, "Cannot open the database");
      g_prefix_error (error, "%s: ", self->path);
      close_locked (self);
      return FALSE;
    }

  if (!configure_locked (self, error) || !migrate_locked (self, error))
    {
      g_prefix_error (error, "%s: ", self->path);
      close_locked (self);
      return FALSE;
    }

  g_debug ("Opened %s", self->path);
  return TRUE;
}

static void
avd_store_sqlite_close (AvdStore *store)
{
  AvdStoreSqlite *self = AVD_STORE_SQLITE (store);
  g_autoptr(GMutexLocker) locker G_GNUC_UNUSED = g_mutex_locker_new (&self->lock);

  close_locked (self);
}

static gboolean
avd_store_sqlite_check (AvdStore  *store,
                        GError   **error)
{
  AvdStoreSqlite *self = AVD_STORE_SQLITE (store);
  g_autoptr(GMutexLocker) locker G_GNUC_UNUSED = g_mutex_locker_new (&self->lock);
  gint64 version;

  return schema_version_locked (self, &version, error);
}

/* ---- devices ------------------------------------------------------------- */

#define DEVICE_COLUMNS \
  "id, fingerprint, public_key, device_name, platform, device_type, " \
  "last_capabilities, nat_type, created_at, last_seen, is_blocked"

static AvdDeviceRecord *
device_from_row (sqlite3_stmt *stmt)
{
  AvdDeviceRecord *device = avd_device_record_new ();

  device->id = column_text (stmt, 0);
  device->fingerprint = column_text (stmt, 1);
  device->public_key = column_text (stmt, 2);
  device->device_name = column_text (stmt, 3);
  device->platform = column_text (stmt, 4);
  device->device_type = column_text (stmt, 5);
  device->last_capabilities = column_text (stmt, 6);
  device->nat_type = column_text (stmt, 7);
  device->created_at = sqlite3_column_int64 (stmt, 8);
  device->last_seen = sqlite3_column_int64 (stmt, 9);
  device->blocked = sqlite3_column_int (stmt, 10) != 0;
  return device;
}

static gboolean
avd_store_sqlite_upsert_device (AvdStore               *store,
                                const AvdDeviceRecord  *device,
                                GError                **error)
{
  AvdStoreSqlite *self = AVD_STORE_SQLITE (store);
  g_autoptr(GMutexLocker) locker G_GNUC_UNUSED = g_mutex_locker_new (&self->lock);
  g_autoptr(AvdSqliteStmt) stmt = NULL;

  stmt = get_stmt (self,
                   "INSERT INTO device_fingerprints (" DEVICE_COLUMNS ") "
                   "VALUES (?1, ?2, ?3, ?4, ?5, coalesce (?6, 'PHONE'), ?7, ?8, ?9, ?10, ?11) "
                   "ON CONFLICT (fingerprint) DO UPDATE SET "
                   "public_key = excluded.public_key, "
                   "device_name = excluded.device_name, "
                   "platform = excluded.platform, "
                   "device_type = coalesce (?6, device_type), "
                   "last_capabilities = coalesce (?7, last_capabilities), "
                   "nat_type = coalesce (?8, nat_type), "
                   "last_seen = excluded.last_seen",
                   error);
  if (stmt == NULL)
    return FALSE;
  bind_text (stmt, 1, device->id);
  bind_text (stmt, 2, device->fingerprint);
  bind_text (stmt, 3, device->public_key);
  bind_text (stmt, 4, device->device_name);
  bind_text (stmt, 5, device->platform);
  bind_text (stmt, 6, device->device_type);
  bind_text (stmt, 7, device->last_capabilities);
  bind_text (stmt, 8, device->nat_type);
  sqlite3_bind_int64 (stmt, 9, device->created_at);
  sqlite3_bind_int64 (stmt, 10, device->last_seen);
  sqlite3_bind_int (stmt, 11, device->blocked ? 1 : 0);
  return step_done (self, stmt, "Cannot save the device", error);
}

static AvdDeviceRecord *
avd_store_sqlite_get_device (AvdStore    *store,
                             const char  *fingerprint,
                             GError     **error)
{
  AvdStoreSqlite *self = AVD_STORE_SQLITE (store);
  g_autoptr(GMutexLocker) locker G_GNUC_UNUSED = g_mutex_locker_new (&self->lock);
  g_autoptr(AvdSqliteStmt) stmt = NULL;
  gboolean has_row;

  stmt = get_stmt (self,
                   "SELECT " DEVICE_COLUMNS " FROM device_fingerprints WHERE fingerprint = ?1",
                   error);
  if (stmt == NULL)
    return NULL;
  bind_text (stmt, 1, fingerprint);
  if (!step_row (self, stmt, &has_row, "Cannot read the device", error) || !has_row)
    return NULL;
  return device_from_row (stmt);
}

static GPtrArray *
avd_store_sqlite_list_devices (AvdStore  *store,
                               GError   **error)
{
  AvdStoreSqlite *self = AVD_STORE_SQLITE (store);
  g_autoptr(GMutexLocker) locker G_GNUC_UNUSED = g_mutex_locker_new (&self->lock);
  g_autoptr(AvdSqliteStmt) stmt = NULL;
  g_autoptr(GPtrArray) devices = NULL;
  gboolean has_row;

  stmt = get_stmt (self,
                   "SELECT " DEVICE_COLUMNS " FROM device_fingerprints "
                   "ORDER BY created_at, fingerprint",
                   error);
  if (stmt == NULL)
    return NULL;
  devices = g_ptr_array_new_with_free_func ((GDestroyNotify) avd_device_record_free);
  for (;;)
    {
      if (!step_row (self, stmt, &has_row, "Cannot list devices", error))
        return NULL;
      if (!has_row)
        break;
      g_ptr_array_add (devices, device_from_row (stmt));
    }
  return g_steal_pointer (&devices);
}

static gboolean
avd_store_sqlite_set_device_blocked (AvdStore    *store,
                                     const char  *fingerprint,
                                     gboolean     blocked,
                                     GError     **error)
{
  AvdStoreSqlite *self = AVD_STORE_SQLITE (store);
  g_autoptr(GMutexLocker) locker G_GNUC_UNUSED = g_mutex_locker_new (&self->lock);
  g_autoptr(AvdSqliteStmt) stmt = NULL;

  stmt = get_stmt (self,
                   "UPDATE device_fingerprints SET is_blocked = ?2 WHERE fingerprint = ?1",
                   error);
  if (stmt == NULL)
    return FALSE;
  bind_text (stmt, 1, fingerprint);
  sqlite3_bind_int (stmt, 2, blocked ? 1 : 0);
  return update_one (self, stmt, "Cannot block the device", "Unknown device", error);
}

static gboolean
avd_store_sqlite_set_device_capabilities (AvdStore    *store,
                                          const char  *fingerprint,
                                          const char  *json,
                                          GError     **error)
{
  AvdStoreSqlite *self = AVD_STORE_SQLITE (store);
  g_autoptr(GMutexLocker) locker G_GNUC_UNUSED = g_mutex_locker_new (&self->lock);
  g_autoptr(AvdSqliteStmt) stmt = NULL;

  stmt = get_stmt (self,
                   "UPDATE device_fingerprints SET last_capabilities = ?2 WHERE fingerprint = ?1",
                   error);
  if (stmt == NULL)
    return FALSE;
  bind_text (stmt, 1, fingerprint);
  bind_text (stmt, 2, json);
  return update_one (self, stmt, "Cannot save capabilities", "Unknown device", error);
}

static gboolean
avd_store_sqlite_set_device_nat_type (AvdStore    *store,
                                      const char  *fingerprint,
                                      const char  *nat_type,
                                      GError     **error)
{
  AvdStoreSqlite *self = AVD_STORE_SQLITE (store);
  g_autoptr(GMutexLocker) locker G_GNUC_UNUSED = g_mutex_locker_new (&self->lock);
  g_autoptr(AvdSqliteStmt) stmt = NULL;

  stmt = get_stmt (self,
                   "UPDATE device_fingerprints SET nat_type = ?2 WHERE fingerprint = ?1",
                   error);
  if (stmt == NULL)
    return FALSE;
  bind_text (stmt, 1, fingerprint);
  bind_text (stmt, 2, nat_type);
  return update_one (self, stmt, "Cannot save the NAT type", "Unknown device", error);
}

/* ---- licences ------------------------------------------------------------ */

#define LICENSE_COLUMNS \
  "id, key_hash, user_name, tier, created_at, expires_at, revoked, revoked_at"

static AvdLicenseRecord *
license_from_row (sqlite3_stmt *stmt)
{
  AvdLicenseRecord *license = avd_license_record_new ();

  license->id = column_text (stmt, 0);
  license->key_hash = column_text (stmt, 1);
  license->user = column_text (stmt, 2);
  license->tier = column_text (stmt, 3);
  license->created_at = sqlite3_column_int64 (stmt, 4);
  license->expires_at = sqlite3_column_int64 (stmt, 5);
  license->revoked = sqlite3_column_int (stmt, 6) != 0;
  license->revoked_at = sqlite3_column_int64 (stmt, 7);
  return license;
}

static gboolean
avd_store_sqlite_insert_license (AvdStore                *store,
                                 const AvdLicenseRecord  *license,
                                 GError                 **error)
{
  AvdStoreSqlite *self = AVD_STORE_SQLITE (store);
  g_autoptr(GMutexLocker) locker G_GNUC_UNUSED = g_mutex_locker_new (&self->lock);
  g_autoptr(AvdSqliteStmt) stmt = NULL;

  stmt = get_stmt (self,
                   "INSERT INTO licenses (" LICENSE_COLUMNS ") "
                   "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                   error);
  if (stmt == NULL)
    return FALSE;
  bind_text (stmt, 1, license->id);
  bind_text (stmt, 2, license->key_hash);
  bind_text (stmt, 3, license->user);
  bind_text (stmt, 4, license->tier);
  sqlite3_bind_int64 (stmt, 5, license->created_at);
  sqlite3_bind_int64 (stmt, 6, license->expires_at);
  sqlite3_bind_int (stmt, 7, license->revoked ? 1 : 0);
  sqlite3_bind_int64 (stmt, 8, license->revoked ? license->revoked_at : 0);
  return step_done (self, stmt, "Cannot save the licence", error);
}

static AvdLicenseRecord *
avd_store_sqlite_lookup_license_by_hash (AvdStore    *store,
                                         const char  *key_hash,
                                         GError     **error)
{
  AvdStoreSqlite *self = AVD_STORE_SQLITE (store);
  g_autoptr(GMutexLocker) locker G_GNUC_UNUSED = g_mutex_locker_new (&self->lock);
  g_autoptr(AvdSqliteStmt) stmt = NULL;
  gboolean has_row;

  stmt = get_stmt (self,
                   "SELECT " LICENSE_COLUMNS " FROM licenses WHERE key_hash = ?1",
                   error);
  if (stmt == NULL)
    return NULL;
  bind_text (stmt, 1, key_hash);
  if (!step_row (self, stmt, &has_row, "Cannot read the licence", error) || !has_row)
    return NULL;
  return license_from_row (stmt);
}

static GPtrArray *
avd_store_sqlite_list_licenses (AvdStore  *store,
                                GError   **error)
{
  AvdStoreSqlite *self = AVD_STORE_SQLITE (store);
  g_autoptr(GMutexLocker) locker G_GNUC_UNUSED = g_mutex_locker_new (&self->lock);
  g_autoptr(AvdSqliteStmt) stmt = NULL;
  g_autoptr(GPtrArray) licenses = NULL;
  gboolean has_row;

  stmt = get_stmt (self,
                   "SELECT " LICENSE_COLUMNS " FROM licenses ORDER BY created_at, id",
                   error);
  if (stmt == NULL)
    return NULL;
  licenses = g_ptr_array_new_with_free_func ((GDestroyNotify) avd_license_record_free);
  for (;;)
    {
      if (!step_row (self, stmt, &has_row, "Cannot list licences", error))
        return NULL;
      if (!has_row)
        break;
      g_ptr_array_add (licenses, license_from_row (stmt));
    }
  return g_steal_pointer (&licenses);
}

static gboolean
avd_store_sqlite_revoke_license (AvdStore    *store,
                                 const char  *id_or_hash,
                                 gint64       revoked_at,
                                 GError     **error)
{
  AvdStoreSqlite *self = AVD_STORE_SQLITE (store);
  g_autoptr(GMutexLocker) locker G_GNUC_UNUSED = g_mutex_locker_new (&self->lock);
  g_autoptr(AvdSqliteStmt) stmt = NULL;

  /* SET sees the old row: a second revocation keeps the first time. */
  stmt = get_stmt (self,
                   "UPDATE licenses SET "
                   "revoked_at = CASE WHEN revoked THEN revoked_at ELSE ?2 END, "
                   "revoked = 1 "
                   "WHERE id = ?1 OR key_hash = ?1",
                   error);
  if (stmt == NULL)
    return FALSE;
  bind_text (stmt, 1, id_or_hash);
  sqlite3_bind_int64 (stmt, 2, revoked_at);
  return update_one (self, stmt, "Cannot revoke the licence", "Unknown licence", error);
}

static gboolean
avd_store_sqlite_add_license_usage (AvdStore    *store,
                                    const char  *license_id,
                                    const char  *month,
                                    guint64      bytes,
                                    guint        sessions,
                                    GError     **error)
{
  AvdStoreSqlite *self = AVD_STORE_SQLITE (store);
  g_autoptr(GMutexLocker) locker G_GNUC_UNUSED = g_mutex_locker_new (&self->lock);
  g_autoptr(AvdSqliteStmt) stmt = NULL;

  stmt = get_stmt (self,
                   "INSERT INTO license_usage (license_id, month, bytes_relayed, sessions) "
                   "VALUES (?1, ?2, ?3, ?4) "
                   "ON CONFLICT (license_id, month) DO UPDATE SET "
                   "bytes_relayed = bytes_relayed + excluded.bytes_relayed, "
                   "sessions = sessions + excluded.sessions",
                   error);
  if (stmt == NULL)
    return FALSE;
  bind_text (stmt, 1, license_id);
  bind_text (stmt, 2, month);
  sqlite3_bind_int64 (stmt, 3, (sqlite3_int64) bytes);
  sqlite3_bind_int64 (stmt, 4, sessions);
  return step_done (self, stmt, "Cannot add licence usage", error);
}

static gboolean
avd_store_sqlite_get_license_usage (AvdStore    *store,
                                    const char  *license_id,
                                    const char  *month,
                                    guint64     *bytes,
                                    guint       *sessions,
                                    GError     **error)
{
  AvdStoreSqlite *self = AVD_STORE_SQLITE (store);
  g_autoptr(GMutexLocker) locker G_GNUC_UNUSED = g_mutex_locker_new (&self->lock);
  g_autoptr(AvdSqliteStmt) stmt = NULL;
  gboolean has_row;

  stmt = get_stmt (self,
                   "SELECT bytes_relayed, sessions FROM license_usage "
                   "WHERE license_id = ?1 AND month = ?2",
                   error);
  if (stmt == NULL)
    return FALSE;
  bind_text (stmt, 1, license_id);
  bind_text (stmt, 2, month);
  if (!step_row (self, stmt, &has_row, "Cannot read licence usage", error))
    return FALSE;
  *bytes = has_row ? (guint64) MAX (sqlite3_column_int64 (stmt, 0), 0) : 0;
  *sessions = has_row ? (guint) CLAMP (sqlite3_column_int64 (stmt, 1), 0, G_MAXUINT) : 0;
  return TRUE;
}

/* ---- session history ----------------------------------------------------- */

#define SESSION_COLUMNS \
  "id, session_type, host_fingerprint, license_id, license_tier, started_at, " \
  "ended_at, end_reason, participant_count, hub_migration_count, " \
  "total_bytes_relayed, avg_latency_ms, avg_packet_loss_percent, duration_seconds"

#define PARTICIPANT_COLUMNS \
  "session_id, fingerprint, role, is_licensed, capability_score, joined_at, " \
  "left_at, leave_reason, avg_latency_ms, avg_packet_loss_percent, nat_type, " \
  "candidate_type"

static gboolean
avd_store_sqlite_session_created (AvdStore    *store,
                                  const char  *id,
                                  const char  *session_type,
                                  const char  *host_fingerprint,
                                  const char  *license_id,
                                  const char  *tier,
                                  gint64       started_at,
                                  GError     **error)
{
  AvdStoreSqlite *self = AVD_STORE_SQLITE (store);
  g_autoptr(GMutexLocker) locker G_GNUC_UNUSED = g_mutex_locker_new (&self->lock);
  g_autoptr(AvdSqliteStmt) stmt = NULL;

  stmt = get_stmt (self,
                   "INSERT INTO session_history (id, session_type, host_fingerprint, "
                   "license_id, license_tier, started_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                   error);
  if (stmt == NULL)
    return FALSE;
  bind_text (stmt, 1, id);
  bind_text (stmt, 2, session_type);
  bind_text (stmt, 3, host_fingerprint);
  bind_text (stmt, 4, license_id);
  bind_text (stmt, 5, tier);
  sqlite3_bind_int64 (stmt, 6, started_at);
  return step_done (self, stmt, "Cannot record the session", error);
}

static gboolean
avd_store_sqlite_participant_joined (AvdStore    *store,
                                     const char  *session_id,
                                     const char  *fingerprint,
                                     const char  *role,
                                     gboolean     is_licensed,
                                     int          capability_score,
                                     gint64       joined_at,
                                     GError     **error)
{
  AvdStoreSqlite *self = AVD_STORE_SQLITE (store);
  g_autoptr(GMutexLocker) locker G_GNUC_UNUSED = g_mutex_locker_new (&self->lock);
  g_autoptr(AvdSqliteStmt) stmt = NULL;

  stmt = get_stmt (self,
                   "INSERT INTO session_participants (session_id, fingerprint, role, "
                   "is_licensed, capability_score, joined_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6) "
                   "ON CONFLICT (session_id, fingerprint) WHERE left_at IS NULL DO UPDATE SET "
                   "role = excluded.role, is_licensed = excluded.is_licensed, "
                   "capability_score = coalesce (excluded.capability_score, capability_score)",
                   error);
  if (stmt == NULL)
    return FALSE;
  bind_text (stmt, 1, session_id);
  bind_text (stmt, 2, fingerprint);
  bind_text (stmt, 3, role);
  sqlite3_bind_int (stmt, 4, is_licensed ? 1 : 0);
  if (capability_score >= 0)
    sqlite3_bind_int (stmt, 5, capability_score);
  else
    sqlite3_bind_null (stmt, 5);
  sqlite3_bind_int64 (stmt, 6, joined_at);
  return step_done (self, stmt, "Cannot record the participant", error);
}

static gboolean
avd_store_sqlite_participant_left (AvdStore    *store,
                                   const char  *session_id,
                                   const char  *fingerprint,
                                   gint64       left_at,
                                   const char  *reason,
                                   GError     **error)
{
  AvdStoreSqlite *self = AVD_STORE_SQLITE (store);
  g_autoptr(GMutexLocker) locker G_GNUC_UNUSED = g_mutex_locker_new (&self->lock);
  g_autoptr(AvdSqliteStmt) stmt = NULL;

  stmt = get_stmt (self,
                   "UPDATE session_participants SET left_at = ?3, leave_reason = ?4 "
                   "WHERE session_id = ?1 AND fingerprint = ?2 AND left_at IS NULL",
                   error);
  if (stmt == NULL)
    return FALSE;
  bind_text (stmt, 1, session_id);
  bind_text (stmt, 2, fingerprint);
  sqlite3_bind_int64 (stmt, 3, left_at);
  bind_text (stmt, 4, reason);
  return update_one (self, stmt, "Cannot record the departure",
                     "The device is not in that session", error);
}

static gboolean
session_stats_participant_locked (AvdStoreSqlite  *self,
                                  const char      *session_id,
                                  const char      *fingerprint,
                                  double           avg_latency_ms,
                                  double           avg_packet_loss_percent,
                                  const char      *nat_type,
                                  const char      *candidate_type,
                                  GError         **error)
{
  g_autoptr(AvdSqliteStmt) stmt = NULL;

  /* The stay still open, else the latest one. */
  stmt = get_stmt (self,
                   "UPDATE session_participants SET "
                   "avg_latency_ms = coalesce (?3, avg_latency_ms), "
                   "avg_packet_loss_percent = coalesce (?4, avg_packet_loss_percent), "
                   "nat_type = coalesce (?5, nat_type), "
                   "candidate_type = coalesce (?6, candidate_type) "
                   "WHERE id = (SELECT id FROM session_participants "
                   "WHERE session_id = ?1 AND fingerprint = ?2 "
                   "ORDER BY left_at IS NOT NULL, id DESC LIMIT 1)",
                   error);
  if (stmt == NULL)
    return FALSE;
  bind_text (stmt, 1, session_id);
  bind_text (stmt, 2, fingerprint);
  bind_measure (stmt, 3, avg_latency_ms);
  bind_measure (stmt, 4, avg_packet_loss_percent);
  bind_text (stmt, 5, nat_type);
  bind_text (stmt, 6, candidate_type);
  return update_one (self, stmt, "Cannot record statistics",
                     "The device never joined that session", error);
}

static gboolean
session_stats_averages_locked (AvdStoreSqlite  *self,
                               const char      *session_id,
                               GError         **error)
{
  g_autoptr(AvdSqliteStmt) stmt = NULL;

  stmt = get_stmt (self,
                   "UPDATE session_history SET "
                   "avg_latency_ms = (SELECT avg (avg_latency_ms) FROM session_participants "
                   "WHERE session_id = ?1), "
                   "avg_packet_loss_percent = (SELECT avg (avg_packet_loss_percent) "
                   "FROM session_participants WHERE session_id = ?1) "
                   "WHERE id = ?1",
                   error);
  if (stmt == NULL)
    return FALSE;
  bind_text (stmt, 1, session_id);
  return update_one (self, stmt, "Cannot update the session's averages",
                     "Unknown session", error);
}

static gboolean
avd_store_sqlite_session_stats (AvdStore    *store,
                                const char  *session_id,
                                const char  *fingerprint,
                                double       avg_latency_ms,
                                double       avg_packet_loss_percent,
                                const char  *nat_type,
                                const char  *candidate_type,
                                GError     **error)
{
  AvdStoreSqlite *self = AVD_STORE_SQLITE (store);
  g_autoptr(GMutexLocker) locker G_GNUC_UNUSED = g_mutex_locker_new (&self->lock);
  gboolean ok;

  if (!tx_begin (self, error))
    return FALSE;
  ok = session_stats_participant_locked (self, session_id, fingerprint, avg_latency_ms,
                                         avg_packet_loss_percent, nat_type, candidate_type,
                                         error) &&
       session_stats_averages_locked (self, session_id, error);
  return tx_end (self, ok, error);
}

static gboolean
session_end_row_locked (AvdStoreSqlite  *self,
                        const char      *id,
                        gint64           ended_at,
                        const char      *end_reason,
                        guint            participant_count,
                        guint            hub_migration_count,
                        gint64           duration_seconds,
                        GError         **error)
{
  g_autoptr(AvdSqliteStmt) stmt = NULL;

  stmt = get_stmt (self,
                   "UPDATE session_history SET ended_at = ?2, end_reason = ?3, "
                   "participant_count = ?4, hub_migration_count = ?5, "
                   "duration_seconds = CASE WHEN ?6 < 0 THEN max (0, ?2 - started_at) ELSE ?6 END "
                   "WHERE id = ?1",
                   error);
  if (stmt == NULL)
    return FALSE;
  bind_text (stmt, 1, id);
  sqlite3_bind_int64 (stmt, 2, ended_at);
  bind_text (stmt, 3, end_reason);
  sqlite3_bind_int64 (stmt, 4, participant_count);
  sqlite3_bind_int64 (stmt, 5, hub_migration_count);
  sqlite3_bind_int64 (stmt, 6, duration_seconds);
  return update_one (self, stmt, "Cannot record the session's end", "Unknown session", error);
}

static gboolean
session_end_participants_locked (AvdStoreSqlite  *self,
                                 const char      *id,
                                 gint64           ended_at,
                                 const char      *end_reason,
                                 GError         **error)
{
  g_autoptr(AvdSqliteStmt) stmt = NULL;

  stmt = get_stmt (self,
                   "UPDATE session_participants SET left_at = ?2, leave_reason = ?3 "
                   "WHERE session_id = ?1 AND left_at IS NULL",
                   error);
  if (stmt == NULL)
    return FALSE;
  bind_text (stmt, 1, id);
  sqlite3_bind_int64 (stmt, 2, ended_at);
  bind_text (stmt, 3, end_reason);
  return step_done (self, stmt, "Cannot close the participants' stays", error);
}

static gboolean
avd_store_sqlite_session_ended (AvdStore    *store,
                                const char  *id,
                                gint64       ended_at,
                                const char  *end_reason,
                                guint        participant_count,
                                guint        hub_migration_count,
                                gint64       duration_seconds,
                                GError     **error)
{
  AvdStoreSqlite *self = AVD_STORE_SQLITE (store);
  g_autoptr(GMutexLocker) locker G_GNUC_UNUSED = g_mutex_locker_new (&self->lock);
  gboolean ok;

  if (!tx_begin (self, error))
    return FALSE;
  ok = session_end_row_locked (self, id, ended_at, end_reason, participant_count,
                               hub_migration_count, duration_seconds, error) &&
       session_end_participants_locked (self, id, ended_at, end_reason, error);
  return tx_end (self, ok, error);
}

static gboolean
avd_store_sqlite_add_session_bytes (AvdStore    *store,
                                    const char  *id,
                                    guint64      bytes,
                                    GError     **error)
{
  AvdStoreSqlite *self = AVD_STORE_SQLITE (store);
  g_autoptr(GMutexLocker) locker G_GNUC_UNUSED = g_mutex_locker_new (&self->lock);
  g_autoptr(AvdSqliteStmt) stmt = NULL;

  stmt = get_stmt (self,
                   "UPDATE session_history SET total_bytes_relayed = total_bytes_relayed + ?2 "
                   "WHERE id = ?1",
                   error);
  if (stmt == NULL)
    return FALSE;
  bind_text (stmt, 1, id);
  sqlite3_bind_int64 (stmt, 2, (sqlite3_int64) bytes);
  return update_one (self, stmt, "Cannot add relayed bytes", "Unknown session", error);
}

static AvdSessionHistoryRecord *
avd_store_sqlite_get_session_history (AvdStore    *store,
                                      const char  *id,
                                      GError     **error)
{
  AvdStoreSqlite *self = AVD_STORE_SQLITE (store);
  g_autoptr(GMutexLocker) locker G_GNUC_UNUSED = g_mutex_locker_new (&self->lock);
  g_autoptr(AvdSqliteStmt) stmt = NULL;
  AvdSessionHistoryRecord *record;
  gboolean has_row;

  stmt = get_stmt (self, "SELECT " SESSION_COLUMNS " FROM session_history WHERE id = ?1", error);
  if (stmt == NULL)
    return NULL;
  bind_text (stmt, 1, id);
  if (!step_row (self, stmt, &has_row, "Cannot read the session", error) || !has_row)
    return NULL;

  record = avd_session_history_record_new ();
  record->id = column_text (stmt, 0);
  record->session_type = column_text (stmt, 1);
  record->host_fingerprint = column_text (stmt, 2);
  record->license_id = column_text (stmt, 3);
  record->tier = column_text (stmt, 4);
  record->started_at = sqlite3_column_int64 (stmt, 5);
  record->ended_at = sqlite3_column_int64 (stmt, 6);
  record->end_reason = column_text (stmt, 7);
  record->participant_count = (guint) CLAMP (sqlite3_column_int64 (stmt, 8), 0, G_MAXUINT);
  record->hub_migration_count = (guint) CLAMP (sqlite3_column_int64 (stmt, 9), 0, G_MAXUINT);
  record->total_bytes_relayed = (guint64) MAX (sqlite3_column_int64 (stmt, 10), 0);
  record->avg_latency_ms = column_measure (stmt, 11);
  record->avg_packet_loss_percent = column_measure (stmt, 12);
  record->duration_seconds = sqlite3_column_int64 (stmt, 13);
  return record;
}

static GPtrArray *
avd_store_sqlite_list_session_participants (AvdStore    *store,
                                            const char  *session_id,
                                            GError     **error)
{
  AvdStoreSqlite *self = AVD_STORE_SQLITE (store);
  g_autoptr(GMutexLocker) locker G_GNUC_UNUSED = g_mutex_locker_new (&self->lock);
  g_autoptr(AvdSqliteStmt) stmt = NULL;
  g_autoptr(GPtrArray) participants = NULL;
  gboolean has_row;

  stmt = get_stmt (self,
                   "SELECT " PARTICIPANT_COLUMNS " FROM session_participants "
                   "WHERE session_id = ?1 ORDER BY joined_at, id",
                   error);
  if (stmt == NULL)
    return NULL;
  bind_text (stmt, 1, session_id);
  participants = g_ptr_array_new_with_free_func ((GDestroyNotify) avd_session_participant_record_free);
  for (;;)
    {
      AvdSessionParticipantRecord *p;

      if (!step_row (self, stmt, &has_row, "Cannot list participants", error))
        return NULL;
      if (!has_row)
        break;
      p = avd_session_participant_record_new ();
      p->session_id = column_text (stmt, 0);
      p->fingerprint = column_text (stmt, 1);
      p->role = column_text (stmt, 2);
      p->is_licensed = sqlite3_column_int (stmt, 3) != 0;
      p->capability_score = sqlite3_column_type (stmt, 4) == SQLITE_NULL
                            ? -1 : sqlite3_column_int (stmt, 4);
      p->joined_at = sqlite3_column_int64 (stmt, 5);
      p->left_at = sqlite3_column_int64 (stmt, 6);
      p->leave_reason = column_text (stmt, 7);
      p->avg_latency_ms = column_measure (stmt, 8);
      p->avg_packet_loss_percent = column_measure (stmt, 9);
      p->nat_type = column_text (stmt, 10);
      p->candidate_type = column_text (stmt, 11);
      g_ptr_array_add (participants, p);
    }
  return g_steal_pointer (&participants);
}

/* ---- live sessions ------------------------------------------------------- */

static gboolean
live_sessions_insert_locked (AvdStoreSqlite  *self,
                             GPtrArray       *sessions,
                             GError         **error)
{
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;

  for (guint i = 0; i < sessions->len; i++)
    {
      AvdLiveSessionRecord *record = g_ptr_array_index (sessions, i);
      g_autoptr(AvdSqliteStmt) stmt = NULL;

      stmt = get_stmt (self,
                       "INSERT INTO live_sessions (session_id, state, saved_at) "
                       "VALUES (?1, ?2, ?3)",
                       error);
      if (stmt == NULL)
        return FALSE;
      bind_text (stmt, 1, record->id);
      bind_text (stmt, 2, record->json);
      sqlite3_bind_int64 (stmt, 3, now);
      if (!step_done (self, stmt, "Cannot save a live session", error))
        return FALSE;
    }
  return TRUE;
}

static gboolean
avd_store_sqlite_save_live_sessions (AvdStore   *store,
                                     GPtrArray  *sessions,
                                     GError    **error)
{
  AvdStoreSqlite *self = AVD_STORE_SQLITE (store);
  g_autoptr(GMutexLocker) locker G_GNUC_UNUSED = g_mutex_locker_new (&self->lock);
  gboolean ok;

  if (!tx_begin (self, error))
    return FALSE;
  ok = exec_simple (self, "DELETE FROM live_sessions", "Cannot clear live sessions", error) &&
       live_sessions_insert_locked (self, sessions, error);
  return tx_end (self, ok, error);
}

static GPtrArray *
avd_store_sqlite_load_live_sessions (AvdStore  *store,
                                     GError   **error)
{
  AvdStoreSqlite *self = AVD_STORE_SQLITE (store);
  g_autoptr(GMutexLocker) locker G_GNUC_UNUSED = g_mutex_locker_new (&self->lock);
  g_autoptr(AvdSqliteStmt) stmt = NULL;
  g_autoptr(GPtrArray) sessions = NULL;
  gboolean has_row;

  stmt = get_stmt (self,
                   "SELECT session_id, state, saved_at FROM live_sessions ORDER BY rowid",
                   error);
  if (stmt == NULL)
    return NULL;
  sessions = g_ptr_array_new_with_free_func ((GDestroyNotify) avd_live_session_record_free);
  for (;;)
    {
      AvdLiveSessionRecord *record;

      if (!step_row (self, stmt, &has_row, "Cannot load live sessions", error))
        return NULL;
      if (!has_row)
        break;
      record = avd_live_session_record_new (NULL, NULL);
      record->id = column_text (stmt, 0);
      record->json = column_text (stmt, 1);
      record->saved_at = sqlite3_column_int64 (stmt, 2);
      g_ptr_array_add (sessions, record);
    }
  return g_steal_pointer (&sessions);
}

static gboolean
avd_store_sqlite_clear_live_sessions (AvdStore  *store,
                                      GError   **error)
{
  AvdStoreSqlite *self = AVD_STORE_SQLITE (store);
  g_autoptr(GMutexLocker) locker G_GNUC_UNUSED = g_mutex_locker_new (&self->lock);

  return exec_simple (self, "DELETE FROM live_sessions", "Cannot clear live sessions", error);
}

/* ---- GObject ------------------------------------------------------------- */

static void
avd_store_sqlite_get_property (GObject    *object,
                               guint       prop_id,
                               GValue     *value,
                               GParamSpec *pspec)
{
  AvdStoreSqlite *self = AVD_STORE_SQLITE (object);

  switch (prop_id)
    {
    case PROP_PATH:
      g_value_set_string (value, self->path);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
avd_store_sqlite_set_property (GObject      *object,
                               guint         prop_id,
                               const GValue *value,
                               GParamSpec   *pspec)
{
  AvdStoreSqlite *self = AVD_STORE_SQLITE (object);

  switch (prop_id)
    {
    case PROP_PATH:
      g_free (self->path);
      self->path = g_value_dup_string (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
avd_store_sqlite_finalize (GObject *object)
{
  AvdStoreSqlite *self = AVD_STORE_SQLITE (object);

  /* The base class's dispose drained the worker and closed; this is only a
   * safety net. */
  close_locked (self);
  g_mutex_clear (&self->lock);
  g_free (self->path);

  G_OBJECT_CLASS (avd_store_sqlite_parent_class)->finalize (object);
}

static void
avd_store_sqlite_class_init (AvdStoreSqliteClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  AvdStoreClass *store_class = AVD_STORE_CLASS (klass);

  object_class->get_property = avd_store_sqlite_get_property;
  object_class->set_property = avd_store_sqlite_set_property;
  object_class->finalize = avd_store_sqlite_finalize;

  store_class->open = avd_store_sqlite_open;
  store_class->close = avd_store_sqlite_close;
  store_class->check = avd_store_sqlite_check;
  store_class->upsert_device = avd_store_sqlite_upsert_device;
  store_class->get_device = avd_store_sqlite_get_device;
  store_class->list_devices = avd_store_sqlite_list_devices;
  store_class->set_device_blocked = avd_store_sqlite_set_device_blocked;
  store_class->set_device_capabilities = avd_store_sqlite_set_device_capabilities;
  store_class->set_device_nat_type = avd_store_sqlite_set_device_nat_type;
  store_class->insert_license = avd_store_sqlite_insert_license;
  store_class->lookup_license_by_hash = avd_store_sqlite_lookup_license_by_hash;
  store_class->list_licenses = avd_store_sqlite_list_licenses;
  store_class->revoke_license = avd_store_sqlite_revoke_license;
  store_class->add_license_usage = avd_store_sqlite_add_license_usage;
  store_class->get_license_usage = avd_store_sqlite_get_license_usage;
  store_class->session_created = avd_store_sqlite_session_created;
  store_class->participant_joined = avd_store_sqlite_participant_joined;
  store_class->participant_left = avd_store_sqlite_participant_left;
  store_class->session_stats = avd_store_sqlite_session_stats;
  store_class->session_ended = avd_store_sqlite_session_ended;
  store_class->add_session_bytes = avd_store_sqlite_add_session_bytes;
  store_class->get_session_history = avd_store_sqlite_get_session_history;
  store_class->list_session_participants = avd_store_sqlite_list_session_participants;
  store_class->save_live_sessions = avd_store_sqlite_save_live_sessions;
  store_class->load_live_sessions = avd_store_sqlite_load_live_sessions;
  store_class->clear_live_sessions = avd_store_sqlite_clear_live_sessions;

  /**
   * AvdStoreSqlite:path:
   *
   * The database file.  Created 0600 (with its folder, 0700) on open.
   */
  properties[PROP_PATH] =
    g_param_spec_string ("path", NULL, NULL,
                         NULL,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY |
                         G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
avd_store_sqlite_init (AvdStoreSqlite *self)
{
  g_mutex_init (&self->lock);
}

/**
 * avd_store_sqlite_new:
 * @path: the database file
 *
 * Returns: (transfer full): a store over @path; call avd_store_open()
 */
AvdStore *
avd_store_sqlite_new (const char *path)
{
  g_return_val_if_fail (path != NULL, NULL);

  return g_object_new (AVD_TYPE_STORE_SQLITE, "path", path, NULL);
}

const char *
avd_store_sqlite_get_path (AvdStoreSqlite *self)
{
  g_return_val_if_fail (AVD_IS_STORE_SQLITE (self), NULL);

  return self->path;
}
