// A minimal baseline JPEG encoder for four-component Adobe JPEGs, for tests only: CMYK
// (Adobe transform 0) or YCCK (transform 2, what Photoshop writes for CMYK by default). No npm
// package writes YCCK (sharp/libvips writes CMYK only), and the upload test needs one made at
// test time rather than a committed binary. tests/unit/adobeJpeg.test.ts checks its output
// against libjpeg-turbo (through sharp).
//
// The file: SOI, APP14 "Adobe" (its transform byte says how the four components are coded), one
// quantisation table (flat), SOF0 (8-bit, four components, no subsampling), two Huffman tables,
// SOS, the entropy-coded blocks (one 8x8 block of each component per MCU), EOI.
//
// Adobe convention: the stored CMYK samples are inverted (0 = full ink, 255 = none); decoders
// (libjpeg-turbo, Chromium) assume so for any four-component JPEG with this marker.

/** Inks in [0, 255] (255 = full ink), four per pixel in C, M, Y, K order, row-major. */
export interface CmykImage {
  width: number;
  height: number;
  cmyk: Uint8Array;
}

/**
 * Plain RGB to CMYK with full grey component replacement: K = 255 - max(R, G, B), and C, M, Y
 * the remaining ink of each channel, so that R = (255 - C)(255 - K) / 255 (the inverse that
 * Chromium applies when it shows a CMYK JPEG without an embedded colour profile).
 */
export function rgbToCmyk(rgb: ArrayLike<number>, width: number, height: number): CmykImage {
  const cmyk = new Uint8Array(width * height * 4);
  for (let i = 0; i < width * height; i++) {
    const [r, g, b] = [rgb[3 * i], rgb[3 * i + 1], rgb[3 * i + 2]];
    const w = Math.max(r, g, b); // 255 - K
    cmyk[4 * i + 3] = 255 - w;
    for (let c = 0; c < 3; c++) cmyk[4 * i + c] = w === 0 ? 0 : Math.round(255 - (255 * rgb[3 * i + c]) / w);
  }
  return { width, height, cmyk };
}

/**
 * The four stored planes: inverted CMYK (transform 0), or for YCCK (transform 2) libjpeg's
 * cmyk_ycck_convert: R = 255 - C', G = 255 - M', B = 255 - Y' of the stored (inverted) samples,
 * then full-range BT.601 YCbCr of (R, G, B); K' passes unchanged.
 */
function storedPlanes(img: CmykImage, transform: 0 | 2): Uint8Array[] {
  const n = img.width * img.height;
  const planes = Array.from({ length: 4 }, () => new Uint8Array(n));
  const clamp = (v: number) => Math.max(0, Math.min(255, Math.round(v)));
  for (let i = 0; i < n; i++) {
    const stored = [0, 1, 2, 3].map((c) => 255 - img.cmyk[4 * i + c]);
    if (transform === 0) {
      for (let c = 0; c < 4; c++) planes[c][i] = stored[c];
      continue;
    }
    const [r, g, b] = [255 - stored[0], 255 - stored[1], 255 - stored[2]];
    planes[0][i] = clamp(0.299 * r + 0.587 * g + 0.114 * b);
    planes[1][i] = clamp(-0.168736 * r - 0.331264 * g + 0.5 * b + 128);
    planes[2][i] = clamp(0.5 * r - 0.418688 * g - 0.081312 * b + 128);
    planes[3][i] = stored[3];
  }
  return planes;
}

/** Zigzag order: ZIGZAG[k] is the natural (row-major, row = vertical frequency) index of the k-th coefficient. */
const ZIGZAG: number[] = (() => {
  const out: number[] = [];
  for (let s = 0; s < 15; s++) {
    const cells: number[] = [];
    for (let row = Math.max(0, s - 7); row <= Math.min(s, 7); row++) cells.push(row * 8 + (s - row));
    out.push(...(s % 2 === 0 ? cells.reverse() : cells)); // even diagonals run upwards (row falling)
  }
  return out;
})();

/** Every coefficient is divided by this (flat table): the error is at most a level or two. */
const QUANT = 2;

/**
 * Huffman tables that need no typing-in of the standard ones: every DC category 0..11 gets a
 * 4-bit code, and every AC symbol (run 0..15, size 1..10; EOB 0x00; ZRL 0xF0) an 8-bit code,
 * assigned canonically in symbol order. Kraft sums 12/16 and 162/256 (< 1), and no code is all
 * ones, as T.81 requires.
 */
const DC_SYMBOLS = Array.from({ length: 12 }, (_, i) => i);
const AC_SYMBOLS = [0x00, 0xf0, ...Array.from({ length: 16 * 10 }, (_, i) => ((i / 10) << 4) | ((i % 10) + 1))].sort((a, b) => a - b);
interface Table {
  bits: number[]; // how many codes of each length 1..16
  symbols: number[];
  code: Map<number, { code: number; length: number }>;
}
function fixedLengthTable(symbols: number[], length: number): Table {
  const bits = new Array<number>(16).fill(0);
  bits[length - 1] = symbols.length;
  return { bits, symbols, code: new Map(symbols.map((s, i) => [s, { code: i, length }])) };
}
const DC_TABLE = fixedLengthTable(DC_SYMBOLS, 4);
const AC_TABLE = fixedLengthTable(AC_SYMBOLS, 8);

/** MSB-first bit writer with T.81's byte stuffing (0xFF in the data is followed by 0x00). */
class BitWriter {
  readonly bytes: number[] = [];
  private acc = 0;
  private n = 0;
  write(value: number, length: number): void {
    for (let i = length - 1; i >= 0; i--) {
      this.acc = (this.acc << 1) | ((value >> i) & 1);
      if (++this.n === 8) this.flushByte();
    }
  }
  private flushByte(): void {
    this.bytes.push(this.acc);
    if (this.acc === 0xff) this.bytes.push(0);
    this.acc = 0;
    this.n = 0;
  }
  /** Pads the last byte with 1 bits. */
  finish(): number[] {
    while (this.n !== 0) this.write(1, 1);
    return this.bytes;
  }
}

/** Category (bit length) of a coefficient and its T.81 amplitude bits (negative values: v - 1 in `size` bits). */
function amplitude(v: number): { size: number; bits: number } {
  const size = 32 - Math.clz32(Math.abs(v));
  return { size, bits: v >= 0 ? v : v + (1 << size) - 1 };
}

/** FDCT of one 8x8 block (samples level-shifted by -128): F(v,u) = C(u)C(v)/4 sum f(y,x) cos((2x+1)u pi/16) cos((2y+1)v pi/16). */
const COS = Array.from({ length: 64 }, (_, k) => Math.cos(((2 * (k % 8) + 1) * Math.floor(k / 8) * Math.PI) / 16)); // COS[u*8+x]
function fdct(block: Float64Array): Float64Array {
  const out = new Float64Array(64);
  for (let v = 0; v < 8; v++) {
    for (let u = 0; u < 8; u++) {
      let s = 0;
      for (let y = 0; y < 8; y++) for (let x = 0; x < 8; x++) s += block[y * 8 + x] * COS[u * 8 + x] * COS[v * 8 + y];
      out[v * 8 + u] = (s * (u === 0 ? Math.SQRT1_2 : 1) * (v === 0 ? Math.SQRT1_2 : 1)) / 4;
    }
  }
  return out;
}

function segment(marker: number, payload: number[]): number[] {
  const len = payload.length + 2;
  return [0xff, marker, len >> 8, len & 0xff, ...payload];
}

/** An Adobe four-component baseline JPEG of the image: CMYK (transform 0) or YCCK (transform 2). */
export function encodeAdobeJpeg(img: CmykImage, transform: 0 | 2): Buffer {
  const { width, height } = img;
  const planes = storedPlanes(img, transform);
  const header = [
    0xff, 0xd8,
    ...segment(0xee, [...Buffer.from('Adobe', 'ascii'), 0, 100, 0, 0, 0, 0, transform]),
    ...segment(0xdb, [0x00, ...new Array<number>(64).fill(QUANT)]),
    ...segment(0xc0, [8, height >> 8, height & 0xff, width >> 8, width & 0xff, 4, ...[1, 2, 3, 4].flatMap((id) => [id, 0x11, 0])]),
    ...segment(0xc4, [0x00, ...DC_TABLE.bits, ...DC_TABLE.symbols]),
    ...segment(0xc4, [0x10, ...AC_TABLE.bits, ...AC_TABLE.symbols]),
    ...segment(0xda, [4, ...[1, 2, 3, 4].flatMap((id) => [id, 0x00]), 0, 63, 0]),
  ];
  const out = new BitWriter();
  const put = (table: Table, symbol: number) => {
    const c = table.code.get(symbol)!;
    out.write(c.code, c.length);
  };
  const prevDc = [0, 0, 0, 0];
  const block = new Float64Array(64);
  for (let by = 0; by < height; by += 8) {
    for (let bx = 0; bx < width; bx += 8) {
      for (let comp = 0; comp < 4; comp++) {
        // Edge blocks repeat the last row and column (T.81 leaves the padding to the encoder).
        for (let y = 0; y < 8; y++) for (let x = 0; x < 8; x++) block[y * 8 + x] = planes[comp][Math.min(by + y, height - 1) * width + Math.min(bx + x, width - 1)] - 128;
        const coef = fdct(block);
        const q = ZIGZAG.map((nat) => Math.round(coef[nat] / QUANT));
        const dc = amplitude(q[0] - prevDc[comp]);
        prevDc[comp] = q[0];
        put(DC_TABLE, dc.size);
        out.write(dc.bits, dc.size);
        let run = 0;
        for (let k = 1; k < 64; k++) {
          if (q[k] === 0) {
            run++;
            continue;
          }
          for (; run > 15; run -= 16) put(AC_TABLE, 0xf0);
          const ac = amplitude(q[k]);
          put(AC_TABLE, (run << 4) | ac.size);
          out.write(ac.bits, ac.size);
          run = 0;
        }
        if (run > 0) put(AC_TABLE, 0x00);
      }
    }
  }
  return Buffer.from([...header, ...out.finish(), 0xff, 0xd9]);
}
