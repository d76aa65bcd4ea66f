/**
 * An image file's format and pixel size read from its header, without decoding it. The upload
 * needs the size before decoding: a huge image is decoded straight to a capped size
 * (createImageBitmap's resize options), so a 20000 x 20000 picture never becomes a 1.6 GB bitmap.
 * Reads PNG, GIF, BMP, JPEG and WebP headers; anything else gives null (the browser may still
 * decode it). Pure code: bytes in, numbers out.
 */

export interface ImageHeader {
  format: 'png' | 'gif' | 'bmp' | 'jpeg' | 'webp';
  width: number;
  height: number;
}

/** How many leading bytes to read: enough for a JPEG whose size comes after large EXIF blocks. */
export const HEADER_BYTES = 1 << 19;

const ascii = (b: Uint8Array, at: number, s: string) => s.split('').every((ch, i) => b[at + i] === ch.charCodeAt(0));

function jpegSize(b: Uint8Array, dv: DataView): ImageHeader | null {
  let p = 2;
  while (p + 9 < b.length) {
    if (b[p] !== 0xff) return null;
    const marker = b[p + 1];
    if (marker === 0xff) {
      p++; // fill byte
      continue;
    }
    // Markers without a length: TEM and RST0..7 (SOI/EOI cannot appear here in a valid file).
    if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
      p += 2;
      continue;
    }
    const len = dv.getUint16(p + 2);
    // SOF0..SOF15 carry the frame size, except DHT (C4), JPG (C8) and DAC (CC).
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      return { format: 'jpeg', height: dv.getUint16(p + 5), width: dv.getUint16(p + 7) };
    }
    if (marker === 0xda || len < 2) return null; // image data before any frame header
    p += 2 + len;
  }
  return null;
}

function webpSize(b: Uint8Array, dv: DataView): ImageHeader | null {
  if (b.length < 30) return null;
  if (ascii(b, 12, 'VP8 ')) {
    // Lossy: the key frame's start code, then 14-bit width and height.
    if (b[23] !== 0x9d || b[24] !== 0x01 || b[25] !== 0x2a) return null;
    return { format: 'webp', width: dv.getUint16(26, true) & 0x3fff, height: dv.getUint16(28, true) & 0x3fff };
  }
  if (ascii(b, 12, 'VP8L')) {
    if (b[20] !== 0x2f) return null;
    const bits = dv.getUint32(21, true);
    return { format: 'webp', width: (bits & 0x3fff) + 1, height: ((bits >> 14) & 0x3fff) + 1 };
  }
  if (ascii(b, 12, 'VP8X')) {
    const w = b[24] | (b[25] << 8) | (b[26] << 16);
    const h = b[27] | (b[28] << 8) | (b[29] << 16);
    return { format: 'webp', width: w + 1, height: h + 1 };
  }
  return null;
}

/** The format and size, or null when the header is none of the known ones (or is cut short). */
export function readImageHeader(bytes: Uint8Array): ImageHeader | null {
  const b = bytes;
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  let h: ImageHeader | null = null;
  if (b.length >= 24 && b[0] === 0x89 && ascii(b, 1, 'PNG') && ascii(b, 12, 'IHDR')) {
    h = { format: 'png', width: dv.getUint32(16), height: dv.getUint32(20) };
  } else if (b.length >= 10 && (ascii(b, 0, 'GIF87a') || ascii(b, 0, 'GIF89a'))) {
    h = { format: 'gif', width: dv.getUint16(6, true), height: dv.getUint16(8, true) };
  } else if (b.length >= 26 && ascii(b, 0, 'BM')) {
    h = { format: 'bmp', width: Math.abs(dv.getInt32(18, true)), height: Math.abs(dv.getInt32(22, true)) };
  } else if (b.length >= 4 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) {
    h = jpegSize(b, dv);
  } else if (b.length >= 16 && ascii(b, 0, 'RIFF') && ascii(b, 8, 'WEBP')) {
    h = webpSize(b, dv);
  }
  return h && h.width > 0 && h.height > 0 ? h : null;
}

/**
 * The size to decode an image at: the same when its longer side is at most `maxSide`, else
 * scaled down to `maxSide` on the longer side, the aspect ratio kept.
 */
export function cappedSize(width: number, height: number, maxSide: number): { width: number; height: number; scaled: boolean } {
  const long = Math.max(width, height);
  if (long <= maxSide) return { width, height, scaled: false };
  const s = maxSide / long;
  return { width: Math.max(1, Math.round(width * s)), height: Math.max(1, Math.round(height * s)), scaled: true };
}
