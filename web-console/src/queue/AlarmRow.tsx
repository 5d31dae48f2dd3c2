// One queue row. Pure presentation, memoised: a row re-renders only when its alarm, selection or
// highlight changes; its age cell follows the shared one-second clock on its own, so 1,000 open
// alarms do not mean 1,000 row renders a second or on every live update.

import type { AlarmSummary, AnswerTarget } from '@trygg/console-contract';
import { memo } from 'react';
import { elapsed } from '../app/duration.ts';
import { useSecond } from '../app/useNow.ts';
import { useI18n } from '../i18n/i18n.tsx';
import { AnswerCountdown } from '../nightshift/AnswerCountdown.tsx';
import { StatusBadge } from './StatusBadge.tsx';

function Age({ since }: { since: number }) {
  const now = useSecond();
  return <>{elapsed(now - since)}</>;
}

export const AlarmRow = memo(function AlarmRow({
  alarm,
  selected,
  fresh,
  canAcknowledge,
  onSelect,
  onOpen,
  onAcknowledge,
  targets,
}: {
  alarm: AlarmSummary;
  /** The answer-time targets: one shared array, so rows stay memoised. */
  targets: readonly AnswerTarget[];
  selected: boolean;
  fresh: boolean;
  canAcknowledge: boolean;
  onSelect: (id: string) => void;
  onOpen: (id: string) => void;
  onAcknowledge: (alarm: AlarmSummary) => void;
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
      onClick={() => onSelect(alarm.id)}
      onDoubleClick={() => onOpen(alarm.id)}
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
        {alarm.repeatCount > 0 && (
          <span className="tag tag-pressed" data-testid="pressed" data-presses={alarm.repeatCount + 1}>
            {t(alarm.kind === 'manual' ? 'nightshift.pressedTimes' : 'nightshift.repeatedTimes', {
              count: alarm.repeatCount + 1,
            })}
          </span>
        )}
        {alarm.followsAlarmId && (
          <span className="tag tag-follows" data-testid="follows">
            {t('nightshift.follows', { id: alarm.followsAlarmId })}
          </span>
        )}
      </td>
      <td>{alarm.resident?.name ?? t('queue.noResident')}</td>
      <td>{alarm.district}</td>
      <td className="mono">
        {alarm.deviceId}
        <span className="sub">{t(`device.${alarm.deviceType}`)}</span>
      </td>
      <td className="num mono age">
        <Age since={Date.parse(alarm.openedAt)} />
      </td>
      <td className="num mono">
        <AnswerCountdown alarm={alarm} targets={targets} />
      </td>
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
              onAcknowledge(alarm);
            }}
          >
            {t('action.acknowledge')}
          </button>
        )}
      </td>
    </tr>
  );
});
