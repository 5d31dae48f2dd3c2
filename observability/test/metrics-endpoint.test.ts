import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import client from 'prom-client';
import { test } from 'vitest';
import { serveMetrics } from '../src/index.ts';

function registryWithCounter() {
  const registry = new client.Registry();
  const counter = new client.Counter({ name: 'alarms_demo_total', help: 'demo', registers: [registry] });
  counter.inc(3);
  return registry;
}

test('metrics are served on their own loopback port, not elsewhere', async () => {
  const endpoint = await serveMetrics({ registry: registryWithCounter(), port: 0 });
  try {
    const ok = await fetch(endpoint.url);
    assert.equal(ok.status, 200);
    assert.match(await ok.text(), /alarms_demo_total 3/);
    const other = await fetch(endpoint.url.replace('/metrics', '/api/alarms'));
    assert.equal(other.status, 404);
  } finally {
    await endpoint.close();
  }
});

test('with a token, a request without it or with a wrong one is refused and counted', async () => {
  const registry = registryWithCounter();
  const endpoint = await serveMetrics({ registry, port: 0, token: 's3cret-token' });
  try {
    assert.equal((await fetch(endpoint.url)).status, 401);
    assert.equal((await fetch(endpoint.url, { headers: { authorization: 'Bearer wrong' } })).status, 401);
    const ok = await fetch(endpoint.url, { headers: { authorization: 'Bearer s3cret-token' } });
    assert.equal(ok.status, 200);
    assert.match(await ok.text(), /metrics_unauthorized_total 2/);
  } finally {
    await endpoint.close();
  }
});

test('a taken port is a clear error naming the port', async () => {
  const blocker = createServer();
  await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
  const port = (blocker.address() as { port: number }).port;
  try {
    await assert.rejects(serveMetrics({ registry: registryWithCounter(), port }), {
      code: 'METRICS_PORT_IN_USE',
      message: new RegExp(String(port)),
    });
  } finally {
    blocker.close();
  }
});
