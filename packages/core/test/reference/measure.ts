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
