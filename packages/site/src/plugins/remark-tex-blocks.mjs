// Turns ```tex fenced blocks (the formula blocks of core's doc comments and of the notebooks) into display math, so
// rehype-katex renders them at build time like $$…$$.

export default function remarkTexBlocks() {
  return (tree) => {
    walk(tree);
  };
}

function walk(parent) {
  if (!parent.children) return;
  parent.children.forEach((node, index) => {
    if (node.type !== 'code' || !['tex', 'latex', 'math'].includes(node.lang)) return walk(node);
    parent.children[index] = {
        type: 'math',
        value: node.value,
        data: {
          hName: 'pre',
          hChildren: [{ type: 'element', tagName: 'code', properties: { className: ['language-math', 'math-display'] }, children: [{ type: 'text', value: node.value }] }],
        },
    };
  });
}
