// Every visible string comes from the translation files: both languages carry the same keys and
// placeholders, and no component hard-codes words in JSX.

import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseSync } from 'rolldown/utils';
import { test } from 'vitest';
import en from '../src/i18n/en.json' with { type: 'json' };
import { format, translate } from '../src/i18n/i18n.tsx';
import sv from '../src/i18n/sv.json' with { type: 'json' };

const SRC = join(import.meta.dirname, '..', 'src');
const LETTER = /\p{L}/u;
/** Attributes a user reads or hears; their literal values would escape translation. */
const TEXT_ATTRIBUTES = new Set(['title', 'placeholder', 'aria-label', 'alt', 'label', 'aria-description']);

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sourceFiles(join(dir, e.name)) : /\.tsx?$/.test(e.name) ? [join(dir, e.name)] : [],
  );
}

const placeholders = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

test('Swedish and English translation files have exactly the same keys', () => {
  assert.deepEqual(Object.keys(en).sort(), Object.keys(sv).sort());
});

test('each English text uses the same placeholders as its Swedish text', () => {
  for (const [key, text] of Object.entries(sv)) {
    assert.deepEqual(placeholders(en[key as keyof typeof en]), placeholders(text), key);
  }
});

test('no translation is empty', () => {
  for (const [key, text] of [...Object.entries(sv), ...Object.entries(en)]) assert.ok(text.trim(), key);
});

test('t fills placeholders and leaves unknown ones visible', () => {
  assert.equal(format('Öppna larm ({count})', { count: 3 }), 'Öppna larm (3)');
  assert.equal(format('{a} och {b}', { a: 'x' }), 'x och {b}');
  assert.equal(translate('en', 'queue.title', { count: 2 }), 'Open alarms (2)');
  assert.equal(translate('sv', 'queue.title', { count: 2 }), 'Öppna larm (2)');
});

test('no component contains a JSX text literal or a literal user-facing attribute with letters', () => {
  const offences: string[] = [];
  for (const file of sourceFiles(SRC).filter((f) => f.endsWith('.tsx'))) {
    const code = readFileSync(file, 'utf8');
    const { program, errors } = parseSync(file, code);
    assert.deepEqual(errors, [], file);
    const visit = (node: unknown): void => {
      if (Array.isArray(node)) {
        for (const child of node) visit(child);
        return;
      }
      if (!node || typeof node !== 'object') return;
      const n = node as { type?: string; value?: unknown; name?: { name?: unknown }; start?: number };
      if (n.type === 'JSXText' && typeof n.value === 'string' && LETTER.test(n.value)) {
        offences.push(`${file}: text ${JSON.stringify(n.value.trim())}`);
      }
      if (
        n.type === 'JSXAttribute' &&
        TEXT_ATTRIBUTES.has(String(n.name?.name)) &&
        (n.value as { type?: string; value?: unknown } | null)?.type === 'Literal' &&
        LETTER.test(String((n.value as { value: unknown }).value))
      ) {
        offences.push(`${file}: attribute ${String(n.name?.name)}`);
      }
      for (const v of Object.values(n)) if (v && typeof v === 'object') visit(v);
    };
    visit(program);
  }
  assert.deepEqual(offences, []);
});

test('the console reaches the server only through the contract: types, and the zod-free vocabulary', () => {
  const offences: string[] = [];
  for (const file of sourceFiles(SRC)) {
    for (const [statement, typeOnly, from] of readFileSync(file, 'utf8').matchAll(
      /^(?:import|export)\s+(type\s+)?[^;]*?from\s+'([^']+)';/gms,
    )) {
      if (/(^|\/)alarm-center\//.test(from ?? '')) offences.push(`${file}: ${statement}`);
      if (!from?.startsWith('@trygg/')) continue;
      const allowed = typeOnly
        ? ['@trygg/firmware-protocol', '@trygg/console-contract'].includes(from)
        : from === '@trygg/console-contract/vocabulary';
      if (!allowed) offences.push(`${file}: ${statement}`);
    }
  }
  assert.deepEqual(offences, []);
});
