/**
 * Central finite differences of a scalar objective of a model's parameters (in float64), against
 * an analytic gradient, at about a dozen entries of every tensor: (f(p + h e_j) - f(p - h e_j)) / 2h
 * must match the gradient within 1e-5 relative (absolute below 1). Returns how many entries it checked.
 */
import { expect } from 'vitest';
import { paramList, paramsFromList, type ModelParams, type ModelSpec } from '../../src/engine/model';

export function expectGradientsMatchFd(
  spec: ModelSpec, params: ModelParams, grads: ArrayLike<number>[], objective: (p: ModelParams) => number, h = 1e-6,
): number {
  let checked = 0;
  paramList(params).forEach((tensor, ti) => {
    const stride = Math.max(1, Math.floor(tensor.length / 12));
    for (let j = 0; j < tensor.length; j += stride) {
      const at = (delta: number) => {
        const list = paramList(params).map((t) => Float64Array.from(t)) as unknown as Float32Array[];
        list[ti][j] += delta;
        return objective(paramsFromList(spec, list));
      };
      const fd = (at(h) - at(-h)) / (2 * h);
      expect(Math.abs(fd - grads[ti][j])).toBeLessThan(1e-5 * Math.max(1, Math.abs(fd)));
      checked++;
    }
  });
  return checked;
}
