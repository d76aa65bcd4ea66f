/**
 * From a decoded picture (RGBA bytes) to ink intensities in MNIST's convention (background 0,
 * ink 1), before preprocess.ts crops, scales and centres it. Pure code (no DOM).
 *
 * 1. Transparency: transparent pixels are background. They are composited onto the shade that
 *    contrasts with the opaque pixels (white under dark ink, black under light ink), so a PNG of
 *    black strokes on nothing and one of white strokes on nothing both read as a digit.
 * 2. Grayscale: luma of the (gamma-encoded) RGB, Rec. 709 weights.
 * 3. Polarity: the border is taken to be paper. A light border means dark ink on light paper,
 *    the usual photo or scan, which is inverted; MNIST's ink is light (1) on a dark (0) field.
 * 4. Levels: the paper's shade (the border's median) becomes 0 and the strongest ink 1; what is
 *    left below a small floor (paper grain, JPEG ringing, uneven light) is set to 0 so that it
 *    does not widen the bounding box.
 */

export type Polarity = 'dark-on-light' | 'light-on-dark';

export interface InkImage {
  ink: Float32Array;
  width: number;
  height: number;
  /** The polarity found (dark ink on light paper was inverted). */
  polarity: Polarity;
  /** Whether any pixel was (partly) transparent. */
  transparent: boolean;
}

export type InkResult = { ok: true; value: InkImage } | { ok: false; message: string };

/** Ink weaker than this fraction of the way from paper to the strongest ink is paper. */
export const INK_FLOOR = 0.2;
/** Less contrast than this between paper and the strongest ink: there is no ink. */
export const MIN_CONTRAST = 0.15;

export const NO_INK = 'No ink found: the picture is (almost) one flat shade, so there is no digit to read.';

/** Rec. 709 luma of 8-bit RGB, in [0, 1]. */
export function luma(r: number, g: number, b: number): number {
  return (0.2126 * r + 0.7152 * g + 0.0722 * b) / 255;
}

/** The median of the values (the mean of the middle two for an even count); NaN for none. */
export function median(values: number[]): number {
  if (values.length === 0) return NaN;
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

/** The values on the image's outer ring, `ring` pixels deep (at least 1). */
export function borderValues(img: ArrayLike<number>, width: number, height: number, ring = Math.max(1, Math.round(Math.min(width, height) * 0.02))): number[] {
  const out: number[] = [];
  const r = Math.min(ring, Math.ceil(width / 2), Math.ceil(height / 2));
  for (let y = 0; y < height; y++) {
    const edgeRow = y < r || y >= height - r;
    for (let x = 0; x < width; x++) if (edgeRow || x < r || x >= width - r) out.push(img[y * width + x]);
  }
  return out;
}

/** Grayscale ink from RGBA bytes (see the module comment for the steps). */
export function rgbaToInk(rgba: ArrayLike<number>, width: number, height: number): InkResult {
  const n = width * height;
  if (!(Number.isInteger(width) && Number.isInteger(height) && n > 0)) return { ok: false, message: `The picture has no pixels (${width} x ${height}).` };
  if (rgba.length !== 4 * n) return { ok: false, message: `The picture should have ${4 * n} bytes of RGBA, not ${rgba.length}.` };

  const lum = new Float32Array(n);
  const alpha = new Float32Array(n);
  let transparent = false;
  let opaqueSum = 0;
  let opaqueWeight = 0;
  for (let i = 0; i < n; i++) {
    const a = rgba[4 * i + 3] / 255;
    lum[i] = luma(rgba[4 * i], rgba[4 * i + 1], rgba[4 * i + 2]);
    alpha[i] = a;
    if (a < 1) transparent = true;
    opaqueSum += a * lum[i];
    opaqueWeight += a;
  }
  if (opaqueWeight === 0) return { ok: false, message: 'The picture is fully transparent: there is no ink in it.' };
  if (transparent) {
    const backdrop = opaqueSum / opaqueWeight < 0.5 ? 1 : 0;
    for (let i = 0; i < n; i++) lum[i] = alpha[i] * lum[i] + (1 - alpha[i]) * backdrop;
  }

  const paperLum = median(borderValues(lum, width, height));
  const polarity: Polarity = paperLum > 0.5 ? 'dark-on-light' : 'light-on-dark';
  const ink = polarity === 'dark-on-light' ? lum.map((v) => 1 - v) : lum;
  const paper = polarity === 'dark-on-light' ? 1 - paperLum : paperLum;
  let peak = 0;
  for (const v of ink) peak = Math.max(peak, v);
  const contrast = peak - paper;
  if (!(contrast >= MIN_CONTRAST)) return { ok: false, message: NO_INK };

  let any = false;
  for (let i = 0; i < n; i++) {
    const t = (ink[i] - paper) / contrast;
    const v = t <= INK_FLOOR ? 0 : Math.min(1, (t - INK_FLOOR) / (1 - INK_FLOOR));
    ink[i] = v;
    if (v > 0) any = true;
  }
  if (!any) return { ok: false, message: NO_INK };
  return { ok: true, value: { ink, width, height, polarity, transparent } };
}
