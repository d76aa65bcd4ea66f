/**
 * Per-dispatch timing of our kernels, without touching the engine. The engine encodes everything
 * into one compute pass, and WebGPU gives no per-dispatch time inside a pass without the
 * timestamp-query feature (which the engine's device does not request). So we hand the engine's
 * `encode*` methods a *recording* pass that only notes each (pipeline, bind group, grid), then
 * replay every dispatch on its own: R copies in one pass, one submit, wait for
 * onSubmittedWorkDone. The time per dispatch is (t(R copies) - t(empty submit)) / R.
 *
 * Replaying a dispatch is safe: every kernel reads its inputs and writes a separate output
 * buffer, so running it again (or R times) recomputes the same values. The uniforms (sizes) were
 * written by the engine when it encoded, and each dispatch site owns its uniform buffer.
 */
import { median } from './stats';
import type { DispatchProfile } from './types';

interface Recorded {
  pipeline: GPUComputePipeline;
  bindGroup: GPUBindGroup;
  x: number;
  y: number;
}

/** A stand-in for GPUComputePassEncoder implementing the three calls the engine's Step uses. */
export function recordingPass(): { pass: GPUComputePassEncoder; dispatches: Recorded[] } {
  const dispatches: Recorded[] = [];
  let pipeline: GPUComputePipeline | null = null;
  let bindGroup: GPUBindGroup | null = null;
  const rec = {
    setPipeline(p: GPUComputePipeline) {
      pipeline = p;
    },
    setBindGroup(index: number, g: GPUBindGroup | null) {
      if (index !== 0 || !g) throw new Error('recordingPass: the engine uses bind group 0 only');
      bindGroup = g;
    },
    dispatchWorkgroups(x: number, y = 1) {
      if (!pipeline || !bindGroup) throw new Error('recordingPass: dispatch before setPipeline/setBindGroup');
      dispatches.push({ pipeline, bindGroup, x, y });
    },
  };
  // Only these three methods are ever called by Step.encode; anything else would throw.
  return { pass: rec as unknown as GPUComputePassEncoder, dispatches };
}

async function submitAndWait(device: GPUDevice, d: Recorded | null, copies: number): Promise<number> {
  const t0 = performance.now();
  const enc = device.createCommandEncoder();
  const pass = enc.beginComputePass();
  if (d) {
    pass.setPipeline(d.pipeline);
    pass.setBindGroup(0, d.bindGroup);
    for (let i = 0; i < copies; i++) pass.dispatchWorkgroups(d.x, d.y);
  }
  pass.end();
  device.queue.submit([enc.finish()]);
  await device.queue.onSubmittedWorkDone();
  return performance.now() - t0;
}

/** Median time of one empty submit round trip (the floor under every per-dispatch figure). */
export async function emptySubmitMs(device: GPUDevice, samples = 15): Promise<number> {
  await submitAndWait(device, null, 0);
  const xs: number[] = [];
  for (let i = 0; i < samples; i++) xs.push(await submitAndWait(device, null, 0));
  return median(xs);
}

/**
 * Times each recorded dispatch (in recorded order, so data flows as in the real pass). About
 * `targetMs` of work per sample decides R; `samples` samples, median.
 */
export async function profileDispatches(device: GPUDevice, dispatches: Recorded[], floorMs: number, targetMs = 60, samples = 3): Promise<DispatchProfile[]> {
  const out: DispatchProfile[] = [];
  for (const d of dispatches) {
    const once = Math.max(1e-3, (await submitAndWait(device, d, 1)) - floorMs); // also a warm-up
    const copies = Math.max(1, Math.min(50, Math.round(targetMs / once)));
    const xs: number[] = [];
    for (let i = 0; i < samples; i++) xs.push(((await submitAndWait(device, d, copies)) - floorMs) / copies);
    const label = (d.bindGroup.label || '?').replace(/\.bindGroup$/, '');
    out.push({ label, kernel: (d.pipeline.label || '?').replace(/^drmm\./, ''), workgroups: [d.x, d.y], ms: Math.max(0, median(xs)) });
  }
  return out;
}
