/**
 * @packageDocumentation
 * `@ddpm-derived/core`: every formula of the DDPM/VAE catalogue (`shared/FORMULAS.md`) as a typed, documented,
 * tested function. Scalars are float64 numbers; anything acting on data is a TensorFlow.js tensor.
 * Steps run t = 1..T (see `schedule/schedule.ts`). Randomness is always passed in (see `random/rng.ts`).
 */
import './runtime/register-gradients.js';

export * from './util/validate.js';
export * from './util/tensor.js';
export * from './random/rng.js';
export * from './stats/index.js';
export * from './testing/expect-close.js';
export * from './schedule/index.js';
export * from './probability/index.js';
export * from './autoencoder/index.js';
export * from './forward/index.js';
export * from './posterior/index.js';
export * from './objective/index.js';
export * from './sampling/index.js';
export * from './embedding/index.js';
export * from './transformer/index.js';
export * from './nn/index.js';
export * from './models/index.js';
export * from './data/index.js';
export * from './train/index.js';
export * from './quality/index.js';
