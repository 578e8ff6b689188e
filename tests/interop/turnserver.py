# SPDX-License-Identifier: LGPL-2.1-or-later
"""A TURN server under test, started on loopback for one test case.

The target is avanued's relay by default; INTEROP_SERVER=coturn (or
COTURN=1) runs the same tests against coturn's turnserver instead, which is
how these tests were validated before avanued's relay existed and how a
behaviour difference is told apart from a test bug.

Both servers get the same REST-API shared secret (coturn's
--use-auth-secret, avanued's [turn] secrets), the same realm and, unless a
test says otherwise, loopback peers allowed (the peers of these tests are
on 127.0.0.1 or ::1).
"""

import base64
import ctypes
import hashlib
import hmac
import os
import selectors
import shutil
import signal
import socket
import struct
import subprocess
import tempfile
import threading
import time

SECRET = "interop-shared-secret"
REALM = "interop.test"

STUN_COOKIE = 0x2112A442


class Skip(Exception):
    """The test cannot run here; the message says why (exit 77)."""


class Failure(Exception):
    """The test ran and the server did not do what it should."""


def rest_credentials(name, lifetime=86400, secret=SECRET, now=None):
    """REST-API credentials (coturn's use-auth-secret scheme):
    username "<expiry>:<name>", password base64(HMAC-SHA1(secret, username))."""
    now = int(time.time()) if now is None else now
    username = "%d:%s" % (now + lifetime, name)
    digest = hmac.new(secret.encode(), username.encode(), hashlib.sha1).digest()
    return username, base64.b64encode(digest).decode()


def target_kind():
    kind = os.environ.get("INTEROP_SERVER", "")
    if not kind:
        kind = "coturn" if os.environ.get("COTURN", "") not in ("", "0") else "avanued"
    if kind not in ("avanued", "coturn"):
        raise Failure("INTEROP_SERVER must be avanued or coturn, not %r" % kind)
    return kind


def have_ipv6_loopback():
    try:
        with socket.socket(socket.AF_INET6, socket.SOCK_DGRAM) as s:
            s.bind(("::1", 0))
        return True
    except OSError:
        return False


def _port_free(port, hosts):
    socks = []
    try:
        for host in hosts:
            family = socket.AF_INET6 if ":" in host else socket.AF_INET
            for kind in (socket.SOCK_DGRAM, socket.SOCK_STREAM):
                s = socket.socket(family, kind)
                socks.append(s)
                s.bind((host, port))
        return True
    except OSError:
        return False
    finally:
        for s in socks:
            s.close()


def free_port(hosts=("127.0.0.1",)):
    """A port free for both UDP and TCP on every address in @hosts."""
    for _ in range(100):
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        if _port_free(port, hosts):
            return port
    raise Failure("no free port found")


def die_with_parent():
    # PR_SET_PDEATHSIG: the server dies with the test, even on a crash.
    try:
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)
    except OSError:
        pass


def stun_binding_request():
    txid = os.urandom(12)
    return struct.pack("!HHI", 0x0001, 0, STUN_COOKIE) + txid, txid


def is_binding_success(data, txid):
    if len(data) < 20:
        return False
    mtype, length, cookie = struct.unpack("!HHI", data[:8])
    return mtype == 0x0101 and cookie == STUN_COOKIE and data[8:20] == txid and len(data) == 20 + length


def udp_binding(host, port, timeout=1.0):
    """True when the server answers a STUN Binding request over UDP."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_DGRAM) as s:
        s.settimeout(timeout)
        request, txid = stun_binding_request()
        s.sendto(request, (host, port))
        try:
            while True:
                data, _ = s.recvfrom(2048)
                if is_binding_success(data, txid):
                    return True
        except OSError:
            return False


def tcp_binding(host, port, timeout=1.0):
    """True when the server answers a STUN Binding request over TCP."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    try:
        with socket.socket(family, socket.SOCK_STREAM) as s:
            s.settimeout(timeout)
            s.connect((host, port))
            request, txid = stun_binding_request()
            s.sendall(request)
            data = b""
            while len(data) < 20 or len(data) < 20 + struct.unpack("!H", data[2:4])[0]:
                chunk = s.recv(2048)
                if not chunk:
                    return False
                data += chunk
            return is_binding_success(data[: 20 + struct.unpack("!H", data[2:4])[0]], txid)
    except OSError:
        return False


def make_certificate(directory):
    """A self-signed certificate for 127.0.0.1 and localhost, made now."""
    if shutil.which("openssl") is None:
        raise Skip("openssl is not installed: cannot make a test certificate")
    cert = os.path.join(directory, "cert.pem")
    key = os.path.join(directory, "key.pem")
    result = subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
         "-nodes", "-keyout", key, "-out", cert, "-days", "2", "-subj", "/CN=localhost",
         "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if result.returncode != 0:
        raise Failure("openssl req failed:\n" + result.stdout)
    return cert, key


class TurnServer:
    """One TURN server process.  Options, all optional:

    allow_loopback  loopback peers allowed (default True)
    user_quota      allocations per username
    denied_peers    CIDRs denied in addition to the server's defaults
    deny_private    also deny 10/8, 172.16/12, 192.168/16 (avanued's
                    default; coturn needs it said)
    ipv6            listen on ::1 as well as 127.0.0.1
    tls             serve TURN over TLS with a certificate made now
    nonce_lifetime  seconds a nonce stays valid
    dbus_bus        avanued's [dbus] bus (default none)
    """

    def __init__(self, workdir, **options):
        self.kind = target_kind()
        self.workdir = workdir
        self.options = options
        self.host = "127.0.0.1"
        self.port = None
        self.tls_port = None
        self.cert = None
        self.key = None
        self.secret = SECRET
        self.realm = REALM
        self.process = None
        self.log_path = os.path.join(workdir, "%s.log" % self.kind)
        self.state_dir = None

    # -- start and stop -------------------------------------------------

    def start(self):
        if self.options.get("ipv6") and not have_ipv6_loopback():
            raise Skip("no IPv6 loopback (::1) on this machine")
        if self.options.get("tls"):
            self.cert, self.key = make_certificate(self.workdir)
        if self.kind == "coturn":
            self._start_coturn()
        else:
            self._start_avanued()
        self._wait_ready()
        return self

    def _start_coturn(self):
        turnserver = shutil.which("turnserver")
        if turnserver is None:
            raise Skip("coturn's turnserver is not installed (Debian package coturn)")
        hosts = ["127.0.0.1", "::1"] if self.options.get("ipv6") else ["127.0.0.1"]
        self.port = free_port(hosts)
        args = [turnserver, "-n", "--no-cli", "--use-auth-secret",
                "--static-auth-secret=" + self.secret, "--realm=" + self.realm,
                "-p", str(self.port), "--log-file", self.log_path, "--simple-log",
                "--no-stdout-log", "--pidfile", os.path.join(self.workdir, "turnserver.pid"),
                "--no-dtls", "--no-rfc5780", "--no-software-attribute",
                "--min-port", "49152", "--max-port", "65535"]
        for host in hosts:
            args += ["-L", host]
        if self.options.get("allow_loopback", True):
            args.append("--allow-loopback-peers")
        if self.options.get("user_quota"):
            args += ["--user-quota", str(self.options["user_quota"])]
        denied = list(self.options.get("denied_peers", ()))
        if self.options.get("deny_private"):
            denied += ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"]
        for cidr in denied:
            args.append("--denied-peer-ip=" + cidr_to_range(cidr))
        if self.options.get("nonce_lifetime"):
            args.append("--stale-nonce=%d" % self.options["nonce_lifetime"])
        if self.options.get("tls"):
            self.tls_port = free_port(hosts)
            args += ["--tls-listening-port", str(self.tls_port), "--cert", self.cert, "--pkey", self.key]
        else:
            args.append("--no-tls")
        log = open(os.path.join(self.workdir, "coturn.out"), "w")
        self.process = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=log, stderr=log,
                                        preexec_fn=die_with_parent)
        log.close()

    def _start_avanued(self):
        avanued = os.environ.get("AVANUED")
        if not avanued or not os.access(avanued, os.X_OK):
            raise Failure("AVANUED must name the avanued binary (meson test sets it)")
        self.state_dir = os.path.join(self.workdir, "state")
        os.makedirs(self.state_dir, exist_ok=True)
        listen = "127.0.0.1,::1" if self.options.get("ipv6") else "127.0.0.1"
        denied = list(self.options.get("denied_peers", ()))
        lines = [
            "[server]", "listen=127.0.0.1",
            "[dbus]", "bus=" + self.options.get("dbus_bus", "none"),
            "[turn]", "enabled=true",
            "listen=" + listen,
            "realm=" + self.realm,
            "secrets=" + self.secret,
            "allow-loopback-peers=" + ("true" if self.options.get("allow_loopback", True) else "false"),
            "denied-peers=" + ",".join(denied),
        ]
        if self.options.get("user_quota"):
            lines.append("user-quota=%d" % self.options["user_quota"])
        if self.options.get("nonce_lifetime"):
            lines.append("nonce-lifetime-seconds=%d" % self.options["nonce_lifetime"])
        if self.options.get("tls"):
            self.tls_port = free_port()
            lines += ["tls-certificate=" + self.cert, "tls-key=" + self.key, "tls-port=%d" % self.tls_port]
        lines += self.options.get("avanued_config", [])
        config = os.path.join(self.workdir, "avanued.conf")
        with open(config, "w") as f:
            f.write("\n".join(lines) + "\n")
        log = open(self.log_path, "w")
        self.process = subprocess.Popen(
            [avanued, "--config", config, "--state-dir", self.state_dir, "--port", "0", "--turn-port", "0"],
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=log, preexec_fn=die_with_parent)
        log.close()
        line = self._read_line(self.process.stdout, 30)
        if line is None:
            raise Failure("avanued did not print its listening line within 30 s (exit status %s)\n%s"
                          % (self.process.poll(), self.log_tail()))
        fields = dict(part.split("=", 1) for part in line.split()[1:] if "=" in part)
        if not line.startswith("listening ") or "turn" not in fields:
            raise Failure("unexpected first line from avanued: %r" % line)
        self.port = int(fields["turn"])
        if self.port == 0:
            raise Skip("avanued does not serve TURN yet: it printed %r for --turn-port 0" % line.strip())
        # Keep draining stdout so that the daemon never blocks on it.
        threading.Thread(target=self._drain, args=(self.process.stdout,), daemon=True).start()

    @staticmethod
    def _read_line(pipe, timeout):
        selector = selectors.DefaultSelector()
        selector.register(pipe, selectors.EVENT_READ)
        deadline = time.monotonic() + timeout
        data = b""
        while b"\n" not in data:
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not selector.select(remaining):
                return None
            chunk = os.read(pipe.fileno(), 1)
            if not chunk:
                return None
            data += chunk
        return data.decode(errors="replace")

    def _drain(self, pipe):
        with open(self.log_path + ".stdout", "ab") as out:
            for chunk in iter(lambda: pipe.read1(4096), b""):
                out.write(chunk)

    def _wait_ready(self):
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise Failure("%s exited with status %s while starting\n%s"
                              % (self.kind, self.process.returncode, self.log_tail()))
            if udp_binding(self.host, self.port, 0.2) and tcp_binding(self.host, self.port, 0.5):
                return
            time.sleep(0.1)
        raise Failure("%s does not answer a STUN Binding request on %s:%d (UDP and TCP) within 20 s\n%s"
                      % (self.kind, self.host, self.port, self.log_tail()))

    def check_alive(self):
        """Fails when the server died (a crash is the worst answer)."""
        status = self.process.poll()
        if status is not None:
            raise Failure("%s died during the test: exit status %s%s\n%s"
                          % (self.kind, status, describe_signal(status), self.log_tail()))

    def stop(self):
        """Stops the server; fails when it crashed or did not stop cleanly."""
        if self.process is None:
            return
        process, self.process = self.process, None
        if process.poll() is not None:
            raise Failure("%s had died: exit status %s%s\n%s"
                          % (self.kind, process.returncode, describe_signal(process.returncode),
                             self.log_tail()))
        process.send_signal(signal.SIGTERM)
        try:
            status = process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
            raise Failure("%s did not stop within 10 s of SIGTERM" % self.kind)
        # coturn exits through its signal handler with a non-zero status;
        # avanued must stop gracefully.
        if self.kind == "avanued" and status != 0:
            raise Failure("avanued exited with status %s%s after SIGTERM\n%s"
                          % (status, describe_signal(status), self.log_tail()))

    def kill(self):
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        self.process = None

    def log_tail(self, lines=40):
        out = []
        for path in (self.log_path, os.path.join(self.workdir, "coturn.out")):
            try:
                with open(path, errors="replace") as f:
                    out += f.read().splitlines()[-lines:]
            except OSError:
                pass
        return "\n".join("  | " + line for line in out[-lines:])

    def __enter__(self):
        if self.process is None:
            self.start()
        return self

    def __exit__(self, exc_type, exc, tb):
        if exc_type is None:
            self.stop()
        else:
            self.kill()
        return False


def describe_signal(status):
    if status is not None and status < 0:
        try:
            return " (killed by %s)" % signal.Signals(-status).name
        except ValueError:
            return " (killed by signal %d)" % -status
    return ""


def cidr_to_range(cidr):
    """coturn takes peer ranges as FIRST-LAST, not CIDR."""
    import ipaddress
    net = ipaddress.ip_network(cidr, strict=False)
    return "%s-%s" % (net[0], net[-1])


class Workdir:
    """A temporary directory, kept when INTEROP_KEEP=1 (for debugging)."""

    def __init__(self):
        self.path = tempfile.mkdtemp(prefix="avanue-interop-")

    def __enter__(self):
        return self.path

    def __exit__(self, *exc):
        if os.environ.get("INTEROP_KEEP") == "1":
            print("# kept %s" % self.path)
        else:
            shutil.rmtree(self.path, ignore_errors=True)
        return False
