// The responders feature's calls, typed by the console contract (type-only import: no zod in the
// bundle): the operator's dispatch panel, the responder's phone and the arrival-time chart.

import type {
  AlarmDispatches,
  ArrivalTimes,
  Dispatch,
  JobSheet,
  NewResponderBody,
  ResidentKey,
  Responder,
  ResponderDispatch,
  ResponderFields,
  ResponderStatus,
} from '@trygg/console-contract';
import { request } from '../api/client.ts';

const dispatchPath = (id: string) => `/api/dispatches/${encodeURIComponent(id)}`;

export const responders = {
  forAlarm: (alarmId: string) =>
    request<AlarmDispatches>('GET', `/api/alarms/${encodeURIComponent(alarmId)}/dispatches`),
  dispatch: (alarmId: string, responderId: string, notes: string, keyId: string | null) =>
    request<{ dispatch: Dispatch }>('POST', `/api/alarms/${encodeURIComponent(alarmId)}/dispatches`, {
      responderId,
      notes,
      keyId,
    }),
  keysOf: (residentId: string) =>
    request<{ keys: ResidentKey[] }>('GET', `/api/residents/${encodeURIComponent(residentId)}/keys`),
  me: () => request<{ responder: Responder }>('GET', '/api/responders/me'),
  list: () => request<{ responders: Responder[] }>('GET', '/api/responders'),
  create: (body: NewResponderBody) => request<{ responder: Responder }>('POST', '/api/responders', body),
  update: (id: string, fields: ResponderFields) =>
    request<{ responder: Responder }>('PUT', `/api/responders/${encodeURIComponent(id)}`, fields),
  setStatus: (id: string, status: ResponderStatus) =>
    request<{ responder: Responder }>('PUT', `/api/responders/${encodeURIComponent(id)}/status`, { status }),
  mine: () => request<{ dispatches: Dispatch[] }>('GET', '/api/my/dispatches'),
  view: (id: string) => request<ResponderDispatch>('GET', dispatchPath(id)),
  accept: (id: string) => request<{ dispatch: Dispatch }>('POST', `${dispatchPath(id)}/accept`, {}),
  onTheWay: (id: string, etaMinutes: number) =>
    request<{ dispatch: Dispatch }>('POST', `${dispatchPath(id)}/on-the-way`, { etaMinutes }),
  arrived: (id: string) => request<{ dispatch: Dispatch }>('POST', `${dispatchPath(id)}/arrived`, {}),
  done: (id: string, sheet: JobSheet) => request<{ dispatch: Dispatch }>('POST', `${dispatchPath(id)}/done`, sheet),
  couldNotEnter: (id: string, note: string) =>
    request<{ dispatch: Dispatch }>('POST', `${dispatchPath(id)}/could-not-enter`, { note }),
  myKeys: () => request<{ keys: ResidentKey[] }>('GET', '/api/my/keys'),
  signOutKey: (keyId: string, dispatchId: string) =>
    request<{ key: ResidentKey }>('POST', `/api/keys/${encodeURIComponent(keyId)}/sign-out`, { dispatchId }),
  signInKey: (keyId: string) =>
    request<{ key: ResidentKey }>('POST', `/api/keys/${encodeURIComponent(keyId)}/sign-in`, {}),
  unlock: (id: string) => request<{ opened: true }>('POST', `${dispatchPath(id)}/unlock`, {}),
  arrivalTimes: (hours = 24) => request<ArrivalTimes>('GET', `/api/arrival-times?hours=${hours}`),
};
