// Status with escalation, as text plus colour (never colour alone).

import type { AlarmSummary } from '@trygg/console-contract';
import { useStaffName } from '../app/staff.ts';
import { useI18n } from '../i18n/i18n.tsx';

export function StatusBadge({ alarm }: { alarm: AlarmSummary }) {
  const { t } = useI18n();
  const nameOf = useStaffName();
  return (
    <span className="status-cell">
      <span className={`badge badge-${alarm.status}`}>{t(`status.${alarm.status}`)}</span>
      {alarm.escalated && <span className="badge badge-escalated">{t('status.escalated')}</span>}
      {alarm.acknowledgedBy && alarm.status !== 'new' && (
        <span className="sub">{t('status.by', { name: nameOf(alarm.acknowledgedBy) })}</span>
      )}
    </span>
  );
}
