// Simulated devices: one firmware-faithful device, scripted scenarios, load mode and the demo fleet.

export * from './demo.ts';
export * from './device.ts';
export * from './load.ts';
export * from './scenario.ts';
export * from './stats.ts';
export * from './voice.ts';
