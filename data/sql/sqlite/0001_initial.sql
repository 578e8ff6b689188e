-- SPDX-License-Identifier: LGPL-2.1-or-later
-- avanued's durable store, SQLite: the first schema (DESIGN §10).
--
-- Applied by AvdStoreSqlite inside one transaction and recorded in
-- schema_migrations; do not edit a released migration, add the next
-- numbered file.  Ids are uuid text; times are unix seconds (UTC);
-- booleans are 0/1.  device_pairings, key_bundles, one_time_prekeys,
-- pending_messages and push_tokens come with a later migration.

-- Devices that registered with REGISTER_DEVICE (seed 000).
CREATE TABLE device_fingerprints (
  id                TEXT    PRIMARY KEY NOT NULL,
  fingerprint       TEXT    NOT NULL UNIQUE CHECK (length (fingerprint) BETWEEN 1 AND 64),
  public_key        TEXT    NOT NULL,
  device_name       TEXT    NOT NULL CHECK (length (device_name) <= 100),
  platform          TEXT    NOT NULL CHECK (length (platform) <= 20),
  device_type       TEXT    NOT NULL DEFAULT 'PHONE' CHECK (length (device_type) <= 20),
  last_capabilities TEXT,                       -- JSON
  nat_type          TEXT,
  created_at        INTEGER NOT NULL,
  last_seen         INTEGER NOT NULL,
  is_blocked        INTEGER NOT NULL DEFAULT 0 CHECK (is_blocked IN (0, 1))
);
CREATE INDEX idx_device_fingerprints_platform ON device_fingerprints (platform);

-- Licences; the key itself is never stored, only its SHA-256.
CREATE TABLE licenses (
  id         TEXT    PRIMARY KEY NOT NULL,
  key_hash   TEXT    NOT NULL UNIQUE CHECK (length (key_hash) = 64),
  user_name  TEXT    NOT NULL,
  tier       TEXT    NOT NULL,
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL DEFAULT 0,        -- 0 = never
  revoked    INTEGER NOT NULL DEFAULT 0 CHECK (revoked IN (0, 1)),
  revoked_at INTEGER NOT NULL DEFAULT 0
);

-- Relay usage per licence and calendar month (UTC), for the TURN quota.
CREATE TABLE license_usage (
  license_id    TEXT    NOT NULL REFERENCES licenses (id) ON DELETE CASCADE,
  month         TEXT    NOT NULL CHECK (month GLOB '[0-9][0-9][0-9][0-9]-[01][0-9]'),
  bytes_relayed INTEGER NOT NULL DEFAULT 0,
  sessions      INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (license_id, month)
);

-- One row per session, written at creation and completed at its end.
-- The host is kept by fingerprint so that history outlives the device row.
CREATE TABLE session_history (
  id                      TEXT    PRIMARY KEY NOT NULL,
  session_type            TEXT    NOT NULL,
  host_fingerprint        TEXT    NOT NULL,
  license_id              TEXT    REFERENCES licenses (id) ON DELETE SET NULL,
  license_tier            TEXT    NOT NULL,
  end_reason              TEXT,
  participant_count       INTEGER NOT NULL DEFAULT 0,
  hub_migration_count     INTEGER NOT NULL DEFAULT 0,
  total_bytes_relayed     INTEGER NOT NULL DEFAULT 0,
  avg_latency_ms          REAL,
  avg_packet_loss_percent REAL,
  started_at              INTEGER NOT NULL,
  ended_at                INTEGER,
  duration_seconds        INTEGER
);
CREATE INDEX idx_session_history_host ON session_history (host_fingerprint);
CREATE INDEX idx_session_history_started ON session_history (started_at);

-- One row per stay of a device in a session; a device that leaves and
-- joins again gets another row.  Connection statistics are per stay.
CREATE TABLE session_participants (
  id                      INTEGER PRIMARY KEY,
  session_id              TEXT    NOT NULL REFERENCES session_history (id) ON DELETE CASCADE,
  fingerprint             TEXT    NOT NULL,
  role                    TEXT    NOT NULL,
  is_licensed             INTEGER NOT NULL DEFAULT 0 CHECK (is_licensed IN (0, 1)),
  capability_score        INTEGER,
  joined_at               INTEGER NOT NULL,
  left_at                 INTEGER,
  leave_reason            TEXT,
  avg_latency_ms          REAL,
  avg_packet_loss_percent REAL,
  nat_type                TEXT,
  candidate_type          TEXT
);
CREATE INDEX idx_session_participants_session ON session_participants (session_id);
-- At most one open stay per device and session.
CREATE UNIQUE INDEX idx_session_participants_present
  ON session_participants (session_id, fingerprint) WHERE left_at IS NULL;

-- Live sessions saved on graceful shutdown and restored at start; the
-- session manager's own JSON, opaque here.
CREATE TABLE live_sessions (
  session_id TEXT    PRIMARY KEY NOT NULL,
  state      TEXT    NOT NULL,
  saved_at   INTEGER NOT NULL
);
