/** How the quality scripts show samples to the MNIST classifier (models/classifier.ts), which reads 32×32 digits. */
export { asClassifierInput } from '../src/models/classifier.js';
