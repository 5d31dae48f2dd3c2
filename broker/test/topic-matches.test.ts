import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'vitest';
import { MAX_REMEMBERED, memoryEmitter } from '../src/topic-matches.ts';
import { run } from './clients.ts';

const spec = fileURLToPath(new URL('./fixtures/emitter-spec.ts', import.meta.url));

type Emitter = ReturnType<typeof memoryEmitter>;
const emitted = (mq: Emitter, topic: string) => new Promise<void>((resolve) => mq.emit({ topic }, () => resolve()));
const on = (mq: Emitter, filter: string, seen: string[]) => {
  const listener = (m: { topic: string }, done: () => void) => {
    seen.push(`${filter} ${m.topic}`);
    done();
  };
  return new Promise<typeof listener>((resolve) => mq.on(filter, listener, () => resolve(listener)));
};

describe('the standalone broker emitter, matches kept per topic (topic-matches.ts)', () => {
  it("passes mqemitter's own specification suite", async () => {
    const { stdout } = await run(process.execPath, ['--import', 'tsx', '--test', '--test-reporter=tap', spec], {
      cwd: fileURLToPath(new URL('..', import.meta.url)),
    });
    assert.match(stdout, /^# fail 0$/m);
    assert.ok(Number(/^# pass (\d+)/m.exec(stdout)?.[1]) >= 24);
  }, 60_000);

  it('forgets a kept match when a subscription comes or goes, so each message reaches the subscribers of its moment', async () => {
    const mq = memoryEmitter();
    const seen: string[] = [];
    const device = await on(mq, 'v1/devices/+/event', seen);
    await emitted(mq, 'v1/devices/d1/event');
    await on(mq, 'v1/#', seen);
    await emitted(mq, 'v1/devices/d1/event');
    await new Promise<void>((resolve) => mq.removeListener('v1/devices/+/event', device, () => resolve()));
    await emitted(mq, 'v1/devices/d1/event');
    // one, then both (in the trie's order), then only the one still subscribed
    assert.deepEqual(seen.slice(0, 1), ['v1/devices/+/event v1/devices/d1/event']);
    assert.deepEqual(seen.slice(1, 3).sort(), ['v1/# v1/devices/d1/event', 'v1/devices/+/event v1/devices/d1/event']);
    assert.deepEqual(seen.slice(3), ['v1/# v1/devices/d1/event']);
  });

  it('still matches every topic once more of them were seen than it keeps', async () => {
    const mq = memoryEmitter();
    const seen: string[] = [];
    await on(mq, 'v1/devices/+/heartbeat', seen);
    for (let n = 0; n <= MAX_REMEMBERED + 5; n++) await emitted(mq, `v1/devices/d${n}/heartbeat`);
    await emitted(mq, 'v1/devices/d0/heartbeat');
    assert.equal(seen.length, MAX_REMEMBERED + 7);
  });
});
