// The responders' one door: responders and their live status, dispatching an alarm to one, the
// responder's steps (accept, on the way, arrived, done with the job sheet, could not get in),
// the accept deadline on the shared scheduler, the key register and digital locks. Every step
// goes into the alarm's history through the AlarmService in the same transaction; a door code
// is read only for an active dispatch, audit-logged.

import { randomBytes } from 'node:crypto';
import type {
  AlarmDispatches,
  Dispatch,
  DispatchState,
  JobSheet,
  ResidentKey,
  Responder,
  ResponderDispatch,
  ResponderStatus,
  User,
} from '@trygg/console-contract';
import type pg from 'pg';
import type { Logger } from 'pino';
import type { AlarmBus } from '../alarms/bus.ts';
import type { TimedSource } from '../alarms/scheduler.ts';
import { type AlarmService, type Committed, emptyCommitted } from '../alarms/service.ts';
import type { AuditLog } from '../audit/service.ts';
import type { Clock } from '../clock.ts';
import { inTransaction, onCommit } from '../db/database.ts';
import type { DeviceCommands } from '../devices/commands.ts';
import { AppError } from '../errors.ts';
import type { ResidentService } from '../residents/service.ts';
import { ResponderError } from './errors.ts';
import * as repo from './repository.ts';
import { arrivalHours, checkStep, type DispatchStep, isActive, suggestResponders } from './rules.ts';

/** What the lock needs to know of a supervision visit (the supervision feature answers). */
export interface VisitLookup {
  visit(visitId: string): Promise<{ residentId: string; status: string; mode: string } | null>;
}

export interface ResponderOptions {
  timeZone: string;
  /** How long a responder has to accept (DISPATCH_ACCEPT_S). */
  acceptWithinMs: number;
  /** The municipality's arrival target (ARRIVAL_TARGET_MIN). */
  arrivalTargetMinutes: number;
  /** How long an operator waits for a digital lock to answer. */
  lockTimeoutMs?: number;
}

/**
 * The longest the accept sweep waits between looks at the database. It must not exceed the
 * shortest accept time any replica may give (DISPATCH_ACCEPT_S is at least 30 s): then a dispatch
 * another replica sends after our look is seen by our next look, before its deadline, and our
 * sweep is scheduled for that deadline itself (see #checkAt).
 */
export const ACCEPT_SWEEP_MS = 30_000;

const mayHandle = (user: User) => user.role === 'operator' || user.role === 'supervisor';

export class ResponderService implements TimedSource {
  /**
   * When the accept sweep next looks in the database: the earliest accept deadline stored there
   * (any replica's dispatch), at the latest ACCEPT_SWEEP_MS after the last look. The database is
   * the one truth: the deadline is the dispatch's accept_by column, and only the sweep's claim
   * (FOR UPDATE SKIP LOCKED, once per dispatch) reports a timeout, so replicas never report one
   * twice and a dead replica's dispatches are reported on time by the others.
   */
  #checkAt = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly pool: pg.Pool,
    private readonly alarms: AlarmService,
    private readonly residents: ResidentService,
    private readonly audit: AuditLog,
    private readonly commands: DeviceCommands,
    private readonly bus: AlarmBus,
    private readonly clock: Clock,
    private readonly logger: Logger,
    readonly options: ResponderOptions,
    private readonly visits: VisitLookup | null = null,
  ) {}

  /**
   * Loads the accept deadlines of dispatches still waiting (after a restart), and from now on ends
   * the dispatch of every alarm an operator closes, so its responder is free and loses the door code.
   */
  async load(): Promise<void> {
    this.#checkAt = Number.NEGATIVE_INFINITY; // the first tick looks
    this.bus.onAlarm((alarm) => {
      if (alarm.status !== 'closed' || alarm.audience !== 'operator') return;
      this.#cancelFor(alarm.id).catch((err: Error) =>
        this.logger.error({ err: err.message, alarmId: alarm.id }, 'dispatch of a closed alarm not ended'),
      );
    });
  }

  async #cancelFor(alarmId: string): Promise<void> {
    const now = this.clock.now();
    const ended = await inTransaction(this.pool, async (client) => {
      const d = await repo.lockActiveDispatchOfAlarm(client, alarmId);
      if (!d) return null;
      await repo.moveDispatch(client, d.id, d.state, { state: 'cancelled', at: now });
      await repo.setStatus(client, d.responderId, 'on_duty', now);
      return d;
    });
    if (!ended) return;
    this.#announce({ ...ended, state: 'cancelled' });
  }

  // ---- responders ---------------------------------------------------------------------------

  async list(): Promise<Responder[]> {
    return repo.responders(this.pool);
  }

  /** A supervisor adds a responder (a person or a team). */
  async create(r: repo.NewResponder): Promise<Responder> {
    if (await repo.responder(this.pool, r.id)) throw new ResponderError('RESPONDER_EXISTS');
    await storeResponder(() => repo.createResponder(this.pool, r, this.clock.now()));
    return (await repo.responder(this.pool, r.id))!;
  }

  /** A supervisor changes a responder's name, kind, districts, shift, phone or login. */
  async update(id: string, fields: Omit<repo.NewResponder, 'id' | 'status'>): Promise<Responder> {
    const found = await storeResponder(() => repo.updateResponder(this.pool, id, fields));
    if (!found) throw new ResponderError('RESPONDER_NOT_FOUND');
    return (await repo.responder(this.pool, id))!;
  }

  /** The responder a responder-role login acts as. */
  async me(user: User): Promise<Responder> {
    const me = await repo.responderOfUser(this.pool, user.username);
    if (!me) throw new ResponderError('RESPONDER_LOGIN_UNKNOWN');
    return me;
  }

  /** Used by the console stream to show a responder only their own dispatches. */
  async responderIdOf(username: string): Promise<string | null> {
    return (await repo.responderOfUser(this.pool, username))?.id ?? null;
  }

  /** On duty or off; a responder sets their own, operators and supervisors anyone's. */
  async setStatus(responderId: string, status: ResponderStatus, user: User): Promise<Responder> {
    const r = await repo.responder(this.pool, responderId);
    if (!r) throw new ResponderError('RESPONDER_NOT_FOUND');
    if (user.role === 'responder' && r.username !== user.username) throw new AppError('FORBIDDEN_ROLE');
    await repo.setStatus(this.pool, responderId, status, this.clock.now());
    return (await repo.responder(this.pool, responderId))!;
  }

  // ---- dispatch -----------------------------------------------------------------------------

  /** The alarm's dispatches and who to send now, best first (the resident's district first). */
  async forAlarm(alarmId: string): Promise<AlarmDispatches> {
    const alarm = await this.alarms.summary(alarmId);
    if (!alarm) throw new AppError('ALARM_NOT_FOUND');
    const [dispatches, all, timedOut, times] = await Promise.all([
      repo.dispatchesOfAlarm(this.pool, alarmId),
      repo.responders(this.pool),
      repo.timedOutResponders(this.pool, alarmId),
      this.alarms.responseTimes(alarmId),
    ]);
    const suggestions = suggestResponders(all, alarm.district, this.clock.now(), this.options.timeZone, timedOut);
    return { dispatches, suggestions, times: times! };
  }

  /**
   * Sends the alarm to an available responder. A dispatch still active on the alarm is ended as
   * reassigned first (its responder loses the door code), so exactly one responder acts at a time.
   */
  async dispatch(
    alarmId: string,
    user: User,
    input: { responderId: string; notes: string; keyId: string | null },
  ): Promise<Dispatch> {
    const now = this.clock.now();
    const committed = emptyCommitted();
    const ended: Dispatch[] = [];
    const id = await inTransaction(this.pool, async (client) => {
      const alarm = await this.alarms.summaryIn(client, alarmId);
      if (!alarm) throw new AppError('ALARM_NOT_FOUND');
      if (alarm.status === 'closed') throw new AppError('ALARM_CLOSED');
      if (alarm.status === 'new') throw new ResponderError('ALARM_NOT_TAKEN');
      const responder = await repo.lockResponder(client, input.responderId);
      if (!responder) throw new ResponderError('RESPONDER_NOT_FOUND');
      const previous = await repo.lockActiveDispatchOfAlarm(client, alarmId);
      const again = previous?.responderId === responder.id;
      if (responder.status !== 'on_duty' && !again) throw new ResponderError('RESPONDER_NOT_AVAILABLE');
      if (input.keyId) {
        const key = await repo.key(client, input.keyId);
        if (!key) throw new ResponderError('KEY_NOT_FOUND');
        if (key.residentId !== alarm.resident?.id) throw new ResponderError('KEY_NOT_RESIDENTS');
      }
      if (previous) {
        await this.#reassign(client, previous, user.username, now, committed);
        ended.push(previous);
      }
      const dispatchId = await repo.insertDispatch(client, {
        alarmId,
        responderId: responder.id,
        dispatchedBy: user.username,
        notes: input.notes,
        keyId: input.keyId,
        at: now,
        acceptBy: now + this.options.acceptWithinMs,
      });
      await repo.setStatus(client, responder.id, 'busy', now);
      await this.alarms.dispatchIn(client, alarmId, user.username, responder.name, now, committed);
      return dispatchId;
    });
    // Our own dispatch: the sweep is due at its deadline at the latest (no need to wait for a look).
    this.#checkAt = Math.min(this.#checkAt, now + this.options.acceptWithinMs);
    return this.#published(id, committed, ended);
  }

  /** A responder's step on their dispatch (operators may record one a responder phoned in). */
  async step(
    dispatchId: string,
    user: User,
    step: Exclude<DispatchStep, 'done' | 'could_not_enter'>,
    input: { etaMinutes?: number } = {},
  ): Promise<Dispatch> {
    const now = this.clock.now();
    const committed = emptyCommitted();
    await inTransaction(this.pool, async (client) => {
      const d = await this.#ownLocked(client, dispatchId, user);
      const to = this.#check(d.state, step);
      const change: repo.StepChange = { state: to, at: now };
      if (step === 'on_the_way' && input.etaMinutes !== undefined) change.etaMinutes = input.etaMinutes;
      if (step === 'arrive') change.arrivedVia = 'app';
      if (!(await repo.moveDispatch(client, d.id, d.state, change))) throw new ResponderError('DISPATCH_STEP_REFUSED');
      const history = {
        accept: { type: 'dispatch_accepted', note: d.responderName, time: 'accepted_at' as const },
        on_the_way: { type: 'dispatch_on_the_way', note: input.etaMinutes ? `${input.etaMinutes} min` : null },
        arrive: { type: 'dispatch_arrived', note: 'app', time: 'arrived_at' as const },
      }[step];
      await this.alarms.recordStep(client, d.alarmId, { ...history, actor: user.username, at: now }, committed);
    });
    return this.#published(dispatchId, committed);
  }

  /**
   * The unit confirmed a presence (SCAIP stc 0088, presence after alarm): the responder of the
   * device's open alarm has arrived. Runs inside the ingest's transaction; null when no dispatch
   * was waiting for an arrival.
   */
  async unitPresence(client: pg.PoolClient, deviceId: string, at: number, into: Committed): Promise<string | null> {
    const d = await repo.activeDispatchOfDevice(client, deviceId);
    if (!d || !checkStep(d.state, 'arrive').ok) return null;
    if (!(await repo.moveDispatch(client, d.id, d.state, { state: 'arrived', at, arrivedVia: 'unit' }))) return null;
    await this.alarms.recordStep(
      client,
      d.alarmId,
      { type: 'dispatch_arrived', actor: d.responderName, note: 'unit', at, time: 'arrived_at' },
      into,
    );
    onCommit(() => this.#announce({ ...d, state: 'arrived' }));
    return d.id;
  }

  /** Klart: the job sheet is stored, the alarm closes with it in its history, the responder is free. */
  async done(dispatchId: string, user: User, sheet: JobSheet): Promise<Dispatch> {
    const now = this.clock.now();
    const committed = emptyCommitted();
    await inTransaction(this.pool, async (client) => {
      const d = await this.#ownLocked(client, dispatchId, user);
      const to = this.#check(d.state, 'done');
      if (!(await repo.moveDispatch(client, d.id, d.state, { state: to, at: now, jobSheet: sheet }))) {
        throw new ResponderError('DISPATCH_STEP_REFUSED');
      }
      await repo.setStatus(client, d.responderId, 'on_duty', now);
      await this.alarms.recordStep(
        client,
        d.alarmId,
        { type: 'job_sheet', actor: user.username, note: jobSheetText(sheet), at: now },
        committed,
      );
      await this.alarms.closeIn(client, d.alarmId, user.username, 'helped', sheet.note || null, now, committed);
    });
    return this.#published(dispatchId, committed);
  }

  /**
   * Kom inte in: never the end. The dispatch ends, and a priority-1 alarm "could not get in" is
   * raised through the one road for alarms and escalated to the supervisors at once; the
   * original alarm stays open.
   */
  async couldNotEnter(dispatchId: string, user: User, note: string): Promise<Dispatch> {
    const now = this.clock.now();
    const committed = emptyCommitted();
    await inTransaction(this.pool, async (client) => {
      const d = await this.#ownLocked(client, dispatchId, user);
      const to = this.#check(d.state, 'could_not_enter');
      if (!(await repo.moveDispatch(client, d.id, d.state, { state: to, at: now }))) {
        throw new ResponderError('DISPATCH_STEP_REFUSED');
      }
      await repo.setStatus(client, d.responderId, 'on_duty', now);
      await this.alarms.recordStep(
        client,
        d.alarmId,
        { type: 'could_not_enter', actor: user.username, note: note || null, at: now },
        committed,
      );
      const alarm = (await this.alarms.summaryIn(client, d.alarmId))!;
      const raised = await this.alarms.raise(
        client,
        {
          deviceId: alarm.deviceId,
          residentId: alarm.resident?.id ?? null,
          district: alarm.district,
          kind: 'could_not_enter',
          at: now,
          sourceMessageId: null,
          details: { couldNotEnter: { alarmId: d.alarmId, dispatchId: d.id, responder: d.responderName } },
        },
        committed,
        { actor: user.username, text: note ? `${d.responderName}: ${note}` : d.responderName },
      );
      if (raised) await this.alarms.apply(client, [{ type: 'escalate', alarmId: raised.alarmId, at: now }], committed);
    });
    this.logger.warn({ dispatchId }, 'responder could not get in; escalated');
    return this.#published(dispatchId, committed);
  }

  // ---- the accept deadline (one tick: the DeadlineScheduler) --------------------------------

  nextDue(): number {
    return this.#checkAt;
  }

  /**
   * Accept times that passed, claimed in the database whichever replica dispatched: the operator
   * is told (history, live) and offered someone else. Then the next look is scheduled for the
   * earliest deadline still waiting.
   */
  async runDue(now: number): Promise<void> {
    const committed = emptyCommitted();
    const { claimed: late, next } = await inTransaction(this.pool, async (client) => {
      const claimed = await repo.claimAcceptTimeouts(client, now);
      for (const d of claimed) {
        await this.alarms.recordStep(
          client,
          d.alarmId,
          { type: 'dispatch_not_accepted', actor: 'system', note: d.responderName, at: now },
          committed,
        );
        // Help is not on its way: the queue announces it again (chime, highlight) and supervisors see it.
        await this.alarms.escalateIn(client, d.alarmId, now, committed);
      }
      return { claimed, next: await repo.nextAcceptDeadline(client) };
    });
    // Only once stored: a failed transaction leaves #checkAt due, so the next tick looks again.
    this.#checkAt = Math.min(now + ACCEPT_SWEEP_MS, next ?? Number.POSITIVE_INFINITY);
    await this.alarms.published(committed);
    for (const d of late) this.#announce(d);
    if (late.length) this.logger.warn({ dispatches: late.map((d) => d.id) }, 'dispatch not accepted in time');
  }

  // ---- the responder's own view -------------------------------------------------------------

  async mine(user: User): Promise<Dispatch[]> {
    const me = await this.me(user);
    return repo.dispatchesOfResponder(this.pool, me.id);
  }

  /**
   * One dispatch as its responder sees it: address, door code, access, notes and key only while
   * it is active (the read is audit-logged); afterwards only what happened.
   */
  async forResponder(dispatchId: string, user: User): Promise<ResponderDispatch> {
    const d = await repo.dispatch(this.pool, dispatchId);
    if (!d) throw new ResponderError('DISPATCH_NOT_FOUND');
    const me = await this.me(user);
    if (d.responderId !== me.id) throw new ResponderError('DISPATCH_NOT_YOURS');
    const alarm = await this.alarms.summary(d.alarmId);
    let access: ResponderDispatch['access'] = null;
    if (isActive(d.state) && alarm?.resident) {
      const card = await this.residents.card(user.username, alarm.resident.id, `dispatch ${d.id}`);
      const key = d.keyId ? await repo.key(this.pool, d.keyId) : null;
      if (card) access = { address: card.address, doorCode: card.doorCode, access: card.access, notes: d.notes, key };
    }
    return {
      dispatch: d,
      alarmKind: alarm?.kind ?? 'manual',
      residentName: alarm?.resident?.name ?? null,
      access,
    };
  }

  // ---- arrival times ------------------------------------------------------------------------

  async arrivalTimes(hours: number) {
    const to = this.clock.now();
    const from = to - hours * 3_600_000;
    const target = this.options.arrivalTargetMinutes;
    return { targetMinutes: target, hours: arrivalHours(await repo.arrivals(this.pool, from, to), from, to, target) };
  }

  // ---- the key register ---------------------------------------------------------------------

  async keysOf(residentId: string): Promise<ResidentKey[]> {
    return repo.keysOf(this.pool, residentId);
  }

  /** The keys the user has signed out and not yet back in (the responder's phone lists them). */
  async keysHeldBy(user: User): Promise<ResidentKey[]> {
    return repo.keysHeldBy(this.pool, user.username);
  }

  async keysSignedOut(): Promise<ResidentKey[]> {
    return repo.keysSignedOut(this.pool);
  }

  async addKey(
    residentId: string,
    input: { id: string; kind: ResidentKey['kind']; label: string; lockDeviceId: string | null },
  ) {
    if (await repo.key(this.pool, input.id)) throw new ResponderError('KEY_EXISTS');
    await storeKey(() => repo.createKey(this.pool, residentId, input));
    return (await repo.key(this.pool, input.id))!;
  }

  async keyEvents(keyId: string) {
    if (!(await repo.key(this.pool, keyId))) throw new ResponderError('KEY_NOT_FOUND');
    return repo.keyEvents(this.pool, keyId);
  }

  /** Signs a key out to the user (a responder on their dispatch, or staff), logged. */
  async signOutKey(keyId: string, user: User, dispatchId: string | null): Promise<ResidentKey> {
    const now = this.clock.now();
    await inTransaction(this.pool, async (client) => {
      const key = await repo.key(client, keyId);
      if (!key) throw new ResponderError('KEY_NOT_FOUND');
      if (dispatchId) await this.#ownLocked(client, dispatchId, user);
      if (!(await repo.moveKey(client, keyId, user.username, now))) throw new ResponderError('KEY_ALREADY_OUT');
      await repo.appendKeyEvent(client, keyId, 'signed_out', user.username, dispatchId, now);
    });
    return (await repo.key(this.pool, keyId))!;
  }

  async signInKey(keyId: string, user: User): Promise<ResidentKey> {
    const now = this.clock.now();
    await inTransaction(this.pool, async (client) => {
      if (!(await repo.key(client, keyId))) throw new ResponderError('KEY_NOT_FOUND');
      if (!(await repo.moveKey(client, keyId, null, now))) throw new ResponderError('KEY_NOT_OUT');
      await repo.appendKeyEvent(client, keyId, 'signed_in', user.username, null, now);
    });
    return (await repo.key(this.pool, keyId))!;
  }

  /**
   * Opens the resident's digital lock for the responder of an active dispatch, through the one
   * road for device commands; every opening and refusal is logged (key log and audit log).
   */
  async openLock(dispatchId: string, user: User): Promise<{ opened: true }> {
    const d = await repo.dispatch(this.pool, dispatchId);
    if (!d) throw new ResponderError('DISPATCH_NOT_FOUND');
    const me = user.role === 'responder' ? await this.me(user) : null;
    if (me && d.responderId !== me.id) throw new ResponderError('DISPATCH_NOT_YOURS');
    const alarm = await this.alarms.summary(d.alarmId);
    const lock = alarm?.resident
      ? (await repo.keysOf(this.pool, alarm.resident.id)).find((k) => k.kind === 'digital_lock')
      : undefined;
    if (!lock?.lockDeviceId) throw new ResponderError('KEY_NOT_FOUND');
    // Only while someone is on the way or there: never for an ended or not yet accepted dispatch.
    const allowed = ['accepted', 'on_the_way', 'arrived'].includes(d.state) && Boolean(me || mayHandle(user));
    return this.#unlock(lock, user, d.id, `dispatch ${d.id}`, allowed ? null : `dispatch ${d.id} is ${d.state}`);
  }

  /** The night team opens the lock for a physical supervision visit that is due now. */
  async openLockForVisit(keyId: string, visitId: string, user: User): Promise<{ opened: true }> {
    const lock = await repo.key(this.pool, keyId);
    if (lock?.kind !== 'digital_lock' || !lock.lockDeviceId) throw new ResponderError('KEY_NOT_FOUND');
    const visit = this.visits ? await this.visits.visit(visitId) : null;
    const refusal = !visit
      ? `visit ${visitId} not found`
      : visit.residentId !== lock.residentId
        ? `visit ${visitId} is another resident's`
        : visit.status !== 'due' || visit.mode !== 'physical'
          ? `visit ${visitId} is ${visit.mode}, ${visit.status}`
          : null;
    return this.#unlock(lock, user, null, `visit ${visitId}`, refusal);
  }

  /**
   * Sends `unlock_door` through the one road for device commands when `refusal` is null; every
   * opening and refusal is in the key log and the audit log.
   */
  async #unlock(
    lock: ResidentKey,
    user: User,
    dispatchId: string | null,
    reason: string,
    refusal: string | null,
  ): Promise<{ opened: true }> {
    const now = this.clock.now();
    const log = async (action: 'lock_opened' | 'lock_refused', why: string) => {
      await repo.appendKeyEvent(this.pool, lock.id, action, user.username, dispatchId, now);
      await this.audit.record({
        actor: user.username,
        action: action === 'lock_opened' ? 'open_digital_lock' : 'open_digital_lock_refused',
        subjectType: 'resident',
        subjectId: lock.residentId,
        reason: why,
      });
    };
    if (refusal) {
      await log('lock_refused', refusal);
      throw new ResponderError('LOCK_NOT_ALLOWED');
    }
    const commandId = `unlock-${randomBytes(6).toString('hex')}`;
    const reply = await this.commands.request(
      lock.lockDeviceId!,
      { v: 1, id: commandId, ts: now, type: 'unlock_door' },
      (event) => event.type === 'door.unlocked' && event.commandId === commandId,
      this.options.lockTimeoutMs ?? 5000,
    );
    if (reply.kind !== 'event') {
      await log('lock_refused', `${reason}: lock ${reply.kind}`);
      throw new ResponderError(reply.kind === 'timeout' ? 'LOCK_NO_ANSWER' : 'LOCK_REFUSED');
    }
    await log('lock_opened', reason);
    return { opened: true };
  }

  // ---- internals ----------------------------------------------------------------------------

  /** The dispatch, locked; a responder may touch only their own, operators and supervisors any. */
  async #ownLocked(client: pg.PoolClient, dispatchId: string, user: User): Promise<Dispatch> {
    const d = await repo.lockDispatch(client, dispatchId);
    if (!d) throw new ResponderError('DISPATCH_NOT_FOUND');
    if (user.role === 'responder') {
      const me = await repo.responderOfUser(client, user.username);
      if (!me) throw new ResponderError('RESPONDER_LOGIN_UNKNOWN');
      if (d.responderId !== me.id) throw new ResponderError('DISPATCH_NOT_YOURS');
    } else if (!mayHandle(user)) {
      throw new AppError('FORBIDDEN_ROLE');
    }
    return d;
  }

  #check(state: DispatchState, step: DispatchStep): DispatchState {
    const check = checkStep(state, step);
    if (!check.ok) throw new ResponderError(check.reason);
    return check.to;
  }

  /** Ends the alarm's active dispatch because someone else is sent; its responder is free again. */
  async #reassign(client: pg.PoolClient, d: Dispatch, actor: string, at: number, into: Committed) {
    await repo.moveDispatch(client, d.id, d.state, { state: 'reassigned', at });
    await repo.setStatus(client, d.responderId, 'on_duty', at);
    await this.alarms.recordStep(
      client,
      d.alarmId,
      { type: 'dispatch_reassigned', actor, note: d.responderName, at },
      into,
    );
  }

  async #published(dispatchId: string, committed: Committed, ended: readonly Dispatch[] = []): Promise<Dispatch> {
    await this.alarms.published(committed);
    for (const e of ended) {
      const now = await repo.dispatch(this.pool, e.id);
      if (now) this.#announce(now);
    }
    const d = (await repo.dispatch(this.pool, dispatchId))!;
    this.#announce(d);
    return d;
  }

  #announce(d: Dispatch): void {
    this.bus.publishDispatch({
      type: 'dispatch',
      dispatchId: d.id,
      alarmId: d.alarmId,
      responderId: d.responderId,
      state: d.state,
    });
  }
}

/** A key naming a resident or lock device that does not exist is a coded refusal, not a 500. */
async function storeKey(write: () => Promise<void>): Promise<void> {
  try {
    await write();
  } catch (err) {
    const e = err as { code?: string; constraint?: string };
    if (e.code === '23503' && e.constraint === 'resident_keys_lock_device_id_fkey')
      throw new ResponderError('KEY_LOCK_UNKNOWN');
    if (e.code === '23503') throw new ResponderError('KEY_RESIDENT_UNKNOWN');
    if (e.code === '23514') throw new ResponderError('KEY_LOCK_MISMATCH');
    if (e.code === '23505') throw new ResponderError('KEY_EXISTS');
    throw err;
  }
}

/** A responder write whose login is unknown or taken is a coded refusal, not a store failure. */
async function storeResponder<T>(write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (err) {
    const e = err as { code?: string; constraint?: string };
    if (e.code === '23503') throw new ResponderError('RESPONDER_USER_UNKNOWN');
    if (e.code === '23505' && e.constraint === 'responders_username_key')
      throw new ResponderError('RESPONDER_USER_TAKEN');
    if (e.code === '23505') throw new ResponderError('RESPONDER_EXISTS');
    throw err;
  }
}

/** The job sheet as one line of the alarm's history (no personal data beyond what was found). */
export function jobSheetText(s: JobSheet): string {
  const parts = [
    `found: ${s.foundPlace}, ${s.foundPosition}`,
    `left: ${s.leftAs}`,
    `door locked: ${s.doorLocked ? 'yes' : 'no'}`,
    `others present: ${s.othersPresent ? 'yes' : 'no'}`,
  ];
  if (s.refused) parts.push('resident refused help');
  if (s.overrodeWishes) parts.push(`acted against the resident's wishes: ${s.overrideReason}`);
  if (s.note) parts.push(`note: ${s.note}`);
  return parts.join('; ');
}
