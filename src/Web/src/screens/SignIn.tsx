import { useEffect, useState } from 'react';
import { UserManager } from 'oidc-client-ts';
import { api, must, toProblem, type Schemas } from '../api/client';
import { sessionFromToken, signIn, type Role } from '../session';
import { Loaded, ProblemView, useLoad } from '../ui';

type AuthConfig = Schemas['AuthConfig'];

function userManager(config: AuthConfig): UserManager {
  return new UserManager({
    authority: config.authority!,
    client_id: config.clientId!,
    redirect_uri: `${window.location.origin}/signin-callback`,
    post_logout_redirect_uri: window.location.origin,
    response_type: 'code',
    scope: config.scope,
  });
}

/** Development only: POST /dev/token (not part of the public contract, so not in the OpenAPI document). */
async function devToken(body: { tenant: string; role: Role; contractorId?: string; agencyId?: string }): Promise<string> {
  const response = await fetch('/dev/token', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
  if (!response.ok) throw await toProblem(response);
  return ((await response.json()) as { token: string }).token;
}

export function SignIn() {
  const config = useLoad(() => must(api.GET('/api/auth/config')));
  useEffect(() => {
    document.title = 'Sign in · ContractTherapy';
  }, []);
  return (
    <main id="main" className="signin">
      <h1>ContractTherapy</h1>
      <p className="lede">Visits, invoices, pay and 1099s for contract therapy agencies.</p>
      <Loaded state={config}>{(c) => (c.devTokens ? <DemoSignIn /> : <OidcSignIn config={c} />)}</Loaded>
    </main>
  );
}

/**
 * Where to go after signing in: the path the person opened signed out (an invoice link from a
 * notice e-mail, say), when it is one of this app's own paths; else the role's first screen.
 */
export function returnPath(): string {
  const here = `${window.location.pathname}${window.location.search}`;
  return here.startsWith('/') && !here.startsWith('//') && !here.startsWith('/signin-callback') ? here : '/';
}

function OidcSignIn({ config }: { config: AuthConfig }) {
  const [error, setError] = useState<unknown>();
  if (!config.authority || !config.clientId)
    return <ProblemView error={new Error('Sign-in is not configured: set Auth:Authority and Auth:ClientId on the host.')} />;
  return (
    <section aria-labelledby="oidc-title" className="card">
      <h2 id="oidc-title">Sign in</h2>
      <p>You will be sent to {new URL(config.authority).host} and brought back here.</p>
      <button type="button" className="primary" onClick={() => userManager(config).signinRedirect({ state: { returnTo: returnPath() } }).catch(setError)}>
        Sign in
      </button>
      <ProblemView error={error} />
    </section>
  );
}

/** The authority sends the person back here with a code; the access token it yields is the API's bearer token. */
export function SignInCallback() {
  const [error, setError] = useState<unknown>();
  useEffect(() => {
    must(api.GET('/api/auth/config'))
      .then((config) => userManager(config).signinRedirectCallback())
      .then((user) => {
        // Back to the path opened signed out (kept in the sign-in request's state), only if it is ours.
        const to = (user.state as { returnTo?: unknown } | undefined)?.returnTo;
        const target = typeof to === 'string' && to.startsWith('/') && !to.startsWith('//') ? to : '/';
        // The session is stored first; then a fresh load of the target. A client-side navigate raced the
        // sign-in's re-render: the signed-in routes first rendered at /signin-callback, whose catch-all
        // sent the person to their role's first screen instead of the link they opened.
        signIn(sessionFromToken(user.access_token, user.profile.name ?? undefined));
        window.location.replace(target);
      })
      .catch(setError);
  }, []);
  return <main id="main" className="signin">{error ? <ProblemView error={error} /> : <p aria-busy="true">Signing in…</p>}</main>;
}

const staffRoles: { role: Role; label: string; what: string }[] = [
  { role: 'owner', label: 'Owner', what: 'everything' },
  { role: 'billing', label: 'Billing', what: 'visits, cycles, invoices' },
  { role: 'payroll', label: 'Payroll', what: 'pay stubs, pay runs' },
  { role: 'compliance', label: 'Compliance', what: 'history, replay, access log' },
  { role: 'accountant', label: 'Accountant', what: '1099-NEC year and files' },
];

/** Development: enter the demo tenant as any role; the therapist and agency are picked from the tenant's records. */
function DemoSignIn() {
  const [tenant, setTenant] = useState('demo');
  const [error, setError] = useState<unknown>();
  const [people, setPeople] = useState<{ contractors: Schemas['ContractorView'][]; agencies: Schemas['AgencyView'][] }>();
  const [contractorId, setContractorId] = useState('');
  const [agencyId, setAgencyId] = useState('');

  useEffect(() => {
    let cancelled = false;
    setPeople(undefined);
    (async () => {
      const token = await devToken({ tenant, role: 'owner' });
      const headers = { Authorization: `Bearer ${token}` };
      const [contractors, agencies] = await Promise.all([
        must(api.GET('/api/contractors', { params: { query: { pageSize: 500 } }, headers })),
        must(api.GET('/api/agencies', { params: { query: { pageSize: 500 } }, headers })),
      ]);
      if (cancelled) return;
      setPeople({ contractors: contractors.items, agencies: agencies.items });
      setContractorId(contractors.items[0]?.id ?? '');
      setAgencyId(agencies.items[0]?.id ?? '');
      setError(undefined);
    })().catch((e) => !cancelled && setError(e));
    return () => {
      cancelled = true;
    };
  }, [tenant]);

  async function enter(role: Role, displayName?: string) {
    setError(undefined);
    try {
      const token = await devToken({
        tenant,
        role,
        contractorId: role === 'contractor' ? contractorId : undefined,
        agencyId: role === 'agency' ? agencyId : undefined,
      });
      signIn(sessionFromToken(token, displayName));
    } catch (e) {
      setError(e);
    }
  }

  const contractorName = people?.contractors.find((c) => c.id === contractorId)?.legalName;
  const agencyName = people?.agencies.find((a) => a.id === agencyId)?.name;
  return (
    <section aria-labelledby="demo-title" className="card">
      <h2 id="demo-title">Enter the demo as…</h2>
      <p className="hint">Development sign-in (development tokens). Production signs in through the configured OpenID Connect authority.</p>
      <div className="field">
        <label htmlFor="tenant">Tenant</label>
        <input id="tenant" value={tenant} onChange={(e) => setTenant(e.target.value)} autoComplete="off" />
      </div>
      <ProblemView error={error} />
      <ul className="role-list">
        {staffRoles.map((r) => (
          <li key={r.role}>
            <button type="button" onClick={() => enter(r.role)}>
              {r.label}
            </button>
            <span className="hint">{r.what}</span>
          </li>
        ))}
        <li>
          <button type="button" onClick={() => enter('contractor', contractorName)} disabled={!contractorId}>
            Therapist
          </button>
          <label htmlFor="as-contractor" className="sr-only">
            Therapist to enter as
          </label>
          <select id="as-contractor" value={contractorId} onChange={(e) => setContractorId(e.target.value)}>
            {people?.contractors.map((c) => (
              <option key={c.id} value={c.id}>
                {c.legalName}
              </option>
            ))}
          </select>
        </li>
        <li>
          <button type="button" onClick={() => enter('agency', agencyName)} disabled={!agencyId}>
            Agency portal
          </button>
          <label htmlFor="as-agency" className="sr-only">
            Agency to enter as
          </label>
          <select id="as-agency" value={agencyId} onChange={(e) => setAgencyId(e.target.value)}>
            {people?.agencies.map((a) => (
              <option key={a.id} value={a.id}>
                {a.name}
              </option>
            ))}
          </select>
        </li>
      </ul>
    </section>
  );
}
