// Production sign-in: a second host (ops/web.sh, on CT_WEB_OIDC_URL) runs without development
// tokens and trusts the fake OpenID Connect authority this test starts on CT_OIDC_PORT. The
// browser goes to the authority and back (code flow with PKCE), and the API accepts the
// authority's RS256 access token.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { demoReady, desktop, launch, menuOf } from './harness.mjs';
import { startAuthority } from './oidc-authority.mjs';

const host = process.env.CT_WEB_OIDC_URL;
const port = Number(process.env.CT_OIDC_PORT);

let browser, authority;
before(async () => {
  if (!host) return;
  await demoReady(); // the demo tenant, seeded by the development host on the same database
  authority = await startAuthority({
    port,
    clientId: 'contracttherapy-web',
    audience: 'contracttherapy',
    claims: { sub: 'owner-1', name: 'Olivia Owner', tenant: 'demo', role: 'owner' },
  });
  browser = await launch();
});
after(async () => {
  await browser?.close();
  await authority?.close();
});

test('the owner signs in through the OpenID Connect authority and the API takes its token', { skip: !host && 'CT_WEB_OIDC_URL is not set (ops/web.sh sets it)' }, async () => {
  const config = await (await fetch(`${host}/api/auth/config`)).json();
  assert.equal(config.devTokens, false);
  assert.equal(config.authority, authority.issuer);
  // The host issues no development tokens here: the authority's are the only way in.
  assert.equal((await fetch(`${host}/dev/token`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{"tenant":"demo","role":"owner"}' })).status, 404);

  const context = await browser.newContext(desktop);
  const page = await context.newPage();
  await page.goto(`${host}/`);
  await page.getByText(`You will be sent to 127.0.0.1:${port}`).waitFor();
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();

  // To the authority, back to /signin-callback, then the owner's first screen.
  await page.getByRole('button', { name: 'Sign out' }).waitFor();
  assert.equal(authority.issued.length, 1, 'the app traded exactly one code for tokens');
  await page.waitForURL(`${host}/dashboard`);
  assert.deepEqual(await menuOf(page), ['Dashboard', 'Visits', 'Cycles', 'Pay runs', 'Contractors', 'Agencies', 'Compliance', '1099-NEC']);
  await page.getByText('Olivia Owner').first().waitFor();
  // The dashboard's figures come from the API, called with the authority's access token.
  const perCycle = page.getByRole('img', { name: /^Billed and therapist pay per cycle\./ });
  await perCycle.waitFor();
  assert.match(await perCycle.getAttribute('aria-label'), /Billed \$[\d,]+\.\d\d, Therapist pay \$[\d,]+\.\d\d/);
  const response = await fetch(`${host}/api/payments?pageSize=1`, { headers: { Authorization: `Bearer ${authority.issued[0].access_token}` } });
  assert.equal(response.status, 200);
  // A token this authority did not sign is refused.
  const [head, body] = authority.issued[0].access_token.split('.');
  const forged = `${head}.${body}.${Buffer.from('not the signature').toString('base64url')}`;
  assert.equal((await fetch(`${host}/api/payments?pageSize=1`, { headers: { Authorization: `Bearer ${forged}` } })).status, 401);

  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.getByRole('button', { name: 'Sign in', exact: true }).waitFor();
  await context.close();
});

// Known defect (README, What's next): the demo sign-in returns to the link opened signed out, the
// OIDC one did not in its first run here (it ended elsewhere). Reported as a to-do, not a failure,
// until SignInCallback is fixed; the output shows where it lands.
test('a link opened signed out lands there after the authority', { skip: !host && 'CT_WEB_OIDC_URL is not set' }, async () => {
  const context = await browser.newContext(desktop);
  const page = await context.newPage();
  await page.goto(`${host}/cycles`);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await page.getByRole('button', { name: 'Sign out' }).waitFor();
  await page.waitForFunction(() => location.pathname !== '/signin-callback');
  const landed = new URL(page.url()).pathname;
  await context.close();
  assert.equal(landed, '/cycles');
});
