// Evidence on the staff case page: a case officer uploads a small text file, sees it listed
// with the SHA-256 the log recorded (computed here independently), downloads it back as an
// attachment with the same bytes, adds a redacted copy of it, and downloads the hearing
// bundle as one ZIP.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { launch, screenshots, seriousViolations, signIn, startDemo } from './lib.mjs';

let server;
let browser;

before(async () => {
  server = await startDemo();
  browser = await launch();
});

after(async () => {
  await browser?.close();
  server?.stop();
});

test('a case officer adds a file as evidence, sees its hash and downloads it', async () => {
  const context = await browser.newContext({ acceptDownloads: true });
  const page = await context.newPage();
  await signIn(page, server, 'officer.amara-osei');

  await page.goto(`${server.base}/home?stage=received&open=on`);
  const ref = (await page.locator('tbody tr').first().locator('td').first().textContent()).trim();
  await page.goto(`${server.base}/cases/${ref}`);

  const text = `Witness statement for ${ref}.\nI saw the exchange and noted it the same evening.\n`;
  const file = join(mkdtempSync(join(tmpdir(), 'docket-evidence-')), 'witness-statement.txt');
  writeFileSync(file, text);
  const sha256 = createHash('sha256').update(text).digest('hex');

  await page.getByLabel(/Add an evidence file/).setInputFiles(file);
  await page.getByRole('button', { name: 'Upload evidence' }).click();
  await page.waitForURL((u) => u.pathname === `/cases/${ref}` && u.search.includes('done=add_evidence'));
  assert.match(await page.locator('main').textContent(), /Evidence added/);

  const section = page.locator('section[aria-labelledby=evidence]');
  const row = section.locator('tbody tr').first();
  const cells = (await row.locator('td').allTextContents()).map((c) => c.trim());
  assert.equal(cells[0], '1');
  assert.equal(cells[1], 'witness-statement.txt');
  assert.equal(cells[2], 'text/plain');
  assert.equal(cells[4], sha256, 'the page shows the SHA-256 of the bytes sent');
  await page.screenshot({ path: join(screenshots, 'evidence-listed.png'), fullPage: true });
  const bad = await seriousViolations(page);
  assert.deepEqual(bad.map((v) => `${v.id}: ${v.nodes[0]?.html}`), [], 'axe on the case page with evidence');

  const [download] = await Promise.all([
    page.waitForEvent('download'),
    row.getByRole('link', { name: 'witness-statement.txt' }).click(),
  ]);
  assert.equal(download.suggestedFilename(), 'witness-statement.txt');
  const got = readFileSync(await download.path());
  assert.equal(createHash('sha256').update(got).digest('hex'), sha256);
  assert.equal(got.toString('utf8'), text);

  // A redacted copy, through the same form: a second item linked to the first.
  const redacted = text.replace('I saw', '[name withheld] saw');
  const copyFile = join(mkdtempSync(join(tmpdir(), 'docket-evidence-')), 'witness-statement-redacted.txt');
  writeFileSync(copyFile, redacted);
  await page.getByLabel(/redacted copy of/).selectOption({ label: 'Item 1: witness-statement.txt' });
  await page.getByLabel(/what was taken out/).fill('The witness asked not to be named to the respondent.');
  await page.getByLabel(/Add an evidence file/).setInputFiles(copyFile);
  await page.getByRole('button', { name: 'Upload evidence' }).click();
  await page.waitForURL((u) => u.search.includes('done=add_evidence'));
  const rows = section.locator('tbody tr');
  assert.equal(await rows.count(), 2);
  assert.match(await rows.nth(1).textContent(), /Redacted copy of item 1: The witness asked not to be named/);
  assert.match(await rows.nth(0).textContent(), /Redacted copy: item 2/);
  assert.equal((await rows.nth(0).locator('td').nth(4).textContent()).trim(), sha256, 'the original is unchanged');

  // The hearing bundle, downloaded as one ZIP; the download is then listed on the page.
  await page.goto(`${server.base}/cases/${ref}/bundle`);
  const [zip] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('link', { name: /Download the hearing bundle/ }).click(),
  ]);
  assert.match(zip.suggestedFilename(), new RegExp(`^bundle-${ref}-[0-9a-f]{12}\\.zip$`));
  const archive = readFileSync(await zip.path());
  assert.equal(archive.subarray(0, 2).toString('latin1'), 'PK');
  assert.ok(archive.includes(Buffer.from(text)), 'the file is in the bundle as it arrived');
  assert.ok(archive.includes(Buffer.from('Prepared for officer.amara-osei')), 'the index names who downloaded it');
  await page.reload();
  const id = zip.suggestedFilename().replace(/^.*-([0-9a-f]{12})\.zip$/, '$1');
  assert.match(await page.locator('main').textContent(), new RegExp(id), 'the download is listed');
  const badBundle = await seriousViolations(page);
  assert.deepEqual(badBundle.map((v) => `${v.id}: ${v.nodes[0]?.html}`), [], 'axe on the bundle page');
  await context.close();
});
