/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#if !defined(__AVANUE_H_INSIDE__) && !defined(AVANUE_COMPILATION)
#error "Only <avanue.h> can be included directly."
#endif

#include <glib-object.h>
#include "avanue-version.h"

G_BEGIN_DECLS

/**
 * AVANUE_INVITE_CODE_ALPHABET:
 *
 * The 31 characters an invite code is made of: digits and capital letters
 * without the confusable 0, 1, I, L and O.
 *
 * Since: 0.1
 */
#define AVANUE_INVITE_CODE_ALPHABET "23456789ABCDEFGHJKMNPQRSTUVWXYZ"

/**
 * AvanueInviteCodeError:
 * @AVANUE_INVITE_CODE_ERROR_INVALID_LENGTH: not 8 code characters (after the
 *   optional `AVNE` prefix, spaces and dashes are removed)
 * @AVANUE_INVITE_CODE_ERROR_CONFUSABLE_CHARACTER: contains 0, 1, I, L or O,
 *   which codes never use because they are easily misread
 * @AVANUE_INVITE_CODE_ERROR_INVALID_CHARACTER: contains a character outside
 *   the alphabet
 *
 * Errors from reading an invite code.
 *
 * Since: 0.1
 */
typedef enum {
  AVANUE_INVITE_CODE_ERROR_INVALID_LENGTH,
  AVANUE_INVITE_CODE_ERROR_CONFUSABLE_CHARACTER,
  AVANUE_INVITE_CODE_ERROR_INVALID_CHARACTER,
} AvanueInviteCodeError;

#define AVANUE_INVITE_CODE_ERROR (avanue_invite_code_error_quark ())
AVANUE_AVAILABLE_IN_ALL
GQuark avanue_invite_code_error_quark (void);

#define AVANUE_TYPE_INVITE_CODE (avanue_invite_code_get_type ())
AVANUE_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (AvanueInviteCode, avanue_invite_code, AVANUE, INVITE_CODE, GObject)

AVANUE_AVAILABLE_IN_ALL
AvanueInviteCode *avanue_invite_code_generate        (void);
AVANUE_AVAILABLE_IN_ALL
AvanueInviteCode *avanue_invite_code_new_from_string (const char        *text,
                                                      GError           **error);
AVANUE_AVAILABLE_IN_ALL
const char       *avanue_invite_code_get_code        (AvanueInviteCode  *self);
AVANUE_AVAILABLE_IN_ALL
char             *avanue_invite_code_get_join_url    (AvanueInviteCode  *self);

AVANUE_AVAILABLE_IN_ALL
char             *avanue_invite_code_normalize       (const char        *text,
                                                      GError           **error);
AVANUE_AVAILABLE_IN_ALL
gboolean          avanue_invite_code_is_valid        (const char        *text);

G_END_DECLS
