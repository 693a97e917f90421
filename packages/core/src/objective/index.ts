export * from './objective.js';
export * from './decoder.js';
