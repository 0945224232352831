import { useState } from 'react';
import { api, download, must, num } from '../api/client';
import { Loaded, Money, Page, ProblemView, useLoad, date } from '../ui';

/**
 * The tax year the screen opens on. Forms for a year are filed in January (due January 31, corrections after): from
 * January to February that is last year's. From March on, the year under way is the one to watch (payees nearing the
 * threshold, W-9s to collect), and in December it is the year about to be filed.
 */
export function defaultTaxYear(now: Date = new Date()): number {
  return now.getMonth() < 2 ? now.getFullYear() - 1 : now.getFullYear();
}

/** The 1099-NEC year: threshold, totals, who is reportable, what is excluded, W-9s missing, and the three files. */
export function Accountant() {
  const [year, setYear] = useState(() => defaultTaxYear());
  const nec = useLoad(() => must(api.GET('/api/tax/1099-nec/{year}', { params: { path: { year } } })), [year]);
  const [error, setError] = useState<unknown>();
  // The IRIS file is refused without the year's threshold (null, which the API leaves out as it does every null): said
  // on the screen, not by a click that fails.
  // While a year loads, the last one's answer says nothing of it: held back until it is known.
  const noThreshold = nec.data?.year !== year || nec.data.threshold == null;
  const noTemplate = nec.data?.year === year && !nec.data.irisTemplateKnown;
  const irisHeld = noThreshold || noTemplate;
  const files = [
    { file: 'summary.csv', label: 'Summary CSV' },
    { file: 'ledger.csv', label: 'Ledger CSV' },
    { file: 'iris.csv', label: 'IRIS file' },
  ];
  return (
    <Page title="1099-NEC">
      <div className="toolbar">
        <label htmlFor="year">Tax year</label>
        <select id="year" value={year} onChange={(e) => setYear(Number(e.target.value))}>
          {[0, 1, 2, 3].map((d) => {
            const y = new Date().getFullYear() - d;
            return (
              <option key={y} value={y}>
                {y}
              </option>
            );
          })}
        </select>
        {files.map((f) => (
          <button
            key={f.file}
            type="button"
            disabled={f.file === 'iris.csv' && irisHeld}
            title={f.file === 'iris.csv' && irisHeld && nec.data?.year === year ? `Not available for ${year}: see above` : undefined}
            onClick={() => download(`/api/tax/1099-nec/${year}/${f.file}`, `1099-nec-${year}-${f.file}`).catch(setError)}>
            {f.label}
          </button>
        ))}
      </div>
      <ProblemView error={error} />
      <Loaded state={nec}>
        {(y) => {
          // No threshold yet (a year under way before the IRS publishes its figure): who is reportable is not known, so
          // every W-9 still missing is one to collect.
          const known = y.threshold != null; // null or left out of the JSON
          const reportable = y.contractors.filter((c) => c.reportable === true);
          // (Only paid by card or PayPal, a total of 0: never a form.)
          const missingW9 = (known ? reportable : y.contractors.filter((c) => num(c.total) > 0)).filter((c) => !c.w9OnFile);
          return (
            <>
              {!known && (
                <p className="waiting" role="status">
                  The 1099-NEC threshold for {y.year} is not configured yet, so who is reportable is not known. The totals below are what
                  was paid; the IRIS file waits until an administrator sets the threshold (Tax:Nec:Thresholds:{y.year}).
                </p>
              )}
              {known && !y.irisTemplateKnown && (
                <p className="waiting" role="status">
                  This release does not know the IRS's IRIS columns for {y.year}, so the IRIS file for {y.year} is not available. The
                  summary and the ledger are.
                </p>
              )}
              <dl className="figures">
                <div>
                  <dt>Threshold</dt>
                  <dd className={known ? '' : 'alert'}>{known ? <Money value={y.threshold!} /> : 'not configured'}</dd>
                </div>
                <div>
                  <dt>Paid (reportable kinds)</dt>
                  <dd>
                    <Money value={y.contractors.reduce((s, c) => s + num(c.total), 0)} />
                  </dd>
                </div>
                <div>
                  <dt>Excluded (card, PayPal)</dt>
                  <dd>
                    <Money value={y.contractors.reduce((s, c) => s + num(c.excludedTotal), 0)} />
                  </dd>
                </div>
                <div>
                  <dt>Forms to file</dt>
                  <dd>{known ? reportable.length : 'pending'}</dd>
                </div>
                <div>
                  <dt>W-9s missing</dt>
                  <dd className={missingW9.length ? 'alert' : ''}>{missingW9.length}</dd>
                </div>
                <div>
                  <dt>Due</dt>
                  <dd>{date(y.dueOn)}</dd>
                </div>
              </dl>
              <table>
                <caption className="sr-only">Contractors paid in {y.year}</caption>
                <thead>
                  <tr>
                    <th scope="col">Contractor</th>
                    <th scope="col">TIN</th>
                    <th scope="col" className="num">
                      Total
                    </th>
                    <th scope="col" className="num">
                      Excluded
                    </th>
                    <th scope="col">1099-NEC</th>
                  </tr>
                </thead>
                <tbody>
                  {y.contractors.length === 0 && (
                    <tr>
                      <td colSpan={5}>No contractor was paid in {y.year}.</td>
                    </tr>
                  )}
                  {y.contractors.map((c) => (
                    <tr key={c.contractorId}>
                      <td>{c.name}</td>
                      <td>{c.tinMasked ?? <span className="alert">no W-9</span>}</td>
                      <td className="num">
                        <Money value={c.total} />
                      </td>
                      <td className="num">
                        <Money value={c.excludedTotal} />
                      </td>
                      <td>{c.reportable == null ? 'pending' : c.reportable ? 'reportable' : 'below threshold'}</td>
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
