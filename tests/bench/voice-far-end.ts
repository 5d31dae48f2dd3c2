// The far ends of the voice bridge benchmark, in a process of its own so that the bench's
// alarm center and load do not delay them: units (plain UDP: SIP MESSAGE + INVITE, A-law RTP every
// 20 ms) and the operators' browsers (werift peers joining through the bridge API). Each packet
// carries an id in its first four bytes; delays are measured on this process's clock.
// Driven over IPC by voice-bridge.bench.ts (the JSON of FarEndData is its argument).

import dgram from 'node:dgram';
import { buildRtp, parseRtp, scaipDeviceId } from '@trygg/firmware-protocol';
import { headerValue, parseSipResponse, type SipResponse } from '@trygg/gateway';
import pg from 'pg';
import { MediaStreamTrack, RTCPeerConnection, RTCRtpCodecParameters, RtpHeader, RtpPacket } from 'werift';

export interface FarEndData {
  sipPort: number;
  bridgePort: number;
  token: string;
  databaseUrl: string;
}

/** Bench -> far end. */
export type FarEndCommand = { type: 'connect'; cids: string[] } | { type: 'talk'; seconds: number } | { type: 'close' };
/** Far end -> bench, one answer per command. */
export type FarEndReply =
  | { type: 'connected'; calls: number }
  | { type: 'talked'; toBrowser: number[]; toUnit: number[]; sent: number }
  | { type: 'closed' }
  | { type: 'failed'; error: string };

const PCMA = 8;
const DTMF = 101;

/** A social alarm unit: SIP over one UDP socket, G.711 A-law RTP over another. */
class Unit {
  readonly sip = dgram.createSocket('udp4');
  readonly rtp = dgram.createSocket('udp4');
  readonly #waiting = new Map<string, (response: SipResponse) => void>();
  #remoteRtpPort = 0;
  #sequence = 0;
  #timestamp = 0;
  readonly ssrc = Math.floor(Math.random() * 0xffffffff);
  /** Delays (ms) of browser -> unit packets, measured by the peer's ids. */
  readonly backDelays: number[] = [];
  received = 0;
  constructor(
    readonly cid: string,
    readonly gatewayPort: number,
    /** Packet id -> when it left, one map per direction shared by all calls. */
    readonly peerSentAt: Map<number, number>,
    readonly unitSentAt: Map<number, number>,
  ) {}

  async open(): Promise<void> {
    await Promise.all([
      new Promise<void>((resolve) => this.sip.bind(0, '127.0.0.1', resolve)),
      new Promise<void>((resolve) => this.rtp.bind(0, '127.0.0.1', resolve)),
    ]);
    this.sip.on('message', (data) => {
      const text = data.toString('latin1');
      if (!text.startsWith('SIP/2.0 ')) {
        // a request from the gateway (BYE): answer 200 with its own headers
        const head = text.split('\r\n\r\n')[0] as string;
        const keep = head.split('\r\n').filter((l) => /^(via|from|to|call-id|cseq):/i.test(l));
        this.sip.send(`SIP/2.0 200 OK\r\n${keep.join('\r\n')}\r\nContent-Length: 0\r\n\r\n`, this.gatewayPort);
        return;
      }
      const response = parseSipResponse(data);
      if (!response || response.status < 200) return;
      const key = `${headerValue(response, 'call-id')} ${headerValue(response, 'cseq')}`;
      this.#waiting.get(key)?.(response);
      this.#waiting.delete(key);
    });
    this.rtp.on('message', (data) => {
      const packet = parseRtp(data);
      if (!packet || packet.payload.length < 4) return;
      this.received++;
      const sent = this.peerSentAt.get(packet.payload.readUInt32BE(0));
      if (sent !== undefined) this.backDelays.push(performance.now() - sent);
    });
  }

  request(method: string, callId: string, cseq: number, extra: string[], body = '', type = ''): Promise<SipResponse> {
    const local = this.sip.address().port;
    const uri = `sip:voice@127.0.0.1:${this.gatewayPort}`;
    const lines = [
      `${method} ${uri} SIP/2.0`,
      `Via: SIP/2.0/UDP 127.0.0.1:${local};branch=z9hG4bK${callId}${cseq}${method}`,
      `From: <sip:${this.cid}@127.0.0.1:${local}>;tag=u${this.cid}`,
      `To: <${uri}>${extra.find((h) => h.startsWith('To-tag:'))?.slice(7) ?? ''}`,
      `Call-ID: ${callId}`,
      `CSeq: ${cseq} ${method}`,
      'Max-Forwards: 70',
      `Contact: <sip:${this.cid}@127.0.0.1:${local}>`,
      ...extra.filter((h) => !h.startsWith('To-tag:')),
      ...(type ? [`Content-Type: ${type}`] : []),
      `Content-Length: ${Buffer.byteLength(body)}`,
      '',
      body,
    ];
    if (method === 'ACK') {
      this.sip.send(lines.join('\r\n'), this.gatewayPort, '127.0.0.1');
      return Promise.resolve({ status: 0, headers: [], body: Buffer.alloc(0) });
    }
    const answered = new Promise<SipResponse>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${method} unanswered`)), 10_000);
      this.#waiting.set(`${callId} ${cseq} ${method}`, (r) => {
        clearTimeout(timer);
        resolve(r);
      });
    });
    this.sip.send(lines.join('\r\n'), this.gatewayPort, '127.0.0.1');
    return answered;
  }

  /** The alarm (SCAIP ME with `crd`), then the call to the `tnu` it was given. */
  async call(ref: string): Promise<void> {
    const mrq = `<?xml version="1.0" encoding="UTF-8"?><mrq><ref>${ref}</ref><cid>${this.cid}</cid><mty>ME</mty><dty>0003</dty><did>1</did><stc>0010</stc><pri>1</pri><crd>sip:${this.cid}@127.0.0.1</crd></mrq>`;
    const mrs = await this.request('MESSAGE', `m-${ref}`, 1, [], mrq, 'application/scaip+xml');
    if (!/<snu>0<\/snu>/.test(mrs.body.toString())) throw new Error(`alarm refused: ${mrs.body}`);
    const sdp = [
      'v=0',
      `o=unit 1 1 IN IP4 127.0.0.1`,
      's=unit',
      'c=IN IP4 127.0.0.1',
      't=0 0',
      `m=audio ${this.rtp.address().port} RTP/AVP ${PCMA} ${DTMF}`,
      `a=rtpmap:${PCMA} PCMA/8000`,
      `a=rtpmap:${DTMF} telephone-event/8000`,
      'a=ptime:20',
      'a=sendrecv',
      '',
    ].join('\r\n');
    const callId = `c-${ref}`;
    const ok = await this.request('INVITE', callId, 1, [], sdp, 'application/sdp');
    if (ok.status !== 200) throw new Error(`INVITE answered ${ok.status}`);
    const toTag = /;\s*tag=([^;\s]+)/.exec(headerValue(ok, 'to') ?? '')?.[1] ?? '';
    this.#remoteRtpPort = Number(/m=audio (\d+)/.exec(ok.body.toString())?.[1]);
    await this.request('ACK', callId, 1, [`To-tag:;tag=${toTag}`]);
  }

  /** One 20 ms A-law packet; its first four bytes carry an id for the far end's clock. */
  sendPacket(id: number): void {
    const payload = Buffer.alloc(160, 0xd5);
    payload.writeUInt32BE(id, 0);
    this.unitSentAt.set(id, performance.now());
    this.#timestamp = (this.#timestamp + 160) >>> 0;
    this.rtp.send(
      buildRtp({
        payloadType: PCMA,
        marker: false,
        sequence: this.#sequence++,
        timestamp: this.#timestamp,
        ssrc: this.ssrc,
        payload,
      }),
      this.#remoteRtpPort,
      '127.0.0.1',
    );
  }

  close(): void {
    this.sip.close();
    this.rtp.close();
  }
}

/** The operator's browser: a werift peer that joins through the bridge API and talks back. */
class Operator {
  readonly pc = new RTCPeerConnection({
    codecs: {
      audio: [new RTCRtpCodecParameters({ mimeType: 'audio/PCMA', clockRate: 8000, channels: 1, payloadType: PCMA })],
    },
    iceUseIpv6: false,
    iceAdditionalHostAddresses: ['127.0.0.1'],
  });
  readonly track = new MediaStreamTrack({ kind: 'audio' });
  readonly transceiver = this.pc.addTransceiver(this.track, { direction: 'sendrecv' });
  /** Delays (ms) of unit -> browser packets. */
  readonly delays: number[] = [];
  received = 0;
  #sequence = 0;

  constructor(readonly unitSentAt: Map<number, number>) {
    this.transceiver.onTrack.subscribe((track) =>
      track.onReceiveRtp.subscribe((rtp) => {
        this.received++;
        if (rtp.payload.length < 4) return;
        const sent = this.unitSentAt.get(rtp.payload.readUInt32BE(0));
        if (sent !== undefined) this.delays.push(performance.now() - sent);
      }),
    );
  }

  async join(bridgePort: number, token: string, callId: string): Promise<void> {
    await this.pc.setLocalDescription(await this.pc.createOffer());
    if (this.pc.iceGatheringState !== 'complete') {
      await new Promise<void>((resolve) => {
        const { unSubscribe } = this.pc.iceGatheringStateChange.subscribe((state) => {
          if (state === 'complete') {
            unSubscribe();
            resolve();
          }
        });
      });
    }
    const res = await fetch(`http://127.0.0.1:${bridgePort}/calls/${callId}/join`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ sdp: this.pc.localDescription?.sdp, by: 'bench-operator' }),
    });
    if (res.status !== 200) throw new Error(`join answered ${res.status}: ${await res.text()}`);
    const { sdp } = (await res.json()) as { sdp: string };
    const connected = new Promise<void>((resolve) => {
      const { unSubscribe } = this.pc.connectionStateChange.subscribe((state) => {
        if (state === 'connected') {
          unSubscribe();
          resolve();
        }
      });
    });
    await this.pc.setRemoteDescription({ type: 'answer', sdp });
    await connected;
  }

  sendPacket(id: number, sentAt: Map<number, number>): void {
    const payload = Buffer.alloc(160, 0xd5);
    payload.writeUInt32BE(id, 0);
    sentAt.set(id, performance.now());
    const header = new RtpHeader({
      payloadType: PCMA,
      sequenceNumber: this.#sequence++ & 0xffff,
      timestamp: (this.#sequence * 160) >>> 0,
      ssrc: this.transceiver.sender.ssrc,
    });
    this.track.writeRtp(new RtpPacket(header, payload));
  }
}

const data = JSON.parse(process.argv[2] as string) as FarEndData;
const pool = new pg.Pool({ connectionString: data.databaseUrl, max: 1 });
const units: Unit[] = [];
const operators: Operator[] = [];
const peerSentAt = new Map<number, number>();
const unitSentAt = new Map<number, number>();
let nextId = 1;

/** The call the alarm center has as ringing for the unit (the gateway published it). */
async function ringingCall(cid: string): Promise<string> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const { rows } = await pool.query<{ call_id: string }>(
      `SELECT call_id FROM voice_calls WHERE device_id = $1 AND state = 'ringing'`,
      [scaipDeviceId(cid, '1')],
    );
    if (rows[0]) return rows[0].call_id;
    if (Date.now() > deadline) throw new Error(`no ringing call for ${cid}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function connect(cid: string): Promise<void> {
  const unit = new Unit(cid, data.sipPort, peerSentAt, unitSentAt);
  await unit.open();
  units.push(unit);
  await unit.call(`V${cid}`);
  const operator = new Operator(unitSentAt);
  await operator.join(data.bridgePort, data.token, await ringingCall(unit.cid));
  operators.push(operator);
}

/** Every call sends a packet each way every 20 ms for `seconds`; returns the delays measured. */
async function talk(seconds: number): Promise<FarEndReply> {
  for (const o of operators) o.delays.length = 0;
  for (const u of units) u.backDelays.length = 0;
  let sent = 0;
  const timer = setInterval(() => {
    for (let i = 0; i < operators.length; i++) {
      (units[i] as Unit).sendPacket(nextId++);
      (operators[i] as Operator).sendPacket(nextId++, peerSentAt);
      sent++;
    }
  }, 20);
  await new Promise((r) => setTimeout(r, seconds * 1000));
  clearInterval(timer);
  // late packets still count (as delay); lost ones are the difference to `sent`
  await new Promise((r) => setTimeout(r, 2000));
  peerSentAt.clear();
  unitSentAt.clear();
  return {
    type: 'talked',
    toBrowser: operators.flatMap((o) => o.delays),
    toUnit: units.flatMap((u) => u.backDelays),
    sent,
  };
}

process.on('message', (command: FarEndCommand) => {
  void (async (): Promise<FarEndReply> => {
    switch (command.type) {
      case 'connect':
        for (const cid of command.cids) await connect(cid);
        return { type: 'connected', calls: operators.length };
      case 'talk':
        return talk(command.seconds);
      case 'close':
        for (const o of operators) await o.pc.close();
        for (const u of units) u.close();
        await pool.end();
        setImmediate(() => process.exit(0));
        return { type: 'closed' };
    }
  })().then(
    (reply) => process.send?.(reply),
    (err: unknown) => process.send?.({ type: 'failed', error: (err as Error).stack ?? String(err) }),
  );
});
