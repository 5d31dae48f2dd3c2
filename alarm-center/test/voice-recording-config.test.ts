// VOICE_RECORDING_RETENTION_DAYS, the municipality's call-recording policy: unset is off (no
// recording at all); a value that is not a whole number of days from 1 stops start-up, named.

import assert from 'node:assert/strict';
import { describe, it } from 'vitest';
import { configSchema, loadConfig } from '../src/config.ts';

describe('VOICE_RECORDING_RETENTION_DAYS', () => {
  it('is off unless set; set, it is the retention in days', () => {
    assert.equal(configSchema.parse({}).VOICE_RECORDING_RETENTION_DAYS, undefined);
    assert.equal(configSchema.parse({ VOICE_RECORDING_RETENTION_DAYS: '90' }).VOICE_RECORDING_RETENTION_DAYS, 90);
  });

  for (const bad of ['0', '-3', '1.5', 'forever', '4000']) {
    it(`refuses ${JSON.stringify(bad)}, naming the setting`, () => {
      assert.throws(() => loadConfig({ VOICE_RECORDING_RETENTION_DAYS: bad }), /VOICE_RECORDING_RETENTION_DAYS/);
    });
  }
});
