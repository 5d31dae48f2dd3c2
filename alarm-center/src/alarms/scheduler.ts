// One scheduler for every deadline in the routing core (heartbeats, bed limits, dose grace,
// escalations): a single periodic tick asks the core what is due. No timer per device or alarm.

import type { Logger } from 'pino';
import type { Clock } from '../clock.ts';
import type { Decision, RoutingCore } from '../core/index.ts';
import type { AlarmService } from './service.ts';

/** Deadlines kept outside the routing core (a dispatch's accept time), polled on the same tick. */
export interface TimedSource {
  nextDue(): number | null;
  runDue(now: number): Promise<void>;
}

export class DeadlineScheduler {
  #timer: NodeJS.Timeout | null = null;
  #running = false;
  readonly #sources: TimedSource[] = [];

  constructor(
    private readonly core: RoutingCore,
    private readonly alarms: AlarmService,
    private readonly clock: Clock,
    private readonly logger: Logger,
    private readonly tickMs = 250,
  ) {}

  /** Polls `source` on this scheduler's tick, so every deadline runs on the one clock. */
  watch(source: TimedSource): void {
    this.#sources.push(source);
  }

  start(): void {
    this.#timer = setInterval(() => void this.runDue(), this.tickMs);
    this.#timer.unref();
  }

  /** Applies everything due now. Decisions that could not be stored are retried next tick. */
  async runDue(): Promise<void> {
    if (this.#running) return;
    this.#running = true;
    try {
      const now = this.clock.now();
      await this.#runSources(now);
      const next = this.core.nextDeadline();
      const decisions = this.#unstored.splice(0);
      if (next !== null && next <= now) decisions.push(...this.core.tick(now));
      if (decisions.length === 0) return;
      try {
        await this.alarms.applyTimed(decisions);
      } catch (err) {
        this.#unstored = decisions.concat(this.#unstored);
        this.logger.error(
          { err: (err as Error).message, decisions: decisions.length },
          'timed decisions not stored; retrying',
        );
      }
    } finally {
      this.#running = false;
    }
  }

  #unstored: Decision[] = [];

  async #runSources(now: number): Promise<void> {
    for (const source of this.#sources) {
      const due = source.nextDue();
      if (due === null || due > now) continue;
      // A failure is retried next tick: the source keeps what it could not store.
      await source
        .runDue(now)
        .catch((err: Error) => this.logger.error({ err: err.message }, 'timed source failed; retrying'));
    }
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
  }
}
