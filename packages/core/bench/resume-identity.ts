/**
 * Is a resumed run bit-identical to an uninterrupted one? For each case: `pnpm train … --steps 2n` straight, and
 * `--steps n` then `--steps n --resume`; then every data file of the two final checkpoints (weights, Adam's moments,
 * the weight average) is compared value by value: how many float32 values differ, and the largest |Δ|.
 *
 *   pnpm --filter @ddpm-derived/core reliability:resume [--n 20]
 *
 * Runs in-process through runTrainCli/runAutoencoderCli (the code `pnpm train` runs). Exits 1 if anything differs.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { runAutoencoderCli } from '../src/train/autoencoder.js';
import { checkpointFolder, readManifest } from '../src/train/checkpoint.js';
import { runTrainCli } from '../src/train/cli.js';

const { values } = parseArgs({ options: { n: { type: 'string' } } });
const n = Number(values.n ?? 20);
if (!Number.isInteger(n) || n < 1) throw new RangeError(`resume-identity: --n must be an integer >= 1; received ${values.n}`);

const CASES = [
  'ddpm2d --workers 1',
  'ddpm2d --workers 2',
  'ddpm2d --workers 1 --learn-variance',
  'ddpm2d --workers 1 --ema 0.999',
  'ddpm --batch 8 --limit 256 --T 100 --workers 1 --ema 0.999 --samples 4',
  'cddpm --batch 8 --limit 256 --T 100 --workers 2 --ema 0.999 --samples 10',
  'ae --batch 8 --limit 256',
  'vae --batch 8 --limit 256',
  'cvae --batch 8 --limit 256',
];

const quiet = () => {};
const train = (args: string) => {
  const argv = args.split(' ');
  return ['ae', 'vae', 'cvae'].includes(argv[0]!) ? runAutoencoderCli(argv, quiet) : runTrainCli(argv, quiet);
};

let differing = 0;
console.log(`| case (${n} + ${n} resumed vs ${2 * n} straight) | file | float32 values | differing | max abs diff |`);
console.log('|---|---|---|---|---|');
for (const c of CASES) {
  const straight = mkdtempSync(path.join(tmpdir(), 'identity-a-'));
  const split = mkdtempSync(path.join(tmpdir(), 'identity-b-'));
  const common = `${c} --every ${n} --backend wasm --seed 7`;
  await train(`${common} --steps ${2 * n} --out ${straight}`);
  await train(`${common} --steps ${n} --out ${split}`);
  await train(`${common} --steps ${n} --resume --out ${split}`);
  for (const file of Object.keys(readManifest(straight).files)) {
    const a = new Float32Array(new Uint8Array(readFileSync(path.join(checkpointFolder(straight), file))).buffer);
    const b = new Float32Array(new Uint8Array(readFileSync(path.join(checkpointFolder(split), file))).buffer);
    let count = a.length === b.length ? 0 : Math.max(a.length, b.length);
    let max = 0;
    for (let i = 0; i < Math.min(a.length, b.length); i++) {
      // Bit patterns, so that even -0 against +0 would count.
      if (Object.is(a[i], b[i])) continue;
      count++;
      max = Math.max(max, Math.abs(a[i]! - b[i]!));
    }
    differing += count;
    console.log(`| \`${c}\` | ${file} | ${a.length.toLocaleString('en')} | ${count} | ${max} |`);
  }
  rmSync(straight, { recursive: true, force: true });
  rmSync(split, { recursive: true, force: true });
}
process.exit(differing > 0 ? 1 : 0);
