/**
 * Every float64 scalar quantity of core against independent reference values (generate.py: mpmath at 60 digits,
 * committed as JSON; Python is not needed here). Each bound is in ulps of the exact value and is derived, per case,
 * from the roundings between the inputs and the result times the condition number of what follows them — the
 * comment at each bound says which. A relative error of n·2^−53 is at most n ulps, so "one rounding" = 1 ulp.
 * The last block shows each replaced textbook form failing the bound its stable form meets.
 */
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { klToStandardNormal } from '../../src/autoencoder/losses.js';
import { sinusoidalEmbedding, type EmbeddingConvention } from '../../src/embedding/embedding.js';
import { discretizedGaussianLogLikelihood } from '../../src/objective/decoder.js';
import { predictEpsFromX0, predictX0FromEps } from '../../src/posterior/posterior.js';
import { klDiagonalGaussianLogVar, klGaussian } from '../../src/probability/kl.js';
import { logNormalCdf, normalCdf, normalCdfTanh } from '../../src/probability/normal-cdf.js';
import { linearSchedule, type NoiseSchedule } from '../../src/schedule/schedule.js';
import { expectUlps, ulp, ulpsError, type ReferenceValue } from '../../src/testing/expect-close.js';
import { useCpuBackend } from '../../src/testing/tf-setup.js';
import { loadCases, SCHEDULES, type ReferenceCase } from './cases.js';
import { evaluate } from './evaluate.js';

beforeAll(useCpuBackend);

const U = 2 ** -53;
type Args = readonly any[];
const one = (c: ReferenceCase) => c.ref as ReferenceValue;
const exact = (c: ReferenceCase) => Number(one(c)[0]);

// ---------------------------------------------------------------- error budgets of the schedule quantities
/** Relative error of β_t in ulps, from how core forms it. */
function betaBudget(s: NoiseSchedule, name: string, t: number): number {
  if (name.startsWith('linear')) return 4; // (b₁ − b₀)·i/(T − 1) + b₀: four roundings, all terms positive
  if (name.startsWith('s2')) return 2; // 0.02·t/T
  if (s.betas[t] === 0.999) return 0; // clipped to maxBeta exactly
  // sin(scale)·sin(scale·k)/sin²(scale·k'): scale carries 4 (π/2, 1 + s, T(1 + s), the quotient), each product
  // with an integer 1 more, each sine (argument ≤ π/2, condition θ cot θ ≤ 1) 1 more, the square doubles one:
  // 5 + 7 + 2·7 + 1, and the product and quotient 2.
  return 29;
}
/** Condition number of log1p(−β) with respect to β. */
const log1pCond = (b: number) => b / ((1 - b) * Math.abs(Math.log1p(-b)));

interface Budget {
  beta: number;
  alpha: number;
  alphaBar: number;
  logSum: number; // relative error of Σ log1p(−β_s)
  oneMinus: number;
}
function budgets(s: NoiseSchedule, name: string): Budget[] {
  const out: Budget[] = [{ beta: 0, alpha: 0, alphaBar: 0, logSum: 0, oneMinus: 0 }];
  let alphaBar = 0;
  let worstTerm = 0;
  for (let t = 1; t <= s.T; t++) {
    const beta = betaBudget(s, name, t);
    const alpha = 1 + (s.betas[t]! / s.alphas[t]!) * beta; // 1 − β: one rounding, β's error scaled by β/α
    alphaBar += alpha + (t > 1 ? 1 : 0); // the running product: each factor's error and one rounding per product
    worstTerm = Math.max(worstTerm, 1 + beta * log1pCond(s.betas[t]!)); // log1p: one rounding plus β's error
    const logSum = worstTerm + 2; // a same-sign sum's relative error ≤ its worst term's; Neumaier adds ~2
    const S = Math.log(s.alphaBars[t]!);
    const expm1Cond = (Math.abs(S) * s.alphaBars[t]!) / (1 - s.alphaBars[t]!); // ≤ 1
    out.push({ beta, alpha, alphaBar, logSum, oneMinus: expm1Cond * logSum + 1 });
  }
  return out;
}
const BUDGETS = Object.fromEntries(Object.entries(SCHEDULES).map(([n, s]) => [n, budgets(s, n)]));

/** The bound for each schedule quantity at step t (and its extra arguments). */
const scheduleBound: Record<string, (s: NoiseSchedule, b: Budget[], t: number, rest: Args, value: number) => number> = {
  beta: (_s, b, t) => b[t]!.beta,
  alpha: (_s, b, t) => b[t]!.alpha,
  alphaBar: (_s, b, t) => b[t]!.alphaBar,
  oneMinusAlphaBar: (_s, b, t) => b[t]!.oneMinus,
  logOneMinusAlphaBar: (s, b, t, _r, v) => {
    const ab = s.alphaBars[t]!;
    if (ab > 0.5) return b[t]!.oneMinus / Math.abs(v) + 1; // log y: condition 1/|log y|
    const S = Math.log(ab);
    return ((ab / ((1 - ab) * Math.abs(v))) * (Math.abs(S) * b[t]!.logSum + 1)) + 1; // exp (condition |S|), log1p
  },
  snr: (_s, b, t) => b[t]!.alphaBar + b[t]!.oneMinus + 1,
  'forwardMarginal.mean': (_s, b, t) => b[t]!.alphaBar / 2 + 1,
  'forwardMarginal.variance': (_s, b, t) => b[t]!.oneMinus,
  scaledChainVariance: (s, b, t, [v0], v) => {
    const ab = s.alphaBars[t]!; // ᾱ·v₀ + 1 − ᾱ: three roundings on terms of size ≤ ᾱv₀ + 1 + ᾱ, and ᾱ's own error
    return (3 * (ab * v0 + 1 + ab) + b[t]!.alphaBar * ab * Math.abs(v0 - 1)) / v;
  },
  'mergedSteps.mean': (_s, b, t, [k]) => (sumOver(b, t - k + 1, t, (x) => x.alpha) + k - 1) / 2 + 1,
  'mergedSteps.variance': (_s, b, t, [k]) => maxOver(b, t - k + 1, t, (x) => 1 + x.beta) + k + 1,
  'posterior.x0Coef': (_s, b, t) => b[t - 1]!.alphaBar / 2 + 1 + b[t]!.beta + b[t]!.oneMinus + 2,
  'posterior.xtCoef': (_s, b, t) => b[t]!.alpha / 2 + 1 + b[t - 1]!.oneMinus + b[t]!.oneMinus + 2,
  posteriorVariance: (_s, b, t) => betaTildeBudget(b, t),
  'reverseVariance.fixedlarge': (_s, b, t) => (t === 1 ? betaTildeBudget(b, 2) : b[t]!.beta),
  'reverseVariance.fixedsmall': (_s, b, t) => betaTildeBudget(b, Math.max(t, 2)),
  'reverseVariance.clamped': (_s, b, t) => (t === 1 ? 0 : betaTildeBudget(b, t)),
  clippedLogPosteriorVariance: (_s, b, t, _r, v) => betaTildeBudget(b, Math.max(t, 2)) / Math.abs(v) + 1,
  // β²/(2σ²α(1 − ᾱ)): β twice, σ² = β once more, α, 1 − ᾱ, and four roundings
  'epsilonLossWeight.beta': (_s, b, t) => 3 * b[t]!.beta + b[t]!.alpha + b[t]!.oneMinus + 4,
  'epsilonLossWeight.betaTilde': (_s, b, t) => 2 * b[t]!.beta + betaTildeBudget(b, t) + b[t]!.alpha + b[t]!.oneMinus + 4,
  learnedVariance: (s, b, t, [v], value) => {
    // exp(E): E's absolute error in units of 2^−53 becomes exp's relative error, plus exp's own rounding
    const lb = Math.log(s.betas[t]!);
    const lbt = Math.log(value) - v * lb;
    return v * (b[t]!.beta + Math.abs(lb)) + (1 - v) * (betaTildeBudget(b, Math.max(t, 2)) + Math.abs(lbt / (1 - v))) + 3 * Math.abs(Math.log(value)) + 1;
  },
  ddimSigma: (_s, b, t, [tp]) => (b[tp]!.oneMinus + b[t]!.oneMinus + 1) / 2 + (maxOver(b, tp + 1, t, (x) => 1 + x.beta) + (t - tp) + 1) / 2 + 3,
};
function betaTildeBudget(b: Budget[], t: number): number {
  return b[t - 1]!.oneMinus + b[t]!.oneMinus + b[t]!.beta + 2; // (1 − ᾱ_{t−1})/(1 − ᾱ_t)·β_t
}
function sumOver(b: Budget[], from: number, to: number, f: (x: Budget) => number): number {
  let s = 0;
  for (let t = from; t <= to; t++) s += f(b[t]!);
  return s;
}
function maxOver(b: Budget[], from: number, to: number, f: (x: Budget) => number): number {
  let m = 0;
  for (let t = from; t <= to; t++) m = Math.max(m, f(b[t]!));
  return m;
}

describe('reference values: schedules, forward and posterior coefficients (C1–C9, D2–D8, E3, F4)', () => {
  const cases = loadCases('schedule');

  it('C1 C2 C4 C5 C6 C9 D2 D3 D6 D7 E3 F4 every schedule quantity is within its rounding budget of mpmath', () => {
    let checked = 0;
    for (const c of cases) {
      const value = evaluate(c) as number;
      const label = `${c.q}(${c.args.join(', ')})`;
      if (c.q === 'terminalSignal') {
        const s = SCHEDULES[c.args[0] as string]!;
        expectUlps(value, one(c), BUDGETS[c.args[0] as string]![s.T]!.alphaBar / 2 + 1, label); // √ᾱ_T
        continue;
      }
      const [name, t, ...rest] = c.args as Args;
      const bound = scheduleBound[c.q]!(SCHEDULES[name]!, BUDGETS[name]!, t, rest, exact(c));
      expectUlps(value, one(c), bound, label);
      checked++;
    }
    expect(checked).toBeGreaterThan(1200);
  });
});

// ---------------------------------------------------------------- probability
/** Σ|terms| / |result|: the amplification of a sum's roundings by cancellation. */
const cancel = (terms: number[], result: number) => terms.reduce((s, x) => s + Math.abs(x), 0) / Math.abs(result);
const LOG_2PI = Math.log(2 * Math.PI);
const logPdfTerms = (x: number, m: number, v: number) => [0.5 * (LOG_2PI + Math.log(v)), ((x - m) * (x - m)) / (2 * v)];

/** The bound for each probability quantity. */
const probabilityBound: Record<string, (args: Args, value: number) => number> = {
  // two terms of ~3 roundings each, amplified by their cancellation
  gaussianLogPdf: ([x, m, v], r) => 4 * cancel(logPdfTerms(x, m, v), r) + 1,
  // exp(log p): the log's absolute error (4 roundings on terms of size Σ|terms|) becomes a relative error
  gaussianPdf: ([x, m, v]) => 4 * logPdfTerms(x, m, v).reduce((s, y) => s + Math.abs(y), 0) + 2,
  mixtureLogPdf: ([mix, x], r) =>
    4 + (4 * Math.max(...mix.weights.map((w: number, i: number) => Math.abs(Math.log(w)) + logPdfTerms(x, mix.means[i], mix.variances[i]).reduce((s, y) => s + Math.abs(y), 0)))) / Math.abs(r),
  // Σ q h(d) + Σ(p − q): d = (p − q)/q (2 roundings), h by its series (condition ≤ 2.2, ~4 roundings) or, for
  // |d| ≥ 0.1, (1 + d) log1p d − d (3 roundings amplified by its cancellation), q·h and the sum (2)
  klDiscrete: ([p, q], r) => {
    let num = 0;
    p.forEach((pi: number, i: number) => {
      if (pi === 0) return;
      const d = (pi - q[i]) / q[i];
      const h = (1 + d) * Math.log1p(d) - d;
      const e = Math.abs(d) < 0.1 ? 2.2 * 2 + 4 : (3 * (Math.abs((1 + d) * Math.log1p(d)) + Math.abs(d))) / h + 3;
      num += q[i] * Math.abs(h) * (e + 2) + 2 * Math.abs(pi - q[i]);
    });
    return num / r + p.length;
  },
  klGaussian: ([, v1, , v2]) => klGaussianBudget(v1, v2),
  klDiagonalGaussian: ([, v1, , v2]) => Math.max(...v1.map((a: number, i: number) => klGaussianBudget(a, typeof v2 === 'number' ? v2 : v2[i]))) + v1.length,
  klDiagonalGaussianLogVar: ([m1, l1, m2, l2]) => {
    // per coordinate: f(d) = e^d − 1 − d (d = ℓ₁ − ℓ₂ exact or one rounding) and the mean term Δμ² e^{−ℓ₂}
    let num = 0;
    let den = 0;
    l1.forEach((a: number, i: number) => {
      const d = a - l2[i];
      const f = Math.abs(d) < 0.5 ? d * d * 0.5 : Math.expm1(d) - d;
      const ef = Math.abs(d) < 0.5 ? 2.2 * 1 + 4 : (2 * (Math.abs(Math.expm1(d)) + Math.abs(d)) + Math.abs(d) * Math.exp(d)) / f + 1;
      const dm = m1[i] - m2[i];
      const mt = dm * dm * Math.exp(-l2[i]);
      num += ef * f + (4 + Math.abs(l2[i])) * mt; // Δμ (1), square (1), exp(−ℓ₂) (condition |ℓ₂|, 1), product (1)
      den += f + mt;
    });
    return num / den + l1.length + 1;
  },
  linearGaussianLogEvidence: ([m, x], r) => 4 * cancel(logPdfTerms(x, m.b, m.a * m.a + m.noiseVariance), r) + 3,
  linearGaussianElbo: ([m, x, qm, qv], r) => {
    const s2 = m.noiseVariance;
    const terms = [0.5 * Math.log(2 * Math.PI * s2), ((x - m.a * qm - m.b) ** 2 + m.a * m.a * qv) / (2 * s2), klGaussian(qm, qv, 0, 1)];
    return 6 * cancel(terms, r) + 8;
  },
  // mean g(y_i) − g(ȳ) about c = the mean: y_i (x_i − c exact, ÷ c: 2, c's own n), g (series, condition ≤ 2.2,
  // ~4 roundings; or y − log1p y, cancelling by (|y| + |log1p y|)/g), the mean (n + 1)
  jensenGap: ([xs], r) => {
    const c = xs.reduce((s: number, x: number) => s + x, 0) / xs.length;
    let num = 0;
    xs.forEach((x: number) => {
      const y = (x - c) / c;
      const g = y - Math.log1p(y);
      num += g * (Math.abs(y) < 0.1 ? 2.2 * 2 + 4 : (3 * (Math.abs(y) + Math.abs(Math.log1p(y)))) / g);
    });
    return num / xs.length / r + 2 * xs.length + 4;
  },
  gaussianAverageLogLikelihood: ([xs, m, v], r) => 4 * Math.max(...xs.map((x: number) => cancel(logPdfTerms(x, m, v), r))) + xs.length + 1,
};

/** klGaussian: near r = 1, ℓ = log1p(Δ/σ₂²) (2 roundings), the series (condition ≤ 2.2, ~4 roundings), the sum; elsewhere r − 1 − ℓ cancels by (r + 1 + |ℓ|)/(r − 1 − ℓ). */
function klGaussianBudget(v1: number, v2: number): number {
  const r = v1 / v2;
  const l = r > 0 && r < Infinity ? Math.log(r) : Math.log(v1) - Math.log(v2);
  if (Math.abs(l) < 0.5) return 2.2 * 2 + 4 + 2;
  return (3 * ((r < Infinity ? r : 0) + 1 + Math.abs(l))) / (r < Infinity ? r - 1 - l : 1) + 4;
}

describe('reference values: probability (A2, A5, A6, A9–A12, B4)', () => {
  const cases = loadCases('probability');

  it('A2 A5 A6 A9 A10 A11 A12 every probability quantity is within its rounding budget of mpmath', () => {
    let checked = 0;
    for (const c of cases) {
      if (c.q === 'klToStandardNormal') continue;
      expectUlps(evaluate(c) as number, one(c), probabilityBound[c.q]!(c.args, exact(c)), `${c.q}(${JSON.stringify(c.args)})`);
      checked++;
    }
    expect(checked).toBeGreaterThan(70);
  });

  it('A9 A10 the KL of nearly equal Gaussians keeps its digits: ≤ 10 ulps at σ₁²/σ₂² = 1 ± 1e-12 … 1 ± 1e-4', () => {
    const near = cases.filter((c) => c.q === 'klGaussian' && Math.abs((c.args[1] as number) / (c.args[3] as number) - 1) < 2e-4 && c.args[1] !== c.args[3]);
    expect(near.length).toBe(20);
    // log1p of an exact difference (2 roundings), the series (condition ≤ 2.2, 4 roundings), the sum (2)
    for (const c of near) expectUlps(evaluate(c) as number, one(c), 10, `klGaussian(${c.args.join(', ')})`);
  });

  it('B4 the VAE KL (float32 tensors) is within 16 float32 ulps of mpmath, also at KL ~ 1e-16', () => {
    // float32: v² (1) and 10 Horner steps (2 each, condition ≤ 1.3 on [−½, ½]), μ² + g (1), the sum and ×½ (2);
    // off the series, e^v − 1 − v cancels by at most 4.7 over 3 roundings: 15
    const f32ulps = 2 ** 29; // float64 ulps per float32 ulp
    const cases32 = cases.filter((c) => c.q === 'klToStandardNormal');
    expect(cases32.length).toBe(11);
    for (const c of cases32) expect(ulpsError(evaluate(c) as number, one(c)) / f32ulps, JSON.stringify(c.args)).toBeLessThanOrEqual(16);
  });
});

// ---------------------------------------------------------------- Φ, the decoder, ε from x_0
const LOG_SQRT_2PI = 0.5 * Math.log(2 * Math.PI);
/** Relative error of the standardised bin edges (x − μ ± 1/255)·e^{−log σ}: 3 roundings, e^{−log σ} 1 + |log σ|. */
const edgeBudget = (logScale: number) => 4 + Math.abs(logScale);
/** |∂ log p/∂ log b| + |∂ log p/∂ log a| for the bin (a, b]: how the edges' relative errors reach log p. */
function edgeSensitivity(x: number, mean: number, logScale: number, logP: number): number {
  const inv = Math.exp(-logScale);
  const a = x < -0.999 ? null : (x - mean - 1 / 255) * inv;
  const b = x > 0.999 ? null : (x - mean + 1 / 255) * inv;
  const term = (e: number | null) => (e === null ? 0 : Math.abs(e) * Math.exp(-0.5 * e * e - LOG_SQRT_2PI - logP));
  return term(a) + term(b);
}

describe('reference values: Φ, log Φ, the tanh approximation, the decoder L_0, ε from x_0 (A13, E7, D8)', () => {
  const cases = loadCases('decoder');

  it('A13 Φ and log Φ are within 8 ulps of mpmath from x = −100 to 6; the tanh approximation within its budget', () => {
    for (const c of cases.filter((k) => k.q === 'normalCdf' || k.q === 'logNormalCdf')) {
      // x/√2 (2 roundings), the backward continued fraction (each step contracts earlier errors), exp (1),
      // the quotient and ½ (1), the exact head/tail split of x² (0): 8
      expectUlps(evaluate(c) as number, one(c), 8, `${c.q}(${c.args[0]})`);
    }
    for (const c of cases.filter((k) => k.q === 'normalCdfTanh')) {
      const x = c.args[0] as number;
      const u = Math.sqrt(2 / Math.PI) * (x + 0.044715 * x ** 3);
      // u carries 6 roundings (x³, the two products, the sum, √(2/π)); σ(2u) has condition ≤ 2|u|; exp and 1/(1+e) 3
      expectUlps(evaluate(c) as number, one(c), 6 * 2 * Math.abs(u) + 3, `normalCdfTanh(${x})`);
    }
  });

  it('A13 the tanh approximation stays within 3e-4 of the exact Φ', () => {
    let worst = 0;
    for (let x = -6; x <= 6; x += 0.01) worst = Math.max(worst, Math.abs(normalCdfTanh(x) - normalCdf(x)));
    expect(worst).toBeLessThan(3e-4);
    expect(worst).toBeGreaterThan(1e-4); // it is an approximation: the test would notice normalCdfTanh = normalCdf
  });

  it('E7 the discretised decoder log-likelihood matches mpmath (exact Φ) and the reference code (tanh, 1e-12 floor)', () => {
    for (const c of cases.filter((k) => k.q === 'discretizedGaussianLogLikelihood')) {
      const [x, mean, ls] = c.args as number[];
      const v = exact(c);
      // the edges' roundings through the sensitivity of log p, in ulps of log p; 16 for the evaluation itself
      const bound = (edgeSensitivity(x!, mean!, ls!, v) * edgeBudget(ls!)) / Math.abs(v) + 16;
      expectUlps(evaluate(c) as number, one(c), bound, `decoder(${c.args.join(', ')})`);
    }
    for (const c of cases.filter((k) => k.q === 'discretizedGaussianLogLikelihood.tanh')) {
      const [x, mean, ls] = c.args as number[];
      const v = exact(c);
      const inv = Math.exp(-ls!);
      const a = (x! - mean! - 1 / 255) * inv;
      const b = (x! + -mean! + 1 / 255) * inv;
      const ca = normalCdfTanh(a);
      const cb = normalCdfTanh(b);
      const budget = (y: number) => 6 * 2 * Math.abs(Math.sqrt(2 / Math.PI) * (y + 0.044715 * y ** 3)) + 3 + 3 * edgeBudget(ls!) * (1 + 0.134 * y * y);
      // like the reference code, Φ̃(b) − Φ̃(a) (or 1 − Φ̃(a)) as a difference: its cancellation amplifies both errors
      const p = x! < -0.999 ? cb : x! > 0.999 ? 1 - ca : cb - ca;
      const err = x! < -0.999 ? cb * budget(b) : x! > 0.999 ? ca * budget(a) + 1 : cb * budget(b) + ca * budget(a);
      const bound = p <= 1e-12 ? 1 : err / p / Math.abs(v) + 2;
      expectUlps(evaluate(c) as number, one(c), bound, `decoder tanh(${c.args.join(', ')})`);
    }
  });

  it('E7 the 256 bin probabilities match mpmath and sum to 1', () => {
    for (const c of cases.filter((k) => k.q === 'decoderBinLogProbabilities')) {
      const [mean, ls] = c.args as number[];
      const logs = evaluate(c) as number[];
      const refs = c.ref as ReferenceValue[];
      logs.forEach((l, k) => {
        const x = (2 * k) / 255 - 1;
        const v = Number(refs[k]![0]);
        expectUlps(l, refs[k]!, (edgeSensitivity(x, mean!, ls!, v) * edgeBudget(ls!)) / Math.abs(v) + 16, `bin ${k} of N(${mean}, e^${2 * ls!})`);
      });
      // the bins partition the line: Σ p_k = 1 up to the 256 terms' rounding
      const total = logs.reduce((s, l) => s + Math.exp(l), 0);
      expect(Math.abs(total - 1), `Σ p over 256 bins for N(${mean}, e^${2 * ls!})`).toBeLessThan(256 * 20 * U);
    }
  });

  it('D8 ε from x_0 inverts D4: scalar within its budget of mpmath, tensor form round-trips predictX0FromEps', () => {
    for (const c of cases.filter((k) => k.q === 'epsFromX0')) {
      const [name, t, x0, xt] = c.args as [string, number, number, number];
      const s = SCHEDULES[name]!;
      const sa = Math.sqrt(s.alphaBars[t]!);
      // √ᾱ x₀ (ᾱ's budget/2 + 2), the difference (amplified by (|x_t| + |√ᾱ x₀|)/|x_t − √ᾱ x₀|), √(1 − ᾱ) and ÷ (3)
      const bound = ((BUDGETS[name]![t]!.alphaBar / 2 + 3) * (Math.abs(xt) + Math.abs(sa * x0))) / Math.abs(xt - sa * x0) + BUDGETS[name]![t]!.oneMinus / 2 + 3;
      expectUlps(evaluate(c) as number, one(c), bound, `epsFromX0(${c.args.join(', ')})`);
    }
    const s = linearSchedule(1000);
    const x0 = tf.tensor2d([[0.5, -0.25], [1, 0.75]]);
    const eps = tf.tensor2d([[0.1, -1.2], [2.0, 0.3]]);
    for (const t of [1, 500, [3, 900]] as const) {
      const xt = tf.add(tf.mul(x0, 0), tf.tidy(() => {
        const ab = typeof t === 'number' ? [s.alphaBars[t]!, s.alphaBars[t]!] : t.map((k) => s.alphaBars[k]!);
        const col = (f: (a: number) => number) => tf.tensor2d(ab.map((a) => [f(a)]), [2, 1]);
        return tf.add(tf.mul(x0, col(Math.sqrt)), tf.mul(eps, col((a) => Math.sqrt(1 - a))));
      }));
      const back = predictEpsFromX0(s, xt, x0, t);
      const x0Back = predictX0FromEps(s, xt, back, t);
      // float32 round trip; at t = 1 ε is divided by √β₁ = 0.01, so float32's 6e-8 on x_t becomes 6e-6 on ε
      const tol = t === 1 ? 2e-5 : 1e-5;
      expect(Math.max(...tf.abs(tf.sub(back, eps)).dataSync()), `ε back at t=${t}`).toBeLessThan(tol);
      expect(Math.max(...tf.abs(tf.sub(x0Back, x0)).dataSync()), `x₀ back at t=${t}`).toBeLessThan(tol);
    }
  });
});

// ---------------------------------------------------------------- G1 embedding conventions
describe('reference values: timestep embedding conventions (G1)', () => {
  const cases = loadCases('embedding');
  /** |error| bound of sin/cos(ω_i t): ω_i = exp(−L·i/d) has (3|arg| + 1) ulps, ω t one more; the sine adds ½ ulp. */
  const absBound = (t: number, dim: number, i: number, conv: string, value: number) => {
    const h = dim / 2;
    const k = i % h;
    const arg = (Math.log(10000) * k) / (conv === 'ddpm' ? h - 1 : h);
    const angle = Math.exp(-arg) * t;
    return angle * (3 * arg + 3) * U + ulp(value);
  };

  it('G1 ours, ddpm and improved-diffusion layouts match mpmath to the rounding of their angles', () => {
    for (const c of cases.filter((k) => k.q === 'embedding')) {
      const [t, dim, conv] = c.args as [number, number, string];
      const got = evaluate(c) as number[];
      (c.ref as ReferenceValue[]).forEach((r, i) => {
        const err = Math.abs(got[i]! - r[0]! - r[1]!);
        expect(err, `${conv} t=${t} dim=${dim} [${i}]`).toBeLessThanOrEqual(absBound(t, dim, i, conv, r[0]!));
      });
    }
  });

  it('G1 the layouts are those of the reference codebases (numpy evaluation of their formulas), and they differ', () => {
    for (const c of cases.filter((k) => k.q === 'embedding.numpy')) {
      const [t, dim, conv] = c.args as [number, number, EmbeddingConvention];
      const ours = sinusoidalEmbedding(t, dim, 10000, conv);
      c.values!.forEach((v, i) => expect(Math.abs(ours[i]! - v), `${conv} [${i}]`).toBeLessThanOrEqual(2 * absBound(t, dim, i, conv, v)));
      // the default layout is not the reference's: the check above would notice a convention silently ignored
      const other = sinusoidalEmbedding(t, dim);
      expect(Math.max(...c.values!.map((v, i) => Math.abs(other[i]! - v)))).toBeGreaterThan(0.1);
    }
  });
});

// ---------------------------------------------------------------- why the stable forms exist
describe('reference values: the textbook forms fail where the stable forms pass', () => {
  const sched = loadCases('schedule');
  const prob = loadCases('probability');
  const find = (cases: ReferenceCase[], q: string, args: readonly unknown[]) => {
    const c = cases.find((k) => k.q === q && JSON.stringify(k.args) === JSON.stringify(args));
    if (!c) throw new Error(`no reference case ${q}(${JSON.stringify(args)})`);
    return c;
  };

  it('C5 1 − ᾱ_t and log(1 − ᾱ_t): the difference 1 − ᾱ_t is thousands of ulps off at small t and large t, Σ log1p is not', () => {
    const s = SCHEDULES.linear1000!;
    for (const [q, t, naive] of [
      ['oneMinusAlphaBar', 1, 1 - s.alphaBars[1]!],
      ['oneMinusAlphaBar', 10, 1 - s.alphaBars[10]!],
      ['logOneMinusAlphaBar', 1, Math.log(1 - s.alphaBars[1]!)],
      ['logOneMinusAlphaBar', 1000, Math.log(1 - s.alphaBars[1000]!)],
    ] as const) {
      const c = find(sched, q, ['linear1000', t]);
      const bound = scheduleBound[q]!(s, BUDGETS.linear1000!, t, [], exact(c));
      expectUlps(evaluate(c) as number, one(c), bound, `${q} t=${t}`);
      expect(ulpsError(naive, one(c)), `naive ${q} t=${t}`).toBeGreaterThan(10 * bound);
    }
  });

  it('C1 the cosine schedule taken literally loses four digits of β_1 and of β near T', () => {
    const s = SCHEDULES.cosine1000!;
    const f = (t: number) => Math.cos(((t / 1000 + 0.008) / 1.008) * (Math.PI / 2)) ** 2;
    for (const t of [1, 999]) {
      const c = find(sched, 'beta', ['cosine1000', t]);
      expectUlps(s.betas[t]!, one(c), 29, `β_${t}`);
      expect(ulpsError(1 - f(t) / f(t - 1), one(c)), `literal β_${t}`).toBeGreaterThan(290);
    }
  });

  it('A9 the textbook Gaussian KL is > 10⁵ ulps off at σ₁²/σ₂² = 1 + 1e-8; the stable form ≤ 10', () => {
    for (const e of [1e-8, -1e-8, 1e-6]) {
      const c = find(prob, 'klGaussian', [0, 1 + e, 0, 1]);
      const [m1, v1, m2, v2] = c.args as number[];
      const textbook = 0.5 * Math.log(v2! / v1!) + (v1! + (m1! - m2!) ** 2) / (2 * v2!) - 0.5;
      expectUlps(klGaussian(m1!, v1!, m2!, v2!), one(c), 10, `stable e=${e}`);
      expect(ulpsError(textbook, one(c)), `textbook e=${e}`).toBeGreaterThan(1e5);
    }
  });

  it('A10 expm1(d) − d in the log-variance KL is off by > 10⁴ ulps at d = 1e-8; the series is not', () => {
    for (const d of [1e-8, -1e-8, 1e-6]) {
      const c = find(prob, 'klDiagonalGaussianLogVar', [[0], [d], [0], [0]]);
      const naive = 0.5 * (Math.expm1(d) - d);
      expectUlps(klDiagonalGaussianLogVar([0], [d], [0], [0]), one(c), probabilityBound.klDiagonalGaussianLogVar!(c.args, exact(c)), `stable d=${d}`);
      expect(ulpsError(naive, one(c)), `expm1(d) − d, d=${d}`).toBeGreaterThan(1e4);
    }
  });

  it('B4 the VAE KL written as −½Σ(1 + v − μ² − e^v) is percent-level off in float32 near 0; the series is within 16 float32 ulps', () => {
    const c = find(prob, 'klToStandardNormal', [[0], [Math.fround(3.3166e-4)]]);
    const v = c.args[1] as number[];
    const naive = tf.tidy(() => {
      const lv = tf.tensor2d([v], [1, 1]);
      return tf.mul(-0.5, tf.sum(tf.sub(tf.add(1, lv), tf.exp(lv)), 1)).dataSync()[0]!;
    });
    const stable = tf.tidy(() => klToStandardNormal(tf.zeros([1, 1]), tf.tensor2d([v], [1, 1])).dataSync()[0]!);
    const ref = exact(c); // 2.75e-8
    expect(Math.abs(stable - ref) / ref).toBeLessThan(16 * 2 ** -23);
    expect(Math.abs(naive - ref) / ref, `S4's form gives ${naive} for ${ref}`).toBeGreaterThan(0.01);
  });

  it('E7 log(Φ(b) − Φ(a)) from two Φ values is −∞ for a bin in the upper tail; the stable form is finite and exact', () => {
    const c = loadCases('decoder').find((k) => k.q === 'discretizedGaussianLogLikelihood' && k.args[1] === -0.9 && k.args[2] === -5 && (k.args[0] as number) > -0.5 && (k.args[0] as number) < 0)!;
    const [x, mean, ls] = c.args as number[];
    const inv = Math.exp(-ls!);
    const naive = Math.log(normalCdf((x! - mean! + 1 / 255) * inv) - normalCdf((x! - mean! - 1 / 255) * inv));
    expect(naive).toBe(-Infinity);
    expectUlps(discretizedGaussianLogLikelihood(x!, mean!, ls!), one(c), (edgeSensitivity(x!, mean!, ls!, exact(c)) * edgeBudget(ls!)) / Math.abs(exact(c)) + 16);
    expect(logNormalCdf(-40)).toBeCloseTo(-804.608, 3); // Φ(−40) underflows; its log does not
  });
});
