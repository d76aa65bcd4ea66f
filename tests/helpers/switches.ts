import type { ForwardMaps } from '../../src/engine/types';

/**
 * Whether two forward passes chose the same a- and t-switches everywhere: a finite difference is
 * only a derivative where no switch flips between I+h and I-h.
 */
export function sameSwitches(a: ForwardMaps, b: ForwardMaps): boolean {
  return a.levels.every((l, i) => l.a.every((v, j) => v === b.levels[i].a[j]) && (!l.t || l.t.every((v, j) => v === b.levels[i].t![j])));
}
