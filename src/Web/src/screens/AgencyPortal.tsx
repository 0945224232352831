import { useState } from 'react';
import { Link, useParams } from 'react-router-dom';
import { api, downloadInvoicePdf, must, num } from '../api/client';
import { Loaded, Money, Page, ProblemView, StatusBadge, today, useLoad, date, period } from '../ui';
import { InvoicePage } from './Documents';

/** The agency's own invoices (the API scopes the list to the token's agency): what is due and overdue. */
export function AgencyInvoices() {
  const invoices = useLoad(() => must(api.GET('/api/invoices', { params: { query: { pageSize: 500 } } })));
  const [error, setError] = useState<unknown>();
  return (
    <Page title="Invoices">
      <ProblemView error={error} />
      <Loaded state={invoices}>
        {(r) => {
          const open = r.items.filter((i) => num(i.balance) > 0);
          const overdue = open.filter((i) => i.dueOn < today());
          return (
            <>
              <dl className="figures">
                <div>
                  <dt>Due</dt>
                  <dd>
                    <Money value={open.reduce((s, i) => s + num(i.balance), 0)} />
                  </dd>
                </div>
                <div>
                  <dt>Overdue</dt>
                  <dd className={overdue.length ? 'alert' : ''}>
                    <Money value={overdue.reduce((s, i) => s + num(i.balance), 0)} />
                  </dd>
                </div>
              </dl>
              <table>
                <caption className="sr-only">Our invoices</caption>
                <thead>
                  <tr>
                    <th scope="col">Number</th>
                    <th scope="col">Period</th>
                    <th scope="col">Due</th>
                    <th scope="col" className="num">
                      Total
                    </th>
                    <th scope="col" className="num">
                      Balance
                    </th>
                    <th scope="col">Status</th>
                    <th scope="col">PDF</th>
                  </tr>
                </thead>
                <tbody>
                  {r.items.map((i) => (
                    <tr key={i.id}>
                      <td className="nowrap">
                        <Link to={`/invoices/${i.id}`}>{i.number}</Link>
                      </td>
                      <td className="nowrap">{period(i.periodStart, i.periodEnd)}</td>
                      <td className="nowrap">
                        {date(i.dueOn)}
                        {num(i.balance) > 0 && i.dueOn < today() && <span className="badge badge-overdue">overdue</span>}
                      </td>
                      <td className="num">
                        <Money value={i.total} />
                      </td>
                      <td className="num">
                        <Money value={i.balance} />
                      </td>
                      <td>
                        <StatusBadge status={i.status} />
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
            </>
          );
        }}
      </Loaded>
    </Page>
  );
}

export function AgencyInvoice() {
  const { id } = useParams();
  return <InvoicePage id={id!} />;
}
