import { useId, useState, type FormEvent } from 'react';
import { Link, useParams } from 'react-router-dom';
import { api, ApiProblem, must, type Discipline, type Schemas } from '../api/client';
import { currentSession } from '../session';
import { FieldError, Loaded, Outcome, Page, ProblemView, StatusBadge, today, useLoad, date } from '../ui';
import { RateMatrix } from './RateMatrix';
import { RateHistory, RateSetForm } from './RateSetForm';

const disciplines = ['PT', 'PTA', 'OT', 'COTA', 'ST'];
const canWrite = () => ['owner', 'payroll'].includes(currentSession()!.role);

/** Contractors: the list with W-9 status (TIN masked), disciplines and placements; onboarding. */
export function Contractors() {
  const list = useLoad(async () => {
    const [contractors, agencies] = await Promise.all([
      must(api.GET('/api/contractors', { params: { query: { pageSize: 500 } } })),
      must(api.GET('/api/agencies', { params: { query: { pageSize: 500 } } })),
    ]);
    return { contractors: contractors.items, agencies: Object.fromEntries(agencies.items.map((a) => [a.id, a.name])) };
  });
  return (
    <Page title="Contractors">
      <div className="grid">
        <Loaded state={list}>
          {({ contractors, agencies }) => (
            <table>
              <caption className="sr-only">Contractors</caption>
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">Disciplines</th>
                  <th scope="col">W-9</th>
                  <th scope="col">Agencies</th>
                  <th scope="col">Status</th>
                </tr>
              </thead>
              <tbody>
                {contractors.map((c) => (
                  <tr key={c.id}>
                    <td>
                      <Link to={`/contractors/${c.id}`}>{c.legalName}</Link>
                    </td>
                    <td>{c.disciplines.join(', ')}</td>
                    <td className="nowrap">{c.w9?.tinMasked ?? <span className="alert">missing</span>}</td>
                    <td>{c.agencyIds.map((a) => agencies[a]).join(', ')}</td>
                    <td>
                      <StatusBadge status={c.status} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </Loaded>
        {canWrite() && <Onboard onDone={list.reload} />}
      </div>
    </Page>
  );
}

function Onboard({ onDone }: { onDone: () => void }) {
  const id = useId();
  const [form, setForm] = useState({ legalName: '', email: '', phone: '', disciplines: [] as string[] });
  const [error, setError] = useState<unknown>();
  const [done, setDone] = useState<string>();
  async function submit(e: FormEvent) {
    e.preventDefault();
    setError(undefined);
    setDone(undefined);
    try {
      const c = await must(api.POST('/api/contractors', { body: { ...form, disciplines: form.disciplines as Discipline[], phone: form.phone || null } }));
      setDone(`${(c as Schemas['ContractorView']).legalName} onboarded.`);
      setForm({ legalName: '', email: '', phone: '', disciplines: [] });
      onDone();
    } catch (err) {
      setError(err);
    }
  }
  const text = (k: 'legalName' | 'email' | 'phone', label: string, type = 'text') => (
    <div className="field">
      <label htmlFor={`${id}-${k}`}>{label}</label>
      <input
        id={`${id}-${k}`}
        type={type}
        value={form[k]}
        onChange={(e) => setForm({ ...form, [k]: e.target.value })}
        aria-describedby={`${id}-${k}-err`}
        autoComplete="off"
      />
      <FieldError id={`${id}-${k}-err`} error={error} field={k} />
    </div>
  );
  return (
    <form className="card" onSubmit={submit} aria-labelledby={`${id}-title`} noValidate>
      <h2 id={`${id}-title`}>Onboard a contractor</h2>
      <Outcome done={done} error={error} />
      {text('legalName', 'Legal name')}
      {text('email', 'E-mail', 'email')}
      {text('phone', 'Phone (optional)', 'tel')}
      <fieldset className="choices" aria-describedby={`${id}-d-err`}>
        <legend>Disciplines</legend>
        {disciplines.map((d) => (
          <label key={d} className={form.disciplines.includes(d) ? 'chosen' : ''}>
            <input
              type="checkbox"
              checked={form.disciplines.includes(d)}
              onChange={(e) =>
                setForm({ ...form, disciplines: e.target.checked ? [...form.disciplines, d] : form.disciplines.filter((x) => x !== d) })
              }
            />
            {d}
          </label>
        ))}
      </fieldset>
      <FieldError id={`${id}-d-err`} error={error} field="disciplines" />
      <button type="submit" className="primary">
        Onboard
      </button>
    </form>
  );
}

/** One contractor: W-9 (TIN masked), agencies, payout account, pay sheet in effect on a date. */
export function ContractorDetail() {
  const { id } = useParams();
  const role = currentSession()!.role;
  const [asOf, setAsOf] = useState(today());
  const data = useLoad(async () => {
    const [c, agencies] = await Promise.all([
      must(api.GET('/api/contractors/{id}', { params: { path: { id: id! } } })),
      must(api.GET('/api/agencies', { params: { query: { pageSize: 500 } } })),
    ]);
    return { c, agencies: agencies.items };
  }, [id]);
  const rates = useLoad(
    () =>
      ['owner', 'payroll', 'compliance'].includes(role)
        ? must(api.GET('/api/contractors/{id}/pay-rates', { params: { path: { id: id! }, query: { asOf } } }))
        : Promise.resolve(null),
    [id, asOf],
  );
  const history = useLoad(
    () =>
      ['owner', 'payroll', 'compliance'].includes(role)
        ? must(api.GET('/api/contractors/{id}/pay-rates/history', { params: { path: { id: id! } } }))
        : Promise.resolve(null),
    [id],
  );
  const [error, setError] = useState<unknown>();
  async function placement(agencyId: string, assign: boolean) {
    setError(undefined);
    try {
      await must(
        assign
          ? api.POST('/api/contractors/{id}/agencies/{agencyId}', { params: { path: { id: id!, agencyId } } })
          : api.DELETE('/api/contractors/{id}/agencies/{agencyId}', { params: { path: { id: id!, agencyId } } }),
      );
      data.reload();
    } catch (e) {
      setError(e);
    }
  }
  return (
    <Loaded state={data}>
      {({ c, agencies }) => {
        const names = Object.fromEntries(agencies.map((a) => [a.id, a.name]));
        return (
          <Page title={c.legalName}>
            <ProblemView error={error} />
            <div className="grid">
              <section className="card" aria-labelledby="w9-title">
                <h2 id="w9-title">Record</h2>
                <dl className="pairs">
                  <dt>E-mail</dt>
                  <dd>{c.email}</dd>
                  <dt>Disciplines</dt>
                  <dd>{c.disciplines.join(', ')}</dd>
                  <dt>Status</dt>
                  <dd>
                    <StatusBadge status={c.status} />
                  </dd>
                  <dt>W-9</dt>
                  <dd>{c.w9 ? `${c.w9.tinType} ${c.w9.tinMasked}, ${c.w9.taxClassification}, certified ${date(c.w9.certifiedOn)}` : 'not received'}</dd>
                  <dt>Payout account</dt>
                  <dd>{c.stripeAccountId ?? 'none linked'}</dd>
                </dl>
              </section>
              <section className="card" aria-labelledby="agencies-title">
                <h2 id="agencies-title">Agencies</h2>
                <ul className="plain">
                  {agencies.map((a) => {
                    const placed = c.agencyIds.includes(a.id);
                    return (
                      <li key={a.id}>
                        {a.name} {placed ? <span className="badge badge-open">placed</span> : null}{' '}
                        {canWrite() && (
                          <button type="button" className="link" onClick={() => placement(a.id, !placed)}>
                            {placed ? 'Remove' : 'Place'}
                            <span className="sr-only"> with {a.name}</span>
                          </button>
                        )}
                      </li>
                    );
                  })}
                </ul>
              </section>
            </div>
            {canWrite() && (
              <div className="grid">
                <W9Form contractor={c} onDone={data.reload} />
                <PayoutForm contractor={c} onDone={data.reload} />
              </div>
            )}
            {rates.data !== null && (
              <section className="card" aria-labelledby="rates-title">
                <h2 id="rates-title">Pay sheet</h2>
                <div className="toolbar">
                  <label htmlFor="rates-asof">In effect on</label>
                  <input id="rates-asof" type="date" value={asOf} onChange={(e) => setAsOf(e.target.value)} style={{ width: 'auto' }} />
                </div>
                <Loaded state={rates}>
                  {(r) =>
                    r && r.rateSetId ? (
                      <>
                        <p className="hint">
                          Set effective from {date(r.effectiveFrom)}; mileage {r.mileageRate ?? 0} per mile.
                        </p>
                        <RateMatrix rates={r.rates} caption={`Pay rates in effect on ${date(r.asOf)}`} agencyNames={names} />
                      </>
                    ) : (
                      <p>No pay rates in effect on {date(r?.asOf ?? asOf)}.</p>
                    )
                  }
                </Loaded>
              </section>
            )}
            {history.data && canWrite() && (
              <RateSetForm
                title="Set a pay rate set"
                disciplines={c.disciplines}
                latest={history.data.rateSets[0]}
                agencies={agencies}
                onSave={async (body) => {
                  await must(api.PUT('/api/contractors/{id}/pay-rates', { params: { path: { id: id! } }, body: body as Schemas['SetPayRates'] }));
                  rates.reload();
                  history.reload();
                }}
              />
            )}
            {history.data !== null && (
              <section className="card" aria-labelledby="history-title">
                <h2 id="history-title">Pay sheet history</h2>
                <Loaded state={history}>{(h) => h && <RateHistory sets={h.rateSets} agencyNames={names} what="Pay" />}</Loaded>
              </section>
            )}
          </Page>
        );
      }}
    </Loaded>
  );
}

const classifications: [string, string][] = [
  ['individual', 'Individual'], ['soleProprietor', 'Sole proprietor'], ['cCorporation', 'C corporation'], ['sCorporation', 'S corporation'],
  ['partnership', 'Partnership'], ['trustEstate', 'Trust or estate'], ['llcC', 'LLC taxed as C corporation'], ['llcS', 'LLC taxed as S corporation'],
  ['llcP', 'LLC taxed as partnership'], ['other', 'Other'],
];

/** Enters or replaces the W-9. The TIN goes to the API once; the form forgets it after saving and only the masked TIN is shown. */
function W9Form({ contractor, onDone }: { contractor: Schemas['ContractorView']; onDone: () => void }) {
  const id = useId();
  const blank = () => ({
    tinType: contractor.w9?.tinType ?? 'SSN', tin: '', legalName: contractor.w9?.legalName ?? contractor.legalName, businessName: contractor.w9?.businessName ?? '',
    taxClassification: contractor.w9?.taxClassification ?? 'individual', line1: contractor.w9?.address.line1 ?? '', line2: contractor.w9?.address.line2 ?? '',
    city: contractor.w9?.address.city ?? '', state: contractor.w9?.address.state ?? '', zip: contractor.w9?.address.zip ?? '', certifiedOn: today(),
  });
  const [form, setForm] = useState(blank);
  const [error, setError] = useState<unknown>();
  const [done, setDone] = useState<string>();
  async function submit(e: FormEvent) {
    e.preventDefault();
    setError(undefined);
    setDone(undefined);
    try {
      const saved = await must(
        api.PUT('/api/contractors/{id}/w9', {
          params: { path: { id: contractor.id } },
          body: {
            tinType: form.tinType as 'SSN' | 'EIN', tin: form.tin, legalName: form.legalName, businessName: form.businessName || null,
            taxClassification: form.taxClassification as Schemas['ReceiveW9']['taxClassification'],
            address: { line1: form.line1, line2: form.line2 || null, city: form.city, state: form.state, zip: form.zip }, certifiedOn: form.certifiedOn || null,
          },
        }),
      );
      setForm({ ...form, tin: '' });
      setDone(`W-9 saved: ${saved.w9?.tinType ?? ''} ${saved.w9?.tinMasked ?? ''}.`);
      onDone();
    } catch (err) {
      setError(err);
    }
  }
  type K = keyof ReturnType<typeof blank>;
  const field = (k: K, label: string, apiField: string, type = 'text') => (
    <div className="field">
      <label htmlFor={`${id}-${k}`}>{label}</label>
      <input
        id={`${id}-${k}`}
        type={type}
        value={form[k]}
        onChange={(e) => setForm({ ...form, [k]: e.target.value })}
        aria-describedby={`${id}-${k}-err`}
        aria-invalid={(error instanceof ApiProblem && error.field(apiField).length > 0) || undefined}
        autoComplete="off"
      />
      <FieldError id={`${id}-${k}-err`} error={error} field={apiField} />
    </div>
  );
  return (
    <form className="card" onSubmit={submit} aria-labelledby={`${id}-title`} noValidate>
      <h2 id={`${id}-title`}>{contractor.w9 ? 'Replace the W-9' : 'Enter the W-9'}</h2>
      <Outcome done={done} error={error} />
      <div className="field">
        <label htmlFor={`${id}-tinType`}>TIN type</label>
        <select id={`${id}-tinType`} value={form.tinType} onChange={(e) => setForm({ ...form, tinType: e.target.value })}>
          <option value="SSN">SSN</option>
          <option value="EIN">EIN</option>
        </select>
      </div>
      {field('tin', 'TIN', 'tin')}
      {field('legalName', 'Name on the W-9', 'legalName')}
      {field('businessName', 'Business name (optional)', 'businessName')}
      <div className="field">
        <label htmlFor={`${id}-class`}>Tax classification</label>
        <select id={`${id}-class`} value={form.taxClassification} onChange={(e) => setForm({ ...form, taxClassification: e.target.value })}>
          {classifications.map(([v, l]) => (
            <option key={v} value={v}>
              {l}
            </option>
          ))}
        </select>
        <FieldError id={`${id}-class-err`} error={error} field="taxClassification" />
      </div>
      {field('line1', 'Address', 'address.line1')}
      {field('line2', 'Address line 2 (optional)', 'address.line2')}
      <div className="toolbar">
        {field('city', 'City', 'address.city')}
        {field('state', 'State', 'address.state')}
        {field('zip', 'ZIP', 'address.zip')}
      </div>
      {field('certifiedOn', 'Certified on', 'certifiedOn', 'date')}
      <button type="submit" className="primary">
        Save W-9
      </button>
    </form>
  );
}

/** Links the contractor's Stripe connected account, where pay runs send its payments. */
function PayoutForm({ contractor, onDone }: { contractor: Schemas['ContractorView']; onDone: () => void }) {
  const id = useId();
  const [account, setAccount] = useState('');
  const [error, setError] = useState<unknown>();
  const [done, setDone] = useState<string>();
  async function submit(e: FormEvent) {
    e.preventDefault();
    setError(undefined);
    setDone(undefined);
    try {
      await must(api.POST('/api/contractors/{id}/payout-account', { params: { path: { id: contractor.id } }, body: { stripeAccountId: account } }));
      setDone(`Payout account ${account} linked.`);
      setAccount('');
      onDone();
    } catch (err) {
      setError(err);
    }
  }
  return (
    <form className="card" onSubmit={submit} aria-labelledby={`${id}-title`} noValidate>
      <h2 id={`${id}-title`}>{contractor.stripeAccountId ? 'Replace the payout account' : 'Link the payout account'}</h2>
      <Outcome done={done} error={error} />
      <div className="field">
        <label htmlFor={`${id}-acct`}>Stripe account id</label>
        <input id={`${id}-acct`} value={account} placeholder="acct_…" onChange={(e) => setAccount(e.target.value)} aria-describedby={`${id}-acct-err`} autoComplete="off" />
        <FieldError id={`${id}-acct-err`} error={error} field="stripeAccountId" />
      </div>
      <button type="submit" className="primary">
        Link account
      </button>
    </form>
  );
}
