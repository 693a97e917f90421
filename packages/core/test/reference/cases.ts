/**
 * The committed reference values (generate.py, mpmath at 60 digits) and the core function each one checks.
 * Read by reference.test.ts; nothing here runs Python.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ReferenceValue } from '../../src/testing/expect-close.js';
import { cosineSchedule, linearSchedule, s2Schedule, type NoiseSchedule } from '../../src/schedule/schedule.js';

export interface ReferenceCase {
  readonly q: string;
  readonly args: readonly unknown[];
  readonly ref: ReferenceValue | ReferenceValue[];
  readonly values?: number[];
}

const here = fileURLToPath(new URL('.', import.meta.url));

/** The cases of one fixture file (schedule, probability, decoder, embedding). */
export function loadCases(name: 'schedule' | 'probability' | 'decoder' | 'embedding'): ReferenceCase[] {
  return (JSON.parse(readFileSync(join(here, `${name}.json`), 'utf8')) as { cases: ReferenceCase[] }).cases;
}

/** The schedules the generator names, built by core. */
export const SCHEDULES: Record<string, NoiseSchedule> = {
  linear1000: linearSchedule(1000),
  linear100: linearSchedule(100),
  s2_1000: s2Schedule(1000),
  cosine1000: cosineSchedule(1000),
};
