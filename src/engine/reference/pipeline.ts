/**
 * The whole DP on the CPU: bottom-up max-sum (forward), the top-down backtrace through the saved
 * switches (three variants), and the active-path counts. Built from `ops.ts`, in float64.
 */
import { shapesOf, type ModelParams, type ModelSpec } from '../model';
import type { BacktraceMaps, ForwardMaps, LevelMaps, LevelSignal, PathSummary, Start } from '../types';
import { conv, convTranspose, maxPool, readout, readoutAdjoint, relu, reluTopDown, softmax, unpool, type Arr, type Variant } from './ops';

export function forward(spec: ModelSpec, params: ModelParams, images: Arr, n: number): ForwardMaps<Float64Array> {
  const shapes = shapesOf(spec);
  if (images.length !== n * spec.input.channels * spec.input.height * spec.input.width)
    throw new Error(`forward: expected ${n} images of ${spec.input.channels}x${spec.input.height}x${spec.input.width}`);
  let x: Arr = images;
  const levels: LevelMaps<Float64Array>[] = [];
  shapes.levels.forEach((l, i) => {
    const u = conv(x, n, l.cin, l.hin, l.win, params.weights[i], params.biases[i], l.c, l.k, l.pad);
    const { r, a } = relu(u);
    if (l.pool) {
      const { p, t } = maxPool(r, n, l.c, l.hc, l.wc);
      levels.push({ u, r, a, x: p, t });
      x = p;
    } else {
      levels.push({ u, r, a, x: r, t: null });
      x = r;
    }
  });
  const { top } = shapes;
  const scores = readout(x, n, top.c, top.h, top.w, params.mu, params.classBias, spec.classes, spec.readout);
  const { probs, pred } = softmax(scores, n, spec.classes);
  return { n, levels, scores, probs, pred };
}

/** The top-down signal at x(l) of a start, for a start at `level` (1-based) and stage. */
function startSignal(spec: ModelSpec, params: ModelParams, fwd: ForwardMaps, start: Start): { level: number; atRelu: boolean; s: Float64Array } {
  const shapes = shapesOf(spec);
  const n = fwd.n;
  if (start.kind === 'class') {
    const cls = start.classes === 'predicted' ? Array.from(fwd.pred) : start.classes;
    if (cls.length !== n) throw new Error(`backtrace: ${cls.length} classes for ${n} images`);
    const { top } = shapes;
    return { level: shapes.levels.length, atRelu: false, s: readoutAdjoint(cls, n, top.c, top.h, top.w, params.mu, spec.readout) };
  }
  const l = shapes.levels[start.level - 1];
  if (!l) throw new Error(`backtrace: no level ${start.level}`);
  const atRelu = start.stage === 'relu' || !l.pool;
  const h = atRelu ? l.hc : l.hout;
  const w = atRelu ? l.wc : l.wout;
  if (start.channel < 0 || start.channel >= l.c || start.y < 0 || start.y >= h || start.x < 0 || start.x >= w)
    throw new Error(`backtrace: unit (${start.channel}, ${start.y}, ${start.x}) is outside level ${start.level}'s ${l.c}x${h}x${w} map`);
  const s = new Float64Array(n * l.c * h * w);
  for (let i = 0; i < n; i++) s[((i * l.c + start.channel) * h + start.y) * w + start.x] = 1;
  return { level: start.level, atRelu, s };
}

/**
 * Backtrace from a start down to the pixels through the saved switches, keeping every level's
 * signal. With `gradient`, the pixels hold d(start's score)/dI (biases only choose the switches).
 */
export function backtrace(
  spec: ModelSpec, params: ModelParams, fwd: ForwardMaps, start: Start, variant: Variant,
): BacktraceMaps<Float64Array> {
  const shapes = shapesOf(spec);
  const n = fwd.n;
  const st = startSignal(spec, params, fwd, start);
  const levels: LevelSignal<Float64Array>[] = shapes.levels.map((l) => ({
    sx: new Float64Array(n * l.c * l.hout * l.wout),
    sr: new Float64Array(n * l.c * l.hc * l.wc),
    su: new Float64Array(n * l.c * l.hc * l.wc),
  }));
  let s: Float64Array = st.s;
  for (let i = st.level - 1; i >= 0; i--) {
    const l = shapes.levels[i];
    const lm = fwd.levels[i];
    let sr: Float64Array;
    if (i === st.level - 1 && st.atRelu) {
      sr = s;
      if (!l.pool) levels[i].sx = s;
    } else {
      levels[i].sx = s;
      sr = l.pool ? unpool(s, lm.t!, n, l.c, l.hc, l.wc) : s;
    }
    levels[i].sr = sr;
    const su = reluTopDown(sr, lm.a, variant);
    levels[i].su = su;
    s = convTranspose(su, n, l.c, l.hc, l.wc, params.weights[i], l.cin, l.hin, l.win, l.k, l.pad);
  }
  return { variant, levels, pixels: s };
}

/** log10(10^a + 10^b), exact at -Infinity. */
export function log10Add(a: number, b: number): number {
  if (a === -Infinity) return b;
  if (b === -Infinity) return a;
  const m = Math.max(a, b);
  return m + Math.log10(Math.pow(10, a - m) + Math.pow(10, b - m));
}

/**
 * Active rendering paths of image `img`, by a DP over the levels, in log10.
 * down(unit): active paths from the unit to the pixels (its own switch included);
 * up(unit): active paths from the start to the unit (its own switch not included).
 * A path's edge between a r(l) unit and an x(l-1) unit exists wherever the template covers it
 * (padding is not a unit); an x(l) unit of a pooling level connects to the one r(l) unit its
 * t-switch chose. "Possible" repeats the DP with every switch ON and all four window positions.
 */
export function countPaths(spec: ModelSpec, fwd: ForwardMaps, start: Start, img: number): PathSummary {
  const shapes = shapesOf(spec);
  const L = shapes.levels.length;
  const run = (possible: boolean) => {
    // down over x(l) and r(l); level 0 (pixels) has one path each.
    const downX: Float64Array[] = [new Float64Array(spec.input.channels * spec.input.height * spec.input.width)];
    const downR: Float64Array[] = [];
    shapes.levels.forEach((l, i) => {
      const a = fwd.levels[i].a;
      const off = img * l.c * l.hc * l.wc;
      const dr = new Float64Array(l.c * l.hc * l.wc).fill(-Infinity);
      for (let c = 0; c < l.c; c++)
        for (let y = 0; y < l.hc; y++)
          for (let x = 0; x < l.wc; x++) {
            const j = (c * l.hc + y) * l.wc + x;
            if (!possible && !a[off + j]) continue;
            let acc = -Infinity;
            for (let ci = 0; ci < l.cin; ci++)
              for (let dy = 0; dy < l.k; dy++) {
                const yy = y + dy - l.pad;
                if (yy < 0 || yy >= l.hin) continue;
                for (let dx = 0; dx < l.k; dx++) {
                  const xx = x + dx - l.pad;
                  if (xx < 0 || xx >= l.win) continue;
                  acc = log10Add(acc, downX[i][(ci * l.hin + yy) * l.win + xx]);
                }
              }
            dr[j] = acc;
          }
      downR.push(dr);
      if (!l.pool) downX.push(dr);
      else {
        const t = fwd.levels[i].t!;
        const dx = new Float64Array(l.c * l.hout * l.wout).fill(-Infinity);
        for (let c = 0; c < l.c; c++)
          for (let y = 0; y < l.hout; y++)
            for (let x = 0; x < l.wout; x++) {
              const j = (c * l.hout + y) * l.wout + x;
              let acc = -Infinity;
              for (let q = 0; q < 4; q++) {
                if (!possible && q !== t[img * l.c * l.hout * l.wout + j]) continue;
                acc = log10Add(acc, dr[(c * l.hc + 2 * y + (q >> 1)) * l.wc + 2 * x + (q & 1)]);
              }
              dx[j] = acc;
            }
        downX.push(dx);
      }
    });
    // up, from the start downwards.
    const upR: Float64Array[] = new Array(L);
    let upX: Float64Array; // up over x(l) of the current level
    let startLevel = L;
    let startAtRelu = false;
    const top = shapes.levels[L - 1];
    if (start.kind === 'class') {
      upX = new Float64Array(top.c * top.hout * top.wout); // log10(1) = 0: the class reaches every top unit
    } else {
      startLevel = start.level;
      const l = shapes.levels[start.level - 1];
      startAtRelu = start.stage === 'relu' || !l.pool;
      const h = startAtRelu ? l.hc : l.hout;
      const w = startAtRelu ? l.wc : l.wout;
      upX = new Float64Array(l.c * h * w).fill(-Infinity);
      upX[(start.channel * h + start.y) * w + start.x] = 0;
    }
    const active: number[] = new Array(L).fill(-Infinity);
    for (let i = startLevel - 1; i >= 0; i--) {
      const l = shapes.levels[i];
      let ur: Float64Array;
      if ((i === startLevel - 1 && startAtRelu) || !l.pool) ur = upX;
      else {
        const t = fwd.levels[i].t!;
        ur = new Float64Array(l.c * l.hc * l.wc).fill(-Infinity);
        for (let c = 0; c < l.c; c++)
          for (let y = 0; y < l.hout; y++)
            for (let x = 0; x < l.wout; x++) {
              const j = (c * l.hout + y) * l.wout + x;
              for (let q = 0; q < 4; q++) {
                if (!possible && q !== t[img * l.c * l.hout * l.wout + j]) continue;
                ur[(c * l.hc + 2 * y + (q >> 1)) * l.wc + 2 * x + (q & 1)] = upX[j];
              }
            }
      }
      upR[i] = ur;
      const a = fwd.levels[i].a;
      const off = img * l.c * l.hc * l.wc;
      const below = new Float64Array(l.cin * l.hin * l.win).fill(-Infinity);
      let act = -Infinity;
      for (let c = 0; c < l.c; c++)
        for (let y = 0; y < l.hc; y++)
          for (let x = 0; x < l.wc; x++) {
            const j = (c * l.hc + y) * l.wc + x;
            if ((!possible && !a[off + j]) || ur[j] === -Infinity) continue;
            act = log10Add(act, ur[j]);
            for (let ci = 0; ci < l.cin; ci++)
              for (let dy = 0; dy < l.k; dy++) {
                const yy = y + dy - l.pad;
                if (yy < 0 || yy >= l.hin) continue;
                for (let dx = 0; dx < l.k; dx++) {
                  const xx = x + dx - l.pad;
                  if (xx < 0 || xx >= l.win) continue;
                  const q = (ci * l.hin + yy) * l.win + xx;
                  below[q] = log10Add(below[q], ur[j]);
                }
              }
          }
      active[i] = act;
      upX = below;
    }
    let pixels = -Infinity;
    for (let q = 0; q < upX.length; q++) pixels = log10Add(pixels, upX[q]);
    return { downR, upR, active, pixels };
  };
  const act = run(false);
  const pos = run(true);
  return {
    levels: shapes.levels.map((l, i) => {
      const a = fwd.levels[i].a;
      const off = img * l.c * l.hc * l.wc;
      let on = 0;
      for (let j = 0; j < l.c * l.hc * l.wc; j++) on += a[off + j];
      const through = new Float64Array(l.c * l.hc * l.wc).fill(-Infinity);
      const up = act.upR[i];
      if (up) for (let j = 0; j < through.length; j++) through[j] = up[j] + act.downR[i][j];
      return {
        unitsOn: on,
        units: l.c * l.hc * l.wc,
        activeLog10: act.active[i],
        possibleLog10: pos.active[i],
        throughLog10: through,
      };
    }),
    pixelsActiveLog10: act.pixels,
    pixelsPossibleLog10: pos.pixels,
  };
}
