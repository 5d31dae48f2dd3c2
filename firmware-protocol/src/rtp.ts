// RTP (RFC 3550) packets for the voice call, and RFC 4733 telephone-events (DTMF) to control the
// unit. Pure: bytes in, bytes out. Just the fixed header and what G.711 and DTMF need. Shared by
// the receiver's side (the gateway) and the unit's side (device-sim's simulated base unit).

export interface RtpPacket {
  payloadType: number;
  marker: boolean;
  sequence: number;
  timestamp: number;
  ssrc: number;
  payload: Buffer;
}

/** Parses one datagram as RTP version 2, or null (not RTP, or truncated). RTCP (PT 72-76) is null too. */
export function parseRtp(data: Buffer): RtpPacket | null {
  if (data.length < 12 || data[0] === undefined || data[0] >> 6 !== 2) return null;
  const first = data[0];
  const second = data[1] as number;
  const payloadType = second & 0x7f;
  if (payloadType >= 72 && payloadType <= 76) return null;
  const csrcCount = first & 0x0f;
  let offset = 12 + csrcCount * 4;
  if (first & 0x10) {
    // header extension: 16-bit profile, 16-bit length in 32-bit words
    if (data.length < offset + 4) return null;
    offset += 4 + data.readUInt16BE(offset + 2) * 4;
  }
  let end = data.length;
  if (first & 0x20) end -= data[data.length - 1] ?? 0; // padding
  if (offset > end) return null;
  return {
    payloadType,
    marker: (second & 0x80) !== 0,
    sequence: data.readUInt16BE(2),
    timestamp: data.readUInt32BE(4),
    ssrc: data.readUInt32BE(8),
    payload: data.subarray(offset, end),
  };
}

export function buildRtp(packet: RtpPacket): Buffer {
  const header = Buffer.alloc(12);
  header[0] = 0x80;
  header[1] = (packet.marker ? 0x80 : 0) | (packet.payloadType & 0x7f);
  header.writeUInt16BE(packet.sequence & 0xffff, 2);
  header.writeUInt32BE(packet.timestamp >>> 0, 4);
  header.writeUInt32BE(packet.ssrc >>> 0, 8);
  return Buffer.concat([header, packet.payload]);
}

const DTMF_EVENTS: Record<string, number> = {
  '0': 0,
  '1': 1,
  '2': 2,
  '3': 3,
  '4': 4,
  '5': 5,
  '6': 6,
  '7': 7,
  '8': 8,
  '9': 9,
  '*': 10,
  '#': 11,
};

export function dtmfEventCode(digit: string): number | undefined {
  return DTMF_EVENTS[digit];
}

export function dtmfDigit(event: number): string | undefined {
  return Object.keys(DTMF_EVENTS).find((digit) => DTMF_EVENTS[digit] === event);
}

/** One RFC 4733 event payload: event, end bit, volume (dBm0 below 0, 10 is usual), duration in samples. */
export function dtmfPayload(event: number, end: boolean, durationSamples: number, volume = 10): Buffer {
  const payload = Buffer.alloc(4);
  payload[0] = event;
  payload[1] = (end ? 0x80 : 0) | (volume & 0x3f);
  payload.writeUInt16BE(Math.min(durationSamples, 0xffff), 2);
  return payload;
}

export interface DtmfEvent {
  event: number;
  end: boolean;
  durationSamples: number;
}

export function parseDtmfPayload(payload: Buffer): DtmfEvent | null {
  if (payload.length < 4) return null;
  return {
    event: payload[0] as number,
    end: ((payload[1] as number) & 0x80) !== 0,
    durationSamples: payload.readUInt16BE(2),
  };
}

/**
 * The packets of one digit as RFC 4733 §2.5 sends them: all share the event's start timestamp,
 * the first has the marker bit, updates every ptime, and the final (end) packet is sent three
 * times for robustness. `durationMs` is how long the digit is "held" (the unit acts on it).
 */
export function dtmfPackets(
  digit: string,
  options: {
    payloadType: number;
    ssrc: number;
    sequence: number;
    timestamp: number;
    durationMs?: number;
    ptimeMs?: number;
  },
): RtpPacket[] | null {
  const event = dtmfEventCode(digit);
  if (event === undefined) return null;
  const ptime = options.ptimeMs ?? 20;
  const total = (options.durationMs ?? 100) * 8; // samples at 8 kHz
  const step = ptime * 8;
  const packets: RtpPacket[] = [];
  let sequence = options.sequence;
  const base = { payloadType: options.payloadType, ssrc: options.ssrc, timestamp: options.timestamp };
  for (let duration = step; duration < total; duration += step) {
    packets.push({
      ...base,
      marker: duration === step,
      sequence: sequence++,
      payload: dtmfPayload(event, false, duration),
    });
  }
  for (let i = 0; i < 3; i++) {
    packets.push({
      ...base,
      marker: packets.length === 0,
      sequence: sequence++,
      payload: dtmfPayload(event, true, total),
    });
  }
  return packets;
}
