// Durability of a save (src/train/checkpoint.ts): what a crash of the machine would expose cannot be produced in a
// test, so these tests watch the file system calls instead. node:fs's functions are wrapped (vi.spyOn on its module
// object, then syncBuiltinESMExports so that checkpoint.ts's named imports see the wrappers) and every open, write,
// fsync, close and rename is logged by path. The contract a save keeps: each file of the step folder, the step folder
// and the checkpoint folder are flushed before the pointer's rename, and the folder again after it; every descriptor
// is closed, also when a write fails; and a save that fails halfway leaves the previous checkpoint loadable.
// Also here: the optimizer state's edges (an optimizer without Adam's running products, a new learning rate, what is
// not an optimizer) and Adam's private products, refused when missing.
import * as tf from '@tensorflow/tfjs-core';
import fs, { mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { MlpDenoiser } from '../models/mlp.js';
import { createRng } from '../random/rng.js';
import { useCpuBackend } from '../testing/tf-setup.js';
import { DomainError } from '../util/validate.js';
import { assertCheckpointWritable, checkpointFolder, loadCheckpoint, loadOptimizerState, optimizerState, readManifest, saveCheckpoint, verifyCheckpoint } from './checkpoint.js';
import { WeightAverage } from './ema.js';

beforeAll(useCpuBackend);
afterAll(useCpuBackend);
afterEach(() => {
  vi.restoreAllMocks();
  syncBuiltinESMExports();
});

const tmp = (prefix: string) => mkdtempSync(path.join(tmpdir(), prefix));

type Fail = (call: 'open' | 'write' | 'fsync', file: string, flags?: unknown) => NodeJS.ErrnoException | undefined;

/**
 * Log node:fs's calls by path relative to `dir` ('.' is `dir` itself) until the test ends. `fail` may make a call
 * throw the error it returns instead of running, as a full disk or a file system without folder fsync would.
 */
function watchFs(dir: string, fail: Fail = () => undefined): { events: string[]; openFds: () => string[] } {
  const real = { openSync: fs.openSync, writeFileSync: fs.writeFileSync, fsyncSync: fs.fsyncSync, closeSync: fs.closeSync, renameSync: fs.renameSync };
  const events: string[] = [];
  const byFd = new Map<number, string>();
  const rel = (p: fs.PathLike) => path.relative(dir, String(p)) || '.';
  const failWith = (call: Parameters<Fail>[0], file: string, flags?: unknown) => {
    const err = fail(call, file, flags);
    if (err) {
      events.push(`${call} ${file} failed`);
      throw err;
    }
  };
  vi.spyOn(fs, 'openSync').mockImplementation(((p: fs.PathLike, flags?: fs.OpenMode, mode?: fs.Mode) => {
    failWith('open', rel(p), flags);
    const fd = real.openSync(p, flags ?? 'r', mode);
    byFd.set(fd, rel(p));
    events.push(`open ${rel(p)}`);
    return fd;
  }) as typeof fs.openSync);
  vi.spyOn(fs, 'writeFileSync').mockImplementation(((target: fs.PathOrFileDescriptor, data: string | NodeJS.ArrayBufferView, options?: fs.WriteFileOptions) => {
    const file = typeof target === 'number' ? byFd.get(target) ?? `fd ${target}` : rel(target as fs.PathLike);
    failWith('write', file);
    real.writeFileSync(target, data, options);
    events.push(`write ${file}`);
  }) as typeof fs.writeFileSync);
  vi.spyOn(fs, 'fsyncSync').mockImplementation((fd: number) => {
    failWith('fsync', byFd.get(fd) ?? `fd ${fd}`);
    real.fsyncSync(fd);
    events.push(`fsync ${byFd.get(fd)}`);
  });
  vi.spyOn(fs, 'closeSync').mockImplementation((fd: number) => {
    real.closeSync(fd);
    events.push(`close ${byFd.get(fd)}`);
    byFd.delete(fd);
  });
  vi.spyOn(fs, 'renameSync').mockImplementation((from: fs.PathLike, to: fs.PathLike) => {
    real.renameSync(from, to);
    events.push(`rename ${rel(from)} -> ${rel(to)}`);
  });
  syncBuiltinESMExports();
  return { events, openFds: () => [...byFd.values()] };
}

/** A small model with an Adam state and a weight average: a save writes all four files of a step folder. */
async function trainedModel(): Promise<{ model: MlpDenoiser; extras: Parameters<typeof saveCheckpoint>[4] }> {
  const model = new MlpDenoiser(createRng(1), { hidden: 8, layers: 1 });
  const opt = tf.train.adam(1e-2);
  opt.applyGradients(Object.fromEntries(model.params.list.map((v) => [v.name, tf.onesLike(v)])));
  const avg = new WeightAverage(model.params, 0.9, 3);
  const extras = { optimizer: await optimizerState(opt), ema: { vars: avg.vars, decay: 0.9, updates: 3 } };
  opt.dispose();
  return { model, extras };
}

const FILES = ['weights.bin', 'optimizer.bin', 'ema.bin', 'model.json'];
const weightsOf = (m: MlpDenoiser) => m.params.list.map((v) => Array.from(v.dataSync()));

describe('checkpoint durability', () => {
  it('flushes every file of the step folder, the step folder and the checkpoint folder before the pointer is renamed, the folder again after it, and closes what it opened', async () => {
    const dir = tmp('ckpt-sync-');
    const { model, extras } = await trainedModel();
    saveCheckpoint(dir, model, 3, {}, extras);
    const { events, openFds } = watchFs(dir);
    saveCheckpoint(dir, model, 7, {}, extras);
    const renamed = events.indexOf('rename checkpoint.json.tmp -> checkpoint.json');
    expect(renamed).toBeGreaterThan(0);
    for (const file of [...FILES.map((f) => `step-000007/${f}`), 'checkpoint.json.tmp']) {
      const written = events.indexOf(`write ${file}`);
      const flushed = events.indexOf(`fsync ${file}`);
      expect(written, file).toBeGreaterThanOrEqual(0);
      expect(flushed, file).toBeGreaterThan(written);
      expect(flushed, file).toBeLessThan(renamed);
    }
    // The new folder's entries (its files) and the checkpoint folder's (the new folder) reach the disk first.
    const lastFileFlush = Math.max(...FILES.map((f) => events.indexOf(`fsync step-000007/${f}`)));
    expect(events.indexOf('fsync step-000007')).toBeGreaterThan(lastFileFlush);
    expect(events.indexOf('fsync .')).toBeGreaterThan(events.indexOf('fsync step-000007'));
    expect(events.indexOf('fsync .')).toBeLessThan(renamed);
    // The rename itself is flushed before older folders are deleted.
    expect(events.lastIndexOf('fsync .')).toBeGreaterThan(renamed);
    expect(openFds()).toEqual([]);
    expect(events.filter((e) => e.startsWith('open')).length).toBe(events.filter((e) => e.startsWith('close')).length);
    expect(verifyCheckpoint(dir).step).toBe(7);
  });

  it('still saves where folders cannot be opened for fsync (as on Windows), and leaves no descriptor open', async () => {
    const dir = tmp('ckpt-nodirsync-');
    const { model, extras } = await trainedModel();
    const folderOpen: Fail = (call, file) => (call === 'open' && fs.statSync(path.resolve(dir, file), { throwIfNoEntry: false })?.isDirectory() ? Object.assign(new Error(`EISDIR: ${file}`), { code: 'EISDIR' }) : undefined);
    const { events, openFds } = watchFs(dir, folderOpen);
    saveCheckpoint(dir, model, 4, {}, extras);
    expect(events).toContain('open step-000004 failed');
    expect(events).toContain('open . failed');
    expect(openFds()).toEqual([]);
    expect(verifyCheckpoint(dir).step).toBe(4);
  });

  it('closes a folder it opened when its fsync is refused (as some file systems do), and still saves', async () => {
    const dir = tmp('ckpt-dirsync-refused-');
    const { model, extras } = await trainedModel();
    const { events, openFds } = watchFs(dir, (call, file) => (call === 'fsync' && (file === '.' || file === 'step-000004') ? Object.assign(new Error('EINVAL'), { code: 'EINVAL' }) : undefined));
    saveCheckpoint(dir, model, 4, {}, extras);
    expect(events).toContain('fsync step-000004 failed');
    expect(events).toContain('close step-000004');
    expect(openFds()).toEqual([]);
    expect(verifyCheckpoint(dir).step).toBe(4);
  });

  // A disk that fills up at each point of a save in turn: the save throws, nothing is left open, and the checkpoint
  // that loads is still the previous one, whole (weights, optimizer state and average of step 3).
  it.each([...FILES.map((f) => `step-000007/${f}`), 'checkpoint.json.tmp'])('a save whose write of %s fails keeps the previous checkpoint and closes the file', async (failing) => {
    const dir = tmp('ckpt-full-');
    const { model, extras } = await trainedModel();
    saveCheckpoint(dir, model, 3, {}, extras);
    const before = weightsOf(model);
    tf.tidy(() => model.params.list.forEach((v) => v.assign(tf.add(v, 1))));
    const { events, openFds } = watchFs(dir, (call, file) => (call === 'write' && file === failing ? Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC' }) : undefined));
    expect(() => saveCheckpoint(dir, model, 7, {}, extras)).toThrow(/ENOSPC/);
    expect(events).toContain(`write ${failing} failed`);
    expect(events.some((e) => e.startsWith('rename'))).toBe(false);
    expect(openFds()).toEqual([]);
    vi.restoreAllMocks();
    syncBuiltinESMExports();
    expect(verifyCheckpoint(dir).step).toBe(3);
    const fresh = new MlpDenoiser(createRng(2), model.config);
    loadCheckpoint(dir, fresh);
    expect(weightsOf(fresh)).toEqual(before);
    // The next save that succeeds removes what the failed one left.
    saveCheckpoint(dir, model, 8, {}, extras);
    expect(readdirSync(dir).sort()).toEqual(['checkpoint.json', 'step-000003', 'step-000008']);
  });

  it('removes the leftovers of killed saves (also with a suffix) but nothing else in the folder', async () => {
    const dir = tmp('ckpt-leftovers-');
    const { model } = await trainedModel();
    saveCheckpoint(dir, model, 10);
    saveCheckpoint(dir, model, 20);
    // Left by saves killed before their pointer was renamed: a half folder, a suffixed one, a pointer never renamed.
    for (const name of ['step-000030', 'step-000020-12']) {
      mkdirSync(path.join(dir, name));
      writeFileSync(path.join(dir, name, 'weights.bin'), 'half');
    }
    // Not the save's to delete: the samples the CLI writes beside the checkpoints, and folders a person put there.
    const others = ['samples-000010.png', 'step-000010.bak', 'old-step-000010', 'step-', 'step-x', 'step-000010-', 'step-000010-2b'];
    for (const name of others) mkdirSync(path.join(dir, name));
    saveCheckpoint(dir, model, 30);
    expect(readdirSync(dir).sort()).toEqual(['checkpoint.json', 'step-000020', 'step-000030', ...others].sort());
    expect(readdirSync(path.join(dir, 'step-000030')).sort()).toEqual(['model.json', 'weights.bin']);
    expect(verifyCheckpoint(dir).step).toBe(30);
    model.params.dispose();
  });

  it('creates a checkpoint folder that does not exist yet, nested', async () => {
    const dir = path.join(tmp('ckpt-nested-'), 'a', 'b');
    const { model } = await trainedModel();
    saveCheckpoint(dir, model, 1);
    expect(path.basename(checkpointFolder(dir))).toBe('step-000001');
    expect(verifyCheckpoint(dir).step).toBe(1);
    model.params.dispose();
  });

  it('the write probe is as large as asked (a nearly full disk is found before training) and at least one byte', () => {
    const dir = tmp('ckpt-probe-');
    const sizes: number[] = [];
    const realWrite = fs.writeFileSync;
    vi.spyOn(fs, 'writeFileSync').mockImplementation(((target: fs.PathOrFileDescriptor, data: string | NodeJS.ArrayBufferView, options?: fs.WriteFileOptions) => {
      sizes.push(typeof data === 'string' ? data.length : data.byteLength);
      realWrite(target, data, options);
    }) as typeof fs.writeFileSync);
    syncBuiltinESMExports();
    assertCheckpointWritable('pnpm train', '--out', dir, 12_345.5);
    assertCheckpointWritable('pnpm train', '--out', dir, 0);
    expect(sizes).toEqual([12_346, 1]);
    expect(readdirSync(dir)).toEqual([]);
  });
});

describe('optimizer state', () => {
  const wModel = (w: tf.Variable) => ({ kind: 'w', config: {}, params: { vars: new Map([['w', w]]) } });
  /** n optimizer steps on w with seeded gradients. */
  const steps = (w: tf.Variable, opt: tf.Optimizer, seed: number, n: number) => {
    const rng = createRng(seed);
    for (let i = 0; i < n; i++) tf.tidy(() => opt.applyGradients([{ name: w.name, tensor: rng.normalTensor(w.shape) }]));
  };

  it('a momentum optimizer (no running products) is saved and resumed: the resumed steps are bit for bit those of the run that went on', async () => {
    const dir = tmp('ckpt-momentum-');
    const w = tf.variable(createRng(7).normalTensor([33]), true, 'momentum-w');
    const running = tf.train.momentum(0.05, 0.9);
    steps(w, running, 8, 5);
    saveCheckpoint(dir, wModel(w), 5, {}, { optimizer: await optimizerState(running) });
    expect(readManifest(dir).optimizer).toMatchObject({ className: 'Momentum', iterations: 5 });
    expect(readManifest(dir).optimizer).not.toHaveProperty('accBeta1');
    steps(w, running, 9, 4);
    const expected = Array.from(w.dataSync());
    const v = tf.variable(tf.zeros([33]), true, 'momentum-v');
    loadCheckpoint(dir, wModel(v));
    const fresh = tf.train.momentum(0.05, 0.9);
    expect(await loadOptimizerState(dir, fresh)).toBeUndefined();
    steps(v, fresh, 9, 4);
    expect(Array.from(v.dataSync())).toEqual(expected);
    [w, v].forEach((x) => x.dispose());
    [running, fresh].forEach((o) => o.dispose());
  });

  it('takes a new learning rate (the one thing a resumed run may change) and leaves no tensors but the moments it restores', async () => {
    const dir = tmp('ckpt-lr-');
    const w = tf.variable(tf.ones([5]), true, 'lr-w');
    const adam = tf.train.adam(1e-2);
    steps(w, adam, 1, 2);
    saveCheckpoint(dir, wModel(w), 2, {}, { optimizer: await optimizerState(adam) });
    const saved = readManifest(dir).optimizer!;
    const fresh = tf.train.adam(3e-3);
    const before = tf.memory().numTensors;
    expect(await loadOptimizerState(dir, fresh)).toBeUndefined();
    // setWeights keeps one variable per saved moment; the step count and the moments read from optimizer.bin are freed.
    expect(tf.memory().numTensors - before).toBe(saved.weights.length);
    expect(fresh.getConfig().learningRate).toBe(3e-3);
    w.dispose();
    [adam, fresh].forEach((o) => o.dispose());
  });

  it('refuses to read the state of what is not a tf.Optimizer, or of one whose weights do not start with its step count', async () => {
    await expect(optimizerState({ getWeights: async () => [] } as unknown as tf.Optimizer)).rejects.toThrow(/^optimizerState: argument 'optimizer' must be a tf\.Optimizer; received \[object Object\]/);
    type Named = { name: string; tensor: tf.Tensor };
    class Odd extends tf.Optimizer {
      constructor(private readonly weights: Named[]) {
        super();
      }
      applyGradients(): void {}
      override async getWeights(): Promise<Named[]> {
        return this.weights;
      }
      override async setWeights(): Promise<void> {}
      getConfig(): tf.serialization.ConfigDict {
        return {};
      }
      override getClassName(): string {
        return 'Odd';
      }
    }
    const m = tf.zeros([2]);
    await expect(optimizerState(new Odd([]))).rejects.toThrow(/^optimizerState: argument 'optimizer' must be an optimizer whose getWeights\(\) starts with 'iter'; received $/);
    await expect(optimizerState(new Odd([{ name: 'm', tensor: m }]))).rejects.toThrow(/^optimizerState: argument 'optimizer' must be an optimizer whose getWeights\(\) starts with 'iter'; received m$/);
    m.dispose();
  });
});

describe("Adam's running products", () => {
  // optimizerState and loadOptimizerState read and set Adam's private accBeta1/accBeta2 (tfjs-core 4.x); an Adam
  // without them as variables (another tfjs version) is refused by name, before its state is read or replaced.
  it.each(['accBeta1', 'accBeta2'])('refuses an Adam whose %s is not a variable, when saving and when loading', async (name) => {
    const plain = tf.train.adam(1e-2);
    const w = tf.variable(tf.ones([3]), true, `w-${name}`);
    plain.applyGradients([{ name: w.name, tensor: tf.onesLike(w) }]);
    const dir = tmp('ckpt-adam-');
    saveCheckpoint(dir, { kind: 'w', config: {}, params: { vars: new Map([['w', w]]) } }, 1, {}, { optimizer: await optimizerState(plain) });
    const odd = tf.train.adam(1e-2);
    (odd as unknown as Record<string, unknown>)[name] = 0.9;
    const refusal = (fn: string) => new RegExp(`^${fn}: argument 'optimizer' must be tfjs-core's Adam \\(with its accBeta1/accBeta2 running products\\)`);
    await expect(optimizerState(odd)).rejects.toThrow(refusal('optimizerState'));
    await expect(optimizerState(odd)).rejects.toThrow(DomainError);
    await expect(loadOptimizerState(dir, odd)).rejects.toThrow(refusal('loadOptimizerState'));
    w.dispose();
    plain.dispose();
  });
});
