import { lazy, Suspense, useEffect, useState } from 'react';
import { Link, useParams } from 'react-router-dom';
import { ApiProblem, api, downloadInvoicePdf, must, type Schemas } from '../api/client';
import { watchVisits, type VisitArrived } from '../live';
import { currentSession } from '../session';
import { Confirm, Loaded, Money, Page, ProblemView, StatusBadge, useLoad, date, period, instant, datesIn, visitTypeLabel } from '../ui';

// Chart.js loads only for the owner's dashboard: the therapist's phone never downloads it.
const MarginCharts = lazy(() => import('./Charts').then((m) => ({ default: m.MarginCharts })));

function useNames() {
  const [names, setNames] = useState<Record<string, string>>({});
  useEffect(() => {
    const role = currentSession()?.role;
    Promise.all([
      must(api.GET('/api/agencies', { params: { query: { pageSize: 500 } } })).then((r) => r.items.map((a) => [a.id, a.name])),
      role === 'accountant'
        ? Promise.resolve([])
        : must(api.GET('/api/contractors', { params: { query: { pageSize: 500 } } })).then((r) => r.items.map((c) => [c.id, c.legalName])),
    ])
      .then(([a, c]) => setNames(Object.fromEntries([...a, ...c])))
      .catch(() => undefined);
  }, []);
  return names;
}

export function Dashboard() {
  const current = useLoad(async () => {
    const cycle = await must(api.GET('/api/cycles/current'));
    const preview = await must(api.GET('/api/cycles/{id}/preview', { params: { path: { id: cycle.id } } }));
    return { cycle, preview };
  });
  const names = useNames();
  return (
    <Page title="Dashboard">
      <div className="grid">
        <section aria-labelledby="cycle-title" className="card">
          <h2 id="cycle-title">Current cycle</h2>
          <Loaded state={current}>{({ preview }) => <PreviewSummary preview={preview} names={names} />}</Loaded>
        </section>
        <LiveVisits names={names} />
      </div>
      {currentSession()?.role === 'owner' && (
        <Suspense fallback={<p aria-busy="true">Loading charts…</p>}>
          <MarginCharts />
        </Suspense>
      )}
    </Page>
  );
}

function LiveVisits({ names }: { names: Record<string, string> }) {
  const [visits, setVisits] = useState<VisitArrived[]>([]);
  const [connected, setConnected] = useState(false);
  useEffect(() => watchVisits((v) => setVisits((list) => [v, ...list].slice(0, 20)), setConnected), []);
  return (
    <section aria-labelledby="live-title" className="card">
      <h2 id="live-title">
        Visits arriving <span className={`dot ${connected ? 'on' : ''}`}>{connected ? 'live' : 'connecting…'}</span>
      </h2>
      {visits.length === 0 ? (
        <p className="hint">Visits appear here the moment therapists log them.</p>
      ) : (
        <ul className="feed" aria-live="polite" aria-label="Visits logged since this page opened">
          {visits.map((v) => (
            <li key={v.id}>
              <strong>{names[v.contractorId] ?? 'A therapist'}</strong> · {visitTypeLabel(v.visitType)} {v.discipline} for {names[v.agencyId] ?? 'an agency'}
              <span className="hint"> · {date(v.visitDate)}{v.noteSigned ? '' : ' · note unsigned'}</span>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

function PreviewSummary({ preview, names }: { preview: Schemas['CyclePreview']; names: Record<string, string> }) {
  const billed = preview.invoices.reduce((s, i) => s + Number(i.total), 0);
  const paid = preview.payStubs.reduce((s, p) => s + Number(p.total), 0);
  return (
    <>
      <p>
        <Link to={`/cycles/${preview.cycleId}`}>{period(preview.periodStart, preview.periodEnd)}</Link>
      </p>
      <dl className="figures">
        <div>
          <dt>To bill</dt>
          <dd>
            <Money value={billed} />
          </dd>
        </div>
        <div>
          <dt>To pay</dt>
          <dd>
            <Money value={paid} />
          </dd>
        </div>
        <div>
          <dt>Margin</dt>
          <dd>
            <Money value={billed - paid} />
          </dd>
        </div>
        <div>
          <dt>Notes unsigned</dt>
          <dd>{preview.visitsAwaitingSignature}</dd>
        </div>
      </dl>
      {preview.blockingVisits.length > 0 && (
        <>
          <h3>Blocking the close</h3>
          <ul>
            {preview.blockingVisits.map((b) => (
              <li key={b.visitId}>
                {date(b.visitDate)} · {names[b.contractorId] ?? 'therapist'} · {b.discipline} {visitTypeLabel(b.visitType)} for {names[b.agencyId] ?? 'agency'}: missing{' '}
                {b.missing.join(', ')}
              </li>
            ))}
          </ul>
        </>
      )}
      {!preview.canClose && preview.cannotCloseBecause && <p className="hint">{datesIn(preview.cannotCloseBecause)}</p>}
    </>
  );
}

export function Cycles() {
  // The current cycle first: a tenant's first cycle opens on the first look at it.
  const cycles = useLoad(() => must(api.GET('/api/cycles/current')).then(() => must(api.GET('/api/cycles', { params: { query: { pageSize: 50 } } }))));
  return (
    <Page title="Cycles">
      <Loaded state={cycles}>
        {(r) => (
          <table>
            <caption className="sr-only">Billing cycles, newest first</caption>
            <thead>
              <tr>
                <th scope="col">Period</th>
                <th scope="col">Status</th>
                <th scope="col">Closed</th>
              </tr>
            </thead>
            <tbody>
              {r.items.map((c) => (
                <tr key={c.id}>
                  <td>
                    <Link to={`/cycles/${c.id}`}>{period(c.periodStart, c.periodEnd)}</Link>
                  </td>
                  <td>
                    <StatusBadge status={c.status} />
                  </td>
                  <td>{instant(c.closedAt)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Loaded>
    </Page>
  );
}

export function CycleDetail() {
  const { id } = useParams();
  const role = currentSession()!.role;
  const names = useNames();
  const cycle = useLoad(() => must(api.GET('/api/cycles/{id}', { params: { path: { id: id! } } })), [id]);
  const [closeError, setCloseError] = useState<unknown>();
  const [closing, setClosing] = useState(false);
  // One key per attempt to close. Unanswered (the network), the next click is the same attempt, so a close the server
  // did make is not made twice; answered (a refusal: blocking visits, a period not over), the next click, once they
  // are dealt with, is a new attempt, not the replay of that refusal.
  const [closeKey, setCloseKey] = useState(() => crypto.randomUUID());
  // Closing issues the invoices (and e-mails them) and the pay stubs: it cannot be undone, so it is asked twice.
  const [confirming, setConfirming] = useState(false);

  async function close() {
    setConfirming(false);
    setClosing(true);
    setCloseError(undefined);
    try {
      await must(api.POST('/api/cycles/{id}/close', { params: { path: { id: id! } }, headers: { 'Idempotency-Key': closeKey } }));
      cycle.reload();
    } catch (e) {
      setCloseError(e);
      if (e instanceof ApiProblem) setCloseKey(crypto.randomUUID());
    } finally {
      setClosing(false);
    }
  }

  return (
    <Loaded state={cycle}>
      {(c) => (
        <Page
          title={`Cycle ${period(c.periodStart, c.periodEnd)}`}
          actions={
            c.status === 'open' && (role === 'owner' || role === 'billing') && !confirming ? (
              <button type="button" className="primary" onClick={() => setConfirming(true)} disabled={closing}>
                {closing ? 'Closing…' : 'Close cycle'}
              </button>
            ) : undefined
          }
        >
          {confirming && (
            <Confirm label="Confirm the close" action="Close and issue invoices" onConfirm={close} onCancel={() => setConfirming(false)}>
              <p>
                Close the cycle of {period(c.periodStart, c.periodEnd)}? Its invoices are issued and e-mailed to the agencies and its pay
                stubs issued, as in the preview below. A close cannot be undone: later changes go on the next cycle.
              </p>
            </Confirm>
          )}
          <ProblemView error={closeError} />
          {c.status === 'open' ? <OpenCycle id={c.id} names={names} /> : <ClosedCycle id={c.id} role={role} />}
        </Page>
      )}
    </Loaded>
  );
}

function OpenCycle({ id, names }: { id: string; names: Record<string, string> }) {
  const preview = useLoad(() => must(api.GET('/api/cycles/{id}/preview', { params: { path: { id } } })), [id]);
  return (
    <Loaded state={preview}>
      {(p) => (
        <div className="grid">
          <section className="card" aria-labelledby="preview-title">
            <h2 id="preview-title">If it closed now</h2>
            <PreviewSummary preview={p} names={names} />
          </section>
          <section className="card" aria-labelledby="preview-docs">
            <h2 id="preview-docs">Invoices and pay stubs it would issue</h2>
            <DocTable caption="Invoices" docs={p.invoices} />
            <DocTable caption="Pay stubs" docs={p.payStubs} />
          </section>
        </div>
      )}
    </Loaded>
  );
}

function DocTable({ caption, docs }: { caption: string; docs: Schemas['PreviewDocument'][] }) {
  return (
    <table>
      <caption>{caption}</caption>
      <thead>
        <tr>
          <th scope="col">For</th>
          <th scope="col" className="num">
            Lines
          </th>
          <th scope="col" className="num">
            Total
          </th>
        </tr>
      </thead>
      <tbody>
        {docs.map((d) => (
          <tr key={d.id}>
            <td>{d.name}</td>
            <td className="num">{d.lines}</td>
            <td className="num">
              <Money value={d.total} />
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function ClosedCycle({ id, role }: { id: string; role: string }) {
  const seesInvoices = role === 'owner' || role === 'billing';
  const seesStubs = role === 'owner' || role === 'payroll';
  const invoices = useLoad(
    () => (seesInvoices ? must(api.GET('/api/invoices', { params: { query: { cycleId: id, pageSize: 500 } } })) : Promise.resolve(null)),
    [id],
  );
  const stubs = useLoad(
    () => (seesStubs ? must(api.GET('/api/paystubs', { params: { query: { cycleId: id, pageSize: 500 } } })) : Promise.resolve(null)),
    [id],
  );
  const [error, setError] = useState<unknown>();
  return (
    <div className="grid">
      <ProblemView error={error} />
      {seesInvoices && (
        <section className="card" aria-labelledby="inv-title">
          <h2 id="inv-title">Invoices</h2>
          <Loaded state={invoices}>
            {(r) => (
              <table>
                <caption className="sr-only">Invoices of this cycle</caption>
                <thead>
                  <tr>
                    <th scope="col">Number</th>
                    <th scope="col">Agency</th>
                    <th scope="col">Due</th>
                    <th scope="col" className="num">
                      Total
                    </th>
                    <th scope="col">PDF</th>
                  </tr>
                </thead>
                <tbody>
                  {r!.items.map((i) => (
                    <tr key={i.id}>
                      <td className="nowrap">
                        <Link to={`/cycles/${id}/invoices/${i.id}`}>{i.number}</Link>
                      </td>
                      <td>{i.agencyName}</td>
                      <td className="nowrap">{date(i.dueOn)}</td>
                      <td className="num">
                        <Money value={i.total} />
                      </td>
                      <td>
                        <button type="button" className="link" onClick={() => downloadInvoicePdf(i).catch(setError)}>
                          Download<span className="sr-only"> invoice {i.number}</span>
                        </button>
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
          </Loaded>
        </section>
      )}
      {seesStubs && (
        <section className="card" aria-labelledby="stub-title">
          <h2 id="stub-title">Pay stubs</h2>
          <Loaded state={stubs}>
            {(r) => (
              <table>
                <caption className="sr-only">Pay stubs of this cycle</caption>
                <thead>
                  <tr>
                    <th scope="col">Therapist</th>
                    <th scope="col" className="num">
                      Visits
                    </th>
                    <th scope="col" className="num">
                      Mileage
                    </th>
                    <th scope="col" className="num">
                      Total
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {r!.items.map((p) => (
                    <tr key={p.id}>
                      <td>
                        <Link to={`/cycles/${id}/paystubs/${p.id}`}>{p.contractorName}</Link>
                      </td>
                      <td className="num">{p.lines.length}</td>
                      <td className="num">
                        <Money value={p.mileage} />
                      </td>
                      <td className="num">
                        <Money value={p.total} />
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
          </Loaded>
        </section>
      )}
    </div>
  );
}
