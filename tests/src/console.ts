// Builds the web console once per test run (vite build) so the alarm center serves the real
// production bundle to Chromium.

import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { run } from './processes.ts';

export const CONSOLE_DIST = resolve(fileURLToPath(new URL('../../web-console/dist', import.meta.url)));
let built: Promise<string> | null = null;

export function buildConsole(): Promise<string> {
  built ??= (async () => {
    const root = resolve(CONSOLE_DIST, '..');
    // The test runner sets NODE_ENV=test, with which Vite would bundle React's development build.
    const env = { ...process.env, NODE_ENV: 'production' };
    const result = await run('npx', ['vite', 'build', '--logLevel', 'error'], { timeoutMs: 120_000, cwd: root, env });
    if (result.code !== 0 || !existsSync(resolve(CONSOLE_DIST, 'index.html'))) {
      throw new Error(`web console build failed: ${result.stderr || result.stdout}`);
    }
    return CONSOLE_DIST;
  })();
  return built;
}
