// The environment variables every process of the platform reads the same way (zod, parsed once at
// start-up by each process's config.ts): ports, on/off flags, comma-separated lists, the log level
// and the variables of the metrics endpoint this package serves.

import { z } from 'zod';

export const envPort = z.coerce.number().int().min(0).max(65_535);

/** `true`/`false`, `1`/`0`, `yes`/`no`. */
export const envFlag = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

/** `a, b,c` -> ['a', 'b', 'c']; unset or empty -> []. */
export const envList = z
  .string()
  .default('')
  .transform((v) =>
    v
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
  );

export const envLogLevel = z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info');

/**
 * METRICS_HOST, METRICS_PORT and METRICS_TOKEN, as `serveMetrics` takes them: loopback unless set
 * (an empty host would mean every interface), and a token long enough not to be guessed.
 */
export function metricsEnv(defaultPort: number) {
  return {
    METRICS_HOST: z.string().min(1).default('127.0.0.1'),
    METRICS_PORT: envPort.default(defaultPort),
    METRICS_TOKEN: z.string().min(16, 'METRICS_TOKEN must be at least 16 characters').optional(),
  };
}
