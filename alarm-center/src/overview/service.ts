// The supervisors' overview: open alarms by kind and district, time to acknowledge today,
// escalations, the false-alarm share per district (e.g. forgotten passage button) and devices
// that are offline.

import type { Clock } from '../clock.ts';
import { HEARTBEAT_TOLERANCE, startOfLocalDay } from '../core/index.ts';
import type { Reads } from '../db/read-replica.ts';
import * as overview from './repository.ts';

export class OverviewService {
  constructor(
    /** The overview may be a moment behind: it is read on the replica when there is one. */
    private readonly reads: Reads,
    private readonly clock: Clock,
    /** The municipality's time zone: "today" starts at its local midnight, not the server's. */
    private readonly timeZone: string,
  ) {}

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
