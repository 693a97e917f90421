export * from './posterior.js';
