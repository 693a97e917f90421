#!/usr/bin/env node
// Builds the README's catalogue table: every formula ID of docs/FORMULAS.md → the function(s) whose doc comment
// opens with that ID → the test file(s) with a test named after it.
//   node scripts/catalogue-table.mjs          print the table
//   node scripts/catalogue-table.mjs --write  replace the table between the README's catalogue markers
//   node scripts/catalogue-table.mjs --check  exit 1 if the README's table is stale
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(fileURLToPath(new URL('.', import.meta.url)), '..');
const coreSrc = join(root, 'packages', 'core', 'src');
const START = '<!-- catalogue:start -->';
const MODEL_FOLDERS = /[\\/]src[\\/](nn|models|train|data)[\\/]/;
const ARCHITECTURE = new Set(['G2', 'G4']);
const END = '<!-- catalogue:end -->';

function walk(dir, out = []) {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p, out);
    else if (p.endsWith('.ts')) out.push(p);
  }
  return out;
}

/** [id, one-line description] from the catalogue's bullets (an ID after "; " inside a bullet starts its own row). */
function catalogue() {
  const rows = [];
  // A bullet may continue on indented lines (E4's formula, F6's mixing rule): join them, or the row is cut mid-sentence.
  const bullets = readFileSync(join(root, 'docs', 'FORMULAS.md'), 'utf8').replace(/\n {2,}(?=\S)/g, ' ').split('\n');
  for (const line of bullets) {
    if (!line.startsWith('- ')) continue;
    const parts = line.slice(2).split(/; (?=[A-G]\d{1,2}\b)/);
    for (const part of parts) {
      const m = part.match(/^([A-G]\d{1,2})\b\s*(.*)$/);
      if (!m) continue;
      // Inline TeX is shown as code; long rows are cut at 110 characters with their backticks kept balanced.
      let text = m[2].replace(/\$([^$]*)\$/g, '`$1`').replace(/\s+/g, ' ').trim();
      if (text.length > 110) {
        text = text.slice(0, 107).trimEnd();
        if ((text.match(/`/g) ?? []).length % 2) text += '`';
        text += '…';
      }
      rows.push([m[1], text]);
    }
  }
  return rows;
}

/** id → [{file, line, name}] for doc comments whose summary opens with "ID —" (or "ID, ID —"), and the export below. */
function implementations(files) {
  const found = new Map();
  for (const f of files.filter((x) => !x.endsWith('.test.ts'))) {
    const lines = readFileSync(f, 'utf8').split('\n');
    lines.forEach((l, i) => {
      const m = l.match(/^\s*\*\s+((?:[A-G]\d{1,2}(?:[,–+ ]+|\s*\/\s*))*[A-G]\d{1,2})\s+—/);
      if (!m) return;
      const ids = new Set();
      for (const piece of m[1].split(/[,+/ ]+/)) {
        const range = piece.match(/^([A-G])(\d+)–\1?(\d+)$/) || piece.match(/^([A-G])(\d+)–([A-G]?)(\d+)$/);
        if (range && range.length === 4) for (let k = +range[2]; k <= +range[3]; k++) ids.add(`${range[1]}${k}`);
        else if (/^[A-G]\d+$/.test(piece)) ids.add(piece);
      }
      // Only doc comments that sit on an export count (a module's header comment names no function).
      let end = i;
      while (end < lines.length && !lines[end].includes('*/')) end++;
      const e = (lines[end + 1] ?? '').match(/^export (?:function|const|class) (\w+)/);
      const name = e ? e[1] : null; // null: a module's header comment
      for (const id of ids) {
        // Formulas live in core's topic folders; the models (nn/, models/, train/, data/) use them and may cite
        // them, but only the architecture rows G2 and G4 are implemented there.
        if (MODEL_FOLDERS.test(f) && !ARCHITECTURE.has(id)) continue;
        if (!found.has(id)) found.set(id, []);
        found.get(id).push({ file: relative(root, f), line: i + 1, name });
      }
    });
  }
  return found;
}

function testsById(files) {
  const found = new Map();
  for (const f of files.filter((x) => x.endsWith('.test.ts'))) {
    const src = readFileSync(f, 'utf8');
    for (const m of src.matchAll(/(?:it|test)\(\s*(['"`])([A-G]\d{1,2}) /g)) {
      if (MODEL_FOLDERS.test(f) && !ARCHITECTURE.has(m[2])) continue;
      if (!found.has(m[2])) found.set(m[2], new Set());
      found.get(m[2]).add(relative(root, f));
    }
  }
  return found;
}

export function table() {
  const files = walk(coreSrc).concat(walk(join(root, 'packages', 'core', 'test')));
  const impl = implementations(files);
  const tests = testsById(files);
  const out = ['| ID | formula | implemented by | checked in |', '| --- | --- | --- | --- |'];
  for (const [id, text] of catalogue()) {
    const all = impl.get(id) ?? [];
    const fns = all.filter((x, i, a) => x.name && a.findIndex((y) => y.name === x.name) === i);
    const modules = all.filter((x, i, a) => !x.name && a.findIndex((y) => !y.name && y.file === x.file) === i).map((x) => `[${x.file.split("/").pop()}](${x.file}) (module doc)`);
    const fnCell = fns.length ? fns.map((x) => `[\`${x.name}\`](${x.file})`).join(', ') : modules.join(', ') || '— (architecture, built with the models)';
    const testCell = [...(tests.get(id) ?? [])].map((f) => `[${f.split('/').pop()}](${f})`).join(', ') || '—';
    out.push(`| ${id} | ${text.replace(/\|/g, '\\|')} | ${fnCell} | ${testCell} |`);
  }
  return out.join('\n');
}

const mode = process.argv[2];
if (mode === '--write' || mode === '--check') {
  const readmePath = join(root, 'README.md');
  const readme = readFileSync(readmePath, 'utf8');
  const a = readme.indexOf(START);
  const b = readme.indexOf(END);
  if (a < 0 || b < a) throw new Error(`README.md has no ${START} … ${END} block`);
  const next = `${readme.slice(0, a + START.length)}\n${table()}\n${readme.slice(b)}`;
  if (mode === '--write') writeFileSync(readmePath, next);
  else if (next !== readme) {
    console.error('README.md catalogue table is stale: run `node scripts/catalogue-table.mjs --write`');
    process.exit(1);
  } else console.log('README catalogue table is up to date');
} else if (mode === undefined) {
  console.log(table());
}
