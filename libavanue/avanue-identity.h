/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#if !defined(__AVANUE_H_INSIDE__) && !defined(AVANUE_COMPILATION)
#error "Only <avanue.h> can be included directly."
#endif

#include <glib-object.h>
#include "avanue-version.h"

G_BEGIN_DECLS

/**
 * AVANUE_IDENTITY_ERROR:
 *
 * The error domain of [class@Avanue.Identity]; errors are values of
 * [enum@Avanue.IdentityError].
 */
#define AVANUE_IDENTITY_ERROR (avanue_identity_error_quark ())

/**
 * AvanueIdentityError:
 * @AVANUE_IDENTITY_ERROR_FAILED: a cryptographic operation failed for a
 *   reason not listed here (key generation, export, …)
 * @AVANUE_IDENTITY_ERROR_CORRUPT: the key file is empty, too large, or is not
 *   a readable PEM private key
 * @AVANUE_IDENTITY_ERROR_WRONG_KEY_TYPE: the key file holds a private key
 *   that is not Ed25519 (RSA, ECDSA, Ed448, …)
 * @AVANUE_IDENTITY_ERROR_INSECURE_PERMISSIONS: the key file can be read or
 *   written by its group or by others (mode & 077 is not 0)
 * @AVANUE_IDENTITY_ERROR_INVALID_PUBLIC_KEY: a public key is not standard
 *   padded base64 of exactly 32 bytes
 * @AVANUE_IDENTITY_ERROR_BAD_SIGNATURE: a signature is malformed or does not
 *   match the data and the public key
 *
 * Errors in the [error@Avanue.IdentityError] domain.
 */
typedef enum
{
  AVANUE_IDENTITY_ERROR_FAILED,
  AVANUE_IDENTITY_ERROR_CORRUPT,
  AVANUE_IDENTITY_ERROR_WRONG_KEY_TYPE,
  AVANUE_IDENTITY_ERROR_INSECURE_PERMISSIONS,
  AVANUE_IDENTITY_ERROR_INVALID_PUBLIC_KEY,
  AVANUE_IDENTITY_ERROR_BAD_SIGNATURE,
} AvanueIdentityError;

AVANUE_AVAILABLE_IN_ALL
GQuark avanue_identity_error_quark (void);

#define AVANUE_TYPE_IDENTITY (avanue_identity_get_type ())
AVANUE_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (AvanueIdentity, avanue_identity, AVANUE, IDENTITY, GObject)

AVANUE_AVAILABLE_IN_ALL
AvanueIdentity *avanue_identity_new                 (GError         **error);
AVANUE_AVAILABLE_IN_ALL
AvanueIdentity *avanue_identity_load                (const char      *path,
                                                     GError         **error);
AVANUE_AVAILABLE_IN_ALL
AvanueIdentity *avanue_identity_load_or_create      (const char      *path,
                                                     GError         **error);
AVANUE_AVAILABLE_IN_ALL
gboolean        avanue_identity_save                (AvanueIdentity  *self,
                                                     const char      *path,
                                                     GError         **error);

AVANUE_AVAILABLE_IN_ALL
const char     *avanue_identity_get_fingerprint     (AvanueIdentity  *self);
AVANUE_AVAILABLE_IN_ALL
const char     *avanue_identity_get_public_key_base64 (AvanueIdentity *self);
AVANUE_AVAILABLE_IN_ALL
GBytes         *avanue_identity_get_public_key      (AvanueIdentity  *self);

AVANUE_AVAILABLE_IN_ALL
GBytes         *avanue_identity_sign                (AvanueIdentity  *self,
                                                     GBytes          *data,
                                                     GError         **error);
AVANUE_AVAILABLE_IN_ALL
char           *avanue_identity_sign_base64         (AvanueIdentity  *self,
                                                     const char      *message,
                                                     GError         **error);
AVANUE_AVAILABLE_IN_ALL
gboolean        avanue_identity_verify              (AvanueIdentity  *self,
                                                     GBytes          *data,
                                                     GBytes          *signature,
                                                     GError         **error);

AVANUE_AVAILABLE_IN_ALL
gboolean        avanue_identity_verify_with_public_key (const char   *public_key_b64,
                                                        GBytes       *data,
                                                        GBytes       *signature,
                                                        GError      **error);
AVANUE_AVAILABLE_IN_ALL
gboolean        avanue_identity_verify_base64_with_public_key (const char  *public_key_b64,
                                                               const char  *message,
                                                               const char  *signature_b64,
                                                               GError     **error);
AVANUE_AVAILABLE_IN_ALL
char           *avanue_identity_fingerprint_for_public_key (const char  *public_key_b64,
                                                            GError     **error);

G_END_DECLS
