// Builds the web console (vite build) so the alarm center serves the real production bundle to
// Chromium. Each test file runs in a process of its own, so "once per run" is kept on disk: the
// bundle carries a hash of everything it is built from (the console's sources, the packages it
// imports, the lockfile), and a file finding that hash current uses the bundle as it is. Any
// change to those inputs builds it again.

import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { run } from './processes.ts';

export const CONSOLE_DIST = resolve(fileURLToPath(new URL('../../web-console/dist', import.meta.url)));
let built: Promise<string> | null = null;

const REPO = resolve(CONSOLE_DIST, '../..');
/** What the bundle is built from, relative to the repository. */
const INPUTS = [
  'web-console/src',
  'web-console/public',
  'web-console/index.html',
  'web-console/vite.config.ts',
  'web-console/package.json',
  'console-contract/src',
  'firmware-protocol/src',
  'package-lock.json',
];
const STAMP = resolve(CONSOLE_DIST, '.inputs-sha256');

function inputsHash(): string {
  const hash = createHash('sha256');
  const visit = (path: string) => {
    if (!existsSync(path)) return;
    if (statSync(path).isDirectory()) {
      for (const name of readdirSync(path).sort()) visit(join(path, name));
      return;
    }
    hash.update(relative(REPO, path)).update('\0').update(readFileSync(path)).update('\0');
  };
  for (const input of INPUTS) visit(resolve(REPO, input));
  return hash.digest('hex');
}

export function buildConsole(): Promise<string> {
  built ??= (async () => {
    const root = resolve(CONSOLE_DIST, '..');
    const inputs = inputsHash();
    const current =
      existsSync(resolve(CONSOLE_DIST, 'index.html')) && existsSync(STAMP) && readFileSync(STAMP, 'utf8') === inputs;
    if (current) return CONSOLE_DIST;
    // The test runner sets NODE_ENV=test, with which Vite would bundle React's development build.
    const env = { ...process.env, NODE_ENV: 'production' };
    const result = await run('npx', ['vite', 'build', '--logLevel', 'error'], { timeoutMs: 120_000, cwd: root, env });
    if (result.code !== 0 || !existsSync(resolve(CONSOLE_DIST, 'index.html'))) {
      throw new Error(`web console build failed: ${result.stderr || result.stdout}`);
    }
    writeFileSync(STAMP, inputs);
    return CONSOLE_DIST;
  })();
  return built;
}
