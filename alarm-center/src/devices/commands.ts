// Asks a device something over its MQTT command channel (`v1/devices/<id>/cmd`) and waits for its
// answer: the event or the refusing ack that carries the command's id. Published through the
// embedded broker in process; the answer is watched for after the ingest has committed it.

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
  /** The device acknowledged the command (only when the caller waits for an ack, not an event). */
  | { kind: 'acked' }
  | { kind: 'refused'; error: string }
  | { kind: 'timeout' };

export interface DeviceCommands {
  /**
   * Sends `command` and resolves with the first event from the device that `answers` accepts (or,
   * with `answers` null, the device's positive ack of the command), a negative ack, or a timeout.
   */
  request(
    deviceId: string,
    command: DeviceCommand,
    answers: ((event: DeviceEvent) => boolean) | null,
    timeoutMs: number,
  ): Promise<CommandReply>;
}

type Aedes = RunningBroker['aedes'];

export function brokerCommands(aedes: Aedes): DeviceCommands {
  return {
    request(deviceId, command, answers, timeoutMs) {
      const eventTopic = deviceTopic(deviceId, 'event');
      const ackTopic = deviceTopic(deviceId, 'ack');
      return new Promise<CommandReply>((resolve, reject) => {
        const finish = (reply: CommandReply) => {
          clearTimeout(timer);
          aedes.off('publish', onPublish);
          resolve(reply);
        };
        const onPublish = (packet: { topic: string; payload: string | Buffer }) => {
          if (packet.topic !== eventTopic && packet.topic !== ackTopic) return;
          const payload = typeof packet.payload === 'string' ? Buffer.from(packet.payload) : packet.payload;
          const decoded = decodeDeviceMessage(packet.topic, payload);
          if (!decoded.ok) return;
          if (decoded.channel === 'event' && answers?.(decoded.message))
            finish({ kind: 'event', event: decoded.message });
          if (decoded.channel === 'ack') {
            const ack: CommandAck = decoded.message;
            if (ack.commandId !== command.id) return;
            if (!ack.ok) finish({ kind: 'refused', error: ack.error ?? 'refused' });
            else if (answers === null) finish({ kind: 'acked' });
          }
        };
        // The request/response wait is bounded by a timer of its own: it is not a deadline the
        // scheduler should know about, only how long an operator waits for a camera.
        const timer = setTimeout(() => finish({ kind: 'timeout' }), timeoutMs);
        aedes.on('publish', onPublish);
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
            clearTimeout(timer);
            aedes.off('publish', onPublish);
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
