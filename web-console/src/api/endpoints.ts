// One function per alarm-center route the console uses, typed by the console contract
// (type-only import: no zod reaches the browser bundle).

import type {
  AlarmDetail,
  AlarmSummary,
  AnswerTarget,
  AnswerTimes,
  ClosedSearch,
  DeviceCommandBody,
  DeviceCommandReply,
  DeviceListItem,
  DeviceRegistered,
  Handover,
  IncidentDetail,
  IncidentSummary,
  Overview,
  TelemetryPoint,
  User,
} from '@trygg/console-contract';
import { request } from './client.ts';

export type Outcome = NonNullable<AlarmSummary['outcome']>;

export const session = {
  current: () => request<{ user: User }>('GET', '/api/session'),
  login: (username: string, password: string) =>
    request<{ user: User }>('POST', '/api/session', { username, password }),
  logout: () => request<void>('DELETE', '/api/session'),
  /** A supervisor lifts the login delays failed guesses put on an account. */
  liftDelay: (username: string) =>
    request<{ lifted: boolean }>('DELETE', `/api/login-delays/${encodeURIComponent(username)}`),
};

const alarmPath = (id: string) => `/api/alarms/${encodeURIComponent(id)}`;

export const alarms = {
  detail: (id: string) => request<AlarmDetail>('GET', alarmPath(id)),
  acknowledge: (id: string) => request<{ alarm: AlarmSummary }>('POST', `${alarmPath(id)}/acknowledge`),
  note: (id: string, text: string) => request<{ alarm: AlarmSummary }>('POST', `${alarmPath(id)}/notes`, { text }),
  dispatch: (id: string, responder: string) =>
    request<{ alarm: AlarmSummary }>('POST', `${alarmPath(id)}/dispatch`, { responder }),
  close: (id: string, outcome: Outcome, note?: string) =>
    request<{ alarm: AlarmSummary }>('POST', `${alarmPath(id)}/close`, note ? { outcome, note } : { outcome }),
};

const devicePath = (id: string) => `/api/devices/${encodeURIComponent(id)}`;

export const devices = {
  list: () => request<{ devices: DeviceListItem[] }>('GET', '/api/devices'),
  telemetry: (id: string, hours = 24) =>
    request<{ points: TelemetryPoint[] }>('GET', `${devicePath(id)}/telemetry?hours=${hours}`),
  register: (body: {
    deviceId: string;
    deviceType: string;
    serial: string;
    residentId: string | null;
    district: string;
  }) => request<DeviceRegistered>('POST', '/api/devices', body),
  installed: (id: string) => request<unknown>('POST', `${devicePath(id)}/installed`),
  /** One of the protocol's commands; the reply says whether and when the device answered. */
  command: (id: string, body: DeviceCommandBody) =>
    request<DeviceCommandReply>('POST', `${devicePath(id)}/commands`, body),
  /** The device's alarms, open and closed (the page keeps the technical ones). */
  alarms: (id: string) =>
    request<{ alarms: AlarmSummary[] }>('GET', `/api/alarms?status=all&deviceId=${encodeURIComponent(id)}`),
};

export const overview = {
  get: () => request<Overview>('GET', '/api/overview'),
};

// ---- the night shift (issue 18) ----

export const nightShift = {
  answerTargets: () => request<{ targets: AnswerTarget[] }>('GET', '/api/answer-targets'),
  answerTimes: (hours = 24) => request<AnswerTimes>('GET', `/api/overview/answer-times?hours=${hours}`),
  handover: () => request<Handover>('GET', '/api/handover'),
  /** Closed alarms; `query` holds only the filters that are set. */
  closed: (query: Record<string, string>) =>
    request<ClosedSearch>('GET', `/api/alarms/closed?${new URLSearchParams(query).toString()}`),
  incidents: (status: 'open' | 'closed' | 'all' = 'open') =>
    request<{ incidents: IncidentSummary[] }>('GET', `/api/incidents?status=${status}`),
  incident: (id: string) => request<IncidentDetail>('GET', `/api/incidents/${encodeURIComponent(id)}`),
};
