export * from './descriptive.js';
export * from './two-sample.js';
