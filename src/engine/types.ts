/**
 * Result types shared by the GPU engine's read-backs and the CPU reference engine, so that the UI
 * and the tests read either the same way. Maps are NCHW, batch-major.
 */
import type { Variant } from './reference/ops';
export type { Variant } from './reference/ops';

export type FloatArr = Float32Array | Float64Array;

/** One level's bottom-up maps (for a batch of N images). */
export interface LevelMaps<F extends FloatArr = FloatArr> {
  /** Template-match scores u(l) = W(l) * x(l-1) + b(l): the log-likelihood of each template at each position. */
  u: F;
  /** r(l) = max(0, u(l)): the max over the ON/OFF switch. */
  r: F;
  /** a-switches: 1 where u(l) > 0 (ON), else 0. */
  a: Uint8Array;
  /** x(l): pooled r(l) when the level pools, else r(l). */
  x: F;
  /** t-switches: argmax position in each 2x2 window, dy*2 + dx (0 UL, 1 UR, 2 LL, 3 LR); null without pooling. */
  t: Uint8Array | null;
}

export interface ForwardMaps<F extends FloatArr = FloatArr> {
  n: number;
  levels: LevelMaps<F>[];
  /** Class scores s_c = <mu_c, R(x(L))> + b_c, [N, classes]. */
  scores: F;
  /** p(c | I) = softmax(scores), [N, classes]. */
  probs: F;
  /** argmax_c of the scores (first on ties). */
  pred: Int32Array;
}

/** Where a backtrace starts: a class (per image, or each image's prediction) or one unit. */
export type Start =
  | { kind: 'class'; classes: number[] | 'predicted' }
  | {
      kind: 'unit';
      /** 1-based level. */
      level: number;
      /** The unit's map: the ReLU output r(l) or the level's output x(l) (pooled when the level pools). */
      stage: 'relu' | 'pool';
      channel: number;
      y: number;
      x: number;
    };

/** Top-down signal at one level. Levels above a unit start hold zeros. */
export interface LevelSignal<F extends FloatArr = FloatArr> {
  /** Signal arriving at x(l) (the level's output). */
  sx: F;
  /** Signal at r(l) after unpooling through the t-switches, before the ReLU/mask: the z(l) the nonnegativity penalty reads. */
  sr: F;
  /** Signal at u(l) after the variant's ReLU/mask: what the templates paint into the level below. */
  su: F;
}

export interface BacktraceMaps<F extends FloatArr = FloatArr> {
  variant: Variant;
  levels: LevelSignal<F>[];
  /** What reaches the pixels: the reconstruction (class start) or the saliency map (unit start). */
  pixels: F;
}

/** Active-path counts of one image, all as log10 (-Infinity for none). */
export interface PathSummary {
  levels: {
    /** ON switches a(l) = 1 at this level, and the number of units. */
    unitsOn: number;
    units: number;
    /** log10 of the active paths from the start to this level's units. */
    activeLog10: number;
    /** The same with every switch ON and every window position allowed. */
    possibleLog10: number;
    /** log10 of the active paths from the start through each r(l) unit down to the pixels, [C, Hc, Wc]. */
    throughLog10: Float64Array;
  }[];
  /** log10 of the active paths from the start down to the pixels, and the possible ones. */
  pixelsActiveLog10: number;
  pixelsPossibleLog10: number;
}
