import { describe, expect, it } from 'vitest';
import { posteriorMeanCoefficients, posteriorVariance, reverseVariance, type ReverseVarianceChoice } from '../posterior/posterior.js';
import { logGaussian } from '../probability/log-density.js';
import { logNormalIntervalProbability } from '../probability/normal-cdf.js';
import { createRng } from '../random/rng.js';
import { linearSchedule, type NoiseSchedule } from '../schedule/schedule.js';
import { mean, standardError } from '../stats/descriptive.js';
import { testSeed } from '../testing/expect-close.js';
import { boundLogVariance, boundTermFromEps, variationalBoundBitsPerDim, type BoundDenoiser } from './bound.js';
import { discretizedGaussianDecoderNll } from './decoder.js';
import { gaussianDataReverseStep, priorTerm, variationalBound } from './objective.js';

// Every check here uses data x_0 ~ N(m, s²) per coordinate and the exact optimal ε model for it,
// ε̂(x_t, t) = E[ε | x_t] = √(1 − ᾱ_t)(x_t − √ᾱ_t m)/(ᾱ_t s² + 1 − ᾱ_t). Its mean μ_θ (D5) is linear in x_t, so with
// a fixed or constant-v variance every term of E1 has a closed form (variationalBound), against which the Monte
// Carlo bound must agree within 6 standard errors of the paired per-image differences.
const m = 0.2;
const s2 = 0.25;

const optimalEps = (schedule: NoiseSchedule, t: number, xt: number) => {
  const ab = schedule.alphaBars[t]!;
  return (Math.sqrt(1 - ab) * (xt - Math.sqrt(ab) * m)) / (ab * s2 + 1 - ab);
};
const denoiser = (schedule: NoiseSchedule, v?: number): BoundDenoiser => (xt, t) => {
  const d = xt.length / t.length;
  const eps = Float64Array.from(xt, (x, i) => optimalEps(schedule, t[Math.floor(i / d)]!, x));
  return v === undefined ? { eps } : { eps, v: new Float64Array(xt.length).fill(v) };
};
/** The linear-Gaussian step N(intercept + slope·x_t, σ_t²) the optimal ε model makes with variance σ_t². */
const stepOf = (schedule: NoiseSchedule, t: number, variance: number) => {
  const ab = schedule.alphaBars[t]!;
  const vt = ab * s2 + 1 - ab;
  const root = Math.sqrt(schedule.alphas[t]!);
  return { slope: (1 - schedule.betas[t]! / vt) / root, intercept: (schedule.betas[t]! * Math.sqrt(ab) * m) / (vt * root), variance };
};
const sigma2 = (schedule: NoiseSchedule, t: number, choice: ReverseVarianceChoice | { v: number }) =>
  typeof choice === 'string' ? reverseVariance(schedule, t, choice) : Math.exp((boundLogVariance(schedule, t, 'learned', [choice.v]) as Float64Array)[0]!);

/** The closed form of E1 (nats) for one coordinate x_0 with the continuous decoder. */
const closedForm = (schedule: NoiseSchedule, x0: number, choice: ReverseVarianceChoice | { v: number }) => variationalBound(schedule, x0, (t) => stepOf(schedule, t, sigma2(schedule, t, choice)));

const gaussianImages = (n: number, d: number, seed: number) => createRng(testSeed(seed)).normals(n * d).map((z) => m + Math.sqrt(s2) * z);
const perImageClosedForm = (schedule: NoiseSchedule, x0: Float64Array, d: number, term: (x: number) => number) =>
  Float64Array.from({ length: x0.length / d }, (_, i) => {
    let s = 0;
    for (let j = 0; j < d; j++) s += term(x0[i * d + j]!);
    return s / (d * Math.LN2);
  });
/** |mean(a − b)| ≤ k · SE of the paired differences. */
const pairedZ = (a: Float64Array, b: Float64Array) => {
  const diff = a.map((x, i) => x - b[i]!);
  return Math.abs(mean(diff)) / standardError(diff);
};

describe('E8 the variational bound in bits/dim', () => {
  const schedule = linearSchedule(40, 1e-3, 0.25);
  const d = 3;

  it('E8 the exact optimal ε model of Gaussian data: each image\'s bound is E1\'s closed form, for σ² = β_t, β̃_t, fixedlarge and a learned Σ_θ (D7)', () => {
    const x0 = gaussianImages(600, d, 1);
    const cases: Array<[Parameters<typeof variationalBoundBitsPerDim>[5]['variance'], ReverseVarianceChoice | { v: number }]> = [
      ['beta', 'beta'], ['fixedsmall', 'fixedsmall'], ['fixedlarge', 'fixedlarge'], ['learned', { v: 0.3 }],
    ];
    for (const [variance, choice] of cases) {
      const est = variationalBoundBitsPerDim(schedule, x0, d, denoiser(schedule, typeof choice === 'string' ? undefined : choice.v), createRng(testSeed(2)), { variance, decoder: 'continuous' });
      const exact = perImageClosedForm(schedule, x0, d, (x) => closedForm(schedule, x, choice).total);
      expect(est.n).toBe(600);
      expect(pairedZ(est.perImage, exact), `variance ${variance}`).toBeLessThan(6);
      // β for β̃ (the S0/S4 code's choice against the posterior's) is a different bound, far outside 6 SE.
      if (variance === 'fixedsmall') expect(pairedZ(est.perImage, perImageClosedForm(schedule, x0, d, (x) => closedForm(schedule, x, 'fixedlarge').total))).toBeGreaterThan(6);
    }
  });

  it('E8 the optimal ε model\'s mean is the true reverse mean E[x_{t−1} | x_t] (gaussianDataReverseStep)', () => {
    for (const t of [1, 2, 20, 40]) {
      const exact = gaussianDataReverseStep(schedule, m, s2, t);
      const ours = stepOf(schedule, t, 1);
      expect(Math.abs(ours.slope - exact.slope)).toBeLessThan(1e-14);
      expect(Math.abs(ours.intercept - exact.intercept)).toBeLessThan(1e-14);
    }
  });

  it('E8 the terms telescope as E1 says: on every path, log q(x_{1:T}|x_0)/p(x_{0:T}) = [L_T] + Σ[L_{t−1}] + [L_0] pointwise, and the terms\' means add up to the bound', () => {
    // One coordinate, one forward path x_0 → x_1 → … → x_T (C3), model steps N(a + b x_t, β̃-type σ_t²).
    const choice = 'fixedlarge';
    const rng = createRng(testSeed(3));
    const T = schedule.T;
    const paths = 1000;
    const ratios = new Float64Array(paths);
    for (let k = 0; k < paths; k++) {
      const x = new Float64Array(T + 1);
      x[0] = m + Math.sqrt(s2) * rng.normals(1)[0]!;
      const z = rng.normals(T);
      for (let t = 1; t <= T; t++) x[t] = Math.sqrt(schedule.alphas[t]!) * x[t - 1]! + Math.sqrt(schedule.betas[t]!) * z[t - 1]!;
      const logP = (t: number) => {
        const p = stepOf(schedule, t, sigma2(schedule, t, choice));
        return logGaussian(x[t - 1]!, p.intercept + p.slope * x[t]!, p.variance);
      };
      // The path's log-ratio as the Markov chains define it …
      let direct = -logGaussian(x[T]!, 0, 1);
      for (let t = 1; t <= T; t++) direct += logGaussian(x[t]!, Math.sqrt(schedule.alphas[t]!) * x[t - 1]!, schedule.betas[t]!) - logP(t);
      // … and as E1 groups it after Bayes' rule (D1–D3): the q(x_t | x_0) factors cancel in pairs except log q(x_T | x_0).
      let grouped = logGaussian(x[T]!, Math.sqrt(schedule.alphaBars[T]!) * x[0]!, 1 - schedule.alphaBars[T]!) - logGaussian(x[T]!, 0, 1);
      for (let t = 2; t <= T; t++) {
        const { x0Coef, xtCoef } = posteriorMeanCoefficients(schedule, t); // q(x_{t−1} | x_t, x_0) = N(μ̃_t, β̃_t) (D2, D3)
        grouped += logGaussian(x[t - 1]!, x0Coef * x[0]! + xtCoef * x[t]!, posteriorVariance(schedule, t)) - logP(t);
      }
      grouped -= logP(1);
      expect(Math.abs(direct - grouped)).toBeLessThan(1e-11 * (1 + Math.abs(direct)));
      ratios[k] = direct;
    }
    // E_q of the path log-ratio (over x_0 and the path) is the mean bound; the estimator's terms must add to it.
    const x0 = gaussianImages(2000, 1, 4);
    const est = variationalBoundBitsPerDim(schedule, x0, 1, denoiser(schedule), createRng(testSeed(5)), { variance: choice, decoder: 'continuous' });
    const terms = est.terms!;
    expect(terms.length).toBe(T + 1);
    const sum = terms.reduce((a, b) => a + b, 0);
    expect(Math.abs(sum - est.value)).toBeLessThan(1e-12 * Math.abs(est.value));
    expect(Math.abs(terms[0]! - mean(Float64Array.from(x0, (x) => priorTerm(schedule, [x]) / Math.LN2)))).toBeLessThan(1e-14);
    const pathBits = ratios.map((r) => r / Math.LN2);
    expect(Math.abs(mean(pathBits) - est.value)).toBeLessThan(6 * Math.hypot(standardError(pathBits), est.standardError));
  });

  it('E8 for a fine schedule with σ² = β_t the bound is within 2·10⁻³ nats of −log p(x_0) (E1 is tight as T → ∞), and the gap falls like 1/T', () => {
    // 16 data points at the quantiles (k − ½)/16 of N(m, s²) (the gap is deterministic for each x_0).
    const quantiles = [-1.863, -1.318, -1.010, -0.776, -0.579, -0.402, -0.237, -0.078, 0.078, 0.237, 0.402, 0.579, 0.776, 1.010, 1.318, 1.863];
    const points = quantiles.map((z) => m + Math.sqrt(s2) * z);
    const gap = (T: number) => {
      const fine = linearSchedule(T, (1e-4 * 1000) / T, (0.02 * 1000) / T); // Ho et al.'s schedule at T = 1000, Tβ fixed
      return mean(points.map((x) => closedForm(fine, x, 'beta').total + logGaussian(x, m, s2)));
    };
    const [g1000, g4000] = [gap(1000), gap(4000)];
    expect(g1000).toBeGreaterThan(0); // a bound: E[L] ≥ E[−log p_θ] ≥ H(data)
    expect(g1000).toBeLessThan(2e-3);
    expect(g4000 / g1000).toBeGreaterThan(0.2);
    expect(g4000 / g1000).toBeLessThan(0.3); // ≈ 1/4
    // The estimator at T = 1000 (every term, one draw each) agrees with that closed form within 6 SE.
    const fine = linearSchedule(1000);
    const x0 = gaussianImages(200, 1, 6);
    const est = variationalBoundBitsPerDim(fine, x0, 1, denoiser(fine), createRng(testSeed(7)), { variance: 'beta', decoder: 'continuous', batchSize: 200 });
    expect(pairedZ(est.perImage, perImageClosedForm(fine, x0, 1, (x) => closedForm(fine, x, 'beta').total))).toBeLessThan(6);
  });

  it('E8 with the discretised decoder (E7) on 8-bit data: L_0 is E_{x_1}[−log P(bin)] by quadrature; bins of the wrong width fail', () => {
    // Images on the 8-bit grid; the decoder's L_0 expectation over x_1 ~ N(√ᾱ_1 x_0, 1 − ᾱ_1) by the trapezoid rule
    // on ±12 sd (spectrally accurate for this smooth integrand), the other terms from the closed form.
    const x0 = gaussianImages(800, d, 8).map((x) => Math.round((Math.min(1, Math.max(-1, x)) + 1) * 127.5) / 127.5 - 1);
    const variance = 'fixedlarge';
    const s1 = reverseVariance(schedule, 1, variance);
    const p1 = stepOf(schedule, 1, s1);
    const decoderL0 = (x: number, halfBin: number) => {
      const [mu1, sd1] = [Math.sqrt(schedule.alphaBars[1]!) * x, Math.sqrt(1 - schedule.alphaBars[1]!)];
      const K = 2400;
      let s = 0;
      for (let k = 0; k <= K; k++) {
        const z = -12 + (24 * k) / K;
        const mean1 = p1.intercept + p1.slope * (mu1 + sd1 * z);
        const nll = halfBin === 1 / 255
          ? discretizedGaussianDecoderNll([x], [mean1], 0.5 * Math.log(s1))
          : -logNormalIntervalProbability((x - mean1 - halfBin) / Math.sqrt(s1), (x - mean1 + halfBin) / Math.sqrt(s1));
        s += (k === 0 || k === K ? 0.5 : 1) * nll * Math.exp(-0.5 * z * z);
      }
      return (s * (24 / K)) / Math.sqrt(2 * Math.PI);
    };
    const cache = new Map<string, number>();
    const exactWith = (halfBin: number) => perImageClosedForm(schedule, x0, d, (x) => {
      const key = `${x}:${halfBin}`;
      if (!cache.has(key)) {
        const c = closedForm(schedule, x, variance);
        cache.set(key, c.total - c.L0 + decoderL0(x, halfBin));
      }
      return cache.get(key)!;
    });
    const est = variationalBoundBitsPerDim(schedule, x0, d, denoiser(schedule), createRng(testSeed(9)), { variance });
    expect(pairedZ(est.perImage, exactWith(1 / 255))).toBeLessThan(6);
    // Bins of width 1/255 (half the pixel spacing) or 4/255 move L_0 by about ∓ln 2 per pixel: far outside.
    expect(pairedZ(est.perImage, exactWith(0.5 / 255))).toBeGreaterThan(6);
    expect(pairedZ(est.perImage, exactWith(2 / 255))).toBeGreaterThan(6);
  });

  it('E8 the uniform-t estimator (K steps per image, factor (T − 1)/K; or T/K with L_0 drawn too) is within 6 SE of the full sum; without the factor it is not', () => {
    const x0 = gaussianImages(1500, d, 10);
    const options = { variance: 'fixedlarge', decoder: 'continuous' } as const;
    const exact = perImageClosedForm(schedule, x0, d, (x) => closedForm(schedule, x, 'fixedlarge').total);
    const full = variationalBoundBitsPerDim(schedule, x0, d, denoiser(schedule), createRng(testSeed(11)), options);
    const uniform = variationalBoundBitsPerDim(schedule, x0, d, denoiser(schedule), createRng(testSeed(12)), { ...options, steps: 4 });
    const withDecoder = variationalBoundBitsPerDim(schedule, x0, d, denoiser(schedule), createRng(testSeed(13)), { ...options, steps: 8, sampleDecoder: true });
    expect(pairedZ(uniform.perImage, full.perImage)).toBeLessThan(6);
    expect(pairedZ(withDecoder.perImage, full.perImage)).toBeLessThan(6);
    expect(pairedZ(uniform.perImage, exact)).toBeLessThan(6);
    expect(uniform.terms).toBeNull();
    // Drawing t costs variance: the full sum's SE over images is smaller than the uniform estimator's.
    expect(full.standardError).toBeLessThan(uniform.standardError);
    // The same estimator written out with boundTermFromEps, once with the factor T − 1 and once without.
    const rng = createRng(testSeed(14));
    const T = schedule.T;
    const right = new Float64Array(1500);
    const wrong = new Float64Array(1500);
    for (let i = 0; i < 1500; i++) {
      const img = x0.subarray(i * d, (i + 1) * d);
      const termAt = (t: number) => {
        const z = rng.normals(d);
        const xt = Float64Array.from(img, (x, j) => Math.sqrt(schedule.alphaBars[t]!) * x + Math.sqrt(1 - schedule.alphaBars[t]!) * z[j]!);
        return boundTermFromEps(schedule, t, img, xt, xt.map((x) => optimalEps(schedule, t, x)), boundLogVariance(schedule, t, 'fixedlarge'), 'continuous');
      };
      const fixed = priorTerm(schedule, img) + termAt(1);
      const sampled = termAt(rng.int(2, T));
      right[i] = (fixed + (T - 1) * sampled) / (d * Math.LN2);
      wrong[i] = (fixed + sampled) / (d * Math.LN2);
    }
    expect(pairedZ(right, exact)).toBeLessThan(6);
    expect(pairedZ(wrong, exact)).toBeGreaterThan(6);
  });

  it('E8 boundTermFromEps at t ≥ 2 is the KL of E1 and at t = 1 the discretised decoder of E7, from the ε-form mean (D5)', () => {
    const t = 7;
    const x0 = [0.1, -0.4];
    const xt = [0.3, -0.2];
    const eps = [0.5, -1.5];
    const lv = Math.log(0.01);
    const coef = schedule.betas[t]! / Math.sqrt(1 - schedule.alphaBars[t]!);
    const mu = xt.map((x, i) => (x - coef * eps[i]!) / Math.sqrt(schedule.alphas[t]!));
    // KL(N(μ̃, β̃) ‖ N(μ_θ, σ²)) per coordinate by A9, with μ̃ from D2.
    const c0 = (Math.sqrt(schedule.alphaBars[t - 1]!) * schedule.betas[t]!) / (1 - schedule.alphaBars[t]!);
    const ct = (Math.sqrt(schedule.alphas[t]!) * (1 - schedule.alphaBars[t - 1]!)) / (1 - schedule.alphaBars[t]!);
    const bt = ((1 - schedule.alphaBars[t - 1]!) / (1 - schedule.alphaBars[t]!)) * schedule.betas[t]!;
    const kl = x0.reduce((s, x, i) => s + 0.5 * Math.log(0.01 / bt) + (bt + (c0 * x + ct * xt[i]! - mu[i]!) ** 2) / (2 * 0.01) - 0.5, 0);
    expect(Math.abs(boundTermFromEps(schedule, t, x0, xt, eps, lv) - kl)).toBeLessThan(1e-12 * kl);
    const mu1 = xt.map((x, i) => (x - (schedule.betas[1]! / Math.sqrt(1 - schedule.alphaBars[1]!)) * eps[i]!) / Math.sqrt(schedule.alphas[1]!));
    const l0 = discretizedGaussianDecoderNll(x0, mu1, 0.5 * lv);
    expect(Math.abs(boundTermFromEps(schedule, 1, x0, xt, eps, lv) - l0)).toBeLessThan(1e-13 * l0); // μ_θ to a few ulps
  });

  it('E8 refuses by name: σ_1² = β̃_1 = 0, a learned variance without v, a bad denoiser output, bad steps', () => {
    const x0 = gaussianImages(4, 2, 15);
    const run = (opts: Partial<Parameters<typeof variationalBoundBitsPerDim>[5]>, den: BoundDenoiser = denoiser(schedule)) =>
      () => variationalBoundBitsPerDim(schedule, x0, 2, den, createRng(1), { variance: 'beta', decoder: 'continuous', ...opts });
    expect(run({ variance: 'betaTilde' })).toThrow("variationalBoundBitsPerDim: argument 'variance' must be a choice with σ_1² > 0");
    expect(() => boundLogVariance(schedule, 1, 'betaTilde')).toThrow("boundLogVariance: argument 'variance' must be a choice with σ_1² > 0");
    expect(() => variationalBoundBitsPerDim(schedule, [0.5, 1.5, 0, 0], 2, denoiser(schedule), createRng(1), { variance: 'beta' })).toThrow("variationalBoundBitsPerDim: argument 'x0[1]' must be a pixel in [−1, 1]");
    expect(run({ variance: 'learned' })).toThrow("variationalBoundBitsPerDim: argument 'denoise(x_t).v' must be D7's weight v per value");
    expect(run({}, () => ({ eps: [1] }))).toThrow("variationalBoundBitsPerDim: argument 'denoise(x_t).eps' must be 8 values");
    expect(run({ steps: 0 })).toThrow("variationalBoundBitsPerDim: argument 'steps'");
    expect(run({ variance: 'sigma' as never })).toThrow("variationalBoundBitsPerDim: argument 'variance' must be one of");
  });
});
