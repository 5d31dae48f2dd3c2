// The console-only files of e2e/ (console-files.ts), two at a time. The production bundle they
// serve is built once before any of them starts, so two files never build it at once.
import { defineConfig, mergeConfig } from 'vitest/config';
import { twoFilesAtATime } from '../scripts/vitest-base.ts';
import { CONSOLE_FILES } from './console-files.ts';

export default mergeConfig(
  twoFilesAtATime,
  defineConfig({
    test: { name: 'tests (console)', include: CONSOLE_FILES, globalSetup: ['src/console-global-setup.ts'] },
  }),
);
