// The supervisors' overview: open alarms by kind and district, time to acknowledge today,
// escalations, the false-alarm share per district (e.g. forgotten passage button) and devices
// that are offline.

import type { AnswerTarget, AnswerTimes, Handover } from '@trygg/console-contract';
import type { AlarmService } from '../alarms/service.ts';
import type { Clock } from '../clock.ts';
import { HEARTBEAT_TOLERANCE, startOfLocalDay } from '../core/index.ts';
import type { Reads } from '../db/read-replica.ts';
import type { ResponderService } from '../responders/service.ts';
import { answerTimes } from './answer-times.ts';
import * as overview from './repository.ts';

/** The TEC Quality standard's answer-time targets, the default of ANSWER_TARGETS. */
export const TEC_ANSWER_TARGETS: AnswerTarget[] = [
  { withinS: 60, share: 0.975 },
  { withinS: 180, share: 0.99 },
];

export class OverviewService {
  constructor(
    /** The overview may be a moment behind: it is read on the replica when there is one. */
    private readonly reads: Reads,
    private readonly clock: Clock,
    /** The municipality's time zone: "today" starts at its local midnight, not the server's. */
    private readonly timeZone: string,
    /** The municipality's answer-time targets (ANSWER_TARGETS). */
    readonly answerTargets: AnswerTarget[] = TEC_ANSWER_TARGETS,
    /** The open alarms for the shift handover. */
    private readonly alarms: Pick<AlarmService, 'open'> | null = null,
    /** The keys signed out for the shift handover, from the key register's owner. */
    private readonly keys: Pick<ResponderService, 'keysSignedOut'> | null = null,
  ) {}

  /** Answer times against the targets for the last `hours` hours, per hour and per operator. */
  async answerTimes(hours: number): Promise<AnswerTimes> {
    const now = this.clock.now();
    const from = Math.floor((now - (hours - 1) * 3_600_000) / 3_600_000) * 3_600_000;
    const rows = await this.reads.read((pool) => overview.answeredAlarms(pool, new Date(from), new Date(now + 1)));
    return answerTimes(rows, this.answerTargets, from, now + 1, now);
  }

  /** What the next shift takes over: open alarms, call-outs, who is on duty, open incidents, keys out. */
  async handover(): Promise<Handover> {
    const now = this.clock.now();
    const [open, callOuts, onDuty, openIncidents, keysOut] = await Promise.all([
      this.alarms ? this.alarms.open() : Promise.resolve([]),
      this.reads.read((pool) => overview.callOuts(pool)),
      this.reads.read((pool) => overview.onDuty(pool, new Date(now))),
      this.reads.read((pool) => overview.openIncidentCount(pool)),
      this.keys ? this.keys.keysSignedOut() : Promise.resolve([]),
    ]);
    const byId = new Map(open.map((a) => [a.id, a]));
    return {
      at: new Date(now).toISOString(),
      open: open.filter((a) => !a.incidentId),
      callOuts: callOuts.flatMap((c) => {
        const alarm = byId.get(c.id);
        return alarm ? [{ alarm, responder: c.responder }] : [];
      }),
      onDuty,
      openIncidents,
      keysOut,
    };
  }

  async overview() {
    const now = this.clock.now();
    const dayStart = new Date(startOfLocalDay(now, this.timeZone));
    const f = await this.reads.read((pool) => overview.figures(pool, dayStart, new Date(now), HEARTBEAT_TOLERANCE));
    return {
      openByKind: Object.fromEntries(f.byKind.map((r) => [r.kind, r.n])),
      openByDistrict: Object.fromEntries(f.byDistrict.map((r) => [r.district, r.n])),
      ackP50Ms: f.ack?.p50 ?? null,
      ackP90Ms: f.ack?.p90 ?? null,
      escalationsToday: f.escalations,
      falseAlarmShareByDistrict: Object.fromEntries(f.falseShare.map((r) => [r.district, Number(r.share.toFixed(3))])),
      devicesOffline: f.offline,
    };
  }
}
