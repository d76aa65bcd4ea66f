// The training-time translation augmentation (src/engine/train/augment.ts): the shift of an image
// is a pure function of its place in the run, spread over the whole range, and shiftImage moves the
// pixels and fills with background.
import { describe, expect, it } from 'vitest';
import { shiftImage, shiftOf } from '../../src/engine/train/augment';

describe('shift augmentation', () => {
  it('draws each offset from [-N, N], all values about equally often, the same for the same place in the run', () => {
    const counts = new Map<number, number>();
    for (let step = 0; step < 200; step++)
      for (let slot = 0; slot < 64; slot++) {
        const { dx, dy } = shiftOf(1, 3, step, slot, 2);
        expect(Math.abs(dx)).toBeLessThanOrEqual(2);
        expect(Math.abs(dy)).toBeLessThanOrEqual(2);
        counts.set(dx, (counts.get(dx) ?? 0) + 1);
        expect(shiftOf(1, 3, step, slot, 2)).toEqual({ dx, dy });
      }
    expect([...counts.keys()].sort((p, q) => p - q)).toEqual([-2, -1, 0, 1, 2]);
    for (const c of counts.values()) expect(Math.abs(c - 12800 / 5)).toBeLessThan(200);
  });

  it('differs between slots, steps, epochs and seeds, and is none with N = 0', () => {
    const key = (seed: number, epoch: number, step: number, slot: number) =>
      Array.from({ length: 16 }, (_, k) => JSON.stringify(shiftOf(seed, epoch, step + k, slot, 2))).join();
    const base = key(1, 0, 0, 0);
    expect(key(1, 0, 0, 1)).not.toBe(base);
    expect(key(1, 1, 0, 0)).not.toBe(base);
    expect(key(2, 0, 0, 0)).not.toBe(base);
    expect(key(1, 0, 16, 0)).not.toBe(base);
    expect(shiftOf(5, 2, 7, 3, 0)).toEqual({ dx: 0, dy: 0 });
  });

  it('moves every pixel by (dx, dy) and fills what comes in from outside with 0', () => {
    const w = 5;
    const h = 4;
    const src = Float32Array.from({ length: w * h }, (_, i) => i + 1);
    const dst = new Float32Array(w * h);
    shiftImage(src, dst, w, h, 2, -1);
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++) {
        const sx = x - 2;
        const sy = y + 1;
        const want = sx >= 0 && sy < h ? src[sy * w + sx] : 0;
        expect(dst[y * w + x]).toBe(want);
      }
    shiftImage(src, dst, w, h, 0, 0);
    expect(dst).toEqual(src);
    expect(() => shiftImage(src, new Float32Array(3), w, h, 0, 0)).toThrow(/5x4/);
  });
});
