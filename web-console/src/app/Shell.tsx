// The logged-in console: status bar, connection banner, role-based navigation, the current page
// and the keyboard help. The live stream runs here so it survives moving between pages.

import type { User } from '@trygg/console-contract';
import { useCallback, useEffect, useState } from 'react';
import { AlarmPage } from '../alarm/AlarmPage.tsx';
import { DevicePage } from '../devices/DevicePage.tsx';
import { DevicesPage } from '../devices/DevicesPage.tsx';
import { RegisterDevicePage } from '../devices/RegisterDevicePage.tsx';
import { ApplyPage } from '../grants/ApplyPage.tsx';
import { CasesPage } from '../grants/CasesPage.tsx';
import { OrdersPage } from '../grants/OrdersPage.tsx';
import { useI18n } from '../i18n/i18n.tsx';
import { HelpOverlay } from '../keyboard/HelpOverlay.tsx';
import { isTypingTarget } from '../keyboard/keys.ts';
import { useLiveQueue } from '../live/useLiveQueue.ts';
import { ClosedAlarmsPage } from '../nightshift/ClosedAlarmsPage.tsx';
import { HandoverPage } from '../nightshift/HandoverPage.tsx';
import { IncidentPage } from '../nightshift/IncidentPage.tsx';
import { SoundPrompt } from '../nightshift/SoundPrompt.tsx';
import { OverviewPage } from '../overview/OverviewPage.tsx';
import { QueuePage } from '../queue/QueuePage.tsx';
import { ResponderPage } from '../responders/ResponderPage.tsx';
import { RespondersAdminPage } from '../responders/RespondersAdminPage.tsx';
import { notifyHidden } from '../sound/desktop.ts';
import { AccessLogPage } from '../supervision/AccessLogPage.tsx';
import { PlanPage } from '../supervision/PlanPage.tsx';
import { PlansPage } from '../supervision/PlansPage.tsx';
import { RoundPage } from '../supervision/RoundPage.tsx';
import { SavingsPage } from '../supervision/SavingsPage.tsx';
import { ConnectionBanner } from './ConnectionBanner.tsx';
import { Nav } from './Nav.tsx';
import type { Notify } from './notify.ts';
import { type NavPage, pagesFor } from './roles.ts';
import { navigate, useRoute } from './route.ts';
import { StatusBar } from './StatusBar.tsx';

export function Shell({ user, onLogout, onExpired }: { user: User; onLogout: () => void; onExpired: () => void }) {
  const { t } = useI18n();
  const route = useRoute();
  // Only roles with the alarm queue may open the live stream; the server refuses the others.
  const liveEnabled = pagesFor(user.role).includes('queue');
  const live = useLiveQueue(liveEnabled, onExpired, (announced) => {
    const first = announced[0];
    if (!first) return;
    notifyHidden(
      t('nightshift.notifyTitle', { kind: t(`kind.${first.kind}`) }),
      [first.resident?.name, first.district].filter(Boolean).join(', '),
      first.id,
    );
  });
  const [selectedId, setSelectedId] = useState<string | null>(null);
  const [help, setHelp] = useState(false);
  const [notice, setNotice] = useState<{ text: string; tone: 'info' | 'error'; at: number } | null>(null);

  const notify = useCallback<Notify>((text, tone = 'info') => setNotice({ text, tone, at: Date.now() }), []);

  useEffect(() => {
    if (!notice) return;
    const id = setTimeout(() => setNotice(null), notice.tone === 'error' ? 10_000 : 4_000);
    return () => clearTimeout(id);
  }, [notice]);

  useEffect(() => {
    const onKey = (ev: KeyboardEvent) => {
      if (isTypingTarget(ev.target)) return;
      if (ev.key === '?') {
        ev.preventDefault();
        setHelp((h) => !h);
      } else if (ev.key === 'Escape' && help) {
        ev.preventDefault();
        setHelp(false);
      }
    };
    // Capture phase so Esc closes the overlay before a page treats it as "back".
    window.addEventListener('keydown', onKey, true);
    return () => window.removeEventListener('keydown', onKey, true);
  }, [help]);

  const pages = pagesFor(user.role);
  const allowed =
    route.page === 'queue' || route.page === 'alarm' || route.page === 'incident'
      ? pages.includes('queue')
      : route.page === 'closedAlarms' || route.page === 'handover' || route.page === 'responders'
        ? pages.includes(route.page)
        : route.page === 'overview'
          ? pages.includes('overview')
          : route.page === 'cases' || route.page === 'caseNew'
            ? pages.includes('cases')
            : route.page === 'orders'
              ? pages.includes('orders')
              : route.page === 'supervisionPlan'
                ? pages.includes('supervisionPlans')
                : route.page === 'responder'
                  ? pages.includes('responder')
                  : route.page.startsWith('supervision')
                    ? pages.includes(route.page as NavPage)
                    : pages.includes('devices');
  // A role without the alarm queue (case workers) lands on its own first page.
  const landing = route.page === 'queue' && !pages.includes('queue') ? pages[0] : undefined;
  useEffect(() => {
    if (landing) navigate({ page: landing });
  }, [landing]);

  let page: React.ReactNode;
  if (!allowed) page = <p className="empty">{t('nav.forbidden')}</p>;
  else if (route.page === 'queue')
    page = (
      <QueuePage
        live={live}
        user={user}
        selectedId={selectedId}
        onSelect={setSelectedId}
        notify={notify}
        keysEnabled={!help}
      />
    );
  else if (route.page === 'alarm')
    page = (
      <AlarmPage
        key={route.id}
        id={route.id}
        live={live}
        user={user}
        notify={notify}
        keysEnabled={!help}
        onBack={() => {
          setSelectedId(route.id);
          navigate({ page: 'queue' });
        }}
      />
    );
  else if (route.page === 'devices') page = <DevicesPage />;
  else if (route.page === 'device') page = <DevicePage id={route.id} notify={notify} />;
  else if (route.page === 'register') page = <RegisterDevicePage />;
  else if (route.page === 'cases') page = <CasesPage notify={notify} />;
  else if (route.page === 'caseNew') page = <ApplyPage internal />;
  else if (route.page === 'orders') page = <OrdersPage notify={notify} />;
  else if (route.page === 'supervisionRound') page = <RoundPage notify={notify} role={user.role} />;
  else if (route.page === 'supervisionPlans') page = <PlansPage />;
  else if (route.page === 'supervisionPlan')
    page = <PlanPage key={route.residentId} residentId={route.residentId} notify={notify} />;
  else if (route.page === 'supervisionLog') page = <AccessLogPage />;
  else if (route.page === 'supervisionSavings') page = <SavingsPage />;
  else if (route.page === 'responder') page = <ResponderPage notify={notify} onExpired={onExpired} />;
  else if (route.page === 'closedAlarms') page = <ClosedAlarmsPage />;
  else if (route.page === 'handover') page = <HandoverPage />;
  else if (route.page === 'responders') page = <RespondersAdminPage notify={notify} />;
  else if (route.page === 'incident') page = <IncidentPage key={route.id} id={route.id} user={user} />;
  else page = <OverviewPage />;

  return (
    <div className="shell">
      <StatusBar user={user} live={live} liveEnabled={liveEnabled} onLogout={onLogout} onHelp={() => setHelp(true)} />
      {liveEnabled && <ConnectionBanner live={live} />}
      {liveEnabled && <SoundPrompt live={live} />}
      <Nav pages={pages} route={route} openCount={live.queue.alarms.size} />
      {/* A line of its own above the page, always there: a notice never covers what is under it,
          and nothing moves when one appears. */}
      <div className="notice-slot" data-testid="notice-slot">
        {notice && (
          <div
            className={`toast ${notice.tone}`}
            role={notice.tone === 'error' ? 'alert' : 'status'}
            key={notice.at}
            data-testid="notice"
          >
            {notice.text}
          </div>
        )}
      </div>
      <main className="page">{page}</main>
      {help && <HelpOverlay onClose={() => setHelp(false)} />}
    </div>
  );
}
