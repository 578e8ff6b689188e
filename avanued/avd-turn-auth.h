/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Long-term credentials for the TURN relay (RFC 8489 §9.2): stateless
 * nonces and the REST-API keys (AvanueTurnCredentials), cached per worker. */
#pragma once

#include <glib.h>

#include "avd-turn-addr.h"

G_BEGIN_DECLS

#define AVD_TURN_NONCE_KEY_SIZE 32
/* base64 of an 8-byte timestamp and a 16-byte MAC */
#define AVD_TURN_NONCE_LEN 32
#define AVD_TURN_KEY_SIZE 16
/* Secrets tried per username; more are ignored (rotation needs two). */
#define AVD_TURN_MAX_SECRETS 8
/* RFC 8489 §14.3: USERNAME is shorter than 513 bytes. */
#define AVD_TURN_MAX_USERNAME 512

typedef enum {
  AVD_TURN_NONCE_VALID,
  AVD_TURN_NONCE_STALE,
  AVD_TURN_NONCE_INVALID,
} AvdTurnNonceStatus;

void               avd_turn_nonce_make  (const guint8       key[AVD_TURN_NONCE_KEY_SIZE],
                                         gint64             now_unix,
                                         const AvdTurnAddr *client,
                                         char               out[AVD_TURN_NONCE_LEN + 1]);
AvdTurnNonceStatus avd_turn_nonce_check (const guint8       key[AVD_TURN_NONCE_KEY_SIZE],
                                         const guint8      *nonce,
                                         gsize              nonce_len,
                                         gint64             now_unix,
                                         guint              lifetime_s,
                                         const AvdTurnAddr *client);

gboolean avd_turn_username_get_expiry  (const guint8 *username,
                                        gsize         len,
                                        gint64       *out_expiry);
gboolean avd_turn_username_get_session (const char   *username,
                                        const char  **out_session,
                                        gsize        *out_len);

guint    avd_turn_derive_keys          (const char * const *secrets,
                                        const char         *username,
                                        const guint8       *realm,
                                        gsize               realm_len,
                                        guint8              out_keys[AVD_TURN_MAX_SECRETS][AVD_TURN_KEY_SIZE]);

/* username → the long-term keys it has under each secret; per worker, no
 * lock.  Bounded: when full it starts over. */
typedef struct _AvdTurnKeyCache AvdTurnKeyCache;

AvdTurnKeyCache *avd_turn_key_cache_new    (guint            max_entries);
void             avd_turn_key_cache_free   (AvdTurnKeyCache *self);
void             avd_turn_key_cache_clear  (AvdTurnKeyCache *self);
guint            avd_turn_key_cache_size   (AvdTurnKeyCache *self);
const guint8    *avd_turn_key_cache_lookup (AvdTurnKeyCache    *self,
                                            const char * const *secrets,
                                            const guint8       *realm,
                                            gsize               realm_len,
                                            const char         *username,
                                            guint              *out_n_keys);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (AvdTurnKeyCache, avd_turn_key_cache_free)

G_END_DECLS
