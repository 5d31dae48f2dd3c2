// The public e-service's frame: no login, a language switch, and either the application form or
// the status of an application (reference + token). Its applicants are often over 75: while it is
// shown the page wears the light, large, high-contrast theme (styles.css, data-theme="public").

import { useEffect } from 'react';
import { LanguageSwitch } from '../app/LanguageSwitch.tsx';
import { hrefOf, type Route } from '../app/route.ts';
import { useI18n } from '../i18n/i18n.tsx';
import { ApplyPage } from './ApplyPage.tsx';
import { StatusPage } from './StatusPage.tsx';

export function PublicPage({ route }: { route: Route }) {
  const { t } = useI18n();
  useEffect(() => {
    const root = document.documentElement;
    root.dataset.theme = 'public';
    return () => {
      delete root.dataset.theme;
    };
  }, []);
  const onStatus = route.page === 'applyStatus';
  return (
    <div className="shell public">
      <header className="public-header">
        <h1>{t('apply.serviceName')}</h1>
        <nav className="row" aria-label={t('apply.serviceName')}>
          <a className="button ghost" href={hrefOf({ page: 'apply' })} aria-current={onStatus ? undefined : 'page'}>
            {t('apply.navApply')}
          </a>
          <a
            className="button ghost"
            href={hrefOf({ page: 'applyStatus', reference: null, token: null })}
            aria-current={onStatus ? 'page' : undefined}
          >
            {t('apply.navStatus')}
          </a>
          <LanguageSwitch />
        </nav>
      </header>
      <main className="page">
        {route.page === 'applyStatus' ? (
          <StatusPage key={`${route.reference}/${route.token}`} reference={route.reference} token={route.token} />
        ) : (
          <ApplyPage signInError={route.page === 'apply' ? (route.signInError ?? null) : null} />
        )}
      </main>
    </div>
  );
}
