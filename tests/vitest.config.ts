import { defineConfig, mergeConfig } from 'vitest/config';
import { base } from '../scripts/vitest-base.ts';
import { TWO_AT_A_TIME_FILES } from './console-files.ts';

export default mergeConfig(
  base,
  defineConfig({ test: { name: 'tests', include: ['e2e/*.test.ts'], exclude: TWO_AT_A_TIME_FILES } }),
);
