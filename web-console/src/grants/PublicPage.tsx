// The public e-service's frame: no login, a language switch, and either the application form or
// the status of an application (reference + token).

import { LanguageSwitch } from '../app/LanguageSwitch.tsx';
import { hrefOf, type Route } from '../app/route.ts';
import { useI18n } from '../i18n/i18n.tsx';
import { ApplyPage } from './ApplyPage.tsx';
import { StatusPage } from './StatusPage.tsx';

export function PublicPage({ route }: { route: Route }) {
  const { t } = useI18n();
  return (
    <div className="shell public">
      <header className="row">
        <h1>{t('apply.serviceName')}</h1>
        <span className="spacer" />
        <a className="button ghost" href={hrefOf({ page: 'apply' })}>
          {t('apply.navApply')}
        </a>
        <a className="button ghost" href={hrefOf({ page: 'applyStatus', reference: null, token: null })}>
          {t('apply.navStatus')}
        </a>
        <LanguageSwitch />
      </header>
      <main className="page">
        {route.page === 'applyStatus' ? (
          <StatusPage key={`${route.reference}/${route.token}`} reference={route.reference} token={route.token} />
        ) : (
          <ApplyPage />
        )}
      </main>
    </div>
  );
}
