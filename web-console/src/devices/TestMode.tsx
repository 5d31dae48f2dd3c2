// Test mode for a newly provisioned device: while the technician is on site, the device's
// heartbeats appear here as they arrive (polled from the telemetry store every two seconds, so no
// reload is needed), and the technician marks the device installed once they do.

import type { TelemetryPoint } from '@trygg/console-contract';
import { useEffect, useState } from 'react';
import { devices as deviceApi } from '../api/endpoints.ts';
import { useI18n } from '../i18n/i18n.tsx';

const POLL_MS = 2000;

export function TestMode({ id }: { id: string }) {
  const { t, locale } = useI18n();
  const [points, setPoints] = useState<TelemetryPoint[]>([]);

  useEffect(() => {
    let stopped = false;
    const poll = () =>
      deviceApi.telemetry(id, 1).then(
        (r) => {
          if (!stopped) setPoints(r.points);
        },
        // A failed poll is retried on the next tick; the page shows the last known state.
        () => {},
      );
    void poll();
    const timer = setInterval(() => void poll(), POLL_MS);
    return () => {
      stopped = true;
      clearInterval(timer);
    };
  }, [id]);

  const heard = points.length > 0;

  const time = new Intl.DateTimeFormat(locale, { timeStyle: 'medium' });
  const newestFirst = [...points].sort((a, b) => b.at.localeCompare(a.at)).slice(0, 10);
  return (
    <section className="card" data-testid="test-mode" data-heard={heard}>
      <h3>{t('testMode.title')}</h3>
      <p className="sub">{t('testMode.hint')}</p>
      {!heard ? (
        <p className="empty" data-testid="test-mode-waiting">
          {t('testMode.waiting')}
        </p>
      ) : (
        <ol className="history compact">
          {newestFirst.map((p) => (
            <li key={p.at} data-testid="test-mode-heartbeat">
              {t('testMode.heartbeat', {
                time: time.format(new Date(p.at)),
                battery: p.battery === null ? t('testMode.unknown') : t('unit.percent', { n: p.battery }),
                signal: p.signalDbm === null ? t('testMode.unknown') : t('unit.dbm', { n: p.signalDbm }),
              })}
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}
