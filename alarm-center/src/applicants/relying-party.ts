// The alarm center as an OpenID Connect relying party (openid-client, a certified RP library):
// authorization code with PKCE, state and nonce; the ID token's signature, issuer, audience,
// expiry and nonce are verified before any claim is read. Discovery happens at the first sign-in,
// so a provider that is down never keeps the alarm center from starting.

import * as oidc from 'openid-client';
import { ApplicantError } from './errors.ts';

export interface RelyingPartyOptions {
  issuer: string;
  clientId: string;
  clientSecret: string;
}

/** What the provider vouched for, from the verified ID token. */
export interface VerifiedClaims {
  issuer: string;
  claims: Record<string, unknown>;
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

/** Why a sign-in failed, for the log: the library's error code, never a claim's value. */
export function failureReason(err: unknown): string {
  const e = err as { code?: unknown; error?: unknown; name?: unknown };
  return [e.name, e.code, e.error].filter((v) => typeof v === 'string').join(' ') || 'unknown';
}

export class RelyingParty {
  #config: Promise<oidc.Configuration> | null = null;

  constructor(private readonly options: RelyingPartyOptions) {}

  get issuer(): string {
    return this.options.issuer;
  }

  #configuration(): Promise<oidc.Configuration> {
    if (!this.#config) {
      const url = new URL(this.options.issuer);
      const execute = [oidc.enableNonRepudiationChecks];
      // Plain http only to a provider on this machine (the demo's); production issuers are https.
      if (url.protocol === 'http:' && LOOPBACK.has(url.hostname)) execute.push(oidc.allowInsecureRequests);
      this.#config = oidc
        .discovery(url, this.options.clientId, undefined, oidc.ClientSecretBasic(this.options.clientSecret), {
          execute,
        })
        .catch((err: unknown) => {
          this.#config = null; // try again at the next sign-in
          throw new ApplicantError(
            'SIGN_IN_UNAVAILABLE',
            `the identity provider does not answer (${failureReason(err)})`,
          );
        });
    }
    return this.#config;
  }

  /** Where to send the browser to sign in. */
  async authorizationUrl(p: { redirectUri: string; state: string; nonce: string; codeVerifier: string }): Promise<URL> {
    const config = await this.#configuration();
    return oidc.buildAuthorizationUrl(config, {
      redirect_uri: p.redirectUri,
      scope: 'openid',
      response_type: 'code',
      state: p.state,
      nonce: p.nonce,
      code_challenge: await oidc.calculatePKCECodeChallenge(p.codeVerifier),
      code_challenge_method: 'S256',
    });
  }

  /** Exchanges the code and verifies the ID token; throws a coded ApplicantError otherwise. */
  async complete(p: {
    redirectUri: string;
    query: URLSearchParams;
    state: string;
    nonce: string;
    codeVerifier: string;
  }): Promise<VerifiedClaims> {
    const config = await this.#configuration();
    const current = new URL(p.redirectUri);
    current.search = p.query.toString();
    let tokens: Awaited<ReturnType<typeof oidc.authorizationCodeGrant>>;
    try {
      tokens = await oidc.authorizationCodeGrant(
        config,
        current,
        { pkceCodeVerifier: p.codeVerifier, expectedState: p.state, expectedNonce: p.nonce, idTokenExpected: true },
        { redirect_uri: p.redirectUri },
      );
    } catch (err) {
      if (err instanceof oidc.AuthorizationResponseError) {
        throw new ApplicantError('SIGN_IN_REFUSED', `the identity provider refused: ${failureReason(err)}`);
      }
      if (err instanceof TypeError && /fetch failed/i.test(err.message)) {
        throw new ApplicantError('SIGN_IN_UNAVAILABLE', 'the identity provider does not answer');
      }
      throw new ApplicantError('SIGN_IN_TOKEN_INVALID', `the ID token was not accepted: ${failureReason(err)}`);
    }
    const claims = tokens.claims();
    if (!claims) throw new ApplicantError('SIGN_IN_TOKEN_INVALID', 'no ID token');
    return { issuer: claims.iss, claims: claims as Record<string, unknown> };
  }
}
