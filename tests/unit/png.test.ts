/**
 * scripts/lib/png.ts against the PNG format: the signature, an IHDR of the right size and type,
 * every chunk's CRC equal to zlib's CRC-32 of its type and data, and an IDAT that inflates to the
 * rows, each behind a filter byte of 0.
 */
import zlib from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { greyPng, pngFromRows } from '../../scripts/lib/png';

function chunks(png: Buffer): { type: string; data: Buffer; crc: number }[] {
  const out = [];
  for (let at = 8; at < png.length; ) {
    const len = png.readUInt32BE(at);
    const type = png.subarray(at + 4, at + 8).toString('ascii');
    out.push({ type, data: png.subarray(at + 8, at + 8 + len), crc: png.readUInt32BE(at + 8 + len) });
    at += 12 + len;
  }
  return out;
}

describe('greyPng', () => {
  const grey = Uint8Array.from([0, 50, 100, 150, 200, 255]);
  const png = greyPng(3, 2, grey);

  it('writes the signature, IHDR, IDAT and IEND with correct CRCs', () => {
    expect([...png.subarray(0, 8)]).toEqual([137, 80, 78, 71, 13, 10, 26, 10]);
    const cs = chunks(png);
    expect(cs.map((c) => c.type)).toEqual(['IHDR', 'IDAT', 'IEND']);
    for (const c of cs) expect(c.crc, c.type).toBe(zlib.crc32(Buffer.concat([Buffer.from(c.type, 'ascii'), c.data])));
    const h = cs[0].data;
    expect([h.readUInt32BE(0), h.readUInt32BE(4), h[8], h[9], h[10], h[11], h[12]]).toEqual([3, 2, 8, 0, 0, 0, 0]);
  });

  it('stores the rows behind filter byte 0', () => {
    const rows = zlib.inflateSync(chunks(png)[1].data);
    expect([...rows]).toEqual([0, 0, 50, 100, 0, 150, 200, 255]);
  });

  it('refuses a pixel count that does not match the size', () => {
    expect(() => greyPng(3, 3, grey)).toThrow(/6 values for 3x3/);
  });
});

describe('pngFromRows', () => {
  it('writes RGBA as colour type 6 and refuses rows of the wrong length', () => {
    const rows = Buffer.from([0, 1, 2, 3, 4, 5, 6, 7, 8]);
    const h = chunks(pngFromRows(2, 1, 4, rows))[0].data;
    expect([h.readUInt32BE(0), h.readUInt32BE(4), h[8], h[9]]).toEqual([2, 1, 8, 6]);
    expect(() => pngFromRows(2, 2, 4, rows)).toThrow(/9 bytes for 2 rows of 2x4 samples/);
  });
});
