// The cross-package files that only drive the console in Chromium against an alarm center on
// PostgreSQL (no restarts, kills, storms, SIP or voice, nothing timed): they run two at a time
// (vitest.console.config.ts); every other file in e2e/ runs alone (vitest.config.ts).
export const CONSOLE_FILES = [
  'e2e/back-office.test.ts',
  'e2e/case-worker.test.ts',
  'e2e/compose-file.test.ts',
  'e2e/console-everywhere.test.ts',
  'e2e/console-roles.test.ts',
  'e2e/device-page.test.ts',
  'e2e/eservice-accessible.test.ts',
  'e2e/eservice-sign-in.test.ts',
  'e2e/grant-flow.test.ts',
  'e2e/night-supervision.test.ts',
  'e2e/pendant-to-console.test.ts',
  'e2e/position-map.test.ts',
  'e2e/responder-dispatch.test.ts',
];
