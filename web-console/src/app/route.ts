// Hash routes: enough for a handful of pages without a router dependency, and reload-safe.

import { useEffect, useState } from 'react';

export type Route =
  | { page: 'queue' }
  | { page: 'alarm'; id: string }
  | { page: 'devices' }
  | { page: 'device'; id: string }
  | { page: 'register' }
  | { page: 'overview' }
  | { page: 'apply'; signInError?: string | null }
  | { page: 'applyStatus'; reference: string | null; token: string | null }
  | { page: 'cases' }
  | { page: 'caseNew' }
  | { page: 'orders' }
  | { page: 'supervisionRound' }
  | { page: 'supervisionPlans' }
  | { page: 'supervisionPlan'; residentId: string }
  | { page: 'supervisionLog' }
  | { page: 'supervisionSavings' }
  | { page: 'responder' }
  | { page: 'closedAlarms' }
  | { page: 'handover' }
  | { page: 'responders' }
  | { page: 'incident'; id: string };

/** Pages of the public e-service: shown without logging in. */
export const isPublicRoute = (route: Route) => route.page === 'apply' || route.page === 'applyStatus';

export function parseRoute(hash: string): Route {
  const parts = hash.replace(/^#\/?/, '').split('/').filter(Boolean).map(decodeURIComponent);
  const [head, id] = parts;
  if (head === 'apply' && id === 'status')
    return { page: 'applyStatus', reference: parts[2] ?? null, token: parts[3] ?? null };
  // The sign-in's way back when it failed: #/apply/sign-in-failed/<CODE>.
  if (head === 'apply' && id === 'sign-in-failed') return { page: 'apply', signInError: parts[2] ?? null };
  if (head === 'apply') return { page: 'apply' };
  if (head === 'cases' && id === 'new') return { page: 'caseNew' };
  if (head === 'cases') return { page: 'cases' };
  if (head === 'orders') return { page: 'orders' };
  if (head === 'supervision') return parseSupervision(parts.slice(1));
  if (head === 'alarm' && id) return { page: 'alarm', id };
  if (head === 'devices' && id === 'new') return { page: 'register' };
  if (head === 'devices' && id) return { page: 'device', id };
  if (head === 'devices') return { page: 'devices' };
  if (head === 'overview') return { page: 'overview' };
  if (head === 'responder') return { page: 'responder' };
  if (head === 'closed') return { page: 'closedAlarms' };
  if (head === 'handover') return { page: 'handover' };
  if (head === 'responders') return { page: 'responders' };
  if (head === 'incident' && id) return { page: 'incident', id };
  return { page: 'queue' };
}

function parseSupervision([section, residentId]: string[]): Route {
  if (section === 'plans' && residentId) return { page: 'supervisionPlan', residentId };
  if (section === 'plans') return { page: 'supervisionPlans' };
  if (section === 'access-log') return { page: 'supervisionLog' };
  if (section === 'savings') return { page: 'supervisionSavings' };
  return { page: 'supervisionRound' };
}

export function hrefOf(route: Route): string {
  switch (route.page) {
    case 'queue':
      return '#/';
    case 'alarm':
      return `#/alarm/${encodeURIComponent(route.id)}`;
    case 'devices':
      return '#/devices';
    case 'device':
      return `#/devices/${encodeURIComponent(route.id)}`;
    case 'register':
      return '#/devices/new';
    case 'overview':
      return '#/overview';
    case 'apply':
      return '#/apply';
    case 'applyStatus':
      return ['#/apply/status', route.reference, route.reference && route.token]
        .filter(Boolean)
        .map((p, i) => (i === 0 ? p : encodeURIComponent(p as string)))
        .join('/');
    case 'cases':
      return '#/cases';
    case 'caseNew':
      return '#/cases/new';
    case 'orders':
      return '#/orders';
    case 'supervisionRound':
      return '#/supervision';
    case 'supervisionPlans':
      return '#/supervision/plans';
    case 'supervisionPlan':
      return `#/supervision/plans/${encodeURIComponent(route.residentId)}`;
    case 'supervisionLog':
      return '#/supervision/access-log';
    case 'supervisionSavings':
      return '#/supervision/savings';
    case 'responder':
      return '#/responder';
    case 'closedAlarms':
      return '#/closed';
    case 'handover':
      return '#/handover';
    case 'responders':
      return '#/responders';
    case 'incident':
      return `#/incident/${encodeURIComponent(route.id)}`;
  }
}

export function navigate(route: Route): void {
  location.hash = hrefOf(route);
}

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(location.hash));
  useEffect(() => {
    const onHash = () => setRoute(parseRoute(location.hash));
    window.addEventListener('hashchange', onHash);
    return () => window.removeEventListener('hashchange', onHash);
  }, []);
  return route;
}
