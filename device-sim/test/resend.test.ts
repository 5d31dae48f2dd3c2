// A message whose PUBACK never came is sent again once after the reconnect, not twice: the
// firmware's own queue owns retransmission, so mqtt.js must not replay its copy as well.

import assert from 'node:assert/strict';
import { type RunningBroker, startBroker } from '@trygg/broker';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { SimDevice } from '../src/device.ts';
import { FLEET_SECRET } from './helpers.ts';

describe('retransmission after a lost PUBACK', () => {
  let broker: RunningBroker;
  const arrivals: string[] = [];
  let releaseFirst: () => void = () => {};
  const firstHeld = new Promise<void>((resolve) => {
    releaseFirst = resolve;
  });
  let holding = true;

  beforeAll(async () => {
    broker = await startBroker(
      { host: '127.0.0.1', mqttPort: 0, wsPort: null, allowAnonymous: false, maxPayloadBytes: 16 * 1024 },
      {
        authenticator: { authenticate: async (_id, secret) => secret === FLEET_SECRET },
        logger: pino({ level: 'silent' }),
        hooks: {
          onPublished: async ({ topic, payload }) => {
            if (!topic.endsWith('/event')) return;
            arrivals.push(JSON.parse(Buffer.from(payload).toString()).id);
            if (holding) {
              holding = false;
              await firstHeld; // the platform is slow: no PUBACK before the connection breaks
            }
          },
        },
      },
    );
  });
  afterAll(() => broker.close());

  it('an unacknowledged alarm arrives once more after the reconnect, with the same id', async () => {
    const device = new SimDevice(
      { deviceId: 'pendant-resend', deviceType: 'pendant', secret: FLEET_SECRET },
      { brokerUrl: `mqtt://127.0.0.1:${broker.mqttPort}`, reconnectMinMs: 50, reconnectMaxMs: 200 },
    );
    await device.connect();
    const delivered = device.send({ type: 'alarm.manual' });
    while (arrivals.length === 0) await new Promise((r) => setTimeout(r, 10));
    device.dropConnection();
    // The held first copy is let go once the retransmission has arrived (or after a bound): if it
    // were held until the retransmission's PUBACK, a broker whose session takeover waits for the
    // old connection's handler would wait forever (seen as a hang of this test in a full run).
    const until = Date.now() + 10_000;
    while (arrivals.length < 2 && Date.now() < until) await new Promise((r) => setTimeout(r, 10));
    releaseFirst();
    const { id } = await delivered; // acknowledged after the reconnect
    // Anything still in flight would arrive within a few round trips; a heartbeat after it proves
    // the connection is idle and in order.
    await device.heartbeat();
    await device.stop();
    assert.deepEqual(arrivals, [id, id], 'the original and exactly one retransmission');
  });
});
