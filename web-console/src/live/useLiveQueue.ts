// React binding of the live stream: holds the queue state, the connection state and the mute
// switch, and plays the chime when the pure state says an alarm must announce itself.

import type { AlarmSummary, StreamMessage } from '@trygg/console-contract';
import { useCallback, useEffect, useRef, useState } from 'react';
import { readFlag, writeFlag } from '../app/storage.ts';
import { playChime } from '../sound/chime.ts';
import { awaitingAnswer, REMIND_EVERY_MS } from '../sound/reminder.ts';
import { type ConnectionState, LiveStream } from './liveStream.ts';
import { applyMessages, applyOwnChange, emptyQueue, type QueueState } from './queueState.ts';

const MUTE_KEY = 'trygg.muted';
/** At most one queue render per this many milliseconds while messages stream in. */
const RENDER_EVERY_MS = 50;

export interface LiveQueue {
  queue: QueueState;
  connection: ConnectionState;
  /** When the stream stopped being live (null while live). */
  downSince: number | null;
  muted: boolean;
  setMuted: (muted: boolean) => void;
  /** Folds an alarm returned by this console's own action into the queue at once. */
  applyOwn: (alarm: AlarmSummary) => void;
}

export function useLiveQueue(
  enabled: boolean,
  onUnauthorized: () => void,
  /** Alarms that must announce themselves (the shell shows a desktop notification when hidden). */
  onAnnounce?: (alarms: AlarmSummary[]) => void,
): LiveQueue {
  const [queue, setQueue] = useState<QueueState>(emptyQueue);
  const [connection, setConnection] = useState<ConnectionState>('connecting');
  const [downSince, setDownSince] = useState<number | null>(Date.now());
  const [muted, setMutedState] = useState(() => readFlag(MUTE_KEY, false));
  const mutedRef = useRef(muted);
  mutedRef.current = muted;
  const queueRef = useRef(queue);
  const unauthorizedRef = useRef(onUnauthorized);
  unauthorizedRef.current = onUnauthorized;
  const announceRef = useRef(onAnnounce);
  announceRef.current = onAnnounce;

  // A storm (an outage regrouping 2,000 alarms) sends thousands of messages in a burst: they are
  // applied as one batch and rendered at most once per RENDER_EVERY_MS; a lone message is still
  // applied and rendered at once (leading edge), so a single new alarm is not delayed.
  const inbox = useRef<StreamMessage[]>([]);
  const lastRender = useRef(0);
  const pendingRender = useRef<ReturnType<typeof setTimeout> | null>(null);
  const render = useCallback(() => {
    if (pendingRender.current) return;
    const wait = lastRender.current + RENDER_EVERY_MS - performance.now();
    const flush = () => {
      pendingRender.current = null;
      lastRender.current = performance.now();
      const { state, announce } = applyMessages(queueRef.current, inbox.current.splice(0), Date.now());
      queueRef.current = state;
      setQueue(state);
      if (announce.length > 0 && !mutedRef.current) playChime();
      if (announce.length > 0) announceRef.current?.(announce.flatMap((id) => state.alarms.get(id) ?? []));
    };
    if (wait <= 0) flush();
    else pendingRender.current = setTimeout(flush, wait);
  }, []);

  useEffect(() => {
    if (!enabled) return;
    queueRef.current = emptyQueue;
    inbox.current = [];
    setQueue(emptyQueue);
    const stream = new LiveStream({
      onMessage: (msg) => {
        inbox.current.push(msg);
        render();
      },
      onState: (state, since) => {
        setConnection(state);
        setDownSince((prev) => (state === 'open' ? null : (prev ?? since)));
      },
      onUnauthorized: () => unauthorizedRef.current(),
    });
    stream.start();
    const online = () => stream.reconnectNow();
    window.addEventListener('online', online);
    return () => {
      window.removeEventListener('online', online);
      stream.stop();
      if (pendingRender.current) clearTimeout(pendingRender.current);
      pendingRender.current = null;
    };
  }, [enabled, render]);

  // The chime repeats until every operator alarm is taken: one timer for the whole console.
  useEffect(() => {
    if (!enabled) return;
    const id = setInterval(() => {
      if (!mutedRef.current && awaitingAnswer(queueRef.current.alarms.values()) > 0) playChime();
    }, REMIND_EVERY_MS);
    return () => clearInterval(id);
  }, [enabled]);

  const setMuted = useCallback((m: boolean) => {
    setMutedState(m);
    writeFlag(MUTE_KEY, m);
  }, []);

  const applyOwn = useCallback((alarm: AlarmSummary) => {
    queueRef.current = applyOwnChange(queueRef.current, alarm);
    setQueue(queueRef.current);
  }, []);

  return { queue, connection, downSince, muted, setMuted, applyOwn };
}
