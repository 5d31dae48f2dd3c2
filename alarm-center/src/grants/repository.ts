// Owns the applications, decisions, installation_orders and districts tables. Identity numbers and door
// codes are stored encrypted and decrypted only for views the caller audit-logs.

import type { RepresentativeRelation } from '@trygg/console-contract/vocabulary';
import type { DeviceType } from '@trygg/firmware-protocol';
import type pg from 'pg';
import type { Queryable } from '../db/database.ts';
import type { PiiCipher } from '../privacy/pii.ts';
import type { LegalBasis, ReasonCode } from './rules.ts';
import type { ApplicationDetail, ApplicationStatus, DecisionView, GrantFigures, InstallationOrder } from './schemas.ts';

type Contact = { name: string; relation: string; phone: string };

export interface StoredAnswers {
  health: {
    fallRisk: boolean | null;
    feelsUnsafeAlone: boolean | null;
    conditionNeedingQuickHelp: boolean | null;
  } | null;
  needMetOtherwise: boolean | null;
  otherInterventions: string[];
  maxFeeConsent: boolean;
}

export interface NewApplication {
  reference: string;
  statusTokenHash: string;
  channel: 'public' | 'internal';
  registeredBy: string | null;
  legalBasis: LegalBasis;
  applicantName: string;
  personalNumber: string;
  birthDate: string;
  phone: string;
  address: string;
  district: string;
  access: string;
  doorCode: string | null;
  contacts: Contact[];
  livingSituation: string;
  answers: StoredAnswers;
  devicesNeeded: DeviceType[];
  message: string;
  receivedAt: number;
  /** HMAC of the applicant's identity number (PiiCipher.lookupKey). */
  personKey: string;
  identifiedBy: 'e_legitimation' | 'case_worker';
  representative: { name: string; personalNumber: string; relation: string } | null;
  /** Set for a second application while one is open: stored as 'linked', never decided. */
  linkedTo: string | null;
}

/** Returns the new application's id, or null when the reference is already taken. */
export async function insertApplication(db: Queryable, pii: PiiCipher, a: NewApplication): Promise<string | null> {
  const { rows } = await db.query<{ id: string }>(
    `INSERT INTO applications (reference, status_token_hash, channel, registered_by, legal_basis, applicant_name,
       personal_number_enc, birth_date, phone, address, district, access, door_code_enc, contacts,
       living_situation, answers, devices_needed, message, received_at, person_key, identified_by, applied_by_name,
       applied_by_personal_number_enc, applied_by_relation, linked_to, status)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22,
       $23, $24, $25, $26)
     ON CONFLICT (reference) DO NOTHING RETURNING id`,
    [
      a.reference,
      a.statusTokenHash,
      a.channel,
      a.registeredBy,
      a.legalBasis,
      a.applicantName,
      pii.encrypt(a.personalNumber),
      a.birthDate,
      a.phone,
      a.address,
      a.district,
      a.access,
      a.doorCode ? pii.encrypt(a.doorCode) : null,
      JSON.stringify(a.contacts),
      a.livingSituation,
      JSON.stringify(a.answers),
      JSON.stringify(a.devicesNeeded),
      a.message,
      new Date(a.receivedAt),
      a.personKey,
      a.identifiedBy,
      a.representative?.name ?? null,
      a.representative ? pii.encrypt(a.representative.personalNumber) : null,
      a.representative?.relation ?? null,
      a.linkedTo,
      a.linkedTo ? 'linked' : 'received',
    ],
  );
  return rows[0]?.id ?? null;
}

export interface NewDecision {
  applicationId: string;
  decision: 'granted' | 'manual' | 'denied';
  feeDecision: 'automatic' | 'fee_handling';
  ruleVersion: string;
  facts: object;
  reasons: readonly ReasonCode[];
  justification: string;
  justificationEn: string | null;
  decidedBy: string | null;
  decidedAt: number;
}

export async function insertDecision(db: Queryable, d: NewDecision): Promise<void> {
  await db.query(
    `INSERT INTO decisions (application_id, decision, fee_decision, rule_version, facts, reasons, justification,
       justification_en, decided_by, decided_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
    [
      d.applicationId,
      d.decision,
      d.feeDecision,
      d.ruleVersion,
      JSON.stringify(d.facts),
      JSON.stringify(d.reasons),
      d.justification,
      d.justificationEn,
      d.decidedBy,
      new Date(d.decidedAt),
    ],
  );
}

export async function setStatus(
  db: Queryable,
  id: string,
  status: 'manual' | 'granted' | 'denied',
  decidedAt: number | null,
  residentId: string | null,
): Promise<void> {
  await db.query('UPDATE applications SET status = $2, decided_at = $3, resident_id = $4 WHERE id = $1', [
    id,
    status,
    decidedAt === null ? null : new Date(decidedAt),
    residentId,
  ]);
}

export interface ApplicationForGrant {
  id: string;
  reference: string;
  status: ApplicationStatus['status'];
  applicantName: string;
  personalNumberEnc: string;
  phone: string;
  address: string;
  district: string;
  access: string;
  doorCodeEnc: string | null;
  contacts: Contact[];
  livingSituation: string;
  devicesNeeded: DeviceType[];
  ruleVersion: string;
  facts: object;
}

/** Locks the application for a case worker's decision. */
export async function lockForDecision(client: pg.PoolClient, id: string): Promise<ApplicationForGrant | null> {
  const { rows } = await client.query<{
    id: string;
    reference: string;
    status: ApplicationStatus['status'];
    applicant_name: string;
    personal_number_enc: string;
    phone: string;
    address: string;
    district: string;
    access: string;
    door_code_enc: string | null;
    contacts: Contact[];
    living_situation: string;
    devices_needed: DeviceType[];
    rule_version: string | null;
    facts: object | null;
  }>(
    `SELECT a.id, a.reference, a.status, a.applicant_name, a.personal_number_enc, a.phone, a.address, a.district,
            a.access, a.door_code_enc, a.contacts, a.living_situation, a.devices_needed, d.rule_version, d.facts
     FROM applications a
     LEFT JOIN LATERAL (SELECT rule_version, facts FROM decisions WHERE application_id = a.id ORDER BY id DESC LIMIT 1) d
       ON true
     WHERE a.id = $1 FOR UPDATE OF a`,
    [id],
  );
  const r = rows[0];
  if (!r) return null;
  return {
    id: r.id,
    reference: r.reference,
    status: r.status,
    applicantName: r.applicant_name,
    personalNumberEnc: r.personal_number_enc,
    phone: r.phone,
    address: r.address,
    district: r.district,
    access: r.access,
    doorCodeEnc: r.door_code_enc,
    contacts: r.contacts,
    livingSituation: r.living_situation,
    devicesNeeded: r.devices_needed,
    ruleVersion: r.rule_version ?? '',
    facts: r.facts ?? {},
  };
}

interface DecisionRow {
  decision: DecisionView['decision'];
  fee_decision: DecisionView['feeDecision'];
  rule_version: string;
  reasons: ReasonCode[];
  justification: string;
  justification_en: string | null;
  decided_by: string | null;
  decided_at: string;
}

const toDecisionView = (d: DecisionRow): DecisionView & { decidedBy: string | null } => ({
  decision: d.decision,
  feeDecision: d.fee_decision,
  automatic: d.decided_by === null,
  ruleVersion: d.rule_version,
  reasons: d.reasons,
  justification: { sv: d.justification, en: d.justification_en },
  decidedAt: d.decided_at,
  decidedBy: d.decided_by,
});

async function decisionsOf(db: Queryable, applicationId: string) {
  const { rows } = await db.query<DecisionRow>(
    `SELECT decision, fee_decision, rule_version, reasons, justification, justification_en, decided_by, decided_at
     FROM decisions WHERE application_id = $1 ORDER BY id`,
    [applicationId],
  );
  return rows.map(toDecisionView);
}

export async function latestDecision(db: Queryable, applicationId: string): Promise<DecisionView | null> {
  const all = await decisionsOf(db, applicationId);
  const last = all.at(-1);
  if (!last) return null;
  const { decidedBy: _, ...view } = last;
  return view;
}

/** The applicant's status view: found only with the matching token, and free of personal data. */
export async function statusByReference(
  db: Queryable,
  reference: string,
  tokenHash: string,
): Promise<ApplicationStatus | null> {
  const { rows } = await db.query<{
    id: string;
    reference: string;
    status: ApplicationStatus['status'];
    channel: 'public' | 'internal';
    received_at: string;
    order_status: InstallationOrder['status'] | null;
    visit_at: string | null;
  }>(
    `SELECT a.id, a.reference, a.status, a.channel, a.received_at, o.status AS order_status, o.visit_at
     FROM applications a LEFT JOIN installation_orders o ON o.application_id = a.id
     WHERE a.reference = $1 AND a.status_token_hash = $2`,
    [reference, tokenHash],
  );
  const r = rows[0];
  if (!r) return null;
  return {
    reference: r.reference,
    status: r.status,
    channel: r.channel,
    receivedAt: r.received_at,
    decision: await latestDecision(db, r.id),
    installation: r.order_status ? { status: r.order_status, visitAt: r.visit_at } : null,
  };
}

export async function manualQueue(db: Queryable) {
  const { rows } = await db.query<{
    id: string;
    reference: string;
    channel: 'public' | 'internal';
    legal_basis: LegalBasis;
    applicant_name: string;
    received_at: string;
    reasons: ReasonCode[] | null;
    facts: { age?: number | null } | null;
    answers: StoredAnswers;
  }>(
    `SELECT a.id, a.reference, a.channel, a.legal_basis, a.applicant_name, a.received_at, a.answers,
            d.reasons, d.facts
     FROM applications a
     LEFT JOIN LATERAL (SELECT reasons, facts FROM decisions WHERE application_id = a.id ORDER BY id DESC LIMIT 1) d
       ON true
     WHERE a.status = 'manual' ORDER BY a.received_at, a.id`,
  );
  return rows.map((r) => ({
    id: r.id,
    reference: r.reference,
    channel: r.channel,
    legalBasis: r.legal_basis,
    applicantName: r.applicant_name,
    age: r.facts?.age ?? null,
    receivedAt: r.received_at,
    reasons: r.reasons ?? [],
    otherInterventions: r.answers.otherInterventions,
  }));
}

export async function detail(db: Queryable, pii: PiiCipher, id: string): Promise<ApplicationDetail | null> {
  const { rows } = await db.query<{
    id: string;
    reference: string;
    channel: 'public' | 'internal';
    registered_by: string | null;
    legal_basis: LegalBasis;
    status: ApplicationStatus['status'];
    applicant_name: string;
    personal_number_enc: string;
    birth_date: string;
    phone: string;
    address: string;
    district: string;
    access: string;
    door_code_enc: string | null;
    contacts: Contact[];
    living_situation: string;
    answers: StoredAnswers;
    devices_needed: DeviceType[];
    message: string;
    received_at: string;
    identified_by: 'e_legitimation' | 'case_worker';
    applied_by_name: string | null;
    applied_by_personal_number_enc: string | null;
    applied_by_relation: RepresentativeRelation | null;
    linked_to: string | null;
    linked_reference: string | null;
  }>(
    `SELECT a.id, a.reference, a.channel, a.registered_by, a.legal_basis, a.status, a.applicant_name,
            a.personal_number_enc, a.birth_date::text AS birth_date, a.phone, a.address, a.district, a.access,
            a.door_code_enc, a.contacts, a.living_situation, a.answers, a.devices_needed, a.message, a.received_at,
            a.identified_by, a.applied_by_name, a.applied_by_personal_number_enc, a.applied_by_relation,
            a.linked_to, f.reference AS linked_reference
     FROM applications a LEFT JOIN applications f ON f.id = a.linked_to WHERE a.id = $1`,
    [id],
  );
  const r = rows[0];
  if (!r) return null;
  return {
    id: r.id,
    reference: r.reference,
    channel: r.channel,
    registeredBy: r.registered_by,
    legalBasis: r.legal_basis,
    status: r.status,
    applicant: {
      name: r.applicant_name,
      personalNumber: pii.decrypt(r.personal_number_enc),
      birthDate: r.birth_date,
      phone: r.phone,
    },
    address: r.address,
    district: r.district,
    access: r.access,
    doorCode: r.door_code_enc ? pii.decrypt(r.door_code_enc) : null,
    contacts: r.contacts,
    livingSituation: r.living_situation,
    answers: r.answers,
    devicesNeeded: r.devices_needed,
    message: r.message,
    receivedAt: r.received_at,
    identifiedBy: r.identified_by,
    representative:
      r.applied_by_relation && r.applied_by_personal_number_enc
        ? {
            name: r.applied_by_name ?? '',
            personalNumber: pii.decrypt(r.applied_by_personal_number_enc),
            relation: r.applied_by_relation,
          }
        : null,
    linkedTo: r.linked_to && r.linked_reference ? { id: r.linked_to, reference: r.linked_reference } : null,
    linkedApplications: (
      await db.query<{ id: string; reference: string; received_at: Date }>(
        'SELECT id, reference, received_at FROM applications WHERE linked_to = $1 ORDER BY id',
        [r.id],
      )
    ).rows.map((l) => ({ id: l.id, reference: l.reference, receivedAt: new Date(l.received_at).toISOString() })),
    decisions: await decisionsOf(db, r.id),
  };
}

/**
 * Serialises applications for one person until the caller's transaction ends, so two at once
 * cannot both find no open application.
 */
export async function lockPerson(client: pg.PoolClient, personKey: string): Promise<void> {
  await client.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 12))', [personKey]);
}

export interface OpenApplication {
  id: string;
  reference: string;
  status: 'received' | 'manual' | 'granted';
  receivedAt: string;
}

/** The person's open application: undecided, or granted and not yet installed. */
export async function openApplicationOf(db: Queryable, personKey: string): Promise<OpenApplication | null> {
  const { rows } = await db.query<{
    id: string;
    reference: string;
    status: OpenApplication['status'];
    received_at: Date;
  }>(
    `SELECT a.id, a.reference, a.status, a.received_at
     FROM applications a LEFT JOIN installation_orders o ON o.application_id = a.id
     WHERE a.person_key = $1
       AND (a.status IN ('received', 'manual') OR (a.status = 'granted' AND (o.status IS NULL OR o.status <> 'closed')))
     ORDER BY a.id LIMIT 1`,
    [personKey],
  );
  const r = rows[0];
  return r
    ? { id: r.id, reference: r.reference, status: r.status, receivedAt: new Date(r.received_at).toISOString() }
    : null;
}

/** Applications stored before identity numbers got a lookup key (migration 012). */
export async function withoutPersonKey(db: Queryable): Promise<{ id: string; personalNumberEnc: string }[]> {
  const { rows } = await db.query<{ id: string; personal_number_enc: string }>(
    'SELECT id, personal_number_enc FROM applications WHERE person_key IS NULL ORDER BY id',
  );
  return rows.map((r) => ({ id: r.id, personalNumberEnc: r.personal_number_enc }));
}

/** False when another undecided application of the person already has the key (a pre-012 duplicate). */
export async function setPersonKey(db: Queryable, id: string, personKey: string): Promise<boolean> {
  try {
    await db.query('UPDATE applications SET person_key = $2 WHERE id = $1', [id, personKey]);
    return true;
  } catch (err) {
    if ((err as { code?: string }).code === '23505') return false;
    throw err;
  }
}

// ---- districts: the municipality's list ----

export async function districts(db: Queryable, activeOnly: boolean): Promise<{ name: string; active: boolean }[]> {
  const { rows } = await db.query<{ name: string; active: boolean }>(
    `SELECT name, active FROM districts ${activeOnly ? 'WHERE active' : ''} ORDER BY name`,
  );
  return rows;
}

export async function isActiveDistrict(db: Queryable, name: string): Promise<boolean> {
  const { rows } = await db.query('SELECT 1 FROM districts WHERE name = $1 AND active', [name]);
  return rows.length > 0;
}

export async function setDistrict(db: Queryable, name: string, active: boolean, by: string, now: number) {
  await db.query(
    `INSERT INTO districts (name, active, changed_by, changed_at) VALUES ($1, $2, $3, $4)
     ON CONFLICT (name) DO UPDATE SET active = $2, changed_by = $3, changed_at = $4`,
    [name, active, by, new Date(now)],
  );
}

// ---- installation orders ----

export async function createOrder(
  db: Queryable,
  o: { applicationId: string; residentId: string; district: string; devicesNeeded: DeviceType[]; createdAt: number },
): Promise<void> {
  await db.query(
    `INSERT INTO installation_orders (application_id, resident_id, district, devices_needed, created_at)
     VALUES ($1, $2, $3, $4, $5)`,
    [o.applicationId, o.residentId, o.district, JSON.stringify(o.devicesNeeded), new Date(o.createdAt)],
  );
}

interface OrderRow {
  id: string;
  reference: string;
  status: InstallationOrder['status'];
  resident_id: string;
  resident_name: string;
  address: string;
  district: string;
  access: string;
  door_code_enc: string | null;
  contacts: Contact[];
  devices_needed: DeviceType[];
  technician: string | null;
  visit_at: string | null;
  device_id: string | null;
  created_at: string;
  provisioned_at: string | null;
}

const ORDER_SELECT = `
  SELECT o.id, a.reference, o.status, o.resident_id, r.name AS resident_name, r.address, o.district, r.access,
         r.door_code_enc, r.contacts, o.devices_needed, o.technician, o.visit_at, o.device_id, o.created_at,
         o.provisioned_at
  FROM installation_orders o
  JOIN applications a ON a.id = o.application_id
  JOIN residents r ON r.id = o.resident_id`;

const toOrder = (r: OrderRow): InstallationOrder => ({
  id: r.id,
  reference: r.reference,
  status: r.status,
  residentId: r.resident_id,
  residentName: r.resident_name,
  address: r.address,
  district: r.district,
  access: r.access,
  contacts: r.contacts,
  devicesNeeded: r.devices_needed,
  technician: r.technician,
  visitAt: r.visit_at,
  deviceId: r.device_id,
  createdAt: r.created_at,
});

export async function listOrders(db: Queryable, which: 'active' | 'closed' | 'all'): Promise<InstallationOrder[]> {
  const where = { active: `WHERE o.status <> 'closed'`, closed: `WHERE o.status = 'closed'`, all: '' }[which];
  const { rows } = await db.query<OrderRow>(`${ORDER_SELECT} ${where} ORDER BY o.created_at, o.id`);
  return rows.map(toOrder);
}

export async function order(db: Queryable, pii: PiiCipher, id: string) {
  const { rows } = await db.query<OrderRow>(`${ORDER_SELECT} WHERE o.id = $1`, [id]);
  const r = rows[0];
  if (!r) return null;
  return { ...toOrder(r), doorCode: r.door_code_enc ? pii.decrypt(r.door_code_enc) : null };
}

/** Locks one order for a state change; null when there is none. */
export async function lockOrder(client: pg.PoolClient, id: string) {
  const { rows } = await client.query<{
    id: string;
    status: InstallationOrder['status'];
    resident_id: string;
    district: string;
    device_id: string | null;
    provisioned_at: string | null;
  }>(
    'SELECT id, status, resident_id, district, device_id, provisioned_at FROM installation_orders WHERE id = $1 FOR UPDATE',
    [id],
  );
  return rows[0] ?? null;
}

export async function markBooked(db: Queryable, id: string, technician: string, visitAt: string, now: number) {
  await db.query(
    `UPDATE installation_orders SET status = 'booked', technician = $2, visit_at = $3, booked_at = $4 WHERE id = $1`,
    [id, technician, new Date(visitAt), new Date(now)],
  );
}

export async function markProvisioned(db: Queryable, id: string, deviceId: string, technician: string, now: number) {
  await db.query(
    `UPDATE installation_orders SET status = 'provisioned', device_id = $2, technician = $3, provisioned_at = $4
     WHERE id = $1`,
    [id, deviceId, technician, new Date(now)],
  );
}

export async function markClosed(db: Queryable, id: string, now: number) {
  await db.query(`UPDATE installation_orders SET status = 'closed', closed_at = $2 WHERE id = $1`, [id, new Date(now)]);
}

/**
 * Whether the device has sent an event (a test alarm). Device ids are never reused (retired
 * devices keep theirs), so every event of a freshly provisioned device came after provisioning.
 */
export async function hasSentEvent(db: Queryable, deviceId: string): Promise<boolean> {
  const { rows } = await db.query<{ tested: boolean }>(
    'SELECT EXISTS (SELECT 1 FROM device_messages WHERE device_id = $1) AS tested',
    [deviceId],
  );
  return rows[0]?.tested ?? false;
}

// ---- follow-up figures ----

export async function figures(db: Queryable): Promise<Omit<GrantFigures, 'goals'>> {
  const { rows } = await db.query<{
    applications: number;
    decided: number;
    automatic: number;
    digital: number;
    manual_queue: number;
    to_decision_s: number | null;
    to_installed_s: number | null;
    open_orders: number;
  }>(
    `SELECT
       -- A linked application is a second one for a person whose first is open: not a new case.
       (SELECT count(*)::int FROM applications WHERE status <> 'linked') AS applications,
       (SELECT count(*)::int FROM applications WHERE status IN ('granted', 'denied')) AS decided,
       (SELECT count(*)::int FROM applications a WHERE a.status IN ('granted', 'denied') AND NOT EXISTS
          (SELECT 1 FROM decisions d WHERE d.application_id = a.id AND d.decided_by IS NOT NULL)) AS automatic,
       (SELECT count(*)::int FROM applications WHERE channel = 'public' AND status <> 'linked') AS digital,
       (SELECT count(*)::int FROM applications WHERE status = 'manual') AS manual_queue,
       (SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM decided_at - received_at))
          FROM applications WHERE decided_at IS NOT NULL AND status IN ('granted', 'denied')) AS to_decision_s,
       (SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM o.closed_at - a.decided_at))
          FROM installation_orders o JOIN applications a ON a.id = o.application_id
          WHERE o.closed_at IS NOT NULL) AS to_installed_s,
       (SELECT count(*)::int FROM installation_orders WHERE status <> 'closed') AS open_orders`,
  );
  const r = rows[0]!;
  const hours = (s: number | null) => (s === null ? null : Math.round((Number(s) / 3600) * 100) / 100);
  return {
    applications: r.applications,
    decided: r.decided,
    automaticShare: r.decided > 0 ? r.automatic / r.decided : null,
    digitalShare: r.applications > 0 ? r.digital / r.applications : null,
    leadTimeHours: { toDecision: hours(r.to_decision_s), toInstalled: hours(r.to_installed_s) },
    manualQueue: r.manual_queue,
    openOrders: r.open_orders,
  };
}
