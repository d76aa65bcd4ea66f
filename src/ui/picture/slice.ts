/**
 * The store's `picture` slice: the state of the first screen's picture of the DP (issue 14) that
 * several views share. Plain data only. What it does not hold lives elsewhere in the store: the DP
 * step the picture shows (`stepIndex`, the stepper's, also in the URL), the selected unit (`unit`),
 * the class the backtrace starts from (`start`: a click on a class renders the counterfactual).
 *
 * - expanded: the level (1-based) whose channels are expanded in place in the overview, or null.
 * - hover: what the pointer is over in any view (a unit, or an input pixel): every view highlights
 *   its receptive field, its inputs below, what it feeds above and its value. Transient (not in
 *   the URL).
 * - playing / speed: the DP animation (steps a second); the step itself is `stepIndex`.
 * - complete: the picture shows the whole DP (both flows) rather than the state at `stepIndex`;
 *   a new input shows it complete, playing or scrubbing the timeline leaves it.
 * - paths: whether the overview draws the active rendering paths of the selection.
 * - story: the story card shown (index into the story's cards), or null when the story is closed.
 * - settingsOpen: the settings drawer (model, input, view settings).
 */
import type { StateCreator } from 'zustand';
import type { AppState, UnitRef } from '../store';

export type HoverTarget = { kind: 'unit'; unit: UnitRef } | { kind: 'pixel'; y: number; x: number };

export interface PictureState {
  expanded: number | null;
  hover: HoverTarget | null;
  playing: boolean;
  speed: number;
  complete: boolean;
  paths: boolean;
  story: number | null;
  settingsOpen: boolean;
}

export interface PictureSlice {
  picture: PictureState;
  setPicture(p: Partial<PictureState>): void;
}

export const SPEED_CHOICES = [0.5, 1, 2, 4] as const;

export function initialPicture(): PictureState {
  return { expanded: null, hover: null, playing: false, speed: 1, complete: true, paths: false, story: 0, settingsOpen: false };
}

/** Two hover targets name the same thing (so a pointer move over one unit does not re-render). */
export function sameHover(a: HoverTarget | null, b: HoverTarget | null): boolean {
  if (a === b) return true;
  if (!a || !b || a.kind !== b.kind) return false;
  if (a.kind === 'pixel' && b.kind === 'pixel') return a.y === b.y && a.x === b.x;
  if (a.kind === 'unit' && b.kind === 'unit') {
    const u = a.unit;
    const v = b.unit;
    return u.level === v.level && u.stage === v.stage && u.channel === v.channel && u.y === v.y && u.x === v.x;
  }
  return false;
}

export const createPictureSlice: StateCreator<AppState, [], [], PictureSlice> = (set) => ({
  picture: initialPicture(),
  setPicture: (p) =>
    set((s) => {
      if (p.hover !== undefined && Object.keys(p).length === 1 && sameHover(p.hover, s.picture.hover)) return {};
      return { picture: { ...s.picture, ...p } };
    }),
});
