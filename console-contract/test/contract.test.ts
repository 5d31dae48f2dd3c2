import assert from 'node:assert/strict';
import { test } from 'vitest';
import {
  ALARM_KINDS,
  alarmKindSchema,
  applicationBodySchema,
  CONSENT_PARTIES,
  consentSchema,
  decisionViewSchema,
  LEGAL_BASES,
  OUTCOMES,
  outcomeSchema,
  personalNumberSchema,
  REASONS,
  ROLES,
  roleSchema,
  VISIT_MODES,
  visitModeSchema,
} from '../src/index.ts';

test('the HTTP schemas accept exactly the vocabulary the routing core and the console use', () => {
  assert.deepEqual(alarmKindSchema.options, [...ALARM_KINDS]);
  assert.deepEqual(outcomeSchema.options, [...OUTCOMES]);
  assert.deepEqual(roleSchema.options, [...ROLES]);
  assert.deepEqual(visitModeSchema.options, [...VISIT_MODES]);
  assert.deepEqual(consentSchema.shape.party.options, [...CONSENT_PARTIES]);
  assert.deepEqual(applicationBodySchema.shape.legalBasis.options, [...LEGAL_BASES]);
  assert.deepEqual(decisionViewSchema.shape.reasons.element.options, [...REASONS]);
});

test('an identity number is normalised to YYYYMMDD-XXXX and a wrong check digit is refused', () => {
  assert.equal(personalNumberSchema.parse('194001079120'), '19400107-9120');
  assert.equal(personalNumberSchema.safeParse('19400107-9121').success, false);
});
