// The one index of the alarm center's error catalogues, by area prefix: every code a client can
// meet, with its HTTP status and message. A code is unique across areas, so `code` alone names
// its entry and `area.code` (e.g. `grants.ORDER_NOT_YOURS`) is its translation key.

import { APPLICANT_ERRORS } from './applicants/errors.ts';
import { type Catalogue, CatalogueError, ERRORS } from './errors.ts';
import { GRANT_ERRORS } from './grants/errors.ts';
import { INCIDENT_ERRORS } from './incidents/errors.ts';
import { RESPONDER_ERRORS } from './responders/errors.ts';
import { SUPERVISION_ERRORS } from './supervision/errors.ts';
import { VOICE_ERRORS } from './voice/errors.ts';

export const ERROR_CATALOGUES = {
  platform: ERRORS,
  grants: GRANT_ERRORS,
  supervision: SUPERVISION_ERRORS,
  responders: RESPONDER_ERRORS,
  applicants: APPLICANT_ERRORS,
  incidents: INCIDENT_ERRORS,
  voice: VOICE_ERRORS,
} as const satisfies Record<string, Catalogue>;

export type ErrorArea = keyof typeof ERROR_CATALOGUES;

export interface CatalogueEntry {
  area: ErrorArea;
  code: string;
  status: number;
  message: string;
}

const byCode = new Map<string, CatalogueEntry>();
for (const [area, catalogue] of Object.entries(ERROR_CATALOGUES) as [ErrorArea, Catalogue][]) {
  for (const [code, { status, message }] of Object.entries(catalogue)) {
    const taken = byCode.get(code);
    if (taken) throw new Error(`error code ${code} is in both ${taken.area} and ${area}: codes must be unique`);
    byCode.set(code, { area, code, status, message });
  }
}

/** The catalogue entry of a code, whichever area it is in. */
export function catalogueEntry(code: string): CatalogueEntry | undefined {
  return byCode.get(code);
}

/** Whether `err` was thrown from one of the indexed catalogues (its area and code are listed here). */
export function isCatalogued(err: unknown): err is CatalogueError {
  return err instanceof CatalogueError && byCode.get(err.code)?.area === err.area;
}
