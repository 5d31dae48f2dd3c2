// Applicant sign-in: begins an OpenID Connect authorization request (state, nonce and PKCE
// verifier stored once), completes it at the callback (the state used once, the ID token verified
// by the relying party), and keeps the verified identity in an applicant session of its own.
// The identity number comes only from the verified token; every outcome is counted.

import { randomBytes } from 'node:crypto';
import { personalNumberSchema } from '@trygg/console-contract';
import type pg from 'pg';
import { Counter, type Registry } from 'prom-client';
import type { AuditLog } from '../audit/service.ts';
import type { Clock } from '../clock.ts';
import type { PiiCipher } from '../privacy/pii.ts';
import { ApplicantError, type ApplicantErrorCode } from './errors.ts';
import type { RelyingParty } from './relying-party.ts';
import * as repo from './repository.ts';

/** How long a sign-in may take at the provider before its state is forgotten. */
const SIGN_IN_WINDOW_MS = 10 * 60 * 1000;

export interface ApplicantSignInOptions {
  sessionTtlS: number;
  /** The ID token claim with the identity number. */
  personalNumberClaim: string;
  /** The callback registered at the provider; null: derived from the request's origin. */
  redirectUri: string | null;
}

/** The signed-in applicant, as the verified token named them. */
export interface Applicant {
  personalNumber: string;
  personKey: string;
  name: string;
}

export const CALLBACK_PATH = '/api/public/sign-in/callback';

export class ApplicantSignIn {
  readonly outcomes: Counter<'outcome'>;

  constructor(
    private readonly pool: pg.Pool,
    private readonly pii: PiiCipher,
    private readonly audit: AuditLog,
    private readonly clock: Clock,
    private readonly rp: RelyingParty | null,
    private readonly options: ApplicantSignInOptions,
    registry: Registry,
  ) {
    this.outcomes = new Counter({
      name: 'applicant_sign_ins_total',
      help: 'Applicant sign-ins over OpenID Connect, by outcome (ok, or the refusal code)',
      labelNames: ['outcome'],
      registers: [registry],
    });
  }

  get sessionTtlS(): number {
    return this.options.sessionTtlS;
  }

  redirectUri(origin: string): string {
    return this.options.redirectUri ?? `${origin}${CALLBACK_PATH}`;
  }

  #relyingParty(): RelyingParty {
    if (!this.rp) throw this.#refused('SIGN_IN_NOT_CONFIGURED');
    return this.rp;
  }

  #refused(code: ApplicantErrorCode, message?: string): ApplicantError {
    this.outcomes.inc({ outcome: code });
    return new ApplicantError(code, message);
  }

  /** Starts a sign-in: the provider URL to send the browser to, and the state to bind to it. */
  async begin(origin: string): Promise<{ url: string; state: string }> {
    const rp = this.#relyingParty();
    const now = this.clock.now();
    const state = randomBytes(32).toString('base64url');
    const nonce = randomBytes(32).toString('base64url');
    const codeVerifier = randomBytes(48).toString('base64url');
    let url: URL;
    try {
      url = await rp.authorizationUrl({ redirectUri: this.redirectUri(origin), state, nonce, codeVerifier });
    } catch (err) {
      if (err instanceof ApplicantError) this.outcomes.inc({ outcome: err.code });
      throw err;
    }
    await repo.insertSignIn(this.pool, { state, nonce, codeVerifier, now, forgetBefore: now - SIGN_IN_WINDOW_MS });
    return { url: url.toString(), state };
  }

  /**
   * The provider's callback: the state must be the one this browser began with and unused; the
   * code is exchanged and the ID token verified; its identity number starts an applicant session.
   */
  async complete(query: URLSearchParams, browserState: string | undefined, origin: string): Promise<string> {
    const rp = this.#relyingParty();
    const state = query.get('state') ?? '';
    const now = this.clock.now();
    if (!state || state !== browserState) {
      throw this.#refused('SIGN_IN_STATE_INVALID', 'the sign-in began in another browser, or not at all');
    }
    const started = await repo.useSignIn(this.pool, state, now, now - SIGN_IN_WINDOW_MS);
    if (!started) throw this.#refused('SIGN_IN_STATE_INVALID');

    let verified: Awaited<ReturnType<RelyingParty['complete']>>;
    try {
      verified = await rp.complete({ redirectUri: this.redirectUri(origin), query, state, ...started });
    } catch (err) {
      if (err instanceof ApplicantError) this.outcomes.inc({ outcome: err.code });
      throw err;
    }
    const claimed = verified.claims[this.options.personalNumberClaim];
    const parsed = personalNumberSchema.safeParse(typeof claimed === 'string' ? claimed : '');
    if (!parsed.success) throw this.#refused('SIGN_IN_IDENTITY_MISSING');
    const personalNumber = parsed.data;
    const c = verified.claims;
    const name =
      (typeof c.name === 'string' && c.name.trim()) ||
      [c.given_name, c.family_name]
        .filter((v) => typeof v === 'string')
        .join(' ')
        .trim() ||
      'Okänt namn';

    const token = randomBytes(32).toString('base64url');
    await repo.insertSession(this.pool, {
      token,
      personalNumberEnc: this.pii.encrypt(personalNumber),
      personKey: this.pii.lookupKey(personalNumber),
      name: name.slice(0, 100),
      issuer: verified.issuer,
      now,
      expiresAt: now + this.options.sessionTtlS * 1000,
    });
    await this.audit.record({
      actor: 'e-service',
      action: 'applicant_sign_in',
      subjectType: 'applicant_session',
      subjectId: repo.hashOf(token).slice(0, 16),
      reason: `e-legitimation via ${verified.issuer}`,
    });
    this.outcomes.inc({ outcome: 'ok' });
    return token;
  }

  /** The signed-in applicant of a session token; null when there is none or it expired. */
  async applicant(token: string | undefined): Promise<Applicant | null> {
    if (!token) return null;
    const stored = await repo.session(this.pool, token, this.clock.now());
    if (!stored) return null;
    return {
      personalNumber: this.pii.decrypt(stored.personalNumberEnc),
      personKey: stored.personKey,
      name: stored.name,
    };
  }

  async signOut(token: string | undefined): Promise<void> {
    if (token) await repo.deleteSession(this.pool, token);
  }
}
