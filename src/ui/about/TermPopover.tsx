/**
 * A glossary entry shown in place (TermLink opens it): a small non-modal dialog next to the word,
 * drawn in document.body (a portal) so that no card's overflow clips it, kept inside the window
 * and following the word as the page scrolls. It takes the focus when it opens, so a screen
 * reader reads it and Tab reaches its buttons; Escape, its close button, a click elsewhere or the
 * focus leaving it closes it.
 */
import { useEffect, useRef, useState, type RefObject } from 'react';
import { useViewportFollow } from '../shell/useViewportFollow';
import { createPortal } from 'react-dom';
import { useApp } from '../store';
import { focusTerm } from './focusTerm';
import { GLOSSARY_BY_ID, type TermId } from './glossary';
import './termPopover.css';

export interface Box {
  left: number;
  top: number;
  width: number;
  height: number;
}

/**
 * Where the popover goes (fixed position): under the word, its left edge at the word's, moved
 * left as far as it must to stay in the window; above the word when there is no room under it.
 */
export function placePopover(anchor: Box, pop: { width: number; height: number }, view: { width: number; height: number }, gap = 6): { left: number; top: number } {
  const margin = 8;
  const left = Math.max(margin, Math.min(view.width - pop.width - margin, anchor.left));
  const below = anchor.top + anchor.height + gap;
  if (below + pop.height + margin <= view.height) return { left, top: below };
  const above = anchor.top - gap - pop.height;
  if (above >= margin) return { left, top: above };
  return { left, top: Math.max(margin, view.height - pop.height - margin) };
}

export function TermPopover({ id, term, anchor, onClose }: { id: string; term: TermId; anchor: RefObject<HTMLElement | null>; onClose(returnFocus: boolean): void }) {
  const entry = GLOSSARY_BY_ID[term];
  const setPanel = useApp((s) => s.setPanel);
  const box = useRef<HTMLDivElement>(null);
  const [pos, setPos] = useState<{ left: number; top: number } | null>(null);

  useViewportFollow(() => {
    const a = anchor.current?.getBoundingClientRect();
    const el = box.current;
    if (!a || !el) return;
    setPos(placePopover(a, { width: el.offsetWidth, height: el.offsetHeight }, { width: window.innerWidth, height: window.innerHeight }));
  }, [anchor]);

  // The focus moves in once the popover is placed (a hidden box cannot take it).
  const placed = pos !== null;
  useEffect(() => {
    if (placed) box.current?.focus({ preventScroll: true });
  }, [placed]);

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.key !== 'Escape' || e.defaultPrevented) return;
      e.preventDefault();
      onClose(true);
    };
    const onPointer = (e: PointerEvent) => {
      const t = e.target as Node | null;
      if (t && (box.current?.contains(t) || anchor.current?.contains(t))) return;
      onClose(false);
    };
    // Capture: Escape closes the popover before anything else (a drawer, lecture mode) takes it.
    window.addEventListener('keydown', onKey, true);
    document.addEventListener('pointerdown', onPointer, true);
    return () => {
      window.removeEventListener('keydown', onKey, true);
      document.removeEventListener('pointerdown', onPointer, true);
    };
  }, [anchor, onClose]);

  const titleId = `${id}-title`;
  return createPortal(
    <div
      ref={box}
      id={id}
      className="term-popover"
      role="dialog"
      aria-labelledby={titleId}
      tabIndex={-1}
      data-testid="term-popover"
      data-term={term}
      style={pos ? { left: pos.left, top: pos.top } : { visibility: 'hidden' }}
      onBlur={(e) => {
        const to = e.relatedTarget as Node | null;
        if (to && !box.current?.contains(to) && !anchor.current?.contains(to)) onClose(false);
      }}
    >
      <p className="term-popover-title" id={titleId}>
        {entry.convnet}
      </p>
      <p className="term-popover-drmm">
        <span className="term-popover-kicker">In the DRMM:</span> {entry.drmm}
      </p>
      <p className="term-popover-meaning">{entry.meaning}</p>
      <p className="term-popover-buttons">
        <button
          type="button"
          className="link"
          onClick={() => {
            onClose(false);
            setPanel('about');
            focusTerm(term);
          }}
        >
          The whole glossary
        </button>
        <button type="button" onClick={() => onClose(true)} aria-label="Close">
          ✕
        </button>
      </p>
    </div>,
    document.body,
  );
}
