// The grant e-services' part of the console contract: what a citizen or a case worker may send, what the status
// page, the manual queue and the technicians' order queue receive. Free text is accepted as text
// (never HTML) and capped; names, numbers and dates are checked field by field.

import { deviceTypeSchema, isDeviceId } from '@trygg/firmware-protocol';
import { z } from 'zod';
import { contactSchema } from './alarms.ts';
import {
  type HealthQuestion,
  KEY_HANDLINGS,
  LEGAL_BASES,
  LIVING_SITUATIONS,
  OTHER_INTERVENTIONS,
  REASONS,
  REPRESENTATIVE_RELATIONS,
} from './vocabulary.ts';

/** Control characters other than tab and newline have no place in a form field. */
const hasControlCharacter = (v: string) =>
  [...v].some((c) => {
    const code = c.codePointAt(0) ?? 0;
    return (code < 0x20 && c !== '\t' && c !== '\n' && c !== '\r') || code === 0x7f;
  });
const freeText = (max: number) =>
  z
    .string()
    .trim()
    .max(max, `at most ${max} characters`)
    .refine((v) => !hasControlCharacter(v), {
      message: 'contains control characters',
      params: { fieldCode: 'FIELD_CONTROL_CHARACTER' },
    });
const personName = z
  .string()
  .trim()
  .min(1, 'required')
  .max(100, 'at most 100 characters')
  .regex(/^[\p{L}\p{M}][\p{L}\p{M} .'’-]*$/u, 'letters, spaces, hyphens and apostrophes only');
const phone = z
  .string()
  .trim()
  .regex(/^\+?[0-9][0-9 -]{5,19}$/, 'a phone number, digits with spaces or hyphens');

/** YYYYMMDD, checked against the calendar; coordination numbers add 60 to the day. */
export function birthDateOf(personalNumber: string): string | null {
  const digits = personalNumber.replace('-', '');
  const y = Number(digits.slice(0, 4));
  const m = Number(digits.slice(4, 6));
  let d = Number(digits.slice(6, 8));
  if (d > 60) d -= 60;
  const date = new Date(Date.UTC(y, m - 1, d));
  if (y < 1880 || date.getUTCFullYear() !== y || date.getUTCMonth() !== m - 1 || date.getUTCDate() !== d) return null;
  return date.toISOString().slice(0, 10);
}

/** The Luhn check digit over the last ten digits, as on every Swedish identity number. */
function luhnOk(tenDigits: string): boolean {
  let sum = 0;
  for (let i = 0; i < tenDigits.length; i += 1) {
    let v = Number(tenDigits[i]) * (i % 2 === 0 ? 2 : 1);
    if (v > 9) v -= 9;
    sum += v;
  }
  return sum % 10 === 0;
}

export const personalNumberSchema = z
  .string()
  .trim()
  .superRefine((v, ctx) => {
    // One problem per field, the first found: format, then date, then check digit; each has a code
    // the console translates.
    const problem = !/^\d{8}-?\d{4}$/.test(v)
      ? (['FIELD_FORMAT', 'format YYYYMMDD-XXXX'] as const)
      : birthDateOf(v) === null
        ? (['FIELD_DATE', 'the date in the identity number does not exist'] as const)
        : luhnOk(v.replace('-', '').slice(2))
          ? null
          : (['FIELD_CHECK_DIGIT', 'the check digit is wrong'] as const);
    if (problem) ctx.addIssue({ code: 'custom', message: problem[1], params: { fieldCode: problem[0] } });
  })
  .transform((v) => v.replace('-', '').replace(/^(\d{8})/, '$1-'));

export const contactBodySchema = z.strictObject({
  name: personName,
  relation: freeText(60).pipe(z.string().min(1, 'required')),
  phone,
});

export { KEY_HANDLINGS, LIVING_SITUATIONS, OTHER_INTERVENTIONS, REPRESENTATIVE_RELATIONS };

/** A district's name as the municipality's list has it; whether it is on the list is the server's check. */
export const districtNameSchema = z
  .string()
  .trim()
  .min(1, 'required')
  .regex(/^\p{L}[\p{L} .-]{0,63}$/u, 'a district from the list');

const answer = z.boolean().nullable().default(null);

export const applicationBodySchema = z.strictObject({
  legalBasis: z.enum(LEGAL_BASES),
  applicant: z.strictObject({ name: personName, personalNumber: personalNumberSchema, phone }),
  address: z.strictObject({
    street: freeText(120).pipe(z.string().min(1, 'required')),
    postalCode: z
      .string()
      .trim()
      .regex(/^\d{3} ?\d{2}$/, 'five digits, e.g. 411 01'),
    city: personName,
  }),
  /** One of the municipality's districts (GET /api/public/districts); never free text. */
  district: districtNameSchema,
  access: z.strictObject({
    keyHandling: z.enum(KEY_HANDLINGS),
    note: freeText(500).default(''),
    doorCode: z
      .string()
      .trim()
      .regex(/^[0-9A-Za-z#*]{1,12}$/, 'up to 12 digits, letters, # or *')
      .optional(),
  }),
  contacts: z.array(contactBodySchema).max(5, 'at most 5 contact persons').default([]),
  livingSituation: z.enum(LIVING_SITUATIONS),
  /** SoL 4:1 only; unanswered questions send the application to a case worker, never refuse it. */
  health: z
    .strictObject({ fallRisk: answer, feelsUnsafeAlone: answer, conditionNeedingQuickHelp: answer } satisfies Record<
      HealthQuestion,
      unknown
    >)
    .nullable()
    .default(null),
  needMetOtherwise: answer,
  otherInterventions: z.array(z.enum(OTHER_INTERVENTIONS)).max(OTHER_INTERVENTIONS.length).default([]),
  maxFeeConsent: z.boolean(),
  devicesNeeded: z.array(deviceTypeSchema).min(1).max(4).default(['pendant']),
  message: freeText(2000).default(''),
});
export type ApplicationBody = z.infer<typeof applicationBodySchema>;

/**
 * The public e-service's application: the applicant signed in, so their identity number and name
 * come from the verified ID token, never from the form. Someone applying for another person
 * (`onBehalfOf`) types that person's name and identity number and says how they are related.
 */
export const publicApplicationBodySchema = applicationBodySchema.omit({ applicant: true }).extend({
  applicant: z.strictObject({ phone }),
  onBehalfOf: z
    .strictObject({
      name: personName,
      personalNumber: personalNumberSchema,
      relation: z.enum(REPRESENTATIVE_RELATIONS),
    })
    .nullable()
    .default(null),
});
export type PublicApplicationBody = z.infer<typeof publicApplicationBodySchema>;

/** A second application while one is open: stored and linked to the first, never decided. */
export const applicationAlreadyOpenSchema = z.object({
  code: z.literal('APPLICATION_ALREADY_OPEN'),
  message: z.string(),
  statusCode: z.literal(409),
  /** The open application, when the signed-in person is the one it is for. */
  existing: z
    .object({ reference: z.string(), status: z.enum(['received', 'manual', 'granted']), receivedAt: z.string() })
    .nullable(),
});
export type ApplicationAlreadyOpen = z.infer<typeof applicationAlreadyOpenSchema>;

export const districtSchema = z.object({ name: z.string(), active: z.boolean() });
export const districtParams = z.object({ name: districtNameSchema });
export const districtBodySchema = z.strictObject({ active: z.boolean() });

export const APPLICATION_STATUSES = ['received', 'manual', 'granted', 'denied', 'linked'] as const;
export const ORDER_STATUSES = ['open', 'booked', 'provisioned', 'closed'] as const;

export const decisionViewSchema = z.object({
  decision: z.enum(['granted', 'manual', 'denied']),
  feeDecision: z.enum(['automatic', 'fee_handling']),
  automatic: z.boolean(),
  ruleVersion: z.string(),
  reasons: z.array(z.enum(REASONS)),
  justification: z.object({ sv: z.string(), en: z.string().nullable() }),
  decidedAt: z.string(),
});
export type DecisionView = z.infer<typeof decisionViewSchema>;

export const applicationStatusSchema = z.object({
  reference: z.string(),
  status: z.enum(APPLICATION_STATUSES),
  channel: z.enum(['public', 'internal']),
  receivedAt: z.string(),
  decision: decisionViewSchema.nullable(),
  installation: z.object({ status: z.enum(ORDER_STATUSES), visitAt: z.string().nullable() }).nullable(),
});
export type ApplicationStatus = z.infer<typeof applicationStatusSchema>;

export const applicationCreatedSchema = z.object({
  id: z.string(),
  reference: z.string(),
  /** Shown once: the applicant needs it with the reference to see the status. */
  statusToken: z.string(),
  status: z.enum(APPLICATION_STATUSES),
  decision: decisionViewSchema,
});
export type ApplicationCreated = z.infer<typeof applicationCreatedSchema>;

export const referenceParams = z.object({
  reference: z.string().regex(/^TL-[0-9A-Z]{8}$/, 'a reference like TL-7K3F9QXA'),
});
export const statusQuery = z.object({ token: z.string().regex(/^[A-Za-z0-9_-]{20,64}$/, 'the status token') });
export const grantIdParams = z.object({ id: z.string().regex(/^[1-9][0-9]{0,17}$/, 'a positive integer') });

export const manualQueueItemSchema = z.object({
  id: z.string(),
  reference: z.string(),
  channel: z.enum(['public', 'internal']),
  legalBasis: z.enum(LEGAL_BASES),
  applicantName: z.string(),
  age: z.int().nullable(),
  receivedAt: z.string(),
  reasons: z.array(z.enum(REASONS)),
  otherInterventions: z.array(z.string()),
});
export type ManualQueueItem = z.infer<typeof manualQueueItemSchema>;

export const applicationDetailSchema = z.object({
  id: z.string(),
  reference: z.string(),
  channel: z.enum(['public', 'internal']),
  registeredBy: z.string().nullable(),
  legalBasis: z.enum(LEGAL_BASES),
  status: z.enum(APPLICATION_STATUSES),
  applicant: z.object({ name: z.string(), personalNumber: z.string(), birthDate: z.string(), phone: z.string() }),
  address: z.string(),
  district: z.string(),
  access: z.string(),
  doorCode: z.string().nullable(),
  contacts: z.array(contactSchema),
  livingSituation: z.string(),
  answers: z.object({
    health: z
      .object({
        fallRisk: z.boolean().nullable(),
        feelsUnsafeAlone: z.boolean().nullable(),
        conditionNeedingQuickHelp: z.boolean().nullable(),
      })
      .nullable(),
    needMetOtherwise: z.boolean().nullable(),
    otherInterventions: z.array(z.string()),
    maxFeeConsent: z.boolean(),
  }),
  devicesNeeded: z.array(deviceTypeSchema),
  message: z.string(),
  receivedAt: z.string(),
  /** 'e_legitimation': the applicant signed in; 'case_worker': registered from phone or paper. */
  identifiedBy: z.enum(['e_legitimation', 'case_worker']),
  /** Someone who applied for the applicant: identity from their e-legitimation, relation as stated. */
  representative: z
    .object({ name: z.string(), personalNumber: z.string(), relation: z.enum(REPRESENTATIVE_RELATIONS) })
    .nullable(),
  /** This one came while another was open: the first. */
  linkedTo: z.object({ id: z.string(), reference: z.string() }).nullable(),
  /** Later applications for the same person, linked to this one. */
  linkedApplications: z.array(z.object({ id: z.string(), reference: z.string(), receivedAt: z.string() })),
  decisions: z.array(decisionViewSchema.extend({ decidedBy: z.string().nullable() })),
});
export type ApplicationDetail = z.infer<typeof applicationDetailSchema>;

export const decideBodySchema = z.strictObject({
  decision: z.enum(['granted', 'denied']),
  feeDecision: z.enum(['automatic', 'fee_handling']).default('fee_handling'),
  /** Written by the case worker for the citizen; a denial must say why. */
  justification: freeText(4000).pipe(z.string().min(10, 'at least 10 characters: the citizen reads this')),
});

export const orderSchema = z.object({
  id: z.string(),
  reference: z.string(),
  status: z.enum(ORDER_STATUSES),
  residentId: z.string(),
  residentName: z.string(),
  address: z.string(),
  district: z.string(),
  access: z.string(),
  contacts: z.array(contactSchema),
  devicesNeeded: z.array(deviceTypeSchema),
  technician: z.string().nullable(),
  visitAt: z.string().nullable(),
  deviceId: z.string().nullable(),
  createdAt: z.string(),
});
export type InstallationOrder = z.infer<typeof orderSchema>;

export const orderDetailSchema = orderSchema.extend({ doorCode: z.string().nullable() });

export const orderListQuery = z.object({ status: z.enum(['active', 'closed', 'all']).default('active') });

export const bookBodySchema = z.strictObject({
  visitAt: z.iso.datetime({ offset: true, message: 'a real date and time, ISO 8601' }),
});

export const provisionBodySchema = z.strictObject({
  deviceId: z.string().refine(isDeviceId, 'device id: 2-64 of [A-Za-z0-9_-], starting with a letter or digit'),
  deviceType: deviceTypeSchema,
  serial: z.string().trim().min(1).max(64),
  heartbeatIntervalS: z.int().min(5).max(86_400).default(60),
});

export const provisionedSchema = z.object({
  order: orderSchema,
  deviceId: z.string(),
  mqttUsername: z.string(),
  /** Shown once; only its hash is stored. */
  secret: z.string(),
});

export const figuresSchema = z.object({
  applications: z.int(),
  decided: z.int(),
  /** Share of decided applications the rules decided without a case worker (goal 0.9). */
  automaticShare: z.number().nullable(),
  /** Share of applications made in the public e-service (goal 0.2). */
  digitalShare: z.number().nullable(),
  goals: z.object({ automaticShare: z.number(), digitalShare: z.number() }),
  /** Median hours: application → decision, decision → installed (order closed). */
  leadTimeHours: z.object({ toDecision: z.number().nullable(), toInstalled: z.number().nullable() }),
  manualQueue: z.int(),
  openOrders: z.int(),
});
export type GrantFigures = z.infer<typeof figuresSchema>;
