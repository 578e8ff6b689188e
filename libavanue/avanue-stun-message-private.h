/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* C-only fast paths of AvanueStunMessage for code inside the project (the
 * TURN relay's data plane): no copy, no GObject allocation, plain sockaddrs.
 * Not installed, not introspected. */
#pragma once

#include <sys/socket.h>

#include "avanue-stun-message.h"

G_BEGIN_DECLS

gboolean avanue_stun_message_parse_borrowed (AvanueStunMessage *self,
                                             const guint8      *data,
                                             gsize              len,
                                             GError           **error);

gboolean avanue_stun_message_get_sockaddr (AvanueStunMessage       *self,
                                           guint                    type,
                                           gboolean                 xor_encoded,
                                           struct sockaddr_storage *out_addr,
                                           socklen_t               *out_addr_len,
                                           GError                 **error);

gboolean avanue_stun_message_add_sockaddr (AvanueStunMessage     *self,
                                           guint                  type,
                                           gboolean               xor_encoded,
                                           const struct sockaddr *addr,
                                           socklen_t              addr_len,
                                           GError               **error);

void avanue_stun_compute_long_term_key_raw (const guint8 *username,
                                            gsize         username_len,
                                            const guint8 *realm,
                                            gsize         realm_len,
                                            const guint8 *password,
                                            gsize         password_len,
                                            guint8        out_key[AVANUE_STUN_LONG_TERM_KEY_SIZE]);

void avanue_stun_write_channel_data_header (guint8  out[4],
                                            guint16 channel,
                                            guint16 payload_len);

G_END_DECLS
