// The top bar: who is logged in, whether the live stream is connected, sound, language, help.

import type { User } from '@trygg/console-contract';
import { useI18n } from '../i18n/i18n.tsx';
import type { LiveQueue } from '../live/useLiveQueue.ts';
import { unlockAudio } from '../sound/chime.ts';
import { LanguageSwitch } from './LanguageSwitch.tsx';

export function StatusBar({
  user,
  live,
  liveEnabled,
  onLogout,
  onHelp,
}: {
  user: User;
  live: LiveQueue;
  /** Roles without the alarm queue have no live stream: a red "not connected" would look like an outage. */
  liveEnabled: boolean;
  onLogout: () => void;
  onHelp: () => void;
}) {
  const { t } = useI18n();
  const state = live.connection !== 'open' ? 'down' : live.queue.degraded ? 'degraded' : 'live';
  return (
    <header className="statusbar">
      <span className="brand">{t('app.title')}</span>
      {liveEnabled && (
        <span className={`conn conn-${state}`} data-testid="connection-status" data-state={state}>
          <span className="dot" aria-hidden="true" />
          {t(`conn.${state}`)}
        </span>
      )}
      <span className="spacer" />
      <button
        type="button"
        className="ghost"
        data-testid="mute-toggle"
        aria-pressed={live.muted}
        onClick={() => {
          unlockAudio();
          live.setMuted(!live.muted);
        }}
      >
        {live.muted ? t('sound.muted') : t('sound.on')}
      </button>
      <LanguageSwitch />
      <button type="button" className="ghost" onClick={onHelp} title={t('help.title')}>
        {t('help.button')}
      </button>
      <span className="who">{t('user.signedInAs', { name: user.displayName, role: t(`role.${user.role}`) })}</span>
      <button type="button" className="ghost" data-testid="logout" onClick={onLogout}>
        {t('user.logout')}
      </button>
    </header>
  );
}
