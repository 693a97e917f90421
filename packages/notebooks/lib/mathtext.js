// Math in plot labels and titles, drawn as SVG text: a string's $…$ parts are set like TeX's inline math (Latin
// and Greek letters italic, real subscripts and superscripts, − for -), the rest as plain text.
//
// Why not KaTeX or MathJax: a notebook's figure is an SVG string that Jupyter, VS Code and the site show as an
// image, where KaTeX's HTML needs its stylesheet and web fonts (absent inside an <img>) and MathJax's SVG output
// would be a new multi-megabyte dependency drawing glyphs as paths, which the layout check below cannot measure.
// The notation of the plots is small (x_t, ᾱ_t, σ²_{t−1}, q(x_t | x_0), √·), so <tspan>s with a smaller font and a
// vertical shift render it everywhere SVG text renders, stay selectable text, and keep their width estimable.
'use strict';

/** TeX commands accepted inside $…$, as the characters they stand for. Unicode Greek may be typed directly too. */
const COMMANDS = {
  alpha: 'α', beta: 'β', gamma: 'γ', delta: 'δ', epsilon: 'ε', varepsilon: 'ε', eta: 'η', theta: 'θ', lambda: 'λ',
  mu: 'μ', pi: 'π', sigma: 'σ', tau: 'τ', phi: 'φ', omega: 'ω', Sigma: 'Σ', Delta: 'Δ',
  mid: '|', cdot: '·', times: '×', to: '→', approx: '≈', le: '≤', ge: '≥', sim: '∼', infty: '∞', Vert: '‖', '|': '‖',
  sqrt: '√', log: 'log', exp: 'exp', quad: '  ', ',': ' ',
};
/** Accents: \bar{α} and \tilde{β} become one letter with a combining mark. */
const ACCENTS = { bar: '\u0304', tilde: '\u0303', hat: '\u0302' };
/** Size and baseline shift (in units of the surrounding font size) of a subscript and a superscript. */
const SCRIPT = { size: 0.75, sub: 0.28, sup: -0.42 };

/** Split a label into plain and math runs: [{ text, math }], math runs without their $ signs. */
function splitMath(label) {
  const runs = [];
  String(label).split('$').forEach((text, k) => { if (text) runs.push({ text, math: k % 2 === 1 }); });
  return runs;
}

/** Parse the TeX subset of one math run into atoms { text, italic, level } where level is 0, 'sub' or 'sup'. */
function parseMath(src) {
  const atoms = [];
  let i = 0;
  const readGroup = () => {
    if (src[i] === '{') {
      let depth = 0;
      const start = i + 1;
      for (; i < src.length; i++) {
        if (src[i] === '{') depth++;
        else if (src[i] === '}' && --depth === 0) break;
      }
      i++;
      return src.slice(start, i - 1);
    }
    if (src[i] === '\\') {
      const m = /^\\([A-Za-z]+|.)/.exec(src.slice(i));
      i += m[0].length;
      return m[0];
    }
    return readChar();
  };
  // One character: a whole code point with the combining marks after it (μ̃ is μ and U+0303).
  const readChar = () => {
    if (i >= src.length) return '';
    const start = i;
    i += String.fromCodePoint(src.codePointAt(i)).length;
    while (i < src.length && /\p{M}/u.test(src[i])) i++;
    return src.slice(start, i);
  };
  const emit = (text, level) => {
    // A multi-letter command (\log, \exp) is a word, set upright; single letters are variables, set italic.
    const word = /^\\[A-Za-z]+$/.test(text) && (COMMANDS[text.slice(1)] ?? '').length > 1;
    for (const ch of expand(text)) atoms.push({ text: ch, italic: !word && /^[A-Za-z\u03b1-\u03c9]/.test(ch.normalize('NFD')), level });
  };
  while (i < src.length) {
    const c = src[i];
    if (c === '_' || c === '^') {
      i++;
      const group = readGroup();
      emit(group, c === '_' ? 'sub' : 'sup');
    } else if (c === '{' || c === '}') {
      i++;
    } else {
      const start = i;
      if (c === '\\') readGroup();
      else readChar();
      let text = src.slice(start, i);
      const accent = /^\\([A-Za-z]+)$/.exec(text);
      if (accent && ACCENTS[accent[1]]) text = `${expand(readGroup()).join('')}${ACCENTS[accent[1]]}`;
      emit(text, 0);
    }
  }
  return atoms;
}

/** A math string's characters (a letter with its combining marks counts as one), commands and - replaced. */
function expand(text) {
  const replaced = text.replace(/\\([A-Za-z]+|.)/g, (m, name) => COMMANDS[name] ?? ACCENTS[name] ?? name).replace(/-/g, '−');
  return replaced.match(/\P{M}\p{M}*/gu) ?? [];
}

/** Character widths in em of DejaVu Sans (the sans-serif here), rounded up: used to lay out and to check text. */
function charWidth(ch) {
  const c = ch.normalize('NFC')[0];
  if (/[ilj.,:;'|!Ift\u0131]/.test(c)) return 0.34;
  if (/[ \(\)\[\]\{\}]/.test(c)) return 0.4;
  if (/[mwMW—]/.test(c)) return 1.0;
  if (/[A-Z]/.test(c)) return 0.76;
  if (/[0-9]/.test(c)) return 0.64;
  return 0.64;
}

/** Estimated width in px of plain text at a font size (bold text is ~8% wider). */
function textWidth(text, fontSize, bold = false) {
  let em = 0;
  for (const ch of String(text).match(/\P{M}\p{M}*/gu) ?? []) em += charWidth(ch);
  return em * fontSize * (bold ? 1.08 : 1);
}

/** Estimated width in px of a label with $…$ math at a font size. */
function labelWidth(label, fontSize, bold = false) {
  let w = 0;
  for (const run of splitMath(label)) {
    if (!run.math) w += textWidth(run.text, fontSize, bold);
    else for (const a of parseMath(run.text)) w += textWidth(a.text, a.level ? fontSize * SCRIPT.size : fontSize, bold);
  }
  return w;
}

const escapeXml = (t) => String(t).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/**
 * The SVG markup (text and <tspan>s) of a label, to go inside a <text> whose font size is `fontSize`. Scripts
 * shift with dy and shift back after, so the text after them sits on the baseline again.
 */
function labelMarkup(label, fontSize) {
  let out = '';
  for (const run of splitMath(label)) {
    if (!run.math) { out += escapeXml(run.text); continue; }
    let level = 0;
    for (const a of parseMath(run.text)) {
      const shift = (l) => (l === 'sub' ? SCRIPT.sub : l === 'sup' ? SCRIPT.sup : 0) * fontSize;
      const dy = shift(a.level) - shift(level);
      level = a.level;
      const attrs = [
        dy ? `dy="${+dy.toFixed(2)}"` : '',
        a.level ? `font-size="${+(fontSize * SCRIPT.size).toFixed(2)}"` : '',
        a.italic ? 'font-style="italic"' : '',
      ].filter(Boolean).join(' ');
      out += attrs ? `<tspan ${attrs}>${escapeXml(a.text)}</tspan>` : escapeXml(a.text);
    }
    if (level) out += `<tspan dy="${+(-((level === 'sub' ? SCRIPT.sub : SCRIPT.sup) * fontSize)).toFixed(2)}">\u200b</tspan>`;
  }
  return out;
}

/** A label as plain Unicode text (for aria labels and <title>s): $ signs dropped, commands replaced. */
function labelText(label) {
  return splitMath(label).map((r) => (r.math ? parseMath(r.text).map((a) => (a.level === 'sub' ? '_' : a.level === 'sup' ? '^' : '') + a.text).join('') : r.text)).join('');
}

/** Break a label into lines of at most `maxWidth` px at a font size, at spaces outside math. */
function wrapLabel(label, maxWidth, fontSize, bold = false) {
  const words = [];
  let inMath = false;
  let current = '';
  for (const ch of String(label)) {
    if (ch === '$') inMath = !inMath;
    if (ch === ' ' && !inMath) { words.push(current); current = ''; } else current += ch;
  }
  words.push(current);
  const lines = [];
  let line = '';
  for (const w of words) {
    const candidate = line ? `${line} ${w}` : w;
    if (line && labelWidth(candidate, fontSize, bold) > maxWidth) { lines.push(line); line = w; } else line = candidate;
  }
  if (line) lines.push(line);
  return lines;
}

module.exports = { SCRIPT_SIZE: SCRIPT.size, splitMath, parseMath, labelMarkup, labelText, labelWidth, textWidth, wrapLabel, escapeXml };
