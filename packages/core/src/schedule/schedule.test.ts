import { describe, expect, it } from 'vitest';
import { assertClose, EPS } from '../testing/expect-close.js';
import {
  alpha,
  alphaBar,
  alphaBarsFromAlphas,
  beta,
  alphasFromBetas,
  cosineSchedule,
  linearSchedule,
  s2Schedule,
  scheduleFromBetas,
  signalToNoiseRatio,
  terminalSignal,
  fromZeroBasedStep,
} from './schedule.js';

describe('C1 schedules', () => {
  it('C1 linear: endpoints and constant increments (S0, S4)', () => {
    const s = linearSchedule(1000);
    expect(s.betas[1]).toBe(1e-4);
    assertClose(s.betas[1000]!, 0.02, { rel: 4 * EPS }, 'β_T');
    const step = (0.02 - 1e-4) / 999;
    for (let t = 2; t <= 1000; t++) assertClose(s.betas[t]! - s.betas[t - 1]!, step, { abs: 64 * EPS }, `Δβ_${t}`);
  });

  it('C1 S2 schedule: β_t = 0.02 t / T, i.e. S2 α_t² = 1 − 0.02t/T', () => {
    const s = s2Schedule(1000);
    for (const t of [1, 17, 500, 1000]) assertClose(Math.sqrt(s.alphas[t]!), Math.sqrt(1 - (0.02 * t) / 1000), { rel: 2 * EPS }, `α^(S2)_${t}`);
  });

  it('C1 cosine: ᾱ_t = f(t)/f(0) wherever β was not clipped', () => {
    const T = 1000;
    const sch = cosineSchedule(T);
    const f = (t: number) => Math.cos(((t / T + 0.008) / 1.008) * (Math.PI / 2)) ** 2;
    for (const t of [1, 10, 300, 700, 900]) assertClose(sch.alphaBars[t]!, f(t) / f(0), { rel: 1e3 * EPS }, `ᾱ_${t}`);
    expect(Math.max(...sch.betas)).toBeLessThanOrEqual(0.999);
  });
});

describe('C2 α and ᾱ', () => {
  it('C2 ᾱ_t equals the product of α_1..α_t (exact to float64 rounding)', () => {
    const s = linearSchedule(1000);
    for (const t of [0, 1, 2, 10, 500, 1000]) {
      let p = 1;
      for (let u = 1; u <= t; u++) p *= 1 - s.betas[u]!;
      assertClose(alphaBar(s, t), p, { rel: 4 * EPS }, `ᾱ_${t}`);
    }
  });

  it('C2 a float32 running product drifts where float64 does not (why S4 uses float64)', () => {
    const s = linearSchedule(1000);
    let p32 = Math.fround(1);
    for (let t = 1; t <= 1000; t++) p32 = Math.fround(p32 * Math.fround(s.alphas[t]!));
    const rel32 = Math.abs(p32 - s.alphaBars[1000]!) / s.alphaBars[1000]!;
    // float32 rounding accumulates to several float32 ulps (2^-23 ≈ 1.2e-7) over 1000 factors.
    expect(rel32).toBeGreaterThan(2 * 2 ** -23);
  });

  it('C2 rejects β outside (0,1), NaN and a non-zero β_0', () => {
    expect(() => scheduleFromBetas([0.1, 1.2])).toThrow(/scheduleFromBetas: argument 'betas1toT\[1\] \(β_2\)' must be a number in \(0, 1\); received 1.2/);
    expect(() => scheduleFromBetas([Number.NaN])).toThrow(/finite/);
    expect(() => scheduleFromBetas([])).toThrow(/non-empty/);
    expect(() => alphasFromBetas([0.1, 0.2])).toThrow(/betas\[0\]/);
    expect(() => alphaBarsFromAlphas([0.5, 0.5])).toThrow(/alphas\[0\]/);
    // 200 steps of β = 0.999 give ᾱ = 1e-600, which underflows to 0 (x̂_0 = (x_t − ε)/0 would be NaN).
    expect(() => scheduleFromBetas(new Array(200).fill(0.999))).toThrow(/alphaBarsFromAlphas: argument 'alphas\[1\.\.\d+\]' must be a product ᾱ_t > 0/);
  });

  it('C1 and C2 validators name their own function, argument and interval, and each interval end is open or closed as documented', () => {
    // Open ends: β, α and the linear endpoints in (0, 1), the cosine offset s in (0, 1], maxBeta in (0, 1). A check loosened at one
    // end would let the value through to scheduleFromBetas, whose message names another function (or to no error).
    const interval = (fn: string, arg: string, range: string) => new RegExp(`^${fn}: argument '${arg}' must be a number in ${range}`);
    for (const b of [0, 1]) expect(() => alphasFromBetas([0, b])).toThrow(interval('alphasFromBetas', 'betas\\[1\\]', '\\(0, 1\\)'));
    expect(() => alphasFromBetas([0, 0.1, 1.5])).toThrow(/^alphasFromBetas: argument 'betas\[2\]'/);
    expect(() => alphasFromBetas([0])).toThrow(/^alphasFromBetas: argument 'betas' must be β_0\.\.β_T with T >= 1 \(length >= 2\)/);
    for (const a of [0, 1]) expect(() => alphaBarsFromAlphas([1, a])).toThrow(interval('alphaBarsFromAlphas', 'alphas\\[1\\]', '\\(0, 1\\)'));
    for (const b of [0, 1]) {
      expect(() => linearSchedule(10, b, 0.02)).toThrow(interval('linearSchedule', 'betaStart', '\\(0, 1\\)'));
      expect(() => linearSchedule(10, 1e-4, b)).toThrow(interval('linearSchedule', 'betaEnd', '\\(0, 1\\)'));
      expect(() => cosineSchedule(10, 0.008, b)).toThrow(interval('cosineSchedule', 'maxBeta', '\\(0, 1\\)'));
    }
    expect(() => cosineSchedule(10, 0)).toThrow(interval('cosineSchedule', 's', '\\(0, 1\\]'));
    expect(cosineSchedule(10, 1).T).toBe(10);
  });

  it('C2 beta(t) and alpha(t) read β_t and α_t = 1 − β_t, and refuse t = 0', () => {
    const s = linearSchedule(10, 0.01, 0.1);
    for (let t = 1; t <= 10; t++) {
      assertClose(beta(s, t), 0.01 + ((0.1 - 0.01) * (t - 1)) / 9, { rel: 4 * EPS }, `β_${t}`);
      expect(alpha(s, t)).toBe(1 - beta(s, t));
    }
    expect(() => beta(s, 0)).toThrow(/^beta: argument 't' must be an integer in 1\.\.10/);
    expect(() => alpha(s, 11)).toThrow(/^alpha: argument 't' must be an integer in 1\.\.10/);
  });

  it('N the step index is 1..T and out-of-range steps name the range', () => {
    const s = linearSchedule(100);
    expect(() => alphaBar(s, 101)).toThrow("alphaBar: argument 't' must be an integer in 0..100; received 101");
    expect(() => signalToNoiseRatio(s, 0)).toThrow(/1\.\.100/);
    expect(() => alphaBar(s, 1.5)).toThrow(/integer/);
    expect(fromZeroBasedStep(s, 0)).toBe(1);
    expect(() => fromZeroBasedStep(s, 100)).toThrow(/0\.\.99/);
  });
});

describe('C6 and C9', () => {
  it('C6 S2 schedule with T = 1000 leaves √ᾱ_T ≈ e^{-5}', () => {
    // log √ᾱ_T = ½ Σ log(1 − 0.02t/T) ≈ −½ Σ 0.02t/T = −0.005 (T+1) ≈ −5.005; the quadratic terms add ~ −0.07.
    const v = terminalSignal(s2Schedule(1000));
    expect(Math.log(v)).toBeGreaterThan(-5.2);
    expect(Math.log(v)).toBeLessThan(-5.0);
  });

  it('C9 SNR is strictly decreasing in t for every schedule', () => {
    for (const s of [linearSchedule(1000), cosineSchedule(1000), s2Schedule(1000), linearSchedule(100)]) {
      for (let t = 2; t <= s.T; t++) expect(signalToNoiseRatio(s, t)).toBeLessThan(signalToNoiseRatio(s, t - 1));
    }
  });

  it('C9 SNR is the ratio ᾱ_t/(1 − ᾱ_t) itself: SNR/(1 + SNR) gives ᾱ_t back, and SNR(1) = (1 − β_1)/β_1', () => {
    // Monotonicity alone passes for any increasing transform of the ratio (its square root, its log); these pin the value.
    const s = linearSchedule(1000);
    // ᾱ_1 = 1 − 1e-4: the ratio is 9999 (a square root would give ≈ 100). Rounding of 1 − ᾱ_1: a few ulps of 1e-4.
    assertClose(signalToNoiseRatio(s, 1), (1 - 1e-4) / 1e-4, { rel: 1e3 * EPS }, 'SNR(1)');
    for (const t of [1, 10, 250, 500, 999, 1000]) {
      const snr = signalToNoiseRatio(s, t);
      // x ↦ x/(1 + x) inverts the ratio; relative rounding error grows like 1/(1 − ᾱ_t) near t = 1.
      assertClose(snr / (1 + snr), alphaBar(s, t), { rel: 1e5 * EPS }, `SNR/(1+SNR) at t=${t}`);
    }
  });
});
