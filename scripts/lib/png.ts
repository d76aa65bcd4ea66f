/**
 * A PNG writer for the figures the scripts make and the pictures the tests upload (8 bits a sample,
 * grey or RGBA, no filtering, one zlib-deflated IDAT chunk): small enough that a dependency would
 * be more code to trust than this.
 * The format: the 8-byte signature, then chunks of length, type, data and a CRC-32 of type + data.
 */
import zlib from 'node:zlib';

const CRC_TABLE = Int32Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c;
});

function crc32(b: Uint8Array): number {
  let c = -1;
  for (const x of b) c = CRC_TABLE[(c ^ x) & 255] ^ (c >>> 8);
  return (c ^ -1) >>> 0;
}

function chunk(type: string, data: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([len, body, crc]);
}

/**
 * A PNG from its scanlines, 8 bits a sample: `rows` holds each row as a filter byte (0: none) and
 * then its pixels, 1 sample a pixel (grey, colour type 0) or 4 (RGBA, colour type 6). `level` is
 * zlib's compression level (the tests' huge images use 1).
 */
export function pngFromRows(width: number, height: number, channels: 1 | 4, rows: Buffer, level?: number): Buffer {
  if (rows.length !== (1 + width * channels) * height) throw new Error(`pngFromRows: ${rows.length} bytes for ${height} rows of ${width}x${channels} samples`);
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 8; // bit depth
  header[9] = channels === 4 ? 6 : 0; // colour type: RGBA or grey
  return Buffer.concat([Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]), chunk('IHDR', header), chunk('IDAT', zlib.deflateSync(rows, level === undefined ? {} : { level })), chunk('IEND', Buffer.alloc(0))]);
}

/** A PNG of `width` x `height` grey levels (row-major, 0 black .. 255 white). */
export function greyPng(width: number, height: number, grey: Uint8Array): Buffer {
  if (grey.length !== width * height) throw new Error(`greyPng: ${grey.length} values for ${width}x${height}`);
  const rows = Buffer.alloc((width + 1) * height); // each row: filter byte 0, then its pixels
  for (let y = 0; y < height; y++) rows.set(grey.subarray(y * width, (y + 1) * width), y * (width + 1) + 1);
  return pngFromRows(width, height, 1, rows);
}
