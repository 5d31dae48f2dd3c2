// Parses a SCAIP `mrq` request body into a typed message, or the `snu` to refuse it with, and builds
// the `mrs` response body. Pure: no I/O. Hostile XML is refused before the parser sees it: no
// DOCTYPE (so no entities, external or internal), a hard size limit, and strict element patterns.
// saxes (the strict, well-formedness-checking XML parser jsdom uses) reads the body in one pass;
// the validate-then-parse of fast-xml-parser before it cost about 8 times as much per mrq.

import {
  isScaipDeviceType,
  isScaipStatusCode,
  SCAIP_MESSAGE_TYPES,
  SCAIP_RESPONSE_STATUS,
  type ScaipDeviceTypeCode,
  type ScaipMessageType,
  type ScaipStatusCode,
} from '@trygg/firmware-protocol';
import { SaxesParser } from 'saxes';
import type { ScaipRejection } from './errors.ts';

/** Largest `mrq` body accepted; real requests are a few hundred bytes. Larger → snu 1. */
export const MAX_MRQ_BYTES = 4096;

export interface ScaipGeo {
  lat: number;
  lon: number;
  /** Accuracy radius in metres, when the controller sends one. */
  accuracyM?: number;
}

/** A validated `mrq`. Codes are the SCAIP strings as sent (`dty` "0003", `stc` "0010"). */
export interface ScaipRequest {
  ref: string;
  cid: string;
  mty: ScaipMessageType;
  dty: ScaipDeviceTypeCode;
  did: string;
  /** Absent only on heartbeats (PI). */
  stc?: ScaipStatusCode;
  dco?: string;
  pri?: number;
  lco?: string;
  geo?: ScaipGeo;
  /** Heartbeat interval in seconds announced by the controller. */
  hbi?: number;
  /** SS 91100 version the controller speaks (`01.00`), when it says. */
  ver?: string;
  /** How the unit can be called back (`sip:...`, `tel:...`, `no-voice:`). */
  crd?: string;
  cha?: number;
  /** The unit's own time stamp, as sent; logged only. */
  dte?: string;
  /** Elements we do not use, by name (ignored, logged). */
  ignored?: string[];
}

export type ScaipParseResult =
  | { ok: true; message: ScaipRequest }
  | { ok: false; snu: number; reason: ScaipRejection; detail: string; ref?: string };

/** Element value patterns. Anything else is `snu` 2 (invalid format). */
const PATTERNS = {
  // ref and cid become part of our message and device ids, hence the narrow alphabets
  ref: /^[A-Za-z0-9_.:-]{1,32}$/,
  cid: /^[A-Za-z0-9]{1,24}$/,
  did: /^[A-Za-z0-9]{1,24}$/,
  dty: /^[0-9]{4}$/,
  stc: /^[0-9]{4}$/,
  mty: /^[A-Z]{2}$/,
  dco: /^[A-Za-z0-9]{1,8}$/,
  pri: /^[0-9]{1,2}$/,
  // free text a technician typed into the unit ("Kök", "Hall 2"): letters of any script, no markup
  lco: /^[\p{L}\p{N} _.,:;/()#'+-]{1,64}$/u,
  hbi: /^[0-9]{1,6}$/,
  lat: /^-?[0-9]{1,2}(\.[0-9]{1,10})?$/,
  lon: /^-?[0-9]{1,3}(\.[0-9]{1,10})?$/,
  acc: /^[0-9]{1,6}(\.[0-9]{1,3})?$/,
  // SS 91100 protocol version, e.g. 01.00
  ver: /^[0-9]{1,2}\.[0-9]{1,2}$/,
  // how the unit can be called back: sip:, tel:, gsm:, no-voice: (the unit calls)
  crd: /^(sip|sips|tel|gsm|no-voice):[A-Za-z0-9@+*#.:;=_%~!$,/?-]{0,128}$/,
  // 0 the unit calls the centre, 1 the centre calls back
  cha: /^[0-9]{1,2}$/,
  // the unit's own clock; logged only, the time of receipt is what counts
  dte: /^[0-9T:+. Z-]{8,32}$/,
} as const;

/** Elements read (and checked against their pattern). The first five are mandatory. */
const TEXT_TAGS = [
  'ref',
  'cid',
  'mty',
  'dty',
  'did',
  'stc',
  'dco',
  'pri',
  'lco',
  'hbi',
  'ver',
  'crd',
  'cha',
  'dte',
] as const;
type TextTag = (typeof TEXT_TAGS)[number];
const GEO_TAGS = ['lat', 'lon', 'acc'] as const;
const READ_TAGS = new Set<string>([...TEXT_TAGS, 'lge']);
/*
 * Every other element (those SS 91100 defines for audio and voice handling, extra message text,
 * heartbeat options and sub-codes, such as hbo, sco, ame, mreq, and any a vendor adds) is
 * accepted and not used, as long as it stays within the nesting limit: an unknown optional
 * element never refuses an alarm. Their names are kept in `ignored` for the log.
 */
/** mrq > element > child; anything deeper is not SCAIP and is refused as invalid format. */
const MAX_DEPTH = 3;

function fail(snu: number, reason: ScaipRejection, detail: string, ref?: string): ScaipParseResult {
  return ref === undefined ? { ok: false, snu, reason, detail } : { ok: false, snu, reason, detail, ref };
}

/** Best-effort `ref` from a body we refuse to parse, so the `mrs` can still name the request. */
export function sniffRef(body: string): string | undefined {
  const match = /<ref>\s*([A-Za-z0-9_.:-]{1,32})\s*<\/ref>/.exec(body.slice(0, MAX_MRQ_BYTES));
  return match?.[1];
}

export function parseMrq(body: string): ScaipParseResult {
  const bytes = Buffer.byteLength(body, 'utf8');
  if (bytes > MAX_MRQ_BYTES) {
    return fail(SCAIP_RESPONSE_STATUS.TOO_LONG, 'TOO_LONG', `${bytes} bytes > ${MAX_MRQ_BYTES}`, sniffRef(body));
  }
  // No DTDs at all: this is what makes entity expansion and external entities impossible,
  // independently of the parser's own settings.
  if (/<!DOCTYPE|<!ENTITY/i.test(body)) {
    return fail(SCAIP_RESPONSE_STATUS.INVALID_FORMAT, 'INVALID_FORMAT', 'DOCTYPE/ENTITY declarations are refused');
  }
  const doc = documents.read(body);
  if (doc === 'too_deep') {
    return fail(SCAIP_RESPONSE_STATUS.INVALID_FORMAT, 'INVALID_FORMAT', `elements nested deeper than ${MAX_DEPTH}`);
  }
  if (doc instanceof Error) {
    return fail(SCAIP_RESPONSE_STATUS.INVALID_FORMAT, 'INVALID_FORMAT', `not well-formed XML: ${doc.message}`);
  }
  if (doc.name !== 'mrq' || !isRecord(doc.value)) {
    return fail(SCAIP_RESPONSE_STATUS.INVALID_FORMAT, 'INVALID_FORMAT', 'root element must be a single <mrq>');
  }
  return readMrq(doc.value);
}

interface OpenElement {
  name: string;
  text: string;
  children: Record<string, unknown> | null;
}

/**
 * The document as nested records: an element's value is its trimmed text, or, when it has child
 * elements, a record of them by name (a repeated name becomes an array; text beside children is
 * kept as `#text`). Attributes, comments and the declaration are not read. A strict parse: a body
 * that is not well-formed XML is an Error; nesting deeper than MAX_DEPTH stops the parse.
 *
 * One parser and one set of handlers serve every request (a parser and four closures per `mrq`
 * were a third of its parse): saxes resets itself after each complete document, and a parser
 * that stopped on an error is replaced. Parsing is synchronous, so one document at a time.
 */
class DocumentReader {
  #parser = this.#newParser();
  #open: OpenElement[] = [];
  #root: { name: string; value: unknown } | null = null;
  #tooDeep = false;

  read(body: string): { name: string; value: unknown } | Error | 'too_deep' {
    this.#open = [];
    this.#root = null;
    this.#tooDeep = false;
    try {
      this.#parser.write(body).close();
    } catch (err) {
      this.#parser = this.#newParser();
      if (this.#tooDeep) return 'too_deep';
      return err instanceof Error ? err : new Error(String(err));
    }
    const root = this.#root;
    this.#open = [];
    this.#root = null;
    return root ?? new Error('no root element');
  }

  #newParser(): SaxesParser {
    const parser = new SaxesParser();
    parser.on('opentag', (tag) => this.#openTag(tag.name));
    parser.on('text', (text) => this.#addText(text));
    parser.on('cdata', (text) => this.#addText(text));
    parser.on('closetag', () => this.#closeTag());
    return parser;
  }

  #openTag(name: string): void {
    if (this.#open.length >= MAX_DEPTH) {
      this.#tooDeep = true;
      throw new Error('too deep');
    }
    this.#open.push({ name, text: '', children: null });
  }

  #addText(text: string): void {
    const top = this.#open[this.#open.length - 1];
    if (top) top.text += text;
  }

  #closeTag(): void {
    const element = this.#open.pop() as OpenElement;
    const text = element.text.trim();
    let value: unknown = text;
    if (element.children) value = text === '' ? element.children : { ...element.children, '#text': text };
    const parent = this.#open[this.#open.length - 1];
    if (!parent) {
      this.#root = { name: element.name, value };
      return;
    }
    // no prototype: an element named __proto__ is just a name
    parent.children ??= Object.create(null) as Record<string, unknown>;
    const earlier = parent.children[element.name];
    if (earlier === undefined) parent.children[element.name] = value;
    else if (Array.isArray(earlier)) earlier.push(value);
    else parent.children[element.name] = [earlier, value];
  }
}

const documents = new DocumentReader();

function readMrq(mrq: Record<string, unknown>): ScaipParseResult {
  const ignored = Object.keys(mrq).filter((tag) => !READ_TAGS.has(tag));
  const text: Partial<Record<TextTag, string>> = {};
  for (const tag of TEXT_TAGS) {
    const value = mrq[tag];
    if (value === undefined || value === '') continue;
    if (typeof value !== 'string' || !PATTERNS[tag].test(value)) {
      return fail(SCAIP_RESPONSE_STATUS.INVALID_FORMAT, 'INVALID_FORMAT', `<${tag}> is malformed`, text.ref);
    }
    text[tag] = value;
  }
  const { ref } = text;
  for (const tag of ['ref', 'cid', 'mty', 'dty', 'did'] as const) {
    if (text[tag] === undefined) {
      return fail(SCAIP_RESPONSE_STATUS.MANDATORY_TAG_MISSING, 'MANDATORY_TAG_MISSING', `<${tag}> is missing`, ref);
    }
  }
  const mty = text.mty as string;
  if (!(SCAIP_MESSAGE_TYPES as readonly string[]).includes(mty)) {
    return fail(SCAIP_RESPONSE_STATUS.WRONG_CONTENT, 'WRONG_CONTENT', `unknown message type ${mty}`, ref);
  }
  if (text.stc === undefined && mty !== 'PI') {
    return fail(SCAIP_RESPONSE_STATUS.MANDATORY_TAG_MISSING, 'MANDATORY_TAG_MISSING', '<stc> is missing', ref);
  }
  const dty = text.dty as string;
  if (!isScaipDeviceType(dty)) {
    return fail(SCAIP_RESPONSE_STATUS.WRONG_CONTENT, 'WRONG_CONTENT', `unmapped device type ${dty}`, ref);
  }
  if (text.stc !== undefined && !isScaipStatusCode(text.stc)) {
    return fail(SCAIP_RESPONSE_STATUS.WRONG_CONTENT, 'WRONG_CONTENT', `unmapped status code ${text.stc}`, ref);
  }
  const geo = readGeo(mrq.lge);
  if (geo === 'invalid') {
    return fail(SCAIP_RESPONSE_STATUS.INVALID_FORMAT, 'INVALID_FORMAT', '<lge> is malformed', ref);
  }
  const message: ScaipRequest = {
    ref: ref as string,
    cid: text.cid as string,
    mty: mty as ScaipMessageType,
    dty,
    did: text.did as string,
  };
  if (text.stc !== undefined) message.stc = text.stc as ScaipStatusCode;
  if (text.dco !== undefined) message.dco = text.dco;
  if (text.pri !== undefined) message.pri = Number(text.pri);
  if (text.lco !== undefined) message.lco = text.lco;
  if (text.hbi !== undefined) message.hbi = Number(text.hbi);
  if (geo !== undefined) message.geo = geo;
  if (text.ver !== undefined) message.ver = text.ver;
  if (text.crd !== undefined) message.crd = text.crd;
  if (text.cha !== undefined) message.cha = Number(text.cha);
  if (text.dte !== undefined) message.dte = text.dte;
  if (ignored.length > 0) message.ignored = ignored.map((tag) => tag.slice(0, 16));
  return { ok: true, message };
}

/**
 * `<lge><lat>57.70</lat><lon>11.97</lon><acc>15</acc></lge>` (acc optional), or the same as text,
 * `<lge>57.70,11.97,15</lge>`, as some units send it.
 */
function readGeo(lge: unknown): ScaipGeo | undefined | 'invalid' {
  if (lge === undefined || lge === '') return undefined;
  if (typeof lge === 'string') {
    const [lat, lon, acc, ...rest] = lge.split(/\s*[,;]\s*/);
    if (rest.length > 0 || lat === undefined || lon === undefined) return 'invalid';
    lge = acc === undefined ? { lat, lon } : { lat, lon, acc };
  }
  if (!isRecord(lge)) return 'invalid';
  for (const tag of Object.keys(lge)) if (!(GEO_TAGS as readonly string[]).includes(tag)) return 'invalid';
  const values: Partial<Record<(typeof GEO_TAGS)[number], number>> = {};
  for (const tag of GEO_TAGS) {
    const value = lge[tag];
    if (value === undefined) continue;
    if (typeof value !== 'string' || !PATTERNS[tag].test(value)) return 'invalid';
    values[tag] = Number(value);
  }
  const { lat, lon, acc } = values;
  if (lat === undefined || lon === undefined || Math.abs(lat) > 90 || Math.abs(lon) > 180) return 'invalid';
  return acc === undefined ? { lat, lon } : { lat, lon, accuracyM: acc };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The voice part of an `mrs` (SS 91100): media offered, call handling, where the unit calls. */
export interface MrsVoiceTags {
  mre: number;
  cre?: number;
  tnu?: string;
}

/** The `mrs` response body. `ref` is omitted when the request had none we could read. */
export function mrsXml(ref: string | undefined, snu: number, hbi?: number, voice?: MrsVoiceTags): string {
  // ref is only ever a value that matched PATTERNS.ref, so it needs no escaping
  const refTag = ref !== undefined && PATTERNS.ref.test(ref) ? `<ref>${ref}</ref>` : '';
  const hbiTag = hbi !== undefined ? `<hbi>${Math.trunc(hbi)}</hbi>` : '';
  let voiceTags = '';
  if (voice) {
    voiceTags = `<mre>${Math.trunc(voice.mre)}</mre>`;
    if (voice.cre !== undefined) voiceTags += `<cre>${Math.trunc(voice.cre)}</cre>`;
    if (voice.tnu !== undefined) voiceTags += `<tnu>${escapeXml(voice.tnu)}</tnu>`;
  }
  return `<?xml version="1.0" encoding="UTF-8"?><mrs>${refTag}<snu>${snu}</snu>${voiceTags}${hbiTag}</mrs>`;
}

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
