// The login page. Its click also unlocks browser audio so the new-alarm chime can play later.

import type { User } from '@trygg/console-contract';
import { type FormEvent, useEffect, useRef, useState } from 'react';
import { session } from '../api/endpoints.ts';
import { type MessageKey, useI18n } from '../i18n/i18n.tsx';
import { unlockAudio } from '../sound/chime.ts';
import { LanguageSwitch } from './LanguageSwitch.tsx';
import { loginRefusal } from './loginRefusal.ts';
import { useNow } from './useNow.ts';

/** What the page says after a refusal; a wait is kept as its end, so it counts down. */
type Refusal = { kind: 'message'; key: MessageKey } | { kind: 'delayed'; until: number };

export function LoginPage({ expired, onLogin }: { expired: boolean; onLogin: (user: User) => void }) {
  const { t } = useI18n();
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [refusal, setRefusal] = useState<Refusal | null>(null);
  const [busy, setBusy] = useState(false);
  const usernameRef = useRef<HTMLInputElement>(null);
  // The login page has one job; focus its first field so the operator can type at once.
  useEffect(() => usernameRef.current?.focus(), []);

  const submit = async (ev: FormEvent) => {
    ev.preventDefault();
    unlockAudio();
    setBusy(true);
    setRefusal(null);
    try {
      const { user } = await session.login(username, password);
      onLogin(user);
    } catch (err) {
      const r = loginRefusal(err);
      setRefusal(r.kind === 'delayed' ? { kind: 'delayed', until: Date.now() + r.seconds * 1000 } : r);
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
        {refusal?.kind === 'message' && (
          <p className="error" role="alert" data-testid="login-refusal">
            {t(refusal.key)}
          </p>
        )}
        {refusal?.kind === 'delayed' && <DelayNotice until={refusal.until} />}
        <button data-testid="login-submit" className="primary" type="submit" disabled={busy}>
          {busy ? t('login.busy') : t('login.submit')}
        </button>
      </form>
    </main>
  );
}

/** "Try again in N seconds", counting down; then says the operator may try now. */
function DelayNotice({ until }: { until: number }) {
  const { t } = useI18n();
  const seconds = Math.ceil((until - useNow(1000)) / 1000);
  return (
    <p className="error" role="alert" data-testid="login-refusal" data-delayed="true">
      {seconds > 0 ? t('login.delayed', { seconds }) : t('login.retryNow')}
    </p>
  );
}
