export * from './ddpm.js';
