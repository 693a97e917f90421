export * from './toy2d.js';
