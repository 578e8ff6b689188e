#!/bin/sh
# Builds avanued and starts it with its embedded defaults (or with the
# flags given, e.g. --port 0 --config data/avanued.conf).  It prints
# `listening http=PORT turn=PORT` once its sockets are bound.
set -eu
cd "$(dirname "$0")/.."

sh scripts/install-deps.sh
if [ ! -f build/build.ninja ]; then
  meson setup build
fi
ninja -C build avanued/avanued

exec ./build/avanued/avanued "$@"
