#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Interop tests for avanued's STUN/TURN relay, driven by clients that
nobody in this project wrote: libnice (through test-libnice-relay),
coturn's turnutils_uclient with turnutils_peer as the echo peer, and
aioice (python3-aioice) for the negative cases.

    interop.py CASE          run one case against avanued (AVANUED=path)
    INTEROP_SERVER=coturn interop.py CASE   the same against coturn
    interop.py --list        list the cases

Exit status: 0 pass, 1 fail, 77 cannot run here (meson counts a skip).
Every server, peer and client is on 127.0.0.1 or ::1.
"""

import asyncio
import os
import random
import re
import shutil
import socket
import ssl
import struct
import subprocess
import sys
import time
import traceback

# turnserver.py sits next to this file; keep the source tree free of
# __pycache__.
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from turnserver import (  # noqa: E402
    Failure, Skip, TurnServer, Workdir, die_with_parent, free_port, is_binding_success,
    rest_credentials, stun_binding_request, target_kind, tcp_binding, udp_binding)

CASES = {}


def case(name):
    def register(function):
        CASES[name] = function
        return function
    return register


def note(text):
    print("# " + text.replace("\n", "\n# "), flush=True)


def check(condition, message):
    if not condition:
        raise Failure(message)


# ---- coturn's tools -------------------------------------------------------

def need_tool(name):
    path = shutil.which(name)
    if path is None:
        raise Skip("%s is not installed (Debian package coturn)" % name)
    return path


class EchoPeer:
    """turnutils_peer: coturn's UDP echo peer."""

    def __init__(self, workdir, host="127.0.0.1"):
        self.host = host
        self.port = free_port([host])
        self.log = open(os.path.join(workdir, "peer-%s.log" % host.replace(":", "_")), "w")
        self.process = subprocess.Popen([need_tool("turnutils_peer"), "-L", host, "-p", str(self.port)],
                                        stdin=subprocess.DEVNULL, stdout=self.log, stderr=self.log,
                                        preexec_fn=die_with_parent)
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        with socket.socket(family, socket.SOCK_DGRAM) as s:
            s.settimeout(0.2)
            for _ in range(50):
                s.sendto(b"echo?", (host, self.port))
                try:
                    if s.recvfrom(64)[0] == b"echo?":
                        return
                except OSError:
                    pass
        self.stop()
        raise Failure("turnutils_peer does not echo on %s:%d" % (host, self.port))

    def stop(self):
        if self.process.poll() is None:
            self.process.terminate()
            self.process.wait()
        self.log.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()
        return False


UCLIENT_TOTALS = re.compile(r"start_mclient: tot_send_msgs=(\d+), tot_recv_msgs=(\d+)\s*$", re.M)
UCLIENT_LOSS = re.compile(r"Total lost packets (\d+) \(([\d.]+)%\), total send dropped (\d+)")
UCLIENT_RTT = re.compile(r"Average round trip delay ([\d.]+) ms; min = (\d+) ms, max = (\d+) ms")


def run_uclient(server, peer, flags=(), *, messages=20, clients=2, length=120, host=None, port=None,
                name="uclient", pairs=False):
    """Runs turnutils_uclient (REST auth with -W, a day ahead) and returns
    its output; fails unless it sent every message and got every echo back.
    By default each client is one allocation (-c); it asks for an even port
    (EVEN-PORT R=0) at random and binds channels anywhere in 0x4000-0x7FFF.
    With @pairs each client is an RTP + RTCP pair: the first allocation
    reserves the next port (EVEN-PORT R=1), the second takes it with the
    RESERVATION-TOKEN it got."""
    flags = list(flags) if pairs else ["-c"] + list(flags)
    expected = (clients + (clients & 1) if pairs else clients) * messages
    args = [need_tool("turnutils_uclient"), "-W", server.secret, "-u", name,
            "-e", peer.host, "-r", str(peer.port), "-p", str(port or server.port),
            "-n", str(messages), "-m", str(clients), "-l", str(length), "-z", "20"]
    args += flags + [host or server.host]
    note("running turnutils_uclient " + " ".join(flags + ["-n", str(messages), "-m", str(clients)]))
    try:
        result = subprocess.run(args, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, text=True, errors="replace", timeout=90)
    except subprocess.TimeoutExpired as e:
        raise Failure("turnutils_uclient did not finish within 90 s\n%s" % (e.stdout or ""))
    out = result.stdout
    totals = UCLIENT_TOTALS.search(out)
    loss = UCLIENT_LOSS.search(out)
    rtt = UCLIENT_RTT.search(out)
    tail = "\n".join(out.splitlines()[-25:])
    if result.returncode != 0 or totals is None or loss is None:
        raise Failure("turnutils_uclient failed (exit status %d) before reporting its totals; its output ends:\n%s"
                      % (result.returncode, tail))
    sent, received = int(totals.group(1)), int(totals.group(2))
    lost, dropped = int(loss.group(1)), int(loss.group(3))
    note("sent %d, received %d, lost %d, send dropped %d%s"
         % (sent, received, lost, dropped, ", RTT avg %s ms max %s ms" % (rtt.group(1), rtt.group(3)) if rtt else ""))
    check(sent == expected, "turnutils_uclient sent %d messages, expected %d\n%s" % (sent, expected, tail))
    check(received == sent, "turnutils_uclient got %d of %d echoes back through the relay\n%s"
          % (received, sent, tail))
    check(lost == 0 and dropped == 0, "turnutils_uclient reports %d lost and %d send-dropped packets\n%s"
          % (lost, dropped, tail))
    return out


def uclient_case(flags, **kwargs):
    with Workdir() as workdir:
        with TurnServer(workdir) as server, EchoPeer(workdir) as peer:
            run_uclient(server, peer, flags, **kwargs)
            server.check_alive()


@case("uclient-udp-channels")
def uclient_udp_channels():
    """UDP to the server, ChannelData to the peer (ChannelBind)."""
    uclient_case([])


@case("uclient-udp-indications")
def uclient_udp_indications():
    """UDP to the server, Send/Data indications (-s)."""
    uclient_case(["-s"])


@case("uclient-tcp")
def uclient_tcp():
    """TCP to the server (-t), ChannelData framed on the stream."""
    uclient_case(["-t"])


@case("uclient-tcp-indications")
def uclient_tcp_indications():
    """TCP to the server with Send/Data indications (-t -s)."""
    uclient_case(["-t", "-s"])


@case("uclient-rtp-rtcp")
def uclient_rtp_rtcp():
    """RTP + RTCP allocation pairs (no -c): EVEN-PORT with R=1, then
    RESERVATION-TOKEN for the odd port; both relay without loss."""
    with Workdir() as workdir:
        with TurnServer(workdir) as server, EchoPeer(workdir) as peer:
            out = run_uclient(server, peer, ["-v"], clients=4, pairs=True)
            # uclient logs each allocation's port, then the RESERVATION-TOKEN
            # it got (rtv, 0 for none); the next allocation presents that
            # token and must get the reserved port, one above the even one.
            allocations = [(int(port), int(token)) for port, token in
                           re.findall(r"Received relay addr: [\d.]+:(\d+)\n.*clnet_allocate: rtv=(\d+)", out)]
            note("relayed ports (RESERVATION-TOKEN issued): %s"
                 % ", ".join("%d%s" % (port, " (token)" if token else "") for port, token in allocations))
            check(any(token for _, token in allocations), "no allocation got a RESERVATION-TOKEN")
            for (port, token), (next_port, _) in zip(allocations, allocations[1:]):
                if token:
                    check(port % 2 == 0, "port %d came with a RESERVATION-TOKEN but is odd" % port)
                    check(next_port == port + 1, "the allocation with the token for %d got port %d, not %d"
                          % (port, next_port, port + 1))
            server.check_alive()


@case("uclient-tls")
def uclient_tls():
    """TURN over TLS with a certificate made for this test: the server
    presents exactly that certificate (Python's ssl verifies it against
    itself as the only CA, for 127.0.0.1), answers STUN inside TLS, and
    turnutils_uclient -t -S relays through it without loss."""
    with Workdir() as workdir:
        with TurnServer(workdir, tls=True) as server, EchoPeer(workdir) as peer:
            check(server.tls_port, "the server has no TLS port")
            context = ssl.create_default_context(cafile=server.cert)
            try:
                with socket.create_connection((server.host, server.tls_port), timeout=5) as raw:
                    with context.wrap_socket(raw, server_hostname="127.0.0.1") as tls:
                        note("TLS handshake: %s, %s" % (tls.version(), tls.cipher()[0]))
                        request, txid = stun_binding_request()
                        tls.sendall(request)
                        data = b""
                        while len(data) < 20 or len(data) < 20 + struct.unpack("!H", data[2:4])[0]:
                            chunk = tls.recv(2048)
                            check(chunk, "the server closed the TLS connection instead of answering a Binding request")
                            data += chunk
                        check(is_binding_success(data, txid),
                              "no Binding success response over TLS (got %d bytes)" % len(data))
            except ssl.SSLError as e:
                raise Failure("TLS handshake with %s:%d failed: %s" % (server.host, server.tls_port, e))
            except OSError as e:
                raise Failure("cannot talk TLS to %s:%d: %s" % (server.host, server.tls_port, e))
            out = run_uclient(server, peer, ["-t", "-S", "-v"], port=server.tls_port)
            check("tls_connect: client session connected" in out,
                  "turnutils_uclient -S did not report a TLS session")
            server.check_alive()


@case("uclient-ipv6")
def uclient_ipv6():
    """An IPv6 allocation: client, server and peer on ::1, relayed
    address requested as IPv6 (-x, RFC 6156 REQUESTED-ADDRESS-FAMILY)."""
    with Workdir() as workdir:
        with TurnServer(workdir, ipv6=True) as server, EchoPeer(workdir, "::1") as peer:
            check(udp_binding("::1", server.port) and tcp_binding("::1", server.port),
                  "no STUN Binding answer on [::1]:%d (UDP and TCP)" % server.port)
            out = run_uclient(server, peer, ["-x", "-v"], host="::1")
            relayed = re.findall(r"(IPv[46])\. Received relay addr: (\S+)", out)
            note("relayed addresses: %s" % ", ".join(a for _, a in relayed))
            check(relayed and all(family == "IPv6" for family, _ in relayed),
                  "the relayed addresses are not IPv6: %s" % relayed)
            server.check_alive()


# ---- libnice ---------------------------------------------------------------

def libnice_case(transport):
    program = os.environ.get("INTEROP_LIBNICE_RELAY")
    if not program:
        raise Skip("test-libnice-relay was not built: libnice (pkg-config nice >= 0.1.14, Debian "
                   "libnice-dev) was not found when meson configured")
    if not os.access(program, os.X_OK):
        raise Failure("INTEROP_LIBNICE_RELAY=%s is not an executable" % program)
    with Workdir() as workdir:
        with TurnServer(workdir) as server:
            username, password = rest_credentials("libnice")
            env = dict(os.environ, TURN_HOST=server.host, TURN_PORT=str(server.port),
                       TURN_USERNAME=username, TURN_PASSWORD=password, TURN_TRANSPORT=transport)
            try:
                result = subprocess.run([program], env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                        stderr=subprocess.STDOUT, text=True, errors="replace", timeout=90)
            except subprocess.TimeoutExpired:
                raise Failure("test-libnice-relay did not finish within 90 s")
            print(result.stdout, end="")
            check(result.returncode == 0, "test-libnice-relay failed with status %d" % result.returncode)
            server.check_alive()


@case("libnice-udp")
def libnice_udp():
    """Two libnice agents, relay candidates only, TURN over UDP."""
    libnice_case("udp")


@case("libnice-tcp")
def libnice_tcp():
    """Two libnice agents, relay candidates only, TURN over TCP."""
    libnice_case("tcp")


# ---- negative cases through aioice -----------------------------------------

def need_aioice():
    try:
        from aioice import stun, turn
    except ImportError:
        raise Skip("python3-aioice is not installed for %s" % sys.executable)
    return stun, turn


async def turn_client(server, username, password, transport="udp", host=None):
    """An aioice TURN client protocol, connected but not yet allocated."""
    _, turn = need_aioice()
    loop = asyncio.get_running_loop()
    address = (host or server.host, server.port)
    factory_args = dict(username=username, password=password, lifetime=600, channel_refresh_time=500)
    if transport == "udp":
        _, protocol = await loop.create_datagram_endpoint(
            lambda: turn.TurnClientUdpProtocol(address, **factory_args), remote_addr=address)
    else:
        _, protocol = await loop.create_connection(
            lambda: turn.TurnClientTcpProtocol(address, **factory_args), host=address[0], port=address[1])
    return protocol


async def allocate(protocol):
    """Allocate (with aioice's 401 → credentials → retry dance); returns
    the relayed address or raises stun.TransactionFailed."""
    stun, _ = need_aioice()
    try:
        return await asyncio.wait_for(protocol.connect(), 10)
    except asyncio.TimeoutError:
        raise Failure("no answer to Allocate within 10 s")
    except stun.TransactionTimeout:
        raise Failure("Allocate timed out (the server never answered)")


async def release(protocol):
    try:
        await asyncio.wait_for(protocol.delete(), 5)
    except Exception:  # the allocation may be gone already; only cleanup here
        protocol.transport.close()


def error_code(exception):
    """(code, reason) of an error response; control characters (coturn ends
    some reasons with a NUL) are dropped from the reason."""
    code, reason = exception.response.attributes.get("ERROR-CODE", (None, ""))
    return code, "".join(c for c in reason if c.isprintable())


async def expect_error(awaitable, code, what):
    stun, _ = need_aioice()
    try:
        response = await asyncio.wait_for(awaitable, 10)
    except stun.TransactionFailed as e:
        got = error_code(e)
        check(got[0] == code, "%s: expected error %d, got %s %s" % (what, code, got[0], got[1]))
        note("%s: %d %s" % (what, got[0], got[1]))
        return e.response
    except (stun.TransactionTimeout, asyncio.TimeoutError):
        raise Failure("%s: expected error %d, got no answer" % (what, code))
    raise Failure("%s: expected error %d, but it succeeded (%r)" % (what, code, response))


def request(method, **attributes):
    stun, _ = need_aioice()
    message = stun.Message(message_method=getattr(stun.Method, method), message_class=stun.Class.REQUEST)
    for name, value in attributes.items():
        message.attributes[name.replace("_", "-").upper()] = value
    return message


def run_async(main):
    need_aioice()
    return asyncio.run(main())


@case("negative-wrong-password")
def negative_wrong_password():
    """A REST username with the wrong password gets 401 (UDP and TCP);
    the right password then works on the same server."""
    async def main():
        username, password = rest_credentials("mallory")
        for transport in ("udp", "tcp"):
            client = await turn_client(server, username, "not-" + password, transport)
            await expect_error(client.connect(), 401, "Allocate over %s with a wrong password" % transport)
            client.transport.close()
            client = await turn_client(server, username, password, transport)
            relayed = await allocate(client)
            note("the right password over %s: relayed %s:%d" % (transport, *relayed))
            await release(client)

    with Workdir() as workdir:
        with TurnServer(workdir) as server:
            run_async(main)
            server.check_alive()


@case("negative-expired-username")
def negative_expired_username():
    """A correctly signed REST username whose expiry has passed gets 401;
    one expiring a day ahead (turnutils_uclient -W asks for that) works."""
    async def main():
        username, password = rest_credentials("late", lifetime=-60)
        client = await turn_client(server, username, password)
        await expect_error(client.connect(), 401, "Allocate with a username that expired a minute ago")
        client.transport.close()
        username, password = rest_credentials("early", lifetime=86400)
        client = await turn_client(server, username, password)
        await allocate(client)
        await release(client)

    with Workdir() as workdir:
        with TurnServer(workdir) as server:
            run_async(main)
            server.check_alive()


@case("negative-stale-nonce")
def negative_stale_nonce():
    """A request signed correctly but with a nonce the server never gave
    gets 438 Stale Nonce carrying a fresh NONCE; the same request with that
    nonce then succeeds."""
    async def main():
        stun, _ = need_aioice()
        username, password = rest_credentials("nonce")
        client = await turn_client(server, username, password)
        await allocate(client)
        genuine = client.nonce
        client.nonce = b"obsolete" + genuine[8:] if len(genuine) > 8 else b"obsolete-nonce"
        if client.nonce == genuine:
            client.nonce = b"x" + genuine[1:]
        response = await expect_error(client.request(request("REFRESH", lifetime=600)), 438,
                                      "Refresh with a nonce the server never issued")
        fresh = response.attributes.get("NONCE")
        check(fresh, "the 438 answer carries no NONCE")
        check("REALM" in response.attributes, "the 438 answer carries no REALM")
        client.nonce = fresh
        try:
            answer, _ = await asyncio.wait_for(client.request(request("REFRESH", lifetime=600)), 10)
        except stun.TransactionFailed as e:
            raise Failure("Refresh with the nonce from the 438 answer failed: %s %s" % error_code(e))
        check(answer.attributes.get("LIFETIME", 0) > 0, "the Refresh answer has no LIFETIME")
        note("Refresh with the new nonce: LIFETIME %d" % answer.attributes["LIFETIME"])
        await release(client)

    with Workdir() as workdir:
        with TurnServer(workdir) as server:
            run_async(main)
            server.check_alive()


NONCE_LIFETIME = 3


@case("negative-nonce-expiry")
def negative_nonce_expiry():
    """With nonces valid for a few seconds, a request carrying a nonce that
    was good earlier gets 438 once it has expired, and succeeds with the
    fresh nonce of that answer."""
    async def main():
        stun, _ = need_aioice()
        username, password = rest_credentials("slow")
        client = await turn_client(server, username, password)
        await allocate(client)
        old = client.nonce
        await asyncio.sleep(NONCE_LIFETIME + 2)
        response = await expect_error(client.request(request("REFRESH", lifetime=600)), 438,
                                      "Refresh with a nonce %d s old (lifetime %d s)" % (NONCE_LIFETIME + 2, NONCE_LIFETIME))
        fresh = response.attributes.get("NONCE")
        check(fresh and fresh != old, "the 438 answer carries no new NONCE")
        client.nonce = fresh
        try:
            await asyncio.wait_for(client.request(request("REFRESH", lifetime=600)), 10)
        except stun.TransactionFailed as e:
            raise Failure("Refresh with the nonce from the 438 answer failed: %s %s" % error_code(e))
        await release(client)

    if target_kind() == "avanued":
        avanued = os.environ.get("AVANUED", "")
        try:
            with open(avanued, "rb") as f:
                configurable = b"nonce-lifetime-seconds" in f.read()
        except OSError:
            configurable = False
        if not configurable:
            raise Skip("avanued has no [turn] nonce-lifetime-seconds key, so its nonces live 600 s; "
                       "negative-stale-nonce covers the 438 path")
    with Workdir() as workdir:
        with TurnServer(workdir, nonce_lifetime=NONCE_LIFETIME) as server:
            run_async(main)
            server.check_alive()


@case("negative-denied-peer")
def negative_denied_peer():
    """CreatePermission and ChannelBind for a peer in 10.0.0.0/8 (a private
    range, denied by default) and in a configured denied-peers CIDR get 403;
    a loopback peer is allowed when loopback peers are, and denied (403)
    by a server that does not allow them."""
    async def main(server, loopback_allowed):
        stun, _ = need_aioice()
        username, password = rest_credentials("peers")
        client = await turn_client(server, username, password)
        await allocate(client)
        await expect_error(client.request_with_retry(request("CREATE_PERMISSION", xor_peer_address=("10.1.2.3", 9))),
                           403, "CreatePermission for 10.1.2.3")
        await expect_error(client.request_with_retry(request("CHANNEL_BIND", channel_number=0x4001,
                                                             xor_peer_address=("10.1.2.3", 9))),
                           403, "ChannelBind to 10.1.2.3")
        await expect_error(client.request_with_retry(request("CREATE_PERMISSION",
                                                             xor_peer_address=("192.0.2.7", 9))),
                           403, "CreatePermission for 192.0.2.7 (denied-peers 192.0.2.0/24)")
        loopback = request("CREATE_PERMISSION", xor_peer_address=("127.0.0.1", 9))
        if loopback_allowed:
            try:
                await asyncio.wait_for(client.request_with_retry(loopback), 10)
            except stun.TransactionFailed as e:
                raise Failure("CreatePermission for 127.0.0.1 with loopback peers allowed: %s %s" % error_code(e))
            note("CreatePermission for 127.0.0.1 with loopback peers allowed: success")
        else:
            await expect_error(client.request_with_retry(loopback), 403,
                               "CreatePermission for 127.0.0.1 with loopback peers not allowed")
        await release(client)

    with Workdir() as workdir:
        with TurnServer(workdir, denied_peers=["192.0.2.0/24"], deny_private=True) as server:
            run_async(lambda: main(server, True))
            server.check_alive()
    with Workdir() as workdir:
        with TurnServer(workdir, denied_peers=["192.0.2.0/24"], deny_private=True,
                        allow_loopback=False) as server:
            run_async(lambda: main(server, False))
            server.check_alive()


@case("negative-quota")
def negative_quota():
    """With user-quota=1 a second allocation for the same username gets
    486 (over UDP and over TCP); another username is not affected; once the
    first allocation is deleted the username can allocate again."""
    async def main():
        stun, _ = need_aioice()
        username, password = rest_credentials("greedy")
        first = await turn_client(server, username, password)
        await allocate(first)
        for transport in ("udp", "tcp"):
            second = await turn_client(server, username, password, transport)
            await expect_error(second.connect(), 486, "a second allocation for one username over %s" % transport)
            second.transport.close()
        other_name, other_password = rest_credentials("modest")
        other = await turn_client(server, other_name, other_password)
        await allocate(other)
        await release(other)
        await release(first)
        # The quota must be given back once the allocation is deleted; coturn
        # does that on a timer, about a second later.
        deleted = time.monotonic()
        while True:
            again = await turn_client(server, username, password)
            try:
                await asyncio.wait_for(again.connect(), 10)
                break
            except stun.TransactionFailed as e:
                again.transport.close()
                check(time.monotonic() - deleted < 3,
                      "3 s after deleting the first allocation the username still gets %s %s" % error_code(e))
                await asyncio.sleep(0.2)
        note("%.1f s after deleting the first allocation the username allocates again" % (time.monotonic() - deleted))
        await release(again)

    with Workdir() as workdir:
        with TurnServer(workdir, user_quota=1) as server:
            run_async(main)
            server.check_alive()


class PrivateBus:
    """A private D-Bus session bus for avanued's administration API."""

    def __init__(self):
        for tool in ("dbus-daemon", "gdbus"):
            if shutil.which(tool) is None:
                raise Skip("%s is not installed: no private bus for the D-Bus API" % tool)
        self.process = subprocess.Popen(["dbus-daemon", "--session", "--nofork", "--nopidfile", "--print-address=1"],
                                        stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                        text=True, preexec_fn=die_with_parent)
        self.address = self.process.stdout.readline().strip()
        if not self.address:
            self.stop()
            raise Failure("dbus-daemon did not print its address")

    def call(self, method, *args, timeout=10):
        env = dict(os.environ, DBUS_SESSION_BUS_ADDRESS=self.address)
        return subprocess.run(["gdbus", "call", "--session", "--dest", "org.avanue.Avanued1",
                               "--object-path", "/org/avanue/Avanued1", "--timeout", str(timeout),
                               "--method", "org.avanue.Avanued1." + method] + list(args),
                              env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              text=True, timeout=timeout + 5)

    def has_method(self, method):
        env = dict(os.environ, DBUS_SESSION_BUS_ADDRESS=self.address)
        result = subprocess.run(["gdbus", "introspect", "--session", "--dest", "org.avanue.Avanued1",
                                 "--object-path", "/org/avanue/Avanued1"], env=env, stdin=subprocess.DEVNULL,
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=10)
        return result.returncode == 0 and (method + "(") in result.stdout.replace(" (", "(")

    def stop(self):
        if self.process.poll() is None:
            self.process.terminate()
            self.process.wait()


@case("negative-revoked-username")
def negative_revoked_username():
    """RevokeTurnCredentials (avanued's D-Bus API, on a private bus) closes
    the username's allocation — ChannelData through it no longer reaches the
    peer, and the call reports one allocation closed — and the username then
    gets 403 on Allocate; another username's allocation keeps relaying."""
    if target_kind() == "coturn":
        raise Skip("coturn cannot revoke a REST-API username; this case is avanued's D-Bus API")

    async def relays(client, channel, peer_socket):
        """True when ChannelData through @client reaches @peer_socket."""
        payload = os.urandom(16)
        loop = asyncio.get_running_loop()
        client._send(struct.pack("!HH", channel, len(payload)) + payload)
        try:
            data = await asyncio.wait_for(loop.sock_recv(peer_socket, 2048), 1.0)
        except asyncio.TimeoutError:
            return False
        return data == payload

    async def main(server, bus):
        stun, _ = need_aioice()
        peer = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        peer.bind(("127.0.0.1", 0))
        peer.setblocking(False)
        victim_name, victim_password = rest_credentials("victim")
        other_name, other_password = rest_credentials("bystander")
        victim = await turn_client(server, victim_name, victim_password)
        other = await turn_client(server, other_name, other_password)
        await allocate(victim)
        await allocate(other)
        await victim.channel_bind(0x4000, peer.getsockname())
        await other.channel_bind(0x4000, peer.getsockname())
        check(await relays(victim, 0x4000, peer), "ChannelData through the first allocation does not reach the peer")
        check(await relays(other, 0x4000, peer), "ChannelData through the second allocation does not reach the peer")

        result = await asyncio.get_running_loop().run_in_executor(
            None, lambda: bus.call("RevokeTurnCredentials", victim_name))
        note("RevokeTurnCredentials: %s" % result.stdout.strip())
        check(result.returncode == 0, "RevokeTurnCredentials failed: %s" % result.stdout.strip())
        match = re.search(r"\(uint32 (\d+),\)", result.stdout)
        check(match and int(match.group(1)) == 1,
              "RevokeTurnCredentials reports %s allocations closed, expected 1" % (match.group(1) if match else "?"))

        check(not await relays(victim, 0x4000, peer), "the revoked username's allocation still relays")
        check(await relays(other, 0x4000, peer), "another username's allocation stopped relaying")
        again = await turn_client(server, victim_name, victim_password)
        await expect_error(again.connect(), 403, "Allocate with a revoked username")
        again.transport.close()
        try:
            await asyncio.wait_for(victim.request(request("REFRESH", lifetime=600)), 10)
            raise Failure("Refresh of the revoked username's allocation succeeded")
        except stun.TransactionFailed as e:
            note("Refresh of the revoked allocation: %s %s" % error_code(e))
        await release(other)
        victim.transport.close()
        peer.close()

    bus = PrivateBus()
    try:
        os.environ["DBUS_SESSION_BUS_ADDRESS"] = bus.address
        with Workdir() as workdir:
            with TurnServer(workdir, dbus_bus="session") as server:
                deadline = time.monotonic() + 10
                while not bus.has_method("RevokeTurnCredentials"):
                    if time.monotonic() > deadline:
                        raise Failure("avanued's D-Bus API with RevokeTurnCredentials did not appear on the "
                                      "private bus within 10 s")
                    time.sleep(0.2)
                run_async(lambda: main(server, bus))
                server.check_alive()
    finally:
        bus.stop()


def malformed_inputs():
    """(name, bytes) pairs: none of them may get a success answer."""
    stun, _ = need_aioice()
    rng = random.Random(20240607)
    good, txid = stun_binding_request()
    with_fingerprint = request("BINDING")
    with_fingerprint.attributes["SOFTWARE"] = "interop"
    with_fingerprint.attributes["FINGERPRINT"] = 0
    data = bytes(with_fingerprint)
    data = data[:-4] + struct.pack("!I", stun.message_fingerprint(data[:-8]) ^ 0xDEADBEEF)
    header = struct.pack("!HHI", 0x0001, 8, 0x2112A442) + rng.randbytes(12)
    return [
        ("an empty datagram", b""),
        ("one byte", b"\x00"),
        ("a header cut at 19 bytes", good[:19]),
        ("a length of 100 with 8 bytes of body", struct.pack("!HHI", 0x0001, 100, 0x2112A442)
         + rng.randbytes(12) + b"\x00\x22\x00\x04abcd"),
        ("a length that is not a multiple of 4", struct.pack("!HHI", 0x0001, 6, 0x2112A442)
         + rng.randbytes(12) + b"\x80\x22\x00\x02ab"),
        ("an attribute running past the end", header + struct.pack("!HH", 0x8022, 200) + b"abcd"),
        ("a wrong FINGERPRINT", data),
        ("an Allocate with a MESSAGE-INTEGRITY of the wrong size",
         struct.pack("!HHI", 0x0003, 12, 0x2112A442) + rng.randbytes(12) + struct.pack("!HH", 0x0008, 8) + rng.randbytes(8)),
        ("a ChannelData for an unbound channel with a bad length", struct.pack("!HH", 0x4000, 500) + b"x" * 16),
        ("random bytes with a STUN header", struct.pack("!HHI", 0x0001, 480, 0x2112A442) + rng.randbytes(492)),
        ("a reserved first byte", b"\xc0\x01" + rng.randbytes(62)),
    ]


def check_reply(name, reply, transport, lenient):
    """A reply to malformed input may only be a STUN error (400, or 401/420
    for what parses but is incomplete or unknown).  coturn answers some
    malformed Binding requests with a success; @lenient notes that instead
    of failing, for validating the test against coturn."""
    stun, _ = need_aioice()
    try:
        message = stun.parse_message(reply)
    except ValueError as e:
        raise Failure("%s over %s got a reply that is not STUN (%s): %s" % (name, transport, e, reply[:32].hex()))
    code, reason = message.attributes.get("ERROR-CODE", (None, ""))
    code = (code, "".join(c for c in reason if c.isprintable()))
    if not (message.message_class == stun.Class.ERROR and code[0] in (400, 401, 420)):
        text = "%s over %s was answered with %s %s %s" % (name, transport, message.message_class.name, code[0], code[1])
        if lenient:
            note("tolerated: " + text)
            return
        raise Failure(text)
    note("%s over %s: answered %d %s" % (name, transport, code[0], code[1]))


def read_stun_stream(sock, count, timeout=2.0):
    """Up to @count whole STUN messages from a TCP stream."""
    data = b""
    messages = []
    deadline = time.monotonic() + timeout
    while len(messages) < count and time.monotonic() < deadline:
        while len(data) >= 20 and len(data) >= 20 + struct.unpack("!H", data[2:4])[0]:
            length = 20 + struct.unpack("!H", data[2:4])[0]
            messages.append(data[:length])
            data = data[length:]
        if len(messages) >= count:
            break
        sock.settimeout(max(0.01, deadline - time.monotonic()))
        try:
            chunk = sock.recv(4096)
        except socket.timeout:
            break
        if not chunk:
            break
        data += chunk
    return messages


@case("negative-malformed")
def negative_malformed():
    """Truncated messages, bad lengths, a bad FINGERPRINT, garbage: each is
    ignored or answered with a STUN error, never a success, and the server
    answers a good Binding request right after each (UDP and TCP) and still
    makes allocations at the end."""
    async def allocate_after():
        username, password = rest_credentials("after")
        for transport in ("udp", "tcp"):
            client = await turn_client(server, username, password, transport)
            await allocate(client)
            await release(client)

    with Workdir() as workdir:
        with TurnServer(workdir) as server:
            inputs = malformed_inputs()
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
                s.bind(("127.0.0.1", 0))
                s.settimeout(0.3)
                for name, data in inputs:
                    s.sendto(data, (server.host, server.port))
                    try:
                        while True:
                            reply = s.recv(4096)
                            check_reply(name, reply, "UDP", server.kind == "coturn")
                    except socket.timeout:
                        pass
                    good, txid = stun_binding_request()
                    s.sendto(good, (server.host, server.port))
                    try:
                        reply = s.recv(4096)
                    except socket.timeout:
                        raise Failure("no answer to a good Binding request (UDP) after %s" % name)
                    check(is_binding_success(reply, txid),
                          "a good Binding request (UDP) after %s did not get a success answer" % name)
                    server.check_alive()
            for name, data in inputs:
                if not data:
                    continue
                with socket.create_connection((server.host, server.port), timeout=2) as c:
                    c.settimeout(0.5)
                    c.sendall(data)
                    try:
                        reply = c.recv(4096)
                        if reply:
                            length = struct.unpack("!H", reply[2:4])[0] if len(reply) >= 4 else 0
                            check_reply(name, reply[:20 + length], "TCP", server.kind == "coturn")
                    except (socket.timeout, ConnectionResetError):
                        pass
                check(tcp_binding(server.host, server.port),
                      "no answer to a good Binding request on a new TCP connection after %s" % name)
                server.check_alive()
            # A good message split over two segments, and two in one segment.
            with socket.create_connection((server.host, server.port), timeout=2) as c:
                first, txid1 = stun_binding_request()
                second, txid2 = stun_binding_request()
                c.sendall(first[:7])
                time.sleep(0.1)
                c.sendall(first[7:] + second)
                replies = read_stun_stream(c, 2)
                check(len(replies) >= 1 and is_binding_success(replies[0], txid1),
                      "no answer to a Binding request split over two TCP segments")
                check(len(replies) >= 2 and is_binding_success(replies[1], txid2),
                      "no answer to the second of two Binding requests in one TCP segment")
            run_async(allocate_after)
            server.check_alive()


# ---- main --------------------------------------------------------------------

def main(argv):
    if len(argv) != 2 or argv[1] in ("-h", "--help"):
        print(__doc__)
        return 2
    if argv[1] == "--list":
        for name, function in CASES.items():
            print("%-28s %s" % (name, (function.__doc__ or "").strip().splitlines()[0] if function.__doc__ else ""))
        return 0
    function = CASES.get(argv[1])
    if function is None:
        print("unknown case %s; --list shows them" % argv[1], file=sys.stderr)
        return 2
    started = time.monotonic()
    try:
        note("%s against %s" % (argv[1], target_kind()))
        function()
    except Skip as e:
        print("SKIP: %s" % e)
        return 77
    except Failure as e:
        print("FAIL: %s" % e)
        return 1
    except Exception:
        traceback.print_exc(file=sys.stdout)
        print("FAIL: unexpected exception")
        return 1
    print("PASS: %s (%.1f s)" % (argv[1], time.monotonic() - started))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
