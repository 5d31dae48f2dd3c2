// The simulated base unit's loudspeaker and microphone: a minimal SIP user agent over UDP that
// places the alarm's call to the address the platform gave it (the `voice_call` command), sends
// a recognisable generated tone (1 kHz, G.711 A-law, 20 ms packets) and records what it receives
// (packets, level, DTMF). DTMF 0 from the receiver clears down (BYE), as on a SCAIP unit; a BYE
// from the receiver ends the call. No npm SIP stack fits a plain Node UDP user agent (sip.js
// needs WebSocket, drachtio a server of its own, `sip` is unmaintained), and a unit needs four
// requests: INVITE, ACK, BYE and the 200 to a BYE.

import { randomBytes, randomInt } from 'node:crypto';
import dgram from 'node:dgram';
import {
  alawLevel,
  alawTone,
  buildRtp,
  dtmfDigit,
  parseDtmfPayload,
  parseRtp,
  UNIT_DTMF,
} from '@trygg/firmware-protocol';

export type UnitCallState = 'idle' | 'calling' | 'connected' | 'ended' | 'failed';

export interface UnitCallStats {
  state: UnitCallState;
  callId: string | null;
  /** RTP packets of the tone sent. */
  packetsSent: number;
  /** Audio packets received from the receiver (the operator's microphone). */
  packetsReceived: number;
  /** Loudest RMS level (0..1) of a received packet, and the last one. */
  peakLevel: number;
  lastLevel: number;
  dtmfReceived: string[];
  /** Who ended the call: the receiver's DTMF 0, its BYE, or the unit (stop()). */
  endedBy: 'clear-down' | 'receiver-bye' | 'unit' | null;
}

const PCMA = 8;
const DTMF = 101;
const TONE_HZ = 1000;
const SAMPLES = 160; // 20 ms at 8 kHz
/** A call nobody joined (no audio from the receiver) is given up after this, as units do. */
const UNANSWERED_MS = 180_000;

interface Dialog {
  callId: string;
  sipCallId: string;
  target: { host: string; port: number };
  requestUri: string;
  fromTag: string;
  /** The receiver's To (with its tag), once it answered. */
  to: string;
  cseq: number;
  media: { host: string; port: number } | null;
  /** Our To, with our tag, when the receiver called us (a call-back). */
  fromTagged?: string;
}

/** Where a `sip:user@host:port` URI points (port 5060 when absent). */
export function sipTarget(uri: string): { host: string; port: number } | null {
  const match = /^sip:[^@]+@([A-Za-z0-9.-]+)(?::([0-9]{1,5}))?$/.exec(uri);
  return match ? { host: match[1] as string, port: match[2] ? Number(match[2]) : 5060 } : null;
}

export class UnitVoice {
  readonly #host: string;
  readonly #user: string;
  #sip: dgram.Socket | null = null;
  #rtp: dgram.Socket | null = null;
  #dialog: Dialog | null = null;
  #tone: NodeJS.Timeout | null = null;
  #retransmit: NodeJS.Timeout | null = null;
  #sample = 0;
  #sequence = randomInt(0, 0xffff);
  readonly #ssrc = randomInt(1, 0xffffffff);
  #lastDtmf: string | null = null;
  #stats: UnitCallStats = UnitVoice.#fresh(null);

  /** `user` is the unit's SIP user (its device id); `host` the address its sockets bind and announce. */
  constructor(user: string, host = '127.0.0.1') {
    this.#user = user;
    this.#host = host;
  }

  static #fresh(callId: string | null): UnitCallStats {
    return {
      state: 'idle',
      callId,
      packetsSent: 0,
      packetsReceived: 0,
      peakLevel: 0,
      lastLevel: 0,
      dtmfReceived: [],
      endedBy: null,
    };
  }

  get stats(): UnitCallStats {
    return { ...this.#stats, dtmfReceived: [...this.#stats.dtmfReceived] };
  }

  /** Places the call to `uri`; false when a call is already up or the URI is not one we can call. */
  async call(uri: string, callId: string): Promise<boolean> {
    const target = sipTarget(uri);
    if (!target || this.#dialog) return false;
    await this.#open();
    this.#stats = { ...UnitVoice.#fresh(callId), state: 'calling' };
    this.#dialog = {
      callId,
      sipCallId: `${randomBytes(8).toString('hex')}@${this.#host}`,
      target,
      requestUri: uri,
      fromTag: randomBytes(4).toString('hex'),
      to: `<${uri}>`,
      cseq: 1,
      media: null,
    };
    const invite = this.#request('INVITE', this.#offer());
    // RFC 3261 timer A: resend the INVITE (T1 doubling) until a response, give up after 64·T1
    let interval = 500;
    let waited = 0;
    const again = () => {
      if (this.#stats.state !== 'calling') return;
      if (waited >= 32_000) {
        this.#finish('failed', null);
        return;
      }
      this.#send(invite);
      waited += interval;
      interval = Math.min(interval * 2, 4000);
      this.#retransmit = setTimeout(again, interval);
      this.#retransmit.unref();
    };
    again();
    return true;
  }

  /** Hangs up from the unit's side (BYE): the resident cancelled, or nobody joined in time. */
  hangUp(): void {
    if (this.#dialog && this.#stats.state === 'connected') this.#send(this.#request('BYE'));
    this.#finish('ended', 'unit');
  }

  /** Hangs up and closes the sockets. */
  async stop(): Promise<void> {
    this.hangUp();
    this.#sip?.close();
    this.#rtp?.close();
    this.#sip = null;
    this.#rtp = null;
  }

  async #open(): Promise<void> {
    if (this.#sip && this.#rtp) return;
    const bind = (socket: dgram.Socket) =>
      new Promise<void>((resolve, reject) => {
        socket.once('error', reject);
        socket.bind(0, this.#host, () => {
          socket.off('error', reject);
          // an ICMP unreachable on a send must not end the process
          socket.on('error', () => {});
          resolve();
        });
      });
    this.#sip = dgram.createSocket('udp4');
    this.#rtp = dgram.createSocket('udp4');
    await Promise.all([bind(this.#sip), bind(this.#rtp)]);
    this.#sip.on('message', (data, rinfo) => this.#onSip(data.toString('utf8'), rinfo));
    this.#rtp.on('message', (data, rinfo) => this.#onRtp(data, rinfo.address, rinfo.port));
  }

  #offer(): string {
    const port = this.#rtp?.address().port ?? 0;
    return [
      'v=0',
      `o=${this.#user} ${randomInt(1, 2 ** 31)} 1 IN IP4 ${this.#host}`,
      's=trygg sim unit',
      `c=IN IP4 ${this.#host}`,
      't=0 0',
      `m=audio ${port} RTP/AVP ${PCMA} ${DTMF}`,
      `a=rtpmap:${PCMA} PCMA/8000`,
      `a=rtpmap:${DTMF} telephone-event/8000`,
      `a=fmtp:${DTMF} 0-15`,
      'a=ptime:20',
      'a=sendrecv',
      '',
    ].join('\r\n');
  }

  #request(method: 'INVITE' | 'ACK' | 'BYE', body = ''): Buffer {
    const dialog = this.#dialog as Dialog;
    const port = this.#sip?.address().port ?? 0;
    // ACK for a 2xx is a request of its own with a new branch but the INVITE's CSeq number
    if (method === 'BYE') dialog.cseq++;
    const lines = [
      `${method} ${dialog.requestUri} SIP/2.0`,
      `Via: SIP/2.0/UDP ${this.#host}:${port};branch=z9hG4bK${randomBytes(8).toString('hex')};rport`,
      'Max-Forwards: 70',
      `From: <sip:${this.#user}@${this.#host}:${port}>;tag=${dialog.fromTag}`,
      `To: ${dialog.to}`,
      `Call-ID: ${dialog.sipCallId}`,
      `CSeq: ${dialog.cseq} ${method}`,
      `Contact: <sip:${this.#user}@${this.#host}:${port}>`,
      'User-Agent: trygg-device-sim',
      ...(body ? ['Content-Type: application/sdp'] : []),
      `Content-Length: ${Buffer.byteLength(body)}`,
    ];
    return Buffer.from(`${lines.join('\r\n')}\r\n\r\n${body}`);
  }

  #send(data: Buffer): void {
    const dialog = this.#dialog;
    if (dialog && this.#sip) this.#sip.send(data, dialog.target.port, dialog.target.host);
  }

  /**
   * Waits for the receiver's call (a call-back): returns the SIP address to call the unit at.
   * The unit answers at once, as SCAIP units do when the receiver calls back.
   */
  async listen(): Promise<string> {
    await this.#open();
    return `sip:${this.#user}@${this.#host}:${this.#sip?.address().port}`;
  }

  #onSip(text: string, from: { address: string; port: number }): void {
    const dialog = this.#dialog;
    const [head = '', body = ''] = text.split('\r\n\r\n');
    const header = (name: string) => new RegExp(`^${name}:\\s*(.+)$`, 'im').exec(head)?.[1]?.trim();
    if (/^INVITE /.test(head)) {
      this.#answer(head, body, header, from);
      return;
    }
    if (/^ACK /.test(head)) return;
    if (!dialog || header('Call-ID') !== dialog.sipCallId) return;
    const status = /^SIP\/2\.0 ([0-9]{3})/.exec(head)?.[1];
    if (status !== undefined) {
      const code = Number(status);
      if (!/INVITE$/.test(header('CSeq') ?? '') || code < 200) return;
      if (this.#retransmit) clearTimeout(this.#retransmit);
      if (code >= 300) {
        this.#finish('failed', null);
        return;
      }
      dialog.to = header('To') ?? dialog.to;
      this.#send(this.#request('ACK')); // also to each retransmitted 200 OK
      if (this.#stats.state !== 'calling') return;
      const host = /^c=IN IP4 ([0-9.]+)/m.exec(body)?.[1];
      const port = /^m=audio ([0-9]+)/m.exec(body)?.[1];
      if (!host || !port) {
        this.#finish('failed', null);
        return;
      }
      dialog.media = { host, port: Number(port) };
      this.#stats.state = 'connected';
      this.#startTone();
      return;
    }
    if (/^BYE /.test(head)) {
      const keep = head.split('\r\n').filter((l) => /^(via|from|to|call-id|cseq):/i.test(l));
      this.#send(Buffer.from(`SIP/2.0 200 OK\r\n${keep.join('\r\n')}\r\nContent-Length: 0\r\n\r\n`));
      this.#finish('ended', 'receiver-bye');
    }
  }

  /** An INVITE to the unit: answered 200 with our SDP (PCMA), 486 while a call is up, 488 without PCMA. */
  #answer(
    head: string,
    body: string,
    header: (name: string) => string | undefined,
    from: { address: string; port: number },
  ): void {
    const sipCallId = header('Call-ID') ?? '';
    const keep = head
      .split('\r\n')
      .filter((l) => /^(via|from|call-id|cseq):/i.test(l))
      .join('\r\n');
    const reply = (status: string, to: string, extra = '', sdp = '') => {
      const type = sdp ? 'Content-Type: application/sdp\r\n' : '';
      const text = `SIP/2.0 ${status}\r\n${keep}\r\nTo: ${to}\r\n${extra}${type}Content-Length: ${Buffer.byteLength(sdp)}\r\n\r\n${sdp}`;
      this.#sip?.send(text, from.port, from.address);
    };
    const current = this.#dialog;
    if (current && current.sipCallId === sipCallId) {
      reply('200 OK', current.fromTagged ?? '', '', this.#offer()); // a retransmitted INVITE
      return;
    }
    const to = header('To') ?? '';
    if (current) {
      reply('486 Busy Here', to);
      return;
    }
    const host = /^c=IN IP4 ([0-9.]+)/m.exec(body)?.[1];
    const media = /^m=audio ([0-9]+) RTP\/AVP ([0-9 ]+)/m.exec(body);
    if (!host || !media || !(media[2] as string).split(' ').includes(String(PCMA))) {
      reply('488 Not Acceptable Here', to);
      return;
    }
    const tag = randomBytes(4).toString('hex');
    const contact = /<([^>]+)>/.exec(header('Contact') ?? header('From') ?? '')?.[1] ?? '';
    const port = this.#sip?.address().port ?? 0;
    this.#dialog = {
      callId: sipCallId,
      sipCallId,
      target: { host: from.address, port: from.port },
      requestUri: contact,
      fromTag: tag,
      to: header('From') ?? '',
      cseq: 1,
      media: { host, port: Number(media[1]) },
      fromTagged: `${to};tag=${tag}`,
    };
    this.#stats = { ...UnitVoice.#fresh(sipCallId), state: 'connected' };
    reply('200 OK', `${to};tag=${tag}`, `Contact: <sip:${this.#user}@${this.#host}:${port}>\r\n`, this.#offer());
    this.#startTone();
  }

  #startTone(): void {
    const connectedAt = Date.now();
    this.#tone = setInterval(() => {
      const media = this.#dialog?.media;
      if (!media || !this.#rtp) return;
      if (this.#stats.packetsReceived === 0 && Date.now() - connectedAt > UNANSWERED_MS) {
        this.hangUp();
        return;
      }
      const payload = alawTone(TONE_HZ, this.#sample, SAMPLES);
      const packet = buildRtp({
        payloadType: PCMA,
        marker: this.#stats.packetsSent === 0,
        sequence: this.#sequence++ & 0xffff,
        timestamp: this.#sample >>> 0,
        ssrc: this.#ssrc,
        payload,
      });
      this.#sample += SAMPLES;
      this.#stats.packetsSent++;
      this.#rtp.send(packet, media.port, media.host);
    }, 20);
    this.#tone.unref();
  }

  #onRtp(data: Buffer, address: string, _port: number): void {
    const media = this.#dialog?.media;
    if (!media || address !== media.host || this.#stats.state !== 'connected') return;
    const packet = parseRtp(data);
    if (!packet) return;
    if (packet.payloadType === DTMF) {
      const event = parseDtmfPayload(packet.payload);
      const key = event ? `${packet.timestamp}:${event.event}` : null;
      if (!event?.end || key === this.#lastDtmf) return; // the end packet comes three times
      this.#lastDtmf = key;
      const digit = dtmfDigit(event.event);
      if (digit === undefined) return;
      this.#stats.dtmfReceived.push(digit);
      if (digit === UNIT_DTMF.CLEAR_DOWN) {
        this.#send(this.#request('BYE'));
        this.#finish('ended', 'clear-down');
      }
      return;
    }
    if (packet.payloadType !== PCMA) return;
    this.#stats.packetsReceived++;
    const level = alawLevel(packet.payload);
    this.#stats.lastLevel = level;
    this.#stats.peakLevel = Math.max(this.#stats.peakLevel, level);
  }

  #finish(state: 'ended' | 'failed', by: UnitCallStats['endedBy']): void {
    if (this.#tone) clearInterval(this.#tone);
    if (this.#retransmit) clearTimeout(this.#retransmit);
    this.#tone = null;
    if (this.#stats.state === 'calling' || this.#stats.state === 'connected') {
      this.#stats.state = state;
      this.#stats.endedBy = by;
    }
    this.#dialog = null;
  }
}
