// What the process may hold, read from the kernel, so that a listener can keep descriptors back for
// what must never starve (the database pool, consoles, logs) when devices or controllers fill up.

import { readFileSync } from 'node:fs';

/** The process's soft limit on open files (Linux), or null where it cannot be read. */
export function openFileLimit(limits = '/proc/self/limits'): number | null {
  try {
    const match = /^Max open files\s+(\d+)/m.exec(readFileSync(limits, 'utf8'));
    return match ? Number(match[1]) : null;
  } catch {
    return null; // not Linux: the configured cap stands alone
  }
}

/** Connections a listener may hold: its configured cap, never more than the descriptors left over. */
export function connectionCapacity(maxTotal: number, reserveDescriptors: number, fileLimit: number | null): number {
  if (fileLimit === null) return maxTotal;
  return Math.max(0, Math.min(maxTotal, fileLimit - reserveDescriptors));
}
