// The protocol's example messages now live in src/testing (exported as @trygg/firmware-protocol/testing).
export * from '../src/testing/examples.ts';
