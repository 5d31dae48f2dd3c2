// `npm test` runs every workspace's tests in one vitest run, so CI reads one summary line at the end
// (scripts/vitest-summary.ts). Each package's own `npm test` runs the same project configs alone.
import { defineConfig, mergeConfig } from 'vitest/config';
import { base } from './scripts/vitest-base.ts';

export default mergeConfig(
  base,
  defineConfig({
    test: {
      projects: [
        'firmware-protocol/vitest.config.ts',
        'console-contract/vitest.config.ts',
        'observability/vitest.config.ts',
        'broker/vitest.config.ts',
        'gateway/vitest.config.ts',
        'alarm-center/vitest.config.ts',
        'alarm-center/vitest.embedded.config.ts',
        'device-sim/vitest.config.ts',
        'web-console/vitest.config.ts',
        'tests/vitest.config.ts',
        'tests/vitest.console.config.ts',
        'tests/vitest.embedded.config.ts',
      ],
    },
  }),
);
