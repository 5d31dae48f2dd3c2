// One simulated device, behaving like our firmware: MQTT 3.1.1 with its own credentials, QoS 1
// for everything that matters, reconnect with exponential backoff, a bounded offline queue that
// delivers alarms raised while disconnected once the connection is back, periodic heartbeats,
// commands answered with acknowledgements, and switchable faults (clock skew, duplicate sends,
// malformed messages) for testing the platform's defences.

import { randomUUID } from 'node:crypto';
import {
  type AnonymizedFrame,
  type DeviceCommand,
  type DeviceEvent,
  type DeviceType,
  deviceCommandSchema,
  deviceTopic,
  type Heartbeat,
  URGENT_EVENT_TYPES,
} from '@trygg/firmware-protocol';
import mqtt, { type MqttClient } from 'mqtt';
import { UnitVoice } from './voice.ts';

/** An event as a device author writes it; the device adds version, id and timestamp. */
export type EventBody = DeviceEvent extends infer E
  ? E extends DeviceEvent
    ? Omit<E, 'v' | 'id' | 'ts'>
    : never
  : never;

export interface DeviceCredentials {
  deviceId: string;
  deviceType: DeviceType;
  secret: string;
}

export interface DeviceFaults {
  /** Added to every device timestamp (a drifting real-time clock). */
  clockSkewMs: number;
  /** Every message is published twice with the same id (a firmware retransmission bug). */
  duplicateSends: boolean;
  /** Every message is sent as invalid JSON (a corrupted firmware). */
  malformed: boolean;
}

export interface SimDeviceOptions {
  brokerUrl: string;
  heartbeatIntervalS?: number;
  firmware?: string;
  /** The mobile network the unit reports in its heartbeats ("Telia"); none: a unit on home WiFi/IP. */
  carrier?: string;
  /** Most messages kept while offline; when full, the oldest non-alarm message goes first. */
  offlineQueueMax?: number;
  /** Simulated clock for device timestamps (scenarios run faster than real time). */
  now?: () => number;
  reconnectMinMs?: number;
  reconnectMaxMs?: number;
  faults?: Partial<DeviceFaults>;
  /**
   * A base unit with loudspeaker and microphone: its presses say it can take the alarm's call,
   * and on the platform's `voice_call` command it calls (SIP + RTP over UDP from `host`).
   */
  voice?: { host?: string };
}

export interface Delivery {
  id: string;
  topic: string;
  /** Milliseconds from send() until the broker's PUBACK (including time spent queued offline). */
  latencyMs: number;
}

interface Pending {
  id: string;
  topic: string;
  payload: string;
  alarm: boolean;
  queuedAt: number;
  resolve(delivery: Delivery): void;
  reject(err: Error): void;
}

export class OfflineQueueFullError extends Error {
  constructor(readonly deviceId: string) {
    super(`offline queue of ${deviceId} is full: message dropped`);
  }
}

export class SimDevice {
  readonly deviceId: string;
  readonly deviceType: DeviceType;
  readonly faults: DeviceFaults;
  heartbeatIntervalS: number;
  battery = 100;
  signalDbm = -61;
  mains = true;
  /** Reported in heartbeats when set; a scenario may move the unit to another network. */
  carrier: string | undefined;
  /** What a camera currently sees; sent as a snapshot when the platform asks for one. */
  frame: AnonymizedFrame | null = null;
  readonly #options: SimDeviceOptions;
  readonly #secret: string;
  readonly #now: () => number;
  readonly #queue: Pending[] = [];
  readonly #handlers = new Set<(command: DeviceCommand) => void>();
  #client: MqttClient | null = null;
  #heartbeatTimer: NodeJS.Timeout | null = null;
  #flushing = false;
  #attempt = 0;
  #sequence = 0;
  #stopped = false;
  #offline = false;
  readonly stats = { sent: 0, acked: 0, failed: 0, dropped: 0, reconnects: 0, commands: 0 };
  /** The unit's voice (present with the `voice` option): the last call's figures are in `voice.stats`. */
  readonly voice: UnitVoice | null;

  constructor(credentials: DeviceCredentials, options: SimDeviceOptions) {
    this.deviceId = credentials.deviceId;
    this.deviceType = credentials.deviceType;
    this.#secret = credentials.secret;
    this.#options = options;
    this.#now = options.now ?? Date.now;
    this.heartbeatIntervalS = options.heartbeatIntervalS ?? 60;
    this.carrier = options.carrier;
    this.faults = { clockSkewMs: 0, duplicateSends: false, malformed: false, ...options.faults };
    this.voice = options.voice ? new UnitVoice(this.deviceId, options.voice.host) : null;
  }

  get connected(): boolean {
    return !this.#offline && (this.#client?.connected ?? false);
  }

  get queued(): number {
    return this.#queue.length;
  }

  /** Connects and resolves on the first CONNACK; later drops are reconnected with backoff. */
  connect(): Promise<void> {
    const min = this.#options.reconnectMinMs ?? 250;
    const max = this.#options.reconnectMaxMs ?? 30_000;
    const client = mqtt.connect(this.#options.brokerUrl, {
      protocolVersion: 4,
      clientId: this.deviceId,
      username: this.deviceId,
      password: this.#secret,
      clean: true,
      keepalive: 30,
      connectTimeout: 10_000,
      reconnectPeriod: min,
      // Firmware keeps trying when the platform refuses for a while ("server unavailable" while
      // its database is down); a wrong secret on the first connect still fails connect() below.
      reconnectOnConnackError: true,
      // Our own offline queue decides what survives a disconnect, so mqtt.js must not keep a second copy.
      queueQoSZero: false,
    });
    this.#client = client;
    client.on('connect', () => {
      this.#attempt = 0;
      client.options.reconnectPeriod = min;
      client.subscribe(deviceTopic(this.deviceId, 'cmd'), { qos: 1 });
      void this.#flush();
    });
    client.on('reconnect', () => {
      this.stats.reconnects++;
      this.#attempt++;
      // Exponential backoff with full jitter, so a fleet does not reconnect in lockstep.
      const ceiling = Math.min(max, min * 2 ** Math.min(this.#attempt, 16));
      client.options.reconnectPeriod = Math.round(min + Math.random() * (ceiling - min));
    });
    client.on('message', (_topic, payload) => this.#onCommand(payload));
    client.on('error', () => {
      /* connection errors end in 'close' and a reconnect; counted there */
    });
    return new Promise((resolve, reject) => {
      const onConnect = () => {
        client.off('error', onError);
        resolve();
      };
      const onError = (err: Error) => {
        client.off('connect', onConnect);
        if (/Bad username|Not authorized/.test(err.message)) {
          client.end(true);
          reject(err);
        }
      };
      client.once('connect', onConnect);
      client.once('error', onError);
    });
  }

  /** Sends an event; resolves when the broker acknowledged it (possibly after an offline spell). */
  send(body: EventBody): Promise<Delivery> {
    const said =
      this.voice && body.type === 'alarm.manual' && !body.voice
        ? { ...body, voice: { codecs: ['PCMA' as const] } }
        : body;
    const message = { v: 1 as const, id: this.#nextId(), ts: this.#now() + this.faults.clockSkewMs, ...said };
    // the resident cancelling on the unit ends its call too, as a SCAIP unit's reset withdraws it
    if (body.type === 'alarm.cancel') this.voice?.hangUp();
    return this.#enqueue(deviceTopic(this.deviceId, 'event'), message, URGENT_EVENT_TYPES.has(body.type));
  }

  heartbeat(): Promise<Delivery> {
    const message: Heartbeat = {
      v: 1,
      id: this.#nextId(),
      ts: this.#now() + this.faults.clockSkewMs,
      intervalS: this.heartbeatIntervalS,
      firmware: this.#options.firmware ?? 'sim-1.4.2',
      battery: this.battery,
      signalDbm: this.signalDbm,
      mains: this.mains,
      ...(this.carrier === undefined ? {} : { carrier: this.carrier }),
    };
    return this.#enqueue(deviceTopic(this.deviceId, 'heartbeat'), message, false);
  }

  /** Sends a heartbeat now and then every heartbeatIntervalS (real time) until stopped. */
  startHeartbeats(): void {
    this.stopHeartbeats();
    const beat = () => {
      this.heartbeat().catch(() => {});
      this.#heartbeatTimer = setTimeout(beat, this.heartbeatIntervalS * 1000);
      this.#heartbeatTimer.unref();
    };
    beat();
  }

  stopHeartbeats(): void {
    if (this.#heartbeatTimer) clearTimeout(this.#heartbeatTimer);
    this.#heartbeatTimer = null;
  }

  onCommand(handler: (command: DeviceCommand) => void): () => void {
    this.#handlers.add(handler);
    return () => this.#handlers.delete(handler);
  }

  /** Drops the connection as a network fault would (no DISCONNECT packet); reconnects with backoff. */
  dropConnection(): void {
    this.#client?.stream.destroy();
  }

  /** Loses the network until goOnline(): no reconnect attempts, messages wait in the offline queue. */
  goOffline(): void {
    const client = this.#client;
    if (!client || this.#offline) return;
    this.#offline = true;
    // Forced end: the socket is destroyed without a DISCONNECT packet, as when the network goes.
    client.end(true);
  }

  goOnline(): void {
    const client = this.#client;
    if (!client || !this.#offline) return;
    this.#offline = false;
    client.reconnect(); // mqtt.js defers this until the forced end has finished
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    this.stopHeartbeats();
    await this.voice?.stop();
    const client = this.#client;
    if (client) await client.endAsync(true);
    for (const pending of this.#queue.splice(0)) pending.reject(new Error(`${this.deviceId} stopped`));
  }

  #nextId(): string {
    this.#sequence++;
    return `${this.deviceId.slice(0, 24)}.${this.#sequence}.${randomUUID().slice(0, 8)}`;
  }

  #enqueue(topic: string, message: object, alarm: boolean): Promise<Delivery> {
    const id = (message as { id: string }).id;
    const payload = this.faults.malformed ? `${JSON.stringify(message).slice(0, -1)},` : JSON.stringify(message);
    return new Promise((resolve, reject) => {
      if (this.#stopped) return reject(new Error(`${this.deviceId} stopped`));
      const max = this.#options.offlineQueueMax ?? 100;
      if (this.#queue.length >= max) {
        const victim = this.#queue.findIndex((p) => !p.alarm);
        if (victim === -1 || alarm === false) {
          this.stats.dropped++;
          return reject(new OfflineQueueFullError(this.deviceId));
        }
        const [dropped] = this.#queue.splice(victim, 1);
        this.stats.dropped++;
        dropped?.reject(new OfflineQueueFullError(this.deviceId));
      }
      this.#queue.push({ id, topic, payload, alarm, queuedAt: performance.now(), resolve, reject });
      this.stats.sent++;
      void this.#flush();
    });
  }

  /** Publishes queued messages in order, one at a time, while connected. */
  async #flush(): Promise<void> {
    if (this.#flushing) return;
    this.#flushing = true;
    try {
      while (this.#queue.length > 0 && this.connected && !this.#offline && this.#client) {
        const head = this.#queue[0] as Pending;
        try {
          await this.#publishOnce(this.#client, head.topic, head.payload);
          if (this.faults.duplicateSends) await this.#publishOnce(this.#client, head.topic, head.payload);
        } catch {
          // Connection lost before the PUBACK: keep the message at the head; it goes again (same id,
          // so the platform de-duplicates) once reconnected.
          if (this.#stopped) return;
          await new Promise((r) => setTimeout(r, 50));
          continue;
        }
        this.#queue.shift();
        this.stats.acked++;
        head.resolve({ id: head.id, topic: head.topic, latencyMs: performance.now() - head.queuedAt });
      }
    } finally {
      this.#flushing = false;
    }
  }

  /**
   * One QoS 1 publish that settles when the PUBACK arrives or the connection closes first (mqtt.js
   * may otherwise keep the callback pending across a clean-session reconnect forever).
   */
  #publishOnce(client: MqttClient, topic: string, payload: string): Promise<void> {
    return new Promise((resolve, reject) => {
      const settled = (err?: Error) => {
        client.off('close', onClose);
        if (err) reject(err);
        else resolve();
      };
      const onClose = () => {
        // Our queue resends it after the reconnect; mqtt.js must forget its copy, or the
        // platform receives it twice more instead of once.
        for (const [messageId, entry] of Object.entries(client.outgoing)) {
          if (entry.cb === settled) client.removeOutgoingMessage(Number(messageId));
        }
        settled(new Error('connection closed before PUBACK'));
      };
      client.once('close', onClose);
      client.publish(topic, payload, { qos: 1 }, settled);
    });
  }

  #onCommand(payload: Buffer): void {
    let command: DeviceCommand;
    try {
      command = deviceCommandSchema.parse(JSON.parse(payload.toString('utf8')));
    } catch {
      return; // firmware ignores what it cannot parse; the platform sees no ack and retries
    }
    this.stats.commands++;
    if (command.type === 'set_heartbeat_interval') {
      this.heartbeatIntervalS = command.intervalS;
      if (this.#heartbeatTimer) this.startHeartbeats();
    }
    const ack = {
      v: 1 as const,
      id: this.#nextId(),
      ts: this.#now() + this.faults.clockSkewMs,
      commandId: command.id,
      ok: true,
    };
    const ackTopic = deviceTopic(this.deviceId, 'ack');
    if (command.type === 'request_snapshot') {
      if (this.deviceType !== 'camera' || !this.frame) {
        const error = this.deviceType === 'camera' ? 'no frame yet' : 'not a camera';
        void this.#enqueue(ackTopic, { ...ack, ok: false, error }, false).catch(() => {});
      } else {
        void this.send({ type: 'camera.snapshot', requestId: command.id, frame: this.frame }).catch(() => {});
        void this.#enqueue(ackTopic, ack, false).catch(() => {});
      }
    } else if (command.type === 'unlock_door') {
      if (this.deviceType !== 'door') {
        void this.#enqueue(ackTopic, { ...ack, ok: false, error: 'no lock' }, false).catch(() => {});
      } else {
        void this.send({ type: 'door.unlocked', commandId: command.id }).catch(() => {});
        void this.#enqueue(ackTopic, ack, false).catch(() => {});
      }
    } else if (command.type === 'voice_call') {
      const voice = this.voice;
      if (!voice) {
        void this.#enqueue(ackTopic, { ...ack, ok: false, error: 'no loudspeaker' }, false).catch(() => {});
      } else {
        void voice.call(command.uri, command.callId).then((placed) => {
          const answer = placed ? ack : { ...ack, ok: false, error: 'a call is already up' };
          return this.#enqueue(ackTopic, answer, false).catch(() => {});
        });
      }
    } else {
      void this.#enqueue(ackTopic, ack, false).catch(() => {});
    }
    for (const handler of this.#handlers) handler(command);
  }
}
