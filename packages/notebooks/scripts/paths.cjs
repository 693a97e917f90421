// Where this checkout keeps its Jupyter kernel registration (no user-global state: JUPYTER_PATH points here).
const path = require('node:path');

const pkg = path.join(__dirname, '..');
const jupyterPrefix = path.join(pkg, '.jupyter');

module.exports = {
  pkg,
  jupyterPrefix,
  notebooksDir: path.join(pkg, 'notebooks'),
  sourcesDir: path.join(pkg, 'src'),
  executedDir: path.join(pkg, '.executed'),
  /** The environment every Jupyter command here runs with. */
  jupyterEnv(extra = {}) {
    return { ...process.env, JUPYTER_PATH: path.join(jupyterPrefix, 'share', 'jupyter'), ...extra };
  },
};
