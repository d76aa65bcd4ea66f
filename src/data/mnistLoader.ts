/**
 * Browser loader for the served MNIST splits (see mnistFormat.ts and docs/DATA.md). Streams each
 * response body so the UI can show byte progress for the ~55 MB training split, then decodes
 * with the same strict checks as the build script. Uses fetch only: no React, no DOM.
 */
import { decodeMnistSplit, type MnistSplit } from './mnistFormat';

export type { MnistSplit } from './mnistFormat';

export type SplitName = 'test' | 'train';

export interface MnistProgress {
  split: SplitName;
  loaded: number;
  /** Bytes expected from Content-Length; 0 when the server does not say (or compresses). */
  total: number;
}

export interface Mnist {
  test: MnistSplit;
  train: MnistSplit;
}

/**
 * Fetches one split, calling onProgress(loaded, total) after each chunk (total 0 = unknown).
 * Errors name the file: HTTP failures, network failures, aborts and decode failures alike.
 */
export async function loadMnistSplit(
  url: string,
  name: string,
  onProgress: (loaded: number, total: number) => void,
  signal?: AbortSignal,
): Promise<MnistSplit> {
  let res: Response;
  try {
    res = await fetch(url, { signal });
  } catch (e) {
    if (signal?.aborted) throw e;
    throw new Error(`could not load ${name} from ${url}: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (!res.ok) throw new Error(`could not load ${name} from ${url}: HTTP ${res.status}${res.statusText ? ' ' + res.statusText : ''}`);
  // With Content-Encoding the length header counts compressed bytes, but the stream yields
  // decompressed ones: the length is then no use as a total.
  const encoding = res.headers.get('content-encoding');
  const declared = Number(res.headers.get('content-length'));
  const total = (!encoding || encoding === 'identity') && Number.isFinite(declared) && declared > 0 ? declared : 0;
  onProgress(0, total);
  let bytes: Uint8Array;
  if (!res.body) {
    bytes = new Uint8Array(await res.arrayBuffer());
    onProgress(bytes.length, total);
  } else {
    bytes = await readAll(res.body.getReader(), total, (loaded) => onProgress(loaded, total));
  }
  return decodeMnistSplit(bytes, name);
}

/**
 * Reads a stream to the end into one growable buffer, sized from the declared length when known,
 * so the 55 MB training split is not held twice (chunks plus a concatenated copy).
 */
async function readAll(
  reader: ReadableStreamDefaultReader<Uint8Array>,
  expected: number,
  progress: (loaded: number) => void,
): Promise<Uint8Array> {
  let buf = new Uint8Array(expected > 0 ? expected : 1 << 16);
  let loaded = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    if (!value || value.length === 0) continue;
    if (loaded + value.length > buf.length) {
      const grown = new Uint8Array(Math.max(buf.length * 2, loaded + value.length));
      grown.set(buf.subarray(0, loaded));
      buf = grown;
    }
    buf.set(value, loaded);
    loaded += value.length;
    progress(loaded);
  }
  return buf.subarray(0, loaded);
}

/** Loads the test split first (small: the UI can start with it), then the training split. */
export async function loadMnist(
  baseUrl: string,
  onProgress: (p: MnistProgress) => void,
  signal?: AbortSignal,
): Promise<Mnist> {
  const base = baseUrl.endsWith('/') ? baseUrl : baseUrl + '/';
  const load = (split: SplitName) =>
    loadMnistSplit(`${base}mnist-${split}.bin`, `mnist-${split}.bin`, (loaded, total) => onProgress({ split, loaded, total }), signal);
  const test = await load('test');
  const train = await load('train');
  return { test, train };
}

/** Image `index` as rows*cols floats in [0, 1] (pixel / 255), the engine's input layout. */
export function digitAsFloat(split: MnistSplit, index: number): Float32Array {
  if (!Number.isInteger(index) || index < 0 || index >= split.count) {
    throw new RangeError(`digit index ${index} out of range 0..${split.count - 1}`);
  }
  const n = split.rows * split.cols;
  const src = split.pixels.subarray(index * n, (index + 1) * n);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = src[i] / 255;
  return out;
}
