// Runs the fuzz cases in a worker thread from the TypeScript source: registers tsx's loader in this thread first
// (a loader in a Worker's execArgv is not applied on Node 20), then starts the cases at workerData.start.
import { register } from 'tsx/esm/api';

register();
await import('./fuzz-cases.ts');
