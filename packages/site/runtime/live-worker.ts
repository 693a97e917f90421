/// <reference lib="webworker" />
// The worker of the site's live-model pages (bundled by scripts/bundle-runtime.mjs into static/runtime/live.js).
// It starts the fastest backend (backend-chain.ts), loads the shipped checkpoints once with core's browser loader,
// and answers the pages' requests with core's own functions: the schedule and q(x_t | x_0) (C5, C9), the samplers
// (F1, F4), guidance (F6), x̂_0 (D4) on a pixel UNet, a pixel DiT or a latent UNet with its first stage's decoder (S1),
// the VAE's decoder, the judge classifier and DDPM training of the 2-D MLP.
// Every request carries an id; the answer (or an error) carries it back, progress messages too.
import * as tf from '@tensorflow/tfjs';
import * as core from '@ddpm-derived/core';
import { parseBackendOrder, pickBackend, type BackendPick } from './backend-chain';

declare const self: DedicatedWorkerGlobalScope;

type Request = { id: number; type: string; [key: string]: unknown };
const post = (m: Record<string, unknown>, transfer: Transferable[] = []) => self.postMessage(m, transfer);

let backend: Promise<BackendPick> | undefined;
let siteBase = '/';

/** A loaded checkpoint: the model and its manifest (kind, config, step, meta). */
interface Loaded<M> {
  readonly model: M;
  readonly manifest: core.CheckpointManifest;
}
const models = new Map<string, Promise<Loaded<unknown>>>();

/** Load `weights/<name>/` once (verified by size and SHA-256), as the model its manifest names. */
function loadShipped<M extends core.CheckpointModel>(name: string, build: (m: core.CheckpointManifest) => M): Promise<Loaded<M>> {
  let p = models.get(name) as Promise<Loaded<M>> | undefined;
  if (!p) {
    p = (async () => {
      const where = new URL(`weights/${name}/`, new URL(siteBase, self.location.origin)).href;
      const { manifest, weights } = await core.readCheckpointFiles(core.fetchCheckpointReader(where), { where });
      const model = build(manifest);
      core.checkModelMatches(`weights/${name}`, manifest, model);
      core.assignCheckpointWeights(manifest, model, weights);
      return { model, manifest };
    })();
    models.set(name, p);
    p.catch(() => models.delete(name)); // a failed load may be retried
  }
  return p;
}

/** The sampler's denoisers: S4's pixel UNet, S3's pixel DiT, and S1's latent diffusion (a UNet on a KL first stage's latents). */
const DENOISERS = ['cddpm', 'cdit', 'cldm'] as const;
type DenoiserName = (typeof DENOISERS)[number];

/** A UNet or a DiT, as the manifest's kind says (`pnpm train` records it). */
function buildDenoiser(m: core.CheckpointManifest): core.UNet | core.DiT {
  if (m.kind === 'unet') return new core.UNet(core.createRng(0), m.config as core.UNetOptions);
  if (m.kind === 'dit') return new core.DiT(core.createRng(0), m.config as core.DiTOptions);
  throw new Error(`weights: a unet or dit checkpoint is needed for the sampler, this one is '${m.kind}'`);
}

/**
 * A latent denoiser's first stage (meta.firstStage { folder, scale }, the folder inside the denoiser's), loaded and
 * checked against the scale s the denoiser's latents were taken at; its decoder maps a scaled latent back to pixels,
 * x = D(z / s) (S1, B8). Nothing for a pixel model.
 */
async function firstStageOf(name: string, m: core.CheckpointManifest): Promise<((scaled: tf.Tensor4D) => tf.Tensor4D) | undefined> {
  const recorded = m.meta['firstStage'] as { folder?: string; scale?: number } | undefined;
  if (recorded === undefined) return undefined;
  if (typeof recorded.folder !== 'string' || !/^[a-z0-9-]+$/.test(recorded.folder) || typeof recorded.scale !== 'number') {
    throw new Error(`weights/${name}: meta.firstStage must be { folder, scale } with the folder inside the checkpoint's, got ${JSON.stringify(recorded)}`);
  }
  const stage = await loadShipped(`${name}/${recorded.folder}`, (f) => {
    if (f.kind !== 'latent-autoencoder') throw new Error(`weights/${name}/${recorded.folder}: a latent-autoencoder checkpoint is needed, this one is '${f.kind}'`);
    return new core.LatentAutoencoder(core.createRng(0), f.config as core.LatentAutoencoderOptions);
  });
  const scale = stage.manifest.meta['scale'];
  if (scale !== recorded.scale) throw new Error(`weights/${name}/${recorded.folder}: its scale s = ${scale} is not the s = ${recorded.scale} the denoiser learned`);
  return core.firstStageDecoder({ model: stage.model, scale, folder: `weights/${name}/${recorded.folder}` });
}

const decoders = new Map<string, Promise<((scaled: tf.Tensor4D) => tf.Tensor4D) | undefined>>();
/** The denoiser `name` with its manifest, and for latent diffusion the decoder of its first stage. */
async function denoiser(name: DenoiserName) {
  const loaded = await loadShipped(name, buildDenoiser);
  let decode = decoders.get(name);
  if (!decode) {
    decode = firstStageOf(name, loaded.manifest);
    decoders.set(name, decode);
    decode.catch(() => decoders.delete(name));
  }
  return { ...loaded, decode: await decode };
}
const denoiserName = (v: unknown): DenoiserName => {
  const name = v === undefined ? 'cddpm' : String(v);
  if (!(DENOISERS as readonly string[]).includes(name)) throw new Error(`sample: model must be one of ${DENOISERS.join(', ')}, got '${name}'`);
  return name as DenoiserName;
};

/**
 * A latent batch [n, s, s, c] as one square grey image per sample, its c channels side by side in a k × k grid
 * (k = ⌈√c⌉, so the side is k·s; unused cells stay black); values divided by `spread` so that unit-variance latents
 * fill most of the grey range.
 */
function mosaicShape(side: number, channels: number) {
  const cols = Math.ceil(Math.sqrt(channels));
  return { cols, mosaicSide: cols * side };
}
function latentMosaic(x: Float32Array, n: number, side: number, channels: number, spread = 2.5) {
  const { cols, mosaicSide: width } = mosaicShape(side, channels);
  const out = new Float32Array(n * width * width).fill(-1);
  for (let k = 0; k < n; k++) {
    for (let c = 0; c < channels; c++) {
      const top = Math.floor(c / cols) * side;
      const left = (c % cols) * side;
      for (let i = 0; i < side; i++) {
        for (let j = 0; j < side; j++) {
          const value = x[((k * side + i) * side + j) * channels + c]!;
          out[(k * width + top + i) * width + left + j] = value / spread;
        }
      }
    }
  }
  return out;
}

const vae = () => loadShipped('vae2d', (m) => new core.ConvAutoencoder(core.createRng(0), m.config as core.ConvAutoencoderOptions));
const judge = () => loadShipped('classifier', (m) => new core.MnistClassifier(core.createRng(0), m.config as core.MnistClassifierOptions));

/** The schedule a checkpoint was trained with (`pnpm train` records its name and T): linear β from 1e-4 to 0.02. */
function scheduleOf(m: core.CheckpointManifest): core.NoiseSchedule {
  const s = m.meta['schedule'] as { name?: string; T?: number } | undefined;
  const T = s?.T ?? 1000;
  const schedule = core.linearSchedule(T);
  if (s?.name && s.name !== schedule.name) throw new Error(`weights: schedule '${s.name}' is not the linear one this page rebuilds (${schedule.name})`);
  return schedule;
}

let digits: Promise<core.MnistData> | undefined;
/** The shipped test digits (IDX subset written at build time), prepared by core as loadMnist prepares MNIST. */
function testDigits(): Promise<core.MnistData> {
  digits ??= (async () => {
    const get = async (f: string) => {
      const res = await fetch(new URL(`live/${f}`, new URL(siteBase, self.location.origin)).href);
      if (!res.ok) throw new Error(`live/${f}: HTTP ${res.status}`);
      return new Uint8Array(await res.arrayBuffer());
    };
    return core.mnistFromIdx(await get('mnist-test-images.idx'), await get('mnist-test-labels.idx'));
  })();
  return digits;
}

const float32 = (t: tf.Tensor) => Float32Array.from(t.dataSync());

// ---------------------------------------------------------------------------------------------------------------
// 1. The forward process on a real digit: x_t = √ᾱ_t x_0 + √(1 − ᾱ_t) ε (C5, core.qSample), ᾱ_t and SNR (C9).

async function forward(r: Request) {
  const d = await testDigits();
  const index = Number(r.digit ?? 0);
  const t = Number(r.t);
  const schedule = core.linearSchedule(Number(r.T ?? 1000));
  const side = d.size;
  const x0 = tf.tensor4d(d.images.subarray(index * side * side, (index + 1) * side * side), [1, side, side, 1]);
  // The same ε for every t of one noise seed, so moving the slider shows one path of the forward process.
  const eps = core.createRng(Number(r.noiseSeed ?? 0)).normalTensor([1, side, side, 1]);
  const xt = t === 0 ? tf.clone(x0) : core.qSample(schedule, x0, t, eps);
  const out = {
    t,
    T: schedule.T,
    alphaBar: core.alphaBar(schedule, t),
    snr: t === 0 ? Infinity : core.signalToNoiseRatio(schedule, t),
    label: d.labels[index],
    side,
    x0: float32(x0),
    xt: float32(xt),
  };
  [x0, eps, xt].forEach((x) => x.dispose());
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// 2. The sampler playground: DDPM (F1) or DDIM (F4) on the conditional UNet, classifier-free guided (F6), with x̂_0 (D4).

let lastSamples: { images: tf.Tensor4D; asked: number | null } | undefined;

async function sample(r: Request) {
  const name = denoiserName(r.model);
  const { model, manifest, decode } = await denoiser(name);
  const schedule = scheduleOf(manifest);
  const n = Number(r.n ?? 8);
  core.assertIntegerInRange('sample', 'n', n, 1, 64);
  const digit = r.digit === null || r.digit === undefined || r.digit === '' ? null : Number(r.digit);
  const w = Number(r.w ?? 1);
  const sampler = r.sampler === 'ddpm' ? 'ddpm' : 'ddim';
  const steps = Number(r.steps ?? 25);
  const eta = Number(r.eta ?? 0);
  const rng = core.createRng(Number(r.seed ?? 0));
  const labels = digit === null ? undefined : tf.tensor1d(new Int32Array(n).fill(digit), 'int32');
  const inner = core.epsModelOf(model, labels, labels ? w : 1);
  // What the pages show of a batch the sampler holds: pixels as they are; a latent z_t as its channels side by side
  // (the grid shows what diffusion works on), and a latent ẑ_0 decoded to the image it stands for.
  const [side, , channels] = model.dataShape;
  const latent = decode ? { side, channels, mosaicSide: mosaicShape(side, channels).mosaicSide } : null;
  const stateSide = latent?.mosaicSide ?? side;
  const showState = (x: tf.Tensor) => (decode ? latentMosaic(float32(x), n, side, channels) : float32(x));
  const showEstimate = (x0: tf.Tensor4D) => (decode ? float32(tf.tidy(() => decode(x0))) : float32(x0));
  // x̂_0 from the ε the sampler just used (D4); kept as numbers, since the sampler disposes its tensors.
  let x0hat: Float32Array | undefined;
  let lastFrame = 0;
  const frameEvery = Number(r.frameMs ?? 60);
  const epsModel: core.EpsModel = (xt, t) => {
    const eps = inner(xt, t);
    const now = performance.now();
    if (t === 1 || now - lastFrame >= frameEvery || sampler === 'ddim') {
      const estimate = core.predictX0FromEps(schedule, xt, eps, t) as tf.Tensor4D;
      x0hat = showEstimate(estimate);
      estimate.dispose();
    }
    return eps;
  };
  let done = 0;
  const total = sampler === 'ddim' ? steps : schedule.T;
  const onStep: core.StepCallback = ({ t, next, x }) => {
    done++;
    const now = performance.now();
    if (x0hat && (now - lastFrame >= frameEvery || next === 0 || sampler === 'ddim')) {
      lastFrame = now;
      post({ id: r.id, type: 'progress', t, next, done, total, xt: showState(x), stateSide, latent, x0hat, ms: now - started });
      x0hat = undefined;
    }
  };
  const started = performance.now();
  let drawn: tf.Tensor4D;
  try {
    const shape = [n, ...model.dataShape];
    drawn = (sampler === 'ddim'
      ? core.ddimSample(schedule, epsModel, shape, rng, { timesteps: core.ddimTimesteps(schedule.T, steps), eta, onStep })
      : core.ddpmSample(schedule, epsModel, shape, rng, { onStep })) as tf.Tensor4D;
  } finally {
    labels?.dispose();
  }
  const images = decode ? decode(drawn) : drawn;
  const latents = decode ? float32(drawn) : undefined;
  if (decode) drawn.dispose();
  const ms = performance.now() - started;
  lastSamples?.images.dispose();
  lastSamples = { images, asked: digit };
  return {
    model: name,
    kind: manifest.kind,
    latent,
    latents,
    n,
    side: images.shape[1],
    images: float32(images),
    ms,
    backend: tf.getBackend(),
    steps: total,
    sampler,
    w,
    eta,
    digit,
    step: manifest.step,
  };
}

/** The judge (models/classifier.ts) reads the last samples, shown to it as the quality scripts show them. */
async function classifyLast() {
  if (!lastSamples) throw new Error('classify: draw samples first');
  const { model } = await judge();
  const input = core.asClassifierInput(lastSamples.images, model.size);
  const predicted = model.classify(input);
  if (input !== lastSamples.images) input.dispose();
  return { predicted: Array.from(predicted), asked: lastSamples.asked };
}

// ---------------------------------------------------------------------------------------------------------------
// 3. The VAE's 2-D latent plane: decode one z; encode the shipped digits to place them on the plane (μ of q(z | x)).

async function decode(r: Request) {
  const { model } = await vae();
  const z = (r.z as number[]).map(Number);
  const image = tf.tidy(() => model.decode(tf.tensor2d([z], [1, model.latent])));
  const out = { z, side: image.shape[1], image: float32(image) };
  image.dispose();
  return out;
}

async function encodeDigits() {
  const { model, manifest } = await vae();
  if (model.latent !== 2) throw new Error(`weights/vae2d: a VAE with a 2-D latent is needed; this one has ${model.latent}`);
  const d = await testDigits();
  const x = core.mnistTensor(d);
  const { mu, logVar } = model.encode(x);
  const out = { mu: float32(mu), labels: Array.from(d.labels), step: manifest.step };
  [x, mu, logVar].forEach((t) => t?.dispose());
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// 4. DDPM on two moons, trained here: core's MlpDenoiser and trainDdpm in short runs between which messages (stop,
// new settings) are read; every `every` steps, samples drawn by DDPM (F1) from the model as it is.

let training: { stop: boolean } | undefined;

async function train2d(r: Request) {
  if (training) training.stop = true;
  const run = (training = { stop: false });
  const seed = Number(r.seed ?? 0);
  const rng = core.createRng(seed);
  const steps = Number(r.steps ?? 600);
  const batchSize = Number(r.batch ?? 256);
  const every = Number(r.every ?? 100);
  const learningRate = Number(r.lr ?? 2e-3);
  // The command line's 2-D setting (train/cli.ts): T = 100, β linear from 1e-4 to 0.1.
  const schedule = core.linearSchedule(100, 1e-4, 0.1);
  const data = { x: core.pointsTensor(core.twoMoons(4096, rng)) };
  const model = new core.MlpDenoiser(rng, {});
  const optimizer = tf.train.adam(learningRate);
  const losses: number[] = [];
  const started = performance.now();
  let step = 0;
  try {
    while (step < steps && !run.stop) {
      const chunk = Math.min(every, steps - step);
      const res = core.trainDdpm(model, data, rng, { schedule, steps: chunk, batchSize, optimizer, startStep: step });
      losses.push(...res.losses);
      step = res.step;
      const drawn = core.sampleModel(model, schedule, Number(r.samples ?? 500), core.createRng(seed + 1));
      const points = float32(drawn);
      drawn.dispose();
      post({ id: r.id, type: 'progress', step, steps, losses: Array.from(res.losses), points, ms: performance.now() - started });
      await new Promise((resolve) => setTimeout(resolve, 0)); // let a stop or a new run arrive
    }
  } finally {
    data.x.dispose();
    optimizer.dispose();
    model.params.dispose();
    if (training === run) training = undefined;
  }
  return { step, steps, stopped: run.stop, losses, ms: performance.now() - started };
}

// ---------------------------------------------------------------------------------------------------------------

async function init(r: Request) {
  siteBase = String(r.base ?? '/');
  backend ??= pickBackend(parseBackendOrder(r.backends as string | undefined), new URL('./', self.location.href).href);
  const pick = await backend;
  return { backend: pick.name, skipped: pick.skipped };
}

async function info(r: Request) {
  const name = String(r.model);
  const loaded = await ((DENOISERS as readonly string[]).includes(name) ? denoiser(name as DenoiserName) : name === 'vae2d' ? vae() : name === 'classifier' ? judge() : Promise.reject(new Error(`no shipped model '${name}'`)));
  return { model: name, kind: loaded.manifest.kind, step: loaded.manifest.step, config: loaded.manifest.config, meta: { ...loaded.manifest.meta, rngState: undefined } };
}

const handlers: Record<string, (r: Request) => Promise<unknown>> = {
  init,
  info,
  forward,
  sample,
  classify: classifyLast,
  decode,
  encodeDigits,
  train2d,
  stop2d: async () => {
    if (training) training.stop = true;
    return { stopping: !!training };
  },
};

// Requests run one at a time in arrival order (tfjs is not re-entrant), except stop2d, which must reach a running
// training between its chunks.
let queue: Promise<unknown> = Promise.resolve();
self.onmessage = (ev: MessageEvent<Request>) => {
  const r = ev.data;
  const handler = handlers[r.type];
  const run = async () => {
    try {
      if (!handler) throw new Error(`unknown request '${r.type}'`);
      if (r.type !== 'init') await (backend ?? Promise.reject(new Error('init first')));
      post({ id: r.id, type: 'result', result: await handler(r) });
    } catch (e) {
      post({ id: r.id, type: 'error', error: e instanceof Error ? `${e.name === 'Error' ? '' : `${e.name}: `}${e.message}` : String(e) });
    }
  };
  if (r.type === 'stop2d') void run();
  else queue = queue.then(run);
};
