// One device for the technician: battery and signal over the last 24 hours, and marking a new
// installation as done once it is online and tested.

import type { DeviceListItem, TelemetryPoint } from '@trygg/console-contract';
import { useEffect, useState } from 'react';
import { devices as deviceApi } from '../api/endpoints.ts';
import { errorText } from '../app/errorText.ts';
import type { Notify } from '../app/notify.ts';
import { hrefOf } from '../app/route.ts';
import { type MessageKey, useI18n } from '../i18n/i18n.tsx';
import { polyline, type Series } from './chart.ts';
import { TestMode } from './TestMode.tsx';

const HOURS = 24;
/** The page follows the device: status, last heartbeat and charts are read again this often. */
const REFRESH_MS = 5_000;

export function DevicePage({ id, notify }: { id: string; notify: Notify }) {
  const { t } = useI18n();
  const [device, setDevice] = useState<DeviceListItem | null>(null);
  const [points, setPoints] = useState<TelemetryPoint[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [loadedAt, setLoadedAt] = useState(() => Date.now());

  useEffect(() => {
    const load = () => {
      deviceApi.list().then(
        (r) => {
          setDevice(r.devices.find((d) => d.deviceId === id) ?? null);
          setError(null);
        },
        (err) => setError(errorText(err, t)),
      );
      deviceApi.telemetry(id, HOURS).then(
        (r) => {
          setPoints(r.points);
          setLoadedAt(Date.now());
        },
        (err) => setError(errorText(err, t)),
      );
    };
    load();
    const timer = setInterval(load, REFRESH_MS);
    return () => clearInterval(timer);
  }, [id, t]);

  const markInstalled = async () => {
    try {
      await deviceApi.installed(id);
      setDevice((d) => (d ? { ...d, status: 'installed' } : d));
      notify(t('device.installedDone'));
    } catch (err) {
      notify(errorText(err, t), 'error');
    }
  };

  const from = loadedAt - HOURS * 3_600_000;
  const series = (pick: (p: TelemetryPoint) => number | null): Series[] =>
    (points ?? []).flatMap((p) => {
      const v = pick(p);
      return v === null ? [] : [{ at: Date.parse(p.at), value: v }];
    });

  return (
    <section className="device-page" data-testid="device-page" data-status={device?.status}>
      <div className="alarm-head">
        <a className="button ghost" href={hrefOf({ page: 'devices' })}>
          {t('action.back')}
        </a>
        <h2 className="mono">{id}</h2>
        {device && (
          <span className={`badge ${device.online ? 'badge-ok' : 'badge-new'}`}>
            {device.online ? t('devices.online') : t('devices.offline')}
          </span>
        )}
        <span className="spacer" />
        <button type="button" className="primary" data-testid="device-installed" onClick={() => void markInstalled()}>
          {t('device.markInstalled')}
        </button>
      </div>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      {device && (
        <p className="sub">
          {t('device.summary', {
            type: t(`device.${device.deviceType}`),
            serial: device.serial,
            resident: device.resident?.name ?? t('devices.unassigned'),
            district: device.district,
          })}
        </p>
      )}
      {device?.status === 'provisioned' && <TestMode id={id} />}
      {points === null && !error ? (
        <p className="empty">{t('app.loading')}</p>
      ) : (
        <div className="alarm-grid">
          <Chart
            titleKey="telemetry.battery"
            series={series((p) => p.battery)}
            from={from}
            to={loadedAt}
            min={0}
            max={100}
          />
          <Chart
            titleKey="telemetry.signal"
            series={series((p) => p.signalDbm)}
            from={from}
            to={loadedAt}
            min={-120}
            max={-30}
          />
        </div>
      )}
    </section>
  );
}

function Chart({
  titleKey,
  series,
  from,
  to,
  min,
  max,
}: {
  titleKey: MessageKey;
  series: Series[];
  from: number;
  to: number;
  min: number;
  max: number;
}) {
  const { t } = useI18n();
  const W = 400;
  const H = 120;
  const last = series.at(-1);
  return (
    <section className="card">
      <h3>{t(titleKey)}</h3>
      {series.length === 0 ? (
        <p className="empty">{t('telemetry.none')}</p>
      ) : (
        <figure className="chart">
          <svg viewBox={`0 0 ${W} ${H}`} role="img" aria-label={t(titleKey)}>
            <rect width={W} height={H} className="map-bg" />
            <polyline points={polyline(series, from, to, min, max, W, H)} className="chart-line" />
          </svg>
          <figcaption>{t('telemetry.latest', { value: last?.value ?? '', min, max, hours: HOURS })}</figcaption>
        </figure>
      )}
    </section>
  );
}
