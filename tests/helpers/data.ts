/**
 * A fake MNIST split for tests that train or classify without the real data: digit-like noise
 * where each class lights its own band of rows (so a model can learn it), plus sparse noise.
 * Deterministic given the seed.
 */
import type { MnistSplit } from '../../src/data/mnistLoader';
import { rng } from '../../src/engine/model';

export function fakeSplit(count: number, seed: number): MnistSplit {
  const r = rng(seed);
  const labels = Uint8Array.from({ length: count }, (_, i) => (i * 7 + seed) % 10);
  const pixels = new Uint8Array(count * 784);
  for (let i = 0; i < count; i++) {
    const y0 = 2 + 2 * labels[i];
    for (let p = 0; p < 784; p++) {
      const row = Math.floor(p / 28);
      const on = row >= y0 && row < y0 + 4 && p % 28 > 4 && p % 28 < 24;
      pixels[i * 784 + p] = on ? 200 + Math.floor(55 * r()) : r() < 0.05 ? Math.floor(255 * r()) : 0;
    }
  }
  return { count, rows: 28, cols: 28, labels, pixels };
}
