// The notebooks' figures: Observable Plot rendered to SVG in Node (on a linkedom document), inside a frame of our
// own that carries the title, the legend or colour bar, and math in labels (lib/mathtext.js).
//
// Sizes follow from the smallest screen a reader uses. A figure is an SVG with a viewBox, shown at its own width
// on a desktop and scaled down to fit a phone (390 px less the page's padding: PHONE_WIDTH). Every font is chosen
// so that after that scaling it is still at least MIN_PHONE_FONT px (fontsFor), and scripts/check-svg.cjs checks
// every figure the notebooks emit for clipped or overlapping text, zero-size marks and fonts below that size.
'use strict';
const Plot = require('@observablehq/plot');
const { parseHTML } = require('linkedom');
const { SCRIPT_SIZE, labelMarkup, labelText, labelWidth, textWidth, wrapLabel, escapeXml } = require('./mathtext');

/** The width in CSS px a figure gets on a 390 px phone (the site's and Jupyter's padding taken off). */
const PHONE_WIDTH = 358;
/** The smallest font, in CSS px, a reader should meet on that phone; subscripts and superscripts may go to 7. */
const MIN_PHONE_FONT = 9;
const MIN_PHONE_SCRIPT = 7;
/** Default figure size: wide enough for 1000 time steps, narrow enough that 13 px type stays ≥ 9 px on a phone. */
const WIDTH = 500;
const HEIGHT = 300;
/** Series colours (Observable's tableau10) and dash patterns: a curve drawn over another stays visible. */
const COLORS = ['#4269d0', '#efb118', '#ff725c', '#6cc5b0', '#3ca951', '#ff8ab7', '#a463f2', '#97bbf5', '#9c6b4e', '#9498a0'];
const DASHES = [null, '7 4', '2 3', '10 3 2 3'];
const FONT_FAMILY = 'system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif';

/**
 * Font sizes (px, in the figure's own units) for a figure `width` px wide, so that a phone shows them ≥ 9 px and the
 * subscripts and superscripts of math in them (SCRIPT_SIZE of the font) ≥ 7 px.
 */
function fontsFor(width) {
  const phoneFont = Math.max(MIN_PHONE_FONT, MIN_PHONE_SCRIPT / SCRIPT_SIZE);
  const least = Math.ceil((phoneFont * Math.max(width, PHONE_WIDTH)) / PHONE_WIDTH);
  return { tick: Math.max(13, least), label: Math.max(14, least), title: Math.max(15, least + 1), legend: Math.max(14, least) };
}

/**
 * A tick label for a log axis: plain decimals from 0.001 to 99999, otherwise m×10ⁿ (never SI prefixes such as
 * "300m" or "400µ", which read as metres and micro-units).
 */
function logTickFormat(v) {
  if (v === 0) return '0';
  const abs = Math.abs(v);
  if (abs >= 1e-3 && abs < 1e5) return String(+v.toPrecision(6));
  const exponent = Math.floor(Math.log10(abs) + 1e-9);
  const mantissa = +(v / 10 ** exponent).toPrecision(3);
  const superscript = String(exponent).replace(/[-0-9]/g, (c) => '⁻⁰¹²³⁴⁵⁶⁷⁸⁹'['-0123456789'.indexOf(c)]);
  return mantissa === 1 ? `10${superscript}` : `${mantissa}×10${superscript}`;
}

/** Ticks of a log axis over [lo, hi]: the powers of ten, with 2× and 5× added when fewer than three decades show. */
function logTicks(lo, hi) {
  const ticks = [];
  const decades = Math.log10(hi / lo);
  const steps = decades < 2.5 ? [1, 2, 5] : [1];
  const every = decades > 8 ? Math.ceil(decades / 6) : 1;
  for (let e = Math.floor(Math.log10(lo)); e <= Math.ceil(Math.log10(hi)); e++) {
    if (e % every !== 0) continue;
    for (const m of steps) {
      const v = Number(`${m}e${e}`);
      if (v >= lo * (1 - 1e-9) && v <= hi * (1 + 1e-9)) ticks.push(v);
    }
  }
  return ticks;
}

/** Options of a continuous axis: its label (math allowed) and, for a log axis, decade domain and plain ticks. */
function axis(label, type, values, extra = {}) {
  if (type !== 'log') return { label, ...extra };
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of values) if (v > 0 && Number.isFinite(v)) { if (v < lo) lo = v; if (v > hi) hi = v; }
  if (!(lo < hi)) throw new Error(`log axis "${labelText(label)}": needs at least two distinct positive values`);
  const domain = [10 ** Math.floor(Math.log10(lo) + 1e-9), 10 ** Math.ceil(Math.log10(hi) - 1e-9)];
  return { label, type: 'log', domain, ticks: logTicks(...domain), tickFormat: logTickFormat, ...extra };
}

/**
 * Render a Plot specification to an SVG element sized for its width: fonts from fontsFor, margins grown until
 * the tick labels fit (a first render measures them), axis labels set as math. Returns the element.
 */
function renderPlot(spec) {
  const width = spec.width ?? WIDTH;
  const fonts = fontsFor(width);
  const margins = {
    marginTop: spec.y?.axis === null ? 8 : fonts.label + 14,
    marginBottom: spec.x?.axis === null ? 8 : fonts.tick + fonts.label + 18,
    marginLeft: 40,
    marginRight: 16,
  };
  let node = null;
  for (let pass = 0; pass < 3; pass++) {
    const { document } = parseHTML('<!doctype html><html><body></body></html>');
    node = Plot.plot({ ...margins, ...spec, width, x: { labelArrow: 'none', ...spec.x }, y: { labelArrow: 'none', ...spec.y }, document });
    if (node.tagName.toLowerCase() !== 'svg') throw new Error('renderPlot: Plot returned a <figure>; titles and legends go through the figure frame');
    // Tick labels decide the side margins: the widest y label must fit left of the axis, the last x label's half
    // right of the frame.
    const widest = (aria) => Math.max(0, ...[...node.querySelectorAll(`g[aria-label="${aria}"] text`)].map((t) => textWidth(t.textContent, fonts.tick)));
    const left = Math.ceil(widest('y-axis tick label') + 14);
    const lastX = [...node.querySelectorAll('g[aria-label="x-axis tick label"] text')].pop();
    const right = lastX ? Math.ceil(textWidth(lastX.textContent, fonts.tick) / 2 + 6) : 0;
    const grown = { marginLeft: Math.max(margins.marginLeft, left), marginRight: Math.max(margins.marginRight, right) };
    if (spec.marginLeft !== undefined || (grown.marginLeft === margins.marginLeft && grown.marginRight === margins.marginRight)) break;
    Object.assign(margins, grown);
  }
  node.setAttribute('font-size', String(fonts.tick));
  node.setAttribute('font-family', FONT_FAMILY);
  // Plot's stylesheet (height: auto; max-width: 100%) would act on this <svg> once nested in the frame.
  node.querySelector('style')?.remove();
  node.removeAttribute('class');
  for (const label of node.querySelectorAll('g[aria-label$="-axis label"] text')) {
    const text = label.textContent;
    label.setAttribute('font-size', String(fonts.label));
    label.innerHTML = labelMarkup(text, fonts.label);
  }
  return node;
}

/**
 * Frame a body (an SVG element or {markup, width, height}) with a title and a legend above it: one standalone SVG
 * string with a viewBox, which scales down on narrow screens.
 * @param legend - {swatches: [{name, color, kind: 'line'|'dot'|'rect', dash}]} or {ramp: SVG element}
 */
function frame({ title, body, legend }) {
  const width = Number(body.getAttribute?.('width') ?? body.width);
  const bodyHeight = Number(body.getAttribute?.('height') ?? body.height);
  const fonts = fontsFor(width);
  const pad = 6;
  const parts = [];
  let y = pad;
  if (title) {
    for (const line of wrapLabel(title, width - 2 * pad, fonts.title, true)) {
      y += fonts.title;
      parts.push(`<text x="${pad}" y="${y}" font-size="${fonts.title}" font-weight="bold">${labelMarkup(line, fonts.title)}</text>`);
      y += Math.round(fonts.title * 0.3);
    }
    y += 4;
  }
  if (legend?.swatches?.length) {
    const rowHeight = fonts.legend + 8;
    let x = pad;
    let row = 0;
    for (const s of legend.swatches) {
      const itemWidth = 26 + labelWidth(s.name, fonts.legend) + 16;
      if (x > pad && x + itemWidth > width - pad) { x = pad; row += 1; }
      const cy = y + row * rowHeight + rowHeight / 2;
      const swatch = s.kind === 'dot' ? `<circle cx="${x + 9}" cy="${cy}" r="4" fill="${s.color}"/>`
        : s.kind === 'rect' ? `<rect x="${x + 3}" y="${cy - 6}" width="12" height="12" fill="${s.color}"/>`
          : `<path d="M${x},${cy}H${x + 20}" stroke="${s.color}" stroke-width="${s.width ?? 2.5}"${s.dash ? ` stroke-dasharray="${s.dash}"` : ''}/>`;
      parts.push(`${swatch}<text x="${x + 26}" y="${cy}" dy="0.35em" font-size="${fonts.legend}">${labelMarkup(s.name, fonts.legend)}</text>`);
      x += itemWidth;
    }
    y += (row + 1) * rowHeight + 4;
  }
  if (legend?.ramp) {
    legend.ramp.setAttribute('x', String(pad));
    legend.ramp.setAttribute('y', String(y));
    parts.push(legend.ramp.outerHTML);
    y += Number(legend.ramp.getAttribute('height')) + 4;
  }
  const bodyMarkup = body.outerHTML !== undefined
    ? (body.setAttribute('x', '0'), body.setAttribute('y', String(y)), body.outerHTML)
    : `<g transform="translate(0,${y})">${body.markup}</g>`;
  const height = Math.ceil(y + bodyHeight);
  const label = title ? `<title>${escapeXml(labelText(title))}</title>` : '';
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" ` +
    `font-family='${FONT_FAMILY}' font-size="${fonts.tick}" fill="currentColor" style="color:#222;max-width:100%;height:auto">` +
    `${label}<rect width="100%" height="100%" fill="white"/>${parts.join('')}${bodyMarkup}</svg>`;
}

/**
 * The stroke width of series k of n: with several series the first is drawn wider, so where a later (dashed) one
 * runs on top of it, as S2's β schedule does on S0's, both stay visible.
 */
function lineWidth(k, n) {
  return n > 1 && k === 0 ? 4 : 2;
}

/** Legend swatches for named series, coloured, dashed and as wide as the series' marks are. */
function swatches(names, kind) {
  return { swatches: names.map((name, k) => ({ name, color: COLORS[k % COLORS.length], dash: kind === 'line' ? DASHES[k % DASHES.length] : null, width: kind === 'line' ? lineWidth(k, names.length) : null, kind })) };
}

/**
 * Render an Observable Plot specification inside the figure frame. Plot's own titles and legends are HTML
 * (<figure>), which an SVG cannot hold, so they are drawn by the frame instead.
 * @param legend - series names to list above the plot, coloured like the `series` channel
 */
function plotSvg(spec, { title, legend = [] } = {}) {
  const body = renderPlot({ color: { domain: legend.length ? legend : undefined, range: COLORS }, ...spec });
  return frame({ title, body, legend: legend.length ? swatches(legend, 'rect') : null });
}

/** Display an SVG string as an image/svg+xml output (kept by nbconvert and by the site's converter). */
function show(svg) {
  require('tslab').display.svg(svg);
}

/** Rows {x, y, series} from named arrays of [x, y] points, for line plots. */
function seriesRows(series) {
  return Object.entries(series).flatMap(([name, pts]) => pts.map(([x, y]) => ({ x, y, series: name })));
}

/** A line plot of one or more named series; several series get a legend and each its own colour and dash. */
function linePlot({ series, x = 'x', y = 'y', yType = 'linear', title, width = WIDTH, height = HEIGHT }) {
  const names = Object.keys(series);
  const rows = seriesRows(series);
  // A series of one point (a training curve's first update) is a dot: a line through one point draws nothing.
  const lines = names.map((name, k) => {
    const own = rows.filter((r) => r.series === name);
    const color = COLORS[k % COLORS.length];
    return own.length === 1 ? Plot.dot(own, { x: 'x', y: 'y', fill: color, r: 3 })
      : Plot.line(own, { x: 'x', y: 'y', stroke: color, strokeWidth: lineWidth(k, names.length), strokeDasharray: DASHES[k % DASHES.length] ?? undefined });
  });
  const body = renderPlot({
    width,
    height,
    x: axis(x, 'linear', []),
    y: axis(y, yType, rows.map((r) => r.y), { grid: true }),
    marks: lines,
  });
  return frame({ title, body, legend: names.length > 1 ? swatches(names, 'line') : null });
}

/** A normalised histogram of samples with optional density curves on top. */
function histogramPlot({ samples, curves = {}, x = 'x', title, bins = 60, width = WIDTH, height = HEIGHT }) {
  // The bins cover what the x axis shows: the samples and the curves. Binning only the samples' own range would
  // make bins of a sliver of the axis when the samples crowd into a corner of it (greedy sampling puts 2000
  // samples within 0.15 of a range of 8: 60 bars each under a pixel wide).
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of samples) { if (v < lo) lo = v; if (v > hi) hi = v; }
  for (const pts of Object.values(curves)) for (const [xv] of pts) { if (xv < lo) lo = xv; if (xv > hi) hi = xv; }
  const binWidth = (hi - lo) / bins;
  if (!(binWidth > 0)) throw new Error(`histogramPlot "${labelText(title ?? '')}": the samples span no range (all equal to ${lo})`);
  // Explicit equal-width edges: a bin count alone makes Plot pick "nice" edges of another width (e.g. 80 bins of 0.1
  // for 60 asked over a range of 8), and the curves, scaled by binWidth, would stand up to 40% off the bars. The last
  // edge sits just past the maximum because Plot's bins are half-open.
  const edges = Array.from({ length: bins + 1 }, (_, k) => (k === bins ? hi + 1e-6 * binWidth : lo + k * binWidth));
  // Bars without Plot's default half-pixel insets: a bin narrower than a pixel would otherwise get width 0.
  const marks = [
    Plot.rectY(Array.from(samples, (v) => ({ v })), Plot.binX({ y: 'proportion-facet' }, { x: 'v', thresholds: edges, fill: '#9bb', insetLeft: 0, insetRight: 0 })),
  ];
  const names = Object.keys(curves);
  names.forEach((name, k) => {
    const pts = curves[name].map(([xv, d]) => ({ x: xv, y: d * binWidth }));
    marks.push(Plot.line(pts, { x: 'x', y: 'y', stroke: COLORS[k % COLORS.length], strokeWidth: 2, strokeDasharray: DASHES[k % DASHES.length] ?? undefined }));
  });
  const body = renderPlot({ width, height, x: axis(x, 'linear', []), y: axis('share of samples', 'linear', [], { grid: true }), marks });
  const legend = [{ name: 'samples', color: '#9bb', kind: 'rect' }, ...swatches(names, 'line').swatches];
  return frame({ title, body, legend: names.length ? { swatches: legend } : null });
}

/** A scatter plot of named 2-D point sets (flat row-major [x0, y0, x1, y1, …]). */
function scatterPlot({ sets, title, x = '', y = '', width = 420, height = 400 }) {
  const names = Object.keys(sets);
  const marks = names.map((name, k) => {
    const flat = sets[name];
    const rows = [];
    for (let i = 0; i + 1 < flat.length; i += 2) rows.push({ x: flat[i], y: flat[i + 1] });
    return Plot.dot(rows, { x: 'x', y: 'y', fill: COLORS[k % COLORS.length], r: 2, fillOpacity: 0.6 });
  });
  const body = renderPlot({ width, height, grid: true, inset: 6, x: axis(x || null, 'linear', []), y: axis(y || null, 'linear', []), marks });
  return frame({ title, body, legend: names.length > 1 ? swatches(names, 'dot') : null });
}

/** The colour scale of a heat map: log (positive values spanning decades) or diverging (signed, centred at 0). */
function colorScale(color, values) {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of values) if (Number.isFinite(v) && (color !== 'log' || v > 0)) { if (v < lo) lo = v; if (v > hi) hi = v; }
  if (color === 'log') return { type: 'log', scheme: 'viridis', domain: [lo, hi] };
  if (color === 'diverging') {
    // Symmetric about 0 and rounded up to one significant digit (0.9999 → 1), so the bar ends on a tick.
    const m = Math.max(Math.abs(lo), Math.abs(hi));
    const unit = 10 ** Math.floor(Math.log10(m));
    const edge = Math.ceil(+(m / unit).toPrecision(12)) * unit;
    return { type: 'linear', scheme: 'rdbu', reverse: true, domain: [-edge, edge] };
  }
  return { type: 'linear', scheme: 'viridis', domain: [lo, hi] };
}

/** A colour bar for a continuous colour scale: 120 slices of the scale over its domain, with its own axis. */
function colorBar(scale, label, width) {
  const [lo, hi] = scale.domain;
  const n = 120;
  const at = (k) => (scale.type === 'log' ? lo * (hi / lo) ** (k / n) : lo + ((hi - lo) * k) / n);
  const slices = Array.from({ length: n }, (_, k) => ({ v1: at(k), v2: at(k + 1), v: at(k + 0.5) }));
  const fonts = fontsFor(width);
  const barWidth = Math.min(width - 12, Math.max(260, width * 0.6));
  const xAxis = scale.type === 'log'
    ? { ...axis(label, 'log', scale.domain), domain: scale.domain, ticks: logTicks(lo, hi) }
    : { label, domain: scale.domain, ticks: Math.max(3, Math.floor(barWidth / 70)) };
  return renderPlot({
    width: barWidth,
    height: 12 + fonts.tick + fonts.label + 20,
    marginTop: 4,
    marginBottom: fonts.tick + fonts.label + 14,
    marginLeft: 12,
    marginRight: 16,
    x: xAxis,
    y: { axis: null, domain: [0, 1] },
    color: scale,
    marks: [Plot.rect(slices, { x1: 'v1', x2: 'v2', y1: 0, y2: 1, fill: 'v', insetLeft: 0, insetRight: 0, shapeRendering: 'crispEdges' })],
  });
}

/**
 * A heat map of z(x, y) over a grid, with a colour bar. The cells are rectangles on continuous axes (so the axes
 * get a few ticks, not one per grid value).
 * @param color - 'log' for positive values spanning decades (the default), 'diverging' for signed values centred
 *   at 0, 'linear' otherwise
 */
function heatmapPlot({ xs, ys, z, x = 'x', y = 'y', color = 'log', colorLabel = 'value', title, width = WIDTH, height = 380 }) {
  const half = (grid) => (grid.length > 1 ? Math.abs(grid[grid.length - 1] - grid[0]) / (grid.length - 1) / 2 : 0.5);
  const [hx, hy] = [half(xs), half(ys)];
  const rows = [];
  for (const xv of xs) for (const yv of ys) rows.push({ x1: xv - hx, x2: xv + hx, y1: yv - hy, y2: yv + hy, z: z(xv, yv) });
  const scale = colorScale(color, rows.map((r) => r.z));
  const body = renderPlot({
    width,
    height,
    x: axis(x, 'linear', []),
    y: axis(y, 'linear', []),
    color: scale,
    // crispEdges: antialiased neighbours would leave hairline white seams between the cells.
    marks: [Plot.rect(rows, { x1: 'x1', x2: 'x2', y1: 'y1', y2: 'y2', fill: 'z', inset: 0, shapeRendering: 'crispEdges' })],
  });
  return frame({ title, body, legend: { ramp: colorBar(scale, colorLabel, width) } });
}

/** A grid of grey images (values in [-1, 1]), each h×w, drawn as cells. */
function imageGridPlot({ images, h, w, labels = [], title, cell = 3 }) {
  const rows = [];
  images.forEach((img, k) => {
    for (let i = 0; i < h; i++) for (let j = 0; j < w; j++) rows.push({ k: labels[k] ?? String(k), i, j, v: img[i * w + j] });
  });
  const width = Math.max(240, images.length * (w * cell + 12) + 20);
  const body = renderPlot({
    width,
    height: h * cell + fontsFor(width).tick + 24,
    marginTop: fontsFor(width).tick + 12,
    marginBottom: 8,
    marginLeft: 10,
    marginRight: 10,
    fx: { label: null, axis: 'top', domain: images.map((_, k) => labels[k] ?? String(k)), padding: 0.08 },
    x: { axis: null, padding: 0 },
    y: { axis: null, padding: 0 },
    color: { domain: [-1, 1], scheme: 'greys', reverse: true },
    marks: [Plot.cell(rows, { fx: 'k', x: 'j', y: 'i', fill: 'v', inset: 0 })],
  });
  return frame({ title, body });
}

/** Widest a digit grid is drawn (px): wider would be scaled down on a desktop too, and its labels with it. */
const DIGIT_GRID_MAX_WIDTH = 760;

/**
 * A grid of digit images, readable at a glance: core's PNG grid (2-pixel gaps) scaled up by nearest neighbour,
 * a label left of each row and above each column, a title above. `images` is a tensor [rows·cols, s, s, 1] in
 * [−1, 1], row by row. The scale shrinks (never below 1) to keep the grid within DIGIT_GRID_MAX_WIDTH. Returns an
 * SVG string (the PNG inside it as a data URI).
 */
function digitGrid({ images, cols, rowLabels = [], colLabels = [], title, scale = 3, rowTitle = '', colTitle = '' }) {
  const { imageGridPng } = require('@ddpm-derived/core');
  const [n, side] = images.shape;
  const rows = Math.ceil(n / cols);
  const unitsWide = cols * (side + 2) + 2;
  const px = Math.max(1, Math.min(scale, Math.floor(DIGIT_GRID_MAX_WIDTH / unitsWide)));
  const gridW = unitsWide * px;
  const gridH = (rows * (side + 2) + 2) * px;
  // Fonts follow the width the labels end up in (estimated first with the grid alone, then with the labels).
  let fonts = fontsFor(gridW + 12);
  const labelsWidth = () => Math.max(rowTitle ? labelWidth(rowTitle, fonts.legend) : 0, ...rowLabels.map((l) => labelWidth(String(l), fonts.legend)));
  let left = rowLabels.length ? Math.ceil(labelsWidth() + 12) : 6;
  fonts = fontsFor(left + gridW + 6);
  left = rowLabels.length ? Math.ceil(labelsWidth() + 12) : 6;
  const width = left + gridW + 6;
  const top = 4 + (colTitle ? fonts.legend + 6 : 0) + (colLabels.length || rowTitle ? fonts.legend + 6 : 0);
  const png = imageGridPng(images, cols).toString('base64');
  const texts = [];
  const colY = top - 5;
  if (colTitle) texts.push(`<text x="${left + gridW / 2}" y="${colY - fonts.legend - 4}" font-size="${fonts.legend}" text-anchor="middle" fill="#555">${labelMarkup(colTitle, fonts.legend)}</text>`);
  colLabels.forEach((l, j) => texts.push(`<text x="${left + (2 + j * (side + 2) + side / 2) * px}" y="${colY}" font-size="${fonts.legend}" text-anchor="middle">${labelMarkup(String(l), fonts.legend)}</text>`));
  if (rowTitle) texts.push(`<text x="4" y="${colY}" font-size="${fonts.legend}" fill="#555">${labelMarkup(rowTitle, fonts.legend)}</text>`);
  rowLabels.forEach((l, i) => texts.push(`<text x="${left - 6}" y="${top + (2 + i * (side + 2) + side / 2) * px}" dy="0.35em" font-size="${fonts.legend}" text-anchor="end">${labelMarkup(String(l), fonts.legend)}</text>`));
  const markup = `${texts.join('')}<image x="${left}" y="${top}" width="${gridW}" height="${gridH}" style="image-rendering:pixelated" preserveAspectRatio="none" href="data:image/png;base64,${png}"/>`;
  return frame({ title, body: { markup, width, height: top + gridH + 6 } });
}

module.exports = { PHONE_WIDTH, MIN_PHONE_FONT, MIN_PHONE_SCRIPT, fontsFor, logTickFormat, logTicks, plotSvg, show, linePlot, histogramPlot, scatterPlot, heatmapPlot, imageGridPlot, digitGrid };
