/**
 * Label propagation over a k-nearest-neighbour graph of a teacher's features (Zhou, Bousquet, Lal,
 * Weston & Schoelkopf 2004, "Learning with local and global consistency"; used to pseudo-label the
 * unlabelled images of deep semi-supervised learning by Iscen, Tolias, Avrithis & Chum 2019).
 *
 * Why: a classifier trained on 10 labels a class decides each image alone, and its confident
 * mistakes are whole sub-populations (a kind of 9 read as 7). The images themselves say more: a
 * digit's nearest neighbours in the teacher's feature space are nearly all of its class, so a class
 * spread along the graph from the labelled images (and the teacher's own posteriors) follows the
 * data's clusters rather than the classifier's boundary.
 *
 * The math, for N images with features f_i:
 * - z_i = P (f_i / |f_i| - mean), P a d x D Gaussian random projection (Johnson-Lindenstrauss:
 *   cosine similarities are kept up to a small distortion), then z_i / |z_i|.
 * - A_ij = max(0, z_i . z_j)^gamma for the k most similar j != i (gamma = 3 sharpens the weights);
 *   W = A + A^T; S = D^-1/2 W D^-1/2 with D = diag(sum_j W_ij).
 * - F(t+1) = alpha S F(t) + (1 - alpha) Y, F(0) = Y, the N x C seed (one-hot rows for labelled
 *   images, the teacher's posterior elsewhere). F(t) converges to (1 - alpha)(I - alpha S)^-1 Y.
 * Plain TypeScript over typed arrays: the graph of 60,000 MNIST images takes a few minutes.
 */
import { rng } from '../../src/engine/model';

/** Row i of `features` (n x dim) L2-normalised and centred, then projected to `out` dimensions and normalised again. */
export function project(features: Float32Array, n: number, dim: number, out: number, seed: number): Float32Array {
  const x = new Float32Array(n * dim);
  const mean = new Float64Array(dim);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let j = 0; j < dim; j++) s += features[i * dim + j] ** 2;
    const inv = 1 / (Math.sqrt(s) + 1e-8);
    for (let j = 0; j < dim; j++) {
      const v = features[i * dim + j] * inv;
      x[i * dim + j] = v;
      mean[j] += v / n;
    }
  }
  // Gaussian entries by Box-Muller from the engine's seeded generator.
  const r = rng(seed);
  const P = new Float32Array(out * dim);
  for (let k = 0; k < P.length; k++) P[k] = Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r());
  const z = new Float32Array(n * out);
  const row = new Float32Array(dim);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < dim; j++) row[j] = x[i * dim + j] - mean[j];
    let s = 0;
    for (let o = 0; o < out; o++) {
      let acc = 0;
      const po = o * dim;
      for (let j = 0; j < dim; j++) acc += P[po + j] * row[j];
      z[i * out + o] = acc;
      s += acc * acc;
    }
    const inv = 1 / (Math.sqrt(s) + 1e-8);
    for (let o = 0; o < out; o++) z[i * out + o] *= inv;
  }
  return z;
}

export interface KnnGraph {
  n: number;
  k: number;
  /** n x k neighbour indices, and their similarities z_i . z_j. */
  index: Int32Array;
  sim: Float32Array;
}

/**
 * The k most similar rows of `z` (n x d, unit rows) for every row, itself excluded, by brute force;
 * ties go to the lower index. Queries are taken in blocks so that a block stays in cache while every
 * row streams past it once.
 */
export function knn(z: Float32Array, n: number, d: number, k: number): KnnGraph {
  if (k >= n) throw new Error(`knn: k = ${k} needs more than ${n} points`);
  const index = new Int32Array(n * k).fill(-1);
  const sim = new Float32Array(n * k).fill(-Infinity);
  const B = 32;
  const dots = new Float32Array(B);
  for (let q0 = 0; q0 < n; q0 += B) {
    const qb = Math.min(B, n - q0);
    // The smallest kept similarity of each query of the block, and where it sits.
    const floor = new Float32Array(qb).fill(-Infinity);
    for (let j = 0; j < n; j++) {
      const pj = j * d;
      // Four queries at a time: each element of row j is loaded once for four products.
      let q = 0;
      for (; q + 4 <= qb; q += 4) {
        const p0 = (q0 + q) * d;
        let a0 = 0;
        let a1 = 0;
        let a2 = 0;
        let a3 = 0;
        for (let t = 0; t < d; t++) {
          const v = z[pj + t];
          a0 += z[p0 + t] * v;
          a1 += z[p0 + d + t] * v;
          a2 += z[p0 + 2 * d + t] * v;
          a3 += z[p0 + 3 * d + t] * v;
        }
        dots[q] = a0;
        dots[q + 1] = a1;
        dots[q + 2] = a2;
        dots[q + 3] = a3;
      }
      for (; q < qb; q++) {
        const pq = (q0 + q) * d;
        let acc = 0;
        for (let t = 0; t < d; t++) acc += z[pq + t] * z[pj + t];
        dots[q] = acc;
      }
      for (q = 0; q < qb; q++) {
        const i = q0 + q;
        if (j === i || dots[q] <= floor[q]) continue;
        // Replace the weakest of the k kept (the last one found at that value: ties keep lower indices), then find the new weakest.
        const base = i * k;
        let w = 0;
        for (let m = 1; m < k; m++) if (sim[base + m] < sim[base + w] || (sim[base + m] === sim[base + w] && index[base + m] > index[base + w])) w = m;
        sim[base + w] = dots[q];
        index[base + w] = j;
        let lo = Infinity;
        for (let m = 0; m < k; m++) if (sim[base + m] < lo) lo = sim[base + m];
        floor[q] = lo;
      }
    }
  }
  return { n, k, index, sim };
}

/** The symmetric normalised affinity S = D^-1/2 (A + A^T) D^-1/2 as compressed rows. */
export function affinity(g: KnnGraph, gamma = 3): { rowStart: Int32Array; col: Int32Array; val: Float64Array } {
  const { n, k } = g;
  // A + A^T: each kept pair (i, j) adds w to (i, j) and to (j, i).
  const count = new Int32Array(n + 1);
  for (let e = 0; e < n * k; e++) {
    count[Math.floor(e / k) + 1]++;
    count[g.index[e] + 1]++;
  }
  for (let i = 0; i < n; i++) count[i + 1] += count[i];
  const fill = count.slice(0, n);
  const col = new Int32Array(count[n]);
  const val = new Float64Array(count[n]);
  for (let e = 0; e < n * k; e++) {
    const i = Math.floor(e / k);
    const j = g.index[e];
    const w = Math.max(0, g.sim[e]) ** gamma;
    col[fill[i]] = j;
    val[fill[i]++] = w;
    col[fill[j]] = i;
    val[fill[j]++] = w;
  }
  const deg = new Float64Array(n);
  for (let i = 0; i < n; i++) for (let e = count[i]; e < count[i + 1]; e++) deg[i] += val[e];
  for (let i = 0; i < n; i++) for (let e = count[i]; e < count[i + 1]; e++) val[e] /= Math.sqrt((deg[i] + 1e-12) * (deg[col[e]] + 1e-12));
  return { rowStart: count, col, val };
}

/** F after `iterations` of F <- alpha S F + (1 - alpha) Y (n x C, row-major). */
export function propagate(S: ReturnType<typeof affinity>, Y: Float64Array, classes: number, alpha: number, iterations: number): Float64Array {
  const n = S.rowStart.length - 1;
  let F = Y.slice();
  let next = new Float64Array(F.length);
  for (let t = 0; t < iterations; t++) {
    for (let i = 0; i < n; i++) {
      for (let c = 0; c < classes; c++) next[i * classes + c] = (1 - alpha) * Y[i * classes + c];
      for (let e = S.rowStart[i]; e < S.rowStart[i + 1]; e++) {
        const w = alpha * S.val[e];
        const j = S.col[e] * classes;
        for (let c = 0; c < classes; c++) next[i * classes + c] += w * F[j + c];
      }
    }
    [F, next] = [next, F];
  }
  return F;
}
