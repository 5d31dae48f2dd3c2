// Turns an API error into text for the operator: the server's stable code picks a translation;
// an unknown code still shows the code so support can match it in the logs.

import { ApiError } from '../api/client.ts';
import { isMessageKey, type MessageKey } from '../i18n/i18n.tsx';

export function errorText(
  err: unknown,
  t: (key: MessageKey, params?: Record<string, string | number>) => string,
): string {
  const code = err instanceof ApiError ? err.code : 'UNKNOWN';
  const key = `error.${code}`;
  return isMessageKey(key) ? t(key) : t('error.unknown', { code });
}
