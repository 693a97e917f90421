/** Prints the largest error in ulps per quantity family (for docs/BENCHMARKS.md): `npx tsx test/reference/measure.ts`. */
import '../../src/runtime/register-gradients.js';
import { ulpsError } from '../../src/testing/expect-close.js';
import { loadCases } from './cases.js';
import { evaluate } from './evaluate.js';

for (const file of ['schedule', 'probability', 'decoder', 'embedding'] as const) {
  const worst = new Map<string, { n: number; max: number; where: string }>();
  for (const c of loadCases(file)) {
    const got = evaluate(c);
    if (got === undefined || !c.ref) continue;
    const refs = Array.isArray(c.ref[0]) ? (c.ref as any[]) : [c.ref];
    const vals = Array.isArray(got) ? got : [got];
    refs.forEach((r, i) => {
      const e = ulpsError(vals[i]!, r);
      const w = worst.get(c.q) ?? { n: 0, max: -1, where: '' };
      w.n++;
      if (e > w.max) Object.assign(w, { max: e, where: JSON.stringify(c.args).slice(0, 60) + (refs.length > 1 ? `[${i}]` : '') });
      worst.set(c.q, w);
    });
  }
  console.log(`\n## ${file}`);
  for (const [q, w] of worst) console.log(`${q.padEnd(40)} n=${String(w.n).padStart(4)} max ${w.max.toPrecision(3).padStart(9)} ulps at ${w.where}`);
}

// Textbook forms against the stable ones at the hard inputs (the figures of docs/BENCHMARKS.md).
const { SCHEDULES } = await import('./cases.js');
const { klGaussian, klDiagonalGaussianLogVar, klDiscrete } = await import('../../src/probability/kl.js');
const { jensenGap } = await import('../../src/probability/likelihood.js');
const { oneMinusAlphaBar, logOneMinusAlphaBar } = await import('../../src/schedule/schedule.js');
const all = [...loadCases('schedule'), ...loadCases('probability')];
const ref = (q: string, args: unknown[]) => all.find((c) => c.q === q && JSON.stringify(c.args) === JSON.stringify(args))!.ref as any;
const lin = SCHEDULES.linear1000!;
const cos = SCHEDULES.cosine1000!;
const f = (t: number) => Math.cos(((t / 1000 + 0.008) / 1.008) * (Math.PI / 2)) ** 2;
const rows: Array<[string, number, number]> = [
  ['1 − ᾱ_1, linear T=1000', ulpsError(1 - lin.alphaBars[1]!, ref('oneMinusAlphaBar', ['linear1000', 1])), ulpsError(oneMinusAlphaBar(lin, 1), ref('oneMinusAlphaBar', ['linear1000', 1]))],
  ['1 − ᾱ_10, linear T=1000', ulpsError(1 - lin.alphaBars[10]!, ref('oneMinusAlphaBar', ['linear1000', 10])), ulpsError(oneMinusAlphaBar(lin, 10), ref('oneMinusAlphaBar', ['linear1000', 10]))],
  ['log(1 − ᾱ_1000), linear T=1000', ulpsError(Math.log(1 - lin.alphaBars[1000]!), ref('logOneMinusAlphaBar', ['linear1000', 1000])), ulpsError(logOneMinusAlphaBar(lin, 1000), ref('logOneMinusAlphaBar', ['linear1000', 1000]))],
  ['log(1 − ᾱ_1), linear T=1000', ulpsError(Math.log(1 - lin.alphaBars[1]!), ref('logOneMinusAlphaBar', ['linear1000', 1])), ulpsError(logOneMinusAlphaBar(lin, 1), ref('logOneMinusAlphaBar', ['linear1000', 1]))],
  ['cosine β_1', ulpsError(1 - f(1) / f(0), ref('beta', ['cosine1000', 1])), ulpsError(cos.betas[1]!, ref('beta', ['cosine1000', 1]))],
  ['cosine β_999', ulpsError(1 - f(999) / f(998), ref('beta', ['cosine1000', 999])), ulpsError(cos.betas[999]!, ref('beta', ['cosine1000', 999]))],
];
for (const e of [1e-4, 1e-8, 1e-12]) {
  const r = ref('klGaussian', [0, 1 + e, 0, 1]);
  rows.push([`KL(N(0, 1+${e}) ‖ N(0, 1))`, ulpsError(0.5 * Math.log(1 / (1 + e)) + (1 + e) / 2 - 0.5, r), ulpsError(klGaussian(0, 1 + e, 0, 1), r)]);
}
for (const d of [1e-4, 1e-8]) {
  const r = ref('klDiagonalGaussianLogVar', [[0], [d], [0], [0]]);
  rows.push([`log-var KL, ℓ₁ − ℓ₂ = ${d}`, ulpsError(0.5 * (Math.expm1(d) - d), r), ulpsError(klDiagonalGaussianLogVar([0], [d], [0], [0]), r)]);
}
{
  const p = [0.5, 0.5], q = [0.5 + 2 ** -30, 0.5 - 2 ** -30];
  const r = ref('klDiscrete', [p, q]);
  rows.push(['klDiscrete, q = p ± 2^−30', ulpsError(p.reduce((s, pi, i) => s + pi * Math.log(pi / q[i]!), 0), r), ulpsError(klDiscrete(p, q), r)]);
  const xs = [1.0, 1.0 + 1e-6, 1.0 - 1e-6, 1.0];
  const rj = ref('jensenGap', [xs]);
  const naive = Math.log(xs.reduce((s, x) => s + x, 0) / 4) - xs.reduce((s, x) => s + Math.log(x), 0) / 4;
  rows.push(['jensenGap, values 1 ± 1e-6', ulpsError(naive, rj), ulpsError(jensenGap(xs), rj)]);
}
console.log('\n## textbook vs stable (ulps)');
for (const [what, naive, stable] of rows) console.log(`${what.padEnd(34)} ${naive.toPrecision(3).padStart(10)} ${stable.toPrecision(3).padStart(8)}`);
