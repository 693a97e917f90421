/**
 * tfjs-core ships its gradient functions separately from its kernels; without them tf.grad fails with
 * "gradient function not found". The union package `@tensorflow/tfjs` registers them (and the cpu backend) on the
 * one shared tfjs-core instance, in Node's CommonJS build as well as under bundlers. Every entry point of core
 * (index.ts) and the tests load it once.
 */
import '@tensorflow/tfjs';
