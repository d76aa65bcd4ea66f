/**
 * Opening a story card: the card's view goes into the store (cards.ts says what it is).
 *
 * - 'navigate' (Next, Back, a dot, the clicker): the whole view the card states.
 * - 'link' (a shared link opened at a card): only what a link cannot carry (the picture's
 *   expanded level, whole DP or a step, drawn paths); the digit, the step, the unit, the class,
 *   the clutter, the variant and the tab come from the link itself. Nothing starts playing.
 */
import type { AppStore } from '../store';
import { STORY_COUNT, cardState, clampCard, type StoryContext } from './cards';

export type OpenMode = 'navigate' | 'link';

/** The context a card's view is resolved in: the shown model, its current result, the test set. */
export function storyContext(store: AppStore): StoryContext {
  const s = store.getState();
  // The last result, current or not: the unit a card picks is the most active one of the input on
  // show (a result still being replaced by a new one is the best guess there is).
  const predictions = s.testPredictions && s.testPredictions.modelVersion === s.modelVersion ? s.testPredictions : null;
  return { spec: s.spec, result: s.result, labels: s.test?.labels ?? null, predictions };
}

export function openCard(store: AppStore, index: number, mode: OpenMode): void {
  const i = clampCard(index);
  const st = cardState(i, storyContext(store));
  const s = store.getState();
  if (mode === 'link') {
    s.setPicture({ story: i, complete: st.picture.complete, expanded: st.picture.expanded, paths: st.picture.paths, playing: false });
    return;
  }
  // The input first (a new digit makes a new inference), then the view of it.
  if (st.digitIndex !== null && (st.digitIndex !== s.digitIndex || s.custom)) s.setDigitIndex(st.digitIndex);
  const c = s.clutter;
  if (c.kind !== st.clutter.kind || c.amount !== st.clutter.amount || c.seed !== st.clutter.seed) s.setClutter(st.clutter);
  if (st.variant && st.variant !== s.variant) s.setVariant(st.variant);
  if (st.start !== s.start) s.setStart(st.start);
  if (st.panel && st.panel !== s.panel) s.setPanel(st.panel);
  const u = s.unit;
  const v = st.unit;
  const sameUnit = u === v || (!!u && !!v && u.level === v.level && u.stage === v.stage && u.channel === v.channel && u.y === v.y && u.x === v.x);
  if (!sameUnit) s.setUnit(v);
  if (st.stepIndex !== null && st.stepIndex !== s.stepIndex) s.setStepIndex(st.stepIndex);
  s.setPicture({ story: i, ...st.picture });
}

/** The card an action leads to from `index` (no wrapping: a talk has a first and a last card). */
export function moveCard(index: number, action: 'next' | 'prev' | 'first' | 'last'): number {
  if (action === 'first') return 0;
  if (action === 'last') return STORY_COUNT - 1;
  return clampCard(index + (action === 'next' ? 1 : -1));
}
