/**
 * The speed probe: a few training steps of the chosen architecture and mode on throw-away weights
 * and synthetic digits, each phase of a step (forward, top-down, backward, Adam) submitted on its
 * own and timed to completion. From the samples (logic.ts) the page picks its batch (one phase
 * within ~100 ms keeps the page responsive) and whether a step must be split into submits.
 */
import { rng, type ModelSpec } from '../../engine';
import { defaultRunConfig } from '../../engine/train';
import { floatSplit } from '../../engine/train';
import { GpuTrainRun } from '../../engine/train';
import type { Submit } from '../../engine/train';
import type { TrainMode } from '../../engine/train';
import { PHASE_TARGET_MS, type StepSample } from './logic';

/** The batches timed: the first step warms the pipelines up; then the fastest of repeats per size. */
export const PROBE_BATCHES = [8, 8, 8, 32, 32];

/** Resolves after the event loop has had a turn (rendering and input included). */
export function yieldNow(): Promise<void> {
  const sched = (globalThis as { scheduler?: { yield?: () => Promise<void> } }).scheduler;
  if (sched?.yield) return sched.yield();
  return new Promise((resolve) => setTimeout(resolve, 0));
}

/**
 * A Submit that records each group of phases into its own submit: every phase alone when `split`
 * (waiting for it and yielding after), else all in one (waited for when `sync`). Each submit's ms
 * goes to `times`.
 */
export function phaseSubmitter(device: GPUDevice, now: () => number, opts: { split: boolean; sync: boolean; times?: number[] }): Submit {
  return async (phases) => {
    const groups = opts.split ? phases.map((p) => [p]) : [phases];
    for (const group of groups) {
      const t0 = now();
      const enc = device.createCommandEncoder({ label: 'drmm.train.page' });
      const pass = enc.beginComputePass({ label: 'drmm.train.page' });
      for (const phase of group) phase(pass);
      pass.end();
      device.queue.submit([enc.finish()]);
      if (opts.split || opts.sync) await device.queue.onSubmittedWorkDone();
      opts.times?.push(now() - t0);
      if (opts.split) await yieldNow();
    }
  };
}

/** Times steps of `spec` in `mode` at the probe batches; stops early when the smallest batch is already at the target. */
export async function probeSpeed(device: GPUDevice, spec: ModelSpec, mode: TrainMode, now: () => number): Promise<StepSample[]> {
  const max = Math.max(...PROBE_BATCHES);
  const per = spec.input.channels * spec.input.height * spec.input.width;
  const count = 2 * max;
  const r = rng(0x5eed);
  const images = Float32Array.from({ length: count * per }, () => (r() < 0.2 ? r() : 0));
  const labels = Uint8Array.from({ length: count }, (_, i) => i % spec.classes);
  const config = defaultRunConfig(mode, {
    batchSize: PROBE_BATCHES[0],
    labelled: mode === 'semi-supervised' ? spec.classes : null,
    data: { source: 'mnist', trainCount: count, validation: { count: 0, seed: 1 }, subset: null },
    cadence: { logEvery: 1_000_000, evalsPerEpoch: 1, checkpointEvery: 1_000_000 },
  });
  const run = await GpuTrainRun.create(device, spec, null, config, { train: floatSplit(images, labels, per), test: null }, { label: 'drmm.probe' });
  const samples: StepSample[] = [];
  try {
    for (let k = 0; k < PROBE_BATCHES.length; k++) {
      const n = PROBE_BATCHES[k];
      // Already at the target with the smallest batch (a heavy model on a slow adapter): the batch
      // will be the smallest, and larger probes would only stall the GPU.
      const small = samples.find((x) => x.batch === PROBE_BATCHES[0]);
      if (n > PROBE_BATCHES[0] && small && Math.max(...small.phaseMs) >= PHASE_TARGET_MS) break;
      await run.setBatchSize(n);
      const ms: number[] = [];
      await run.step({ submit: phaseSubmitter(device, now, { split: true, sync: true, times: ms }) });
      if (k === 0) continue;
      const same = samples.find((x) => x.batch === n);
      if (same) same.phaseMs = same.phaseMs.map((v, i) => Math.min(v, ms[i]));
      else samples.push({ batch: n, phaseMs: ms });
    }
  } finally {
    run.destroy();
  }
  return samples;
}
