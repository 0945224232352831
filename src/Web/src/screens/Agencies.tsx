import { useId, useState, type FormEvent } from 'react';
import { Link, useParams } from 'react-router-dom';
import { api, must } from '../api/client';
import { currentSession } from '../session';
import { FieldError, Loaded, Page, ProblemView, today, useLoad, date } from '../ui';
import { RateMatrix } from './RateMatrix';
import { allDisciplines, RateHistory, RateSetForm } from './RateSetForm';

const canWrite = () => ['owner', 'billing'].includes(currentSession()!.role);

export function Agencies() {
  const list = useLoad(() => must(api.GET('/api/agencies', { params: { query: { pageSize: 500 } } })));
  return (
    <Page title="Agencies">
      <div className="grid">
        <Loaded state={list}>
          {(r) => (
            <table>
              <caption className="sr-only">Agencies</caption>
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">Billing e-mail</th>
                  <th scope="col" className="num">
                    Terms (days)
                  </th>
                </tr>
              </thead>
              <tbody>
                {r.items.map((a) => (
                  <tr key={a.id}>
                    <td>
                      <Link to={`/agencies/${a.id}`}>{a.name}</Link>
                    </td>
                    <td>{a.billingEmail}</td>
                    <td className="num">{a.paymentTermsDays}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </Loaded>
        {canWrite() && <Register onDone={list.reload} />}
      </div>
    </Page>
  );
}

function Register({ onDone }: { onDone: () => void }) {
  const id = useId();
  const [form, setForm] = useState({ name: '', billingEmail: '', paymentTermsDays: '30' });
  const [error, setError] = useState<unknown>();
  async function submit(e: FormEvent) {
    e.preventDefault();
    setError(undefined);
    try {
      await must(
        api.POST('/api/agencies', {
          body: { name: form.name, billingEmail: form.billingEmail, address: null, paymentTermsDays: form.paymentTermsDays === '' ? null : Number(form.paymentTermsDays) },
        }),
      );
      setForm({ name: '', billingEmail: '', paymentTermsDays: '30' });
      onDone();
    } catch (err) {
      setError(err);
    }
  }
  const text = (k: keyof typeof form, label: string, type = 'text') => (
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
      <h2 id={`${id}-title`}>Register an agency</h2>
      <ProblemView error={error} />
      {text('name', 'Name')}
      {text('billingEmail', 'Billing e-mail', 'email')}
      {text('paymentTermsDays', 'Payment terms (days)')}
      <button type="submit" className="primary">
        Register
      </button>
    </form>
  );
}

/** An agency, its bill-rate matrix in effect on a date (a later date shows a later rate set), every set recorded, and a new set (billing, owner). */
export function AgencyDetail() {
  const { id } = useParams();
  const [asOf, setAsOf] = useState(today());
  const agency = useLoad(() => must(api.GET('/api/agencies/{id}', { params: { path: { id: id! } } })), [id]);
  const rates = useLoad(() => must(api.GET('/api/agencies/{id}/bill-rates', { params: { path: { id: id! }, query: { asOf } } })), [id, asOf]);
  const history = useLoad(() => must(api.GET('/api/agencies/{id}/bill-rates/history', { params: { path: { id: id! } } })), [id]);
  return (
    <Loaded state={agency}>
      {(a) => (
        <Page title={a.name}>
          <p>
            {a.billingEmail} · payment terms {a.paymentTermsDays} days
          </p>
          <section className="card" aria-labelledby="bill-title">
            <h2 id="bill-title">Bill rates</h2>
            <div className="toolbar">
              <label htmlFor="bill-asof">In effect on</label>
              <input id="bill-asof" type="date" value={asOf} onChange={(e) => setAsOf(e.target.value)} style={{ width: 'auto' }} />
            </div>
            {rates.error ? (
              <ProblemView error={rates.error} />
            ) : (
              <Loaded state={rates}>
                {(r) =>
                  r.rateSetId ? (
                    <>
                      <p className="hint">Set effective from {date(r.effectiveFrom)}.</p>
                      <RateMatrix rates={r.rates} caption={`Bill rates in effect on ${date(r.asOf)}`} />
                    </>
                  ) : (
                    <p>No bill rates in effect on {date(r.asOf)}.</p>
                  )
                }
              </Loaded>
            )}
          </section>
          {history.data && canWrite() && (
            <RateSetForm
              title="Set a bill rate set"
              disciplines={allDisciplines}
              latest={history.data.rateSets[0]}
              onSave={async (body) => {
                await must(api.PUT('/api/agencies/{id}/bill-rates', { params: { path: { id: id! } }, body }));
                rates.reload();
                history.reload();
              }}
            />
          )}
          <section className="card" aria-labelledby="bill-history-title">
            <h2 id="bill-history-title">Bill rate history</h2>
            <Loaded state={history}>{(h) => <RateHistory sets={h.rateSets} what="Bill" />}</Loaded>
          </section>
        </Page>
      )}
    </Loaded>
  );
}
