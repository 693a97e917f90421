/**
 * The trained weights shipped in weights/ (train/shipped.ts): each loads (checksums and finiteness verified) and
 * still reaches the figure weights/manifest.json records for it, re-measured here on a smaller sample with another
 * seed. The two estimates are independent (other samples, other noise; for test-digit measures an independent
 * random subset and fresh z), so their difference has standard error √(se_recorded² + se_check²); a checkpoint
 * passes when the difference is within 4 of those (a false alarm once in ~16 000 runs). Where the two share test
 * digits the true spread is smaller, so the bound is conservative there, and still far tighter than any broken model:
 * the last test shows freshly initialised weights failing it.
 */
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ConvAutoencoder, type ConvAutoencoderOptions } from '../../src/models/autoencoder.js';
import { MnistClassifier, type MnistClassifierOptions } from '../../src/models/classifier.js';
import { NoisyClassifier, type NoisyClassifierOptions } from '../../src/models/noisy-classifier.js';
import { selectBackend } from '../../src/nn/backend.js';
import { createRng } from '../../src/random/rng.js';
import { checkpointFolder, readManifest } from '../../src/train/checkpoint.js';
import { binomialEstimate, type Estimate } from '../../src/quality/judge.js';
import { loadShipped, measureFigure, readShippedManifest, shippedWeightsDir, type LoadedShipped, type ShippedFigure } from '../../src/train/shipped.js';

const Z = 4;
const dir = shippedWeightsDir();
const manifest = readShippedManifest(dir);

/** |recorded − remeasured| in standard errors of their difference. */
function zScore(f: ShippedFigure, value: number, standardError: number): number {
  return Math.abs(value - f.value) / Math.hypot(f.standardError, standardError);
}

/**
 * Re-measure a figure on its check sample. Sampled figures (shares of n samples) are drawn in chunks of 10 with the
 * event loop let run between them: one synchronous stretch of 20 guided samples took over a minute on a machine at
 * load 15, and vitest's worker then misses its 60 s RPC deadline. The chunks use seeds 1000·seed + k, all independent
 * of the recorded sample (seed 0), and their hits add up to one binomial estimate of the same share.
 */
async function remeasure(loaded: LoadedShipped, figure: ShippedFigure): Promise<Estimate> {
  const { protocol, check } = figure;
  const sampled = protocol.measure === 'guidedAccuracy' || protocol.measure === 'digitShare' || protocol.measure === 'cvaePriorAccuracy';
  if (!sampled || check.n <= 20) return measureFigure(loaded, protocol, check.n, check.seed, judge);
  const chunk = 10;
  let hits = 0;
  for (let k = 0; k < check.n / chunk; k++) {
    const part = measureFigure(loaded, protocol, chunk, 1000 * check.seed + k, judge);
    hits += Math.round(part.value * chunk);
    await new Promise((resolve) => setTimeout(resolve, 0));
  }
  return binomialEstimate(hits, check.n);
}

let judge: MnistClassifier;
beforeAll(async () => {
  await selectBackend(); // wasm here (as the figures were measured), or a native backend where installed
  judge = loadShipped('classifier', dir).model as MnistClassifier;
});

describe('weights/ (the shipped checkpoints)', () => {
  it('lists every folder of weights/ in the manifest, and every manifest entry has its folder', () => {
    const folders = readdirSync(dir).filter((f) => statSync(path.join(dir, f)).isDirectory()).sort();
    expect(folders).toEqual(manifest.models.map((m) => m.name).sort());
    for (const name of ['classifier', 'ae', 'vae', 'vae2d', 'cvae', 'cddpm', 'ddpm', 'noisy-classifier', 'cdit', 'cldm']) expect(folders).toContain(name);
  });

  it.each(manifest.models.map((m) => [m.name, m] as const))('%s: its manifest entry says how it was made, and its weights match it', (name, entry) => {
    expect(entry.command).toMatch(/^pnpm train (classifier|noisy-classifier|ae|vae|cvae|ddpm|cddpm|cdit|cldm)( |$)/);
    expect(entry.trainSeconds).toBeGreaterThan(0);
    expect(entry.figures.length).toBeGreaterThan(0);
    const loaded = loadShipped(name, dir);
    expect(loaded.model.params.count).toBe(entry.parameters);
    expect(statSync(path.join(checkpointFolder(path.join(dir, name)), 'weights.bin')).size).toBe(entry.bytes);
    // Weights only: no optimizer state ships (it triples the size and only a run that goes on training needs it).
    expect(readManifest(path.join(dir, name)).optimizer).toBeUndefined();
    loaded.model.params.dispose();
  });

  const cases = manifest.models.flatMap((m) => m.figures.map((f) => [m.name, f.label, f] as const));
  it.each(cases)(`%s reaches its recorded figure "%s" again, within ${Z} standard errors`, async (name, _label, figure) => {
    const loaded = loadShipped(name, dir);
    expect(figure.check.seed).not.toBe(figure.seed); // an independent sample, not the recorded one again
    expect(figure.check.n % 10).toBe(0);
    const again = await remeasure(loaded, figure);
    loaded.model.params.dispose();
    expect(again.n).toBe(figure.check.n);
    expect(zScore(figure, again.value, again.standardError), `recorded ${figure.value} ± ${figure.standardError}, now ${again.value} ± ${again.standardError}`).toBeLessThan(Z);
    // A guard against a hang, not a speed target: 100 guided samples take 30 s on an idle machine, minutes on a busy one.
  }, 900_000);

  it('the check would catch a broken checkpoint: the same architectures with fresh weights miss their figures', () => {
    for (const name of ['classifier', 'ae', 'vae', 'noisy-classifier']) {
      const shipped = loadShipped(name, dir);
      const figure = shipped.entry.figures[0]!;
      const config = readManifest(path.join(dir, name)).config;
      shipped.model.params.dispose();
      const rng = createRng(99);
      const fresh: LoadedShipped = name === 'classifier'
        ? { entry: shipped.entry, kind: 'classifier', model: new MnistClassifier(rng, config as MnistClassifierOptions) }
        : shipped.kind === 'noisy-classifier'
          ? { entry: shipped.entry, kind: 'noisy-classifier', model: new NoisyClassifier(rng, config as NoisyClassifierOptions), schedule: shipped.schedule }
          : { entry: shipped.entry, kind: name as 'ae' | 'vae', model: new ConvAutoencoder(rng, config as ConvAutoencoderOptions) };
      const again = measureFigure(fresh, figure.protocol, figure.check.n, figure.check.seed, judge);
      fresh.model.params.dispose();
      expect(zScore(figure, again.value, again.standardError), `${name}: fresh weights gave ${again.value}`).toBeGreaterThan(Z);
    }
  }, 120_000);
});
