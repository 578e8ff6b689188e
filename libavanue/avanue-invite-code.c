/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "avanue-invite-code.h"

struct _AvanueInviteCode
{
  GObject parent_instance;
};

G_DEFINE_FINAL_TYPE (AvanueInviteCode, avanue_invite_code, G_TYPE_OBJECT)

static void
avanue_invite_code_class_init (AvanueInviteCodeClass *klass)
{
}

static void
avanue_invite_code_init (AvanueInviteCode *self)
{
}
