// The vitest settings every workspace shares (each package's vitest.config.ts merges them; the root
// vitest.config.ts runs all packages as projects with them). Files run one at a time, each in its own
// child process, as `node --test --test-concurrency=1` did: the suites share one PostgreSQL, start
// real brokers, Chromium, SIPp and baresip, send signals and set process.env.

import { defineConfig, mergeConfig } from 'vitest/config';

export const base = defineConfig({
  test: {
    pool: 'forks', // child processes: signals, process.env, process.chdir and native servers behave as in production
    isolate: true, // a fresh process per file, like node --test
    fileParallelism: false,
    maxWorkers: 1,
    // node:test had no timeout; the longest tests (restart storm, PostgreSQL outage) take minutes.
    testTimeout: 600_000,
    hookTimeout: 600_000,
    teardownTimeout: 60_000,
    reporters: ['default', new URL('./vitest-summary.ts', import.meta.url).pathname],
    passWithNoTests: false,
  },
});

// The packages' own suites (not tests/, whose files start Chromium, clusters, storms and SIP peers
// and time what a user would notice) run two files at a time: each file has its own database,
// ports and processes, and on two cores most of a file's time is waiting (start-up, timers,
// sockets). The root run schedules them first, then the one-at-a-time suites.
export const twoFilesAtATime = mergeConfig(base, defineConfig({ test: { fileParallelism: true, maxWorkers: 2 } }));
