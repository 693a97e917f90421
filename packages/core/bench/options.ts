/** Option parsing shared by the quality scripts: a bad value names the script, the option and what it accepts. */
import path from 'node:path';
import { DEFAULT_CLASSIFIER_DIR } from '../src/models/classifier.js';
import { hasCheckpoint } from '../src/train/checkpoint.js';
import { shippedWeightsDir } from '../src/train/shipped.js';

/** An integer option ≥ `min`. */
export function intOption(script: string, name: string, raw: string, min: number): number {
  const v = Number(raw);
  if (!Number.isInteger(v) || v < min) throw new RangeError(`${script}: --${name} must be an integer >= ${min}; received ${raw}`);
  return v;
}

/** DDIM's η, in [0, 1]. */
export function etaOption(script: string, raw: string): number {
  const v = raw.trim() === '' ? NaN : Number(raw);
  if (!(v >= 0 && v <= 1)) throw new RangeError(`${script}: --eta must be in [0, 1]; received ${raw}`);
  return v;
}

/**
 * The classifier the quality scripts judge samples with: the shipped one (weights/classifier, the figures of
 * weights/manifest.json were measured with it), or checkpoints/classifier (trained there on first use) without it.
 */
export function defaultJudgeDir(): string {
  const shipped = path.join(shippedWeightsDir(), 'classifier');
  return hasCheckpoint(shipped) ? shipped : DEFAULT_CLASSIFIER_DIR;
}
