import { defineConfig, mergeConfig } from 'vitest/config';
import { base } from '../scripts/vitest-base.ts';
import { CONSOLE_FILES } from './console-files.ts';

export default mergeConfig(
  base,
  defineConfig({ test: { name: 'tests', include: ['e2e/*.test.ts'], exclude: CONSOLE_FILES } }),
);
