// One alarm: what happened, the resident card, the device and its recent events, the position or
// camera frame when there is one, the full history, and the actions. It reloads whenever the live
// stream reports a change to this alarm, so two operators never act on a stale view.

import type { AlarmDetail, AlarmSummary, User } from '@trygg/console-contract';
import { useCallback, useEffect, useRef, useState } from 'react';
import { alarms as alarmApi } from '../api/endpoints.ts';
import { elapsed } from '../app/duration.ts';
import { errorText } from '../app/errorText.ts';
import type { Notify } from '../app/notify.ts';
import { mayHandleAlarms } from '../app/roles.ts';
import { navigate } from '../app/route.ts';
import { useNow } from '../app/useNow.ts';
import { useI18n } from '../i18n/i18n.tsx';
import { ALARM_KEYS } from '../keyboard/keys.ts';
import { useKeys } from '../keyboard/useKeys.ts';
import type { LiveQueue } from '../live/useLiveQueue.ts';
import { nextUnacknowledged, visibleQueue } from '../queue/order.ts';
import { StatusBadge } from '../queue/StatusBadge.tsx';
import { DispatchPanel } from '../responders/DispatchPanel.tsx';
import { AlarmActions } from './AlarmActions.tsx';
import { AlarmHistory, DeviceEvents } from './AlarmHistory.tsx';
import { CallRecordings } from './CallRecordings.tsx';
import { CameraFrame } from './CameraFrame.tsx';
import { PositionMap } from './PositionMap.tsx';
import { ResidentCard } from './ResidentCard.tsx';
import { VoiceCallPanel } from './VoiceCallPanel.tsx';

export function AlarmPage({
  id,
  live,
  user,
  notify,
  keysEnabled,
  onBack,
}: {
  id: string;
  live: LiveQueue;
  user: User;
  notify: Notify;
  keysEnabled: boolean;
  onBack: () => void;
}) {
  const { t, locale } = useI18n();
  const now = useNow(1000);
  const [detail, setDetail] = useState<AlarmDetail | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [closing, setClosing] = useState(false);
  const refs = {
    note: useRef<HTMLTextAreaElement>(null),
    responder: useRef<HTMLInputElement>(null),
    outcome: useRef<HTMLSelectElement>(null),
  };
  const canHandle = mayHandleAlarms(user.role);
  const liveVersion = live.queue.alarms.get(id)?.updatedAt;

  const load = useCallback(async () => {
    try {
      setDetail(await alarmApi.detail(id));
      setError(null);
    } catch (err) {
      setError(errorText(err, t));
    }
  }, [id, t]);

  // biome-ignore lint/correctness/useExhaustiveDependencies: liveVersion is the trigger: reload when the stream changes this alarm
  useEffect(() => {
    void load();
  }, [load, liveVersion]);

  useEffect(() => {
    if (closing) refs.outcome.current?.focus();
  }, [closing, refs.outcome]);

  const onChanged = (alarm: AlarmSummary) => {
    live.applyOwn(alarm);
    void load();
  };

  useKeys(
    ALARM_KEYS,
    (command) => {
      const alarm = detail?.alarm;
      switch (command) {
        case 'back':
          onBack();
          break;
        case 'next': {
          const next = nextUnacknowledged(visibleQueue(live.queue.alarms.values(), { district: null, kind: null }));
          if (next) navigate({ page: 'alarm', id: next.id });
          else notify(t('queue.noneUnacknowledged'));
          break;
        }
        case 'acknowledge':
          if (alarm && canHandle && alarm.status === 'new')
            alarmApi.acknowledge(alarm.id).then(
              (r) => {
                onChanged(r.alarm);
                notify(t('notice.acknowledged', { kind: t(`kind.${alarm.kind}`) }));
              },
              (err) => notify(errorText(err, t), 'error'),
            );
          break;
        case 'note':
          refs.note.current?.focus();
          break;
        case 'dispatch':
          refs.responder.current?.focus();
          break;
        case 'close':
          if (alarm && alarm.status !== 'closed') {
            setClosing(true);
            refs.outcome.current?.focus();
          }
          break;
      }
    },
    keysEnabled,
  );

  if (error && !detail)
    return (
      <section className="alarm-page">
        <BackButton onBack={onBack} />
        <p className="error" role="alert">
          {error}
        </p>
      </section>
    );
  if (!detail) return <p className="empty">{t('app.loading')}</p>;

  const { alarm, resident, history, details, recentEvents } = detail;
  const time = new Intl.DateTimeFormat(locale, { dateStyle: 'short', timeStyle: 'medium' });
  return (
    <section className="alarm-page" data-testid="alarm-view" data-alarm-id={alarm.id} data-status={alarm.status}>
      <div className="alarm-head">
        <BackButton onBack={onBack} />
        <h2>
          <span className={`prio-pill prio-${alarm.priority}`}>{alarm.priority}</span>
          {t(`kind.${alarm.kind}`)}
        </h2>
        <StatusBadge alarm={alarm} />
        <span className="mono age">{elapsed(now - Date.parse(alarm.openedAt))}</span>
        <span className="sub">{t('alarm.openedAt', { time: time.format(new Date(alarm.openedAt)) })}</span>
        {alarm.repeatCount > 0 && (
          <span className="tag">
            {alarm.repeatCount === 1 ? t('alarm.repeatedOnce') : t('alarm.repeated', { count: alarm.repeatCount })}
          </span>
        )}
      </div>
      {alarm.likelyForgottenPassage && (
        <p className="forgotten" data-testid="forgotten-passage">
          {t('alarm.likelyForgotten')}
        </p>
      )}
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      <div className="alarm-grid">
        <div className="col">
          <ResidentCard resident={resident} />
          <section className="card">
            <h3>{t('device.title')}</h3>
            <dl>
              <dt>{t('device.id')}</dt>
              <dd className="mono">{alarm.deviceId}</dd>
              <dt>{t('device.type')}</dt>
              <dd>{t(`device.${alarm.deviceType}`)}</dd>
              {details.fault && (
                <>
                  <dt>{t('device.fault')}</dt>
                  <dd>{details.fault}</dd>
                </>
              )}
              {details.doseId && (
                <>
                  <dt>{t('device.dose')}</dt>
                  <dd className="mono">{details.doseId}</dd>
                </>
              )}
              {details.batteryLevel !== undefined && (
                <>
                  <dt>{t('device.battery')}</dt>
                  <dd>{t('unit.percent', { n: details.batteryLevel })}</dd>
                </>
              )}
            </dl>
            <DeviceEvents events={recentEvents} />
          </section>
        </div>
        <div className="col">
          {canHandle && (
            <AlarmActions
              alarm={alarm}
              refs={refs}
              closing={closing}
              setClosing={setClosing}
              onChanged={onChanged}
              onClosed={(a) => {
                live.applyOwn(a);
                navigate({ page: 'queue' });
              }}
              notify={notify}
            />
          )}
          {canHandle && alarm.audience === 'operator' && <DispatchPanel alarm={alarm} notify={notify} />}
          {details.position && (
            <section className="card">
              <h3>{t('map.title')}</h3>
              <PositionMap position={details.position} />
            </section>
          )}
          {details.frame && (
            <section className="card">
              <h3>{t('frame.title')}</h3>
              <CameraFrame frame={details.frame} />
            </section>
          )}
          <VoiceCallPanel alarm={alarm} user={user} />
          <CallRecordings alarm={alarm} user={user} />
          <AlarmHistory history={history} />
        </div>
      </div>
    </section>
  );
}

function BackButton({ onBack }: { onBack: () => void }) {
  const { t } = useI18n();
  return (
    <button type="button" className="ghost" data-testid="alarm-back" onClick={onBack}>
      {t('action.back')}
    </button>
  );
}
