/**
 * The rival classes of the contrastive rendering term (reference/train.ts): each image of a batch
 * gets an offset k_n drawn uniformly from [0, C-2], and the term compares its start class y_n with
 * r_n = (y_n + 1 + k_n) mod C, uniform over the other C-1 classes. The GPU turns k_n into r_n once
 * y_n (the label, or the prediction of an unlabelled image) is known.
 *
 * Like the shifts of augment.ts, the draw is a pure function of (seed, epoch, step, slot): a run
 * that resumes from a checkpoint draws the rivals it would have drawn without stopping, any step
 * can be reproduced on its own, and drawing them takes nothing from the schedule's data order (a
 * run without the term draws none and trains exactly as before).
 */
import { rng } from '../model';

/** k_n for the n images of the batch (epoch, step) of a run with this seed, each in [0, classes - 2]. */
export function rivalOffsets(seed: number, epoch: number, step: number, n: number, classes: number): Uint32Array {
  if (!Number.isInteger(classes) || classes < 2) throw new Error(`rival classes need at least 2 classes, got ${classes}`);
  // One generator per step, keyed by a hash of its place in the run (other constants than augment.ts's).
  const key = Math.imul(seed + 0x3c6e, 0x9e3779b1) ^ Math.imul(epoch + 1, 0x85ebca77) ^ Math.imul(step + 1, 0xc2b2ae3d);
  const r = rng(key);
  const out = new Uint32Array(n);
  for (let i = 0; i < n; i++) out[i] = Math.floor(r() * (classes - 1));
  return out;
}
