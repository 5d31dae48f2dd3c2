// Registers a device to a resident and district. The credentials are shown exactly once: the
// server stores only a hash, so the technician must copy them into the device now.

import { type FormEvent, useState } from 'react';
import { devices as deviceApi } from '../api/endpoints.ts';
import { DEVICE_TYPE_LIST } from '../api/enums.ts';
import { CopyButton } from '../app/CopyButton.tsx';
import { errorText } from '../app/errorText.ts';
import { hrefOf } from '../app/route.ts';
import { useI18n } from '../i18n/i18n.tsx';
import type { ResidentHit } from '../residents/api.ts';
import { ResidentPicker } from '../residents/ResidentPicker.tsx';

export function RegisterDevicePage() {
  const { t } = useI18n();
  const [form, setForm] = useState({ deviceId: '', deviceType: 'pendant', serial: '', district: '' });
  const [resident, setResident] = useState<ResidentHit | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [issued, setIssued] = useState<{ deviceId: string; secret: string } | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (ev: FormEvent) => {
    ev.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const r = await deviceApi.register({ ...form, residentId: resident?.id ?? null });
      setIssued({ deviceId: r.deviceId, secret: r.secret });
    } catch (err) {
      setError(errorText(err, t));
    } finally {
      setBusy(false);
    }
  };

  if (issued)
    return (
      <section className="card register">
        <h2>{t('register.doneTitle')}</h2>
        <p className="forgotten">{t('register.onceWarning')}</p>
        <dl>
          <dt>{t('register.mqttUser')}</dt>
          <dd className="mono big" data-testid="issued-device-id">
            {issued.deviceId}
          </dd>
          <dt>{t('register.secret')}</dt>
          <dd className="mono big" data-testid="issued-secret">
            {issued.secret}
          </dd>
          <dd>
            <CopyButton value={issued.secret} testId="issued-secret-copy" />
          </dd>
        </dl>
        <a className="button primary" href={hrefOf({ page: 'device', id: issued.deviceId })}>
          {t('register.toDevice')}
        </a>
      </section>
    );

  const field = (name: 'deviceId' | 'serial' | 'district', required: boolean) => (
    <label>
      {t(`register.${name}`)}
      <input
        data-testid={`register-${name}`}
        value={form[name]}
        required={required}
        onChange={(e) => setForm({ ...form, [name]: e.target.value })}
      />
    </label>
  );

  return (
    <form className="card register" onSubmit={submit}>
      <h2>{t('register.title')}</h2>
      {field('deviceId', true)}
      <label>
        {t('register.deviceType')}
        <select
          data-testid="register-deviceType"
          value={form.deviceType}
          onChange={(e) => setForm({ ...form, deviceType: e.target.value })}
        >
          {DEVICE_TYPE_LIST.map((d) => (
            <option key={d} value={d}>
              {t(`device.${d}`)}
            </option>
          ))}
        </select>
      </label>
      {field('serial', true)}
      <ResidentPicker
        label={t('register.residentId')}
        testId="register-resident"
        value={resident}
        onChange={(r) => {
          setResident(r);
          // The device usually serves the resident's district; the technician can still change it.
          if (r && !form.district) setForm((f) => ({ ...f, district: r.district }));
        }}
      />
      {field('district', true)}
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      <div className="row">
        <button type="submit" className="primary" data-testid="register-submit" disabled={busy}>
          {t('register.submit')}
        </button>
        <a className="button ghost" href={hrefOf({ page: 'devices' })}>
          {t('action.cancel')}
        </a>
      </div>
    </form>
  );
}
