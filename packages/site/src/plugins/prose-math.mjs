// Plain-text math in prose → TeX, and TeX → plain Unicode.
//
// core's doc comments and docs/ERRATA.md write short formulas in running text the way a code comment does:
// "μ̃_t = c₀ x_0 + c_t x_t", "x_{t−1}", "ε_θ(x_t, t)". Shown as they are, the underscores and braces read as raw TeX.
// `mathifyProse` finds each such run in a line of Markdown (outside code, links' targets, HTML and existing $…$) and
// wraps it as $TeX$ so rehype-katex renders it at build time. `texToPlain` goes the other way for the places that
// cannot hold markup (the page's <title>, pagination and sidebar labels).

const GREEK = {
  α: '\\alpha', β: '\\beta', γ: '\\gamma', δ: '\\delta', ε: '\\varepsilon', ϵ: '\\epsilon', ζ: '\\zeta', η: '\\eta',
  θ: '\\theta', ι: '\\iota', κ: '\\kappa', λ: '\\lambda', μ: '\\mu', ν: '\\nu', ξ: '\\xi', π: '\\pi', ρ: '\\rho',
  σ: '\\sigma', τ: '\\tau', υ: '\\upsilon', φ: '\\phi', ϕ: '\\phi', χ: '\\chi', ψ: '\\psi', ω: '\\omega',
  Γ: '\\Gamma', Δ: '\\Delta', Θ: '\\Theta', Λ: '\\Lambda', Ξ: '\\Xi', Π: '\\Pi', Σ: '\\Sigma', Φ: '\\Phi', Ψ: '\\Psi',
  Ω: '\\Omega',
};
/** Precomposed letters with an accent, as the doc comments write them. */
const PRECOMPOSED = { ᾱ: '\\bar\\alpha', ā: '\\bar a', ē: '\\bar e', ū: '\\bar u', ō: '\\bar o', ī: '\\bar i', ñ: '\\tilde n', õ: '\\tilde o', ã: '\\tilde a' };
const COMBINING = { '\u0303': '\\tilde', '\u0302': '\\hat', '\u0304': '\\bar', '\u0305': '\\bar', '\u0307': '\\dot', '\u0308': '\\ddot', '\u20d7': '\\vec' };
const SYMBOLS = {
  '−': '-', '–': '-', '·': '\\cdot ', '×': '\\times ', '≈': '\\approx ', '≤': '\\le ', '≥': '\\ge ', '≠': '\\ne ', '∼': '\\sim ',
  '~': '\\sim ', '∝': '\\propto ', '‖': '\\|', '|': '\\mid ', '∇': '\\nabla ', '∏': '\\prod', '∑': '\\sum', '∞': '\\infty ',
  '→': '\\to ', '∈': '\\in ', '…': '\\dots ', '′': "'", '∂': '\\partial ', '⊙': '\\odot ', '√': '\\sqrt',
};
const SUBSCRIPT_DIGITS = '₀₁₂₃₄₅₆₇₈₉';
const SUPERSCRIPTS = { '⁰': '0', '¹': '1', '²': '2', '³': '3', '⁴': '4', '⁵': '5', '⁶': '6', '⁷': '7', '⁸': '8', '⁹': '9', '⁻': '-', 'ᵀ': 'T', '⁺': '+' };
const SUBSCRIPTS = { '₀': '0', '₁': '1', '₂': '2', '₃': '3', '₄': '4', '₅': '5', '₆': '6', '₇': '7', '₈': '8', '₉': '9', 'ₜ': 't', 'ᵢ': 'i', 'ⱼ': 'j', 'ₖ': 'k', 'ₙ': 'n', 'ₛ': 's', '₋': '-', '₊': '+' };
/** Words that are function names inside a formula. */
const OPERATORS = { log: '\\log', exp: '\\exp', KL: '\\operatorname{KL}', Var: '\\operatorname{Var}', E: '\\mathbb E', N: '\\mathcal N', sqrt: '\\sqrt' };

const LETTER = '(?:[A-Za-zα-ωΑ-Ωϵϕᾱāēūōīñõã][\\u0300-\\u036f\\u20d7]*)';
const SUB = '(?:\\\\?\\{[^{}\\s]*(?:\\{[^{}]*\\}[^{}\\s]*)*\\\\?\\}|[A-Za-z0-9α-ωΑ-Ω\'′]+)';
const SUP = '(?:\\^(?:\\\\?\\{[^{}]*\\\\?\\}|[A-Za-z0-9]))';
/** One indexed symbol: x_0, ε_θ, x_{t−1}, L_simple, √ᾱ_t, σ_t², ∏_{s=1}^{t}. */
const ATOM = new RegExp(`^(√)?((?:${LETTER}|[∇∏∑]))(?:_(${SUB})(${SUP}|[⁰¹²³⁴⁵⁶⁷⁸⁹⁻ᵀ]+)?|()(${SUP}))`, 'u');
/** A superscript written after something that is not a letter (a number in code, a bracket): 10000^{−i/h}. */
const LONE_SUP = new RegExp(`^${SUP}`, 'u');
const IS_ATOM_START = new RegExp(`(?<![\\p{L}\\p{N}_\\\\])(√)?(?:${LETTER}|[∇∏∑])_${SUB}|${SUP}`, 'u');

function letterTex(s) {
  let base = s[0];
  let tex = PRECOMPOSED[base] ?? GREEK[base] ?? base;
  for (const mark of s.slice(1)) {
    const accent = COMBINING[mark];
    if (accent) tex = `${accent}{${tex}}`;
  }
  // An accented letter is one group, so it can follow \sqrt or take a script: \sqrt{\bar\alpha}, {\tilde{\mu}}_t.
  return /^\\[a-z]+[{\\]/.test(tex) ? `{${tex}}` : tex;
}

/** TeX of a subscript or superscript body as the prose writes it ("t−1", "{1:T}", "simple", "x_t"). */
function scriptTex(body) {
  let inner = body.replace(/^\\?\{|\\?\}$/g, '');
  if (/^[a-z]{3,}$/.test(inner)) return `\\text{${inner}}`;
  return inner
    .replace(/\\([{}])/g, '$1')
    .replace(/./gu, (c) => SYMBOLS[c] ?? GREEK[c] ?? PRECOMPOSED[c] ?? c);
}

function atomTex(m) {
  const [, sqrt, base, sub0, sup0, , supOnly] = m;
  const sub = sub0;
  const sup = sup0 ?? supOnly;
  let tex = `${base.length === 1 && SYMBOLS[base] ? SYMBOLS[base] : letterTex(base)}${sub !== undefined ? `_{${scriptTex(sub)}}` : ''}`;
  if (sup) tex += sup.startsWith('^') ? `^{${scriptTex(sup.slice(1))}}` : `^{${[...sup].map((c) => SUPERSCRIPTS[c]).join('')}}`;
  return sqrt ? `\\sqrt{${tex}}` : tex;
}

const MATH_SYMBOLS = '=+−-·×/()[]≈≤≥≠∼~∝‖|∇,√';

/**
 * The tokens of a stretch of prose: indexed symbols (x_t), single letters, numbers, operators and brackets are math;
 * words of two or more letters (other than log, exp, KL…), identifiers and anything else are prose.
 */
function tokenize(text) {
  const tokens = [];
  let i = 0;
  const push = (kind, t, tex) => {
    tokens.push({ kind, text: t, tex });
    i += t.length;
  };
  while (i < text.length) {
    const rest = text.slice(i);
    const before = text[i - 1] ?? '';
    const space = /^[ \t]+/.exec(rest);
    if (space) { push('space', space[0], ' '); continue; }
    const atom = ATOM.exec(rest);
    if (atom && !/[\p{L}\p{N}_\\]/u.test(before) && !/^[\p{L}\p{N}_]/u.test(text.slice(i + atom[0].length))) {
      push('atom', atom[0], atomTex(atom));
      continue;
    }
    const ident = /^[\p{L}\p{Nd}][\p{L}\p{M}\p{Nd}_'’]*/u.exec(rest);
    if (ident) {
      const w = ident[0];
      const letters = [...w].filter((c) => !/\p{M}/u.test(c));
      if (/^\d+(\.\d+)?$/.test(w)) push('number', w, w);
      else if (/^\d+\.\d+/.test(rest) && /^\d+$/.test(w)) push('number', /^\d+\.\d+/.exec(rest)[0], /^\d+\.\d+/.exec(rest)[0]);
      else if (OPERATORS[w] && (w.length > 1 || /^[([]/.test(text[i + w.length] ?? ''))) push('op', w, `${OPERATORS[w]} `);
      else if (letters.length === 1 && /\p{L}/u.test(letters[0])) push('letter', w, letterTex(w));
      else push('prose', w);
      continue;
    }
    const c = [...rest][0];
    const prev = tokens[tokens.length - 1];
    const loneSup = LONE_SUP.exec(rest);
    if (loneSup) {
      const tex = `^{${scriptTex(loneSup[0].slice(1))}}`;
      if (prev && ['letter', 'atom', 'number'].includes(prev.kind) || prev?.text === ')') {
        prev.tex = `{${prev.tex}}${tex}`;
        prev.text += loneSup[0];
        prev.kind = 'atom';
        i += loneSup[0].length;
      } else push('atom', loneSup[0], `{}${tex}`);
      continue;
    }
    if (SUBSCRIPTS[c] || SUPERSCRIPTS[c]) {
      if (prev && ['letter', 'atom', 'symbol', 'number'].includes(prev.kind)) {
        prev.tex = SUBSCRIPTS[c] ? `{${prev.tex}}_{${SUBSCRIPTS[c]}}` : `{${prev.tex}}^{${SUPERSCRIPTS[c]}}`;
        prev.text += c;
        if (prev.kind === 'letter' && SUBSCRIPTS[c]) prev.kind = 'atom';
        i += c.length;
      } else push('prose', c);
      continue;
    }
    if (MATH_SYMBOLS.includes(c)) { push('symbol', c, SYMBOLS[c] ?? c); continue; }
    push('prose', c);
  }
  return tokens;
}

/** Split a run of math tokens at brackets it does not close and at commas outside brackets. */
function splitRun(run) {
  const unmatched = new Set();
  const stack = [];
  run.forEach((t, k) => {
    if (t.kind !== 'symbol') return;
    if (t.text === '(' || t.text === '[') stack.push(k);
    else if (t.text === ')' || t.text === ']') {
      if (stack.length) stack.pop();
      else unmatched.add(k);
    }
  });
  for (const k of stack) unmatched.add(k);
  const parts = [];
  let current = [];
  let depth = 0;
  run.forEach((t, k) => {
    if (unmatched.has(k) || (t.text === ',' && depth === 0)) {
      parts.push(current, [{ ...t, kind: 'prose' }]);
      current = [];
      return;
    }
    if (t.text === '(' || t.text === '[') depth += 1;
    if (t.text === ')' || t.text === ']') depth -= 1;
    current.push(t);
  });
  parts.push(current);
  return parts;
}

/** The formula inside a run: no spaces, lone English words ("a", "I") or dangling operators at its ends. */
function trimRun(tokens) {
  const noise = (t) => t.kind === 'space' || (t.kind === 'letter' && /^[aAI]$/.test(t.text));
  let a = 0;
  let b = tokens.length;
  while (a < b && (noise(tokens[a]) || (tokens[a].kind === 'symbol' && /^[=+·×/,]$/.test(tokens[a].text)))) a += 1;
  while (b > a && (noise(tokens[b - 1]) || (tokens[b - 1].kind === 'symbol' && /^[=+−\-·×/,√]$/.test(tokens[b - 1].text)))) b -= 1;
  return [a, b];
}

function runTex(tokens) {
  let tex = tokens.map((t) => t.tex).join('').replace(/\s+/g, ' ').trim();
  // √(…) in prose is \sqrt{…} in TeX: replace the parentheses that follow a root by the group they delimit.
  for (let at = tex.indexOf('\\sqrt('); at >= 0; at = tex.indexOf('\\sqrt(', at + 1)) {
    let depth = 0;
    for (let j = at + 5; j < tex.length; j += 1) {
      if (tex[j] === '(') depth += 1;
      else if (tex[j] === ')' && --depth === 0) {
        tex = `${tex.slice(0, at)}\\sqrt{${tex.slice(at + 6, j)}}${tex.slice(j + 1)}`;
        break;
      }
    }
  }
  return tex;
}

/** Convert the plain-text formulas of one stretch of prose (no code, no links) to $TeX$. */
function mathifyText(text) {
  if (!IS_ATOM_START.test(text)) return text;
  const tokens = tokenize(text);
  const out = [];
  let run = [];
  const flush = () => {
    for (const part of splitRun(run)) {
      const [a, b] = trimRun(part);
      const core = part.slice(a, b);
      const raw = (ts) => ts.map((t) => t.text).join('');
      if (core.some((t) => t.kind === 'atom')) out.push(raw(part.slice(0, a)), `$${runTex(core)}$`, raw(part.slice(b)));
      else out.push(raw(part));
    }
    run = [];
  };
  for (const t of tokens) {
    if (t.kind === 'prose') {
      flush();
      out.push(t.text);
    } else run.push(t);
  }
  flush();
  return out.join('');
}

/**
 * One line of Markdown with its prose formulas as $TeX$. Code spans, existing math, link targets, HTML tags and
 * autolinks are left exactly as they are.
 */
export function mathifyProse(line) {
  // A table row: each cell on its own (a cell's "|" is the table's, never a formula's "mid").
  if (/^\s*\|.*\|\s*$/.test(line)) return line.split(/(?<!\\)(\|)/).map((cell, k) => (k % 2 ? cell : mathifyCell(cell))).join('');
  return mathifyCell(line);
}

function mathifyCell(line) {
  const protectedParts = /(`+[^`]*`+|\$[^$]+\$|\]\([^)]*\)|<[^>]+>|https?:\/\/\S+)/;
  return line
    .split(protectedParts)
    .map((part, k) => (k % 2 ? part : mathifyText(part)))
    .join('');
}

/** mathifyProse over a Markdown document, skipping fenced code and headings' {#anchor}s. */
export function mathifyMarkdown(markdown, { headings = false } = {}) {
  let fence = null;
  return markdown
    .split('\n')
    .map((line) => {
      const f = /^\s*(```+|~~~+)/.exec(line);
      if (f) {
        if (!fence) fence = f[1];
        else if (f[1].startsWith(fence[0]) && f[1].length >= fence.length) fence = null;
        return line;
      }
      if (fence) return line;
      if (/^#/.test(line) && !headings) return line;
      return mathifyProse(line);
    })
    .join('\n');
}

// ---------------------------------------------------------------------------------------------------------------
// TeX → plain Unicode (for <title> and labels)
// ---------------------------------------------------------------------------------------------------------------
const TO_SUB = { 0: '₀', 1: '₁', 2: '₂', 3: '₃', 4: '₄', 5: '₅', 6: '₆', 7: '₇', 8: '₈', 9: '₉', '+': '₊', '-': '₋', '−': '₋', '=': '₌', '(': '₍', ')': '₎', a: 'ₐ', e: 'ₑ', h: 'ₕ', i: 'ᵢ', j: 'ⱼ', k: 'ₖ', l: 'ₗ', m: 'ₘ', n: 'ₙ', o: 'ₒ', p: 'ₚ', r: 'ᵣ', s: 'ₛ', t: 'ₜ', u: 'ᵤ', v: 'ᵥ', x: 'ₓ', β: 'ᵦ', γ: 'ᵧ', ρ: 'ᵨ', φ: 'ᵩ', χ: 'ᵪ' };
const TO_SUP = { 0: '⁰', 1: '¹', 2: '²', 3: '³', 4: '⁴', 5: '⁵', 6: '⁶', 7: '⁷', 8: '⁸', 9: '⁹', '+': '⁺', '-': '⁻', '−': '⁻', '=': '⁼', '(': '⁽', ')': '⁾', n: 'ⁿ', i: 'ⁱ', T: 'ᵀ' };
const TEX_SYMBOLS = Object.fromEntries([
  ...Object.entries(GREEK).map(([u, t]) => [t.slice(1), u]),
  ['epsilon', 'ϵ'], ['varepsilon', 'ε'], ['varphi', 'φ'], ['mid', '|'], ['|', '‖'], ['cdot', '·'], ['times', '×'], ['approx', '≈'],
  ['le', '≤'], ['leq', '≤'], ['ge', '≥'], ['geq', '≥'], ['ne', '≠'], ['sim', '∼'], ['propto', '∝'], ['nabla', '∇'], ['prod', '∏'],
  ['sum', '∑'], ['infty', '∞'], ['to', '→'], ['in', '∈'], ['dots', '…'], ['ldots', '…'], ['partial', '∂'], ['log', 'log'], ['exp', 'exp'],
  ['KL', 'KL'], ['Normal', '𝒩'], ['E', '𝔼'], ['abar', 'ᾱ'], ['btilde', 'β̃'], [',', ' '], [';', ' '], ['quad', ' '], ['!', ''], ['lVert', '‖'], ['rVert', '‖'],
]);
const ACCENTS = { bar: '\u0304', tilde: '\u0303', hat: '\u0302', dot: '\u0307', vec: '\u20d7', overline: '\u0305' };

/** Read one TeX group or token from s at i: returns [text, next index]. */
function readArg(s, i) {
  while (s[i] === ' ') i += 1;
  if (s[i] === '{') {
    let depth = 1;
    let j = i + 1;
    while (j < s.length && depth) {
      if (s[j] === '{') depth += 1;
      else if (s[j] === '}') depth -= 1;
      j += 1;
    }
    return [s.slice(i + 1, j - 1), j];
  }
  if (s[i] === '\\') {
    const m = /^\\([A-Za-z]+|.)/.exec(s.slice(i));
    return [m[0], i + m[0].length];
  }
  return [s[i] ?? '', i + 1];
}

/** Plain Unicode of a TeX formula: ‖ε − ε_θ‖², ᾱₜ, q(xₜ | x₀). Scripts without a Unicode form keep an underscore. */
export function texToPlain(tex) {
  let out = '';
  let i = 0;
  const s = tex;
  while (i < s.length) {
    const c = s[i];
    if (c === '\\') {
      const m = /^\\([A-Za-z]+|.)/.exec(s.slice(i));
      const name = m[1];
      i += m[0].length;
      if (ACCENTS[name]) {
        const [arg, j] = readArg(s, i);
        i = j;
        const inner = texToPlain(arg);
        out += name === 'bar' && inner === 'α' ? 'ᾱ' : `${inner}${ACCENTS[name]}`;
      } else if (name === 'sqrt') {
        const [arg, j] = readArg(s, i);
        i = j;
        const inner = texToPlain(arg);
        out += [...inner].length === 1 || /^[\p{L}][\p{M}]*[₀-₉ₐ-ₜᵢ-ᵪ]*$/u.test(inner) ? `√${inner}` : `√(${inner})`;
      } else if (name === 'frac') {
        const [a, j] = readArg(s, i);
        const [b, k] = readArg(s, j);
        i = k;
        out += `(${texToPlain(a)})/(${texToPlain(b)})`;
      } else if (['text', 'mathrm', 'operatorname', 'mathbf', 'mathcal', 'mathbb', 'boldsymbol'].includes(name)) {
        const [arg, j] = readArg(s, i);
        i = j;
        out += texToPlain(arg);
      } else if (['left', 'right', 'big', 'Big', 'bigg', 'Bigg', 'displaystyle'].includes(name)) {
        // sizing only
      } else {
        out += TEX_SYMBOLS[name] ?? name;
      }
    } else if (c === '_' || c === '^') {
      const [arg, j] = readArg(s, i + 1);
      i = j;
      const plain = texToPlain(arg);
      const table = c === '_' ? TO_SUB : TO_SUP;
      const mapped = [...plain].map((ch) => table[ch]);
      out = out.replace(/\s+$/, '');
      out += mapped.every(Boolean) && !/^[a-z]{3,}$/.test(plain) ? mapped.join('') : `${c}${[...plain].length > 1 && !/^\p{L}+$/u.test(plain) ? `(${plain})` : plain}`;
    } else if (c === '{' || c === '}') {
      i += 1;
    } else if (c === '-') {
      out += '−';
      i += 1;
    } else {
      out += c;
      i += 1;
    }
  }
  return out.replace(/\s*([=+−|])\s*/g, ' $1 ').replace(/\s+/g, ' ').replace(/\( /g, '(').replace(/ \)/g, ')').trim();
}

/** A heading or title with $…$ math, as plain Unicode text. */
export function plainTitle(text) {
  return text.replace(/\$([^$]+)\$/g, (_, tex) => texToPlain(tex));
}
