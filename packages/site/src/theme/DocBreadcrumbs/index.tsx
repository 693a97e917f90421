// Docusaurus 3.10's DocBreadcrumbs (MIT, Facebook, Inc. and its affiliates), ejected for one change: the last crumb
// (the page itself) shows the page's label with its math rendered by KaTeX when the front matter carries it as
// `title_html` (written by scripts/generate.mjs for notebook titles with formulas). Labels are plain text otherwise.
// @docusaurus/theme-common is not a dependency of the site, so its two uses are inlined: the class name, and the home
// crumb, which this site always has (its docs live at /, with a home page).

import React, {type ReactNode} from 'react';
import clsx from 'clsx';
import {useDoc, useSidebarBreadcrumbs} from '@docusaurus/plugin-content-docs/client';
import Link from '@docusaurus/Link';
import {translate} from '@docusaurus/Translate';
import HomeBreadcrumbItem from '@theme/DocBreadcrumbs/Items/Home';
import DocBreadcrumbsStructuredData from '@theme/DocBreadcrumbs/StructuredData';

import styles from './styles.module.css';

// TODO move to design system folder
function BreadcrumbsItemLink({
  children,
  href,
  isLast,
}: {
  children: ReactNode;
  href: string | undefined;
  isLast: boolean;
}): ReactNode {
  const className = 'breadcrumbs__link';
  if (isLast) {
    return <span className={className}>{children}</span>;
  }
  return href ? (
    <Link className={className} href={href}>
      <span>{children}</span>
    </Link>
  ) : (
    <span className={className}>{children}</span>
  );
}

// TODO move to design system folder
function BreadcrumbsItem({
  children,
  active,
}: {
  children: ReactNode;
  active?: boolean;
}): ReactNode {
  return (
    <li
      className={clsx('breadcrumbs__item', {
        'breadcrumbs__item--active': active,
      })}>
      {children}
    </li>
  );
}

/** The page's KaTeX-rendered label, if any. Category index pages render breadcrumbs outside a doc: none there. */
function useTitleHtml(): string | undefined {
  try {
    return (useDoc().frontMatter as {title_html?: string}).title_html;
  } catch {
    return undefined;
  }
}

export default function DocBreadcrumbs(): ReactNode {
  const breadcrumbs = useSidebarBreadcrumbs();
  const titleHtml = useTitleHtml();

  if (!breadcrumbs) {
    return null;
  }

  return (
    <>
      <DocBreadcrumbsStructuredData breadcrumbs={breadcrumbs} />
      <nav
        className={clsx(
          'theme-doc-breadcrumbs', // ThemeClassNames.docs.docBreadcrumbs
          styles.breadcrumbsContainer,
        )}
        aria-label={translate({
          id: 'theme.docs.breadcrumbs.navAriaLabel',
          message: 'Breadcrumbs',
          description: 'The ARIA label for the breadcrumbs',
        })}>
        <ul className="breadcrumbs">
          <HomeBreadcrumbItem />
          {breadcrumbs.map((item, idx) => {
            const isLast = idx === breadcrumbs.length - 1;
            const href =
              item.type === 'category' && item.linkUnlisted
                ? undefined
                : item.href;
            return (
              <BreadcrumbsItem key={idx} active={isLast}>
                <BreadcrumbsItemLink href={href} isLast={isLast}>
                  {isLast && titleHtml ? (
                    <span dangerouslySetInnerHTML={{__html: titleHtml}} />
                  ) : (
                    item.label
                  )}
                </BreadcrumbsItemLink>
              </BreadcrumbsItem>
            );
          })}
        </ul>
      </nav>
    </>
  );
}
