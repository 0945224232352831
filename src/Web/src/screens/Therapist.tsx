import { useEffect, useId, useState, type FormEvent } from 'react';
import { ApiProblem, api, must, num, type Discipline, type Schemas, type VisitType } from '../api/client';
import { logVisit, type LogVisitBody } from '../offline';
import { currentSession } from '../session';
import { Confirm, FieldError, readMiles, readable, Loaded, Money, Page, ProblemView, StatusBadge, SumRow, today, useLoad, date, period, visitTypeLabel, paymentMethodLabel, allVisitTypes } from '../ui';

// Every visit type, the everyday ones first.
const visitTypes = ['Routine', ...allVisitTypes.filter((t) => t !== 'Routine')];

interface FormOptions {
  agencies: { id: string; name: string }[];
  disciplines: string[];
}

/** The therapist's own agencies and disciplines; kept on the phone so the form still opens offline. */
async function loadOptions(): Promise<FormOptions> {
  const s = currentSession()!;
  const cacheKey = `ct.formOptions.${s.tenant}.${s.contractorId}`;
  try {
    const [me, agencies] = await Promise.all([
      must(api.GET('/api/contractors/{id}', { params: { path: { id: s.contractorId! } } })),
      must(api.GET('/api/agencies', { params: { query: { pageSize: 500 } } })),
    ]);
    const options = { agencies: agencies.items.map((a) => ({ id: a.id, name: a.name })), disciplines: me.disciplines as string[] };
    localStorage.setItem(cacheKey, JSON.stringify(options));
    return options;
  } catch (e) {
    const cached = localStorage.getItem(cacheKey);
    if (cached) return JSON.parse(cached) as FormOptions;
    throw e;
  }
}

/** The therapist's agencies by id, as this phone last loaded them (refusals name agencies by id). */
export function agencyNamesOnPhone(): Record<string, string> {
  const s = currentSession();
  const cached = s && localStorage.getItem(`ct.formOptions.${s.tenant}.${s.contractorId}`);
  return cached ? Object.fromEntries((JSON.parse(cached) as FormOptions).agencies.map((a) => [a.id, a.name])) : {};
}

/**
 * A refusal about the therapist's own record, said to them ("You are not placed with ...") with what to do, instead of
 * the API's words about "the contractor". Other refusals are shown as the API says them.
 */
function toTheTherapist(problem: ApiProblem, visit: LogVisitBody, agency: string): ApiProblem {
  const p = problem.problem;
  const said: Record<string, string> = {
    'contractor-assigned': `You are not placed with ${agency} any more: ask the office before logging visits there.`,
    'contractor-active': 'Your record is deactivated, so visits cannot be logged: ask the office.',
    'contractor-discipline': `Your record does not list the ${visit.discipline} discipline: ask the office to add it.`,
  };
  return p.rule && said[p.rule] ? new ApiProblem({ ...p, detail: said[p.rule] }) : problem;
}

export function LogVisit() {
  const options = useLoad(loadOptions);
  return (
    <Page title="Log a visit">
      <Loaded state={options}>{(o) => <VisitForm options={o} />}</Loaded>
    </Page>
  );
}

function VisitForm({ options }: { options: FormOptions }) {
  const s = currentSession()!;
  const remembered = JSON.parse(localStorage.getItem(`ct.lastVisit.${s.contractorId}`) ?? '{}') as { agencyId?: string; discipline?: string };
  const [agencyId, setAgencyId] = useState(
    options.agencies.some((a) => a.id === remembered.agencyId) ? remembered.agencyId! : (options.agencies[0]?.id ?? ''),
  );
  const [discipline, setDiscipline] = useState(
    options.disciplines.includes(remembered.discipline ?? '') ? remembered.discipline! : (options.disciplines[0] ?? ''),
  );
  const [visitType, setVisitType] = useState<string>('Routine');
  const [visitDate, setVisitDate] = useState(today());
  const [patientName, setPatientName] = useState('');
  const [mrn, setMrn] = useState('');
  const [miles, setMiles] = useState('');
  // Not ticked for the therapist: a visit is billed once its note is signed, and that is theirs to say, visit by visit.
  const [noteSigned, setNoteSigned] = useState(false);
  const [error, setError] = useState<unknown>();
  const [message, setMessage] = useState<{ kind: 'sent' | 'waiting'; text: string }>();
  const [busy, setBusy] = useState(false);
  const [duplicateOf, setDuplicateOf] = useState<LogVisitBody>();
  const [duplicateReason, setDuplicateReason] = useState('');
  const id = useId();

  async function submit(e: FormEvent) {
    e.preventDefault();
    setError(undefined);
    setMessage(undefined);
    setDuplicateOf(undefined);
    const milesValue = readMiles(miles, 'The visit is not valid.');
    if (milesValue instanceof ApiProblem) {
      setError(milesValue);
      return;
    }
    localStorage.setItem(`ct.lastVisit.${s.contractorId}`, JSON.stringify({ agencyId, discipline }));
    await send({
      contractorId: s.contractorId!,
      agencyId,
      patient: { name: patientName.trim(), mrn: mrn.trim() },
      visitDate,
      discipline: discipline as Discipline,
      visitType: visitType as VisitType,
      miles: milesValue,
      noteSigned,
      notes: null,
      allowDuplicate: null,
      duplicateReason: null,
    });
  }

  async function send(body: LogVisitBody) {
    setBusy(true);
    setError(undefined);
    const outcome = await logVisit(body);
    setBusy(false);
    if (outcome.kind === 'refused') {
      // A probable duplicate (same patient, agency, date, discipline and type) is a question, not an error: the
      // therapist may log it as a separate visit, saying why.
      const problem = outcome.problem.problem;
      if (problem.status === 409 && problem.rule === 'probable-duplicate' && !body.allowDuplicate) setDuplicateOf(body);
      // A refusal names the agency by its id: said by the name the therapist chose it by, and to the therapist.
      else {
        const names = Object.fromEntries(options.agencies.map((a) => [a.id, a.name]));
        setError(toTheTherapist(readable(outcome.problem, names), body, names[body.agencyId ?? ''] ?? 'this agency'));
      }
      return;
    }
    setDuplicateOf(undefined);
    setDuplicateReason('');
    setMessage(
      outcome.kind === 'sent'
        ? { kind: 'sent', text: `Visit logged: ${patientName.trim()}, ${visitTypeLabel(visitType)}, ${date(visitDate)}.` }
        : { kind: 'waiting', text: 'No connection. The visit is saved on this phone and will be sent when the network is back.' },
    );
    setPatientName('');
    setMrn('');
    setMiles('');
    setVisitType('Routine');
    setNoteSigned(false);
  }

  if (options.agencies.length === 0)
    return <p className="problem">You are not placed with any agency yet. Ask the office to add you to one.</p>;
  return (
    <form onSubmit={submit} className="visit-form" noValidate>
      {message && (
        <p role="status" className={message.kind === 'sent' ? 'ok' : 'waiting'}>
          {message.text}
        </p>
      )}
      <ProblemView error={error} />
      {duplicateOf && (
        <Confirm
          label="A visit like this is already logged"
          action="Log as a separate visit"
          busy={busy}
          onConfirm={() => send({ ...duplicateOf, allowDuplicate: true, duplicateReason: duplicateReason.trim() === '' ? null : duplicateReason.trim() })}
          onCancel={() => setDuplicateOf(undefined)}
        >
          <p>
            A visit with the same patient, agency, date, discipline and type is already logged. If this is a separate visit, say why
            and log it; if not, there is nothing to do.
          </p>
          <div className="field">
            <label htmlFor={`${id}-why`}>Why is it a separate visit?</label>
            <input
              id={`${id}-why`}
              value={duplicateReason}
              onChange={(e) => setDuplicateReason(e.target.value)}
              aria-describedby={`${id}-why-err`}
            />
            <FieldError id={`${id}-why-err`} error={error} field="duplicateReason" />
          </div>
        </Confirm>
      )}
      <div className="field">
        <label htmlFor={`${id}-agency`}>Agency</label>
        <select id={`${id}-agency`} value={agencyId} onChange={(e) => setAgencyId(e.target.value)} aria-describedby={`${id}-agency-err`}>
          {options.agencies.map((a) => (
            <option key={a.id} value={a.id}>
              {a.name}
            </option>
          ))}
        </select>
        <FieldError id={`${id}-agency-err`} error={error} field="agencyId" />
      </div>
      <fieldset className="choices">
        <legend>Visit type</legend>
        {visitTypes.map((t) => (
          <label key={t} className={visitType === t ? 'chosen' : ''}>
            <input type="radio" name="visitType" value={t} checked={visitType === t} onChange={() => setVisitType(t)} />
            {visitTypeLabel(t)}
          </label>
        ))}
      </fieldset>
      {options.disciplines.length > 1 && (
        <fieldset className="choices">
          <legend>Discipline</legend>
          {options.disciplines.map((d) => (
            <label key={d} className={discipline === d ? 'chosen' : ''}>
              <input type="radio" name="discipline" value={d} checked={discipline === d} onChange={() => setDiscipline(d)} />
              {d}
            </label>
          ))}
        </fieldset>
      )}
      <div className="field">
        <label htmlFor={`${id}-name`}>Patient name</label>
        <input
          id={`${id}-name`}
          value={patientName}
          onChange={(e) => setPatientName(e.target.value)}
          autoComplete="off"
          aria-describedby={`${id}-name-err`}
        />
        <FieldError id={`${id}-name-err`} error={error} field="patient.name" />
      </div>
      <div className="row">
        <div className="field">
          <label htmlFor={`${id}-mrn`}>MRN</label>
          <input id={`${id}-mrn`} value={mrn} onChange={(e) => setMrn(e.target.value)} autoComplete="off" aria-describedby={`${id}-mrn-err`} />
          <FieldError id={`${id}-mrn-err`} error={error} field="patient.mrn" />
        </div>
        <div className="field">
          <label htmlFor={`${id}-miles`}>Miles</label>
          <input
            id={`${id}-miles`}
            inputMode="decimal"
            value={miles}
            onChange={(e) => setMiles(e.target.value)}
            aria-describedby={`${id}-miles-err`}
          />
          <FieldError id={`${id}-miles-err`} error={error} field="miles" />
        </div>
      </div>
      <div className="field">
        <label htmlFor={`${id}-date`}>Date</label>
        <input id={`${id}-date`} type="date" value={visitDate} onChange={(e) => setVisitDate(e.target.value)} aria-describedby={`${id}-date-err`} />
        <FieldError id={`${id}-date-err`} error={error} field="visitDate" />
      </div>
      <label className="check">
        <input type="checkbox" checked={noteSigned} onChange={(e) => setNoteSigned(e.target.checked)} /> I have signed the note for this visit
      </label>
      <button type="submit" className="primary big" disabled={busy}>
        {busy ? 'Logging…' : 'Log visit'}
      </button>
    </form>
  );
}

function useAgencyNames() {
  const [names, setNames] = useState<Record<string, string>>({});
  useEffect(() => {
    must(api.GET('/api/agencies', { params: { query: { pageSize: 500 } } }))
      .then((r) => setNames(Object.fromEntries(r.items.map((a) => [a.id, a.name]))))
      .catch(() => undefined);
  }, []);
  return names;
}

export function MyVisits() {
  const s = currentSession()!;
  const visits = useLoad(() => must(api.GET('/api/visits', { params: { query: { contractorId: s.contractorId, pageSize: 100 } } })));
  const agencies = useAgencyNames();
  const [signing, setSigning] = useState<string>();
  const [error, setError] = useState<unknown>();
  // A visit logged before its note was signed is billed only once it is: the therapist signs it here.
  async function sign(visitId: string) {
    setSigning(visitId);
    setError(undefined);
    try {
      await must(api.POST('/api/visits/{id}/sign-note', { params: { path: { id: visitId } } }));
      visits.reload();
    } catch (err) {
      setError(err);
    } finally {
      setSigning(undefined);
    }
  }
  return (
    <Page title="My visits">
      <ProblemView error={error} />
      <Loaded state={visits}>
        {(r) =>
          r.items.length === 0 ? (
            <p>No visits yet.</p>
          ) : (
            <>
            <UnsignedSummary count={r.items.filter(toSign).length} />
            <ul className="cards" aria-label="Visits">
              {[...r.items]
                // The notes to sign first (they hold up billing and the therapist's pay), then the newest.
                .sort((a, b) => Number(toSign(b)) - Number(toSign(a)) || b.visitDate.localeCompare(a.visitDate))
                .map((v) => (
                  <li key={v.id} className="card-row">
                    <div>
                      <strong>{v.patient?.name ?? 'Patient'}</strong> · {visitTypeLabel(v.visitType)} {v.discipline}
                      <div className="hint">
                        {date(v.visitDate)} · {agencies[v.agencyId] ?? 'Agency'}
                        {!v.noteSigned && ' · note unsigned'}
                      </div>
                    </div>
                    <div className="row-actions">
                      {toSign(v) && (
                        <button type="button" onClick={() => sign(v.id)} disabled={signing === v.id}>
                          {signing === v.id ? 'Signing…' : 'Sign note'}
                          <span className="sr-only"> of the visit of {date(v.visitDate)}</span>
                        </button>
                      )}
                      <StatusBadge status={v.status} />
                    </div>
                  </li>
                ))}
            </ul>
            </>
          )
        }
      </Loaded>
    </Page>
  );
}

const toSign = (v: Schemas['VisitView']) => !v.noteSigned && v.status !== 'voided';

function UnsignedSummary({ count }: { count: number }) {
  if (count === 0) return null;
  return (
    <p className="waiting">
      {count === 1 ? '1 note to sign' : `${count} notes to sign`}, listed first: the office may hold a visit back from billing and pay until its note is signed.
    </p>
  );
}

export function MyPayStubs() {
  const stubs = useLoad(() => must(api.GET('/api/paystubs', { params: { query: { pageSize: 100 } } })));
  return (
    <Page title="My pay stubs">
      <Loaded state={stubs}>
        {(r) =>
          r.items.length === 0 ? (
            <p>No pay stubs yet: they are issued when a cycle closes.</p>
          ) : (
            <ul className="cards" aria-label="Pay stubs">
              {r.items.map((p) => (
                <li key={p.id}>
                  <PayStubCard stub={p} />
                </li>
              ))}
            </ul>
          )
        }
      </Loaded>
    </Page>
  );
}

function PayStubCard({ stub }: { stub: Schemas['PayStubView'] }) {
  return (
    <details className="card">
      <summary>
        {/* On a narrow phone the period may break after its dash, never inside a date. */}
        <span className="period">
          <span>{date(stub.periodStart)}</span> – <span>{date(stub.periodEnd)}</span>
        </span>
        <Money value={stub.total} />
      </summary>
      <table>
        <caption className="sr-only">Lines of the pay stub for {period(stub.periodStart, stub.periodEnd)}</caption>
        <thead>
          <tr>
            <th scope="col">Date</th>
            <th scope="col">Visit</th>
            <th scope="col" className="num">
              Amount
            </th>
          </tr>
        </thead>
        <tbody>
          {stub.lines.map((l, i) => (
            <tr key={i}>
              <td className="nowrap">{date(l.visitDate)}</td>
              <td>
                {l.patientInitials} · {visitTypeLabel(l.visitType)} {l.discipline}
              </td>
              <td className="num">
                <Money value={l.amount} />
              </td>
            </tr>
          ))}
        </tbody>
        <tfoot>
          <SumRow label="Mileage" span={2} value={stub.mileage} />
          <SumRow label="Year to date paid" span={2} value={stub.ytdPaid} />
        </tfoot>
      </table>
    </details>
  );
}

/**
 * Why a payment has not reached the therapist. The API words a contractor's held or failed payment in the therapist's
 * terms (what they can do: a W-9, a payout account; otherwise that the office is arranging it), so it is shown as sent.
 */
function waitingFor(p: Schemas['PaymentView']): string {
  if (p.status === 'requested') return 'On its way.';
  return p.heldReason ?? p.failureReason ?? 'The office is arranging this payment.';
}

export function MyPayments() {
  const payments = useLoad(() => must(api.GET('/api/payments', { params: { query: { pageSize: 100 } } })));
  return (
    <Page title="My payments">
      <Loaded state={payments}>
        {(r) =>
          r.items.length === 0 ? (
            <p>No payments yet.</p>
          ) : (
            <ul className="cards" aria-label="Payments">
              {r.items.map((p) => (
                <li key={p.id} className="card-row">
                  <div>
                    <strong>
                      <Money value={p.amount} />
                    </strong>{' '}
                    · {paymentMethodLabel(p.method)}
                    <div className="hint">{p.paidOn ? date(p.paidOn) : waitingFor(p)}</div>
                  </div>
                  <StatusBadge status={p.status} />
                </li>
              ))}
            </ul>
          )
        }
      </Loaded>
    </Page>
  );
}

export const total = (xs: { total: number | string }[]) => xs.reduce((s, x) => s + num(x.total), 0);
