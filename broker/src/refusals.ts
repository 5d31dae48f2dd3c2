// Everything the broker refuses, by a stable reason code: a login (with the CONNACK return code the
// client saw), a subscription, a publish. One recorder counts them for stats(), logs them and hands
// each to the caller's hooks, so the platform's metrics count exactly what the broker refused.

import type { RejectionReason } from '@trygg/firmware-protocol';
import type { Logger } from 'pino';

export const LOGIN_REFUSALS = {
  UNSUPPORTED_PROTOCOL: 'the broker speaks MQTT 3.1.1 (and 3.1) only; MQTT 5 is refused at CONNECT',
  EMPTY_CLIENT_ID: 'an empty client id needs a clean session (MQTT-3.1.3-8)',
  CREDENTIALS_REQUIRED: 'anonymous clients are not allowed',
  BAD_SERVICE_SECRET: 'wrong password for a service account',
  BORROWED_CLIENT_ID: 'a device must connect with its own id as client id and username',
  UNKNOWN_DEVICE: 'no active credential for this device',
  BAD_SECRET: 'wrong device secret',
  BAD_CREDENTIALS: 'the authenticator refused the device secret',
  RATE_LIMITED: 'more device logins than the admission rate: try again later',
  OVERLOADED: 'too many secret verifications waiting: try again later',
  AUTH_UNAVAILABLE: 'the credential store could not answer',
} as const;
export type LoginRefusalReason = keyof typeof LOGIN_REFUSALS;

export const SUBSCRIBE_REFUSALS = {
  FILTER_NOT_ALLOWED: 'the client may not subscribe to this filter',
  NO_SUBSCRIBE_TOPIC: 'a topic configured as closed to subscriptions',
} as const;
export type SubscribeRefusalReason = keyof typeof SUBSCRIBE_REFUSALS;

export type PublishRefusalReason = Extract<
  RejectionReason,
  'TOPIC_INVALID' | 'TOPIC_NOT_ALLOWED' | 'PAYLOAD_TOO_LARGE'
>;

/** CONNACK return codes of MQTT 3.1.1 that the broker answers a refused login with. */
export type ConnackRefusal = 1 | 2 | 3 | 4 | 5;

export interface LoginRefusal {
  reason: LoginRefusalReason;
  clientId: string;
  returnCode: ConnackRefusal;
}

export interface SubscribeRefusal {
  reason: SubscribeRefusalReason;
  clientId: string;
  filter: string;
}

export interface PublishRefusal {
  reason: PublishRefusalReason;
  clientId: string;
}

export interface RefusalHooks {
  /** A publish the broker refused itself (ACL, size, topic syntax, a `$` topic it dropped). */
  onRefused?(refusal: PublishRefusal): void;
  /** A CONNECT answered with a non-zero CONNACK. */
  onLoginRefused?(refusal: LoginRefusal): void;
  /** A subscription answered with SUBACK 0x80. */
  onSubscribeRefused?(refusal: SubscribeRefusal): void;
}

export interface RefusalCounts {
  login: Partial<Record<LoginRefusalReason, number>>;
  subscribe: Partial<Record<SubscribeRefusalReason, number>>;
  publish: Partial<Record<PublishRefusalReason, number>>;
}

function bump<K extends string>(counts: Partial<Record<K, number>>, key: K): void {
  counts[key] = (counts[key] ?? 0) + 1;
}

export class Refusals {
  readonly #counts: RefusalCounts = { login: {}, subscribe: {}, publish: {} };

  constructor(
    private readonly hooks: RefusalHooks,
    private readonly logger: Logger,
  ) {}

  login(refusal: LoginRefusal): void {
    bump(this.#counts.login, refusal.reason);
    // "Server unavailable" is what a storm is answered with, thousands a second: counted, and the
    // device retries, so it is not worth a log line each outside debugging.
    const level = refusal.returnCode === 3 ? 'debug' : 'warn';
    this.logger[level]({ clientId: refusal.clientId, reason: refusal.reason }, 'MQTT connection refused');
    this.hooks.onLoginRefused?.(refusal);
  }

  subscribe(refusal: SubscribeRefusal): void {
    bump(this.#counts.subscribe, refusal.reason);
    this.logger.warn(
      { clientId: refusal.clientId, filter: refusal.filter, reason: refusal.reason },
      'subscription refused',
    );
    this.hooks.onSubscribeRefused?.(refusal);
  }

  publish(refusal: PublishRefusal, topic: string): void {
    bump(this.#counts.publish, refusal.reason);
    this.logger.warn({ clientId: refusal.clientId, topic, reason: refusal.reason }, 'publish refused');
    this.hooks.onRefused?.(refusal);
  }

  counts(): RefusalCounts {
    return {
      login: { ...this.#counts.login },
      subscribe: { ...this.#counts.subscribe },
      publish: { ...this.#counts.publish },
    };
  }
}
