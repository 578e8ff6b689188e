/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "avanue-capabilities.h"

struct _AvanueCapabilities
{
  GObject parent_instance;
};

G_DEFINE_FINAL_TYPE (AvanueCapabilities, avanue_capabilities, G_TYPE_OBJECT)

static void
avanue_capabilities_class_init (AvanueCapabilitiesClass *klass)
{
}

static void
avanue_capabilities_init (AvanueCapabilities *self)
{
}
