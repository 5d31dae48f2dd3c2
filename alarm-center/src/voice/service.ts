// The alarm's voice call in the alarm center: the gateway's call events (v1/voice/<device>/call)
// are stored as the call's state (voice_calls) and as steps in the alarm's history, committed
// before the broker acknowledges them. "No voice contact" is a step of its own: it tells the
// operator the unit never called (or nobody answered), which suggests dispatch.

import type { AlarmSummary, VoiceCall } from '@trygg/console-contract';
import {
  type CallEvent,
  callEventSchema,
  type DeviceEvent,
  parseScaipDeviceId,
  parseVoiceCallTopic,
  type UnitAddress,
} from '@trygg/firmware-protocol';
import type pg from 'pg';
import type { Logger } from 'pino';
import type { AlarmService } from '../alarms/service.ts';
import type { User } from '../api/schemas.ts';
import type { AuditLog } from '../audit/service.ts';
import { inTransaction } from '../db/database.ts';
import type { DeviceCommands } from '../devices/commands.ts';
import type { Metrics } from '../metrics.ts';
import { VoiceError } from './errors.ts';
import type { VoiceRecordings } from './recordings.ts';
import * as calls from './repository.ts';

/** History entry types of the call's steps (translated in the console as history.type.<type>). */
export const CALL_HISTORY_TYPES = {
  offered: 'call.offered',
  ringing: 'call.ringing',
  answered: 'call.answered',
  'unit-hung-up': 'call.ended_by_unit',
  'operator-hung-up': 'call.ended_by_operator',
  'no-voice-contact': 'call.no_voice_contact',
  withdrawn: 'call.withdrawn',
  failed: 'call.failed',
} as const;

export type VoiceIngestOutcome = 'accepted' | 'duplicate' | 'rejected';

/**
 * The gateways' voice bridges: one per instance (GATEWAY_BRIDGE_URLS, by GATEWAY_INSTANCE_ID),
 * and `url` (GATEWAY_BRIDGE_URL) for calls whose instance is not listed or not named.
 */
export interface VoiceBridges {
  token: string;
  url?: string;
  byInstance?: ReadonlyMap<string, string>;
}

type BridgeReply = { status: number; body: unknown } | 'unreachable';

export class VoiceService {
  #commands: DeviceCommands | null = null;
  /** The recording policy (recordings.ts); null: off, the gateway is never asked to record. */
  #recordings: VoiceRecordings | null = null;

  constructor(
    private readonly pool: pg.Pool,
    private readonly alarms: AlarmService,
    private readonly metrics: Metrics,
    private readonly logger: Logger,
    /** Joining and leaving a call is access to personal data (the resident's voice): audited. */
    private readonly audit: AuditLog,
    /** The gateways' voice bridges; without them nobody can join a call from the console. */
    private bridges: VoiceBridges | null = null,
  ) {}

  /** Who heard whom: the resident when the alarm has one, else the alarm itself. */
  async #audit(
    actor: string,
    action: 'join_voice_call' | 'leave_voice_call',
    alarm: AlarmSummary,
    reason: string,
    db?: pg.PoolClient,
  ) {
    const entry = {
      actor,
      action,
      subjectType: alarm.resident ? 'resident' : 'alarm',
      subjectId: alarm.resident?.id ?? alarm.id,
      reason: `alarm ${alarm.id}, ${reason}`,
    };
    await this.audit.record(entry, db);
  }

  /** The bridge of a gateway started after the alarm center (the demo's, in the same process). */
  attachBridge(bridge: { url: string; token: string }): void {
    this.bridges = { token: bridge.token, url: bridge.url };
  }

  /**
   * One call event from the gateway. Stored (state and history) before it resolves, so the
   * broker's PUBACK follows the commit. A malformed event is refused, counted and logged, and
   * acknowledged all the same: resending it would not help.
   */
  async ingest(topic: string, payload: Buffer): Promise<VoiceIngestOutcome> {
    const deviceId = parseVoiceCallTopic(topic);
    let event: CallEvent;
    try {
      if (deviceId === null) throw new Error('not a call topic');
      event = callEventSchema.parse(JSON.parse(payload.toString('utf8')));
    } catch (err) {
      this.metrics.rejected.inc({ reason: 'CALL_EVENT_INVALID' });
      this.logger.warn({ topic, detail: (err as Error).message.slice(0, 200) }, 'voice call event refused');
      return 'rejected';
    }
    const alarmId = await inTransaction(this.pool, (client) => this.#apply(client, deviceId, event));
    if (alarmId === undefined) return 'duplicate';
    if (alarmId !== null) await this.alarms.announce(alarmId);
    if (event.type === 'call.ended') this.#collectRecording(event.callId);
    return 'accepted';
  }

  /** Returns the alarm whose history changed (null: none known), or undefined when nothing changed. */
  async #apply(client: pg.PoolClient, deviceId: string, event: CallEvent): Promise<string | null | undefined> {
    let alarmId: string | null;
    let changed: boolean;
    let entry: { type: string; actor: string | null; note: string | null };
    switch (event.type) {
      case 'call.offered':
        alarmId = await this.alarms.alarmForDeviceMessage(client, deviceId, event.alarmMessageId);
        changed = await calls.offer(client, deviceId, alarmId, event);
        entry = { type: CALL_HISTORY_TYPES.offered, actor: null, note: event.media };
        break;
      case 'call.ringing':
        alarmId = (await calls.alarmOf(client, event.callId))?.alarmId ?? null;
        changed = await calls.ringing(client, event.callId, event.ts, event.codec);
        entry = { type: CALL_HISTORY_TYPES.ringing, actor: null, note: event.codec };
        break;
      case 'call.answered':
        alarmId = (await calls.alarmOf(client, event.callId))?.alarmId ?? null;
        changed = await calls.answered(client, event.callId, event.ts, event.by);
        entry = { type: CALL_HISTORY_TYPES.answered, actor: event.by, note: null };
        break;
      case 'call.ended': {
        const known = await calls.alarmOf(client, event.callId);
        alarmId = known?.alarmId ?? null;
        changed = await calls.ended(client, event.callId, event.ts, event.reason, event.durationS ?? null);
        const duration = event.durationS === undefined ? null : `${event.durationS.toFixed(1)} s`;
        const status = event.sipStatus === undefined ? null : `SIP ${event.sipStatus}`;
        entry = { type: CALL_HISTORY_TYPES[event.reason], actor: null, note: duration ?? status };
        if (known?.answeredBy && alarmId !== null && (await this.#left(client, known.answeredBy, alarmId, event))) {
          this.logger.info({ callId: event.callId }, 'operator left the voice call');
        }
        break;
      }
    }
    if (!changed) return undefined;
    if (alarmId === null) {
      this.logger.warn({ deviceId, callId: event.callId, type: event.type }, 'voice call event for no known alarm');
      return null;
    }
    const contact = event.type === 'call.answered' ? 'voice_contact_at' : undefined;
    await this.alarms.addCallEvent(client, alarmId, entry, event.ts, contact);
    return alarmId;
  }

  /** The operator who joined is out of the call however it ended: the audit log says when. */
  async #left(client: pg.PoolClient, operator: string, alarmId: string, event: CallEvent): Promise<boolean> {
    const alarm = await this.alarms.summaryWith(client, alarmId);
    if (!alarm || event.type !== 'call.ended') return false;
    await this.#audit(operator, 'leave_voice_call', alarm, `call ${event.callId} ended: ${event.reason}`, client);
    return true;
  }

  /**
   * The operator joins the alarm's ringing call from the browser. Only the operator who has
   * taken (acknowledged) the alarm may: the call is the resident's voice. The gateway's bridge
   * answers the browser's offer; the answer goes back to the browser.
   */
  async join(
    alarmId: string,
    callId: string,
    viewer: User,
    offerSdp: string,
  ): Promise<{ sdp: string; recording: boolean }> {
    const alarm = await this.alarms.summaryFor(alarmId, viewer);
    if (alarm.acknowledgedBy !== viewer.username || alarm.status === 'closed') throw new VoiceError('VOICE_NOT_HOLDER');
    const call = (await calls.forAlarm(this.pool, alarmId)).find((c) => c.callId === callId);
    if (!call) throw new VoiceError('CALL_NOT_FOUND');
    if (call.state !== 'ringing') throw new VoiceError('CALL_NOT_RINGING');
    // logged before the voice path opens, as a door code is logged before it is read
    await this.#audit(viewer.username, 'join_voice_call', alarm, `call ${callId}`);
    const record = this.#recordings !== null;
    const answer = await this.#bridgeRequest(callId, 'join', {
      sdp: offerSdp,
      by: viewer.username,
      ...(record ? { record } : {}),
    });
    if (record) await this.#recordingStarted(callId, alarm, (answer as { recording?: unknown }).recording === true);
    this.logger.info({ alarmId, callId, operator: viewer.username }, 'operator joined the voice call');
    return { sdp: String((answer as { sdp?: unknown }).sdp ?? ''), recording: record };
  }

  /** Recording policy: the gateway must have confirmed it records, else the call is not joined (hung up). */
  async #recordingStarted(callId: string, alarm: AlarmSummary, confirmed: boolean): Promise<void> {
    if (!confirmed || !this.#recordings) {
      await this.#bridgeRequest(callId, 'hangup', {}).catch(() => undefined);
      throw new VoiceError('VOICE_RECORDING_UNAVAILABLE');
    }
    await this.#recordings.started(callId, alarm.id, alarm.resident?.id ?? null);
  }

  useRecordings(recordings: VoiceRecordings): void {
    this.#recordings = recordings;
  }

  /** After the call's end committed: its recording from the gateway, not holding up the event's acknowledgement. */
  #collectRecording(callId: string): void {
    this.#recordings
      ?.collect(callId, () => this.#fetchRecording(callId))
      .catch((err: unknown) => {
        this.logger.error({ callId, err: (err as Error).message }, 'call recording not stored');
      });
  }

  /** The ended call's WAV from the instance that held it (handed over once), null when it has none. */
  async #fetchRecording(callId: string): Promise<Buffer | null> {
    const url = this.bridges ? this.#urlOf(await calls.instanceOf(this.pool, callId)) : null;
    if (!this.bridges || url === null) return null;
    const response = await fetch(`${url.replace(/\/$/, '')}/calls/${encodeURIComponent(callId)}/recording`, {
      method: 'POST',
      headers: { authorization: `Bearer ${this.bridges.token}` },
      signal: AbortSignal.timeout(30_000),
    });
    return response.ok ? Buffer.from(await response.arrayBuffer()) : null;
  }

  /**
   * The holder's "Ring upp": the gateway calls the alarm's SCAIP unit back (also after its call
   * ended, or when it never called). The call then rings, is answered or ends as "no voice contact"
   * through the gateway's call events, like any other call.
   */
  async callBack(alarmId: string, viewer: User): Promise<{ callId: string }> {
    const alarm = await this.alarms.summaryFor(alarmId, viewer);
    if (alarm.acknowledgedBy !== viewer.username || alarm.status === 'closed') throw new VoiceError('VOICE_NOT_HOLDER');
    const unitId = parseScaipDeviceId(alarm.deviceId);
    if (!unitId) return this.#ringUpOwnUnit(alarmId, alarm.deviceId, viewer);
    const last = await calls.lastUnitAddress(this.pool, `scaip-${unitId.cid}-`);
    const body: { alarmMessageId: string; unit?: UnitAddress } = {
      // not a device message: the call's "offered" event finds the device's open alarm (the holder's)
      alarmMessageId: `ringupp-${alarmId}`,
      // the unit's address as its last call named it: an instance that restarted, or another one,
      // can call a unit on UDP without having heard its alarm
      ...(last ? { unit: last.unit } : {}),
    };
    const path = `devices/${encodeURIComponent(alarm.deviceId)}/callback`;
    // the instance that held the unit's last call first (it may still have the unit's own TCP
    // connection); when it is down or does not know the unit, the others in turn
    if (!this.bridges) throw new VoiceError('VOICE_BRIDGE_UNAVAILABLE');
    let unreachable = false;
    for (const instance of this.#instancesFirst(last?.instance ?? null)) {
      const result = await this.#bridgeCall(instance, path, body);
      if (result === 'unreachable') {
        unreachable = true;
        continue;
      }
      if (result.status === 404) continue;
      if (result.status === 409) throw new VoiceError('CALL_IN_PROGRESS');
      if (result.status !== 200) throw new VoiceError('VOICE_BRIDGE_UNAVAILABLE');
      const callId = String((result.body as { callId?: unknown }).callId ?? '');
      this.logger.info({ alarmId, callId, operator: viewer.username, instance }, 'operator called the unit back');
      return { callId };
    }
    throw new VoiceError(unreachable ? 'VOICE_BRIDGE_UNAVAILABLE' : 'CALLBACK_NOT_POSSIBLE');
  }

  /**
   * "Ring upp" for our own MQTT unit. It has no SIP address of its own to be dialled (it sits behind
   * the carrier's NAT); it is told to call again, as after its press, which for the resident is the
   * same: the unit's loudspeaker connects. Only for a unit that has taken a call on this alarm (it
   * said it has voice) and whose calls have all ended; the unit's answer to the command decides.
   */
  async #ringUpOwnUnit(alarmId: string, deviceId: string, viewer: User): Promise<{ callId: string }> {
    const history = await calls.forAlarm(this.pool, alarmId);
    if (history.length === 0 || !this.#commands) throw new VoiceError('CALLBACK_NOT_POSSIBLE');
    if (history.some((c) => c.state !== 'ended')) throw new VoiceError('CALL_IN_PROGRESS');
    const placed = await this.#placeUnitCall(deviceId, `ringupp-${alarmId}`, this.#commands);
    if (placed.outcome !== 'told') throw new VoiceError('CALLBACK_NOT_POSSIBLE');
    this.logger.info({ alarmId, callId: placed.callId, operator: viewer.username }, 'operator rang the unit up');
    return { callId: placed.callId };
  }

  /** The command road to our own MQTT units (built after this service, bound late like the ingest's hook). */
  useCommands(commands: DeviceCommands): void {
    this.#commands = commands;
  }

  /** The holder hangs up (DTMF 0, BYE) or switches duplex / listen / speak. */
  async control(alarmId: string, callId: string, viewer: User, action: 'hangup' | 'duplex' | 'listen' | 'speak') {
    const alarm = await this.alarms.summaryFor(alarmId, viewer);
    if (alarm.acknowledgedBy !== viewer.username) throw new VoiceError('VOICE_NOT_HOLDER');
    const call = (await calls.forAlarm(this.pool, alarmId)).find((c) => c.callId === callId);
    if (!call) throw new VoiceError('CALL_NOT_FOUND');
    if (action === 'hangup') await this.#bridgeRequest(callId, 'hangup', {});
    else await this.#bridgeRequest(callId, 'mode', { mode: action });
  }

  /**
   * Our own MQTT unit's press was stored and says it can take a call (`voice`): the gateway opens
   * the call (its call.offered reaches us as a SCAIP call's does) and the unit is told where to
   * call, as SCAIP's `mrs` tells a controller `tnu`. Nothing waits for it: a call that cannot be
   * offered is logged and counted (`unit_voice_calls_total`), and the alarm stands as an alarm without voice.
   */
  offerUnitCall(deviceId: string, event: DeviceEvent, commands: DeviceCommands): void {
    if (event.type !== 'alarm.manual' || !event.voice || !this.bridges) return;
    this.#placeUnitCall(deviceId, event.id, commands).catch((err: unknown) => {
      this.logger.warn({ deviceId, err: (err as Error).message }, 'voice call not offered to the unit');
    });
  }

  /** The gateway opens a call for the unit, and the unit is told where to call; counted either way. */
  async #placeUnitCall(
    deviceId: string,
    alarmMessageId: string,
    commands: DeviceCommands,
  ): Promise<{ callId: string; outcome: string }> {
    try {
      if (!this.bridges) throw new Error('no voice bridge');
      const opened = await this.#bridgeCall(null, `units/${encodeURIComponent(deviceId)}/call`, { alarmMessageId });
      if (opened === 'unreachable') throw new Error('the voice bridge is unreachable');
      if (opened.status === 409) throw new VoiceError('CALL_IN_PROGRESS');
      if (opened.status !== 200) throw new Error(`the gateway answered ${opened.status}`);
      const offered = opened.body as { callId: string; uri: string; deadlineTs: number };
      const reply = await commands.request(
        deviceId,
        { v: 1, id: `${offered.callId}.cmd`, ts: Date.now(), type: 'voice_call', ...offered },
        null,
        10_000,
      );
      const outcome = reply.kind === 'acked' || reply.kind === 'event' ? 'told' : reply.kind;
      this.metrics.unitCalls.inc({ outcome });
      this.logger.info({ deviceId, callId: offered.callId, outcome }, 'unit told to place the voice call');
      return { callId: offered.callId, outcome };
    } catch (err) {
      this.metrics.unitCalls.inc({ outcome: 'not_offered' });
      throw err;
    }
  }

  /** A request about one call, to the bridge of the instance holding it. */
  async #bridgeRequest(callId: string, action: 'join' | 'mode' | 'hangup', body: unknown): Promise<unknown> {
    const instance = await calls.instanceOf(this.pool, callId);
    const response = await this.#bridgeCall(instance, `calls/${encodeURIComponent(callId)}/${action}`, body);
    if (response === 'unreachable') throw new VoiceError('VOICE_BRIDGE_UNAVAILABLE');
    if (response.status === 404) throw new VoiceError('CALL_NOT_RINGING');
    if (response.status !== 200) throw new VoiceError('VOICE_BRIDGE_UNAVAILABLE');
    return response.body;
  }

  /**
   * The bridges to try for a ring-up, `first` (the instance that held the unit's last call) ahead
   * of the others; null stands for GATEWAY_BRIDGE_URL.
   */
  #instancesFirst(first: string | null): (string | null)[] {
    const listed = [...(this.bridges?.byInstance?.keys() ?? [])];
    const order: (string | null)[] = first !== null && listed.includes(first) ? [first] : [];
    if (this.bridges?.url) order.push(null);
    for (const id of listed) if (id !== first) order.push(id);
    // GATEWAY_BRIDGE_URL may also be one of those listed: each bridge is asked once
    const seen = new Set<string>();
    return order.filter((id) => {
      const url = this.#urlOf(id);
      if (url === null || seen.has(url)) return false;
      seen.add(url);
      return true;
    });
  }

  /** The bridge URL of an instance: its own when listed, else GATEWAY_BRIDGE_URL, else the only one listed. */
  #urlOf(instance: string | null): string | null {
    const listed = this.bridges?.byInstance;
    const own = instance === null ? undefined : listed?.get(instance);
    if (own) return own;
    if (this.bridges?.url) return this.bridges.url;
    return listed?.size === 1 ? ([...listed.values()][0] as string) : null;
  }

  /**
   * One POST to a gateway instance's bridge API (null: GATEWAY_BRIDGE_URL); its status and JSON
   * body, or 'unreachable' (counted and logged, the caller decides whether another may serve).
   */
  async #bridgeCall(instance: string | null, path: string, body: unknown): Promise<BridgeReply> {
    const url = this.bridges ? this.#urlOf(instance) : null;
    if (!this.bridges || url === null) throw new VoiceError('VOICE_BRIDGE_UNAVAILABLE');
    const label = instance !== null && this.bridges.byInstance?.has(instance) ? instance : 'default';
    try {
      const response = await fetch(`${url.replace(/\/$/, '')}/${path}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${this.bridges.token}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(10_000),
      });
      const reply = { status: response.status, body: await response.json().catch(() => ({})) };
      this.metrics.voiceBridgeRequests.inc({ instance: label, outcome: response.ok ? 'ok' : 'refused' });
      return reply;
    } catch (err) {
      this.metrics.voiceBridgeRequests.inc({ instance: label, outcome: 'unreachable' });
      this.logger.warn({ path, instance: label, err: (err as Error).message }, 'voice bridge unreachable');
      return 'unreachable';
    }
  }

  /** The calls of one alarm, newest first; the viewer must be allowed to see the alarm. */
  async forAlarm(alarmId: string, viewer: User): Promise<VoiceCall[]> {
    await this.alarms.summaryFor(alarmId, viewer);
    const list = await calls.forAlarm(this.pool, alarmId);
    const recorded = this.#recordings ? await this.#recordings.ofAlarm(alarmId) : null;
    return recorded
      ? list.map((c) => (recorded.has(c.callId) ? { ...c, recording: recorded.get(c.callId) } : c))
      : list;
  }
}
