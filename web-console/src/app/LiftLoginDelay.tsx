// A supervisor lifts the login wait that guesses put on an account, so an operator on a new
// computer gets in at once. Small on purpose: a username and a button; the server audits it.

import { type FormEvent, useState } from 'react';
import { session } from '../api/endpoints.ts';
import { useI18n } from '../i18n/i18n.tsx';
import { errorText } from './errorText.ts';

export function LiftLoginDelay() {
  const { t } = useI18n();
  const [username, setUsername] = useState('');
  const [result, setResult] = useState<{ ok: boolean; text: string } | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (ev: FormEvent) => {
    ev.preventDefault();
    setBusy(true);
    try {
      const { lifted } = await session.liftDelay(username.trim());
      setResult({ ok: true, text: t(lifted ? 'loginDelay.lifted' : 'loginDelay.none', { username: username.trim() }) });
    } catch (err) {
      setResult({ ok: false, text: errorText(err, t) });
    } finally {
      setBusy(false);
    }
  };

  return (
    <form className="lift-login-delay" onSubmit={submit} data-testid="lift-login-delay">
      <h3>{t('loginDelay.title')}</h3>
      <p>{t('loginDelay.help')}</p>
      <label>
        {t('loginDelay.username')}
        <input
          data-testid="lift-login-delay-username"
          value={username}
          onChange={(e) => setUsername(e.target.value)}
          required
        />
      </label>
      <button data-testid="lift-login-delay-submit" type="submit" disabled={busy || !username.trim()}>
        {t('loginDelay.submit')}
      </button>
      {result && (
        <p className={result.ok ? 'notice' : 'error'} role={result.ok ? 'status' : 'alert'}>
          {result.text}
        </p>
      )}
    </form>
  );
}
