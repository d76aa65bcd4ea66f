/**
 * MNIST's own preprocessing, applied to a drawing or an uploaded image so that the model sees the
 * kind of input it was trained on (LeCun, Cortes & Burges): the digit is cropped to its ink,
 * size-normalised so that its longer side is 20 pixels with the aspect ratio kept (anti-aliased),
 * then placed in a 28x28 field so that its centre of mass lies at the field's centre.
 *
 * Conventions, checked against the MNIST test set itself: the ink is every pixel > 0; the
 * bounding box of that ink is 20 pixels on its longer side (9,997 of the 10,000 test digits); the
 * centre of mass, in pixel-index coordinates (sum of x * v over sum of v), lies within half a
 * pixel of (14, 14), because the shift is rounded to whole pixels. Re-processing a test digit
 * therefore gives the digit back.
 *
 * Pure code (no DOM): the input is a grayscale Float32Array of ink intensities (0 background,
 * 1 ink) with its width and height.
 */

export const FIELD = 28;
export const BOX = 20;

export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface Preprocessed {
  /** FIELD x FIELD intensities in [0, 1], row-major, ink = 1. */
  pixels: Float32Array;
  /** The ink's bounding box in the source image. */
  box: Rect;
  /** Where the size-normalised digit lies in the field. */
  placed: Rect;
  /** The centre of mass of the result, in pixel-index coordinates. */
  centre: { x: number; y: number };
}

export type PreprocessResult = { ok: true; value: Preprocessed } | { ok: false; message: string };

export interface PreprocessOptions {
  /**
   * Stretch the intensities after resampling so that the darkest pixel is full ink. Off for
   * drawings (MNIST's digits are not stretched, and 10% of them never reach 255); on for uploads,
   * whose thin strokes in a large image would otherwise fade to grey when shrunk to 20 pixels.
   */
  stretch?: boolean;
}

export const NOTHING_DRAWN = 'There is no ink to read: the image is empty (every pixel is background).';

/** The smallest rectangle holding every pixel > 0, or null when there is none. */
export function inkBox(ink: ArrayLike<number>, width: number, height: number): Rect | null {
  let x0 = width;
  let y0 = height;
  let x1 = -1;
  let y1 = -1;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      if (ink[y * width + x] > 0) {
        if (x < x0) x0 = x;
        if (x > x1) x1 = x;
        if (y < y0) y0 = y;
        if (y > y1) y1 = y;
      }
    }
  }
  return x1 < 0 ? null : { x: x0, y: y0, width: x1 - x0 + 1, height: y1 - y0 + 1 };
}

/** The box's size after scaling its longer side to `long` pixels, the aspect ratio kept (at least 1 pixel). */
export function scaledSize(width: number, height: number, long = BOX): { width: number; height: number } {
  const s = long / Math.max(width, height);
  return { width: Math.max(1, Math.round(width * s)), height: Math.max(1, Math.round(height * s)) };
}

/**
 * Box-filter weights mapping n source samples onto m target samples: target j averages the
 * source interval [j n/m, (j+1) n/m), each source sample weighted by how much of it lies inside.
 * The weights of each target sum to 1, so a constant stays constant.
 */
export function boxWeights(n: number, m: number): { first: number; weights: number[] }[] {
  const step = n / m;
  const out: { first: number; weights: number[] }[] = [];
  for (let j = 0; j < m; j++) {
    const a = j * step;
    const b = (j + 1) * step;
    const first = Math.floor(a);
    const weights: number[] = [];
    for (let i = first; i < b && i < n; i++) weights.push((Math.min(b, i + 1) - Math.max(a, i)) / step);
    out.push({ first, weights });
  }
  return out;
}

/** Area-average resampling of an h x w region (starting at x0, y0 of a `stride`-wide image) to th x tw. */
export function resampleArea(src: ArrayLike<number>, stride: number, region: Rect, tw: number, th: number): Float32Array {
  const cols = boxWeights(region.width, tw);
  const rows = boxWeights(region.height, th);
  // Separable: first along x for every source row of the region, then along y.
  const tmp = new Float32Array(region.height * tw);
  for (let y = 0; y < region.height; y++) {
    const base = (region.y + y) * stride + region.x;
    for (let j = 0; j < tw; j++) {
      const { first, weights } = cols[j];
      let acc = 0;
      for (let k = 0; k < weights.length; k++) acc += weights[k] * src[base + first + k];
      tmp[y * tw + j] = acc;
    }
  }
  const out = new Float32Array(th * tw);
  for (let i = 0; i < th; i++) {
    const { first, weights } = rows[i];
    for (let j = 0; j < tw; j++) {
      let acc = 0;
      for (let k = 0; k < weights.length; k++) acc += weights[k] * tmp[(first + k) * tw + j];
      out[i * tw + j] = acc;
    }
  }
  return out;
}

/** Centre of mass in pixel-index coordinates (the mean of x and y weighted by intensity). */
export function centreOfMass(img: ArrayLike<number>, width: number, height: number): { x: number; y: number; mass: number } {
  let m = 0;
  let mx = 0;
  let my = 0;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const v = img[y * width + x];
      m += v;
      mx += v * x;
      my += v * y;
    }
  }
  return m > 0 ? { x: mx / m, y: my / m, mass: m } : { x: (width - 1) / 2, y: (height - 1) / 2, mass: 0 };
}

/**
 * The whole preprocessing. Fails, with a message, on an image without ink or with non-finite
 * values. Intensities are clamped into [0, 1].
 */
export function preprocess(ink: ArrayLike<number>, width: number, height: number, opts: PreprocessOptions = {}): PreprocessResult {
  if (!(Number.isInteger(width) && Number.isInteger(height) && width > 0 && height > 0)) {
    return { ok: false, message: `The image has no pixels (${width} x ${height}).` };
  }
  if (ink.length !== width * height) return { ok: false, message: `The image should have ${width * height} pixels, not ${ink.length}.` };
  const clean = new Float32Array(ink.length);
  for (let i = 0; i < ink.length; i++) {
    const v = ink[i];
    if (!Number.isFinite(v)) return { ok: false, message: `Pixel ${i} is not a number (${v}).` };
    clean[i] = v <= 0 ? 0 : v >= 1 ? 1 : v;
  }
  const box = inkBox(clean, width, height);
  if (!box) return { ok: false, message: NOTHING_DRAWN };

  const size = scaledSize(box.width, box.height);
  const small = resampleArea(clean, width, box, size.width, size.height);
  if (opts.stretch) {
    let peak = 0;
    for (const v of small) peak = Math.max(peak, v);
    if (peak > 0 && peak < 1) for (let i = 0; i < small.length; i++) small[i] = Math.min(1, small[i] / peak);
  }

  // Shift by whole pixels (rounded, as MNIST did) so that the centre of mass lands on (14, 14);
  // the shift is clamped only where the digit would otherwise leave the field, so no ink is lost.
  const c = centreOfMass(small, size.width, size.height);
  const centre = FIELD / 2;
  const dx = Math.min(FIELD - size.width, Math.max(0, Math.round(centre - c.x)));
  const dy = Math.min(FIELD - size.height, Math.max(0, Math.round(centre - c.y)));
  const pixels = new Float32Array(FIELD * FIELD);
  for (let y = 0; y < size.height; y++) {
    for (let x = 0; x < size.width; x++) pixels[(y + dy) * FIELD + x + dx] = Math.min(1, Math.max(0, small[y * size.width + x]));
  }
  const placed = { x: dx, y: dy, width: size.width, height: size.height };
  return { ok: true, value: { pixels, box, placed, centre: { x: c.x + dx, y: c.y + dy } } };
}
