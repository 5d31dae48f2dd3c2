import assert from 'node:assert/strict';
import fc from 'fast-check';
import { describe, it } from 'vitest';
import {
  COMMON_EVENT_TYPES,
  checkEventForDeviceType,
  DEVICE_CHANNELS,
  DEVICE_EVENT_TYPE_NAMES,
  DEVICE_EVENT_TYPES,
  DEVICE_TYPES,
  type DeviceEvent,
  type DeviceEventType,
  decodeDeviceMessage,
  deviceEventSchema,
  deviceTopic,
  eventAllowedFor,
  MAX_PAYLOAD_BYTES,
  REJECTION_REASONS,
} from '../src/index.ts';
import { ENVELOPE, EVENT_EXAMPLES, encode, type Json } from './examples.ts';

const EVENT_TOPIC = deviceTopic('pendant-0001', 'event');
const SECRET = 'hunter2-S3CRET-T0KEN-abc123';

const event = (type: DeviceEventType): DeviceEvent => deviceEventSchema.parse(EVENT_EXAMPLES[type].valid);

function rejected(result: ReturnType<typeof decodeDeviceMessage>) {
  assert.equal(result.ok, false, 'expected a rejection');
  if (result.ok) throw new Error('unreachable');
  assert.ok(Object.hasOwn(REJECTION_REASONS, result.reason), `known reason ${result.reason}`);
  assert.equal(typeof result.detail, 'string');
  return result;
}

describe('decodeDeviceMessage: accepted messages', () => {
  it('decodes every example event with the device id and channel from the topic', () => {
    for (const type of DEVICE_EVENT_TYPE_NAMES) {
      const valid = EVENT_EXAMPLES[type].valid;
      const result = decodeDeviceMessage(EVENT_TOPIC, encode(valid));
      assert.ok(result.ok, `${type}: ${result.ok ? '' : result.detail}`);
      assert.equal(result.deviceId, 'pendant-0001');
      assert.equal(result.channel, 'event');
      assert.deepEqual(result.message, valid);
    }
  });

  it('decodes heartbeats, acks and commands on their own channels', () => {
    const cases: [channel: (typeof DEVICE_CHANNELS)[number], payload: Json][] = [
      ['heartbeat', { ...ENVELOPE, intervalS: 60, battery: 90 }],
      ['ack', { ...ENVELOPE, commandId: 'cmd-00000001', ok: true }],
      ['cmd', { ...ENVELOPE, type: 'ping' }],
      ['event', EVENT_EXAMPLES['door.open'].valid],
    ];
    assert.deepEqual(cases.map(([c]) => c).sort(), [...DEVICE_CHANNELS].sort(), 'every channel is covered');
    for (const [channel, payload] of cases) {
      const result = decodeDeviceMessage(deviceTopic('dev_42', channel), encode(payload));
      assert.ok(result.ok, `${channel}: ${result.ok ? '' : result.detail}`);
      assert.equal(result.deviceId, 'dev_42');
      assert.equal(result.channel, channel);
      assert.deepEqual(result.message, payload);
    }
  });

  it('a heartbeat may name its mobile carrier and relaying gateway; one without them still decodes', () => {
    const topic = deviceTopic('dev_42', 'heartbeat');
    for (const payload of [
      { ...ENVELOPE, intervalS: 60, carrier: 'Telia' },
      { ...ENVELOPE, intervalS: 60, carrier: 'Tele2 Sverige', gateway: 'scaip-gw-2' },
      { ...ENVELOPE, intervalS: 60 },
    ]) {
      const result = decodeDeviceMessage(topic, encode(payload));
      assert.ok(result.ok, result.ok ? '' : result.detail);
      assert.deepEqual(result.message, payload);
    }
    for (const carrier of ['', 'x'.repeat(33), 'Telia;DROP']) {
      const result = decodeDeviceMessage(topic, encode({ ...ENVELOPE, intervalS: 60, carrier }));
      assert.equal(rejected(result).reason, 'SCHEMA_VIOLATION', JSON.stringify(carrier));
    }
  });

  it('validates against the schema of the topic channel, not the payload', () => {
    const heartbeat = { ...ENVELOPE, intervalS: 60 };
    assert.equal(rejected(decodeDeviceMessage(EVENT_TOPIC, encode(heartbeat))).reason, 'SCHEMA_VIOLATION');
    const alarm = EVENT_EXAMPLES['alarm.manual'].valid;
    assert.equal(
      rejected(decodeDeviceMessage(deviceTopic('p-1', 'heartbeat'), encode(alarm))).reason,
      'SCHEMA_VIOLATION',
    );
  });

  it('accepts a UTF-8 byte order mark-free payload with surrounding whitespace and non-ASCII text', () => {
    const fault = { ...EVENT_EXAMPLES['device.fault'].valid, detail: 'lock öppen – 🔒' };
    const bytes = new TextEncoder().encode(`\n  ${JSON.stringify(fault)}  \n`);
    const result = decodeDeviceMessage(EVENT_TOPIC, bytes);
    assert.ok(result.ok);
    assert.deepEqual(result.message, fault);
  });

  it('accepts a payload of exactly MAX_PAYLOAD_BYTES', () => {
    const json = JSON.stringify(EVENT_EXAMPLES['bed.in'].valid);
    const bytes = new TextEncoder().encode(json.padEnd(MAX_PAYLOAD_BYTES, ' '));
    assert.equal(bytes.byteLength, MAX_PAYLOAD_BYTES);
    assert.ok(decodeDeviceMessage(EVENT_TOPIC, bytes).ok);
  });

  it('accepts a Buffer (what MQTT clients hand over) as well as a Uint8Array', () => {
    const result = decodeDeviceMessage(EVENT_TOPIC, Buffer.from(JSON.stringify(EVENT_EXAMPLES['bed.out'].valid)));
    assert.ok(result.ok && result.channel === 'event');
    assert.equal(result.message.type, 'bed.out');
  });
});

describe('decodeDeviceMessage: rejections', () => {
  const payload = encode(EVENT_EXAMPLES['alarm.manual'].valid);

  it('refuses invalid topics with TOPIC_INVALID', () => {
    for (const topic of [
      '',
      'v1/devices/pendant-0001',
      'v1/devices/pendant-0001/event/extra',
      'v1/devices/+/event',
      'v1/devices/#',
      'v2/devices/pendant-0001/event',
      'v1/device/pendant-0001/event',
      'v1/devices/pendant-0001/alarm',
      'v1/devices/-pendant/event',
      'v1/devices/p/event', // device id too short
      `v1/devices/${'p'.repeat(65)}/event`,
      '/v1/devices/pendant-0001/event',
      'V1/devices/pendant-0001/event',
    ]) {
      const result = rejected(decodeDeviceMessage(topic, payload));
      assert.equal(result.reason, 'TOPIC_INVALID', topic);
    }
  });

  it('checks the topic before looking at the payload', () => {
    assert.equal(rejected(decodeDeviceMessage('nope', new Uint8Array(MAX_PAYLOAD_BYTES + 1))).reason, 'TOPIC_INVALID');
    assert.equal(rejected(decodeDeviceMessage('nope', new Uint8Array([0xff]))).reason, 'TOPIC_INVALID');
  });

  it('refuses payloads over MAX_PAYLOAD_BYTES with PAYLOAD_TOO_LARGE, before parsing them', () => {
    const json = JSON.stringify(EVENT_EXAMPLES['bed.in'].valid);
    const tooLarge = new TextEncoder().encode(json.padEnd(MAX_PAYLOAD_BYTES + 1, ' '));
    assert.equal(tooLarge.byteLength, MAX_PAYLOAD_BYTES + 1);
    const result = rejected(decodeDeviceMessage(EVENT_TOPIC, tooLarge));
    assert.equal(result.reason, 'PAYLOAD_TOO_LARGE');
    assert.match(result.detail, new RegExp(String(MAX_PAYLOAD_BYTES)));
    // Garbage of that size is refused for its size, not its content.
    assert.equal(
      rejected(decodeDeviceMessage(EVENT_TOPIC, new Uint8Array(1 << 20).fill(0xff))).reason,
      'PAYLOAD_TOO_LARGE',
    );
  });

  it('counts bytes, not characters', () => {
    // 'ö' is 2 bytes in UTF-8: a string of MAX/2 + 1 of them is under the limit in characters, over it in bytes.
    const fault = { ...EVENT_EXAMPLES['device.fault'].valid, detail: 'ö'.repeat(MAX_PAYLOAD_BYTES / 2 + 1) };
    const bytes = encode(fault);
    assert.ok(JSON.stringify(fault).length < MAX_PAYLOAD_BYTES + 100);
    assert.ok(bytes.byteLength > MAX_PAYLOAD_BYTES);
    assert.equal(rejected(decodeDeviceMessage(EVENT_TOPIC, bytes)).reason, 'PAYLOAD_TOO_LARGE');
  });

  it('refuses invalid UTF-8 with MALFORMED_JSON', () => {
    const json = JSON.stringify(EVENT_EXAMPLES['device.fault'].valid);
    const [before, after] = json.split('motor stalled') as [string, string];
    const enc = new TextEncoder();
    for (const bad of [
      [0xff, 0xfe],
      [0xc3], // truncated 2-byte sequence
      [0xed, 0xa0, 0x80], // encoded UTF-16 surrogate
      [0xc0, 0xaf], // overlong '/'
      [0xf8, 0x88, 0x80, 0x80, 0x80], // 5-byte form
    ]) {
      // Inside an otherwise valid message, so a lenient decoder (U+FFFD) would let it through.
      const bytes = new Uint8Array([...enc.encode(before), ...bad, ...enc.encode(after)]);
      const result = rejected(decodeDeviceMessage(EVENT_TOPIC, bytes));
      assert.equal(result.reason, 'MALFORMED_JSON', bad.join(','));
      assert.match(result.detail, /UTF-8/);
    }
  });

  it('refuses non-JSON with MALFORMED_JSON', () => {
    const json = JSON.stringify(EVENT_EXAMPLES['alarm.cancel'].valid);
    for (const text of [
      '',
      ' ',
      'not json',
      '{',
      json.slice(0, -1),
      `${json}}`,
      "{'v':1}",
      '{"v":1,}',
      'NaN',
      'undefined',
    ]) {
      const result = rejected(decodeDeviceMessage(EVENT_TOPIC, new TextEncoder().encode(text)));
      assert.equal(result.reason, 'MALFORMED_JSON', JSON.stringify(text));
    }
  });

  it('refuses JSON that is not a message with SCHEMA_VIOLATION', () => {
    for (const text of [
      'null',
      'true',
      '1',
      '"alarm.manual"',
      '[]',
      '{}',
      JSON.stringify([EVENT_EXAMPLES['bed.in'].valid]),
    ]) {
      const result = rejected(decodeDeviceMessage(EVENT_TOPIC, new TextEncoder().encode(text)));
      assert.equal(result.reason, 'SCHEMA_VIOLATION', text);
    }
  });

  it('refuses every broken example with SCHEMA_VIOLATION and a detail naming the field', () => {
    for (const type of DEVICE_EVENT_TYPE_NAMES) {
      const { valid, wrongType } = EVENT_EXAMPLES[type];
      const [field, value] = wrongType;
      const result = rejected(decodeDeviceMessage(EVENT_TOPIC, encode({ ...valid, [field]: value })));
      assert.equal(result.reason, 'SCHEMA_VIOLATION', type);
      assert.ok(result.detail.length > 0);
      if (field !== 'type')
        assert.match(result.detail, new RegExp(`(^|; )${field.replace('.', '\\.')}`), result.detail);
    }
  });

  it('names nested paths in the detail', () => {
    const position = { ...EVENT_EXAMPLES.position.valid, position: { lat: 95, lon: 0, accuracyM: 1 } };
    assert.match(rejected(decodeDeviceMessage(EVENT_TOPIC, encode(position))).detail, /position\.lat/);
    const schedule = { ...EVENT_EXAMPLES['dose.schedule'].valid, doses: [{ doseId: 'a', dueAt: 5 }] };
    assert.match(rejected(decodeDeviceMessage(EVENT_TOPIC, encode(schedule))).detail, /doses\.0\.dueAt/);
  });
});

describe('rejection details never echo the payload', () => {
  const cases: [label: string, payload: Json][] = [
    ['string in a numeric field', { ...EVENT_EXAMPLES['battery.low'].valid, level: SECRET }],
    ['string in an enum field', { ...EVENT_EXAMPLES['door.open'].valid, direction: SECRET }],
    ['string in an id field', { ...EVENT_EXAMPLES['alarm.cancel'].valid, id: `${SECRET}/with slash` }],
    ['string in the version field', { ...EVENT_EXAMPLES['alarm.cancel'].valid, v: SECRET }],
    ['unknown event type', { ...ENVELOPE, type: SECRET }],
    ['value of an unknown field', { ...EVENT_EXAMPLES['bed.in'].valid, note: SECRET }],
    ['name of an unknown field', { ...EVENT_EXAMPLES['bed.in'].valid, [SECRET]: 1 }],
    ['too long fault detail', { ...EVENT_EXAMPLES['device.fault'].valid, detail: SECRET.repeat(10) }],
    ['dose id', { ...EVENT_EXAMPLES['dose.taken'].valid, doseId: `${SECRET} ` }],
  ];

  for (const [label, payload] of cases) {
    it(`SCHEMA_VIOLATION: ${label}`, () => {
      const result = rejected(decodeDeviceMessage(EVENT_TOPIC, encode(payload)));
      assert.equal(result.reason, 'SCHEMA_VIOLATION');
      assert.ok(!result.detail.includes('hunter2'), `detail echoes the input: ${result.detail}`);
    });
  }

  it('MALFORMED_JSON: a secret in a payload that is not JSON', () => {
    for (const text of [SECRET, `{"token": ${SECRET}}`, `{"token": "${SECRET}"`, `"${SECRET}`]) {
      const result = rejected(decodeDeviceMessage(EVENT_TOPIC, new TextEncoder().encode(text)));
      assert.equal(result.reason, 'MALFORMED_JSON');
      assert.ok(!result.detail.includes('hunter2'), `detail echoes the input: ${result.detail}`);
    }
  });

  it('MALFORMED_JSON: a secret next to invalid UTF-8', () => {
    const bytes = new Uint8Array([...new TextEncoder().encode(`{"token":"${SECRET}`), 0xff, 0x22, 0x7d]);
    const result = rejected(decodeDeviceMessage(EVENT_TOPIC, bytes));
    assert.equal(result.reason, 'MALFORMED_JSON');
    assert.ok(!result.detail.includes('hunter2'), `detail echoes the input: ${result.detail}`);
  });

  it('keeps details short', () => {
    const manyErrors = { v: 9, id: 1, ts: 'x', type: 'door.open', direction: 1, a: 1, b: 2, c: 3 };
    const result = rejected(decodeDeviceMessage(EVENT_TOPIC, encode(manyErrors)));
    assert.ok(result.detail.split('; ').length <= 5, result.detail);
  });
});

describe('checkEventForDeviceType', () => {
  it('refuses door.open from a pendant', () => {
    const result = checkEventForDeviceType('pendant', event('door.open'));
    assert.ok(result);
    assert.equal(result.ok, false);
    assert.equal(result.reason, 'EVENT_NOT_FOR_DEVICE_TYPE');
    assert.match(result.detail, /door\.open/);
    assert.match(result.detail, /pendant/);
  });

  it('allows battery.low and the other common events from every device type', () => {
    for (const deviceType of DEVICE_TYPES) {
      assert.equal(checkEventForDeviceType(deviceType, event('battery.low')), null, deviceType);
      for (const type of COMMON_EVENT_TYPES) assert.equal(checkEventForDeviceType(deviceType, event(type)), null);
    }
  });

  it('agrees with DEVICE_EVENT_TYPES for every device type and event type', () => {
    for (const deviceType of DEVICE_TYPES) {
      const allowed = new Set<string>([...COMMON_EVENT_TYPES, ...DEVICE_EVENT_TYPES[deviceType]]);
      for (const type of DEVICE_EVENT_TYPE_NAMES) {
        const result = checkEventForDeviceType(deviceType, event(type));
        assert.equal(eventAllowedFor(deviceType, type), allowed.has(type), `${deviceType} ${type}`);
        if (allowed.has(type)) assert.equal(result, null, `${deviceType} may send ${type}`);
        else assert.equal(result?.reason, 'EVENT_NOT_FOR_DEVICE_TYPE', `${deviceType} may not send ${type}`);
      }
    }
  });

  it('spot-checks the table', () => {
    assert.equal(checkEventForDeviceType('mobile_pendant', event('position')), null);
    assert.equal(checkEventForDeviceType('pendant', event('position'))?.reason, 'EVENT_NOT_FOR_DEVICE_TYPE');
    assert.equal(checkEventForDeviceType('dispenser', event('alarm.manual')), null);
    assert.equal(checkEventForDeviceType('camera', event('fall.detected'))?.reason, 'EVENT_NOT_FOR_DEVICE_TYPE');
    assert.equal(checkEventForDeviceType('bed', event('camera.snapshot'))?.reason, 'EVENT_NOT_FOR_DEVICE_TYPE');
  });

  it('only lists known event types, and every event type has a device type that may send it', () => {
    const known = new Set<string>(DEVICE_EVENT_TYPE_NAMES);
    for (const type of COMMON_EVENT_TYPES) assert.ok(known.has(type), type);
    for (const deviceType of DEVICE_TYPES) {
      for (const type of DEVICE_EVENT_TYPES[deviceType]) assert.ok(known.has(type), `${deviceType}: ${type}`);
    }
    for (const type of DEVICE_EVENT_TYPE_NAMES) {
      assert.ok(
        DEVICE_TYPES.some((d) => eventAllowedFor(d, type)),
        `no device type may send ${type}`,
      );
    }
  });

  it('does not treat inherited property names as event types', () => {
    for (const deviceType of DEVICE_TYPES) {
      for (const name of ['toString', 'constructor', '__proto__', 'length', '']) {
        assert.equal(eventAllowedFor(deviceType, name), false, `${deviceType} ${name}`);
      }
    }
  });
});

describe('decodeDeviceMessage properties', () => {
  const anyTopic = fc.oneof(
    fc.string(),
    fc.string({ unit: 'binary' }),
    fc.constantFrom(...DEVICE_CHANNELS).map((c) => deviceTopic('pendant-0001', c)),
    fc.tuple(fc.string(), fc.string(), fc.string(), fc.string()).map((parts) => parts.join('/')),
  );
  const anyBytes = fc.oneof(
    fc.uint8Array({ maxLength: 256 }),
    fc.uint8Array({ minLength: MAX_PAYLOAD_BYTES - 2, maxLength: MAX_PAYLOAD_BYTES + 2 }),
    fc.jsonValue().map((v) => encode(v)),
    fc.string({ unit: 'binary' }).map((s) => new TextEncoder().encode(s)),
  );

  it('never throws for arbitrary topics and byte arrays, and always returns ok or a known reason', () => {
    fc.assert(
      fc.property(anyTopic, anyBytes, (topic, bytes) => {
        const result = decodeDeviceMessage(topic, bytes);
        if (result.ok) {
          assert.equal(topic, deviceTopic(result.deviceId, result.channel));
        } else {
          assert.ok(Object.hasOwn(REJECTION_REASONS, result.reason));
          assert.equal(typeof result.detail, 'string');
        }
      }),
      { numRuns: 1000 },
    );
  });

  it('never throws for valid topics with arbitrary objects built from example fields', () => {
    const fieldNames = [...new Set(DEVICE_EVENT_TYPE_NAMES.flatMap((t) => Object.keys(EVENT_EXAMPLES[t].valid)))];
    const mutated = fc
      .tuple(
        fc.constantFrom(...DEVICE_EVENT_TYPE_NAMES),
        fc.dictionary(fc.constantFrom(...fieldNames, 'x', '__proto__', 'constructor'), fc.jsonValue()),
      )
      .map(([type, overrides]) => ({ ...EVENT_EXAMPLES[type].valid, ...overrides }));
    fc.assert(
      fc.property(fc.constantFrom(...DEVICE_CHANNELS), mutated, (channel, payload) => {
        const result = decodeDeviceMessage(deviceTopic('dev-1', channel), encode(payload));
        assert.ok(result.ok || Object.hasOwn(REJECTION_REASONS, result.reason));
      }),
      { numRuns: 1000 },
    );
  });

  it('accepts every valid example event on any valid device id', () => {
    const deviceId = fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9_-]{1,63}$/);
    fc.assert(
      fc.property(deviceId, fc.constantFrom(...DEVICE_EVENT_TYPE_NAMES), (id, type) => {
        const result = decodeDeviceMessage(deviceTopic(id, 'event'), encode(EVENT_EXAMPLES[type].valid));
        assert.ok(result.ok && result.channel === 'event');
        assert.equal(result.deviceId, id);
        assert.equal(result.message.type, type);
      }),
      { numRuns: 300 },
    );
  });
});
