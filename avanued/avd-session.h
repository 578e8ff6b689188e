/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "avanue.h"
#include "avd-license-service.h"

G_BEGIN_DECLS

typedef struct _AvdConnection AvdConnection;

/* An event waiting for a participant that is offline within its grace
 * period; delivered in SESSION_REJOINED.missedEvents. */
typedef struct {
  JsonObject *event;
  gsize size;                   /* bytes on the wire */
  gint64 expires_us;            /* monotonic; 0 = until the grace ends */
} AvdMissedEvent;

typedef struct {
  char *fingerprint;
  char *device_name;
  char *platform;               /* wire names, e.g. "ANDROID" */
  char *device_type;
  gboolean is_host;
  gboolean is_licensed;
  AvanueCapabilities *capabilities;
  gboolean online;
  gint64 joined_at_ms;          /* wall clock */
  gint64 order;                 /* join order within the session */
  AvdConnection *connection;    /* not owned; NULL while offline */
  guint grace_id;
  GQueue missed;                /* AvdMissedEvent */
  gsize missed_bytes;
} AvdParticipant;

typedef struct {
  char *id;
  char *invite_code;
  char *session_type;
  char *host_fingerprint;
  char *hub_fingerprint;        /* NULL until elected */
  const AvdTier *tier;
  char *license_id;             /* NULL: anonymous free tier */
  char *license_hash;
  gint64 created_at_ms;
  gint64 expires_at_ms;         /* 0: no duration limit */
  GPtrArray *participants;      /* AvdParticipant, in join order */
  gint64 next_order;
  guint hub_migrations;
  guint max_participants_seen;
  guint timeout_id;
  guint license_check_id;
} AvdSession;

AvdParticipant *avd_participant_new          (const char      *fingerprint);
void            avd_participant_free         (AvdParticipant  *participant);
double          avd_participant_get_score    (AvdParticipant  *participant);
JsonObject     *avd_participant_to_json      (AvdParticipant  *participant,
                                              AvdSession      *session);
void            avd_participant_clear_missed (AvdParticipant  *participant);

AvdSession     *avd_session_new              (void);
void            avd_session_free             (AvdSession      *session);
AvdParticipant *avd_session_lookup           (AvdSession      *session,
                                              const char      *fingerprint);
gboolean        avd_session_remove           (AvdSession      *session,
                                              const char      *fingerprint);
JsonArray      *avd_session_participants_json (AvdSession     *session);
JsonObject     *avd_session_limits_json      (AvdSession      *session);
guint           avd_session_count_online     (AvdSession      *session);

/* Persistence across a graceful restart. */
char           *avd_session_serialize        (AvdSession      *session);
AvdSession     *avd_session_deserialize      (const char      *json,
                                              AvdLicenseService *licenses,
                                              GError         **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (AvdSession, avd_session_free)

G_END_DECLS
