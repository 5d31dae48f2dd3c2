import { defineConfig, mergeConfig } from 'vitest/config';
import { twoFilesAtATime } from '../scripts/vitest-base.ts';

export default mergeConfig(twoFilesAtATime, defineConfig({ test: { name: 'broker', include: ['test/*.test.ts'] } }));
