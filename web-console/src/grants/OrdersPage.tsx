// The welfare technicians' installation orders: what to install where, how to get in and whom
// to call; book the visit, provision the device (its secret is shown once), and close the order
// after a live test alarm.

import { type FormEvent, useCallback, useEffect, useState } from 'react';
import { DEVICE_TYPE_LIST } from '../api/enums.ts';
import { CopyButton } from '../app/CopyButton.tsx';
import { errorText } from '../app/errorText.ts';
import type { Notify } from '../app/notify.ts';
import { useStaffName } from '../app/staff.ts';
import { useI18n } from '../i18n/i18n.tsx';
import { grantsApi, type InstallationOrder } from './api.ts';

export function OrdersPage({ notify }: { notify: Notify }) {
  const { t, locale } = useI18n();
  const [orders, setOrders] = useState<InstallationOrder[] | null>(null);
  const [error, setError] = useState<string | null>(null);

  const load = useCallback(() => {
    grantsApi.orders().then(
      (r) => setOrders(r.orders),
      (err) => setError(errorText(err, t)),
    );
  }, [t]);
  useEffect(load, [load]);

  return (
    <section>
      <h2>{t('orders.title')}</h2>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      {orders?.length === 0 && <p className="empty">{t('orders.empty')}</p>}
      <div className="alarm-grid">
        {orders?.map((o) => (
          <OrderCard key={o.id} order={o} locale={locale} notify={notify} onChanged={load} />
        ))}
      </div>
    </section>
  );
}

function OrderCard({
  order: o,
  locale,
  notify,
  onChanged,
}: {
  order: InstallationOrder;
  locale: string;
  notify: Notify;
  onChanged: () => void;
}) {
  const { t, lang } = useI18n();
  const nameOf = useStaffName();
  const [visitAt, setVisitAt] = useState('');
  const [device, setDevice] = useState({ deviceId: '', deviceType: o.devicesNeeded[0] ?? 'pendant', serial: '' });
  const [secret, setSecret] = useState<string | null>(null);
  const [doorCode, setDoorCode] = useState<string | null>(null);

  const run = async (action: () => Promise<unknown>, done: string) => {
    try {
      await action();
      notify(done);
      onChanged();
    } catch (err) {
      notify(errorText(err, t), 'error');
    }
  };
  const book = (ev: FormEvent) => {
    ev.preventDefault();
    void run(() => grantsApi.book(o.id, new Date(visitAt).toISOString()), t('orders.booked'));
  };
  const provision = (ev: FormEvent) => {
    ev.preventDefault();
    void run(async () => setSecret((await grantsApi.provision(o.id, device)).secret), t('orders.provisioned'));
  };
  const showDoorCode = async () => {
    try {
      setDoorCode((await grantsApi.order(o.id)).order.doorCode ?? '–');
    } catch (err) {
      notify(errorText(err, t), 'error');
    }
  };

  return (
    <article className="card" data-testid={`order-${o.reference}`}>
      <h3>
        {o.residentName} · <span className={`badge badge-${o.status}`}>{t(`order.status.${o.status}`)}</span>
      </h3>
      <dl>
        <dt>{t('apply.reference')}</dt>
        <dd className="mono">{o.reference}</dd>
        <dt>{t('orders.address')}</dt>
        <dd>{o.address}</dd>
        <dt>{t('apply.access')}</dt>
        <dd className="prewrap">{o.access}</dd>
        <dt>{t('apply.field.doorCode')}</dt>
        <dd>
          {doorCode === null ? (
            <button type="button" className="ghost" onClick={() => void showDoorCode()}>
              {t('orders.showDoorCode')}
            </button>
          ) : (
            <span className="mono">{doorCode}</span>
          )}
        </dd>
        <dt>{t('apply.contact')}</dt>
        <dd>{o.contacts.map((c) => `${c.name} (${c.relation}) ${c.phone}`).join(', ') || '–'}</dd>
        <dt>{t('orders.devices')}</dt>
        <dd>{o.devicesNeeded.map((d) => t(`device.${d}`)).join(', ')}</dd>
        {o.visitAt && (
          <>
            <dt>{t('orders.visit')}</dt>
            <dd>
              {new Date(o.visitAt).toLocaleString(locale)}
              {o.technician ? ` · ${nameOf(o.technician)}` : ''}
            </dd>
          </>
        )}
      </dl>
      {(o.status === 'open' || o.status === 'booked') && (
        <form className="row" onSubmit={book}>
          <label>
            {t('orders.visit')}
            <input
              type="datetime-local"
              lang={lang}
              required
              data-testid="order-visitAt"
              value={visitAt}
              onChange={(e) => setVisitAt(e.target.value)}
            />
          </label>
          <button type="submit" data-testid="order-book">
            {t('orders.book')}
          </button>
        </form>
      )}
      {o.status === 'booked' && (
        <form className="row" onSubmit={provision}>
          <label>
            {t('register.deviceId')}
            <input
              required
              data-testid="order-deviceId"
              value={device.deviceId}
              onChange={(e) => setDevice({ ...device, deviceId: e.target.value })}
            />
          </label>
          <label>
            {t('register.deviceType')}
            <select
              data-testid="order-deviceType"
              value={device.deviceType}
              onChange={(e) => setDevice({ ...device, deviceType: e.target.value as typeof device.deviceType })}
            >
              {DEVICE_TYPE_LIST.map((d) => (
                <option key={d} value={d}>
                  {t(`device.${d}`)}
                </option>
              ))}
            </select>
          </label>
          <label>
            {t('register.serial')}
            <input
              required
              data-testid="order-serial"
              value={device.serial}
              onChange={(e) => setDevice({ ...device, serial: e.target.value })}
            />
          </label>
          <button type="submit" className="primary" data-testid="order-provision">
            {t('orders.provision')}
          </button>
        </form>
      )}
      {secret && (
        <>
          <p className="forgotten">{t('register.onceWarning')}</p>
          <p className="mono big" data-testid="order-secret">
            {secret}
          </p>
          <CopyButton value={secret} testId="order-secret-copy" />
        </>
      )}
      {o.status === 'provisioned' && (
        <div className="row">
          <span className="sub">{t('orders.testFirst', { device: o.deviceId ?? '' })}</span>
          <button
            type="button"
            className="primary"
            data-testid="order-close"
            onClick={() => void run(() => grantsApi.close(o.id), t('orders.closed'))}
          >
            {t('orders.close')}
          </button>
        </div>
      )}
    </article>
  );
}
