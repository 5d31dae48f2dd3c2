// vitest globalSetup of the two-at-a-time console files: builds the console bundle (if its inputs
// changed) in the runner before any file starts, so no two files build it at the same time.
import { buildConsole } from './console.ts';

export default async function setup(): Promise<void> {
  await buildConsole();
}
