// GATEWAY_BRIDGE_URLS: each gateway instance's voice bridge, by its GATEWAY_INSTANCE_ID. A setting
// that does not read as instance=url pairs stops start-up with a message naming it.

import assert from 'node:assert/strict';
import { describe, it } from 'vitest';
import { configSchema, loadConfig } from '../src/config.ts';

describe('GATEWAY_BRIDGE_URLS', () => {
  it('maps each instance to its bridge; unset is no instance, GATEWAY_BRIDGE_URL alone still works', () => {
    const parsed = configSchema.parse({
      GATEWAY_BRIDGE_URLS: 'gw-1=http://10.0.0.5:9470, gw-2=http://10.0.0.6:9470/',
      GATEWAY_BRIDGE_TOKEN: 'bridge-token-0123456789',
    });
    assert.deepEqual(
      [...parsed.GATEWAY_BRIDGE_URLS],
      [
        ['gw-1', 'http://10.0.0.5:9470'],
        ['gw-2', 'http://10.0.0.6:9470/'],
      ],
    );
    const single = configSchema.parse({ GATEWAY_BRIDGE_URL: 'http://127.0.0.1:9470' });
    assert.equal(single.GATEWAY_BRIDGE_URLS.size, 0);
    assert.equal(single.GATEWAY_BRIDGE_URL, 'http://127.0.0.1:9470');
  });

  for (const bad of ['http://10.0.0.5:9470', 'gw-1=', 'gw 1=http://10.0.0.5:9470', '=http://x']) {
    it(`refuses ${JSON.stringify(bad)}, naming the setting`, () => {
      assert.throws(() => loadConfig({ GATEWAY_BRIDGE_URLS: bad }), /GATEWAY_BRIDGE_URLS: expected instance=url pairs/);
    });
  }
});
