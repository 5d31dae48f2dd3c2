// The login page. Its click also unlocks browser audio so the new-alarm chime can play later.

import type { User } from '@trygg/console-contract';
import { type FormEvent, useEffect, useRef, useState } from 'react';
import { session } from '../api/endpoints.ts';
import { useI18n } from '../i18n/i18n.tsx';
import { unlockAudio } from '../sound/chime.ts';
import { errorText } from './errorText.ts';
import { LanguageSwitch } from './LanguageSwitch.tsx';

export function LoginPage({ expired, onLogin }: { expired: boolean; onLogin: (user: User) => void }) {
  const { t } = useI18n();
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const usernameRef = useRef<HTMLInputElement>(null);
  // The login page has one job; focus its first field so the operator can type at once.
  useEffect(() => usernameRef.current?.focus(), []);

  const submit = async (ev: FormEvent) => {
    ev.preventDefault();
    unlockAudio();
    setBusy(true);
    setError(null);
    try {
      const { user } = await session.login(username, password);
      onLogin(user);
    } catch (err) {
      setError(errorText(err, t));
      setBusy(false);
    }
  };

  return (
    <main className="login">
      <form className="login-card" onSubmit={submit}>
        <div className="login-head">
          <h1>{t('app.title')}</h1>
          <LanguageSwitch />
        </div>
        {expired && <p className="notice">{t('login.expired')}</p>}
        <label>
          {t('login.username')}
          <input
            data-testid="login-username"
            autoComplete="username"
            ref={usernameRef}
            value={username}
            onChange={(e) => setUsername(e.target.value)}
            required
          />
        </label>
        <label>
          {t('login.password')}
          <input
            data-testid="login-password"
            type="password"
            autoComplete="current-password"
            value={password}
            onChange={(e) => setPassword(e.target.value)}
            required
          />
        </label>
        {error && (
          <p className="error" role="alert">
            {error}
          </p>
        )}
        <button data-testid="login-submit" className="primary" type="submit" disabled={busy}>
          {busy ? t('login.busy') : t('login.submit')}
        </button>
      </form>
    </main>
  );
}
