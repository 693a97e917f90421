// Opens Jupyter on the notebooks with this checkout's tslab kernel (`pnpm notebooks`).
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const { notebooksDir, jupyterEnv } = require('./paths.cjs');

const python = fs.existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';
const child = spawn(python, ['-m', 'notebook', '--notebook-dir', notebooksDir, ...process.argv.slice(2)], { stdio: 'inherit', env: jupyterEnv() });
child.on('close', (code) => process.exit(code ?? 0));
