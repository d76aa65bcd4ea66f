/**
 * The engine's public module: with the engine host (host/engineHost.ts), the only module of
 * src/engine that the page (src/ui, and the rest of src/) imports;
 * tests/unit/engineBoundary.test.ts holds the page to them, and holds src/engine free of React,
 * the DOM and src/ui. It offers the engine interface and its implementations (createEngine,
 * GpuEngine, CpuEngine, DrmmGpuEngine), model specs, presets and parameters, model files, device
 * acquisition and the batch a device fits, sampling and switch statistics, the CPU path-count
 * DP, and the training modes. The CLI (scripts/) and the tests may import
 * deeper modules. It knows nothing of the DOM or React: hand it a GPUDevice (from
 * `navigator.gpu` in a browser, or the `webgpu` package in Node) or none for the CPU reference.
 * See docs/ENGINE.md.
 */
import { CpuEngine } from './cpuEngine';
import { GpuEngine } from './gpuEngine';
import type { DrmmEngine } from './api';
import type { ModelParams, ModelSpec } from './model';

export type { DrmmEngine, InferRequest, InferResult } from './api';
export type { BacktraceMaps, FloatArr, ForwardMaps, LevelMaps, LevelSignal, PathSummary, Start, Variant } from './types';
export { PRESETS, PRESET_NAMES, initParams, paramList, paramShapes, rng, shapesOf, topDownNonnegative, validateSpec, type LevelShape, type ModelParams, type ModelShapes, type ModelSpec, type PresetName } from './model';
export { VARIANTS } from './reference/ops';
export { CpuEngine } from './cpuEngine';
export { GpuEngine } from './gpuEngine';
export { DrmmGpuEngine } from './gpu/engine';
export { bufferPlan, capBatch, largestBatch, plannedBytes, type BatchFit, type LimitsLike, type PlanOptions, type PlannedBuffer } from './gpu/limits';
export { TRAIN_MODES, type TrainMode } from './train/schedule';
export { requestDevice, adapterLabel, type AdapterReport, type DeviceResult } from './device';
export { MODEL_FILE_MAGIC, MODEL_FILE_MAX_HEADER, MODEL_FILE_VERSIONS_READ, readModelFile, writeModelFile } from './modelFile';
export { counterfactualInput, renderingFigures, type RenderingFigures } from './renderingFigures';
export { PathModel, switchesOf, unitNode, type LevelPathView, type PathSelection, type PathView, type Side, type UnitRef } from './paths/pathModel';
export type { NodeRef, SwitchSet } from './paths/counts';
// The passes themselves, for sampling actual paths in proportion to the paths below and above a node (src/ui/overview/pathSample.ts).
export { downPass, upPass, logAt, type Counts, type Layers } from './paths/counts';
export { sample, switchCounts, priorsFromCounts, onProbabilities, type DrmmSample, type SampleRequest, type OnPrior, type TPrior, type SwitchCounts } from './reference/sample';

/** A WebGPU engine when a device is given, else the CPU reference engine. */
export async function createEngine(opts: { device: GPUDevice | null; spec: ModelSpec; params: ModelParams; maxBatch?: number }): Promise<DrmmEngine> {
  if (opts.device) return GpuEngine.create(opts.device, opts.spec, opts.params, { maxBatch: opts.maxBatch });
  return new CpuEngine(opts.spec, opts.params);
}
// The kernel variants and the per-adapter tuner's store format: the page's "About this device"
// reads and writes the tuner's own records (src/ui/device/).
export { KERNEL_FAMILIES, KERNEL_VARIANTS, directChoice, formatChoice, parseChoice, type KernelChoice, type KernelFamily } from './gpu/convSteps';
export { adapterKey, describeKernels, shapeKey, storeKey, webStorageStore, type KernelReport, type KernelStore, type KernelTiming } from './gpu/tuner';
export { TUNE_BATCH, tuneKernels } from './gpu/tunerTiming';
