// Runs gradient-worker.ts in a worker thread when core runs from its TypeScript source (vitest, tsx): registers tsx's
// loader in this thread first, since a loader in a Worker's execArgv is not applied on Node 20. Compiled builds start
// gradient-worker.js directly.
import { register } from 'tsx/esm/api';

register();
await import('./gradient-worker.ts');
