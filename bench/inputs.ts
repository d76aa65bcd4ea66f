/**
 * The images both implementations see. Real MNIST test digits when the app's public data is there
 * (`npm run data` writes public/data/mnist-test.bin; the dev server serves it at /data/): real
 * digits give realistic switch patterns, and the sizes are what the app runs. Otherwise seeded
 * uniform noise in [0, 1), which exercises the same arithmetic.
 */
import { decodeMnistSplit } from '../src/data/mnistFormat';
import { rng } from '../src/engine/model';

export interface Inputs {
  images: Float32Array;
  count: number;
  source: string;
}

export async function loadInputs(count: number, perImage: number): Promise<Inputs> {
  try {
    const res = await fetch('/data/mnist-test.bin');
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    const split = decodeMnistSplit(new Uint8Array(await res.arrayBuffer()), 'mnist-test.bin');
    if (split.rows * split.cols !== perImage || split.count < count) throw new Error('shape mismatch');
    const images = new Float32Array(count * perImage);
    for (let i = 0; i < images.length; i++) images[i] = split.pixels[i] / 255;
    return { images, count, source: `MNIST test digits 0..${count - 1} (pixel / 255)` };
  } catch (e) {
    const u = rng(12345);
    const images = Float32Array.from({ length: count * perImage }, () => u());
    return { images, count, source: `seeded uniform noise in [0,1) (mulberry32 seed 12345; MNIST unavailable: ${(e as Error).message})` };
  }
}
