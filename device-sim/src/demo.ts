// The demo fleet `npm start` runs against the embedded platform: every device connects and sends
// heartbeats, and every `pressEveryMs` a pendant's resident presses the button (or a fall sensor
// reports a fall), so a new user sees alarms arrive. As in real life, some presses are mistakes
// the resident cancels on the unit a few seconds later.

import type { DeviceType } from '@trygg/firmware-protocol';
import { type EventBody, SimDevice } from './device.ts';

export interface DemoOptions {
  brokerUrl: string;
  devices: { deviceId: string; deviceType: DeviceType; secret: string }[];
  pressEveryMs: number;
  /** The first press comes this soon after the start (default: after pressEveryMs). */
  firstPressAfterMs?: number;
  /** Every n-th manual press is a mistake the resident cancels (0 or absent: never). */
  cancelEvery?: number;
  /** How long after such a press the resident cancels it (within the unit's cancel window). */
  cancelAfterMs?: number;
  heartbeatIntervalS?: number;
  /** Pendants are base units that take the alarm's voice call (SIP + RTP from 127.0.0.1). */
  voice?: boolean;
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
  const hasVoice = (type: DeviceType) => options.voice === true && (type === 'pendant' || type === 'mobile_pendant');
  const devices = options.devices.map(
    (d) =>
      new SimDevice(d, {
        brokerUrl: options.brokerUrl,
        heartbeatIntervalS: options.heartbeatIntervalS ?? 60,
        ...(hasVoice(d.deviceType) ? { voice: {} } : {}),
      }),
  );
  await Promise.all(devices.map((d) => d.connect()));
  for (const d of devices) d.startHeartbeats();
  const actors = devices.filter((d) => demoEvent(d.deviceType) !== null);
  let turn = 0;
  let manualPresses = 0;
  const cancels = new Set<NodeJS.Timeout>();
  const press = () => {
    const device = actors[turn++ % actors.length];
    const event = device && demoEvent(device.deviceType);
    if (!device || !event) return;
    device.send(event).catch(() => {});
    if (event.type !== 'alarm.manual' || !options.cancelEvery) return;
    manualPresses += 1;
    if (manualPresses % options.cancelEvery !== 0) return;
    const cancel = setTimeout(() => {
      cancels.delete(cancel);
      device.send({ type: 'alarm.cancel' }).catch(() => {});
    }, options.cancelAfterMs ?? 8_000);
    cancel.unref();
    cancels.add(cancel);
  };
  let timer: NodeJS.Timeout | undefined;
  const first = setTimeout(() => {
    press();
    timer = setInterval(press, options.pressEveryMs);
    timer.unref();
  }, options.firstPressAfterMs ?? options.pressEveryMs);
  first.unref();
  return {
    devices,
    async stop() {
      clearTimeout(first);
      clearInterval(timer);
      for (const c of cancels) clearTimeout(c);
      await Promise.all(devices.map((d) => d.stop()));
    },
  };
}
