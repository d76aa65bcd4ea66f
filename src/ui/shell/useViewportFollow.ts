/**
 * Keeps a floating card (a glossary popover, a tour step) placed beside what it points at: runs
 * `measure` once after layout, then again whenever the window resizes or anything scrolls (scroll
 * events do not bubble, so the listener captures them from every scrolling panel, not only the
 * window). `measure` reads the layout and sets the card's position; the effect re-subscribes when
 * `deps` change, as useLayoutEffect's would.
 */
import { useLayoutEffect, type DependencyList } from 'react';

export function useViewportFollow(measure: () => void, deps: DependencyList): void {
  useLayoutEffect(() => {
    measure();
    window.addEventListener('resize', measure);
    window.addEventListener('scroll', measure, true);
    return () => {
      window.removeEventListener('resize', measure);
      window.removeEventListener('scroll', measure, true);
    };
    // The caller's deps stand for what `measure` reads (a new closure each render would re-subscribe every render).
  }, deps);
}
