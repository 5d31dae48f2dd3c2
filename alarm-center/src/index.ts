// The alarm center: routing core, persistence, ingest, HTTP API and console stream.

export type { AlarmDetail, AlarmSummary, StreamMessage } from './api/schemas.ts';
export { type Config, loadConfig } from './config.ts';
export { DEMO_DEVICES, DEMO_USERS, seedDemo } from './demo.ts';
export { type Platform, startPlatform } from './platform.ts';
