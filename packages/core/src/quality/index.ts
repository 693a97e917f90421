export * from './judge.js';
export * from './measures.js';
