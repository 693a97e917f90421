/**
 * The API fuzz as a test (see run.ts): every public function and method of core, called with bad, extreme and
 * random arguments (fast-check, fixed seed), must
 *  - reject a bad argument with a DomainError from itself that names the argument,
 *  - return a finite result for valid finite arguments, or reject them with a DomainError from itself
 *    (when the true result is outside float64 or float32),
 *  - finish (every count is bounded; a call slower than SLOW_MS fails).
 * Data checks are on (vitest setup), so a NaN inside a tensor argument is one of the bad arguments.
 * `pnpm --filter @ddpm-derived/core fuzz` prints the same classification as counts.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import * as core from '../../src/index.js';
import * as train from '../../src/train/index.js';
import { useCpuBackend } from '../../src/testing/tf-setup.js';
import { ENTRIES, EXCLUDED } from './api.js';
import { acceptable, buildCases, describeCase, runCase, SLOW_MS } from './run.js';

beforeAll(useCpuBackend);

describe('API fuzz: bad input is a DomainError naming the function and the argument; no NaN, no hang', () => {
  it('covers every public function and class of src/index.ts, or lists it in EXCLUDED with its reason', () => {
    const fuzzed = new Set(ENTRIES.map((e) => e.name.split('.')[0]!));
    const excluded = new Set(Object.keys(EXCLUDED).flatMap((k) => k.split(/[^A-Za-z0-9_]+/)));
    const owned = new Set(Object.keys(train)); // train/**: the group EXCLUDED lists, less what is fuzzed
    const missing = Object.entries(core)
      .filter(([name, v]) => typeof v === 'function' && !fuzzed.has(name) && !excluded.has(name) && !owned.has(name))
      .map(([name]) => name);
    expect(missing).toEqual([]);
    // Of train/, sampleModel, sampleClassifierGuided and trainDdpm are fuzzed; the rest is EXCLUDED as a group.
    expect(['sampleModel', 'sampleClassifierGuided', 'trainDdpm'].filter((n) => typeof (train as Record<string, unknown>)[n] !== 'function' || !fuzzed.has(n))).toEqual([]);
  });

  it('every case: bad arguments rejected by name, valid ones finite, every call within its time', () => {
    expect(core.dataChecksEnabled()).toBe(true);
    const cases = buildCases();
    expect(cases.length).toBeGreaterThan(5000);
    const failures: string[] = [];
    for (const c of cases) {
      const r = runCase(c);
      if (!acceptable(c, r, ENTRIES[c.entry]!)) failures.push(`${r.outcome}: ${describeCase(c)} → ${r.detail} (${r.ms.toFixed(0)} ms)`);
    }
    expect(failures.slice(0, 30), `${failures.length} of ${cases.length} calls broke the contract (slow = over ${SLOW_MS} ms)`).toEqual([]);
  }, 240_000);
});
