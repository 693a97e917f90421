/**
 * The catalogue is the contract: every formula ID of docs/FORMULAS.md must be implemented (its ID in a doc comment
 * of packages/core/src) and checked — by a test whose name starts with the ID and whose body calls a function that
 * implements it and asserts something (a name alone does not count: a training smoke test or a PNG check named
 * after a formula checks nothing of it) — and every erratum of §H must have a test whose name starts with `H`.
 * This test reads the sources as text, so it fails with the list of what is missing.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const here = fileURLToPath(new URL('.', import.meta.url));
const repoRoot = join(here, '..', '..', '..');
const srcRoot = join(here, '..', 'src');

/** No row is exempt: G2 (the UNet) is checked with the models in nn/ and models/, G4's bookkeeping in embedding/. */
const ARCHITECTURE_ROWS = new Set<string>();

/** Every formula ID in the catalogue: `- C5 …` bullets and `…; C6 …` IDs inside a bullet. */
export function catalogueIds(markdown: string): string[] {
  const ids = new Set<string>();
  for (const line of markdown.split('\n')) {
    if (!line.startsWith('- ')) continue;
    for (const m of line.matchAll(/(?:^- |; )([A-G]\d{1,2})\b/g)) ids.add(m[1]!);
  }
  return [...ids].sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
}

function files(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) files(p, out);
    else if (p.endsWith('.ts')) out.push(p);
  }
  return out;
}

const catalogue = readFileSync(join(repoRoot, 'docs', 'FORMULAS.md'), 'utf8');
const all = files(srcRoot).concat(files(join(here)));
const sources = all.filter((f) => !f.endsWith('.test.ts')).map((f) => readFileSync(f, 'utf8'));
const tests = all.filter((f) => f.endsWith('.test.ts')).map((f) => readFileSync(f, 'utf8'));

/** Doc-comment lines (` * …`) and line comments of the implementation files. */
const docText = sources.flatMap((s) => s.split('\n').filter((l) => /^\s*(\*|\/\/|\/\*\*)/.test(l))).join('\n');
/**
 * The functions that implement each ID: the exports whose doc comment opens with "ID —" (or "ID, ID —", "A1–A3 —"), as
 * scripts/catalogue-table.mjs finds them; an ID named only in a module's header comment (A8) is implemented by that
 * module's exports. The model folders (nn/, models/, train/, data/) use formulas but implement only G2 and G4.
 */
export function implementers(files: Array<{ path: string; text: string }>): Map<string, Set<string>> {
  const direct = new Map<string, Set<string>>();
  const header = new Map<string, Set<string>>();
  const add = (m: Map<string, Set<string>>, id: string, name: string) => m.set(id, (m.get(id) ?? new Set()).add(name));
  const exportRe = /^export (?:async )?(?:function|const|class) (\w+)/;
  for (const { path, text } of files) {
    const lines = text.split('\n');
    const exported = [...text.matchAll(new RegExp(exportRe.source, 'gm'))].map((m) => m[1]!);
    lines.forEach((line, i) => {
      const m = line.match(/^\s*(?:\/\*\*|\*)\s+((?:[A-G]\d{1,2}(?:[,–+ ]+|\s*\/\s*))*[A-G]\d{1,2})\s+—/);
      if (!m) return;
      let end = i;
      while (end < lines.length && !lines[end]!.includes('*/')) end++;
      const fn = (lines[end + 1] ?? '').match(exportRe)?.[1];
      for (const id of idsIn(m[1]!)) {
        if (/[\\/]src[\\/](nn|models|train|data)[\\/]/.test(path) && id !== 'G2' && id !== 'G4') continue;
        if (fn) add(direct, id, fn);
        else for (const e of exported) add(header, id, e);
      }
    });
  }
  for (const [id, names] of header) if (!direct.has(id)) direct.set(id, names);
  return direct;
}

/** "C3", "A1–A3", "D2, D5" → the IDs. */
function idsIn(head: string): string[] {
  const out: string[] = [];
  for (const piece of head.split(/[,+/ ]+/)) {
    const range = piece.match(/^([A-G])(\d+)–\1?(\d+)$/);
    if (range) for (let k = Number(range[2]); k <= Number(range[3]); k++) out.push(`${range[1]}${k}`);
    else if (/^[A-G]\d+$/.test(piece)) out.push(piece);
  }
  return out;
}

/** Each it()/test() of a test file with its name and its body (the text up to the next it/test/describe). */
export function testBodies(text: string): Array<{ name: string; body: string }> {
  const starts = [...text.matchAll(/(?:^|\W)(it|test|describe)(?:\.\w+)*\(\s*(['"`])(.+?)\2/g)];
  return starts.flatMap((m, k) => (m[1] === 'describe' ? [] : [{ name: m[3]!, body: text.slice(m.index, starts[k + 1]?.index ?? text.length) }]));
}

/** Whether a test checks ID: its name starts with the ID, its body calls one of the ID's functions and asserts. */
export function checksId(test: { name: string; body: string }, id: string, fns: ReadonlySet<string>): boolean {
  if (!test.name.startsWith(`${id} `)) return false;
  const calls = [...fns].some((fn) => new RegExp(`\\b${fn}\\b`).test(test.body));
  return calls && /\b(expect|assert\w*)\(/.test(test.body);
}

/** The literal names given to it()/test(), and the keys of tables of named tests. */
const testNames = tests.flatMap((s) => [...s.matchAll(/(?:it|test)\(\s*(['"`])(.+?)\1/g)].map((m) => m[2]!).concat([...s.matchAll(/^\s*'([A-H]\d* [^']+)':/gm)].map((m) => m[1]!)));

/** The errata of §H and the words their tests' names carry. */
const ERRATA: Array<[string, RegExp]> = [
  ['S3 standard normal with μ=1, σ=0', /^H S3 "standard normal when μ=1, σ=0"/],
  ['S3 P(z) ~ N(1,0)', /^H S3 "P\(z\) ~ N\(1, 0\)"/],
  ['S3 noise weight β_t instead of √β_t', /^H S3 noise weight β_t instead of √β_t/],
  ['S3 naive chain is not DDPM', /^H S3 the naive chain/],
  ['S0/S4 σ_t = √β_t versus √β̃_t', /^H S0\/S4 σ_t/],
  ['S4 conditional sampler never mixes', /^H S4 its conditional sampler never mixes/],
  ['S4 label dropped per batch', /^H S4 drops the label for the whole batch/],
  ['S4 decoder final conv with valid padding', /^H S4 the decoder's final 3×3 conv has 'valid' padding/],
  ['S4 CVAE label reshaped below z', /^H S4 the CVAE joins the label to z by reshaping/],
  ['S4 AE latent not low-dimensional', /^H S4 calls the AE latent low-dimensional/],
];

describe('catalogue coverage', () => {
  const ids = catalogueIds(catalogue);

  it('N the catalogue parses into the expected sections A–G', () => {
    for (const id of ['A1', 'A12', 'B6', 'C9', 'D7', 'E6', 'F6', 'G4']) expect(ids).toContain(id);
    expect(ids.length).toBeGreaterThanOrEqual(50);
  });

  it('N every formula ID is named in a doc comment of core', () => {
    const missing = ids.filter((id) => !ARCHITECTURE_ROWS.has(id) && !new RegExp(`\\b${id}\\b`).test(docText));
    expect(missing, `IDs with no doc comment in packages/core/src: ${missing.join(', ')}`).toEqual([]);
  });

  it('N every formula ID has a test named after it that calls its function and asserts', () => {
    const fns = implementers(all.filter((f) => !f.endsWith('.test.ts')).map((f) => ({ path: f, text: readFileSync(f, 'utf8') })));
    const bodies = tests.flatMap(testBodies);
    const missing = ids.filter((id) => !ARCHITECTURE_ROWS.has(id) && !bodies.some((t) => checksId(t, id, fns.get(id) ?? new Set())));
    expect(missing, `IDs with no test that is named after them and calls their function: ${missing.join(', ')}`).toEqual([]);
  });

  it('N a test named after an ID counts only if it calls that ID\'s function and asserts', () => {
    const fns = new Set(['alphaBarsFromAlphas']);
    const named = (name: string, body: string) => checksId({ name, body }, 'C2', fns);
    expect(named('C2 ᾱ is the product', "() => { expect(alphaBarsFromAlphas(a)[2]).toBe(0.25); })")).toBe(true);
    // A name alone, a call without an assertion, another ID's name, or a longer ID (C21) do not count.
    expect(named('C2 smoke: training lowers the loss', "() => { expect(train()).toBeLessThan(1); })")).toBe(false);
    expect(named('C2 runs', "() => { alphaBarsFromAlphas(a); })")).toBe(false);
    expect(named('C3 step', "() => { expect(alphaBarsFromAlphas(a)).toBeDefined(); })")).toBe(false);
    expect(named('C21 other', "() => { expect(alphaBarsFromAlphas(a)).toBeDefined(); })")).toBe(false);
    // The ID's functions are found from the doc comments; a module header names every export of its module.
    const found = implementers([
      { path: '/x/src/schedule/s.ts', text: '/**\n * C2 — the product.\n */\nexport function alphaBarsFromAlphas() {}\n' },
      { path: '/x/src/probability/kl.ts', text: '/**\n * A8 — KL properties.\n */\nimport x from "y";\n\nexport function klGaussian() {}\n' },
      { path: '/x/src/train/t.ts', text: '/**\n * C2 — used here, implemented in schedule/.\n */\nexport function trainer() {}\n' },
    ]);
    expect([...found.get('C2')!]).toEqual(['alphaBarsFromAlphas']);
    expect([...found.get('A8')!]).toEqual(['klGaussian']);
  });

  it('H every erratum of §H has a test that shows the wrong form failing', () => {
    const missing = ERRATA.filter(([, re]) => !testNames.some((n) => re.test(n))).map(([what]) => what);
    expect(missing, `errata without a test: ${missing.join('; ')}`).toEqual([]);
  });
});
