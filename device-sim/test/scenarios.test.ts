import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { DEVICE_TYPES } from '@trygg/firmware-protocol';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { loadScenario, parseScenario, runScenario, type Scenario } from '../src/scenario.ts';
import { FLEET_SECRET, kindOf, startTestBroker, type TestBroker } from './helpers.ts';

const DIR = new URL('../scenarios/', import.meta.url).pathname;
const files = (await readdir(DIR)).filter((f) => f.endsWith('.yaml')).sort();
const scenarios: Scenario[] = await Promise.all(files.map((f) => loadScenario(join(DIR, f))));

describe('scenario files against the real broker', () => {
  let broker: TestBroker;
  beforeAll(async () => {
    broker = await startTestBroker();
  });
  afterAll(() => broker.close());

  it('cover every device type', () => {
    const covered = new Set(scenarios.flatMap((s) => s.devices.map((d) => d.type)));
    assert.deepEqual([...covered].sort(), [...DEVICE_TYPES].sort());
  });

  for (const scenario of scenarios) {
    it(`${scenario.name}: the broker receives exactly the scripted messages`, async () => {
      const result = await runScenario(scenario, { brokerUrl: broker.url, secretOf: () => FLEET_SECRET, speed: 5000 });
      assert.equal(result.failed, 0);
      for (const [deviceId, expected] of Object.entries(scenario.expect ?? {})) {
        await broker.waitFor(() => broker.ofDevice(deviceId).length >= expected.length);
        const got = broker.ofDevice(deviceId);
        assert.deepEqual(got.map(kindOf), expected, deviceId);
        // Every message carries a unique id and the simulated device clock.
        const ids = got.map((r) => r.body?.id);
        assert.equal(new Set(ids).size, ids.length, 'ids are unique');
        const start = Date.parse(scenario.start);
        for (const r of got) {
          const ts = r.body?.ts as number;
          assert.ok(ts >= start && ts <= start + 24 * 3600_000, `${deviceId} ts follows the scenario clock`);
          assert.equal(r.body?.v, 1);
        }
        const sentIds = result.sent.filter((s) => s.deviceId === deviceId).map((s) => s.id);
        assert.deepEqual([...ids].sort(), [...sentIds].sort());
      }
    });
  }
});

describe('scenario files are checked before anything is sent', () => {
  const base = `name: t\nstart: "2026-11-24T02:00:00+01:00"\ndevices:\n  - { id: door-1, type: door }\n`;

  it('accepts a well-formed scenario and reads durations with units', () => {
    const s = parseScenario(`${base}steps:\n  - { at: 1.5m, device: door-1, send: { type: door.passage } }\n`);
    assert.equal(s.steps[0]?.at, 90);
  });

  const cases: [string, string, RegExp][] = [
    [
      'a message that breaks the wire schema',
      `steps:\n  - { at: 0, device: door-1, send: { type: door.open, direction: sideways } }\n`,
      /steps\.0\.send: direction/,
    ],
    [
      'an event the device type does not send',
      `steps:\n  - { at: 0, device: door-1, send: { type: fall.detected } }\n`,
      /a door does not send fall\.detected/,
    ],
    [
      'a device that is not listed',
      `steps:\n  - { at: 0, device: door-9, send: { type: door.passage } }\n`,
      /device "door-9" is not listed/,
    ],
    [
      'steps out of time order',
      `steps:\n  - { at: 10, device: door-1, heartbeat: true }\n  - { at: 5, device: door-1, heartbeat: true }\n`,
      /time order/,
    ],
    ['a malformed duration', `steps:\n  - { at: soon, device: door-1, heartbeat: true }\n`, /steps\.0/],
  ];
  for (const [what, steps, message] of cases) {
    it(`refuses ${what} with a message naming the step`, () => {
      assert.throws(
        () => parseScenario(base + steps, 'x.yaml'),
        (err: Error) => message.test(err.message) && err.message.startsWith('x.yaml: '),
      );
    });
  }

  it('refuses text that is not YAML', () => {
    assert.throws(() => parseScenario('name: [unclosed', 'bad.yaml'), /bad\.yaml: not valid YAML/);
  });
});
