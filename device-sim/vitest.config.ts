import { defineConfig, mergeConfig } from 'vitest/config';
import { twoFilesAtATime } from '../scripts/vitest-base.ts';

export default mergeConfig(
  twoFilesAtATime,
  defineConfig({ test: { name: 'device-sim', include: ['test/*.test.ts'] } }),
);
