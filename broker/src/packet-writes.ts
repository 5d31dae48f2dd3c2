// The two packets of every message, encoded whole. aedes 1.2.0 (pinned) writes each packet through
// mqtt-packet's writeToStream, which writes every field on its own (six stream writes for a
// PUBLISH, three for a PUBACK, a string among them) and corks the stream with a nextTick for each
// packet. On the sockets handed to `encodeWhole`, a QoS 0/1/2 PUBLISH and a PUBACK (MQTT 3.1 and
// 3.1.1, the only versions we accept) are encoded into one buffer and written at once: the same
// bytes, the same return value for back-pressure. Everything else (other packets, an odd packet,
// every other stream, e.g. mqtt.js clients in the same process) goes through mqtt-packet as before.

import type { Writable } from 'node:stream';
import mqttPacket from 'mqtt-packet';

type WriteToStream = (packet: unknown, stream: Writable, opts?: unknown) => boolean;

interface OutgoingPacket {
  cmd?: string;
  qos?: number;
  dup?: boolean;
  retain?: boolean;
  topic?: unknown;
  payload?: unknown;
  messageId?: unknown;
  properties?: unknown;
}

const wholeSockets = new WeakSet<Writable>();
const generic = mqttPacket.writeToStream as unknown as WriteToStream;
/** MQTT's largest remaining length (four bytes of variable byte integer). */
const MAX_REMAINING_LENGTH = 268_435_455;

function varByteIntLength(n: number): number {
  return n < 128 ? 1 : n < 16_384 ? 2 : n < 2_097_152 ? 3 : 4;
}

function writeVarByteInt(buf: Buffer, pos: number, n: number): number {
  let rest = n;
  do {
    let digit = rest % 128;
    rest = Math.floor(rest / 128);
    if (rest > 0) digit |= 0x80;
    buf[pos++] = digit;
  } while (rest > 0);
  return pos;
}

/** A PUBLISH as one buffer, or null for what mqtt-packet should handle (and refuse) itself. */
export function encodePublish(packet: OutgoingPacket): Buffer | null {
  const { topic, payload, messageId } = packet;
  const qos = packet.qos ?? 0;
  if (typeof topic !== 'string' || !Buffer.isBuffer(payload) || packet.properties !== undefined) return null;
  if (qos !== 0 && qos !== 1 && qos !== 2) return null;
  if (
    qos > 0 &&
    (typeof messageId !== 'number' || !Number.isInteger(messageId) || messageId < 0 || messageId > 0xffff)
  ) {
    return null;
  }
  const topicBytes = Buffer.byteLength(topic);
  if (topicBytes > 0xffff) return null;
  const remaining = 2 + topicBytes + (qos > 0 ? 2 : 0) + payload.length;
  if (remaining > MAX_REMAINING_LENGTH) return null;
  const buf = Buffer.allocUnsafe(1 + varByteIntLength(remaining) + remaining);
  buf[0] = 0x30 | (packet.dup ? 0x08 : 0) | (qos << 1) | (packet.retain ? 0x01 : 0);
  let pos = writeVarByteInt(buf, 1, remaining);
  buf[pos++] = topicBytes >> 8;
  buf[pos++] = topicBytes & 0xff;
  pos += buf.write(topic, pos, topicBytes, 'utf8');
  if (qos > 0) {
    buf[pos++] = (messageId as number) >> 8;
    buf[pos++] = (messageId as number) & 0xff;
  }
  payload.copy(buf, pos);
  return buf;
}

/** A PUBACK (MQTT 3.1.1: fixed header, length 2, packet id), or null when it is not a plain one. */
export function encodePuback(packet: OutgoingPacket): Buffer | null {
  const id = packet.messageId;
  if (typeof id !== 'number' || !Number.isInteger(id) || id < 0 || id > 0xffff || packet.properties !== undefined) {
    return null;
  }
  const buf = Buffer.allocUnsafe(4);
  buf[0] = 0x40;
  buf[1] = 0x02;
  buf[2] = id >> 8;
  buf[3] = id & 0xff;
  return buf;
}

function writeToStream(packet: unknown, stream: Writable, opts?: unknown): boolean {
  if (opts === undefined && wholeSockets.has(stream) && typeof packet === 'object' && packet !== null) {
    const p = packet as OutgoingPacket;
    const whole = p.cmd === 'publish' ? encodePublish(p) : p.cmd === 'puback' ? encodePuback(p) : null;
    if (whole) return stream.write(whole);
  }
  return generic(packet, stream, opts);
}

/**
 * Lets aedes' writes on this socket encode PUBLISH and PUBACK whole. aedes calls
 * `mqttPacket.writeToStream` through the module object at every write, without protocol options
 * (MQTT 3.1.1), which is what this relies on; the broker test counts the socket writes per message.
 */
export function encodeWhole<S extends Writable>(socket: S): S {
  if (mqttPacket.writeToStream !== (writeToStream as unknown)) {
    (mqttPacket as unknown as { writeToStream: WriteToStream }).writeToStream = writeToStream;
  }
  wholeSockets.add(socket);
  return socket;
}
