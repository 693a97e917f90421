// typedoc plugin: every API page links both ways and renders its math.
//  - a catalogue ID that opens a doc-comment line ("C5 — …") becomes a link to the catalogue's anchor for that ID;
//  - the doc comment's plain-text formulas ("μ̃_t = c₀ x_0 + c_t x_t") become $TeX$ for KaTeX (src/plugins/prose-math.mjs);
//  - a closing section gives each ID's formula from the catalogue (rendered), the notebook section deriving it, the
//    tests checking it and the source line in the repository — from .generated/links.json, which
//    scripts/generate.mjs writes before the build.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { MarkdownPageEvent } from 'typedoc-plugin-markdown';
import { mathifyMarkdown, plainTitle } from './prose-math.mjs';

const ID = /(^|[\s(>*_])([A-G]\d{1,2}) —/g;
const linksFile = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '.generated', 'links.json');

/** The closing "catalogue, derivation, tests and source" section of one exported name's page. */
export function linksSection(entry, catalogue) {
  const lines = ['', '## Catalogue, derivation, tests and source {#links}', ''];
  for (const id of entry.ids) {
    const body = catalogue[id];
    lines.push(`- [${id}](/catalogue#${id})${body ? ` — ${body}` : ''}`);
  }
  for (const s of entry.sections) lines.push(`- Derived in [${s.page.replace('/notebooks/', '')} § ${s.heading.replace(/[[\]]/g, '')}](${s.page}#${s.anchor})`);
  if (entry.tests.length) lines.push(`- Checked by ${entry.tests.join(', ')}`);
  lines.push(`- Source: [${entry.source.file}, line ${entry.source.line}](${entry.source.url})`);
  return lines.join('\n');
}

/**
 * A `const` whose type is a long string literal (a command's help text) is printed by typedoc as one quoted line with
 * its newlines as "\n"; show it as the block of text it is.
 */
function multilineLiterals(contents) {
  return contents.replace(/^> `const` \*\*(.+?)\*\*: "(.*\\n.*)"$/gm, (_, name, literal) => {
    const text = literal.replace(/\\n/g, '\n').replace(/\\([\\<>|[\]_*`"{}])/g, '$1');
    return `> \`const\` **${name}**: \`string\`\n\n\`\`\`text\n${text}\n\`\`\``;
  });
}

/**
 * Docusaurus takes a page's meta description (and the search index its description entry) from its first paragraph
 * as written, which would show $TeX$ raw; give each page that paragraph as plain Unicode in its front matter.
 */
function withDescription(contents) {
  if (contents.startsWith('---\n')) return contents;
  let inFence = false;
  const paragraph = contents.split('\n').find((line) => {
    if (/^\s*(```|~~~)/.test(line)) inFence = !inFence;
    return !inFence && line.trim() && !/^\s*(#|>|```|~~~|\||-|\*\*\*|<)/.test(line);
  });
  const text = plainTitle(paragraph ?? '')
    .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/`([^`]*)`/g, '$1')
    .replace(/\\([\\_*[\]<>{}|])/g, '$1')
    .replace(/\s+/g, ' ')
    .trim();
  // The page title too: typedoc escapes Markdown in the h1 (MAX\_COUNT), which Docusaurus copied into <title>.
  const h1 = /^# (.*)$/m.exec(contents)?.[1];
  const title = h1 && /\\/.test(h1) ? `title: ${JSON.stringify(h1.replace(/\\([\\_*[\]<>{}|`])/g, '$1'))}\n` : '';
  const description = text ? `description: ${JSON.stringify(text.length > 300 ? `${text.slice(0, 297)}…` : text)}\n` : '';
  return title || description ? `---\n${title}${description}---\n\n${contents}` : contents;
}

/** @param {import('typedoc').Application} app */
export function load(app) {
  const links = existsSync(linksFile) ? JSON.parse(readFileSync(linksFile, 'utf8')) : { names: {}, catalogue: {} };
  app.renderer.on(MarkdownPageEvent.END, (page) => {
    if (!page.contents) return;
    let inFence = false;
    let contents = page.contents
      .split('\n')
      .map((line) => {
        if (/^\s*(```|~~~)/.test(line)) inFence = !inFence;
        if (inFence || /^#/.test(line)) return line;
        return line.replace(ID, (_, pre, id) => `${pre}[${id}](/catalogue#${id}) —`);
      })
      .join('\n');
    contents = mathifyMarkdown(multilineLiterals(contents));
    const entry = page.model && Object.hasOwn(links.names, page.model.name) ? links.names[page.model.name] : null;
    if (entry && page.url !== 'index.md') contents = `${contents.replace(/\n+$/, '')}\n${linksSection(entry, links.catalogue)}\n`;
    page.contents = withDescription(contents);
  });
}
