export * from './toy2d.js';
export * from './mnist.js';
export * from './batch.js';
