export * from './losses.js';
export * from './latent.js';
export * from './vq.js';
