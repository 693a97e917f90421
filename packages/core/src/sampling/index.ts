export * from './samplers.js';
export * from './guidance.js';
export * from './gaussian-mixture-denoiser.js';
