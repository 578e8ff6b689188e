/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Tests of AvdStore and AvdStoreSqlite against real SQLite files in a
 * temporary directory.
 *
 * What the store wrote is checked through a second, raw SQLite connection
 * where that matters (schema_migrations, journal mode), so that the tests
 * do not only agree with the store.  Warnings the store logs are captured by
 * a log writer: a test that does not expect one fails on it, and the test of
 * a failing fire-and-forget write checks that no value reaches the log. */
#include "config.h"

#include <math.h>
#include <string.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <glib/gstdio.h>

#include "avd-store-sqlite.h"

#define FP_HOST  "1111111111111111111111111111111111111111111111111111111111111111"
#define FP_GUEST "2222222222222222222222222222222222222222222222222222222222222222"
#define FP_OTHER "3333333333333333333333333333333333333333333333333333333333333333"
#define HASH_A   "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define HASH_B   "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
#define HASH_C   "cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc"
#define SESSION  "5f0c8a3e-4b7d-4c1a-9e2f-0123456789ab"

/* ---- captured log messages ----------------------------------------------- */

static GMutex log_lock;
static GPtrArray *log_messages; /* char*: "LEVEL domain: message" */

static GLogWriterOutput
log_writer (GLogLevelFlags   level,
            const GLogField *fields,
            gsize            n_fields,
            gpointer         user_data)
{
  const char *domain = NULL;
  const char *message = NULL;

  for (gsize i = 0; i < n_fields; i++)
    {
      if (g_str_equal (fields[i].key, "GLIB_DOMAIN"))
        domain = fields[i].value;
      else if (g_str_equal (fields[i].key, "MESSAGE"))
        message = fields[i].value;
    }

  if (domain != NULL && g_str_has_prefix (domain, "AvdStore") &&
      (level & (G_LOG_LEVEL_WARNING | G_LOG_LEVEL_MESSAGE)) != 0)
    {
      g_mutex_lock (&log_lock);
      g_ptr_array_add (log_messages,
                       g_strdup_printf ("%s %s: %s",
                                        (level & G_LOG_LEVEL_WARNING) ? "WARNING" : "MESSAGE",
                                        domain, message ? message : ""));
      g_mutex_unlock (&log_lock);
      return G_LOG_WRITER_HANDLED;
    }
  return g_log_writer_default (level, fields, n_fields, user_data);
}

/* Takes the captured messages. */
static GPtrArray *
take_log (void)
{
  GPtrArray *taken;

  g_mutex_lock (&log_lock);
  taken = log_messages;
  log_messages = g_ptr_array_new_with_free_func (g_free);
  g_mutex_unlock (&log_lock);
  return taken;
}

/* ---- fixture ------------------------------------------------------------- */

typedef struct
{
  char *dir;
  char *path;        /* DIR/state/avanue.db: the state folder does not exist yet */
  AvdStore *store;   /* opened by open_store() */
  GMainLoop *loop;
} Fixture;

static void
rm_rf (const char *path)
{
  GStatBuf st;

  if (g_lstat (path, &st) != 0)
    return;
  if (S_ISDIR (st.st_mode))
    {
      g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
      const char *name;

      while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
        {
          g_autofree char *child = g_build_filename (path, name, NULL);
          rm_rf (child);
        }
      g_rmdir (path);
    }
  else
    {
      g_unlink (path);
    }
}

static void
fixture_setup (Fixture       *fixture,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  fixture->dir = g_dir_make_tmp ("avanue-store-XXXXXX", &error);
  g_assert_no_error (error);
  fixture->path = g_build_filename (fixture->dir, "state", "avanue.db", NULL);
  fixture->loop = g_main_loop_new (NULL, FALSE);
  g_ptr_array_unref (take_log ());
}

static void
fixture_teardown (Fixture       *fixture,
                  gconstpointer  data)
{
  g_autoptr(GPtrArray) log = NULL;

  g_clear_object (&fixture->store);
  /* Nothing logged that the test did not take. */
  log = take_log ();
  for (guint i = 0; i < log->len; i++)
    g_test_message ("unexpected log: %s", (char *) g_ptr_array_index (log, i));
  g_assert_cmpuint (log->len, ==, 0);

  g_main_loop_unref (fixture->loop);
  rm_rf (fixture->dir);
  g_free (fixture->dir);
  g_free (fixture->path);
}

static AvdStore *
open_store (const char *path)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(AvdStore) store = avd_store_sqlite_new (path);

  g_assert_true (AVD_IS_STORE_SQLITE (store));
  g_assert_true (avd_store_open (store, &error));
  g_assert_no_error (error);
  g_assert_true (avd_store_is_open (store));
  return g_steal_pointer (&store);
}

static void
fixture_open (Fixture *fixture)
{
  fixture->store = open_store (fixture->path);
}

/* A second connection that is not the store's. */
static sqlite3 *
raw_open (const char *path)
{
  sqlite3 *db = NULL;

  g_assert_cmpint (sqlite3_open_v2 (path, &db, SQLITE_OPEN_READWRITE, NULL), ==, SQLITE_OK);
  sqlite3_busy_timeout (db, 10000);
  return db;
}

static char *
raw_query_text (sqlite3    *db,
                const char *sql)
{
  sqlite3_stmt *stmt = NULL;
  char *result = NULL;

  g_assert_cmpint (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL), ==, SQLITE_OK);
  if (sqlite3_step (stmt) == SQLITE_ROW && sqlite3_column_text (stmt, 0) != NULL)
    result = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
  sqlite3_finalize (stmt);
  return result;
}

static gint64
raw_query_int (sqlite3    *db,
               const char *sql)
{
  sqlite3_stmt *stmt = NULL;
  gint64 result = -1;

  g_assert_cmpint (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL), ==, SQLITE_OK);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    result = sqlite3_column_int64 (stmt, 0);
  sqlite3_finalize (stmt);
  return result;
}

static void
raw_exec (sqlite3    *db,
          const char *sql)
{
  char *message = NULL;
  int rc = sqlite3_exec (db, sql, NULL, NULL, &message);

  if (rc != SQLITE_OK)
    g_test_message ("%s: %s", sql, message);
  sqlite3_free (message);
  g_assert_cmpint (rc, ==, SQLITE_OK);
}

static AvdDeviceRecord *
make_device (const char *fingerprint,
             const char *name,
             gint64      seen)
{
  AvdDeviceRecord *device = avd_device_record_new ();

  device->fingerprint = g_strdup (fingerprint);
  device->public_key = g_strdup ("MCowBQYDK2VwAyEA-public-key-of-the-device");
  device->device_name = g_strdup (name);
  device->platform = g_strdup ("linux");
  device->device_type = g_strdup ("DESKTOP");
  device->created_at = seen;
  device->last_seen = seen;
  return device;
}

static AvdLicenseRecord *
make_license (const char *key_hash,
              const char *user,
              const char *tier,
              gint64      created_at)
{
  AvdLicenseRecord *license = avd_license_record_new ();

  license->key_hash = g_strdup (key_hash);
  license->user = g_strdup (user);
  license->tier = g_strdup (tier);
  license->created_at = created_at;
  return license;
}

static void
insert_license (AvdStore         *store,
                AvdLicenseRecord *license)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (avd_store_insert_license (store, license, &error));
  g_assert_no_error (error);
}

/* ---- migrations, file ---------------------------------------------------- */

static void
test_migrations (Fixture       *fixture,
                 gconstpointer  data)
{
  static const char *const tables[] = {
    "device_fingerprints", "licenses", "license_usage", "session_history",
    "session_participants", "live_sessions", "schema_migrations",
  };
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) migrations = NULL;
  AvdStoreMigration *first;
  sqlite3 *db;
  gint64 applied_at;
  g_autofree char *first_name = NULL;

  /* What is compiled in: 0001_initial.sql first, versions ascending. */
  migrations = avd_store_load_migrations ("sqlite", &error);
  g_assert_no_error (error);
  g_assert_nonnull (migrations);
  g_assert_cmpuint (migrations->len, >=, 1);
  first = g_ptr_array_index (migrations, 0);
  g_assert_cmpuint (first->version, ==, 1);
  g_assert_cmpstr (first->name, ==, "0001_initial.sql");
  g_assert_nonnull (strstr (g_bytes_get_data (first->sql, NULL), "CREATE TABLE licenses"));
  for (guint i = 1; i < migrations->len; i++)
    g_assert_cmpuint (((AvdStoreMigration *) g_ptr_array_index (migrations, i - 1))->version, <,
                      ((AvdStoreMigration *) g_ptr_array_index (migrations, i))->version);
  g_assert_null (avd_store_load_migrations ("no-such-engine", &error));
  g_assert_nonnull (error);
  g_clear_error (&error);

  fixture_open (fixture);
  g_assert_true (avd_store_check (fixture->store, &error));
  g_assert_no_error (error);
  avd_store_close (fixture->store);
  g_assert_false (avd_store_is_open (fixture->store));
  g_assert_false (avd_store_check (fixture->store, &error));
  g_assert_error (error, AVD_STORE_ERROR, AVD_STORE_ERROR_FAILED);
  g_clear_error (&error);

  db = raw_open (fixture->path);
  for (guint i = 0; i < G_N_ELEMENTS (tables); i++)
    {
      g_autofree char *sql = g_strdup_printf ("SELECT count(*) FROM sqlite_master "
                                              "WHERE type = 'table' AND name = '%s'", tables[i]);
      g_test_message ("table %s", tables[i]);
      g_assert_cmpint (raw_query_int (db, sql), ==, 1);
    }
  /* Tables of a later issue are not there. */
  g_assert_cmpint (raw_query_int (db, "SELECT count(*) FROM sqlite_master WHERE name = 'push_tokens'"), ==, 0);
  g_assert_cmpint (raw_query_int (db, "SELECT count(*) FROM schema_migrations"), ==, migrations->len);
  g_assert_cmpint (raw_query_int (db, "SELECT min(version) FROM schema_migrations"), ==, 1);
  g_assert_cmpint (raw_query_int (db, "SELECT max(version) FROM schema_migrations"), ==,
                   ((AvdStoreMigration *) g_ptr_array_index (migrations, migrations->len - 1))->version);
  first_name = raw_query_text (db, "SELECT name FROM schema_migrations WHERE version = 1");
  g_assert_cmpstr (first_name, ==, "0001_initial.sql");
  applied_at = raw_query_int (db, "SELECT applied_at FROM schema_migrations WHERE version = 1");
  g_assert_cmpint (applied_at, >, 1700000000);
  sqlite3_close (db);

  /* Reopening (the same object, then a new one) applies nothing again. */
  g_assert_true (avd_store_open (fixture->store, &error));
  g_assert_no_error (error);
  g_clear_object (&fixture->store);
  fixture_open (fixture);
  g_assert_true (avd_store_open (fixture->store, &error)); /* already open: no-op */
  g_assert_no_error (error);

  db = raw_open (fixture->path);
  g_assert_cmpint (raw_query_int (db, "SELECT count(*) FROM schema_migrations"), ==, migrations->len);
  g_assert_cmpint (raw_query_int (db, "SELECT applied_at FROM schema_migrations WHERE version = 1"), ==,
                   applied_at);
  sqlite3_close (db);
}

static void
test_file (Fixture       *fixture,
           gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(AvdDeviceRecord) device = make_device (FP_HOST, "laptop", 0);
  g_autofree char *state_dir = g_path_get_dirname (fixture->path);
  g_autofree char *wal = g_strconcat (fixture->path, "-wal", NULL);
  g_autofree char *mode = NULL;
  g_autoptr(GPtrArray) log = NULL;
  GStatBuf st;
  sqlite3 *db;

  fixture_open (fixture);
  g_assert_cmpstr (avd_store_sqlite_get_path (AVD_STORE_SQLITE (fixture->store)), ==, fixture->path);
  g_assert_true (avd_store_upsert_device (fixture->store, device, &error));
  g_assert_no_error (error);

  /* The state folder was made 0700, the file 0600 (umask is 022 here). */
  g_assert_cmpint (g_stat (state_dir, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0700);
  g_assert_cmpint (g_stat (fixture->path, &st), ==, 0);
  g_assert_true (S_ISREG (st.st_mode));
  g_assert_cmpint (st.st_mode & 0777, ==, 0600);
  /* WAL: the log file exists while the store is open, with the same mode. */
  g_assert_cmpint (g_stat (wal, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0600);

  db = raw_open (fixture->path);
  mode = raw_query_text (db, "PRAGMA journal_mode");
  g_assert_cmpstr (mode, ==, "wal");
  sqlite3_close (db);

  /* An existing file readable by others is tightened on open. */
  g_clear_object (&fixture->store);
  g_assert_cmpint (g_chmod (fixture->path, 0644), ==, 0);
  fixture_open (fixture);
  g_assert_cmpint (g_stat (fixture->path, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0600);
  log = take_log ();
  g_assert_cmpuint (log->len, ==, 1);
  g_assert_nonnull (strstr (g_ptr_array_index (log, 0), "readable by its owner only"));
}

/* ---- devices ------------------------------------------------------------- */

static void
test_devices (Fixture       *fixture,
              gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(AvdDeviceRecord) host = make_device (FP_HOST, "laptop", 1000);
  g_autoptr(AvdDeviceRecord) guest = make_device (FP_GUEST, "phone", 2000);
  g_autoptr(AvdDeviceRecord) got = NULL;
  g_autoptr(AvdDeviceRecord) again = NULL;
  g_autoptr(GPtrArray) devices = NULL;
  g_autofree char *first_id = NULL;

  fixture_open (fixture);
  g_assert_null (avd_store_get_device (fixture->store, FP_HOST, &error));
  g_assert_no_error (error);

  host->last_capabilities = g_strdup ("{\"cpuCores\":8}");
  g_assert_true (avd_store_upsert_device (fixture->store, host, &error));
  g_assert_no_error (error);
  g_assert_null (host->id); /* the caller's record is not touched */

  got = avd_store_get_device (fixture->store, FP_HOST, &error);
  g_assert_no_error (error);
  g_assert_nonnull (got);
  g_assert_true (g_uuid_string_is_valid (got->id));
  g_assert_cmpstr (got->fingerprint, ==, FP_HOST);
  g_assert_cmpstr (got->public_key, ==, host->public_key);
  g_assert_cmpstr (got->device_name, ==, "laptop");
  g_assert_cmpstr (got->platform, ==, "linux");
  g_assert_cmpstr (got->device_type, ==, "DESKTOP");
  g_assert_cmpstr (got->last_capabilities, ==, "{\"cpuCores\":8}");
  g_assert_null (got->nat_type);
  g_assert_cmpint (got->created_at, ==, 1000);
  g_assert_cmpint (got->last_seen, ==, 1000);
  g_assert_false (got->blocked);
  first_id = g_strdup (got->id);

  /* Update: name, platform, type, key, last_seen change; id, created_at,
   * capabilities (NULL in the update) stay. */
  g_free (host->device_name);
  host->device_name = g_strdup ("laptop (renamed)");
  g_free (host->platform);
  host->platform = g_strdup ("windows");
  g_clear_pointer (&host->device_type, g_free);  /* NULL: keep DESKTOP */
  g_clear_pointer (&host->last_capabilities, g_free);
  host->created_at = 5000;
  host->last_seen = 5000;
  host->blocked = TRUE;                           /* insert-only */
  g_assert_true (avd_store_upsert_device (fixture->store, host, &error));
  g_assert_no_error (error);
  again = avd_store_get_device (fixture->store, FP_HOST, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (again->id, ==, first_id);
  g_assert_cmpstr (again->device_name, ==, "laptop (renamed)");
  g_assert_cmpstr (again->platform, ==, "windows");
  g_assert_cmpstr (again->device_type, ==, "DESKTOP");
  g_assert_cmpstr (again->last_capabilities, ==, "{\"cpuCores\":8}");
  g_assert_cmpint (again->created_at, ==, 1000);
  g_assert_cmpint (again->last_seen, ==, 5000);
  g_assert_false (again->blocked);

  /* A device without a type is a PHONE. */
  g_clear_pointer (&guest->device_type, g_free);
  g_assert_true (avd_store_upsert_device (fixture->store, guest, &error));
  g_assert_no_error (error);

  devices = avd_store_list_devices (fixture->store, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (devices->len, ==, 2);
  g_assert_cmpstr (((AvdDeviceRecord *) g_ptr_array_index (devices, 0))->fingerprint, ==, FP_HOST);
  g_assert_cmpstr (((AvdDeviceRecord *) g_ptr_array_index (devices, 1))->fingerprint, ==, FP_GUEST);
  g_assert_cmpstr (((AvdDeviceRecord *) g_ptr_array_index (devices, 1))->device_type, ==, "PHONE");

  /* Block, capabilities, NAT type. */
  g_assert_true (avd_store_set_device_blocked (fixture->store, FP_GUEST, TRUE, &error));
  g_assert_no_error (error);
  g_assert_true (avd_store_set_device_capabilities (fixture->store, FP_GUEST, "{\"ramMb\":4096}", &error));
  g_assert_no_error (error);
  g_assert_true (avd_store_set_device_nat_type (fixture->store, FP_GUEST, "symmetric", &error));
  g_assert_no_error (error);
  g_clear_pointer (&got, avd_device_record_free);
  got = avd_store_get_device (fixture->store, FP_GUEST, &error);
  g_assert_no_error (error);
  g_assert_true (got->blocked);
  g_assert_cmpstr (got->last_capabilities, ==, "{\"ramMb\":4096}");
  g_assert_cmpstr (got->nat_type, ==, "symmetric");
  g_assert_true (avd_store_set_device_blocked (fixture->store, FP_GUEST, FALSE, &error));
  g_assert_true (avd_store_set_device_capabilities (fixture->store, FP_GUEST, NULL, &error));
  g_assert_no_error (error);
  g_clear_pointer (&got, avd_device_record_free);
  got = avd_store_get_device (fixture->store, FP_GUEST, &error);
  g_assert_false (got->blocked);
  g_assert_null (got->last_capabilities);

  /* Unknown devices. */
  g_assert_false (avd_store_set_device_blocked (fixture->store, FP_OTHER, TRUE, &error));
  g_assert_error (error, AVD_STORE_ERROR, AVD_STORE_ERROR_NOT_FOUND);
  g_clear_error (&error);
  g_assert_false (avd_store_set_device_capabilities (fixture->store, FP_OTHER, "{}", &error));
  g_assert_error (error, AVD_STORE_ERROR, AVD_STORE_ERROR_NOT_FOUND);
  g_clear_error (&error);
  g_assert_false (avd_store_set_device_nat_type (fixture->store, FP_OTHER, "open", &error));
  g_assert_error (error, AVD_STORE_ERROR, AVD_STORE_ERROR_NOT_FOUND);
  g_clear_error (&error);

  /* A missing required field is a constraint error, not a crash. */
  {
    g_autoptr(AvdDeviceRecord) bad = make_device (FP_OTHER, NULL, 0);

    g_assert_false (avd_store_upsert_device (fixture->store, bad, &error));
    g_assert_error (error, AVD_STORE_ERROR, AVD_STORE_ERROR_CONSTRAINT);
    g_clear_error (&error);
  }
}

/* ---- licences ------------------------------------------------------------ */

static void
test_licenses (Fixture       *fixture,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(AvdLicenseRecord) a = make_license (HASH_A, "alice", "pro", 1000);
  g_autoptr(AvdLicenseRecord) b = make_license (HASH_B, "bob", "business", 2000);
  g_autoptr(AvdLicenseRecord) c = make_license (HASH_C, "carol", "enterprise", 3000);
  g_autoptr(AvdLicenseRecord) got = NULL;
  g_autoptr(GPtrArray) licenses = NULL;
  gint64 before = g_get_real_time () / G_USEC_PER_SEC;
  guint64 bytes = 1;
  guint sessions = 1;

  fixture_open (fixture);

  a->expires_at = 1900000000;
  insert_license (fixture->store, a);
  g_assert_true (g_uuid_string_is_valid (a->id));   /* filled in */
  b->created_at = 0;
  insert_license (fixture->store, b);
  g_assert_cmpint (b->created_at, >=, before);      /* 0 = now */

  got = avd_store_lookup_license_by_hash (fixture->store, HASH_A, &error);
  g_assert_no_error (error);
  g_assert_nonnull (got);
  g_assert_cmpstr (got->id, ==, a->id);
  g_assert_cmpstr (got->key_hash, ==, HASH_A);
  g_assert_cmpstr (got->user, ==, "alice");
  g_assert_cmpstr (got->tier, ==, "pro");
  g_assert_cmpint (got->created_at, ==, 1000);
  g_assert_cmpint (got->expires_at, ==, 1900000000);
  g_assert_false (got->revoked);
  g_assert_cmpint (got->revoked_at, ==, 0);
  g_assert_null (avd_store_lookup_license_by_hash (fixture->store, HASH_C, &error));
  g_assert_no_error (error);

  /* Duplicates and malformed hashes are constraint errors. */
  {
    g_autoptr(AvdLicenseRecord) dup = make_license (HASH_A, "mallory", "free", 0);
    g_autoptr(AvdLicenseRecord) short_hash = make_license ("abc", "mallory", "free", 0);

    g_assert_false (avd_store_insert_license (fixture->store, dup, &error));
    g_assert_error (error, AVD_STORE_ERROR, AVD_STORE_ERROR_CONSTRAINT);
    g_clear_error (&error);
    g_assert_false (avd_store_insert_license (fixture->store, short_hash, &error));
    g_assert_error (error, AVD_STORE_ERROR, AVD_STORE_ERROR_CONSTRAINT);
    g_clear_error (&error);
  }

  /* Revoke by id, by hash; a second revocation keeps the first time. */
  g_assert_true (avd_store_revoke_license (fixture->store, a->id, &error));
  g_assert_no_error (error);
  g_clear_pointer (&got, avd_license_record_free);
  got = avd_store_lookup_license_by_hash (fixture->store, HASH_A, &error);
  g_assert_true (got->revoked);
  g_assert_cmpint (got->revoked_at, >=, before);

  c->revoked = TRUE;
  c->revoked_at = 4000;
  insert_license (fixture->store, c);
  g_assert_true (avd_store_revoke_license (fixture->store, HASH_C, &error));
  g_assert_no_error (error);
  g_clear_pointer (&got, avd_license_record_free);
  got = avd_store_lookup_license_by_hash (fixture->store, HASH_C, &error);
  g_assert_true (got->revoked);
  g_assert_cmpint (got->revoked_at, ==, 4000);

  g_assert_false (avd_store_revoke_license (fixture->store, "no-such-licence", &error));
  g_assert_error (error, AVD_STORE_ERROR, AVD_STORE_ERROR_NOT_FOUND);
  g_clear_error (&error);

  licenses = avd_store_list_licenses (fixture->store, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (licenses->len, ==, 3);
  /* created_at order: a (1000), c (3000), b (now) */
  g_assert_cmpstr (((AvdLicenseRecord *) g_ptr_array_index (licenses, 0))->user, ==, "alice");
  g_assert_cmpstr (((AvdLicenseRecord *) g_ptr_array_index (licenses, 1))->user, ==, "carol");
  g_assert_cmpstr (((AvdLicenseRecord *) g_ptr_array_index (licenses, 2))->user, ==, "bob");
  g_assert_false (((AvdLicenseRecord *) g_ptr_array_index (licenses, 2))->revoked);

  /* Usage accumulates per month; months stay separate. */
  g_assert_true (avd_store_get_license_usage (fixture->store, a->id, "2024-05", &bytes, &sessions, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (bytes, ==, 0);
  g_assert_cmpuint (sessions, ==, 0);
  g_assert_true (avd_store_add_license_usage (fixture->store, a->id, "2024-05", 100, 1, &error));
  g_assert_true (avd_store_add_license_usage (fixture->store, a->id, "2024-05", 250, 2, &error));
  g_assert_true (avd_store_add_license_usage (fixture->store, a->id, "2024-06", 7, 0, &error));
  g_assert_true (avd_store_add_license_usage (fixture->store, b->id, "2024-05", 5000000000ULL, 1, &error));
  g_assert_no_error (error);
  g_assert_true (avd_store_get_license_usage (fixture->store, a->id, "2024-05", &bytes, &sessions, &error));
  g_assert_cmpuint (bytes, ==, 350);
  g_assert_cmpuint (sessions, ==, 3);
  g_assert_true (avd_store_get_license_usage (fixture->store, a->id, "2024-06", &bytes, &sessions, &error));
  g_assert_cmpuint (bytes, ==, 7);
  g_assert_cmpuint (sessions, ==, 0);
  g_assert_true (avd_store_get_license_usage (fixture->store, b->id, "2024-05", &bytes, NULL, &error));
  g_assert_cmpuint (bytes, ==, 5000000000ULL);
  g_assert_no_error (error);

  g_assert_false (avd_store_add_license_usage (fixture->store, a->id, "2024-13", 1, 0, &error));
  g_assert_error (error, AVD_STORE_ERROR, AVD_STORE_ERROR_CONSTRAINT);
  g_clear_error (&error);
  g_assert_false (avd_store_add_license_usage (fixture->store, a->id, "May 2024", 1, 0, &error));
  g_assert_error (error, AVD_STORE_ERROR, AVD_STORE_ERROR_CONSTRAINT);
  g_clear_error (&error);
  g_assert_false (avd_store_add_license_usage (fixture->store, "no-such-licence", "2024-05", 1, 0, &error));
  g_assert_error (error, AVD_STORE_ERROR, AVD_STORE_ERROR_NOT_FOUND);
  g_clear_error (&error);
}

static void
test_month (void)
{
  g_autofree char *june = avd_store_month_for_time (1717200000);      /* 2024-06-01T00:00:00Z */
  g_autofree char *may = avd_store_month_for_time (1717199999);       /* one second before */
  g_autofree char *y2k = avd_store_month_for_time (946684799);        /* 1999-12-31T23:59:59Z */
  g_autofree char *now = avd_store_month_for_time (0);
  g_autoptr(GDateTime) dt = g_date_time_new_now_utc ();
  g_autofree char *expected = g_strdup_printf ("%04d-%02d", g_date_time_get_year (dt),
                                               g_date_time_get_month (dt));

  g_assert_cmpstr (june, ==, "2024-06");
  g_assert_cmpstr (may, ==, "2024-05");
  g_assert_cmpstr (y2k, ==, "1999-12");
  g_assert_cmpstr (now, ==, expected);
}

/* ---- session history ----------------------------------------------------- */

static void
test_session_history (Fixture       *fixture,
                      gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(AvdLicenseRecord) license = make_license (HASH_A, "alice", "pro", 0);
  g_autoptr(AvdSessionHistoryRecord) record = NULL;
  g_autoptr(GPtrArray) participants = NULL;
  AvdSessionParticipantRecord *p;

  fixture_open (fixture);
  insert_license (fixture->store, license);

  g_assert_null (avd_store_get_session_history (fixture->store, SESSION, &error));
  g_assert_no_error (error);

  g_assert_true (avd_store_session_created (fixture->store, SESSION, "MESH", FP_HOST,
                                            license->id, "pro", 1000, &error));
  g_assert_no_error (error);
  g_assert_true (avd_store_participant_joined (fixture->store, SESSION, FP_HOST, "HOST",
                                               TRUE, 512, 1000, &error));
  g_assert_true (avd_store_participant_joined (fixture->store, SESSION, FP_GUEST, "GUEST",
                                               FALSE, -1, 1010, &error));
  g_assert_no_error (error);

  /* The running session. */
  record = avd_store_get_session_history (fixture->store, SESSION, &error);
  g_assert_no_error (error);
  g_assert_cmpint (record->ended_at, ==, 0);
  g_assert_null (record->end_reason);
  g_assert_cmpfloat (record->avg_latency_ms, <, 0);
  g_clear_pointer (&record, avd_session_history_record_free);

  g_assert_true (avd_store_session_stats (fixture->store, SESSION, FP_HOST, 20.0, 1.0,
                                          "full-cone", "host", &error));
  g_assert_true (avd_store_session_stats (fixture->store, SESSION, FP_GUEST, 40.0, 3.0,
                                          "symmetric", "relay", &error));
  g_assert_no_error (error);
  /* Unknown values keep what was there. */
  g_assert_true (avd_store_session_stats (fixture->store, SESSION, FP_GUEST, -1, NAN,
                                          NULL, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (avd_store_participant_left (fixture->store, SESSION, FP_GUEST, 1100, "LEFT", &error));
  g_assert_no_error (error);
  /* The guest comes back: a second stay. */
  g_assert_true (avd_store_participant_joined (fixture->store, SESSION, FP_GUEST, "GUEST",
                                               FALSE, 300, 1150, &error));
  g_assert_no_error (error);
  /* Joining while present updates that stay (no new row, join time kept). */
  g_assert_true (avd_store_participant_joined (fixture->store, SESSION, FP_HOST, "HOST",
                                               TRUE, 600, 1160, &error));
  g_assert_no_error (error);
  g_assert_true (avd_store_add_session_bytes (fixture->store, SESSION, 1000, &error));
  g_assert_true (avd_store_add_session_bytes (fixture->store, SESSION, 234, &error));
  g_assert_no_error (error);
  g_assert_true (avd_store_session_ended (fixture->store, SESSION, 1200, "COMPLETED", 2, 1, -1, &error));
  g_assert_no_error (error);

  record = avd_store_get_session_history (fixture->store, SESSION, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (record->id, ==, SESSION);
  g_assert_cmpstr (record->session_type, ==, "MESH");
  g_assert_cmpstr (record->host_fingerprint, ==, FP_HOST);
  g_assert_cmpstr (record->license_id, ==, license->id);
  g_assert_cmpstr (record->tier, ==, "pro");
  g_assert_cmpint (record->started_at, ==, 1000);
  g_assert_cmpint (record->ended_at, ==, 1200);
  g_assert_cmpstr (record->end_reason, ==, "COMPLETED");
  g_assert_cmpuint (record->participant_count, ==, 2);
  g_assert_cmpuint (record->hub_migration_count, ==, 1);
  g_assert_cmpuint (record->total_bytes_relayed, ==, 1234);
  /* Means over the stays that reported: (20 + 40) / 2, (1 + 3) / 2. */
  g_assert_cmpfloat_with_epsilon (record->avg_latency_ms, 30.0, 1e-9);
  g_assert_cmpfloat_with_epsilon (record->avg_packet_loss_percent, 2.0, 1e-9);
  g_assert_cmpint (record->duration_seconds, ==, 200);  /* computed: 1200 - 1000 */

  participants = avd_store_list_session_participants (fixture->store, SESSION, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (participants->len, ==, 3);

  p = g_ptr_array_index (participants, 0);
  g_assert_cmpstr (p->session_id, ==, SESSION);
  g_assert_cmpstr (p->fingerprint, ==, FP_HOST);
  g_assert_cmpstr (p->role, ==, "HOST");
  g_assert_true (p->is_licensed);
  g_assert_cmpint (p->capability_score, ==, 600);
  g_assert_cmpint (p->joined_at, ==, 1000);
  g_assert_cmpint (p->left_at, ==, 1200);            /* closed by the end */
  g_assert_cmpstr (p->leave_reason, ==, "COMPLETED");
  g_assert_cmpfloat_with_epsilon (p->avg_latency_ms, 20.0, 1e-9);
  g_assert_cmpfloat_with_epsilon (p->avg_packet_loss_percent, 1.0, 1e-9);
  g_assert_cmpstr (p->nat_type, ==, "full-cone");
  g_assert_cmpstr (p->candidate_type, ==, "host");

  p = g_ptr_array_index (participants, 1);
  g_assert_cmpstr (p->fingerprint, ==, FP_GUEST);
  g_assert_cmpstr (p->role, ==, "GUEST");
  g_assert_false (p->is_licensed);
  g_assert_cmpint (p->capability_score, ==, -1);
  g_assert_cmpint (p->joined_at, ==, 1010);
  g_assert_cmpint (p->left_at, ==, 1100);
  g_assert_cmpstr (p->leave_reason, ==, "LEFT");
  g_assert_cmpfloat_with_epsilon (p->avg_latency_ms, 40.0, 1e-9);
  g_assert_cmpfloat_with_epsilon (p->avg_packet_loss_percent, 3.0, 1e-9);
  g_assert_cmpstr (p->nat_type, ==, "symmetric");
  g_assert_cmpstr (p->candidate_type, ==, "relay");

  p = g_ptr_array_index (participants, 2);
  g_assert_cmpstr (p->fingerprint, ==, FP_GUEST);
  g_assert_cmpint (p->capability_score, ==, 300);
  g_assert_cmpint (p->joined_at, ==, 1150);
  g_assert_cmpint (p->left_at, ==, 1200);
  g_assert_cmpstr (p->leave_reason, ==, "COMPLETED");
  g_assert_cmpfloat (p->avg_latency_ms, <, 0);
  g_assert_null (p->nat_type);

  /* Errors. */
  g_assert_false (avd_store_session_created (fixture->store, SESSION, "MESH", FP_HOST,
                                             NULL, "free", 0, &error));
  g_assert_error (error, AVD_STORE_ERROR, AVD_STORE_ERROR_CONSTRAINT);
  g_clear_error (&error);
  g_assert_false (avd_store_session_created (fixture->store, "other-session", "MESH", FP_HOST,
                                             "no-such-licence", "pro", 0, &error));
  g_assert_error (error, AVD_STORE_ERROR, AVD_STORE_ERROR_NOT_FOUND);
  g_clear_error (&error);
  g_assert_false (avd_store_participant_joined (fixture->store, "no-such-session", FP_HOST,
                                                "HOST", TRUE, 1, 0, &error));
  g_assert_error (error, AVD_STORE_ERROR, AVD_STORE_ERROR_NOT_FOUND);
  g_clear_error (&error);
  g_assert_false (avd_store_participant_left (fixture->store, SESSION, FP_HOST, 0, "LEFT", &error));
  g_assert_error (error, AVD_STORE_ERROR, AVD_STORE_ERROR_NOT_FOUND);
  g_clear_error (&error);
  g_assert_false (avd_store_session_stats (fixture->store, SESSION, FP_OTHER, 1, 1, NULL, NULL, &error));
  g_assert_error (error, AVD_STORE_ERROR, AVD_STORE_ERROR_NOT_FOUND);
  g_clear_error (&error);
  g_assert_false (avd_store_session_ended (fixture->store, "no-such-session", 0, "ADMIN", 0, 0, 0, &error));
  g_assert_error (error, AVD_STORE_ERROR, AVD_STORE_ERROR_NOT_FOUND);
  g_clear_error (&error);
  g_assert_false (avd_store_add_session_bytes (fixture->store, "no-such-session", 1, &error));
  g_assert_error (error, AVD_STORE_ERROR, AVD_STORE_ERROR_NOT_FOUND);
  g_clear_error (&error);

  /* A free session without a licence. */
  g_assert_true (avd_store_session_created (fixture->store, "free-session", "P2P", FP_GUEST,
                                            NULL, "free", 0, &error));
  g_assert_no_error (error);
  g_clear_pointer (&record, avd_session_history_record_free);
  record = avd_store_get_session_history (fixture->store, "free-session", &error);
  g_assert_null (record->license_id);
  g_assert_cmpint (record->started_at, >, 1700000000);
}

/* ---- live sessions ------------------------------------------------------- */

/* Pairs of id, json; NULL-terminated. */
static GPtrArray *
live_list (const char *first, ...)
{
  GPtrArray *list = g_ptr_array_new_with_free_func ((GDestroyNotify) avd_live_session_record_free);
  va_list args;

  va_start (args, first);
  for (const char *id = first; id != NULL; id = va_arg (args, const char *))
    g_ptr_array_add (list, avd_live_session_record_new (id, va_arg (args, const char *)));
  va_end (args);
  return list;
}

static void
test_live_sessions (Fixture       *fixture,
                    gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) two = live_list ("s-b", "{\"n\":2,\"hub\":\"x\"}", "s-a", "{\"n\":1}", NULL);
  g_autoptr(GPtrArray) one = live_list ("s-c", "{\"n\":3}", NULL);
  g_autoptr(GPtrArray) dup = live_list ("s-d", "{}", "s-d", "{}", NULL);
  g_autoptr(GPtrArray) none = live_list (NULL);
  g_autoptr(GPtrArray) loaded = NULL;
  AvdLiveSessionRecord *r;

  fixture_open (fixture);
  loaded = avd_store_load_live_sessions (fixture->store, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (loaded->len, ==, 0);
  g_clear_pointer (&loaded, g_ptr_array_unref);

  g_assert_true (avd_store_save_live_sessions (fixture->store, two, &error));
  g_assert_no_error (error);
  /* Survives a restart, in the order saved. */
  g_clear_object (&fixture->store);
  fixture_open (fixture);
  loaded = avd_store_load_live_sessions (fixture->store, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (loaded->len, ==, 2);
  r = g_ptr_array_index (loaded, 0);
  g_assert_cmpstr (r->id, ==, "s-b");
  g_assert_cmpstr (r->json, ==, "{\"n\":2,\"hub\":\"x\"}");
  g_assert_cmpint (r->saved_at, >, 1700000000);
  r = g_ptr_array_index (loaded, 1);
  g_assert_cmpstr (r->id, ==, "s-a");
  g_assert_cmpstr (r->json, ==, "{\"n\":1}");
  g_clear_pointer (&loaded, g_ptr_array_unref);

  /* Saving replaces. */
  g_assert_true (avd_store_save_live_sessions (fixture->store, one, &error));
  g_assert_no_error (error);
  loaded = avd_store_load_live_sessions (fixture->store, &error);
  g_assert_cmpuint (loaded->len, ==, 1);
  g_assert_cmpstr (((AvdLiveSessionRecord *) g_ptr_array_index (loaded, 0))->id, ==, "s-c");
  g_clear_pointer (&loaded, g_ptr_array_unref);

  /* A failed save changes nothing. */
  g_assert_false (avd_store_save_live_sessions (fixture->store, dup, &error));
  g_assert_error (error, AVD_STORE_ERROR, AVD_STORE_ERROR_CONSTRAINT);
  g_clear_error (&error);
  loaded = avd_store_load_live_sessions (fixture->store, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (loaded->len, ==, 1);
  g_assert_cmpstr (((AvdLiveSessionRecord *) g_ptr_array_index (loaded, 0))->json, ==, "{\"n\":3}");
  g_clear_pointer (&loaded, g_ptr_array_unref);
  /* ...and the connection is usable afterwards (the transaction was ended). */
  g_assert_true (avd_store_clear_live_sessions (fixture->store, &error));
  g_assert_no_error (error);
  loaded = avd_store_load_live_sessions (fixture->store, &error);
  g_assert_cmpuint (loaded->len, ==, 0);
  g_clear_pointer (&loaded, g_ptr_array_unref);

  g_assert_true (avd_store_save_live_sessions (fixture->store, one, &error));
  g_assert_true (avd_store_save_live_sessions (fixture->store, none, &error));
  g_assert_no_error (error);
  loaded = avd_store_load_live_sessions (fixture->store, &error);
  g_assert_cmpuint (loaded->len, ==, 0);
}

/* ---- async --------------------------------------------------------------- */

typedef struct
{
  GThread *main_thread;
  GArray *order;     /* job indexes, appended on the worker */
  GMutex lock;
  GThread *worker;   /* the thread of the first job */
  gboolean one_worker;
} OrderState;

typedef struct
{
  OrderState *state;
  int index;
} OrderJob;

static gboolean
order_job (AvdStore      *store,
           gpointer       ptr,
           GCancellable  *cancellable,
           GError       **error)
{
  OrderJob *job = ptr;
  g_autofree char *nat = g_strdup_printf ("nat-%d", job->index);

  g_assert_true (g_thread_self () != job->state->main_thread);
  /* Uneven work, so that a second worker thread would overtake. */
  g_usleep ((job->index % 3) * 300);
  g_mutex_lock (&job->state->lock);
  g_array_append_val (job->state->order, job->index);
  if (job->state->worker == NULL)
    job->state->worker = g_thread_self ();
  else if (job->state->worker != g_thread_self ())
    job->state->one_worker = FALSE;
  g_mutex_unlock (&job->state->lock);
  return avd_store_set_device_nat_type (store, FP_HOST, nat, error);
}

static void
got_result_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  GAsyncResult **out = user_data;

  *out = g_object_ref (result);
}

/* Runs the main loop until *result is set. */
static void
wait_for (GAsyncResult **result)
{
  while (*result == NULL)
    g_main_context_iteration (NULL, TRUE);
}

static gboolean
noop_job (AvdStore      *store,
          gpointer       data,
          GCancellable  *cancellable,
          GError       **error)
{
  return TRUE;
}

/* Waits until every job queued so far ran. */
static void
drain (AvdStore *store)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;

  avd_store_run_async (store, noop_job, NULL, NULL, NULL, got_result_cb, &result);
  wait_for (&result);
  g_assert_true (avd_store_run_finish (store, result, &error));
  g_assert_no_error (error);
}

typedef struct
{
  char *fingerprint;
  char *name;        /* output */
} NameJob;

static void
name_job_free (gpointer ptr)
{
  NameJob *job = ptr;

  g_free (job->fingerprint);
  g_free (job->name);
  g_free (job);
}

static gboolean
name_job (AvdStore      *store,
          gpointer       ptr,
          GCancellable  *cancellable,
          GError       **error)
{
  NameJob *job = ptr;
  g_autoptr(AvdDeviceRecord) device = avd_store_get_device (store, job->fingerprint, error);

  if (device == NULL)
    {
      if (error != NULL && *error == NULL)
        g_set_error_literal (error, AVD_STORE_ERROR, AVD_STORE_ERROR_NOT_FOUND, "Unknown device");
      return FALSE;
    }
  job->name = g_strdup (device->device_name);
  return TRUE;
}

static void
get_device_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  Fixture *fixture = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(AvdDeviceRecord) device = NULL;

  g_assert_true (AVD_STORE (source) == fixture->store);
  device = avd_store_get_device_finish (AVD_STORE (source), result, &error);
  g_assert_no_error (error);
  g_assert_nonnull (device);
  /* The read was queued after 100 writes: it sees the last of each kind. */
  g_assert_cmpstr (device->nat_type, ==, "nat-99");
  g_assert_cmpstr (device->last_capabilities, ==, "{\"n\":99}");
  g_main_loop_quit (fixture->loop);
}

static void
test_async (Fixture       *fixture,
            gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(AvdDeviceRecord) device = make_device (FP_HOST, "laptop", 0);
  g_autoptr(AvdLicenseRecord) license = make_license (HASH_A, "alice", "pro", 0);
  g_autoptr(AvdSessionHistoryRecord) record = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  OrderState state = { g_thread_self (), g_array_new (FALSE, FALSE, sizeof (int)), { 0 }, NULL, TRUE };
  g_autofree char *month = avd_store_month_for_time (0);
  guint64 bytes = 0;
  guint sessions = 0;

  g_mutex_init (&state.lock);
  fixture_open (fixture);
  g_assert_true (avd_store_upsert_device (fixture->store, device, &error));
  insert_license (fixture->store, license);
  g_assert_true (avd_store_session_created (fixture->store, SESSION, "MESH", FP_HOST,
                                            license->id, "pro", 0, &error));
  g_assert_no_error (error);

  /* 100 writes of three kinds, interleaved, none waited for. */
  for (int i = 0; i < 100; i++)
    {
      OrderJob *job = g_new0 (OrderJob, 1);
      g_autofree char *caps = g_strdup_printf ("{\"n\":%d}", i);

      job->state = &state;
      job->index = i;
      avd_store_submit (fixture->store, order_job, job, g_free);
      avd_store_submit_set_device_capabilities (fixture->store, FP_HOST, caps);
      avd_store_submit_add_session_bytes (fixture->store, SESSION, (guint64) i);
      avd_store_submit_add_license_usage (fixture->store, license->id, month, 10, 1);
    }
  avd_store_get_device_async (fixture->store, FP_HOST, NULL, get_device_cb, fixture);
  g_main_loop_run (fixture->loop);

  g_assert_cmpuint (state.order->len, ==, 100);
  for (int i = 0; i < 100; i++)
    g_assert_cmpint (g_array_index (state.order, int, i), ==, i);
  g_assert_true (state.one_worker);
  record = avd_store_get_session_history (fixture->store, SESSION, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (record->total_bytes_relayed, ==, 4950);  /* 0 + 1 + … + 99 */
  g_assert_true (avd_store_get_license_usage (fixture->store, license->id, month, &bytes, &sessions, &error));
  g_assert_cmpuint (bytes, ==, 1000);
  g_assert_cmpuint (sessions, ==, 100);

  /* Licence lookups: found and not found (NULL without an error). */
  avd_store_lookup_license_async (fixture->store, HASH_A, NULL, got_result_cb, &result);
  wait_for (&result);
  {
    g_autoptr(AvdLicenseRecord) found = avd_store_lookup_license_finish (fixture->store, result, &error);

    g_assert_no_error (error);
    g_assert_nonnull (found);
    g_assert_cmpstr (found->id, ==, license->id);
  }
  g_clear_object (&result);
  avd_store_lookup_license_async (fixture->store, HASH_B, NULL, got_result_cb, &result);
  wait_for (&result);
  g_assert_null (avd_store_lookup_license_finish (fixture->store, result, &error));
  g_assert_no_error (error);
  g_clear_object (&result);
  avd_store_get_device_async (fixture->store, FP_OTHER, NULL, got_result_cb, &result);
  wait_for (&result);
  g_assert_null (avd_store_get_device_finish (fixture->store, result, &error));
  g_assert_no_error (error);
  g_clear_object (&result);

  /* A generic job leaves its output in its data. */
  {
    NameJob *job = g_new0 (NameJob, 1);

    job->fingerprint = g_strdup (FP_HOST);
    avd_store_run_async (fixture->store, name_job, job, name_job_free, NULL, got_result_cb, &result);
    wait_for (&result);
    g_assert_true (avd_store_run_finish (fixture->store, result, &error));
    g_assert_no_error (error);
    g_assert_cmpstr (((NameJob *) avd_store_run_get_data (result))->name, ==, "laptop");
    g_clear_object (&result);

    job = g_new0 (NameJob, 1);
    job->fingerprint = g_strdup (FP_OTHER);
    avd_store_run_async (fixture->store, name_job, job, name_job_free, NULL, got_result_cb, &result);
    wait_for (&result);
    g_assert_false (avd_store_run_finish (fixture->store, result, &error));
    g_assert_error (error, AVD_STORE_ERROR, AVD_STORE_ERROR_NOT_FOUND);
    g_clear_error (&error);
    g_clear_object (&result);
  }

  /* Cancelled before it runs: the job does not run. */
  g_cancellable_cancel (cancellable);
  {
    OrderJob *job = g_new0 (OrderJob, 1);

    job->state = &state;
    job->index = 1000;
    avd_store_run_async (fixture->store, order_job, job, g_free, cancellable, got_result_cb, &result);
    wait_for (&result);
    g_assert_false (avd_store_run_finish (fixture->store, result, &error));
    g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
    g_clear_error (&error);
    g_clear_object (&result);
    g_assert_cmpuint (state.order->len, ==, 100);
  }

  g_array_unref (state.order);
  g_mutex_clear (&state.lock);
}

/* The typed fire-and-forget writes, for a whole session. */
static void
test_submit_lifecycle (Fixture       *fixture,
                       gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(AvdDeviceRecord) host = make_device (FP_HOST, "laptop", 0);
  g_autoptr(AvdDeviceRecord) stored = NULL;
  g_autoptr(AvdSessionHistoryRecord) record = NULL;
  g_autoptr(GPtrArray) participants = NULL;
  AvdSessionParticipantRecord *p;

  fixture_open (fixture);
  avd_store_submit_upsert_device (fixture->store, host);
  g_clear_pointer (&host, avd_device_record_free);  /* the queue has its own copy */
  avd_store_submit_set_device_nat_type (fixture->store, FP_HOST, "port-restricted");
  avd_store_submit_session_created (fixture->store, SESSION, "MESH", FP_HOST, NULL, "free", 500);
  avd_store_submit_participant_joined (fixture->store, SESSION, FP_HOST, "HOST", FALSE, 77, 500);
  avd_store_submit_participant_joined (fixture->store, SESSION, FP_GUEST, "GUEST", FALSE, 66, 510);
  avd_store_submit_session_stats (fixture->store, SESSION, FP_GUEST, 12.5, 0.5, "symmetric", "relay");
  avd_store_submit_participant_left (fixture->store, SESSION, FP_GUEST, 550, "DISCONNECT");
  avd_store_submit_add_session_bytes (fixture->store, SESSION, 4096);
  avd_store_submit_session_ended (fixture->store, SESSION, 600, "HOST_LEFT", 2, 0, 90);
  drain (fixture->store);

  stored = avd_store_get_device (fixture->store, FP_HOST, &error);
  g_assert_no_error (error);
  g_assert_nonnull (stored);
  g_assert_cmpstr (stored->nat_type, ==, "port-restricted");
  g_assert_cmpint (stored->last_seen, >, 1700000000);

  record = avd_store_get_session_history (fixture->store, SESSION, &error);
  g_assert_no_error (error);
  g_assert_cmpint (record->started_at, ==, 500);
  g_assert_cmpint (record->ended_at, ==, 600);
  g_assert_cmpstr (record->end_reason, ==, "HOST_LEFT");
  g_assert_cmpuint (record->participant_count, ==, 2);
  g_assert_cmpuint (record->total_bytes_relayed, ==, 4096);
  g_assert_cmpint (record->duration_seconds, ==, 90);   /* given, not computed */
  g_assert_cmpfloat_with_epsilon (record->avg_latency_ms, 12.5, 1e-9);
  g_assert_cmpfloat_with_epsilon (record->avg_packet_loss_percent, 0.5, 1e-9);

  participants = avd_store_list_session_participants (fixture->store, SESSION, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (participants->len, ==, 2);
  p = g_ptr_array_index (participants, 1);
  g_assert_cmpstr (p->fingerprint, ==, FP_GUEST);
  g_assert_cmpint (p->left_at, ==, 550);
  g_assert_cmpstr (p->leave_reason, ==, "DISCONNECT");
  g_assert_cmpstr (p->candidate_type, ==, "relay");
  p = g_ptr_array_index (participants, 0);
  g_assert_cmpint (p->left_at, ==, 600);
  g_assert_cmpstr (p->leave_reason, ==, "HOST_LEFT");

  g_clear_pointer (&participants, g_ptr_array_unref);
  participants = avd_store_list_session_participants (fixture->store, "no-such-session", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (participants->len, ==, 0);
}

/* A failing fire-and-forget write is logged, without the values. */
static void
test_submit_failure (Fixture       *fixture,
                     gconstpointer  data)
{
  g_autoptr(GPtrArray) log = NULL;
  const char *line;

  fixture_open (fixture);
  avd_store_submit_set_device_capabilities (fixture->store, FP_OTHER,
                                            "{\"secret\":\"s3cr3t-token\"}");
  avd_store_submit_add_license_usage (fixture->store, HASH_C, "2024-05", 1, 1);
  drain (fixture->store);

  log = take_log ();
  g_assert_cmpuint (log->len, ==, 2);
  line = g_ptr_array_index (log, 0);
  g_test_message ("%s", line);
  g_assert_true (g_str_has_prefix (line, "WARNING AvdStore: "));
  g_assert_nonnull (strstr (line, "set_device_capabilities"));
  g_assert_nonnull (strstr (line, "Unknown device"));
  g_assert_null (strstr (line, "s3cr3t"));
  g_assert_null (strstr (line, FP_OTHER));
  line = g_ptr_array_index (log, 1);
  g_test_message ("%s", line);
  g_assert_nonnull (strstr (line, "add_license_usage"));
  g_assert_null (strstr (line, HASH_C));
}

/* Closing waits for the queue: nothing submitted is lost at shutdown. */
static void
test_close_drains (Fixture       *fixture,
                   gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(AvdLicenseRecord) license = make_license (HASH_A, "alice", "pro", 0);
  guint64 bytes = 0;
  guint sessions = 0;
  AvdStore *store;
  gint64 deadline;

  fixture_open (fixture);
  insert_license (fixture->store, license);
  for (int i = 0; i < 300; i++)
    avd_store_submit_add_license_usage (fixture->store, license->id, "2030-01", 3, 1);
  avd_store_close (fixture->store);

  /* Reopen the same object: the queue works again. */
  g_assert_true (avd_store_open (fixture->store, &error));
  g_assert_no_error (error);
  g_assert_true (avd_store_get_license_usage (fixture->store, license->id, "2030-01", &bytes, &sessions, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (bytes, ==, 900);
  g_assert_cmpuint (sessions, ==, 300);

  /* Dropping the owner's reference does not drop queued jobs: they keep
   * the store alive and the last one finalizes it. */
  for (int i = 0; i < 100; i++)
    avd_store_submit_add_license_usage (fixture->store, license->id, "2030-01", 1, 0);
  store = g_steal_pointer (&fixture->store);
  g_object_add_weak_pointer (G_OBJECT (store), (gpointer *) &store);
  g_object_unref (store);
  deadline = g_get_monotonic_time () + 10 * G_TIME_SPAN_SECOND;
  while (g_atomic_pointer_get (&store) != NULL && g_get_monotonic_time () < deadline)
    g_usleep (5 * G_TIME_SPAN_MILLISECOND);
  g_assert_null (g_atomic_pointer_get (&store));
  fixture_open (fixture);
  g_assert_true (avd_store_get_license_usage (fixture->store, license->id, "2030-01", &bytes, &sessions, &error));
  g_assert_cmpuint (bytes, ==, 1000);
}

typedef struct
{
  sqlite3 *db;
  gint64 released_at;
} HoldLock;

static gpointer
release_lock_thread (gpointer data)
{
  HoldLock *hold = data;

  g_usleep (300 * G_TIME_SPAN_MILLISECOND);
  hold->released_at = g_get_monotonic_time ();
  raw_exec (hold->db, "COMMIT");
  return NULL;
}

/* Another process (avanued --issue-license) writes while the daemon runs. */
static void
test_second_connection (Fixture       *fixture,
                        gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(AvdStore) other = NULL;
  g_autoptr(AvdLicenseRecord) issued = make_license (HASH_B, "bob", "business", 0);
  g_autoptr(AvdLicenseRecord) seen = NULL;
  g_autoptr(AvdLicenseRecord) late = make_license (HASH_C, "carol", "pro", 0);
  g_autoptr(GThread) thread = NULL;
  HoldLock hold = { NULL, 0 };
  gint64 start;
  guint64 bytes = 0;
  sqlite3 *db;

  fixture_open (fixture);
  /* The daemon has read once (so it holds a connection with a schema). */
  g_assert_null (avd_store_lookup_license_by_hash (fixture->store, HASH_B, &error));
  g_assert_no_error (error);

  other = open_store (fixture->path);
  insert_license (other, issued);
  seen = avd_store_lookup_license_by_hash (fixture->store, HASH_B, &error);
  g_assert_no_error (error);
  g_assert_nonnull (seen);
  g_assert_cmpstr (seen->id, ==, issued->id);
  g_assert_cmpstr (seen->tier, ==, "business");

  /* And the other way round, through the daemon's worker. */
  avd_store_submit_add_license_usage (fixture->store, issued->id, "2024-01", 42, 1);
  drain (fixture->store);
  g_assert_true (avd_store_get_license_usage (other, issued->id, "2024-01", &bytes, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (bytes, ==, 42);
  g_clear_object (&other);

  /* Only one migration run for both connections. */
  db = raw_open (fixture->path);
  g_assert_cmpint (raw_query_int (db, "SELECT count(*) FROM schema_migrations WHERE version = 1"), ==, 1);

  /* A writer holding the lock for a while: the store waits instead of
   * failing with "database is locked". */
  raw_exec (db, "BEGIN IMMEDIATE");
  hold.db = db;
  start = g_get_monotonic_time ();
  thread = g_thread_new ("hold-lock", release_lock_thread, &hold);
  insert_license (fixture->store, late);
  g_assert_cmpint (g_get_monotonic_time () - start, >=, 250 * G_TIME_SPAN_MILLISECOND);
  g_thread_join (g_steal_pointer (&thread));
  g_assert_cmpint (hold.released_at, >, 0);
  g_assert_cmpint (raw_query_int (db, "SELECT count(*) FROM licenses"), ==, 2);
  sqlite3_close (db);
}

static void
write_file (const char *path,
            const char *contents,
            gsize       len)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_path_get_dirname (path);

  g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
  g_assert_true (g_file_set_contents (path, contents, len, &error));
  g_assert_no_error (error);
}

static void
assert_open_fails (const char    *path,
                   AvdStoreError  code)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(AvdStore) store = avd_store_sqlite_new (path);
  g_autoptr(GPtrArray) log = NULL;

  g_assert_false (avd_store_open (store, &error));
  g_assert_nonnull (error);
  g_test_message ("%s", error->message);
  g_assert_error (error, AVD_STORE_ERROR, (int) code);
  g_assert_false (avd_store_is_open (store));
  g_clear_error (&error);
  /* g_file_set_contents() made the file 0644: the store tightened it. */
  log = take_log ();
  for (guint i = 0; i < log->len; i++)
    g_assert_nonnull (strstr (g_ptr_array_index (log, i), "readable by its owner only"));

  /* Still usable as an object: calls fail cleanly. */
  g_assert_null (avd_store_get_device (store, FP_HOST, &error));
  g_assert_error (error, AVD_STORE_ERROR, AVD_STORE_ERROR_FAILED);
  g_clear_error (&error);
  g_assert_false (avd_store_check (store, &error));
  g_assert_error (error, AVD_STORE_ERROR, AVD_STORE_ERROR_FAILED);
}

static void
test_corrupt (Fixture       *fixture,
              gconstpointer  data)
{
  g_autoptr(GString) garbage = g_string_new (NULL);
  g_autoptr(GString) bad_header = g_string_new (NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(AvdStore) store = NULL;

  /* Text that is not a database. */
  for (int i = 0; i < 512; i++)
    g_string_append (garbage, "this is not a database; ");
  write_file (fixture->path, garbage->str, garbage->len);
  assert_open_fails (fixture->path, AVD_STORE_ERROR_CORRUPT);
  {
    /* Nothing was written into it. */
    g_autofree char *contents = NULL;
    gsize len;

    g_assert_true (g_file_get_contents (fixture->path, &contents, &len, NULL));
    g_assert_cmpmem (contents, len, garbage->str, garbage->len);
  }

  /* The SQLite magic followed by nonsense. */
  g_string_append_len (bad_header, "SQLite format 3\0", 16);
  for (int i = 0; i < 4096; i++)
    g_string_append_c (bad_header, (char) ((i * 131 + 7) & 0xff));
  write_file (fixture->path, bad_header->str, bad_header->len);
  assert_open_fails (fixture->path, AVD_STORE_ERROR_CORRUPT);

  /* A folder where the file should be. */
  g_unlink (fixture->path);
  g_assert_cmpint (g_mkdir (fixture->path, 0700), ==, 0);
  assert_open_fails (fixture->path, AVD_STORE_ERROR_FAILED);
  g_rmdir (fixture->path);

  /* A folder that cannot be created (its parent is a file). */
  {
    g_autofree char *under_file = g_build_filename (fixture->dir, "file", "avanue.db", NULL);
    g_autofree char *file = g_build_filename (fixture->dir, "file", NULL);

    write_file (file, "x", 1);
    assert_open_fails (under_file, AVD_STORE_ERROR_FAILED);
  }

  /* And a good file afterwards works. */
  store = open_store (fixture->path);
  g_assert_true (avd_store_check (store, &error));
  g_assert_no_error (error);
}

static void
test_newer_schema (Fixture       *fixture,
                   gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  sqlite3 *db;

  fixture_open (fixture);
  g_clear_object (&fixture->store);
  db = raw_open (fixture->path);
  raw_exec (db, "INSERT INTO schema_migrations (version, name, applied_at) "
                "VALUES (9999, '9999_future.sql', 0)");
  sqlite3_close (db);

  fixture->store = avd_store_sqlite_new (fixture->path);
  g_assert_false (avd_store_open (fixture->store, &error));
  g_assert_error (error, AVD_STORE_ERROR, AVD_STORE_ERROR_FAILED);
  g_assert_nonnull (strstr (error->message, "newer"));
}

static void
test_not_open (Fixture       *fixture,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(AvdLicenseRecord) license = make_license (HASH_A, "alice", "pro", 0);
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GPtrArray) log = NULL;

  fixture->store = avd_store_sqlite_new (fixture->path);
  g_assert_false (avd_store_insert_license (fixture->store, license, &error));
  g_assert_error (error, AVD_STORE_ERROR, AVD_STORE_ERROR_FAILED);
  g_clear_error (&error);
  g_assert_false (g_file_test (fixture->path, G_FILE_TEST_EXISTS));

  avd_store_lookup_license_async (fixture->store, HASH_A, NULL, got_result_cb, &result);
  wait_for (&result);
  g_assert_null (avd_store_lookup_license_finish (fixture->store, result, &error));
  g_assert_error (error, AVD_STORE_ERROR, AVD_STORE_ERROR_FAILED);
  g_clear_error (&error);

  avd_store_submit_add_session_bytes (fixture->store, SESSION, 1);
  drain (fixture->store);
  log = take_log ();
  g_assert_cmpuint (log->len, ==, 1);
  g_assert_nonnull (strstr (g_ptr_array_index (log, 0), "not open"));

  /* Closing a store that never opened is harmless. */
  avd_store_close (fixture->store);
  avd_store_close (fixture->store);
}

static void
test_for_config (Fixture       *fixture,
                 gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(AvdConfig) config = avd_config_new ();
  g_autoptr(AvdStore) store = NULL;
  g_autofree char *state_dir = g_build_filename (fixture->dir, "state", NULL);
  g_autofree char *default_path = g_build_filename (state_dir, "avanue.db", NULL);
  g_autofree char *custom_path = g_build_filename (fixture->dir, "custom", "x.db", NULL);

  store = avd_store_new_for_config (config, state_dir, &error);
  g_assert_no_error (error);
  g_assert_true (AVD_IS_STORE_SQLITE (store));
  g_assert_cmpstr (avd_store_sqlite_get_path (AVD_STORE_SQLITE (store)), ==, default_path);
  g_clear_object (&store);

  avd_config_set_string (config, "store", "path", custom_path);
  store = avd_store_new_for_config (config, state_dir, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (avd_store_sqlite_get_path (AVD_STORE_SQLITE (store)), ==, custom_path);
  g_assert_true (avd_store_open (store, &error));
  g_assert_no_error (error);
  g_assert_true (g_file_test (custom_path, G_FILE_TEST_IS_REGULAR));
  g_clear_object (&store);

  avd_config_set_string (config, "store", "backend", "mongodb");
  g_assert_null (avd_store_new_for_config (config, state_dir, &error));
  g_assert_error (error, AVD_STORE_ERROR, AVD_STORE_ERROR_FAILED);
}

static gboolean
slow_job (AvdStore      *store,
          gpointer       data,
          GCancellable  *cancellable,
          GError       **error)
{
  g_usleep (50 * G_TIME_SPAN_MILLISECOND);
  return avd_store_add_session_bytes (store, SESSION, 1, error);
}

/* When the last reference is a queued job's, the store is finalized on its
 * own worker thread: that must neither deadlock nor lose the job. */
static void
test_last_ref_on_worker (Fixture       *fixture,
                         gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(AvdSessionHistoryRecord) record = NULL;
  AvdStore *store;
  gint64 deadline;

  fixture_open (fixture);
  g_assert_true (avd_store_session_created (fixture->store, SESSION, "MESH", FP_HOST, NULL,
                                            "free", 0, &error));
  g_assert_no_error (error);
  store = g_steal_pointer (&fixture->store);
  g_object_add_weak_pointer (G_OBJECT (store), (gpointer *) &store);
  avd_store_submit (store, slow_job, NULL, NULL);
  avd_store_submit (store, slow_job, NULL, NULL);
  g_object_unref (store);

  deadline = g_get_monotonic_time () + 10 * G_TIME_SPAN_SECOND;
  while (g_atomic_pointer_get (&store) != NULL && g_get_monotonic_time () < deadline)
    g_usleep (5 * G_TIME_SPAN_MILLISECOND);
  g_assert_null (g_atomic_pointer_get (&store));

  fixture_open (fixture);
  record = avd_store_get_session_history (fixture->store, SESSION, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (record->total_bytes_relayed, ==, 2);
}

int
main (int    argc,
      char **argv)
{
  umask (022);
  g_test_init (&argc, &argv, NULL);
  log_messages = g_ptr_array_new_with_free_func (g_free);
  g_log_set_writer_func (log_writer, NULL, NULL);

#define ADD(path, func) \
  g_test_add ("/avd/store/sqlite/" path, Fixture, NULL, fixture_setup, func, fixture_teardown)

  ADD ("migrations", test_migrations);
  ADD ("file", test_file);
  ADD ("devices", test_devices);
  ADD ("licenses", test_licenses);
  g_test_add_func ("/avd/store/month", test_month);
  ADD ("session-history", test_session_history);
  ADD ("live-sessions", test_live_sessions);
  ADD ("async-ordered", test_async);
  ADD ("submit-lifecycle", test_submit_lifecycle);
  ADD ("submit-failure-logged", test_submit_failure);
  ADD ("close-drains", test_close_drains);
  ADD ("second-connection", test_second_connection);
  ADD ("corrupt", test_corrupt);
  ADD ("newer-schema", test_newer_schema);
  ADD ("not-open", test_not_open);
  ADD ("for-config", test_for_config);
  ADD ("last-ref-on-worker", test_last_ref_on_worker);

#undef ADD

  return g_test_run ();
}
