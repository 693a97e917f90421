/**
 * What core computes for each reference case: the quantity name `q` and its arguments, as generate.py wrote them.
 */
import * as tf from '@tensorflow/tfjs-core';
import { klToStandardNormal } from '../../src/autoencoder/losses.js';
import { sinusoidalEmbedding, type EmbeddingConvention } from '../../src/embedding/embedding.js';
import { forwardMarginal, mergedStepsTransition, scaledChainVariance } from '../../src/forward/forward.js';
import { discretizedGaussianLogLikelihood } from '../../src/objective/decoder.js';
import { epsilonLossWeight } from '../../src/objective/objective.js';
import {
  clippedLogPosteriorVariance,
  epsFromX0,
  learnedVariance,
  posteriorMeanCoefficients,
  posteriorVariance,
  reverseVariance,
} from '../../src/posterior/posterior.js';
import { gaussianLogPdf, gaussianPdf } from '../../src/probability/gaussian.js';
import { klDiagonalGaussian, klDiagonalGaussianLogVar, klDiscrete, klGaussian } from '../../src/probability/kl.js';
import { gaussianAverageLogLikelihood, jensenGap, linearGaussianElbo, linearGaussianLogEvidence, type LinearGaussianModel } from '../../src/probability/likelihood.js';
import { mixtureLogPdf, type GaussianMixture1D } from '../../src/probability/mixture.js';
import { logNormalCdf, normalCdf, normalCdfTanh } from '../../src/probability/normal-cdf.js';
import { ddimSigma } from '../../src/sampling/samplers.js';
import { logOneMinusAlphaBar, oneMinusAlphaBar, signalToNoiseRatio, terminalSignal, type NoiseSchedule } from '../../src/schedule/schedule.js';
import { SCHEDULES, type ReferenceCase } from './cases.js';

type Args = readonly any[];

const perStep: Record<string, (s: NoiseSchedule, t: number, rest: Args) => number> = {
  beta: (s, t) => s.betas[t]!,
  alpha: (s, t) => s.alphas[t]!,
  alphaBar: (s, t) => s.alphaBars[t]!,
  oneMinusAlphaBar: (s, t) => oneMinusAlphaBar(s, t),
  logOneMinusAlphaBar: (s, t) => logOneMinusAlphaBar(s, t),
  snr: (s, t) => signalToNoiseRatio(s, t),
  'forwardMarginal.mean': (s, t) => forwardMarginal(s, t).mean,
  'forwardMarginal.variance': (s, t) => forwardMarginal(s, t).variance,
  scaledChainVariance: (s, t, [v0]) => scaledChainVariance(s, t, v0),
  'mergedSteps.mean': (s, t, [k]) => mergedStepsTransition(s, t, k).mean,
  'mergedSteps.variance': (s, t, [k]) => mergedStepsTransition(s, t, k).variance,
  'posterior.x0Coef': (s, t) => posteriorMeanCoefficients(s, t).x0Coef,
  'posterior.xtCoef': (s, t) => posteriorMeanCoefficients(s, t).xtCoef,
  posteriorVariance: (s, t) => posteriorVariance(s, t),
  'epsilonLossWeight.betaTilde': (s, t) => epsilonLossWeight(s, t, posteriorVariance(s, t)),
  'epsilonLossWeight.beta': (s, t) => epsilonLossWeight(s, t, s.betas[t]!),
  clippedLogPosteriorVariance: (s, t) => clippedLogPosteriorVariance(s, t),
  'reverseVariance.fixedlarge': (s, t) => reverseVariance(s, t, 'fixedlarge'),
  'reverseVariance.fixedsmall': (s, t) => reverseVariance(s, t, 'fixedsmall'),
  'reverseVariance.clamped': (s, t) => reverseVariance(s, t, 'clamped'),
  learnedVariance: (s, t, [v]) => learnedVariance(s, t, v),
  ddimSigma: (s, t, [tp, eta]) => ddimSigma(s, t, tp, eta),
};

const plain: Record<string, (args: Args) => number | number[]> = {
  gaussianLogPdf: ([x, m, v]) => gaussianLogPdf(x, m, v),
  gaussianPdf: ([x, m, v]) => gaussianPdf(x, m, v),
  mixtureLogPdf: ([m, x]) => mixtureLogPdf(m as GaussianMixture1D, x),
  klDiscrete: ([p, q]) => klDiscrete(p, q),
  klGaussian: ([m1, v1, m2, v2]) => klGaussian(m1, v1, m2, v2),
  klDiagonalGaussian: ([m1, v1, m2, v2]) => klDiagonalGaussian(m1, v1, m2, v2),
  klDiagonalGaussianLogVar: ([m1, l1, m2, l2]) => klDiagonalGaussianLogVar(m1, l1, m2, l2),
  klToStandardNormal: ([m, l]) => tf.tidy(() => klToStandardNormal(tf.tensor2d([m], [1, m.length]), tf.tensor2d([l], [1, l.length])).dataSync()[0]!),
  linearGaussianLogEvidence: ([m, x]) => linearGaussianLogEvidence(m as LinearGaussianModel, x),
  linearGaussianElbo: ([m, x, qm, qv]) => linearGaussianElbo(m as LinearGaussianModel, x, qm, qv),
  jensenGap: ([xs]) => jensenGap(xs),
  gaussianAverageLogLikelihood: ([xs, m, v]) => gaussianAverageLogLikelihood(xs, m, v),
  normalCdf: ([x]) => normalCdf(x),
  logNormalCdf: ([x]) => logNormalCdf(x),
  normalCdfTanh: ([x]) => normalCdfTanh(x),
  discretizedGaussianLogLikelihood: ([x, m, ls]) => discretizedGaussianLogLikelihood(x, m, ls),
  'discretizedGaussianLogLikelihood.tanh': ([x, m, ls]) => discretizedGaussianLogLikelihood(x, m, ls, 'tanh'),
  decoderBinLogProbabilities: ([m, ls]) => Array.from({ length: 256 }, (_, k) => discretizedGaussianLogLikelihood((2 * k) / 255 - 1, m, ls)),
  epsFromX0: ([name, t, x0, xt]) => epsFromX0(SCHEDULES[name]!, t, x0, xt),
  embedding: ([t, dim, conv]) => Array.from(sinusoidalEmbedding(t, dim, 10000, conv as EmbeddingConvention)),
  'embedding.numpy': ([t, dim, conv]) => Array.from(sinusoidalEmbedding(t, dim, 10000, conv as EmbeddingConvention)),
};

/** Core's value for a case (an array for vector references); undefined for a quantity this table does not know. */
export function evaluate(c: ReferenceCase): number | number[] | undefined {
  if (c.q === 'terminalSignal') return terminalSignal(SCHEDULES[c.args[0] as string]!);
  const f = perStep[c.q];
  if (f) {
    const [name, t, ...rest] = c.args as Args;
    return f(SCHEDULES[name]!, t, rest);
  }
  return plain[c.q]?.(c.args);
}
