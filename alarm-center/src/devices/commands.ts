// Asks a device something over its MQTT command channel (`v1/devices/<id>/cmd`) and waits for its
// answer: the event or the refusing ack that carries the command's id. Published through the
// embedded broker in process; the answer is watched for after the ingest has committed it. A
// device connected to another node is reached through the command relay (command-relay.ts).

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
