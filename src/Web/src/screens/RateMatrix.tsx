import { Money, visitTypeLabel } from '../ui';
import type { Schemas } from '../api/client';

/** Rates as a matrix: a row per visit type, a column per discipline (agency overrides listed apart). */
export function RateMatrix({ rates, caption, agencyNames = {} }: { rates: Schemas['Rate'][]; caption: string; agencyNames?: Record<string, string> }) {
  const general = rates.filter((r) => !r.agencyId);
  const overrides = rates.filter((r) => r.agencyId);
  const disciplines = [...new Set(general.map((r) => r.discipline))];
  const types = [...new Set(general.map((r) => r.visitType))];
  const amount = (d: string, t: string) => general.find((r) => r.discipline === d && r.visitType === t)?.amount;
  return (
    <>
      <table>
        <caption>{caption}</caption>
        <thead>
          <tr>
            <th scope="col">Visit type</th>
            {disciplines.map((d) => (
              <th key={d} scope="col" className="num">
                {d}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {types.map((t) => (
            <tr key={t}>
              <th scope="row">{visitTypeLabel(t)}</th>
              {disciplines.map((d) => (
                <td key={d} className="num">
                  {amount(d, t) === undefined ? '—' : <Money value={amount(d, t)} />}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
      {overrides.length > 0 && (
        <table>
          <caption>Agency overrides</caption>
          <thead>
            <tr>
              <th scope="col">Agency</th>
              <th scope="col">Visit</th>
              <th scope="col" className="num">
                Rate
              </th>
            </tr>
          </thead>
          <tbody>
            {overrides.map((r, i) => (
              <tr key={i}>
                <td>{agencyNames[r.agencyId!] ?? r.agencyId}</td>
                <td>
                  {r.discipline} {visitTypeLabel(r.visitType)}
                </td>
                <td className="num">
                  <Money value={r.amount} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}
