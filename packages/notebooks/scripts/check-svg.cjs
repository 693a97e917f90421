// Layout check of a figure's SVG, by geometry alone (no browser): every text inside the figure's box, no two texts
// overlapping, no tick label with an SI prefix ("300m"), no rect/circle/path/image of zero size or with NaN
// coordinates, every font at least MIN_PHONE_FONT px (scripts MIN_PHONE_SCRIPT) once the figure is scaled down to
// a phone's width. Text extents are estimated from the font size and the characters (lib/mathtext.js's widths,
// which are DejaVu Sans's rounded up), so the check errs on the side of reporting. Used by run-notebooks.cjs on every image/svg+xml output and by test/plots.test.cjs.
'use strict';
const { parseHTML } = require('linkedom');
const { textWidth } = require('../lib/mathtext');
const { PHONE_WIDTH, MIN_PHONE_FONT, MIN_PHONE_SCRIPT } = require('../lib/plots');

/** How far (px) a text may reach past the figure's edge, and how much two texts may touch, before it counts. */
const SLACK = 1;
/** The least width (px) of a rect: a bar or cell narrower than this does not show. (Heights may be small: a
 *  histogram's tail bin of one sample in 50 000 stands a hundredth of a pixel tall, rightly.) */
const MIN_MARK = 0.5;
/** Ascent and descent of a line, in em, and the share of them that two lines may share before they overlap. */
const ASCENT = 0.78;
const DESCENT = 0.22;

// 2-D affine maps [a, b, c, d, e, f]: (x, y) → (a·x + c·y + e, b·x + d·y + f), as SVG writes them.
const IDENTITY = [1, 0, 0, 1, 0, 0];
const multiply = (m, n) => [
  m[0] * n[0] + m[2] * n[1], m[1] * n[0] + m[3] * n[1],
  m[0] * n[2] + m[2] * n[3], m[1] * n[2] + m[3] * n[3],
  m[0] * n[4] + m[2] * n[5] + m[4], m[1] * n[4] + m[3] * n[5] + m[5],
];
const apply = (m, x, y) => [m[0] * x + m[2] * y + m[4], m[1] * x + m[3] * y + m[5]];

/** The map of a transform attribute (translate, scale, rotate, matrix). */
function parseTransform(text) {
  let m = IDENTITY;
  for (const [, op, args] of String(text ?? '').matchAll(/(\w+)\s*\(([^)]*)\)/g)) {
    const v = args.split(/[\s,]+/).filter(Boolean).map(Number);
    if (op === 'translate') m = multiply(m, [1, 0, 0, 1, v[0], v[1] ?? 0]);
    else if (op === 'scale') m = multiply(m, [v[0], 0, 0, v[1] ?? v[0], 0, 0]);
    else if (op === 'rotate') {
      const r = (v[0] * Math.PI) / 180;
      const [cx, cy] = [v[1] ?? 0, v[2] ?? 0];
      m = multiply(multiply(multiply(m, [1, 0, 0, 1, cx, cy]), [Math.cos(r), Math.sin(r), -Math.sin(r), Math.cos(r), 0, 0]), [1, 0, 0, 1, -cx, -cy]);
    } else if (op === 'matrix') m = multiply(m, v);
  }
  return m;
}

/** The bounding box, in the figure's coordinates, of a rectangle [x0, y0, x1, y1] under a map. */
function mapBox(m, [x0, y0, x1, y1]) {
  const pts = [apply(m, x0, y0), apply(m, x1, y0), apply(m, x0, y1), apply(m, x1, y1)];
  const xs = pts.map((p) => p[0]);
  const ys = pts.map((p) => p[1]);
  return [Math.min(...xs), Math.min(...ys), Math.max(...xs), Math.max(...ys)];
}

/** A length attribute in px: plain numbers, "px" and "em" (relative to `fontSize`). */
function length(value, fontSize) {
  if (value === null || value === undefined || value === '') return 0;
  const s = String(value).trim().split(/[\s,]+/)[0];
  return s.endsWith('em') ? parseFloat(s) * fontSize : parseFloat(s);
}

/** An attribute or the same property in the style attribute. */
function property(el, name) {
  const style = el.getAttribute?.('style') ?? '';
  const m = new RegExp(`(?:^|;)\\s*${name}\\s*:\\s*([^;]+)`).exec(style);
  return m ? m[1].trim() : el.getAttribute?.(name) ?? null;
}

/**
 * The boxes of a <text>: one per chunk (a run of characters starting at an absolute x), each placed by its
 * text-anchor, spanning the ascent and descent of every font size and baseline shift inside it.
 */
function textBoxes(text, m, inherited) {
  const chunks = [];
  let chunk = null;
  let [x, y] = [0, 0];
  const walk = (el, style) => {
    const fontSize = length(property(el, 'font-size') ?? style.fontSize, style.fontSize) || style.fontSize;
    const s = { fontSize, anchor: property(el, 'text-anchor') ?? style.anchor, bold: /bold|[6-9]00/.test(property(el, 'font-weight') ?? (style.bold ? 'bold' : '')) };
    if (el.hasAttribute('x')) { x = length(el.getAttribute('x'), fontSize); chunk = null; }
    if (el.hasAttribute('y')) y = length(el.getAttribute('y'), fontSize);
    x += length(el.getAttribute('dx'), fontSize);
    y += length(el.getAttribute('dy'), fontSize);
    for (const child of el.childNodes) {
      if (child.nodeType === 3) {
        const content = child.textContent.replace(/\u200b/g, '');
        if (!content) continue;
        if (!chunk) { chunk = { x0: x, width: 0, top: Infinity, bottom: -Infinity, anchor: s.anchor, fonts: [], text: '' }; chunks.push(chunk); }
        const w = textWidth(content, s.fontSize, s.bold);
        chunk.width += w;
        x += w;
        chunk.top = Math.min(chunk.top, y - ASCENT * s.fontSize);
        chunk.bottom = Math.max(chunk.bottom, y + DESCENT * s.fontSize);
        chunk.fonts.push(s.fontSize);
        chunk.text += content;
      } else if (child.nodeType === 1 && child.tagName.toLowerCase() === 'tspan') walk(child, s);
    }
  };
  walk(text, inherited);
  return chunks.map((c) => {
    const shift = c.anchor === 'middle' ? -c.width / 2 : c.anchor === 'end' ? -c.width : 0;
    return { box: mapBox(m, [c.x0 + shift, c.top, c.x0 + shift + c.width, c.bottom]), text: c.text, baseFont: Math.max(...c.fonts), minFont: Math.min(...c.fonts) };
  });
}

/** The bounding box of a path's coordinates (absolute and relative commands; arcs by their end points). */
function pathBox(d) {
  const tokens = String(d ?? '').match(/[a-zA-Z]|-?(?:\d+\.?\d*|\.\d+)(?:e[-+]?\d+)?|NaN|Infinity/gi) ?? [];
  let [x, y, startX, startY] = [0, 0, 0, 0];
  const xs = [];
  const ys = [];
  let cmd = '';
  let nan = false;
  const take = (count) => tokens.splice(0, count).map(Number);
  while (tokens.length) {
    if (/^[a-zA-Z]$/.test(tokens[0]) && !/^(NaN|Infinity)$/i.test(tokens[0])) cmd = tokens.shift();
    const rel = cmd === cmd.toLowerCase();
    const C = cmd.toUpperCase();
    const n = { M: 2, L: 2, T: 2, H: 1, V: 1, C: 6, S: 4, Q: 4, A: 7, Z: 0 }[C];
    if (n === undefined) break;
    if (n === 0) { x = startX; y = startY; xs.push(x); ys.push(y); if (!tokens.length || /^[a-zA-Z]$/.test(tokens[0])) continue; }
    const v = take(n);
    if (v.some((u) => !Number.isFinite(u))) { nan = true; break; }
    const pts = C === 'H' ? [[rel ? x + v[0] : v[0], y]] : C === 'V' ? [[x, rel ? y + v[0] : v[0]]]
      : C === 'A' ? [[rel ? x + v[5] : v[5], rel ? y + v[6] : v[6]]]
        : Array.from({ length: n / 2 }, (_, k) => [rel ? x + v[2 * k] : v[2 * k], rel ? y + v[2 * k + 1] : v[2 * k + 1]]);
    for (const [px, py] of pts) { xs.push(px); ys.push(py); }
    [x, y] = pts[pts.length - 1];
    if (C === 'M') { [startX, startY] = [x, y]; cmd = rel ? 'l' : 'L'; }
  }
  if (nan) return { nan: true };
  if (!xs.length) return { empty: true };
  return { box: [Math.min(...xs), Math.min(...ys), Math.max(...xs), Math.max(...ys)] };
}

const describe = (el) => {
  const aria = el.closest?.('[aria-label]')?.getAttribute('aria-label');
  return `<${el.tagName.toLowerCase()}>${aria ? ` in "${aria}"` : ''}`;
};
const overlap = (a, b) => Math.min(a[2], b[2]) - Math.max(a[0], b[0]) > SLACK && Math.min(a[3], b[3]) - Math.max(a[1], b[1]) > SLACK;
const round = (box) => box.map((v) => Math.round(v)).join(',');

/** Problems of one SVG string, each a sentence; [] when the figure passes. */
function checkSvg(svg) {
  const { document } = parseHTML(`<!doctype html><html><body>${svg}</body></html>`);
  const root = document.querySelector('svg');
  if (!root) return ['no <svg> element'];
  const viewBox = (root.getAttribute('viewBox') ?? '').split(/[\s,]+/).map(Number);
  const width = Number(root.getAttribute('width')) || viewBox[2];
  const height = Number(root.getAttribute('height')) || viewBox[3];
  const box = viewBox.length === 4 && viewBox.every(Number.isFinite) ? [viewBox[0], viewBox[1], viewBox[0] + viewBox[2], viewBox[1] + viewBox[3]] : [0, 0, width, height];
  if (!(width > 0 && height > 0)) return [`the figure has no size (width ${width}, height ${height})`];
  // The figure is shown at its own width on a desktop and at most PHONE_WIDTH px wide on a phone.
  const phoneScale = Math.min(1, PHONE_WIDTH / width) * (width / (box[2] - box[0]));
  const problems = [];
  const texts = [];
  const walk = (el, m, style) => {
    const tag = el.tagName.toLowerCase();
    if (tag === 'style' || tag === 'title' || tag === 'defs' || tag === 'clippath') return;
    let map = multiply(m, parseTransform(el.getAttribute('transform')));
    if (tag === 'svg' && el !== root) map = multiply(map, [1, 0, 0, 1, length(el.getAttribute('x')), length(el.getAttribute('y'))]);
    const fontSize = length(property(el, 'font-size'), style.fontSize) || style.fontSize;
    const s = { fontSize, anchor: property(el, 'text-anchor') ?? style.anchor, bold: /bold|[6-9]00/.test(property(el, 'font-weight') ?? (style.bold ? 'bold' : '')) };
    if (tag === 'text') {
      for (const t of textBoxes(el, map, style)) {
        texts.push({ ...t, el });
        // d3's SI format writes 0.3 as "300m" and 4e-4 as "400µ", which read as metres and micro-units.
        if (/tick label/.test(el.closest?.('[aria-label]')?.getAttribute('aria-label') ?? '') && /^−?[\d.]+[yzafpnµumkMGTPEZY]$/.test(t.text.trim())) {
          problems.push(`tick label "${t.text}" (${describe(el)}) uses an SI prefix: write a decimal or m×10ⁿ`);
        }
        const [x0, y0, x1, y1] = t.box;
        if (x0 < box[0] - SLACK || y0 < box[1] - SLACK || x1 > box[2] + SLACK || y1 > box[3] + SLACK) {
          problems.push(`text "${t.text}" (${describe(el)}) reaches outside the figure: box ${round(t.box)}, figure ${round(box)}`);
        }
        // The text's own size (its largest font) and its scripts' (the smallest), as a phone shows them.
        const [base, script] = [t.baseFont * phoneScale, t.minFont * phoneScale];
        if (base < MIN_PHONE_FONT - 1e-9) {
          problems.push(`text "${t.text}" (${describe(el)}) is ${base.toFixed(1)} px on a ${PHONE_WIDTH} px-wide phone (at least ${MIN_PHONE_FONT} px wanted)`);
        } else if (script < MIN_PHONE_SCRIPT - 1e-9) {
          problems.push(`the scripts of "${t.text}" (${describe(el)}) are ${script.toFixed(1)} px on a ${PHONE_WIDTH} px-wide phone (at least ${MIN_PHONE_SCRIPT} px wanted)`);
        }
      }
      return;
    }
    if (tag === 'rect' && !/%$/.test(el.getAttribute('width') ?? '')) {
      const w = Number(el.getAttribute('width'));
      const h = Number(el.getAttribute('height'));
      const x = Number(el.getAttribute('x') ?? 0);
      const y = Number(el.getAttribute('y') ?? 0);
      if (![w, h, x, y].every(Number.isFinite)) problems.push(`${describe(el)} has a non-numeric position or size (x ${x}, y ${y}, width ${w}, height ${h})`);
      else if (!(w > 0 && h > 0)) problems.push(`${describe(el)} has zero size (width ${w}, height ${h})`);
      else if (w < MIN_MARK) problems.push(`${describe(el)} is too thin to see (width ${w}; at least ${MIN_MARK} px wanted)`);
    }
    if (tag === 'image') {
      const w = Number(el.getAttribute('width'));
      const h = Number(el.getAttribute('height'));
      if (!(w > 0 && h > 0)) problems.push(`${describe(el)} has zero size (width ${w}, height ${h})`);
    }
    if (tag === 'circle') {
      const r = Number(el.getAttribute('r'));
      if (!(r > 0)) problems.push(`${describe(el)} has radius ${r}`);
    }
    if (tag === 'path' || tag === 'line') {
      const p = tag === 'line'
        ? { box: [0, 0, Number(el.getAttribute('x2')) - Number(el.getAttribute('x1')), Number(el.getAttribute('y2')) - Number(el.getAttribute('y1'))].map(Math.abs) }
        : pathBox(el.getAttribute('d'));
      if (p.nan || (p.box && !p.box.every(Number.isFinite))) problems.push(`${describe(el)} has NaN or infinite coordinates`);
      else if (p.empty) problems.push(`${describe(el)} draws nothing (empty d)`);
      else if (p.box[2] - p.box[0] <= 0 && p.box[3] - p.box[1] <= 0) problems.push(`${describe(el)} is a single point (zero width and height)`);
    }
    for (const child of el.children) walk(child, map, s);
  };
  walk(root, IDENTITY, { fontSize: 16, anchor: 'start', bold: false });
  for (let i = 0; i < texts.length; i++) {
    for (let j = i + 1; j < texts.length; j++) {
      if (overlap(texts[i].box, texts[j].box)) {
        problems.push(`texts "${texts[i].text}" (${describe(texts[i].el)}) and "${texts[j].text}" (${describe(texts[j].el)}) overlap: ${round(texts[i].box)} and ${round(texts[j].box)}`);
      }
    }
  }
  return problems;
}

module.exports = { checkSvg, textBoxes, pathBox, parseTransform };

if (require.main === module) {
  // node scripts/check-svg.cjs a.svg b.svg …: the problems of each file.
  const fs = require('node:fs');
  let bad = 0;
  for (const file of process.argv.slice(2)) {
    const problems = checkSvg(fs.readFileSync(file, 'utf8'));
    if (problems.length) bad += 1;
    console.log(`${problems.length ? '✗' : '✓'} ${file}`);
    problems.forEach((p) => console.log(`    ${p}`));
  }
  process.exit(bad ? 1 : 0);
}
