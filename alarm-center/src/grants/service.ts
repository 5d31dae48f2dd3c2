// The grant flow's shell around the pure rules: stores an application, lets the rules decide,
// records the decision, and on a grant creates the resident and the installation order in the
// same transaction. Case workers' decisions and the technicians' order steps go through here too.

import { createHash, randomBytes, randomInt } from 'node:crypto';
import { generateSecret, hashDeviceSecret } from '@trygg/broker';
import type pg from 'pg';
import type { User } from '../api/schemas.ts';
import type { Applicant } from '../applicants/service.ts';
import type { AuditLog } from '../audit/service.ts';
import type { Clock } from '../clock.ts';
import { localDate } from '../core/local-time.ts';
import { inTransaction } from '../db/database.ts';
import type { Provisioning } from '../devices/provisioning.ts';
import { FieldRefusal } from '../http/validation.ts';
import type { PiiCipher } from '../privacy/pii.ts';
import type { ResidentService } from '../residents/service.ts';
import { GrantError } from './errors.ts';
import * as repo from './repository.ts';
import { DEFAULT_GRANT_RULES_CONFIG, decide, type GrantRulesConfig, RULES_VERSION } from './rules.ts';
import { type ApplicationBody, birthDateOf, type DecisionView, type PublicApplicationBody } from './schemas.ts';

export interface GrantOptions extends GrantRulesConfig {
  /** The municipality's time zone: "today" for the age rule is its local date. */
  timeZone: string;
}

export const DEFAULT_GRANT_OPTIONS: GrantOptions = { ...DEFAULT_GRANT_RULES_CONFIG, timeZone: 'Europe/Stockholm' };

const REFERENCE_ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const newReference = () =>
  `TL-${Array.from({ length: 8 }, () => REFERENCE_ALPHABET[randomInt(REFERENCE_ALPHABET.length)]).join('')}`;
export const tokenHash = (token: string) => createHash('sha256').update(token).digest('hex');

// What the resident card says about access and living situation: operators read it in Swedish.
const KEY_HANDLING: Record<ApplicationBody['access']['keyHandling'], string> = {
  key_box: 'Nyckelgömma',
  key_to_municipality: 'Nyckel kvitteras av kommunen',
  someone_opens: 'Någon i hemmet öppnar',
  other: 'Annat',
};
const LIVING: Record<ApplicationBody['livingSituation'], string> = {
  alone: 'Bor ensam',
  with_partner: 'Bor med make/maka/sambo',
  with_others: 'Bor med andra',
};

export interface Applied {
  kind: 'applied';
  id: string;
  reference: string;
  statusToken: string;
  status: 'granted' | 'manual';
  decision: DecisionView;
}

/** A second application while one was open: stored, linked to the first, not decided. */
export interface Linked {
  kind: 'linked';
  id: string;
  /** The open application, for the person it is for (or their case worker); null for anyone else. */
  existing: repo.OpenApplication | null;
}

export class GrantService {
  constructor(
    private readonly pool: pg.Pool,
    private readonly pii: PiiCipher,
    private readonly provisioning: Provisioning,
    private readonly residents: ResidentService,
    private readonly audit: AuditLog,
    private readonly clock: Clock,
    private readonly options: GrantOptions = DEFAULT_GRANT_OPTIONS,
  ) {}

  /**
   * The public e-service: the signed-in applicant applies for themself (identity and name from the
   * verified token) or for someone else (their identity typed, the relation stated: a case worker
   * then decides).
   */
  async applyPublic(body: PublicApplicationBody, applicant: Applicant): Promise<Applied | Linked> {
    const { onBehalfOf, applicant: contact, ...rest } = body;
    const subject = onBehalfOf
      ? { name: onBehalfOf.name, personalNumber: onBehalfOf.personalNumber, phone: contact.phone }
      : { name: applicant.name, personalNumber: applicant.personalNumber, phone: contact.phone };
    return this.#register({ ...rest, applicant: subject }, null, {
      identifiedBy: 'e_legitimation',
      representative: onBehalfOf
        ? { name: applicant.name, personalNumber: applicant.personalNumber, relation: onBehalfOf.relation }
        : null,
      signedInKey: applicant.personKey,
    });
  }

  /** A case worker registers an application that came by phone or paper. */
  async applyInternal(body: ApplicationBody, registeredBy: User): Promise<Applied | Linked> {
    return this.#register(body, registeredBy, { identifiedBy: 'case_worker', representative: null, signedInKey: null });
  }

  /** Stores an application and lets the rules decide it at once; a second open one is only linked. */
  async #register(
    body: ApplicationBody,
    registeredBy: User | null,
    who: {
      identifiedBy: 'e_legitimation' | 'case_worker';
      representative: repo.NewApplication['representative'];
      signedInKey: string | null;
    },
  ): Promise<Applied | Linked> {
    const now = this.clock.now();
    const statusToken = randomBytes(24).toString('base64url');
    const birthDate = birthDateOf(body.applicant.personalNumber) ?? '';
    const personKey = this.pii.lookupKey(body.applicant.personalNumber);
    const answers: repo.StoredAnswers = {
      health: body.health,
      needMetOtherwise: body.needMetOtherwise,
      otherInterventions: body.otherInterventions,
      maxFeeConsent: body.maxFeeConsent,
    };
    const result = decide(
      { legalBasis: body.legalBasis, birthDate, ...answers },
      {
        today: localDate(now, this.options.timeZone),
        otherInterventions: body.otherInterventions,
        appliedByRepresentative: who.representative !== null,
      },
      this.options,
    );
    const access = body.access.note
      ? `${KEY_HANDLING[body.access.keyHandling]}: ${body.access.note}`
      : KEY_HANDLING[body.access.keyHandling];

    return inTransaction(this.pool, async (client) => {
      if (!(await repo.isActiveDistrict(client, body.district))) {
        throw new FieldRefusal([
          { field: 'district', message: 'not one of the municipality’s districts', code: 'FIELD_UNKNOWN_DISTRICT' },
        ]);
      }
      await repo.lockPerson(client, personKey);
      const open = await repo.openApplicationOf(client, personKey);
      let id: string | null = null;
      let reference = '';
      // References are random; a collision (one in 10^12) just draws again.
      while (id === null) {
        reference = newReference();
        id = await repo.insertApplication(client, this.pii, {
          reference,
          statusTokenHash: tokenHash(statusToken),
          channel: registeredBy ? 'internal' : 'public',
          registeredBy: registeredBy?.username ?? null,
          legalBasis: body.legalBasis,
          applicantName: body.applicant.name,
          personalNumber: body.applicant.personalNumber,
          birthDate,
          phone: body.applicant.phone,
          address: `${body.address.street}, ${body.address.postalCode} ${body.address.city}`,
          district: body.district,
          access,
          doorCode: body.access.doorCode ?? null,
          contacts: body.contacts,
          livingSituation: body.livingSituation,
          answers,
          devicesNeeded: body.devicesNeeded,
          message: body.message,
          receivedAt: now,
          personKey,
          identifiedBy: who.identifiedBy,
          representative: who.representative,
          linkedTo: open?.id ?? null,
        });
      }
      if (open) {
        // Stored so the case worker sees it beside the first; only the person it is for sees the first's status.
        const mine = who.signedInKey === personKey || registeredBy !== null;
        return { kind: 'linked' as const, id, existing: mine ? open : null };
      }
      await repo.insertDecision(client, {
        applicationId: id,
        decision: result.decision,
        feeDecision: result.feeDecision,
        ruleVersion: RULES_VERSION,
        facts: result.factsUsed,
        reasons: result.reasons,
        justification: result.justification.sv,
        justificationEn: result.justification.en,
        decidedBy: null,
        decidedAt: now,
      });
      if (result.decision === 'granted') {
        const app = await repo.lockForDecision(client, id);
        await this.#grant(client, app!, now);
      } else {
        await repo.setStatus(client, id, 'manual', null, null);
      }
      const decision = await repo.latestDecision(client, id);
      return { kind: 'applied' as const, id, reference, statusToken, status: result.decision, decision: decision! };
    });
  }

  /**
   * Gives applications stored before migration 012 their identity lookup key, so an open one of
   * theirs is found too. Returns how many were keyed, and how many were already duplicates.
   */
  async backfillPersonKeys(): Promise<{ keyed: number; duplicates: number; unreadable: number }> {
    let keyed = 0;
    let duplicates = 0;
    // One row this key cannot read (another key, a damaged value) must not stop the alarm center
    // from starting: it stays without a lookup key, counted, and a case worker still sees it.
    let unreadable = 0;
    for (const a of await repo.withoutPersonKey(this.pool)) {
      let personalNumber: string;
      try {
        personalNumber = this.pii.decrypt(a.personalNumberEnc);
      } catch {
        unreadable += 1;
        continue;
      }
      if (await repo.setPersonKey(this.pool, a.id, this.pii.lookupKey(personalNumber))) keyed += 1;
      else duplicates += 1;
    }
    return { keyed, duplicates, unreadable };
  }

  /** The municipality's districts: the active ones for the forms, all for the case workers' list. */
  async districts(activeOnly: boolean) {
    return repo.districts(this.pool, activeOnly);
  }

  /** Adds a district to the list or retires it (`by`: who changed the list). */
  async setDistrict(name: string, active: boolean, by: string): Promise<void> {
    await repo.setDistrict(this.pool, name, active, by, this.clock.now());
  }

  /** A case worker decides an application the rules sent to the manual queue. */
  async decideManually(
    id: string,
    user: User,
    body: { decision: 'granted' | 'denied'; feeDecision: 'automatic' | 'fee_handling'; justification: string },
  ): Promise<void> {
    const now = this.clock.now();
    await inTransaction(this.pool, async (client) => {
      const app = await repo.lockForDecision(client, id);
      if (!app) throw new GrantError('APPLICATION_NOT_FOUND');
      if (app.status !== 'manual') throw new GrantError('APPLICATION_NOT_IN_MANUAL_QUEUE');
      await repo.insertDecision(client, {
        applicationId: id,
        decision: body.decision,
        feeDecision: body.feeDecision,
        ruleVersion: app.ruleVersion || RULES_VERSION,
        facts: app.facts,
        reasons: [],
        justification: body.justification,
        justificationEn: null,
        decidedBy: user.username,
        decidedAt: now,
      });
      if (body.decision === 'granted') await this.#grant(client, app, now);
      else await repo.setStatus(client, id, 'denied', now, null);
    });
  }

  // ---- reads: personal data is audit-logged per record, before or as it is shown ----------

  /** The public status page; a wrong token and an unknown reference look the same. */
  async statusByReference(reference: string, token: string) {
    const status = await repo.statusByReference(this.pool, reference, tokenHash(token));
    if (!status) throw new GrantError('APPLICATION_NOT_FOUND');
    return status;
  }

  /** The case workers' queue; it shows names and the reasons, which may reveal health. */
  async manualQueue(viewer: User) {
    const applications = await repo.manualQueue(this.pool);
    for (const a of applications) {
      await this.audit.record({
        actor: viewer.username,
        action: 'list_application',
        subjectType: 'application',
        subjectId: a.id,
        reason: 'manual queue',
      });
    }
    return applications;
  }

  async application(viewer: User, id: string) {
    await this.audit.record({
      actor: viewer.username,
      action: 'view_application',
      subjectType: 'application',
      subjectId: id,
      reason: 'case handling',
    });
    const application = await repo.detail(this.pool, this.pii, id);
    if (!application) throw new GrantError('APPLICATION_NOT_FOUND');
    return application;
  }

  async latestDecision(applicationId: string) {
    return repo.latestDecision(this.pool, applicationId);
  }

  /** The follow-up figures against the municipality's targets (90% automatic, 20% digital). */
  async figures() {
    return { ...(await repo.figures(this.pool)), goals: { automaticShare: 0.9, digitalShare: 0.2 } };
  }

  async orders(viewer: User, status: Parameters<typeof repo.listOrders>[1]) {
    const orders = await repo.listOrders(this.pool, status);
    for (const o of orders) {
      await this.audit.record({
        actor: viewer.username,
        action: 'list_installation_order',
        subjectType: 'resident',
        subjectId: o.residentId,
        reason: `installation order ${o.id}`,
      });
    }
    return orders;
  }

  /** One order with the door code, for the technician on site: every view is logged. */
  async order(viewer: User, id: string) {
    const order = await repo.order(this.pool, this.pii, id);
    if (!order) throw new GrantError('ORDER_NOT_FOUND');
    await this.audit.record({
      actor: viewer.username,
      action: 'view_installation_order',
      subjectType: 'resident',
      subjectId: order.residentId,
      reason: `installation order ${order.id}`,
    });
    return order;
  }

  /** An order as an action's reply: without the door code, so it is not a view to log. */
  async orderWithoutDoorCode(id: string) {
    const order = await repo.order(this.pool, this.pii, id);
    if (!order) throw new GrantError('ORDER_NOT_FOUND');
    const { doorCode: _, ...withoutDoorCode } = order;
    return withoutDoorCode;
  }

  /** A grant makes the applicant a resident the alarm center knows, and orders the installation. */
  async #grant(client: pg.PoolClient, app: repo.ApplicationForGrant, now: number): Promise<void> {
    const residentId = `res-${app.reference.toLowerCase()}`;
    await this.residents.createWith(client, {
      id: residentId,
      name: app.applicantName,
      address: app.address,
      district: app.district,
      access: app.access,
      doorCode: app.doorCodeEnc ? this.pii.decrypt(app.doorCodeEnc) : null,
      personalNumber: this.pii.decrypt(app.personalNumberEnc),
      contacts: app.contacts,
      notes: [
        LIVING[app.livingSituation as ApplicationBody['livingSituation']] ?? '',
        app.phone && `Telefon ${app.phone}`,
      ]
        .filter(Boolean)
        .join('. '),
    });
    await repo.setStatus(client, app.id, 'granted', now, residentId);
    await repo.createOrder(client, {
      applicationId: app.id,
      residentId,
      district: app.district,
      devicesNeeded: app.devicesNeeded,
      createdAt: now,
    });
  }

  async book(orderId: string, user: User, visitAt: string): Promise<void> {
    await inTransaction(this.pool, async (client) => {
      const order = await repo.lockOrder(client, orderId);
      if (!order) throw new GrantError('ORDER_NOT_FOUND');
      // Booking again moves the visit; once the device is provisioned the booking is history.
      if (order.status !== 'open' && order.status !== 'booked') throw new GrantError('ORDER_WRONG_STATE');
      await repo.markBooked(client, orderId, user.username, visitAt, this.clock.now());
    });
  }

  /**
   * Registers the device to the order's resident and district and returns its secret (shown once).
   * The order stays locked meanwhile, so two technicians cannot provision the same order.
   */
  async provision(
    orderId: string,
    user: User,
    device: {
      deviceId: string;
      deviceType: repo.NewApplication['devicesNeeded'][number];
      serial: string;
      heartbeatIntervalS: number;
    },
  ): Promise<string> {
    const secret = generateSecret();
    const hash = await hashDeviceSecret(secret); // before the order is locked
    await inTransaction(this.pool, async (client) => {
      const order = await repo.lockOrder(client, orderId);
      if (!order) throw new GrantError('ORDER_NOT_FOUND');
      if (order.status !== 'booked') throw new GrantError('ORDER_WRONG_STATE', 'Book the installation visit first');
      await this.provisioning.registerWith(
        client,
        { ...device, residentId: order.resident_id, district: order.district, rules: {} },
        hash,
      );
      await repo.markProvisioned(client, orderId, device.deviceId, user.username, this.clock.now());
    });
    return secret;
  }

  /** Closes the order once the device has sent a live test alarm; it then counts as installed. */
  async close(orderId: string): Promise<void> {
    await inTransaction(this.pool, async (client) => {
      const order = await repo.lockOrder(client, orderId);
      if (!order) throw new GrantError('ORDER_NOT_FOUND');
      if (order.status !== 'provisioned' || !order.device_id) {
        throw new GrantError('ORDER_WRONG_STATE', 'Provision the device first');
      }
      if (!(await repo.hasSentEvent(client, order.device_id))) {
        throw new GrantError('ORDER_DEVICE_NOT_TESTED');
      }
      await this.provisioning.markInstalledWith(client, order.device_id);
      await repo.markClosed(client, orderId, this.clock.now());
    });
  }
}
