import React from 'react';
import Content from '@theme-original/DocItem/Content';
import type ContentType from '@theme/DocItem/Content';
import type { WrapperProps } from '@docusaurus/types';
import { useDoc } from '@docusaurus/plugin-content-docs/client';
import useBaseUrl from '@docusaurus/useBaseUrl';

type Props = WrapperProps<typeof ContentType>;

/** Notebook pages (front matter `notebook:`) get a "download notebook" link above their content. */
export default function ContentWrapper(props: Props): React.JSX.Element {
  const { frontMatter } = useDoc();
  const notebook = (frontMatter as { notebook?: string }).notebook;
  const href = useBaseUrl(`/notebooks/${notebook ?? ''}`);
  return (
    <>
      {notebook && (
        <div className="notebook-bar">
          <a className="button button--sm button--primary" href={href} download={notebook} data-testid="download-notebook">
            ⬇ Download notebook ({notebook})
          </a>
          <span className="notebook-bar__hint">Every code block below can be edited and run in your browser.</span>
        </div>
      )}
      <Content {...props} />
    </>
  );
}
