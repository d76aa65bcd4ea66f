/**
 * The engine's public API. It knows nothing of the DOM or React: hand it a GPUDevice (from
 * `navigator.gpu` in a browser, or the `webgpu` package in Node) or none for the CPU reference.
 * See docs/ENGINE.md.
 */
import { CpuEngine } from './cpuEngine';
import { GpuEngine } from './gpuEngine';
import type { DrmmEngine } from './api';
import type { ModelParams, ModelSpec } from './model';

export type { DrmmEngine, InferRequest, InferResult } from './api';
export type { BacktraceMaps, ForwardMaps, LevelMaps, LevelSignal, PathSummary, Start, Variant } from './types';
export { PRESETS, PRESET_NAMES, initParams, paramShapes, shapesOf, validateSpec, type ModelParams, type ModelSpec, type PresetName } from './model';
export { VARIANTS } from './reference/ops';
export { CpuEngine } from './cpuEngine';
export { GpuEngine } from './gpuEngine';
export { DrmmGpuEngine } from './gpu/engine';
export { requestDevice, adapterLabel, type AdapterReport, type DeviceResult } from './device';
export { readModelFile, writeModelFile } from './modelFile';
export { PathModel, switchesOf, unitNode, type LevelPathView, type PathSelection, type PathView, type Side, type UnitRef } from './paths/pathModel';
export type { NodeRef, SwitchSet } from './paths/counts';
export { sample, switchCounts, priorsFromCounts, onProbabilities, type DrmmSample, type SampleRequest, type OnPrior, type TPrior, type SwitchCounts } from './reference/sample';

/** A WebGPU engine when a device is given, else the CPU reference engine. */
export async function createEngine(opts: { device: GPUDevice | null; spec: ModelSpec; params: ModelParams; maxBatch?: number }): Promise<DrmmEngine> {
  if (opts.device) return GpuEngine.create(opts.device, opts.spec, opts.params, { maxBatch: opts.maxBatch });
  return new CpuEngine(opts.spec, opts.params);
}
