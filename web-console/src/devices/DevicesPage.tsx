// Technicians' device list: health at a glance (online, battery, signal, last seen, open technical
// alarms), offline and weak devices first.

import type { DeviceListItem } from '@trygg/console-contract';
import { useEffect, useMemo, useState } from 'react';
import { devices as deviceApi } from '../api/endpoints.ts';
import { elapsed } from '../app/duration.ts';
import { errorText } from '../app/errorText.ts';
import { hrefOf } from '../app/route.ts';
import { useNow } from '../app/useNow.ts';
import { useI18n } from '../i18n/i18n.tsx';
import { deviceAttention, LOW_BATTERY, WEAK_SIGNAL_DBM } from './health.ts';

export function DevicesPage() {
  const { t } = useI18n();
  const now = useNow(10_000);
  const [list, setList] = useState<DeviceListItem[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [query, setQuery] = useState('');

  useEffect(() => {
    let cancelled = false;
    const load = () =>
      deviceApi.list().then(
        (r) => {
          if (cancelled) return;
          setList(r.devices);
          setError(null);
        },
        (err) => {
          if (!cancelled) setError(errorText(err, t));
        },
      );
    void load();
    // Device health changes slowly; a 30 s refresh is enough for a technician's overview.
    const id = setInterval(load, 30_000);
    return () => {
      cancelled = true;
      clearInterval(id);
    };
  }, [t]);

  const shown = useMemo(() => {
    const q = query.trim().toLowerCase();
    return (list ?? [])
      .filter(
        (d) =>
          !q || [d.deviceId, d.serial, d.district, d.resident?.name ?? ''].some((s) => s.toLowerCase().includes(q)),
      )
      .sort((a, b) => deviceAttention(b) - deviceAttention(a) || a.deviceId.localeCompare(b.deviceId));
  }, [list, query]);

  return (
    <section className="devices">
      <div className="queue-tools">
        <h2>{t('devices.title', { count: list?.length ?? 0 })}</h2>
        <label>
          {t('devices.search')}
          <input data-testid="device-search" value={query} onChange={(e) => setQuery(e.target.value)} />
        </label>
        <span className="spacer" />
        <a className="button primary" href={hrefOf({ page: 'register' })} data-testid="device-register-link">
          {t('devices.register')}
        </a>
      </div>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      {list === null && !error ? (
        <p className="empty">{t('app.loading')}</p>
      ) : (
        <table className="alarms devices-table">
          <thead>
            <tr>
              <th>{t('devices.col.device')}</th>
              <th>{t('devices.col.resident')}</th>
              <th>{t('devices.col.district')}</th>
              <th>{t('devices.col.online')}</th>
              <th className="num">{t('devices.col.battery')}</th>
              <th className="num">{t('devices.col.signal')}</th>
              <th className="num">{t('devices.col.lastSeen')}</th>
              <th>{t('devices.col.firmware')}</th>
              <th className="num">{t('devices.col.alarms')}</th>
            </tr>
          </thead>
          <tbody>
            {shown.map((d) => (
              <tr key={d.deviceId} data-testid="device-row" data-device-id={d.deviceId} data-online={d.online}>
                <td>
                  <a className="mono" href={hrefOf({ page: 'device', id: d.deviceId })}>
                    {d.deviceId}
                  </a>
                  <span className="sub">
                    {t(`device.${d.deviceType}`)} · {d.serial}
                  </span>
                </td>
                <td>{d.resident?.name ?? t('devices.unassigned')}</td>
                <td>{d.district}</td>
                <td>
                  <span className={`badge ${d.online ? 'badge-ok' : 'badge-new'}`}>
                    {d.online ? t('devices.online') : t('devices.offline')}
                  </span>
                </td>
                <td className={`num ${d.battery !== null && d.battery <= LOW_BATTERY ? 'warn' : ''}`}>
                  {d.battery === null ? t('unit.none') : t('unit.percent', { n: d.battery })}
                </td>
                <td className={`num ${d.signalDbm !== null && d.signalDbm <= WEAK_SIGNAL_DBM ? 'warn' : ''}`}>
                  {d.signalDbm === null ? t('unit.none') : t('unit.dbm', { n: d.signalDbm })}
                </td>
                <td className="num mono">
                  {d.lastSeenAt ? t('unit.ago', { elapsed: elapsed(now - Date.parse(d.lastSeenAt)) }) : t('unit.never')}
                </td>
                <td className="mono">{d.firmware ?? t('unit.none')}</td>
                <td className={`num ${d.openTechnicalAlarms > 0 ? 'warn' : ''}`}>{d.openTechnicalAlarms}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
