/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <string.h>

#include "avanue.h"

static gboolean
matches_format (const char *code)
{
  if (strlen (code) != 14 || !g_str_has_prefix (code, "AVNE-") || code[9] != '-')
    return FALSE;
  for (gsize i = 5; i < 14; i++)
    if (i != 9 && strchr (AVANUE_INVITE_CODE_ALPHABET, code[i]) == NULL)
      return FALSE;
  return TRUE;
}

static void
test_generate (void)
{
  g_autoptr(GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  guint counts[256] = { 0 };
  const guint n = 2000;

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(AvanueInviteCode) code = avanue_invite_code_generate ();
      const char *text = avanue_invite_code_get_code (code);

      g_assert_true (matches_format (text));
      g_assert_true (avanue_invite_code_is_valid (text));
      /* 2000 codes out of 31^8: a repeat means a broken generator. */
      g_assert_true (g_hash_table_add (seen, g_strdup (text)));
      for (gsize j = 5; j < 14; j++)
        counts[(guchar) text[j]]++;
    }

  /* 16000 characters: every one of the 31 is expected ~516 times; each must
   * appear, and none may dominate (a rough but sure sign of bias). */
  for (gsize i = 0; i < strlen (AVANUE_INVITE_CODE_ALPHABET); i++)
    {
      guint c = counts[(guchar) AVANUE_INVITE_CODE_ALPHABET[i]];

      g_assert_cmpuint (c, >, 300);
      g_assert_cmpuint (c, <, 800);
    }
}

static void
test_normalize (void)
{
  const struct { const char *in; const char *out; } cases[] = {
    { "AVNE-K7M3-P9X2", "AVNE-K7M3-P9X2" },
    { "avne-k7m3-p9x2", "AVNE-K7M3-P9X2" },
    { "AVNEK7M3P9X2", "AVNE-K7M3-P9X2" },
    { " avne k7m3 p9x2\n", "AVNE-K7M3-P9X2" },
    { "k7m3-p9x2", "AVNE-K7M3-P9X2" },
    { "K7M3P9X2", "AVNE-K7M3-P9X2" },
    { "AVNE--K7M3--P9X2", "AVNE-K7M3-P9X2" },
    { "avne2345abcd", "AVNE-2345-ABCD" },
    /* 8 characters that happen to spell AVNE are a code of their own. */
    { "AVNEAVNE", "AVNE-AVNE-AVNE" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *out = avanue_invite_code_normalize (cases[i].in, &error);
      g_autoptr(AvanueInviteCode) code = NULL;

      g_assert_no_error (error);
      g_assert_cmpstr (out, ==, cases[i].out);
      code = avanue_invite_code_new_from_string (cases[i].in, &error);
      g_assert_no_error (error);
      g_assert_cmpstr (avanue_invite_code_get_code (code), ==, cases[i].out);
    }
}

static void
test_reject (void)
{
  const struct { const char *in; int code; } cases[] = {
    { "", AVANUE_INVITE_CODE_ERROR_INVALID_LENGTH },
    { "AVNE-K7M3-P9X", AVANUE_INVITE_CODE_ERROR_INVALID_LENGTH },
    { "AVNE-K7M3-P9X22", AVANUE_INVITE_CODE_ERROR_INVALID_LENGTH },
    { "XXXX-K7M3-P9X2", AVANUE_INVITE_CODE_ERROR_INVALID_LENGTH },
    { "AVNE-K7M3-P9X2-K7M3-P9X2-K7M3", AVANUE_INVITE_CODE_ERROR_INVALID_LENGTH },
    { "AVNE-K0M3-P9X2", AVANUE_INVITE_CODE_ERROR_CONFUSABLE_CHARACTER },
    { "AVNE-K7M3-P1X2", AVANUE_INVITE_CODE_ERROR_CONFUSABLE_CHARACTER },
    { "avne-k7m3-p9xi", AVANUE_INVITE_CODE_ERROR_CONFUSABLE_CHARACTER },
    { "avne-k7m3-l9x2", AVANUE_INVITE_CODE_ERROR_CONFUSABLE_CHARACTER },
    { "AVNE-O7M3-P9X2", AVANUE_INVITE_CODE_ERROR_CONFUSABLE_CHARACTER },
    { "AVNE-K7M3-P9X#", AVANUE_INVITE_CODE_ERROR_INVALID_CHARACTER },
    { "AVNE-K7M3-P9X_", AVANUE_INVITE_CODE_ERROR_INVALID_CHARACTER },
    /* "é" is two bytes in UTF-8, so this is too long, not a letter */
    { "AVNE-K7M3-P9Xé", AVANUE_INVITE_CODE_ERROR_INVALID_LENGTH },
    { "AVNE-K7M3-P9X\xc3", AVANUE_INVITE_CODE_ERROR_INVALID_CHARACTER },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *out = avanue_invite_code_normalize (cases[i].in, &error);
      g_autoptr(AvanueInviteCode) code = NULL;

      g_test_message ("input: %s", cases[i].in);
      g_assert_null (out);
      g_assert_error (error, AVANUE_INVITE_CODE_ERROR, cases[i].code);
      g_clear_error (&error);
      code = avanue_invite_code_new_from_string (cases[i].in, &error);
      g_assert_null (code);
      g_assert_error (error, AVANUE_INVITE_CODE_ERROR, cases[i].code);
    }
}

static void
test_is_valid (void)
{
  g_assert_true (avanue_invite_code_is_valid ("AVNE-K7M3-P9X2"));
  /* only the canonical form is valid as it stands */
  g_assert_false (avanue_invite_code_is_valid ("avne-k7m3-p9x2"));
  g_assert_false (avanue_invite_code_is_valid ("AVNEK7M3P9X2"));
  g_assert_false (avanue_invite_code_is_valid ("AVNE-K7M3-P9XO"));
  g_assert_false (avanue_invite_code_is_valid (NULL));
}

static void
test_join_url (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(AvanueInviteCode) code = avanue_invite_code_new_from_string ("k7m3p9x2", &error);
  g_autofree char *url = NULL;
  g_autofree char *prop = NULL;

  g_assert_no_error (error);
  url = avanue_invite_code_get_join_url (code);
  g_assert_cmpstr (url, ==, "avanues://join/AVNE-K7M3-P9X2");
  g_object_get (code, "code", &prop, NULL);
  g_assert_cmpstr (prop, ==, "AVNE-K7M3-P9X2");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/avanue/invite-code/generate", test_generate);
  g_test_add_func ("/avanue/invite-code/normalize", test_normalize);
  g_test_add_func ("/avanue/invite-code/reject", test_reject);
  g_test_add_func ("/avanue/invite-code/is-valid", test_is_valid);
  g_test_add_func ("/avanue/invite-code/join-url", test_join_url);

  return g_test_run ();
}
