// The alarm's recorded calls, for supervisors, when the municipality's recording policy is on:
// each plays in an <audio> element only after a reason is given; the alarm center logs every
// playback (who, which call, which resident, why) before it sends the audio.

import type { AlarmSummary, User, VoiceCall } from '@trygg/console-contract';
import { useEffect, useState } from 'react';
import { request } from '../api/client.ts';
import { useI18n } from '../i18n/i18n.tsx';

export function CallRecordings({ alarm, user }: { alarm: AlarmSummary; user: User }) {
  const { t } = useI18n();
  const [calls, setCalls] = useState<VoiceCall[]>([]);
  const supervisor = user.role === 'supervisor';

  // biome-ignore lint/correctness/useExhaustiveDependencies: updatedAt is the trigger: a call ended and was stored
  useEffect(() => {
    if (!supervisor) return;
    request<{ calls: VoiceCall[] }>('GET', `/api/alarms/${encodeURIComponent(alarm.id)}/calls`)
      .then(({ calls: list }) => setCalls(list.filter((c) => c.recording === 'stored')))
      .catch(() => setCalls([]));
  }, [alarm.id, alarm.updatedAt, supervisor]);

  if (!supervisor || calls.length === 0) return null;
  return (
    <section className="card" data-testid="call-recordings">
      <h3>{t('voice.recordings.title')}</h3>
      {calls.map((call) => (
        <Recording key={call.callId} alarmId={alarm.id} call={call} />
      ))}
    </section>
  );
}

function Recording({ alarmId, call }: { alarmId: string; call: VoiceCall }) {
  const { t } = useI18n();
  const [reason, setReason] = useState('');
  const [src, setSrc] = useState<string | null>(null);
  const path = `/api/alarms/${encodeURIComponent(alarmId)}/calls/${encodeURIComponent(call.callId)}/recording`;
  return (
    <form
      className="field"
      data-testid="call-recording"
      onSubmit={(e) => {
        e.preventDefault();
        if (reason.trim().length >= 3) setSrc(`${path}?reason=${encodeURIComponent(reason.trim())}`);
      }}
    >
      <span>{t('voice.recordings.call', { time: new Date(call.answeredAt ?? call.offeredAt).toLocaleString() })}</span>
      <label>
        {t('voice.recordings.reason')}
        <input
          data-testid="call-recording-reason"
          required
          minLength={3}
          maxLength={500}
          value={reason}
          onChange={(e) => setReason(e.target.value)}
        />
      </label>
      <button type="submit" data-testid="call-recording-play">
        {t('voice.recordings.play')}
      </button>
      {/* biome-ignore lint/a11y/useMediaCaption: a recorded phone call has no captions */}
      {src && <audio controls autoPlay src={src} data-testid="call-recording-audio" />}
    </form>
  );
}
