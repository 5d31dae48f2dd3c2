// The demo fleet `npm start` runs against the embedded platform: every device connects and sends
// heartbeats, and every `pressEveryMs` a pendant's resident presses the button (and, a little
// later, a fall sensor or door reports something), so a new user sees alarms arrive.

import type { DeviceType } from '@trygg/firmware-protocol';
import { type EventBody, SimDevice } from './device.ts';

export interface DemoOptions {
  brokerUrl: string;
  devices: { deviceId: string; deviceType: DeviceType; secret: string }[];
  pressEveryMs: number;
  heartbeatIntervalS?: number;
}

export interface RunningDemo {
  devices: SimDevice[];
  stop(): Promise<void>;
}

function demoEvent(type: DeviceType): EventBody | null {
  switch (type) {
    case 'pendant':
    case 'mobile_pendant':
      return { type: 'alarm.manual' };
    case 'fall':
      return { type: 'fall.detected' };
    default:
      return null;
  }
}

export async function runDemo(options: DemoOptions): Promise<RunningDemo> {
  const devices = options.devices.map(
    (d) => new SimDevice(d, { brokerUrl: options.brokerUrl, heartbeatIntervalS: options.heartbeatIntervalS ?? 60 }),
  );
  await Promise.all(devices.map((d) => d.connect()));
  for (const d of devices) d.startHeartbeats();
  const actors = devices.filter((d) => demoEvent(d.deviceType) !== null);
  let turn = 0;
  const timer = setInterval(() => {
    const device = actors[turn++ % actors.length];
    const event = device && demoEvent(device.deviceType);
    if (device && event) device.send(event).catch(() => {});
  }, options.pressEveryMs);
  timer.unref();
  return {
    devices,
    async stop() {
      clearInterval(timer);
      await Promise.all(devices.map((d) => d.stop()));
    },
  };
}
