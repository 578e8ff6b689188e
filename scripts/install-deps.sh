#!/bin/sh
# Installs the Debian packages Avanue needs to build, run and test, if any
# are missing.  Idempotent: when everything is there it does nothing and
# needs no network.  Runs as root, or through sudo when it is available.
set -eu

# Build and library dependencies (DESIGN §2).
BUILD_PACKAGES="meson ninja-build pkg-config gcc gettext
  libglib2.0-dev libsoup-3.0-dev libjson-glib-dev libgnutls28-dev
  libnice-dev libusrsctp-dev libsqlite3-dev libpq-dev libhiredis-dev
  gobject-introspection libgirepository1.0-dev
  libgtk-4-dev libadwaita-1-dev libqrencode-dev
  systemd bash-completion"

# What the test suite runs against: the sanitizer and fuzzing toolchain,
# binding runtimes, and independent tools the tests compare with.
TEST_PACKAGES="clang libclang-rt-14-dev python3-gi gjs openssl curl coturn python3-aioice
  chromium nodejs iproute2
  dbus dbus-daemon libglib2.0-bin libxml2-utils util-linux"

want="$BUILD_PACKAGES"
if [ "${1:-}" = "--test" ]; then
  want="$want $TEST_PACKAGES"
fi

missing=""
for p in $want; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing="$missing $p"
  fi
done

if [ -z "$missing" ]; then
  exit 0
fi

if [ "$(id -u)" -eq 0 ]; then
  SUDO=""
elif command -v sudo >/dev/null 2>&1; then
  SUDO="sudo"
else
  echo "install-deps: missing packages:$missing" >&2
  echo "install-deps: run as root (or install sudo) so they can be installed" >&2
  exit 1
fi

echo "install-deps: installing$missing"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
# shellcheck disable=SC2086
$SUDO apt-get install -y -q --no-install-recommends $missing
