// Where the site lives and where its repository is, set in one place: the root package.json's "homepage" and
// "repository" fields. SITE_URL (an origin such as https://example.org) and SITE_REPOSITORY (https://github.com/o/r)
// override them for a fork or a preview deployment. Read by docusaurus.config.ts, scripts/generate.mjs and the
// typedoc plugin, so canonical links, the sitemap, the navbar and every "source" link agree.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const rootPackage = JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8'));

/** The address the notebooks link to the site by (package.json's "homepage", whatever SITE_URL says). */
export const publishedSite = new URL(rootPackage.homepage).origin;

/** The site's origin, without a path (Docusaurus's `url`; the pages sit at its root, baseUrl '/'). */
export const siteUrl = new URL(process.env.SITE_URL || rootPackage.homepage).origin;

/** The repository's web address, e.g. https://github.com/ddpm-derived/ddpm-derived. */
export const repositoryUrl = (process.env.SITE_REPOSITORY || rootPackage.repository?.url || rootPackage.repository)
  .replace(/^git\+/, '')
  .replace(/\.git$/, '')
  .replace(/\/$/, '');

/** The branch source links point at. */
export const sourceBranch = process.env.SITE_SOURCE_BRANCH || 'main';

/** A link to a file of the repository (path relative to its root), optionally to one line. */
export function sourceUrl(relativePath, line) {
  return `${repositoryUrl}/blob/${sourceBranch}/${relativePath}${line ? `#L${line}` : ''}`;
}
