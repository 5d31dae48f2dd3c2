// How supervision errors and figures read: the server's stable code picks a supervision
// translation where one exists (a refused switch names the missing consent), else the
// console's general error text.

import { ApiError } from '../api/client.ts';
import { errorText } from '../app/errorText.ts';
import { isMessageKey, type MessageKey } from '../i18n/i18n.tsx';
import { consentRefusal } from './api.ts';

type Translator = (key: MessageKey, params?: Record<string, string | number>) => string;

export function supervisionErrorText(err: unknown, t: Translator): string {
  if (err instanceof ApiError) {
    const refusal = err.code === 'CONSENT_REQUIRED' ? consentRefusal(err.message) : null;
    const key = `supervision.error.${refusal ?? err.code}`;
    if (isMessageKey(key)) return t(key);
  }
  return errorText(err, t);
}

/** Kronor and minutes with the locale's digit grouping. */
export function formatNumber(n: number, locale: string): string {
  return new Intl.NumberFormat(locale).format(n);
}
