import react from '@vitejs/plugin-react';
import { defineConfig, mergeConfig } from 'vitest/config';
import { twoFilesAtATime } from '../scripts/vitest-base.ts';

// Unit tests run in Node; component tests (test/components/*.test.tsx) declare
// `// @vitest-environment happy-dom` at their top.
export default mergeConfig(
  twoFilesAtATime,
  defineConfig({ plugins: [react()], test: { name: 'web-console', include: ['test/**/*.test.{ts,tsx}'] } }),
);
