import * as tf from '@tensorflow/tfjs-core';
import { createHash } from 'node:crypto';
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../nn/backend.js';
import { MlpDenoiser } from '../models/mlp.js';
import { UNet } from '../models/unet.js';
import { createRng } from '../random/rng.js';
import { useCpuBackend } from '../testing/tf-setup.js';
import { DomainError } from '../util/validate.js';
import { assertCheckpointWritable, checkpointFolder, loadCheckpoint, loadOptimizerState, optimizerState, readManifest, saveCheckpoint, verifyCheckpoint } from './checkpoint.js';
import { imageGridPng } from './png.js';
import { WeightAverage } from './ema.js';

beforeAll(async () => {
  await selectBackend({ backend: 'wasm' });
});
afterAll(useCpuBackend);

const tmp = (prefix: string) => mkdtempSync(path.join(tmpdir(), prefix));
const sha256 = (bytes: Uint8Array | string) => createHash('sha256').update(bytes).digest('hex');
const bits = (x: Float32Array | Uint8Array) => Buffer.from(x.buffer, x.byteOffset, x.byteLength);

/** Adam steps on w with gradients from a seeded stream (the same stream for every caller with the same seed). */
function adamSteps(w: tf.Variable, optimizer: tf.Optimizer, rng: ReturnType<typeof createRng>, n: number): void {
  for (let i = 0; i < n; i++) {
    const g = rng.normalTensor(w.shape);
    optimizer.applyGradients([{ name: w.name, tensor: g }]);
    g.dispose();
  }
}

/** A saved ddpm2d-sized MLP with an Adam state, for the corruption tests. */
async function savedRun(): Promise<{ dir: string; model: MlpDenoiser }> {
  const dir = tmp('ckpt-bad-');
  const model = new MlpDenoiser(createRng(1), { hidden: 8, layers: 1 });
  const opt = tf.train.adam(1e-2);
  opt.applyGradients(Object.fromEntries(model.params.list.map((v) => [v.name, tf.onesLike(v)])));
  saveCheckpoint(dir, model, 7, { note: 'x' }, { optimizer: await optimizerState(opt) });
  opt.dispose();
  return { dir, model };
}

/** Rewrite the current manifest and update the pointer's checksum, as a buggy writer (not a damaged disk) would. */
function rewriteManifest(dir: string, edit: (m: Record<string, unknown>) => void): void {
  const file = path.join(checkpointFolder(dir), 'model.json');
  const m = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  edit(m);
  const text = JSON.stringify(m);
  writeFileSync(file, text);
  const pointer = JSON.parse(readFileSync(path.join(dir, 'checkpoint.json'), 'utf8')) as Record<string, unknown>;
  writeFileSync(path.join(dir, 'checkpoint.json'), JSON.stringify({ ...pointer, manifestSha256: sha256(text) }));
}

/** What loading `dir` into a model of the same architecture throws (as a message), or 'loaded'. */
async function loadError(dir: string, model: MlpDenoiser): Promise<string> {
  try {
    const fresh = new MlpDenoiser(createRng(2), model.config);
    loadCheckpoint(dir, fresh);
    await loadOptimizerState(dir, tf.train.adam(1e-2));
    fresh.params.dispose();
    return 'loaded';
  } catch (e) {
    expect(e).toBeInstanceOf(DomainError);
    return (e as Error).message;
  }
}

describe('checkpoints', () => {
  it('G2 a checkpoint restores a differently initialised model bit for bit (same predictions)', () => {
    const dir = tmp('ckpt-');
    const a = new UNet(createRng(1), { filters: [8, 16], numClasses: 10 });
    const b = new UNet(createRng(2), { filters: [8, 16], numClasses: 10 });
    const x = createRng(3).normalTensor([2, 32, 32, 1]);
    const labels = tf.tensor1d([1, 2], 'int32');
    const ya = a.predict(x, [3, 9], labels).dataSync();
    expect(Array.from(b.predict(x, [3, 9], labels).dataSync())).not.toEqual(Array.from(ya));
    saveCheckpoint(dir, a, 17, { note: 'test' });
    const m = loadCheckpoint(dir, b);
    expect(m.step).toBe(17);
    expect(m.config).toEqual(a.config);
    expect(Array.from(b.predict(x, [3, 9], labels).dataSync())).toEqual(Array.from(ya));
    expect(() => loadCheckpoint(dir, new MlpDenoiser(createRng(1)))).toThrow(/loadCheckpoint: argument 'model' must be a 'unet' model/);
    expect(() => loadCheckpoint(path.join(dir, 'nope'), b)).toThrow(/readManifest: argument 'dir' must be a folder holding a checkpoint \(checkpoint.json\); received .*nope \(no such folder\)/);
  });

  it("E4 Adam resumed from a checkpoint takes bit for bit the steps of the Adam that kept running (its β products restored, not pow(β, t))", async () => {
    const dir = tmp('opt-');
    const start = createRng(4).normalTensor([257]);
    const running = tf.train.adam(0.01);
    const w = tf.variable(start.clone(), true, 'adam-w');
    const grads = createRng(5);
    adamSteps(w, running, grads, 13);
    saveCheckpoint(dir, { kind: 'w', config: {}, params: { vars: new Map([['w', w]]) } }, 13, {}, { optimizer: await optimizerState(running) });
    const saved = (w.dataSync() as Float32Array).slice();
    const gradsAfter = createRng(6);
    adamSteps(w, running, gradsAfter, 25);
    const expected = (w.dataSync() as Float32Array).slice();

    // Resume: weights and state from the checkpoint into a fresh variable and a fresh Adam, then the same 25 gradients.
    const resumeWith = async (restoreProducts: boolean) => {
      const v = tf.variable(tf.zerosLike(start), true);
      loadCheckpoint(dir, { kind: 'w', config: {}, params: { vars: new Map([['w', v]]) } });
      expect(bits(v.dataSync() as Float32Array).equals(bits(saved))).toBe(true);
      const fresh = tf.train.adam(0.01);
      if (restoreProducts) expect(await loadOptimizerState(dir, fresh)).toBeUndefined();
      else await fresh.setWeights(await savedWeights());
      adamSteps(v, fresh, createRng(6), 25);
      const got = (v.dataSync() as Float32Array).slice();
      v.dispose();
      fresh.dispose();
      return got;
    };
    // tf's own route: setWeights with the saved step count and moments (it rebuilds β^t by pow).
    const savedWeights = async () => {
      const m = readManifest(dir);
      const data = new Float32Array(new Uint8Array(readFileSync(path.join(checkpointFolder(dir), 'optimizer.bin'))).buffer);
      return [{ name: 'iter', tensor: tf.scalar(m.optimizer!.iterations, 'int32') as tf.Tensor }, ...m.optimizer!.weights.map((e) => ({ name: e.name, tensor: tf.tensor(data.subarray(e.offset, e.offset + e.size), e.shape) }))];
    };
    const exact = await resumeWith(true);
    expect(bits(exact).equals(bits(expected))).toBe(true); // max |Δ| = 0
    // Without the saved products the same resume drifts in the last bits: the restore is what makes it exact.
    const viaPow = await resumeWith(false);
    expect(bits(viaPow).equals(bits(expected))).toBe(false);
    expect(Math.max(...Array.from(viaPow, (x, i) => Math.abs(x - expected[i]!)))).toBeLessThan(1e-5);

    await expect(loadOptimizerState(dir, tf.train.adam(0.01, 0.8))).rejects.toThrow(/loadOptimizerState: argument 'optimizer's beta1' must be 0.9 \(the saved state's\); received 0.8/);
    await expect(loadOptimizerState(dir, tf.train.sgd(0.1))).rejects.toThrow(/loadOptimizerState: argument 'optimizer' must be a 'Adam' optimizer/);
    const bare = tmp('opt-none-');
    saveCheckpoint(bare, { kind: 'w', config: {}, params: { vars: new Map([['w', w]]) } }, 0);
    expect(await loadOptimizerState(bare, tf.train.adam(0.01))).toBe('no optimizer state saved');
    w.dispose();
    running.dispose();
  });

  it('a save is one unit: a new step folder, then the pointer; the previous one is kept, older ones and leftovers of killed saves deleted', () => {
    const dir = tmp('ckpt-unit-');
    const model = new MlpDenoiser(createRng(1), { hidden: 8, layers: 1 });
    for (const step of [10, 20]) saveCheckpoint(dir, model, step);
    // A save killed after writing part of step 30's folder: the pointer still names step 20, which loads.
    mkdirSync(path.join(dir, 'step-000030'));
    writeFileSync(path.join(dir, 'step-000030', 'weights.bin'), 'half');
    expect(verifyCheckpoint(dir).step).toBe(20);
    expect(readdirSync(dir).sort()).toEqual(['checkpoint.json', 'step-000010', 'step-000020', 'step-000030']);
    saveCheckpoint(dir, model, 30);
    expect(readdirSync(dir).sort()).toEqual(['checkpoint.json', 'step-000020', 'step-000030']);
    expect(verifyCheckpoint(dir).step).toBe(30);
    // Saving the current step again (a resumed run with 0 steps) writes a new folder rather than into the current one.
    saveCheckpoint(dir, model, 30);
    expect(path.basename(checkpointFolder(dir))).toBe('step-000030-2');
    expect(readdirSync(dir).sort()).toEqual(['checkpoint.json', 'step-000030', 'step-000030-2']);
    // A damaged pointer does not block a new run from saving over it (loading it is refused, see below).
    writeFileSync(path.join(dir, 'checkpoint.json'), '{"curr');
    saveCheckpoint(dir, model, 1);
    expect(verifyCheckpoint(dir).step).toBe(1);
  });

  it('refuses to save an ill-typed step or non-finite weights, and keeps the last good checkpoint', () => {
    const dir = tmp('ckpt-nan-');
    const model = new MlpDenoiser(createRng(1), { hidden: 8, layers: 1 });
    saveCheckpoint(dir, model, 5);
    expect(() => saveCheckpoint(dir, model, 'ten' as unknown as number)).toThrow(/saveCheckpoint: argument 'step' must be an integer >= 0; received ten/);
    expect(() => saveCheckpoint(dir, model, 1.5)).toThrow(/saveCheckpoint: argument 'step' must be an integer >= 0; received 1.5/);
    const [first] = model.params.vars.keys();
    model.params.vars.get(first!)!.assign(tf.fill(model.params.vars.get(first!)!.shape, NaN));
    expect(() => saveCheckpoint(dir, model, 6)).toThrow(new RegExp(`saveCheckpoint: argument 'weights' must be finite values only \\(a diverged run is not saved\\); received variable '${first}' at index 0 is NaN`));
    expect(verifyCheckpoint(dir).step).toBe(5);
    expect(readdirSync(dir).sort()).toEqual(['checkpoint.json', 'step-000005']);
  });

  // Each damage is refused with a DomainError naming the damaged file (and for NaN the variable); none loads silently.
  it.each<[string, (dir: string, folder: string) => void, RegExp]>([
    ['a flipped word in weights.bin', (_d, f) => {
      const file = path.join(f, 'weights.bin');
      const b = readFileSync(file);
      b.writeUInt32LE((b.readUInt32LE(40) ^ 0x00010000) >>> 0, 40);
      writeFileSync(file, b);
    }, /weights\.bin' must be SHA-256 [0-9a-f]{64} \(as model\.json says; the file was changed or damaged\)/],
    ['bytes appended to weights.bin', (_d, f) => appendFileSync(path.join(f, 'weights.bin'), Buffer.alloc(8)), /weights\.bin' must be \d+ bytes \(as model\.json says; the file was truncated or extended\); received \d+ bytes/],
    ['a truncated optimizer.bin', (_d, f) => {
      const file = path.join(f, 'optimizer.bin');
      writeFileSync(file, readFileSync(file).subarray(0, 100));
    }, /optimizer\.bin' must be \d+ bytes .*received 100 bytes/],
    ['a NaN in weights.bin (with its checksum updated)', (d, f) => {
      const file = path.join(f, 'weights.bin');
      const b = readFileSync(file);
      b.writeFloatLE(NaN, 4 * 3);
      writeFileSync(file, b);
      rewriteManifest(d, (m) => ((m.files as Record<string, { sha256: string }>)['weights.bin']!.sha256 = sha256(b)));
    }, /loadCheckpoint: argument '.*weights\.bin' must be finite values only; received variable '.*' at index 3 is NaN/],
    ['a garbled model.json', (_d, f) => {
      const file = path.join(f, 'model.json');
      writeFileSync(file, readFileSync(file, 'utf8').replace('"variables"', '"vari@bles'));
    }, /readManifest: argument '.*model\.json' must be valid JSON written by saveCheckpoint \(the file is truncated or damaged\); received unparsable JSON/],
    ['a truncated model.json', (_d, f) => {
      const file = path.join(f, 'model.json');
      writeFileSync(file, readFileSync(file, 'utf8').slice(0, 300));
    }, /readManifest: argument '.*model\.json' must be valid JSON .*unparsable JSON/],
    ['a model.json edited after saving (still valid JSON)', (_d, f) => {
      const file = path.join(f, 'model.json');
      writeFileSync(file, readFileSync(file, 'utf8').replace('"step": 7', '"step": 8'));
    }, /readManifest: argument '.*model\.json' must be the SHA-256 recorded in .*checkpoint\.json/],
    ['step: "ten" in model.json (checksum updated)', (d) => rewriteManifest(d, (m) => (m.step = 'ten')), /readManifest: argument '.*model\.json: step' must be an integer >= 0; received "ten"/],
    ['a missing weights.bin', (_d, f) => rmSync(path.join(f, 'weights.bin')), /loadCheckpoint: argument '.*weights\.bin' must be a file of \d+ bytes \(listed in model\.json\); received no such file/],
    ['a missing optimizer.bin', (_d, f) => rmSync(path.join(f, 'optimizer.bin')), /loadOptimizerState: argument '.*optimizer\.bin' must be a file of \d+ bytes/],
    ['a garbled checkpoint.json', (d) => writeFileSync(path.join(d, 'checkpoint.json'), '{"format": "ddpm-derived-checkpoint-pointer/1", "curr'), /readManifest: argument '.*checkpoint\.json' must be valid JSON/],
    ['a pointer to a missing step folder', (d, f) => rmSync(f, { recursive: true }), /readManifest: argument '.*step-000007.model\.json' must be a readable file of the checkpoint; received ENOENT/],
  ])('refuses %s, naming the file', async (_what, damage, message) => {
    const { dir, model } = await savedRun();
    expect(await loadError(dir, model)).toBe('loaded');
    damage(dir, checkpointFolder(dir));
    expect(await loadError(dir, model)).toMatch(message);
    expect(() => verifyCheckpoint(dir)).toThrow(DomainError);
  });

  it('refuses a checkpoint of format 1 (files written one by one) with how to go on, and an empty folder', () => {
    const dir = tmp('ckpt-v1-');
    writeFileSync(path.join(dir, 'model.json'), JSON.stringify({ format: 'ddpm-derived-checkpoint/1', kind: 'mlp', step: 3 }));
    writeFileSync(path.join(dir, 'weights.bin'), Buffer.alloc(16));
    expect(() => readManifest(dir)).toThrow(/a checkpoint of format 1 .*it may mix two steps\)\. Train it again \(without --resume, or into a new --out\)/);
    expect(() => readManifest(tmp('ckpt-empty-'))).toThrow(/readManifest: argument 'dir' must be a folder holding a checkpoint \(checkpoint.json\); received .* \(no checkpoint.json in it\)/);
  });

  it('checks before training that the folder can take a checkpoint, naming the option and the reason', () => {
    const dir = tmp('ckpt-w-');
    assertCheckpointWritable('pnpm train', '--out', path.join(dir, 'new', 'folder'), 1e5);
    expect(existsSync(path.join(dir, 'new', 'folder'))).toBe(true);
    expect(readdirSync(path.join(dir, 'new', 'folder'))).toEqual([]); // the probe is gone
    // A folder that cannot be made (a file is in the way); a read-only or full disk fails the same way (EROFS, ENOSPC:
    // measured with real mounts by bench/kill-resume.ts, since a test cannot mount them).
    writeFileSync(path.join(dir, 'file'), 'x');
    expect(() => assertCheckpointWritable('pnpm train', '--out', path.join(dir, 'file', 'sub'), 1e5)).toThrow(/pnpm train: argument '--out' must be a writable folder with room for a checkpoint \(0\.1 MB\); received .*file.sub \((ENOTDIR|EEXIST)/);
  });

  it('PNG grid: it holds each image at its tile, mapping −1 → 0 and 1 → 255', () => {
    const imgs = tf.concat([tf.fill([1, 4, 4, 1], -1), tf.fill([1, 4, 4, 1], 1), tf.fill([1, 4, 4, 1], 0)]);
    const png = PNG.sync.read(imageGridPng(imgs, 2));
    expect([png.width, png.height]).toEqual([2 * 6 + 2, 2 * 6 + 2]);
    const px = (x: number, y: number) => png.data[(y * png.width + x) * 4]!;
    expect(px(2, 2)).toBe(0); // first tile, black
    expect(px(8, 2)).toBe(255); // second tile, white
    expect(px(2, 8)).toBe(128); // third tile (second row), mid grey: round(127.5)
    expect(() => imageGridPng(tf.zeros([2, 2]))).toThrow(/imageGridPng: argument 'images' must be a tensor \[N, H, W, 1 or 3\]/);
  });
});

// Mutation testing (docs/BENCHMARKS.md, "Reliability"): every field of the manifest and the pointer that the loader
// checks, each edited alone with the checksums updated (as a buggy writer would), is refused naming its file.
describe('checkpoint verification, field by field', () => {
  type M = Record<string, any>;
  /** Replace the whole manifest (checksum updated). */
  function rewriteManifestTo(dir: string, value: unknown): void {
    const file = path.join(checkpointFolder(dir), 'model.json');
    const text = JSON.stringify(value);
    writeFileSync(file, text);
    const pointer = JSON.parse(readFileSync(path.join(dir, 'checkpoint.json'), 'utf8')) as Record<string, unknown>;
    writeFileSync(path.join(dir, 'checkpoint.json'), JSON.stringify({ ...pointer, manifestSha256: sha256(text) }));
  }
  async function savedWithEma(): Promise<string> {
    const dir = tmp('ckpt-fields-');
    const model = new MlpDenoiser(createRng(1), { hidden: 8, layers: 1 });
    const opt = tf.train.adam(1e-2);
    opt.applyGradients(Object.fromEntries(model.params.list.map((v) => [v.name, tf.onesLike(v)])));
    const avg = new WeightAverage(model.params, 0.9, 3);
    saveCheckpoint(dir, model, 7, { note: 'x' }, { optimizer: await optimizerState(opt), ema: { vars: avg.vars, decay: 0.9, updates: 3 } });
    avg.dispose();
    opt.dispose();
    model.params.dispose();
    return dir;
  }
  const field = (name: string) => new RegExp(`^readManifest: argument '.*model\\.json: ${name.replace(/[.]/g, '\\.')}' must be`);

  it.each<[string, (m: M) => unknown, RegExp]>([
    ['an array instead of an object', () => [], /^readManifest: argument '.*model\.json' must be a JSON object/],
    ['another format', (m) => ({ ...m, format: 'x' }), field('format')],
    ['an empty kind', (m) => ({ ...m, kind: '' }), field('kind')],
    ['a kind that is not a string', (m) => ({ ...m, kind: 5 }), field('kind')],
    ['config null', (m) => ({ ...m, config: null }), field('config')],
    ['config an array', (m) => ({ ...m, config: [1] }), field('config')],
    ['step −1', (m) => ({ ...m, step: -1 }), field('step')],
    ['step 1.5', (m) => ({ ...m, step: 1.5 }), field('step')],
    ['meta a string', (m) => ({ ...m, meta: 'x' }), field('meta')],
    ['files null', (m) => ({ ...m, files: null }), field('files')],
    ['a file size that is not a multiple of 4', (m) => ({ ...m, files: { ...m.files, 'weights.bin': { ...m.files['weights.bin'], bytes: m.files['weights.bin'].bytes + 2 } } }), field('files')],
    ['a negative file size', (m) => ({ ...m, files: { ...m.files, 'weights.bin': { ...m.files['weights.bin'], bytes: -4 } } }), field('files')],
    ['a hash that is not SHA-256 hex', (m) => ({ ...m, files: { ...m.files, 'weights.bin': { ...m.files['weights.bin'], sha256: 'abc' } } }), field('files')],
    ['a file entry that is not an object', (m) => ({ ...m, files: { ...m.files, 'optimizer.bin': 4 } }), field('files')],
    ['no weights.bin entry', (m) => { const { ['weights.bin']: _w, ...rest } = m.files; return { ...m, files: rest }; }, /model\.json: files' must be an entry for 'weights\.bin'/],
    ['variables not a list', (m) => ({ ...m, variables: {} }), /model\.json' must be variables: a list of \{ name, shape, offset, size \}/],
    ['a variable whose name is not a string', (m) => ({ ...m, variables: m.variables.map((v: M, i: number) => (i ? v : { ...v, name: 3 })) }), /model\.json' must be variables: entries \{ name, shape, offset, size \} laid end to end/],
    ['a variable with a negative dimension', (m) => ({ ...m, variables: m.variables.map((v: M, i: number) => (i ? v : { ...v, shape: [-1, ...v.shape.slice(1)] })) }), /must be variables: entries .* laid end to end/],
    ['a variable whose size is not its shape’s product', (m) => ({ ...m, variables: m.variables.map((v: M, i: number) => (i ? v : { ...v, size: v.size + 1 })) }), /must be variables: entries .* laid end to end/],
    ['variables not end to end', (m) => ({ ...m, variables: m.variables.map((v: M, i: number) => (i === 1 ? { ...v, offset: v.offset + 1 } : v)) }), /must be variables: entries .* laid end to end/],
    ['fewer variables than weights.bin holds', (m) => ({ ...m, variables: m.variables.slice(0, -1) }), /model\.json' must be variables: \d+ float32 values \(the size of its file\)/],
    ['an optimizer without a class name', (m) => ({ ...m, optimizer: { ...m.optimizer, className: 5 } }), field('optimizer')],
    ['an optimizer config null', (m) => ({ ...m, optimizer: { ...m.optimizer, config: null } }), field('optimizer')],
    ['optimizer iterations −1', (m) => ({ ...m, optimizer: { ...m.optimizer, iterations: -1 } }), field('optimizer')],
    ['an Adam β₁ product that is not a float32', (m) => ({ ...m, optimizer: { ...m.optimizer, accBeta1: 0.1 } }), field('optimizer')],
    ['an Adam β₂ product that is not a number', (m) => ({ ...m, optimizer: { ...m.optimizer, accBeta2: '0.5' } }), field('optimizer')],
    ['an optimizer without optimizer.bin', (m) => { const { ['optimizer.bin']: _o, ...rest } = m.files; return { ...m, files: rest }; }, field('optimizer')],
    ['optimizer weights not end to end', (m) => ({ ...m, optimizer: { ...m.optimizer, weights: m.optimizer.weights.map((v: M, i: number) => (i === 1 ? { ...v, offset: v.offset + 1 } : v)) } }), /must be optimizer\.weights: entries .* laid end to end/],
    ['ema decay 1', (m) => ({ ...m, ema: { ...m.ema, decay: 1 } }), field('ema')],
    ['ema decay −0.1', (m) => ({ ...m, ema: { ...m.ema, decay: -0.1 } }), field('ema')],
    ['ema decay not a number', (m) => ({ ...m, ema: { ...m.ema, decay: '0.9' } }), field('ema')],
    ['ema updates 1.5', (m) => ({ ...m, ema: { ...m.ema, updates: 1.5 } }), field('ema')],
    ['an ema without ema.bin', (m) => { const { ['ema.bin']: _e, ...rest } = m.files; return { ...m, files: rest }; }, field('ema')],
    ['an ema.bin of another size than weights.bin', (m) => ({ ...m, files: { ...m.files, 'ema.bin': { ...m.files['ema.bin'], bytes: m.files['ema.bin'].bytes - 4 } } }), field('ema')],
  ])('refuses a manifest with %s', async (_what, edit, message) => {
    const dir = await savedWithEma();
    const m = readManifest(dir) as unknown as M;
    expect(m.ema).toEqual({ decay: 0.9, updates: 3 });
    rewriteManifestTo(dir, edit(JSON.parse(JSON.stringify(m))));
    expect(() => readManifest(dir)).toThrow(message);
    expect(() => readManifest(dir)).toThrow(DomainError);
  });

  it.each<[string, (p: M) => unknown]>([
    ['another format', (p) => ({ ...p, format: 'x' })],
    ['a current that is not a step folder', (p) => ({ ...p, current: '../elsewhere' })],
    ['a current that leads out of the folder before a step name', (p) => ({ ...p, current: `../${p.current}` })],
    ['a current that leads out of the folder after a step name', (p) => ({ ...p, current: `${p.current}/../../elsewhere` })],
    ['a current that is not a string', (p) => ({ ...p, current: 7 })],
    ['a previous that is a number', (p) => ({ ...p, previous: 5 })],
    ['step −1', (p) => ({ ...p, step: -1 })],
    ['a manifest hash that is not SHA-256 hex', (p) => ({ ...p, manifestSha256: 'xyz' })],
    ['an array', () => []],
  ])('refuses a pointer with %s', async (_what, edit) => {
    const dir = await savedWithEma();
    const file = path.join(dir, 'checkpoint.json');
    writeFileSync(file, JSON.stringify(edit(JSON.parse(readFileSync(file, 'utf8')))));
    expect(() => readManifest(dir)).toThrow(/^readManifest: argument '.*checkpoint\.json' must be a pointer \{ format: /);
  });

  it('a pointer whose previous is null (the first save) is accepted; a repeated step gets a new folder with a suffix', async () => {
    const dir = await savedWithEma();
    expect(JSON.parse(readFileSync(path.join(dir, 'checkpoint.json'), 'utf8')).previous).toBeNull();
    const model = new MlpDenoiser(createRng(1), { hidden: 8, layers: 1 });
    saveCheckpoint(dir, model, 7);
    expect(path.basename(checkpointFolder(dir))).toBe('step-000007-2');
    // Neither the current folder nor the spare it keeps is reused.
    saveCheckpoint(dir, model, 7);
    expect(path.basename(checkpointFolder(dir))).toBe('step-000007-3');
    model.params.dispose();
  });
});
