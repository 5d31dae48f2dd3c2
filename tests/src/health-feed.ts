// What a logged-in console hears about the platform's health: the `health` messages of the
// WebSocket stream, in order (true: degraded). Fault tests assert the banner's source with it.

import type { Platform } from '@trygg/alarm-center';
import { addUser, loginClient } from '@trygg/alarm-center/testing';
import WebSocket from 'ws';

export interface HealthFeed {
  /** Every `degraded` flag received, oldest first. */
  degraded: boolean[];
  close(): void;
}

export async function healthFeed(platform: Platform, username = 'health-feed-op'): Promise<HealthFeed> {
  const user = await addUser(platform, username, 'operator');
  const { cookie } = await loginClient(platform, user.username, user.password);
  const socket = new WebSocket(`ws://127.0.0.1:${platform.httpPort}/api/stream`, { headers: { cookie } });
  const degraded: boolean[] = [];
  socket.on('message', (data) => {
    const message = JSON.parse(String(data));
    if (message.type === 'health') degraded.push(message.degraded);
  });
  await new Promise((resolve) => socket.once('open', resolve));
  return { degraded, close: () => socket.close() };
}
