// Session gate: asks the server who is logged in, then shows the login page or the console.

import type { User } from '@trygg/console-contract';
import { useCallback, useEffect, useState } from 'react';
import { setUnauthorizedHandler } from '../api/client.ts';
import { session } from '../api/endpoints.ts';
import { PublicPage } from '../grants/PublicPage.tsx';
import { useI18n } from '../i18n/i18n.tsx';
import { LoginPage } from './LoginPage.tsx';
import { isPublicRoute, useRoute } from './route.ts';
import { Shell } from './Shell.tsx';

type SessionState = { kind: 'checking' } | { kind: 'anonymous'; expired: boolean } | { kind: 'user'; user: User };

export function App() {
  const { t } = useI18n();
  const [state, setState] = useState<SessionState>({ kind: 'checking' });
  const route = useRoute();

  const publicPage = isPublicRoute(route);
  useEffect(() => {
    // A citizen's browser tab names the e-service, not the alarm centre.
    document.title = publicPage ? t('apply.serviceName') : t('app.title');
  }, [t, publicPage]);

  const expire = useCallback(() => setState({ kind: 'anonymous', expired: true }), []);

  useEffect(() => {
    setUnauthorizedHandler(expire);
    session
      .current()
      .then(({ user }) => setState({ kind: 'user', user }))
      .catch(() => setState({ kind: 'anonymous', expired: false }));
    return () => setUnauthorizedHandler(null);
  }, [expire]);

  const logout = useCallback(async () => {
    try {
      await session.logout();
    } finally {
      setState({ kind: 'anonymous', expired: false });
    }
  }, []);

  // The public e-service needs no account: citizens apply and follow their application here.
  if (isPublicRoute(route)) return <PublicPage route={route} />;
  if (state.kind === 'checking') return <main className="splash">{t('app.loading')}</main>;
  if (state.kind === 'anonymous')
    return <LoginPage expired={state.expired} onLogin={(user) => setState({ kind: 'user', user })} />;
  return <Shell user={state.user} onLogout={logout} onExpired={expire} />;
}
