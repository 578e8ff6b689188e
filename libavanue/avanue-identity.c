/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "avanue-identity.h"

struct _AvanueIdentity
{
  GObject parent_instance;
};

G_DEFINE_FINAL_TYPE (AvanueIdentity, avanue_identity, G_TYPE_OBJECT)

static void
avanue_identity_class_init (AvanueIdentityClass *klass)
{
}

static void
avanue_identity_init (AvanueIdentity *self)
{
}
