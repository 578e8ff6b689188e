/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gio/gio.h>

#include "avd-config.h"
#include "avd-turn-worker.h"

G_BEGIN_DECLS

/* Counters summed over the workers.  errors[i] counts error responses
 * with code avd_turn_error_code_at (i). */
typedef struct {
  guint allocations;           /* now */
  guint64 allocations_created; /* since start */
  guint64 packets_relayed;     /* both directions */
  guint64 bytes_relayed;       /* payload bytes, both directions */
  guint64 packets_dropped;     /* no permission, over budget, unroutable… */
  guint64 requests;            /* STUN requests answered */
  guint64 connections;         /* TCP/TLS connections accepted since start */
  guint64 wakeups;             /* worker event-loop wake-ups */
  guint64 recv_calls;          /* datagram receive system calls (batches) */
  guint64 send_calls;          /* datagram send system calls (batches) */
  guint64 errors[AVD_TURN_N_ERROR_CODES];
} AvdTurnStats;

#define AVD_TYPE_TURN_SERVER (avd_turn_server_get_type ())
G_DECLARE_FINAL_TYPE (AvdTurnServer, avd_turn_server, AVD, TURN_SERVER, GObject)

AvdTurnServer *avd_turn_server_new               (AvdConfig          *config);
gboolean       avd_turn_server_start             (AvdTurnServer      *self,
                                                  GError            **error);
void           avd_turn_server_stop              (AvdTurnServer      *self);
gboolean       avd_turn_server_is_running        (AvdTurnServer      *self);
guint          avd_turn_server_get_port          (AvdTurnServer      *self);
guint          avd_turn_server_get_tls_port      (AvdTurnServer      *self);
guint          avd_turn_server_get_n_workers     (AvdTurnServer      *self);
void           avd_turn_server_get_stats         (AvdTurnServer      *self,
                                                  AvdTurnStats       *out);

gboolean       avd_turn_server_reload            (AvdTurnServer      *self,
                                                  GError            **error);
void           avd_turn_server_set_secrets       (AvdTurnServer      *self,
                                                  const char * const *secrets);
void           avd_turn_server_revoke_username   (AvdTurnServer      *self,
                                                  const char         *username);
void           avd_turn_server_block_session     (AvdTurnServer      *self,
                                                  const char         *session_id);
void           avd_turn_server_unblock_session   (AvdTurnServer      *self,
                                                  const char         *session_id);
void           avd_turn_server_flush_usage       (AvdTurnServer      *self);

/* For tests: shorter timers than the RFC's. */
void           avd_turn_server_set_nonce_lifetime (AvdTurnServer     *self,
                                                   guint              seconds);
void           avd_turn_server_set_lifetimes     (AvdTurnServer      *self,
                                                  guint               allocation_default_s,
                                                  guint               allocation_max_s,
                                                  guint               permission_s,
                                                  guint               channel_s);

/* For the fuzz target: a worker without thread or sockets; free it with
 * avd_turn_worker_free() before the server.  It keeps the settings it was
 * made with unless given avd_turn_server_get_settings() again. */
AvdTurnSettings *avd_turn_server_get_settings      (AvdTurnServer    *self);
AvdTurnWorker *avd_turn_server_new_detached_worker (AvdTurnServer    *self,
                                                    AvdTurnOutputFunc output,
                                                    gpointer          user_data,
                                                    GError          **error);

G_END_DECLS
