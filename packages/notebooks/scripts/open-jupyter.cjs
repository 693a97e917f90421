// Opens Jupyter on the notebooks with this checkout's tslab kernel (`pnpm notebooks`; extra arguments go to
// Jupyter, e.g. `pnpm notebooks --no-browser --port 8890`). Uses the classic notebook if this Python has it, else
// JupyterLab. As root, passes --allow-root: Jupyter refuses to start as root without it, and scripts/setup.sh
// (the README's set-up) runs as root on a fresh machine.
const { spawn, execFileSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const { notebooksDir, localKernelDir, jupyterEnv, findPython, isRoot } = require('./paths.cjs');

if (!fs.existsSync(localKernelDir)) {
  console.log('The tslab kernel is not registered yet: registering it (scripts/register-kernel.cjs).');
  execFileSync(process.execPath, [path.join(__dirname, 'register-kernel.cjs')], { stdio: 'inherit' });
}

let app = 'notebook';
let python;
try {
  python = findPython(['notebook']);
} catch {
  app = 'jupyterlab';
  python = findPython(['jupyterlab']);
}
const args = ['-m', app, `--notebook-dir=${notebooksDir}`];
if (isRoot && !process.argv.includes('--allow-root')) {
  args.push('--allow-root');
  console.log('Running as root: passing --allow-root to Jupyter (it refuses to start as root otherwise).');
}
args.push(...process.argv.slice(2));
console.log(`${python} ${args.join(' ')}`);
const child = spawn(python, args, { stdio: 'inherit', env: jupyterEnv() });
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
child.on('close', (code) => process.exit(code ?? 0));
