// The platform's MQTT broker: aedes with device authentication, per-device ACL and a publish hook
// that acknowledges a device's message only after the platform has accepted it.

export * from './acl.ts';
export * from './bounded-concurrency.ts';
export * from './broker.ts';
export { DEFAULT_LOGIN_ADMISSION, type DeviceLoginStats } from './device-login.ts';
export * from './device-secrets.ts';
export * from './metrics.ts';
export * from './refusals.ts';
export * from './secrets.ts';
