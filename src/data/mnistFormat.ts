/**
 * The compact format we serve MNIST in: one file per split (public/data/mnist-test.bin,
 * public/data/mnist-train.bin), so the browser fetches two files instead of four IDX files and
 * gets labels and pixels that it knows belong together.
 *
 *   offset 0   4 bytes  ASCII "MNB1"
 *   offset 4   u32 LE   count (images)
 *   offset 8   u16 LE   rows
 *   offset 10  u16 LE   cols
 *   offset 12  u32 LE   reserved, must be 0
 *   offset 16  count bytes of labels (0..9)
 *   then       count*rows*cols bytes of pixels (row-major per image, 0..255)
 *
 * The file is exactly that long. Pure code, shared by the build script and the browser.
 */
import { asBytes, checkLabels, IDX_MAX_DIM } from './idx';

export const MNB_MAGIC = 'MNB1';
export const MNB_HEADER_BYTES = 16;

/** One decoded split. `labels` and `pixels` are views into the decoded buffer. */
export interface MnistSplit {
  count: number;
  rows: number;
  cols: number;
  labels: Uint8Array;
  pixels: Uint8Array;
}

function checkDims(rows: number, cols: number, name: string): void {
  for (const [v, what] of [[rows, 'rows'], [cols, 'cols']] as const) {
    if (!Number.isInteger(v) || v < 1 || v > IDX_MAX_DIM) throw new Error(`${name}: ${what} must be in 1..${IDX_MAX_DIM}, got ${v}`);
  }
}

export function encodeMnistSplit(split: { labels: Uint8Array; pixels: Uint8Array; rows: number; cols: number }): Uint8Array<ArrayBuffer> {
  const name = 'encodeMnistSplit';
  const { labels, pixels, rows, cols } = split;
  const count = labels.length;
  checkDims(rows, cols, name);
  if (count < 1) throw new Error(`${name}: no images`);
  if (count > 0xffffffff) throw new Error(`${name}: too many images (${count})`);
  if (pixels.length !== count * rows * cols) {
    throw new Error(`${name}: ${count} labels need ${count * rows * cols} pixels, got ${pixels.length}`);
  }
  checkLabels(labels, name);
  const out = new Uint8Array(MNB_HEADER_BYTES + count + pixels.length);
  for (let i = 0; i < 4; i++) out[i] = MNB_MAGIC.charCodeAt(i);
  const dv = new DataView(out.buffer);
  dv.setUint32(4, count, true);
  dv.setUint16(8, rows, true);
  dv.setUint16(10, cols, true);
  dv.setUint32(12, 0, true);
  out.set(labels, MNB_HEADER_BYTES);
  out.set(pixels, MNB_HEADER_BYTES + count);
  return out;
}

export function decodeMnistSplit(buf: ArrayBuffer | Uint8Array, name: string): MnistSplit {
  const bytes = asBytes(buf);
  if (bytes.length === 0) throw new Error(`${name}: empty file`);
  if (bytes.length < MNB_HEADER_BYTES) throw new Error(`${name}: truncated: header needs ${MNB_HEADER_BYTES} bytes, got ${bytes.length}`);
  const magic = String.fromCharCode(bytes[0], bytes[1], bytes[2], bytes[3]);
  if (magic !== MNB_MAGIC) throw new Error(`${name}: wrong magic ${JSON.stringify(magic)}, expected "${MNB_MAGIC}" (not an MNIST split file)`);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, MNB_HEADER_BYTES);
  const count = dv.getUint32(4, true);
  const rows = dv.getUint16(8, true);
  const cols = dv.getUint16(10, true);
  const reserved = dv.getUint32(12, true);
  if (reserved !== 0) throw new Error(`${name}: reserved header field is ${reserved}, expected 0`);
  if (count < 1) throw new Error(`${name}: image count is 0`);
  checkDims(rows, cols, name);
  const expected = MNB_HEADER_BYTES + count + count * rows * cols;
  if (bytes.length < expected) throw new Error(`${name}: truncated: expected ${expected} bytes, got ${bytes.length}`);
  if (bytes.length > expected) throw new Error(`${name}: overlong: expected ${expected} bytes, got ${bytes.length}`);
  const labels = bytes.subarray(MNB_HEADER_BYTES, MNB_HEADER_BYTES + count);
  checkLabels(labels, name);
  return { count, rows, cols, labels, pixels: bytes.subarray(MNB_HEADER_BYTES + count) };
}
