// Fixtures for tests that run the alarm center on real parts: a throwaway database on the local
// PostgreSQL, the platform on ephemeral ports, a logged-in HTTP client and an MQTT device.
// Shared by alarm-center's tests and the cross-package end-to-end tests.

import { randomBytes } from 'node:crypto';
import { hashSecret } from '@trygg/broker';
import mqtt from 'mqtt';
import pg from 'pg';
import pino from 'pino';
import type { Role } from '../api/schemas.ts';
import type { Clock } from '../clock.ts';
import { configSchema } from '../config.ts';
import { type Platform, startPlatform } from '../platform.ts';
import * as residents from '../residents/repository.ts';
import type { NewResponder } from '../responders/repository.ts';
import * as users from '../session/repository.ts';

export const TEST_PG_ADMIN_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export interface TestDatabase {
  url: string;
  drop(): Promise<void>;
}

/** A fresh, uniquely named database on the local PostgreSQL, dropped afterwards. */
export async function createTestDatabase(): Promise<TestDatabase> {
  const name = `ac_test_${Date.now()}_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: TEST_PG_ADMIN_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(TEST_PG_ADMIN_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const c = new pg.Client({ connectionString: TEST_PG_ADMIN_URL });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}

/**
 * Which database the shared suites run on: `TEST_DATABASE_MODE=embedded` runs them on the embedded
 * default that `npm start` uses (a throwaway data directory) instead of the local PostgreSQL.
 */
export const TEST_DATABASE_MODE: 'postgres' | 'embedded' =
  process.env.TEST_DATABASE_MODE === 'embedded' ? 'embedded' : 'postgres';

export interface TestPlatformOptions {
  /** Real PostgreSQL URL (ignored in embedded mode); null runs on the embedded database. */
  databaseUrl: string | null;
  clock?: Clock;
  env?: Record<string, string>;
  consoleDist?: string;
}

export const TEST_PII_KEY = Buffer.alloc(32, 7);

/** The test client's registration at the local identity provider every test platform gets. */
export const TEST_OIDC_CLIENT = { clientId: 'e-service-test', clientSecret: 'test-client-secret-0123456789' };

export async function startTestPlatform(options: TestPlatformOptions): Promise<Platform> {
  // Each platform gets its own real OpenID Connect provider for applicants, unless the test names one.
  const idp = options.env?.OIDC_ISSUER
    ? null
    : // loaded here, not at the top: a file that imports these helpers without a platform (most of
      // tests/, which run the center as a process) skips oidc-provider's ~0.7 s import
      await (await import('@trygg/identity-provider')).startIdentityProvider({
        port: 0,
        ...TEST_OIDC_CLIENT,
        redirectUris: ['http://127.0.0.1/api/public/sign-in/callback'],
      });
  const config = configSchema.parse({
    HTTP_HOST: '127.0.0.1',
    HTTP_PORT: '0',
    MQTT_HOST: '127.0.0.1',
    MQTT_PORT: '0',
    MQTT_WS_PORT: '0',
    METRICS_PORT: '0',
    EMBEDDED_DB_DIR: 'memory',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    ...(options.databaseUrl && TEST_DATABASE_MODE === 'postgres' ? { DATABASE_URL: options.databaseUrl } : {}),
    ...(options.consoleDist ? { WEB_CONSOLE_DIST: options.consoleDist } : {}),
    ...(idp
      ? {
          OIDC_ISSUER: idp.issuer,
          OIDC_CLIENT_ID: TEST_OIDC_CLIENT.clientId,
          OIDC_CLIENT_SECRET: TEST_OIDC_CLIENT.clientSecret,
        }
      : {}),
    ...options.env,
  });
  const platform = await startPlatform({
    config,
    logger: pino({ level: config.LOG_LEVEL }),
    piiKey: TEST_PII_KEY,
    ...(options.clock ? { clock: options.clock } : {}),
  }).catch(async (err) => {
    await idp?.close();
    throw err;
  });
  if (!idp) return platform;
  const close = platform.close;
  platform.close = async () => {
    await close();
    await idp.close();
  };
  return platform;
}

export async function addUser(
  platform: Platform,
  username: string,
  role: Role,
  password = `pw-${username}`,
  displayName = username,
) {
  await users.create(platform.db.pool, { username, displayName, role }, await hashSecret(password));
  return { username, password };
}

export async function addResident(platform: Platform, id: string, overrides: Partial<residents.NewResident> = {}) {
  const resident: residents.NewResident = {
    id,
    name: `Resident ${id}`,
    address: 'Testgatan 1, 411 01 Göteborg',
    district: 'Centrum',
    access: 'Nyckelgömma',
    doorCode: '2468',
    personalNumber: null,
    contacts: [{ name: 'Anhörig', relation: 'dotter', phone: '070-000 00 00' }],
    notes: '',
    ...overrides,
  };
  await residents.create(platform.db.pool, platform.pii, resident);
  return resident;
}

/**
 * A responder on duty in `districts` (all day), with a responder-role login of the same name
 * unless `login: false`.
 */
export async function addResponder(
  platform: Platform,
  id: string,
  overrides: Partial<NewResponder> & { login?: boolean } = {},
) {
  const { login = true, ...fields } = overrides;
  const user = login ? await addUser(platform, id, 'responder') : null;
  await platform.responders.create({
    id,
    name: `Responder ${id}`,
    kind: 'person',
    districts: ['Centrum'],
    shiftStart: '00:00',
    shiftEnd: '00:00',
    status: 'on_duty',
    username: user?.username ?? null,
    phone: null,
    ...fields,
  });
  return { id, user };
}

/** Logs in over HTTP and returns a fetch wrapper carrying the session cookie. */
export async function loginClient(platform: Platform, username: string, password: string) {
  const base = `http://127.0.0.1:${platform.httpPort}`;
  const res = await fetch(`${base}/api/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password }),
  });
  if (res.status !== 200) throw new Error(`login as ${username} failed: ${res.status} ${await res.text()}`);
  const cookie = (res.headers.get('set-cookie') ?? '').split(';')[0]!;
  const call = async (method: string, path: string, body?: unknown) => {
    const r = await fetch(`${base}${path}`, {
      method,
      headers: { cookie, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await r.text();
    return { status: r.status, body: text ? JSON.parse(text) : null };
  };
  return { cookie, base, call };
}

/** An MQTT 3.1.1 client logged in as a provisioned device. */
export async function connectDevice(platform: Platform, deviceId: string, secret: string): Promise<mqtt.MqttClient> {
  return mqtt.connectAsync(`mqtt://127.0.0.1:${platform.mqttPort}`, {
    protocolVersion: 4,
    clientId: deviceId,
    username: deviceId,
    password: secret,
    reconnectPeriod: 0,
  });
}

let seq = 0;
/** A device event envelope with a unique id and the given device time. */
export function envelope(ts = Date.now()) {
  seq += 1;
  return { v: 1 as const, id: `t${Date.now().toString(36)}-${seq}-${randomBytes(3).toString('hex')}`, ts };
}

export * from './applicant.ts';
export * from './influxd.ts';
export * from './tls.ts';
export * from './wait.ts';
