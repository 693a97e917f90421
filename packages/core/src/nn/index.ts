export * from './backend.js';
export * from './layers.js';
