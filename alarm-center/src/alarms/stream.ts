// The consoles' live stream: a snapshot of open alarms on connect (so a reconnecting console
// catches up without reload), then every committed change and every health change.

import type { FastifyPluginAsync } from 'fastify';
import type { AlarmSummary, DispatchStreamMessage, StreamMessage } from '../api/schemas.ts';
import type { Metrics } from '../metrics.ts';
import type { AlarmBus } from './bus.ts';
import type { AlarmService } from './service.ts';

export interface StreamOptions {
  alarms: AlarmService;
  bus: AlarmBus;
  metrics: Metrics;
  /** The responder a responder-role login acts as: it is shown its own dispatches only, no alarms. */
  responderIdOf?: (username: string) => Promise<string | null>;
}

export const streamPlugin: FastifyPluginAsync<StreamOptions> = async (app, deps) => {
  app.get('/api/stream', { websocket: true }, async (socket, request) => {
    const user = request.user;
    if (!user || !['operator', 'supervisor', 'technician', 'responder'].includes(user.role)) {
      socket.close(4401, 'log in first');
      return;
    }
    const responderId = user.role === 'responder' ? ((await deps.responderIdOf?.(user.username)) ?? null) : null;
    if (user.role === 'responder' && !responderId) {
      socket.close(4401, 'not linked to a responder');
      return;
    }
    const visible = (a: AlarmSummary) =>
      user.role === 'responder' ? false : user.role !== 'technician' || a.audience === 'technician';
    const dispatchVisible = (d: DispatchStreamMessage) =>
      user.role === 'responder' ? d.responderId === responderId : user.role !== 'technician';
    const send = (m: StreamMessage) => {
      if (socket.readyState === socket.OPEN) socket.send(JSON.stringify(m));
    };
    // Subscribe before reading the snapshot so no change falls between the two.
    const pending: AlarmSummary[] = [];
    let ready = false;
    const offAlarm = deps.bus.onAlarm((alarm) => {
      if (!visible(alarm)) return;
      if (ready) send({ type: 'alarm', alarm });
      else pending.push(alarm);
    });
    const offDispatch = deps.bus.onDispatch((d) => {
      if (dispatchVisible(d)) send(d);
    });
    const offHealth = deps.bus.onHealth((h) => send({ type: 'health', degraded: h.degraded, reason: h.reason }));
    deps.metrics.consoles.inc();
    socket.on('close', () => {
      offAlarm();
      offDispatch();
      offHealth();
      deps.metrics.consoles.dec();
    });
    try {
      const open = user.role === 'responder' ? [] : (await deps.alarms.open()).filter(visible);
      send({ type: 'hello', alarms: open, degraded: deps.bus.health.degraded });
    } catch {
      send({ type: 'hello', alarms: [], degraded: true });
    }
    ready = true;
    for (const alarm of pending) send({ type: 'alarm', alarm });
  });
};
