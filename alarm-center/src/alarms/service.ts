// Applies the routing core's decisions and the operators' actions to stored alarms, keeps the
// core's escalation clocks in step with what was committed, and tells the consoles afterwards.

import type pg from 'pg';
import type { AlarmSummary, User } from '../api/schemas.ts';
import type { Clock } from '../clock.ts';
import {
  ALARM_POLICY,
  type AlarmKind,
  type AlarmRequest,
  DEFAULT_REPEAT_SETTINGS,
  type Decision,
  followsClosedCase,
  type RepeatSettings,
  type RoutingCore,
  repeatEscalation,
} from '../core/index.ts';
import { inTransaction } from '../db/database.ts';
import { AppError } from '../errors.ts';
import type { Metrics } from '../metrics.ts';
import type { AlarmBus } from './bus.ts';
import * as alarms from './repository.ts';

export interface Committed {
  /** Alarms whose stored state changed, to publish once the transaction has committed. */
  changed: Set<string>;
  opened: { id: string; priority: 1 | 2 | 3 | 4; at: number }[];
  closed: string[];
  /** An outage alarm was raised or resolved: publish only once the incidents feature grouped it. */
  outages?: boolean;
}

/** The most open alarms a console snapshot carries (well above any realistic open queue). */
export const OPEN_SNAPSHOT_MAX = 50_000;

export const emptyCommitted = (): Committed => ({ changed: new Set(), opened: [], closed: [] });

/** The kinds a mass outage (carrier, power, a gateway) raises on many units at once. */
export const OUTAGE_KINDS: ReadonlySet<AlarmKind> = new Set(['connection_lost', 'power_lost']);

/**
 * Groups outage alarms into incidents (the incidents feature): told inside the raising
 * transaction, so an alarm and its grouping commit together.
 */
export interface OutageGrouping {
  outageRaised(
    client: pg.PoolClient,
    alarm: { alarmId: string; deviceId: string; district: string; kind: AlarmKind; at: number },
    into: Committed,
  ): Promise<void>;
  outageEnded(
    client: pg.PoolClient,
    alarm: { alarmId: string; deviceId: string; at: number },
    into: Committed,
  ): Promise<void>;
  /** Resolves once every committed outage alarm is grouped (or not) in the store. */
  settled(): Promise<void>;
}

export class AlarmService {
  #outages: OutageGrouping | null = null;
  /** Raises asked for on a transaction's client in this turn, written in one statement (see #raiseRow). */
  readonly #raising = new Map<
    pg.PoolClient,
    { row: alarms.RaiseAlarm; resolve(r: alarms.Raised): void; reject(err: unknown): void }[]
  >();
  /** Alarms whose summaries callers asked for in this turn of the event loop (see #summaryOf). */
  #wanted: Map<string, { resolve(s: AlarmSummary | null): void; reject(err: unknown): void }[]> | null = null;

  constructor(
    private readonly pool: pg.Pool,
    private readonly core: RoutingCore,
    private readonly bus: AlarmBus,
    private readonly metrics: Metrics,
    private readonly clock: Clock,
    private readonly repeats: RepeatSettings = DEFAULT_REPEAT_SETTINGS,
  ) {}

  /** The composition root connects the incidents feature once, before devices are admitted. */
  groupOutagesWith(grouping: OutageGrouping): void {
    this.#outages = grouping;
  }

  /**
   * The one road for every alarm, whoever raises it (the routing core, supervision, the flood
   * limiter, a refused store, an unknown unit, replication): opens it, or counts a repeat on the
   * open alarm of the same device and kind, inside the caller's transaction. Priority and
   * audience come from ALARM_POLICY, and every alarm is counted. Returns null when another
   * replica already holds the device's "connection lost".
   */
  async raise(
    client: pg.PoolClient,
    request: AlarmRequest,
    into: Committed,
    note?: { actor: string; text: string },
  ): Promise<{ alarmId: string; created: boolean } | null> {
    // Replicas: a device silent here may be talking to another replica (see claimConnectionLost).
    const lastSeen = request.details.lastSeenAt ?? null;
    if (request.kind === 'connection_lost' && !(await alarms.claimConnectionLost(client, request.deviceId, lastSeen))) {
      return null;
    }
    const { priority, audience } = ALARM_POLICY[request.kind];
    const raised = await this.#raiseRow(client, {
      deviceId: request.deviceId,
      residentId: request.residentId,
      district: request.district,
      kind: request.kind,
      priority,
      audience,
      at: request.at,
      sourceMessageId: request.sourceMessageId,
      details: { ...request.details },
    });
    if (note) await alarms.addNote(client, raised.alarmId, note.actor, note.text, request.at);
    into.changed.add(raised.alarmId);
    if (raised.created) {
      into.opened.push({ id: raised.alarmId, priority, at: request.at });
      this.metrics.alarmsRaised.inc({ kind: request.kind });
      // A resident's case follows its predecessor; technical alarms (an outage's 2,000) need no lookup.
      if (audience === 'operator') await this.#followClosedCase(client, raised, request);
    } else {
      this.metrics.alarmRepeats.inc({ kind: request.kind });
      if (audience === 'operator') await this.#escalateRepeats(client, raised, request.at);
    }
    if (this.#outages && OUTAGE_KINDS.has(request.kind)) {
      into.outages = true;
      await this.#outages.outageRaised(
        client,
        {
          alarmId: raised.alarmId,
          deviceId: request.deviceId,
          district: request.district,
          kind: request.kind,
          at: request.at,
        },
        into,
      );
    }
    return raised;
  }

  /**
   * A press soon after the device's case of that kind was closed follows that case (the raise
   * found the last closed case in its own statement).
   */
  async #followClosedCase(client: pg.PoolClient, raised: alarms.Raised, request: AlarmRequest): Promise<void> {
    if (this.repeats.followWindowMs <= 0) return;
    const last = raised.lastClosed;
    if (last && followsClosedCase(last.closedAt, request.at, this.repeats)) {
      await alarms.linkToClosedCase(client, raised.alarmId, last.id, request.at);
      this.metrics.alarmsFollowingClosedCase.inc({ kind: request.kind });
    }
  }

  /** A resident who keeps pressing reaches a supervisor (Luleå, Örebro), whatever the status. */
  async #escalateRepeats(client: pg.PoolClient, raised: alarms.Raised, at: number): Promise<void> {
    const reason = repeatEscalation(
      { presses: raised.presses, firstAt: raised.openedAt, alreadyEscalated: raised.escalated },
      at,
      this.repeats,
    );
    if (reason && (await alarms.markEscalatedForRepeats(client, raised.alarmId, at, `repeated_${reason}`))) {
      this.metrics.repeatEscalations.inc({ reason });
    }
  }

  /**
   * The messages of a group commit are applied side by side on one client (one message per device
   * in a batch, so their writes are independent); the raises they ask for in the same turn become
   * one statement instead of one round trip each.
   */
  #raiseRow(client: pg.PoolClient, row: alarms.RaiseAlarm): Promise<alarms.Raised> {
    return new Promise((resolve, reject) => {
      const waiting = this.#raising.get(client);
      if (waiting) {
        waiting.push({ row, resolve, reject });
        return;
      }
      this.#raising.set(client, [{ row, resolve, reject }]);
      queueMicrotask(() => {
        const batch = this.#raising.get(client) ?? [];
        this.#raising.delete(client);
        alarms
          .raiseMany(
            client,
            batch.map((w) => w.row),
          )
          .then(
            (results) => {
              for (const [i, w] of batch.entries()) w.resolve(results[i]!);
            },
            (err) => {
              for (const w of batch) w.reject(err);
            },
          );
      });
    });
  }

  /** Raises one alarm in a transaction of its own and tells the consoles once it committed. */
  async raiseAlone(request: AlarmRequest): Promise<void> {
    const committed = emptyCommitted();
    await inTransaction(this.pool, (client) => this.raise(client, request, committed));
    await this.published(committed);
  }

  /** Stores decisions inside the caller's transaction. */
  async apply(client: pg.PoolClient, decisions: readonly Decision[], into: Committed): Promise<void> {
    for (const d of decisions) {
      if (d.type === 'alarm') {
        await this.raise(client, d, into);
      } else if (d.type === 'resolve') {
        const id = await alarms.resolveOpen(client, d.deviceId, d.kind, d.outcome, d.at);
        if (id) {
          into.changed.add(id);
          into.closed.push(id);
          if (this.#outages && OUTAGE_KINDS.has(d.kind)) {
            into.outages = true;
            await this.#outages.outageEnded(client, { alarmId: id, deviceId: d.deviceId, at: d.at }, into);
          }
        }
      } else if (d.type === 'escalate') {
        if (await alarms.markEscalated(client, d.alarmId, d.at)) {
          into.changed.add(d.alarmId);
          this.metrics.escalations.inc();
        }
      } else {
        this.metrics.coreNotes.inc({ entry: d.entry });
      }
    }
  }

  /** After COMMIT: start or stop escalation clocks and push the committed state to consoles. */
  async published(committed: Committed): Promise<void> {
    // Outage alarms reach consoles already grouped under their incident (if any): 2,000 of them
    // must not flood the queue for the moment between their commit and the incident's.
    if (committed.outages && this.#outages) await this.#outages.settled();
    for (const o of committed.opened) this.core.alarmOpened(o.id, o.priority, o.at);
    for (const id of committed.closed) this.core.alarmClosed(id);
    const changed = await Promise.all([...committed.changed].map((id) => this.#summaryOf(id)));
    for (const alarm of changed) if (alarm) this.bus.publishAlarm(alarm);
  }

  /**
   * One alarm's committed summary. The alarms of every message a group commit stored are asked for
   * in the same turn, and fetched in one query rather than one each.
   */
  #summaryOf(alarmId: string): Promise<AlarmSummary | null> {
    return new Promise((resolve, reject) => {
      if (!this.#wanted) {
        this.#wanted = new Map();
        setImmediate(() => void this.#fetchWanted());
      }
      const waiting = this.#wanted.get(alarmId) ?? [];
      waiting.push({ resolve, reject });
      this.#wanted.set(alarmId, waiting);
    });
  }

  async #fetchWanted(): Promise<void> {
    const wanted = this.#wanted;
    this.#wanted = null;
    if (!wanted) return;
    try {
      const found = new Map((await alarms.summaries(this.pool, [...wanted.keys()])).map((a) => [a.id, a]));
      for (const [id, waiting] of wanted) for (const w of waiting) w.resolve(found.get(id) ?? null);
    } catch (err) {
      for (const waiting of wanted.values()) for (const w of waiting) w.reject(err);
    }
  }

  /** Applies time-driven decisions (deadlines, escalations) in their own transaction. */
  async applyTimed(decisions: readonly Decision[]): Promise<void> {
    if (decisions.length === 0) return;
    const committed = emptyCommitted();
    await inTransaction(this.pool, (client) => this.apply(client, decisions, committed));
    await this.published(committed);
  }

  // ---- incidents ----------------------------------------------------------------------------

  /** Groups the open outage alarms of these devices under an incident, in the caller's transaction. */
  async groupUnderIncident(
    client: pg.PoolClient,
    incidentId: string,
    deviceIds: readonly string[],
    at: number,
    into: Committed,
  ): Promise<void> {
    const ids = await alarms.groupUnderIncident(client, incidentId, deviceIds, [...OUTAGE_KINDS], at);
    for (const id of ids) into.changed.add(id);
    this.metrics.incidentAlarmsGrouped.inc(ids.length);
  }

  /** The incident closed: its alarms still open stand on their own in the queue again. */
  async ungroupClosedIncident(client: pg.PoolClient, incidentId: string, at: number, into: Committed): Promise<void> {
    for (const id of await alarms.openInIncident(client, incidentId, at)) into.changed.add(id);
  }

  // ---- reads ------------------------------------------------------------------------------

  /** The queue; technicians see technical alarms only, operators and supervisors all. */
  async list(filter: Omit<alarms.AlarmFilter, 'audience'>, viewer: User): Promise<AlarmSummary[]> {
    const audience = viewer.role === 'technician' ? 'technician' : undefined;
    return alarms.list(this.pool, { ...filter, audience });
  }

  /** Closed alarms, searched and paged (the night shift reading back what happened). */
  async searchClosed(query: alarms.ClosedSearch): Promise<{ alarms: AlarmSummary[]; total: number }> {
    return alarms.searchClosed(this.pool, query);
  }

  /** Every open alarm, for a console's snapshot. */
  async open(): Promise<AlarmSummary[]> {
    // Every open alarm, not the list's default 2,000: a mass outage of 2,000 units beside the
    // ordinary queue would otherwise cut the lowest priorities out of a console's snapshot.
    return alarms.list(this.pool, { status: 'open', limit: OPEN_SNAPSHOT_MAX });
  }

  async summary(alarmId: string): Promise<AlarmSummary | null> {
    return alarms.summary(this.pool, alarmId);
  }

  /** One alarm as `viewer` may see it: a technician sees technical alarms only. */
  async summaryFor(alarmId: string, viewer: User): Promise<AlarmSummary> {
    const alarm = await alarms.summary(this.pool, alarmId);
    if (!alarm) throw new AppError('ALARM_NOT_FOUND');
    if (viewer.role === 'technician' && alarm.audience !== 'technician') throw new AppError('FORBIDDEN_ROLE');
    return alarm;
  }

  /** The alarm's summary inside the caller's transaction (no viewer check: for the services' own records). */
  async summaryWith(client: pg.PoolClient, alarmId: string): Promise<AlarmSummary | null> {
    return alarms.summary(client, alarmId);
  }

  async history(alarmId: string) {
    return alarms.history(this.pool, alarmId);
  }

  async details(alarmId: string) {
    return alarms.details(this.pool, alarmId);
  }

  /** Open alarms the routing core must know about after a restart. */
  async openForCore() {
    return alarms.openForCore(this.pool);
  }

  /** Open alarms by status, for the alarms_open gauge. */
  async countOpenByStatus(): Promise<Record<string, number>> {
    return alarms.countOpenByStatus(this.pool);
  }

  // ---- the operators' actions -----------------------------------------------------------

  async acknowledge(alarmId: string, user: User): Promise<AlarmSummary> {
    const now = this.clock.now();
    await inTransaction(this.pool, (c) => alarms.acknowledge(c, alarmId, user.username, now));
    this.core.alarmAcknowledged(alarmId);
    const alarm = await this.#publish(alarmId);
    this.metrics.timeToAcknowledge.observe((now - Date.parse(alarm.openedAt)) / 1000);
    return alarm;
  }

  async addNote(alarmId: string, user: User, text: string): Promise<AlarmSummary> {
    await inTransaction(this.pool, (c) => alarms.addNote(c, alarmId, user.username, text, this.clock.now()));
    return this.#publish(alarmId);
  }

  async dispatch(alarmId: string, user: User, responder: string): Promise<AlarmSummary> {
    await inTransaction(this.pool, (c) => alarms.dispatch(c, alarmId, user.username, responder, this.clock.now()));
    return this.#publish(alarmId);
  }

  async close(alarmId: string, user: User, outcome: string, note: string | null): Promise<AlarmSummary> {
    await inTransaction(this.pool, (c) => alarms.close(c, alarmId, user.username, outcome, note, this.clock.now()));
    this.core.alarmClosed(alarmId);
    return this.#publish(alarmId);
  }

  // ---- the alarm's voice call (the voice feature writes its steps through here) ----------

  /** The alarm a device message raised, or the device's open alarm it was a repeat on. */
  async alarmForDeviceMessage(client: pg.PoolClient, deviceId: string, messageId: string): Promise<string | null> {
    return alarms.alarmForDeviceMessage(client, deviceId, messageId);
  }

  /** A call step in the alarm's history, inside the caller's transaction; `announce` after commit. */
  async addCallEvent(
    client: pg.PoolClient,
    alarmId: string,
    entry: { type: string; actor: string | null; note: string | null },
    at: number,
    /** An answered call is the alarm's voice contact: its first time is kept with the response times. */
    time?: 'voice_contact_at',
  ): Promise<void> {
    await alarms.addCallEvent(client, alarmId, entry.type, entry.actor, entry.note, at);
    if (time) await alarms.setResponseTime(client, alarmId, time, at);
  }

  /** Tells the consoles an alarm changed (after the caller's commit). */
  async announce(alarmId: string): Promise<void> {
    await this.#publish(alarmId);
  }

  // ---- steps of a response, inside the responders feature's transaction ------------------

  /** One alarm read inside the caller's transaction. */
  async summaryIn(client: pg.PoolClient, alarmId: string): Promise<AlarmSummary | null> {
    return alarms.summary(client, alarmId);
  }

  /** Marks the alarm dispatched to `responder` (history, status, the dispatch time). */
  async dispatchIn(
    client: pg.PoolClient,
    alarmId: string,
    actor: string,
    responder: string,
    at: number,
    into: Committed,
  ) {
    await alarms.dispatch(client, alarmId, actor, responder, at);
    await alarms.setResponseTime(client, alarmId, 'dispatched_at', at);
    into.changed.add(alarmId);
  }

  /** A step of the response (accepted, on the way, arrived, could not get in, ...) in the alarm's history. */
  async recordStep(
    client: pg.PoolClient,
    alarmId: string,
    step: { type: string; actor: string; note: string | null; at: number; time?: alarms.ResponseTime },
    into: Committed,
  ): Promise<void> {
    await alarms.recordStep(client, alarmId, step);
    into.changed.add(alarmId);
  }

  /** Closes the alarm inside the caller's transaction (the responder's job sheet finished it). */
  async closeIn(
    client: pg.PoolClient,
    alarmId: string,
    actor: string,
    outcome: string,
    note: string | null,
    at: number,
    into: Committed,
  ): Promise<void> {
    await alarms.close(client, alarmId, actor, outcome, note, at);
    into.changed.add(alarmId);
    into.closed.push(alarmId);
  }

  /** Escalates an open alarm (e.g. its call-out was not accepted in time), counted like any escalation. */
  async escalateIn(client: pg.PoolClient, alarmId: string, at: number, into: Committed): Promise<void> {
    if (await alarms.markEscalatedOpen(client, alarmId, at)) {
      into.changed.add(alarmId);
      this.metrics.escalations.inc();
    }
  }

  async responseTimes(alarmId: string) {
    return alarms.responseTimes(this.pool, alarmId);
  }

  async #publish(alarmId: string): Promise<AlarmSummary> {
    const alarm = await alarms.summary(this.pool, alarmId);
    if (!alarm) throw new Error(`alarm ${alarmId} vanished after commit`);
    this.bus.publishAlarm(alarm);
    return alarm;
  }
}
