// The end-to-end suite's shared fixtures: the alarm center as a child process, a centre under test
// with its fleet, Chromium, the built console, a private PostgreSQL, freezing a process, runs, and
// the SCAIP and voice rig.

export * from './alarm-center-process.ts';
export * from './browser.ts';
export * from './center-under-test.ts';
export * from './cluster.ts';
export * from './console.ts';
export * from './eservice.ts';
export * from './fleet.ts';
export * from './freeze.ts';
export * from './gateway-process.ts';
export * from './haproxy.ts';
export * from './private-postgres.ts';
export * from './processes.ts';
export * from './voice-rig.ts';
