/**
 * A link from a caption to a glossary entry: opens the About panel at the term (its anchor is
 * `term-<id>`), and shows the DRMM meaning as its tooltip.
 */
import type { ReactNode } from 'react';
import { useApp } from '../store';
import { focusTerm } from './focusTerm';
import { GLOSSARY_BY_ID, type TermId } from './glossary';

export function TermLink({ term, children }: { term: TermId; children?: ReactNode }) {
  const setPanel = useApp((s) => s.setPanel);
  const entry = GLOSSARY_BY_ID[term];
  return (
    <a
      href={`#term-${term}`}
      className="term-link"
      title={`${entry.convnet} ↔ ${entry.drmm}`}
      data-term={term}
      onClick={(e) => {
        e.preventDefault();
        setPanel('about');
        focusTerm(term);
      }}
    >
      {children ?? entry.convnet}
    </a>
  );
}
