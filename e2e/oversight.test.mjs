// Oversight in a real browser: an officeholder's attempt to open a case is refused and shows on
// oversight's list of refusals; oversight runs the log's verification (keyboard only) and reads
// the checkpoint history. Every page visited passes axe with no serious or critical violations.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { accessible, demoSecret, signIn, totp, useDemo } from './lib.mjs';

let server;
let browser;
useDemo(before, after, (s, b) => {
  server = s;
  browser = b;
});

test('an officeholder cannot open a case, and oversight sees the refused attempt', async () => {
  const oversightContext = await browser.newContext();
  const oversight = await oversightContext.newPage();
  await signIn(oversight, server, 'oversight.tess-wright');
  await oversight.goto(`${server.base}/oversight`);
  assert.equal((await oversight.locator('h1').textContent()).trim(), 'Oversight');
  const open = await oversight.locator('dt:text-is("Open cases") + dd').textContent();
  assert.equal(open.trim(), '90', 'the demo\'s real count of open cases');
  await accessible(oversight, 'oversight-dashboard');
  // A reference to try, as oversight may list cases (metadata only).
  const list = await oversightContext.request.get(`${server.base}/api/v1/cases?open=true&per_page=1`);
  assert.equal(list.status(), 200);
  const reference = (await list.json()).items[0].reference;

  const leaderContext = await browser.newContext();
  const leader = await leaderContext.newPage();
  await signIn(leader, server, 'leader.vera-thomas');
  await accessible(leader, 'officeholder-home');
  const file = await leaderContext.request.get(`${server.base}/api/v1/cases/${reference}/file`);
  assert.equal(file.status(), 403, 'the API refuses the officeholder');
  assert.match((await file.json()).detail ?? '', /never read case content/);
  const byUrl = await leader.goto(`${server.base}/cases/${reference}`);
  // The case page refuses too, naming the policy, and shows nothing of the case.
  assert.equal(byUrl.status(), 403, 'the case page is refused');
  assert.match(await leader.locator('main').textContent(), /officeholders-never-read-content/);
  await accessible(leader, 'officeholder-refused');
  assert.doesNotMatch(await leader.locator('body').textContent(), /narrative|Narrative/);
  const refused = await leader.goto(`${server.base}/oversight/denials`);
  assert.equal(refused.status(), 403, 'officeholders do not see oversight\'s pages');
  await accessible(leader, 'officeholder-refused');
  await leaderContext.close();

  await oversight.goto(`${server.base}/oversight/denials`);
  const row = oversight.locator('table.denials tbody tr', { hasText: reference });
  await row.first().waitFor();
  const text = await row.first().textContent();
  assert.match(text, /leader\.vera-thomas/);
  assert.match(text, /view case content/);
  assert.match(text, /officeholders-never-read-content/);
  await accessible(oversight, 'oversight-denials');

  await oversight.goto(`${server.base}/oversight/contacts`);
  await oversight.locator('tbody tr', { hasText: reference }).first().waitFor();
  assert.match(await oversight.locator('tbody').textContent(), /Officeholder \(recorded automatically\)/);
  await accessible(oversight, 'oversight-contacts');
  await oversightContext.close();
});

/** Presses Tab until the focused element's text matches, as a keyboard user would. */
async function tabTo(page, pattern, limit = 60) {
  for (let i = 0; i < limit; i++) {
    await page.keyboard.press('Tab');
    const focused = await page.evaluate(() => {
      const el = document.activeElement;
      return `${el?.id ?? ''} ${el?.textContent ?? ''} ${el?.getAttribute?.('value') ?? ''}`;
    });
    if (pattern.test(focused)) return;
  }
  throw new Error(`no element matching ${pattern} within ${limit} tabs`);
}

/** Signs in with the keyboard alone; a TOTP code is good once, so waits for the next. */
async function keyboardSignIn(page, username) {
  for (let attempt = 0; attempt < 3; attempt++) {
    await page.goto(`${server.base}/login`);
    await tabTo(page, /^username/);
    await page.keyboard.type(username);
    await page.keyboard.press('Tab');
    await page.keyboard.type(`demo-password-${username}`);
    await page.keyboard.press('Tab');
    await page.keyboard.type(totp(demoSecret(server, username)));
    await Promise.all([page.waitForNavigation(), page.keyboard.press('Enter')]);
    if (!new URL(page.url()).pathname.startsWith('/login')) return;
    const text = await page.locator('main').textContent();
    if (!/already been used/.test(text)) throw new Error(`sign-in failed for ${username}: ${text}`);
    await new Promise((r) => setTimeout(r, 30_000 - (Date.now() % 30_000) + 500));
  }
  throw new Error(`could not sign ${username} in`);
}

test('oversight verifies the log and reads the checkpoints, keyboard only', async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  await keyboardSignIn(page, 'oversight.tess-wright');
  await tabTo(page, /^\s*Oversight/);
  await Promise.all([page.waitForURL(/\/oversight$/), page.keyboard.press('Enter')]);
  await tabTo(page, /Verify the log/);
  await Promise.all([page.waitForURL(/\/oversight\/verify$/), page.keyboard.press('Enter')]);
  await accessible(page, 'oversight-verify-form');
  await tabTo(page, /Run the verification/);
  await Promise.all([page.waitForNavigation({ timeout: 120_000 }), page.keyboard.press('Enter')]);
  await page.locator('#result').waitFor({ timeout: 120_000 });
  assert.equal((await page.locator('#result').textContent()).trim(), 'Result: the log verifies');
  const results = await page.locator('table tbody td').allTextContents();
  assert.ok(results.length >= 5 && results.every((r) => r.trim() === 'Pass'), results.join('|'));
  await accessible(page, 'oversight-verify-passed');
  await tabTo(page, /Checkpoint history/);
  await Promise.all([page.waitForURL(/\/oversight\/checkpoints$/), page.keyboard.press('Enter')]);
  const rows = await page.locator('table.checkpoints tbody tr').count();
  assert.ok(rows > 0, 'checkpoints are listed');
  assert.match(await page.locator('table.checkpoints tbody tr').first().textContent(), /verifies with the log/);
  await accessible(page, 'oversight-checkpoints');
  await context.close();
});

test('the demo emails its notices to files, and oversight sees the outbox', async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  await signIn(page, server, 'oversight.tess-wright');
  // The first schedule pass wrote update letters; the sender delivers them within seconds.
  const mail = join(server.data, 'mail');
  let sent = 0;
  for (let i = 0; i < 40 && sent === 0; i += 1) {
    await page.goto(`${server.base}/oversight`);
    sent = Number((await page.locator('#outbox + p + dl dt:text-is("Sent") + dd').textContent()).trim());
    if (sent === 0) await new Promise((r) => setTimeout(r, 500));
  }
  assert.ok(sent > 0, 'the outbox has sent notices');
  const files = readdirSync(mail).filter((f) => f.endsWith('.eml'));
  assert.ok(files.length >= sent, `${files.length} .eml files for ${sent} sent`);
  const message = readFileSync(join(mail, files[0]), 'utf8');
  assert.match(message, /^To: .*@/m);
  assert.match(message, /From: Casework <casework@demo\.example>/);
  await accessible(page, 'oversight-outbox');
  await context.close();
});

test('the transparency report renders with its charts and reads the same as its CSV', async () => {
  const out = mkdtempSync(join(tmpdir(), 'docket-report-'));
  const period = `2020-01-01..${new Date().toISOString().slice(0, 10)}`;
  for (const format of ['html', 'csv']) {
    execFileSync(server.bin, ['report', '--data', server.data, '--period', period, '--format', format, '--out', out]);
  }
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(`file://${join(out, 'report.html')}`);
  assert.equal(await page.locator('svg[role="img"]').count(), 5, 'funnel, outcomes, time to outcome, ageing and times');
  const received = (await page.locator('dt:text-is("Complaints received") + dd').textContent()).trim();
  const open = (await page.locator('dt:text-is("Still open") + dd').textContent()).trim();
  assert.equal(received, '300');
  assert.equal(open, '90');
  const csv = readFileSync(join(out, 'report.csv'), 'utf8');
  assert.match(csv, new RegExp(`^headline,received,${received}$`, 'm'));
  assert.match(csv, new RegExp(`^headline,open,${open}$`, 'm'));
  await accessible(page, 'transparency-report');
  await context.close();
});

test('oversight reads the transparency report in the application and recomputes it from the log', async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  await signIn(page, server, 'oversight.tess-wright');
  await page.goto(`${server.base}/oversight`);
  await page.getByRole('link', { name: 'Transparency report' }).click();
  assert.equal((await page.locator('h1').textContent()).trim(), 'Transparency report');
  assert.equal(await page.locator('svg[role="img"]').count(), 5, 'funnel, outcomes, time to outcome, ageing and times');
  assert.equal((await page.locator('dt:text-is("Still open") + dd').textContent()).trim(), '90');
  await page.getByRole('button', { name: /Recompute .* from the log/ }).click();
  assert.match(await page.locator('p.done[role="status"]').textContent(), /Every figure agrees with the \d+ events of the log's case streams/);
  await page.fill('#period', 'next spring');
  await page.getByRole('button', { name: 'Show' }).click();
  assert.match(await page.locator('#period-problem').textContent(), /'next spring' is not a period/);
  assert.equal(await page.inputValue('#period'), 'next spring', 'what was typed is kept');
  await accessible(page, 'oversight-report');
  await context.close();
});
