import { defineConfig, mergeConfig } from 'vitest/config';
import { twoFilesAtATime } from '../scripts/vitest-base.ts';

export default mergeConfig(
  twoFilesAtATime,
  defineConfig({ test: { name: 'alarm-center', include: ['test/*.test.ts'] } }),
);
