// The incidents feature's one door: feeds outage alarms (told by the AlarmService inside the
// raising transaction) to the pure OutageDetector and commits its decisions: an incident with its
// units, the units' alarms grouped under it, returns, and the close with what came back. Reads
// for consoles; the welfare-check list is personal data and every view of it is audit-logged.
// Replicas: each counts the losses it raised, but an incident's membership and returns live in
// the store (incident_units), so it closes only when every unit is back, whichever replica heard
// it; each flush first adopts incidents other replicas opened and forgets those they closed.

import type { IncidentDetail, IncidentSummary, User } from '@trygg/console-contract';
import type pg from 'pg';
import type { Logger } from 'pino';
import type { AlarmService, Committed, OutageGrouping } from '../alarms/service.ts';
import { emptyCommitted } from '../alarms/service.ts';
import type { AuditLog } from '../audit/service.ts';
import type { Clock } from '../clock.ts';
import { inTransaction, onCommit } from '../db/database.ts';
import type { DeviceRegistry } from '../devices/registry.ts';
import type { Metrics } from '../metrics.ts';
import { type GroupRef, type IncidentDecision, OutageDetector, type OutageSettings } from './detector.ts';
import { IncidentError } from './errors.ts';
import * as repo from './repository.ts';

/** How long a group's size (its installed units) is reused before it is counted again. */
const GROUP_SIZE_TTL_MS = 30_000;
/** The welfare-check list shows (and logs) at most this many residents, most at risk first. */
const WELFARE_LIST_MAX = 500;

const groupId = (g: GroupRef) => `${g.type}\u0000${g.key}`;

type OutageEvent = { type: 'lost' | 'returned'; deviceId: string; groups: GroupRef[]; at: number };
/** What the service writes: the detector's decisions, and a unit back (decided on the shared units). */
type Write = IncidentDecision | { type: 'back'; deviceId: string; at: number };

function groupOfId(gid: string): GroupRef {
  const cut = gid.indexOf('\u0000');
  return { type: gid.slice(0, cut) as GroupRef['type'], key: gid.slice(cut + 1) };
}

export class IncidentService implements OutageGrouping {
  readonly #detector: OutageDetector;
  /** Outage alarms committed, not yet decided on. */
  #events: OutageEvent[] = [];
  /** Decisions whose write failed, written again first. */
  #unwritten: Write[] = [];
  #flushing: Promise<void> | null = null;
  /** Open incidents' ids by group. */
  readonly #incidentIds = new Map<string, string>();
  #sizes: { at: number; byGroup: Map<string, number> } | null = null;
  #timer: NodeJS.Timeout | null = null;
  readonly #settleMs: number;

  constructor(
    private readonly pool: pg.Pool,
    private readonly alarms: AlarmService,
    private readonly registry: DeviceRegistry,
    private readonly audit: AuditLog,
    private readonly metrics: Metrics,
    private readonly clock: Clock,
    private readonly logger: Logger,
    settings: OutageSettings,
  ) {
    this.#detector = new OutageDetector(settings);
    this.#settleMs = settings.settleMs;
  }

  /** After a restart: the open incidents go on where they were. */
  async load(): Promise<void> {
    for (const incident of await repo.openWithUnits(this.pool)) {
      this.#detector.restore(incident.group, incident.since, incident.units, incident.lastChangeAt);
      this.#incidentIds.set(groupId(incident.group), incident.id);
    }
  }

  /** One timer closes settling incidents; started by the composition root. */
  start(tickMs = 5000): void {
    this.#timer = setInterval(() => {
      this.tick().catch((err) => this.logger.error({ err: (err as Error).message }, 'incident tick failed'));
    }, tickMs);
    this.#timer.unref();
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
  }

  /** Closes settling incidents and takes in what other replicas opened or closed. */
  async tick(): Promise<void> {
    await this.settled();
    this.#syncDue = true;
    this.#unwritten.push(...this.#detector.tick(this.clock.now()));
    this.#kick();
    await this.settled();
  }

  #syncDue = true;

  // ---- told by the AlarmService, inside its transaction ---------------------------------
  // The detector hears of an outage alarm only once it committed (onCommit), so it never counts
  // what the store rolled back; its decisions are then written in transactions of their own, one
  // at a time, so no transaction ever meets an incident another has not committed yet.

  async outageRaised(
    _client: pg.PoolClient,
    alarm: { alarmId: string; deviceId: string; district: string; at: number },
  ): Promise<void> {
    const groups = this.#groupsOf(alarm.deviceId, alarm.district);
    onCommit(() => this.#enqueue({ type: 'lost', deviceId: alarm.deviceId, groups, at: alarm.at }));
  }

  async outageEnded(_client: pg.PoolClient, alarm: { alarmId: string; deviceId: string; at: number }): Promise<void> {
    const district = this.registry.get(alarm.deviceId)?.district;
    if (district === undefined) return;
    // A unit that came back on another carrier (a dual-SIM failover) still returns to the
    // incident it was lost in.
    const groups = this.#groupsOf(alarm.deviceId, district);
    for (const g of this.#detector.groupsOut(alarm.deviceId)) {
      if (!groups.some((h) => groupId(h) === groupId(g))) groups.push(g);
    }
    onCommit(() => this.#enqueue({ type: 'returned', deviceId: alarm.deviceId, groups, at: alarm.at }));
  }

  /** Resolves once everything told so far is decided and written (tests, shutdown). */
  async settled(): Promise<void> {
    while (this.#flushing) await this.#flushing;
  }

  #enqueue(event: OutageEvent): void {
    this.#events.push(event);
    this.#kick();
  }

  /** One flush at a time; events that arrive meanwhile are taken by the next round. */
  #kick(): void {
    if (this.#flushing) return;
    this.#flushing = (async () => {
      await Promise.resolve(); // the same commit's other effects arrive first: one batch
      try {
        await this.#flush();
      } finally {
        this.#flushing = null;
      }
      if (this.#events.length > 0) this.#kick();
    })();
  }

  /**
   * Incidents other replicas opened are adopted (this replica's recent losses of the group join
   * them); those they closed are forgotten, so a later loss never joins a closed incident.
   */
  async #sync(): Promise<Write[]> {
    const open = await repo.openIds(this.pool);
    const openIds = new Set(open.map((o) => o.id));
    for (const [gid, id] of this.#incidentIds) {
      if (openIds.has(id)) continue;
      this.#incidentIds.delete(gid);
      this.#detector.forget(groupOfId(gid));
    }
    const known = new Set(this.#incidentIds.values());
    const adopted = open.filter((o) => !known.has(o.id)).map((o) => o.id);
    if (adopted.length === 0) return [];
    const joins: Write[] = [];
    for (const incident of await repo.openWithUnits(this.pool, adopted)) {
      this.#incidentIds.set(groupId(incident.group), incident.id);
      joins.push(...this.#detector.adopt(incident.group, incident.since, incident.units, incident.lastChangeAt));
    }
    return joins;
  }

  async #flush(): Promise<void> {
    while (this.#events.length > 0 || this.#unwritten.length > 0 || this.#syncDue) {
      const decisions = this.#unwritten.splice(0);
      if (this.#syncDue || this.#events.some((e) => e.type === 'lost')) {
        this.#syncDue = false;
        try {
          decisions.push(...(await this.#sync()));
        } catch (err) {
          this.#unwritten = decisions.concat(this.#unwritten);
          this.#syncDue = true;
          this.logger.error({ err: (err as Error).message }, 'open incidents not read; retrying');
          return;
        }
      }
      const events = this.#events.splice(0);
      for (const e of events) {
        if (e.type === 'lost') {
          const made = this.#detector.lost(e.deviceId, e.groups, e.at, (g) => this.#groupSize(g));
          decisions.push(...made);
          // Counted already, but its alarm is new (the earlier one was closed by hand): group it too.
          if (made.length === 0) {
            for (const group of e.groups) {
              if (this.#detector.isOut(e.deviceId, group)) {
                decisions.push({ type: 'join', group, unit: { deviceId: e.deviceId, lostAt: e.at } });
              }
            }
          }
        } else {
          // The detector keeps its count; whether the incident closes is decided on the shared units.
          this.#detector.returned(e.deviceId, e.groups, e.at);
          decisions.push({ type: 'back', deviceId: e.deviceId, at: e.at });
        }
      }
      if (decisions.length === 0) continue;
      try {
        await this.#write(decisions);
      } catch (err) {
        // Kept, and written again on the next tick: the alarms are stored either way.
        this.#unwritten = decisions.concat(this.#unwritten);
        this.metrics.incidents.inc({ event: 'write_failed' });
        this.logger.error(
          { err: (err as Error).message, decisions: decisions.length },
          'incident decisions not stored; retrying',
        );
        return;
      }
    }
  }

  async #write(decisions: readonly Write[]): Promise<void> {
    const committed = emptyCommitted();
    await inTransaction(this.pool, (client) => this.#commit(client, decisions, committed));
    await this.alarms.published(committed);
  }

  // ---- reads ------------------------------------------------------------------------------

  async list(status: 'open' | 'closed' | 'all'): Promise<IncidentSummary[]> {
    return repo.list(this.pool, status);
  }

  /** An incident, its units and (for those who call residents) the welfare-check list, logged. */
  async detail(incidentId: string, viewer: User): Promise<IncidentDetail> {
    if (!/^[1-9][0-9]{0,17}$/.test(incidentId)) throw new IncidentError('INCIDENT_NOT_FOUND');
    const incident = await repo.summary(this.pool, incidentId);
    if (!incident) throw new IncidentError('INCIDENT_NOT_FOUND');
    const units = await repo.units(this.pool, incidentId);
    let welfareChecks: IncidentDetail['welfareChecks'] = [];
    if (viewer.role === 'operator' || viewer.role === 'supervisor') {
      welfareChecks = (await repo.welfareChecks(this.pool, incidentId, this.clock.now())).slice(0, WELFARE_LIST_MAX);
      await inTransaction(this.pool, async (client) => {
        for (const w of welfareChecks) {
          await this.audit.record(
            {
              actor: viewer.username,
              action: 'view_welfare_check',
              subjectType: 'resident',
              subjectId: w.residentId,
              reason: `incident ${incidentId}`,
            },
            client,
          );
        }
      });
    }
    return { incident, units, welfareChecks };
  }

  // ---- committing the detector's decisions ------------------------------------------------

  async #commit(client: pg.PoolClient, decisions: readonly Write[], into: Committed): Promise<void> {
    for (let i = 0; i < decisions.length; i++) {
      const d = decisions[i]!;
      // A storm returns hundreds of units at once: consecutive returns are one write.
      if (d.type === 'back') {
        let j = i + 1;
        while (j < decisions.length && decisions[j]!.type === 'back') j++;
        const back = decisions.slice(i, j) as Extract<Write, { type: 'back' }>[];
        i = j - 1;
        const closed = await repo.unitsBack(
          client,
          back.map((b) => b.deviceId),
          back.map((b) => b.at),
        );
        for (const c of closed) await this.#closed(client, c, Math.max(...back.map((b) => b.at)), into);
        continue;
      }
      if (d.type === 'returned') continue; // written as 'back'
      const gid = groupId(d.group);
      // ...and joins hundreds at once: consecutive joins of one group are one statement.
      if (d.type === 'join') {
        let j = i + 1;
        while (
          j < decisions.length &&
          decisions[j]!.type === 'join' &&
          groupId((decisions[j] as typeof d).group) === gid
        )
          j++;
        const units = (decisions.slice(i, j) as (typeof d)[]).map((x) => x.unit);
        i = j - 1;
        const id = this.#incidentIds.get(gid);
        if (!id) continue;
        if (!(await repo.joinIfOpen(client, id, units))) {
          // Another replica closed it since this one learned of it (its last units came back): these
          // units' alarms stay in the queue on their own, and the next sync forgets the incident, so
          // further losses of the group count towards a new one.
          this.metrics.incidents.inc({ event: 'join_refused_closed' });
          onCommit(() => {
            this.#syncDue = true;
          });
          continue;
        }
        await this.alarms.groupUnderIncident(
          client,
          id,
          units.map((u) => u.deviceId),
          d.unit.lostAt,
          into,
        );
        continue;
      }
      switch (d.type) {
        case 'open': {
          const id = await repo.open(client, d.group, d.groupSize, d.since, d.at, d.units);
          this.#incidentIds.set(gid, id);
          await this.alarms.groupUnderIncident(
            client,
            id,
            d.units.map((u) => u.deviceId),
            d.at,
            into,
          );
          this.metrics.incidents.inc({ event: 'opened' });
          this.logger.warn(
            { incident: id, group: d.group, units: d.units.length, groupSize: d.groupSize },
            'mass outage: one incident',
          );
          break;
        }
        case 'close': {
          // The detector's settle close; only returns close an incident with every unit back.
          const id = this.#incidentIds.get(gid);
          if (!id) break;
          this.#incidentIds.delete(gid);
          const closed = await repo.closeIfSettled(client, id, d.at, d.at - this.#settleMs);
          if (closed) await this.#closed(client, closed, d.at, into);
          // Not settled: another replica saw a change since; it (or a later sync here) closes it.
          else
            onCommit(() => {
              this.#syncDue = true;
            });
          break;
        }
      }
    }
  }

  async #closed(client: pg.PoolClient, c: repo.ClosedIncident, at: number, into: Committed): Promise<void> {
    const gid = groupId(c.group);
    if (this.#incidentIds.get(gid) === c.id) this.#incidentIds.delete(gid);
    this.#detector.forget(c.group);
    await this.alarms.ungroupClosedIncident(client, c.id, at, into);
    this.metrics.incidents.inc({ event: 'closed' });
    this.logger.info({ incident: c.id, returned: c.returned, notReturned: c.notReturned }, 'mass outage over');
  }

  /** The groups a unit belongs to: its district, and the carrier and gateway it was last heard through. */
  #groupsOf(deviceId: string, district: string): GroupRef[] {
    return groupsOfUnit(district, this.registry.get(deviceId));
  }

  #groupSize(group: GroupRef): number {
    const now = this.clock.now();
    if (!this.#sizes || now - this.#sizes.at > GROUP_SIZE_TTL_MS) {
      const byGroup = new Map<string, number>();
      for (const d of this.registry.values()) {
        if (d.status !== 'installed') continue;
        for (const g of groupsOfUnit(d.district, d)) byGroup.set(groupId(g), (byGroup.get(groupId(g)) ?? 0) + 1);
      }
      this.#sizes = { at: now, byGroup };
    }
    return this.#sizes.byGroup.get(groupId(group)) ?? 0;
  }
}

function groupsOfUnit(district: string, device: { carrier: string | null; gateway: string | null } | undefined) {
  const groups: GroupRef[] = [{ type: 'district', key: district }];
  if (device?.carrier) groups.push({ type: 'carrier', key: device.carrier });
  if (device?.gateway) groups.push({ type: 'gateway', key: device.gateway });
  return groups;
}
