import { useState } from 'react';
import { Link, useParams } from 'react-router-dom';
import { api, downloadInvoicePdf, must, type Schemas } from '../api/client';
import { date, Loaded, miles, Money, Page, period, ProblemView, StatusBadge, SumRow, useLoad, visitTypeLabel } from '../ui';

/** An invoice as issued: who, when, due, its lines and totals (the agency portal and the office show the same). */
export function InvoiceDocument({ invoice: i }: { invoice: Schemas['InvoiceView'] }) {
  return (
    <>
      <p>
        {i.agencyName} · {period(i.periodStart, i.periodEnd)} · issued {date(i.issuedOn)} · due {date(i.dueOn)} · <StatusBadge status={i.status} />
      </p>
      <table>
        <caption className="sr-only">Lines of invoice {i.number}</caption>
        <thead>
          <tr>
            <th scope="col">Date</th>
            <th scope="col">Patient</th>
            <th scope="col">Clinician</th>
            <th scope="col">Visit</th>
            <th scope="col" className="num">
              Rate
            </th>
            <th scope="col" className="num">
              Amount
            </th>
          </tr>
        </thead>
        <tbody>
          {i.lines.map((l, n) => (
            <tr key={n}>
              <td className="nowrap">{date(l.visitDate)}</td>
              <td>
                {l.patientName} {l.mrn && <span className="hint">({l.mrn})</span>}
              </td>
              <td>{l.clinician}</td>
              <td>
                <LineVisit line={l} />
                {l.reason && <span className="hint"> {l.reason}</span>}
              </td>
              <td className="num">
                <Rate value={l.rate} />
              </td>
              <td className="num">
                <Money value={l.amount} />
              </td>
            </tr>
          ))}
        </tbody>
        <tfoot>
          <SumRow label="Total" span={5} value={i.total} />
          <SumRow label="Balance" span={5} value={i.balance} />
        </tfoot>
      </table>
    </>
  );
}

/** A document line's visit: its discipline and type, and the line's kind when it is not the visit itself (an adjustment). */
function LineVisit({ line: l }: { line: { discipline: string; visitType: string; kind: string } }) {
  return (
    <>
      {l.discipline} {visitTypeLabel(l.visitType)}
      {l.kind !== 'visit' && <span className="badge">{l.kind}</span>}
    </>
  );
}

/** A line's rate: the contracted amount of one visit (a line without one, such as some adjustments, shows a dash). */
function Rate({ value }: { value: number | string | null | undefined }) {
  return value === null || value === undefined ? <>—</> : <Money value={value} />;
}

/** The way back to the cycle a document was issued by. */
function BackToCycle({ cycleId, periodStart, periodEnd }: { cycleId: string; periodStart: string; periodEnd: string }) {
  return (
    <p>
      <Link to={`/cycles/${cycleId}`}>Back to the cycle {period(periodStart, periodEnd)}</Link>
    </p>
  );
}

/** An invoice's page: the document and its PDF; from a cycle (the office), with the way back to it. */
export function InvoicePage({ id, fromCycle = false }: { id: string; fromCycle?: boolean }) {
  const invoice = useLoad(() => must(api.GET('/api/invoices/{id}', { params: { path: { id } } })), [id]);
  const [error, setError] = useState<unknown>();
  return (
    <Loaded state={invoice}>
      {(i) => (
        <Page
          title={`Invoice ${i.number}`}
          actions={
            <button type="button" className="primary" onClick={() => downloadInvoicePdf(i).catch(setError)}>
              Download PDF
            </button>
          }
        >
          {fromCycle && <BackToCycle cycleId={i.cycleId} periodStart={i.periodStart} periodEnd={i.periodEnd} />}
          <ProblemView error={error} />
          <InvoiceDocument invoice={i} />
        </Page>
      )}
    </Loaded>
  );
}

/** An invoice of a closed cycle, opened from the cycle by the office. */
export function CycleInvoice() {
  const { invoiceId } = useParams();
  return <InvoicePage id={invoiceId!} fromCycle />;
}

/** A pay stub of a closed cycle, opened from the cycle by the office: per visit, mileage, adjustments, total and year to date. */
export function CyclePayStub() {
  const { stubId } = useParams();
  const stub = useLoad(() => must(api.GET('/api/paystubs/{id}', { params: { path: { id: stubId! } } })), [stubId]);
  return (
    <Loaded state={stub}>
      {(p) => (
        <Page title={`Pay stub of ${p.contractorName}`}>
          <BackToCycle cycleId={p.cycleId} periodStart={p.periodStart} periodEnd={p.periodEnd} />
          <p>
            {period(p.periodStart, p.periodEnd)} · issued {date(p.issuedOn)}
          </p>
          <table>
            <caption className="sr-only">Lines of the pay stub of {p.contractorName}</caption>
            <thead>
              <tr>
                <th scope="col">Date</th>
                <th scope="col">Agency</th>
                <th scope="col">Patient</th>
                <th scope="col">Visit</th>
                <th scope="col" className="num">
                  Pay rate
                </th>
                <th scope="col" className="num">
                  Miles
                </th>
                <th scope="col" className="num">
                  Mileage
                </th>
                <th scope="col" className="num">
                  Amount
                </th>
              </tr>
            </thead>
            <tbody>
              {p.lines.map((l, n) => (
                <tr key={n}>
                  <td className="nowrap">{date(l.visitDate)}</td>
                  <td>{l.agency}</td>
                  <td>{l.patientInitials}</td>
                  <td>
                    <LineVisit line={l} />
                    {l.reason && <span className="hint"> {l.reason}</span>}
                  </td>
                  <td className="num">
                    <Rate value={l.rate} />
                  </td>
                  <td className="num">{miles(l.miles)}</td>
                  <td className="num">
                    <Money value={l.mileageAmount} />
                  </td>
                  <td className="num">
                    <Money value={l.amount} />
                  </td>
                </tr>
              ))}
            </tbody>
            <tfoot>
              <SumRow label="Visits" span={7} value={p.visitsTotal} />
              <SumRow label="Mileage" span={7} value={p.mileage} />
              <SumRow label="Total" span={7} value={p.total} />
              <SumRow label="Year to date paid" span={7} value={p.ytdPaid} />
            </tfoot>
          </table>
        </Page>
      )}
    </Loaded>
  );
}
