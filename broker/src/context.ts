// What the broker's packet handlers share: the configuration they apply, who each connected client
// is, and where refusals are recorded. Built once by startBroker, passed to every handler.

import type { Client } from 'aedes';
import type { Logger } from 'pino';
import type { Identity } from './acl.ts';
import type { DeviceLogin } from './device-login.ts';
import type { Refusals } from './refusals.ts';

export interface PublishedMessage {
  topic: string;
  payload: Buffer;
  qos: 0 | 1 | 2;
  clientId: string;
}

export interface BrokerContext {
  allowAnonymous: boolean;
  maxPayloadBytes: number;
  /** Topics (and everything below them) no client may subscribe to or receive. */
  noSubscribeTopics: readonly string[];
  services: readonly { username: string; password: string }[];
  identities: WeakMap<Client, Identity>;
  /** Clients whose CONNECT had an empty client id and clean=0: refused with CONNACK 2. */
  emptyPersistentIds: WeakSet<Client>;
  deviceLogin: DeviceLogin;
  refusals: Refusals;
  onPublished?: (message: PublishedMessage) => Promise<void>;
  counters: { connections: number; published: number; hookFailed: number };
  logger: Logger;
}
