// The figure helpers (lib/plots.js) and the layout check (scripts/check-svg.cjs) every notebook figure must pass.
// Each past defect of the notebooks' plots is rebuilt here and must be reported by the check; the helpers' output
// for the same data must pass it. Runs in about a second: `node --test test/`.
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const Plot = require('@observablehq/plot');
const tf = require('@tensorflow/tfjs-core');
require('@tensorflow/tfjs-backend-cpu');
const nb = require('../lib/nb.js');
const { labelMarkup, labelText, labelWidth, wrapLabel } = require('../lib/mathtext');
const { checkSvg } = require('../scripts/check-svg.cjs');

/** A bare SVG of a given width with the given content, for the check's own tests. */
const bare = (content, width = 300, height = 200) => `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-size="14">${content}</svg>`;
/** Problems of a figure, as one string for assertion messages. */
const problemsOf = (svg) => checkSvg(svg).join('\n');

test('the check passes a clean figure and reports each kind of defect', () => {
  assert.deepEqual(checkSvg(bare('<text x="10" y="20">fits</text><rect x="1" y="1" width="5" height="5"/>')), []);
  assert.match(problemsOf(bare('<text x="250" y="20">reaches past the right edge</text>')), /reaches outside the figure/);
  assert.match(problemsOf(bare('<g transform="translate(0,195)"><text y="10">below</text></g>')), /reaches outside the figure/);
  assert.match(problemsOf(bare('<text x="150" y="20" text-anchor="middle">centred</text>')), /^$/);
  assert.match(problemsOf(bare('<text x="10" y="20">one</text><text x="20" y="24">two</text>')), /overlap/);
  assert.match(problemsOf(bare('<rect x="1" y="1" width="0" height="5"/>')), /zero size/);
  assert.match(problemsOf(bare('<g aria-label="y-axis tick label"><text x="40" y="40">300m</text><text x="40" y="80">400µ</text></g>')), /"300m".*SI prefix[^]*"400µ".*SI prefix/);
  assert.match(problemsOf(bare('<rect x="1" y="1" width="0.2" height="5"/>')), /too thin/);
  assert.match(problemsOf(bare('<circle cx="5" cy="5" r="0"/>')), /radius 0/);
  assert.match(problemsOf(bare('<path d="M1,NaNL3,4"/>')), /NaN/);
  assert.match(problemsOf(bare('<path d="M1,1L1,1"/>')), /single point/);
  // 10 px text in a 640 px figure is 5.6 px on a 358 px phone.
  assert.match(problemsOf(bare('<text x="10" y="20" font-size="10">tiny</text>', 640)), /5\.6 px on a 358 px-wide phone/);
  // A rotated y label: 90° turns its width into height.
  assert.match(problemsOf(bare('<text transform="translate(20,100) rotate(-90)" text-anchor="middle">a label far longer than the figure is tall</text>')), /reaches outside/);
});

test('01’s KL heat map as it was (a cell per grid value, a title past the edge) fails the check; the helper’s passes', () => {
  const xs = Array.from({ length: 41 }, (_, i) => -2 + i * 0.1);
  const ys = Array.from({ length: 40 }, (_, i) => 0.1 + i * 0.1);
  const rows = xs.flatMap((x) => ys.map((y) => ({ x, y, z: x * x + y })));
  const { document } = require('linkedom').parseHTML('<!doctype html><html><body></body></html>');
  const old = Plot.plot({ width: 520, height: 420, document, color: { type: 'log', scheme: 'viridis' }, marks: [Plot.cell(rows, { x: 'x', y: 'y', fill: 'z' }), Plot.text(['KL(N(μ, σ²) ‖ N(0, 1)), log colour scale: dark = small, yellow = large'], { frameAnchor: 'top-left', dy: -22 })] });
  old.setAttribute('xmlns', 'http://www.w3.org/2000/svg');
  const oldProblems = problemsOf(old.outerHTML);
  assert.match(oldProblems, /x-axis tick label.*overlap/);
  assert.match(oldProblems, /reaches outside the figure/);
  assert.match(oldProblems, /px on a 358 px-wide phone/);
  const svg = nb.heatmapPlot({ title: 'KL($N(μ, σ^2)$ ‖ $N(0, 1)$) over the mean $μ$ and the variance $σ^2$', x: '$μ$', y: '$σ^2$', colorLabel: 'KL (nats)', xs, ys, z: (x, y) => x * x + y });
  assert.deepEqual(checkSvg(svg), []);
  assert.match(svg, /aria-label="x-axis tick label"/);
  // The colour bar is there, with its own axis.
  assert.ok((svg.match(/aria-label="x-axis tick label"/g) ?? []).length >= 2, 'a colour bar with tick labels');
});

test('06’s greedy samples, crowded into a sliver of the axis, still get visible bars', () => {
  const samples = Float64Array.from({ length: 2000 }, (_, i) => 1.25 + 0.15 * ((i * 0.618) % 1));
  const density = Array.from({ length: 200 }, (_, i) => { const x = -4 + (8 * i) / 199; return [x, Math.exp(-x * x / 2) / Math.sqrt(2 * Math.PI)]; });
  const svg = nb.histogramPlot({ title: 'Greedy (noise-free) DDPM samples: the modes survive, the spread does not', samples, curves: { 'data density': density } });
  assert.deepEqual(checkSvg(svg), []);
  const widths = [...svg.matchAll(/<rect [^>]*width="([\d.]+)"/g)].map((m) => Number(m[1]));
  assert.ok(widths.length > 0 && widths.every((w) => w >= 5), `bar widths ${widths.slice(0, 5)}`);
});

test('03’s β schedules: a log axis with plain ticks, every series visible and dashed apart', () => {
  const t = Array.from({ length: 100 }, (_, i) => 10 * (i + 1));
  const series = {
    'linear (S0, S4)': t.map((s) => [s, 1e-4 + ((0.02 - 1e-4) * (s - 1)) / 999]),
    cosine: t.map((s) => [s, Math.min(0.999, 4e-5 * Math.exp(s / 40))]),
    S2: t.map((s) => [s, (0.02 * s) / 1000]),
  };
  const svg = nb.linePlot({ title: '$β_t$ of three schedules (log scale; the cosine one is clipped at 0.999)', x: '$t$', y: '$β_t$', yType: 'log', series });
  assert.deepEqual(checkSvg(svg), []);
  const ticks = [...svg.matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map((m) => m[1]);
  assert.ok(!ticks.some((x) => /\d[mµkM]$/.test(x)), `no SI-prefixed ticks: ${ticks}`);
  assert.ok(ticks.includes('0.001') && ticks.includes('10⁻⁴'), `decades as decimals and powers of ten: ${ticks}`);
  assert.equal((svg.match(/stroke-dasharray/g) ?? []).length >= 2, true, 'the second and third series are dashed');
});

test('log ticks read as numbers, never with SI prefixes', () => {
  assert.equal(nb.logTickFormat(0.3), '0.3');
  assert.equal(nb.logTickFormat(0.001), '0.001');
  assert.equal(nb.logTickFormat(4e-4), '4×10⁻⁴');
  assert.equal(nb.logTickFormat(1e-5), '10⁻⁵');
  assert.equal(nb.logTickFormat(1e6), '10⁶');
  assert.deepEqual(nb.logTicks(0.01, 1), [0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1]);
  assert.deepEqual(nb.logTicks(1e-5, 1), [1e-5, 1e-4, 1e-3, 1e-2, 1e-1, 1]);
});

test('07’s embedding on a diverging scale centred at 0, with a colour bar from −1 to 1', () => {
  const dim = 32;
  const xs = Array.from({ length: dim }, (_, i) => i);
  const ys = Array.from({ length: 50 }, (_, i) => 20 * i + 1);
  const e = (i, t) => (i < dim / 2 ? Math.sin : Math.cos)(t / 10000 ** ((2 * (i % (dim / 2))) / dim));
  const svg = nb.heatmapPlot({ title: 'The embedding $e(t)$: coordinate $i$ against step $t$', x: 'coordinate $i$', y: 'step $t$', color: 'diverging', colorLabel: '$e(t)_i$', xs, ys, z: e });
  assert.deepEqual(checkSvg(svg), []);
  const ticks = [...svg.matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map((m) => m[1]);
  assert.ok(ticks.includes('−1.0') && ticks.includes('1.0'), `the colour bar spans −1 to 1: ${ticks}`);
});

test('scatter plots, image grids and digit grids pass the check at their default sizes', () => {
  const flat = Float64Array.from({ length: 400 }, (_, i) => Math.sin(i * 1.7));
  assert.deepEqual(checkSvg(nb.scatterPlot({ title: 'DDIM samples (50 steps, $η$ = 0) and data', sets: { data: flat, DDIM: flat.map((v) => v * 0.9) } })), []);
  const images = tf.tidy(() => tf.randomUniform([20, 28, 28, 1], -1, 1, 'float32', 1));
  const grid = nb.digitGrid({ images, cols: 10, rowLabels: ['$x$', '$x̂$'], colLabels: Array.from({ length: 10 }, (_, k) => k), title: 'Test digits (top) and the AE’s reconstructions (bottom)', scale: 4 });
  assert.deepEqual(checkSvg(grid), []);
  assert.deepEqual(checkSvg(nb.imageGridPlot({ images: [new Float64Array(16).fill(0.5), new Float64Array(16)], h: 4, w: 4, labels: ['a', 'b'], title: 'two images' })), []);
  images.dispose();
});

test('math in labels: real subscripts and superscripts, italic variables, and plain text for aria labels', () => {
  const markup = labelMarkup('$x_{t−1}$ and $σ^2$', 14);
  assert.match(markup, /<tspan[^>]*font-style="italic"[^>]*>x<\/tspan>/);
  assert.match(markup, /<tspan dy="3\.92" font-size="10\.5" font-style="italic">t<\/tspan>/);
  assert.match(markup, /font-size="10\.5">−<\/tspan>/);
  assert.doesNotMatch(markup, /[_{}$]/);
  // Combining accents stay on their letter, in the baseline and in scripts.
  assert.match(labelMarkup('$N(μ̃_t, β̃_t)$ and $x_{β̃}$', 14), /μ\u0303<\/tspan>[^]*β\u0303<\/tspan>[^]*β\u0303<\/tspan>/);
  assert.equal(labelText('$x_{t-1}$ given $x_t$'), 'x_t_−_1 given x_t');
  assert.ok(labelWidth('$x_{t−1}$', 14) < labelWidth('x_{t−1}', 14));
  assert.deepEqual(wrapLabel('a b $c d$ e', 30, 14), ['a b', '$c d$', 'e']);
});
