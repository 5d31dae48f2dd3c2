// Who may speak for a controller: SIP digest authentication (RFC 2617 MD5, RFC 7616 SHA-256) with
// a secret per controller, whose username must be the controller id the mrq carries, and a
// source-address policy (per controller, and for all). Pure apart from the nonce key: the time is
// a parameter, nonces are stateless (an HMAC of their issue time), so nothing grows per request.

import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import net from 'node:net';

export interface ControllerCredentials {
  /** The digest secret configured in the controller (its SIP password). */
  secret: string;
  /** CIDR blocks the controller may send from; any address when absent. */
  sources?: string[];
  /**
   * Digest algorithms to challenge with, in order; default MD5 only. Some stacks (re/baresip)
   * give up on a 401 carrying any algorithm they do not know, so SHA-256 (RFC 7616) is offered
   * only to controllers configured for it.
   */
  algorithms?: DigestAlgorithm[];
}

export type DigestAlgorithm = 'MD5' | 'SHA-256';

export interface AuthOptions {
  /** Credentials by controller id; a controller without any is refused. */
  credentials: ReadonlyMap<string, ControllerCredentials>;
  /** CIDR blocks every request must come from (before per-controller blocks); any when absent. */
  allowedSources?: string[];
  realm?: string;
  /** How long a nonce may be used; an older one is answered with a fresh challenge (stale). */
  nonceTtlMs?: number;
  /** Shared by replicas behind one address, so a nonce issued by one is honoured by another. */
  nonceKey?: Buffer;
}

export type AuthVerdict =
  | { ok: true }
  /** 401 with fresh challenges: no credentials sent, a wrong response, or a stale nonce. */
  | { ok: false; status: 401; reason: 'AUTH_REQUIRED' | 'AUTH_FAILED'; detail: string; stale: boolean }
  /** 403: no credentials exist for this controller, the username is another controller's, or the address is refused. */
  | { ok: false; status: 403; reason: 'AUTH_FORBIDDEN' | 'SOURCE_NOT_ALLOWED'; detail: string };

export interface DigestRequest {
  method: string;
  uri: string;
  /** The Authorization header, when sent. */
  authorization: string | undefined;
  address: string;
  /** The controller id a verified TLS client certificate names (its subject CN), when there is one. */
  certificateCid?: string | undefined;
}

const ALGORITHMS: Record<DigestAlgorithm, string> = { MD5: 'md5', 'SHA-256': 'sha256' };
type Algorithm = DigestAlgorithm;

function blockList(cidrs: readonly string[]): net.BlockList {
  const list = new net.BlockList();
  for (const cidr of cidrs) {
    const [address, prefix] = cidr.split('/');
    const type = net.isIPv6(address ?? '') ? 'ipv6' : 'ipv4';
    if (!address || !net.isIP(address)) throw new RangeError(`not an address block: ${cidr}`);
    list.addSubnet(address, prefix === undefined ? (type === 'ipv6' ? 128 : 32) : Number(prefix), type);
  }
  return list;
}

function allowed(list: net.BlockList | null, address: string): boolean {
  if (!list) return true;
  // IPv4 peers on a dual-stack socket arrive as ::ffff:a.b.c.d
  const v4 = address.startsWith('::ffff:') ? address.slice(7) : address;
  return net.isIPv4(v4) ? list.check(v4, 'ipv4') : list.check(address, 'ipv6');
}

/** `Digest a="b", c=d` → { a: 'b', c: 'd' }; keys lower-case. */
export function parseDigestHeader(header: string): Record<string, string> | null {
  const match = /^\s*Digest\s+(.*)$/is.exec(header);
  if (!match) return null;
  const params: Record<string, string> = {};
  for (const m of (match[1] as string).matchAll(/([A-Za-z-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^,\s]*))/g)) {
    params[(m[1] as string).toLowerCase()] = m[2] ?? m[3] ?? '';
  }
  return params;
}

/**
 * Our answer to a digest challenge (RFC 2617 MD5, RFC 7616 SHA-256; qop auth or none): the value
 * of the Authorization header, or null when the challenge is unreadable or asks for an algorithm
 * or qop we do not speak. Used when a unit challenges our call-back INVITE.
 */
export function digestAuthorization(
  challenge: string,
  request: { method: string; uri: string; username: string; secret: string; cnonce?: string },
): string | null {
  const p = parseDigestHeader(challenge);
  if (!p?.realm || !p.nonce) return null;
  const algorithm = (p.algorithm ?? 'MD5').toUpperCase() as DigestAlgorithm;
  if (!(algorithm in ALGORITHMS)) return null;
  const qops = p.qop?.split(',').map((q) => q.trim()) ?? [];
  if (qops.length > 0 && !qops.includes('auth')) return null;
  const h = (text: string) => createHash(ALGORITHMS[algorithm]).update(text).digest('hex');
  const ha1 = h(`${request.username}:${p.realm}:${request.secret}`);
  const ha2 = h(`${request.method}:${request.uri}`);
  const cnonce = request.cnonce ?? randomBytes(8).toString('hex');
  const nc = '00000001';
  const response = qops.length > 0 ? h(`${ha1}:${p.nonce}:${nc}:${cnonce}:auth:${ha2}`) : h(`${ha1}:${p.nonce}:${ha2}`);
  const parts = [
    `username="${request.username}"`,
    `realm="${p.realm}"`,
    `nonce="${p.nonce}"`,
    `uri="${request.uri}"`,
    `response="${response}"`,
    `algorithm=${algorithm}`,
    ...(p.opaque === undefined ? [] : [`opaque="${p.opaque}"`]),
    ...(qops.length > 0 ? [`qop=auth`, `nc=${nc}`, `cnonce="${cnonce}"`] : []),
  ];
  return `Digest ${parts.join(', ')}`;
}

export function createControllerAuth(options: AuthOptions) {
  const realm = options.realm ?? 'trygg-scaip';
  const nonceTtlMs = options.nonceTtlMs ?? 5 * 60_000;
  const key = options.nonceKey ?? randomBytes(32);
  const everyone = options.allowedSources?.length ? blockList(options.allowedSources) : null;
  const perController = new Map<string, net.BlockList | null>();
  for (const [cid, c] of options.credentials) perController.set(cid, c.sources?.length ? blockList(c.sources) : null);

  function nonceAt(issuedAt: number): string {
    const stamp = issuedAt.toString(36);
    return `${stamp}.${createHmac('sha256', key).update(stamp).digest('base64url').slice(0, 22)}`;
  }

  /** The nonce's issue time when it is ours, else null. */
  function nonceIssuedAt(nonce: string): number | null {
    const [stamp] = nonce.split('.');
    if (!stamp || !/^[0-9a-z]{1,12}$/.test(stamp)) return null;
    const expected = Buffer.from(nonceAt(Number.parseInt(stamp, 36)));
    const given = Buffer.from(nonce);
    return given.length === expected.length && timingSafeEqual(given, expected) ? Number.parseInt(stamp, 36) : null;
  }

  /** WWW-Authenticate headers for a 401 to controller `cid`, in its configured order. */
  function challenges(cid: string, now: number, stale: boolean): string[] {
    const nonce = nonceAt(now);
    const tail = `nonce="${nonce}", qop="auth"${stale ? ', stale=true' : ''}`;
    const algorithms = options.credentials.get(cid)?.algorithms ?? ['MD5'];
    return algorithms.map((a) => `WWW-Authenticate: Digest realm="${realm}", ${tail}, algorithm=${a}`);
  }

  function expectedResponse(p: Record<string, string>, algorithm: Algorithm, secret: string, method: string): string {
    const h = (text: string) => createHash(ALGORITHMS[algorithm]).update(text).digest('hex');
    const ha1 = h(`${p.username}:${realm}:${secret}`);
    const ha2 = h(`${method}:${p.uri}`);
    return p.qop ? h(`${ha1}:${p.nonce}:${p.nc}:${p.cnonce}:${p.qop}:${ha2}`) : h(`${ha1}:${p.nonce}:${ha2}`);
  }

  /** Decides whether the request may speak for controller `cid`. */
  function verify(cid: string, request: DigestRequest, now: number): AuthVerdict {
    if (!allowed(everyone, request.address)) {
      return { ok: false, status: 403, reason: 'SOURCE_NOT_ALLOWED', detail: 'address outside the allowed sources' };
    }
    if (!allowed(perController.get(cid) ?? null, request.address)) {
      return {
        ok: false,
        status: 403,
        reason: 'SOURCE_NOT_ALLOWED',
        detail: "address outside the controller's sources",
      };
    }
    if (request.certificateCid !== undefined) {
      // the TLS handshake verified a client certificate against the configured CA: it is the proof
      return request.certificateCid === cid
        ? { ok: true }
        : { ok: false, status: 403, reason: 'AUTH_FORBIDDEN', detail: 'client certificate names another controller' };
    }
    const credentials = options.credentials.get(cid);
    if (!credentials) return { ok: false, status: 403, reason: 'AUTH_FORBIDDEN', detail: 'no credentials configured' };
    const p = request.authorization === undefined ? null : parseDigestHeader(request.authorization);
    if (!p) return { ok: false, status: 401, reason: 'AUTH_REQUIRED', detail: 'no digest credentials', stale: false };
    if (p.username !== cid) {
      return { ok: false, status: 403, reason: 'AUTH_FORBIDDEN', detail: 'digest username is not the mrq cid' };
    }
    const algorithm = (p.algorithm ?? 'MD5').toUpperCase() as Algorithm;
    // The digest-uri is hashed into the response, so it binds the request; the gateway serves one
    // resource whatever the URI, and some stacks (SIPp) put the receiver's address there instead
    // of the Request-URI, so any SIP URI is taken (RFC 2617 §3.2.2.5 makes the match a SHOULD).
    if (!(algorithm in ALGORITHMS) || p.realm !== realm || !/^sips?:/i.test(p.uri ?? '') || !p.nonce || !p.response) {
      return { ok: false, status: 401, reason: 'AUTH_FAILED', detail: 'digest parameters do not match', stale: false };
    }
    if (p.qop !== undefined && (p.qop !== 'auth' || !p.nc || !p.cnonce)) {
      return { ok: false, status: 401, reason: 'AUTH_FAILED', detail: 'unsupported qop', stale: false };
    }
    const issuedAt = nonceIssuedAt(p.nonce);
    if (issuedAt === null)
      return { ok: false, status: 401, reason: 'AUTH_FAILED', detail: 'unknown nonce', stale: false };
    const expected = Buffer.from(expectedResponse(p, algorithm, credentials.secret, request.method));
    const given = Buffer.from(p.response.toLowerCase());
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      return { ok: false, status: 401, reason: 'AUTH_FAILED', detail: 'wrong digest response', stale: false };
    }
    // right secret, old nonce: a fresh challenge with stale=true, which a UA answers without asking anyone
    if (now - issuedAt > nonceTtlMs || issuedAt > now + 60_000) {
      return { ok: false, status: 401, reason: 'AUTH_REQUIRED', detail: 'stale nonce', stale: true };
    }
    return { ok: true };
  }

  return {
    verify,
    challenges,
    realm,
    /** The controller's secret, for answering its unit's challenge to our call-back. */
    secretOf: (cid: string) => options.credentials.get(cid)?.secret,
  };
}

export type ControllerAuth = ReturnType<typeof createControllerAuth>;
