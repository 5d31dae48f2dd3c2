import assert from 'node:assert/strict';
import type { EventEmitter } from 'node:events';
import type { Client } from 'aedes';
import fc from 'fast-check';
import type { MqttClient } from 'mqtt';
import mqttPacket from 'mqtt-packet';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { type RunningBroker, startBroker } from '../src/broker.ts';
import { decodeWhole } from '../src/packet-reads.ts';
import { encodePuback, encodePublish } from '../src/packet-writes.ts';
import { connect } from './clients.ts';

const publishes = fc.record({
  cmd: fc.constant('publish' as const),
  topic: fc.string({ unit: 'grapheme', maxLength: 40 }),
  payload: fc.uint8Array({ maxLength: 300 }).map((a) => Buffer.from(a)),
  qos: fc.constantFrom(0, 1, 2),
  dup: fc.boolean(),
  retain: fc.boolean(),
  messageId: fc.integer({ min: 1, max: 0xffff }),
});

/** The packets an aedes client sends and receives, mixed: what the parser in front must leave alone. */
const anyPacket = fc.oneof(
  publishes,
  fc.record({ cmd: fc.constant('puback' as const), messageId: fc.integer({ min: 1, max: 0xffff }) }),
  fc.record({ cmd: fc.constant('pubrec' as const), messageId: fc.integer({ min: 1, max: 0xffff }) }),
  fc.constant({ cmd: 'pingreq' as const }),
  fc.record({
    cmd: fc.constant('subscribe' as const),
    messageId: fc.integer({ min: 1, max: 0xffff }),
    subscriptions: fc.array(
      fc.record({ topic: fc.constantFrom('a/b', 'v1/devices/+/event', '#'), qos: fc.constantFrom(0, 1) }),
      {
        minLength: 1,
        maxLength: 3,
      },
    ),
  }),
);

/** mqtt-packet's parser alone, and the same with decodeWhole in front, on the same chunks. */
function parseBoth(chunks: Buffer[]): { plain: object[]; whole: object[]; errors: [string[], string[]] } {
  const run = (front: boolean) => {
    const parser = mqttPacket.parser({ protocolVersion: 4 });
    const packets: object[] = [];
    const errors: string[] = [];
    parser.on('packet', (p) => packets.push({ ...p }));
    parser.on('error', (e) => errors.push(e.message));
    if (front) decodeWhole({ _parser: parser } as unknown as Client);
    for (const chunk of chunks) parser.parse(chunk);
    return { packets, errors };
  };
  const plain = run(false);
  const whole = run(true);
  return { plain: plain.packets, whole: whole.packets, errors: [plain.errors, whole.errors] };
}

/** Cuts bytes at the given points (sorted, deduplicated), as a socket may deliver them. */
function cut(bytes: Buffer, points: number[]): Buffer[] {
  const at = [...new Set(points.map((p) => p % (bytes.length + 1)))].sort((a, b) => a - b);
  const chunks: Buffer[] = [];
  let from = 0;
  for (const p of [...at, bytes.length]) {
    if (p > from) chunks.push(bytes.subarray(from, p));
    from = p;
  }
  return chunks;
}

describe('PUBLISH and PUBACK written whole (packet-writes.ts)', () => {
  it('encodes a PUBLISH byte for byte as mqtt-packet does, any topic, payload, QoS and flags', () => {
    fc.assert(
      fc.property(publishes, (packet) => {
        assert.deepEqual(encodePublish(packet), mqttPacket.generate(packet));
      }),
      { numRuns: 500 },
    );
  });

  it('encodes a PUBACK byte for byte as mqtt-packet does', () => {
    for (const messageId of [1, 2, 255, 256, 0x7fff, 0xffff]) {
      assert.deepEqual(encodePuback({ cmd: 'puback', messageId }), mqttPacket.generate({ cmd: 'puback', messageId }));
    }
  });

  it('leaves to mqtt-packet what it would refuse or what is not MQTT 3.1.1 (no id, properties, a non-Buffer payload)', () => {
    assert.equal(encodePublish({ cmd: 'publish', topic: 'a', payload: Buffer.alloc(1), qos: 1 }), null);
    assert.equal(encodePublish({ cmd: 'publish', topic: 'a', payload: 'text', qos: 0 }), null);
    assert.equal(encodePublish({ cmd: 'publish', topic: 'a', payload: Buffer.alloc(1), properties: {} }), null);
    assert.equal(encodePuback({ cmd: 'puback' }), null);
  });
});

describe('PUBLISH and PUBACK read whole (packet-reads.ts)', () => {
  it('emits exactly what mqtt-packet emits, for any mix of packets cut anywhere', () => {
    fc.assert(
      fc.property(
        fc.array(anyPacket, { minLength: 1, maxLength: 8 }),
        fc.array(fc.nat(), { maxLength: 6 }),
        (packets, points) => {
          const bytes = Buffer.concat(packets.map((p) => mqttPacket.generate(p)));
          const { plain, whole, errors } = parseBoth(cut(bytes, points));
          assert.deepEqual(whole, plain);
          assert.deepEqual(errors, [[], []]);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('streams a packet larger than it holds into mqtt-packet, whatever the cuts', () => {
    const big: mqttPacket.IPublishPacket = {
      cmd: 'publish',
      dup: false,
      retain: false,
      topic: 'v1/devices/d/event',
      payload: Buffer.alloc(20_000, 7),
      qos: 1,
      messageId: 9,
    };
    const bytes = Buffer.concat([mqttPacket.generate(big), mqttPacket.generate({ cmd: 'puback', messageId: 3 })]);
    const { plain, whole } = parseBoth(cut(bytes, [100, 5000, 5001, 19_990, 20_030]));
    assert.equal(whole.length, 2);
    assert.deepEqual(whole, plain);
  });

  it('refuses what mqtt-packet refuses, with its error (QoS 3, a bad remaining length, a PUBACK with flags)', () => {
    for (const bad of [
      Buffer.from([0x36, 0x03, 0x00, 0x01, 0x61]),
      Buffer.from([0x30, 0xff, 0xff, 0xff, 0xff, 0x01]),
      Buffer.from([0x42, 0x02, 0x00, 0x01]),
    ]) {
      const { plain, whole, errors } = parseBoth([bad]);
      assert.deepEqual(whole, plain);
      assert.ok(errors[0].length > 0);
      assert.deepEqual(errors[1], errors[0]);
    }
  });

  it('hands aedes bytes that arrive while a packet is being handled after the ones before them', () => {
    const parser = mqttPacket.parser({ protocolVersion: 4 }) as unknown as EventEmitter & { parse(b: Buffer): number };
    decodeWhole({ _parser: parser } as unknown as Client);
    const ids: number[] = [];
    const second = mqttPacket.generate({ cmd: 'puback', messageId: 3 });
    parser.on('packet', (p: { messageId: number }) => {
      ids.push(p.messageId);
      if (p.messageId === 1) parser.parse(second); // aedes reading on inside a handler
    });
    parser.parse(
      Buffer.concat([
        mqttPacket.generate({ cmd: 'puback', messageId: 1 }),
        mqttPacket.generate({ cmd: 'puback', messageId: 2 }),
      ]),
    );
    assert.deepEqual(ids, [1, 2, 3]);
  });
});

describe('a message through the broker', () => {
  let broker: RunningBroker;
  let subscriber: MqttClient;
  let device: MqttClient;

  beforeAll(async () => {
    broker = await startBroker(
      { host: '127.0.0.1', mqttPort: 0, wsPort: null, allowAnonymous: false, maxPayloadBytes: 1024 },
      {
        authenticator: { authenticate: async (id, secret) => id === 'pendant-1' && secret === 'secret-1' },
        serviceAccounts: [{ username: 'alarm-center', password: 'service-pw' }],
        logger: pino({ level: 'silent' }),
      },
    );
    subscriber = await connect(broker.mqttPort, {
      clientId: 'center',
      username: 'alarm-center',
      password: 'service-pw',
    });
    await subscriber.subscribeAsync('v1/devices/+/event', { qos: 1 });
    device = await connect(broker.mqttPort, { clientId: 'pendant-1', username: 'pendant-1', password: 'secret-1' });
  });

  afterAll(async () => {
    subscriber.end(true);
    device.end(true);
    await broker.close();
  });

  it('is written to the subscriber as one write and acknowledged to the device as one (mqtt-packet: 6 and 3)', async () => {
    const conns = broker.aedes as unknown as {
      clients: Record<string, { conn: { write: (...a: unknown[]) => boolean } }>;
    };
    const count = (id: string) => {
      const conn = conns.clients[id]!.conn;
      const counter = { writes: 0 };
      const write = conn.write;
      conn.write = function (this: unknown, ...args: unknown[]) {
        counter.writes++;
        return write.apply(this, args);
      };
      return counter;
    };
    const toSubscriber = count('center');
    const toDevice = count('pendant-1');
    const received: string[] = [];
    subscriber.on('message', (_topic, payload) => received.push(payload.toString()));
    for (let n = 0; n < 10; n++) await device.publishAsync('v1/devices/pendant-1/event', `{"n":${n}}`, { qos: 1 });
    while (received.length < 10) await new Promise((r) => setTimeout(r, 10));
    assert.deepEqual(
      received,
      Array.from({ length: 10 }, (_, n) => `{"n":${n}}`),
    );
    assert.equal(toSubscriber.writes, 10);
    assert.equal(toDevice.writes, 10);
  });
});
