// Just enough SIP (RFC 3261) for SCAIP: parse requests, build responses, and frame a TCP byte
// stream by Content-Length. No dialogs, no proxying, no authentication: SCAIP controllers send
// stand-alone MESSAGE requests (and OPTIONS pings) and expect a final response to each.

import { randomUUID } from 'node:crypto';

/** Where a SIP request came from: the transport and the remote end. */
export interface Peer {
  transport: 'udp' | 'tcp' | 'tls';
  address: string;
  port: number;
  /** TLS: the controller id (subject CN) of the client certificate the handshake verified. */
  certificateCid?: string;
}

/** Largest header section accepted; SCAIP requests carry a handful of short headers. */
export const MAX_SIP_HEADER_BYTES = 8 * 1024;
/** Largest body framed on TCP; bigger bodies are answered 413 and the connection closed. */
export const MAX_SIP_BODY_BYTES = 64 * 1024;

export interface SipHeader {
  /** Lower-case long form (`via`, `call-id`, ...). */
  name: string;
  value: string;
}

export interface SipRequest {
  method: string;
  uri: string;
  headers: SipHeader[];
  body: Buffer;
}

export type SipParseResult = { ok: true; request: SipRequest } | { ok: false; detail: string };

const COMPACT_FORMS: Record<string, string> = {
  v: 'via',
  f: 'from',
  t: 'to',
  i: 'call-id',
  l: 'content-length',
  c: 'content-type',
  m: 'contact',
  k: 'supported',
  s: 'subject',
  e: 'content-encoding',
};

/** Headers a response copies from its request (RFC 3261 §8.2.6.2). */
const COPIED_HEADERS = ['via', 'from', 'to', 'call-id', 'cseq'] as const;
const REQUIRED_HEADERS = COPIED_HEADERS;

const REQUEST_LINE = /^([A-Z]{3,16}) (\S{1,256}) SIP\/2\.0$/;
const HEADER_BLOCK_END = Buffer.from('\r\n\r\n');

function canonicalName(name: string): string {
  const lower = name.toLowerCase();
  return COMPACT_FORMS[lower] ?? lower;
}

/**
 * Parses one complete SIP message. On UDP the datagram is the message; Content-Length, when
 * present, cuts the body. Responses (status lines) are reported as not-a-request.
 */
export function parseSipRequest(
  data: Buffer,
  options: { headOnly?: boolean; truncated?: boolean } = {},
): SipParseResult {
  let end = data.indexOf(HEADER_BLOCK_END);
  if (options.truncated) {
    // the first bytes of a header section too large to frame: its complete lines are enough to
    // address a 413 to the right transaction
    end = Math.min(end < 0 ? data.length : end, MAX_SIP_HEADER_BYTES);
    end = data.subarray(0, end).lastIndexOf('\r\n');
    if (end < 0) return { ok: false, detail: 'no complete header line' };
  } else if (end < 0) return { ok: false, detail: 'no end of headers' };
  if (end > MAX_SIP_HEADER_BYTES) return { ok: false, detail: 'header section too large' };
  const lines = data.subarray(0, end).toString('utf8').split('\r\n');
  const match = REQUEST_LINE.exec(lines[0] ?? '');
  if (!match) return { ok: false, detail: 'not a SIP/2.0 request line' };
  const headers: SipHeader[] = [];
  for (const line of lines.slice(1)) {
    if (line.startsWith(' ') || line.startsWith('\t')) {
      // folded continuation line (obsolete but legal)
      const last = headers.at(-1);
      if (!last) return { ok: false, detail: 'continuation before first header' };
      last.value = `${last.value} ${line.trim()}`;
      continue;
    }
    const colon = line.indexOf(':');
    if (colon < 1) return { ok: false, detail: 'malformed header line' };
    headers.push({ name: canonicalName(line.slice(0, colon).trim()), value: line.slice(colon + 1).trim() });
  }
  for (const name of REQUIRED_HEADERS) {
    if (!headers.some((h) => h.name === name)) return { ok: false, detail: `missing ${name} header` };
  }
  let body = data.subarray(end + HEADER_BLOCK_END.length);
  const contentLength = headerValue({ headers }, 'content-length');
  if (options.headOnly) {
    body = Buffer.alloc(0);
  } else if (contentLength !== undefined) {
    if (!/^[0-9]{1,9}$/.test(contentLength)) return { ok: false, detail: 'malformed Content-Length' };
    const length = Number(contentLength);
    if (length > body.length) return { ok: false, detail: 'body shorter than Content-Length' };
    body = body.subarray(0, length);
  }
  return { ok: true, request: { method: match[1] as string, uri: match[2] as string, headers, body } };
}

export function headerValue(message: Pick<SipRequest, 'headers'>, name: string): string | undefined {
  return message.headers.find((h) => h.name === name)?.value;
}

/** The media type of the body, lower-case and without parameters. */
export function contentType(request: SipRequest): string | undefined {
  return headerValue(request, 'content-type')?.split(';')[0]?.trim().toLowerCase();
}

const DISPLAY_NAMES: Record<string, string> = {
  via: 'Via',
  from: 'From',
  to: 'To',
  'call-id': 'Call-ID',
  cseq: 'CSeq',
};

export const REASON_PHRASES: Record<number, string> = {
  100: 'Trying',
  180: 'Ringing',
  200: 'OK',
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  405: 'Method Not Allowed',
  413: 'Request Entity Too Large',
  415: 'Unsupported Media Type',
  487: 'Request Terminated',
  480: 'Temporarily Unavailable',
  481: 'Call/Transaction Does Not Exist',
  486: 'Busy Here',
  488: 'Not Acceptable Here',
  500: 'Server Internal Error',
  503: 'Service Unavailable',
};

export interface ResponseOptions {
  body?: string;
  contentType?: string;
  /** Extra headers, already formatted as `Name: value`. */
  extraHeaders?: string[];
  /** Tag added to To when the request's To has none (one per response is enough: no dialogs). */
  toTag?: string;
}

/**
 * 48 random bits (RFC 3261 asks for at least 32), from randomUUID's buffered entropy: a
 * randomBytes call per response cost ~8 us of the gateway's CPU per alarm in the SCAIP bench's profile.
 */
export function newTag(): string {
  const uuid = randomUUID(); // xxxxxxxx-xxxx-4xxx-...: the first twelve hex digits are all random
  return uuid.slice(0, 8) + uuid.slice(9, 13);
}

export function buildResponse(request: SipRequest, status: number, options: ResponseOptions = {}): Buffer {
  const lines = [`SIP/2.0 ${status} ${REASON_PHRASES[status] ?? 'Unknown'}`];
  for (const name of COPIED_HEADERS) {
    for (const header of request.headers) {
      if (header.name !== name) continue;
      let value = header.value;
      if (name === 'to' && !/;\s*tag=/i.test(value)) value = `${value};tag=${options.toTag ?? newTag()}`;
      lines.push(`${DISPLAY_NAMES[name]}: ${value}`);
    }
  }
  lines.push('Server: trygg-scaip-gateway');
  for (const header of options.extraHeaders ?? []) lines.push(header);
  const body = options.body ?? '';
  const bodyBytes = Buffer.byteLength(body, 'utf8');
  if (bodyBytes > 0) lines.push(`Content-Type: ${options.contentType ?? 'application/scaip+xml'}`);
  lines.push(`Content-Length: ${bodyBytes}`);
  // one string, one buffer: a second buffer and a concat per answer were garbage for nothing
  return Buffer.from(`${lines.join('\r\n')}\r\n\r\n${body}`, 'utf8');
}

export type FramedMessage =
  | { ok: true; message: Buffer }
  /**
   * `head` is the header section of an oversized message, so it can still be answered; `truncated`
   * when it is only the first MAX_SIP_HEADER_BYTES of a header section that is itself too large.
   */
  | { ok: false; tooLarge: boolean; detail: string; head?: Buffer; truncated?: boolean };

/**
 * Splits a TCP byte stream into SIP messages by Content-Length (mandatory on streams, RFC 3261
 * §18.3). After an error the stream cannot be resynchronised; the caller closes the connection.
 */
export class SipStreamFramer {
  private buffer: Buffer = Buffer.alloc(0);
  private failed = false;

  push(chunk: Buffer): FramedMessage[] {
    if (this.failed) return [];
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
    const out: FramedMessage[] = [];
    for (;;) {
      // CRLF keep-alives between messages (RFC 5626 §3.5.1)
      let start = 0;
      while (this.buffer[start] === 0x0d || this.buffer[start] === 0x0a) start++;
      if (start > 0) this.buffer = this.buffer.subarray(start);
      const end = this.buffer.indexOf(HEADER_BLOCK_END);
      if (end > MAX_SIP_HEADER_BYTES || (end < 0 && this.buffer.length > MAX_SIP_HEADER_BYTES)) {
        // hand the start of the headers on, so the caller can still answer 413 (RFC 3261 §21.4.14)
        const head = Buffer.from(this.buffer.subarray(0, MAX_SIP_HEADER_BYTES));
        out.push({ ...this.fail(true, 'header section too large'), head, truncated: true });
        return out;
      }
      if (end < 0) return out;
      const length = streamContentLength(this.buffer.subarray(0, end).toString('utf8'));
      if (length === undefined) {
        out.push(this.fail(false, 'missing or malformed Content-Length on a stream'));
        return out;
      }
      if (length > MAX_SIP_BODY_BYTES) {
        // hand the headers on so the caller can still answer 413 to the right transaction
        const head = Buffer.from(this.buffer.subarray(0, end + HEADER_BLOCK_END.length));
        out.push({ ...this.fail(true, `Content-Length ${length} > ${MAX_SIP_BODY_BYTES}`), head });
        return out;
      }
      const total = end + HEADER_BLOCK_END.length + length;
      if (this.buffer.length < total) return out;
      out.push({ ok: true, message: this.buffer.subarray(0, total) });
      this.buffer = this.buffer.subarray(total);
    }
  }

  private fail(tooLarge: boolean, detail: string): FramedMessage & { ok: false } {
    this.failed = true;
    this.buffer = Buffer.alloc(0);
    return { ok: false, tooLarge, detail };
  }
}

function streamContentLength(headerSection: string): number | undefined {
  for (const line of headerSection.split('\r\n').slice(1)) {
    const colon = line.indexOf(':');
    if (colon < 1 || canonicalName(line.slice(0, colon).trim()) !== 'content-length') continue;
    const value = line.slice(colon + 1).trim();
    return /^[0-9]{1,9}$/.test(value) ? Number(value) : undefined;
  }
  return undefined;
}

/** A SIP response (to a request the gateway sent: BYE, a call-back INVITE). */
export interface SipResponse {
  status: number;
  headers: SipHeader[];
  body: Buffer;
}

const STATUS_LINE = /^SIP\/2\.0 ([1-6][0-9]{2}) [^\r\n]{0,128}$/;

/** Whether a datagram or framed message is a response (status line) rather than a request. */
export function isSipResponse(data: Buffer): boolean {
  return data.subarray(0, 8).toString('latin1') === 'SIP/2.0 ';
}

export function parseSipResponse(data: Buffer): SipResponse | null {
  const end = data.indexOf(HEADER_BLOCK_END);
  if (end < 0 || end > MAX_SIP_HEADER_BYTES) return null;
  const lines = data.subarray(0, end).toString('utf8').split('\r\n');
  const match = STATUS_LINE.exec(lines[0] ?? '');
  if (!match) return null;
  const headers: SipHeader[] = [];
  for (const line of lines.slice(1)) {
    const colon = line.indexOf(':');
    if (colon < 1) return null;
    headers.push({ name: canonicalName(line.slice(0, colon).trim()), value: line.slice(colon + 1).trim() });
  }
  let body = data.subarray(end + HEADER_BLOCK_END.length);
  const length = headerValue({ headers }, 'content-length');
  if (length !== undefined && /^[0-9]{1,9}$/.test(length)) body = body.subarray(0, Number(length));
  return { status: Number(match[1]), headers, body };
}

/** A request the gateway sends inside a dialog or to start one; headers already formatted. */
export function buildRequest(method: string, uri: string, headers: string[], body = '', type?: string): Buffer {
  const lines = [`${method} ${uri} SIP/2.0`, ...headers, 'User-Agent: trygg-scaip-gateway'];
  const payload = Buffer.from(body, 'utf8');
  if (payload.length > 0) lines.push(`Content-Type: ${type ?? 'application/sdp'}`);
  lines.push(`Content-Length: ${payload.length}`);
  return Buffer.concat([Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'utf8'), payload]);
}

/** The URI inside a name-addr (`"x" <sip:a@b>;tag=1` → `sip:a@b`), or the addr-spec itself. */
export function addressUri(value: string): string {
  const angle = /<([^>]{1,256})>/.exec(value);
  return (angle ? angle[1] : value.split(';')[0]) as string;
}

/** The user part of a SIP URI (`sip:4600123@host` → `4600123`). */
export function uriUser(uri: string): string | undefined {
  return /^sips?:([^@;>]{1,64})@/.exec(uri.trim())?.[1];
}

/** Where a SIP URI points (`sip:unit@192.0.2.5:5080;transport=udp` → 192.0.2.5, 5080); 5060 by default. */
export function uriHostPort(uri: string): { host: string; port: number } | undefined {
  const match = /^sips?:(?:[^@;>]{1,64}@)?([A-Za-z0-9.-]{1,253})(?::([0-9]{1,5}))?(?:[;?>]|$)/.exec(uri.trim());
  if (!match) return undefined;
  const port = match[2] === undefined ? 5060 : Number(match[2]);
  return port >= 1 && port <= 65535 ? { host: match[1] as string, port } : undefined;
}
