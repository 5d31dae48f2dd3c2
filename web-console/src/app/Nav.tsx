// Role-based navigation: only the pages the logged-in role may use are offered.

import { useI18n } from '../i18n/i18n.tsx';
import type { NavPage } from './roles.ts';
import { hrefOf, type Route } from './route.ts';

export function Nav({ pages, route, openCount }: { pages: readonly NavPage[]; route: Route; openCount: number }) {
  const { t } = useI18n();
  if (pages.length <= 1) return null;
  const current: NavPage =
    route.page === 'alarm' || route.page === 'incident'
      ? 'queue'
      : route.page === 'device' || route.page === 'register'
        ? 'devices'
        : route.page === 'caseNew' || route.page === 'apply' || route.page === 'applyStatus'
          ? 'cases'
          : route.page === 'supervisionPlan'
            ? 'supervisionPlans'
            : route.page;
  return (
    <nav className="nav" aria-label={t('nav.label')}>
      {pages.map((p) => (
        <a
          key={p}
          href={hrefOf({ page: p })}
          aria-current={current === p ? 'page' : undefined}
          data-testid={`nav-${p}`}
        >
          {t(`nav.${p}`)}
          {p === 'queue' && openCount > 0 ? ` (${openCount})` : ''}
        </a>
      ))}
    </nav>
  );
}
