/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <gnutls/gnutls.h>
#include <gnutls/abstract.h>
#include <gnutls/x509.h>

#include "avanue-identity.h"

/**
 * AvanueIdentity:
 *
 * A device's identity: an Ed25519 key pair.
 *
 * The identity signs the server's nonce when the device registers
 * (REGISTER_DEVICE) and is named by its fingerprint, the lowercase hex
 * SHA-256 of the raw 32-byte public key.
 *
 * On disk the private key is an unencrypted PKCS#8 PEM file
 * (`-----BEGIN PRIVATE KEY-----`), the format `openssl genpkey -algorithm
 * ed25519` writes, so either tool can read what the other wrote. The file
 * must be accessible by its owner only: [ctor@Avanue.Identity.load] refuses a
 * file whose mode gives the group or others any access, and
 * [method@Avanue.Identity.save] writes mode 0600 atomically.
 *
 * An identity never changes once created, and the key material is never
 * logged.
 */

/* A key file is a few hundred bytes; anything much larger is not one. */
#define MAX_KEY_FILE_SIZE (64 * 1024)
#define ED25519_PUBLIC_KEY_SIZE 32
#define ED25519_SIGNATURE_SIZE 64

struct _AvanueIdentity
{
  GObject parent_instance;

  gnutls_privkey_t privkey;
  gnutls_pubkey_t pubkey;
  GBytes *public_key;      /* raw, 32 bytes */
  char *public_key_base64;
  char *fingerprint;
};

enum {
  PROP_0,
  PROP_FINGERPRINT,
  PROP_PUBLIC_KEY_BASE64,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void avanue_identity_initable_iface_init (GInitableIface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (AvanueIdentity, avanue_identity, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_INITABLE,
                                                      avanue_identity_initable_iface_init))

G_DEFINE_QUARK (avanue-identity-error-quark, avanue_identity_error)

/* GnuTLS handles and buffers as GLib auto types. Buffers are wiped before
 * they are freed: some of them hold private key material. */
static void
datum_clear (gnutls_datum_t *datum)
{
  if (datum->data != NULL)
    {
      gnutls_memset (datum->data, 0, datum->size);
      gnutls_free (datum->data);
    }
  datum->data = NULL;
  datum->size = 0;
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (gnutls_datum_t, datum_clear)
G_DEFINE_AUTO_CLEANUP_FREE_FUNC (gnutls_privkey_t, gnutls_privkey_deinit, NULL)
G_DEFINE_AUTO_CLEANUP_FREE_FUNC (gnutls_pubkey_t, gnutls_pubkey_deinit, NULL)
G_DEFINE_AUTO_CLEANUP_FREE_FUNC (gnutls_x509_privkey_t, gnutls_x509_privkey_deinit, NULL)

/* A byte buffer that is wiped when freed. */
typedef struct
{
  guint8 *data;
  gsize len;
} SecretBuffer;

static void
secret_buffer_clear (SecretBuffer *buf)
{
  if (buf->data != NULL)
    {
      gnutls_memset (buf->data, 0, buf->len);
      g_free (buf->data);
    }
  buf->data = NULL;
  buf->len = 0;
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (SecretBuffer, secret_buffer_clear)

static void
bytes_to_datum (GBytes *bytes, gnutls_datum_t *datum)
{
  static unsigned char empty[1];
  gsize size = 0;
  const guint8 *data = g_bytes_get_data (bytes, &size);

  /* GnuTLS wants a valid pointer even for an empty message. */
  datum->data = data != NULL ? (unsigned char *) data : empty;
  datum->size = (unsigned int) size;
}

/* Strict standard base64 (RFC 4648 §4, with padding): g_base64_decode()
 * skips characters it does not know, which is too lenient for keys and
 * signatures received from the network. The text must also be canonical
 * (unused bits zero), so each value has exactly one valid encoding. */
static GBytes *
base64_decode_strict (const char *text, gsize expected_size)
{
  gsize text_len = strlen (text);
  gsize padding = 0;
  gsize out_len = 0;
  g_autofree guint8 *decoded = NULL;
  g_autofree char *reencoded = NULL;

  if (text_len == 0 || text_len % 4 != 0)
    return NULL;
  if (text[text_len - 1] == '=')
    padding++;
  if (text_len >= 2 && text[text_len - 2] == '=')
    padding++;
  for (gsize i = 0; i < text_len - padding; i++)
    {
      char c = text[i];
      if (!g_ascii_isalnum (c) && c != '+' && c != '/')
        return NULL;
    }

  decoded = g_base64_decode (text, &out_len);
  if (out_len != expected_size)
    return NULL;
  reencoded = g_base64_encode (decoded, out_len);
  if (strcmp (reencoded, text) != 0)
    return NULL;

  return g_bytes_new_take (g_steal_pointer (&decoded), out_len);
}

static char *
fingerprint_for_raw_key (GBytes *raw)
{
  return g_compute_checksum_for_bytes (G_CHECKSUM_SHA256, raw);
}

static gnutls_pubkey_t
pubkey_from_base64 (const char *public_key_b64, GError **error)
{
  g_auto(gnutls_pubkey_t) pubkey = NULL;
  g_autoptr(GBytes) raw = NULL;
  gnutls_datum_t x;
  int ret;

  raw = base64_decode_strict (public_key_b64, ED25519_PUBLIC_KEY_SIZE);
  if (raw == NULL)
    {
      g_set_error_literal (error, AVANUE_IDENTITY_ERROR,
                           AVANUE_IDENTITY_ERROR_INVALID_PUBLIC_KEY,
                           "Public key is not padded base64 of a 32-byte Ed25519 key");
      return NULL;
    }

  bytes_to_datum (raw, &x);
  ret = gnutls_pubkey_init (&pubkey);
  if (ret == GNUTLS_E_SUCCESS)
    ret = gnutls_pubkey_import_ecc_raw (pubkey, GNUTLS_ECC_CURVE_ED25519, &x, NULL);
  if (ret != GNUTLS_E_SUCCESS)
    {
      g_set_error (error, AVANUE_IDENTITY_ERROR,
                   AVANUE_IDENTITY_ERROR_INVALID_PUBLIC_KEY,
                   "Could not import the Ed25519 public key: %s",
                   gnutls_strerror (ret));
      return NULL;
    }

  return g_steal_pointer (&pubkey);
}

static gboolean
verify_with_pubkey (gnutls_pubkey_t pubkey,
                    GBytes         *data,
                    GBytes         *signature,
                    GError        **error)
{
  gnutls_datum_t data_datum;
  gnutls_datum_t sig_datum;
  int ret;

  if (g_bytes_get_size (signature) != ED25519_SIGNATURE_SIZE)
    {
      g_set_error (error, AVANUE_IDENTITY_ERROR, AVANUE_IDENTITY_ERROR_BAD_SIGNATURE,
                   "An Ed25519 signature is %d bytes, not %" G_GSIZE_FORMAT,
                   ED25519_SIGNATURE_SIZE, g_bytes_get_size (signature));
      return FALSE;
    }

  bytes_to_datum (data, &data_datum);
  bytes_to_datum (signature, &sig_datum);
  ret = gnutls_pubkey_verify_data2 (pubkey, GNUTLS_SIGN_EDDSA_ED25519, 0,
                                    &data_datum, &sig_datum);
  if (ret < 0)
    {
      g_set_error_literal (error, AVANUE_IDENTITY_ERROR, AVANUE_IDENTITY_ERROR_BAD_SIGNATURE,
                           ret == GNUTLS_E_PK_SIG_VERIFY_FAILED
                             ? "The signature does not match the data and the public key"
                             : gnutls_strerror (ret));
      return FALSE;
    }

  return TRUE;
}

/* Takes ownership of @privkey on success only. */
static gboolean
avanue_identity_set_private_key (AvanueIdentity   *self,
                                 gnutls_privkey_t  privkey,
                                 GError          **error)
{
  g_auto(gnutls_pubkey_t) pubkey = NULL;
  g_auto(gnutls_datum_t) x = { NULL, 0 };
  gnutls_ecc_curve_t curve = GNUTLS_ECC_CURVE_INVALID;
  int ret;

  ret = gnutls_pubkey_init (&pubkey);
  if (ret == GNUTLS_E_SUCCESS)
    ret = gnutls_pubkey_import_privkey (pubkey, privkey, 0, 0);
  if (ret == GNUTLS_E_SUCCESS)
    ret = gnutls_pubkey_export_ecc_raw2 (pubkey, &curve, &x, NULL, 0);
  if (ret != GNUTLS_E_SUCCESS)
    {
      g_set_error (error, AVANUE_IDENTITY_ERROR, AVANUE_IDENTITY_ERROR_FAILED,
                   "Could not derive the public key: %s", gnutls_strerror (ret));
      return FALSE;
    }
  if (curve != GNUTLS_ECC_CURVE_ED25519 || x.size != ED25519_PUBLIC_KEY_SIZE)
    {
      g_set_error_literal (error, AVANUE_IDENTITY_ERROR, AVANUE_IDENTITY_ERROR_WRONG_KEY_TYPE,
                           "The key is not an Ed25519 key");
      return FALSE;
    }

  g_clear_pointer (&self->privkey, gnutls_privkey_deinit);
  g_clear_pointer (&self->pubkey, gnutls_pubkey_deinit);
  g_clear_pointer (&self->public_key, g_bytes_unref);
  g_clear_pointer (&self->public_key_base64, g_free);
  g_clear_pointer (&self->fingerprint, g_free);

  self->privkey = privkey;
  self->pubkey = g_steal_pointer (&pubkey);
  self->public_key = g_bytes_new (x.data, x.size);
  self->public_key_base64 = g_base64_encode (x.data, x.size);
  self->fingerprint = fingerprint_for_raw_key (self->public_key);

  return TRUE;
}

static gboolean
avanue_identity_generate (AvanueIdentity  *self,
                          GError         **error)
{
  g_auto(gnutls_privkey_t) privkey = NULL;
  int ret;

  ret = gnutls_privkey_init (&privkey);
  if (ret == GNUTLS_E_SUCCESS)
    ret = gnutls_privkey_generate2 (privkey, GNUTLS_PK_EDDSA_ED25519,
                                    GNUTLS_CURVE_TO_BITS (GNUTLS_ECC_CURVE_ED25519),
                                    0, NULL, 0);
  if (ret != GNUTLS_E_SUCCESS)
    {
      g_set_error (error, AVANUE_IDENTITY_ERROR, AVANUE_IDENTITY_ERROR_FAILED,
                   "Could not generate an Ed25519 key: %s", gnutls_strerror (ret));
      return FALSE;
    }

  if (!avanue_identity_set_private_key (self, privkey, error))
    return FALSE;
  privkey = NULL;

  return TRUE;
}

static gboolean
avanue_identity_import_pem (AvanueIdentity  *self,
                            const guint8    *pem,
                            gsize            pem_len,
                            GError         **error)
{
  g_auto(gnutls_x509_privkey_t) x509 = NULL;
  g_auto(gnutls_privkey_t) privkey = NULL;
  gnutls_datum_t datum = { (unsigned char *) pem, (unsigned int) pem_len };
  int algo;
  int ret;

  ret = gnutls_x509_privkey_init (&x509);
  if (ret != GNUTLS_E_SUCCESS)
    {
      g_set_error (error, AVANUE_IDENTITY_ERROR, AVANUE_IDENTITY_ERROR_FAILED,
                   "Could not load the key: %s", gnutls_strerror (ret));
      return FALSE;
    }

  /* GNUTLS_PKCS_PLAIN: an encrypted key is refused, never prompted for. */
  ret = gnutls_x509_privkey_import2 (x509, &datum, GNUTLS_X509_FMT_PEM, NULL,
                                     GNUTLS_PKCS_PLAIN);
  if (ret != GNUTLS_E_SUCCESS)
    {
      g_set_error (error, AVANUE_IDENTITY_ERROR, AVANUE_IDENTITY_ERROR_CORRUPT,
                   "Not an unencrypted PEM private key: %s", gnutls_strerror (ret));
      return FALSE;
    }

  algo = gnutls_x509_privkey_get_pk_algorithm2 (x509, NULL);
  if (algo < 0)
    {
      g_set_error (error, AVANUE_IDENTITY_ERROR, AVANUE_IDENTITY_ERROR_CORRUPT,
                   "Unreadable private key: %s", gnutls_strerror (algo));
      return FALSE;
    }
  if (algo != GNUTLS_PK_EDDSA_ED25519)
    {
      const char *name = gnutls_pk_algorithm_get_name ((gnutls_pk_algorithm_t) algo);

      g_set_error (error, AVANUE_IDENTITY_ERROR, AVANUE_IDENTITY_ERROR_WRONG_KEY_TYPE,
                   "The key is %s, not Ed25519", name != NULL ? name : "of an unknown type");
      return FALSE;
    }

  ret = gnutls_privkey_init (&privkey);
  if (ret == GNUTLS_E_SUCCESS)
    ret = gnutls_privkey_import_x509 (privkey, x509, GNUTLS_PRIVKEY_IMPORT_COPY);
  if (ret != GNUTLS_E_SUCCESS)
    {
      g_set_error (error, AVANUE_IDENTITY_ERROR, AVANUE_IDENTITY_ERROR_CORRUPT,
                   "Could not load the Ed25519 key: %s", gnutls_strerror (ret));
      return FALSE;
    }

  if (!avanue_identity_set_private_key (self, privkey, error))
    return FALSE;
  privkey = NULL;

  return TRUE;
}

static gboolean
set_error_from_errno (GError     **error,
                      int          errsv,
                      const char  *what,
                      const char  *path)
{
  g_autofree char *display = g_filename_display_name (path);

  g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (errsv),
               "%s %s: %s", what, display, g_strerror (errsv));
  return FALSE;
}

/* Reads the key file at @path after checking, on the open descriptor, that
 * it is a regular file accessible by its owner only. */
static gboolean
read_key_file (const char    *path,
               SecretBuffer  *out,
               GError       **error)
{
  g_autofree char *display = g_filename_display_name (path);
  struct stat st;
  gsize size;
  gsize done = 0;
  int fd;

  /* O_NONBLOCK: do not hang on a FIFO; it is refused below anyway. */
  fd = g_open (path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK, 0);
  if (fd < 0)
    return set_error_from_errno (error, errno, "Could not open the identity key", path);

  if (fstat (fd, &st) != 0)
    {
      int errsv = errno;
      close (fd);
      return set_error_from_errno (error, errsv, "Could not inspect the identity key", path);
    }
  if (!S_ISREG (st.st_mode))
    {
      close (fd);
      g_set_error (error, AVANUE_IDENTITY_ERROR, AVANUE_IDENTITY_ERROR_CORRUPT,
                   "The identity key %s is not a regular file", display);
      return FALSE;
    }
  if ((st.st_mode & 077) != 0)
    {
      close (fd);
      g_set_error (error, AVANUE_IDENTITY_ERROR, AVANUE_IDENTITY_ERROR_INSECURE_PERMISSIONS,
                   "The identity key %s has mode %04o; it must be accessible by its "
                   "owner only (chmod 600)",
                   display, (unsigned int) (st.st_mode & 07777));
      return FALSE;
    }
  if (st.st_size <= 0 || st.st_size > MAX_KEY_FILE_SIZE)
    {
      close (fd);
      g_set_error (error, AVANUE_IDENTITY_ERROR, AVANUE_IDENTITY_ERROR_CORRUPT,
                   "The identity key %s is %s", display,
                   st.st_size <= 0 ? "empty" : "too large to be a key");
      return FALSE;
    }

  size = (gsize) st.st_size;
  out->data = g_malloc (size + 1);
  out->len = size + 1;
  while (done < size)
    {
      ssize_t n = read (fd, out->data + done, size - done);

      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        {
          int errsv = errno;
          close (fd);
          return set_error_from_errno (error, errsv, "Could not read the identity key", path);
        }
      if (n == 0)
        break;
      done += (gsize) n;
    }
  close (fd);

  if (done == 0)
    {
      g_set_error (error, AVANUE_IDENTITY_ERROR, AVANUE_IDENTITY_ERROR_CORRUPT,
                   "The identity key %s is empty", display);
      return FALSE;
    }
  out->data[done] = '\0';
  /* out->len stays the allocated size so that all of it is wiped. */
  return TRUE;
}

/* Writes @data to a new file next to @path, mode 0600, flushed to disk.
 * Returns the temporary file's name. */
static char *
write_temp_file (const char    *path,
                 const guint8  *data,
                 gsize          len,
                 GError       **error)
{
  g_autofree char *dir = g_path_get_dirname (path);
  g_autofree char *tmp = g_strdup_printf ("%s.XXXXXX", path);
  gsize done = 0;
  int fd;

  if (g_mkdir_with_parents (dir, 0700) != 0)
    {
      set_error_from_errno (error, errno, "Could not create the directory", dir);
      return NULL;
    }

  fd = g_mkstemp_full (tmp, O_RDWR | O_CLOEXEC, 0600);
  if (fd < 0)
    {
      set_error_from_errno (error, errno, "Could not create a file in", dir);
      return NULL;
    }

  /* Whatever the umask, the key is readable and writable by its owner only. */
  if (fchmod (fd, 0600) != 0)
    {
      int errsv = errno;
      close (fd);
      g_unlink (tmp);
      set_error_from_errno (error, errsv, "Could not set the mode of", tmp);
      return NULL;
    }

  while (done < len)
    {
      ssize_t n = write (fd, data + done, len - done);

      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        {
          int errsv = n < 0 ? errno : EIO;
          close (fd);
          g_unlink (tmp);
          set_error_from_errno (error, errsv, "Could not write", tmp);
          return NULL;
        }
      done += (gsize) n;
    }

  if (fsync (fd) != 0 || close (fd) != 0)
    {
      int errsv = errno;
      g_unlink (tmp);
      set_error_from_errno (error, errsv, "Could not write", tmp);
      return NULL;
    }

  return g_steal_pointer (&tmp);
}

static gboolean
avanue_identity_export_pem (AvanueIdentity  *self,
                            gnutls_datum_t  *out,
                            GError         **error)
{
  g_auto(gnutls_x509_privkey_t) x509 = NULL;
  int ret;

  ret = gnutls_privkey_export_x509 (self->privkey, &x509);
  if (ret == GNUTLS_E_SUCCESS)
    ret = gnutls_x509_privkey_export2_pkcs8 (x509, GNUTLS_X509_FMT_PEM, NULL,
                                             GNUTLS_PKCS_PLAIN, out);
  if (ret != GNUTLS_E_SUCCESS)
    {
      g_set_error (error, AVANUE_IDENTITY_ERROR, AVANUE_IDENTITY_ERROR_FAILED,
                   "Could not export the key: %s", gnutls_strerror (ret));
      return FALSE;
    }

  return TRUE;
}

/* Key-less objects exist only when someone called g_object_new() without
 * g_initable_init(); they answer with an error instead of crashing. */
static gboolean
avanue_identity_check_key (AvanueIdentity  *self,
                           GError         **error)
{
  if (self->privkey != NULL)
    return TRUE;

  g_set_error_literal (error, AVANUE_IDENTITY_ERROR, AVANUE_IDENTITY_ERROR_FAILED,
                       "The identity has no key: it was not initialised");
  return FALSE;
}

static gboolean
avanue_identity_initable_init (GInitable     *initable,
                               GCancellable  *cancellable,
                               GError       **error)
{
  AvanueIdentity *self = AVANUE_IDENTITY (initable);

  if (self->privkey != NULL)
    return TRUE;

  return avanue_identity_generate (self, error);
}

static void
avanue_identity_initable_iface_init (GInitableIface *iface)
{
  iface->init = avanue_identity_initable_init;
}

static void
avanue_identity_finalize (GObject *object)
{
  AvanueIdentity *self = AVANUE_IDENTITY (object);

  g_clear_pointer (&self->privkey, gnutls_privkey_deinit);
  g_clear_pointer (&self->pubkey, gnutls_pubkey_deinit);
  g_clear_pointer (&self->public_key, g_bytes_unref);
  g_clear_pointer (&self->public_key_base64, g_free);
  g_clear_pointer (&self->fingerprint, g_free);

  G_OBJECT_CLASS (avanue_identity_parent_class)->finalize (object);
}

static void
avanue_identity_get_property (GObject    *object,
                              guint       prop_id,
                              GValue     *value,
                              GParamSpec *pspec)
{
  AvanueIdentity *self = AVANUE_IDENTITY (object);

  switch (prop_id)
    {
    case PROP_FINGERPRINT:
      g_value_set_string (value, self->fingerprint);
      break;
    case PROP_PUBLIC_KEY_BASE64:
      g_value_set_string (value, self->public_key_base64);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
avanue_identity_class_init (AvanueIdentityClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = avanue_identity_finalize;
  object_class->get_property = avanue_identity_get_property;

  /**
   * AvanueIdentity:fingerprint: (getter get_fingerprint)
   *
   * The fingerprint: 64 lowercase hex characters, the SHA-256 of the raw
   * 32-byte Ed25519 public key.
   */
  properties[PROP_FINGERPRINT] =
    g_param_spec_string ("fingerprint", NULL, NULL,
                         NULL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  /**
   * AvanueIdentity:public-key-base64: (getter get_public_key_base64)
   *
   * The raw 32-byte Ed25519 public key in standard padded base64, as sent
   * in REGISTER_DEVICE.
   */
  properties[PROP_PUBLIC_KEY_BASE64] =
    g_param_spec_string ("public-key-base64", NULL, NULL,
                         NULL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
avanue_identity_init (AvanueIdentity *self)
{
}

/**
 * avanue_identity_new:
 * @error: return location for a #GError
 *
 * Generates a new identity with a fresh Ed25519 key pair. Nothing is
 * written to disk; see [method@Avanue.Identity.save].
 *
 * Returns: (transfer full): a new identity, or %NULL if GnuTLS could not
 *   generate a key
 */
AvanueIdentity *
avanue_identity_new (GError **error)
{
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  return g_initable_new (AVANUE_TYPE_IDENTITY, NULL, error, NULL);
}

/**
 * avanue_identity_load: (constructor)
 * @path: (type filename): the private key file
 * @error: return location for a #GError
 *
 * Loads an identity from an unencrypted PKCS#8 PEM Ed25519 private key,
 * such as one written by [method@Avanue.Identity.save] or by
 * `openssl genpkey -algorithm ed25519`.
 *
 * Fails with a %G_FILE_ERROR (%G_FILE_ERROR_NOENT for a missing file) when
 * the file cannot be read; with %AVANUE_IDENTITY_ERROR_INSECURE_PERMISSIONS
 * when its mode gives the group or others any access; with
 * %AVANUE_IDENTITY_ERROR_CORRUPT when it is empty or not a PEM private key;
 * and with %AVANUE_IDENTITY_ERROR_WRONG_KEY_TYPE when it holds another kind
 * of key.
 *
 * Returns: (transfer full): the identity, or %NULL on error
 */
AvanueIdentity *
avanue_identity_load (const char  *path,
                      GError     **error)
{
  g_auto(SecretBuffer) pem = { NULL, 0 };
  g_autoptr(AvanueIdentity) self = NULL;

  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!read_key_file (path, &pem, error))
    return NULL;

  self = g_object_new (AVANUE_TYPE_IDENTITY, NULL);
  if (!avanue_identity_import_pem (self, pem.data, strlen ((const char *) pem.data), error))
    {
      g_autofree char *display = g_filename_display_name (path);
      g_prefix_error (error, "%s: ", display);
      return NULL;
    }

  return g_steal_pointer (&self);
}

/**
 * avanue_identity_save:
 * @self: an identity
 * @path: (type filename): where to write the private key
 * @error: return location for a #GError
 *
 * Writes the private key to @path as unencrypted PKCS#8 PEM with mode 0600,
 * atomically: a temporary file is written, flushed and renamed over @path,
 * so a reader sees the old key or the new one, never part of one. Missing
 * parent directories are created with mode 0700.
 *
 * Returns: %TRUE on success
 */
gboolean
avanue_identity_save (AvanueIdentity  *self,
                      const char      *path,
                      GError         **error)
{
  g_auto(gnutls_datum_t) pem = { NULL, 0 };
  g_autofree char *tmp = NULL;

  g_return_val_if_fail (AVANUE_IS_IDENTITY (self), FALSE);
  g_return_val_if_fail (path != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!avanue_identity_check_key (self, error))
    return FALSE;
  if (!avanue_identity_export_pem (self, &pem, error))
    return FALSE;

  tmp = write_temp_file (path, pem.data, pem.size, error);
  if (tmp == NULL)
    return FALSE;

  if (g_rename (tmp, path) != 0)
    {
      int errsv = errno;
      g_unlink (tmp);
      return set_error_from_errno (error, errsv, "Could not replace", path);
    }

  return TRUE;
}

/**
 * avanue_identity_load_or_create: (constructor)
 * @path: (type filename): the private key file
 * @error: return location for a #GError
 *
 * Loads the identity at @path, or, when no file exists there, generates a
 * new one and saves it there (mode 0600, parent directories 0700).
 *
 * Any other failure to load, such as a corrupt file or one with unsafe
 * permissions, is returned as an error: an existing key is never replaced.
 * When two processes create the identity at the same time, both end up
 * with the one that reached the disk first.
 *
 * Returns: (transfer full): the identity, or %NULL on error
 */
AvanueIdentity *
avanue_identity_load_or_create (const char  *path,
                                GError     **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autoptr(AvanueIdentity) self = NULL;
  g_auto(gnutls_datum_t) pem = { NULL, 0 };
  g_autofree char *tmp = NULL;
  int link_errno = 0;

  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  self = avanue_identity_load (path, &local_error);
  if (self != NULL)
    return g_steal_pointer (&self);
  if (!g_error_matches (local_error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;
    }
  g_clear_error (&local_error);

  self = avanue_identity_new (error);
  if (self == NULL)
    return NULL;
  if (!avanue_identity_export_pem (self, &pem, error))
    return NULL;
  tmp = write_temp_file (path, pem.data, pem.size, error);
  if (tmp == NULL)
    return NULL;

  /* link() creates @path only if nothing is there yet. */
  if (link (tmp, path) != 0)
    link_errno = errno;
  if (link_errno == EPERM || link_errno == ENOTSUP || link_errno == ENOSYS)
    {
      /* No hard links on this file system: fall back to a plain rename. */
      link_errno = g_rename (tmp, path) == 0 ? 0 : errno;
    }
  g_unlink (tmp);

  if (link_errno == EEXIST)
    return avanue_identity_load (path, error);
  if (link_errno != 0)
    {
      set_error_from_errno (error, link_errno, "Could not create", path);
      return NULL;
    }

  return g_steal_pointer (&self);
}

/**
 * avanue_identity_get_fingerprint: (get-property fingerprint)
 * @self: an identity
 *
 * Gets the fingerprint: 64 lowercase hex characters, the SHA-256 of the raw
 * 32-byte public key.
 *
 * Returns: (nullable): the fingerprint, or %NULL for an object that was
 *   created with g_object_new() and never initialised
 */
const char *
avanue_identity_get_fingerprint (AvanueIdentity *self)
{
  g_return_val_if_fail (AVANUE_IS_IDENTITY (self), NULL);

  return self->fingerprint;
}

/**
 * avanue_identity_get_public_key_base64: (get-property public-key-base64)
 * @self: an identity
 *
 * Gets the raw 32-byte public key in standard padded base64.
 *
 * Returns: (nullable): the public key, or %NULL for an object that was
 *   created with g_object_new() and never initialised
 */
const char *
avanue_identity_get_public_key_base64 (AvanueIdentity *self)
{
  g_return_val_if_fail (AVANUE_IS_IDENTITY (self), NULL);

  return self->public_key_base64;
}

/**
 * avanue_identity_get_public_key:
 * @self: an identity
 *
 * Gets the raw 32-byte Ed25519 public key.
 *
 * Returns: (transfer none) (nullable): the public key, or %NULL for an
 *   object that was created with g_object_new() and never initialised
 */
GBytes *
avanue_identity_get_public_key (AvanueIdentity *self)
{
  g_return_val_if_fail (AVANUE_IS_IDENTITY (self), NULL);

  return self->public_key;
}

/**
 * avanue_identity_sign:
 * @self: an identity
 * @data: the bytes to sign
 * @error: return location for a #GError
 *
 * Signs @data with the private key (pure Ed25519, RFC 8032).
 *
 * Returns: (transfer full): the 64-byte signature, or %NULL on error
 */
GBytes *
avanue_identity_sign (AvanueIdentity  *self,
                      GBytes          *data,
                      GError         **error)
{
  g_auto(gnutls_datum_t) signature = { NULL, 0 };
  gnutls_datum_t datum;
  int ret;

  g_return_val_if_fail (AVANUE_IS_IDENTITY (self), NULL);
  g_return_val_if_fail (data != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!avanue_identity_check_key (self, error))
    return NULL;

  bytes_to_datum (data, &datum);
  ret = gnutls_privkey_sign_data2 (self->privkey, GNUTLS_SIGN_EDDSA_ED25519, 0,
                                   &datum, &signature);
  if (ret != GNUTLS_E_SUCCESS)
    {
      g_set_error (error, AVANUE_IDENTITY_ERROR, AVANUE_IDENTITY_ERROR_FAILED,
                   "Could not sign: %s", gnutls_strerror (ret));
      return NULL;
    }

  return g_bytes_new (signature.data, signature.size);
}

/**
 * avanue_identity_sign_base64:
 * @self: an identity
 * @message: a UTF-8 string
 * @error: return location for a #GError
 *
 * Signs the bytes of @message (without its terminating NUL) and returns
 * the signature in standard padded base64: what REGISTER_DEVICE carries
 * for the message `"AVANUE1 REGISTER " + nonce`.
 *
 * Returns: (transfer full): the base64 signature, or %NULL on error
 */
char *
avanue_identity_sign_base64 (AvanueIdentity  *self,
                             const char      *message,
                             GError         **error)
{
  g_autoptr(GBytes) data = NULL;
  g_autoptr(GBytes) signature = NULL;

  g_return_val_if_fail (AVANUE_IS_IDENTITY (self), NULL);
  g_return_val_if_fail (message != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  data = g_bytes_new_static (message, strlen (message));
  signature = avanue_identity_sign (self, data, error);
  if (signature == NULL)
    return NULL;

  return g_base64_encode (g_bytes_get_data (signature, NULL), g_bytes_get_size (signature));
}

/**
 * avanue_identity_verify:
 * @self: an identity
 * @data: the signed bytes
 * @signature: the signature
 * @error: return location for a #GError
 *
 * Checks that @signature is this identity's signature of @data.
 *
 * Returns: %TRUE if it is; %FALSE with %AVANUE_IDENTITY_ERROR_BAD_SIGNATURE
 *   otherwise
 */
gboolean
avanue_identity_verify (AvanueIdentity  *self,
                        GBytes          *data,
                        GBytes          *signature,
                        GError         **error)
{
  g_return_val_if_fail (AVANUE_IS_IDENTITY (self), FALSE);
  g_return_val_if_fail (data != NULL, FALSE);
  g_return_val_if_fail (signature != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!avanue_identity_check_key (self, error))
    return FALSE;

  return verify_with_pubkey (self->pubkey, data, signature, error);
}

/**
 * avanue_identity_verify_with_public_key:
 * @public_key_b64: a raw 32-byte Ed25519 public key in standard padded base64
 * @data: the signed bytes
 * @signature: the 64-byte signature
 * @error: return location for a #GError
 *
 * Checks that @signature is a signature of @data by the holder of the
 * private key of @public_key_b64. This is how the server checks
 * REGISTER_DEVICE.
 *
 * Returns: %TRUE if it is; %FALSE with
 *   %AVANUE_IDENTITY_ERROR_INVALID_PUBLIC_KEY or
 *   %AVANUE_IDENTITY_ERROR_BAD_SIGNATURE otherwise
 */
gboolean
avanue_identity_verify_with_public_key (const char  *public_key_b64,
                                        GBytes      *data,
                                        GBytes      *signature,
                                        GError     **error)
{
  g_auto(gnutls_pubkey_t) pubkey = NULL;

  g_return_val_if_fail (public_key_b64 != NULL, FALSE);
  g_return_val_if_fail (data != NULL, FALSE);
  g_return_val_if_fail (signature != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  pubkey = pubkey_from_base64 (public_key_b64, error);
  if (pubkey == NULL)
    return FALSE;

  return verify_with_pubkey (pubkey, data, signature, error);
}

/**
 * avanue_identity_verify_base64_with_public_key:
 * @public_key_b64: a raw 32-byte Ed25519 public key in standard padded base64
 * @message: the signed UTF-8 string
 * @signature_b64: the 64-byte signature in standard padded base64
 * @error: return location for a #GError
 *
 * Like [func@Avanue.Identity.verify_with_public_key] for the output of
 * [method@Avanue.Identity.sign_base64]: checks a base64 signature of the
 * bytes of @message (without its terminating NUL).
 *
 * Returns: %TRUE if the signature is valid; %FALSE with
 *   %AVANUE_IDENTITY_ERROR_INVALID_PUBLIC_KEY or
 *   %AVANUE_IDENTITY_ERROR_BAD_SIGNATURE otherwise
 */
gboolean
avanue_identity_verify_base64_with_public_key (const char  *public_key_b64,
                                               const char  *message,
                                               const char  *signature_b64,
                                               GError     **error)
{
  g_autoptr(GBytes) data = NULL;
  g_autoptr(GBytes) signature = NULL;

  g_return_val_if_fail (public_key_b64 != NULL, FALSE);
  g_return_val_if_fail (message != NULL, FALSE);
  g_return_val_if_fail (signature_b64 != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  signature = base64_decode_strict (signature_b64, ED25519_SIGNATURE_SIZE);
  if (signature == NULL)
    {
      g_set_error_literal (error, AVANUE_IDENTITY_ERROR, AVANUE_IDENTITY_ERROR_BAD_SIGNATURE,
                           "The signature is not padded base64 of 64 bytes");
      return FALSE;
    }
  data = g_bytes_new_static (message, strlen (message));

  return avanue_identity_verify_with_public_key (public_key_b64, data, signature, error);
}

/**
 * avanue_identity_fingerprint_for_public_key:
 * @public_key_b64: a raw 32-byte Ed25519 public key in standard padded base64
 * @error: return location for a #GError
 *
 * Computes the fingerprint that belongs to a public key: 64 lowercase hex
 * characters, the SHA-256 of the raw 32 bytes. The server uses it to check
 * the fingerprint a device claims against its public key.
 *
 * Returns: (transfer full): the fingerprint, or %NULL with
 *   %AVANUE_IDENTITY_ERROR_INVALID_PUBLIC_KEY
 */
char *
avanue_identity_fingerprint_for_public_key (const char  *public_key_b64,
                                            GError     **error)
{
  g_autoptr(GBytes) raw = NULL;

  g_return_val_if_fail (public_key_b64 != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  raw = base64_decode_strict (public_key_b64, ED25519_PUBLIC_KEY_SIZE);
  if (raw == NULL)
    {
      g_set_error_literal (error, AVANUE_IDENTITY_ERROR,
                           AVANUE_IDENTITY_ERROR_INVALID_PUBLIC_KEY,
                           "Public key is not padded base64 of a 32-byte Ed25519 key");
      return NULL;
    }

  return fingerprint_for_raw_key (raw);
}
