/** Who is signed in: the bearer token and the claims the app routes by. Kept in localStorage so a
 * therapist's phone keeps its session (and its queue of unsent visits) across reloads. */
export type Role = 'owner' | 'billing' | 'payroll' | 'contractor' | 'agency' | 'compliance' | 'accountant';

export interface Session {
  token: string;
  tenant: string;
  role: Role;
  subject: string;
  contractorId?: string;
  agencyId?: string;
  /** Shown in the header: the therapist's or agency's name, else the role. */
  displayName: string;
  expiresAt: number;
}

const KEY = 'ct.session';
const listeners = new Set<() => void>();

export function claimsOf(token: string): Record<string, unknown> {
  const payload = token.split('.')[1] ?? '';
  const json = atob(payload.replace(/-/g, '+').replace(/_/g, '/').padEnd(Math.ceil(payload.length / 4) * 4, '='));
  return JSON.parse(new TextDecoder().decode(Uint8Array.from(json, (c) => c.charCodeAt(0))));
}

export function sessionFromToken(token: string, displayName?: string): Session {
  const c = claimsOf(token);
  const role = String(c.role) as Role;
  return {
    token,
    tenant: String(c.tenant),
    role,
    subject: String(c.sub ?? ''),
    contractorId: c.contractorId ? String(c.contractorId) : undefined,
    agencyId: c.agencyId ? String(c.agencyId) : undefined,
    displayName: displayName ?? roleLabel(role),
    expiresAt: typeof c.exp === 'number' ? c.exp * 1000 : Date.now() + 3600_000,
  };
}

export function currentSession(): Session | null {
  const raw = localStorage.getItem(KEY);
  if (!raw) return null;
  const s = JSON.parse(raw) as Session;
  return s.expiresAt > Date.now() ? s : null;
}

export function signIn(session: Session): void {
  localStorage.setItem(KEY, JSON.stringify(session));
  listeners.forEach((l) => l());
}

export function signOut(): void {
  localStorage.removeItem(KEY);
  listeners.forEach((l) => l());
}

export function onSessionChange(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export function roleLabel(role: Role): string {
  return {
    owner: 'Owner',
    billing: 'Billing',
    payroll: 'Payroll',
    contractor: 'Therapist',
    agency: 'Agency portal',
    compliance: 'Compliance',
    accountant: 'Accountant',
  }[role];
}
