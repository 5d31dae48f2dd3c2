// The one formatter of validation errors: a summary message, and per field what is wrong in
// English (`fields`, as forms have shown it) and as a stable code a console translates (`issues`).

import type { FastifyError } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { ERRORS } from '../errors.ts';

/** A field name and what is wrong with it, for forms to show next to the field. */
export interface FieldError {
  field: string;
  message: string;
}

/** The same, with a stable code for translation (see FIELD_ERROR_CODES). */
export interface FieldIssue extends FieldError {
  code: FieldErrorCode;
  /** The length or size a FIELD_TOO_SMALL / FIELD_TOO_BIG was measured against. */
  limit?: number;
}

/** zod's issue kinds, as the codes a console translates; a refinement's own rule is INVALID. */
const FIELD_ERROR_CODES = {
  invalid_type: 'FIELD_TYPE',
  too_small: 'FIELD_TOO_SMALL',
  too_big: 'FIELD_TOO_BIG',
  invalid_format: 'FIELD_FORMAT',
  invalid_value: 'FIELD_NOT_ALLOWED',
  unrecognized_keys: 'FIELD_UNKNOWN',
  not_multiple_of: 'FIELD_INVALID',
  invalid_union: 'FIELD_INVALID',
  invalid_key: 'FIELD_INVALID',
  invalid_element: 'FIELD_INVALID',
  custom: 'FIELD_INVALID',
} as const;

/** Codes a refinement may name (`params: { fieldCode }`) when FIELD_INVALID says too little. */
export const REFINEMENT_CODES = [
  'FIELD_FORMAT',
  'FIELD_DATE',
  'FIELD_CHECK_DIGIT',
  'FIELD_CONTROL_CHARACTER',
  'FIELD_UNKNOWN_DISTRICT',
] as const;

export type FieldErrorCode =
  | (typeof FIELD_ERROR_CODES)[keyof typeof FIELD_ERROR_CODES]
  | (typeof REFINEMENT_CODES)[number];

interface IssueParams {
  params?: { fieldCode?: unknown };
  minimum?: unknown;
  maximum?: unknown;
}

function fieldCode(keyword: string, params: IssueParams): FieldErrorCode {
  const named = params.params?.fieldCode;
  if (keyword === 'custom' && REFINEMENT_CODES.includes(named as never)) return named as FieldErrorCode;
  return (FIELD_ERROR_CODES as Record<string, FieldErrorCode>)[keyword] ?? 'FIELD_INVALID';
}

function limitOf(params: IssueParams): number | undefined {
  const limit = Number(params.minimum ?? params.maximum);
  return Number.isFinite(limit) ? limit : undefined;
}

/** The 400 body of a request the schema refused; null when `err` is not a schema validation error. */
export function validationErrorBody(err: FastifyError) {
  if (!hasZodFastifySchemaValidationErrors(err)) return null;
  const issues: FieldIssue[] = err.validation.map((v) => {
    const params = (v.params ?? {}) as IssueParams;
    const limit = limitOf(params);
    return {
      field: v.instancePath.replace(/^\//, '').replaceAll('/', '.') || err.validationContext || 'body',
      message: v.message ?? 'invalid',
      code: fieldCode(v.keyword, params),
      ...(limit === undefined ? {} : { limit }),
    };
  });
  const summary = issues.map((f) => `${f.field}: ${f.message}`).join('; ');
  return {
    code: 'VALIDATION' as const,
    message: `${ERRORS.VALIDATION.message}: ${summary}`.slice(0, 1000),
    statusCode: 400,
    fields: issues.map(({ field, message }): FieldError => ({ field, message })),
    issues,
  };
}

/**
 * A field refused by a rule the schema cannot know (e.g. a district not on the municipality's
 * list): answered with the same 400 body as a schema's refusal, so forms show it by its field.
 */
export class FieldRefusal extends Error {
  constructor(readonly issues: FieldIssue[]) {
    super(issues.map((i) => `${i.field}: ${i.message}`).join('; '));
  }

  body() {
    return {
      code: 'VALIDATION' as const,
      message: `${ERRORS.VALIDATION.message}: ${this.message}`.slice(0, 1000),
      statusCode: 400,
      fields: this.issues.map(({ field, message }): FieldError => ({ field, message })),
      issues: this.issues,
    };
  }
}
