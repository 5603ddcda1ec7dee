// A case from triage to a dismissed appeal, through the pages only, each step by the role
// the rules give it: case officer, investigator, disputes panel, hearing panel, respondent,
// appeal panel. Run twice: with the mouse, and with the keyboard alone.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { accessible, signIn, useDemo } from './lib.mjs';

let server;
let browser;
useDemo(before, after, (s, b) => {
  server = s;
  browser = b;
});

/** The banner's accounts of one group, in order (`panel pool:` → usernames). */
function group(name) {
  const lines = server.output().split('\n');
  const start = lines.findIndex((l) => l.trim() === `${name}:`);
  const out = [];
  for (const l of lines.slice(start + 1)) {
    if (!l.startsWith('    ') || l.includes('…')) break;
    out.push(l.trim().split(/\s+/)[0]);
  }
  return out;
}

function day(offset) {
  const d = new Date(Date.now() + offset * 86_400_000);
  return d.toISOString().slice(0, 10);
}

/** Presses Tab until `locator`'s element has the focus. */
async function tabTo(page, locator) {
  const target = await locator.elementHandle();
  for (let i = 0; i < 600; i++) {
    if (await page.evaluate((el) => document.activeElement === el, target)) return;
    await page.keyboard.press('Tab');
  }
  throw new Error(`could not reach ${locator} with the Tab key`);
}

async function check(page, name) {
  await accessible(page, `journey-${name}`);
}

/** Fills and submits one command form on the case page, by mouse or keyboard. */
async function act(page, command, values, keyboard) {
  const form = page.locator(`#cmd-${command}`);
  assert.equal(await form.count(), 1, `the page offers ${command}`);
  const summary = page.locator(`details:has(#cmd-${command}) > summary`);
  if ((await summary.count()) && !(await form.isVisible())) {
    if (keyboard) {
      await tabTo(page, summary);
      await page.keyboard.press('Enter');
    } else {
      await summary.click();
    }
  }
  for (const [name, value] of Object.entries(values)) {
    const all = form.locator(`[name="${name}"]`);
    const first = all.first();
    const tag = await first.evaluate((el) => el.tagName.toLowerCase() + ':' + (el.type || ''));
    const list = Array.isArray(value) ? value : [value];
    if (tag.startsWith('select')) {
      for (let i = 0; i < list.length; i++) {
        const sel = all.nth(i);
        if (keyboard) {
          await tabTo(page, sel);
          // Type-ahead picks the option whose label starts with the typed text.
          const label = await sel.evaluate((el, v) => [...el.options].find((o) => o.value === v).label, list[i]);
          await page.keyboard.type(label);
        } else {
          await sel.selectOption(list[i]);
        }
        assert.equal(await sel.inputValue(), list[i], `${name} chosen`);
      }
    } else if (tag === 'input:radio' || tag === 'input:checkbox') {
      for (const v of list) {
        const box = form.locator(`[name="${name}"][value="${v}"]`);
        if (keyboard) {
          await tabTo(page, tag === 'input:radio' ? first : box);
          if (tag === 'input:radio' && v === 'no') await page.keyboard.press('ArrowRight');
          else await page.keyboard.press('Space');
        } else {
          await box.check();
        }
        assert.ok(await box.isChecked(), `${name}=${v} ticked`);
      }
    } else if (keyboard) {
      await tabTo(page, first);
      await page.keyboard.type(String(value));
    } else {
      await first.fill(String(value));
    }
  }
  const submit = form.locator('button[type=submit]');
  if (keyboard) {
    await tabTo(page, submit);
    await Promise.all([page.waitForNavigation(), page.keyboard.press('Enter')]);
  } else {
    await Promise.all([page.waitForNavigation(), submit.click()]);
  }
  const done = page.locator('.done');
  if (!(await done.count())) {
    throw new Error(`${command} failed: ${await page.locator('main').textContent()}`);
  }
  await check(page, `${keyboard ? 'kb-' : ''}${command}`);
}

async function as(username, path) {
  const context = await browser.newContext();
  const page = await context.newPage();
  await signIn(page, server, username);
  if (path) await page.goto(`${server.base}${path}`);
  return { context, page };
}

/** A received case whose category needs no independent review, from the officer's queue. */
async function receivedCase(page, taken) {
  await page.goto(`${server.base}/home?stage=received&open=on`);
  const rows = page.locator('tbody tr');
  for (let i = 0; i < (await rows.count()); i++) {
    const cells = await rows.nth(i).locator('td').allTextContents();
    if (!['antisemitism', 'other_racism', 'sexual_harassment'].includes(cells[2].trim()) && !taken.includes(cells[0].trim())) {
      return cells[0].trim();
    }
  }
  throw new Error('no received case in the demo');
}

const taken = [];

async function journey(keyboard, people) {
  const { officer, investigator, disputes, hearing, appeal } = people;
  const o = await as(officer);
  await check(o.page, `${keyboard ? 'kb-' : ''}home`);
  const ref = await receivedCase(o.page, taken);
  taken.push(ref);
  const path = `/cases/${ref}`;
  await o.page.goto(`${server.base}${path}`);
  await check(o.page, `${keyboard ? 'kb-' : ''}case-received`);
  const respondent = (await o.page.locator('dt:text-is("Respondent") + dd').textContent()).trim();
  const [, name, member] = respondent.match(/^(.*) \(member (\S+)\)/);

  await act(o.page, 'acknowledge', {}, keyboard);
  await act(o.page, 'assess', { assessment: 'Within scope: conduct at a branch meeting, witnesses named.' }, keyboard);
  await act(o.page, 'open_investigation', { investigator: `investigator.${investigator}`, terms: 'Establish what was said at the meeting.' }, keyboard);

  const i = await as(`investigator.${investigator}`, path);
  await act(i.page, 'submit_draft_report', { summary: 'Three witnesses confirm the remarks.' }, keyboard);
  await act(i.page, 'start_accuracy_check', {}, keyboard);

  const d = await as(`disputes.${disputes}`, path);
  await act(d.page, 'impose_suspension', {
    scope: ['attend_meetings', 'vote'],
    reasons: 'Risk of repetition at meetings while the case is heard.',
    review_date: day(30),
  }, keyboard);
  assert.match(await d.page.locator('section[aria-labelledby=measures] table').textContent(), new RegExp(day(30)));
  await act(d.page, 'charge', {
    'charges.0.clause': '2.1.8',
    'charges.0.particulars': 'Made remarks at the branch meeting prejudicial to the Party.',
    'charges.0.evidence': 'Witness statement A\nWitness statement B',
  }, keyboard);
  assert.match(await d.page.locator('section[aria-labelledby=charges]').textContent(), /clause 2\.1\.8/);

  await o.page.reload();
  await act(o.page, 'schedule_hearing', {
    panel: hearing.map((p) => `panel.${p}`),
    date: day(0),
    venue: 'Regional office, room 2',
  }, keyboard);

  // The panel works from the hearing bundle, which carries the decision form.
  const p = await as(`panel.${hearing[0]}`, `${path}/bundle`);
  await check(p.page, `${keyboard ? 'kb-' : ''}bundle`);
  assert.match(await p.page.locator('section[aria-labelledby=charges]').textContent(), /clause 2\.1\.8[\s\S]*Witness statement A/);
  await act(p.page, 'record_decision', {
    'findings.0.proven': 'yes',
    'findings.0.reasons': 'The witnesses agree and the respondent accepted saying it.',
    'sanction.code': 'expulsion',
    'sanction.reapply_from': day(5 * 366),
    'sanction.aggravating': 'Repeated after a warning',
    'sanction.mitigating': 'Apologised at the hearing',
  }, keyboard);
  assert.match(await p.page.locator('section[aria-labelledby=hearing]').textContent(), /Proven[\s\S]*Expulsion/);

  await o.page.reload();
  await act(o.page, 'notify_outcome', {}, keyboard);

  // The respondent gets a portal account and lodges the appeal themselves.
  const username = `resp.${member.toLowerCase()}`;
  const made = spawnSync(server.bin, ['users', 'add', '--data', server.data, username, '--person', `member.${member.toLowerCase()}`,
    '--name', name, '--role', 'respondent', '--member', member, '--password-stdin'], { input: `demo-password-${username}\n` });
  assert.equal(made.status, 0, String(made.stderr));
  const r = await browser.newContext();
  const rp = await r.newPage();
  await rp.goto(`${server.base}/login`);
  await rp.fill('#username', username);
  await rp.fill('#password', `demo-password-${username}`);
  await Promise.all([rp.waitForNavigation(), rp.click('button[type=submit]')]);
  await rp.goto(`${server.base}/portal/case/${ref}`);
  await check(rp, `${keyboard ? 'kb-' : ''}respondent-outcome`);
  assert.match(await rp.locator('main').textContent(), /Expulsion/);
  assert.match(await rp.locator('section[aria-labelledby=notices]').textContent(), /Charge sheet.*Outcome letter/s);
  await rp.fill('#grounds', 'The panel did not hear my witness.');
  await Promise.all([rp.waitForNavigation(), rp.click('form[action$="/appeal"] button[type=submit]')]);
  await rp.goto(`${server.base}/portal/case/${ref}`);
  assert.match(await rp.locator('main').textContent(), /You lodged an appeal/);

  await o.page.goto(`${server.base}${path}`);
  await act(o.page, 'convene_appeal_panel', { panel: appeal.map((x) => `panel.${x}`) }, keyboard);
  const a = await as(`panel.${appeal[0]}`, `${path}/bundle`);
  await act(a.page, 'decide_appeal', { upheld: 'no', reasons: 'The witness was heard; the finding stands.' }, keyboard);
  assert.match(await a.page.locator('section[aria-labelledby=hearing]').textContent(), /Dismissed/);

  await o.page.reload();
  const stage = (await o.page.locator('dt:text-is("Stage") + dd').textContent()).trim();
  assert.match(stage, /final|sanction live/);
  // The timeline shows every step, with reasons, and the views of the case.
  const timeline = await o.page.locator('section[aria-labelledby=timeline]').textContent();
  for (const kind of ['complaint received', 'investigation opened', 'measure imposed', 'charged', 'decision recorded', 'appeal decided', 'case viewed']) {
    assert.match(timeline, new RegExp(kind), `timeline shows ${kind}`);
  }
  // Each step's notices are on the case, readable as HTML and PDF.
  const notices = await o.page.locator('section[aria-labelledby=notices]').textContent();
  for (const kind of ['Acknowledgement', 'Notice of investigation', 'Interim measure notice', 'Charge sheet', 'Hearing notice', 'Outcome letter', 'Appeal outcome']) {
    assert.match(notices, new RegExp(kind), `the notices list ${kind}`);
  }
  if (!keyboard) {
    const row = o.page.locator('section[aria-labelledby=notices] tr', { hasText: 'Charge sheet' });
    await Promise.all([o.page.waitForNavigation(), row.getByRole('link', { name: /^HTML/ }).click()]);
    assert.equal(await o.page.title(), `Charge sheet ${ref}`);
    assert.match(await o.page.locator('body').textContent(), /You are charged under the rules/);
    await check(o.page, 'notice-charge-sheet');
    await o.page.goBack();
  }
  await o.page.click('text=Audit trail: verify');
  await check(o.page, `${keyboard ? 'kb-' : ''}verify`);
  assert.match(await o.page.locator('main').textContent(), /entries proved to be in the signed log/);
  for (const c of [o, i, d, p, a]) await c.context.close();
  await r.close();
}

test('a case officer takes a complaint to an expulsion and a dismissed appeal, with the mouse', async () => {
  const pool = group('panel pool');
  await journey(false, {
    officer: 'officer.amara-osei',
    investigator: 'eilidh-ward',
    disputes: 'jack-evans',
    hearing: pool.slice(0, 3).map((u) => u.replace('panel.', '')),
    appeal: pool.slice(3, 6).map((u) => u.replace('panel.', '')),
  });
});

test('the same journey with the keyboard alone', async () => {
  const pool = group('panel pool');
  await journey(true, {
    officer: 'officer.ben-price',
    investigator: 'farah-gill',
    disputes: 'leah-okafor',
    hearing: pool.slice(3, 6).map((u) => u.replace('panel.', '')),
    appeal: pool.slice(0, 3).map((u) => u.replace('panel.', '')),
  });
});
