// CONNECT: what aedes' preConnect and authenticate hooks decide. MQTT 5 is refused at CONNECT, an
// empty client id needs a clean session, and a device logs in with its own id and secret through
// the bounded DeviceLogin. Every refusal is a CONNACK with a return code and a counted reason.

import { timingSafeEqual } from 'node:crypto';
import type { AuthenticateError, Client, ConnectPacket } from 'aedes';
import { deviceIdentityOf } from '../acl.ts';
import type { BrokerContext } from '../context.ts';
import type { ConnackRefusal, LoginRefusalReason } from '../refusals.ts';

type PreConnect = (client: Client, packet: ConnectPacket, done: (err: Error | null, ok: boolean) => void) => void;
type Authenticate = (
  client: Client,
  username: Readonly<string | undefined>,
  password: Readonly<Buffer | undefined>,
  done: (err: AuthenticateError | null, ok: boolean | null) => void,
) => void;

/** MQTT 3.1 (level 3) and 3.1.1 (level 4): the levels whose acknowledgements mean what we need. */
const speaksMqtt311 = (level: number | null | undefined) => level === 3 || level === 4;

function authError(message: string, returnCode: ConnackRefusal): AuthenticateError {
  return Object.assign(new Error(message), { returnCode }) as AuthenticateError;
}

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export function preConnect(ctx: BrokerContext): PreConnect {
  return (client, packet, done) => {
    if (!speaksMqtt311(packet.protocolVersion)) {
      // An MQTT 5 device must never get a PUBACK for a message we did not store, which a v5
      // session of a newer aedes would send for a refused publish (a reason code it does not
      // resend on). aedes 1.2.0, pinned exactly, answers CONNACK 1 "unacceptable protocol version"
      // right after this hook and before authenticate; the refusal is counted here, and
      // authenticate refuses such a client again should a future aedes let it through.
      ctx.refusals.login({ reason: 'UNSUPPORTED_PROTOCOL', clientId: packet.clientId, returnCode: 1 });
    } else if (!packet.clientId && !packet.clean) {
      ctx.emptyPersistentIds.add(client); // MQTT-3.1.3-8: answered with CONNACK 2 in authenticate
    }
    done(null, true);
  };
}

export function authenticate(ctx: BrokerContext): Authenticate {
  return (client, username, password, done) => {
    const fail = (reason: LoginRefusalReason, returnCode: ConnackRefusal) => {
      ctx.refusals.login({ reason, clientId: client.id, returnCode });
      done(authError(reason, returnCode), false);
    };
    if (!speaksMqtt311(client.version)) return done(authError('UNSUPPORTED_PROTOCOL', 5), false);
    if (ctx.emptyPersistentIds.has(client)) return fail('EMPTY_CLIENT_ID', 2);
    if (!username) {
      if (!ctx.allowAnonymous) return fail('CREDENTIALS_REQUIRED', 5);
      ctx.identities.set(client, { kind: 'anonymous' });
      return done(null, true);
    }
    const secret = password?.toString('utf8') ?? '';
    const service = ctx.services.find((s) => s.username === username);
    if (service) {
      if (!sameSecret(secret, service.password)) return fail('BAD_SERVICE_SECRET', 4);
      ctx.identities.set(client, { kind: 'service', username });
      return done(null, true);
    }
    const identity = deviceIdentityOf(client.id, username);
    if (!identity) return fail('BORROWED_CLIENT_ID', 4);
    ctx.deviceLogin.verify(username, secret).then(
      (verdict) => {
        if (!verdict.ok) return fail(verdict.reason, verdict.returnCode);
        ctx.identities.set(client, identity);
        done(null, true);
      },
      (err: Error) => {
        ctx.logger.error({ err: err.message, clientId: client.id }, 'device authentication unavailable');
        fail('AUTH_UNAVAILABLE', 3);
      },
    );
  };
}
