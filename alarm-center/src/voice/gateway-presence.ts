// A lost gateway instance's calls end here (issue 17). The gateway says `online` on
// v1/gateways/<instance>/status when it connects and every GATEWAY_PRESENCE_INTERVAL_S, and leaves
// `offline` as its MQTT Last Will, which the broker says the moment its connection dies (a
// SIGKILL, a lost host). Offline ends the instance's calls at once; the sweep ends those of an
// instance not heard from for VOICE_GATEWAY_SILENCE_S, which covers what no will can say: a
// gateway that died while this node was down, or whose connection was to another node.

import { type GatewayStatus, gatewayStatusSchema, parseGatewayStatusTopic } from '@trygg/firmware-protocol';
import type pg from 'pg';
import type { Logger } from 'pino';
import type { AlarmService } from '../alarms/service.ts';
import type { AuditLog } from '../audit/service.ts';
import type { Clock } from '../clock.ts';
import { inTransaction } from '../db/database.ts';
import type { Metrics } from '../metrics.ts';
import * as calls from './repository.ts';

/** The history entry of a call whose gateway was lost ("Röstförbindelsen bröts" in the console). */
export const GATEWAY_LOST_HISTORY_TYPE = 'call.gateway_lost';

export class GatewayPresence {
  constructor(
    private readonly pool: pg.Pool,
    private readonly alarms: AlarmService,
    private readonly metrics: Metrics,
    private readonly logger: Logger,
    private readonly audit: AuditLog,
    private readonly clock: Clock,
    /** An instance silent this long is lost (its calls end as failed). */
    private readonly silenceMs: number,
  ) {}

  /** One status message from a gateway (a birth, a repeat, or the broker saying its will). */
  async ingest(topic: string, payload: Buffer): Promise<void> {
    const instance = parseGatewayStatusTopic(topic);
    let status: GatewayStatus;
    try {
      if (instance === null) throw new Error('not a gateway status topic');
      status = gatewayStatusSchema.parse(JSON.parse(payload.toString('utf8')));
    } catch (err) {
      this.metrics.rejected.inc({ reason: 'GATEWAY_STATUS_INVALID' });
      this.logger.warn({ topic, detail: (err as Error).message.slice(0, 200) }, 'gateway status refused');
      return;
    }
    // Never refused back to the broker: that would drop the gateway's connection, and with it its
    // alarms. A status not stored is repeated by the gateway; a will not acted on, the sweep covers.
    try {
      await calls.setPresence(this.pool, instance, status.state, this.clock.now());
      if (status.state === 'online') return;
      this.logger.warn({ instance }, 'gateway instance lost: its calls end');
      await this.sweep();
    } catch (err) {
      this.metrics.rejected.inc({ reason: 'GATEWAY_STATUS_NOT_STORED' });
      this.logger.error({ instance, err: (err as Error).message }, 'gateway status not stored; the sweep retries');
    }
  }

  /** Ends the calls of every lost instance; returns how many this node ended. */
  async sweep(): Promise<number> {
    const now = this.clock.now();
    const { lost, alarmIds } = await inTransaction(this.pool, async (client) => {
      const lost = await calls.failCallsOfLostInstances(client, now, now - this.silenceMs);
      const alarmIds = new Set<string>();
      for (const call of lost) {
        if (call.alarmId === null) continue;
        alarmIds.add(call.alarmId);
        const entry = { type: GATEWAY_LOST_HISTORY_TYPE, actor: null, note: `gateway lost (${call.instance})` };
        await this.alarms.addCallEvent(client, call.alarmId, entry, now);
        // the operator who was in the call is out of it: the audit log says when
        const alarm = call.answeredBy ? await this.alarms.summaryWith(client, call.alarmId) : null;
        if (alarm && call.answeredBy) {
          await this.audit.record(
            {
              actor: call.answeredBy,
              action: 'leave_voice_call',
              subjectType: alarm.resident ? 'resident' : 'alarm',
              subjectId: alarm.resident?.id ?? alarm.id,
              reason: `alarm ${alarm.id}, call ${call.callId} ended: gateway lost`,
            },
            client,
          );
        }
      }
      return { lost, alarmIds };
    });
    for (const call of lost) {
      this.metrics.voiceCallsLost.inc({ instance: call.instance });
      this.logger.warn({ callId: call.callId, alarmId: call.alarmId, instance: call.instance }, 'voice call lost');
    }
    for (const alarmId of alarmIds) await this.alarms.announce(alarmId);
    return lost.length;
  }
}
