// End-to-end: the web app in Chromium against the real host and PostgreSQL (ops/test.sh).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { base, call, checkA11y, cuttableRelay, demoReady, desktop, launch, menuOf, phone, screenshot, shownDate, shownPeriod, signInAs, tenantToday } from './harness.mjs';

let browser;
before(async () => {
  await demoReady();
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

/**
 * Waits until the page itself can (or cannot) reach the server: Chromium applies `setOffline` to a document
 * loaded after it asynchronously.
 */
async function networkIs(page, online) {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const reached = await page.evaluate(() => fetch('/health/live', { cache: 'no-store' }).then(() => true, () => false));
    if (reached === online) return;
    if (Date.now() > deadline) throw new Error(`the page was still ${online ? 'offline' : 'online'} after 10 s`);
    await page.waitForTimeout(100);
  }
}

async function open(options = desktop) {
  const context = await browser.newContext({ ...options, acceptDownloads: true });
  const page = await context.newPage();
  return { context, page };
}

const uid = () => Math.random().toString(36).slice(2, 8).toUpperCase();

/**
 * A tenant of its own whose first weekly cycle ended two weeks ago: settings, one agency with a Routine bill rate, one
 * PT therapist placed with it. Returns the tenant, a function giving the cycle's days (0 is its Monday), and both records.
 */
async function tenantWithEndedCycle(agencyName, therapistName) {
  const tenant = `e2e-${uid().toLowerCase()}`;
  const monday = new Date(`${tenantToday()}T12:00:00Z`);
  monday.setUTCDate(monday.getUTCDate() - ((monday.getUTCDay() + 6) % 7) - 14);
  const day = (d) => { const x = new Date(monday); x.setUTCDate(x.getUTCDate() + d); return x.toISOString().slice(0, 10); };
  await call(tenant, 'owner', 'PUT', '/api/settings', {
    billingCycle: { frequency: 'weekly', firstCycleStartsOn: day(0) }, requireSignedNote: true, timeZone: 'America/New_York',
  });
  const slug = agencyName.split(' ')[0].toLowerCase();
  const agency = await call(tenant, 'billing', 'POST', '/api/agencies', { name: agencyName, billingEmail: `ap@${slug}.example` });
  await call(tenant, 'billing', 'PUT', `/api/agencies/${agency.id}/bill-rates`, { effectiveFrom: day(0), rates: [{ discipline: 'PT', visitType: 'Routine', amount: 120 }] });
  const therapist = await call(tenant, 'payroll', 'POST', '/api/contractors', {
    legalName: therapistName, email: `${therapistName.split(' ')[0].toLowerCase()}@therapists.example`, disciplines: ['PT'] });
  await call(tenant, 'payroll', 'POST', `/api/contractors/${therapist.id}/agencies/${agency.id}`);
  return { tenant, day, agency, therapist };
}

const expectedMenus = {
  owner: ['Dashboard', 'Visits', 'Cycles', 'Pay runs', 'Contractors', 'Agencies', 'Compliance', '1099-NEC'],
  billing: ['Dashboard', 'Visits', 'Cycles', 'Agencies'],
  payroll: ['Dashboard', 'Cycles', 'Pay runs', 'Contractors'],
  contractor: ['Log visit', 'Visits', 'Pay stubs', 'Payments'],
  agency: ['Invoices'],
  compliance: ['Compliance'],
  accountant: ['1099-NEC'],
};

describe('the host serves the app', () => {
  test('at / and at the app\'s own paths, never in place of the API', async () => {
    for (const path of ['/', '/cycles', '/my/visits', '/invoices/0c0ffee0-0000-0000-0000-000000000000']) {
      const r = await fetch(`${base}${path}`);
      assert.equal(r.status, 200, path);
      assert.match(await r.text(), /<div id="root">/, path);
    }
    for (const path of ['/api/nothing-here', '/dev/nothing-here', '/health/nothing']) {
      const r = await fetch(`${base}${path}`);
      assert.equal(r.status, 404, path);
      assert.doesNotMatch(await r.text(), /<div id="root">/, path);
    }
    assert.equal((await fetch(`${base}/cycles`, { method: 'POST' })).status, 404);
    const asset = (await (await fetch(`${base}/`)).text()).match(/src="(\/assets\/[^"]+\.js)"/)[1];
    const js = await fetch(`${base}${asset}`);
    assert.match(js.headers.get('content-type'), /javascript/);
    assert.match(js.headers.get('cache-control'), /immutable/);
  });
});

describe('the favicon', () => {
  test('is served at /favicon.ico (where browsers and tools look without being told) and as SVG, named in the page', async () => {
    for (const [path, type] of [['/favicon.ico', /^image\/(x-icon|vnd\.microsoft\.icon)/], ['/favicon.svg', /^image\/svg\+xml/]]) {
      const r = await fetch(`${base}${path}`);
      assert.equal(r.status, 200, path);
      assert.match(r.headers.get('content-type'), type, path);
      assert.ok((await r.arrayBuffer()).byteLength > 100, path);
    }
    const { context, page } = await open();
    await page.goto(`${base}/`);
    const icons = await page.locator('link[rel="icon"]').evaluateAll((links) => links.map((l) => l.href));
    assert.deepEqual(icons, [`${base}/favicon.ico`, `${base}/favicon.svg`]);
    await context.close();
  });
});

describe('signing in', () => {
  test('the sign-in page offers every demo role and is accessible', async () => {
    const { context, page } = await open();
    await page.goto(`${base}/`);
    for (const name of ['Owner', 'Billing', 'Payroll', 'Compliance', 'Accountant', 'Therapist', 'Agency portal'])
      await page.getByRole('button', { name, exact: true }).waitFor();
    await page.getByLabel('Therapist to enter as').locator('option', { hasText: 'Dana Kim' }).waitFor({ state: 'attached' });
    await checkA11y(page, 'sign-in');
    await screenshot(page, 'sign-in');
    await context.close();
  });

  for (const [role, menu] of Object.entries(expectedMenus)) {
    test(`${role} signs in and sees only the ${role} menu`, async () => {
      const { context, page } = await open(role === 'contractor' ? phone : desktop);
      await signInAs(page, role);
      assert.deepEqual(await menuOf(page), menu);
      await context.close();
    });
  }

  test('an API error is shown in words: a tenant name the API refuses', async () => {
    const { context, page } = await open();
    await page.goto(`${base}/`);
    await page.getByLabel('Tenant').fill('no spaces allowed');
    await page.getByRole('button', { name: 'Owner', exact: true }).click();
    const alert = page.getByRole('alert').first();
    await alert.waitFor();
    assert.match(await alert.innerText(), /tenant/i);
    await context.close();
  });
});

describe('a role never sees another role\'s screens or data', () => {
  test('a therapist sent to the office screens lands on its own', async () => {
    const { context, page } = await open(phone);
    await signInAs(page, 'contractor', { who: 'Sam Ortiz' });
    for (const path of ['/cycles', '/dashboard', '/audit', '/tax', '/invoices']) {
      await page.goto(`${base}${path}`);
      await page.getByRole('heading', { name: 'Log a visit' }).waitFor();
      assert.equal(new URL(page.url()).pathname, '/log');
    }
    // My visits are Sam's only: every visit listed is one of Sam's in the API.
    await page.getByRole('link', { name: 'Visits', exact: true }).click();
    await page.getByRole('list', { name: 'Visits' }).waitFor();
    const shown = await page.getByRole('list', { name: 'Visits' }).getByRole('listitem').count();
    const contractors = await call('demo', 'owner', 'GET', '/api/contractors?pageSize=50');
    const sam = contractors.items.find((c) => c.legalName === 'Sam Ortiz');
    const samsVisits = await call('demo', 'owner', 'GET', `/api/visits?contractorId=${sam.id}&pageSize=100`);
    assert.equal(shown, Math.min(100, samsVisits.items.length));
    await context.close();
  });

  test('an agency sees its own invoices and no other agency\'s', async () => {
    const { context, page } = await open();
    await signInAs(page, 'agency', { who: 'Lakeside Home Health' });
    await page.getByRole('table').waitFor();
    const numbers = (await page.getByRole('table').locator('tbody tr td:first-child').allTextContents()).sort();
    const agencies = await call('demo', 'owner', 'GET', '/api/agencies?pageSize=50');
    const lakeside = agencies.items.find((a) => a.name === 'Lakeside Home Health');
    const theirs = await call('demo', 'owner', 'GET', `/api/invoices?agencyId=${lakeside.id}&pageSize=500`);
    assert.ok(numbers.length > 0);
    assert.deepEqual(numbers, theirs.items.map((i) => i.number).sort());
    for (const path of ['/cycles', '/audit', '/tax', '/log']) {
      await page.goto(`${base}${path}`);
      await page.getByRole('heading', { name: 'Invoices' }).waitFor();
    }
    await context.close();
  });
});

describe('the therapist on a phone', () => {
  async function fillVisit(page, name, mrn) {
    await page.getByLabel('Patient name').fill(name);
    await page.getByLabel('MRN').fill(mrn);
    await page.getByLabel('Miles').fill('7.5');
  }

  async function visitsWithMrn(mrn) {
    const contractors = await call('demo', 'owner', 'GET', '/api/contractors?pageSize=50');
    const dana = contractors.items.find((c) => c.legalName === 'Dana Kim');
    const visits = await call('demo', 'owner', 'GET', `/api/visits?contractorId=${dana.id}&pageSize=500`);
    return visits.items.filter((v) => v.patient?.mrn === mrn);
  }

  test('logs a visit in a few taps: agency and discipline from the record, today by default', async () => {
    const { context, page } = await open(phone);
    await signInAs(page, 'contractor', { who: 'Dana Kim' });
    await page.getByRole('heading', { name: 'Log a visit' }).waitFor();
    const dateValue = await page.getByLabel('Date').inputValue();
    assert.equal(dateValue, tenantToday());
    assert.ok((await page.getByLabel('Agency').locator('option').count()) === 3);
    await checkA11y(page, 'log a visit');
    await screenshot(page, 'therapist-log-visit');

    const mrn = `E2E-${uid()}`;
    await fillVisit(page, 'Ada Lovelace', mrn);
    await page.getByRole('radio', { name: 'Evaluation', exact: true }).check({ force: true });
    // Every visit type is offered, in words; the note is the therapist's to say signed, visit by visit.
    assert.equal(await page.getByRole('radio').count(), 9 + (await page.getByRole('group', { name: 'Discipline' }).getByRole('radio').count()));
    await page.getByRole('radio', { name: 'Start of care' }).waitFor();
    const signed = page.getByRole('checkbox', { name: 'I have signed the note for this visit' });
    assert.equal(await signed.isChecked(), false);
    await signed.check();
    await page.getByRole('button', { name: 'Log visit' }).click();
    await page.getByRole('status').filter({ hasText: 'Visit logged' }).waitFor();
    assert.equal(await signed.isChecked(), false); // the next visit starts unsigned again
    const visits = await visitsWithMrn(mrn);
    assert.equal(visits.length, 1);
    assert.equal(visits[0].visitType, 'Evaluation');
    assert.equal(visits[0].noteSigned, true);
    assert.equal(visits[0].miles, 7.5);
    await context.close();
  });

  test('shows the field errors next to the fields', async () => {
    const { context, page } = await open(phone);
    await signInAs(page, 'contractor', { who: 'Dana Kim' });
    await page.getByRole('button', { name: 'Log visit' }).click(); // no patient
    await page.getByRole('alert').first().waitFor();
    const nameError = page.locator('#' + (await page.getByLabel('Patient name').getAttribute('aria-describedby')).replace(/:/g, '\\:'));
    // Said in words, not in the API's field names ('patient.name' is required.).
    assert.equal(await nameError.innerText(), 'Patient name is required.');
    assert.doesNotMatch(await page.locator('.problem').first().innerText(), /'[a-z]+\.[a-z]+'/);
    // The summary above the form lists each message once (the problem's detail repeats them all: not shown).
    const summary = await page.locator('.problem').first().innerText();
    assert.equal(summary.split(await nameError.innerText()).length - 1, 1, summary);
    await checkA11y(page, 'log a visit with errors');
    await screenshot(page, 'therapist-field-errors');
    await context.close();
  });

  test('miles typed with a decimal comma are kept, and miles that are not a number are said next to the field', async () => {
    const { context, page } = await open(phone);
    await signInAs(page, 'contractor', { who: 'Dana Kim' });
    await page.getByLabel('Patient name').waitFor();
    const mrn = `E2E-${uid()}`;
    await page.getByLabel('Patient name').fill('Mae Jemison');
    await page.getByLabel('MRN').fill(mrn);
    await page.getByLabel('Miles').fill('twelve');
    await page.getByRole('button', { name: 'Log visit' }).click();
    const milesError = page.locator('#' + (await page.getByLabel('Miles').getAttribute('aria-describedby')).replace(/:/g, '\\:'));
    assert.match(await milesError.innerText(), /number/i);
    assert.equal((await visitsWithMrn(mrn)).length, 0);
    await page.getByLabel('Miles').fill('12,5');
    await page.getByRole('button', { name: 'Log visit' }).click();
    await page.getByRole('status').filter({ hasText: 'Visit logged' }).waitFor();
    const visits = await visitsWithMrn(mrn);
    assert.equal(visits.length, 1);
    assert.equal(visits[0].miles, 12.5);
    await context.close();
  });

  test('a probable duplicate is a question: logged as a separate visit with the reason the therapist gives', async () => {
    const { context, page } = await open(phone);
    await signInAs(page, 'contractor', { who: 'Dana Kim' });
    await page.getByLabel('Patient name').waitFor();
    const mrn = `E2E-${uid()}`;
    for (let i = 0; i < 2; i++) {
      await page.getByLabel('Patient name').fill('Ruth Bader');
      await page.getByLabel('MRN').fill(mrn);
      await page.getByRole('button', { name: 'Log visit' }).click();
      if (i === 0) await page.getByRole('status').filter({ hasText: 'Visit logged' }).waitFor();
    }
    const question = page.getByRole('group', { name: 'A visit like this is already logged' });
    await question.waitFor();
    assert.doesNotMatch(await page.locator('main').innerText(), /allowDuplicate/); // no API field names
    await checkA11y(page, 'probable duplicate');
    await question.getByLabel('Why is it a separate visit?').fill('Second visit the same day: wound care in the evening');
    await question.getByRole('button', { name: 'Log as a separate visit' }).click();
    await page.getByRole('status').filter({ hasText: 'Visit logged' }).waitFor();
    const visits = await visitsWithMrn(mrn);
    assert.equal(visits.length, 2);
    assert.equal(visits.filter((v) => v.duplicateReason?.includes('wound care')).length, 1);
    await context.close();
  });

  test('with the network cut the visit waits on the phone and is sent once when it is back', async () => {
    const { context, page } = await open(phone);
    await signInAs(page, 'contractor', { who: 'Dana Kim' });
    await page.getByLabel('Patient name').waitFor(); // the form, with the therapist's agencies loaded
    const mrn = `E2E-${uid()}`;
    await context.setOffline(true);
    await fillVisit(page, 'Grace Hopper', mrn);
    await page.getByRole('button', { name: 'Log visit' }).click();
    await page.getByRole('status').filter({ hasText: 'saved on this phone' }).waitFor();
    await page.getByRole('heading', { name: 'On this phone, not sent yet' }).waitFor();
    await screenshot(page, 'therapist-offline');
    assert.equal((await visitsWithMrn(mrn)).length, 0);

    await context.setOffline(false); // the 'online' event sends the outbox
    await page.getByRole('heading', { name: 'On this phone, not sent yet' }).waitFor({ state: 'detached' });
    assert.equal((await visitsWithMrn(mrn)).length, 1);
    await context.close();
  });

  test('the app opens with no network after a reload, and a visit logged then is sent once the network is back', async () => {
    // The network is cut twice over: offline emulation (the page's online/offline events and its own requests)
    // and a relay between the browser and the host that refuses every connection (emulation alone leaked).
    const relay = await cuttableRelay();
    const { context, page } = await open(phone);
    try {
      await signInAs(page, 'contractor', { who: 'Dana Kim', origin: relay.origin });
      await page.getByLabel('Patient name').waitFor();
      await page.evaluate(() =>
        Promise.race([
          navigator.serviceWorker.ready,
          new Promise((_, reject) => setTimeout(() => reject(new Error('no service worker took control within 10 s')), 10_000)),
        ]),
      );
      relay.cut(true);
      await context.setOffline(true);
      await page.reload();
      await page.getByLabel('Patient name').waitFor(); // shell from the service worker, agencies from the phone
      const mrn = `E2E-${uid()}`;
      await fillVisit(page, 'Katherine Johnson', mrn);
      await page.getByRole('button', { name: 'Log visit' }).click();
      await page.getByRole('status').filter({ hasText: 'saved on this phone' }).waitFor();
      await page.reload(); // still offline: the outbox is still there
      await page.getByRole('heading', { name: 'On this phone, not sent yet' }).waitFor();
      assert.equal((await visitsWithMrn(mrn)).length, 0);
      relay.cut(false);
      await context.setOffline(false);
      await networkIs(page, true);
      await page.getByRole('heading', { name: 'On this phone, not sent yet' }).waitFor({ state: 'detached' });
      assert.equal((await visitsWithMrn(mrn)).length, 1);
    } finally {
      await context.close();
      relay.close();
    }
  });

  test('when the answer is lost after the server saved the visit, the resend carries the same key: one visit, not two', async () => {
    const { context, page } = await open(phone);
    await signInAs(page, 'contractor', { who: 'Dana Kim' });
    await page.getByLabel('Patient name').waitFor();
    const keys = [];
    // The request reaches the server (which logs the visit), then the phone loses the answer.
    await page.route('**/api/visits', async (route) => {
      keys.push(route.request().headers()['idempotency-key']);
      await route.fetch();
      await route.abort('internetdisconnected');
    });
    const mrn = `E2E-${uid()}`;
    await fillVisit(page, 'Alan Turing', mrn);
    await page.getByRole('button', { name: 'Log visit' }).click();
    await page.getByRole('status').filter({ hasText: 'saved on this phone' }).waitFor();
    assert.equal((await visitsWithMrn(mrn)).length, 1);

    await page.unroute('**/api/visits');
    const resent = page.waitForRequest((r) => r.url().endsWith('/api/visits') && r.method() === 'POST');
    await page.getByRole('button', { name: 'Send now' }).click();
    const request = await resent;
    const response = await request.response();
    assert.equal(request.headers()['idempotency-key'], keys[0]);
    assert.equal(response.headers()['idempotent-replayed'], 'true');
    await page.getByRole('heading', { name: 'On this phone, not sent yet' }).waitFor({ state: 'detached' });
    assert.equal((await visitsWithMrn(mrn)).length, 1);
    await context.close();
  });

  test('my visits, my pay stubs and my payments', async () => {
    const { context, page } = await open(phone);
    await signInAs(page, 'contractor', { who: 'Dana Kim' });
    // Every control of the frame can be tapped: 44 px high at least.
    for (const control of [...(await page.getByRole('navigation').getByRole('link').all()), page.getByRole('button', { name: 'Sign out' })]) {
      const box = await control.boundingBox();
      assert.ok(box.height >= 44, `${await control.innerText()} is ${box.height} px high`);
    }
    for (const [link, heading, shot] of [
      ['Visits', 'My visits', 'therapist-my-visits'],
      ['Pay stubs', 'My pay stubs', 'therapist-pay-stubs'],
      ['Payments', 'My payments', 'therapist-payments'],
    ]) {
      await page.getByRole('link', { name: link, exact: true }).click();
      await page.getByRole('heading', { name: heading }).waitFor();
      await page.getByRole('list', { name: heading.replace('My ', '').replace(/^./, (c) => c.toUpperCase()) }).waitFor();
      await checkA11y(page, heading);
      await screenshot(page, shot);
    }
    // The notes to sign come first, counted above the list (the demo leaves some of Dana's unsigned).
    await page.getByRole('link', { name: 'Visits', exact: true }).click();
    await page.getByText(/\d+ notes? to sign, listed first: the office may hold a visit back from billing and pay until its note is signed\./).waitFor();
    assert.match(await page.getByRole('list', { name: 'Visits' }).getByRole('listitem').first().innerText(), /note unsigned[\s\S]*Sign note/);
    await page.getByRole('link', { name: 'Payments', exact: true }).click();
    await page.getByRole('heading', { name: 'My payments' }).waitFor();
    // A payment the office holds is said in the therapist's terms, not in the host's settings.
    const mine = await page.getByRole('list', { name: 'Payments' }).innerText();
    assert.doesNotMatch(mine, /Stripe:ApiKey|configure/i);
    assert.match(mine, /The office is arranging this payment\./);
    await context.close();
  });
});

describe('the office', () => {
  test('the dashboard shows visits arriving live and the current cycle', async () => {
    const { context, page } = await open();
    await signInAs(page, 'billing');
    await page.getByRole('heading', { name: 'Dashboard' }).waitFor();
    await page.getByText('live', { exact: true }).waitFor();
    await page.getByText('To bill').waitFor();

    const contractors = await call('demo', 'owner', 'GET', '/api/contractors?pageSize=50');
    const alex = contractors.items.find((c) => c.legalName === 'Alex Park');
    const today = tenantToday();
    await call('demo', 'contractor', 'POST', '/api/visits', {
      contractorId: alex.id, agencyId: alex.agencyIds[0], patient: { name: 'Live Feed', mrn: `E2E-${uid()}` },
      visitDate: today, discipline: 'PT', visitType: 'Routine', noteSigned: true,
    }, { contractorId: alex.id });
    await page.getByRole('list', { name: 'Visits logged since this page opened' }).getByText('Alex Park').waitFor();
    // Dates as every screen writes them, the server's words about the cycle included ("… last day (Dec 20, 2026) …").
    assert.doesNotMatch(await page.locator('main').innerText(), /\b\d{4}-\d{2}-\d{2}\b/);
    await checkA11y(page, 'dashboard');
    await screenshot(page, 'office-dashboard');
    await context.close();
  });

  test('the owner sees billed and therapist pay per cycle and the margin per agency, discipline and therapist', async () => {
    const { context, page } = await open();
    await signInAs(page, 'owner');
    await page.getByRole('heading', { name: 'Billed, therapist pay and margin' }).waitFor();
    const perCycle = page.getByRole('img', { name: /^Billed and therapist pay per cycle\./ });
    await perCycle.waitFor();
    assert.match(await perCycle.getAttribute('aria-label'), /Billed \$[\d,]+\.\d\d, Therapist pay \$[\d,]+\.\d\d/);
    for (const by of ['agency', 'discipline', 'therapist']) {
      await page.getByRole('radio', { name: by }).check({ force: true });
      const margin = page.getByRole('img', { name: new RegExp(`^Margin per ${by}\\.`) });
      await margin.waitFor();
      if (by === 'agency') assert.match(await margin.getAttribute('aria-label'), /Sunrise HH: Margin \$/);
      if (by === 'therapist') assert.match(await margin.getAttribute('aria-label'), /Dana Kim: Margin \$/);
    }
    await page.getByRole('radio', { name: 'agency' }).check({ force: true });
    await checkA11y(page, 'owner dashboard');
    await screenshot(page, 'owner-dashboard');
    // Billing and payroll each read only half of it (invoices or pay stubs): no margin charts for them.
    await page.getByRole('button', { name: 'Sign out' }).click();
    await signInAs(page, 'billing');
    await page.getByText('To bill').waitFor();
    assert.equal(await page.getByRole('heading', { name: 'Billed, therapist pay and margin' }).count(), 0);
    await context.close();
  });

  test('billing closes a cycle and sees its invoices; the owner sees its pay stubs', async () => {
    // A tenant of its own whose first weekly cycle is over, with one signed visit in it.
    const { tenant, day, agency, therapist } = await tenantWithEndedCycle('Harbor Home Health', 'Jordan Lee');
    await call(tenant, 'payroll', 'PUT', `/api/contractors/${therapist.id}/pay-rates`, { effectiveFrom: day(0), rates: [{ discipline: 'PT', visitType: 'Routine', amount: 80 }] });
    await call(tenant, 'billing', 'POST', '/api/visits', {
      contractorId: therapist.id, agencyId: agency.id, patient: { name: 'Mary Shelley', mrn: 'HB-1' }, visitDate: day(2),
      discipline: 'PT', visitType: 'Routine', noteSigned: true,
    });

    const { context, page } = await open();
    await signInAs(page, 'billing', { tenant });
    await page.getByRole('link', { name: 'Cycles' }).click();
    await page.getByRole('link', { name: shownPeriod(day(0), day(6)) }).click();
    await page.getByRole('heading', { name: 'If it closed now' }).waitFor();
    await checkA11y(page, 'cycle preview');
    await screenshot(page, 'office-cycle-preview');
    await page.getByRole('button', { name: 'Close cycle' }).click();
    await page.getByRole('button', { name: 'Close and issue invoices' }).click();
    const invoices = page.getByRole('table', { name: 'Invoices of this cycle' });
    await invoices.getByText('Harbor Home Health').waitFor();
    assert.match(await invoices.innerText(), /\$120\.00/);
    await checkA11y(page, 'closed cycle');
    // The invoice opens from its cycle: its lines as issued, its PDF, and the way back.
    const number = (await invoices.getByRole('link').first().innerText()).trim();
    await invoices.getByRole('link', { name: number }).click();
    await page.getByRole('heading', { name: `Invoice ${number}` }).waitFor();
    // Each line with its rate, as the agency's payables staff check it against the contract (domain.md: invoices).
    assert.match(await page.getByRole('table', { name: `Lines of invoice ${number}` }).innerText(),
      /Rate\s+Amount[\s\S]*Mary Shelley[\s\S]*HB-1[\s\S]*Jordan Lee\s+PT Routine\s+\$120\.00\s+\$120\.00/);
    await page.getByRole('button', { name: 'Download PDF' }).waitFor();
    await checkA11y(page, 'invoice from its cycle');
    await screenshot(page, 'office-invoice');
    await page.getByRole('link', { name: `Back to the cycle ${shownPeriod(day(0), day(6))}` }).click();
    await invoices.waitFor();
    await page.getByRole('button', { name: 'Sign out' }).click();

    await signInAs(page, 'owner', { tenant });
    await page.goto(`${base}/cycles`);
    // When it closed: an instant, written as every screen writes one ("Mar 9, 2026, 3:04 PM EDT").
    const closedRow = page.getByRole('row').filter({ has: page.getByRole('link', { name: shownPeriod(day(0), day(6)) }) });
    assert.match(await closedRow.innerText(), /closed\s+[A-Z][a-z]{2} \d{1,2}, \d{4}, \d{1,2}:\d{2}\s[AP]M E[SD]T/);
    await page.getByRole('link', { name: shownPeriod(day(0), day(6)) }).click();
    const stubs = page.getByRole('table', { name: 'Pay stubs of this cycle' });
    await stubs.getByText('Jordan Lee').waitFor({ timeout: 20_000 }).catch(async () => {
      await page.reload(); // pay stubs are issued by a message the close sent: moments later
      await stubs.getByText('Jordan Lee').waitFor();
    });
    assert.match(await stubs.innerText(), /\$80\.00/);
    await screenshot(page, 'office-closed-cycle');
    // The pay stub opens from its cycle too: per visit (the patient by initials only) and its total.
    await stubs.getByRole('link', { name: 'Jordan Lee' }).click();
    await page.getByRole('heading', { name: 'Pay stub of Jordan Lee' }).waitFor();
    const stubLines = await page.getByRole('table', { name: 'Lines of the pay stub of Jordan Lee' }).innerText();
    assert.match(stubLines, /Harbor Home Health\s+M\.S\.\s+PT Routine\s+\$80\.00[\s\S]*\$80\.00/);
    assert.doesNotMatch(stubLines, /Mary Shelley/);
    await checkA11y(page, 'pay stub from its cycle');
    await screenshot(page, 'office-pay-stub');

    // The pay run: approved, the payment is held (no W-9, no payout account) and says why; a check pays it by hand, on it.
    await page.getByRole('link', { name: 'Pay runs' }).click();
    await page.getByRole('button', { name: `Approve the pay run of ${shownDate(day(0))}` }).click();
    // Money goes out: the run is shown with its total first, and approved on a second click.
    const confirmRun = page.getByRole('group', { name: 'Confirm the pay run' });
    assert.match(await confirmRun.innerText(), /1 pay stub, \$80\.00 in all/);
    await confirmRun.getByRole('button', { name: 'Approve and pay' }).click();
    await page.getByRole('status').filter({ hasText: 'approved' }).waitFor();
    const held = page.getByRole('table', { name: 'Payments waiting, with the reason' });
    await held.getByRole('cell', { name: 'Jordan Lee', exact: true }).waitFor();
    assert.match(await held.innerText(), /held/);
    // Recorded as a payment of its own, the check would have left the held one to be sent again on a retry.
    await held.getByRole('button', { name: 'Pay by hand the payment to Jordan Lee' }).click();
    const byHand = page.getByRole('form', { name: /Pay Jordan Lee \$80\.00 by hand/ });
    await byHand.getByLabel('Reference').fill('CHK-1001');
    await checkA11y(page, 'pay a held payment by hand');
    await screenshot(page, 'office-pay-runs');
    await byHand.getByRole('button', { name: 'Record as paid' }).click();
    await page.getByRole('status').filter({ hasText: 'Payment of $80.00 to Jordan Lee recorded as paid by Check.' }).waitFor();
    const paidTable = page.getByRole('table', { name: 'Payments requested, sent or recorded' });
    await paidTable.getByText('CHK-1001').waitFor();
    assert.match(await paidTable.innerText(), /Jordan Lee\s+Check\s+CHK-1001\s+\$80\.00\s+sent/);
    await page.getByText('None waiting: every approved payment is paid or on its way.').waitFor();
    // A payment outside a pay run is recorded on its own; its errors are said next to its fields.
    await page.getByLabel('Amount (USD)').fill('12.345');
    await page.getByRole('button', { name: 'Record payment' }).click();
    await page.getByRole('alert').first().waitFor(); // more than 2 decimals: a field error
    assert.match(await page.locator('#' + (await page.getByLabel('Amount (USD)').getAttribute('aria-describedby')).replace(/:/g, '\\:')).innerText(), /amount/i);
    await checkA11y(page, 'pay runs');
    const payments = await call(tenant, 'owner', 'GET', '/api/payments?pageSize=50');
    assert.deepEqual(payments.items.map((p) => [p.status, p.method, p.reference, p.amount]), [['sent', 'check', 'CHK-1001', 80]]);
    await context.close();
  });
});

describe('the office\'s visits', () => {
  test('a close refused for a missing rate closes once the rate is set, not as a replay of the refusal; the therapist signs a note on the phone', async () => {
    // A tenant of its own whose first weekly cycle is over, with one Evaluation visit, its note not signed yet, and no
    // bill rate for Evaluations.
    const { tenant, day, agency, therapist } = await tenantWithEndedCycle('Lakeside Home Health', 'Riley Park');
    await call(tenant, 'payroll', 'PUT', `/api/contractors/${therapist.id}/pay-rates`, { effectiveFrom: day(0), rates: [
      { discipline: 'PT', visitType: 'Routine', amount: 80 }, { discipline: 'PT', visitType: 'Evaluation', amount: 100 }] });
    await call(tenant, 'billing', 'POST', '/api/visits', {
      contractorId: therapist.id, agencyId: agency.id, patient: { name: 'Ida Wells', mrn: 'LK-1' }, visitDate: day(2),
      discipline: 'PT', visitType: 'Evaluation', noteSigned: false,
    });

    // The therapist signs the note from the phone.
    const phoneSession = await open(phone);
    await signInAs(phoneSession.page, 'contractor', { tenant, who: 'Riley Park' });
    await phoneSession.page.getByRole('link', { name: 'Visits', exact: true }).click();
    await phoneSession.page.getByText('note unsigned').waitFor();
    await phoneSession.page.getByRole('button', { name: `Sign note of the visit of ${shownDate(day(2))}` }).click();
    await phoneSession.page.getByText('note unsigned').waitFor({ state: 'detached' });
    await checkA11y(phoneSession.page, 'my visits after signing');
    const visits = await call(tenant, 'owner', 'GET', `/api/visits?contractorId=${therapist.id}`);
    assert.equal(visits.items[0].noteSigned, true);
    await phoneSession.context.close();

    const office = await open();
    const keys = [];
    office.page.on('request', (r) => { if (r.method() === 'POST' && r.url().endsWith('/close')) keys.push(r.headers()['idempotency-key']); });
    await signInAs(office.page, 'billing', { tenant });
    await office.page.getByRole('link', { name: 'Cycles' }).click();
    await office.page.getByRole('link', { name: shownPeriod(day(0), day(6)) }).click();
    await office.page.getByRole('button', { name: 'Close cycle' }).click();
    await office.page.getByRole('button', { name: 'Close and issue invoices' }).click();
    await office.page.getByRole('alert').filter({ hasText: /rate/i }).waitFor();

    // The rate is set; the same button again is a new attempt, which closes the cycle.
    await call(tenant, 'billing', 'PUT', `/api/agencies/${agency.id}/bill-rates`, { effectiveFrom: day(0), rates: [
      { discipline: 'PT', visitType: 'Routine', amount: 120 }, { discipline: 'PT', visitType: 'Evaluation', amount: 150 }] });
    await office.page.getByRole('button', { name: 'Close cycle' }).click();
    await office.page.getByRole('button', { name: 'Close and issue invoices' }).click();
    const invoices = office.page.getByRole('table', { name: 'Invoices of this cycle' });
    await invoices.getByText('Lakeside Home Health').waitFor();
    assert.match(await invoices.innerText(), /\$150\.00/);
    const cycles = await call(tenant, 'owner', 'GET', '/api/cycles');
    assert.equal(cycles.items.find((c) => c.periodStart === day(0)).status, 'closed');
    assert.equal(keys.length, 2);
    assert.notEqual(keys[0], keys[1]);
    await office.context.close();
  });

  test('billing filters the visits and voids one with a reason', async () => {
    const contractors = await call('demo', 'owner', 'GET', '/api/contractors?pageSize=50');
    const riley = contractors.items.find((c) => c.legalName === 'Riley Chen');
    const mrn = `E2E-${uid()}`;
    const visit = await call('demo', 'billing', 'POST', '/api/visits', {
      contractorId: riley.id, agencyId: riley.agencyIds[0], patient: { name: 'Void Me', mrn },
      visitDate: tenantToday(), discipline: 'ST', visitType: 'Routine', miles: 7, noteSigned: true,
    });

    const { context, page } = await open();
    await signInAs(page, 'billing');
    await page.getByRole('link', { name: 'Visits' }).click();
    await page.getByLabel('Therapist').selectOption({ label: 'Riley Chen' });
    await page.getByLabel('Status').selectOption('open');
    await page.getByRole('button', { name: 'Filter' }).click();
    const row = page.getByRole('row').filter({ hasText: mrn });
    await row.waitFor();
    const rows = page.getByRole('table', { name: 'Visits matching the filter' }).locator('tbody tr');
    // The unfiltered list (newest first) may show the new visit too: wait for the filter's answer to replace it.
    await rows.filter({ hasNotText: 'Riley Chen' }).first().waitFor({ state: 'detached' });
    for (const text of await rows.allInnerTexts()) assert.match(text, /Riley Chen[\s\S]*open/);
    // The miles as entered, in a column of their own, written alike (one decimal) whatever was typed.
    const milesAt = (await page.getByRole('table', { name: 'Visits matching the filter' }).locator('thead th').allInnerTexts()).indexOf('Miles');
    assert.ok(milesAt >= 0, 'a Miles column');
    assert.equal(await row.locator('td').nth(milesAt).innerText(), '7.0');
    await checkA11y(page, 'visits');
    await screenshot(page, 'office-visits');

    await row.getByRole('button', { name: /^Correct/ }).click();
    await page.getByLabel('Miles').fill('12,5'); // a decimal comma, as some keyboards type it
    await page.getByLabel('Reason for the correction').fill('Odometer misread');
    await page.getByRole('button', { name: 'Save correction' }).click();
    await page.getByRole('button', { name: 'Save correction' }).waitFor({ state: 'detached' });
    await page.getByRole('status').filter({ hasText: 'is corrected' }).waitFor(); // said, not only closed
    const corrected = await call('demo', 'owner', 'GET', `/api/visits/${visit.id}`);
    assert.equal(corrected.miles, 12.5);
    assert.equal(corrected.visitType, 'Routine'); // untouched fields stay as they were
    assert.equal((await call('demo', 'owner', 'GET', `/api/audit/streams/${visit.id}`)).at(-1).reason, 'Odometer misread');
    await page.getByRole('row').filter({ hasText: mrn }).locator('td').nth(milesAt).filter({ hasText: '12.5' }).waitFor();

    await page.getByRole('row').filter({ hasText: mrn }).getByRole('button', { name: /^Void/ }).click();
    await page.getByRole('button', { name: 'Void visit' }).click(); // no reason
    await page.getByRole('alert').first().waitFor();
    await page.getByLabel('Reason (kept in the visit\'s history)').fill('Logged twice by mistake');
    await page.getByRole('button', { name: 'Void visit' }).click();
    await page.getByRole('button', { name: 'Void visit' }).waitFor({ state: 'detached' });
    await page.getByRole('status').filter({ hasText: 'is voided' }).waitFor();
    await page.getByRole('row').filter({ hasText: mrn }).waitFor({ state: 'detached' }); // no longer open
    const after = await call('demo', 'owner', 'GET', `/api/visits/${visit.id}`);
    assert.equal(after.status, 'voided');
    const history = await call('demo', 'owner', 'GET', `/api/audit/streams/${visit.id}`);
    assert.equal(history.at(-1).reason, 'Logged twice by mistake');
    assert.equal(history.at(-1).role, 'billing');
    await context.close();
  });
});

describe('the office\'s visits: agency and discipline', () => {
  test('billing corrects a visit\'s agency and discipline to another of the therapist\'s placements', async () => {
    const contractors = await call('demo', 'owner', 'GET', '/api/contractors?pageSize=50');
    const alex = contractors.items.find((c) => c.legalName === 'Alex Park');
    const agencies = Object.fromEntries((await call('demo', 'owner', 'GET', '/api/agencies?pageSize=50')).items.map((a) => [a.id, a.name]));
    const mrn = `E2E-${uid()}`;
    const visit = await call('demo', 'billing', 'POST', '/api/visits', {
      contractorId: alex.id, agencyId: alex.agencyIds[0], patient: { name: 'Wrong Place', mrn },
      visitDate: tenantToday(), discipline: 'PT', visitType: 'Routine', noteSigned: true,
    });
    const { context, page } = await open();
    await signInAs(page, 'billing');
    await page.getByRole('link', { name: 'Visits' }).click();
    await page.getByLabel('Therapist').selectOption({ label: 'Alex Park' });
    await page.getByRole('button', { name: 'Filter' }).click();
    await page.getByRole('row').filter({ hasText: mrn }).getByRole('button', { name: /^Correct/ }).click();
    const form = page.getByRole('form', { name: /^Correct the visit/ });
    assert.deepEqual(await form.getByLabel('Agency').locator('option').allTextContents(), alex.agencyIds.map((a) => agencies[a]));
    assert.deepEqual(await form.getByLabel('Discipline').locator('option').allTextContents(), ['PT', 'PTA']);
    assert.equal(await form.getByLabel('Miles').inputValue(), ''); // no miles: an empty box (the API leaves the field out)
    await form.getByLabel('Agency').selectOption({ label: agencies[alex.agencyIds[1]] });
    await form.getByLabel('Discipline').selectOption('PTA');
    await form.getByLabel('Reason for the correction').fill('Seen for the other agency, as the assistant');
    await checkA11y(page, 'visit correction');
    await form.getByRole('button', { name: 'Save correction' }).click();
    await form.waitFor({ state: 'detached' });
    const corrected = await call('demo', 'owner', 'GET', `/api/visits/${visit.id}`);
    assert.equal(corrected.agencyId, alex.agencyIds[1]);
    assert.equal(corrected.discipline, 'PTA');
    assert.equal(corrected.visitType, 'Routine'); // untouched fields stay as they were
    await page.getByRole('row').filter({ hasText: mrn }).filter({ hasText: agencies[alex.agencyIds[1]] }).waitFor();
    await context.close();
  });
});

describe('a visit refused by a rule', () => {
  const guid = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/i;
  const describedBy = async (page, field) => page.locator('#' + (await field.getAttribute('aria-describedby')).replace(/:/g, '\\:'));

  test('in the office: a correction for an agency the therapist is no longer placed with names the agency, next to it', async () => {
    const { tenant, agency, therapist } = await tenantWithEndedCycle('Willow Home Health', 'Casey Moore');
    const mrn = `E2E-${uid()}`;
    await call(tenant, 'billing', 'POST', '/api/visits', {
      contractorId: therapist.id, agencyId: agency.id, patient: { name: 'Nellie Bly', mrn }, visitDate: tenantToday(),
      discipline: 'PT', visitType: 'Routine', noteSigned: true,
    });
    await call(tenant, 'payroll', 'DELETE', `/api/contractors/${therapist.id}/agencies/${agency.id}`);

    const { context, page } = await open();
    await signInAs(page, 'billing', { tenant });
    await page.getByRole('link', { name: 'Visits' }).click();
    await page.getByRole('row').filter({ hasText: mrn }).getByRole('button', { name: /^Correct/ }).click();
    const form = page.getByRole('form', { name: /^Correct the visit/ });
    await form.getByLabel('Miles').fill('4');
    await form.getByLabel('Reason for the correction').fill('Odometer misread');
    await form.getByRole('button', { name: 'Save correction' }).click();
    const alert = form.getByRole('alert');
    await alert.waitFor();
    assert.match(await alert.innerText(), /not assigned to agency Willow Home Health/);
    assert.match(await (await describedBy(page, form.getByLabel('Agency'))).innerText(), /Willow Home Health/);
    assert.doesNotMatch(await form.innerText(), guid);
    await checkA11y(page, 'correction refused');
    assert.equal((await call(tenant, 'owner', 'GET', `/api/visits?contractorId=${therapist.id}`)).items[0].miles ?? null, null);
    await context.close();
  });

  test('on the phone: a date after today and an agency no longer placed with are said next to their fields, in words', async () => {
    const { tenant, agency, therapist } = await tenantWithEndedCycle('Aspen Home Health', 'Robin Diaz');
    const { context, page } = await open(phone);
    await signInAs(page, 'contractor', { tenant, who: 'Robin Diaz' });
    await page.getByLabel('Patient name').fill('Clara Barton');
    await page.getByLabel('MRN').fill(`E2E-${uid()}`);
    const tomorrow = new Date(`${tenantToday()}T12:00:00Z`);
    tomorrow.setUTCDate(tomorrow.getUTCDate() + 1);
    await page.getByLabel('Date').fill(tomorrow.toISOString().slice(0, 10));
    await page.getByRole('button', { name: 'Log visit' }).click();
    const dateError = await describedBy(page, page.getByLabel('Date'));
    await dateError.waitFor();
    assert.match(await dateError.innerText(), new RegExp(`${shownDate(tomorrow.toISOString().slice(0, 10))} is after today`));

    // The office removes the placement while the form is open: the refusal names the agency, under the agency.
    await call(tenant, 'payroll', 'DELETE', `/api/contractors/${therapist.id}/agencies/${agency.id}`);
    await page.getByLabel('Date').fill(tenantToday());
    await page.getByRole('button', { name: 'Log visit' }).click();
    const agencyError = await describedBy(page, page.getByLabel('Agency'));
    await agencyError.filter({ hasText: 'Aspen Home Health' }).waitFor();
    // Said to the therapist, once above the form (no "a business rule refused the request"), with what to do.
    const refusal = await page.getByRole('alert').first().innerText();
    assert.match(refusal, /^You are not placed with Aspen Home Health any more: ask the office/);
    assert.doesNotMatch(refusal, /business rule|the contractor/i);
    assert.doesNotMatch(await page.locator('main').innerText(), guid);
    await checkA11y(page, 'visit refused');
    await screenshot(page, 'therapist-visit-refused');
    await context.close();
  });
});

describe('contractors and agencies', () => {
  test('payroll onboards a contractor, places it, enters its W-9 (masked after saving), links its payout account and sets its pay rates', async () => {
    const tenant = `e2e-${uid().toLowerCase()}`;
    const agency = await call(tenant, 'billing', 'POST', '/api/agencies', { name: 'Cedar Home Health', billingEmail: 'ap@cedar.example' });
    const { context, page } = await open();
    await signInAs(page, 'payroll', { tenant });
    await page.getByRole('link', { name: 'Contractors' }).click();
    await page.getByRole('button', { name: 'Onboard', exact: true }).click(); // nothing filled in
    await page.getByRole('alert').first().waitFor();
    const nameErr = await page.getByLabel('Legal name').getAttribute('aria-describedby');
    assert.match(await page.locator('#' + nameErr.replace(/:/g, '\\:')).innerText(), /legalName|name/i);

    await page.getByLabel('Legal name').fill('Morgan Reyes');
    await page.getByLabel('E-mail').fill(`morgan.${uid().toLowerCase()}@therapists.example`);
    await page.getByRole('checkbox', { name: 'OT', exact: true }).check({ force: true });
    await page.getByRole('button', { name: 'Onboard', exact: true }).click();
    await page.getByRole('status').filter({ hasText: 'Morgan Reyes onboarded' }).waitFor();
    const row = page.getByRole('row').filter({ hasText: 'Morgan Reyes' });
    assert.match(await row.innerText(), /missing/);
    const morgan = (await call(tenant, 'owner', 'GET', '/api/contractors?pageSize=10')).items.find((c) => c.legalName === 'Morgan Reyes');

    await row.getByRole('link', { name: 'Morgan Reyes' }).click();
    await page.getByRole('heading', { name: 'Morgan Reyes' }).waitFor();
    await page.getByRole('button', { name: 'Place with Cedar Home Health' }).click();
    await page.getByRole('button', { name: 'Remove with Cedar Home Health' }).waitFor();

    // The W-9: a bad TIN and no address are field errors under their fields; nothing is saved.
    const w9 = page.getByRole('form', { name: 'Enter the W-9' });
    await w9.getByLabel('TIN', { exact: true }).fill('12-34');
    await w9.getByRole('button', { name: 'Save W-9' }).click();
    await w9.getByRole('alert').waitFor();
    const errorUnder = async (label) => {
      const describedBy = await w9.getByLabel(label, { exact: true }).getAttribute('aria-describedby');
      return w9.locator('#' + describedBy.replace(/:/g, '\\:')).innerText();
    };
    assert.match(await errorUnder('TIN'), /9 digits/);
    assert.match(await errorUnder('City'), /city/i);
    await checkA11y(page, 'contractor W-9 errors');
    assert.ok(!(await call(tenant, 'owner', 'GET', `/api/contractors/${morgan.id}`)).w9);

    await w9.getByLabel('TIN', { exact: true }).fill('987-65-4321');
    await w9.getByLabel('Address', { exact: true }).fill('1 Oak St');
    await w9.getByLabel('City').fill('Troy');
    await w9.getByLabel('State').fill('NY');
    await w9.getByLabel('ZIP').fill('12180');
    await w9.getByLabel('Certified on').fill('2026-01-05');
    await w9.getByRole('button', { name: 'Save W-9' }).click();
    await page.getByRole('status').filter({ hasText: 'W-9 saved: SSN ***-**-4321' }).waitFor();
    await page.getByRole('heading', { name: 'Replace the W-9' }).waitFor();
    assert.equal(await page.getByLabel('TIN', { exact: true }).inputValue(), ''); // the form forgets the TIN
    assert.match(await page.locator('main').innerText(), /SSN \*\*\*-\*\*-4321, individual, certified Jan 5, 2026/);
    assert.doesNotMatch(await page.content(), /987-?65-?4321/);

    // The payout account: a malformed id is refused under the field, a good one linked.
    const payout = page.getByRole('form', { name: 'Link the payout account' });
    await payout.getByLabel('Stripe account id').fill('not-an-account');
    await payout.getByRole('button', { name: 'Link account' }).click();
    const acctErr = await payout.getByLabel('Stripe account id').getAttribute('aria-describedby');
    await payout.locator('#' + acctErr.replace(/:/g, '\\:')).filter({ hasText: 'acct_' }).waitFor();
    await payout.getByLabel('Stripe account id').fill('acct_1MorganE2E');
    await payout.getByRole('button', { name: 'Link account' }).click();
    await page.getByRole('status').filter({ hasText: 'Payout account acct_1MorganE2E linked.' }).waitFor();
    await page.getByText('acct_1MorganE2E', { exact: true }).waitFor();

    // Pay rates: January's set, then March's with an override at Cedar; the history keeps both.
    const rateForm = page.getByRole('form', { name: 'Set a pay rate set' });
    await rateForm.getByLabel('Effective from').fill('2026-01-01');
    await rateForm.getByLabel('Mileage rate (per mile)').fill('0.65');
    await rateForm.getByLabel('OT Routine rate').fill('72');
    await rateForm.getByLabel('OT Evaluation rate').fill('abc');
    await rateForm.getByRole('button', { name: 'Save rate set' }).click();
    await rateForm.getByRole('alert').waitFor();
    assert.equal(await rateForm.getByLabel('OT Evaluation rate').getAttribute('aria-invalid'), 'true');
    assert.equal((await call(tenant, 'owner', 'GET', `/api/contractors/${morgan.id}/pay-rates/history`)).rateSets.length, 0);
    // The API's own field errors mark their cell too: a negative amount.
    await rateForm.getByLabel('OT Evaluation rate').fill('-5');
    await rateForm.getByRole('button', { name: 'Save rate set' }).click();
    await rateForm.getByRole('alert').filter({ hasNotText: 'not amounts' }).waitFor();
    assert.equal(await rateForm.getByLabel('OT Evaluation rate').getAttribute('aria-invalid'), 'true');
    assert.equal(await rateForm.getByLabel('OT Routine rate').getAttribute('aria-invalid'), null);
    await checkA11y(page, 'pay rate errors');
    assert.equal((await call(tenant, 'owner', 'GET', `/api/contractors/${morgan.id}/pay-rates/history`)).rateSets.length, 0);
    await rateForm.getByLabel('OT Evaluation rate').fill('115');
    await rateForm.getByRole('button', { name: 'Save rate set' }).click();
    await rateForm.getByRole('status').filter({ hasText: 'effective from Jan 1, 2026 saved' }).waitFor();

    await rateForm.getByLabel('Effective from').fill('2026-03-01');
    await rateForm.getByLabel('OT Routine rate').fill('74');
    await rateForm.getByRole('button', { name: 'Add an override' }).click();
    await rateForm.getByLabel('Override 1 agency').selectOption({ label: 'Cedar Home Health' });
    await rateForm.getByLabel('Override 1 discipline').selectOption('OT');
    await rateForm.getByLabel('Override 1 visit type').selectOption('Routine');
    await rateForm.getByLabel('Override 1 amount').fill('78');
    await rateForm.getByRole('button', { name: 'Save rate set' }).click();
    await rateForm.getByRole('status').filter({ hasText: 'effective from Mar 1, 2026 saved' }).waitFor();

    const history = page.getByRole('region', { name: 'Pay sheet history' });
    await history.locator('summary', { hasText: 'Effective from Mar 1, 2026' }).waitFor();
    assert.match(await history.innerText(), /Effective from Mar 1, 2026[\s\S]*Effective from Jan 1, 2026/);
    await history.locator('summary', { hasText: 'Effective from Jan 1, 2026' }).click();
    assert.match(await history.getByRole('table', { name: 'Pay rates effective from Jan 1, 2026' }).innerText(), /Routine\s+\$72\.00/);
    await history.locator('summary', { hasText: 'Effective from Mar 1, 2026' }).click();
    assert.match(await history.getByRole('table', { name: 'Agency overrides' }).innerText(), /Cedar Home Health\s+OT Routine\s+\$78\.00/);

    const matrix = page.getByRole('table', { name: /^Pay rates in effect on/ });
    await page.getByLabel('In effect on').fill('2025-12-31');
    await page.getByText('No pay rates in effect on Dec 31, 2025.').waitFor();
    await page.getByLabel('In effect on').fill('2026-02-01');
    await matrix.waitFor();
    assert.match(await matrix.innerText(), /Routine\s+\$72\.00/);
    await checkA11y(page, 'contractor');
    await screenshot(page, 'office-contractor');

    const saved = await call(tenant, 'owner', 'GET', `/api/contractors/${morgan.id}`);
    assert.deepEqual(saved.agencyIds, [agency.id]);
    assert.equal(saved.w9.tinMasked, '***-**-4321');
    assert.equal(saved.stripeAccountId, 'acct_1MorganE2E');
    const march = await call(tenant, 'owner', 'GET', `/api/contractors/${morgan.id}/pay-rates?asOf=2026-03-02&agencyId=${agency.id}`);
    assert.deepEqual(march.rates.map((r) => [r.visitType, Number(r.amount)]), [['Evaluation', 115], ['Routine', 78]]);
    assert.equal(Number(march.mileageRate), 0.65);
    await context.close();
  });

  test('billing sets an agency\'s bill-rate set and sees every set with its effective date', async () => {
    const tenant = `e2e-${uid().toLowerCase()}`;
    const agency = await call(tenant, 'billing', 'POST', '/api/agencies', { name: 'Birch Home Health', billingEmail: 'ap@birch.example' });
    await call(tenant, 'billing', 'PUT', `/api/agencies/${agency.id}/bill-rates`, {
      effectiveFrom: '2026-01-01', rates: [{ discipline: 'PT', visitType: 'Routine', amount: 95 }, { discipline: 'PT', visitType: 'Evaluation', amount: 150 }],
    });
    const { context, page } = await open();
    await signInAs(page, 'billing', { tenant });
    await page.getByRole('link', { name: 'Agencies' }).click();
    await page.getByRole('link', { name: 'Birch Home Health' }).click();
    const form = page.getByRole('form', { name: 'Set a bill rate set' });
    assert.equal(await form.getByLabel('PT Routine rate').inputValue(), '95'); // starts from the latest set
    await form.getByLabel('Effective from').fill('');
    await form.getByRole('button', { name: 'Save rate set' }).click();
    const effErr = await form.getByLabel('Effective from').getAttribute('aria-describedby');
    await form.locator('#' + effErr.replace(/:/g, '\\:')).filter({ hasText: 'Effective from is required' }).waitFor();

    await form.getByLabel('Effective from').fill('2026-04-01');
    await form.getByLabel('PT Routine rate').fill('100');
    await form.getByLabel('OT Routine rate').fill('98.50');
    await form.getByRole('button', { name: 'Save rate set' }).click();
    await form.getByRole('status').filter({ hasText: 'effective from Apr 1, 2026 saved' }).waitFor();

    const history = page.getByRole('region', { name: 'Bill rate history' });
    await history.locator('summary', { hasText: 'Effective from Apr 1, 2026' }).waitFor();
    assert.match(await history.innerText(), /Effective from Apr 1, 2026[\s\S]*3 rates[\s\S]*Effective from Jan 1, 2026[\s\S]*2 rates/);
    await page.getByLabel('In effect on').fill('2026-04-02');
    const matrix = page.getByRole('table', { name: 'Bill rates in effect on Apr 2, 2026' });
    assert.match(await matrix.innerText(), /Routine\s+\$100\.00\s+\$98\.50/);
    await page.getByLabel('In effect on').fill('2026-03-31');
    assert.match(await page.getByRole('table', { name: 'Bill rates in effect on Mar 31, 2026' }).innerText(), /Routine\s+\$95\.00/);
    const sets = (await call(tenant, 'owner', 'GET', `/api/agencies/${agency.id}/bill-rates/history`)).rateSets;
    assert.deepEqual(sets.map((s) => s.effectiveFrom), ['2026-04-01', '2026-01-01']);
    await context.close();
  });

  test('billing sees an agency\'s bill-rate matrix on a date and its history', async () => {
    const { context, page } = await open();
    await signInAs(page, 'billing');
    await page.getByRole('link', { name: 'Agencies' }).click();
    await page.getByRole('link', { name: 'Sunrise HH' }).click();
    const matrix = page.getByRole('table', { name: /^Bill rates in effect on/ });
    await matrix.waitFor();
    assert.match(await matrix.innerText(), /Evaluation\s+\$150\.00/);
    await page.getByRole('region', { name: 'Bill rate history' }).locator('summary', { hasText: 'Effective from Oct 1, 2025' }).waitFor();
    await checkA11y(page, 'agency rates');
    await screenshot(page, 'office-agency-rates');
    await page.getByLabel('In effect on').fill('2025-09-30');
    await page.getByText('No bill rates in effect on Sep 30, 2025.').waitFor();
    await context.close();
  });

  test('payroll, which may not set bill rates, cannot open an agency\'s rates; the API refuses its write anyway', async () => {
    const { context, page } = await open();
    const agencies = await call('demo', 'owner', 'GET', '/api/agencies?pageSize=50');
    const sunrise = agencies.items.find((a) => a.name === 'Sunrise HH');
    // Payroll reads contractors but not agencies' bill rates: no Agencies menu, and a typed path lands on its first screen.
    await signInAs(page, 'payroll');
    await page.goto(`${base}/agencies/${sunrise.id}`);
    await page.getByRole('heading', { name: 'Dashboard' }).waitFor();
    await context.close();
    await assert.rejects(
      call('demo', 'payroll', 'PUT', `/api/agencies/${sunrise.id}/bill-rates`, { effectiveFrom: '2026-01-01', rates: [{ discipline: 'PT', visitType: 'Routine', amount: 1 }] }),
      /answered 403/,
    );
  });
});

describe('a link opened signed out', () => {
  test('an invoice link from a notice e-mail lands on that invoice after signing in', async () => {
    const agencies = await call('demo', 'owner', 'GET', '/api/agencies?pageSize=50');
    const sunrise = agencies.items.find((a) => a.name === 'Sunrise HH');
    const invoices = await call('demo', 'agency', 'GET', `/api/invoices?pageSize=100`, undefined, { agencyId: sunrise.id });
    const invoice = invoices.items.at(-1);
    const { context, page } = await open();
    await page.goto(`${base}/invoices/${invoice.id}`); // as the e-mail's link: {Portal:BaseUrl}/invoices/{id}
    await page.getByRole('heading', { name: 'Enter the demo as…' }).waitFor();
    assert.equal(new URL(page.url()).pathname, `/invoices/${invoice.id}`);
    await page.getByLabel('Agency to enter as').selectOption({ label: 'Sunrise HH' });
    await page.getByRole('button', { name: 'Agency portal', exact: true }).click();
    await page.getByRole('heading', { name: `Invoice ${invoice.number}` }).waitFor();
    assert.equal(new URL(page.url()).pathname, `/invoices/${invoice.id}`);
    await context.close();
  });
});

describe('the agency portal', () => {
  test('lists what is due and downloads an invoice PDF', async () => {
    const { context, page } = await open();
    await signInAs(page, 'agency', { who: 'Sunrise HH' });
    await page.getByText('Overdue').waitFor();
    await checkA11y(page, 'agency invoices');
    await screenshot(page, 'agency-invoices');
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: /Download invoice/ }).first().click(),
    ]);
    assert.match(download.suggestedFilename(), /\.pdf$/);
    const pdf = await readFile(await download.path());
    assert.equal(pdf.subarray(0, 5).toString(), '%PDF-');

    await page.getByRole('table').getByRole('link').first().click();
    await page.getByRole('heading', { name: /^Invoice / }).waitFor();
    await checkA11y(page, 'agency invoice');
    await screenshot(page, 'agency-invoice');
    await context.close();
  });
});

describe('compliance', () => {
  test('opens an invoice history and lineage, runs replay and the hash-chain check', async () => {
    const { context, page } = await open();
    await signInAs(page, 'compliance');
    await page.getByRole('button', { name: /^History of invoice/ }).first().click();
    const history = page.getByRole('table', { name: /^History of invoice/ });
    await history.waitFor();
    assert.match(await history.innerText(), /billing/); // who closed it, with the role
    await page.getByRole('button', { name: /^Lineage of invoice/ }).first().click();
    await page.getByRole('table', { name: /^Lineage of invoice/ }).waitFor();
    assert.match(await page.getByRole('table', { name: /^Lineage of invoice/ }).innerText(), /Visit logged \(visit_logged\)/);

    await page.getByRole('button', { name: 'Replay and verify' }).click();
    const replay = page.getByRole('status').filter({ hasText: 'Replay:' });
    await replay.waitFor({ timeout: 120_000 });
    assert.match(await replay.innerText(), /projections identical/);
    await page.getByRole('button', { name: 'Check the hash chain' }).click();
    await page.getByRole('status').filter({ hasText: 'Hash chain intact' }).waitFor();
    // The access log by user: only that user's reads, and a user who read nothing is said so.
    const access = page.getByRole('table', { name: 'Who opened patient data, newest first' });
    const someone = (await access.getByRole('row').nth(1).getByRole('cell').nth(1).innerText()).trim();
    const filter = page.getByRole('form', { name: 'Filter the access log' });
    await filter.getByLabel('User').fill(someone);
    await filter.getByRole('button', { name: 'Filter' }).click();
    await page.waitForFunction(
      (who) => [...document.querySelectorAll('table[aria-label], table')].some((t) => t.caption?.textContent?.startsWith('Who opened') &&
        [...t.tBodies[0].rows].every((r) => r.cells[1].textContent.trim() === who)), someone);
    await filter.getByLabel('User').fill('nobody-at-all');
    await filter.getByRole('button', { name: 'Filter' }).click();
    await page.getByText('No access matches the filter.').waitFor();
    await checkA11y(page, 'compliance');
    await screenshot(page, 'compliance');
    await context.close();
  });
});

describe('compliance, as of an instant', () => {
  test('an invoice as it stood when issued, before its payment', async () => {
    const invoices = await call('demo', 'owner', 'GET', '/api/invoices?pageSize=500');
    const paid = invoices.items.find((i) => i.amountPaid > 0);
    const history = await call('demo', 'owner', 'GET', `/api/audit/streams/${paid.id}`);
    const issuedAt = history.find((e) => e.type === 'invoice_issued').timestamp;

    // The instant as the browser's date-time picker takes it, in the browser's zone (the tenant's), to the millisecond.
    const local = (ms) => {
      const p = Object.fromEntries(new Intl.DateTimeFormat('en-CA', {
        timeZone: 'America/New_York', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23',
      }).formatToParts(new Date(ms)).map((x) => [x.type, x.value]));
      return `${p.year}-${p.month}-${p.day}T${p.hour}:${p.minute}:${p.second}.${String(new Date(ms).getUTCMilliseconds()).padStart(3, '0')}`;
    };
    const usd = (v) => new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD' }).format(v);

    const { context, page } = await open();
    await signInAs(page, 'compliance');
    const asOf = page.getByRole('region', { name: 'A document as of an instant' });
    // Chosen by its number, not a pasted id.
    await asOf.getByLabel('Document').selectOption({ label: `${paid.number} · ${paid.agencyName}` });
    const when = asOf.getByLabel(/^As of/);
    assert.equal(await when.getAttribute('type'), 'datetime-local');
    await when.fill('');
    await asOf.getByRole('button', { name: 'Show', exact: true }).click();
    const whenError = asOf.locator('#' + (await when.getAttribute('aria-describedby')).replace(/:/g, '\\:'));
    assert.match(await whenError.innerText(), /date and time/);

    // The timestamp has microseconds; the picker milliseconds: the next millisecond is just after the issue.
    await when.fill(local(Date.parse(issuedAt) + 1));
    await asOf.getByRole('button', { name: 'Show', exact: true }).click();
    const doc = asOf.locator('figure.doc');
    await doc.waitFor();
    const fields = await doc.locator('dl').innerText();
    assert.match(fields, new RegExp(`Number\\s+${paid.number}`));
    assert.match(fields, /Amount paid\s+\$0\.00/);
    assert.match(fields, /Issued on\s+[A-Z][a-z]{2} \d{1,2}, \d{4}/);
    assert.match(await doc.getByRole('table', { name: 'Lines' }).innerText(), /Visit date[\s\S]*\$/);
    await screenshot(page, 'compliance-as-of');
    // The JSON the API answered is there, behind a toggle.
    assert.doesNotMatch(await doc.innerText(), /"amountPaid"/);
    await doc.getByText('JSON, as the API answered').click();
    assert.match(await doc.locator('pre').innerText(), /"amountPaid": 0[,\n]/);

    await when.fill(local(Date.now()));
    await asOf.getByRole('button', { name: 'Show', exact: true }).click();
    await doc.locator('dl').filter({ hasText: new RegExp(`Amount paid\\s*${usd(paid.amountPaid).replace(/[$.]/g, '\\$&')}`) }).waitFor();
    await checkA11y(page, 'compliance as of');
    await context.close();
  });
});

describe('the accountant', () => {
  test('sees the 1099-NEC year and downloads the IRIS file', async () => {
    const { context, page } = await open();
    await signInAs(page, 'accountant');
    await page.getByText('Forms to file').waitFor();
    await page.getByRole('table').getByText('Dana Kim').waitFor();
    assert.match(await page.getByRole('table').innerText(), /\*\*\*-\*\*-6789/); // TIN masked on screen
    await checkA11y(page, '1099-NEC');
    await screenshot(page, 'accountant-1099');
    // Last year's forms: a year whose threshold is configured whatever today's date (the year under way may not have its
    // threshold yet, and its IRIS file then waits: the next test), and the demo paid in it.
    const year = new Date().getFullYear() - 1;
    await page.getByLabel('Tax year').selectOption(String(year));
    await page.getByRole('table', { name: `Contractors paid in ${year}` }).getByText('Dana Kim').waitFor();
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'IRIS file' }).click()]);
    const iris = (await readFile(await download.path())).toString();
    assert.match(iris.split('\n')[0], /TIN|Recipient/i);
    // One row per reportable contractor with a W-9, as the API's year says (thresholds change by year).
    const nec = await call('demo', 'accountant', 'GET', `/api/tax/1099-nec/${year}`);
    const filed = nec.contractors.filter((c) => c.reportable && c.w9OnFile);
    assert.equal(iris.trim().split(/\r?\n/).length - 1, filed.length);
    for (const c of filed) assert.match(iris, new RegExp(`,${c.name.split(' ')[0]},,${c.name.split(' ').at(-1)},`));
    for (const file of ['Summary CSV', 'Ledger CSV']) {
      const [d] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: file }).click()]);
      assert.match(d.suggestedFilename(), /\.csv$/);
      const csv = (await readFile(await d.path())).toString();
      assert.ok(csv.split(/\r?\n/).length > 2, `${file}: a header and rows`);
      assert.match(csv, /Dana Kim/);
      assert.doesNotMatch(csv, /123-?45-?6789/, `${file}: no full TIN`);
    }
    await context.close();
  });

  test('a year without a threshold shows what was paid, says who is reportable is pending, and holds back the IRIS file', async () => {
    // ops/web.sh runs the host with the threshold of the year three back unset, as the year under way is until the IRS
    // publishes its figure. The demo paid nobody then (its payments are of this year and the last).
    const year = new Date().getFullYear() - 3;
    const { context, page } = await open();
    await signInAs(page, 'accountant');
    await page.getByText('Forms to file').waitFor();
    await page.getByLabel('Tax year').selectOption(String(year));
    await page.getByRole('status').filter({ hasText: `threshold for ${year} is not configured yet` }).waitFor();
    await page.getByRole('table').getByText(`No contractor was paid in ${year}.`).waitFor();
    assert.equal(await page.getByRole('button', { name: 'IRIS file' }).isDisabled(), true);

    // A payment of then (the totals are an async projection: wait until the API has it).
    const lastYear = await call('demo', 'accountant', 'GET', `/api/tax/1099-nec/${year + 2}`);
    const dana = lastYear.contractors.find((c) => c.name === 'Dana Kim');
    await call('demo', 'payroll', 'POST', '/api/payments/manual', {
      contractorId: dana.contractorId, amount: 2500, paidOn: `${year}-06-30`, method: 'check', reference: `CHK-${year}-0630`,
    });
    let nec;
    for (let i = 0; i < 50 && !(nec = await call('demo', 'accountant', 'GET', `/api/tax/1099-nec/${year}`)).contractors.length; i++)
      await new Promise((r) => setTimeout(r, 200));
    // The API: totals, no threshold, nobody reportable or not.
    assert.equal(nec.threshold ?? null, null);
    assert.deepEqual(nec.contractors.map((c) => [c.name, Number(c.total), c.reportable ?? null]), [['Dana Kim', 2500, null]]);

    await page.reload();
    await page.getByLabel('Tax year').selectOption(String(year));
    const row = page.getByRole('table', { name: `Contractors paid in ${year}` }).getByRole('row').filter({ hasText: 'Dana Kim' });
    await row.waitFor();
    assert.match(await row.innerText(), /\$2,500\.00[\s\S]*pending/);
    const figures = await page.locator('dl.figures').innerText();
    assert.match(figures, /Threshold\s*not configured/);
    assert.match(figures, /Forms to file\s*pending/);
    assert.equal(await page.getByRole('button', { name: 'IRIS file' }).isDisabled(), true);
    assert.equal(await page.getByRole('button', { name: 'Summary CSV' }).isDisabled(), false);
    await checkA11y(page, '1099-NEC without a threshold');
    await screenshot(page, 'accountant-1099-no-threshold');
    // Every year the screen offers: the IRIS file is offered exactly when the API's year has a threshold and this release
    // knows its IRIS columns, and the screen says why not otherwise (2023 and 2024 have thresholds but no columns here).
    for (let y = year; y <= year + 3; y++) {
      const answer = await call('demo', 'accountant', 'GET', `/api/tax/1099-nec/${y}`);
      await page.getByLabel('Tax year').selectOption(String(y));
      await page.getByRole('table', { name: `Contractors paid in ${y}` }).waitFor();
      const offered = answer.threshold != null && answer.irisTemplateKnown;
      assert.equal(await page.getByRole('button', { name: 'IRIS file' }).isDisabled(), !offered, `${y}`);
      if (answer.threshold != null && !answer.irisTemplateKnown)
        await page.getByRole('status').filter({ hasText: `IRIS columns for ${y}` }).waitFor();
    }
    await context.close();
  });

  test('the tax year opens on the year being filed: the current one in December, the previous one in January and February', async () => {
    // The browser's clock, set to days of last year (in the past: the session's token is still valid then).
    const y = new Date().getFullYear() - 1;
    const { context, page } = await open();
    await context.clock.setFixedTime(new Date(`${y}-12-15T12:00:00`));
    await signInAs(page, 'accountant');
    for (const [day, expected] of [[`${y}-12-15`, y], [`${y}-01-20`, y - 1], [`${y}-02-28`, y - 1], [`${y}-03-02`, y], [`${y}-12-01`, y]]) {
      await context.clock.setFixedTime(new Date(`${day}T12:00:00`));
      await page.reload();
      await page.getByRole('heading', { name: '1099-NEC' }).waitFor();
      assert.equal(await page.getByLabel('Tax year').inputValue(), String(expected), `on ${day}`);
    }
    await context.close();
  });
});
