// A local OpenID Connect provider standing in for the municipality's e-legitimation broker (BankID,
// Freja) in the demo and the tests: the certified `oidc-provider` (8.x, Node 20) on a port of its
// own, with a few demo identities and one accessible Swedish sign-in page that also says what is shared.

import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import Provider, { type Configuration } from 'oidc-provider';
import { DEMO_IDENTITIES, type DemoIdentity } from './identities.ts';
import { signInPage } from './page.ts';

export { DEMO_IDENTITIES, type DemoIdentity } from './identities.ts';

export interface IdentityProviderOptions {
  host?: string;
  /** 0 picks a free port (tests). */
  port: number;
  clientId: string;
  clientSecret: string;
  /**
   * Where the relying party may be sent back to. Loopback http URIs match on any port (RFC 8252,
   * the provider's 'native' client rule), so a relying party on an ephemeral port needs no
   * registration per run.
   */
  redirectUris: string[];
  identities?: readonly DemoIdentity[];
}

export interface RunningIdentityProvider {
  issuer: string;
  port: number;
  identities: readonly DemoIdentity[];
  close(): Promise<void>;
}

const LOGIN_PATH = /^\/interaction\/([A-Za-z0-9_-]{1,64})(\/login|\/abort)?$/;

async function readForm(req: IncomingMessage): Promise<URLSearchParams> {
  let body = '';
  for await (const chunk of req) {
    body += chunk;
    if (body.length > 4096) break;
  }
  return new URLSearchParams(body);
}

export async function startIdentityProvider(options: IdentityProviderOptions): Promise<RunningIdentityProvider> {
  const identities = options.identities ?? DEMO_IDENTITIES;
  const host = options.host ?? '127.0.0.1';
  let handleOidc: (req: IncomingMessage, res: ServerResponse) => void = (_req, res) => res.writeHead(503).end();
  let provider: Provider | null = null;

  const server = createServer((req, res) => {
    const match = LOGIN_PATH.exec((req.url ?? '').split('?')[0] ?? '');
    if (!match || !provider) return handleOidc(req, res);
    const step = (match[2] ?? null) as '/login' | '/abort' | null;
    void interaction(provider, identities, req, res, step).catch((err: Error) => {
      res
        .writeHead(400, { 'content-type': 'text/plain; charset=utf-8' })
        .end(`Inloggningen misslyckades: ${err.message}`);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const issuer = `http://${host}:${port}`;

  const configuration: Configuration = {
    clients: [
      {
        client_id: options.clientId,
        client_secret: options.clientSecret,
        application_type: 'native',
        redirect_uris: options.redirectUris,
        grant_types: ['authorization_code'],
        response_types: ['code'],
        token_endpoint_auth_method: 'client_secret_basic',
      },
    ],
    pkce: { required: () => true, methods: ['S256'] },
    // The identity number travels in the ID token itself, as e-legitimation brokers send it.
    conformIdTokenClaims: false,
    claims: { openid: ['sub', 'personal_number', 'name', 'given_name', 'family_name', 'birthdate'] },
    scopes: ['openid'],
    findAccount: (_ctx, sub) => {
      const person = identities.find((i) => i.personalNumber === sub);
      if (!person) return undefined;
      return {
        accountId: sub,
        claims: () => ({
          sub,
          personal_number: person.personalNumber.replace('-', ''),
          name: `${person.givenName} ${person.familyName}`,
          given_name: person.givenName,
          family_name: person.familyName,
          birthdate: `${sub.slice(0, 4)}-${sub.slice(4, 6)}-${sub.slice(6, 8)}`,
        }),
      };
    },
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    features: { devInteractions: { enabled: false } },
    cookies: { keys: [randomBytes(32).toString('base64url')] },
    // A fresh signing key each start: tokens of an earlier run are never valid again.
    jwks: { keys: [{ ...signingKey(), kid: randomBytes(8).toString('hex'), use: 'sig', alg: 'RS256' }] },
    ttl: { Interaction: 600, Session: 600, Grant: 600, AuthorizationCode: 60, IdToken: 300, AccessToken: 300 },
    renderError: (ctx, out) => {
      ctx.type = 'html';
      ctx.body = signInPage({ title: 'Inloggningen kunde inte slutföras', error: String(out.error ?? 'error') });
    },
  };
  provider = new Provider(issuer, configuration);
  handleOidc = provider.callback() as (req: IncomingMessage, res: ServerResponse) => void;

  return {
    issuer,
    port,
    identities,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function signingKey() {
  return generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'jwk' });
}

async function interaction(
  provider: Provider,
  identities: readonly DemoIdentity[],
  req: IncomingMessage,
  res: ServerResponse,
  step: '/login' | '/abort' | null,
): Promise<void> {
  const details = await provider.interactionDetails(req, res);
  if (details.prompt.name === 'consent' && details.session?.accountId) {
    // Agreeing on the sign-in page was the consent (it says what is shared): grant what was asked.
    const grant = details.grantId
      ? ((await provider.Grant.find(details.grantId)) ?? new provider.Grant())
      : new provider.Grant({ accountId: details.session.accountId, clientId: String(details.params.client_id) });
    const missing = details.prompt.details as { missingOIDCScope?: string[]; missingOIDCClaims?: string[] };
    if (missing.missingOIDCScope) grant.addOIDCScope(missing.missingOIDCScope.join(' '));
    if (missing.missingOIDCClaims) grant.addOIDCClaims(missing.missingOIDCClaims);
    const grantId = await grant.save();
    await provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
    return;
  }
  if (step === '/abort' && req.method === 'POST') {
    // The person cancelled: the relying party hears access_denied, as from a real provider.
    await provider.interactionFinished(
      req,
      res,
      { error: 'access_denied', error_description: 'The person cancelled the sign-in' },
      { mergeWithLastSubmission: false },
    );
    return;
  }
  if (step !== '/login' || req.method !== 'POST') {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
    res.end(
      signInPage({ title: 'Logga in med e-legitimation', action: `/interaction/${details.uid}/login`, identities }),
    );
    return;
  }
  const form = await readForm(req);
  const person = identities.find((i) => i.personalNumber === form.get('identity'));
  if (!person) {
    res.writeHead(400, { 'content-type': 'text/html; charset=utf-8' });
    res.end(
      signInPage({
        title: 'Logga in med e-legitimation',
        action: `/interaction/${details.uid}/login`,
        identities,
        error: 'Välj vem du är.',
      }),
    );
    return;
  }
  await provider.interactionFinished(
    req,
    res,
    { login: { accountId: person.personalNumber } },
    {
      mergeWithLastSubmission: false,
    },
  );
}
