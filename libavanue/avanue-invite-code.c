/* SPDX-License-Identifier: LGPL-2.1-or-later */
/**
 * AvanueInviteCode:
 *
 * The code a host shares so that guests can join a session:
 * `AVNE-XXXX-XXXX`, eight characters from [const@Avanue.INVITE_CODE_ALPHABET]
 * (31⁸ ≈ 8.5 × 10¹¹ codes).
 *
 * People type these codes, so reading one is forgiving: lower case, spaces,
 * missing dashes and a missing `AVNE` prefix are all accepted and normalised
 * to the canonical form.  Characters that the alphabet leaves out because they
 * are easily confused (0, 1, I, L, O) are rejected rather than guessed at, so
 * a mistyped code fails instead of joining someone else's session.
 *
 * Since: 0.1
 */
#include "config.h"

#include <gnutls/crypto.h>
#include <string.h>

#include "avanue-invite-code.h"

#define CODE_PREFIX "AVNE"
#define CODE_CHARS 8
#define ALPHABET_LEN (sizeof (AVANUE_INVITE_CODE_ALPHABET) - 1)

struct _AvanueInviteCode
{
  GObject parent_instance;

  char *code;                   /* canonical AVNE-XXXX-XXXX */
};

G_DEFINE_FINAL_TYPE (AvanueInviteCode, avanue_invite_code, G_TYPE_OBJECT)
G_DEFINE_QUARK (avanue-invite-code-error-quark, avanue_invite_code_error)

enum {
  PROP_0,
  PROP_CODE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

G_STATIC_ASSERT (ALPHABET_LEN == 31);

static void
avanue_invite_code_finalize (GObject *object)
{
  AvanueInviteCode *self = AVANUE_INVITE_CODE (object);

  g_free (self->code);

  G_OBJECT_CLASS (avanue_invite_code_parent_class)->finalize (object);
}

static void
avanue_invite_code_get_property (GObject    *object,
                                 guint       prop_id,
                                 GValue     *value,
                                 GParamSpec *pspec)
{
  AvanueInviteCode *self = AVANUE_INVITE_CODE (object);

  switch (prop_id)
    {
    case PROP_CODE:
      g_value_set_string (value, self->code);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
avanue_invite_code_class_init (AvanueInviteCodeClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = avanue_invite_code_finalize;
  object_class->get_property = avanue_invite_code_get_property;

  /**
   * AvanueInviteCode:code:
   *
   * The code in canonical form, such as `AVNE-K7M3-P9X2`.
   *
   * Since: 0.1
   */
  properties[PROP_CODE] =
    g_param_spec_string ("code", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
avanue_invite_code_init (AvanueInviteCode *self)
{
}

static AvanueInviteCode *
invite_code_new_take (char *code)
{
  AvanueInviteCode *self = g_object_new (AVANUE_TYPE_INVITE_CODE, NULL);

  self->code = code;
  return self;
}

/* AVNE-XXXX-XXXX from 8 alphabet characters. */
static char *
format_code (const char *chars)
{
  return g_strdup_printf (CODE_PREFIX "-%.4s-%.4s", chars, chars + 4);
}

/**
 * avanue_invite_code_generate:
 *
 * Makes a new random invite code from the system's cryptographic random
 * source (GnuTLS's key-grade generator), without modulo bias.  Uniqueness among
 * live sessions is the server's business.
 *
 * Returns: (transfer full): a new invite code
 *
 * Since: 0.1
 */
AvanueInviteCode *
avanue_invite_code_generate (void)
{
  char chars[CODE_CHARS + 1] = { 0 };
  gsize n = 0;

  while (n < CODE_CHARS)
    {
      guint8 random[16];

      /* Can only fail if the library's self-tests failed; nothing sane to
       * fall back to for a value that guards a session. */
      if (gnutls_rnd (GNUTLS_RND_KEY, random, sizeof random) != 0)
        g_error ("the system random number generator failed");

      /* Rejection sampling: 248 = 8 × 31 is the largest multiple of 31 that
       * fits in a byte, so every character is equally likely. */
      for (gsize i = 0; i < sizeof random && n < CODE_CHARS; i++)
        if (random[i] < 8 * ALPHABET_LEN)
          chars[n++] = AVANUE_INVITE_CODE_ALPHABET[random[i] % ALPHABET_LEN];
    }

  return invite_code_new_take (format_code (chars));
}

/**
 * avanue_invite_code_normalize:
 * @text: an invite code as somebody typed it
 * @error: return location for a #GError
 *
 * Turns a typed code into its canonical form `AVNE-XXXX-XXXX`: ASCII letters
 * are upper-cased, spaces and dashes are dropped, and the `AVNE` prefix is
 * optional.  So `avne k7m3 p9x2`, `AVNEK7M3P9X2` and `k7m3-p9x2` all give
 * `AVNE-K7M3-P9X2`.
 *
 * Returns: (transfer full): the canonical code, or %NULL with @error set
 *   (%AVANUE_INVITE_CODE_ERROR_INVALID_LENGTH,
 *   %AVANUE_INVITE_CODE_ERROR_CONFUSABLE_CHARACTER or
 *   %AVANUE_INVITE_CODE_ERROR_INVALID_CHARACTER)
 *
 * Since: 0.1
 */
char *
avanue_invite_code_normalize (const char  *text,
                              GError     **error)
{
  char compact[CODE_CHARS + sizeof CODE_PREFIX];
  gsize len = 0;
  const char *body;

  g_return_val_if_fail (text != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  for (const char *p = text; *p != '\0'; p++)
    {
      if (*p == '-' || g_ascii_isspace (*p))
        continue;
      if (len == sizeof compact - 1)
        {
          g_set_error_literal (error, AVANUE_INVITE_CODE_ERROR,
                               AVANUE_INVITE_CODE_ERROR_INVALID_LENGTH,
                               "An invite code has 8 characters after AVNE-");
          return NULL;
        }
      compact[len++] = g_ascii_toupper (*p);
    }
  compact[len] = '\0';

  if (len == CODE_CHARS)
    body = compact;
  else if (len == CODE_CHARS + strlen (CODE_PREFIX) && g_str_has_prefix (compact, CODE_PREFIX))
    body = compact + strlen (CODE_PREFIX);
  else
    {
      g_set_error_literal (error, AVANUE_INVITE_CODE_ERROR,
                           AVANUE_INVITE_CODE_ERROR_INVALID_LENGTH,
                           "An invite code has 8 characters after AVNE-");
      return NULL;
    }

  for (gsize i = 0; i < CODE_CHARS; i++)
    {
      if (strchr ("01ILO", body[i]) != NULL)
        {
          g_set_error (error, AVANUE_INVITE_CODE_ERROR,
                       AVANUE_INVITE_CODE_ERROR_CONFUSABLE_CHARACTER,
                       "Invite codes never contain ‘%c’ (it is easily misread)", body[i]);
          return NULL;
        }
      if (strchr (AVANUE_INVITE_CODE_ALPHABET, body[i]) == NULL)
        {
          g_set_error_literal (error, AVANUE_INVITE_CODE_ERROR,
                               AVANUE_INVITE_CODE_ERROR_INVALID_CHARACTER,
                               "Invite codes contain only digits 2–9 and letters");
          return NULL;
        }
    }

  return format_code (body);
}

/**
 * avanue_invite_code_is_valid:
 * @text: a string
 *
 * Checks whether @text is an invite code in canonical form, exactly
 * `AVNE-XXXX-XXXX`.  Use [func@Avanue.InviteCode.normalize] for typed input.
 *
 * Returns: %TRUE if @text is a canonical invite code
 *
 * Since: 0.1
 */
gboolean
avanue_invite_code_is_valid (const char *text)
{
  g_autofree char *canonical = NULL;

  if (text == NULL)
    return FALSE;
  canonical = avanue_invite_code_normalize (text, NULL);
  return canonical != NULL && g_str_equal (canonical, text);
}

/**
 * avanue_invite_code_new_from_string:
 * @text: an invite code as somebody typed it
 * @error: return location for a #GError
 *
 * Reads a typed invite code; see [func@Avanue.InviteCode.normalize].
 *
 * Returns: (transfer full): the invite code, or %NULL with @error set
 *
 * Since: 0.1
 */
AvanueInviteCode *
avanue_invite_code_new_from_string (const char  *text,
                                    GError     **error)
{
  char *code;

  g_return_val_if_fail (text != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  code = avanue_invite_code_normalize (text, error);
  if (code == NULL)
    return NULL;
  return invite_code_new_take (code);
}

/**
 * avanue_invite_code_get_code:
 * @self: an #AvanueInviteCode
 *
 * Returns: the canonical code, such as `AVNE-K7M3-P9X2`
 *
 * Since: 0.1
 */
const char *
avanue_invite_code_get_code (AvanueInviteCode *self)
{
  g_return_val_if_fail (AVANUE_IS_INVITE_CODE (self), NULL);
  return self->code;
}

/**
 * avanue_invite_code_get_join_url:
 * @self: an #AvanueInviteCode
 *
 * The deep link that QR codes carry: `avanues://join/AVNE-XXXX-XXXX`.
 *
 * Returns: (transfer full): the join URL
 *
 * Since: 0.1
 */
char *
avanue_invite_code_get_join_url (AvanueInviteCode *self)
{
  g_return_val_if_fail (AVANUE_IS_INVITE_CODE (self), NULL);
  return g_strconcat ("avanues://join/", self->code, NULL);
}
