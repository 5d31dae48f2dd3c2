// The call recorder, in isolation: both directions kept, the recording warning tone (1400 Hz,
// 0.4 s every 15 s) mixed into what the unit receives, the WAV readable back to its channels.

import assert from 'node:assert/strict';
import { alawTone } from '@trygg/firmware-protocol';
import { describe, test } from 'vitest';
import { CallRecorder, Recordings, readWav, toneShare, WARNING_TONE } from '../src/recorder.ts';

const PACKET = 160; // 20 ms at 8 kHz
const silence = () => Buffer.alloc(PACKET, 0xd5); // A-law zero

describe('call recorder', () => {
  test('the unit receives the 1400 Hz warning tone at the call start and again 15 s later, silence between', () => {
    const recorder = new CallRecorder('PCMA');
    const sent: Buffer[] = [];
    for (let i = 0; i < (16 * 8000) / PACKET; i++) sent.push(recorder.toUnit(silence()));
    const samples = (from: number, n: number) => decode(sent, from, n);
    assert.ok(toneShare(samples(0, 3200), WARNING_TONE.hz) > 0.8, 'beep at 0 s');
    assert.ok(toneShare(samples(15 * 8000, 3200), WARNING_TONE.hz) > 0.8, 'beep at 15 s');
    // A-law's smallest step is 8: silence stays silence
    assert.ok(peak(samples(8000, 8000)) <= 8, 'nothing added between the beeps');
  });

  test('the WAV holds the unit’s audio on the left and what the unit received (operator + tone) on the right', () => {
    const recorder = new CallRecorder('PCMA');
    for (let i = 0; i < 100; i++) {
      recorder.fromUnit(alawTone(1000, i * PACKET, PACKET));
      recorder.toUnit(alawTone(440, i * PACKET, PACKET));
    }
    const { channels, left, right } = readWav(recorder.wav());
    assert.equal(channels, 2);
    assert.equal(left.length, 100 * PACKET);
    assert.ok(toneShare(left, 1000) > 0.8, 'the unit’s 1 kHz tone');
    assert.ok(toneShare(right.subarray(8000), 440) > 0.8, 'the operator’s 440 Hz after the beep');
    assert.ok(toneShare(right.subarray(0, 3200), WARNING_TONE.hz) > 0.1, 'the beep mixed over the operator');
  });

  test('a recording is handed over once', () => {
    const recordings = new Recordings({ isLive: () => false });
    recordings.start('call-0001', 'PCMU')?.fromUnit(Buffer.alloc(PACKET, 0xff));
    assert.ok(recordings.take('call-0001'));
    assert.equal(recordings.take('call-0001'), null);
  });
});

describe('call recordings held by the gateway', () => {
  test('full of live calls, a new recording is refused (null), not made by dropping a live one', () => {
    const live = new Set(['call-a', 'call-b']);
    const recordings = new Recordings({ max: 2, isLive: (id) => live.has(id) });
    assert.ok(recordings.start('call-a', 'PCMA'));
    assert.ok(recordings.start('call-b', 'PCMA'));
    assert.equal(recordings.start('call-c', 'PCMA'), null);
    // call-a ended and was never collected: its room is taken, the live call-b kept
    live.delete('call-a');
    assert.ok(recordings.start('call-c', 'PCMA'));
    assert.equal(recordings.take('call-a'), null);
    assert.ok(recordings.take('call-b'));
  });
});

function decode(packets: Buffer[], from: number, n: number): Int16Array {
  const recorder = new CallRecorder('PCMA');
  for (const p of packets) recorder.fromUnit(p);
  return readWav(recorder.wav()).left.subarray(from, from + n);
}

function peak(samples: Int16Array): number {
  let max = 0;
  for (const s of samples) max = Math.max(max, Math.abs(s));
  return max;
}
