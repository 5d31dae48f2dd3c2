// Call recording, only when the municipality's recording policy is on (the alarm center says so
// in each join request; the gateway has no setting of its own). It sees both directions of one
// answered call's G.711 audio through a tap on the call's RTP session, mixes the recording
// warning tone into what the unit receives, and hands the call's WAV to the alarm center once.

import { alawDecode, alawEncode, ulawDecode, ulawEncode } from '@trygg/firmware-protocol';

/** ITU-T E.180's recording warning tone: 1400 Hz, 0.4 s, repeated every 15 s. */
export const WARNING_TONE = { hz: 1400, onMs: 400, everyMs: 15_000, amplitude: 0.12 } as const;
const RATE = 8000;
const TONE_ON = (WARNING_TONE.onMs * RATE) / 1000;
const TONE_EVERY = (WARNING_TONE.everyMs * RATE) / 1000;
/** An hour per direction (G.711: one byte a sample); past it the recording is marked truncated. */
const MAX_SAMPLES = 3600 * RATE;

/** What an RTP session hands a tap: the unit's payloads, and ours before they are sent (may be changed). */
export interface MediaTap {
  fromUnit(payload: Buffer): void;
  toUnit(payload: Buffer): Buffer;
}

export type G711 = 'PCMA' | 'PCMU';

export class CallRecorder implements MediaTap {
  readonly #decode: (byte: number) => number;
  readonly #encode: (sample: number) => number;
  readonly #fromUnit: Buffer[] = [];
  readonly #toUnit: Buffer[] = [];
  #fromUnitSamples = 0;
  /** Samples sent to the unit so far: the warning tone's clock (the call's own audio time, not the wall's). */
  #toUnitSamples = 0;
  truncated = false;

  constructor(codec: G711) {
    this.#decode = codec === 'PCMA' ? alawDecode : ulawDecode;
    this.#encode = codec === 'PCMA' ? alawEncode : ulawEncode;
  }

  fromUnit(payload: Buffer): void {
    if (this.#fromUnitSamples + payload.length > MAX_SAMPLES) {
      this.truncated = true;
      return;
    }
    this.#fromUnit.push(Buffer.from(payload));
    this.#fromUnitSamples += payload.length;
  }

  /** The operator's audio for the unit with the warning tone mixed in; what the unit gets is what is kept. */
  toUnit(payload: Buffer): Buffer {
    const start = this.#toUnitSamples;
    this.#toUnitSamples += payload.length;
    let out = payload;
    for (let i = 0; i < payload.length; i++) {
      const n = start + i;
      if (n % TONE_EVERY >= TONE_ON) continue;
      if (out === payload) out = Buffer.from(payload);
      const tone = Math.sin((2 * Math.PI * WARNING_TONE.hz * n) / RATE) * WARNING_TONE.amplitude * 32767;
      out[i] = this.#encode(this.#decode(payload[i] as number) + tone);
    }
    if (start + payload.length <= MAX_SAMPLES) this.#toUnit.push(out);
    else this.truncated = true;
    return out;
  }

  /**
   * The call as a WAV file: 16-bit PCM at 8 kHz, two channels, left what the unit's microphone
   * sent (the resident), right what the unit received (the operator and the warning tone). Each
   * channel is its direction's samples in order; the shorter is padded with silence at the end.
   */
  wav(): Buffer {
    const frames = Math.max(this.#fromUnitSamples, Math.min(this.#toUnitSamples, MAX_SAMPLES));
    const left = Buffer.concat(this.#fromUnit);
    const right = Buffer.concat(this.#toUnit);
    const data = Buffer.alloc(frames * 4);
    for (let i = 0; i < frames; i++) {
      data.writeInt16LE(i < left.length ? this.#decode(left[i] as number) : 0, i * 4);
      data.writeInt16LE(i < right.length ? this.#decode(right[i] as number) : 0, i * 4 + 2);
    }
    return Buffer.concat([wavHeader(data.length, 2), data]);
  }
}

function wavHeader(dataBytes: number, channels: number): Buffer {
  const header = Buffer.alloc(44);
  header.write('RIFF', 0, 'ascii');
  header.writeUInt32LE(36 + dataBytes, 4);
  header.write('WAVEfmt ', 8, 'ascii');
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(1, 20); // PCM
  header.writeUInt16LE(channels, 22);
  header.writeUInt32LE(RATE, 24);
  header.writeUInt32LE(RATE * channels * 2, 28);
  header.writeUInt16LE(channels * 2, 32);
  header.writeUInt16LE(16, 34);
  header.write('data', 36, 'ascii');
  header.writeUInt32LE(dataBytes, 40);
  return header;
}

/** A WAV file written by `wav()` back to its two channels of samples (for tests and checks). */
export function readWav(wav: Buffer): { channels: number; left: Int16Array; right: Int16Array } {
  if (wav.toString('ascii', 0, 4) !== 'RIFF' || wav.toString('ascii', 36, 40) !== 'data')
    throw new Error('not our WAV');
  const channels = wav.readUInt16LE(22);
  const frames = wav.readUInt32LE(40) / (2 * channels);
  const left = new Int16Array(frames);
  const right = new Int16Array(frames);
  for (let i = 0; i < frames; i++) {
    left[i] = wav.readInt16LE(44 + i * 2 * channels);
    right[i] = channels > 1 ? wav.readInt16LE(46 + i * 2 * channels) : 0;
  }
  return { channels, left, right };
}

/** The recordings this gateway holds: live while their call is up, then kept until collected (bounded). */
export class Recordings {
  readonly #byCall = new Map<string, CallRecorder>();
  readonly #max: number;
  readonly #isLive: (callId: string) => boolean;

  constructor(options: { max?: number; isLive: (callId: string) => boolean }) {
    this.#max = options.max ?? 100;
    this.#isLive = options.isLive;
  }

  /**
   * A recorder for the call, or null when this gateway already records `max` live calls: then the
   * join says it does not record and the alarm center refuses it (never a call silently unrecorded).
   * Room is made by dropping ended calls' recordings not yet collected, oldest first.
   */
  start(callId: string, codec: G711): CallRecorder | null {
    for (const id of this.#byCall.keys()) {
      if (this.#byCall.size < this.#max) break;
      if (!this.#isLive(id)) this.#byCall.delete(id);
    }
    if (this.#byCall.size >= this.#max) return null;
    const recorder = new CallRecorder(codec);
    this.#byCall.set(callId, recorder);
    return recorder;
  }

  /** The ended call's WAV, once: the alarm center stores it (encrypted) and this copy is gone. */
  take(callId: string): Buffer | null {
    const recorder = this.#byCall.get(callId);
    if (!recorder) return null;
    this.#byCall.delete(callId);
    return recorder.wav();
  }

  get size(): number {
    return this.#byCall.size;
  }
}

/**
 * The share (0..1) of a stretch of samples' energy at one frequency (Goertzel), e.g. to find the
 * warning tone or a unit's test tone in a recording.
 */
export function toneShare(samples: Int16Array, hz: number, rate = RATE): number {
  const k = 2 * Math.cos((2 * Math.PI * hz) / rate);
  let s1 = 0;
  let s2 = 0;
  let energy = 0;
  for (const sample of samples) {
    const s0 = sample + k * s1 - s2;
    s2 = s1;
    s1 = s0;
    energy += sample * sample;
  }
  if (energy === 0) return 0;
  const power = s1 * s1 + s2 * s2 - k * s1 * s2;
  // a pure tone of N samples puts N/2 · Σx² into the Goertzel power
  return Math.min(1, power / ((samples.length / 2) * energy));
}
