// SPDX-License-Identifier: LGPL-2.1-or-later
//
// Browser interop driver, run by browser-test.sh inside a private network
// (and PID) namespace that already has lo up and a veth pair with a default
// route (tests/browser/README.md says why).  It starts avanued, serves
// data/web/test-peer.{html,js} on 127.0.0.1, launches headless Chromium
// through playwright-core and checks that the page and its peer exchange
// data-channel messages both ways over the expected candidate type.
//
//   node driver.mjs CASE WORKDIR
//
// CASE: browser-host | browser-relay  (two pages through avanued: the
//                                      echoing page creates and offers)
//       browser-join-host              (the probing page creates and offers)
//       native-host  | native-relay   (`avanue-share --create --echo`; the
//                                      page joins and answers)
//       native-join-host               (the page creates and offers;
//                                      `avanue-share --join CODE --echo`)
// Environment: AVANUED (the daemon), CHROMIUM (default /usr/bin/chromium),
// AVANUE_SHARE (the native peer, native-* cases), BROWSER_TEST_RELAY
// (auto, the default: avanued's own relay when it runs, else coturn;
// avanued; coturn).
//
// Exit status: 0 passed, 1 failed, 77 cannot run here (reason printed).

import { spawn, execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { chromium } from 'playwright-core';

const SKIP = 77;
const DEADLINE_MS = 55000;      // meson's timeout is longer; stay bounded
const here = path.dirname(fileURLToPath(import.meta.url));
const webDir = path.resolve(here, '..', '..', 'data', 'web');
const caseName = process.argv[2];
const workDir = process.argv[3];

const CASES = {
  'browser-host': { peer: 'browser', relay: false },
  'browser-relay': { peer: 'browser', relay: true },
  'browser-join-host': { peer: 'browser', relay: false, pageCreates: true },
  'native-host': { peer: 'native', relay: false },
  'native-relay': { peer: 'native', relay: true },
  'native-join-host': { peer: 'native', relay: false, pageCreates: true },
};
const testCase = CASES[caseName];
if (!testCase || !workDir) {
  console.error('usage: driver.mjs (' + Object.keys(CASES).join('|') + ') WORKDIR');
  process.exit(2);
}

// What the probe page sends: COUNT short texts, one of BIG characters (over
// one SCTP chunk, under Chromium's max-message-size of 262144) and one
// binary message.
const COUNT = 5;
const BIG = 65536;
const EXPECTED_PROBES = COUNT + 2;

const started = Date.now();
const processes = [];
let context = null;
let failures = 0;

function elapsed() {
  return ((Date.now() - started) / 1000).toFixed(2) + 's';
}

function note(text) {
  console.log('# [' + elapsed() + '] ' + text);
}

function check(ok, what, detail) {
  console.log((ok ? 'ok - ' : 'not ok - ') + what + (detail !== undefined ? ' (' + detail + ')' : ''));
  if (!ok)
    failures++;
  return ok;
}

class Skip extends Error {}

// ---- child processes ------------------------------------------------------

// A child whose stdout is read line by line; its stderr goes to a log file
// in WORKDIR that is printed when the test fails.
function startProcess(name, argv, extraEnv) {
  const logPath = path.join(workDir, name + '.log');
  const logFd = fs.openSync(logPath, 'a');
  const child = spawn(argv[0], argv.slice(1), {
    env: { ...process.env, ...(extraEnv || {}) },
    stdio: ['ignore', 'pipe', logFd],
  });
  fs.closeSync(logFd);
  const proc = { name, child, logPath, lines: [], waiters: [], exit: null };
  let buffer = '';
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (chunk) => {
    buffer += chunk;
    let nl;
    while ((nl = buffer.indexOf('\n')) >= 0) {
      const line = buffer.slice(0, nl);
      buffer = buffer.slice(nl + 1);
      proc.lines.push(line);
      fs.appendFileSync(logPath, '[stdout] ' + line + '\n');
      for (const w of proc.waiters.slice())
        w.test(line);
    }
  });
  proc.exited = new Promise((resolve) => {
    child.on('exit', (code, signal) => {
      proc.exit = { code, signal };
      for (const w of proc.waiters.slice())
        w.exited();
      resolve(proc.exit);
    });
    child.on('error', (err) => {
      proc.exit = { code: null, signal: null, error: err.message };
      for (const w of proc.waiters.slice())
        w.exited();
      resolve(proc.exit);
    });
  });
  processes.push(proc);
  return proc;
}

// Resolves with the regex match of the first stdout line (seen so far or to
// come) that matches; rejects when the process exits first or on timeout.
function waitForLine(proc, regex, timeoutMs, what) {
  return new Promise((resolve, reject) => {
    for (const line of proc.lines) {
      const m = regex.exec(line);
      if (m)
        return resolve(m);
    }
    let timer = null;
    const waiter = {
      test(line) {
        const m = regex.exec(line);
        if (m) {
          done();
          resolve(m);
        }
      },
      exited() {
        done();
        reject(new Error(proc.name + ' exited (' + JSON.stringify(proc.exit) + ') before ' + what));
      },
    };
    function done() {
      clearTimeout(timer);
      proc.waiters.splice(proc.waiters.indexOf(waiter), 1);
    }
    timer = setTimeout(() => {
      done();
      reject(new Error('timed out after ' + timeoutMs + ' ms waiting for ' + what + ' from ' + proc.name));
    }, timeoutMs);
    proc.waiters.push(waiter);
    if (proc.exit)
      waiter.exited();
  });
}

function withTimeout(promise, ms) {
  let timer;
  return Promise.race([
    promise,
    new Promise((resolve) => { timer = setTimeout(() => resolve('timeout'), ms); }),
  ]).finally(() => clearTimeout(timer));
}

async function stopProcess(proc, graceMs) {
  if (proc.exit)
    return proc.exit;
  proc.child.kill('SIGTERM');
  if (await withTimeout(proc.exited, graceMs) === 'timeout') {
    proc.child.kill('SIGKILL');
    await proc.exited;
  }
  return proc.exit;
}

function printLogs() {
  for (const proc of processes) {
    let text = '';
    try {
      text = fs.readFileSync(proc.logPath, 'utf8');
    } catch (e) {
      continue;
    }
    const lines = text.split('\n');
    console.log('# ---- ' + proc.name + ' (last ' + Math.min(lines.length, 60) + ' lines) ----');
    for (const line of lines.slice(-60))
      console.log('#   ' + line);
  }
}

// ---- avanued --------------------------------------------------------------

function avanuedPath() {
  return process.env.AVANUED || path.resolve(here, '..', '..', 'build', 'avanued', 'avanued');
}

function writeConfig(stateDir, pageOrigin, relay) {
  const lines = [
    '[server]',
    'listen=127.0.0.1',
    // DESIGN §8: a page from another origin must be allowed explicitly.
    'allowed-origins=' + pageOrigin,
    '[dbus]',
    'bus=none',
    '[licensing]',
    'allow-anonymous-free=true',
    '[turn]',
    'listen=127.0.0.1',
    // Both relay addresses are 127.0.0.1 here (NOTES).
    'allow-loopback-peers=true',
  ];
  if (relay && relay.kind === 'coturn') {
    lines.push('enabled=false');
    lines.push('secrets=' + relay.secret);
    lines.push('[ice]');
    lines.push('turn-servers=' + relay.urls.join(','));
  }
  const configPath = path.join(stateDir, 'avanued.conf');
  fs.writeFileSync(configPath, lines.join('\n') + '\n');
  return configPath;
}

async function startAvanued(stateDir, configPath, generation) {
  const proc = startProcess('avanued' + (generation ? '-' + generation : ''),
                            [avanuedPath(), '--port', '0', '--turn-port', '0',
                             '--state-dir', stateDir, '--config', configPath]);
  const m = await waitForLine(proc, /^listening http=(\d+) turn=(\d+)$/, 15000, 'its listening line');
  proc.httpPort = parseInt(m[1], 10);
  proc.turnPort = parseInt(m[2], 10);
  note('avanued listening http=' + proc.httpPort + ' turn=' + proc.turnPort);
  return proc;
}

function issueLicense(stateDir, configPath) {
  const out = execFileSync(avanuedPath(), ['--state-dir', stateDir, '--config', configPath,
                                           '--issue-license', 'pro', '--license-user', 'browser-test'],
                           { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  const key = out.trim();
  if (!/^avl_[a-z0-9]{40}$/.test(key))
    throw new Error('avanued --issue-license printed no licence key');
  return key;
}

function startCoturn() {
  const turnserver = ['/usr/bin/turnserver', '/usr/sbin/turnserver'].find((p) => fs.existsSync(p));
  if (!turnserver)
    throw new Skip('avanued runs no relay (turn=0) and coturn\'s turnserver is not installed (scripts/install-deps.sh --test)');
  const secret = crypto.randomBytes(24).toString('base64url');
  // A fresh network namespace: the standard port is free.
  const port = 3478;
  const proc = startProcess('coturn', [
    turnserver, '-n', '--log-file=stdout', '--simple-log', '--no-cli', '--no-tls', '--no-dtls',
    '--listening-ip=127.0.0.1', '--relay-ip=127.0.0.1', '--listening-port=' + port,
    '--min-port=50000', '--max-port=50999', '--realm=avanue.test',
    '--use-auth-secret', '--static-auth-secret=' + secret,
    '--allow-loopback-peers', '--cli-password=unused', '--pidfile=' + path.join(workDir, 'turnserver.pid'),
  ]);
  return {
    kind: 'coturn',
    proc,
    secret,
    port,
    urls: ['turn:127.0.0.1:' + port + '?transport=udp'],
  };
}

// ---- the page server ------------------------------------------------------

function startPageServer() {
  const types = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8' };
  const server = http.createServer((req, res) => {
    const url = new URL(req.url, 'http://127.0.0.1');
    const name = path.basename(url.pathname);
    const file = path.join(webDir, name);
    if (!['test-peer.html', 'test-peer.js'].includes(name) || !fs.existsSync(file)) {
      res.writeHead(404, { 'Content-Type': 'text/plain' });
      res.end('not found\n');
      return;
    }
    res.writeHead(200, { 'Content-Type': types[path.extname(name)], 'Cache-Control': 'no-store' });
    res.end(fs.readFileSync(file));
  });
  return new Promise((resolve, reject) => {
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => resolve(server));
  });
}

// ---- Chromium --------------------------------------------------------------

async function launchChromium() {
  const executablePath = process.env.CHROMIUM || '/usr/bin/chromium';
  const profile = path.join(workDir, 'chromium-profile');
  fs.mkdirSync(profile, { recursive: true });
  return chromium.launchPersistentContext(profile, {
    executablePath,
    headless: true,
    timeout: 20000,
    args: [
      '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
      // Real host addresses instead of mDNS names, which the native peer
      // cannot resolve.  Chromium keeps only the last --disable-features,
      // so this repeats what Playwright disables for automation.
      '--disable-features=' + [
        'AvoidUnnecessaryBeforeUnloadCheckSync', 'DestroyProfileOnBrowserClose',
        'HttpsUpgrades', 'HttpsFirstBalancedModeAutoEnable', 'LensOverlay', 'MediaRouter',
        'PaintHolding', 'ThirdPartyStoragePartitioning', 'OptimizationHints',
        'NetworkTimeServiceQuerying', 'AimEnabled', 'PreconnectToSearch',
        'WebRtcHideLocalIpsWithMdns',
      ].join(','),
    ],
  });
}

async function openPage(label, url) {
  const page = await context.newPage();
  page.on('console', (msg) => {
    if (msg.type() === 'error' || msg.type() === 'warning')
      note(label + ' console ' + msg.type() + ': ' + msg.text());
  });
  page.on('pageerror', (err) => note(label + ' page error: ' + err.message));
  await page.goto(url, { waitUntil: 'load', timeout: 10000 });
  return page;
}

async function pageResult(page) {
  return page.evaluate(() => window.__result);
}

// Waits until the page is done or failed; returns its result either way.
async function waitForPage(page, label, timeoutMs) {
  try {
    await page.waitForFunction(() => window.__result && (window.__result.done || window.__result.error !== null),
                               null, { timeout: timeoutMs, polling: 100 });
  } catch (e) {
    note(label + ': not done after ' + timeoutMs + ' ms');
  }
  return pageResult(page);
}

async function waitForInvite(page, timeoutMs) {
  await page.waitForFunction(() => window.__result && (window.__result.inviteCode || window.__result.error !== null),
                             null, { timeout: timeoutMs, polling: 50 });
  const r = await pageResult(page);
  if (!r.inviteCode)
    throw new Error('the creating page failed: ' + r.error);
  return r.inviteCode;
}

function printPageLog(label, r) {
  console.log('# ---- page ' + label + ' ----');
  for (const line of r.log)
    console.log('#   ' + line);
}

// ---- checks -----------------------------------------------------------------

const expectedType = testCase.relay ? 'relay' : 'host';

function checkProbePage(r) {
  check(r.error === null, 'the probe page ran without error', r.error);
  check(r.serverErrors.length === 0, 'avanued and the browser reported no error', JSON.stringify(r.serverErrors));
  check(r.channelLabel === 'echo', 'the channel is the offerer\'s "echo"', r.channelLabel);
  if (testCase.pageCreates)
    check(r.offered && !r.answered, 'the page, in the session first, offered; the peer answered');
  else
    check(r.answered && !r.offered, 'the participant already in the session offered; the page answered');
  check(r.helloReceived, 'the page received "hello from avanue"');
  check(r.helloFirst === true, '"hello from avanue" was the first message', 'first: ' + JSON.stringify(r.received[0]));
  check(!r.helloTimedOut, 'the hello came within 5 s of open');
  check(r.sentCount === EXPECTED_PROBES, 'the page sent ' + EXPECTED_PROBES + ' messages (text, ' + BIG + ' chars, binary)', r.sentCount);
  check(r.echoedCount === EXPECTED_PROBES && r.echoMismatch === null,
        'every message came back, identical and in order', 'echoed ' + r.echoedCount + (r.echoMismatch ? '; ' + r.echoMismatch : ''));
  check(r.localCandidateTypes.length > 0, 'the page gathered candidates', r.localCandidateTypes.join(','));
  if (testCase.relay) {
    check(r.turnCredentials !== null && r.turnCredentials.urls.length > 0, 'the session (SESSION_JOINED or SESSION_CREATED) carried turnCredentials',
          r.turnCredentials ? r.turnCredentials.urls.join(' ') : 'none');
    check(r.localCandidateTypes.every((t) => t === 'relay'), 'relay-only: the page gathered relay candidates only',
          r.localCandidateTypes.join(','));
    check(r.remoteCandidateTypes.length > 0 && r.remoteCandidateTypes.every((t) => t === 'relay'),
          'relay-only: the peer sent relay candidates only', r.remoteCandidateTypes.join(','));
  } else {
    check(r.localCandidateTypes.includes('host'), 'the page gathered host candidates', r.localCandidateTypes.join(','));
    check(r.remoteCandidateTypes.includes('host'), 'the peer sent host candidates', r.remoteCandidateTypes.join(','));
  }
  const pair = r.selectedPair;
  check(pair !== null, 'getStats() has a selected candidate pair', JSON.stringify(pair));
  if (pair) {
    check(pair.localType === expectedType, 'the selected local candidate is ' + expectedType,
          pair.localType + ' ' + pair.localAddress + ' ' + pair.localProtocol);
    // The peer's checks can reach Chromium before its description does:
    // then its candidate is peer-reflexive (address hidden) and stays so.
    // The peer's own side of the pair is checked on its side (page E's
    // selected local candidate, avanue-share's `connected TYPE`).
    check(pair.remoteType === expectedType || pair.remoteType === 'prflx',
          'the selected remote candidate is ' + expectedType + ' (or peer-reflexive, learnt from its checks)',
          pair.remoteType + ' ' + pair.remoteAddress + ' ' + pair.remoteProtocol);
    if (pair.remoteType === 'prflx')
      note('the selected remote candidate stayed peer-reflexive: the peer\'s checks came before its candidates');
  }
  note('the peer\'s ICE_CANDIDATEs: ' + r.remoteCandidateTypes.length + ' candidates, form ' +
       (r.remoteCandidateForms.join('+') || 'none') + ', end of candidates ' + (r.remoteEndOfCandidates ? 'sent' : 'NOT sent'));
}

// ---- the cases ----------------------------------------------------------------

async function setupRelay(stateDir, pageOrigin) {
  const want = process.env.BROWSER_TEST_RELAY || 'auto';
  let configPath = writeConfig(stateDir, pageOrigin, null);
  let daemon = await startAvanued(stateDir, configPath, 0);
  if (!testCase.relay)
    return { daemon, configPath, relay: null };
  if (daemon.turnPort > 0 && want !== 'coturn') {
    note('relay: avanued\'s own, on 127.0.0.1:' + daemon.turnPort);
    return { daemon, configPath, relay: { kind: 'avanued' } };
  }
  if (want === 'avanued')
    throw new Skip('BROWSER_TEST_RELAY=avanued but avanued runs no relay (it printed turn=0)');
  // avanued's relay is off or unwired: coturn with avanued's secret.
  await stopProcess(daemon, 5000);
  const relay = startCoturn();
  await new Promise((resolve) => setTimeout(resolve, 300));
  if (relay.proc.exit)
    throw new Error('coturn exited at once: ' + JSON.stringify(relay.proc.exit));
  note('relay: coturn on 127.0.0.1:' + relay.port);
  configPath = writeConfig(stateDir, pageOrigin, relay);
  daemon = await startAvanued(stateDir, configPath, 1);
  return { daemon, configPath, relay };
}

function pageUrl(base, params) {
  return base + '/test-peer.html?' + new URLSearchParams(params).toString();
}

// DESIGN §8: the WebSocket upgrade checks the Origin against
// allowed-origins.  The same page from http://localhost:PORT is another
// origin than the allowed http://127.0.0.1:PORT.
async function checkForeignOrigin(ws, base) {
  const foreign = base.replace('//127.0.0.1:', '//localhost:');
  const page = await openPage('foreign', pageUrl(foreign, { ws, role: 'create', mode: 'echo' }));
  const r = await waitForPage(page, 'foreign', 10000);
  await page.close();
  check(r.error !== null && !r.signalingSeen.includes('CONNECTED'),
        'a page from an origin outside allowed-origins gets no session', r.error || r.signalingSeen.join(','));
}

async function runBrowserPair(ws, base, license) {
  const policy = testCase.relay ? 'relay' : 'all';
  if (!testCase.relay)
    await checkForeignOrigin(ws, base);
  // E stands in for `avanue-share --echo`: says hello on open and echoes
  // everything back.  P probes, sending its candidates in object form (E
  // in string form).  Whoever is in the session first creates it and
  // offers to the newcomer (browser-host, browser-relay: E, like
  // `avanue-share --create`; browser-join-host: P).
  const echo = { mode: 'echo', policy, name: 'Browser E' };
  const probe = { mode: 'probe', policy, count: COUNT, big: BIG, binary: 1, cand: 'object', name: 'Browser P' };
  const [first, firstLabel, second, secondLabel] = testCase.pageCreates
    ? [probe, 'P', echo, 'E'] : [echo, 'E', probe, 'P'];
  const creator = await openPage(firstLabel, pageUrl(base, { ws, role: 'create', ...first, ...(license ? { license } : {}) }));
  const code = await waitForInvite(creator, 10000);
  note('page ' + firstLabel + ' created the session; invite code received');
  const joiner = await openPage(secondLabel, pageUrl(base, { ws, role: 'join', code, ...second }));
  const [p, e] = testCase.pageCreates ? [creator, joiner] : [joiner, creator];
  const rp = await waitForPage(p, 'P', 30000);
  const re = await waitForPage(e, 'E', 5000);
  printPageLog('E (' + (testCase.pageCreates ? 'joins' : 'creates') + ', echoes)', re);
  printPageLog('P (' + (testCase.pageCreates ? 'creates' : 'joins') + ', probes)', rp);
  checkProbePage(rp);
  check(re.error === null && re.serverErrors.length === 0, 'page E ran without error', re.error || JSON.stringify(re.serverErrors));
  if (testCase.pageCreates)
    check(re.answered && !re.offered, 'page E (the newcomer) answered');
  else
    check(re.offered && !re.answered, 'page E (in the session first) offered');
  check(re.echoedBack === EXPECTED_PROBES, 'page E echoed every message', re.echoedBack);
  check(re.remoteCandidateForms.includes('object'), 'page E took candidates in {candidate, sdpMid, sdpMLineIndex} form');
  check(rp.remoteCandidateForms.includes('string'), 'page P took candidates in string form');
  check(re.remoteEndOfCandidates && rp.remoteEndOfCandidates, 'both pages got end-of-candidates (empty candidate)');
  check(re.selectedPair !== null && re.selectedPair.localType === expectedType,
        'page E\'s selected local candidate is ' + expectedType, JSON.stringify(re.selectedPair));
}

function findNativePeer() {
  const p = process.env.AVANUE_SHARE;
  if (!p || !fs.existsSync(p))
    throw new Skip('avanue-share is not built (AVANUE_SHARE=' + (p || '') + ')');
  return p;
}

async function runNative(ws, base, license) {
  const share = findNativePeer();
  const policy = testCase.relay ? 'relay' : 'all';
  const probe = { mode: 'probe', policy, count: COUNT, big: BIG, binary: 1, name: 'Browser' };
  const argv = [share, '--server', ws, '--identity', path.join(workDir, 'native-identity')];
  let page = null;
  if (testCase.pageCreates) {
    const params = { ws, role: 'create', ...probe };
    if (license)
      params.license = license;
    page = await openPage('page', pageUrl(base, params));
    argv.push('--join', await waitForInvite(page, 10000));
    note('the page created the session; invite code received');
  } else {
    argv.push('--create');
    if (license)
      argv.push('--license', license);
  }
  argv.push('--echo');
  if (testCase.relay)
    argv.push('--relay');
  const native = startProcess('avanue-share', argv);
  if (!page) {
    const m = await waitForLine(native, /^invite (\S+)$/, 10000, 'its invite line');
    note('avanue-share created the session; invite code received');
    page = await openPage('page', pageUrl(base, { ws, role: 'join', code: m[1], ...probe }));
  }
  const r = await waitForPage(page, 'page', 30000);
  printPageLog(testCase.pageCreates ? 'page (creates, offers, probes)' : 'page (joins, probes)', r);
  checkProbePage(r);

  // The page has left the session: the native peer should finish by itself.
  const exit = await withTimeout(native.exited, 10000);
  if (exit === 'timeout')
    note('avanue-share still runs 10 s after the page left; stopping it');
  const final = await stopProcess(native, 3000);
  for (const line of native.lines)
    console.log('# avanue-share: ' + line);
  check(native.lines.includes('channel open echo'), 'avanue-share printed "channel open echo"');
  const connected = native.lines.map((l) => /^connected (\S+)$/.exec(l)).filter(Boolean).map((x) => x[1]);
  check(connected.length > 0 && connected.every((t) => t === expectedType),
        'avanue-share printed "connected ' + expectedType + '"', connected.join(',') || 'no connected line');
  check(exit !== 'timeout' && final.code === 0, 'avanue-share exited 0 by itself after the page left', JSON.stringify(final));
}

async function main() {
  const stateDir = path.join(workDir, 'avanued-state');
  fs.mkdirSync(stateDir, { recursive: true });
  if (testCase.peer === 'native')
    findNativePeer();
  const server = await startPageServer();
  const base = 'http://127.0.0.1:' + server.address().port;
  note('page server on ' + base);

  const { daemon, configPath } = await setupRelay(stateDir, base);
  const ws = 'ws://127.0.0.1:' + daemon.httpPort + '/v1/signal';
  const license = testCase.relay ? issueLicense(stateDir, configPath) : null;

  context = await launchChromium();
  note('chromium ' + context.browser()?.version?.() + ' launched');
  if (testCase.peer === 'browser')
    await runBrowserPair(ws, base, license);
  else
    await runNative(ws, base, license);

  // The daemon must still run and stop cleanly (a sanitizer report makes
  // it exit non-zero).
  const c = context;
  context = null;
  await withTimeout(c.close().catch(() => {}), 5000);
  check(daemon.exit === null, 'avanued ran to the end', JSON.stringify(daemon.exit));
  const exit = await stopProcess(daemon, 10000);
  check(exit.code === 0, 'avanued exited 0 on SIGTERM', JSON.stringify(exit));
  server.close();
}

async function cleanup() {
  if (context) {
    const c = context;
    context = null;
    await withTimeout(c.close().catch(() => {}), 5000);
  }
  for (const proc of processes.slice().reverse())
    await stopProcess(proc, 3000);
}

let finished = false;
async function finish(code) {
  if (finished)
    return;
  finished = true;
  if (code !== 0 && code !== SKIP)
    printLogs();
  await cleanup();
  if (code === 0)
    console.log('# ' + caseName + ': passed in ' + elapsed());
  process.exit(code);
}

process.on('SIGTERM', () => { console.log('# SIGTERM'); finish(1); });
process.on('SIGINT', () => { console.log('# SIGINT'); finish(1); });
const deadline = setTimeout(() => {
  console.log('not ok - ' + caseName + ' finished within ' + DEADLINE_MS / 1000 + ' s');
  finish(1);
}, DEADLINE_MS);

main().then(() => {
  clearTimeout(deadline);
  finish(failures === 0 ? 0 : 1);
}, (err) => {
  clearTimeout(deadline);
  if (err instanceof Skip) {
    console.log('SKIP: ' + err.message);
    finish(SKIP);
  } else {
    console.log('not ok - ' + caseName + ': ' + (err && err.stack ? err.stack : err));
    finish(1);
  }
});
