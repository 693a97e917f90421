/**
 * The public API of @ddpm-derived/core as the fuzz sees it: every exported function and class method (src/index.ts),
 * each with the kinds of its parameters (kinds.ts). What is left out, and why, is in EXCLUDED below.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as core from '../../src/index.js';
import * as train from '../../src/train/index.js';
import {
  boolean,
  callback,
  choice,
  count,
  fixed,
  fuzzSchedule,
  integer,
  interval,
  labelsTensor,
  nonNegative,
  numbers,
  optional,
  options,
  positive,
  probabilities,
  probability,
  real,
  rng,
  schedule,
  shape,
  step,
  T,
  tensor,
  type Kind,
} from './kinds.js';

export interface Entry {
  /** The name a DomainError must carry in `fn` (a method is `Class.method`). */
  readonly name: string;
  readonly params: readonly (readonly [string, Kind])[];
  readonly call: (...args: never[]) => unknown;
  /** Entries of the result that are NaN by definition (e.g. `Lt[0]`, undefined at t = 0). */
  readonly nonFiniteByDesign?: (path: string, args: readonly unknown[]) => boolean;
  /** ±Infinity is a correct answer (KL to a distribution without mass where p has some). */
  readonly infiniteAllowed?: boolean;
  /**
   * A layer models call many times per step: it checks shapes but not data (the model's entry point checks the data
   * once), so NaN-data cases are not made for it.
   */
  readonly layer?: boolean;
}

/** Public exports the fuzz does not call, with the reason. */
export const EXCLUDED: Readonly<Record<string, string>> = {
  'train/** other than sampleModel, sampleClassifierGuided and trainDdpm (trainDdpmParallel, checkpoints, EMA, PNG, GradientWorkers, CLIs, …)': 'write checkpoint folders or PNGs, start worker threads or run CLIs; their refusals are tested in src/train/*.test.ts',
  'assertFinite assertPositive assertNonNegative assertInInterval assertIntegerInRange assertInteger assertArray assertFiniteArray assertCount assertObject assertFunction assertOneOf assertBoolean assertFiniteResult assertSameLength assertSameShape assertProbabilityVector isNumberArray (util/validate.ts); assertTensor assertRank assertSteps assertBatched assertSameTensorShape assertFiniteTensor perExample (util/tensor.ts); assertRng assertSchedule assertStep assertStepOrZero assertMixture assertIsotropicMixture assertSquareImages assertClassLabels':
    'validation helpers: they take the caller\'s name and throw DomainErrors on its behalf',
  dataChecksEnabled: 'no arguments',
  DomainError: 'the error class itself',
  'assertClose, assertAllClose, testSeed, useCpuBackend, toFloat64, EPS (testing/)': 'test helpers: assertClose exists to throw on a mismatch',
  'ulp, ulpsError, expectUlps (testing/expect-close.ts)': 'test helpers of the reference tests: expectUlps exists to throw on a mismatch, ulp/ulpsError measure it',
  'selectBackend, initBackend, wasmBinaryDirectory, wasmThreadsInUse, describeBackend': 'switch or describe the global tfjs backend; fuzzing them would change the backend under the other calls',
  'loadOrTrainClassifier, trainAndSaveClassifier, mnistDirectory': 'reads or trains and writes a checkpoint folder on disk',
  applyResBlock: 'takes a ResBlock, a type only a UNet builds (fuzzed through UNet.predict)',
  'ParamStore.zeros/ones, ParamStore.list/count/dispose': 'same shape check as ParamStore.weight (fuzzed) / no arguments',
};

const sched = fuzzSchedule;
const B = 2;
const t2 = (s: number[] = [B, 3], wrong: number[][] = [[B, 4], [B + 1, 3]]) => tensor(s, { wrong });
const logStdNormal = (x: number) => -0.5 * x * x - 0.5 * Math.log(2 * Math.PI);
const logShifted = (x: number) => -0.5 * (x - 1) ** 2 - 0.5 * Math.log(2 * Math.PI);
const epsModel = (x: tf.Tensor) => tf.mul(x, 0.1);
/** log p(y | x) = −½|x|² + const, summed over the batch: F5's log-classifier at its simplest (∇ = −x). */
const logGaussianClassifier = (x: tf.Tensor) => tf.mul(tf.sum(tf.square(x)), -0.5) as tf.Scalar;
const mixture1d = () => options({ weights: probabilities([0.4, 0.6]), means: numbers([-1, 1]), variances: numbers([0.5, 1], { lo: 0, loOpen: true }) }, false);
const linearModel = () => options({ a: real(1), b: real(0), noiseVariance: positive(0.5) }, false);
const isoMeans: Kind = {
  valid: () => [[0], [1]],
  bad: () => [[], [[0], [Number.NaN]], [[0], [0, 1]], [[0]], 5, null, undefined, [0, 1]],
  extreme: () => [[[1e308], [-1e308]], [[5e-324], [0]]],
};
const isoMixture = () => options({ weights: probabilities([0.4, 0.6]), means: isoMeans, variances: numbers([0.5, 1], { lo: 0, loOpen: true }) }, false);
const steps: Kind = {
  ...step(),
  bad: () => [...step().bad(), [1, 2, 3], [Number.NaN, 1], [0, 1], [1, T + 1]],
  extreme: () => [1, T, [1, T]],
};
/** A model's step argument: any finite t >= 0 (a model does not know T), one or one per example. */
const modelSteps: Kind = {
  ...nonNegative(5),
  bad: () => [...nonNegative(5).bad().filter((v) => !(Array.isArray(v) && v.length === 1)), [1, 2, 3], [Number.NaN, 1], [-1, 1]],
  extreme: () => [0, 1e308, [0, 3]],
};
const intArray = (v: number[], lo: number, hi: number): Kind => ({
  valid: () => Int32Array.from(v),
  bad: () => [[], [...v.slice(0, -1), lo - 1], [...v.slice(0, -1), hi + 1], [...v.slice(0, -1), 1.5], [...v.slice(0, -1), Number.NaN], 5, null, undefined, 'abc'],
  extreme: () => [v.map(() => lo), v.map(() => hi)],
});

/** FeatureMoments of two features (A14): a mean and a symmetric PSD covariance. */
const moments = (): Kind => options({
  dimension: fixed(() => 2),
  mean: { valid: () => Float64Array.from([0, 1]), bad: () => [[0, 1], Float64Array.from([Number.NaN, 0]), Float64Array.from([0]), null, 5], extreme: () => [Float64Array.from([1e308, -1e308]), Float64Array.from([5e-324, 0])] },
  covariance: {
    valid: () => Float64Array.from([2, 1, 1, 2]),
    bad: () => [[2, 1, 1, 2], Float64Array.from([1, 2, 0, 1]), Float64Array.from([1, 0, 0, -1]), Float64Array.from([1, 0, 0]), Float64Array.from([1, 0, 0, Number.NaN]), null],
    extreme: () => [Float64Array.from([1e308, 0, 0, 1e308]), Float64Array.from([5e-324, 0, 0, 0]), new Float64Array(4)],
  },
}, false);

/** What judgeDigits returns: a digit and its probability per image. */
const judgement = (): Kind => ({
  valid: () => ({ digits: Int32Array.from([1, 0, 2]), topProbability: Float64Array.from([0.95, 0.5, 1]) }),
  bad: () => [
    null, 5, {}, { digits: [1, 0, 2], topProbability: [0.9, 0.5, 1] },
    { digits: Int32Array.from([1, 0]), topProbability: Float64Array.from([0.95, 0.5, 1]) },
    { digits: new Int32Array(0), topProbability: new Float64Array(0) },
    { digits: Int32Array.from([1, 0, 2]), topProbability: Float64Array.from([0.95, Number.NaN, 1]) },
    { digits: Int32Array.from([1, 0, 2]), topProbability: Float64Array.from([0.95, 1.5, 1]) },
  ],
  extreme: () => [{ digits: Int32Array.from([9]), topProbability: Float64Array.from([0]) }],
});

// Models the method entries share (built once, small).
let shared: { mlp: core.MlpDenoiser; mlpVar: core.MlpDenoiser; unet: core.UNet; unet0: core.UNet; unet10: core.UNet; cvae: core.ConvAutoencoder; cvae10: core.ConvAutoencoder; clf: core.MnistClassifier; nclf: core.NoisyClassifier; nclf10: core.NoisyClassifier; dit: core.DiT; ps: core.ParamStore; dense: core.Dense; conv: core.Conv; norm: core.Norm } | undefined;
function models() {
  if (shared) return shared;
  const r = core.createRng(11);
  const ps = new core.ParamStore(r);
  shared = {
    mlp: new core.MlpDenoiser(r, { dim: 2, hidden: 8, layers: 1, timeDim: 4, numClasses: 3 }),
    mlpVar: new core.MlpDenoiser(r, { dim: 2, hidden: 8, layers: 1, timeDim: 4, learnVariance: true }),
    unet: new core.UNet(r, { filters: [8], groups: 4, size: 4, channels: 1, timeDim: 4, numClasses: 2 }),
    cvae: new core.ConvAutoencoder(r, { kind: 'cvae', dim: 2, layers: 1, latent: 2, size: 4, numClasses: 3 }),
    // The quality measures (quality/) ask for digits 0–9: a conditional UNet and a CVAE of 10 classes, an unconditional UNet.
    unet0: new core.UNet(r, { filters: [8], groups: 4, size: 4, channels: 1, timeDim: 4 }),
    unet10: new core.UNet(r, { filters: [8], groups: 4, size: 4, channels: 1, timeDim: 4, numClasses: 10 }),
    cvae10: new core.ConvAutoencoder(r, { kind: 'cvae', dim: 2, layers: 1, latent: 2, size: 8, numClasses: 10 }),
    clf: new core.MnistClassifier(r, { widths: [2], hidden: 4, size: 8, numClasses: 3 }),
    // The noisy classifier of classifier guidance (F5), at the side of unet0 (4×4): 3 classes, and the 10 digits.
    nclf: new core.NoisyClassifier(r, { widths: [2], hidden: 4, size: 4, timeDim: 4, numClasses: 3 }),
    nclf10: new core.NoisyClassifier(r, { widths: [2], hidden: 4, size: 4, timeDim: 4, numClasses: 10 }),
    // A DiT at the UNets' 4×4: 2×2 patches (4 tokens), width 8, one block of 2 heads, 3 classes.
    dit: new core.DiT(r, { size: 4, patch: 2, dim: 8, depth: 1, heads: 2, mlpRatio: 1, frequencyDim: 4, numClasses: 3 }),
    ps,
    dense: core.dense(ps, 'd', 3, 4),
    conv: core.conv(ps, 'c', 3, 2, 3),
    norm: core.norm(ps, 'n', 4),
  };
  return shared;
}

// The transformer layers the entries share (built once, small: width 4, two heads).
let transformerLayers: { mhsa: core.MultiHeadSelfAttention; dit: core.DitBlock; pe: core.PatchEmbedding; cond: core.DitConditioner } | undefined;
function transformer() {
  if (transformerLayers) return transformerLayers;
  const ps = new core.ParamStore(core.createRng(12));
  transformerLayers = {
    mhsa: core.multiHeadSelfAttention(ps, 'mhsa', 4, 2),
    dit: core.ditBlock(ps, 'dit', { dim: 4, heads: 2, mlpRatio: 2 }),
    pe: core.patchEmbedding(ps, 'pe', { H: 4, W: 4, channels: 1, patch: 2, dim: 4 }),
    cond: core.ditConditioner(ps, 'cond', { dim: 4, frequencyDim: 8, numClasses: 3 }),
  };
  return transformerLayers;
}

function idx(dims: number[], data: number[]): Uint8Array {
  const buf = new Uint8Array(4 + 4 * dims.length + data.length);
  const view = new DataView(buf.buffer);
  view.setUint32(0, 0x0800 + dims.length);
  dims.forEach((d, i) => view.setUint32(4 + 4 * i, d));
  buf.set(data, 4 + 4 * dims.length);
  return buf;
}

let tableKey = 0;

/** An end of a normal interval: `open` (−∞ for a, +∞ for b) is allowed; `crossing` values put a ≥ b. */
function intervalEnd(v: number, open: number, crossing: number[]): Kind {
  return {
    valid: () => v,
    bad: () => [Number.NaN, -open, undefined, null, '1', {}],
    relationalBad: () => crossing,
    extreme: () => [open, open > 0 ? 1e308 : -1e308, v + (open > 0 ? 1e-12 : -1e-12), open > 0 ? 40 : -40],
  };
}
const decoderCdf: Kind = optional(choice(['exact', 'tanh']));

const e = (name: string, params: Entry['params'], call: (...args: never[]) => unknown, extra: Partial<Entry> = {}): Entry => ({ name, params, call, ...extra });

/** A fresh tiny model for each training call, so a huge learning rate in one case cannot poison the next. */
function freshly<M extends { params: core.ParamStore }, R>(make: () => M, f: (m: M) => R): R {
  const m = make();
  try {
    return f(m);
  } finally {
    m.params.dispose();
  }
}
const tinyVae = () => new core.ConvAutoencoder(core.createRng(5), { kind: 'vae', dim: 2, layers: 1, latent: 2, size: 4 });
const tinyNoisyClassifier = () => new core.NoisyClassifier(core.createRng(5), { widths: [2], hidden: 4, size: 4, timeDim: 4, numClasses: 3 });
const tinyMlp = () => new core.MlpDenoiser(core.createRng(5), { dim: 2, hidden: 4, layers: 1, timeDim: 4 });

/** Every fuzzed entry point. */
export const ENTRIES: readonly Entry[] = [
  // stats
  e('mean', [['xs', numbers([1, 2, 3])]], core.mean),
  e('variance', [['xs', numbers([1, 2, 3])]], core.variance),
  e('standardError', [['xs', numbers([1, 2, 3])]], core.standardError),
  e('varianceStandardError', [['xs', numbers([1, 2, 3])]], core.varianceStandardError),
  e('column', [['flat', numbers([1, 2, 3, 4])], ['d', integer(1, 4, 2)], ['j', integer(0, 1, 1)]], core.column),
  e('kolmogorovSurvival', [['lambda', nonNegative(1)]], core.kolmogorovSurvival),
  e('ksTwoSample', [['a', numbers([0.1, 0.5, 0.9])], ['b', numbers([0.2, 0.4, 1.5])]], core.ksTwoSample),
  e('energyTwoSample', [['a', numbers([0, 1, 2, 3])], ['b', numbers([1, 2, 3, 5])], ['dim', count(1, 2)], ['rng', rng()], ['permutations', optional(count(1, 9))]], core.energyTwoSample),
  // stats/feature-distances (A14, A15): matrices and feature sets, flat row-major.
  e('symmetricEigen', [['matrix', numbers([2, 1, 1, 2])], ['n', count(1, 2, 2)]], core.symmetricEigen),
  e('symmetricMatrixSqrt', [['matrix', numbers([2, 1, 1, 2], { bad: [[1, 0, 0, -1], [1, 2, 0, 1]] })], ['n', count(1, 2, 2)]], core.symmetricMatrixSqrt),
  e('featureMoments', [['features', numbers([0, 1, 2, 3, 5, 4])], ['d', count(1, 2, 2)]], core.featureMoments),
  e('frechetDistance', [['a', moments()], ['b', moments()]], core.frechetDistance),
  e('frechetDistanceOfFeatures', [['x', numbers([0, 1, 2, 3, 5, 4])], ['y', numbers([1, 1, 0, 3, 2, 2])], ['d', count(1, 2, 2)]], core.frechetDistanceOfFeatures),
  e('unbiasedMmd2', [['x', numbers([0, 1, 2, 3])], ['y', numbers([1, 2, 0.5, 3])], ['d', count(1, 2, 2)]], core.unbiasedMmd2),
  e('kernelDistance', [['x', numbers([0, 1, 2, 3, 0.5, 1.5, 2.5, 3.5])], ['y', numbers([1, 2, 0.5, 3, 1, 0, 2, 1])], ['d', count(1, 1, 2)], ['blocks', optional(count(2, 2, 2))]], core.kernelDistance),
  // random
  e('createRng', [['seed', integer(-(2 ** 31), 2 ** 32 - 1, 1)]], core.createRng),
  e('restoreRng', [['state', { valid: () => core.createRng(1).state(), bad: () => [null, undefined, 5, {}, { seed: 1, generator: [1, 2, 3], spare: null }, { seed: 1, generator: [1, 2, 3, 4], spare: Number.NaN }], extreme: () => [] }]], core.restoreRng),
  e('Rng.int', [['lo', integer(-(2 ** 53 - 1), 2 ** 53 - 1, 0)], ['hi', integer(0, 2 ** 53 - 1, 5)]], (lo: number, hi: number) => core.createRng(3).int(lo, hi)),
  e('Rng.normals', [['n', count(0, 3)]], (n: number) => core.createRng(3).normals(n)),
  e('Rng.uniforms', [['n', count(0, 3)]], (n: number) => core.createRng(3).uniforms(n)),
  e('Rng.normalTensor', [['shape', shape([2, 3], { allowEmpty: true })]], (s: number[]) => core.createRng(3).normalTensor(s)),
  // probability
  e('bayesPosterior', [['prior', probabilities([0.3, 0.7])], ['likelihood', numbers([0.5, 0.2], { lo: 0, hi: 1, extreme: [[1, 0], [5e-324, 5e-324]] })]], core.bayesPosterior),
  e('bayesRule', [['pA', probability(0.3)], ['pBgivenA', probability(0.5)], ['pB', interval(0, 1, 0.5, { lo: true })]], core.bayesRule),
  e('gaussianLogPdf', [['x', real(0.3)], ['mean', real(0)], ['variance', positive(1)]], core.gaussianLogPdf),
  e('gaussianPdf', [['x', real(0.3)], ['mean', real(0)], ['variance', positive(1)]], core.gaussianPdf),
  e('diagonalGaussianLogPdf', [['x', numbers([0.1, 0.2])], ['mean', numbers([0, 0])], ['variance', positive(1)]], core.diagonalGaussianLogPdf),
  e('affineGaussian', [['x', options({ mean: real(0), variance: nonNegative(1) }, false)], ['a', real(2)], ['b', real(1)]], core.affineGaussian),
  e('sumOfIndependentGaussians', [['terms[0]', options({ mean: real(0), variance: nonNegative(1) }, false)], ['terms[1]', options({ mean: real(1), variance: nonNegative(2) }, false)]], core.sumOfIndependentGaussians),
  e('standardNormalCdf', [['x', real(0.3)]], core.standardNormalCdf),
  e('normalCdf', [['x', real(0.3)]], core.normalCdf),
  e('logNormalCdf', [['x', real(0.3)]], core.logNormalCdf),
  e('normalCdfTanh', [['x', real(0.3)]], core.normalCdfTanh),
  e('logNormalIntervalProbability', [['a', intervalEnd(-0.5, -Infinity, [0.5, 1])], ['b', intervalEnd(0.5, Infinity, [-0.5, -1])]], core.logNormalIntervalProbability),
  e('mixtureLogPdf', [['mixture', mixture1d()], ['x', real(0.2)]], core.mixtureLogPdf),
  e('mixturePdf', [['mixture', mixture1d()], ['x', real(0.2)]], core.mixturePdf),
  e('sampleMixture', [['mixture', mixture1d()], ['n', count(0, 3)], ['rng', rng()]], core.sampleMixture),
  e('drawComponent', [['weights', probabilities([0.4, 0.6])], ['rng', rng()]], core.drawComponent),
  e('klDiscrete', [['p', probabilities([0.4, 0.6])], ['q', probabilities([0.5, 0.5])]], core.klDiscrete, { infiniteAllowed: true }),
  e('klQuadrature', [['logP', callback(logStdNormal)], ['logQ', callback(logShifted)], ['lo', real(-6)], ['hi', real(6)], ['nodes', optional(count(2, 200, 2000))]], core.klQuadrature),
  e('klMonteCarlo', [['logP', callback(logStdNormal)], ['logQ', callback(logShifted)], ['sampleP', callback((r: core.Rng) => r.normal())], ['n', count(2, 20, 200)], ['rng', rng()]], core.klMonteCarlo),
  e('klGaussian', [['mean1', real(0)], ['var1', positive(1)], ['mean2', real(1)], ['var2', positive(2)]], core.klGaussian),
  e('klDiagonalGaussian', [['mean1', numbers([0, 1])], ['var1', positive(1)], ['mean2', numbers([0.5, 0])], ['var2', positive(2)]], core.klDiagonalGaussian),
  e('klDiagonalGaussianLogVar', [['mean1', numbers([0, 1])], ['logVar1', numbers([0, 0.5])], ['mean2', numbers([0.5, 0])], ['logVar2', numbers([0.1, -0.2])]], core.klDiagonalGaussianLogVar),
  e('linearGaussianLogEvidence', [['model', linearModel()], ['x', real(0.4)]], core.linearGaussianLogEvidence),
  e('linearGaussianPosterior', [['model', linearModel()], ['x', real(0.4)]], core.linearGaussianPosterior),
  e('linearGaussianElbo', [['model', linearModel()], ['x', real(0.4)], ['qMean', real(0.1)], ['qVariance', positive(0.5)]], core.linearGaussianElbo),
  e('jensenGap', [['xs', numbers([1, 2, 3], { lo: 0, loOpen: true })]], core.jensenGap),
  e('gaussianAverageLogLikelihood', [['xs', numbers([0.1, 0.5, -0.2])], ['mean', real(0)], ['variance', positive(1)]], core.gaussianAverageLogLikelihood),
  e('gaussianMaximumLikelihood', [['xs', numbers([0.1, 0.5, -0.2])]], core.gaussianMaximumLikelihood),
  e('expectedLogLikelihoodDiscrete', [['p', probabilities([0.4, 0.6])], ['q', probabilities([0.5, 0.5])]], core.expectedLogLikelihoodDiscrete, { infiniteAllowed: true }),
  // autoencoder losses
  e('reconstructionLoss', [['x', t2()], ['xHat', t2()], ['reduction', optional(choice(['sumPerExampleMeanOverBatch', 'meanOverAll']))]], core.reconstructionLoss),
  e('reparameterize', [['mu', t2()], ['logVar', t2()], ['eps', t2()]], core.reparameterize),
  e('klToStandardNormal', [['mu', t2()], ['logVar', t2()]], core.klToStandardNormal),
  e('vaeLoss', [['x', t2()], ['xHat', t2()], ['mu', t2([B, 2], [[B + 1, 2], [B, 3]])], ['logVar', t2([B, 2], [[B + 1, 2], [B, 3]])]], core.vaeLoss),
  e('gaussianElbo', [['x', t2()], ['xHat', t2()], ['mu', t2([B, 2], [[B + 1, 2], [B, 3]])], ['logVar', t2([B, 2], [[B + 1, 2], [B, 3]])], ['decoderVariance', positive(0.5)]], core.gaussianElbo),
  e('concatCondition', [['x', t2([B, 3], [[B + 1, 3]])], ['labelEmbedding', t2([B, 2], [[B + 1, 2]])]], core.concatCondition),
  e('klAutoencoderLoss', [['x', t2()], ['xHat', t2()], ['mu', t2([B, 2], [[B + 1, 2], [B, 3]])], ['logVar', t2([B, 2], [[B + 1, 2], [B, 3]])], ['klWeight', nonNegative(1e-3)]], core.klAutoencoderLoss),
  e('latentScaleFactor', [['z', tensor([B, 3], { wrong: [] })]], core.latentScaleFactor),
  e('vectorQuantize', [['z', tensor([B, 3, 2], { wrong: [[B, 3, 3], [6]] })], ['codebook', tensor([4, 2], { wrong: [[4, 3], [8], [1, 4, 2]] })]], core.vectorQuantize),
  e('stopGradient', [['x', t2([B, 3], [])]], core.stopGradient, { layer: true }),
  e('straightThrough', [['ze', t2()], ['zq', t2()]], core.straightThrough),
  e('vqLosses', [['ze', t2()], ['zq', t2()], ['beta', optional(nonNegative(0.25))]], core.vqLosses),
  e('marginalLikelihoodMonteCarlo', [['likelihood', callback((z: number) => Math.exp(-z * z))], ['priorDraws', numbers([0.1, -0.3, 0.5])]], core.marginalLikelihoodMonteCarlo),
  // schedule
  e('alphasFromBetas', [['betas', numbers([0, 0.1, 0.2], { extreme: [[0, 1, 1e-300]] })]], core.alphasFromBetas),
  e('alphaBarsFromAlphas', [['alphas', numbers([1, 0.9, 0.8], { extreme: [[1, 1, 5e-324]] })]], core.alphaBarsFromAlphas),
  e('scheduleFromBetas', [['betas1toT', numbers([0.1, 0.2], { lo: 0, loOpen: true, hi: 1 })], ['name', optional(fixed(() => 'x'))]], core.scheduleFromBetas),
  e('linearSchedule', [['T', count(2, 10, 2000)], ['betaStart', optional(interval(0, 1, 1e-3, { lo: true }))], ['betaEnd', optional(interval(0, 1, 0.02, { lo: true }))]], core.linearSchedule),
  e('s2Schedule', [['T', count(1, 10, 2000)]], core.s2Schedule),
  e('cosineSchedule', [['T', count(1, 10, 2000)], ['s', optional(interval(0, 1, 0.008, { lo: true }))], ['maxBeta', optional(interval(0, 1, 0.999, { lo: true }))]], core.cosineSchedule),
  e('beta', [['schedule', schedule()], ['t', step()]], core.beta),
  e('alpha', [['schedule', schedule()], ['t', step()]], core.alpha),
  e('alphaBar', [['schedule', schedule()], ['t', step(0)]], core.alphaBar),
  e('logAlphaBar', [['schedule', schedule()], ['t', step(0)]], core.logAlphaBar),
  e('oneMinusAlphaBar', [['schedule', schedule()], ['t', step(0)]], core.oneMinusAlphaBar),
  e('logOneMinusAlphaBar', [['schedule', schedule()], ['t', step()]], core.logOneMinusAlphaBar),
  e('signalToNoiseRatio', [['schedule', schedule()], ['t', step()]], core.signalToNoiseRatio),
  e('terminalSignal', [['schedule', schedule()]], core.terminalSignal),
  e('fromZeroBasedStep', [['schedule', schedule()], ['index', integer(0, T - 1, 0)]], core.fromZeroBasedStep),
  // forward
  e('forwardStepTransition', [['schedule', schedule()], ['t', step()]], core.forwardStepTransition),
  e('forwardStep', [['schedule', schedule()], ['xPrev', t2()], ['t', steps], ['z', t2()]], core.forwardStep),
  e('mergedStepsTransition', [['schedule', schedule()], ['t', step(1, 5)], ['k', integer(1, 5, 2)]], core.mergedStepsTransition),
  e('forwardMarginal', [['schedule', schedule()], ['t', step(0)]], core.forwardMarginal),
  e('qSample', [['schedule', schedule()], ['x0', t2()], ['t', steps], ['eps', t2()]], core.qSample),
  e('unscaledChainVariance', [['t', integer(0, 2 ** 53 - 1, 5)], ['var0', optional(nonNegative(1))], ['noiseVariance', optional(nonNegative(1))]], core.unscaledChainVariance),
  e('scaledChainVariance', [['schedule', schedule()], ['t', step(0)], ['var0', optional(nonNegative(1))]], core.scaledChainVariance),
  e('forwardJointLogDensity', [['schedule', schedule()], ['xs', numbers(Array.from({ length: T + 1 }, (_, i) => 0.1 * i))]], core.forwardJointLogDensity),
  // posterior
  e('posteriorMeanCoefficients', [['schedule', schedule()], ['t', step()]], core.posteriorMeanCoefficients),
  e('posteriorVariance', [['schedule', schedule()], ['t', step()]], core.posteriorVariance),
  e('posteriorLogDensityByBayes', [['schedule', schedule()], ['t', step(2)], ['xPrev', real(0.1)], ['xt', real(0.2)], ['x0', real(0.3)]], core.posteriorLogDensityByBayes),
  e('posteriorMean', [['schedule', schedule()], ['x0', t2()], ['xt', t2()], ['t', steps]], core.posteriorMean),
  e('predictX0FromEps', [['schedule', schedule()], ['xt', t2()], ['eps', t2()], ['t', steps]], core.predictX0FromEps),
  e('epsFromX0', [['schedule', schedule()], ['t', step()], ['x0', real(0.3)], ['xt', real(0.2)]], core.epsFromX0),
  e('predictEpsFromX0', [['schedule', schedule()], ['xt', t2()], ['x0', t2()], ['t', steps]], core.predictEpsFromX0),
  e('posteriorMeanFromEps', [['schedule', schedule()], ['xt', t2()], ['eps', t2()], ['t', steps]], core.posteriorMeanFromEps),
  e('reverseVariance', [['schedule', schedule()], ['t', step()], ['choice', choice(['beta', 'betaTilde', 'fixedlarge', 'fixedsmall', 'clamped'])]], core.reverseVariance),
  e('learnedVariance', [['schedule', schedule()], ['t', step()], ['v', probability(0.3)]], core.learnedVariance),
  e('clippedLogPosteriorVariance', [['schedule', schedule()], ['t', step()]], core.clippedLogPosteriorVariance),
  e('learnedLogVariance', [['schedule', schedule()], ['t', steps], ['v', t2([B, 3], [])]], core.learnedLogVariance),
  // objective
  e('vlbTerm', [['schedule', schedule()], ['t', step(2)], ['x0', numbers([0.1, 0.2])], ['xt', numbers([0.3, -0.1])], ['muTheta', numbers([0.2, 0])], ['sigma2', positive(0.1)]], core.vlbTerm),
  e('priorTerm', [['schedule', schedule()], ['x0', numbers([0.1, 0.2])]], core.priorTerm),
  // objective/bound (E8): the bound in bits/dim from a model's ε.
  e('boundLogVariance', [['schedule', schedule()], ['t', step(1)], ['variance', choice(['learned', 'beta', 'fixedlarge', 'fixedsmall', 'clamped', 'betaTilde'])], ['v', optional(numbers([0.5, 0.2]))]], core.boundLogVariance),
  e('boundTermFromEps', [['schedule', schedule()], ['t', step(1)], ['x0', numbers([0.1, -0.4], { lo: -1, hi: 1 })], ['xt', numbers([0.3, -0.2])], ['epsPred', numbers([0.5, -1.5])], ['logVariance', real(-4)], ['decoder', optional(choice(['discretized', 'continuous']))]], core.boundTermFromEps),
  e(
    'variationalBoundBitsPerDim',
    [['schedule', schedule()], ['x0', numbers([0.2, -1, 1, 0.5], { lo: -1, hi: 1 })], ['d', count(1, 2, 2)], ['denoise', callback((xt: Float64Array) => ({ eps: new Float64Array(xt.length), v: new Float64Array(xt.length).fill(0.5) }))], ['rng', rng()],
      ['options', options({ variance: choice(['beta', 'fixedlarge', 'fixedsmall', 'clamped', 'learned']), steps: optional(count(1, 2, 4)), sampleDecoder: optional(boolean()), decoder: optional(choice(['discretized', 'continuous'])), batchSize: optional(count(1, 2, 8)) }, false)]],
    core.variationalBoundBitsPerDim,
  ),
  e('discretizedGaussianLogLikelihood', [['x', interval(-1, 1, 0.2)], ['mean', real(0.1)], ['logScale', real(-2)], ['cdf', decoderCdf]], core.discretizedGaussianLogLikelihood),
  e('discretizedGaussianDecoderNll', [['x', numbers([0.2, -1, 1], { lo: -1, hi: 1, extreme: [[-1, -1, -1], [1, 1, 1], [5e-324, -0, 0.999]] })], ['means', numbers([0.1, -0.9, 0.8], { bad: [[0.1, 0.2]] })], ['logScales', { ...numbers([-2, -3, -1], { bad: [[-2, -3]] }), bad: () => numbers([-2, -3, -1], { bad: [[-2, -3]] }).bad().filter((v) => v !== 5), extreme: () => [[-1e308, 1e308, 0], -700, 700, 1e308, -1e308] }], ['cdf', decoderCdf]], core.discretizedGaussianDecoderNll),
  e('gaussianDecoderTerm', [['x0', numbers([0.1, 0.2])], ['muTheta', numbers([0.2, 0])], ['sigma2', positive(0.1)]], core.gaussianDecoderTerm),
  e('perExampleVlbTerm', [['schedule', schedule()], ['x0', t2()], ['xt', t2()], ['t', steps], ['epsPred', t2()], ['logVariance', t2()]], core.perExampleVlbTerm),
  e('hybridLoss', [['schedule', schedule()], ['x0', t2()], ['xt', t2()], ['t', steps], ['eps', t2()], ['epsPred', t2()], ['v', t2()], ['lambda', optional(nonNegative(0.001))]], core.hybridLoss),
  e(
    'variationalBound',
    [['schedule', schedule()], ['x0', real(0.5)], ['reverse', callback((t: number) => core.gaussianDataReverseStep(sched(), 0, 1, t))], ['prior', optional(options({ mean: real(0), variance: positive(1) }))]],
    core.variationalBound,
    { nonFiniteByDesign: (p) => p === '.Lt[0]' || p === '.Lt[1]' },
  ),
  e('gaussianDataReverseStep', [['schedule', schedule()], ['dataMean', real(0)], ['dataVariance', positive(1)], ['t', step()]], core.gaussianDataReverseStep),
  e('equalVarianceGaussianKl', [['muTilde', numbers([0.1, 0.2])], ['muTheta', numbers([0.2, 0])], ['sigma2', positive(0.1)]], core.equalVarianceGaussianKl),
  e('epsilonLossWeight', [['schedule', schedule()], ['t', step()], ['sigma2', positive(0.1)]], core.epsilonLossWeight),
  e('simpleLoss', [['eps', t2()], ['epsPred', t2()], ['reduction', optional(choice(['meanOverAll', 'sumPerExampleMeanOverBatch']))]], core.simpleLoss),
  e('trainingInput', [['schedule', schedule()], ['x0', t2()], ['t', steps], ['eps', t2()]], core.trainingInput),
  e('reductionRatio', [['shape', shape([2, 3])]], core.reductionRatio),
  e('s2MeanMatchingLoss', [['schedule', schedule()], ['t', step()], ['xPrev', numbers([0.1, 0.2])], ['epsT', numbers([0.3, -0.1])], ['epsTheta', callback((x: Float64Array) => x.map((v) => 0.1 * v))]], core.s2MeanMatchingLoss),
  e('s2TwoNoiseLoss', [['schedule', schedule()], ['t', step(2)], ['x0', numbers([0.1, 0.2])], ['epsBarPrev', numbers([0.3, -0.1])], ['epsT', numbers([0.2, 0.4])], ['epsTheta', callback((x: Float64Array) => x.map((v) => 0.1 * v))]], core.s2TwoNoiseLoss),
  e('s2RotatedLoss', [['schedule', schedule()], ['t', step(2)], ['x0', numbers([0.1, 0.2])], ['eps', numbers([0.3, -0.1])], ['epsTheta', callback((x: Float64Array) => x.map((v) => 0.1 * v))]], core.s2RotatedLoss),
  // sampling
  e('ancestralStep', [['schedule', schedule()], ['xt', t2()], ['t', step()], ['epsPred', t2()], ['z', t2()], ['variance', optional(choice(['beta', 'betaTilde']))]], core.ancestralStep),
  e('learnedVarianceStep', [['schedule', schedule()], ['xt', t2()], ['t', step()], ['epsPred', t2()], ['v', t2()], ['z', t2()]], core.learnedVarianceStep),
  e('greedyStep', [['schedule', schedule()], ['xt', t2()], ['t', step()], ['epsPred', t2()]], core.greedyStep),
  e(
    'ddpmSample',
    [['schedule', schedule()], ['epsModel', callback(epsModel)], ['shape', shape([B, 2])], ['rng', rng()], ['options', options({ variance: optional(choice(['beta', 'betaTilde'])), greedy: boolean(), xT: optional(t2([B, 2], [[B, 3]])), onStep: optional(callback(() => undefined)) })]],
    core.ddpmSample,
  ),
  e(
    'ddpmSampleLearnedVariance',
    [['schedule', schedule()], ['model', callback((x: tf.Tensor) => ({ eps: tf.mul(x, 0.1), v: tf.onesLike(x).mul(0.5) }))], ['shape', shape([B, 2])], ['rng', rng()], ['options', options({ xT: optional(t2([B, 2], [[B, 3]])), onStep: optional(callback(() => undefined)) })]],
    core.ddpmSampleLearnedVariance,
  ),
  e('ddimTimesteps', [['T', count(1, 10, 2000)], ['steps', count(1, 5, 2000)]], core.ddimTimesteps),
  e('ddimSigma', [['schedule', schedule()], ['t', step(1, 5)], ['tPrev', integer(0, 4, 2)], ['eta', probability(0.5)]], core.ddimSigma),
  e('ddimStep', [['schedule', schedule()], ['xt', t2()], ['t', step(1, 5)], ['tPrev', integer(0, 4, 2)], ['epsPred', t2()], ['eta', probability(0.5)], ['z', t2()]], core.ddimStep),
  e(
    'ddimSample',
    [['schedule', schedule()], ['epsModel', callback(epsModel)], ['shape', shape([B, 2])], ['rng', rng()], ['options', options({ timesteps: optional(intArray([1, 5, 10], 1, T)), eta: optional(probability(0.5)), xT: optional(t2([B, 2], [[B, 3]])), onStep: optional(callback(() => undefined)) })]],
    core.ddimSample,
  ),
  e('classifierGuidedMean', [['mean', t2()], ['xt', t2()], ['logClassifier', callback((x: tf.Tensor) => tf.mul(tf.sum(tf.square(x)), -0.5))], ['variance', nonNegative(0.1)], ['scale', nonNegative(1)]], core.classifierGuidedMean),
  e(
    'classifierGuidedDdpmSample',
    [['schedule', schedule()], ['epsModel', callback(epsModel)], ['logClassifier', callback(logGaussianClassifier)], ['shape', shape([B, 2])], ['rng', rng()], ['options', options({ scale: nonNegative(1), variance: optional(choice(['beta', 'betaTilde'])), xT: optional(t2([B, 2], [[B, 3]])), onStep: optional(callback(() => undefined)) }, false)]],
    core.classifierGuidedDdpmSample,
  ),
  e(
    'classifierGuidedDdimSample',
    [['schedule', schedule()], ['epsModel', callback(epsModel)], ['logClassifier', callback(logGaussianClassifier)], ['shape', shape([B, 2])], ['rng', rng()], ['options', options({ scale: nonNegative(1), timesteps: optional(intArray([1, 5, 10], 1, T)), xT: optional(t2([B, 2], [[B, 3]])), onStep: optional(callback(() => undefined)) }, false)]],
    core.classifierGuidedDdimSample,
  ),
  e('classifierFreeGuidance', [['epsUncond', t2()], ['epsCond', t2()], ['w', real(2)]], core.classifierFreeGuidance),
  e('guidedEpsModel', [['model', callback((x: tf.Tensor) => tf.mul(x, 0.1))], ['labels', t2([B, 2], [])], ['w', real(2)]], core.guidedEpsModel),
  e('dropLabels', [['labels', intArray([1, 2, 3], 0, 9)], ['p', probability(0.5)], ['rng', rng()], ['nullLabel', integer(-(2 ** 31), 2 ** 31 - 1, 10)]], core.dropLabels),
  e('sampleIsotropicMixture', [['mixture', isoMixture()], ['n', count(0, 3)], ['rng', rng()]], core.sampleIsotropicMixture),
  e('gaussianMixtureEpsModel', [['schedule', schedule()], ['mixture', isoMixture()]], (s: core.NoiseSchedule, m: core.IsotropicGaussianMixture) => core.gaussianMixtureEpsModel(s, m)(tf.tensor2d([[0.1], [0.2]]), 5)),
  // embedding
  e('embeddingFrequencies', [['dim', count(2, 8, 16)], ['maxPeriod', optional(positive(10000))], ['convention', optional(choice(['ours', 'ddpm', 'improved-diffusion']))]], core.embeddingFrequencies),
  e('sinusoidalEmbedding', [['t', real(5)], ['dim', count(2, 8, 16)], ['maxPeriod', optional(positive(10000))], ['convention', optional(choice(['ours', 'ddpm', 'improved-diffusion']))]], core.sinusoidalEmbedding),
  e('timestepEmbedding', [['t', { ...real(5), bad: () => [...real().bad().filter((v) => !Array.isArray(v)), [], [1, Number.NaN]] }], ['dim', count(2, 8, 16)], ['maxPeriod', optional(positive(10000))], ['convention', optional(choice(['ours', 'ddpm', 'improved-diffusion']))]], core.timestepEmbedding),
  e('patchCount', [['H', count(1, 4)], ['W', count(1, 4)], ['C', count(1, 3)], ['p', count(1, 2)]], core.patchCount),
  e('patchify', [['x', tensor([1, 4, 4, 3], { wrong: [[1, 4, 4], [1, 3, 4, 3]] })], ['p', count(1, 2)]], core.patchify),
  e('unpatchify', [['tokens', tensor([1, 4, 12], { wrong: [[1, 4, 11], [4, 12]] })], ['p', count(1, 2)], ['H', count(1, 4)], ['W', count(1, 4)], ['C', count(1, 3)]], core.unpatchify),
  e('latentShape', [['H', count(1, 8)], ['W', count(1, 8)], ['C', count(1, 3)], ['f', count(1, 2)], ['c', count(1, 4)]], core.latentShape),
  e('sinCosPositionEmbedding2d', [['gridH', count(1, 2, 16)], ['gridW', count(1, 3, 16)], ['dim', count(4, 8, 64)]], core.sinCosPositionEmbedding2d),
  e('patchEmbedding', [['ps', fixed(() => new core.ParamStore(core.createRng(1)))], ['name', fixed(() => 'pe')], ['options', options({ H: count(1, 4, 16), W: count(1, 4, 16), channels: count(1, 1, 4), patch: count(1, 2, 4), dim: count(4, 8, 16) }, false)]], core.patchEmbedding),
  e('applyPatchEmbedding', [['l', fixed(() => transformer().pe)], ['x', tensor([B, 4, 4, 1], { wrong: [[B, 4, 4, 2], [B, 4, 6, 1], [4, 4, 1]] })]], core.applyPatchEmbedding, { layer: true }),
  // transformer (DiT)
  e('scaledDotProductAttention', [['q', tensor([B, 3, 4], { wrong: [[B, 3, 5], [B + 1, 3, 4], [3, 4]] })], ['k', tensor([B, 2, 4], { wrong: [[B, 2, 5], [B + 1, 2, 4]] })], ['v', tensor([B, 2, 3], { wrong: [[B, 3, 3], [B + 1, 2, 3]] })]], core.scaledDotProductAttention, { layer: true }),
  e('multiHeadSelfAttention', [['ps', fixed(() => new core.ParamStore(core.createRng(1)))], ['name', fixed(() => 'a')], ['dim', count(1, 4, 16)], ['heads', count(1, 2, 16)]], core.multiHeadSelfAttention),
  e('applyMultiHeadSelfAttention', [['l', fixed(() => transformer().mhsa)], ['x', tensor([B, 3, 4], { wrong: [[B, 3, 5], [3, 4]] })]], core.applyMultiHeadSelfAttention, { layer: true }),
  e('layerNorm', [['x', tensor([B, 3, 4], { wrong: [] })], ['eps', optional(positive(1e-6))]], core.layerNorm, { layer: true }),
  e('modulate', [['x', tensor([B, 3, 4], { wrong: [[B, 3]] })], ['shift', tensor([B, 4], { wrong: [[B, 3], [B + 1, 4]] })], ['scale', tensor([B, 4], { wrong: [[B, 5], [4]] })]], core.modulate, { layer: true }),
  e('geluTanh', [['x', t2([B, 3], [])]], core.geluTanh, { layer: true }),
  e('ditBlock', [['ps', fixed(() => new core.ParamStore(core.createRng(1)))], ['name', fixed(() => 'b')], ['options', options({ dim: count(1, 4, 16), heads: count(1, 2, 16), condDim: optional(count(1, 3, 16)), mlpRatio: optional(count(1, 2, 16)) }, false)]], core.ditBlock),
  e('ditModulation', [['b', fixed(() => transformer().dit)], ['c', tensor([B, 4], { wrong: [[B, 5], [4]] })]], core.ditModulation, { layer: true }),
  e('applyDitBlock', [['b', fixed(() => transformer().dit)], ['x', tensor([B, 3, 4], { wrong: [[B, 3, 5], [3, 4]] })], ['c', tensor([B, 4], { wrong: [[B, 5], [B + 1, 4], [4]] })]], core.applyDitBlock, { layer: true }),
  e('ditConditioner', [['ps', fixed(() => new core.ParamStore(core.createRng(1)))], ['name', fixed(() => 'c')], ['options', options({ dim: count(1, 4, 16), frequencyDim: optional(count(4, 8, 64)), numClasses: optional(count(0, 3, 16)) }, false)]], core.ditConditioner),
  e('applyDitConditioner', [['l', fixed(() => transformer().cond)], ['t', modelSteps], ['labels', labelsTensor(B, 4)], ['batch', count(1, B, 16)]], (l: core.DitConditioner, t: number, y: tf.Tensor | undefined, b: number) => core.applyDitConditioner(l, t, y ?? null, b)),
  // nn
  e('denseOp', [['x', tensor([B, 3], { wrong: [[B, 4], [3]] })], ['w', tensor([3, 4], { wrong: [[4, 4], [3]] })], ['b', optional(tensor([4], { wrong: [[5], [1, 4]] }))], ['activation', optional(choice(['linear', 'swish']))]], core.denseOp, { layer: true }),
  e('conv2dSame', [['x', tensor([1, 4, 4, 2], { wrong: [[1, 4, 4, 3], [4, 4, 2]] })], ['w', tensor([3, 3, 2, 3], { wrong: [[3, 2, 2, 3], [3, 3, 2]] })], ['b', optional(tensor([3], { wrong: [[4]] }))]], core.conv2dSame, { layer: true }),
  e('conv2dTransposeSame', [['x', tensor([1, 4, 4, 2], { wrong: [[1, 4, 4, 3], [4, 4, 2]] })], ['w', tensor([3, 3, 2, 3], { wrong: [[3, 2, 2, 3], [3, 3, 2]] })], ['b', optional(tensor([3], { wrong: [[4]] }))]], core.conv2dTransposeSame, { layer: true }),
  e('maxPool2x2', [['x', tensor([1, 4, 4, 2], { wrong: [[1, 3, 4, 2], [4, 2]] })]], core.maxPool2x2, { layer: true }),
  e('avgPool2x2', [['x', tensor([1, 4, 4, 2], { wrong: [[1, 3, 4, 2], [4, 2]] })]], core.avgPool2x2, { layer: true }),
  e('groupNorm', [['x', tensor([1, 2, 2, 4], { wrong: [[2, 2, 4]] })], ['groups', integer(1, 4, 2)], ['gamma', tensor([4], { wrong: [[3]] })], ['beta', tensor([4], { wrong: [[3]] })], ['eps', optional(positive(1e-5))]], core.groupNorm, { layer: true }),
  e('swish', [['x', t2([B, 3], [])]], core.swish, { layer: true }),
  e('ParamStore', [['rng', rng()]], (r: core.Rng) => new core.ParamStore(r)),
  e('ParamStore.weight', [['name', fixed(() => 'w')], ['shape', shape([3, 4])]], (n: string, s: number[]) => new core.ParamStore(core.createRng(1)).weight(n, s)),
  e('dense', [['ps', fixed(() => new core.ParamStore(core.createRng(1)))], ['name', fixed(() => 'd')], ['inDim', count(1, 3, 16)], ['outDim', count(1, 4, 16)], ['bias', boolean(true)]], core.dense),
  e('conv', [['ps', fixed(() => new core.ParamStore(core.createRng(1)))], ['name', fixed(() => 'c')], ['k', count(1, 3, 15)], ['inC', count(1, 2, 1024)], ['outC', count(1, 3, 1024)]], core.conv),
  e('norm', [['ps', fixed(() => new core.ParamStore(core.createRng(1)))], ['name', fixed(() => 'n')], ['channels', count(1, 4, 16)]], core.norm),
  e('applyDense', [['l', fixed(() => models().dense)], ['x', tensor([B, 3], { wrong: [[B, 4], [3]] })], ['activation', optional(choice(['linear', 'swish']))]], core.applyDense, { layer: true }),
  e('applyConv', [['l', fixed(() => models().conv)], ['x', tensor([1, 4, 4, 2], { wrong: [[1, 4, 4, 3], [4, 4, 2]] })]], core.applyConv, { layer: true }),
  e('applyConvTranspose', [['l', fixed(() => models().conv)], ['x', tensor([1, 4, 4, 2], { wrong: [[1, 4, 4, 3], [4, 4, 2]] })]], core.applyConvTranspose, { layer: true }),
  e('applyGroupNorm', [['l', fixed(() => models().norm)], ['x', tensor([1, 2, 2, 4], { wrong: [[1, 2, 2, 3]] })], ['groups', integer(1, 4, 2)]], core.applyGroupNorm, { layer: true }),
  // models
  e('stepsArray', [['t', modelSteps], ['batch', count(1, B, 4096)]], core.stepsArray),
  e('learnsVariance', [['model', { valid: () => models().mlpVar, bad: () => [null, undefined, 5], extreme: () => [models().mlp] }]], core.learnsVariance),
  e('oneHotLabels', [['labels', labelsTensor(B, 4)], ['batch', count(1, B)], ['numClasses', count(0, 3, 16)]], core.oneHotLabels),
  e(
    'MlpDenoiser',
    [['rng', rng()], ['options', options({ dim: optional(count(1, 2, 16)), hidden: optional(count(1, 8, 16)), layers: optional(count(1, 1, 16)), timeDim: optional(count(2, 4, 16)), numClasses: optional(count(0, 3, 16)), learnVariance: boolean() })]],
    (r: core.Rng, o: core.MlpDenoiserOptions) => new core.MlpDenoiser(r, o),
  ),
  e('MlpDenoiser.predict', [['xt', tensor([B, 2], { wrong: [[B, 3], [2]] })], ['t', modelSteps], ['labels', labelsTensor(B, 4)]], (x: tf.Tensor, t: number, l: tf.Tensor) => models().mlp.predict(x, t, l)),
  e('MlpDenoiser.predictWithVariance', [['xt', tensor([B, 2], { wrong: [[B, 3], [2]] })], ['t', modelSteps]], (x: tf.Tensor, t: number) => models().mlpVar.predictWithVariance(x, t)),
  e(
    'UNet',
    [['rng', rng()], ['options', options({ filters: optional({ valid: () => [4], bad: () => [[], [0], [3], [4.5], [Number.NaN], [2 ** 40], 5, 'x', null], extreme: () => [[4, 8]] }), groups: optional(count(1, 4, 16)), size: optional(count(2, 4, 16)), channels: optional(count(1, 1, 16)), timeDim: optional(count(2, 4, 16)), numClasses: optional(count(0, 0, 16)), inputSkip: boolean() })]],
    (r: core.Rng, o: core.UNetOptions) => new core.UNet(r, o),
  ),
  e('UNet.predict', [['xt', tensor([1, 4, 4, 1], { wrong: [[1, 4, 4, 2], [4, 4, 1]] })], ['t', modelSteps], ['labels', labelsTensor(1, 3)]], (x: tf.Tensor, t: number, l: tf.Tensor) => models().unet.predict(x, t, l)),
  e(
    'DiT',
    [['rng', rng()], ['options', options({ size: optional(count(1, 4, 16)), channels: optional(count(1, 1, 4)), patch: optional(count(1, 2, 4)), dim: optional(count(4, 8, 16)), depth: optional(count(1, 1, 4)), heads: optional(count(1, 2, 4)), mlpRatio: optional(count(1, 1, 4)), frequencyDim: optional(count(4, 4, 16)), numClasses: optional(count(0, 0, 16)) })]],
    (r: core.Rng, o: core.DiTOptions) => new core.DiT(r, o),
  ),
  e('DiT.predict', [['xt', tensor([1, 4, 4, 1], { wrong: [[1, 4, 4, 2], [4, 4, 1]] })], ['t', modelSteps], ['labels', labelsTensor(1, 3)]], (x: tf.Tensor, t: number, l: tf.Tensor) => models().dit.predict(x, t, l)),
  e(
    'LatentAutoencoder',
    [['rng', rng()], ['options', options({ regularizer: optional(choice(['kl', 'vq'])), size: optional(count(4, 4, 4)), channels: optional(count(1, 1, 4)), dim: optional(count(1, 4, 8)), layers: optional(count(0, 1, 2)), latentChannels: optional(count(1, 2, 4)), klWeight: optional(interval(0, 1e6, 1e-3)), codebookSize: optional(count(1, 4, 16)), commitmentWeight: optional(interval(0, 1e6, 0.25)) })]],
    (r: core.Rng, o: core.LatentAutoencoderOptions) => new core.LatentAutoencoder(r, o),
  ),
  e(
    'ConvAutoencoder',
    [['rng', rng()], ['options', options({ kind: optional(choice(['vae', 'ae', 'cvae'])), dim: optional(count(1, 2, 16)), layers: optional(count(1, 1, 8)), latent: optional(count(1, 2, 16)), head: optional(count(1, 4, 16)), size: optional(count(2, 4, 16)), numClasses: optional(count(1, 3, 16)) })]],
    (r: core.Rng, o: core.ConvAutoencoderOptions) => new core.ConvAutoencoder(r, o),
  ),
  e('ConvAutoencoder.encode', [['x', tensor([B, 4, 4, 1], { wrong: [[B, 4, 4, 2], [B, 8, 8, 1]] })], ['labels', labelsTensor(B, 4)]], (x: tf.Tensor4D, l: tf.Tensor) => models().cvae.encode(x, l)),
  e('ConvAutoencoder.decode', [['z', tensor([B, 2], { wrong: [[B, 3], [2]] })], ['labels', labelsTensor(B, 4)]], (z: tf.Tensor2D, l: tf.Tensor) => models().cvae.decode(z, l)),
  e('ConvAutoencoder.forward', [['x', tensor([B, 4, 4, 1], { wrong: [[B, 4, 4, 2]] })], ['eps', tensor([B, 2], { wrong: [[B, 3]] })], ['labels', labelsTensor(B, 4)]], (x: tf.Tensor4D, eps: tf.Tensor, l: tf.Tensor) => models().cvae.forward(x, eps, l)),
  e('ConvAutoencoder.loss', [['x', tensor([B, 4, 4, 1], { wrong: [[B, 4, 4, 2]] })], ['eps', tensor([B, 2], { wrong: [[B, 3]] })], ['labels', labelsTensor(B, 4)]], (x: tf.Tensor4D, eps: tf.Tensor, l: tf.Tensor) => models().cvae.loss(x, eps, l)),
  e('upsample2x', [['x', tensor([1, 2, 2, 1], { wrong: [[2, 2, 1]] })]], core.upsample2x, { layer: true }),
  e(
    'MnistClassifier',
    [['rng', rng()], ['options', options({ widths: optional({ valid: () => [2], bad: () => [[], [0], [2.5], [Number.NaN], [2 ** 40], 5, null], extreme: () => [[1]] }), hidden: optional(count(1, 4, 16)), size: optional(count(4, 8, 16)), numClasses: optional(count(2, 3, 16)) })]],
    (r: core.Rng, o: core.MnistClassifierOptions) => new core.MnistClassifier(r, o),
  ),
  e('MnistClassifier.logits', [['x', tensor([B, 8, 8, 1], { wrong: [[B, 8, 8, 2], [B, 4, 4, 1]] })]], (x: tf.Tensor4D) => models().clf.logits(x)),
  e('MnistClassifier.features', [['x', tensor([B, 8, 8, 1], { wrong: [[B, 8, 8, 2], [B, 4, 4, 1]] })]], (x: tf.Tensor4D) => models().clf.features(x)),
  e('MnistClassifier.loss', [['x', tensor([B, 8, 8, 1], { wrong: [[B, 8, 8, 2]] })], ['labels', { ...labelsTensor(B, 3), optional: false }]], (x: tf.Tensor4D, l: tf.Tensor1D) => models().clf.loss(x, l)),
  e('MnistClassifier.classify', [['x', tensor([B, 8, 8, 1], { wrong: [[B, 8, 8, 2]] })], ['batchSize', optional(count(1, 1, 16))]], (x: tf.Tensor4D, b: number) => models().clf.classify(x, b)),
  e(
    'NoisyClassifier',
    [['rng', rng()], ['options', options({ widths: optional({ valid: () => [2], bad: () => [[], [0], [2.5], [Number.NaN], [2 ** 40], 5, null], extreme: () => [[1]] }), hidden: optional(count(1, 4, 16)), size: optional(count(4, 8, 16)), timeDim: optional(count(2, 4, 16)), numClasses: optional(count(2, 3, 16)) })]],
    (r: core.Rng, o: core.NoisyClassifierOptions) => new core.NoisyClassifier(r, o),
  ),
  e('NoisyClassifier.logits', [['xt', tensor([B, 4, 4, 1], { wrong: [[B, 4, 4, 2], [B, 8, 8, 1]] })], ['t', modelSteps]], (x: tf.Tensor4D, t: number) => models().nclf.logits(x, t)),
  e('NoisyClassifier.logProbabilities', [['xt', tensor([B, 4, 4, 1], { wrong: [[B, 4, 4, 2], [B, 8, 8, 1]] })], ['t', modelSteps]], (x: tf.Tensor4D, t: number) => models().nclf.logProbabilities(x, t)),
  e('NoisyClassifier.loss', [['xt', tensor([B, 4, 4, 1], { wrong: [[B, 4, 4, 2]] })], ['t', modelSteps], ['labels', { ...labelsTensor(B, 3), optional: false }]], (x: tf.Tensor4D, t: number, l: tf.Tensor1D) => models().nclf.loss(x, t, l)),
  e('NoisyClassifier.classify', [['xt', tensor([B, 4, 4, 1], { wrong: [[B, 4, 4, 2]] })], ['t', modelSteps], ['batchSize', optional(count(1, 1, 16))]], (x: tf.Tensor4D, t: number, b: number) => models().nclf.classify(x, t, b)),
  e('logClassifierOf', [['model', fixed(() => models().nclf)], ['labels', intArray([0, 2], 0, 2)]], (m: core.NoisyClassifier, l: Int32Array) => core.logClassifierOf(m, l)(tf.zeros([2, 4, 4, 1]), 3)),
  e(
    'trainNoisyClassifier',
    [['x0', tensor([3, 4, 4, 1], { wrong: [[3, 4, 4, 2], [3, 8, 8, 1]] })], ['labels', intArray([0, 1, 2], 0, 2)], ['rng', rng()], ['options', options({ schedule: schedule(), steps: count(0, 1, 4), batchSize: count(1, 2, 64), learningRate: optional(positive(1e-3)), onStep: optional(callback(() => undefined)) }, false)]],
    (x: tf.Tensor4D, l: Int32Array, r: core.Rng, o: core.NoisyClassifierTrainOptions) => freshly(tinyNoisyClassifier, (m) => core.trainNoisyClassifier(m, x, l, r, o)),
  ),
  // quality/: judging samples with the classifier, and the measures built on it.
  // n is held at 10: hits' range depends on it, and a random n below hits is refused naming hits.
  e('binomialEstimate', [['hits', integer(0, 10, 3)], ['n', fixed(() => 10)]], core.binomialEstimate),
  e('judgeDigits', [['classifier', fixed(() => models().clf)], ['x', tensor([B, 4, 4, 1], { wrong: [[B, 4, 5, 1], [B, 4, 4, 2]] })], ['batchSize', optional(count(1, 1, 16))]], (c: core.MnistClassifier, x: tf.Tensor4D, b: number) => core.judgeDigits(c, x, b)),
  e('shareReadAsDigit', [['judged', judgement()], ['threshold', optional(probability(0.9))]], core.shareReadAsDigit),
  e('shareReadAsAsked', [['judged', judgement()], ['asked', intArray([1, 0, 2], 0, 2 ** 31 - 1)]], core.shareReadAsAsked),
  e('classifierAccuracy', [['classifier', fixed(() => models().clf)], ['x', tensor([3, 8, 8, 1], { wrong: [[3, 8, 8, 2]] })], ['labels', intArray([0, 1, 2], 0, 2)]], core.classifierAccuracy),
  e('reconstructionError', [['model', fixed(() => models().cvae10)], ['x', tensor([3, 8, 8, 1], { wrong: [[3, 8, 8, 2], [1, 8, 8, 1]] })], ['labels', intArray([0, 1, 9], 0, 9)]], core.reconstructionError),
  e('cvaePriorAccuracy', [['model', fixed(() => models().cvae10)], ['classifier', fixed(() => models().clf)], ['rng', rng()], ['perDigit', count(1, 1, 2)]], core.cvaePriorAccuracy),
  e(
    'digitShare',
    [['model', fixed(() => models().unet0)], ['schedule', schedule()], ['classifier', fixed(() => models().clf)], ['rng', rng()], ['options', options({ n: count(1, 2, 4), ddimSteps: optional(integer(1, T, 2)), eta: optional(probability(1)) }, false)]],
    core.digitShare,
  ),
  // quality/field-measures: the judge's features, FID and KID of images, the bound of a model.
  e('classifierFeatures', [['classifier', fixed(() => models().clf)], ['x', tensor([B, 4, 4, 1], { wrong: [[B, 4, 5, 1], [B, 4, 4, 2]] })], ['batchSize', optional(count(1, 1, 16))]], (c: core.MnistClassifier, x: tf.Tensor4D, b: number) => core.classifierFeatures(c, x, b)),
  e('featureDistances', [['classifier', fixed(() => models().clf)], ['x', tensor([4, 8, 8, 1], { wrong: [[4, 8, 8, 2], [3, 8, 8, 1]] })], ['y', tensor([5, 4, 4, 1], { wrong: [[5, 4, 4, 2]] })], ['kidBlocks', optional(count(2, 2, 2))]], (c: core.MnistClassifier, x: tf.Tensor4D, y: tf.Tensor4D, k: number) => core.featureDistances(c, x, y, k)),
  e('quantizeTo8Bit', [['x', tensor([B, 3])]], core.quantizeTo8Bit),
  e(
    'modelBitsPerDim',
    [['model', fixed(() => models().unet0)], ['schedule', schedule()], ['x', tensor([2, 4, 4, 1], { values: () => core.quantizeTo8Bit(tf.linspace(-1, 1, 32).reshape([2, 4, 4, 1])), wrong: [[2, 4, 4, 2], [1, 4, 4, 1]] })], ['rng', rng()],
      ['options', options({ variance: choice(['fixedlarge', 'beta', 'fixedsmall', 'clamped']), steps: optional(count(1, 2, 4)), sampleDecoder: optional(boolean()), batchSize: optional(count(1, 2, 8)) }, false)]],
    core.modelBitsPerDim,
  ),
  e(
    'guidedAccuracy',
    [['model', fixed(() => models().unet10)], ['schedule', schedule()], ['classifier', fixed(() => models().clf)], ['rng', rng()], ['options', options({ perDigit: count(1, 1, 2), guidance: interval(-100, 100, 3), ddimSteps: optional(integer(1, T, 2)), eta: optional(probability(1)) }, false)]],
    core.guidedAccuracy,
  ),
  e('noisyClassifierAccuracy', [['classifier', fixed(() => models().nclf)], ['schedule', schedule()], ['x0', tensor([2, 4, 4, 1], { wrong: [[2, 4, 4, 2], [2, 8, 8, 1]] })], ['labels', intArray([0, 2], 0, 2)], ['t', steps], ['rng', rng()]], core.noisyClassifierAccuracy),
  e(
    'classifierGuidedAccuracy',
    [['model', fixed(() => models().unet0)], ['schedule', schedule()], ['classifier', fixed(() => models().nclf10)], ['judge', fixed(() => models().clf)], ['rng', rng()], ['options', options({ perDigit: count(1, 1, 2), scale: nonNegative(1), sampler: optional(choice(['ddim', 'ddpm'])), ddimSteps: optional(integer(1, T, 2)) }, false)]],
    core.classifierGuidedAccuracy,
  ),
  e('accuracy', [['predicted', intArray([1, 2, 0], 0, 2 ** 31 - 1)], ['labels', intArray([1, 0, 0], 0, 2 ** 31 - 1)]], core.accuracy),
  e(
    'trainClassifier',
    [['model', fixed(() => models().clf)], ['x', tensor([3, 8, 8, 1], { wrong: [[3, 8, 8, 2]] })], ['labels', intArray([0, 1, 2], 0, 2)], ['rng', rng()], ['options', options({ steps: count(0, 1, 4), batchSize: count(1, 2, 64), learningRate: optional(positive(1e-3)) }, false)]],
    core.trainClassifier,
  ),
  e(
    'trainAutoencoder',
    [['x', tensor([3, 4, 4, 1], { wrong: [[3, 4, 4, 2], [3, 8, 8, 1]] })], ['labels', fixed(() => null)], ['rng', rng()], ['options', options({ steps: count(0, 1, 4), batchSize: count(1, 2, 64), learningRate: optional(positive(1e-3)), onStep: optional(callback(() => undefined)) }, false)]],
    (x: tf.Tensor4D, l: Int32Array | null, r: core.Rng, o: core.AutoencoderTrainOptions) => freshly(tinyVae, (m) => core.trainAutoencoder(m, x, l, r, o)),
  ),
  // train/ (the pure-argument part: no checkpoint folders)
  e(
    'sampleModel',
    [['model', fixed(() => models().mlp)], ['schedule', schedule()], ['n', count(1, 2, 64)], ['rng', rng()], ['options', options({ sampler: optional(choice(['ddpm', 'ddim'])), ddimSteps: optional(integer(1, T, 5)), eta: optional(probability(0.5)), labels: optional(intArray([0, 3], 0, 3)), guidance: optional(real(2)), variance: optional(choice(['beta', 'betaTilde', 'fixedlarge', 'fixedsmall', 'clamped'])), onStep: optional(callback(() => undefined)) })]],
    train.sampleModel,
  ),
  e(
    'sampleClassifierGuided',
    [['model', fixed(() => models().unet0)], ['schedule', schedule()], ['classifier', fixed(() => models().nclf)], ['labels', intArray([0, 2], 0, 2)], ['rng', rng()], ['options', options({ scale: nonNegative(1), sampler: optional(choice(['ddim', 'ddpm'])), ddimSteps: optional(integer(1, T, 5)), variance: optional(choice(['beta', 'betaTilde'])), xT: optional(tensor([2, 4, 4, 1], { wrong: [[3, 4, 4, 1]] })), onStep: optional(callback(() => undefined)) }, false)]],
    train.sampleClassifierGuided,
  ),
  e(
    'trainDdpm',
    [['data', options({ x: tensor([3, 2], { wrong: [[3, 3], [0, 2]] }) }, false)], ['rng', rng()], ['options', options({ schedule: schedule(), steps: count(0, 1, 4), batchSize: count(1, 2, 64), learningRate: optional(positive(1e-3)), microBatches: optional(integer(1, 2, 1)), pUncond: optional(probability(0.1)), startStep: optional(integer(0, 2 ** 53 - 1, 0)), onStep: optional(callback(() => undefined)), objective: optional(choice(['simple'])), vlbWeight: optional(nonNegative(0.001)) }, false)]],
    (d: train.Dataset, r: core.Rng, o: train.DdpmTrainOptions) => freshly(tinyMlp, (m) => train.trainDdpm(m, d, r, o).losses),
  ),
  // data
  e('gaussianMixture2d', [['n', count(1, 3)], ['rng', rng()], ['k', optional(count(1, 8))], ['radius', optional(positive(2))], ['std', optional(nonNegative(0.15))]], core.gaussianMixture2d),
  e('twoMoons', [['n', count(1, 3)], ['rng', rng()], ['noise', optional(nonNegative(0.05))]], core.twoMoons),
  e('swissRoll', [['n', count(1, 3)], ['rng', rng()], ['noise', optional(nonNegative(0.05))]], core.swissRoll),
  e('toy2d', [['name', choice(core.TOY_2D_NAMES)], ['n', count(1, 3)], ['rng', rng()]], core.toy2d),
  e('pointsTensor', [['points', numbers([1, 2, 3, 4], { bad: [[1, 2, 3]] })]], core.pointsTensor),
  e('randomBatch', [['x', tensor([3, 2], { wrong: [[0, 2]] })], ['labels', { valid: () => Int32Array.from([0, 1, 2]), bad: () => [Int32Array.from([0, 1]), 5, 'x', {}], extreme: () => [null] }], ['size', count(1, 2, 16)], ['rng', rng()]], core.randomBatch),
  e('parseIdx', [['buf', { valid: () => idx([2, 2], [1, 2, 3, 4]), bad: () => [new Uint8Array(3), idx([2, 2], [1, 2, 3]), Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9]), 5, null, undefined, 'abc', [1, 2]], extreme: () => [idx([0], [])] }]], core.parseIdx),
  e('mnistFromIdx', [
    ['images', { valid: () => idx([2, 28, 28], Array.from({ length: 2 * 784 }, (_, k) => k % 256)), bad: () => [idx([2, 2], [1, 2, 3, 4]), new Uint8Array(3), null, 'abc'], extreme: () => [] }],
    ['labels', { valid: () => idx([2], [3, 7]), bad: () => [idx([3], [1, 2, 3]), idx([2, 1], [1, 2]), null, 5], extreme: () => [] }],
    ['limit', optional(count(1, 2, 2))], ['size', optional(integer(28, 32, 28))],
  ], (i: Uint8Array, l: Uint8Array, n: number, z: number) => core.mnistFromIdx(i, l, n, z)),
  e('asClassifierInput', [['x', tensor([B, 4, 4, 1], { wrong: [[B, 4, 4, 2], [B, 4]] })], ['classifierSide', count(1, 8, 16)]], (x: tf.Tensor4D, s: number) => core.asClassifierInput(x, s)),
  e('loadMnist', [['split', optional(choice(['test', 'train']))], ['limit', optional(count(1, 2, 100))], ['size', optional(integer(28, 32, 28))]], (s: core.MnistSplit, l: number, z: number) => core.loadMnist(s === undefined ? 'test' : s, l === undefined ? 2 : l, z)),
  e(
    'mnistTensor',
    [['d', options({ images: fixed(() => new Float32Array(2 * 16)), labels: fixed(() => Int32Array.from([1, 2])), count: count(1, 2, 2), size: count(1, 4, 4) }, false)], ['side', optional(count(1, 2, 4))]],
    core.mnistTensor,
  ),
  // util
  e('setDataChecks', [['on', { valid: () => true, bad: () => ['yes', 1, null, undefined, {}], extreme: () => [] }]], core.setDataChecks),
  e('coefficientTable', [['schedule', schedule()], ['key', fixed(() => `fuzz${++tableKey}`)], ['f', callback((t: number) => t / 10)], ['from', optional(integer(0, T, 1))]], core.coefficientTable, { nonFiniteByDesign: (p, args) => Number(/^\[(\d+)\]$/.exec(p)?.[1] ?? Infinity) < ((args[3] as number | undefined) ?? 1) }),
  e('packTensors', [['tensors', { valid: () => [tf.ones([2]), tf.zeros([1, 2])], bad: () => [5, null, undefined, [5], [null]], extreme: () => [[]] }]], core.packTensors),
];
