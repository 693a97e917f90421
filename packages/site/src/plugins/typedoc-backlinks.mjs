// typedoc plugin: on every API page, a catalogue ID that opens a doc-comment line ("C5 — …") becomes a link back to
// the catalogue's anchor for that ID, where the equation, the source and the tests sit side by side.
import { MarkdownPageEvent } from 'typedoc-plugin-markdown';

const ID = /(^|[\s(>*_])([A-G]\d{1,2}) —/g;

/** @param {import('typedoc').Application} app */
export function load(app) {
  app.renderer.on(MarkdownPageEvent.END, (page) => {
    if (!page.contents) return;
    let inFence = false;
    page.contents = page.contents
      .split('\n')
      .map((line) => {
        if (/^\s*(```|~~~)/.test(line)) inFence = !inFence;
        if (inFence || /^#/.test(line)) return line;
        return line.replace(ID, (_, pre, id) => `${pre}[${id}](/catalogue#${id}) —`);
      })
      .join('\n');
  });
}
