import React from 'react';
import CodeBlock from '@theme-original/CodeBlock';
import type CodeBlockType from '@theme/CodeBlock';
import type { WrapperProps } from '@docusaurus/types';
import BrowserOnly from '@docusaurus/BrowserOnly';
import Runnable from '@site/src/components/Runnable';

type Props = WrapperProps<typeof CodeBlockType> & { metastring?: string };

/** A ```ts runnable block (meta: runnable [notebook="…" cell="k"] [notrunnable="why"]) becomes an editor with Run/Stop; others are unchanged. */
export default function CodeBlockWrapper(props: Props): React.JSX.Element {
  const meta = props.metastring ?? '';
  if (!/(^|\s)runnable(\s|$)/.test(meta)) return <CodeBlock {...props} />;
  const notebook = /notebook="([^"]+)"/.exec(meta)?.[1];
  const cell = Number(/cell="(\d+)"/.exec(meta)?.[1] ?? -1);
  const notRunnable = /notrunnable="([^"]+)"/.exec(meta)?.[1];
  const code = typeof props.children === 'string' ? props.children : String(props.children ?? '');
  return (
    <BrowserOnly fallback={<CodeBlock {...props} />}>
      {() => <Runnable code={code.replace(/\n$/, '')} notebook={notebook} cell={cell} notRunnable={notRunnable} />}
    </BrowserOnly>
  );
}
