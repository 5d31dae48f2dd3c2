// One SIP request in, one SIP response (or none) out, whatever the transport. This is where the
// SCAIP transaction is decided: parse, check the controller, de-duplicate, map, publish, answer.
// The 200 OK with snu 0 is sent only after the broker acknowledged the publish (QoS 1).

import { checkEventForDeviceType, type DeviceType, SCAIP_CALL_HANDLING } from '@trygg/firmware-protocol';
import type { ControllerAuth } from './auth.ts';
import type { CallBook, CallNotice, MrsVoice } from './calls.ts';
import { DEFAULT_DEDUPE_TTL_MS, DedupeCache } from './dedupe.ts';
import { GATEWAY_REJECTIONS, type GatewayRejection } from './errors.ts';
import type { GatewayLogger } from './log.ts';
import { mapScaipRequest, scaipRetransmissionKey } from './map.ts';
import type { GatewayMetrics } from './metrics.ts';
import { MAX_MRQ_BYTES, mrsXml, parseMrq, type ScaipRequest, sniffRef } from './scaip.ts';
import type { Peer } from './sip.ts';
import {
  addressUri,
  buildResponse,
  contentType,
  headerValue,
  isSipResponse,
  newTag,
  parseSipRequest,
  parseSipResponse,
  type SipRequest,
  uriUser,
} from './sip.ts';
import { createVoiceDialogs, type VoiceDialogs } from './voice.ts';

export type { GatewayLogger } from './log.ts';
export type { Peer } from './sip.ts';

/** Provisioned SCAIP controllers, as registered by a technician. */
export interface ControllerRegistry {
  isKnown(cid: string): Promise<boolean> | boolean;
  /** Heartbeat interval to tell this controller in each `mrs` (`hbi`); none when undefined. */
  heartbeatIntervalS?(cid: string): number | undefined;
  /**
   * The registered type of one unit of a known controller, or null when that unit is not
   * registered. With it, snu 0 means "stored as an event of a registered device": the gateway
   * answers snu 5 for an event the alarm center would not take for that device's type. Without
   * it (a controller list, no alarm center) snu 0 means only that the broker acknowledged.
   */
  unit?(cid: string, did: string): Promise<{ deviceType: DeviceType } | null> | { deviceType: DeviceType } | null;
}

export interface HandlerOptions {
  controllers: ControllerRegistry;
  /** Publishes with QoS 1; resolves when the broker acknowledged. */
  publish(topic: string, payload: Buffer): Promise<void>;
  logger: GatewayLogger;
  dedupeTtlMs?: number;
  /** This instance's id (GATEWAY_INSTANCE_ID), named in the heartbeats it relays. */
  gatewayId?: string;
  /** Epoch milliseconds; tests pass a simulated clock. */
  now?: () => number;
  /** Prometheus counters; stats() counts regardless. */
  metrics?: GatewayMetrics;
  /**
   * Digest authentication and source policy per controller. Without it any host that knows a
   * controller id speaks for it: main.ts always sets it unless GATEWAY_AUTH=off.
   */
  auth?: ControllerAuth;
  /**
   * The alarm's voice call: with it, an `mrq` carrying `crd` is answered with `mre`/`cre`/`tnu`
   * and opens a call in the book; the call events are handed to `callEvent` after the alarm
   * itself was acknowledged. Without it the `mrs` carries no voice tags (as before voice).
   */
  calls?: {
    book: CallBook;
    callEvent(notice: CallNotice): void;
    /** Address the calls' RTP sockets bind and announce. */
    rtpHost: string;
    /** Our SIP address (Via, Contact), known once the sockets are bound. */
    local: () => { host: string; udpPort: number; tcpPort: number };
    /** Sends from the SIP UDP socket: a call-back to a unit whose controller speaks UDP. */
    sendUdp?: (data: Buffer, port: number, address: string) => void;
    /** This instance's name in its tnu; an INVITE for another's is refused (voice.ts). */
    instanceId?: string;
  };
}

/** What an accepted `mrq` was answered with, so its retransmission gets the same answer. */
interface MrsAnswer {
  snu: number;
  voice?: MrsVoice;
}

export interface GatewayStats {
  accepted: number;
  rejected: Record<string, number>;
  duplicates: number;
  /** Events of units not registered, published so the alarm center raises "unknown unit". */
  unknownUnits: number;
  /** Heartbeats of units not registered: answered, not published (nothing would store them). */
  unregisteredHeartbeats: number;
  /** Alarms stored and answered snu 6 because the controller's call was pending or active. */
  busy: number;
}

// text/plain: controllers built on a generic SIP stack (pjsua, re/baresip) send their mrq as an
// instant message, which those stacks label text/plain. The body must still parse as an mrq.
const SCAIP_MEDIA_TYPES = new Set(['application/scaip+xml', 'application/xml', 'text/xml', 'text/plain']);
const ALLOW = 'Allow: MESSAGE, OPTIONS';
const ALLOW_WITH_VOICE = 'Allow: MESSAGE, OPTIONS, INVITE, ACK, BYE, CANCEL';
const utf8 = new TextDecoder('utf-8', { fatal: true });

export function createScaipHandler(options: HandlerOptions) {
  const { controllers, publish, logger, metrics, auth } = options;
  const now = options.now ?? Date.now;
  /** Accepted requests by (cid, ref); the value settles when the broker acknowledged. */
  const dedupeWindowMs = options.dedupeTtlMs ?? DEFAULT_DEDUPE_TTL_MS;
  const accepted = new DedupeCache<Promise<MrsAnswer>>(dedupeWindowMs, now);
  const stats: GatewayStats = {
    accepted: 0,
    rejected: {},
    duplicates: 0,
    unknownUnits: 0,
    unregisteredHeartbeats: 0,
    busy: 0,
  };

  function rejected(reason: GatewayRejection, peer: Peer, detail: string, cid?: string): void {
    stats.rejected[reason] = (stats.rejected[reason] ?? 0) + 1;
    metrics?.refusal(reason);
    logger.warn(
      { reason, detail, cid, peer: `${peer.transport}:${peer.address}:${peer.port}` },
      'SCAIP request refused',
    );
  }

  // the calls' SIP dialogs (INVITE/ACK/BYE/CANCEL); without voice those methods are 405
  const voice: VoiceDialogs | null = options.calls
    ? createVoiceDialogs({
        book: options.calls.book,
        callEvent: options.calls.callEvent,
        logger,
        now,
        rtpHost: options.calls.rtpHost,
        local: options.calls.local,
        rejected,
        rtpWrongSource: () => metrics?.rtpWrongSource.inc(),
        ...(options.calls.sendUdp ? { sendUdp: options.calls.sendUdp } : {}),
        ...(options.calls.instanceId ? { instanceId: options.calls.instanceId } : {}),
        ...(auth ? { callBackSecret: auth.secretOf } : {}),
      })
    : null;

  function answerMrs(
    request: SipRequest,
    ref: string | undefined,
    snu: number,
    hbi?: number,
    voice?: MrsVoice,
  ): Buffer {
    return buildResponse(request, 200, { body: mrsXml(ref, snu, hbi, voice), toTag: newTag() });
  }

  /**
   * The same door for every request a controller makes (MESSAGE, INVITE): its certificate or
   * digest, its source address, and that it is provisioned. Null when admitted, else the answer.
   */
  async function admitController(request: SipRequest, peer: Peer, cid: string): Promise<Buffer | null> {
    if (peer.certificateCid !== undefined && peer.certificateCid !== cid) {
      // a certified controller speaks only for itself, with or without digest authentication
      rejected('AUTH_FORBIDDEN', peer, 'client certificate names another controller', cid);
      metrics?.authFailures.inc({ reason: 'AUTH_FORBIDDEN' });
      return buildResponse(request, 403);
    }
    if (auth) {
      const verdict = auth.verify(
        cid,
        {
          method: request.method,
          uri: request.uri,
          authorization: headerValue(request, 'authorization'),
          address: peer.address,
          certificateCid: peer.certificateCid,
        },
        now(),
      );
      if (!verdict.ok) {
        rejected(verdict.reason, peer, verdict.detail, cid);
        // a challenge (no digest yet, or a stale nonce) is the protocol, not a failure
        if (verdict.reason !== 'AUTH_REQUIRED') metrics?.authFailures.inc({ reason: verdict.reason });
        return verdict.status === 401
          ? buildResponse(request, 401, { extraHeaders: auth.challenges(cid, now(), verdict.stale) })
          : buildResponse(request, 403);
      }
    }
    let known: boolean;
    try {
      known = await controllers.isKnown(cid);
    } catch (err) {
      rejected('REGISTRY_UNAVAILABLE', peer, (err as Error).message, cid);
      return buildResponse(request, 503, { extraHeaders: ['Retry-After: 5'] });
    }
    if (!known) {
      rejected('UNKNOWN_CONTROLLER', peer, 'controller id is not provisioned', cid);
      return buildResponse(request, 403);
    }
    return null;
  }

  async function handleMessage(request: SipRequest, peer: Peer, send: (data: Buffer) => void): Promise<Buffer> {
    const type = contentType(request);
    if (type === undefined || !SCAIP_MEDIA_TYPES.has(type)) {
      rejected('SIP_UNSUPPORTED_MEDIA', peer, `Content-Type ${type ?? '(none)'}`);
      return buildResponse(request, 415, { extraHeaders: ['Accept: application/scaip+xml'] });
    }
    if (request.body.length > MAX_MRQ_BYTES) {
      // refuse before decoding: snu 1, naming the ref when it is cheaply readable
      const { snu } = GATEWAY_REJECTIONS.TOO_LONG;
      rejected('TOO_LONG', peer, `${request.body.length} bytes > ${MAX_MRQ_BYTES}`);
      return answerMrs(request, sniffRef(request.body.subarray(0, MAX_MRQ_BYTES).toString('latin1')), snu);
    }
    let body: string;
    try {
      body = utf8.decode(request.body);
    } catch {
      rejected('INVALID_FORMAT', peer, 'body is not UTF-8');
      return answerMrs(request, undefined, GATEWAY_REJECTIONS.INVALID_FORMAT.snu);
    }
    const parsed = parseMrq(body);
    if (!parsed.ok) {
      rejected(parsed.reason, peer, parsed.detail);
      return answerMrs(request, parsed.ref, parsed.snu);
    }
    const mrq = parsed.message;
    const refused = await admitController(request, peer, mrq.cid);
    if (refused) return refused;
    // asked before the de-dup check, so nothing awaits between that check and remembering the publish
    let unit: { deviceType: DeviceType } | null | undefined;
    if (controllers.unit) {
      try {
        unit = await controllers.unit(mrq.cid, mrq.did);
      } catch (err) {
        rejected('REGISTRY_UNAVAILABLE', peer, (err as Error).message, mrq.cid);
        return buildResponse(request, 503, { extraHeaders: ['Retry-After: 5'] });
      }
    }
    const hbi = controllers.heartbeatIntervalS?.(mrq.cid);
    const key = scaipRetransmissionKey(mrq);
    const earlier = accepted.get(key);
    if (earlier) {
      stats.duplicates++;
      metrics?.duplicates.inc();
      logger.debug({ cid: mrq.cid, ref: mrq.ref }, 'SCAIP retransmission answered without publishing');
      try {
        const answer = await earlier;
        return answerMrs(request, mrq.ref, answer.snu, hbi, answer.voice);
      } catch {
        return buildResponse(request, 503, { extraHeaders: ['Retry-After: 5'] });
      }
    }
    const mapped = mapScaipRequest(mrq, {
      now: now(),
      dedupeWindowMs,
      ...(hbi === undefined ? {} : { heartbeatIntervalS: hbi }),
      ...(options.gatewayId === undefined ? {} : { gatewayId: options.gatewayId }),
    });
    if (!mapped.ok) {
      rejected(mapped.reason, peer, mapped.detail, mrq.cid);
      return answerMrs(request, mrq.ref, mapped.snu);
    }
    if (unit === null && mapped.channel === 'heartbeat') {
      // a heartbeat proves the path and needs no storing; the unit is simply not supervised yet
      stats.unregisteredHeartbeats++;
      metrics?.unregisteredHeartbeats.inc();
      logger.warn({ cid: mrq.cid, did: mrq.did }, 'SCAIP heartbeat from a unit that is not registered');
      return answerMrs(request, mrq.ref, 0, hbi);
    }
    if (unit && mapped.channel === 'event') {
      const wrongType = checkEventForDeviceType(unit.deviceType, mapped.message);
      if (wrongType) {
        // the alarm center would drop it: not treated, so the controller uses its secondary receiver
        rejected('EVENT_NOT_FOR_DEVICE_TYPE', peer, wrongType.detail, mrq.cid);
        return answerMrs(request, mrq.ref, GATEWAY_REJECTIONS.EVENT_NOT_FOR_DEVICE_TYPE.snu);
      }
    }
    // an unregistered unit's event is published all the same: the alarm center raises it as an
    // "unknown unit on controller" alarm for an operator, and acknowledges once that is stored
    if (unit === null) {
      stats.unknownUnits++;
      metrics?.unknownUnits.inc();
    }
    // the voice decision is taken once the alarm is stored, in the same turn, so two alarms of one
    // controller cannot both open a call; a retransmission is answered from the same promise
    const published = publish(mapped.topic, Buffer.from(JSON.stringify(mapped.message))).then(() =>
      decideCall(mrq, mapped.deviceId, mapped.message.id, peer.transport),
    );
    accepted.set(key, published);
    let answer: MrsAnswer;
    try {
      answer = await published;
    } catch (err) {
      // forget it, so the controller's retransmission is published afresh
      accepted.delete(key);
      rejected('PUBLISH_FAILED', peer, (err as Error).message, mrq.cid);
      return buildResponse(request, 503, { extraHeaders: ['Retry-After: 5'] });
    }
    stats.accepted++;
    metrics?.accepted.inc({ channel: mapped.channel });
    logger.info(
      {
        cid: mrq.cid,
        ref: mrq.ref,
        mty: mrq.mty,
        deviceId: mapped.deviceId,
        channel: mapped.channel,
        ...(mrq.ignored ? { ignoredElements: mrq.ignored } : {}),
      },
      'SCAIP request accepted',
    );
    if (mrq.crd !== undefined && /^sips?:/.test(mrq.crd)) voice?.rememberUnit(mrq.cid, mrq.crd, { peer, send });
    if (answer.voice?.cre === SCAIP_CALL_HANDLING.RECEIVER_CALLS_BACK) callBack(mrq.cid, peer, send);
    return answerMrs(request, mrq.ref, answer.snu, hbi, answer.voice);
  }

  function decideCall(mrq: ScaipRequest, deviceId: string, alarmMessageId: string, via: Peer['transport']): MrsAnswer {
    if (!options.calls) return { snu: 0 };
    const decision = options.calls.book.decide(mrq, deviceId, alarmMessageId, now(), via);
    for (const notice of decision.events) options.calls.callEvent(notice);
    if (decision.snu !== 0) {
      stats.busy++;
      metrics?.callsBusy.inc();
      logger.info({ cid: mrq.cid, ref: mrq.ref }, 'SCAIP alarm stored; answered busy (a call is pending or active)');
    }
    return decision.voice ? { snu: decision.snu, voice: decision.voice } : { snu: decision.snu };
  }

  /** cre 62: our INVITE to the unit follows the mrs (the next turn), on the controller's transport. */
  function callBack(cid: string, peer: Peer, send: (data: Buffer) => void): void {
    setImmediate(() => {
      voice?.dial(cid, { peer, send }).catch((err: unknown) => logger.error({ err, cid }, 'call-back failed'));
    });
  }

  /** The unit's INVITE: its controller is the From user, admitted like a MESSAGE's `cid`. */
  async function handleInvite(request: SipRequest, peer: Peer, send: (data: Buffer) => void, voice: VoiceDialogs) {
    // our own MQTT unit calls the address it was given by command: the call id is its admission
    const unitCall = options.calls?.book.get(uriUser(request.uri) ?? '');
    if (unitCall?.admittedByCallId) return voice.invite(request, peer, unitCall.cid, send);
    const cid = uriUser(addressUri(headerValue(request, 'from') ?? ''));
    if (cid === undefined || !/^[A-Za-z0-9]{1,24}$/.test(cid)) {
      rejected('UNKNOWN_CONTROLLER', peer, 'INVITE From names no controller id');
      return buildResponse(request, 403);
    }
    const refused = await admitController(request, peer, cid);
    if (refused) return refused;
    return voice.invite(request, peer, cid, send);
  }

  /**
   * Returns the response to send, or null when the data cannot be answered (or needs no answer).
   * `send` reaches the same peer later (a BYE in the call's dialog).
   */
  async function handle(data: Buffer, peer: Peer, send: (data: Buffer) => void = () => {}): Promise<Buffer | null> {
    if (voice && isSipResponse(data)) {
      const response = parseSipResponse(data);
      if (response) voice.response(response);
      else rejected('SIP_MALFORMED', peer, 'unparseable response');
      return null;
    }
    const parsed = parseSipRequest(data);
    if (!parsed.ok) {
      const head = parseSipRequest(data, { headOnly: true });
      rejected('SIP_MALFORMED', peer, parsed.detail);
      return head.ok ? buildResponse(head.request, 400) : null;
    }
    const { request } = parsed;
    switch (request.method) {
      case 'MESSAGE':
        return handleMessage(request, peer, send);
      case 'OPTIONS':
        // controllers use OPTIONS to check the receiver is alive
        return buildResponse(request, 200, { extraHeaders: [voice ? ALLOW_WITH_VOICE : ALLOW] });
      case 'ACK':
        voice?.ack(request);
        return null;
      case 'INVITE':
        if (voice) return handleInvite(request, peer, send, voice);
        break;
      case 'BYE':
        if (voice) return voice.bye(request, peer);
        break;
      case 'CANCEL':
        if (voice) return voice.cancel(request, peer);
        break;
      default:
        break;
    }
    rejected('SIP_METHOD_NOT_ALLOWED', peer, request.method);
    return buildResponse(request, 405, { extraHeaders: [voice ? ALLOW_WITH_VOICE : ALLOW] });
  }

  /** A stream message whose body exceeds the SIP size limit: answered 413 from its headers alone. */
  function handleOversized(head: Buffer | undefined, peer: Peer, detail: string, truncated = false): Buffer | null {
    rejected('SIP_TOO_LARGE', peer, detail);
    if (!head) return null;
    const parsed = parseSipRequest(head, { headOnly: true, truncated });
    return parsed.ok ? buildResponse(parsed.request, 413) : null;
  }

  return {
    handle,
    handleOversized,
    voice,
    stats(): GatewayStats {
      return { ...stats, rejected: { ...stats.rejected } };
    },
  };
}

export type ScaipHandler = ReturnType<typeof createScaipHandler>;
