/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "avanue-protocol.h"

struct _AvanueProtocol
{
  GObject parent_instance;
};

G_DEFINE_FINAL_TYPE (AvanueProtocol, avanue_protocol, G_TYPE_OBJECT)

static void
avanue_protocol_class_init (AvanueProtocolClass *klass)
{
}

static void
avanue_protocol_init (AvanueProtocol *self)
{
}
