/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A stand-in for libFuzzer's driver: runs LLVMFuzzerTestOneInput once over
 * every file named on the command line, so that the seed corpus is replayed
 * by ordinary builds (gcc, sanitizers) as part of `meson test`. */
#include "config.h"

#include <glib.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
main (int argc, char **argv)
{
  if (argc < 2)
    {
      g_printerr ("usage: %s FILE...\n", argv[0]);
      return 2;
    }

  for (int i = 1; i < argc; i++)
    {
      g_autofree gchar *contents = NULL;
      gsize len = 0;
      g_autoptr(GError) error = NULL;

      if (!g_file_get_contents (argv[i], &contents, &len, &error))
        {
          g_printerr ("%s: %s\n", argv[i], error->message);
          return 1;
        }
      /* A copy of exactly len bytes, so that ASan sees any over-read. */
      g_autofree guint8 *copy = g_memdup2 (contents, len);
      LLVMFuzzerTestOneInput (copy, len);
    }
  g_print ("replayed %d inputs\n", argc - 1);
  return 0;
}
