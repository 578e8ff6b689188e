/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#if !defined(__AVANUE_H_INSIDE__) && !defined(AVANUE_COMPILATION)
#error "Only <avanue.h> can be included directly."
#endif

#include <glib-object.h>
#include "avanue-version.h"

G_BEGIN_DECLS

/**
 * AVANUE_DATA_CHANNEL_ERROR:
 *
 * The error domain of [class@Avanue.DataChannel]; errors are values of
 * [enum@Avanue.DataChannelError].
 */
#define AVANUE_DATA_CHANNEL_ERROR (avanue_data_channel_error_quark ())

/**
 * AvanueDataChannelError:
 * @AVANUE_DATA_CHANNEL_ERROR_FAILED: the SCTP association refused the
 *   message for a reason not listed here
 * @AVANUE_DATA_CHANNEL_ERROR_NOT_OPEN: the channel is not open (yet, or
 *   any more)
 * @AVANUE_DATA_CHANNEL_ERROR_TOO_LARGE: the message is larger than the
 *   remote peer's `a=max-message-size`
 * @AVANUE_DATA_CHANNEL_ERROR_BUFFER_FULL: the message would take
 *   [property@Avanue.DataChannel:buffered-amount] over its hard cap; wait
 *   for [signal@Avanue.DataChannel::buffered-amount-low] and send again
 * @AVANUE_DATA_CHANNEL_ERROR_INVALID_ARGUMENT: a parameter or option is
 *   out of range (a label or protocol over 65535 bytes, both
 *   max-retransmits and max-packet-life-time, a stream id that is taken)
 * @AVANUE_DATA_CHANNEL_ERROR_NO_STREAMS: every SCTP stream the peer allows
 *   is in use
 *
 * Errors in the [error@Avanue.DataChannelError] domain.
 *
 * Since: 0.1
 */
typedef enum
{
  AVANUE_DATA_CHANNEL_ERROR_FAILED,
  AVANUE_DATA_CHANNEL_ERROR_NOT_OPEN,
  AVANUE_DATA_CHANNEL_ERROR_TOO_LARGE,
  AVANUE_DATA_CHANNEL_ERROR_BUFFER_FULL,
  AVANUE_DATA_CHANNEL_ERROR_INVALID_ARGUMENT,
  AVANUE_DATA_CHANNEL_ERROR_NO_STREAMS,
} AvanueDataChannelError;

AVANUE_AVAILABLE_IN_ALL
GQuark avanue_data_channel_error_quark (void);

/**
 * AvanueDataChannelState:
 * @AVANUE_DATA_CHANNEL_STATE_CONNECTING: waiting for the connection, or
 *   for the peer's acknowledgement of the channel
 * @AVANUE_DATA_CHANNEL_STATE_OPEN: messages can be sent both ways
 * @AVANUE_DATA_CHANNEL_STATE_CLOSING: closing: its SCTP streams are being
 *   reset
 * @AVANUE_DATA_CHANNEL_STATE_CLOSED: closed, by either side or because the
 *   connection ended
 *
 * The ready state of an [class@Avanue.DataChannel], as in the W3C
 * `RTCDataChannel.readyState`.
 *
 * Since: 0.1
 */
typedef enum
{
  AVANUE_DATA_CHANNEL_STATE_CONNECTING,
  AVANUE_DATA_CHANNEL_STATE_OPEN,
  AVANUE_DATA_CHANNEL_STATE_CLOSING,
  AVANUE_DATA_CHANNEL_STATE_CLOSED,
} AvanueDataChannelState;

/**
 * AVANUE_DATA_CHANNEL_MAX_BUFFERED_AMOUNT:
 *
 * The hard cap on [property@Avanue.DataChannel:buffered-amount]: a send
 * that would take it higher fails with
 * %AVANUE_DATA_CHANNEL_ERROR_BUFFER_FULL (16 MiB).
 *
 * Since: 0.1
 */
#define AVANUE_DATA_CHANNEL_MAX_BUFFERED_AMOUNT (16 * 1024 * 1024)

#define AVANUE_TYPE_DATA_CHANNEL_OPTIONS (avanue_data_channel_options_get_type ())

/**
 * AvanueDataChannelOptions:
 *
 * How to open an [class@Avanue.DataChannel], the `RTCDataChannelInit` of
 * the W3C API: ordered or not, partial reliability, a sub-protocol, and an
 * out-of-band negotiated stream id. A new set of options describes a
 * reliable, ordered channel.
 *
 * Since: 0.1
 */
typedef struct _AvanueDataChannelOptions AvanueDataChannelOptions;

AVANUE_AVAILABLE_IN_ALL
GType                     avanue_data_channel_options_get_type  (void) G_GNUC_CONST;
AVANUE_AVAILABLE_IN_ALL
AvanueDataChannelOptions *avanue_data_channel_options_new       (void);
AVANUE_AVAILABLE_IN_ALL
AvanueDataChannelOptions *avanue_data_channel_options_ref       (AvanueDataChannelOptions *options);
AVANUE_AVAILABLE_IN_ALL
void                      avanue_data_channel_options_unref     (AvanueDataChannelOptions *options);
AVANUE_AVAILABLE_IN_ALL
void                      avanue_data_channel_options_set_ordered (AvanueDataChannelOptions *options,
                                                                   gboolean                  ordered);
AVANUE_AVAILABLE_IN_ALL
gboolean                  avanue_data_channel_options_get_ordered (AvanueDataChannelOptions *options);
AVANUE_AVAILABLE_IN_ALL
void                      avanue_data_channel_options_set_max_retransmits (AvanueDataChannelOptions *options,
                                                                           int                       max_retransmits);
AVANUE_AVAILABLE_IN_ALL
int                       avanue_data_channel_options_get_max_retransmits (AvanueDataChannelOptions *options);
AVANUE_AVAILABLE_IN_ALL
void                      avanue_data_channel_options_set_max_packet_life_time (AvanueDataChannelOptions *options,
                                                                                int                       milliseconds);
AVANUE_AVAILABLE_IN_ALL
int                       avanue_data_channel_options_get_max_packet_life_time (AvanueDataChannelOptions *options);
AVANUE_AVAILABLE_IN_ALL
void                      avanue_data_channel_options_set_protocol (AvanueDataChannelOptions *options,
                                                                    const char               *protocol);
AVANUE_AVAILABLE_IN_ALL
const char               *avanue_data_channel_options_get_protocol (AvanueDataChannelOptions *options);
AVANUE_AVAILABLE_IN_ALL
void                      avanue_data_channel_options_set_negotiated_id (AvanueDataChannelOptions *options,
                                                                         int                       id);
AVANUE_AVAILABLE_IN_ALL
int                       avanue_data_channel_options_get_negotiated_id (AvanueDataChannelOptions *options);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (AvanueDataChannelOptions, avanue_data_channel_options_unref)

#define AVANUE_TYPE_DATA_CHANNEL (avanue_data_channel_get_type ())
AVANUE_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (AvanueDataChannel, avanue_data_channel, AVANUE, DATA_CHANNEL, GObject)

AVANUE_AVAILABLE_IN_ALL
const char             *avanue_data_channel_get_label          (AvanueDataChannel *self);
AVANUE_AVAILABLE_IN_ALL
const char             *avanue_data_channel_get_protocol       (AvanueDataChannel *self);
AVANUE_AVAILABLE_IN_ALL
int                     avanue_data_channel_get_id             (AvanueDataChannel *self);
AVANUE_AVAILABLE_IN_ALL
gboolean                avanue_data_channel_get_ordered        (AvanueDataChannel *self);
AVANUE_AVAILABLE_IN_ALL
int                     avanue_data_channel_get_max_retransmits (AvanueDataChannel *self);
AVANUE_AVAILABLE_IN_ALL
int                     avanue_data_channel_get_max_packet_life_time (AvanueDataChannel *self);
AVANUE_AVAILABLE_IN_ALL
gboolean                avanue_data_channel_get_negotiated     (AvanueDataChannel *self);
AVANUE_AVAILABLE_IN_ALL
AvanueDataChannelState  avanue_data_channel_get_ready_state    (AvanueDataChannel *self);
AVANUE_AVAILABLE_IN_ALL
guint64                 avanue_data_channel_get_buffered_amount (AvanueDataChannel *self);
AVANUE_AVAILABLE_IN_ALL
guint64                 avanue_data_channel_get_buffered_amount_low_threshold (AvanueDataChannel *self);
AVANUE_AVAILABLE_IN_ALL
void                    avanue_data_channel_set_buffered_amount_low_threshold (AvanueDataChannel *self,
                                                                               guint64            threshold);
AVANUE_AVAILABLE_IN_ALL
guint64                 avanue_data_channel_get_max_message_size (AvanueDataChannel *self);

AVANUE_AVAILABLE_IN_ALL
gboolean                avanue_data_channel_send_text          (AvanueDataChannel *self,
                                                                const char        *text,
                                                                GError           **error);
AVANUE_AVAILABLE_IN_ALL
gboolean                avanue_data_channel_send_bytes         (AvanueDataChannel *self,
                                                                GBytes            *data,
                                                                GError           **error);
AVANUE_AVAILABLE_IN_ALL
void                    avanue_data_channel_close              (AvanueDataChannel *self);

G_END_DECLS
