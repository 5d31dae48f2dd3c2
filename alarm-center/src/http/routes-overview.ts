// The supervisors' overview: open alarms by kind and district, time to acknowledge today,
// escalations, the false-alarm share per district (e.g. forgotten passage button) and devices
// that are offline.

import { overviewSchema } from '@trygg/console-contract';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type pg from 'pg';
import type { Clock } from '../clock.ts';
import { requireRole } from './auth.ts';

export function overviewRoutes(app: FastifyInstance, deps: { pool: pg.Pool; clock: Clock }) {
  app
    .withTypeProvider<ZodTypeProvider>()
    .get(
      '/api/overview',
      { preHandler: requireRole('supervisor'), schema: { tags: ['overview'], response: { 200: overviewSchema } } },
      async () => {
        const now = new Date(deps.clock.now());
        const dayStart = new Date(now);
        dayStart.setHours(0, 0, 0, 0);
        const q = <T extends pg.QueryResultRow>(sql: string, params: unknown[] = []) =>
          deps.pool.query<T>(sql, params).then((r) => r.rows);
        const [byKind, byDistrict, ack, escalations, falseShare, offline] = await Promise.all([
          q<{ kind: string; n: number }>(
            `SELECT kind, count(*)::int AS n FROM alarms WHERE status <> 'closed' GROUP BY kind`,
          ),
          q<{ district: string; n: number }>(
            `SELECT district, count(*)::int AS n FROM alarms WHERE status <> 'closed' GROUP BY district`,
          ),
          q<{ p50: number | null; p90: number | null }>(
            `SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY ms) AS p50, percentile_cont(0.9) WITHIN GROUP (ORDER BY ms) AS p90
           FROM (SELECT extract(epoch FROM acknowledged_at - opened_at) * 1000 AS ms FROM alarms
                 WHERE acknowledged_at >= $1) t`,
            [dayStart],
          ),
          q<{ n: number }>(`SELECT count(*)::int AS n FROM alarms WHERE escalated_at >= $1`, [dayStart]),
          q<{ district: string; share: number }>(
            `SELECT district, avg(CASE WHEN outcome IN ('false_alarm', 'forgotten_passage') THEN 1.0 ELSE 0.0 END)::float AS share
           FROM alarms WHERE status = 'closed' AND audience = 'operator' AND closed_at >= $1::timestamptz - interval '30 days'
           GROUP BY district`,
            [now],
          ),
          q<{ n: number }>(
            `SELECT count(*)::int AS n FROM devices WHERE status <> 'retired'
             AND (last_seen_at IS NULL OR last_seen_at < $1::timestamptz - make_interval(secs => heartbeat_interval_s * 3))`,
            [now],
          ),
        ]);
        return {
          openByKind: Object.fromEntries(byKind.map((r) => [r.kind, r.n])),
          openByDistrict: Object.fromEntries(byDistrict.map((r) => [r.district, r.n])),
          ackP50Ms: ack[0]?.p50 ?? null,
          ackP90Ms: ack[0]?.p90 ?? null,
          escalationsToday: escalations[0]?.n ?? 0,
          falseAlarmShareByDistrict: Object.fromEntries(
            falseShare.map((r) => [r.district, Number(r.share.toFixed(3))]),
          ),
          devicesOffline: offline[0]?.n ?? 0,
        };
      },
    );
}
