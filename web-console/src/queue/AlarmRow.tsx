// One queue row. Pure presentation: the age comes from the list's shared clock.

import type { AlarmSummary } from '../../../alarm-center/src/api/schemas.ts';
import { elapsed } from '../app/duration.ts';
import { useI18n } from '../i18n/i18n.tsx';
import { StatusBadge } from './StatusBadge.tsx';

export function AlarmRow({
  alarm,
  now,
  selected,
  fresh,
  canAcknowledge,
  onSelect,
  onOpen,
  onAcknowledge,
}: {
  alarm: AlarmSummary;
  now: number;
  selected: boolean;
  fresh: boolean;
  canAcknowledge: boolean;
  onSelect: () => void;
  onOpen: () => void;
  onAcknowledge: () => void;
}) {
  const { t } = useI18n();
  const classes = ['alarm-row', `prio-${alarm.priority}`, `status-${alarm.status}`];
  if (selected) classes.push('selected');
  if (fresh) classes.push('fresh');
  if (alarm.escalated) classes.push('escalated');
  return (
    <tr
      className={classes.join(' ')}
      data-testid="alarm-row"
      data-alarm-id={alarm.id}
      data-kind={alarm.kind}
      data-status={alarm.status}
      data-escalated={alarm.escalated}
      aria-selected={selected}
      onClick={onSelect}
      onDoubleClick={onOpen}
    >
      <td className="kind">
        <span className={`prio-pill prio-${alarm.priority}`}>{alarm.priority}</span>
        <a
          href={`#/alarm/${encodeURIComponent(alarm.id)}`}
          onClick={(e) => {
            e.stopPropagation();
          }}
        >
          {t(`kind.${alarm.kind}`)}
        </a>
        {alarm.likelyForgottenPassage && <span className="tag tag-passage">{t('alarm.likelyForgottenShort')}</span>}
      </td>
      <td>{alarm.resident?.name ?? t('queue.noResident')}</td>
      <td>{alarm.district}</td>
      <td className="mono">
        {alarm.deviceId}
        <span className="sub">{t(`device.${alarm.deviceType}`)}</span>
      </td>
      <td className="num mono age">{elapsed(now - Date.parse(alarm.openedAt))}</td>
      <td>
        <StatusBadge alarm={alarm} />
      </td>
      <td className="num">{alarm.repeatCount > 0 ? alarm.repeatCount : ''}</td>
      <td className="actions">
        {canAcknowledge && alarm.status === 'new' && (
          <button
            type="button"
            className="primary small"
            data-testid="alarm-ack"
            onClick={(e) => {
              e.stopPropagation();
              onAcknowledge();
            }}
          >
            {t('action.acknowledge')}
          </button>
        )}
      </td>
    </tr>
  );
}
