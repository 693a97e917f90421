/**
 * shippedFromFiles: a shipped model assembled from checkpoint files read elsewhere (the site's browser worker fetches
 * them) is the model loadShipped reads from disk, weight for weight, with the same schedule and, for latent
 * diffusion, the same first stage; a latent denoiser without its first stage, or with one of another scale or kind,
 * is refused by name.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { useCpuBackend } from '../testing/tf-setup.js';
import { DomainError } from '../util/validate.js';
import { readCheckpointFiles, type CheckpointFiles } from './checkpoint-format.js';
import { checkShippedManifest, disposeShipped, loadShipped, modelFromManifest, readShippedManifest, shippedFromFiles, shippedWeightsDir, type LoadedShipped } from './shipped.js';

const dir = shippedWeightsDir();
const manifest = readShippedManifest(dir);
const entry = (name: string) => manifest.models.find((m) => m.name === name)!;
/** The checkpoint folder weights/<name> read through a reader, as the browser reads it over HTTP. */
const filesOf = (name: string): Promise<CheckpointFiles> =>
  readCheckpointFiles(async (file) => new Uint8Array(readFileSync(path.join(dir, name, file))), { where: `weights/${name}/` });
/** The largest |difference| between two models' weights, variable by variable (0 when they are the same weights). */
function weightDifference(a: LoadedShipped, b: LoadedShipped): number {
  const [va, vb] = [a.model.params.list, b.model.params.list];
  expect(va.map((v) => v.shape)).toEqual(vb.map((v) => v.shape));
  return Math.max(...va.map((v, i) => tf.tidy(() => tf.max(tf.abs(tf.sub(v, vb[i]!))).dataSync()[0]!)));
}

beforeAll(() => useCpuBackend());

describe('shippedFromFiles', () => {
  it.each(['classifier', 'noisy-classifier', 'cdit'])('%s from its files equals loadShipped from disk, weight for weight', async (name) => {
    const fromDisk = loadShipped(name, dir);
    const fromFiles = shippedFromFiles(entry(name), await filesOf(name), `weights/${name}`);
    expect(fromFiles.kind).toBe(fromDisk.kind);
    expect(fromFiles.entry).toBe(entry(name));
    expect(weightDifference(fromFiles, fromDisk)).toBe(0);
    if ('schedule' in fromDisk) expect((fromFiles as typeof fromDisk).schedule.name).toBe(fromDisk.schedule.name);
    disposeShipped(fromDisk);
    disposeShipped(fromFiles);
  });

  it('cldm comes with its first stage: the same scale s and the same decoded digits D(z / s) as from disk', async () => {
    const fromDisk = loadShipped('cldm', dir);
    const files = await filesOf('cldm');
    const stage = await filesOf('cldm/first-stage');
    const fromFiles = shippedFromFiles(entry('cldm'), files, 'weights/cldm', stage);
    expect(weightDifference(fromFiles, fromDisk)).toBe(0);
    if (fromFiles.kind !== 'unet' || fromDisk.kind !== 'unet') throw new Error('cldm should be a UNet');
    expect(fromFiles.firstStage!.scale).toBe(fromDisk.firstStage!.scale);
    expect(fromFiles.firstStage!.folder).toBe('weights/cldm/first-stage');
    const z = tf.randomNormal([2, 4, 4, 4], 0, 1, 'float32', 3) as tf.Tensor4D;
    expect(Array.from(fromFiles.decode!(z).dataSync())).toEqual(Array.from(fromDisk.decode!(z).dataSync()));
    disposeShipped(fromDisk);
    disposeShipped(fromFiles);
  });

  it('refuses a latent denoiser without its first stage, or with one of another scale or kind, naming the stage', async () => {
    const files = await filesOf('cldm');
    const stage = await filesOf('cldm/first-stage');
    const refusal = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        expect(e).toBeInstanceOf(DomainError);
        return (e as Error).message;
      }
      throw new Error('not refused');
    };
    expect(refusal(() => shippedFromFiles(entry('cldm'), files, 'weights/cldm'))).toMatch(/shippedFromFiles: argument 'stage' must be the files of the first stage weights\/cldm\/first-stage/);
    const rescaled = { ...stage, manifest: { ...stage.manifest, meta: { ...stage.manifest.meta, scale: 0.5 } } };
    expect(refusal(() => shippedFromFiles(entry('cldm'), files, 'weights/cldm', rescaled))).toMatch(/a first stage of scale s = 0\.57\d+ .*received weights\/cldm\/first-stage \(s = 0\.5\)/);
    const classifier = await filesOf('classifier');
    expect(refusal(() => shippedFromFiles(entry('cldm'), files, 'weights/cldm', classifier))).toMatch(/kind latent-autoencoder.*kind 'classifier'/);
  });

  it('bad arguments are refused by name: the entry, the files, the stage, a manifest', async () => {
    const files = await filesOf('classifier');
    expect(() => shippedFromFiles(undefined as never, files, 'weights/classifier')).toThrow(/shippedFromFiles: argument 'entry' must be a model of weights\/manifest\.json/);
    expect(() => shippedFromFiles(entry('classifier'), null as never, 'weights/classifier')).toThrow(/shippedFromFiles: argument 'files' must be checkpoint files as readCheckpointFiles returns them.*received null/);
    expect(() => shippedFromFiles(entry('classifier'), files, 'weights/classifier', {} as never)).toThrow(/argument 'stage' must be checkpoint files/);
    expect(() => modelFromManifest(null as never, 'x')).toThrow(/modelFromManifest: argument 'manifest' must be a checkpoint manifest/);
    expect(() => modelFromManifest({ ...files.manifest, kind: 'gan' }, 'weights/gan')).toThrow(/must be a unet, dit, autoencoder, classifier or noisy-classifier checkpoint; received weights\/gan \(kind 'gan'\)/);
  });

  it('checkShippedManifest refuses what readShippedManifest refuses, naming the file', () => {
    expect(checkShippedManifest(JSON.parse(readFileSync(path.join(dir, 'manifest.json'), 'utf8')), 'weights/manifest.json').models.length).toBe(manifest.models.length);
    expect(() => checkShippedManifest({ format: 2, models: [] }, 'weights/manifest.json')).toThrow(/must be \{ format: 1, models: \[\.\.\.\] \}; received weights\/manifest\.json/);
    expect(() => checkShippedManifest({ format: 1, models: [{ name: '../x', figures: [] }] }, 'm.json')).toThrow(/lower-case name/);
  });
});
