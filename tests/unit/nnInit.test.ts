/**
 * The NN-DRMM's data-dependent initialisation (src/engine/train/nnInit.ts): the tensors the
 * NN-DRMM keeps >= 0 start >= 0 (so projecting them changes nothing), level 1 stays signed, and
 * on the batch it was scaled on every channel's pre-activation has mean 0 and standard deviation
 * 1, and every class's score has mean 0.
 */
import { describe, expect, it } from 'vitest';
import { nonnegativeTensors, projectParams } from '../../src/engine/train/config';
import { channelStats, nonnegativeInit } from '../../src/engine/train/nnInit';
import { paramList, shapesOf } from '../../src/engine/model';
import { forward } from '../../src/engine/reference/pipeline';
import { randomArray } from '../helpers/compare';
import { SMALL } from '../helpers/specs';

describe('nonnegativeInit', () => {
  const n = 24;
  const images = Float64Array.from(randomArray(n * 9 * 11, 5, 0, 1));
  const p = nonnegativeInit(SMALL, 3, images, n);

  it('starts the NN-DRMM tensors >= 0 (projection is a no-op) and keeps level 1 signed', () => {
    const keep = nonnegativeTensors({ nonnegative: 'top-down' }, SMALL.levels.length);
    paramList(p).forEach((t, i) => {
      if (keep[i]) expect(Math.min(...t), `tensor ${i}`).toBeGreaterThanOrEqual(0);
    });
    expect(Math.min(...p.weights[0])).toBeLessThan(0);
    expect(paramList(projectParams({ nonnegative: 'top-down' }, p))).toEqual(paramList(p));
  });

  it('gives every channel a pre-activation of mean 0 and std 1 on its batch, and every class a mean score of 0', () => {
    const fwd = forward(SMALL, p, images, n);
    shapesOf(SMALL).levels.forEach((l, i) => {
      for (const { mean, std } of channelStats(fwd.levels[i].u, n, l.c, l.hc * l.wc)) {
        expect(mean).toBeCloseTo(0, 5); // float32 parameters
        expect(std).toBeCloseTo(1, 5);
      }
    });
    for (let c = 0; c < SMALL.classes; c++) {
      let s = 0;
      for (let j = 0; j < n; j++) s += fwd.scores[j * SMALL.classes + c];
      expect(s / n).toBeCloseTo(0, 5);
    }
  });

  it('is deterministic given the seed and the images', () => {
    expect(paramList(nonnegativeInit(SMALL, 3, images, n))).toEqual(paramList(p));
  });
});
