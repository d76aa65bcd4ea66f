/**
 * Training without WebGPU: the training core's CPU run (src/engine/train/cpuRun.ts: the reference
 * objective and gradients with the reference Adam, float64) on a class-balanced subset of MNIST.
 * It runs on one core (measured: 0.1 s to 0.5 s a step of 8 drmm-compact digits, 7 s for
 * drmm-mnist), so the page offers a subset a pass over which takes seconds to minutes. This file
 * holds the run's settings and the data the page sends to the worker (cpuTrainWorker.ts).
 */
import { defaultRunConfig, type RunConfig } from '../../engine/train';
import { trainingPool, type DataSplit } from '../../engine/train';

export const CPU_SUBSET = 1000;
export const CPU_BATCH = 8;
export const CPU_TEST = 500;

/** The fallback's run: supervised, batch 8, Adam 1e-3, on the balanced subset; loss terms every step, the test digits after each pass. */
export function cpuRunConfig(trainCount: number, seed = 1): RunConfig {
  return defaultRunConfig('supervised', {
    seed, batchSize: CPU_BATCH, epochs: 1_000,
    data: { source: 'mnist', trainCount, validation: { count: 0, seed: 1 }, subset: CPU_SUBSET },
    cadence: { logEvery: 1, evalsPerEpoch: 1, checkpointEvery: 1_000_000 },
  });
}

/** The subset's images (pixel / 255) and every training label: what the worker needs of the 60,000. */
export interface SubsetData {
  indices: Uint32Array;
  images: Float32Array;
  labels: Uint8Array;
}

export function subsetData(config: RunConfig, pixels: Uint8Array, labels: Uint8Array, per = 784): SubsetData {
  const indices = trainingPool(config, labels);
  const images = new Float32Array(indices.length * per);
  indices.forEach((idx, i) => {
    for (let p = 0; p < per; p++) images[i * per + p] = pixels[idx * per + p] / 255;
  });
  return { indices, images, labels: labels.slice() };
}

/** The training split as the run reads it, holding only the subset's images (others are never asked for). */
export function subsetSplit(d: SubsetData, per = 784): DataSplit {
  const at = new Map<number, number>();
  d.indices.forEach((idx, i) => at.set(idx, i));
  return {
    count: d.labels.length, labels: d.labels, per,
    image: (i, dst) => {
      const k = at.get(i);
      if (k === undefined) throw new Error(`training image ${i} is not in the CPU subset`);
      dst.set(d.images.subarray(k * per, (k + 1) * per));
    },
  };
}

/** The honest estimate shown before training: the measured step time, an epoch of the subset, and of all of MNIST. */
export function cpuEstimate(stepMs: number, batch: number, subset: number, fullTrain = 60000): { subsetEpochS: number; fullEpochS: number } {
  return { subsetEpochS: (Math.floor(subset / batch) * stepMs) / 1000, fullEpochS: (Math.floor(fullTrain / batch) * stepMs) / 1000 };
}
