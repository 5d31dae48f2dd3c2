// The demo's voice path (`npm start`): the SCAIP gateway's voice receiver and bridge, in this
// process on loopback, as a separate gateway serves production. The demo pendants are simulated
// base units that call it over SIP + RTP like any unit; the console joins through the bridge.
// SCAIP controllers are all refused here (no credentials): the demo has none.

import { randomBytes } from 'node:crypto';
import { voiceCallTopic } from '@trygg/firmware-protocol';
import {
  connectPublisher,
  createControllerAuth,
  pgControllerRegistry,
  startBridgeApi,
  startGateway,
} from '@trygg/gateway';
import type { Logger } from 'pino';
import type { Platform } from './platform.ts';

/** The broker account the demo's gateway publishes call events as (password made per start). */
export function demoGatewayAccount(): { username: string; password: string } {
  return { username: 'demo-voice-gateway', password: randomBytes(18).toString('base64url') };
}

export interface DemoVoice {
  /** The gateway's SIP port on 127.0.0.1 (UDP and TCP). */
  sipPort: number;
  /** Call recordings the gateway holds: none at all unless the recording policy is on. */
  recordingsHeld(): number;
  close(): Promise<void>;
}

export async function startDemoVoice(
  platform: Platform,
  account: { username: string; password: string },
  logger: Logger,
  host = '127.0.0.1',
): Promise<DemoVoice> {
  const closers: (() => Promise<unknown>)[] = [];
  const close = async () => {
    for (const closer of closers.splice(0).reverse()) await closer().catch(() => {});
  };
  try {
    const publisher = await connectPublisher({
      url: `mqtt://127.0.0.1:${platform.mqttPort}`,
      ...account,
      clientId: account.username,
    });
    closers.push(() => publisher.close());
    const gatewayLogger = logger.child({ component: 'voice-gateway' });
    const gateway = await startGateway({
      host,
      udpPort: 0,
      tcpPort: 0,
      controllers: pgControllerRegistry({ pool: platform.db.pool }),
      publish: publisher.publish,
      auth: createControllerAuth({ credentials: new Map() }),
      logger: gatewayLogger,
      voice: {
        publishCall: (deviceId, event) =>
          publisher.publish(voiceCallTopic(deviceId), Buffer.from(JSON.stringify(event))),
      },
    });
    closers.push(() => gateway.close());
    if (!gateway.voice) throw new Error('the demo gateway has no voice');
    const token = randomBytes(24).toString('base64url');
    const api = await startBridgeApi({
      voice: gateway.voice,
      host: '127.0.0.1',
      port: 0,
      token,
      logger: gatewayLogger,
    });
    closers.push(() => api.close());
    platform.voice.attachBridge({ url: `http://127.0.0.1:${api.port}`, token });
    const voice = gateway.voice;
    return { sipPort: gateway.udpPort, recordingsHeld: () => voice.recordingsHeld(), close };
  } catch (err) {
    await close();
    throw err;
  }
}
