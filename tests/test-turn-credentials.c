/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Tests of AvanueTurnCredentials.
 *
 * Passwords are checked against OpenSSL and Python's hmac module, run at
 * test time, not against values copied from our own output. Those checks
 * are skipped (with a reason) when the tool is missing. */
#include "config.h"

#include <string.h>

#include "avanue.h"

#define SECRET "north-wind-7f3c2a"
#define FINGERPRINT "3f5e1d2c4b6a79880a1b2c3d4e5f60718293a4b5c6d7e8f90123456789abcdef"
#define SESSION "0f8fad5b-d9cb-469f-a165-70867728950e"

static const char *const vectors[][2] = {
  /* { secret, username } */
  { SECRET, ("1700000000:" SESSION ":" FINGERPRINT) },
  { "s", "1:a:b" },
  { "secret with spaces and ' quotes \"", "4102444800:user" },
  { "\xc3\xa9t\xc3\xa9-\xe2\x82\xac", "4102444800" },
  /* Longer than the SHA-1 block: HMAC hashes the key first. */
  { "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef-longer-than-a-block",
    ("9999999999:" SESSION ":" FINGERPRINT) },
};

static gint64
now_unix (void)
{
  return g_get_real_time () / G_USEC_PER_SEC;
}

static char *
run (const char * const *argv, GError **error)
{
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  int status = 0;

  if (!g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_DEFAULT, NULL, NULL,
                     &out, &err, &status, error))
    return NULL;
  if (!g_spawn_check_wait_status (status, error))
    {
      g_prefix_error (error, "%s [%s]: ", argv[0], err);
      return NULL;
    }

  return g_strstrip (g_steal_pointer (&out));
}

static char *
openssl_password (const char *secret, const char *username)
{
  const char *argv[] = {
    "/bin/sh", "-c",
    "printf %s \"$1\" | openssl dgst -sha1 -hmac \"$2\" -binary | base64",
    "sh", username, secret, NULL
  };
  g_autoptr(GError) error = NULL;
  char *out = run (argv, &error);

  g_assert_no_error (error);
  return out;
}

static char *
python_password (const char *secret, const char *username)
{
  const char *argv[] = {
    "/usr/bin/python3", "-c",
    "import sys, hmac, hashlib, base64\n"
    "key = sys.argv[2].encode('utf-8', 'surrogateescape')\n"
    "msg = sys.argv[1].encode('utf-8', 'surrogateescape')\n"
    "print(base64.b64encode(hmac.new(key, msg, hashlib.sha1).digest()).decode())\n",
    username, secret, NULL
  };
  g_autoptr(GError) error = NULL;
  char *out = run (argv, &error);

  g_assert_no_error (error);
  return out;
}

static void
test_password_openssl (void)
{
  g_autofree char *openssl = g_find_program_in_path ("openssl");

  if (openssl == NULL)
    {
      g_test_skip ("openssl is not installed: cannot check against an independent HMAC");
      return;
    }

  for (gsize i = 0; i < G_N_ELEMENTS (vectors); i++)
    {
      g_autofree char *ours = avanue_turn_credentials_compute_password (vectors[i][0], vectors[i][1]);
      g_autofree char *theirs = openssl_password (vectors[i][0], vectors[i][1]);

      g_assert_cmpuint (strlen (theirs), ==, 28);
      g_assert_cmpstr (ours, ==, theirs);
    }
}

static void
test_password_python (void)
{
  if (!g_file_test ("/usr/bin/python3", G_FILE_TEST_IS_EXECUTABLE))
    {
      g_test_skip ("/usr/bin/python3 is not installed: cannot check against an independent HMAC");
      return;
    }

  for (gsize i = 0; i < G_N_ELEMENTS (vectors); i++)
    {
      g_autofree char *ours = avanue_turn_credentials_compute_password (vectors[i][0], vectors[i][1]);
      g_autofree char *theirs = python_password (vectors[i][0], vectors[i][1]);

      g_assert_cmpuint (strlen (theirs), ==, 28);
      g_assert_cmpstr (ours, ==, theirs);
    }

  /* Different secrets, different passwords. */
  {
    g_autofree char *a = avanue_turn_credentials_compute_password ("a", "1:x");
    g_autofree char *b = avanue_turn_credentials_compute_password ("b", "1:x");
    g_assert_cmpstr (a, !=, b);
  }
}

static void
test_new (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(AvanueTurnCredentials) creds = NULL;
  g_autofree char *expected_prefix = NULL;
  g_autofree char *username = NULL;
  g_autofree char *password = NULL;
  g_auto(GStrv) parts = NULL;
  gint64 before = now_unix ();
  gint64 after;
  gint64 expires_at = 0;
  gint64 expiry = 0;
  guint ttl = 0;
  const char *secrets[] = { SECRET, NULL };

  creds = avanue_turn_credentials_new (SECRET, SESSION, FINGERPRINT, 3600);
  after = now_unix ();
  g_assert_true (AVANUE_IS_TURN_CREDENTIALS (creds));

  g_object_get (creds,
                "username", &username,
                "password", &password,
                "expires-at", &expires_at,
                "ttl-seconds", &ttl,
                NULL);
  g_assert_cmpstr (username, ==, avanue_turn_credentials_get_username (creds));
  g_assert_cmpstr (password, ==, avanue_turn_credentials_get_password (creds));
  g_assert_cmpint (expires_at, ==, avanue_turn_credentials_get_expires_at (creds));
  g_assert_cmpuint (ttl, ==, 3600);
  g_assert_cmpuint (avanue_turn_credentials_get_ttl_seconds (creds), ==, 3600);
  g_assert_cmpint (expires_at, >=, before + 3600);
  g_assert_cmpint (expires_at, <=, after + 3600);

  /* <expiry>:<session>:<fingerprint>, the expiry in decimal seconds. */
  parts = g_strsplit (username, ":", -1);
  g_assert_cmpuint (g_strv_length (parts), ==, 3);
  expected_prefix = g_strdup_printf ("%" G_GINT64_FORMAT, expires_at);
  g_assert_cmpstr (parts[0], ==, expected_prefix);
  g_assert_cmpstr (parts[1], ==, SESSION);
  g_assert_cmpstr (parts[2], ==, FINGERPRINT);
  g_assert_true (g_ascii_string_to_signed (parts[0], 10, 0, G_MAXINT64, &expiry, NULL));
  g_assert_cmpint (expiry, ==, expires_at);

  /* The password is an HMAC-SHA1 of exactly that username (checked
   * against OpenSSL and Python above). */
  {
    g_autofree char *expected = avanue_turn_credentials_compute_password (SECRET, username);
    g_assert_cmpstr (password, ==, expected);
  }

  g_assert_true (avanue_turn_credentials_verify (secrets, username, password, now_unix (), &error));
  g_assert_no_error (error);

  g_assert_null (avanue_turn_credentials_get_urls (creds));
}

static void
test_new_full (void)
{
  g_autoptr(AvanueTurnCredentials) creds = NULL;
  g_autoptr(AvanueTurnCredentials) past = NULL;
  g_autofree char *openssl = g_find_program_in_path ("openssl");
  gint64 expiry = now_unix () + 600;
  g_autofree char *expected_username = NULL;

  creds = avanue_turn_credentials_new_full (SECRET, expiry, SESSION, FINGERPRINT);
  expected_username = g_strdup_printf ("%" G_GINT64_FORMAT ":" SESSION ":" FINGERPRINT, expiry);
  g_assert_cmpstr (avanue_turn_credentials_get_username (creds), ==, expected_username);
  g_assert_cmpint (avanue_turn_credentials_get_expires_at (creds), ==, expiry);
  g_assert_cmpuint (avanue_turn_credentials_get_ttl_seconds (creds), >=, 599);
  g_assert_cmpuint (avanue_turn_credentials_get_ttl_seconds (creds), <=, 600);

  if (openssl != NULL)
    {
      g_autofree char *theirs = openssl_password (SECRET, expected_username);
      g_assert_cmpstr (avanue_turn_credentials_get_password (creds), ==, theirs);
    }

  past = avanue_turn_credentials_new_full (SECRET, 1000, "s", "f");
  g_assert_cmpstr (avanue_turn_credentials_get_username (past), ==, "1000:s:f");
  g_assert_cmpint (avanue_turn_credentials_get_expires_at (past), ==, 1000);
  g_assert_cmpuint (avanue_turn_credentials_get_ttl_seconds (past), ==, 0);
}

static void
test_new_for_user (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(AvanueTurnCredentials) user = NULL;
  g_autoptr(AvanueTurnCredentials) bare = NULL;
  const char *secrets[] = { SECRET, NULL };
  gint64 now = now_unix ();
  gint64 expiry = now + 86400;
  g_autofree char *expected_user = g_strdup_printf ("%" G_GINT64_FORMAT ":alice", expiry);
  g_autofree char *expected_bare = g_strdup_printf ("%" G_GINT64_FORMAT, expiry);

  user = avanue_turn_credentials_new_for_user (SECRET, expiry, "alice");
  g_assert_cmpstr (avanue_turn_credentials_get_username (user), ==, expected_user);
  g_assert_true (avanue_turn_credentials_verify (secrets,
                                                 avanue_turn_credentials_get_username (user),
                                                 avanue_turn_credentials_get_password (user),
                                                 now, &error));
  g_assert_no_error (error);

  bare = avanue_turn_credentials_new_for_user (SECRET, expiry, NULL);
  g_assert_cmpstr (avanue_turn_credentials_get_username (bare), ==, expected_bare);
  g_assert_true (avanue_turn_credentials_verify (secrets,
                                                 avanue_turn_credentials_get_username (bare),
                                                 avanue_turn_credentials_get_password (bare),
                                                 now, &error));
  g_assert_no_error (error);
}

static void
test_rotation (void)
{
  g_autoptr(GError) error = NULL;
  const char *secrets[] = { "secret-2025", "secret-2024", "secret-2023", NULL };
  const char *only_new[] = { "secret-2025", NULL };
  const char *with_empty[] = { "", "secret-2025", NULL };
  const char *all_empty[] = { "", NULL };
  const char *none[] = { NULL };
  gint64 now = now_unix ();
  g_autofree char *username = g_strdup_printf ("%" G_GINT64_FORMAT ":" SESSION ":" FINGERPRINT, now + 300);
  g_autofree char *pw_new = avanue_turn_credentials_compute_password ("secret-2025", username);
  g_autofree char *pw_old = avanue_turn_credentials_compute_password ("secret-2024", username);
  g_autofree char *pw_older = avanue_turn_credentials_compute_password ("secret-2023", username);
  g_autofree char *pw_other = avanue_turn_credentials_compute_password ("secret-1999", username);
  g_autofree char *pw_empty = avanue_turn_credentials_compute_password ("", username);

  /* The password made with the second secret verifies... */
  g_assert_true (avanue_turn_credentials_verify (secrets, username, pw_old, now, &error));
  g_assert_no_error (error);
  g_assert_cmpint (avanue_turn_credentials_find_secret (secrets, username, pw_old), ==, 1);
  /* ...as do those of the first and third. */
  g_assert_true (avanue_turn_credentials_verify (secrets, username, pw_new, now, &error));
  g_assert_no_error (error);
  g_assert_cmpint (avanue_turn_credentials_find_secret (secrets, username, pw_new), ==, 0);
  g_assert_true (avanue_turn_credentials_verify (secrets, username, pw_older, now, &error));
  g_assert_no_error (error);
  g_assert_cmpint (avanue_turn_credentials_find_secret (secrets, username, pw_older), ==, 2);

  /* Once the old secret is dropped, its passwords stop working. */
  g_assert_false (avanue_turn_credentials_verify (only_new, username, pw_old, now, &error));
  g_assert_error (error, AVANUE_TURN_CREDENTIALS_ERROR, AVANUE_TURN_CREDENTIALS_ERROR_BAD_PASSWORD);
  g_clear_error (&error);

  /* A secret that is not in the list. */
  g_assert_false (avanue_turn_credentials_verify (secrets, username, pw_other, now, &error));
  g_assert_error (error, AVANUE_TURN_CREDENTIALS_ERROR, AVANUE_TURN_CREDENTIALS_ERROR_BAD_PASSWORD);
  g_clear_error (&error);
  g_assert_cmpint (avanue_turn_credentials_find_secret (secrets, username, pw_other), ==, -1);

  /* An empty secret never matches, even a password made with it. */
  g_assert_false (avanue_turn_credentials_verify (with_empty, username, pw_empty, now, &error));
  g_assert_error (error, AVANUE_TURN_CREDENTIALS_ERROR, AVANUE_TURN_CREDENTIALS_ERROR_BAD_PASSWORD);
  g_clear_error (&error);
  g_assert_cmpint (avanue_turn_credentials_find_secret (with_empty, username, pw_new), ==, 1);

  /* No usable secret at all is a configuration error. */
  g_assert_false (avanue_turn_credentials_verify (all_empty, username, pw_empty, now, &error));
  g_assert_error (error, AVANUE_TURN_CREDENTIALS_ERROR, AVANUE_TURN_CREDENTIALS_ERROR_NO_SECRETS);
  g_clear_error (&error);
  g_assert_false (avanue_turn_credentials_verify (none, username, pw_new, now, &error));
  g_assert_error (error, AVANUE_TURN_CREDENTIALS_ERROR, AVANUE_TURN_CREDENTIALS_ERROR_NO_SECRETS);
  g_clear_error (&error);
  g_assert_false (avanue_turn_credentials_verify (NULL, username, pw_new, now, &error));
  g_assert_error (error, AVANUE_TURN_CREDENTIALS_ERROR, AVANUE_TURN_CREDENTIALS_ERROR_NO_SECRETS);
  g_clear_error (&error);
  g_assert_cmpint (avanue_turn_credentials_find_secret (NULL, username, pw_new), ==, -1);
}

static void
test_expiry (void)
{
  g_autoptr(GError) error = NULL;
  const char *secrets[] = { SECRET, NULL };
  gint64 now = now_unix ();
  struct {
    gint64 offset;
    gboolean valid;
  } cases[] = {
    { -86400, FALSE },
    { -1, FALSE },
    { 0, TRUE },           /* expires at the end of this second */
    { 1, TRUE },
    { 86400, TRUE },       /* a day ahead, as turnutils_uclient -W asks */
    { 366 * 86400, TRUE }, /* a year ahead: no cap */
    { 100LL * 365 * 86400, TRUE },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(AvanueTurnCredentials) creds =
        avanue_turn_credentials_new_full (SECRET, now + cases[i].offset, SESSION, FINGERPRINT);
      gboolean ok = avanue_turn_credentials_verify (secrets,
                                                    avanue_turn_credentials_get_username (creds),
                                                    avanue_turn_credentials_get_password (creds),
                                                    now, &error);

      g_test_message ("expiry offset %" G_GINT64_FORMAT, cases[i].offset);
      if (cases[i].valid)
        {
          g_assert_no_error (error);
          g_assert_true (ok);
        }
      else
        {
          g_assert_error (error, AVANUE_TURN_CREDENTIALS_ERROR, AVANUE_TURN_CREDENTIALS_ERROR_EXPIRED);
          g_assert_false (ok);
          g_clear_error (&error);
        }
    }

  /* Any <rest>, even one we would not issue, as long as it is signed. */
  {
    g_autofree char *username = g_strdup_printf ("%" G_GINT64_FORMAT ":turnutils:extra:parts", now + 86400);
    g_autofree char *password = avanue_turn_credentials_compute_password (SECRET, username);

    g_assert_true (avanue_turn_credentials_verify (secrets, username, password, now, &error));
    g_assert_no_error (error);
  }

  /* The largest expiry that fits in a gint64. */
  {
    const char *username = "9223372036854775807:x";
    g_autofree char *password = avanue_turn_credentials_compute_password (SECRET, username);

    g_assert_true (avanue_turn_credentials_verify (secrets, username, password, now, &error));
    g_assert_no_error (error);
  }
}

static void
test_bad_username (void)
{
  const char *secrets[] = { SECRET, NULL };
  const char *bad[] = {
    "",
    ":1700000000:x",
    ("abc:" SESSION),
    "-4102444800:x",
    "+4102444800:x",
    " 4102444800:x",
    "4102444800 :x",
    "4102444800x:y",
    "41024448e3:x",
    "0x7fffffff:x",
    "9223372036854775808:x",   /* > G_MAXINT64 */
    "99999999999999999999:x",  /* 20 digits */
    "4102444800;x",
  };

  for (gsize i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *password = avanue_turn_credentials_compute_password (SECRET, bad[i]);
      gint64 expiry = -1;
      g_autofree char *session = NULL;

      /* Correctly signed, so only the username can be to blame. */
      g_test_message ("username '%s'", bad[i]);
      g_assert_false (avanue_turn_credentials_verify (secrets, bad[i], password, 0, &error));
      g_assert_error (error, AVANUE_TURN_CREDENTIALS_ERROR, AVANUE_TURN_CREDENTIALS_ERROR_BAD_USERNAME);
      g_clear_error (&error);

      g_assert_false (avanue_turn_credentials_parse_username (bad[i], &expiry, &session, NULL, &error));
      g_assert_error (error, AVANUE_TURN_CREDENTIALS_ERROR, AVANUE_TURN_CREDENTIALS_ERROR_BAD_USERNAME);
      g_assert_cmpint (expiry, ==, 0);
      g_assert_null (session);
    }
}

static void
test_wrong_password (void)
{
  g_autoptr(GError) error = NULL;
  const char *secrets[] = { SECRET, NULL };
  gint64 now = now_unix ();
  g_autoptr(AvanueTurnCredentials) creds =
    avanue_turn_credentials_new_full (SECRET, now + 3600, SESSION, FINGERPRINT);
  g_autoptr(AvanueTurnCredentials) other =
    avanue_turn_credentials_new_full (SECRET, now + 3601, SESSION, FINGERPRINT);
  const char *username = avanue_turn_credentials_get_username (creds);
  const char *password = avanue_turn_credentials_get_password (creds);
  g_autofree char *flipped = g_strdup (password);
  g_autofree char *longer = g_strconcat (password, "A", NULL);
  g_autofree char *shorter = g_strndup (password, strlen (password) - 1);
  g_autofree char *upper = g_ascii_strup (password, -1);
  const char *wrong[] = {
    flipped, longer, shorter, "", avanue_turn_credentials_get_password (other), NULL,
  };

  flipped[5] = flipped[5] == 'A' ? 'B' : 'A';

  for (gsize i = 0; wrong[i] != NULL; i++)
    {
      g_assert_false (avanue_turn_credentials_verify (secrets, username, wrong[i], now, &error));
      g_assert_error (error, AVANUE_TURN_CREDENTIALS_ERROR, AVANUE_TURN_CREDENTIALS_ERROR_BAD_PASSWORD);
      g_clear_error (&error);
    }
  if (strcmp (upper, password) != 0)
    {
      g_assert_false (avanue_turn_credentials_verify (secrets, username, upper, now, &error));
      g_assert_error (error, AVANUE_TURN_CREDENTIALS_ERROR, AVANUE_TURN_CREDENTIALS_ERROR_BAD_PASSWORD);
      g_clear_error (&error);
    }

  /* The right password for the other username is wrong for this one, and
   * a username altered after issue no longer matches its password. */
  {
    g_autofree char *altered = g_strdup (username);
    altered[strlen (altered) - 1] = altered[strlen (altered) - 1] == 'f' ? 'e' : 'f';
    g_assert_false (avanue_turn_credentials_verify (secrets, altered, password, now, &error));
    g_assert_error (error, AVANUE_TURN_CREDENTIALS_ERROR, AVANUE_TURN_CREDENTIALS_ERROR_BAD_PASSWORD);
    g_clear_error (&error);
  }

  g_assert_true (avanue_turn_credentials_verify (secrets, username, password, now, &error));
  g_assert_no_error (error);
}

static void
test_parse_username (void)
{
  g_autoptr(GError) error = NULL;
  gint64 expiry = 0;
  char *session = NULL;
  char *fingerprint = NULL;

  g_assert_true (avanue_turn_credentials_parse_username ("1700000000:" SESSION ":" FINGERPRINT,
                                                         &expiry, &session, &fingerprint, &error));
  g_assert_no_error (error);
  g_assert_cmpint (expiry, ==, 1700000000);
  g_assert_cmpstr (session, ==, SESSION);
  g_assert_cmpstr (fingerprint, ==, FINGERPRINT);
  g_clear_pointer (&session, g_free);
  g_clear_pointer (&fingerprint, g_free);

  /* What we issue round-trips. */
  {
    g_autoptr(AvanueTurnCredentials) creds =
      avanue_turn_credentials_new_full (SECRET, 4102444800, SESSION, FINGERPRINT);

    g_assert_true (avanue_turn_credentials_parse_username (avanue_turn_credentials_get_username (creds),
                                                           &expiry, &session, &fingerprint, &error));
    g_assert_no_error (error);
    g_assert_cmpint (expiry, ==, 4102444800);
    g_assert_cmpstr (session, ==, SESSION);
    g_assert_cmpstr (fingerprint, ==, FINGERPRINT);
    g_clear_pointer (&session, g_free);
    g_clear_pointer (&fingerprint, g_free);
  }

  /* A plain user: the user as the session, no fingerprint. */
  g_assert_true (avanue_turn_credentials_parse_username ("1700000000:alice",
                                                         &expiry, &session, &fingerprint, &error));
  g_assert_no_error (error);
  g_assert_cmpint (expiry, ==, 1700000000);
  g_assert_cmpstr (session, ==, "alice");
  g_assert_null (fingerprint);
  g_clear_pointer (&session, g_free);

  /* The expiry alone. */
  g_assert_true (avanue_turn_credentials_parse_username ("1700000000",
                                                         &expiry, &session, &fingerprint, &error));
  g_assert_no_error (error);
  g_assert_cmpint (expiry, ==, 1700000000);
  g_assert_null (session);
  g_assert_null (fingerprint);

  /* The fingerprint is what follows the last colon. */
  g_assert_true (avanue_turn_credentials_parse_username ("5:a:b:c", &expiry, &session, &fingerprint, &error));
  g_assert_no_error (error);
  g_assert_cmpint (expiry, ==, 5);
  g_assert_cmpstr (session, ==, "a:b");
  g_assert_cmpstr (fingerprint, ==, "c");
  g_clear_pointer (&session, g_free);
  g_clear_pointer (&fingerprint, g_free);

  /* Every out parameter is optional; a past expiry is not an error here. */
  g_assert_true (avanue_turn_credentials_parse_username ("5:a:b", NULL, NULL, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (avanue_turn_credentials_parse_username ("5:a:b", &expiry, NULL, NULL, NULL));
  g_assert_cmpint (expiry, ==, 5);
}

static void
notify_count_cb (GObject *object, GParamSpec *pspec, gpointer user_data)
{
  (*(int *) user_data)++;
}

static void
test_urls (void)
{
  g_autoptr(AvanueTurnCredentials) creds =
    avanue_turn_credentials_new (SECRET, SESSION, FINGERPRINT, 60);
  const char *urls[] = { "turn:127.0.0.1:3478?transport=udp", "turn:127.0.0.1:3478?transport=tcp", NULL };
  g_auto(GStrv) from_property = NULL;
  int notified = 0;

  g_signal_connect (creds, "notify::urls", G_CALLBACK (notify_count_cb), &notified);

  avanue_turn_credentials_set_urls (creds, urls);
  g_assert_cmpint (notified, ==, 1);
  g_assert_true (g_strv_equal (avanue_turn_credentials_get_urls (creds), urls));
  g_object_get (creds, "urls", &from_property, NULL);
  g_assert_true (g_strv_equal ((const char * const *) from_property, urls));

  /* Setting the same list again does not notify. */
  avanue_turn_credentials_set_urls (creds, urls);
  g_assert_cmpint (notified, ==, 1);

  g_object_set (creds, "urls", NULL, NULL);
  g_assert_cmpint (notified, ==, 2);
  g_assert_null (avanue_turn_credentials_get_urls (creds));
}

static void
test_from_server (void)
{
  g_autoptr(AvanueTurnCredentials) received = NULL;
  g_autoptr(AvanueTurnCredentials) opaque = NULL;
  const char *urls[] = { "turn:relay.example:3478", NULL };
  gint64 before = now_unix ();

  /* What a client builds from a TURN_CREDENTIALS message: the expiry is
   * read from the username. */
  received = g_object_new (AVANUE_TYPE_TURN_CREDENTIALS,
                           "username", "4102444800:" SESSION ":" FINGERPRINT,
                           "password", "not-checked-here",
                           "ttl-seconds", 3600,
                           "urls", urls,
                           NULL);
  g_assert_cmpint (avanue_turn_credentials_get_expires_at (received), ==, 4102444800);
  g_assert_cmpuint (avanue_turn_credentials_get_ttl_seconds (received), ==, 3600);
  g_assert_true (g_strv_equal (avanue_turn_credentials_get_urls (received), urls));

  /* A username without a leading expiry: the ttl says. */
  opaque = g_object_new (AVANUE_TYPE_TURN_CREDENTIALS,
                         "username", "static-user",
                         "password", "pw",
                         "ttl-seconds", 120,
                         NULL);
  g_assert_cmpint (avanue_turn_credentials_get_expires_at (opaque), >=, before + 120);
  g_assert_cmpint (avanue_turn_credentials_get_expires_at (opaque), <=, now_unix () + 120);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/avanue/turn-credentials/password-openssl", test_password_openssl);
  g_test_add_func ("/avanue/turn-credentials/password-python", test_password_python);
  g_test_add_func ("/avanue/turn-credentials/new", test_new);
  g_test_add_func ("/avanue/turn-credentials/new-full", test_new_full);
  g_test_add_func ("/avanue/turn-credentials/new-for-user", test_new_for_user);
  g_test_add_func ("/avanue/turn-credentials/rotation", test_rotation);
  g_test_add_func ("/avanue/turn-credentials/expiry", test_expiry);
  g_test_add_func ("/avanue/turn-credentials/bad-username", test_bad_username);
  g_test_add_func ("/avanue/turn-credentials/wrong-password", test_wrong_password);
  g_test_add_func ("/avanue/turn-credentials/parse-username", test_parse_username);
  g_test_add_func ("/avanue/turn-credentials/urls", test_urls);
  g_test_add_func ("/avanue/turn-credentials/from-server", test_from_server);

  return g_test_run ();
}
