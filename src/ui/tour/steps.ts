/**
 * The guided tour of the controls: its steps, whether to offer it, its "seen" flag, and where its
 * card goes. Each step points at a real part of the page, found at run time (the parts belong to
 * other components, so they are found by their test ids and classes); a step whose part is
 * missing is shown unanchored. The card never covers the input, the overview, the prediction or
 * the reconstruction (placeCard's `avoid`).
 */

export interface TourStep {
  id: string;
  title: string;
  body: string;
  /** The element to point at, or null for an unanchored card. */
  target(doc: Document): Element | null;
}

/**
 * The parts of the page the tour points at and its card must not cover, found by their classes
 * and test ids (the wide layout's column first, else the part itself).
 */
const findInput = (doc: Document) => doc.querySelector('.input-col') ?? doc.querySelector('[data-testid="draw-pad"]');
const findOverview = (doc: Document) => doc.querySelector('[data-testid="overview"]');
const findPrediction = (doc: Document) => doc.querySelector('.predict-col') ?? doc.querySelector('[data-testid="prediction"]');

export const TOUR_STEPS: TourStep[] = [
  {
    id: 'welcome',
    title: 'Where things are',
    body: 'A convnet’s forward pass is exact inference in a generative model, the Deep Rendering Mixture Model. This one-minute tour shows where the controls are; the story under the picture explains the ideas. Skip it at any time; “Take the tour” in the top bar replays it.',
    target: () => null,
  },
  {
    id: 'input',
    title: 'The input',
    body: 'Draw a digit on the pad, or pick any of the 10,000 MNIST test digits (◀ ▶, or browse them). The model classifies it bottom-up and renders it back top-down.',
    target: findInput,
  },
  {
    id: 'overview',
    title: 'The whole network',
    body: 'Every level of the model on this digit: the bottom-up pass (blue) and the top-down backtrace (orange) through the same switches. Click a level to open it, hover a unit to see what it depends on, play or scrub the DP on the timeline.',
    target: findOverview,
  },
  {
    id: 'prediction',
    title: 'The answer, and the digit rendered back',
    body: 'The class the model chose and every class’s score, then the reconstruction: the class template drawn through the switches it chose. Click a class to render the digit as that class instead.',
    target: findPrediction,
  },
  {
    id: 'story',
    title: 'The story',
    body: 'Cards that walk through the ideas, each setting the view it talks about: two warm-ups from the lecture, the DP level by level, the backtrace, clutter, learning. Back and Next move through them.',
    target: (doc) => doc.querySelector('[data-testid="story"]'),
  },
  {
    id: 'panels',
    title: 'The deeper views',
    body: 'Below the first screen: the DP step by step, the active rendering paths, saliency per level, rendering, training, the level maps and a glossary from convnet terms to DRMM terms. Arrow keys move between the tabs.',
    target: (doc) => doc.querySelector('nav.panel-tabs'),
  },
  {
    id: 'share',
    title: 'Settings and teaching',
    body: 'The top bar: the model, Settings (clutter, the backtrace variant, the maps), lecture mode (key L: large type, PageDown and PageUp from a clicker move through the story, Esc leaves), and “Copy link” for a URL that reopens this view.',
    target: (doc) => doc.querySelector('.top-bar') ?? doc.querySelector('.header-tools'),
  },
];

/**
 * What the tour's card must never cover (issue 14): the input, the picture of the network, the
 * prediction and the reconstruction. Found at run time; absent ones are skipped.
 */
export function protectedElements(doc: Document): Element[] {
  const found = [findInput(doc), findOverview(doc), findPrediction(doc), doc.querySelector('[data-testid="reconstruction"]')];
  return found.filter((e): e is Element => e !== null);
}

/**
 * Whether to offer the tour (a small prompt in the top bar, never the tour itself): on a first
 * visit only, and never when the page was opened from a link with state (a shared view, a
 * lecture's slide) or straight into lecture mode.
 */
export function shouldOfferTour(seen: boolean, initialHash: string, lecture: boolean): boolean {
  return !seen && !lecture && initialHash.replace(/^#/, '') === '';
}

export const TOUR_STORAGE_KEY = 'drmm-explainer.tour-seen';

/** The parts of Storage the flag uses (localStorage can throw: private windows, disabled storage). */
export interface FlagStorage {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
}

export function tourSeen(storage: FlagStorage | null): boolean {
  try {
    return storage?.getItem(TOUR_STORAGE_KEY) === '1';
  } catch {
    return false;
  }
}

/** Remembers the tour as seen; where storage is refused it is simply offered again next time. */
export function markTourSeen(storage: FlagStorage | null): void {
  try {
    storage?.setItem(TOUR_STORAGE_KEY, '1');
  } catch {
    // Storage refused: nothing to do.
  }
}

export interface Rect {
  left: number;
  top: number;
  width: number;
  height: number;
}

/** The area two rectangles share (0 when they do not overlap). */
export function overlap(a: Rect, b: Rect): number {
  const w = Math.min(a.left + a.width, b.left + b.width) - Math.max(a.left, b.left);
  const h = Math.min(a.top + a.height, b.top + b.height) - Math.max(a.top, b.top);
  return w > 0 && h > 0 ? w * h : 0;
}

/**
 * Where to put the card (fixed position), always inside the viewport. Candidates, in order: below
 * the target, above it, right of it, left of it, then the viewport's corners (bottom right first,
 * where it covers the least of the page). The first that covers none of `avoid` (the input, the
 * overview, the prediction, the reconstruction) nor the target wins; failing that, the first that
 * covers none of `avoid`; failing that, the one that covers the least of them.
 */
export function placeCard(target: Rect | null, card: { width: number; height: number }, view: { width: number; height: number }, avoid: Rect[] = [], gap = 12): { left: number; top: number } {
  const margin = 8;
  const clampX = (x: number) => Math.max(margin, Math.min(view.width - card.width - margin, x));
  const clampY = (y: number) => Math.max(margin, Math.min(view.height - card.height - margin, y));
  const fits = (p: { left: number; top: number }) => p.left >= margin - 0.5 && p.top >= margin - 0.5 && p.left + card.width <= view.width - margin + 0.5 && p.top + card.height <= view.height - margin + 0.5;
  const candidates: { left: number; top: number }[] = [];
  if (target) {
    candidates.push({ left: clampX(target.left), top: target.top + target.height + gap });
    candidates.push({ left: clampX(target.left), top: target.top - gap - card.height });
    candidates.push({ left: target.left + target.width + gap, top: clampY(target.top) });
    candidates.push({ left: target.left - gap - card.width, top: clampY(target.top) });
  }
  const right = view.width - card.width - 16;
  const bottom = view.height - card.height - 16;
  for (const [left, top] of [[right, bottom], [16, bottom], [right, 16], [16, 16]]) candidates.push({ left: clampX(left), top: clampY(top) });
  const inside = candidates.filter(fits);
  const covered = (p: { left: number; top: number }, rects: Rect[]) => rects.reduce((sum, r) => sum + overlap({ ...p, ...card }, r), 0);
  const withTarget = target ? [...avoid, target] : avoid;
  return inside.find((p) => covered(p, withTarget) === 0) ?? inside.find((p) => covered(p, avoid) === 0) ?? [...inside].sort((a, b) => covered(a, avoid) - covered(b, avoid))[0] ?? { left: clampX(right), top: clampY(bottom) };
}
