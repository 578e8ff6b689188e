#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# The bus policy data/org.avanue.Avanued1.conf, on a throwaway
# system-like bus that includes it:
#  - the XML files are well-formed (xmllint) and dbus-daemon accepts the
#    policy (it refuses to start on an invalid configuration);
#  - root owns the name and may call everything;
#  - `nobody` may introspect, read the properties and call the read-only
#    methods, and is refused every other method by the bus itself
#    (org.freedesktop.DBus.Error.AccessDenied), and may not own the name.
# Exit 77 with a reason when a tool it needs is missing or it does not run
# as root (needed to act as nobody).
set -eu

data="${AVD_DATA_DIR:?}"
avanued="${AVANUED:?}"
policy="$data/org.avanue.Avanued1.conf"
name=org.avanue.Avanued1
path=/org/avanue/Avanued1

skip() { echo "SKIP: $*"; exit 77; }
fail() { echo "FAIL: $*"; exit 1; }
pass() { echo "ok - $*"; }

for tool in xmllint dbus-daemon gdbus; do
    command -v "$tool" >/dev/null 2>&1 || skip "$tool is not installed"
done

xmllint --noout "$policy" || fail "the policy is not well-formed XML"
xmllint --noout "$data/org.avanue.Avanued1.xml" || fail "the interface is not well-formed XML"
pass "xmllint: policy and interface XML"

# The activation file names the same service as the unit.
grep -qx "Name=$name" "$data/org.avanue.Avanued1.service" || fail "activation file: Name"
grep -qx "SystemdService=avanued.service" "$data/org.avanue.Avanued1.service" || fail "activation file: SystemdService"
grep -qx "BusName=$name" "$data/avanued.service" || fail "unit: BusName"
pass "activation file and unit agree on $name"

tmp=$(mktemp -d)
bus_pid=""
daemon_pid=""
cleanup() {
    [ -n "$daemon_pid" ] && kill "$daemon_pid" 2>/dev/null && wait "$daemon_pid" 2>/dev/null
    [ -n "$bus_pid" ] && kill "$bus_pid" 2>/dev/null && wait "$bus_pid" 2>/dev/null
    rm -rf "$tmp"
}
trap cleanup EXIT
chmod 0755 "$tmp"

# Like the system bus: everyone may connect, nothing is allowed to be sent
# or owned unless a policy says so, and ours is included.
cat > "$tmp/bus.conf" <<EOF
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>system</type>
  <listen>unix:path=$tmp/bus</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow user="*"/>
    <deny own="*"/>
    <deny send_type="method_call"/>
    <allow send_type="signal"/>
    <allow send_requested_reply="true" send_type="method_return"/>
    <allow send_requested_reply="true" send_type="error"/>
    <allow receive_type="method_call"/>
    <allow receive_type="method_return"/>
    <allow receive_type="error"/>
    <allow receive_type="signal"/>
    <allow send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus"/>
    <allow send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus.Introspectable"/>
    <allow send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus.Properties"/>
  </policy>
  <include>$policy</include>
</busconfig>
EOF

# dbus-daemon checks the configuration, ours included, before it listens.
dbus-daemon --config-file="$tmp/bus.conf" --nofork --print-address=3 3>"$tmp/address" 2>"$tmp/bus.log" &
bus_pid=$!
for _ in $(seq 100); do
    [ -s "$tmp/address" ] && break
    kill -0 "$bus_pid" 2>/dev/null || fail "dbus-daemon refused the configuration: $(cat "$tmp/bus.log")"
    sleep 0.05
done
address=$(head -n 1 "$tmp/address")
[ -n "$address" ] || fail "dbus-daemon did not start"
chmod 0777 "$tmp/bus"
pass "dbus-daemon accepts a configuration that includes the policy"

if [ "$(id -u)" != 0 ]; then
    skip "acting as nobody needs root (the policy was validated)"
fi
command -v runuser >/dev/null 2>&1 || skip "runuser is not installed (the policy was validated)"
id nobody >/dev/null 2>&1 || skip "there is no user nobody (the policy was validated)"

DBUS_SESSION_BUS_ADDRESS="$address" "$avanued" --session-bus --port=0 --turn-port=0 \
    --state-dir="$tmp/state" >"$tmp/avanued.out" 2>"$tmp/avanued.log" &
daemon_pid=$!
for _ in $(seq 200); do
    grep -q '^listening' "$tmp/avanued.out" 2>/dev/null && break
    kill -0 "$daemon_pid" 2>/dev/null || fail "avanued did not start: $(cat "$tmp/avanued.log")"
    sleep 0.05
done
grep -q '^listening' "$tmp/avanued.out" || fail "avanued did not start"
pass "root owns $name under the policy"

# call USER METHOD [ARGS...]: runs gdbus call as USER, output in $tmp/out
call() {
    user=$1; method=$2; shift 2
    if [ "$user" = root ]; then
        set -- gdbus call --address="$address" --dest=$name --object-path=$path --method="$method" "$@"
    else
        set -- runuser -u "$user" -- gdbus call --address="$address" --dest=$name --object-path=$path \
            --method="$method" "$@"
    fi
    "$@" >"$tmp/out" 2>&1
}

# root: everything
call root $name.GetStats || fail "root: GetStats: $(cat "$tmp/out")"
call root $name.Reload || fail "root: Reload: $(cat "$tmp/out")"
call root $name.IssueTurnCredentials root 60 || fail "root: IssueTurnCredentials: $(cat "$tmp/out")"
pass "root may call read-only and mutating methods"

# nobody: reading
call nobody org.freedesktop.DBus.Introspectable.Introspect || fail "nobody: Introspect: $(cat "$tmp/out")"
call nobody org.freedesktop.DBus.Properties.Get $name Version || fail "nobody: Get: $(cat "$tmp/out")"
call nobody org.freedesktop.DBus.Properties.GetAll $name || fail "nobody: GetAll: $(cat "$tmp/out")"
grep -q "ConnectedDevices" "$tmp/out" || fail "nobody: GetAll lacks ConnectedDevices"
for m in GetStats ListSessions ListDevices ListLicenses; do
    call nobody $name.$m || fail "nobody: $m: $(cat "$tmp/out")"
done
# GetSession reaches the daemon (which answers that there is no such session)
if call nobody $name.GetSession no-such-session; then fail "nobody: GetSession of nothing succeeded"; fi
grep -q "org.avanue.Avanued1.Error.SessionNotFound" "$tmp/out" || fail "nobody: GetSession: $(cat "$tmp/out")"
pass "nobody may introspect, read properties and call the read-only methods"

# nobody: everything else is refused by the bus
refused() {
    method=$1; shift
    if call nobody "$name.$method" "$@"; then fail "nobody may call $method"; fi
    grep -q "org.freedesktop.DBus.Error.AccessDenied" "$tmp/out" || fail "nobody: $method: $(cat "$tmp/out")"
}
fp=0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
refused EndSession some-session
refused KickParticipant some-session $fp
refused BlockDevice $fp
refused UnblockDevice $fp
refused IssueLicense pro nobody 0
refused RevokeLicense some-licence
refused IssueTurnCredentials nobody 60
refused RevokeTurnCredentials 1:nobody
refused Reload
pass "the bus refuses every mutating method to nobody"

# and only root or avanue may own the name
kill "$daemon_pid"; wait "$daemon_pid" || fail "avanued did not stop cleanly"
daemon_pid=""
if runuser -u nobody -- gdbus call --address="$address" --dest=org.freedesktop.DBus \
    --object-path=/org/freedesktop/DBus --method=org.freedesktop.DBus.RequestName $name 4 >"$tmp/out" 2>&1; then
    fail "nobody may own $name: $(cat "$tmp/out")"
fi
grep -q "AccessDenied" "$tmp/out" || fail "nobody: RequestName: $(cat "$tmp/out")"
pass "nobody may not own $name"
