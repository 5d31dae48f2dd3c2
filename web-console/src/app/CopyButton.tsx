// Copies a value (a newly issued device secret) to the clipboard and says so where the technician
// is looking: "Kopierad", or, when the browser refuses, to select and copy it by hand.

import { useEffect, useState } from 'react';
import { useI18n } from '../i18n/i18n.tsx';

/** How long "Kopierad" stays beside the button. */
const SHOWN_MS = 4000;

export function CopyButton({ value, testId }: { value: string; testId: string }) {
  const { t } = useI18n();
  const [state, setState] = useState<'idle' | 'copied' | 'failed'>('idle');

  useEffect(() => {
    if (state !== 'copied') return;
    const timer = setTimeout(() => setState('idle'), SHOWN_MS);
    return () => clearTimeout(timer);
  }, [state]);

  const copy = async () => {
    try {
      await navigator.clipboard.writeText(value);
      setState('copied');
    } catch {
      // No clipboard (an insecure origin, a browser policy): the value is still on screen.
      setState('failed');
    }
  };

  return (
    <span className="copy">
      <button type="button" data-testid={testId} onClick={() => void copy()}>
        {t('backoffice.copy.button')}
      </button>
      <span role="status" className={state === 'failed' ? 'error' : 'ok'} data-testid={`${testId}-status`}>
        {state === 'copied' ? t('backoffice.copy.done') : state === 'failed' ? t('backoffice.copy.failed') : ''}
      </span>
    </span>
  );
}
