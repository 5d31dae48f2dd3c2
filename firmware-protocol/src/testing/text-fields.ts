// Every text field of every device message, found by walking the zod schemas rather than listed by
// hand, so a property test covers a new field the day it is added. A schema shape the walker does
// not know stops the walk with an error instead of being skipped silently.

import fc from 'fast-check';
import type { z } from 'zod';
import { commandAckSchema, deviceCommandSchema, deviceEventSchema, heartbeatSchema } from '../messages.ts';
import type { DeviceChannel } from '../topics.ts';
import { ACK_EXAMPLE, COMMAND_EXAMPLES, EVENT_EXAMPLES, HEARTBEAT_EXAMPLE, type Json } from './examples.ts';

export type FieldPath = (string | number)[];

export interface TextFieldCase {
  channel: DeviceChannel;
  /** The event or command type; the channel's name for channels with one shape. */
  variant: string;
  path: FieldPath;
  /** `variant:path`, for test names and failure messages. */
  name: string;
  /** The variant's valid example with `text` at this field. */
  withText(text: string): Json;
}

interface WalkedDef {
  type: string;
  shape?: Record<string, z.ZodType>;
  innerType?: z.ZodType;
  element?: z.ZodType;
  options?: z.ZodType[];
  in?: z.ZodType;
}

const defOf = (schema: z.ZodType): WalkedDef => (schema as unknown as { _zod: { def: WalkedDef } })._zod.def;

/** Paths of every string inside `schema`; an array is entered through its first element. */
export function stringPaths(schema: z.ZodType, path: FieldPath = []): FieldPath[] {
  const def = defOf(schema);
  switch (def.type) {
    case 'string':
      return [path];
    case 'optional':
    case 'nullable':
    case 'default':
    case 'readonly':
      return stringPaths(def.innerType as z.ZodType, path);
    case 'pipe':
      return stringPaths(def.in as z.ZodType, path);
    case 'array':
      return stringPaths(def.element as z.ZodType, [...path, 0]);
    case 'object':
      return Object.entries(def.shape ?? {}).flatMap(([key, field]) => stringPaths(field, [...path, key]));
    case 'union':
      return (def.options ?? []).flatMap((option) => stringPaths(option, path));
    case 'number':
    case 'int':
    case 'boolean':
    case 'literal':
    case 'enum':
    case 'null':
      return [];
    default:
      throw new Error(
        `text fields: cannot walk a zod '${def.type}' at ${path.join('.') || '(root)'}; teach stringPaths`,
      );
  }
}

function setAt(message: Json, path: FieldPath, text: string, name: string): Json {
  const copy = structuredClone(message);
  let node: Record<string | number, unknown> = copy;
  for (const [i, key] of path.entries()) {
    if (i === path.length - 1) {
      node[key] = text;
      break;
    }
    const next = node[key];
    if (typeof next !== 'object' || next === null) {
      throw new Error(`${name}: the example has no value at ${path.slice(0, i + 1).join('.')}; extend the example`);
    }
    node = next as Record<string | number, unknown>;
  }
  return copy;
}

function casesOf(channel: DeviceChannel, variant: string, schema: z.ZodType, example: Json): TextFieldCase[] {
  return stringPaths(schema).map((path) => {
    const name = `${variant}:${path.join('.')}`;
    return { channel, variant, path, name, withText: (text: string) => setAt(example, path, text, name) };
  });
}

/** One case per (message shape, string field) over every channel, events and commands included. */
export function textFieldCases(): TextFieldCase[] {
  return [
    ...deviceEventSchema.options.flatMap((option) => {
      const type = option.shape.type.value;
      return casesOf('event', type, option, EVENT_EXAMPLES[type].valid);
    }),
    ...casesOf('heartbeat', 'heartbeat', heartbeatSchema, HEARTBEAT_EXAMPLE),
    ...casesOf('ack', 'ack', commandAckSchema, ACK_EXAMPLE),
    ...deviceCommandSchema.options.flatMap((option) => {
      const type = option.shape.type.value;
      return casesOf('cmd', type, option, COMMAND_EXAMPLES[type]);
    }),
  ];
}

/**
 * One UTF-16 code unit or code point a hostile or broken firmware might put in text: NUL and other
 * C0/C1 controls, lone surrogate halves, line and paragraph separators, BOM, noncharacters, and any
 * code point of the full range.
 */
const hostileUnit: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom('\u0000', '\ud800', '\udfff', '\u001b', '\u007f', '\u0085', '\u2028', '\ufeff', '\uffff', '\t', '\n'),
  fc.integer({ min: 0, max: 0x9f }).map((c) => String.fromCharCode(c)),
  fc.integer({ min: 0xd800, max: 0xdfff }).map((c) => String.fromCharCode(c)),
  fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }),
  fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 1 }),
);

/** Arbitrary text: short and long (up to and just past the 200-unit limits), mostly hostile. */
export const hostileText: fc.Arbitrary<string> = fc.oneof(
  { arbitrary: fc.string({ unit: hostileUnit, maxLength: 40 }), weight: 4 },
  // Cut to the limit: an astral code point cut in half is one more lone surrogate to try.
  {
    arbitrary: fc.string({ unit: hostileUnit, minLength: 150, maxLength: 200 }).map((s) => s.slice(0, 200)),
    weight: 2,
  },
  { arbitrary: fc.string({ unit: 'grapheme', minLength: 1, maxLength: 80 }), weight: 2 },
  { arbitrary: fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 64 }), weight: 1 },
  { arbitrary: fc.string({ unit: 'grapheme-ascii', minLength: 195, maxLength: 205 }), weight: 1 },
);

/** Texts every property run tries first, so the known poisons are never left to chance. */
export const KNOWN_HOSTILE_TEXTS: readonly string[] = [
  'motor\u0000stalled',
  'motor \ud800 stalled',
  '\udfff',
  '\u001b[2J',
  'x'.repeat(200),
  'x'.repeat(201),
];

/**
 * Whether PostgreSQL stores `text` exactly: text and jsonb hold no NUL, and a lone surrogate has no
 * UTF-8 form (node's encoder would replace it with U+FFFD, so the round trip shows the loss).
 */
export function storableAsSent(text: string): boolean {
  return !text.includes('\u0000') && Buffer.from(text, 'utf8').toString('utf8') === text;
}
