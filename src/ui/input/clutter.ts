/**
 * Clutter added to the current input, to show invariance being built up level by level (the
 * slides' "false positives are filtered out as we go up"): the digit stays, and either
 * independent pixel noise or fragments of strokes scattered over the background are added.
 * Deterministic given the seed, so a shared URL shows the same clutter. Intensities stay in
 * [0, 1] (ink is 1), as MNIST's.
 */
import { rng } from '../../engine';
import type { Clutter } from '../store';

/** The input with the clutter added (a new array; `pixels` is not changed). */
export function applyClutter(pixels: Float32Array, height: number, width: number, c: Clutter): Float32Array {
  const out = Float32Array.from(pixels);
  if (c.kind === 'none' || c.amount <= 0) return out;
  const u = rng(c.seed);
  if (c.kind === 'noise') {
    // Each pixel independently: with probability amount/2, ink of a random strength is added.
    for (let i = 0; i < out.length; i++) if (u() < c.amount / 2) out[i] = Math.min(1, out[i] + u());
    return out;
  }
  // Fragments: short anti-aliased line segments, as many as amount * 12, anywhere in the image.
  const count = Math.max(1, Math.round(c.amount * 12));
  for (let k = 0; k < count; k++) {
    const x0 = u() * width;
    const y0 = u() * height;
    const angle = u() * Math.PI;
    const len = 3 + u() * 5;
    const x1 = x0 + Math.cos(angle) * len;
    const y1 = y0 + Math.sin(angle) * len;
    stroke(out, height, width, x0, y0, x1, y1);
  }
  return out;
}

/** Adds a ~1.5 px wide segment: each pixel gets ink falling off linearly with its distance. */
function stroke(img: Float32Array, h: number, w: number, x0: number, y0: number, x1: number, y1: number): void {
  const dx = x1 - x0;
  const dy = y1 - y0;
  const len2 = dx * dx + dy * dy || 1;
  for (let y = Math.max(0, Math.floor(Math.min(y0, y1) - 2)); y <= Math.min(h - 1, Math.ceil(Math.max(y0, y1) + 2)); y++) {
    for (let x = Math.max(0, Math.floor(Math.min(x0, x1) - 2)); x <= Math.min(w - 1, Math.ceil(Math.max(x0, x1) + 2)); x++) {
      const px = x + 0.5;
      const py = y + 0.5;
      const t = Math.min(1, Math.max(0, ((px - x0) * dx + (py - y0) * dy) / len2));
      const d = Math.hypot(px - (x0 + t * dx), py - (y0 + t * dy));
      const ink = Math.max(0, 1 - Math.max(0, d - 0.5));
      img[y * w + x] = Math.min(1, img[y * w + x] + ink);
    }
  }
}
