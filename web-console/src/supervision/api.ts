// The night-supervision calls, typed by the console contract's supervision part (type-only
// import): plans and the one-step mode switch, consents, tonight's round, look-ins, closing
// visits, the frame access log and the savings figures.

import type * as contract from '@trygg/console-contract';
import * as vocabulary from '@trygg/console-contract/vocabulary';
import { request } from '../api/client.ts';

export type SupervisionPlan = contract.SupervisionPlan;
export type SupervisionConsent = contract.SupervisionConsent;
export type SupervisionVisit = contract.SupervisionVisit;
export type LookInReply = contract.LookInReply;
export type FrameAccessLogEntry = contract.FrameAccessLogEntry;
export type SupervisionSavings = contract.SupervisionSavings;
export type VisitMode = SupervisionVisit['mode'];
export type VisitStatus = SupervisionVisit['status'];
export type Saving = SupervisionPlan['saving']['perNight'];
export type ConsentParty = SupervisionConsent['party'];
export type ConsentScope = SupervisionConsent['scope'];
export type CloseOutcome = contract.CloseVisitOutcome;

export const VISIT_MODES: readonly VisitMode[] = vocabulary.VISIT_MODES;
export const CONSENT_PARTIES: readonly ConsentParty[] = vocabulary.CONSENT_PARTIES;
export const CONSENT_SCOPES: readonly ConsentScope[] = vocabulary.CONSENT_SCOPES;

export interface PlanInput {
  nightTeam: string;
  cohabitantName: string | null;
  residentCanConsent: boolean;
  visits: { time: string; mode: VisitMode }[];
}

const base = '/api/supervision';
const enc = encodeURIComponent;

function query(params: Record<string, string | null | undefined>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v) q.set(k, v);
  const s = q.toString();
  return s ? `?${s}` : '';
}

export const supervisionApi = {
  plans: () => request<{ plans: SupervisionPlan[] }>('GET', `${base}/plans`),
  plan: (residentId: string) => request<{ plan: SupervisionPlan }>('GET', `${base}/plans/${enc(residentId)}`),
  savePlan: (residentId: string, body: PlanInput) =>
    request<{ plan: SupervisionPlan }>('PUT', `${base}/plans/${enc(residentId)}`, body),
  deletePlan: (residentId: string) => request<void>('DELETE', `${base}/plans/${enc(residentId)}`),
  switchMode: (planVisitId: string, mode: VisitMode) =>
    request<{ plan: SupervisionPlan }>('PUT', `${base}/plan-visits/${enc(planVisitId)}/mode`, { mode }),
  consents: (residentId: string) =>
    request<{ consents: SupervisionConsent[] }>('GET', `${base}/residents/${enc(residentId)}/consents`),
  recordConsent: (residentId: string, body: { party: ConsentParty; partyName: string | null; scope: ConsentScope }) =>
    request<{ consent: SupervisionConsent }>('POST', `${base}/residents/${enc(residentId)}/consents`, body),
  withdrawConsent: (id: string) =>
    request<{ consent: SupervisionConsent; switchedPlanVisits: string[]; switchedVisits: string[] }>(
      'POST',
      `${base}/consents/${enc(id)}/withdraw`,
    ),
  round: (night?: string | null, team?: string | null) =>
    request<{ night: string; teams: string[]; visits: SupervisionVisit[] }>(
      'GET',
      `${base}/round${query({ night, team })}`,
    ),
  doorCode: (visitId: string) =>
    request<{ doorCode: string | null }>('GET', `${base}/visits/${enc(visitId)}/door-code`),
  lookIn: (residentId: string, visitId: string) =>
    request<LookInReply>('POST', `${base}/look-in`, { residentId, visitId }),
  closeVisit: (visitId: string, outcome: CloseOutcome, note?: string) =>
    request<{ visit: SupervisionVisit }>(
      'POST',
      `${base}/visits/${enc(visitId)}/close`,
      note ? { outcome, note } : { outcome },
    ),
  accessLog: (residentId?: string | null) =>
    request<{ entries: FrameAccessLogEntry[] }>('GET', `${base}/access-log${query({ residentId })}`),
  savings: (month?: string | null) => request<SupervisionSavings>('GET', `${base}/savings${query({ month })}`),
};

/** Modes that replace a physical visit: the ones that save time and money. */
export const isDigital = (mode: VisitMode) => mode !== 'physical';

/** The consent rule's refusal, which the server puts in the CONSENT_REQUIRED message. */
export function consentRefusal(
  message: string,
): 'NO_RESIDENT_CONSENT' | 'NO_COHABITANT_CONSENT' | 'RESIDENT_CANNOT_CONSENT' | null {
  const m = /NO_RESIDENT_CONSENT|NO_COHABITANT_CONSENT|RESIDENT_CANNOT_CONSENT/.exec(message);
  return (m?.[0] as ReturnType<typeof consentRefusal>) ?? null;
}
