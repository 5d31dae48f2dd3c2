// The audit-log export for the data-protection officer: every logged access to personal data
// (resident cards, camera frames, applications, orders) in a time range, as CSV or JSON lines.
// Exporting is itself an access to personal data, so it is logged before the rows are read.

import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type pg from 'pg';
import { z } from 'zod';
import type { Clock } from '../clock.ts';
import { AppError } from '../errors.ts';
import { requireRole } from '../session/auth.ts';
import { AUDIT_EXPORT_CONTENT_TYPE, AUDIT_EXPORT_FORMATS, formatAuditExport } from './export.ts';
import * as audit from './repository.ts';

/** Bounds one response; a longer period is exported in parts. */
export const AUDIT_EXPORT_MAX_ROWS = 100_000;

const exportQuerySchema = z.object({
  /** Inclusive, ISO 8601 with offset, e.g. 2024-03-01T00:00:00+01:00. */
  from: z.iso.datetime({ offset: true }),
  /** Exclusive; defaults to now. */
  to: z.iso.datetime({ offset: true }).optional(),
  format: z.enum(AUDIT_EXPORT_FORMATS).default('csv'),
});

export function auditRoutes(app: FastifyInstance, deps: { pool: pg.Pool; clock: Clock }): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  r.get(
    '/api/audit/export',
    {
      // No dedicated data-protection role exists; supervisors already read the frame access log.
      preHandler: requireRole('supervisor'),
      schema: { tags: ['audit'], querystring: exportQuerySchema },
    },
    async (request, reply) => {
      const { format } = request.query;
      const from = new Date(request.query.from);
      const to = request.query.to ? new Date(request.query.to) : new Date(deps.clock.now());
      if (!(from < to)) throw new AppError('VALIDATION', '`from` must be before `to`');
      await audit.append(deps.pool, {
        actor: request.user!.username,
        action: 'export_audit_log',
        subjectType: 'audit_log',
        subjectId: `${from.toISOString()}/${to.toISOString()}`,
        reason: `format ${format}`,
      });
      const rows = await audit.exportRange(deps.pool, from, to, AUDIT_EXPORT_MAX_ROWS + 1);
      if (rows.length > AUDIT_EXPORT_MAX_ROWS) {
        throw new AppError('VALIDATION', `more than ${AUDIT_EXPORT_MAX_ROWS} entries: export a shorter period`);
      }
      const stamp = (d: Date) => d.toISOString().replaceAll(':', '');
      return reply
        .type(AUDIT_EXPORT_CONTENT_TYPE[format])
        .header('content-disposition', `attachment; filename="audit-${stamp(from)}-${stamp(to)}.${format}"`)
        .header('cache-control', 'no-store')
        .send(formatAuditExport(rows, format));
    },
  );
}
