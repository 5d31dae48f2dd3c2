// Every deadline of the core (heartbeat supervision, bed limits, floor lying, dose grace,
// escalation) in one binary min-heap. Cancelling is lazy: an entry carries the generation of the
// state it was scheduled for, and a popped entry whose generation is stale is simply dropped.

export type DeadlineKind = 'heartbeat' | 'bed' | 'floor' | 'dose' | 'escalate';

export interface Deadline {
  at: number;
  kind: DeadlineKind;
  /** Device id, or alarm id for escalations. */
  key: string;
  /** Dose id for dose deadlines; empty otherwise. */
  sub: string;
  generation: number;
}

export class DeadlineHeap {
  readonly #items: Deadline[] = [];

  get size(): number {
    return this.#items.length;
  }

  peekAt(): number | null {
    return this.#items[0]?.at ?? null;
  }

  push(deadline: Deadline): void {
    const items = this.#items;
    items.push(deadline);
    let i = items.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const p = items[parent]!;
      if (p.at <= deadline.at) break;
      items[i] = p;
      i = parent;
    }
    items[i] = deadline;
  }

  /** Removes and returns the earliest deadline if it is due at `now`, else null. */
  popDue(now: number): Deadline | null {
    const items = this.#items;
    const top = items[0];
    if (top === undefined || top.at > now) return null;
    const last = items.pop()!;
    if (items.length > 0) {
      let i = 0;
      const n = items.length;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= n) break;
        const r = l + 1;
        const c = r < n && items[r]!.at < items[l]!.at ? r : l;
        if (items[c]!.at >= last.at) break;
        items[i] = items[c]!;
        i = c;
      }
      items[i] = last;
    }
    return top;
  }
}
