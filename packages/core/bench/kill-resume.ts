/**
 * Reliability of checkpoints under crashes: start `pnpm train` (the compiled CLI, as `pnpm train` runs it) as a child
 * process, SIGKILL it at a random moment, verify the checkpoint it leaves (pointer, manifest, every file's size and
 * SHA-256, finite weights, and the optimizer's step count and the weight average's update count equal to the
 * checkpoint's step, i.e. all parts are of one step), then resume from it in the next round; repeat. Checkpoints are
 * written every step, so many kills land in the middle of a save.
 *
 *   pnpm --filter @ddpm-derived/core reliability:kills [--kills 50] [--seed 0] [--disks] [--models ddpm2d,ae]
 *     [--legacy-cli old/packages/core/dist/train/cli.js]   (an older build, checked as format 1)
 *
 * Models alternate: `ddpm2d` (2 worker threads, with a weight average) and `ae`. `--disks` (root only: it mounts a
 * tiny tmpfs and a read-only one) also checks that a full or read-only --out is refused before any training.
 * Prints a summary line per model and exits 1 if any checkpoint was inconsistent or a resume failed.
 */
import { spawn, execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createRng } from '../src/random/rng.js';
import { hasCheckpoint, verifyCheckpoint } from '../src/train/checkpoint.js';

const { values } = parseArgs({
  options: { kills: { type: 'string' }, seed: { type: 'string' }, disks: { type: 'boolean' }, models: { type: 'string' }, 'legacy-cli': { type: 'string' } },
});
const kills = Number(values.kills ?? 50);
const seed = Number(values.seed ?? 0);
if (!Number.isInteger(kills) || kills < 1) throw new RangeError(`kill-resume: --kills must be an integer >= 1; received ${values.kills}`);
if (!Number.isInteger(seed) || seed < 0) throw new RangeError(`kill-resume: --seed must be an integer >= 0; received ${values.seed}`);

const core = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
// --legacy-cli: the compiled CLI of an older version (format-1 checkpoints: model.json, weights.bin, optimizer.json,
// ema/ renamed one by one), to measure how often a kill left its files at different steps.
const legacy = values['legacy-cli'];
const cli = legacy ? path.resolve(legacy) : path.join(core, 'dist', 'train', 'cli.js');
// What `pnpm train` runs: the compiled CLI (built once here, not per child).
if (!legacy) execFileSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: core, stdio: 'inherit' });

const MODELS = {
  ddpm2d: ['ddpm2d', '--T', '20', '--batch', '64', '--samples', '16', '--workers', '2', '--ema', '0.99', '--every', '1', '--backend', 'wasm'],
  ae: ['ae', '--batch', '4', '--limit', '64', '--dim', '4', '--latent', '3', '--every', '1', '--backend', 'wasm'],
} as const;
type Model = keyof typeof MODELS;

/** Whether `out` holds a checkpoint of the format the CLI under test writes. */
const holdsCheckpoint = (out: string) => (legacy ? existsSync(path.join(out, 'model.json')) : hasCheckpoint(out));

interface Outcome {
  code: number | null;
  signal: NodeJS.Signals | null;
  stderr: string;
}

/**
 * Run the CLI with `args` and SIGKILL it: `kill.afterStart` ms after it starts, or `kill.afterCheckpoint` ms after
 * it reports its first checkpoint of this run (a `step …` line; the CLI prints one per checkpoint when its output is
 * not a terminal), so that the kill lands in the save cycle rather than in the seconds of start-up. No `kill`: let it finish.
 */
function runCli(args: readonly string[], kill?: { afterStart: number } | { afterCheckpoint: number }): Promise<Outcome> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [cli, ...args], { cwd: core, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    let timer: NodeJS.Timeout | undefined;
    const killIn = (ms: number) => (timer ??= setTimeout(() => child.kill('SIGKILL'), ms));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.stdout.on('data', (d: Buffer) => {
      if (kill && 'afterCheckpoint' in kill && /^step \d+/m.test(d.toString())) killIn(kill.afterCheckpoint);
    });
    if (kill && 'afterStart' in kill) killIn(kill.afterStart);
    child.on('exit', (code, signal) => {
      if (timer) clearTimeout(timer);
      resolve({ code, signal, stderr });
    });
  });
}

/** Format 1 (no checksums): the steps its files name, which must agree; weights.bin's length against model.json. */
function legacyInconsistency(out: string): string | undefined {
  try {
    const read = (f: string) => JSON.parse(readFileSync(path.join(out, f), 'utf8')) as { step: number; variables?: { size: number }[] };
    const m = read('model.json');
    const floats = statSync(path.join(out, 'weights.bin')).size / 4;
    const expected = m.variables!.reduce((a, v) => a + v.size, 0);
    if (floats !== expected) return `weights.bin holds ${floats} values, model.json lists ${expected}`;
    if (existsSync(path.join(out, 'optimizer.json')) && read('optimizer.json').step !== m.step) return `optimizer state at step ${read('optimizer.json').step}, model.json at step ${m.step}`;
    if (existsSync(path.join(out, 'ema', 'model.json')) && read('ema/model.json').step !== m.step) return `weight average at step ${read('ema/model.json').step}, model.json at step ${m.step}`;
    return undefined;
  } catch (e) {
    return (e as Error).message;
  }
}

/** Why the checkpoint in `out` is not one consistent step, or undefined if it is. */
function inconsistency(out: string): string | undefined {
  if (legacy) return legacyInconsistency(out);
  try {
    const m = verifyCheckpoint(out);
    if (!m.optimizer) return 'no optimizer state';
    if (m.optimizer.iterations !== m.step) return `optimizer at step ${m.optimizer.iterations}, weights at step ${m.step}`;
    if (m.ema && m.ema.updates !== m.step) return `weight average after ${m.ema.updates} updates, weights at step ${m.step}`;
    const rng = m.meta.rngState as { generator?: unknown } | undefined;
    if (!rng?.generator) return 'no saved random stream';
    return undefined;
  } catch (e) {
    return (e as Error).message;
  }
}

const rng = createRng(seed);
const summary: string[] = [];
let failures = 0;
const chosen = (values.models ?? 'ddpm2d,ae').split(',') as Model[];
if (!chosen.every((m) => m in MODELS)) throw new RangeError(`kill-resume: --models must be ddpm2d and/or ae; received ${values.models}`);
for (const model of chosen) {
  const out = mkdtempSync(path.join(tmpdir(), `kill-${model}-`));
  const n = Math.ceil(kills / chosen.length);
  let killed = 0;
  let killedEarly = 0;
  let noCheckpointYet = 0;
  let inconsistent = 0;
  let resumeFailures = 0;
  let maxFolders = 0;
  let lastStep = 0;
  const steps: number[] = [];
  for (let round = 0; round < n; round++) {
    const resume = holdsCheckpoint(out);
    // One kill in five at a random moment of start-up (loading TensorFlow.js, the data, worker threads: 3–20 s on the
    // shared, loaded 2-core machine), the others at a random moment of the every-step save cycle after the first
    // checkpoint of the round (up to 3 s, i.e. several steps and saves later).
    const early = rng.uniform() < 0.2;
    const delay = early ? 500 + rng.uniform() * 5000 : rng.uniform() * 3000;
    const outcome = await runCli([...MODELS[model], '--steps', '100000', '--out', out, ...(resume ? ['--resume'] : [])], early ? { afterStart: delay } : { afterCheckpoint: delay });
    if (outcome.signal === 'SIGKILL') {
      killed++;
      if (early) killedEarly++;
    }
    else {
      // It ended on its own before the kill: only acceptable as a clean exit, which 100 000 steps never reach.
      resumeFailures++;
      console.error(`${model} round ${round}: exited with code ${outcome.code} before the kill${resume ? ' (resumed)' : ''}:\n${outcome.stderr.slice(-2000)}`);
      continue;
    }
    if (!holdsCheckpoint(out)) {
      noCheckpointYet++;
      continue;
    }
    const why = inconsistency(out);
    if (why) {
      inconsistent++;
      console.error(`${model} round ${round}: inconsistent checkpoint after a kill ${delay.toFixed(0)} ms after ${early ? 'start' : 'the first checkpoint'}: ${why}`);
    } else {
      lastStep = legacy ? (JSON.parse(readFileSync(path.join(out, 'model.json'), 'utf8')) as { step: number }).step : verifyCheckpoint(out).step;
      steps.push(lastStep);
    }
    maxFolders = Math.max(maxFolders, readdirSync(out).filter((f) => f.startsWith('step-')).length);
  }
  // Finally a resume that runs to its end: it must continue from the last checkpoint and exit cleanly.
  const resumable = holdsCheckpoint(out);
  const final = await runCli([...MODELS[model], '--steps', '3', '--out', out, ...(resumable ? ['--resume'] : [])]);
  const finalWhy = final.code === 0 ? inconsistency(out) : `exit code ${final.code}: ${final.stderr.slice(-500)}`;
  const finalOk = !finalWhy && (legacy || verifyCheckpoint(out).step === lastStep + 3);
  if (!finalOk) resumeFailures++;
  failures += inconsistent + resumeFailures;
  summary.push(
    `${model}: ${killed} SIGKILLs (${killedEarly} during start-up; ${noCheckpointYet} left no checkpoint yet), ${inconsistent} inconsistent checkpoints, ` +
      `${resumeFailures} failed resumes; checkpoints reached step ${Math.max(0, ...steps)}; at most ${maxFolders} step folders on disk; ` +
      `final resume ${finalOk ? `ok (step ${lastStep} → ${lastStep + 3})` : `FAILED (${finalWhy ?? 'wrong step'})`}`,
  );
  rmSync(out, { recursive: true, force: true });
}

if (values.disks) {
  // A nearly full disk and a read-only folder must be refused before training, with the option named.
  const mnt = mkdtempSync(path.join(tmpdir(), 'kill-disk-'));
  const full = path.join(mnt, 'full');
  const ro = path.join(mnt, 'ro');
  mkdirSync(full);
  mkdirSync(ro);
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', full]);
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'ro,size=1m', 'tmpfs', ro]);
  try {
    for (const [what, dir, model] of [['full disk (64 kB tmpfs)', full, 'ddpm2d'], ['read-only folder', ro, 'ddpm2d'], ['full disk (64 kB tmpfs)', full, 'ae']] as const) {
      const t0 = performance.now();
      const args = model === 'ae' ? ['ae', '--steps', '5', '--backend', 'wasm', '--limit', '64'] : ['ddpm2d', '--steps', '5', '--backend', 'wasm'];
      const o = await runCli([...args, '--out', dir]);
      const ok = o.code === 2 && /argument '--out' must be a writable folder with room for a checkpoint/.test(o.stderr);
      if (!ok) failures++;
      summary.push(`${model}, ${what}: exit ${o.code} after ${((performance.now() - t0) / 1000).toFixed(1)} s, ${ok ? 'refused before training' : 'NOT refused'}: ${o.stderr.split('\n')[0]}`);
    }
  } finally {
    execFileSync('umount', [full]);
    execFileSync('umount', [ro]);
    rmSync(mnt, { recursive: true, force: true });
  }
}

console.log(summary.join('\n'));
process.exit(failures > 0 ? 1 : 0);
