import assert from 'node:assert/strict';
import { once } from 'node:events';
import { type AddressInfo, connect, createServer, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { coalesceWrites } from '../src/socket-writes.ts';

/** A connected pair on loopback: `server` is the broker's side, wrapped as the broker wraps it. */
const open = new Set<Socket>();
async function socketPair(listener: Server): Promise<{ server: Socket; client: Socket }> {
  const accepted = once(listener, 'connection') as Promise<[Socket]>;
  const client = connect((listener.address() as AddressInfo).port, '127.0.0.1');
  const [[server]] = await Promise.all([accepted, once(client, 'connect')]);
  open.add(client).add(server);
  return { server: coalesceWrites(server), client };
}

/** How many times the socket handed data to the kernel (Node's net.Socket _write/_writev). */
function countSystemWrites(socket: Socket): { calls: number } {
  const count = { calls: 0 };
  const internal = socket as unknown as Record<'_write' | '_writev', (...args: unknown[]) => void>;
  for (const name of ['_write', '_writev'] as const) {
    const original = internal[name];
    internal[name] = function (this: Socket, ...args: unknown[]) {
      count.calls++;
      return original.apply(this, args);
    };
  }
  return count;
}

const received = (client: Socket, bytes: number) =>
  new Promise<Buffer>((resolve) => {
    const chunks: Buffer[] = [];
    let length = 0;
    const onData = (chunk: Buffer) => {
      chunks.push(chunk);
      length += chunk.length;
      if (length >= bytes) {
        client.off('data', onData);
        resolve(Buffer.concat(chunks));
      }
    };
    client.on('data', onData);
  });

describe('broker socket writes', () => {
  let listener: Server;
  beforeAll(async () => {
    listener = createServer();
    listener.listen(0, '127.0.0.1');
    await once(listener, 'listening');
  });
  afterAll(async () => {
    for (const socket of open) socket.destroy();
    await new Promise<void>((resolve) => listener.close(() => resolve()));
  });

  it('sends the packets of one turn (each delivered in its own setImmediate, as aedes does) in one system call, in order', async () => {
    const { server, client } = await socketPair(listener);
    const writes = countSystemWrites(server);
    const arriving = received(client, 100 * 4);
    for (let n = 0; n < 100; n++) {
      setImmediate(() => {
        // mqtt-packet's writeToStream: cork, several writes, uncork on the next tick
        server.cork();
        server.write(Buffer.from([0x40, 0x02]));
        server.write(Buffer.from([n >> 8, n & 0xff]));
        process.nextTick(() => server.uncork());
      });
    }
    const bytes = await arriving;
    assert.equal(writes.calls, 1, 'one writev for the whole turn');
    for (let n = 0; n < 100; n++) assert.equal(bytes.readUInt16BE(n * 4 + 2), n, `packet ${n} in place`);
  });

  it('still tells a writer to wait when a reader stops reading, and drains once it reads again', async () => {
    const { server, client } = await socketPair(listener);
    client.pause();
    const chunk = Buffer.alloc(64 * 1024, 1);
    let written = 0;
    while (server.write(chunk)) {
      written += chunk.length;
      assert.ok(written < 256 * 1024 * 1024, 'write() never said wait');
      await new Promise((r) => setImmediate(r));
    }
    written += chunk.length;
    const arriving = received(client, written);
    const drained = once(server, 'drain');
    client.resume();
    await drained;
    assert.equal((await arriving).length, written);
  });
});
