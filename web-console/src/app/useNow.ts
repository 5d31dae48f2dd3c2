// One ticking clock for a whole view (the queue's ages count up from it), instead of a timer per row.

import { useEffect, useState, useSyncExternalStore } from 'react';

export function useNow(intervalMs = 1000): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const id = setInterval(() => setNow(Date.now()), intervalMs);
    return () => clearInterval(id);
  }, [intervalMs]);
  return now;
}

// One shared one-second clock for many small subscribers (every queue row's age): a single timer
// while anyone listens, and only the subscribed cells re-render on a tick, not whole rows.
const listeners = new Set<() => void>();
let second = Date.now();
let timer: ReturnType<typeof setInterval> | null = null;

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  if (!timer) {
    second = Date.now();
    timer = setInterval(() => {
      second = Date.now();
      for (const l of listeners) l();
    }, 1000);
  }
  return () => {
    listeners.delete(listener);
    if (listeners.size === 0 && timer) {
      clearInterval(timer);
      timer = null;
    }
  };
}

export function useSecond(): number {
  return useSyncExternalStore(subscribe, () => second);
}
