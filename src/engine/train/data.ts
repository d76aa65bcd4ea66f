/**
 * The data a run trains and evaluates on, and the one function that fills a training batch.
 *
 * A split is read through `DataSplit`, whatever holds it: the page keeps MNIST as bytes (0..255),
 * the CLI as floats; both give pixel / 255. The run's images are split once, by the run's
 * configuration: `validation.count` images chosen by `validation.seed` are held out (the split a
 * schedule or a checkpoint is chosen on, never the test set), the rest form the pool the schedule
 * draws batches from (optionally a class-balanced subset of it, for the CPU fallback).
 */
import { augmentInto } from './augment';
import type { RunConfig } from './config';
import { Schedule, balancedSubset, permutation } from './schedule';

export interface DataSplit {
  count: number;
  labels: ArrayLike<number>;
  /** Pixels per image (C x H x W). */
  readonly per: number;
  /** Writes image i (pixel / 255, C x H x W) into dst. */
  image(i: number, dst: Float32Array): void;
}

/** A split over floats in [0, 1] (the CLI's MNIST, test fixtures). */
export function floatSplit(images: Float32Array, labels: ArrayLike<number>, per = 784): DataSplit {
  const count = labels.length;
  if (images.length < count * per) throw new Error(`floatSplit: ${images.length} floats for ${count} images of ${per}`);
  return { count, labels, per, image: (i, dst) => dst.set(images.subarray(i * per, (i + 1) * per)) };
}

const PIXEL = Float32Array.from({ length: 256 }, (_, i) => i / 255);

/** A split over bytes 0..255 (the page's MNIST). */
export function byteSplit(pixels: Uint8Array, labels: ArrayLike<number>, per = 784): DataSplit {
  const count = labels.length;
  if (pixels.length < count * per) throw new Error(`byteSplit: ${pixels.length} bytes for ${count} images of ${per}`);
  return {
    count, labels, per,
    image: (i, dst) => {
      const off = i * per;
      for (let p = 0; p < per; p++) dst[p] = PIXEL[pixels[off + p]];
    },
  };
}

export interface RunData {
  train: DataSplit;
  test: DataSplit | null;
}

/** The held-out validation images of a run (sorted indices into the training set). */
export function validationIndices(c: RunConfig): Uint32Array {
  const { count, seed } = c.data.validation;
  if (count === 0) return new Uint32Array(0);
  return permutation(c.data.trainCount, seed).slice(0, count).sort();
}

/** The images a run trains on: [0, trainCount) minus the validation split, optionally a balanced subset. */
export function trainingPool(c: RunConfig, labels: ArrayLike<number>): Uint32Array {
  const n = Math.min(c.data.trainCount, labels.length);
  const held = new Set(validationIndices(c));
  const pool: number[] = [];
  for (let i = 0; i < n; i++) if (!held.has(i)) pool.push(i);
  let out = Uint32Array.from(pool);
  if (c.data.subset !== null) {
    const sub = balancedSubset(Array.from(out, (i) => labels[i]), c.data.subset, c.seed);
    out = sub.map((i) => out[i]);
  }
  return out;
}

/** The schedule of a run over its pool. */
export function scheduleFor(c: RunConfig, labels: ArrayLike<number>): Schedule {
  const extraLabelled = c.pseudo ? Uint32Array.from(c.pseudo.indices) : undefined;
  return new Schedule({ mode: c.mode, seed: c.seed, batchSize: c.batchSize, labelledCount: c.labelled ?? undefined, labelledPerBatch: c.labelledPerBatch ?? undefined, extraLabelled }, labels, trainingPool(c, labels));
}

/** A run's pseudo-labels as image -> class (empty without self-training). */
export function pseudoLabelMap(c: RunConfig): Map<number, number> {
  return new Map(c.pseudo ? c.pseudo.indices.map((idx, i) => [idx, c.pseudo!.labels[i]]) : []);
}

/**
 * Fills `images` and `labels` with the batch of (epoch, step): the schedule's images (shifted
 * when the run augments) and their labels (a pseudo-labelled image's from `pseudo`), -1 for an
 * image used without its label.
 */
export function fillBatch(c: RunConfig, schedule: Schedule, train: DataSplit, epoch: number, step: number, images: Float32Array, labels: Int32Array, pseudo?: ReadonlyMap<number, number>): number {
  const b = schedule.batch(epoch, step);
  const per = train.per;
  const tmp = c.augment > 0 ? new Float32Array(per) : null;
  for (let i = 0; i < b.indices.length; i++) {
    const idx = b.indices[i];
    const dst = images.subarray(i * per, (i + 1) * per);
    if (tmp) {
      train.image(idx, tmp);
      augmentInto(tmp, dst, c.seed, epoch, step, i, c.augment);
    } else train.image(idx, dst);
    labels[i] = b.labelled[i] ? (pseudo?.get(idx) ?? train.labels[idx]) : -1;
  }
  return b.indices.length;
}

/** Images [first, first + n) of a list of indices into a split, as one float array. */
export function gather(split: DataSplit, indices: ArrayLike<number>, first = 0, n = indices.length - first): { images: Float32Array; labels: Int32Array } {
  const images = new Float32Array(n * split.per);
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const idx = indices[first + i];
    split.image(idx, images.subarray(i * split.per, (i + 1) * split.per));
    labels[i] = split.labels[idx];
  }
  return { images, labels };
}
