// Turns the server's field issue (a stable code, the field, the limit) into a sentence in the
// console's language that says what to write: the field's own wording when it has one, else the
// code's. An empty field always gets "fill in", whatever rule it broke first.

import { isMessageKey, type MessageKey } from '../i18n/i18n.tsx';
import type { FieldError } from './api.ts';

export type FieldIssue = FieldError;

type Translate = (key: MessageKey, params?: Record<string, string | number>) => string;

/** What to tell the applicant about `field` (a form field's name), given what they typed. */
export function fieldErrorText(t: Translate, field: string, issue: FieldIssue, value: string): string {
  const code = value.trim() === '' ? 'required' : (issue.code ?? 'FIELD_INVALID');
  const params = { limit: issue.limit ?? '' };
  for (const key of [`apply.error.${field}.${code}`, `apply.error.${code}`]) {
    if (isMessageKey(key)) return t(key, params);
  }
  return t('apply.error.FIELD_INVALID', params);
}
