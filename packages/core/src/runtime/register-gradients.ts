/**
 * tfjs-core ships its gradient functions separately from its kernels; without this import tf.grad fails with
 * "gradient function not found". Every entry point of core (index.ts) and the tests load it once.
 */
import '@tensorflow/tfjs-core/dist/register_all_gradients.js';
