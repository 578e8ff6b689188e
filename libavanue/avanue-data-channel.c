/* SPDX-License-Identifier: LGPL-2.1-or-later */
/**
 * AvanueDataChannel:
 *
 * A WebRTC data channel (RFC 8831) on an [class@Avanue.PeerConnection]:
 * a bidirectional stream of messages, text or binary, that a browser's
 * `RTCDataChannel` can be at the other end of.
 *
 * Channels are opened with
 * [method@Avanue.PeerConnection.create_data_channel], or by the peer (then
 * the connection emits [signal@Avanue.PeerConnection::data-channel]). In
 * band, the side that opens a channel sends a `DATA_CHANNEL_OPEN` of the
 * Data Channel Establishment Protocol (RFC 8832) on an SCTP stream whose
 * number is even for the DTLS client and odd for the DTLS server, and the
 * channel is open once the peer acknowledges it. A channel created with a
 * negotiated id ([method@Avanue.DataChannelOptions.set_negotiated_id])
 * uses no DCEP: both sides create it with the same id and it opens as soon
 * as the connection is up.
 *
 * ## Sending
 *
 * [method@Avanue.DataChannel.send_text] and
 * [method@Avanue.DataChannel.send_bytes] queue one message each; the
 * connection hands it to SCTP at once if there is room in the
 * association's send buffer, and later otherwise.
 * [property@Avanue.DataChannel:buffered-amount] counts the bytes queued
 * and not yet handed over. A message may be at most
 * [property@Avanue.DataChannel:max-message-size] bytes, the peer's
 * `a=max-message-size` (browsers: 262144). Text is sent with the string
 * payload identifier and arrives as a `string` in browsers; bytes arrive
 * as an `ArrayBuffer` or `Blob`.
 *
 * Flow control works as in browsers: to stream a large amount of data,
 * send while the buffered amount is below some high-water mark, then wait
 * for [signal@Avanue.DataChannel::buffered-amount-low], emitted when the
 * buffered amount falls to
 * [property@Avanue.DataChannel:buffered-amount-low-threshold] or below.
 * Memory stays bounded: a send that would take the buffered amount over
 * %AVANUE_DATA_CHANNEL_MAX_BUFFERED_AMOUNT fails with
 * %AVANUE_DATA_CHANNEL_ERROR_BUFFER_FULL and queues nothing, instead of
 * blocking or growing without end.
 *
 * ## Closing
 *
 * [method@Avanue.DataChannel.close] lets the queued messages go out, then
 * resets the channel's outgoing SCTP stream (RFC 8831 §6.7); the peer
 * resets its own in answer, and both sides see
 * [signal@Avanue.DataChannel::closed]. A channel also closes when its
 * connection closes or is lost.
 *
 * Use a channel from the thread of its connection, whose main context
 * runs its signals. Keep a reference to the connection: the channel does
 * not keep it alive, and a connection that is finalized closes its
 * channels.
 *
 * Since: 0.1
 */
#include "config.h"

#include <string.h>

#include "avanue-data-channel-private.h"
#include "avanue-enum-types.h"
#include "avanue-peer-connection-private.h"
#include "avanue-sctp-transport-private.h"

struct _AvanueDataChannelOptions
{
  gboolean ordered;
  int max_retransmits;
  int max_packet_life_time;
  char *protocol;
  int negotiated_id;
};

struct _AvanueDataChannel
{
  GObject parent_instance;

  AvanuePeerConnection *pc;             /* not a reference: the connection owns us */
  char *label;
  char *protocol;
  int id;
  gboolean ordered;
  int max_retransmits;
  int max_packet_life_time;
  gboolean negotiated;
  gboolean local;                       /* opened by this side */
  AvanueDataChannelState state;

  GQueue queue;                         /* AvanueDataChannelMessage */
  guint64 buffered_amount;
  guint64 low_threshold;
  GSource *low_source;

  gboolean close_requested;
  gboolean reset_sent;
  gboolean outgoing_reset;
  gboolean incoming_reset;
};

G_DEFINE_FINAL_TYPE (AvanueDataChannel, avanue_data_channel, G_TYPE_OBJECT)

G_DEFINE_QUARK (avanue-data-channel-error-quark, avanue_data_channel_error)

enum {
  PROP_0,
  PROP_LABEL,
  PROP_PROTOCOL,
  PROP_ID,
  PROP_ORDERED,
  PROP_MAX_RETRANSMITS,
  PROP_MAX_PACKET_LIFE_TIME,
  PROP_NEGOTIATED,
  PROP_READY_STATE,
  PROP_BUFFERED_AMOUNT,
  PROP_BUFFERED_AMOUNT_LOW_THRESHOLD,
  PROP_MAX_MESSAGE_SIZE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

enum {
  SIGNAL_OPEN,
  SIGNAL_MESSAGE,
  SIGNAL_BUFFERED_AMOUNT_LOW,
  SIGNAL_ERROR,
  SIGNAL_CLOSED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

/* ------------------------------------------------------------------------
 * Options
 * ------------------------------------------------------------------------ */

G_DEFINE_BOXED_TYPE (AvanueDataChannelOptions, avanue_data_channel_options,
                     avanue_data_channel_options_ref, avanue_data_channel_options_unref)

/**
 * avanue_data_channel_options_new:
 *
 * Creates options for a reliable, ordered channel without a protocol,
 * negotiated in band.
 *
 * Returns: (transfer full): new options
 *
 * Since: 0.1
 */
AvanueDataChannelOptions *
avanue_data_channel_options_new (void)
{
  AvanueDataChannelOptions *options = g_atomic_rc_box_new0 (AvanueDataChannelOptions);

  options->ordered = TRUE;
  options->max_retransmits = -1;
  options->max_packet_life_time = -1;
  options->negotiated_id = -1;
  return options;
}

/**
 * avanue_data_channel_options_ref:
 * @options: the options
 *
 * Takes a reference on @options.
 *
 * Returns: (transfer full): @options
 *
 * Since: 0.1
 */
AvanueDataChannelOptions *
avanue_data_channel_options_ref (AvanueDataChannelOptions *options)
{
  g_return_val_if_fail (options != NULL, NULL);
  return g_atomic_rc_box_acquire (options);
}

static void
options_clear (gpointer data)
{
  AvanueDataChannelOptions *options = data;

  g_free (options->protocol);
}

/**
 * avanue_data_channel_options_unref:
 * @options: (transfer full): the options
 *
 * Drops a reference on @options.
 *
 * Since: 0.1
 */
void
avanue_data_channel_options_unref (AvanueDataChannelOptions *options)
{
  g_return_if_fail (options != NULL);
  g_atomic_rc_box_release_full (options, options_clear);
}

/**
 * avanue_data_channel_options_set_ordered:
 * @options: the options
 * @ordered: whether messages arrive in the order they were sent
 *
 * Sets whether the channel delivers messages in order (the default) or
 * as they arrive.
 *
 * Since: 0.1
 */
void
avanue_data_channel_options_set_ordered (AvanueDataChannelOptions *options,
                                         gboolean                  ordered)
{
  g_return_if_fail (options != NULL);
  options->ordered = !!ordered;
}

/**
 * avanue_data_channel_options_get_ordered:
 * @options: the options
 *
 * Gets whether the channel delivers messages in order.
 *
 * Returns: %TRUE for an ordered channel
 *
 * Since: 0.1
 */
gboolean
avanue_data_channel_options_get_ordered (AvanueDataChannelOptions *options)
{
  g_return_val_if_fail (options != NULL, TRUE);
  return options->ordered;
}

/**
 * avanue_data_channel_options_set_max_retransmits:
 * @options: the options
 * @max_retransmits: how many times a message is retransmitted at most, or
 *   -1 for no limit
 *
 * Makes the channel partially reliable (RFC 3758): a message is given up
 * after this many retransmissions; 0 sends each message once. Cannot be
 * combined with
 * [method@Avanue.DataChannelOptions.set_max_packet_life_time].
 *
 * Since: 0.1
 */
void
avanue_data_channel_options_set_max_retransmits (AvanueDataChannelOptions *options,
                                                 int                       max_retransmits)
{
  g_return_if_fail (options != NULL);
  options->max_retransmits = MAX (max_retransmits, -1);
}

/**
 * avanue_data_channel_options_get_max_retransmits:
 * @options: the options
 *
 * Gets the retransmission limit.
 *
 * Returns: the limit, or -1 for none
 *
 * Since: 0.1
 */
int
avanue_data_channel_options_get_max_retransmits (AvanueDataChannelOptions *options)
{
  g_return_val_if_fail (options != NULL, -1);
  return options->max_retransmits;
}

/**
 * avanue_data_channel_options_set_max_packet_life_time:
 * @options: the options
 * @milliseconds: how long a message is retransmitted at most, or -1 for
 *   no limit
 *
 * Makes the channel partially reliable by time: a message that could not
 * be delivered within this many milliseconds is given up. Cannot be
 * combined with [method@Avanue.DataChannelOptions.set_max_retransmits].
 *
 * Since: 0.1
 */
void
avanue_data_channel_options_set_max_packet_life_time (AvanueDataChannelOptions *options,
                                                      int                       milliseconds)
{
  g_return_if_fail (options != NULL);
  options->max_packet_life_time = MAX (milliseconds, -1);
}

/**
 * avanue_data_channel_options_get_max_packet_life_time:
 * @options: the options
 *
 * Gets the time limit for retransmissions.
 *
 * Returns: the limit in milliseconds, or -1 for none
 *
 * Since: 0.1
 */
int
avanue_data_channel_options_get_max_packet_life_time (AvanueDataChannelOptions *options)
{
  g_return_val_if_fail (options != NULL, -1);
  return options->max_packet_life_time;
}

/**
 * avanue_data_channel_options_set_protocol:
 * @options: the options
 * @protocol: (nullable): the sub-protocol name, or %NULL for none
 *
 * Sets the name of the sub-protocol the application speaks on the
 * channel; the peer sees it.
 *
 * Since: 0.1
 */
void
avanue_data_channel_options_set_protocol (AvanueDataChannelOptions *options,
                                          const char               *protocol)
{
  g_return_if_fail (options != NULL);
  g_free (options->protocol);
  options->protocol = g_strdup (protocol);
}

/**
 * avanue_data_channel_options_get_protocol:
 * @options: the options
 *
 * Gets the sub-protocol name.
 *
 * Returns: (nullable): the protocol, or %NULL
 *
 * Since: 0.1
 */
const char *
avanue_data_channel_options_get_protocol (AvanueDataChannelOptions *options)
{
  g_return_val_if_fail (options != NULL, NULL);
  return options->protocol;
}

/**
 * avanue_data_channel_options_set_negotiated_id:
 * @options: the options
 * @id: the SCTP stream id both sides agreed on (0 to 1023), or -1 to
 *   negotiate in band
 *
 * Makes the channel negotiated out of band (the W3C `negotiated: true`):
 * no DCEP message is sent, and the application creates the channel with
 * the same id on both sides.
 *
 * Since: 0.1
 */
void
avanue_data_channel_options_set_negotiated_id (AvanueDataChannelOptions *options,
                                               int                       id)
{
  g_return_if_fail (options != NULL);
  options->negotiated_id = MAX (id, -1);
}

/**
 * avanue_data_channel_options_get_negotiated_id:
 * @options: the options
 *
 * Gets the out-of-band negotiated stream id.
 *
 * Returns: the id, or -1 for a channel negotiated in band
 *
 * Since: 0.1
 */
int
avanue_data_channel_options_get_negotiated_id (AvanueDataChannelOptions *options)
{
  g_return_val_if_fail (options != NULL, -1);
  return options->negotiated_id;
}

/* ------------------------------------------------------------------------
 * DCEP
 * ------------------------------------------------------------------------ */

GBytes *
avanue_dcep_build_open (const AvanueDcepOpen *open)
{
  gsize label_len = open->label != NULL ? strlen (open->label) : 0;
  gsize protocol_len = open->protocol != NULL ? strlen (open->protocol) : 0;
  guint8 type;
  guint32 reliability = 0;
  guint8 *buffer;

  g_return_val_if_fail (label_len <= G_MAXUINT16 && protocol_len <= G_MAXUINT16, NULL);

  if (open->max_retransmits >= 0)
    {
      type = AVANUE_DCEP_CHANNEL_PARTIAL_RELIABLE_REXMIT;
      reliability = (guint32) open->max_retransmits;
    }
  else if (open->max_packet_life_time >= 0)
    {
      type = AVANUE_DCEP_CHANNEL_PARTIAL_RELIABLE_TIMED;
      reliability = (guint32) open->max_packet_life_time;
    }
  else
    {
      type = AVANUE_DCEP_CHANNEL_RELIABLE;
    }
  if (!open->ordered)
    type |= 0x80;

  buffer = g_malloc (12 + label_len + protocol_len);
  buffer[0] = AVANUE_DCEP_DATA_CHANNEL_OPEN;
  buffer[1] = type;
  buffer[2] = (guint8) (open->priority >> 8);
  buffer[3] = (guint8) open->priority;
  buffer[4] = (guint8) (reliability >> 24);
  buffer[5] = (guint8) (reliability >> 16);
  buffer[6] = (guint8) (reliability >> 8);
  buffer[7] = (guint8) reliability;
  buffer[8] = (guint8) (label_len >> 8);
  buffer[9] = (guint8) label_len;
  buffer[10] = (guint8) (protocol_len >> 8);
  buffer[11] = (guint8) protocol_len;
  if (label_len > 0)
    memcpy (buffer + 12, open->label, label_len);
  if (protocol_len > 0)
    memcpy (buffer + 12 + label_len, open->protocol, protocol_len);
  return g_bytes_new_take (buffer, 12 + label_len + protocol_len);
}

void
avanue_dcep_open_clear (AvanueDcepOpen *open)
{
  g_clear_pointer (&open->label, g_free);
  g_clear_pointer (&open->protocol, g_free);
}

gboolean
avanue_dcep_parse_open (const guint8    *data,
                        gsize            len,
                        AvanueDcepOpen  *open,
                        GError         **error)
{
  guint16 label_len, protocol_len;
  guint32 reliability;
  guint8 type;

  g_return_val_if_fail (open != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  memset (open, 0, sizeof *open);
  if (data == NULL || len < 12 || data[0] != AVANUE_DCEP_DATA_CHANNEL_OPEN)
    {
      g_set_error_literal (error, AVANUE_DATA_CHANNEL_ERROR, AVANUE_DATA_CHANNEL_ERROR_INVALID_ARGUMENT,
                           "Not a DATA_CHANNEL_OPEN message");
      return FALSE;
    }
  type = data[1];
  reliability = ((guint32) data[4] << 24) | ((guint32) data[5] << 16) | ((guint32) data[6] << 8) | data[7];
  label_len = (guint16) ((data[8] << 8) | data[9]);
  protocol_len = (guint16) ((data[10] << 8) | data[11]);
  if ((gsize) 12 + label_len + protocol_len != len)
    {
      g_set_error_literal (error, AVANUE_DATA_CHANNEL_ERROR, AVANUE_DATA_CHANNEL_ERROR_INVALID_ARGUMENT,
                           "DATA_CHANNEL_OPEN: the lengths do not match the message");
      return FALSE;
    }
  if (!g_utf8_validate_len ((const char *) data + 12, label_len, NULL) ||
      !g_utf8_validate_len ((const char *) data + 12 + label_len, protocol_len, NULL) ||
      memchr (data + 12, 0, label_len + protocol_len) != NULL)
    {
      g_set_error_literal (error, AVANUE_DATA_CHANNEL_ERROR, AVANUE_DATA_CHANNEL_ERROR_INVALID_ARGUMENT,
                           "DATA_CHANNEL_OPEN: the label or protocol is not UTF-8 text");
      return FALSE;
    }

  open->ordered = (type & 0x80) == 0;
  open->max_retransmits = -1;
  open->max_packet_life_time = -1;
  switch (type & 0x7f)
    {
    case AVANUE_DCEP_CHANNEL_RELIABLE:
      break;
    case AVANUE_DCEP_CHANNEL_PARTIAL_RELIABLE_REXMIT:
      open->max_retransmits = (int) MIN (reliability, (guint32) G_MAXINT);
      break;
    case AVANUE_DCEP_CHANNEL_PARTIAL_RELIABLE_TIMED:
      open->max_packet_life_time = (int) MIN (reliability, (guint32) G_MAXINT);
      break;
    default:
      g_set_error (error, AVANUE_DATA_CHANNEL_ERROR, AVANUE_DATA_CHANNEL_ERROR_INVALID_ARGUMENT,
                   "DATA_CHANNEL_OPEN: unknown channel type 0x%02x", type);
      return FALSE;
    }
  open->priority = (guint16) ((data[2] << 8) | data[3]);
  open->label = g_strndup ((const char *) data + 12, label_len);
  open->protocol = g_strndup ((const char *) data + 12 + label_len, protocol_len);
  return TRUE;
}

GBytes *
avanue_dcep_build_ack (void)
{
  static const guint8 ack[] = { AVANUE_DCEP_DATA_CHANNEL_ACK };

  return g_bytes_new_static (ack, sizeof ack);
}

gboolean
avanue_dcep_is_ack (const guint8 *data,
                    gsize         len)
{
  /* RFC 8832 §5.2: one byte; tolerate trailing bytes as browsers do */
  return data != NULL && len >= 1 && data[0] == AVANUE_DCEP_DATA_CHANNEL_ACK;
}

/* ------------------------------------------------------------------------
 * The outgoing queue
 * ------------------------------------------------------------------------ */

static void
message_free (gpointer data)
{
  AvanueDataChannelMessage *message = data;

  g_bytes_unref (message->data);
  g_free (message);
}

static gboolean
emit_buffered_amount_low_cb (gpointer user_data)
{
  AvanueDataChannel *self = user_data;

  g_clear_pointer (&self->low_source, g_source_unref);
  if (self->buffered_amount <= self->low_threshold && self->state != AVANUE_DATA_CHANNEL_STATE_CLOSED)
    g_signal_emit (self, signals[SIGNAL_BUFFERED_AMOUNT_LOW], 0);
  return G_SOURCE_REMOVE;
}

/* Deferred to the main loop, so that a handler that sends more does not
 * recurse through the connection's flush. */
static void
schedule_buffered_amount_low (AvanueDataChannel *self)
{
  if (self->low_source != NULL)
    return;
  self->low_source = g_idle_source_new ();
  g_source_set_callback (self->low_source, emit_buffered_amount_low_cb, self, NULL);
  g_source_set_static_name (self->low_source, "[avanue] buffered-amount-low");
  g_source_attach (self->low_source, g_main_context_get_thread_default ());
}

static void
set_buffered_amount (AvanueDataChannel *self,
                     guint64            amount)
{
  gboolean crossed = self->buffered_amount > self->low_threshold && amount <= self->low_threshold;

  if (self->buffered_amount == amount)
    return;
  self->buffered_amount = amount;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_BUFFERED_AMOUNT]);
  if (crossed)
    schedule_buffered_amount_low (self);
}

static void
enqueue (AvanueDataChannel *self,
         guint32            ppid,
         GBytes            *data,
         gsize              size,
         gboolean           control)
{
  AvanueDataChannelMessage *message = g_new0 (AvanueDataChannelMessage, 1);

  message->ppid = ppid;
  message->data = g_bytes_ref (data);
  message->size = size;
  message->control = control;
  if (control)
    {
      /* before any data, after any earlier control message */
      GList *link = self->queue.head;
      guint position = 0;

      while (link != NULL && ((AvanueDataChannelMessage *) link->data)->control)
        {
          link = link->next;
          position++;
        }
      g_queue_push_nth (&self->queue, message, (int) position);
    }
  else
    {
      g_queue_push_tail (&self->queue, message);
      set_buffered_amount (self, self->buffered_amount + size);
    }
}

void
avanue_data_channel_queue_control (AvanueDataChannel *self,
                                   GBytes            *dcep)
{
  enqueue (self, AVANUE_SCTP_PPID_DCEP, dcep, g_bytes_get_size (dcep), TRUE);
}

AvanueDataChannelMessage *
avanue_data_channel_peek_message (AvanueDataChannel *self)
{
  return g_queue_peek_head (&self->queue);
}

void
avanue_data_channel_pop_message (AvanueDataChannel *self)
{
  AvanueDataChannelMessage *message = g_queue_pop_head (&self->queue);

  if (message == NULL)
    return;
  if (!message->control)
    set_buffered_amount (self, self->buffered_amount - MIN (message->size, self->buffered_amount));
  message_free (message);
}

void
avanue_data_channel_clear_queue (AvanueDataChannel *self)
{
  g_queue_clear_full (&self->queue, message_free);
  set_buffered_amount (self, 0);
}

gboolean
avanue_data_channel_has_queue (AvanueDataChannel *self)
{
  return !g_queue_is_empty (&self->queue);
}

/* ------------------------------------------------------------------------
 * Internal API for the connection
 * ------------------------------------------------------------------------ */

AvanueDataChannel *
avanue_data_channel_new_internal (AvanuePeerConnection *pc,
                                  const char           *label,
                                  const char           *protocol,
                                  gboolean              ordered,
                                  int                   max_retransmits,
                                  int                   max_packet_life_time,
                                  gboolean              negotiated,
                                  int                   id)
{
  AvanueDataChannel *self = g_object_new (AVANUE_TYPE_DATA_CHANNEL, NULL);

  self->pc = pc;
  self->label = g_strdup (label != NULL ? label : "");
  self->protocol = g_strdup (protocol != NULL ? protocol : "");
  self->ordered = ordered;
  self->max_retransmits = max_retransmits;
  self->max_packet_life_time = max_packet_life_time;
  self->negotiated = negotiated;
  self->id = id;
  return self;
}

void
avanue_data_channel_detach (AvanueDataChannel *self)
{
  avanue_data_channel_clear_queue (self);
  avanue_data_channel_set_ready_state (self, AVANUE_DATA_CHANNEL_STATE_CLOSED);
  self->pc = NULL;
}

void
avanue_data_channel_set_id (AvanueDataChannel *self,
                            int                id)
{
  if (self->id == id)
    return;
  self->id = id;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ID]);
}

gboolean
avanue_data_channel_is_local (AvanueDataChannel *self)
{
  return self->local;
}

void
avanue_data_channel_set_local (AvanueDataChannel *self,
                               gboolean           local)
{
  self->local = local;
}

void
avanue_data_channel_set_ready_state (AvanueDataChannel      *self,
                                     AvanueDataChannelState  state)
{
  if (self->state == state || self->state == AVANUE_DATA_CHANNEL_STATE_CLOSED)
    return;
  /* a handler may drop the last reference */
  g_object_ref (self);
  self->state = state;
  if (state == AVANUE_DATA_CHANNEL_STATE_CLOSED)
    {
      g_queue_clear_full (&self->queue, message_free);
      self->buffered_amount = 0;
      if (self->low_source != NULL)
        {
          g_source_destroy (self->low_source);
          g_clear_pointer (&self->low_source, g_source_unref);
        }
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_BUFFERED_AMOUNT]);
    }
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_READY_STATE]);
  if (state == AVANUE_DATA_CHANNEL_STATE_OPEN)
    g_signal_emit (self, signals[SIGNAL_OPEN], 0);
  else if (state == AVANUE_DATA_CHANNEL_STATE_CLOSED)
    g_signal_emit (self, signals[SIGNAL_CLOSED], 0);
  g_object_unref (self);
}

void
avanue_data_channel_receive (AvanueDataChannel *self,
                             guint32            ppid,
                             GBytes            *data)
{
  g_autoptr(GBytes) payload = NULL;
  gboolean is_text;

  switch (ppid)
    {
    case AVANUE_SCTP_PPID_STRING:
      payload = g_bytes_ref (data);
      is_text = TRUE;
      break;
    case AVANUE_SCTP_PPID_BINARY:
      payload = g_bytes_ref (data);
      is_text = FALSE;
      break;
    case AVANUE_SCTP_PPID_STRING_EMPTY:
      payload = g_bytes_new (NULL, 0);
      is_text = TRUE;
      break;
    case AVANUE_SCTP_PPID_BINARY_EMPTY:
      payload = g_bytes_new (NULL, 0);
      is_text = FALSE;
      break;
    default:
      /* the deprecated partial PPIDs 52 and 54, or anything else */
      g_debug ("data channel %d: dropping a message with PPID %u", self->id, ppid);
      return;
    }
  g_signal_emit (self, signals[SIGNAL_MESSAGE], 0, payload, is_text);
}

void
avanue_data_channel_emit_error (AvanueDataChannel *self,
                                const GError      *error)
{
  g_signal_emit (self, signals[SIGNAL_ERROR], 0, error);
}

gboolean
avanue_data_channel_get_close_requested (AvanueDataChannel *self)
{
  return self->close_requested;
}

gboolean
avanue_data_channel_get_reset_sent (AvanueDataChannel *self)
{
  return self->reset_sent;
}

void
avanue_data_channel_set_reset_sent (AvanueDataChannel *self)
{
  self->reset_sent = TRUE;
}

gboolean
avanue_data_channel_get_outgoing_reset (AvanueDataChannel *self)
{
  return self->outgoing_reset;
}

void
avanue_data_channel_set_outgoing_reset (AvanueDataChannel *self)
{
  self->outgoing_reset = TRUE;
}

gboolean
avanue_data_channel_get_incoming_reset (AvanueDataChannel *self)
{
  return self->incoming_reset;
}

void
avanue_data_channel_set_incoming_reset (AvanueDataChannel *self)
{
  self->incoming_reset = TRUE;
}

/* ------------------------------------------------------------------------
 * GObject
 * ------------------------------------------------------------------------ */

static void
avanue_data_channel_dispose (GObject *object)
{
  AvanueDataChannel *self = AVANUE_DATA_CHANNEL (object);

  if (self->low_source != NULL)
    {
      g_source_destroy (self->low_source);
      g_clear_pointer (&self->low_source, g_source_unref);
    }
  G_OBJECT_CLASS (avanue_data_channel_parent_class)->dispose (object);
}

static void
avanue_data_channel_finalize (GObject *object)
{
  AvanueDataChannel *self = AVANUE_DATA_CHANNEL (object);

  g_queue_clear_full (&self->queue, message_free);
  g_free (self->label);
  g_free (self->protocol);
  G_OBJECT_CLASS (avanue_data_channel_parent_class)->finalize (object);
}

static void
avanue_data_channel_get_property (GObject    *object,
                                  guint       prop_id,
                                  GValue     *value,
                                  GParamSpec *pspec)
{
  AvanueDataChannel *self = AVANUE_DATA_CHANNEL (object);

  switch (prop_id)
    {
    case PROP_LABEL:
      g_value_set_string (value, self->label);
      break;
    case PROP_PROTOCOL:
      g_value_set_string (value, self->protocol);
      break;
    case PROP_ID:
      g_value_set_int (value, self->id);
      break;
    case PROP_ORDERED:
      g_value_set_boolean (value, self->ordered);
      break;
    case PROP_MAX_RETRANSMITS:
      g_value_set_int (value, self->max_retransmits);
      break;
    case PROP_MAX_PACKET_LIFE_TIME:
      g_value_set_int (value, self->max_packet_life_time);
      break;
    case PROP_NEGOTIATED:
      g_value_set_boolean (value, self->negotiated);
      break;
    case PROP_READY_STATE:
      g_value_set_enum (value, self->state);
      break;
    case PROP_BUFFERED_AMOUNT:
      g_value_set_uint64 (value, self->buffered_amount);
      break;
    case PROP_BUFFERED_AMOUNT_LOW_THRESHOLD:
      g_value_set_uint64 (value, self->low_threshold);
      break;
    case PROP_MAX_MESSAGE_SIZE:
      g_value_set_uint64 (value, avanue_data_channel_get_max_message_size (self));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
avanue_data_channel_set_property (GObject      *object,
                                  guint         prop_id,
                                  const GValue *value,
                                  GParamSpec   *pspec)
{
  AvanueDataChannel *self = AVANUE_DATA_CHANNEL (object);

  switch (prop_id)
    {
    case PROP_BUFFERED_AMOUNT_LOW_THRESHOLD:
      avanue_data_channel_set_buffered_amount_low_threshold (self, g_value_get_uint64 (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
avanue_data_channel_class_init (AvanueDataChannelClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags ro = G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY;

  object_class->dispose = avanue_data_channel_dispose;
  object_class->finalize = avanue_data_channel_finalize;
  object_class->get_property = avanue_data_channel_get_property;
  object_class->set_property = avanue_data_channel_set_property;

  /**
   * AvanueDataChannel:label:
   *
   * The channel's label, as given by the side that opened it; may be
   * empty.
   *
   * Since: 0.1
   */
  properties[PROP_LABEL] = g_param_spec_string ("label", NULL, NULL, "", ro);

  /**
   * AvanueDataChannel:protocol:
   *
   * The sub-protocol name given by the side that opened the channel; may
   * be empty.
   *
   * Since: 0.1
   */
  properties[PROP_PROTOCOL] = g_param_spec_string ("protocol", NULL, NULL, "", ro);

  /**
   * AvanueDataChannel:id:
   *
   * The SCTP stream id of the channel, or -1 until the connection is up
   * and one is chosen.
   *
   * Since: 0.1
   */
  properties[PROP_ID] = g_param_spec_int ("id", NULL, NULL, -1, G_MAXUINT16, -1, ro);

  /**
   * AvanueDataChannel:ordered:
   *
   * Whether messages are delivered in the order they were sent.
   *
   * Since: 0.1
   */
  properties[PROP_ORDERED] = g_param_spec_boolean ("ordered", NULL, NULL, TRUE, ro);

  /**
   * AvanueDataChannel:max-retransmits:
   *
   * How many times a message is retransmitted at most, or -1 when the
   * channel is not partially reliable by count.
   *
   * Since: 0.1
   */
  properties[PROP_MAX_RETRANSMITS] = g_param_spec_int ("max-retransmits", NULL, NULL, -1, G_MAXINT, -1, ro);

  /**
   * AvanueDataChannel:max-packet-life-time:
   *
   * How long, in milliseconds, a message is retransmitted at most, or -1
   * when the channel is not partially reliable by time.
   *
   * Since: 0.1
   */
  properties[PROP_MAX_PACKET_LIFE_TIME] =
    g_param_spec_int ("max-packet-life-time", NULL, NULL, -1, G_MAXINT, -1, ro);

  /**
   * AvanueDataChannel:negotiated:
   *
   * Whether the channel was negotiated out of band, with an id both sides
   * agreed on, rather than with DCEP.
   *
   * Since: 0.1
   */
  properties[PROP_NEGOTIATED] = g_param_spec_boolean ("negotiated", NULL, NULL, FALSE, ro);

  /**
   * AvanueDataChannel:ready-state:
   *
   * Whether the channel is connecting, open, closing or closed.
   *
   * Since: 0.1
   */
  properties[PROP_READY_STATE] =
    g_param_spec_enum ("ready-state", NULL, NULL, AVANUE_TYPE_DATA_CHANNEL_STATE,
                       AVANUE_DATA_CHANNEL_STATE_CONNECTING, ro);

  /**
   * AvanueDataChannel:buffered-amount:
   *
   * Bytes of messages sent on this channel and not yet handed to SCTP,
   * because its send buffer is full. Empty messages count 0.
   *
   * Since: 0.1
   */
  properties[PROP_BUFFERED_AMOUNT] =
    g_param_spec_uint64 ("buffered-amount", NULL, NULL, 0, G_MAXUINT64, 0, ro);

  /**
   * AvanueDataChannel:buffered-amount-low-threshold:
   *
   * When [property@Avanue.DataChannel:buffered-amount] falls from above
   * this value to it or below,
   * [signal@Avanue.DataChannel::buffered-amount-low] is emitted. 0 by
   * default.
   *
   * Since: 0.1
   */
  properties[PROP_BUFFERED_AMOUNT_LOW_THRESHOLD] =
    g_param_spec_uint64 ("buffered-amount-low-threshold", NULL, NULL, 0, G_MAXUINT64, 0,
                         G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  /**
   * AvanueDataChannel:max-message-size:
   *
   * The largest message the peer accepts, in bytes: its
   * `a=max-message-size`, at most 1 MiB (the SCTP send buffer), or 65536
   * when it gave none. 0 until the connection has the peer's session
   * description.
   *
   * Since: 0.1
   */
  properties[PROP_MAX_MESSAGE_SIZE] =
    g_param_spec_uint64 ("max-message-size", NULL, NULL, 0, G_MAXUINT64, 0, ro);

  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * AvanueDataChannel::open:
   * @self: the channel
   *
   * The channel is open: messages can be sent both ways.
   *
   * Since: 0.1
   */
  signals[SIGNAL_OPEN] =
    g_signal_new ("open", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 0);

  /**
   * AvanueDataChannel::message:
   * @self: the channel
   * @data: the message; for text, UTF-8 without a terminating NUL
   * @is_text: %TRUE for a text message (sent as a string), %FALSE for
   *   binary
   *
   * A message arrived from the peer.
   *
   * Since: 0.1
   */
  signals[SIGNAL_MESSAGE] =
    g_signal_new ("message", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 2, G_TYPE_BYTES, G_TYPE_BOOLEAN);

  /**
   * AvanueDataChannel::buffered-amount-low:
   * @self: the channel
   *
   * [property@Avanue.DataChannel:buffered-amount] fell to
   * [property@Avanue.DataChannel:buffered-amount-low-threshold] or below:
   * a good moment to send more. Emitted from the main loop, never from
   * inside a send.
   *
   * Since: 0.1
   */
  signals[SIGNAL_BUFFERED_AMOUNT_LOW] =
    g_signal_new ("buffered-amount-low", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 0);

  /**
   * AvanueDataChannel::error:
   * @self: the channel
   * @error: what went wrong
   *
   * Something failed on the channel after a send had returned: SCTP
   * refused a queued message, for instance. The channel closes if it
   * cannot go on.
   *
   * Since: 0.1
   */
  signals[SIGNAL_ERROR] =
    g_signal_new ("error", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, G_TYPE_ERROR);

  /**
   * AvanueDataChannel::closed:
   * @self: the channel
   *
   * The channel is closed, by either side or because its connection
   * ended. Nothing more is sent or received on it.
   *
   * Since: 0.1
   */
  signals[SIGNAL_CLOSED] =
    g_signal_new ("closed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 0);
}

static void
avanue_data_channel_init (AvanueDataChannel *self)
{
  self->id = -1;
  self->ordered = TRUE;
  self->max_retransmits = -1;
  self->max_packet_life_time = -1;
  self->state = AVANUE_DATA_CHANNEL_STATE_CONNECTING;
  g_queue_init (&self->queue);
}

/* ------------------------------------------------------------------------
 * Public API
 * ------------------------------------------------------------------------ */

/**
 * avanue_data_channel_get_label:
 * @self: a channel
 *
 * Gets the channel's label.
 *
 * Returns: the label, possibly empty
 *
 * Since: 0.1
 */
const char *
avanue_data_channel_get_label (AvanueDataChannel *self)
{
  g_return_val_if_fail (AVANUE_IS_DATA_CHANNEL (self), NULL);
  return self->label;
}

/**
 * avanue_data_channel_get_protocol:
 * @self: a channel
 *
 * Gets the channel's sub-protocol name.
 *
 * Returns: the protocol, possibly empty
 *
 * Since: 0.1
 */
const char *
avanue_data_channel_get_protocol (AvanueDataChannel *self)
{
  g_return_val_if_fail (AVANUE_IS_DATA_CHANNEL (self), NULL);
  return self->protocol;
}

/**
 * avanue_data_channel_get_id:
 * @self: a channel
 *
 * Gets the channel's SCTP stream id.
 *
 * Returns: the id, or -1 if none was chosen yet
 *
 * Since: 0.1
 */
int
avanue_data_channel_get_id (AvanueDataChannel *self)
{
  g_return_val_if_fail (AVANUE_IS_DATA_CHANNEL (self), -1);
  return self->id;
}

/**
 * avanue_data_channel_get_ordered:
 * @self: a channel
 *
 * Gets whether the channel delivers messages in order.
 *
 * Returns: %TRUE if it is ordered
 *
 * Since: 0.1
 */
gboolean
avanue_data_channel_get_ordered (AvanueDataChannel *self)
{
  g_return_val_if_fail (AVANUE_IS_DATA_CHANNEL (self), TRUE);
  return self->ordered;
}

/**
 * avanue_data_channel_get_max_retransmits:
 * @self: a channel
 *
 * Gets the channel's retransmission limit.
 *
 * Returns: the limit, or -1 for none
 *
 * Since: 0.1
 */
int
avanue_data_channel_get_max_retransmits (AvanueDataChannel *self)
{
  g_return_val_if_fail (AVANUE_IS_DATA_CHANNEL (self), -1);
  return self->max_retransmits;
}

/**
 * avanue_data_channel_get_max_packet_life_time:
 * @self: a channel
 *
 * Gets the channel's time limit for retransmissions.
 *
 * Returns: the limit in milliseconds, or -1 for none
 *
 * Since: 0.1
 */
int
avanue_data_channel_get_max_packet_life_time (AvanueDataChannel *self)
{
  g_return_val_if_fail (AVANUE_IS_DATA_CHANNEL (self), -1);
  return self->max_packet_life_time;
}

/**
 * avanue_data_channel_get_negotiated:
 * @self: a channel
 *
 * Gets whether the channel was negotiated out of band.
 *
 * Returns: %TRUE for a channel with a negotiated id
 *
 * Since: 0.1
 */
gboolean
avanue_data_channel_get_negotiated (AvanueDataChannel *self)
{
  g_return_val_if_fail (AVANUE_IS_DATA_CHANNEL (self), FALSE);
  return self->negotiated;
}

/**
 * avanue_data_channel_get_ready_state:
 * @self: a channel
 *
 * Gets whether the channel is connecting, open, closing or closed.
 *
 * Returns: the state
 *
 * Since: 0.1
 */
AvanueDataChannelState
avanue_data_channel_get_ready_state (AvanueDataChannel *self)
{
  g_return_val_if_fail (AVANUE_IS_DATA_CHANNEL (self), AVANUE_DATA_CHANNEL_STATE_CLOSED);
  return self->state;
}

/**
 * avanue_data_channel_get_buffered_amount:
 * @self: a channel
 *
 * Gets how many bytes of sent messages wait for room in the SCTP send
 * buffer.
 *
 * Returns: the buffered amount
 *
 * Since: 0.1
 */
guint64
avanue_data_channel_get_buffered_amount (AvanueDataChannel *self)
{
  g_return_val_if_fail (AVANUE_IS_DATA_CHANNEL (self), 0);
  return self->buffered_amount;
}

/**
 * avanue_data_channel_get_buffered_amount_low_threshold:
 * @self: a channel
 *
 * Gets the threshold of [signal@Avanue.DataChannel::buffered-amount-low].
 *
 * Returns: the threshold in bytes
 *
 * Since: 0.1
 */
guint64
avanue_data_channel_get_buffered_amount_low_threshold (AvanueDataChannel *self)
{
  g_return_val_if_fail (AVANUE_IS_DATA_CHANNEL (self), 0);
  return self->low_threshold;
}

/**
 * avanue_data_channel_set_buffered_amount_low_threshold:
 * @self: a channel
 * @threshold: the threshold in bytes
 *
 * Sets the threshold of [signal@Avanue.DataChannel::buffered-amount-low].
 *
 * Since: 0.1
 */
void
avanue_data_channel_set_buffered_amount_low_threshold (AvanueDataChannel *self,
                                                       guint64            threshold)
{
  g_return_if_fail (AVANUE_IS_DATA_CHANNEL (self));

  if (self->low_threshold == threshold)
    return;
  self->low_threshold = threshold;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_BUFFERED_AMOUNT_LOW_THRESHOLD]);
}

/**
 * avanue_data_channel_get_max_message_size:
 * @self: a channel
 *
 * Gets the largest message that can be sent on the channel.
 *
 * Returns: the size in bytes, or 0 while it is not known
 *
 * Since: 0.1
 */
guint64
avanue_data_channel_get_max_message_size (AvanueDataChannel *self)
{
  g_return_val_if_fail (AVANUE_IS_DATA_CHANNEL (self), 0);
  return self->pc != NULL ? avanue_peer_connection_get_max_message_size (self->pc) : 0;
}

static gboolean
send_message (AvanueDataChannel *self,
              GBytes            *data,
              gboolean           is_text,
              GError           **error)
{
  gsize size = g_bytes_get_size (data);
  guint64 max_size;

  if (self->pc == NULL || self->state != AVANUE_DATA_CHANNEL_STATE_OPEN)
    {
      g_set_error (error, AVANUE_DATA_CHANNEL_ERROR, AVANUE_DATA_CHANNEL_ERROR_NOT_OPEN,
                   "The data channel “%s” is not open", self->label);
      return FALSE;
    }
  max_size = avanue_peer_connection_get_max_message_size (self->pc);
  if (size > max_size)
    {
      g_set_error (error, AVANUE_DATA_CHANNEL_ERROR, AVANUE_DATA_CHANNEL_ERROR_TOO_LARGE,
                   "A %" G_GSIZE_FORMAT "-byte message is larger than the peer accepts (%" G_GUINT64_FORMAT ")",
                   size, max_size);
      return FALSE;
    }
  if (self->buffered_amount + size > AVANUE_DATA_CHANNEL_MAX_BUFFERED_AMOUNT)
    {
      g_set_error (error, AVANUE_DATA_CHANNEL_ERROR, AVANUE_DATA_CHANNEL_ERROR_BUFFER_FULL,
                   "The data channel “%s” has %" G_GUINT64_FORMAT " bytes waiting; "
                   "wait for buffered-amount-low", self->label, self->buffered_amount);
      return FALSE;
    }

  if (size == 0)
    {
      /* RFC 8831 §6.6: one byte with the "empty" PPID */
      static const guint8 zero[] = { 0 };
      g_autoptr(GBytes) one = g_bytes_new_static (zero, sizeof zero);

      enqueue (self, is_text ? AVANUE_SCTP_PPID_STRING_EMPTY : AVANUE_SCTP_PPID_BINARY_EMPTY, one, 0, FALSE);
    }
  else
    {
      enqueue (self, is_text ? AVANUE_SCTP_PPID_STRING : AVANUE_SCTP_PPID_BINARY, data, size, FALSE);
    }
  avanue_peer_connection_flush_channels (self->pc);
  return TRUE;
}

/**
 * avanue_data_channel_send_text:
 * @self: an open channel
 * @text: the message, UTF-8
 * @error: return location for a #GError, or %NULL
 *
 * Sends a text message (a `string` for a browser). It is queued if SCTP
 * has no room for it now: see
 * [property@Avanue.DataChannel:buffered-amount].
 *
 * Returns: %TRUE if the message was sent or queued; %FALSE with @error
 *   if the channel is not open
 *   (%AVANUE_DATA_CHANNEL_ERROR_NOT_OPEN), the text is larger than
 *   [property@Avanue.DataChannel:max-message-size]
 *   (%AVANUE_DATA_CHANNEL_ERROR_TOO_LARGE) or the buffer is full
 *   (%AVANUE_DATA_CHANNEL_ERROR_BUFFER_FULL)
 *
 * Since: 0.1
 */
gboolean
avanue_data_channel_send_text (AvanueDataChannel  *self,
                               const char         *text,
                               GError            **error)
{
  g_autoptr(GBytes) data = NULL;

  g_return_val_if_fail (AVANUE_IS_DATA_CHANNEL (self), FALSE);
  g_return_val_if_fail (text != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!g_utf8_validate (text, -1, NULL))
    {
      g_set_error_literal (error, AVANUE_DATA_CHANNEL_ERROR, AVANUE_DATA_CHANNEL_ERROR_INVALID_ARGUMENT,
                           "The text is not UTF-8");
      return FALSE;
    }
  data = g_bytes_new (text, strlen (text));
  return send_message (self, data, TRUE, error);
}

/**
 * avanue_data_channel_send_bytes:
 * @self: an open channel
 * @data: the message
 * @error: return location for a #GError, or %NULL
 *
 * Sends a binary message (an `ArrayBuffer` or `Blob` for a browser). It
 * is queued if SCTP has no room for it now: see
 * [property@Avanue.DataChannel:buffered-amount].
 *
 * Returns: %TRUE if the message was sent or queued; %FALSE with @error
 *   as for [method@Avanue.DataChannel.send_text]
 *
 * Since: 0.1
 */
gboolean
avanue_data_channel_send_bytes (AvanueDataChannel  *self,
                                GBytes             *data,
                                GError            **error)
{
  g_return_val_if_fail (AVANUE_IS_DATA_CHANNEL (self), FALSE);
  g_return_val_if_fail (data != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  return send_message (self, data, FALSE, error);
}

/**
 * avanue_data_channel_close:
 * @self: a channel
 *
 * Closes the channel: messages already sent still go out, then its SCTP
 * stream is reset and the peer sees the channel close. The state is
 * %AVANUE_DATA_CHANNEL_STATE_CLOSING until the peer has reset its side,
 * then %AVANUE_DATA_CHANNEL_STATE_CLOSED and
 * [signal@Avanue.DataChannel::closed] is emitted. Closing a closed
 * channel does nothing.
 *
 * Since: 0.1
 */
void
avanue_data_channel_close (AvanueDataChannel *self)
{
  g_return_if_fail (AVANUE_IS_DATA_CHANNEL (self));

  if (self->state == AVANUE_DATA_CHANNEL_STATE_CLOSED || self->close_requested)
    return;
  self->close_requested = TRUE;
  if (self->pc == NULL)
    {
      avanue_data_channel_set_ready_state (self, AVANUE_DATA_CHANNEL_STATE_CLOSED);
      return;
    }
  avanue_data_channel_set_ready_state (self, AVANUE_DATA_CHANNEL_STATE_CLOSING);
  avanue_peer_connection_channel_closing (self->pc, self);
}
