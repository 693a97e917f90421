/**
 * A1 — Bayes' theorem, for a finite set of hypotheses and for one pair of events.
 */
import { assertFiniteArray, assertInInterval, assertProbabilityVector, assertSameLength, DomainError } from '../util/validate.js';

/**
 * A1 — posterior over hypotheses: P(A_i | B) = P(A_i) P(B | A_i) / Σ_j P(A_j) P(B | A_j).
 *
 * ```tex
 * P(A\mid B)=\frac{P(A)\,P(B\mid A)}{P(B)},\qquad P(B)=\sum_j P(A_j)P(B\mid A_j)
 * ```
 * Source: S3 (Bayes' theorem section).
 * @param prior - P(A_i), a probability vector
 * @param likelihood - P(B | A_i), each in [0, 1], same length as `prior`
 */
export function bayesPosterior(prior: ArrayLike<number>, likelihood: ArrayLike<number>): Float64Array {
  assertProbabilityVector('bayesPosterior', 'prior', prior);
  assertFiniteArray('bayesPosterior', 'likelihood', likelihood);
  assertSameLength('bayesPosterior', 'prior', prior, 'likelihood', likelihood);
  let evidence = 0;
  for (let i = 0; i < prior.length; i++) {
    assertInInterval('bayesPosterior', `likelihood[${i}]`, likelihood[i]!, 0, 1);
    evidence += prior[i]! * likelihood[i]!;
  }
  if (evidence === 0) throw new DomainError('bayesPosterior', 'likelihood', 'not zero on every hypothesis of positive prior (P(B) > 0)', 'P(B) = 0');
  const out = new Float64Array(prior.length);
  for (let i = 0; i < prior.length; i++) out[i] = (prior[i]! * likelihood[i]!) / evidence;
  return out;
}

/**
 * A1 — Bayes for one pair of events: P(A | B) = P(A) P(B | A) / P(B).
 * @param pA - P(A) in [0, 1]; @param pBgivenA - P(B | A) in [0, 1]; @param pB - P(B) in (0, 1]
 */
export function bayesRule(pA: number, pBgivenA: number, pB: number): number {
  assertInInterval('bayesRule', 'pA', pA, 0, 1);
  assertInInterval('bayesRule', 'pBgivenA', pBgivenA, 0, 1);
  assertInInterval('bayesRule', 'pB', pB, 0, 1, { lo: true });
  const p = (pA * pBgivenA) / pB;
  if (p > 1 + 1e-12) throw new DomainError('bayesRule', 'pB', `at least P(A)·P(B|A) = ${pA * pBgivenA}`, pB);
  return Math.min(p, 1);
}
