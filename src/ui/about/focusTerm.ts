/**
 * Brings a glossary entry (`term-<id>`, in the About panel) into view and focuses it. The panel may
 * only just have been selected, so this waits a few frames for the entry to be rendered.
 */
export function focusTerm(term: string, framesLeft = 30): void {
  if (typeof document === 'undefined') return;
  const el = document.getElementById(`term-${term}`);
  if (el) {
    el.scrollIntoView({ block: 'center' });
    el.focus();
    return;
  }
  if (framesLeft > 0) requestAnimationFrame(() => focusTerm(term, framesLeft - 1));
}
