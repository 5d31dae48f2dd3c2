// Ingest from an external broker (a standalone or clustered `broker/`), used instead of the
// embedded one when MQTT_URL is set. The alarm center subscribes with a persistent session
// (clean: false) at QoS 1 and acknowledges each message to the broker only after it is committed:
// a crash or a database outage leaves the message with the broker, which delivers it again.

import { allDevicesFilter } from '@trygg/firmware-protocol';
import mqtt from 'mqtt';
import type { Logger } from 'pino';
import type { Ingest } from './ingest.ts';

export interface RemoteIngestOptions {
  url: string;
  username: string;
  password: string;
  /** Stable per replica, so its persistent session survives restarts. */
  clientId: string;
}

export async function connectRemoteIngest(options: RemoteIngestOptions, ingest: Ingest, logger: Logger) {
  const client = await mqtt.connectAsync(options.url, {
    protocolVersion: 4,
    clientId: options.clientId,
    username: options.username,
    password: options.password,
    clean: false,
    reconnectPeriod: 1000,
  });
  // MQTT.js sends the PUBACK for a QoS 1 message only when this callback is called.
  client.handleMessage = (packet, done) => {
    if (packet.cmd !== 'publish') return done();
    ingest(packet.topic, packet.payload as Buffer).then(
      () => done(),
      (err) => {
        // Not stored: drop the connection without acknowledging, so the broker redelivers.
        logger.warn({ err: (err as Error).message }, 'message not stored; reconnecting for redelivery');
        client.end(true, {}, () => client.reconnect());
      },
    );
  };
  await client.subscribeAsync(
    ['event', 'heartbeat', 'ack'].map((c) => allDevicesFilter(c as 'event')),
    { qos: 1 },
  );
  return {
    client,
    close: () => client.endAsync(),
  };
}
