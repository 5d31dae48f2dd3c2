// A command reaches a device on whichever node holds its MQTT session. Each node's embedded broker
// knows only its own devices, so a node that does not hold the device sends the command to all
// nodes by PostgreSQL NOTIFY (`device_commands`); the node whose broker has the device connected
// publishes it there and sends the device's answers (its events and acks, after ingest committed
// them) back to the asking node by NOTIFY (`device_command_replies`), until the answer naming the
// command arrives or the wait ends. PostgreSQL is the one thing the nodes already share: no
// second broker tier on the alarm path, nothing to keep in step with the sessions.

import type { RunningBroker } from '@trygg/broker';
import { type DeviceCommand, decodeDeviceMessage, deviceCommandSchema, deviceTopic } from '@trygg/firmware-protocol';
import pg from 'pg';
import type { Logger } from 'pino';
import { z } from 'zod';
import { withOrigin } from '../alarms/replication.ts';
import {
  brokerCommands,
  type CommandReply,
  connectedHere,
  type DeviceCommands,
  matchReply,
  watchDevice,
} from './commands.ts';

export const COMMAND_CHANNEL = 'device_commands';
export const REPLY_CHANNEL = 'device_command_replies';

/** PostgreSQL refuses a NOTIFY payload of 8,000 bytes or more. */
const MAX_NOTICE_BYTES = 7900;

const commandNotice = z.strictObject({
  from: z.string().min(1),
  deviceId: z.string().min(1).max(128),
  timeoutMs: z.int().min(1).max(600_000),
  command: deviceCommandSchema,
});

const replyNotice = z.strictObject({
  to: z.string().min(1),
  commandId: z.string().min(1),
  topic: z.string().min(1),
  payload: z.string(),
});

type Aedes = RunningBroker['aedes'];

export interface CommandRelayOptions {
  databaseUrl: string;
  /** This node's origin (replicaOrigin): names its connections and addresses its replies. */
  origin: string;
  pool: pg.Pool;
  /** This node's broker, once it is up. */
  aedes(): Aedes | null;
  logger: Logger;
  /** Counts every command sent to another node and every notice refused, by outcome. */
  count?(outcome: 'relayed' | 'delivered' | 'reply_too_large' | 'malformed_notice'): void;
}

interface Waiting {
  deviceId: string;
  command: DeviceCommand;
  answers: Parameters<DeviceCommands['request']>[2];
  finish(reply: CommandReply): void;
}

export class CommandRelay implements DeviceCommands {
  readonly #o: CommandRelayOptions;
  readonly #log: Logger;
  readonly #waiting = new Map<string, Waiting>();
  #listener: pg.Client | null = null;
  #stopped = false;
  #retryMs = 100;

  constructor(options: CommandRelayOptions) {
    this.#o = options;
    this.#log = options.logger.child({ component: 'command-relay' });
  }

  async start(): Promise<void> {
    await this.#listen();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    for (const w of this.#waiting.values()) w.finish({ kind: 'timeout' });
    await this.#listener?.end().catch(() => {});
  }

  request(...args: Parameters<DeviceCommands['request']>): Promise<CommandReply> {
    const [deviceId, command, answers, timeoutMs] = args;
    const aedes = this.#o.aedes();
    if (!aedes) return Promise.resolve({ kind: 'timeout' });
    if (connectedHere(aedes, deviceId)) return brokerCommands(aedes).request(...args);
    return new Promise<CommandReply>((resolve) => {
      const timer = setTimeout(() => finish({ kind: 'timeout' }), timeoutMs);
      const finish = (reply: CommandReply) => {
        clearTimeout(timer);
        this.#waiting.delete(command.id);
        resolve(reply);
      };
      this.#waiting.set(command.id, { deviceId, command, answers, finish });
      const notice = JSON.stringify({ from: this.#o.origin, deviceId, timeoutMs, command });
      this.#o.pool.query('SELECT pg_notify($1, $2)', [COMMAND_CHANNEL, notice]).then(
        () => this.#o.count?.('relayed'),
        (err: Error) => {
          // not sent: as if the device never answered (the caller's timeout path), but said
          this.#log.warn({ err: err.message, deviceId }, 'command not relayed to the other nodes');
          finish({ kind: 'timeout' });
        },
      );
    });
  }

  // ---- the notification connection -----------------------------------------------------------

  async #listen(): Promise<void> {
    const client = new pg.Client({ connectionString: withOrigin(this.#o.databaseUrl, `${this.#o.origin}-commands`) });
    const lost = (err?: Error) => {
      if (this.#listener !== client) return;
      this.#listener = null;
      client.end().catch(() => {});
      if (this.#stopped) return;
      // Commands sent meanwhile are not delivered here: the asking node times out, as for a device
      // that is offline. Nothing durable depends on a command notice.
      this.#log.warn({ err: err?.message, retryMs: this.#retryMs }, 'command channel lost; reconnecting');
      setTimeout(() => void this.#listen().catch(() => {}), this.#retryMs).unref();
      this.#retryMs = Math.min(this.#retryMs * 2, 5000);
    };
    client.on('error', lost);
    client.on('end', () => lost());
    client.on('notification', (n) => {
      if (!n.payload) return;
      if (n.channel === COMMAND_CHANNEL) this.#deliver(n.payload);
      if (n.channel === REPLY_CHANNEL) this.#replied(n.payload);
    });
    this.#listener = client;
    try {
      await client.connect();
      await client.query(`LISTEN ${COMMAND_CHANNEL}`);
      await client.query(`LISTEN ${REPLY_CHANNEL}`);
    } catch (err) {
      lost(err as Error);
      return;
    }
    this.#retryMs = 100;
  }

  #parse<T>(schema: z.ZodType<T>, payload: string): T | null {
    try {
      return schema.parse(JSON.parse(payload));
    } catch (err) {
      this.#o.count?.('malformed_notice');
      this.#log.warn({ err: (err as Error).message }, 'malformed command notice ignored');
      return null;
    }
  }

  /** Another node asks for a device: publish it here if the device is connected here. */
  #deliver(payload: string): void {
    const notice = this.#parse(commandNotice, payload);
    if (!notice || notice.from === this.#o.origin) return;
    const aedes = this.#o.aedes();
    if (!aedes || !connectedHere(aedes, notice.deviceId)) return;
    const { deviceId, command, from } = notice;
    this.#o.count?.('delivered');
    const stop = watchDevice(aedes, deviceId, notice.timeoutMs, (topic, body) => {
      const text = Buffer.from(body).toString('utf8');
      const reply = JSON.stringify({ to: from, commandId: command.id, topic, payload: text });
      if (Buffer.byteLength(reply) > MAX_NOTICE_BYTES) {
        this.#o.count?.('reply_too_large');
        this.#log.warn({ deviceId, bytes: body.length }, 'device answer too large to relay; the asking node times out');
      } else {
        this.#o.pool.query('SELECT pg_notify($1, $2)', [REPLY_CHANNEL, reply]).catch((err: Error) => {
          this.#log.warn({ err: err.message, deviceId }, 'device answer not relayed');
        });
      }
      // The asking node decides what answers it. An event naming the command, or a refusal, ends
      // the watch here; a positive ack does not (a camera may ack before its snapshot arrives),
      // so at worst a few more messages are relayed until the wait ends.
      const decoded = decodeDeviceMessage(topic, body);
      if (!decoded.ok) return false;
      if (decoded.channel === 'ack') return decoded.message.commandId === command.id && !decoded.message.ok;
      return decoded.channel === 'event' && 'requestId' in decoded.message && decoded.message.requestId === command.id;
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
        stop();
        this.#log.warn({ err: err.message, deviceId }, 'relayed command not published');
      },
    );
  }

  /** A device's answer to a command this node is waiting for. */
  #replied(payload: string): void {
    const notice = this.#parse(replyNotice, payload);
    if (!notice || notice.to !== this.#o.origin) return;
    const waiting = this.#waiting.get(notice.commandId);
    if (!waiting || notice.topic.split('/')[2] !== waiting.deviceId) return;
    const reply = matchReply(waiting.command, waiting.answers, notice.topic, Buffer.from(notice.payload));
    if (reply) waiting.finish(reply);
  }
}
