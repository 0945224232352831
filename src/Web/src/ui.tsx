import { useCallback, useEffect, useState, type ReactNode } from 'react';
import { ApiProblem, num, type VisitType } from './api/client';

/** Any failure, in words: the problem's title and detail and the field errors; network failures say so. */
export function describe(error: unknown): ApiProblem {
  if (error instanceof ApiProblem) return error;
  if (error instanceof TypeError) return new ApiProblem({ status: 0, title: 'The server could not be reached. Check the connection and try again.' });
  return new ApiProblem({ status: 0, title: error instanceof Error ? error.message : String(error) });
}

const quotedId = /'?\b([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\b'?/gi;

/**
 * A problem as people read it: the ids of records the screen knows by name (an agency, a therapist) said by their name
 * (the API's messages name ids, which mean nothing to a person), and dates written as every screen writes them.
 */
export function readable(error: unknown, names: Record<string, string> = {}): ApiProblem {
  const p = describe(error).problem;
  const say = (text: string) => datesIn(text.replace(quotedId, (whole, id: string) => names[id] ?? names[id.toLowerCase()] ?? whole));
  // A field message starts with the API's name of the field ('patient.name' is required.): said in words instead.
  const sayField = (text: string) => say(text.replace(/^'([A-Za-z][\w.[\]]*)'/, (_, field: string) => fieldInWords(field)));
  // The API's validation problem with field errors: its title is generic, the fields say what is wrong.
  const fieldsWrong = p.type === 'https://contracttherapy.dev/problems/validation' && Object.keys(p.errors ?? {}).length > 0;
  return new ApiProblem({
    ...p,
    title: fieldsWrong ? 'Some fields need a change:' : say(p.title),
    detail: p.detail === undefined ? undefined : say(p.detail),
    errors: p.errors && Object.fromEntries(Object.entries(p.errors).map(([field, messages]) => [field, messages.map(sayField)])),
  });
}

const acronyms: Record<string, string> = { mrn: 'MRN', tin: 'TIN', ein: 'EIN', ssn: 'SSN', zip: 'ZIP', w9: 'W-9' };

/**
 * An API field name as a person says it: <code>patient.name</code> is "Patient name", <code>visitDate</code> "Visit date",
 * <code>agencyId</code> "Agency", <code>rates[1].amount</code> "Rate 2 amount".
 */
export function fieldInWords(field: string): string {
  const words = field.split('.').flatMap((segment) => {
    const [, name, index] = /^([^[]*)(?:\[(\d+)\])?$/.exec(segment) ?? [segment, segment, undefined];
    const spoken = name
      .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
      .toLowerCase()
      .replace(/ id$/, '')
      .split(' ')
      .map((w) => acronyms[w] ?? w);
    if (index === undefined) return spoken;
    // A list's item: its place in the list, counted from 1, after the singular of the list's name.
    spoken[spoken.length - 1] = spoken[spoken.length - 1].replace(/s$/, '');
    return [...spoken, String(Number(index) + 1)];
  });
  const text = words.join(' ');
  return text.charAt(0).toUpperCase() + text.slice(1);
}

export function ProblemView({ error }: { error: unknown }) {
  if (!error) return null;
  const p = readable(error).problem;
  const fields = Object.entries(p.errors ?? {});
  return (
    <div role="alert" className="problem">
      {/* A refusal by a business rule is its detail ("... is not assigned to agency ..."); the title says only that a rule refused. */}
      <strong>{p.rule && p.detail ? p.detail : p.title}</strong>
      {/* A validation problem's detail is its field messages run together: listed once, below, not twice. */}
      {p.detail && fields.length === 0 && !p.rule && <p>{p.detail}</p>}
      {fields.length > 0 && (
        <ul>
          {fields.map(([field, messages]) => (
            <li key={field}>{messages.join(' ')}</li>
          ))}
        </ul>
      )}
    </div>
  );
}

/** The messages for one field, shown under it and tied to it with aria-describedby. */
/** What a form's last submit came to: a confirmation read out by screen readers, or the API's problem in words. */
export function Outcome({ done, error }: { done?: string; error: unknown }) {
  return (
    <>
      {done && (
        <p role="status" className="ok">
          {done}
        </p>
      )}
      <ProblemView error={error} />
    </>
  );
}

/**
 * A form's fields, each labelled and with its messages under it (tied by aria-describedby): <code>props(k)</code> for the
 * input of a text field of the form, <code>field(k, label, input)</code> around it.
 */
export function formFields<F extends Record<string, string>>(id: string, form: F, setForm: (form: F) => void, error: unknown) {
  const props = (k: keyof F & string) => ({
    id: `${id}-${k}`,
    value: form[k],
    onChange: (e: { target: { value: string } }) => setForm({ ...form, [k]: e.target.value }),
    'aria-describedby': `${id}-${k}-err`,
  });
  const field = (k: keyof F & string, label: string, input: ReactNode) => (
    <div className="field">
      <label htmlFor={`${id}-${k}`}>{label}</label>
      {input}
      <FieldError id={`${id}-${k}-err`} error={error} field={k} />
    </div>
  );
  return { field, props };
}

export function FieldError({ id, error, field }: { id: string; error: unknown; field: string }) {
  const messages = error instanceof ApiProblem ? readable(error).field(field) : [];
  if (messages.length === 0) return null;
  return (
    <span id={id} className="field-error">
      {messages.join(' ')}
    </span>
  );
}

const usd = new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD' });
export const money = (v: number | string | null | undefined) => usd.format(num(v));

export function Money({ value }: { value: number | string | null | undefined }) {
  return <span className="num">{money(value)}</span>;
}

/** A table's footer row: a label across the first columns and a sum in the last. */
export function SumRow({ label, span, value }: { label: string; span: number; value: number | string | null | undefined }) {
  return (
    <tr>
      <td colSpan={span}>{label}</td>
      <td className="num">
        <Money value={value} />
      </td>
    </tr>
  );
}

export function StatusBadge({ status }: { status: string }) {
  return <span className={`badge badge-${status}`}>{status}</span>;
}

export function Page({ title, children, actions }: { title: string; children: ReactNode; actions?: ReactNode }) {
  useEffect(() => {
    document.title = `${title} · ContractTherapy`;
  }, [title]);
  return (
    <>
      <div className="page-head">
        <h1>{title}</h1>
        {actions}
      </div>
      {children}
    </>
  );
}

/** Loads once (and on reload()); while loading it says so, on failure it shows the problem. */
export function useLoad<T>(load: () => Promise<T>, deps: unknown[] = []) {
  const [data, setData] = useState<T>();
  const [error, setError] = useState<unknown>();
  const [loading, setLoading] = useState(true);
  // The loader is re-created on every render; `deps` say when it means something else.
  const run = useCallback(load, deps);
  const reload = useCallback(() => {
    setLoading(true);
    run()
      .then((d) => {
        setData(d);
        setError(undefined);
      })
      .catch(setError)
      .finally(() => setLoading(false));
  }, [run]);
  useEffect(reload, [reload]);
  return { data, error, loading, reload };
}

export function Loaded<T>({ state, children }: { state: { data?: T; error?: unknown; loading: boolean }; children: (data: T) => ReactNode }) {
  if (state.error) return <ProblemView error={state.error} />;
  if (state.data === undefined) return <p aria-busy="true">Loading…</p>;
  return <>{children(state.data)}</>;
}

// One way to write a date and one to write an instant, on every screen.
const dateFormat = new Intl.DateTimeFormat('en-US', { year: 'numeric', month: 'short', day: 'numeric', timeZone: 'UTC' });
const instantFormat = new Intl.DateTimeFormat('en-US', {
  year: 'numeric', month: 'short', day: 'numeric', hour: 'numeric', minute: '2-digit', timeZoneName: 'short',
});

/**
 * A calendar date as the API sends it (YYYY-MM-DD) as people read it: "Mar 5, 2026". A date is a day, not a moment: it is
 * written as it is, never shifted by a time zone. Anything that is not such a date is shown as it came.
 */
export function date(iso: string | null | undefined): string {
  if (!iso) return '';
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(iso);
  return m ? dateFormat.format(new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])))) : iso;
}

/** A period of days (a cycle's, an invoice's): "Mar 2, 2026 – Mar 8, 2026". */
export const period = (start: string, end: string) => `${date(start)} – ${date(end)}`;

/** How a payment went, in words (the API's values are <code>stripe</code>, <code>check</code>, <code>ach</code>...). */
export const paymentMethodLabel = (method: string) =>
  ({ stripe: 'Stripe', check: 'Check', ach: 'ACH', card: 'Card', paypal: 'PayPal', other: 'Other' } as Record<string, string>)[method] ?? method;

/** Every visit type, in the order the office's screens list them. */
export const allVisitTypes: VisitType[] = [
  'Evaluation', 'ReEvaluation', 'Routine', 'Discharge', 'Supervisory', 'StartOfCare', 'ResumptionOfCare', 'Recertification', 'Missed',
];

/** A visit type in words (the API's values are names such as <code>StartOfCare</code>). */
export const visitTypeLabel = (type: string) =>
  ({ ReEvaluation: 'Re-evaluation', StartOfCare: 'Start of care', ResumptionOfCare: 'Resumption of care' } as Record<string, string>)[type] ?? type;

/** An instant (ISO 8601, as the API sends it) in this browser's time zone, naming the zone: "Mar 5, 2026, 3:04 PM EST". */
export function instant(iso: string | null | undefined): string {
  if (!iso) return '';
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : instantFormat.format(d);
}

/** Dates written inside a server's message ("The visit date 2026-03-05 is after today") as every screen writes them. */
export const datesIn = (text: string) => text.replace(/\b\d{4}-\d{2}-\d{2}\b/g, (d) => date(d));

const milesFormat = new Intl.NumberFormat('en-US', { minimumFractionDigits: 1, maximumFractionDigits: 1 });
/** Miles as entered (the API keeps one decimal), always with that one decimal so a column of them lines up; none is a dash. */
export const miles = (v: number | string | null | undefined) => (v === null || v === undefined || v === '' ? '—' : milesFormat.format(Number(v)));

/** Now, as a datetime-local input writes it in this browser's zone, to the millisecond (events are often less than a second apart). */
export function localNow(): string {
  const d = new Date();
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}.${p(d.getMilliseconds(), 3)}`;
}

/** Today in this browser's zone, as a date input writes it. */
export const today = () => localNow().slice(0, 10);

/**
 * Miles as typed: empty is none (null), "12,5" is 12.5 (a decimal comma, as some keypads type it); anything else that is
 * not a number is the field's problem, said under it rather than sent as no miles.
 */
export function readMiles(text: string, title: string): number | null | ApiProblem {
  if (text.trim() === '') return null;
  const miles = Number(text.trim().replace(',', '.'));
  return Number.isFinite(miles) ? miles : new ApiProblem({ status: 400, title, errors: { miles: ['Miles must be a number, like 12.5.'] } });
}

/** A step that cannot be undone (or sends money), asked twice: what it will do, then the action or Cancel. */
export function Confirm({ label, action, onConfirm, onCancel, busy, children }: {
  label: string; action: string; onConfirm: () => void; onCancel: () => void; busy?: boolean; children: ReactNode;
}) {
  return (
    <div className="card confirm" role="group" aria-label={label}>
      {children}
      <button type="button" className="primary" onClick={onConfirm} disabled={busy}>
        {action}
      </button>{' '}
      <button type="button" onClick={onCancel}>
        Cancel
      </button>
    </div>
  );
}
