// The simulated base unit's share of the voice wire: its alarm says it can take a call (old units'
// alarms without it stay valid), the platform's `voice_call` command, and the G.711 A-law tone
// it sends, whose level the far end must be able to measure.

import assert from 'node:assert/strict';
import { describe, it } from 'vitest';
import { alawDecode, alawEncode, alawLevel, alawTone, deviceCommandSchema, deviceEventSchema } from '../src/index.ts';
import { ENVELOPE } from './examples.ts';

describe('a unit that can take the alarm’s call', () => {
  it('says so on its press; a press without it is still valid; an unknown codec is refused', () => {
    const press = { ...ENVELOPE, type: 'alarm.manual' };
    assert.ok(deviceEventSchema.safeParse(press).success);
    assert.ok(deviceEventSchema.safeParse({ ...press, voice: { codecs: ['PCMA', 'PCMU'] } }).success);
    assert.equal(deviceEventSchema.safeParse({ ...press, voice: { codecs: ['opus'] } }).success, false);
    assert.equal(deviceEventSchema.safeParse({ ...press, voice: { codecs: [] } }).success, false);
    assert.equal(deviceEventSchema.safeParse({ ...press, voice: true }).success, false);
  });

  it('is told where to call: a SIP URI, never anything a unit could be tricked into dialling elsewhere', () => {
    const command = { ...ENVELOPE, type: 'voice_call', callId: 'call-0123456789', deadlineTs: ENVELOPE.ts };
    assert.ok(deviceCommandSchema.safeParse({ ...command, uri: 'sip:call-0123456789@127.0.0.1:5060' }).success);
    for (const uri of ['tel:+46701234567', 'sip:a@b;transport=tcp', 'sips:x@host', 'sip:@host', 'http://x']) {
      assert.equal(deviceCommandSchema.safeParse({ ...command, uri }).success, false, uri);
    }
  });
});

describe('G.711 A-law', () => {
  it('round-trips samples within the codec’s quantisation step', () => {
    for (const sample of [0, 1, -1, 100, -100, 1000, -1000, 12_345, -12_345, 32_767, -32_768]) {
      const back = alawDecode(alawEncode(sample));
      const step = Math.max(16, Math.abs(sample) / 16);
      assert.ok(Math.abs(back - sample) <= step, `${sample} -> ${back}`);
    }
  });

  it('a 1 kHz tone at 0.3 of full scale measures about 0.21 RMS; A-law silence measures almost nothing', () => {
    const tone = alawTone(1000, 0, 160);
    assert.ok(Math.abs(alawLevel(tone) - 0.3 / Math.SQRT2) < 0.02, String(alawLevel(tone)));
    assert.ok(alawLevel(Buffer.alloc(160, 0xd5)) < 0.001);
  });
});
