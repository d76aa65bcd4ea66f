/**
 * Summaries of training runs for docs/RESULTS.md, from their logs (finished or stopped runs) or
 * checkpoints (runs in progress): what each reached, when it first reached a test error, and the
 * DRMM (EG) against the convnet baseline on the same seed and data order.
 */

/** One evaluation of a run: where in training it was taken, and the test accuracy there. */
export interface Evaluation {
  epoch: number;
  testAccuracy: number;
  /** Accuracy on the run's held-out validation images, when it held some out. */
  validationAccuracy?: number;
}

export interface RunSummary {
  name: string;
  preset: string;
  /** The templates a level, e.g. "16, 32" (a preset's shape can change between runs); '?' if unknown. */
  shape: string;
  mode: string;
  seed: number;
  labelled: number | null;
  /** The run's config: loss weights, lr schedule, augmentation, the model it started from. */
  augment: number;
  init: string | null;
  finished: boolean;
  /** Epochs trained so far (fractional for a run stopped mid-epoch). */
  epochs: number;
  wallSeconds: number;
  evaluations: Evaluation[];
  /** A run whose model is its averaged parameters: the last iterate's test error, and the samples averaged. */
  averaged?: { samples: number; lastIterateError: number };
  /** The loss weights (a typed config's, when the log has one). */
  weights?: { rc: number; kl: number; nn: number; bal?: number; cr?: number };
  /** The contrastive rendering term's margin (a run with weights.cr > 0). */
  crMargin?: number;
  /** The KL term's sign: 'flatten' (each unlabelled prediction pulled towards the uniform prior) or 'sharpen' (the default). */
  klSign?: string;
  /** Epochs planned: the run's budget. */
  budget?: number;
  /** Self-training: the teacher the pseudo-labels came from and how many there were. */
  pseudo?: { source: string; count: number };
  /** The nonnegativity constraint the run trained under ('none' unless the config names one). */
  nonnegative?: string;
}

/**
 * The first evaluation at which the test error was at most `error` (e.g. 0.015), as the epoch it
 * was taken at; null if none was. Evaluations are taken in the order of the run.
 */
export function epochsToError(evals: Evaluation[], error: number): number | null {
  // Accuracies are stored as fractions of the 10,000 test images: compare in whole images, so
  // that 98.50% counts as reaching 1.5% whatever the rounding of 1 - 0.985.
  const wrongAllowed = Math.round(error * 10_000);
  for (const e of evals) if (Math.round((1 - e.testAccuracy) * 10_000) <= wrongAllowed) return e.epoch;
  return null;
}

/** The evaluation closest to `epoch` (within half an evaluation interval), or null. */
export function errorAt(evals: Evaluation[], epoch: number, tolerance = 0.02): number | null {
  let best: Evaluation | null = null;
  for (const e of evals) if (Math.abs(e.epoch - epoch) <= tolerance && (!best || Math.abs(e.epoch - epoch) < Math.abs(best.epoch - epoch))) best = e;
  return best ? 1 - best.testAccuracy : null;
}

/**
 * A run's evaluations in order, one per point in training: the log of an early version of the
 * CLI recorded the end of an epoch twice (the last step, and again at the next epoch's step 0);
 * the later record, at the whole epoch, is kept.
 */
export function evaluationsOf(metrics: { epoch: number; testAccuracy?: number; validationAccuracy?: number }[]): Evaluation[] {
  const out: Evaluation[] = [];
  for (const m of metrics) {
    if (m.testAccuracy === undefined) continue;
    const prev = out[out.length - 1];
    if (prev && Math.abs(prev.epoch - m.epoch) < 0.005) out.pop();
    out.push({ epoch: m.epoch, testAccuracy: m.testAccuracy, ...(typeof m.validationAccuracy === 'number' ? { validationAccuracy: m.validationAccuracy } : {}) });
  }
  return out;
}

/**
 * The evaluation a careful run would pick: the best validation accuracy (the first of equals), or
 * null without validation. Its test accuracy is what the run reports, never the best test one.
 */
export function chosenByValidation(evals: Evaluation[]): Evaluation | null {
  let best: Evaluation | null = null;
  for (const e of evals) if (e.validationAccuracy !== undefined && (!best || e.validationAccuracy > best.validationAccuracy!)) best = e;
  return best;
}

/** Pairs of (EG, convnet) runs of the same preset and seed, neither augmented nor started from another model. */
export function pairs(runs: RunSummary[]): { seed: number; preset: string; eg: RunSummary; convnet: RunSummary }[] {
  // Pairs differ in the objective only: no augmentation, no starting model, no nonnegativity
  // constraint (the projected runs have no convnet twin), no contrastive rendering term, no pilots.
  const plain = runs.filter((r) => r.augment === 0 && !r.init && (r.nonnegative ?? 'none') === 'none' && !r.weights?.cr && !r.name.includes('/pilots/'));
  const out: { seed: number; preset: string; eg: RunSummary; convnet: RunSummary }[] = [];
  for (const eg of plain.filter((r) => r.mode === 'supervised')) {
    const convnet = plain.find((r) => r.mode === 'convnet' && r.seed === eg.seed && r.preset === eg.preset && r.shape === eg.shape);
    if (convnet) out.push({ seed: eg.seed, preset: eg.preset, eg, convnet });
  }
  return out.sort((a, b) => a.preset.localeCompare(b.preset) || a.eg.shape.localeCompare(b.eg.shape) || a.seed - b.seed);
}

/** A spec's template counts, level by level: "12, 24". */
export function shapeOf(spec: { levels: { channels: number }[] }): string {
  return spec.levels.map((l) => l.channels).join(', ');
}

export const pct = (e: number | null, digits = 2): string => (e === null ? '-' : `${(100 * e).toFixed(digits)}%`);
