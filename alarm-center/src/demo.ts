// The `npm start` demo: a few residents with devices and one user per role, seeded once into an
// empty database. Demo credentials are fixed so the README can show copy-paste commands; they
// are seeded only in demo mode and never in a database that already has users.

import { hashSecret } from '@trygg/broker';
import type { DeviceType } from '@trygg/firmware-protocol';
import type { Platform } from './platform.ts';
import * as residents from './residents/repository.ts';
import type { NewResponder } from './responders/repository.ts';
import * as users from './session/repository.ts';

export const DEMO_USERS = [
  { username: 'operator', displayName: 'Olga Operatör', role: 'operator', password: 'demo-operator' },
  { username: 'technician', displayName: 'Tore Tekniker', role: 'technician', password: 'demo-technician' },
  { username: 'supervisor', displayName: 'Siv Samordnare', role: 'supervisor', password: 'demo-supervisor' },
  { username: 'caseworker', displayName: 'Karl Handläggare', role: 'caseworker', password: 'demo-caseworker' },
  { username: 'nightteam', displayName: 'Nina Nattpatrull', role: 'nightteam', password: 'demo-nightteam' },
  // The phone of night patrol 1 (open #/responder on a phone; installable as a web app).
  { username: 'responder', displayName: 'Nattpatrull 1', role: 'responder', password: 'demo-responder' },
] as const;

/** Who the demo operator can send: night patrols and home-care groups in the demo districts. */
const DEMO_RESPONDERS: NewResponder[] = [
  {
    id: 'nattpatrull-1',
    name: 'Nattpatrull 1',
    kind: 'team',
    districts: ['Centrum', 'Örgryte'],
    shiftStart: '22:00',
    shiftEnd: '07:00',
    status: 'on_duty',
    username: 'responder',
    phone: '031-365 00 01',
  },
  {
    id: 'nattpatrull-2',
    name: 'Nattpatrull 2',
    kind: 'team',
    districts: ['Majorna'],
    shiftStart: '22:00',
    shiftEnd: '07:00',
    status: 'on_duty',
    username: null,
    phone: '031-365 00 02',
  },
  {
    id: 'hemtjanst-majorna',
    name: 'Hemtjänst Majorna',
    kind: 'team',
    districts: ['Majorna'],
    shiftStart: '07:00',
    shiftEnd: '22:00',
    status: 'on_duty',
    username: null,
    phone: '031-365 10 10',
  },
  {
    id: 'rasmus-orgryte',
    name: 'Rasmus Ek (hemtjänst Örgryte)',
    kind: 'person',
    districts: ['Örgryte'],
    shiftStart: '07:00',
    shiftEnd: '16:00',
    status: 'off',
    username: null,
    phone: null,
  },
];

/** The key register of the demo residents: a key safe, a key in the home-care key cabinet, a digital lock. */
const DEMO_KEYS = [
  {
    residentId: 'res-0001',
    id: 'N14',
    kind: 'key_safe',
    label: 'Nyckelgömma vid entrén, nyckel nr 14',
    lockDeviceId: null,
  },
  {
    residentId: 'res-0001',
    id: 'lock-0001',
    kind: 'digital_lock',
    label: 'Digitalt lås, ytterdörren',
    lockDeviceId: 'door-0001',
  },
  {
    residentId: 'res-0002',
    id: 'K-0002',
    kind: 'key',
    label: 'Hemtjänstens nyckelskåp Örgryte, krok 2',
    lockDeviceId: null,
  },
  { residentId: 'res-0003', id: 'N31', kind: 'key_safe', label: 'Kodlås, sedan nyckelgömma', lockDeviceId: null },
] as const;

export const DEMO_DEVICES: { deviceId: string; deviceType: DeviceType; residentId: string; secret: string }[] = [
  { deviceId: 'pendant-0001', deviceType: 'pendant', residentId: 'res-0001', secret: 'demo-secret-pendant-0001' },
  { deviceId: 'pendant-0002', deviceType: 'pendant', residentId: 'res-0002', secret: 'demo-secret-pendant-0002' },
  { deviceId: 'door-0001', deviceType: 'door', residentId: 'res-0001', secret: 'demo-secret-door-0001' },
  { deviceId: 'fall-0003', deviceType: 'fall', residentId: 'res-0003', secret: 'demo-secret-fall-0003' },
];

const DEMO_RESIDENTS = [
  {
    id: 'res-0001',
    name: 'Astrid Lindqvist',
    address: 'Storgatan 12, 411 38 Göteborg',
    district: 'Centrum',
    access: 'Nyckelgömma vid entrén, nyckel nr 14',
    doorCode: '1234',
    personalNumber: null,
    contacts: [{ name: 'Per Lindqvist', relation: 'son', phone: '070-123 45 67' }],
    notes: 'Hörapparat; ring på dörren länge.',
  },
  {
    id: 'res-0002',
    name: 'Bertil Svensson',
    address: 'Björkvägen 3, 412 50 Göteborg',
    district: 'Örgryte',
    access: 'Nyckel i hemtjänstens nyckelskåp',
    doorCode: '8890',
    personalNumber: null,
    contacts: [{ name: 'Karin Svensson', relation: 'dotter', phone: '073-555 12 12' }],
    notes: '',
  },
  {
    id: 'res-0003',
    name: 'Greta Holm',
    address: 'Havsgatan 7, 414 60 Göteborg',
    district: 'Majorna',
    access: 'Kodlås, sedan nyckelgömma',
    doorCode: '4711',
    personalNumber: null,
    contacts: [],
    notes: 'Rullator.',
  },
];

/** The demo municipality's districts (the list case workers maintain at /api/districts). */
export const DEMO_DISTRICTS = ['Centrum', 'Örgryte', 'Majorna', 'Hisingen', 'Frölunda'];

/**
 * How the demo behaves, chosen to look like a quiet night at a small alarm centre rather than a
 * storm: a press about every 4 minutes (the first 20 s after start, so a new user sees one), every
 * second safety-alarm press cancelled by the resident 8 s later (a mistake, as many presses are),
 * and an unanswered priority-1 alarm escalated to the supervisor after 3 minutes (the 99 % answer
 * target of 180 s) instead of the production default of 60 s, since one person trying the console
 * cannot answer every alarm within a minute.
 */
export const DEMO_SETTINGS = {
  pressEveryMs: 240_000,
  firstPressAfterMs: 20_000,
  cancelEvery: 2,
  cancelAfterMs: 8_000,
  escalateAfterS: 180,
} as const;

/** The demo's defaults under the environment: what the environment sets explicitly wins. */
export function demoEnvironment(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return { ESCALATE_AFTER_S: String(DEMO_SETTINGS.escalateAfterS), ...env };
}

/** Seeds the demo once; returns false when the database already had users. */
export async function seedDemo(platform: Platform): Promise<boolean> {
  if ((await users.count(platform.db.pool)) > 0) return false;
  for (const u of DEMO_USERS) {
    await users.create(platform.db.pool, u, await hashSecret(u.password));
  }
  for (const d of DEMO_DISTRICTS) await platform.grants.setDistrict(d, true, 'demo');
  for (const r of DEMO_RESIDENTS) await residents.create(platform.db.pool, platform.pii, r);
  for (const d of DEMO_DEVICES) {
    const resident = DEMO_RESIDENTS.find((r) => r.id === d.residentId)!;
    await platform.provisioning.register(
      {
        deviceId: d.deviceId,
        deviceType: d.deviceType,
        serial: `SN-${d.deviceId.toUpperCase()}`,
        residentId: d.residentId,
        district: resident.district,
        heartbeatIntervalS: 60,
        rules: d.deviceType === 'door' ? { activeHours: { start: '22:00', end: '07:00' } } : {},
      },
      d.secret,
    );
  }
  for (const r of DEMO_RESPONDERS) await platform.responders.create(r);
  for (const { residentId, ...key } of DEMO_KEYS) await platform.responders.addKey(residentId, key);
  return true;
}
