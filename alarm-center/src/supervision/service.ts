// The shell around the supervision rules: stores plans, consents and visits, lays out each night,
// moves visits to due and missed on the injected clock (one periodic tick, no timer per visit),
// asks cameras for frames and logs every view and refusal, and raises alarms when visits escalate.

import { randomBytes } from 'node:crypto';
import type { AnonymizedFrame } from '@trygg/firmware-protocol';
import type pg from 'pg';
import type { Logger } from 'pino';
import { type AlarmService, emptyCommitted } from '../alarms/service.ts';
import type { User } from '../api/schemas.ts';
import type { Clock } from '../clock.ts';
import { inTransaction } from '../db/database.ts';
import type { DeviceCommands } from '../devices/commands.ts';
import { AppError } from '../errors.ts';
import { SupervisionError } from './errors.ts';
import { monthOf, nightOf, nightsInMonth, visitDueAt } from './night.ts';
import * as repo from './repository.ts';
import {
  type Consent,
  canUseMode,
  DEFAULT_TIMING,
  dueTransitions,
  frameAccess,
  type PlanConsentFacts,
  plannedSaving,
  realisedSaving,
  type VisitMode,
  type VisitTiming,
  visitsToSwitchBack,
} from './rules.ts';

export interface SupervisionOptions {
  /** The municipality's time zone (TIME_ZONE): which night "tonight" is, and this month. */
  timeZone?: string;
  timing?: VisitTiming;
  /** How long a look-in waits for the camera before the visit turns physical. */
  snapshotTimeoutMs?: number;
  tickMs?: number;
}

export type CloseOutcome = 'all_well' | 'escalate_physical' | 'escalate_alarm';

export interface LookInRequest {
  residentId: string;
  visitId: string | null;
  alarmId: string | null;
}

export interface LookInResult {
  accessLogId: string;
  frame: AnonymizedFrame | null;
  /** The camera did not answer: a visit is turned physical at once. */
  cameraUnavailable: boolean;
  visit: repo.Visit | null;
}

const consentFacts = (plan: repo.Plan): PlanConsentFacts => ({
  hasCohabitant: plan.cohabitantName !== null,
  residentCanConsent: plan.residentCanConsent,
});

const asConsents = (records: readonly repo.ConsentRecord[]): Consent[] =>
  records.map((c) => ({ party: c.party, scope: c.scope, recordedAt: c.recordedAt, withdrawnAt: c.withdrawnAt }));

export class SupervisionService {
  readonly timing: VisitTiming;
  readonly #snapshotTimeoutMs: number;
  readonly #tickMs: number;
  readonly #timeZone: string;
  #timer: NodeJS.Timeout | null = null;
  #running = false;
  #laidOutNight: string | null = null;

  constructor(
    private readonly pool: pg.Pool,
    private readonly clock: Clock,
    private readonly alarmService: AlarmService,
    private readonly commands: DeviceCommands | null,
    private readonly logger: Logger,
    options: SupervisionOptions = {},
  ) {
    this.timing = options.timing ?? DEFAULT_TIMING;
    this.#timeZone = options.timeZone ?? 'Europe/Stockholm';
    this.#snapshotTimeoutMs = options.snapshotTimeoutMs ?? 5000;
    this.#tickMs = options.tickMs ?? 250;
  }

  // ---- plans ------------------------------------------------------------------------------

  async plans() {
    return (await repo.plans(this.pool)).map((p) => this.#withSaving(p));
  }

  async plan(residentId: string) {
    const plan = await repo.plan(this.pool, residentId);
    if (!plan) throw new SupervisionError('PLAN_NOT_FOUND');
    return this.#withSaving(plan);
  }

  #withSaving(plan: repo.Plan) {
    const month = monthOf(nightOf(this.clock.now(), plan.timeZone));
    return {
      ...plan,
      saving: plannedSaving(
        plan.visits.map((v) => v.mode),
        nightsInMonth(month),
      ),
    };
  }

  async savePlan(residentId: string, input: repo.PlanInput) {
    if (!(await repo.residentExists(this.pool, residentId))) throw new AppError('RESIDENT_NOT_FOUND');
    const now = this.clock.now();
    const facts = { hasCohabitant: input.cohabitantName !== null, residentCanConsent: input.residentCanConsent };
    const consents = asConsents(await repo.consents(this.pool, residentId));
    const hasCamera = input.visits.some((v) => v.mode === 'camera') && (await this.#hasCamera(residentId));
    for (const v of input.visits) {
      this.#requireCamera(v.mode, hasCamera, v.time);
      this.#requireMode(v.mode, consents, facts, now, v.time);
    }
    await inTransaction(this.pool, (c) => repo.savePlan(c, residentId, input, now));
    await this.layOutTonight(residentId);
    return this.plan(residentId);
  }

  async deletePlan(residentId: string): Promise<void> {
    const deleted = await inTransaction(this.pool, (c) => repo.deletePlan(c, residentId));
    if (!deleted) throw new SupervisionError('PLAN_NOT_FOUND');
  }

  /** The night team's one-step switch of a planned visit (and its open visits) to another mode. */
  async switchMode(planVisitId: string, mode: VisitMode) {
    const pv = await repo.planVisit(this.pool, planVisitId);
    if (!pv) throw new SupervisionError('PLAN_VISIT_NOT_FOUND');
    const plan = await repo.plan(this.pool, pv.residentId);
    if (!plan) throw new SupervisionError('PLAN_NOT_FOUND');
    const now = this.clock.now();
    const consents = asConsents(await repo.consents(this.pool, pv.residentId));
    const time = plan.visits.find((v) => v.id === planVisitId)?.time ?? '';
    this.#requireCamera(mode, plan.hasCamera, time);
    this.#requireMode(mode, consents, consentFacts(plan), now, time);
    await inTransaction(this.pool, (c) => repo.setPlanVisitMode(c, [planVisitId], mode, null));
    return this.plan(pv.residentId);
  }

  async #hasCamera(residentId: string): Promise<boolean> {
    return (await repo.devicesOf(this.pool, residentId)).some((d) => d.deviceType === 'camera');
  }

  /** A camera look-in needs a camera: refused before consent is even considered. */
  #requireCamera(mode: VisitMode, hasCamera: boolean, time: string) {
    if (mode === 'camera' && !hasCamera) {
      throw new SupervisionError(
        'NO_CAMERA',
        `The ${time} visit cannot be a camera look-in: the resident has no camera`,
      );
    }
  }

  #requireMode(mode: VisitMode, consents: Consent[], facts: PlanConsentFacts, now: number, time: string) {
    const check = canUseMode(mode, consents, facts, now);
    if (!check.ok) {
      throw new SupervisionError(
        'CONSENT_REQUIRED',
        `The ${time} visit cannot be done by ${mode} (${check.reason}): record the consent first`,
      );
    }
  }

  // ---- consents ---------------------------------------------------------------------------

  async consents(residentId: string) {
    return repo.consents(this.pool, residentId);
  }

  async recordConsent(
    residentId: string,
    input: { party: repo.ConsentRecord['party']; partyName: string | null; scope: repo.ConsentRecord['scope'] },
    user: User,
  ) {
    if (!(await repo.residentExists(this.pool, residentId))) throw new AppError('RESIDENT_NOT_FOUND');
    return repo.addConsent(this.pool, { residentId, ...input }, user.username, this.clock.now());
  }

  /**
   * Withdraws a consent and, in the same transaction, turns every planned and open visit that
   * consent no longer covers back to physical, marked so the night team sees why.
   */
  async withdrawConsent(consentId: string, user: User) {
    const now = this.clock.now();
    return inTransaction(this.pool, async (c) => {
      const consent = await repo.withdrawConsent(c, consentId, user.username, now);
      if (!consent) {
        const existing = await repo.consent(c, consentId);
        throw new SupervisionError(existing ? 'CONSENT_WITHDRAWN' : 'CONSENT_NOT_FOUND');
      }
      const plan = await repo.plan(c, consent.residentId);
      if (!plan) return { consent, switchedPlanVisits: [], switchedVisits: [] };
      const consents = asConsents(await repo.consents(c, consent.residentId));
      const facts = consentFacts(plan);
      const planVisits = visitsToSwitchBack(plan.visits, consents, facts, now);
      const open = await repo.openVisitsOf(c, consent.residentId);
      const visits = visitsToSwitchBack(open, consents, facts, now);
      await repo.setPlanVisitMode(c, planVisits, 'physical', 'consent_withdrawn');
      await repo.setVisitMode(c, visits, 'physical', 'consent_withdrawn');
      this.logger.info(
        { residentId: consent.residentId, planVisits: planVisits.length, visits: visits.length },
        'consent withdrawn; visits switched back to physical',
      );
      return { consent, switchedPlanVisits: planVisits, switchedVisits: visits };
    });
  }

  // ---- the night round --------------------------------------------------------------------

  /** Tonight's visits (or a given night's) in time order across residents. */
  async round(nightDate: string | null, nightTeam: string | null) {
    await this.advance();
    const night = nightDate ?? nightOf(this.clock.now(), this.#timeZone);
    const [visits, teams] = await Promise.all([repo.night(this.pool, night, nightTeam), repo.nightTeams(this.pool)]);
    return { night, visits, teams };
  }

  /** A visit of the round, for reading what the night team needs at the door. */
  async roundVisit(visitId: string): Promise<repo.Visit> {
    const visit = await repo.visit(this.pool, visitId);
    if (!visit) throw new SupervisionError('VISIT_NOT_FOUND');
    return visit;
  }

  /** Lays out tonight's visits from the plans (all, or one resident's); idempotent. */
  async layOutTonight(residentId?: string): Promise<void> {
    const now = this.clock.now();
    const plans = residentId ? [await repo.plan(this.pool, residentId)] : await repo.plans(this.pool);
    const visits: repo.NightVisit[] = [];
    for (const plan of plans) {
      if (!plan) continue;
      const night = nightOf(now, plan.timeZone);
      for (const v of plan.visits) {
        visits.push({
          planVisitId: v.id,
          residentId: plan.residentId,
          night,
          time: v.time,
          dueAt: visitDueAt(night, v.time, plan.timeZone),
          mode: v.mode,
        });
      }
    }
    await repo.layOutNight(this.pool, visits);
  }

  /** The scheduler's step: lay out tonight, make visits due at their time, escalate missed ones. */
  async advance(): Promise<void> {
    const now = this.clock.now();
    // Each night is laid out once when it begins; saving a plan lays out its own visits at once.
    const night = nightOf(now, this.#timeZone);
    if (night !== this.#laidOutNight) {
      await this.layOutTonight();
      this.#laidOutNight = night;
    }
    const open = await repo.openVisitsDueBy(this.pool, now);
    for (const change of dueTransitions(open, now, this.timing)) {
      const visit = open.find((v) => v.id === change.id)!;
      if (change.to === 'missed') await this.#escalateMissed(visit, change.from, now);
      else await repo.setVisitStatus(this.pool, change.id, change.from, change.to, null);
    }
  }

  async #escalateMissed(visit: repo.Visit, from: repo.Visit['status'], now: number) {
    const note = `Digital visit ${visit.time} not done within ${Math.round(this.timing.graceMs / 60_000)} min`;
    const close = { by: null, at: now, note, alarmId: null };
    // The visit turns missed in the same transaction that raises its alarm: a crash between the two
    // can neither leave a missed visit without an alarm nor raise one twice (the status change is
    // the claim, so two ticks, or a tick and a request, never both escalate).
    const alarmId = await this.#raiseAlarm(visit, 'supervision_visit_missed', note, null, now, (c) =>
      repo.setVisitStatus(c, visit.id, from, 'missed', close),
    ).catch(async (err) => {
      if (!(err instanceof SupervisionError && err.code === 'NO_DEVICE_FOR_ALARM')) throw err; // next tick retries
      // No device to raise an alarm on: the visit is still missed, and the log says so loudly.
      await repo.setVisitStatus(this.pool, visit.id, from, 'missed', close);
      this.logger.error({ visitId: visit.id, residentId: visit.residentId }, 'missed visit: no device to alarm on');
      return null;
    });
    if (alarmId !== null) {
      this.logger.warn({ visitId: visit.id, residentId: visit.residentId, alarmId }, 'digital visit missed');
    }
  }

  /**
   * Raises an operator alarm for a resident on their camera (or another device of theirs), with
   * the visit's story in its history. Raised as kind 'supervision' through the alarm service, like
   * every alarm (priority and audience from ALARM_POLICY, counted), and says why in its details and notes.
   */
  async #raiseAlarm(
    visit: repo.Visit,
    reason: string,
    note: string,
    actor: string | null,
    now: number,
    claim?: (c: pg.PoolClient) => Promise<boolean>,
  ) {
    const [device] = await repo.devicesOf(this.pool, visit.residentId);
    if (!device) throw new SupervisionError('NO_DEVICE_FOR_ALARM');
    const committed = emptyCommitted();
    const alarmId = await inTransaction(this.pool, async (c) => {
      if (claim && !(await claim(c))) return null; // someone else already escalated it
      const raised = await this.alarmService.raise(
        c,
        {
          deviceId: device.deviceId,
          residentId: visit.residentId,
          district: device.district,
          kind: 'supervision',
          at: now,
          sourceMessageId: null,
          details: { supervision: { visitId: visit.id, time: visit.time, reason } },
        },
        committed,
        { actor: actor ?? 'supervision', text: note },
      );
      if (!raised) return null; // only "connection lost" is ever declined
      await repo.setVisitAlarm(c, visit.id, raised.alarmId);
      return raised.alarmId;
    });
    if (alarmId !== null) await this.alarmService.published(committed);
    return alarmId;
  }

  /** One visit as it stands now (e.g. whether a physical visit is due, for a digital lock). */
  async visit(visitId: string): Promise<repo.Visit | null> {
    await this.advance();
    return repo.visit(this.pool, visitId);
  }

  async closeVisit(visitId: string, user: User, outcome: CloseOutcome, note: string | null) {
    await this.advance();
    const visit = await repo.visit(this.pool, visitId);
    if (!visit) throw new SupervisionError('VISIT_NOT_FOUND');
    if (visit.status === 'pending') throw new SupervisionError('VISIT_NOT_DUE');
    if (visit.status !== 'due') throw new SupervisionError('VISIT_CLOSED');
    const now = this.clock.now();
    if (outcome === 'escalate_alarm' && (await repo.devicesOf(this.pool, visit.residentId)).length === 0) {
      throw new SupervisionError('NO_DEVICE_FOR_ALARM');
    }
    const status = (
      { all_well: 'done_all_well', escalate_physical: 'escalated_physical', escalate_alarm: 'escalated_alarm' } as const
    )[outcome];
    const close = { by: user.username, at: now, note, alarmId: null };
    if (!(await repo.setVisitStatus(this.pool, visitId, 'due', status, close))) {
      throw new SupervisionError('VISIT_CLOSED');
    }
    if (outcome === 'escalate_alarm') {
      const text = note ?? `Escalated from the ${visit.time} supervision visit`;
      await this.#raiseAlarm(visit, 'supervision_escalated', text, user.username, now);
    }
    return (await repo.visit(this.pool, visitId))!;
  }

  // ---- look-ins ---------------------------------------------------------------------------

  /**
   * Decides whether this user may see this resident's camera now, logs the view or the
   * refusal, and only then asks the camera for an anonymized frame.
   */
  async lookIn(user: User, request: LookInRequest): Promise<LookInResult> {
    await this.advance();
    const now = this.clock.now();
    const visit = request.visitId ? await repo.visit(this.pool, request.visitId) : null;
    if (request.visitId && !visit) throw new SupervisionError('VISIT_NOT_FOUND');
    const alarm = request.alarmId ? await this.alarmService.summary(request.alarmId) : null;
    if (request.alarmId && !alarm) throw new AppError('ALARM_NOT_FOUND');
    const plan = await repo.plan(this.pool, request.residentId);
    const decision = frameAccess(
      {
        role: user.role,
        residentId: request.residentId,
        now,
        visit,
        alarm: alarm ? { residentId: alarm.resident?.id ?? null, open: alarm.status !== 'closed' } : null,
        consents: asConsents(await repo.consents(this.pool, request.residentId)),
        plan: plan ? consentFacts(plan) : null,
      },
      this.timing,
    );
    const accessLogId = await repo.logFrameAccess(this.pool, {
      at: now,
      actor: user.username,
      actorRole: user.role,
      residentId: request.residentId,
      visitId: request.visitId,
      alarmId: request.alarmId,
      allowed: decision.allowed,
      reason: decision.allowed ? decision.basis : decision.reason,
    });
    if (!decision.allowed) {
      throw new SupervisionError('FRAME_REFUSED', `You may not see this camera now (${decision.reason})`);
    }
    const frame = await this.#snapshot(request.residentId);
    if (frame === null && visit) {
      // A camera or connection that is down at look-in time turns the visit physical at once.
      await repo.setVisitMode(this.pool, [visit.id], 'physical', 'camera_unavailable');
    }
    return {
      accessLogId,
      frame,
      cameraUnavailable: frame === null,
      visit: visit ? await repo.visit(this.pool, visit.id) : null,
    };
  }

  async #snapshot(residentId: string): Promise<AnonymizedFrame | null> {
    const camera = (await repo.devicesOf(this.pool, residentId)).find((d) => d.deviceType === 'camera');
    if (!camera) throw new SupervisionError('NO_CAMERA');
    if (!this.commands) return null;
    const id = `snap-${randomBytes(8).toString('hex')}`;
    const reply = await this.commands.request(
      camera.deviceId,
      { v: 1, id, ts: this.clock.now(), type: 'request_snapshot' },
      (e) => e.type === 'camera.snapshot' && e.requestId === id,
      this.#snapshotTimeoutMs,
    );
    if (reply.kind === 'event' && reply.event.type === 'camera.snapshot') return reply.event.frame;
    this.logger.warn({ deviceId: camera.deviceId, reply: reply.kind }, 'camera gave no frame for a look-in');
    return null;
  }

  async accessLog(filter: { residentId?: string | undefined; limit: number }) {
    return repo.accessLog(this.pool, filter);
  }

  // ---- savings ----------------------------------------------------------------------------

  /** Planned savings of all plans, and realised savings per night of a month. */
  async savings(month: string | null) {
    const m = month ?? monthOf(nightOf(this.clock.now(), this.#timeZone));
    const last = `${m}-${String(nightsInMonth(m)).padStart(2, '0')}`;
    const plans = await repo.plans(this.pool);
    const planned = plannedSaving(
      plans.flatMap((p) => p.visits.map((v) => v.mode)),
      nightsInMonth(m),
    );
    const realised = realisedSaving(await repo.visitsBetween(this.pool, `${m}-01`, last));
    return { month: m, planned, realised };
  }

  // ---- the periodic tick ------------------------------------------------------------------

  start(): void {
    this.#timer = setInterval(() => void this.#tick(), this.#tickMs);
    this.#timer.unref();
  }

  async #tick(): Promise<void> {
    if (this.#running) return;
    this.#running = true;
    try {
      await this.advance();
    } catch (err) {
      this.logger.error({ err: (err as Error).message }, 'supervision tick failed; retrying next tick');
    } finally {
      this.#running = false;
    }
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
  }
}
