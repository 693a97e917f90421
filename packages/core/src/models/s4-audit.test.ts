/**
 * The audit of S4's code (docs/S4-AUDIT.md), checked. S4's five models (AE, VAE, CVAE, DDPM, conditional DDPM; TF/Keras,
 * channels last) are transcribed here statement by statement into tfjs with random weights, and every statement
 * records the shape of what it produced under the row ID the audit gives it. The test then reads the audit's tables
 * and requires each shape written there to be the one recorded, and each recorded statement to have its row.
 *
 * Each model runs twice: as S4 wrote it, and "fixed" (the decoder's last convolution with 'same' padding, and
 * `self.filter_nums` set) so that the statements after S4's errors have shapes too. A statement that throws records
 * `throws`; the rest of that call is then not reached.
 *
 * Below the shape check: numeric checks that S4's schedule, noising, reverse step, losses and KL are the formulas our
 * core implements (the audit's "ok" rows), and the errata the audit found (tests named `H S4 …`).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { klToStandardNormal, reconstructionLoss, reparameterize } from '../autoencoder/losses.js';
import { qSample } from '../forward/forward.js';
import { selectBackend } from '../nn/backend.js';
import { conv2dTransposeSame, groupNorm } from '../nn/layers.js';
import { simpleLoss } from '../objective/objective.js';
import { createRng, type Rng } from '../random/rng.js';
import { ancestralStep } from '../sampling/samplers.js';
import { fromZeroBasedStep, linearSchedule } from '../schedule/schedule.js';
import { assertClose, testSeed } from '../testing/expect-close.js';
import { toFloat64, useCpuBackend } from '../testing/tf-setup.js';
import { ConvAutoencoder, upsample2x } from './autoencoder.js';

// wasm: the UNet at S4's widths runs forward in seconds there (the cpu backend took a minute per pass on this machine).
beforeAll(async () => {
  await selectBackend({ backend: 'wasm' });
});
afterAll(useCpuBackend);

const auditPath = join(fileURLToPath(new URL('.', import.meta.url)), '..', '..', '..', '..', 'docs', 'S4-AUDIT.md');

/** The batch the transcription runs with; the audit writes it as B (S4 states no batch size). */
const B = 2;

type Mode = 'as written' | 'fixed';

/** A statement of S4 threw: the rest of that call is not reached. */
class Stopped extends Error {}

/** Shapes recorded per statement ID: `B×32×32×1`, `scalar`, a list `B×64, B×64`, or `throws`. */
class Trace {
  readonly shapes = new Map<string, string>();

  /** Run one statement of S4 and record the shape of what it returns (a tensor or a list of tensors). */
  at<T extends tf.Tensor | tf.Tensor[]>(id: string, statement: () => T, batched = true): T {
    let value: T;
    try {
      value = statement();
    } catch (e) {
      if (e instanceof Stopped) throw e;
      this.shapes.set(id, 'throws');
      throw new Stopped(`${id}: ${(e as Error).message}`);
    }
    const list = Array.isArray(value) ? value : [value];
    this.shapes.set(id, list.map((t) => shapeText(t.shape, batched)).join(', '));
    return value;
  }

  /** One entry point of S4 (a train step, a sampling call): a statement that throws ends it, not the trace. */
  call(body: () => void): void {
    try {
      body();
    } catch (e) {
      if (!(e instanceof Stopped)) throw e;
    }
  }
}

function shapeText(shape: readonly number[], batched: boolean): string {
  if (shape.length === 0) return 'scalar';
  return shape.map((d, i) => (i === 0 && batched && d === B ? 'B' : String(d))).join('×');
}

/**
 * Weights built on first use, as Keras builds a layer on its first call (the input's last axis fixes the kernel);
 * random so that values flow (the CVAE check compares outputs), scaled by 1/√fan-in.
 */
class Weights {
  private readonly store = new Map<string, tf.Tensor>();
  constructor(private readonly rng: Rng) {}
  get(name: string, shape: number[], fanIn: number): tf.Tensor {
    let w = this.store.get(name);
    if (!w) {
      w = tf.keep(tf.mul(this.rng.normalTensor(shape), 1 / Math.sqrt(fanIn)));
      this.store.set(name, w);
    }
    return w;
  }
  dispose(): void {
    for (const w of this.store.values()) w.dispose();
  }
}

interface ConvSpec {
  readonly k: number;
  readonly out: number;
  readonly padding?: 'same' | 'valid';
  readonly bias?: boolean;
  readonly relu?: boolean;
}

/** Keras Conv2D (stride 1). */
function conv2d(W: Weights, name: string, x: tf.Tensor4D, { k, out, padding = 'valid', bias = true, relu = false }: ConvSpec): tf.Tensor4D {
  const inC = x.shape[3];
  let y = tf.conv2d(x, W.get(`${name}/w`, [k, k, inC, out], k * k * inC) as tf.Tensor4D, 1, padding);
  if (bias) y = tf.add(y, W.get(`${name}/b`, [out], 1));
  return relu ? tf.relu(y) : y;
}

/** Keras Dense on the last axis (any rank). */
function denseLayer(W: Weights, name: string, x: tf.Tensor, out: number, { bias = true, act = 'linear' }: { bias?: boolean; act?: 'linear' | 'relu' | 'leaky' } = {}): tf.Tensor {
  const inD = x.shape[x.rank - 1]!;
  const flat = tf.reshape(x, [-1, inD]) as tf.Tensor2D;
  let y: tf.Tensor = tf.matMul(flat, W.get(`${name}/w`, [inD, out], inD) as tf.Tensor2D);
  if (bias) y = tf.add(y, W.get(`${name}/b`, [out], 1));
  if (act === 'relu') y = tf.relu(y);
  if (act === 'leaky') y = tf.leakyRelu(y, 0.3); // Keras LeakyReLU's default slope
  return tf.reshape(y, [...x.shape.slice(0, -1), out]);
}

/** Keras MaxPool2D(2): stride 2, 'valid', so an odd side is floored (7 → 3). */
const maxPool2 = (x: tf.Tensor4D) => tf.maxPool(x, 2, 2, 'valid');

/** Keras Conv2DTranspose(out, 3, strides=2, padding='same'): H → 2H (our sub-pixel form, equal to tf's; layers.test.ts). */
function convTranspose2x(W: Weights, name: string, x: tf.Tensor4D, out: number): tf.Tensor4D {
  const inC = x.shape[3];
  return conv2dTransposeSame(x, W.get(`${name}/w`, [3, 3, inC, out], 9 * inC) as tf.Tensor4D, W.get(`${name}/b`, [out], 1) as tf.Tensor1D);
}

/** tfa GroupNormalization(8) (its default epsilon 1e-3), γ = 1, β = 0 as built. */
const gn8 = (x: tf.Tensor4D) => groupNorm(x, 8, tf.ones([x.shape[3]]) as tf.Tensor1D, tf.zeros([x.shape[3]]) as tf.Tensor1D, 1e-3);
const swishOf = (x: tf.Tensor4D) => tf.mul(x, tf.sigmoid(x)) as tf.Tensor4D;

// ---------------------------------------------------------------------------------------------------------------
// AE, VAE, CVAE: S4's DownConvLayer / UpConvLayer / Encoder / Decoder and the three models.

/** Encoder(64, 3): 3 × (Conv2D 3×3 ReLU 'same' without bias, MaxPool2D(2)); `ids` names the six statements. */
function s4Encoder(tr: Trace, W: Weights, x: tf.Tensor4D, ids: string[] | null): tf.Tensor4D {
  for (let i = 0; i < 3; i++) {
    const conv = () => conv2d(W, `enc${i}`, x, { k: 3, out: 64, padding: 'same', bias: false, relu: true });
    x = ids ? tr.at(ids[2 * i]!, conv) : conv();
    const c = x;
    x = ids ? tr.at(ids[2 * i + 1]!, () => maxPool2(c)) : maxPool2(c);
  }
  return x;
}

/** Decoder(64, 3): 3 × (Conv2D 3×3 ReLU 'same' without bias, UpSampling2D(2)), then final_conv = Conv2D(1, 3). */
function s4Decoder(tr: Trace, W: Weights, x: tf.Tensor4D, mode: Mode, ids: string[] | null): tf.Tensor4D {
  for (let i = 0; i < 3; i++) {
    const conv = () => conv2d(W, `dec${i}`, x, { k: 3, out: 64, padding: 'same', bias: false, relu: true });
    x = ids ? tr.at(ids[2 * i]!, conv) : conv();
    const c = x;
    x = ids ? tr.at(ids[2 * i + 1]!, () => upsample2x(c)) : upsample2x(c);
  }
  // S4 gives final_conv no padding argument: Keras's default is 'valid'.
  const h = x;
  const final = () => conv2d(W, 'final', h, { k: 3, out: 1, padding: mode === 'fixed' ? 'same' : 'valid' });
  return ids ? tr.at(ids[6]!, final) : final();
}

/** S4's reconstruction loss (AutoEncoderModel.train_step, VAEModel.compute_loss): three statements. */
function s4L2(tr: Trace, rec: tf.Tensor, img: tf.Tensor, ids: [string, string, string]): tf.Tensor {
  const sq = tr.at(ids[0], () => tf.square(tf.sub(rec, img)));
  const perExample = tr.at(ids[1], () => tf.sum(sq, [1, 2, 3]));
  return tr.at(ids[2], () => tf.mean(perExample));
}

const range = (prefix: string, from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => `${prefix}.${from + i}`);

function traceAe(mode: Mode, size: number, prefix: string): Map<string, string> {
  const tr = new Trace();
  const W = new Weights(createRng(1));
  tr.call(() =>
    tf.tidy(() => {
      const img = tr.at(`${prefix}.1`, () => tf.randomUniform([B, size, size, 1], -1, 1) as tf.Tensor4D); // data["image"]
      const image = tr.at(`${prefix}.2`, () => img); // inputs[0]
      const latent = s4Encoder(tr, W, image, range(prefix, 3, 8));
      const rec = s4Decoder(tr, W, latent, mode, range(prefix, 9, 15));
      s4L2(tr, rec, img, [`${prefix}.16`, `${prefix}.17`, `${prefix}.18`]);
    }),
  );
  W.dispose();
  return tr.shapes;
}

/** VAEModel (and, with `cvae`, CVAEModel) training forward, then the inference call. */
function traceVae(mode: Mode, cvae: boolean): Map<string, string> {
  const tr = new Trace();
  const W = new Weights(createRng(2));
  const latentDim = 64;
  const sampleLatent = (image: tf.Tensor4D, ids: string[]) => {
    const x = tr.at(ids[0]!, () => s4Encoder(tr, W, image, null));
    const flat = tr.at(ids[1]!, () => tf.reshape(x, [B, -1])); // Flatten
    const zMean = tr.at(ids[2]!, () => denseLayer(W, 'mu2', denseLayer(W, 'mu1', flat, 2 * latentDim, { act: 'relu' }), latentDim, { bias: false }));
    const zLogVar = tr.at(ids[3]!, () => denseLayer(W, 'lv2', denseLayer(W, 'lv1', flat, 2 * latentDim, { act: 'relu' }), latentDim, { bias: false }));
    const eps = tr.at(ids[4]!, () => tf.randomNormal([B, latentDim]));
    const z = tr.at(ids[5]!, () => tf.add(zMean, tf.mul(tf.exp(tf.mul(0.5, zLogVar)), eps)));
    return { z, zMean, zLogVar };
  };
  const labelEmbedding = (labels: tf.Tensor1D, ids: [string, string]) => {
    const emb = tr.at(ids[0], () => tf.gather(W.get('label/table', [10, 128], 1), labels));
    return tr.at(ids[1], () => tf.reshape(emb, [-1, 128]));
  };
  const computeLoss = (rec: tf.Tensor, zMean: tf.Tensor, zLogVar: tf.Tensor, img: tf.Tensor, ids: string[]) => {
    const l2 = s4L2(tr, rec, img, [ids[0]!, ids[1]!, ids[2]!]);
    const klTerms = tr.at(ids[3]!, () => tf.mul(-0.5, tf.sub(tf.sub(tf.add(1, zLogVar), tf.square(zMean)), tf.exp(zLogVar))));
    const klPerExample = tr.at(ids[4]!, () => tf.sum(klTerms, 1));
    const kl = tr.at(ids[5]!, () => tf.mean(klPerExample));
    tr.at(ids[6]!, () => tf.add(kl, l2));
  };
  tr.call(() =>
    tf.tidy(() => {
      if (!cvae) {
        const img = tr.at('VAE.1', () => tf.randomUniform([B, 32, 32, 1], -1, 1) as tf.Tensor4D);
        tr.at('VAE.2', () => tf.scalar(img.shape[0], 'int32')); // bs = tf.shape(img)[0]
        const image = tr.at('VAE.3', () => img);
        const { z, zMean, zLogVar } = sampleLatent(image, range('VAE', 4, 9));
        const latent = tr.at('VAE.10', () => denseLayer(W, 'decoder_dense', z, 4 * 4 * 64, { act: 'relu' }));
        const map = tr.at('VAE.11', () => tf.reshape(latent, [-1, 4, 4, 64]) as tf.Tensor4D);
        const rec = s4Decoder(tr, W, map, mode, range('VAE', 12, 18));
        computeLoss(rec, zMean, zLogVar, img, range('VAE', 19, 25));
      } else {
        const img = tf.randomUniform([B, 32, 32, 1], -1, 1) as tf.Tensor4D;
        const labels = tf.tensor1d([3, 7], 'int32');
        const labelEmb = labelEmbedding(labels, ['CVAE.1', 'CVAE.2']);
        const encoderY = tr.at('CVAE.3', () => denseLayer(W, 'encoder_y_dense', labelEmb, 32 * 32, { act: 'relu' }));
        const plane = tr.at('CVAE.4', () => tf.reshape(encoderY, [-1, 32, 32, 1]));
        const image = tr.at('CVAE.5', () => tf.concat([plane, img], -1) as tf.Tensor4D);
        const { z, zMean, zLogVar } = sampleLatent(image, range('CVAE', 6, 11));
        const latent = tr.at('CVAE.12', () => denseLayer(W, 'decoder_dense', z, 4 * 4 * 64, { act: 'relu' }));
        const decoderY = tr.at('CVAE.13', () => denseLayer(W, 'decoder_y_dense', labelEmb, 4 * 4 * 64, { act: 'relu' }));
        const joined = tr.at('CVAE.14', () => tf.concat([latent, decoderY], -1));
        const map = tr.at('CVAE.15', () => tf.reshape(joined, [-1, 4, 4, 128]) as tf.Tensor4D);
        const rec = tr.at('CVAE.16', () => s4Decoder(tr, W, map, mode, null));
        computeLoss(rec, zMean, zLogVar, img, range('CVAE', 17, 23));
      }
    }),
  );
  // The inference call: z straight from N(0, I) (the model built with inference=True), decoded.
  const [zId, recId] = cvae ? ['CVAE.24', 'CVAE.25'] : ['VAE.26', 'VAE.27'];
  tr.call(() =>
    tf.tidy(() => {
      const z = tr.at(zId, () => tf.randomNormal([B, latentDim]));
      let latent = denseLayer(W, 'decoder_dense', z, 4 * 4 * 64, { act: 'relu' });
      if (cvae) {
        const labelEmb = tf.gather(W.get('label/table', [10, 128], 1), tf.tensor1d([5, 5], 'int32'));
        latent = tf.concat([latent, denseLayer(W, 'decoder_y_dense', labelEmb, 4 * 4 * 64, { act: 'relu' })], -1);
      }
      const map = tf.reshape(latent, [-1, 4, 4, cvae ? 128 : 64]) as tf.Tensor4D;
      tr.at(recId, () => s4Decoder(tr, W, map, mode, null));
    }),
  );
  W.dispose();
  return tr.shapes;
}

// ---------------------------------------------------------------------------------------------------------------
// SimpleDDPMModel and SimpleCDDPMModel.

/** ConvResidualLayer(n): r = conv1×1(x); x = swish(gn(r)); x = swish(gn(conv3×3(x))); (x + r)/1.44. */
function s4ResBlock(tr: Trace, W: Weights, name: string, x: tf.Tensor4D, n: number, ids: string[] | null): tf.Tensor4D {
  const step = <T extends tf.Tensor>(k: number, f: () => T) => (ids ? tr.at(ids[k]!, f) : f());
  const residual = step(0, () => conv2d(W, `${name}/conv1`, x, { k: 1, out: n, padding: 'same' }));
  let h = step(1, () => swishOf(gn8(residual)));
  h = step(2, () => swishOf(gn8(conv2d(W, `${name}/conv2`, h, { k: 3, out: n, padding: 'same' }))));
  return step(3, () => tf.div(tf.add(h, residual), 1.44) as tf.Tensor4D);
}

const FILTERS = [64, 128, 256];

/**
 * The UNet of pred_noisy: encoder (with, for the CDDPM, the condition after the time embedding), mid_conv, decoder,
 * final_conv. `ids` maps the statements to record to their row IDs (keys below); the others run unrecorded.
 */
function s4Unet(tr: Trace, W: Weights, noisyImg: tf.Tensor4D, t: tf.Tensor, ids: Record<string, string>, condition?: { labels: tf.Tensor; training: boolean; mask: tf.Scalar }): tf.Tensor4D {
  const rec = <T extends tf.Tensor>(key: string, f: () => T): T => (ids[key] ? tr.at(ids[key]!, f) : f());
  const xs: tf.Tensor4D[] = [];
  let x = noisyImg;
  FILTERS.forEach((n, idx) => {
    const inner = idx === 0 && ids.res0 ? [ids.res0, ids.res1!, ids.res2!, ids.res3!] : null;
    const input = x;
    const h = rec(`res${idx}out`, () => s4ResBlock(tr, W, `enc${idx}`, input, n, inner));
    x = rec(`pool${idx}`, () => maxPool2(h));
    const tFloat = rec(`tcast${idx}`, () => tf.cast(t, 'float32'));
    const temb = rec(`temb${idx}`, () => denseLayer(W, `time${idx}/d2`, denseLayer(W, `time${idx}/d1`, tFloat, n, { act: 'leaky' }), n));
    const tembMap = rec(`tembMap${idx}`, () => tf.reshape(temb, [-1, 1, 1, n]));
    const pooled = x;
    x = rec(`add${idx}`, () => tf.add(pooled, tembMap) as tf.Tensor4D);
    if (condition) {
      // Embedding(label_num, n) then Dense(n), one per level (S4 sizes them from self.filter_nums).
      const emb = rec(`cemb${idx}`, () => denseLayer(W, `cond${idx}/d`, tf.gather(W.get(`cond${idx}/table`, [10, n], 1), condition.labels), n));
      let c = rec(`cembMap${idx}`, () => tf.reshape(emb, [-1, 1, 1, n]));
      const kept = c;
      // One draw for the whole batch (S4's mask is a scalar): every example's condition is zeroed, or none.
      if (condition.training) c = rec(`cdrop${idx}`, () => tf.where(tf.less(condition.mask, 0.15), tf.zerosLike(kept), kept));
      const withTime = x;
      x = rec(`cadd${idx}`, () => tf.add(withTime, c) as tf.Tensor4D);
    }
    xs.push(x);
  });
  let u = rec('mid', () => s4ResBlock(tr, W, 'mid', xs[2]!, 256, null));
  xs.reverse(); // S4 reverses the list in place
  [...FILTERS].reverse().forEach((n, idx) => {
    const below = u;
    const joined = rec(`cat${idx}`, () => tf.concat([xs[idx]!, below], -1) as tf.Tensor4D);
    const up = rec(`up${idx}`, () => convTranspose2x(W, `dec${idx}/up`, joined, n));
    u = rec(`twoRes${idx}`, () => s4ResBlock(tr, W, `dec${idx}/r2`, s4ResBlock(tr, W, `dec${idx}/r1`, up, n, null), n, null));
  });
  const top = u;
  const last = rec('finalRes', () => s4ResBlock(tr, W, 'final/res', top, 64, null));
  return rec('finalConv', () => conv2d(W, 'final/conv', last, { k: 3, out: 1, padding: 'same' }));
}

/** SimpleDDPMModel's training pass through the UNet: the rows of its statements. */
const DDPM_UNET_IDS: Record<string, string> = {
  res0: 'DDPM.10', res1: 'DDPM.11', res2: 'DDPM.12', res3: 'DDPM.13', pool0: 'DDPM.14', tcast0: 'DDPM.15', temb0: 'DDPM.16', tembMap0: 'DDPM.17', add0: 'DDPM.18',
  res1out: 'DDPM.19', pool1: 'DDPM.20', tembMap1: 'DDPM.21', add1: 'DDPM.22',
  res2out: 'DDPM.23', pool2: 'DDPM.24', tembMap2: 'DDPM.25', add2: 'DDPM.26',
  mid: 'DDPM.27', cat0: 'DDPM.28', up0: 'DDPM.29', twoRes0: 'DDPM.30', cat1: 'DDPM.31', up1: 'DDPM.32', twoRes1: 'DDPM.33',
  cat2: 'DDPM.34', up2: 'DDPM.35', twoRes2: 'DDPM.36', finalRes: 'DDPM.37', finalConv: 'DDPM.38',
};
const CDDPM_TRAIN_IDS: Record<string, string> = { add0: 'CDDPM.4', cemb0: 'CDDPM.5', cembMap0: 'CDDPM.6', cdrop0: 'CDDPM.7', cadd0: 'CDDPM.8', cadd1: 'CDDPM.9', cadd2: 'CDDPM.10', finalConv: 'CDDPM.11' };
const CDDPM_SAMPLE_IDS: Record<string, string> = { cemb0: 'CDDPM.15', cembMap0: 'CDDPM.16', finalConv: 'CDDPM.17' };

/** S4's schedule as its numpy code builds it: np.linspace (arange·step + start, last set to stop), float64 products. */
function s4ScheduleFloat64(T: number) {
  const step = (0.02 - 1e-4) / (T - 1);
  const betas = Float64Array.from({ length: T }, (_, i) => (i === T - 1 ? 0.02 : i * step + 1e-4));
  const alphas = betas.map((b) => 1 - b);
  const alphasBar = new Float64Array(T);
  alphas.reduce((p, a, i) => (alphasBar[i] = p * a), 1);
  const betasBar = alphasBar.map((a) => 1 - a);
  return { betas, alphas, alphasBar, betasBar };
}

/** S4's extract: gather one entry per example by the zero-based index t [B, 1], reshaped to [B, 1, 1, 1]. */
function s4Extract(tr: Trace | null, source: tf.Tensor1D, t: tf.Tensor, ids?: [string, string]): tf.Tensor4D {
  const gathered = tr && ids ? tr.at(ids[0], () => tf.gather(source, t)) : tf.gather(source, t);
  const f = () => tf.reshape(gathered, [t.shape[0]!, 1, 1, 1]) as tf.Tensor4D;
  return tr && ids ? tr.at(ids[1], f) : f();
}

/** S4's p_real_sample (公式131) with its zero-based t [B, 1]; noise passed in. */
function s4ReverseStep(tr: Trace | null, table: S4Tables, xt: tf.Tensor, t: tf.Tensor, predNoisy: tf.Tensor, noisy: tf.Tensor): tf.Tensor {
  const at = <T extends tf.Tensor | tf.Tensor[]>(id: string, f: () => T) => (tr ? tr.at(id, f) : f());
  const [alpha, beta, betaBar] = at('DDPM.44', () => [s4Extract(null, table.alphas, t), s4Extract(null, table.betas, t), s4Extract(null, table.betasBar, t)]);
  const noise = at('DDPM.45', () => noisy);
  let noisyWeight = at('DDPM.46', () => tf.sqrt(beta!));
  const bs = xt.shape[0]!;
  const isLast = at('DDPM.47', () => tf.cast(tf.equal(t, 0), 'float32'));
  const noisyMask = at('DDPM.48', () => tf.reshape(tf.sub(1, isLast), [bs, 1, 1, 1]));
  noisyWeight = at('DDPM.49', () => tf.mul(noisyWeight, noisyMask));
  return at('DDPM.50', () => tf.add(tf.div(tf.sub(xt, tf.div(tf.mul(beta!, predNoisy), tf.sqrt(betaBar!))), tf.sqrt(alpha!)), tf.mul(noise, noisyWeight)));
}

/** tf.constant(x, tf.float32) of a float64 array. */
const f32 = (a: Float64Array) => tf.tensor1d(Float32Array.from(a));

interface S4Tables {
  readonly betas: tf.Tensor1D;
  readonly alphas: tf.Tensor1D;
  readonly alphasBar: tf.Tensor1D;
  readonly betasBar: tf.Tensor1D;
}

/** The float32 constants S4 keeps (tf.constant(x, tf.float32) of the float64 arrays), in S4's order. */
function s4Tables(T: number): S4Tables {
  const s = s4ScheduleFloat64(T);
  return { betas: f32(s.betas), alphas: f32(s.alphas), alphasBar: f32(s.alphasBar), betasBar: f32(s.betasBar) };
}

function traceDdpm(mode: Mode, conditional: boolean): Map<string, string> {
  const tr = new Trace();
  const W = new Weights(createRng(3));
  const T = 100;
  /** The row of a statement: the DDPM's, or the CDDPM's where its table has one (else the statement runs unrecorded). */
  const row = (ddpm: string | null, cddpm: string | null = null) => (conditional ? cddpm : ddpm);
  const at = <T extends tf.Tensor | tf.Tensor[]>(id: string | null, f: () => T): T => (id ? tr.at(id, f) : f());
  // __init__: the float64 schedule, kept as float32 constants.
  const s = s4ScheduleFloat64(T);
  at(row('DDPM.1'), () => f32(s.betas));
  at(row('DDPM.2'), () => [f32(s.alphas), f32(s.alphasBar), f32(s.betasBar)]);
  const table = at(row('DDPM.3'), () => Object.values(s4Tables(T)) as tf.Tensor1D[]);
  const [betas, alphas, alphasBar, betasBar] = table as [tf.Tensor1D, tf.Tensor1D, tf.Tensor1D, tf.Tensor1D];
  // SimpleDDPMModel keeps filter_nums in a local variable; SimpleCDDPMModel's __init__ then reads self.filter_nums.
  const self: { filter_nums?: number[] } = mode === 'fixed' ? { filter_nums: FILTERS } : {};
  let constructed = true;
  if (conditional) {
    constructed = false;
    tr.call(() => {
      tr.at('CDDPM.2', () => {
        for (const n of self.filter_nums as number[]) void n; // Python: AttributeError; iterating undefined throws likewise
        return [];
      });
      constructed = true;
    });
  }
  if (constructed) {
    // train_step → pred_noisy(data, training=True): t drawn, x_0 noised, ε predicted, the loss.
    tr.call(() =>
      tf.tidy(() => {
        const img = at(row('DDPM.4'), () => tf.randomUniform([B, 32, 32, 1], -1, 1) as tf.Tensor4D);
        const noisy = at(row('DDPM.5'), () => tf.randomNormal([B, 32, 32, 1]));
        const t = at(row('DDPM.6'), () => tf.randomUniform([B, 1], 0, T, 'int32'));
        const alphaBar = conditional ? s4Extract(null, alphasBar, t) : s4Extract(tr, alphasBar, t, ['DDPM.7', 'DDPM.8']);
        const betaBar = s4Extract(null, betasBar, t);
        const noisyImg = at(row('DDPM.9'), () => tf.add(tf.mul(tf.sqrt(alphaBar), img), tf.mul(tf.sqrt(betaBar), noisy)) as tf.Tensor4D);
        const condition = conditional ? { labels: tf.tensor1d([3, 7], 'int32'), training: true, mask: at('CDDPM.3', () => tf.randomUniform([], 0, 1) as tf.Scalar) } : undefined;
        const pred = s4Unet(tr, W, noisyImg, t, conditional ? CDDPM_TRAIN_IDS : DDPM_UNET_IDS, condition);
        const perExample = at(row('DDPM.39', 'CDDPM.12'), () => tf.sum(tf.square(tf.sub(pred, noisy)), [1, 2, 3]));
        at(row('DDPM.40', 'CDDPM.13'), () => tf.mean(perExample, -1));
      }),
    );
    // call((bs, [label])): one step of the sampling loop, at i = 0 (the step whose noise S4 masks).
    tr.call(() =>
      tf.tidy(() => {
        const xt = at(row('DDPM.41'), () => tf.randomNormal([B, 32, 32, 1]) as tf.Tensor4D);
        const labels = conditional ? at('CDDPM.14', () => tf.reshape(tf.tile(tf.tensor1d([4], 'int32'), [B]), [-1, 1])) : undefined;
        const t = at(row('DDPM.42'), () => tf.reshape(tf.tile(tf.tensor1d([0], 'int32'), [B]), [B, 1]));
        const condition = labels ? { labels, training: false, mask: tf.scalar(1) } : undefined;
        const pred = at(row('DDPM.43'), () => s4Unet(tr, W, xt, t, conditional ? CDDPM_SAMPLE_IDS : {}, condition));
        const next = s4ReverseStep(conditional ? null : tr, { betas, alphas, alphasBar, betasBar }, xt, t, pred, tf.randomNormal([B, 32, 32, 1]));
        if (conditional) tr.at('CDDPM.18', () => next);
      }),
    );
  }
  table.forEach((x) => x.dispose());
  W.dispose();
  return tr.shapes;
}

// ---------------------------------------------------------------------------------------------------------------
// The audit's tables.

interface AuditRow {
  readonly id: string;
  readonly asWritten: string;
  readonly fixed: string;
}

/** Rows `| \`ID\` | statement | shape | …`; the shape cell is `S` (both runs) or `S; fixed: S'`. */
function auditRows(markdown: string): AuditRow[] {
  const rows: AuditRow[] = [];
  for (const line of markdown.split('\n')) {
    const cells = line.split('|').map((c) => c.trim());
    const id = cells[1]?.match(/^`([A-Z]+\d*\.\d+)`$/)?.[1];
    if (!id) continue;
    const cell = cells[3]!.replace(/`/g, '');
    const m = cell.match(/^(.*?); fixed: (.*)$/);
    rows.push({ id, asWritten: (m ? m[1]! : cell).trim(), fixed: (m ? m[2]! : cell).trim() });
  }
  return rows;
}

/** A cell that claims something checkable: a shape list, `scalar`, `throws` or `not reached` (`—…` is a note). */
const checkable = (cell: string) => !cell.startsWith('—');

describe('S4 audit: every shape in docs/S4-AUDIT.md is the one S4’s code produces', () => {
  const rows = auditRows(readFileSync(auditPath, 'utf8'));
  const traces: Array<[string, (mode: Mode) => Map<string, string>]> = [
    ['AE', (m) => traceAe(m, 32, 'AE')],
    ['AE28', (m) => traceAe(m, 28, 'AE28')],
    ['VAE', (m) => traceVae(m, false)],
    ['CVAE', (m) => traceVae(m, true)],
    ['DDPM', (m) => traceDdpm(m, false)],
    ['CDDPM', (m) => traceDdpm(m, true)],
  ];

  it('S4 audit: the tables name every model and no ID twice', () => {
    const ids = rows.map((r) => r.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const [model] of traces) expect(ids.some((id) => id.startsWith(`${model}.`)), model).toBe(true);
  });

  for (const [model, trace] of traces) {
    it(`S4 audit: ${model} — each row's shape (as written, and fixed) is the traced one, and each traced statement has a row`, () => {
      const recorded = { 'as written': trace('as written'), fixed: trace('fixed') } as const;
      const mine = rows.filter((r) => r.id.startsWith(`${model}.`));
      for (const row of mine) {
        for (const mode of ['as written', 'fixed'] as const) {
          const claim = mode === 'fixed' ? row.fixed : row.asWritten;
          if (!checkable(claim)) continue;
          const got = recorded[mode].get(row.id);
          if (claim === 'not reached') expect(got, `${row.id} (${mode}) is reached: ${got}`).toBeUndefined();
          else expect(got, `${row.id} (${mode})`).toBe(claim);
        }
      }
      for (const mode of ['as written', 'fixed'] as const) {
        for (const id of recorded[mode].keys()) expect(mine.some((r) => r.id === id), `${id} (${mode}) has no row in the audit`).toBe(true);
      }
    });
  }
});

// ---------------------------------------------------------------------------------------------------------------
// The audit's "ok" rows, checked by number: S4's schedule, noising, reverse step, losses and KL are our formulas.

describe('S4 audit: where S4 is right, its statements equal our functions', () => {
  const schedule = linearSchedule(100);

  it('S4 audit: its float32 tables (betas, alphas, alphas_bar, betas_bar at index i) are β_t, α_t, ᾱ_t, 1 − ᾱ_t at t = i + 1', () => {
    const s4 = s4Tables(100);
    const got = { betas: toFloat64(s4.betas), alphas: toFloat64(s4.alphas), alphasBar: toFloat64(s4.alphasBar), betasBar: toFloat64(s4.betasBar) };
    for (let i = 0; i < 100; i++) {
      const t = fromZeroBasedStep(schedule, i);
      // S4 rounds float64 values to float32 once: within one float32 ulp (2^−23 relative) of ours.
      const close = (a: number, b: number, what: string) => assertClose(a, b, { rel: 2 ** -23 }, `${what}[${i}]`);
      close(got.betas[i]!, schedule.betas[t]!, 'betas');
      close(got.alphas[i]!, schedule.alphas[t]!, 'alphas');
      close(got.alphasBar[i]!, schedule.alphaBars[t]!, 'alphas_bar');
      close(got.betasBar[i]!, 1 - schedule.alphaBars[t]!, 'betas_bar');
    }
    // Read as t = i (no shift), entry 0 would be our t = 0 convention β_0 = 0: not S4's 1e-4.
    expect(Math.abs(got.betas[0]! - schedule.betas[0]!)).toBeGreaterThan(9e-5);
    Object.values(s4).forEach((x) => x.dispose());
  });

  it('S4 audit: q_noisy_sample at zero-based index i is our qSample at t = i + 1 (C5), and at t = i it is not', () => {
    const rng = createRng(testSeed(401));
    const s4 = s4Tables(100);
    const index = [0, 1, 50, 99];
    const x0 = tf.clipByValue(rng.normalTensor([4, 32, 32, 1]), -1, 1);
    const eps = rng.normalTensor([4, 32, 32, 1]);
    const t = tf.tensor2d(index, [4, 1], 'int32');
    const s4Noised = tf.add(tf.mul(tf.sqrt(s4Extract(null, s4.alphasBar, t)), x0), tf.mul(tf.sqrt(s4Extract(null, s4.betasBar, t)), eps));
    const ours = qSample(schedule, x0, index.map((i) => fromZeroBasedStep(schedule, i)), eps);
    // Read as t = i (no shift); t = 0 is not a step, so the examples with i ≥ 1.
    const shifted = qSample(schedule, tf.slice(x0, 1, 3), index.slice(1), tf.slice(eps, 1, 3));
    // float32: |x_t| < 6 here, each side a few roundings of ulp(6) = 4.8e-7: 4e-6 is about 8 ulps.
    const gap = (a: tf.Tensor, b: tf.Tensor) => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]!;
    expect(gap(s4Noised, ours)).toBeLessThan(4e-6);
    expect(gap(tf.slice(s4Noised, 1, 3), shifted)).toBeGreaterThan(1e-3);
    Object.values(s4).forEach((x) => x.dispose());
  });

  it('S4 audit: p_real_sample (公式131) at index i is our ancestralStep with σ_t² = β_t at t = i + 1, its noise masked only at i = 0 (F1, F2)', () => {
    const rng = createRng(testSeed(402));
    const s4 = s4Tables(100);
    for (const i of [0, 1, 57, 99]) {
      const xt = rng.normalTensor([3, 32, 32, 1]);
      const eps = rng.normalTensor([3, 32, 32, 1]);
      const z = rng.normalTensor([3, 32, 32, 1]);
      const t = tf.fill([3, 1], i, 'int32');
      const s4Next = s4ReverseStep(null, s4, xt, t, eps, z);
      const ours = ancestralStep(schedule, xt, fromZeroBasedStep(schedule, i), eps, z, 'beta');
      const gap = (a: tf.Tensor, b: tf.Tensor) => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]!;
      // The step divides by √α_t ≥ 0.99 and by √(1 − ᾱ_t) ≥ 0.01 (at i = 0: β/√(1 − ᾱ) = √β ≈ 0.01); values < 10,
      // so float32 roundings stay below 1e-5.
      expect(gap(s4Next, ours), `i = ${i}`).toBeLessThan(1e-5);
      if (i >= 1) expect(gap(s4Next, ancestralStep(schedule, xt, i, eps, z, 'beta')), `i = ${i} read as t = i`).toBeGreaterThan(1e-4);
    }
    Object.values(s4).forEach((x) => x.dispose());
  });

  it('S4 audit: its reconstruction loss is our reconstructionLoss (B1); its DDPM loss is 1024 × our simpleLoss (E6)', () => {
    const rng = createRng(testSeed(403));
    const x = rng.normalTensor([5, 32, 32, 1]);
    const y = rng.normalTensor([5, 32, 32, 1]);
    const s4Loss = tf.mean(tf.sum(tf.square(tf.sub(y, x)), [1, 2, 3]), -1).dataSync()[0]!;
    // Sums of 5120 float32 squares near 2: relative rounding ≲ 1e-6.
    assertClose(reconstructionLoss(x, y).dataSync()[0]!, s4Loss, { rel: 1e-5 }, 'B1');
    assertClose(simpleLoss(x, y, 'sumPerExampleMeanOverBatch').dataSync()[0]!, s4Loss, { rel: 1e-5 }, 'E6 S4 reduction');
    const oursDefault = simpleLoss(x, y).dataSync()[0]!; // DDPM's mean over every element
    assertClose(1024 * oursDefault, s4Loss, { rel: 1e-5 }, 'E6 ratio');
    expect(Math.abs(oursDefault - s4Loss)).toBeGreaterThan(100);
  });

  it('S4 audit: its KL (公式48 as written) is our klToStandardNormal (B4), its reparameterisation our reparameterize (B3)', () => {
    const rng = createRng(testSeed(404));
    const mu = rng.normalTensor([6, 64]);
    const logVar = tf.mul(rng.normalTensor([6, 64]), 0.8);
    const eps = rng.normalTensor([6, 64]);
    const s4Kl = toFloat64(tf.sum(tf.mul(-0.5, tf.sub(tf.sub(tf.add(1, logVar), tf.square(mu)), tf.exp(logVar))), 1));
    const ours = toFloat64(klToStandardNormal(mu, logVar));
    // KL ≈ 64 · ½(μ² + e^v − 1 − v) ≈ 40 per example: S4's form is accurate here (no cancellation), float32 sums ~1e-6.
    s4Kl.forEach((k, i) => assertClose(ours[i]!, k, { rel: 1e-5 }, `KL[${i}]`));
    const s4z = toFloat64(tf.add(mu, tf.mul(tf.exp(tf.mul(0.5, logVar)), eps)));
    toFloat64(reparameterize(mu, logVar, eps)).forEach((z, i) => assertClose(z, s4z[i]!, { abs: 1e-6 }, `z[${i}]`));
    // A flipped sign inside (1 − log σ² …) would differ by 2·Σ log σ² ≠ 0: the check sees it.
    const flipped = toFloat64(tf.sum(tf.mul(-0.5, tf.sub(tf.sub(tf.sub(1, logVar), tf.square(mu)), tf.exp(logVar))), 1));
    expect(flipped.some((k, i) => Math.abs(k - ours[i]!) > 1e-3 * Math.abs(ours[i]!))).toBe(true);
  });
});

// ---------------------------------------------------------------------------------------------------------------
// Errata the audit found (docs/ERRATA.md).

describe('H S4 errata found by the audit', () => {
  it("H S4 the decoder's final 3×3 conv has 'valid' padding: 32×32 in, 30×30 out, so the AE/VAE/CVAE loss cannot be formed", () => {
    const W = new Weights(createRng(testSeed(411)));
    const tr = new Trace();
    const rng = createRng(testSeed(412));
    const x = tf.clipByValue(rng.normalTensor([B, 32, 32, 1]), -1, 1) as tf.Tensor4D;
    const map = tf.relu(rng.normalTensor([B, 4, 4, 64])) as tf.Tensor4D; // decoder_dense's output, reshaped
    const s4Rec = s4Decoder(tr, W, map, 'as written', null);
    expect(s4Rec.shape).toEqual([B, 30, 30, 1]);
    // S4's l2 line, (reconstruct_img − img)², has no broadcast between 30 and 32: tf throws, as TF would.
    expect(() => tf.squaredDifference(s4Rec, x)).toThrow(/30.*32|32.*30|broadcast|shape/i);
    expect(() => reconstructionLoss(x, s4Rec)).toThrow(/reconstructionLoss/);
    // With padding 'same' the same decoder gives back the image's shape and the loss exists.
    const fixed = s4Decoder(tr, W, map, 'fixed', null);
    expect(fixed.shape).toEqual([B, 32, 32, 1]);
    expect(Number.isFinite(reconstructionLoss(x, fixed).dataSync()[0]!)).toBe(true);
    // Ours: every kind reconstructs at the input's shape and has a finite loss.
    for (const kind of ['ae', 'vae', 'cvae'] as const) {
      const m = new ConvAutoencoder(createRng(testSeed(413)), { kind, dim: 8, latent: 4 });
      const eps = kind === 'ae' ? null : rng.normalTensor([B, 4]);
      const labels = kind === 'cvae' ? tf.tensor1d([3, 7], 'int32') : null;
      expect(m.forward(x, eps, labels).xHat.shape, kind).toEqual([B, 32, 32, 1]);
      expect(Number.isFinite(m.loss(x, eps, labels).dataSync()[0]!), kind).toBe(true);
      m.params.dispose();
    }
    W.dispose();
  });

  it("H S4 the CVAE joins the label to z by reshaping one flat vector: the label fills rows 2–3 of the 4×4 map, not channels beside z", () => {
    const W = new Weights(createRng(testSeed(421)));
    const tr = new Trace();
    const rng = createRng(testSeed(422));
    const latent = tf.relu(rng.normalTensor([1, 1024])); // decoder_dense(z)
    const decoderY = (label: number) => tf.relu(denseLayer(W, 'decoder_y_dense', tf.gather(W.get('label/table', [10, 128], 1), tf.tensor1d([label], 'int32')), 1024));
    const s4Map = (label: number) => tf.reshape(tf.concat([latent, decoderY(label)], -1), [1, 4, 4, 128]) as tf.Tensor4D;
    const channelMap = (label: number) => tf.concat([tf.reshape(latent, [1, 4, 4, 64]), tf.reshape(decoderY(label), [1, 4, 4, 64])], -1) as tf.Tensor4D;
    /** Per row of a [1, H, W, C] difference: the largest |change| anywhere in that row. */
    const rowChange = (a: tf.Tensor4D, b: tf.Tensor4D) => Array.from(tf.max(tf.abs(tf.sub(a, b)), [0, 2, 3]).dataSync());
    // The property a conditional decoder input needs: a change of label reaches every position of the map.
    const reachesEveryRow = (change: number[]) => change.every((c) => c > 0);
    const s4Change = rowChange(s4Map(3), s4Map(7));
    expect(s4Change.slice(0, 2)).toEqual([0, 0]); // rows 0–1 hold z only
    expect(s4Change.slice(2).every((c) => c > 0)).toBe(true); // rows 2–3 hold the label only
    expect(reachesEveryRow(s4Change)).toBe(false);
    expect(reachesEveryRow(rowChange(channelMap(3), channelMap(7)))).toBe(true); // what S4's channels × 2 suggests
    // Through S4's decoder (padding fixed to 'same' so that it runs) the top output row never sees the label.
    const s4Out = rowChange(s4Decoder(tr, W, s4Map(3), 'fixed', null), s4Decoder(tr, W, s4Map(7), 'fixed', null));
    expect(s4Out[0]).toBe(0);
    expect(s4Out.slice(1).every((c) => c > 0)).toBe(true); // rows 1–31 see it through the convs' 3×3 reach
    expect(reachesEveryRow(s4Out)).toBe(false);
    // Ours joins the label to z before the Dense that makes the map: every output row changes with the label.
    const m = new ConvAutoencoder(createRng(testSeed(423)), { kind: 'cvae', dim: 8, latent: 4 });
    const z = rng.normalTensor([1, 4]) as tf.Tensor2D;
    const ours = rowChange(m.decode(z, tf.tensor1d([3], 'int32')), m.decode(z, tf.tensor1d([7], 'int32')));
    expect(reachesEveryRow(ours)).toBe(true);
    m.params.dispose();
    W.dispose();
  });

  it('H S4 calls the AE latent low-dimensional, but for its 32×32 digits the 4×4×64 latent holds 1024 numbers, as many as the image', () => {
    const W = new Weights(createRng(testSeed(431)));
    const x = tf.zeros([B, 32, 32, 1]) as tf.Tensor4D;
    const pixels = 32 * 32;
    const lowDimensional = (latent: tf.Tensor) => latent.size / latent.shape[0]! < pixels;
    const s4Latent = s4Encoder(new Trace(), W, x, null);
    expect(s4Latent.shape).toEqual([B, 4, 4, 64]);
    expect(lowDimensional(s4Latent)).toBe(false);
    // Ours: the AE has a latent of d numbers (default 16), as the VAE does.
    const m = new ConvAutoencoder(createRng(testSeed(432)), { kind: 'ae' });
    const { mu } = m.encode(x);
    expect(mu.shape).toEqual([B, 16]);
    expect(lowDimensional(mu)).toBe(true);
    m.params.dispose();
    W.dispose();
  });
});
