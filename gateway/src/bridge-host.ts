// The gateway's bridge worker, seen from the main thread: one worker thread holds the werift
// peers of every bridged call (bridge-worker.ts); the call's RTP socket, DTMF and SIP stay here.
// Per packet the main thread only hands the unit's G.711 payload over and sends the operator's
// back. A worker that dies ends its calls (onCrash, with their ids) and is started again.

import { Worker } from 'node:worker_threads';
import type { Bridge, BridgeMode, BridgeStats } from './bridge.ts';
import type { FromBridgeWorker, ToBridgeWorker } from './bridge-protocol.ts';
import type { GatewayLogger } from './log.ts';
import type { CallControl } from './voice.ts';

/** How long the worker may take to answer the browser's offer. */
const OPEN_TIMEOUT_MS = 10_000;
/** A worker that died sooner than this after its start is started again after this long. */
const RESTART_BACKOFF_MS = 1000;
const BOOT = new URL('./bridge-worker-boot.mjs', import.meta.url);

export interface BridgeHost {
  open(call: CallControl, offerSdp: string): Promise<Bridge>;
  /** The worker thread now running (tests kill it). */
  readonly worker: Worker;
  close(): Promise<void>;
}

interface Hosted {
  call: CallControl;
  stats: BridgeStats;
  mode: BridgeMode;
  opened?: (answer: string) => void;
  failed?: (err: Error) => void;
  connected: boolean;
  onConnected: Set<() => void>;
  onEnded: Set<() => void>;
  stopAudio: () => void;
}

export function startBridgeHost(options: {
  logger: GatewayLogger;
  /** The worker died: its calls (by id) have lost their bridge and are to be ended. */
  onCrash: (callIds: string[], detail: string) => void;
}): BridgeHost {
  const hosted = new Map<string, Hosted>();
  let closing = false;
  let worker = spawn();

  function spawn(): Worker {
    const startedAt = Date.now();
    const next = new Worker(BOOT);
    next.on('message', (message: FromBridgeWorker) => receive(message));
    next.on('error', (err) => options.logger.error({ err }, 'voice bridge worker failed'));
    next.on('exit', (code) => {
      if (closing) return;
      const callIds = [...hosted.keys()];
      for (const entry of hosted.values()) {
        entry.stopAudio();
        entry.failed?.(new Error('the bridge worker stopped'));
        for (const ended of entry.onEnded) ended();
      }
      hosted.clear();
      const detail = `bridge worker exited with code ${code}`;
      options.logger.error({ code, calls: callIds }, 'voice bridge worker stopped: its calls end, it is started again');
      // a worker that cannot even start (dies at once) is retried once a second, not in a tight loop
      if (Date.now() - startedAt < RESTART_BACKOFF_MS) {
        setTimeout(() => {
          if (!closing) worker = spawn();
        }, RESTART_BACKOFF_MS).unref();
      } else worker = spawn();
      options.onCrash(callIds, detail);
    });
    // the gateway exits when its sockets close, not kept alive by an idle worker
    next.unref();
    return next;
  }

  const post = (message: ToBridgeWorker) => worker.postMessage(message);

  function receive(message: FromBridgeWorker): void {
    const entry = hosted.get(message.id);
    if (!entry) return;
    switch (message.t) {
      case 'opened':
        entry.opened?.(message.answer);
        return;
      case 'failed':
        hosted.delete(message.id);
        entry.stopAudio();
        entry.failed?.(new Error(message.message));
        return;
      case 'audio':
        entry.stats.toUnit++;
        entry.call.rtp.sendAudio(
          Buffer.from(message.payload.buffer, message.payload.byteOffset, message.payload.byteLength),
        );
        return;
      case 'connected':
        entry.connected = true;
        for (const resolve of entry.onConnected) resolve();
        entry.onConnected.clear();
        return;
      case 'ended':
        hosted.delete(message.id);
        for (const ended of entry.onEnded) ended();
        return;
    }
  }

  return {
    get worker() {
      return worker;
    },
    open(call, offerSdp) {
      const media = call.rtp.media;
      if (!media) return Promise.reject(new Error('the call has no negotiated media'));
      const id = call.callId;
      const entry: Hosted = {
        call,
        stats: { toBrowser: 0, toUnit: 0, otherSource: 0 },
        mode: 'duplex',
        connected: false,
        onConnected: new Set(),
        onEnded: new Set(),
        stopAudio: () => {},
      };
      hosted.set(id, entry);
      const answer = new Promise<string>((resolve, reject) => {
        entry.opened = resolve;
        entry.failed = reject;
      });
      entry.stopAudio = call.rtp.onAudio((packet) => {
        // the unit's payload only (a copy: the datagram's buffer is not cloned whole)
        entry.stats.toBrowser++;
        post({
          t: 'rtp',
          id,
          ssrc: packet.ssrc,
          timestamp: packet.timestamp,
          marker: packet.marker,
          payload: new Uint8Array(packet.payload),
        });
      });
      post({ t: 'open', id, codec: media.codec, offer: offerSdp });
      // the answer comes within ICE gathering's 3 s; a worker that never answers fails the join
      const timer = setTimeout(() => {
        hosted.delete(id);
        entry.stopAudio();
        entry.failed?.(new Error('the bridge worker did not answer'));
      }, OPEN_TIMEOUT_MS);
      timer.unref();
      return answer
        .finally(() => clearTimeout(timer))
        .then((sdp): Bridge => {
          entry.opened = undefined;
          entry.failed = undefined;
          return {
            answer: sdp,
            get mode() {
              return entry.mode;
            },
            setMode(next) {
              entry.mode = next;
              post({ t: 'mode', id, mode: next });
            },
            stats: () => ({ ...entry.stats }),
            connected: () =>
              entry.connected ? Promise.resolve() : new Promise<void>((resolve) => entry.onConnected.add(resolve)),
            close() {
              entry.stopAudio();
              if (!hosted.has(id)) return Promise.resolve();
              return new Promise<void>((resolve) => {
                entry.onEnded.add(resolve);
                post({ t: 'hangup', id });
              });
            },
          };
        });
    },
    async close() {
      closing = true;
      for (const entry of hosted.values()) entry.stopAudio();
      hosted.clear();
      await worker.terminate();
    },
  };
}
