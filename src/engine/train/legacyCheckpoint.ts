/**
 * TEMPORARY (issue 13): the checkpoint functions of the page's session before it trains through a
 * TrainRun (run.ts). Removed when src/ui/train/session.ts is a thin owner of a TrainRun.
 */
import type { GpuTrainer } from '../gpu/trainer';
import type { ModelParams, ModelSpec } from '../model';
import type { ExtraTensor, JsonValue } from '../modelFile';
import { decodeRun, encodeRun } from './checkpoint';
import { parseRunConfig, type RunConfig } from './config';

export interface RunState {
  mode: string;
  seed: number;
  labelled: number | null;
  batchSize: number;
  epoch: number;
  stepInEpoch: number;
  step: number;
  config: JsonValue;
  metrics: { [key: string]: JsonValue }[];
}

export async function saveCheckpoint(trainer: GpuTrainer, spec: ModelSpec, preset: string | null, run: RunState, opts: { more?: ExtraTensor[]; params?: ModelParams } = {}): Promise<Uint8Array> {
  const params = opts.params ?? (await trainer.readParams());
  const adam = await trainer.readAdamState();
  const config: RunConfig = parseRunConfig({ mode: run.mode, seed: run.seed, labelled: run.labelled ?? undefined, batchSize: run.batchSize, epoch: run.epoch, config: run.config });
  const raw = (run.config ?? {}) as { wallSeconds?: number };
  return encodeRun({
    spec, preset, config, params, adam, labelledIndices: null, extra: opts.more ?? [], log: run.metrics,
    progress: { epoch: run.epoch, stepInEpoch: run.stepInEpoch, step: run.step, wallSeconds: Number(raw.wallSeconds ?? 0), averageCount: 0, changes: [] },
  });
}

export interface LoadedCheckpoint {
  spec: ModelSpec;
  preset: string | null;
  params: ModelParams;
  run: RunState | null;
  adam: { t: number; m: Float32Array[]; v: Float32Array[] } | null;
  extra: ExtraTensor[];
}

export function loadCheckpoint(bytes: Uint8Array): LoadedCheckpoint {
  const s = decodeRun(bytes);
  const c = s.config;
  const run: RunState | null = s.hasRun
    ? {
        mode: c.mode, seed: c.seed, labelled: c.labelled, batchSize: c.batchSize, epoch: s.progress.epoch, stepInEpoch: s.progress.stepInEpoch, step: s.progress.step,
        config: { ...(c as unknown as { [k: string]: JsonValue }), wallSeconds: s.progress.wallSeconds, epochsPlanned: c.epochs, init: c.init.kind === 'file' ? c.init.name : null },
        metrics: s.log,
      }
    : null;
  return { spec: s.spec, preset: s.preset, params: s.params, run, adam: s.adam, extra: s.extra };
}
