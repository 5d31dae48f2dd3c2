// The domain's vocabulary, defined once: roles, alarm kinds, statuses and outcomes, priorities and
// audiences, grant legal bases and reasons, supervision modes and consents. Plain constant lists with
// no imports, so the routing core, the grant and supervision rules, the HTTP schemas and the console's
// menus all derive from the same words, and the console can load them without bundling zod.

export const ROLES = ['operator', 'technician', 'supervisor', 'caseworker', 'nightteam', 'responder'] as const;
export type Role = (typeof ROLES)[number];

export const ALARM_KINDS = [
  'manual',
  'fall',
  'person_on_floor',
  'door_exit',
  'geofence_exit',
  'bed_out',
  'dose_missed',
  'connection_lost',
  'battery_low',
  'device_fault',
  'power_lost',
  'supervision',
  'could_not_enter',
] as const;
export type AlarmKind = (typeof ALARM_KINDS)[number];

export const ALARM_STATUSES = ['new', 'acknowledged', 'dispatched', 'closed'] as const;
export type AlarmStatus = (typeof ALARM_STATUSES)[number];

export const OUTCOMES = [
  'helped',
  'false_alarm',
  'forgotten_passage',
  'no_action_needed',
  'cancelled_by_resident',
  'connection_restored',
  'power_restored',
  'technical_fixed',
] as const;
export type Outcome = (typeof OUTCOMES)[number];

/** 1 most urgent (life at risk) .. 4 technical. */
export const PRIORITIES = [1, 2, 3, 4] as const;
export type Priority = (typeof PRIORITIES)[number];

/** Which team's queue an alarm lands in; escalation additionally shows it to supervisors. */
export const AUDIENCES = ['operator', 'technician'] as const;
export type Audience = (typeof AUDIENCES)[number];

/** SoL 4 kap. 1 § (needs-assessed, anyone) or SoL 4 kap. 2 a § (older persons, no assessment). */
export const LEGAL_BASES = ['sol_4_1', 'sol_4_2a'] as const;
export type LegalBasis = (typeof LEGAL_BASES)[number];

/** Why the grant rules decided as they did; each has a justification text in the grant rules. */
export const REASONS = [
  'older_person_without_assessment',
  'needs_assessment_answers_show_need',
  'below_age_threshold',
  'birth_date_invalid',
  'health_questions_unanswered',
  'no_need_stated',
  'need_met_otherwise_unanswered',
  'need_may_be_met_otherwise',
  'other_interventions',
  'max_fee_consented',
  'no_max_fee_consent',
  'fee_with_other_interventions',
  'applied_by_representative',
] as const;
export type ReasonCode = (typeof REASONS)[number];

/** How someone applying for another person is related to them (the public e-service asks). */
export const REPRESENTATIVE_RELATIONS = ['child', 'spouse', 'other_relative', 'legal_guardian', 'other'] as const;
export type RepresentativeRelation = (typeof REPRESENTATIVE_RELATIONS)[number];

export const VISIT_MODES = ['physical', 'camera', 'sensor'] as const;
export type VisitMode = (typeof VISIT_MODES)[number];

export const VISIT_STATUSES = [
  'pending',
  'due',
  'done_all_well',
  'escalated_physical',
  'escalated_alarm',
  'missed',
] as const;
export type VisitStatus = (typeof VISIT_STATUSES)[number];

export const CONSENT_PARTIES = ['resident', 'cohabitant'] as const;
export type ConsentParty = (typeof CONSENT_PARTIES)[number];
export const CONSENT_SCOPES = ['camera', 'sensor'] as const;
export type ConsentScope = (typeof CONSENT_SCOPES)[number];

/** What the applicant says about other care interventions (any of them sends it to a case worker). */
export const OTHER_INTERVENTIONS = [
  'home_care',
  'day_activity',
  'short_term_stay',
  'personal_assistance',
  'housing_support',
  'other',
] as const;
export const LIVING_SITUATIONS = ['alone', 'with_partner', 'with_others'] as const;
export const KEY_HANDLINGS = ['key_box', 'key_to_municipality', 'someone_opens', 'other'] as const;
/** The health questions of the SoL 4:1 application. */
export const HEALTH_QUESTIONS = ['fallRisk', 'feelsUnsafeAlone', 'conditionNeedingQuickHelp'] as const;
export type HealthQuestion = (typeof HEALTH_QUESTIONS)[number];

// ---- responders and dispatch ------------------------------------------------------------------

/** A responder is one person or a team (night patrol, home-care group) reached as one. */
export const RESPONDER_KINDS = ['person', 'team'] as const;
export type ResponderKind = (typeof RESPONDER_KINDS)[number];
/** Live status: only on-duty responders are offered for a dispatch; busy is set by a dispatch. */
export const RESPONDER_STATUSES = ['on_duty', 'busy', 'off'] as const;
export type ResponderStatus = (typeof RESPONDER_STATUSES)[number];

/**
 * A dispatch's steps. The first four are active (the responder sees door code and key); `done`,
 * `could_not_enter` (always escalated, never closes the alarm), `reassigned` (someone else was
 * sent) and `cancelled` (the operator closed the alarm) end it.
 */
export const DISPATCH_STATES = [
  'dispatched',
  'accepted',
  'on_the_way',
  'arrived',
  'done',
  'could_not_enter',
  'reassigned',
  'cancelled',
] as const;
export type DispatchState = (typeof DISPATCH_STATES)[number];
export const ACTIVE_DISPATCH_STATES = ['dispatched', 'accepted', 'on_the_way', 'arrived'] as const;
/** How an arrival was confirmed: from the responder's phone, or by a press on the resident's unit. */
export const ARRIVAL_SOURCES = ['app', 'unit'] as const;

/** The job sheet's answers: where and how the resident was found, and how they were left. */
export const FOUND_PLACES = ['bed', 'floor', 'chair', 'bathroom', 'outdoors', 'other'] as const;
export const FOUND_POSITIONS = ['lying', 'sitting', 'standing'] as const;
export const LEFT_AS = ['in_bed', 'in_chair', 'up_and_about', 'to_hospital', 'with_relative'] as const;

/** A key register entry: a physical key, a key safe (code) or a digital lock (a device command). */
export const KEY_KINDS = ['key', 'key_safe', 'digital_lock'] as const;
export type KeyKind = (typeof KEY_KINDS)[number];
