import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import '../testing/tf-setup.js';
import { createRng, restoreRng } from './rng.js';
import { kolmogorovSurvival } from '../stats/two-sample.js';
import { testSeed } from '../testing/expect-close.js';

describe('seeded randomness', () => {
  it('a restored state continues the stream exactly, also with a Box–Muller normal pending', () => {
    const rng = createRng(2026);
    rng.normals(7); // an odd count leaves the second normal of a pair pending
    const saved = JSON.parse(JSON.stringify(rng.state())); // as a checkpoint's JSON keeps it
    expect(saved.spare).not.toBeNull();
    const copy = restoreRng(saved);
    const draw = (r: typeof rng) => [...r.normals(3), ...r.uniforms(3), r.int(1, 1000), ...r.normalTensor([4]).dataSync()];
    expect(draw(copy)).toEqual(draw(rng));
    expect(copy.seed).toBe(2026);
    // Another generator at the same seed but another point in the stream draws something else.
    expect(draw(createRng(2026))).not.toEqual(draw(restoreRng(saved)));
    tf.disposeVariables();
  });

  it('a state that Rng.state() did not produce is refused by name', () => {
    expect(() => restoreRng({ seed: 1, generator: [1, 2, 3], spare: null })).toThrow(/restoreRng: argument 'state' must be a state saved by Rng.state\(\)/);
    expect(() => restoreRng(null as never)).toThrow(/restoreRng: argument 'state'/);
  });
});

/**
 * The generator itself. Each check has a stated level: a KS statistic against Kolmogorov's limit at p < 1e-6, and
 * moments and correlations within 6 standard errors (two-sided p ≈ 2e-9 for a normal statistic), so a failure means
 * the stream is wrong, not unlucky. Before SplitMix64 seeding every seed's first uniform was ≈ 1: each check below
 * fails on that generator.
 */
describe('the generator: first draws, neighbouring seeds, forks', () => {
  /** One-sample KS statistic of `xs` against U[0, 1), with Kolmogorov's survival function at √n·D. */
  function ksUniform(xs: Float64Array): { d: number; p: number } {
    const sorted = Float64Array.from(xs).sort();
    const n = sorted.length;
    let d = 0;
    for (let i = 0; i < n; i++) d = Math.max(d, (i + 1) / n - sorted[i]!, sorted[i]! - i / n);
    return { d, p: kolmogorovSurvival(Math.sqrt(n) * d) };
  }

  /** Pearson's correlation of two equally long streams. */
  function correlation(a: Float64Array, b: Float64Array): number {
    const n = a.length;
    const ma = a.reduce((s, x) => s + x, 0) / n;
    const mb = b.reduce((s, x) => s + x, 0) / n;
    let sab = 0, saa = 0, sbb = 0;
    for (let i = 0; i < n; i++) {
      sab += (a[i]! - ma) * (b[i]! - mb);
      saa += (a[i]! - ma) ** 2;
      sbb += (b[i]! - mb) ** 2;
    }
    return sab / Math.sqrt(saa * sbb);
  }

  const SEEDS = 10_000;
  const KS_LEVEL = 1e-6;

  it('the first, second and third uniforms across 10 000 consecutive seeds are uniform (KS, p > 1e-6)', () => {
    for (let draw = 0; draw < 3; draw++) {
      const xs = new Float64Array(SEEDS);
      for (let s = 0; s < SEEDS; s++) {
        const rng = createRng(s);
        for (let k = 0; k < draw; k++) rng.uniform();
        xs[s] = rng.uniform();
      }
      const { d, p } = ksUniform(xs);
      expect(p, `draw ${draw + 1}: KS D = ${d}`).toBeGreaterThan(KS_LEVEL);
    }
  });

  it('the first normal across 10 000 consecutive seeds has mean 0 and variance 1 (within 6 standard errors)', () => {
    const zs = new Float64Array(SEEDS);
    for (let s = 0; s < SEEDS; s++) zs[s] = createRng(s).normal();
    const m = zs.reduce((a, z) => a + z, 0) / SEEDS;
    const v = zs.reduce((a, z) => a + (z - m) ** 2, 0) / (SEEDS - 1);
    expect(Math.abs(m)).toBeLessThan(6 / Math.sqrt(SEEDS)); // SE of the mean: 1/√n
    expect(Math.abs(v - 1)).toBeLessThan(6 * Math.sqrt(2 / SEEDS)); // SE of the variance of N(0,1): √(2/n)
  });

  it('streams of neighbouring seeds, and a stream and its fork, are uncorrelated (|r| < 6/√n)', () => {
    const n = 20_000;
    const bound = 6 / Math.sqrt(n); // Pearson's r of independent streams has SE 1/√n
    for (const seed of [0, 1, 41, 1_000_000]) {
      const r = correlation(createRng(seed).uniforms(n), createRng(seed + 1).uniforms(n));
      expect(Math.abs(r), `seeds ${seed}, ${seed + 1}`).toBeLessThan(bound);
    }
    const parent = createRng(testSeed(5));
    const child = parent.fork();
    const sibling = parent.fork();
    expect(Math.abs(correlation(parent.uniforms(n), child.uniforms(n)))).toBeLessThan(bound);
    expect(Math.abs(correlation(child.uniforms(n), sibling.uniforms(n)))).toBeLessThan(bound);
    // Lagged by one draw, too: a fork must not be its parent shifted.
    const p2 = createRng(testSeed(6));
    const c2 = p2.fork();
    const a = p2.uniforms(n + 1);
    const b = c2.uniforms(n + 1);
    expect(Math.abs(correlation(a.subarray(1), b.subarray(0, n)))).toBeLessThan(bound);
    expect(Math.abs(correlation(a.subarray(0, n), b.subarray(1)))).toBeLessThan(bound);
  });

  it('uniforms lie in [0, 1) and a long stream of them is uniform (KS, p > 1e-6)', () => {
    const xs = createRng(testSeed(7)).uniforms(200_000);
    expect(xs.every((x) => x >= 0 && x < 1)).toBe(true);
    expect(ksUniform(xs).p).toBeGreaterThan(KS_LEVEL);
  });

  it('normals have the moments of N(0, 1): mean, variance, skewness, excess kurtosis within 6 standard errors', () => {
    const n = 200_000;
    const zs = createRng(testSeed(8)).normals(n);
    const moment = (k: number) => zs.reduce((a, z) => a + z ** k, 0) / n;
    // Standard errors of the sample moments of N(0,1): √(Var z^k / n) with Var z = 1, Var z² = 2, Var z³ = 15, Var z⁴ = 96.
    expect(Math.abs(moment(1))).toBeLessThan(6 * Math.sqrt(1 / n));
    expect(Math.abs(moment(2) - 1)).toBeLessThan(6 * Math.sqrt(2 / n));
    expect(Math.abs(moment(3))).toBeLessThan(6 * Math.sqrt(15 / n));
    expect(Math.abs(moment(4) - 3)).toBeLessThan(6 * Math.sqrt(96 / n));
  });
});
