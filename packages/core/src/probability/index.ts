export * from './bayes.js';
export * from './gaussian.js';
export * from './gaussian-algebra.js';
export * from './mixture.js';
export * from './kl.js';
export * from './likelihood.js';
export * from './normal-cdf.js';
