// SDP offer/answer for the alarm's voice call (RFC 3264): take the unit's offer, pick G.711 (PCMU
// or PCMA, the codecs SCAIP units and browsers share, so no transcoding) and RFC 4733
// telephone-event, and build our answer. Pure. Parsing is sdp-transform's (the grammar the
// WebRTC world uses, kept by the mediasoup authors); the decisions are ours.

import sdpTransform from 'sdp-transform';

export type G711 = 'PCMU' | 'PCMA';

/** What we agreed with the unit: where its RTP comes from and goes to, and the payload types. */
export interface NegotiatedMedia {
  codec: G711;
  payloadType: number;
  /** RFC 4733 telephone-event payload type, when the unit offered it (DTMF needs it). */
  dtmfPayloadType?: number;
  remoteAddress: string;
  remotePort: number;
  /** Packet time in ms the unit asked for (20 unless it said otherwise). */
  ptimeMs: number;
}

export type OfferResult =
  | { ok: true; media: NegotiatedMedia }
  | { ok: false; reason: 'SDP_MALFORMED' | 'SDP_CODEC_UNSUPPORTED'; detail: string };

/** Largest SDP accepted; a G.711 offer is a few hundred bytes. */
export const MAX_SDP_BYTES = 4096;

const STATIC_TYPES: Record<number, G711> = { 0: 'PCMU', 8: 'PCMA' };
const IPV4 = /^(25[0-5]|2[0-4][0-9]|1?[0-9]?[0-9])(\.(25[0-5]|2[0-4][0-9]|1?[0-9]?[0-9])){3}$/;

/** Reads the unit's offer: one audio stream over RTP/AVP with PCMU or PCMA (PCMU preferred when both). */
export function readOffer(sdp: string): OfferResult {
  if (Buffer.byteLength(sdp) > MAX_SDP_BYTES) return { ok: false, reason: 'SDP_MALFORMED', detail: 'SDP too large' };
  if (!/^v=0\r?\n/.test(sdp)) return { ok: false, reason: 'SDP_MALFORMED', detail: 'no v=0 line first' };
  let session: sdpTransform.SessionDescription;
  try {
    session = sdpTransform.parse(sdp);
  } catch (err) {
    return { ok: false, reason: 'SDP_MALFORMED', detail: `unparseable: ${(err as Error).message}` };
  }
  const audio = (session.media ?? []).find((m) => m.type === 'audio' && m.port > 0);
  if (!audio) return { ok: false, reason: 'SDP_MALFORMED', detail: 'no audio stream' };
  if (!Number.isInteger(audio.port) || audio.port < 1 || audio.port > 65535) {
    return { ok: false, reason: 'SDP_MALFORMED', detail: 'audio port out of range' };
  }
  if (audio.protocol !== 'RTP/AVP') {
    return { ok: false, reason: 'SDP_CODEC_UNSUPPORTED', detail: `transport ${audio.protocol}, not RTP/AVP` };
  }
  const address = audio.connection?.ip ?? session.connection?.ip;
  if (address === undefined || !IPV4.test(address)) {
    return { ok: false, reason: 'SDP_MALFORMED', detail: 'no IPv4 connection address' };
  }
  const offered = String(audio.payloads ?? '')
    .split(/\s+/)
    .filter((p) => /^[0-9]{1,3}$/.test(p))
    .map(Number);
  if (offered.length === 0) return { ok: false, reason: 'SDP_MALFORMED', detail: 'no payload types' };
  const names = new Map<number, string>();
  for (const rtp of audio.rtp ?? []) names.set(rtp.payload, `${rtp.codec.toUpperCase()}/${rtp.rate ?? ''}`);
  const codecOf = (pt: number): G711 | undefined => {
    const name = names.get(pt);
    if (name === undefined) return STATIC_TYPES[pt];
    if (name === 'PCMU/8000') return 'PCMU';
    if (name === 'PCMA/8000') return 'PCMA';
    return undefined;
  };
  const choice =
    offered.find((pt) => codecOf(pt) === 'PCMU') ?? offered.find((pt) => codecOf(pt) === 'PCMA') ?? undefined;
  if (choice === undefined) {
    const list = offered.map((pt) => names.get(pt) ?? String(pt)).join(', ');
    return { ok: false, reason: 'SDP_CODEC_UNSUPPORTED', detail: `no PCMU/PCMA among ${list}` };
  }
  const dtmf = offered.find((pt) => names.get(pt) === 'TELEPHONE-EVENT/8000');
  const media: NegotiatedMedia = {
    codec: codecOf(choice) as G711,
    payloadType: choice,
    remoteAddress: address,
    remotePort: audio.port,
    ptimeMs: audio.ptime !== undefined && audio.ptime >= 10 && audio.ptime <= 60 ? audio.ptime : 20,
  };
  if (dtmf !== undefined) media.dtmfPayloadType = dtmf;
  return { ok: true, media };
}

/** Our SDP (an answer, or the offer of a call-back): one G.711 audio stream, telephone-event. */
export function describeMedia(options: {
  address: string;
  port: number;
  sessionId: number;
  codecs: { codec: G711; payloadType: number }[];
  dtmfPayloadType?: number;
  ptimeMs?: number;
}): string {
  const payloads = options.codecs.map((c) => c.payloadType);
  const rtp: { payload: number; codec: string; rate?: number }[] = options.codecs.map((c) => ({
    payload: c.payloadType,
    codec: c.codec,
    rate: 8000,
  }));
  const fmtp: { payload: number; config: string }[] = [];
  if (options.dtmfPayloadType !== undefined) {
    payloads.push(options.dtmfPayloadType);
    rtp.push({ payload: options.dtmfPayloadType, codec: 'telephone-event', rate: 8000 });
    fmtp.push({ payload: options.dtmfPayloadType, config: '0-16' });
  }
  return sdpTransform.write({
    version: 0,
    origin: {
      username: 'trygg',
      sessionId: options.sessionId,
      sessionVersion: 1,
      netType: 'IN',
      ipVer: 4,
      address: options.address,
    },
    name: 'trygg voice',
    connection: { version: 4, ip: options.address },
    timing: { start: 0, stop: 0 },
    media: [
      {
        type: 'audio',
        port: options.port,
        protocol: 'RTP/AVP',
        payloads: payloads.join(' '),
        rtp,
        fmtp,
        ptime: options.ptimeMs ?? 20,
        direction: 'sendrecv',
      },
    ],
  });
}
