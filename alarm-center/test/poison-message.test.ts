// A message the platform cannot store must never mute its device. On a real broker, on PostgreSQL
// and on the embedded database: odd text is refused with a counted reason and acknowledged; a
// message the store refuses as data is acknowledged with one technical alarm; a serialisation
// failure is retried; a store that cannot write for now leaves the message unacknowledged and the
// platform degraded.

import assert from 'node:assert/strict';
import { SimDevice } from '@trygg/device-sim';
import {
  DEVICE_TYPES,
  type DeviceChannel,
  type DeviceType,
  deviceTopic,
  eventAllowedFor,
} from '@trygg/firmware-protocol';
import { hostileText, KNOWN_HOSTILE_TEXTS, textFieldCases } from '@trygg/firmware-protocol/testing';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, it } from 'vitest';
import type { Platform } from '../src/platform.ts';
import {
  addResident,
  connectDevice,
  createTestDatabase,
  envelope,
  eventually,
  startTestPlatform,
  type TestDatabase,
} from '../src/testing/index.ts';

/** Longest a test waits for a PUBACK before calling the device muted; a guard, not a measurement. */
const MUTED_AFTER_MS = 15_000;

type Publish = 'acknowledged' | 'connection closed' | 'no PUBACK';

/** One QoS 1 publish from a fresh connection: what the device saw. */
async function publishOnce(platform: Platform, deviceId: string, secret: string, topic: string, payload: string) {
  const client = await connectDevice(platform, deviceId, secret);
  let timer: NodeJS.Timeout | undefined;
  const outcome = await new Promise<Publish>((resolve) => {
    timer = setTimeout(() => resolve('no PUBACK'), MUTED_AFTER_MS);
    client.once('close', () => resolve('connection closed'));
    client.publish(topic, payload, { qos: 1 }, (err) => resolve(err ? 'connection closed' : 'acknowledged'));
  });
  clearTimeout(timer);
  await client.endAsync(true);
  return outcome;
}

const counter = async (platform: Platform, name: 'rejected' | 'deviceMessages', label: string, value: string) => {
  const metric = await platform.metrics[name].get();
  return metric.values.find((v) => (v.labels as Record<string, string>)[label] === value)?.value ?? 0;
};
const allRejected = async (platform: Platform) =>
  (await platform.metrics.rejected.get()).values.reduce((sum, v) => sum + v.value, 0);

async function healthOf(platform: Platform) {
  const res = await fetch(`http://127.0.0.1:${platform.httpPort}/health`);
  return { status: res.status, body: (await res.json()) as { status: string } };
}

async function alarmsOf(platform: Platform, deviceId: string) {
  const { rows } = await platform.db.pool.query<{
    kind: string;
    status: string;
    repeat_count: number;
    audience: string;
    details: { fault?: string };
  }>('SELECT kind, status, audience, repeat_count, details FROM alarms WHERE device_id = $1 ORDER BY id', [deviceId]);
  return rows;
}

// On PostgreSQL and on the embedded default every new user runs: both must classify alike.
for (const store of ['PostgreSQL', 'embedded'] as const)
  describe(`a message the platform cannot store never mutes its device (real broker, ${store})`, () => {
    let db: TestDatabase | null = null;
    let platform: Platform;
    const secrets = new Map<string, string>();

    const provision = async (deviceId: string, deviceType: DeviceType) => {
      secrets.set(
        deviceId,
        await platform.provisioning.register({
          deviceId,
          deviceType,
          serial: `SN-${deviceId}`,
          residentId: 'res-poison',
          district: 'Centrum',
          heartbeatIntervalS: 60,
          rules: {},
        }),
      );
    };
    const send = (deviceId: string, channel: DeviceChannel, message: unknown) =>
      publishOnce(platform, deviceId, secrets.get(deviceId)!, deviceTopic(deviceId, channel), JSON.stringify(message));

    beforeAll(async () => {
      db = store === 'PostgreSQL' ? await createTestDatabase() : null;
      // No rate limit: the property test below sends faster than a real device would.
      platform = await startTestPlatform({ databaseUrl: db?.url ?? null, env: { DEVICE_RATE_PER_S: '0' } });
      await addResident(platform, 'res-poison');
      for (const type of DEVICE_TYPES) await provision(`prop-${type}`, type);
      for (const id of [
        'sim-nul',
        'sim-surrogate',
        'pendant-refused',
        'pendant-retry',
        'pendant-down',
        'pendant-once',
        'pendant-refused-press',
      ]) {
        await provision(id, 'pendant');
      }
    });

    afterAll(async () => {
      await platform?.close();
      await db?.drop();
    });

    for (const [deviceId, label, detail] of [
      ['sim-nul', 'a NUL', 'motor\u0000stalled'],
      ['sim-surrogate', 'a lone surrogate', 'motor \ud800 stalled'],
    ] as const) {
      it(`a device resending a fault whose detail holds ${label} gets the button press behind it committed and acknowledged, and /health stays ok`, async () => {
        const rejectedBefore = await counter(platform, 'rejected', 'reason', 'SCHEMA_VIOLATION');
        const device = new SimDevice(
          { deviceId, deviceType: 'pendant', secret: secrets.get(deviceId)! },
          { brokerUrl: `mqtt://127.0.0.1:${platform.mqttPort}`, reconnectMinMs: 50, reconnectMaxMs: 200 },
        );
        await device.connect();
        try {
          const fault = device.send({ type: 'device.fault', fault: 'sensor_error', detail });
          const press = device.send({ type: 'alarm.manual' });
          let timer: NodeJS.Timeout | undefined;
          const outcome = await Promise.race([
            press.then(() => 'acknowledged'),
            new Promise((resolve) => {
              timer = setTimeout(() => resolve('never acknowledged'), MUTED_AFTER_MS);
            }),
          ]);
          clearTimeout(timer);
          assert.equal(outcome, 'acknowledged', 'the press queued behind the odd fault was acknowledged');
          await fault;
          const open = (await alarmsOf(platform, deviceId)).filter((a) => a.status !== 'closed');
          assert.deepEqual(
            open.map((a) => a.kind),
            ['manual'],
            'the press is an open alarm',
          );
          assert.equal(await counter(platform, 'rejected', 'reason', 'SCHEMA_VIOLATION'), rejectedBefore + 1);
          const health = await healthOf(platform);
          assert.equal(health.status, 200);
          assert.equal(health.body.status, 'ok');
        } finally {
          await device.stop();
        }
      });
    }

    it('a message the store refuses as data (SQLSTATE 23514) is acknowledged, counted as NOT_STORABLE and raises one technical alarm, also when resent', async () => {
      await platform.db.pool.query(
        `ALTER TABLE device_messages ADD CONSTRAINT test_refused CHECK (body->>'detail' IS DISTINCT FROM 'refused-by-store')`,
      );
      try {
        const acceptedBefore = await counter(platform, 'deviceMessages', 'channel', 'event');
        const refusedBefore = await counter(platform, 'rejected', 'reason', 'NOT_STORABLE');
        const fault = { ...envelope(), type: 'device.fault', fault: 'jammed', detail: 'refused-by-store' };
        assert.equal(await send('pendant-refused', 'event', fault), 'acknowledged');
        assert.equal(await send('pendant-refused', 'event', fault), 'acknowledged', 'the resend too');
        const second = { ...envelope(), type: 'device.fault', fault: 'tamper', detail: 'refused-by-store' };
        assert.equal(await send('pendant-refused', 'event', second), 'acknowledged', 'another refused message');

        assert.equal(await counter(platform, 'rejected', 'reason', 'NOT_STORABLE'), refusedBefore + 3);
        assert.equal(
          await counter(platform, 'deviceMessages', 'channel', 'event'),
          acceptedBefore,
          'not also counted as accepted',
        );
        const alarms = await alarmsOf(platform, 'pendant-refused');
        assert.equal(alarms.length, 1, 'one technical alarm for the device');
        assert.equal(alarms[0]!.kind, 'device_fault');
        assert.equal(alarms[0]!.details.fault, 'message_not_stored');
        assert.equal(alarms[0]!.repeat_count, 1, 'the resend repeats nothing; the second refused message counts once');
        assert.equal((await healthOf(platform)).body.status, 'ok', 'a refused message never degrades the platform');

        assert.equal(await send('pendant-refused', 'event', { ...envelope(), type: 'alarm.manual' }), 'acknowledged');
        assert.ok(
          (await alarmsOf(platform, 'pendant-refused')).some((a) => a.kind === 'manual'),
          'the press is stored',
        );
      } finally {
        await platform.db.pool.query('ALTER TABLE device_messages DROP CONSTRAINT test_refused');
      }
    });

    it('a button press the store refuses still reaches an operator, not only a technician', async () => {
      await platform.db.pool.query(
        `ALTER TABLE device_messages ADD CONSTRAINT test_refused_press CHECK (device_id <> 'pendant-refused-press')`,
      );
      try {
        const press = { ...envelope(), type: 'alarm.manual' };
        assert.equal(await send('pendant-refused-press', 'event', press), 'acknowledged');
        const alarms = await alarmsOf(platform, 'pendant-refused-press');
        assert.equal(alarms.length, 1);
        assert.equal(alarms[0]!.audience, 'operator', 'a press nobody could store is a call to make');
        assert.equal(alarms[0]!.details.fault, 'message_not_stored');
      } finally {
        await platform.db.pool.query('ALTER TABLE device_messages DROP CONSTRAINT test_refused_press');
      }
    });

    it('a serialisation failure (SQLSTATE 40001) is retried: the press is stored once and acknowledged', async () => {
      await platform.db.pool.query(`
      CREATE SEQUENCE test_conflicts;
      CREATE FUNCTION test_conflict_once() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        -- nextval is not rolled back: the first attempt fails, the retry passes
        IF NEW.device_id = 'pendant-retry' AND nextval('test_conflicts') % 2 = 1 THEN
          RAISE EXCEPTION 'simulated serialisation failure' USING ERRCODE = '40001';
        END IF;
        RETURN NEW;
      END $$;
      CREATE TRIGGER test_conflict BEFORE INSERT ON device_messages FOR EACH ROW EXECUTE FUNCTION test_conflict_once();`);
      try {
        assert.equal(await send('pendant-retry', 'event', { ...envelope(), type: 'alarm.manual' }), 'acknowledged');
        const alarms = await alarmsOf(platform, 'pendant-retry');
        assert.deepEqual(
          alarms.map((a) => [a.kind, a.repeat_count]),
          [['manual', 0]],
        );
        assert.equal((await healthOf(platform)).body.status, 'ok');
      } finally {
        await platform.db.pool.query(
          'DROP TRIGGER test_conflict ON device_messages; DROP FUNCTION test_conflict_once(); DROP SEQUENCE test_conflicts',
        );
      }
    });

    // A guard for the other half of the classification (held before the fix too): transient is never acknowledged.
    it('a store failing for now (40001 on every attempt) gets no PUBACK and shows degraded; the resend lands once it heals', async () => {
      await platform.db.pool.query(`
      CREATE FUNCTION test_conflict_always() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NEW.device_id = 'pendant-down' THEN
          RAISE EXCEPTION 'simulated serialisation failure' USING ERRCODE = '40001';
        END IF;
        RETURN NEW;
      END $$;
      CREATE TRIGGER test_conflict BEFORE INSERT ON device_messages FOR EACH ROW EXECUTE FUNCTION test_conflict_always();`);
      const press = { ...envelope(), type: 'alarm.manual' };
      try {
        assert.notEqual(await send('pendant-down', 'event', press), 'acknowledged');
        const health = await healthOf(platform);
        assert.equal(health.status, 503);
        assert.equal(health.body.status, 'degraded');
        assert.equal(
          (await alarmsOf(platform, 'pendant-down')).length,
          0,
          'no technical alarm for a transient failure',
        );
      } finally {
        await platform.db.pool.query(
          'DROP TRIGGER test_conflict ON device_messages; DROP FUNCTION test_conflict_always()',
        );
      }
      assert.equal(await send('pendant-down', 'event', press), 'acknowledged', 'the resend');
      assert.deepEqual(
        (await alarmsOf(platform, 'pendant-down')).map((a) => a.kind),
        ['manual'],
      );
      await eventually(async () => (await healthOf(platform)).body.status === 'ok');
    });

    it('each message is counted once: an event the device type never sends is rejected, not also accepted', async () => {
      const acceptedBefore = await counter(platform, 'deviceMessages', 'channel', 'event');
      const rejectedBefore = await counter(platform, 'rejected', 'reason', 'EVENT_NOT_FOR_DEVICE_TYPE');
      const exit = { ...envelope(), type: 'door.open', direction: 'exit' };
      assert.equal(await send('pendant-once', 'event', exit), 'acknowledged');
      assert.equal(await counter(platform, 'rejected', 'reason', 'EVENT_NOT_FOR_DEVICE_TYPE'), rejectedBefore + 1);
      assert.equal(await counter(platform, 'deviceMessages', 'channel', 'event'), acceptedBefore);
      assert.equal(await send('pendant-once', 'event', { ...envelope(), type: 'alarm.manual' }), 'acknowledged');
      assert.equal(await counter(platform, 'deviceMessages', 'channel', 'event'), acceptedBefore + 1);
    });

    it('any text in any field of every device message, sent through the broker, is acknowledged and either refused with a counted reason or stored and read back as sent', async () => {
      const cases = textFieldCases().filter((c) => c.channel !== 'cmd'); // devices may not publish commands
      let envelopeSeq = 0;
      for (const c of cases) {
        const deviceType =
          c.channel === 'event' ? DEVICE_TYPES.find((t) => eventAllowedFor(t, c.variant))! : ('pendant' as const);
        const deviceId = `prop-${deviceType}`;
        await fc.assert(
          fc.asyncProperty(hostileText, async (text) => {
            envelopeSeq++;
            // A fresh message id each run (unless the id is the field under test), so none is a retransmission.
            const base = { ...c.withText(text) };
            if (c.path[0] !== 'id') base.id = `prop-${envelopeSeq}-${Date.now().toString(36)}`;
            const refusedBefore = await allRejected(platform);
            assert.equal(await send(deviceId, c.channel, base), 'acknowledged', `${c.name}: acknowledged`);
            const refused = (await allRejected(platform)) > refusedBefore;
            if (refused || c.channel !== 'event') return;
            const { rows } = await platform.db.pool.query<{ body: unknown }>(
              'SELECT body FROM device_messages WHERE device_id = $1 AND message_id = $2',
              [deviceId, base.id],
            );
            assert.deepEqual(rows[0]?.body, base, `${c.name}: stored as sent`);
          }),
          { numRuns: 8, examples: KNOWN_HOSTILE_TEXTS.map((t) => [t] as [string]) },
        );
      }
      const health = await healthOf(platform);
      assert.equal(health.body.status, 'ok', 'no message degraded the platform');
    });
  });
