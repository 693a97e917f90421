/**
 * Vitest setup for core's tests: data checks on (see setDataChecks), so a NaN or ±Infinity that reaches a public
 * tensor function in any test is an error naming the function and the argument, not a silent NaN downstream.
 */
import { setDataChecks } from '../util/tensor.js';

setDataChecks(true);
