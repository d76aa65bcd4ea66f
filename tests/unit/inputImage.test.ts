// Uploaded pictures before preprocessing: RGBA to MNIST-style ink (compositing, grayscale,
// polarity, levels; src/ui/input/ink.ts) and the size read from a file's header
// (src/ui/input/imageSize.ts), which caps the decode of huge pictures.
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { borderValues, luma, median, MIN_CONTRAST, NO_INK, rgbaToInk } from '../../src/ui/input/ink';
import { HEADER_BYTES, cappedSize, readImageHeader } from '../../src/ui/input/imageSize';
import { FIELD, centreOfMass, preprocess } from '../../src/ui/input/preprocess';
import { readFileHeader } from '../../src/ui/input/upload';
import { encodeAdobeJpeg, rgbToCmyk } from '../helpers/adobeJpeg';

type RGBA = [number, number, number, number];

/** A w x h RGBA picture: `ink` colour where f(x, y), else `paper`. */
function picture(w: number, h: number, paper: RGBA, ink: RGBA, f: (x: number, y: number) => boolean): Uint8ClampedArray {
  const out = new Uint8ClampedArray(4 * w * h);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) out.set(f(x, y) ? ink : paper, 4 * (y * w + x));
  return out;
}

const square = (x: number, y: number) => x >= 10 && x < 30 && y >= 15 && y < 45;
const WHITE: RGBA = [255, 255, 255, 255];
const BLACK: RGBA = [0, 0, 0, 255];
const CLEAR: RGBA = [0, 0, 0, 0];

function ok(r: ReturnType<typeof rgbaToInk>) {
  if (!r.ok) throw new Error(r.message);
  return r.value;
}

/** Ink 1 exactly on the square, 0 elsewhere. */
function expectSquare(ink: Float32Array, w: number, h: number) {
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) expect(ink[y * w + x], `(${x}, ${y})`).toBeCloseTo(square(x, y) ? 1 : 0, 5);
}

describe('rgbaToInk', () => {
  it('inverts dark ink on light paper (MNIST ink is 1 on 0)', () => {
    const r = ok(rgbaToInk(picture(40, 60, WHITE, BLACK, square), 40, 60));
    expect(r.polarity).toBe('dark-on-light');
    expect(r.transparent).toBe(false);
    expectSquare(r.ink, 40, 60);
  });

  it('keeps light ink on a dark ground as it is', () => {
    const r = ok(rgbaToInk(picture(40, 60, BLACK, WHITE, square), 40, 60));
    expect(r.polarity).toBe('light-on-dark');
    expectSquare(r.ink, 40, 60);
  });

  it('stretches grey ink on grey paper, and reads coloured ink by its luma', () => {
    const grey = ok(rgbaToInk(picture(40, 60, [170, 170, 170, 255], [80, 80, 80, 255], square), 40, 60));
    expect(grey.polarity).toBe('dark-on-light');
    expectSquare(grey.ink, 40, 60);
    const red = ok(rgbaToInk(picture(40, 60, WHITE, [200, 0, 0, 255], square), 40, 60));
    expectSquare(red.ink, 40, 60);
    expect(luma(200, 0, 0)).toBeCloseTo((0.2126 * 200) / 255, 9);
  });

  it('composites transparent pixels on the shade that contrasts with the ink: black strokes or white strokes on nothing both read', () => {
    const dark = ok(rgbaToInk(picture(40, 60, CLEAR, BLACK, square), 40, 60));
    expect(dark.transparent).toBe(true);
    expect(dark.polarity).toBe('dark-on-light');
    expectSquare(dark.ink, 40, 60);
    const light = ok(rgbaToInk(picture(40, 60, [255, 255, 255, 0], WHITE, square), 40, 60));
    expect(light.polarity).toBe('light-on-dark');
    expectSquare(light.ink, 40, 60);
    // Half-transparent ink composites to mid grey, which is still the strongest ink: the levels make it 1.
    const half = ok(rgbaToInk(picture(40, 60, CLEAR, [0, 0, 0, 128], square), 40, 60));
    expectSquare(half.ink, 40, 60);
  });

  it('sets paper grain and JPEG-like noise to exactly 0, so that it does not widen the ink box', () => {
    const noisy = picture(64, 64, WHITE, BLACK, square);
    let seed = 7;
    const rand = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32);
    for (let i = 0; i < 64 * 64; i++) {
      const d = Math.round((rand() - 0.5) * 40); // +-20 levels of grain
      for (let c = 0; c < 3; c++) noisy[4 * i + c] = noisy[4 * i + c] + (noisy[4 * i + c] > 128 ? -Math.abs(d) : Math.abs(d));
    }
    const r = ok(rgbaToInk(noisy, 64, 64));
    for (let y = 0; y < 64; y++) for (let x = 0; x < 64; x++) if (!square(x, y)) expect(r.ink[y * 64 + x]).toBe(0);
    const pre = preprocess(r.ink, 64, 64);
    expect(pre.ok && pre.value.box).toEqual({ x: 10, y: 15, width: 20, height: 30 });
  });

  it('refuses a flat picture, a faint smudge and a fully transparent one, saying there is no ink', () => {
    expect(rgbaToInk(picture(30, 30, WHITE, WHITE, square), 30, 30)).toEqual({ ok: false, message: NO_INK });
    const smudge = picture(40, 60, WHITE, [240, 240, 240, 255], square); // contrast 0.06 < MIN_CONTRAST
    expect(1 - luma(240, 240, 240)).toBeLessThan(MIN_CONTRAST);
    expect(rgbaToInk(smudge, 40, 60)).toEqual({ ok: false, message: NO_INK });
    const none = rgbaToInk(picture(30, 30, CLEAR, CLEAR, square), 30, 30);
    expect(none.ok).toBe(false);
    expect(!none.ok && none.message).toMatch(/fully transparent/);
  });

  it('refuses sizes that do not match the bytes', () => {
    expect(rgbaToInk(new Uint8ClampedArray(10), 2, 2).ok).toBe(false);
    expect(rgbaToInk(new Uint8ClampedArray(0), 0, 0).ok).toBe(false);
  });

  it('then preprocesses like a drawing: a large photo-like picture becomes a centred 28x28 digit', () => {
    // A 600 x 400 "1": a dark slanted bar on light paper, off to the right.
    const rgba = picture(600, 400, [235, 230, 220, 255], [30, 30, 40, 255], (x, y) => y >= 60 && y < 340 && Math.abs(x - (420 - (y - 60) * 0.15)) < 14);
    const ink = ok(rgbaToInk(rgba, 600, 400));
    const pre = preprocess(ink.ink, 600, 400, { stretch: true });
    expect(pre.ok).toBe(true);
    if (!pre.ok) return;
    expect(pre.value.placed.height).toBe(20);
    const c = centreOfMass(pre.value.pixels, FIELD, FIELD);
    expect(Math.abs(c.x - 14)).toBeLessThanOrEqual(0.5);
    expect(Math.abs(c.y - 14)).toBeLessThanOrEqual(0.5);
    expect(Math.max(...pre.value.pixels)).toBeCloseTo(1, 5);
  });

  it('helpers: median and the border ring', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([])).toBeNaN();
    const img = Array.from({ length: 25 }, (_, i) => i);
    expect(borderValues(img, 5, 5, 1).sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 9, 10, 14, 15, 19, 20, 21, 22, 23, 24]);
  });
});

// ---------------------------------------------------------------------------------------------

function png(width: number, height: number): Uint8Array {
  const b = new Uint8Array(33);
  b.set([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52]);
  const dv = new DataView(b.buffer);
  dv.setUint32(16, width);
  dv.setUint32(20, height);
  return b;
}

function jpeg(width: number, height: number, exifBytes = 0): Uint8Array {
  const app1 = exifBytes ? [0xff, 0xe1, (exifBytes + 2) >> 8, (exifBytes + 2) & 0xff, ...new Array(exifBytes).fill(0)] : [];
  const app0 = [0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0x00, 0x01, 0x01, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00];
  const dqt = [0xff, 0xdb, 0x00, 0x04, 0x00, 0x00];
  const sof = [0xff, 0xc2, 0x00, 0x11, 0x08, height >> 8, height & 0xff, width >> 8, width & 0xff, 0x03, 1, 0x22, 0, 2, 0x11, 1, 3, 0x11, 1];
  return Uint8Array.from([0xff, 0xd8, ...app0, ...app1, ...dqt, ...sof, 0xff, 0xda]);
}

describe('readImageHeader', () => {
  it('reads PNG, GIF, BMP, JPEG (past large EXIF blocks) and the three WebP headers', () => {
    expect(readImageHeader(png(20000, 15000))).toEqual({ format: 'png', width: 20000, height: 15000 });
    const gif = Uint8Array.from([...'GIF89a'].map((c) => c.charCodeAt(0)).concat([0x20, 0x03, 0x58, 0x02, 0, 0, 0]));
    expect(readImageHeader(gif)).toEqual({ format: 'gif', width: 800, height: 600 });
    const bmp = new Uint8Array(54);
    bmp.set([0x42, 0x4d]);
    new DataView(bmp.buffer).setInt32(18, 640, true);
    new DataView(bmp.buffer).setInt32(22, -480, true); // top-down rows
    expect(readImageHeader(bmp)).toEqual({ format: 'bmp', width: 640, height: 480 });
    expect(readImageHeader(jpeg(4032, 3024))).toEqual({ format: 'jpeg', width: 4032, height: 3024 });
    expect(readImageHeader(jpeg(300, 200, 60000))).toEqual({ format: 'jpeg', width: 300, height: 200 });

    const riff = (chunk: string, body: number[]) => Uint8Array.from([...'RIFF\0\0\0\0WEBP'].map((c) => c.charCodeAt(0)).concat([...chunk].map((c) => c.charCodeAt(0)), [0, 0, 0, 0], body, new Array(8).fill(0)));
    expect(readImageHeader(riff('VP8 ', [0, 0, 0, 0x9d, 0x01, 0x2a, 0x90, 0x01, 0x2c, 0x01]))).toEqual({ format: 'webp', width: 400, height: 300 });
    const bits = (400 - 1) | ((300 - 1) << 14);
    expect(readImageHeader(riff('VP8L', [0x2f, bits & 0xff, (bits >> 8) & 0xff, (bits >> 16) & 0xff, (bits >>> 24) & 0xff]))).toEqual({ format: 'webp', width: 400, height: 300 });
    expect(readImageHeader(riff('VP8X', [0, 0, 0, 0, 0x8f, 0x01, 0x00, 0x2b, 0x01, 0x00]))).toEqual({ format: 'webp', width: 400, height: 300 });
  });

  it('gives null for text, for cut-short headers and for zero sizes', () => {
    expect(readImageHeader(new TextEncoder().encode('hello, this is not a picture at all'))).toBeNull();
    expect(readImageHeader(png(10, 10).subarray(0, 20))).toBeNull();
    expect(readImageHeader(png(0, 10))).toBeNull();
    expect(readImageHeader(jpeg(300, 200).subarray(0, 20))).toBeNull();
    expect(readImageHeader(new Uint8Array(0))).toBeNull();
    expect(HEADER_BYTES).toBeGreaterThan(65536 + 100); // room for a maximal EXIF segment before the frame header
  });
});

describe('readFileHeader', () => {
  it('reads a CMYK JPEG’s size past an embedded print profile larger than HEADER_BYTES', async () => {
    // sharp embeds libvips' CMYK profile (about 0.9 MB, in 64 KB APP2 chunks) before the frame header.
    const cmyk = await sharp({ create: { width: 1400, height: 1000, channels: 3, background: '#ffffff' } }).toColourspace('cmyk').withIccProfile('cmyk').jpeg().toBuffer();
    expect(readImageHeader(new Uint8Array(cmyk.subarray(0, HEADER_BYTES)))).toBeNull(); // the case this is about: the prefix has no size
    expect(await readFileHeader(new Blob([new Uint8Array(cmyk)]))).toEqual({ format: 'jpeg', width: 1400, height: 1000 });
  });

  it('reads YCCK JPEGs and leaves non-JPEG files to the prefix', async () => {
    const ycck = encodeAdobeJpeg(rgbToCmyk(new Uint8Array(30 * 20 * 3).fill(255), 30, 20), 2);
    expect(await readFileHeader(new Blob([new Uint8Array(ycck)]))).toEqual({ format: 'jpeg', width: 30, height: 20 });
    // Text longer than the prefix: not a JPEG, so only the prefix is read (and it has no header).
    expect(await readFileHeader(new Blob(['x'.repeat(HEADER_BYTES + 10)]))).toBeNull();
  });
});

describe('cappedSize', () => {
  it('leaves small pictures alone and caps the longer side of big ones, keeping the aspect ratio', () => {
    expect(cappedSize(800, 600, 1024)).toEqual({ width: 800, height: 600, scaled: false });
    expect(cappedSize(20000, 20000, 1024)).toEqual({ width: 1024, height: 1024, scaled: true });
    expect(cappedSize(4032, 3024, 1024)).toEqual({ width: 1024, height: 768, scaled: true });
    expect(cappedSize(100, 30000, 1024)).toEqual({ width: 3, height: 1024, scaled: true });
    expect(cappedSize(1, 100000, 1024)).toEqual({ width: 1, height: 1024, scaled: true });
  });
});
