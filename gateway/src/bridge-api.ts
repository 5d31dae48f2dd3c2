// The bridge's signalling door for the alarm center (never for browsers): join a call with the
// browser's SDP offer, switch duplex/listen/speak, hang up. Bearer token; JSON; its own port.
// The alarm center decides who may join (the operator holding the alarm) before it calls here.

import { timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { isDeviceId, messageIdSchema, unitAddressSchema } from '@trygg/firmware-protocol';
import { z } from 'zod';
import type { GatewayLogger } from './handler.ts';
import type { GatewayVoice } from './server.ts';

// `record`: the alarm center's recording policy is on for this call (its setting is the one source)
const joinBody = z.strictObject({
  sdp: z.string().min(10).max(16_384),
  by: z.string().min(1).max(64),
  record: z.boolean().optional(),
});
const modeBody = z.strictObject({ mode: z.enum(['duplex', 'listen', 'speak']) });
const ROUTE = /^\/calls\/([A-Za-z0-9_.:-]{8,64})\/(join|mode|hangup|recording)$/;
const RING_UP = /^\/devices\/(scaip-[A-Za-z0-9_.:-]{1,80})\/callback$/;
// `unit`: the unit's address as the alarm center kept it, for an instance that does not know the unit
const ringUpBody = z.strictObject({ alarmMessageId: messageIdSchema, unit: unitAddressSchema.optional() });
/** Our own MQTT unit's alarm was stored and the unit can take a call: open one for it. */
const UNIT_ROUTE = /^\/units\/([A-Za-z0-9_.:-]{1,64})\/call$/;
const unitCallBody = z.strictObject({ alarmMessageId: messageIdSchema });
const MAX_BODY = 20_000;

/** The request's body (bounded: a larger one is cut off and the request destroyed). */
function readBody(req: http.IncomingMessage, done: (raw: string) => unknown): void {
  let raw = '';
  req.setEncoding('utf8');
  req.on('data', (chunk: string) => {
    raw += chunk;
    if (raw.length > MAX_BODY) req.destroy();
  });
  req.on('end', () => void done(raw));
}

export interface BridgeApi {
  port: number;
  close(): Promise<void>;
}

export async function startBridgeApi(options: {
  voice: GatewayVoice;
  host: string;
  port: number;
  /** 16+ characters, shared with the alarm center. */
  token: string;
  logger: GatewayLogger;
}): Promise<BridgeApi> {
  const expected = Buffer.from(`Bearer ${options.token}`);
  const server = http.createServer((req, res) => {
    const reply = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    };
    const given = Buffer.from(req.headers.authorization ?? '');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      options.logger.warn({ url: req.url }, 'voice bridge request refused: bad token');
      return reply(401, { code: 'BRIDGE_AUTH' });
    }
    const ringUp = req.method === 'POST' ? RING_UP.exec(req.url ?? '') : null;
    if (ringUp) return readBody(req, (raw) => ringUpUnit(ringUp[1] as string, raw, reply));
    const unit = req.method === 'POST' ? UNIT_ROUTE.exec(req.url ?? '') : null;
    const match = req.method === 'POST' ? ROUTE.exec(req.url ?? '') : null;
    if (unit && isDeviceId(unit[1] as string)) return offerUnitCall(req, unit[1] as string, reply);
    if (!match) return reply(404, { code: 'BRIDGE_NOT_FOUND' });
    const [, callId, action] = match as unknown as [string, string, string];
    let raw = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => {
      raw += chunk;
      if (raw.length > MAX_BODY) req.destroy();
    });
    req.on('end', () => {
      void (async () => {
        try {
          const body = raw ? JSON.parse(raw) : {};
          if (action === 'join') {
            const { sdp, by, record } = joinBody.parse(body);
            const joined = await options.voice.join(callId, sdp, by, record);
            return joined
              ? reply(200, { sdp: joined.answer, recording: joined.recording })
              : reply(404, { code: 'CALL_NOT_CONNECTED' });
          }
          if (action === 'recording') {
            const wav = options.voice.takeRecording(callId);
            if (!wav) return reply(404, { code: 'RECORDING_NOT_FOUND' });
            return res.writeHead(200, { 'content-type': 'audio/wav', 'content-length': wav.length }).end(wav);
          }
          if (action === 'mode') {
            const { mode } = modeBody.parse(body);
            return (await options.voice.setMode(callId, mode))
              ? reply(200, { mode })
              : reply(404, { code: 'CALL_NOT_JOINED' });
          }
          return (await options.voice.hangUp(callId)) ? reply(200, {}) : reply(404, { code: 'CALL_NOT_CONNECTED' });
        } catch (err) {
          options.logger.warn({ callId, action, err: (err as Error).message }, 'voice bridge request refused');
          return reply(400, { code: 'BRIDGE_BAD_REQUEST' });
        }
      })();
    });
  });
  /** "Ring upp": 200 with the new call's id, 404 when the unit gave no SIP address, 409 when a call is on. */
  async function ringUpUnit(deviceId: string, raw: string, reply: (status: number, body: unknown) => void) {
    try {
      const { alarmMessageId, unit } = ringUpBody.parse(raw ? JSON.parse(raw) : {});
      const result = await options.voice.ringUp(deviceId, alarmMessageId, unit);
      if (result.ok) return reply(200, { callId: result.callId });
      return reply(result.code === 'CALL_BUSY' ? 409 : 404, { code: result.code });
    } catch (err) {
      options.logger.warn({ deviceId, err: (err as Error).message }, 'voice bridge request refused');
      return reply(400, { code: 'BRIDGE_BAD_REQUEST' });
    }
  }

  function offerUnitCall(req: http.IncomingMessage, deviceId: string, reply: (status: number, body: unknown) => void) {
    readBody(req, (raw) => {
      try {
        const { alarmMessageId } = unitCallBody.parse(JSON.parse(raw));
        const offered = options.voice.offerUnit(deviceId, alarmMessageId);
        return offered ? reply(200, offered) : reply(409, { code: 'CALL_BUSY' });
      } catch (err) {
        options.logger.warn({ deviceId, err: (err as Error).message }, 'unit call offer refused');
        return reply(400, { code: 'BRIDGE_BAD_REQUEST' });
      }
    });
  }
  await new Promise<void>((resolve) => server.listen(options.port, options.host, resolve));
  return {
    port: (server.address() as AddressInfo).port,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
