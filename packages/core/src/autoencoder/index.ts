export * from './losses.js';
