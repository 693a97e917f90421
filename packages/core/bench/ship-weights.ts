/**
 * `pnpm --filter @ddpm-derived/core ship-weights [-- NAME …] [--train]`: make the trained weights shipped in the
 * repository's `weights/` (train/shipped.ts). For each model: train it with its `pnpm train` command (with `--train`,
 * or when its checkpoint folder is empty), copy its weights (without Adam's state) to weights/NAME, measure its
 * figures on the full protocol and write them with the command, seed, training time and backend into
 * weights/manifest.json. The classifier comes first: it judges the other models' samples.
 *
 * `--table` only prints weights/manifest.json as the table of docs/BENCHMARKS.md.
 *
 * Names: classifier ae vae vae2d cvae cddpm ddpm noisy-classifier cdit cldm (default: all). About 65 minutes of training on 2 idle
 * cores (ddpm's 5000 steps are 13 of them, cdit's 6000 about 33) and 12 of measuring (cdit's 1000 guided samples about 7).
 */
import { spawnSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { cpSync, existsSync, rmSync, statSync, writeFileSync } from 'node:fs';
import type { MnistClassifier } from '../src/models/classifier.js';
import { describeBackend, selectBackend } from '../src/nn/backend.js';
import { checkpointFolder, hasCheckpoint, readManifest, saveCheckpoint } from '../src/train/checkpoint.js';
import {
  disposeShipped,
  loadModelFolder,
  loadShipped,
  measureFigure,
  readShippedManifest,
  shippedWeightsDir,
  type FigureProtocol,
  type LoadedShipped,
  type ShippedFigure,
  type ShippedManifest,
  type ShippedModel,
} from '../src/train/shipped.js';

interface Recipe {
  readonly name: string;
  readonly description: string;
  /** `pnpm train` arguments. */
  readonly args: readonly string[];
  /** Where that command saves (relative to packages/core, as `pnpm train` resolves --out). */
  readonly out: string;
  readonly figures: readonly Omit<ShippedFigure, 'value' | 'standardError'>[];
}

const ddim = { ddimSteps: 50, eta: 1 } as const;
const fig = (label: string, protocol: FigureProtocol, n: number, checkN: number): Omit<ShippedFigure, 'value' | 'standardError'> => ({
  label, protocol, n, seed: 0, check: { n: checkN, seed: 1 },
});
const elbo = fig('ELBO in nats per image (B5, one draw of z per image, decoder N(x̂, ½ I) as S4\'s loss implies), MNIST test digits', { measure: 'elbo', decoderVariance: 0.5 }, 10000, 500);

const RECIPES: readonly Recipe[] = [
  {
    name: 'classifier', description: 'The MNIST classifier that judges generated digits (models/classifier.ts, 152 170 parameters).',
    args: ['classifier', '--seed', '2026'], out: 'checkpoints/classifier',
    figures: [fig('accuracy on the MNIST test digits', { measure: 'classifierAccuracy' }, 10000, 1000)],
  },
  {
    name: 'ae', description: "S4's convolutional autoencoder at width 16, latent d = 16 (pnpm train defaults).",
    args: ['ae'], out: 'checkpoints/ae',
    figures: [fig('reconstruction error ‖x − x̂‖² per image (B1), MNIST test digits', { measure: 'reconstructionError' }, 10000, 500)],
  },
  { name: 'vae', description: "S4's VAE at width 16, latent d = 16.", args: ['vae'], out: 'checkpoints/vae', figures: [elbo] },
  {
    name: 'vae2d', description: "S4's VAE with a 2-D latent and a 64-unit head, so its latent plane can be drawn (notebook 09, the site's latent explorer).",
    // S4's head (Dense(2d) + ReLU) is 4 units wide at d = 2 and confined the means to a cone; 64 units fill the plane.
    args: ['vae', '--latent', '2', '--head', '64', '--out', 'checkpoints/vae2d'], out: 'checkpoints/vae2d', figures: [elbo],
  },
  {
    name: 'cvae', description: "S4's conditional VAE at width 16, latent d = 16: the label joins encoder and decoder (B6).",
    args: ['cvae'], out: 'checkpoints/cvae',
    figures: [elbo, fig('prior samples read as the asked digit by the classifier (100 per digit)', { measure: 'cvaePriorAccuracy' }, 1000, 200)],
  },
  {
    name: 'cddpm', description: 'Conditional DDPM, quick preset (16×16 MNIST, UNet 16/32/64 with the input skip), trained with 10 % label dropout for classifier-free guidance (F6).',
    args: ['cddpm', '--seed', '1'], out: 'checkpoints/cddpm',
    figures: [fig('guided samples read as the asked digit, w = 3 (DDIM 50, η = 1; 100 per digit)', { measure: 'guidedAccuracy', guidance: 3, ...ddim }, 1000, 100)],
  },
  {
    name: 'ddpm', description: 'Unconditional DDPM, quick preset (16×16 MNIST, UNet 16/32/64 with the input skip), 5000 steps.',
    args: ['ddpm'], out: 'checkpoints/ddpm',
    figures: [fig('samples read as a digit: one digit at probability ≥ 0.9 (DDIM 50, η = 1)', { measure: 'digitShare', ...ddim }, 1000, 100)],
  },
  {
    name: 'noisy-classifier',
    description: "Classifier guidance's time-conditioned classifier p_φ(y | x_t, t) (F5, models/noisy-classifier.ts), trained on 16×16 MNIST digits noised by q(x_t | x_0) with the ddpm quick preset's schedule (linear, T = 1000), so it reads the x_t that ddpm's sampler passes through.",
    args: ['noisy-classifier', '--seed', '2026'], out: 'checkpoints/noisy-classifier',
    figures: [
      fig('accuracy on the MNIST test digits, each noised once (C5) at its own t ~ U{1..1000}', { measure: 'noisyClassifierAccuracy', t: 'uniform' }, 10000, 1000),
      fig('accuracy on the MNIST test digits noised at t = 500 (√ᾱ_t ≈ 0.28)', { measure: 'noisyClassifierAccuracy', t: 500 }, 10000, 1000),
    ],
  },
  {
    name: 'cdit',
    description: "Conditional DiT (S3, models/dit.ts), quick preset: 16×16 MNIST in 2×2 patches, width 64, 4 adaLN-Zero blocks of 4 heads, trained with 10 % label dropout for classifier-free guidance (F6), 6000 steps (docs/BENCHMARKS.md: at cddpm's 1500 it draws no digits yet).",
    // 6000 steps, not the preset's 1500. The shipped run was --seed 1 and then --resume twice (1500 + 1500 + 3000),
    // which continues bit for bit as one uninterrupted run would (docs/BENCHMARKS.md, the DiT section).
    args: ['cdit', '--seed', '1', '--steps', '6000'], out: 'checkpoints/cdit',
    figures: [fig('guided samples read as the asked digit, w = 3 (DDIM 50, η = 1; 100 per digit)', { measure: 'guidedAccuracy', guidance: 3, ...ddim }, 1000, 100)],
  },
  {
    name: 'cldm',
    description: "Conditional latent diffusion (S1, train/first-stage.ts + a UNet): a KL first stage (39,049 parameters, 2000 steps of 64, in first-stage/) maps 16×16 MNIST to 4×4×4 latents scaled by B8's s; the quick latent UNet (widths 32, 64) learns them with 10 % label dropout (F6) for 4500 steps; samples are decoded.",
    // The shipped run was --seed 1 (1500 steps) and --resume --steps 3000, bit for bit one run of 4500.
    args: ['cldm', '--seed', '1', '--steps', '4500'], out: 'checkpoints/cldm',
    figures: [fig('guided samples, decoded, read as the asked digit, w = 3 (DDIM 50, η = 1; 100 per digit)', { measure: 'guidedAccuracy', guidance: 3, ...ddim }, 1000, 100)],
  },
];

const coreDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const repoRoot = path.resolve(coreDir, '../..');

const argv = process.argv.slice(2);
const { values, positionals } = parseArgs({ args: argv[0] === '--' ? argv.slice(1) : argv, allowPositionals: true, options: { train: { type: 'boolean' }, table: { type: 'boolean' } } });
// --table only prints the manifest as docs/BENCHMARKS.md's table.
const names = values.table ? [] : positionals.length ? positionals : RECIPES.map((r) => r.name);
for (const n of names) if (!RECIPES.some((r) => r.name === n)) throw new RangeError(`ship-weights: unknown model '${n}'; known: ${RECIPES.map((r) => r.name).join(' ')}`);

const choice = await selectBackend();
const weightsDir = shippedWeightsDir();
const manifestFile = path.join(weightsDir, 'manifest.json');
let manifest: ShippedManifest = existsSync(manifestFile)
  ? readShippedManifest(weightsDir)
  : { format: 1, machine: '', models: [] };

for (const recipe of RECIPES.filter((r) => names.includes(r.name))) {
  const command = `pnpm train ${recipe.args.join(' ')}`;
  const trainedDir = path.join(coreDir, recipe.out);
  if (values.train || !hasCheckpoint(trainedDir)) {
    console.log(`\n${recipe.name}: ${command}`);
    const run = spawnSync('pnpm', ['train', ...recipe.args], { cwd: repoRoot, stdio: 'inherit' });
    if (run.status !== 0) throw new Error(`ship-weights: '${command}' failed (exit ${run.status})`);
  }
  const trained = readManifest(trainedDir);
  const trainSeconds = trained.meta['trainSeconds'];
  if (typeof trainSeconds !== 'number') throw new Error(`ship-weights: ${trainedDir} records no training time (trained before checkpoints kept it): rerun with --train`);
  const trainedModel = loadModelFolder(trainedDir, 'ship-weights');
  const model = trainedModel.model;
  // Weights only: Adam's moments would triple the size and only matter to a run that goes on training.
  const { rngState: _stream, ...trainedMeta } = trained.meta;
  const shippedDir = path.join(weightsDir, recipe.name);
  // A fresh folder: saveCheckpoint keeps the previous step as a spare, which the repository must not carry.
  rmSync(shippedDir, { recursive: true, force: true });
  // A latent model ships with its first stage inside its folder, and its meta points there.
  const stage = 'firstStage' in trainedModel ? trainedModel.firstStage : undefined;
  const meta = stage ? { ...trainedMeta, firstStage: { ...(trainedMeta.firstStage as object), folder: 'first-stage' } } : trainedMeta;
  saveCheckpoint(shippedDir, model, trained.step, meta);
  if (stage) cpSync(stage.folder, path.join(shippedDir, 'first-stage'), { recursive: true });
  // Its training time counts the first stage's too: both are needed to draw one sample.
  const firstStageSeconds = stage ? Number(readManifest(stage.folder).meta['trainSeconds'] ?? 0) : 0;
  const bytes = statSync(path.join(checkpointFolder(shippedDir), 'weights.bin')).size;

  const entry: ShippedModel = {
    name: recipe.name, description: recipe.description, command,
    seed: Number(meta['seed'] ?? 0), steps: trained.step, trainSeconds: Math.round(trainSeconds + firstStageSeconds),
    backend: String(meta['backend']), workers: Number(meta['workers'] ?? 1), parameters: model.params.count, bytes, figures: [],
  };
  const loaded = (m: ShippedModel) => ({ entry: m, ...trainedModel }) as LoadedShipped;
  const judge = recipe.name === 'classifier' ? undefined : (loadShipped('classifier', weightsDir).model as MnistClassifier);
  const figures: ShippedFigure[] = [];
  for (const f of recipe.figures) {
    const t0 = performance.now();
    const e = measureFigure(loaded(entry), f.protocol, f.n, f.seed, judge);
    figures.push({ ...f, value: e.value, standardError: e.standardError });
    console.log(`${recipe.name}: ${f.label}: ${e.value.toFixed(4)} ± ${e.standardError.toFixed(4)} (n = ${f.n}, ${((performance.now() - t0) / 1000).toFixed(0)} s)`);
  }
  disposeShipped(loaded(entry));
  judge?.params.dispose();
  // Read again before writing: another ship-weights run may have added a model meanwhile.
  if (existsSync(manifestFile)) manifest = readShippedManifest(weightsDir);
  const models = [...manifest.models.filter((m) => m.name !== recipe.name), { ...entry, figures }];
  models.sort((a, b) => RECIPES.findIndex((r) => r.name === a.name) - RECIPES.findIndex((r) => r.name === b.name));
  manifest = { format: 1, machine: `${os.availableParallelism()} cores (${os.cpus()[0]?.model ?? 'unknown CPU'}), Node ${process.version}, ${describeBackend(choice)}`, models };
  // Written after each model, so an interrupted run keeps what it finished.
  writeFileSync(manifestFile, `${JSON.stringify(manifest, null, 2)}\n`);
}
console.log(`\n${manifestFile}: ${manifest.models.map((m) => m.name).join(', ')}\n`);
// The table docs/BENCHMARKS.md shows ("Shipped weights").
const fmt = (f: ShippedFigure) => (f.protocol.measure === 'elbo' || f.protocol.measure === 'reconstructionError'
  ? `${f.value.toFixed(1)} ± ${f.standardError.toFixed(1)}`
  : `${(100 * f.value).toFixed(1)} % ± ${(100 * f.standardError).toFixed(1)}`);
console.log('| model | command | parameters | weights | training | figure (n) |');
console.log('|---|---|---|---|---|---|');
for (const m of manifest.models) {
  const figures = m.figures.map((f) => `${f.label}: **${fmt(f)}** (${f.n})`).join('; ');
  console.log(`| ${m.name} | \`${m.command}\` | ${m.parameters.toLocaleString('en')} | ${(m.bytes / 1e6).toFixed(2)} MB | ${m.trainSeconds} s, ${m.workers} thread${m.workers > 1 ? 's' : ''} | ${figures} |`);
}
