// Public intake and the complainant's follow-up in a real browser: an anonymous complaint,
// its receipt, following it up in a fresh browser, bad input, a double submit, and the
// journey with JavaScript off and with the keyboard alone.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { accessible, screenshots, signIn, useDemo } from './lib.mjs';

let server;
let browser;
useDemo(before, after, (s, b) => {
  server = s;
  browser = b;
});

/** Fills the complaint form as an anonymous complainant. */
async function fillAnonymous(page, summary) {
  await page.check('#who-anonymous');
  await page.fill('#respondent_number', 'PA0000001');
  await page.fill('#respondent_name', 'A Member');
  await page.selectOption('#category', 'bullying');
  await page.fill('#conduct_date', '2025-06-01');
  await page.fill('#summary', summary);
  await page.fill('#narrative', 'At the branch meeting he shouted at the treasurer and called her names.');
}

/** Presses Tab until the element matching `selector` has the focus. */
async function tabTo(page, selector, limit = 80) {
  for (let i = 0; i < limit; i++) {
    if (await page.evaluate((s) => document.activeElement?.matches(s) ?? false, selector)) return;
    await page.keyboard.press('Tab');
  }
  throw new Error(`Tab never reached ${selector}`);
}

test('an anonymous complainant gets a receipt, follows up with it, sees progress and replies', async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(`${server.base}/`);
  await page.click('a[href="/complain"]');
  assert.equal(new URL(page.url()).pathname, '/complain');
  await accessible(page, 'intake-form');
  await fillAnonymous(page, 'Shouting at the branch treasurer');
  await page.setInputFiles('#evidence', {
    name: 'what-i-saw.txt', mimeType: 'text/plain', buffer: Buffer.from('He shouted at the treasurer at 8pm.\n'),
  });
  await page.click('button[type=submit]');
  const reference = (await page.locator('#reference').textContent()).trim();
  assert.match(await page.locator('#evidence-received').textContent(), /One evidence file was received/);
  assert.match(reference, /^DK-[0-9A-Z]{4}-[0-9A-Z]{4}$/);
  const code = (await page.locator('#receipt-code').textContent()).trim();
  const passphrase = (await page.locator('#passphrase').textContent()).trim();
  assert.match(await page.locator('.receipt').textContent(), /shown only once/);
  await accessible(page, 'intake-receipt');
  await context.close();

  // Later, in another browser: the receipt is all they have.
  const later = await browser.newContext();
  const again = await later.newPage();
  await again.goto(`${server.base}/follow-up`);
  await again.fill('#receipt', code);
  await again.fill('#passphrase', passphrase);
  await again.click('button[type=submit]');
  assert.equal(new URL(again.url()).pathname, `/portal/complaint/${reference}`);
  assert.match(await again.locator('.timeline').textContent(), /The complaint was received\./);
  assert.match(await again.locator('main').textContent(), /Shouting at the branch treasurer/);
  await accessible(again, 'follow-up-complaint');
  await again.fill('#body', 'Is there anything else you need from me?');
  await again.click('form[action$="/reply"] button[type=submit]');
  assert.match(await again.locator('.done').textContent(), /Your message has been sent/);
  assert.match(await again.locator('.messages').textContent(), /anything else you need from me/);
  await accessible(again, 'follow-up-replied');
  await later.close();

  // A case officer finds it by words from its title, and sees the file that came with it.
  const staff = await browser.newContext();
  const officer = await staff.newPage();
  await signIn(officer, server, 'officer.amara-osei');
  await officer.goto(`${server.base}/home`);
  await officer.fill('#q', 'branch TREASURER shouting');
  await Promise.all([officer.waitForURL(/q=/), officer.click('form.filters button[type=submit]')]);
  const row = officer.locator('tbody tr', { hasText: reference });
  assert.match(await row.locator('.case-title').textContent(), /Shouting at the branch treasurer/);
  await accessible(officer, 'home-title-search');
  await row.getByRole('link', { name: reference }).click();
  assert.match(await officer.locator('section[aria-labelledby=evidence]').textContent(), /what-i-saw\.txt/);
  await staff.close();
});

test('bad input is shown again with the values kept and each problem beside its field', async () => {
  const page = await browser.newPage();
  await page.goto(`${server.base}/complain`);
  await page.check('#who-member');
  await page.fill('#member_number', 'PA0000002');
  await page.fill('#respondent_number', 'ZZ9999999');
  await page.fill('#respondent_name', 'Somebody');
  await page.fill('#conduct_date', '2999-12-31');
  await page.fill('#summary', 'Kept summary');
  await page.click('button[type=submit]');
  assert.match(await page.title(), /^Problem:/);
  assert.equal(await page.inputValue('#member_number'), 'PA0000002');
  assert.equal(await page.inputValue('#respondent_number'), 'ZZ9999999');
  assert.equal(await page.inputValue('#summary'), 'Kept summary');
  assert.equal(await page.inputValue('#conduct_date'), '2999-12-31');
  assert.ok(await page.isChecked('#who-member'));
  for (const [field, words] of [
    ['member_name', /Enter your name/],
    ['respondent_number', /no member with the number ZZ9999999/],
    ['conduct_date', /in the future/],
    ['category', /Choose the kind of conduct/],
    ['narrative', /Enter what happened/],
  ]) {
    assert.match(await page.locator(`#${field}-problem`).textContent(), words);
    assert.equal(await page.getAttribute(`#${field}`, 'aria-invalid'), 'true');
    assert.match(await page.getAttribute(`#${field}`, 'aria-describedby'), new RegExp(`${field}-problem`));
  }
  assert.equal(await page.getAttribute('#member_number', 'aria-invalid'), null, 'a right field is not marked');
  assert.equal(await page.locator('#problems[role=alert] li').count(), 5);
  await accessible(page, 'intake-problems');
  await page.close();
});

test('sending the same form twice creates one complaint', async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(`${server.base}/complain`);
  await fillAnonymous(page, 'Sent twice by mistake');
  const form = Object.fromEntries(await page.$$eval('form[action="/complain"] [name]', (els) =>
    els.filter((e) => e.type !== 'radio' || e.checked).map((e) => [e.name, e.value])));
  const post = () => page.request.post(`${server.base}/complain`, { form, maxRedirects: 0 });
  const [a, b] = await Promise.all([post(), post()]);
  const shown = async (res) => {
    const html = await res.text();
    const grab = (id) => html.match(new RegExp(`id="${id}">([^<]*)<`))?.[1];
    return [grab('reference'), grab('receipt-code'), grab('passphrase')];
  };
  const first = await shown(a);
  assert.ok(first[0] && first[1] && first[2], 'a reference and a receipt');
  assert.deepEqual(await shown(b), first);
  // And the browser's own submit of the same form, a third time.
  await page.click('button[type=submit]');
  assert.equal((await page.locator('#reference').textContent()).trim(), first[0]);
  assert.equal((await page.locator('#receipt-code').textContent()).trim(), first[1]);
  await context.close();
});

test('the intake journey works with JavaScript disabled', async () => {
  const context = await browser.newContext({ javaScriptEnabled: false });
  const page = await context.newPage();
  await page.goto(`${server.base}/complain`);
  await page.check('#who-third_party');
  await page.fill('#third_name', 'Jo Reporter');
  await page.fill('#third_organisation', 'The Daily Paper');
  await page.fill('#respondent_number', 'PA0000001');
  await page.fill('#respondent_name', 'A Member');
  await page.selectOption('#category', 'online_abuse');
  await page.fill('#conduct_date', '2025-05-20');
  await page.fill('#summary', 'Abusive posts');
  await page.fill('#narrative', '');
  await page.setInputFiles('#evidence', {
    name: 'screenshot.png', mimeType: 'image/png',
    buffer: Buffer.concat([Buffer.from('89504e470d0a1a0a', 'hex'), Buffer.from('a screenshot')]),
  });
  await page.click('button[type=submit]');
  assert.match(await page.locator('#narrative-problem').textContent(), /Enter what happened/);
  assert.equal(await page.inputValue('#third_name'), 'Jo Reporter');
  // The file sent with the form is held: it need not be chosen again.
  assert.match(await page.locator('fieldset.attached').textContent(), /screenshot\.png/);
  await page.fill('#narrative', 'Posts naming another member, with screenshots kept.');
  await page.click('button[type=submit]');
  assert.match(await page.locator('h1').textContent(), /your report has been received/);
  assert.match(await page.locator('#evidence-received').textContent(), /One evidence file was received/);
  assert.match(await page.locator('#reference').textContent(), /^DK-/);
  assert.equal(await page.locator('.receipt').count(), 0, 'third parties get no receipt');
  assert.match(await page.locator('main').textContent(), /not to tell you how the case goes/);
  await page.screenshot({ path: join(screenshots, 'intake-no-javascript.png'), fullPage: true });
  await context.close();
});

test('the intake journey works with the keyboard alone', async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(`${server.base}/`);
  await tabTo(page, 'a[href="/complain"]');
  await page.keyboard.press('Enter');
  await page.waitForURL(`${server.base}/complain`);
  await tabTo(page, '#who-member');
  await page.keyboard.press('ArrowDown');
  await page.keyboard.press('ArrowDown');
  assert.ok(await page.isChecked('#who-anonymous'));
  await tabTo(page, '#respondent_number');
  await page.keyboard.type('PA0000001');
  await page.keyboard.press('Tab');
  await page.keyboard.type('A Member');
  await tabTo(page, '#category');
  await page.keyboard.type('Bullying');
  assert.equal(await page.inputValue('#category'), 'bullying');
  // The date field's segments follow the browser's locale: month first, or day first.
  await tabTo(page, '#conduct_date');
  await page.keyboard.type('06012025');
  if (await page.inputValue('#conduct_date') !== '2025-06-01') {
    // Back from the year to the first segment, and again day first.
    await page.keyboard.press('Shift+Tab');
    await page.keyboard.press('Shift+Tab');
    await page.keyboard.type('01062025');
  }
  assert.equal(await page.inputValue('#conduct_date'), '2025-06-01');
  await tabTo(page, '#summary');
  await page.keyboard.type('Typed with the keyboard');
  await page.keyboard.press('Tab');
  await page.keyboard.type('Everything in this complaint was typed without a mouse.');
  await tabTo(page, 'button[type=submit]');
  await page.keyboard.press('Enter');
  await page.waitForSelector('#reference');
  assert.match(await page.locator('#receipt-code').textContent(), /\S/);
  await accessible(page, 'intake-keyboard-receipt');
  await context.close();
});
