// The alarm-routing core: per-device state machines driven by device messages and by time.
// Input is a decoded message (or the current time), output is a list of decisions; no I/O, no
// timers. Intervals between a device's own events (the passage window, the cancel window) are
// measured on the device's clock, so a message delayed in a queue is judged by when it happened;
// deadlines run on the platform clock passed in as `now`.

import type { DeviceEvent, Heartbeat, Person, RoomLayout } from '@trygg/firmware-protocol';
import { connectionDeadline } from './connection.ts';
import { type Deadline, DeadlineHeap } from './deadlines.ts';
import { distanceM, lyingOnFloor } from './geometry.ts';
import { inDailyWindow } from './local-time.ts';
import { ALARM_POLICY } from './policy.ts';
import {
  type AlarmDetails,
  type AlarmKind,
  DEFAULT_RULES,
  type Decision,
  type DeviceProfile,
  type DeviceRules,
  type LogEntry,
  type Outcome,
  type Priority,
} from './types.ts';

export interface RoutingCoreOptions {
  /** How long an alarm of each priority may stay unacknowledged before it escalates to supervisors. */
  escalateAfterMs: Record<Priority, number>;
}

interface DeviceState {
  profile: DeviceProfile;
  rules: DeviceRules;
  lastSeen: number;
  supervised: boolean;
  heartbeatQueued: boolean;
  connectionLost: boolean;
  batteryLowRaised: boolean;
  /** Door: device time of the last passage press. */
  lastPassageAt: number;
  /** Fall sensor / buttons: device time of the last alarm the resident may still cancel. */
  cancellable: { kind: AlarmKind; at: number } | null;
  bedOutSince: number | null;
  bedGeneration: number;
  layout: RoomLayout | null;
  lastFrame: { layout: RoomLayout; person: Person | null } | null;
  lyingSince: number | null;
  floorGeneration: number;
  /** Dispenser: dispensed doses awaiting "taken", by dose id → generation. */
  doses: Map<string, { dueAt: number; generation: number }>;
  outsideGeofence: boolean;
  removed: boolean;
}

const NO_DECISIONS: readonly Decision[] = Object.freeze([]);

export interface CoreStats {
  devices: number;
  deadlines: number;
  trackedAlarms: number;
  connectionLost: number;
}

export class RoutingCore {
  readonly #devices = new Map<string, DeviceState>();
  readonly #deadlines = new DeadlineHeap();
  /** Unacknowledged alarms awaiting escalation: alarm id → generation. */
  readonly #escalations = new Map<string, number>();
  #generation = 0;

  constructor(private readonly options: RoutingCoreOptions) {}

  upsertDevice(profile: DeviceProfile, now: number): void {
    const rules: DeviceRules = { ...DEFAULT_RULES, ...profile.rules };
    const existing = this.#devices.get(profile.deviceId);
    if (existing) {
      existing.profile = profile;
      existing.rules = rules;
      if (profile.supervised && !existing.supervised) this.#supervise(existing, now);
      return;
    }
    const state: DeviceState = {
      profile,
      rules,
      lastSeen: now,
      supervised: false,
      heartbeatQueued: false,
      connectionLost: false,
      batteryLowRaised: false,
      lastPassageAt: Number.NEGATIVE_INFINITY,
      cancellable: null,
      bedOutSince: null,
      bedGeneration: 0,
      layout: null,
      lastFrame: null,
      lyingSince: null,
      floorGeneration: 0,
      doses: new Map(),
      outsideGeofence: false,
      removed: false,
    };
    this.#devices.set(profile.deviceId, state);
    if (profile.supervised) this.#supervise(state, now);
  }

  removeDevice(deviceId: string): void {
    const state = this.#devices.get(deviceId);
    if (state) state.removed = true;
    this.#devices.delete(deviceId);
  }

  hasDevice(deviceId: string): boolean {
    return this.#devices.has(deviceId);
  }

  /** After a restart: the stored open "connection lost" alarm closes when the device returns. */
  markConnectionLost(deviceId: string): void {
    const state = this.#devices.get(deviceId);
    if (state) state.connectionLost = true;
  }

  handleHeartbeat(deviceId: string, heartbeat: Heartbeat, now: number): readonly Decision[] {
    const state = this.#devices.get(deviceId);
    if (!state) return NO_DECISIONS;
    if (heartbeat.intervalS !== state.profile.heartbeatIntervalS) {
      state.profile = { ...state.profile, heartbeatIntervalS: heartbeat.intervalS };
    }
    let decisions: Decision[] | null = this.#seen(state, now);
    const battery = heartbeat.battery;
    if (battery !== undefined) {
      if (battery <= state.rules.lowBatteryPct && !state.batteryLowRaised) {
        state.batteryLowRaised = true;
        decisions ??= [];
        decisions.push(this.#alarm(state, 'battery_low', now, heartbeat.id, { battery }));
      } else if (battery > state.rules.lowBatteryPct + 10) {
        state.batteryLowRaised = false;
      }
    }
    return decisions ?? NO_DECISIONS;
  }

  handleEvent(deviceId: string, event: DeviceEvent, now: number): readonly Decision[] {
    const state = this.#devices.get(deviceId);
    if (!state) return NO_DECISIONS;
    const out: Decision[] = this.#seen(state, now) ?? [];
    switch (event.type) {
      case 'alarm.manual':
        out.push(this.#alarm(state, 'manual', now, event.id, event.position ? { position: event.position } : {}));
        state.cancellable = { kind: 'manual', at: event.ts };
        break;
      case 'alarm.cancel':
        this.#cancel(state, 'manual', event, now, out);
        break;
      case 'fall.detected':
        out.push(this.#alarm(state, 'fall', now, event.id, {}));
        state.cancellable = { kind: 'fall', at: event.ts };
        break;
      case 'fall.cancelled':
        this.#cancel(state, 'fall', event, now, out);
        break;
      case 'position':
        this.#position(state, event, now, out);
        break;
      case 'door.passage':
        state.lastPassageAt = event.ts;
        break;
      case 'door.open':
        this.#doorOpen(state, event, now, out);
        break;
      case 'door.close':
        break;
      case 'bed.out':
        if (state.bedOutSince === null && inDailyWindow(event.ts, state.rules.night, state.rules.timeZone)) {
          state.bedOutSince = now;
          const generation = ++state.bedGeneration;
          this.#schedule(now + state.rules.bedOutLimitS * 1000, 'bed', deviceId, '', generation);
        }
        break;
      case 'bed.in':
        if (state.bedOutSince !== null) {
          state.bedOutSince = null;
          state.bedGeneration++;
          out.push(this.#log(state, 'returned_to_bed', now, event.id));
        }
        break;
      case 'camera.layout':
        state.layout = event.layout;
        break;
      case 'camera.observation':
        this.#observe(state, event.person, now);
        break;
      case 'camera.snapshot':
        state.lastFrame = event.frame;
        break;
      case 'dose.schedule':
        break;
      case 'dose.dispensed': {
        const generation = ++this.#generation;
        state.doses.set(event.doseId, { dueAt: event.dueAt, generation });
        this.#schedule(event.dueAt + state.rules.doseGraceS * 1000, 'dose', deviceId, event.doseId, generation);
        break;
      }
      case 'dose.taken':
        if (state.doses.delete(event.doseId)) out.push(this.#log(state, 'dose_taken', now, event.id));
        break;
      case 'dose.missed': {
        const pending = state.doses.get(event.doseId);
        state.doses.delete(event.doseId);
        out.push(
          this.#alarm(state, 'dose_missed', now, event.id, {
            doseId: event.doseId,
            ...(pending ? { dueAt: pending.dueAt } : {}),
          }),
        );
        break;
      }
      case 'battery.low':
        state.batteryLowRaised = true;
        out.push(this.#alarm(state, 'battery_low', now, event.id, { battery: event.level }));
        break;
      case 'power.lost':
        out.push(this.#alarm(state, 'power_lost', now, event.id, {}));
        break;
      case 'power.restored':
        out.push(this.#resolve(state, 'power_lost', 'power_restored', now));
        break;
      case 'device.fault':
        out.push(this.#alarm(state, 'device_fault', now, event.id, { fault: event.fault }));
        break;
    }
    return out.length > 0 ? out : NO_DECISIONS;
  }

  /** The platform clock's next deadline (may be a cancelled one: tick() then finds nothing). */
  nextDeadline(): number | null {
    return this.#deadlines.peekAt();
  }

  /** Everything due at `now`. */
  tick(now: number): Decision[] {
    const out: Decision[] = [];
    for (let d = this.#deadlines.popDue(now); d !== null; d = this.#deadlines.popDue(now)) this.#fire(d, now, out);
    return out;
  }

  /** The shell committed a new alarm: start its escalation clock. */
  alarmOpened(alarmId: string, priority: Priority, openedAt: number): void {
    const generation = ++this.#generation;
    this.#escalations.set(alarmId, generation);
    this.#schedule(openedAt + this.options.escalateAfterMs[priority], 'escalate', alarmId, '', generation);
  }

  alarmAcknowledged(alarmId: string): void {
    this.#escalations.delete(alarmId);
  }

  alarmClosed(alarmId: string): void {
    this.#escalations.delete(alarmId);
  }

  stats(): CoreStats {
    let connectionLost = 0;
    for (const s of this.#devices.values()) if (s.connectionLost) connectionLost++;
    return {
      devices: this.#devices.size,
      deadlines: this.#deadlines.size,
      trackedAlarms: this.#escalations.size,
      connectionLost,
    };
  }

  // ---- supervision -------------------------------------------------------------------------

  /** Any message proves the device alive; returns the "connection restored" decision if due. */
  #seen(state: DeviceState, now: number): Decision[] | null {
    state.lastSeen = now;
    if (!state.supervised) this.#supervise(state, now);
    else if (!state.heartbeatQueued) this.#queueHeartbeat(state);
    if (!state.connectionLost) return null;
    state.connectionLost = false;
    return [this.#resolve(state, 'connection_lost', 'connection_restored', now)];
  }

  #supervise(state: DeviceState, now: number): void {
    state.supervised = true;
    state.lastSeen = Math.max(state.lastSeen, now);
    if (!state.heartbeatQueued) this.#queueHeartbeat(state);
  }

  #heartbeatDeadline(state: DeviceState): number {
    return connectionDeadline(state.lastSeen, state.profile.heartbeatIntervalS, state.rules.heartbeatTolerance);
  }

  /**
   * One heap entry per device, however many heartbeats arrive: a heartbeat only moves lastSeen,
   * and a popped entry that finds the device seen since is pushed again at the new deadline.
   */
  #queueHeartbeat(state: DeviceState): void {
    state.heartbeatQueued = true;
    this.#schedule(this.#heartbeatDeadline(state), 'heartbeat', state.profile.deviceId, '', 0);
  }

  // ---- per device type ---------------------------------------------------------------------

  #cancel(state: DeviceState, kind: AlarmKind, event: { id: string; ts: number }, now: number, out: Decision[]): void {
    const c = state.cancellable;
    if (c && c.kind === kind && event.ts - c.at <= state.rules.cancelWindowS * 1000) {
      state.cancellable = null;
      out.push(this.#resolve(state, kind, 'cancelled_by_resident', now));
    } else {
      out.push(this.#log(state, 'cancel_too_late', now, event.id));
    }
  }

  #doorOpen(state: DeviceState, event: Extract<DeviceEvent, { type: 'door.open' }>, now: number, out: Decision[]) {
    if (event.direction === 'entry') {
      out.push(this.#log(state, 'entry', now, event.id));
      return;
    }
    const { rules } = state;
    if (!inDailyWindow(event.ts, rules.activeHours, rules.timeZone)) {
      out.push(this.#log(state, 'exit_outside_active_hours', now, event.id));
      return;
    }
    const sincePassage = event.ts - state.lastPassageAt;
    const windowMs = rules.passageWindowS * 1000;
    if (sincePassage >= 0 && sincePassage <= windowMs) {
      out.push(this.#log(state, 'passage', now, event.id));
      return;
    }
    const details: AlarmDetails = {};
    const endedBefore = sincePassage - windowMs;
    if (Number.isFinite(sincePassage) && endedBefore > 0 && endedBefore <= rules.forgottenPassageS * 1000) {
      details.likelyForgottenPassage = true;
      details.passageEndedMsBefore = endedBefore;
    }
    out.push(this.#alarm(state, 'door_exit', now, event.id, details));
  }

  #position(state: DeviceState, event: Extract<DeviceEvent, { type: 'position' }>, now: number, out: Decision[]) {
    const fence = state.rules.geofence;
    if (!fence) return;
    const distance = distanceM(fence, event.position);
    // Outside only when even the fix's accuracy cannot put the wearer back inside.
    const outside = distance - event.position.accuracyM > fence.radiusM;
    if (outside && !state.outsideGeofence) {
      out.push(
        this.#alarm(state, 'geofence_exit', now, event.id, {
          position: event.position,
          distanceM: Math.round(distance),
        }),
      );
    } else if (!outside && state.outsideGeofence && distance <= fence.radiusM) {
      out.push(this.#log(state, 'geofence_returned', now, event.id));
    } else if (!outside && state.outsideGeofence) {
      return; // uncertain fix: keep the state we had
    }
    state.outsideGeofence = outside;
  }

  #observe(state: DeviceState, person: Person | null, now: number): void {
    if (state.layout) state.lastFrame = { layout: state.layout, person };
    if (lyingOnFloor(state.layout, person)) {
      if (state.lyingSince !== null) return;
      state.lyingSince = now;
      const generation = ++state.floorGeneration;
      this.#schedule(now + state.rules.floorLyingLimitS * 1000, 'floor', state.profile.deviceId, '', generation);
    } else if (state.lyingSince !== null) {
      state.lyingSince = null;
      state.floorGeneration++;
    }
  }

  // ---- deadlines ---------------------------------------------------------------------------

  #schedule(at: number, kind: Deadline['kind'], key: string, sub: string, generation: number): void {
    this.#deadlines.push({ at, kind, key, sub, generation });
  }

  #fire(d: Deadline, now: number, out: Decision[]): void {
    if (d.kind === 'escalate') {
      if (this.#escalations.get(d.key) !== d.generation) return;
      this.#escalations.delete(d.key);
      out.push({ type: 'escalate', alarmId: d.key, at: now });
      return;
    }
    const state = this.#devices.get(d.key);
    if (!state) return;
    switch (d.kind) {
      case 'heartbeat': {
        const due = this.#heartbeatDeadline(state);
        if (due > now) {
          this.#schedule(due, 'heartbeat', d.key, '', 0);
          return;
        }
        state.heartbeatQueued = false;
        if (state.connectionLost) return;
        state.connectionLost = true;
        out.push(this.#alarm(state, 'connection_lost', now, null, { lastSeenAt: state.lastSeen }));
        return;
      }
      case 'bed':
        if (d.generation !== state.bedGeneration || state.bedOutSince === null) return;
        out.push(this.#alarm(state, 'bed_out', now, null, { outOfBedSince: state.bedOutSince }));
        return;
      case 'floor':
        if (d.generation !== state.floorGeneration || state.lyingSince === null) return;
        out.push(this.#alarm(state, 'person_on_floor', now, null, state.lastFrame ? { frame: state.lastFrame } : {}));
        return;
      case 'dose': {
        const pending = state.doses.get(d.sub);
        if (!pending || pending.generation !== d.generation) return;
        state.doses.delete(d.sub);
        out.push(this.#alarm(state, 'dose_missed', now, null, { doseId: d.sub, dueAt: pending.dueAt }));
        return;
      }
    }
  }

  // ---- decisions ---------------------------------------------------------------------------

  #alarm(state: DeviceState, kind: AlarmKind, at: number, sourceMessageId: string | null, details: AlarmDetails) {
    const { priority, audience } = ALARM_POLICY[kind];
    const { deviceId, residentId, district } = state.profile;
    return {
      type: 'alarm' as const,
      deviceId,
      residentId,
      district,
      kind,
      priority,
      audience,
      at,
      sourceMessageId,
      details,
    };
  }

  #resolve(state: DeviceState, kind: AlarmKind, outcome: Outcome, at: number) {
    return { type: 'resolve' as const, deviceId: state.profile.deviceId, kind, outcome, at };
  }

  #log(state: DeviceState, entry: LogEntry, at: number, sourceMessageId: string | null) {
    return { type: 'log' as const, deviceId: state.profile.deviceId, entry, at, sourceMessageId };
  }
}
