// The safety-alarm grant rules: an application, the facts known about the applicant and today's
// date in, a decision out. Pure and versioned, so every decision can say which rules made it.
// The rules only ever decide in the applicant's favour; anything else goes to a case worker.

/** Bump whenever a rule or its wording changes: decisions record the version that made them. */
export const RULES_VERSION = 'grant-rules/2026-1'; // 2026-1: an application by a representative goes to a case worker

import type { LegalBasis, ReasonCode } from '@trygg/console-contract/vocabulary';

// The legal bases and reason codes are the console contract's vocabulary, defined once there.
export { LEGAL_BASES, type LegalBasis, REASONS, type ReasonCode } from '@trygg/console-contract/vocabulary';

/** The SoL 4:1 health questions; null = not answered. */
export interface HealthAnswers {
  /** Has fallen, or nearly fallen, in the last year. */
  fallRisk: boolean | null;
  /** Feels unsafe being alone at home. */
  feelsUnsafeAlone: boolean | null;
  /** Has an illness or condition that may suddenly need help. */
  conditionNeedingQuickHelp: boolean | null;
}

export interface GrantApplication {
  legalBasis: LegalBasis;
  /** YYYY-MM-DD, from the identity number. */
  birthDate: string;
  /** Required for SoL 4:1; ignored for SoL 4:2a. */
  health: HealthAnswers | null;
  /** SoL 4:1: can the need be met in another way (e.g. by someone living with the applicant)? */
  needMetOtherwise: boolean | null;
  /** Consents to the maximum fee (maxtaxa), so no income enquiry is needed. */
  maxFeeConsent: boolean;
}

export interface GrantFacts {
  /** Today's date (YYYY-MM-DD) in the municipality's time zone: time is a parameter. */
  today: string;
  /** Ongoing care interventions (home care, day activity, ...) known for the applicant. */
  otherInterventions: readonly string[];
  /** Someone else (a relative, a representative) applied for the applicant: a case worker decides. */
  appliedByRepresentative?: boolean;
}

export interface GrantRulesConfig {
  /** SoL 4:2a applies from this age. The municipality decides it; DOMAIN.md names no value. */
  olderPersonsMinAge: number;
}

export const DEFAULT_GRANT_RULES_CONFIG: GrantRulesConfig = { olderPersonsMinAge: 75 };

export interface Justification {
  sv: string;
  en: string;
}

export interface FactsUsed {
  rulesVersion: string;
  today: string;
  legalBasis: LegalBasis;
  age: number | null;
  olderPersonsMinAge: number;
  healthAnswered: boolean;
  needStated: boolean;
  needMetOtherwise: boolean | null;
  otherInterventions: string[];
  appliedByRepresentative: boolean;
  maxFeeConsent: boolean;
}

export interface GrantDecision {
  /** Never 'denied': only a case worker can deny. */
  decision: 'granted' | 'manual';
  feeDecision: 'automatic' | 'fee_handling';
  reasons: ReasonCode[];
  justification: Justification;
  factsUsed: FactsUsed;
}

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

function parseDate(text: string): { y: number; m: number; d: number } | null {
  const match = ISO_DATE.exec(text);
  if (!match) return null;
  const [y, m, d] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const date = new Date(Date.UTC(y, m - 1, d));
  // Date.UTC rolls 31 Feb over into March: an impossible date does not survive the round trip.
  if (date.getUTCFullYear() !== y || date.getUTCMonth() !== m - 1 || date.getUTCDate() !== d) return null;
  return { y, m, d };
}

/**
 * Age in whole years on `today`; null when either date is invalid or birth is after today.
 * Someone born on 29 February turns a year older on 1 March in common years.
 */
export function ageOn(birthDate: string, today: string): number | null {
  const b = parseDate(birthDate);
  const t = parseDate(today);
  if (!b || !t) return null;
  const beforeBirthday = t.m < b.m || (t.m === b.m && t.d < b.d);
  const age = t.y - b.y - (beforeBirthday ? 1 : 0);
  return age >= 0 ? age : null;
}

const TEXT: Record<ReasonCode, Justification> = {
  older_person_without_assessment: {
    sv: 'Du har fyllt {minAge} år och kan få trygghetslarm utan behovsbedömning (socialtjänstlagen 4 kap. 2 a §).',
    en: 'You are {minAge} or older and can have a safety alarm without a needs assessment (Social Services Act, chapter 4, section 2 a).',
  },
  needs_assessment_answers_show_need: {
    sv: 'Dina svar visar ett behov av trygghetslarm som inte kan tillgodoses på annat sätt (socialtjänstlagen 4 kap. 1 §).',
    en: 'Your answers show a need for a safety alarm that cannot be met in another way (Social Services Act, chapter 4, section 1).',
  },
  below_age_threshold: {
    sv: 'Den förenklade ansökan gäller från {minAge} års ålder; en handläggare prövar ditt behov.',
    en: 'The simplified application applies from age {minAge}; a case worker will assess your need.',
  },
  birth_date_invalid: {
    sv: 'Födelsedatumet kunde inte läsas ut ur personnumret; en handläggare kontrollerar uppgifterna.',
    en: 'The date of birth could not be read from the identity number; a case worker will check the details.',
  },
  health_questions_unanswered: {
    sv: 'Alla hälsofrågor är inte besvarade; en handläggare kontaktar dig.',
    en: 'Not all health questions are answered; a case worker will contact you.',
  },
  no_need_stated: {
    sv: 'Svaren på hälsofrågorna visar inte behovet; en handläggare kontaktar dig för att höra mer.',
    en: 'The answers to the health questions do not show the need; a case worker will contact you to learn more.',
  },
  need_met_otherwise_unanswered: {
    sv: 'Frågan om behovet kan tillgodoses på annat sätt är inte besvarad; en handläggare kontaktar dig.',
    en: 'The question whether the need can be met in another way is not answered; a case worker will contact you.',
  },
  need_may_be_met_otherwise: {
    sv: 'Du har svarat att behovet kanske kan tillgodoses på annat sätt; en handläggare prövar det tillsammans med dig.',
    en: 'You answered that the need may be met in another way; a case worker will look at this with you.',
  },
  other_interventions: {
    sv: 'Du har andra pågående insatser; en handläggare fattar beslutet så att insatserna passar ihop.',
    en: 'You have other ongoing care interventions; a case worker makes the decision so that they fit together.',
  },
  max_fee_consented: {
    sv: 'Du har godkänt maxtaxan, så avgiften beslutas direkt enligt maxtaxan.',
    en: 'You have accepted the maximum fee, so the fee is decided directly at the maximum fee.',
  },
  no_max_fee_consent: {
    sv: 'Du har inte godkänt maxtaxan; avgiften beräknas av avgiftshandläggare utifrån dina inkomster.',
    en: 'You have not accepted the maximum fee; a fee officer will calculate the fee from your income.',
  },
  applied_by_representative: {
    sv: 'Ansökan är gjord av någon annan för din räkning; en handläggare fattar beslutet och kontaktar dig.',
    en: 'Someone else applied on your behalf; a case worker makes the decision and will contact you.',
  },
  fee_with_other_interventions: {
    sv: 'Avgiften samordnas med avgifterna för dina andra insatser av en avgiftshandläggare.',
    en: 'A fee officer will coordinate the fee with the fees for your other interventions.',
  },
};

function legalBasisHolds(
  application: GrantApplication,
  age: number | null,
  config: GrantRulesConfig,
): { holds: boolean; reasons: ReasonCode[]; healthAnswered: boolean; needStated: boolean } {
  const health = application.health;
  const answers = health ? [health.fallRisk, health.feelsUnsafeAlone, health.conditionNeedingQuickHelp] : [];
  const healthAnswered = answers.length > 0 && answers.every((a) => a !== null);
  const needStated = answers.some((a) => a === true);

  if (application.legalBasis === 'sol_4_2a') {
    if (age === null) return { holds: false, reasons: ['birth_date_invalid'], healthAnswered, needStated };
    if (age < config.olderPersonsMinAge) {
      return { holds: false, reasons: ['below_age_threshold'], healthAnswered, needStated };
    }
    return { holds: true, reasons: ['older_person_without_assessment'], healthAnswered, needStated };
  }

  const reasons: ReasonCode[] = [];
  if (!healthAnswered) reasons.push('health_questions_unanswered');
  else if (!needStated) reasons.push('no_need_stated');
  if (application.needMetOtherwise === null) reasons.push('need_met_otherwise_unanswered');
  else if (application.needMetOtherwise) reasons.push('need_may_be_met_otherwise');
  if (reasons.length > 0) return { holds: false, reasons, healthAnswered, needStated };
  return { holds: true, reasons: ['needs_assessment_answers_show_need'], healthAnswered, needStated };
}

function justify(
  decision: GrantDecision['decision'],
  reasons: readonly ReasonCode[],
  config: GrantRulesConfig,
): Justification {
  const fill = (text: string) => text.replaceAll('{minAge}', String(config.olderPersonsMinAge));
  const lead: Justification =
    decision === 'granted'
      ? {
          sv: 'Din ansökan om trygghetslarm är beviljad automatiskt enligt kommunens regler.',
          en: 'Your application for a safety alarm has been granted automatically under the municipality’s rules.',
        }
      : {
          sv: 'Din ansökan har gått vidare till en handläggare som fattar beslutet. Ingen del av ansökan har avslagits.',
          en: 'Your application has been passed to a case worker who will make the decision. No part of it has been refused.',
        };
  return {
    sv: [lead.sv, ...reasons.map((r) => fill(TEXT[r].sv))].join(' '),
    en: [lead.en, ...reasons.map((r) => fill(TEXT[r].en))].join(' '),
  };
}

/** Decides an application: grants it, or sends it to a case worker with the reasons. Never denies. */
export function decide(application: GrantApplication, facts: GrantFacts, config: GrantRulesConfig): GrantDecision {
  const age = ageOn(application.birthDate, facts.today);
  const basis = legalBasisHolds(application, age, config);
  const hasOtherInterventions = facts.otherInterventions.length > 0;

  const reasons: ReasonCode[] = [...basis.reasons];
  if (hasOtherInterventions) reasons.push('other_interventions');
  const byRepresentative = facts.appliedByRepresentative === true;
  if (byRepresentative) reasons.push('applied_by_representative');
  const decision = basis.holds && !hasOtherInterventions && !byRepresentative ? 'granted' : 'manual';

  const feeDecision = application.maxFeeConsent && !hasOtherInterventions ? 'automatic' : 'fee_handling';
  if (!application.maxFeeConsent) reasons.push('no_max_fee_consent');
  else reasons.push(hasOtherInterventions ? 'fee_with_other_interventions' : 'max_fee_consented');

  return {
    decision,
    feeDecision,
    reasons,
    justification: justify(decision, reasons, config),
    factsUsed: {
      rulesVersion: RULES_VERSION,
      today: facts.today,
      legalBasis: application.legalBasis,
      age,
      olderPersonsMinAge: config.olderPersonsMinAge,
      healthAnswered: basis.healthAnswered,
      needStated: basis.needStated,
      needMetOtherwise: application.needMetOtherwise,
      otherInterventions: [...facts.otherInterventions],
      appliedByRepresentative: byRepresentative,
      maxFeeConsent: application.maxFeeConsent,
    },
  };
}
