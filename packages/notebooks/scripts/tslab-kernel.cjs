// Starts the tslab (TypeScript) kernel for a notebook. Registered as the user's "tslab" kernel by
// register-kernel.cjs, which copies this file into the kernel's folder and fills in FALLBACK_TSLAB.
//
// Jupyter (notebook, JupyterLab, VS Code) starts a kernel in the notebook's folder, so the tslab to run is the one
// of the checkout the notebook lives in: the nearest node_modules/tslab above that folder. A notebook outside any
// checkout gets the tslab of the checkout that registered the kernel.
// Usage (by Jupyter): node tslab-kernel.cjs <connection file>
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const FALLBACK_TSLAB = null;

function nearestTslab(dir) {
  for (let d = path.resolve(dir); ; d = path.dirname(d)) {
    const bin = path.join(d, 'node_modules', 'tslab', 'bin', 'tslab');
    if (fs.existsSync(bin)) return bin;
    if (path.dirname(d) === d) return null;
  }
}

const connectionFile = process.argv[2];
const tslab = nearestTslab(process.cwd()) ?? FALLBACK_TSLAB;
if (!connectionFile) throw new Error('tslab-kernel: usage: node tslab-kernel.cjs <connection file>');
if (!tslab || !fs.existsSync(tslab)) {
  throw new Error(`tslab-kernel: no tslab found above ${process.cwd()} nor at ${FALLBACK_TSLAB}; run pnpm install and pnpm --filter @ddpm-derived/notebooks setup in a checkout`);
}
// Run tslab's command line in this process, as `tslab kernel --config-path <connection file>`.
process.argv = [process.argv[0], tslab, 'kernel', '--config-path', connectionFile];
require(tslab);
