import { defineConfig, mergeConfig } from 'vitest/config';
import { twoFilesAtATime } from '../scripts/vitest-base.ts';

export default mergeConfig(twoFilesAtATime, defineConfig({ test: { name: 'gateway', include: ['test/*.test.ts'] } }));
