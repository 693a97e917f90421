/**
 * `pnpm --filter @ddpm-derived/core fuzz`: the API fuzz of test/fuzz with every outcome counted, for
 * docs/BENCHMARKS.md. The cases run in a worker thread watched from here, so a call that never returns is counted
 * as a hang (the worker is stopped and restarted after it) instead of stopping the count.
 *
 *   pnpm --filter @ddpm-derived/core fuzz [--list] [--no-data-checks]
 */
import { Worker } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { ENTRIES, EXCLUDED } from '../test/fuzz/api.js';
import { acceptable, buildCases, describeCase, type Outcome, type Result } from '../test/fuzz/run.js';

const HANG_MS = 5_000;
const list = process.argv.includes('--list');
const dataChecks = !process.argv.includes('--no-data-checks');

await tf.setBackend('cpu');
const cases = buildCases();
const results: (Result | undefined)[] = new Array(cases.length);

function runFrom(start: number): Promise<number | undefined> {
  return new Promise((resolve) => {
    const worker = new Worker(new URL('./fuzz-worker.mjs', import.meta.url), { workerData: { start, dataChecks } });
    let current: number | undefined;
    let timer: NodeJS.Timeout | undefined;
    const arm = () => {
      clearTimeout(timer);
      timer = setTimeout(() => {
        void worker.terminate();
        resolve(current); // the case that never returned
      }, HANG_MS);
    };
    worker.on('message', (m: { type: string; i: number; outcome: Outcome; detail: string; ms: number }) => {
      if (m.type === 'begin') {
        current = m.i;
        arm();
      } else if (m.type === 'done') results[m.i] = { outcome: m.outcome, detail: m.detail, ms: m.ms };
      else if (m.type === 'end') {
        clearTimeout(timer);
        void worker.terminate();
        resolve(undefined);
      }
    });
    worker.on('error', (e) => {
      clearTimeout(timer);
      console.error('worker failed:', e);
      resolve(current);
    });
  });
}

let start = 0;
const t0 = performance.now();
for (;;) {
  const hung = await runFrom(start);
  if (hung === undefined) break;
  results[hung] = { outcome: 'slow', detail: `no return within ${HANG_MS / 1000} s`, ms: HANG_MS };
  start = hung + 1;
}
const seconds = (performance.now() - t0) / 1000;

const outcomes: Outcome[] = ['clear', 'misnamed', 'other', 'nonFinite', 'accepted', 'slow', 'ok'];
const tally = (bad: boolean) => Object.fromEntries(outcomes.map((o) => [o, cases.filter((c, i) => c.bad === bad && results[i]?.outcome === o).length]));
const failing = cases.map((c, i) => ({ c, r: results[i]! })).filter(({ c, r }) => !acceptable(c, r, ENTRIES[c.entry]!));
const entriesFailing = new Set(failing.map(({ c }) => ENTRIES[c.entry]!.name));

console.log(`API fuzz: ${ENTRIES.length} entry points, ${cases.length} calls (${cases.filter((c) => c.bad).length} bad, ${cases.filter((c) => !c.bad).length} valid extreme or random), data checks ${dataChecks ? 'on' : 'off'}, ${seconds.toFixed(1)} s`);
console.log('bad inputs:  ', JSON.stringify(tally(true)));
console.log('valid inputs:', JSON.stringify(tally(false)));
console.log(`violations: ${failing.length} calls in ${entriesFailing.size} entry points`);
console.log(`excluded: ${Object.keys(EXCLUDED).length} groups (test/fuzz/api.ts EXCLUDED)`);
if (list) for (const { c, r } of failing) console.log(`  ${r.outcome.padEnd(9)} ${describeCase(c)} → ${r.detail}`);
process.exit(0);
