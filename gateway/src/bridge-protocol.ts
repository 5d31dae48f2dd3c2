// The messages between the gateway's main thread and its bridge worker (bridge-worker.ts). The
// main thread keeps SIP, SCAIP and each call's RTP socket; the worker holds the werift peers
// (ICE, DTLS-SRTP, SRTP per packet) so the media's CPU never queues alarms behind it.

import type { BridgeMode } from './bridge.ts';

/** Main thread -> worker. */
export type ToBridgeWorker =
  | { t: 'open'; id: string; codec: 'PCMU' | 'PCMA'; offer: string; hostAddresses?: string[] }
  /** One packet of the unit's audio, for the browser. */
  | { t: 'rtp'; id: string; ssrc: number; timestamp: number; marker: boolean; payload: Uint8Array }
  | { t: 'mode'; id: string; mode: BridgeMode }
  | { t: 'hangup'; id: string };

/** Worker -> main thread. */
export type FromBridgeWorker =
  | { t: 'opened'; id: string; answer: string }
  | { t: 'failed'; id: string; message: string }
  /** One packet of the operator's audio (G.711 payload), for the unit. */
  | { t: 'audio'; id: string; payload: Uint8Array }
  | { t: 'connected'; id: string }
  /** The bridge closed (after hangup). */
  | { t: 'ended'; id: string };
