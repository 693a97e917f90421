export * from './types.js';
export * from './mlp.js';
export * from './unet.js';
export * from './autoencoder.js';
export * from './classifier.js';
export * from './noisy-classifier.js';
export * from './dit.js';
export * from './latent-autoencoder.js';
