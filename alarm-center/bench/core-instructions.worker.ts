// Runs the routing core over a fixed number of events and exits: what core-instructions.bench.ts
// runs under callgrind. The same workload of <built> events is built in every run, so two runs
// differ only in how many of them the core handles. Usage: core-instructions.worker.ts <devices> <built> <events>

import { coreWorkload } from './core-mix.ts';

const devices = Number(process.argv[2] ?? 10_000);
const built = Number(process.argv[3] ?? 10_000);
const events = Math.min(built, Number(process.argv[4] ?? built));
const { items, run } = coreWorkload(devices, built);
let decisions = 0;
for (let n = 0; n < events; n++) decisions += run(items[n]!);
process.stdout.write(`${JSON.stringify({ events, decisions })}\n`);
