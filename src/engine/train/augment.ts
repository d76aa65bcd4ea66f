/**
 * Data augmentation by random translation, as a pure function of (seed, epoch, step, slot): each
 * training image is moved by an integer offset (dx, dy), each drawn uniformly from
 * {-maxShift, ..., maxShift}, with the pixels moved in from outside the frame set to 0 (MNIST's
 * background). Being a function of the step, a run that resumes from a checkpoint sees the same
 * shifted images it would have seen without stopping, and two runs with the same seed (the DRMM and
 * the convnet baseline) see the same ones.
 *
 * Why translation: the DRMM's t-switches model small translations within a pooling window, but a
 * small network still learns its templates from the positions it is shown; a shift of up to 2 px
 * stays inside MNIST's 28x28 frame (the digits sit in a 20x20 box) and is the usual cheap way to
 * show it more.
 */
import { rng } from '../model';

/** The offset of one training image: dx, dy in [-maxShift, maxShift]. */
export function shiftOf(seed: number, epoch: number, step: number, slot: number, maxShift: number): { dx: number; dy: number } {
  if (maxShift === 0) return { dx: 0, dy: 0 };
  // One generator per image, keyed by a hash of its place in the run (not by a running stream, so
  // that any step can be reproduced on its own).
  const key = Math.imul(seed + 0x9e37, 0x85ebca6b) ^ Math.imul(epoch + 1, 0xc2b2ae35) ^ Math.imul(step + 1, 0x27d4eb2f) ^ Math.imul(slot + 1, 0x165667b1);
  const r = rng(key);
  const n = 2 * maxShift + 1;
  return { dx: Math.floor(r() * n) - maxShift, dy: Math.floor(r() * n) - maxShift };
}

/**
 * Writes `src` (a height x width image, row-major) moved by (dx, dy) into `dst`:
 * dst[y][x] = src[y - dy][x - dx], or 0 where that falls outside the frame.
 */
export function shiftImage(src: ArrayLike<number>, dst: Float32Array, width: number, height: number, dx: number, dy: number): void {
  if (src.length !== width * height || dst.length !== width * height) throw new Error(`shiftImage: expected ${width}x${height} images`);
  for (let y = 0; y < height; y++) {
    const sy = y - dy;
    for (let x = 0; x < width; x++) {
      const sx = x - dx;
      dst[y * width + x] = sy >= 0 && sy < height && sx >= 0 && sx < width ? src[sy * width + sx] : 0;
    }
  }
}

/** Writes `src` (a square one-channel image) shifted by this image's offset of the run into `dst`. */
export function augmentInto(src: Float32Array, dst: Float32Array, seed: number, epoch: number, step: number, slot: number, maxShift: number): void {
  const side = Math.round(Math.sqrt(src.length));
  if (side * side !== src.length) throw new Error(`augment: shifts need square one-channel images, got ${src.length} pixels`);
  const { dx, dy } = shiftOf(seed, epoch, step, slot, maxShift);
  shiftImage(src, dst, side, side, dx, dy);
}
