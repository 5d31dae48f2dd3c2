// G.711 A-law (ITU-T G.711 §A), the codec SCAIP units and browsers share, as far as a simulated
// unit needs it: encode a generated tone, decode what it receives to measure its level. Pure.

/** One 16-bit linear sample to its A-law byte. */
export function alawEncode(sample: number): number {
  let pcm = Math.max(-32768, Math.min(32767, Math.round(sample))) >> 3; // 13-bit magnitude
  let mask: number;
  if (pcm >= 0) {
    mask = 0xd5; // sign bit set, then even bits inverted
  } else {
    mask = 0x55;
    pcm = -pcm - 1;
  }
  let segment = 0;
  for (let limit = 0x1f; segment < 8 && pcm > limit; limit = (limit << 1) | 1) segment++;
  if (segment >= 8) return 0x7f ^ mask;
  const mantissa = segment < 2 ? (pcm >> 1) & 0x0f : (pcm >> segment) & 0x0f;
  return ((segment << 4) | mantissa) ^ mask;
}

/** One A-law byte to its 16-bit linear sample. */
export function alawDecode(byte: number): number {
  const value = byte ^ 0x55;
  const segment = (value & 0x70) >> 4;
  let magnitude = ((value & 0x0f) << 4) + 8;
  if (segment >= 1) magnitude += 0x100;
  if (segment > 1) magnitude <<= segment - 1;
  return value & 0x80 ? magnitude : -magnitude;
}

/**
 * `samples` A-law bytes of a sine tone at 8 kHz, continuing from sample index `start` (so
 * consecutive packets join without a click). Amplitude 0..1 of full scale.
 */
export function alawTone(frequencyHz: number, start: number, samples: number, amplitude = 0.3): Buffer {
  const out = Buffer.alloc(samples);
  for (let i = 0; i < samples; i++) {
    const value = Math.sin((2 * Math.PI * frequencyHz * (start + i)) / 8000) * amplitude * 32767;
    out[i] = alawEncode(value);
  }
  return out;
}

/** The RMS level of an A-law payload, 0 (silence) to 1 (full scale). */
export function alawLevel(payload: Buffer): number {
  if (payload.length === 0) return 0;
  let sum = 0;
  for (const byte of payload) {
    const sample = alawDecode(byte) / 32768;
    sum += sample * sample;
  }
  return Math.sqrt(sum / payload.length);
}

/** One 16-bit linear sample to its µ-law byte (G.711 §µ, the PCMU of SIP and browsers). */
export function ulawEncode(sample: number): number {
  const BIAS = 0x84;
  let pcm = Math.max(-32768, Math.min(32767, Math.round(sample)));
  const sign = pcm < 0 ? 0x80 : 0;
  if (pcm < 0) pcm = -pcm;
  pcm = Math.min(pcm, 32635) + BIAS;
  let exponent = 7;
  for (let mask = 0x4000; (pcm & mask) === 0 && exponent > 0; mask >>= 1) exponent--;
  const mantissa = (pcm >> (exponent + 3)) & 0x0f;
  return ~(sign | (exponent << 4) | mantissa) & 0xff;
}

/** One µ-law byte to its 16-bit linear sample. */
export function ulawDecode(byte: number): number {
  const value = ~byte & 0xff;
  const exponent = (value >> 4) & 0x07;
  const magnitude = ((((value & 0x0f) << 3) + 0x84) << exponent) - 0x84;
  return value & 0x80 ? -magnitude : magnitude;
}
