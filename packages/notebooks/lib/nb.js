// Helpers shared by the notebooks: backend set-up, the smoke/full size switch, step checks that throw a clear
// error, and plots rendered to SVG in Node (Observable Plot on a linkedom document) and displayed by tslab.
'use strict';
const tf = require('@tensorflow/tfjs-core');
require('@tensorflow/tfjs-backend-cpu');
const Plot = require('@observablehq/plot');
const { parseHTML } = require('linkedom');
const { assertClose } = require('@ddpm-derived/core');

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

function fmt(x) {
  return Math.abs(x) >= 1e-3 && Math.abs(x) < 1e4 ? x.toFixed(6) : x.toExponential(4);
}

/**
 * Render an Observable Plot specification to one standalone SVG string. Plot wraps titles and legends in an HTML
 * <figure>, which is not SVG; so the title and the legend are drawn as text marks inside the plot instead.
 * @param legend - series names to list in the top-right corner, coloured like the `series` channel
 */
function plotSvg(spec, { title, legend = [] } = {}) {
  const { document } = parseHTML('<!doctype html><html><body></body></html>');
  const marks = [...(spec.marks ?? [])];
  if (title) marks.push(Plot.text([title], { frameAnchor: 'top-left', dy: -22, fontSize: 13, fontWeight: 'bold', textAnchor: 'start', facet: 'super' }));
  legend.forEach((name, i) => marks.push(Plot.text([{ series: name }], { text: 'series', fill: 'series', frameAnchor: 'top-right', dx: -6, dy: 6 + 14 * i, textAnchor: 'end', fontSize: 11 })));
  // With a title, the y axis's label goes beside the axis (rotated) instead of into the top margin under the title.
  const ySpec = title && spec.y?.label ? { y: { ...spec.y, labelAnchor: 'center' }, marginLeft: Math.max(spec.marginLeft ?? 0, 60) } : {};
  const node = Plot.plot({ marginTop: title ? 34 : 20, ...spec, ...ySpec, marks, document });
  if (node.tagName.toLowerCase() !== 'svg') throw new Error('plotSvg: Plot returned a <figure>; pass title/legend through plotSvg’s options');
  node.setAttribute('xmlns', 'http://www.w3.org/2000/svg');
  return node.outerHTML;
}

/** Display an SVG string as an image/svg+xml output (kept by nbconvert and by the site's converter). */
function show(svg) {
  require('tslab').display.svg(svg);
}

/** Rows {x, y, series} from named arrays of [x, y] points, for line plots. */
function seriesRows(series) {
  return Object.entries(series).flatMap(([name, pts]) => pts.map(([x, y]) => ({ x, y, series: name })));
}

/** A line plot of one or more named series. */
function linePlot({ series, x = 'x', y = 'y', yType = 'linear', title, width = 640, height = 320 }) {
  return plotSvg(
    {
      width,
      height,
      x: { label: x },
      y: { label: y, type: yType, grid: true },
      marks: [Plot.line(seriesRows(series), { x: 'x', y: 'y', stroke: 'series' })],
    },
    { title, legend: Object.keys(series) },
  );
}

/** A normalised histogram of samples with optional density curves on top. */
function histogramPlot({ samples, curves = {}, x = 'x', title, bins = 60, width = 640, height = 320 }) {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of samples) { if (v < lo) lo = v; if (v > hi) hi = v; }
  const binWidth = (hi - lo) / bins;
  // Explicit equal-width edges: a bin count alone makes Plot pick "nice" edges of another width (e.g. 80 bins of 0.1
  // for 60 asked over a range of 8), and the curves, scaled by binWidth, would stand up to 40% off the bars. The last
  // edge sits just past the maximum because Plot's bins are half-open.
  const edges = binWidth > 0 ? Array.from({ length: bins + 1 }, (_, k) => (k === bins ? hi + 1e-6 * binWidth : lo + k * binWidth)) : bins;
  const marks = [
    Plot.rectY(Array.from(samples, (v) => ({ v })), Plot.binX({ y: 'proportion-facet' }, { x: 'v', thresholds: edges, fill: '#9bb' })),
  ];
  const n = samples.length;
  if (n) {
    for (const [name, pts] of Object.entries(curves)) {
      marks.push(Plot.line(pts.map(([xv, d]) => ({ x: xv, y: d * binWidth, series: name })), { x: 'x', y: 'y', stroke: 'series', strokeWidth: 2 }));
    }
  }
  return plotSvg({ width, height, x: { label: x }, y: { label: 'share of samples', grid: true }, marks }, { title, legend: Object.keys(curves) });
}

/** A scatter plot of named 2-D point sets (flat row-major [x0, y0, x1, y1, …]). */
function scatterPlot({ sets, title, width = 420, height = 420 }) {
  const rows = Object.entries(sets).flatMap(([name, flat]) => {
    const out = [];
    for (let i = 0; i + 1 < flat.length; i += 2) out.push({ x: flat[i], y: flat[i + 1], series: name });
    return out;
  });
  return plotSvg(
    { width, height, grid: true, marks: [Plot.dot(rows, { x: 'x', y: 'y', fill: 'series', r: 1.5, fillOpacity: 0.6 })] },
    { title, legend: Object.keys(sets) },
  );
}

/** A heat map of z(x, y) over a grid (for KL surfaces). */
function heatmapPlot({ xs, ys, z, x = 'x', y = 'y', title, width = 520, height = 420 }) {
  const rows = [];
  for (const xv of xs) for (const yv of ys) rows.push({ x: xv, y: yv, z: z(xv, yv) });
  return plotSvg({
    width,
    height,
    x: { label: x },
    y: { label: y },
    // Continuous legends draw on a canvas, which linkedom lacks: the colour scale is named in the title instead.
    color: { type: 'log', scheme: 'viridis' },
    marks: [Plot.cell(rows, { x: 'x', y: 'y', fill: 'z', inset: 0 })],
  }, { title });
}

/** A grid of grey images (values in [-1, 1]), each h×w, drawn as cells. */
function imageGridPlot({ images, h, w, labels = [], title, cell = 3 }) {
  const rows = [];
  images.forEach((img, k) => {
    for (let i = 0; i < h; i++) for (let j = 0; j < w; j++) rows.push({ k: labels[k] ?? String(k), i, j, v: img[i * w + j] });
  });
  return plotSvg(
    {
      width: images.length * (w * cell + 12) + 20,
      height: h * cell + 70,
      marginLeft: 10,
      marginRight: 10,
      fx: { label: null, domain: images.map((_, k) => labels[k] ?? String(k)), padding: 0.08 },
      x: { axis: null, padding: 0 },
      y: { axis: null, padding: 0 },
      color: { domain: [-1, 1], scheme: 'greys', reverse: true },
      marks: [Plot.cell(rows, { fx: 'k', x: 'j', y: 'i', fill: 'v', inset: 0 })],
    },
    { title },
  );
}

/**
 * A grid of digit images, readable at a glance: core's PNG grid (2-pixel gaps) scaled up by nearest neighbour,
 * a label left of each row and above each column, a title above. `images` is a tensor [rows·cols, s, s, 1] in
 * [−1, 1], row by row. Returns an SVG string (the PNG inside it as a data URI).
 */
function digitGrid({ images, cols, rowLabels = [], colLabels = [], title, scale = 3, rowTitle = '', colTitle = '' }) {
  const { imageGridPng } = require('@ddpm-derived/core');
  const [n, side] = images.shape;
  const rows = Math.ceil(n / cols);
  const gridW = (cols * (side + 2) + 2) * scale;
  const gridH = (rows * (side + 2) + 2) * scale;
  const left = rowLabels.length ? 14 + 8 * Math.max(rowTitle.length > 0 ? 1 : 0, ...rowLabels.map((l) => String(l).length)) : 6;
  const top = (title ? 26 : 6) + (colLabels.length ? 18 : 0) + (colTitle ? 14 : 0);
  const width = left + gridW + 6;
  const height = top + gridH + 6;
  const png = imageGridPng(images, cols).toString('base64');
  const esc = (t) => String(t).replace(/&/g, '&amp;').replace(/</g, '&lt;');
  const texts = [];
  if (title) texts.push(`<text x="4" y="16" font-size="13" font-weight="bold">${esc(title)}</text>`);
  if (colTitle) texts.push(`<text x="${left + gridW / 2}" y="${top - 20}" font-size="11" text-anchor="middle" fill="#555">${esc(colTitle)}</text>`);
  colLabels.forEach((l, j) => texts.push(`<text x="${left + (2 + j * (side + 2) + side / 2) * scale}" y="${top - 5}" font-size="11" text-anchor="middle">${esc(l)}</text>`));
  if (rowTitle) texts.push(`<text x="4" y="${top - 5}" font-size="11" fill="#555">${esc(rowTitle)}</text>`);
  rowLabels.forEach((l, i) => texts.push(`<text x="${left - 6}" y="${top + (2 + i * (side + 2) + side / 2) * scale + 4}" font-size="11" text-anchor="end">${esc(l)}</text>`));
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif">` +
    `<rect width="100%" height="100%" fill="white"/>${texts.join('')}` +
    `<image x="${left}" y="${top}" width="${gridW}" height="${gridH}" style="image-rendering:pixelated" preserveAspectRatio="none" href="data:image/png;base64,${png}"/></svg>`;
}

module.exports = { smoke, size, initBackend, check, checkClose, plotSvg, show, linePlot, histogramPlot, scatterPlot, heatmapPlot, imageGridPlot, digitGrid };
