export * from './embedding.js';
export * from './patch-embedding.js';
