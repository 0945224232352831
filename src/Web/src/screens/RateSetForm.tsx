import { useId, useState, type FormEvent } from 'react';
import { ApiProblem, type Discipline, type Schemas, type VisitType } from '../api/client';
import { allVisitTypes, FieldError, Outcome, today, date, visitTypeLabel } from '../ui';
import { RateMatrix } from './RateMatrix';

export const allDisciplines: Discipline[] = ['PT', 'PTA', 'OT', 'COTA', 'ST'];

type RateInput = Schemas['RateInput'];
interface Override {
  agencyId: string;
  discipline: Discipline;
  visitType: VisitType;
  amount: string;
}
export interface RateSetBody {
  effectiveFrom: string | null;
  rates: RateInput[];
  mileageRate?: string | null;
}

const key = (d: string, t: string) => `${d}|${t}`;
/** An amount as typed: a number when it reads as one, else the text (the API names the bad field). */
const amountOf = (s: string): number | string => (/^\s*-?\d+(\.\d+)?\s*$/.test(s) ? Number(s) : s.trim());

/**
 * A new rate set: the effective date and the discipline x visit type matrix (an empty cell has no
 * rate), with agency overrides and the mileage rate for pay sheets. Starts from the latest set so
 * that a change is a few cells. A later set replaces the whole earlier one from its date.
 */
export function RateSetForm({
  title, disciplines, latest, agencies, onSave,
}: {
  title: string;
  disciplines: Discipline[];
  latest?: Schemas['RateSetEntry'];
  /** Pay sheets only: the agencies an override may name, and the mileage rate. */
  agencies?: { id: string; name: string }[];
  onSave: (body: RateSetBody) => Promise<unknown>;
}) {
  const id = useId();
  const general = (latest?.rates ?? []).filter((r) => !r.agencyId);
  const columns = [...new Set([...disciplines, ...general.map((r) => r.discipline)])];
  const [effectiveFrom, setEffectiveFrom] = useState(today());
  const [cells, setCells] = useState<Record<string, string>>(() => Object.fromEntries(general.map((r) => [key(r.discipline, r.visitType), String(r.amount)])));
  const [overrides, setOverrides] = useState<Override[]>(() =>
    (latest?.rates ?? []).filter((r) => r.agencyId).map((r) => ({ agencyId: r.agencyId!, discipline: r.discipline, visitType: r.visitType, amount: String(r.amount) })),
  );
  const [mileage, setMileage] = useState(latest?.mileageRate == null ? '' : String(latest.mileageRate));
  const [error, setError] = useState<unknown>();
  const [sent, setSent] = useState<string[]>([]);
  const [done, setDone] = useState<string>();

  async function submit(e: FormEvent) {
    e.preventDefault();
    setError(undefined);
    setDone(undefined);
    const rates: RateInput[] = [];
    const keys: string[] = [];
    for (const t of allVisitTypes)
      for (const d of columns) {
        const v = cells[key(d, t)]?.trim();
        if (v) {
          rates.push({ discipline: d, visitType: t, amount: amountOf(v) });
          keys.push(key(d, t));
        }
      }
    overrides.forEach((o, i) => {
      rates.push({ discipline: o.discipline, visitType: o.visitType, amount: o.amount.trim() === '' ? null : amountOf(o.amount), agencyId: o.agencyId || null });
      keys.push(`override-${i}`);
    });
    setSent(keys);
    // Text that is no amount at all never reaches the API (it could only refuse the whole body): named here, cell by cell.
    const bad = rates.flatMap((r, i) => (typeof r.amount === 'string' && r.amount !== '' ? [i] : []));
    if (bad.length > 0) {
      setError(
        new ApiProblem({
          status: 0,
          title: 'Some rates are not amounts.',
          errors: Object.fromEntries(bad.map((i) => [`rates[${i}].amount`, [`${rates[i].discipline} ${visitTypeLabel(rates[i].visitType ?? '')}: '${rates[i].amount}' is not an amount such as 95.00.`]])),
        }),
      );
      return;
    }
    try {
      await onSave({ effectiveFrom: effectiveFrom || null, rates, ...(agencies ? { mileageRate: mileage.trim() === '' ? null : String(amountOf(mileage)) } : {}) });
      setDone(`Rate set effective from ${date(effectiveFrom)} saved.`);
    } catch (err) {
      setError(err);
    }
  }

  /** The API names a rate by its place in the list sent: rates[3].amount. */
  const invalid = (k: string) => {
    const i = sent.indexOf(k);
    return i >= 0 && error instanceof ApiProblem && Object.keys(error.problem.errors ?? {}).some((f) => f.toLowerCase().startsWith(`rates[${i}]`));
  };

  return (
    <form className="card" onSubmit={submit} aria-labelledby={`${id}-title`} noValidate>
      <h2 id={`${id}-title`}>{title}</h2>
      <p className="hint">A new set replaces the whole earlier one from its effective date; an empty cell has no rate.</p>
      <Outcome done={done} error={error} />
      <div className="toolbar">
        <div className="field" style={{ flex: 'none' }}>
          <label htmlFor={`${id}-eff`}>Effective from</label>
          <input id={`${id}-eff`} type="date" value={effectiveFrom} onChange={(e) => setEffectiveFrom(e.target.value)} aria-describedby={`${id}-eff-err`} />
          <FieldError id={`${id}-eff-err`} error={error} field="effectiveFrom" />
        </div>
        {agencies && (
          <div className="field" style={{ flex: 'none' }}>
            <label htmlFor={`${id}-mileage`}>Mileage rate (per mile)</label>
            <input id={`${id}-mileage`} inputMode="decimal" value={mileage} onChange={(e) => setMileage(e.target.value)} aria-describedby={`${id}-mileage-err`} />
            <FieldError id={`${id}-mileage-err`} error={error} field="mileageRate" />
          </div>
        )}
      </div>
      <div className="scroll">
        <table className="rate-grid">
          <caption>Rates by visit type and discipline</caption>
          <thead>
            <tr>
              <th scope="col">Visit type</th>
              {columns.map((d) => (
                <th key={d} scope="col" className="num">
                  {d}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {allVisitTypes.map((t) => (
              <tr key={t}>
                <th scope="row">{visitTypeLabel(t)}</th>
                {columns.map((d) => (
                  <td key={d}>
                    <input
                      aria-label={`${d} ${t} rate`}
                      inputMode="decimal"
                      className="num"
                      value={cells[key(d, t)] ?? ''}
                      aria-invalid={invalid(key(d, t)) || undefined}
                      onChange={(e) => setCells({ ...cells, [key(d, t)]: e.target.value })}
                    />
                  </td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {agencies && (
        <fieldset className="overrides">
          <legend>Agency overrides (paid instead of the general rate for visits at that agency)</legend>
          {overrides.map((o, i) => {
            const set = (patch: Partial<Override>) => setOverrides(overrides.map((x, j) => (j === i ? { ...x, ...patch } : x)));
            const n = i + 1;
            return (
              <div key={i} className="toolbar" aria-invalid={invalid(`override-${i}`) || undefined}>
                <select aria-label={`Override ${n} agency`} value={o.agencyId} onChange={(e) => set({ agencyId: e.target.value })}>
                  <option value="">Agency…</option>
                  {agencies.map((a) => (
                    <option key={a.id} value={a.id}>
                      {a.name}
                    </option>
                  ))}
                </select>
                <select aria-label={`Override ${n} discipline`} value={o.discipline} onChange={(e) => set({ discipline: e.target.value as Discipline })}>
                  {allDisciplines.map((d) => (
                    <option key={d}>{d}</option>
                  ))}
                </select>
                <select aria-label={`Override ${n} visit type`} value={o.visitType} onChange={(e) => set({ visitType: e.target.value as VisitType })}>
                  {allVisitTypes.map((t) => (
                    <option key={t} value={t}>
                      {visitTypeLabel(t)}
                    </option>
                  ))}
                </select>
                <input aria-label={`Override ${n} amount`} inputMode="decimal" className="num" style={{ width: '7rem' }} value={o.amount} onChange={(e) => set({ amount: e.target.value })} />
                <button type="button" className="link" onClick={() => setOverrides(overrides.filter((_, j) => j !== i))}>
                  Remove<span className="sr-only"> override {n}</span>
                </button>
              </div>
            );
          })}
          <button
            type="button"
            onClick={() => setOverrides([...overrides, { agencyId: agencies[0]?.id ?? '', discipline: columns[0] ?? 'PT', visitType: 'Routine', amount: '' }])}
          >
            Add an override
          </button>
        </fieldset>
      )}
      <button type="submit" className="primary">
        Save rate set
      </button>
    </form>
  );
}

/** Every rate set recorded, newest effective date first; the one in effect today is marked. */
export function RateHistory({ sets, agencyNames, what }: { sets: Schemas['RateSetEntry'][]; agencyNames?: Record<string, string>; what: string }) {
  if (sets.length === 0) return <p>No {what} rate sets recorded yet.</p>;
  const now = today();
  const current = sets.find((s) => !s.superseded && s.effectiveFrom <= now);
  return (
    <ol className="plain history">
      {sets.map((s) => (
        <li key={s.id}>
          <details className="card">
            <summary>
              <span>
                Effective from {date(s.effectiveFrom)}
                {s === current && <> <span className="badge badge-open">in effect today</span></>}
                {s.effectiveFrom > now && <> <span className="badge">scheduled</span></>}
                {s.superseded && <> <span className="badge badge-voided">replaced by a later set of that date</span></>}
              </span>
              <span className="hint">
                {s.rates.length} rate{s.rates.length === 1 ? '' : 's'}
                {s.mileageRate != null && `, mileage ${s.mileageRate}`}
              </span>
            </summary>
            <RateMatrix rates={s.rates} caption={`${what} rates effective from ${date(s.effectiveFrom)}`} agencyNames={agencyNames} />
          </details>
        </li>
      ))}
    </ol>
  );
}
