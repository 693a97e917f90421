/**
 * Vitest setup for core's tests: data checks on (see setDataChecks), so a NaN or ±Infinity that reaches a public
 * tensor function in any test is an error naming the function and the argument, not a silent NaN downstream.
 * `DDPM_CHECK_DATA=0` turns them off (to time a test without them).
 */
import { setDataChecks } from '../util/tensor.js';

setDataChecks(process.env['DDPM_CHECK_DATA'] !== '0');
