/**
 * The worker side of `pnpm fuzz` (bench/fuzz.ts): runs the fuzz cases from workerData.start on, posting 'begin'
 * before each call (so the main thread can tell a hang) and the outcome after it.
 */
import { parentPort, workerData } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import * as core from '../src/index.js';
import { buildCases, runCase } from '../test/fuzz/run.js';

await tf.setBackend('cpu');
const { start, dataChecks } = workerData as { start: number; dataChecks: boolean };
const setDataChecks = (core as { setDataChecks?: (on: boolean) => void }).setDataChecks;
setDataChecks?.(dataChecks);
const cases = buildCases();
for (let i = start; i < cases.length; i++) {
  parentPort!.postMessage({ type: 'begin', i });
  const r = runCase(cases[i]!);
  parentPort!.postMessage({ type: 'done', i, outcome: r.outcome, detail: r.detail.slice(0, 300), ms: r.ms });
}
parentPort!.postMessage({ type: 'end', total: cases.length });
