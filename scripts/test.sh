#!/bin/sh
# Runs the whole test suite: installs what is missing, builds with warnings
# as errors and runs `meson test`, then builds the unit tests with
# AddressSanitizer and UndefinedBehaviorSanitizer (clang, libFuzzer-linked
# fuzz targets) and runs them again.  Extra arguments go to both
# `meson test` runs, e.g. `scripts/test.sh --suite unit`.
set -eu
cd "$(dirname "$0")/.."

sh scripts/install-deps.sh --test

echo "== build (gcc, -Dwerror=true) =="
if [ ! -f build/build.ninja ]; then
  meson setup build -Dwerror=true
else
  meson configure build -Dwerror=true
fi
ninja -C build
meson test -C build --print-errorlogs --num-processes 2 "$@"

echo "== unit tests under AddressSanitizer + UBSan (clang) =="
if [ ! -f build-sanitize/build.ninja ]; then
  CC=clang meson setup build-sanitize -Dwerror=true \
    -Db_sanitize=address,undefined -Db_lundef=false \
    -Dintrospection=disabled -Dgtk=disabled -Dfuzzing=true
fi
ninja -C build-sanitize
meson test -C build-sanitize --print-errorlogs --num-processes 2 --suite unit "$@"

# One closing line over both passes, in the plain form CI reads.
summary=$(cat build/meson-logs/testlog.json build-sanitize/meson-logs/testlog.json |
  sed -n 's/.*"result": "\([A-Z]*\)".*/\1/p' | sort | uniq -c |
  awk '{n[$2]=$1} END {printf "%d passed, %d failed, %d skipped", n["OK"]+n["EXPECTEDFAIL"], n["FAIL"]+n["TIMEOUT"]+n["ERROR"]+n["UNEXPECTEDPASS"], n["SKIP"]}')
echo "tests: $summary"
