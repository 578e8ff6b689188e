/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* What the TURN relay's threads share.
 *
 * AvdTurnSettings is an immutable snapshot of everything the control plane
 * may change while the relay runs (realm, secrets, peer policy, revoked
 * usernames, blocked sessions, quotas, bandwidth, lifetimes).  The control
 * thread builds a new one for every change and hands each worker its own
 * reference through the worker's command queue; a worker reads its snapshot
 * without locks and never sees it change under it.
 *
 * AvdTurnShared holds what is fixed from start to stop (listening and relay
 * addresses, port range, TLS credentials, the nonce key) and the few
 * counters that span workers: allocations per username and in total (a
 * mutex, taken once per Allocate and per deallocation), the relay ports in
 * use (atomic bitmaps), and the bytes relayed not yet reported (a mutex,
 * taken once per flush).  Nothing here is touched per packet.
 *
 * The locks are pthread mutexes rather than GMutex: GLib's futex-based
 * GMutex is invisible to ThreadSanitizer, these are not. */
#pragma once

#include <glib.h>
#include <gnutls/gnutls.h>
#include <pthread.h>

#include "avd-turn-addr.h"
#include "avd-turn-auth.h"
#include "avd-turn-policy.h"

G_BEGIN_DECLS

#define AVD_TURN_MAX_LISTEN 8

typedef enum {
  AVD_TURN_TRANSPORT_UDP,
  AVD_TURN_TRANSPORT_TCP,
  AVD_TURN_TRANSPORT_TLS,
} AvdTurnTransport;

/* The STUN error codes the relay answers with, counted in the stats. */
typedef enum {
  AVD_TURN_ERR_400,
  AVD_TURN_ERR_401,
  AVD_TURN_ERR_403,
  AVD_TURN_ERR_420,
  AVD_TURN_ERR_437,
  AVD_TURN_ERR_438,
  AVD_TURN_ERR_440,
  AVD_TURN_ERR_441,
  AVD_TURN_ERR_442,
  AVD_TURN_ERR_443,
  AVD_TURN_ERR_486,
  AVD_TURN_ERR_500,
  AVD_TURN_ERR_508,
  AVD_TURN_N_ERROR_CODES,
} AvdTurnErrorIndex;

guint avd_turn_error_code_at    (guint index);
int   avd_turn_error_index_of   (guint code);

typedef struct {
  guint64 generation;

  char *realm;
  gsize realm_len;
  GStrv secrets;
  guint nonce_lifetime_s;

  AvdTurnPolicy *policy;
  GHashTable *revoked; /* usernames, a set */
  GHashTable *blocked; /* session ids (or plain users), a set */

  guint user_quota;  /* 0 = unlimited */
  guint total_quota; /* 0 = unlimited */
  guint64 max_bps;   /* per allocation, 0 = unlimited */

  guint allocation_lifetime_s;
  guint allocation_max_lifetime_s;
  guint permission_lifetime_s;
  guint channel_lifetime_s;
} AvdTurnSettings;

AvdTurnSettings *avd_turn_settings_new   (void);
AvdTurnSettings *avd_turn_settings_copy  (const AvdTurnSettings *self);
AvdTurnSettings *avd_turn_settings_ref   (AvdTurnSettings       *self);
void             avd_turn_settings_unref (AvdTurnSettings       *self);
void             avd_turn_settings_set_secrets (AvdTurnSettings    *self,
                                                const char * const *secrets);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (AvdTurnSettings, avd_turn_settings_unref)

/* Where relays of one address family are bound and what they announce
 * ([turn] external-ip = public[/private]). */
typedef struct {
  gboolean has_public;
  AvdTurnAddr public_addr;
  gboolean has_private;
  AvdTurnAddr private_addr;
  gboolean has_default;   /* a concrete listen address of the family */
  AvdTurnAddr default_addr;
} AvdTurnRelayFamily;

typedef void (*AvdTurnNotifyFunc) (gpointer user_data);

typedef struct {
  guint64 token;
  guint family_index;
  guint16 port;
  gint64 expires_us; /* monotonic */
} AvdTurnReservation;

/* How long a reserved port waits for its RESERVATION-TOKEN. */
#define AVD_TURN_RESERVATION_US (30 * G_USEC_PER_SEC)

typedef struct {
  /* fixed from start to stop */
  guint8 nonce_key[AVD_TURN_NONCE_KEY_SIZE];
  AvdTurnAddr listen[AVD_TURN_MAX_LISTEN];
  guint n_listen;
  guint16 port;
  guint16 tls_port;
  guint16 min_port;
  guint16 max_port;
  AvdTurnRelayFamily relay[2]; /* [0] IPv4, [1] IPv6 */
  gnutls_certificate_credentials_t tls_credentials;
  gnutls_priority_t tls_priority;
  char *software;

  /* quotas */
  pthread_mutex_t quota_lock;
  GHashTable *user_allocations; /* username → GUINT_TO_POINTER (count) */
  int n_allocations;            /* atomic */

  /* relay ports held by this relay, per family; atomic */
  guint64 ports_in_use[2][65536 / 64];
  guint next_port; /* atomic cursor */

  /* ports held for a RESERVATION-TOKEN (RFC 8656 §7.2, EVEN-PORT R) */
  pthread_mutex_t reservation_lock;
  GHashTable *reservations; /* guint64 * token → AvdTurnReservation * */

  /* bytes relayed and not yet reported, per username */
  pthread_mutex_t usage_lock;
  GHashTable *pending_usage; /* username → guint64 * */
  AvdTurnNotifyFunc usage_notify; /* any thread; asks the control thread to flush */
  gpointer usage_notify_data;
} AvdTurnShared;

AvdTurnShared *avd_turn_shared_new   (void);
void           avd_turn_shared_free  (AvdTurnShared *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (AvdTurnShared, avd_turn_shared_free)

static inline guint
avd_turn_family_index (int family)
{
  return family == AF_INET6 ? 1 : 0;
}

gboolean avd_turn_shared_quota_take    (AvdTurnShared   *self,
                                        const AvdTurnSettings *settings,
                                        const char      *username);
void     avd_turn_shared_quota_release (AvdTurnShared   *self,
                                        const char      *username);
guint    avd_turn_shared_get_n_allocations (AvdTurnShared *self);

int      avd_turn_shared_port_take     (AvdTurnShared   *self,
                                        guint            family_index,
                                        gboolean         even);
void     avd_turn_shared_port_release  (AvdTurnShared   *self,
                                        guint            family_index,
                                        guint16          port);
int      avd_turn_shared_port_take_pair (AvdTurnShared  *self,
                                         guint           family_index);
guint64  avd_turn_shared_reserve       (AvdTurnShared   *self,
                                        guint            family_index,
                                        guint16          port);
gboolean avd_turn_shared_claim         (AvdTurnShared   *self,
                                        guint64          token,
                                        guint           *out_family_index,
                                        guint16         *out_port);

void     avd_turn_shared_add_usage     (AvdTurnShared   *self,
                                        const char      *username,
                                        guint64          bytes,
                                        gboolean         notify);
GHashTable *avd_turn_shared_steal_usage (AvdTurnShared  *self);

G_END_DECLS
