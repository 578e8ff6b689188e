#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""libavanue from Python through GObject introspection.

Run by `meson test --suite bindings` with GI_TYPELIB_PATH and LD_LIBRARY_PATH
pointing into the build tree; needs Debian's /usr/bin/python3 (python3-gi).
Doubles as an example of the API from Python.
"""
import base64
import hashlib
import os
import re
import stat
import tempfile
import unittest

import gi

gi.require_version("Avanue", "1.0")
gi.require_version("GLib", "2.0")
from gi.repository import Avanue, GLib  # noqa: E402


class IdentityTest(unittest.TestCase):
    def test_sign_and_verify(self):
        identity = Avanue.Identity.new()
        message = GLib.Bytes.new(b"AVANUE1 REGISTER nonce")
        signature = identity.sign(message)
        self.assertEqual(signature.get_size(), 64)
        self.assertTrue(identity.verify(message, signature))

        tampered = GLib.Bytes.new(b"AVANUE1 REGISTER nonce!")
        with self.assertRaises(GLib.Error):
            if not identity.verify(tampered, signature):
                raise GLib.Error("verify returned FALSE")

        # The server's view: only the base64 public key is known.
        pub = identity.get_public_key_base64()
        self.assertTrue(Avanue.Identity.verify_with_public_key(pub, message, signature))

    def test_fingerprint(self):
        identity = Avanue.Identity.new()
        raw = base64.b64decode(identity.get_public_key_base64())
        self.assertEqual(len(raw), 32)
        # Computed here, independently: lowercase hex SHA-256 of the raw key.
        self.assertEqual(identity.get_fingerprint(), hashlib.sha256(raw).hexdigest())
        self.assertEqual(identity.props.fingerprint, identity.get_fingerprint())

    def test_save_and_load(self):
        identity = Avanue.Identity.new()
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "identity.pem")
            identity.save(path)
            self.assertEqual(stat.S_IMODE(os.stat(path).st_mode), 0o600)
            loaded = Avanue.Identity.load(path)
            self.assertEqual(loaded.get_fingerprint(), identity.get_fingerprint())

            with open(path, "wb") as f:
                f.write(b"not a key")
            with self.assertRaises(GLib.Error):
                Avanue.Identity.load(path)


class CapabilitiesTest(unittest.TestCase):
    def test_score_from_properties(self):
        caps = Avanue.Capabilities(cpu_cores=8, ram_mb=12288, battery_percent=85,
                                   is_charging=False,
                                   network_type=Avanue.NetworkType.WIFI,
                                   bandwidth_mbps=50,
                                   device_type=Avanue.DeviceType.PHONE,
                                   screen_width=1080,
                                   supported_codecs=["H264", "VP8", "OPUS"])
        # 80 + 122 + 170 + 250 + 0 + 0 + 108 + 45
        self.assertEqual(caps.score(), 775)

    def test_score_from_json(self):
        caps = Avanue.Capabilities.new_from_json_string(
            '{"cpuCores":16,"ramMb":32768,"isCharging":true,"networkType":"ETHERNET",'
            '"bandwidthMbps":940,"deviceType":"DESKTOP","screenWidth":2560,'
            '"supportedCodecs":["H264","VP8","VP9","AV1","OPUS"]}')
        self.assertEqual(caps.score(), 5868)
        with self.assertRaises(GLib.Error):
            Avanue.Capabilities.new_from_json_string('{"cpuCores":"many"}')


class InviteCodeTest(unittest.TestCase):
    def test_generate(self):
        code = Avanue.InviteCode.generate().get_code()
        self.assertRegex(code, r"^AVNE-[23456789ABCDEFGHJKMNPQRSTUVWXYZ]{4}-"
                               r"[23456789ABCDEFGHJKMNPQRSTUVWXYZ]{4}$")
        self.assertTrue(Avanue.InviteCode.is_valid(code))

    def test_normalize(self):
        self.assertEqual(Avanue.InviteCode.normalize("avne k7m3p9x2"), "AVNE-K7M3-P9X2")
        with self.assertRaises(GLib.Error) as ctx:
            Avanue.InviteCode.normalize("AVNE-K7M3-P9X0")
        self.assertTrue(re.search("misread", ctx.exception.message))


if __name__ == "__main__":
    unittest.main(verbosity=2)
