// Writes the site's generated pages before every build/start, from the one source of truth for each:
//   docs/FORMULAS.md            → docs/catalogue.mdx (an anchor per ID, the implementing function's source beside the
//                                 equation, links to its API page, its tests and the notebook section deriving it)
//   packages/core/src/**        → the ID ↔ function and ID ↔ test maps (TypeScript's parser, not regexes),
//                                 docs/code/*.md (each test file, one anchored section per test)
//   packages/notebooks/*.ipynb  → docs/notebooks/*.md (markdown, math, code as runnable blocks, outputs incl. SVG),
//                                 static/notebooks/*.ipynb (download) and *.cells.json (for the runnable blocks)
//   notebook 00's table + §N    → docs/notation.md;   docs/ERRATA.md → docs/errata.md;   docs/S4-AUDIT.md → docs/s4-audit.md;
//                                 docs/SOURCES.md → docs/sources.md
//   all of the above            → .generated/links.json: for each exported name its IDs, tests, notebook sections and
//                                 source line, read by the typedoc plugin to link every API page both ways
// Links run both ways: notebook section ↔ catalogue row ↔ API page ↔ tests ↔ source file in the repository.
// Executed notebooks come from the notebooks package's runner (packages/notebooks/.executed); a notebook without a
// current executed copy is executed first with that runner (smoke setting) when the tslab kernel is registered.
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { mathifyMarkdown, plainTitle } from '../src/plugins/prose-math.mjs';
import { publishedSite, repositoryUrl, sourceUrl } from '../site-config.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const site = path.join(here, '..');
const repo = path.join(site, '..', '..');
const coreSrc = path.join(repo, 'packages', 'core', 'src');
const nbPkg = path.join(repo, 'packages', 'notebooks');
const docs = path.join(site, 'docs');
const staticDir = path.join(site, 'static');
const require = createRequire(import.meta.url);
const joinSrc = (s) => (Array.isArray(s) ? s.join('') : s ?? '');
const katexDir = path.dirname(require.resolve('katex/package.json', { paths: [path.dirname(require.resolve('rehype-katex'))] }));
const katex = require(katexDir);
const katexMacros = JSON.parse(readFileSync(path.join(repo, 'docs', 'katex-macros.json'), 'utf8'));
/** Text with $…$ math as HTML, rendered by the same KaTeX and macros as the pages (for labels outside Markdown). */
const mathHtml = (text) =>
  text
    .split(/(\$[^$]+\$)/)
    .map((part, k) => (k % 2 ? katex.renderToString(part.slice(1, -1), { macros: { ...katexMacros }, throwOnError: true, strict: 'ignore', output: 'htmlAndMathml' }) : part.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`)))
    .join('');

/**
 * KaTeX's HTML without the MathML's TeX annotation, for front matter: on its way into the page Docusaurus unescapes the
 * string once more, which turned the \v of \varepsilon into a vertical tab in notebook 05's breadcrumb. The MathML
 * and the visible HTML carry no backslashes.
 */
const withoutTexAnnotation = (html) => html.replace(/<annotation encoding="application\/x-tex">[\s\S]*?<\/annotation>/g, '');

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
    const h = /^## ([A-HN])\. (.*)$/.exec(line);
    if (h) {
      flush();
      bullet = null; // a bullet before the first section (the list of sources) belongs to none
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

/**
 * A row's title: the heading of the notebook section that derives it ("C5 — the closed form $q(x_t\mid x_0)$"), else the
 * entry's words before its first formula. Never another row's ID, so a search for "D5" finds D5's row, not E3's.
 */
function rowTitle(entry, section) {
  const fromNotebook = section?.heading.replace(new RegExp(`^(?:${ID})(?:\\s*[,/+&]\\s*(?:${ID}))*\\s*—\\s*`), '').trim();
  if (fromNotebook) return fromNotebook;
  const own = shortTitle(entry.body).replace(new RegExp(`\\b(?:with|from|by|uses?)?\\s*${ID}\\b`, 'gi'), '').replace(/\s+/g, ' ').trim();
  return own || entry.id;
}
/** A short title for an entry: its words before the first formula or bracket. */

/**
 * What a notebook's cells up to a block need that the browser worker does not have: files on disk other than MNIST
 * and the shipped weights, which the worker fetches from the site (runtime/worker.ts gives core.loadMnist,
 * loadShipped and readShippedManifest to the blocks). A block needing one is shown as not runnable, with the reason,
 * instead of failing when the reader presses Run.
 */
const NODE_ONLY = [
  ['checkpoints on disk (core.loadModelFolder, loadCheckpoint, saveCheckpoint)', /\b(loadModelFolder|loadCheckpoint|saveCheckpoint|loadLatentDiffusion|loadFirstStage|loadAutoencoder)\s*\(/],
  ['files on disk (fs)', /\b(readFileSync|writeFileSync|readdirSync)\s*\(/],
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
// Where each ID is implemented, checked and kept: the links every page carries
// ---------------------------------------------------------------------------------------------------------------
/** The page of a test file: /code/forward-forward-test. */
const codePage = (rel) => `/code/${rel.replace(/\.ts$/, '').replace(/[/.]/g, '-')}`;
/** docusaurus-plugin-typedoc's page of an exported name (members of the index module, flattened). */
const apiLink = (f) => `/api/${f.kind}/${f.name}`;
/** A core file in the repository, e.g. packages/core/src/forward/forward.ts, at a line. */
const coreSource = (rel, line) => sourceUrl(`packages/core/src/${rel}`, line);
const implementers = (ids) => functions.filter((f) => f.ids.some((id) => ids.includes(id)));
const checkers = (ids) => tests.filter((t) => t.ids.some((id) => ids.includes(id)));
/** Tests grouped by file: "[forward.test.ts](…#test-3) (4 tests)". */
function testLinks(list) {
  const files = [...new Set(list.map((t) => t.file))];
  return files.map((file) => {
    const own = list.filter((t) => t.file === file);
    return `[${file.split('/').pop()}](${codePage(file)}#${own[0].anchor})${own.length > 1 ? ` (${own.length} tests)` : ''}`;
  });
}
/**
 * The line under a notebook heading that derives IDs: its catalogue rows, the functions that implement them (API
 * pages), the tests that check them and the source file that holds them, in the repository.
 */
function sectionLinks(ids) {
  const impl = implementers(ids);
  const checks = checkers(ids);
  const parts = [`**Catalogue** ${ids.map((id) => `[${id}](/catalogue#${id})`).join(', ')}`];
  if (impl.length) parts.push(`**API** ${impl.slice(0, 4).map((f) => `[\`${f.name}\`](${apiLink(f)})`).join(', ')}${impl.length > 4 ? ` and ${impl.length - 4} more` : ''}`);
  if (checks.length) parts.push(`**Tests** ${testLinks(checks).join(', ')}`);
  const files = [...new Map(impl.map((f) => [f.file, f])).values()];
  if (files.length) parts.push(`**Source** ${files.slice(0, 3).map((f) => `[${f.file}](${coreSource(f.file, f.line)})`).join(', ')}`);
  return `<div class="section-links">\n\n${parts.join(' · ')}\n\n</div>`;
}

// ---------------------------------------------------------------------------------------------------------------
// The articles' Chinese terms (a reader searching 后验 or 重参数 finds the glossary and the notebooks that derive them)
// ---------------------------------------------------------------------------------------------------------------
/** Chinese term, English, the catalogue IDs it names, and which articles' text uses it (— where none does). */
const GLOSSARY = [
  ['扩散模型', 'diffusion model', [], 'S0, S1, S2'],
  ['前向过程, 加噪', 'forward process, adding noise', ['C3', 'C4', 'C5'], 'S0, S1, S3, S4'],
  ['拆楼, 建楼', 'demolishing, building: S2’s names for the forward and the reverse process', ['C5', 'E5'], 'S2'],
  ['马尔科夫链', 'Markov chain', ['C7'], 'S1, S3'],
  ['信噪比', 'signal-to-noise ratio', ['C9'], '—'],
  ['逆向过程, 反向过程, 去噪', 'reverse process, denoising', ['D1', 'F1'], 'S0, S1, S2'],
  ['贝叶斯公式', 'Bayes’ rule', ['A1', 'D1'], 'S0, S3'],
  ['先验', 'prior', ['B2'], '—'],
  ['后验', 'posterior', ['D1', 'D2', 'D3', 'D5'], '— (lost with the formula images)'],
  ['似然, 极大似然', 'likelihood, maximum likelihood', ['A12'], '—'],
  ['高斯分布, 正态分布', 'Gaussian (normal) distribution', ['A2', 'A3', 'A4'], 'S0, S1, S2, S3, S4'],
  ['高斯混合模型', 'Gaussian mixture model', ['A5'], 'S3'],
  ['KL 散度', 'KL divergence', ['A6', 'A7', 'A8', 'A9', 'A10'], 'S2, S3'],
  ['证据下界, 变分下界', 'evidence lower bound, variational bound', ['A11', 'B5', 'E1'], '—'],
  ['自编码器', 'autoencoder', ['B1'], 'S1, S2, S4'],
  ['变分自编码器', 'variational autoencoder', ['B2', 'B4', 'B5'], 'S4'],
  ['编码器, 解码器, 重建', 'encoder, decoder, reconstruction', ['B1', 'G4'], 'S1, S2, S4'],
  ['重参数', 'reparameterisation (the trick)', ['B3'], 'S3, S4'],
  ['条件', 'condition (CVAE, conditional DDPM)', ['B6', 'F6'], 'S0, S1, S3, S4'],
  ['均值, 方差', 'mean, variance', ['D2', 'D3', 'D6'], 'S0, S1, S2, S3, S4'],
  ['噪声', 'noise', ['C3', 'D4', 'E4'], 'S0, S1, S2, S3, S4'],
  ['采样', 'sampling', ['F1', 'F3', 'F4'], 'S0, S1, S2, S3, S4'],
  ['分类器引导', 'classifier guidance', ['F5'], '— (S1 writes Classifier Guidance)'],
  ['无分类器引导', 'classifier-free guidance', ['F6'], '— (S1 writes Classifier-Free Guidance)'],
  ['位置编码', 'position encoding (of the step t)', ['G1'], 'S0'],
  ['隐空间, 潜空间', 'latent space', ['G4'], 'S1'],
  ['公式', 'formula: S0 numbers its formulas 公式1–12, S4 quotes “公式17”, “公式48”, “公式64”, “公式131”', [], 'S0, S4'],
].map(([zh, en, ids, articles]) => ({ zh, en, ids, articles }));
const termsFor = (ids) => GLOSSARY.filter((g) => g.ids.some((id) => ids.includes(id)));

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
  // The download is the notebook with the outputs this page shows (its executed copy, when current).
  cpSync(src, path.join(staticDir, 'notebooks', file));
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
        for (const id of ids) derivedIn.set(id, [...(derivedIn.get(id) ?? []), { page: `/notebooks/${base}`, anchor, heading: h[2], title }]);
        const extra = ids.slice(1).map((id) => `<a id="${id}"></a>`).join('');
        const links = ids.length ? `\n\n${sectionLinks(ids)}` : '';
        return `${h[1]} ${h[2]} {#${anchor}}${extra ? `\n\n${extra}` : ''}${links}`;
      });
      // A notebook links to the site by its published address (Jupyter has no other); on the site itself the link
      // stays on the site being read, whatever its address.
      const onSite = lines.filter((l) => l !== null).join('\n').replaceAll(`](${publishedSite}/`, '](/');
      out.push(displayMathBlocks(onSite));
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
  // The heading (h1) keeps its math for KaTeX; <title>, the sidebar and the pagination get plain Unicode, and the
  // breadcrumb the label rendered by KaTeX (front matter title_html, read by src/theme/DocBreadcrumbs).
  const label = title.replace(/\s*\(catalogue.*\)$/, '');
  const pageIds = [...derivedIn.entries()].filter(([, list]) => list.some((d) => d.page === `/notebooks/${base}`)).map(([id]) => id);
  const terms = termsFor(pageIds);
  const intro = joinSrc(nb.cells.find((c) => c.cell_type === 'markdown')?.source).split(/\n\s*\n/).map((p) => p.trim()).find((p) => p && !p.startsWith('#')) ?? '';
  const front = [
    '---', `title: ${JSON.stringify(plainTitle(title))}`, `sidebar_label: ${JSON.stringify(plainTitle(label))}`, `sidebar_position: ${n + 1}`,
    `notebook: ${JSON.stringify(file)}`, `executed: ${executed}`, ...(label.includes('$') ? [`title_html: ${JSON.stringify(withoutTexAnnotation(mathHtml(label)))}`] : []),
    // The search snippet and the meta description: the introduction's first paragraph, its math as plain Unicode.
    `description: ${JSON.stringify(plainDescription(intro))}`,
    ...(terms.length ? [`keywords: ${JSON.stringify(terms.flatMap((g) => g.zh.split(/,\s*/)))}`] : []),
    '---', '',
  ];
  const note = executed ? '' : ':::note\n\nThis page was built without executing the notebook, so it shows no outputs. Run `bash scripts/setup.sh` to register the kernel.\n\n:::\n';
  const termsLine = terms.length ? ` · The articles’ terms (中文): ${terms.map((g) => `${g.zh} (${g.en.split(/[:(]/)[0].trim()})`).join(', ')} — [glossary](/notation#terms)` : '';
  const sourceLine = `<div class="section-links">\n\nThe notebook in the repository: [packages/notebooks/notebooks/${file}](${sourceUrl(`packages/notebooks/notebooks/${file}`)})${termsLine}\n\n</div>\n`;
  writeFileSync(path.join(docs, 'notebooks', `${base}.md`), `${front.join('\n')}\n# ${title}\n\n${note}\n${sourceLine}\n${out.join('\n\n')}\n`);
  notebookPages.push({ base, title, file });
}

// ---------------------------------------------------------------------------------------------------------------
// Code pages (one per test file) and the API link of each function
// ---------------------------------------------------------------------------------------------------------------
const testFiles = [...new Set(tests.map((t) => t.file))].sort();
/** A paragraph of Markdown as a plain one-line description: no links, code ticks or TeX (its math as Unicode). */
function plainDescription(markdown) {
  const text = plainTitle(mathifyMarkdown(markdown).replace(/\$\$([^$]+)\$\$/g, '$$$1$$'))
    .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/`([^`]*)`/g, '$1')
    .replace(/\*{1,2}([^*]+)\*{1,2}/g, '$1')
    .replace(/\s+/g, ' ')
    .trim();
  return text.length > 300 ? `${text.slice(0, 297).replace(/\s+\S*$/, '')}…` : text;
}
/** Inline code that may itself hold backticks. */
const inlineCode = (text) => {
  const ticks = '`'.repeat(Math.max(1, ...[...text.matchAll(/`+/g)].map((m) => m[0].length + 1)));
  return `${ticks}${ticks.length > 1 ? ' ' : ''}${text}${ticks.length > 1 ? ' ' : ''}${ticks}`;
};
for (const rel of testFiles) {
  const own = tests.filter((t) => t.file === rel);
  const text = sourceText.get(rel) ?? '';
  const body = [
    '---', `title: ${JSON.stringify(rel)}`, `slug: ${codePage(rel)}`, 'sidebar_class_name: hidden', 'pagination_prev: null', 'pagination_next: null', '---', '',
    `The tests of \`packages/core/src/${rel}\` (vitest), one section per test. Each name starts with the catalogue ID it checks.`, '',
    `In the repository: [packages/core/src/${rel}](${coreSource(rel)}).`, '',
    // A test's name is a string of its file, so its heading shows it as code (its x_t is not a formula to render).
    ...own.flatMap((t) => [
      `### ${inlineCode(t.name.replace(/\s+/g, ' '))} {#${t.anchor}}`, '',
      [
        t.ids.length ? `Checks ${t.ids.map((id) => `[${id}](/catalogue#${id})`).join(', ')}` : '',
        ...t.ids.flatMap((id) => (derivedIn.get(id) ?? []).slice(0, 1).map((d) => `derived in [${d.page.replace('/notebooks/', '')} § ${id}](${d.page}#${d.anchor})`)),
        `[line ${t.line}](${coreSource(rel, t.line)})`,
      ].filter(Boolean).join(' · '), '',
      fence(t.source, 'ts'), '',
    ]),
    '## Whole file', '', '<details><summary>show the whole file</summary>', '', fence(text, 'ts', 'showLineNumbers'), '', '</details>', '',
  ];
  writeFileSync(path.join(docs, 'code', `${codePage(rel).slice(6)}.md`), body.join('\n'));
}

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
    cat.push(`### ${e.id} — ${mdxText(rowTitle(e, nb))} {#${e.id}}`, '');
    cat.push(mdxText(e.body), '');
    if (impl.length) cat.push(`**Implemented by** ${impl.map((f) => `[\`${f.name}\`](${apiLink(f)})`).join(', ')}`, '');
    else cat.push('**Implemented by** — (an architecture row, built with the models)', '');
    if (checks.length) {
      cat.push(`**Checked by** ${checks.length} test${checks.length > 1 ? 's' : ''}:`, '');
      for (const t of checks.slice(0, 6)) cat.push(`- [${inlineCode(t.name.replace(/[[\]]/g, ''))}](${codePage(t.file)}#${t.anchor})`);
      if (checks.length > 6) cat.push(`- … and ${checks.length - 6} more in ${[...new Set(checks.slice(6).map((t) => `[${t.file}](${codePage(t.file)})`))].join(', ')}`);
      cat.push('');
    }
    const sectionLink = (n) => `[${n.page.replace('/notebooks/', '')} § ${mdxText(n.heading.replace(/[[\]]/g, ''))}](${n.page}#${n.anchor})`;
    if (nb) cat.push(`**Derived in** ${sectionLink(nb)}`, '');
    if (alsoIn.length) cat.push(`**At work in** ${alsoIn.map(sectionLink).join(', ')}`, '');
    const files = [...new Map(impl.map((f) => [f.file, f])).values()];
    if (files.length) cat.push(`**Source** ${files.map((f) => `[${f.file}](${coreSource(f.file, f.line)})`).join(', ')}`, '');
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
  notationTable = withS1Column(notationTable.split('\n').filter((l) => l.startsWith('|')));
}

/**
 * S1's column of the notation table. S1's formulas were images and are lost from its text, so only what its words
 * still say can be mapped; the notebook's table (checked there with numbers) has no S1 column, so it is added here,
 * after S0's, unless the notebook gains one.
 */
function withS1Column(rows) {
  if (!rows.length || /\|\s*S1\s*\|/.test(rows[0])) return rows.join('\n');
  const S1 = {
    'step index': '$t$ (it speaks of step $t$ and step $t-1$)',
    quantity: 'S1',
  };
  const cells = (row) => row.replace(/^\||\|$/g, '').split('|').map((c) => c.trim());
  const header = cells(rows[0]);
  const at = header.indexOf('S0') + 1 || header.length;
  return rows
    .map((row, k) => {
      const c = cells(row);
      const value = k === 1 ? '---' : S1[c[0]] ?? 'not in the text (a lost image)';
      c.splice(at, 0, value);
      return `| ${c.join(' | ')} |`;
    })
    .join('\n');
}
writeFileSync(path.join(docs, 'notation.md'), [
  '---', 'title: Notation', 'description: How each source article writes the quantities of DDPM, mapped onto this project’s symbols.', '---', '',
  'This project writes DDPM in the notation of Ho et al. (2020). The five source articles (S0–S4) write some quantities',
  'differently; the table maps each one onto ours. It is taken from the notation notebook, where every translation is',
  `checked with numbers: see [00 · Notation](/notebooks/${nb00 ? nb00.replace(/\.ipynb$/, '') : ''}).`, '',
  '## The symbols side by side {#table}', '', notationTable || '(the notation notebook has no table yet)', '',
  'S1 keeps few symbols in its text: it writes $x_0$ and $x_t$ (as “x0”, “xt”), calls the noise the network predicts',
  '$z$ (our $\\varepsilon$; S0 also uses $z$ for the noise of one step, C3), and names the strength of classifier guidance',
  '$s$ (F5). Where it writes the guidance weight of classifier-free guidance, we write $w$ (F6).', '',
  '## The articles’ Chinese terms {#terms}', '',
  'The words the articles use for the quantities and steps, with the catalogue rows they name. Where no article’s text',
  'has the term (their formulas were images, lost with their captions), the usual Chinese term is given.', '',
  '| 中文 | English | catalogue | in the text of |', '| --- | --- | --- | --- |',
  ...GLOSSARY.map((g) => `| ${g.zh.split(/,\s*/).join(' · ')} | ${g.en} | ${g.ids.map((id) => `[${id}](/catalogue#${id})`).join(', ') || '—'} | ${g.articles} |`), '',
  '## The conventions of the catalogue (§N) {#conventions}', '',
  'The rules every formula of the [catalogue](/catalogue) follows (`docs/FORMULAS.md`, §N):', '',
  ...(notationSection?.notes ?? []).map((n) => `- ${n}`), '',
  'Steps outside $1..T$ are refused with an error that names them; see the notebook\'s sections N1–N3 for each rule checked with numbers.', '',
].join('\n'));

/** A page of docs/ as the site shows it: links to the catalogue, the errata, the audit and core's test files mapped to their pages. */
const siteMarkdown = (text) =>
  text
    .replace(/^# .*\n/, '')
    .replace(/\]\(FORMULAS\.md\)/g, '](/catalogue)')
    .replace(/\]\(ERRATA\.md\)/g, '](/errata)')
    .replace(/\]\(S4-AUDIT\.md\)/g, '](/s4-audit)')
    .replace(/\]\(SOURCES\.md\)/g, '](/sources)')
    .replace(/\]\(\.\.\/packages\/core\/src\/([^)#]+\.ts)\)/g, (_, rel) => `](${testFiles.includes(rel) ? codePage(rel) : coreSource(rel)})`)
    .replace(/\]\(\.\.\/packages\/notebooks\/notebooks\/([^)#/]+)\.ipynb\)/g, (_, base) => `](/notebooks/${base})`)
    // Any other file of the repository: its page in the repository.
    .replace(/\]\(\.\.\/([^)#]+)\)/g, (_, rel) => `](${sourceUrl(rel)})`);
// ERRATA.md writes its formulas as plain text (x_t = √(1−β_t) x_{t−1} + β_t ε, readable on GitHub); the site renders them.
const errata = mathifyMarkdown(siteMarkdown(readFileSync(path.join(repo, 'docs', 'ERRATA.md'), 'utf8')));
const errataTests = tests.filter((t) => t.name.startsWith('H '));
writeFileSync(path.join(docs, 'errata.md'), [
  '---', 'title: Errata in the source articles', '---', '', errata.trim(), '',
  '## Every erratum test {#tests}', '',
  ...errataTests.map((t) => `- [${inlineCode(t.name.replace(/[[\]]/g, ''))}](${codePage(t.file)}#${t.anchor}) — \`${t.file}\``), '',
].join('\n'));

writeFileSync(path.join(docs, 'sources.md'), [
  '---', 'title: Sources and reading order', 'description: The five articles (S0–S4), the papers behind them, and the order to read the notebooks in.', '---', '',
  siteMarkdown(readFileSync(path.join(repo, 'docs', 'SOURCES.md'), 'utf8')).trim(), '',
].join('\n'));

// S4-AUDIT writes its formulas as plain text too (σ_t² = β_t); the site renders them.
const audit = mathifyMarkdown(siteMarkdown(readFileSync(path.join(repo, 'docs', 'S4-AUDIT.md'), 'utf8'))).trim();
writeFileSync(path.join(docs, 's4-audit.md'), [
  '---', `title: ${JSON.stringify("S4's code, audited line by line")}`,
  `description: ${JSON.stringify(plainDescription(audit.split(/\n\s*\n/).find((p) => p.trim() && !/^[#|<]/.test(p.trim())) ?? ''))}`, '---', '', audit, '',
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
  '- [Sources and reading order](/sources): the five articles S0–S4, the papers behind them, and what each notebook assumes.',
  '- [Notation](/notation): how each source article writes the same quantities.',
  '- [Errata](/errata): what the source articles get wrong, and the test that shows it.',
  '- [API reference](/api): generated from the doc comments of `@ddpm-derived/core`.', '',
  '## Try it {#try-it}', '',
  fence(`import * as tf from '@tensorflow/tfjs-core';\nimport * as core from '@ddpm-derived/core';\n\n// C5: q(x_t | x_0) for the linear schedule at t = 500\nconst schedule = core.linearSchedule(1000);\nconst t = 500;\nconsole.log('backend', tf.getBackend());\nconsole.log('ᾱ_t =', core.alphaBar(schedule, t));\nconst x0 = tf.ones([4, 2]);\nconst eps = core.createRng(1).normalTensor([4, 2]);\nconst xt = core.qSample(schedule, x0, t, eps);\nconsole.log('x_t =', Array.from(await xt.data()).map((v) => v.toFixed(4)).join(' '));`, 'ts', 'runnable'), '',
].join('\n'));

// KaTeX's CSS and fonts, from the katex that rehype-katex renders with (no CDN).
rmSync(path.join(staticDir, 'katex'), { recursive: true, force: true });
mkdirSync(path.join(staticDir, 'katex'), { recursive: true });
cpSync(path.join(katexDir, 'dist', 'katex.min.css'), path.join(staticDir, 'katex', 'katex.min.css'));
cpSync(path.join(katexDir, 'dist', 'fonts'), path.join(staticDir, 'katex', 'fonts'), { recursive: true });

// The CJK webfont (Noto Sans SC, OFL, from @fontsource): its unicode-range slices as woff2 only, so a page downloads
// just the slices holding its characters (a few hundred kB for a page of citations), and no reader needs a CJK font.
const fontDir = path.join(path.dirname(require.resolve('@fontsource/noto-sans-sc/package.json')));
rmSync(path.join(staticDir, 'fonts'), { recursive: true, force: true });
mkdirSync(path.join(staticDir, 'fonts', 'noto-sans-sc'), { recursive: true });
const fontCss = [`/* Noto Sans SC (SIL Open Font License 1.1), @fontsource/noto-sans-sc ${require('@fontsource/noto-sans-sc/package.json').version}: woff2 slices by unicode-range. */`];
for (const weight of [400, 700]) {
  const css = readFileSync(path.join(fontDir, `${weight}.css`), 'utf8');
  for (const face of css.match(/@font-face\s*\{[^}]*\}/g) ?? []) {
    const woff2 = /url\(\.\/files\/([^)]+\.woff2)\)/.exec(face)?.[1];
    if (!woff2) continue;
    cpSync(path.join(fontDir, 'files', woff2), path.join(staticDir, 'fonts', 'noto-sans-sc', woff2));
    fontCss.push(face.replace(/src:[^;]+;/, `src: url(./noto-sans-sc/${woff2}) format('woff2');`));
  }
}
cpSync(path.join(fontDir, 'LICENSE'), path.join(staticDir, 'fonts', 'noto-sans-sc', 'LICENSE'));
writeFileSync(path.join(staticDir, 'fonts', 'noto-sans-sc.css'), `${fontCss.join('\n')}\n`);

// For the typedoc plugin (src/plugins/typedoc-backlinks.mjs): each exported name's IDs, tests, notebook sections and
// source line, so its API page links to all of them.
mkdirSync(path.join(site, '.generated'), { recursive: true });
writeFileSync(path.join(site, '.generated', 'links.json'), JSON.stringify({
  repositoryUrl,
  catalogue: Object.fromEntries(sections.flatMap((sec) => sec.entries.map((e) => [e.id, e.body]))),
  names: Object.fromEntries(functions.map((f) => [f.name, {
    ids: f.ids,
    source: { file: `packages/core/src/${f.file}`, line: f.line, url: coreSource(f.file, f.line) },
    tests: testLinks(checkers(f.ids)),
    sections: f.ids.flatMap((id) => (derivedIn.get(id) ?? []).slice(0, 1).map((d) => ({ id, page: d.page, anchor: d.anchor, heading: d.heading }))),
  }])),
}, null, 1));

// Machine-readable maps for the browser tests.
writeFileSync(path.join(staticDir, 'notebooks', 'catalogue-ids.json'), JSON.stringify(allIds));
const missingImpl = allIds.filter((id) => !functions.some((f) => f.ids.includes(id)));
const missingTest = allIds.filter((id) => !tests.some((t) => t.ids.includes(id)));
console.log(`generate: ${allIds.length} catalogue IDs, ${functions.filter((f) => f.ids.length).length} documented functions, ${tests.length} tests, ${notebookPages.length} notebooks (${notebookFiles.length - stale.length} executed before this run)`);
if (missingImpl.length) console.log(`generate: IDs without an implementing function: ${missingImpl.join(' ')}`);
if (missingTest.length) console.log(`generate: IDs without a test: ${missingTest.join(' ')}`);

// The live-model pages and their assets (digits, shipped weights).
await import('./live-assets.mjs');
