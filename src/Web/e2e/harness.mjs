import net from 'node:net';
// Browser-test harness: Chromium from the Debian packages driven by playwright-core, against a
// real host (ops/test.sh starts it on CT_WEB_URL with development tokens and the demo tenant).
import { chromium } from 'playwright-core';
import { createRequire } from 'node:module';
import { mkdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import assert from 'node:assert/strict';

const require = createRequire(import.meta.url);
const axeSource = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
const here = path.dirname(fileURLToPath(import.meta.url));
export const screensDir = path.resolve(here, '../../../docs/screens');
export const base = process.env.CT_WEB_URL ?? 'http://127.0.0.1:5095';

export async function launch() {
  // Playwright gives every launch a fresh temporary --user-data-dir of its own (and removes it on close).
  const browser = await chromium.launch({
    executablePath: process.env.CT_CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
    args: [
      '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage',
    ],
  });
  return browser;
}

// People work in the demo tenant's time zone, so "today" in the browser is the tenant's today
// (a visit dated after the tenant's today is refused), whatever the machine's zone.
const timezoneId = 'America/New_York';
export const phone = { viewport: { width: 375, height: 812 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true, timezoneId };
export const desktop = { viewport: { width: 1280, height: 860 }, timezoneId };
export const tenantToday = () => new Date().toLocaleDateString('en-CA', { timeZone: timezoneId });

// Dates as the app writes them (ui.tsx's date and period): "Mar 5, 2026", "Mar 2, 2026 – Mar 8, 2026".
const dateFormat = new Intl.DateTimeFormat('en-US', { year: 'numeric', month: 'short', day: 'numeric', timeZone: 'UTC' });
export const shownDate = (iso) => dateFormat.format(new Date(`${iso}T00:00:00Z`));
export const shownPeriod = (start, end) => `${shownDate(start)} – ${shownDate(end)}`;

/** 0 serious or critical axe-core violations on what the page shows now. */
export async function checkA11y(page, screen) {
  await page.addScriptTag({ content: axeSource });
  const violations = await page.evaluate(async () => {
    const r = await window.axe.run(document, { resultTypes: ['violations'] });
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => n.target.join(' ')).slice(0, 5) }));
  });
  const bad = violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  assert.deepEqual(bad, [], `${screen}: serious or critical accessibility violations:\n${JSON.stringify(bad, null, 2)}`);
}

export async function screenshot(page, name) {
  mkdirSync(screensDir, { recursive: true });
  await page.screenshot({ path: path.join(screensDir, `${name}.png`), fullPage: true });
}

// ---- the public API, for setting up and checking what the browser did ----

export async function token(tenant, role, extra = {}) {
  const r = await fetch(`${base}/dev/token`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ tenant, role, ...extra }) });
  const text = await r.text();
  assert.equal(r.status, 200, text);
  return JSON.parse(text).token;
}

export async function call(tenant, role, method, url, body, extra) {
  const r = await fetch(`${base}${url}`, {
    method,
    headers: { Authorization: `Bearer ${await token(tenant, role, extra)}`, ...(body ? { 'Content-Type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await r.text();
  if (!r.ok) throw new Error(`${method} ${url} answered ${r.status}: ${text}`);
  return text ? JSON.parse(text) : null;
}

/** Until the demo tenant's seeding (started with the host) has finished: its last step records payments by card. */
export async function demoReady() {
  const deadline = Date.now() + 180_000;
  for (;;) {
    try {
      const payments = await call('demo', 'owner', 'GET', '/api/payments?pageSize=500');
      if (payments.items.some((p) => p.method === 'card')) return;
    } catch {
      /* not up yet */
    }
    if (Date.now() > deadline) throw new Error('the demo tenant was not seeded within 3 minutes');
    await new Promise((r) => setTimeout(r, 1000));
  }
}

export const menuOf = (page) => page.getByRole('navigation', { name: 'Main' }).getByRole('link').allTextContents();

/** Signs in through the sign-in page as a person would: the tenant, then the role's button (and who, for scoped roles). */
export async function signInAs(page, role, { tenant = 'demo', who, origin = base } = {}) {
  await page.goto(`${origin}/`);
  const tenantBox = page.getByLabel('Tenant');
  await tenantBox.fill(tenant);
  if (role === 'contractor' || role === 'agency') {
    const select = page.getByLabel(role === 'contractor' ? 'Therapist to enter as' : 'Agency to enter as');
    await select.locator('option').first().waitFor({ state: 'attached' });
    if (who) await select.selectOption({ label: who });
  }
  const label = { owner: 'Owner', billing: 'Billing', payroll: 'Payroll', compliance: 'Compliance', accountant: 'Accountant', contractor: 'Therapist', agency: 'Agency portal' }[role];
  await page.getByRole('button', { name: label, exact: true }).click();
  await page.getByRole('button', { name: 'Sign out' }).waitFor();
}

/**
 * A TCP relay to the host that a test can cut: refused and dropped connections, whatever path a request takes.
 * Chromium's offline emulation leaked (about one run in eight at quiet moments, after a reload of a page a service
 * worker controls, a POST reached the host while the page saw it fail; routing did not catch it either).
 */
export async function cuttableRelay() {
  const target = new URL(base);
  let cut = false;
  const sockets = new Set();
  const server = net.createServer((client) => {
    if (cut) return client.destroy();
    const upstream = net.connect(Number(target.port), target.hostname);
    const end = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('error', end);
      s.on('close', end);
    }
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    origin: `http://127.0.0.1:${server.address().port}`,
    cut(value) {
      cut = value;
      if (value) for (const s of sockets) s.destroy();
    },
    close() {
      cut = true;
      for (const s of sockets) s.destroy();
      server.close();
    },
  };
}
