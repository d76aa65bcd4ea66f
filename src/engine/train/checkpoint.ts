/**
 * A training run as a model file (docs/MODEL_FORMAT.md) and back: the parameters, the Adam moments
 * (`adam.m.*` / `adam.v.*`), the running average (`opt.avg.*`), a finished averaged run's last
 * iterate (`opt.last.*`), any other extra tensor the file carried, and in the header's `training`
 * record the typed RunConfig, the run's position and its log. The page, the CLI and the CPU
 * fallback all write and read runs through here, so a run moves between them with every setting.
 */
import { paramList, paramShapes, paramsFromList, type ModelParams, type ModelSpec } from '../model';
import { readModelFile, writeModelFile, type ExtraTensor, type JsonValue, type TrainingMeta } from '../modelFile';
import type { AdamState } from './adam';
import { AVERAGE_PREFIX } from './average';
import { parseRunConfig, type RunConfig } from './config';

export const LAST_PREFIX = 'opt.last.';

export type LogRecord = { [key: string]: JsonValue };

/** Where a run is, beside its settings. */
export interface RunProgress {
  /** Completed epochs, steps completed inside the current one, steps in all. */
  epoch: number;
  stepInEpoch: number;
  step: number;
  /** Seconds spent training (summed over sessions). */
  wallSeconds: number;
  /** Samples in the running average of the parameters. */
  averageCount: number;
  /** Settings changed during the run: at which step, and what ("lr: 0.001 -> 0.0005"). */
  changes: { step: number; changes: string[] }[];
}

export interface RunSnapshot {
  spec: ModelSpec;
  preset: string | null;
  config: RunConfig;
  progress: RunProgress;
  log: LogRecord[];
  params: ModelParams;
  adam: AdamState | null;
  /** The labelled images of a semi-supervised run (indices into the training set). */
  labelledIndices: number[] | null;
  /** Extra tensors: the average, a last iterate, and any others the file carried (kept as they are). */
  extra: ExtraTensor[];
}

export function emptyProgress(): RunProgress {
  return { epoch: 0, stepInEpoch: 0, step: 0, wallSeconds: 0, averageCount: 0, changes: [] };
}

/** The snapshot as a model file. */
export function encodeRun(s: RunSnapshot): Uint8Array {
  const shapes = paramShapes(s.spec);
  const extra: ExtraTensor[] = [];
  if (s.adam) {
    shapes.forEach((sh, i) => {
      extra.push({ name: `adam.m.${sh.name}`, shape: sh.shape, data: s.adam!.m[i] });
      extra.push({ name: `adam.v.${sh.name}`, shape: sh.shape, data: s.adam!.v[i] });
    });
  }
  extra.push(...s.extra.filter((e) => !e.name.startsWith('adam.')));
  const c = s.config;
  const p = s.progress;
  const training: TrainingMeta = {
    // The top-level fields older readers use; the whole truth is in `config` and `progress`.
    mode: c.mode,
    ...(c.labelled !== null ? { labelled: c.labelled } : {}),
    seed: c.seed,
    epoch: p.epoch,
    step: p.step,
    stepInEpoch: p.stepInEpoch,
    batchSize: c.batchSize,
    optimizer: 'adam',
    ...(s.adam ? { adamStep: s.adam.t } : {}),
    config: c as unknown as JsonValue,
    progress: p as unknown as JsonValue,
    ...(s.labelledIndices ? { labelledIndices: s.labelledIndices } : {}),
    metrics: s.log,
  };
  return writeModelFile({ kind: c.kind, spec: s.spec, preset: s.preset ?? undefined, params: s.params, training, extra });
}

const isObj = (v: unknown): v is Record<string, unknown> => !!v && typeof v === 'object' && !Array.isArray(v);
const num = (v: unknown, d: number) => (typeof v === 'number' && Number.isFinite(v) ? v : d);

/**
 * A model file as a run: its training record parsed into a RunConfig (older files' untyped configs
 * translated), or a fresh supervised config for a file without one (a model to train on from).
 * `hasRun` says whether the file was a run's checkpoint.
 */
export function decodeRun(bytes: Uint8Array): RunSnapshot & { hasRun: boolean } {
  const f = readModelFile(bytes);
  const shapes = paramShapes(f.spec);
  const byName = new Map(f.extra.map((e) => [e.name, e.data]));
  const tr = f.training as Record<string, unknown> | null;
  const hasRun = !!tr && typeof tr.epoch === 'number';
  const config = parseRunConfig(hasRun ? tr! : { mode: 'supervised' });
  const m = shapes.map((s) => byName.get(`adam.m.${s.name}`));
  const v = shapes.map((s) => byName.get(`adam.v.${s.name}`));
  const t = tr?.adamStep;
  const adam = hasRun && m.every(Boolean) && v.every(Boolean) && typeof t === 'number' ? { t, m: m as Float32Array[], v: v as Float32Array[] } : null;
  const rawProgress = hasRun && isObj(tr!.progress) ? tr!.progress : {};
  const rawConfig = hasRun && isObj(tr!.config) ? tr!.config : {};
  // Before version 1 the average's sample count sat in config.average.count, the wall time in config.
  const legacyAvg = isObj(rawConfig.average) ? num(rawConfig.average.count, 0) : 0;
  const changes = Array.isArray(rawProgress.changes)
    ? rawProgress.changes.filter((c): c is { step: number; changes: string[] } => isObj(c) && typeof c.step === 'number' && Array.isArray(c.changes) && c.changes.every((x) => typeof x === 'string'))
    : [];
  const progress: RunProgress = hasRun
    ? {
        epoch: num(tr!.epoch, 0),
        stepInEpoch: num(tr!.stepInEpoch, 0),
        step: num(tr!.step, 0),
        wallSeconds: num(rawProgress.wallSeconds, num(rawConfig.wallSeconds, 0)),
        averageCount: num(rawProgress.averageCount, legacyAvg),
        changes,
      }
    : emptyProgress();
  if (progress.averageCount > 0 && !config.average) throw new Error(`the checkpoint has ${progress.averageCount} averaged samples but no averaging in its configuration`);
  const log = hasRun && Array.isArray(tr!.metrics) ? (tr!.metrics as unknown[]).filter(isObj) as LogRecord[] : [];
  let labelledIndices: number[] | null = null;
  if (hasRun && Array.isArray(tr!.labelledIndices)) {
    const li = tr!.labelledIndices as unknown[];
    if (!li.every((x) => Number.isInteger(x) && (x as number) >= 0)) throw new Error('the checkpoint\'s labelledIndices are not all image indices');
    if (config.labelled !== li.length) throw new Error(`the checkpoint names ${li.length} labelled images but says N_L = ${config.labelled}`);
    labelledIndices = li as number[];
  }
  return { spec: f.spec, preset: f.preset, config, progress, log, params: f.params, adam, labelledIndices, extra: f.extra.filter((e) => !e.name.startsWith('adam.')), hasRun };
}

/** The parameters a finished averaged run trained on last (its `opt.last.*`), or null. */
export function lastIterate(s: { spec: ModelSpec; extra: ExtraTensor[] }): ModelParams | null {
  const byName = new Map(s.extra.map((e) => [e.name, e.data]));
  const last = paramShapes(s.spec).map((sh) => byName.get(LAST_PREFIX + sh.name));
  return last.every(Boolean) ? paramsFromList(s.spec, last as Float32Array[]) : null;
}

/** Parameters as named extra tensors under a prefix (opt.last.*). */
export function paramsAsExtra(spec: ModelSpec, p: ModelParams, prefix: string): ExtraTensor[] {
  const shapes = paramShapes(spec);
  return paramList(p).map((data, i) => ({ name: prefix + shapes[i].name, shape: shapes[i].shape, data }));
}

export { AVERAGE_PREFIX };
