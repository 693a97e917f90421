export * from './ddpm.js';
export * from './checkpoint.js';
export * from './checkpoint-format.js';
export * from './png.js';
export * from './autoencoder.js';
export * from './ema.js';
export * from './parallel.js';
