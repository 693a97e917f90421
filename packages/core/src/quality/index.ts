export * from './judge.js';
export * from './measures.js';
export * from './field-measures.js';
