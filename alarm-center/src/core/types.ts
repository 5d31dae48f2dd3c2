// The routing core's vocabulary: what it knows of a device (profile and rules), and the decisions it
// hands back to the shell. Pure data; the shell stores decisions and feeds back what it committed.

// Alarm kinds, outcomes, priorities and audiences are the domain vocabulary, defined once in the
// console contract (plain lists, no I/O) so the core and the HTTP API cannot disagree.
import type { AlarmKind, Audience, Outcome, Priority } from '@trygg/console-contract/vocabulary';
import type { DeviceType, Person, Position, RoomLayout } from '@trygg/firmware-protocol';

export type { AlarmKind, Audience, Outcome, Priority };

/** A daily window in local time, "HH:MM" to "HH:MM"; it may wrap past midnight (22:00 → 07:00). */
export interface DailyWindow {
  start: string;
  end: string;
}

export interface Geofence {
  lat: number;
  lon: number;
  radiusM: number;
}

/** Per-device (and so per-resident) settings, decided with the resident and stored with the device. */
export interface DeviceRules {
  /** IANA time zone in which daily windows are read. */
  timeZone: string;
  /** Door: hours in which an exit alarms. */
  activeHours: DailyWindow;
  /** Door: how long a passage press allows leaving without an alarm. */
  passageWindowS: number;
  /** Door: an exit this long after a passage window ended is flagged as a likely forgotten press. */
  forgottenPassageS: number;
  /** Bed: the night, in which being out of bed too long alarms. */
  night: DailyWindow;
  /** Bed: how long the resident may be out of bed at night. */
  bedOutLimitS: number;
  /** Fall sensor and alarm buttons: how long the resident may cancel an alarm they raised. */
  cancelWindowS: number;
  /** Camera: how long a person may lie in the floor zone before it alarms. */
  floorLyingLimitS: number;
  /** Dispenser: how long after a dose is due it may still be taken. */
  doseGraceS: number;
  /** Supervision: heartbeats missed before "connection lost" (interval × tolerance). */
  heartbeatTolerance: number;
  /** Supervision: battery level (%) in a heartbeat at or below which technicians are told. */
  lowBatteryPct: number;
  /** Mobile alarm: leaving this circle alarms. */
  geofence: Geofence | null;
}

export const DEFAULT_RULES: Omit<DeviceRules, 'timeZone'> = {
  activeHours: { start: '22:00', end: '07:00' },
  passageWindowS: 15,
  forgottenPassageS: 120,
  night: { start: '22:00', end: '07:00' },
  bedOutLimitS: 20 * 60,
  cancelWindowS: 30,
  floorLyingLimitS: 60,
  doseGraceS: 15 * 60,
  heartbeatTolerance: 3,
  lowBatteryPct: 15,
  geofence: null,
};

export interface DeviceProfile {
  deviceId: string;
  deviceType: DeviceType;
  residentId: string | null;
  district: string;
  heartbeatIntervalS: number;
  rules: Partial<DeviceRules> & { timeZone: string };
  /**
   * Installed devices are supervised from the start; a device still on the technician's shelf only
   * once it has been heard from, so stock in a warehouse does not raise "connection lost".
   */
  supervised?: boolean;
}

export interface AlarmDecision {
  type: 'alarm';
  deviceId: string;
  residentId: string | null;
  district: string;
  kind: AlarmKind;
  priority: Priority;
  audience: Audience;
  at: number;
  /** The device message that caused it; null for time-driven alarms. */
  sourceMessageId: string | null;
  details: AlarmDetails;
}

/**
 * An alarm to raise, whoever raises it: the alarm service takes its priority and audience from
 * ALARM_POLICY by kind, so no raiser can set them differently.
 */
export type AlarmRequest = Omit<AlarmDecision, 'type' | 'priority' | 'audience'>;

export interface AlarmDetails {
  position?: Position;
  frame?: { layout: RoomLayout; person: Person | null };
  likelyForgottenPassage?: boolean;
  passageEndedMsBefore?: number;
  outOfBedSince?: number;
  doseId?: string;
  dueAt?: number;
  fault?: string;
  battery?: number;
  lastSeenAt?: number;
  distanceM?: number;
  /** A missed or escalated digital night visit. */
  supervision?: { visitId: string; time: string; reason: string };
  /** A responder could not get in: the alarm and dispatch it escalates. */
  couldNotEnter?: { alarmId: string; dispatchId: string; responder: string };
}

export interface ResolveDecision {
  type: 'resolve';
  deviceId: string;
  kind: AlarmKind;
  outcome: Outcome;
  at: number;
}

export interface EscalateDecision {
  type: 'escalate';
  alarmId: string;
  at: number;
}

/** Something worth a log line and a counter but no alarm, e.g. an exit inside a passage window. */
export interface LogDecision {
  type: 'log';
  deviceId: string;
  entry: LogEntry;
  at: number;
  sourceMessageId: string | null;
}

export type LogEntry =
  | 'passage'
  | 'exit_outside_active_hours'
  | 'entry'
  | 'cancel_too_late'
  | 'returned_to_bed'
  | 'dose_taken'
  | 'geofence_returned';

export type Decision = AlarmDecision | ResolveDecision | EscalateDecision | LogDecision;
