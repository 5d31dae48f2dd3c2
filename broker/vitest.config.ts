import { defineConfig, mergeConfig } from 'vitest/config';
import { base } from '../scripts/vitest-base.ts';

export default mergeConfig(base, defineConfig({ test: { name: 'broker', include: ['test/*.test.ts'] } }));
