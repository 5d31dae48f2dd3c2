// A reconnect storm must not saturate the machine: device secrets are verified a bounded number at
// a time, logins are admitted at a bounded rate, and a device beyond either bound is told CONNACK 3
// "server unavailable" and gets in when it retries. Real scrypt secrets, real sockets, mqtt.js
// reconnecting as devices do; the storm is made simultaneous by holding every credential lookup
// until all devices are waiting, so the outcome does not depend on the machine's speed.

import assert from 'node:assert/strict';
import mqtt, { type MqttClient } from 'mqtt';
import { pino } from 'pino';
import { afterAll, describe, it } from 'vitest';
import { type RunningBroker, startBroker } from '../src/broker.ts';
import { hashSecret, verifySecret } from '../src/secrets.ts';
import { answered, connect } from './clients.ts';

const logger = pino({ level: 'silent' });
const DEVICES = 24;
// The rate is not what these storms test: it is set out of reach (the last test covers it).
const BOUNDS = { maxConcurrentVerifications: 2, maxQueuedVerifications: 4, loginsPerSecond: 1e9, loginBurst: 1e9 };
const config = { host: '127.0.0.1', mqttPort: 0, wsPort: null, allowAnonymous: false, maxPayloadBytes: 1024 };

interface Fleet {
  devices: { id: string; secret: string; hash: string }[];
  hashOf: Map<string, string>;
}

async function fleet(size: number): Promise<Fleet> {
  const devices = await Promise.all(
    Array.from({ length: size }, async (_, i) => {
      const secret = `secret-of-storm-${i}`;
      return { id: `storm-${i}`, secret, hash: await hashSecret(secret) };
    }),
  );
  return { devices, hashOf: new Map(devices.map((d) => [d.id, d.hash])) };
}

/** Resolves every waiter once `size` are waiting: the whole fleet then reaches the verifier together. */
function gate(size: number) {
  const waiting: (() => void)[] = [];
  let open = false;
  return async () => {
    if (open) return;
    await new Promise<void>((resolve) => {
      waiting.push(resolve);
      if (waiting.length >= size) {
        open = true;
        for (const release of waiting) release();
      }
    });
  };
}

/** Connects every device at once, retrying as devices do; counts the CONNACK 3 answers. */
async function storm(port: number, devices: Fleet['devices'], clients: MqttClient[]) {
  let serverUnavailable = 0;
  await Promise.all(
    devices.map(
      (d) =>
        new Promise<void>((resolve, reject) => {
          const client = mqtt.connect(`mqtt://127.0.0.1:${port}`, {
            clientId: d.id,
            username: d.id,
            password: d.secret,
            protocolVersion: 4,
            reconnectPeriod: 20,
            // As our SimDevice does: without it mqtt.js gives up after any refused CONNACK.
            reconnectOnConnackError: true,
            connectTimeout: 30_000,
          });
          clients.push(client);
          client.on('error', (err: Error & { code?: number }) => {
            if (err.code === 3) serverUnavailable++;
            else reject(err);
          });
          client.once('connect', () => resolve());
        }),
    ),
  );
  return { serverUnavailable };
}

describe('device logins under a reconnect storm', () => {
  const clients: MqttClient[] = [];
  const brokers: RunningBroker[] = [];
  afterAll(async () => {
    for (const c of clients) c.end(true);
    for (const b of brokers) await b.close();
  });

  it('verifies at most 2 secrets at once through the authenticator; the excess get CONNACK 3 and all get in', async () => {
    const { devices, hashOf } = await fleet(DEVICES);
    // The first verifications are held until the rest of the storm has been answered (2 running,
    // 4 waiting, 18 refused), or until all 24 are inside at once, which is what an unbounded broker does.
    let release: () => void = () => {};
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    let refusedSoFar = 0;
    let running = 0;
    let peak = 0;
    const broker = await startBroker(
      { ...config, admission: BOUNDS },
      {
        // What the alarm center passes today: lookup and scrypt inside its own authenticator.
        authenticator: {
          async authenticate(id, secret) {
            running++;
            peak = Math.max(peak, running);
            if (running === DEVICES) release();
            try {
              await held;
              return await verifySecret(secret, hashOf.get(id) ?? '');
            } finally {
              running--;
            }
          },
        },
        hooks: {
          onLoginRefused: () => {
            if (++refusedSoFar === DEVICES - 6) release();
          },
        },
        logger,
      },
    );
    brokers.push(broker);
    const { serverUnavailable } = await answered(storm(broker.mqttPort, devices, clients), 'every device in', 120_000);
    assert.equal(broker.stats().connectedClients, DEVICES, 'no device lost');
    assert.ok(peak <= BOUNDS.maxConcurrentVerifications, `at most 2 verifications at once, saw ${peak}`);
    assert.ok(serverUnavailable >= DEVICES - 6, `the excess was told "server unavailable" (${serverUnavailable})`);
    assert.equal(broker.stats().refusals.login.OVERLOADED, serverUnavailable);
  });

  it('verifies at most 2 secrets at once from stored hashes, and never a secret it verified before', async () => {
    const { devices, hashOf } = await fleet(DEVICES);
    const firstRound = gate(DEVICES);
    let lookups = 0;
    const broker = await startBroker(
      { ...config, admission: BOUNDS },
      {
        credentials: {
          async secretHash(id) {
            lookups++;
            await firstRound();
            return hashOf.get(id) ?? null;
          },
        },
        logger,
      },
    );
    brokers.push(broker);
    const { serverUnavailable } = await answered(storm(broker.mqttPort, devices, clients), 'every device in', 120_000);
    const { logins, connectedClients, refusals } = broker.stats();
    assert.equal(connectedClients, DEVICES, 'no device lost');
    assert.equal(logins.peakVerifying, BOUNDS.maxConcurrentVerifications);
    assert.ok(serverUnavailable >= DEVICES - 6);
    assert.equal(refusals.login.OVERLOADED, serverUnavailable);
    assert.equal(logins.derivations, DEVICES, 'one scrypt per device: a refused login cost no derivation');
    assert.ok(lookups > DEVICES);
  });

  it('admits device logins at the configured rate: beyond the burst CONNACK 3, then in once time has passed', async () => {
    const { devices, hashOf } = await fleet(4);
    let now = 1_000_000;
    const broker = await startBroker(
      { ...config, admission: { loginsPerSecond: 1, loginBurst: 3 } },
      {
        authenticator: { authenticate: async (id, secret) => verifySecret(secret, hashOf.get(id) ?? '') },
        serviceAccounts: [{ username: 'gateway', password: 'gateway-pw' }],
        logger,
        clock: () => now,
      },
    );
    brokers.push(broker);
    const login = (d: Fleet['devices'][number]) =>
      connect(broker.mqttPort, { clientId: d.id, username: d.id, password: d.secret });
    const [last, ...first] = [devices[3]!, devices[0]!, devices[1]!, devices[2]!];
    for (const device of first) clients.push(await login(device));
    await assert.rejects(login(last), (err: Error & { code?: number }) => err.code === 3);
    // A service account (the gateway) is not a device: it is never held back by the device rate.
    clients.push(await connect(broker.mqttPort, { clientId: 'gw', username: 'gateway', password: 'gateway-pw' }));
    now += 1000;
    clients.push(await login(last));
    assert.equal(broker.stats().refusals.login.RATE_LIMITED, 1);
  });
});
