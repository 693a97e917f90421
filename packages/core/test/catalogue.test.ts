/**
 * The catalogue is the contract: every formula ID of docs/FORMULAS.md must be implemented (its ID in a doc comment
 * of packages/core/src) and checked (a test whose name starts with the ID), and every erratum of §H must have a test
 * whose name starts with `H`. This test reads the sources as text, so it fails with the list of what is missing.
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

  it('N every formula ID starts the name of a test', () => {
    const missing = ids.filter((id) => !ARCHITECTURE_ROWS.has(id) && !testNames.some((n) => n.startsWith(`${id} `)));
    expect(missing, `IDs with no test named after them: ${missing.join(', ')}`).toEqual([]);
  });

  it('H every erratum of §H has a test that shows the wrong form failing', () => {
    const missing = ERRATA.filter(([, re]) => !testNames.some((n) => re.test(n))).map(([what]) => what);
    expect(missing, `errata without a test: ${missing.join('; ')}`).toEqual([]);
  });
});
