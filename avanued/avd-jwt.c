/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Bearer JWTs for GET /v1/ice-servers (DESIGN §8): compact JWS with HS256
 * (a shared secret) or EdDSA (an Ed25519 public key, base64 raw), checked
 * against the algorithm the operator configured — never the one the token
 * asks for alone.  `exp` and `nbf` are honoured when present. */
#define G_LOG_DOMAIN "AvdJwt"

#include "config.h"

#include <gnutls/crypto.h>
#include <string.h>

#include "avanue.h"
#include "avd-jwt.h"

static GBytes *
base64url_decode (const char *text,
                  gsize       len)
{
  g_autoptr(GString) b64 = g_string_sized_new (len + 4);
  guchar *raw;
  gsize raw_len;

  for (gsize i = 0; i < len; i++)
    {
      char c = text[i];

      if (c == '-')
        c = '+';
      else if (c == '_')
        c = '/';
      else if (!g_ascii_isalnum (c))
        return NULL;
      g_string_append_c (b64, c);
    }
  if (b64->len % 4 == 1)
    return NULL;
  while (b64->len % 4 != 0)
    g_string_append_c (b64, '=');
  raw = g_base64_decode (b64->str, &raw_len);
  return g_bytes_new_take (raw, raw_len);
}

static gboolean
fail (GError     **error,
      const char  *message)
{
  g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED, message);
  return FALSE;
}

/* Returns the claims of a valid token, or NULL with @error set. */
JsonObject *
avd_jwt_verify (const char  *token,
                const char  *hs256_secret,
                const char  *ed25519_public_key,
                gint64       now_unix,
                GError     **error)
{
  const char *dot1 = strchr (token, '.');
  const char *dot2 = dot1 != NULL ? strchr (dot1 + 1, '.') : NULL;
  g_autoptr(GBytes) header_raw = NULL;
  g_autoptr(GBytes) payload_raw = NULL;
  g_autoptr(GBytes) signature = NULL;
  g_autoptr(JsonNode) header = NULL;
  g_autoptr(JsonNode) payload = NULL;
  g_autofree char *header_text = NULL;
  g_autofree char *payload_text = NULL;
  const char *alg;
  JsonObject *claims;
  gsize signed_len;

  if (dot1 == NULL || dot2 == NULL || strchr (dot2 + 1, '.') != NULL)
    return fail (error, "not a JWT"), NULL;
  signed_len = dot2 - token;
  header_raw = base64url_decode (token, dot1 - token);
  payload_raw = base64url_decode (dot1 + 1, dot2 - dot1 - 1);
  signature = base64url_decode (dot2 + 1, strlen (dot2 + 1));
  if (header_raw == NULL || payload_raw == NULL || signature == NULL)
    return fail (error, "bad JWT encoding"), NULL;

  header_text = g_strndup (g_bytes_get_data (header_raw, NULL), g_bytes_get_size (header_raw));
  header = json_from_string (header_text, NULL);
  if (header == NULL || !JSON_NODE_HOLDS_OBJECT (header))
    return fail (error, "bad JWT header"), NULL;
  alg = json_object_get_string_member_with_default (json_node_get_object (header), "alg", "");

  if (g_str_equal (alg, "HS256") && hs256_secret != NULL && *hs256_secret != '\0')
    {
      guint8 mac[32];

      if (gnutls_hmac_fast (GNUTLS_MAC_SHA256, hs256_secret, strlen (hs256_secret),
                            token, signed_len, mac) != 0 ||
          g_bytes_get_size (signature) != sizeof mac ||
          gnutls_memcmp (mac, g_bytes_get_data (signature, NULL), sizeof mac) != 0)
        return fail (error, "bad JWT signature"), NULL;
    }
  else if (g_str_equal (alg, "EdDSA") && ed25519_public_key != NULL && *ed25519_public_key != '\0')
    {
      g_autoptr(GBytes) data = g_bytes_new (token, signed_len);

      if (!avanue_identity_verify_with_public_key (ed25519_public_key, data, signature, NULL))
        return fail (error, "bad JWT signature"), NULL;
    }
  else
    return fail (error, "JWT algorithm not accepted"), NULL;

  payload_text = g_strndup (g_bytes_get_data (payload_raw, NULL), g_bytes_get_size (payload_raw));
  payload = json_from_string (payload_text, NULL);
  if (payload == NULL || !JSON_NODE_HOLDS_OBJECT (payload))
    return fail (error, "bad JWT claims"), NULL;
  claims = json_node_get_object (payload);
  if (json_object_has_member (claims, "exp") &&
      json_object_get_int_member_with_default (claims, "exp", 0) <= now_unix)
    return fail (error, "expired JWT"), NULL;
  if (json_object_has_member (claims, "nbf") &&
      json_object_get_int_member_with_default (claims, "nbf", 0) > now_unix)
    return fail (error, "JWT not valid yet"), NULL;
  return json_object_ref (claims);
}
