// Which pages each role may open: operators handle alarms, technicians look after devices,
// supervisors see everything plus the overview. The server enforces the same rules per route.

import type { Role } from '@trygg/console-contract';

export type NavPage =
  | 'queue'
  | 'devices'
  | 'overview'
  | 'cases'
  | 'orders'
  | 'supervisionRound'
  | 'supervisionPlans'
  | 'supervisionLog'
  | 'supervisionSavings'
  | 'closedAlarms'
  | 'handover';

const PAGES: Record<Role, readonly NavPage[]> = {
  operator: ['queue', 'closedAlarms', 'handover'],
  // The night team does not see the alarm queue (the server keeps alarms from them); their
  // own page is the night round.
  nightteam: ['supervisionRound', 'supervisionPlans', 'supervisionSavings'],
  technician: ['queue', 'devices', 'orders'],
  supervisor: [
    'queue',
    'overview',
    'devices',
    'orders',
    'supervisionRound',
    'supervisionPlans',
    'supervisionLog',
    'supervisionSavings',
    'closedAlarms',
    'handover',
  ],
  caseworker: ['cases', 'supervisionPlans', 'supervisionSavings'],
};

export function pagesFor(role: Role): readonly NavPage[] {
  return PAGES[role];
}

export function mayHandleAlarms(role: Role): boolean {
  return role === 'operator' || role === 'supervisor';
}
