// Label propagation for self-training (scripts/lib/labelPropagation.ts): the k-nearest-neighbour
// graph against a sort of every pair, the normalised affinity's symmetry, the iteration against the
// closed form (1 - alpha)(I - alpha S)^-1 Y, and classes recovered along two clusters from one label each.
import { describe, expect, it } from 'vitest';
import { affinity, knn, project, propagate } from '../../scripts/lib/labelPropagation';
import { rng } from '../../src/engine/model';

function unitRows(n: number, d: number, seed: number, round = false): Float32Array {
  const r = rng(seed);
  const z = new Float32Array(n * d).map(() => (round ? Math.round(4 * (r() - 0.5)) : r() - 0.5));
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let t = 0; t < d; t++) s += z[i * d + t] ** 2;
    for (let t = 0; t < d; t++) z[i * d + t] /= Math.sqrt(s) || 1;
  }
  return z;
}

describe('label propagation', () => {
  it('finds the k most similar rows of each, itself excluded, ties to the lower index', () => {
    // Rounded entries make many exact ties; 37 rows exercise the partial last block.
    for (const round of [false, true]) {
      const n = 37;
      const d = 5;
      const k = 4;
      const z = unitRows(n, d, round ? 3 : 2, round);
      const g = knn(z, n, d, k);
      for (let i = 0; i < n; i++) {
        const dot = (j: number) => {
          let s = 0;
          for (let t = 0; t < d; t++) s += z[i * d + t] * z[j * d + t];
          return Math.fround(s);
        };
        const want = Array.from({ length: n }, (_, j) => j).filter((j) => j !== i).sort((x, y) => dot(y) - dot(x) || x - y).slice(0, k);
        const got = Array.from(g.index.subarray(i * k, (i + 1) * k)).sort((x, y) => dot(y) - dot(x) || x - y);
        expect(got).toEqual(want);
      }
    }
  });

  it('makes a symmetric affinity whose entries are the kept similarities cubed, normalised by the degrees', () => {
    const n = 30;
    const z = unitRows(n, 4, 5);
    const g = knn(z, n, 4, 3);
    const S = affinity(g, 3);
    const dense = new Float64Array(n * n);
    for (let i = 0; i < n; i++) for (let e = S.rowStart[i]; e < S.rowStart[i + 1]; e++) dense[i * n + S.col[e]] += S.val[e];
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) expect(dense[i * n + j]).toBeCloseTo(dense[j * n + i], 12);
    // Unnormalised: W = A + A^T; S_ij = W_ij / sqrt(d_i d_j).
    const W = new Float64Array(n * n);
    for (let e = 0; e < n * 3; e++) {
      const i = Math.floor(e / 3);
      const j = g.index[e];
      const w = Math.max(0, g.sim[e]) ** 3;
      W[i * n + j] += w;
      W[j * n + i] += w;
    }
    const deg = Array.from({ length: n }, (_, i) => W.subarray(i * n, (i + 1) * n).reduce((a, b) => a + b, 0));
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) expect(dense[i * n + j]).toBeCloseTo(W[i * n + j] / Math.sqrt((deg[i] + 1e-12) * (deg[j] + 1e-12)), 10);
  });

  it('converges to the closed form (1 - alpha)(I - alpha S)^-1 Y', () => {
    const n = 20;
    const C = 3;
    const S = affinity(knn(unitRows(n, 3, 7), n, 3, 4));
    const r = rng(11);
    const Y = Float64Array.from({ length: n * C }, () => r());
    const alpha = 0.9;
    const F = propagate(S, Y, C, alpha, 400);
    // Solve (I - alpha S) X = (1 - alpha) Y by Gaussian elimination.
    const A = Array.from({ length: n }, (_, i) => Array.from({ length: n + C }, (_, j) => (j < n ? (i === j ? 1 : 0) : (1 - alpha) * Y[i * C + j - n])));
    for (let i = 0; i < n; i++) for (let e = S.rowStart[i]; e < S.rowStart[i + 1]; e++) A[i][S.col[e]] -= alpha * S.val[e];
    for (let p = 0; p < n; p++) {
      for (let i = p + 1; i < n; i++) {
        const f = A[i][p] / A[p][p];
        for (let j = p; j < n + C; j++) A[i][j] -= f * A[p][j];
      }
    }
    const X = Array.from({ length: n }, () => new Array(C).fill(0));
    for (let i = n - 1; i >= 0; i--)
      for (let c = 0; c < C; c++) {
        let s = A[i][n + c];
        for (let j = i + 1; j < n; j++) s -= A[i][j] * X[j][c];
        X[i][c] = s / A[i][i];
      }
    for (let i = 0; i < n; i++) for (let c = 0; c < C; c++) expect(F[i * C + c]).toBeCloseTo(X[i][c], 8);
  });

  it('spreads one label a cluster to the whole of each of two clusters', () => {
    // Two bundles of directions (around +e1 and around +e2) in 16 dimensions, projected to 8.
    const n = 120;
    const D = 16;
    const r = rng(4);
    const f = new Float32Array(n * D);
    for (let i = 0; i < n; i++) {
      for (let t = 0; t < D; t++) f[i * D + t] = 0.15 * (r() - 0.5);
      f[i * D + (i < 60 ? 0 : 1)] += 1;
    }
    const z = project(f, n, D, 8, 1);
    for (let i = 0; i < n; i++) expect(Math.hypot(...z.subarray(i * 8, (i + 1) * 8))).toBeCloseTo(1, 5);
    expect(Array.from(project(f, n, D, 8, 1))).toEqual(Array.from(z)); // the seed fixes the projection
    const Y = new Float64Array(n * 2);
    Y[5 * 2 + 0] = 1; // image 5: class 0
    Y[100 * 2 + 1] = 1; // image 100: class 1
    const F = propagate(affinity(knn(z, n, 8, 6)), Y, 2, 0.99, 200);
    for (let i = 0; i < n; i++) expect(F[i * 2 + (i < 60 ? 0 : 1)]).toBeGreaterThan(F[i * 2 + (i < 60 ? 1 : 0)]);
  });
});
