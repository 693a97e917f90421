// Executes every notebook in real Jupyter (nbconvert + the tslab kernel registered for this checkout), at most two
// at a time, and fails naming the notebook and cell on any cell error, or on a code cell that produced no output
// (every step's check prints its ✓ line). `--smoke` sets NOTEBOOK_SMOKE=1 (smaller computations); without it the
// full setting runs. Executed copies go to .executed/ (git-ignored) for inspection and for the site.
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const { notebooksDir, executedDir, jupyterEnv, localKernelDir, findPython } = require('./paths.cjs');
const { checkSvg } = require('./check-svg.cjs');

const smoke = process.argv.includes('--smoke');
const only = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const PARALLEL = 2;
const python = findPython(['nbconvert', 'nbclient']);

if (!fs.existsSync(localKernelDir)) {
  console.error('✗ the tslab kernel is not registered for this checkout: run `bash scripts/setup.sh` (or pnpm --filter @ddpm-derived/notebooks setup)');
  process.exit(1);
}

function run(file) {
  return new Promise((resolve) => {
    const started = Date.now();
    const args = ['-m', 'jupyter', 'nbconvert', '--to', 'notebook', '--execute', '--allow-errors',
      '--ExecutePreprocessor.kernel_name=tslab', '--ExecutePreprocessor.timeout=1200',
      '--output-dir', executedDir, path.join(notebooksDir, file)];
    const child = spawn(python, args, { cwd: notebooksDir, env: jupyterEnv({ NOTEBOOK_SMOKE: smoke ? '1' : '0' }) });
    let log = '';
    child.stdout.on('data', (d) => (log += d));
    child.stderr.on('data', (d) => (log += d));
    child.on('close', (code) => resolve({ file, code, log, seconds: (Date.now() - started) / 1000 }));
  });
}

/** Problems found in an executed notebook: error outputs and silent code cells, each named by cell and heading. */
function inspect(file) {
  const nb = JSON.parse(fs.readFileSync(path.join(executedDir, file), 'utf8'));
  const problems = [];
  let heading = '(top)';
  nb.cells.forEach((c, k) => {
    if (c.cell_type === 'markdown') {
      const h = c.source.join('').split('\n').find((l) => /^#{1,3} /.test(l));
      if (h) heading = h.replace(/^#+ /, '');
      return;
    }
    const where = `${file} cell ${k} (under "${heading}")`;
    for (const o of c.outputs) {
      if (o.output_type === 'error') problems.push(`${where}: ${o.ename}: ${o.evalue}`);
      // tslab reports type errors ("5:24 - Argument of type …") on stderr and stops the cell. No stderr is
      // accepted: lib/nb.js silences tfjs's advice banner about tfjs-node, so stderr here is a real message.
      const text = o.output_type === 'stream' && o.name === 'stderr' ? o.text.join('') : '';
      const lines = text.split('\n').filter((l) => l.trim());
      if (lines.length) problems.push(`${where}: stderr: ${lines.slice(0, 4).join(' | ')}`);
      // Every figure must be legible on a desktop and a phone (scripts/check-svg.cjs).
      const svg = o.data?.['image/svg+xml'];
      if (svg) {
        const layout = checkSvg([].concat(svg).join(''));
        if (layout.length) problems.push(`${where}: figure: ${layout.slice(0, 3).join('; ')}${layout.length > 3 ? ` (and ${layout.length - 3} more)` : ''}`);
      }
    }
    if (c.outputs.length === 0) problems.push(`${where}: produced no output`);
  });
  return problems;
}

function outcome(r) {
  const problems = fs.existsSync(path.join(executedDir, r.file)) ? inspect(r.file) : [`${r.file}: nbconvert wrote no output (exit ${r.code}):\n${r.log.slice(-2000)}`];
  if (r.code !== 0 && problems.length === 0) problems.push(`${r.file}: nbconvert exited ${r.code}:\n${r.log.slice(-2000)}`);
  return problems;
}

async function main() {
  fs.mkdirSync(executedDir, { recursive: true });
  const files = fs.readdirSync(notebooksDir).filter((f) => f.endsWith('.ipynb') && (only.length === 0 || only.some((o) => f.includes(o)))).sort();
  if (files.length === 0) throw new Error(`no notebooks found in ${notebooksDir}`);
  console.log(`executing ${files.length} notebooks in Jupyter (${python}, tslab kernel, ${smoke ? 'smoke' : 'full'} setting, ${PARALLEL} at a time)`);
  const queue = [...files];
  const results = [];
  await Promise.all(Array.from({ length: PARALLEL }, async () => {
    while (queue.length) {
      const file = queue.shift();
      let r = await run(file);
      let problems = outcome(r);
      // tslab's TypeScript watcher throws "Unexpected pending rebuildTimer" when a declaration file it watches
      // changes mid-run (e.g. core's dist/ rebuilt by another process). That is the environment, not a formula:
      // run the notebook once more and say so.
      if (problems.some((p) => p.includes('Unexpected pending rebuildTimer'))) {
        console.log(`  ↻ ${file}: tslab watcher race (a watched file changed during the run); running it again`);
        r = await run(file);
        problems = outcome(r);
      }
      console.log(`${problems.length ? '✗' : '✓'} ${r.file} (${r.seconds.toFixed(1)} s)`);
      problems.forEach((p) => console.log(`    ${p}`));
      results.push({ ...r, problems });
    }
  }));
  const failed = results.filter((r) => r.problems.length);
  console.log(`${results.length - failed.length} passed, ${failed.length} failed`);
  process.exit(failed.length ? 1 : 0);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
