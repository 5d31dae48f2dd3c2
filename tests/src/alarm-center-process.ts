// Runs the alarm center as a real OS process (the same entry point as `npm start`) so tests can
// kill it with SIGKILL and start it again on the same ports.

import { type ChildProcess, spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const MAIN = resolve(fileURLToPath(new URL('../../alarm-center/src/main.ts', import.meta.url)));

/**
 * Free ports and the environment for an alarm-center process on `databaseUrl` (null: the embedded
 * default, given EMBEDDED_DB_DIR in `extra`), quiet and loopback-only.
 */
export async function centerEnvironment(databaseUrl: string | null, extra: Record<string, string> = {}) {
  const { freePort } = await import('@trygg/alarm-center/testing');
  const httpPort = await freePort();
  const mqttPort = await freePort();
  const env: Record<string, string> = {
    ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}),
    PII_KEY: '22'.repeat(32),
    MQTT_PORT: String(mqttPort),
    MQTT_WS_PORT: String(await freePort()),
    HTTP_HOST: '127.0.0.1',
    MQTT_HOST: '127.0.0.1',
    LOG_LEVEL: 'error',
    ESCALATE_AFTER_S: '3600', // no escalation rounds inside a measurement
    ...extra,
  };
  return { env, httpPort, mqttPort };
}

export interface AlarmCenterProcess {
  child: ChildProcess;
  output(): string;
  /** Milliseconds from spawn until /health first answered 200. */
  healthyAfterMs: number;
  /** Where its database is: DATABASE_URL, or the embedded server's socket from the banner. */
  databaseUrl(): Promise<string>;
  kill(signal: NodeJS.Signals): Promise<void>;
}

export async function startAlarmCenterProcess(
  env: Record<string, string>,
  httpPort: number,
  options: { healthyWithinMs?: number } = {},
): Promise<AlarmCenterProcess> {
  const started = performance.now();
  const healthyWithinMs = options.healthyWithinMs ?? 30_000;
  // BENCH_CENTER_NODE_ARGS: node options for the center alone, e.g. `--cpu-prof --cpu-prof-dir=DIR` to
  // profile it under a benchmark (node refuses --cpu-prof in NODE_OPTIONS)
  const child = spawn(
    process.execPath,
    [...(process.env.BENCH_CENTER_NODE_ARGS?.split(' ').filter(Boolean) ?? []), '--import', 'tsx', MAIN],
    {
      // METRICS_PORT 0: several centers run side by side in a test, and none may take the default 9464.
      env: { ...process.env, LOG_LEVEL: 'warn', DEMO: 'false', METRICS_PORT: '0', ...env, HTTP_PORT: String(httpPort) },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  child.stdout?.on('data', (d) => (output += d));
  child.stderr?.on('data', (d) => (output += d));
  const deadline = Date.now() + healthyWithinMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`alarm center exited with ${child.exitCode}:\n${output}`);
    try {
      const res = await fetch(`http://127.0.0.1:${httpPort}/health`);
      if (res.status === 200) break;
    } catch {
      /* not listening yet */
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`alarm center not healthy within ${healthyWithinMs} ms:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  const healthyAfterMs = performance.now() - started;
  return {
    child,
    output: () => output,
    healthyAfterMs,
    async databaseUrl() {
      if (env.DATABASE_URL) return env.DATABASE_URL;
      const { eventually } = await import('@trygg/alarm-center/testing');
      return eventually(async () => /psql "([^"]+)"/.exec(output)?.[1], 10_000);
    },
    async kill(signal) {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill(signal);
      await exited;
    },
  };
}
