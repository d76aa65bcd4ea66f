/**
 * Backward operations for the G-step, in float64, written for clarity (the oracle of the GPU
 * gradient kernels). Maps are NCHW.
 */
import type { Arr } from './ops';

/** dW[co,ci,dy,dx] = sum_{n,y,x} A[n,co,y,x] * B[n,ci,y+dy-pad,x+dx-pad]. */
export function convWeightGrad(
  A: Arr, B: Arr, n: number, cin: number, hin: number, win: number,
  cout: number, hout: number, wout: number, k: number, pad: number,
): Float64Array {
  const dW = new Float64Array(cout * cin * k * k);
  for (let i = 0; i < n; i++)
    for (let co = 0; co < cout; co++)
      for (let y = 0; y < hout; y++)
        for (let x = 0; x < wout; x++) {
          const a = A[((i * cout + co) * hout + y) * wout + x];
          if (a === 0) continue;
          for (let ci = 0; ci < cin; ci++)
            for (let dy = 0; dy < k; dy++) {
              const yy = y + dy - pad;
              if (yy < 0 || yy >= hin) continue;
              for (let dx = 0; dx < k; dx++) {
                const xx = x + dx - pad;
                if (xx < 0 || xx >= win) continue;
                dW[((co * cin + ci) * k + dy) * k + dx] += a * B[((i * cin + ci) * hin + yy) * win + xx];
              }
            }
        }
  return dW;
}

/** db[co] = sum over images and positions of A[n,co,.,.]. */
export function channelSums(A: Arr, n: number, c: number, hw: number): Float64Array {
  const db = new Float64Array(c);
  for (let i = 0; i < n; i++) for (let ch = 0; ch < c; ch++) for (let j = 0; j < hw; j++) db[ch] += A[(i * c + ch) * hw + j];
  return db;
}

/** The adjoint of unpool: each coarse unit takes the fine value at its chosen position. */
export function poolGather(g: Arr, t: Uint8Array | Uint32Array, n: number, c: number, h: number, w: number): Float64Array {
  const ho = Math.floor(h / 2);
  const wo = Math.floor(w / 2);
  const out = new Float64Array(n * c * ho * wo);
  for (let nc = 0; nc < n * c; nc++)
    for (let y = 0; y < ho; y++)
      for (let x = 0; x < wo; x++) {
        const q = t[(nc * ho + y) * wo + x];
        out[(nc * ho + y) * wo + x] = g[(nc * h + 2 * y + (q >> 1)) * w + 2 * x + (q & 1)];
      }
  return out;
}

/** The read-out's features R(x_n): channel means (gap) or the whole map (dense). */
export function readoutFeatures(x: Arr, n: number, c: number, hw: number, mode: 'gap' | 'dense'): Float64Array {
  const len = mode === 'gap' ? c : c * hw;
  const f = new Float64Array(n * len);
  for (let i = 0; i < n; i++)
    for (let ch = 0; ch < c; ch++)
      for (let j = 0; j < hw; j++) {
        const v = x[(i * c + ch) * hw + j];
        if (mode === 'gap') f[i * len + ch] += v / hw;
        else f[i * len + ch * hw + j] = v;
      }
  return f;
}

/** dL/dx(L) = R^T (sum_c g[n,c] mu_c). */
export function readoutBackward(g: Arr, mu: Arr, n: number, classes: number, c: number, hw: number, mode: 'gap' | 'dense'): Float64Array {
  const len = mode === 'gap' ? c : c * hw;
  const out = new Float64Array(n * c * hw);
  for (let i = 0; i < n; i++)
    for (let ch = 0; ch < c; ch++)
      for (let j = 0; j < hw; j++) {
        let s = 0;
        for (let k = 0; k < classes; k++) s += g[i * classes + k] * (mode === 'gap' ? mu[k * len + ch] / hw : mu[k * len + ch * hw + j]);
        out[(i * c + ch) * hw + j] = s;
      }
  return out;
}

/** dmu[c, j] = sum_n g[n, c] * feat[n, j]. */
export function outerSum(g: Arr, feat: Arr, n: number, classes: number, len: number): Float64Array {
  const out = new Float64Array(classes * len);
  for (let i = 0; i < n; i++) for (let k = 0; k < classes; k++) for (let j = 0; j < len; j++) out[k * len + j] += g[i * classes + k] * feat[i * len + j];
  return out;
}
