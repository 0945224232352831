import { createParser } from 'eventsource-parser';
import type { Schemas } from './api/client';
import { currentSession } from './session';

export type VisitArrived = Pick<Schemas['VisitView'], 'id' | 'contractorId' | 'agencyId' | 'visitDate' | 'discipline' | 'visitType' | 'noteSigned'>;

/**
 * GET /api/visits/live as a fetch stream: EventSource cannot send the bearer token, so the SSE
 * frames are parsed by eventsource-parser. Reconnects after a drop; returns a stop function.
 */
export function watchVisits(onVisit: (v: VisitArrived) => void, onState: (connected: boolean) => void): () => void {
  const abort = new AbortController();
  (async () => {
    while (!abort.signal.aborted) {
      try {
        const response = await fetch('/api/visits/live', {
          headers: { Authorization: `Bearer ${currentSession()?.token}`, Accept: 'text/event-stream' },
          signal: abort.signal,
        });
        if (!response.ok || !response.body) throw new Error(`live feed: ${response.status}`);
        onState(true);
        const parser = createParser({
          onEvent: (e) => {
            if (e.event === 'visit') onVisit(JSON.parse(e.data) as VisitArrived);
          },
        });
        const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          parser.feed(value);
        }
      } catch {
        if (abort.signal.aborted) return;
      }
      onState(false);
      await new Promise((r) => setTimeout(r, 3000));
    }
  })();
  return () => abort.abort();
}
