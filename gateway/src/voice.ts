// The alarm's voice call as SIP dialogs: the unit's INVITE (after its alarm, within the call's
// window) is answered with our SDP and an RTP port; ACK, BYE either side, CANCEL. The receiver
// answers at once (200 OK) and holds the call until an operator joins it: units give up on an
// INVITE left ringing, and the call is "ringing" at the console, not at the unit. Authentication
// and the controller check happen in the handler, as for MESSAGE. The call-back (`cha` 1, or the
// operator's "Ring upp") is the other way round: we INVITE the unit at its `crd` with our offer.

import { randomBytes, randomInt } from 'node:crypto';
import type { CallEndReason, UnitAddress, UnitDtmf } from '@trygg/firmware-protocol';
import { UNIT_DTMF } from '@trygg/firmware-protocol';
import { digestAuthorization } from './auth.ts';
import type { CallBook, CallNotice } from './calls.ts';
import type { GatewayRejection } from './errors.ts';
import type { GatewayLogger } from './log.ts';
import { RtpSession, type RtpSessionStats } from './rtp-session.ts';
import { describeMedia, readOffer } from './sdp.ts';
import type { Peer } from './sip.ts';
import {
  addressUri,
  buildRequest,
  buildResponse,
  contentType,
  headerValue,
  newTag,
  type SipRequest,
  type SipResponse,
  uriHostPort,
  uriUser,
} from './sip.ts';

export interface VoiceDialogOptions {
  book: CallBook;
  callEvent(notice: CallNotice): void;
  logger: GatewayLogger;
  now: () => number;
  /** Address the RTP sockets bind and the SDP announces. */
  rtpHost: string;
  /** Our SIP address for Via/Contact, known once the sockets are bound. */
  local: () => { host: string; udpPort: number; tcpPort: number };
  rejected(reason: GatewayRejection, peer: Peer, detail: string, cid?: string): void;
  /** Counts a datagram from a wrong source on a call's RTP port. */
  rtpWrongSource?: () => void;
  /** Sends a datagram from the gateway's SIP UDP socket (a call-back to a unit on UDP). */
  sendUdp?: (data: Buffer, port: number, address: string) => void;
  /** The controller's digest secret, to answer a unit that challenges our call-back (401/407). */
  callBackSecret?: (cid: string) => string | undefined;
  /**
   * This gateway instance, named in its tnu (`sip:voice-<id>@...`). Calls live in the memory of the
   * instance that took the alarm: an INVITE for another instance's tnu is refused 480 here.
   */
  instanceId?: string;
}

/** How the controller reached us: a call-back goes out on the same transport (its TCP connection). */
export interface ControllerRoute {
  peer: Peer;
  send: (data: Buffer) => void;
}

/** Our INVITE to the unit, until its final response. */
interface Dialing {
  callId: string;
  cid: string;
  sipCallId: string;
  /** Our From (with our tag) and the To we sent (no tag yet). */
  from: string;
  to: string;
  uri: string;
  branch: string;
  cseq: number;
  /** Builds the INVITE for a branch and CSeq, with the unit's digest answered when it asked. */
  build: (branch: string, cseq: number, authorization?: string) => Buffer;
  invite: Buffer;
  peer: Peer;
  send: (data: Buffer) => void;
  rtp: RtpSession;
  /** A provisional response came: retransmissions stop, and a CANCEL may be sent. */
  proceeding: boolean;
  /** The unit's challenge was answered once; a second one ends the call. */
  authAnswered: boolean;
  /** Abandoned before any provisional response: CANCEL on the first one. */
  cancelPending: boolean;
  done: boolean;
}

/** Telephone-event payload type we offer in a call-back. */
const CALLBACK_DTMF_PT = 101;
/** RFC 3261 Timer B: an INVITE without any response this long is given up (64·T1). */
const INVITE_TIMEOUT_MS = 32_000;

/** One call's SIP dialog and its media. */
interface Dialog {
  callId: string;
  cid: string;
  sipCallId: string;
  /** Our tag (To of their INVITE). */
  localTag: string;
  /** Their From, with its tag, and our To: reversed in the requests we send. */
  remoteFrom: string;
  localTo: string;
  /** Where requests in the dialog go (their Contact). */
  remoteTarget: string;
  peer: Peer;
  send: (data: Buffer) => void;
  cseq: number;
  rtp: RtpSession;
  /** The 200 OK we answered, resent to a retransmitted INVITE. */
  answer: Buffer;
  acked: boolean;
}

export interface CallControl {
  callId: string;
  cid: string;
  rtp: RtpSession;
}

export function createVoiceDialogs(options: VoiceDialogOptions) {
  const { book, logger, now } = options;
  const dialogs = new Map<string, Dialog>(); // by SIP Call-ID
  const byCall = new Map<string, Dialog>(); // by our call id
  /** RTP figures of the last calls that ended, for logs and tests (bounded). */
  const endedStats = new Map<string, RtpSessionStats>();
  const dialing = new Map<string, Dialing>(); // our call-back INVITEs, by SIP Call-ID
  /** Where each controller's unit can be called back: its last sip: crd and how it reached us. */
  const units = new Map<string, { uri: string; route: ControllerRoute }>();

  function forget(dialog: Dialog): void {
    dialog.rtp.close();
    endedStats.set(dialog.callId, dialog.rtp.stats);
    if (endedStats.size > 100) endedStats.delete(endedStats.keys().next().value as string);
    dialogs.delete(dialog.sipCallId);
    byCall.delete(dialog.callId);
  }

  function ended(dialog: Dialog, reason: CallEndReason): void {
    forget(dialog);
    const notice = book.end(dialog.callId, reason, now());
    if (notice) options.callEvent(notice);
    logger.info({ callId: dialog.callId, cid: dialog.cid, reason, rtp: dialog.rtp.stats }, 'voice call ended');
  }

  /** The unit's INVITE, from an authenticated, provisioned controller. */
  async function invite(request: SipRequest, peer: Peer, cid: string, send: (data: Buffer) => void): Promise<Buffer> {
    const sipCallId = headerValue(request, 'call-id') as string;
    const existing = dialogs.get(sipCallId);
    if (existing) return existing.answer; // a retransmission: same answer
    const addressed = uriUser(request.uri);
    if (options.instanceId && addressed?.startsWith('voice-') && addressed !== `voice-${options.instanceId}`) {
      // a load balancer or DNS sent the unit's call to the wrong instance; the unit retries its tnu
      options.rejected(
        'CALL_ON_OTHER_INSTANCE',
        peer,
        `INVITE for ${addressed}, this is voice-${options.instanceId}`,
        cid,
      );
      return buildResponse(request, 480);
    }
    const call = book.current(cid);
    if (!call) {
      options.rejected('CALL_NOT_EXPECTED', peer, 'no pending call for this controller', cid);
      return buildResponse(request, 480);
    }
    if (call.state === 'active') {
      options.rejected('CALL_BUSY', peer, 'the call is already active', cid);
      return buildResponse(request, 486);
    }
    const type = contentType(request);
    if (type !== 'application/sdp') {
      options.rejected('SDP_MALFORMED', peer, `Content-Type ${type ?? '(none)'}`, cid);
      return buildResponse(request, 400);
    }
    const offer = readOffer(request.body.toString('utf8'));
    if (!offer.ok) {
      options.rejected(offer.reason, peer, offer.detail, cid);
      return buildResponse(request, offer.reason === 'SDP_CODEC_UNSUPPORTED' ? 488 : 400);
    }
    const rtp = await RtpSession.open(options.rtpHost, options.rtpWrongSource);
    rtp.latch(offer.media);
    const connected = book.connect(cid, offer.media.codec, now());
    if (!connected) {
      // its window passed while the socket opened
      rtp.close();
      options.rejected('CALL_NOT_EXPECTED', peer, 'the call window passed', cid);
      return buildResponse(request, 480);
    }
    const localTag = newTag();
    const local = options.local();
    const port = peer.transport === 'udp' ? local.udpPort : local.tcpPort;
    const contact = `<sip:voice@${local.host}:${port};transport=${peer.transport === 'udp' ? 'udp' : 'tcp'}>`;
    const sdp = describeMedia({
      address: options.rtpHost,
      port: rtp.port,
      sessionId: randomInt(1, 2 ** 31),
      codecs: [{ codec: offer.media.codec, payloadType: offer.media.payloadType }],
      ...(offer.media.dtmfPayloadType === undefined ? {} : { dtmfPayloadType: offer.media.dtmfPayloadType }),
      ptimeMs: offer.media.ptimeMs,
    });
    const answer = buildResponse(request, 200, {
      body: sdp,
      contentType: 'application/sdp',
      toTag: localTag,
      extraHeaders: [`Contact: ${contact}`, 'Allow: INVITE, ACK, BYE, CANCEL, OPTIONS, MESSAGE'],
    });
    const from = headerValue(request, 'from') as string;
    const to = headerValue(request, 'to') as string;
    const dialog: Dialog = {
      callId: connected.call.callId,
      cid,
      sipCallId,
      localTag,
      remoteFrom: from,
      localTo: /;\s*tag=/i.test(to) ? to : `${to};tag=${localTag}`,
      remoteTarget: addressUri(headerValue(request, 'contact') ?? from),
      peer,
      send,
      cseq: randomInt(1, 10_000),
      rtp,
      answer,
      acked: false,
    };
    dialogs.set(sipCallId, dialog);
    byCall.set(dialog.callId, dialog);
    options.callEvent(connected.notice);
    if (peer.transport === 'udp') retransmitUntilAck(dialog, send);
    logger.info(
      { callId: dialog.callId, cid, codec: offer.media.codec, rtpPort: rtp.port, dtmf: offer.media.dtmfPayloadType },
      'voice call connected',
    );
    return answer;
  }

  /**
   * On UDP the 200 OK is resent (T1 doubling to T2, RFC 3261 §13.3.1.4) until the unit's ACK; a
   * unit that never ACKs within 64·T1 has no call: ended as failed, with a BYE.
   */
  function retransmitUntilAck(dialog: Dialog, send: (data: Buffer) => void): void {
    let interval = 500;
    let waited = 0;
    const again = () => {
      if (dialog.acked || !byCall.has(dialog.callId)) return;
      if (waited >= 32_000) {
        sendInDialog(dialog, 'BYE');
        ended(dialog, 'failed');
        return;
      }
      send(dialog.answer);
      waited += interval;
      interval = Math.min(interval * 2, 4000);
      setTimeout(again, interval).unref();
    };
    setTimeout(again, interval).unref();
  }

  function ack(request: SipRequest): void {
    const dialog = dialogs.get(headerValue(request, 'call-id') ?? '');
    if (dialog) dialog.acked = true;
  }

  function bye(request: SipRequest, peer: Peer): Buffer {
    const dialog = dialogs.get(headerValue(request, 'call-id') ?? '');
    if (!dialog) {
      options.rejected('CALL_UNKNOWN', peer, 'BYE outside a call');
      return buildResponse(request, 481);
    }
    ended(dialog, 'unit-hung-up');
    return buildResponse(request, 200);
  }

  function cancel(request: SipRequest, peer: Peer): Buffer {
    // the INVITE was answered at once, so a CANCEL finds nothing left to cancel (RFC 3261 §9.2)
    const dialog = dialogs.get(headerValue(request, 'call-id') ?? '');
    if (!dialog) {
      options.rejected('CALL_UNKNOWN', peer, 'CANCEL outside a call');
      return buildResponse(request, 481);
    }
    return buildResponse(request, 200);
  }

  /** A response to a request we sent: our call-back INVITE moves on; BYE/CANCEL answers are only logged. */
  function response(message: SipResponse): void {
    const sipCallId = headerValue(message, 'call-id') ?? '';
    const cseq = headerValue(message, 'cseq') ?? '';
    logger.debug({ sipCallId, status: message.status, cseq }, 'SIP response');
    if (!/^[0-9]+ INVITE$/i.test(cseq)) return;
    const out = dialing.get(sipCallId);
    if (out) {
      // a retransmitted answer to the INVITE before our digest answer (CSeq 1) was already handled
      if (Number.parseInt(cseq, 10) === out.cseq) dialResponse(out, message);
      return;
    }
    // a retransmitted 200 OK of a call-back already set up: ACK again (RFC 3261 §13.2.2.4)
    const dialog = dialogs.get(sipCallId);
    if (dialog && message.status >= 200 && message.status < 300 && dialog.acked) dialog.send(dialog.answer);
  }

  /**
   * Calls the unit back at its `crd`: the controller's pending call-back opens its RTP port and
   * INVITEs with PCMU, PCMA and telephone-event. UDP goes to the crd's host and port from our SIP
   * socket; TCP/TLS on the controller's own connection (units behind NAT accept nothing else).
   * False when there is nothing to call (no pending call-back, no SIP address, already dialing).
   */
  async function dial(cid: string, route: ControllerRoute): Promise<boolean> {
    const call = book.current(cid);
    if (call?.state !== 'pending' || call.direction !== 'receiver-calls-back' || call.unitUri === undefined)
      return false;
    if ([...dialing.values()].some((d) => d.callId === call.callId && !d.done)) return false;
    const uri = call.unitUri;
    const target = uriHostPort(uri);
    let send = route.send;
    if (route.peer.transport === 'udp') {
      const sendUdp = options.sendUdp;
      if (!target || !sendUdp) {
        const notice = book.end(call.callId, 'failed', now());
        if (notice) options.callEvent(notice);
        logger.warn({ callId: call.callId, cid, uri }, 'call-back impossible: no host in the unit’s crd');
        return false;
      }
      send = (data) => sendUdp(data, target.port, target.host);
    }
    const rtp = await RtpSession.open(options.rtpHost, options.rtpWrongSource);
    const local = options.local();
    const stream = route.peer.transport !== 'udp';
    const port = stream ? local.tcpPort : local.udpPort;
    const transport = stream ? 'tcp' : 'udp';
    const sipCallId = `${randomBytes(12).toString('hex')}@${local.host}`;
    const branch = `z9hG4bK${randomBytes(8).toString('hex')}`;
    const from = `<sip:voice@${local.host}:${port}>;tag=${newTag()}`;
    const to = `<${uri}>`;
    const sdp = describeMedia({
      address: options.rtpHost,
      port: rtp.port,
      sessionId: randomInt(1, 2 ** 31),
      codecs: [
        { codec: 'PCMU', payloadType: 0 },
        { codec: 'PCMA', payloadType: 8 },
      ],
      dtmfPayloadType: CALLBACK_DTMF_PT,
    });
    const build = (viaBranch: string, cseq: number, authorization?: string) =>
      buildRequest(
        'INVITE',
        uri,
        [
          `Via: SIP/2.0/${transport.toUpperCase()} ${local.host}:${port};branch=${viaBranch};rport`,
          'Max-Forwards: 70',
          `From: ${from}`,
          `To: ${to}`,
          `Call-ID: ${sipCallId}`,
          `CSeq: ${cseq} INVITE`,
          `Contact: <sip:voice@${local.host}:${port};transport=${transport}>`,
          'Allow: INVITE, ACK, BYE, CANCEL, OPTIONS, MESSAGE',
          ...(authorization ? [authorization] : []),
        ],
        sdp,
      );
    const invite = build(branch, 1);
    const out: Dialing = {
      callId: call.callId,
      cid,
      sipCallId,
      from,
      to,
      uri,
      branch,
      cseq: 1,
      build,
      invite,
      peer: route.peer,
      send,
      rtp,
      proceeding: false,
      authAnswered: false,
      cancelPending: false,
      done: false,
    };
    dialing.set(sipCallId, out);
    send(invite);
    logger.info({ callId: call.callId, cid, uri, transport, rtpPort: rtp.port }, 'calling the unit back');
    retransmitInvite(out);
    return true;
  }

  /** An accepted alarm named a sip: crd: the operator can call the unit back there later. */
  function rememberUnit(cid: string, uri: string, route: ControllerRoute): void {
    units.set(cid, { uri, route });
  }

  /**
   * The operator's "Ring upp": a new call-back of the alarm to the unit's last known SIP address,
   * offered (published) then dialled. Refused when the unit never named one or a call is on.
   */
  async function ringUp(
    cid: string,
    deviceId: string,
    alarmMessageId: string,
    known?: UnitAddress,
  ): Promise<{ ok: true; callId: string } | { ok: false; code: 'UNIT_NOT_CALLABLE' | 'CALL_BUSY' }> {
    const unit = units.get(cid) ?? unitOverUdp(known);
    if (!unit) return { ok: false, code: 'UNIT_NOT_CALLABLE' };
    const transport = unit.route.peer.transport;
    const notices = book.callBack(cid, deviceId, alarmMessageId, { uri: unit.uri, transport }, now());
    if (!notices) return { ok: false, code: 'CALL_BUSY' };
    for (const notice of notices) options.callEvent(notice);
    const offered = notices.at(-1) as CallNotice;
    await dial(cid, unit.route);
    return { ok: true, callId: offered.event.callId };
  }

  /**
   * A unit this process has not heard from (another instance took its alarm, or this one
   * restarted), named by the alarm center from the alarm's call: callable when its controller
   * spoke UDP, from our SIP socket to the crd's host and port. A unit on TCP/TLS is reached only on
   * its controller's own connection, which lives in the instance it connected to.
   */
  function unitOverUdp(known: UnitAddress | undefined): { uri: string; route: ControllerRoute } | undefined {
    if (known?.transport !== 'udp' || !options.sendUdp) return undefined;
    const target = uriHostPort(known.uri);
    if (!target) return undefined;
    const sendUdp = options.sendUdp;
    return {
      uri: known.uri,
      route: {
        peer: { transport: 'udp', address: target.host, port: target.port },
        send: (data) => sendUdp(data, target.port, target.host),
      },
    };
  }

  /** Timer A (on UDP the INVITE again at T1 doubling) until any response; Timer B gives up. */
  function retransmitInvite(out: Dialing): void {
    const started = now();
    let interval = 500;
    const again = () => {
      if (out.done || out.proceeding) return;
      if (now() - started >= INVITE_TIMEOUT_MS) {
        giveUp(out, 'CALLBACK_NO_ANSWER', 'no response to the INVITE', 408);
        return;
      }
      if (out.peer.transport === 'udp') out.send(out.invite);
      interval = Math.min(interval * 2, 4000);
      setTimeout(again, interval).unref();
    };
    setTimeout(again, interval).unref();
  }

  /** The call-back did not connect: the call ends as "no voice contact" (or failed) with the unit's status. */
  function giveUp(out: Dialing, reason: GatewayRejection, detail: string, sipStatus?: number): void {
    if (out.done) return;
    out.done = true;
    dialing.delete(out.sipCallId);
    out.rtp.close();
    options.rejected(reason, out.peer, detail, out.cid);
    const endReason: CallEndReason =
      reason === 'CALLBACK_REFUSED' || reason === 'CALLBACK_NO_ANSWER' ? 'no-voice-contact' : 'failed';
    const notice = book.end(out.callId, endReason, now(), sipStatus);
    if (notice) options.callEvent(notice);
    logger.info({ callId: out.callId, cid: out.cid, reason, sipStatus }, 'call-back ended without a call');
  }

  /** ACK for a non-2xx final response: same branch as the INVITE, their To (RFC 3261 §17.1.1.3). */
  function ackFailure(out: Dialing, message: SipResponse): void {
    const local = options.local();
    const stream = out.peer.transport !== 'udp';
    out.send(
      buildRequest('ACK', out.uri, [
        `Via: SIP/2.0/${stream ? 'TCP' : 'UDP'} ${local.host}:${stream ? local.tcpPort : local.udpPort};branch=${out.branch};rport`,
        'Max-Forwards: 70',
        `From: ${out.from}`,
        `To: ${headerValue(message, 'to') ?? out.to}`,
        `Call-ID: ${out.sipCallId}`,
        `CSeq: ${out.cseq} ACK`,
      ]),
    );
  }

  function dialResponse(out: Dialing, message: SipResponse): void {
    if (message.status < 200) {
      out.proceeding = true;
      if (out.cancelPending) sendCancel(out);
      if (message.status === 180) logger.info({ callId: out.callId, cid: out.cid }, 'call-back ringing at the unit');
      return;
    }
    if (message.status >= 300) {
      ackFailure(out, message);
      if (out.done) return; // our CANCEL's 487, or a retransmission
      if (message.status === 401 || message.status === 407) {
        if (answerChallenge(out, message)) return;
        giveUp(out, 'CALLBACK_AUTH_UNANSWERABLE', `challenged ${message.status}`, message.status);
        return;
      }
      giveUp(out, 'CALLBACK_REFUSED', `unit answered ${message.status}`, message.status);
      return;
    }
    answered(out, message);
  }

  /**
   * The unit's 401/407 to our INVITE: answered once with the controller's configured digest secret
   * (the controller id as username), as a new INVITE in the same call. False when there is no
   * secret, the challenge cannot be read, or it was already answered.
   */
  function answerChallenge(out: Dialing, message: SipResponse): boolean {
    const proxy = message.status === 407;
    const header = headerValue(message, proxy ? 'proxy-authenticate' : 'www-authenticate');
    const secret = options.callBackSecret?.(out.cid);
    if (out.authAnswered || !header || secret === undefined) return false;
    const authorization = digestAuthorization(header, { method: 'INVITE', uri: out.uri, username: out.cid, secret });
    if (!authorization) return false;
    out.authAnswered = true;
    out.cseq++;
    out.branch = `z9hG4bK${randomBytes(8).toString('hex')}`;
    out.proceeding = false;
    out.invite = out.build(
      out.branch,
      out.cseq,
      `${proxy ? 'Proxy-Authorization' : 'Authorization'}: ${authorization}`,
    );
    out.send(out.invite);
    retransmitInvite(out);
    logger.info({ callId: out.callId, cid: out.cid }, 'call-back challenged; answered with the controller secret');
    return true;
  }

  /** The unit answered (200 OK with its SDP): ACK, then the call is active as an inbound one would be. */
  function answered(out: Dialing, message: SipResponse): void {
    out.done = true;
    dialing.delete(out.sipCallId);
    const local = options.local();
    const stream = out.peer.transport !== 'udp';
    const remoteTo = headerValue(message, 'to') ?? out.to;
    const remoteTarget = addressUri(headerValue(message, 'contact') ?? out.uri);
    const ack = buildRequest('ACK', remoteTarget, [
      `Via: SIP/2.0/${stream ? 'TCP' : 'UDP'} ${local.host}:${stream ? local.tcpPort : local.udpPort};branch=z9hG4bK${randomBytes(8).toString('hex')};rport`,
      'Max-Forwards: 70',
      `From: ${out.from}`,
      `To: ${remoteTo}`,
      `Call-ID: ${out.sipCallId}`,
      `CSeq: ${out.cseq} ACK`,
    ]);
    out.send(ack);
    const dialog: Dialog = {
      callId: out.callId,
      cid: out.cid,
      sipCallId: out.sipCallId,
      localTag: /;\s*tag=([^;]+)/i.exec(out.from)?.[1] ?? '',
      remoteFrom: remoteTo,
      localTo: out.from,
      remoteTarget,
      peer: out.peer,
      send: out.send,
      cseq: 1,
      rtp: out.rtp,
      answer: ack,
      acked: true,
    };
    dialogs.set(out.sipCallId, dialog);
    byCall.set(out.callId, dialog);
    const sdp = contentTypeOf(message) === 'application/sdp' ? readOffer(message.body.toString('utf8')) : null;
    if (!sdp?.ok) {
      const reason = sdp && !sdp.ok ? sdp.reason : 'SDP_MALFORMED';
      options.rejected(
        'CALLBACK_ANSWER_UNUSABLE',
        out.peer,
        `${reason}: ${sdp && !sdp.ok ? sdp.detail : 'no SDP body'}`,
        out.cid,
      );
      sendInDialog(dialog, 'BYE');
      ended(dialog, 'failed');
      return;
    }
    out.rtp.latch(sdp.media);
    const connected = book.connect(out.cid, sdp.media.codec, now());
    if (!connected) {
      // the window passed (or the call ended) as the unit answered
      sendInDialog(dialog, 'BYE');
      forget(dialog);
      return;
    }
    options.callEvent(connected.notice);
    logger.info({ callId: out.callId, cid: out.cid, codec: sdp.media.codec }, 'call-back answered by the unit');
  }

  /**
   * A call-back still ringing when its call ended (the window passed, the operator hung up):
   * CANCEL it once the unit said it is trying; before that, retransmissions simply stop.
   */
  function abandon(callId: string): boolean {
    const out = [...dialing.values()].find((d) => d.callId === callId && !d.done);
    if (!out) return false;
    out.done = true;
    out.rtp.close();
    // RFC 3261 §9.1: no CANCEL before a provisional response; it goes out when one comes
    if (out.proceeding) sendCancel(out);
    else out.cancelPending = true;
    // the 487 (or a late 1xx/200) still needs an answer: keep the Call-ID known for a while
    setTimeout(() => dialing.delete(out.sipCallId), INVITE_TIMEOUT_MS).unref();
    logger.info({ callId, cid: out.cid, cancelled: out.proceeding }, 'call-back abandoned');
    return true;
  }

  function sendCancel(out: Dialing): void {
    out.cancelPending = false;
    const local = options.local();
    const stream = out.peer.transport !== 'udp';
    out.send(
      buildRequest('CANCEL', out.uri, [
        `Via: SIP/2.0/${stream ? 'TCP' : 'UDP'} ${local.host}:${stream ? local.tcpPort : local.udpPort};branch=${out.branch};rport`,
        'Max-Forwards: 70',
        `From: ${out.from}`,
        `To: ${out.to}`,
        `Call-ID: ${out.sipCallId}`,
        `CSeq: ${out.cseq} CANCEL`,
      ]),
    );
  }

  function sendInDialog(dialog: Dialog, method: string): void {
    const local = options.local();
    const viaTransport = dialog.peer.transport === 'udp' ? 'UDP' : 'TCP';
    const port = dialog.peer.transport === 'udp' ? local.udpPort : local.tcpPort;
    dialog.cseq++;
    const request = buildRequest(method, dialog.remoteTarget, [
      `Via: SIP/2.0/${viaTransport} ${local.host}:${port};branch=z9hG4bK${randomBytes(8).toString('hex')};rport`,
      'Max-Forwards: 70',
      `From: ${dialog.localTo}`,
      `To: ${dialog.remoteFrom}`,
      `Call-ID: ${dialog.sipCallId}`,
      `CSeq: ${dialog.cseq} ${method}`,
    ]);
    dialog.send(request);
  }

  /** Sends one control digit to the unit (RFC 4733). False when the call or DTMF is not there. */
  async function control(callId: string, digit: UnitDtmf): Promise<boolean> {
    const dialog = byCall.get(callId);
    if (!dialog) return false;
    const sent = await dialog.rtp.sendDtmf(digit);
    logger.info({ callId, digit, sent }, 'DTMF to the unit');
    return sent;
  }

  /** The operator hangs up: clear down (DTMF 0) so the unit stops its call, then BYE (CANCEL while ringing). */
  async function hangUp(callId: string): Promise<boolean> {
    if (abandon(callId)) {
      const notice = book.end(callId, 'operator-hung-up', now());
      if (notice) options.callEvent(notice);
      return true;
    }
    const dialog = byCall.get(callId);
    if (!dialog) return false;
    await dialog.rtp.sendDtmf(UNIT_DTMF.CLEAR_DOWN);
    if (!byCall.has(callId)) return true; // the unit hung up on the clear-down itself
    sendInDialog(dialog, 'BYE');
    ended(dialog, 'operator-hung-up');
    return true;
  }

  /** The call lost its media (the bridge worker died): BYE to the unit, ended as failed. */
  function fail(callId: string, detail: string): boolean {
    const dialog = byCall.get(callId);
    if (!dialog) return false;
    sendInDialog(dialog, 'BYE');
    logger.warn({ callId, cid: dialog.cid, detail }, 'voice call lost its bridge');
    ended(dialog, 'failed');
    return true;
  }

  return {
    invite,
    ack,
    fail,
    bye,
    cancel,
    response,
    dial,
    rememberUnit,
    ringUp,
    abandon,
    control,
    hangUp,
    /** The media of a connected call, for the bridge to the operator's browser. */
    call(callId: string): CallControl | undefined {
      const dialog = byCall.get(callId);
      return dialog ? { callId, cid: dialog.cid, rtp: dialog.rtp } : undefined;
    },
    /** Call-backs whose INVITE is out and not yet answered (for diagnostics and tests). */
    dialingCalls(): string[] {
      return [...dialing.values()].filter((d) => !d.done).map((d) => d.callId);
    },
    /** RTP figures of the connected calls, by call id. */
    rtpStats(): Record<string, RtpSessionStats> {
      const live = [...byCall.values()].map((d) => [d.callId, d.rtp.stats] as const);
      return { ...Object.fromEntries(endedStats), ...Object.fromEntries(live) };
    },
    close(): void {
      for (const out of dialing.values()) {
        out.done = true;
        out.rtp.close();
      }
      dialing.clear();
      for (const dialog of [...dialogs.values()]) forget(dialog);
    },
  };
}

function contentTypeOf(message: SipResponse): string | undefined {
  return headerValue(message, 'content-type')?.split(';')[0]?.trim().toLowerCase();
}

export type VoiceDialogs = ReturnType<typeof createVoiceDialogs>;
