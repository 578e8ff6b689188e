/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "avanue-peer-connection.h"

G_BEGIN_DECLS

/* What AvanueDataChannel asks of its connection */
void         avanue_peer_connection_flush_channels  (AvanuePeerConnection *self);
void         avanue_peer_connection_channel_closing (AvanuePeerConnection *self,
                                                     AvanueDataChannel    *channel);

/* Test hooks */
typedef enum {
  AVANUE_PEER_CONNECTION_TEST_NONE = 0,
  /* alter one hex digit of a=fingerprint in every SDP this side sends */
  AVANUE_PEER_CONNECTION_TEST_CORRUPT_FINGERPRINT = 1 << 0,
} AvanuePeerConnectionTestFlags;

void         avanue_peer_connection_set_test_flags  (AvanuePeerConnection          *self,
                                                     AvanuePeerConnectionTestFlags  flags);
const char  *avanue_peer_connection_get_local_ice_ufrag (AvanuePeerConnection      *self);
gboolean     avanue_peer_connection_get_was_connected (AvanuePeerConnection        *self);
guint        avanue_peer_connection_get_n_channels  (AvanuePeerConnection          *self);

G_END_DECLS
