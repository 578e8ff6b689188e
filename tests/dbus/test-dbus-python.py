#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""org.avanue.Avanued1 from Python through Gio.DBusProxy (PyGObject), the
way a desktop app or an operator's script would use it: a private bus, a
real avanued with --session-bus, cached properties, methods with a{sv}
results, and the registered error names.  (Signals and the effects on
signaling clients are covered by test-dbus and test-avanuectl.)  Exit 77
(skip) when PyGObject or dbus-daemon is missing."""

import os
import shutil
import subprocess
import sys
import tempfile
import time

try:
    import gi
    gi.require_version("Gio", "2.0")
    from gi.repository import Gio, GLib
except (ImportError, ValueError) as e:
    print(f"SKIP: PyGObject (python3-gi) is not available: {e}")
    sys.exit(77)

NAME = "org.avanue.Avanued1"
PATH = "/org/avanue/Avanued1"
IFACE = "org.avanue.Avanued1"


def fail(message):
    print(f"not ok: {message}")
    sys.exit(1)


def check(condition, message):
    if not condition:
        fail(message)
    print(f"ok: {message}")


def start_bus(tmp):
    config = os.path.join(tmp, "bus.conf")
    with open(config, "w") as f:
        f.write(f"""<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:path={tmp}/bus</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
""")
    bus = subprocess.Popen(["dbus-daemon", f"--config-file={config}", "--nofork", "--print-address=1"],
                           stdout=subprocess.PIPE, text=True)
    address = bus.stdout.readline().strip()
    if not address:
        fail("dbus-daemon did not start")
    return bus, address


def start_daemon(tmp, address):
    avanued = os.environ.get("AVANUED", "avanued")
    env = dict(os.environ, DBUS_SESSION_BUS_ADDRESS=address)
    config = os.path.join(tmp, "avanued.conf")
    with open(config, "w") as f:
        f.write("[turn]\nenabled=false\nsecrets=python-secret\n[ice]\nturn-servers=turn:127.0.0.1:3478\n")
    daemon = subprocess.Popen([avanued, "--session-bus", "--port=0", "--turn-port=0",
                               f"--state-dir={tmp}/state", f"--config={config}"],
                              stdout=subprocess.PIPE, env=env, text=True)
    line = daemon.stdout.readline()
    if not line.startswith("listening http="):
        fail(f"avanued did not start: {line!r}")
    return daemon


def version_of_avanued():
    avanued = os.environ.get("AVANUED", "avanued")
    out = subprocess.run([avanued, "--version"], capture_output=True, text=True, check=True).stdout
    return out.split()[-1]


def main():
    if shutil.which("dbus-daemon") is None:
        print("SKIP: dbus-daemon is not installed")
        return 77
    tmp = tempfile.mkdtemp(prefix="avd-dbus-python-")
    bus, address = start_bus(tmp)
    daemon = None
    try:
        daemon = start_daemon(tmp, address)
        conn = Gio.DBusConnection.new_for_address_sync(
            address,
            Gio.DBusConnectionFlags.AUTHENTICATION_CLIENT | Gio.DBusConnectionFlags.MESSAGE_BUS_CONNECTION,
            None, None)
        proxy = Gio.DBusProxy.new_sync(conn, Gio.DBusProxyFlags.NONE, None, NAME, PATH, IFACE, None)
        check(proxy.get_name_owner() is not None, "avanued owns org.avanue.Avanued1")

        # properties, from the proxy's cache
        check(proxy.get_cached_property("Version").unpack() == version_of_avanued(),
              "Version is avanued --version")
        check(proxy.get_cached_property("ConnectedDevices").unpack() == 0, "ConnectedDevices is 0")
        check(proxy.get_cached_property("ActiveSessions").unpack() == 0, "ActiveSessions is 0")
        check(proxy.get_cached_property("TurnAllocations").unpack() == 0, "TurnAllocations is 0")
        check(proxy.get_cached_property("BytesRelayed").unpack() == 0, "BytesRelayed is 0")

        # methods: a{sv} results unpack to dicts
        stats = proxy.call_sync("GetStats", None, Gio.DBusCallFlags.NONE, -1, None).unpack()[0]
        check(stats["activeSessions"] == 0 and stats["connectedDevices"] == 0, "GetStats")
        check(stats["version"] == version_of_avanued(), "GetStats version")
        check(proxy.call_sync("ListSessions", None, Gio.DBusCallFlags.NONE, -1, None).unpack() == ([],),
              "ListSessions is empty")

        key, license = proxy.call_sync("IssueLicense", GLib.Variant("(ssx)", ("enterprise", "python", 0)),
                                       Gio.DBusCallFlags.NONE, -1, None).unpack()
        check(key.startswith("avl_") and len(key) == 44, "IssueLicense returns a key")
        check(license["tier"] == "enterprise" and license["user"] == "python" and license["valid"],
              "IssueLicense returns the licence")
        licenses = proxy.call_sync("ListLicenses", None, Gio.DBusCallFlags.NONE, -1, None).unpack()[0]
        check([l["id"] for l in licenses] == [license["id"]], "ListLicenses lists it")

        creds = proxy.call_sync("IssueTurnCredentials", GLib.Variant("(su)", ("py", 90)),
                                Gio.DBusCallFlags.NONE, -1, None).unpack()[0]
        expiry, user = creds["username"].split(":", 1)
        check(user == "py" and abs(int(expiry) - (time.time() + 90)) < 5, "IssueTurnCredentials username")
        check(creds["urls"] == ["turn:127.0.0.1:3478"], "IssueTurnCredentials urls")

        # registered error names
        for method, args, name in (
            ("GetSession", GLib.Variant("(s)", ("nope",)), "SessionNotFound"),
            ("RevokeLicense", GLib.Variant("(s)", ("nope",)), "LicenseNotFound"),
            ("BlockDevice", GLib.Variant("(s)", ("f" * 64,)), "DeviceNotFound"),
            ("BlockDevice", GLib.Variant("(s)", ("F",)), "InvalidArgument"),
        ):
            try:
                proxy.call_sync(method, args, Gio.DBusCallFlags.NONE, -1, None)
                fail(f"{method} did not fail")
            except GLib.Error as e:
                remote = Gio.DBusError.get_remote_error(e)
                check(remote == f"org.avanue.Avanued1.Error.{name}", f"{method} fails with {remote}")

        revoked = proxy.call_sync("RevokeLicense", GLib.Variant("(s)", (key,)), Gio.DBusCallFlags.NONE, -1, None)
        check(revoked.unpack() == (0,), "RevokeLicense by key, no live session to end")
        licenses = proxy.call_sync("ListLicenses", None, Gio.DBusCallFlags.NONE, -1, None).unpack()[0]
        check(licenses[0]["revoked"] and not licenses[0]["valid"], "ListLicenses shows it revoked")

        restart = proxy.call_sync("Reload", None, Gio.DBusCallFlags.NONE, -1, None).unpack()
        check(restart == ([],), "Reload")
    finally:
        if daemon is not None:
            daemon.terminate()
            daemon.wait(timeout=10)
        bus.terminate()
        bus.wait(timeout=10)
        shutil.rmtree(tmp, ignore_errors=True)
    if daemon.returncode != 0:
        fail(f"avanued exited with {daemon.returncode}")
    print("ok: avanued stopped cleanly")
    return 0


if __name__ == "__main__":
    sys.exit(main())
