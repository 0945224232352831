import { useEffect, useState } from 'react';
import { discard, flush, onOutboxChange, pendingVisits } from '../offline';
import { ApiProblem } from '../api/client';
import { date, readable } from '../ui';
import { agencyNamesOnPhone } from './Therapist';

/** The therapist's outbox: what waits on this phone, sent again when the network is back. */
export function PendingVisits() {
  const [list, setList] = useState(pendingVisits);
  useEffect(() => {
    const update = () => setList(pendingVisits());
    const off = onOutboxChange(update);
    const online = () => void flush();
    window.addEventListener('online', online);
    const timer = window.setInterval(() => {
      if (pendingVisits().some((p) => !p.refused)) void flush();
    }, 15_000);
    void flush();
    return () => {
      off();
      window.removeEventListener('online', online);
      window.clearInterval(timer);
    };
  }, []);
  if (list.length === 0) return null;
  const waiting = list.filter((p) => !p.refused);
  const refused = list.filter((p) => p.refused);
  return (
    <section className="outbox" aria-labelledby="outbox-title" aria-live="polite">
      <h2 id="outbox-title">On this phone, not sent yet</h2>
      {waiting.length > 0 && (
        <p>
          {waiting.length === 1 ? '1 visit waits' : `${waiting.length} visits wait`} for the network and will be sent automatically.{' '}
          <button type="button" onClick={() => void flush()}>
            Send now
          </button>
        </p>
      )}
      {refused.map((p) => {
        // Why, in words: a rule's refusal says it in its detail (naming the agency by id), a validation in its field errors.
        const why = readable(new ApiProblem(p.refused!), agencyNamesOnPhone()).problem;
        return (
          <div key={p.key} className="problem" role="alert">
            <strong>
              Visit of {date(p.body.visitDate)} ({p.body.patient?.name}) was refused: {why.title}
            </strong>
            {why.detail && !why.errors && <p>{why.detail}</p>}
            {Object.values(why.errors ?? {}).flat().map((m) => (
              <p key={m}>{m}</p>
            ))}
            <button type="button" onClick={() => discard(p.key)}>
              Discard
            </button>
          </div>
        );
      })}
    </section>
  );
}
