/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#if !defined(__AVANUE_H_INSIDE__) && !defined(AVANUE_COMPILATION)
#error "Only <avanue.h> can be included directly."
#endif

#include <glib-object.h>
#include "avanue-version.h"

G_BEGIN_DECLS

/**
 * AVANUE_TURN_CREDENTIALS_ERROR:
 *
 * The error domain of [class@Avanue.TurnCredentials]; errors are values of
 * [enum@Avanue.TurnCredentialsError].
 */
#define AVANUE_TURN_CREDENTIALS_ERROR (avanue_turn_credentials_error_quark ())

/**
 * AvanueTurnCredentialsError:
 * @AVANUE_TURN_CREDENTIALS_ERROR_EXPIRED: the expiry at the start of the
 *   username is in the past
 * @AVANUE_TURN_CREDENTIALS_ERROR_BAD_USERNAME: the username does not start
 *   with a decimal expiry followed by `:` or the end of the string
 * @AVANUE_TURN_CREDENTIALS_ERROR_BAD_PASSWORD: the password was not made
 *   from the username with any of the secrets
 * @AVANUE_TURN_CREDENTIALS_ERROR_NO_SECRETS: no usable (non-empty) secret
 *   was given to check against
 *
 * Errors in the [error@Avanue.TurnCredentialsError] domain.
 */
typedef enum
{
  AVANUE_TURN_CREDENTIALS_ERROR_EXPIRED,
  AVANUE_TURN_CREDENTIALS_ERROR_BAD_USERNAME,
  AVANUE_TURN_CREDENTIALS_ERROR_BAD_PASSWORD,
  AVANUE_TURN_CREDENTIALS_ERROR_NO_SECRETS,
} AvanueTurnCredentialsError;

AVANUE_AVAILABLE_IN_ALL
GQuark avanue_turn_credentials_error_quark (void);

#define AVANUE_TYPE_TURN_CREDENTIALS (avanue_turn_credentials_get_type ())
AVANUE_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (AvanueTurnCredentials, avanue_turn_credentials, AVANUE, TURN_CREDENTIALS, GObject)

AVANUE_AVAILABLE_IN_ALL
AvanueTurnCredentials *avanue_turn_credentials_new          (const char  *secret,
                                                             const char  *session_id,
                                                             const char  *fingerprint,
                                                             guint        ttl_seconds);
AVANUE_AVAILABLE_IN_ALL
AvanueTurnCredentials *avanue_turn_credentials_new_full     (const char  *secret,
                                                             gint64       expiry_unix,
                                                             const char  *session_id,
                                                             const char  *fingerprint);
AVANUE_AVAILABLE_IN_ALL
AvanueTurnCredentials *avanue_turn_credentials_new_for_user (const char  *secret,
                                                             gint64       expiry_unix,
                                                             const char  *user);

AVANUE_AVAILABLE_IN_ALL
const char          *avanue_turn_credentials_get_username    (AvanueTurnCredentials *self);
AVANUE_AVAILABLE_IN_ALL
const char          *avanue_turn_credentials_get_password    (AvanueTurnCredentials *self);
AVANUE_AVAILABLE_IN_ALL
gint64               avanue_turn_credentials_get_expires_at  (AvanueTurnCredentials *self);
AVANUE_AVAILABLE_IN_ALL
guint                avanue_turn_credentials_get_ttl_seconds (AvanueTurnCredentials *self);
AVANUE_AVAILABLE_IN_ALL
const char * const  *avanue_turn_credentials_get_urls        (AvanueTurnCredentials *self);
AVANUE_AVAILABLE_IN_ALL
void                 avanue_turn_credentials_set_urls        (AvanueTurnCredentials *self,
                                                              const char * const    *urls);

AVANUE_AVAILABLE_IN_ALL
char                *avanue_turn_credentials_compute_password (const char  *secret,
                                                               const char  *username);
AVANUE_AVAILABLE_IN_ALL
int                  avanue_turn_credentials_find_secret      (const char * const *secrets,
                                                               const char         *username,
                                                               const char         *password);
AVANUE_AVAILABLE_IN_ALL
gboolean             avanue_turn_credentials_verify           (const char * const  *secrets,
                                                               const char          *username,
                                                               const char          *password,
                                                               gint64               now_unix,
                                                               GError             **error);
AVANUE_AVAILABLE_IN_ALL
gboolean             avanue_turn_credentials_parse_username   (const char  *username,
                                                               gint64      *out_expiry,
                                                               char       **out_session,
                                                               char       **out_fingerprint,
                                                               GError     **error);

G_END_DECLS
