import assert from 'node:assert/strict';
import { test } from 'vitest';
import { type Publisher, publisherPool } from '../src/mqtt-publisher.ts';

function recording(name: string, log: string[]): Publisher & { closed: boolean } {
  return {
    closed: false,
    async publish(topic) {
      log.push(`${name}:${topic}`);
    },
    async close() {
      this.closed = true;
    },
  };
}

test("a device's messages always leave on the same connection, and devices spread over all of them", async () => {
  const log: string[] = [];
  const members = ['a', 'b', 'c', 'd'].map((n) => recording(n, log));
  const pool = publisherPool(members);
  for (let round = 0; round < 3; round++) {
    for (let d = 0; d < 40; d++) await pool.publish(`v1/devices/scaip-1-${d}/event`, Buffer.from('{}'));
  }
  const connectionOf = new Map<string, Set<string>>();
  for (const entry of log) {
    const [name, topic] = entry.split(':') as [string, string];
    connectionOf.set(topic, (connectionOf.get(topic) ?? new Set()).add(name));
  }
  for (const [topic, names] of connectionOf) assert.equal(names.size, 1, `${topic} used one connection`);
  const used = new Set(log.map((e) => e.split(':')[0]));
  assert.equal(used.size, 4, 'every connection carries some devices');
  await pool.close();
  assert.ok(members.every((m) => m.closed));
});

test('a pool needs at least one publisher', () => {
  assert.throws(() => publisherPool([]), RangeError);
});
