/**
 * Command-line options shared by the `pnpm train` front ends (train/cli.ts for the DDPMs, train/autoencoder.ts for
 * AE/VAE/CVAE, train/classifier.ts for the judge), so they accept and refuse the same spellings.
 */
import { DomainError } from '../util/validate.js';

/** Run an option parser (node:util's parseArgs), refusing an unknown or malformed option as a DomainError naming `--help`. */
export function refuseBadOptions<T>(parse: () => T): T {
  try {
    return parse();
  } catch (e) {
    throw new DomainError('pnpm train', 'options', 'among those listed by --help', e instanceof Error ? e.message : String(e));
  }
}

/**
 * Upper bounds of the options that size arrays or loops, so that a typo (`--steps 99999999999999999999`) is refused
 * by name instead of failing deep inside (a Float64Array of 1e20 losses, a wasm allocation). Far above any run here:
 * 10 million steps of ddpm2d take ~6 days on this machine.
 */
export const MAX_STEPS = 10_000_000;
export const MAX_BATCH = 65_536;
export const MAX_T = 100_000;
export const MAX_SAMPLES = 100_000;

/**
 * A training run that stopped on its own, with a message for the user (what happened, at which step, where the last
 * good checkpoint is): the loss became non-finite, or a checkpoint could not be written. The CLI prints the message
 * and exits with status 1.
 */
export class TrainingStopped extends Error {
  override name = 'TrainingStopped';
}

/** What a numeric option accepts: an integer in min..max, a number > 0, or any finite number. */
export type NumberKind = { integer: true; min: number; max?: number } | { positive: true } | { finite: true };

/**
 * The value of `--name` as a number (`fallback` when the option is absent), or a DomainError naming the option and
 * what it accepts. Integers are digits only, so "1e3", "-1", "" and "12abc" are refused rather than misread; other
 * numbers take any form `Number()` reads ("1e-3", ".5").
 */
export function numberOption(name: string, raw: string | undefined, fallback: number, kind: NumberKind): number {
  if (raw === undefined) return fallback;
  let allowed: string | undefined;
  let v: number;
  if ('integer' in kind) {
    v = /^\d+$/.test(raw) ? Number(raw) : NaN;
    if (!Number.isInteger(v) || v < kind.min || (kind.max !== undefined && v > kind.max)) {
      allowed = kind.max === undefined ? `an integer >= ${kind.min}` : `an integer in ${kind.min}..${kind.max}`;
    }
  } else {
    v = raw.trim() === '' ? NaN : Number(raw);
    if ('positive' in kind ? !(Number.isFinite(v) && v > 0) : !Number.isFinite(v)) allowed = 'positive' in kind ? 'a finite number > 0' : 'a finite number';
  }
  if (allowed) throw new DomainError('pnpm train', `--${name}`, allowed, raw);
  return v;
}
