// The alarm's voice call as SIP dialogs: the unit's INVITE (after its alarm, within the call's
// window) is answered with our SDP and an RTP port; ACK, BYE either side, CANCEL. The receiver
// answers at once (200 OK) and holds the call until an operator joins it: units give up on an
// INVITE left ringing, and the call is "ringing" at the console, not at the unit. Authentication
// and the controller check happen in the handler, as for MESSAGE.

import { randomBytes, randomInt } from 'node:crypto';
import type { CallEndReason, UnitDtmf } from '@trygg/firmware-protocol';
import { UNIT_DTMF } from '@trygg/firmware-protocol';
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
}

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

  /** A response to a request we sent (BYE): nothing depends on it but the log. */
  function response(message: SipResponse): void {
    const sipCallId = headerValue(message, 'call-id');
    logger.debug({ sipCallId, status: message.status, cseq: headerValue(message, 'cseq') }, 'SIP response');
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

  /** The operator hangs up: clear down (DTMF 0) so the unit stops its call, then BYE. */
  async function hangUp(callId: string): Promise<boolean> {
    const dialog = byCall.get(callId);
    if (!dialog) return false;
    await dialog.rtp.sendDtmf(UNIT_DTMF.CLEAR_DOWN);
    if (!byCall.has(callId)) return true; // the unit hung up on the clear-down itself
    sendInDialog(dialog, 'BYE');
    ended(dialog, 'operator-hung-up');
    return true;
  }

  return {
    invite,
    ack,
    bye,
    cancel,
    response,
    control,
    hangUp,
    /** The media of a connected call, for the bridge to the operator's browser. */
    call(callId: string): CallControl | undefined {
      const dialog = byCall.get(callId);
      return dialog ? { callId, cid: dialog.cid, rtp: dialog.rtp } : undefined;
    },
    /** RTP figures of the connected calls, by call id. */
    rtpStats(): Record<string, RtpSessionStats> {
      const live = [...byCall.values()].map((d) => [d.callId, d.rtp.stats] as const);
      return { ...Object.fromEntries(endedStats), ...Object.fromEntries(live) };
    },
    close(): void {
      for (const dialog of [...dialogs.values()]) forget(dialog);
    },
  };
}

export type VoiceDialogs = ReturnType<typeof createVoiceDialogs>;
