// In-process fan-out of committed alarm changes and health changes to the consoles' WebSockets.
// Only committed state is published: a console never shows an alarm the database lost.

import { EventEmitter } from 'node:events';
import type { AlarmSummary, DispatchStreamMessage } from '../api/schemas.ts';
import { traceAlarmPath } from './alarm-path.ts';

export interface Health {
  degraded: boolean;
  reason: string | null;
}

export class AlarmBus {
  readonly #emitter = new EventEmitter();
  #health: Health = { degraded: false, reason: null };

  constructor() {
    this.#emitter.setMaxListeners(0);
  }

  publishAlarm(alarm: AlarmSummary): void {
    this.#emitter.emit('alarm', alarm);
    traceAlarmPath({ stage: 'published', alarmId: alarm.id, deviceId: alarm.deviceId, status: alarm.status });
  }

  onAlarm(listener: (alarm: AlarmSummary) => void): () => void {
    this.#emitter.on('alarm', listener);
    return () => this.#emitter.off('alarm', listener);
  }

  /** A committed dispatch change (ids and state only: the stream carries no personal data). */
  publishDispatch(message: DispatchStreamMessage): void {
    this.#emitter.emit('dispatch', message);
  }

  onDispatch(listener: (message: DispatchStreamMessage) => void): () => void {
    this.#emitter.on('dispatch', listener);
    return () => this.#emitter.off('dispatch', listener);
  }

  get health(): Health {
    return this.#health;
  }

  setHealth(health: Health): void {
    if (health.degraded === this.#health.degraded && health.reason === this.#health.reason) return;
    this.#health = health;
    this.#emitter.emit('health', health);
  }

  onHealth(listener: (health: Health) => void): () => void {
    this.#emitter.on('health', listener);
    return () => this.#emitter.off('health', listener);
  }
}
