/**
 * Our training step as the app and the CLI run it: `GpuTrainer.setBatch` (images and labels
 * written to the queue) then `GpuTrainer.step()` (every phase in one command buffer, one
 * submit), with the loss accumulators read back at each sync. Two objectives on the same
 * network and kernels: the EG step with the CLI's supervised defaults (cross-entropy
 * + 0.5 reconstruction + 0.1 nonnegativity, the top-down pass from the label) and the convnet
 * baseline (cross-entropy only: no top-down pass).
 */
import { DrmmGpuEngine, type ModelParams, type ModelSpec } from '../src/engine';
import { GpuTrainer } from '../src/engine/gpu/trainer';
import { formatChoice } from '../src/engine/gpu/convSteps';
import type { LossWeights } from '../src/engine/reference/train';
import { median } from './stats';
import { profileDispatches, recordingPass } from './profile';
import type { TrainStepper } from './trainImpl';
import type { DispatchProfile, PhaseTiming } from './types';

/** The CLI's defaults (scripts/train.ts): supervised EG, and the convnet baseline. */
export const EG_WEIGHTS: LossWeights = { rc: 0.5, kl: 0, nn: 0.1 };
export const CONVNET_WEIGHTS: LossWeights = { rc: 0, kl: 0, nn: 0 };

export interface OursStepper extends TrainStepper {
  readonly trainer: GpuTrainer;
  readonly engine: DrmmGpuEngine;
}

export async function oursStepper(device: GPUDevice, spec: ModelSpec, params: ModelParams, eg: boolean, lr: number, batch: number): Promise<OursStepper> {
  const engine = await DrmmGpuEngine.create(device, spec, params, { maxBatch: batch });
  const trainer = new GpuTrainer(engine, { weights: eg ? EG_WEIGHTS : CONVNET_WEIGHTS, lr, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0 });
  const w = trainer.config.weights;
  // The kernels the step runs: the device's tuner's choice (bench/main.ts turns the tuner on), or the direct kernels without one.
  const kernels = `kernels ${formatChoice(engine.kernels)} (${engine.kernelReport.source})`;
  return {
    impl: eg ? 'oursEg' : 'oursConvnet',
    description: eg
      ? `ours, EG step (CE + ${w.rc} RC + ${w.nn} NN, rendering top-down from the label), our WGSL on our device, ${kernels}`
      : `ours, convnet baseline (CE only, same kernels), our WGSL on our device, ${kernels}`,
    trainer,
    engine,
    activate: async () => {},
    step(b) {
      trainer.setBatch(b.images, b.labels, b.labels.length);
      trainer.step();
    },
    async sync() {
      const m = await trainer.readMetrics(true);
      return { ce: m.ce, total: m.total };
    },
    dispose() {
      trainer.destroy();
      engine.destroy();
    },
  };
}

function phaseNames(count: number): string[] {
  return count === 4
    ? ['forward (bottom-up, softmax, CE gradient)', 'top-down (rendering, RC and NN gradients)', 'backward (read-out, levels)', 'Adam']
    : ['forward (bottom-up, softmax, CE gradient)', 'backward (read-out, levels)', 'Adam'];
}

/** Forwards the three calls our kernel steps make to a real pass, counting the dispatches. */
function countingPass(pass: GPUComputePassEncoder): { pass: GPUComputePassEncoder; count: () => number } {
  let n = 0;
  const wrapper = {
    setPipeline: (p: GPUComputePipeline) => pass.setPipeline(p),
    setBindGroup: (i: number, g: GPUBindGroup | null) => pass.setBindGroup(i, g),
    dispatchWorkgroups: (x: number, y?: number, z?: number) => {
      n++;
      pass.dispatchWorkgroups(x, y, z);
    },
  };
  return { pass: wrapper as unknown as GPUComputePassEncoder, count: () => n };
}

/**
 * Each phase of our step submitted alone and awaited (onSubmittedWorkDone), `reps` real steps;
 * the median per phase. The sum exceeds a one-submit step by the per-submit round trips.
 */
export async function profilePhases(s: OursStepper, images: Float32Array, labels: Int32Array, reps: number): Promise<PhaseTiming[]> {
  const device = s.engine.device;
  const times: number[][] = [];
  const dispatches: number[] = [];
  for (let r = 0; r < reps; r++) {
    s.trainer.setBatch(images, labels, labels.length);
    const phases = s.trainer.phases();
    for (let i = 0; i < phases.length; i++) {
      const t0 = performance.now();
      const enc = device.createCommandEncoder({ label: 'bench.train.phase' });
      const pass = enc.beginComputePass();
      const c = countingPass(pass);
      phases[i](c.pass);
      pass.end();
      device.queue.submit([enc.finish()]);
      await device.queue.onSubmittedWorkDone();
      (times[i] ??= []).push(performance.now() - t0);
      dispatches[i] = c.count();
    }
  }
  await s.trainer.readMetrics(true);
  const names = phaseNames(times.length);
  return times.map((t, i) => ({ phase: names[i], ms: median(t), dispatches: dispatches[i] }));
}

/** Every dispatch of one step replayed alone (bench/profile.ts); the state is scrambled afterwards. */
export async function profileStepDispatches(s: OursStepper, images: Float32Array, labels: Int32Array, floorMs: number): Promise<DispatchProfile[]> {
  s.trainer.setBatch(images, labels, labels.length);
  const rec = recordingPass();
  for (const phase of s.trainer.phases()) phase(rec.pass);
  return profileDispatches(s.engine.device, rec.dispatches, floorMs);
}
