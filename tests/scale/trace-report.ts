// The traced scale run's breakdown (SCALE_TRACE=1): each press's way from its device process to
// the console, stage by stage, joined from the device processes' send times, the nodes' alarm-path
// stages (node-trace.ts) and the console's receive times; and, beside it, every process's loop
// delay, blocked stretches and GC pauses during the presses. Stages of one run are compared with
// each other, so a busy machine shifts them alike.

import type { LoopSample } from './loop-monitor.ts';

export interface TraceInput {
  sentAt: Map<string, number>;
  seenAt: Map<string, number>;
  /** Device id -> label of the device process that pressed it. */
  pressedBy: Map<string, string>;
  /** Node name -> its trace records, in order. */
  nodes: Map<string, Record<string, unknown>[]>;
  consoleNode: string;
  /** Process label -> its loop samples. */
  loops: Map<string, LoopSample[]>;
  /** Wall-clock window of the presses. */
  from: number;
  to: number;
}

type Line = (metric: string, value: number, unit: string) => void;

const STAGES = [
  'send_to_received', // device process writes, HAProxy, the node reads it off its socket
  'received_to_batch', // waiting in the group commit for a transaction slot
  'batch_to_open', // a pool connection and BEGIN
  'open_to_written', // the batch's statements (record the event, raise the alarm)
  'written_to_commit', // COMMIT (the WAL flush)
  'commit_to_notified', // PostgreSQL's NOTIFY reaching the console's node (other nodes' alarms)
  'notified_to_published', // the console's node reads the summary and writes the WebSocket
  'commit_to_published', // the console's own node: summary read after commit, WebSocket write
  'published_to_seen', // the WebSocket to the console (the scale process)
] as const;
type Stage = (typeof STAGES)[number];

const sorted = (xs: number[]) => [...xs].sort((a, b) => a - b);
const pct = (xs: number[], p: number) => xs[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))] ?? Number.NaN;

export function traceReport(input: TraceInput, line: Line, log: (text: string) => void): void {
  // what each node saw, by device (the presses' devices are all different) and by alarm
  const received = new Map<string, { node: string; at: number }>();
  const batches = new Map<string, { startedAt: number; openedAt: number; wroteAt: number; at: number; size: number }>();
  const committed = new Map<string, { alarmId: string; at: number }>();
  const acknowledged = new Map<string, number>();
  const notified = new Map<string, number>();
  const published = new Map<string, number>();
  for (const [node, records] of input.nodes) {
    for (const r of records) {
      const at = r.at as number;
      if (r.stage === 'received') received.set(r.deviceId as string, { node, at });
      else if (r.stage === 'batch' && r.lane === 'alarm') {
        for (const d of r.deviceIds as string[])
          batches.set(d, {
            startedAt: r.startedAt as number,
            openedAt: r.openedAt as number,
            wroteAt: r.wroteAt as number,
            at,
            size: r.size as number,
          });
      } else if (r.stage === 'committed')
        committed.set(r.deviceId as string, { alarmId: (r.alarmIds as string[])[0] ?? '', at });
      else if (r.stage === 'acknowledged') acknowledged.set(r.deviceId as string, at);
      else if (node === input.consoleNode && r.stage === 'notified' && !notified.has(r.alarmId as string))
        notified.set(r.alarmId as string, at);
      else if (node === input.consoleNode && r.stage === 'published' && r.status === 'new') {
        if (!published.has(r.alarmId as string)) published.set(r.alarmId as string, at);
      }
    }
  }

  interface Path {
    deviceId: string;
    node: string;
    e2e: number;
    stages: Partial<Record<Stage, number>>;
  }
  const paths: Path[] = [];
  for (const [deviceId, sent] of input.sentAt) {
    const seen = input.seenAt.get(deviceId);
    const recv = received.get(deviceId);
    const batch = batches.get(deviceId);
    const alarm = committed.get(deviceId);
    if (seen === undefined || !recv || !batch || !alarm) continue;
    const pub = published.get(alarm.alarmId);
    const note = notified.get(alarm.alarmId);
    const stages: Partial<Record<Stage, number>> = {
      send_to_received: recv.at - sent,
      received_to_batch: batch.startedAt - recv.at,
      batch_to_open: batch.openedAt - batch.startedAt,
      open_to_written: batch.wroteAt - batch.openedAt,
      written_to_commit: batch.at - batch.wroteAt,
    };
    if (pub !== undefined) stages.published_to_seen = seen - pub;
    if (recv.node === input.consoleNode) {
      if (pub !== undefined) stages.commit_to_published = pub - batch.at;
    } else if (note !== undefined) {
      stages.commit_to_notified = note - batch.at;
      if (pub !== undefined) stages.notified_to_published = pub - note;
    }
    paths.push({ deviceId, node: recv.node, e2e: seen - sent, stages });
  }
  log(`trace: ${paths.length} of ${input.sentAt.size} presses traced end to end`);
  line('trace_paths', paths.length, 'count');
  if (paths.length === 0) return;

  const byE2e = [...paths].sort((a, b) => a.e2e - b.e2e);
  const tail = byE2e.slice(Math.floor(byE2e.length * 0.99));
  for (const stage of STAGES) {
    const all = sorted(paths.flatMap((p) => (p.stages[stage] === undefined ? [] : [p.stages[stage]!])));
    if (all.length === 0) continue;
    const inTail = tail.flatMap((p) => (p.stages[stage] === undefined ? [] : [p.stages[stage]!]));
    const tailMean = inTail.reduce((a, b) => a + b, 0) / Math.max(1, inTail.length);
    line(`stage_${stage}_p50_ms`, pct(all, 50), 'ms');
    line(`stage_${stage}_p99_ms`, pct(all, 99), 'ms');
    line(`stage_${stage}_max_ms`, all.at(-1)!, 'ms');
    line(`stage_${stage}_mean_in_slowest_1pct_ms`, tailMean, 'ms');
  }
  const batchSizes = sorted([...batches.values()].map((b) => b.size));
  line('alarm_batch_size_p50', pct(batchSizes, 50), 'count');
  line('alarm_batch_size_max', batchSizes.at(-1) ?? 0, 'count');

  // the loops: whose stalls overlap the slowest alarms' time in flight
  const stallsOf = (label: string) =>
    (input.loops.get(label) ?? []).flatMap((s) => s.stalls.map(([at, ms]) => ({ at, ms })));
  const overlapMs = (label: string, from: number, to: number) =>
    stallsOf(label).reduce((sum, s) => sum + Math.max(0, Math.min(to, s.at + s.ms) - Math.max(from, s.at)), 0);
  for (const p of byE2e.slice(-10).reverse()) {
    const sent = input.sentAt.get(p.deviceId)!;
    const seen = input.seenAt.get(p.deviceId)!;
    const devices = input.pressedBy.get(p.deviceId) ?? '?';
    const stages = STAGES.flatMap((s) => (p.stages[s] === undefined ? [] : [`${s} ${p.stages[s]!.toFixed(1)}`]));
    const blocked = [devices, p.node, input.consoleNode, 'scale']
      .filter((l, i, all) => all.indexOf(l) === i)
      .map((l) => `${l} ${overlapMs(l, sent, seen).toFixed(0)}`);
    log(
      `slow: ${p.e2e.toFixed(1)} ms via ${p.node} (${devices}): ${stages.join(', ')}; loops blocked: ${blocked.join(', ')}`,
    );
  }
  // A stretch during which at least half of the other processes were blocked too is the machine's
  // (no core for anyone), not this process's own work.
  const stallsDuring = new Map(
    [...input.loops.keys()].map((label) => [
      label,
      stallsOf(label).filter((s) => s.at >= input.from && s.at <= input.to + 1000),
    ]),
  );
  const sharedShare = (label: string) => {
    const own = stallsDuring.get(label) ?? [];
    const others = [...stallsDuring].filter(([l]) => l !== label).map(([, s]) => s);
    let shared = 0;
    let total = 0;
    for (const s of own) {
      total += s.ms;
      const blocked = others.filter((o) => o.some((x) => x.at < s.at + s.ms && s.at < x.at + x.ms)).length;
      if (blocked * 2 >= others.length) shared += s.ms;
    }
    return total > 0 ? shared / total : 0;
  };
  for (const [label, samples] of input.loops) {
    const during = samples.filter((s) => s.at >= input.from && s.at <= input.to + 1000);
    if (during.length === 0) continue;
    const stalls = during.flatMap((s) => s.stalls.map(([, ms]) => ms));
    const gcs = during.flatMap((s) => s.longGcs.map(([, ms]) => ms));
    const seconds = during.length;
    const cpu = during.reduce((a, s) => a + s.cpuMs, 0) / seconds;
    const summary = {
      delayP99Max: Math.max(...during.map((s) => s.delayP99Ms)),
      delayMax: Math.max(...during.map((s) => s.delayMaxMs)),
      stallsPerS: stalls.length / seconds,
      stallMsPerS: stalls.reduce((a, b) => a + b, 0) / seconds,
      stallMax: Math.max(0, ...stalls),
      sharedStallPct: sharedShare(label) * 100,
      gcMsPerS: during.reduce((a, s) => a + s.gcMs, 0) / seconds,
      gcMax: Math.max(0, ...during.map((s) => s.gcMaxMs)),
      longGcs: gcs.length,
      cpuMsPerS: cpu,
    };
    log(
      `loop ${label}: ${Object.entries(summary)
        .map(([k, v]) => `${k} ${v.toFixed(1)}`)
        .join(', ')}`,
    );
    for (const [k, v] of Object.entries(summary))
      line(`loop_${label}_${k}`, v, k.endsWith('Pct') ? '%' : k.includes('Per') ? 'per_s' : 'ms');
  }
  const ack = sorted(
    paths.flatMap((p) => {
      const a = acknowledged.get(p.deviceId);
      const b = batches.get(p.deviceId);
      return a === undefined || !b ? [] : [a - b.at];
    }),
  );
  line('stage_commit_to_acknowledged_p99_ms', pct(ack, 99), 'ms');
}
