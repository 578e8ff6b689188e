#!/bin/sh
# Installs the build into a scratch DESTDIR and builds a program against it
# the way a third party would: pkg-config avanue-1, #include <avanue.h>,
# -lavanue-1.  Fails if the library, the .pc file or the headers are wrong.
set -eu

build_root="$1"
dest=$(mktemp -d)
trap 'rm -rf "$dest"' EXIT

meson install -C "$build_root" --no-rebuild --quiet --destdir "$dest" >/dev/null

pc=$(find "$dest" -name avanue-1.pc | head -n 1)
[ -n "$pc" ] || { echo "avanue-1.pc not installed"; exit 1; }
lib=$(find "$dest" -name 'libavanue-1.so' | head -n 1)
[ -n "$lib" ] || { echo "libavanue-1.so not installed"; exit 1; }
header=$(find "$dest" -path '*/avanue-1/avanue.h' | head -n 1)
[ -n "$header" ] || { echo "avanue-1/avanue.h not installed"; exit 1; }

# A single header included directly must refuse.
cat > "$dest/single.c" <<'C'
#include <avanue-identity.h>
int main (void) { return 0; }
C
# Move our own paths into DESTDIR; those of our dependencies (GLib, …) stay.
export PKG_CONFIG_PATH="$(dirname "$pc")"
prefix=$(pkg-config --variable=prefix avanue-1)
cflags=$(pkg-config --cflags avanue-1 | sed "s|$prefix/|$dest$prefix/|g")
libs=$(pkg-config --libs avanue-1 | sed "s|$prefix/|$dest$prefix/|g")
if cc $cflags -c "$dest/single.c" -o "$dest/single.o" 2>/dev/null; then
  echo "including a single header directly was not refused"
  exit 1
fi

cat > "$dest/consumer.c" <<'C'
#include <avanue.h>
#include <stdio.h>
#include <string.h>

int
main (void)
{
  g_autoptr(AvanueInviteCode) code = avanue_invite_code_generate ();
  g_autoptr(AvanueCapabilities) caps = avanue_capabilities_new ();

  avanue_capabilities_set_cpu_cores (caps, 3);
  if (avanue_capabilities_score (caps) != 30)
    return 1;
  if (strlen (avanue_invite_code_get_code (code)) != 14)
    return 1;
  printf ("%s %s\n", AVANUE_VERSION_STRING, avanue_invite_code_get_code (code));
  return 0;
}
C
# shellcheck disable=SC2086
cc $cflags "$dest/consumer.c" -o "$dest/consumer" $libs
LD_LIBRARY_PATH="$(dirname "$lib")" "$dest/consumer"

# Nothing but the public API may be exported.
if nm -D --defined-only "$lib" | awk '{print $3}' | grep -v -E '^(avanue_|_init$|_fini$|$)' ; then
  echo "libavanue-1.so exports symbols outside the avanue_ namespace"
  exit 1
fi
echo "install ok"
