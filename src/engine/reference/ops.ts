/**
 * Plain-TypeScript reference of every DRMM operation, written for clarity, in float64.
 * It is the oracle of the GPU tests and the engine the app falls back to without WebGPU.
 * All maps are NCHW: index ((n*C + c)*H + y)*W + x.
 */

export type Arr = Float64Array | Float32Array;

/** Template matching: u[n,co,y,x] = b[co] + sum_{ci,dy,dx} W[co,ci,dy,dx] * x[n,ci,y+dy-pad,x+dx-pad]. */
export function conv(
  x: Arr, n: number, cin: number, h: number, w: number,
  W: Arr, b: Arr, cout: number, k: number, pad: number,
): Float64Array {
  const ho = h + 2 * pad - k + 1;
  const wo = w + 2 * pad - k + 1;
  const u = new Float64Array(n * cout * ho * wo);
  for (let i = 0; i < n; i++)
    for (let co = 0; co < cout; co++)
      for (let y = 0; y < ho; y++)
        for (let xo = 0; xo < wo; xo++) {
          let s = b[co];
          for (let ci = 0; ci < cin; ci++)
            for (let dy = 0; dy < k; dy++) {
              const yy = y + dy - pad;
              if (yy < 0 || yy >= h) continue;
              for (let dx = 0; dx < k; dx++) {
                const xx = xo + dx - pad;
                if (xx < 0 || xx >= w) continue;
                s += W[((co * cin + ci) * k + dy) * k + dx] * x[((i * cin + ci) * h + yy) * w + xx];
              }
            }
          u[((i * cout + co) * ho + y) * wo + xo] = s;
        }
  return u;
}

/**
 * Transposed template matching (the adjoint of `conv` without bias): paints each top-down value
 * s[n,co,y,x] with template W[co] into the level below.
 * out[n,ci,yy,xx] = sum_{co,dy,dx : yy = y+dy-pad, xx = x+dx-pad} W[co,ci,dy,dx] * s[n,co,y,x].
 */
export function convTranspose(
  s: Arr, n: number, cout: number, ho: number, wo: number,
  W: Arr, cin: number, h: number, w: number, k: number, pad: number,
): Float64Array {
  const out = new Float64Array(n * cin * h * w);
  for (let i = 0; i < n; i++)
    for (let co = 0; co < cout; co++)
      for (let y = 0; y < ho; y++)
        for (let xo = 0; xo < wo; xo++) {
          const v = s[((i * cout + co) * ho + y) * wo + xo];
          if (v === 0) continue;
          for (let ci = 0; ci < cin; ci++)
            for (let dy = 0; dy < k; dy++) {
              const yy = y + dy - pad;
              if (yy < 0 || yy >= h) continue;
              for (let dx = 0; dx < k; dx++) {
                const xx = xo + dx - pad;
                if (xx < 0 || xx >= w) continue;
                out[((i * cin + ci) * h + yy) * w + xx] += W[((co * cin + ci) * k + dy) * k + dx] * v;
              }
            }
        }
  return out;
}

/** Max over the switch a in {OFF, ON}: r = max(0, u), a = [u > 0] (so u = 0 is OFF). */
export function relu(u: Arr): { r: Float64Array; a: Uint8Array } {
  const r = new Float64Array(u.length);
  const a = new Uint8Array(u.length);
  for (let i = 0; i < u.length; i++) {
    if (u[i] > 0) {
      r[i] = u[i];
      a[i] = 1;
    }
  }
  return { r, a };
}

/**
 * Max over the translation t in each 2x2 window (stride 2; a trailing odd row/column is dropped).
 * t = dy*2 + dx of the winner, scanning UL, UR, LL, LR and keeping the first maximum on ties.
 */
export function maxPool(r: Arr, n: number, c: number, h: number, w: number): { p: Float64Array; t: Uint8Array } {
  const ho = Math.floor(h / 2);
  const wo = Math.floor(w / 2);
  const p = new Float64Array(n * c * ho * wo);
  const t = new Uint8Array(n * c * ho * wo);
  for (let nc = 0; nc < n * c; nc++)
    for (let y = 0; y < ho; y++)
      for (let x = 0; x < wo; x++) {
        let best = -Infinity;
        let arg = 0;
        for (let j = 0; j < 4; j++) {
          const v = r[(nc * h + 2 * y + (j >> 1)) * w + 2 * x + (j & 1)];
          if (v > best) {
            best = v;
            arg = j;
          }
        }
        p[(nc * ho + y) * wo + x] = best;
        t[(nc * ho + y) * wo + x] = arg;
      }
  return { p, t };
}

/** Unpool by switch: place each coarse value at its chosen position t; every other position is 0. */
export function unpool(s: Arr, t: Uint8Array | Uint32Array, n: number, c: number, h: number, w: number): Float64Array {
  const ho = Math.floor(h / 2);
  const wo = Math.floor(w / 2);
  const out = new Float64Array(n * c * h * w);
  for (let nc = 0; nc < n * c; nc++)
    for (let y = 0; y < ho; y++)
      for (let x = 0; x < wo; x++) {
        const j = t[(nc * ho + y) * wo + x];
        out[(nc * h + 2 * y + (j >> 1)) * w + 2 * x + (j & 1)] = s[(nc * ho + y) * wo + x];
      }
  return out;
}

export type Variant = 'gradient' | 'rendering' | 'deconvnet';
export const VARIANTS: Variant[] = ['rendering', 'gradient', 'deconvnet'];

/**
 * The top-down step through a ReLU level, by variant:
 *   gradient:  a * s          (switches only, signed: the chain rule)
 *   rendering: a * max(0, s)  (the NN-DRMM: the intermediate rendered template stays >= 0)
 *   deconvnet: max(0, s)      (Zeiler & Fergus: no a-mask)
 */
export function reluTopDown(s: Arr, a: Uint8Array | Uint32Array, variant: Variant): Float64Array {
  const out = new Float64Array(s.length);
  for (let i = 0; i < s.length; i++) {
    const v = variant === 'gradient' ? s[i] : Math.max(0, s[i]);
    out[i] = variant === 'deconvnet' ? v : a[i] ? v : 0;
  }
  return out;
}

/**
 * Class scores s[n,c] = <mu_c, R(x_n)> + bc[c], where R averages each channel over positions
 * (`gap`) or keeps the whole map (`dense`, mu_c has C*H*W entries in CHW order).
 */
export function readout(
  x: Arr, n: number, c: number, h: number, w: number,
  mu: Arr, bc: Arr, classes: number, mode: 'gap' | 'dense',
): Float64Array {
  const out = new Float64Array(n * classes);
  const hw = h * w;
  for (let i = 0; i < n; i++) {
    const feat = new Float64Array(mode === 'gap' ? c : c * hw);
    if (mode === 'gap') {
      for (let ch = 0; ch < c; ch++) {
        let s = 0;
        for (let j = 0; j < hw; j++) s += x[(i * c + ch) * hw + j];
        feat[ch] = s / hw;
      }
    } else {
      for (let j = 0; j < c * hw; j++) feat[j] = x[i * c * hw + j];
    }
    for (let k = 0; k < classes; k++) {
      let s = bc[k];
      for (let j = 0; j < feat.length; j++) s += mu[k * feat.length + j] * feat[j];
      out[i * classes + k] = s;
    }
  }
  return out;
}

/** The read-out's adjoint applied to mu_c: the top-down start from class cls[n] for each image. */
export function readoutAdjoint(
  cls: ArrayLike<number>, n: number, c: number, h: number, w: number,
  mu: Arr, mode: 'gap' | 'dense',
): Float64Array {
  const hw = h * w;
  const out = new Float64Array(n * c * hw);
  for (let i = 0; i < n; i++) {
    const k = cls[i];
    for (let ch = 0; ch < c; ch++)
      for (let j = 0; j < hw; j++)
        out[(i * c + ch) * hw + j] = mode === 'gap' ? mu[k * c + ch] / hw : mu[k * c * hw + ch * hw + j];
  }
  return out;
}

/** Softmax per row and the predicted class (first maximum on ties). */
export function softmax(scores: Arr, n: number, classes: number): { probs: Float64Array; pred: Int32Array } {
  const probs = new Float64Array(n * classes);
  const pred = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    let m = -Infinity;
    let arg = 0;
    for (let k = 0; k < classes; k++) {
      const v = scores[i * classes + k];
      if (v > m) {
        m = v;
        arg = k;
      }
    }
    let z = 0;
    for (let k = 0; k < classes; k++) z += Math.exp(scores[i * classes + k] - m);
    for (let k = 0; k < classes; k++) probs[i * classes + k] = Math.exp(scores[i * classes + k] - m) / z;
    pred[i] = arg;
  }
  return { probs, pred };
}
