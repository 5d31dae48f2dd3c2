// Mass-outage detection, pure: units of one group (a district, a gateway, a carrier) that lose
// their connection or mains power are counted in a sliding window; when enough of them (a count
// and a share of the group) go within the window, one incident opens with all of them, later
// losses join it, and it closes when every unit is back, or when units are coming back and the
// group has been quiet for the settle time. Events and the time in, decisions out; the incidents
// service commits them. No I/O, no timers.

export type GroupType = 'district' | 'gateway' | 'carrier';

export interface GroupRef {
  type: GroupType;
  key: string;
}

export interface OutageSettings {
  /** At least this many units of the group lost within the window... */
  minUnits: number;
  /** ...and at least this share of the group's units. */
  minShare: number;
  windowMs: number;
  /** Some units back and no change for this long: the incident closes, reporting who is still out. */
  settleMs: number;
}

export const DEFAULT_OUTAGE_SETTINGS: OutageSettings = {
  minUnits: 20,
  minShare: 0.3,
  windowMs: 5 * 60_000,
  settleMs: 10 * 60_000,
};

export interface LostUnit {
  deviceId: string;
  lostAt: number;
}

export type IncidentDecision =
  | { type: 'open'; group: GroupRef; groupSize: number; since: number; at: number; units: LostUnit[] }
  | { type: 'join'; group: GroupRef; unit: LostUnit }
  | { type: 'returned'; group: GroupRef; deviceId: string; at: number }
  | { type: 'close'; group: GroupRef; at: number; returned: string[]; notReturned: string[] };

interface Incident {
  since: number;
  /** deviceId -> when it returned (null: still out). */
  units: Map<string, number | null>;
  out: number;
  lastChangeAt: number;
}

interface GroupState {
  group: GroupRef;
  /** Lost units not (yet) in an incident: deviceId -> lostAt, pruned to the window. */
  recent: Map<string, number>;
  incident: Incident | null;
}

const groupId = (g: GroupRef) => `${g.type}\u0000${g.key}`;

export class OutageDetector {
  readonly #groups = new Map<string, GroupState>();

  constructor(private readonly settings: OutageSettings = DEFAULT_OUTAGE_SETTINGS) {}

  /** A unit of these groups lost its connection or power at `at`; `groupSize` counts a group's units. */
  lost(deviceId: string, groups: readonly GroupRef[], at: number, groupSize: (g: GroupRef) => number) {
    const out: IncidentDecision[] = [];
    for (const group of groups) {
      const state = this.#state(group);
      const incident = state.incident;
      if (incident) {
        if (incident.units.get(deviceId) === null) continue; // already counted as out
        incident.units.set(deviceId, null);
        incident.out++;
        incident.lastChangeAt = at;
        out.push({ type: 'join', group, unit: { deviceId, lostAt: at } });
        continue;
      }
      this.#prune(state, at);
      if (!state.recent.has(deviceId)) state.recent.set(deviceId, at);
      const size = groupSize(group);
      const n = state.recent.size;
      if (n >= this.settings.minUnits && n >= this.settings.minShare * size) {
        const units = [...state.recent].map(([id, lostAt]) => ({ deviceId: id, lostAt }));
        const since = units.reduce((min, u) => Math.min(min, u.lostAt), at);
        state.incident = {
          since,
          units: new Map(units.map((u) => [u.deviceId, null])),
          out: units.length,
          lastChangeAt: at,
        };
        state.recent.clear();
        out.push({ type: 'open', group, groupSize: size, since, at, units });
      }
    }
    return out;
  }

  /** A unit of these groups was heard from again (or its power returned) at `at`. */
  returned(deviceId: string, groups: readonly GroupRef[], at: number): IncidentDecision[] {
    const out: IncidentDecision[] = [];
    for (const group of groups) {
      const state = this.#groups.get(groupId(group));
      if (!state) continue;
      state.recent.delete(deviceId);
      const incident = state.incident;
      if (!incident || incident.units.get(deviceId) !== null) continue;
      incident.units.set(deviceId, at);
      incident.out--;
      incident.lastChangeAt = at;
      out.push({ type: 'returned', group, deviceId, at });
      if (incident.out === 0) out.push(this.#close(state, at));
    }
    return out;
  }

  /** Closes incidents that are settling: some units back and no change for the settle time. */
  tick(now: number): IncidentDecision[] {
    const out: IncidentDecision[] = [];
    for (const state of this.#groups.values()) {
      this.#prune(state, now);
      const incident = state.incident;
      if (!incident) {
        if (state.recent.size === 0) this.#groups.delete(groupId(state.group));
        continue;
      }
      const back = incident.units.size - incident.out;
      if (back > 0 && now - incident.lastChangeAt >= this.settings.settleMs) out.push(this.#close(state, now));
    }
    return out;
  }

  /** After a restart: an incident still open in the store. */
  restore(
    group: GroupRef,
    since: number,
    units: { deviceId: string; returnedAt: number | null }[],
    lastChangeAt: number,
  ) {
    const state = this.#state(group);
    state.incident = {
      since,
      units: new Map(units.map((u) => [u.deviceId, u.returnedAt])),
      out: units.filter((u) => u.returnedAt === null).length,
      lastChangeAt,
    };
  }

  /**
   * An incident of the group that another replica opened (found in the store): it is restored
   * here, and this replica's own recent losses of the group join it.
   */
  adopt(
    group: GroupRef,
    since: number,
    units: { deviceId: string; returnedAt: number | null }[],
    lastChangeAt: number,
  ): IncidentDecision[] {
    const state = this.#state(group);
    const recent = [...state.recent];
    state.recent.clear();
    this.restore(group, since, units, lastChangeAt);
    const incident = state.incident!;
    const out: IncidentDecision[] = [];
    for (const [deviceId, lostAt] of recent) {
      if (incident.units.get(deviceId) === null) continue;
      incident.units.set(deviceId, null);
      incident.out++;
      out.push({ type: 'join', group, unit: { deviceId, lostAt } });
    }
    return out;
  }

  /** The group's incident was closed elsewhere (another replica): this one forgets it. */
  forget(group: GroupRef): void {
    const state = this.#groups.get(groupId(group));
    if (state) state.incident = null;
  }

  /** Whether the unit is counted as out in the group's open incident. */
  isOut(deviceId: string, group: GroupRef): boolean {
    return this.#groups.get(groupId(group))?.incident?.units.get(deviceId) === null;
  }

  /** The groups whose open incident counts the unit as out (it may have changed carrier since). */
  groupsOut(deviceId: string): GroupRef[] {
    const groups: GroupRef[] = [];
    for (const s of this.#groups.values()) if (s.incident?.units.get(deviceId) === null) groups.push(s.group);
    return groups;
  }

  /** Open incidents, for stats and tests. */
  openIncidents(): { group: GroupRef; since: number; units: number; out: number }[] {
    const list = [];
    for (const s of this.#groups.values()) {
      if (s.incident)
        list.push({ group: s.group, since: s.incident.since, units: s.incident.units.size, out: s.incident.out });
    }
    return list;
  }

  #close(state: GroupState, at: number): IncidentDecision {
    const incident = state.incident!;
    state.incident = null;
    const returned: string[] = [];
    const notReturned: string[] = [];
    for (const [id, back] of incident.units) (back === null ? notReturned : returned).push(id);
    return { type: 'close', group: state.group, at, returned, notReturned };
  }

  #state(group: GroupRef): GroupState {
    const id = groupId(group);
    let state = this.#groups.get(id);
    if (!state) {
      state = { group, recent: new Map(), incident: null };
      this.#groups.set(id, state);
    }
    return state;
  }

  #prune(state: GroupState, now: number): void {
    // Losses arrive in time order, so the oldest are first: stop at the first one inside the window.
    const oldest = now - this.settings.windowMs;
    for (const [id, lostAt] of state.recent) {
      if (lostAt >= oldest) break;
      state.recent.delete(id);
    }
  }
}
