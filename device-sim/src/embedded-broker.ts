// The platform's broker in a child process of its own for load runs: 10,000 devices need 10,000
// sockets on each side, more than one process may hold under a 20,000-descriptor limit, and a
// separate process keeps the broker's CPU out of the devices' latency figures. Devices
// authenticate with real scrypt against one fleet secret (verified once, then cached).
// Run as a script: prints {"mqttPort":N} on stdout when listening.

import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

export interface ChildBroker {
  url: string;
  close(): Promise<void>;
}

export async function startChildBroker(secret: string): Promise<ChildBroker> {
  const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url)], {
    env: { ...process.env, SIM_FLEET_SECRET: secret },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: child.stdout });
  const port = await new Promise<number>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`embedded broker exited with ${code}`)));
    lines.once('line', (line) => resolve((JSON.parse(line) as { mqttPort: number }).mqttPort));
  });
  return {
    url: `mqtt://127.0.0.1:${port}`,
    close: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

async function serve(): Promise<void> {
  const { hashSecret, startBroker, VerifiedSecretCache } = await import('@trygg/broker');
  const { pino } = await import('pino');
  const stored = await hashSecret(process.env.SIM_FLEET_SECRET ?? '');
  const cache = new VerifiedSecretCache({ max: 100_000, ttlMs: 3_600_000 });
  const broker = await startBroker(
    { host: '127.0.0.1', mqttPort: 0, wsPort: null, allowAnonymous: false, maxPayloadBytes: 16 * 1024 },
    { authenticator: { authenticate: (id, s) => cache.verify(id, s, stored) }, logger: pino({ level: 'warn' }) },
  );
  process.once('SIGTERM', () => void broker.close().then(() => process.exit(0)));
  process.stdout.write(`${JSON.stringify({ mqttPort: broker.mqttPort })}\n`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await serve();
