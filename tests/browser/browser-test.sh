#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# One browser interop case (tests/browser/README.md):
#   browser-test.sh CASE [BUILD_ROOT]
# CASE is browser-host, browser-relay, native-host or native-relay.
#
# Installs playwright-core (npm ci, once, from package-lock.json), then runs
# driver.mjs in its own network, PID and mount namespaces with a veth pair
# and a default route, so that Chromium gathers host candidates without
# touching the machine's real interfaces.  When the namespace's first
# process exits the kernel kills whatever is left in it, and the namespace
# and its veth pair go away with it.
#
# Exit status: 0 passed, 1 failed, 77 cannot run here (the reason is
# printed): no Chromium, no Node, no playwright-core and no way to install
# it, no namespaces, or (native-*) no avanue-share built.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
case_name=${1:?usage: browser-test.sh CASE [BUILD_ROOT]}
build_root=${2:-}

skip() {
  echo "SKIP: $*"
  exit 77
}

# ---- inside the namespaces (pid 1) ----------------------------------------
if [ "${AVANUE_BROWSER_TEST_INSIDE:-}" = 1 ]; then
  # With only loopback Chromium gathers nothing, and without a default
  # route it hides host candidates (NOTES).  198.18.0.0/15 is the
  # benchmarking range: nothing real answers there, and the route leads
  # only into the other end of the pair, inside this namespace.
  { ip link set lo up &&
    ip link add avbr0 type veth peer name avbr1 &&
    ip addr add 198.18.0.1/24 dev avbr0 &&
    ip link set avbr1 up &&
    ip link set avbr0 up &&
    ip route add default dev avbr0; } ||
    skip "cannot set up the namespace's network (a veth pair with a default route)"

  node "$here/driver.mjs" "$case_name" "$AVANUE_BROWSER_TEST_WORKDIR" &
  driver=$!
  trap 'kill -TERM "$driver" 2>/dev/null || true' TERM INT HUP
  rc=0
  wait "$driver" || rc=$?
  # A signal interrupts the first wait: wait again for the driver's own
  # cleanup and exit status.
  if kill -0 "$driver" 2>/dev/null; then
    rc=0
    wait "$driver" || rc=$?
  fi
  exit "$rc"
fi

# ---- outside: what the test needs -----------------------------------------
chromium=${CHROMIUM:-/usr/bin/chromium}
[ -x "$chromium" ] || skip "no Chromium at $chromium (Debian package chromium: scripts/install-deps.sh --test)"
command -v node >/dev/null 2>&1 || skip "no node (Debian package nodejs: scripts/install-deps.sh --test)"
command -v unshare >/dev/null 2>&1 || skip "no unshare (util-linux)"
command -v ip >/dev/null 2>&1 || skip "no ip (iproute2: scripts/install-deps.sh --test)"
command -v flock >/dev/null 2>&1 || skip "no flock (util-linux)"

# playwright-core from package-lock.json into tests/browser/node_modules,
# once: the version installed is compared with the locked one, so that this
# needs no network when it is already there.  flock: meson may start the
# cases at the same time.
check_installed='
  const fs = require("fs");
  const dir = process.argv[1];
  const lock = JSON.parse(fs.readFileSync(dir + "/package-lock.json", "utf8"));
  const want = lock.packages["node_modules/playwright-core"].version;
  const have = JSON.parse(fs.readFileSync(dir + "/node_modules/playwright-core/package.json", "utf8")).version;
  process.exit(want === have ? 0 : 1);
'
if ! node -e "$check_installed" "$here" 2>/dev/null; then
  command -v npm >/dev/null 2>&1 || skip "playwright-core is not installed and there is no npm to install it"
  echo "# installing playwright-core (npm ci in $here)"
  # shellcheck disable=SC2016 # expanded by the inner shell
  flock "$here/package.json" sh -c '
    cd "$1" &&
    { node -e "$2" "$1" 2>/dev/null ||
      npm ci --no-audit --no-fund --prefer-offline --loglevel=error >&2; }
  ' sh "$here" "$check_installed" || skip "npm ci of playwright-core failed (offline?)"
  node -e "$check_installed" "$here" || skip "playwright-core is not installed after npm ci"
fi

case "$case_name" in
  native-*)
    if [ -z "${AVANUE_SHARE:-}" ] && [ -n "$build_root" ]; then
      AVANUE_SHARE=$(find "$build_root" -name avanue-share -type f -perm -u+x 2>/dev/null | head -n 1)
    fi
    if [ -z "${AVANUE_SHARE:-}" ] || [ ! -x "$AVANUE_SHARE" ]; then
      skip "avanue-share is not built in ${build_root:-the build directory}"
    fi
    export AVANUE_SHARE
    ;;
esac
if [ -z "${AVANUED:-}" ] && [ -n "$build_root" ]; then
  AVANUED=$build_root/avanued/avanued
  export AVANUED
fi

unshare_args="--net --pid --fork --kill-child --mount-proc"
# shellcheck disable=SC2086
unshare $unshare_args true 2>/dev/null ||
  skip "cannot create network and PID namespaces here (unshare $unshare_args: needs root or user namespaces)"

workdir=$(mktemp -d "${TMPDIR:-/tmp}/avanue-browser-$case_name-XXXXXX")
trap 'rm -rf "$workdir"' EXIT
trap 'exit 143' TERM
trap 'exit 130' INT

rc=0
# shellcheck disable=SC2086
AVANUE_BROWSER_TEST_INSIDE=1 AVANUE_BROWSER_TEST_WORKDIR=$workdir CHROMIUM=$chromium \
  unshare $unshare_args sh "$here/browser-test.sh" "$case_name" || rc=$?
exit "$rc"
