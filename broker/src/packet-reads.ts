// The two packets of every message, decoded whole. aedes 1.2.0 (pinned) reads a connection through
// mqtt-packet's parser, which appends every read to a buffer list and takes each packet apart
// field by field in four states (a dozen `debug` calls each). In front of it, this frames the
// bytes itself (fixed header and remaining length) and decodes a complete MQTT 3.1/3.1.1 PUBLISH
// or PUBACK directly into the object mqtt-packet would emit, on the same parser, so aedes' own
// listeners receive it. Every other packet, anything malformed, any packet after an MQTT 5 CONNECT
// and any large packet still arriving goes to mqtt-packet's parser whole, which decides as before
// (including its errors, which end the connection).

import type { Client } from 'aedes';

/** What of aedes 1.2.0's client this uses: its mqtt-packet parser. */
interface ParserInternals {
  parse(buf: Buffer): number;
  emit(event: 'packet', packet: object): boolean;
  error: Error | null;
  settings: { protocolVersion?: number };
}

const PUBLISH = 3;
const PUBACK = 4;
/** A packet still arriving is held here up to this size; a larger one streams into mqtt-packet. */
const HOLD_MAX = 4096;

export interface DecodedPublish {
  cmd: 'publish';
  retain: boolean;
  qos: 0 | 1 | 2;
  dup: boolean;
  length: number;
  topic: string;
  payload: Buffer;
  messageId?: number;
}

/**
 * The fixed header at `pos`: [remaining length, header bytes], or null while incomplete,
 * or [-1, 0] when its remaining length is not a valid variable byte integer.
 */
function fixedHeader(buf: Buffer, pos: number): [number, number] | null {
  let value = 0;
  let mul = 1;
  for (let i = 1; i <= 4; i++) {
    if (pos + i >= buf.length) return null;
    const byte = buf[pos + i]!;
    value += (byte & 0x7f) * mul;
    if ((byte & 0x80) === 0) return [value, 1 + i];
    mul *= 128;
  }
  return [-1, 0];
}

/** A whole MQTT 3.1.1 PUBLISH frame as mqtt-packet emits it, or null for mqtt-packet to judge. */
export function decodePublish(buf: Buffer, start: number, headerBytes: number, length: number): DecodedPublish | null {
  const first = buf[start]!;
  const qos = (first >> 1) & 0x03;
  if (qos === 3) return null;
  const body = start + headerBytes;
  const end = body + length;
  if (length < 2) return null;
  const topicLength = (buf[body]! << 8) | buf[body + 1]!;
  const topicEnd = body + 2 + topicLength;
  const payloadStart = topicEnd + (qos > 0 ? 2 : 0);
  if (payloadStart > end) return null;
  const packet: DecodedPublish = {
    cmd: 'publish',
    retain: (first & 0x01) !== 0,
    qos: qos as 0 | 1 | 2,
    dup: (first & 0x08) !== 0,
    length,
    topic: buf.toString('utf8', body + 2, topicEnd),
    payload: buf.subarray(payloadStart, end),
  };
  if (qos > 0) packet.messageId = (buf[topicEnd]! << 8) | buf[topicEnd + 1]!;
  return packet;
}

/** Puts the fast framing in front of the client's mqtt-packet parser. */
export function decodeWhole(client: Client): void {
  const parser = (client as unknown as { _parser: ParserInternals })._parser;
  const generic = parser.parse.bind(parser);
  /** The start of a small packet still arriving. */
  let held: Buffer | null = null;
  /** Bytes of a packet mqtt-packet has begun that it is still owed. */
  let owed = 0;

  /** Bytes handed in while a packet of the previous ones was being handled (aedes may read then). */
  let later: Buffer[] | null = null;
  let parsing = false;

  parser.parse = function parseWhole(chunk: Buffer): number {
    if (parsing) {
      later ??= [];
      later.push(chunk);
      return 0;
    }
    parsing = true;
    try {
      frame(chunk);
      while (later) {
        const next = later;
        later = null;
        for (const buf of next) frame(buf);
      }
    } finally {
      parsing = false;
    }
    return held?.length ?? 0;
  };

  function frame(chunk: Buffer): void {
    let buf = chunk;
    if (owed > 0) {
      const n = Math.min(owed, buf.length);
      generic(buf.subarray(0, n));
      owed -= n;
      if (parser.error) return;
      buf = buf.subarray(n);
    } else if (held) {
      buf = Buffer.concat([held, buf]);
      held = null;
    }
    let pos = 0;
    while (pos < buf.length) {
      const header = fixedHeader(buf, pos);
      if (header === null) {
        held = buf.subarray(pos);
        return;
      }
      const [length, headerBytes] = header;
      if (length < 0) {
        generic(buf.subarray(pos)); // mqtt-packet refuses the length itself
        return;
      }
      const end = pos + headerBytes + length;
      if (end > buf.length) {
        if (end - pos <= HOLD_MAX) {
          held = buf.subarray(pos);
          return;
        }
        owed = end - buf.length;
        generic(buf.subarray(pos));
        return;
      }
      const type = buf[pos]! >> 4;
      const v5 = parser.settings.protocolVersion === 5;
      let packet: object | null = null;
      if (!v5 && type === PUBLISH) packet = decodePublish(buf, pos, headerBytes, length);
      else if (!v5 && type === PUBACK && buf[pos] === 0x40 && length === 2) {
        const body = pos + headerBytes;
        packet = {
          cmd: 'puback',
          retain: false,
          qos: 0,
          dup: false,
          length,
          topic: null,
          payload: null,
          messageId: (buf[body]! << 8) | buf[body + 1]!,
        };
      }
      if (packet) parser.emit('packet', packet);
      else {
        generic(buf.subarray(pos, end));
        if (parser.error) return;
      }
      pos = end;
    }
  }
}
