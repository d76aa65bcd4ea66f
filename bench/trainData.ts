/**
 * The training batches every implementation sees, in the same order: `count` batches of `batch`
 * MNIST training digits with their labels (a seeded random draw from public/data/mnist-train.bin,
 * served by the dev server), cycled through by the timed steps. Several distinct batches, not
 * one repeated, so that the switch patterns and the loss change from step to step as in real
 * training. Without the data file: seeded noise with seeded labels (the same arithmetic).
 */
import { decodeMnistSplit } from '../src/data/mnistFormat';
import { rng } from '../src/engine/model';
import { permutation } from '../src/engine/train/schedule';

export interface TrainBatch {
  /** n images, NCHW floats in [0, 1] (pixel / 255), as the engine and tfjs take them. */
  images: Float32Array;
  labels: Int32Array;
  /** The labels one-hot, [n, classes] (tfjs's softmaxCrossEntropy takes these). */
  oneHot: Float32Array;
}

export interface TrainData {
  batches: TrainBatch[];
  source: string;
}

const PER_IMAGE = 784;
const CLASSES = 10;

function makeBatch(images: Float32Array, labels: Int32Array): TrainBatch {
  const oneHot = new Float32Array(labels.length * CLASSES);
  labels.forEach((y, i) => (oneHot[i * CLASSES + y] = 1));
  return { images, labels, oneHot };
}

export async function loadTrainData(count: number, batch: number, seed = 1): Promise<TrainData> {
  try {
    const res = await fetch('/data/mnist-train.bin');
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    const split = decodeMnistSplit(new Uint8Array(await res.arrayBuffer()), 'mnist-train.bin');
    if (split.rows * split.cols !== PER_IMAGE || split.count < count * batch) throw new Error('shape mismatch');
    const order = permutation(split.count, seed);
    const batches: TrainBatch[] = [];
    for (let b = 0; b < count; b++) {
      const images = new Float32Array(batch * PER_IMAGE);
      const labels = new Int32Array(batch);
      for (let i = 0; i < batch; i++) {
        const idx = order[b * batch + i];
        labels[i] = split.labels[idx];
        for (let p = 0; p < PER_IMAGE; p++) images[i * PER_IMAGE + p] = split.pixels[idx * PER_IMAGE + p] / 255;
      }
      batches.push(makeBatch(images, labels));
    }
    return { batches, source: `MNIST training digits: ${count} batches of ${batch}, drawn by permutation(60000, seed ${seed}) (pixel / 255)` };
  } catch (e) {
    const u = rng(seed + 777);
    const batches = Array.from({ length: count }, () =>
      makeBatch(
        Float32Array.from({ length: batch * PER_IMAGE }, () => u()),
        Int32Array.from({ length: batch }, () => Math.floor(u() * CLASSES)),
      ),
    );
    return { batches, source: `seeded uniform noise with seeded labels (MNIST training data unavailable: ${(e as Error).message})` };
  }
}
