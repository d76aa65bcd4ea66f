/**
 * The story's words, one entry per card of cards.ts (same ids): a few sentences that say what the
 * view now shows, things to try, and where a claim comes from when it is not the paper's (the
 * lecture slides, or derived here: docs/MODEL.md section 5). Live numbers come from the store.
 *
 * Glossary terms open in place (TermLink). No link text contains "back" or "next": the story's
 * own buttons are named Back and Next, and scripts find them by those names.
 */
import { useMemo, type ReactNode } from 'react';
import { topDownNonnegative } from '../../engine';
import { TermLink } from '../about/TermLink';
import { DEFAULT_RENDERING_FIGURES, RENDERS_FIGURES } from '../modelFiles';
import { useRendersModel } from '../render/RendersOffer';
import { inferenceKey, useApp } from '../store';
import { COUNTERFACTUAL_CLASS, COUNTERFACTUAL_LABEL } from './cards';
import { HUNDRED_LABEL_EPOCHS, HUNDRED_LABEL_FILES, pctError, shippedEntry } from './hundredLabels';
import { ambiguousDigit, log10Settings, onFraction } from './pick';

export interface CardText {
  body: ReactNode;
  tries: ReactNode[];
  /** Where the card's claims come from, when not the paper. */
  source?: string;
}

function useCurrent() {
  return useApp((s) => (s.result && s.result.key === inferenceKey(s) ? s.result : null));
}

/** How many ways there are to set this model's switches, as a power of ten. */
function SettingsCount() {
  const spec = useApp((s) => s.spec);
  return (
    <strong>
      10<sup>{Math.floor(log10Settings(spec)).toLocaleString('en-US')}</sup>
    </strong>
  );
}

function PredictedClass() {
  const r = useCurrent();
  return <strong>{r ? r.result.forward.pred[0] : '…'}</strong>;
}

function OnShare({ level }: { level: number }) {
  const r = useCurrent();
  return <strong>{r ? `${Math.round(100 * onFraction(r.result.forward, level))}%` : '…'}</strong>;
}

/** A shipped model's test error, from models/index.json (what tests/gpu/shippedModels.test.ts re-measures). */
function ShippedError({ file }: { file: string }) {
  const m = useApp((s) => shippedEntry(s.shippedModels, file));
  return <strong>{m ? pctError(m.testError) : '…'}</strong>;
}

/** Whether the shown model keeps z(l) >= 0 (templates above level 1 and class templates nonnegative): then the DP is exact MAP. */
function ExactOrRelaxed() {
  const params = useApp((s) => s.params);
  const exact = useMemo(() => topDownNonnegative(params), [params]);
  return exact ? (
    <>This model’s templates above level 1 and its class templates are nonnegative, so here it is exact.</>
  ) : (
    <>With signed weights, as here, it is a relaxation of it.</>
  );
}

/**
 * How far the shown model's counterfactuals are to be trusted: the default model's mostly keep the
 * digit's own shape (DEFAULT_RENDERING_FIGURES: 7.62% recognised as their class); the shipped
 * NN-DRMM was trained so that they do not (RENDERS_FIGURES); tests/gpu/shippedModels.test.ts
 * re-measures both.
 */
function CounterfactualCaveat() {
  const { entry: renders, loaded } = useRendersModel();
  const share = pctError(RENDERS_FIGURES.counterfactualRecognised);
  if (loaded) return <> Recognised as their class: {share} of this model’s counterfactuals (it was trained for it).</>;
  return <> Recognised as their class: {pctError(DEFAULT_RENDERING_FIGURES.counterfactualRecognised)} of the default model’s counterfactuals{renders ? `, ${share} of “Renders what it claims”’s` : ''}.</>;
}

/** Which digit the counterfactual card brought in, and why (the test set's classification may not be there yet). */
function WhichDigit() {
  const custom = useApp((s) => s.custom !== null);
  const digit = useApp((s) => s.digitIndex);
  const labels = useApp((s) => s.test?.labels ?? null);
  const predictions = useApp((s) => (s.testPredictions && s.testPredictions.modelVersion === s.modelVersion ? s.testPredictions : null));
  if (custom) return <>Here it is your own input.</>;
  const label = labels && digit < labels.length ? labels[digit] : null;
  const pNine = predictions && digit < predictions.done && predictions.pred[digit] >= 0 ? predictions.probs[digit * predictions.classes + COUNTERFACTUAL_CLASS] : null;
  const picked = pNine !== null && ambiguousDigit(labels, predictions, COUNTERFACTUAL_LABEL, COUNTERFACTUAL_CLASS, -1) === digit;
  return (
    <>
      Test digit {digit}
      {label !== null ? `, a ${label}` : ''}
      {pNine !== null ? `, which the model gives p(${COUNTERFACTUAL_CLASS} | I) = ${pNine.toPrecision(2)}` : ''}
      {picked ? `: of all the test ${COUNTERFACTUAL_LABEL}s, the one it finds most like a ${COUNTERFACTUAL_CLASS}.` : '.'}
    </>
  );
}

const SLIDES = 'From the lecture slides (the DP tutorial), not the paper.';

export const STORY_TEXTS: Record<string, CardText> = {
  rendered: {
    body: (
      <>
        The DRMM says every digit was <em>rendered</em>: pick a class, then at every level choose <em>where</em> each part goes (the translation t) and{' '}
        <em>whether</em> it is drawn (the switch a), and paint with that level’s <TermLink term="weights">templates</TermLink>, down to the pixels. To
        recognise a digit is to find the class and the switches that render it best: for this model <SettingsCount /> settings, which a dynamic program
        searches in one pass. On the right, your digit rendered by the class the model chose.
      </>
    ),
    tries: ['Draw a digit on the pad, or step through the test digits with ◀ ▶.', 'Click a class under “render as”: the same switches, another class.'],
  },
  'shortest-path': {
    body: (
      <>
        The cheapest route from S to T. Checking every route is exponential; the DP keeps, for each node, its best cost to T within ℓ edges and the
        node that route goes to (a back-pointer):{' '}
        <span className="formula">
          d<sub>x</sub>(ℓ) = min<sub>y</sub> [w(x,y) + d<sub>y</sub>(ℓ−1)]
        </span>
        . S’s best guess changes at every ℓ: a superseded hypothesis is never used again.
      </>
    ),
    tries: ['ℓ + 1 until nothing changes, then trace the route from S.', 'Make B→C cost 9: which pointers change?'],
    source: SLIDES,
  },
  unrolled: {
    body: (
      <>
        One copy of the nodes per ℓ: each copy takes the best of its edges from the layer before and remembers which. That is a convnet: layer ℓ is
        level ℓ, a copy is a unit, the min over edges is the max over a and t, the pointers are the <TermLink term="relu">switches</TermLink>, and
        tracing the route from S is rendering from the class.
      </>
    ),
    tries: ['Step ℓ down and up: a layer only needs the layer below it.'],
    source: SLIDES,
  },
  relu: {
    body: (
      <>
        Maximise zᵀ diag(a) u over a ∈ {'{0,1}'}
        <sup>D</sup>. Push the max to the right: each aᵢ is chosen alone, âᵢ = [zᵢuᵢ &gt; 0], and the max is Σ ReLU(zᵢuᵢ). With z ≥ 0 that is
        zᵀ ReLU(u): the convnet’s <TermLink term="relu">ReLU</TermLink>. With a prior on a, its bias is the log prior odds ln(π<sub>ON</sub>/π
        <sub>OFF</sub>).
      </>
    ),
    tries: ['Make z₂ positive: does the best a change, and does zᵀReLU(u) now agree?'],
    source: 'The exercise is the slides’; the bias as log prior odds corrects the paper’s Eq. 3 (derived, docs/MODEL.md).',
  },
  match: {
    body: (
      <>
        Bottom-up, level 1 slides each of its templates over the image: u = W ∗ x + b scores how well each template, drawn right there, explains the
        pixels (<TermLink term="template-matching">template matching</TermLink>: a log-likelihood up to a constant; b is the template’s log prior).
        The selected unit is the most active one; its card shows the sum with the real numbers.
      </>
    ),
    tries: ['Hover a unit: its receptive field lights up on the input.', 'Click another unit to see its sum.'],
  },
  'max-a': {
    body: (
      <>
        For every unit the DP asks: is this part drawn (a = 1) or not (a = 0)? Keeping the better of the two, max(0, u), is the{' '}
        <TermLink term="relu">ReLU</TermLink>, and the choice is saved as an a-switch. For this digit <OnShare level={1} /> of level 1’s switches are
        ON; an OFF unit carries no <TermLink term="rendering-path">rendering path</TermLink>.
      </>
    ),
    tries: ['Draw a thinner or thicker stroke: how many switches are ON now?'],
  },
  'max-t': {
    body: (
      <>
        A part may sit at any of the 4 positions of a 2×2 window. The DP keeps the best and writes down which in a t-switch: that is{' '}
        <TermLink term="max-pool">max-pooling</TermLink>. The pooled map is half the size and tolerates small shifts; the t-switches remember where
        things were.
      </>
    ),
    tries: ['Move your drawing a pixel to the side: the pooled values barely change, the t-switches do.'],
  },
  'convnet-is-dp': {
    body: (
      <>
        Every level repeats the three moves on the level below: template matching, max over a, max over t. Each unit then holds the best score of any
        way to render the pixels under it: a DP table entry, like d<sub>x</sub>(ℓ). Stacked, they are a convnet’s{' '}
        <TermLink term="forward-pass">forward pass</TermLink>. This is exact joint MAP inference for the nonnegative model (NN-DRMM).{' '}
        <ExactOrRelaxed />
      </>
    ),
    tries: ['Pause the animation and scrub the timeline.', 'Click a level to open its channels.'],
  },
  scores: {
    body: (
      <>
        At the top each class template μ<sub>c</sub> is matched against the last level: s<sub>c</sub> = ⟨μ<sub>c</sub>, x(L)⟩ + b<sub>c</sub> (the{' '}
        <TermLink term="class-scores">class scores</TermLink>). The largest wins: ĉ = <PredictedClass />. The DP’s first half is done: it has the best
        class and every switch that led to it.
      </>
    ),
    tries: ['Compare the score bars on the right: how far below the best is the runner-up?'],
  },
  backtrace: {
    body: (
      <>
        Now follow the pointers down. Start from class ĉ’s template, unpool through the t-switches (each value goes to its chosen position), mask by the
        a-switches (OFF parts stay dark), and paint with the same templates, level after level, down to the pixels. What arrives is the{' '}
        <TermLink term="reconstruction">reconstruction</TermLink> Î: the model’s rendering of your digit, the second half of the same DP.
      </>
    ),
    tries: ['Scrub the timeline through the top-down steps.', 'Pick “render as” another class: the same switches, another template.'],
  },
  paths: {
    body: (
      <>
        Each pixel of Î is a sum over <TermLink term="rendering-path">rendering paths</TermLink> from the class: one unit per level, every switch on
        the way ON and every position the chosen one. Only a sparse set of paths is active; the overview draws a sample of them, the Active paths tab
        below counts them.
      </>
    ),
    tries: ['Select a unit: the paths through it, up to the class and down to the pixels.'],
  },
  counterfactual: {
    body: (
      <>
        Keep the switches, change the class: rendered from class {COUNTERFACTUAL_CLASS} through this digit’s switches, the model draws a{' '}
        {COUNTERFACTUAL_CLASS} with this digit’s nuisances. <WhichDigit />
        <CounterfactualCaveat />
      </>
    ),
    tries: [`Draw a ${COUNTERFACTUAL_LABEL} that could be a ${COUNTERFACTUAL_CLASS}: which switches flip?`],
  },
  levels: {
    body: (
      <>
        Stroke fragments are scattered over the input. Follow the top-down signal level by level: deeper levels should keep the evidence on the digit
        and drop the clutter, since only the active paths, the task-relevant pixels, reach them. Does this model? The Saliency tab below measures each
        level’s <TermLink term="saliency">saliency</TermLink> on the clutter.
      </>
    ),
    tries: ['Raise the clutter, or switch to noise, in Settings.', 'Select a unit: its saliency, level by level.'],
    source: 'A prediction of the lecture slides (saliency on the background falls with depth), not a result of the paper.',
  },
  learning: {
    body: (
      <>
        <TermLink term="eg">EG</TermLink> also fits the reconstruction error ‖I − Î‖², which needs no label, so unlabelled images teach too. Both models here saw only the 100 labelled images shown (and 59,000 without labels, {HUNDRED_LABEL_EPOCHS} epochs). The DRMM,
        with a sharpening entropy term and a class-balance term too, gets <ShippedError file={HUNDRED_LABEL_FILES.drmm} /> test error; the same network as a
        convnet with only those two terms gets <ShippedError file={HUNDRED_LABEL_FILES.convnet} />: within what another seed changes, so the gain
        is those terms’. Self-trained by label propagation (same labels), our DRMM gets <ShippedError file={HUNDRED_LABEL_FILES.selfTrained} />; the paper’s larger one 3.50%.
      </>
    ),
    tries: ['Step through the digits with ◀ ▶.', 'Pick a 100-label model in the Model menu.'],
    source: 'The 3.50% is the paper’s (Table 1); our runs are in docs/RESULTS.md.',
  },
};
