// Remembers accepted SCAIP requests by (controller id, ref) for a while, so a controller's
// retransmission is answered again without publishing a second alarm. A bounded cache with one
// TTL: lru-cache's (size-bounded, O(1) eviction, TTL read from our injected clock, so simulated
// time in tests is obeyed exactly), rather than a hand-written map.

import { LRUCache } from 'lru-cache';

export const DEFAULT_DEDUPE_TTL_MS = 10 * 60_000;
/** Upper bound on remembered requests, so a flood of distinct refs cannot exhaust memory. */
export const MAX_DEDUPE_ENTRIES = 200_000;

export class DedupeCache<T extends {}> {
  readonly #entries: LRUCache<string, T>;

  constructor(ttlMs: number, now: () => number, maxEntries = MAX_DEDUPE_ENTRIES) {
    // ttlResolution 0: read the clock on every check. +1: lru-cache treats a start time of 0 as
    // "no TTL", which a simulated clock starting at 0 would hit.
    this.#entries = new LRUCache<string, T>({
      max: maxEntries,
      ttl: ttlMs,
      ttlResolution: 0,
      perf: { now: () => now() + 1 },
    });
  }

  get(key: string): T | undefined {
    return this.#entries.get(key);
  }

  set(key: string, value: T): void {
    this.#entries.set(key, value);
  }

  delete(key: string): void {
    this.#entries.delete(key);
  }

  get size(): number {
    this.#entries.purgeStale();
    return this.#entries.size;
  }
}
