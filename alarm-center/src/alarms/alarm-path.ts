// Stage timestamps of an alarm's way from the broker to the consoles (received, batched,
// committed, acknowledged, notified on another node, published to this node's consoles), on
// Node's diagnostics_channel `trygg:alarm-path`. Nothing is built or published unless something
// subscribes (the scale run's SCALE_TRACE=1 does, from a preloaded module), so the hot path pays
// one hasSubscribers check per stage. Times are wall-clock milliseconds, comparable across processes.

import diagnostics_channel from 'node:diagnostics_channel';

export const ALARM_PATH_CHANNEL = 'trygg:alarm-path';

export type AlarmPathStage =
  /** An urgent device event reached the ingest (the broker's publish hook), before decoding. */
  | { stage: 'received'; deviceId: string; messageId: string }
  /**
   * A group-commit transaction: when its batch was taken, when its transaction was open (a pool
   * connection and BEGIN), when its statements were done (COMMIT sent) and (`at`) when it committed.
   */
  | {
      stage: 'batch';
      lane: string;
      deviceIds: string[];
      startedAt: number;
      openedAt: number;
      wroteAt: number;
      size: number;
    }
  /** The event's transaction committed; the alarms it opened or changed. */
  | { stage: 'committed'; deviceId: string; alarmIds: string[] }
  /** The ingest resolved: the broker may acknowledge (PUBACK) now. */
  | { stage: 'acknowledged'; deviceId: string }
  /** Another node's change notice arrived on this node's change feed. */
  | { stage: 'notified'; alarmId: string }
  /** The change went out to this node's consoles (its AlarmBus). */
  | { stage: 'published'; alarmId: string; deviceId: string; status: string };

const channel = diagnostics_channel.channel(ALARM_PATH_CHANNEL);

export const wallClockMs = () => performance.timeOrigin + performance.now();

/** True while someone listens; callers check it before building a stage's fields. */
export const tracingAlarmPath = () => channel.hasSubscribers;

export function traceAlarmPath(stage: AlarmPathStage, at = wallClockMs()): void {
  if (channel.hasSubscribers) channel.publish({ ...stage, at });
}
