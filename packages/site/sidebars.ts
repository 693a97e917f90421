import { existsSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { SidebarsConfig } from '@docusaurus/plugin-content-docs';

const here = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
const docs = path.join(here, 'docs');
/** The notebook pages written by scripts/generate.mjs, in notebook order. */
const notebooks = readdirSync(path.join(docs, 'notebooks')).filter((f) => f.endsWith('.md')).sort().map((f) => `notebooks/${f.replace(/\.md$/, '')}`);
/** typedoc's sidebar, written by docusaurus-plugin-typedoc before the docs plugin reads this file. */
const apiSidebarFile = path.join(docs, 'api', 'typedoc-sidebar.cjs');
const api = existsSync(apiSidebarFile) ? (require(apiSidebarFile) as SidebarsConfig[string]) : [];

const sidebars: SidebarsConfig = {
  derivations: [
    'index',
    'catalogue',
    { type: 'category', label: 'Derivations (notebooks)', collapsed: false, items: notebooks },
    { type: 'category', label: 'Live models', collapsed: false, link: { type: 'doc', id: 'live/index' }, items: ['live/forward', 'live/sampler', 'live/latent', 'live/two-moons'] },
    'sources',
    'notation',
    'errata',
    's4-audit',
  ],
  api: [{ type: 'doc', id: 'api/index', label: 'Overview' }, ...(Array.isArray(api) ? api : [])],
};

export default sidebars;
