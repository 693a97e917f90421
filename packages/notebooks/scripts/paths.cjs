// Where this checkout keeps its notebooks and Jupyter state, and which Python runs Jupyter.
//
// Two kernel registrations (scripts/register-kernel.cjs): one for this checkout only, under .jupyter/ and found
// through JUPYTER_PATH, which the scripts here use so that a test run always gets this checkout's tslab; and one in
// the user's Jupyter data directory (`jupyter --data-dir`), which a plain `jupyter notebook`, JupyterLab or VS Code
// finds without any environment variable.
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const pkg = path.join(__dirname, '..');
const jupyterPrefix = path.join(pkg, '.jupyter');

/** The executable `name` on PATH, or null. */
function which(name) {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, name);
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      if (fs.statSync(candidate).isFile()) return candidate;
    } catch {
      // not here
    }
  }
  return null;
}

/** The Python a `jupyter` script runs with, from its #! line (a venv's or conda's jupyter names its own Python). */
function interpreterOf(script) {
  let firstLine = '';
  try {
    firstLine = fs.readFileSync(script, 'utf8').split('\n', 1)[0];
  } catch {
    return null;
  }
  const m = /^#!\s*(\S+)(?:\s+(\S+))?/.exec(firstLine);
  if (!m) return null;
  const [program, argument] = [m[1], m[2]];
  if (path.basename(program) === 'env' && argument && /^python/.test(argument)) return which(argument);
  return /python[\d.]*$/.test(path.basename(program)) ? program : null;
}

/**
 * The Pythons to try, most specific first: an activated virtualenv (VIRTUAL_ENV), an activated conda environment
 * (CONDA_PREFIX), the Python of PATH's `jupyter`, PATH's python3 (pyenv's shim picks the active version), and
 * Debian's /usr/bin/python3 (what scripts/setup.sh installs Jupyter into).
 */
function pythonCandidates() {
  const candidates = [];
  if (process.env.VIRTUAL_ENV) candidates.push(path.join(process.env.VIRTUAL_ENV, 'bin', 'python'));
  if (process.env.CONDA_PREFIX) candidates.push(path.join(process.env.CONDA_PREFIX, 'bin', 'python'));
  const jupyter = which('jupyter');
  if (jupyter) candidates.push(interpreterOf(jupyter));
  candidates.push(which('python3'), which('python'), '/usr/bin/python3');
  return [...new Set(candidates.filter((c) => c && fs.existsSync(c)))];
}

/**
 * The first candidate Python that can import every one of `modules` (e.g. ['nbconvert', 'nbclient']). Throws
 * naming the candidates tried and what to install.
 */
function findPython(modules) {
  const tried = [];
  for (const python of pythonCandidates()) {
    const probe = spawnSync(python, ['-c', `import ${modules.join(', ')}`], { stdio: 'ignore' });
    if (probe.status === 0) {
      // Say so when an activated environment was passed over: its Jupyter is what the reader expects.
      const active = process.env.VIRTUAL_ENV || process.env.CONDA_PREFIX;
      if (active && !python.startsWith(active)) console.log(`(the active environment ${active} has no ${modules.join('/')}; using ${python})`);
      return python;
    }
    tried.push(python);
  }
  throw new Error(
    `no Python here can import ${modules.join(', ')} (tried ${tried.join(', ') || 'none found'}). ` +
      'Run `bash scripts/setup.sh` (Debian\'s Jupyter), or activate a virtualenv/conda environment with ' +
      `\`pip install ${modules.map((m) => (m === 'jupyter_client' ? 'jupyter-client' : m)).join(' ')}\`.`,
  );
}

/** True when this process runs as root (Jupyter refuses to start a server as root without --allow-root). */
const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;

module.exports = {
  pkg,
  jupyterPrefix,
  localKernelDir: path.join(jupyterPrefix, 'share', 'jupyter', 'kernels', 'tslab'),
  notebooksDir: path.join(pkg, 'notebooks'),
  sourcesDir: path.join(pkg, 'src'),
  executedDir: path.join(pkg, '.executed'),
  tslabBin: path.join(pkg, 'node_modules', 'tslab', 'bin', 'tslab'),
  isRoot,
  findPython,
  pythonCandidates,
  /** The environment every Jupyter command here runs with: this checkout's kernel first on JUPYTER_PATH. */
  jupyterEnv(extra = {}) {
    const own = path.join(jupyterPrefix, 'share', 'jupyter');
    const rest = (process.env.JUPYTER_PATH ?? '').split(path.delimiter).filter((p) => p && p !== own);
    return { ...process.env, JUPYTER_PATH: [own, ...rest].join(path.delimiter), ...extra };
  },
};
