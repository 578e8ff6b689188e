/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#if !defined(__AVANUE_H_INSIDE__) && !defined(AVANUE_COMPILATION)
#error "Only <avanue.h> can be included directly."
#endif

#include <glib-object.h>
#include "avanue-version.h"

G_BEGIN_DECLS

#define AVANUE_TYPE_STUN_MESSAGE (avanue_stun_message_get_type ())
AVANUE_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (AvanueStunMessage, avanue_stun_message, AVANUE, STUN_MESSAGE, GObject)

G_END_DECLS
