/**
 * Vitest setup for core's tests: data checks on (see setDataChecks), so a NaN or ±Infinity that reaches a public
 * tensor function in any test is an error naming the function and the argument, not a silent NaN downstream.
 * `DDPM_CHECK_DATA=0` turns them off (to time a test without them).
 */
import { afterEach } from 'vitest';
import { setDataChecks } from '../util/tensor.js';

setDataChecks(process.env['DDPM_CHECK_DATA'] !== '0');

// Let the worker's event loop run between tests. Between the tests of one file vitest continues on microtasks only,
// so a file of long synchronous tests (sampling/end-to-end.test.ts: 13 tests, 65 s in all) held the replies to the
// worker's RPC calls past their 60 s deadline: "Timeout calling onTaskUpdate", an unhandled error that fails the run.
afterEach(() => new Promise<void>((resolve) => setTimeout(resolve, 0)));
