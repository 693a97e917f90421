// Text and pages of the built site (build/): no raw TeX outside math anywhere (titles, "on this page", breadcrumbs,
// API pages, errata, descriptions), CJK text drawn with the shipped webfont, the Chinese and ID searches finding their
// pages, a real site address in canonical links and the sitemap, and every sources / notation / cross link resolving.
// HTML checks read the files; browser checks run in Chromium (playwright-core). Screenshots: artifacts/screenshots/.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { parse, serialize } from 'parse5';
import { buildDir, launchChromium, serveBuild, site } from '../scripts/serve-build.mjs';
import { repositoryUrl, siteUrl } from '../site-config.mjs';

const shots = path.join(site, 'artifacts', 'screenshots');
const repo = path.join(site, '..', '..');

function htmlFiles(dir = buildDir, out = []) {
  for (const name of readdirSync(dir)) {
    const p = path.join(dir, name);
    if (statSync(p).isDirectory()) htmlFiles(p, out);
    else if (name === 'index.html') out.push(p);
  }
  return out;
}
/**
 * A built page as a browser parses it. The production build minifies its HTML (unquoted attributes, omitted end tags
 * such as </thead>), so the checks below read it through an HTML5 parser and its serialiser, which restore both.
 */
const readPage = (file) => serialize(parse(readFileSync(file, 'utf8')));
const routeOf = (file) => `/${path.relative(buildDir, path.dirname(file)).split(path.sep).join('/')}`.replace(/\/$/, '') || '/';
/** Each catalogue ID's text, as scripts/generate.mjs read it from docs/FORMULAS.md. */
const CATALOGUE = existsSync(path.join(site, '.generated', 'links.json')) ? JSON.parse(readFileSync(path.join(site, '.generated', 'links.json'), 'utf8')).catalogue : {};
/** Each exported name's IDs, tests, sections and source line (the same file the typedoc plugin reads). */
const NAMES = existsSync(path.join(site, '.generated', 'links.json')) ? JSON.parse(readFileSync(path.join(site, '.generated', 'links.json'), 'utf8')).names : {};
const PAGES = existsSync(buildDir) ? htmlFiles().filter((f) => !/\/(search|404)(\/|$)/.test(routeOf(f))) : [];

const decode = (s) =>
  s.replace(/&#x([0-9a-f]+);/gi, (_, h) => String.fromCodePoint(parseInt(h, 16)))
    .replace(/&#(\d+);/g, (_, d) => String.fromCodePoint(Number(d)))
    .replace(/&quot;/g, '"').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&nbsp;/g, ' ').replace(/&amp;/g, '&');

/**
 * The text a reader sees, minus code and math: scripts, styles, <pre>, <code> and KaTeX's MathML (whose annotation is
 * the TeX, hidden) are dropped; KaTeX's visible HTML holds only glyphs. What is left must hold no TeX.
 */
function visibleProse(html) {
  return decode(
    html
      .replace(/<head>[\s\S]*?<\/head>/, ' ')
      .replace(/<script[\s\S]*?<\/script>/g, ' ')
      .replace(/<style[\s\S]*?<\/style>/g, ' ')
      .replace(/<pre[\s\S]*?<\/pre>/g, ' ')
      .replace(/<code[\s\S]*?<\/code>/g, ' ')
      .replace(/<math[\s\S]*?<\/math>/g, ' ')
      .replace(/<!--[\s\S]*?-->/g, ' ')
      .replace(/<[^>]+>/g, ' '),
  );
}

/**
 * Raw TeX, or the plain-text math that stands for it: a control word (\alpha), a script group (x_{t-1}, ^{2}), a
 * dollar-delimited formula, or an indexed symbol written with an underscore (x_t, ε_θ, L_simple). Identifiers such as
 * snake_case words or MAX_COUNT are not matched: only a lone letter (with its accents) before the underscore.
 */
const RAW_TEX = /\\[a-zA-Z]{2,}|[_^]\{|\$[^$\s][^$]*\$|(?<![\p{L}\p{N}_\\])\p{L}\p{M}*_[\p{L}\p{N}]+(?![\p{L}\p{N}_])/u;

/** Plain text may write a subscript Unicode lacks (ε_θ, σ_q, q_sample) with an underscore: not TeX. */
const plainLabel = (text) => text.replace(/(?<![\p{L}\p{N}_])(\p{L}\p{M}*)_(\p{L}[\p{L}\p{M}]*)/gu, '$1$2');

function rawTexIn(text) {
  const m = RAW_TEX.exec(text);
  return m ? text.slice(Math.max(0, m.index - 40), m.index + 40).replace(/\s+/g, ' ') : null;
}

let closeServer;
let base;
let browser;

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

test('no page shows raw TeX outside math: prose, headings, "on this page", breadcrumbs, <title>, descriptions', () => {
  assert.ok(PAGES.length > 300, `only ${PAGES.length} pages were built`);
  const problems = [];
  for (const file of PAGES) {
    const html = readPage(file);
    const route = routeOf(file);
    const title = decode(/<title[^>]*>([\s\S]*?)<\/title>/.exec(html)?.[1] ?? '');
    // <title> holds no markup: plain Unicode only (no $, backslash, braces or carets; ε_θ's underscore is allowed
    // where Unicode has no subscript letter).
    if (/[$\\{}^]/.test(title)) problems.push(`${route}: <title> ${title}`);
    // Meta text is plain too: formulas as Unicode, a subscript Unicode lacks (ε_θ) as an underscore and one letter.
    for (const [, name, content] of html.matchAll(/<meta[^>]*(?:name|property)="(description|og:description|og:title|keywords)"[^>]*content="([^"]*)"/g)) {
      const raw = rawTexIn(plainLabel(decode(content)));
      if (raw) problems.push(`${route}: meta ${name}: …${raw}…`);
    }
    // The sidebar and the pagination show page labels, which are plain text like <title>; the rest is prose.
    const labels = [...html.matchAll(/<nav[^>]*class="[^"]*(?:\bmenu\b|pagination-nav)[^"]*"[\s\S]*?<\/nav>/g)].map((m) => m[0]);
    for (const label of labels.map(visibleProse)) if (/[$\\{}^]/.test(label)) problems.push(`${route}: a sidebar or pagination label: ${label.slice(0, 200)}`);
    // No control characters (but tab and line breaks): a TeX string unescaped once too often leaves them (\v, \f, \b).
    const control = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/.exec(html);
    if (control) problems.push(`${route}: a control character U+${control[0].charCodeAt(0).toString(16).padStart(4, '0')} in …${html.slice(Math.max(0, control.index - 60), control.index + 20)}…`);
    const raw = rawTexIn(visibleProse(html.replace(/<nav[^>]*class="[^"]*(?:\bmenu\b|pagination-nav)[^"]*"[\s\S]*?<\/nav>/g, ' ')));
    if (raw) problems.push(`${route}: …${raw}…`);
  }
  assert.deepEqual(problems, [], `${problems.length} pages with raw TeX:\n${problems.slice(0, 40).join('\n')}`);
});

test('the headings that carry math render it with KaTeX in "on this page", and notebook 05 in its h1 and breadcrumb', () => {
  const cases = [['/notebooks/03-forward', ['C2', 'C5', 'C8']], ['/notebooks/04-posterior', ['D4']], ['/notebooks/05-objective', ['E4']]];
  for (const [route, ids] of cases) {
    const html = readPage(path.join(buildDir, route, 'index.html'));
    const toc = /<ul class="table-of-contents[\s\S]*?<\/ul><\/div>/.exec(html)?.[0] ?? '';
    for (const id of ids) {
      const entry = new RegExp(`<a href="#${id}" class="table-of-contents__link[^"]*">([\\s\\S]*?)</a></li>`).exec(toc)?.[1] ?? '';
      assert.match(entry, /class="katex"/, `${route}: the "on this page" entry of ${id} has no KaTeX: ${entry.slice(0, 120)}`);
    }
  }
  const html = readPage(path.join(buildDir, 'notebooks', '05-objective', 'index.html'));
  const h1 = /<h1[^>]*>([\s\S]*?)<\/h1>/.exec(html)?.[1] ?? '';
  assert.match(h1, /class="katex"/, 'notebook 05’s h1 has no KaTeX');
  const crumb = /<li class="breadcrumbs__item breadcrumbs__item--active">([\s\S]*?)<\/li>/.exec(html)?.[1] ?? '';
  assert.match(crumb, /class="katex"/, 'notebook 05’s breadcrumb has no KaTeX');
  // Its ε came out of a second unescaping as a vertical tab and "arepsilon" (\varepsilon read as \v + arepsilon).
  assert.doesNotMatch(crumb, /arepsilon/, 'notebook 05’s breadcrumb holds TeX that was unescaped twice');
  const title = decode(/<title[^>]*>([\s\S]*?)<\/title>/.exec(html)?.[1] ?? '');
  assert.match(title, /‖ε − ε_θ‖²/, `notebook 05’s <title> lacks the Unicode formula: ${title}`);
});

test('API pages render their doc comment’s math, and every formula page links to its catalogue row, notebook section, tests and source', () => {
  const apiPages = PAGES.filter((f) => routeOf(f).startsWith('/api/') && routeOf(f) !== '/api');
  assert.ok(apiPages.length > 300, `only ${apiPages.length} API pages`);
  const unrendered = [];
  const unlinked = [];
  for (const file of apiPages) {
    const html = readPage(file);
    const article = /<article[\s\S]*<\/article>/.exec(html)?.[0] ?? '';
    const links = [...article.matchAll(/href="([^"]+)"/g)].map((m) => m[1]);
    if (!links.some((l) => l.startsWith(`${repositoryUrl}/blob/`))) unlinked.push(`${routeOf(file)}: no source link`);
    if (!links.some((l) => l.startsWith('/catalogue#'))) continue;
    // A formula page renders its formula (the doc comment's TeX, or the catalogue's in the closing section) and
    // links to the rest; its plain-text formulas are checked by the raw-TeX test above.
    // (A row without a formula, such as E6's batch conventions, has none to render.)
    const ids = [...new Set([...article.matchAll(/href="\/catalogue#([A-G]\d{1,2})"/g)].map((m) => m[1]))];
    const hasFormula = ids.some((id) => (CATALOGUE[id] ?? '').includes('$'));
    if (hasFormula && !/class="katex"/.test(article)) unrendered.push(routeOf(file));
    const name = routeOf(file).split('/').pop();
    if ((NAMES[name]?.tests ?? []).length && !links.some((l) => l.startsWith('/code/'))) unlinked.push(`${routeOf(file)}: no test link`);
  }
  assert.deepEqual(unrendered, [], `formula pages whose doc comment shows no rendered math: ${unrendered.join(', ')}`);
  assert.deepEqual(unlinked, [], unlinked.join('\n'));
  const posteriorMean = readPage(path.join(buildDir, 'api', 'functions', 'posteriorMean', 'index.html'));
  assert.match(posteriorMean, /href="\/notebooks\/04-posterior#D2"/, 'posteriorMean does not link to the section deriving D2');
});

test('/errata renders its formulas', () => {
  const html = readPage(path.join(buildDir, 'errata', 'index.html'));
  const count = (html.match(/class="katex"/g) ?? []).length;
  assert.ok(count >= 5, `/errata renders only ${count} formulas`);
});

test('the site address is real: canonical links, og:url and the sitemap use it, not localhost; the repository is linked', () => {
  assert.doesNotMatch(siteUrl, /localhost|127\.0\.0\.1/, `site url ${siteUrl}`);
  const sitemap = readFileSync(path.join(buildDir, 'sitemap.xml'), 'utf8');
  const locs = [...sitemap.matchAll(/<loc>([^<]+)<\/loc>/g)].map((m) => m[1]);
  assert.ok(locs.length > 300, `the sitemap lists ${locs.length} pages`);
  assert.deepEqual(locs.filter((l) => !l.startsWith(`${siteUrl}/`)), [], 'sitemap entries outside the site url');
  const wrong = [];
  for (const file of PAGES) {
    const html = readPage(file);
    const canonical = /<link[^>]*rel="canonical"[^>]*href="([^"]+)"/.exec(html)?.[1];
    const expected = `${siteUrl}${routeOf(file) === '/' ? '/' : routeOf(file)}`;
    if (canonical !== expected && canonical !== `${expected}/`) wrong.push(`${routeOf(file)}: canonical ${canonical}`);
    if (!html.includes(`href="${repositoryUrl}"`)) wrong.push(`${routeOf(file)}: no link to the repository`);
  }
  assert.deepEqual(wrong, [], wrong.slice(0, 20).join('\n'));
});

test('the sources page lists S0–S4 and the nine papers; the notation page has its S1 column and the conventions of §N', () => {
  const sources = visibleProse(readPage(path.join(buildDir, 'sources', 'index.html'))).replace(/\s+/g, ' ');
  for (const id of ['S0', 'S1', 'S2', 'S3', 'S4']) assert.match(sources, new RegExp(`\\b${id}\\b`), `${id} missing`);
  for (const paper of ['Sohl-Dickstein', 'Ho, J., Jain, A., & Abbeel, P. (2020)', 'Song, J., Meng, C., & Ermon, S. (2021)', 'Nichol, A. Q., & Dhariwal, P. (2021)', 'Dhariwal, P., & Nichol, A. (2021)', 'Ho, J., & Salimans, T. (2022)', 'Rombach, R.', 'Peebles, W., & Xie, S. (2023)', 'Kingma, D. P., & Welling, M. (2014)']) {
    assert.ok(sources.includes(paper), `the sources page lacks ${paper}`);
  }
  assert.match(sources, /Reading order/);
  assert.ok(sources.includes('秃头小苏') && sources.includes('spaces.ac.cn/archives/9119'), 'S0’s author or S2’s address is missing');
  const notation = readPage(path.join(buildDir, 'notation', 'index.html'));
  const header = /<thead>([\s\S]*?)<\/thead>/.exec(notation)?.[1] ?? '';
  assert.match(visibleProse(header), /S0\s+S1\s+S2/, `the notation table has no S1 column: ${visibleProse(header)}`);
  const conventions = /id="conventions"[\s\S]*?<\/h2>([\s\S]*?)(?:<h2|<\/article>)/.exec(notation)?.[1] ?? '';
  assert.ok((conventions.match(/<li[ >]/g) ?? []).length >= 3, 'the conventions of §N are empty');
});

test('every link of the sources, notation, errata, catalogue and notebook pages resolves (internal pages and anchors; repository files and lines)', () => {
  const routes = new Set(PAGES.map(routeOf));
  const idsOf = new Map();
  const idsOfRoute = (route) => {
    if (!idsOf.has(route)) idsOf.set(route, new Set([...readPage(path.join(buildDir, route, 'index.html')).matchAll(/\sid="([^"]+)"/g)].map((m) => m[1])));
    return idsOf.get(route);
  };
  const broken = [];
  let checked = 0;
  const pages = PAGES.filter((f) => /^\/(sources|notation|errata|catalogue|notebooks\/|code\/|api\/functions\/)/.test(routeOf(f)));
  for (const file of pages) {
    const article = /<article[\s\S]*<\/article>/.exec(readPage(file))?.[0] ?? '';
    for (const [, href] of article.matchAll(/<a [^>]*href="([^"]+)"/g)) {
      if (href.startsWith('/') && !href.startsWith('//')) {
        const [route, anchor] = decode(href).split('#');
        const clean = route.replace(/\?.*$/, '').replace(/\/$/, '') || '/'; // a query (?model=cdit) chooses within the page
        if (/\.(ipynb|json|svg|png)$/.test(clean)) continue; // downloads, checked by the browser tests
        checked += 1;
        if (!routes.has(clean)) broken.push(`${routeOf(file)} → ${href} (no page)`);
        else if (anchor && !idsOfRoute(clean).has(anchor)) broken.push(`${routeOf(file)} → ${href} (no anchor)`);
      } else if (href.startsWith(`${repositoryUrl}/blob/`)) {
        const [rel, line] = href.slice(repositoryUrl.length + '/blob/'.length).replace(/^[^/]+\//, '').split('#L');
        checked += 1;
        const p = path.join(repo, decodeURIComponent(rel));
        if (!existsSync(p)) broken.push(`${routeOf(file)} → ${href} (no such file)`);
        else if (line && Number(line) > readFileSync(p, 'utf8').split('\n').length) broken.push(`${routeOf(file)} → ${href} (no line ${line})`);
      }
    }
  }
  assert.ok(checked > 2000, `only ${checked} links checked`);
  assert.deepEqual(broken, [], `${broken.length} broken links:\n${broken.slice(0, 30).join('\n')}`);
});

test('notebook sections link to their catalogue row, API page, tests and source; catalogue rows and API pages link back', () => {
  const forward = readPage(path.join(buildDir, 'notebooks', '03-forward', 'index.html'));
  const c5 = /id="C5"[\s\S]*?<div class="section-links">([\s\S]*?)<\/div>/.exec(forward)?.[1] ?? '';
  assert.match(c5, /href="\/catalogue#C5"/, 'C5’s section does not link to its catalogue row');
  assert.match(c5, /href="\/api\/functions\/forwardMarginal"/, 'C5’s section does not link to forwardMarginal');
  assert.match(c5, /href="\/code\/forward-forward-test#test-\d+"/, 'C5’s section does not link to its tests');
  assert.match(c5, new RegExp(`href="${repositoryUrl}/blob/[^/]+/packages/core/src/forward/forward\\.ts#L\\d+"`), 'C5’s section does not link to its source');
  const catalogue = readPage(path.join(buildDir, 'catalogue', 'index.html'));
  const row = /id="C5"[\s\S]*?<\/div><div class="formula-code">/.exec(catalogue)?.[0] ?? '';
  assert.match(row, /href="\/notebooks\/03-forward#C5"/, 'C5’s row does not link to its notebook section');
  assert.match(row, new RegExp(`href="${repositoryUrl}/blob/`), 'C5’s row does not link to its source file');
  const api = readPage(path.join(buildDir, 'api', 'functions', 'forwardMarginal', 'index.html'));
  for (const target of ['/catalogue#C5', '/notebooks/03-forward#C5', '/code/forward-forward-test#']) assert.ok(api.includes(`href="${target}`), `forwardMarginal’s page does not link to ${target}`);
  const tests = readPage(path.join(buildDir, 'code', 'forward-forward-test', 'index.html'));
  assert.ok(tests.includes('href="/notebooks/03-forward#C5"'), 'the forward tests page does not link to the C5 section');
});

/** Opens a page in Chromium; records console errors and failed requests. */
async function open(url, viewport = { width: 1280, height: 900 }) {
  const context = await browser.newContext({ viewport });
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  page.on('response', (r) => r.status() >= 400 && errors.push(`HTTP ${r.status()}: ${r.url()}`));
  await page.goto(`${base}${url}`, { waitUntil: 'load' });
  return { page, errors, close: () => context.close() };
}

/** The fonts Chromium drew an element's text with (DevTools protocol): what was rendered, not what CSS asks for. */
async function platformFonts(page, selector, text) {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('DOM.enable');
  await cdp.send('CSS.enable');
  // Mark the element in the page, then find it by the mark (node ids of a list go stale as React re-renders).
  const found = await page.evaluate(({ selector, text }) => {
    const el = [...document.querySelectorAll(selector)].find((e) => e.textContent.includes(text));
    if (el) el.setAttribute('data-font-probe', '1');
    return Boolean(el);
  }, { selector, text });
  if (!found) return null;
  const { root } = await cdp.send('DOM.getDocument', { depth: -1 });
  const { nodeId } = await cdp.send('DOM.querySelector', { nodeId: root.nodeId, selector: '[data-font-probe="1"]' });
  return (await cdp.send('CSS.getPlatformFontsForNode', { nodeId })).fonts;
}

test('CJK in code (a doc comment citing 公式 on /catalogue) is drawn with the shipped webfont too', { timeout: 60_000 }, async () => {
  const { page, errors, close } = await open('/catalogue#D5');
  await page.evaluate(() => document.fonts.ready);
  const used = await platformFonts(page, '.formula-code .token-line', '公式11');
  assert.ok(used, 'no code line citing 公式11 on /catalogue');
  assert.ok(used.some((f) => /Noto Sans SC/.test(f.familyName) && f.isCustomFont), `公式 in code drawn with ${JSON.stringify(used)}`);
  await page.screenshot({ path: path.join(shots, 'catalogue-D5-cjk-code.png') });
  assert.deepEqual(errors, []);
  await close();
});

test('CJK text is drawn with the shipped Noto Sans SC webfont, on desktop and on a phone', { timeout: 120_000 }, async () => {
  for (const [name, viewport] of [['desktop', { width: 1280, height: 900 }], ['phone', { width: 390, height: 844 }]]) {
    const { page, errors, close } = await open('/sources', viewport);
    const cell = page.locator('li', { hasText: '秃头小苏' }).first();
    await cell.scrollIntoViewIfNeeded();
    await page.evaluate(() => document.fonts.ready);
    const loaded = await page.evaluate(() => [...document.fonts].filter((f) => f.family.replace(/"/g, '') === 'Noto Sans SC' && f.status === 'loaded').length);
    assert.ok(loaded > 0, `${name}: no Noto Sans SC face loaded`);
    const family = await cell.evaluate((el) => getComputedStyle(el).fontFamily);
    assert.match(family, /Noto Sans SC/, `${name}: the CJK cell's font-family is ${family}`);
    const used = await platformFonts(page, 'li', '秃头小苏');
    assert.ok(used, `${name}: the CJK text was not found through CDP`);
    assert.ok(used.some((f) => /Noto Sans SC/.test(f.familyName) && f.isCustomFont), `${name}: CJK glyphs drawn with ${JSON.stringify(used)}`);
    await page.screenshot({ path: path.join(shots, `sources-${name}.png`) });
    assert.deepEqual(errors, []);
    await close();
  }
});

/** Types a query into the navbar search and returns the suggestions' text and links. */
async function search(query) {
  const { page, errors, close } = await open('/');
  const input = page.locator('input.navbar__search-input');
  await input.click();
  await input.fill(query);
  const suggestions = page.locator('.aa-suggestion, [class*="suggestion_"]');
  await suggestions.first().waitFor({ timeout: 20_000 });
  await page.waitForTimeout(300);
  const hits = await suggestions.evaluateAll((els) => els.map((el) => ({ text: el.innerText, href: (el.closest('a') ?? el.querySelector('a'))?.getAttribute('href') ?? '' })));
  return { page, errors, close, hits };
}

test('search finds the Chinese terms (重参数, 后验, 公式) on the pages that hold them', { timeout: 120_000 }, async () => {
  // A suggestion shows its heading or snippet and the page it is on ("Derivations › Notation"); it is not a link
  // (the dropdown navigates by script), so the expected page is read from its text.
  for (const [query, pageName] of [['重参数', /Notation/], ['后验', /Notation/], ['公式', /公式/]]) {
    const { page, errors, close, hits } = await search(query);
    assert.ok(hits.length > 0, `${query}: no results`);
    assert.ok(hits.some((h) => pageName.test(h.text)), `${query}: no hit on ${pageName}: ${hits.map((h) => h.text.replace(/\s+/g, ' ')).join(' | ')}`);
    await page.screenshot({ path: path.join(shots, `search-${query}.png`) });
    assert.deepEqual(errors, []);
    await close();
  }
});

test('search for "D5" ranks the D5 row or section first, and no snippet doubles KaTeX’s text', { timeout: 60_000 }, async () => {
  const { page, errors, close, hits } = await search('D5');
  assert.match(hits[0].text, /^D5\b[\s\S]*(formula catalogue|reverse process)/i, `the first hit is: ${hits[0].text}`);
  // KaTeX's doubled text: the MathML letters followed by the HTML letters ("αtαt"), or the TeX annotation.
  const second = await search('closed form');
  await second.close();
  for (const hit of [...hits, ...second.hits]) {
    assert.doesNotMatch(hit.text, /\\[a-zA-Z]{2,}|q\(xt∣x0\)q|(\p{L}{1,3})\1\(/u, `a snippet doubles or shows TeX: ${hit.text}`);
  }
  await page.screenshot({ path: path.join(shots, 'search-D5.png') });
  assert.deepEqual(errors, []);
  await close();
});
