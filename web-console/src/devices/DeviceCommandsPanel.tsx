// The protocol's commands from the device page: ping, a new heartbeat interval, and (cameras) a
// snapshot request. Each is sent through the alarm center (audit-logged there) and its answer,
// refusal or silence is listed with how long the device took.

import type { DeviceCommandBody, DeviceCommandReply, DeviceListItem } from '@trygg/console-contract';
import { type FormEvent, useState } from 'react';
import { devices as deviceApi } from '../api/endpoints.ts';
import { errorText } from '../app/errorText.ts';
import { useI18n } from '../i18n/i18n.tsx';

export function DeviceCommandsPanel({ id, deviceType }: { id: string; deviceType: DeviceListItem['deviceType'] }) {
  const { t, locale } = useI18n();
  const [intervalS, setIntervalS] = useState('60');
  const [busy, setBusy] = useState(false);
  const [results, setResults] = useState<DeviceCommandReply[]>([]);
  const [error, setError] = useState<string | null>(null);

  const send = async (body: DeviceCommandBody) => {
    setBusy(true);
    setError(null);
    try {
      const reply = await deviceApi.command(id, body);
      setResults((r) => [reply, ...r].slice(0, 10));
    } catch (err) {
      setError(errorText(err, t));
    } finally {
      setBusy(false);
    }
  };

  const sendInterval = (ev: FormEvent) => {
    ev.preventDefault();
    void send({ type: 'set_heartbeat_interval', intervalS: Number(intervalS) });
  };

  const outcome = (r: DeviceCommandReply) =>
    r.result === 'answered'
      ? t('backoffice.device.command.answered', {
          ms: r.answeredAt ? Date.parse(r.answeredAt) - Date.parse(r.sentAt) : 0,
        })
      : r.result === 'refused'
        ? t('backoffice.device.command.refused', { error: r.error ?? '' })
        : t('backoffice.device.command.timeout');

  return (
    <section className="card" data-testid="device-commands">
      <h3>{t('backoffice.device.commands')}</h3>
      <div className="row">
        <button type="button" data-testid="command-ping" disabled={busy} onClick={() => void send({ type: 'ping' })}>
          {t('backoffice.device.command.ping')}
        </button>
        {deviceType === 'camera' && (
          <button
            type="button"
            data-testid="command-snapshot"
            disabled={busy}
            onClick={() => void send({ type: 'request_snapshot' })}
          >
            {t('backoffice.device.command.snapshot')}
          </button>
        )}
      </div>
      <form className="row" onSubmit={sendInterval}>
        <label>
          {t('backoffice.device.command.interval')}
          <input
            type="number"
            min={5}
            max={86_400}
            required
            data-testid="command-interval"
            value={intervalS}
            onChange={(e) => setIntervalS(e.target.value)}
          />
        </label>
        <button type="submit" data-testid="command-interval-send" disabled={busy}>
          {t('backoffice.device.command.setInterval')}
        </button>
      </form>
      {busy && <p className="sub">{t('backoffice.device.command.waiting')}</p>}
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      {results.length > 0 && (
        <ul className="command-results" aria-live="polite">
          {results.map((r) => (
            <li key={r.commandId} data-testid="command-result" data-type={r.type} data-result={r.result}>
              <span className="mono">{new Date(r.sentAt).toLocaleTimeString(locale)}</span>{' '}
              {t(`backoffice.device.command.type.${r.type}`)}: {outcome(r)}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
