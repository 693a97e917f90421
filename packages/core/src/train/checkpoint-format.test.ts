// The browser-safe loader (checkpoint-format.ts): it reads what saveCheckpoint wrote, from bytes, exactly as the
// Node loader does, and refuses the same damage by the same file names.
import * as tf from '@tensorflow/tfjs-core';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MlpDenoiser } from '../models/mlp.js';
import { createRng } from '../random/rng.js';
import { useCpuBackend } from '../testing/tf-setup.js';
import { DomainError } from '../util/validate.js';
import { checkpointFolder, loadCheckpoint, saveCheckpoint } from './checkpoint.js';
import { fetchCheckpointReader, float32LittleEndian, loadCheckpointFromFiles, readCheckpointFiles, sha256Hex, type CheckpointFileReader } from './checkpoint-format.js';
import { WeightAverage } from './ema.js';

beforeAll(useCpuBackend);
afterAll(useCpuBackend);

const fsReader = (dir: string): CheckpointFileReader => async (name) => new Uint8Array(readFileSync(path.join(dir, name)));
const valuesOf = (m: MlpDenoiser) => m.params.list.map((v) => Array.from(v.dataSync()));

function saved(): { dir: string; model: MlpDenoiser } {
  const dir = mkdtempSync(path.join(tmpdir(), 'ckpt-bytes-'));
  const model = new MlpDenoiser(createRng(11), { hidden: 8, layers: 1 });
  const average = new WeightAverage(model.params, 0.5);
  tf.tidy(() => model.params.list.forEach((v) => v.assign(tf.mul(v, 3))));
  average.update();
  saveCheckpoint(dir, model, 5, { note: 'bytes' }, { ema: { vars: average.vars, decay: 0.5, updates: 1 } });
  return { dir, model };
}

/** The message of what loading from bytes throws, or 'loaded'. */
async function bytesError(dir: string, config: Record<string, unknown>): Promise<string> {
  try {
    await loadCheckpointFromFiles(fsReader(dir), new MlpDenoiser(createRng(3), config), { where: `${dir}/` });
    return 'loaded';
  } catch (e) {
    expect(e).toBeInstanceOf(DomainError);
    return (e as Error).message;
  }
}

describe('checkpoints from bytes (the browser loader)', () => {
  it('loads what saveCheckpoint wrote into a differently initialised model: the same values as the Node loader gives', async () => {
    const { dir, model } = saved();
    const fromBytes = new MlpDenoiser(createRng(99), model.config);
    const fromDisk = new MlpDenoiser(createRng(98), model.config);
    expect(valuesOf(fromBytes)).not.toEqual(valuesOf(model));
    const m = await loadCheckpointFromFiles(fsReader(dir), fromBytes);
    loadCheckpoint(dir, fromDisk);
    expect(m.step).toBe(5);
    expect(m.meta).toEqual({ note: 'bytes' });
    expect(valuesOf(fromBytes)).toEqual(valuesOf(model));
    expect(valuesOf(fromBytes)).toEqual(valuesOf(fromDisk));
    // The weight average, not the weights, with weights: 'ema' (it differs from them: 0.5·w₀ + 0.5·3w₀).
    const ema = await readCheckpointFiles(fsReader(dir), { weights: 'ema' });
    const raw = await readCheckpointFiles(fsReader(dir));
    expect(Array.from(ema.weights)).not.toEqual(Array.from(raw.weights));
    const fromDiskEma = new MlpDenoiser(createRng(97), model.config);
    loadCheckpoint(dir, fromDiskEma, { weights: 'ema' });
    expect(Array.from(ema.weights)).toEqual(valuesOf(fromDiskEma).flat());
  });

  it('reads data files as little-endian float32 whatever the machine, and hashes as SHA-256', async () => {
    const bytes = new Uint8Array([0x00, 0x00, 0x80, 0x3f, 0x00, 0x00, 0x00, 0xc0]); // 1.0 and −2.0, little-endian
    expect(Array.from(float32LittleEndian(bytes))).toEqual([1, -2]);
    expect(Array.from(float32LittleEndian(bytes.subarray(4)))).toEqual([-2]);
    const text = new TextEncoder().encode('ddpm-derived');
    expect(await sha256Hex(text)).toBe(createHash('sha256').update(text).digest('hex'));
  });

  it('refuses damage by the file it is in: weights changed, truncated, missing; manifest changed; pointer garbled', async () => {
    const { dir, model } = saved();
    const step = checkpointFolder(dir);
    const weights = path.join(step, 'weights.bin');
    const good = readFileSync(weights);
    const flipped = Buffer.from(good);
    flipped[3] = flipped[3]! ^ 1;
    writeFileSync(weights, flipped);
    expect(await bytesError(dir, model.config)).toMatch(new RegExp(`${path.basename(step)}/weights\\.bin.*SHA-256`));
    writeFileSync(weights, good.subarray(0, good.length - 4));
    expect(await bytesError(dir, model.config)).toMatch(/weights\.bin.*bytes.*truncated or extended/);
    writeFileSync(weights, good);
    expect(await bytesError(dir, model.config)).toBe('loaded');

    const manifest = path.join(step, 'model.json');
    const text = readFileSync(manifest, 'utf8');
    writeFileSync(manifest, text.replace('"bytes"', '"bytez"'));
    expect(await bytesError(dir, model.config)).toMatch(/model\.json.*SHA-256 recorded in .*checkpoint\.json/);
    writeFileSync(manifest, text);

    const pointer = path.join(dir, 'checkpoint.json');
    const pointerText = readFileSync(pointer, 'utf8');
    writeFileSync(pointer, pointerText.slice(0, 20));
    expect(await bytesError(dir, model.config)).toMatch(/checkpoint\.json.*valid JSON/);
    writeFileSync(pointer, pointerText);

    const missing: CheckpointFileReader = async (name) => {
      if (name.endsWith('weights.bin')) throw new Error('HTTP 404');
      return fsReader(dir)(name);
    };
    await expect(loadCheckpointFromFiles(missing, new MlpDenoiser(createRng(3), model.config), { where: 'https://x/w/' })).rejects.toThrow(/https:\/\/x\/w\/step-\d+\/weights\.bin.*HTTP 404/);
  });

  it('refuses a model of another kind or shape, and a bad weights choice, naming them', async () => {
    const { dir } = saved();
    expect(await bytesError(dir, { hidden: 16, layers: 1 })).toMatch(/variable '.*'.*shape/);
    await expect(readCheckpointFiles(fsReader(dir), { weights: 'average' as 'ema' })).rejects.toThrow(/weights.*'model' or 'ema'/);
    const wrongKind = { kind: 'vae', config: {}, params: { vars: new Map() } };
    await expect(loadCheckpointFromFiles(fsReader(dir), wrongKind)).rejects.toThrow(/a 'mlp' model/);
    expect(() => fetchCheckpointReader('')).toThrow(/fetchCheckpointReader.*baseUrl/);
  });
});
