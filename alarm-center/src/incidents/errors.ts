// The incidents errors (area 'incidents'): a stable code, a message and an HTTP status each.

import { catalogueError } from '../errors.ts';

export const INCIDENT_ERRORS = {
  INCIDENT_NOT_FOUND: { status: 404, message: 'No such incident' },
} as const;

export class IncidentError extends catalogueError('incidents', 'IncidentError', INCIDENT_ERRORS) {}
