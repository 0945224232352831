import { useEffect, useId, useState, type FormEvent } from 'react';
import { ApiProblem, api, must, type Discipline, type Schemas, type VisitStatus, type VisitType } from '../api/client';
import { currentSession } from '../session';
import { FieldError, formFields, miles, readMiles, readable, Loaded, Page, ProblemView, StatusBadge, useLoad, date, visitTypeLabel, allVisitTypes } from '../ui';

type Visit = Schemas['VisitView'];

/** Visits for the office: filter by agency, therapist, status and dates; void one with a reason. */
export function OfficeVisits() {
  const role = currentSession()!.role;
  const canWrite = role === 'owner' || role === 'billing';
  const [filter, setFilter] = useState({ agencyId: '', contractorId: '', status: '', from: '', to: '' });
  const [applied, setApplied] = useState(filter);
  const people = useLoad(async () => {
    const [agencies, contractors] = await Promise.all([
      must(api.GET('/api/agencies', { params: { query: { pageSize: 500 } } })),
      must(api.GET('/api/contractors', { params: { query: { pageSize: 500 } } })),
    ]);
    return { agencies: agencies.items, contractors: contractors.items };
  });
  const visits = useLoad(
    () =>
      must(
        api.GET('/api/visits', {
          params: {
            query: {
              agencyId: applied.agencyId || undefined,
              contractorId: applied.contractorId || undefined,
              status: (applied.status || undefined) as VisitStatus | undefined,
              from: applied.from || undefined,
              to: applied.to || undefined,
              pageSize: 200,
            },
          },
        }),
      ),
    [applied],
  );
  const [voiding, setVoiding] = useState<Visit>();
  const [correcting, setCorrecting] = useState<Visit>();
  // What the last void or correction did, read out: the form closes, and the table may not show the field changed.
  const [done, setDone] = useState<string>();
  const names = Object.fromEntries([
    ...(people.data?.agencies ?? []).map((a) => [a.id, a.name]),
    ...(people.data?.contractors ?? []).map((c) => [c.id, c.legalName]),
  ]);
  const set = (k: keyof typeof filter) => (e: { target: { value: string } }) => setFilter({ ...filter, [k]: e.target.value });

  return (
    <Page title="Visits">
      <form
        className="filters"
        onSubmit={(e) => {
          e.preventDefault();
          setApplied(filter);
        }}
      >
        <div className="field">
          <label htmlFor="f-agency">Agency</label>
          <select id="f-agency" value={filter.agencyId} onChange={set('agencyId')}>
            <option value="">All agencies</option>
            {people.data?.agencies.map((a) => (
              <option key={a.id} value={a.id}>
                {a.name}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor="f-contractor">Therapist</label>
          <select id="f-contractor" value={filter.contractorId} onChange={set('contractorId')}>
            <option value="">All therapists</option>
            {people.data?.contractors.map((c) => (
              <option key={c.id} value={c.id}>
                {c.legalName}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor="f-status">Status</label>
          <select id="f-status" value={filter.status} onChange={set('status')}>
            <option value="">Any</option>
            <option value="open">Open</option>
            <option value="invoiced">Invoiced</option>
            <option value="voided">Voided</option>
          </select>
        </div>
        <div className="field">
          <label htmlFor="f-from">From</label>
          <input id="f-from" type="date" value={filter.from} onChange={set('from')} />
        </div>
        <div className="field">
          <label htmlFor="f-to">To</label>
          <input id="f-to" type="date" value={filter.to} onChange={set('to')} />
        </div>
        <button type="submit" className="primary">
          Filter
        </button>
      </form>
      {voiding && (
        <VoidForm
          visit={voiding}
          who={names[voiding.contractorId]}
          onDone={(changed) => {
            setVoiding(undefined);
            if (changed) {
              setDone(`The visit of ${date(voiding.visitDate)} is voided.`);
              visits.reload();
            }
          }}
        />
      )}
      {correcting && (
        <CorrectForm
          visit={correcting}
          who={names[correcting.contractorId]}
          contractor={people.data?.contractors.find((c) => c.id === correcting.contractorId)}
          agencyNames={names}
          onDone={(changed) => {
            setCorrecting(undefined);
            if (changed) {
              setDone(`The visit of ${date(correcting.visitDate)} is corrected.`);
              visits.reload();
            }
          }}
        />
      )}
      {done && (
        <p role="status" className="ok">
          {done}
        </p>
      )}
      <Loaded state={visits}>
        {(r) => (
          <>
            <p className="hint">
              {r.total} visit{Number(r.total) === 1 ? '' : 's'}
              {Number(r.total) > r.items.length && `, the first ${r.items.length} shown`}
            </p>
            <table>
              <caption className="sr-only">Visits matching the filter</caption>
              <thead>
                <tr>
                  <th scope="col">Date</th>
                  <th scope="col">Therapist</th>
                  <th scope="col">Agency</th>
                  <th scope="col">Patient</th>
                  <th scope="col">Visit</th>
                  <th scope="col" className="num">
                    Miles
                  </th>
                  <th scope="col">Note</th>
                  <th scope="col">Status</th>
                  {canWrite && <th scope="col">Actions</th>}
                </tr>
              </thead>
              <tbody>
                {[...r.items]
                  .sort((a, b) => b.visitDate.localeCompare(a.visitDate))
                  .map((v) => (
                    <tr key={v.id}>
                      <td className="nowrap">{date(v.visitDate)}</td>
                      <td>{names[v.contractorId] ?? ''}</td>
                      <td>{names[v.agencyId] ?? ''}</td>
                      <td>{v.patient ? `${v.patient.name} (${v.patient.mrn})` : ''}</td>
                      <td>
                        {v.discipline} {visitTypeLabel(v.visitType)}
                      </td>
                      <td className="num">{miles(v.miles)}</td>
                      <td>{v.noteSigned ? 'signed' : 'unsigned'}</td>
                      <td>
                        <StatusBadge status={v.status} />
                      </td>
                      {canWrite && (
                        <td>
                          {v.status !== 'voided' && (
                            <>
                              <button type="button" className="link" onClick={() => setCorrecting(v)}>
                                Correct<span className="sr-only"> the visit of {date(v.visitDate)} by {names[v.contractorId]}</span>
                              </button>
                              <button type="button" className="link" onClick={() => setVoiding(v)}>
                                Void<span className="sr-only"> the visit of {date(v.visitDate)} by {names[v.contractorId]}</span>
                              </button>
                            </>
                          )}
                        </td>
                      )}
                    </tr>
                  ))}
              </tbody>
            </table>
          </>
        )}
      </Loaded>
    </Page>
  );
}

function VoidForm({ visit, who, onDone }: { visit: Visit; who?: string; onDone: (changed: boolean) => void }) {
  const [reason, setReason] = useState('');
  const [error, setError] = useState<unknown>();
  const id = useId();
  useEffect(() => {
    document.getElementById(`${id}-reason`)?.focus();
  }, [id]);
  async function submit(e: FormEvent) {
    e.preventDefault();
    try {
      await must(
        api.POST('/api/visits/{id}/void', { params: { path: { id: visit.id } }, body: { reason, expectedVersion: visit.version } }),
      );
      onDone(true);
    } catch (err) {
      setError(err);
    }
  }
  return (
    <form className="card" onSubmit={submit} aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>
        Void the visit of {date(visit.visitDate)} by {who ?? 'the therapist'}
      </h2>
      <ProblemView error={error} />
      <div className="field">
        <label htmlFor={`${id}-reason`}>Reason (kept in the visit's history)</label>
        <input id={`${id}-reason`} value={reason} onChange={(e) => setReason(e.target.value)} aria-describedby={`${id}-reason-err`} />
        <FieldError id={`${id}-reason-err`} error={error} field="reason" />
      </div>
      <div className="toolbar">
        <button type="submit" className="primary">
          Void visit
        </button>
        <button type="button" onClick={() => onDone(false)}>
          Cancel
        </button>
      </div>
    </form>
  );
}


/** A correction: only the fields changed are sent, with the reason; an invoiced visit is reversed and re-billed at the next close. */
function CorrectForm({
  visit, who, contractor, agencyNames, onDone,
}: {
  visit: Visit;
  who?: string;
  /** The therapist's placements and disciplines: what the agency and discipline may be corrected to. */
  contractor?: { agencyIds: string[]; disciplines: string[] };
  agencyNames: Record<string, string>;
  onDone: (changed: boolean) => void;
}) {
  const agencyChoices = [...new Set([visit.agencyId, ...(contractor?.agencyIds ?? [])])];
  const disciplineChoices = [...new Set([visit.discipline as string, ...(contractor?.disciplines ?? [])])];
  const [form, setForm] = useState({ agencyId: visit.agencyId, discipline: visit.discipline as string, visitType: visit.visitType as string, visitDate: visit.visitDate, miles: visit.miles == null ? '' : String(visit.miles), reason: '' });
  const [error, setError] = useState<unknown>();
  const id = useId();
  async function submit(e: FormEvent) {
    e.preventDefault();
    const miles = readMiles(form.miles, 'The correction is not valid.');
    if (miles instanceof ApiProblem) {
      setError(miles);
      return;
    }
    try {
      await must(
        api.PUT('/api/visits/{id}', {
          params: { path: { id: visit.id } },
          body: {
            agencyId: form.agencyId !== visit.agencyId ? form.agencyId : null,
            patient: null,
            discipline: form.discipline !== visit.discipline ? (form.discipline as Discipline) : null,
            notes: null,
            allowDuplicate: null,
            duplicateReason: null,
            visitType: form.visitType !== visit.visitType ? (form.visitType as VisitType) : null,
            visitDate: form.visitDate !== visit.visitDate ? form.visitDate : null,
            miles: form.miles !== (visit.miles == null ? '' : String(visit.miles)) ? (miles ?? 0) : null, // emptied: no miles
            reason: form.reason,
            expectedVersion: visit.version,
          },
        }),
      );
      onDone(true);
    } catch (err) {
      // A refusal names the agency (or the therapist) by its id: said by name, as the form shows it.
      setError(readable(err, agencyNames));
    }
  }
  const { field, props } = formFields(id, form, setForm, error);
  return (
    <form className="card" onSubmit={submit} aria-labelledby={`${id}-title`} noValidate>
      <h2 id={`${id}-title`}>
        Correct the visit of {date(visit.visitDate)} by {who ?? 'the therapist'}
      </h2>
      <ProblemView error={error} />
      <div className="row">
        {field(
          'agencyId',
          'Agency',
          <select {...props('agencyId')}>
            {agencyChoices.map((a) => (
              <option key={a} value={a}>
                {agencyNames[a] ?? a}
              </option>
            ))}
          </select>,
        )}
        {field(
          'discipline',
          'Discipline',
          <select {...props('discipline')}>
            {disciplineChoices.map((d) => (
              <option key={d} value={d}>
                {d}
              </option>
            ))}
          </select>,
        )}
      </div>
      <div className="row">
        {field(
          'visitType',
          'Visit type',
          <select {...props('visitType')}>
            {allVisitTypes.map((t) => (
              <option key={t} value={t}>
                {visitTypeLabel(t)}
              </option>
            ))}
          </select>,
        )}
        {field('visitDate', 'Visit date', <input {...props('visitDate')} type="date" />)}
        {field('miles', 'Miles', <input {...props('miles')} inputMode="decimal" />)}
      </div>
      {field('reason', 'Reason for the correction', <input {...props('reason')} autoComplete="off" />)}
      <div className="toolbar">
        <button type="submit" className="primary">
          Save correction
        </button>
        <button type="button" onClick={() => onDone(false)}>
          Cancel
        </button>
      </div>
    </form>
  );
}
