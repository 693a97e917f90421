// Renders the math of headings for the "on this page" list. Docusaurus builds that list (its toc remark plugin) as
// HTML strings from each heading's Markdown children and writes an inline formula's TeX there as text, so a heading
// "C5 — the closed form $q(x_t\mid x_0)$" showed "q(x_t\mid x_0)" in the list. This plugin runs before Docusaurus's
// own (beforeDefaultRemarkPlugins) and gives each inline formula of a heading that has an explicit {#id} its KaTeX
// HTML as the value the toc plugin reads. The heading on the page is unaffected: remark-math's hast children still
// hold the TeX that rehype-katex renders.
import katex from 'katex';

/** @param {{ macros?: Record<string, string> }} options */
export default function remarkTocMath(options = {}) {
  return (tree) => {
    visit(tree, (heading) => {
      const last = heading.children.at(-1);
      if (!last || last.type !== 'text' || !/\{#[^}\s]+\}\s*$/.test(last.value)) return; // ids of other headings come from their text
      for (const child of heading.children) {
        if (child.type !== 'inlineMath') continue;
        const tex = child.data?.hChildren?.[0]?.value ?? child.value;
        child.value = katex.renderToString(tex, { macros: { ...(options.macros ?? {}) }, throwOnError: true, strict: 'ignore', output: 'htmlAndMathml' });
      }
    });
  };
}

function visit(node, onHeading) {
  if (node.type === 'heading') return onHeading(node);
  for (const child of node.children ?? []) visit(child, onHeading);
}
