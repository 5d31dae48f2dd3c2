// After a reload the browser keeps audio blocked until the operator clicks (autoplay rules), so a
// console that looked alive would stay silent on a night shift. It asks once, visibly, to turn
// the sound on; the same click asks for desktop notifications for when the tab is hidden.

import { useState } from 'react';
import { useI18n } from '../i18n/i18n.tsx';
import type { LiveQueue } from '../live/useLiveQueue.ts';
import { audioBlocked, unlockAudio } from '../sound/chime.ts';
import { askForNotifications } from '../sound/desktop.ts';

export function SoundPrompt({ live }: { live: LiveQueue }) {
  const { t } = useI18n();
  const [asked, setAsked] = useState(() => !audioBlocked());
  if (asked || live.muted) return null;
  return (
    <div className="banner sound-prompt" role="alert" data-testid="sound-prompt">
      <span>{t('nightshift.soundBlocked')}</span>
      <button
        type="button"
        className="primary"
        data-testid="sound-enable"
        onClick={() => {
          unlockAudio();
          askForNotifications();
          setAsked(true);
        }}
      >
        {t('nightshift.soundEnable')}
      </button>
    </div>
  );
}
