export * from './descriptive.js';
export * from './two-sample.js';
export * from './feature-distances.js';
