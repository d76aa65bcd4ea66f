/**
 * The running mean of a run's parameters (Polyak-Ruppert averaging of the G-step's iterates; with
 * the samples taken late in training, "stochastic weight averaging"): theta_bar = (1/K) sum_k
 * theta_k over K samples of the parameters taken every few hundred steps. The DRMM has no batch
 * statistics to recompute, so the mean is a model as it stands. Sums are kept in float64; a
 * checkpoint stores the mean (float32) and K, as the extra tensors `opt.avg.<parameter>`.
 */
import { paramList, paramShapes, paramsFromList, type ModelParams, type ModelSpec } from '../model';
import type { ExtraTensor } from '../modelFile';

export const AVERAGE_PREFIX = 'opt.avg.';

export class ParamAverage {
  private readonly sums: Float64Array[];
  private k: number;

  /** An empty average, or one restored from a stored mean of `count` samples. */
  constructor(private readonly spec: ModelSpec, stored?: { mean: Float32Array[]; count: number }) {
    const shapes = paramShapes(spec);
    this.sums = shapes.map((s) => new Float64Array(s.shape.reduce((a, b) => a * b, 1)));
    this.k = 0;
    if (stored && stored.count > 0) {
      if (stored.mean.length !== shapes.length) throw new Error(`the stored average has ${stored.mean.length} tensors, the model ${shapes.length}`);
      stored.mean.forEach((m, i) => {
        if (m.length !== this.sums[i].length) throw new Error(`the stored average of ${shapes[i].name} has ${m.length} values, expected ${this.sums[i].length}`);
        for (let j = 0; j < m.length; j++) this.sums[i][j] = m[j] * stored.count;
      });
      this.k = stored.count;
    }
  }

  /** Samples taken so far (K). */
  get count(): number {
    return this.k;
  }

  add(p: ModelParams): void {
    paramList(p).forEach((t, i) => {
      const s = this.sums[i];
      if (t.length !== s.length) throw new Error(`ParamAverage.add: tensor ${i} has ${t.length} values, expected ${s.length}`);
      for (let j = 0; j < t.length; j++) s[j] += t[j];
    });
    this.k++;
  }

  /** theta_bar; throws before the first sample. */
  mean(): ModelParams {
    if (this.k === 0) throw new Error('no parameters averaged yet');
    return paramsFromList(this.spec, this.sums.map((s) => Float32Array.from(s, (v) => v / this.k)));
  }

  /** The mean as model-file extra tensors (none before the first sample). */
  toExtra(): ExtraTensor[] {
    if (this.k === 0) return [];
    const shapes = paramShapes(this.spec);
    return paramList(this.mean()).map((data, i) => ({ name: `${AVERAGE_PREFIX}${shapes[i].name}`, shape: shapes[i].shape, data }));
  }

  /** The average stored in a file's extra tensors with `count` samples, or an empty one. */
  static fromExtra(spec: ModelSpec, extra: ExtraTensor[], count: number): ParamAverage {
    if (!count) return new ParamAverage(spec);
    const byName = new Map(extra.map((e) => [e.name, e.data]));
    const mean = paramShapes(spec).map((s) => {
      const t = byName.get(`${AVERAGE_PREFIX}${s.name}`);
      if (!t) throw new Error(`the checkpoint says ${count} samples were averaged, but has no ${AVERAGE_PREFIX}${s.name}`);
      return t;
    });
    return new ParamAverage(spec, { mean, count });
  }
}
