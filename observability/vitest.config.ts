import { defineConfig, mergeConfig } from 'vitest/config';
import { twoFilesAtATime } from '../scripts/vitest-base.ts';

export default mergeConfig(
  twoFilesAtATime,
  defineConfig({ test: { name: 'observability', include: ['test/*.test.ts'] } }),
);
