export * from './objective.js';
