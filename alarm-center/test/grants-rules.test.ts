import assert from 'node:assert/strict';
import fc from 'fast-check';
import { describe, it } from 'vitest';
import {
  ageOn,
  DEFAULT_GRANT_RULES_CONFIG,
  decide,
  type GrantApplication,
  type GrantFacts,
  LEGAL_BASES,
  type ReasonCode,
  RULES_VERSION,
} from '../src/grants/rules.ts';

const TODAY = '2024-03-15';
const config = DEFAULT_GRANT_RULES_CONFIG;
const allYes = { fallRisk: true, feelsUnsafeAlone: true, conditionNeedingQuickHelp: true };

const older: GrantApplication = {
  legalBasis: 'sol_4_2a',
  birthDate: '1940-01-01',
  health: null,
  needMetOtherwise: null,
  maxFeeConsent: true,
};
const assessed: GrantApplication = {
  legalBasis: 'sol_4_1',
  birthDate: '1990-06-01',
  health: allYes,
  needMetOtherwise: false,
  maxFeeConsent: true,
};
const noInterventions: GrantFacts = { today: TODAY, otherInterventions: [] };
const homeCare: GrantFacts = { today: TODAY, otherInterventions: ['home_care'] };

interface Case {
  name: string;
  application: GrantApplication;
  facts?: GrantFacts;
  decision: 'granted' | 'manual';
  fee: 'automatic' | 'fee_handling';
  reasons: ReasonCode[];
}

const cases: Case[] = [
  {
    name: 'SoL 4:2a, 84 years old, no other interventions, max fee: granted, fee automatic',
    application: older,
    decision: 'granted',
    fee: 'automatic',
    reasons: ['older_person_without_assessment', 'max_fee_consented'],
  },
  {
    name: 'SoL 4:2a, turns 75 today: granted (the boundary is inclusive)',
    application: { ...older, birthDate: '1949-03-15' },
    decision: 'granted',
    fee: 'automatic',
    reasons: ['older_person_without_assessment', 'max_fee_consented'],
  },
  {
    name: 'SoL 4:2a, turns 75 tomorrow: manual, never denied',
    application: { ...older, birthDate: '1949-03-16' },
    decision: 'manual',
    fee: 'automatic',
    reasons: ['below_age_threshold', 'max_fee_consented'],
  },
  {
    name: 'SoL 4:2a, impossible birth date: manual',
    application: { ...older, birthDate: '1940-02-30' },
    decision: 'manual',
    fee: 'automatic',
    reasons: ['birth_date_invalid', 'max_fee_consented'],
  },
  {
    name: 'SoL 4:2a, born after today: manual',
    application: { ...older, birthDate: '2030-01-01' },
    decision: 'manual',
    fee: 'automatic',
    reasons: ['birth_date_invalid', 'max_fee_consented'],
  },
  {
    name: 'SoL 4:2a, other interventions: manual and fee handling',
    application: older,
    facts: homeCare,
    decision: 'manual',
    fee: 'fee_handling',
    reasons: ['older_person_without_assessment', 'other_interventions', 'fee_with_other_interventions'],
  },
  {
    name: 'SoL 4:2a, no max fee consent: granted, fee handling',
    application: { ...older, maxFeeConsent: false },
    decision: 'granted',
    fee: 'fee_handling',
    reasons: ['older_person_without_assessment', 'no_max_fee_consent'],
  },
  {
    name: 'SoL 4:2a does not need the health questions even when they are unanswered',
    application: { ...older, health: { fallRisk: null, feelsUnsafeAlone: null, conditionNeedingQuickHelp: null } },
    decision: 'granted',
    fee: 'automatic',
    reasons: ['older_person_without_assessment', 'max_fee_consented'],
  },
  {
    name: 'SoL 4:1, answers show need, cannot be met otherwise: granted at any age',
    application: assessed,
    decision: 'granted',
    fee: 'automatic',
    reasons: ['needs_assessment_answers_show_need', 'max_fee_consented'],
  },
  {
    name: 'SoL 4:1, one need is enough',
    application: { ...assessed, health: { fallRisk: false, feelsUnsafeAlone: false, conditionNeedingQuickHelp: true } },
    decision: 'granted',
    fee: 'automatic',
    reasons: ['needs_assessment_answers_show_need', 'max_fee_consented'],
  },
  {
    name: 'SoL 4:1, health questions missing: manual',
    application: { ...assessed, health: null },
    decision: 'manual',
    fee: 'automatic',
    reasons: ['health_questions_unanswered', 'max_fee_consented'],
  },
  {
    name: 'SoL 4:1, one health question unanswered: manual',
    application: { ...assessed, health: { ...allYes, feelsUnsafeAlone: null } },
    decision: 'manual',
    fee: 'automatic',
    reasons: ['health_questions_unanswered', 'max_fee_consented'],
  },
  {
    name: 'SoL 4:1, all answers "no": manual, not denied',
    application: {
      ...assessed,
      health: { fallRisk: false, feelsUnsafeAlone: false, conditionNeedingQuickHelp: false },
    },
    decision: 'manual',
    fee: 'automatic',
    reasons: ['no_need_stated', 'max_fee_consented'],
  },
  {
    name: 'SoL 4:1, "can the need be met otherwise" unanswered: manual',
    application: { ...assessed, needMetOtherwise: null },
    decision: 'manual',
    fee: 'automatic',
    reasons: ['need_met_otherwise_unanswered', 'max_fee_consented'],
  },
  {
    name: 'SoL 4:1, need may be met otherwise: manual',
    application: { ...assessed, needMetOtherwise: true },
    decision: 'manual',
    fee: 'automatic',
    reasons: ['need_may_be_met_otherwise', 'max_fee_consented'],
  },
  {
    name: 'SoL 4:1, several gaps: every reason is given',
    application: { ...assessed, health: null, needMetOtherwise: true, maxFeeConsent: false },
    facts: homeCare,
    decision: 'manual',
    fee: 'fee_handling',
    reasons: ['health_questions_unanswered', 'need_may_be_met_otherwise', 'other_interventions', 'no_max_fee_consent'],
  },
  {
    name: 'SoL 4:1, other interventions: manual and fee handling',
    application: assessed,
    facts: homeCare,
    decision: 'manual',
    fee: 'fee_handling',
    reasons: ['needs_assessment_answers_show_need', 'other_interventions', 'fee_with_other_interventions'],
  },
  {
    name: 'SoL 4:1, no max fee consent: granted, fee handling',
    application: { ...assessed, maxFeeConsent: false },
    decision: 'granted',
    fee: 'fee_handling',
    reasons: ['needs_assessment_answers_show_need', 'no_max_fee_consent'],
  },
  {
    name: 'SoL 4:2a, 84 years old, applied for by a relative: to a case worker, never granted automatically',
    application: older,
    facts: { today: TODAY, otherInterventions: [], appliedByRepresentative: true },
    decision: 'manual',
    fee: 'automatic',
    reasons: ['older_person_without_assessment', 'applied_by_representative', 'max_fee_consented'],
  },
];

describe('grant rules', () => {
  for (const c of cases) {
    it(c.name, () => {
      const result = decide(c.application, c.facts ?? noInterventions, config);
      assert.equal(result.decision, c.decision);
      assert.equal(result.feeDecision, c.fee);
      assert.deepEqual(result.reasons, c.reasons);
    });
  }

  it('the age threshold is configurable', () => {
    const at80 = { olderPersonsMinAge: 80 };
    const born1946 = { ...older, birthDate: '1946-01-01' }; // 78 on TODAY
    assert.equal(decide(born1946, noInterventions, config).decision, 'granted');
    assert.equal(decide(born1946, noInterventions, at80).decision, 'manual');
    assert.match(decide(born1946, noInterventions, at80).justification.sv, /från 80 års ålder/);
  });

  it('records the rules version and the facts it used', () => {
    const result = decide(older, homeCare, config);
    assert.deepEqual(result.factsUsed, {
      rulesVersion: RULES_VERSION,
      today: TODAY,
      legalBasis: 'sol_4_2a',
      age: 84,
      olderPersonsMinAge: 75,
      healthAnswered: false,
      needStated: false,
      needMetOtherwise: null,
      otherInterventions: ['home_care'],
      appliedByRepresentative: false,
      maxFeeConsent: true,
    });
  });

  it('justifies a grant to the citizen in Swedish and English, naming the legal basis', () => {
    const granted = decide(older, noInterventions, config).justification;
    assert.match(granted.sv, /beviljad automatiskt/);
    assert.match(granted.sv, /4 kap\. 2 a §/);
    assert.match(granted.sv, /maxtaxan/);
    assert.match(granted.en, /granted automatically/);
    assert.match(granted.en, /chapter 4, section 2 a/);
    const assessedGrant = decide(assessed, noInterventions, config).justification;
    assert.match(assessedGrant.sv, /4 kap\. 1 §/);
  });

  it('tells a citizen sent to a case worker that nothing was refused, and why', () => {
    const manual = decide(older, homeCare, config).justification;
    assert.match(manual.sv, /handläggare/);
    assert.match(manual.sv, /Ingen del av ansökan har avslagits/);
    assert.match(manual.sv, /andra pågående insatser/);
    assert.match(manual.en, /No part of it has been refused/);
  });

  it('computes age in whole years, birthdays inclusive, 29 February turning on 1 March', () => {
    assert.equal(ageOn('1949-03-15', '2024-03-15'), 75);
    assert.equal(ageOn('1949-03-16', '2024-03-15'), 74);
    assert.equal(ageOn('1948-02-29', '2023-02-28'), 74);
    assert.equal(ageOn('1948-02-29', '2023-03-01'), 75);
    assert.equal(ageOn('1948-02-29', '2024-02-29'), 76);
    assert.equal(ageOn('2024-03-16', '2024-03-15'), null);
    assert.equal(ageOn('1949-13-01', '2024-03-15'), null);
    assert.equal(ageOn('not a date', '2024-03-15'), null);
  });

  it('no input ever yields an automatic denial', () => {
    const maybeBool = fc.constantFrom(true, false, null);
    const date = fc.oneof(
      fc
        .date({ min: new Date('1880-01-01'), max: new Date('2100-12-31'), noInvalidDate: true })
        .map((d) => d.toISOString().slice(0, 10)),
      fc.string(),
    );
    const application = fc.record({
      legalBasis: fc.constantFrom(...LEGAL_BASES),
      birthDate: date,
      health: fc.option(
        fc.record({ fallRisk: maybeBool, feelsUnsafeAlone: maybeBool, conditionNeedingQuickHelp: maybeBool }),
      ),
      needMetOtherwise: maybeBool,
      maxFeeConsent: fc.boolean(),
    });
    const facts = fc.record({
      today: date,
      otherInterventions: fc.array(fc.string(), { maxLength: 3 }),
      appliedByRepresentative: fc.boolean(),
    });
    const rulesConfig = fc.record({ olderPersonsMinAge: fc.integer({ min: 0, max: 130 }) });
    fc.assert(
      fc.property(application, facts, rulesConfig, (a, f, c) => {
        const result = decide(a, f, c);
        assert.ok(result.decision === 'granted' || result.decision === 'manual', `got ${result.decision}`);
        assert.ok(result.feeDecision === 'automatic' || result.feeDecision === 'fee_handling');
        // Whatever the outcome, the citizen is told why, in both languages.
        assert.ok(result.reasons.length > 0);
        assert.ok(result.justification.sv.length > 0 && result.justification.en.length > 0);
        // Someone applying for another person always reaches a case worker.
        if (f.appliedByRepresentative) assert.equal(result.decision, 'manual');
        // Other interventions always reach a case worker, and never an automatic fee.
        if (f.otherInterventions.length > 0) {
          assert.equal(result.decision, 'manual');
          assert.equal(result.feeDecision, 'fee_handling');
        }
      }),
      { numRuns: 2000 },
    );
  });
});
