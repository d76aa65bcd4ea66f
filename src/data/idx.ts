/**
 * Parser for the IDX files that MNIST is distributed in (big-endian header, then raw bytes).
 * Pure code: no Node or DOM APIs, so the build script, the tests and the browser can share it.
 *
 * Images: u32 magic 0x00000803, u32 count, u32 rows, u32 cols, then count*rows*cols bytes.
 * Labels: u32 magic 0x00000801, u32 count, then count bytes, each a digit 0..9.
 * Every failure is an Error whose message starts with the file's name and says what is wrong.
 */

export const IDX_IMAGES_MAGIC = 0x00000803;
export const IDX_LABELS_MAGIC = 0x00000801;
/** Largest accepted side of an image: guards against absurd headers before any allocation. */
export const IDX_MAX_DIM = 4096;

export interface IdxImages {
  count: number;
  rows: number;
  cols: number;
  /** count*rows*cols bytes, row-major per image, 0 = background. A view into the input buffer. */
  pixels: Uint8Array;
}

export interface IdxLabels {
  count: number;
  labels: Uint8Array;
}

/** A byte view of either input type, without copying. */
export function asBytes(buf: ArrayBuffer | Uint8Array): Uint8Array {
  return buf instanceof Uint8Array ? buf : new Uint8Array(buf);
}

function header(bytes: Uint8Array, name: string, words: number, magic: number, what: string): number[] {
  const need = 4 * words;
  if (bytes.length === 0) throw new Error(`${name}: empty file`);
  if (bytes.length < need) throw new Error(`${name}: truncated: header needs ${need} bytes, got ${bytes.length}`);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, need);
  const out = Array.from({ length: words }, (_, i) => dv.getUint32(4 * i, false));
  if (out[0] !== magic) {
    const hex = (v: number) => '0x' + v.toString(16).padStart(8, '0');
    throw new Error(`${name}: wrong magic number ${hex(out[0])}, expected ${hex(magic)} (${what})`);
  }
  return out;
}

/** Checks that the file is exactly header + payload bytes long. */
function checkLength(bytes: Uint8Array, name: string, expected: number): void {
  if (bytes.length < expected) throw new Error(`${name}: truncated: expected ${expected} bytes, got ${bytes.length}`);
  if (bytes.length > expected) throw new Error(`${name}: overlong: expected ${expected} bytes, got ${bytes.length}`);
}

export function parseIdxImages(buf: ArrayBuffer | Uint8Array, name: string): IdxImages {
  const bytes = asBytes(buf);
  const [, count, rows, cols] = header(bytes, name, 4, IDX_IMAGES_MAGIC, 'IDX unsigned-byte 3-D images');
  if (count < 1) throw new Error(`${name}: image count is 0`);
  for (const [v, what] of [[rows, 'rows'], [cols, 'cols']] as const) {
    if (v < 1 || v > IDX_MAX_DIM) throw new Error(`${name}: ${what} must be in 1..${IDX_MAX_DIM}, got ${v}`);
  }
  checkLength(bytes, name, 16 + count * rows * cols);
  return { count, rows, cols, pixels: bytes.subarray(16) };
}

export function parseIdxLabels(buf: ArrayBuffer | Uint8Array, name: string): IdxLabels {
  const bytes = asBytes(buf);
  const [, count] = header(bytes, name, 2, IDX_LABELS_MAGIC, 'IDX unsigned-byte 1-D labels');
  if (count < 1) throw new Error(`${name}: label count is 0`);
  checkLength(bytes, name, 8 + count);
  const labels = bytes.subarray(8);
  checkLabels(labels, name);
  return { count, labels };
}

/** Rejects any label outside 0..9, naming the first offender. */
export function checkLabels(labels: Uint8Array, name: string): void {
  for (let i = 0; i < labels.length; i++) {
    if (labels[i] > 9) throw new Error(`${name}: label ${i} is ${labels[i]}, expected a digit 0..9`);
  }
}
