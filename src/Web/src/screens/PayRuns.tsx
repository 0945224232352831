import { useId, useState, type FormEvent } from 'react';
import { api, ApiProblem, must, num, type PaymentMethod, type Schemas } from '../api/client';
import { Confirm, formFields, Loaded, Money, money, Page, ProblemView, StatusBadge, today, useLoad, date, period, paymentMethodLabel } from '../ui';

/** Pay runs (owner, payroll): approve a closed cycle's pay run, see held payments and why, retry, record manual payments. */
export function PayRuns() {
  const data = useLoad(async () => {
    const [cycles, payments, contractors] = await Promise.all([
      must(api.GET('/api/cycles', { params: { query: { pageSize: 50 } } })),
      must(api.GET('/api/payments', { params: { query: { pageSize: 500 } } })),
      must(api.GET('/api/contractors', { params: { query: { pageSize: 500 } } })),
    ]);
    return { cycles: cycles.items.filter((c) => c.status === 'closed'), payments: payments.items, contractors: contractors.items };
  });
  const [error, setError] = useState<unknown>();
  const [message, setMessage] = useState<string>();
  // Approving sends money: the pay run is shown with its stubs and total, and approved only on a second click.
  const [confirm, setConfirm] = useState<{ cycle: Schemas['CycleView']; stubs: number; total: number }>();
  // A held or failed payment paid outside the product is recorded on that payment, so that it is never sent as well.
  const [byHand, setByHand] = useState<Schemas['PaymentView']>();

  async function ask(cycle: Schemas['CycleView']) {
    setError(undefined);
    setMessage(undefined);
    try {
      const stubs = await must(api.GET('/api/paystubs', { params: { query: { cycleId: cycle.id, pageSize: 500 } } }));
      setConfirm({ cycle, stubs: num(stubs.total), total: stubs.items.reduce((sum, p) => sum + num(p.total), 0) });
    } catch (e) {
      setError(e);
    }
  }

  async function act(what: () => Promise<unknown>, done: string) {
    setError(undefined);
    setMessage(undefined);
    try {
      await what();
      setMessage(done);
      data.reload();
    } catch (e) {
      setError(e);
    }
  }

  return (
    <Page title="Pay runs">
      {confirm && (
        <Confirm
          label="Confirm the pay run"
          action="Approve and pay"
          onConfirm={() => {
            const c = confirm.cycle;
            setConfirm(undefined);
            void act(
              () => must(api.POST('/api/cycles/{id}/pay-run/approve', { params: { path: { id: c.id } } })),
              `Pay run of ${period(c.periodStart, c.periodEnd)} approved.`,
            );
          }}
          onCancel={() => setConfirm(undefined)}
        >
          <p>
            Approve the pay run of {period(confirm.cycle.periodStart, confirm.cycle.periodEnd)}: {confirm.stubs} pay stub
            {confirm.stubs === 1 ? '' : 's'}, <Money value={confirm.total} /> in all. Payments go to the therapists' payout accounts
            at once; one without a W-9 or a payout account waits, with the reason.
          </p>
        </Confirm>
      )}
      <ProblemView error={error} />
      {message && (
        <p role="status" className="ok">
          {message}
        </p>
      )}
      <Loaded state={data}>
        {({ cycles, payments, contractors }) => {
          const names = Object.fromEntries(contractors.map((c) => [c.id, c.legalName]));
          const held = payments.filter((p) => p.status === 'held' || p.status === 'failed');
          return (
            <>
              <div className="grid">
                <section className="card" aria-labelledby="runs-title">
                  <h2 id="runs-title">Closed cycles</h2>
                  <table>
                    <caption className="sr-only">Closed cycles and their pay runs</caption>
                    <thead>
                      <tr>
                        <th scope="col">Period</th>
                        <th scope="col" className="num">
                          Payments
                        </th>
                        <th scope="col">Pay run</th>
                      </tr>
                    </thead>
                    <tbody>
                      {cycles.map((c) => {
                        const mine = payments.filter((p) => p.cycleId === c.id);
                        return (
                          <tr key={c.id}>
                            <td className="nowrap">
                              {period(c.periodStart, c.periodEnd)}
                            </td>
                            <td className="num">{mine.length}</td>
                            <td>
                              {mine.length === 0 ? (
                                <button
                                  type="button"
                                  onClick={() => ask(c)}
                                >
                                  Approve<span className="sr-only"> the pay run of {date(c.periodStart)}</span>
                                </button>
                              ) : (
                                'approved'
                              )}
                            </td>
                          </tr>
                        );
                      })}
                    </tbody>
                  </table>
                </section>
                <ManualPayment contractors={contractors} onDone={(m) => act(() => Promise.resolve(), m)} />
              </div>
              <section className="card" aria-labelledby="held-title">
                <h2 id="held-title">Held and failed payments</h2>
                {held.length === 0 ? (
                  <p>None waiting: every approved payment is paid or on its way.</p>
                ) : (
                  <table>
                    <caption className="sr-only">Payments waiting, with the reason</caption>
                    <thead>
                      <tr>
                        <th scope="col">Therapist</th>
                        <th scope="col" className="num">
                          Amount
                        </th>
                        <th scope="col">Status</th>
                        <th scope="col">Why</th>
                        <th scope="col">Action</th>
                      </tr>
                    </thead>
                    <tbody>
                      {held.map((p) => (
                        <tr key={p.id}>
                          <td>{names[p.contractorId]}</td>
                          <td className="num">
                            <Money value={p.amount} />
                          </td>
                          <td>
                            <StatusBadge status={p.status} />
                          </td>
                          <td>{p.heldReason ?? p.failureReason}</td>
                          <td className="nowrap">
                            <button
                              type="button"
                              className="link"
                              onClick={() =>
                                act(
                                  () => must(api.POST('/api/payments/{id}/retry', { params: { path: { id: p.id } } })),
                                  `Payment to ${names[p.contractorId]} requested again.`,
                                )
                              }
                            >
                              Retry<span className="sr-only"> the payment to {names[p.contractorId]}</span>
                            </button>{' '}
                            <button type="button" className="link" onClick={() => setByHand(p)}>
                              Pay by hand<span className="sr-only"> the payment to {names[p.contractorId]}</span>
                            </button>
                          </td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                )}
                {byHand && (
                  <PayByHand
                    key={byHand.id}
                    payment={byHand}
                    name={names[byHand.contractorId]}
                    onCancel={() => setByHand(undefined)}
                    onDone={(m) => {
                      setByHand(undefined);
                      void act(() => Promise.resolve(), m);
                    }}
                  />
                )}
              </section>
              <PaymentsTable payments={payments.filter((p) => p.status !== 'held' && p.status !== 'failed')} names={names} />
            </>
          );
        }}
      </Loaded>
    </Page>
  );
}

function PaymentsTable({ payments, names }: { payments: Schemas['PaymentView'][]; names: Record<string, string> }) {
  return (
    <section className="card" aria-labelledby="paid-title">
      <h2 id="paid-title">Payments</h2>
      {payments.length === 0 ? (
        <p>None yet: a payment shows here once it is requested, sent or recorded.</p>
      ) : (
      <table>
        <caption className="sr-only">Payments requested, sent or recorded</caption>
        <thead>
          <tr>
            <th scope="col">Paid on</th>
            <th scope="col">Therapist</th>
            <th scope="col">Method</th>
            <th scope="col">Reference</th>
            <th scope="col" className="num">
              Amount
            </th>
            <th scope="col">Status</th>
          </tr>
        </thead>
        <tbody>
          {[...payments]
            .sort((a, b) => (b.paidOn ?? '').localeCompare(a.paidOn ?? ''))
            .map((p) => (
              <tr key={p.id}>
                <td className="nowrap">{date(p.paidOn)}</td>
                <td>{names[p.contractorId]}</td>
                <td>{paymentMethodLabel(p.method)}</td>
                <td>{p.reference ?? p.stripeTransferId}</td>
                <td className="num">
                  <Money value={p.amount} />
                </td>
                <td>
                  <StatusBadge status={p.status} />
                </td>
              </tr>
            ))}
        </tbody>
      </table>
      )}
    </section>
  );
}

function ManualPayment({ contractors, onDone }: { contractors: Schemas['ContractorView'][]; onDone: (message: string) => void }) {
  const id = useId();
  const [form, setForm] = useState({ contractorId: contractors[0]?.id ?? '', amount: '', paidOn: today(), method: 'check', reference: '' });
  const [error, setError] = useState<unknown>();
  // One key per payment being entered: a double submit records it once; the next payment gets a new key.
  const [key, setKey] = useState(() => crypto.randomUUID());
  async function submit(e: FormEvent) {
    e.preventDefault();
    setError(undefined);
    try {
      await must(
        api.POST('/api/payments/manual', {
          body: { ...form, method: form.method as PaymentMethod, amount: form.amount === '' ? null : Number(form.amount) },
          headers: { 'Idempotency-Key': key },
        }),
      );
      onDone(`Payment of ${money(form.amount)} to ${contractors.find((c) => c.id === form.contractorId)?.legalName} recorded.`);
      setForm({ ...form, amount: '', reference: '' });
      setKey(crypto.randomUUID());
    } catch (err) {
      setError(err);
      // Answered (refused): nothing was recorded, and a corrected form is another request with its own key.
      // Unanswered (network): the same key again, so a payment the server did record is not recorded twice.
      if (err instanceof ApiProblem) setKey(crypto.randomUUID());
    }
  }
  const { field, props } = formFields(id, form, setForm, error);
  return (
    <form className="card" onSubmit={submit} aria-labelledby={`${id}-title`} noValidate>
      <h2 id={`${id}-title`}>Record a manual payment</h2>
      <p className="hint">For money paid outside a pay run. A held or failed payment paid by hand is recorded with Pay by hand, on it.</p>
      <ProblemView error={error} />
      {field(
        'contractorId',
        'Therapist',
        <select {...props('contractorId')}>
          {contractors.map((c) => (
            <option key={c.id} value={c.id}>
              {c.legalName}
            </option>
          ))}
        </select>,
      )}
      <div className="row">
        {field('amount', 'Amount (USD)', <input {...props('amount')} inputMode="decimal" />)}
        {field('paidOn', 'Paid on', <input {...props('paidOn')} type="date" />)}
      </div>
      <div className="row">
        {field(
          'method',
          'Method',
          <select {...props('method')}>
            <MethodOptions />
          </select>,
        )}
        {field('reference', 'Reference', <input {...props('reference')} autoComplete="off" />)}
      </div>
      <button type="submit" className="primary">
        Record payment
      </button>
    </form>
  );
}

const handMethods: PaymentMethod[] = ['check', 'ach', 'card', 'paypal', 'other'];

/** The ways money is paid by hand, as the method select of both hand-payment forms offers them. */
function MethodOptions() {
  return (
    <>
      {handMethods.map((m) => (
        <option key={m} value={m}>
          {paymentMethodLabel(m)}
        </option>
      ))}
    </>
  );
}

/** A held or failed payment paid outside the product: its date, method and reference, recorded on it (it is then paid, in full). */
function PayByHand({ payment, name, onDone, onCancel }: {
  payment: Schemas['PaymentView']; name: string | undefined; onDone: (message: string) => void; onCancel: () => void;
}) {
  const id = useId();
  const [form, setForm] = useState({ paidOn: today(), method: 'check', reference: '' });
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const { field, props } = formFields(id, form, setForm, error);
  // One key for this payment's form: a double submit or a resend after a lost answer records it once.
  const [key, setKey] = useState(() => crypto.randomUUID());
  async function submit(e: FormEvent) {
    e.preventDefault();
    setError(undefined);
    setBusy(true);
    try {
      await must(
        api.POST('/api/payments/{id}/paid-by-hand', {
          params: { path: { id: payment.id } },
          body: { ...form, method: form.method as PaymentMethod },
          headers: { 'Idempotency-Key': key },
        }),
      );
      onDone(`Payment of ${money(payment.amount)} to ${name} recorded as paid by ${paymentMethodLabel(form.method)}.`);
    } catch (err) {
      setError(err);
      if (err instanceof ApiProblem) setKey(crypto.randomUUID());
    } finally {
      setBusy(false);
    }
  }
  return (
    <form className="card confirm" onSubmit={submit} aria-labelledby={`${id}-title`} noValidate>
      <h3 id={`${id}-title`}>
        Pay {name} <Money value={payment.amount} /> by hand
      </h3>
      <p className="hint">The payment is then paid and is not sent through Stripe, now or on a retry.</p>
      <ProblemView error={error} />
      <div className="row">
        {field('paidOn', 'Paid on', <input {...props('paidOn')} type="date" />)}
        {field(
          'method',
          'Method',
          <select {...props('method')}>
            <MethodOptions />
          </select>,
        )}
        {field('reference', 'Reference', <input {...props('reference')} autoComplete="off" />)}
      </div>
      <button type="submit" className="primary" disabled={busy}>
        Record as paid
      </button>{' '}
      <button type="button" onClick={onCancel}>
        Cancel
      </button>
    </form>
  );
}
