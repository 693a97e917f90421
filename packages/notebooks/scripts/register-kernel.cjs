// Registers the tslab (TypeScript) kernel twice, both idempotent and without sudo (`pnpm --filter
// @ddpm-derived/notebooks setup`, run by scripts/setup.sh):
//  1. for this checkout only, in packages/notebooks/.jupyter (found through JUPYTER_PATH, which the scripts here
//     set): the test runner always uses this checkout's tslab;
//  2. for the user, in Jupyter's user data directory (`jupyter --data-dir`, e.g. ~/.local/share/jupyter), where a
//     plain `jupyter notebook`, JupyterLab or VS Code started anywhere finds it. Its launcher (tslab-kernel.cjs)
//     runs the tslab of the checkout the notebook is in, so several checkouts share it.
// The Python is the first of an activated venv/conda, PATH's jupyter, python3, /usr/bin/python3 that has
// jupyter_client (paths.cjs). Set DDPM_KERNEL_USER=0 to skip the user-level registration.
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { localKernelDir, tslabBin, findPython, jupyterEnv } = require('./paths.cjs');

if (!fs.existsSync(tslabBin)) throw new Error(`tslab is not installed at ${tslabBin}: run pnpm install first`);
const python = findPython(['jupyter_client', 'jupyter_core']);
console.log(`Jupyter's Python: ${python}`);

/** Install a kernel folder holding kernel.json and the files given, as kernel "tslab", user-level or under prefix. */
function installKernel({ argv, files = {}, user, prefix }) {
  const staging = fs.mkdtempSync(path.join(os.tmpdir(), 'tslab-kernel-'));
  try {
    const spec = { argv, display_name: 'TypeScript (tslab)', language: 'typescript' };
    fs.writeFileSync(path.join(staging, 'kernel.json'), `${JSON.stringify(spec, null, 2)}\n`);
    for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(staging, name), text);
    const where = user ? 'user=True' : `prefix=${JSON.stringify(prefix)}`;
    const code = `from jupyter_client.kernelspec import KernelSpecManager as K; print(K().install_kernel_spec(${JSON.stringify(staging)}, 'tslab', ${where}))`;
    return execFileSync(python, ['-c', code], { encoding: 'utf8' }).trim();
  } finally {
    fs.rmSync(staging, { recursive: true, force: true });
  }
}

// 1. This checkout's kernel: runs exactly this checkout's tslab.
const prefix = path.resolve(localKernelDir, '..', '..', '..', '..');
const local = installKernel({ argv: [process.execPath, tslabBin, 'kernel', '--config-path', '{connection_file}'], prefix });
console.log(`✓ tslab kernel for this checkout: ${local} (used by the scripts here through JUPYTER_PATH)`);

// 2. The user's kernel: a launcher that picks the tslab next to the notebook, this checkout's as the fallback.
if (process.env.DDPM_KERNEL_USER !== '0') {
  const dataDir = execFileSync(python, ['-c', 'from jupyter_core.paths import jupyter_data_dir; print(jupyter_data_dir())'], { encoding: 'utf8' }).trim();
  const launcherPath = path.join(dataDir, 'kernels', 'tslab', 'tslab-kernel.cjs');
  const launcher = fs.readFileSync(path.join(__dirname, 'tslab-kernel.cjs'), 'utf8').replace('const FALLBACK_TSLAB = null;', `const FALLBACK_TSLAB = ${JSON.stringify(tslabBin)};`);
  const user = installKernel({ argv: [process.execPath, launcherPath, '{connection_file}'], files: { 'tslab-kernel.cjs': launcher }, user: true });
  if (path.resolve(user) !== path.resolve(path.dirname(launcherPath))) throw new Error(`the user kernel went to ${user}, not ${path.dirname(launcherPath)}`);
  console.log(`✓ tslab kernel for the user: ${user} (found by jupyter notebook, JupyterLab and VS Code)`);
}

// Both must be visible to Jupyter: the scripts' environment sees this checkout's.
const specs = execFileSync(python, ['-c', 'from jupyter_client.kernelspec import KernelSpecManager as K; print(K().find_kernel_specs())'], { env: jupyterEnv(), encoding: 'utf8' });
if (!specs.includes(path.dirname(localKernelDir))) throw new Error(`this checkout's tslab kernel is not the one Jupyter finds:\n${specs}`);
