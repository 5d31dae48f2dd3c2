// The bridge worker's entry point: worker threads do not inherit the main thread's TypeScript
// loader, so tsx is registered here before the worker's module is loaded.
const { register } = await import('tsx/esm/api');
register();
await import('./bridge-worker.ts');
