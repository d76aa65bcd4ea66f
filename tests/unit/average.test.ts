// The running mean of the parameters (src/engine/train/average.ts): the mean of its samples, and
// the same mean after a round trip through a checkpoint's extra tensors.
import { describe, expect, it } from 'vitest';
import { PRESETS, initParams, paramList } from '../../src/engine/model';
import { ParamAverage } from '../../src/engine/train/average';

const spec = PRESETS['drmm-compact'];

describe('ParamAverage', () => {
  it('is the elementwise mean of the samples, also after a stop and a restore from the stored mean', () => {
    const samples = [1, 2, 3, 4, 5].map((s) => initParams(spec, s));
    const want = paramList(samples[0]).map((t, i) => Float64Array.from(t, (_, j) => samples.reduce((acc, p) => acc + paramList(p)[i][j], 0) / samples.length));
    const whole = new ParamAverage(spec);
    samples.forEach((p) => whole.add(p));
    expect(whole.count).toBe(5);
    paramList(whole.mean()).forEach((t, i) => t.forEach((v, j) => expect(v).toBeCloseTo(want[i][j], 6)));

    const part = new ParamAverage(spec);
    samples.slice(0, 2).forEach((p) => part.add(p));
    const restored = ParamAverage.fromExtra(spec, part.toExtra(), part.count);
    expect(restored.count).toBe(2);
    samples.slice(2).forEach((p) => restored.add(p));
    paramList(restored.mean()).forEach((t, i) => t.forEach((v, j) => expect(v).toBeCloseTo(want[i][j], 6)));
  });

  it('stores nothing before its first sample, refuses a mean of none, and names a missing tensor', () => {
    const a = new ParamAverage(spec);
    expect(a.toExtra()).toEqual([]);
    expect(() => a.mean()).toThrow(/no parameters averaged/);
    expect(ParamAverage.fromExtra(spec, [], 0).count).toBe(0);
    expect(() => ParamAverage.fromExtra(spec, [], 3)).toThrow(/opt\.avg\.level1\.weights/);
    a.add(initParams(spec, 9));
    expect(a.toExtra().map((e) => e.name)[0]).toBe('opt.avg.level1.weights');
  });
});
