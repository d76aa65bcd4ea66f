/**
 * A training run's settings as one typed, versioned record: what the page, the CLI and the CPU
 * fallback all train from, and what a checkpoint stores (as `training.config` in the model file,
 * docs/MODEL_FORMAT.md). Every field has a default, so a checkpoint written before a field existed
 * still loads (`parseRunConfig` fills it in and also reads the untyped configs of older files).
 *
 * The objective (docs/TRAINING.md, reference/train.ts):
 *   L = CE + w_rc(e) RC + s_kl w_kl(e) (H(p) - log C) + w_nn(e) NN + w_bal(e) KL(pbar || u)
 *       + w_cr(e) mean_n relu(m + e_n(y) - e_n(r))
 * (KL(pbar || u) the class balance of the batch's unlabelled predictions; the last the contrastive
 * rendering term with its margin m = `crMargin`, reference/train.ts; the weights `bal` and `cr`
 * are 0 unless set, and a config written before them reads as 0), where each
 * w(e) may ramp linearly from 0 at epoch `from` to its value at epoch `to` (a warm-up),
 * and s_kl = +1 ("sharpen": lowers the entropy of unlabelled predictions, the authors' code) or
 * -1 ("flatten": pulls p(c|I) towards the uniform prior, as the slides write the KL term).
 * The learning rate is step-decayed per epoch: lr(e) = lr decay^max(0, floor(e) - decayFrom + 1).
 */
import type { ModelKind } from '../modelFile';
import type { LossWeights, ReconVariant } from '../reference/train';
import { TRAIN_MODES, type TrainMode } from './schedule';

/**
 * The contrastive term's default margin m: in the units of e_n(c) = ||I - I_hat_c||^2 / D, the mean
 * squared error per pixel of a rendering (the `rc` of the NN-DRMM runs' logs in runs/: 0.02 to
 * 0.07), so 0.005 asks the start class's rendering to beat the rival's by a tenth to a quarter of
 * its error: a clear ranking without asking for what a rendering cannot give.
 */
export const CR_MARGIN = 0.005;

export const RUN_CONFIG_VERSION = 1;

export type { ModelKind };

/** The KL term's sign, a named choice (docs/MODEL.md section 4). */
export type KlSign = 'sharpen' | 'flatten';

/** A loss weight's warm-up: 0 before epoch `from`, linear up to its full value at epoch `to`. */
export interface Ramp {
  from: number;
  to: number;
}

export interface RunConfig {
  version: number;
  kind: ModelKind;
  mode: TrainMode;
  /** N_L, the labelled images of a semi-supervised run (null otherwise). */
  labelled: number | null;
  /** Labelled images in each semi-supervised batch, the rest drawn from the whole set; null: half the batch. */
  labelledPerBatch: number | null;
  seed: number;
  batchSize: number;
  weights: LossWeights;
  /** Warm-ups of the loss weights (none: the weight holds from the start). */
  ramps: Partial<Record<keyof LossWeights, Ramp>>;
  /** The contrastive rendering term's margin m, in mean squared error per pixel (used where weights.cr > 0). */
  crMargin: number;
  klSign: KlSign;
  /** The top-down pass the reconstruction goes through. */
  variant: ReconVariant;
  lr: number;
  lrDecay: number;
  /** The first epoch at the decayed rate (decay^1); earlier epochs run at `lr`. */
  decayFrom: number;
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number;
  /**
   * Nonnegativity enforced by projection: 'top-down' keeps the templates of every level above the
   * first and the class templates >= 0 (projected after each step, and at the start), so that the
   * rendering's top-down signal is nonnegative at every level (the NN-DRMM; the first level's
   * templates paint the pixels and stay signed); 'none': only the NN penalty, if any.
   */
  nonnegative: 'none' | 'top-down';
  /** Each training image shifted by up to this many pixels (train/augment.ts); 0: none. */
  augment: number;
  /** Polyak-Ruppert averaging of the parameters from epoch `from` (train/average.ts); null: none. */
  average: { from: number } | null;
  /** Epochs planned (the run stops there; raising it extends the run). */
  epochs: number;
  /** Where the parameters started: initParams(seed), or a model file (named, with its checksum). */
  init: { kind: 'random' } | { kind: 'file'; name: string };
  /**
   * Self-training (a semi-supervised run only): pool images given classes by a teacher model (its
   * own predictions, or label propagation over its features: scripts/pseudo-label.ts), drawn into
   * the labelled part of each batch beside the N_L true labels. `source` names the teacher. null: none.
   */
  pseudo: PseudoLabels | null;
  data: {
    source: 'mnist';
    /** The first `trainCount` training images are used (all 60,000 unless a quick trial). */
    trainCount: number;
    /** Held out of training: `count` images chosen by `seed` (train/data.ts); 0: none. */
    validation: { count: number; seed: number };
    /** Train on a class-balanced subset of this size (the CPU fallback); null: all. */
    subset: number | null;
  };
  /** When the drivers log, evaluate and checkpoint; averaging samples at evaluations and checkpoints. */
  cadence: { logEvery: number; evalsPerEpoch: number; checkpointEvery: number };
}

/** A teacher's labels for pool images: indices into the training set and their classes, in step. */
export interface PseudoLabels {
  source: string;
  indices: number[];
  labels: number[];
}

/** The default loss weights of each mode: the convnet baseline is cross-entropy only. */
export function defaultWeights(mode: TrainMode): LossWeights {
  if (mode === 'convnet') return { rc: 0, kl: 0, nn: 0 };
  return { rc: 0.5, kl: mode === 'supervised' ? 0 : 0.1, nn: 0.1 };
}

export const VALIDATION_SEED = 0x7a11d;

export function defaultRunConfig(mode: TrainMode = 'supervised', over: Partial<RunConfig> = {}): RunConfig {
  const base: RunConfig = {
    version: RUN_CONFIG_VERSION,
    kind: 'drmm',
    mode,
    labelled: mode === 'semi-supervised' ? 100 : null,
    labelledPerBatch: null,
    seed: 1,
    batchSize: 64,
    weights: defaultWeights(mode),
    ramps: {},
    crMargin: CR_MARGIN,
    klSign: 'sharpen',
    variant: 'rendering',
    lr: 1e-3,
    lrDecay: 1,
    decayFrom: 0,
    beta1: 0.9,
    beta2: 0.999,
    eps: 1e-8,
    weightDecay: 0,
    nonnegative: 'none',
    augment: 0,
    average: null,
    epochs: 1,
    init: { kind: 'random' },
    pseudo: null,
    data: { source: 'mnist', trainCount: 60000, validation: { count: 0, seed: VALIDATION_SEED }, subset: null },
    cadence: { logEvery: 50, evalsPerEpoch: 4, checkpointEvery: 200 },
  };
  return checkRunConfig({ ...base, ...over });
}

/** The learning rate of (whole) epoch e. */
export function lrAt(c: RunConfig, epoch: number): number {
  return c.lr * c.lrDecay ** Math.max(0, Math.floor(epoch) - c.decayFrom + 1);
}

/** The loss weights at fractional epoch e, ramps and the KL sign applied: what the G-step uses. */
export function weightsAt(c: RunConfig, epoch: number): LossWeights {
  const at = (k: keyof LossWeights): number => {
    const r = c.ramps[k];
    const full = c.weights[k] ?? 0;
    if (!r) return full;
    const f = r.to > r.from ? (epoch - r.from) / (r.to - r.from) : epoch >= r.from ? 1 : 0;
    return full * Math.min(1, Math.max(0, f));
  };
  return { rc: at('rc'), kl: (c.klSign === 'flatten' ? -1 : 1) * at('kl'), nn: at('nn'), bal: at('bal'), cr: at('cr') };
}

/** Whether the top-down pass takes part in the objective (not for the convnet baseline). */
export function usesTopDown(c: RunConfig): boolean {
  return c.weights.rc !== 0 || c.weights.nn !== 0 || (c.weights.cr ?? 0) !== 0;
}

// ---------------------------------------------------------------------------------------------
// checking and parsing

const fail = (msg: string): never => {
  throw new Error(`Invalid training configuration: ${msg}`);
};
const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const isObj = (v: unknown): v is Record<string, unknown> => !!v && typeof v === 'object' && !Array.isArray(v);

/** The loss weights a RunConfig holds, in the order they are written. */
export const WEIGHT_NAMES = ['rc', 'kl', 'nn', 'bal', 'cr'] as const;

/**
 * Throws a plain message for the first setting out of its range; returns c. A missing class-balance
 * or contrastive weight (a config from before the term, or weights given as {rc, kl, nn}) is set to
 * 0 in c, and a missing margin to CR_MARGIN, so that every checked config holds all five weights
 * and compares equal to its re-parsed self.
 */
export function checkRunConfig(c: RunConfig): RunConfig {
  if (isObj(c.weights) && c.weights.bal === undefined) c.weights = { ...c.weights, bal: 0 };
  if (isObj(c.weights) && c.weights.cr === undefined) c.weights = { ...c.weights, cr: 0 };
  if ((c as Partial<RunConfig>).crMargin === undefined) c.crMargin = CR_MARGIN;
  if (c.kind !== 'drmm') fail(`unknown model kind ${JSON.stringify(c.kind)}`);
  if (!TRAIN_MODES.includes(c.mode)) fail(`mode must be one of ${TRAIN_MODES.join(', ')}, got ${JSON.stringify(c.mode)}`);
  if (c.mode === 'semi-supervised') {
    if (!Number.isInteger(c.labelled) || (c.labelled as number) < 10 || (c.labelled as number) % 10 !== 0) fail(`labelled must be a positive multiple of 10 for a semi-supervised run, got ${c.labelled}`);
  } else if (c.labelled !== null) fail(`labelled is only for semi-supervised runs (mode ${c.mode})`);
  if (c.labelledPerBatch !== null && (c.mode !== 'semi-supervised' || !Number.isInteger(c.labelledPerBatch) || c.labelledPerBatch < 1 || c.labelledPerBatch >= c.batchSize))
    fail(`labelledPerBatch must be null, or 1..batch-1 in a semi-supervised run, got ${c.labelledPerBatch}`);
  if (!Number.isInteger(c.seed)) fail(`seed must be an integer, got ${c.seed}`);
  if (!Number.isInteger(c.batchSize) || c.batchSize < 2 || c.batchSize > 4096) fail(`batch size must be an integer from 2 to 4096, got ${c.batchSize}`);
  for (const k of WEIGHT_NAMES) if (!isNum(c.weights[k]) || c.weights[k]! < 0) fail(`the ${k} weight must be a number >= 0, got ${c.weights[k]}`);
  if (!isNum(c.crMargin) || c.crMargin < 0) fail(`crMargin must be a number >= 0, got ${c.crMargin}`);
  for (const [k, r] of Object.entries(c.ramps)) if (!r || !isNum(r.from) || !isNum(r.to) || r.to < r.from || r.from < 0) fail(`the ${k} ramp must have 0 <= from <= to`);
  if (c.klSign !== 'sharpen' && c.klSign !== 'flatten') fail(`klSign must be sharpen or flatten, got ${JSON.stringify(c.klSign)}`);
  if (c.variant !== 'rendering' && c.variant !== 'gradient') fail(`variant must be rendering or gradient, got ${JSON.stringify(c.variant)}`);
  if (!isNum(c.lr) || c.lr <= 0) fail(`lr must be > 0, got ${c.lr}`);
  if (!isNum(c.lrDecay) || c.lrDecay <= 0 || c.lrDecay > 1) fail(`lrDecay must be in (0, 1], got ${c.lrDecay}`);
  if (!isNum(c.decayFrom) || c.decayFrom < 0) fail(`decayFrom must be >= 0, got ${c.decayFrom}`);
  if (!(c.beta1 >= 0 && c.beta1 < 1) || !(c.beta2 >= 0 && c.beta2 < 1) || !(c.eps > 0) || !(c.weightDecay >= 0)) fail('Adam settings out of range');
  if (c.nonnegative !== 'none' && c.nonnegative !== 'top-down') fail(`nonnegative must be none or top-down, got ${JSON.stringify(c.nonnegative)}`);
  if (!Number.isInteger(c.augment) || c.augment < 0 || c.augment > 4) fail(`augment must be an integer shift from 0 to 4 px, got ${c.augment}`);
  if (c.average !== null && (!isObj(c.average) || !isNum(c.average.from) || c.average.from < 0)) fail('average.from must be an epoch >= 0');
  if (!isNum(c.epochs) || c.epochs <= 0) fail(`epochs must be > 0, got ${c.epochs}`);
  if (!isObj(c.init) || (c.init.kind !== 'random' && !(c.init.kind === 'file' && typeof c.init.name === 'string'))) fail('init must be {kind: "random"} or {kind: "file", name}');
  if ((c as Partial<RunConfig>).pseudo === undefined) c.pseudo = null;
  if (c.pseudo !== null) checkPseudo(c);
  const d = c.data;
  if (!isObj(d) || d.source !== 'mnist') fail('data.source must be "mnist"');
  if (!Number.isInteger(d.trainCount) || d.trainCount < 2) fail(`data.trainCount must be an integer >= 2, got ${d.trainCount}`);
  if (!isObj(d.validation) || !Number.isInteger(d.validation.count) || d.validation.count < 0 || d.validation.count >= d.trainCount || !Number.isInteger(d.validation.seed))
    fail('data.validation must be {count: 0..trainCount-1, seed: integer}');
  if (d.subset !== null && (!Number.isInteger(d.subset) || d.subset < 10 || d.subset % 10 !== 0)) fail(`data.subset must be null or a positive multiple of 10, got ${d.subset}`);
  const k = c.cadence;
  if (!isObj(k) || ![k.logEvery, k.evalsPerEpoch, k.checkpointEvery].every((v) => Number.isInteger(v) && v >= 1)) fail('cadence values must be integers >= 1');
  return c;
}

/** Pseudo-labels belong to a semi-supervised run: distinct image indices, each with a class 0..9. */
function checkPseudo(c: RunConfig): void {
  const p = c.pseudo!;
  if (c.mode !== 'semi-supervised') fail(`pseudo-labels are only for semi-supervised runs (mode ${c.mode})`);
  if (!isObj(p) || typeof p.source !== 'string' || !Array.isArray(p.indices) || !Array.isArray(p.labels) || p.indices.length !== p.labels.length || p.indices.length === 0)
    fail('pseudo must be {source, indices, labels} with as many labels as indices (at least one)');
  const seen = new Set<number>();
  for (let i = 0; i < p.indices.length; i++) {
    const idx = p.indices[i];
    const y = p.labels[i];
    if (!Number.isInteger(idx) || idx < 0 || seen.has(idx)) fail(`pseudo.indices must be distinct integers >= 0 (entry ${i}: ${idx})`);
    if (!Number.isInteger(y) || y < 0 || y > 9) fail(`pseudo.labels must be classes 0..9 (entry ${i}: ${y})`);
    seen.add(idx);
  }
}

/**
 * A RunConfig from a checkpoint's stored `training` record. A versioned config is checked field by
 * field (missing fields take their defaults); an older file's untyped config (the CLI's and the
 * page's before version 1) is translated from the fields it did have.
 */
export function parseRunConfig(training: Record<string, unknown>): RunConfig {
  const mode = training.mode as TrainMode;
  if (!TRAIN_MODES.includes(mode)) fail(`mode must be one of ${TRAIN_MODES.join(', ')}, got ${JSON.stringify(training.mode)}`);
  const raw = isObj(training.config) ? training.config : {};
  const base = defaultRunConfig(mode);
  const num = (v: unknown, d: number) => (isNum(v) ? v : d);
  const typed = isNum(raw.version);
  if (typed && (raw.version as number) > RUN_CONFIG_VERSION) fail(`the file's training configuration is version ${raw.version}; this app reads up to ${RUN_CONFIG_VERSION}`);
  const w = isObj(raw.weights) ? raw.weights : {};
  const avg = isObj(raw.average) ? raw.average : null;
  const data = isObj(raw.data) ? raw.data : {};
  const val = isObj(data.validation) ? data.validation : {};
  const cad = isObj(raw.cadence) ? raw.cadence : {};
  const ramps: RunConfig['ramps'] = {};
  if (isObj(raw.ramps)) for (const k of WEIGHT_NAMES) if (isObj(raw.ramps[k])) ramps[k] = { from: num((raw.ramps[k] as Record<string, unknown>).from, NaN), to: num((raw.ramps[k] as Record<string, unknown>).to, NaN) };
  const init: RunConfig['init'] = isObj(raw.init) && raw.init.kind === 'file' && typeof raw.init.name === 'string'
    ? { kind: 'file', name: raw.init.name }
    : typeof raw.init === 'string' // before version 1: the file's name
      ? { kind: 'file', name: raw.init }
      : { kind: 'random' };
  const c: RunConfig = {
    ...base,
    mode,
    labelled: mode === 'semi-supervised' ? num(training.labelled, 100) : null,
    labelledPerBatch: mode === 'semi-supervised' && isNum(raw.labelledPerBatch) ? raw.labelledPerBatch : null,
    seed: num(training.seed, base.seed),
    batchSize: num(training.batchSize, base.batchSize),
    // bal, cr: 0 in a file from before the term (crMargin the default); a stored value that is not a number >= 0 is kept so
    // that checkRunConfig refuses it by name.
    weights: {
      rc: num(w.rc, base.weights.rc), kl: num(w.kl, base.weights.kl), nn: num(w.nn, base.weights.nn),
      bal: w.bal === undefined ? 0 : (w.bal as number), cr: w.cr === undefined ? 0 : (w.cr as number),
    },
    ramps,
    crMargin: raw.crMargin === undefined ? CR_MARGIN : (raw.crMargin as number),
    klSign: raw.klSign === 'flatten' ? 'flatten' : raw.klSign === undefined || raw.klSign === 'sharpen' ? 'sharpen' : (raw.klSign as KlSign),
    variant: (raw.variant ?? base.variant) as ReconVariant,
    lr: num(raw.lr, base.lr),
    lrDecay: num(raw.lrDecay, 1),
    decayFrom: num(raw.decayFrom, 0),
    beta1: num(raw.beta1, base.beta1),
    beta2: num(raw.beta2, base.beta2),
    eps: num(raw.eps, base.eps),
    weightDecay: num(raw.weightDecay, 0),
    nonnegative: raw.nonnegative === 'top-down' ? 'top-down' : raw.nonnegative === undefined || raw.nonnegative === 'none' ? 'none' : (raw.nonnegative as RunConfig['nonnegative']),
    augment: num(raw.augment, 0),
    average: avg ? { from: num(avg.from, NaN) } : null,
    epochs: num(raw.epochs, num(raw.epochsPlanned, Math.max(1, Math.ceil(num(training.epoch, 1))))),
    init,
    // Kept as stored (checkRunConfig refuses a malformed one by name); absent before self-training.
    pseudo: raw.pseudo === undefined || raw.pseudo === null ? null : (raw.pseudo as PseudoLabels),
    data: {
      source: 'mnist',
      trainCount: num(data.trainCount, num(raw.trainCount, 60000)),
      validation: { count: num(val.count, 0), seed: num(val.seed, VALIDATION_SEED) },
      subset: isNum(data.subset) ? data.subset : null,
    },
    cadence: {
      logEvery: num(cad.logEvery, base.cadence.logEvery),
      evalsPerEpoch: num(cad.evalsPerEpoch, base.cadence.evalsPerEpoch),
      checkpointEvery: num(cad.checkpointEvery, base.cadence.checkpointEvery),
    },
  };
  return checkRunConfig(c);
}

/** The settings that change what a run computes, as "name: a -> b" for each that differs. */
export function configChanges(from: RunConfig, to: RunConfig): string[] {
  const out: string[] = [];
  const walk = (a: unknown, b: unknown, path: string) => {
    if (isObj(a) && isObj(b)) {
      for (const k of new Set([...Object.keys(a), ...Object.keys(b)])) walk(a[k], b[k], path ? `${path}.${k}` : k);
    } else if (JSON.stringify(a) !== JSON.stringify(b)) out.push(`${path}: ${JSON.stringify(a)} -> ${JSON.stringify(b)}`);
  };
  walk(from, to, '');
  return out;
}

/**
 * Which parameter tensors (paramList order: W1, b1, ..., WL, bL, mu, class bias) a run keeps
 * >= 0: for 'top-down', the templates of levels 2..L and the class templates.
 */
export function nonnegativeTensors(c: Pick<RunConfig, 'nonnegative'>, levels: number): boolean[] {
  const out = new Array(2 * levels + 2).fill(false);
  if (c.nonnegative === 'top-down') {
    for (let l = 2; l <= levels; l++) out[2 * (l - 1)] = true;
    out[2 * levels] = true;
  }
  return out;
}

/** The parameters projected as the run's nonnegativity asks (a copy). */
export function projectParams<P extends { weights: Float32Array[]; biases: Float32Array[]; mu: Float32Array; classBias: Float32Array }>(c: Pick<RunConfig, 'nonnegative'>, p: P): P {
  const keep = nonnegativeTensors(c, p.weights.length);
  const clip = (t: Float32Array, on: boolean) => (on ? t.map((v) => Math.max(0, v)) : t.slice());
  return { ...p, weights: p.weights.map((w, i) => clip(w, keep[2 * i])), biases: p.biases.map((b) => b.slice()), mu: clip(p.mu, keep[2 * p.weights.length]), classBias: p.classBias.slice() };
}
