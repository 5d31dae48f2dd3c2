// Mass outages at the top of the queue: one line per open incident (how many, where, since when)
// instead of hundreds of "connection lost" rows; the incident page has the list.

import type { AlarmSummary } from '@trygg/console-contract';
import { useMemo } from 'react';
import { hrefOf } from '../app/route.ts';
import { useI18n } from '../i18n/i18n.tsx';
import { incidentRows } from './grouping.ts';

export function IncidentRows({ alarms }: { alarms: ReadonlyMap<string, AlarmSummary> }) {
  const { t, locale } = useI18n();
  const rows = useMemo(() => incidentRows(alarms.values()), [alarms]);
  if (rows.length === 0) return null;
  return (
    <ul className="incident-rows" aria-label={t('nightshift.incidents')}>
      {rows.map((r) => (
        <li key={r.incidentId} className="incident-row" data-testid="incident-row" data-units={r.units}>
          <a href={hrefOf({ page: 'incident', id: r.incidentId })}>
            <strong>{t('nightshift.incidentTitle', { units: r.units })}</strong>{' '}
            {t('nightshift.incidentWhere', {
              where: r.districts.join(', '),
              since: new Date(r.since).toLocaleTimeString(locale),
            })}
          </a>
        </li>
      ))}
    </ul>
  );
}
