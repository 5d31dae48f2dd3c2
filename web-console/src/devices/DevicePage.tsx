// One device for the technician: battery and signal over the last 24 hours, the protocol's
// commands with their answers, the device's technical alarms, and marking a new installation as
// done once it is online and tested.

import type { AlarmSummary, DeviceListItem, TelemetryPoint } from '@trygg/console-contract';
import { useEffect, useState } from 'react';
import { devices as deviceApi } from '../api/endpoints.ts';
import { errorText } from '../app/errorText.ts';
import type { Notify } from '../app/notify.ts';
import { hrefOf } from '../app/route.ts';
import { useI18n } from '../i18n/i18n.tsx';
import { DeviceCommandsPanel } from './DeviceCommandsPanel.tsx';
import { type Reading, TelemetryChart } from './TelemetryChart.tsx';
import { TestMode } from './TestMode.tsx';

const HOURS = 24;
/** The page follows the device: status, last heartbeat and charts are read again this often. */
const REFRESH_MS = 5_000;

export function DevicePage({ id, notify }: { id: string; notify: Notify }) {
  const { t } = useI18n();
  const [device, setDevice] = useState<DeviceListItem | null>(null);
  const [points, setPoints] = useState<TelemetryPoint[] | null>(null);
  const [alarms, setAlarms] = useState<AlarmSummary[] | null>(null);
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
      deviceApi.alarms(id).then(
        (r) => setAlarms(r.alarms.filter((a) => a.audience === 'technician')),
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
  const series = (pick: (p: TelemetryPoint) => number | null): Reading[] =>
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
      {device && <DeviceCommandsPanel id={id} deviceType={device.deviceType} />}
      <TechnicalAlarms alarms={alarms} />
      {points === null && !error ? (
        <p className="empty">{t('app.loading')}</p>
      ) : (
        <div className="alarm-grid">
          <TelemetryChart
            titleKey="telemetry.battery"
            testId="chart-battery"
            readings={series((p) => p.battery)}
            from={from}
            to={loadedAt}
            min={0}
            max={100}
            valueTicks={[0, 25, 50, 75, 100]}
            unit="%"
          />
          <TelemetryChart
            titleKey="telemetry.signal"
            testId="chart-signal"
            readings={series((p) => p.signalDbm)}
            from={from}
            to={loadedAt}
            min={-120}
            max={-30}
            valueTicks={[-120, -100, -80, -60, -40]}
            unit="dBm"
          />
        </div>
      )}
    </section>
  );
}

/** The device's technical alarms (lost connection, low battery, faults and refused messages), newest first. */
function TechnicalAlarms({ alarms }: { alarms: AlarmSummary[] | null }) {
  const { t, locale } = useI18n();
  if (alarms === null) return null;
  const newest = [...alarms].sort((a, b) => Date.parse(b.openedAt) - Date.parse(a.openedAt)).slice(0, 20);
  return (
    <section className="card" data-testid="device-technical-alarms">
      <h3>{t('backoffice.device.technicalAlarms')}</h3>
      {newest.length === 0 ? (
        <p className="empty">{t('backoffice.device.noTechnicalAlarms')}</p>
      ) : (
        <table className="alarms">
          <thead>
            <tr>
              <th>{t('backoffice.device.col.opened')}</th>
              <th>{t('queue.col.kind')}</th>
              <th>{t('backoffice.device.col.status')}</th>
            </tr>
          </thead>
          <tbody>
            {newest.map((a) => (
              <tr key={a.id} data-testid="device-alarm" data-kind={a.kind} data-status={a.status}>
                <td className="mono">{new Date(a.openedAt).toLocaleString(locale)}</td>
                <td>
                  <a href={hrefOf({ page: 'alarm', id: a.id })}>{t(`kind.${a.kind}`)}</a>
                </td>
                <td>{t(`status.${a.status}`)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
