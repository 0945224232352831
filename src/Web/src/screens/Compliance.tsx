import { useId, useState, type FormEvent } from 'react';
import { api, must, type Schemas } from '../api/client';
import { Loaded, Page, ProblemView, useLoad, instant } from '../ui';
import { AsOf } from './AsOf';

/** Compliance: a stream's history (who, role, when, why), an invoice's lineage, replay-and-verify, the hash chain, the access log. */
export function Compliance() {
  const invoices = useLoad(() => must(api.GET('/api/invoices', { params: { query: { pageSize: 10 } } })));
  const [streamId, setStreamId] = useState('');
  const [shown, setShown] = useState<{ title: string; events: Schemas['AuditEvent'][] }>();
  const [error, setError] = useState<unknown>();

  async function history(id: string, title: string) {
    setError(undefined);
    try {
      const events = await must(api.GET('/api/audit/streams/{id}', { params: { path: { id } } }));
      setShown({ title, events });
    } catch (e) {
      setError(e);
    }
  }

  async function lineage(id: string, number: string) {
    setError(undefined);
    try {
      const l = await must(api.GET('/api/audit/documents/{kind}/{id}/lineage', { params: { path: { kind: 'invoice', id } } }));
      setShown({ title: `Lineage of invoice ${number}`, events: l.events });
    } catch (e) {
      setError(e);
    }
  }

  function submit(e: FormEvent) {
    e.preventDefault();
    void history(streamId.trim(), `History of stream ${streamId.trim()}`);
  }

  return (
    <Page title="Compliance">
      <div className="grid">
        <section className="card" aria-labelledby="find-title">
          <h2 id="find-title">Open a history</h2>
          <form onSubmit={submit} className="inline-form">
            <div className="field">
              <label htmlFor="stream-id">Stream id (a visit, contractor, agency, cycle, invoice…)</label>
              <input id="stream-id" value={streamId} onChange={(e) => setStreamId(e.target.value)} autoComplete="off" />
            </div>
            <button type="submit">Show history</button>
          </form>
          <h3>Recent invoices</h3>
          <Loaded state={invoices}>
            {(r) => (
              <ul className="plain">
                {r.items.map((i) => (
                  <li key={i.id}>
                    {i.number} · {i.agencyName}{' '}
                    <button type="button" className="link" onClick={() => history(i.id, `History of invoice ${i.number}`)}>
                      History<span className="sr-only"> of invoice {i.number}</span>
                    </button>{' '}
                    <button type="button" className="link" onClick={() => lineage(i.id, i.number)}>
                      Lineage<span className="sr-only"> of invoice {i.number}</span>
                    </button>
                  </li>
                ))}
              </ul>
            )}
          </Loaded>
        </section>
        <Integrity />
      </div>
      <ProblemView error={error} />
      {shown && <EventTable title={shown.title} events={shown.events} />}
      <AsOf />
      <AccessLog />
    </Page>
  );
}

function EventTable({ title, events }: { title: string; events: Schemas['AuditEvent'][] }) {
  return (
    <section className="card" aria-labelledby="events-title">
      <h2 id="events-title">{title}</h2>
      <table>
        <caption className="sr-only">{title}: every event, oldest first</caption>
        <thead>
          <tr>
            <th scope="col">Version</th>
            <th scope="col">When</th>
            <th scope="col">What</th>
            <th scope="col">Who</th>
            <th scope="col">Role</th>
            <th scope="col">Why</th>
          </tr>
        </thead>
        <tbody>
          {events.map((e) => (
            <tr key={`${e.streamId}-${e.sequence}`}>
              <td>{e.version}</td>
              <td className="nowrap">{instant(e.timestamp)}</td>
              <td>
                {eventInWords(e.type)} <span className="hint">({e.type})</span>
              </td>
              <td>{e.user}</td>
              <td>{e.role}</td>
              <td>{e.reason}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

function Integrity() {
  const [replay, setReplay] = useState<Schemas['ReplayReport']>();
  const [chain, setChain] = useState<Schemas['ChainVerification']>();
  const [busy, setBusy] = useState<string>();
  const [error, setError] = useState<unknown>();

  async function run<T>(what: string, call: () => Promise<T>, set: (v: T) => void) {
    setBusy(what);
    setError(undefined);
    try {
      set(await call());
    } catch (e) {
      setError(e);
    } finally {
      setBusy(undefined);
    }
  }

  const differing = replay?.projections.filter((p) => !p.identical) ?? [];
  return (
    <section className="card" aria-labelledby="integrity-title">
      <h2 id="integrity-title">Integrity</h2>
      <div className="toolbar">
        <button type="button" disabled={!!busy} onClick={() => run('replay', () => must(api.POST('/api/audit/replay')), setReplay)}>
          {busy === 'replay' ? 'Replaying…' : 'Replay and verify'}
        </button>
        <button type="button" disabled={!!busy} onClick={() => run('verify', () => must(api.GET('/api/audit/verify')), setChain)}>
          {busy === 'verify' ? 'Checking…' : 'Check the hash chain'}
        </button>
      </div>
      <ProblemView error={error} />
      {replay && (
        <div role="status" className={differing.length ? 'problem' : 'ok'}>
          <strong>
            {differing.length === 0
              ? `Replay: all ${replay.projections.length} projections identical`
              : `Replay: ${differing.length} of ${replay.projections.length} projections differ`}
          </strong>{' '}
          ({replay.events} events in {(Number(replay.elapsedMilliseconds) / 1000).toFixed(1)} s)
          {differing.length > 0 && (
            <ul>
              {differing.map((p) => (
                <li key={p.name}>
                  {p.name}: {p.differences.length} differences
                </li>
              ))}
            </ul>
          )}
        </div>
      )}
      {chain && (
        <div role="status" className={chain.valid ? 'ok' : 'problem'}>
          <strong>{chain.valid ? 'Hash chain intact' : 'Hash chain broken'}</strong>: {chain.eventsVerified} events verified, {chain.pendingEvents}{' '}
          pending
        </div>
      )}
    </section>
  );
}

function AccessLog() {
  const id = useId();
  // Who opened patient data: by user and days (UTC), as compliance is asked ("who looked at this in March?").
  const [filter, setFilter] = useState({ userId: '', from: '', to: '' });
  const [applied, setApplied] = useState(filter);
  const log = useLoad(
    () =>
      must(
        api.GET('/api/audit/access-log', {
          params: {
            query: {
              pageSize: 50,
              userId: applied.userId.trim() || undefined,
              from: applied.from ? `${applied.from}T00:00:00Z` : undefined,
              to: applied.to ? `${applied.to}T23:59:59.999Z` : undefined,
            },
          },
        }),
      ),
    [applied],
  );
  const set = (k: keyof typeof filter) => (e: { target: { value: string } }) => setFilter({ ...filter, [k]: e.target.value });
  return (
    <section className="card" aria-labelledby="access-title">
      <h2 id="access-title">Access log (patient data)</h2>
      <form
        className="row"
        aria-label="Filter the access log"
        onSubmit={(e) => {
          e.preventDefault();
          setApplied(filter);
        }}
      >
        <div className="field">
          <label htmlFor={`${id}-user`}>User</label>
          <input id={`${id}-user`} value={filter.userId} onChange={set('userId')} autoComplete="off" />
        </div>
        <div className="field">
          <label htmlFor={`${id}-from`}>From (UTC)</label>
          <input id={`${id}-from`} type="date" value={filter.from} onChange={set('from')} />
        </div>
        <div className="field">
          <label htmlFor={`${id}-to`}>To (UTC)</label>
          <input id={`${id}-to`} type="date" value={filter.to} onChange={set('to')} />
        </div>
        <button type="submit">Filter</button>
      </form>
      <Loaded state={log}>
        {(r) =>
          r.items.length === 0 ? (
            <p>{applied.userId || applied.from || applied.to ? 'No access matches the filter.' : 'No one has opened patient data yet.'}</p>
          ) : (
            <table>
              <caption className="sr-only">Who opened patient data, newest first</caption>
              <thead>
                <tr>
                  <th scope="col">When</th>
                  <th scope="col">Who</th>
                  <th scope="col">Role</th>
                  <th scope="col">What</th>
                </tr>
              </thead>
              <tbody>
                {r.items.map((a) => (
                  <tr key={a.id}>
                    <td className="nowrap">{instant(a.at)}</td>
                    <td>{a.userId}</td>
                    <td>{a.role}</td>
                    <td>
                      {a.recordKind} ({a.recordIds.length}) via {a.endpoint}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )
        }
      </Loaded>
    </section>
  );
}

/** An event's type as a sentence ("Visit logged"), beside the stored name compliance staff search by (visit_logged). */
const eventInWords = (type: string) => {
  const words = type.replace(/_/g, ' ');
  return words.charAt(0).toUpperCase() + words.slice(1);
};
