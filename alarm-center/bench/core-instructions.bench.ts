// The routing core's cost per event as an instruction count, which does not move with the shared
// machine's noise as events per second do: the core workload (core-mix.ts) runs under valgrind's
// callgrind twice on the same built workload, handling none and then a fixed number of its events
// (100,000); the difference in instructions
// over the difference in events is the cost of one event, start-up and loading excluded. Prints
// JSON lines {"bench":"core_instructions",...}; without valgrind, one line saying it was skipped.

import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const DEVICES = Number(process.env.BENCH_CORE_IR_DEVICES ?? 5_000);
const SMALL = Number(process.env.BENCH_CORE_IR_SMALL ?? 0);
const LARGE = Number(process.env.BENCH_CORE_IR_LARGE ?? 100_000);
const worker = fileURLToPath(new URL('./core-instructions.worker.ts', import.meta.url));

const line = (metric: string, value: number | string, unit: string) =>
  process.stdout.write(`${JSON.stringify({ bench: 'core_instructions', metric, value, unit })}\n`);

if (spawnSync('valgrind', ['--version'], { encoding: 'utf8' }).status !== 0) {
  line('skipped', 'valgrind not installed (apt-get install -y valgrind)', 'reason');
  process.stdout.write('core instructions: skipped, valgrind is not installed\n');
  process.exit(0);
}

const dir = mkdtempSync(join(tmpdir(), 'core-callgrind-'));

/** Instructions (Ir) callgrind counted for the worker over `events` events. */
function instructions(events: number): number {
  const out = join(dir, `callgrind.${events}.out`);
  const result = spawnSync(
    'valgrind',
    [
      '--tool=callgrind',
      `--callgrind-out-file=${out}`,
      '--smc-check=all-non-file', // V8 writes and runs its own machine code
      process.execPath,
      // one thread and no timing-driven JIT tiering, so the count repeats from run to run
      '--single-threaded',
      '--predictable',
      '--import',
      'tsx',
      worker,
      String(DEVICES),
      String(LARGE),
      String(events),
    ],
    { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 },
  );
  if (result.status !== 0) throw new Error(`callgrind run failed (${result.status}): ${result.stderr.slice(-2000)}`);
  const total = /^(?:summary|totals):\s*(\d+)/m.exec(readFileSync(out, 'utf8'));
  if (!total) throw new Error(`no instruction total in ${out}`);
  return Number(total[1]);
}

try {
  const started = performance.now();
  // once without valgrind first: tsx caches its transforms on disk, and a cold cache in only the
  // first measured run would count the TypeScript compilation as part of the difference
  const warm = spawnSync(process.execPath, ['--import', 'tsx', worker, String(DEVICES), String(LARGE), '1'], {
    encoding: 'utf8',
  });
  if (warm.status !== 0) throw new Error(`warm-up run failed: ${warm.stderr.slice(-2000)}`);
  const small = instructions(SMALL);
  const large = instructions(LARGE);
  const perEvent = (large - small) / (LARGE - SMALL);
  line('instructions_per_event', Math.round(perEvent), 'Ir');
  line('instructions_small_run', small, 'Ir');
  line('instructions_large_run', large, 'Ir');
  line('events_small_run', SMALL, 'count');
  line('events_large_run', LARGE, 'count');
  line('devices', DEVICES, 'count');
  process.stdout.write(
    `core instructions: ${Math.round(perEvent).toLocaleString('en')} instructions per event (callgrind, ${SMALL.toLocaleString('en')} vs ${LARGE.toLocaleString('en')} events of the core bench's mix, ${DEVICES.toLocaleString('en')} devices; ${((performance.now() - started) / 1000).toFixed(0)} s under valgrind)\n`,
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
