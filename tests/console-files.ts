// Which files of e2e/ run two at a time (vitest.console.config.ts) and which alone (vitest.config.ts).
//
// The cross-package files that only drive the console in Chromium against an alarm center on
// PostgreSQL (no restarts, kills, storms, SIP or voice, nothing timed).
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

// Files whose bounds are about the system, not the machine (a replica's lag, a unit's SIP dialogue,
// a call's audio reaching a browser, a queue drained after a reconnect): they passed two at a time
// with the whole set, and what they time stays well inside its bound when another file runs beside.
export const SHARED_MACHINE_FILES = [
  'e2e/cluster.test.ts',
  'e2e/device-offline-queue.test.ts',
  'e2e/postgres-replica.test.ts',
  'e2e/replicas.test.ts',
  'e2e/scaip-fd-exhaustion.test.ts',
  'e2e/scaip-to-alarm.test.ts',
  'e2e/scaip-voice-call.test.ts',
  'e2e/sim-voice.test.ts',
  'e2e/standalone-broker.test.ts',
  'e2e/voice-browser.test.ts',
  'e2e/voice-callback-routing.test.ts',
  'e2e/voice-callback.test.ts',
  'e2e/voice-console.test.ts',
  'e2e/voice-holder.test.ts',
  'e2e/voice-recording.test.ts',
];

// Everything else runs alone: a kill or SIGSTOP with a recovery bound, the restart storm ("healthy
// within 5 s" while 2,000 devices reconnect; it missed that bound with another file beside it), a
// failover, and the night shift's timed escalations.
export const TWO_AT_A_TIME_FILES = [...CONSOLE_FILES, ...SHARED_MACHINE_FILES];
