// Pure state of the live alarm queue: applies the server's stream messages and tells the shell
// which alarms must announce themselves (sound + highlight). No DOM, no timers: testable in Node.

import type { AlarmSummary, StreamMessage } from '@trygg/console-contract';

export interface QueueState {
  /** Open alarms by id; closed alarms leave the queue. */
  alarms: ReadonlyMap<string, AlarmSummary>;
  /** When this console first saw (or was last re-alerted by) each alarm, for the highlight. */
  alertedAt: ReadonlyMap<string, number>;
  degraded: boolean;
  degradedReason: string | null;
  /** True once the first snapshot has arrived since login. */
  synced: boolean;
}

export const emptyQueue: QueueState = {
  alarms: new Map(),
  alertedAt: new Map(),
  degraded: false,
  degradedReason: null,
  synced: false,
};

/**
 * A change the operator must notice: an alarm this console has not seen, a repeated press, or an
 * escalation. Status changes made by operators (acknowledge, dispatch) are not announced.
 */
export function needsAnnouncement(before: AlarmSummary | undefined, after: AlarmSummary): boolean {
  if (after.status === 'closed') return false;
  if (!before) return after.status === 'new';
  return after.repeatCount > before.repeatCount || (after.escalated && !before.escalated);
}

export interface Applied {
  state: QueueState;
  /** Ids that should flash and chime now. */
  announce: string[];
}

export function applyMessage(state: QueueState, msg: StreamMessage, now: number): Applied {
  switch (msg.type) {
    case 'hello': {
      // The snapshot replaces local state: this is how a reconnecting console catches up.
      const alarms = new Map<string, AlarmSummary>();
      const alertedAt = new Map<string, number>();
      const announce: string[] = [];
      for (const a of msg.alarms) {
        if (a.status === 'closed') continue;
        alarms.set(a.id, a);
        const before = state.alarms.get(a.id);
        // On the very first snapshot everything is "already there": highlight only unacknowledged.
        if (state.synced && needsAnnouncement(before, a)) {
          announce.push(a.id);
          alertedAt.set(a.id, now);
        } else {
          const prev = state.alertedAt.get(a.id);
          if (prev !== undefined) alertedAt.set(a.id, prev);
        }
      }
      return {
        state: { alarms, alertedAt, degraded: msg.degraded, degradedReason: null, synced: true },
        announce,
      };
    }
    case 'alarm': {
      const a = msg.alarm;
      const before = state.alarms.get(a.id);
      const alarms = new Map(state.alarms);
      const alertedAt = new Map(state.alertedAt);
      const announce: string[] = [];
      if (a.status === 'closed') {
        alarms.delete(a.id);
        alertedAt.delete(a.id);
      } else {
        // Stream and REST replies can race; never let an older version overwrite a newer one.
        if (before && before.updatedAt > a.updatedAt) return { state, announce };
        alarms.set(a.id, a);
        if (needsAnnouncement(before, a)) {
          announce.push(a.id);
          alertedAt.set(a.id, now);
        }
      }
      return { state: { ...state, alarms, alertedAt }, announce };
    }
    case 'health':
      return { state: { ...state, degraded: msg.degraded, degradedReason: msg.reason }, announce: [] };
    case 'dispatch':
      // A dispatch change also updates its alarm (which arrives as its own message).
      return { state, announce: [] };
  }
}

/** Applies an alarm the console got back from its own action (acknowledge, close, ...). */
export function applyOwnChange(state: QueueState, alarm: AlarmSummary): QueueState {
  return applyMessage(state, { type: 'alarm', alarm }, 0).state;
}
