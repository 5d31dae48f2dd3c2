import assert from 'node:assert/strict';
import { describe, it } from 'vitest';
import type { z } from 'zod';
import {
  anonymizedFrameSchema,
  commandAckSchema,
  DEVICE_EVENT_TYPE_NAMES,
  type DeviceEventType,
  deviceCommandSchema,
  deviceEventSchema,
  deviceTimestampSchema,
  heartbeatSchema,
  messageIdSchema,
  positionSchema,
  rectSchema,
  roomLayoutSchema,
} from '../src/index.ts';
import { ENVELOPE, EVENT_EXAMPLES, type Json, LAYOUT, RECT, TS_2020, TS_2100, without } from './examples.ts';

function accepts(schema: z.ZodType, value: unknown, label = JSON.stringify(value)): void {
  const result = schema.safeParse(value);
  assert.ok(result.success, `expected to accept ${label}: ${result.error?.message}`);
}

function refuses(schema: z.ZodType, value: unknown, label = JSON.stringify(value)): void {
  assert.equal(schema.safeParse(value).success, false, `expected to refuse ${label}`);
}

const exampleFor = (type: string) => EVENT_EXAMPLES[type as DeviceEventType];

describe('device event examples', () => {
  it('has an example for every event type the schema knows (and none it does not)', () => {
    assert.ok(DEVICE_EVENT_TYPE_NAMES.length > 0);
    for (const type of DEVICE_EVENT_TYPE_NAMES) {
      assert.ok(Object.hasOwn(EVENT_EXAMPLES, type), `no example for event type ${type}; add one to test/examples.ts`);
    }
    assert.deepEqual(Object.keys(EVENT_EXAMPLES).sort(), [...DEVICE_EVENT_TYPE_NAMES].sort());
    assert.equal(new Set(DEVICE_EVENT_TYPE_NAMES).size, DEVICE_EVENT_TYPE_NAMES.length, 'event type names are unique');
  });

  for (const type of DEVICE_EVENT_TYPE_NAMES) {
    describe(type, () => {
      const example = exampleFor(type);

      it('accepts the valid example and keeps its type', () => {
        assert.equal(example.valid.type, type);
        const parsed = deviceEventSchema.parse(example.valid);
        assert.equal(parsed.type, type);
        assert.deepEqual(parsed, example.valid);
      });

      it(`refuses it without the required field "${example.required}"`, () => {
        assert.ok(example.required in example.valid, 'the required field is present in the valid example');
        refuses(deviceEventSchema, without(example.valid, example.required));
      });

      it('refuses an unknown extra field (strict object)', () => {
        refuses(deviceEventSchema, { ...example.valid, extra: 1 });
        refuses(deviceEventSchema, { ...example.valid, deviceId: 'pendant-0001' });
      });

      it(`refuses a wrong type for "${example.wrongType[0]}"`, () => {
        const [field, value] = example.wrongType;
        refuses(deviceEventSchema, { ...example.valid, [field]: value });
      });

      it('refuses every envelope field missing and a wrong protocol version', () => {
        for (const field of ['v', 'id', 'ts', 'type']) refuses(deviceEventSchema, without(example.valid, field), field);
        refuses(deviceEventSchema, { ...example.valid, v: 2 });
        refuses(deviceEventSchema, { ...example.valid, v: 0 });
      });
    });
  }

  it('refuses unknown event types and non-objects', () => {
    for (const type of ['alarm', 'ALARM.MANUAL', 'alarm.manual ', '', 'toString', '__proto__']) {
      refuses(deviceEventSchema, { ...ENVELOPE, type }, type);
    }
    for (const value of [null, undefined, 1, 'alarm.manual', [], [EVENT_EXAMPLES['alarm.cancel'].valid]]) {
      refuses(deviceEventSchema, value);
    }
  });

  it('treats optional fields as optional', () => {
    accepts(deviceEventSchema, without(EVENT_EXAMPLES['alarm.manual'].valid, 'position'));
    accepts(deviceEventSchema, without(EVENT_EXAMPLES['device.fault'].valid, 'detail'));
    accepts(deviceEventSchema, { ...EVENT_EXAMPLES['camera.observation'].valid, person: null });
  });

  it('refuses fields that belong to a different event type', () => {
    refuses(deviceEventSchema, { ...EVENT_EXAMPLES['door.close'].valid, direction: 'exit' });
    refuses(deviceEventSchema, {
      ...EVENT_EXAMPLES['alarm.cancel'].valid,
      position: EVENT_EXAMPLES.position.valid.position,
    });
  });

  it('refuses unknown enum values', () => {
    refuses(deviceEventSchema, { ...EVENT_EXAMPLES['door.open'].valid, direction: 'sideways' });
    refuses(deviceEventSchema, { ...EVENT_EXAMPLES['device.fault'].valid, fault: 'on_fire' });
    refuses(deviceEventSchema, {
      ...EVENT_EXAMPLES['camera.observation'].valid,
      person: { box: RECT, posture: 'flying' },
    });
    refuses(deviceEventSchema, {
      ...EVENT_EXAMPLES['camera.layout'].valid,
      layout: { zones: [{ kind: 'kitchen', rect: RECT }] },
    });
  });

  it('bounds the fault detail at 200 characters', () => {
    const fault = EVENT_EXAMPLES['device.fault'].valid;
    accepts(deviceEventSchema, { ...fault, detail: 'x'.repeat(200) }, '200 chars');
    refuses(deviceEventSchema, { ...fault, detail: 'x'.repeat(201) }, '201 chars');
  });
});

describe('battery level', () => {
  const battery = (level: unknown): Json => ({ ...EVENT_EXAMPLES['battery.low'].valid, level });

  it('accepts 0 and 100', () => {
    accepts(deviceEventSchema, battery(0));
    accepts(deviceEventSchema, battery(100));
  });

  it('refuses -1, 101, fractions and non-numbers', () => {
    for (const level of [-1, 101, 50.5, Number.NaN, Number.POSITIVE_INFINITY, '50', null]) {
      refuses(deviceEventSchema, battery(level), String(level));
    }
  });
});

describe('position', () => {
  const pos = (lat: number, lon: number, accuracyM = 10) => ({ lat, lon, accuracyM });

  it('accepts the poles and the antimeridian', () => {
    for (const [lat, lon] of [
      [90, 180],
      [-90, -180],
      [90, -180],
      [-90, 180],
      [0, 0],
    ] as const) {
      accepts(positionSchema, pos(lat, lon));
    }
  });

  it('refuses latitudes beyond ±90 and longitudes beyond ±180', () => {
    for (const [lat, lon] of [
      [90.000001, 0],
      [-90.000001, 0],
      [91, 0],
      [0, 180.000001],
      [0, -180.000001],
      [0, 181],
      [Number.NaN, 0],
      [0, Number.POSITIVE_INFINITY],
    ] as const) {
      refuses(positionSchema, pos(lat, lon), `${lat},${lon}`);
    }
  });

  it('bounds accuracy at 0..100 km and needs all three fields', () => {
    accepts(positionSchema, pos(0, 0, 0));
    accepts(positionSchema, pos(0, 0, 100_000));
    refuses(positionSchema, pos(0, 0, -1));
    refuses(positionSchema, pos(0, 0, 100_001));
    refuses(positionSchema, { lat: 0, lon: 0 });
    refuses(positionSchema, { ...pos(0, 0), alt: 12 });
  });

  it('applies the same bounds inside position and alarm events', () => {
    refuses(deviceEventSchema, { ...EVENT_EXAMPLES.position.valid, position: pos(91, 0) });
    refuses(deviceEventSchema, { ...EVENT_EXAMPLES['alarm.manual'].valid, position: pos(0, -181) });
    accepts(deviceEventSchema, { ...EVENT_EXAMPLES['alarm.manual'].valid, position: pos(-90, 180) });
  });
});

describe('device timestamp', () => {
  it('accepts 2020-01-01 and 2100-01-01 exactly', () => {
    assert.equal(TS_2020, Date.UTC(2020, 0, 1));
    assert.equal(TS_2100, Date.UTC(2100, 0, 1));
    accepts(deviceTimestampSchema, TS_2020);
    accepts(deviceTimestampSchema, TS_2100);
  });

  it('refuses 1 ms before 2020 and 1 ms after 2100', () => {
    refuses(deviceTimestampSchema, TS_2020 - 1);
    refuses(deviceTimestampSchema, TS_2100 + 1);
  });

  it('refuses seconds instead of milliseconds, fractions and strings', () => {
    for (const ts of [1_700_000_000, 1_700_000_000_000.5, '1700000000000', 0, -1, null]) {
      refuses(deviceTimestampSchema, ts, String(ts));
    }
  });

  it('is enforced on the envelope and on dose due times', () => {
    const cancel = EVENT_EXAMPLES['alarm.cancel'].valid;
    accepts(deviceEventSchema, { ...cancel, ts: TS_2020 });
    refuses(deviceEventSchema, { ...cancel, ts: TS_2020 - 1 });
    const dispensed = EVENT_EXAMPLES['dose.dispensed'].valid;
    accepts(deviceEventSchema, { ...dispensed, dueAt: TS_2020 });
    refuses(deviceEventSchema, { ...dispensed, dueAt: TS_2020 - 1 });
  });
});

describe('message id', () => {
  it('accepts lengths 8 and 64', () => {
    accepts(messageIdSchema, 'a'.repeat(8));
    accepts(messageIdSchema, 'a'.repeat(64));
    accepts(messageIdSchema, 'Az09_.:-');
  });

  it('refuses lengths 7 and 65', () => {
    refuses(messageIdSchema, 'a'.repeat(7));
    refuses(messageIdSchema, 'a'.repeat(65));
    refuses(messageIdSchema, '');
  });

  it('refuses characters outside [A-Za-z0-9_.:-]', () => {
    for (const id of [
      'msg 00000001',
      'msg/00000001',
      'msg+00000001',
      'msg#00000001',
      'msgåäö00001',
      'msg-0001\n',
      '\nmsg-0001',
    ]) {
      refuses(messageIdSchema, id, JSON.stringify(id));
    }
  });

  it('is enforced on the envelope', () => {
    const cancel = EVENT_EXAMPLES['alarm.cancel'].valid;
    accepts(deviceEventSchema, { ...cancel, id: 'i'.repeat(8) });
    accepts(deviceEventSchema, { ...cancel, id: 'i'.repeat(64) });
    refuses(deviceEventSchema, { ...cancel, id: 'i'.repeat(7) });
    refuses(deviceEventSchema, { ...cancel, id: 'i'.repeat(65) });
  });
});

describe('rectangles and room layout', () => {
  it('accepts rectangles inside the room, including ones touching the edges', () => {
    for (const rect of [
      RECT,
      { x: 0, y: 0, w: 1, h: 1 },
      { x: 0.5, y: 0.5, w: 0.5, h: 0.5 },
      { x: 0.7, y: 0.9, w: 0.3, h: 0.1 }, // sums to 1 with floating point rounding
      { x: 1, y: 1, w: 0, h: 0 },
    ]) {
      accepts(rectSchema, rect);
    }
  });

  it('refuses rectangles reaching outside the room', () => {
    for (const rect of [
      { x: 0.6, y: 0, w: 0.5, h: 0.5 }, // x + w > 1
      { x: 0, y: 0.6, w: 0.5, h: 0.5 }, // y + h > 1
      { x: 0.5, y: 0, w: 0.50001, h: 0.1 },
      { x: -0.1, y: 0, w: 0.5, h: 0.5 },
      { x: 0, y: 0, w: 1.1, h: 0.5 },
      { x: 0, y: 0, w: 0.5, h: -0.1 },
    ]) {
      refuses(rectSchema, rect);
    }
  });

  it('refuses incomplete or extended rectangles', () => {
    refuses(rectSchema, { x: 0, y: 0, w: 1 });
    refuses(rectSchema, { ...RECT, z: 0 });
  });

  it('applies the rectangle rule to person boxes and zone rects in events', () => {
    const observation = EVENT_EXAMPLES['camera.observation'].valid;
    refuses(deviceEventSchema, { ...observation, person: { box: { x: 0.9, y: 0, w: 0.2, h: 0.1 }, posture: 'lying' } });
    refuses(anonymizedFrameSchema, {
      layout: LAYOUT,
      person: { box: { x: 0, y: 0.9, w: 0.1, h: 0.2 }, posture: 'sitting' },
    });
    refuses(roomLayoutSchema, { zones: [{ kind: 'bed', rect: { x: 0.5, y: 0, w: 0.6, h: 0.1 } }] });
  });

  it('accepts 1..16 zones and refuses 0 and 17', () => {
    const zone = { kind: 'floor', rect: RECT };
    accepts(roomLayoutSchema, { zones: [zone] });
    accepts(roomLayoutSchema, { zones: Array.from({ length: 16 }, () => zone) });
    refuses(roomLayoutSchema, { zones: [] });
    refuses(roomLayoutSchema, { zones: Array.from({ length: 17 }, () => zone) });
    const layoutEvent = EVENT_EXAMPLES['camera.layout'].valid;
    accepts(deviceEventSchema, { ...layoutEvent, layout: { zones: Array.from({ length: 16 }, () => zone) } });
    refuses(deviceEventSchema, { ...layoutEvent, layout: { zones: Array.from({ length: 17 }, () => zone) } });
  });

  it('requires a snapshot frame with a layout and an explicit (possibly null) person', () => {
    const snapshot = EVENT_EXAMPLES['camera.snapshot'].valid;
    accepts(deviceEventSchema, { ...snapshot, frame: { layout: LAYOUT, person: { box: RECT, posture: 'standing' } } });
    refuses(deviceEventSchema, { ...snapshot, frame: { layout: LAYOUT } });
    refuses(deviceEventSchema, { ...snapshot, frame: { layout: LAYOUT, person: null, pixels: 'AAAA' } });
    refuses(deviceEventSchema, { ...snapshot, requestId: 'short' });
  });
});

describe('dose schedule', () => {
  const schedule = EVENT_EXAMPLES['dose.schedule'].valid;
  const doses = (n: number) => Array.from({ length: n }, (_, i) => ({ doseId: `dose-${i}`, dueAt: TS_2020 + i }));

  it('accepts 0 to 64 doses', () => {
    accepts(deviceEventSchema, { ...schedule, doses: [] }, '0 doses');
    accepts(deviceEventSchema, { ...schedule, doses: doses(64) }, '64 doses');
  });

  it('refuses 65 doses', () => {
    refuses(deviceEventSchema, { ...schedule, doses: doses(65) }, '65 doses');
  });

  it('validates each dose strictly', () => {
    refuses(deviceEventSchema, { ...schedule, doses: [{ doseId: '', dueAt: TS_2020 }] });
    refuses(deviceEventSchema, { ...schedule, doses: [{ doseId: 'x'.repeat(65), dueAt: TS_2020 }] });
    refuses(deviceEventSchema, { ...schedule, doses: [{ doseId: 'bad id', dueAt: TS_2020 }] });
    refuses(deviceEventSchema, { ...schedule, doses: [{ doseId: 'a', dueAt: TS_2020, pills: 2 }] });
    refuses(deviceEventSchema, { ...schedule, doses: [{ doseId: 'a' }] });
    accepts(deviceEventSchema, { ...schedule, doses: [{ doseId: 'x'.repeat(64), dueAt: TS_2100 }] });
  });
});

describe('heartbeat', () => {
  const full = { ...ENVELOPE, intervalS: 60, firmware: '1.4.2+build.7', battery: 80, signalDbm: -67, mains: true };
  const minimal = { ...ENVELOPE, intervalS: 60 };

  it('accepts a full heartbeat and a SCAIP-style minimal one', () => {
    assert.deepEqual(heartbeatSchema.parse(full), full);
    assert.deepEqual(heartbeatSchema.parse(minimal), minimal);
  });

  it('accepts intervalS 5 and 86400, refuses 4, 86401 and fractions', () => {
    accepts(heartbeatSchema, { ...minimal, intervalS: 5 });
    accepts(heartbeatSchema, { ...minimal, intervalS: 86_400 });
    refuses(heartbeatSchema, { ...minimal, intervalS: 4 });
    refuses(heartbeatSchema, { ...minimal, intervalS: 86_401 });
    refuses(heartbeatSchema, { ...minimal, intervalS: 30.5 });
    refuses(heartbeatSchema, without(minimal, 'intervalS'));
  });

  it('bounds battery, signal and firmware', () => {
    for (const battery of [0, 100]) accepts(heartbeatSchema, { ...minimal, battery });
    for (const battery of [-1, 101]) refuses(heartbeatSchema, { ...minimal, battery });
    for (const signalDbm of [-140, 0]) accepts(heartbeatSchema, { ...minimal, signalDbm });
    for (const signalDbm of [-141, 1]) refuses(heartbeatSchema, { ...minimal, signalDbm });
    accepts(heartbeatSchema, { ...minimal, firmware: 'f'.repeat(32) });
    for (const firmware of ['', 'f'.repeat(33), 'v1 beta', 'v1/2']) refuses(heartbeatSchema, { ...minimal, firmware });
    refuses(heartbeatSchema, { ...minimal, mains: 'yes' });
  });

  it('is strict and needs the envelope', () => {
    refuses(heartbeatSchema, { ...full, temperature: 21 });
    refuses(heartbeatSchema, { ...minimal, type: 'heartbeat' });
    for (const field of ['v', 'id', 'ts']) refuses(heartbeatSchema, without(minimal, field), field);
  });
});

describe('device commands', () => {
  const commands = [
    { ...ENVELOPE, type: 'set_heartbeat_interval', intervalS: 300 },
    { ...ENVELOPE, type: 'request_snapshot' },
    { ...ENVELOPE, type: 'ping' },
  ];

  it('accepts every command type', () => {
    for (const command of commands) assert.deepEqual(deviceCommandSchema.parse(command), command);
  });

  it('refuses unknown command types, extra fields and missing fields', () => {
    refuses(deviceCommandSchema, { ...ENVELOPE, type: 'reboot' });
    for (const command of commands) {
      refuses(deviceCommandSchema, { ...command, extra: true });
      refuses(deviceCommandSchema, without(command, 'id'));
    }
    refuses(deviceCommandSchema, { ...ENVELOPE, type: 'set_heartbeat_interval' });
    refuses(deviceCommandSchema, { ...ENVELOPE, type: 'ping', intervalS: 60 });
  });

  it('bounds the heartbeat interval like the heartbeat itself', () => {
    const set = (intervalS: number) => ({ ...ENVELOPE, type: 'set_heartbeat_interval', intervalS });
    accepts(deviceCommandSchema, set(5));
    accepts(deviceCommandSchema, set(86_400));
    refuses(deviceCommandSchema, set(4));
    refuses(deviceCommandSchema, set(86_401));
  });
});

describe('command ack', () => {
  const ack = { ...ENVELOPE, commandId: 'cmd-00000007', ok: true };

  it('accepts a positive and a negative ack', () => {
    accepts(commandAckSchema, ack);
    accepts(commandAckSchema, { ...ack, ok: false, error: 'e'.repeat(200) });
  });

  it('refuses bad command ids, long errors, non-boolean ok and extra fields', () => {
    refuses(commandAckSchema, { ...ack, commandId: 'short' });
    refuses(commandAckSchema, without(ack, 'commandId'));
    refuses(commandAckSchema, without(ack, 'ok'));
    refuses(commandAckSchema, { ...ack, ok: 'true' });
    refuses(commandAckSchema, { ...ack, ok: false, error: 'e'.repeat(201) });
    refuses(commandAckSchema, { ...ack, result: 'done' });
  });
});
