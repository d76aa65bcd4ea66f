/**
 * A glossary term inside a sentence: a button that opens the entry in place, as a popover beside
 * the word (TermPopover.tsx): both names, the meaning, and a way to the whole glossary in the
 * About tab. It never leaves the view the reader is in. Keyboard: Enter or Space opens it and
 * moves the focus into it; Escape closes it and gives the focus back to the word; clicking or
 * tabbing elsewhere closes it.
 */
import { useCallback, useId, useRef, useState, type ReactNode } from 'react';
import { GLOSSARY_BY_ID, type TermId } from './glossary';
import { TermPopover } from './TermPopover';

export function TermLink({ term, children }: { term: TermId; children?: ReactNode }) {
  const [open, setOpen] = useState(false);
  const button = useRef<HTMLButtonElement>(null);
  const id = useId();
  const entry = GLOSSARY_BY_ID[term];
  const close = useCallback((returnFocus: boolean) => {
    setOpen(false);
    if (returnFocus) button.current?.focus();
  }, []);
  return (
    <>
      <button
        ref={button}
        type="button"
        className="term-link"
        aria-expanded={open}
        aria-controls={open ? id : undefined}
        aria-haspopup="dialog"
        data-term={term}
        onClick={() => setOpen((o) => !o)}
      >
        {children ?? entry.convnet}
      </button>
      {open && <TermPopover id={id} term={term} anchor={button} onClose={close} />}
    </>
  );
}
