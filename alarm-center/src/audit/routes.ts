// The audit-log export for the data-protection officer: every logged access to personal data
// (resident cards, camera frames, applications, orders) in a time range, as CSV or JSON lines.
// Exporting is itself an access to personal data, so it is logged before the rows are read.

import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { requireRole } from '../session/auth.ts';
import { AUDIT_EXPORT_CONTENT_TYPE, AUDIT_EXPORT_FORMATS, formatAuditExport } from './export.ts';
import type { AuditLog } from './service.ts';

const exportQuerySchema = z.object({
  /** Inclusive, ISO 8601 with offset, e.g. 2024-03-01T00:00:00+01:00. */
  from: z.iso.datetime({ offset: true }),
  /** Exclusive; defaults to now. */
  to: z.iso.datetime({ offset: true }).optional(),
  format: z.enum(AUDIT_EXPORT_FORMATS).default('csv'),
});

export const auditPlugin: FastifyPluginAsync<{ audit: AuditLog }> = async (app, { audit }) => {
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
      const { from, to, rows } = await audit.export(
        request.user!.username,
        new Date(request.query.from),
        request.query.to ? new Date(request.query.to) : null,
        format,
      );
      const stamp = (d: Date) => d.toISOString().replaceAll(':', '');
      return reply
        .type(AUDIT_EXPORT_CONTENT_TYPE[format])
        .header('content-disposition', `attachment; filename="audit-${stamp(from)}-${stamp(to)}.${format}"`)
        .header('cache-control', 'no-store')
        .send(formatAuditExport(rows, format));
    },
  );
};
