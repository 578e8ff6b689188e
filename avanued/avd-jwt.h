/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

JsonObject *avd_jwt_verify (const char  *token,
                            const char  *hs256_secret,
                            const char  *ed25519_public_key,
                            gint64       now_unix,
                            GError     **error);

G_END_DECLS
