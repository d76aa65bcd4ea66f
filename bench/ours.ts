/**
 * The operations we time on our engine, each ending when its result is usable (see
 * docs/BENCHMARKS.md for what each timer includes). All use the lower-level DrmmGpuEngine so
 * that upload, encode, submit and read-back are explicit.
 */
import type { DrmmGpuEngine, Start } from '../src/engine';

export const PREDICTED: Start = { kind: 'class', classes: 'predicted' };

function submitForward(core: DrmmGpuEngine, images: Float32Array, n: number): void {
  core.setImages(images, n);
  const enc = core.device.createCommandEncoder({ label: 'bench.forward' });
  const pass = enc.beginComputePass();
  core.encodeForward(pass);
  pass.end();
  core.device.queue.submit([enc.finish()]);
}

/** Upload + bottom-up pass + read-back of scores, probs and pred (what a classifier call returns). */
export async function forwardRead(core: DrmmGpuEngine, images: Float32Array, n: number) {
  submitForward(core, images, n);
  return core.readForward(0, n, false);
}

/** Upload + bottom-up pass, until the queue reports the work done (no read-back). */
export async function forwardGpuDone(core: DrmmGpuEngine, images: Float32Array, n: number): Promise<void> {
  submitForward(core, images, n);
  await core.device.queue.onSubmittedWorkDone();
}

/**
 * The full DP for one image as the app runs it: upload, bottom-up, backtrace from the predicted
 * class ('rendering'), every level's signal kept, in one submit (core.run). `read` chooses the
 * end: 'signals' reads the backtrace (the engine reads pixels and every level's maps together:
 * it has no pixels-only read), 'paths' also reads the path counts, 'none' waits for the queue.
 */
export async function fullDp(core: DrmmGpuEngine, image: Float32Array, read: 'signals' | 'paths' | 'none'): Promise<void> {
  core.run({ images: image, n: 1, start: PREDICTED, variant: 'rendering', paths: read === 'paths' });
  if (read === 'none') await core.device.queue.onSubmittedWorkDone();
  else if (read === 'signals') await core.readBacktrace(0, 1);
  else await Promise.all([core.readBacktrace(0, 1), core.readPaths(0)]);
}

/** The path-count DP alone (active and all-ON), on the maps of the last bottom-up pass. */
export async function pathsOnly(core: DrmmGpuEngine, read: boolean): Promise<void> {
  core.preparePaths();
  const enc = core.device.createCommandEncoder({ label: 'bench.paths' });
  const pass = enc.beginComputePass();
  core.encodePaths(pass, PREDICTED);
  pass.end();
  core.device.queue.submit([enc.finish()]);
  if (read) await core.readPaths(0);
  else await core.device.queue.onSubmittedWorkDone();
}
