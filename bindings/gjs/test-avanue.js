#!/usr/bin/gjs -m
// SPDX-License-Identifier: LGPL-2.1-or-later
// libavanue from GJS through GObject introspection; run by
// `meson test --suite bindings` against the build tree.
import GLib from 'gi://GLib';
import Avanue from 'gi://Avanue?version=1.0';
import System from 'system';

let failures = 0;
let count = 0;

function check(name, fn) {
    count++;
    try {
        fn();
        print(`ok ${count} ${name}`);
    } catch (e) {
        failures++;
        print(`not ok ${count} ${name}: ${e}`);
    }
}

function assert(cond, what) {
    if (!cond)
        throw new Error(`assertion failed: ${what}`);
}

const encoder = new TextEncoder();

check('identity sign and verify', () => {
    const identity = Avanue.Identity.new();
    const data = new GLib.Bytes(encoder.encode('AVANUE1 REGISTER nonce'));
    const signature = identity.sign(data);
    assert(signature.get_size() === 64, 'Ed25519 signatures are 64 bytes');
    assert(identity.verify(data, signature), 'own signature verifies');
    assert(Avanue.Identity.verify_with_public_key(identity.get_public_key_base64(), data, signature),
        'verifies with the base64 public key');

    const other = new GLib.Bytes(encoder.encode('AVANUE1 REGISTER other'));
    let refused = false;
    try {
        refused = !identity.verify(other, signature);
    } catch (e) {
        refused = true;
    }
    assert(refused, 'signature over other data is refused');
});

check('identity fingerprint', () => {
    const identity = Avanue.Identity.new();
    const raw = GLib.base64_decode(identity.get_public_key_base64());
    assert(raw.length === 32, 'raw Ed25519 public key is 32 bytes');
    const expected = GLib.compute_checksum_for_data(GLib.ChecksumType.SHA256, raw);
    assert(identity.get_fingerprint() === expected, 'fingerprint is hex SHA-256 of the raw key');
});

check('capabilities score', () => {
    const caps = new Avanue.Capabilities({
        cpu_cores: 4, ram_mb: 2048, battery_percent: 40, is_charging: false,
        network_type: Avanue.NetworkType.WIFI, bandwidth_mbps: 20.5,
        device_type: Avanue.DeviceType.GLASSES, screen_width: 640,
        supported_codecs: ['H264'],
    });
    // 40 + 20 + 80 + 102.5 + 0 + 0 + 64 + 15
    assert(caps.score() === 321.5, `glasses score ${caps.score()}`);
});

check('invite code', () => {
    const code = Avanue.InviteCode.generate().get_code();
    assert(/^AVNE-[2-9A-HJKMNP-Z]{4}-[2-9A-HJKMNP-Z]{4}$/.test(code), `format of ${code}`);
    assert(Avanue.InviteCode.normalize('k7m3 p9x2') === 'AVNE-K7M3-P9X2', 'normalise');
    let threw = false;
    try {
        Avanue.InviteCode.normalize('AVNE-K7M3-P9XI');
    } catch (e) {
        threw = true;
    }
    assert(threw, 'confusable characters are refused');
});

print(`1..${count}`);
System.exit(failures === 0 ? 0 : 1);
