// The scale run's view of one process's own delays (SCALE_TRACE=1): event-loop delay
// (perf_hooks.monitorEventLoopDelay), every blocked stretch of the loop of 20 ms or more (a 10 ms
// probe timer that fired late, with its wall-clock start) and garbage-collection pauses
// (PerformanceObserver 'gc'), reported once a second, so a slow alarm can be laid beside what its
// node, its device process or the scale process was doing at that moment.

import { monitorEventLoopDelay, PerformanceObserver } from 'node:perf_hooks';

export interface LoopSample {
  /** Wall-clock ms at the end of the second. */
  at: number;
  delayP50Ms: number;
  delayP99Ms: number;
  delayMaxMs: number;
  gcCount: number;
  gcMs: number;
  gcMaxMs: number;
  /** [wall-clock start ms, length ms] of each blocked stretch of the loop. */
  stalls: [number, number][];
  /** [wall-clock start ms, length ms, kind] of each GC pause of 5 ms or more. */
  longGcs: [number, number, number][];
  /** Process CPU time in the second (user + system), ms. */
  cpuMs: number;
}

const PROBE_MS = 10;
const STALL_MS = 20;
const LONG_GC_MS = 5;

const wall = () => performance.timeOrigin + performance.now();

export function startLoopMonitor(report: (sample: LoopSample) => void, everyMs = 1000): () => void {
  const delay = monitorEventLoopDelay({ resolution: 5 });
  delay.enable();
  let gcCount = 0;
  let gcMs = 0;
  let gcMaxMs = 0;
  let longGcs: [number, number, number][] = [];
  const gc = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      gcCount++;
      gcMs += e.duration;
      gcMaxMs = Math.max(gcMaxMs, e.duration);
      const kind = (e as PerformanceEntry & { detail?: { kind?: number } }).detail?.kind ?? 0;
      if (e.duration >= LONG_GC_MS) longGcs.push([performance.timeOrigin + e.startTime, e.duration, kind]);
    }
  });
  gc.observe({ entryTypes: ['gc'] });
  let stalls: [number, number][] = [];
  let last = wall();
  const probe = setInterval(() => {
    const now = wall();
    const late = now - last - PROBE_MS;
    if (late >= STALL_MS) stalls.push([last + PROBE_MS, late]);
    last = now;
  }, PROBE_MS);
  probe.unref();
  let cpu = process.cpuUsage();
  const tick = setInterval(() => {
    const used = process.cpuUsage(cpu);
    cpu = process.cpuUsage();
    report({
      at: wall(),
      delayP50Ms: delay.percentile(50) / 1e6,
      delayP99Ms: delay.percentile(99) / 1e6,
      delayMaxMs: delay.max / 1e6,
      gcCount,
      gcMs,
      gcMaxMs,
      stalls,
      longGcs,
      cpuMs: (used.user + used.system) / 1000,
    });
    delay.reset();
    gcCount = 0;
    gcMs = 0;
    gcMaxMs = 0;
    stalls = [];
    longGcs = [];
  }, everyMs);
  tick.unref();
  return () => {
    clearInterval(probe);
    clearInterval(tick);
    gc.disconnect();
    delay.disable();
  };
}
