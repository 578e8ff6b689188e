/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "avanue-data-channel.h"
#include "avanue-peer-connection.h"

G_BEGIN_DECLS

/* ------------------------------------------------------------------------
 * DCEP, the Data Channel Establishment Protocol (RFC 8832)
 * ------------------------------------------------------------------------ */

#define AVANUE_DCEP_DATA_CHANNEL_ACK  0x02
#define AVANUE_DCEP_DATA_CHANNEL_OPEN 0x03

/* Channel types (RFC 8832 §5.1) */
#define AVANUE_DCEP_CHANNEL_RELIABLE                          0x00
#define AVANUE_DCEP_CHANNEL_PARTIAL_RELIABLE_REXMIT           0x01
#define AVANUE_DCEP_CHANNEL_PARTIAL_RELIABLE_TIMED            0x02
#define AVANUE_DCEP_CHANNEL_RELIABLE_UNORDERED                0x80
#define AVANUE_DCEP_CHANNEL_PARTIAL_RELIABLE_REXMIT_UNORDERED 0x81
#define AVANUE_DCEP_CHANNEL_PARTIAL_RELIABLE_TIMED_UNORDERED  0x82

/* The W3C "low" priority, what browsers send by default */
#define AVANUE_DCEP_DEFAULT_PRIORITY 256

typedef struct {
  gboolean ordered;
  int max_retransmits;                  /* -1: not partially reliable by count */
  int max_packet_life_time;             /* -1: not partially reliable by time */
  guint16 priority;
  char *label;
  char *protocol;
} AvanueDcepOpen;

GBytes   *avanue_dcep_build_open (const AvanueDcepOpen *open);
gboolean  avanue_dcep_parse_open (const guint8         *data,
                                  gsize                 len,
                                  AvanueDcepOpen       *open,
                                  GError              **error);
void      avanue_dcep_open_clear (AvanueDcepOpen       *open);
GBytes   *avanue_dcep_build_ack  (void);
gboolean  avanue_dcep_is_ack     (const guint8         *data,
                                  gsize                 len);

/* ------------------------------------------------------------------------
 * The channel, as the peer connection drives it
 * ------------------------------------------------------------------------ */

/* A message waiting for room in the SCTP send buffer */
typedef struct {
  guint32 ppid;
  GBytes *data;                         /* the payload as sent (1 byte for empty) */
  gsize size;                           /* what it counts in buffered-amount */
  gboolean control;                     /* DCEP: ordered, reliable, not counted */
} AvanueDataChannelMessage;

AvanueDataChannel        *avanue_data_channel_new_internal       (AvanuePeerConnection *pc,
                                                                  const char           *label,
                                                                  const char           *protocol,
                                                                  gboolean              ordered,
                                                                  int                   max_retransmits,
                                                                  int                   max_packet_life_time,
                                                                  gboolean              negotiated,
                                                                  int                   id);
void                      avanue_data_channel_detach             (AvanueDataChannel    *self);
void                      avanue_data_channel_set_id             (AvanueDataChannel    *self,
                                                                  int                   id);
gboolean                  avanue_data_channel_is_local           (AvanueDataChannel    *self);
void                      avanue_data_channel_set_local          (AvanueDataChannel    *self,
                                                                  gboolean              local);
void                      avanue_data_channel_set_ready_state    (AvanueDataChannel    *self,
                                                                  AvanueDataChannelState state);
void                      avanue_data_channel_receive            (AvanueDataChannel    *self,
                                                                  guint32               ppid,
                                                                  GBytes               *data);
void                      avanue_data_channel_emit_error         (AvanueDataChannel    *self,
                                                                  const GError         *error);

/* the outgoing queue */
void                      avanue_data_channel_queue_control      (AvanueDataChannel    *self,
                                                                  GBytes               *dcep);
AvanueDataChannelMessage *avanue_data_channel_peek_message       (AvanueDataChannel    *self);
void                      avanue_data_channel_pop_message        (AvanueDataChannel    *self);
void                      avanue_data_channel_clear_queue        (AvanueDataChannel    *self);
gboolean                  avanue_data_channel_has_queue          (AvanueDataChannel    *self);

/* closing: the stream resets, each way */
gboolean                  avanue_data_channel_get_close_requested (AvanueDataChannel   *self);
gboolean                  avanue_data_channel_get_reset_sent     (AvanueDataChannel    *self);
void                      avanue_data_channel_set_reset_sent     (AvanueDataChannel    *self);
gboolean                  avanue_data_channel_get_outgoing_reset (AvanueDataChannel    *self);
void                      avanue_data_channel_set_outgoing_reset (AvanueDataChannel    *self);
gboolean                  avanue_data_channel_get_incoming_reset (AvanueDataChannel    *self);
void                      avanue_data_channel_set_incoming_reset (AvanueDataChannel    *self);

G_END_DECLS
