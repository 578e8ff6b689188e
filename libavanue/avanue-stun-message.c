/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "avanue-stun-message.h"

struct _AvanueStunMessage
{
  GObject parent_instance;
};

G_DEFINE_FINAL_TYPE (AvanueStunMessage, avanue_stun_message, G_TYPE_OBJECT)

static void
avanue_stun_message_class_init (AvanueStunMessageClass *klass)
{
}

static void
avanue_stun_message_init (AvanueStunMessage *self)
{
}
