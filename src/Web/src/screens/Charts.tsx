import { useEffect, useRef, useState } from 'react';
import { BarController, BarElement, CategoryScale, Chart, Legend, LinearScale, Tooltip } from 'chart.js';
import { api, must, num } from '../api/client';
import { date, Loaded, money, useLoad } from '../ui';

Chart.register(BarController, BarElement, CategoryScale, LinearScale, Legend, Tooltip);

interface Series {
  label: string;
  data: number[];
  color: string;
}

/** A bar chart (Chart.js on a canvas) with its figures also in words for screen readers. */
function BarChart({ title, labels, series, horizontal = false }: { title: string; labels: string[]; series: Series[]; horizontal?: boolean }) {
  const canvas = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    const chart = new Chart(canvas.current!, {
      type: 'bar',
      data: { labels, datasets: series.map((s) => ({ label: s.label, data: s.data, backgroundColor: s.color })) },
      options: {
        indexAxis: horizontal ? 'y' : 'x',
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        plugins: { legend: { display: series.length > 1 }, tooltip: { callbacks: { label: (c) => `${c.dataset.label}: ${money(c.parsed[horizontal ? 'x' : 'y'])}` } } },
        scales: { [horizontal ? 'x' : 'y']: { ticks: { callback: (v: string | number) => money(Number(v)) } } },
      },
    });
    return () => chart.destroy();
  }, [labels, series, horizontal]);
  const words = labels.map((l, i) => `${l}: ${series.map((s) => `${s.label} ${money(s.data[i])}`).join(', ')}`).join('; ');
  return (
    <figure className="chart">
      <figcaption>{title}</figcaption>
      <div className="chart-box" style={{ height: horizontal ? `${Math.max(160, labels.length * 34 + 40)}px` : '260px' }}>
        <canvas ref={canvas} role="img" aria-label={`${title}. ${words}`} />
      </div>
    </figure>
  );
}

const colors = { billed: '#0f4c5c', paid: '#e07a1f', margin: '#2a7f62' };

/**
 * Billed and therapist pay (the pay stubs) per cycle, and margin (billed minus pay, mileage included in pay) per agency,
 * discipline and therapist, over the closed cycles: from invoices and pay stubs, so for the owner,
 * the one role that reads both.
 */
export function MarginCharts() {
  const data = useLoad(async () => {
    const [cycles, invoices, stubs] = await Promise.all([
      must(api.GET('/api/cycles', { params: { query: { pageSize: 12 } } })),
      must(api.GET('/api/invoices', { params: { query: { pageSize: 500 } } })),
      must(api.GET('/api/paystubs', { params: { query: { pageSize: 500 } } })),
    ]);
    return { cycles: cycles.items.filter((c) => c.status === 'closed').reverse(), invoices: invoices.items, stubs: stubs.items };
  });
  const [by, setBy] = useState<'agency' | 'discipline' | 'therapist'>('agency');
  return (
    <section className="card" aria-labelledby="charts-title">
      <h2 id="charts-title">Billed, therapist pay and margin</h2>
      <p className="hint">Closed cycles. Therapist pay is what the pay stubs owe, whether paid out yet or not.</p>
      <Loaded state={data}>
        {({ cycles, invoices, stubs }) => {
          const perCycle = {
            // A cycle by its first day: twelve whole periods do not fit under the bars.
            labels: cycles.map((c) => date(c.periodStart)),
            series: [
              { label: 'Billed', color: colors.billed, data: cycles.map((c) => invoices.filter((i) => i.cycleId === c.id).reduce((s, i) => s + num(i.total), 0)) },
              { label: 'Therapist pay', color: colors.paid, data: cycles.map((c) => stubs.filter((p) => p.cycleId === c.id).reduce((s, p) => s + num(p.total), 0)) },
            ],
          };
          const margin = new Map<string, number>();
          const add = (key: string, amount: number) => margin.set(key, (margin.get(key) ?? 0) + amount);
          for (const i of invoices)
            for (const l of i.lines) add(by === 'agency' ? i.agencyName : by === 'discipline' ? l.discipline : l.clinician, num(l.amount));
          for (const p of stubs)
            for (const l of p.lines)
              add(by === 'agency' ? l.agency : by === 'discipline' ? l.discipline : p.contractorName, -(num(l.amount) + num(l.mileageAmount)));
          const rows = [...margin.entries()].sort((a, b) => b[1] - a[1]);
          return (
            <div className="grid">
              <BarChart title="Billed and therapist pay per cycle" labels={perCycle.labels} series={perCycle.series} />
              <div>
                <fieldset className="choices compact">
                  <legend>Margin by</legend>
                  {(['agency', 'discipline', 'therapist'] as const).map((k) => (
                    <label key={k} className={by === k ? 'chosen' : ''}>
                      <input type="radio" name="margin-by" checked={by === k} onChange={() => setBy(k)} />
                      {k}
                    </label>
                  ))}
                </fieldset>
                <BarChart
                  title={`Margin per ${by}`}
                  labels={rows.map((r) => r[0])}
                  series={[{ label: 'Margin', color: colors.margin, data: rows.map((r) => Math.round(r[1] * 100) / 100) }]}
                  horizontal
                />
              </div>
            </div>
          );
        }}
      </Loaded>
    </section>
  );
}
