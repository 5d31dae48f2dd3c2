// Scripted scenarios from readable YAML files: which devices take part, what each sends when (in
// simulated seconds from the start), connection drops, and the messages the platform is expected
// to receive. Simulated time runs `speed` times faster than real time; device timestamps follow
// simulated time exactly, so a night of events replays in seconds with realistic clocks.

import { readFile } from 'node:fs/promises';
import { type DeviceType, deviceEventSchema, deviceTypeSchema, eventAllowedFor } from '@trygg/firmware-protocol';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { type EventBody, SimDevice } from './device.ts';

/** "90", 90, "90s", "15m", "2h" → seconds. */
const durationSchema = z.union([
  z.number().min(0),
  z
    .string()
    .regex(/^\d+(\.\d+)?(s|m|h)?$/, 'a duration such as 90, "90s", "15m" or "2h"')
    .transform((text) => {
      const value = Number.parseFloat(text);
      const unit = text.at(-1);
      return unit === 'h' ? value * 3600 : unit === 'm' ? value * 60 : value;
    }),
]);

const stepSchema = z.union([
  z.strictObject({ at: durationSchema, device: z.string(), send: z.record(z.string(), z.unknown()) }),
  z.strictObject({ at: durationSchema, device: z.string(), heartbeat: z.literal(true) }),
  z.strictObject({ at: durationSchema, disconnect: z.string() }),
  z.strictObject({ at: durationSchema, reconnect: z.string() }),
]);

export const scenarioSchema = z.strictObject({
  name: z.string().min(1),
  description: z.string().optional(),
  /** Simulated wall-clock start (ISO 8601 with offset), e.g. 02:10 local for a night scenario. */
  start: z.iso.datetime({ offset: true }),
  devices: z.array(z.strictObject({ id: z.string(), type: deviceTypeSchema })).min(1),
  steps: z.array(stepSchema).min(1),
  /** Event types the platform should receive from each device, in order. */
  expect: z.record(z.string(), z.array(z.string())).optional(),
});

export type ScenarioStep = z.infer<typeof stepSchema>;
export interface Scenario extends Omit<z.infer<typeof scenarioSchema>, 'steps'> {
  steps: ScenarioStep[];
}

export class ScenarioError extends Error {
  constructor(source: string, message: string) {
    super(`${source}: ${message}`);
    this.name = 'ScenarioError';
  }
}

/** Parses and checks a scenario; every message is validated against the wire schema up front. */
export function parseScenario(text: string, source = 'scenario'): Scenario {
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (err) {
    throw new ScenarioError(source, `not valid YAML: ${(err as Error).message}`);
  }
  const result = scenarioSchema.safeParse(raw);
  if (!result.success) {
    const issue = result.error.issues[0];
    throw new ScenarioError(source, `${issue?.path.join('.') || '(root)'}: ${issue?.message}`);
  }
  const scenario = result.data;
  const types = new Map(scenario.devices.map((d) => [d.id, d.type]));
  let previous = 0;
  scenario.steps.forEach((step, index) => {
    const where = `steps.${index}`;
    if (step.at < previous) throw new ScenarioError(source, `${where}: steps must be in time order`);
    previous = step.at;
    const deviceId = 'device' in step ? step.device : 'disconnect' in step ? step.disconnect : step.reconnect;
    const type = types.get(deviceId);
    if (!type) throw new ScenarioError(source, `${where}: device "${deviceId}" is not listed under devices`);
    if ('send' in step) {
      const checked = deviceEventSchema.safeParse({
        v: 1,
        id: 'scenario-check',
        ts: Date.parse(scenario.start),
        ...step.send,
      });
      if (!checked.success) {
        const issue = checked.error.issues[0];
        throw new ScenarioError(source, `${where}.send: ${issue?.path.join('.') || '(root)'}: ${issue?.message}`);
      }
      if (!eventAllowedFor(type, checked.data.type)) {
        throw new ScenarioError(source, `${where}.send: a ${type} does not send ${checked.data.type}`);
      }
    }
  });
  for (const deviceId of Object.keys(scenario.expect ?? {})) {
    if (!types.has(deviceId)) throw new ScenarioError(source, `expect: device "${deviceId}" is not listed`);
  }
  return scenario;
}

export async function loadScenario(path: string): Promise<Scenario> {
  return parseScenario(await readFile(path, 'utf8'), path);
}

export interface ScenarioRunOptions {
  brokerUrl: string;
  secretOf(deviceId: string, deviceType: DeviceType): string;
  /** Simulated seconds per real second; 1 is real time. */
  speed: number;
  heartbeatIntervalS?: number;
  onStep?(step: ScenarioStep, index: number): void;
}

export interface ScenarioSent {
  deviceId: string;
  type: string;
  id: string;
  /** Device timestamp (simulated clock). */
  ts: number;
}

export interface ScenarioResult {
  sent: ScenarioSent[];
  failed: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function runScenario(scenario: Scenario, options: ScenarioRunOptions): Promise<ScenarioResult> {
  const start = Date.parse(scenario.start);
  let simulatedNow = start;
  const devices = new Map<string, SimDevice>();
  for (const { id, type } of scenario.devices) {
    devices.set(
      id,
      new SimDevice(
        { deviceId: id, deviceType: type, secret: options.secretOf(id, type) },
        { brokerUrl: options.brokerUrl, now: () => simulatedNow, heartbeatIntervalS: options.heartbeatIntervalS },
      ),
    );
  }
  const result: ScenarioResult = { sent: [], failed: 0 };
  const deliveries: Promise<void>[] = [];
  const pendingOf = new Map<string, Promise<void>[]>();
  const begun = performance.now();
  try {
    await Promise.all([...devices.values()].map((d) => d.connect()));
    for (const [index, step] of scenario.steps.entries()) {
      const due = (step.at * 1000) / options.speed;
      const wait = due - (performance.now() - begun);
      if (wait > 0) await sleep(wait);
      simulatedNow = start + step.at * 1000;
      options.onStep?.(step, index);
      if ('disconnect' in step) {
        // Simulated time passed since the device's last messages; at 5,000× speed only
        // milliseconds did, so what it sent is let arrive first, as it would have in that time.
        // (Going offline with a message still in flight left it queued and the run waiting forever.)
        await Promise.all(pendingOf.get(step.disconnect) ?? []);
        devices.get(step.disconnect)?.goOffline();
        continue;
      }
      if ('reconnect' in step) {
        devices.get(step.reconnect)?.goOnline();
        continue;
      }
      const device = devices.get(step.device) as SimDevice;
      const ts = simulatedNow;
      const sending = 'send' in step ? device.send(step.send as EventBody) : device.heartbeat();
      const type = 'send' in step ? String(step.send.type) : 'heartbeat';
      const delivered = sending.then(
        (delivery) => void result.sent.push({ deviceId: device.deviceId, type, id: delivery.id, ts }),
        () => void result.failed++,
      );
      deliveries.push(delivered);
      pendingOf.set(device.deviceId, [...(pendingOf.get(device.deviceId) ?? []), delivered]);
    }
    await Promise.all(deliveries);
  } finally {
    await Promise.all([...devices.values()].map((d) => d.stop()));
  }
  return result;
}
