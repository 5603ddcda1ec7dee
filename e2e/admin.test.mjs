// Administration in a real browser: create an account, change its roles, reset a second factor
// (refused until confirmed), read the rule book, and import a membership list whose bad row is
// named by line and column with nothing imported. Every page passes axe.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { accessible, signIn, useDemo } from './lib.mjs';

let server;
let browser;
useDemo(before, after, (s, b) => {
  server = s;
  browser = b;
});

test('an administrator manages an account, reads the rule book and imports members', async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  await signIn(page, server, 'admin.usman-khan');
  await page.click('nav a:text-is("Administration")');
  await accessible(page, 'admin-index');

  // A new account: first with a problem, re-shown with what was typed.
  await page.click('a:text-is("Create an account")');
  await page.fill('#username', 'Officer Sam');
  await page.fill('#name', 'Sam Jones');
  await page.click('button:text-is("Create the account")');
  assert.match(await page.locator('#username-problem').textContent(), /username/i);
  assert.equal(await page.inputValue('#name'), 'Sam Jones');
  assert.match(await page.locator('#roles-problem').textContent(), /at least one role/);
  await accessible(page, 'admin-user-new-problems');
  await page.fill('#username', 'officer.sam-jones');
  await page.check('#role_case_officer');
  await page.click('button:text-is("Create the account")');
  assert.match(await page.locator('.done').textContent(), /Created the account officer\.sam-jones/);
  assert.ok((await page.locator('#temporary-password').textContent()).trim().length >= 12);
  await accessible(page, 'admin-user-created');

  // Its roles.
  await page.click('a:text-is("Open the account")');
  await page.check('#role_investigator');
  await page.click('button:text-is("Save the roles")');
  assert.match(await page.locator('.done').textContent(), /roles were changed/);
  assert.match(await page.locator('dt:text-is("Roles") + dd').textContent(), /case officer, investigator/);
  await accessible(page, 'admin-user-roles-changed');

  // A second-factor reset of a demo account that has one: not without confirming.
  await page.goto(`${server.base}/admin/users?role=case_officer`);
  await accessible(page, 'admin-users');
  await page.click('a:text-is("officer.amara-osei")');
  await page.fill('#reset_reason', 'Lost phone, confirmed by a call back');
  await page.click('button:text-is("Reset the second factor")');
  assert.match(await page.locator('#confirm-problem').textContent(), /confirm/);
  assert.equal(await page.inputValue('#reset_reason'), 'Lost phone, confirmed by a call back');
  await accessible(page, 'admin-reset-unconfirmed');
  await page.check('#confirm');
  await page.click('button:text-is("Reset the second factor")');
  assert.match(await page.locator('.done').textContent(), /second factor was removed/);
  assert.match(await page.locator('dt:text-is("Second factor") + dd').textContent(), /not set up/);

  // The rule book, with clause 2.1.8 and its versions.
  await page.goto(`${server.base}/admin/rulebook`);
  const clause = page.locator('article.clause', { has: page.locator('h3', { hasText: /^2\.1\.8 / }) });
  assert.equal(await clause.count(), 1);
  assert.match(await clause.textContent(), /from \d{4}-\d{2}-\d{2}/);
  await accessible(page, 'admin-rulebook');

  // A membership list with a bad row: named by line and column, nothing imported.
  await page.goto(`${server.base}/admin/members/import`);
  const before = await page.locator('main > p').first().textContent();
  await page.setInputFiles('#file', {
    name: 'members.csv',
    mimeType: 'text/csv',
    buffer: Buffer.from('membership_number,name,joined_on\nPZ1,Ann Able,2020-01-01\nPZ2,Bob Baker,31/01/2020\n'),
  });
  await page.click('button:text-is("Check and import")');
  const row = page.locator('#row-problems ~ table tbody tr');
  assert.equal(await row.count(), 1);
  assert.match(await row.textContent(), /^3\s*joined_on/);
  assert.match(await page.locator('.problem').first().textContent(), /Nothing was imported/);
  assert.equal(await page.locator('main > p').first().textContent(), before, 'the count is unchanged');
  await accessible(page, 'admin-import-row-errors');
  await page.fill('#pasted', 'membership_number,name,joined_on\nPZ1,Ann Able,2020-01-01\n');
  await page.click('button:text-is("Check and import")');
  assert.match(await page.locator('.done').textContent(), /Imported 1 member\./);
  await accessible(page, 'admin-import-done');
  await context.close();
});
