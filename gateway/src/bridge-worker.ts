// The bridge worker: the werift peers of every bridged call, off the gateway's main thread. Each
// call's bridge is the same openBridge as in process; its unit side is a stand-in fed by the
// main thread's RTP packets ('rtp') and answering with the operator's audio ('audio').

import { parentPort } from 'node:worker_threads';
import { type Bridge, type BridgeMedia, openBridge } from './bridge.ts';
import type { FromBridgeWorker, ToBridgeWorker } from './bridge-protocol.ts';
import type { RtpPacket } from './rtp.ts';

const port = parentPort;
if (!port) throw new Error('bridge-worker.ts runs as a worker thread');
const post = (message: FromBridgeWorker) => port.postMessage(message);

interface Entry {
  listeners: Set<(packet: RtpPacket) => void>;
  bridge: Bridge | null;
  closed: boolean;
}
const calls = new Map<string, Entry>();

async function open(message: Extract<ToBridgeWorker, { t: 'open' }>): Promise<void> {
  const entry: Entry = { listeners: new Set(), bridge: null, closed: false };
  calls.set(message.id, entry);
  const media: BridgeMedia = {
    media: { codec: message.codec },
    onAudio(listener) {
      entry.listeners.add(listener);
      return () => entry.listeners.delete(listener);
    },
    sendAudio(payload) {
      // a copy of the payload alone: a pooled Buffer would be cloned with its whole pool
      post({ t: 'audio', id: message.id, payload: new Uint8Array(payload) });
    },
  };
  try {
    const bridge = await openBridge(
      { rtp: media },
      message.offer,
      message.hostAddresses ? { hostAddresses: message.hostAddresses } : {},
    );
    entry.bridge = bridge;
    if (entry.closed) {
      await bridge.close();
      return;
    }
    post({ t: 'opened', id: message.id, answer: bridge.answer });
    void bridge.connected().then(() => post({ t: 'connected', id: message.id }));
  } catch (err) {
    calls.delete(message.id);
    post({ t: 'failed', id: message.id, message: (err as Error).message });
  }
}

port.on('message', (message: ToBridgeWorker) => {
  const entry = calls.get(message.id);
  switch (message.t) {
    case 'open':
      void open(message);
      return;
    case 'rtp': {
      if (!entry) return;
      const packet: RtpPacket = {
        payloadType: 0,
        marker: message.marker,
        sequence: 0,
        timestamp: message.timestamp,
        ssrc: message.ssrc,
        payload: Buffer.from(message.payload.buffer, message.payload.byteOffset, message.payload.byteLength),
      };
      for (const listener of entry.listeners) listener(packet);
      return;
    }
    case 'mode':
      entry?.bridge?.setMode(message.mode);
      return;
    case 'hangup':
      if (!entry) return post({ t: 'ended', id: message.id });
      entry.closed = true;
      calls.delete(message.id);
      void (entry.bridge?.close() ?? Promise.resolve()).finally(() => post({ t: 'ended', id: message.id }));
      return;
  }
});
