/**
 * The story: its cards in order, and the view each card sets (pure data and functions; the words
 * are in StoryTexts.tsx, the strip in StoryStrip.tsx).
 *
 * A card drives the view through the store only: the DP step shown and whether the picture shows
 * the whole DP or plays it, the expanded level, the selected unit, the class the backtrace starts
 * from, the clutter, the backtrace variant, the drawn paths, the test digit, and the deeper tab.
 * Each card states every one of these it cares about (a card never depends on the card before
 * it, so Back, a dot or a link land on the same view as Next); the input (digit, drawing) is left
 * alone except where a card names a digit.
 */
import type { ModelSpec, Variant } from '../../engine';
import type { PictureState } from '../picture/slice';
import { stepsFor, type Step } from '../stepper/steps';
import { NO_CLUTTER, type Clutter, type PanelId, type StartChoice, type TestPredictions, type UnitRef, type ViewResult } from '../store';
import { ambiguousDigit, firstPoolLevel, mostActiveUnit } from './pick';

/** An interactive piece a card shows beside its words. */
export type StoryWidget = 'shortest-path' | 'unrolled' | 'relu' | 'flips' | 'hundred-labels';

/** Which DP step a card shows: a step's id pattern, resolved against the model's steps. */
export type StepRef = 'first' | 'match-1' | 'relu-1' | 'first-pool' | 'argmax' | 'top-down' | 'pixels';

export interface CardView {
  /** The DP step to show; null leaves it. */
  step: StepRef | null;
  complete: boolean;
  playing: boolean;
  /** The level expanded in place (1-based), or null. */
  expanded: number | null;
  paths: boolean;
  /** The unit to select: the most active one on level 1's ReLU map or the first pooled map; null selects none. */
  unit: 'active-relu-1' | 'active-pool' | null;
  start: StartChoice;
  clutter: Clutter;
  /** The backtrace variant; null leaves the student's choice. */
  variant: Variant | null;
  /** A test digit to bring in; null leaves the input. */
  digit: 'four-like-nine' | null;
  /** The deeper tab to open below the first screen; null leaves it. */
  panel: PanelId | null;
}

export interface StoryCard {
  id: string;
  title: string;
  widget?: StoryWidget;
  view: CardView;
}

/** The view of a card that changes nothing but what every card states. */
const BASE: CardView = {
  step: null,
  complete: true,
  playing: false,
  expanded: null,
  paths: false,
  unit: null,
  start: 'predicted',
  clutter: NO_CLUTTER,
  variant: null,
  digit: null,
  panel: null,
};

const card = (id: string, title: string, view: Partial<CardView>, widget?: StoryWidget): StoryCard => ({ id, title, widget, view: { ...BASE, ...view } });

/** The class the "could it be a 9?" card renders its 4 as. */
export const COUNTERFACTUAL_CLASS = 9;
export const COUNTERFACTUAL_LABEL = 4;
/** MNIST test digit 4 is a 4: the card's digit before the test set or its classification is in. */
export const COUNTERFACTUAL_FALLBACK_DIGIT = 4;
/** The clutter of the "what each level keeps" card: stroke fragments, clearly visible, fixed seed. */
export const STORY_CLUTTER: Clutter = { kind: 'fragments', amount: 0.4, seed: 1 };

export const STORY_CARDS: StoryCard[] = [
  card('rendered', 'An image is rendered', {}),
  card('shortest-path', 'Warm-up: a shortest path, by dynamic programming', {}, 'shortest-path'),
  card('unrolled', 'The same DP, unrolled into layers', { step: 'first', complete: false }, 'unrolled'),
  card('relu', 'Warm-up: a ReLU is a max over a switch', { step: 'relu-1', complete: false, expanded: 1 }, 'relu'),
  card('match', 'Level 1: template matching', { step: 'match-1', complete: false, expanded: 1, unit: 'active-relu-1' }),
  card('max-a', 'Max over a: the ReLU keeps a part or drops it', { step: 'relu-1', complete: false, expanded: 1, unit: 'active-relu-1' }),
  card('max-t', 'Max over t: max-pooling keeps the best position', { step: 'first-pool', complete: false, expanded: 1, unit: 'active-pool' }),
  card('convnet-is-dp', 'Template matching, max over a, max over t: the convnet is the DP', { step: 'first', complete: false, playing: true }),
  card('scores', 'The class scores, and the best class', { step: 'argmax', complete: false }),
  card('backtrace', 'The backtrace renders the digit', { step: 'top-down', complete: false, playing: true, variant: 'rendering' }),
  card('paths', 'Active rendering paths', { paths: true, panel: 'paths' }),
  card('counterfactual', 'Render it as another class', { start: COUNTERFACTUAL_CLASS, digit: 'four-like-nine' }, 'flips'),
  card('levels', 'What each level keeps and throws away', { clutter: STORY_CLUTTER, variant: 'rendering', panel: 'saliency' }),
  card('learning', 'Learning with and without labels', { panel: 'dashboard' }, 'hundred-labels'),
];

export const STORY_COUNT = STORY_CARDS.length;

/** A card index made valid (0 when there is nothing to clamp to). */
export function clampCard(i: number): number {
  if (!Number.isFinite(i)) return 0;
  return Math.min(STORY_COUNT - 1, Math.max(0, Math.trunc(i)));
}

/** The index of the step a card names, in this model's steps. */
export function resolveStep(ref: StepRef, steps: Step[]): number {
  const at = (pred: (s: Step) => boolean, fallback: number) => {
    const i = steps.findIndex(pred);
    return i >= 0 ? i : fallback;
  };
  switch (ref) {
    case 'first':
      return 0;
    case 'match-1':
      return at((s) => s.id === 'match-1', 0);
    case 'relu-1':
      return at((s) => s.id === 'relu-1', 0);
    case 'first-pool':
      // A model without pooling has no max over t: its ReLU step is the nearest thing.
      return at((s) => s.kind === 'pool', at((s) => s.id === 'relu-1', 0));
    case 'argmax':
      return at((s) => s.kind === 'argmax', 0);
    case 'top-down':
      return at((s) => s.phase === 'top-down', 0);
    case 'pixels':
      return at((s) => s.kind === 'pixels', steps.length - 1);
  }
}

/** What a card's view needs from the app: the model, the current result, the test set's labels and classification. */
export interface StoryContext {
  spec: ModelSpec;
  result: ViewResult | null;
  labels: Uint8Array | null;
  predictions: TestPredictions | null;
}

/** A card's view made concrete for one model and result: the values to put in the store. */
export interface StoryState {
  stepIndex: number | null;
  picture: Pick<PictureState, 'complete' | 'playing' | 'expanded' | 'paths'>;
  unit: UnitRef | null;
  start: StartChoice;
  clutter: Clutter;
  variant: Variant | null;
  digitIndex: number | null;
  panel: PanelId | null;
}

export function cardState(index: number, ctx: StoryContext): StoryState {
  const v = STORY_CARDS[clampCard(index)].view;
  const levels = ctx.spec.levels.length;
  let unit: UnitRef | null = null;
  if (v.unit === 'active-relu-1') unit = mostActiveUnit(ctx.spec, ctx.result, 1, 'relu');
  else if (v.unit === 'active-pool') {
    const l = firstPoolLevel(ctx.spec);
    unit = l === null ? mostActiveUnit(ctx.spec, ctx.result, 1, 'relu') : mostActiveUnit(ctx.spec, ctx.result, l, 'pool');
  }
  const expanded = v.expanded === null ? null : Math.min(levels, v.expanded);
  return {
    stepIndex: v.step === null ? null : resolveStep(v.step, stepsFor(ctx.spec)),
    picture: { complete: v.complete, playing: v.playing, expanded, paths: v.paths },
    unit,
    start: v.start === 'predicted' || v.start < ctx.spec.classes ? v.start : 'predicted',
    clutter: v.clutter,
    variant: v.variant,
    digitIndex: v.digit === 'four-like-nine' ? ambiguousDigit(ctx.labels, ctx.predictions, COUNTERFACTUAL_LABEL, COUNTERFACTUAL_CLASS, COUNTERFACTUAL_FALLBACK_DIGIT) : null,
    panel: v.panel,
  };
}
