/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Tests of AvanueIdentity.
 *
 * The fingerprint and the signatures are checked against OpenSSL, run at
 * test time, so that the test does not only agree with itself. Tests that
 * need OpenSSL are skipped (with a reason) when it is missing. */
#include "config.h"

#include <string.h>
#include <sys/stat.h>
#include <glib/gstdio.h>

#include "avanue.h"

typedef struct
{
  char *dir;
} Fixture;

static void
rm_rf (const char *path)
{
  GStatBuf st;

  if (g_lstat (path, &st) != 0)
    return;
  if (S_ISDIR (st.st_mode))
    {
      g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
      const char *name;

      while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
        {
          g_autofree char *child = g_build_filename (path, name, NULL);
          rm_rf (child);
        }
      g_rmdir (path);
    }
  else
    {
      g_unlink (path);
    }
}

static void
fixture_setup (Fixture *fixture, gconstpointer data)
{
  g_autoptr(GError) error = NULL;

  fixture->dir = g_dir_make_tmp ("avanue-identity-XXXXXX", &error);
  g_assert_no_error (error);
}

static void
fixture_teardown (Fixture *fixture, gconstpointer data)
{
  rm_rf (fixture->dir);
  g_free (fixture->dir);
}

static char *
fixture_path (Fixture *fixture, const char *name)
{
  return g_build_filename (fixture->dir, name, NULL);
}

static gboolean
have_openssl (void)
{
  g_autofree char *openssl = g_find_program_in_path ("openssl");

  if (openssl == NULL)
    {
      g_test_skip ("openssl is not installed: cannot check against an independent implementation");
      return FALSE;
    }
  return TRUE;
}

/* Runs a shell script with positional arguments; returns its stdout, or
 * NULL (with @error) if it could not run or exited with a failure. */
static char *
run_sh (const char  *script,
        const char  *arg1,
        const char  *arg2,
        GError     **error)
{
  const char *argv[] = { "/bin/sh", "-c", script, "sh", arg1, arg2, NULL };
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  int status = 0;

  if (!g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_DEFAULT, NULL, NULL,
                     &out, &err, &status, error))
    return NULL;
  if (!g_spawn_check_wait_status (status, error))
    {
      g_prefix_error (error, "%s [%s]: ", script, err);
      return NULL;
    }

  return g_strstrip (g_steal_pointer (&out));
}

/* Runs a shell script that must succeed; its output is not wanted. */
static void
run_sh_ok (const char *script,
           const char *arg1,
           const char *arg2)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *out = run_sh (script, arg1, arg2, &error);

  g_assert_no_error (error);
  g_assert_nonnull (out);
}

static void
write_file (const char *path, const void *data, gsize len, int mode)
{
  g_autoptr(GError) error = NULL;

  g_file_set_contents_full (path, data, (gssize) len, G_FILE_SET_CONTENTS_NONE, mode, &error);
  g_assert_no_error (error);
  g_assert_cmpint (g_chmod (path, mode), ==, 0);
}

static GBytes *
bytes_from_file (const char *path)
{
  g_autoptr(GError) error = NULL;
  char *contents = NULL;
  gsize len = 0;

  g_file_get_contents (path, &contents, &len, &error);
  g_assert_no_error (error);
  return g_bytes_new_take (contents, len);
}

static void
bytes_to_file (const char *path, GBytes *bytes)
{
  write_file (path, g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes), 0600);
}

static GBytes *
flip_bit (GBytes *bytes, gsize index, guint bit)
{
  gsize len = 0;
  guint8 *copy = g_memdup2 (g_bytes_get_data (bytes, &len), g_bytes_get_size (bytes));

  g_assert_cmpuint (index, <, len);
  copy[index] ^= (guint8) (1u << bit);
  return g_bytes_new_take (copy, len);
}

static void
assert_fingerprint_format (const char *fingerprint)
{
  g_assert_nonnull (fingerprint);
  g_assert_cmpuint (strlen (fingerprint), ==, 64);
  for (const char *p = fingerprint; *p != '\0'; p++)
    g_assert_true (g_ascii_isdigit (*p) || (*p >= 'a' && *p <= 'f'));
}

static int
file_mode (const char *path)
{
  GStatBuf st;

  g_assert_cmpint (g_stat (path, &st), ==, 0);
  return st.st_mode & 07777;
}

static void
test_create_sign_verify (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(AvanueIdentity) identity = NULL;
  g_autoptr(AvanueIdentity) other = NULL;
  g_autoptr(GBytes) data = g_bytes_new_static ("AVANUE1 REGISTER bm9uY2U=", 25);
  g_autoptr(GBytes) empty = g_bytes_new_static ("", 0);
  g_autoptr(GBytes) sig = NULL;
  g_autoptr(GBytes) sig2 = NULL;
  g_autoptr(GBytes) sig_empty = NULL;
  g_autofree guint8 *raw = NULL;
  g_autofree char *fp = NULL;
  g_autofree char *sig_b64 = NULL;
  g_autofree char *prop_fp = NULL;
  g_autofree char *prop_pk = NULL;
  gsize raw_len = 0;
  GBytes *public_key;

  identity = avanue_identity_new (&error);
  g_assert_no_error (error);
  g_assert_true (AVANUE_IS_IDENTITY (identity));

  assert_fingerprint_format (avanue_identity_get_fingerprint (identity));
  raw = g_base64_decode (avanue_identity_get_public_key_base64 (identity), &raw_len);
  g_assert_cmpuint (raw_len, ==, 32);
  public_key = avanue_identity_get_public_key (identity);
  g_assert_nonnull (public_key);
  g_assert_cmpmem (g_bytes_get_data (public_key, NULL), g_bytes_get_size (public_key), raw, raw_len);

  fp = avanue_identity_fingerprint_for_public_key (avanue_identity_get_public_key_base64 (identity), &error);
  g_assert_no_error (error);
  g_assert_cmpstr (fp, ==, avanue_identity_get_fingerprint (identity));

  g_object_get (identity, "fingerprint", &prop_fp, "public-key-base64", &prop_pk, NULL);
  g_assert_cmpstr (prop_fp, ==, avanue_identity_get_fingerprint (identity));
  g_assert_cmpstr (prop_pk, ==, avanue_identity_get_public_key_base64 (identity));

  sig = avanue_identity_sign (identity, data, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_bytes_get_size (sig), ==, 64);
  g_assert_true (avanue_identity_verify (identity, data, sig, &error));
  g_assert_no_error (error);
  g_assert_true (avanue_identity_verify_with_public_key (avanue_identity_get_public_key_base64 (identity),
                                                         data, sig, &error));
  g_assert_no_error (error);

  /* Ed25519 is deterministic (RFC 8032). */
  sig2 = avanue_identity_sign (identity, data, &error);
  g_assert_no_error (error);
  g_assert_true (g_bytes_equal (sig, sig2));

  /* The base64 convenience signs the same bytes. */
  sig_b64 = avanue_identity_sign_base64 (identity, "AVANUE1 REGISTER bm9uY2U=", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (strlen (sig_b64), ==, 88);
  {
    g_autofree char *expected = g_base64_encode (g_bytes_get_data (sig, NULL), 64);
    g_assert_cmpstr (sig_b64, ==, expected);
  }
  g_assert_true (avanue_identity_verify_base64_with_public_key (avanue_identity_get_public_key_base64 (identity),
                                                                "AVANUE1 REGISTER bm9uY2U=", sig_b64, &error));
  g_assert_no_error (error);
  g_assert_false (avanue_identity_verify_base64_with_public_key (avanue_identity_get_public_key_base64 (identity),
                                                                 "AVANUE1 REGISTER bm9uY2U", sig_b64, &error));
  g_assert_error (error, AVANUE_IDENTITY_ERROR, AVANUE_IDENTITY_ERROR_BAD_SIGNATURE);
  g_clear_error (&error);

  /* An empty message can be signed too. */
  sig_empty = avanue_identity_sign (identity, empty, &error);
  g_assert_no_error (error);
  g_assert_true (avanue_identity_verify (identity, empty, sig_empty, &error));
  g_assert_no_error (error);
  g_assert_false (avanue_identity_verify (identity, data, sig_empty, &error));
  g_assert_error (error, AVANUE_IDENTITY_ERROR, AVANUE_IDENTITY_ERROR_BAD_SIGNATURE);
  g_clear_error (&error);

  /* Another identity: another key, and our signature is not its. */
  other = avanue_identity_new (&error);
  g_assert_no_error (error);
  g_assert_cmpstr (avanue_identity_get_fingerprint (other), !=, avanue_identity_get_fingerprint (identity));
  g_assert_false (avanue_identity_verify (other, data, sig, &error));
  g_assert_error (error, AVANUE_IDENTITY_ERROR, AVANUE_IDENTITY_ERROR_BAD_SIGNATURE);
  g_clear_error (&error);
}

static void
test_tampered (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(AvanueIdentity) identity = avanue_identity_new (&error);
  g_autoptr(GBytes) data = g_bytes_new_static ("the quick brown fox jumps over the lazy dog", 43);
  g_autoptr(GBytes) sig = NULL;
  g_autoptr(GBytes) short_sig = NULL;
  const char *pk;

  g_assert_no_error (error);
  pk = avanue_identity_get_public_key_base64 (identity);
  sig = avanue_identity_sign (identity, data, &error);
  g_assert_no_error (error);

  /* One flipped bit anywhere in the data... */
  for (gsize i = 0; i < g_bytes_get_size (data); i++)
    {
      g_autoptr(GBytes) bad = flip_bit (data, i, (guint) (i % 8));

      g_assert_false (avanue_identity_verify (identity, bad, sig, &error));
      g_assert_error (error, AVANUE_IDENTITY_ERROR, AVANUE_IDENTITY_ERROR_BAD_SIGNATURE);
      g_clear_error (&error);
      g_assert_false (avanue_identity_verify_with_public_key (pk, bad, sig, &error));
      g_assert_error (error, AVANUE_IDENTITY_ERROR, AVANUE_IDENTITY_ERROR_BAD_SIGNATURE);
      g_clear_error (&error);
    }

  /* ...or anywhere in the signature. */
  for (gsize i = 0; i < 64; i++)
    {
      g_autoptr(GBytes) bad = flip_bit (sig, i, (guint) ((i * 3) % 8));

      g_assert_false (avanue_identity_verify (identity, data, bad, &error));
      g_assert_error (error, AVANUE_IDENTITY_ERROR, AVANUE_IDENTITY_ERROR_BAD_SIGNATURE);
      g_clear_error (&error);
      g_assert_false (avanue_identity_verify_with_public_key (pk, data, bad, &error));
      g_assert_error (error, AVANUE_IDENTITY_ERROR, AVANUE_IDENTITY_ERROR_BAD_SIGNATURE);
      g_clear_error (&error);
    }

  /* A signature of the wrong size. */
  short_sig = g_bytes_new_from_bytes (sig, 0, 63);
  g_assert_false (avanue_identity_verify (identity, data, short_sig, &error));
  g_assert_error (error, AVANUE_IDENTITY_ERROR, AVANUE_IDENTITY_ERROR_BAD_SIGNATURE);
  g_clear_error (&error);

  /* The untouched pair still verifies. */
  g_assert_true (avanue_identity_verify (identity, data, sig, &error));
  g_assert_no_error (error);
}

static void
test_save_load (Fixture *fixture, gconstpointer user_data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(AvanueIdentity) identity = NULL;
  g_autoptr(AvanueIdentity) loaded = NULL;
  g_autoptr(AvanueIdentity) reloaded = NULL;
  g_autoptr(GBytes) data = g_bytes_new_static ("payload", 7);
  g_autoptr(GBytes) sig = NULL;
  g_autofree char *parent = fixture_path (fixture, "state");
  g_autofree char *subdir = g_build_filename (parent, "avanue", NULL);
  g_autofree char *path = g_build_filename (subdir, "identity.pem", NULL);
  g_autofree char *contents = NULL;
  g_autoptr(GDir) dir = NULL;
  const char *name;
  int n_files = 0;
  mode_t old_umask;

  identity = avanue_identity_new (&error);
  g_assert_no_error (error);

  /* Whatever the umask, the key is 0600 and new directories are 0700. */
  old_umask = umask (0);
  g_assert_true (avanue_identity_save (identity, path, &error));
  umask (old_umask);
  g_assert_no_error (error);
  g_assert_cmpint (file_mode (path), ==, 0600);
  g_assert_cmpint (file_mode (subdir), ==, 0700);
  g_assert_cmpint (file_mode (parent), ==, 0700);

  g_file_get_contents (path, &contents, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (g_str_has_prefix (contents, "-----BEGIN PRIVATE KEY-----\n"));

  loaded = avanue_identity_load (path, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (avanue_identity_get_fingerprint (loaded), ==, avanue_identity_get_fingerprint (identity));
  g_assert_cmpstr (avanue_identity_get_public_key_base64 (loaded), ==,
                   avanue_identity_get_public_key_base64 (identity));

  /* The loaded key is the same private key: it signs for the original. */
  sig = avanue_identity_sign (loaded, data, &error);
  g_assert_no_error (error);
  g_assert_true (avanue_identity_verify (identity, data, sig, &error));
  g_assert_no_error (error);

  /* Saving over an existing world-readable file leaves it 0600. */
  g_assert_cmpint (g_chmod (path, 0644), ==, 0);
  g_assert_true (avanue_identity_save (loaded, path, &error));
  g_assert_no_error (error);
  g_assert_cmpint (file_mode (path), ==, 0600);
  reloaded = avanue_identity_load (path, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (avanue_identity_get_fingerprint (reloaded), ==, avanue_identity_get_fingerprint (identity));

  /* No temporary file is left behind. */
  dir = g_dir_open (subdir, 0, &error);
  g_assert_no_error (error);
  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_assert_cmpstr (name, ==, "identity.pem");
      n_files++;
    }
  g_assert_cmpint (n_files, ==, 1);
}

/* The raw public key and the fingerprint as OpenSSL computes them from a
 * private key file: the last 32 bytes of the SubjectPublicKeyInfo DER. */
static void
openssl_public_key (const char *key_path, char **out_fingerprint, char **out_base64)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *sha = NULL;

  sha = run_sh ("openssl pkey -in \"$1\" -pubout -outform DER | tail -c 32 | sha256sum",
                key_path, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (strlen (sha), >=, 64);
  *out_fingerprint = g_strndup (sha, 64);

  *out_base64 = run_sh ("openssl pkey -in \"$1\" -pubout -outform DER | tail -c 32 | base64",
                        key_path, NULL, &error);
  g_assert_no_error (error);
}

static void
test_fingerprint_openssl (Fixture *fixture, gconstpointer user_data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(AvanueIdentity) identity = NULL;
  g_autoptr(AvanueIdentity) from_openssl = NULL;
  g_autofree char *path = fixture_path (fixture, "ours.pem");
  g_autofree char *openssl_path = fixture_path (fixture, "openssl.pem");
  g_autofree char *fp = NULL;
  g_autofree char *pk = NULL;
  g_autofree char *fp2 = NULL;
  g_autofree char *pk2 = NULL;

  if (!have_openssl ())
    return;

  /* Our key, read by OpenSSL. */
  identity = avanue_identity_new (&error);
  g_assert_no_error (error);
  g_assert_true (avanue_identity_save (identity, path, &error));
  g_assert_no_error (error);

  openssl_public_key (path, &fp, &pk);
  assert_fingerprint_format (fp);
  g_assert_cmpstr (avanue_identity_get_fingerprint (identity), ==, fp);
  g_assert_cmpstr (avanue_identity_get_public_key_base64 (identity), ==, pk);

  /* A key OpenSSL generated, read by us. */
  run_sh_ok ("openssl genpkey -algorithm ed25519 -out \"$1\" && chmod 600 \"$1\"", openssl_path, NULL);
  from_openssl = avanue_identity_load (openssl_path, &error);
  g_assert_no_error (error);
  openssl_public_key (openssl_path, &fp2, &pk2);
  g_assert_cmpstr (avanue_identity_get_fingerprint (from_openssl), ==, fp2);
  g_assert_cmpstr (avanue_identity_get_public_key_base64 (from_openssl), ==, pk2);
  g_assert_cmpstr (fp2, !=, fp);
}

static void
test_openssl_verifies_ours (Fixture *fixture, gconstpointer user_data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(AvanueIdentity) identity = NULL;
  g_autoptr(GBytes) data = g_bytes_new_static ("AVANUE1 REGISTER q83vEjRWeJA=\n\x01\x02", 32);
  g_autoptr(GBytes) sig = NULL;
  g_autoptr(GBytes) bad_sig = NULL;
  g_autofree char *key = fixture_path (fixture, "key.pem");
  g_autofree char *pub = fixture_path (fixture, "pub.pem");
  g_autofree char *data_path = fixture_path (fixture, "data");
  g_autofree char *sig_path = fixture_path (fixture, "sig");
  g_autofree char *bad_path = fixture_path (fixture, "bad-sig");
  g_autofree char *out = NULL;
  g_autofree char *verify = NULL;

  if (!have_openssl ())
    return;

  identity = avanue_identity_new (&error);
  g_assert_no_error (error);
  g_assert_true (avanue_identity_save (identity, key, &error));
  g_assert_no_error (error);
  run_sh_ok ("openssl pkey -in \"$1\" -pubout -out \"$2\"", key, pub);

  sig = avanue_identity_sign (identity, data, &error);
  g_assert_no_error (error);
  bytes_to_file (data_path, data);
  bytes_to_file (sig_path, sig);

  verify = g_strdup_printf ("openssl pkeyutl -verify -pubin -inkey \"$1\" -rawin -in \"$2\" -sigfile '%s'",
                            sig_path);
  out = run_sh (verify, pub, data_path, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (out, ==, "Signature Verified Successfully");

  /* The OpenSSL check can fail: a flipped bit makes it refuse. */
  bad_sig = flip_bit (sig, 10, 2);
  bytes_to_file (bad_path, bad_sig);
  g_clear_pointer (&verify, g_free);
  verify = g_strdup_printf ("openssl pkeyutl -verify -pubin -inkey \"$1\" -rawin -in \"$2\" -sigfile '%s'",
                            bad_path);
  g_clear_pointer (&out, g_free);
  out = run_sh (verify, pub, data_path, &error);
  g_assert_null (out);
  g_assert_nonnull (error);
}

static void
test_ours_verifies_openssl (Fixture *fixture, gconstpointer user_data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) data = g_bytes_new_static ("AVANUE1 REGISTER c2VydmVyIG5vbmNl", 33);
  g_autoptr(GBytes) sig = NULL;
  g_autoptr(GBytes) bad_data = NULL;
  g_autofree char *key = fixture_path (fixture, "openssl.pem");
  g_autofree char *data_path = fixture_path (fixture, "data");
  g_autofree char *sig_path = fixture_path (fixture, "sig");
  g_autofree char *fp = NULL;
  g_autofree char *pk = NULL;
  g_autofree char *our_fp = NULL;
  g_autofree char *sig_b64 = NULL;
  g_autofree char *script = NULL;

  if (!have_openssl ())
    return;

  run_sh_ok ("openssl genpkey -algorithm ed25519 -out \"$1\"", key, NULL);
  bytes_to_file (data_path, data);
  script = g_strdup_printf ("openssl pkeyutl -sign -inkey \"$1\" -rawin -in \"$2\" -out '%s'", sig_path);
  run_sh_ok (script, key, data_path);
  sig = bytes_from_file (sig_path);
  g_assert_cmpuint (g_bytes_get_size (sig), ==, 64);

  openssl_public_key (key, &fp, &pk);
  g_assert_true (avanue_identity_verify_with_public_key (pk, data, sig, &error));
  g_assert_no_error (error);

  sig_b64 = g_base64_encode (g_bytes_get_data (sig, NULL), 64);
  g_assert_true (avanue_identity_verify_base64_with_public_key (pk, "AVANUE1 REGISTER c2VydmVyIG5vbmNl",
                                                                sig_b64, &error));
  g_assert_no_error (error);

  our_fp = avanue_identity_fingerprint_for_public_key (pk, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (our_fp, ==, fp);

  bad_data = flip_bit (data, 0, 0);
  g_assert_false (avanue_identity_verify_with_public_key (pk, bad_data, sig, &error));
  g_assert_error (error, AVANUE_IDENTITY_ERROR, AVANUE_IDENTITY_ERROR_BAD_SIGNATURE);
}

static void
assert_load_fails (const char *path, GQuark domain, int code)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(AvanueIdentity) identity = avanue_identity_load (path, &error);

  g_assert_null (identity);
  g_assert_error (error, domain, code);
  g_test_message ("%s: %s", path, error->message);
}

static void
openssl_genpkey (const char *path, const char *args)
{
  g_autofree char *script = g_strdup_printf ("openssl genpkey %s -out \"$1\" 2>/dev/null && chmod 600 \"$1\"", args);

  run_sh_ok (script, path, NULL);
}

static void
test_load_errors (Fixture *fixture, gconstpointer user_data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(AvanueIdentity) identity = NULL;
  g_autofree char *good = fixture_path (fixture, "good.pem");
  g_autofree char *garbage = fixture_path (fixture, "garbage.pem");
  g_autofree char *binary = fixture_path (fixture, "binary.pem");
  g_autofree char *empty = fixture_path (fixture, "empty.pem");
  g_autofree char *truncated = fixture_path (fixture, "truncated.pem");
  g_autofree char *no_footer = fixture_path (fixture, "no-footer.pem");
  g_autofree char *bad_body = fixture_path (fixture, "bad-body.pem");
  g_autofree char *huge = fixture_path (fixture, "huge.pem");
  g_autofree char *rsa = fixture_path (fixture, "rsa.pem");
  g_autofree char *ec = fixture_path (fixture, "ec.pem");
  g_autofree char *ed448 = fixture_path (fixture, "ed448.pem");
  g_autofree char *encrypted = fixture_path (fixture, "encrypted.pem");
  g_autofree char *pub = fixture_path (fixture, "pub.pem");
  g_autofree char *contents = NULL;
  g_autofree char *big = NULL;
  gsize len = 0;
  const guint8 noise[] = { 0x00, 0xff, 0x30, 0x82, 0x01, 0x00, 0x02, 0x01, 0x00, 0x30 };
  const char *bad_pem =
    "-----BEGIN PRIVATE KEY-----\n"
    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\n"
    "-----END PRIVATE KEY-----\n";

  identity = avanue_identity_new (&error);
  g_assert_no_error (error);
  g_assert_true (avanue_identity_save (identity, good, &error));
  g_assert_no_error (error);
  g_file_get_contents (good, &contents, &len, &error);
  g_assert_no_error (error);

  write_file (garbage, "this is not a key\n", 18, 0600);
  assert_load_fails (garbage, AVANUE_IDENTITY_ERROR, AVANUE_IDENTITY_ERROR_CORRUPT);

  write_file (binary, noise, sizeof noise, 0600);
  assert_load_fails (binary, AVANUE_IDENTITY_ERROR, AVANUE_IDENTITY_ERROR_CORRUPT);

  write_file (empty, "", 0, 0600);
  assert_load_fails (empty, AVANUE_IDENTITY_ERROR, AVANUE_IDENTITY_ERROR_CORRUPT);

  /* Half of a valid PEM file; and the whole body without the footer. */
  write_file (truncated, contents, len / 2, 0600);
  assert_load_fails (truncated, AVANUE_IDENTITY_ERROR, AVANUE_IDENTITY_ERROR_CORRUPT);
  g_assert_nonnull (strstr (contents, "-----END"));
  write_file (no_footer, contents, (gsize) (strstr (contents, "-----END") - contents), 0600);
  assert_load_fails (no_footer, AVANUE_IDENTITY_ERROR, AVANUE_IDENTITY_ERROR_CORRUPT);

  /* The right armour around a body that is not a key. */
  write_file (bad_body, bad_pem, strlen (bad_pem), 0600);
  assert_load_fails (bad_body, AVANUE_IDENTITY_ERROR, AVANUE_IDENTITY_ERROR_CORRUPT);

  /* Far too large to be a key. */
  big = g_strnfill (1024 * 1024, 'A');
  write_file (huge, big, strlen (big), 0600);
  assert_load_fails (huge, AVANUE_IDENTITY_ERROR, AVANUE_IDENTITY_ERROR_CORRUPT);

  if (!have_openssl ())
    return;

  openssl_genpkey (rsa, "-algorithm RSA -pkeyopt rsa_keygen_bits:2048");
  assert_load_fails (rsa, AVANUE_IDENTITY_ERROR, AVANUE_IDENTITY_ERROR_WRONG_KEY_TYPE);

  openssl_genpkey (ec, "-algorithm EC -pkeyopt ec_paramgen_curve:P-256");
  assert_load_fails (ec, AVANUE_IDENTITY_ERROR, AVANUE_IDENTITY_ERROR_WRONG_KEY_TYPE);

  openssl_genpkey (ed448, "-algorithm ed448");
  assert_load_fails (ed448, AVANUE_IDENTITY_ERROR, AVANUE_IDENTITY_ERROR_WRONG_KEY_TYPE);

  /* An encrypted key is refused, not prompted for. */
  openssl_genpkey (encrypted, "-algorithm ed25519 -aes256 -pass pass:secret");
  assert_load_fails (encrypted, AVANUE_IDENTITY_ERROR, AVANUE_IDENTITY_ERROR_CORRUPT);

  /* A public key is not an identity. */
  run_sh_ok ("openssl pkey -in \"$1\" -pubout -out \"$2\" && chmod 600 \"$2\"", good, pub);
  assert_load_fails (pub, AVANUE_IDENTITY_ERROR, AVANUE_IDENTITY_ERROR_CORRUPT);
}

static void
test_insecure_permissions (Fixture *fixture, gconstpointer user_data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(AvanueIdentity) identity = NULL;
  g_autoptr(AvanueIdentity) loaded = NULL;
  g_autofree char *path = fixture_path (fixture, "key.pem");
  const int insecure[] = { 0644, 0640, 0604, 0660, 0666, 0610, 0601, 0700 | 0070 };

  identity = avanue_identity_new (&error);
  g_assert_no_error (error);
  g_assert_true (avanue_identity_save (identity, path, &error));
  g_assert_no_error (error);

  for (gsize i = 0; i < G_N_ELEMENTS (insecure); i++)
    {
      g_assert_cmpint (g_chmod (path, insecure[i]), ==, 0);
      assert_load_fails (path, AVANUE_IDENTITY_ERROR, AVANUE_IDENTITY_ERROR_INSECURE_PERMISSIONS);
    }

  /* Owner-only modes are fine, read-only included. */
  g_assert_cmpint (g_chmod (path, 0400), ==, 0);
  loaded = avanue_identity_load (path, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (avanue_identity_get_fingerprint (loaded), ==, avanue_identity_get_fingerprint (identity));
}

static void
test_missing (Fixture *fixture, gconstpointer user_data)
{
  g_autofree char *path = fixture_path (fixture, "does-not-exist.pem");
  g_autofree char *in_missing_dir = fixture_path (fixture, "nope/key.pem");

  assert_load_fails (path, G_FILE_ERROR, G_FILE_ERROR_NOENT);
  assert_load_fails (in_missing_dir, G_FILE_ERROR, G_FILE_ERROR_NOENT);

  /* A directory is not a key file. */
  g_assert_cmpint (g_chmod (fixture->dir, 0700), ==, 0);
  assert_load_fails (fixture->dir, AVANUE_IDENTITY_ERROR, AVANUE_IDENTITY_ERROR_CORRUPT);
}

static void
test_load_or_create (Fixture *fixture, gconstpointer user_data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(AvanueIdentity) created = NULL;
  g_autoptr(AvanueIdentity) again = NULL;
  g_autoptr(AvanueIdentity) refused = NULL;
  g_autofree char *path = fixture_path (fixture, "sub/identity.pem");
  g_autofree char *corrupt = fixture_path (fixture, "corrupt.pem");
  g_autofree char *contents = NULL;

  created = avanue_identity_load_or_create (path, &error);
  g_assert_no_error (error);
  g_assert_cmpint (file_mode (path), ==, 0600);
  assert_fingerprint_format (avanue_identity_get_fingerprint (created));

  again = avanue_identity_load_or_create (path, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (avanue_identity_get_fingerprint (again), ==, avanue_identity_get_fingerprint (created));

  /* A corrupt key is reported and left alone, never replaced. */
  write_file (corrupt, "garbage", 7, 0600);
  refused = avanue_identity_load_or_create (corrupt, &error);
  g_assert_null (refused);
  g_assert_error (error, AVANUE_IDENTITY_ERROR, AVANUE_IDENTITY_ERROR_CORRUPT);
  g_clear_error (&error);
  g_file_get_contents (corrupt, &contents, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (contents, ==, "garbage");

  /* Likewise a key with unsafe permissions. */
  g_assert_cmpint (g_chmod (path, 0644), ==, 0);
  refused = avanue_identity_load_or_create (path, &error);
  g_assert_null (refused);
  g_assert_error (error, AVANUE_IDENTITY_ERROR, AVANUE_IDENTITY_ERROR_INSECURE_PERMISSIONS);
}

static gpointer
load_or_create_thread (gpointer data)
{
  g_autoptr(GError) error = NULL;
  AvanueIdentity *identity = avanue_identity_load_or_create (data, &error);

  g_assert_no_error (error);
  return identity;
}

static void
test_load_or_create_race (Fixture *fixture, gconstpointer user_data)
{
  g_autofree char *path = fixture_path (fixture, "race/identity.pem");
  GThread *threads[8];
  const char *first = NULL;

  /* Processes starting together all end up with the one key on disk. */
  for (gsize i = 0; i < G_N_ELEMENTS (threads); i++)
    threads[i] = g_thread_new ("load-or-create", load_or_create_thread, path);
  for (gsize i = 0; i < G_N_ELEMENTS (threads); i++)
    {
      g_autoptr(AvanueIdentity) identity = g_thread_join (threads[i]);
      g_autoptr(AvanueIdentity) on_disk = NULL;
      g_autoptr(GError) error = NULL;

      if (first == NULL)
        {
          on_disk = avanue_identity_load (path, &error);
          g_assert_no_error (error);
          first = g_intern_string (avanue_identity_get_fingerprint (on_disk));
        }
      g_assert_cmpstr (avanue_identity_get_fingerprint (identity), ==, first);
    }

  /* And no temporary file is left behind. */
  {
    g_autofree char *dir_path = g_path_get_dirname (path);
    g_autoptr(GDir) dir = g_dir_open (dir_path, 0, NULL);
    const char *name;
    int n_files = 0;

    g_assert_nonnull (dir);
    while ((name = g_dir_read_name (dir)) != NULL)
      {
        g_assert_cmpstr (name, ==, "identity.pem");
        n_files++;
      }
    g_assert_cmpint (n_files, ==, 1);
  }
}

static void
test_bad_public_keys (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(AvanueIdentity) identity = avanue_identity_new (&error);
  g_autoptr(GBytes) data = g_bytes_new_static ("x", 1);
  g_autoptr(GBytes) sig = NULL;
  g_autofree char *pk_31 = NULL;
  g_autofree char *pk_33 = NULL;
  g_autofree char *pk_noncanonical = NULL;
  g_autofree char *pk_unpadded = NULL;
  g_autofree char *pk_spaced = NULL;
  guint8 raw[33] = { 0 };
  const char *pk;

  g_assert_no_error (error);
  pk = avanue_identity_get_public_key_base64 (identity);
  sig = avanue_identity_sign (identity, data, &error);
  g_assert_no_error (error);

  pk_31 = g_base64_encode (raw, 31);
  pk_33 = g_base64_encode (raw, 33);
  /* 32 bytes are 43 characters and "="; the 43rd carries 2 unused bits,
   * which must be zero. */
  {
    static const char alphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    const char *where;

    pk_noncanonical = g_strdup (pk);
    g_assert_cmpint (pk_noncanonical[43], ==, '=');
    where = strchr (alphabet, pk_noncanonical[42]);
    g_assert_nonnull (where);
    pk_noncanonical[42] = alphabet[(where - alphabet) ^ 1];
  }
  pk_unpadded = g_strndup (pk, 43);
  pk_spaced = g_strdup_printf (" %s", pk);

  {
    const char *bad[] = { "", "abc", "!!!!", pk_31, pk_33, pk_unpadded, pk_spaced,
                          "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA==",
                          "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA*" };

    for (gsize i = 0; i < G_N_ELEMENTS (bad); i++)
      {
        g_autofree char *fp = NULL;

        g_assert_false (avanue_identity_verify_with_public_key (bad[i], data, sig, &error));
        g_assert_error (error, AVANUE_IDENTITY_ERROR, AVANUE_IDENTITY_ERROR_INVALID_PUBLIC_KEY);
        g_clear_error (&error);
        fp = avanue_identity_fingerprint_for_public_key (bad[i], &error);
        g_assert_null (fp);
        g_assert_error (error, AVANUE_IDENTITY_ERROR, AVANUE_IDENTITY_ERROR_INVALID_PUBLIC_KEY);
        g_clear_error (&error);
      }
  }

  /* The only change is in the unused bits: same bytes, still refused. */
  {
    g_autofree guint8 *a = NULL;
    g_autofree guint8 *b = NULL;
    gsize a_len = 0, b_len = 0;

    a = g_base64_decode (pk, &a_len);
    b = g_base64_decode (pk_noncanonical, &b_len);
    g_assert_cmpmem (a, a_len, b, b_len);
    g_assert_false (avanue_identity_verify_with_public_key (pk_noncanonical, data, sig, &error));
    g_assert_error (error, AVANUE_IDENTITY_ERROR, AVANUE_IDENTITY_ERROR_INVALID_PUBLIC_KEY);
    g_clear_error (&error);
  }

  /* A malformed base64 signature. */
  g_assert_false (avanue_identity_verify_base64_with_public_key (pk, "x", "not base64!", &error));
  g_assert_error (error, AVANUE_IDENTITY_ERROR, AVANUE_IDENTITY_ERROR_BAD_SIGNATURE);
  g_clear_error (&error);

  /* The right key still works. */
  g_assert_true (avanue_identity_verify_with_public_key (pk, data, sig, &error));
  g_assert_no_error (error);
}

static void
test_uninitialised (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(AvanueIdentity) identity = g_object_new (AVANUE_TYPE_IDENTITY, NULL);
  g_autoptr(GBytes) data = g_bytes_new_static ("x", 1);
  g_autoptr(GBytes) sig = NULL;

  /* Without g_initable_init() there is no key: errors, not crashes. */
  g_assert_null (avanue_identity_get_fingerprint (identity));
  sig = avanue_identity_sign (identity, data, &error);
  g_assert_null (sig);
  g_assert_error (error, AVANUE_IDENTITY_ERROR, AVANUE_IDENTITY_ERROR_FAILED);
  g_clear_error (&error);

  /* g_initable_init() generates the key. */
  g_assert_true (g_initable_init (G_INITABLE (identity), NULL, &error));
  g_assert_no_error (error);
  assert_fingerprint_format (avanue_identity_get_fingerprint (identity));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/avanue/identity/create-sign-verify", test_create_sign_verify);
  g_test_add_func ("/avanue/identity/tampered", test_tampered);
  g_test_add ("/avanue/identity/save-load", Fixture, NULL,
              fixture_setup, test_save_load, fixture_teardown);
  g_test_add ("/avanue/identity/fingerprint-openssl", Fixture, NULL,
              fixture_setup, test_fingerprint_openssl, fixture_teardown);
  g_test_add ("/avanue/identity/openssl-verifies-ours", Fixture, NULL,
              fixture_setup, test_openssl_verifies_ours, fixture_teardown);
  g_test_add ("/avanue/identity/ours-verifies-openssl", Fixture, NULL,
              fixture_setup, test_ours_verifies_openssl, fixture_teardown);
  g_test_add ("/avanue/identity/load-errors", Fixture, NULL,
              fixture_setup, test_load_errors, fixture_teardown);
  g_test_add ("/avanue/identity/insecure-permissions", Fixture, NULL,
              fixture_setup, test_insecure_permissions, fixture_teardown);
  g_test_add ("/avanue/identity/missing", Fixture, NULL,
              fixture_setup, test_missing, fixture_teardown);
  g_test_add ("/avanue/identity/load-or-create", Fixture, NULL,
              fixture_setup, test_load_or_create, fixture_teardown);
  g_test_add ("/avanue/identity/load-or-create-race", Fixture, NULL,
              fixture_setup, test_load_or_create_race, fixture_teardown);
  g_test_add_func ("/avanue/identity/bad-public-keys", test_bad_public_keys);
  g_test_add_func ("/avanue/identity/uninitialised", test_uninitialised);

  return g_test_run ();
}
