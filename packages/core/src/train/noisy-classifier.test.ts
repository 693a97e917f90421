import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NoisyClassifier } from '../models/noisy-classifier.js';
import { selectBackend } from '../nn/backend.js';
import { linearSchedule } from '../schedule/schedule.js';
import { useCpuBackend } from '../testing/tf-setup.js';
import { checkpointFolder, readManifest } from './checkpoint.js';
import { NOISY_CLASSIFIER_STEPS, parseNoisyClassifierArgs, runNoisyClassifierCli } from './noisy-classifier.js';
import { loadModelFolder } from './shipped.js';

beforeAll(async () => {
  await selectBackend({ backend: 'wasm' });
});
afterAll(useCpuBackend);

const quiet = () => {};
const run = (args: string) => runNoisyClassifierCli(args.split(' '), quiet);

describe('pnpm train noisy-classifier', () => {
  // The ddpm quick preset's schedule by name (pnpm train ddpm: linearSchedule(T) with T = 1000).
  it('trains, records its schedule, seed, workers, time and test accuracy, and loads back with the DDPM schedule it was trained for', async () => {
    const out = mkdtempSync(path.join(tmpdir(), 'noisy-cli-'));
    const result = (await run(`noisy-classifier --steps 2 --batch 4 --limit 64 --test-limit 40 --every 1 --backend wasm --seed 3 --out ${out}`))!;
    expect(result.step).toBe(2);
    result.losses.forEach((l) => expect(Number.isFinite(l) && l > 0).toBe(true));
    const m = readManifest(out);
    expect(m).toMatchObject({ kind: 'noisy-classifier', step: 2, config: { size: 16, numClasses: 10 }, meta: { schedule: { name: linearSchedule(1000).name, T: 1000 }, seed: 3, workers: 1, batchSize: 4, testDigits: 40 } });
    expect(m.meta['trainSeconds']).toBeGreaterThan(0);
    expect(m.meta['testAccuracy']).toBe(result.testAccuracy.value);
    const loaded = loadModelFolder(out);
    expect(loaded.kind).toBe('noisy-classifier');
    if (loaded.kind !== 'noisy-classifier') throw new Error('unreachable');
    expect(loaded.model).toBeInstanceOf(NoisyClassifier);
    expect(loaded.schedule.T).toBe(1000);
    loaded.model.params.dispose();
    result.model.params.dispose();
  }, 120_000);

  // Resume is bit-identical: weights and Adam's moments after 2 + 2 resumed steps are those after 4 straight steps.
  it('2 steps, then 2 resumed, end bit for bit where 4 steps in one run end; a different --T or an empty folder is refused', async () => {
    const straight = mkdtempSync(path.join(tmpdir(), 'noisy-straight-'));
    const split = mkdtempSync(path.join(tmpdir(), 'noisy-split-'));
    const common = 'noisy-classifier --batch 4 --limit 64 --test-limit 20 --every 2 --backend wasm --seed 5';
    for (const r of [await run(`${common} --steps 4 --out ${straight}`), await run(`${common} --steps 2 --out ${split}`), await run(`${common} --steps 2 --resume --out ${split}`)]) r!.model.params.dispose();
    for (const file of ['weights.bin', 'optimizer.bin']) {
      const a = readFileSync(path.join(checkpointFolder(straight), file));
      const b = readFileSync(path.join(checkpointFolder(split), file));
      expect({ file, identical: a.equals(b) }).toEqual({ file, identical: true });
    }
    const [ma, mb] = [readManifest(straight), readManifest(split)];
    expect([mb.step, mb.optimizer!.iterations]).toEqual([4, 4]);
    expect(mb.meta['rngState']).toEqual(ma.meta['rngState']);
    await expect(run(`${common} --steps 1 --resume --T 500 --out ${split}`)).rejects.toThrow("pnpm train: argument '--T' must be the checkpoint's T = 1000 when resuming; received 500");
    const empty = mkdtempSync(path.join(tmpdir(), 'noisy-empty-'));
    await expect(run(`${common} --steps 1 --resume --out ${empty}`)).rejects.toThrow(/readManifest: argument 'dir' must be a folder holding a checkpoint/);
  }, 120_000);

  it('argument errors name the option and what it accepts', () => {
    expect(parseNoisyClassifierArgs(['noisy-classifier', '--help'])).toBeNull();
    expect(parseNoisyClassifierArgs(['noisy-classifier'])).toMatchObject({ steps: NOISY_CLASSIFIER_STEPS, batchSize: 64, T: 1000, size: 16, resume: false, seed: 0 });
    const p = (args: string) => () => parseNoisyClassifierArgs(args.split(' '));
    expect(p('noisy-classifier --steps 1e3')).toThrow("pnpm train: argument '--steps' must be an integer in 0..10000000; received 1e3");
    expect(p('noisy-classifier --size 20')).toThrow("pnpm train: argument '--size' must be 16 or 32; received 20");
    expect(p('noisy-classifier --T 1')).toThrow(/pnpm train: argument '--T' must be an integer in 2\.\.100000/);
    expect(p('noisy-classifier --backend gpu')).toThrow(/pnpm train: argument '--backend' must be auto \| node-gpu/);
    expect(p('noisy-classifier --guidance 3')).toThrow(/pnpm train: argument 'options' must be among those listed by --help/);
    expect(p('noisy-classifier classifier')).toThrow(/pnpm train: argument 'model' must be 'noisy-classifier'/);
  });
});
