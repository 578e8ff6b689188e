#!/usr/bin/gjs -m
// SPDX-License-Identifier: LGPL-2.1-or-later
// A WebRTC data channel between two Avanue.PeerConnections, from GJS:
// starts a real avanued ($AVANUED) on free ports, puts two devices in one
// session, connects them and exchanges a text and a binary message, then
// closes. Run by `meson test --suite bindings` (and --suite peer); TAP.
import Gio from 'gi://Gio';
import GLib from 'gi://GLib';
import Avanue from 'gi://Avanue?version=1.0';
import System from 'system';

const TIMEOUT_S = 30;
const decoder = new TextDecoder();

let failures = 0;
let count = 0;

function ok(cond, name) {
    count++;
    if (cond) {
        print(`ok ${count} ${name}`);
    } else {
        failures++;
        print(`not ok ${count} ${name}`);
    }
}

function waitFor(condition, what) {
    const context = GLib.MainContext.default();
    const deadline = GLib.get_monotonic_time() + TIMEOUT_S * 1000000;
    const ticker = GLib.timeout_add(GLib.PRIORITY_DEFAULT, 50, () => GLib.SOURCE_CONTINUE);
    try {
        while (!condition()) {
            if (GLib.get_monotonic_time() > deadline)
                throw new Error(`timed out waiting for ${what}`);
            context.iteration(true);
        }
    } finally {
        GLib.source_remove(ticker);
    }
}

// an _async/_finish pair, run to completion
function call(object, name, ...args) {
    let result = null;
    object[`${name}_async`](...args, null, (source, res) => {
        result = res;
    });
    waitFor(() => result !== null, name);
    return object[`${name}_finish`](result);
}

function removeTree(file) {
    if (file.query_file_type(Gio.FileQueryInfoFlags.NOFOLLOW_SYMLINKS, null) === Gio.FileType.DIRECTORY) {
        const children = file.enumerate_children('standard::name', Gio.FileQueryInfoFlags.NOFOLLOW_SYMLINKS, null);
        let info;
        while ((info = children.next_file(null)) !== null)
            removeTree(file.get_child(info.get_name()));
    }
    file.delete(null);
}

function startDaemon() {
    const binary = GLib.getenv('AVANUED');
    if (!binary)
        throw new Error('AVANUED must name the avanued binary (meson test sets it)');
    const dir = GLib.dir_make_tmp('avanue-gjs-peer-XXXXXX');
    const config = GLib.build_filenamev([dir, 'avanued.conf']);
    GLib.file_set_contents(config, '[dbus]\nbus=none\n');
    const process = Gio.Subprocess.new(
        [binary, '--config', config, '--state-dir', dir, '--port', '0', '--turn-port', '0'],
        Gio.SubprocessFlags.STDOUT_PIPE);
    const out = new Gio.DataInputStream({base_stream: process.get_stdout_pipe()});
    let port = 0;
    let done = false;
    const readLine = () => {
        out.read_line_async(GLib.PRIORITY_DEFAULT, null, (stream, res) => {
            const [line] = stream.read_line_finish_utf8(res);
            if (line === null) {
                done = true;
                return;
            }
            const match = /^listening http=(\d+) turn=(\d+)/.exec(line);
            if (match)
                port = Number(match[1]);
            else
                readLine();
        });
    };
    readLine();
    waitFor(() => port > 0 || done, 'avanued to listen');
    if (port === 0)
        throw new Error('avanued exited');
    return {process, dir, url: `ws://127.0.0.1:${port}/v1/signal`};
}

function device(url, name) {
    const identity = Avanue.Identity.new();
    const client = Avanue.SignalingClient.new(url, identity);
    client.set_device_name(name);
    const d = {identity, client, session: null, pc: null, channels: [], messages: [], closed: [], joined: 0};
    client.connect('participant-joined', () => {
        d.joined++;
    });
    call(client, 'connect');
    return d;
}

function watch(d, channel) {
    channel.connect('message', (ch, data, isText) => {
        const bytes = data.toArray();
        d.messages.push({label: ch.get_label(), isText, payload: isText ? decoder.decode(bytes) : bytes});
    });
    channel.connect('closed', ch => d.closed.push(ch.get_label()));
}

const daemon = startDaemon();
try {
    const host = device(daemon.url, 'gjs host');
    const guest = device(daemon.url, 'gjs guest');

    host.session = call(host.client, 'create_session', null, 'FILE_TRANSFER', null);
    guest.session = call(guest.client, 'join_session', host.session.get_invite_code(), null);
    waitFor(() => host.joined > 0, 'the guest to join');

    host.pc = Avanue.PeerConnection.new(host.client, host.session, guest.identity.get_fingerprint());
    guest.pc = Avanue.PeerConnection.new(guest.client, guest.session, host.identity.get_fingerprint());
    guest.pc.connect('data-channel', (pc, channel) => {
        guest.channels.push(channel);
        watch(guest, channel);
    });

    const chat = host.pc.create_data_channel('chat', null);
    let opened = false;
    chat.connect('open', () => {
        opened = true;
    });
    watch(host, chat);
    ok(host.pc.start(), 'the host offers');
    waitFor(() => opened, 'the channel to open');
    ok(host.pc.connection_state === Avanue.PeerConnectionState.CONNECTED, 'connection-state is CONNECTED');
    ok(['host', 'srflx', 'prflx'].includes(host.pc.local_candidate_type), 'a direct candidate pair');

    waitFor(() => guest.channels.length === 1, 'the guest to see the channel');
    const remote = guest.channels[0];
    ok(remote.get_label() === 'chat' && remote.get_id() === chat.get_id(), 'same label and stream id');

    ok(chat.send_text('hello from gjs'), 'send_text');
    waitFor(() => guest.messages.length === 1, 'the text');
    ok(guest.messages[0].isText && guest.messages[0].payload === 'hello from gjs', 'the text arrives as text');

    ok(remote.send_bytes(new GLib.Bytes(new Uint8Array([0, 1, 2, 255]))), 'send_bytes');
    waitFor(() => host.messages.length === 1, 'the bytes');
    const got = host.messages[0];
    ok(!got.isText && got.payload.length === 4 && got.payload[0] === 0 && got.payload[3] === 255,
        'the bytes arrive as binary');

    let tooLarge = false;
    try {
        chat.send_bytes(new GLib.Bytes(new Uint8Array(262145)));
    } catch (e) {
        tooLarge = e.matches(Avanue.data_channel_error_quark(), Avanue.DataChannelError.TOO_LARGE);
    }
    ok(tooLarge, 'a message over max-message-size throws TOO_LARGE');

    chat.close();
    waitFor(() => guest.closed.includes('chat') && host.closed.includes('chat'), 'the channel to close');
    ok(remote.ready_state === Avanue.DataChannelState.CLOSED, 'the other side sees it closed');

    host.pc.close();
    waitFor(() => guest.pc.get_connection_state() === Avanue.PeerConnectionState.DISCONNECTED,
        'the guest to lose the connection');
    ok(true, 'closing the connection is seen by the peer');
    guest.pc.close();
    host.client.disconnect();
    guest.client.disconnect();
} catch (e) {
    failures++;
    count++;
    print(`not ok ${count} ${e}`);
} finally {
    daemon.process.send_signal(15);
    daemon.process.wait(null);
    removeTree(Gio.File.new_for_path(daemon.dir));
}

print(`1..${count}`);
System.exit(failures > 0 ? 1 : 0);
