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
      // Stream and REST replies can race; never let an older version overwrite a newer one.
      if (a.status !== 'closed' && before && before.updatedAt > a.updatedAt) return { state, announce: [] };
      const alarms = new Map(state.alarms);
      const alertedAt = new Map(state.alertedAt);
      const announce: string[] = [];
      applyAlarmInto(alarms, alertedAt, a, now, announce);
      return { state: { ...state, alarms, alertedAt }, announce };
    }
    case 'health':
      return { state: { ...state, degraded: msg.degraded, degradedReason: msg.reason }, announce: [] };
    case 'dispatch':
      // A dispatch change also updates its alarm (which arrives as its own message).
      return { state, announce: [] };
  }
}

/** One alarm message into maps the caller owns (copied once per message or once per batch). */
function applyAlarmInto(
  alarms: Map<string, AlarmSummary>,
  alertedAt: Map<string, number>,
  a: AlarmSummary,
  now: number,
  announce: string[],
): void {
  const before = alarms.get(a.id);
  if (a.status === 'closed') {
    alarms.delete(a.id);
    alertedAt.delete(a.id);
    return;
  }
  if (before && before.updatedAt > a.updatedAt) return;
  alarms.set(a.id, a);
  if (needsAnnouncement(before, a)) {
    announce.push(a.id);
    alertedAt.set(a.id, now);
  }
}

/**
 * Applies a burst of messages at once, as applying them one by one would, but copying the
 * queue's maps once for the burst instead of once per message: an outage storm sends thousands.
 */
export function applyMessages(state: QueueState, msgs: readonly StreamMessage[], now: number): Applied {
  if (msgs.length === 1) return applyMessage(state, msgs[0]!, now);
  let current = state;
  let owned: { alarms: Map<string, AlarmSummary>; alertedAt: Map<string, number> } | null = null;
  const announce: string[] = [];
  for (const msg of msgs) {
    if (msg.type !== 'alarm') {
      const applied = applyMessage(current, msg, now);
      current = applied.state;
      announce.push(...applied.announce);
      owned = null;
      continue;
    }
    if (!owned) {
      owned = { alarms: new Map(current.alarms), alertedAt: new Map(current.alertedAt) };
      current = { ...current, ...owned };
    }
    applyAlarmInto(owned.alarms, owned.alertedAt, msg.alarm, now, announce);
  }
  return { state: current, announce: [...new Set(announce)] };
}

/** Applies an alarm the console got back from its own action (acknowledge, close, ...). */
export function applyOwnChange(state: QueueState, alarm: AlarmSummary): QueueState {
  return applyMessage(state, { type: 'alarm', alarm }, 0).state;
}
