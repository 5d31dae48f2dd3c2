// Runs the SCAIP gateway as a real OS process (the same entry point as `npm run gateway`), so a
// test can run several instances and kill one with SIGKILL.

import { type ChildProcess, spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { eventually, freePort } from '@trygg/alarm-center/testing';

const MAIN = resolve(fileURLToPath(new URL('../../gateway/src/main.ts', import.meta.url)));

export interface GatewayProcess {
  sipPort: number;
  child: ChildProcess;
  output(): string;
  kill(signal: NodeJS.Signals): Promise<void>;
}

export async function startGatewayProcess(env: Record<string, string>): Promise<GatewayProcess> {
  const sipPort = await freePort();
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN], {
    env: {
      ...process.env,
      LOG_LEVEL: 'info',
      GATEWAY_SIP_HOST: '127.0.0.1',
      GATEWAY_SIP_PORT: String(sipPort),
      METRICS_PORT: String(await freePort()),
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (d) => (output += d));
  child.stderr?.on('data', (d) => (output += d));
  const kill = async (signal: NodeJS.Signals) => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill(signal);
    await exited;
  };
  try {
    await eventually(async () => {
      if (child.exitCode !== null) throw new Error(`gateway exited with ${child.exitCode}`);
      return output.includes('SCAIP gateway listening');
    }, 30_000);
  } catch (err) {
    await kill('SIGKILL');
    throw new Error(`gateway did not start: ${(err as Error).message}\n${output}`);
  }
  return { sipPort, child, output: () => output, kill };
}
