// The grant e-services' calls, typed by the console contract's grant part (type-only import).
// Form submissions keep the server's field-level errors so each message can sit by its field.

import type * as contract from '@trygg/console-contract';
import { ApiError, request } from '../api/client.ts';

export type ApplicationDetail = contract.ApplicationDetail;
export type ApplicationStatus = contract.ApplicationStatus;
export type DecisionView = contract.DecisionView;
export type GrantFigures = contract.GrantFigures;
export type InstallationOrder = contract.InstallationOrder;
export type Applied = contract.ApplicationCreated;
export type ManualQueueItem = contract.ManualQueueItem;

/** One field's problem: `code` (FIELD_FORMAT, FIELD_TOO_BIG, ...) picks the translation. */
export interface FieldError {
  field: string;
  message: string;
  code?: string;
  limit?: number;
}

/** An API error that names the fields that were wrong, with codes a form translates. */
export class FieldErrors extends ApiError {
  readonly issues: FieldError[];
  /** The whole error body, for errors that carry more (APPLICATION_ALREADY_OPEN names the open one). */
  readonly body: unknown;
  constructor(code: string, statusCode: number, message: string, issues: FieldError[], body: unknown = null) {
    super(code, statusCode, message);
    this.issues = issues;
    this.body = body;
  }
}

async function send<T>(method: 'GET' | 'POST' | 'DELETE', path: string, body?: unknown): Promise<T> {
  let res: Response;
  try {
    res = await fetch(path, {
      method,
      credentials: 'same-origin',
      headers: body === undefined ? { accept: 'application/json' } : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (err) {
    throw new ApiError('NETWORK', 0, err instanceof Error ? err.message : String(err));
  }
  if (res.status === 204) return null as T;
  const json = (await res.json().catch(() => null)) as
    | (T & { code?: string; message?: string; fields?: FieldError[]; issues?: FieldError[] })
    | null;
  if (!res.ok) {
    throw new FieldErrors(
      json?.code ?? `HTTP_${res.status}`,
      res.status,
      json?.message ?? res.statusText,
      json?.issues ?? json?.fields ?? [],
      json,
    );
  }
  return json as T;
}

const orderPath = (id: string) => `/api/orders/${encodeURIComponent(id)}`;

export type ApplicationAlreadyOpen = contract.ApplicationAlreadyOpen;
export type SignedInApplicant = { name: string; personalNumber: string };

/** Where the browser goes to sign in with e-legitimation (a full navigation, not a fetch). */
export const SIGN_IN_URL = '/api/public/sign-in';

export const grantsApi = {
  applicant: () => send<{ applicant: SignedInApplicant | null }>('GET', '/api/public/applicant'),
  signOut: () => send<null>('DELETE', '/api/public/applicant'),
  districts: () => send<{ districts: string[] }>('GET', '/api/public/districts'),
  applyPublic: (body: unknown) => send<Applied>('POST', '/api/public/applications', body),
  applyInternal: (body: unknown) => send<Applied>('POST', '/api/applications', body),
  status: (reference: string, token: string) =>
    send<ApplicationStatus>(
      'GET',
      `/api/public/applications/${encodeURIComponent(reference)}?token=${encodeURIComponent(token)}`,
    ),
  manualQueue: () => request<{ applications: ManualQueueItem[] }>('GET', '/api/applications/manual-queue'),
  application: (id: string) => request<ApplicationDetail>('GET', `/api/applications/${encodeURIComponent(id)}`),
  decide: (id: string, body: { decision: 'granted' | 'denied'; feeDecision: string; justification: string }) =>
    send<{ status: string }>('POST', `/api/applications/${encodeURIComponent(id)}/decide`, body),
  figures: () => request<GrantFigures>('GET', '/api/grants/figures'),
  orders: () => request<{ orders: InstallationOrder[] }>('GET', '/api/orders'),
  order: (id: string) => request<{ order: InstallationOrder & { doorCode: string | null } }>('GET', orderPath(id)),
  book: (id: string, visitAt: string) =>
    send<{ order: InstallationOrder }>('POST', `${orderPath(id)}/book`, { visitAt }),
  provision: (id: string, device: { deviceId: string; deviceType: string; serial: string }) =>
    send<{ order: InstallationOrder; deviceId: string; mqttUsername: string; secret: string }>(
      'POST',
      `${orderPath(id)}/provision`,
      device,
    ),
  close: (id: string) => send<{ order: InstallationOrder }>('POST', `${orderPath(id)}/close`),
};
