import { useEffect, useState } from 'react';
import { Navigate, NavLink, Route, Routes } from 'react-router-dom';
import { currentSession, onSessionChange, roleLabel, signOut, type Role, type Session } from './session';
import { SignIn, SignInCallback } from './screens/SignIn';
import { LogVisit, MyPayments, MyPayStubs, MyVisits } from './screens/Therapist';
import { CycleDetail, Cycles, Dashboard } from './screens/Office';
import { CycleInvoice, CyclePayStub } from './screens/Documents';
import { AgencyInvoice, AgencyInvoices } from './screens/AgencyPortal';
import { Compliance } from './screens/Compliance';
import { Accountant } from './screens/Accountant';
import { PendingVisits } from './screens/PendingVisits';
import { OfficeVisits } from './screens/OfficeVisits';
import { PayRuns } from './screens/PayRuns';
import { ContractorDetail, Contractors } from './screens/Contractors';
import { AgencyDetail, Agencies } from './screens/Agencies';

interface MenuItem {
  to: string;
  label: string;
}

/** Each role's menu: only what its role may see (the API refuses the rest anyway). */
export const menus: Record<Role, MenuItem[]> = {
  owner: [
    { to: '/dashboard', label: 'Dashboard' },
    { to: '/visits', label: 'Visits' },
    { to: '/cycles', label: 'Cycles' },
    { to: '/payruns', label: 'Pay runs' },
    { to: '/contractors', label: 'Contractors' },
    { to: '/agencies', label: 'Agencies' },
    { to: '/audit', label: 'Compliance' },
    { to: '/tax', label: '1099-NEC' },
  ],
  billing: [
    { to: '/dashboard', label: 'Dashboard' },
    { to: '/visits', label: 'Visits' },
    { to: '/cycles', label: 'Cycles' },
    { to: '/agencies', label: 'Agencies' },
  ],
  payroll: [
    { to: '/dashboard', label: 'Dashboard' },
    { to: '/cycles', label: 'Cycles' },
    { to: '/payruns', label: 'Pay runs' },
    { to: '/contractors', label: 'Contractors' },
  ],
  contractor: [
    { to: '/log', label: 'Log visit' },
    { to: '/my/visits', label: 'Visits' },
    { to: '/my/paystubs', label: 'Pay stubs' },
    { to: '/my/payments', label: 'Payments' },
  ],
  agency: [{ to: '/invoices', label: 'Invoices' }],
  compliance: [{ to: '/audit', label: 'Compliance' }],
  accountant: [{ to: '/tax', label: '1099-NEC' }],
};

function useSession(): Session | null {
  const [session, setSession] = useState(currentSession);
  useEffect(() => onSessionChange(() => setSession(currentSession())), []);
  return session;
}

export function App() {
  const session = useSession();
  if (!session)
    return (
      <Routes>
        <Route path="/signin-callback" element={<SignInCallback />} />
        <Route path="*" element={<SignIn />} />
      </Routes>
    );

  const menu = menus[session.role];
  const allowed = (path: string) => menu.some((m) => path === m.to || path.startsWith(`${m.to}/`));
  const guard = (path: string, element: React.ReactNode) => (allowed(path) ? element : <Navigate to={menu[0].to} replace />);
  return (
    <div className={`shell role-${session.role}`}>
      <a className="skip" href="#main">
        Skip to content
      </a>
      <header className="top">
        <span className="brand">ContractTherapy</span>
        <nav aria-label="Main">
          <ul>
            {menu.map((m) => (
              <li key={m.to}>
                <NavLink to={m.to}>{m.label}</NavLink>
              </li>
            ))}
          </ul>
        </nav>
        <div className="who">
          <span>
            {session.displayName !== roleLabel(session.role) && `${session.displayName} · `}
            {roleLabel(session.role)} <span className="tenant">· {session.tenant}</span>
          </span>
          <button type="button" className="link" onClick={signOut}>
            Sign out
          </button>
        </div>
      </header>
      <main id="main">
        {session.role === 'contractor' && <PendingVisits />}
        <Routes>
          <Route path="/dashboard" element={guard('/dashboard', <Dashboard />)} />
          <Route path="/cycles" element={guard('/cycles', <Cycles />)} />
          <Route path="/cycles/:id" element={guard('/cycles', <CycleDetail />)} />
          <Route path="/cycles/:id/invoices/:invoiceId" element={guard('/cycles', <CycleInvoice />)} />
          <Route path="/cycles/:id/paystubs/:stubId" element={guard('/cycles', <CyclePayStub />)} />
          <Route path="/visits" element={guard('/visits', <OfficeVisits />)} />
          <Route path="/payruns" element={guard('/payruns', <PayRuns />)} />
          <Route path="/contractors" element={guard('/contractors', <Contractors />)} />
          <Route path="/contractors/:id" element={guard('/contractors', <ContractorDetail />)} />
          <Route path="/agencies" element={guard('/agencies', <Agencies />)} />
          <Route path="/agencies/:id" element={guard('/agencies', <AgencyDetail />)} />
          <Route path="/log" element={guard('/log', <LogVisit />)} />
          <Route path="/my/visits" element={guard('/my/visits', <MyVisits />)} />
          <Route path="/my/paystubs" element={guard('/my/paystubs', <MyPayStubs />)} />
          <Route path="/my/payments" element={guard('/my/payments', <MyPayments />)} />
          <Route path="/invoices" element={guard('/invoices', <AgencyInvoices />)} />
          <Route path="/invoices/:id" element={guard('/invoices', <AgencyInvoice />)} />
          <Route path="/audit" element={guard('/audit', <Compliance />)} />
          <Route path="/tax" element={guard('/tax', <Accountant />)} />
          <Route path="*" element={<Navigate to={menu[0].to} replace />} />
        </Routes>
      </main>
    </div>
  );
}
