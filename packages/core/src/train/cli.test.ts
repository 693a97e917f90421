import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import path from 'node:path';
import { PNG } from 'pngjs';
import { afterAll, describe, expect, it } from 'vitest';
import { useCpuBackend } from '../testing/tf-setup.js';
import { DomainError } from '../util/validate.js';
import { readManifest } from './checkpoint.js';
import { defaultWorkers, runTrainCli } from './cli.js';

// Smoke runs of `pnpm train` through its real code path (option parsing, data, model, training, checkpoint, PNG,
// resume) with tiny settings; whether the models learn is checked elsewhere (ddpm.test.ts, the benchmarks).
afterAll(useCpuBackend);

const quiet = () => {};
const run = (args: string) => runTrainCli(args.split(' '), quiet);

function pngSize(file: string): [number, number] {
  const png = PNG.sync.read(readFileSync(file));
  return [png.width, png.height];
}

/** Width or height of an image grid: `cells` tiles of `side` pixels with a 2-pixel gap around each (png.ts). */
const gridSide = (cells: number, side: number) => cells * (side + 2) + 2;

describe('pnpm train (smoke runs)', () => {
  it.each([
    ['ddpm2d', '--T 4 --batch 64 --samples 40', [256, 256]],
    ['ddpm', '--T 4 --batch 4 --limit 64 --filters 8,16 --samples 4 --ema 0.999', [gridSide(4, 32), gridSide(1, 32)]],
    // cddpm computes its gradients on 2 threads (train/parallel.ts).
    ['cddpm', '--T 4 --batch 4 --limit 64 --filters 8,16 --samples 10 --ema 0.999 --workers 2', [gridSide(10, 32), gridSide(1, 32)]],
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
    // With --ema the run keeps a weight average, saved as a checkpoint of the same model; without it, none.
    const emaDir = path.join(out, 'ema');
    if (model === 'ddpm2d') expect(existsSync(emaDir)).toBe(false);
    else expect(readManifest(emaDir)).toMatchObject({ kind: readManifest(out).kind, config: readManifest(out).config, step: 2, meta: { emaDecay: 0.999, emaUpdates: 2 } });

    // Resuming with 0 steps must restore the saved weights exactly (a fresh initialisation would differ).
    const weights = readFileSync(path.join(out, 'weights.bin'));
    const same = (await run(`${common} --steps 0 --resume`))!;
    expect(same.step).toBe(2);
    expect(readFileSync(path.join(out, 'weights.bin')).equals(weights)).toBe(true);

    const resumed = (await run(`${common} --steps 2 --resume`))!;
    expect(resumed.step).toBe(4);
    const m = readManifest(out);
    expect(m.step).toBe(4);
    expect(readFileSync(path.join(out, 'weights.bin')).equals(weights)).toBe(false);
    expect(pngSize(path.join(out, 'samples-000004.png'))).toEqual(size);
    // Resuming continues the average and its warm-up count.
    if (model !== 'ddpm2d') expect(readManifest(emaDir).meta).toMatchObject({ emaUpdates: 4 });
  });

  it.each([
    ['ddpm2d', '--T 4 --batch 64 --samples 40 --workers 1'],
    ['cddpm', '--T 4 --batch 4 --limit 64 --filters 8,16 --samples 10 --ema 0.99 --workers 2'],
  ])('%s: 2 steps, then 2 resumed, end where 4 steps in one run end (saved Adam moments and random stream)', async (model, opts) => {
    const straight = mkdtempSync(path.join(tmpdir(), `cli-straight-${model}-`));
    const split = mkdtempSync(path.join(tmpdir(), `cli-split-${model}-`));
    const common = `${model} ${opts} --every 2 --backend wasm --seed 11`;
    await run(`${common} --steps 4 --out ${straight}`);
    await run(`${common} --steps 2 --out ${split}`);
    await run(`${model} ${opts} --every 2 --backend wasm --steps 2 --resume --out ${split}`); // the seed comes from the checkpoint
    const weights = (dir: string) => new Float32Array(new Uint8Array(readFileSync(path.join(dir, 'weights.bin'))).buffer);
    for (const sub of model === 'cddpm' ? ['', 'ema'] : ['']) {
      const a = weights(path.join(straight, sub));
      const b = weights(path.join(split, sub));
      const diffs = Array.from(a, (x, i) => Math.abs(x - b[i]!)).sort((x, y) => x - y);
      // Loading recomputes Adam's bias corrections from the step count (β^t by pow, not a running product): a float32
      // rounding, ~1e-8 here. A few UNet biases whose gradient is ~0 (Adam's update there is the sign of rounding
      // noise, ±lr) may differ by up to lr = 2e-3 per step, so the bound is on the 99th percentile. With Adam
      // restarted or another random stream, most weights would move differently by ~lr.
      expect(diffs[Math.floor(0.99 * diffs.length)]!).toBeLessThan(1e-6);
      expect(diffs[diffs.length - 1]!).toBeLessThan(2 * 2e-3);
    }
    expect(readManifest(split).step).toBe(4);
    await expect(run(`${common} --steps 1 --resume --out ${split} --seed 12`)).rejects.toThrow(/'--seed' must be the checkpoint's seed = 11 when resuming/);
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
    ['ddpm --steps 1.5', /'--steps' must be an integer >= 0; received 1.5/],
    ['ddpm --steps 1e3', /'--steps' must be an integer >= 0; received 1e3/], // digits only, as for ae|vae|cvae
    ['ddpm --batch 0', /'--batch' must be an integer >= 1; received 0/],
    ['ddpm --batch 32 --micro 3', /'--micro' must be a divisor of --batch 32; received 3/],
    ['ddpm --workers 0', /'--workers' must be an integer >= 1; received 0/],
    ['ddpm --batch 32 --micro 2 --workers 3', /'--workers' must be a count with --workers × --micro dividing --batch 32; received 3/],
    ['cddpm --lr=-1e-3', /'--lr' must be a finite number > 0; received -1e-3/],
    ['cddpm --guidance abc', /'--guidance' must be a finite number; received abc/],
    ['ddpm --limit 70000', /'--limit' must be an integer in 1..60000; received 70000/],
    ['ddpm --size 24', /'--size' must be 16 or 32; received 24/],
    ['ddpm --filters 16,x', /'--filters' must be an integer >= 8; received x/],
    ['ddpm --filters 12,24', /'--filters' must be widths that are multiples of 8/],
    ['ddpm --preset huge', /'--preset' must be quick \| s4; received huge/],
    ['ddpm2d --dataset circles', /'--dataset' must be gaussianMixture \| twoMoons \| swissRoll; received circles/],
    ['ddpm --eta 1.5', /'--eta' must be a number in \[0, 1\]; received 1.5/],
    ['ddpm --ema 1', /'--ema' must be a decay in \[0, 1\) \(0 = off\); received 1/],
    ['ddpm --learn-variance', /'--learn-variance' must be used with ddpm2d only \(the UNets have no variance head\); received ddpm/],
    ['gan', /'model' must be ddpm2d \| ddpm \| cddpm; received gan/],
  ])('rejects `%s` before doing any work, naming the option', async (args, message) => {
    const err = await run(args).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DomainError);
    expect((err as Error).message).toMatch(message);
  });
});
