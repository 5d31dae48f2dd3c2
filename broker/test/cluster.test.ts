// Two broker processes sharing one Redis (the machine's own, 127.0.0.1:6379 unless TEST_REDIS_URL
// says otherwise). Every run uses its own key and channel prefix and deletes its keys afterwards.

import assert from 'node:assert/strict';
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import mqtt, { type IClientOptions, type IConnackPacket, type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, it } from 'vitest';

const run = promisify(execFile);
const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379/0';
const PREFIX = `trygg-test-${randomUUID().slice(0, 8)}:`;
const SECRETS: Record<string, string> = { 'pendant-a': 'secret-a', 'pendant-b': 'secret-b' };
const SERVICE = { username: 'alarm-center', password: 'service-pw' };
const FIXTURE = fileURLToPath(new URL('./fixtures/cluster-node.ts', import.meta.url));

interface Node {
  process: ChildProcess;
  port: number;
}

async function startNode(): Promise<Node> {
  const child = spawn(process.execPath, ['--import', 'tsx', FIXTURE], {
    env: {
      ...process.env,
      REDIS_URL,
      REDIS_KEY_PREFIX: PREFIX,
      TEST_DEVICE_SECRETS: JSON.stringify(SECRETS),
      TEST_SERVICE: `${SERVICE.username}:${SERVICE.password}`,
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: child.stdout as NonNullable<typeof child.stdout> });
  const started = once(lines, 'line').then(([line]) => JSON.parse(line as string) as { mqttPort: number });
  const failed = once(child, 'exit').then(([code]) => {
    throw new Error(`broker node exited with ${code} before listening`);
  });
  const timeout = new Promise<never>((_, reject) =>
    setTimeout(() => reject(new Error('broker node did not start in 20 s')), 20_000).unref(),
  );
  const { mqttPort } = await Promise.race([started, failed, timeout]);
  return { process: child, port: mqttPort };
}

function exited(node: Node, timeoutMs: number): Promise<number | string | null> {
  if (node.process.exitCode !== null || node.process.signalCode !== null) {
    return Promise.resolve(node.process.exitCode ?? node.process.signalCode);
  }
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve('still running'), timeoutMs);
    node.process.once('exit', (code, signal) => {
      clearTimeout(timer);
      resolve(code ?? signal);
    });
  });
}

interface Message {
  topic: string;
  payload: string;
}

/** A connected client and every message it received since CONNECT (queued ones arrive at once). */
interface Connection {
  client: MqttClient;
  connack: IConnackPacket;
  received: Message[];
}

function connect(port: number, options: IClientOptions): Promise<Connection> {
  return new Promise((resolve, reject) => {
    const client = mqtt.connect(`mqtt://127.0.0.1:${port}`, {
      protocolVersion: 4,
      reconnectPeriod: 0,
      connectTimeout: 5000,
      ...options,
    });
    const received: Message[] = [];
    client.on('message', (topic, payload) => received.push({ topic, payload: payload.toString() }));
    client.once('connect', (connack) => resolve({ client, connack, received }));
    client.once('error', (err) => {
      client.end(true);
      reject(err);
    });
  });
}

const service = (port: number, clientId: string) => connect(port, { clientId, ...SERVICE });

const device = (port: number, id: string, options: IClientOptions = {}) =>
  connect(port, { clientId: id, username: id, password: SECRETS[id], ...options });

/** All messages received so far, once there are `count` of them or the timeout passed. */
function receivedSoFar(connection: Connection, count: number, timeoutMs = 3000): Promise<Message[]> {
  const { client, received } = connection;
  return new Promise((resolve) => {
    const finish = () => {
      clearTimeout(timer);
      client.off('message', check);
      resolve([...received]);
    };
    const check = () => {
      if (received.length >= count) finish();
    };
    const timer = setTimeout(finish, timeoutMs);
    client.on('message', check);
    check();
  });
}

async function prefixedKeys(): Promise<string[]> {
  const { stdout } = await run('redis-cli', ['-u', REDIS_URL, '--scan', '--pattern', `${PREFIX}*`]);
  return stdout.split('\n').filter(Boolean);
}

/** Length of a client's offline queue in aedes-persistence-redis, once it reached `count` or after 3 s. */
async function queuedFor(clientId: string, count: number): Promise<number> {
  const deadline = Date.now() + 3000;
  for (;;) {
    const { stdout } = await run('redis-cli', ['-u', REDIS_URL, 'LLEN', `${PREFIX}outgoing:${clientId}`]);
    const length = Number(stdout.trim());
    if (length >= count || Date.now() > deadline) return length;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('broker cluster: two processes sharing Redis', () => {
  let a: Node;
  let b: Node;
  const clients: MqttClient[] = [];
  const track = (connection: Connection) => {
    clients.push(connection.client);
    return connection;
  };

  beforeAll(async () => {
    [a, b] = await Promise.all([startNode(), startNode()]);
  });

  afterAll(async () => {
    for (const client of clients) client.end(true);
    for (const node of [a, b]) {
      if (node && node.process.exitCode === null && node.process.signalCode === null) {
        node.process.kill('SIGKILL');
        await exited(node, 5000);
      }
    }
    const keys = await prefixedKeys();
    if (keys.length > 0) await run('redis-cli', ['-u', REDIS_URL, 'DEL', ...keys]);
  });

  it("delivers a device's QoS 1 event published on node B to the alarm center on node A", async () => {
    const center = track(await service(a.port, 'center-a'));
    await center.client.subscribeAsync('v1/devices/+/event', { qos: 1 });
    const pendant = track(await device(b.port, 'pendant-a'));
    await pendant.client.publishAsync('v1/devices/pendant-a/event', '{"alarm":"manual"}', { qos: 1 });
    assert.deepEqual(await receivedSoFar(center, 1), [
      { topic: 'v1/devices/pendant-a/event', payload: '{"alarm":"manual"}' },
    ]);
    await pendant.client.endAsync();
    await center.client.endAsync();
  });

  it('keeps commands sent while a device was offline and hands them over when it reconnects to the other node', async () => {
    const cmdTopic = 'v1/devices/pendant-b/cmd';
    const session = { clean: false };
    const first = track(await device(a.port, 'pendant-b', session));
    await first.client.subscribeAsync(cmdTopic, { qos: 1 });
    await first.client.endAsync();

    // One command through each node while the device is away: both land in its Redis session.
    const centerA = track(await service(a.port, 'center-a'));
    const centerB = track(await service(b.port, 'center-b'));
    await centerA.client.publishAsync(cmdTopic, '{"cmd":"test-alarm"}', { qos: 1 });
    await centerB.client.publishAsync(cmdTopic, '{"cmd":"ping"}', { qos: 1 });
    // aedes sends a QoS 1 PUBACK before it queues the message for offline sessions: wait for both.
    assert.equal(await queuedFor('pendant-b', 2), 2, 'the offline session is kept in Redis under the run prefix');

    const moved = track(await device(b.port, 'pendant-b', session));
    assert.equal(moved.connack.sessionPresent, true, 'node B knows the session node A created');
    // Two publishers: MQTT orders messages per publisher only, so compare without order.
    const queued = await receivedSoFar(moved, 2);
    assert.deepEqual(queued.map((m) => `${m.topic} ${m.payload}`).sort(), [
      `${cmdTopic} {"cmd":"ping"}`,
      `${cmdTopic} {"cmd":"test-alarm"}`,
    ]);

    // The restored subscription is live on node B, whichever node the command comes through.
    await centerA.client.publishAsync(cmdTopic, '{"cmd":"live"}', { qos: 1 });
    assert.deepEqual((await receivedSoFar(moved, 3)).slice(2), [{ topic: cmdTopic, payload: '{"cmd":"live"}' }]);
    await moved.client.endAsync();

    // Acknowledged commands are gone from the session: reconnecting to node A brings no repeat.
    const back = track(await device(a.port, 'pendant-b', session));
    assert.equal(back.connack.sessionPresent, true);
    assert.deepEqual(await receivedSoFar(back, 1, 1000), []);
    await back.client.endAsync();
    await centerA.client.endAsync();
    await centerB.client.endAsync();
  });

  it('closes the old connection on node A when the same device connects to node B', async () => {
    const old = track(await device(a.port, 'pendant-a'));
    const oldClosed = new Promise<void>((resolve) => old.client.once('close', () => resolve()));
    const center = track(await service(a.port, 'center-a'));
    await center.client.subscribeAsync('v1/devices/pendant-a/event', { qos: 1 });
    const current = track(await device(b.port, 'pendant-a'));
    await oldClosed;
    await current.client.publishAsync('v1/devices/pendant-a/event', '{"after":"takeover"}', { qos: 1 });
    assert.deepEqual(await receivedSoFar(center, 1), [
      { topic: 'v1/devices/pendant-a/event', payload: '{"after":"takeover"}' },
    ]);
    await current.client.endAsync();
    await center.client.endAsync();
  });

  it('keeps delivering between clients on node B after node A is killed', async () => {
    const center = track(await service(b.port, 'center-b'));
    await center.client.subscribeAsync('v1/devices/+/event', { qos: 1 });
    const onA = track(await device(a.port, 'pendant-b'));
    await onA.client.publishAsync('v1/devices/pendant-b/event', '{"n":1}', { qos: 1 });
    assert.equal((await receivedSoFar(center, 1)).length, 1, 'both nodes deliver before the kill');

    a.process.kill('SIGKILL');
    assert.equal(await exited(a, 5000), 'SIGKILL');

    const pendant = track(await device(b.port, 'pendant-a'));
    await pendant.client.publishAsync('v1/devices/pendant-a/event', '{"alarm":"fall"}', { qos: 1 });
    assert.deepEqual((await receivedSoFar(center, 2)).slice(1), [
      { topic: 'v1/devices/pendant-a/event', payload: '{"alarm":"fall"}' },
    ]);
    await pendant.client.endAsync();
    await center.client.endAsync();
  });

  it('a node stopped with SIGTERM closes its Redis connections and exits by itself', async () => {
    b.process.kill('SIGTERM');
    assert.equal(await exited(b, 10_000), 0);
  });
});
