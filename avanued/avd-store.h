/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gio/gio.h>

#include "avd-config.h"

G_BEGIN_DECLS

/* ---- errors ------------------------------------------------------------ */

#define AVD_STORE_ERROR (avd_store_error_quark ())

/**
 * AvdStoreError:
 * @AVD_STORE_ERROR_FAILED: anything else (I/O, locking, backend not open)
 * @AVD_STORE_ERROR_NOT_FOUND: the device, licence or session named does not exist
 * @AVD_STORE_ERROR_CORRUPT: the database file is not a database or is damaged
 * @AVD_STORE_ERROR_CONSTRAINT: the write would break a constraint (duplicate,
 *   missing required field, malformed value)
 */
typedef enum {
  AVD_STORE_ERROR_FAILED,
  AVD_STORE_ERROR_NOT_FOUND,
  AVD_STORE_ERROR_CORRUPT,
  AVD_STORE_ERROR_CONSTRAINT,
} AvdStoreError;

GQuark avd_store_error_quark (void);

/* ---- records ------------------------------------------------------------
 * Plain structs owned by the caller.  Timestamps are unix seconds (UTC).
 * Strings are NULL when the column is NULL. */

/* A registered device (table device_fingerprints). */
typedef struct {
  char *id;                 /* uuid; generated on insert when NULL */
  char *fingerprint;        /* lowercase hex SHA-256 of the public key */
  char *public_key;
  char *device_name;
  char *platform;
  char *device_type;        /* NULL = "PHONE" on insert */
  char *last_capabilities;  /* JSON text or NULL */
  char *nat_type;
  gint64 created_at;
  gint64 last_seen;
  gboolean blocked;
} AvdDeviceRecord;

/* An issued licence (table licenses).  The key itself is never stored. */
typedef struct {
  char *id;                 /* uuid */
  char *key_hash;           /* lowercase hex SHA-256 of the key */
  char *user;
  char *tier;
  gint64 created_at;
  gint64 expires_at;        /* 0 = never */
  gboolean revoked;
  gint64 revoked_at;        /* 0 unless revoked */
} AvdLicenseRecord;

/* One session, from creation to end (table session_history). */
typedef struct {
  char *id;                 /* session uuid */
  char *session_type;
  char *host_fingerprint;
  char *license_id;         /* NULL for the free tier without a licence */
  char *tier;
  gint64 started_at;
  gint64 ended_at;          /* 0 while the session runs */
  char *end_reason;         /* NULL while the session runs */
  guint participant_count;
  guint hub_migration_count;
  guint64 total_bytes_relayed;
  double avg_latency_ms;          /* < 0: nothing measured */
  double avg_packet_loss_percent; /* < 0: nothing measured */
  gint64 duration_seconds;        /* 0 while the session runs */
} AvdSessionHistoryRecord;

/* One stay of a device in a session (table session_participants).  A device
 * that leaves and joins again gets a second record. */
typedef struct {
  char *session_id;
  char *fingerprint;
  char *role;               /* "HOST", "GUEST" */
  gboolean is_licensed;
  int capability_score;     /* < 0: unknown */
  gint64 joined_at;
  gint64 left_at;           /* 0 while present */
  char *leave_reason;
  double avg_latency_ms;          /* < 0: nothing measured */
  double avg_packet_loss_percent; /* < 0: nothing measured */
  char *nat_type;
  char *candidate_type;
} AvdSessionParticipantRecord;

/* A live session kept across a graceful restart: the session manager's own
 * JSON serialisation, opaque to the store (table live_sessions). */
typedef struct {
  char *id;
  char *json;
  gint64 saved_at;          /* set by the store */
} AvdLiveSessionRecord;

AvdDeviceRecord             *avd_device_record_new                (void);
AvdDeviceRecord             *avd_device_record_copy               (const AvdDeviceRecord *record);
void                         avd_device_record_free               (AvdDeviceRecord *record);
AvdLicenseRecord            *avd_license_record_new               (void);
AvdLicenseRecord            *avd_license_record_copy              (const AvdLicenseRecord *record);
void                         avd_license_record_free              (AvdLicenseRecord *record);
AvdSessionHistoryRecord     *avd_session_history_record_new       (void);
void                         avd_session_history_record_free      (AvdSessionHistoryRecord *record);
AvdSessionParticipantRecord *avd_session_participant_record_new   (void);
void                         avd_session_participant_record_free  (AvdSessionParticipantRecord *record);
AvdLiveSessionRecord        *avd_live_session_record_new          (const char *id,
                                                                   const char *json);
void                         avd_live_session_record_free         (AvdLiveSessionRecord *record);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (AvdDeviceRecord, avd_device_record_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (AvdLicenseRecord, avd_license_record_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (AvdSessionHistoryRecord, avd_session_history_record_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (AvdSessionParticipantRecord, avd_session_participant_record_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (AvdLiveSessionRecord, avd_live_session_record_free)

/* ---- the store ----------------------------------------------------------- */

#define AVD_TYPE_STORE (avd_store_get_type ())
G_DECLARE_DERIVABLE_TYPE (AvdStore, avd_store, AVD, STORE, GObject)

/**
 * AvdStoreJob:
 * @self: the store
 * @data: what was given to avd_store_run_async() or avd_store_submit()
 * @cancellable: (nullable): the cancellable given, NULL for submitted jobs
 * @error: return location for an error
 *
 * Work run on the store's worker thread.  A job calls the store's sync API.
 *
 * Returns: TRUE on success, FALSE with @error set on failure.
 */
typedef gboolean (*AvdStoreJob) (AvdStore      *self,
                                 gpointer       data,
                                 GCancellable  *cancellable,
                                 GError       **error);

/**
 * AvdStoreClass:
 *
 * The backend's vfuncs.  The base class checks arguments and that the store
 * is open before calling them, so a backend only does the database work.
 * They may be called from the worker thread and from the owner's thread at
 * the same time: a backend serialises access to its connection itself.
 * "Not found" is NULL (or empty) without an error unless documented.
 * Timestamps reaching a vfunc are never 0 where "0 = now" is documented:
 * the base class fills them in.
 */
struct _AvdStoreClass
{
  GObjectClass parent_class;

  gboolean                 (*open)                      (AvdStore *self, GError **error);
  void                     (*close)                     (AvdStore *self);
  gboolean                 (*check)                     (AvdStore *self, GError **error);

  gboolean                 (*upsert_device)             (AvdStore *self, const AvdDeviceRecord *device, GError **error);
  AvdDeviceRecord         *(*get_device)                (AvdStore *self, const char *fingerprint, GError **error);
  GPtrArray               *(*list_devices)              (AvdStore *self, GError **error);
  gboolean                 (*set_device_blocked)        (AvdStore *self, const char *fingerprint, gboolean blocked, GError **error);
  gboolean                 (*set_device_capabilities)   (AvdStore *self, const char *fingerprint, const char *json, GError **error);
  gboolean                 (*set_device_nat_type)       (AvdStore *self, const char *fingerprint, const char *nat_type, GError **error);

  gboolean                 (*insert_license)            (AvdStore *self, const AvdLicenseRecord *license, GError **error);
  AvdLicenseRecord        *(*lookup_license_by_hash)    (AvdStore *self, const char *key_hash, GError **error);
  GPtrArray               *(*list_licenses)             (AvdStore *self, GError **error);
  gboolean                 (*revoke_license)            (AvdStore *self, const char *id_or_hash, gint64 revoked_at, GError **error);
  gboolean                 (*add_license_usage)         (AvdStore *self, const char *license_id, const char *month,
                                                         guint64 bytes, guint sessions, GError **error);
  gboolean                 (*get_license_usage)         (AvdStore *self, const char *license_id, const char *month,
                                                         guint64 *bytes, guint *sessions, GError **error);

  gboolean                 (*session_created)           (AvdStore *self, const char *id, const char *session_type,
                                                         const char *host_fingerprint, const char *license_id,
                                                         const char *tier, gint64 started_at, GError **error);
  gboolean                 (*participant_joined)        (AvdStore *self, const char *session_id, const char *fingerprint,
                                                         const char *role, gboolean is_licensed, int capability_score,
                                                         gint64 joined_at, GError **error);
  gboolean                 (*participant_left)          (AvdStore *self, const char *session_id, const char *fingerprint,
                                                         gint64 left_at, const char *reason, GError **error);
  gboolean                 (*session_stats)             (AvdStore *self, const char *session_id, const char *fingerprint,
                                                         double avg_latency_ms, double avg_packet_loss_percent,
                                                         const char *nat_type, const char *candidate_type, GError **error);
  gboolean                 (*session_ended)             (AvdStore *self, const char *id, gint64 ended_at,
                                                         const char *end_reason, guint participant_count,
                                                         guint hub_migration_count, gint64 duration_seconds,
                                                         GError **error);
  gboolean                 (*add_session_bytes)         (AvdStore *self, const char *id, guint64 bytes, GError **error);
  AvdSessionHistoryRecord *(*get_session_history)       (AvdStore *self, const char *id, GError **error);
  GPtrArray               *(*list_session_participants) (AvdStore *self, const char *session_id, GError **error);

  gboolean                 (*save_live_sessions)        (AvdStore *self, GPtrArray *sessions, GError **error);
  GPtrArray               *(*load_live_sessions)        (AvdStore *self, GError **error);
  gboolean                 (*clear_live_sessions)       (AvdStore *self, GError **error);

  gpointer padding[8];
};

AvdStore   *avd_store_new_for_config         (AvdConfig     *config,
                                              const char    *state_dir,
                                              GError       **error);

/* lifecycle (owner's thread) */
gboolean    avd_store_open                   (AvdStore      *self,
                                              GError       **error);
void        avd_store_close                  (AvdStore      *self);
gboolean    avd_store_is_open                (AvdStore      *self);
gboolean    avd_store_check                  (AvdStore      *self,
                                              GError       **error);

/* ordered execution on the store's worker thread */
void        avd_store_run_async              (AvdStore             *self,
                                              AvdStoreJob           job,
                                              gpointer              data,
                                              GDestroyNotify        destroy,
                                              GCancellable         *cancellable,
                                              GAsyncReadyCallback   callback,
                                              gpointer              user_data);
gboolean    avd_store_run_finish             (AvdStore             *self,
                                              GAsyncResult         *result,
                                              GError              **error);
gpointer    avd_store_run_get_data           (GAsyncResult         *result);
void        avd_store_submit                 (AvdStore             *self,
                                              AvdStoreJob           job,
                                              gpointer              data,
                                              GDestroyNotify        destroy);

/* devices */
gboolean          avd_store_upsert_device            (AvdStore               *self,
                                                      const AvdDeviceRecord  *device,
                                                      GError                **error);
AvdDeviceRecord  *avd_store_get_device               (AvdStore               *self,
                                                      const char             *fingerprint,
                                                      GError                **error);
void              avd_store_get_device_async         (AvdStore               *self,
                                                      const char             *fingerprint,
                                                      GCancellable           *cancellable,
                                                      GAsyncReadyCallback     callback,
                                                      gpointer                user_data);
AvdDeviceRecord  *avd_store_get_device_finish        (AvdStore               *self,
                                                      GAsyncResult           *result,
                                                      GError                **error);
GPtrArray        *avd_store_list_devices             (AvdStore               *self,
                                                      GError                **error);
gboolean          avd_store_set_device_blocked       (AvdStore               *self,
                                                      const char             *fingerprint,
                                                      gboolean                blocked,
                                                      GError                **error);
gboolean          avd_store_set_device_capabilities  (AvdStore               *self,
                                                      const char             *fingerprint,
                                                      const char             *json,
                                                      GError                **error);
gboolean          avd_store_set_device_nat_type      (AvdStore               *self,
                                                      const char             *fingerprint,
                                                      const char             *nat_type,
                                                      GError                **error);

/* licences */
gboolean          avd_store_insert_license           (AvdStore               *self,
                                                      AvdLicenseRecord       *license,
                                                      GError                **error);
AvdLicenseRecord *avd_store_lookup_license_by_hash   (AvdStore               *self,
                                                      const char             *key_hash,
                                                      GError                **error);
void              avd_store_lookup_license_async     (AvdStore               *self,
                                                      const char             *key_hash,
                                                      GCancellable           *cancellable,
                                                      GAsyncReadyCallback     callback,
                                                      gpointer                user_data);
AvdLicenseRecord *avd_store_lookup_license_finish    (AvdStore               *self,
                                                      GAsyncResult           *result,
                                                      GError                **error);
GPtrArray        *avd_store_list_licenses            (AvdStore               *self,
                                                      GError                **error);
gboolean          avd_store_revoke_license           (AvdStore               *self,
                                                      const char             *id_or_hash,
                                                      GError                **error);
gboolean          avd_store_add_license_usage        (AvdStore               *self,
                                                      const char             *license_id,
                                                      const char             *month,
                                                      guint64                 bytes,
                                                      guint                   sessions,
                                                      GError                **error);
gboolean          avd_store_get_license_usage        (AvdStore               *self,
                                                      const char             *license_id,
                                                      const char             *month,
                                                      guint64                *bytes,
                                                      guint                  *sessions,
                                                      GError                **error);
char             *avd_store_month_for_time           (gint64                  unix_seconds);

/* session history */
gboolean          avd_store_session_created          (AvdStore               *self,
                                                      const char             *id,
                                                      const char             *session_type,
                                                      const char             *host_fingerprint,
                                                      const char             *license_id,
                                                      const char             *tier,
                                                      gint64                  started_at,
                                                      GError                **error);
gboolean          avd_store_participant_joined       (AvdStore               *self,
                                                      const char             *session_id,
                                                      const char             *fingerprint,
                                                      const char             *role,
                                                      gboolean                is_licensed,
                                                      int                     capability_score,
                                                      gint64                  joined_at,
                                                      GError                **error);
gboolean          avd_store_participant_left         (AvdStore               *self,
                                                      const char             *session_id,
                                                      const char             *fingerprint,
                                                      gint64                  left_at,
                                                      const char             *reason,
                                                      GError                **error);
gboolean          avd_store_session_stats            (AvdStore               *self,
                                                      const char             *session_id,
                                                      const char             *fingerprint,
                                                      double                  avg_latency_ms,
                                                      double                  avg_packet_loss_percent,
                                                      const char             *nat_type,
                                                      const char             *candidate_type,
                                                      GError                **error);
gboolean          avd_store_session_ended            (AvdStore               *self,
                                                      const char             *id,
                                                      gint64                  ended_at,
                                                      const char             *end_reason,
                                                      guint                   participant_count,
                                                      guint                   hub_migration_count,
                                                      gint64                  duration_seconds,
                                                      GError                **error);
gboolean          avd_store_add_session_bytes        (AvdStore               *self,
                                                      const char             *id,
                                                      guint64                 bytes,
                                                      GError                **error);
AvdSessionHistoryRecord *avd_store_get_session_history (AvdStore             *self,
                                                      const char             *id,
                                                      GError                **error);
GPtrArray        *avd_store_list_session_participants (AvdStore              *self,
                                                      const char             *session_id,
                                                      GError                **error);

/* live sessions across a graceful restart */
gboolean          avd_store_save_live_sessions       (AvdStore               *self,
                                                      GPtrArray              *sessions,
                                                      GError                **error);
GPtrArray        *avd_store_load_live_sessions       (AvdStore               *self,
                                                      GError                **error);
gboolean          avd_store_clear_live_sessions      (AvdStore               *self,
                                                      GError                **error);

/* fire-and-forget ordered writes: queued behind every earlier job, failures
 * logged with g_warning (without values) */
void              avd_store_submit_upsert_device           (AvdStore              *self,
                                                            const AvdDeviceRecord *device);
void              avd_store_submit_set_device_capabilities (AvdStore              *self,
                                                            const char            *fingerprint,
                                                            const char            *json);
void              avd_store_submit_set_device_nat_type     (AvdStore              *self,
                                                            const char            *fingerprint,
                                                            const char            *nat_type);
void              avd_store_submit_add_license_usage       (AvdStore              *self,
                                                            const char            *license_id,
                                                            const char            *month,
                                                            guint64                bytes,
                                                            guint                  sessions);
void              avd_store_submit_session_created         (AvdStore              *self,
                                                            const char            *id,
                                                            const char            *session_type,
                                                            const char            *host_fingerprint,
                                                            const char            *license_id,
                                                            const char            *tier,
                                                            gint64                 started_at);
void              avd_store_submit_participant_joined      (AvdStore              *self,
                                                            const char            *session_id,
                                                            const char            *fingerprint,
                                                            const char            *role,
                                                            gboolean               is_licensed,
                                                            int                    capability_score,
                                                            gint64                 joined_at);
void              avd_store_submit_participant_left        (AvdStore              *self,
                                                            const char            *session_id,
                                                            const char            *fingerprint,
                                                            gint64                 left_at,
                                                            const char            *reason);
void              avd_store_submit_session_stats           (AvdStore              *self,
                                                            const char            *session_id,
                                                            const char            *fingerprint,
                                                            double                 avg_latency_ms,
                                                            double                 avg_packet_loss_percent,
                                                            const char            *nat_type,
                                                            const char            *candidate_type);
void              avd_store_submit_session_ended           (AvdStore              *self,
                                                            const char            *id,
                                                            gint64                 ended_at,
                                                            const char            *end_reason,
                                                            guint                  participant_count,
                                                            guint                  hub_migration_count,
                                                            gint64                 duration_seconds);
void              avd_store_submit_add_session_bytes       (AvdStore              *self,
                                                            const char            *id,
                                                            guint64                bytes);

/* for backends: the embedded migrations of one engine, in version order */
typedef struct {
  guint version;
  char *name;               /* file name, e.g. "0001_initial.sql" */
  GBytes *sql;
} AvdStoreMigration;

void        avd_store_migration_free         (AvdStoreMigration *migration);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (AvdStoreMigration, avd_store_migration_free)
GPtrArray  *avd_store_load_migrations        (const char    *engine,
                                              GError       **error);

G_END_DECLS
