/**
 * What each training step sees, as a pure function of (mode, seed, epoch, step): the data order,
 * the class-balanced labelled subset, and the split of each batch into labelled and unlabelled
 * images. Determinism here is what makes a run resumable from any checkpoint and the DRMM and
 * convnet-baseline runs comparable on the same data order.
 */
import { rng } from '../model';

export type TrainMode = 'supervised' | 'semi-supervised' | 'unsupervised' | 'convnet';
export const TRAIN_MODES: TrainMode[] = ['supervised', 'semi-supervised', 'unsupervised', 'convnet'];

export interface ScheduleSpec {
  mode: TrainMode;
  seed: number;
  batchSize: number;
  /** Labelled images for semi-supervised training (N_L); ignored otherwise. */
  labelledCount?: number;
  /** Labelled images in each semi-supervised batch (the rest are drawn from the whole set); default half (rounded up). */
  labelledPerBatch?: number;
  /**
   * Self-training: more images (indices into the whole set, each in the pool and none in the
   * labelled subset) drawn into the labelled part of the batches with the subset, uniformly.
   */
  extraLabelled?: Uint32Array;
}

/** Fisher-Yates permutation of 0..count-1 from a seeded generator. */
export function permutation(count: number, seed: number): Uint32Array {
  const p = new Uint32Array(count);
  for (let i = 0; i < count; i++) p[i] = i;
  const r = rng(seed);
  for (let i = count - 1; i > 0; i--) {
    const j = Math.floor(r() * (i + 1));
    const t = p[i];
    p[i] = p[j];
    p[j] = t;
  }
  return p;
}

/** N_L training images, N_L / classes of each class, chosen by the seed (sorted indices). */
export function balancedSubset(labels: ArrayLike<number>, count: number, seed: number, classes = 10): Uint32Array {
  if (!Number.isInteger(count) || count < classes || count % classes !== 0)
    throw new Error(`the labelled subset must be a positive multiple of ${classes}, got ${count}`);
  const per = count / classes;
  const order = permutation(labels.length, seed ^ 0x5eed);
  const taken = new Array(classes).fill(0);
  const out: number[] = [];
  for (const i of order) {
    const y = labels[i];
    if (taken[y] < per) {
      taken[y]++;
      out.push(i);
      if (out.length === count) break;
    }
  }
  if (out.length < count) throw new Error(`not enough images to take ${per} of each class`);
  return Uint32Array.from(out.sort((a, b) => a - b));
}

export interface Batch {
  /** Training-set indices of the batch's images. */
  indices: Uint32Array;
  /** Whether each image's label is used (false: it is an unlabelled image). */
  labelled: boolean[];
}

export class Schedule {
  readonly spec: ScheduleSpec;
  private readonly trainCount: number;
  /** The training images a run draws from (data.ts: the set minus the validation split), or null: all. */
  private readonly pool: Uint32Array | null;
  private readonly subset: Uint32Array | null;
  /** What the labelled part of a batch draws from: the subset, then any extra labelled images. */
  private readonly stream: Uint32Array | null;
  private orderCache: { epoch: number; order: Uint32Array } | null = null;

  /**
   * `pool`: the indices of the images to train on (sorted); without it, every image of
   * trainLabels. Orders and the labelled subset are drawn over positions in the pool, so a pool of
   * 0..N-1 gives exactly the batches of no pool.
   */
  constructor(spec: ScheduleSpec, trainLabels: ArrayLike<number>, pool?: Uint32Array) {
    if (!TRAIN_MODES.includes(spec.mode)) throw new Error(`unknown training mode ${spec.mode}`);
    if (!Number.isInteger(spec.batchSize) || spec.batchSize < 2) throw new Error('the batch size must be an integer of at least 2');
    this.spec = spec;
    this.pool = pool ?? null;
    this.trainCount = pool ? pool.length : trainLabels.length;
    const labels = pool ? Array.from(pool, (i) => trainLabels[i]) : trainLabels;
    const subset = spec.mode === 'semi-supervised' ? balancedSubset(labels, spec.labelledCount ?? 100, spec.seed) : null;
    this.subset = subset && pool ? subset.map((i) => pool[i]) : subset;
    this.stream = this.subset && spec.extraLabelled?.length ? this.withExtra(this.subset, spec.extraLabelled, pool) : this.subset;
    if (this.stepsPerEpoch < 1) throw new Error(`${this.trainCount} training images are fewer than one batch of ${spec.batchSize}`);
  }

  get labelledSubset(): Uint32Array | null {
    return this.subset;
  }

  /** The subset followed by the extra labelled images, which must be pool images outside it (never validation ones). */
  private withExtra(subset: Uint32Array, extra: Uint32Array, pool: Uint32Array | undefined): Uint32Array {
    const inPool = pool ? new Set(pool) : null;
    const inSubset = new Set(subset);
    for (const i of extra) {
      if (inPool ? !inPool.has(i) : i >= this.trainCount) throw new Error(`pseudo-labelled image ${i} is not in the training pool (a validation image, or past the training set)`);
      if (inSubset.has(i)) throw new Error(`pseudo-labelled image ${i} is one of the labelled subset`);
    }
    const out = new Uint32Array(subset.length + extra.length);
    out.set(subset);
    out.set(extra, subset.length);
    return out;
  }

  /** Images drawn from the whole training set per step (half the batch when semi-supervised). */
  private get fromAll(): number {
    if (!this.subset) return this.spec.batchSize;
    return this.spec.labelledPerBatch !== undefined ? this.spec.batchSize - this.spec.labelledPerBatch : Math.floor(this.spec.batchSize / 2);
  }

  /** An epoch is one pass over the whole training set (as unlabelled data when semi-supervised). */
  get stepsPerEpoch(): number {
    return Math.floor(this.trainCount / this.fromAll);
  }

  /** The epoch's order of the training images (indices into the whole set). */
  private order(epoch: number): Uint32Array {
    if (this.orderCache?.epoch !== epoch) {
      const perm = permutation(this.trainCount, this.spec.seed * 7919 + epoch);
      const pool = this.pool;
      this.orderCache = { epoch, order: pool ? perm.map((i) => pool[i]) : perm };
    }
    return this.orderCache.order;
  }

  batch(epoch: number, step: number): Batch {
    if (step < 0 || step >= this.stepsPerEpoch) throw new Error(`step ${step} is outside epoch ${epoch} (${this.stepsPerEpoch} steps)`);
    const m = this.fromAll;
    const order = this.order(epoch);
    const all = order.subarray(step * m, (step + 1) * m);
    const mode = this.spec.mode;
    if (!this.stream) return { indices: all.slice(), labelled: new Array(m).fill(mode !== 'unsupervised') };
    // The labelled half cycles through the subset (and any extra labelled images), reshuffled every pass over it.
    const L = this.stream.length;
    const k = this.spec.batchSize - m;
    const idx = new Uint32Array(this.spec.batchSize);
    const labelled: boolean[] = [];
    for (let i = 0; i < k; i++) {
      const g = (epoch * this.stepsPerEpoch + step) * k + i;
      const perm = permutation(L, this.spec.seed * 104729 + Math.floor(g / L));
      idx[i] = this.stream[perm[g % L]];
      labelled.push(true);
    }
    idx.set(all, k);
    for (let i = 0; i < m; i++) labelled.push(false);
    return { indices: idx, labelled };
  }
}
