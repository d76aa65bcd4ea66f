import { forward } from '../../src/engine/reference/pipeline';
import type { ModelParams, ModelSpec } from '../../src/engine/model';
import type { ForwardMaps } from '../../src/engine/types';

/**
 * Whether two forward passes chose the same a- and t-switches everywhere: a finite difference is
 * only a derivative where no switch flips between I+h and I-h.
 */
export function sameSwitches(a: ForwardMaps, b: ForwardMaps): boolean {
  return a.levels.every((l, i) => l.a.every((v, j) => v === b.levels[i].a[j]) && (!l.t || l.t.every((v, j) => v === b.levels[i].t![j])));
}

/**
 * Central finite differences (float64, on the reference) of class `cls`'s score with respect to
 * each pixel of one image; pixels where a switch flips between I+h and I-h are left out.
 */
export function scoreGradientByDifferences(spec: ModelSpec, params: ModelParams, img: Float64Array, cls: number, h = 1e-6): { pixel: number; fd: number }[] {
  const base = forward(spec, params, img, 1);
  const out: { pixel: number; fd: number }[] = [];
  for (let p = 0; p < img.length; p++) {
    const plus = img.slice();
    plus[p] += h;
    const minus = img.slice();
    minus[p] -= h;
    const fp = forward(spec, params, plus, 1);
    const fm = forward(spec, params, minus, 1);
    if (!sameSwitches(fp, base) || !sameSwitches(fm, base)) continue;
    out.push({ pixel: p, fd: (fp.scores[cls] - fm.scores[cls]) / (2 * h) });
  }
  return out;
}
