import * as tf from '@tensorflow/tfjs-core';
import { setDataChecks } from '../util/tensor.js';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gaussianElbo } from '../autoencoder/losses.js';
import { loadMnist, mnistTensor } from '../data/mnist.js';
import { ConvAutoencoder } from '../models/autoencoder.js';
import { selectBackend } from '../nn/backend.js';
import { createRng } from '../random/rng.js';
import { assertClose, testSeed } from '../testing/expect-close.js';
import { useCpuBackend } from '../testing/tf-setup.js';
import { autoencoderGrid, heldOutElbo, loadAutoencoder, parseAutoencoderArgs, runAutoencoderCli } from './autoencoder.js';
import { checkpointFolder, readManifest, verifyCheckpoint } from './checkpoint.js';
import { TrainingStopped } from './options.js';

beforeAll(async () => {
  await selectBackend({ backend: 'wasm' });
});
afterAll(useCpuBackend);

const quiet = () => {};
const run = (args: string) => runAutoencoderCli(args.split(' '), quiet);
const gridSide = (cells: number, side: number) => cells * (side + 2) + 2;
function pngSize(file: string): [number, number] {
  const png = PNG.sync.read(readFileSync(file));
  return [png.width, png.height];
}

describe('pnpm train ae|vae|cvae', () => {
  it.each([
    // AE: originals above reconstructions (10 × 2); VAE: + 3 rows of prior samples (10 × 5); CVAE: 8 per digit (8 × 10).
    ['ae', [gridSide(10, 32), gridSide(2, 32)]],
    ['vae', [gridSide(10, 32), gridSide(5, 32)]],
    ['cvae', [gridSide(8, 32), gridSide(10, 32)]],
  ] as const)('%s trains 2 steps, writes a checkpoint and its grid, and resumes from it', async (kind, size) => {
    const out = mkdtempSync(path.join(tmpdir(), `ae-cli-${kind}-`));
    const common = `${kind} --batch 4 --limit 64 --dim 4 --latent 3 --out ${out} --every 2 --backend wasm --seed 3`;
    const first = (await run(`${common} --steps 2`))!;
    expect(first.step).toBe(2);
    first.losses.forEach((l) => expect(Number.isFinite(l) && l > 0).toBe(true));
    expect(readManifest(out)).toMatchObject({ kind, step: 2, config: { kind, dim: 4, latent: 3 } });
    expect(path.basename(first.grid)).toBe('grid-000002.png');
    expect(pngSize(first.grid)).toEqual(size);
    // Resuming with 0 steps restores the saved weights exactly (a fresh initialisation would differ).
    const weights = readFileSync(path.join(checkpointFolder(out), 'weights.bin'));
    expect((await run(`${common} --steps 0 --resume`))!.step).toBe(2);
    expect(readFileSync(path.join(checkpointFolder(out), 'weights.bin')).equals(weights)).toBe(true);
    const resumed = (await run(`${common} --steps 2 --resume --dim 8`))!;
    expect(resumed.step).toBe(4);
    expect(readManifest(out)).toMatchObject({ step: 4, config: { dim: 4 } }); // the checkpoint's architecture is kept
    expect(readFileSync(path.join(checkpointFolder(out), 'weights.bin')).equals(weights)).toBe(false);
    expect(pngSize(path.join(out, 'grid-000004.png'))).toEqual(size);
    const loaded = loadAutoencoder(out);
    expect([loaded.model.kind, loaded.step, loaded.model.latent]).toEqual([kind, 4, 3]);
    loaded.model.params.dispose();
  });

  // Resume is bit-identical: the raw bytes of the weights and of Adam's moments after 2 + 2 resumed steps are those
  // after 4 straight steps (max |Δ| = 0), and so are Adam's step count and β products and the random stream.
  it.each(['ae', 'vae', 'cvae'])('%s: 2 steps, then 2 resumed, end bit for bit where 4 steps in one run end', async (kind) => {
    const straight = mkdtempSync(path.join(tmpdir(), 'ae-straight-'));
    const split = mkdtempSync(path.join(tmpdir(), 'ae-split-'));
    const common = `${kind} --batch 4 --limit 64 --dim 4 --latent 3 --every 2 --backend wasm --seed 5`;
    await run(`${common} --steps 4 --out ${straight}`);
    await run(`${common} --steps 2 --out ${split}`);
    await run(`${common} --steps 2 --resume --out ${split}`);
    for (const file of ['weights.bin', 'optimizer.bin']) {
      const a = readFileSync(path.join(checkpointFolder(straight), file));
      const b = readFileSync(path.join(checkpointFolder(split), file));
      expect({ file, identical: a.equals(b) }).toEqual({ file, identical: true });
    }
    const [ma, mb] = [readManifest(straight), readManifest(split)];
    expect([mb.step, mb.optimizer!.iterations, mb.optimizer!.accBeta1, mb.optimizer!.accBeta2]).toEqual([4, 4, ma.optimizer!.accBeta1, ma.optimizer!.accBeta2]);
    expect(mb.meta.rngState).toEqual(ma.meta.rngState);
  });

  it('--resume refuses an empty folder; a loss that becomes non-finite stops the run and keeps the last checkpoint', async () => {
    const out = mkdtempSync(path.join(tmpdir(), 'ae-nan-'));
    const common = `ae --batch 4 --limit 16 --dim 4 --latent 3 --every 1 --backend wasm --out ${out}`;
    await expect(run(`${common} --steps 1 --resume`)).rejects.toThrow(/readManifest: argument 'dir' must be a folder holding a checkpoint/);
    await run(`${common} --steps 1`);
    const good = readFileSync(path.join(checkpointFolder(out), 'weights.bin'));
    // With data checks off, as users run it: the trainer's own loss check must stop the run (with them on, the
    // first NaN that reaches a model's input is refused earlier, by the model).
    setDataChecks(false);
    const err = await run(`${common} --steps 8 --resume --lr 1e30`).catch((e: unknown) => e).finally(() => setDataChecks(true));
    expect(err).toBeInstanceOf(TrainingStopped);
    expect((err as Error).message).toMatch(/the loss became (NaN|Infinity) at step \d+ \(learning rate 1e\+30\); training stopped .* the last good checkpoint is .* at step \d+/);
    // Every checkpoint this run wrote before the loss went non-finite has finite weights (saving refuses others).
    const m = verifyCheckpoint(out);
    expect(m.step).toBeGreaterThanOrEqual(1);
    if (m.step === 1) expect(readFileSync(path.join(checkpointFolder(out), 'weights.bin')).equals(good)).toBe(true);
  });

  it('argument errors name the option and what it accepts', async () => {
    expect(parseAutoencoderArgs(['vae', '--help'])).toBeNull();
    expect(parseAutoencoderArgs(['cvae'])).toMatchObject({ kind: 'cvae', steps: 1500, batchSize: 32, dim: 16, latent: 16, resume: false });
    expect(() => parseAutoencoderArgs(['gan'])).toThrow(/pnpm train: argument 'model' must be 'ae', 'vae' or 'cvae'; received gan/);
    expect(() => parseAutoencoderArgs(['vae', 'ae'])).toThrow(/argument 'model' must be a single model name/);
    expect(() => parseAutoencoderArgs(['vae', '--steps=-1'])).toThrow(/argument '--steps' must be an integer in 0..10000000; received -1/);
    expect(() => parseAutoencoderArgs(['vae', '--steps', '99999999999999999999'])).toThrow(/argument '--steps' must be an integer in 0..10000000; received 99999999999999999999/);
    expect(() => parseAutoencoderArgs(['vae', '--batch', '1e3'])).toThrow(/argument '--batch' must be an integer in 1..65536; received 1e3/);
    expect(() => parseAutoencoderArgs(['vae', '--lr', '0'])).toThrow(/argument '--lr' must be a finite number > 0; received 0/);
    expect(() => parseAutoencoderArgs(['vae', '--backend', 'tpu'])).toThrow(/argument '--backend' must be one of/);
    expect(() => parseAutoencoderArgs(['vae', '--latnet', '4'])).toThrow(/pnpm train: argument 'options' must be among those listed by --help; received Unknown option '--latnet'/);
    const out = mkdtempSync(path.join(tmpdir(), 'ae-cli-kind-'));
    await run(`ae --steps 1 --batch 2 --limit 8 --dim 4 --latent 2 --out ${out} --backend wasm`);
    await expect(run(`vae --steps 1 --out ${out} --resume --backend wasm`)).rejects.toThrow(/argument '--out' must be a folder holding a 'vae' checkpoint/);
  });
});

describe('B5 the VAE ELBO on held-out digits', () => {
  it("B4/B5 with s² = ½ the one-sample ELBO is minus S4's VAE loss minus (d/2) log π, image by image", () => {
    const m = new ConvAutoencoder(createRng(testSeed(5)), { kind: 'vae', dim: 4, latent: 3 });
    const test = loadMnist('test', 24);
    const x = mnistTensor(test);
    const seed = testSeed(6);
    const e = heldOutElbo(m, x, null, createRng(seed), { batchSize: 24 });
    const eps = createRng(seed).normalTensor([24, 3]); // the same draws heldOutElbo used
    const loss = m.loss(x, eps).dataSync()[0]!;
    // −ELBO = ‖x − x̂‖² + KL + (1024/2) log(2π · ½); float32 sums of ~1000 terms of size ~1 agree to ~1e-6 relative.
    assertClose(e.elbo, -loss - 512 * Math.log(Math.PI), { rel: 1e-5 }, 'mean ELBO');
    assertClose(e.sse + e.kl, loss, { rel: 1e-5 }, 'SSE + KL');
    expect(e.images).toBe(24);
    // Chunks draw the same noise stream in the same order, so the estimate is the same up to float32 rounding.
    const chunked = heldOutElbo(m, x, null, createRng(seed), { batchSize: 10 });
    assertClose(chunked.elbo, e.elbo, { rel: 1e-6 }, 'chunked ELBO');
    expect(chunked.standardError).toBeGreaterThan(0);
    // The standard error is that of the 24 per-image ELBOs, computed here from their spread (s/√n, s with n − 1).
    const o = m.forward(x, eps);
    const perImage = Array.from(gaussianElbo(x, o.xHat, o.mu!, o.logVar!, 0.5).dataSync());
    const mu = perImage.reduce((a, b) => a + b) / 24;
    const sd = Math.sqrt(perImage.reduce((a, b) => a + (b - mu) ** 2, 0) / 23);
    assertClose(e.standardError, sd / Math.sqrt(24), { rel: 1e-4 }, 'ELBO standard error');
    expect(() => heldOutElbo(m, tf.slice(x, 0, 1) as tf.Tensor4D, null, createRng(1))).toThrow(/heldOutElbo: argument 'x' must be at least 2 images/);
    expect(() => heldOutElbo(new ConvAutoencoder(createRng(1), { kind: 'ae', dim: 4, latent: 3 }), x, null, createRng(1))).toThrow(/heldOutElbo: argument 'model' must be a 'vae' or 'cvae'/);
    expect(() => heldOutElbo(new ConvAutoencoder(createRng(1), { kind: 'cvae', dim: 4, latent: 3 }), x, null, createRng(1))).toThrow(/heldOutElbo: argument 'labels' must be 24 int labels/);
    expect(() => heldOutElbo(m, x, null, createRng(1), { decoderVariance: 0 })).toThrow(/heldOutElbo: argument 'decoderVariance'/);
    x.dispose();
    eps.dispose();
  });

  it('the AE grid shows the test digits themselves above their reconstructions', () => {
    const m = new ConvAutoencoder(createRng(2), { kind: 'ae', dim: 4, latent: 3 });
    const x = mnistTensor(loadMnist('test', 12));
    const { images, cols } = autoencoderGrid(m, x, createRng(1));
    expect(cols).toBe(10);
    expect(Array.from(tf.slice(images, 0, 10).dataSync())).toEqual(Array.from(tf.slice(x, 0, 10).dataSync()));
    const rec = m.decode(m.encode(tf.slice(x, 0, 10) as tf.Tensor4D).mu);
    expect(Array.from(tf.slice(images, 10, 10).dataSync())).toEqual(Array.from(rec.dataSync()));
    expect(() => autoencoderGrid(m, tf.slice(x, 0, 9) as tf.Tensor4D, createRng(1))).toThrow(/autoencoderGrid: argument 'digits' must be images \[n ≥ 10/);
  });
});
