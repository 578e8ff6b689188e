/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Fuzz target for AvanueProtocol: arbitrary bytes as a text frame, read
 * as a client message (as avanued does) and as a server message (as the
 * client library does). Whatever passes must serialise to text that passes
 * again, with the same type. */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "avanue.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static void
check_direction (AvanueProtocol         *protocol,
                 AvanueProtocol         *relaxed,
                 const char             *text,
                 size_t                  size,
                 AvanueMessageDirection  direction)
{
  g_autoptr(JsonObject) object = NULL;
  g_autoptr(JsonObject) again = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *ref = NULL;
  g_autofree char *out = NULL;
  AvanueMessageType type = AVANUE_MESSAGE_TYPE_UNKNOWN;
  AvanueMessageType type_again = AVANUE_MESSAGE_TYPE_UNKNOWN;

  object = avanue_protocol_parse_message (protocol, text, (gssize) size, direction, &type, &ref, &error);
  if (object == NULL)
    {
      /* a failure is always a protocol error, with a message */
      if (error == NULL || error->domain != AVANUE_PROTOCOL_ERROR || error->message == NULL)
        abort ();
      if (ref != NULL && g_utf8_strlen (ref, -1) > AVANUE_PROTOCOL_MAX_ID_LENGTH)
        abort ();
      return;
    }
  if (error != NULL || type == AVANUE_MESSAGE_TYPE_UNKNOWN)
    abort ();
  if ((avanue_message_type_get_directions (type) & direction) == 0)
    abort ();

  /* Round trip. The re-serialised text may be longer than the frame
   * (1e2 becomes 100.0), so it is read with a large frame limit. */
  if (!avanue_protocol_validate (protocol, object, direction, NULL, NULL))
    abort ();
  out = avanue_protocol_to_text (object);
  again = avanue_protocol_parse_message (relaxed, out, -1, direction, &type_again, NULL, NULL);
  if (again == NULL || type_again != type)
    abort ();
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  static AvanueProtocol *protocol = NULL;
  static AvanueProtocol *relaxed = NULL;
  char *copy;

  if (protocol == NULL)
    {
      protocol = avanue_protocol_new ();
      relaxed = avanue_protocol_new ();
      avanue_protocol_set_max_frame_bytes (relaxed, G_MAXINT32);
    }

  /* an exact-size copy, so that reading past the end is caught */
  copy = g_memdup2 (data, size);
  check_direction (protocol, relaxed, copy, size, AVANUE_MESSAGE_DIRECTION_CLIENT_TO_SERVER);
  check_direction (protocol, relaxed, copy, size, AVANUE_MESSAGE_DIRECTION_SERVER_TO_CLIENT);
  g_free (copy);
  return 0;
}
