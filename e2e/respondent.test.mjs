// The respondent's portal in a real browser: the demo's respondent signs in, reads the notice
// of allegations and responds naming a companion; then writes to the case officer with the
// keyboard alone.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { accessible, useDemo } from './lib.mjs';

let server;
let browser;
useDemo(before, after, (s, b) => {
  server = s;
  browser = b;
});

const RESPONDENT = 'portal.respondent';

/** Presses Tab until the element matching `selector` has the focus. */
async function tabTo(page, selector, limit = 80) {
  for (let i = 0; i < limit; i++) {
    if (await page.evaluate((s) => document.activeElement?.matches(s) ?? false, selector)) return;
    await page.keyboard.press('Tab');
  }
  throw new Error(`Tab never reached ${selector}`);
}

test('the demo banner lists the portal accounts', () => {
  assert.match(server.output(), /portal\.respondent\s+the respondent of an open case/);
  assert.match(server.output(), /portal\.complainant\s+a member who complained/);
});

test('a respondent signs in and responds to the allegations, naming a companion', async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(`${server.base}/login`);
  await page.fill('#username', RESPONDENT);
  await page.fill('#password', `demo-password-${RESPONDENT}`);
  await page.click('button[type=submit]');
  assert.equal(new URL(page.url()).pathname, '/portal');
  await accessible(page, 'portal-list');
  await page.locator('a[href^="/portal/case/"]').first().click();
  assert.match(new URL(page.url()).pathname, /^\/portal\/case\/DK-/);
  assert.match(await page.locator('#notice + dl').textContent(), /The allegation/);
  assert.equal(await page.locator('#grounds').count(), 0, 'no appeal form before an outcome');
  await accessible(page, 'portal-allegations');
  // Sent empty: the problem is named beside the field, and the companion typed is kept.
  await page.fill('#companion', 'Sam Friend (union representative)');
  await page.click('form[action$="/respond"] button[type=submit]');
  assert.match(await page.locator('#response-problem').textContent(), /Enter your response/);
  assert.equal(await page.inputValue('#companion'), 'Sam Friend (union representative)');
  await accessible(page, 'portal-respond-problem');
  await page.fill('#response', 'I deny the allegation. I was not at the meeting that evening.');
  await page.click('form[action$="/respond"] button[type=submit]');
  assert.match(await page.locator('.done').textContent(), /Your response has been added/);
  assert.match(await page.locator('main').textContent(), /Your companion: Sam Friend \(union representative\)/);
  await accessible(page, 'portal-responded');
  await context.close();
});

test('a respondent writes to the case officer with the keyboard alone', async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(`${server.base}/login`);
  await tabTo(page, '#username');
  await page.keyboard.type(RESPONDENT);
  await page.keyboard.press('Tab');
  await page.keyboard.type(`demo-password-${RESPONDENT}`);
  await page.keyboard.press('Enter');
  await page.waitForURL(`${server.base}/portal`);
  await tabTo(page, 'a[href^="/portal/case/"]');
  await page.keyboard.press('Enter');
  await page.waitForURL(/\/portal\/case\/DK-/);
  await tabTo(page, '#body');
  await page.keyboard.type('Could the hearing be on a weekday evening?');
  await tabTo(page, 'form[action$="/reply"] button[type=submit]');
  await page.keyboard.press('Enter');
  await page.waitForSelector('.done');
  assert.match(await page.locator('.messages').textContent(), /weekday evening/);
  await accessible(page, 'portal-keyboard-message');
  await context.close();
});
