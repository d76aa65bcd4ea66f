/**
 * A data-dependent initialisation for the NN-DRMM (`nonnegative: 'top-down'`).
 *
 * Why: the NN-DRMM keeps the templates of levels 2..L and the class templates >= 0 so that the
 * rendering's top-down signal is nonnegative at every level. Clipping He-normal templates at 0
 * leaves them with a positive mean; every input of a level above the first is a ReLU output (>= 0),
 * so the pre-activation u = W x + b has a large positive mean, nearly every switch is ON (the
 * network above level 1 is then linear) and the scores start huge. Here, level by level from the
 * bottom (as in Mishkin & Matas's LSUV, 2016), over a batch of unlabelled images:
 *
 *   W(l) <- |W(l)| (levels 2..L; level 1 paints the pixels and stays signed), then per channel c
 *   with pre-activation u_c over the batch and the map:
 *   W(l)_c <- W(l)_c / std(u_c),   b(l)_c <- -(mean(u_c) - b(l)_c) / std(u_c)
 *
 * so each channel's pre-activation starts with mean 0 and standard deviation 1. The class
 * templates become mu <- |mu| / s, with s the scores' standard deviation about each class's
 * mean, and the class biases centre each class's mean score at 0. No label is read.
 */
import { initParams, shapesOf, type ModelParams, type ModelSpec } from '../model';
import { forward } from '../reference/pipeline';

/** Mean and standard deviation per channel of an NCHW map. */
export function channelStats(u: ArrayLike<number>, n: number, c: number, hw: number): { mean: number; std: number }[] {
  return Array.from({ length: c }, (_, ch) => {
    let s = 0;
    let s2 = 0;
    for (let i = 0; i < n; i++)
      for (let j = 0; j < hw; j++) {
        const v = u[(i * c + ch) * hw + j];
        s += v;
        s2 += v * v;
      }
    const m = s / (n * hw);
    return { mean: m, std: Math.sqrt(Math.max(s2 / (n * hw) - m * m, 1e-12)) };
  });
}

/** The NN-DRMM's initial parameters from initParams(spec, seed), scaled on `count` images (no labels). */
export function nonnegativeInit(spec: ModelSpec, seed: number, images: Float32Array | Float64Array, count: number): ModelParams {
  const shapes = shapesOf(spec);
  const p: ModelParams = initParams(spec, seed);
  shapes.levels.forEach((l, i) => {
    if (i > 0) p.weights[i] = p.weights[i].map(Math.abs);
    const u = forward(spec, p, images, count).levels[i].u;
    const per = l.cin * l.k * l.k;
    channelStats(u, count, l.c, l.hc * l.wc).forEach(({ mean, std }, ch) => {
      for (let j = 0; j < per; j++) p.weights[i][ch * per + j] /= std;
      p.biases[i][ch] = -(mean - p.biases[i][ch]) / std;
    });
  });
  p.mu = p.mu.map(Math.abs);
  p.classBias.fill(0);
  const scores = forward(spec, p, images, count).scores;
  const C = spec.classes;
  const means = Array.from({ length: C }, (_, c) => {
    let s = 0;
    for (let i = 0; i < count; i++) s += scores[i * C + c];
    return s / count;
  });
  let v = 0;
  for (let i = 0; i < count; i++) for (let c = 0; c < C; c++) v += (scores[i * C + c] - means[c]) ** 2;
  const std = Math.sqrt(Math.max(v / (count * C), 1e-12));
  p.mu = p.mu.map((x) => x / std);
  means.forEach((m, c) => (p.classBias[c] = -m / std));
  return p;
}
