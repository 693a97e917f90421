// `pnpm --filter @ddpm-derived/site bench:live`: the live sampler's speed in headless Chromium (docs/BENCHMARKS.md).
// Serves build/ (build it first), opens /live/sampler, and draws 16 digits with DDIM, 25 steps, η = 0, three times
// guided (digit 3, w = 3: two network passes per step) and three times unguided (one pass), after one warm-up draw.
// Prints the time the worker measured around the sampler and the wall time from the click to the drawn result.
// Options: --model cddpm | cdit | cldm (the pixel UNet, the DiT, latent diffusion; default cddpm), --backends LIST
// (e.g. wasm or cpu; default: the page's own chain), --repeats N (default 3).
import { parseArgs } from 'node:util';
import { launchChromium, serveBuild } from './serve-build.mjs';

const { values } = parseArgs({ options: { model: { type: 'string', default: 'cddpm' }, backends: { type: 'string' }, repeats: { type: 'string', default: '3' } } });
const repeats = Number(values.repeats);
if (!['cddpm', 'cdit', 'cldm'].includes(values.model)) throw new Error(`bench:live: --model must be cddpm | cdit | cldm; received ${values.model}`);
if (!(Number.isInteger(repeats) && repeats >= 1 && repeats <= 100)) throw new Error(`bench:live: --repeats must be an integer in 1..100; received ${values.repeats}`);
const server = await serveBuild();
const browser = await launchChromium();
const page = await (await browser.newContext({ viewport: { width: 1280, height: 1000 } })).newPage();
const query = new URLSearchParams({ model: values.model, ...(values.backends ? { backends: values.backends } : {}) });
await page.goto(`${server.base}/live/sampler?${query}`, { waitUntil: 'load' });
await page.locator('[data-testid="backend"]').waitFor({ timeout: 60_000 });
const backend = await page.locator('[data-testid="backend"]').innerText();
const step = await page.waitForFunction(() => window.__live?.sample, null, { timeout: 300_000 }).then(() => page.evaluate(() => document.querySelector('[data-testid="status"]').textContent));

async function draw(s) {
  await page.locator('[data-testid="sample"]:not([disabled])').waitFor({ timeout: 300_000 });
  await page.locator('[data-testid="digit"]').selectOption(s.digit === null ? '' : String(s.digit));
  await page.locator('[data-testid="w"]').fill(String(s.w));
  await page.locator('[data-testid="sampler-ddim"]').check();
  await page.locator('[data-testid="steps"]').fill('25');
  await page.locator('[data-testid="eta"]').fill('0');
  await page.locator('[data-testid="n"]').fill('16');
  await page.evaluate(() => delete window.__live.sample);
  const t0 = Date.now();
  await page.locator('[data-testid="sample"]').click();
  await page.waitForFunction(() => window.__live?.sample, null, { timeout: 300_000, polling: 20 });
  const wall = Date.now() - t0;
  const r = await page.evaluate(() => window.__live.sample);
  if (r.n !== 16 || r.steps !== 25 || r.model !== values.model) throw new Error(`drew ${r.n} samples of ${r.model} in ${r.steps} steps, not 16 of ${values.model} in 25`);
  return { worker: r.ms, wall };
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
await draw({ digit: 3, w: 3 }); // warm-up: the backend compiles its kernels on first use
const rows = [];
for (const [name, s] of [['guided (digit 3, w = 3)', { digit: 3, w: 3 }], ['unguided (no digit)', { digit: null, w: 1 }]]) {
  const runs = [];
  for (let k = 0; k < repeats; k++) runs.push(await draw(s));
  rows.push({ name, worker: median(runs.map((r) => r.worker)), wall: median(runs.map((r) => r.wall)), all: runs.map((r) => (r.worker / 1000).toFixed(2)).join(', ') });
}
console.log(`model: weights/${values.model}; backend: ${backend}; first page draw: ${step}`);
console.log('| 16 digits, DDIM 25 steps, η = 0 | in the worker (median) | click to image (median) | runs (s) |');
console.log('| --- | --- | --- | --- |');
for (const r of rows) console.log(`| ${r.name} | ${(r.worker / 1000).toFixed(2)} s | ${(r.wall / 1000).toFixed(2)} s | ${r.all} |`);
await browser.close();
server.close();
