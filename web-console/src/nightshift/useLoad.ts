// Loads one API resource for a page: the data, a translated error, and a reload.

import { useCallback, useEffect, useState } from 'react';
import { errorText } from '../app/errorText.ts';
import { useI18n } from '../i18n/i18n.tsx';

/** Loads again whenever `key` changes (a value naming what the load depends on). */
export function useLoad<T>(load: () => Promise<T>, key: string | number) {
  const { t } = useI18n();
  const [data, setData] = useState<T | null>(null);
  const [error, setError] = useState<string | null>(null);
  // biome-ignore lint/correctness/useExhaustiveDependencies: `key` names what the load depends on
  const run = useCallback(() => {
    let cancelled = false;
    load().then(
      (r) => {
        if (cancelled) return;
        setData(r);
        setError(null);
      },
      (err) => {
        if (!cancelled) setError(errorText(err, t));
      },
    );
    return () => {
      cancelled = true;
    };
  }, [key]);
  useEffect(() => run(), [run]);
  return { data, error, reload: run };
}
