// The `?` overlay listing every shortcut, read from the same table the key handlers use.

import { useEffect, useRef } from 'react';
import { useI18n } from '../i18n/i18n.tsx';
import { Kbd } from './Kbd.tsx';
import { HELP } from './keys.ts';

export function HelpOverlay({ onClose }: { onClose: () => void }) {
  const { t } = useI18n();
  const closeRef = useRef<HTMLButtonElement>(null);
  // A modal takes focus so Enter or Esc dismisses it from the keyboard.
  useEffect(() => closeRef.current?.focus(), []);
  return (
    <div className="overlay" role="dialog" aria-modal="true" aria-labelledby="help-title" data-testid="help-overlay">
      <div className="overlay-card">
        <h2 id="help-title">{t('help.title')}</h2>
        <table className="keys">
          <tbody>
            {HELP.map((h) => (
              <tr key={h.label}>
                <td>
                  {h.keys.map((k) => (
                    <Kbd key={k} k={k} />
                  ))}
                </td>
                <td>{t(h.label)}</td>
              </tr>
            ))}
          </tbody>
        </table>
        <button type="button" className="primary" onClick={onClose} ref={closeRef}>
          {t('help.dismiss')}
        </button>
      </div>
    </div>
  );
}
