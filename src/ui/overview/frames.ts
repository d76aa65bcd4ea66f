/**
 * What the picture shows at a point of the DP's timeline (pure): step `index` of stepsFor(spec),
 * `progress` (0..1) through that step's animation, or the whole DP when `complete`. Every step
 * before `index` is done, the current one is part done, the later ones have not happened.
 *
 * Per level, the bottom-up row shows nothing until template matching fills u(l) in (raster
 * order, as the template slides), then the max over a turns u into r = max(0, u) (the OFF units
 * fade to zero), then the max over t runs its window over the map. The top-down row shows nothing
 * until the signal arrives at x(l) (painted by the level above, or the class template placed on
 * the top map), drawn over each pooling window (sx), then unpooled into the chosen positions (sr),
 * then masked by the a-switches (su). The reconstruction fills in last.
 *
 * A map part-way through a step shows its `next` kind in the cells before the scan position
 * (fraction `reveal` of the raster, in the map's own cells: coarse cells for sx on a pooling
 * level) and its `base` kind after it.
 */
import type { ModelSpec } from '../../engine';
import { stepsFor, type Step, type StepKind } from '../stepper/steps';

export type UpKind = 'none' | 'u' | 'r';
export type DownKind = 'none' | 'sx' | 'sr' | 'su';

export interface Phase<K> {
  base: K;
  next: K;
  /** Fraction of the raster showing `next`. */
  reveal: number;
}

export interface PictureState {
  up: Phase<UpKind>[];
  down: Phase<DownKind>[];
  pixels: Phase<'none' | 'pixels'>;
  /** The class scores' and the argmax's progress (0: not yet, 1: shown). */
  scores: number;
  argmax: number;
  /** Per level: whether the a- and t-switches are written (bottom-up) and used (top-down), 0..1. */
  aWritten: number[];
  tWritten: number[];
  aUsed: number[];
  tUsed: number[];
  /** The step being animated (null when complete). */
  current: { step: Step; progress: number } | null;
}

const phase = <K>(k: K): Phase<K> => ({ base: k, next: k, reveal: 1 });

function clamp01(p: number): number {
  return Number.isFinite(p) ? Math.min(1, Math.max(0, p)) : 1;
}

export function pictureState(spec: ModelSpec, index: number, progress: number, complete: boolean, steps: Step[] = stepsFor(spec)): PictureState {
  const L = spec.levels.length;
  const s: PictureState = {
    up: Array.from({ length: L }, () => phase<UpKind>('none')),
    down: Array.from({ length: L }, () => phase<DownKind>('none')),
    pixels: phase<'none' | 'pixels'>('none'),
    scores: 0,
    argmax: 0,
    aWritten: new Array(L).fill(0),
    tWritten: new Array(L).fill(0),
    aUsed: new Array(L).fill(0),
    tUsed: new Array(L).fill(0),
    current: null,
  };
  const last = complete ? steps.length - 1 : Math.min(steps.length - 1, Math.max(0, Math.trunc(index)));
  const p = complete ? 1 : clamp01(progress);
  for (let j = 0; j <= last; j++) apply(s, steps[j], j === last ? p : 1);
  if (!complete && steps[last]) s.current = { step: steps[last], progress: p };
  return s;
}

function apply(s: PictureState, step: Step, f: number): void {
  const i = step.level - 1;
  const set = <K>(ph: Phase<K>, base: K, next: K) => {
    ph.base = f >= 1 ? next : base;
    ph.next = next;
    ph.reveal = f;
  };
  const kinds: Record<StepKind, () => void> = {
    match: () => set(s.up[i], 'none', 'u'),
    relu: () => {
      set(s.up[i], 'u', 'r');
      s.aWritten[i] = f;
    },
    pool: () => {
      s.tWritten[i] = f;
    },
    scores: () => {
      s.scores = f;
    },
    argmax: () => {
      s.argmax = f;
    },
    arrive: () => set(s.down[i], 'none', 'sx'),
    unpool: () => {
      set(s.down[i], 'sx', 'sr');
      s.tUsed[i] = f;
    },
    mask: () => {
      set(s.down[i], s.down[i].base === 'sx' && s.down[i].next === 'sx' ? 'sx' : 'sr', 'su');
      s.aUsed[i] = f;
    },
    pixels: () => set(s.pixels, 'none', 'pixels'),
  };
  kinds[step.kind]();
}

/** The kind a cell shows: `next` for raster positions before the scan, `base` after it. */
export function cellKind<K>(ph: Phase<K>, rasterIndex: number, rasterCount: number): K {
  if (ph.reveal >= 1) return ph.next;
  return rasterIndex < Math.floor(ph.reveal * rasterCount) ? ph.next : ph.base;
}

/** The scan position of a step part-way through (the cell the animation is at), in a map of `count` cells. */
export function scanIndex(progress: number, count: number): number {
  return Math.min(count - 1, Math.max(0, Math.floor(clamp01(progress) * count)));
}

/** Whether the flow into column `to` (1..L: a level, L + 1: the classes) is lit, bottom-up and top-down (out of column `to`). */
export function flowsLit(s: PictureState, L: number): { up: number[]; down: number[] } {
  const up: number[] = [];
  const down: number[] = [];
  for (let to = 1; to <= L + 1; to++) {
    up.push(to <= L ? (s.up[to - 1].next === 'none' ? 0 : s.up[to - 1].next === 'u' ? s.up[to - 1].reveal : 1) : s.scores);
    // Top-down out of column `to` into column to - 1: the class template into level L, a level's painting into the one below, level 1's into the pixels.
    const into = to - 2;
    down.push(into >= 0 ? (s.down[into].next === 'none' ? 0 : s.down[into].next === 'sx' ? s.down[into].reveal : 1) : s.pixels.next === 'none' ? 0 : s.pixels.reveal);
  }
  return { up, down };
}
