// The tests' own four-component JPEG encoder (tests/helpers/adobeJpeg.ts), checked against
// libjpeg-turbo through sharp: its CMYK and YCCK files decode to the inks that were encoded, so
// the upload test's YCCK picture is a real one and not a file only this encoder understands.
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { encodeAdobeJpeg, rgbToCmyk } from '../helpers/adobeJpeg';

/** A picture with every kind of content: colour gradients, hard edges (wrapping ramps), black and white. */
function testRgb(w: number, h: number): Uint8Array {
  const rgb = new Uint8Array(w * h * 3);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const i = 3 * (y * w + x);
      rgb.set(x < 4 ? [0, 0, 0] : x >= w - 4 ? [255, 255, 255] : [(x * 4) % 256, (y * 5) % 256, ((x + y) * 3) % 256], i);
    }
  }
  return rgb;
}

/** The stored CMYK samples as libjpeg-turbo decodes them (Adobe inversion undone), with no colour conversion. */
async function decodeInks(jpeg: Buffer) {
  return sharp(jpeg).pipelineColourspace('cmyk').toColourspace('cmyk').raw().toBuffer({ resolveWithObject: true });
}

describe('Adobe CMYK/YCCK JPEG encoder (test helper)', () => {
  it('plain RGB to CMYK inverts as Chromium shows it: R = (255 - C)(255 - K) / 255', () => {
    const rgb = testRgb(40, 20);
    const { cmyk } = rgbToCmyk(rgb, 40, 20);
    for (let i = 0; i < 40 * 20; i++) {
      for (let c = 0; c < 3; c++) expect(Math.abs(((255 - cmyk[4 * i + c]) * (255 - cmyk[4 * i + 3])) / 255 - rgb[3 * i + c])).toBeLessThanOrEqual(1);
    }
  });

  for (const [name, transform] of [['CMYK', 0], ['YCCK', 2]] as const) {
    it(`writes ${name} (Adobe transform ${transform}) that libjpeg-turbo decodes to the same inks`, async () => {
      // 61 x 45: neither side a multiple of 8, so the edge blocks' padding is exercised too.
      const img = rgbToCmyk(testRgb(61, 45), 61, 45);
      const jpeg = encodeAdobeJpeg(img, transform);
      const meta = await sharp(jpeg).metadata();
      expect([meta.format, meta.space, meta.channels, meta.width, meta.height]).toEqual(['jpeg', 'cmyk', 4, 61, 45]);
      // The APP14 marker right after SOI, with the transform byte.
      expect(jpeg.subarray(2, 4)).toEqual(Buffer.from([0xff, 0xee]));
      expect(jpeg.subarray(6, 11).toString('ascii')).toBe('Adobe');
      expect(jpeg[17]).toBe(transform);

      const { data, info } = await decodeInks(jpeg);
      expect(info.channels).toBe(4);
      let worst = 0;
      let total = 0;
      for (let i = 0; i < data.length; i++) {
        const d = Math.abs(data[i] - img.cmyk[i]);
        worst = Math.max(worst, d);
        total += d;
      }
      // Flat quantisation by 2 plus YCC rounding: a few levels at most, well under one on average.
      expect(worst).toBeLessThanOrEqual(6);
      expect(total / data.length).toBeLessThan(0.6);
    });
  }
});
