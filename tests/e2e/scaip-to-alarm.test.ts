// A real SCAIP social alarm, end to end on real parts: SIPp (a SIP peer no one here wrote) plays the
// controller, the gateway knows controllers from the alarm center's PostgreSQL and publishes into
// the alarm center's broker as a service account, and the alarm is committed for the resident
// before the controller gets its 200 OK.

import assert from 'node:assert/strict';
import type { Platform } from '@trygg/alarm-center';
import { eventually } from '@trygg/alarm-center/testing';
import { createControllerAuth, type Gateway } from '@trygg/gateway';
import { alarmFields, mrq, runSipp } from '@trygg/gateway/testing';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { type ScaipRig, startScaipRig } from '../src/voice-rig.ts';

const CID = '4600123';
const RESIDENT = 'res-scaip';

describe('a SCAIP alarm sent by SIPp reaches the alarm center', () => {
  let rig: ScaipRig;
  let platform: Platform;
  let gateway: Gateway;

  const provision = (cid: string, did: string, deviceType: 'pendant' | 'fall' = 'pendant') =>
    rig.provision(cid, did, deviceType);

  async function alarmsOf(deviceId: string) {
    const { rows } = await platform.db.pool.query<{
      kind: string;
      resident_id: string | null;
      status: string;
      audience: string;
      repeat_count: number;
      source_message_id: string | null;
      details: { fault?: string };
    }>(
      `SELECT kind, resident_id, status, audience, repeat_count, source_message_id, details
       FROM alarms WHERE device_id = $1`,
      [deviceId],
    );
    return rows;
  }

  beforeAll(async () => {
    rig = await startScaipRig({ resident: RESIDENT, clientId: 'scaip-gateway-e2e' });
    ({ platform, gateway } = rig);
  });

  afterAll(async () => {
    await rig?.close();
  });

  it('an mrq manual alarm is answered 200 OK snu 0 only once a manual alarm is stored for the resident', async () => {
    const deviceId = await provision(CID, '1');
    const run = await runSipp('scaip-message.xml', gateway.udpPort, {
      keys: { body: mrq(alarmFields(CID, 'A0001')) },
      sets: { expected: '0' },
    });
    assert.equal(run.code, 0, run.stdout + run.stderr);
    // no waiting: the 200 OK followed the PUBACK, which followed the commit
    const rows = await alarmsOf(deviceId);
    assert.equal(rows.length, 1);
    assert.equal(rows[0]?.kind, 'manual');
    assert.equal(rows[0]?.resident_id, RESIDENT);
    assert.equal(rows[0]?.status, 'new');
    assert.match(rows[0]?.source_message_id ?? '', new RegExp(`^scaip-${CID}-A0001\\.`));
  });

  it('a retransmission of the same ref is answered twice with snu 0 and raises one alarm, not a repeat', async () => {
    const deviceId = await provision(CID, '2');
    const body = mrq({ ...alarmFields(CID, 'R0001'), did: '2' });
    const run = await runSipp('scaip-retransmit.xml', gateway.udpPort, { keys: { body } });
    assert.equal(run.code, 0, run.stdout + run.stderr);
    const rows = await alarmsOf(deviceId);
    assert.equal(rows.length, 1);
    assert.equal(rows[0]?.repeat_count, 0, 'the retransmission was not counted as a second press');
    const { rows: messages } = await platform.db.pool.query('SELECT 1 FROM device_messages WHERE device_id = $1', [
      deviceId,
    ]);
    assert.equal(messages.length, 1);
  });

  it('a controller with no device provisioned at the alarm center is refused with 403 and nothing is raised', async () => {
    const refusedBefore = gateway.stats().rejected.UNKNOWN_CONTROLLER ?? 0;
    const run = await runSipp('scaip-forbidden.xml', gateway.udpPort, {
      keys: { body: mrq(alarmFields('4600999', 'U0001')) },
    });
    assert.equal(run.code, 0, run.stdout + run.stderr);
    assert.equal(gateway.stats().rejected.UNKNOWN_CONTROLLER, refusedBefore + 1);
    const { rows } = await platform.db.pool.query(`SELECT 1 FROM alarms WHERE device_id LIKE 'scaip-4600999-%'`);
    assert.equal(rows.length, 0);
  });

  it('a controller whose only device was retired is refused with 403', async () => {
    const deviceId = await provision('4600555', '1');
    await platform.db.pool.query(`UPDATE devices SET status = 'retired' WHERE id = $1`, [deviceId]);
    const run = await runSipp('scaip-forbidden.xml', gateway.udpPort, {
      keys: { body: mrq(alarmFields('4600555', 'X0001')) },
    });
    assert.equal(run.code, 0, run.stdout + run.stderr);
    assert.equal((await alarmsOf(deviceId)).length, 0);
  });

  it('a PI heartbeat marks the device as seen for the technicians', async () => {
    const deviceId = await provision(CID, '3');
    const { rows: beforeRows } = await platform.db.pool.query<{ last_seen_at: Date | null }>(
      'SELECT last_seen_at FROM devices WHERE id = $1',
      [deviceId],
    );
    assert.equal(beforeRows[0]?.last_seen_at, null);
    const sentAt = Date.now();
    const body = mrq({ ref: 'P0001', cid: CID, mty: 'PI', dty: '0003', did: '3', hbi: '120' });
    const run = await runSipp('scaip-message.xml', gateway.udpPort, { keys: { body }, sets: { expected: '0' } });
    assert.equal(run.code, 0, run.stdout + run.stderr);
    // device health is written behind in batches (every 5 s)
    const lastSeen = await eventually(async () => {
      const { rows } = await platform.db.pool.query<{ last_seen_ms: number | null }>(
        'SELECT (extract(epoch FROM last_seen_at) * 1000)::float8 AS last_seen_ms FROM devices WHERE id = $1',
        [deviceId],
      );
      return rows[0]?.last_seen_ms ?? undefined;
    }, 10_000);
    assert.ok(lastSeen >= sentAt - 1000, `last seen ${new Date(lastSeen).toISOString()}`);
    assert.equal((await alarmsOf(deviceId)).length, 0, 'a heartbeat raises no alarm');
  });

  it('a press on an unregistered unit of a known controller is answered snu 0 only once an operator alarm "unknown unit" is stored', async () => {
    const controllerDevice = await provision('4600700', '1');
    const body = mrq({ ...alarmFields('4600700', 'K0001'), did: '9' });
    const run = await runSipp('scaip-message.xml', gateway.udpPort, { keys: { body }, sets: { expected: '0' } });
    assert.equal(run.code, 0, run.stdout + run.stderr);
    const rows = await alarmsOf(controllerDevice);
    assert.equal(rows.length, 1, 'the press reached an operator instead of vanishing as UNKNOWN_DEVICE');
    assert.equal(rows[0]?.kind, 'manual');
    assert.equal(rows[0]?.audience, 'operator');
    assert.equal(rows[0]?.resident_id, RESIDENT);
    assert.match(rows[0]?.details.fault ?? '', /unknown unit 9 on controller 4600700/);
    assert.equal(gateway.stats().unknownUnits, 1);
  });

  it('a pendant press from a unit registered as a fall sensor is answered snu 5 (not treated) and counted', async () => {
    const deviceId = await provision('4600701', '1', 'fall');
    const body = mrq(alarmFields('4600701', 'W0001'));
    const run = await runSipp('scaip-message.xml', gateway.udpPort, { keys: { body }, sets: { expected: '5' } });
    assert.equal(run.code, 0, run.stdout + run.stderr);
    assert.equal(gateway.stats().rejected.EVENT_NOT_FOR_DEVICE_TYPE, 1);
    assert.equal((await alarmsOf(deviceId)).length, 0);
  });

  it('after a gateway restart, a new press reusing an old ref past the de-dup window is stored, not discarded', async () => {
    const deviceId = await provision('4600702', '1');
    const body = mrq(alarmFields('4600702', 'Z0001'));
    const first = await runSipp('scaip-message.xml', gateway.udpPort, { keys: { body }, sets: { expected: '0' } });
    assert.equal(first.code, 0, first.stdout + first.stderr);
    // a fresh gateway process (empty memory) eleven minutes later: the controller's ref counter wrapped
    const restarted = await rig.startGateway({ now: () => Date.now() + 11 * 60_000 });
    try {
      const again = await runSipp('scaip-message.xml', restarted.udpPort, { keys: { body }, sets: { expected: '0' } });
      assert.equal(again.code, 0, again.stdout + again.stderr);
    } finally {
      await restarted.close();
    }
    const { rows: messages } = await platform.db.pool.query('SELECT 1 FROM device_messages WHERE device_id = $1', [
      deviceId,
    ]);
    assert.equal(messages.length, 2, 'the second press was stored, not taken for the first');
    const rows = await alarmsOf(deviceId);
    assert.equal(rows.length, 1);
    assert.equal(rows[0]?.repeat_count, 1, 'the open alarm shows the second press');
  });

  it('a retransmitted press from an unregistered unit raises one "unknown unit" alarm, not two', async () => {
    const controllerDevice = await provision('4600703', '1');
    const body = mrq({ ...alarmFields('4600703', 'K0002'), did: '8' });
    const run = await runSipp('scaip-retransmit.xml', gateway.udpPort, { keys: { body } });
    assert.equal(run.code, 0, run.stdout + run.stderr);
    const rows = await alarmsOf(controllerDevice);
    assert.equal(rows.length, 1);
    assert.equal(rows[0]?.repeat_count, 0);
  });

  it('with digest authentication on, as main.ts runs it, an authenticated press is stored before snu 0', async () => {
    const deviceId = await provision('4600704', '1');
    const secret = 'e2e-controller-secret-0001';
    const authenticated = await rig.startGateway({
      auth: createControllerAuth({ credentials: new Map([['4600704', { secret }]]) }),
    });
    try {
      const run = await runSipp('scaip-digest.xml', authenticated.udpPort, {
        keys: { body: mrq(alarmFields('4600704', 'A0001')), cid: '4600704' },
        sets: { expected: '0' },
        auth: { username: '4600704', password: secret },
      });
      assert.equal(run.code, 0, run.stdout + run.stderr);
      assert.equal(authenticated.stats().rejected.AUTH_REQUIRED, 1, 'challenged first');
    } finally {
      await authenticated.close();
    }
    const rows = await alarmsOf(deviceId);
    assert.equal(rows.length, 1);
    assert.equal(rows[0]?.kind, 'manual');
  });
});
