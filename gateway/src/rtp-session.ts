// One call's RTP socket: an ephemeral UDP port, latched to the peer the SDP negotiated. Audio and
// DTMF from the unit go to listeners (the bridge to the operator's browser); audio and DTMF for the
// unit are sent to the negotiated address. Datagrams from anyone else are counted and dropped.

import { randomInt } from 'node:crypto';
import dgram from 'node:dgram';
import type { MediaTap } from './recorder.ts';
import { buildRtp, dtmfDigit, dtmfPackets, parseDtmfPayload, parseRtp, type RtpPacket } from './rtp.ts';
import type { NegotiatedMedia } from './sdp.ts';

export interface RtpSessionStats {
  packetsIn: number;
  packetsOut: number;
  /** Datagrams from an address other than the negotiated peer: dropped. */
  wrongSource: number;
  /** Datagrams from the peer that are not RTP of a negotiated payload type: dropped. */
  notRtp: number;
  /** DTMF digits received (each counted once, on its end packet). */
  dtmfIn: string[];
  dtmfOut: string[];
  /** Packets that came back with our own SSRC: a peer echoing what we sent (SIPp's rtp_echo in tests). */
  ownEchoed: number;
}

export class RtpSession {
  readonly #socket: dgram.Socket;
  readonly #stats: RtpSessionStats = {
    packetsIn: 0,
    packetsOut: 0,
    wrongSource: 0,
    notRtp: 0,
    dtmfIn: [],
    dtmfOut: [],
    ownEchoed: 0,
  };
  readonly #audioListeners = new Set<(packet: RtpPacket) => void>();
  #media: NegotiatedMedia | null = null;
  /** The source port latched (symmetric RTP: the first packet from the negotiated address). */
  #latchedPort: number | null = null;
  readonly #ssrc = randomInt(1, 0xffffffff);
  #sequence = randomInt(0, 0xffff);
  #timestamp = randomInt(0, 0x7fffffff);
  #lastDtmfEnd: string | null = null;
  #closed = false;
  /** The call's recording (recorder.ts), only when the recording policy is on; null: nothing kept. */
  tap: MediaTap | null = null;
  readonly #onWrongSource: (() => void) | undefined;

  private constructor(socket: dgram.Socket, onWrongSource?: () => void) {
    this.#socket = socket;
    this.#onWrongSource = onWrongSource;
    socket.on('message', (data, rinfo) => this.#receive(data, rinfo.address, rinfo.port));
    socket.on('error', () => {
      // a send to a closed peer port (ICMP unreachable) must not end the call or the process
    });
  }

  static open(host: string, onWrongSource?: () => void): Promise<RtpSession> {
    const socket = dgram.createSocket({ type: 'udp4' });
    return new Promise((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(0, host, () => {
        socket.off('error', reject);
        resolve(new RtpSession(socket, onWrongSource));
      });
    });
  }

  get port(): number {
    return this.#socket.address().port;
  }

  get stats(): RtpSessionStats {
    return { ...this.#stats, dtmfIn: [...this.#stats.dtmfIn], dtmfOut: [...this.#stats.dtmfOut] };
  }

  get media(): NegotiatedMedia | null {
    return this.#media;
  }

  /** Sets the negotiated peer; from now on only its datagrams are taken. */
  latch(media: NegotiatedMedia): void {
    this.#media = media;
  }

  onAudio(listener: (packet: RtpPacket) => void): () => void {
    this.#audioListeners.add(listener);
    return () => this.#audioListeners.delete(listener);
  }

  /** Sends G.711 samples (one byte each) to the unit. */
  sendAudio(payload: Buffer): void {
    const media = this.#media;
    if (!media || this.#closed) return;
    this.#send({
      payloadType: media.payloadType,
      marker: false,
      sequence: this.#sequence++,
      timestamp: this.#timestamp,
      ssrc: this.#ssrc,
      payload: this.tap ? this.tap.toUnit(payload) : payload,
    });
    this.#timestamp = (this.#timestamp + payload.length) >>> 0;
  }

  /**
   * Sends one DTMF digit as RFC 4733 events, paced at the packet time; resolves when the last
   * end packet left. False when the unit did not offer telephone-event.
   */
  async sendDtmf(digit: string, durationMs = 100): Promise<boolean> {
    const media = this.#media;
    if (!media || media.dtmfPayloadType === undefined || this.#closed) return false;
    const packets = dtmfPackets(digit, {
      payloadType: media.dtmfPayloadType,
      ssrc: this.#ssrc,
      sequence: this.#sequence,
      timestamp: this.#timestamp,
      durationMs,
      ptimeMs: media.ptimeMs,
    });
    if (!packets) return false;
    this.#sequence += packets.length;
    this.#timestamp = (this.#timestamp + durationMs * 8) >>> 0;
    for (const packet of packets) {
      if (this.#closed) return false;
      this.#send(packet);
      await new Promise((resolve) => setTimeout(resolve, media.ptimeMs));
    }
    this.#stats.dtmfOut.push(digit);
    return true;
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#audioListeners.clear();
    this.#socket.close();
  }

  #send(packet: RtpPacket): void {
    const media = this.#media;
    if (!media) return;
    this.#stats.packetsOut++;
    this.#socket.send(buildRtp(packet), media.remotePort, media.remoteAddress, () => {});
  }

  #receive(data: Buffer, address: string, port: number): void {
    const media = this.#media;
    const fromPeer =
      media !== null && address === media.remoteAddress && (this.#latchedPort === null || port === this.#latchedPort);
    if (!fromPeer) {
      this.#stats.wrongSource++;
      this.#onWrongSource?.();
      return;
    }
    const packet = parseRtp(data);
    if (!packet || (packet.payloadType !== media.payloadType && packet.payloadType !== media.dtmfPayloadType)) {
      this.#stats.notRtp++;
      return;
    }
    // latch the port on the first real RTP packet: units behind NAT send from another port than they announced
    this.#latchedPort ??= port;
    this.#stats.packetsIn++;
    if (packet.ssrc === this.#ssrc) this.#stats.ownEchoed++;
    if (packet.payloadType === media.dtmfPayloadType) {
      const event = parseDtmfPayload(packet.payload);
      const key = event ? `${packet.timestamp}:${event.event}` : null;
      // the end packet is sent three times: count the digit once
      if (event?.end && key !== this.#lastDtmfEnd) {
        this.#lastDtmfEnd = key;
        const digit = dtmfDigit(event.event);
        if (digit !== undefined) this.#stats.dtmfIn.push(digit);
      }
      return;
    }
    this.tap?.fromUnit(packet.payload);
    for (const listener of this.#audioListeners) listener(packet);
  }
}
