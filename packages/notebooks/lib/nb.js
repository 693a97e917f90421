// Helpers shared by the notebooks: backend set-up, the smoke/full size switch, step checks that throw a clear
// error, and the figures of lib/plots.js (Observable Plot rendered to SVG in Node, displayed by tslab).
'use strict';
const tf = require('@tensorflow/tfjs-core');
require('@tensorflow/tfjs-backend-cpu');
const { assertClose } = require('@ddpm-derived/core');

// TensorFlow.js's cpu backend, the first time it stores a tensor in Node, prints an advertisement for tfjs-node
// ("Hi, looks like you are running TensorFlow.js in Node.js. To speed things up dramatically, install our node
// backend …") with console.warn, which Jupyter shows as red stderr under the first cell that computes. It is
// advice, not a problem: this drops exactly that message and passes every other warning and error through.
const TFJS_NODE_ADVICE = /^\s*=*\s*Hi, looks like you are running TensorFlow\.js in Node\.js\. To speed things up dramatically, install our node backend/;
if (!console.warn.dropsTfjsNodeAdvice) {
  const warn = console.warn;
  const filtered = function (...args) {
    if (args.length === 1 && typeof args[0] === 'string' && TFJS_NODE_ADVICE.test(args[0])) return;
    warn.apply(this, args);
  };
  filtered.dropsTfjsNodeAdvice = true;
  console.warn = filtered;
}

/** True when NOTEBOOK_SMOKE=1: long computations shrink (CI's default); the full setting runs everything. */
const smoke = process.env.NOTEBOOK_SMOKE === '1';

/** Pick a size: the full one normally, the smoke one under NOTEBOOK_SMOKE=1. */
function size(full, smokeSize) {
  return smoke ? smokeSize : full;
}

/** Use the cpu backend (exact float32 reference kernels; notebooks favour reproducibility over speed). */
async function initBackend() {
  await tf.setBackend('cpu');
  await tf.ready();
  return tf.getBackend();
}

/** A derivation step's check: prints ✓ and the detail, or throws naming the step. */
function check(label, ok, detail = '') {
  if (!ok) throw new Error(`✗ check failed: ${label}${detail ? ` (${detail})` : ''}`);
  console.log(`✓ ${label}${detail ? `: ${detail}` : ''}`);
}

/** A numeric check with a stated tolerance: |actual − expected| ≤ max(abs, rel·|expected|). */
function checkClose(label, actual, expected, tol) {
  try {
    assertClose(actual, expected, tol, label);
  } catch (e) {
    throw new Error(`✗ check failed: ${e.message}`);
  }
  console.log(`✓ ${label}: ${fmt(actual)} vs ${fmt(expected)} (tolerance ${JSON.stringify(tol)})`);
}

/** n points (x, f(x)) with x evenly spaced from `from` to `to`, both included: a curve for linePlot or histogramPlot. */
function curve(f, from, to, n) {
  if (!Number.isInteger(n) || n < 2) throw new RangeError(`curve: n must be an integer of at least 2 (points from ${from} to ${to}); received ${n}`);
  if (!Number.isFinite(from) || !Number.isFinite(to)) throw new RangeError(`curve: from and to must be finite; received ${from} and ${to}`);
  return Array.from({ length: n }, (_, i) => {
    const x = from + ((to - from) * i) / (n - 1);
    return [x, f(x)];
  });
}

function fmt(x) {
  return Math.abs(x) >= 1e-3 && Math.abs(x) < 1e4 ? x.toFixed(6) : x.toExponential(4);
}

// The figures (line plots, histograms, scatter plots, heat maps, digit grids) live in lib/plots.js.
const plots = require('./plots');

module.exports = { smoke, size, initBackend, check, checkClose, curve, ...plots };
