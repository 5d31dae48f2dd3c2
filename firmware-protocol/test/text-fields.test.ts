// Every text field of every device schema, found by walking the zod schemas: whatever text a device
// puts there, decoding either refuses the message with a coded reason or accepts exactly what was
// sent in a form PostgreSQL can store as sent. An acknowledged message must be storable.

import assert from 'node:assert/strict';
import fc from 'fast-check';
import { describe, it } from 'vitest';
import { decodeDeviceMessage, deviceTopic, REJECTION_REASONS } from '../src/index.ts';
import { hostileText, KNOWN_HOSTILE_TEXTS, storableAsSent, textFieldCases } from '../src/testing/index.ts';
import { EVENT_EXAMPLES, encode } from './examples.ts';

const cases = textFieldCases();
const decode = (channel: (typeof cases)[number]['channel'], message: unknown) =>
  decodeDeviceMessage(deviceTopic('dev-0001', channel), encode(message));

/** Every string anywhere in a decoded message. */
function stringsIn(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.flatMap(stringsIn);
  if (value && typeof value === 'object') return Object.values(value).flatMap(stringsIn);
  return [];
}

describe('text fields of every device schema', () => {
  it('the walk finds the free-text fields on every channel, and each case builds a valid message', () => {
    const names = cases.map((c) => c.name);
    for (const expected of ['device.fault:detail', 'ack:error', 'heartbeat:firmware', 'camera.snapshot:requestId']) {
      assert.ok(names.includes(expected), `${expected} is walked (found ${names.length} fields)`);
    }
    for (const c of cases) {
      const original = c.path.reduce<unknown>((node, key) => (node as Record<string, unknown>)[key], c.withText('x'));
      assert.equal(original, 'x');
    }
  });

  it('any text in any field is refused with a known reason or accepted exactly as sent and storable', () => {
    for (const c of cases) {
      fc.assert(
        fc.property(hostileText, (text) => {
          const sent = c.withText(text);
          const result = decode(c.channel, sent);
          if (!result.ok) {
            assert.ok(Object.hasOwn(REJECTION_REASONS, result.reason), `${c.name}: known reason`);
            // Short texts can be part of the fixed wording by chance ("-z0" in "a-z0-9"), so the
            // echo is judged on texts long enough not to be.
            assert.ok(!result.detail.includes(text) || text.length < 8, `${c.name}: the detail does not echo the text`);
            return;
          }
          assert.deepEqual(result.message, sent, `${c.name}: decoded as sent`);
          for (const s of stringsIn(result.message)) assert.ok(storableAsSent(s), `${c.name}: ${JSON.stringify(s)}`);
        }),
        { numRuns: 300, examples: KNOWN_HOSTILE_TEXTS.map((t) => [t] as [string]) },
      );
    }
  });

  for (const [label, text] of [
    ['a NUL', 'motor\u0000stalled'],
    ['a lone high surrogate', 'motor \ud800 stalled'],
    ['a lone low surrogate', '\udc00'],
    ['an escape sequence', '\u001b[31mred'],
    ['a C1 control', 'next\u0085line'],
  ] as const) {
    it(`a device.fault whose detail holds ${label} is refused as SCHEMA_VIOLATION naming the field`, () => {
      const result = decode('event', { ...EVENT_EXAMPLES['device.fault'].valid, detail: text });
      assert.equal(result.ok, false);
      if (result.ok) return;
      assert.equal(result.reason, 'SCHEMA_VIOLATION');
      assert.match(result.detail, /^detail: /);
    });
  }

  it('ordinary text keeps its tabs, line breaks, accents and emoji exactly', () => {
    const detail = 'Lucka öppen\tfack 3\r\nringde 112? nej 👵🏻 — “ok”';
    const result = decode('event', { ...EVENT_EXAMPLES['device.fault'].valid, detail });
    assert.ok(result.ok, result.ok ? '' : result.detail);
    assert.equal((result.message as { detail?: string }).detail, detail);
  });
});
