/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "avanue-turn-credentials.h"

struct _AvanueTurnCredentials
{
  GObject parent_instance;
};

G_DEFINE_FINAL_TYPE (AvanueTurnCredentials, avanue_turn_credentials, G_TYPE_OBJECT)

static void
avanue_turn_credentials_class_init (AvanueTurnCredentialsClass *klass)
{
}

static void
avanue_turn_credentials_init (AvanueTurnCredentials *self)
{
}
