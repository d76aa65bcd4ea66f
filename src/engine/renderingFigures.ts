/**
 * Three figures that say whether a model renders what it claims (issue 15 item 4), measured with
 * the `rendering` backtrace (the NN-DRMM's) on any engine, over a set of labelled images:
 *
 * 1. negative top-down signal: for each level, the share of units where the signal before the
 *    ReLU and the a-mask (`sr`) is negative, from the predicted class, counted at the units the
 *    signal reaches: the unit each pooling window's t-switch points to (a pooled level), or every
 *    unit (a level without pooling). The exact-MAP claim needs z(l) >= 0.
 * 2. true class renders best: the share of images whose own label, rendered through the image's
 *    switches, has the lowest squared error ||I - I_hat_c||^2 among the classes.
 * 3. counterfactuals are recognised: for each image and each class c' other than its label, the
 *    rendering of c' through the image's switches, scaled by its least-squares factor
 *    alpha = <I, I_hat> / <I_hat, I_hat> and clipped to [0, 1], is classified by the same model;
 *    the share classified as c'.
 *
 * Beside figure 2, a diagnostic: the same share when each class's rendering is first fitted to the
 * image by its own least-squares factor (error ||I||^2 - <I, I_hat_c>^2 / ||I_hat_c||^2), which
 * separates a rendering that is merely too bright or too dim from one of the wrong shape.
 */
import type { DrmmEngine } from './api';
import { shapesOf, type ModelSpec } from './model';

export interface RenderingFigures {
  images: number;
  /** Per level (level 1 first): negative units / units counted. */
  negativeShare: number[];
  trueClassBest: number;
  /** Figure 2 with each class's rendering scaled by its least-squares factor first (a diagnostic). */
  trueClassBestScaled: number;
  counterfactualRecognised: number;
  /** The pairs behind counterfactualRecognised: images x (classes - 1). */
  pairs: number;
}

/**
 * A rendering as the model is shown it again (figure 3): scaled by its least-squares factor
 * alpha = <I, I_hat> / <I_hat, I_hat> (0 for an all-zero rendering) and clipped to [0, 1], written
 * to out[at ..].
 */
export function counterfactualInput(image: ArrayLike<number>, rendering: ArrayLike<number>, out: Float32Array = new Float32Array(rendering.length), at = 0): Float32Array {
  let ip = 0;
  let pp = 0;
  for (let j = 0; j < rendering.length; j++) {
    ip += image[j] * rendering[j];
    pp += rendering[j] * rendering[j];
  }
  const alpha = pp > 0 ? ip / pp : 0;
  for (let j = 0; j < rendering.length; j++) out[at + j] = Math.min(1, Math.max(0, alpha * rendering[j]));
  return out;
}

/**
 * The figures for `count` images (batch-major, pixel values in [0, 1]) with their labels, in
 * chunks of `batch` (the engine's batch size at most). `onChunk` reports progress.
 */
export async function renderingFigures(
  engine: DrmmEngine, spec: ModelSpec, images: Float32Array, labels: ArrayLike<number>, count: number, batch: number,
  onChunk?: (done: number) => void,
): Promise<RenderingFigures> {
  const sh = shapesOf(spec);
  const C = spec.classes;
  const D = spec.input.channels * spec.input.height * spec.input.width;
  const neg = sh.levels.map(() => 0);
  const units = sh.levels.map(() => 0);
  let best = 0;
  let bestScaled = 0;
  let recognised = 0;
  let pairs = 0;
  for (let first = 0; first < count; first += batch) {
    const n = Math.min(batch, count - first);
    const x = images.subarray(first * D, (first + n) * D);
    const res = await engine.infer({ images: x, n, start: { kind: 'class', classes: 'predicted' }, variant: 'rendering' });
    // 1. Negative sr at the units the signal reaches.
    sh.levels.forEach((l, li) => {
      const sr = res.backtrace.levels[li].sr;
      const t = res.forward.levels[li].t;
      if (!l.pool || !t) {
        for (let j = 0; j < n * l.c * l.hc * l.wc; j++) {
          units[li]++;
          if (sr[j] < 0) neg[li]++;
        }
        return;
      }
      for (let i = 0; i < n; i++)
        for (let ch = 0; ch < l.c; ch++)
          for (let y = 0; y < l.hout; y++)
            for (let xo = 0; xo < l.wout; xo++) {
              const k = t[((i * l.c + ch) * l.hout + y) * l.wout + xo];
              const yy = 2 * y + (k >> 1);
              const xx = 2 * xo + (k & 1);
              if (yy >= l.hc || xx >= l.wc) continue;
              units[li]++;
              if (sr[((i * l.c + ch) * l.hc + yy) * l.wc + xx] < 0) neg[li]++;
            }
    });
    // 2 and 3. Every class rendered through each image's switches (one backtrace a class).
    const err = new Float64Array(n * C).fill(Infinity);
    const errScaled = new Float64Array(n * C).fill(Infinity);
    const cf = new Float32Array(n * (C - 1) * D);
    const cfClass: number[] = [];
    const slot = new Int32Array(n).fill(0);
    for (let c = 0; c < C; c++) {
      const bt = await engine.backtrace({ start: { kind: 'class', classes: new Array(n).fill(c) }, variant: 'rendering', first: 0, count: n, levels: false });
      for (let i = 0; i < n; i++) {
        const px = bt.pixels.subarray(i * D, (i + 1) * D);
        const im = x.subarray(i * D, (i + 1) * D);
        let e = 0;
        let ip = 0;
        let pp = 0;
        let ii = 0;
        for (let j = 0; j < D; j++) {
          e += (im[j] - px[j]) ** 2;
          ip += im[j] * px[j];
          pp += px[j] * px[j];
          ii += im[j] * im[j];
        }
        err[i * C + c] = e;
        errScaled[i * C + c] = pp > 0 ? ii - (ip * ip) / pp : ii;
        if (c === labels[first + i]) continue;
        counterfactualInput(im, px, cf, (i * (C - 1) + slot[i]++) * D);
        cfClass[i * (C - 1) + slot[i] - 1] = c;
      }
    }
    const argmin = (e: Float64Array, i: number) => {
      let arg = 0;
      for (let c = 1; c < C; c++) if (e[i * C + c] < e[i * C + arg]) arg = c;
      return arg;
    };
    for (let i = 0; i < n; i++) {
      if (argmin(err, i) === labels[first + i]) best++;
      if (argmin(errScaled, i) === labels[first + i]) bestScaled++;
    }
    // The counterfactual images, classified in chunks of the engine's batch.
    const m = n * (C - 1);
    for (let f = 0; f < m; f += batch) {
      const k = Math.min(batch, m - f);
      const out = await engine.classify(cf.subarray(f * D, (f + k) * D), k);
      for (let j = 0; j < k; j++) if (out.pred[j] === cfClass[f + j]) recognised++;
    }
    pairs += m;
    onChunk?.(first + n);
  }
  return {
    images: count,
    negativeShare: neg.map((v, i) => (units[i] ? v / units[i] : 0)),
    trueClassBest: best / count,
    trueClassBestScaled: bestScaled / count,
    counterfactualRecognised: pairs ? recognised / pairs : 0,
    pairs,
  };
}
