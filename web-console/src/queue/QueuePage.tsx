// The live alarm queue: most urgent first, ages counting up from one shared ticker, filters by
// district and kind, and keyboard control (j/k, Enter, a, g).

import type { AlarmSummary, User } from '@trygg/console-contract';
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { alarms as alarmApi } from '../api/endpoints.ts';
import { KINDS } from '../api/enums.ts';
import { errorText } from '../app/errorText.ts';
import type { Notify } from '../app/notify.ts';
import { mayHandleAlarms } from '../app/roles.ts';
import { navigate } from '../app/route.ts';
import { useNow } from '../app/useNow.ts';
import { useI18n } from '../i18n/i18n.tsx';
import { QUEUE_KEYS } from '../keyboard/keys.ts';
import { useKeys } from '../keyboard/useKeys.ts';
import type { LiveQueue } from '../live/useLiveQueue.ts';
import { IncidentRows } from '../nightshift/IncidentRows.tsx';
import { useAnswerTargets } from '../nightshift/targets.ts';
import { AlarmRow } from './AlarmRow.tsx';
import { districtsOf, nextUnacknowledged, type QueueFilter, visibleQueue } from './order.ts';

/** How long a newly arrived (or re-alerted) alarm stays highlighted. */
const HIGHLIGHT_MS = 15_000;

export function QueuePage({
  live,
  user,
  selectedId,
  onSelect,
  notify,
  keysEnabled,
}: {
  live: LiveQueue;
  user: User;
  selectedId: string | null;
  onSelect: (id: string | null) => void;
  notify: Notify;
  keysEnabled: boolean;
}) {
  const { t } = useI18n();
  const now = useNow(1000);
  const [filter, setFilter] = useState<QueueFilter>({ district: null, kind: null });
  const all = live.queue.alarms;
  const list = useMemo(() => visibleQueue(all.values(), filter), [all, filter]);
  const districts = useMemo(() => districtsOf(all.values()), [all]);
  const canHandle = mayHandleAlarms(user.role);
  const targets = useAnswerTargets();
  const tableRef = useRef<HTMLTableSectionElement>(null);

  const selectedIndex = list.findIndex((a) => a.id === selectedId);

  // Keep the selected row in view when moving with the keyboard.
  useEffect(() => {
    if (!selectedId) return;
    const row = tableRef.current?.querySelector<HTMLElement>(`[data-alarm-id="${CSS.escape(selectedId)}"]`);
    row?.scrollIntoView({ block: 'nearest' });
  }, [selectedId]);

  const acknowledge = async (alarm: AlarmSummary) => {
    try {
      const { alarm: updated } = await alarmApi.acknowledge(alarm.id);
      live.applyOwn(updated);
      notify(t('notice.acknowledged', { kind: t(`kind.${alarm.kind}`) }));
    } catch (err) {
      notify(errorText(err, t), 'error');
    }
  };

  // Stable handlers, so memoised rows are not re-rendered by a new closure on every update.
  const latest = useRef({ onSelect, acknowledge });
  latest.current = { onSelect, acknowledge };
  const selectRow = useCallback((id: string) => latest.current.onSelect(id), []);
  const openRow = useCallback((id: string) => navigate({ page: 'alarm', id }), []);
  const acknowledgeRow = useCallback((alarm: AlarmSummary) => void latest.current.acknowledge(alarm), []);

  useKeys(
    QUEUE_KEYS,
    (command) => {
      const current = list[selectedIndex];
      switch (command) {
        case 'down':
          onSelect(list[Math.min(list.length - 1, selectedIndex + 1)]?.id ?? null);
          break;
        case 'up':
          onSelect(list[Math.max(0, selectedIndex - 1)]?.id ?? null);
          break;
        case 'open':
          if (current) navigate({ page: 'alarm', id: current.id });
          break;
        case 'acknowledge':
          if (current && canHandle && current.status === 'new') void acknowledge(current);
          break;
        case 'next': {
          const next = nextUnacknowledged(list);
          if (next) onSelect(next.id);
          else notify(t('queue.noneUnacknowledged'));
          break;
        }
      }
    },
    keysEnabled,
  );

  return (
    <section className="queue">
      <div className="queue-tools">
        <h2>{t('queue.title', { count: list.length })}</h2>
        <label>
          {t('queue.filterDistrict')}
          <select
            data-testid="filter-district"
            value={filter.district ?? ''}
            onChange={(e) => setFilter({ ...filter, district: e.target.value || null })}
          >
            <option value="">{t('queue.allDistricts')}</option>
            {districts.map((d) => (
              <option key={d} value={d}>
                {d}
              </option>
            ))}
          </select>
        </label>
        <label>
          {t('queue.filterKind')}
          <select
            data-testid="filter-kind"
            value={filter.kind ?? ''}
            onChange={(e) => setFilter({ ...filter, kind: (e.target.value || null) as QueueFilter['kind'] })}
          >
            <option value="">{t('queue.allKinds')}</option>
            {KINDS.map((k) => (
              <option key={k} value={k}>
                {t(`kind.${k}`)}
              </option>
            ))}
          </select>
        </label>
        <span className="hint">{t('queue.keysHint')}</span>
      </div>
      <IncidentRows alarms={all} />
      {list.length === 0 ? (
        <p className="empty" data-testid="queue-empty">
          {live.queue.synced ? t('queue.empty') : t('queue.waiting')}
        </p>
      ) : (
        <table className="alarms">
          <thead>
            <tr>
              <th>{t('queue.col.kind')}</th>
              <th>{t('queue.col.resident')}</th>
              <th>{t('queue.col.district')}</th>
              <th>{t('queue.col.device')}</th>
              <th className="num">{t('queue.col.age')}</th>
              <th className="num">{t('nightshift.col.answer')}</th>
              <th>{t('queue.col.status')}</th>
              <th className="num">{t('queue.col.repeats')}</th>
              <th>
                <span className="sr-only">{t('queue.col.actions')}</span>
              </th>
            </tr>
          </thead>
          <tbody ref={tableRef}>
            {list.map((a) => (
              <AlarmRow
                key={a.id}
                alarm={a}
                selected={a.id === selectedId}
                fresh={now - (live.queue.alertedAt.get(a.id) ?? 0) < HIGHLIGHT_MS}
                canAcknowledge={canHandle}
                onSelect={selectRow}
                onOpen={openRow}
                onAcknowledge={acknowledgeRow}
                targets={targets}
              />
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
