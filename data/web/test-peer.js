// SPDX-License-Identifier: LGPL-2.1-or-later
//
// Avanue's browser interop test peer.  Loaded by test-peer.html; driven by
// tests/browser/driver.mjs, which reads window.__result.
//
// It speaks avanued's signaling protocol v1 (DESIGN.md §5) over a WebSocket:
// REGISTER_DEVICE with a fresh WebCrypto Ed25519 key, CREATE_SESSION or
// JOIN_SESSION, then SDP_OFFER/SDP_ANSWER/ICE_CANDIDATE with the other
// participant, and talks over an RTCDataChannel with the browser's own
// RTCPeerConnection.
//
// Query string:
//   ws=URL          avanued's WebSocket, e.g. ws://127.0.0.1:8080/v1/signal
//   role=create     create a session (window.__result.inviteCode says its code)
//   role=join       join the session with invite code code=CODE
//   license=KEY     licence for CREATE_SESSION (relay needs a tier with TURN)
//   policy=all      ICE transport policy: all (default) or relay
//   mode=probe      wait for the other side's first message, send count=N
//                   text messages (plus one of big=BYTES characters and one
//                   binary message when binary=1) and check that each comes
//                   back, in order; mode=echo: on open send
//                   "hello from avanue" and echo every message back
//                   (what `avanue-share --echo` does)
//   cand=string     how candidates are sent: string (default) or object
//                   ({candidate, sdpMid, sdpMLineIndex})
//   name=NAME       deviceName
//   leave=1         once done, close the channel and LEAVE_SESSION (default 1)
//
// The page's own text never leaves the page except through the data channel;
// the log records message types and sizes, not keys or payloads.

'use strict';

(function () {
  const params = new URLSearchParams(window.location.search);
  const HELLO = 'hello from avanue';
  const HELLO_WAIT_MS = 5000;
  const END_OF_CANDIDATES_WAIT_MS = 3000;
  const PRFLX_WAIT_MS = 1000;

  const config = {
    ws: params.get('ws'),
    role: params.get('role') || 'join',
    code: params.get('code'),
    license: params.get('license'),
    policy: params.get('policy') === 'relay' ? 'relay' : 'all',
    mode: params.get('mode') === 'echo' ? 'echo' : 'probe',
    count: Math.max(0, parseInt(params.get('count') || '5', 10) || 0),
    big: Math.max(0, parseInt(params.get('big') || '0', 10) || 0),
    binary: params.get('binary') === '1',
    cand: params.get('cand') === 'object' ? 'object' : 'string',
    name: params.get('name') || 'Browser test peer',
    leave: params.get('leave') !== '0',
  };

  // Everything the driver looks at.
  const result = {
    config: { role: config.role, policy: config.policy, mode: config.mode, cand: config.cand },
    state: 'starting',
    done: false,
    error: null,
    log: [],
    serverErrors: [],
    signalingSeen: [],
    fingerprint: null,
    deviceId: null,
    sessionId: null,
    inviteCode: null,
    tier: null,
    turnCredentials: null,        // {urls, ttlSeconds}: never the password
    peerFingerprint: null,
    offered: false,
    answered: false,
    localCandidateTypes: [],
    remoteCandidateTypes: [],
    remoteEndOfCandidates: false,
    remoteCandidateForms: [],
    iceConnectionState: null,
    connectionState: null,
    channelLabel: null,
    channelOpen: false,
    helloReceived: false,
    helloFirst: null,
    helloTimedOut: false,
    received: [],                 // {kind, length, text (short text only)}
    sentCount: 0,
    echoedCount: 0,
    echoMismatch: null,
    echoedBack: 0,                // echo mode: how many we sent back
    selectedPair: null,           // from getStats()
    peerLeft: false,
    startedAt: Date.now(),
    timings: {},
  };
  window.__result = result;

  function log(text) {
    const line = ((Date.now() - result.startedAt) / 1000).toFixed(3) + ' ' + text;
    result.log.push(line);
    const el = document.getElementById('log');
    if (el)
      el.textContent += line + '\n';
  }

  function setState(state) {
    result.state = state;
    result.timings[state] = Date.now() - result.startedAt;
    const el = document.getElementById('state');
    if (el)
      el.textContent = state;
    log('state ' + state);
  }

  function fail(message) {
    if (result.error === null)
      result.error = String(message);
    log('FAILED: ' + message);
    setState('failed');
  }

  window.addEventListener('error', (e) => fail('uncaught: ' + e.message));
  window.addEventListener('unhandledrejection', (e) => fail('unhandled rejection: ' + (e.reason && e.reason.message ? e.reason.message : e.reason)));

  // ---- encoding helpers --------------------------------------------------

  function base64(bytes) {
    let s = '';
    for (const b of new Uint8Array(bytes))
      s += String.fromCharCode(b);
    return btoa(s);
  }

  function hex(bytes) {
    return Array.from(new Uint8Array(bytes), (b) => b.toString(16).padStart(2, '0')).join('');
  }

  // ---- signaling ---------------------------------------------------------

  let ws = null;
  let nextId = 1;
  let keyPair = null;
  let publicKeyRaw = null;
  let heartbeat = null;

  let left = false;

  function send(message) {
    if (left)
      return null;                // nothing more after LEAVE_SESSION
    if (!message.id)
      message.id = 'p' + (nextId++);
    ws.send(JSON.stringify(message));
    return message.id;
  }

  async function makeIdentity() {
    if (!window.isSecureContext)
      throw new Error('not a secure context: serve the page from http://127.0.0.1 or http://localhost');
    keyPair = await crypto.subtle.generateKey({ name: 'Ed25519' }, true, ['sign', 'verify']);
    publicKeyRaw = await crypto.subtle.exportKey('raw', keyPair.publicKey);
    result.fingerprint = hex(await crypto.subtle.digest('SHA-256', publicKeyRaw));
    log('identity ' + result.fingerprint.slice(0, 12) + '…');
  }

  async function register(nonce) {
    const signed = new TextEncoder().encode('AVANUE1 REGISTER ' + nonce);
    const signature = await crypto.subtle.sign({ name: 'Ed25519' }, keyPair.privateKey, signed);
    send({
      type: 'REGISTER_DEVICE',
      fingerprint: result.fingerprint,
      publicKey: base64(publicKeyRaw),
      signature: base64(signature),
      deviceName: config.name,
      platform: 'WEB',
      deviceType: 'DESKTOP',
    });
    setState('registering');
  }

  function capabilities() {
    return {
      cpuCores: navigator.hardwareConcurrency || 2,
      ramMb: 2048,
      batteryPercent: 100,
      isCharging: true,
      networkType: 'ETHERNET',
      bandwidthMbps: 100,
      deviceType: 'DESKTOP',
      platform: 'WEB',
      screenWidth: 1280,
      supportedCodecs: [],
      modules: ['datachannel'],
    };
  }

  let turnCredentials = null;   // the session's, password included

  function enterSession(message) {
    result.sessionId = message.sessionId;
    result.tier = message.limits ? message.limits.tier : null;
    if (message.turnCredentials) {
      turnCredentials = message.turnCredentials;
      result.turnCredentials = { urls: message.turnCredentials.urls, ttlSeconds: message.turnCredentials.ttlSeconds };
    }
  }

  async function onSignal(message) {
    if (!result.signalingSeen.includes(message.type))
      result.signalingSeen.push(message.type);
    switch (message.type) {
    case 'CONNECTED':
      if (message.protocol !== 1)
        log('server speaks protocol ' + message.protocol);
      if (message.heartbeatSeconds > 0)
        heartbeat = setInterval(() => send({ type: 'PING' }), message.heartbeatSeconds * 1000);
      await register(message.nonce);
      break;

    case 'DEVICE_REGISTERED':
      result.deviceId = message.deviceId;
      if (message.fingerprint !== result.fingerprint)
        return fail('DEVICE_REGISTERED for another fingerprint');
      setState('registered');
      if (config.role === 'create') {
        const m = { type: 'CREATE_SESSION', sessionType: 'FILE_TRANSFER', capabilities: capabilities() };
        if (config.license)
          m.licenseToken = config.license;
        send(m);
      } else {
        if (!config.code)
          return fail('role=join needs code=');
        send({ type: 'JOIN_SESSION', inviteCode: config.code, capabilities: capabilities() });
      }
      break;

    case 'SESSION_CREATED':
      enterSession(message);
      result.inviteCode = message.inviteCode;
      document.getElementById('invite').textContent = message.inviteCode;
      setState('created');
      break;

    case 'SESSION_JOINED':
      enterSession(message);
      setState('joined');
      // Who offers (DESIGN §5): those already in the session offer to us.
      break;

    case 'PARTICIPANT_JOINED':
      if (message.participant && message.participant.fingerprint !== result.fingerprint && !pc) {
        result.peerFingerprint = message.participant.fingerprint;
        await offer();
      }
      break;

    case 'SDP_OFFER':
      await onOffer(message);
      break;

    case 'SDP_ANSWER':
      await onAnswer(message);
      break;

    case 'ICE_CANDIDATE':
      await onRemoteCandidate(message);
      break;

    case 'PARTICIPANT_LEFT':
    case 'PARTICIPANT_OFFLINE':
      if (message.fingerprint === result.peerFingerprint) {
        result.peerLeft = true;
        log('peer ' + message.type);
        if (config.mode === 'echo' && result.channelOpen)
          finish();
      }
      break;

    case 'SESSION_ENDED':
      log('session ended: ' + message.reason);
      if (config.mode === 'echo' && result.channelOpen)
        finish();
      break;

    case 'ERROR':
      result.serverErrors.push({ code: message.code, message: message.message, re: message.re });
      log('server ERROR ' + message.code + ': ' + message.message);
      break;

    default:
      break;
    }
  }

  // ---- WebRTC ------------------------------------------------------------

  let pc = null;
  let channel = null;
  const pendingCandidates = [];

  function candidateType(line) {
    const m = / typ ([a-z]+)/.exec(line);
    return m ? m[1] : '?';
  }

  function newPeerConnection() {
    const iceServers = [];
    if (turnCredentials)
      iceServers.push({ urls: turnCredentials.urls, username: turnCredentials.username, credential: turnCredentials.password });
    if (config.policy === 'relay' && iceServers.length === 0)
      throw new Error('relay-only needs turnCredentials from the session (a tier with TURN)');
    pc = new RTCPeerConnection({ iceServers, iceTransportPolicy: config.policy });

    pc.onicecandidate = (e) => {
      let candidate;
      if (e.candidate && e.candidate.candidate) {
        result.localCandidateTypes.push(candidateType(e.candidate.candidate));
        if (config.cand === 'object')
          candidate = { candidate: e.candidate.candidate, sdpMid: e.candidate.sdpMid, sdpMLineIndex: e.candidate.sdpMLineIndex };
        else
          candidate = e.candidate.candidate;
      } else if (e.candidate) {
        return;  // Chromium's per-generation end marker; the null one follows
      } else {
        candidate = '';
        log('end of local candidates (' + result.localCandidateTypes.join(',') + ')');
      }
      send({ type: 'ICE_CANDIDATE', sessionId: result.sessionId, toFingerprint: result.peerFingerprint, candidate });
    };
    pc.oniceconnectionstatechange = () => {
      result.iceConnectionState = pc.iceConnectionState;
      log('ice ' + pc.iceConnectionState);
    };
    pc.onconnectionstatechange = () => {
      result.connectionState = pc.connectionState;
      log('connection ' + pc.connectionState);
      if (pc.connectionState === 'failed')
        fail('peer connection failed');
    };
    pc.ondatachannel = (e) => setupChannel(e.channel);
    return pc;
  }

  async function offer() {
    newPeerConnection();
    setupChannel(pc.createDataChannel('echo'));
    await pc.setLocalDescription(await pc.createOffer());
    send({ type: 'SDP_OFFER', sessionId: result.sessionId, toFingerprint: result.peerFingerprint, sdp: pc.localDescription.sdp });
    result.offered = true;
    setState('offered');
  }

  async function onOffer(message) {
    if (pc && pc.signalingState === 'have-local-offer') {
      // Glare: the offer from the smaller fingerprint wins.
      if (result.fingerprint < message.fromFingerprint) {
        log('glare: keeping our offer');
        return;
      }
      log('glare: rolling back');
      await pc.setLocalDescription({ type: 'rollback' });
    }
    result.peerFingerprint = message.fromFingerprint;
    if (!pc)
      newPeerConnection();
    await pc.setRemoteDescription({ type: 'offer', sdp: message.sdp });
    await flushCandidates();
    await pc.setLocalDescription(await pc.createAnswer());
    send({ type: 'SDP_ANSWER', sessionId: result.sessionId, toFingerprint: result.peerFingerprint, sdp: pc.localDescription.sdp });
    result.answered = true;
    setState('answered');
  }

  async function onAnswer(message) {
    if (!pc || pc.signalingState !== 'have-local-offer')
      return log('unexpected SDP_ANSWER in state ' + (pc ? pc.signalingState : 'none'));
    await pc.setRemoteDescription({ type: 'answer', sdp: message.sdp });
    await flushCandidates();
    setState('negotiated');
  }

  async function addCandidate(c) {
    if (typeof c === 'string') {
      if (c === '') {
        result.remoteEndOfCandidates = true;
        return pc.addIceCandidate();
      }
      // The string form carries no m-line: ours has exactly one (data).
      return pc.addIceCandidate({ candidate: c, sdpMLineIndex: 0 });
    }
    if (!c.candidate) {
      result.remoteEndOfCandidates = true;
      return pc.addIceCandidate();
    }
    const init = { candidate: c.candidate };
    if (c.sdpMid !== undefined && c.sdpMid !== null)
      init.sdpMid = c.sdpMid;
    if (c.sdpMLineIndex !== undefined && c.sdpMLineIndex !== null)
      init.sdpMLineIndex = c.sdpMLineIndex;
    if (init.sdpMid === undefined && init.sdpMLineIndex === undefined)
      init.sdpMLineIndex = 0;
    return pc.addIceCandidate(init);
  }

  async function flushCandidates() {
    while (pendingCandidates.length > 0) {
      const c = pendingCandidates.shift();
      try {
        await addCandidate(c);
      } catch (e) {
        log('addIceCandidate failed: ' + e.message);
        result.serverErrors.push({ code: 'ADD_ICE_CANDIDATE', message: e.message });
      }
    }
  }

  async function onRemoteCandidate(message) {
    const c = message.candidate;
    const form = typeof c === 'string' ? 'string' : 'object';
    if (!result.remoteCandidateForms.includes(form))
      result.remoteCandidateForms.push(form);
    const line = typeof c === 'string' ? c : (c && c.candidate) || '';
    if (line !== '')
      result.remoteCandidateTypes.push(candidateType(line));
    if (message.fromFingerprint && !result.peerFingerprint)
      result.peerFingerprint = message.fromFingerprint;
    pendingCandidates.push(c);
    if (pc && pc.remoteDescription)
      await flushCandidates();
  }

  // ---- the data channel --------------------------------------------------

  const probes = [];              // what we sent, in order: {kind, text|bytes}
  let sending = false;

  function describe(data) {
    if (typeof data === 'string')
      return { kind: 'text', length: data.length, text: data.length <= 200 ? data : null };
    return { kind: 'binary', length: data.byteLength, text: null };
  }

  function sameData(a, b) {
    if (typeof a === 'string' || typeof b === 'string')
      return a === b;
    const x = new Uint8Array(a);
    const y = new Uint8Array(b);
    if (x.length !== y.length)
      return false;
    for (let i = 0; i < x.length; i++)
      if (x[i] !== y[i])
        return false;
    return true;
  }

  function setupChannel(ch) {
    channel = ch;
    channel.binaryType = 'arraybuffer';
    result.channelLabel = ch.label;
    channel.onopen = () => {
      result.channelOpen = true;
      setState('open');
      if (config.mode === 'echo') {
        channel.send(HELLO);
      } else {
        // Wait for the other side's first message: Chromium can drop what
        // the answering side sends the moment the channel opens (NOTES).
        setTimeout(() => {
          if (!sending) {
            result.helloTimedOut = true;
            log('no message from the peer ' + HELLO_WAIT_MS + ' ms after open; sending anyway');
            startProbes();
          }
        }, HELLO_WAIT_MS);
      }
    };
    channel.onclose = () => {
      log('channel closed');
      if (config.mode === 'echo' && !result.done)
        finish();
    };
    channel.onerror = (e) => log('channel error: ' + (e.error ? e.error.message : e));
    channel.onmessage = (e) => onChannelMessage(e.data);
  }

  function onChannelMessage(data) {
    result.received.push(describe(data));
    if (config.mode === 'echo') {
      channel.send(data);
      result.echoedBack++;
      return;
    }
    if (result.received.length === 1) {
      result.helloFirst = data === HELLO;
      if (data === HELLO)
        result.helloReceived = true;
      if (!sending)
        startProbes();
      if (data === HELLO)
        return;
    }
    if (data === HELLO && !result.helloReceived) {
      result.helloReceived = true;
      return;
    }
    const expected = probes[result.echoedCount];
    if (expected === undefined || !sameData(expected, data)) {
      // Ordered and reliable: a wrong message now will not be put right.
      if (result.echoMismatch !== null)
        return;
      result.echoMismatch = 'message ' + result.received.length + ' (' + JSON.stringify(describe(data)) + ') is not the echo of probe ' + result.echoedCount;
      log('unexpected message: ' + JSON.stringify(describe(data)));
      fail(result.echoMismatch);
      finish();
      return;
    }
    result.echoedCount++;
    if (result.echoedCount === probes.length)
      finish();
  }

  function startProbes() {
    sending = true;
    setState('sending');
    for (let i = 1; i <= config.count; i++)
      probes.push('probe ' + i + '/' + config.count + ' from the browser — ünïcødé ✓');
    if (config.big > 0) {
      let s = '';
      const pattern = 'avanue-0123456789-';
      while (s.length < config.big)
        s += pattern;
      probes.push(s.slice(0, config.big));
    }
    if (config.binary) {
      const bytes = new Uint8Array(1024);
      for (let i = 0; i < bytes.length; i++)
        bytes[i] = (i * 7 + 3) & 0xff;
      probes.push(bytes.buffer);
    }
    for (const p of probes) {
      channel.send(p);
      result.sentCount++;
    }
    if (probes.length === 0)
      finish();
  }

  async function selectedPair() {
    const stats = await pc.getStats();
    let pair = null;
    stats.forEach((s) => {
      if (s.type === 'transport' && s.selectedCandidatePairId)
        pair = stats.get(s.selectedCandidatePairId);
    });
    if (!pair)
      stats.forEach((s) => {
        if (!pair && s.type === 'candidate-pair' && s.state === 'succeeded' && s.nominated)
          pair = s;
      });
    if (!pair)
      return null;
    const local = stats.get(pair.localCandidateId) || {};
    const remote = stats.get(pair.remoteCandidateId) || {};
    return {
      state: pair.state,
      nominated: pair.nominated,
      localType: local.candidateType,
      localAddress: local.address,
      localProtocol: local.protocol,
      localRelayProtocol: local.relayProtocol,
      remoteType: remote.candidateType,
      remoteAddress: remote.address,
      remoteProtocol: remote.protocol,
      bytesSent: pair.bytesSent,
      bytesReceived: pair.bytesReceived,
    };
  }

  let finishing = false;

  async function finish() {
    if (finishing)
      return;
    finishing = true;
    try {
      // A check that arrives before the peer's description makes its
      // candidate peer-reflexive; Chromium relabels it once the signaled
      // candidate is there.  Give that a moment.
      const until = Date.now() + PRFLX_WAIT_MS;
      if (pc)
        result.selectedPair = await selectedPair();
      while (result.selectedPair && result.selectedPair.remoteType === 'prflx' && Date.now() < until) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        result.selectedPair = await selectedPair();
      }
    } catch (e) {
      log('getStats failed: ' + e.message);
    }
    if (config.leave && config.mode === 'probe') {
      // Leaving while the peer still trickles would get its late
      // candidates refused (PEER_NOT_FOUND): wait for its end of
      // candidates, a while at most (a peer need not send one).
      const until = Date.now() + END_OF_CANDIDATES_WAIT_MS;
      while (!(result.remoteEndOfCandidates && pc && pc.iceGatheringState === 'complete') && Date.now() < until)
        await new Promise((resolve) => setTimeout(resolve, 50));
      if (channel)
        channel.close();
      send({ type: 'LEAVE_SESSION', sessionId: result.sessionId });
      left = true;
      if (pc)
        pc.close();
    }
    if (result.state !== 'failed')
      setState('done');
    result.done = true;
  }

  // ---- start -------------------------------------------------------------

  async function main() {
    if (!config.ws)
      throw new Error('no ws= in the query string');
    await makeIdentity();
    ws = new WebSocket(config.ws);
    ws.onopen = () => setState('connected');
    ws.onclose = (e) => {
      log('websocket closed ' + e.code);
      if (heartbeat)
        clearInterval(heartbeat);
      if (!result.done)
        fail('websocket closed (' + e.code + ') before the test was done');
    };
    ws.onerror = () => log('websocket error');
    // One message at a time, in order: handlers await WebRTC calls.
    let chain = Promise.resolve();
    ws.onmessage = (e) => {
      let message;
      try {
        message = JSON.parse(e.data);
      } catch (err) {
        return fail('server sent something that is not JSON');
      }
      chain = chain.then(() => onSignal(message)).catch((err) => fail(message.type + ': ' + err.message));
    };
  }

  main().catch((e) => fail(e.message));
})();
