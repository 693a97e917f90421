// Notebook code is teaching code (issue 12): no code line longer than 120 characters, and no check written as an
// immediately-invoked one-liner, in any notebook source. A line that long is a formula nobody can read beside its
// derivation; this fails naming each one, so the rewrite cannot quietly come undone.
'use strict';
const assert = require('node:assert/strict');
const { readdirSync, readFileSync } = require('node:fs');
const path = require('node:path');
const { test } = require('node:test');

const SRC = path.join(__dirname, '..', 'src');
const MAX = 120;

/** Every line of the ```ts blocks of every notebook source, with its file and line number. */
function codeLines() {
  const out = [];
  for (const file of readdirSync(SRC).filter((f) => f.endsWith('.md')).sort()) {
    let inCode = false;
    readFileSync(path.join(SRC, file), 'utf8').split('\n').forEach((line, i) => {
      if (/^```ts\b/.test(line)) inCode = true;
      else if (/^```/.test(line)) inCode = false;
      else if (inCode) out.push({ where: `${file}:${i + 1}`, line });
    });
  }
  return out;
}

test(`no notebook code line is longer than ${MAX} characters`, () => {
  const lines = codeLines();
  assert.ok(lines.length > 1000, `only ${lines.length} code lines were found in ${SRC}`);
  const long = lines.filter((l) => l.line.length > MAX).map((l) => `${l.where} (${l.line.length}): ${l.line.slice(0, 80)}…`);
  assert.deepEqual(long, [], `${long.length} lines over ${MAX} characters:\n${long.join('\n')}`);
});

test('no check is an immediately-invoked function on one line', () => {
  const iife = codeLines().filter((l) => /\(\(\)\s*=>.*\)\(\)/.test(l.line)).map((l) => `${l.where}: ${l.line.trim().slice(0, 100)}`);
  assert.deepEqual(iife, [], iife.join('\n'));
});
