export * from './attention.js';
export * from './dit.js';
