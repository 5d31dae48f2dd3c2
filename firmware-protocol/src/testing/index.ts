// Fixtures for tests of anything that speaks the wire protocol: example messages and every text
// field of every schema with hostile text to put in it. Imported as @trygg/firmware-protocol/testing.

export * from './examples.ts';
export * from './text-fields.ts';
