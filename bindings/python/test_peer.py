#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""A WebRTC data channel between two Avanue.PeerConnections, from Python.

Starts a real avanued (the binary named by $AVANUED) on free ports, puts
two devices in one session, connects them and exchanges text and binary
messages on a reliable and on an unordered channel, then closes. Run by
`meson test --suite bindings` (and --suite peer) with /usr/bin/python3;
doubles as an example of the API.
"""
import os
import re
import select
import shutil
import subprocess
import tempfile
import time
import unittest

import gi

gi.require_version("Avanue", "1.0")
gi.require_version("GLib", "2.0")
from gi.repository import Avanue, GLib  # noqa: E402

TIMEOUT = 30


def wait_for(condition, what):
    """Runs the main loop until condition() is true, or fails the test."""
    context = GLib.MainContext.default()
    deadline = time.monotonic() + TIMEOUT
    ticker = GLib.timeout_add(50, lambda: True)
    try:
        while not condition():
            if time.monotonic() > deadline:
                raise AssertionError("timed out waiting for " + what)
            context.iteration(True)
    finally:
        GLib.source_remove(ticker)


class Daemon:
    """avanued on free ports in a temporary state directory."""

    def __init__(self):
        binary = os.environ.get("AVANUED")
        if not binary or not os.access(binary, os.X_OK):
            raise AssertionError("AVANUED must name the avanued binary (meson test sets it)")
        self.dir = tempfile.mkdtemp(prefix="avanue-py-peer-")
        config = os.path.join(self.dir, "avanued.conf")
        with open(config, "w") as f:
            f.write("[dbus]\nbus=none\n")
        self.process = subprocess.Popen(
            [binary, "--config", config, "--state-dir", self.dir, "--port", "0", "--turn-port", "0"],
            stdout=subprocess.PIPE, stdin=subprocess.DEVNULL)
        self.port = None
        deadline = time.monotonic() + TIMEOUT
        line = b""
        while self.port is None:
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not select.select([self.process.stdout], [], [], remaining)[0]:
                self.stop()
                raise AssertionError("avanued did not say where it listens")
            line = self.process.stdout.readline()
            if not line:
                self.stop()
                raise AssertionError("avanued exited")
            match = re.match(rb"listening http=(\d+) turn=(\d+)", line)
            if match:
                self.port = int(match.group(1))

    @property
    def url(self):
        return "ws://127.0.0.1:%d/v1/signal" % self.port

    def stop(self):
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.process.stdout.close()
        shutil.rmtree(self.dir, ignore_errors=True)


class Device:
    """A signaling client, registered, and what its channels heard."""

    def __init__(self, url, name):
        self.identity = Avanue.Identity.new()
        self.client = Avanue.SignalingClient.new(url, self.identity)
        self.client.set_device_name(name)
        self.session = None
        self.pc = None
        self.channels = []
        self.messages = []
        self.closed = []
        self.joined = 0
        self.client.connect("participant-joined", self._on_joined)
        self.call(self.client.connect_async, self.client.connect_finish)

    def _on_joined(self, client, participant):
        self.joined += 1

    def call(self, start, finish, *args):
        """Runs an _async/_finish pair to completion."""
        results = []
        start(*args, None, lambda source, result: results.append(result))
        wait_for(lambda: results, start.__name__)
        return finish(results[0])

    @property
    def fingerprint(self):
        return self.identity.get_fingerprint()

    def watch(self, channel):
        channel.connect("message", self._on_message)
        channel.connect("closed", lambda ch: self.closed.append(ch.get_label()))

    def _on_message(self, channel, data, is_text):
        payload = bytes(data.get_data() or b"")
        self.messages.append((channel.get_label(), payload.decode() if is_text else payload, is_text))

    def connect_to(self, other):
        self.pc = Avanue.PeerConnection.new(self.client, self.session, other.fingerprint)
        self.pc.connect("data-channel", self._on_data_channel)

    def _on_data_channel(self, pc, channel):
        self.channels.append(channel)
        self.watch(channel)


class PeerConnectionTest(unittest.TestCase):
    def setUp(self):
        self.daemon = Daemon()
        self.addCleanup(self.daemon.stop)

    def test_data_channel(self):
        host = Device(self.daemon.url, "python host")
        guest = Device(self.daemon.url, "python guest")
        self.addCleanup(host.client.disconnect)
        self.addCleanup(guest.client.disconnect)

        host.session = host.call(host.client.create_session_async, host.client.create_session_finish,
                                 None, "FILE_TRANSFER", None)
        guest.session = guest.call(guest.client.join_session_async, guest.client.join_session_finish,
                                   host.session.get_invite_code(), None)
        wait_for(lambda: host.joined > 0, "the guest to join")

        # The host was there first: it offers; the guest answers by itself.
        host.connect_to(guest)
        guest.connect_to(host)
        chat = host.pc.create_data_channel("chat", None)
        options = Avanue.DataChannelOptions.new()
        options.set_ordered(False)
        options.set_max_retransmits(0)
        options.set_protocol("py-proto")
        fast = host.pc.create_data_channel("fast", options)
        opened = []
        for channel in (chat, fast):
            host.watch(channel)
            channel.connect("open", lambda ch: opened.append(ch.get_label()))
        self.assertEqual(chat.get_ready_state(), Avanue.DataChannelState.CONNECTING)
        self.assertTrue(host.pc.start())

        wait_for(lambda: sorted(opened) == ["chat", "fast"], "the channels to open")
        self.assertEqual(host.pc.props.connection_state, Avanue.PeerConnectionState.CONNECTED)
        wait_for(lambda: guest.pc.get_connection_state() == Avanue.PeerConnectionState.CONNECTED,
                 "the guest to connect")
        self.assertIn(host.pc.props.local_candidate_type, ("host", "srflx", "prflx"))
        self.assertEqual(host.pc.get_max_message_size(), 262144)
        self.assertRegex(host.pc.get_local_certificate_fingerprint(), r"^([0-9A-F]{2}:){31}[0-9A-F]{2}$")

        wait_for(lambda: len(guest.channels) == 2, "the guest's channels")
        remote = {channel.get_label(): channel for channel in guest.channels}
        self.assertTrue(remote["chat"].get_ordered())
        self.assertFalse(remote["fast"].get_ordered())
        self.assertEqual(remote["fast"].get_max_retransmits(), 0)
        self.assertEqual(remote["fast"].props.protocol, "py-proto")
        self.assertEqual(remote["chat"].get_id(), chat.get_id())

        # text one way, bytes the other
        self.assertTrue(chat.send_text("hello from python ✓"))
        wait_for(lambda: guest.messages, "the guest's message")
        self.assertEqual(guest.messages[0], ("chat", "hello from python ✓", True))
        self.assertTrue(remote["chat"].send_bytes(GLib.Bytes.new(b"\x00\x01binary\xff")))
        self.assertTrue(remote["fast"].send_text("quick"))
        wait_for(lambda: len(host.messages) == 2, "the host's messages")
        self.assertIn(("chat", b"\x00\x01binary\xff", False), host.messages)
        self.assertIn(("fast", "quick", True), host.messages)

        # errors are GLib.Error with the library's domain and code
        with self.assertRaises(GLib.Error) as caught:
            chat.send_bytes(GLib.Bytes.new(bytes(262145)))
        self.assertTrue(caught.exception.matches(Avanue.data_channel_error_quark(),
                                                 Avanue.DataChannelError.TOO_LARGE))

        # closing is seen on the other side
        chat.close()
        wait_for(lambda: "chat" in guest.closed and "chat" in host.closed, "the channel to close")
        self.assertEqual(remote["chat"].get_ready_state(), Avanue.DataChannelState.CLOSED)

        host.pc.close()
        self.assertEqual(host.pc.get_connection_state(), Avanue.PeerConnectionState.CLOSED)
        wait_for(lambda: guest.pc.get_connection_state() == Avanue.PeerConnectionState.DISCONNECTED,
                 "the guest to see the connection go")
        self.assertIn("fast", guest.closed)
        guest.pc.close()


if __name__ == "__main__":
    unittest.main(verbosity=2)
