// Browser tests of the built site (build/), in real Chromium through playwright-core: every page loads without
// console errors, math is rendered by KaTeX at build time, every catalogue ID of docs/FORMULAS.md has its anchor,
// a runnable block runs in its Web Worker and shows its result, and the local search finds a formula by its ID.
// Screenshots of key pages go to artifacts/screenshots/ (git-ignored).
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { buildDir, launchChromium, serveBuild, site } from '../scripts/serve-build.mjs';

const shots = path.join(site, 'artifacts', 'screenshots');
const repo = path.join(site, '..', '..');

/** The catalogue IDs, read exactly as core's coverage test reads them: `- C5 …` bullets and `…; C6 …` inside one. */
function catalogueIds(markdown) {
  const ids = new Set();
  for (const line of markdown.split('\n')) {
    if (!line.startsWith('- ')) continue;
    for (const m of line.matchAll(/(?:^- |; )([A-G]\d{1,2})\b/g)) ids.add(m[1]);
  }
  return [...ids];
}
const IDS = catalogueIds(readFileSync(path.join(repo, 'docs', 'FORMULAS.md'), 'utf8'));

let closeServer;
let base;
let browser;

function htmlPages(dir, out = []) {
  for (const name of readdirSync(dir)) {
    const p = path.join(dir, name);
    if (statSync(p).isDirectory()) htmlPages(p, out);
    else if (name === 'index.html') out.push(`/${path.relative(buildDir, path.dirname(p)).split(path.sep).join('/')}`.replace(/\/$/, '') || '/');
  }
  return out;
}

before(async () => {
  assert.ok(existsSync(path.join(buildDir, 'index.html')), 'build/ is missing: run `pnpm --filter @ddpm-derived/site build:site` first');
  mkdirSync(shots, { recursive: true });
  const served = await serveBuild();
  base = served.base;
  closeServer = served.close;
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  closeServer?.();
});

/** A page that records console errors, uncaught exceptions and failed requests. */
async function open(url, { viewport = { width: 1280, height: 900 }, colorScheme = 'light' } = {}) {
  const context = await browser.newContext({ viewport, colorScheme });
  const page = await context.newPage();
  const errors = [];
  page.on('console', (m) => m.type() === 'error' && errors.push(`console: ${m.text()}`));
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  page.on('requestfailed', (r) => errors.push(`request failed: ${r.url()} ${r.failure()?.errorText}`));
  page.on('response', (r) => r.status() >= 400 && errors.push(`HTTP ${r.status()}: ${r.url()}`));
  await page.goto(`${base}${url}`, { waitUntil: 'load' });
  return { page, errors, close: () => context.close() };
}

test('every page loads without console errors or failed requests', { timeout: 600_000 }, async () => {
  const pages = htmlPages(buildDir).filter((p) => p !== '/404' && !p.startsWith('/search'));
  assert.ok(pages.length > 20, `only ${pages.length} pages were built`);
  const context = await browser.newContext();
  const page = await context.newPage();
  const problems = [];
  let current = '';
  page.on('console', (m) => m.type() === 'error' && problems.push(`${current}: console: ${m.text()}`));
  page.on('pageerror', (e) => problems.push(`${current}: pageerror: ${e.message}`));
  page.on('response', (r) => r.status() >= 400 && problems.push(`${current}: HTTP ${r.status()} ${r.url()}`));
  for (const p of pages) {
    current = p;
    await page.goto(`${base}${p}`, { waitUntil: 'load' });
    const h1 = await page.locator('h1').count();
    if (h1 === 0 && p !== '/search') problems.push(`${p}: no <h1>`);
  }
  await context.close();
  assert.deepEqual(problems, [], problems.join('\n'));
});

test('math is rendered at build time by the bundled KaTeX, with its CSS and fonts, and no KaTeX script', async () => {
  for (const url of ['/catalogue', '/notebooks/03-forward']) {
    const { page, errors, close } = await open(url);
    const rendered = await page.locator('.katex').count();
    assert.ok(rendered > 10, `${url}: only ${rendered} KaTeX elements`);
    assert.equal(await page.locator('.katex-error').count(), 0, `${url}: KaTeX errors`);
    // The raw TeX must not be visible as text: the rendered HTML is there, the MathML copy is visually hidden.
    const font = await page.locator('.katex-html').first().evaluate((el) => getComputedStyle(el.closest('.katex')).fontFamily);
    assert.match(font, /KaTeX_Main/, `${url}: KaTeX CSS not applied (font-family ${font})`);
    await page.evaluate(() => document.fonts.ready);
    const fontsLoaded = await page.evaluate(() => [...document.fonts].filter((f) => f.family.includes('KaTeX') && f.status === 'loaded').length);
    assert.ok(fontsLoaded > 0, `${url}: no KaTeX font loaded`);
    const scripts = await page.evaluate(() => [...document.scripts].map((s) => s.src).filter((s) => /katex/i.test(s)));
    assert.deepEqual(scripts, [], 'no KaTeX JavaScript is shipped');
    assert.deepEqual(errors, []);
    await page.screenshot({ path: path.join(shots, `${url.replace(/\//g, '_')}.png`), fullPage: false });
    await close();
  }
});

test('every catalogue ID of docs/FORMULAS.md resolves to an anchor on /catalogue that links to its function and tests', async () => {
  assert.ok(IDS.length >= 40, `only ${IDS.length} IDs read from FORMULAS.md`);
  const { page, errors, close } = await open('/catalogue');
  const missing = [];
  const unlinked = [];
  for (const id of IDS) {
    const info = await page.evaluate((id) => {
      const h = document.getElementById(id);
      if (!h) return null;
      const row = h.closest('.formula-row');
      const links = row ? [...row.querySelectorAll('a')].map((a) => a.getAttribute('href') ?? '') : [];
      return { api: links.some((l) => l.startsWith('/api/')), test: links.some((l) => l.startsWith('/code/')) };
    }, id);
    if (!info) missing.push(id);
    else if (!(info.api && info.test)) unlinked.push(`${id} (api ${info.api}, test ${info.test})`);
  }
  assert.deepEqual(missing, [], `IDs without an anchor: ${missing.join(' ')}`);
  assert.deepEqual(unlinked, [], `IDs without links to their function and test: ${unlinked.join(', ')}`);
  // Following an anchor scrolls the row into view.
  await page.goto(`${base}/catalogue#C5`, { waitUntil: 'load' });
  const top = await page.locator('#C5').evaluate((el) => el.getBoundingClientRect().top);
  assert.ok(top >= 0 && top < 400, `#C5 is not scrolled into view (top ${top})`);
  await page.screenshot({ path: path.join(shots, 'catalogue-C5.png') });
  assert.deepEqual(errors, []);
  await close();
});

test('API pages link back to the catalogue', async () => {
  const { page, errors, close } = await open('/api/functions/forwardMarginal');
  const back = await page.locator('a[href^="/catalogue#C5"]').count();
  assert.ok(back > 0, 'forwardMarginal’s page has no link to /catalogue#C5');
  assert.ok((await page.locator('.katex').count()) > 0, 'the doc comment’s TeX is not rendered');
  await page.screenshot({ path: path.join(shots, 'api-forwardMarginal.png'), fullPage: true });
  assert.deepEqual(errors, []);
  await close();
});

test('a runnable block runs in a Web Worker and shows its result; Stop ends a long run', { timeout: 240_000 }, async () => {
  const { page, errors, close } = await open('/');
  const block = page.locator('[data-testid="runnable"]').first();
  await block.locator('[data-testid="run"]').click();
  const output = block.locator('[data-testid="output"]');
  await output.getByText(/done in/).waitFor({ timeout: 120_000 });
  const text = await output.innerText();
  assert.match(text, /ᾱ_t = 0\.\d+/, text);
  assert.match(text, /x_t = /, text);
  await block.screenshot({ path: path.join(shots, 'runnable-home.png') });
  // Edit the code: an endless loop, then Stop.
  await block.locator('.cm-content').click();
  await page.keyboard.press('Control+A');
  await page.keyboard.insertText('console.log("start"); while (true) {}');
  await block.locator('[data-testid="run"]').click();
  await page.waitForTimeout(1500);
  await block.locator('[data-testid="stop"]').click();
  await output.getByText('stopped').waitFor({ timeout: 5000 });
  assert.deepEqual(errors, []);
  await close();
});

test('a notebook cell runs after the cells above it and shows its checks and plot', { timeout: 300_000 }, async () => {
  const { page, errors, close } = await open('/notebooks/00-notation');
  assert.equal(await page.locator('[data-testid="download-notebook"]').count(), 1, 'no download link');
  const href = await page.locator('[data-testid="download-notebook"]').getAttribute('href');
  const res = await page.request.get(`${base}${href}`);
  assert.equal(res.status(), 200);
  const downloaded = JSON.parse(await res.text());
  assert.equal(downloaded.metadata.kernelspec.name, 'tslab');
  // The download carries the outputs the page shows (issue 12: the committed .ipynb files have none), and says where it runs.
  const withOutputs = downloaded.cells.filter((c) => c.cell_type === 'code' && c.outputs?.length > 0).length;
  assert.ok(withOutputs > 0, 'the downloaded notebook has no outputs');
  assert.match(await page.locator('[data-testid="download-notebook"]').innerText(), /with its outputs/);
  assert.match(await page.locator('[data-testid="notebook-hint"]').innerText(), /scripts\/setup\.sh[\s\S]*packages\/notebooks\/lib/);
  const blocks = page.locator('[data-testid="runnable"]');
  const last = blocks.nth((await blocks.count()) - 1);
  await last.locator('[data-testid="run"]').click();
  const output = last.locator('[data-testid="output"]');
  await output.getByText(/done in|Error/).waitFor({ timeout: 240_000 });
  const text = await output.innerText();
  assert.doesNotMatch(text, /Error/, text);
  assert.ok((await output.locator('img.runnable__svg').count()) > 0, `no plot shown: ${text}`);
  await last.screenshot({ path: path.join(shots, 'runnable-notebook.png') });
  assert.deepEqual(errors, []);
  await close();
});

test('local search finds a formula by its ID', async () => {
  const { page, errors, close } = await open('/');
  const input = page.locator('input.navbar__search-input');
  await input.click();
  await input.fill('C5');
  const hit = page.locator('.aa-suggestion, [class*="suggestion"]').filter({ hasText: 'C5' }).first();
  await hit.waitFor({ timeout: 15_000 });
  // The best hit is C5's heading: its catalogue row or the notebook section deriving it.
  const first = page.locator('.aa-suggestion, [class*="suggestion"]').first();
  assert.match(await first.innerText(), /C5[\s\S]*(catalogue|forward process)/i);
  await page.screenshot({ path: path.join(shots, 'search-C5.png') });
  assert.deepEqual(errors, []);
  await close();
});

test('dark mode and the mobile layout render the catalogue and a notebook', async () => {
  for (const [name, opts] of [
    ['dark-catalogue', { colorScheme: 'dark' }],
    ['dark-notebook', { colorScheme: 'dark', url: '/notebooks/03-forward' }],
    ['mobile-catalogue', { viewport: { width: 390, height: 844 } }],
  ]) {
    const { page, errors, close } = await open(`${opts.url ?? '/catalogue'}#C5`, opts);
    if (opts.colorScheme === 'dark') assert.equal(await page.evaluate(() => document.documentElement.dataset.theme), 'dark');
    if (opts.viewport) {
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      assert.ok(overflow <= 1, `the page is ${overflow}px wider than the phone`);
    }
    await page.screenshot({ path: path.join(shots, `${name}.png`) });
    assert.deepEqual(errors, []);
    await close();
  }
});
