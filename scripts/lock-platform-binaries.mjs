// Keeps package-lock.json valid for `npm ci` on every platform.
//
// The registry mirror reachable from our build machines only serves the
// linux-x64/arm64 glibc builds of Biome. `npm install` then leaves the other
// platform packages out of the lock file, and `npm ci` refuses the lock as
// "out of sync". This script re-adds lock entries for every optional platform
// package Biome declares (without integrity: npm skips them on other platforms,
// and an optional package that cannot be fetched is not an error).
// Run it after `npm install` changes the lock: `node scripts/lock-platform-binaries.mjs`.
import { readFileSync, writeFileSync } from 'node:fs';

const lockPath = new URL('../package-lock.json', import.meta.url);
const lock = JSON.parse(readFileSync(lockPath, 'utf8'));
const platforms = {
  'cli-android-arm64': { os: ['android'], cpu: ['arm64'] },
  'cli-android-x64': { os: ['android'], cpu: ['x64'] },
  'cli-darwin-arm64': { os: ['darwin'], cpu: ['arm64'] },
  'cli-darwin-x64': { os: ['darwin'], cpu: ['x64'] },
  'cli-linux-arm64': { os: ['linux'], cpu: ['arm64'], libc: ['glibc'] },
  'cli-linux-arm64-musl': { os: ['linux'], cpu: ['arm64'], libc: ['musl'] },
  'cli-linux-x64': { os: ['linux'], cpu: ['x64'], libc: ['glibc'] },
  'cli-linux-x64-musl': { os: ['linux'], cpu: ['x64'], libc: ['musl'] },
  'cli-win32-arm64': { os: ['win32'], cpu: ['arm64'] },
  'cli-win32-x64': { os: ['win32'], cpu: ['x64'] },
};
const biome = lock.packages['node_modules/@biomejs/biome'];
if (!biome) throw new Error('@biomejs/biome is not in package-lock.json');
let added = 0;
for (const name of Object.keys(biome.optionalDependencies ?? {})) {
  const key = `node_modules/${name}`;
  if (lock.packages[key]) continue;
  const short = name.replace('@biomejs/', '');
  const platform = platforms[short];
  if (!platform) throw new Error(`unknown Biome platform package ${name}`);
  lock.packages[key] = {
    version: biome.optionalDependencies[name],
    ...platform,
    dev: true,
    license: 'MIT OR Apache-2.0',
    optional: true,
  };
  added++;
}
const sorted = Object.fromEntries(
  Object.entries(lock.packages).sort(([a], [b]) => (a === '' ? -1 : b === '' ? 1 : a.localeCompare(b))),
);
lock.packages = sorted;
writeFileSync(lockPath, `${JSON.stringify(lock, null, 2)}\n`);
console.log(`package-lock.json: added ${added} Biome platform entr${added === 1 ? 'y' : 'ies'}`);
