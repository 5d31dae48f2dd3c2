// aedes-persistence-redis ships no types: the part of its API the broker uses.

declare module 'aedes-persistence-redis' {
  import type { RedisOptions } from 'ioredis';

  interface RedisPersistenceOptions extends RedisOptions {
    /** Offline messages delivered on CONNECT at most (default 1000). */
    maxSessionDelivery?: number;
    /** Seconds an offline message is kept; 0 (default) keeps it until delivered. */
    packetTTL?: (packet: unknown) => number;
  }

  /** An aedes persistence; destroy() closes its Redis connection. */
  interface RedisPersistence {
    destroy(): Promise<void>;
  }

  export default function aedesPersistenceRedis(options?: RedisPersistenceOptions): RedisPersistence;
}
