// The wire contract of the platform: MQTT topics, message schemas, rejection reasons and SCAIP code
// tables. No I/O lives here; every other package imports its wire types from this one.

export * from './decode.ts';
export * from './devices.ts';
export * from './g711.ts';
export * from './messages.ts';
export * from './rejections.ts';
export * from './rtp.ts';
export * from './scaip.ts';
export * from './topics.ts';
export * from './voice.ts';
