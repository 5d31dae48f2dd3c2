// `npm run bench`: runs every benchmark in the repository one after another (never in parallel:
// the machine has two cores) and passes their JSON lines and summaries through. Each benchmark
// is a file `<package>/bench/*.bench.ts` that prints one JSON line per figure.
// Usage: npm run bench [-- name-filter]

import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(fileURLToPath(new URL('..', import.meta.url)));
const filter = process.argv[2] ?? '';
const packages = ['firmware-protocol', 'broker', 'gateway', 'alarm-center', 'device-sim', 'web-console', 'tests'];
const files = packages.flatMap((p) => {
  const dir = join(root, p, 'bench');
  return existsSync(dir)
    ? readdirSync(dir)
        .filter((f) => f.endsWith('.bench.ts'))
        .map((f) => join(dir, f))
    : [];
});

let failed = 0;
for (const file of files.filter((f) => f.includes(filter))) {
  process.stdout.write(`\n# ${file.slice(root.length + 1)}\n`);
  const result = spawnSync(process.execPath, ['--import', 'tsx', '--expose-gc', file], { stdio: 'inherit', cwd: root });
  if (result.status !== 0) {
    failed++;
    process.stdout.write(`# FAILED (${result.status ?? result.signal})\n`);
  }
}
process.exit(failed ? 1 : 0);
