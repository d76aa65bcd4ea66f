/**
 * A trainer's state as a model file (docs/MODEL_FORMAT.md): the parameters, the Adam moments as
 * `adam.m.*` / `adam.v.*` extra tensors, and the training metadata; and back. Shared by the CLI
 * and the page, so a run can move between them.
 */
import type { GpuTrainer } from '../gpu/trainer';
import { paramShapes, type ModelParams, type ModelSpec } from '../model';
import { readModelFile, writeModelFile, type ExtraTensor, type JsonValue, type TrainingMeta } from '../modelFile';

export interface RunState {
  mode: string;
  seed: number;
  labelled: number | null;
  batchSize: number;
  /** Completed epochs, and steps completed inside the current one. */
  epoch: number;
  stepInEpoch: number;
  step: number;
  config: JsonValue;
  metrics: { [key: string]: JsonValue }[];
}

/**
 * `more`: further extra tensors to keep with the run (e.g. the running average of the
 * parameters); `params`: the parameters to store instead of the trainer's (a run's averaged
 * model, whose last iterate then goes in `more`).
 */
export async function saveCheckpoint(
  trainer: GpuTrainer, spec: ModelSpec, preset: string | null, run: RunState,
  opts: { more?: ExtraTensor[]; params?: ModelParams } = {},
): Promise<Uint8Array> {
  const params = opts.params ?? (await trainer.readParams());
  const adam = await trainer.readAdamState();
  const names = trainer.paramNames();
  const shapes = paramShapes(spec);
  const extra: ExtraTensor[] = [];
  names.forEach((name, i) => {
    extra.push({ name: `adam.m.${name}`, shape: shapes[i].shape, data: adam.m[i] });
    extra.push({ name: `adam.v.${name}`, shape: shapes[i].shape, data: adam.v[i] });
  });
  extra.push(...(opts.more ?? []));
  const training: TrainingMeta = {
    mode: run.mode,
    labelled: run.labelled ?? undefined,
    seed: run.seed,
    epoch: run.epoch,
    step: run.step,
    stepInEpoch: run.stepInEpoch,
    batchSize: run.batchSize,
    adamStep: adam.t,
    optimizer: 'adam',
    config: run.config,
    metrics: run.metrics,
  };
  for (const k of Object.keys(training)) if (training[k] === undefined) delete training[k];
  return writeModelFile({ spec, preset: preset ?? undefined, params, training, extra });
}

export interface LoadedCheckpoint {
  spec: ModelSpec;
  preset: string | null;
  params: ModelParams;
  run: RunState | null;
  adam: { t: number; m: Float32Array[]; v: Float32Array[] } | null;
  /** The file's other extra tensors (not the Adam moments). */
  extra: ExtraTensor[];
}

export function loadCheckpoint(bytes: Uint8Array): LoadedCheckpoint {
  const f = readModelFile(bytes);
  const names = paramShapes(f.spec).map((s) => s.name);
  const byName = new Map(f.extra.map((e) => [e.name, e.data]));
  const m = names.map((n) => byName.get(`adam.m.${n}`));
  const v = names.map((n) => byName.get(`adam.v.${n}`));
  const t = f.training?.adamStep;
  const adam = m.every(Boolean) && v.every(Boolean) && typeof t === 'number' ? { t, m: m as Float32Array[], v: v as Float32Array[] } : null;
  const tr = f.training;
  const run: RunState | null = tr && typeof tr.epoch === 'number'
    ? {
        mode: String(tr.mode ?? 'supervised'),
        seed: Number(tr.seed ?? 1),
        labelled: typeof tr.labelled === 'number' ? tr.labelled : null,
        batchSize: Number(tr.batchSize ?? 64),
        epoch: tr.epoch,
        stepInEpoch: Number(tr.stepInEpoch ?? 0),
        step: Number(tr.step ?? 0),
        config: (tr.config ?? null) as JsonValue,
        metrics: (tr.metrics ?? []) as { [key: string]: JsonValue }[],
      }
    : null;
  return { spec: f.spec, preset: f.preset, params: f.params, run, adam, extra: f.extra.filter((e) => !e.name.startsWith('adam.')) };
}
