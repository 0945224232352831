import { api, toProblem, type ApiProblem, type Schemas } from './api/client';
import { currentSession } from './session';

/**
 * The therapist's outbox. A visit is written here before it is sent, with the Idempotency-Key it
 * keeps for good: if the network drops (before the request, or after the server saved it but
 * before the answer came back) it is sent again later with the same key, and the API answers the
 * repeat with the first response (Idempotent-Replayed) instead of logging a second visit.
 */
export type LogVisitBody = Schemas['LogVisit'];

export interface PendingVisit {
  key: string;
  body: LogVisitBody;
  queuedAt: string;
  /** Set when the API refused the visit (4xx): it will not be sent again; the person decides. */
  refused?: ApiProblem['problem'];
}

const listeners = new Set<() => void>();
const storageKey = () => {
  const s = currentSession();
  return `ct.outbox.${s?.tenant}.${s?.contractorId}`;
};

export function pendingVisits(): PendingVisit[] {
  return JSON.parse(localStorage.getItem(storageKey()) ?? '[]') as PendingVisit[];
}

function save(list: PendingVisit[]) {
  localStorage.setItem(storageKey(), JSON.stringify(list));
  listeners.forEach((l) => l());
}

export function onOutboxChange(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

function newKey(): string {
  if (typeof crypto.randomUUID === 'function') return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const h = [...b].map((x) => x.toString(16).padStart(2, '0')).join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

export function enqueue(body: LogVisitBody): PendingVisit {
  const visit: PendingVisit = { key: newKey(), body, queuedAt: new Date().toISOString() };
  save([...pendingVisits(), visit]);
  return visit;
}

export function discard(key: string) {
  save(pendingVisits().filter((p) => p.key !== key));
}

export type SendOutcome = { kind: 'sent'; visit: Schemas['VisitView'] } | { kind: 'waiting' } | { kind: 'refused'; problem: ApiProblem };

/** Worth another try later: a server error, a rate limit, or the same key still being handled. */
const retryable = (p: ApiProblem['problem']) =>
  p.status >= 500 || p.status === 408 || p.status === 429 || (p.type ?? '').endsWith('/idempotency-key-in-progress');

async function send(p: PendingVisit): Promise<SendOutcome> {
  let result;
  try {
    result = await api.POST('/api/visits', { body: p.body, headers: { 'Idempotency-Key': p.key } });
  } catch {
    return { kind: 'waiting' }; // offline, or the answer was lost: the key makes the next try safe
  }
  const { data, error, response } = result;
  if (response.ok && data) {
    discard(p.key);
    return { kind: 'sent', visit: data as Schemas['VisitView'] };
  }
  const problem = await toProblem(response, error);
  if (retryable(problem.problem)) return { kind: 'waiting' };
  save(pendingVisits().map((q) => (q.key === p.key ? { ...q, refused: problem.problem } : q)));
  return { kind: 'refused', problem };
}

let flushing: Promise<void> | null = null;

async function sendAll(): Promise<void> {
  for (const p of pendingVisits().filter((q) => !q.refused)) {
    const outcome = await send(p);
    if (outcome.kind === 'waiting') break; // still offline: keep the order, try again later
  }
}

/** Sends every waiting visit once, oldest first; one flush at a time. */
export function flush(): Promise<void> {
  flushing ??= sendAll().finally(() => {
    flushing = null;
  });
  return flushing;
}

/** Queue first, then try at once: what the form calls. */
export async function logVisit(body: LogVisitBody): Promise<SendOutcome> {
  const visit = enqueue(body);
  if (flushing) await flushing;
  const outcome = await send(visit);
  // Refused while the person is still at the form: the form shows why, nothing waits on the phone.
  if (outcome.kind === 'refused') discard(visit.key);
  return outcome;
}
