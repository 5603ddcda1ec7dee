// The public status page in a real browser: counts from the demo, no case content, accessible.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { screenshots, seriousViolations, useDemo } from './lib.mjs';

let server;
let browser;
useDemo(before, after, (s, b) => {
  server = s;
  browser = b;
});

test('the status page shows the demo organisation\'s counts and nothing confidential', async () => {
  const page = await browser.newPage();
  const res = await page.goto(`${server.base}/`);
  assert.equal(res.status(), 200);
  assert.match(res.headers()['content-security-policy'], /frame-ancestors 'none'/);
  const open = await page.locator('dt:text-is("Open cases") + dd').textContent();
  assert.equal(open.trim(), '90');
  const share = await page.locator('dt:text-is("Open cases as a share of membership") + dd').textContent();
  assert.equal(share.trim(), '0.018% of 500,000 members');
  const body = await page.locator('body').textContent();
  assert.doesNotMatch(body, /Marc Wilde|Pat Quinlan|narrative/);
  await page.screenshot({ path: join(screenshots, 'status.png'), fullPage: true });
  assert.deepEqual(await seriousViolations(page), []);
});

test('pages work without JavaScript', async () => {
  const context = await browser.newContext({ javaScriptEnabled: false });
  const page = await context.newPage();
  await page.goto(`${server.base}/`);
  assert.equal((await page.locator('h1').textContent()).trim(), 'Docket');
  await context.close();
});
