#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# avanued as a system service (data/): the systemd unit passes
# `systemd-analyze verify` without a single warning and carries the
# hardening it promises; sysusers.d and tmpfiles.d entries do what they say
# in a throwaway root; avanuectl's bash completion loads and completes.
# Exit 77 with a reason when systemd's tools are missing.
set -eu

data="${AVD_DATA_DIR:?}"
build_data="${AVD_BUILD_DATA_DIR:?}"
avanued="${AVANUED:?}"
avanuectl="${AVANUECTL:?}"

skip() { echo "SKIP: $*"; exit 77; }
fail() { echo "FAIL: $*"; exit 1; }
pass() { echo "ok - $*"; }

for tool in systemd-analyze systemd-sysusers systemd-tmpfiles bash; do
    command -v "$tool" >/dev/null 2>&1 || skip "$tool is not installed (Debian: systemd, bash)"
done

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

unit="$build_data/avanued.service"
[ -f "$unit" ] || fail "the configured unit $unit is missing"
grep -q '@[a-z]*@' "$unit" && fail "unsubstituted @variables@ in $unit"

# verify checks that ExecStart's program exists: point it at this build.
installed_avanued=$(sed -n 's/^ExecStart=\([^ ]*\).*/\1/p' "$unit")
[ -n "$installed_avanued" ] || fail "no ExecStart in $unit"
sed "s|^ExecStart=$installed_avanued|ExecStart=$avanued|" "$unit" > "$tmp/avanued.service"
(cd "$tmp" && systemd-analyze verify ./avanued.service) > "$tmp/verify.log" 2>&1 ||
    fail "systemd-analyze verify: $(cat "$tmp/verify.log")"
# verify warns about unknown or invalid settings without failing: any word
# about our unit is a failure.
if grep -q "avanued.service" "$tmp/verify.log"; then
    fail "systemd-analyze verify: $(cat "$tmp/verify.log")"
fi
pass "systemd-analyze verify avanued.service"

for setting in "Type=dbus" "BusName=org.avanue.Avanued1" "User=avanue" "StateDirectory=avanue" \
    "NoNewPrivileges=yes" "ProtectSystem=strict" "ProtectHome=yes" "PrivateTmp=yes" \
    "RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6" "CapabilityBoundingSet=CAP_NET_BIND_SERVICE" \
    "AmbientCapabilities=CAP_NET_BIND_SERVICE" "SystemCallFilter=@system-service" \
    "ExecReload=/bin/kill -HUP \$MAINPID"; do
    grep -qxF "$setting" "$unit" || fail "the unit lacks $setting"
done
pass "the unit's type, user, state directory and hardening"

# The activation file was configured too.
grep -q '@[a-z]*@' "$build_data/org.avanue.Avanued1.service" && fail "unsubstituted @variables@ in the activation file"
grep -qx "User=avanue" "$build_data/org.avanue.Avanued1.service" || fail "activation file: User"
pass "the D-Bus activation file"

# sysusers.d and tmpfiles.d, applied to a throwaway root.
mkdir -p "$tmp/root/etc" "$tmp/root/var/lib"
systemd-sysusers --root="$tmp/root" "$data/avanued.sysusers" > "$tmp/sysusers.log" 2>&1 ||
    fail "systemd-sysusers: $(cat "$tmp/sysusers.log")"
grep -q '^avanue:x:[0-9]*:[0-9]*:.*:/var/lib/avanue:' "$tmp/root/etc/passwd" || fail "no user avanue"
grep -q '^avanue-admin:x:[0-9]*:' "$tmp/root/etc/group" || fail "no group avanue-admin"
pass "sysusers.d: user avanue, group avanue-admin"

systemd-tmpfiles --root="$tmp/root" --create "$data/avanued.tmpfiles" > "$tmp/tmpfiles.log" 2>&1 ||
    fail "systemd-tmpfiles: $(cat "$tmp/tmpfiles.log")"
uid=$(sed -n 's/^avanue:x:\([0-9]*\):.*/\1/p' "$tmp/root/etc/passwd")
[ "$(stat -c '%a %u' "$tmp/root/var/lib/avanue")" = "700 $uid" ] ||
    fail "tmpfiles.d: /var/lib/avanue is $(stat -c '%a %u' "$tmp/root/var/lib/avanue"), not 700 $uid"
pass "tmpfiles.d: /var/lib/avanue 0700 avanue"

# Bash completion: loads, completes commands, sub-commands and options.
cat > "$tmp/complete.bash" <<EOF
if [ -r /usr/share/bash-completion/bash_completion ]; then
    . /usr/share/bash-completion/bash_completion
fi
# without the bash-completion package, a minimal _init_completion
if ! type _init_completion >/dev/null 2>&1; then
    _init_completion() {
        cur="\${COMP_WORDS[COMP_CWORD]}"; prev="\${COMP_WORDS[COMP_CWORD-1]}"
        words=("\${COMP_WORDS[@]}"); cword=\$COMP_CWORD
    }
fi
. "$data/avanuectl.bash-completion"
complete_line() {
    COMP_WORDS=(\$1); COMP_CWORD=\$((\${#COMP_WORDS[@]} - 1))
    if [ "\${1% }" != "\$1" ]; then COMP_WORDS+=(""); COMP_CWORD=\$((COMP_CWORD + 1)); fi
    COMP_LINE="\$1"; COMP_POINT=\${#COMP_LINE}
    COMPREPLY=()
    _avanuectl
    echo "\${COMPREPLY[*]}"
}
[ "\$(complete_line 'avanuectl li')" = "license licenses" ] || { echo "commands: \$(complete_line 'avanuectl li')"; exit 1; }
[ "\$(complete_line 'avanuectl license ')" = "issue revoke" ] || { echo "license: \$(complete_line 'avanuectl license ')"; exit 1; }
[ "\$(complete_line 'avanuectl license issue --tier ')" = "free pro business enterprise" ] || { echo "tiers"; exit 1; }
case "\$(complete_line 'avanuectl license issue --')" in
    *--tier*--user*--expires*) ;;
    *) echo "license issue options: \$(complete_line 'avanuectl license issue --')"; exit 1 ;;
esac
case "\$(complete_line 'avanuectl --s')" in
    *--system*--session*|*--session*--system*) ;;
    *) echo "bus options"; exit 1 ;;
esac
EOF
bash "$tmp/complete.bash" > "$tmp/complete.log" 2>&1 || fail "bash completion: $(cat "$tmp/complete.log")"
pass "bash completion"

"$avanuectl" --help > "$tmp/help" 2>&1 || fail "avanuectl --help"
grep -q "turn-credentials" "$tmp/help" || fail "avanuectl --help lacks the commands"
pass "avanuectl --help lists the commands"

# Installed where pkg-config says (systemd, dbus-1, bash-completion), or
# the usual places under the prefix.
build_root=$(dirname "$build_data")
installed=no
if ! command -v meson >/dev/null 2>&1; then
    echo "# meson is not in PATH: installation paths not checked"
elif meson install -C "$build_root" --no-rebuild --quiet --destdir "$tmp/dest" > "$tmp/install.log" 2>&1; then
    installed=yes
elif grep -q "could not be found" "$tmp/install.log"; then
    echo "# the build is incomplete (some targets not built): installation paths not checked"
else
    fail "meson install: $(cat "$tmp/install.log")"
fi
if [ "$installed" = yes ]; then
    expect_installed() {
        found=$(find "$tmp/dest" -path "*$1" -type f | head -n 1)
        [ -n "$found" ] || fail "not installed: $1"
        if [ -n "${2:-}" ] && [ "${found#"$tmp/dest"}" != "$2" ]; then
            fail "$1 installed as ${found#"$tmp/dest"}, pkg-config says $2"
        fi
    }
    pc_var() { pkg-config --variable="$2" "$1" 2>/dev/null || true; }
    unitdir=$(pc_var systemd systemdsystemunitdir)
    sysusersdir=$(pc_var systemd sysusersdir)
    tmpfilesdir=$(pc_var systemd tmpfilesdir)
    expect_installed /avanued.service "${unitdir:+$unitdir/avanued.service}"
    expect_installed /sysusers.d/avanued.conf "${sysusersdir:+$sysusersdir/avanued.conf}"
    expect_installed /tmpfiles.d/avanued.conf "${tmpfilesdir:+$tmpfilesdir/avanued.conf}"
    expect_installed /dbus-1/system.d/org.avanue.Avanued1.conf
    expect_installed /dbus-1/system-services/org.avanue.Avanued1.service
    expect_installed /dbus-1/interfaces/org.avanue.Avanued1.xml
    expect_installed /bash-completion/completions/avanuectl
    expect_installed /etc/avanue/avanued.conf
    expect_installed /bin/avanuectl
    pass "installed to the system integration paths"
fi
