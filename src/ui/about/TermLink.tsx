/**
 * A link from a caption to a glossary entry: opens the About panel at the term (its anchor is
 * `term-<id>`), and shows the DRMM meaning as its tooltip.
 */
import type { ReactNode } from 'react';
import { useApp } from '../store';
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
        // After the About panel renders, bring the entry into view and focus it.
        requestAnimationFrame(() => {
          const el = document.getElementById(`term-${term}`);
          el?.scrollIntoView({ block: 'center' });
          el?.focus();
        });
      }}
    >
      {children ?? entry.convnet}
    </a>
  );
}
