// The supervision rules: which mode a visit may use given the recorded consents, what a
// withdrawal does to open visits, when a visit is due or missed, who may see a camera frame, and
// what replacing physical visits saves. Pure: data and the current time in, decisions out.

import type { ConsentParty, ConsentScope, VisitMode, VisitStatus } from '@trygg/console-contract/vocabulary';

// Modes, statuses and consent words are the console contract's vocabulary, defined once there.
export {
  CONSENT_PARTIES,
  CONSENT_SCOPES,
  type ConsentParty,
  type ConsentScope,
  VISIT_MODES,
  VISIT_STATUSES,
  type VisitMode,
  type VisitStatus,
} from '@trygg/console-contract/vocabulary';
export const OPEN_STATUSES: readonly VisitStatus[] = ['pending', 'due'];

export interface Consent {
  party: ConsentParty;
  scope: ConsentScope;
  recordedAt: number;
  withdrawnAt: number | null;
}

export interface PlanConsentFacts {
  /** Someone lives with the resident: camera look-ins need their consent too (SoL 4 kap. 2 c §). */
  hasCohabitant: boolean;
  /** False when the resident cannot consent: identifiable camera is then never allowed. */
  residentCanConsent: boolean;
}

export type ModeRefusal = 'NO_RESIDENT_CONSENT' | 'NO_COHABITANT_CONSENT' | 'RESIDENT_CANNOT_CONSENT';
export type ModeCheck = { ok: true } | { ok: false; reason: ModeRefusal };

export function consentValidAt(consent: Consent, now: number): boolean {
  return consent.recordedAt <= now && (consent.withdrawnAt === null || consent.withdrawnAt > now);
}

function hasConsent(consents: readonly Consent[], party: ConsentParty, scopes: readonly ConsentScope[], now: number) {
  return consents.some((c) => c.party === party && scopes.includes(c.scope) && consentValidAt(c, now));
}

/**
 * May a visit be done in `mode` now? Camera needs the resident's and any co-habitant's valid
 * camera consent. Anonymized sensors need no identifiable-camera consent: a resident who can
 * consent must have agreed to sensors (or to the camera, which covers more); for a resident who
 * cannot consent the decided need is the ground.
 */
export function canUseMode(
  mode: VisitMode,
  consents: readonly Consent[],
  plan: PlanConsentFacts,
  now: number,
): ModeCheck {
  if (mode === 'physical') return { ok: true };
  if (mode === 'camera') {
    if (!plan.residentCanConsent) return { ok: false, reason: 'RESIDENT_CANNOT_CONSENT' };
    if (!hasConsent(consents, 'resident', ['camera'], now)) return { ok: false, reason: 'NO_RESIDENT_CONSENT' };
    if (plan.hasCohabitant && !hasConsent(consents, 'cohabitant', ['camera'], now)) {
      return { ok: false, reason: 'NO_COHABITANT_CONSENT' };
    }
    return { ok: true };
  }
  if (!plan.residentCanConsent) return { ok: true };
  return hasConsent(consents, 'resident', ['sensor', 'camera'], now)
    ? { ok: true }
    : { ok: false, reason: 'NO_RESIDENT_CONSENT' };
}

export interface ModedVisit<Id> {
  id: Id;
  mode: VisitMode;
}

/**
 * After a consent changed (typically withdrawn), the visits whose mode is no longer allowed and
 * must go back to physical. Pass only visits that can still change: plan visits and open
 * (pending or due) visits of tonight and later.
 */
export function visitsToSwitchBack<Id>(
  visits: readonly ModedVisit<Id>[],
  consents: readonly Consent[],
  plan: PlanConsentFacts,
  now: number,
): Id[] {
  return visits.filter((v) => !canUseMode(v.mode, consents, plan, now).ok).map((v) => v.id);
}

export interface VisitTiming {
  /** How long after its time a digital visit may still be done before it counts as missed. */
  graceMs: number;
}

/** Domain practice: a second look within 15–20 minutes, then a call or a physical visit. */
export const DEFAULT_TIMING: VisitTiming = { graceMs: 15 * 60_000 };

export interface TimedVisit<Id> {
  id: Id;
  mode: VisitMode;
  status: VisitStatus;
  dueAt: number;
}

/** A visit's status at `now` if nobody acts: open visits become due at their time; digital ones
 *  not closed within the grace period are missed. Closed visits stay as they are. */
export function statusAt(visit: Omit<TimedVisit<unknown>, 'id'>, now: number, timing: VisitTiming): VisitStatus {
  if (!OPEN_STATUSES.includes(visit.status)) return visit.status;
  if (now < visit.dueAt) return 'pending';
  if (visit.mode !== 'physical' && now >= visit.dueAt + timing.graceMs) return 'missed';
  return 'due';
}

export interface StatusChange<Id> {
  id: Id;
  from: VisitStatus;
  to: VisitStatus;
}

/** The status changes the scheduler must store at `now`. */
export function dueTransitions<Id>(
  visits: readonly TimedVisit<Id>[],
  now: number,
  timing: VisitTiming,
): StatusChange<Id>[] {
  const changes: StatusChange<Id>[] = [];
  for (const v of visits) {
    const to = statusAt(v, now, timing);
    if (to !== v.status) changes.push({ id: v.id, from: v.status, to });
  }
  return changes;
}

/** Is a digital visit in the window in which it may be performed (and its camera looked at)? */
export function inDueWindow(visit: { dueAt: number }, now: number, timing: VisitTiming): boolean {
  return now >= visit.dueAt && now < visit.dueAt + timing.graceMs;
}

export const FRAME_ROLES = ['nightteam', 'operator', 'supervisor'] as const;

export type FrameRefusal =
  | 'ROLE_NOT_AUTHORISED'
  | 'NO_VISIT_OR_ALARM'
  | 'VISIT_OTHER_RESIDENT'
  | 'VISIT_NOT_CAMERA'
  | 'VISIT_CLOSED'
  | 'VISIT_NOT_DUE'
  | 'NO_CAMERA_CONSENT'
  | 'ALARM_OTHER_RESIDENT'
  | 'ALARM_NOT_OPEN';

export interface FrameRequest {
  role: string;
  residentId: string;
  now: number;
  /** The scheduled visit the request is made for, if any. */
  visit: { residentId: string; mode: VisitMode; status: VisitStatus; dueAt: number } | null;
  /** The alarm the request is made for, if any. */
  alarm: { residentId: string | null; open: boolean } | null;
  consents: readonly Consent[];
  plan: PlanConsentFacts | null;
}

export type FrameDecision = { allowed: true; basis: 'visit' | 'alarm' } | { allowed: false; reason: FrameRefusal };

/**
 * A camera frame may be seen only by an authorised role, during a scheduled camera visit's due
 * window with valid consent, or while an alarm for that resident is open.
 */
export function frameAccess(request: FrameRequest, timing: VisitTiming): FrameDecision {
  const refuse = (reason: FrameRefusal): FrameDecision => ({ allowed: false, reason });
  if (!(FRAME_ROLES as readonly string[]).includes(request.role)) return refuse('ROLE_NOT_AUTHORISED');
  const { visit, alarm } = request;
  if (alarm) {
    if (alarm.residentId !== request.residentId) return refuse('ALARM_OTHER_RESIDENT');
    return alarm.open ? { allowed: true, basis: 'alarm' } : refuse('ALARM_NOT_OPEN');
  }
  if (!visit) return refuse('NO_VISIT_OR_ALARM');
  if (visit.residentId !== request.residentId) return refuse('VISIT_OTHER_RESIDENT');
  if (visit.mode !== 'camera') return refuse('VISIT_NOT_CAMERA');
  if (!OPEN_STATUSES.includes(visit.status)) return refuse('VISIT_CLOSED');
  if (!inDueWindow(visit, request.now, timing)) return refuse('VISIT_NOT_DUE');
  if (!request.plan || !canUseMode('camera', request.consents, request.plan, request.now).ok) {
    return refuse('NO_CAMERA_CONSENT');
  }
  return { allowed: true, basis: 'visit' };
}

/** What one physical night visit costs that a digital look-in does not (Göteborg's figures). */
export const SAVING_PER_VISIT = { minutes: 58, kr: 515 } as const;

export interface Saving {
  replacedVisits: number;
  minutesSaved: number;
  krSaved: number;
}

export function savingFor(replacedVisits: number): Saving {
  return {
    replacedVisits,
    minutesSaved: replacedVisits * SAVING_PER_VISIT.minutes,
    krSaved: replacedVisits * SAVING_PER_VISIT.kr,
  };
}

/** What a plan saves: each digital visit replaces one physical visit every night. */
export function plannedSaving(
  modes: readonly VisitMode[],
  nightsInMonth: number,
): { perNight: Saving; perMonth: Saving } {
  const perNight = modes.filter((m) => m !== 'physical').length;
  return { perNight: savingFor(perNight), perMonth: savingFor(perNight * nightsInMonth) };
}

/** A physical visit was replaced only when the digital look-in was done and all was well. */
export function replacedPhysicalVisit(visit: { mode: VisitMode; status: VisitStatus }): boolean {
  return visit.mode !== 'physical' && visit.status === 'done_all_well';
}

/** Realised savings per night and for the whole set (e.g. a month), from closed visits. */
export function realisedSaving(visits: readonly { night: string; mode: VisitMode; status: VisitStatus }[]): {
  perNight: { night: string; saving: Saving }[];
  total: Saving;
} {
  const byNight = new Map<string, number>();
  for (const v of visits) {
    if (!byNight.has(v.night)) byNight.set(v.night, 0);
    if (replacedPhysicalVisit(v)) byNight.set(v.night, (byNight.get(v.night) ?? 0) + 1);
  }
  const perNight = [...byNight.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([night, n]) => ({ night, saving: savingFor(n) }));
  return { perNight, total: savingFor(perNight.reduce((sum, n) => sum + n.saving.replacedVisits, 0)) };
}
