// The alarm's voice call, per controller: what the `mrs` offers (`mre`, `cre`, `tnu`), then the
// call's state (pending in its 60 s window, active, ended) and the events to publish for each
// step. Pure: the time is a parameter, deadlines are swept by one `expire(now)`, no I/O, no timers.

import {
  type CallEndReason,
  type CallEvent,
  SCAIP_CALL_HANDLING,
  SCAIP_MEDIA,
  SCAIP_RESPONSE_STATUS,
  type ScaipMedia,
  type UnitAddress,
  VOICE_CALL_WINDOW_MS,
} from '@trygg/firmware-protocol';
import type { ScaipRequest } from './scaip.ts';

/** The voice part of an `mrs`; absent fields are not sent. */
export interface MrsVoice {
  mre: ScaipMedia;
  cre?: number;
  tnu?: string;
}

export type CallState = 'pending' | 'active' | 'ended';
export type CallDirection = 'unit-calls' | 'receiver-calls-back';

export interface VoiceCall {
  callId: string;
  cid: string;
  /** The device whose alarm the call belongs to (`scaip-<cid>-<did>`). */
  deviceId: string;
  alarmMessageId: string;
  direction: CallDirection;
  media: ScaipMedia;
  /** Where to call the unit back (its `crd`), for `receiver-calls-back`. */
  unitUri?: string;
  /** The unit's sip: crd and its controller's transport (told to the alarm center in "offered"). */
  unit?: UnitAddress;
  state: CallState;
  offeredAt: number;
  /** A pending call not set up by then ends as "no voice contact". */
  deadline: number;
  activeAt?: number;
  /** An MQTT unit's call: its INVITE is admitted by the call id it was given, not by SIP digest. */
  admittedByCallId?: true;
}

/** A call event and the device whose alarm it belongs to (its topic). */
export interface CallNotice {
  deviceId: string;
  event: CallEvent;
}

/** What an accepted `mrq` means for the voice path: the `mrs` fields and the snu (0, or 6 busy). */
export interface CallDecision {
  snu: number;
  voice?: MrsVoice;
  /** Events to publish (after the alarm itself was acknowledged). */
  events: CallNotice[];
}

const MEDIA_NAMES = {
  [SCAIP_MEDIA.DUPLEX]: 'duplex',
  [SCAIP_MEDIA.LISTEN_ONLY]: 'listen-only',
  [SCAIP_MEDIA.SPEAK_ONLY]: 'speak-only',
} as const;

export interface CallBookOptions {
  /** The SIP URI units call (`tnu`), e.g. `sip:voice@192.0.2.10:5060` (read when a call is offered). */
  receiverUri: () => string;
  windowMs?: number;
  /** New call ids (unique per process and across restarts). */
  newId: () => string;
}

/**
 * One call per controller: a social alarm has one loudspeaker and microphone, whichever of its
 * pendants raised the alarm. So a second alarm while a call is pending or active is "busy".
 */
export class CallBook {
  readonly #byCid = new Map<string, VoiceCall>();
  readonly #byId = new Map<string, VoiceCall>();
  readonly #options: Required<CallBookOptions>;

  constructor(options: CallBookOptions) {
    this.#options = { windowMs: VOICE_CALL_WINDOW_MS, ...options };
  }

  /**
   * Decides the voice answer to an accepted, stored `mrq`. Requests without `crd` are answered as
   * before (no voice tags): the unit did not ask for a call. `no-voice:` gets mre 0. An ME with a
   * callable `crd` opens a pending call, unless one is pending or active: then snu 6 (busy), the
   * alarm itself stored all the same. An RE withdraws a pending call.
   */
  decide(
    mrq: ScaipRequest,
    deviceId: string,
    alarmMessageId: string,
    now: number,
    transport?: UnitAddress['transport'],
  ): CallDecision {
    const events: CallNotice[] = [];
    const current = this.current(mrq.cid);
    if (mrq.mty === 'RE') {
      if (current?.state === 'pending') events.push(this.#end(current, 'withdrawn', now));
      return { snu: SCAIP_RESPONSE_STATUS.OK, events };
    }
    if (mrq.mty !== 'ME' || mrq.crd === undefined) return { snu: SCAIP_RESPONSE_STATUS.OK, events };
    if (mrq.crd.startsWith('no-voice:'))
      return { snu: SCAIP_RESPONSE_STATUS.OK, voice: { mre: SCAIP_MEDIA.NONE }, events };
    if (current) {
      // stored (the caller answers only after the broker's PUBACK): the alarm is not lost, only no
      // second call is offered; the operator speaks to the resident on the call already there
      return { snu: SCAIP_RESPONSE_STATUS.BUSY, voice: { mre: SCAIP_MEDIA.NONE }, events };
    }
    // a call-back needs a SIP address to call; tel:/gsm: units are asked to call us instead
    const callBack = mrq.cha === 1 && /^sips?:/.test(mrq.crd);
    const media = SCAIP_MEDIA.DUPLEX;
    const call: VoiceCall = {
      callId: this.#options.newId(),
      cid: mrq.cid,
      deviceId,
      alarmMessageId,
      direction: callBack ? 'receiver-calls-back' : 'unit-calls',
      media,
      state: 'pending',
      offeredAt: now,
      deadline: now + this.#options.windowMs,
      ...(callBack ? { unitUri: mrq.crd } : {}),
      ...(transport && /^sips?:/.test(mrq.crd) ? { unit: { uri: mrq.crd, transport } } : {}),
    };
    events.push(this.#open(call));
    const voice: MrsVoice = callBack
      ? { mre: media, cre: SCAIP_CALL_HANDLING.RECEIVER_CALLS_BACK }
      : { mre: media, cre: SCAIP_CALL_HANDLING.UNIT_CALLS, tnu: this.#options.receiverUri() };
    return { snu: SCAIP_RESPONSE_STATUS.OK, voice, events };
  }

  /**
   * The operator asks to call the unit back ("Ring upp"), also after its call ended or when it never
   * called: a pending call-back of the alarm, its "offered" event. A unit's own call still awaited
   * ends first as "no voice contact" (the unit has not called; the operator stopped waiting). Null
   * when a call is connected or a call-back already rings.
   */
  callBack(cid: string, deviceId: string, alarmMessageId: string, unit: UnitAddress, now: number): CallNotice[] | null {
    const current = this.current(cid);
    if (current && (current.state === 'active' || current.direction === 'receiver-calls-back')) return null;
    const notices = current ? [this.#end(current, 'no-voice-contact', now)] : [];
    const call: VoiceCall = {
      callId: this.#options.newId(),
      cid,
      deviceId,
      alarmMessageId,
      direction: 'receiver-calls-back',
      media: SCAIP_MEDIA.DUPLEX,
      unitUri: unit.uri,
      unit,
      state: 'pending',
      offeredAt: now,
      deadline: now + this.#options.windowMs,
    };
    notices.push(this.#open(call));
    return notices;
  }

  /**
   * Our own MQTT unit's alarm said it can take a call (its `voice` capability); the alarm center
   * asks once the alarm is stored. Keyed by device id where SCAIP keys by controller: one call
   * per unit, so a second offer while one is pending or active is null (busy). The unit is told
   * where to call by command; the call id, in that address's user part, is what admits its
   * INVITE (it reached the unit only over the unit's own authenticated MQTT session).
   */
  offerUnit(deviceId: string, alarmMessageId: string, now: number): { call: VoiceCall; notice: CallNotice } | null {
    if (this.current(deviceId)) return null;
    const call: VoiceCall = {
      callId: this.#options.newId(),
      cid: deviceId,
      deviceId,
      alarmMessageId,
      direction: 'unit-calls',
      media: SCAIP_MEDIA.DUPLEX,
      state: 'pending',
      offeredAt: now,
      deadline: now + this.#options.windowMs,
      admittedByCallId: true,
    };
    return { call, notice: this.#open(call) };
  }

  /** The pending or active call of a controller, if any. */
  current(cid: string): VoiceCall | undefined {
    const call = this.#byCid.get(cid);
    return call && call.state !== 'ended' ? call : undefined;
  }

  get(callId: string): VoiceCall | undefined {
    return this.#byId.get(callId);
  }

  /**
   * The unit's INVITE (or its answer to our call-back) arrived: the pending call of that
   * controller becomes active. Null when the controller has no pending call (refused by the caller).
   */
  connect(cid: string, codec: 'PCMU' | 'PCMA', now: number): { call: VoiceCall; notice: CallNotice } | null {
    const call = this.current(cid);
    if (call?.state !== 'pending' || now > call.deadline) return null;
    call.state = 'active';
    call.activeAt = now;
    const event: CallEvent = {
      v: 1,
      id: `${call.callId}.ringing`,
      ts: now,
      callId: call.callId,
      type: 'call.ringing',
      codec,
    };
    return { call, notice: { deviceId: call.deviceId, event } };
  }

  /**
   * Ends a call (BYE either side, a failed call-back; `sipStatus` is the unit's refusal of our
   * call-back). Null when it had already ended.
   */
  end(callId: string, reason: CallEndReason, now: number, sipStatus?: number): CallNotice | null {
    const call = this.#byId.get(callId);
    if (!call || call.state === 'ended') return null;
    return this.#end(call, reason, now, sipStatus);
  }

  /** Pending calls whose window has passed end as "no voice contact". One sweep for all deadlines. */
  expire(now: number): CallNotice[] {
    const events: CallNotice[] = [];
    for (const call of this.#byCid.values()) {
      if (call.state === 'pending' && now > call.deadline) events.push(this.#end(call, 'no-voice-contact', now));
    }
    return events;
  }

  /** Calls not yet ended. */
  get open(): number {
    let n = 0;
    for (const call of this.#byCid.values()) if (call.state !== 'ended') n++;
    return n;
  }

  #open(call: VoiceCall): CallNotice {
    this.#byCid.set(call.cid, call);
    this.#byId.set(call.callId, call);
    return {
      deviceId: call.deviceId,
      event: {
        v: 1,
        id: `${call.callId}.offered`,
        ts: call.offeredAt,
        callId: call.callId,
        type: 'call.offered',
        alarmMessageId: call.alarmMessageId,
        direction: call.direction,
        // a call is only ever opened with a medium (mre 0 opens none)
        media: MEDIA_NAMES[call.media as keyof typeof MEDIA_NAMES],
        deadlineTs: call.deadline,
        ...(call.unit ? { unit: call.unit } : {}),
      },
    };
  }

  #end(call: VoiceCall, reason: CallEndReason, now: number, sipStatus?: number): CallNotice {
    call.state = 'ended';
    this.#byCid.delete(call.cid);
    this.#byId.delete(call.callId);
    const base = {
      v: 1,
      id: `${call.callId}.ended`,
      ts: now,
      callId: call.callId,
      type: 'call.ended',
      reason,
      ...(sipStatus === undefined ? {} : { sipStatus }),
    } as const;
    const event: CallEvent =
      call.activeAt === undefined ? base : { ...base, durationS: Math.round((now - call.activeAt) / 100) / 10 };
    return { deviceId: call.deviceId, event };
  }
}
