// The bridge between the unit's RTP and the operator's browser (WebRTC, DTLS-SRTP), with werift,
// a WebRTC stack in TypeScript. It lives in the gateway, next to the unit's RTP port: audio makes
// one hop, the G.711 payload is handed over as it is (browsers speak PCMU/PCMA, so nothing is
// transcoded), and the alarm center only signals (it decides who may join; see README).
// Nothing is recorded: packets are forwarded and dropped.

import { MediaStreamTrack, RTCPeerConnection, RTCRtpCodecParameters, RtpHeader, RtpPacket } from 'werift';
import type { RtpPacket as UnitPacket } from './rtp.ts';
import type { NegotiatedMedia } from './sdp.ts';

/** What the operator hears and says: duplex, listen only (the unit's microphone), speak only. */
export type BridgeMode = 'duplex' | 'listen' | 'speak';

export interface BridgeStats {
  /** Packets from the unit forwarded to the browser. */
  toBrowser: number;
  /** Packets from the browser forwarded to the unit. */
  toUnit: number;
  /** Packets of a second RTP source (SSRC) while the unit's own stream was live: not forwarded. */
  otherSource: number;
}

/** Silence after which another SSRC is taken as the unit's new stream. */
const SOURCE_SWITCH_MS = 500;

export interface Bridge {
  /** The SDP answer for the browser (all candidates included: no trickle). */
  answer: string;
  setMode(mode: BridgeMode): void;
  readonly mode: BridgeMode;
  stats(): BridgeStats;
  /** Resolves when DTLS-SRTP is up with the browser. */
  connected(): Promise<void>;
  close(): Promise<void>;
}

export interface BridgeOptions {
  /** Host addresses to offer the browser as ICE candidates besides the interfaces' (e.g. 127.0.0.1). */
  hostAddresses?: string[];
  /** How long ICE gathering may take before the answer is sent with what was found. */
  gatherTimeoutMs?: number;
}

/** The unit's side of the bridge: the call's RTP session, or its stand-in in the bridge worker. */
export interface BridgeMedia {
  readonly media: Pick<NegotiatedMedia, 'codec'> | null;
  onAudio(listener: (packet: UnitPacket) => void): () => void;
  sendAudio(payload: Buffer): void;
}

/**
 * Answers the browser's offer for one call and starts forwarding. The browser's audio goes to
 * the unit only in duplex and speak modes; the unit's to the browser in duplex and listen.
 */
export async function openBridge(
  call: { rtp: BridgeMedia },
  offerSdp: string,
  options: BridgeOptions = {},
): Promise<Bridge> {
  const media = call.rtp.media;
  if (!media) throw new Error('the call has no negotiated media');
  const payloadType = media.codec === 'PCMU' ? 0 : 8;
  const pc = new RTCPeerConnection({
    codecs: {
      audio: [
        new RTCRtpCodecParameters({ mimeType: `audio/${media.codec}`, clockRate: 8000, channels: 1, payloadType }),
      ],
    },
    iceServers: [],
    iceUseIpv6: false,
    iceAdditionalHostAddresses: options.hostAddresses ?? ['127.0.0.1'],
  });
  let mode: BridgeMode = 'duplex';
  const stats: BridgeStats = { toBrowser: 0, toUnit: 0, otherSource: 0 };
  const toBrowser = new MediaStreamTrack({ kind: 'audio' });
  let sequence = 0;
  // the SSRC our answer announces: the browser ties only that stream to its track
  let ssrc = 0;

  pc.onRemoteTransceiverAdded.subscribe((transceiver) => {
    ssrc = transceiver.sender.ssrc;
    transceiver.setDirection('sendrecv');
    void transceiver.sender.replaceTrack(toBrowser);
    transceiver.onTrack.subscribe((track) => {
      track.onReceiveRtp.subscribe((rtp) => {
        if (mode === 'listen' || rtp.header.payloadType !== payloadType) return;
        stats.toUnit++;
        call.rtp.sendAudio(Buffer.from(rtp.payload));
      });
    });
  });
  // one source at a time: the unit's stream (SSRC); another SSRC is taken over only after the
  // current one fell silent (the unit restarted its stream), so stray or echoed streams are not mixed in
  let source: { ssrc: number; lastAt: number } | null = null;
  const stopAudio = call.rtp.onAudio((packet) => {
    const at = Date.now();
    if (source && packet.ssrc !== source.ssrc && at - source.lastAt < SOURCE_SWITCH_MS) {
      stats.otherSource++;
      return;
    }
    source = { ssrc: packet.ssrc, lastAt: at };
    if (mode === 'speak') return;
    stats.toBrowser++;
    const header = new RtpHeader({
      payloadType,
      sequenceNumber: sequence++ & 0xffff,
      timestamp: packet.timestamp,
      ssrc,
      marker: packet.marker,
    });
    toBrowser.writeRtp(new RtpPacket(header, packet.payload));
  });

  await pc.setRemoteDescription({ type: 'offer', sdp: offerSdp });
  await pc.setLocalDescription(await pc.createAnswer());
  await gathered(pc, options.gatherTimeoutMs ?? 3000);
  const answer = pc.localDescription?.sdp;
  if (!answer) throw new Error('no local description');

  return {
    answer,
    get mode() {
      return mode;
    },
    setMode(next) {
      mode = next;
    },
    stats: () => ({ ...stats }),
    connected: () =>
      pc.connectionState === 'connected'
        ? Promise.resolve()
        : new Promise((resolve) => {
            const { unSubscribe } = pc.connectionStateChange.subscribe((state) => {
              if (state === 'connected') {
                unSubscribe();
                resolve();
              }
            });
          }),
    async close() {
      stopAudio();
      await pc.close();
    },
  };
}

function gathered(pc: RTCPeerConnection, timeoutMs: number): Promise<void> {
  if (pc.iceGatheringState === 'complete') return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(done, timeoutMs);
    const { unSubscribe } = pc.iceGatheringStateChange.subscribe((state) => {
      if (state === 'complete') done();
    });
    function done() {
      clearTimeout(timer);
      unSubscribe();
      resolve();
    }
  });
}
