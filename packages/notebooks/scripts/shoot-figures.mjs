// Screenshots of every figure of the executed notebooks (.executed/, written by run-notebooks.cjs), as a reader
// sees them: each SVG as an <img> in a page 1280 px wide (desktop) and 390 px wide (a phone, 2× pixels, 16 px
// padding). PNGs go to artifacts/figures/ (git-ignored), named <notebook>-<k>-desktop.png / -phone.png.
// Usage: node scripts/shoot-figures.mjs [name filter …]   (Chromium through the site's playwright-core)
import { createRequire } from 'node:module';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const pkg = path.join(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(path.join(pkg, '..', 'site', 'package.json'));
const { chromium } = require('playwright-core');
const executed = path.join(pkg, '.executed');
const out = path.join(pkg, 'artifacts', 'figures');
const only = process.argv.slice(2);

if (!fs.existsSync(executed)) throw new Error('no .executed/: run node scripts/run-notebooks.cjs --smoke first');
fs.mkdirSync(out, { recursive: true });
const figures = [];
for (const file of fs.readdirSync(executed).filter((f) => f.endsWith('.ipynb')).sort()) {
  if (only.length && !only.some((o) => file.includes(o))) continue;
  const nb = JSON.parse(fs.readFileSync(path.join(executed, file), 'utf8'));
  let k = 0;
  for (const cell of nb.cells) {
    for (const o of cell.outputs ?? []) {
      const svg = o.data?.['image/svg+xml'];
      if (svg) figures.push({ name: `${file.replace(/\.ipynb$/, '')}-${k++}`, svg: [].concat(svg).join('') });
    }
  }
}

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update'],
});
try {
  for (const [width, tag, scale] of [[1280, 'desktop', 1], [390, 'phone', 2]]) {
    const page = await browser.newPage({ viewport: { width, height: 900 }, deviceScaleFactor: scale });
    for (const { name, svg } of figures) {
      const src = `data:image/svg+xml;base64,${Buffer.from(svg).toString('base64')}`;
      await page.setContent(`<!doctype html><meta name="viewport" content="width=device-width"><style>body{margin:0;padding:16px}img{display:block;max-width:100%}</style><img src="${src}">`);
      await page.locator('img').screenshot({ path: path.join(out, `${name}-${tag}.png`) });
    }
    await page.close();
  }
} finally {
  await browser.close();
}
console.log(`${figures.length} figures × 2 widths → ${path.relative(process.cwd(), out)}`);
