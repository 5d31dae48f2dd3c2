// Asks a device something over its MQTT command channel (`v1/devices/<id>/cmd`) and waits for its
// answer: the event or the refusing ack that carries the command's id. Published through the
// embedded broker in process; the answer is watched for after the ingest has committed it.

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
  | { kind: 'refused'; error: string }
  | { kind: 'timeout' };

export interface DeviceCommands {
  /**
   * Sends `command` and resolves with the first event from the device that `answers` accepts, a
   * negative ack for the command, or a timeout.
   */
  request(
    deviceId: string,
    command: DeviceCommand,
    answers: (event: DeviceEvent) => boolean,
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
          if (decoded.channel === 'event' && answers(decoded.message))
            finish({ kind: 'event', event: decoded.message });
          if (decoded.channel === 'ack') {
            const ack: CommandAck = decoded.message;
            if (ack.commandId === command.id && !ack.ok) finish({ kind: 'refused', error: ack.error ?? 'refused' });
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
