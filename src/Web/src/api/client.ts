import createClient, { type Middleware } from 'openapi-fetch';
import type { components, paths } from './schema';
import { currentSession, signOut } from '../session';

export type Schemas = components['schemas'];

/** The values the API lists for its enumerated inputs (generated, so a renamed value breaks the build). */
export type Discipline = NonNullable<Schemas['LogVisit']['discipline']>;
export type VisitType = NonNullable<Schemas['LogVisit']['visitType']>;
export type PaymentMethod = NonNullable<Schemas['RecordManualPayment']['method']>;
export type VisitStatus = NonNullable<NonNullable<paths['/api/visits']['get']['parameters']['query']>['status']>;

/** RFC 9457 problem details as the API sends them. */
export interface Problem {
  status: number;
  type?: string;
  title: string;
  detail?: string;
  errors?: Record<string, string[]>;
  /** The business rule that refused the request (`probable-duplicate`, `rates-applicable`...), when one did. */
  rule?: string;
}

/**
 * The field a business rule's refusal is about. The API names the rule that refused (a 422's `rule`), not a field: a
 * visit refused because the therapist is not placed with the agency is about the agency chosen, so it is said there too.
 */
const ruleFields: Record<string, string> = {
  'contractor-assigned': 'agencyId',
  'contractor-discipline': 'discipline',
  'visit-date-not-in-future': 'visitDate',
  'visit-date-within-365-days': 'visitDate',
  'payment-within-balance': 'amount',
};

/** An answer of the API that is not a success: carries the problem details to show the person. */
export class ApiProblem extends Error {
  constructor(public readonly problem: Problem) {
    super(problem.title);
  }

  /** The messages for one field (`patient.name`), shown next to it: its validation errors, or the refusal about it. */
  field(name: string): string[] {
    const errors = this.problem.errors ?? {};
    const key = Object.keys(errors).find((k) => k.toLowerCase() === name.toLowerCase());
    if (key) return errors[key];
    const { rule, detail } = this.problem;
    return rule && detail && ruleFields[rule]?.toLowerCase() === name.toLowerCase() ? [detail] : [];
  }
}

const auth: Middleware = {
  onRequest({ request }) {
    const session = currentSession();
    if (session) request.headers.set('Authorization', `Bearer ${session.token}`);
    return request;
  },
  onResponse({ response }) {
    // An expired or revoked token: back to the sign-in page rather than a screen of errors.
    if (response.status === 401 && currentSession()) signOut();
    return response;
  },
};

/** The typed client of the public REST API (types generated from openapi.json). */
export const api = createClient<paths>({ baseUrl: window.location.origin });
api.use(auth);

/** Turns any error body into problem details, whatever the server sent. */
export async function toProblem(response: Response, body?: unknown): Promise<ApiProblem> {
  let json = body;
  if (json === undefined) {
    try {
      json = await response.clone().json();
    } catch {
      json = undefined;
    }
  }
  const p = (json ?? {}) as Partial<Problem>;
  return new ApiProblem({
    status: response.status,
    type: typeof p.type === 'string' ? p.type : undefined,
    title: typeof p.title === 'string' ? p.title : `The server answered ${response.status} ${response.statusText}`.trim(),
    detail: typeof p.detail === 'string' ? p.detail : undefined,
    errors: p.errors,
    rule: typeof p.rule === 'string' ? p.rule : undefined,
  });
}

/** Unwraps an openapi-fetch result: the data, or an ApiProblem to show. */
export async function must<T>(result: Promise<{ data?: T; error?: unknown; response: Response }>): Promise<T> {
  const { data, error, response } = await result;
  if (!response.ok || error !== undefined) throw await toProblem(response, error);
  return data as T;
}

/** Downloads a file the API serves (PDF, CSV) with the bearer token, under the server's file name. */
export async function download(path: string, fallbackName: string): Promise<void> {
  const session = currentSession();
  const response = await fetch(path, { headers: session ? { Authorization: `Bearer ${session.token}` } : {} });
  if (!response.ok) throw await toProblem(response);
  const disposition = response.headers.get('Content-Disposition') ?? '';
  const name = /filename\*?=(?:UTF-8'')?"?([^";]+)"?/i.exec(disposition)?.[1] ?? fallbackName;
  const url = URL.createObjectURL(await response.blob());
  const a = document.createElement('a');
  a.href = url;
  a.download = decodeURIComponent(name);
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** An invoice's PDF, as the agency and the office download it. */
export const downloadInvoicePdf = (invoice: { id: string; number: string }): Promise<void> =>
  download(`/api/invoices/${invoice.id}/pdf`, `${invoice.number}.pdf`);

export const num = (v: number | string | null | undefined): number => (v === null || v === undefined ? 0 : Number(v));
