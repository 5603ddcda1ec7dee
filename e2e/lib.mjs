// Shared helpers for Docket's browser tests: start a real server, launch Debian's Chromium.
import { spawn } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { mkdtempSync, mkdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const here = dirname(fileURLToPath(import.meta.url));
export const screenshots = join(here, 'screenshots');
mkdirSync(screenshots, { recursive: true });

const bin = process.env.DOCKET_BIN ?? join(here, '..', 'target', 'debug', 'docket');

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/** Starts `docket demo` on a fresh data folder and waits until it answers /healthz. */
export async function startDemo() {
  const data = mkdtempSync(join(tmpdir(), 'docket-e2e-'));
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const child = spawn(bin, ['demo', '--data', data, '--listen', `127.0.0.1:${port}`], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (d) => { output += d; });
  child.stderr.on('data', (d) => { output += d; });
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`docket demo exited early:\n${output}`);
    try {
      const res = await fetch(`${base}/healthz`);
      if (res.ok) return { base, data, bin, output: () => output, stop: () => child.kill('SIGTERM') };
    } catch { /* not listening yet */ }
    await new Promise((r) => setTimeout(r, 250));
  }
  child.kill('SIGKILL');
  throw new Error(`docket demo did not start within 120 s:\n${output}`);
}

/** Debian's Chromium, headless, with the flags this machine's closed network needs.
 * Playwright gives every launch a new empty profile of its own. */
export async function launch() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
    args: [
      '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
    ],
  });
}

/** Runs axe-core in the page; returns violations of serious or critical impact. */
export async function seriousViolations(page) {
  const axe = readFileSync(join(here, 'node_modules', 'axe-core', 'axe.min.js'), 'utf8');
  // Evaluated through the DevTools protocol: our CSP rightly refuses injected inline scripts.
  await page.evaluate(axe);
  const result = await page.evaluate(async () => await window.axe.run());
  return result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
}

/** RFC 6238 TOTP (SHA-1, 6 digits, 30 s) for a base32 secret, at `at` (ms since epoch). */
export function totp(secret, at = Date.now()) {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = '';
  for (const ch of secret.replace(/=+$/, '').toUpperCase()) {
    bits += alphabet.indexOf(ch).toString(2).padStart(5, '0');
  }
  const key = Buffer.from(bits.match(/.{8}/g).map((b) => parseInt(b, 2)));
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(at / 1000 / 30)));
  const mac = createHmac('sha1', key).update(counter).digest();
  const off = mac[mac.length - 1] & 0xf;
  const n = ((mac[off] & 0x7f) << 24) | (mac[off + 1] << 16) | (mac[off + 2] << 8) | mac[off + 3];
  return String(n % 1_000_000).padStart(6, '0');
}

/** A demo account's second-factor secret, read from the banner `docket demo` printed. */
export function demoSecret(server, username) {
  const line = server.output().split('\n').find((l) => l.trim().startsWith(`${username} `));
  if (!line) throw new Error(`the demo banner does not list ${username}`);
  return line.trim().split(/\s+/).pop();
}

/** Signs a demo account in through the sign-in form (password and TOTP code). A code is
 * good once: when this account already used the current one, waits for the next. */
export async function signIn(page, server, username) {
  for (let attempt = 0; attempt < 3; attempt++) {
    await page.goto(`${server.base}/login`);
    await page.fill('#username', username);
    await page.fill('#password', `demo-password-${username}`);
    await page.fill('#code', totp(demoSecret(server, username)));
    await page.click('button[type=submit]');
    if (!new URL(page.url()).pathname.startsWith('/login')) return;
    const text = await page.locator('main').textContent();
    if (!/already been used/.test(text)) throw new Error(`sign-in failed for ${username}: ${text}`);
    await new Promise((r) => setTimeout(r, 30_000 - (Date.now() % 30_000) + 500));
  }
  throw new Error(`could not sign ${username} in`);
}

/** Starts a fresh demo server and a browser before a test file's tests and stops both after;
 * `set` receives them. */
export function useDemo(before, after, set) {
  let server;
  let browser;
  before(async () => {
    server = await startDemo();
    browser = await launch();
    set(server, browser);
  });
  after(async () => {
    await browser?.close();
    server?.stop();
  });
}

/** Saves a screenshot of the page under `name` and fails on serious or critical axe findings. */
export async function accessible(page, name) {
  await page.screenshot({ path: join(screenshots, `${name}.png`), fullPage: true });
  const bad = await seriousViolations(page);
  if (bad.length) {
    throw new Error(`axe on ${name}: ${bad.map((v) => `${v.id}: ${v.nodes[0]?.html}`).join('; ')}`);
  }
}
