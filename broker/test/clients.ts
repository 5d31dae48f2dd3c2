// Test clients for the broker's tests: mqtt.js on a real socket, Debian's mosquitto clients, and a
// raw CONNECT written with mqtt-packet for what mqtt.js refuses to send (an empty client id with a
// persistent session, an MQTT 5 CONNECT read back as the broker answered it).

import { execFile } from 'node:child_process';
import { connect as netConnect } from 'node:net';
import { promisify } from 'node:util';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import mqttPacket from 'mqtt-packet';

export const run = promisify(execFile);

export function connect(port: number, options: IClientOptions, transport = 'mqtt'): Promise<MqttClient> {
  return new Promise((resolve, reject) => {
    const client = mqtt.connect(`${transport}://127.0.0.1:${port}`, {
      protocolVersion: 4,
      reconnectPeriod: 0,
      connectTimeout: 5000,
      ...options,
    });
    client.once('connect', () => resolve(client));
    client.once('error', (err) => {
      client.end(true);
      reject(err);
    });
  });
}

/** The next message, or null when none came within the hang guard. */
export function nextMessage(client: MqttClient, timeoutMs = 3000): Promise<{ topic: string; payload: string } | null> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      client.off('message', on);
      resolve(null);
    }, timeoutMs);
    const on = (topic: string, payload: Buffer) => {
      clearTimeout(timer);
      client.off('message', on);
      resolve({ topic, payload: payload.toString() });
    };
    client.on('message', on);
  });
}

export const closed = (client: MqttClient) => new Promise<void>((resolve) => client.once('close', () => resolve()));

export interface RawConnect {
  clientId: string;
  clean: boolean;
  protocolVersion?: 4 | 5;
  username?: string;
  password?: string;
}

/** Sends one CONNECT on a fresh socket and answers the CONNACK's return (v5: reason) code. */
export function rawConnack(port: number, connect: RawConnect): Promise<number> {
  const version = connect.protocolVersion ?? 4;
  return new Promise((resolve, reject) => {
    const socket = netConnect(port, '127.0.0.1');
    // A v3.1.1-format CONNACK (what the broker must send a client it does not speak to) parses alike.
    const parser = mqttPacket.parser({ protocolVersion: version });
    const guard = setTimeout(() => finish(new Error('no CONNACK')), 5000);
    const finish = (result: number | Error) => {
      clearTimeout(guard);
      socket.destroy();
      typeof result === 'number' ? resolve(result) : reject(result);
    };
    parser.on('packet', (packet) => {
      if (packet.cmd !== 'connack') return finish(new Error(`expected CONNACK, got ${packet.cmd}`));
      finish(packet.returnCode ?? packet.reasonCode ?? -1);
    });
    parser.on('error', (err) => finish(err));
    socket.on('data', (chunk) => parser.parse(chunk));
    socket.on('error', (err) => finish(err));
    socket.on('close', () => finish(new Error('closed without CONNACK')));
    const bytes = mqttPacket.generate(
      {
        cmd: 'connect',
        protocolId: 'MQTT',
        protocolVersion: version,
        // mqtt-packet will not encode an empty client id with clean=0 (MQTT-3.1.3-8 says a server
        // must refuse it, and a broker must be tested with it): the clean-session bit is cleared below.
        clean: true,
        clientId: connect.clientId,
        keepalive: 30,
        username: connect.username,
        password: connect.password === undefined ? undefined : Buffer.from(connect.password),
      },
      { protocolVersion: version },
    );
    if (!connect.clean) {
      let offset = 1; // fixed header, then the remaining length (1-4 bytes), then "\0\4MQTT" and the level
      while ((bytes[offset++] ?? 0) & 0x80);
      bytes[offset + 7] = (bytes[offset + 7] ?? 0) & ~0x02;
    }
    socket.write(bytes);
  });
}

/** Fails instead of hanging when the broker never answers (a hang guard, not a timing assertion). */
export function answered<T>(promise: Promise<T>, what: string, guardMs = 5000): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const hang = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer: ${what}`)), guardMs);
  });
  return Promise.race([promise, hang]).finally(() => clearTimeout(timer));
}
