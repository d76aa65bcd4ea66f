/**
 * What the story's cards read from the model and the current result: the unit a card selects (the
 * most active one, so the unit card shows a part that is really there), the test digit a card
 * brings in (a 4 the model finds most like a 9), how many switch settings the model chooses among,
 * and which switches flip between two inputs. Pure functions over plain arrays.
 */
import { shapesOf, type ForwardMaps, type ModelSpec } from '../../engine';
import type { TestPredictions, UnitRef, ViewResult } from '../store';

function sameSpec(a: ModelSpec, b: ModelSpec): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** Index of the largest value (the first on ties), or -1 for an empty array. */
export function argmax(v: ArrayLike<number>, from = 0, to = v.length): number {
  let best = -1;
  let bestV = -Infinity;
  for (let i = from; i < to; i++) {
    if (v[i] > bestV) {
      bestV = v[i];
      best = i;
    }
  }
  return best;
}

/**
 * The unit of `level` (1-based) with the largest value of image 0: on the ReLU map r(l) for
 * stage 'relu', on the level's output x(l) for 'pool' (which is r(l) where the level does not
 * pool). Without a result for this architecture: the middle of channel 0, so a card still shows
 * a unit of the right shape.
 */
export function mostActiveUnit(spec: ModelSpec, result: ViewResult | null, level: number, stage: UnitRef['stage']): UnitRef {
  const shape = shapesOf(spec).levels[level - 1];
  if (!shape) throw new Error(`the model has no level ${level}`);
  const [h, w] = stage === 'pool' ? [shape.hout, shape.wout] : [shape.hc, shape.wc];
  const size = shape.c * h * w;
  const maps = result && sameSpec(result.spec, spec) ? result.result.forward.levels[level - 1] : null;
  const values = maps ? (stage === 'pool' ? maps.x : maps.r) : null;
  const i = values && values.length >= size ? argmax(values, 0, size) : -1;
  if (i < 0) return { level, stage, channel: 0, y: Math.floor(h / 2), x: Math.floor(w / 2) };
  return { level, stage, channel: Math.floor(i / (h * w)), y: Math.floor((i % (h * w)) / w), x: i % w };
}

/** The first level (1-based) that pools, or null when none does. */
export function firstPoolLevel(spec: ModelSpec): number | null {
  const i = spec.levels.findIndex((l) => l.pool);
  return i < 0 ? null : i + 1;
}

/**
 * The test digit labelled `label` that the model finds most like `other` (largest p(other | I)),
 * from the whole-test-set classification; without it, the first digit labelled `label`; without
 * the labels, `fallback`.
 */
export function ambiguousDigit(labels: Uint8Array | null, predictions: TestPredictions | null, label: number, other: number, fallback: number): number {
  if (!labels) return fallback;
  let best = -1;
  let bestP = -Infinity;
  let first = -1;
  const usable = predictions && predictions.count === labels.length && other < predictions.classes ? predictions : null;
  for (let i = 0; i < labels.length; i++) {
    if (labels[i] !== label) continue;
    if (first < 0) first = i;
    if (!usable || i >= usable.done || usable.pred[i] < 0) continue;
    const p = usable.probs[i * usable.classes + other];
    if (p > bestP) {
      bestP = p;
      best = i;
    }
  }
  return best >= 0 ? best : first >= 0 ? first : fallback;
}

/**
 * log10 of the number of switch settings the DP chooses among for one image: every a-switch is
 * ON or OFF (2 ways) and every t-switch one of the 4 positions of its window, times the classes.
 */
export function log10Settings(spec: ModelSpec): number {
  let s = Math.log10(spec.classes);
  for (const l of shapesOf(spec).levels) {
    s += l.c * l.hc * l.wc * Math.log10(2);
    if (l.pool) s += l.c * l.hout * l.wout * Math.log10(4);
  }
  return s;
}

/** The share of ON a-switches at a level (1-based) of image 0. */
export function onFraction(forward: ForwardMaps, level: number): number {
  const a = forward.levels[level - 1]?.a;
  if (!a || a.length === 0) return 0;
  const size = a.length / Math.max(1, forward.n);
  let on = 0;
  for (let i = 0; i < size; i++) on += a[i];
  return on / size;
}

export interface LevelFlips {
  level: number;
  /** a-switches that differ, of how many. */
  aFlips: number;
  aCount: number;
  /** t-switches that differ, of how many (0 of 0 where the level does not pool). */
  tFlips: number;
  tCount: number;
}

/** Which switches of image 0 differ between two bottom-up passes of the same architecture. */
export function switchFlips(before: ForwardMaps, after: ForwardMaps): LevelFlips[] {
  if (before.levels.length !== after.levels.length) throw new Error('the two passes come from different architectures');
  return before.levels.map((b, i) => {
    const a = after.levels[i];
    const aCount = b.a.length / Math.max(1, before.n);
    if (a.a.length / Math.max(1, after.n) !== aCount) throw new Error(`level ${i + 1}'s maps differ in size`);
    let aFlips = 0;
    for (let k = 0; k < aCount; k++) if (b.a[k] !== a.a[k]) aFlips++;
    let tFlips = 0;
    let tCount = 0;
    if (b.t && a.t) {
      tCount = b.t.length / Math.max(1, before.n);
      for (let k = 0; k < tCount; k++) if (b.t[k] !== a.t[k]) tFlips++;
    }
    return { level: i + 1, aFlips, aCount, tFlips, tCount };
  });
}
