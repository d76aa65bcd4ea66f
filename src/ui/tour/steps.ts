/**
 * The guided tour's steps and its "seen" flag. Each step points at a real control, found at run
 * time (the controls belong to other components, so they are found by their visible structure,
 * not by private ids); a step whose control is missing is shown unanchored.
 */

export interface TourStep {
  id: string;
  title: string;
  body: string;
  /** The element to point at, or null for an unanchored card. */
  target(doc: Document): Element | null;
}

/** The fieldset of the control bar whose legend reads `legend`. */
export function fieldsetByLegend(doc: Document, legend: string): Element | null {
  for (const el of doc.querySelectorAll('fieldset > legend')) if (el.textContent?.trim() === legend) return el.parentElement;
  return null;
}

export const TOUR_STEPS: TourStep[] = [
  {
    id: 'welcome',
    title: 'Welcome to the DRMM Explainer',
    body: 'A convnet’s forward pass is exact inference in a generative model, the Deep Rendering Mixture Model. This one-minute tour shows where everything is. Skip it at any time; the “Take the tour” button in the header replays it.',
    target: () => null,
  },
  {
    id: 'model',
    title: 'The model',
    body: 'Choose an architecture (rmm-shallow, drmm-compact, or the paper’s drmm-mnist) and a seed for random weights, or load a trained .drmm file. Random weights make random predictions: the switches and paths are still real.',
    target: (doc) => fieldsetByLegend(doc, 'Model'),
  },
  {
    id: 'digit',
    title: 'The input',
    body: 'Pick any of the 10,000 MNIST test digits. The model classifies it bottom-up and renders it back top-down through the switches it chose.',
    target: (doc) => fieldsetByLegend(doc, 'Test digit'),
  },
  {
    id: 'backtrace',
    title: 'The backtrace',
    body: 'Start the top-down pass from the predicted class or any other class (a counterfactual), and compare the rendering, gradient and deconvnet variants.',
    target: (doc) => fieldsetByLegend(doc, 'Backtrace and view'),
  },
  {
    id: 'panels',
    title: 'The panels',
    body: 'Each tab explains one idea: the DP step by step, the active rendering paths, saliency per level, rendering, the training dashboard, and a glossary from convnet terms to DRMM terms. Arrow keys move between tabs.',
    target: (doc) => doc.querySelector('nav.panel-tabs'),
  },
  {
    id: 'figures',
    title: 'The figures',
    body: 'Every map is the model’s own numbers: feature maps, a-switches (ON/OFF), t-switches (where in each pooling window), and the top-down signal. The export buttons save a figure as PNG or SVG and its data as CSV.',
    target: (doc) => doc.querySelector('section.panel .digit-view') ?? doc.querySelector('section.panel'),
  },
  {
    id: 'share',
    title: 'Teaching with it',
    body: 'Lecture mode (key L) shows one panel at a time in large type; PageDown and PageUp, which presentation clickers send, move between panels, and Esc leaves. “Copy link” gives a URL that reopens exactly this view.',
    target: (doc) => doc.querySelector('.header-tools'),
  },
];

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

/**
 * Where to put the card (fixed position): below the target when it fits, else above, else beside
 * the viewport's bottom; always inside the viewport. Without a target: the bottom-right corner,
 * where it covers the least of the page.
 */
export function placeCard(target: Rect | null, card: { width: number; height: number }, view: { width: number; height: number }, gap = 12): { left: number; top: number } {
  const margin = 8;
  const clampX = (x: number) => Math.max(margin, Math.min(view.width - card.width - margin, x));
  const clampY = (y: number) => Math.max(margin, Math.min(view.height - card.height - margin, y));
  if (!target) return { left: clampX(view.width - card.width - 16), top: clampY(view.height - card.height - 16) };
  const left = clampX(target.left);
  const below = target.top + target.height + gap;
  if (below + card.height + margin <= view.height) return { left, top: below };
  const above = target.top - gap - card.height;
  if (above >= margin) return { left, top: above };
  return { left, top: clampY(view.height - card.height - margin) };
}
