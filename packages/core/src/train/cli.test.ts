import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import path from 'node:path';
import { PNG } from 'pngjs';
import { afterAll, describe, expect, it } from 'vitest';
import { useCpuBackend } from '../testing/tf-setup.js';
import { DomainError } from '../util/validate.js';
import { checkpointFolder, readManifest, verifyCheckpoint } from './checkpoint.js';
import { TrainingStopped } from './options.js';
import { defaultWorkers, runTrainCli } from './cli.js';
import { runClassifierCli } from './classifier.js';
import { loadLatentDiffusion } from './shipped.js';
import * as tf from '@tensorflow/tfjs-core';
import { MnistClassifier } from '../models/classifier.js';
import { digitShare } from '../quality/measures.js';
import { createRng } from '../random/rng.js';
import { setDataChecks } from '../util/tensor.js';

// Smoke runs of `pnpm train` through its real code path (option parsing, data, model, training, checkpoint, PNG,
// resume) with tiny settings; whether the models learn is checked elsewhere (ddpm.test.ts, the benchmarks).
afterAll(useCpuBackend);

const quiet = () => {};
const run = (args: string) => runTrainCli(args.split(' '), quiet);

function pngSize(file: string): [number, number] {
  const png = PNG.sync.read(readFileSync(file));
  return [png.width, png.height];
}

/** The largest |x − y| of two files read as float32 arrays (Infinity if their lengths differ). */
function maxAbsDiff(x: Buffer, y: Buffer): number {
  if (x.byteLength !== y.byteLength) return Infinity;
  const a = new Float32Array(new Uint8Array(x).buffer);
  const b = new Float32Array(new Uint8Array(y).buffer);
  return a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i]!)), 0);
}

/** Width or height of an image grid: `cells` tiles of `side` pixels with a 2-pixel gap around each (png.ts). */
const gridSide = (cells: number, side: number) => cells * (side + 2) + 2;

describe('pnpm train (smoke runs)', () => {
  it.each([
    ['ddpm2d', '--T 4 --batch 64 --samples 40', [256, 256]],
    ['ddpm', '--T 4 --batch 4 --limit 64 --filters 8,16 --samples 4 --ema 0.999', [gridSide(4, 32), gridSide(1, 32)]],
    // cddpm computes its gradients on 2 threads (train/parallel.ts).
    ['cddpm', '--T 4 --batch 4 --limit 64 --filters 8,16 --samples 10 --ema 0.999 --workers 2', [gridSide(10, 32), gridSide(1, 32)]],
    ['dit', '--T 4 --batch 4 --limit 64 --dim 8 --depth 1 --heads 2 --samples 4 --ema 0.999', [gridSide(4, 32), gridSide(1, 32)]],
    ['cdit', '--T 4 --batch 4 --limit 64 --dim 8 --depth 1 --heads 2 --samples 10 --ema 0.999 --workers 2', [gridSide(10, 32), gridSide(1, 32)]],
    // Latent diffusion: a 2-step first stage, then the DDPM on its latents; samples are decoded to 16×16 digits.
    ['ldm', '--T 4 --batch 4 --limit 64 --ae-steps 2 --filters 8,16 --samples 4 --ema 0.999', [gridSide(4, 32), gridSide(1, 32)]],
    ['cldm', '--T 4 --batch 4 --limit 64 --ae-steps 2 --denoiser dit --dim 8 --depth 1 --heads 2 --samples 10 --ema 0.999 --workers 2', [gridSide(10, 32), gridSide(1, 32)]],
  ] as const)('%s trains 2 steps, writes a checkpoint and a sample grid, and resumes from it', async (model, opts, size) => {
    const out = mkdtempSync(path.join(tmpdir(), `cli-${model}-`));
    const common = `${model} ${opts} --out ${out} --every 2 --backend wasm --seed 3`;
    const first = (await run(`${common} --steps 2`))!;
    expect(first.step).toBe(2);
    expect(first.losses.length).toBe(2);
    first.losses.forEach((l) => expect(Number.isFinite(l) && l > 0).toBe(true));
    expect(readManifest(out).step).toBe(2);
    expect(path.basename(first.samples)).toBe('samples-000002.png');
    expect(pngSize(first.samples)).toEqual(size);
    // With --ema the checkpoint also holds the weight average (ema.bin) and its update count; without it, none.
    if (model === 'ddpm2d') expect(readManifest(out).ema).toBeUndefined();
    else expect(readManifest(out).ema).toEqual({ decay: 0.999, updates: 2 });

    // Resuming with 0 steps restores the saved weights exactly (a fresh initialisation would differ) and rewrites nothing.
    const weights = readFileSync(path.join(checkpointFolder(out), 'weights.bin'));
    const same = (await run(`${common} --steps 0 --resume`))!;
    expect(same.step).toBe(2);
    expect(readFileSync(path.join(checkpointFolder(out), 'weights.bin')).equals(weights)).toBe(true);

    const resumed = (await run(`${common} --steps 2 --resume`))!;
    expect(resumed.step).toBe(4);
    expect(verifyCheckpoint(out).step).toBe(4);
    expect(readFileSync(path.join(checkpointFolder(out), 'weights.bin')).equals(weights)).toBe(false);
    expect(pngSize(path.join(out, 'samples-000004.png'))).toEqual(size);
    // Resuming continues the average and its warm-up count.
    if (model !== 'ddpm2d') expect(readManifest(out).ema).toEqual({ decay: 0.999, updates: 4 });
  });

  // Resume is bit-identical: 2 steps, then 2 resumed, end with the raw bytes of 4 straight steps — weights, Adam's
  // moments, the weight average — and the same Adam step count, β products and random stream (max |Δ| = 0).
  it.each([
    ['ddpm2d', '--T 4 --batch 64 --samples 8 --workers 1'],
    ['ddpm2d', '--T 4 --batch 64 --samples 8 --workers 2 --ema 0.9'],
    ['ddpm2d', '--T 4 --batch 64 --samples 8 --workers 1 --learn-variance'],
    ['ddpm', '--T 4 --batch 4 --limit 32 --samples 2 --workers 1 --ema 0.99'],
    ['cddpm', '--T 4 --batch 4 --limit 32 --samples 10 --workers 2 --ema 0.99'],
    ['cddpm', '--T 4 --batch 4 --limit 32 --samples 10 --workers 1'],
    ['cdit', '--T 4 --batch 4 --limit 32 --dim 8 --depth 1 --heads 2 --samples 10 --workers 2 --ema 0.99'],
    // The resumed latent run reuses the first stage it saved and re-encodes the same latents (a seeded stream of its own).
    ['cldm', '--T 4 --batch 4 --limit 32 --ae-steps 2 --filters 8,16 --samples 10 --workers 2 --ema 0.99'],
  ])('%s %s: 2 + 2 resumed steps end bit for bit where 4 straight steps end', async (model, opts) => {
    const straight = mkdtempSync(path.join(tmpdir(), `cli-straight-${model}-`));
    const split = mkdtempSync(path.join(tmpdir(), `cli-split-${model}-`));
    const common = `${model} ${opts} --every 2 --backend wasm`;
    await run(`${common} --seed 11 --steps 4 --out ${straight}`);
    await run(`${common} --seed 11 --steps 2 --out ${split}`);
    await run(`${common} --steps 2 --resume --out ${split}`); // the seed comes from the checkpoint
    const [a, b] = [readManifest(straight), readManifest(split)];
    expect(b.step).toBe(4);
    expect(Object.keys(b.files).sort()).toEqual(opts.includes('--ema') ? ['ema.bin', 'optimizer.bin', 'weights.bin'] : ['optimizer.bin', 'weights.bin']);
    for (const file of Object.keys(a.files)) {
      const x = readFileSync(path.join(checkpointFolder(straight), file));
      const y = readFileSync(path.join(checkpointFolder(split), file));
      expect({ file, maxAbsDiff: maxAbsDiff(x, y) }).toEqual({ file, maxAbsDiff: 0 });
      expect(x.equals(y)).toBe(true); // also the same bits where both are NaN-free zeros of either sign
    }
    // Everything of Adam's state but its tf variable names (numbered per process): step count, β products, layout.
    const adam = (m: typeof a) => ({ ...m.optimizer, weights: m.optimizer!.weights.map(({ shape, offset, size }) => ({ shape, offset, size })) });
    expect(adam(b)).toEqual(adam(a));
    expect(b.meta.rngState).toEqual(a.meta.rngState);
    await expect(run(`${common} --steps 1 --resume --out ${split} --seed 12`)).rejects.toThrow(/'--seed' must be the checkpoint's seed = 11 when resuming/);
  });

  it('--resume refuses a missing or empty folder instead of training from scratch', async () => {
    const empty = mkdtempSync(path.join(tmpdir(), 'cli-empty-'));
    await expect(run(`ddpm2d --steps 1 --out ${empty} --resume`)).rejects.toThrow(/readManifest: argument 'dir' must be a folder holding a checkpoint \(checkpoint.json\); received .*\(no checkpoint.json in it\)/);
    await expect(run(`ddpm2d --steps 1 --out ${path.join(empty, 'missing')} --resume`)).rejects.toThrow(/\(no such folder\)/);
    expect(existsSync(path.join(empty, 'checkpoint.json'))).toBe(false);
  });

  it('a run whose loss becomes non-finite stops, keeps its last good checkpoint and says so', async () => {
    const out = mkdtempSync(path.join(tmpdir(), 'cli-nan-'));
    const common = `ddpm2d --T 4 --batch 64 --samples 8 --workers 1 --out ${out} --every 2 --backend wasm`;
    await run(`${common} --steps 2`);
    const good = readFileSync(path.join(checkpointFolder(out), 'weights.bin'));
    // lr 1e30: the first resumed step throws the weights to ±1e30, the next loss is Inf or NaN.
    // With data checks off, as users run it: the trainer's own loss check must stop the run (with them on, the
    // first NaN that reaches a model's input is refused earlier, by the model).
    setDataChecks(false);
    const err = await run(`${common} --steps 6 --resume --lr 1e30`).catch((e: unknown) => e).finally(() => setDataChecks(true));
    expect(err).toBeInstanceOf(TrainingStopped);
    expect((err as Error).message).toMatch(/the loss became (NaN|Infinity) at step [3-8] \(learning rate 1e\+30\); training stopped and nothing after it was saved; the last good checkpoint is .* at step 2/);
    expect(verifyCheckpoint(out).step).toBe(2);
    expect(readFileSync(path.join(checkpointFolder(out), 'weights.bin')).equals(good)).toBe(true);
  });

  it('--minutes stops at the first step that ends past the budget and saves its checkpoint and grid there', async () => {
    const out = mkdtempSync(path.join(tmpdir(), 'cli-budget-'));
    const lines: string[] = [];
    // A budget of 6 ms: loading the digits alone takes longer, so the first step ends past it (of 50 allowed).
    const r = await runTrainCli(`ddpm --T 4 --steps 50 --batch 2 --limit 16 --samples 2 --filters 8,16 --minutes 0.0001 --out ${out} --backend wasm`.split(' '), (l) => lines.push(l));
    expect(r?.step).toBe(1);
    expect(readManifest(out).step).toBe(1);
    expect(existsSync(path.join(out, 'samples-000001.png'))).toBe(true);
    expect(lines.join('\n')).toMatch(/--minutes 0.0001: the budget ended training at step 1 of 50/);
    // A budget the steps fit in changes nothing: all of them run and no budget line is written.
    const roomy: string[] = [];
    const full = await runTrainCli(`ddpm --T 4 --steps 2 --batch 2 --limit 16 --samples 2 --filters 8,16 --minutes 60 --out ${out} --backend wasm`.split(' '), (l) => roomy.push(l));
    expect(full?.step).toBe(2);
    expect(roomy.join('\n')).not.toMatch(/budget ended/);
  });

  it('checks that --out can take a checkpoint before training', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'cli-ro-'));
    writeFileSync(path.join(dir, 'file'), 'x');
    const err = await run(`ddpm2d --steps 1 --out ${path.join(dir, 'file', 'out')} --backend wasm`).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DomainError);
    expect((err as Error).message).toMatch(/pnpm train: argument '--out' must be a writable folder with room for a checkpoint/);
  });

  it('the quick preset trains on 16×16 digits, shown at 32×32; resuming keeps the checkpoint architecture', async () => {
    const out = mkdtempSync(path.join(tmpdir(), 'cli-quick-'));
    await run(`ddpm --T 4 --steps 1 --batch 2 --limit 16 --samples 2 --out ${out} --backend wasm`);
    const m = readManifest(out);
    expect(m.config).toMatchObject({ size: 16, filters: [16, 32, 64], numClasses: 0 });
    expect(pngSize(path.join(out, 'samples-000001.png'))).toEqual([gridSide(2, 32), gridSide(1, 32)]);
    // Flags for another architecture are ignored when resuming; a different T is refused.
    await run(`ddpm --steps 1 --batch 2 --limit 16 --samples 2 --out ${out} --backend wasm --resume --filters 8,16 --size 32`);
    expect(readManifest(out).config).toMatchObject({ size: 16, filters: [16, 32, 64] });
    await expect(run(`ddpm --T 30 --steps 1 --out ${out} --backend wasm --resume`)).rejects.toThrow(/'--T' must be the checkpoint's T = 4/);
    await expect(run(`cddpm --steps 1 --out ${out} --backend wasm --resume`)).rejects.toThrow(/'--resume' must be a checkpoint of a cddpm model in --out/);
  });

  it('dit keeps its architecture in the checkpoint; DiT and UNet flags are refused on the other model, and kinds are not mixed on resume', async () => {
    const out = mkdtempSync(path.join(tmpdir(), 'cli-dit-'));
    await run(`dit --T 4 --steps 1 --batch 2 --limit 16 --samples 2 --dim 8 --depth 1 --heads 2 --patch 4 --out ${out} --backend wasm`);
    expect(readManifest(out).kind).toBe('dit');
    expect(readManifest(out).config).toMatchObject({ size: 16, patch: 4, dim: 8, depth: 1, heads: 2, numClasses: 0 });
    await run(`dit --steps 1 --batch 2 --limit 16 --samples 2 --out ${out} --backend wasm --resume --dim 16`);
    expect(readManifest(out).config).toMatchObject({ dim: 8, depth: 1 });
    await expect(run(`ddpm --steps 1 --out ${out} --backend wasm --resume`)).rejects.toThrow(/'--resume' must be a checkpoint of a ddpm model in --out/);
    await expect(run(`cdit --steps 1 --out ${out} --backend wasm --resume`)).rejects.toThrow(/'--resume' must be a checkpoint of a cdit model in --out/);
    await expect(run(`dit --filters 8,16 --steps 1 --out ${out}`)).rejects.toThrow(/'--filters' must be used with the UNets only/);
    await expect(run(`ddpm --dim 8 --steps 1 --out ${out}`)).rejects.toThrow(/'--dim' must be used with dit or cdit only/);
    await expect(run(`dit --dim 10 --steps 1 --out ${out}-x --backend wasm`)).rejects.toThrow(/DiT: argument 'dim' must be a multiple of 4/);
  });

  it('ldm saves its first stage in <out>/first-stage and records it; a later run reuses it, --first-stage shares one, bad flags are refused', async () => {
    const out = mkdtempSync(path.join(tmpdir(), 'cli-ldm-'));
    const common = '--T 4 --steps 1 --batch 2 --limit 16 --samples 2 --filters 8,16 --backend wasm';
    await run(`ldm ${common} --ae-steps 2 --regularizer vq --out ${out}`);
    const m = readManifest(out);
    expect(m.kind).toBe('unet');
    expect(m.config).toMatchObject({ size: 4, channels: 4, numClasses: 0 });
    const recorded = m.meta.firstStage as { folder: string; scale: number; regularizer: string };
    expect(recorded).toMatchObject({ folder: 'first-stage', regularizer: 'vq' });
    const stage = readManifest(path.join(out, 'first-stage'));
    expect(stage.kind).toBe('latent-autoencoder');
    expect(stage.meta.scale).toBe(recorded.scale);
    // A second run into another folder takes that first stage as it is (same weights file, no training).
    const other = mkdtempSync(path.join(tmpdir(), 'cli-ldm-shared-'));
    const lines: string[] = [];
    await runTrainCli(`cldm ${common} --first-stage ${path.join(out, 'first-stage')} --out ${other}`.split(' '), (l) => lines.push(l));
    expect(lines.join('\n')).toMatch(/first stage: .*first-stage \(VQ, .* parameters, scale s = .*\), reused/);
    expect(readManifest(other).meta.firstStage).toMatchObject({ folder: path.join(out, 'first-stage'), scale: recorded.scale });
    expect(existsSync(path.join(other, 'first-stage'))).toBe(false);
    await expect(run(`ldm ${common} --regularizer kl --first-stage ${path.join(out, 'first-stage')} --out ${other}-2`)).rejects.toThrow(/'--regularizer' must be the first stage's 'vq'/);
    await expect(run(`ldm ${common} --first-stage ${other}-missing --out ${other}-3`)).rejects.toThrow(/'--first-stage' must be a folder holding a first stage/);
    await expect(run(`ldm ${common} --first-stage ${other} --out ${other}-4`)).rejects.toThrow(/'--first-stage' must be a first-stage checkpoint \(kind latent-autoencoder/);
    await expect(run(`ldm ${common} --denoiser mlp --out ${other}-5`)).rejects.toThrow(/'--denoiser' must be unet \| dit/);
    await expect(run(`ldm ${common} --regularizer ae --out ${other}-6`)).rejects.toThrow(/'--regularizer' must be kl \| vq/);
    await expect(run(`ddpm ${common} --ae-steps 5 --out ${other}-7`)).rejects.toThrow(/'--ae-steps' must be used with ldm or cldm only/);
    await expect(run(`cddpm ${common} --denoiser dit --out ${other}-8`)).rejects.toThrow(/'--denoiser' must be used with ldm or cldm only/);

    // What the run saved loads back as one latent diffusion model whose samples decode to 16×16 digits, and the
    // sample measures judge the decoded images (without the decoder, 4×4×4 latents are refused).
    const loaded = loadLatentDiffusion(out);
    expect(loaded.denoiser.dataShape).toEqual([4, 4, 4]);
    expect(loaded.firstStage.scale).toBe(recorded.scale);
    let decoded = 0;
    const decode = (x: tf.Tensor4D) => {
      decoded += x.shape[0];
      return loaded.decode(x);
    };
    const judge = new MnistClassifier(createRng(1), { size: 16 });
    const share = digitShare(loaded.denoiser, loaded.schedule, judge, createRng(2), { n: 3, ddimSteps: 2, decode });
    expect([share.n, decoded]).toEqual([3, 3]);
    expect(() => digitShare(loaded.denoiser, loaded.schedule, judge, createRng(2), { n: 3, ddimSteps: 2 })).toThrow(/digitShare: argument 'model' must be a denoiser of square greyscale images/);
    expect(() => loadLatentDiffusion(path.join(out, 'first-stage'))).toThrow(/loadLatentDiffusion: argument 'folder' must be a unet, dit/);
  });

  it('ddpm2d --learn-variance trains a variance head (D7) with L_hybrid, samples with it, and keeps it on resume', async () => {
    const out = mkdtempSync(path.join(tmpdir(), 'cli-d7-'));
    const common = `ddpm2d --T 4 --batch 64 --samples 40 --out ${out} --every 2 --backend wasm --seed 5`;
    const first = (await run(`${common} --steps 2 --learn-variance`))!;
    first.losses.forEach((l) => expect(Number.isFinite(l) && l > 0).toBe(true));
    expect(readManifest(out).config).toMatchObject({ learnVariance: true });
    // Resuming without the flag keeps the checkpoint's head: the weights load into a model that has it.
    const resumed = (await run(`${common} --steps 1 --resume`))!;
    expect(resumed.step).toBe(3);
    expect(readManifest(out).config).toMatchObject({ learnVariance: true });
    expect(pngSize(resumed.samples)).toEqual([256, 256]);
  });

  it('--workers defaults to one single-threaded backend per core (at most 4) whose shards split the batch evenly', () => {
    const cores = Math.min(4, availableParallelism());
    expect(defaultWorkers(12, 1)).toBe(cores); // 1, 2, 3 and 4 all divide 12
    expect(defaultWorkers(12, 4)).toBe(cores >= 3 ? 3 : 1); // shards of 4 micro-batches: only 1 or 3 of them fit 12
    expect(defaultWorkers(7, 1)).toBe(1);
    // Native backends thread each op themselves; a 2-thread wasm build already fills 2 cores.
    expect(defaultWorkers(12, 1, 'node')).toBe(1);
    expect(defaultWorkers(12, 1, 'node-gpu')).toBe(1);
    expect(defaultWorkers(12, 1, 'wasm', 2)).toBe(Math.max(1, Math.min(4, Math.floor(availableParallelism() / 2))));
  });

  it.each([
    ['ddpm --steps 1.5', /'--steps' must be an integer in 0..10000000; received 1.5/],
    ['ddpm --steps 1e3', /'--steps' must be an integer in 0..10000000; received 1e3/], // digits only, as for ae|vae|cvae
    ['ddpm2d --steps 99999999999999999999', /'--steps' must be an integer in 0..10000000; received 99999999999999999999/],
    ['ddpm2d --T 1', /'--T' must be an integer in 2..100000; received 1/],
    ['ddpm2d --seed 4294967296', /'--seed' must be an integer in 0..4294967295; received 4294967296/],
    ['ddpm --batch 0', /'--batch' must be an integer in 1..65536; received 0/],
    ['ddpm --batch 32 --micro 3', /'--micro' must be a divisor of --batch 32; received 3/],
    ['ddpm --workers 0', /'--workers' must be an integer in 1..64; received 0/],
    ['ddpm --batch 32 --micro 2 --workers 3', /'--workers' must be a count with --workers × --micro dividing --batch 32; received 3/],
    ['cddpm --lr=-1e-3', /'--lr' must be a finite number > 0; received -1e-3/],
    ['cddpm --guidance abc', /'--guidance' must be a finite number; received abc/],
    ['ddpm --limit 70000', /'--limit' must be an integer in 1..60000; received 70000/],
    ['ddpm --size 24', /'--size' must be 16 or 32; received 24/],
    ['ddpm --minutes 0', /'--minutes' must be a finite number > 0; received 0/],
    ['ddpm --minutes 20000', /'--minutes' must be a budget of at most a week \(10080 minutes\); received 20000/],
    ['ddpm --filters 16,x', /'--filters' must be an integer in 8..4096; received x/],
    ['ddpm --filters 12,24', /'--filters' must be widths that are multiples of 8/],
    ['ddpm --preset huge', /'--preset' must be quick \| s4; received huge/],
    ['ddpm2d --dataset circles', /'--dataset' must be gaussianMixture \| twoMoons \| swissRoll; received circles/],
    ['ddpm --eta 1.5', /'--eta' must be a number in \[0, 1\]; received 1.5/],
    ['ddpm --ema 1', /'--ema' must be a decay in \[0, 1\) \(0 = off\); received 1/],
    ['ddpm --learn-variance', /'--learn-variance' must be used with ddpm2d only \(the UNets and the DiTs have no variance head\); received ddpm/],
    ['gan', /'model' must be ddpm2d \| ddpm \| cddpm \| dit \| cdit \| ldm \| cldm; received gan/],
  ])('rejects `%s` before doing any work, naming the option', async (args, message) => {
    const err = await run(args).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DomainError);
    expect((err as Error).message).toMatch(message);
  });
});

describe('pnpm train classifier', () => {
  it('trains the judge, measures it on the test digits and saves its accuracy, seed and training time with it', async () => {
    const out = mkdtempSync(path.join(tmpdir(), 'clf-'));
    const r = await runClassifierCli(['classifier', '--steps', '3', '--limit', '128', '--seed', '7', '--out', out], quiet);
    const m = readManifest(out);
    expect(m.kind).toBe('classifier');
    expect(m.step).toBe(3);
    expect(m.meta).toMatchObject({ seed: 7, testDigits: 10000, trainDigits: 128, testAccuracy: r!.testAccuracy });
    expect(m.meta['trainSeconds']).toBeGreaterThan(0);
    expect(r!.testAccuracy).toBeGreaterThanOrEqual(0);
    expect(r!.testAccuracy).toBeLessThanOrEqual(1);
    r!.model.params.dispose();
  });

  it.each([
    ['classifier --steps 0', /'--steps' must be an integer in 1\.\./],
    ['classifier --backend gpu', /'--backend' must be auto \| node-gpu \| node \| wasm \| cpu; received gpu/],
    ['classifier --lr 0', /'--lr' must be a finite number > 0; received 0/],
    ['classifier extra', /'model' must be 'classifier'; received classifier extra/],
  ])('rejects `%s` before doing any work, naming the option', async (args, message) => {
    const err = await runClassifierCli(args.split(' '), quiet).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DomainError);
    expect((err as Error).message).toMatch(message);
  });
});
