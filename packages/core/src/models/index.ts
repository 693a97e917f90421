export * from './types.js';
export * from './mlp.js';
