// The run summaries behind docs/RESULTS.md (scripts/lib/results.ts).
import { describe, expect, it } from 'vitest';
import { chosenByValidation, epochsToError, errorAt, evaluationsOf, pairs, type RunSummary } from '../../scripts/lib/results';

const run = (mode: string, seed: number, extra: Partial<RunSummary> = {}): RunSummary => ({
  name: `${mode}-${seed}`, preset: 'drmm-compact', shape: '12, 24', mode, seed, labelled: null, augment: 0, init: null,
  finished: true, epochs: 3, wallSeconds: 0, evaluations: [], ...extra,
});

describe('run summaries', () => {
  it('chosenByValidation: the evaluation of the best validation accuracy (the first of equals), whatever the test accuracy', () => {
    const ev = evaluationsOf([
      { epoch: 0.25, testAccuracy: 0.9, validationAccuracy: 0.8 },
      { epoch: 0.5, testAccuracy: 0.95, validationAccuracy: 0.85 },
      { epoch: 0.75, testAccuracy: 0.99, validationAccuracy: 0.85 },
      { epoch: 1, testAccuracy: 0.97, validationAccuracy: 0.84 },
    ]);
    expect(chosenByValidation(ev)).toEqual({ epoch: 0.5, testAccuracy: 0.95, validationAccuracy: 0.85 });
    expect(chosenByValidation(evaluationsOf([{ epoch: 1, testAccuracy: 0.9 }]))).toBeNull();
  });

  it('epochsToError: the first evaluation at or under the error, counted in whole test images', () => {
    const ev = [
      { epoch: 0.5, testAccuracy: 0.97 },
      { epoch: 1, testAccuracy: 0.9849 },
      { epoch: 1.5, testAccuracy: 1 - 0.015 }, // 150 wrong: reaches 1.5% however 1 - 0.985 rounds
      { epoch: 2, testAccuracy: 0.99 },
    ];
    expect(epochsToError(ev, 0.015)).toBe(1.5);
    expect(epochsToError(ev, 0.01)).toBe(2);
    expect(epochsToError(ev, 0.005)).toBeNull();
  });

  it('evaluationsOf keeps the evaluations in order and one record per point (the later of a duplicated epoch end)', () => {
    const ev = evaluationsOf([
      { epoch: 0.5 },
      { epoch: 0.9989, testAccuracy: 0.9793 },
      { epoch: 1, testAccuracy: 0.9792 },
      { epoch: 1.25, testAccuracy: 0.98 },
    ]);
    expect(ev).toEqual([
      { epoch: 1, testAccuracy: 0.9792 },
      { epoch: 1.25, testAccuracy: 0.98 },
    ]);
    expect(errorAt(ev, 1)).toBeCloseTo(0.0208, 10);
    expect(errorAt(ev, 2)).toBeNull();
  });

  it('pairs EG and convnet runs of the same preset, shape and seed, leaving out augmented and fine-tuned runs', () => {
    const runs = [run('supervised', 2), run('convnet', 1), run('supervised', 1), run('convnet', 2), run('supervised', 3), run('supervised', 1, { augment: 2, init: 'x.drmm' }), run('supervised', 2, { shape: '16, 32', name: 'wide-2' })];
    const p = pairs(runs);
    expect(p.map((q) => [q.seed, q.eg.name, q.convnet.name])).toEqual([
      [1, 'supervised-1', 'convnet-1'],
      [2, 'supervised-2', 'convnet-2'],
    ]);
  });
});
