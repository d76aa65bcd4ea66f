/**
 * Numeric comparison for GPU-vs-reference tests: |actual - expected| <= rel * |expected| + abs
 * (relative 1e-4, with an absolute floor for values near zero). Failures name the worst element.
 */
import { rng } from '../../src/engine/model';

export interface CloseOptions {
  rel?: number;
  abs?: number;
}

export function compareClose(actual: ArrayLike<number>, expected: ArrayLike<number>, opts: CloseOptions = {}) {
  const rel = opts.rel ?? 1e-4;
  const abs = opts.abs ?? 1e-5;
  if (actual.length !== expected.length) return { ok: false, bad: -1, msg: `length ${actual.length} != ${expected.length}`, worst: Infinity };
  let bad = 0;
  let worst = 0;
  let worstAt = -1;
  for (let i = 0; i < actual.length; i++) {
    const a = actual[i];
    const e = expected[i];
    if (a === e) continue; // also equal infinities
    const err = Math.abs(a - e);
    const tol = rel * Math.abs(e) + abs;
    const excess = Number.isNaN(err) ? Infinity : err / tol;
    if (!(err <= tol)) bad++;
    if (excess > worst) {
      worst = excess;
      worstAt = i;
    }
  }
  const msg = worstAt < 0 ? 'exact' : `worst at [${worstAt}]: got ${actual[worstAt]}, expected ${expected[worstAt]} (${worst.toFixed(3)}x the tolerance)`;
  return { ok: bad === 0, bad, msg, worst };
}

export function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, name: string, opts: CloseOptions = {}): void {
  const r = compareClose(actual, expected, opts);
  if (!r.ok) throw new Error(`${name}: ${r.bad} of ${expected.length} values differ; ${r.msg}`);
}

export function expectEqualInts(actual: ArrayLike<number>, expected: ArrayLike<number>, name: string): void {
  if (actual.length !== expected.length) throw new Error(`${name}: length ${actual.length} != ${expected.length}`);
  let bad = 0;
  let first = -1;
  for (let i = 0; i < actual.length; i++)
    if (actual[i] !== expected[i]) {
      bad++;
      if (first < 0) first = i;
    }
  if (bad) throw new Error(`${name}: ${bad} of ${expected.length} differ; first at [${first}]: got ${actual[first]}, expected ${expected[first]}`);
}

/** Seeded uniform values in [lo, hi), from the engine's seeded generator (rng, mulberry32). */
export function randomArray(n: number, seed: number, lo = -1, hi = 1): Float32Array {
  const u = rng(seed);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = lo + u() * (hi - lo);
  return out;
}
