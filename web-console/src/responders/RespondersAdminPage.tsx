// The supervisor's register of who can be sent: people and teams, their districts, shift and
// phone, the login of their phone, and their live status. Everything is decided by the server
// (the responders API); this page only lists, fills the form and shows the coded refusals.

import type { Responder, ResponderFields, ResponderStatus } from '@trygg/console-contract';
import { type FormEvent, useCallback, useEffect, useState } from 'react';
import { errorText } from '../app/errorText.ts';
import type { Notify } from '../app/notify.ts';
import { useI18n } from '../i18n/i18n.tsx';
import { responders as api } from './api.ts';

const STATUSES: readonly ResponderStatus[] = ['on_duty', 'busy', 'off'];

interface Form {
  id: string;
  name: string;
  kind: Responder['kind'];
  districts: string;
  shiftStart: string;
  shiftEnd: string;
  phone: string;
  username: string;
}

const EMPTY: Form = {
  id: '',
  name: '',
  kind: 'person',
  districts: '',
  shiftStart: '22:00',
  shiftEnd: '07:00',
  phone: '',
  username: '',
};

const formOf = (r: Responder): Form => ({
  id: r.id,
  name: r.name,
  kind: r.kind,
  districts: r.districts.join(', '),
  shiftStart: r.shiftStart,
  shiftEnd: r.shiftEnd,
  phone: r.phone ?? '',
  username: r.username ?? '',
});

const fieldsOf = (f: Form): ResponderFields => ({
  name: f.name.trim(),
  kind: f.kind,
  districts: f.districts
    .split(',')
    .map((d) => d.trim())
    .filter(Boolean),
  shiftStart: f.shiftStart,
  shiftEnd: f.shiftEnd,
  phone: f.phone.trim() || null,
  username: f.username.trim() || null,
});

export function RespondersAdminPage({ notify }: { notify: Notify }) {
  const { t } = useI18n();
  const [list, setList] = useState<Responder[] | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  /** The responder being edited; null: the form adds a new one. */
  const [editing, setEditing] = useState<Responder | null>(null);
  const [form, setForm] = useState<Form>(EMPTY);
  const [busy, setBusy] = useState(false);

  const load = useCallback(
    () =>
      api.list().then(
        (r) => {
          setList(r.responders);
          setLoadError(null);
        },
        (err) => setLoadError(errorText(err, t)),
      ),
    [t],
  );
  useEffect(() => {
    void load();
  }, [load]);

  const set = (key: keyof Form) => (ev: { target: { value: string } }) =>
    setForm((f) => ({ ...f, [key]: ev.target.value }));

  const reset = () => {
    setEditing(null);
    setForm(EMPTY);
  };

  const submit = async (ev: FormEvent) => {
    ev.preventDefault();
    setBusy(true);
    try {
      const fields = fieldsOf(form);
      if (editing) {
        await api.update(editing.id, fields);
        notify(t('respondersAdmin.saved', { name: fields.name }));
      } else {
        await api.create({ id: form.id.trim(), status: 'off', ...fields });
        notify(t('respondersAdmin.created', { name: fields.name }));
      }
      reset();
      await load();
    } catch (err) {
      notify(errorText(err, t), 'error');
    } finally {
      setBusy(false);
    }
  };

  const setStatus = async (r: Responder, status: ResponderStatus) => {
    try {
      await api.setStatus(r.id, status);
      notify(t('respondersAdmin.statusChanged', { name: r.name, status: t(`responders.status.${status}`) }));
      await load();
    } catch (err) {
      notify(errorText(err, t), 'error');
    }
  };

  return (
    <section className="responders-admin" data-testid="responders-admin">
      <h2>{t('respondersAdmin.title')}</h2>
      {loadError && (
        <p className="error" role="alert">
          {loadError}
        </p>
      )}
      {list && list.length === 0 && <p className="empty">{t('respondersAdmin.empty')}</p>}
      {list && list.length > 0 && (
        <table className="alarms" data-testid="responder-list">
          <thead>
            <tr>
              <th>{t('respondersAdmin.col.name')}</th>
              <th>{t('respondersAdmin.col.kind')}</th>
              <th>{t('respondersAdmin.col.districts')}</th>
              <th>{t('respondersAdmin.col.shift')}</th>
              <th>{t('respondersAdmin.col.phone')}</th>
              <th>{t('respondersAdmin.col.login')}</th>
              <th>{t('respondersAdmin.col.status')}</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {list.map((r) => (
              <tr key={r.id} data-responder-id={r.id}>
                <td>{r.name}</td>
                <td>{t(`respondersAdmin.kind.${r.kind}`)}</td>
                <td>{r.districts.join(', ')}</td>
                <td className="mono">
                  {r.shiftStart}–{r.shiftEnd}
                </td>
                <td>{r.phone ?? ''}</td>
                <td>{r.username ?? ''}</td>
                <td>
                  <select
                    aria-label={t('respondersAdmin.statusFor', { name: r.name })}
                    value={r.status}
                    onChange={(ev) => void setStatus(r, ev.target.value as ResponderStatus)}
                  >
                    {STATUSES.map((s) => (
                      <option key={s} value={s}>
                        {t(`responders.status.${s}`)}
                      </option>
                    ))}
                  </select>
                </td>
                <td>
                  <button
                    type="button"
                    aria-label={t('respondersAdmin.editFor', { name: r.name })}
                    onClick={() => {
                      setEditing(r);
                      setForm(formOf(r));
                    }}
                  >
                    {t('respondersAdmin.edit')}
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <form className="card" onSubmit={(ev) => void submit(ev)} data-testid="responder-form">
        <h3>{editing ? t('respondersAdmin.editTitle', { name: editing.name }) : t('respondersAdmin.newTitle')}</h3>
        {!editing && (
          <label>
            {t('respondersAdmin.field.id')}
            <input value={form.id} onChange={set('id')} required pattern="[A-Za-z0-9_.\-]{1,64}" />
          </label>
        )}
        <label>
          {t('respondersAdmin.field.name')}
          <input value={form.name} onChange={set('name')} required maxLength={120} />
        </label>
        <label>
          {t('respondersAdmin.field.kind')}
          <select value={form.kind} onChange={set('kind')}>
            <option value="person">{t('respondersAdmin.kind.person')}</option>
            <option value="team">{t('respondersAdmin.kind.team')}</option>
          </select>
        </label>
        <label>
          {t('respondersAdmin.field.districts')}
          <input value={form.districts} onChange={set('districts')} required />
        </label>
        <label>
          {t('respondersAdmin.field.shiftStart')}
          <input type="time" value={form.shiftStart} onChange={set('shiftStart')} required />
        </label>
        <label>
          {t('respondersAdmin.field.shiftEnd')}
          <input type="time" value={form.shiftEnd} onChange={set('shiftEnd')} required />
        </label>
        <label>
          {t('respondersAdmin.field.phone')}
          <input type="tel" value={form.phone} onChange={set('phone')} />
        </label>
        <label>
          {t('respondersAdmin.field.username')}
          <input value={form.username} onChange={set('username')} />
        </label>
        <div className="actions">
          <button type="submit" disabled={busy}>
            {editing ? t('respondersAdmin.save') : t('respondersAdmin.create')}
          </button>
          {editing && (
            <button type="button" onClick={reset}>
              {t('respondersAdmin.cancel')}
            </button>
          )}
        </div>
      </form>
    </section>
  );
}
