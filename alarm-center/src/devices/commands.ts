// Asks a device something over its MQTT command channel (`v1/devices/<id>/cmd`) and waits for its
// answer: the event or the refusing ack that carries the command's id. Published through the
// embedded broker in process; the answer is watched for after the ingest has committed it. A
// device connected to another node is reached through the command relay (command-relay.ts).

import { randomUUID } from 'node:crypto';
import type { RunningBroker } from '@trygg/broker';
import {
  type CommandAck,
  type DeviceCommand,
  type DeviceEvent,
  decodeDeviceMessage,
  deviceTopic,
} from '@trygg/firmware-protocol';

export type CommandReply =
  | { kind: 'event'; event: DeviceEvent }
  | { kind: 'acked' }
  | { kind: 'refused'; error: string }
  | { kind: 'timeout' };

/** Which event answers a command; null: the device's positive ack is the answer (a setting). */
export type CommandAnswer = ((event: DeviceEvent) => boolean) | null;

export interface DeviceCommands {
  /**
   * Sends `command` and resolves with the first event from the device that `answers` accepts (or,
   * with `answers` null, the device's positive ack), a negative ack for the command, or a timeout.
   */
  request(deviceId: string, command: DeviceCommand, answers: CommandAnswer, timeoutMs: number): Promise<CommandReply>;
}

type Aedes = RunningBroker['aedes'];

/** Whether this node's broker holds the device's connection (aedes keeps clients by client id = device id). */
export function connectedHere(aedes: Aedes, deviceId: string): boolean {
  const clients = (aedes as unknown as { clients: Record<string, { connected?: boolean } | undefined> }).clients;
  return clients[deviceId]?.connected === true;
}

/** What a device message means for a waiting command: its answer, its refusal, or nothing. */
export function matchReply(
  command: DeviceCommand,
  answers: CommandAnswer,
  topic: string,
  payload: Uint8Array,
): CommandReply | null {
  const decoded = decodeDeviceMessage(topic, payload);
  if (!decoded.ok) return null;
  if (decoded.channel === 'event' && answers?.(decoded.message)) return { kind: 'event', event: decoded.message };
  if (decoded.channel === 'ack') {
    const ack: CommandAck = decoded.message;
    if (ack.commandId !== command.id) return null;
    if (!ack.ok) return { kind: 'refused', error: ack.error ?? 'refused' };
    if (answers === null) return { kind: 'acked' };
  }
  return null;
}

/**
 * Calls `onMessage` with each event and ack the device publishes (after ingest committed it) until
 * it returns true, `timeoutMs` passes or the returned stop is called.
 */
export function watchDevice(
  aedes: Aedes,
  deviceId: string,
  timeoutMs: number,
  onMessage: (topic: string, payload: Buffer) => boolean,
): () => void {
  const eventTopic = deviceTopic(deviceId, 'event');
  const ackTopic = deviceTopic(deviceId, 'ack');
  const onPublish = (packet: { topic: string; payload: string | Buffer }) => {
    if (packet.topic !== eventTopic && packet.topic !== ackTopic) return;
    const payload = typeof packet.payload === 'string' ? Buffer.from(packet.payload) : packet.payload;
    if (onMessage(packet.topic, payload)) stop();
  };
  // The wait is bounded by a timer of its own: it is not a deadline the scheduler should know
  // about, only how long an operator waits for a camera.
  const timer = setTimeout(() => stop(), timeoutMs);
  const stop = () => {
    clearTimeout(timer);
    aedes.off('publish', onPublish);
  };
  aedes.on('publish', onPublish);
  return stop;
}

export function brokerCommands(aedes: Aedes): DeviceCommands {
  return {
    request(deviceId, command, answers, timeoutMs) {
      return new Promise<CommandReply>((resolve, reject) => {
        const done = () => {
          clearTimeout(timer);
          stop();
        };
        const timer = setTimeout(() => {
          done();
          resolve({ kind: 'timeout' });
        }, timeoutMs);
        const stop = watchDevice(aedes, deviceId, timeoutMs, (topic, payload) => {
          const reply = matchReply(command, answers, topic, payload);
          if (!reply) return false;
          clearTimeout(timer);
          resolve(reply);
          return true;
        });
        aedes.publish(
          {
            cmd: 'publish',
            topic: deviceTopic(deviceId, 'cmd'),
            payload: Buffer.from(JSON.stringify(command)),
            qos: 1,
            retain: false,
            dup: false,
          },
          (err) => {
            if (!err) return;
            done();
            reject(err);
          },
        );
      });
    },
  };
}

/** What a technician may ask of a device from the console: the protocol's commands. */
export type TechnicianCommand =
  | { type: 'ping' }
  | { type: 'set_heartbeat_interval'; intervalS: number }
  | { type: 'request_snapshot' };

export interface CommandOutcome {
  commandId: string;
  type: TechnicianCommand['type'];
  /** answered: the device acknowledged (or, for a snapshot, sent a frame); refused: it said no. */
  result: 'answered' | 'refused' | 'timeout';
  error: string | null;
  sentAt: number;
  answeredAt: number | null;
}

/** How long the technician waits for a device's answer before it counts as no answer. */
export const COMMAND_WAIT_MS = 10_000;

interface Audit {
  record(entry: {
    actor: string;
    action: string;
    subjectType: string;
    subjectId: string;
    reason: string | null;
  }): Promise<void>;
}

/**
 * The technicians' commands, sent on the same road as every other command (`request` above) and
 * audit-logged before they go. A snapshot's frame is never handed back here: camera views are for
 * scheduled visits and alarms only, so the technician learns only that the camera answered.
 */
export class TechnicianCommands {
  constructor(
    private readonly commands: DeviceCommands,
    private readonly audit: Audit,
    private readonly clock: { now(): number },
    private readonly waitMs = COMMAND_WAIT_MS,
  ) {}

  async send(actor: string, deviceId: string, command: TechnicianCommand): Promise<CommandOutcome> {
    const sentAt = this.clock.now();
    const id = `tech-${randomUUID()}`;
    const wire: DeviceCommand = { v: 1, id, ts: sentAt, ...command };
    await this.audit.record({
      actor,
      action: 'device_command',
      subjectType: 'device',
      subjectId: deviceId,
      reason: command.type === 'set_heartbeat_interval' ? `${command.type} ${command.intervalS} s` : command.type,
    });
    const answers =
      command.type === 'request_snapshot'
        ? (e: DeviceEvent) => e.type === 'camera.snapshot' && e.requestId === id
        : null;
    const reply = await this.commands.request(deviceId, wire, answers, this.waitMs);
    const answeredAt = reply.kind === 'timeout' ? null : this.clock.now();
    return {
      commandId: id,
      type: command.type,
      result: reply.kind === 'timeout' ? 'timeout' : reply.kind === 'refused' ? 'refused' : 'answered',
      error: reply.kind === 'refused' ? reply.error : null,
      sentAt,
      answeredAt,
    };
  }
}
