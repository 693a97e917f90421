/**
 * The fuzz itself: the cases (one argument of one entry replaced by a bad, extreme or random value, the others
 * valid) and the classification of what a call does with them.
 */
import fc from 'fast-check';
import * as tf from '@tensorflow/tfjs-core';
import * as core from '../../src/index.js';
import { ENTRIES, type Entry } from './api.js';
import type { Kind } from './kinds.js';

/** What a call did. */
export type Outcome =
  | 'clear' // a DomainError from the function itself naming the argument (or, for a valid extreme, any of its arguments)
  | 'misnamed' // a DomainError naming another function or an argument not involved
  | 'other' // any other error (TypeError, a bare RangeError, a tfjs error)
  | 'nonFinite' // returned NaN or ±Infinity
  | 'accepted' // returned a finite result for a bad value
  | 'ok' // a valid value, a finite result
  | 'slow'; // took longer than SLOW_MS (a hang, when the count is unbounded)

export type CaseKind = 'bad' | 'relational' | 'data' | 'extreme' | 'random';

export interface Case {
  readonly entry: number;
  readonly param: number;
  readonly field: string | undefined;
  readonly kind: CaseKind;
  /** A bad value (must be rejected) or a valid one (must give a finite result or a clear DomainError). */
  readonly bad: boolean;
  /** Makes the value (inside the call's tf.tidy, so tensors are fresh and freed). */
  readonly value: () => unknown;
  readonly label: string;
}

export interface Result {
  readonly outcome: Outcome;
  readonly detail: string;
  readonly ms: number;
}

export const SEED = 20261202;
export const RANDOM_RUNS = 6;
/** A call slower than this counts as a hang: every fuzzed count is small, so only an unbounded loop gets here. */
export const SLOW_MS = 3000;

function show(v: unknown): string {
  if (v instanceof tf.Tensor) return `Tensor[${v.shape}]${v.isDisposed ? ' (disposed)' : ''}`;
  if (typeof v === 'number') return Object.is(v, -0) ? '-0' : String(v);
  if (typeof v === 'string') return JSON.stringify(v);
  if (ArrayBuffer.isView(v)) return `${v.constructor.name}(${(v as unknown as ArrayLike<number>).length})`;
  if (Array.isArray(v)) return `[${v.map(show).join(', ')}]`;
  if (v && typeof v === 'object') return `{${Object.keys(v).join(', ')}}`;
  return String(v);
}

function casesOf(kind: Kind, seed: number, layer: boolean): { kind: CaseKind; bad: boolean; value: () => unknown; label: string }[] {
  const out: { kind: CaseKind; bad: boolean; value: () => unknown; label: string }[] = [];
  const add = (list: () => unknown[], k: CaseKind, bad: boolean) => {
    list().forEach((v, j) => out.push({ kind: k, bad, value: () => list()[j], label: show(v) }));
  };
  add(kind.bad, 'bad', true);
  if (kind.relationalBad) add(kind.relationalBad, 'relational', true);
  if (kind.dataBad && !layer) add(kind.dataBad, 'data', true);
  add(kind.extreme, 'extreme', false);
  if (kind.random && kind.inDomain) {
    for (const v of fc.sample(kind.random, { seed, numRuns: RANDOM_RUNS })) out.push({ kind: 'random', bad: !kind.inDomain(v), value: () => v, label: show(v) });
  }
  return out;
}

/** Every case of every entry, in a fixed order (the same in every process: the seeds are fixed). */
export function buildCases(entries: readonly Entry[] = ENTRIES): Case[] {
  return scoped(() => buildCasesUntidy(entries)); // the labels are made from sample values, tensors among them
}

/** tf.tidy for a function returning plain data: every tensor made inside is freed. */
function scoped<R>(f: () => R): R {
  tf.engine().startScope();
  try {
    return f();
  } finally {
    tf.engine().endScope();
  }
}

function buildCasesUntidy(entries: readonly Entry[]): Case[] {
  const cases: Case[] = [];
  entries.forEach((entry, ei) => {
    entry.params.forEach(([, kind], pi) => {
      const seed = SEED + 1000 * ei + 10 * pi;
      for (const c of casesOf(kind, seed, entry.layer === true)) cases.push({ entry: ei, param: pi, field: undefined, ...c });
      Object.entries(kind.fields ?? {}).forEach(([field, fk], fi) => {
        for (const c of casesOf(fk, seed + fi + 1, entry.layer === true)) cases.push({ entry: ei, param: pi, field, ...c });
      });
    });
  });
  return cases;
}

/** Names an error may use for a parameter: `x`, `x[3]`, `x.mean`, `mixture.weights`, `options.size`, `a/b`. */
function tokens(s: string): string[] {
  return s.split(/[^A-Za-z0-9_]+/).filter(Boolean);
}

function namesArgument(err: core.DomainError, entry: Entry, c: Case): boolean {
  const got = tokens(err.arg);
  const [name, kind] = entry.params[c.param]!;
  const own = c.field ? [tokens(name)[0]!, c.field] : [tokens(name)[0]!];
  if (!c.bad || c.kind === 'relational') {
    // Any argument of the function may be the one whose combination with the others is out of range.
    const all = entry.params.flatMap(([n, k]) => [tokens(n)[0]!, ...Object.keys(k.fields ?? {})]);
    return got.some((g) => all.includes(g));
  }
  if (c.field) return got.includes(c.field);
  return got[0] === own[0] || (kind.fields !== undefined && got.some((g) => Object.keys(kind.fields!).includes(g)));
}

/** Where the result holds NaN or ±Infinity (the first such path), if anywhere. */
function nonFinitePath(v: unknown, path: string, entry: Entry, args: readonly unknown[], depth = 0): string | undefined {
  const bad = (x: number, p: string) => !Number.isFinite(x) && !(entry.infiniteAllowed && Math.abs(x) === Infinity) && !entry.nonFiniteByDesign?.(p, args);
  if (typeof v === 'number') return bad(v, path) ? `${path || 'result'} = ${v}` : undefined;
  if (depth > 3 || v === null || v === undefined || typeof v !== 'object') return undefined;
  if (v instanceof tf.Tensor) {
    if (v.isDisposed || v.dtype === 'string' || v.size > 1e5) return undefined;
    const d = v.dataSync();
    for (let i = 0; i < d.length; i++) if (bad(d[i]!, `${path}[${i}]`)) return `${path || 'result'}[${i}] = ${d[i]}`;
    return undefined;
  }
  if (ArrayBuffer.isView(v) || Array.isArray(v)) {
    const a = v as unknown as ArrayLike<unknown>;
    for (let i = 0; i < a.length; i++) {
      const p = nonFinitePath(a[i], `${path}[${i}]`, entry, args, depth + 1);
      if (p) return p;
    }
    return undefined;
  }
  if ('params' in v || 'uniform' in v) return undefined; // a model or a generator
  for (const [k, x] of Object.entries(v)) {
    const p = nonFinitePath(x, `${path}.${k}`, entry, args, depth + 1);
    if (p) return p;
  }
  return undefined;
}

/** tf.tidy frees tensors, not variables: free the variables a call created (a model's, a layer's). */
function disposeVariables(v: unknown, depth = 0): void {
  if (!v || typeof v !== 'object' || depth > 2) return;
  if (v instanceof tf.Variable) return v.dispose();
  if (v instanceof core.ParamStore) return v.dispose();
  if ('params' in v && (v as { params: unknown }).params instanceof core.ParamStore) return (v as { params: core.ParamStore }).params.dispose();
  if (!(v instanceof tf.Tensor) && !ArrayBuffer.isView(v)) for (const x of Object.values(v)) disposeVariables(x, depth + 1);
}

function argsFor(entry: Entry, c: Case): unknown[] {
  return entry.params.map(([, kind], i) => {
    if (i !== c.param) return kind.valid();
    if (c.field === undefined) return c.value();
    return { ...(kind.valid() as object), [c.field]: c.value() };
  });
}

/** Run one case and classify it. */
export function runCase(c: Case, entries: readonly Entry[] = ENTRIES): Result {
  const entry = entries[c.entry]!;
  return scoped(() => {
    const args = argsFor(entry, c);
    const t0 = performance.now();
    let outcome: Outcome;
    let detail = '';
    try {
      const result = (entry.call as (...a: unknown[]) => unknown)(...args);
      const where = nonFinitePath(result, '', entry, args);
      disposeVariables(result);
      if (where) [outcome, detail] = ['nonFinite', where];
      else outcome = c.bad ? 'accepted' : 'ok';
    } catch (err) {
      detail = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
      if (err instanceof core.DomainError) outcome = err.fn === entry.name && namesArgument(err, entry, c) ? 'clear' : 'misnamed';
      else outcome = 'other';
    }
    const ms = performance.now() - t0;
    if (ms > SLOW_MS) outcome = 'slow';
    return { outcome, detail, ms };
  });
}

/** Whether an outcome is what the contract asks for. */
export function acceptable(c: Case, r: Result, entry: Entry): boolean {
  return c.bad ? r.outcome === 'clear' : r.outcome === 'ok' || r.outcome === 'clear';
}

export function describeCase(c: Case, entries: readonly Entry[] = ENTRIES): string {
  const entry = entries[c.entry]!;
  const [name] = entry.params[c.param]!;
  return `${entry.name}(${name}${c.field ? `.${c.field}` : ''} = ${c.label}) [${c.kind}]`;
}
