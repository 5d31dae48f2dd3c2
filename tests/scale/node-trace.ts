// Preloaded into each alarm-center node of a traced scale run (SCALE_TRACE=1, through
// BENCH_CENTER_NODE_ARGS): appends the node's alarm-path stages (the product's diagnostics
// channel, alarm-center/src/alarms/alarm-path.ts) and its loop and GC samples to
// $SCALE_TRACE_DIR/<INSTANCE_ID>.jsonl once a second. The nodes are SIGKILLed at the end, so
// nothing waits for exit.

import diagnostics_channel from 'node:diagnostics_channel';
import { appendFile, writeFile } from 'node:fs/promises';
import { Session } from 'node:inspector/promises';
import { join } from 'node:path';
import { startLoopMonitor } from './loop-monitor.ts';

const dir = process.env.SCALE_TRACE_DIR;
const node = process.env.INSTANCE_ID ?? `pid-${process.pid}`;
if (dir) {
  const file = join(dir, `${node}.jsonl`);
  let lines: string[] = [];
  // SCALE_PROFILE_S: a CPU profile of the node's first seconds of presses, <INSTANCE_ID>.cpuprofile
  const profileS = Number(process.env.SCALE_PROFILE_S ?? 0);
  let profiling = profileS <= 0;
  const profile = async () => {
    const session = new Session();
    session.connect();
    await session.post('Profiler.enable');
    await session.post('Profiler.start');
    await new Promise((r) => setTimeout(r, profileS * 1000));
    const { profile } = await session.post('Profiler.stop');
    await writeFile(join(dir, `${node}.cpuprofile`), JSON.stringify(profile));
    session.disconnect();
  };
  diagnostics_channel.subscribe('trygg:alarm-path', (message) => {
    lines.push(JSON.stringify(message));
    if (!profiling && (message as { stage?: string }).stage === 'received') {
      profiling = true;
      void profile().catch(() => {});
    }
  });
  startLoopMonitor((sample) => {
    lines.push(JSON.stringify({ stage: 'loop', ...sample }));
    const out = lines;
    lines = [];
    void appendFile(file, `${out.join('\n')}\n`).catch(() => {});
  });
}
