// Why a login was refused, in words the operator can act on: wrong credentials, wait N seconds
// (counted down by the page), or the centre is not answering. Never a raw code on this page.

import { ApiError } from '../api/client.ts';
import type { MessageKey } from '../i18n/i18n.tsx';

export type LoginRefusal = { kind: 'message'; key: MessageKey } | { kind: 'delayed'; seconds: number };

export function loginRefusal(err: unknown): LoginRefusal {
  if (!(err instanceof ApiError)) return { kind: 'message', key: 'login.failed' };
  if (err.code === 'AUTH_INVALID') return { kind: 'message', key: 'login.invalid' };
  if (err.statusCode === 429) return { kind: 'delayed', seconds: Math.max(1, err.retryAfterS ?? 60) };
  if (err.code === 'AUTH_REQUIRED') return { kind: 'message', key: 'login.expired' };
  // No answer, a proxy's error page, a database outage, an internal error: not the user's doing.
  if (err.statusCode === 0 || err.statusCode >= 500 || err.code === 'BAD_RESPONSE') {
    return { kind: 'message', key: 'login.unavailable' };
  }
  return { kind: 'message', key: 'login.failed' };
}
