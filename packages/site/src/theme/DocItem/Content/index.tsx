import React from 'react';
import Content from '@theme-original/DocItem/Content';
import type ContentType from '@theme/DocItem/Content';
import type { WrapperProps } from '@docusaurus/types';
import { useDoc } from '@docusaurus/plugin-content-docs/client';
import useBaseUrl from '@docusaurus/useBaseUrl';

type Props = WrapperProps<typeof ContentType>;

/**
 * Notebook pages (front matter `notebook:`) get a "download notebook" link above their content: the notebook with the
 * outputs the page shows, and where it runs.
 */
export default function ContentWrapper(props: Props): React.JSX.Element {
  const { frontMatter } = useDoc();
  const { notebook, executed } = frontMatter as { notebook?: string; executed?: boolean };
  const href = useBaseUrl(`/notebooks/${notebook ?? ''}`);
  return (
    <>
      {notebook && (
        <div className="notebook-bar">
          <a className="button button--sm button--primary" href={href} download={notebook} data-testid="download-notebook">
            ⬇ Download notebook ({notebook}{executed ? ', with its outputs' : ''})
          </a>
          <span className="notebook-bar__hint" data-testid="notebook-hint">
            Every code block below can be edited and run in your browser. The download runs in Jupyter inside the
            repository, after its set-up (<code>bash scripts/setup.sh</code>): it loads its helpers from{' '}
            <code>packages/notebooks/lib</code> and the trained weights from <code>weights/</code>.
          </span>
        </div>
      )}
      <Content {...props} />
    </>
  );
}
