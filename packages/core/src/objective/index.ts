export * from './objective.js';
export * from './decoder.js';
export * from './bound.js';
