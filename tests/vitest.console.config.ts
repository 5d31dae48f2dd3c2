// The files of e2e/ that run two at a time (console-files.ts: the console-only ones and those whose
// bounds are not the machine's). The production bundle they serve is built once before any of them
// starts, so two files never build it at once.
import { defineConfig, mergeConfig } from 'vitest/config';
import { twoFilesAtATime } from '../scripts/vitest-base.ts';
import { TWO_AT_A_TIME_FILES } from './console-files.ts';

export default mergeConfig(
  twoFilesAtATime,
  defineConfig({
    test: { name: 'tests (two at a time)', include: TWO_AT_A_TIME_FILES, globalSetup: ['src/console-global-setup.ts'] },
  }),
);
