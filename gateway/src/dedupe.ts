// Remembers accepted SCAIP requests by (controller id, ref) for a while, so a controller's
// retransmission is answered again without publishing a second alarm. One map, expired from the
// front: entries are inserted in time order and share one TTL, so the oldest is always first.

export const DEFAULT_DEDUPE_TTL_MS = 10 * 60_000;
/** Upper bound on remembered requests, so a flood of distinct refs cannot exhaust memory. */
export const MAX_DEDUPE_ENTRIES = 200_000;

interface Entry<T> {
  expiresAt: number;
  value: T;
}

export class DedupeCache<T> {
  private readonly entries = new Map<string, Entry<T>>();

  constructor(
    private readonly ttlMs: number,
    private readonly now: () => number,
    private readonly maxEntries = MAX_DEDUPE_ENTRIES,
  ) {}

  get(key: string): T | undefined {
    this.expire();
    return this.entries.get(key)?.value;
  }

  set(key: string, value: T): void {
    this.expire();
    this.entries.delete(key);
    this.entries.set(key, { expiresAt: this.now() + this.ttlMs, value });
    while (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next();
      if (oldest.done) break;
      this.entries.delete(oldest.value);
    }
  }

  delete(key: string): void {
    this.entries.delete(key);
  }

  get size(): number {
    return this.entries.size;
  }

  private expire(): void {
    const now = this.now();
    for (const [key, entry] of this.entries) {
      if (entry.expiresAt > now) break;
      this.entries.delete(key);
    }
  }
}
