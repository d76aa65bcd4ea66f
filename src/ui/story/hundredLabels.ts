/**
 * What the last story card ("Learning with and without labels") compares, as plain data and pure
 * functions: the shipped models it reads (public/models/index.json names them; the card takes the
 * test errors from there), the 100 labelled training images a model file records
 * (`training.labelledIndices`, written by the training core and checked by
 * scripts/record-labelled.ts), grouped by class for the grid, and the test digits it runs through
 * both models. The component is HundredLabels.tsx.
 */
import type { ShippedModel } from '../store';

/** The shipped models the card compares (files under public/models/). */
export const HUNDRED_LABEL_FILES = {
  /**
   * Semi-supervised EG drmm-compact: CE + 0.5 RC + 0.1 KL + 0.3 class balance, 100 labels, seed 2,
   * 3 epochs with the rate halved each epoch after the first (runs/ssl100-klbal03-e3-s2, its last
   * weights: the run kept no others).
   */
  drmm: 'drmm-compact-100labels.drmm',
  /**
   * The same network as a convnet: CE + the same entropy and class-balance terms, no rendering, the
   * same labels and schedule (runs/ssl100-convnet-entbal-e3-s2, the weights of its best validation point).
   */
  convnet: 'convnet-compact-100labels.drmm',
  /** The supervised model trained on all 60,000 labels (the app's default). */
  supervised: 'drmm-compact.drmm',
  /**
   * The best DRMM on the same 100 labels: self-training in two rounds, each a student from a random
   * start on every pool image's class by label propagation over its teacher's features (the first
   * teacher the DRMM above, the second the first round's student; runs/ssl100-lp2all-s2's weights
   * at its best validation point, the better of the two rounds on validation;
   * docs/TRAINING.md, "Self-training"). The story quotes it; the card's comparison stays the pair
   * above, which had one budget and no self-training.
   */
  selfTrained: 'drmm-compact-100labels-selftrained.drmm',
} as const;

/** Rounds of self-training behind HUNDRED_LABEL_FILES.selfTrained (a unit test follows its teachers back). */
export const SELF_TRAINING_ROUNDS = 2;

/** Passes over the training images both 100-label models made (their runs' `epochs`; a unit test reads the files). */
export const HUNDRED_LABEL_EPOCHS = 3;

/**
 * The convnet on the same 100 labels with cross-entropy alone (runs/ssl100-convnet-s1, at its best
 * validation accuracy, docs/RESULTS.md): not shipped, so its figure is quoted here.
 */
export const CONVNET_CE_ONLY_TEST_ERROR = 0.1581;

/** The host slots the card's two models live in, beside the panels' 'pretrained' and 'training'. */
export const HUNDRED_LABEL_SLOTS = { drmm: 'story-drmm-100', convnet: 'story-convnet-100' } as const;

/** Test digits the card runs through both models. */
export const COMPARED_DIGITS = 5;

/** The shipped entry for a file, or null when this deployment does not ship it. */
export function shippedEntry(list: ShippedModel[], file: string): ShippedModel | null {
  return list.find((m) => m.file === file) ?? null;
}

/** A test error as the card writes it: "12.91%". */
export function pctError(e: number): string {
  return `${(100 * e).toFixed(2)}%`;
}

/**
 * The labelled images a model file's training record names, checked against the training set:
 * whole indices below `trainCount`, no repeats, as many as `training.labelled` says. Null for a
 * record without them (a supervised model); an error for a record that names them badly.
 */
export function recordedLabelled(training: unknown, trainCount: number): number[] | null {
  if (!training || typeof training !== 'object') return null;
  const t = training as Record<string, unknown>;
  if (t.labelledIndices === undefined) return null;
  const li = t.labelledIndices;
  if (!Array.isArray(li) || !li.every((i) => Number.isInteger(i) && i >= 0 && i < trainCount)) throw new Error(`the model file's labelledIndices are not indices into the ${trainCount} training images`);
  if (new Set(li).size !== li.length) throw new Error('the model file names a labelled image twice');
  if (typeof t.labelled === 'number' && t.labelled !== li.length) throw new Error(`the model file names ${li.length} labelled images but says it used ${t.labelled}`);
  return li as number[];
}

/** The labelled images grouped by their class (0..classes-1), each group in index order. */
export function byClass(indices: number[], labels: ArrayLike<number>, classes = 10): number[][] {
  const groups: number[][] = Array.from({ length: classes }, () => []);
  for (const i of [...indices].sort((a, b) => a - b)) {
    const y = labels[i];
    if (!(y >= 0 && y < classes)) throw new Error(`training image ${i} has label ${y}, outside 0..${classes - 1}`);
    groups[y].push(i);
  }
  return groups;
}

/** The `count` test digits from `first` on (wrapping at the end of the test set). */
export function comparedDigits(first: number, count: number, testCount: number): number[] {
  if (testCount <= 0) return [];
  const n = Math.min(count, testCount);
  const start = ((Math.trunc(first) % testCount) + testCount) % testCount;
  return Array.from({ length: n }, (_, k) => (start + k) % testCount);
}

/**
 * The grid of labelled images as RGBA (white ink on black, as MNIST): one row per class, one 28x28
 * cell per image, rows as long as the largest class. `pixels` is the training set's bytes.
 */
export function gridRgba(groups: number[][], pixels: Uint8Array, rows = 28, cols = 28): { rgba: Uint8ClampedArray<ArrayBuffer>; width: number; height: number } {
  const per = rows * cols;
  const across = Math.max(1, ...groups.map((g) => g.length));
  const width = across * cols;
  const height = groups.length * rows;
  const rgba = new Uint8ClampedArray(4 * width * height);
  for (let i = 3; i < rgba.length; i += 4) rgba[i] = 255;
  groups.forEach((g, r) =>
    g.forEach((idx, c) => {
      if ((idx + 1) * per > pixels.length) throw new Error(`training image ${idx} is beyond the ${Math.floor(pixels.length / per)} loaded`);
      for (let y = 0; y < rows; y++)
        for (let x = 0; x < cols; x++) {
          const v = pixels[idx * per + y * cols + x];
          const o = 4 * ((r * rows + y) * width + c * cols + x);
          rgba[o] = rgba[o + 1] = rgba[o + 2] = v;
        }
    }),
  );
  return { rgba, width, height };
}

/** What a run's log says of its evaluations: the last one, and the one at the best validation accuracy (the first on ties). */
export interface EvalPick {
  last: { step: number; testError: number } | null;
  bestValidation: { step: number; testError: number; validationAccuracy: number } | null;
}

/** Reads a training record's metrics (the rows that carry a test accuracy). */
export function evaluations(training: unknown): EvalPick {
  const metrics = training && typeof training === 'object' && Array.isArray((training as { metrics?: unknown }).metrics) ? ((training as { metrics: unknown[] }).metrics) : [];
  let last: EvalPick['last'] = null;
  let best: EvalPick['bestValidation'] = null;
  for (const m of metrics) {
    if (!m || typeof m !== 'object') continue;
    const r = m as Record<string, unknown>;
    if (typeof r.testAccuracy !== 'number' || typeof r.step !== 'number') continue;
    last = { step: r.step, testError: 1 - r.testAccuracy };
    if (typeof r.validationAccuracy === 'number' && (!best || r.validationAccuracy > best.validationAccuracy))
      best = { step: r.step, testError: 1 - r.testAccuracy, validationAccuracy: r.validationAccuracy };
  }
  return { last, bestValidation: best };
}
