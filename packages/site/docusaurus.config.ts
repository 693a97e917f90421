import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Config } from '@docusaurus/types';
import type * as Preset from '@docusaurus/preset-classic';
import remarkMath from 'remark-math';
import rehypeKatex from 'rehype-katex';
import remarkTexBlocks from './src/plugins/remark-tex-blocks.mjs';
import remarkTocMath from './src/plugins/remark-toc-math.mjs';
import { repositoryUrl, siteUrl } from './site-config.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.join(here, '..', '..');
/** One macro file shared with the notebooks. */
const macros = JSON.parse(readFileSync(path.join(repoRoot, 'docs', 'katex-macros.json'), 'utf8')) as Record<string, string>;
/** KaTeX renders at build time; errors are fatal so a broken formula fails the build. */
const katexOptions = { macros, throwOnError: true, strict: 'ignore' as const, output: 'htmlAndMathml' as const };
const require = createRequire(import.meta.url);
// The CSS must match the KaTeX that rehype-katex renders with: resolve it from rehype-katex's own katex.
const katexVersion = (require(require.resolve('katex/package.json', { paths: [path.dirname(require.resolve('rehype-katex'))] })) as { version: string }).version;

const config: Config = {
  title: 'DDPM, derived',
  tagline: 'Diffusion models and VAEs: every formula derived, implemented as a function and checked by a number.',
  // The deployed address (canonical links, sitemap): root package.json "homepage", or SITE_URL; see site-config.mjs.
  url: siteUrl,
  baseUrl: '/',
  favicon: 'img/favicon.svg',
  onBrokenLinks: 'throw',
  onBrokenAnchors: 'throw',
  onDuplicateRoutes: 'throw',
  markdown: {
    format: 'detect',
    hooks: { onBrokenMarkdownLinks: 'throw', onBrokenMarkdownImages: 'throw' },
  },
  i18n: { defaultLocale: 'en', locales: ['en'] },
  customFields: { katexVersion },
  // Docusaurus Faster (@docusaurus/faster): Rspack bundles, SWC transpiles and minifies JS and HTML, Lightning CSS
  // minifies CSS, and static pages render on worker threads. It builds the same pages (compared page by page when
  // adopted, see docs/BENCHMARKS.md "Test-suite time") in less time. The worker threads need the v4 flag below: no
  // plugin here reads the legacy `head` attribute of postBuild (the local search reads the written HTML files).
  future: { faster: true, v4: { removeLegacyPostBuildHeadAttribute: true } },
  // KaTeX's CSS, and the CJK webfont's @font-face rules (both copied to static/ by scripts/generate.mjs).
  stylesheets: [
    { href: '/katex/katex.min.css', type: 'text/css' },
    { href: '/fonts/noto-sans-sc.css', type: 'text/css' },
  ],
  presets: [
    [
      'classic',
      {
        docs: {
          routeBasePath: '/',
          sidebarPath: './sidebars.ts',
          numberPrefixParser: false,
          // Before Docusaurus's own: the "on this page" list gets the headings' math rendered.
          beforeDefaultRemarkPlugins: [[remarkTocMath, { macros }]],
          remarkPlugins: [remarkTexBlocks, remarkMath],
          rehypePlugins: [[rehypeKatex, katexOptions]],
        },
        blog: false,
        pages: false,
        theme: { customCss: './src/css/custom.css' },
      } satisfies Preset.Options,
    ],
  ],
  plugins: [
    [
      'docusaurus-plugin-typedoc',
      {
        entryPoints: [path.join(repoRoot, 'packages', 'core', 'src', 'index.ts')],
        tsconfig: path.join(repoRoot, 'packages', 'core', 'tsconfig.build.json'),
        out: 'docs/api',
        plugin: ['./src/plugins/typedoc-backlinks.mjs'],
        readme: 'none',
        disableSources: true,
        excludePrivate: true,
        excludeInternal: true,
        skipErrorChecking: true,
        sanitizeComments: true,
        sidebar: { autoConfiguration: true, pretty: true },
      },
    ],
  ],
  themes: [
    [
      '@easyops-cn/docusaurus-search-local',
      {
        hashed: true,
        indexDocs: true,
        indexBlog: false,
        indexPages: false,
        docsRouteBasePath: '/',
        // zh: the Chinese of the source citations (公式, 重参数, 后验) is cut into words with jieba.
        language: ['en', 'zh'],
        // KaTeX writes each formula twice (the visible HTML and the MathML for screen readers, with the TeX as its
        // annotation): index the MathML's text once, so results and their snippets read "q(xt∣x0)", not it doubled.
        ignoreCssSelectors: ['.katex-html', '.katex-mathml annotation'],
        highlightSearchTermsOnTargetPage: false,
        explicitSearchResultPath: true,
      },
    ],
  ],
  themeConfig: {
    colorMode: { defaultMode: 'light', respectPrefersColorScheme: true },
    navbar: {
      title: 'DDPM, derived',
      items: [
        { type: 'docSidebar', sidebarId: 'derivations', position: 'left', label: 'Derivations' },
        { to: '/catalogue', label: 'Catalogue', position: 'left' },
        { to: '/live', label: 'Live models', position: 'left' },
        { to: '/notation', label: 'Notation', position: 'left' },
        { to: '/errata', label: 'Errata', position: 'left' },
        { type: 'docSidebar', sidebarId: 'api', position: 'left', label: 'API' },
        { to: '/sources', label: 'Sources', position: 'left' },
        { href: repositoryUrl, label: 'GitHub', position: 'right', 'aria-label': 'The repository on GitHub' },
      ],
    },
    footer: {
      style: 'dark',
      links: [
        {
          title: 'Read',
          items: [
            { label: 'Sources and reading order', to: '/sources' },
            { label: 'Catalogue', to: '/catalogue' },
            { label: 'Notation', to: '/notation' },
          ],
        },
        {
          title: 'Code',
          items: [
            { label: 'Repository', href: repositoryUrl },
            { label: 'API reference', to: '/api' },
            { label: 'Errata', to: '/errata' },
          ],
        },
      ],
      copyright: 'ddpm-derived — derivations generated from the notebooks; API from core’s doc comments.',
    },
    prism: { additionalLanguages: ['bash', 'json'] },
  } satisfies Preset.ThemeConfig,
};

export default config;
