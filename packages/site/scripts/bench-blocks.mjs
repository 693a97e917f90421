// Runnable-block latency in the built site (headless Chromium, no GPU): the home page's block run right after the
// page loads (the warm worker may still be starting) and then re-run RUNS times; for each, the time from the click to
// its first output line and to "done". Usage: node scripts/bench-blocks.mjs (after build:site).
import { launchChromium, serveBuild } from './serve-build.mjs';

const RUNS = 7;
const { base, close } = await serveBuild();
const browser = await launchChromium();
const page = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
await page.goto(`${base}/`, { waitUntil: 'load' });
const block = page.locator('[data-testid="runnable"]').first();

async function timedRun() {
  const output = block.locator('[data-testid="output"]');
  const t0 = Date.now();
  await block.locator('[data-testid="run"]').click();
  await output.locator('pre.runnable__log').first().waitFor({ timeout: 120_000 });
  const first = Date.now() - t0;
  await output.getByText(/done in/).waitFor({ timeout: 120_000 });
  return { first, done: Date.now() - t0 };
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const cold = await timedRun();
const warm = [];
for (let k = 0; k < RUNS; k++) warm.push(await timedRun());
console.log(`first run after page load: first output ${cold.first} ms, done ${cold.done} ms`);
console.log(`re-runs (n = ${RUNS}): first output median ${median(warm.map((r) => r.first))} ms (max ${Math.max(...warm.map((r) => r.first))}), done median ${median(warm.map((r) => r.done))} ms (max ${Math.max(...warm.map((r) => r.done))})`);
await browser.close();
close();
