// The alarm's voice call in the alarm view: it rings while the unit's call waits, and the
// operator who has taken the alarm answers in the browser (WebRTC to the gateway's bridge),
// listens, talks, sets the volume and hangs up. Keys (VOICE_KEYS): s answer, l listen, t talk,
// h hang up, r Ring upp.
// Nothing is recorded unless the municipality's recording policy is on; then the panel says so
// (the resident hears the warning tone). The audio plays only in this view. The holder of a SCAIP alarm can have
// the unit called back ("Ring upp"), also when it never called or after its call ended.

import type { AlarmSummary, User, VoiceCall } from '@trygg/console-contract';
import { useCallback, useEffect, useRef, useState } from 'react';
import { request } from '../api/client.ts';
import { errorText } from '../app/errorText.ts';
import { useI18n } from '../i18n/i18n.tsx';
import { VOICE_KEYS } from '../keyboard/keys.ts';
import { useKeys } from '../keyboard/useKeys.ts';

/** A gateway ends a call whose window passed within its sweep (1 s); silent longer, it is gone. */
const GATEWAY_SILENCE_MS = 10_000;

const callsPath = (alarmId: string) => `/api/alarms/${encodeURIComponent(alarmId)}/calls`;

export function VoiceCallPanel({ alarm, user }: { alarm: AlarmSummary; user: User }) {
  const { t } = useI18n();
  const [call, setCall] = useState<VoiceCall | null>(null);
  const [joined, setJoined] = useState(false);
  /** The alarm center said the call is recorded when this operator joined it. */
  const [recorded, setRecorded] = useState(false);
  const [mode, setMode] = useState<'duplex' | 'listen' | 'speak'>('duplex');
  const [volume, setVolume] = useState(1);
  const [error, setError] = useState<string | null>(null);
  const [now, setNow] = useState(Date.now());
  const audio = useRef<HTMLAudioElement>(null);
  const pc = useRef<RTCPeerConnection | null>(null);
  const holder = alarm.acknowledgedBy === user.username && alarm.status !== 'closed';

  const load = useCallback(async () => {
    try {
      const { calls } = await request<{ calls: VoiceCall[] }>('GET', callsPath(alarm.id));
      setCall(calls[0] ?? null);
    } catch (err) {
      setError(errorText(err, t));
    }
  }, [alarm.id, t]);

  // biome-ignore lint/correctness/useExhaustiveDependencies: updatedAt is the trigger: the stream announced a call step
  useEffect(() => {
    void load();
  }, [load, alarm.updatedAt]);

  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => {
      clearInterval(timer);
      pc.current?.close();
    };
  }, []);

  useEffect(() => {
    if (audio.current) audio.current.volume = volume;
  }, [volume]);

  const answer = async () => {
    if (call?.state !== 'ringing' || !holder || pc.current) return;
    try {
      const stream = await navigator.mediaDevices.getUserMedia({ audio: true });
      const peer = new RTCPeerConnection();
      pc.current = peer;
      for (const track of stream.getTracks()) peer.addTrack(track, stream);
      peer.ontrack = (e) => {
        if (audio.current) {
          audio.current.srcObject = new MediaStream([e.track]);
          void audio.current.play();
        }
      };
      await peer.setLocalDescription(await peer.createOffer());
      await new Promise<void>((resolve) => {
        if (peer.iceGatheringState === 'complete') resolve();
        peer.onicegatheringstatechange = () => peer.iceGatheringState === 'complete' && resolve();
      });
      const { sdp, recording } = await request<{ sdp: string; recording: boolean }>(
        'POST',
        `${callsPath(alarm.id)}/${call.callId}/join`,
        { sdp: peer.localDescription?.sdp },
      );
      await peer.setRemoteDescription({ type: 'answer', sdp });
      setRecorded(recording);
      setJoined(true);
      setError(null);
    } catch (err) {
      pc.current?.close();
      pc.current = null;
      setError(errorText(err, t));
    }
  };

  const [calling, setCalling] = useState(false);
  const callBack = async () => {
    if (!holder || calling) return;
    setCalling(true);
    try {
      await request('POST', `/api/alarms/${encodeURIComponent(alarm.id)}/callback`);
      setError(null);
      await load();
    } catch (err) {
      setError(errorText(err, t));
    } finally {
      setCalling(false);
    }
  };

  const control = async (action: 'hangup' | 'duplex' | 'listen' | 'speak') => {
    // a call-back still being placed can be hung up (cancelled) before anyone joined it
    const placing = call?.state === 'offered' && call.direction === 'receiver-calls-back' && holder;
    if (!call || !(joined || (placing && action === 'hangup'))) return;
    try {
      await request('POST', `${callsPath(alarm.id)}/${call.callId}/control`, { action });
      if (action === 'hangup') {
        pc.current?.close();
        pc.current = null;
        setJoined(false);
      } else setMode(action);
    } catch (err) {
      setError(errorText(err, t));
    }
  };

  // also while the unit's own call is still awaited: the operator need not wait out its minute;
  // and when a call-back's window passed without word from its gateway (it stopped or restarted
  // before saying how it ended), another gateway can ring the unit up
  const silentGateway = call?.state === 'offered' && now > Date.parse(call.deadlineAt) + GATEWAY_SILENCE_MS;
  const callable =
    call === null ||
    call.state === 'ended' ||
    (call.state === 'offered' && call.direction === 'unit-calls') ||
    silentGateway;
  // a SCAIP unit is dialled at its crd; our own MQTT unit is told to call again, once it has shown
  // on this alarm that it has voice (a call of its own) and that call has ended
  const canCallBack = alarm.deviceId.startsWith('scaip-')
    ? holder && callable
    : holder && call !== null && (call.state === 'ended' || silentGateway);

  useKeys(
    VOICE_KEYS,
    (command) => {
      if (command === 'callBack') {
        if (canCallBack) void callBack();
      } else if (command === 'answer') void answer();
      else if (command === 'listen') void control(mode === 'listen' ? 'duplex' : 'listen');
      else if (command === 'talk') void control(mode === 'speak' ? 'duplex' : 'speak');
      else void control('hangup');
    },
    (call !== null && call.state !== 'ended') || canCallBack,
  );
  const ringUp = canCallBack && (
    <button type="button" data-testid="voice-callback" disabled={calling} onClick={() => void callBack()}>
      {t('voice.callBack')}
    </button>
  );
  if (!call) {
    return canCallBack ? (
      <section className="card" data-testid="voice-call" data-state="none">
        <h3>{t('voice.title')}</h3>
        {ringUp}
        {error && <p className="error">{error}</p>}
      </section>
    ) : null;
  }
  const calledBack = call.direction === 'receiver-calls-back';
  const since = call.answeredAt ?? call.ringingAt;
  const seconds = since ? Math.max(0, Math.floor((now - Date.parse(since)) / 1000)) : 0;
  const timer = `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, '0')}`;
  return (
    <section className="card" data-testid="voice-call" data-state={call.state}>
      <h3>{t('voice.title')}</h3>
      <p data-testid="voice-call-status">
        {silentGateway
          ? t('voice.noContact')
          : call.state === 'offered' && calledBack
            ? t('voice.state.callingUnit')
            : t(`voice.state.${call.state}`)}
        {call.state === 'ended' && call.endReason === 'no-voice-contact' && ` – ${t('voice.noContact')}`}
        {call.state !== 'ended' && since && <span className="mono"> {timer}</span>}
        {call.answeredBy && <span className="sub"> {t('voice.answeredBy', { name: call.answeredBy })}</span>}
      </p>
      {call.state !== 'ended' && (recorded || call.recording === 'recording') && (
        <p className="warn" data-testid="voice-recorded">
          {t('voice.recorded')}
        </p>
      )}
      {call.state === 'ringing' && !joined && (
        <button type="button" data-testid="voice-answer" disabled={!holder} onClick={() => void answer()}>
          {t('voice.answer')}
        </button>
      )}
      {call.state === 'ringing' && !holder && <p className="sub">{t('voice.takeFirst')}</p>}
      {call.state === 'offered' && calledBack && holder && !silentGateway && (
        <button type="button" data-testid="voice-cancel-callback" onClick={() => void control('hangup')}>
          {t('voice.cancelCallBack')}
        </button>
      )}
      {ringUp}
      {joined && (
        <div className="actions">
          <button
            type="button"
            data-testid="voice-listen"
            aria-pressed={mode === 'listen'}
            onClick={() => void control(mode === 'listen' ? 'duplex' : 'listen')}
          >
            {t('voice.listen')}
          </button>
          <button
            type="button"
            data-testid="voice-talk"
            aria-pressed={mode === 'speak'}
            onClick={() => void control(mode === 'speak' ? 'duplex' : 'speak')}
          >
            {t('voice.talk')}
          </button>
          <button type="button" data-testid="voice-hangup" onClick={() => void control('hangup')}>
            {t('voice.hangUp')}
          </button>
          <label>
            {t('voice.volume')}
            <input
              type="range"
              min={0}
              max={1}
              step={0.1}
              value={volume}
              onChange={(e) => setVolume(Number(e.target.value))}
            />
          </label>
        </div>
      )}
      {/* biome-ignore lint/a11y/useMediaCaption: a live phone call has no captions */}
      <audio ref={audio} data-testid="voice-audio" />
      {error && <p className="error">{error}</p>}
    </section>
  );
}
