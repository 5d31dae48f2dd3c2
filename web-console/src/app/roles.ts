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
  | 'responder'
  | 'closedAlarms'
  | 'handover'
  | 'responders';

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
    'responders',
  ],
  caseworker: ['cases', 'supervisionPlans', 'supervisionSavings'],
  // The responder's phone: their own call-outs only (the server shows them nothing else).
  responder: ['responder'],
};

export function pagesFor(role: Role): readonly NavPage[] {
  return PAGES[role];
}

export function mayHandleAlarms(role: Role): boolean {
  return role === 'operator' || role === 'supervisor';
}

/** The roles that do the night round read residents' door codes there (audit-logged on the server). */
export function mayReadDoorCodes(role: Role): boolean {
  return role === 'nightteam' || role === 'supervisor';
}
