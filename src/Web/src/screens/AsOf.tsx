import { useId, useState, type FormEvent, type ReactNode } from 'react';
import { ApiProblem, api, must } from '../api/client';
import { date, FieldError, instant, localNow, money, period, ProblemView, useLoad, visitTypeLabel } from '../ui';

const kinds = {
  invoice: 'Invoice',
  paystub: 'Pay stub',
  visit: 'Visit',
  contractor: 'Contractor',
  agency: 'Agency',
} as const;
type Kind = keyof typeof kinds;

interface Choice {
  id: string;
  label: string;
}

/** The documents of a kind to choose from, newest first, each by what people know it by (a number, a name, a period). */
async function choicesOf(kind: Kind): Promise<Choice[]> {
  const page = { params: { query: { pageSize: 500 } } };
  switch (kind) {
    case 'invoice':
      return (await must(api.GET('/api/invoices', page))).items.map((i) => ({ id: i.id, label: `${i.number} · ${i.agencyName}` }));
    case 'paystub':
      return (await must(api.GET('/api/paystubs', page))).items.map((p) => ({ id: p.id, label: `${p.contractorName} · ${period(p.periodStart, p.periodEnd)}` }));
    case 'visit':
      return (await must(api.GET('/api/visits', page))).items.map((v) => ({
        id: v.id,
        label: `${date(v.visitDate)} · ${v.discipline} ${visitTypeLabel(v.visitType)}${v.patient ? ` · ${v.patient.name}` : ''}`,
      }));
    case 'contractor':
      return (await must(api.GET('/api/contractors', page))).items.map((c) => ({ id: c.id, label: c.legalName }));
    case 'agency':
      return (await must(api.GET('/api/agencies', page))).items.map((a) => ({ id: a.id, label: a.name }));
  }
}

async function documentAsOf(kind: Kind, id: string, asOf: string): Promise<Record<string, unknown>> {
  const options = { params: { path: { id }, query: { asOf } } };
  switch (kind) {
    case 'invoice':
      return must(api.GET('/api/invoices/{id}', options));
    case 'paystub':
      return must(api.GET('/api/paystubs/{id}', options));
    case 'visit':
      return must(api.GET('/api/visits/{id}', options));
    case 'contractor':
      return must(api.GET('/api/contractors/{id}', options));
    case 'agency':
      return must(api.GET('/api/agencies/{id}', options));
  }
}

const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;

/** Any document as it stood at an instant (the API's asOf on each read): chosen by name, the instant from a picker, shown in words. */
export function AsOf() {
  const id = useId();
  const [kind, setKind] = useState<Kind>('invoice');
  const choices = useLoad(() => choicesOf(kind), [kind]);
  const [chosen, setChosen] = useState('');
  const [pasted, setPasted] = useState('');
  const [at, setAt] = useState(localNow);
  const [doc, setDoc] = useState<{ title: string; body: Record<string, unknown> }>();
  const [error, setError] = useState<unknown>();
  const names = Object.fromEntries((choices.data ?? []).map((c) => [c.id, c.label]));

  async function submit(e: FormEvent) {
    e.preventDefault();
    setError(undefined);
    setDoc(undefined);
    const docId = pasted.trim() || chosen || choices.data?.[0]?.id || '';
    const when = new Date(at); // a datetime-local value is read in this browser's time zone
    const problems: Record<string, string[]> = {};
    if (!docId) problems.document = [`Choose the ${kinds[kind].toLowerCase()}, or paste its id.`];
    if (at === '' || Number.isNaN(when.getTime())) problems.asOf = ['Choose the date and time.'];
    if (Object.keys(problems).length > 0) {
      setError(new ApiProblem({ status: 400, title: 'Choose what to show.', errors: problems }));
      return;
    }
    try {
      const body = await documentAsOf(kind, docId, when.toISOString());
      setDoc({ title: `${names[docId] ?? `The ${kinds[kind].toLowerCase()} ${docId}`}, as it stood on ${instant(when.toISOString())}`, body });
    } catch (err) {
      setError(err);
    }
  }

  return (
    <section className="card" aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>A document as of an instant</h2>
      <form onSubmit={submit} className="inline-form" noValidate>
        <div className="field">
          <label htmlFor={`${id}-kind`}>Kind</label>
          <select
            id={`${id}-kind`}
            value={kind}
            onChange={(e) => {
              setKind(e.target.value as Kind);
              setChosen('');
            }}
          >
            {Object.entries(kinds).map(([k, label]) => (
              <option key={k} value={k}>
                {label}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor={`${id}-doc`}>Document</label>
          <select id={`${id}-doc`} value={chosen} onChange={(e) => setChosen(e.target.value)} aria-describedby={`${id}-doc-err`}>
            {(choices.data ?? []).map((c) => (
              <option key={c.id} value={c.id}>
                {c.label}
              </option>
            ))}
          </select>
          <FieldError id={`${id}-doc-err`} error={error} field="document" />
        </div>
        <div className="field">
          <label htmlFor={`${id}-id`}>Or its id</label>
          <input id={`${id}-id`} value={pasted} onChange={(e) => setPasted(e.target.value)} autoComplete="off" placeholder="a document not listed" />
        </div>
        <div className="field" style={{ minWidth: '19rem' }}>
          <label htmlFor={`${id}-at`}>As of ({zone})</label>
          <input
            id={`${id}-at`}
            type="datetime-local"
            step="0.001"
            value={at}
            onChange={(e) => setAt(e.target.value)}
            aria-describedby={`${id}-at-err`}
          />
          <FieldError id={`${id}-at-err`} error={error} field="asOf" />
        </div>
        <button type="submit">Show</button>
      </form>
      {choices.error !== undefined && <ProblemView error={choices.error} />}
      <ProblemView error={error} />
      {doc && (
        <figure className="doc">
          <figcaption>{doc.title}</figcaption>
          <Readable body={doc.body} />
          <details>
            <summary>JSON, as the API answered</summary>
            <pre tabIndex={0}>{JSON.stringify(doc.body, null, 2)}</pre>
          </details>
        </figure>
      )}
    </section>
  );
}

const moneyKeys = new Set(['amount', 'rate', 'total', 'subtotal', 'amountPaid', 'balance', 'mileage', 'mileageAmount', 'ytdPaid', 'visitsTotal']);
const isoDate = /^\d{4}-\d{2}-\d{2}$/;
const isoInstant = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/;
const isId = (key: string) => key === 'id' || key.endsWith('Id') || key.endsWith('Ids');

/** "amountPaid" as a label: "Amount paid". */
const label = (key: string) => {
  const words = key.replace(/([a-z0-9])([A-Z])/g, '$1 $2').toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
};

/** One value in words: money as money, dates and instants as every screen writes them, yes and no, nested records as pairs. */
function show(key: string, value: unknown): ReactNode {
  if (value === null || value === undefined || value === '') return '—';
  if (typeof value === 'boolean') return value ? 'yes' : 'no';
  if (typeof value === 'number' || (typeof value === 'string' && moneyKeys.has(key) && !Number.isNaN(Number(value))))
    return moneyKeys.has(key) ? money(value as number | string) : String(value);
  if (typeof value === 'string') return isoDate.test(value) ? date(value) : isoInstant.test(value) ? instant(value) : value;
  if (Array.isArray(value)) return value.map((v) => show(key, v)).join(', ');
  if (typeof value === 'object')
    return Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== null && v !== undefined && v !== '')
      .map(([k, v]) => `${label(k)}: ${show(k, v)}`)
      .join(', ');
  return String(value);
}

/** A document read as a record: its fields as pairs, each list of records (an invoice's lines) as a table. */
function Readable({ body }: { body: Record<string, unknown> }) {
  const entries = Object.entries(body);
  const isRows = (v: unknown): v is Record<string, unknown>[] => Array.isArray(v) && v.length > 0 && typeof v[0] === 'object' && v[0] !== null;
  // An id beside its name (agencyId and agencyName) says nothing more in words: the JSON has it.
  const fields = entries.filter(([k, v]) => !isRows(v) && !(k.endsWith('Id') && `${k.slice(0, -2)}Name` in body));
  const lists = entries.filter((e): e is [string, Record<string, unknown>[]] => isRows(e[1]));
  return (
    <>
      <dl className="pairs">
        {fields.map(([k, v]) => (
          <div key={k} style={{ display: 'contents' }}>
            <dt>{label(k)}</dt>
            <dd>{show(k, v)}</dd>
          </div>
        ))}
      </dl>
      {lists.map(([k, rows]) => {
        // Ids inside lines (the visit of each line) are in the JSON; in words they are noise.
        const columns = [...new Set(rows.flatMap((r) => Object.keys(r)))].filter((c) => !isId(c));
        return (
          <div key={k} className="scroll">
            <table>
              <caption>{label(k)}</caption>
              <thead>
                <tr>
                  {columns.map((c) => (
                    <th key={c} scope="col" className={moneyKeys.has(c) ? 'num' : undefined}>
                      {label(c)}
                    </th>
                  ))}
                </tr>
              </thead>
              <tbody>
                {rows.map((r, n) => (
                  <tr key={n}>
                    {columns.map((c) => (
                      <td key={c} className={moneyKeys.has(c) ? 'num' : undefined}>
                        {show(c, r[c])}
                      </td>
                    ))}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        );
      })}
    </>
  );
}
