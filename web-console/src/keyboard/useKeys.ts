// Binds a view's key table to window keydown for as long as the view is mounted.

import { useEffect, useRef } from 'react';
import { hasModifier, isTypingTarget } from './keys.ts';

export function useKeys<C extends string>(table: Record<string, C>, run: (command: C) => void, enabled = true): void {
  const runRef = useRef(run);
  runRef.current = run;
  useEffect(() => {
    if (!enabled) return;
    const onKey = (ev: KeyboardEvent) => {
      if (hasModifier(ev) || ev.defaultPrevented) return;
      if (isTypingTarget(ev.target)) {
        // Esc leaves a form field so the next key is a shortcut again.
        if (ev.key === 'Escape') (ev.target as HTMLElement).blur();
        return;
      }
      // Enter on a focused button or link activates that control, not "open the selected alarm".
      const tag = (ev.target as Element | null)?.tagName;
      if (ev.key === 'Enter' && (tag === 'BUTTON' || tag === 'A')) return;
      const command = table[ev.key];
      if (!command) return;
      ev.preventDefault();
      runRef.current(command);
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [table, enabled]);
}
